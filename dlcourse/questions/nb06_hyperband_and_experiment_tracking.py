"""Questions of ``06_hyperband_and_experiment_tracking``.

The two value questions are judged in two steps: in the kernel, ``facts`` describes the
student's objects as plain data (the models their ``build_model`` builds, their tuner's
trials); outside it, ``decide`` judges that description, with the set-up's ``MAX_EPOCHS``
taken from the solution's run for the grader.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from dlcourse.assessment.compare import is_number, kind_of
from dlcourse.assessment.facts import plain
from dlcourse.assessment.questions import Case, FunctionQuestion, ValueQuestion, WrittenQuestion
from dlcourse.model_summary import attributes, class_name


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
# facts: in the kernel, the student's build_model is called with keras-tuner's HyperParameters, as
# the search would call it, and the models it builds are described as plain data (layers, loss,
# metrics, optimizer, the declared search space). decide: outside, on that description only.

_HP_NAMES = ("units", "dropout", "learning_rate")
_USES = {  # how each hyperparameter must show in the built model
    "units": ("dense", "the width of the hidden Dense layer"),
    "dropout": ("dropout", "the rate of the Dropout layer"),
    "learning_rate": ("learning_rate", "Adam's learning rate"),
}
_TRIED = {"units": (64, 224), "dropout": (0.1, 0.4), "learning_rate": (3e-4, 5e-3)}


def _layer_facts(layer: Any) -> dict:
    """In the kernel: a layer as plain data; a built Dense layer's width read from its weights, not its attribute."""
    from dlcourse.model_summary import layer_facts

    facts = layer_facts(layer, ("units", "rate"))
    if facts["class"] == "Dense" and facts["keras"] and layer.built:
        facts["units"] = plain(layer.kernel.shape[-1])
    return facts


def _model_facts(model: Any) -> dict:
    """In the kernel: a built model as plain data (only the type's name if it is not exactly a Keras model)."""
    from dlcourse.model_summary import is_keras_model, loss_facts, metric_names, optimizer_facts

    if not is_keras_model(model):
        return {"model": False, "type": type(model).__name__}
    try:
        width = plain(model.output_shape[-1])
    except Exception:
        width = None
    return {"model": True, "layers": [_layer_facts(layer) for layer in model.layers],
            "output_width": width, "optimizer": optimizer_facts(model),
            "loss": loss_facts(getattr(model, "loss", None)), "metrics": metric_names(model)}


def _space_facts(declared: Any) -> list[dict]:
    """In the kernel: the hyperparameters a build declared, as plain data."""
    from keras_tuner.engine import hyperparameters as hps

    space = []
    for parameter in declared.space:
        name = class_name(parameter)
        space.append({"name": plain(parameter.name),
                      "kind": name if getattr(hps, name, None) is type(parameter) else f"{name} (not keras-tuner's)",
                      **attributes(parameter, ("min_value", "max_value", "step", "sampling"))})
    return space


def _built_with(build_model: Any, declared: Any, name: str, value: float) -> dict:
    """In the kernel: what a hyperparameter can change in the model built with ``name`` set to ``value``:
    widths of Dense layers, Dropout rates, the learning rate (or the error the build raised)."""
    hp = declared.copy()
    hp.values[name] = value
    try:
        facts = _model_facts(build_model(hp))
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}
    if not facts["model"]:
        return {"error": f"it returned a {facts['type']}"}
    rate = (facts["optimizer"] or {}).get("learning_rate")
    return {"dense": [layer["units"] for layer in facts["layers"] if layer["class"] == "Dense"],
            "dropout": [round(float(layer["rate"]), 6) if is_number(layer["rate"]) else layer["rate"]
                        for layer in facts["layers"] if layer["class"] == "Dropout"],
            "learning_rate": rate}


def _build_model_facts(value: Any, namespace: Mapping[str, Any]) -> dict:
    """In the kernel: call the student's build_model as keras-tuner would and describe what it builds."""
    import keras_tuner as kt

    if not callable(value):
        return {"callable": False, "type": type(value).__name__}
    declared = kt.HyperParameters()
    model = _model_facts(value(declared))
    facts = {"callable": True, "built": model, "space": _space_facts(declared)}
    declared_names = {parameter["name"] for parameter in facts["space"]}
    if model["model"] and declared_names == set(_HP_NAMES):
        facts["tried"] = {name: [_built_with(value, declared, name, v) for v in _TRIED[name]] for name in _HP_NAMES}
    return facts


def _layer_plan(layers: list[dict]) -> list[tuple]:
    """The model's layers as (kind, units, activation) for Dense and (kind,) otherwise; an
    activation layer right after a Dense without one is folded into it (the same network)."""
    plan: list[tuple] = []
    for layer in layers:
        kind = layer["class"] if layer["keras"] else f"{layer['class']} (not a Keras layer)"
        if kind in ("InputLayer", "Flatten"):  # a Flatten of 64 features changes nothing
            continue
        if kind in ("Activation", "ReLU", "Softmax") and plan and plan[-1][0] == "Dense" and plan[-1][2] == "linear":
            name = layer.get("activation") if kind == "Activation" else kind.lower()
            plan[-1] = ("Dense", plan[-1][1], name or kind)
        elif kind == "Dense":
            plan.append(("Dense", layer["units"], layer.get("activation")))
        else:
            plan.append((kind,))
    return plan


_ACCURACY = {"accuracy", "acc", "sparse_categorical_accuracy", "sparsecategoricalaccuracy"}


def _architecture(model: Mapping[str, Any]) -> str | None:
    """One hidden relu Dense, a Dropout after it, a softmax output (or logits the loss is told of);
    sparse categorical cross-entropy and the accuracy metric."""
    plan = _layer_plan(model["layers"])
    kinds = [step[0] for step in plan]
    if kinds != ["Dense", "Dropout", "Dense"]:
        return (f"expected one hidden Dense layer, a Dropout layer after it, then the output layer; "
                f"found the layers {kinds}")
    hidden, output = plan[0][2], plan[2][2]
    if hidden != "relu":
        return f"the hidden layer's activation is {hidden!r}; the question asks for relu"
    loss, logits = model["loss"]["name"], model["loss"]["from_logits"] is True
    if type(loss) is not str or loss.lower().replace("_", "") != "sparsecategoricalcrossentropy":
        return (f"the model is compiled with the loss {loss!r}; the labels are the digits 0 to 9 as whole numbers, "
                "which calls for sparse categorical cross-entropy")
    if output == "softmax" and logits:
        return "the output layer applies softmax, but the loss is told it receives logits: it would apply softmax twice"
    if output == "linear" and not logits:
        return ("the output layer gives raw scores (no softmax), but the loss expects probabilities: give the output "
                "layer softmax (or tell the loss that it receives logits)")
    if output not in ("softmax", "linear"):
        return f"the output layer's activation is {output!r}; ten classes call for softmax probabilities"
    metrics = model["metrics"]
    if type(metrics) is list and not set(map(str, metrics)) & _ACCURACY:
        return "compile the model with the accuracy metric: the search of question 5 ranks trials by validation accuracy"
    return None


def _close(found: Any, expected: tuple[float, ...]) -> bool:
    """Whether ``found`` is numbers equal to ``expected`` (None counting as 0, as keras-tuner's unset step)."""
    values = [0.0 if v is None else v for v in found]
    return all(is_number(v) for v in values) and np.allclose(np.asarray(values, dtype=float), expected)


def _space_problem(space: list[dict]) -> str | None:
    """The three hyperparameters with the question's ranges, steps and sampling."""
    spaces = {str(p["name"]): p for p in space}
    if set(spaces) != set(_HP_NAMES) or len(space) != len(_HP_NAMES):
        return f"expected the hyperparameters units, dropout and learning_rate, found {sorted(spaces)}"
    units, dropout, lr = spaces["units"], spaces["dropout"], spaces["learning_rate"]
    if units["kind"] != "Int" or any(type(units[k]) is not int or units[k] != v
                                     for k, v in (("min_value", 32), ("max_value", 256), ("step", 32))):
        return "units should be an integer from 32 to 256 in steps of 32"
    if dropout["kind"] != "Float" or not _close((dropout["min_value"], dropout["max_value"], dropout["step"]), (0.0, 0.5, 0.1)):
        return "dropout should be a float from 0.0 to 0.5 in steps of 0.1"
    if lr["kind"] != "Float" or not _close((lr["min_value"], lr["max_value"]), (1e-4, 1e-2)) or lr["sampling"] != "log":
        return "learning_rate should be a float from 0.0001 to 0.01, sampled on a log scale"
    return None


def _uses_problem(tried: Mapping[str, Any]) -> str | None:
    """Each hyperparameter reaches the model: two values give two models, and the value shows where it should."""
    for name, (part, where) in _USES.items():
        low, high = tried[name]
        for built in (low, high):
            if "error" in built:
                return f"building the model with {name} set to another value failed ({built['error']})"
        if low == high:
            return (f"the hyperparameter {name} is declared but never used: building with {name} "
                    f"{_TRIED[name][0]} and {_TRIED[name][1]} gives the same model; it should set {where}")
        shown = low[part] if isinstance(low[part], list) else [low[part]]
        if not any(is_number(v) and math.isclose(float(v), _TRIED[name][0], rel_tol=1e-5) for v in shown):
            return f"with {name} = {_TRIED[name][0]} the model does not use that value for {where}"
    return None


def _build_model_problem(facts: Mapping[str, Any], given: Any) -> str | None:
    """Outside the kernel: the search space, the use of each hyperparameter and the network, from the facts."""
    if not facts["callable"]:
        return "expected a function that takes the hyperparameters and returns a model"
    model = facts["built"]
    if not model["model"]:
        return "it should return a Keras model"
    problem = _space_problem(facts["space"])
    if problem:
        return problem
    if model["output_width"] != 10 or type(model["output_width"]) is not int:
        return f"the output layer should have 10 units (one per digit), found {model['output_width']}"
    if model["optimizer"] is None or model["optimizer"]["class"] != "Adam":
        return "compile the model with the Adam optimizer inside the function"
    if "tried" not in facts:
        return "the check could not build the model with other values of the hyperparameters"
    return _uses_problem(facts["tried"]) or _architecture(model)


# ----------------------------------------------------------------------------- q5
# facts: in the kernel, the student's report and their tuner's trials as plain data. given: the
# set-up cell's MAX_EPOCHS (for the grader, as the solution's run has it). decide: outside.

_TRIAL_VALUES = ("tuner/bracket", "tuner/epochs", "tuner/initial_epoch")


def _trial_facts(trial: Any) -> dict:
    """In the kernel: one finished trial's score and Hyperband bookkeeping, as plain data."""
    values = trial.hyperparameters.values
    return {"score": plain(trial.score), **{key: plain(values.get(key)) for key in _TRIAL_VALUES}}


def _tuner_facts(tuner: Any, build_model: Any) -> dict | None:
    """In the kernel: the student's keras-tuner search as plain data (None if there is none)."""
    import keras_tuner as kt

    if tuner is None or not hasattr(tuner, "oracle"):
        return None
    name = class_name(tuner)
    if getattr(kt, name, None) is not type(tuner):
        name = f"{name} (not keras-tuner's)"
    oracle = tuner.oracle
    objective = getattr(oracle, "objective", None)
    hypermodel = getattr(tuner, "hypermodel", None)
    return {"class": name, "objective": attributes(objective, ("name", "direction")),
            "max_epochs": plain(getattr(oracle, "max_epochs", None)),
            "trials": [_trial_facts(t) for t in oracle.trials.values() if t.score is not None],
            "searches_build_model": hypermodel is not None and getattr(hypermodel, "build", None) is build_model}


def _hyperband_facts(value: Any, namespace: Mapping[str, Any]) -> dict:
    """In the kernel: the report as plain data, with the search it reports on."""
    return {"report": plain(value), "report_type": type(value).__name__,
            "tuner": _tuner_facts(namespace.get("tuner"), namespace.get("build_model"))}


def _hyperband_given(namespace: Mapping[str, Any]) -> dict:
    """The set-up cell's MAX_EPOCHS, Hyperband's longest training (for the grader: as the solution's run has it)."""
    max_epochs = namespace.get("MAX_EPOCHS")
    if max_epochs is not None and (type(max_epochs) is not int or max_epochs < 1):
        raise ValueError("`MAX_EPOCHS` is not the set-up cell's number any more: run the set-up cell again")
    return {"max_epochs": max_epochs}


def _whole(value: Any) -> bool:
    return is_number(value) and type(value) is not bool and float(value).is_integer()


def _search_problem(tuner: Mapping[str, Any] | None, given: Mapping[str, Any]) -> str | None:
    """The search itself: Hyperband on val_accuracy with the set-up's MAX_EPOCHS, on build_model, two brackets or more."""
    if tuner is None:
        return "no keras-tuner search named tuner found: run your search in a variable of that name"
    if tuner["class"] != "Hyperband":
        return f"tuner is a {tuner['class']} search; this question asks for Hyperband"
    name, direction = tuner["objective"]["name"], tuner["objective"]["direction"]
    if name != "val_accuracy" or direction not in ("max", None):
        return (f"tuner ranks its trials by {name!r}{'' if direction in ('max', None) else ' (lowest first)'}; "
                "this question asks it to maximize the validation accuracy, val_accuracy")
    limit = given.get("max_epochs") if isinstance(given, Mapping) else None
    if limit is not None and tuner["max_epochs"] != limit:
        return (f"tuner's longest training is {tuner['max_epochs']} epochs; the question asks for max_epochs=MAX_EPOCHS, "
                f"{limit} in the set-up cell (run the set-up cell again if you changed it)")
    trials = tuner["trials"]
    if not trials:
        return "tuner has no finished trials yet: run its search"
    if any(not is_number(t["score"]) or not all(_whole(t[key]) for key in _TRIAL_VALUES) for t in trials):
        return "tuner's trials do not hold the scores and epochs keras-tuner records: run its search again"
    if not tuner["searches_build_model"]:
        return "tuner should search your build_model from question 3"
    brackets = {int(t["tuner/bracket"]) for t in trials}
    if len(brackets) < 2:
        return f"only {len(brackets)} bracket ran; give Hyperband a longest training of at least 3 epochs so that more run"
    return None


def _report_problem(report: Any, trials: list[dict]) -> str | None:
    """The report's four numbers against the tuner's own trials."""
    if not isinstance(report, dict):
        return "expected a dict with the keys best_val_accuracy, best_bracket, epochs and trials"
    keys = {"best_val_accuracy", "best_bracket", "epochs", "trials"}
    if set(report) != keys:
        return f"expected the keys {sorted(keys)}, found {sorted(map(str, report))}"
    best = max(float(t["score"]) for t in trials)
    spent = sum(int(t["tuner/epochs"]) - int(t["tuner/initial_epoch"]) for t in trials)
    if not _whole(report["trials"]) or int(report["trials"]) != len(trials):
        return f"trials: your tuner finished {len(trials)} trials, you report {report['trials']}"
    epochs = report["epochs"]
    if not _whole(epochs) or int(epochs) != spent:
        if _whole(epochs) and int(epochs) == sum(int(t["tuner/epochs"]) for t in trials):
            return ("epochs: you counted every trial's final epoch, but a trial that resumes from an earlier "
                    "round's checkpoint trains only from its initial epoch on")
        return f"epochs: your tuner's trials really trained {spent} epochs in all, you report {epochs}"
    reported = report["best_val_accuracy"]
    if not is_number(reported) or type(reported) is bool:
        return f"best_val_accuracy: expected a number, found {kind_of(reported)}"
    if not math.isclose(float(reported), best, rel_tol=1e-6):
        if f"{float(reported):.4f}" == f"{best:.4f}":
            return (f"best_val_accuracy: you report {float(reported)!r}, a rounded copy of your best trial's score "
                    f"{best!r}: read the number from the trial instead of typing it")
        return (f"best_val_accuracy: your tuner's best trial scored {best:.4f} on validation data, "
                f"you report {float(reported):.4f}")
    # trials can tie on the best score (one validation image is 1/360): any of them is the best trial
    tied = {int(t["tuner/bracket"]) for t in trials if math.isclose(float(t["score"]), best, rel_tol=1e-9)}
    bracket = report["best_bracket"]
    if type(bracket) is not int or bracket not in tied:
        return "best_bracket: that is not the bracket your best trial ran in (each trial records its bracket)"
    return None


def _hyperband_report(facts: Mapping[str, Any], given: Any) -> str | None:
    """Outside the kernel: the search as the question asks for it, then the report against its trials."""
    tuner = facts["tuner"]
    problem = _search_problem(tuner, given or {})
    if problem:
        return problem
    return _report_problem(facts["report"], tuner["trials"])


# Libraries this module's facts are read with: the grading kernel imports them before any student code, so that
# its snapshot restores them too (dlcourse/grading/kernel.py).
SNAPSHOT_MODULES = ('keras_tuner',)

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
        id="q3_build_model", points=3, variable="build_model",
        facts=_build_model_facts, decide=_build_model_problem,
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
        id="q5_hyperband_report", points=3, variable="hyperband_report",
        facts=_hyperband_facts, given_facts=_hyperband_given, decide=_hyperband_report,
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
