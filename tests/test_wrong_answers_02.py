"""Exercise 02: plausible wrong answers fail in ``check`` and in ``dlcourse grade``, the solution passes both.

Each wrong answer is one a student could well write (the mean of the error before its
absolute value, R² around the predictions' mean, no rule for a constant target, signed
residuals, a baseline that knows the test set, a model chosen on the test set...).
Both paths must reject it, and the message must say what is wrong without giving the code.
Question 6, which model to keep, is a function judged on made-up candidates: each misreading of
its rule is a fixture, rejected by check's public cases and by the grader's hidden cases alone,
and every draw of hidden cases is checked to tell each misreading from the rule.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from dlcourse.checking import Status, FunctionQuestion, ValueQuestion, WrittenQuestion, questions_for

PASS = Status.PASSED  # the verdict of a right answer
from tests.judging import assert_accepted, assert_rejected, by_check, by_grader, solution_namespace
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
    """The exercise's data (its split, its candidate models), the solution's answer to q4 and its q6 cell (which
    defines ``choose_model`` and applies it to the exercise's candidates)."""
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


def test_the_solution_passes_the_value_question_and_q6_in_the_notebook(exercise_namespace):
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


# --------------------------------------------------------------------------- q6: which model to keep (run and decide)

BASELINE = "training mean"


def _scores(y, predictions: dict) -> dict:
    """Each candidate's MAE, RMSE and R² on one split."""
    def row(predicted):
        errors = np.asarray(y, dtype=float) - np.asarray(predicted, dtype=float)
        return {"MAE": float(np.mean(np.abs(errors))), "MSE": float(np.mean(errors ** 2)),
                "RMSE": float(np.sqrt(np.mean(errors ** 2))), "R2": float(1 - np.sum(errors ** 2) / np.sum((y - np.mean(y)) ** 2))}
    return {name: row(predicted) for name, predicted in predictions.items()}


LOSERS = {  # is this model (its scores) no better than the baseline (its scores)?
    "RMSE not lower": lambda row, base: row["RMSE"] >= base["RMSE"],
    "R2 not above the baseline's": lambda row, base: row["R2"] <= base["R2"],  # the same rule, read from R²
    "RMSE higher": lambda row, base: row["RMSE"] > base["RMSE"],  # strictly: a model that repeats the mean escapes
    "MAE not lower": lambda row, base: row["MAE"] >= base["MAE"],
    "R2 below 0": lambda row, base: row["R2"] < 0,  # "0 is no better than the mean": the validation mean, not the baseline
    "R2 at or below 0": lambda row, base: row["R2"] <= 0,
}


def choose_with(*, by="RMSE", choose_on="validation", losers_on="validation", loser="RMSE not lower",
                baseline_on=None, all_but_chosen=False, baseline_can_win=True, report="the chosen one's test RMSE",
                order="given", tie="the training mean"):
    """A choose_model that follows the question except where a keyword says otherwise (``baseline_on``: the split
    whose training-mean scores a loser is compared with, if not its own)."""
    def choose_model(y_val, val_predictions, y_test, test_predictions):
        splits = {"validation": _scores(y_val, val_predictions), "test": _scores(y_test, test_predictions)}
        scores = splits[choose_on]
        candidates = [name for name in scores if baseline_can_win or name != BASELINE]
        keeps_mean = tie == "the training mean"  # on a tie, the training mean (right) or the model
        if by == "R2":
            chosen = max(candidates, key=lambda name: (scores[name]["R2"], (name == BASELINE) == keeps_mean))
        else:
            chosen = min(candidates, key=lambda name: (scores[name][by], (name != BASELINE) == keeps_mean))
        table = splits[losers_on]
        base = splits[baseline_on or losers_on][BASELINE]
        losers = [name for name, row in table.items() if name != BASELINE
                  and (name != chosen if all_but_chosen else LOSERS[loser](row, base))]
        if order == "by RMSE, baseline included":
            losers = sorted([*losers, BASELINE], key=lambda name: table[name]["RMSE"])
        elif order == "a set":
            losers = set(losers)
        elif order == "a pandas Index":
            import pandas as pd

            losers = pd.Index(losers, dtype=object)
        both = np.concatenate([np.asarray(y_val) - val_predictions[chosen], np.asarray(y_test) - test_predictions[chosen]])
        reported = {"the chosen one's test RMSE": splits["test"][chosen]["RMSE"],
                    "the chosen one's validation RMSE": splits["validation"][chosen]["RMSE"],
                    "the best test RMSE": min(row["RMSE"] for row in splits["test"].values()),
                    "the chosen one's RMSE on both splits": float(np.sqrt(np.mean(both ** 2)))}[report]
        return {"chosen": chosen, "no_better_than_baseline": losers, "test_rmse": reported}
    return choose_model


# Each misreading of the rule, and a phrase of the message check gives on the public cases (the grader's too)
WRONG_CHOICES = {
    "chooses by MAE": ({"by": "MAE"}, "key 'chosen': expected 'linear regression', found 'deep tree'"),
    "chooses on the test split": ({"choose_on": "test"}, "key 'chosen': expected 'linear regression', found 'deep tree'"),
    "losers judged on the test split": ({"losers_on": "test"}, "key 'no_better_than_baseline'"),
    "losers: R² below 0": ({"loser": "R2 below 0"}, "key 'no_better_than_baseline'"),
    "losers: R² at or below 0": ({"loser": "R2 at or below 0"}, "key 'no_better_than_baseline'"),
    "losers against the training mean's test RMSE": ({"baseline_on": "test"}, "key 'no_better_than_baseline'"),
    "losers: RMSE strictly higher": ({"loser": "RMSE higher"}, "key 'no_better_than_baseline'"),
    "losers: MAE not lower": ({"loser": "MAE not lower"}, "key 'no_better_than_baseline'"),
    "losers: every model but the chosen one": ({"all_but_chosen": True}, "key 'no_better_than_baseline'"),
    "the training mean is never chosen": ({"baseline_can_win": False},
                                          "key 'chosen': expected 'training mean', found 'ridge'"),
    "reports the chosen one's validation RMSE": ({"report": "the chosen one's validation RMSE"},
                                                 "key 'test_rmse': expected 30.0, found 20.0"),
    "reports the best test RMSE": ({"report": "the best test RMSE"}, "key 'test_rmse': expected 30.0, found 5.0"),
    "reports the chosen one's RMSE on both splits": ({"report": "the chosen one's RMSE on both splits"}, "key 'test_rmse'"),
}

# The same rule written other ways: both paths accept them
RIGHT_CHOICES = {
    "chooses by the highest R²": {"by": "R2"},
    "chooses by MSE": {"by": "MSE"},
    "losers by an R² not above the training mean's": {"loser": "R2 not above the baseline's"},
    "losers sorted by RMSE, the training mean among them": {"order": "by RMSE, baseline included"},
    "losers as a set": {"order": "a set"},
    "losers as a pandas Index": {"order": "a pandas Index"},
}


def test_q6_the_solution_and_the_reference_pass():
    assert_accepted(NB, "q6_choose_a_model", solution_namespace(NB))
    assert_accepted(NB, "q6_choose_a_model", {"np": np, "choose_model": choose_with()})


@pytest.mark.parametrize("way", list(RIGHT_CHOICES))
def test_q6_the_rule_written_another_way_passes(way):
    assert_accepted(NB, "q6_choose_a_model", {"np": np, "choose_model": choose_with(**RIGHT_CHOICES[way])})


@pytest.mark.parametrize("misreading", list(WRONG_CHOICES))
def test_q6_a_wrong_rule_fails_in_check_and_grader(misreading):
    changes, phrase = WRONG_CHOICES[misreading]
    assert_rejected(NB, "q6_choose_a_model", {"np": np, "choose_model": choose_with(**changes)}, phrase)


def hidden_only(qid: str, namespace: dict, seed: int):
    """The verdict on the hidden cases the grader draws with ``seed`` alone (the public ones left out), through the
    assessment core that check and the grader share."""
    import json

    from dlcourse.assessment.evaluate import evaluate
    from dlcourse.assessment.judge import judge
    from tests.judging import grading_cases

    question = questions_for(NB)[qid]
    cases = grading_cases(NB, qid, seed=seed)[len(question.public):]
    report = json.loads(json.dumps(evaluate(question, namespace, [(c.args, dict(c.kwargs)) for c in cases])))
    return judge(question, cases, report, n_public=0)


@pytest.mark.parametrize("misreading", list(WRONG_CHOICES))
@pytest.mark.parametrize("seed", [0, 1, 2024])
def test_q6_a_wrong_rule_fails_the_hidden_cases_alone(misreading, seed):
    """The grader's hidden cases reject each misreading without the public ones; the rule passes them."""
    verdict = hidden_only("q6_choose_a_model", {"np": np, "choose_model": choose_with(**WRONG_CHOICES[misreading][0])}, seed)
    assert verdict.status != PASS and verdict.failed, verdict
    assert hidden_only("q6_choose_a_model", {"np": np, "choose_model": choose_with()}, seed).status == PASS


@pytest.mark.parametrize("seed", range(40))
def test_q6_every_draw_of_hidden_cases_separates_each_misreading(seed):
    """In every draw, each misreading answers at least one hidden case differently from the rule, and the one kind of
    candidates drawn against it does so on its own."""
    question = questions_for(NB)["q6_choose_a_model"]
    cases = [args for args, _ in question.hidden(np.random.default_rng(seed))]
    answers = lambda choose: [question.summarize(choose(*args)) for args in cases]  # noqa: E731
    right = answers(choose_with())
    assert [a["chosen"] == BASELINE for a in right] == [False, False, False, True, False, True]
    for misreading, (changes, _) in WRONG_CHOICES.items():
        assert answers(choose_with(**changes)) != right, misreading
    designed = [(0, {"by": "MAE"}), (1, {"choose_on": "test"}), (1, {"report": "the best test RMSE"}),
                (1, {"baseline_on": "test"}), (2, {"loser": "R2 below 0"}), (2, {"loser": "MAE not lower"}),
                (2, {"losers_on": "test"}), (3, {"baseline_can_win": False}), (4, {"loser": "RMSE higher"})]
    for kind, changes in designed:
        assert question.summarize(choose_with(**changes)(*cases[kind])) != right[kind], (kind, changes)


def test_q6_the_solution_agrees_with_the_reference_on_hidden_cases():
    solution = solution_namespace(NB)["choose_model"]
    question = questions_for(NB)["q6_choose_a_model"]
    for args, _ in question.hidden(np.random.default_rng(7)):
        assert question.summarize(solution(*args)) == question.summarize(choose_with()(*args))


def test_q6_the_exercises_own_candidates_cannot_tell_the_misreadings(exercise_namespace):
    """Why q6 is a function judged on made-up candidates: on the exercise's own four, choosing by MAE or on the test
    split, judging losers on the test split, against the test split's training mean, by an R² below (or at) 0 or by a
    strictly higher RMSE, and never choosing the training mean all give the rule's answer (and passed the value
    question q6 was before). Each is still rejected (above)."""
    ns = exercise_namespace
    args = (ns["y_val"], ns["val_predictions"], ns["y_test"], ns["test_predictions"])
    right = choose_with()(*args)
    assert ns["choice"]["chosen"] == right["chosen"] == "linear regression"
    assert ns["choice"]["no_better_than_baseline"] == right["no_better_than_baseline"] == ["deep tree"]
    assert np.isclose(ns["choice"]["test_rmse"], right["test_rmse"])
    for misreading in ("chooses by MAE", "chooses on the test split", "losers judged on the test split",
                       "losers: R² below 0", "losers: R² at or below 0", "losers against the training mean's test RMSE",
                       "losers: RMSE strictly higher", "the training mean is never chosen"):
        assert choose_with(**WRONG_CHOICES[misreading][0])(*args) == right, misreading


def test_q6_a_metric_that_changes_its_argument_in_place_is_named():
    """q1 rejects such a function; q6, whose choose_model calls it, says why its answers are off."""
    ns = solution_namespace(NB)
    exec("""
def mae_mse(y_true, y_pred):
    y_true = np.asarray(y_true, dtype=float)  # no copy: the caller's array
    y_true -= y_pred
    return float(np.mean(np.abs(y_true))), float(np.mean(y_true ** 2))
""", ns)
    assert_rejected(NB, "q6_choose_a_model", ns, "your function changed its argument 1")


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


def test_q6_answers_that_lie_are_rejected():
    """Parts of choose_model's answer that pose as what they are not: a name that equals any name, a list that looks
    empty, a number that equals any number. Each is read for what it is, and fails."""
    right = choose_with()

    def lying(key, make):
        def choose_model(*args):
            answer = right(*args)
            return dict(answer, **{key: make(answer[key])})
        return {"np": np, "choose_model": choose_model}

    cases = {
        "key 'chosen': expected 'linear regression', found 'deep tree'":
            lying("chosen", lambda chosen: _NameThatEqualsAnything("deep tree")),
        "key 'no_better_than_baseline'": lying("no_better_than_baseline", lambda names: _ListThatLooksEmpty([*names, "deep tree"])),
        "key 'test_rmse': expected a number": lying("test_rmse", _EqualsAnything),
    }
    for phrase, namespace in cases.items():
        assert_rejected(NB, "q6_choose_a_model", namespace, phrase)


# Found by a helper that attacked the question without reading its checks: the public cases have no tie, so only the
# hidden ones (a model that repeats the training mean, nothing better) reject it.
def test_q6_a_tie_with_the_training_mean_kept_as_the_model_fails_the_hidden_cases():
    namespace = {"np": np, "choose_model": choose_with(tie="the model")}
    assert by_check(NB, "q6_choose_a_model", namespace).status == PASS
    for seed in (0, 1, 2024):
        verdict = hidden_only("q6_choose_a_model", namespace, seed)
        assert verdict.status != PASS and verdict.failed, verdict
