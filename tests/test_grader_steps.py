"""The grader's steps, each on its own: rebuild -> inject_probes -> execute -> collect -> score.

tests/test_grading.py runs them together on real submissions; here each step gets
inputs made by hand, so a failure names the step (as nbgrader pairs each preprocessor
with its test).
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from dlcourse.assessment.questions import Case, WrittenQuestion, questions_for
from dlcourse.assessment.status import Status
from dlcourse.grading import grader
from dlcourse.grading.runner import CellRun, CellStatus
from dlcourse.grading.submission import Answers

ROOT = Path(__file__).resolve().parents[1]
NAME = "00_start_here"
SETTINGS = grader.Settings(cell_timeout=30)
QIDS = [qid for qid, q in questions_for(NAME).items() if not isinstance(q, WrittenQuestion)]


def _exercise() -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("import numpy as np  # set-up"),
        nbformat.v4.new_code_cell("# EXERCISE q1_error_rate\nraise NotImplementedError('q1_error_rate: ...')"),
        nbformat.v4.new_code_cell('check("q1_error_rate")'),
        nbformat.v4.new_code_cell("start_a_server()", metadata={"tags": ["nbval-skip"]}),
        nbformat.v4.new_code_cell("# EXERCISE q2_class_counts\nraise NotImplementedError('q2_class_counts: ...')"),
        nbformat.v4.new_markdown_cell("<!-- ANSWER q3_budget -->\nWrite here."),
        nbformat.v4.new_code_cell("print('after')"),
    ]
    return notebook


def _assignment() -> grader.Assignment:
    cases = {"q1_error_rate": [Case(([0, 1], [0, 0]), 0.5)], "q2_class_counts": [Case(([1, 1],), [0, 2])]}
    return grader.Assignment(NAME, _exercise(), cases, [], seed=1)


def test_rebuild_puts_in_only_the_students_answers_and_drops_check_and_skipped_cells():
    answers = Answers(code={"q1_error_rate": "# EXERCISE q1_error_rate\ndef error_rate(a, b): return 0.5"})
    planned = grader.rebuild(_exercise(), answers, SETTINGS)
    assert [c.source.splitlines()[0] for c in planned] == ["import numpy as np  # set-up", "# EXERCISE q1_error_rate",
                                                           "print('after')"]
    assert [c.question for c in planned] == [None, "q1_error_rate", None]
    assert planned[0].timeout >= grader.INSTRUCTOR_CELL_TIMEOUT  # set-up cells before student code may be slow
    assert planned[2].timeout == SETTINGS.cell_timeout


def test_inject_probes_adds_one_secret_probe_after_each_student_cell(tmp_path):
    answers = Answers(code={qid: f"# EXERCISE {qid}\npass" for qid in QIDS})
    planned = grader.inject_probes(grader.rebuild(_exercise(), answers, SETTINGS), _assignment(), tmp_path, SETTINGS)
    probes = [c for c in planned if c.probe is not None]
    assert [c.question for c in probes] == QIDS
    for cell in probes:
        before = planned[planned.index(cell) - 1]
        assert before.question == cell.question and before.probe is None
        assert cell.probe.parent == tmp_path and len(cell.probe.stem) == 32  # a fresh secret name
        assert "_dlcourse_boot.restore()" in cell.source and "dlcourse.grading.probe" in cell.source
    assert len({c.probe for c in probes}) == len(probes)
    assert "[0, 1]" in probes[0].source  # the calls of the question's cases travel in the probe


def test_collect_reads_once_and_deletes(tmp_path):
    payload = tmp_path / "p.json"
    payload.write_text(json.dumps({"kind": "value", "defined": True, "problem": None}))
    cell = grader.PlannedCell("probe", 1, "q", payload)
    assert grader.collect(cell) == {"kind": "value", "defined": True, "problem": None}
    assert not payload.exists() and grader.collect(cell) is None
    payload.write_text("not json")
    assert grader.collect(cell) is None and not payload.exists()
    assert grader.collect(grader.PlannedCell("student code", 1, "q")) is None


def test_execute_runs_cells_in_order_in_one_kernel(tmp_path):
    planned = [grader.PlannedCell("x = 41", 60), grader.PlannedCell("x += 1\nprint(x)", 60),
               grader.PlannedCell("raise ValueError('boom')", 60), grader.PlannedCell("y = x", 60)]
    seen: list[int] = []
    env = grader.grading_env(budget="smoke", forbidden=[], memory_mb=1500)
    runs = grader.execute(planned, grader.Settings(submission_timeout=300, memory_mb=1500), env=env, cwd=tmp_path,
                          after_cell=lambda index, run: seen.append(index))
    assert [r.status for r in runs] == [CellStatus.OK, CellStatus.OK, CellStatus.ERROR, CellStatus.OK]
    assert "ValueError: boom" in runs[2].message and seen == [0, 1, 2, 3]


def _score(reports: dict, runs: dict[str, tuple[CellRun, CellRun]], code: dict | None = None) -> dict[str, grader.Grade]:
    assignment = _assignment()
    planned, cell_runs = [], []
    for qid in QIDS:
        planned += [grader.PlannedCell("student", 1, qid), grader.PlannedCell("probe", 1, qid, Path("unused"))]
        cell_runs += list(runs.get(qid, (CellRun(CellStatus.OK), CellRun(CellStatus.OK))))
    answers = Answers(code=code if code is not None else {qid: "..." for qid in QIDS}, written={"q3_budget": "Because."})
    return {g.question: g for g in grader.score(assignment, "ann", answers, planned, cell_runs, reports)}


def _function_report(*values) -> dict:
    return {"kind": "function", "defined": True, "callable": True, "outputs": [{"value": v} for v in values]}


def test_score_judges_reports_outside_the_kernel():
    grades = _score({"q1_error_rate": _function_report(0.5), "q2_class_counts": _function_report([0, 3])}, {})
    assert grades["q1_error_rate"].status == Status.PASSED and grades["q1_error_rate"].points == 2
    assert grades["q2_class_counts"].status == Status.FAILED and grades["q2_class_counts"].points == 0
    assert grades["q3_budget"].status == Status.MANUAL


@pytest.mark.parametrize("runs, status, words", [
    ((CellRun(CellStatus.TIMEOUT, "still running after 30 s: stopped"), CellRun(CellStatus.OK)), Status.TIMEOUT, "your cell still running"),
    ((CellRun(CellStatus.DEAD, "the kernel died"), CellRun(CellStatus.DEAD, "not run")), Status.ERROR, "while running your cell"),
    ((CellRun(CellStatus.OK), CellRun(CellStatus.TIMEOUT, "still running after 30 s")), Status.TIMEOUT, "on the grading cases"),
    ((CellRun(CellStatus.OK), CellRun(CellStatus.OK)), Status.ERROR, "did not report"),
])
def test_score_says_why_there_was_no_report(runs, status, words):
    grade = _score({"q2_class_counts": _function_report([0, 2])}, {"q1_error_rate": runs})["q1_error_rate"]
    assert grade.status == status and words in grade.message and grade.points == 0


def test_score_turns_a_missing_definition_after_an_error_into_that_error():
    report = {"q1_error_rate": {"kind": "function", "defined": False}}
    runs = {"q1_error_rate": (CellRun(CellStatus.ERROR, "NameError: name 'np2' is not defined"), CellRun(CellStatus.OK))}
    grade = _score(report, runs)["q1_error_rate"]
    assert grade.status == Status.ERROR and "your cell raised NameError" in grade.message


def test_score_without_a_cell_is_missing():
    grades = _score({}, {}, code={})
    assert all(grades[qid].status == Status.MISSING for qid in QIDS)
