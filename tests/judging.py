"""One way for tests to put a student's answer through ``check`` and through the grader.

Wrong-answer fixtures (tests/test_wrong_answers_*.py) build a namespace as a student's
notebook would hold it, then ask both paths for a verdict: :func:`by_check` is what the
student sees from ``check("<id>")``; :func:`by_grader` is what ``dlcourse grade`` records,
through the grader's own probe and scoring code (run in this process instead of a kernel,
on the public cases and a fresh draw of hidden cases whose expected values come from the
solution's function). Both must reject a wrong answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import nbformat
import numpy as np

from dlcourse.checking import Case, Checker, FunctionQuestion, Result, questions_for
from dlcourse.exercises import exercise_id
from dlcourse.grading import encoding, probe
from dlcourse.grading.grader import _code_outcome
from dlcourse.grading.runner import OK, CellRun

ROOT = Path(__file__).resolve().parents[1]


def by_check(notebook: str, qid: str, namespace: Mapping[str, Any]) -> Result:
    """What ``check(qid)`` reports for ``namespace`` (public cases only)."""
    return Checker(notebook).result(qid, dict(namespace))


def solution_namespace(notebook: str, base: Mapping[str, Any] | None = None) -> dict:
    """The solution's function-defining EXERCISE cells, run in order in a fresh namespace."""
    questions = questions_for(notebook)
    namespace: dict = {"np": np, **(base or {})}
    path = ROOT / "solutions" / f"{notebook}.ipynb"
    for cell in nbformat.read(path, as_version=4).cells:
        qid = exercise_id(cell)
        if qid and isinstance(questions[qid], FunctionQuestion):
            exec(compile(cell.source, f"{path.name}:{qid}", "exec"), namespace)
    return namespace


def grading_cases(notebook: str, qid: str, reference: Callable | None = None, seed: int = 2024) -> list[Case]:
    """Public cases, then hidden cases drawn with ``seed``, expected values from ``reference``
    (default: the solution's function), summarized as the grader would."""
    question = questions_for(notebook)[qid]
    assert isinstance(question, FunctionQuestion)
    if reference is None:
        reference = solution_namespace(notebook)[question.function]
    cases = list(question.public)
    drawn = question.hidden(np.random.default_rng(seed)) if question.hidden else []
    for args, kwargs in drawn:
        expected = reference(*args, **kwargs)
        if question.summarize is not None:
            expected = question.summarize(expected)
        # through JSON, as the grader's expected values travel
        expected = encoding.from_jsonable(json.loads(json.dumps(encoding.to_jsonable(expected))))
        cases.append(Case(tuple(args), expected, dict(kwargs)))
    return cases


def by_grader(notebook: str, qid: str, namespace: Mapping[str, Any], cases: list[Case] | None = None) -> tuple[str, str]:
    """(status, message) that ``dlcourse grade`` records for ``namespace``: the grader's probe
    reads the namespace, its scoring compares with expected values outside."""
    question = questions_for(notebook)[qid]
    if isinstance(question, FunctionQuestion) and cases is None:
        cases = grading_cases(notebook, qid)
    calls = [[list(c.args), dict(c.kwargs)] for c in (cases or [])]
    report = probe.outcome(notebook, qid, json.dumps(encoding.to_jsonable(calls)), dict(namespace))
    report = json.loads(json.dumps(report))  # it travels as JSON
    return _code_outcome(question, cases or [], report, CellRun(OK), CellRun(OK))
