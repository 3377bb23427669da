"""Questions of ``09_cifar10_project``.

Three questions are rules the student writes as functions, judged on made-up inputs (public cases for
``check``, hidden cases drawn fresh for the grader, their expected values from the solution's function), which
the notebook's given code then applies to the student's own run: the largest grid that fits a time budget,
from this machine's measured epochs (q2); the grid's verdict by lesson 03's paired rule (q4); the pair of
classes a confusion matrix mixes up most (q6). One run cannot tell a right rule from a wrong one, the smoke
budget's least of all (2 folds, a barely trained model that puts every image in one class): the made-up
inputs are drawn so that each plausible misreading gives another answer on at least one of them
(tests/test_wrong_answers_09.py keeps each misreading as a fixture).

The value questions (q3, q5) are judged in two steps (see :class:`dlcourse.assessment.questions.ValueQuestion`):
its ``_*_facts`` reads, in the student's kernel, what the decision needs as plain data (the trained model's
steps, history, biases and Keras's own evaluation of it on the student's arrays; the layers of the augmented
model), and its decision, outside the kernel, says what is wrong in words a student can act on (never the
code of the answer), or None. The set-up's data and settings (fingerprints of the images, ``EPOCHS``, the
budget) come from the given facts: for the grader, from the solution's run. Exercise 09 does not repeat
exercise 08's questions (the callbacks): it asks what the project's runs mean.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from dlcourse.assessment.compare import describe_difference, is_number
from dlcourse.assessment.facts import fingerprint, is_keras_model, plain, type_name
from dlcourse.assessment.questions import Case, FunctionQuestion, ValueQuestion, WrittenQuestion
from dlcourse.budget import is_smoke
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


# --------------------------------------------------------------------------- q2: a grid that fits the time

# A function judged on made-up timings, because one machine's timings cannot tell a right count from a wrong
# one: on them, forgetting a term may still give the right number of epochs. The grid tries every batch size of
# the timings with a short and a long training, E and 2E epochs, once per fold. The hidden cases are drawn so
# that each misreading gives another E on at least one of them: the folds forgotten; the set-up forgotten,
# counted once per batch size or once in all; only the long trainings priced, or both as long; the first batch
# size's timings taken for all; the batch sizes 32 and 64 written in; the minutes taken as seconds; rounding up
# or to the nearest; at least one epoch, or a negative number, when none fits.

GRID_TRAININGS = (1, 2)  # the grid's two numbers of epochs, as multiples of E: the lesson's 10 and 20


def _grid_cost_case(rng: np.random.Generator, sizes: tuple[int, ...], n_folds: int, setup: tuple[float, float],
                    epoch: tuple[float, float], right: int, fraction: tuple[float, float]) -> tuple[tuple, dict]:
    """(minutes, n_folds, epoch_seconds, setup_seconds) for batch sizes ``sizes`` (smaller batches: slower
    epochs), whose right answer is ``right`` (0: the set-up alone overruns the budget), the budget leaving a
    ``fraction`` of one more E unspent (never near a whole number, so that rounding shows)."""
    base = rng.uniform(*epoch)
    epoch_seconds = {b: round(float(base * (64 / b) ** 0.5 * rng.uniform(0.9, 1.1)), 2) for b in sizes}
    setup_seconds = {b: round(float(rng.uniform(*setup)), 2) for b in sizes}
    fixed = n_folds * len(GRID_TRAININGS) * sum(setup_seconds.values())
    per_epoch = n_folds * sum(GRID_TRAININGS) * sum(epoch_seconds.values())
    seconds = fixed + (right + rng.uniform(*fraction)) * per_epoch if right else fixed * rng.uniform(*fraction)
    return (round(seconds / 60, 4), n_folds, epoch_seconds, setup_seconds), {}


def _grid_costs(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    """A typical grid (a budget's fraction above one half); three batch sizes and set-ups far longer than an
    epoch (below one half); five folds and other batch sizes; a budget the set-up alone overruns."""
    return [
        _grid_cost_case(rng, (32, 64), 3, (2.0, 5.0), (0.5, 2.0), int(rng.integers(8, 21)), (0.55, 0.8)),
        _grid_cost_case(rng, (16, 32, 64), 2, (4.0, 8.0), (0.1, 0.3), int(rng.integers(3, 9)), (0.2, 0.45)),
        _grid_cost_case(rng, (64, 128), 5, (1.0, 3.0), (0.5, 1.5), int(rng.integers(2, 7)), (0.2, 0.8)),
        _grid_cost_case(rng, (32, 64), int(rng.choice([2, 3])), (3.0, 6.0), (0.1, 0.3), 0, (0.2, 0.4)),
        GRID_EXACT,
    ]


# A budget exactly on a whole E (every number exact in binary): the grid of E = 4 costs 90 s, 1.5 minutes, to the
# second; "fits" includes it. (Found with the set-up overrun by many epochs' worth, above, by a helper that attacked
# the question without reading its checks: "strictly under the budget" and "not clamped at 0" passed before.)
GRID_EXACT = ((1.5, 3, {32: 1.25, 64: 0.75}, {32: 1.5, 64: 1.5}), {})


# the set-up cell's stand-in timings in the smoke budget (which measures nothing), and two cases with round numbers
GRID_PUBLIC = [
    Case((10, 3, {32: 2.0, 64: 1.5}, {32: 3.0, 64: 3.0}), 17),  # (600 - 36) / 31.5 = 17.9 epochs
    Case((2, 2, {16: 1.2, 32: 0.8, 64: 0.6}, {16: 2.5, 32: 2.0, 64: 2.0}), 6),  # (120 - 26) / 15.6 = 6.03
    Case((0.5, 2, {32: 4.0, 64: 3.0}, {32: 5.0, 64: 4.0}), 0),  # the set-up alone takes 36 s of the 30
]


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

# A function of the grid's table, judged on made-up tables, because one grid cannot tell a right rule from a
# wrong one: with the smoke budget's 2 folds, lesson 03's rule almost never finds a clear winner, so "never
# clear", "ahead on every fold", an uncorrected or a one-sided t-test and an unpaired test all gave the right
# verdict on the smoke run. The hidden tables are drawn so that each misreading decides one of them differently:
# the winner's fold standard deviation (or the mean of the two) as a yardstick for the lead, a mean ahead or
# ahead on every fold, a t-test without the correction, with the population standard deviation, one-sided,
# with K degrees of freedom, with the critical value of 2 or of 3 folds whatever the folds, unpaired, the
# winner against the last-ranked or against the table's second row; and, for the winner itself, the largest
# rank number, the smallest spread, the fastest fit, the last of two tied.

# (folds, per-fold differences winner - runner-up, size of the fold effect, right verdict)
VERDICT_KINDS = {
    "clear": (3, [0.10, 0.11, 0.12], 0.1875, True),  # t about 12; the winner's fold spread (about 0.15) > the lead
    "ahead, not shown": (3, [0.02, 0.03, 0.10], 0.0, False),  # ahead on every fold, t 1.26; spreads below the lead
    "uncorrected only": (3, [0.04, 0.05, 0.07], 0.0625, False),  # t 3.82 < 4.30; uncorrected 6.05, one-sided 2.92
    "clear, 5 folds": (5, [0.02, 0.03, 0.04, 0.05, 0.06], 0.125, True),  # t 3.77 > 2.78 (but < 4.30, 3 folds' value)
    "2 folds, clear": (2, [0.050, 0.052], 0.1, True),  # t 29 > 12.71, though the lead is half the winner's spread
    "2 folds, not shown": (2, [0.05, 0.07], 0.0, False),  # ahead on both folds, t 3.46 < 12.71 (K - 1 = 1)
    "tie": (4, [0.0625, -0.0625, 0.03125, -0.03125], 0.03125, False),  # equal means: the first of the two wins
    # t 3.98 < 4.30; with n_val / n read for n_val / n_train (sqrt(2 / K)) 4.45, which a blind attack found passing
    "ratio read as 1 / K": (3, [0.029, 0.040, 0.051], 0.0625, False),
}
GRID_AXES = ((16, 32, 64, 128), (5, 10, 20, 40))  # batch sizes and epochs the made-up grids draw from


def _verdict_case(rng: np.random.Generator, kind: str) -> tuple[tuple, dict]:
    """A made-up ``cv_results_`` of a grid over batch sizes and epochs (2 x 2 to 3 x 3 combinations, in
    scikit-learn's order) scored on K folds: the winner and the runner-up lie anywhere but in the first row,
    the winner is not the fastest to fit, and their fold scores differ by ``VERDICT_KINDS[kind]``'s differences
    (in a drawn order) on top of a shared fold effect (which a paired comparison removes and an unpaired one
    does not). The others score well below both. In the tie, every score of the two is a multiple of 1/64, so
    that their means are exactly equal, and the winner comes first."""
    from scipy.stats import rankdata

    k, differences, effect, _ = VERDICT_KINDS[kind]
    batch_sizes = sorted(int(b) for b in rng.choice(GRID_AXES[0], int(rng.integers(2, 4)), replace=False))
    epochs = sorted(int(e) for e in rng.choice(GRID_AXES[1], int(rng.integers(2, 4)), replace=False))
    params = [{"batch_size": b, "epochs": e} for b in batch_sizes for e in epochs]  # ParameterGrid's order
    n = len(params)
    fit_time = np.round([p["epochs"] * 0.3 * (64 / p["batch_size"]) ** 0.5 * rng.uniform(0.9, 1.1) for p in params], 2)
    allowed = [i for i in range(1, n) if i != int(np.argmin(fit_time))]
    winner, runner = (int(i) for i in rng.choice(allowed, 2, replace=False))
    if kind == "tie":
        winner, runner = min(winner, runner), max(winner, runner)
        shared = rng.permutation([-2, -1, 1, 2])[:k] / 64
    else:
        shared = np.round(np.linspace(-effect, effect, k)[rng.permutation(k)] + rng.uniform(-0.005, 0.005, k), 4)
    folds = np.round(rng.uniform(0.25, 0.45, (n, 1)) + rng.uniform(-0.02, 0.02, (n, k)), 3)
    folds[runner] = 0.625 + shared
    folds[winner] = folds[runner] + np.asarray(differences)[rng.permutation(k)]
    means = folds.mean(axis=1)
    results = {
        "mean_fit_time": fit_time, "std_fit_time": np.round(rng.uniform(0.0, 0.3, n), 2),
        "mean_score_time": np.round(rng.uniform(0.1, 0.5, n), 2), "std_score_time": np.round(rng.uniform(0, 0.1, n), 2),
        "param_batch_size": np.array([p["batch_size"] for p in params]), "param_epochs": np.array([p["epochs"] for p in params]),
        "params": params, **{f"split{i}_test_score": folds[:, i].copy() for i in range(k)},
        "mean_test_score": means, "std_test_score": folds.std(axis=1),
        "rank_test_score": rankdata(-means, method="min").astype(np.int32),
    }
    return (results,), {}


def _verdict_tables(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    """One table of each kind."""
    return [_verdict_case(rng, kind) for kind in VERDICT_KINDS]


def _public_table(differences: list[float], shared: list[float]) -> dict:
    """The lesson's 2 x 2 grid on 3 folds: the runner-up is (32, 20) with mean 0.60, the winner (64, 20) with
    0.60 + the mean of ``differences`` (0.62 in both public cases)."""
    params = [{"batch_size": b, "epochs": e} for b in (32, 64) for e in (10, 20)]
    folds = np.array([0.55, 0.60, 0.45, 0.62])[:, None] + np.array([-0.01, 0.0, 0.01])
    folds[1] = 0.60 + np.array(shared)
    folds[3] = folds[1] + np.array(differences)
    means = folds.mean(axis=1)
    return {"mean_fit_time": np.array([20.0, 40.0, 12.0, 24.0]), "param_batch_size": np.array([32, 32, 64, 64]),
            "param_epochs": np.array([10, 20, 10, 20]), "params": params,
            **{f"split{i}_test_score": folds[:, i] for i in range(3)}, "mean_test_score": means,
            "std_test_score": folds.std(axis=1), "rank_test_score": np.array([3, 2, 4, 1], dtype=np.int32)}


# ahead on every fold by about the same amount, against a large fold effect: clear (t = 10.95), although the lead
# (0.02) is below the winner's fold spread (0.05)
PUBLIC_CLEAR = ([0.018, 0.02, 0.022], [-0.06, 0.0, 0.06])
# ahead on every fold and on average, by amounts that vary: not clear (t = 1.00), although the lead (0.02) is
# above the winner's fold spread (0.015)
PUBLIC_NOT_CLEAR = ([0.005, 0.01, 0.045], [0.0, 0.005, -0.005])


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

# A function of true and predicted classes, judged on made-up predictions, because one model's predictions
# cannot tell a right reading of its confusion matrix from a wrong one: the smoke budget's barely trained model
# puts every test image in one column, where counts, rates per true class, rates per predicted class and the
# class with the lowest recall all point to the same column. Which images are predicted (the test set, by
# question 3's model) is the cell's given code. The hidden cases are made so that each misreading names
# another pair: the largest count instead of the largest rate, rates per predicted class (columns), the pair
# read the other way round, both directions of a pair added, the diagonal left in, the share of a class's
# mistakes instead of its images, the class with the lowest recall against the most predicted class, the last
# of two equal rates, CIFAR-10's names or its 10 classes written in.

NAMES = ("cat", "dog", "bird", "frog", "deer", "horse", "ship", "truck", "airplane", "automobile", "apple", "pear",
         "oak", "maple", "whale", "seal", "bus", "train", "rose", "tulip")  # made-up cases draw their classes here


def _confusion_case(rng: np.random.Generator, n: int, tie: bool = False, names: Any = None,
                    answer_last: bool = False) -> tuple[tuple, dict]:
    """True and predicted classes of ``n`` classes, shuffled, whose confusion matrix has chosen cells. Roles go
    to drawn classes: ``a`` (20 images) takes 9 for ``b`` (the largest rate, 0.45, the answer); ``c`` (200
    images) takes 66 for ``d`` (the largest count); ``e`` and ``f`` take 24 of 60 for each other (the largest
    sum of both directions); ``g``'s 60 images all go elsewhere (the lowest recall) and only ``h`` takes 4 for
    ``g`` (the largest rate per predicted class, the only mistakes of ``h``). The other classes make 3 mistakes
    each. With ``tie``, another class of 20 images also takes 9 for one class: the first in reading order wins.
    With ``answer_last``, ``b`` is the last class (beyond the tenth, when there are more than 10)."""
    names = list(names) if names is not None else [str(s) for s in rng.choice(NAMES, n, replace=False)]
    order = [int(i) for i in rng.permutation(n)]
    if answer_last:
        where = order.index(n - 1)
        order[1], order[where] = order[where], order[1]
    a, b, c, d, e, f, g, h = order[:8]
    rest = order[8:]
    sizes = {i: 60 for i in range(n)} | {a: 20, c: 200}
    mistakes = {(a, b): 9, (a, d): 2, (c, d): 66, (e, f): 24, (f, e): 24, (h, g): 4}
    if tie:
        twin = rest.pop(0)
        sizes[twin] = 20
        mistakes[(twin, int(rng.choice([i for i in range(n) if i not in (twin, g)])))] = 9
    others = [i for i in range(n) if i != g]
    spread = [others[i % len(others)] for i in range(60)]  # g's images, over every other class in turn
    for j in spread:
        mistakes[(g, j)] = mistakes.get((g, j), 0) + 1
    for i in rest:
        for j in rng.choice([x for x in others if x != i], 3, replace=False):
            mistakes[(i, int(j))] = mistakes.get((i, int(j)), 0) + 1
    true, predicted = [], []
    for i in range(n):
        wrong = [(j, m) for (t, j), m in mistakes.items() if t == i]
        guesses = [j for j, m in wrong for _ in range(m)]
        true += [i] * sizes[i]
        predicted += guesses + [i] * (sizes[i] - len(guesses))
    shuffle = rng.permutation(len(true))
    return (np.array(true)[shuffle], np.array(predicted)[shuffle], names), {}


def _confusions(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    """Made-up classes: 11 or 12, the answer's predicted class the last; 9 or 10, with two equal largest rates;
    then CIFAR-10's classes, in its order."""
    from dlcourse.data import CIFAR10_CLASSES

    return [_confusion_case(rng, int(rng.choice([11, 12])), answer_last=True),
            _confusion_case(rng, int(rng.choice([9, 10])), tie=True), _confusion_case(rng, 10, names=CIFAR10_CLASSES),
            _fixed_case(rng, READING_ORDER), _fixed_case(rng, ABSENT_CLASS)]


# Two cases a helper's blind attack showed missing. 5 classes of 20 images: (0 -> 3) and (2 -> 1) both take 9 (0.45);
# the first in reading order, row by row, is (0, 3); column by column it would be (2, 1).
READING_ORDER = (5, {(0, 0): 11, (0, 3): 9, (1, 1): 18, (1, 4): 2, (2, 2): 11, (2, 1): 9, (3, 3): 17, (3, 0): 3,
                     (4, 4): 16, (4, 2): 4})
# 6 classes, the third (index 2) with no image and never predicted: the answer (4 -> 5, 0.4) lies after it, so a
# matrix of the classes present only names another pair.
ABSENT_CLASS = (6, {(0, 0): 18, (0, 1): 2, (1, 1): 17, (1, 0): 3, (3, 3): 16, (3, 4): 4, (4, 4): 12, (4, 5): 8,
                    (5, 5): 19, (5, 3): 1})


def _fixed_case(rng: np.random.Generator, case: tuple[int, dict[tuple[int, int], int]]) -> tuple[tuple, dict]:
    """A fixed matrix of ``case`` with drawn class names, its images shuffled."""
    n, cells = case
    true, predicted = _labels(cells)
    shuffle = rng.permutation(len(true))
    return (true[shuffle], predicted[shuffle], [str(s) for s in rng.choice(NAMES, n, replace=False)]), {}


def _labels(cells: dict[tuple[int, int], int]) -> tuple[np.ndarray, np.ndarray]:
    """True and predicted classes with ``cells[(true, predicted)]`` images each."""
    pairs = [pair for pair, count in cells.items() for _ in range(count)]
    return np.array([t for t, _ in pairs]), np.array([p for _, p in pairs])


# cat: 10 images, 4 taken for dogs (the largest rate, 0.4); dog: 40 images, 10 taken for birds (the largest count)
PUBLIC_RATES = _labels({(0, 0): 6, (0, 1): 4, (1, 1): 30, (1, 2): 10, (2, 2): 9, (2, 0): 1, (3, 3): 8, (3, 2): 2})
# truck: 10 images, 4 taken for airplanes (0.4); airplane and ship take 7 and 6 of 20 for each other (0.65 together)
PUBLIC_DIRECTIONS = _labels({(0, 0): 13, (0, 1): 7, (1, 1): 14, (1, 0): 6, (2, 2): 6, (2, 0): 4})


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
    FunctionQuestion(
        id="q2_grid_epochs", points=2, function="grid_epochs", public=GRID_PUBLIC, hidden=_grid_costs,
        hint="count the trainings first: every pair of a batch size and a number of epochs trains once on each fold, "
             "each training pays its set-up once and its epochs one by one. The largest E whose total stays within "
             "the minutes is a whole number of epochs, never rounded up; when the set-up alone is too long, none fits.",
    ),
    ValueQuestion(id="q3_test_accuracy", points=2, variable="test_accuracy", facts=_accuracy_facts,
                  given_facts=_data_given, decide=_reported_accuracy,
                  hint="think about which images the model may learn from (the training images, a fifth of them held "
                       "out for validation), for how long and in which batches; then which images measure it honestly, "
                       "and which of the two numbers an evaluation gives is the accuracy."),
    FunctionQuestion(
        id="q4_grid_verdict", points=2, function="grid_verdict",
        public=[Case((_public_table(*PUBLIC_CLEAR),), ({"batch_size": 64, "epochs": 20}, True)),
                Case((_public_table(*PUBLIC_NOT_CLEAR),), ({"batch_size": 64, "epochs": 20}, False))],
        hidden=_verdict_tables,
        hint="the winner and the runner-up are the two best mean accuracies. Then compare the two fold by fold, on "
             "the same folds, with lesson 03's corrected paired t-test, not by the spread of one of them; the table "
             "has one column of scores per fold, and the number of folds sets the critical value.",
    ),
    ValueQuestion(id="q5_augmented_model", points=2, variable="augmented_model", facts=_augmented_facts,
                  decide=_augmented_model,
                  hint="think about where augmentation must act: on the input images, before any convolution; which "
                       "flip keeps a photo realistic; and that the CNN behind it must be new, untrained layers, not "
                       "those of the model you trained in question 3."),
    FunctionQuestion(
        id="q6_most_confused", points=2, function="most_confused_pair",
        public=[Case((*PUBLIC_RATES, ["cat", "dog", "bird", "frog"]), ("cat", "dog")),
                Case((*PUBLIC_DIRECTIONS, ["airplane", "ship", "truck"]), ("truck", "airplane"))],
        hidden=_confusions,
        hint="rows are the true classes, columns the predictions. Divide each row by its number of images, so that "
             "a class does not win by its size alone; look off the diagonal only, each cell on its own, and name "
             "the row's class first.",
    ),
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
               "which under Adam is not weight decay; keeps weights small) and dropout (perturbs the network), "
               "global average pooling (far fewer weights than a large dense layer), the cosine schedule (large "
               "steps early, small late), and the refit on all training images. Numbers stated must be the ones "
               "the student's run printed.",
    ),
]
