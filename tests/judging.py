"""One way for tests to put a student's answer through ``check`` and through the grader.

Wrong-answer fixtures (tests/test_wrong_answers_*.py) build a namespace as a student's
notebook would hold it, then ask both paths for a verdict: :func:`by_check` is what the
student sees from ``check("<id>")``; :func:`by_grader` is what ``dlcourse grade`` records,
through the grader's own probe and scoring step (run in this process instead of a kernel,
on the public cases and a fresh draw of hidden cases whose expected values come from the
solution's function). Both use the one assessment core, and both must reject a wrong answer.
"""

from __future__ import annotations

import ast
import json
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import nbformat
import numpy as np

from dlcourse.assessment import encoding
from dlcourse.assessment.judge import Verdict
from dlcourse.assessment.status import Status
from dlcourse.assessment.evaluate import evaluate
from dlcourse.assessment.questions import Case, FunctionQuestion, ValueQuestion, questions_for
from dlcourse.checking import Checker
from dlcourse.exercises import exercise_id
from dlcourse.grading import grader, probe
from dlcourse.grading.runner import CellRun, CellStatus
from dlcourse.grading.submission import Answers

ROOT = Path(__file__).resolve().parents[1]
DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)


def by_check(notebook: str, qid: str, namespace: Mapping[str, Any]) -> Verdict:
    """What ``check(qid)`` reports for ``namespace`` (public cases only)."""
    return Checker(notebook).result(qid, dict(namespace))


def solution_namespace(notebook: str, base: Mapping[str, Any] | None = None) -> dict:
    """The imports and definitions of the solution's function-defining EXERCISE cells, run in order in a
    fresh namespace (a cell may go on to apply its function to the run, which needs the rest of the notebook)."""
    questions = questions_for(notebook)
    namespace: dict = {"np": np, **(base or {})}
    path = ROOT / "solutions" / f"{notebook}.ipynb"
    for cell in nbformat.read(path, as_version=4).cells:
        qid = exercise_id(cell)
        if qid and isinstance(questions[qid], FunctionQuestion):
            tree = ast.parse(cell.source)
            tree.body = [node for node in tree.body if isinstance(node, DEFINITIONS)]
            exec(compile(tree, f"{path.name}:{qid}", "exec"), namespace)
    return namespace


def grading_cases(notebook: str, qid: str, reference: Callable | None = None, seed: int = 2024) -> list[Case]:
    """Public cases, then hidden cases drawn with ``seed``, expected values from ``reference``
    (default: the solution's function), summarized and sent through JSON as the grader does."""
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
        expected = encoding.from_jsonable(json.loads(json.dumps(encoding.to_jsonable(expected))))
        cases.append(Case(tuple(args), expected, dict(kwargs)))
    return cases


def by_grader(notebook: str, qid: str, namespace: Mapping[str, Any], cases: list[Case] | None = None,
              setup: Mapping[str, Any] | None = None) -> tuple[str, str]:
    """(status, message) that ``dlcourse grade`` records for ``namespace``: the grader's probe
    evaluates in the namespace (as the kernel's audit hook calls it), its scoring step judges
    outside. A value question's given facts come from ``setup`` (the pristine set-up, as the
    solution's run has it; default: ``namespace`` itself)."""
    question = questions_for(notebook)[qid]
    if isinstance(question, FunctionQuestion) and cases is None:
        cases = grading_cases(notebook, qid)
    given = None
    if isinstance(question, ValueQuestion) and question.given_facts is not None:
        # the set-up's facts only: without the answer's variable, evaluate gathers no facts about the answer (for a
        # run-and-decide question that would train the student's model once more, for a report nobody reads)
        pristine = {k: v for k, v in (setup if setup is not None else namespace).items() if k != question.variable}
        given = json.loads(json.dumps(evaluate(question, pristine)["given"]))
    assignment = grader.Assignment(notebook, nbformat.v4.new_notebook(), {qid: cases or []}, [], 0, {qid: given})
    student = grader.PlannedCell("# the student's cell", 1, qid)
    payload = Path(tempfile.mkdtemp(prefix="dlcourse-judging-")) / "payload.json"
    calls = [(c.args, dict(c.kwargs)) for c in cases or []]
    probe_cell = grader.PlannedCell(grader.probe_source(qid, "unused"), 1, qid, payload, silent=True)
    probe.report(str(payload), notebook, qid, encoding.to_jsonable([[list(a), dict(k)] for a, k in calls]),
                 dict(namespace))
    reports = {qid: grader.collect(probe_cell)}
    answers = Answers(code={qid: "# the student's cell"})
    grades = grader.score(assignment, "student", answers, [student, probe_cell], [CellRun(CellStatus.OK)] * 2, reports)
    grade = next(g for g in grades if g.question == qid)
    return grade.status, grade.message


def assert_rejected(notebook: str, qid: str, namespace: Mapping[str, Any], *phrases: str) -> tuple[Verdict, str]:
    """A wrong answer fails under ``check`` and under the grader, each message saying ``phrases``.
    Returns ``check``'s verdict and the grader's message, for further checks of the wording."""
    checked = by_check(notebook, qid, namespace)
    assert checked.status != "passed", f"check accepted a wrong answer to {qid}: {checked}"
    status, message = by_grader(notebook, qid, namespace)
    assert status != "passed", f"the grader accepted a wrong answer to {qid}: {message}"
    for phrase in phrases:
        assert phrase in checked.message, checked.message
        assert phrase in message, message
    return checked, message


def assert_only_hidden_cases_reject(notebook: str, qid: str, namespace: Mapping[str, Any],
                                    seed: int | None = None) -> None:
    """A wrong answer the public cases cannot tell from a right one: ``check`` passes it, and the grader, on the
    public cases and the hidden ones drawn with ``seed`` (default: ``grading_cases``'s), fails it on a hidden case."""
    assert by_check(notebook, qid, namespace).status == Status.PASSED, "the public cases already catch it"
    cases = grading_cases(notebook, qid) if seed is None else grading_cases(notebook, qid, seed=seed)
    status, message = by_grader(notebook, qid, namespace, cases)
    assert status != Status.PASSED and "hidden case" in message, message


def assert_accepted(notebook: str, qid: str, namespace: Mapping[str, Any]) -> None:
    """A right answer passes under ``check`` and under the grader."""
    checked = by_check(notebook, qid, namespace)
    assert checked.status == "passed", str(checked)
    status, message = by_grader(notebook, qid, namespace)
    assert status == "passed", message


def equals_anything(base: type, name: str | None = None) -> type:
    """A subclass of ``base`` (``float``, ``int``, ``str`` …), called ``name``, whose objects say they equal
    anything: the shape of a lying answer, for the wrong-answer fixtures."""
    return type(name or f"{base.__name__.title()}EqualsAnything", (base,),
                {"__eq__": lambda self, other: True, "__ne__": lambda self, other: False, "__hash__": base.__hash__})
