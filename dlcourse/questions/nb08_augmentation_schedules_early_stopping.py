"""Questions of ``08_augmentation_schedules_early_stopping``.

Each ``*_problem(value, namespace)`` validates one value question: it returns what is
wrong, in words a student can act on (never the code of the answer), or None.
``callbacks_problem`` is public: another notebook may ask for the lesson's callbacks again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dlcourse.checking import Case, FunctionQuestion, ValueQuestion, WrittenQuestion

AUGMENT_LAYERS = ["RandomFlip", "RandomTranslation", "RandomRotation", "RandomZoom"]


# Settings the lesson leaves at Keras's defaults (a changed one changes what the callback does).
DEFAULT_SETTINGS = {"ReduceLROnPlateau": {"min_delta": 1e-4, "cooldown": 0, "min_lr": 0.0},
                    "EarlyStopping": {"min_delta": 0.0, "baseline": None, "start_from_epoch": 0}}


def _is_default(current: Any, default: Any) -> bool:
    if default is None or current is None:
        return current is default
    return bool(np.isclose(abs(current), default))


def _symmetric(lower: Any, upper: Any, size: float) -> bool:
    """True when a preprocessing layer's range is exactly [-size, +size]."""
    return lower is not None and upper is not None and np.isclose(lower, -size) and np.isclose(upper, size)


def _range_text(lower: Any, upper: Any) -> str:
    return f"from {float(lower):+g} to {float(upper):+g}"


def augment_problem(value: Any, namespace: Mapping[str, Any]) -> str | None:
    """Question 1: the four preprocessing layers, in order, with the lesson's ranges."""
    import keras

    if not isinstance(value, keras.Model):
        return f"expected a Keras Sequential model made of preprocessing layers, found a {type(value).__name__}"
    kinds = [type(layer).__name__ for layer in value.layers]
    if kinds != AUGMENT_LAYERS:
        return f"expected the layers {AUGMENT_LAYERS} in that order, found {kinds}"
    flip, shift, rotate, zoom = value.layers
    if flip.mode != "horizontal":
        return (f"the flip mirrors in mode {flip.mode!r}: only left-right mirror images keep a CIFAR-10 photo "
                "realistic (an upside-down ship is not a ship you will be shown)")
    if not (_symmetric(shift.height_lower, shift.height_upper, 0.1) and _symmetric(shift.width_lower, shift.width_upper, 0.1)):
        return (f"the translation should shift by up to 10 % of the height and of the width, in both directions; found "
                f"height {_range_text(shift.height_lower, shift.height_upper)}, width {_range_text(shift.width_lower, shift.width_upper)}")
    low, high = rotate.factor if isinstance(rotate.factor, (tuple, list)) else (-rotate.factor, rotate.factor)
    if not _symmetric(low, high, 0.05):
        return (f"the rotation factor is a fraction of a full turn, and 5 % of a turn either way was asked; found a range "
                f"{_range_text(low, high)} turns")
    width_ok = zoom.width_factor is None or _symmetric(zoom.width_lower, zoom.width_upper, 0.1)
    if not (_symmetric(zoom.height_lower, zoom.height_upper, 0.1) and width_ok):
        return (f"the zoom should go in and out by up to 10 %; found height {_range_text(zoom.height_lower, zoom.height_upper)}"
                + ("" if zoom.width_factor is None else f", width {_range_text(zoom.width_lower, zoom.width_upper)}"))
    return None


def callbacks_problem(value: Any, namespace: Mapping[str, Any]) -> str | None:
    """The lesson's ReduceLROnPlateau(factor 0.1, patience 3) and EarlyStopping(patience 5, best weights
    restored), both watching the validation loss, every other setting at its default."""
    import keras

    if not isinstance(value, (list, tuple)):
        return f"expected a list of two callbacks, found a {type(value).__name__}"
    plateau = [c for c in value if isinstance(c, keras.callbacks.ReduceLROnPlateau)]
    stopping = [c for c in value if isinstance(c, keras.callbacks.EarlyStopping)]
    if len(plateau) != 1 or len(stopping) != 1 or len(value) != 2:
        kinds = [type(c).__name__ for c in value]
        return f"expected exactly one ReduceLROnPlateau and one EarlyStopping, found {kinds}"
    p, s = plateau[0], stopping[0]
    for name, callback in (("ReduceLROnPlateau", p), ("EarlyStopping", s)):
        if callback.monitor != "val_loss":
            return f"{name} watches {callback.monitor!r}; both callbacks should watch the validation loss"
        if callback.mode not in ("auto", "min"):
            return f"{name} treats a rising {callback.monitor} as an improvement (mode {callback.mode!r}); a loss improves when it falls"
    if not np.isclose(p.factor, 0.1):
        return f"ReduceLROnPlateau multiplies the learning rate by {p.factor:g}; the lesson multiplies it by 0.1"
    if p.patience != 3:
        return f"ReduceLROnPlateau waits {p.patience} epochs without improvement; the lesson waits 3"
    if s.patience != 5:
        return f"EarlyStopping waits {s.patience} epochs without improvement; the lesson waits 5"
    if not s.restore_best_weights:
        return ("EarlyStopping keeps the weights of the last epoch it trained; the lesson's puts back the weights of "
                "the best epoch")
    changed = [f"{name} {setting}" for name, callback in (("ReduceLROnPlateau", p), ("EarlyStopping", s))
               for setting, default in DEFAULT_SETTINGS[name].items() if not _is_default(getattr(callback, setting), default)]
    if changed:
        return f"these settings differ from their defaults, which the lesson keeps: {', '.join(changed)}"
    return None


def _early_stopping(namespace: Mapping[str, Any]):
    import keras

    found = [c for c in namespace.get("callbacks") or [] if isinstance(c, keras.callbacks.EarlyStopping)]
    return found[0] if len(found) == 1 else None


def restored_epoch_problem(value: Any, namespace: Mapping[str, Any]) -> str | None:
    """Question 3: which epoch's weights the model holds after the run of question 2, and whether
    early stopping ended that run; judged against that run's own History and EarlyStopping."""
    history = namespace.get("es_history")
    stopper = _early_stopping(namespace)
    if history is None or stopper is None or not getattr(history, "history", None):
        return "run question 2's cell first: its training run is what you read here"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        return f"expected a whole epoch number, found {value!r}"
    logs = history.history
    epochs_run = len(logs.get("loss", []))
    limit = (getattr(history, "params", None) or {}).get("epochs", epochs_run)
    restored = stopper.best_epoch + 1 if (stopper.restore_best_weights and stopper.best_weights is not None) else epochs_run
    watched = logs.get(stopper.monitor)
    if value != restored:
        if value == restored - 1:
            return (f"{value} is one less than the epoch whose weights the model holds: count epochs as Keras prints "
                    "them and as the table's index does, from 1")
        if value == epochs_run and restored != epochs_run:
            return (f"epoch {value} is the last one trained, but with the best weights restored the model holds the "
                    f"weights of the epoch where {stopper.monitor} was lowest")
        if 1 <= value <= epochs_run and watched is not None:
            return (f"at epoch {value}, {stopper.monitor} was {watched[value - 1]:.4f}; the model holds the weights of the "
                    f"epoch early stopping judged best by {stopper.monitor}, not by another column")
        return f"the run trained epochs 1 to {epochs_run}; epoch {value} is not the one whose weights the model holds"
    stopped_early = namespace.get("stopped_early")
    if stopped_early is None:
        return "also set `stopped_early` (True or False): did early stopping end the run?"
    if not isinstance(stopped_early, (bool, np.bool_)):
        return f"`stopped_early` should be True or False, found {stopped_early!r}"
    really = bool(stopper.stopped_epoch > 0)
    if really and epochs_run == limit:  # the patience ran out on the last allowed epoch: both readings are right
        return None
    if bool(stopped_early) != really:
        return (f"`stopped_early` is {bool(stopped_early)}, but the run trained {epochs_run} of at most {limit} epochs: "
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
    ValueQuestion(id="q1_augment", points=2, variable="augment", validate=augment_problem,
                  hint="think about which changes to a photo keep its label true (a mirrored cat is still a cat), and read "
                       "each number as a fraction: of the height and width for a shift, of a full turn for a rotation, "
                       "of the size for a zoom. The order of the four layers is part of the answer."),
    ValueQuestion(id="q2_callbacks", points=2, variable="callbacks", validate=callbacks_problem,
                  hint="both callbacks watch the same quantity, the validation loss. One lowers the learning rate by a "
                       "factor after a short wait without improvement; the other waits longer, then stops and puts back "
                       "the best weights it saw. Leave every other setting alone."),
    ValueQuestion(id="q3_restored_epoch", points=2, variable="restored_epoch", validate=restored_epoch_problem,
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
