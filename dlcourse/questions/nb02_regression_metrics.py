"""Questions of ``02_regression_metrics``.

Public cases are chosen so that the usual wrong answers fail them, not only the hidden
ones: R² with the mean of the predictions instead of the truth (or centred on the median),
swapped arguments, a constant target (scikit-learn's convention), the median instead of
the mean of the absolute errors, signed instead of absolute residuals, and the worst
positions returned in the order of the data. A hidden case asks for many of the worst
residuals, where a partial sort no longer happens to come out in order. The value
question (q4) recomputes what it checks from the data, and never prints the expected number.
q6, which model to keep, is a function of the candidates' predictions, judged on made-up
candidates on which each misreading of the rule gives another answer; the notebook applies
it to the exercise's own candidates.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np

from dlcourse.assessment.compare import is_number
from dlcourse.assessment.encoding import Opaque
from dlcourse.assessment.facts import plain
from dlcourse.assessment.questions import Case, FunctionQuestion, ValueQuestion, WrittenQuestion

SPLIT_SEED, TEST_SIZE = 42, 0.25  # the exercise's train/test split of the diabetes data
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
def _exercise_targets() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All targets, and the training and test targets of the exercise's split, rebuilt here (in the judging
    process: from scikit-learn's copy of the data, never from the student's namespace)."""
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import train_test_split

    X, y = load_diabetes(return_X_y=True)
    _, _, y_train, y_test = train_test_split(X, y, test_size=TEST_SIZE, random_state=SPLIT_SEED)
    return y, y_train, y_test


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
    y, y_train, y_test = _exercise_targets()
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


# --------------------------------------------------------------------------- question 6 (run and decide)

# A function of the candidates' predictions, judged on made-up candidates, because the exercise's own candidates cannot
# tell a right rule from a wrong one: there, the lowest RMSE and the lowest MAE, the validation and the test split, an
# R² below 0 and an RMSE not below the training mean's, a strict and a non-strict comparison all pick the same model
# and the same loser. The hidden cases are drawn so that each misreading answers at least one of them differently
# (tests/test_wrong_answers_02.py keeps each as a fixture): choosing by MAE, choosing on the test split, losers judged
# on the test split or against the baseline's test RMSE, by R² below (or at) 0, by MAE or strictly worse than the
# baseline, every model but the chosen one as a loser, the baseline never chosen, and the validation RMSE, the best
# test RMSE or the RMSE over both splits reported as the chosen one's.
# A tie between the training mean and a model that repeats it keeps the training mean (the question says so).

# Each made-up candidate: (validation RMSE, test RMSE), as multiples of the baseline's RMSE on that split, and whether
# its errors are "spiky" (mostly small, a few large: a low MAE for its RMSE). "negative R²": a validation MSE halfway
# between the variance of the validation targets and the baseline's MSE (R² below 0, yet better than the baseline);
# "copy": the baseline's own predictions (an RMSE equal to the baseline's: no better).
_CANDIDATES = {
    "MAE and RMSE disagree": [(0.70, 0.72, False), (0.78, 0.80, True), (1.2, 1.2, False)],
    "validation and test disagree": [(0.75, 0.85, False), (0.80, 0.70, False), (1.15, 1.1, False)],
    "below 0 but better; worse but a lower MAE; a loser only on validation": [
        (0.6, 0.65, False), ("negative R²", 0.9, False), (1.25, 1.2, True), (1.08, 0.9, False)],
    "nothing beats the mean": [(1.1, 0.9, False), (1.3, 1.25, True), (1.05, 1.1, False)],
    "a model that repeats the mean": [(0.8, 0.8, False), ("copy", "copy", False), (0.95, 0.97, True)],
    # a tie for the lowest RMSE between the baseline and a model that repeats it: the model learned nothing
    "only a copy of the mean ties it": [("copy", "copy", False), (1.1, 0.95, False), (1.25, 1.2, True)],
}
# Kinds whose test targets spread less than the validation targets (this share of their standard deviation, around
# the same mean): the baseline's test RMSE is then below every validation RMSE that beats the baseline there.
_TEST_SPREAD = {"validation and test disagree": 0.55}
MODEL_NAMES = ("linear regression", "ridge", "lasso", "5 nearest neighbours", "15 nearest neighbours", "deep tree",
               "shallow tree", "random forest", "gradient boosting", "small network", "cubic fit", "support vectors")


def _errors(rng: np.random.Generator, n: int, rmse: float, spiky: bool) -> np.ndarray:
    """``n`` errors whose root mean square is exactly ``rmse``: normal, or spiky (mostly small, a few about 20 times
    as large, so that their MAE is about 0.4 of their RMSE, against about 0.8 for normal errors)."""
    if spiky:
        errors = rng.normal(0, 0.15, n)
        large = rng.choice(n, max(2, n // 12), replace=False)
        errors[large] = rng.choice([-1.0, 1.0], len(large)) * rng.uniform(2.5, 3.5, len(large))
    else:
        errors = rng.normal(0, 1, n)
    return errors * rmse / np.sqrt(np.mean(errors ** 2))


def _candidates(rng: np.random.Generator, kind: str) -> tuple[tuple, dict]:
    """Made-up validation and test targets (about the diabetes data's scale) and ``_CANDIDATES[kind]``'s models,
    named from ``MODEL_NAMES``, with the baseline, which predicts a training mean 10 to 25 points away from the
    validation targets' mean, at a drawn place among them (the test targets spread as ``_TEST_SPREAD`` says)."""
    n_val, n_test = int(rng.integers(40, 121)), int(rng.integers(60, 151))
    y_val, y_test = np.round(rng.normal(150, 70, n_val), 1), rng.normal(150, 70, n_test)
    if kind in _TEST_SPREAD:
        y_test = y_val.mean() + (y_test - y_test.mean()) / y_test.std() * _TEST_SPREAD[kind] * y_val.std()
    y_test = np.round(y_test, 1)
    mean = float(np.round(y_val.mean() + rng.choice([-1.0, 1.0]) * rng.uniform(10, 25), 2))
    val: dict = {BASELINE: np.full(n_val, mean)}
    test: dict = {BASELINE: np.full(n_test, mean)}
    baseline_val, baseline_test = np.sqrt(np.mean((y_val - mean) ** 2)), np.sqrt(np.mean((y_test - mean) ** 2))
    specs = _CANDIDATES[kind]
    for name, (on_val, on_test, spiky) in zip(rng.choice(MODEL_NAMES, len(specs), replace=False), specs):
        name = str(name)
        if on_val == "copy":
            val[name], test[name] = val[BASELINE].copy(), test[BASELINE].copy()
            continue
        if on_val == "negative R²":
            on_val = np.sqrt(np.var(y_val) + 0.5 * (y_val.mean() - mean) ** 2) / baseline_val
        val[name] = y_val - _errors(rng, n_val, on_val * baseline_val, spiky)
        test[name] = y_test - _errors(rng, n_test, on_test * baseline_test, spiky)
    order = [list(val)[i] for i in rng.permutation(len(val))]
    return (y_val, {name: val[name] for name in order}, y_test, {name: test[name] for name in order}), {}


def _choices(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    """One set of candidates of each kind."""
    return [_candidates(rng, kind) for kind in _CANDIDATES]


def _names(value: Any) -> list | None:
    """Names in a list, tuple, set, NumPy array or pandas Index or Series, as a sorted list of plain strings; None for
    anything else."""
    import pandas as pd

    if type(value) is pd.Index or type(value) is pd.Series:  # exactly these: their own tolist, no subclass's
        value = type(value).tolist(value)
    elif issubclass(type(value), (set, frozenset)):
        value = list(type(value).__iter__(value))
    elif issubclass(type(value), np.ndarray) and np.ndarray.view(value, np.ndarray).ndim == 1:
        value = np.ndarray.view(value, np.ndarray).tolist()
    if not issubclass(type(value), (list, tuple)):
        return None
    items = list(list.__iter__(value)) if issubclass(type(value), list) else list(tuple.__iter__(value))
    if not all(issubclass(type(item), str) for item in items):
        return None
    return sorted(str.__str__(item) for item in items)


def _choice_summary(found: Any) -> Any:
    """What ``choose_model`` returned, with its losers as a sorted list of names without the baseline (their order,
    and naming the baseline itself, do not matter) and the chosen name as a plain string; anything else as it is."""
    if not issubclass(type(found), dict):
        return found
    found = dict(dict.items(found))
    names = _names(found.get("no_better_than_baseline"))
    if names is not None:
        found["no_better_than_baseline"] = [name for name in names if name != BASELINE]
    if issubclass(type(found.get("chosen")), str):
        found["chosen"] = str.__str__(found["chosen"])
    return found


_PUBLIC_VAL, _PUBLIC_TEST = np.array([100.0, 140.0, 180.0, 220.0]), np.array([120.0, 160.0, 200.0])


def _public_case(errors: dict) -> tuple:
    """The public targets, and each model's predictions from its (validation, test) errors; None: the baseline's."""
    val = {name: _PUBLIC_VAL - np.array(e[0]) if e else np.full(4, 150.0) for name, e in errors.items()}
    test = {name: _PUBLIC_TEST - np.array(e[1]) if e else np.full(3, 150.0) for name, e in errors.items()}
    return _PUBLIC_VAL, val, _PUBLIC_TEST, test


# The training mean is 150: RMSE 45.83 on validation, 34.16 on test. Linear regression has the lowest RMSE (20) but
# not the lowest MAE (the deep tree's, 10.5), nor the lowest test RMSE (the deep tree's again, 5); 15 nearest
# neighbours beat the mean (45 < 45.83) with an R² below 0 (-0.0125); 1 nearest neighbour is worse (50), with a lower
# MAE than the mean's (25 < 40) and a lower test RMSE (10); the strong lasso predicts the mean itself.
PUBLIC_DISAGREE = _public_case({
    "deep tree": ([0, 0, 0, 42], [5, -5, 5]), "15 nearest neighbours": ([45, -45, 45, -45], [20, -20, 20]),
    "linear regression": ([20, -20, 20, -20], [30, -30, 30]), "training mean": None,
    "1 nearest neighbour": ([0, 0, 0, 100], [10, -10, 10]), "lasso, strong penalty": None})
# No model beats the mean (ridge: 46.4 > 45.83), although the deep tree does best on the test split.
PUBLIC_NONE_BETTER = _public_case({"deep tree": ([60, -60, 60, -60], [10, -10, 10]), "training mean": None,
                                   "ridge": ([50, -40, 45, -50], [40, -40, 40])})


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
    FunctionQuestion(
        id="q6_choose_a_model", points=2, function="choose_model",
        public=[Case(PUBLIC_DISAGREE, {"chosen": "linear regression",
                                       "no_better_than_baseline": ["1 nearest neighbour", "lasso, strong penalty"],
                                       "test_rmse": 30.0}),
                Case(PUBLIC_NONE_BETTER, {"chosen": "training mean", "no_better_than_baseline": ["deep tree", "ridge"],
                                          "test_rmse": float(np.sqrt(3500 / 3))})],
        hidden=_choices, summarize=_choice_summary,
        hint="think about which split each decision is made on and which split gives the number to report; that "
             "the training mean is a candidate too; and what exactly a model must beat to have learned something.",
    ),
    WrittenQuestion(
        id="q7_mae_or_rmse", points=2,
        rubric="Full marks: RMSE decides, because large errors (big underestimates) are disproportionately costly "
               "and RMSE weighs them more; pick B (slightly worse MAE, far better RMSE); for A, RMSE more than twice "
               "its MAE means uneven errors: mostly small with some very large misses. One point for RMSE and B "
               "without reading A's gap. (A bonus remark: an asymmetric loss that punishes underestimates.)",
    ),
]
