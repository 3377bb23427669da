"""Questions of ``10_automated_tuning_with_optuna``.

Every graded question here is a ValueQuestion: its ``validate`` runs where the student's
objects live (their kernel for ``check`` and for ``dlcourse grade``) and checks what the
question asks — which parameters a trial was asked for and whether each one shapes the
built network; whether an objective reports every epoch's validation accuracy, returns the
last one and obeys its pruner (while it is checked, Keras shows stand-in accuracies that
say which curve and which epoch a number came from); which trials a study really holds, and
whether its sampler had the seed asked for (its random start is replayed, nothing is
trained) — never the mere shape of an answer. Messages say what is wrong without giving code.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from dlcourse.checking import ValueQuestion, WrittenQuestion

STUDY_HINT = "an Optuna study (optuna.Study)"


def _is_study(value: Any) -> bool:
    try:
        import optuna
    except ImportError:
        return False
    return isinstance(value, optuna.Study)


def _same_params(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    if set(a) != set(b):
        return False
    return all(math.isclose(a[k], b[k], rel_tol=1e-9) if isinstance(a[k], float) and isinstance(b[k], float)
               else a[k] == b[k] for k in a)


def _proposed_by(sampler, trials: Sequence) -> bool:
    """Whether a fresh ``sampler`` proposes the parameters of ``trials``, one after the other.

    Meant for trials of a sampler's random start (TPE's first ``n_startup_trials``): there a
    proposal depends only on the seed and on the parameters asked, in the order they were
    asked (a trial's ``distributions`` keep that order in every storage), not on the values
    measured. The replay asks each trial's parameters again in an empty study, and trains nothing.
    """
    import optuna

    replay = optuna.create_study(sampler=sampler)
    for original in trials:
        trial = replay.ask(dict(original.distributions))  # left running: it is never a finished trial
        if not _same_params(trial.params, original.params):
            return False
    return True


# --------------------------------------------------------------------------- q1: a conditional space


def _expected_distributions(n_layers: int) -> dict:
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    expected = {"n_layers": IntDistribution(1, 3), "learning_rate": FloatDistribution(1e-4, 1e-1, log=True),
                "activation": CategoricalDistribution(("relu", "tanh"))}
    expected.update({f"units_{i}": IntDistribution(16, 128, log=True) for i in range(n_layers)})
    return expected


DESCRIBE = {"n_layers": "an integer from 1 to 3", "learning_rate": "a float from 0.0001 to 0.1 on a log scale",
            "activation": "a choice between 'relu' and 'tanh'"}


def _space_problem(trial, n_layers: int) -> str | None:
    asked = dict(trial.distributions)
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


def _model_problem(model, params: Mapping[str, Any]) -> str | None:
    import keras

    if not isinstance(model, keras.Model):
        return f"build_net(trial) should return a Keras model, found {type(model).__name__}"
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    if not dense or dense[-1].units != 10 or keras.activations.serialize(dense[-1].activation) != "softmax":
        return "the last layer should be a Dense layer of 10 units with softmax"
    hidden = dense[:-1]
    if len(hidden) != params["n_layers"]:
        return (f"the trial asked for n_layers = {params['n_layers']} but the network has {len(hidden)} hidden Dense "
                "layer(s): the suggested value must decide the number of layers")
    for i, layer in enumerate(hidden):
        if layer.units != params[f"units_{i}"]:
            return f"hidden layer {i} has {layer.units} units, not the suggested units_{i} = {params[f'units_{i}']}"
        activation = keras.activations.serialize(layer.activation)
        if activation != params["activation"]:
            return f"hidden layer {i} uses activation {activation!r}, not the suggested {params['activation']!r}"
    if getattr(model, "optimizer", None) is None:
        return "compile the model inside build_net"
    optimizer = getattr(model.optimizer, "inner_optimizer", model.optimizer)  # a loss-scaling wrapper holds it
    if not isinstance(optimizer, keras.optimizers.Adam) or isinstance(optimizer, keras.optimizers.AdamW):
        return (f"the network is compiled with the {type(optimizer).__name__} optimizer; the question asks for Adam, "
                "with the suggested learning rate")
    rate = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
    if not math.isclose(rate, params["learning_rate"], rel_tol=1e-4):
        return f"the optimizer's learning rate is {rate:.3g}, not the suggested learning_rate = {params['learning_rate']:.3g}"
    return None


def validate_build_net(value: Any, namespace: Mapping[str, Any]) -> str | None:
    if not callable(value):
        return "expected a function build_net(trial)"
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=7))
    for n_layers, activation in ((1, "tanh"), (3, "relu"), (2, "tanh")):
        study.enqueue_trial({"n_layers": n_layers, "activation": activation}, skip_if_exists=False)
        trial = study.ask()
        try:
            model = value(trial)
        except Exception as exc:  # noqa: BLE001 - the student's error, reported as one line
            return f"build_net(trial) raised {type(exc).__name__}: {exc}"
        problem = _space_problem(trial, int(trial.params.get("n_layers", n_layers))) or _model_problem(model, trial.params)
        if problem:
            return problem
        study.tell(trial, 0.0)
    return None


# --------------------------------------------------------------------------- q2: an objective that reports and prunes


GOOD_SETTINGS = {"n_layers": 1, "units_0": 64, "learning_rate": 0.01, "activation": "relu"}


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


def _curve_of(number: Any, epoch: int, measured: list, validation: list[float], training: list[float]) -> str | None:
    """'validation' or 'training' if ``number`` is that accuracy of ``epoch`` (stand-in or measured)."""
    if number is None or epoch >= len(measured):
        return None
    number, i = float(number), min(epoch, len(validation) - 1)
    for name, stand_in, real in (("validation", validation[i], measured[epoch][0]),
                                 ("training", training[i], measured[epoch][1])):
        if any(v is not None and math.isclose(number, float(v), rel_tol=1e-6, abs_tol=1e-9) for v in (stand_in, real)):
            return name
    return None


def _curve_problem(trial, reported: list[float], measured: list, validation: list[float],
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
    returned = _curve_of(trial.value, last, measured, validation, training)
    if returned == "validation":
        return None
    if any(_curve_of(trial.value, k, measured, validation, training) == "validation" for k in range(last)):
        return ("the returned value is not the last epoch's validation accuracy but an earlier epoch's (the best "
                "one?): the network a trial leaves is the one after its last epoch, so return that epoch's value")
    if any(_curve_of(trial.value, k, measured, validation, training) == "training" for k in range(last + 1)):
        return ("the returned value is not the last epoch's validation accuracy but a training accuracy: return the "
                "validation accuracy after the last epoch")
    if None not in kinds:  # the reports are known, the returned value is none of the accuracies
        return ("the returned value is not the last epoch's validation accuracy that was reported: "
                "return the validation accuracy after the last epoch")
    return None  # numbers we cannot place (an accuracy computed another way): the checks below judge them


def validate_objective(value: Any, namespace: Mapping[str, Any]) -> str | None:
    if not callable(value):
        return "expected a function objective(trial)"
    import optuna

    epochs = namespace.get("EPOCHS")
    if not isinstance(epochs, int) or epochs < 1:
        return "run the setup cell first (it defines EPOCHS)"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=3),
                                pruner=optuna.pruners.NopPruner())
    study.enqueue_trial(GOOD_SETTINGS)
    validation, training = _stand_in_curves(epochs)
    with _stand_in_accuracies(validation, training) as stand_in:
        try:
            study.optimize(value, n_trials=1)
        except Exception as exc:  # noqa: BLE001
            return f"objective(trial) raised {type(exc).__name__}: {exc}"
    trial, measured = study.trials[0], stand_in.measured
    reported = [v for _, v in sorted(trial.intermediate_values.items())]
    if not reported:
        return ("nothing was reported to the trial: a pruner can only judge a trial from its reported learning curve; "
                "report each epoch's validation accuracy (the lesson's pruning callback does it)")
    if len(reported) != epochs:
        return f"{len(reported)} value(s) were reported, expected one per epoch (EPOCHS = {epochs})"
    if trial.value is None:
        return "the objective returned nothing: return the validation accuracy after the last epoch"
    problem = _curve_problem(trial, reported, measured, validation, training)
    if problem:
        return problem
    if not all(0.0 <= v <= 1.0 for v in reported):
        return "the reported values are not accuracies (between 0 and 1): report the validation accuracy, not a loss"
    last = len(reported) - 1
    placed = _curve_of(trial.value, last, measured, validation, training) == "validation"
    if not placed and not math.isclose(trial.value, reported[-1], rel_tol=1e-6, abs_tol=1e-9):
        return ("the returned value is not the last epoch's validation accuracy that was reported: "
                "return the validation accuracy after the last epoch")
    reached = measured[last][0] if placed and measured[last][0] is not None else trial.value
    if reached < 0.5:
        return (f"a one-layer network of 64 units with learning rate 0.01 reached only {reached:.2f} validation "
                "accuracy: is it trained on the training data for EPOCHS epochs?")
    stopper = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=4),
                                  pruner=optuna.pruners.ThresholdPruner(lower=1.01))  # prunes at the first report
    stopper.enqueue_trial(GOOD_SETTINGS)
    try:
        stopper.optimize(value, n_trials=1)
    except Exception as exc:  # noqa: BLE001
        return f"objective(trial) raised {type(exc).__name__} when its pruner asked to stop: {exc}"
    if stopper.trials[0].state != optuna.trial.TrialState.PRUNED:
        return ("the pruner asked to stop the trial after its first epoch, but training went on: the reports must "
                "also let the pruner stop the trial (the lesson's pruning callback does both)")
    return None


# --------------------------------------------------------------------------- q3: what pruning saved (run and report)


def validate_pruning(value: Any, namespace: Mapping[str, Any]) -> str | None:
    import optuna

    study, epochs = namespace.get("pruned_study"), namespace.get("EPOCHS")
    if not _is_study(study):
        return f"pruned_study should be {STUDY_HINT}: run your search first"
    if study.direction != optuna.study.StudyDirection.MAXIMIZE:
        return ("pruned_study minimizes its objective, but the objective is a validation accuracy: the question asks "
                "for a study that maximizes it (a minimizing sampler and pruner favour the worst networks)")
    if not isinstance(study.pruner, optuna.pruners.MedianPruner):
        return f"pruned_study uses a {type(study.pruner).__name__}; the question asks for a MedianPruner"
    startup, warmup = getattr(study.pruner, "_n_startup_trials", None), getattr(study.pruner, "_n_warmup_steps", None)
    if (startup, warmup) != (2, 0):
        return (f"pruned_study's median pruner waits for {startup} startup trial(s) and {warmup} warm-up step(s); "
                "the question asks for 2 startup trials and no warm-up steps")
    if not isinstance(study.sampler, optuna.samplers.TPESampler):
        return f"pruned_study uses a {type(study.sampler).__name__}; the question asks for a TPE sampler seeded with SEED"
    needed = namespace.get("N_PRUNE_TRIALS", 1)
    if len(study.trials) < needed:
        return f"pruned_study holds {len(study.trials)} trials; run N_PRUNE_TRIALS = {needed}"
    seed = namespace.get("SEED")
    if not isinstance(seed, int):
        return "run the setup cell first (it defines SEED)"
    start = [t for t in study.trials if t.number < getattr(study.sampler, "_n_startup_trials", 10)]  # TPE's random start
    if not _proposed_by(optuna.samplers.TPESampler(seed=seed), start):
        return ("pruned_study's first trials are not the ones a TPE sampler seeded with SEED proposes: seed the "
                "sampler with SEED when you create the study (then a rerun starts from the same proposals)")
    if not isinstance(value, Mapping) or set(value) != {"pruned", "epochs_saved"}:
        return "pruning should be a dict with the keys 'pruned' and 'epochs_saved'"
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in value.values()):
        return "both entries should be whole numbers (int)"
    states = [t.state for t in study.trials]
    if value["pruned"] != states.count(optuna.trial.TrialState.PRUNED):
        return ("'pruned' does not match pruned_study: count the trials whose state is PRUNED "
                "(not the failed ones, not all trials)")
    pruned = [t for t in study.trials if t.state == optuna.trial.TrialState.PRUNED]
    if value["epochs_saved"] != sum(epochs - len(t.intermediate_values) for t in pruned):
        return ("'epochs_saved' does not match pruned_study: count, for each pruned trial, the epochs it did not train; "
                "a trial reports one value per epoch it trained (steps count from 0), and a full trial trains EPOCHS epochs")
    return None


# --------------------------------------------------------------------------- q4: resume the stored study


def validate_resumed(value: Any, namespace: Mapping[str, Any]) -> str | None:
    import optuna

    if not _is_study(value):
        return f"resumed should be {STUDY_HINT}"
    name, storage, first = namespace.get("STUDY_NAME"), namespace.get("STORAGE"), namespace.get("first_params")
    if not (name and storage and first):
        return "run the cell that creates and stores the first study first"
    if value.study_name != name:
        return f"resumed is a study named {value.study_name!r}: resume the stored study {name!r}, do not start a new one"
    try:
        stored = optuna.load_study(study_name=name, storage=storage)
    except Exception as exc:  # noqa: BLE001
        return f"the stored study cannot be read back from {storage} ({type(exc).__name__}); rerun the cell that stores it"
    if [t.params for t in value.trials[: len(first)]] != first:
        return ("resumed does not start with the trials that were stored before the 'restart': it is a new study; "
                "load the stored one from its storage")
    if len(value.trials) != len(stored.trials):
        return ("resumed holds trials that are not in the storage: it is not the study kept in STORAGE "
                "(open it from the storage)")
    if len(value.trials) < len(first) + 2:
        return f"resumed holds {len(value.trials)} trials; run 2 more after the {len(first)} stored ones"
    seed = namespace.get("SEED")
    if not isinstance(seed, int):
        return "run the setup cell first (it defines SEED)"
    after = value.trials[len(first): len(first) + 2]  # random-start proposals of the sampler given after the restart
    try:
        replay = type(value.sampler)(seed=seed + 1)
    except TypeError:
        replay = None
    if replay is None or not _proposed_by(replay, after):
        return ("the trials run after the restart are not the ones a new sampler seeded with SEED + 1 proposes (the "
                "sampler is not stored with the study; with the first seed it would repeat the first proposals): rerun "
                "the cell that stores the study, then resume it with such a sampler")
    return None


# --------------------------------------------------------------------------- q5: did TPE beat random? (run and decide)


def validate_tpe_decision(value: Any, namespace: Mapping[str, Any]) -> str | None:
    table = namespace.get("comparison")
    if table is None or not {"seed", "TPE", "random"} <= set(getattr(table, "columns", [])):
        return "run the comparison cell first (it makes the table `comparison`)"
    if len(table) < 2:
        return "the comparison needs at least two seeds"
    if not isinstance(value, bool):
        return "tpe_beat_random should be True or False"
    wins = bool((table["TPE"] > table["random"]).all())
    if value != wins:
        return ("your decision does not follow from your own comparison table: by the rule in the question, TPE beat "
                "random only if its best accuracy is higher on every seed, not on average or on most seeds")
    return None


QUESTIONS = [
    ValueQuestion(
        id="q1_build_net", points=3, variable="build_net", validate=validate_build_net,
        hint="think about which values must come from the trial and which must only be asked when they are used; "
             "every suggested value should change the network it returns.",
    ),
    ValueQuestion(
        id="q2_objective", points=3, variable="objective", validate=validate_objective,
        hint="think about what a pruner needs to see during training and how it can stop a trial; then about which "
             "number the study should maximize.",
    ),
    ValueQuestion(
        id="q3_pruning", points=2, variable="pruning", validate=validate_pruning,
        hint="think about what a trial's state and its reported values tell you about how long it trained.",
    ),
    ValueQuestion(
        id="q4_resume", points=2, variable="resumed", validate=validate_resumed,
        hint="think about where the first study lives now that its Python object is gone, and how to open it "
             "again instead of creating a new one.",
    ),
    ValueQuestion(
        id="q5_tpe_vs_random", points=2, variable="tpe_beat_random", validate=validate_tpe_decision,
        hint="read your table seed by seed, and apply the rule stated in the question.",
    ),
    WrittenQuestion(
        id="q6_importance", points=2,
        rubric="(1) names the parameter with the largest importance in the student's own plot and its value; "
               "(2) says what importance means: the share of the variation of validation accuracy across the "
               "completed trials (pruned ones are left out) that the parameter explains, estimated by fANOVA on a "
               "random forest (the evaluator the plot cell passes explicitly; Optuna 5's default would be "
               "PED-ANOVA), not whether a large or small value is good, nor a causal effect in general; (3) explains "
               "that units_1/units_2 are missing because fANOVA uses only parameters present in every completed "
               "trial, which leaves the conditional ones out (PED-ANOVA, the default, would include them); (4) says "
               "a small difference or a ranking from few trials is not reliable: confirm it with more trials or "
               "with a study run with another sampler seed (the evaluator's own seed only varies the forest), and "
               "check the slice plot or the best trial for the direction.",
    ),
]
