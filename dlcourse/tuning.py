"""Run keras-tuner's four search methods on one search space and trace what each epoch bought.

Lesson 06 shows each method on its own first; :func:`equal_budget_comparison` then runs
grid, random, Bayesian and Hyperband search on the same ``build_model(hp)``, and
``benchmarks/tuner_comparison.py`` runs the same comparison over more seeds. The lesson's
search space, :func:`build_digits_model`, lives here so that both use the same one; the
lesson shows its code in full (a test checks that it is this code). Nothing is
estimated: every trial's epochs come from the tuner's own records.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

METHODS = ("grid", "random", "bayesian", "hyperband")


def build_digits_model(hp):
    """Lesson 06's network for the 8x8 digits, with its hyperparameters drawn from `hp`."""
    import keras

    units = int(hp.Int("units", 16, 64, step=2, sampling="log"))  # 16, 32, 64
    learning_rate = hp.Float("learning_rate", 1e-4, 1e-1, step=10, sampling="log")  # 1e-4 ... 1e-1
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(units, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def make_tuner(method: str, build_model: Callable, *, max_trials: int, max_epochs: int, seed: int,
               directory: str | Path, project: str, objective: str = "val_accuracy", hyperband_iterations: int = 1):
    """A keras-tuner tuner for ``method``; trials of the non-Hyperband methods train ``max_epochs`` epochs."""
    import keras_tuner as kt

    common = dict(objective=objective, seed=seed, directory=str(directory), project_name=project, overwrite=True)
    if method == "grid":
        return kt.GridSearch(build_model, max_trials=max_trials, **common)
    if method == "random":
        return kt.RandomSearch(build_model, max_trials=max_trials, **common)
    if method == "bayesian":
        return kt.BayesianOptimization(build_model, max_trials=max_trials, **common)
    if method == "hyperband":
        return kt.Hyperband(build_model, max_epochs=max_epochs, factor=3, hyperband_iterations=hyperband_iterations,
                            **common)
    raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")


def trial_epochs(trial, epochs_per_trial: int) -> int:
    """Epochs a finished trial actually trained (Hyperband trials resume from a checkpoint)."""
    values = trial.hyperparameters.values
    if "tuner/epochs" in values:
        return int(values["tuner/epochs"]) - int(values.get("tuner/initial_epoch", 0))
    return epochs_per_trial


def trace(tuner, method: str, epochs_per_trial: int, seed: int = 0):
    """One row per finished trial, in the order run: epochs spent so far and the best score so far."""
    import pandas as pd

    rows, spent, best = [], 0, -np.inf
    for trial_id, trial in sorted(tuner.oracle.trials.items()):
        if trial.score is None:  # failed or never run
            continue
        spent += trial_epochs(trial, epochs_per_trial)
        best = max(best, float(trial.score))
        params = {k: v for k, v in trial.hyperparameters.values.items() if not k.startswith("tuner/")}
        rows.append({"method": method, "seed": seed, "trial": trial_id, "epochs": spent,
                     "score": float(trial.score), "best so far": best, "hyperparameters": params})
    return pd.DataFrame(rows)


def equal_budget_comparison(build_model: Callable, train_data: tuple, val_data: tuple, *, epochs_per_trial: int,
                            max_trials: int, seeds: Sequence[int], directory: str | Path,
                            methods: Sequence[str] = METHODS, hyperband_iterations: int = 1, batch_size: int = 32,
                            progress: bool = True):
    """Run every method on the same search space and return the trace of all of them.

    Grid, random and Bayesian search each run ``max_trials`` trials of ``epochs_per_trial``
    epochs (the same budget); Hyperband's largest rung is ``epochs_per_trial`` epochs and
    it spends what its schedule spends, read from its trials. The tuners' files go to
    ``directory`` and are deleted afterwards.
    """
    import keras
    import pandas as pd
    from tqdm.auto import tqdm

    runs = [(seed, method) for seed in seeds for method in methods]
    frames = []
    for seed, method in tqdm(runs, desc="searches", disable=not progress):
        keras.utils.set_random_seed(seed)
        project = f"{method}_{seed}"
        tuner = make_tuner(method, build_model, max_trials=max_trials, max_epochs=epochs_per_trial, seed=seed,
                           directory=directory, project=project, hyperband_iterations=hyperband_iterations)
        fit_epochs = {} if method == "hyperband" else {"epochs": epochs_per_trial}
        tuner.search(*train_data, validation_data=val_data, batch_size=batch_size, verbose=0, **fit_epochs)
        frames.append(trace(tuner, method, epochs_per_trial, seed))
        shutil.rmtree(Path(directory) / project, ignore_errors=True)
    return pd.concat(frames, ignore_index=True)


def summarize(traces, reference: str = "grid", tolerance: float = 0.01):
    """Per method and seed: best score, epochs used, and epochs needed to come within
    ``tolerance`` of the reference method's best score of the same seed (NaN if never)."""
    import pandas as pd

    rows = []
    for (method, seed), run in traces.groupby(["method", "seed"], sort=False):
        target = traces[(traces["method"] == reference) & (traces["seed"] == seed)]["best so far"].max() - tolerance
        reached = run[run["best so far"] >= target]
        rows.append({"method": method, "seed": seed, "best score": run["best so far"].iloc[-1],
                     "epochs used": int(run["epochs"].iloc[-1]), "trials": len(run),
                     f"epochs to within {tolerance:g} of {reference}": float(reached["epochs"].iloc[0]) if len(reached) else np.nan})
    return pd.DataFrame(rows)
