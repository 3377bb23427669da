"""Questions of ``10_automated_tuning_with_optuna``.

Questions 1 to 4 are ValueQuestions judged in two steps (see
:class:`dlcourse.assessment.questions.ValueQuestion`). Its ``_*_facts`` runs where the
student's objects live and reads them as plain data: ``build_net`` called on trials of a
fresh in-memory study (what each trial was asked, what network came back); the objective
run for one trial while Keras shows stand-in accuracies that say which curve and which
epoch a number came from, and once under a pruner that asks to stop; a study's trials with
their states, parameters and distributions. Its decision, in the judging process, checks
what the question asks — never the mere shape of an answer — with the set-up's EPOCHS,
SEED and storage from the given facts (for the grader: the solution's run); a sampler's
seed is checked by replaying its random start there (nothing is trained). Question 5, the
run-and-decide question, is a function of the samplers' trial histories, judged on made-up
histories (public and hidden cases) and then applied to the student's run in the notebook.
Messages say what is wrong without giving code.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from dlcourse.assessment.compare import is_number
from dlcourse.assessment.facts import is_keras_model, plain, type_name
from dlcourse.assessment.questions import Case, FunctionQuestion, ValueQuestion, WrittenQuestion

STUDY_HINT = "an Optuna study (optuna.Study)"


def _error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


def _same_params(a: Any, b: Any) -> bool:
    if type(a) is not dict or type(b) is not dict or set(a) != set(b):
        return False
    return all(math.isclose(a[k], b[k], rel_tol=1e-9) if type(a[k]) is float and type(b[k]) is float
               else a[k] == b[k] for k in a)


def _distributions(trial: Any) -> dict[str, str]:
    """A trial's distributions, in the order they were asked, as Optuna's own JSON."""
    from optuna.distributions import distribution_to_json

    return {str(name): distribution_to_json(d) for name, d in dict.items(dict(trial.distributions))}


def _trial_facts(trial: Any) -> dict:
    """One frozen trial as plain data: its number, state, parameters, distributions and number of reports."""
    return {"number": int(trial.number), "state": trial.state.name, "params": plain(dict(trial.params)),
            "distributions": _distributions(trial), "reports": len(trial.intermediate_values)}


def _study_facts(study: Any) -> dict:
    """An Optuna study as plain data (only an exact ``optuna.Study`` is read)."""
    import optuna

    if type(study) is not optuna.Study:
        return {"type": type_name(study), "is_study": False}
    sampler, pruner = study.sampler, study.pruner
    return {"type": "Study", "is_study": True, "name": str(study.study_name), "direction": study.direction.name,
            "sampler": _optuna_class(sampler, optuna.samplers), "pruner": _optuna_class(pruner, optuna.pruners),
            "sampler_startup": plain(vars(sampler).get("_n_startup_trials")),
            "pruner_settings": [plain(vars(pruner).get(k)) for k in ("_n_startup_trials", "_n_warmup_steps")],
            "trials": [_trial_facts(t) for t in study.trials]}


def _optuna_class(value: Any, module: Any) -> str:
    """The name of ``value``'s class if it is exactly one of ``module``'s (``optuna.samplers`` ...), else
    that name with a mark: a subclass may behave otherwise."""
    name = type_name(value)
    return name if getattr(module, name, None) is type(value) else f"{name} (not Optuna's)"


def _proposed_by(sampler: Any, trials: Sequence[Mapping[str, Any]]) -> bool:
    """Whether a fresh ``sampler`` proposes the parameters of ``trials`` (plain facts), one after the other.

    Meant for trials of a sampler's random start (TPE's first ``n_startup_trials``): there a
    proposal depends only on the seed and on the parameters asked, in the order they were
    asked (a trial's ``distributions`` keep that order in every storage), not on the values
    measured. The replay, in the judging process, asks each trial's parameters again in an
    empty study, and trains nothing.
    """
    import optuna
    from optuna.distributions import json_to_distribution

    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # no "a new study created" line in the grader's output
    try:
        replay = optuna.create_study(sampler=sampler)
        for original in trials:
            asked = {name: json_to_distribution(text) for name, text in original["distributions"].items()}
            trial = replay.ask(asked)  # left running: it is never a finished trial
            if not _same_params(plain(trial.params), original["params"]):
                return False
        return True
    finally:
        optuna.logging.set_verbosity(verbosity)


# --------------------------------------------------------------------------- q1: a conditional space

PLANNED_TRIALS = ((1, "tanh"), (3, "relu"), (2, "tanh"))  # n_layers and activation of the trials build_net is given


def _expected_distributions(n_layers: int) -> dict:
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    expected = {"n_layers": IntDistribution(1, 3), "learning_rate": FloatDistribution(1e-4, 1e-1, log=True),
                "activation": CategoricalDistribution(("relu", "tanh"))}
    expected.update({f"units_{i}": IntDistribution(16, 128, log=True) for i in range(n_layers)})
    return expected


DESCRIBE = {"n_layers": "an integer from 1 to 3", "learning_rate": "a float from 0.0001 to 0.1 on a log scale",
            "activation": "a choice between 'relu' and 'tanh'"}


def _built_model_facts(model: Any) -> dict:
    """What ``build_net`` built, as plain data: its Dense layers (units, activation) and its optimizer."""
    import keras

    if not is_keras_model(model):
        return {"type": type_name(model)}
    dense = [{"units": plain(layer.units), "activation": plain(keras.activations.serialize(layer.activation))}
             for layer in model.layers if type(layer) is keras.layers.Dense]
    facts: dict = {"type": type_name(model), "dense": dense, "optimizer": None}
    optimizer = model.optimizer
    if optimizer is not None:
        inner = getattr(optimizer, "inner_optimizer", optimizer)  # a loss-scaling wrapper holds it
        try:
            rate = float(keras.ops.convert_to_numpy(inner.learning_rate))
        except Exception:  # noqa: BLE001 - a schedule: no single rate
            rate = None
        facts["optimizer"] = {"type": type_name(inner), "adam": type(inner) is keras.optimizers.Adam, "rate": rate}
    return facts


def _build_net_facts(value: Any, namespace: Mapping[str, Any]) -> dict:
    """In the kernel: ``build_net`` called as the exercise does, on trials of a fresh in-memory study (each
    trial's n_layers and activation planned), and for each trial what it asked and what it built."""
    if not callable(value):
        return {"callable": False, "trials": []}
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=7))
    trials = []
    for n_layers, activation in PLANNED_TRIALS:
        study.enqueue_trial({"n_layers": n_layers, "activation": activation}, skip_if_exists=False)
        trial = study.ask()
        try:
            model = value(trial)
        except Exception as exc:  # noqa: BLE001 - the student's error, reported as one line
            trials.append({"error": _error(exc)})
            break
        trials.append({"distributions": _distributions(trial), "params": plain(dict(trial.params)),
                       "model": _built_model_facts(model)})
        study.tell(trial, 0.0)
    return {"callable": True, "trials": trials}


def _space_problem(asked_json: Mapping[str, str], n_layers: int) -> str | None:
    from optuna.distributions import json_to_distribution

    asked = {name: json_to_distribution(text) for name, text in asked_json.items()}
    expected = _expected_distributions(n_layers)
    for name in ("n_layers", "learning_rate", "activation"):
        if name not in asked:
            return f"`{name}` is not asked from the trial: a fixed value is not searched; suggest it ({DESCRIBE[name]})"
    extra_units = sorted(n for n in asked if n.startswith("units_") and n not in expected)
    if extra_units:
        return (f"with n_layers = {n_layers} the trial was also asked for {', '.join(extra_units)}: ask for a layer's "
                "width only when that layer exists (a conditional space)")
    for name, distribution in expected.items():
        if name not in asked:
            return f"`{name}` is not asked from the trial although the network has {n_layers} hidden layer(s)"
        if asked[name] != distribution:
            what = DESCRIBE.get(name, "an integer from 16 to 128 on a log scale")
            return f"`{name}` should be {what}; it was asked as {asked[name]}"
    unknown = sorted(set(asked) - set(expected))
    if unknown:
        return f"unexpected parameters {unknown}: the space has n_layers, units_<i>, learning_rate and activation"
    return None


def _model_problem(model: Mapping[str, Any], params: Mapping[str, Any]) -> str | None:
    if "dense" not in model:
        return f"build_net(trial) should return a Keras model, found {model['type']}"
    dense = model["dense"]
    if not dense or dense[-1]["units"] != 10 or dense[-1]["activation"] != "softmax":
        return "the last layer should be a Dense layer of 10 units with softmax"
    hidden = dense[:-1]
    if len(hidden) != params["n_layers"]:
        return (f"the trial asked for n_layers = {params['n_layers']} but the network has {len(hidden)} hidden Dense "
                "layer(s): the suggested value must decide the number of layers")
    for i, layer in enumerate(hidden):
        if type(layer["units"]) is not int or layer["units"] != params[f"units_{i}"]:
            return f"hidden layer {i} has {layer['units']} units, not the suggested units_{i} = {params[f'units_{i}']}"
        if type(layer["activation"]) is not str or layer["activation"] != params["activation"]:
            return f"hidden layer {i} uses activation {layer['activation']!r}, not the suggested {params['activation']!r}"
    optimizer = model["optimizer"]
    if optimizer is None:
        return "compile the model inside build_net"
    if optimizer["adam"] is not True:
        return (f"the network is compiled with the {optimizer['type']} optimizer; the question asks for Adam, "
                "with the suggested learning rate")
    rate = optimizer["rate"]
    if not is_number(rate) or not math.isclose(rate, params["learning_rate"], rel_tol=1e-4):
        shown = f"{rate:.3g}" if is_number(rate) else "not one number"
        return f"the optimizer's learning rate is {shown}, not the suggested learning_rate = {params['learning_rate']:.3g}"
    return None


def _build_net(facts: Mapping[str, Any], given: Any) -> str | None:
    """Outside the kernel, question 1: every trial asked for the conditional space, and every suggested value
    shaped the network built."""
    if not facts["callable"]:
        return "expected a function build_net(trial)"
    if len(facts["trials"]) == 0:
        return "build_net(trial) could not be called"
    for (planned, _), trial in zip(PLANNED_TRIALS, facts["trials"]):
        if "error" in trial:
            return f"build_net(trial) raised {trial['error']}"
        params = trial["params"]
        n_layers = params.get("n_layers", planned)
        if type(n_layers) is not int:
            return f"`n_layers` should be {DESCRIBE['n_layers']}; it was {n_layers!r}"
        problem = _space_problem(trial["distributions"], n_layers) or _model_problem(trial["model"], params)
        if problem:
            return problem
    if len(facts["trials"]) != len(PLANNED_TRIALS):
        return "build_net(trial) was not called on every trial"
    return None


# --------------------------------------------------------------------------- q2: an objective that reports and prunes


GOOD_SETTINGS = {"n_layers": 1, "units_0": 64, "learning_rate": 0.01, "activation": "relu"}


def _epochs_given(namespace: Mapping[str, Any]) -> dict:
    """The set-up cell's EPOCHS (for the grader: as the solution's run has it)."""
    epochs = namespace.get("EPOCHS")
    if type(epochs) is not int or epochs < 1:
        raise ValueError("run the setup cell first (it defines EPOCHS)")
    return {"EPOCHS": epochs}


def _stand_in_curves(epochs: int) -> tuple[list[float], list[float]]:
    """Accuracies no network produces, one per epoch: a validation curve whose best epoch is not
    the last (when there are two epochs or more), and a training curve that differs from it."""
    n = max(epochs, 1)
    validation = [0.45 + 0.4 * (i + 1) / (n + 1) + 0.00137 for i in range(n)]
    if n > 1:
        validation[-1] = 0.35137  # below every earlier epoch
    return validation, [v + 0.0731 for v in validation]


@contextlib.contextmanager
def _stand_in_accuracies(validation: list[float], training: list[float]) -> Iterator:
    """While active, each epoch of a Keras ``fit`` shows ``validation`` and ``training`` (epoch by
    epoch, counted across fits) as its ``val_accuracy`` and ``accuracy`` to the callbacks after
    ours and to its History — so the numbers an objective reports and returns say which curve
    and which epoch they came from. What Keras really measured is kept in ``.measured``."""
    import keras

    class StandIn(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.measured: list[tuple[float | None, float | None]] = []  # (val_accuracy, accuracy) per epoch

        def on_epoch_end(self, epoch, logs=None):
            if logs is None:
                return
            i = min(len(self.measured), len(validation) - 1)
            self.measured.append((logs.get("val_accuracy"), logs.get("accuracy")))
            if "val_accuracy" in logs:  # the logs are shared: later callbacks and the History see these
                logs["val_accuracy"] = validation[i]
            if "accuracy" in logs:
                logs["accuracy"] = training[i]

    stand_in = StandIn()
    own = vars(keras.Model).get("fit")
    original = keras.Model.fit
    signature = inspect.signature(original)

    @functools.wraps(original)
    def fit(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.arguments["callbacks"] = [stand_in, *(bound.arguments.get("callbacks") or [])]
        return original(*bound.args, **bound.kwargs)

    keras.Model.fit = fit
    try:
        yield stand_in
    finally:
        if own is None:
            del keras.Model.fit
        else:
            keras.Model.fit = own


def _objective_facts(value: Any, namespace: Mapping[str, Any]) -> dict:
    """In the kernel: the objective run for one trial of good settings while Keras shows stand-in accuracies
    (what it reported, returned and what Keras really measured), then once more under a pruner that asks to
    stop at the first report (the trial's state). EPOCHS is the student's, as their objective reads it."""
    if not callable(value):
        return {"callable": False}
    epochs = namespace.get("EPOCHS")
    facts: dict = {"callable": True, "epochs": plain(epochs)}
    if type(epochs) is not int or epochs < 1:
        return facts
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=3),
                                pruner=optuna.pruners.NopPruner())
    study.enqueue_trial(GOOD_SETTINGS)
    with _stand_in_accuracies(*_stand_in_curves(epochs)) as stand_in, _library_callback_calls() as library_calls:
        try:
            study.optimize(value, n_trials=1)
        except Exception as exc:  # noqa: BLE001
            return {**facts, "error": _error(exc)}
    facts["library_callback"] = bool(library_calls)
    trial = study.trials[0]
    facts.update(reported=[plain(v) for _, v in sorted(trial.intermediate_values.items())], value=plain(trial.value),
                 measured=[list(plain(m)) for m in stand_in.measured])
    stopper = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=4),
                                  pruner=optuna.pruners.ThresholdPruner(lower=1.01))  # prunes at the first report
    stopper.enqueue_trial(GOOD_SETTINGS)
    try:
        stopper.optimize(value, n_trials=1)
        facts["stopped"] = stopper.trials[0].state.name
    except Exception as exc:  # noqa: BLE001
        facts["stopper_error"] = _error(exc)
    return facts


# optuna_integration's pruning callbacks, for Keras and for tf.keras: (module, class)
LIBRARY_CALLBACKS = (("optuna_integration.keras", "KerasPruningCallback"),
                     ("optuna_integration.tfkeras", "TFKerasPruningCallback"))


@contextlib.contextmanager
def _library_callback_calls() -> Iterator[list]:
    """Count the epochs that optuna_integration's pruning callbacks handle while the objective runs (the question
    asks the student to report and prune without them)."""
    import importlib

    calls: list = []
    patched = []
    for module, name in LIBRARY_CALLBACKS:
        try:
            callback = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):  # not installed: nobody can use it
            continue
        original = vars(callback).get("on_epoch_end")
        if original is None:
            continue

        def counted(self, *args, _original=original, **kwargs):
            calls.append(1)
            return _original(self, *args, **kwargs)

        callback.on_epoch_end = counted
        patched.append((callback, original))
    try:
        yield calls
    finally:
        for callback, original in patched:
            callback.on_epoch_end = original


def _curve_of(number: Any, epoch: int, measured: list, validation: list[float], training: list[float]) -> str | None:
    """'validation' or 'training' if ``number`` is that accuracy of ``epoch`` (stand-in or measured)."""
    if not is_number(number) or epoch >= len(measured):
        return None
    number, i = float(number), min(epoch, len(validation) - 1)
    for name, stand_in, real in (("validation", validation[i], measured[epoch][0]),
                                 ("training", training[i], measured[epoch][1])):
        if any(is_number(v) and math.isclose(number, float(v), rel_tol=1e-6, abs_tol=1e-9) for v in (stand_in, real)):
            return name
    return None


def _curve_problem(value: Any, reported: list[float], measured: list, validation: list[float],
                   training: list[float]) -> str | None:
    """What is wrong with what the objective reported and returned, read against the curves."""
    kinds = [_curve_of(v, k, measured, validation, training) for k, v in enumerate(reported)]
    if kinds and all(kind == "training" for kind in kinds):
        return ("the values reported to the trial are the training accuracy, not the validation accuracy: a pruner "
                "must judge a trial on data its network is not trained on")
    validated = len(measured) >= len(reported) and all(m[0] is not None for m in measured[: len(reported)])
    if None in kinds and validated:  # Keras measured each epoch's validation accuracy, and the reports are not it
        return ("the values reported to the trial are not each epoch's validation accuracy (a loss, or another "
                "metric?): report the validation accuracy of every epoch")
    last = len(reported) - 1
    returned = _curve_of(value, last, measured, validation, training)
    if returned == "validation":
        return None
    if any(_curve_of(value, k, measured, validation, training) == "validation" for k in range(last)):
        return ("the returned value is not the last epoch's validation accuracy but an earlier epoch's (the best "
                "one?): the network a trial leaves is the one after its last epoch, so return that epoch's value")
    if any(_curve_of(value, k, measured, validation, training) == "training" for k in range(last + 1)):
        return ("the returned value is not the last epoch's validation accuracy but a training accuracy: return the "
                "validation accuracy after the last epoch")
    if None not in kinds:  # the reports are known, the returned value is none of the accuracies
        return ("the returned value is not the last epoch's validation accuracy that was reported: "
                "return the validation accuracy after the last epoch")
    return None  # numbers we cannot place (an accuracy computed another way): the checks below judge them


def _objective(facts: Mapping[str, Any], given: Mapping[str, Any]) -> str | None:
    """Outside the kernel, question 2: the objective reports each epoch's validation accuracy (EPOCHS of the
    set-up), returns the last one, trains a good network well, and stops when its pruner asks."""
    if not facts["callable"]:
        return "expected a function objective(trial)"
    epochs = given["EPOCHS"]
    if facts["epochs"] != epochs:
        return (f"`EPOCHS` is {facts['epochs']!r} in your notebook, but the setup cell sets {epochs}: run the setup "
                "cell again (a full trial trains EPOCHS epochs)")
    if "error" in facts:
        return f"objective(trial) raised {facts['error']}"
    if facts.get("library_callback") is not False:
        return (f"your objective uses one of optuna_integration's pruning callbacks "
                f"({' or '.join(name for _, name in LIBRARY_CALLBACKS)}), which report and prune for you (the lesson's "
                "way): this question asks you to do both yourself, in a Keras callback of your own or an epoch loop")
    reported, value, measured = facts["reported"], facts["value"], facts["measured"]
    if type(reported) is not list or not all(is_number(v) for v in reported) or type(measured) is not list:
        return "what was reported to the trial could not be read"
    if not reported:
        return ("nothing was reported to the trial: a pruner can only judge a trial from its reported learning curve; "
                "report each epoch's validation accuracy, with the epoch as the step")
    if len(reported) != epochs:
        return f"{len(reported)} value(s) were reported, expected one per epoch (EPOCHS = {epochs})"
    if value is None:
        return "the objective returned nothing: return the validation accuracy after the last epoch"
    if not is_number(value):
        return f"the objective returned {value!r}: return the validation accuracy after the last epoch, a number"
    validation, training = _stand_in_curves(epochs)
    problem = _curve_problem(value, reported, measured, validation, training)
    if problem:
        return problem
    if not all(0.0 <= v <= 1.0 for v in reported):
        return "the reported values are not accuracies (between 0 and 1): report the validation accuracy, not a loss"
    last = len(reported) - 1
    placed = _curve_of(value, last, measured, validation, training) == "validation"
    if not placed and not math.isclose(value, reported[-1], rel_tol=1e-6, abs_tol=1e-9):
        return ("the returned value is not the last epoch's validation accuracy that was reported: "
                "return the validation accuracy after the last epoch")
    reached = measured[last][0] if placed and is_number(measured[last][0]) else value
    if reached < 0.5:
        return (f"a one-layer network of 64 units with learning rate 0.01 reached only {reached:.2f} validation "
                "accuracy: is it trained on the training data for EPOCHS epochs?")
    if "stopper_error" in facts:
        return f"objective(trial) raised {facts['stopper_error']} when its pruner asked to stop"
    if facts.get("stopped") != "PRUNED":
        return ("the pruner asked to stop the trial after its first epoch, but training went on: the reports must "
                "also let the pruner stop the trial: ask the trial after each report whether it should be pruned")
    return None


# --------------------------------------------------------------------------- q3: what pruning saved (run and report)


def _pruning_given(namespace: Mapping[str, Any]) -> dict:
    """The set-up cell's EPOCHS, N_PRUNE_TRIALS and SEED (for the grader: as the solution's run has them)."""
    values = {name: namespace.get(name) for name in ("EPOCHS", "N_PRUNE_TRIALS", "SEED")}
    if any(type(v) is not int for v in values.values()):
        raise ValueError("run the setup cell first (it defines EPOCHS, N_PRUNE_TRIALS and SEED)")
    return values


def _pruning_facts(value: Any, namespace: Mapping[str, Any]) -> dict:
    """In the kernel: the answer and the study ``pruned_study`` as plain data."""
    return {"value": plain(value), "study": _study_facts(namespace.get("pruned_study"))}


def _pruning(facts: Mapping[str, Any], given: Mapping[str, Any]) -> str | None:
    """Outside the kernel, question 3: the study was run as asked, and the answer counts its pruned trials and
    the epochs they did not train."""
    import optuna

    study, value = facts["study"], facts["value"]
    if study["is_study"] is not True:
        return f"pruned_study should be {STUDY_HINT}: run your search first"
    if study["direction"] != "MAXIMIZE":
        return ("pruned_study minimizes its objective, but the objective is a validation accuracy: the question asks "
                "for a study that maximizes it (a minimizing sampler and pruner favour the worst networks)")
    if study["pruner"] != "MedianPruner":
        return f"pruned_study uses a {study['pruner']}; the question asks for a MedianPruner"
    startup, warmup = study["pruner_settings"]
    if (startup, warmup) != (2, 0):
        return (f"pruned_study's median pruner waits for {startup} startup trial(s) and {warmup} warm-up step(s); "
                "the question asks for 2 startup trials and no warm-up steps")
    if study["sampler"] != "TPESampler":
        return f"pruned_study uses a {study['sampler']}; the question asks for a TPE sampler seeded with SEED"
    trials, needed = study["trials"], given["N_PRUNE_TRIALS"]
    if len(trials) < needed:
        return f"pruned_study holds {len(trials)} trials; run N_PRUNE_TRIALS = {needed}"
    n_start = study["sampler_startup"] if type(study["sampler_startup"]) is int else 10
    start = [t for t in trials if t["number"] < max(n_start, 1)]  # TPE's random start
    if not _proposed_by(optuna.samplers.TPESampler(seed=given["SEED"]), start):
        return ("pruned_study's first trials are not the ones a TPE sampler seeded with SEED proposes: seed the "
                "sampler with SEED when you create the study (then a rerun starts from the same proposals)")
    if type(value) is not dict or set(value) != {"pruned", "epochs_saved"}:
        return "pruning should be a dict with the keys 'pruned' and 'epochs_saved'"
    if not all(type(v) is int for v in value.values()):
        return "both entries should be whole numbers (int)"
    pruned = [t for t in trials if t["state"] == "PRUNED"]
    if value["pruned"] != len(pruned):
        return ("'pruned' does not match pruned_study: count the trials whose state is PRUNED "
                "(not the failed ones, not all trials)")
    if value["epochs_saved"] != sum(given["EPOCHS"] - t["reports"] for t in pruned):
        return ("'epochs_saved' does not match pruned_study: count, for each pruned trial, the epochs it did not train; "
                "a trial reports one value per epoch it trained (steps count from 0), and a full trial trains EPOCHS epochs")
    return None


# --------------------------------------------------------------------------- q4: resume the stored study


def _resume_given(namespace: Mapping[str, Any]) -> dict:
    """The stored study's storage, name and first trials' parameters, and SEED (for the grader: as the
    solution's run has them)."""
    name, storage, first = (namespace.get(k) for k in ("STUDY_NAME", "STORAGE", "first_params"))
    if not (name and storage and first):
        raise ValueError("run the cell that creates and stores the first study first")
    if type(namespace.get("SEED")) is not int:
        raise ValueError("run the setup cell first (it defines SEED)")
    return {"STUDY_NAME": plain(name), "STORAGE": plain(storage), "first_params": plain(first), "SEED": namespace["SEED"]}


def _resume_facts(value: Any, namespace: Mapping[str, Any]) -> dict:
    """In the kernel: ``resumed`` as plain data, and how many trials the study stored under the namespace's
    STORAGE and STUDY_NAME holds, read back from that storage."""
    import optuna

    name, storage = namespace.get("STUDY_NAME"), namespace.get("STORAGE")
    facts = {"study": _study_facts(value), "STORAGE": plain(storage), "STUDY_NAME": plain(name), "stored": None}
    if type(name) is str and type(storage) is str:
        try:
            facts["stored"] = len(optuna.load_study(study_name=name, storage=storage).trials)
        except Exception as exc:  # noqa: BLE001
            facts["stored"] = _error(exc)
    return facts


def _resumed(facts: Mapping[str, Any], given: Mapping[str, Any]) -> str | None:
    """Outside the kernel, question 4: ``resumed`` is the stored study, opened from its storage and run two more
    trials with a sampler seeded with SEED + 1."""
    import optuna

    study, name, storage, first = facts["study"], given["STUDY_NAME"], given["STORAGE"], given["first_params"]
    if study["is_study"] is not True:
        return f"resumed should be {STUDY_HINT}"
    if (facts["STUDY_NAME"], facts["STORAGE"]) != (name, storage):
        return ("`STORAGE` or `STUDY_NAME` is not what the cell that stores the first study sets any more: run that "
                "cell again and leave them as they are")
    if study["name"] != name:
        return f"resumed is a study named {study['name']!r}: resume the stored study {name!r}, do not start a new one"
    stored = facts["stored"]
    if type(stored) is not int:
        return f"the stored study cannot be read back from {storage} ({stored}); rerun the cell that stores it"
    trials = study["trials"]
    if len(trials) < len(first) or not all(_same_params(t["params"], p) for t, p in zip(trials, first)):
        return ("resumed does not start with the trials that were stored before the 'restart': it is a new study; "
                "load the stored one from its storage")
    if len(trials) != stored:
        return ("resumed holds trials that are not in the storage: it is not the study kept in STORAGE "
                "(open it from the storage)")
    if len(trials) < len(first) + 2:
        return f"resumed holds {len(trials)} trials; run 2 more after the {len(first)} stored ones"
    after = trials[len(first): len(first) + 2]  # random-start proposals of the sampler given after the restart
    sampler_class = getattr(optuna.samplers, study["sampler"], None)
    try:
        replay = sampler_class(seed=given["SEED"] + 1) if sampler_class is not None else None
    except TypeError:
        replay = None
    if replay is None or not _proposed_by(replay, after):
        return ("the trials run after the restart are not the ones a new sampler seeded with SEED + 1 proposes (the "
                "sampler is not stored with the study; with the first seed it would repeat the first proposals): rerun "
                "the cell that stores the study, then resume it with such a sampler")
    return None


# --------------------------------------------------------------------------- q5: did TPE beat random? (run and decide)
# A function of the trial histories, judged on made-up histories, because a student's own run cannot tell a
# right rule from a wrong one: TPE's first 10 trials are its random start, the very draws of random search with
# the same seed (Optuna 5.1), so in the smoke run (3 trials) both samplers tie on every seed, and "higher on
# average", "ahead on most seeds" or "ahead on any seed" decided it as the rule does. In the full run (30 trials)
# both reach the ceiling of 1.0 on most seeds, and "ahead on most seeds" still agrees with the rule there.
#
# The rule (lesson 10's): TPE beat random search within n trials only if, on every seed, the best value TPE found
# in its first n trials is higher than the best random search found in its first n trials with the same seed. The
# hidden cases are drawn so that each misreading decides one of them differently: the best over all trials, over
# one trial more or less, over trials counted from 1, or TPE's first n against all of random search's; the n-th
# trial's value, the last one's or the mean of the first n instead of the best so far; a tie counted as a win;
# ahead on average, on most seeds, on any seed or by the median gain; seeds paired by their position in the dicts
# instead of by seed; the samplers compared unpaired (their sorted bests, TPE's worst against random's best, the
# best of all seeds); the mean difference against the spread of the differences, or a t-test over the seeds; and
# a difference in either direction. The public cases are one case of each kind, drawn once.

SAMPLERS = ("TPE", "random")
FLOOR = 166  # accuracies are counts of the 360 validation images; poor settings of the SVC score 166 / 360 = 0.4611


def _accuracy(count: int) -> float:
    return round(count / 360, 4)


def _seed_values(rng: np.random.Generator, length: int, best: int, at: int, below: int,
                 later: Mapping[int, int] | None = None, poor: float = 0.3, near: bool = False) -> list[float]:
    """One sampler's ``length`` values on one seed, in trial order: ``best`` (a count of images) at trial index
    ``at``, every other value below ``below`` (below both samplers' bests on this seed), except the values that
    ``later`` places (index: count). A share ``poor`` of the others score the poor settings' FLOOR; with ``near``,
    the rest lie within 15 images below ``below`` (a sampler that keeps to a good region)."""
    counts = rng.integers(below - 15 if near else FLOOR, below, length)
    counts[rng.random(length) < poor] = FLOOR  # many trials of SVC's poor corner score the same
    counts[at] = best
    for index, count in (later or {}).items():
        counts[index] = count
    return [_accuracy(int(c)) for c in counts]


def _levels(rng: np.random.Generator, n_seeds: int) -> list[int]:
    """Random search's best (a count of images) for each seed, at least 15 images apart: a gain of TPE on its own
    seed (at most 12 images) stays below the next seed's level, so pairing the wrong seeds shows."""
    while True:
        levels = sorted(int(v) for v in rng.choice(np.arange(250, 346), n_seeds, replace=False))
        if min(b - a for a, b in zip(levels, levels[1:])) >= 15:
            return list(rng.permutation(levels))


def _tpe_case(rng: np.random.Generator, kind: str, n: int | None = None,
              seeds: list[int] | None = None) -> tuple[tuple, dict]:
    """Made-up histories of one kind, with each sampler's seeds listed in a different order.

    "ahead" (TPE ahead on every seed within n trials): on one seed its best comes at the n-th trial (one trial
    fewer misses it), on another random search's best does (the n-th values alone put TPE behind), on a third
    random search overtakes at trial n + 1 and ends above (so one trial more, the best of all trials or the last
    values put TPE behind); TPE leads by one image on every seed but one, where it leads by 9 to 12 (so its mean
    gain is smaller than the spread of the gains). "tie": ahead on every seed but one, where both bests are equal
    and TPE reaches it in an earlier trial.
    "crossed": behind on every seed but the lowest, where TPE beats every seed's best (ahead on average, on the
    sorted bests and on the best of all seeds). "behind": random search ahead on every seed within n trials, TPE
    ahead on every seed later, and TPE's trials better on average (it keeps to a good region, random search's
    other trials all score the poor settings' FLOOR)."""
    n = n if n is not None else int(rng.integers(4, 31))
    length = n + int(rng.integers(2, 8))
    if seeds is None:
        seeds = sorted(int(s) for s in rng.choice(100, int(rng.integers(3, 6)), replace=False))
    levels = _levels(rng, len(seeds))
    history: dict[str, dict[int, list[float]]] = {name: {} for name in SAMPLERS}
    gains = [1] * len(seeds)
    if kind == "ahead":
        gains[int(rng.integers(len(seeds)))] = int(rng.integers(9, 13))
    elif kind == "tie":
        gains = [int(g) for g in rng.integers(1, 13, len(seeds))]
        gains[int(rng.integers(len(seeds)))] = 0
    elif kind == "behind":
        gains = [-int(g) for g in rng.integers(1, 13, len(seeds))]
    roles = list(rng.permutation(len(seeds)))  # in "ahead": seeds[roles[0]], [1], [2] carry the three traps
    for i, seed in enumerate(seeds):
        level = levels[i]
        tpe_best = level + gains[i]
        if kind == "crossed":
            ranked = sorted(levels)
            below = [v for v in ranked if v < level]
            tpe_best = ranked[-1] + 1 if not below else below[-1] + 1
        low = min(tpe_best, level)
        tpe_at, random_at = int(rng.integers(n - 1)), int(rng.integers(n - 1))
        if kind == "tie" and gains[i] == 0:  # TPE reaches the shared best first: still a tie, not a win (a rule
            tpe_at, random_at = sorted(int(v) for v in rng.choice(n - 1, 2, replace=False))  # a blind attack found)
        tpe_later: dict[int, int] = {}
        random_later: dict[int, int] = {}
        if kind == "ahead" and i == roles[0]:
            tpe_at = n - 1
        elif kind == "ahead" and i == roles[1]:
            random_at = n - 1
        elif kind == "ahead" and i == roles[2]:
            random_later = {n: tpe_best + 2, length - 1: tpe_best + 2}
        elif kind == "behind":
            tpe_later = {int(rng.integers(n, length)): level + 13}
        behind = kind == "behind"
        history["TPE"][seed] = _seed_values(rng, length, tpe_best, tpe_at, low, tpe_later, poor=0.0 if behind else 0.3,
                                            near=behind)
        history["random"][seed] = _seed_values(rng, length, level, random_at, low, random_later,
                                               poor=1.0 if behind else 0.3)
    while True:  # two different orders of the seeds
        orders = [list(rng.permutation(seeds)) for _ in SAMPLERS]
        if orders[0] != orders[1]:
            break
    shuffled = {name: {int(seed): history[name][int(seed)] for seed in order} for name, order in zip(SAMPLERS, orders)}
    return (shuffled, n), {}


_TPE_KINDS = ("ahead", "tie", "crossed", "behind")


def _tpe_cases(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    return [_tpe_case(rng, kind) for kind in _TPE_KINDS]


# one case of each kind on three seeds, drawn once with fixed seeds as the hidden cases are drawn: TPE ahead on every
# seed, a tie on one seed, behind on two seeds but ahead on average, behind on every seed
PUBLIC_AHEAD = _tpe_case(np.random.default_rng(10), "ahead", n=4, seeds=[0, 1, 2])[0]
PUBLIC_TIE = _tpe_case(np.random.default_rng(11), "tie", n=5, seeds=[0, 1, 2])[0]
PUBLIC_CROSSED = _tpe_case(np.random.default_rng(12), "crossed", n=6, seeds=[0, 1, 2])[0]
PUBLIC_BEHIND = _tpe_case(np.random.default_rng(13), "behind", n=5, seeds=[0, 1, 2])[0]


# Libraries this module's facts are read with: the grading kernel imports them before any student code, so that
# its snapshot restores them too (dlcourse/grading/kernel.py).
SNAPSHOT_MODULES = ('optuna',)

QUESTIONS = [
    ValueQuestion(
        id="q1_build_net", points=3, variable="build_net", facts=_build_net_facts, decide=_build_net,
        hint="think about which values must come from the trial and which must only be asked when they are used; "
             "every suggested value should change the network it returns.",
    ),
    ValueQuestion(
        id="q2_objective", points=3, variable="objective", facts=_objective_facts,
        given_facts=_epochs_given, decide=_objective,
        hint="think about the two things a pruning callback asks of the trial at the end of every epoch, and what "
             "it raises when the trial should stop; then about which number the study should maximize.",
    ),
    ValueQuestion(
        id="q3_pruning", points=2, variable="pruning", facts=_pruning_facts,
        given_facts=_pruning_given, decide=_pruning,
        hint="think about what a trial's state and its reported values tell you about how long it trained.",
    ),
    ValueQuestion(
        id="q4_resume", points=2, variable="resumed", facts=_resume_facts,
        given_facts=_resume_given, decide=_resumed,
        hint="think about where the first study lives now that its Python object is gone, and how to open it "
             "again instead of creating a new one.",
    ),
    FunctionQuestion(
        id="q5_tpe_vs_random", points=2, function="tpe_ahead",
        public=[Case(PUBLIC_AHEAD, True), Case(PUBLIC_TIE, False), Case(PUBLIC_CROSSED, False),
                Case(PUBLIC_BEHIND, False)],
        hidden=_tpe_cases,
        hint="for each seed, look only at the first n_trials values of each sampler and take the best of them; then "
             "compare the two samplers seed by seed, matching each seed to the same seed, and apply the rule to "
             "every seed.",
    ),
    WrittenQuestion(
        id="q6_importance", points=2,
        rubric="(1) names the parameter with the largest importance in the student's own plot and its value; "
               "(2) says what importance means: the share of the variation of validation accuracy across the "
               "completed trials (pruned ones are left out) that the parameter explains, estimated by fANOVA on a "
               "random forest (the evaluator the plot cell passes explicitly; Optuna 5's default would be "
               "PED-ANOVA), not whether a large or small value is good, nor a causal effect in general; (3) explains "
               "that units_1/units_2, where missing, are missing because fANOVA uses only parameters present in every "
               "completed trial, which leaves a conditional one out as soon as one completed trial lacks it "
               "(PED-ANOVA, the default, would include them); (4) says "
               "a small difference or a ranking from few trials is not reliable: confirm it with more trials or "
               "with a study run with another sampler seed (the evaluator's own seed only varies the forest), and "
               "check the slice plot or the best trial for the direction.",
    ),
]
