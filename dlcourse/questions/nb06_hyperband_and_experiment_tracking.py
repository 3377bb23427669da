"""Questions of ``06_hyperband_and_experiment_tracking``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from dlcourse.assessment.compare import is_number
from dlcourse.checking import Case, FunctionQuestion, ValueQuestion, WrittenQuestion


# Schedules a hidden case is drawn from. None has a sum ending in exactly .5 (27 and 4 gives 229.5,
# 100 and 4 gives 1562.5): "the nearest whole number" is then not one number, and rounding half up
# would be marked wrong against Python's round, which rounds half to even.
_DRAWN = [(8, 2), (20, 2), (27, 2), (64, 2), (100, 2), (8, 3), (20, 3), (25, 3), (64, 3), (100, 3),
          (8, 4), (20, 4), (64, 4), (81, 4), (243, 4)]


def _schedules(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    # powers of the factor, non-powers (epochs per round are then fractions), 243 / 3, whose
    # logarithm ratio is 4.999... in floating point, and 64 / 3, whose logarithm 3.79 rounds up
    # to 4 but floors to 3
    drawn = _DRAWN[int(rng.integers(len(_DRAWN)))]
    return [((int(r), int(f)), {}) for r, f in ((9, 3), (81, 3), (16, 2), (100, 3), (243, 3), (64, 3), drawn)]


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


def _layer_plan(model) -> list[tuple]:
    """The model's layers as (kind, units, activation) for Dense and (kind,) otherwise; an
    activation layer right after a Dense without one is folded into it (the same network)."""
    plan: list[tuple] = []
    for layer in model.layers:
        kind = type(layer).__name__
        if kind in ("InputLayer", "Flatten"):  # a Flatten of 64 features changes nothing
            continue
        if kind in ("Activation", "ReLU", "Softmax") and plan and plan[-1][0] == "Dense" and plan[-1][2] == "linear":
            name = getattr(getattr(layer, "activation", None), "__name__", "") if kind == "Activation" else kind.lower()
            plan[-1] = ("Dense", plan[-1][1], name or kind)
        elif kind == "Dense":
            plan.append(("Dense", layer.units, getattr(layer.activation, "__name__", str(layer.activation))))
        else:
            plan.append((kind,))
    return plan


def _loss_kind(loss) -> tuple[str, bool]:
    """(name, from_logits) of a compiled loss given as a string, a loss object or a function."""
    if isinstance(loss, str):
        return loss, False
    try:
        config = loss.get_config()
    except Exception:
        config = {}
    function = getattr(loss, "fn", loss)
    name = getattr(function, "__name__", type(loss).__name__)
    return name, bool((config or {}).get("from_logits", False))


_ACCURACY = {"accuracy", "acc", "sparse_categorical_accuracy", "sparsecategoricalaccuracy"}


def _has_accuracy(model) -> bool | None:
    """Whether the compiled metrics include accuracy (None: the compile settings could not be read)."""
    try:
        metrics = (model.get_compile_config() or {}).get("metrics")
    except Exception:
        return None
    stack, names = [metrics], set()
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            names.add(item.lower())
        elif isinstance(item, Mapping):
            if "class_name" in item:
                names.add(str(item["class_name"]).lower())
                if isinstance(item.get("config"), Mapping):
                    names.add(str(item["config"].get("name", "")).lower())
            else:
                stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif item is not None:
            names.add(str(getattr(item, "name", type(item).__name__)).lower())
    return bool(names & _ACCURACY)


def _architecture(model) -> str | None:
    """One hidden relu Dense, a Dropout after it, a softmax output (or logits the loss is told of);
    sparse categorical cross-entropy and the accuracy metric."""
    plan = _layer_plan(model)
    kinds = [step[0] for step in plan]
    if kinds != ["Dense", "Dropout", "Dense"]:
        return (f"expected one hidden Dense layer, a Dropout layer after it, then the output layer; "
                f"found the layers {kinds}")
    hidden, output = plan[0][2], plan[2][2]
    if hidden != "relu":
        return f"the hidden layer's activation is {hidden!r}; the question asks for relu"
    loss, logits = _loss_kind(getattr(model, "loss", None))
    if loss is None or loss.lower().replace("_", "") != "sparsecategoricalcrossentropy":
        return (f"the model is compiled with the loss {loss!r}; the labels are the digits 0 to 9 as whole numbers, "
                "which calls for sparse categorical cross-entropy")
    if output == "softmax" and logits:
        return "the output layer applies softmax, but the loss is told it receives logits: it would apply softmax twice"
    if output == "linear" and not logits:
        return ("the output layer gives raw scores (no softmax), but the loss expects probabilities: give the output "
                "layer softmax (or tell the loss that it receives logits)")
    if output not in ("softmax", "linear"):
        return f"the output layer's activation is {output!r}; ten classes call for softmax probabilities"
    if _has_accuracy(model) is False:
        return "compile the model with the accuracy metric: the search of question 5 ranks trials by validation accuracy"
    return None


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
    return _architecture(model)


# ----------------------------------------------------------------------------- q5


def _finished(tuner) -> list:
    return [t for t in tuner.oracle.trials.values() if t.score is not None]


def _hyperband_report(value: Any, namespace: Mapping[str, Any]) -> str | None:
    tuner = namespace.get("tuner")
    if tuner is None or not hasattr(tuner, "oracle"):
        return "no keras-tuner search named tuner found: run your search in a variable of that name"
    if type(tuner).__name__ != "Hyperband":
        return f"tuner is a {type(tuner).__name__} search; this question asks for Hyperband"
    objective = getattr(tuner.oracle, "objective", None)
    if getattr(objective, "name", None) != "val_accuracy" or getattr(objective, "direction", "max") != "max":
        return (f"tuner ranks its trials by {getattr(objective, 'name', objective)!r}"
                f"{'' if getattr(objective, 'direction', 'max') == 'max' else ' (lowest first)'}; this question asks "
                "it to maximize the validation accuracy, val_accuracy")
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
    epochs = value["epochs"]
    whole = is_number(epochs) and float(epochs).is_integer()
    if not whole or int(epochs) != spent:
        if value["epochs"] == sum(int(values(t)["tuner/epochs"]) for t in trials):
            return ("epochs: you counted every trial's final epoch, but a trial that resumes from an earlier "
                    "round's checkpoint trains only from its initial epoch on")
        return f"epochs: your tuner's trials really trained {spent} epochs in all, you report {value['epochs']}"
    reported = value["best_val_accuracy"]
    if not is_number(reported):
        return f"best_val_accuracy: expected a number, found a {type(reported).__name__}"
    if not math.isclose(float(reported), float(best.score), rel_tol=1e-6):
        if f"{float(reported):.4f}" == f"{float(best.score):.4f}":
            return (f"best_val_accuracy: you report {float(reported)!r}, a rounded copy of your best trial's score "
                    f"{float(best.score)!r}: read the number from the trial instead of typing it")
        return (f"best_val_accuracy: your tuner's best trial scored {float(best.score):.4f} on validation data, "
                f"you report {float(reported):.4f}")
    # trials can tie on the best score (one validation image is 1/360): any of them is the best trial
    tied = {values(t)["tuner/bracket"] for t in trials if math.isclose(float(t.score), float(best.score), rel_tol=1e-9)}
    bracket = value["best_bracket"]
    if isinstance(bracket, (bool, np.bool_)) or not isinstance(bracket, (int, np.integer)) or int(bracket) not in tied:
        return "best_bracket: that is not the bracket your best trial ran in (each trial records its bracket)"
    return None


QUESTIONS = [
    FunctionQuestion(
        id="q1_hyperband_epochs", points=3, function="hyperband_epochs",
        # (10, 3): 10 is not a power of 3, so the epochs of a round are fractions (the sum is 86.67);
        # (243, 3): log(243) / log(3) is 4.999... in floating point, but 243 = 3 ** 5;
        # (20, 3): log(20) / log(3) is 2.73, so s_max is 2, not 3 (rounded); the sum 173.33 rounds down.
        public=[Case((27, 3), 423), Case((9, 3), 78), Case((1, 3), 1), Case((10, 3), 87), Case((243, 3), 8457),
                Case((20, 3), 173)],
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
