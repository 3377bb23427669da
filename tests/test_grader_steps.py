"""The grader's steps, each on its own: rebuild -> inject_probes -> execute -> collect -> score.

tests/test_grading.py runs them together on real submissions; here each step gets
inputs made by hand, so a failure names the step (as nbgrader pairs each preprocessor
with its test).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest

from dlcourse.assessment.questions import Case, WrittenQuestion, questions_for
from dlcourse.assessment.status import Status
from dlcourse.grading import grader, kernel
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
    first_student = next(i for i, c in enumerate(planned) if c.question)
    snapshot = kernel._grader_cell(compile(planned[first_student - 1].source, "<cell>", "exec"))
    assert snapshot["action"] == "snapshot"  # the set-up's snapshot, taken before any student code runs
    for cell in probes:
        before = planned[planned.index(cell) - 1]
        assert before.question == cell.question and before.probe is None and cell.silent and not before.silent
        assert cell.probe.parent == tmp_path and len(cell.probe.stem) == 32  # a fresh secret name
        task = kernel._grader_cell(compile(cell.source, "<cell>", "exec"))  # what the kernel's audit hook reads
        announced = snapshot["probes"][cell.question]
        assert task == {"action": "probe", "question": cell.question, "nonce": announced["nonce"]}
        assert announced["payload"] == str(cell.probe) and str(cell.probe) not in cell.source
    assert len({c.probe for c in probes}) == len(probes)
    assert snapshot["probes"][QIDS[0]]["cases"] and "[0, 1]" in planned[first_student - 1].source
    assert "[0, 1]" not in probes[0].source  # the hidden cases travel in the snapshot, not in the probe


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


def test_score_calls_a_stub_that_still_raises_missing_as_for_a_function_question():
    """An untouched value-question stub raises NotImplementedError in the student's own cell: 'missing',
    the label an untouched function-question stub gets, not 'error'."""
    report = {"q1_error_rate": {"kind": "function", "defined": False}}
    runs = {"q1_error_rate": (CellRun(CellStatus.ERROR, "NotImplementedError: q1_error_rate: write the code"),
                              CellRun(CellStatus.OK))}
    grade = _score(report, runs)["q1_error_rate"]
    assert grade.status == Status.MISSING and "not answered yet" in grade.message and grade.points == 0


def test_score_without_a_cell_is_missing():
    grades = _score({}, {}, code={})
    assert all(grades[qid].status == Status.MISSING for qid in QIDS)


# --------------------------------------------------------------------------- the machine's failures, not the student's


def _submission(tmp_path: Path) -> Path:
    notebook = _exercise()
    notebook.cells[1].source = "# EXERCISE q1_error_rate\ndef error_rate(a, b): return 0.5"
    path = tmp_path / "ann.ipynb"
    path.write_text(nbformat.writes(notebook), encoding="utf-8")
    return path


def _runs_in_turn(monkeypatch, outcomes: list[str]) -> list[int]:
    """``grader.run_submission`` replaced: each call gives the next outcome ('ok', 'lost-setup' for a
    kernel that dies in the set-up before student code, 'lost-student' for one that dies in the
    student's cell, 'not-started'); returns the list of calls made."""
    calls: list[int] = []

    def fake(assignment, answers, settings):
        outcome = outcomes[len(calls)]
        calls.append(1)
        planned = [grader.PlannedCell("import numpy as np", 300)]
        for qid in answers.code:
            planned += [grader.PlannedCell("student", 30, qid), grader.PlannedCell("probe", 30, qid, Path("unused"))]
        died, n = {"lost-setup": 0, "lost-student": 1}.get(outcome), len(planned)
        if outcome == "not-started":
            runs = [CellRun(CellStatus.NOT_STARTED, "the grading kernel did not start in 3 tries")] * n
        elif died is not None:
            runs = [CellRun(CellStatus.OK)] * died + [CellRun(CellStatus.LOST, "the kernel died")] * (n - died)
        else:
            runs = [CellRun(CellStatus.OK)] * n
        reports = {"q1_error_rate": _function_report(0.5)} if outcome == "ok" else {}
        return planned, runs, reports, []

    monkeypatch.setattr(grader, "run_submission", fake)
    return calls


@pytest.mark.parametrize("outcomes, status, runs, words", [
    (["lost-student", "ok"], Status.PASSED, 2, "a second run went through"),
    (["lost-setup", "ok"], Status.PASSED, 2, "a second run went through"),
    (["lost-student", "lost-student"], Status.ERROR, 2, "graded as the code's doing"),
    (["lost-setup", "lost-setup"], Status.NOT_GRADED, 2, "before any of the student's code ran"),
    (["not-started"], Status.NOT_GRADED, 1, "did not start"),
    (["lost-student", "not-started"], Status.NOT_GRADED, 2, "did not start"),
])
def test_a_kernel_that_dies_for_no_seen_cause_is_run_again(tmp_path, monkeypatch, outcomes, status, runs, words):
    calls = _runs_in_turn(monkeypatch, outcomes)
    result = grader.grade_path(_assignment(), "ann", _submission(tmp_path), SETTINGS)
    assert len(calls) == runs
    assert result.grades[0].status == status and any(words in note for note in result.notes), result.notes
    if status == Status.NOT_GRADED:  # every question, with the reason and no points; the rerun is named
        assert {g.status for g in result.grades} == {Status.NOT_GRADED} and result.total == 0
        assert result.not_graded and any("--student ann" in note for note in result.notes)
    else:
        assert result.not_graded is None
    if status == Status.ERROR:
        assert "kernel died" in result.grades[0].message


def test_a_grader_failure_is_not_graded_not_scored(monkeypatch, tmp_path):
    def broken(*args):
        raise KeyError("a bug of ours")

    monkeypatch.setattr(grader, "grade_path", broken)
    [result] = grader.grade_all(_assignment(), {"ann": _submission(tmp_path)}, SETTINGS)
    assert {g.status for g in result.grades} == {Status.NOT_GRADED} and "KeyError" in result.not_graded


def test_a_kernel_that_does_not_start_is_tried_again(monkeypatch, tmp_path):
    """The runner itself: a kernel command that fails once, then the real one."""
    from dlcourse.grading import runner

    real, tries = runner.kernel_command, []

    def flaky() -> list[str]:
        tries.append(1)
        return [sys.executable, "-c", "raise SystemExit(1)"] if len(tries) == 1 else real()

    monkeypatch.setattr(runner, "kernel_command", flaky)
    monkeypatch.setattr(runner, "RETRY_PAUSE", 0.0)
    notes: list[str] = []
    env = grader.grading_env(budget="smoke", forbidden=[], memory_mb=1500)
    runs = runner.run_cells(["x = 1", "assert x == 1"], cwd=tmp_path, env=env, cell_timeout=60, total_timeout=300,
                            memory_mb=1500, notes=notes)
    assert [r.status for r in runs] == [CellStatus.OK, CellStatus.OK] and len(tries) == 2
    assert "did not start at first" in notes[0] and "try 2" in notes[0]

    monkeypatch.setattr(runner, "kernel_command", lambda: [sys.executable, "-c", "raise SystemExit(1)"])
    runs = runner.run_cells(["x = 1"], cwd=tmp_path, env=env, cell_timeout=60, total_timeout=300, memory_mb=1500)
    assert runs[0].status == CellStatus.NOT_STARTED and f"in {len(runner.STARTUP_WAITS)} tries" in runs[0].message


def test_a_kernel_killed_or_garbled_by_its_code_is_lost_and_one_stopped_for_memory_is_dead(tmp_path):
    env = grader.grading_env(budget="smoke", forbidden=[], memory_mb=1500)
    settings = grader.Settings(submission_timeout=300, memory_mb=600)
    killed = [grader.PlannedCell("import os, signal", 60), grader.PlannedCell("os.kill(os.getpid(), signal.SIGKILL)", 60),
              grader.PlannedCell("x = 1", 60)]
    runs = grader.execute(killed, settings, env=env, cwd=tmp_path)
    assert [r.status for r in runs] == [CellStatus.OK, CellStatus.LOST, CellStatus.LOST]
    garbled = [grader.PlannedCell("x = 1", 60), grader.PlannedCell("get_ipython().kernel.session.pack = lambda o: b'{}'", 60),
               grader.PlannedCell("x = 2", 60)]  # the kernel's replies no longer parse: never a grader's crash
    runs = grader.execute(garbled, settings, env=env, cwd=tmp_path)
    assert [r.status for r in runs] == [CellStatus.OK, CellStatus.LOST, CellStatus.LOST]
    assert "connection to the kernel broke" in runs[1].message
    hoard = [grader.PlannedCell("hoard = []\nwhile True:\n    hoard.append(b'x' * 100_000_000)", 60),
             grader.PlannedCell("x = 1", 60)]
    runs = grader.execute(hoard, settings, env=env, cwd=tmp_path)
    assert runs[0].status in (CellStatus.DEAD, CellStatus.ERROR) and "memory" in runs[0].message.lower()
