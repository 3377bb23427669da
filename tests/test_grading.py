"""``dlcourse grade`` on honest and hostile submissions of exercise 00.

Every fixture is built from the committed solution and exercise, so they cannot drift.
One grading run (two at a time) covers all of them; a second, serial run of three of
them must give the same grades. A third run has a machine that fails (a kernel that
does not start), and the review's list of code to read by hand is tested line by line.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import sys
from pathlib import Path

import nbformat
import psutil
import pytest

from dlcourse.cli import main
from dlcourse.exercises import exercise_id
from dlcourse.grading import runner
from dlcourse.grading.grader import Settings, find_submissions, grade_all, load_assignment
from dlcourse.grading.submission import COMMON_MODULES, STUDENT_MODULES, imported_names, suspicious

pytestmark = pytest.mark.filterwarnings("ignore::nbformat.warnings.DuplicateCellId")  # a fixture duplicates ids on purpose

ROOT = Path(__file__).resolve().parents[1]
NAME = "00_start_here"
EXERCISE = ROOT / "exercises" / f"{NAME}.ipynb"
SOLUTION = ROOT / "solutions" / f"{NAME}.ipynb"
ORPHAN = "import time; time.sleep(4321)"  # a process a submission starts in a session of its own
# The cell limit makes the looping fixtures time out soon, yet leaves a loaded machine (CI runs the suite
# beside other work) time to fill the memory limit: 800 MB, five times what exercise 00's kernel needs,
# so that the memory flood is stopped for its memory after a few hundred MB, not for its time. The
# submission's limit is generous: no fixture should reach it.
SETTINGS = Settings(cell_timeout=20, submission_timeout=600, memory_mb=800)

Q1_RIGHT = "def error_rate(y_true, y_pred):\n    return float(np.mean(np.asarray(y_true) != np.asarray(y_pred)))"
Q1_WRONG = "def error_rate(y_true, y_pred):\n    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))"
Q2_RIGHT = "def class_counts(labels):\n    return np.bincount(np.asarray(labels).ravel(), minlength=10)"


def _notebook(answers: dict[str, str], *, written: str | None = "Smoke is for tests, full for study.") -> nbformat.NotebookNode:
    """The exercise as a student would hand it in, with ``answers`` (id -> code after the marker)."""
    notebook = nbformat.read(EXERCISE, as_version=4)
    for cell in notebook.cells:
        first = cell.source.split("\n", 1)[0]
        for qid, code in answers.items():
            if first == f"# EXERCISE {qid}":
                cell.source = f"{first}\n{code}"
        if first == "<!-- ANSWER q3_budget -->" and written is not None:
            cell.source = f"{first}\n{written}"
    return notebook


def _cell(notebook: nbformat.NotebookNode, qid: str):
    return next(c for c in notebook.cells if c.source.startswith(f"# EXERCISE {qid}"))


def _write(folder: Path, student: str, notebook: nbformat.NotebookNode | str) -> None:
    path = folder / f"{student}.ipynb"
    path.write_text(notebook if isinstance(notebook, str) else nbformat.writes(notebook), encoding="utf-8")


def _make_submissions(folder: Path) -> None:
    folder.mkdir()
    _write(folder, "full", SOLUTION.read_text(encoding="utf-8"))
    _write(folder, "untouched", EXERCISE.read_text(encoding="utf-8"))
    _write(folder, "half", _notebook({"q1_error_rate": Q1_RIGHT}, written=None))
    _write(folder, "wrong", _notebook({"q1_error_rate": Q1_WRONG, "q2_class_counts": Q2_RIGHT}))
    _write(folder, "not_json", "this is not a notebook\n")
    _write(folder, "not_notebook", json.dumps({"name": "a JSON file", "cells": "none"}))
    _write(folder, "other_assignment", (ROOT / "solutions" / "01_classification_metrics.ipynb").read_text(encoding="utf-8"))
    nested = folder / "in_folder"
    nested.mkdir()
    _write(nested, NAME, SOLUTION.read_text(encoding="utf-8"))

    deleted = _notebook({"q1_error_rate": Q1_RIGHT})
    deleted.cells = [c for c in deleted.cells if not c.source.startswith("# EXERCISE q2")]
    _write(folder, "cell_deleted", deleted)

    renamed = _notebook({"q1_error_rate": Q1_RIGHT, "q2_class_counts": Q2_RIGHT})
    for number, cell in enumerate(renamed.cells):
        cell.id = f"renamed-{number}"
    _write(folder, "ids_renamed", renamed)

    no_marker = _notebook({"q1_error_rate": Q1_RIGHT, "q2_class_counts": Q2_RIGHT})
    _cell(no_marker, "q2_class_counts").source = Q2_RIGHT  # marker line deleted; the cell id still matches
    _write(folder, "marker_deleted", no_marker)

    duplicated = _notebook({"q1_error_rate": Q1_RIGHT, "q2_class_counts": Q2_RIGHT})
    first = _cell(duplicated, "q1_error_rate")
    earlier = nbformat.v4.new_code_cell(f"# EXERCISE q1_error_rate\n{Q1_WRONG}")
    earlier.id = first.id  # a duplicated id too
    duplicated.cells.insert(duplicated.cells.index(first), earlier)
    _write(folder, "duplicated", duplicated)

    patched = ("import builtins\nimport dlcourse.checking, dlcourse.assessment.evaluate, dlcourse.grading.probe\n"
               "check = lambda *args, **kwargs: print('✓ all cases pass')\n"  # the core the grader runs today:
               "dlcourse.assessment.evaluate.call_once = lambda *args, **kwargs: {'value': 0.0}\n"
               "dlcourse.assessment.evaluate.evaluate = lambda *args, **kwargs: {'kind': 'function', 'outputs': []}\n"
               "dlcourse.grading.probe.report = lambda *args, **kwargs: None\n"
               "builtins.print = lambda *args, **kwargs: None\n"
               "print('{\"kind\": \"function\", \"outputs\": []}')\n")
    reads = ("import json, pathlib, dlcourse\n"
             f"_path = pathlib.Path(dlcourse.__file__).parents[1] / 'solutions' / '{NAME}.ipynb'\n"
             "_cells = json.loads(_path.read_text())['cells']\n"
             "exec(''.join(next(c['source'] for c in _cells if ''.join(c['source']).startswith('# EXERCISE q1'))))")
    hostile_q1 = {  # student -> their q1 cell; each also answers q2 correctly
        "kills_kernel": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)",
        "exits": "def error_rate(y_true, y_pred):\n    raise SystemExit(3)",
        "loops_forever": f"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', {ORPHAN!r}], start_new_session=True)\n"
                         f"while True:\n    pass\n{Q1_RIGHT}",
        "function_loops": "def error_rate(y_true, y_pred):\n    while True:\n        pass",
        "allocates": "hoard = []\nwhile True:\n    hoard.append(b'x' * 50_000_000)",
        "prints_megabytes": f"print('x' * 10_000_000)\n{Q1_RIGHT}",
        "monkeypatches": patched + Q1_WRONG,
        "reads_solutions": reads,
    }
    for student, q1 in hostile_q1.items():
        _write(folder, student, _notebook({"q1_error_rate": q1, "q2_class_counts": Q2_RIGHT}))
    _write(folder, "patches_builtins", _notebook({"q1_error_rate": f"import builtins\nbuiltins.callable = lambda obj: True\n{Q1_RIGHT}",
                                                  "q2_class_counts": "class_counts = 5"}))

@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("grading")
    submissions = folder / "submissions"
    _make_submissions(submissions)
    out = folder / "out"
    code = main(["grade", str(EXERCISE), str(submissions), "--out", str(out), "--jobs", "2", "--seed", "7",
                 "--timeout", str(SETTINGS.cell_timeout), "--submission-timeout", str(SETTINGS.submission_timeout),
                 "--memory", str(SETTINGS.memory_mb)])
    assert code == 0
    with open(out / "grades.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    grades = {(r["student"], r["question"]): r for r in rows}
    return {"out": out, "grades": grades, "submissions": submissions, "rows": rows}


def _status(graded, student: str) -> dict[str, str]:
    return {q: graded["grades"][(student, q)]["status"] for q in ("q1_error_rate", "q2_class_counts", "q3_budget")}


def _points(graded, student: str) -> float:
    return sum(float(r["points"]) for (s, _), r in graded["grades"].items() if s == student)


def _message(graded, student: str, qid: str) -> str:
    return graded["grades"][(student, qid)]["message"]


def test_solution_gets_full_marks_and_untouched_exercise_zero(graded):
    assert _status(graded, "full") == {"q1_error_rate": "passed", "q2_class_counts": "passed", "q3_budget": "manual"}
    assert _points(graded, "full") == 4  # the written answer's point is the instructor's to give
    assert _status(graded, "in_folder") == _status(graded, "full")
    assert _points(graded, "untouched") == 0
    assert set(_status(graded, "untouched").values()) == {"missing"}


def test_partial_and_wrong_answers(graded):
    assert _points(graded, "half") == 2
    assert _status(graded, "half") == {"q1_error_rate": "passed", "q2_class_counts": "missing", "q3_budget": "missing"}
    assert _status(graded, "wrong")["q1_error_rate"] == "failed"
    assert "expected" in _message(graded, "wrong", "q1_error_rate") and "Hint" in _message(graded, "wrong", "q1_error_rate")
    assert _points(graded, "wrong") == 2


def test_unreadable_files_and_other_assignments(graded):
    for student in ("not_json", "not_notebook"):
        assert set(_status(graded, student).values()) == {"error"}
        assert "not a" in _message(graded, student, "q1_error_rate")
    assert set(_status(graded, "other_assignment").values()) == {"missing"}
    with open(graded["out"] / "summary.csv", encoding="utf-8") as handle:
        summary = {r["student"]: r for r in csv.DictReader(handle)}
    assert "another assignment" in summary["other_assignment"]["review"]
    assert summary["full"]["points"] == "4" and summary["full"]["max_points"] == "6"


def test_cells_found_by_marker_or_id(graded):
    assert _status(graded, "cell_deleted")["q2_class_counts"] == "missing"
    assert _status(graded, "cell_deleted")["q1_error_rate"] == "passed"
    assert _points(graded, "ids_renamed") == 4
    assert _points(graded, "marker_deleted") == 4
    assert _points(graded, "duplicated") == 4  # the last of two marked cells is graded, and the report says so


def _review(graded) -> dict[str, str]:
    with open(graded["out"] / "summary.csv", encoding="utf-8") as handle:
        return {r["student"]: r["review"] for r in csv.DictReader(handle)}


def test_a_dead_kernel_costs_the_rest_with_a_reason(graded):
    status = _status(graded, "kills_kernel")
    assert status["q1_error_rate"] == "error" and status["q2_class_counts"] == "error"
    assert "kernel died" in _message(graded, "kills_kernel", "q2_class_counts")
    # no cause the grader could see: it was run again, and died again, so it is the code's doing
    assert "died in two runs" in _review(graded)["kills_kernel"]
    assert _status(graded, "exits")["q1_error_rate"] == "error"
    assert "SystemExit" in _message(graded, "exits", "q1_error_rate")
    assert _status(graded, "exits")["q2_class_counts"] == "passed"


def test_time_limits_cost_one_question(graded):
    assert _status(graded, "loops_forever")["q1_error_rate"] == "timeout"
    assert _status(graded, "loops_forever")["q2_class_counts"] == "passed"
    assert _status(graded, "function_loops")["q1_error_rate"] == "timeout"
    assert _status(graded, "function_loops")["q2_class_counts"] == "passed"


def test_every_process_is_stopped(graded):
    leftovers = [p for p in psutil.process_iter(["cmdline"])
                 if "dlcourse.grading.kernel" in " ".join(p.info["cmdline"] or []) and p.ppid() == os.getpid()
                 or ORPHAN in (p.info["cmdline"] or [])]
    assert leftovers == []


def test_memory_and_output_floods(graded):
    # stopped for its memory, by the watchdog ("more than 800 MB") or, on a busy machine where the
    # watchdog is late, by the kernel's hard cap (a MemoryError): never a timeout, never "not graded"
    assert _status(graded, "allocates")["q1_error_rate"] == "error"
    assert "memory" in _message(graded, "allocates", "q1_error_rate").lower()
    assert _status(graded, "allocates")["q2_class_counts"] in ("error", "passed")
    assert _points(graded, "prints_megabytes") == 4


def test_tampering_does_not_pay(graded):
    assert _status(graded, "monkeypatches")["q1_error_rate"] == "failed"
    assert "expected" in _message(graded, "monkeypatches", "q1_error_rate")
    assert _status(graded, "monkeypatches")["q2_class_counts"] == "passed"
    # the grader's cells undo patched builtins: `callable` is the real one again when q2 is checked
    assert _status(graded, "patches_builtins")["q1_error_rate"] == "passed"
    assert _status(graded, "patches_builtins")["q2_class_counts"] == "failed"
    assert "should be a function" in _message(graded, "patches_builtins", "q2_class_counts")
    assert _status(graded, "reads_solutions")["q1_error_rate"] == "error"
    assert "solutions" in _message(graded, "reads_solutions", "q1_error_rate")
    with open(graded["out"] / "summary.csv", encoding="utf-8") as handle:
        review = {r["student"]: r["review"] for r in csv.DictReader(handle)}
    assert "builtins" in review["monkeypatches"] and "solutions" in review["reads_solutions"]


def test_reports_and_record(graded):
    out = graded["out"]
    students = {r["student"] for r in graded["rows"]}
    assert {p.stem for p in (out / "reports").glob("*.html")} == students
    report = (out / "reports" / "full.html").read_text(encoding="utf-8")
    assert "q3_budget — written answer" in report and "def error_rate" in report
    assert "Rubric" not in report and "Rubric" in (out / "review" / "full.html").read_text(encoding="utf-8")
    wrong = (out / "reports" / "wrong.html").read_text(encoding="utf-8")
    assert "expected 0.0, found 1.0" in wrong
    assert "4 of 6 points" in report
    assert json.loads((out / "grading.json").read_text())["seed"] == 7


def test_serial_grading_matches_parallel(graded):
    assignment = load_assignment(EXERCISE, seed=7, settings=SETTINGS, progress=lambda _: None)
    found = find_submissions(graded["submissions"], NAME)
    some = {s: found[s] for s in ("full", "half", "wrong")}
    for result in grade_all(assignment, some, SETTINGS, jobs=1):
        for grade in result.grades:
            row = graded["grades"][(grade.student, grade.question)]
            assert (row["status"], float(row["points"]), row["message"]) == (grade.status, grade.points, grade.message)


# --------------------------------------------------------------------------- a grade is never an accident of the machine


def test_a_machine_failure_is_never_a_grade(tmp_path, monkeypatch, capsys):
    """A kernel that fails to start once is started again, and its submission graded; one that never
    starts leaves its submission "not graded": no points recorded, the reason in summary.csv and in
    the final line, exit status 1, until ``--student`` grades it again."""
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    for student in ("a_retried", "b_never"):
        _write(submissions, student, SOLUTION.read_text(encoding="utf-8"))
    real, starts = runner.kernel_command, []
    # start 1: the solution's run; 2 fails and 3 works for a_retried; every try of b_never fails
    failing = {2, *range(4, 4 + len(runner.STARTUP_WAITS))}

    def flaky() -> list[str]:
        starts.append(1)
        return [sys.executable, "-c", "raise SystemExit(1)"] if len(starts) in failing else real()

    monkeypatch.setattr(runner, "kernel_command", flaky)
    monkeypatch.setattr(runner, "RETRY_PAUSE", 0.0)
    out = tmp_path / "out"
    command = ["grade", str(EXERCISE), str(submissions), "--out", str(out), "--jobs", "1", "--seed", "7"]
    assert main(command) == 1
    printed = capsys.readouterr().out
    assert "NOT GRADED: 1 submission(s)" in printed and "b_never (not graded: the grading kernel did not start" in printed
    assert "--student" in printed
    with open(out / "grades.csv", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle)]
    never = [r for r in rows if r["student"] == "b_never"]
    assert {r["status"] for r in never} == {"not graded"} and {r["points"] for r in never} == {""}  # no zeros
    with open(out / "summary.csv", encoding="utf-8") as handle:
        summary = {r["student"]: r for r in csv.DictReader(handle)}
    assert summary["b_never"]["points"] == "" and summary["b_never"]["final"] == ""
    assert summary["b_never"]["not graded"] == str(len(never)) and "--student b_never" in summary["b_never"]["review"]
    assert summary["a_retried"]["points"] == "4" and "did not start at first" in summary["a_retried"]["review"]
    with open(out / "wide.csv", encoding="utf-8") as handle:
        wide = {r["student"]: r for r in csv.DictReader(handle)}
    assert wide["b_never"]["total"] == "" and wide["b_never"]["q1_error_rate"] == "" and wide["a_retried"]["total"] == "4"
    assert "Not graded yet" in (out / "reports" / "b_never.html").read_text(encoding="utf-8")

    monkeypatch.setattr(runner, "kernel_command", real)  # the machine is well again: grade that one again
    assert main([*command, "--student", "b_never"]) == 0
    with open(out / "summary.csv", encoding="utf-8") as handle:
        summary = {r["student"]: r for r in csv.DictReader(handle)}
    assert summary["b_never"]["points"] == "4" and summary["a_retried"]["points"] == "4"


# --------------------------------------------------------------------------- review: code to read by hand


TAMPERING = [  # (kind, the answer cell after its marker line, the line to be named)
    ("a module's function", "def error_rate(y_true, y_pred):\n    return 0.0\nnp.mean = lambda *a, **k: 0.0",
     "np.mean = lambda *a, **k: 0.0"),
    ("a class's method", "import pandas as pd\npd.DataFrame.equals = lambda self, other: True", "pd.DataFrame.equals ="),
    ("the JSON encoder", "import json\njson.JSONEncoder.default = lambda self, o: 0", "json.JSONEncoder.default ="),
    ("a special method", "class Score(float):\n    pass\nScore.__eq__ = lambda self, other: True", "Score.__eq__ ="),
    ("a class that lies", "class Score(float):\n    def __float__(self):\n        return 0.25", "class Score(float):"),
    ("setattr", "setattr(np, 'allclose', lambda *a, **k: True)", "setattr(np, 'allclose'"),
    ("delattr", "import numpy\ndelattr(numpy.ndarray, 'tolist')", "delattr(numpy.ndarray"),
    ("a module's namespace", "vars(np)['isclose'] = None", "vars(np)['isclose']"),
    ("sys.modules", "import sys\nsys.modules['dlcourse.assessment.judge'] = None", "sys.modules["),
    ("internals", "import dlcourse.assessment.judge as j", "import dlcourse.assessment.judge"),
    ("internals from", "from dlcourse.grading import probe", "from dlcourse.grading import probe"),
    ("internals by name", "from dlcourse import questions", "from dlcourse import questions"),
    ("internals by attribute", "import dlcourse\ndlcourse.grading.kernel.restore = print", "dlcourse.grading.kernel"),
    ("builtins", "import builtins\nbuiltins.isinstance = lambda *a: True", "builtins.isinstance"),
    ("threads", "import threading\nthreading.Thread(target=print).start()", "import threading"),
    ("ctypes", "import ctypes\nctypes.pythonapi", "import ctypes"),
    ("exec", "exec('error_rate = None')", "exec('error_rate = None')"),
    ("programs", "import subprocess\nsubprocess.run(['ls'])", "import subprocess"),
]


@pytest.mark.parametrize("kind, code, line", TAMPERING, ids=[k for k, _, _ in TAMPERING])
def test_review_names_each_kind_of_tampering_with_its_line(kind, code, line):
    source = f"# EXERCISE q1_error_rate\n{code}"
    number = next(n for n, text in enumerate(source.split("\n"), start=1) if line in text)
    notes = suspicious({"q1_error_rate": source}, COMMON_MODULES | imported_names([SOLUTION.read_text()]))
    assert any(note.startswith(f"q1_error_rate, line {number} (`") and line in note for note in notes), notes


def test_review_lists_tampering_of_a_graded_submission_with_its_line(graded):
    review = _review(graded)["monkeypatches"]
    assert "line 5 (`dlcourse.assessment.evaluate.call_once = lambda *args, **kwargs: {'value': 0.0}`)" in review
    html = (graded["out"] / "review" / "monkeypatches.html").read_text(encoding="utf-8")
    assert "dlcourse.assessment.evaluate.call_once" in html and "line 5" in html


@pytest.mark.parametrize("path", sorted((ROOT / "solutions").glob("*.ipynb")), ids=lambda p: p.stem)
def test_review_raises_no_false_alarm_on_the_solutions(path):
    notebook = nbformat.read(path, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    answers = {exercise_id(c): c.source for c in code if exercise_id(c)}
    assert answers
    setup = imported_names(c.source for c in code if not exercise_id(c))
    assert suspicious(answers, COMMON_MODULES | setup) == []


def test_the_modules_a_student_may_import_are_those_the_notebooks_import():
    imported = set()
    for path in sorted(ROOT.glob("*/[0-9][0-9]_*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            try:
                tree = ast.parse("\n".join(line for line in cell.source.split("\n") if not line.lstrip().startswith(("%", "!"))))
            except SyntaxError:
                continue
            for node in ast.walk(tree) if cell.cell_type == "code" else ():
                names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                         [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
                imported |= {n.split(".")[1] for n in names if n.startswith("dlcourse.")}
    assert imported <= STUDENT_MODULES, f"add to STUDENT_MODULES, or keep notebooks off internals: {imported - STUDENT_MODULES}"
    assert all((ROOT / "dlcourse" / f"{m}.py").exists() for m in STUDENT_MODULES)
