"""Questions of ``08_augmentation_schedules_early_stopping``.

Each value question is judged in two steps: ``*_facts(value, namespace)`` runs in the kernel and
reads the student's Keras objects as plain data (layer classes and ranges, callback settings, a
run's History and its EarlyStopping's state); ``*_problem(facts, given)`` runs outside it and
returns what is wrong, in words a student can act on (never the code of the answer), or None.
Question 3's limit, ``ES_MAX_EPOCHS``, comes from the set-up cell (for the grader: the solution's
run). ``callbacks_facts`` and ``callbacks_problem`` are public: another notebook may ask for the
lesson's callbacks again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dlcourse.assessment.compare import is_number
from dlcourse.assessment.facts import plain
from dlcourse.assessment.questions import Case, FunctionQuestion, ValueQuestion, WrittenQuestion

AUGMENT_LAYERS = ["RandomFlip", "RandomTranslation", "RandomRotation", "RandomZoom"]
# What each augmentation layer's check reads (its ranges as Keras stores them).
AUGMENT_SETTINGS = ("mode", "height_lower", "height_upper", "width_lower", "width_upper", "factor", "width_factor")


# Settings the lesson leaves at Keras's defaults (a changed one changes what the callback does).
DEFAULT_SETTINGS = {"ReduceLROnPlateau": {"min_delta": 1e-4, "cooldown": 0, "min_lr": 0.0},
                    "EarlyStopping": {"min_delta": 0.0, "baseline": None, "start_from_epoch": 0}}
CALLBACK_SETTINGS = ("monitor", "mode", "factor", "patience", "restore_best_weights", "min_delta", "cooldown", "min_lr",
                     "baseline", "start_from_epoch")


def _number(value: Any) -> bool:
    return is_number(value) and type(value) is not bool


def _is_default(current: Any, default: Any) -> bool:
    if default is None or current is None:
        return current is default
    return _number(current) and bool(np.isclose(abs(float(current)), default))


def _symmetric(lower: Any, upper: Any, size: float) -> bool:
    """True when a preprocessing layer's range is exactly [-size, +size]."""
    return _number(lower) and _number(upper) and bool(np.isclose(lower, -size)) and bool(np.isclose(upper, size))


def _range_text(lower: Any, upper: Any) -> str:
    return f"from {float(lower):+g} to {float(upper):+g}" if _number(lower) and _number(upper) else f"{lower!r} to {upper!r}"


# --------------------------------------------------------------------------- question 1
# facts: in the kernel, the pipeline's layers as plain data (class names and ranges); decide: outside.


def augment_facts(value: Any, namespace: Mapping[str, Any]) -> dict:
    """In the kernel: the student's pipeline as plain data (its layers only if it is exactly a Keras model)."""
    from dlcourse.model_summary import is_keras_model, layer_facts

    if not is_keras_model(value):
        return {"model": False, "type": type(value).__name__}
    return {"model": True, "layers": [layer_facts(layer, AUGMENT_SETTINGS) for layer in value.layers]}


def augment_problem(facts: Mapping[str, Any], given: Any = None) -> str | None:
    """Question 1, outside the kernel: the four preprocessing layers, in order, with the lesson's ranges."""
    if not facts["model"]:
        return f"expected a Keras Sequential model made of preprocessing layers, found a {facts['type']}"
    layers = facts["layers"]
    kinds = [layer["class"] if layer["keras"] else f"{layer['class']} (not a Keras layer)" for layer in layers]
    if kinds != AUGMENT_LAYERS:
        return f"expected the layers {AUGMENT_LAYERS} in that order, found {kinds}"
    flip, shift, rotate, zoom = layers
    if flip["mode"] != "horizontal":
        return (f"the flip mirrors in mode {flip['mode']!r}: only left-right mirror images keep a CIFAR-10 photo "
                "realistic (an upside-down ship is not a ship you will be shown)")
    if not (_symmetric(shift["height_lower"], shift["height_upper"], 0.1)
            and _symmetric(shift["width_lower"], shift["width_upper"], 0.1)):
        return (f"the translation should shift by up to 10 % of the height and of the width, in both directions; found "
                f"height {_range_text(shift['height_lower'], shift['height_upper'])}, "
                f"width {_range_text(shift['width_lower'], shift['width_upper'])}")
    factor = rotate["factor"]
    low, high = factor if type(factor) in (tuple, list) and len(factor) == 2 else (
        (-factor, factor) if _number(factor) else (None, None))
    if not _symmetric(low, high, 0.05):
        return (f"the rotation factor is a fraction of a full turn, and 5 % of a turn either way was asked; found a range "
                f"{_range_text(low, high)} turns")
    width_ok = zoom["width_factor"] is None or _symmetric(zoom["width_lower"], zoom["width_upper"], 0.1)
    if not (_symmetric(zoom["height_lower"], zoom["height_upper"], 0.1) and width_ok):
        return (f"the zoom should go in and out by up to 10 %; found height {_range_text(zoom['height_lower'], zoom['height_upper'])}"
                + ("" if zoom["width_factor"] is None else f", width {_range_text(zoom['width_lower'], zoom['width_upper'])}"))
    return None


# --------------------------------------------------------------------------- question 2
# facts: in the kernel, each callback's class and settings as plain data; decide: outside.


def callbacks_facts(value: Any, namespace: Mapping[str, Any]) -> dict:
    """In the kernel: the student's list of callbacks as plain data."""
    from dlcourse.model_summary import callback_facts

    if type(value) not in (list, tuple):
        return {"list": False, "type": type(value).__name__}
    return {"list": True, "callbacks": [callback_facts(c, CALLBACK_SETTINGS) for c in value]}


def _kind(callback: Mapping[str, Any]) -> str:
    return callback["class"] if callback["keras"] else f"{callback['class']} (not Keras's)"


def callbacks_problem(facts: Mapping[str, Any], given: Any = None) -> str | None:
    """Outside the kernel: the lesson's ReduceLROnPlateau(factor 0.1, patience 3) and EarlyStopping(patience 5,
    best weights restored), both watching the validation loss, every other setting at its default."""
    if not facts["list"]:
        return f"expected a list of two callbacks, found a {facts['type']}"
    value = facts["callbacks"]
    plateau = [c for c in value if _kind(c) == "ReduceLROnPlateau"]
    stopping = [c for c in value if _kind(c) == "EarlyStopping"]
    if len(plateau) != 1 or len(stopping) != 1 or len(value) != 2:
        return f"expected exactly one ReduceLROnPlateau and one EarlyStopping, found {[_kind(c) for c in value]}"
    p, s = plateau[0], stopping[0]
    for name, callback in (("ReduceLROnPlateau", p), ("EarlyStopping", s)):
        if callback["monitor"] != "val_loss":
            return f"{name} watches {callback['monitor']!r}; both callbacks should watch the validation loss"
        if callback["mode"] not in ("auto", "min"):
            return (f"{name} treats a rising {callback['monitor']} as an improvement (mode {callback['mode']!r}); "
                    "a loss improves when it falls")
    if not _number(p["factor"]) or not np.isclose(p["factor"], 0.1):
        found = f"{float(p['factor']):g}" if _number(p["factor"]) else repr(p["factor"])
        return f"ReduceLROnPlateau multiplies the learning rate by {found}; the lesson multiplies it by 0.1"
    if type(p["patience"]) is not int or p["patience"] != 3:
        return f"ReduceLROnPlateau waits {p['patience']} epochs without improvement; the lesson waits 3"
    if type(s["patience"]) is not int or s["patience"] != 5:
        return f"EarlyStopping waits {s['patience']} epochs without improvement; the lesson waits 5"
    if s["restore_best_weights"] is not True:
        return ("EarlyStopping keeps the weights of the last epoch it trained; the lesson's puts back the weights of "
                "the best epoch")
    changed = [f"{name} {setting}" for name, callback in (("ReduceLROnPlateau", p), ("EarlyStopping", s))
               for setting, default in DEFAULT_SETTINGS[name].items() if not _is_default(callback[setting], default)]
    if changed:
        return f"these settings differ from their defaults, which the lesson keeps: {', '.join(changed)}"
    return None


# --------------------------------------------------------------------------- question 3
# facts: in the kernel, the run of question 2 (its History's numbers and limit) and its EarlyStopping's
# state, with the two answers; given: the set-up's ES_MAX_EPOCHS (for the grader: the solution's run's).
# decide: outside.

STOPPER_STATE = ("monitor", "mode", "restore_best_weights", "best_epoch", "stopped_epoch", "min_delta", "baseline",
                 "start_from_epoch")


def _early_stopping(callbacks: Any) -> Any:
    """The one EarlyStopping (exactly Keras's) in the student's `callbacks`, or None."""
    import keras

    found = [c for c in callbacks if type(c) is keras.callbacks.EarlyStopping] if type(callbacks) in (list, tuple) else []
    return found[0] if len(found) == 1 else None


def restored_epoch_facts(value: Any, namespace: Mapping[str, Any]) -> dict:
    """In the kernel: both answers, the History of question 2's run and its EarlyStopping's state, as plain data."""
    from dlcourse.model_summary import attributes, history_facts

    stopper = _early_stopping(namespace.get("callbacks"))
    state = None
    if stopper is not None:
        state = {**attributes(stopper, STOPPER_STATE), "has_best_weights": stopper.best_weights is not None}
    history = namespace.get("es_history")
    return {"restored": plain(value), "stopped_early": plain(namespace.get("stopped_early")),
            "run": history_facts(history) if history is not None and type(history) is not dict else None,
            "stopper": state}


def restored_epoch_given(namespace: Mapping[str, Any]) -> dict:
    """The set-up cell's ES_MAX_EPOCHS, the run's limit (for the grader: as the solution's run has it)."""
    limit = namespace.get("ES_MAX_EPOCHS")
    if limit is not None and (type(limit) is not int or limit < 1):
        raise ValueError("`ES_MAX_EPOCHS` is not the set-up cell's number any more: run the set-up cell again")
    return {"limit": limit}


def _stopper_matches_run(stopper: Mapping[str, Any], logs: Mapping[str, list]) -> str | None:
    """Whether the EarlyStopping's state is what Keras leaves after this History (checked where Keras's rule is
    plain: a loss watched with the default settings, whose best epoch is the first lowest value)."""
    epochs_run = len(logs.get("loss", []))
    if stopper["stopped_epoch"] not in (0, epochs_run - 1):
        return ("the run's EarlyStopping says it stopped at another epoch than its History ends: run question 2's "
                "cell again and leave its callbacks and history as the run left them")
    watched = logs.get(stopper["monitor"])
    plain_rule = (stopper["monitor"].endswith("loss") and stopper["mode"] in ("auto", "min") and stopper["baseline"] is None
                  and _is_default(stopper["min_delta"], 0.0) and stopper["start_from_epoch"] == 0)
    if plain_rule and watched and len(watched) == epochs_run and stopper["best_epoch"] != int(np.argmin(watched)):
        return (f"the run's EarlyStopping says its best epoch was {stopper['best_epoch'] + 1}, but its History's "
                f"{stopper['monitor']} was lowest at epoch {int(np.argmin(watched)) + 1}: run question 2's cell again and "
                "leave its callbacks and history as the run left them")
    return None


def _run_problem(run: Any, stopper: Any, given: Mapping[str, Any]) -> str | None:
    """Whether the facts hold a run of question 2 with its EarlyStopping, within the set-up's limit."""
    if run is None or stopper is None or not run["logs"]:
        return "run question 2's cell first: its training run is what you read here"
    logs = run["logs"]
    if any(type(v) is not list or not all(_number(x) for x in v) for v in logs.values()):
        return "the run's history does not hold one number per epoch: run question 2's cell again"
    if not all(type(stopper[k]) is int for k in ("best_epoch", "stopped_epoch")) or type(stopper["monitor"]) is not str:
        return "the run's EarlyStopping does not hold the state Keras gives it: run question 2's cell again"
    problem = _stopper_matches_run(stopper, logs)
    if problem:
        return problem
    limit = given.get("limit")
    if limit is not None and run["epochs"] is not None and run["epochs"] != limit:
        return (f"the run of question 2 was allowed {run['epochs']} epochs, but the set-up cell's limit ES_MAX_EPOCHS is "
                f"{limit}: run the set-up cell and question 2's cell again, as they are")
    return None


def restored_epoch_problem(facts: Mapping[str, Any], given: Any = None) -> str | None:
    """Question 3, outside the kernel: which epoch's weights the model holds after the run of question 2,
    and whether early stopping ended that run; judged against that run's own History and EarlyStopping."""
    run, stopper, value = facts["run"], facts["stopper"], facts["restored"]
    given = given if isinstance(given, Mapping) else {}
    problem = _run_problem(run, stopper, given)
    if problem:
        return problem
    if type(value) is not int:
        return f"expected a whole epoch number, found {value!r}"
    logs = run["logs"]
    epochs_run = len(logs.get("loss", []))
    limit = run["epochs"] if type(run["epochs"]) is int else (given.get("limit") or epochs_run)
    restored = stopper["best_epoch"] + 1 if (stopper["restore_best_weights"] is True and stopper["has_best_weights"]) \
        else epochs_run
    monitor = stopper["monitor"]
    watched = logs.get(monitor)
    if value != restored:
        if value == restored - 1:
            return (f"{value} is one less than the epoch whose weights the model holds: count epochs as Keras prints "
                    "them and as the table's index does, from 1")
        if value == epochs_run and restored != epochs_run:
            return (f"epoch {value} is the last one trained, but with the best weights restored the model holds the "
                    f"weights of the epoch where {monitor} was lowest")
        if 1 <= value <= epochs_run and watched is not None and value <= len(watched):
            return (f"at epoch {value}, {monitor} was {watched[value - 1]:.4f}; the model holds the weights of the "
                    f"epoch early stopping judged best by {monitor}, not by another column")
        return f"the run trained epochs 1 to {epochs_run}; epoch {value} is not the one whose weights the model holds"
    stopped_early = facts["stopped_early"]
    if stopped_early is None:
        return "also set `stopped_early` (True or False): did early stopping end the run?"
    if type(stopped_early) is not bool:
        return f"`stopped_early` should be True or False, found {stopped_early!r}"
    really = stopper["stopped_epoch"] > 0
    if really and epochs_run == limit:  # the patience ran out on the last allowed epoch: both readings are right
        return None
    if stopped_early != really:
        return (f"`stopped_early` is {stopped_early}, but the run trained {epochs_run} of at most {limit} epochs: "
                "compare the epochs trained with the limit, and the epochs after the best one with the patience")
    return None


def _steps(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    every = [int(rng.integers(2, 10)) for _ in range(3)]
    # the epoch just before a drop and the epoch of a drop: the off-by-one cases
    return ([((e * int(rng.integers(1, 5)) - 1, 0.01, 0.5, e), {}) for e in every[:2]]
            + [((int(rng.integers(0, 50)), 0.01, float(rng.choice([0.5, 0.2])), every[2]), {}), ((0, 0.1, 0.1, 5), {})])


def _cosine(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    return [((int(s), 1e-3, 100, float(a)), {}) for s, a in ((0, 0.0), (rng.integers(1, 100), 0.0), (rng.integers(0, 200), 0.1),
                                                             (rng.integers(1, 100), 0.2))]


QUESTIONS = [
    ValueQuestion(id="q1_augment", points=2, variable="augment",
                  facts=augment_facts, decide=augment_problem,
                  hint="think about which changes to a photo keep its label true (a mirrored cat is still a cat), and read "
                       "each number as a fraction: of the height and width for a shift, of a full turn for a rotation, "
                       "of the size for a zoom. The order of the four layers is part of the answer."),
    ValueQuestion(id="q2_callbacks", points=2, variable="callbacks",
                  facts=callbacks_facts, decide=callbacks_problem,
                  hint="both callbacks watch the same quantity, the validation loss. One lowers the learning rate by a "
                       "factor after a short wait without improvement; the other waits longer, then stops and puts back "
                       "the best weights it saw. Leave every other setting alone."),
    ValueQuestion(id="q3_restored_epoch", points=2, variable="restored_epoch",
                  facts=restored_epoch_facts, given_facts=restored_epoch_given, decide=restored_epoch_problem,
                  hint="think about which column early stopping watches and which epoch it judged best; count epochs "
                       "from 1, as the table does. For the second answer, compare the epochs trained with the limit."),
    FunctionQuestion(
        id="q4_step_decay", points=2, function="step_decay",
        public=[Case((0, 0.1, 0.5, 10), 0.1), Case((9, 0.1, 0.5, 10), 0.1), Case((10, 0.1, 0.5, 10), 0.05),
                Case((25, 0.1, 0.5, 10), 0.025)],
        hidden=_steps,
        hint="think about how many complete blocks of `every` epochs lie before `epoch` (epochs 0 to every - 1 are the "
             "first block, still at the initial rate); each complete block multiplies the rate by `drop` once.",
    ),
    FunctionQuestion(
        id="q5_cosine_decay", points=2, function="cosine_decay",
        public=[Case((0, 1e-3, 100, 0.0), 1e-3), Case((50, 1e-3, 100, 0.0), 0.5e-3), Case((100, 1e-3, 100, 0.0), 0.0),
                Case((50, 1e-3, 100, 0.1), 0.55e-3), Case((200, 1e-3, 100, 0.1), 1e-4)],
        hidden=_cosine,
        hint="think about the fraction of the decay completed, which stops growing once the decay is over; the cosine "
             "part falls from 1 to 0 over that fraction, and alpha is the floor, as a fraction of the initial rate, that "
             "the cosine part is squeezed above.",
        atol=1e-12,
    ),
    WrittenQuestion(
        id="q6_schedule_or_callback", points=2,
        rubric="Full marks: (1) chooses CosineDecay, because the rate depends only on the step: the same schedule and "
               "number of epochs every week, so runs are reproducible and take a predictable time (ReduceLROnPlateau "
               "reacts to the validation loss, so its rate and, with early stopping, the run's length vary); (2) says the "
               "two cannot share one optimizer: the callback assigns a new rate, a scheduled optimizer has none to "
               "assign (Keras raises a TypeError); (3) says EarlyStopping combines with either, at the price of a run "
               "length that is no longer fixed. One point for two of the three with reasons.",
    ),
]
