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

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np

from dlcourse.assessment.compare import is_number
from dlcourse.assessment.encoding import Opaque
from dlcourse.assessment.facts import array, fingerprint, is_dataframe, plain
from dlcourse.assessment.questions import Case, FunctionQuestion, ValueQuestion, WrittenQuestion

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


@functools.lru_cache(maxsize=1)
def _exercise_targets() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All targets, and the training, test and validation targets of the exercise's splits, rebuilt here
    (in the judging process: from scikit-learn's copy of the data, never from the student's namespace)."""
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import train_test_split

    X, y = load_diabetes(return_X_y=True)
    X_train, _, y_train, y_test = train_test_split(X, y, test_size=TEST_SIZE, random_state=SPLIT_SEED)
    _, _, _, y_val = train_test_split(X_train, y_train, test_size=0.25, random_state=SPLIT_SEED)
    return y, y_train, y_test, y_val


def _kind(value: Any) -> str:
    """What the student gave, in a few words (an unreadable object by its type's name)."""
    if isinstance(value, Opaque):
        return f"a {value.type_name}"
    return f"a {type(value).__name__}"


def _baseline_facts(value: Any, namespace: Mapping[str, Any]) -> Any:
    """In the kernel: the student's number, as plain data (an object that only poses as a number is opaque)."""
    return plain(value)


def _baseline_r2(value: Any, given: Any) -> str | None:
    """Outside the kernel: checked against the exercise's own split, rebuilt here (a student's re-split, or a
    rebound ``y_test``, cannot move it)."""
    if not is_number(value):
        return f"expected a number, found {_kind(value)}"
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


# --------------------------------------------------------------------------- question 6

METRICS = ("MAE", "RMSE", "R2")
SPLIT_CHANGED = "`y_val` or `val_predictions` is not the validation split of the set-up cell any more: run it again"
VALUES_CHANGED = ("`y_val` no longer holds the validation targets of the set-up cell: does one of your functions "
                  "change the arrays it is given (an in-place operation on an argument)? Fix it, then run the "
                  "set-up cell again")


def _label(label: Any) -> Any:
    """A row or column label as plain data: a string by its contents (whatever its class says), else ``plain``."""
    return str.__str__(label) if issubclass(type(label), str) else plain(label)


def _length(value: Any) -> int | None:
    """The length of a NumPy array as stored (whatever a subclass's ``__len__`` says); None for anything else."""
    return np.ndarray.view(value, np.ndarray).shape[0] if fingerprint(value) and np.ndim(np.ndarray.view(value, np.ndarray)) else None


def _split_facts(namespace: Mapping[str, Any]) -> dict:
    """Fingerprints of ``y_val`` and of each candidate's validation predictions, as ``namespace`` holds them."""
    y_val, predictions = namespace.get("y_val"), namespace.get("val_predictions")
    found = {"y_val": fingerprint(y_val), "n_val": _length(y_val), "predictions": None}
    if type(predictions) is dict:
        found["predictions"] = {_label(name): fingerprint(p) for name, p in dict.items(predictions)}
    return found


def _table_facts(table: Any) -> dict | str:
    """``val_table`` as ``{"columns": [...], "rows": {model: {metric: value}}}``, or what is wrong with it."""
    import pandas as pd

    if not is_dataframe(table):
        return f"`val_table` should be a pandas DataFrame, found a {type(table).__name__}"
    columns = [_label(c) for c in pd.Index.tolist(table.columns)]
    index = [_label(r) for r in pd.Index.tolist(table.index)]
    present = [c for c in METRICS if c in columns]
    rows: dict = {}
    for position, label in enumerate(index):
        if type(label) is not str or label in rows:
            return ("`val_table` needs one row per candidate, named as in `val_predictions`, and the columns MAE, "
                    "RMSE and R2")
        rows[label] = {c: plain(pd.DataFrame.__getitem__(table, c).iloc[position]) for c in present
                       if columns.count(c) == 1}
    return {"columns": columns, "rows": rows}


def _names(value: Any) -> list | None:
    """The names in a list, tuple, set, NumPy array or pandas Index/Series, as a plain list; None for anything else."""
    import pandas as pd

    if type(value) is set or type(value) is frozenset:
        value = list(type(value).__iter__(value))
    elif type(value) is pd.Index or type(value) is pd.Series:
        value = type(value).tolist(value)
    found = plain(value)
    if isinstance(found, tuple):
        found = list(found)
    if isinstance(found, np.ndarray) and found.ndim == 1:
        found = found.tolist()
    return found if isinstance(found, list) else None


def _choice_facts(value: Any, namespace: Mapping[str, Any]) -> dict:
    """In the kernel: the chosen name, the student's table and list of losers, and the split as the
    student's namespace holds it, all as plain data."""
    chosen = _label(value)
    facts: dict = {"chosen": chosen, "setup": _split_facts(namespace), "table": None, "no_better": None}
    if "val_table" in namespace:
        facts["table"] = _table_facts(namespace["val_table"])
    if "no_better_than_baseline" in namespace:
        claimed = namespace["no_better_than_baseline"]
        facts["no_better"] = {"names": None if issubclass(type(claimed), str) else _names(claimed)}
    return facts


def _choice_given(namespace: Mapping[str, Any]) -> dict:
    """The set-up cell's validation targets and each candidate's validation predictions (for the grader: as the
    solution's run has them). For ``check``, they must still be the set-up's."""
    y_val, predictions = namespace.get("y_val"), namespace.get("val_predictions")
    if _length(y_val) != VALIDATION_SIZE or type(predictions) is not dict:
        raise ValueError(SPLIT_CHANGED)
    found = {_label(name): array(p, f"val_predictions[{name!r}]") for name, p in dict.items(predictions)}
    if any(p.shape != (VALIDATION_SIZE,) for p in found.values()):
        raise ValueError(SPLIT_CHANGED)
    y_val = array(y_val, "y_val").astype(float)
    if not np.allclose(y_val, _exercise_targets()[3], rtol=1e-9, atol=1e-9):
        raise ValueError(VALUES_CHANGED)
    return {"y_val": y_val, "predictions": found, "setup": _split_facts(namespace)}


def _split_problem(setup: Mapping[str, Any], given: Mapping[str, Any]) -> str | None:
    """Whether the student's ``y_val`` and ``val_predictions`` are still the set-up's."""
    right = given["setup"]
    if setup.get("predictions") != right["predictions"]:
        return SPLIT_CHANGED
    if setup.get("y_val") != right["y_val"]:
        return VALUES_CHANGED if setup.get("n_val") == right["n_val"] else SPLIT_CHANGED
    return None


def _choose_model(facts: Mapping[str, Any], given: Mapping[str, Any]) -> str | None:
    """Outside the kernel: the student's table must hold the validation metrics of each candidate (computed
    here from the set-up's split), and the choices must follow from it."""
    for key, name in (("table", "val_table"), ("no_better", "no_better_than_baseline")):
        if facts[key] is None:
            return f"no `{name}` found: compute it in the same cell"
    problem = _split_problem(facts["setup"], given)
    if problem:
        return problem
    table = facts["table"]
    if isinstance(table, str):
        return table
    y_val, predictions = np.asarray(given["y_val"], dtype=float), given["predictions"]
    rows = table["rows"]
    if any(c not in table["columns"] for c in METRICS) or set(rows) != set(predictions) \
            or any(set(row) != set(METRICS) for row in rows.values()):
        return ("`val_table` needs one row per candidate, named as in `val_predictions`, and the columns MAE, RMSE "
                "and R2")
    for model, predicted in predictions.items():
        errors = y_val - np.asarray(predicted, dtype=float)
        truth = {"MAE": np.mean(np.abs(errors)), "RMSE": np.sqrt(np.mean(errors ** 2)), "R2": _r2(y_val, predicted)}
        for column, right in truth.items():
            found = rows[model][column]
            if not (is_number(found) and np.isclose(float(found), right, rtol=1e-6, atol=1e-9)):
                return (f"the {column} of '{model}' in your table is not its {column} on the validation set "
                        "(which split is meant for choosing?)")
    rmse = {model: float(rows[model]["RMSE"]) for model in predictions}
    value = facts["chosen"]
    if type(value) is not str:  # a list or a row of the table: not one name
        return f"`chosen_model` should be one of the names in `val_predictions` (a string), found {_kind(value)}"
    if value not in rmse:
        return f"`chosen_model` should be one of the names in `val_predictions`, found {value!r}"
    if rmse[value] > min(rmse.values()) + 1e-12:
        return f"another candidate has a lower validation RMSE than '{value}' in your table"
    names = facts["no_better"]["names"]
    if names is None:
        return "`no_better_than_baseline` should be a list of names (empty if every model beats the baseline)"
    claimed = {_hashable(n) for n in names} - {BASELINE}  # the baseline is no better than itself: naming it is harmless
    losers = {m for m in rmse if m != BASELINE and rmse[m] >= rmse[BASELINE]}
    if claimed - losers:
        return "`no_better_than_baseline` names a model whose validation RMSE is lower than the training mean's"
    if losers - claimed:
        return "`no_better_than_baseline` misses a model whose validation RMSE is not lower than the training mean's"
    return None


def _hashable(name: Any) -> Any:
    """A name as a set member (an unhashable item stands for itself by its text, and matches no model)."""
    try:
        hash(name)
        return name
    except TypeError:
        return repr(name)


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
        id="q4_baseline_r2", points=2, variable="baseline_test_r2", facts=_baseline_facts, decide=_baseline_r2,
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
        id="q6_choose_a_model", points=2, variable="chosen_model", facts=_choice_facts, given_facts=_choice_given,
        decide=_choose_model,
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
