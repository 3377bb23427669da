"""Questions of ``08_augmentation_schedules_early_stopping``.

- Question 1 asks what the lesson leaves to the reader: which of six augmentations keep the labels of
  four described data sets. ``keeps_label_facts`` reads the student's dict of names as plain data in the
  kernel; ``keeps_label_problem`` compares it with the answer outside.
- Question 2 asks for the callbacks of the exercise's training run, with patiences the student chooses
  from a made-up pilot curve (``PILOT_VAL_LOSS``, a set-up constant: for the grader, as the solution's
  run has it): ``callbacks_facts`` reads the settings in the kernel, ``callbacks_problem`` decides
  outside by running Keras's early-stopping rule (:func:`keras_early_stopping`) on the pilot curve.
- Question 3 is early stopping's rule as a function (``stopping_outcome``), judged on made-up histories;
  the notebook then applies it to the student's run. The run itself cannot tell a right rule from a
  wrong one: the tests' smoke budget trains three epochs (on the developers' machine, with a validation
  loss that falls every epoch), and on such a run the last epoch, the epoch of the lowest training loss
  and of the highest validation accuracy are all the right answer. The hidden histories are drawn so that
  each misreading of the rule answers one of them differently (see ``_KINDS``; the misreadings are
  fixtures in tests/test_wrong_answers_08.py).
- Questions 4 and 5 are two schedules written out, judged on hidden cases.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from dlcourse.assessment.compare import is_number
from dlcourse.assessment.facts import type_name
from dlcourse.assessment.questions import Case, FunctionQuestion, ValueQuestion, WrittenQuestion


def _number(value: Any) -> bool:
    return is_number(value) and type(value) is not bool


# --------------------------------------------------------------------------- question 1
# facts: in the kernel, the student's dict of data sets to augmentation names as plain data; decide: outside.

AUGMENTATIONS = ("mirror", "upside_down", "any_rotation", "tilt", "shift", "hue")
# For each described data set, the augmentations that leave every image a true and realistic example of its
# class. Not kept: a mirrored "turn left ahead" sign or a mirrored 3 is another class or no class; an upside-down
# photo of a ship or a 6 turned half a turn (a 9) is not what the model is shown; a hue shift turns a red
# prohibition sign blue, a green forest seen from above blue like a lake, a brown frog purple. Kept: a satellite
# photo has no "up" and no left or right; a house number comes in any colour.
KEEPS_LABEL = {
    "cifar10": {"mirror", "tilt", "shift"},
    "traffic_signs": {"tilt", "shift"},
    "aerial": {"mirror", "upside_down", "any_rotation", "tilt", "shift"},
    "house_numbers": {"tilt", "shift", "hue"},
}


def keeps_label_facts(value: Any, namespace: Mapping[str, Any]) -> dict:
    """In the kernel: the student's ``keeps_label`` as plain data (each entry's names as a sorted list), read
    only through the exact built-in types (a dict, and a set, frozenset, list or tuple of strings)."""
    if type(value) is not dict:
        return {"dict": False, "type": type_name(value)}
    entries = {}
    for key, chosen in dict.items(value):
        name = key if type(key) is str else f"<a {type_name(key)}>"
        if type(chosen) in (set, frozenset, list, tuple):
            entries[name] = {"names": sorted(item for item in chosen if type(item) is str),
                             "other": [type_name(item) for item in chosen if type(item) is not str]}
        else:
            entries[name] = {"kind": type_name(chosen)}
    return {"dict": True, "entries": entries}


def keeps_label_problem(facts: Mapping[str, Any], given: Any = None) -> str | None:
    """Question 1, outside the kernel: for each data set, exactly the augmentations that keep its labels."""
    if not facts["dict"]:
        return (f"expected a dict from each data set's name to the augmentations that keep its labels, found a "
                f"{facts['type']}")
    entries = facts["entries"]
    missing = [name for name in KEEPS_LABEL if name not in entries]
    unknown = sorted(name for name in entries if name not in KEEPS_LABEL)
    if missing or unknown:
        return (f"expected one entry for each of the data sets {list(KEEPS_LABEL)}"
                + (f"; missing: {missing}" if missing else "") + (f"; not one of them: {unknown}" if unknown else ""))
    for name, entry in entries.items():
        if "kind" in entry:
            return f"{name!r}: expected a set of augmentation names, found a {entry['kind']}"
        if entry["other"]:
            return f"{name!r}: the augmentations are named by strings, found a {entry['other'][0]}"
        strange = [a for a in entry["names"] if a not in AUGMENTATIONS]
        if strange:
            return f"{name!r}: {strange[0]!r} is not one of the augmentations {list(AUGMENTATIONS)}"
    wrong = []
    for name, right in KEEPS_LABEL.items():
        chosen = set(entries[name]["names"])
        if chosen - right:
            wrong.append(f"for {name!r} you keep an augmentation that can turn an image into another class, or into "
                         "one unlike any image the model will be asked about")
        if right - chosen:
            wrong.append(f"for {name!r} you leave out an augmentation that keeps every image a true and realistic "
                         "example of its class")
    if wrong:
        return "; ".join(wrong) + ". Picture each augmentation applied to every class of that data set"
    return None


# --------------------------------------------------------------------------- question 2
# facts: in the kernel, each callback's class and settings as plain data; given: the set-up's pilot curve
# (for the grader: the solution's run's); decide: outside, with Keras's rule run on the pilot curve.

# Settings the question leaves at Keras's defaults (a changed one changes what the callback does).
DEFAULT_SETTINGS = {"ReduceLROnPlateau": {"min_delta": 1e-4, "cooldown": 0, "min_lr": 0.0},
                    "EarlyStopping": {"min_delta": 0.0, "baseline": None, "start_from_epoch": 0}}
CALLBACK_SETTINGS = ("monitor", "mode", "factor", "patience", "restore_best_weights", "min_delta", "cooldown", "min_lr",
                     "baseline", "start_from_epoch")
LOWERED_EPOCHS = 2  # the epochs the lowered learning rate must train before EarlyStopping may stop the run


def keras_early_stopping(values: Sequence[float], patience: int, min_delta: float = 0.0) -> tuple[int, int]:
    """Keras 3's ``EarlyStopping`` on a watched quantity that falls when it improves: ``(epochs trained,
    index of the best epoch)`` for a run whose value at each epoch, up to its limit, is ``values``.

    An epoch improves when its value is below the best epoch's by more than ``min_delta`` (the first epoch is
    the first best); the run stops at the end of the epoch that makes ``patience`` epochs without improvement
    in a row."""
    best, best_epoch, wait = None, 0, 0
    for epoch, value in enumerate(values):
        if best is None or value < best - min_delta:
            best, best_epoch, wait = value, epoch, 0
            continue
        wait += 1
        if wait >= patience:
            return epoch + 1, best_epoch
    return len(values), best_epoch


def smallest_patience(values: Sequence[float]) -> int:
    """The smallest patience with which early stopping on ``values`` still reaches their (first) lowest value."""
    lowest = int(np.argmin(values))
    return next(p for p in range(1, len(values) + 1) if keras_early_stopping(values, p)[1] == lowest)


def callbacks_facts(value: Any, namespace: Mapping[str, Any]) -> dict:
    """In the kernel: the student's list of callbacks as plain data."""
    from dlcourse.model_summary import callback_facts

    if type(value) not in (list, tuple):
        return {"list": False, "type": type(value).__name__}
    return {"list": True, "callbacks": [callback_facts(c, CALLBACK_SETTINGS) for c in value]}


def callbacks_given(namespace: Mapping[str, Any]) -> dict:
    """The set-up's pilot curve ``PILOT_VAL_LOSS`` (for the grader: as the solution's run has it)."""
    pilot = namespace.get("PILOT_VAL_LOSS")
    if pilot is None:
        return {"pilot": None}
    if type(pilot) not in (list, tuple) or len(pilot) < 2 or not all(_number(v) for v in pilot):
        raise ValueError("`PILOT_VAL_LOSS` is not the set-up cell's list any more: run the set-up cell again")
    return {"pilot": [float(v) for v in pilot]}


def _is_default(current: Any, default: Any) -> bool:
    if default is None or current is None:
        return current is default
    return _number(current) and bool(np.isclose(abs(float(current)), default))


def _kind(callback: Mapping[str, Any]) -> str:
    return callback["class"] if callback["keras"] else f"{callback['class']} (not Keras's)"


def callbacks_problem(facts: Mapping[str, Any], given: Any = None) -> str | None:
    """Question 2, outside the kernel: a ReduceLROnPlateau (factor 0.1) and an EarlyStopping (best weights
    restored), both watching the validation loss; EarlyStopping's patience the smallest that reaches the pilot
    curve's lowest value, ReduceLROnPlateau's the largest that leaves the lowered rate LOWERED_EPOCHS epochs
    before EarlyStopping may stop; every other setting at its default."""
    pilot = given.get("pilot") if isinstance(given, Mapping) else None
    if pilot is None:
        return "run the cell of the pilot curve first: PILOT_VAL_LOSS is what you read the patiences from"
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
        return f"ReduceLROnPlateau multiplies the learning rate by {found}; the question asks for a tenth"
    if s["restore_best_weights"] is not True:
        return ("EarlyStopping leaves the model with the weights of the last epoch it trained; the question asks for "
                "the weights of the best epoch")
    changed = [f"{name} {setting}" for name, callback in (("ReduceLROnPlateau", p), ("EarlyStopping", s))
               for setting, default in DEFAULT_SETTINGS[name].items() if not _is_default(callback[setting], default)]
    if changed:
        return f"these settings differ from their defaults, which the question keeps: {', '.join(changed)}"
    for name, callback in (("ReduceLROnPlateau", p), ("EarlyStopping", s)):
        if type(callback["patience"]) is not int or callback["patience"] < 0:
            return f"{name}'s patience should be a whole number of epochs, found {callback['patience']!r}"
    return _patience_problem(pilot, s["patience"], p["patience"])


def _patience_problem(pilot: list[float], stop_patience: int, plateau_patience: int) -> str | None:
    needed = smallest_patience(pilot)
    lowest = int(np.argmin(pilot)) + 1
    if stop_patience < needed:
        trained, best = keras_early_stopping(pilot, stop_patience)
        return (f"with patience {stop_patience}, EarlyStopping would have stopped the pilot run after epoch {trained}, "
                f"before its lowest validation loss (epoch {lowest}), and kept epoch {best + 1}: count the epochs "
                "without a new lowest value along the pilot curve, up to its lowest point")
    if stop_patience > needed:
        return (f"EarlyStopping with patience {stop_patience} reaches the pilot's lowest validation loss, but a "
                "smaller patience reaches it too; each epoch of patience is one more epoch trained after the best")
    lowered = stop_patience - plateau_patience
    if lowered < LOWERED_EPOCHS:
        return (f"ReduceLROnPlateau lowers the rate after {plateau_patience} epochs without improvement and EarlyStopping "
                f"stops after {stop_patience}: the lowered rate trains {max(lowered, 0)} epoch(s) before the run can "
                f"stop, and the question asks for {LOWERED_EPOCHS}")
    if lowered > LOWERED_EPOCHS:
        return (f"the lowered rate gets {lowered} epochs before EarlyStopping can stop the run; {LOWERED_EPOCHS} were "
                "asked, so ReduceLROnPlateau can give the current rate longer")
    return None


# --------------------------------------------------------------------------- question 3 (early stopping's rule)

# Each kind of made-up history, and the misreadings it catches (right: the rule of keras_early_stopping, the
# best epoch's weights restored when fit returns whenever restore_best_weights is set, Keras 3):
# - "stops": patience runs out after a wobble (a rise, a fall that stays above the best, a rise), then the curve
#   falls below the best again, out of reach. Catches: the last epoch; counting from 0; the lowest training loss
#   (the last epoch trained); the highest validation accuracy (an earlier epoch); patience off by one either way;
#   counting only rises in a row; never stopping; the lowest value of the whole curve, trained or not.
# - "limit": the lowest value comes too late for the patience to run out, and is not the last epoch. Catches:
#   weights restored only when the patience ran out (Keras 2's rule); the epochs trained minus the patience.
# - "no_restore": as "stops", without restoring. Catches: restoring whatever the setting.
# - "tie": the best value comes back exactly within the patience. Catches: a tie counted as an improvement.
# - "min_delta": the value creeps down by less than min_delta an epoch. Catches: min_delta ignored (the lowest
#   value restored); min_delta measured from the lowest value so far instead of from the best epoch's.
# - "patience 0": the run stops at the first epoch without improvement, as with patience 1 in Keras 3. Catches (found
#   by a helper that attacked the question without reading its checks): stopping only when the count of epochs
#   without improvement equals the patience, patience 0 read as no early stopping, the epochs trained minus the
#   patience restored.
_KINDS = ("stops", "limit", "no_restore", "tie", "min_delta", "patience 0")


def _columns(val_loss: list[float], best_accuracy_at: int) -> dict[str, list[float]]:
    """A History's columns around ``val_loss``: a training loss that falls every epoch, an accuracy that rises,
    a validation accuracy that mirrors the validation loss but peaks at ``best_accuracy_at`` alone."""
    n = len(val_loss)
    lowest = min(val_loss)
    val_accuracy = [round(0.62 - 0.2 * (v - lowest), 3) for v in val_loss]
    val_accuracy[best_accuracy_at] = round(max(val_accuracy) + 0.012, 3)
    return {"val_loss": [float(v) for v in val_loss], "val_accuracy": val_accuracy,  # first: what check's message shows
            "loss": [round(2.3 - 1.9 * (1 - 0.88 ** (i + 1)), 4) for i in range(n)],
            "accuracy": [round(0.12 + 0.8 * (1 - 0.88 ** (i + 1)), 4) for i in range(n)]}


def _descent(rng: np.random.Generator, n: int, gap: int, step: float) -> list[float]:
    """``n`` epochs that end on their lowest value, each new low below the one before by ``step`` or more,
    with one wobble of ``gap`` epochs (a rise, then falls that stay above the low before it) in the middle."""
    lows = n - gap
    values = [round(float(rng.uniform(1.9, 2.4)), 3)]
    for _ in range(lows - 1):
        values.append(round(values[-1] - step - float(rng.uniform(0.01, 0.12)), 3))
    at = int(rng.integers(1, lows - 1))  # the wobble follows the low at this position (never the last low)
    low, wobble = values[at], []
    top = round(low + float(rng.uniform(0.04, 0.1)), 3)
    for i in range(gap):
        wobble.append(top if i == 0 else round(low + (top - low) * float(rng.uniform(0.2, 0.8)), 3))
    return values[:at + 1] + wobble + values[at + 1:]


def _patience_zero_case(rng: np.random.Generator) -> tuple[tuple, dict]:
    """5 to 8 epochs that fall, one that rises (the run stops there), then lower values out of reach."""
    values = [round(float(rng.uniform(1.9, 2.4)), 3)]
    for _ in range(int(rng.integers(4, 8))):
        values.append(round(values[-1] - float(rng.uniform(0.03, 0.12)), 3))
    best = values[-1]
    val_loss = values + [round(best + float(rng.uniform(0.02, 0.06)), 3), round(best - 0.05, 3), round(best - 0.09, 3)]
    return (_columns(val_loss, best_accuracy_at=len(values) - 2), 0, 0.0, True), {}


def _history_case(rng: np.random.Generator, kind: str) -> tuple[tuple, dict]:
    if kind == "patience 0":
        return _patience_zero_case(rng)
    patience = int(rng.integers(2, 5))
    min_delta = round(float(rng.choice([0.02, 0.03, 0.05])), 3) if kind == "min_delta" else 0.0
    descent = _descent(rng, int(rng.integers(6, 10)), int(rng.integers(1, patience)), 2 * min_delta)
    best, b = descent[-1], len(descent) - 1
    rise = round(float(rng.uniform(0.02, 0.06)), 3)
    if kind in ("stops", "no_restore"):
        after = [best + rise, best + rise / 2, best + 1.5 * rise, best + 2 * rise][:patience]  # falls once, above the best
        tail = [best - 0.05, best - 0.09, best - 0.07]  # lower than the best, out of reach
        tail = tail[:int(rng.integers(2, 4))]
    elif kind == "limit":
        after = [best + rise * (i + 1) for i in range(int(rng.integers(1, patience)))]
        tail = []
    elif kind == "tie":
        t = int(rng.integers(1, patience))
        after = [best + rise * (i + 1) for i in range(t - 1)] + [best] + [best + rise * (i + 1) for i in range(patience + t)]
        tail = []
    else:  # min_delta: below the best by 0.6 and 1.3 min_delta (the second improves), then 0.5 more, then rises
        after = [best - 0.6 * min_delta, best - 1.3 * min_delta, best - 1.8 * min_delta]
        after += [best - 1.8 * min_delta + rise * (i + 1) for i in range(patience + 1)]
        tail = [best - 1.8 * min_delta + rise * (patience + 2)]
    val_loss = [round(float(v), 3) for v in descent + after + tail]
    history = _columns(val_loss, best_accuracy_at=b - 1)
    return (history, patience, min_delta, kind != "no_restore"), {}


def _histories(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    """One made-up history of each kind, in a drawn order."""
    return [_history_case(rng, kind) for kind in rng.permutation(list(_KINDS))]


# patience 3: the lowest value at epoch 6, a wobble (rise, fall, rise) after it stops the run at epoch 9; the
# curve would have gone lower at epoch 11
PUBLIC_STOPS = _columns([1.90, 1.62, 1.45, 1.49, 1.41, 1.33, 1.38, 1.35, 1.44, 1.30, 1.25, 1.31], 4)
# patience 4: the lowest value at epoch 7, three epochs before the limit of 10
PUBLIC_LIMIT = _columns([2.05, 1.70, 1.52, 1.58, 1.47, 1.39, 1.36, 1.40, 1.37, 1.42], 5)
# patience 2, weights not restored: the lowest value at epoch 5, stopped after epoch 7
PUBLIC_NO_RESTORE = _columns([1.80, 1.55, 1.60, 1.50, 1.44, 1.47, 1.52, 1.41, 1.39, 1.46], 3)
# patience 2, min_delta 0.05: epoch 6 is lower than epoch 5 by less than 0.05, so epoch 5 stays the best
PUBLIC_MIN_DELTA = _columns([1.90, 1.70, 1.52, 1.49, 1.45, 1.41, 1.43, 1.47, 1.52, 1.58], 2)


def _steps(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    every = [int(rng.integers(2, 10)) for _ in range(3)]
    # the epoch just before a drop and the epoch of a drop: the off-by-one cases
    return ([((e * int(rng.integers(1, 5)) - 1, 0.01, 0.5, e), {}) for e in every[:2]]
            + [((int(rng.integers(0, 50)), 0.01, float(rng.choice([0.5, 0.2])), every[2]), {}), ((0, 0.1, 0.1, 5), {})])


def _cosine(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    return [((int(s), 1e-3, 100, float(a)), {}) for s, a in ((0, 0.0), (rng.integers(1, 100), 0.0), (rng.integers(0, 200), 0.1),
                                                             (rng.integers(1, 100), 0.2))]


QUESTIONS = [
    ValueQuestion(id="q1_keeps_label", points=2, variable="keeps_label",
                  facts=keeps_label_facts, decide=keeps_label_problem,
                  hint="for each data set, picture every augmentation applied to an image of each class: is it still "
                       "that class, and is it a picture the model could be shown? Think about classes that are mirror "
                       "images of each other, pictures that have an up and a down, and classes told apart by colour."),
    ValueQuestion(id="q2_callbacks", points=2, variable="callbacks",
                  facts=callbacks_facts, given_facts=callbacks_given, decide=callbacks_problem,
                  hint="walk along the pilot curve and count, at each epoch, the epochs since its lowest value so far "
                       "(an equal value is not lower); the patience must outlast every such count before the lowest "
                       "point. Then count the epochs each callback waits: which epochs train at the lowered rate?"),
    FunctionQuestion(
        id="q3_restored_epoch", points=2, function="stopping_outcome",
        public=[Case((PUBLIC_STOPS, 3, 0.0, True), {"epochs_trained": 9, "restored_epoch": 6}),
                Case((PUBLIC_LIMIT, 4, 0.0, True), {"epochs_trained": 10, "restored_epoch": 7}),
                Case((PUBLIC_NO_RESTORE, 2, 0.0, False), {"epochs_trained": 7, "restored_epoch": 7}),
                Case((PUBLIC_MIN_DELTA, 2, 0.05, True), {"epochs_trained": 7, "restored_epoch": 5})],
        hidden=_histories,
        hint="early stopping watches one column only. Keep the best epoch so far and count the epochs since it; think "
             "about when that count makes the run stop, which weights the model holds when the run ends for either "
             "reason, and what changes when the weights are not restored. Count epochs from 1.",
    ),
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
