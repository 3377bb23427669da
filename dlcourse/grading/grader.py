"""Grade students' notebooks for one exercise: ``dlcourse grade exercises/<name>.ipynb SUBMISSIONS``.

1. Hidden cases are drawn fresh (a seed per run, recorded in ``OUT/grading.json``) and
   their expected values computed by running the solution's code in its own kernel.
2. For each student, the notebook is rebuilt from the pristine exercise with only the
   student's EXERCISE cells put in; after each one the grader's own cell reports what
   the student's code returns (see :mod:`dlcourse.grading.probe`), read at once.
3. Function answers are compared here, outside the kernel; each question scores all
   or nothing, with a status and a message saying what went wrong.
"""

from __future__ import annotations

import json
import re
import secrets
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import numpy as np

from dlcourse.checking import (ERROR, FAIL, MANUAL, MISSING, PASS, Case, FunctionQuestion, Question, WrittenQuestion,
                               describe_difference, questions_for)
from dlcourse.exercises import exercise_id
from dlcourse.grading import encoding
from dlcourse.grading.runner import DEAD, TIMEOUT, CellRun, grading_env, run_cells
from dlcourse.grading.runner import ERROR as CELL_ERROR
from dlcourse.grading.submission import Answers, SubmissionError, extract_answers, read_notebook, suspicious

TIMEOUT_STATUS = "timeout"
STATUSES = (PASS, FAIL, ERROR, TIMEOUT_STATUS, MISSING, MANUAL)  # every status a grade can have
INSTRUCTOR_CELL_TIMEOUT = 300  # the exercise's set-up cells (imports, data) get at least this long
CHECK_CELL = re.compile(r'(check\("[A-Za-z0-9_.-]+"\)\s*)+')
SKIP_TAG = "nbval-skip"  # cells the test suite skips (a TensorBoard server, say) are not run when grading either


class GradingError(RuntimeError):
    """The instructor's side is broken (no solution, a solution failing a hidden case)."""


@dataclass(frozen=True)
class Settings:
    cell_timeout: float = 120
    submission_timeout: float = 900
    memory_mb: int = 4096
    budget: str = "smoke"


@dataclass
class Grade:
    student: str
    question: str
    points: float
    max_points: float
    status: str
    message: str


@dataclass
class StudentResult:
    student: str
    grades: list[Grade]
    notes: list[str] = field(default_factory=list)
    code: dict[str, str] = field(default_factory=dict)
    written: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(g.points for g in self.grades)


@dataclass
class Assignment:
    name: str
    exercise: nbformat.NotebookNode
    cases: dict[str, list[Case]]  # per function question: public, then hidden with the solution's values
    forbidden: list[Path]
    seed: int

    @property
    def questions(self) -> dict[str, Question]:
        return questions_for(self.name)


# --------------------------------------------------------------------------- the instructor's side


def course_root(exercise: Path) -> Path:
    root = exercise.resolve().parent.parent
    if not (root / "solutions").is_dir():
        raise GradingError(f"{exercise} is not in a course checkout's exercises/ folder (no solutions/ beside it)")
    return root


def probe_source(payload: Path, notebook: str, qid: str, cases: list[tuple[tuple, dict]]) -> str:
    """The grader's own cell for one question (its file name is a fresh secret)."""
    cases_json = json.dumps(encoding.to_jsonable([[list(a), dict(k)] for a, k in cases]))
    return (f"# dlcourse grader: {qid}\n"
            "import _dlcourse_grader_boot as _dlcourse_boot\n_dlcourse_boot.restore()\n"
            "import dlcourse.grading.probe as _dlcourse_probe\n"
            f"_dlcourse_probe.report({str(payload)!r}, {notebook!r}, {qid!r}, {cases_json!r})\n"
            "del _dlcourse_boot, _dlcourse_probe")


class _Probes:
    """Payload files of the grader's cells, read (and deleted) as soon as each cell ends."""

    def __init__(self, folder: Path):
        self.folder, self.files, self.results = folder, {}, {}

    def cell(self, index: int, notebook: str, qid: str, cases: list[tuple[tuple, dict]]) -> str:
        path = self.folder / f"{secrets.token_hex(16)}.json"
        self.files[index] = (qid, path)
        return probe_source(path, notebook, qid, cases)

    def after_cell(self, index: int, run: CellRun) -> None:
        if index not in self.files:
            return
        qid, path = self.files[index]
        try:
            self.results[qid] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.results[qid] = None
        finally:
            path.unlink(missing_ok=True)


def load_assignment(exercise: Path, *, seed: int | None = None, settings: Settings = Settings(),
                    progress: Callable[[str], None] = print) -> Assignment:
    """Read the exercise, draw hidden cases, and compute their expected values from the solution."""
    name = exercise.stem
    root = course_root(exercise)
    exercise_nb = nbformat.read(exercise, as_version=4)
    solution_path = root / "solutions" / f"{name}.ipynb"
    if not solution_path.exists():
        raise GradingError(f"no solution {solution_path}: the grader computes expected values from it")
    solution = nbformat.read(solution_path, as_version=4)
    questions = questions_for(name)
    seed = secrets.randbits(32) if seed is None else seed
    drawn = {}
    for number, question in enumerate(questions.values()):
        if isinstance(question, FunctionQuestion):
            hidden = question.hidden(np.random.default_rng([seed, number])) if question.hidden else []
            drawn[question.id] = [(c.args, dict(c.kwargs)) for c in question.public] + [(tuple(a), dict(k)) for a, k in hidden]
    placeholder = {qid: [Case(tuple(a), None, k) for a, k in calls] for qid, calls in drawn.items()}
    assignment = Assignment(name, exercise_nb, placeholder, [root / "solutions"], seed)
    if not drawn:
        return assignment
    progress(f"computing the expected values of {sum(map(len, drawn.values()))} cases with {solution_path.name} ...")
    answers = Answers(code={exercise_id(c): c.source for c in solution.cells if exercise_id(c) in questions})
    reports, runs, _ = _run_student(assignment, answers, settings)
    for qid, calls in drawn.items():
        outputs = (reports.get(qid) or {}).get("outputs")
        if not outputs or len(outputs) != len(calls):
            own, probe = runs.get(qid, (None, None))
            raise GradingError(f"the solution's {qid} could not be run on the grading cases "
                               f"({own.message if own else ''} {probe.message if probe else ''})".strip())
        public = list(questions[qid].public)
        expected = []
        for number, ((args, kwargs), output) in enumerate(zip(calls, outputs)):
            if "value" not in output:
                raise GradingError(f"the solution's {qid} fails on case {number + 1}: {output}")
            value = encoding.from_jsonable(output["value"])
            if number < len(public):  # a public case: the solution must give the stated answer
                problem = describe_difference(public[number].expected, value, rtol=questions[qid].rtol, atol=questions[qid].atol)
                if problem:
                    raise GradingError(f"the solution's {qid} fails its own public case {number + 1}: {problem}")
                value = public[number].expected
            expected.append(Case(tuple(args), value, kwargs))
        assignment.cases[qid] = expected
    return assignment


# --------------------------------------------------------------------------- one student


def grade_path(assignment: Assignment, student: str, path: Path | None, settings: Settings) -> StudentResult:
    """Grade one submission file (None: the student handed in nothing). Never raises for a bad file."""
    questions = assignment.questions
    if path is None:
        return _same_for_all(assignment, student, MISSING, "no submission found")
    try:
        notebook = read_notebook(path)
        answers = extract_answers(notebook, assignment.exercise, questions)
    except SubmissionError as problem:
        return _same_for_all(assignment, student, ERROR, f"could not grade the file: {problem}")
    result = StudentResult(student, [], list(answers.notes), answers.code, answers.written)
    result.notes += suspicious(answers.code)
    outcomes, runs, problems = _run_student(assignment, answers, settings) if answers.code else ({}, {}, [])
    result.notes += problems
    for qid, question in questions.items():
        if isinstance(question, WrittenQuestion):
            status, message = _written(answers.written.get(qid), question)
        elif qid not in answers.code:
            status, message = MISSING, f"no cell starting with '# EXERCISE {qid}' in the submission"
        else:
            status, message = _code_outcome(question, assignment.cases.get(qid, []), outcomes.get(qid), *runs[qid])
        points = question.points if status == PASS else 0.0
        result.grades.append(Grade(student, qid, points, question.points, status, message))
    return result


def _same_for_all(assignment: Assignment, student: str, status: str, message: str) -> StudentResult:
    """Every question with one status and message (nothing could be run)."""
    return StudentResult(student, [Grade(student, q.id, 0.0, q.points, status, message)
                                   for q in assignment.questions.values()])


def _written(text: str | None, question: WrittenQuestion) -> tuple[str, str]:
    if text is None or not text.strip() or question.prompt in text:
        return MISSING, "no written answer"
    return MANUAL, f"written answer ({len(text.split())} words): grade by hand"


def _run_student(assignment: Assignment, answers: Answers, settings: Settings
                 ) -> tuple[dict, dict[str, tuple[CellRun, CellRun]], list[str]]:
    """Run the rebuilt notebook; return the probes' reports, (exercise run, probe run) per
    question, and problems in the exercise's own cells (which the student did not write)."""
    questions = assignment.questions
    with tempfile.TemporaryDirectory(prefix="dlcourse-grade-") as work:
        payloads, cwd = Path(work) / "payloads", Path(work) / "cwd"
        payloads.mkdir(mode=0o700)
        cwd.mkdir()
        probes = _Probes(payloads)
        sources: list[str] = []
        limits: list[float] = []
        where: dict[str, tuple[int, int]] = {}
        for cell in assignment.exercise.cells:
            if cell.cell_type != "code" or SKIP_TAG in cell.metadata.get("tags", []):
                continue
            qid = exercise_id(cell)
            if qid is None:
                if CHECK_CELL.fullmatch(cell.source.strip()):
                    continue  # the student's feedback; the grader's own cells do the grading
                sources.append(cell.source)
                # set-up cells before any student code may take long (imports, data); later ones run student code
                limits.append(settings.cell_timeout if where else max(settings.cell_timeout, INSTRUCTOR_CELL_TIMEOUT))
            elif qid in answers.code:
                sources.append(answers.code[qid])
                question = questions[qid]
                calls = [(c.args, dict(c.kwargs)) for c in assignment.cases.get(qid, [])]
                sources.append(probes.cell(len(sources), assignment.name, qid, calls if isinstance(question, FunctionQuestion) else []))
                limits += [settings.cell_timeout, settings.cell_timeout]
                where[qid] = (len(sources) - 2, len(sources) - 1)
        env = grading_env(budget=settings.budget, forbidden=assignment.forbidden, memory_mb=settings.memory_mb)
        runs = run_cells(sources, cwd=cwd, env=env, cell_timeout=limits, total_timeout=settings.submission_timeout,
                         memory_mb=settings.memory_mb, after_cell=probes.after_cell)
    students = {i for pair in where.values() for i in pair}
    problems = [f"the exercise's own cell {i + 1} ({sources[i].splitlines()[0][:40] if sources[i] else ''}...) "
                f"ended with {run.status}: {run.message}"
                for i, run in enumerate(runs) if i not in students and run.status in (CELL_ERROR, TIMEOUT)]
    return probes.results, {qid: (runs[a], runs[b]) for qid, (a, b) in where.items()}, problems[:3]


def _own_cell_problem(own: CellRun) -> tuple[str, str] | None:
    """Why the student's own cell gave nothing to grade, if it timed out or raised."""
    if own.status == TIMEOUT:
        return TIMEOUT_STATUS, f"your cell {own.message}"
    if own.status == CELL_ERROR:
        return ERROR, f"your cell raised {own.message}"
    return None


def _code_outcome(question: Question, cases: list[Case], report: dict | None, own: CellRun, probe: CellRun) -> tuple[str, str]:
    if report is None:
        if own.status == TIMEOUT:
            return _own_cell_problem(own)
        if own.status == DEAD:
            return ERROR, f"while running your cell: {own.message}"
        if probe.status == TIMEOUT:
            return TIMEOUT_STATUS, f"your code on the grading cases was {probe.message}"
        if probe.status == DEAD:
            return ERROR, probe.message
        return ERROR, f"the grader's check did not report ({probe.message or 'its result was missing or changed'})"
    kind = report.get("kind")
    if kind == "crash":
        return ERROR, f"the grader's check failed: {report.get('message')} (was the checker changed by the notebook?)"
    if kind == "value":
        status, message = str(report.get("status")), str(report.get("message"))
        if status == MISSING and (problem := _own_cell_problem(own)):
            return problem
        return (status, message) if status in (PASS, FAIL, ERROR, MISSING) else (ERROR, "unexpected report")
    if kind != "function" or not isinstance(question, FunctionQuestion):
        return ERROR, "unexpected report from the grader's check"
    name = question.function
    if not report.get("defined"):
        return _own_cell_problem(own) or (MISSING, f"no function `{name}` is defined")
    if not report.get("callable"):
        return FAIL, f"`{name}` should be a function, found a {report.get('type')}"
    outputs = report.get("outputs") or []
    if len(outputs) != len(cases):
        return ERROR, "the grader's check reported the wrong number of cases (was it tampered with?)"
    hint = f" Hint: {question.hint}" if question.hint else ""
    for number, (case, output) in enumerate(zip(cases, outputs), start=1):
        call = f"case {number} of {len(cases)}, {case.call_text(name)}"
        if output.get("missing"):
            return MISSING, "not answered yet (the function still raises NotImplementedError)"
        if "error" in output:
            return ERROR, f"{call} raised {output['error']}.{hint}"
        if "unreadable" in output:
            return FAIL, f"{call}: the result could not be read ({output['unreadable']}).{hint}"
        problem = describe_difference(case.expected, encoding.from_jsonable(output.get("value")),
                                      rtol=question.rtol, atol=question.atol)
        if problem:
            return FAIL, f"{call}: {problem}.{hint}"
    return PASS, f"all {len(cases)} cases pass"


# --------------------------------------------------------------------------- many students


def find_submissions(folder: Path, name: str) -> dict[str, Path | None]:
    """``<student>.ipynb`` or ``<student>/<name>.ipynb`` (or the only notebook in ``<student>/``)."""
    if not folder.is_dir():
        raise GradingError(f"{folder} is not a folder of submissions")
    found: dict[str, Path | None] = {}
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_file() and entry.suffix == ".ipynb":
            found[entry.stem] = entry
        elif entry.is_dir():
            inside = entry / f"{name}.ipynb"
            notebooks = sorted(p for p in entry.glob("*.ipynb") if not p.name.startswith("."))
            found[entry.name] = inside if inside.exists() else (notebooks[0] if len(notebooks) == 1 else None)
    return found


def _grade_job(job: tuple[Assignment, str, Path | None, Settings]) -> StudentResult:
    assignment, student, path, settings = job
    try:
        return grade_path(assignment, student, path, settings)
    except Exception as problem:  # a bug of ours: the student still gets a row, the instructor the reason
        return _same_for_all(assignment, student, ERROR, f"the grader failed on this submission ({type(problem).__name__}: {problem})")


def grade_all(assignment: Assignment, submissions: dict[str, Path | None], settings: Settings, *, jobs: int = 1,
              progress: Any = None) -> list[StudentResult]:
    """Grade every submission, ``jobs`` at a time; results in the students' order."""
    work = [(assignment, student, path, settings) for student, path in submissions.items()]
    results: dict[str, StudentResult] = {}
    if jobs <= 1:
        for job in work:
            results[job[1]] = _grade_job(job)
            if progress is not None:
                progress.update(1)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {pool.submit(_grade_job, job): job[1] for job in work}
            for future in as_completed(futures):
                student = futures[future]
                try:
                    results[student] = future.result()
                except Exception as problem:  # the worker process itself died
                    results[student] = _same_for_all(assignment, student, ERROR, f"the grader's worker failed ({type(problem).__name__}); grade again with --jobs 1")
                if progress is not None:
                    progress.update(1)
    return [results[student] for student in submissions]


def settings_record(assignment: Assignment, settings: Settings, submissions: int) -> dict:
    return {"notebook": assignment.name, "seed": assignment.seed, "submissions": submissions, **asdict(settings),
            "hidden_cases": {qid: len(c) for qid, c in assignment.cases.items()}}

