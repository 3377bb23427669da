"""Lesson 06's equal-budget comparison of search methods, outside the notebook, over more seeds.

    python benchmarks/tuner_comparison.py                  # 5 seeds
    python benchmarks/tuner_comparison.py --seeds 0 1 --share 0.5

The data are the digits (training / validation split as in lesson 06; the test set is not
used). The space is lesson 06's (``dlcourse.tuning.build_digits_model``): units 16-256
(log), learning rate 1e-4 to 1e-1 (log), dropout 0-0.5. Grid search gets its own
discretization of it, 27 points (``DIGITS_GRID``), each trained ``MAX_EPOCHS`` epochs: the
grid's 27 x 9 = 243 epochs are the **reference budget**. Every other method gets
``--share`` of it (a third by default: 81 epochs), never more. The goal reported against:
"Hyperband and Bayesian search each within 1 point of the grid's best validation accuracy
with at most a third of its epochs". Every number is measured in this run.

Adding a method
---------------
``METHODS`` is the registry: name -> function ``(space, budget, seed, data) -> dict`` with
the keys ``best_val_accuracy`` (best validation accuracy of any trial), ``epochs`` (epochs
really trained, all trials together; a resumed trial counts only its extra epochs),
``trials`` and ``seconds`` (wall time of the search). The function must spend at most
``budget.epochs`` epochs and train no model longer than ``budget.max_epochs`` epochs; the
script reports a method that overspends. Arguments:

- ``space`` (:class:`Space`): ``hypermodel`` (keras-tuner's ``build_model(hp)``),
  ``grid_hypermodel`` (the grid's version), ``grid_points``, ``network(units,
  learning_rate, dropout)`` (the compiled Keras model from plain values, for libraries that
  declare a space themselves) and ``hyperparameters`` (keras-tuner's declared
  hyperparameters: name, ``min_value``, ``max_value``, ``sampling`` of each).
- ``budget`` (:class:`Budget`): ``epochs`` (total) and ``max_epochs`` (per model).
- ``seed``: seed the method's own sampler with it (the script has already called
  ``keras.utils.set_random_seed(seed)``).
- ``data`` (:class:`Data`): ``x_train, y_train, x_val, y_val``; select on validation only.

For example, Optuna's TPE would be one function that creates
``optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))``,
suggests ``units`` / ``learning_rate`` / ``dropout`` from ``space.hyperparameters``
(``log=True`` where ``sampling == "log"``), builds ``space.network(...)``, fits
``budget.max_epochs`` epochs per trial for ``budget.epochs // budget.max_epochs`` trials and
returns the dict; TPE with pruning would count the epochs each pruned trial really ran
(e.g. from a pruning callback's last epoch). Then add both to ``METHODS``.
"""

from __future__ import annotations

import argparse
import functools
import math
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dlcourse

MAX_EPOCHS = 9  # the longest training of any model (Hyperband's top rung)
REFERENCE = "grid"
BATCH_SIZE = 32
HYPERBAND_FACTOR = 3
BAYESIAN_INITIAL_POINTS = 3  # random trials before the Gaussian process (keras-tuner's default: 3 per dimension = 9)


@dataclass(frozen=True)
class Space:
    hypermodel: Callable
    grid_hypermodel: Callable
    grid_points: int
    network: Callable
    hyperparameters: Any


@dataclass(frozen=True)
class Budget:
    epochs: int
    max_epochs: int


@dataclass(frozen=True)
class Data:
    x_train: Any
    y_train: Any
    x_val: Any
    y_val: Any


def _keras_tuner_search(tuner, budget: Budget, data: Data, hyperband: bool = False) -> dict:
    """Run a keras-tuner search and read what it spent from its own trial records."""
    from dlcourse.tuning import trial_epochs

    start = time.perf_counter()
    fit_epochs = {} if hyperband else {"epochs": budget.max_epochs}  # Hyperband sets each trial's epochs
    tuner.search(data.x_train, data.y_train, validation_data=(data.x_val, data.y_val), batch_size=BATCH_SIZE,
                 verbose=0, **fit_epochs)
    seconds = time.perf_counter() - start
    done = [t for t in tuner.oracle.trials.values() if t.score is not None]
    return {"best_val_accuracy": max(float(t.score) for t in done),
            "epochs": sum(trial_epochs(t, budget.max_epochs) for t in done),
            "trials": len(done), "seconds": seconds}


def _tuner_options(seed: int, directory: str, name: str) -> dict:
    return dict(objective="val_accuracy", seed=seed, directory=directory, project_name=f"{name}_{seed}", overwrite=True)


def run_grid(space: Space, budget: Budget, seed: int, data: Data, *, directory: str) -> dict:
    import keras_tuner as kt

    trials = min(space.grid_points, budget.epochs // budget.max_epochs)
    tuner = kt.GridSearch(space.grid_hypermodel, max_trials=trials, **_tuner_options(seed, directory, "grid"))
    return _keras_tuner_search(tuner, budget, data)


def run_random(space: Space, budget: Budget, seed: int, data: Data, *, directory: str) -> dict:
    import keras_tuner as kt

    tuner = kt.RandomSearch(space.hypermodel, max_trials=budget.epochs // budget.max_epochs,
                            **_tuner_options(seed, directory, "random"))
    return _keras_tuner_search(tuner, budget, data)


def run_bayesian(space: Space, budget: Budget, seed: int, data: Data, *, directory: str) -> dict:
    import keras_tuner as kt

    tuner = kt.BayesianOptimization(space.hypermodel, max_trials=budget.epochs // budget.max_epochs,
                                    num_initial_points=BAYESIAN_INITIAL_POINTS,
                                    **_tuner_options(seed, directory, "bayesian"))
    return _keras_tuner_search(tuner, budget, data)


def run_hyperband(space: Space, budget: Budget, seed: int, data: Data, *, directory: str) -> dict:
    import keras_tuner as kt

    # One iteration of all brackets (75 epochs for max_epochs 9, factor 3, with checkpoint reuse).
    tuner = kt.Hyperband(space.hypermodel, max_epochs=budget.max_epochs, factor=HYPERBAND_FACTOR,
                         hyperband_iterations=1, **_tuner_options(seed, directory, "hyperband"))
    result = _keras_tuner_search(tuner, budget, data, hyperband=True)
    result["brackets"] = len({t.hyperparameters.values["tuner/bracket"] for t in tuner.oracle.trials.values()})
    return result


def _optuna(method: str) -> Callable[..., dict]:
    """Lesson 10's Optuna TPE (and TPE with median pruning) on this space and budget
    (benchmarks/optuna_methods.py; same trials, epochs per model and data as the others)."""

    def run(space: Space, budget: Budget, seed: int, data: Data, *, directory: str) -> dict:
        from optuna_methods import OPTUNA_METHODS  # benchmarks/ is this script's folder

        limits = {"max_trials": budget.epochs // budget.max_epochs, "max_epochs": budget.max_epochs}
        return OPTUNA_METHODS[method](space.hypermodel, limits, seed, (data.x_train, data.y_train, data.x_val, data.y_val))

    return run


METHODS: dict[str, Callable[..., dict]] = {
    "grid": run_grid,
    "random": run_random,
    "bayesian": run_bayesian,
    "hyperband": run_hyperband,
    "optuna-tpe": _optuna("optuna-tpe"),
    "optuna-tpe-pruned": _optuna("optuna-tpe-pruned"),
}


def lesson_space() -> Space:
    import keras_tuner as kt

    from dlcourse.tuning import DIGITS_GRID, build_digits_model, digits_network

    hyperparameters = kt.HyperParameters()
    build_digits_model(hyperparameters)
    return Space(hypermodel=build_digits_model, grid_hypermodel=functools.partial(build_digits_model, grid=True),
                 grid_points=math.prod(len(v) for v in DIGITS_GRID.values()), network=digits_network,
                 hyperparameters=hyperparameters)


def lesson_data() -> Data:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x_dev, _, y_dev, _ = train_test_split(x / 16.0, y, test_size=0.2, stratify=y, random_state=42)  # test set unused
    x_train, x_val, y_train, y_val = train_test_split(x_dev, y_dev, test_size=0.25, stratify=y_dev, random_state=42)
    return Data(x_train, y_train, x_val, y_val)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--share", type=float, default=1 / 3, help="budget of the other methods, as a share of the grid's")
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    args = parser.parse_args()
    dlcourse.seed_everything(0)
    import keras
    import pandas as pd

    space, data = lesson_space(), lesson_data()
    reference = Budget(epochs=space.grid_points * MAX_EPOCHS, max_epochs=MAX_EPOCHS)
    share = Budget(epochs=int(reference.epochs * args.share + 1e-9), max_epochs=MAX_EPOCHS)
    print(f"seeds {args.seeds}; grid: {space.grid_points} points x {MAX_EPOCHS} epochs = {reference.epochs} epochs; "
          f"other methods: at most {share.epochs} epochs, {MAX_EPOCHS} per model", flush=True)
    rows = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        for seed in args.seeds:
            for name in args.methods:
                budget = reference if name == REFERENCE else share
                keras.utils.set_random_seed(seed)
                result = METHODS[name](space, budget, seed, data, directory=scratch)
                result.update(method=name, seed=seed, overspent=result["epochs"] > budget.epochs)
                rows.append(result)
                print(f"  seed {seed} {name:>9}: best {result['best_val_accuracy']:.4f}, {result['epochs']} epochs, "
                      f"{result['trials']} trials, {result['seconds']:.0f} s", flush=True)
    table = pd.DataFrame(rows)
    pd.set_option("display.width", 160)
    print(f"\n{time.perf_counter() - start:.0f} s in all\n")
    columns = ["best_val_accuracy", "epochs", "trials", "seconds"]
    print("per method over the seeds (mean, std, min, max):")
    print(table.groupby("method", sort=False)[columns].agg(["mean", "std", "min", "max"]).round(4).to_string())
    if table["overspent"].any():
        print("\nOVERSPENT its budget:", table[table["overspent"]][["method", "seed", "epochs"]].to_string(index=False))
    if REFERENCE in args.methods:
        grid = table[table["method"] == REFERENCE].set_index("seed")
        print("\ngoal: within 1 point of the grid's best with at most a third of the grid's epochs")
        for name in [m for m in args.methods if m != REFERENCE]:
            rows_m = table[table["method"] == name].set_index("seed")
            gap = (grid["best_val_accuracy"] - rows_m["best_val_accuracy"]) * 100
            ok = (gap <= 1.0 + 1e-9) & (rows_m["epochs"] <= grid["epochs"] / 3)
            print(f"  {name:>9}: met on {int(ok.sum())} of {len(ok)} seeds; points below the grid's best per seed: "
                  f"{[round(g, 2) for g in gap.tolist()]} (mean {gap.mean():.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
