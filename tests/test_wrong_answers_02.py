"""Exercise 02: plausible wrong answers fail in ``check`` and in ``dlcourse grade``, the solution passes both.

Each wrong answer is one a student could well write (the mean of the error before its
absolute value, R² around the predictions' mean, no rule for a constant target, signed
residuals, a baseline that knows the test set, a model table built on the test set...).
Both paths must reject it, and the message must say what is wrong without giving the code.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from dlcourse.checking import Status, FunctionQuestion, ValueQuestion, WrittenQuestion, questions_for

PASS = Status.PASSED  # the verdict of a right answer
from tests.judging import assert_accepted, by_check, by_grader, solution_namespace
from tests.judging import equals_anything


NB = "02_regression_metrics"
ROOT = Path(__file__).resolve().parents[1]

R2 = '''
def r2(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    ss_res = np.sum((y_true - y_pred) ** 2)
    ss_tot = np.sum((y_true - CENTRE) ** 2)
    if ss_tot == 0 and CONSTANT_RULE:
        return 1.0 if ss_res == 0 else 0.0
    return float(1 - ss_res / ss_tot)
'''

WORST = '''
def worst_residuals(y_true, y_pred, k):
    errors = ERRORS
    return RESULT
'''

# (question, what the student did) -> (code, a phrase the message must contain)
WRONG = {
    ("q1_mae_mse", "edits the caller's array in place"): ('''
def mae_mse(y_true, y_pred):
    y_true = np.asarray(y_true, dtype=float)  # no copy: the caller's array
    y_true -= y_pred
    return float(np.mean(np.abs(y_true))), float(np.mean(y_true ** 2))
''', "changed its argument 1 in place"),
    ("q1_mae_mse", "MSE as the square of the mean error"): ('''
def mae_mse(y_true, y_pred):
    e = np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)
    return float(np.mean(np.abs(e))), float(np.mean(e) ** 2)
''', "item 1: expected 1.5, found 0.25"),
    ("q1_mae_mse", "MAE as the absolute mean error"): ('''
def mae_mse(y_true, y_pred):
    e = np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)
    return float(abs(np.mean(e))), float(np.mean(e ** 2))
''', "item 0: expected 1.0, found 0.5"),
    ("q1_mae_mse", "the pair in the wrong order"): ('''
def mae_mse(y_true, y_pred):
    e = np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)
    return float(np.mean(e ** 2)), float(np.mean(np.abs(e)))
''', "item 0: expected 1.0, found 1.5"),
    ("q2_rmse", "the mean of the absolute errors"): ('''
def rmse(y_true, y_pred):
    return float(np.mean(np.sqrt((np.asarray(y_true) - np.asarray(y_pred)) ** 2)))
''', "expected 3.53553, found 3.5"),
    ("q2_rmse", "the root before the mean"): ('''
def rmse(y_true, y_pred):
    e = np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)
    return float(np.sqrt(np.sum(e ** 2)) / len(e))
''', "expected 3.53553, found 2.5"),
    ("q3_r2", "centred on the predictions' mean"): (R2.replace("CENTRE", "y_pred.mean()").replace("CONSTANT_RULE", "True"),
                                                   "expected -0.2, found 0.0"),
    ("q3_r2", "no rule for a constant target"): (R2.replace("CENTRE", "y_true.mean()").replace("CONSTANT_RULE", "False"),
                                                 "found nan (a division by zero?)"),
    ("q3_r2", "truth and prediction swapped"): (R2.replace("CENTRE", "y_true.mean()").replace("CONSTANT_RULE", "True")
                                                .replace("y_true, y_pred = np.asarray(y_true", "y_pred, y_true = np.asarray(y_true"),
                                                "expected -0.2, found 0.666667"),
    ("q5_worst_residuals", "signed residuals"): (WORST.replace("ERRORS", "np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)")
                                                 .replace("RESULT", "np.argsort(-errors, kind='stable')[:k]"), "entries differ"),
    ("q5_worst_residuals", "the k largest, smallest first"): (WORST.replace("ERRORS", "np.abs(np.asarray(y_true) - np.asarray(y_pred))")
                                                             .replace("RESULT", "np.argsort(errors)[-k:]"), "entries differ"),
    ("q5_worst_residuals", "the errors instead of their positions"): (WORST.replace("ERRORS", "np.abs(np.asarray(y_true) - np.asarray(y_pred))")
                                                                     .replace("RESULT", "np.sort(errors)[::-1][:k]"), "entries differ"),
    ("q1_mae_mse", "the median absolute error as MAE"): ('''
def mae_mse(y_true, y_pred):
    e = np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)
    return float(np.median(np.abs(e))), float(np.mean(e ** 2))
''', "item 0: expected 2.0, found 1.0"),
    ("q3_r2", "centred on the median of the truth"): (R2.replace("CENTRE", "np.median(y_true)").replace("CONSTANT_RULE", "True"),
                                                      "expected 0.857143, found 0.882353"),
    ("q5_worst_residuals", "the worst positions in the order of the data"): (
        WORST.replace("ERRORS", "np.abs(np.asarray(y_true) - np.asarray(y_pred))")
        .replace("RESULT", "np.sort(np.argsort(-errors)[:k])"), "2 of 3 entries differ"),
}

# Right answers written another way (scikit-learn, other NumPy idioms): both paths must accept them.
RIGHT = {
    ("q1_mae_mse", "scikit-learn"): '''
from sklearn.metrics import mean_absolute_error, mean_squared_error

def mae_mse(y_true, y_pred):
    return float(mean_absolute_error(y_true, y_pred)), float(mean_squared_error(y_true, y_pred))
''',
    ("q2_rmse", "a norm"): '''
def rmse(y_true, y_pred):
    return float(np.linalg.norm(np.asarray(y_true) - np.asarray(y_pred)) / np.sqrt(len(y_true)))
''',
    ("q3_r2", "scikit-learn"): '''
from sklearn.metrics import r2_score

def r2(y_true, y_pred):
    return float(r2_score(y_true, y_pred))
''',
    ("q3_r2", "MSE over the population variance"): '''
def r2(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    if np.var(y_true) == 0:
        return 1.0 if np.all(y_true == y_pred) else 0.0
    return float(1 - np.mean((y_true - y_pred) ** 2) / np.var(y_true))
''',
    ("q5_worst_residuals", "the tail of an ascending sort, reversed"): WORST.replace(
        "ERRORS", "(np.asarray(y_true) - np.asarray(y_pred)) ** 2").replace("RESULT", "np.argsort(errors)[::-1][:k]"),
}


@pytest.mark.parametrize("qid, mistake", list(WRONG), ids=[f"{q}:{m}" for q, m in WRONG])
def test_a_wrong_function_fails_in_check_and_grader(qid, mistake):
    code, phrase = WRONG[(qid, mistake)]
    namespace = {"np": np}
    exec(code, namespace)
    checked = by_check(NB, qid, namespace)
    status, message = by_grader(NB, qid, namespace)
    assert checked.status != PASS, checked.message
    assert status != PASS, message
    assert phrase in checked.message, checked.message
    assert phrase in message, message


@pytest.mark.parametrize("qid, way", list(RIGHT), ids=[f"{q}:{w}" for q, w in RIGHT])
def test_a_right_answer_written_another_way_passes_in_check_and_grader(qid, way):
    namespace = {"np": np}
    exec(RIGHT[(qid, way)], namespace)
    assert_accepted(NB, qid, namespace)


@pytest.mark.parametrize("seed", [2024, 7, 12345])
def test_q5_a_partial_sort_fails_in_the_grader(seed):
    """np.argpartition leaves the k worst unordered; for small k it happens to come out sorted, so only
    the hidden case with many worst residuals can tell (``check`` cannot, on cases small enough to show)."""
    from tests.judging import grading_cases

    namespace = {"np": np}
    exec(WORST.replace("ERRORS", "np.abs(np.asarray(y_true) - np.asarray(y_pred))")
         .replace("RESULT", "np.argpartition(-errors, k)[:k]"), namespace)
    status, message = by_grader(NB, "q5_worst_residuals", namespace, grading_cases(NB, "q5_worst_residuals", seed=seed))
    assert status != PASS, message
    assert "hidden case" in message and "not the expected one" in message, message


def test_the_solution_passes_every_function_question_in_check_and_grader():
    namespace = solution_namespace(NB)
    for question in questions_for(NB).values():
        if isinstance(question, FunctionQuestion):
            assert by_check(NB, question.id, namespace).status == PASS, question.id
            assert by_grader(NB, question.id, namespace)[0] == PASS, question.id


def test_r2_follows_scikit_learn_on_a_constant_target():
    from sklearn.metrics import r2_score

    r2 = solution_namespace(NB)["r2"]
    for predicted in ([5.0, 5.0, 5.0], [4.0, 5.0, 6.0], [105.0, 105.0, 105.0]):
        assert r2(np.full(3, 5.0), np.array(predicted)) == r2_score(np.full(3, 5.0), predicted)


# --------------------------------------------------------------------------- the value questions


def _solution_cell(marker: str) -> str:
    cells = nbformat.read(ROOT / "solutions" / f"{NB}.ipynb", as_version=4).cells
    return next(c.source for c in cells if c.cell_type == "code" and marker in c.source)


@pytest.fixture(scope="module")
def exercise_namespace() -> dict:
    """The exercise's data (its split, its candidate models) and the solution's answers to q4 and q6."""
    namespace = solution_namespace(NB, {"SEED": 42})
    exec("from sklearn.datasets import load_diabetes\nfrom sklearn.model_selection import train_test_split\n"
         "X, y = load_diabetes(return_X_y=True)\n"
         "X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=SEED)", namespace)
    assert "train_test_split(X, y, test_size=0.25, random_state=SEED)" in _solution_cell("Checker(")  # the same split
    exec(_solution_cell("# EXERCISE q4_baseline_r2"), namespace)
    exec(_solution_cell("val_predictions, test_predictions = "), namespace)
    exec(_solution_cell("# EXERCISE q6_choose_a_model"), namespace)
    return namespace


def _verdicts(qid: str, namespace: dict) -> tuple:
    return by_check(NB, qid, namespace), by_grader(NB, qid, namespace)


def test_the_solution_passes_both_value_questions(exercise_namespace):
    for qid in ("q4_baseline_r2", "q6_choose_a_model"):
        checked, (status, message) = _verdicts(qid, exercise_namespace)
        assert checked.status == PASS and status == PASS, (checked.message, message)


def _baseline_wrong(ns: dict, mistake: str) -> float:
    r2 = ns["r2"]
    y_train, y_test, y = ns["y_train"], ns["y_test"], ns["y"]
    if mistake == "the printed value, typed":
        return round(r2(y_test, np.full(len(y_test), y_train.mean())), 4)
    if mistake == "the test mean":
        return r2(y_test, np.full(len(y_test), y_test.mean()))
    if mistake == "the mean of all targets":
        return r2(y_test, np.full(len(y_test), y.mean()))
    if mistake == "arguments swapped (formula without the constant rule)":
        constant = np.full(len(y_test), y_train.mean())
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(1 - np.sum((constant - y_test) ** 2) / np.sum((constant - constant.mean()) ** 2))
    if mistake == "arguments swapped (own r2)":
        return r2(np.full(len(y_test), y_train.mean()), y_test)
    if mistake == "a split of its own":
        from sklearn.model_selection import train_test_split

        y_tr, y_te = train_test_split(y, test_size=0.2, random_state=0)
        return r2(y_te, np.full(len(y_te), y_tr.mean()))
    raise ValueError(mistake)


BASELINE_MISTAKES = {
    "the printed value, typed": "close, but not exact",
    "the test mean": "found 0",
    "the mean of all targets": "knows the test targets",
    "arguments swapped (formula without the constant rule)": "are the true values and the predictions swapped",
    "arguments swapped (own r2)": "found 0",
    "a split of its own": "is not the R² that the training-mean prediction gets",
}


@pytest.mark.parametrize("mistake", list(BASELINE_MISTAKES))
def test_q4_a_wrong_baseline_fails_in_check_and_grader(exercise_namespace, mistake):
    namespace = dict(exercise_namespace, baseline_test_r2=_baseline_wrong(exercise_namespace, mistake))
    checked, (status, message) = _verdicts("q4_baseline_r2", namespace)
    assert checked.status != PASS and status != PASS
    phrase = BASELINE_MISTAKES[mistake]
    assert phrase in checked.message and phrase in message, (checked.message, message)
    assert f"{exercise_namespace['baseline_test_r2']:.3f}" not in checked.message  # the answer is never shown


def _table(ns: dict, y_true, predictions: dict, rmse_column=None):
    import pandas as pd

    table = pd.DataFrame({name: {"MAE": ns["mae_mse"](y_true, p)[0], "RMSE": ns["rmse"](y_true, p), "R2": ns["r2"](y_true, p)}
                          for name, p in predictions.items()}).T
    if rmse_column is not None:
        table["RMSE"] = [rmse_column(y_true, p) for p in predictions.values()]
    return table


CHOICE_MISTAKES = ["table on the test set", "MSE in the RMSE column", "the highest RMSE", "a loser left out",
                   "a winner called a loser", "the name in a list", "no table"]


@pytest.mark.parametrize("mistake", CHOICE_MISTAKES)
def test_q6_a_wrong_table_or_choice_fails_in_check_and_grader(exercise_namespace, mistake):
    ns = exercise_namespace
    table = ns["val_table"]
    changes: dict = {}
    if mistake == "table on the test set":
        test_table = _table(ns, ns["y_test"], ns["test_predictions"])
        changes = {"val_table": test_table, "chosen_model": test_table["RMSE"].idxmin()}
        phrase = "on the validation set"
    elif mistake == "MSE in the RMSE column":
        changes, phrase = {"val_table": _table(ns, ns["y_val"], ns["val_predictions"],
                                               rmse_column=lambda t, p: ns["mae_mse"](t, p)[1])}, "The RMSE of"
        phrase = "the RMSE of"
    elif mistake == "the highest RMSE":
        changes, phrase = {"chosen_model": table["RMSE"].idxmax()}, "lower validation RMSE"
    elif mistake == "a loser left out":
        assert ns["no_better_than_baseline"], "the solution's run must find a model that does not beat the mean"
        changes, phrase = {"no_better_than_baseline": []}, "misses a model"
    elif mistake == "a winner called a loser":
        changes, phrase = {"no_better_than_baseline": [*ns["no_better_than_baseline"], ns["chosen_model"]]}, "names a model"
    elif mistake == "the name in a list":
        changes, phrase = {"chosen_model": [ns["chosen_model"]]}, "(a string), found a list"
    else:
        namespace = {k: v for k, v in ns.items() if k != "val_table"}
        checked, (status, message) = _verdicts("q6_choose_a_model", namespace)
        assert checked.status != PASS and status != PASS and "no `val_table` found" in checked.message
        return
    checked, (status, message) = _verdicts("q6_choose_a_model", dict(ns, **changes))
    assert checked.status != PASS and status != PASS
    assert phrase in checked.message and phrase in message, (checked.message, message)


def test_q6_a_function_that_changes_its_argument_in_place_is_named(exercise_namespace):
    """q1 rejects such a function; q6, judged on the student's own arrays, also says why its table is off."""
    ns = dict(exercise_namespace, y_val=exercise_namespace["y_val"].copy())  # the fixture stays intact
    exec("""
def mae_mse(y_true, y_pred):
    y_true = np.asarray(y_true, dtype=float)  # no copy: the caller's array
    y_true -= y_pred
    return float(np.mean(np.abs(y_true))), float(np.mean(y_true ** 2))
""", ns)
    exec(_solution_cell("# EXERCISE q6_choose_a_model"), ns)
    assert not np.allclose(ns["y_val"], exercise_namespace["y_val"])  # the student's y_val has changed
    checked, (status, message) = _verdicts("q6_choose_a_model", ns)
    assert checked.status != PASS and status != PASS
    phrase = "change the arrays it is given"
    assert phrase in checked.message and phrase in message, (checked.message, message)


def test_naming_the_baseline_itself_among_the_losers_is_harmless(exercise_namespace):
    ns = dict(exercise_namespace, no_better_than_baseline=[*exercise_namespace["no_better_than_baseline"], "training mean"])
    assert _verdicts("q6_choose_a_model", ns)[0].status == PASS


# --------------------------------------------------------------------------- hints and headings

CODE_IN_TEXT = re.compile(r"\w\(|=|\*\*|//|`|\bnp\.|\bsklearn\b|\[")


def test_hints_hold_no_code():
    for question in questions_for(NB).values():
        if isinstance(question, (FunctionQuestion, ValueQuestion)):
            assert question.hint and not CODE_IN_TEXT.search(question.hint), (question.id, question.hint)
            assert question.hint.startswith("think about"), question.id


def test_headings_give_each_question_its_points():
    text = "\n".join(c.source for c in nbformat.read(ROOT / "exercises" / f"{NB}.ipynb", as_version=4).cells
                     if c.cell_type == "markdown")
    found = [float(p) for p in re.findall(r"^## Question \d+ \((\d+(?:\.\d+)?) points?", text, flags=re.M)]
    assert found == [q.points for q in questions_for(NB).values()]


def test_written_questions_carry_a_rubric():
    assert all(q.rubric for q in questions_for(NB).values() if isinstance(q, WrittenQuestion))


# --------------------------------------------------------------------------- the judge decides on the set-up's own facts


class _EqualsAnything(float):
    """A number that says it equals everything (and is close to anything NumPy compares it with)."""

    def __eq__(self, other):
        return True

    __hash__ = float.__hash__

    def __float__(self):
        return 0.0


_NameThatEqualsAnything = equals_anything(str, "_NameThatEqualsAnything")


class _ListThatLooksEmpty(list):
    def __iter__(self):
        return iter([])

    def __len__(self):
        return 0


def test_q4_the_grader_decides_on_the_exercise_split_not_a_rebound_one(exercise_namespace):
    """The student re-splits the data under the set-up's names: the baseline of that split is not the answer."""
    from sklearn.model_selection import train_test_split

    ns = dict(exercise_namespace)
    ns["y_train"], ns["y_test"] = train_test_split(ns["y"], test_size=0.2, random_state=0)
    ns["baseline_test_r2"] = ns["r2"](ns["y_test"], np.full(len(ns["y_test"]), ns["y_train"].mean()))
    status, message = by_grader(NB, "q4_baseline_r2", ns, setup=exercise_namespace)
    assert status != PASS and "is not the R² that the training-mean prediction gets" in message, message
    assert by_check(NB, "q4_baseline_r2", ns).status != PASS


@pytest.mark.parametrize("liar", [_EqualsAnything(0.5), np.array(_EqualsAnything(0.5), dtype=object)])
def test_q4_a_number_that_lies_about_its_value_is_rejected(exercise_namespace, liar):
    ns = dict(exercise_namespace, baseline_test_r2=liar)
    checked, (status, message) = _verdicts("q4_baseline_r2", ns)
    assert checked.status != PASS and status != PASS
    assert "expected a number" in checked.message and "expected a number" in message, (checked.message, message)


def test_q6_the_grader_decides_on_the_set_up_split_not_a_rebound_one(exercise_namespace):
    """The student rebinds the validation names to the test split and builds a consistent table from them: the
    grader, whose split comes from the solution's run, rejects it; so does ``check``."""
    ns = dict(exercise_namespace, y_val=exercise_namespace["y_test"], val_predictions=exercise_namespace["test_predictions"])
    exec(_solution_cell("# EXERCISE q6_choose_a_model"), ns)
    status, message = by_grader(NB, "q6_choose_a_model", ns, setup=exercise_namespace)
    assert status != PASS and "is not the validation split of the set-up cell" in message, message
    checked = by_check(NB, "q6_choose_a_model", ns)
    assert checked.status != PASS and "is not the validation split of the set-up cell" in checked.message


def test_q6_the_grader_computes_the_metrics_from_the_set_up_not_from_the_students_arrays(exercise_namespace):
    """The judge recomputes every metric from the set-up's split: table values nudged by 1 % fail."""
    ns = dict(exercise_namespace, val_table=exercise_namespace["val_table"] * 1.01)
    status, message = by_grader(NB, "q6_choose_a_model", ns, setup=exercise_namespace)
    assert status != PASS and "on the validation set" in message, message


def test_q6_objects_that_lie_are_rejected(exercise_namespace):
    import pandas as pd

    ns = exercise_namespace
    worst = ns["val_table"]["RMSE"].idxmax()
    cases = {
        "another candidate has a lower validation RMSE": dict(ns, chosen_model=_NameThatEqualsAnything(worst)),
        "names a model": dict(ns, no_better_than_baseline=_ListThatLooksEmpty([ns["chosen_model"]])),
        "of 'training mean' in your table is not its": dict(ns, val_table=pd.DataFrame(
            {c: pd.Series([_EqualsAnything(0.0)] * len(ns["val_table"]), index=ns["val_table"].index, dtype=object)
             for c in ns["val_table"].columns})),
        "should be a pandas DataFrame": dict(ns, val_table=type("Table", (pd.DataFrame,), {})(ns["val_table"])),
    }
    for phrase, namespace in cases.items():
        checked, (status, message) = _verdicts("q6_choose_a_model", namespace)
        assert checked.status != PASS and status != PASS, phrase
        assert phrase in checked.message and phrase in message, (phrase, checked.message, message)
