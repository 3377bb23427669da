"""``check("<id>")`` in an exercise notebook: instant feedback on the public cases.

A thin notebook front on the assessment core (:mod:`dlcourse.assessment`): it evaluates
the question in the student's namespace, judges it with the same code the grader uses,
shows one line (✓, ✗ or ✎ with a message) and records the verdict. The record travels
as an output of its own kind, :data:`CHECK_MIME`, beside the text: the test suite's
notebook rules read those records, not the printed text.

The question model's names are re-exported here for notebooks and tests; the question
modules import them from :mod:`dlcourse.assessment` itself.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any

from dlcourse.assessment.compare import describe_difference
from dlcourse.assessment.evaluate import evaluate
from dlcourse.assessment.judge import Verdict, judge
from dlcourse.assessment.questions import (Case, FunctionQuestion, Question, ValueQuestion, WrittenQuestion,
                                           questions_for)
from dlcourse.assessment.status import Status

__all__ = ["CHECK_MIME", "Case", "Checker", "FunctionQuestion", "Question", "Status", "ValueQuestion", "Verdict",
           "WrittenQuestion", "check_answer", "describe_difference", "questions_for"]

CHECK_MIME = "application/vnd.dlcourse.check+json"


def check_answer(question: Question, namespace: Mapping[str, Any]) -> Verdict:
    """Judge ``question`` on its public cases in ``namespace`` (never raises for the student's code)."""
    cases = list(question.public) if isinstance(question, FunctionQuestion) else []
    report = evaluate(question, namespace, [(c.args, dict(c.kwargs)) for c in cases])
    try:
        report = json.loads(json.dumps(report, allow_nan=False))  # exactly what the grader would read
    except ValueError as problem:
        report = {"kind": "crash", "message": f"the result could not be encoded ({problem})"}
    # check trusts the student's own set-up cells (a student can only fool themselves here); the grader
    # takes the set-up's given facts from the solution's run instead
    given = report.get("given") if isinstance(report, Mapping) else None
    return judge(question, cases, report, given=given)


class Checker:
    """``check = Checker("00_start_here")`` in the setup cell, then ``check("<id>")``."""

    def __init__(self, notebook: str, questions: Mapping[str, Question] | None = None):
        self.notebook = notebook
        self.questions = dict(questions) if questions is not None else questions_for(notebook)
        self.results: dict[str, Verdict] = {}

    def __call__(self, question_id: str, namespace: Mapping[str, Any] | None = None) -> None:
        """Show ✓ or ✗ for one question (use :meth:`result` to get the :class:`Verdict`)."""
        if namespace is None:
            namespace = sys._getframe(1).f_globals  # the notebook's variables
        _show(self.result(question_id, namespace))

    def result(self, question_id: str, namespace: Mapping[str, Any]) -> Verdict:
        """Judge one question on its public cases, never raising; the verdict is recorded."""
        question = self.questions.get(question_id)
        if question is None:
            verdict = Verdict(str(question_id), Status.ERROR,
                              f"no question with this id in {self.notebook}; known: {', '.join(self.questions)}.")
        else:
            try:
                verdict = check_answer(question, namespace)
            except Exception as exc:  # a bug of ours must not look like the student's
                verdict = Verdict(question_id, Status.ERROR, f"the checker itself failed ({type(exc).__name__}: {exc}); "
                                  "please tell your instructor.")
        self.results[verdict.question] = verdict
        return verdict

    def _repr_pretty_(self, printer, cycle) -> None:  # pragma: no cover - cosmetic
        printer.text(f"check: {len(self.questions)} questions of {self.notebook}")


def _show(verdict: Verdict) -> None:
    """One line for the student, and the record for the test suite, as one output."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython comes with every kernel
        get_ipython = None  # type: ignore[assignment]
    if get_ipython is None or get_ipython() is None:
        print(verdict)
        return
    record = {"question": verdict.question, "status": verdict.status.value, "message": verdict.message}
    display({"text/plain": str(verdict), CHECK_MIME: record}, raw=True)
