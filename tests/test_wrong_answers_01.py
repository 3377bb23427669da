"""Exercise 01: plausible wrong answers fail in ``check`` and in ``dlcourse grade``, the solution passes both.

Each wrong answer is one a student could well write (swapped arguments, a missing zero
division, a strict threshold, the wrong classes or the wrong tie-break, a table built on
the test set...). Both paths must reject it, and the message must say what is wrong
(a distinctive phrase) without giving the code.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from dlcourse.checking import Status, FunctionQuestion, ValueQuestion, questions_for

PASS = Status.PASSED  # the verdict of a right answer
from tests.judging import assert_accepted, by_check, by_grader, solution_namespace

NB = "01_classification_metrics"
ROOT = Path(__file__).resolve().parents[1]

COUNTS = '''
def confusion_counts(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return {"tp": int(np.sum((y_pred == 1) & (y_true == 1))), "fp": int(np.sum((y_pred == 1) & (y_true == 0))),
            "fn": int(np.sum((y_pred == 0) & (y_true == 1))), "tn": int(np.sum((y_pred == 0) & (y_true == 0)))}
'''

THRESHOLD = '''
def threshold_for_recall(y_true, scores, min_recall):
    y_true, scores = np.asarray(y_true), np.asarray(scores)
    best, best_precision = None, -1.0
    for t in ORDER(np.unique(scores)):
        predicted = scores COMPARE t
        tp = np.sum(predicted & (y_true == 1))
        recall = tp / np.sum(y_true == 1)
        precision = tp / np.sum(predicted) if np.sum(predicted) else 0.0
        if recall RECALL min_recall and precision > best_precision:
            best, best_precision = float(t), precision
    return best
'''


def threshold(order="lambda a: a[::-1]", compare=">=", recall=">="):
    return (THRESHOLD.replace("ORDER", f"({order})").replace("COMPARE", compare).replace("RECALL", recall))


MACRO = '''
def macro_f1(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    scores, weights = [], []
    for c in CLASSES:
        tp = np.sum((y_true == c) & (y_pred == c))
        fp = np.sum((y_true != c) & (y_pred == c))
        fn = np.sum((y_true == c) & (y_pred != c))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
        weights.append(np.sum(y_true == c))
    return float(AVERAGE)
'''


def macro(classes="np.union1d(y_true, y_pred)", average="np.mean(scores)"):
    return MACRO.replace("CLASSES", classes).replace("AVERAGE", average)


# (question, what the student did) -> (code, a phrase the message must contain)
WRONG = {
    ("q1_confusion_counts", "truth and prediction swapped"): (
        COUNTS.replace("y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)",
                       "y_true, y_pred = np.asarray(y_pred), np.asarray(y_true)"), "key 'fp'"),
    ("q1_confusion_counts", "tp counts every agreement"): (
        COUNTS.replace('"tp": int(np.sum((y_pred == 1) & (y_true == 1)))', '"tp": int(np.sum(y_pred == y_true))'), "key 'tp'"),
    ("q2_precision_recall_f1", "no zero division for recall"): ('''
def precision_recall_f1(tp, fp, fn):
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
''', "ZeroDivisionError"),
    ("q2_precision_recall_f1", "F1 as the arithmetic mean"): ('''
def precision_recall_f1(tp, fp, fn):
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, (precision + recall) / 2
''', "item 2"),
    ("q2_precision_recall_f1", "integer division"): ('''
def precision_recall_f1(tp, fp, fn):
    precision = tp // (tp + fp) if tp + fp else 0.0
    recall = tp // (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall // (precision + recall) if precision + recall else 0.0
    return float(precision), float(recall), float(f1)
''', "item 0: expected 0.8, found 0.0"),
    ("q3_threshold_for_recall", "a strict threshold"): (threshold(compare=">"), "expected 0.8"),
    ("q3_threshold_for_recall", "the lowest threshold on a tie"): (threshold(order="lambda a: a"), "expected 0.9, found 0.8"),
    ("q3_threshold_for_recall", "recall must exceed the target"): (threshold(recall=">"), "1.0): expected a number, found None"),
    ("q3_threshold_for_recall", "the highest threshold that reaches the recall"): ('''
def threshold_for_recall(y_true, scores, min_recall):
    y_true, scores = np.asarray(y_true), np.asarray(scores)
    for t in np.unique(scores)[::-1]:
        if np.sum((scores >= t) & (y_true == 1)) / np.sum(y_true == 1) >= min_recall:
            return float(t)
''', "expected 0.5, found 0.9"),
    ("q4_macro_f1", "only the classes of y_true"): (macro(classes="np.unique(y_true)"), "expected 0.555556, found 0.833333"),
    ("q4_macro_f1", "classes 0 to the largest label"): (macro(classes="range(max(y_true.max(), y_pred.max()) + 1)"),
                                                     "expected 0.583333"),
    ("q4_macro_f1", "weighted by support"): (macro(average="np.average(scores, weights=weights)"), "expected 0.266667"),
    ("q4_macro_f1", "micro average (accuracy)"): (macro(average="np.mean(y_true == y_pred)"), "expected 0.266667"),
    ("q5_majority_accuracy", "the first-seen class on a tie"): ('''
from collections import Counter

def majority_accuracy(y_train, y_test):
    majority = Counter(np.asarray(y_train).tolist()).most_common(1)[0][0]
    return float(np.mean(np.asarray(y_test) == majority))
''', "expected 0.333333, found 0.666667"),
    ("q5_majority_accuracy", "the majority of the test labels"): ('''
def majority_accuracy(y_train, y_test):
    values, counts = np.unique(y_test, return_counts=True)
    return float(np.mean(np.asarray(y_test) == values[np.argmax(counts)]))
''', "expected 0.25, found 0.75"),
    ("q5_majority_accuracy", "integer division"): ('''
def majority_accuracy(y_train, y_test):
    values, counts = np.unique(y_train, return_counts=True)
    return np.sum(np.asarray(y_test) == values[np.argmax(counts)]) // len(y_test)
''', "expected 0.25, found"),
    ("q2_precision_recall_f1", "F1 from the counts, unguarded when all three are zero"): ('''
def precision_recall_f1(tp, fp, fn):
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, 2 * tp / (2 * tp + fp + fn)
''', "precision_recall_f1(0, 0, 0): raised ZeroDivisionError"),
    ("q5_majority_accuracy", "the last-seen class on a tie (>= while counting)"): ('''
from collections import Counter

def majority_accuracy(y_train, y_test):
    best, best_count = None, 0
    for label, count in Counter(np.asarray(y_train).tolist()).items():
        if count >= best_count:
            best, best_count = label, count
    return float(np.mean(np.asarray(y_test) == best))
''', "expected 0.25, found 0.5"),
}

# Right answers written another way (scikit-learn, other NumPy idioms): both paths must accept them.
RIGHT = {
    ("q1_confusion_counts", "scikit-learn's confusion matrix with both labels"): '''
from sklearn.metrics import confusion_matrix

def confusion_counts(y_true, y_pred):
    tn, fp, fn, tp = confusion_matrix(y_true, y_pred, labels=[0, 1]).ravel()
    return {"tp": int(tp), "fp": int(fp), "fn": int(fn), "tn": int(tn)}
''',
    ("q2_precision_recall_f1", "F1 from the counts, guarded on tp"): '''
def precision_recall_f1(tp, fp, fn):
    if tp == 0:
        return 0.0, 0.0, 0.0
    return tp / (tp + fp), tp / (tp + fn), 2 * tp / (2 * tp + fp + fn)
''',
    ("q3_threshold_for_recall", "scikit-learn's precision-recall curve"): '''
from sklearn.metrics import precision_recall_curve

def threshold_for_recall(y_true, scores, min_recall):
    precision, recall, thresholds = precision_recall_curve(y_true, scores)
    ok = recall[:-1] >= min_recall
    best = precision[:-1][ok].max()
    return float(thresholds[ok][precision[:-1][ok] == best].max())
''',
    ("q4_macro_f1", "scikit-learn's macro F1"): '''
from sklearn.metrics import f1_score

def macro_f1(y_true, y_pred):
    return float(f1_score(y_true, y_pred, average="macro", zero_division=0))
''',
    ("q5_majority_accuracy", "bincount"): '''
def majority_accuracy(y_train, y_test):
    return float(np.mean(np.asarray(y_test) == np.bincount(y_train).argmax()))
''',
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


def test_the_solution_passes_every_function_question_in_check_and_grader():
    namespace = solution_namespace(NB)
    for question in questions_for(NB).values():
        if isinstance(question, FunctionQuestion):
            assert by_check(NB, question.id, namespace).status == PASS, question.id
            assert by_grader(NB, question.id, namespace) == (PASS, by_grader(NB, question.id, namespace)[1]), question.id
            assert by_grader(NB, question.id, namespace)[0] == PASS


# --------------------------------------------------------------------------- q6: the student's own table


def _solution_cell(marker: str) -> str:
    cells = nbformat.read(ROOT / "solutions" / f"{NB}.ipynb", as_version=4).cells
    return next(c.source for c in cells if c.cell_type == "code" and marker in c.source)


@pytest.fixture(scope="module")
def screening() -> dict:
    """The namespace after the exercise's screening-data cell and the solution's answer to q6."""
    namespace = solution_namespace(NB, {"SEED": 42})
    exec(_solution_cell("candidate_thresholds = "), namespace)
    exec(_solution_cell("# EXERCISE q6_threshold_from_table"), namespace)
    return namespace


def _table(namespace: dict, y, scores):
    import pandas as pd

    rows = []
    for t in namespace["candidate_thresholds"]:
        flagged = scores >= t
        tp = np.sum(flagged & (y == 1))
        rows.append({"threshold": t, "precision": tp / flagged.sum() if flagged.sum() else 0.0, "recall": tp / np.sum(y == 1)})
    return pd.DataFrame(rows)


def _best(table, required=0.6):
    meeting = table[table["recall"] >= required]
    return float(meeting[meeting["precision"] == meeting["precision"].max()]["threshold"].max())


def test_q6_the_solution_passes_and_chooses_from_the_validation_table(screening):
    assert by_check(NB, "q6_threshold_from_table", screening).status == PASS
    assert by_grader(NB, "q6_threshold_from_table", screening)[0] == PASS
    assert screening["chosen_threshold"] == _best(_table(screening, screening["y_val"], screening["val_scores"]))


def _q6_wrong(screening: dict, **changes) -> dict:
    namespace = dict(screening)
    namespace.update(changes)
    return namespace


@pytest.mark.parametrize("mistake", ["table on the test set", "the lowest threshold (most recall)",
                                     "a threshold below the recall target", "the best F1 instead", "no table",
                                     "every distinct score as a candidate", "a finer grid of candidates",
                                     "the validation names rebound to the test set"])
def test_q6_a_wrong_table_or_decision_fails_in_check_and_grader(screening, mistake):
    val_table = screening["val_table"]
    if mistake in ("every distinct score as a candidate", "a finer grid of candidates"):
        # the student replaces the team's thresholds, builds a right table from them and chooses from it
        candidates = (np.unique(screening["val_scores"]) if mistake.startswith("every")
                      else np.round(np.arange(0.01, 0.51, 0.01), 2))
        table = _table(dict(screening, candidate_thresholds=candidates), screening["y_val"], screening["val_scores"])
        assert _best(table) != screening["chosen_threshold"]  # not a threshold the team considers
        namespace = _q6_wrong(screening, candidate_thresholds=candidates, val_table=table, chosen_threshold=_best(table))
        phrase = "`candidate_thresholds` is not the list of the set-up cell"
    elif mistake == "the validation names rebound to the test set":
        table = _table(screening, screening["y_test"], screening["test_scores"])
        assert _best(table) != screening["chosen_threshold"]
        namespace = _q6_wrong(screening, y_val=screening["y_test"], val_scores=screening["test_scores"],
                              val_table=table, chosen_threshold=_best(table))
        phrase = "is not the validation split of the set-up cell"
    elif mistake == "table on the test set":
        table = _table(screening, screening["y_test"], screening["test_scores"])
        namespace, phrase = _q6_wrong(screening, val_table=table, chosen_threshold=_best(table)), "validation scores"
        assert _best(table) != screening["chosen_threshold"]  # the test set would lead to another choice
    elif mistake == "the lowest threshold (most recall)":
        namespace, phrase = _q6_wrong(screening, chosen_threshold=float(val_table["threshold"].min())), "higher precision"
    elif mistake == "a threshold below the recall target":
        below = float(val_table[val_table["recall"] < 0.6]["threshold"].min())
        namespace, phrase = _q6_wrong(screening, chosen_threshold=below), "below the required 0.6"
    elif mistake == "the best F1 instead":
        f1 = 2 * val_table["precision"] * val_table["recall"] / (val_table["precision"] + val_table["recall"])
        by_f1 = float(val_table["threshold"][f1.idxmax()])
        assert by_f1 != screening["chosen_threshold"]
        namespace, phrase = _q6_wrong(screening, chosen_threshold=by_f1), "below the required 0.6"
    else:
        namespace = {k: v for k, v in screening.items() if k != "val_table"}
        phrase = "no `val_table` found"
    checked = by_check(NB, "q6_threshold_from_table", namespace)
    status, message = by_grader(NB, "q6_threshold_from_table", namespace)
    assert checked.status != PASS and status != PASS
    assert phrase in checked.message and phrase in message, (checked.message, message)


# --------------------------------------------------------------------------- hints and headings

CODE_IN_TEXT = re.compile(r"\w\(|=|\*\*|//|`|\bnp\.|\bsklearn\b|\[")


def test_hints_hold_no_code():
    for question in questions_for(NB).values():
        if isinstance(question, (FunctionQuestion, ValueQuestion)):
            assert question.hint, question.id
            assert not CODE_IN_TEXT.search(question.hint), (question.id, question.hint)
            assert question.hint.startswith("think about"), question.id


def test_headings_give_each_question_its_points():
    text = "\n".join(c.source for c in nbformat.read(ROOT / "exercises" / f"{NB}.ipynb", as_version=4).cells
                     if c.cell_type == "markdown")
    found = [float(p) for p in re.findall(r"^## Question \d+ \((\d+(?:\.\d+)?) points?", text, flags=re.M)]
    assert found == [q.points for q in questions_for(NB).values()]


def test_written_questions_carry_a_rubric():
    from dlcourse.checking import WrittenQuestion

    assert all(q.rubric for q in questions_for(NB).values() if isinstance(q, WrittenQuestion))


def test_q7_rubric_gives_the_numbers_the_run_prints(screening):
    """A grader can only spot quoted numbers that no run printed if the rubric has the printed ones."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    rubric = questions_for(NB)["q7_roc_auc_or_ap"].rubric
    y_val, scores, chosen = screening["y_val"], screening["val_scores"], screening["chosen_threshold"]
    row = screening["val_table"][np.isclose(screening["val_table"]["threshold"], chosen)].iloc[0]
    printed = [roc_auc_score(y_val, scores), average_precision_score(y_val, scores), np.mean(y_val),
               row["precision"], row["recall"]]
    for number in printed:
        assert f"{number:.3f}" in rubric, (f"{number:.3f}", rubric)
    assert f"threshold {chosen:g}" in rubric
