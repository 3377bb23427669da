"""Optuna TPE, and TPE with pruning, as methods of the equal-budget comparison (benchmarks/tuner_comparison.py).

Each method is a function ``(space, budget, seed, data) -> dict(best_val_accuracy, epochs,
trials, seconds)``, the interface of the comparison's method registry:

- ``space``: the comparison's search space as a keras-tuner model-building function
  ``build_model(hp)``; :class:`TrialAsHyperParameters` lets Optuna's trial answer its
  ``hp.Int`` / ``hp.Float`` / ``hp.Choice`` / ``hp.Boolean`` calls, so both libraries search the
  very same space (a log-stepped range such as 16, 32, 64 becomes an ordered integer index);
- ``budget``: the trials and the epochs of one trial, as a mapping or an object with
  ``max_trials`` (or ``n_trials``) and ``epochs_per_trial`` (or ``max_epochs`` / ``epochs``);
- ``data``: ``(x_train, y_train, x_val, y_val)`` or ``((x_train, y_train), (x_val, y_val))``.

``optuna_tpe`` runs ``max_trials`` trials of ``epochs_per_trial`` epochs, like the grid, random
and Bayesian searches. ``optuna_tpe_pruned`` gets the same number of epochs in all,
``max_trials * epochs_per_trial``, and a MedianPruner: the epochs a pruned trial does not use
go to further trials; it starts no trial that the remaining epochs cannot finish. Epochs are
counted from what each trial reported (one value per trained epoch), not estimated.

Register them (three lines in tuner_comparison.py):

    from optuna_methods import OPTUNA_METHODS   # benchmarks/ is the script's folder
    METHODS.update(OPTUNA_METHODS)              # or however the registry is named
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from typing import Any


class TrialAsHyperParameters:
    """keras-tuner's ``hp`` interface, answered by an Optuna trial."""

    def __init__(self, trial):
        self.trial = trial

    def Int(self, name, min_value, max_value, step=None, sampling="linear", default=None, **_):  # noqa: N802
        if sampling == "log" and step and step > 1:  # keras-tuner: min, min*step, min*step**2, ... <= max
            count = int(math.floor(math.log(max_value / min_value) / math.log(step) + 1e-9)) + 1
            return int(min_value * step ** self.trial.suggest_int(f"{name}_index", 0, count - 1))
        return self.trial.suggest_int(name, min_value, max_value, step=step or 1, log=sampling == "log" and not step)

    def Float(self, name, min_value, max_value, step=None, sampling="linear", default=None, **_):  # noqa: N802
        if sampling == "log" and step:
            count = int(math.floor(math.log(max_value / min_value) / math.log(step) + 1e-9)) + 1
            return float(min_value * step ** self.trial.suggest_int(f"{name}_index", 0, count - 1))
        return self.trial.suggest_float(name, min_value, max_value, step=step, log=sampling == "log")

    def Choice(self, name, values, ordered=None, default=None, **_):  # noqa: N802
        return self.trial.suggest_categorical(name, list(values))

    def Boolean(self, name, default=False, **_):  # noqa: N802
        return self.trial.suggest_categorical(name, [False, True])

    def Fixed(self, name, value, **_):  # noqa: N802
        return value


def _field(budget: Any, *names: str) -> int:
    for name in names:
        value = budget.get(name) if isinstance(budget, Mapping) else getattr(budget, name, None)
        if value is not None:
            return int(value)
    raise KeyError(f"the budget has none of {names}")


def _split(data: Any) -> tuple:
    if isinstance(data, Mapping):
        return data["x_train"], data["y_train"], data["x_val"], data["y_val"]
    if len(data) == 2:
        (x_train, y_train), (x_val, y_val) = data
        return x_train, y_train, x_val, y_val
    return tuple(data)


def _run(space: Callable, budget: Any, seed: int, data: Any, *, pruned: bool) -> dict:
    import keras
    import optuna
    from optuna_integration import KerasPruningCallback

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    keras.utils.set_random_seed(seed)
    x_train, y_train, x_val, y_val = _split(data)
    trials = _field(budget, "max_trials", "n_trials")
    epochs = _field(budget, "epochs_per_trial", "max_epochs", "epochs")
    total = trials * epochs
    pruner = optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1) if pruned else optuna.pruners.NopPruner()
    # TPE's default random start is 10 trials: more than the 9 full trials of this budget, so it would never model
    # anything. 3, as keras-tuner's Bayesian search gets here (BAYESIAN_INITIAL_POINTS).
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=3)
    study = optuna.create_study(direction="maximize", sampler=sampler, pruner=pruner)

    def objective(trial):
        model = space(TrialAsHyperParameters(trial))
        history = model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs, batch_size=32, verbose=0,
                            callbacks=[KerasPruningCallback(trial, "val_accuracy")])
        return max(history.history["val_accuracy"])  # as keras-tuner scores a trial: its best epoch

    def spent() -> int:
        return sum(len(t.intermediate_values) for t in study.trials)

    def stop_when_spent(study, trial):
        if total - spent() < epochs:  # the rest cannot pay for one more full trial
            study.stop()

    start = time.perf_counter()
    if pruned:
        study.optimize(objective, callbacks=[stop_when_spent])
    else:
        study.optimize(objective, n_trials=trials)
    return {"best_val_accuracy": float(study.best_value), "epochs": spent(), "trials": len(study.trials),
            "seconds": time.perf_counter() - start}


def optuna_tpe(space: Callable, budget: Any, seed: int, data: Any) -> dict:
    """Optuna's TPE (multivariate by default in Optuna 5): max_trials full trials."""
    return _run(space, budget, seed, data, pruned=False)


def optuna_tpe_pruned(space: Callable, budget: Any, seed: int, data: Any) -> dict:
    """Optuna's TPE with a MedianPruner, on the same total epochs as max_trials full trials."""
    return _run(space, budget, seed, data, pruned=True)


OPTUNA_METHODS = {"optuna-tpe": optuna_tpe, "optuna-tpe-pruned": optuna_tpe_pruned}


if __name__ == "__main__":  # a quick look without the comparison script: 2 seeds, lesson 06's space and budget
    import dlcourse
    from dlcourse.tune_worker import digits_splits
    from dlcourse.tuning import build_digits_model

    dlcourse.seed_everything(0)
    for seed in (0, 1):
        for name, method in OPTUNA_METHODS.items():
            print(seed, name, method(build_digits_model, {"max_trials": 12, "epochs_per_trial": 9}, seed, digits_splits()))
