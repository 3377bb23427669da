"""Questions of ``02_regression_metrics``.

Public cases are chosen so that the usual wrong answers fail them, not only the hidden
ones: R² with the mean of the predictions instead of the truth (or centred on the median),
swapped arguments, a constant target (scikit-learn's convention), the median instead of
the mean of the absolute errors, signed instead of absolute residuals, and the worst
positions returned in the order of the data. A hidden case asks for many of the worst
residuals, where a partial sort no longer happens to come out in order. The value
questions recompute what they check from the data, and never print the expected number.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dlcourse.checking import Case, FunctionQuestion, ValueQuestion, WrittenQuestion

SPLIT_SEED, TEST_SIZE = 42, 0.25  # the exercise's train/test split of the diabetes data
VALIDATION_SIZE = 83  # patients in the exercise's validation split (a quarter of the 331 training patients)
BASELINE = "training mean"


def _pairs(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    cases = []
    for n in (3, 50, 400):
        y_true = rng.normal(100, 30, size=n)
        cases.append(((y_true, y_true + rng.normal(0, 20, size=n)), {}))
    return cases


def _pairs_and_constants(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    constant = np.full(int(rng.integers(2, 9)), float(rng.integers(1, 100)))
    return _pairs(rng) + [((constant, constant.copy()), {}), ((constant, constant + rng.normal(0, 5, size=len(constant))), {})]


def _worst(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    cases = []
    for n, k in ((5, 1), (60, 5), (300, 20), (1000, 300)):  # k = 300: a partial sort is no longer in order
        y_true = rng.normal(0, 10, size=n)
        cases.append(((y_true, y_true + rng.normal(0, 3, size=n), k), {}))
    return cases


def _r2(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    y_true, y_pred = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    ss_tot = np.sum((y_true - y_true.mean()) ** 2)
    return float(1 - np.sum((y_true - y_pred) ** 2) / ss_tot)


def _exercise_targets() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All targets, and the training, test and validation targets of the exercise's splits, rebuilt here."""
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import train_test_split

    X, y = load_diabetes(return_X_y=True)
    X_train, _, y_train, y_test = train_test_split(X, y, test_size=TEST_SIZE, random_state=SPLIT_SEED)
    _, _, _, y_val = train_test_split(X_train, y_train, test_size=0.25, random_state=SPLIT_SEED)
    return y, y_train, y_test, y_val


def _baseline_r2(value: Any, namespace: Mapping[str, Any]) -> str | None:
    """Checked against the exercise's own split, rebuilt here (a student's re-split cannot move it)."""
    if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool):
        return f"expected a number, found a {type(value).__name__}"
    value = float(value)
    if not np.isfinite(value):
        return (f"found {value}: R² divides by the spread of the *true* values, and a constant has none "
                "(are the true values and the predictions swapped?)")
    y, y_train, y_test, _ = _exercise_targets()
    expected = _r2(y_test, np.full(len(y_test), y_train.mean()))
    if np.isclose(value, expected, rtol=1e-6, atol=1e-9):
        return None
    if abs(value - expected) <= 1e-4:  # the printed value, typed (it shows 4 decimals)
        return ("close, but not exact: compute it in code (with the full precision of the data) instead of typing "
                "a rounded number you read")
    if np.isclose(value, 0.0, atol=1e-9):
        return ("found 0: a mean scores exactly 0 on the very targets it was computed from (or where it stands in "
                "for the true values); the baseline learns its mean from the training targets and is scored on the "
                "test targets")
    if np.isclose(value, _r2(y_test, np.full(len(y_test), y.mean())), rtol=1e-6):
        return "your baseline knows the test targets: its mean must come from the training targets only"
    if np.isclose(value, _r2(y_train, np.full(len(y_train), y_test.mean())), rtol=1e-6):
        return "this is scored on the training targets; the baseline is scored on the test set"
    return "this is not the R² that the training-mean prediction gets on the test targets"


def _table_value(table: Any, row: str, column: str) -> float:
    return float(table.loc[row, column])


def _choose_model(value: Any, namespace: Mapping[str, Any]) -> str | None:
    """The student's table must hold the validation metrics of each candidate; the choices must follow from it."""
    for name in ("val_table", "no_better_than_baseline"):
        if name not in namespace:
            return f"no `{name}` found: compute it in the same cell"
    table, y_val, predictions = namespace["val_table"], np.asarray(namespace["y_val"], dtype=float), namespace["val_predictions"]
    if len(y_val) != VALIDATION_SIZE or any(len(np.ravel(p)) != len(y_val) for p in predictions.values()):
        return "`y_val` or `val_predictions` is not the validation split of the set-up cell any more: run it again"
    if not np.allclose(y_val, _exercise_targets()[3], rtol=1e-9, atol=1e-9):
        return ("`y_val` no longer holds the validation targets of the set-up cell: does one of your functions "
                "change the arrays it is given (an in-place operation on an argument)? Fix it, then run the "
                "set-up cell again")
    if not hasattr(table, "loc") or not hasattr(table, "columns"):
        return f"`val_table` should be a pandas DataFrame, found a {type(table).__name__}"
    missing = [c for c in ("MAE", "RMSE", "R2") if c not in table.columns]
    if missing or set(map(str, table.index)) != set(predictions):
        return ("`val_table` needs one row per candidate, named as in `val_predictions`, and the columns MAE, RMSE "
                "and R2")
    for model, predicted in predictions.items():
        errors = y_val - np.ravel(predicted).astype(float)
        truth = {"MAE": np.mean(np.abs(errors)), "RMSE": np.sqrt(np.mean(errors ** 2)), "R2": _r2(y_val, predicted)}
        for column, right in truth.items():
            if not np.isclose(_table_value(table, model, column), right, rtol=1e-6, atol=1e-9):
                return (f"the {column} of '{model}' in your table is not its {column} on the validation set "
                        "(which split is meant for choosing?)")
    rmse = {model: _table_value(table, model, "RMSE") for model in predictions}
    if not isinstance(value, str):  # a list or a row of the table: not one name
        return f"`chosen_model` should be one of the names in `val_predictions` (a string), found a {type(value).__name__}"
    if value not in rmse:
        return f"`chosen_model` should be one of the names in `val_predictions`, found {value!r}"
    if rmse[value] > min(rmse.values()) + 1e-12:
        return f"another candidate has a lower validation RMSE than '{value}' in your table"
    claimed = namespace["no_better_than_baseline"]
    if isinstance(claimed, str) or not hasattr(claimed, "__iter__"):
        return "`no_better_than_baseline` should be a list of names (empty if every model beats the baseline)"
    claimed = set(claimed) - {BASELINE}  # the baseline is no better than itself: naming it is harmless
    losers = {m for m in rmse if m != BASELINE and rmse[m] >= rmse[BASELINE]}
    if claimed - losers:
        return "`no_better_than_baseline` names a model whose validation RMSE is lower than the training mean's"
    if losers - claimed:
        return "`no_better_than_baseline` misses a model whose validation RMSE is not lower than the training mean's"
    return None


QUESTIONS = [
    FunctionQuestion(
        id="q1_mae_mse", points=2, function="mae_mse",
        public=[
            Case((np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])), (0.0, 0.0)),
            Case((np.array([0.0, 0.0, 0.0, 0.0]), np.array([1.0, -1.0, 2.0, 0.0])), (1.0, 1.5)),
            Case((np.array([2.0, 4.0, 6.0]), np.array([2.0, 3.0, 1.0])), (2.0, 26 / 3)),  # the median error is 1
        ],
        hidden=_pairs,
        hint="think about the order in which you take the absolute value (or the square) and the mean: errors of "
             "opposite signs must not cancel; return the pair in the order asked.",
    ),
    FunctionQuestion(
        id="q2_rmse", points=1, function="rmse",
        public=[Case((np.array([0.0, 0.0]), np.array([3.0, 4.0])), np.sqrt(12.5)), Case((np.array([5.0]), np.array([2.0])), 3.0)],
        hidden=_pairs,
        hint="think about the units: the root of the mean squared error brings it back to the target's units; "
             "the mean is taken before the root, over all the examples.",
    ),
    FunctionQuestion(
        id="q3_r2", points=2, function="r2",
        public=[
            Case((np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])), 1.0),
            Case((np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 2.0])), 0.0),
            Case((np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 1.0])), -3.0),
            Case((np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 1.0, 4.0, 6.0])), 1 - 6 / 5),  # means differ
            Case((np.array([1.0, 2.0, 6.0]), np.array([2.0, 2.0, 5.0])), 1 - 2 / 14),  # mean 3, median 2
            Case((np.array([5.0, 5.0, 5.0]), np.array([5.0, 5.0, 5.0])), 1.0),  # constant target, perfect
            Case((np.array([5.0, 5.0, 5.0]), np.array([4.0, 5.0, 6.0])), 0.0),  # constant target, not perfect
        ],
        hidden=_pairs_and_constants,
        hint="think about what R² compares the model with: the mean of the true values, not of the predictions; "
             "and about the case where the true values do not vary, as the lesson showed for scikit-learn.",
    ),
    ValueQuestion(
        id="q4_baseline_r2", points=2, variable="baseline_test_r2", validate=_baseline_r2,
        hint="think about what the baseline may know when it is built (only the training targets) and where it "
             "is scored (the test targets), and which argument of R² holds the truth.",
    ),
    FunctionQuestion(
        id="q5_worst_residuals", points=2, function="worst_residuals",
        public=[
            Case((np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.5, 2.0, 0.0, 5.0]), 2), np.array([2, 3])),
            Case((np.array([0.0, 0.0, 0.0]), np.array([-4.0, 1.0, 2.0]), 1), np.array([0])),
            Case((np.zeros(5), np.array([3.0, -1.0, 0.5, -5.0, 2.0]), 3), np.array([3, 0, 4])),  # not in data order
        ],
        hidden=_worst,
        hint="think about the size of an error whatever its sign, about returning positions rather than the "
             "errors themselves, and about the order: the largest first, exactly k of them.",
    ),
    ValueQuestion(
        id="q6_choose_a_model", points=2, variable="chosen_model", validate=_choose_model,
        hint="think about which split a choice is made on; then read your own table: the lowest RMSE wins, and a "
             "model that does not get below the training mean's RMSE has learned nothing useful.",
    ),
    WrittenQuestion(
        id="q7_mae_or_rmse", points=2,
        rubric="Full marks: RMSE decides, because large errors (big underestimates) are disproportionately costly "
               "and RMSE weighs them more; pick B (slightly worse MAE, far better RMSE); for A, RMSE more than twice "
               "its MAE means uneven errors: mostly small with some very large misses. One point for RMSE and B "
               "without reading A's gap. (A bonus remark: an asymmetric loss that punishes underestimates.)",
    ),
]
