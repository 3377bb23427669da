"""Questions of ``09_cifar10_project``.

Each value question is judged in two steps (see :class:`dlcourse.assessment.questions.ValueQuestion`):
its ``_*_facts`` reads, in the student's kernel, what the decision needs as plain data (the
trained model's steps, history, biases and Keras's own evaluation of it on the student's
arrays; the grid search's results; the layers of the augmented model; the model's predicted
class for each test image), and its decision, outside the kernel, says what is wrong in words
a student can act on (never the code of the answer), or None. The set-up's data and settings
(fingerprints of the images, the test labels, ``EPOCHS``, the budget) come from the given
facts: for the grader, from the solution's run. Exercise 09 does not repeat exercise 08's
questions (the callbacks): it asks what the project's runs mean.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from dlcourse.assessment.compare import describe_difference, is_number
from dlcourse.assessment.encoding import Opaque
from dlcourse.assessment.facts import array, fingerprint, is_keras_model, plain, type_name
from dlcourse.assessment.questions import Case, FunctionQuestion, ValueQuestion, WrittenQuestion
from dlcourse.budget import is_smoke
from dlcourse.questions.nb03_hyperparameters_and_validation import paired_decision
from dlcourse.model_summary import describe_model

BATCH_SIZE = 64  # question 3's batch size
VALIDATION_SPLIT = 0.2  # question 3's validation_split
CHANCE = 0.1  # accuracy of guessing among CIFAR-10's 10 classes
FULL_BUDGET_MIN_ACCURACY = 0.2  # full budget: the lesson's CNN after its epochs is far above this (about 0.45)
TEST_ABOVE_HELD_OUT = 0.15  # test accuracy this much above held-out training images: the test set was seen


def describe_cnn(model: Any) -> dict:
    """``describe_model`` plus each layer's activation (None for layers without one)."""
    summary = describe_model(model)
    summary["activations"] = [getattr(getattr(layer, "activation", None), "__name__", None) for layer in model.layers]
    return summary


LESSON_LAYERS = ["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Conv2D", "Flatten", "Dense", "Dense"]
LESSON_ACTIVATIONS = ["relu", None, "relu", None, "relu", None, "relu", "softmax"]
LESSON_CNN = {  # the lesson's CNN for 32x32x3 images and 10 classes
    "layers": LESSON_LAYERS,
    "output_shapes": [[30, 30, 32], [15, 15, 32], [13, 13, 64], [6, 6, 64], [4, 4, 64], [1024], [64], [10]],
    "params": 122570,
    "activations": LESSON_ACTIVATIONS,
}
SMALL_GREY_CNN = {  # the same specification for 28x28x1 images and 5 classes
    "layers": LESSON_LAYERS,
    "output_shapes": [[26, 26, 32], [13, 13, 32], [11, 11, 64], [5, 5, 64], [3, 3, 64], [576], [64], [5]],
    "params": 92997,
    "activations": LESSON_ACTIVATIONS,
}

AUGMENTED_CNN = {  # question 5: a flip and a translation (no weights, shapes unchanged), then the lesson's CNN
    "layers": ["RandomFlip", "RandomTranslation", *LESSON_LAYERS],
    "output_shapes": [[32, 32, 3], [32, 32, 3], *LESSON_CNN["output_shapes"]],
    "params": LESSON_CNN["params"],
    "activations": [None, None, *LESSON_ACTIVATIONS],
}


def _shapes(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    side = int(rng.choice([28, 40, 64]))
    return [(((28, 28, 1), 10), {}), (((side, side, 3), int(rng.integers(2, 20))), {}), (((48, 48, 3), 100), {})]


# --------------------------------------------------------------------------- q2: the grid

GRID_SETTINGS = (("batch_size", [32, 64]), ("epochs", [10, 20]))  # the lesson's grid


def _grid_facts(value: Any, namespace: Mapping[str, Any]) -> Any:
    """In the kernel: the student's grid as plain data."""
    return plain(value)


def _param_grid(value: Any, given: Any) -> str | None:
    """Outside the kernel: question 2 asks for the lesson's grid, and nothing else in it."""
    if type(value) is not dict:
        return f"expected a dict from setting name to the list of values to try, found {_kind(value)}"
    if set(value) != {key for key, _ in GRID_SETTINGS}:
        return f"the grid should search exactly two settings, the batch size and the number of epochs; found {sorted(map(str, value))}"
    for key, wanted in GRID_SETTINGS:
        values = value[key]
        if isinstance(values, np.ndarray):
            values = values.tolist()
        if type(values) not in (list, tuple):
            return f"each setting needs a list of values to try; {key!r} has {values!r}"
        if not all(is_number(v) for v in values) or sorted(values) != wanted:
            return f"{key!r} should try the lesson's values, {' and '.join(map(str, wanted))}; found {list(values)}"
    return None


def _kind(value: Any) -> str:
    """'a list', 'a tuple', ... of a plain value (an unreadable object by the name of its type)."""
    return f"a {value.type_name}" if isinstance(value, Opaque) else f"a {type(value).__name__}"


# --------------------------------------------------------------------------- q3: train, evaluate, report

DATA_NAMES = ("x_train", "y_train", "x_test", "y_test")  # the data cell's arrays
DATA_CHANGED = ("`{name}` is not the array the set-up's data cell makes any more: run that cell again and leave "
                "`x_train`, `y_train`, `x_test` and `y_test` as it makes them (the test set measures the model, the "
                "training images train it)")


def _data_given(namespace: Mapping[str, Any]) -> dict:
    """The set-up's data and settings: fingerprints of its arrays, the number of training images, EPOCHS and
    the budget (for the grader: as the solution's run has them)."""
    missing = [name for name in (*DATA_NAMES, "EPOCHS") if name not in namespace]
    if missing:
        raise ValueError(f"run the set-up cells first (they define {', '.join(missing)})")
    epochs, x_train = namespace["EPOCHS"], namespace["x_train"]
    if type(epochs) is not int or epochs < 1:
        raise ValueError("`EPOCHS` is not the set-up cell's whole number of epochs any more: run the set-up cell again")
    if fingerprint(x_train) is None:
        raise ValueError("`x_train` is not an array of images any more: run the cell that loads the data again")
    return {"EPOCHS": epochs, "smoke": is_smoke(), "n_train": int(np.ndarray.view(x_train, np.ndarray).shape[0]),
            "data": {name: fingerprint(namespace[name]) for name in DATA_NAMES}}


# Keras's methods a model object could redefine for itself alone, so that evaluating or predicting with it lies
OWN_METHODS = ("evaluate", "predict", "call", "test_step", "predict_step", "make_test_function",
               "make_predict_function", "compute_loss", "compute_metrics", "get_metrics_result")


def _redefined(model: Any) -> list[str]:
    """The names of Keras's methods that ``model`` redefines in its own attributes."""
    return sorted(name for name in OWN_METHODS if name in vars(model))


def _evaluated(model: Any, x: Any, y: Any) -> dict | str:
    """Keras's own evaluation of ``model`` on ``x``, ``y`` (a dict of metrics), or why it failed. The model's
    compiled test function is dropped first, so that Keras builds it again from its own code."""
    import keras

    try:
        model.test_function = None
        return plain(keras.Model.evaluate(model, x, y, verbose=0, return_dict=True))
    except Exception as exc:  # noqa: BLE001 - reported, the judge words it
        return f"{type(exc).__name__}: {exc}"[:300]


def _trained_model_facts(model: Any, namespace: Mapping[str, Any]) -> dict:
    """How ``model`` was trained (its steps, the last run's history, its biases) and what it scores on the
    held-out fifth of the training images and on the test images, evaluated here by Keras."""
    import keras

    if not is_keras_model(model):
        return {"type": type_name(model)}
    optimizer = model.optimizer
    facts: dict = {"type": type_name(model), "compiled": optimizer is not None, "redefined": _redefined(model),
                   "bias_max_abs": [float(np.max(np.abs(keras.ops.convert_to_numpy(layer.bias)), initial=0.0))
                                    for layer in model.layers if getattr(layer, "bias", None) is not None]}
    history = getattr(getattr(model, "history", None), "history", None)
    facts["history"] = {key: plain(values) for key, values in dict.items(history)} if type(history) is dict else {}
    if optimizer is None:
        return facts
    facts["steps"] = int(keras.ops.convert_to_numpy(optimizer.iterations))
    arrays = {name: namespace.get(name) for name in DATA_NAMES}
    if all(fingerprint(a) is not None for a in arrays.values()):
        x_train, y_train, x_test, y_test = (np.ndarray.view(a, np.ndarray) for a in arrays.values())
        n_fit = _fit_size(len(x_train))
        facts["held_out"] = _evaluated(model, x_train[n_fit:], y_train[n_fit:])
        facts["test"] = _evaluated(model, x_test, y_test)
    return facts


def _accuracy_facts(value: Any, namespace: Mapping[str, Any]) -> dict:
    """In the kernel: the reported number, fingerprints of the data as the student's namespace holds it, and
    the facts of the student's trained ``model``."""
    model = namespace.get("model")
    return {"value": plain(value), "data": {name: fingerprint(namespace.get(name)) for name in DATA_NAMES},
            "model": None if model is None else _trained_model_facts(model, namespace)}


def _fit_size(n: int) -> int:
    """How many of ``n`` images Keras trains on with ``validation_split`` (the rest validate)."""
    return int(math.floor(n * (1.0 - VALIDATION_SPLIT)))


def _reported_accuracy(facts: Mapping[str, Any], given: Mapping[str, Any]) -> str | None:
    """Outside the kernel, question 3: a model trained as asked (on the set-up's training images, EPOCHS epochs,
    batch 64, a fifth held out), and ``test_accuracy`` its accuracy on the set-up's test set."""
    value, model = facts["value"], facts["model"]
    if isinstance(value, (list, tuple, np.ndarray)):
        return "evaluating gives the loss and the accuracy; `test_accuracy` should be the accuracy alone, one number"
    if type(value) is not float or not 0 <= value <= 1:
        return f"expected the accuracy as a number between 0 and 1, found {value!r}"
    if model is None or model.get("type") not in ("Sequential", "Functional") or "compiled" not in model:
        return "train your network in a variable named `model` (a Keras Sequential or functional model)"
    if any(facts["data"][name] is None for name in DATA_NAMES):
        return "run the cell that loads the data first"
    changed = [name for name in DATA_NAMES if facts["data"][name] != given["data"][name]]
    if changed:
        return DATA_CHANGED.format(name=changed[0])
    if model["redefined"]:
        return (f"`model` redefines Keras's own {', '.join(model['redefined'])}: train a plain Keras model, and let "
                "Keras evaluate it")
    if not model["compiled"]:
        return "compile the model before training it"
    biases = model["bias_max_abs"]
    if biases and not any(b > 0 for b in biases):
        return "the model's weights are still at their starting values (every bias is zero): it has not been trained"
    logs, epochs = model["history"], given["EPOCHS"]
    n_train = given["n_train"]
    n_fit = _fit_size(n_train)
    steps, expected_steps = model["steps"], math.ceil(n_fit / BATCH_SIZE) * epochs
    if steps != expected_steps:
        return (f"the model made {steps} training steps, but {epochs} epoch(s) over the {n_fit} training images Keras "
                f"keeps when a fifth of the {n_train} is held out, in batches of {BATCH_SIZE}, make {expected_steps}: "
                "check which images it learned from, for how many epochs, with which batch size")
    val_loss = logs.get("val_loss")
    if type(val_loss) is not list or not val_loss or not is_number(val_loss[-1]):
        return "the model's last training run recorded no validation loss: hold out a fifth of the training images for validation"
    held_out, test = model["held_out"], model["test"]
    for scores in (held_out, test):
        if type(scores) is not dict or not is_number(scores.get("loss")):
            return f"the model could not be evaluated ({scores})"
    if not np.isclose(val_loss[-1], held_out["loss"], rtol=1e-3, atol=1e-4):
        return ("the validation loss recorded while training does not belong to the last fifth of the training images "
                "with the model's final weights: validate on held-out training images (the test set is only for the "
                "final evaluation), and do not change the model after that training run")
    accuracy = test.get("accuracy")
    if not is_number(accuracy) or not is_number(held_out.get("accuracy")):
        return "compile the model with the accuracy metric, so that evaluating it reports the accuracy"
    if not np.isclose(value, accuracy, atol=1e-4):
        return (f"the model's accuracy on the test images is {accuracy:.4f}, but `test_accuracy` is {value:.4f}: "
                "report the accuracy measured on the test set")
    if not given["smoke"]:  # a smoke run trains a few steps: no accuracy to expect yet
        if accuracy < FULL_BUDGET_MIN_ACCURACY:
            return (f"a test accuracy of {accuracy:.3f} is hardly above chance ({CHANCE:g} for 10 classes): trained as "
                    "asked, the lesson's CNN does far better; was it trained on the right images and labels?")
        if accuracy - held_out["accuracy"] > TEST_ABOVE_HELD_OUT:
            return (f"the test accuracy ({accuracy:.3f}) is far above the accuracy on held-out training images "
                    f"({held_out['accuracy']:.3f}): has the model seen the test images while training?")
    return None


# --------------------------------------------------------------------------- q4: the grid's verdict

CV_KEYS = ("params", "mean_test_score", "std_test_score")


def _verdict_facts(value: Any, namespace: Mapping[str, Any]) -> dict:
    """In the kernel: the verdict, the chosen combination and the grid search's results (its combinations,
    their mean and spread, and each fold's scores) as plain data."""
    facts: dict = {"value": plain(value), "has_choice": "best_combination" in namespace,
                   "choice": plain(namespace.get("best_combination")), "results": None}
    results = getattr(namespace.get("grid"), "cv_results_", None)
    if type(results) is dict:
        keys = [k for k in dict.keys(results) if type(k) is str and (k in CV_KEYS or
                                                                     (k.startswith("split") and k.endswith("_test_score")))]
        facts["results"] = {key: plain(dict.__getitem__(results, key)) for key in keys}
    return facts


def _same_combination(chosen: Mapping, params: Any) -> bool:
    return type(params) is dict and set(chosen) == set(params) and all(chosen[k] == params[k] for k in params)


def _grid_verdict(facts: Mapping[str, Any], given: Any) -> str | None:
    """Outside the kernel, question 4: ``best_combination`` is what the grid ranked first, and ``clear_winner``
    says whether it beat the runner-up by the course's rule for noise (lesson 03): a corrected paired t-test on
    the two combinations' scores on the same folds, two-sided at 5 %."""
    results, value, chosen = facts["results"], facts["value"], facts["choice"]
    if results is None or any(key not in results for key in CV_KEYS):
        return "run question 2's cell first: its grid search is what you read here"
    params = results["params"]
    means, stds = (np.asarray(results[key], dtype=float) for key in ("mean_test_score", "std_test_score"))
    if type(params) is not list or means.shape != (len(params),) or stds.shape != (len(params),):
        return "the grid's results could not be read: run question 2's cell again"
    if len(params) < 2:
        return "the grid tried a single combination: there is nothing to compare (check question 2's grid)"
    if not facts["has_choice"] or chosen is None:
        return "also set `best_combination`: the combination of settings the grid ranked first"
    if type(chosen) is not dict:
        return f"`best_combination` should be a dict from setting name to value, like the grid's params; found {_kind(chosen)}"
    top = [i for i in range(len(params)) if np.isclose(means[i], means.max(), rtol=0, atol=1e-12)]
    if not any(_same_combination(chosen, params[i]) for i in top):
        if not any(_same_combination(chosen, p) for p in params):
            return f"`best_combination` {chosen} is not one of the combinations the grid tried: {params}"
        return (f"`best_combination` {chosen} is not the combination the grid ranked first "
                "(read the mean cross-validated accuracy, not the spread or the fit time)")
    if type(value) is not bool:
        return f"`clear_winner` should be True or False, found {value!r}"
    best = top[0]
    runner = max((i for i in range(len(params)) if i != best), key=lambda i: (means[i], -i))
    folds = sorted(k for k in results if k.startswith("split") and k.endswith("_test_score"))
    scores = np.asarray([np.asarray(results[k], dtype=float) for k in folds])  # folds x combinations
    if len(folds) < 2 or scores.shape != (len(folds), len(params)):
        return "the grid's results hold no per-fold scores: run question 2's cell again"
    verdict, mean, _, t, critical = paired_decision(scores[:, runner], scores[:, best])
    if abs(abs(t) - critical) < 0.05:  # too close to call at the precision a student reads the table with
        return None
    if value != (verdict == "B"):
        differences = ", ".join(f"{d:+.3f}" for d in scores[:, best] - scores[:, runner])
        return (f"`clear_winner` is {value}, but fold by fold the winner's accuracy minus the runner-up's is "
                f"{differences}: a corrected paired t of {t:.2f} against the critical value {critical:.2f} for "
                f"{len(folds)} folds (lesson 03's rule; the spread of one combination's scores is not the yardstick)")
    return None
    if value != bool(margin > spread):
        return (f"`clear_winner` is {value}, but the winner's mean accuracy is {margin:.3f} above the runner-up's "
                f"while its scores vary by {spread:.3f} (standard deviation) from fold to fold: compare those two numbers")
    return None


# --------------------------------------------------------------------------- q5: the augmented model


def _augmentation_facts(layer: Any) -> dict:
    """A flip's mode or a translation's factors, read from the layer's own attributes."""
    facts = {}
    for name in ("mode", "height_lower", "height_upper", "width_lower", "width_upper"):
        if name in vars(layer):
            facts[name] = plain(vars(layer)[name])
    return facts


def _augmented_facts(value: Any, namespace: Mapping[str, Any]) -> dict:
    """In the kernel: the model's layers (their classes, shapes, activations and parameters), the augmentation
    layers' settings, and whether it holds the very layers of the trained ``model``."""
    import keras

    if not is_keras_model(value):
        return {"type": type_name(value)}
    layers = list(value.layers)
    trained = namespace.get("model")
    trained_layers = list(trained.layers) if is_keras_model(trained) else []
    facts = {"type": type_name(value), "kinds": [type_name(layer) for layer in layers],
             "nested": [issubclass(type(layer), keras.Model) for layer in layers],
             "settings": [_augmentation_facts(layer) for layer in layers[:2]],
             "shares_trained_layers": any(layer is other for layer in layers for other in trained_layers)}
    try:
        facts["summary"] = plain(describe_cnn(value))
    except (TypeError, ValueError) as problem:
        facts["summary"] = str(problem)
    return facts


def _augmentation_problem(flip: Mapping[str, Any], shift: Mapping[str, Any]) -> str | None:
    if flip.get("mode") != "horizontal":
        return f"the flip mirrors in mode {flip.get('mode')!r}: only left-right mirror images keep a CIFAR-10 photo realistic"
    for side in ("height", "width"):
        low, high = shift.get(f"{side}_lower"), shift.get(f"{side}_upper")
        if not (is_number(low) and is_number(high)):
            return f"the translation's {side} factor could not be read"
        if not (np.isclose(low, -0.1) and np.isclose(high, 0.1)):
            return f"the translation should shift by up to 10 % of the {side}, both ways; found {low:+g} to {high:+g}"
    return None


def _augmented_model(facts: Mapping[str, Any], given: Any) -> str | None:
    """Outside the kernel, question 5: a horizontal flip and a translation in front of fresh layers of the lesson's CNN."""
    if "kinds" not in facts:
        return f"expected a Keras model (Sequential), found a {facts['type']}"
    kinds = facts["kinds"]
    if any(facts["nested"]):
        return f"put the augmentation layers and the CNN's layers directly into one Sequential; found a model inside: {kinds}"
    augmentation = [i for i, kind in enumerate(kinds) if kind.startswith("Random")]
    if kinds[:2] != ["RandomFlip", "RandomTranslation"]:
        if augmentation and augmentation[0] > 0:
            return (f"the augmentation layers come after {kinds[:augmentation[0]]}: they must change the input images "
                    "themselves, before the first convolution")
        return f"the model should start with a flip, then a translation; found {kinds[:2]}"
    problem = _augmentation_problem(*facts["settings"])
    if problem:
        return problem
    summary = facts["summary"]
    if isinstance(summary, str):
        return summary
    difference = describe_difference(AUGMENTED_CNN, summary)
    if difference:
        return f"after the two augmentation layers should come the lesson's CNN for 32x32x3 images and 10 classes: {difference}"
    if facts["shares_trained_layers"]:
        return ("its CNN layers are the very layers of your trained `model` from question 3, trained weights included: "
                "the augmented model must start from new, untrained layers")
    return None


# --------------------------------------------------------------------------- q6: the most confused pair


def _test_set_given(namespace: Mapping[str, Any]) -> dict:
    """The set-up's test set: a fingerprint of its images and its labels (None before the data cell ran)."""
    x_test, y_test = namespace.get("x_test"), namespace.get("y_test")
    if x_test is None or y_test is None:
        return {"x_test": None, "y_test": None, "labels": None}
    return {"x_test": fingerprint(x_test), "y_test": fingerprint(y_test), "labels": array(y_test, "y_test").ravel()}


def _confusion_facts(value: Any, namespace: Mapping[str, Any]) -> dict:
    """In the kernel: the answer, fingerprints of the test set the student's namespace holds, and the class the
    student's ``model`` predicts for each of those test images (Keras's own prediction)."""
    import keras

    model, x_test, y_test = namespace.get("model"), namespace.get("x_test"), namespace.get("y_test")
    facts = {"value": plain(value), "x_test": fingerprint(x_test), "y_test": fingerprint(y_test), "predicted": None,
             "redefined": _redefined(model) if is_keras_model(model) else []}
    if is_keras_model(model) and facts["x_test"] is not None and not facts["redefined"]:
        model.predict_function = None  # built again from Keras's own code
        scores = keras.Model.predict(model, np.ndarray.view(x_test, np.ndarray), verbose=0)
        facts["predicted"] = np.argmax(np.asarray(scores), axis=1)
    return facts


def _class_index(name: Any) -> int | None:
    from dlcourse.data import CIFAR10_CLASSES

    return CIFAR10_CLASSES.index(name) if type(name) is str and name in CIFAR10_CLASSES else None


def _most_confused(facts: Mapping[str, Any], given: Mapping[str, Any]) -> str | None:
    """Outside the kernel, question 6: (true class, predicted class) of the largest off-diagonal cell of the
    confusion matrix of the student's ``model`` on the set-up's test set (as counts or as rates per true class)."""
    from dlcourse.data import CIFAR10_CLASSES

    value = facts["value"]
    if type(value) not in (tuple, list) or len(value) != 2:
        return f"expected two class names, the true class first and the predicted class second; found {value!r}"
    if any(type(v) is int for v in value):
        return "name the classes (words such as 'cat'), not their numbers"
    unknown = [v for v in value if _class_index(v) is None]
    if unknown:
        return f"{unknown[0]!r} is not a CIFAR-10 class name; they are: {', '.join(CIFAR10_CLASSES)}"
    true, predicted = (_class_index(v) for v in value)
    if true == predicted:
        return "that cell is on the diagonal, where the correctly classified images are; look off the diagonal"
    guesses, labels = facts["predicted"], given["labels"]
    if facts["redefined"]:
        return (f"`model` redefines Keras's own {', '.join(facts['redefined'])}: read the confusion matrix of a plain "
                "Keras model")
    if guesses is None or labels is None:
        return "train `model` in question 3 first: its confusion matrix is the one you read here"
    if facts["x_test"] != given["x_test"] or facts["y_test"] != given["y_test"]:
        return ("`x_test` or `y_test` is not the test set the set-up's data cell makes any more: run that cell again "
                "and leave them as they are")
    guesses = np.asarray(guesses)
    if guesses.shape != labels.shape or guesses.dtype.kind not in "iu" or not np.all((0 <= guesses) & (guesses < 10)):
        return "the model's predictions on the test images could not be read: does it end in 10 units?"
    counts = np.zeros((10, 10), dtype=int)
    np.add.at(counts, (labels.astype(int), guesses), 1)
    rates = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    for matrix in (counts, rates):
        np.fill_diagonal(matrix, -1)

    def largest(i: int, j: int) -> bool:
        return counts[i, j] == counts.max() or bool(np.isclose(rates[i, j], rates.max(), rtol=0, atol=1e-9))

    if largest(true, predicted):
        return None
    if largest(predicted, true):
        return ("that is the matrix read the other way round: rows are the true classes, columns what the model "
                "predicted; give the true class first")
    return (f"your model predicted {value[1]!r} for {counts[true, predicted]} test images of {value[0]!r}; another "
            f"off-diagonal cell holds {counts.max()}: look for the largest number off the diagonal")


# Libraries this module's facts are read with: the grading kernel imports them before any student code, so that
# its snapshot restores them too (dlcourse/grading/kernel.py).
SNAPSHOT_MODULES = ('scikeras.wrappers', 'dlcourse.keras_sklearn', 'sklearn.model_selection')

QUESTIONS = [
    FunctionQuestion(
        id="q1_build_cnn", points=3, function="build_cnn",
        public=[Case(((32, 32, 3), 10), LESSON_CNN), Case(((28, 28, 1), 5), SMALL_GREY_CNN)],
        hidden=_shapes, summarize=describe_cnn,
        hint="follow the specification layer by layer. Think about what each layer does to the shape (a 3x3 "
             "convolution without padding loses a pixel on every side, a 2x2 pooling halves), which layers carry an "
             "activation, and that the input shape and the number of output units come from the arguments, not from "
             "CIFAR-10.",
    ),
    ValueQuestion(id="q2_param_grid", points=1, variable="param_grid", facts=_grid_facts, decide=_param_grid,
                  hint="each key names a setting of the wrapped model, each value lists what to try: the lesson's two "
                       "batch sizes and two epoch counts, nothing else."),
    ValueQuestion(id="q3_test_accuracy", points=2, variable="test_accuracy", facts=_accuracy_facts,
                  given_facts=_data_given, decide=_reported_accuracy,
                  hint="think about which images the model may learn from (the training images, a fifth of them held "
                       "out for validation), for how long and in which batches; then which images measure it honestly, "
                       "and which of the two numbers an evaluation gives is the accuracy."),
    ValueQuestion(id="q4_grid_verdict", points=2, variable="clear_winner", facts=_verdict_facts,
                  decide=_grid_verdict,
                  hint="read the grid's table: the winner is the combination ranked first by mean cross-validated "
                       "accuracy. Then compare the winner with the runner-up fold by fold (the same folds), as lesson 03 "
                       "compared two settings, not by the spread of one of them."),
    ValueQuestion(id="q5_augmented_model", points=2, variable="augmented_model", facts=_augmented_facts,
                  decide=_augmented_model,
                  hint="think about where augmentation must act: on the input images, before any convolution; which "
                       "flip keeps a photo realistic; and that the CNN behind it must be new, untrained layers, not "
                       "those of the model you trained in question 3."),
    ValueQuestion(id="q6_most_confused", points=2, variable="most_confused", facts=_confusion_facts,
                  given_facts=_test_set_given, decide=_most_confused,
                  hint="look off the diagonal: rows are the true classes, columns the predictions. The largest entry "
                       "there names the true class and the class the model most often took it for."),
    WrittenQuestion(
        id="q7_confusion_reason", points=1,
        rubric="Full mark: names the pair found in question 6 and gives a plausible visual reason the two classes are "
               "confused at 32x32 pixels (e.g. cat/dog: similar fur, shape and poses; automobile/truck: wheels, "
               "windows, metal bodies; deer/horse: four legs on green or brown backgrounds; airplane/ship or bird: a "
               "small object on a uniform blue background), ideally backed by looking at some of the mistaken "
               "images. If the smoke budget's barely trained model put most images in one column, a full answer "
               "says so: the pair then reflects a bias of an untrained model, not similar classes.",
    ),
    WrittenQuestion(
        id="q8_improvement", points=3,
        rubric="One point each: (1) the baseline's problem, with the student's own numbers: its training accuracy "
               "pulls away from its validation accuracy (the gap printed by question 5; with the full budget after "
               "10 epochs), i.e. overfitting a few thousand images. (2) Why the grid cannot fix it: batch size and "
               "epochs change how the same network is trained, not what it can memorise or the data it sees; fewer "
               "epochs only stop earlier (early stopping by hand), and when question 4's paired per-fold "
               "comparison found no clear winner the grid cannot tell its top combinations apart. (3) Why lesson 09's improved model works, at least two "
               "changes with their effect: augmentation (new versions of every image each epoch, so it cannot "
               "memorise pixels; the train/validation gap of question 5's augmented run), batch normalization "
               "(faster, stabler training of a deeper network), AdamW's decoupled weight decay (not an L2 penalty, "
               "which under Adam is not weight decay) and dropout (keep weights small / perturb the network), "
               "global average pooling (far fewer weights than a large dense layer), the cosine schedule (large "
               "steps early, small late), and the refit on all training images. Numbers stated must be the ones "
               "the student's run printed.",
    ),
]
