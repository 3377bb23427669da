"""Questions of ``02_regression_metrics``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dlcourse.checking import Case, FunctionQuestion, ValueQuestion, WrittenQuestion

A = np.array


def _pairs(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    cases = []
    for n in (3, 50, 400):
        y_true = rng.normal(100, 30, size=n)
        cases.append(((y_true, y_true + rng.normal(0, 20, size=n)), {}))
    return cases


def _worst(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    cases = []
    for n, k in ((5, 1), (60, 5), (300, 20)):
        y_true = rng.normal(0, 10, size=n)
        cases.append(((y_true, y_true + rng.normal(0, 3, size=n), k), {}))
    return cases


def _baseline_r2(value: Any, namespace: Mapping[str, Any]) -> str | None:
    from sklearn.metrics import r2_score

    y_train, y_test = np.asarray(namespace["y_train"]), np.asarray(namespace["y_test"])
    expected = r2_score(y_test, np.full(len(y_test), y_train.mean()))
    if not isinstance(value, (int, float, np.floating)):
        return f"expected a number, found a {type(value).__name__}"
    if np.isclose(value, 0.0) and not np.isclose(expected, 0.0):
        return "found exactly 0: that is R² of the *test* mean on the test set; predict the *training* mean"
    if not np.isclose(value, expected, rtol=1e-6, atol=1e-9):
        return f"expected about {expected:.4f}, found {float(value):.4f}"
    return None


QUESTIONS = [
    FunctionQuestion(
        id="q1_mae_mse", points=2, function="mae_mse",
        public=[
            Case((A([1.0, 2.0, 3.0]), A([1.0, 2.0, 3.0])), (0.0, 0.0)),
            Case((A([0.0, 0.0, 0.0, 0.0]), A([1.0, -1.0, 2.0, 0.0])), (1.0, 1.5)),
        ],
        hidden=_pairs,
        hint="MAE is the mean of |y_true - y_pred|, MSE the mean of (y_true - y_pred)**2; return them as a tuple (mae, mse).",
    ),
    FunctionQuestion(
        id="q2_rmse", points=1, function="rmse",
        public=[Case((A([0.0, 0.0]), A([3.0, 4.0])), np.sqrt(12.5)), Case((A([5.0]), A([2.0])), 3.0)],
        hidden=_pairs,
        hint="RMSE is the square root of the MSE: it is in the units of the target.",
    ),
    FunctionQuestion(
        id="q3_r2", points=2, function="r2",
        public=[
            Case((A([1.0, 2.0, 3.0]), A([1.0, 2.0, 3.0])), 1.0),
            Case((A([1.0, 2.0, 3.0]), A([2.0, 2.0, 2.0])), 0.0),
            Case((A([1.0, 2.0, 3.0]), A([3.0, 2.0, 1.0])), -3.0),
        ],
        hidden=_pairs,
        hint="R² = 1 - SS_res / SS_tot, with SS_res = sum((y_true - y_pred)**2) and SS_tot = sum((y_true - mean(y_true))**2).",
    ),
    ValueQuestion(
        id="q4_baseline_r2", points=2, variable="baseline_test_r2", validate=_baseline_r2,
        hint="the baseline predicts the mean of y_train for every test example; score it on y_test with R².",
    ),
    FunctionQuestion(
        id="q5_worst_residuals", points=2, function="worst_residuals",
        public=[
            Case((A([1.0, 2.0, 3.0, 4.0]), A([1.5, 2.0, 0.0, 5.0]), 2), A([2, 3])),
            Case((A([0.0, 0.0, 0.0]), A([-4.0, 1.0, 2.0]), 1), A([0])),
        ],
        hidden=_worst,
        hint="return a NumPy array of the k indices with the largest |y_true - y_pred|, largest first.",
    ),
    WrittenQuestion(id="q6_mae_or_rmse", points=2),
]
