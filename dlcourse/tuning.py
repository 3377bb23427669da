"""Lesson 06's search space and the plumbing that reads what a keras-tuner search spent.

The search space (:func:`digits_network`, :func:`build_digits_model`) lives here so that
lesson 06 and ``benchmarks/tuner_comparison.py`` search the same one; the lesson shows its
code in full (a test checks that it is this code). The comparison loop itself is written
out in the lesson and in the benchmark, not here. Nothing is estimated: every trial's
epochs come from the tuner's own records (:func:`trial_epochs`, :func:`trace`).
"""

from __future__ import annotations

import numpy as np

# The grid's discretization of the space below: 3 x 3 x 3 points.
DIGITS_GRID = {"units": [16, 64, 256], "learning_rate": [3e-4, 3e-3, 3e-2], "dropout": [0.0, 0.25, 0.5]}


def digits_network(units, learning_rate, dropout):
    """Lesson 06's network for the 8x8 digits: one hidden layer, dropout, Adam."""
    import keras

    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(units, activation="relu"),
                              keras.layers.Dropout(dropout), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def build_digits_model(hp, grid=False):
    """The search space, declared with `hp`: continuous, or the grid's 27 points if `grid`."""
    if grid:
        units = hp.Choice("units", DIGITS_GRID["units"])
        learning_rate = hp.Choice("learning_rate", DIGITS_GRID["learning_rate"])
        dropout = hp.Choice("dropout", DIGITS_GRID["dropout"])
    else:
        units = hp.Int("units", 16, 256, sampling="log")  # any width from 16 to 256
        learning_rate = hp.Float("learning_rate", 1e-4, 1e-1, sampling="log")  # 10^-4 ... 10^-1
        dropout = hp.Float("dropout", 0.0, 0.5)
    return digits_network(units, learning_rate, dropout)


def trial_epochs(trial, epochs_per_trial):
    """Epochs a finished trial really trained: a resumed Hyperband trial only its extra ones."""
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
        values = trial.hyperparameters.values
        params = {k: v for k, v in values.items() if not k.startswith("tuner/")}
        rows.append({"method": method, "seed": seed, "trial": trial_id,
                     "bracket": values.get("tuner/bracket"), "round": values.get("tuner/round"),
                     "epochs trained": trial_epochs(trial, epochs_per_trial), "epochs": spent,
                     "score": float(trial.score), "best so far": best, "hyperparameters": params})
    return pd.DataFrame(rows)
