"""Questions of ``09_cifar10_project``.

Each ``*_problem(value, namespace)`` validates one value question against what the
student's own notebook holds (their trained model, their grid search, the data): it
returns what is wrong, in words a student can act on (never the code of the answer),
or None. Exercise 09 does not repeat exercise 08's questions (the callbacks): it asks
what the project's runs mean.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from dlcourse.budget import is_smoke
from dlcourse.checking import Case, FunctionQuestion, ValueQuestion, WrittenQuestion, describe_difference
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


def param_grid_problem(value: Any, namespace: Mapping[str, Any]) -> str | None:
    """Question 2: the lesson's grid, and nothing else in it."""
    if not isinstance(value, Mapping):
        return f"expected a dict from setting name to the list of values to try, found a {type(value).__name__}"
    if set(value) != {"batch_size", "epochs"}:
        return f"the grid should search exactly two settings, the batch size and the number of epochs; found {sorted(map(str, value))}"
    for key, wanted in (("batch_size", [32, 64]), ("epochs", [10, 20])):
        values = value[key]
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            return f"each setting needs a list of values to try; {key!r} has {values!r}"
        if sorted(values) != wanted:
            return f"{key!r} should try the lesson's values, {' and '.join(map(str, wanted))}; found {list(values)}"
    return None


def _fit_size(n: int) -> int:
    """How many of ``n`` images Keras trains on with ``validation_split`` (the rest validate)."""
    return int(math.floor(n * (1.0 - VALIDATION_SPLIT)))


def reported_accuracy_problem(value: Any, namespace: Mapping[str, Any]) -> str | None:
    """Question 3: a model trained as asked (on the training images, EPOCHS epochs, batch 64, a
    fifth held out), and ``test_accuracy`` its accuracy on the test set."""
    import keras

    if isinstance(value, (list, tuple, np.ndarray)):
        return "evaluating gives the loss and the accuracy; `test_accuracy` should be the accuracy alone, one number"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (float, np.floating)) or not 0 <= value <= 1:
        return f"expected the accuracy as a number between 0 and 1, found {value!r}"
    model = namespace.get("model")
    x_train, y_train, x_test, y_test = (namespace.get(k) for k in ("x_train", "y_train", "x_test", "y_test"))
    if not isinstance(model, keras.Model):
        return "train your network in a variable named `model`"
    if any(v is None for v in (x_train, y_train, x_test, y_test)):
        return "run the cell that loads the data first"
    if model.optimizer is None:
        return "compile the model before training it"
    biases = [np.asarray(layer.bias) for layer in model.layers if getattr(layer, "bias", None) is not None]
    if biases and not any(np.any(b) for b in biases):
        return "the model's weights are still at their starting values (every bias is zero): it has not been trained"
    logs = getattr(getattr(model, "history", None), "history", None) or {}
    epochs = namespace.get("EPOCHS", len(logs.get("loss", [])))
    n_fit = _fit_size(len(x_train))
    steps, expected_steps = int(model.optimizer.iterations), math.ceil(n_fit / BATCH_SIZE) * epochs
    if steps != expected_steps:
        return (f"the model made {steps} training steps, but {epochs} epoch(s) over the {n_fit} training images Keras "
                f"keeps when a fifth of the {len(x_train)} is held out, in batches of {BATCH_SIZE}, make {expected_steps}: "
                "check which images it learned from, for how many epochs, with which batch size")
    if "val_loss" not in logs:
        return "the model's last training run recorded no validation loss: hold out a fifth of the training images for validation"
    held_out = model.evaluate(x_train[n_fit:], y_train[n_fit:], verbose=0, return_dict=True)
    if not np.isclose(logs["val_loss"][-1], held_out["loss"], rtol=1e-3, atol=1e-4):
        return ("the validation loss recorded while training does not belong to the last fifth of the training images "
                "with the model's final weights: validate on held-out training images (the test set is only for the "
                "final evaluation), and do not change the model after that training run")
    scores = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
    accuracy = scores.get("accuracy")
    if accuracy is None:
        return "compile the model with the accuracy metric, so that evaluating it reports the accuracy"
    if not np.isclose(value, accuracy, atol=1e-4):
        return (f"the model's accuracy on the test images is {accuracy:.4f}, but `test_accuracy` is {value:.4f}: "
                "report the accuracy measured on the test set")
    if not is_smoke():  # a smoke run trains a few steps: no accuracy to expect yet
        if accuracy < FULL_BUDGET_MIN_ACCURACY:
            return (f"a test accuracy of {accuracy:.3f} is hardly above chance ({CHANCE:g} for 10 classes): trained as "
                    "asked, the lesson's CNN does far better; was it trained on the right images and labels?")
        if accuracy - held_out["accuracy"] > TEST_ABOVE_HELD_OUT:
            return (f"the test accuracy ({accuracy:.3f}) is far above the accuracy on held-out training images "
                    f"({held_out['accuracy']:.3f}): has the model seen the test images while training?")
    return None


def _same_combination(chosen: Mapping, params: Mapping) -> bool:
    try:
        return set(chosen) == set(params) and all(chosen[k] == params[k] for k in params)
    except Exception:  # values that cannot be compared are not the same
        return False


def grid_verdict_problem(value: Any, namespace: Mapping[str, Any]) -> str | None:
    """Question 4: ``best_combination`` is what the grid ranked first, and ``clear_winner`` says whether
    it beat the runner-up by more than its own fold-to-fold standard deviation."""
    results = getattr(namespace.get("grid"), "cv_results_", None)
    if results is None:
        return "run question 2's cell first: its grid search is what you read here"
    params, means, stds = list(results["params"]), np.asarray(results["mean_test_score"]), np.asarray(results["std_test_score"])
    if len(params) < 2:
        return "the grid tried a single combination: there is nothing to compare (check question 2's grid)"
    chosen = namespace.get("best_combination")
    if chosen is None:
        return "also set `best_combination`: the combination of settings the grid ranked first"
    if not isinstance(chosen, Mapping):
        return f"`best_combination` should be a dict from setting name to value, like the grid's params; found a {type(chosen).__name__}"
    top = [i for i in range(len(params)) if np.isclose(means[i], means.max(), rtol=0, atol=1e-12)]
    if not any(_same_combination(chosen, params[i]) for i in top):
        if not any(_same_combination(chosen, p) for p in params):
            return f"`best_combination` {dict(chosen)} is not one of the combinations the grid tried: {params}"
        return (f"`best_combination` {dict(chosen)} is not the combination the grid ranked first "
                "(read the mean cross-validated accuracy, not the spread or the fit time)")
    if isinstance(value, (str, bytes)) or not isinstance(value, (bool, np.bool_)):
        return f"`clear_winner` should be True or False, found {value!r}"
    best = top[0]
    runner_up = max(means[i] for i in range(len(params)) if i != best)
    margin, spread = means[best] - runner_up, stds[best]
    if abs(margin - spread) < 1.5e-3:  # too close to call at the 3 decimals the table prints
        return None
    if bool(value) != bool(margin > spread):
        return (f"`clear_winner` is {bool(value)}, but the winner's mean accuracy is {margin:.3f} above the runner-up's "
                f"while its scores vary by {spread:.3f} (standard deviation) from fold to fold: compare those two numbers")
    return None


def _augmentation_problem(flip: Any, shift: Any) -> str | None:
    if flip.mode != "horizontal":
        return f"the flip mirrors in mode {flip.mode!r}: only left-right mirror images keep a CIFAR-10 photo realistic"
    for side in ("height", "width"):
        low, high = getattr(shift, f"{side}_lower"), getattr(shift, f"{side}_upper")
        if not (np.isclose(low, -0.1) and np.isclose(high, 0.1)):
            return f"the translation should shift by up to 10 % of the {side}, both ways; found {low:+g} to {high:+g}"
    return None


def augmented_model_problem(value: Any, namespace: Mapping[str, Any]) -> str | None:
    """Question 5: a horizontal flip and a translation in front of fresh layers of the lesson's CNN."""
    import keras

    if not isinstance(value, keras.Model):
        return f"expected a Keras model, found a {type(value).__name__}"
    kinds = [type(layer).__name__ for layer in value.layers]
    if any(isinstance(layer, keras.Model) for layer in value.layers):
        return f"put the augmentation layers and the CNN's layers directly into one Sequential; found a model inside: {kinds}"
    augmentation = [i for i, kind in enumerate(kinds) if kind.startswith("Random")]
    if kinds[:2] != ["RandomFlip", "RandomTranslation"]:
        if augmentation and augmentation[0] > 0:
            return (f"the augmentation layers come after {kinds[:augmentation[0]]}: they must change the input images "
                    "themselves, before the first convolution")
        return f"the model should start with a flip, then a translation; found {kinds[:2]}"
    problem = _augmentation_problem(*value.layers[:2])
    if problem:
        return problem
    difference = describe_difference(AUGMENTED_CNN, describe_cnn(value))
    if difference:
        return f"after the two augmentation layers should come the lesson's CNN for 32x32x3 images and 10 classes: {difference}"
    trained = namespace.get("model")
    if isinstance(trained, keras.Model) and any(layer is other for layer in value.layers for other in trained.layers):
        return ("its CNN layers are the very layers of your trained `model` from question 3, trained weights included: "
                "the augmented model must start from new, untrained layers")
    return None


def _class_index(name: Any) -> int | None:
    from dlcourse.data import CIFAR10_CLASSES

    return CIFAR10_CLASSES.index(name) if isinstance(name, str) and name in CIFAR10_CLASSES else None


def most_confused_problem(value: Any, namespace: Mapping[str, Any]) -> str | None:
    """Question 6: (true class, predicted class) of the largest off-diagonal cell of the confusion
    matrix of the student's own ``model`` on the test set (as counts or as rates per true class)."""
    import keras

    from dlcourse.data import CIFAR10_CLASSES

    if not isinstance(value, (tuple, list)) or len(value) != 2:
        return f"expected two class names, the true class first and the predicted class second; found {value!r}"
    if any(isinstance(v, (int, np.integer)) for v in value):
        return "name the classes (words such as 'cat'), not their numbers"
    unknown = [v for v in value if _class_index(v) is None]
    if unknown:
        return f"{unknown[0]!r} is not a CIFAR-10 class name; they are: {', '.join(CIFAR10_CLASSES)}"
    true, predicted = (_class_index(v) for v in value)
    if true == predicted:
        return "that cell is on the diagonal, where the correctly classified images are; look off the diagonal"
    model, x_test, y_test = namespace.get("model"), namespace.get("x_test"), namespace.get("y_test")
    if not isinstance(model, keras.Model) or x_test is None or y_test is None:
        return "train `model` in question 3 first: its confusion matrix is the one you read here"
    guesses = np.asarray(model.predict(x_test, verbose=0)).argmax(axis=1)
    counts = np.zeros((10, 10), dtype=int)
    np.add.at(counts, (np.asarray(y_test).ravel().astype(int), guesses), 1)
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
    ValueQuestion(id="q2_param_grid", points=1, variable="param_grid", validate=param_grid_problem,
                  hint="each key names a setting of the wrapped model, each value lists what to try: the lesson's two "
                       "batch sizes and two epoch counts, nothing else."),
    ValueQuestion(id="q3_test_accuracy", points=2, variable="test_accuracy", validate=reported_accuracy_problem,
                  hint="think about which images the model may learn from (the training images, a fifth of them held "
                       "out for validation), for how long and in which batches; then which images measure it honestly, "
                       "and which of the two numbers an evaluation gives is the accuracy."),
    ValueQuestion(id="q4_grid_verdict", points=2, variable="clear_winner", validate=grid_verdict_problem,
                  hint="read the grid's table: the winner is the combination ranked first by mean cross-validated "
                       "accuracy. Subtract the second-best mean from the winner's and set that margin against the "
                       "winner's standard deviation across folds."),
    ValueQuestion(id="q5_augmented_model", points=2, variable="augmented_model", validate=augmented_model_problem,
                  hint="think about where augmentation must act: on the input images, before any convolution; which "
                       "flip keeps a photo realistic; and that the CNN behind it must be new, untrained layers, not "
                       "those of the model you trained in question 3."),
    ValueQuestion(id="q6_most_confused", points=2, variable="most_confused", validate=most_confused_problem,
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
               "epochs only stop earlier, and the grid's differences are within the fold-to-fold spread when "
               "question 4 said there is no clear winner. (3) Why lesson 09's improved model works, at least two "
               "changes with their effect: augmentation (new versions of every image each epoch, so it cannot "
               "memorise pixels; the train/validation gap of question 5's augmented run), batch normalization "
               "(faster, stabler training of a deeper network), L2 and dropout (penalise/perturb large weights), "
               "global average pooling (far fewer weights than a large dense layer), the cosine schedule (large "
               "steps early, small late), and the refit on all training images. Numbers stated must be the ones "
               "the student's run printed.",
    ),
]
