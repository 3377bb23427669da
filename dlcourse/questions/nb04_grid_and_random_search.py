"""Questions of ``04_grid_and_random_search``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dlcourse.checking import Case, FunctionQuestion, ValueQuestion, WrittenQuestion

EXPECTED_GRID = {"optimizer__learning_rate": [0.001, 0.01, 0.1], "batch_size": [32, 128], "units": [16, 64]}


def _param_grid(value: Any, namespace: Mapping[str, Any]) -> str | None:
    if not isinstance(value, Mapping):
        return "expected a dict from parameter names to lists of values"
    if set(value) != set(EXPECTED_GRID):
        return f"expected the keys {sorted(EXPECTED_GRID)}, found {sorted(map(str, value))}"
    for key, wanted in EXPECTED_GRID.items():
        found = sorted(float(v) for v in value[key])
        if len(found) != len(wanted) or not np.allclose(found, sorted(wanted)):
            return f"{key}: expected the values {wanted}, found {list(value[key])}"
    return None


def _grids(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    cases = []
    for _ in range(3):
        grid = {f"p{i}": list(range(int(rng.integers(1, 6)))) for i in range(int(rng.integers(1, 4)))}
        cases.append(((grid, int(rng.integers(2, 11))), {}))
    return cases


def _results(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    cases = []
    for n in (2, 5, 12):
        params = [{"lr": float(lr), "batch_size": int(b)} for lr, b in zip(rng.choice([1e-3, 1e-2, 1e-1], n),
                                                                           rng.choice([16, 64, 256], n))]
        results = {"params": params, "mean_test_accuracy": np.round(rng.random(n), 3),
                   "mean_test_f1_macro": np.round(rng.random(n), 3)}
        cases.append(((results, str(rng.choice(["accuracy", "f1_macro"]))), {}))
    return cases


def _search(value: Any, namespace: Mapping[str, Any]) -> str | None:
    if not hasattr(value, "cv_results_") or not hasattr(value, "best_params_"):
        return "expected a fitted search (call .fit(X_dev, y_dev))"
    if getattr(value, "refit", None) != "f1_macro":
        return f"refit should be 'f1_macro', found {getattr(value, 'refit', None)!r}"
    for key in ("mean_test_accuracy", "mean_test_f1_macro"):
        if key not in value.cv_results_:
            return f"cv_results_ lacks {key!r}: score both 'accuracy' and 'f1_macro'"
    if "optimizer__learning_rate" not in value.best_params_:
        return "the search should vary optimizer__learning_rate"
    return None


QUESTIONS = [
    ValueQuestion(
        id="q1_param_grid", points=2, variable="param_grid", validate=_param_grid,
        hint="one key per hyperparameter, named as the wrapper names it, each with the list of values to try.",
    ),
    FunctionQuestion(
        id="q2_n_trainings", points=2, function="n_trainings",
        public=[Case(({"a": [1, 2, 3], "b": [1, 2]}, 5), 31), Case(({"a": [1]}, 3), 4)],
        hidden=_grids,
        hint="every combination is trained once per fold, and the best is trained once more on all the data.",
    ),
    FunctionQuestion(
        id="q3_best_params_by", points=2, function="best_params_by",
        public=[
            Case(({"params": [{"lr": 0.1}, {"lr": 0.01}], "mean_test_accuracy": np.array([0.8, 0.9]),
                   "mean_test_f1_macro": np.array([0.85, 0.7])}, "f1_macro"), {"lr": 0.1}),
            Case(({"params": [{"lr": 0.1}, {"lr": 0.01}, {"lr": 0.001}], "mean_test_accuracy": np.array([0.8, 0.9, 0.9]),
                   "mean_test_f1_macro": np.array([0.85, 0.7, 0.6])}, "accuracy"), {"lr": 0.01}),
        ],
        hidden=_results,
        hint="find the highest mean_test_<metric> (the first one on a tie) and return the params at that position.",
    ),
    ValueQuestion(
        id="q4_search", points=2, variable="search", validate=_search,
        hint="RandomizedSearchCV(network, distributions, n_iter=N_ITER, cv=N_FOLDS, scoring=[...], refit=...).fit(X_dev, y_dev)",
    ),
    WrittenQuestion(id="q5_random_vs_grid", points=2),
]
