"""Exercise 00: plausible wrong answers fail in ``check`` and in ``dlcourse grade``; the solution passes both.

Each fixture is a student's function as it would sit in the notebook's namespace; each must
fail both ways with a message that names what is wrong (asserted on a phrase).
"""

from __future__ import annotations

import numpy as np
import pytest

from dlcourse.checking import Status

PASS = Status.PASSED  # the verdict of a right answer
from tests.judging import by_check, by_grader, solution_namespace


NB = "00_start_here"

WRONG = {
    # q1: the accuracy instead of the error rate; integer division; a count; dividing by n - 1
    "accuracy": ("q1_error_rate", "def error_rate(y_true, y_pred):\n    return float(np.mean(y_true == y_pred))",
                 "expected 0.0, found 1.0"),
    "integer division": ("q1_error_rate", "def error_rate(y_true, y_pred):\n    return np.sum(y_true != y_pred) // len(y_true)",
                         "expected 0.5, found"),
    "a count": ("q1_error_rate", "def error_rate(y_true, y_pred):\n    return int(np.sum(y_true != y_pred))",
                "expected 0.5, found 2"),
    "n - 1": ("q1_error_rate", "def error_rate(y_true, y_pred):\n    return np.sum(y_true != y_pred) / (len(y_true) - 1)",
              "expected 0.5, found 0.666667"),
    "percent": ("q1_error_rate", "def error_rate(y_true, y_pred):\n    return 100 * float(np.mean(y_true != y_pred))",
                "expected 0.5, found 50.0"),
    # q2: no minlength (right only when class 9 occurs); only the classes that occur; a histogram over the labels' range;
    # nine bins (off by one)
    "no minlength": ("q2_class_counts", "def class_counts(labels):\n    return np.bincount(labels.ravel())",
                     "expected an array of shape (10,), found shape (4,)"),
    "present classes only": ("q2_class_counts", "def class_counts(labels):\n    return np.unique(labels, return_counts=True)[1]",
                             "expected an array of shape (10,), found shape (3,)"),
    "histogram over the range": ("q2_class_counts", "def class_counts(labels):\n    return np.histogram(labels, bins=10)[0]",
                                 "entries differ"),
    "nine classes": ("q2_class_counts", "def class_counts(labels):\n    return np.bincount(labels.ravel(), minlength=9)",
                     "expected an array of shape (10,), found shape (9,)"),
    "one class too many": ("q2_class_counts", "def class_counts(labels):\n    return np.bincount(labels.ravel(), minlength=11)",
                           "expected an array of shape (10,), found shape (11,)"),
}


@pytest.mark.parametrize("name", WRONG)
def test_wrong_answers_fail_in_check_and_grader(name):
    qid, source, phrase = WRONG[name]
    namespace: dict = {"np": np}
    exec(source, namespace)
    checked = by_check(NB, qid, namespace)
    assert checked.status != PASS, f"check accepted: {name}"
    assert phrase in checked.message, checked.message
    status, message = by_grader(NB, qid, namespace)
    assert status != PASS, f"the grader accepted: {name}"
    assert phrase in message, message


def test_the_solution_passes_check_and_grader():
    namespace = solution_namespace(NB)
    for qid in ("q1_error_rate", "q2_class_counts"):
        assert by_check(NB, qid, namespace).status == PASS
        assert by_grader(NB, qid, namespace)[0] == PASS
