"""Questions of ``06_hyperband_and_experiment_tracking``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from dlcourse.checking import Case, FunctionQuestion, ValueQuestion, WrittenQuestion


def _schedules(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    # powers of the factor, non-powers (epochs per round are then fractions), and 243 / 3,
    # whose logarithm ratio is 4.999... in floating point
    drawn = (int(rng.choice([8, 20, 27, 64, 100])), int(rng.choice([2, 3, 4])))
    return [((int(r), int(f)), {}) for r, f in ((9, 3), (81, 3), (16, 2), (100, 3), (243, 3), drawn)]


def _traces(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    cases = []
    for n in (1, 6, 30):
        epochs = np.cumsum(rng.integers(1, 10, size=n)).tolist()
        best = np.maximum.accumulate(np.round(rng.uniform(0.5, 1.0, size=n), 3)).tolist()
        cases.append(((epochs, best, float(np.round(rng.uniform(0.6, 1.0), 3))), {}))
    epochs = np.cumsum(rng.integers(1, 10, size=8)).tolist()
    best = np.maximum.accumulate(np.round(rng.uniform(0.5, 1.0, size=8), 3)).tolist()
    cases.append(((epochs, best, best[4]), {}))  # a tie: the target is one of the scores
    return cases


# ----------------------------------------------------------------------------- q3


def _model_fingerprint(model) -> dict:
    """What a hyperparameter can change: widths of Dense layers, Dropout rates, learning rate."""
    import keras

    optimizer = getattr(model, "optimizer", None)
    rate = getattr(optimizer, "learning_rate", None)
    return {"dense": [layer.units for layer in model.layers if isinstance(layer, keras.layers.Dense)],
            "dropout": [round(float(layer.rate), 6) for layer in model.layers if isinstance(layer, keras.layers.Dropout)],
            "learning_rate": None if rate is None else float(np.asarray(rate))}


def _build_with(build_model, declared, name: str, value):
    hp = declared.copy()
    hp.values[name] = value
    return _model_fingerprint(build_model(hp))


_USES = {  # how each hyperparameter must show in the built model
    "units": ("dense", "the width of the hidden Dense layer"),
    "dropout": ("dropout", "the rate of the Dropout layer"),
    "learning_rate": ("learning_rate", "Adam's learning rate"),
}
_TRIED = {"units": (64, 224), "dropout": (0.1, 0.4), "learning_rate": (3e-4, 5e-3)}


def _build_model(value: Any, namespace: Mapping[str, Any]) -> str | None:
    import keras
    import keras_tuner as kt

    if not callable(value):
        return "expected a function that takes the hyperparameters and returns a model"
    declared = kt.HyperParameters()
    model = value(declared)
    if not isinstance(model, keras.Model):
        return "it should return a Keras model"
    spaces = {p.name: p for p in declared.space}
    if set(spaces) != {"units", "dropout", "learning_rate"}:
        return f"expected the hyperparameters units, dropout and learning_rate, found {sorted(spaces)}"
    units, dropout, lr = spaces["units"], spaces["dropout"], spaces["learning_rate"]
    if type(units).__name__ != "Int" or (units.min_value, units.max_value, units.step) != (32, 256, 32):
        return "units should be an integer from 32 to 256 in steps of 32"
    if type(dropout).__name__ != "Float" or not np.allclose((dropout.min_value, dropout.max_value, dropout.step or 0),
                                                             (0.0, 0.5, 0.1)):
        return "dropout should be a float from 0.0 to 0.5 in steps of 0.1"
    if type(lr).__name__ != "Float" or not np.allclose((lr.min_value, lr.max_value), (1e-4, 1e-2)) or lr.sampling != "log":
        return "learning_rate should be a float from 0.0001 to 0.01, sampled on a log scale"
    if model.output_shape[-1] != 10:
        return f"the output layer should have 10 units (one per digit), found {model.output_shape[-1]}"
    if getattr(model, "optimizer", None) is None or not isinstance(model.optimizer, keras.optimizers.Adam):
        return "compile the model with the Adam optimizer inside the function"
    for name, (part, where) in _USES.items():
        low, high = (_build_with(value, declared, name, v) for v in _TRIED[name])
        if low == high:
            return (f"the hyperparameter {name} is declared but never used: building with {name} "
                    f"{_TRIED[name][0]} and {_TRIED[name][1]} gives the same model; it should set {where}")
        shown = low[part] if isinstance(low[part], list) else [low[part]]
        if not any(v is not None and math.isclose(v, _TRIED[name][0], rel_tol=1e-5) for v in shown):
            return f"with {name} = {_TRIED[name][0]} the model does not use that value for {where}"
    return None


# ----------------------------------------------------------------------------- q5


def _finished(tuner) -> list:
    return [t for t in tuner.oracle.trials.values() if t.score is not None]


def _hyperband_report(value: Any, namespace: Mapping[str, Any]) -> str | None:
    tuner = namespace.get("tuner")
    if tuner is None or not hasattr(tuner, "oracle"):
        return "no keras-tuner search named tuner found: run your search in a variable of that name"
    if type(tuner).__name__ != "Hyperband":
        return f"tuner is a {type(tuner).__name__} search; this question asks for Hyperband"
    trials = _finished(tuner)
    if not trials:
        return "tuner has no finished trials yet: run its search"
    if tuner.hypermodel is None or getattr(tuner.hypermodel, "build", None) is not namespace.get("build_model"):
        return "tuner should search your build_model from question 3"
    brackets = {t.hyperparameters.values["tuner/bracket"] for t in trials}
    if len(brackets) < 2:
        return f"only {len(brackets)} bracket ran; give Hyperband a longest training of at least 3 epochs so that more run"
    if not isinstance(value, Mapping):
        return "expected a dict with the keys best_val_accuracy, best_bracket, epochs and trials"
    keys = {"best_val_accuracy", "best_bracket", "epochs", "trials"}
    if set(value) != keys:
        return f"expected the keys {sorted(keys)}, found {sorted(map(str, value))}"
    best = max(trials, key=lambda t: t.score)
    values = lambda t: t.hyperparameters.values  # noqa: E731
    spent = sum(int(values(t)["tuner/epochs"]) - int(values(t)["tuner/initial_epoch"]) for t in trials)
    if value["trials"] != len(trials):
        return f"trials: your tuner finished {len(trials)} trials, you report {value['trials']}"
    if not isinstance(value["epochs"], (int, np.integer)) or value["epochs"] != spent:
        if value["epochs"] == sum(int(values(t)["tuner/epochs"]) for t in trials):
            return ("epochs: you counted every trial's final epoch, but a trial that resumes from an earlier "
                    "round's checkpoint trains only from its initial epoch on")
        return f"epochs: your tuner's trials really trained {spent} epochs in all, you report {value['epochs']}"
    if not math.isclose(float(value["best_val_accuracy"]), float(best.score), rel_tol=1e-6):
        return (f"best_val_accuracy: your tuner's best trial scored {float(best.score):.4f} on validation data, "
                f"you report {float(value['best_val_accuracy']):.4f}")
    if value["best_bracket"] != values(best)["tuner/bracket"]:
        return "best_bracket: that is not the bracket your best trial ran in (each trial records its bracket)"
    return None


QUESTIONS = [
    FunctionQuestion(
        id="q1_hyperband_epochs", points=3, function="hyperband_epochs",
        # (10, 3): 10 is not a power of 3, so the epochs of a round are fractions (the sum is 86.67);
        # (243, 3): log(243) / log(3) is 4.999... in floating point, but 243 = 3 ** 5.
        public=[Case((27, 3), 423), Case((9, 3), 78), Case((1, 3), 1), Case((10, 3), 87), Case((243, 3), 8457)],
        hidden=_schedules,
        hint="think about what happens when max_epochs is not a power of the factor: the epochs of a round are "
             "then fractions, and only the final sum is rounded (to the nearest whole number).",
    ),
    FunctionQuestion(
        id="q2_epochs_to_reach", points=2, function="epochs_to_reach",
        public=[Case(([9, 18, 27, 36], [0.80, 0.90, 0.95, 0.96], 0.94), 27),
                Case(([9, 18], [0.80, 0.90], 0.95), None), Case(([3], [0.99], 0.5), 3),
                Case(([5, 10, 15], [0.90, 0.95, 0.97], 0.95), 10)],  # reaching the target exactly counts
        hidden=_traces,
        hint="think about what 'reached' means when the best score equals the target exactly, and what to "
             "give back: the epochs spent at that moment, not the position in the trace.",
    ),
    ValueQuestion(
        id="q3_build_model", points=3, variable="build_model", validate=_build_model,
        hint="think about whether each declared hyperparameter reaches the model: the layer it sizes, the rate it "
             "sets, the optimizer it configures. A value declared and then ignored changes nothing.",
    ),
    WrittenQuestion(
        id="q4_tuner_leak", points=2,
        rubric="Full marks: (1) the test set is used as the tuner's validation data, so it chooses the "
               "hyperparameters (and which Hyperband trials survive); (2) the reported 'test accuracy' is then "
               "optimistically biased (a maximum over many tries, measured on the data that chose it); (3) fix: "
               "split a validation set off the training data (or use validation_split), search on it, and "
               "evaluate the chosen model once on the untouched test set. One point for (1)+(2), one for (3).",
    ),
    ValueQuestion(
        id="q5_hyperband_report", points=3, variable="hyperband_report", validate=_hyperband_report,
        hint="think about where keras-tuner records what each trial did: its bracket, the epoch it started from "
             "and the epoch it trained to. A resumed trial did not train its first epochs again.",
    ),
    WrittenQuestion(
        id="q6_decide", points=2,
        rubric="Full marks: uses the student's own printed numbers: (1) states what the search found (best "
               "validation accuracy, from which bracket) and what it cost (epochs and trials), and compares the "
               "cost with training every one of the same number of candidates for the longest training "
               "(trials of round 0 x max_epochs, or a named grid); (2) a decision with a reason: e.g. accept the "
               "result, or spend another Hyperband iteration / a larger max_epochs because the best came from the "
               "full-length bracket or the top scores differ by less than the validation set's resolution "
               "(1 image = 1/360); mentions that one run with one seed is weak evidence. One point each.",
    ),
]
