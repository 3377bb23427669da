"""Grade students' notebooks for one exercise: ``dlcourse grade exercises/<name>.ipynb SUBMISSIONS``.

Once per run, hidden cases are drawn fresh (a seed per run, recorded in
``OUT/grading.json``) and their expected values computed by grading the solution
itself (:func:`load_assignment`). Then each submission goes through five steps, each
a function of its own (and unit-tested on its own), in this order:

1. :func:`rebuild`: the pristine exercise's cells, with only the student's EXERCISE cells
   put in (set-up cells are the instructor's; check cells and ``nbval-skip`` cells left out);
2. :func:`inject_probes`: after each student cell, the grader's own cell, which evaluates
   the question there with the assessment core and writes plain JSON to a secret file;
3. :func:`execute`: the cells in one guarded kernel (time and memory limits);
4. :func:`collect`: each probe's file read (and deleted) as soon as its cell ends;
5. :func:`score`: every question judged outside the kernel by
   :func:`dlcourse.assessment.judge.judge` (the code ``check`` uses), points given
   all-or-nothing or in proportion to the cases passed, as the question says.
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

from dlcourse.assessment import encoding
from dlcourse.assessment.compare import describe_difference
from dlcourse.assessment.judge import NOT_ANSWERED, Verdict, judge, judge_written
from dlcourse.assessment.questions import Case, FunctionQuestion, Question, ValueQuestion, WrittenQuestion, questions_for
from dlcourse.assessment.status import Status
from dlcourse.exercises import exercise_id
from dlcourse.grading import kernel
from dlcourse.grading.runner import CellRun, CellStatus, Sandbox, grading_env, run_cells
from dlcourse.grading.submission import (COMMON_MODULES, Answers, SubmissionError, extract_answers, imported_names,
                                        read_notebook, suspicious)

STATUSES = tuple(Status)  # every status a grade can have, in the order the summary lists them
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
    sandbox: bool = False  # each kernel under bubblewrap (runner.Sandbox): no network, only its own folder writable


@dataclass
class Grade:
    student: str
    question: str
    points: float
    max_points: float
    status: Status
    message: str  # for the student (released in the report)
    detail: str = ""  # for the instructor only (grades.csv): a failing hidden case in full
    failed: tuple[str, ...] = ()  # the cases that failed


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

    @property
    def not_graded(self) -> str | None:
        """Why the machine left this submission ungraded (None: it was graded)."""
        return next((g.message for g in self.grades if g.status == Status.NOT_GRADED), None)


@dataclass
class Assignment:
    name: str
    exercise: nbformat.NotebookNode
    cases: dict[str, list[Case]]  # per function question: public, then hidden with the solution's values
    forbidden: list[Path]
    seed: int
    # per value question: the set-up's given facts as the solution's own run reported them
    given: dict[str, dict] = field(default_factory=dict)

    @property
    def questions(self) -> dict[str, Question]:
        return questions_for(self.name)


@dataclass
class PlannedCell:
    """One cell the grader will run."""

    source: str
    timeout: float
    question: str | None = None  # the question this cell answers (a student's cell) or reports (a probe)
    probe: Path | None = None  # a probe cell: the secret file it writes
    silent: bool = False  # run as a silent execution (the grader's probes)


# --------------------------------------------------------------------------- the steps, in order


def rebuild(exercise: nbformat.NotebookNode, answers: Answers, settings: Settings) -> list[PlannedCell]:
    """Step 1: the exercise's code cells with the student's answers in place of its EXERCISE cells."""
    planned: list[PlannedCell] = []
    for cell in exercise.cells:
        if cell.cell_type != "code" or SKIP_TAG in cell.metadata.get("tags", []):
            continue
        qid = exercise_id(cell)
        if qid is None:
            if CHECK_CELL.fullmatch(cell.source.strip()):
                continue  # the student's feedback; the grader's own cells do the grading
            # set-up cells before any student code may take long (imports, data); later ones run student code
            before_students = not any(c.question for c in planned)
            limit = max(settings.cell_timeout, INSTRUCTOR_CELL_TIMEOUT) if before_students else settings.cell_timeout
            planned.append(PlannedCell(cell.source, limit))
        elif qid in answers.code:
            planned.append(PlannedCell(answers.code[qid], settings.cell_timeout, qid))
    return planned


def grader_cell(task: dict, title: str) -> str:
    """A grader's cell: one string constant the kernel's audit hook recognizes and acts on
    (:mod:`dlcourse.grading.kernel`); the cell itself calls nothing a student could replace."""
    constant = kernel.MARKER + json.dumps(task)
    return f"# dlcourse grader: {title}\n_dlcourse_grader_cell = {constant!r}\ndel _dlcourse_grader_cell"


def probe_source(qid: str, nonce: str) -> str:
    """The grader's own cell after question ``qid``'s cell: the question and the nonce the snapshot cell
    announced for it (so that student code cannot run the probe at a moment of its choosing); where to
    write and which cases to run came with the snapshot cell, before any student code could read a cell."""
    return grader_cell({"action": "probe", "question": qid, "nonce": nonce}, qid)


def snapshot_source(notebook: str, probes: dict[str, dict] | None = None) -> str:
    """The grader's cell before the first student cell: the kernel remembers the set-up's modules, and
    ``probes`` (question -> its secret report file and its encoded cases)."""
    return grader_cell({"action": "snapshot", "notebook": notebook, "probes": probes or {}},
                       "snapshot of the set-up, before any student code")


def inject_probes(planned: list[PlannedCell], assignment: Assignment, folder: Path,
                  settings: Settings) -> list[PlannedCell]:
    """Step 2: a snapshot cell before the first student cell, and a probe cell after each student
    cell, writing to a fresh secret file in ``folder``. The probe cells run silently (no IPython
    ``pre_run_cell``/``post_run_cell`` callbacks, no history) and hold no secret: the files and the
    hidden cases travel in the snapshot cell, which runs before any student code."""
    questions = assignment.questions
    probes: dict[str, dict] = {}
    out: list[PlannedCell] = []
    for cell in planned:
        if cell.question is not None and not any(c.question for c in out):
            out.append(PlannedCell("", settings.cell_timeout))  # the snapshot, written below
        out.append(cell)
        if cell.question is None:
            continue
        question = questions[cell.question]
        calls = ([(c.args, dict(c.kwargs)) for c in assignment.cases.get(cell.question, [])]
                 if isinstance(question, FunctionQuestion) else [])
        payload = folder / f"{secrets.token_hex(16)}.json"
        nonce = secrets.token_hex(16)
        probes[cell.question] = {"payload": str(payload), "nonce": nonce,
                                 "cases": encoding.to_jsonable([[list(a), dict(k)] for a, k in calls])}
        out.append(PlannedCell(probe_source(cell.question, nonce), settings.cell_timeout, cell.question, payload,
                               silent=True))
    for cell in out:
        if cell.source == "" and cell.question is None:
            cell.source = snapshot_source(assignment.name, probes)
    return out


def execute(planned: list[PlannedCell], settings: Settings, *, env: dict[str, str], cwd: Path,
            after_cell: Callable[[int, CellRun], None] | None = None, sandbox: Sandbox | None = None,
            notes: list[str] | None = None) -> list[CellRun]:
    """Step 3: run the cells in one new guarded kernel (in ``sandbox`` if given); one :class:`CellRun` each."""
    return run_cells([c.source for c in planned], cwd=cwd, env=env, cell_timeout=[c.timeout for c in planned],
                     silent=[c.silent for c in planned],
                     total_timeout=settings.submission_timeout, memory_mb=settings.memory_mb, after_cell=after_cell,
                     sandbox=sandbox, notes=notes)


def collect(cell: PlannedCell) -> dict | None:
    """Step 4: a probe's report, read and deleted at once (None if it wrote nothing readable)."""
    if cell.probe is None:
        return None
    try:
        return json.loads(cell.probe.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    finally:
        cell.probe.unlink(missing_ok=True)


def score(assignment: Assignment, student: str, answers: Answers, planned: list[PlannedCell], runs: list[CellRun],
          reports: dict[str, dict | None]) -> list[Grade]:
    """Step 5: judge every question; points all-or-nothing or in proportion, as the question says."""
    own = {c.question: runs[i] for i, c in enumerate(planned) if c.question and c.probe is None}
    probes = {c.question: runs[i] for i, c in enumerate(planned) if c.probe is not None}
    grades = []
    for qid, question in assignment.questions.items():
        if isinstance(question, WrittenQuestion):
            verdict = judge_written(question, answers.written.get(qid))
        elif qid not in answers.code:
            verdict = Verdict(qid, Status.MISSING, f"no cell starting with '# EXERCISE {qid}' in the submission")
        else:
            cases = assignment.cases.get(qid, [])
            verdict = (_run_problem(qid, own[qid], probes[qid], reports.get(qid))
                       or judge(question, cases, reports.get(qid), n_public=len(getattr(question, "public", [])),
                                given=assignment.given.get(qid)))
            if verdict.status == Status.MISSING and (problem := _own_cell_problem(qid, own[qid])):
                verdict = problem
        points = question.points * (1.0 if verdict.ok else verdict.score)
        grades.append(Grade(student, qid, round(points, 4), question.points, verdict.status, verdict.message,
                            verdict.detail, verdict.failed))
    return grades


# --------------------------------------------------------------------------- how a run went wrong


def _own_cell_problem(qid: str, own: CellRun) -> Verdict | None:
    """Why the student's own cell gave nothing to grade, if it timed out or raised."""
    if own.status == CellStatus.TIMEOUT:
        return Verdict(qid, Status.TIMEOUT, f"your cell {own.message}")
    if own.status == CellStatus.ERROR and own.message.startswith("NotImplementedError"):  # the stub, untouched
        return Verdict(qid, Status.MISSING, NOT_ANSWERED)
    if own.status == CellStatus.ERROR:
        return Verdict(qid, Status.ERROR, f"your cell raised {own.message}")
    return None


def _run_problem(qid: str, own: CellRun, probe: CellRun, report: dict | None) -> Verdict | None:
    """A verdict when the probe gave no report (the kernel died or a cell ran out of time)."""
    if report is not None:
        return None
    if own.status == CellStatus.TIMEOUT:
        return _own_cell_problem(qid, own)
    if own.status == CellStatus.DEAD:
        return Verdict(qid, Status.ERROR, f"while running your cell: {own.message}")
    if probe.status == CellStatus.TIMEOUT:
        return Verdict(qid, Status.TIMEOUT, f"your code on the grading cases was {probe.message}")
    if probe.status == CellStatus.DEAD:
        return Verdict(qid, Status.ERROR, probe.message)
    return Verdict(qid, Status.ERROR, f"the grader's check did not report ({probe.message or 'its result was missing or changed'})")


# --------------------------------------------------------------------------- one submission


def run_submission(assignment: Assignment, answers: Answers, settings: Settings
                   ) -> tuple[list[PlannedCell], list[CellRun], dict[str, dict | None], list[str]]:
    """Steps 1-4 for one submission: the planned cells, their runs, the probes' reports by
    question, and problems in the exercise's own cells (which the student did not write)."""
    with tempfile.TemporaryDirectory(prefix="dlcourse-grade-") as work:
        payloads, cwd = Path(work) / "payloads", Path(work) / "cwd"
        payloads.mkdir(mode=0o700)
        cwd.mkdir()
        planned = inject_probes(rebuild(assignment.exercise, answers, settings), assignment, payloads, settings)
        reports: dict[str, dict | None] = {}

        def after_cell(index: int, run: CellRun) -> None:
            if planned[index].probe is not None:
                reports[planned[index].question] = collect(planned[index])

        env = grading_env(budget=settings.budget, forbidden=assignment.forbidden, memory_mb=settings.memory_mb)
        sandbox = Sandbox(writable=(Path(work),), hidden=tuple(assignment.forbidden)) if settings.sandbox else None
        notes: list[str] = []  # the machine's trouble (a kernel that needed a second try to start)
        runs = execute(planned, settings, env=env, cwd=cwd, after_cell=after_cell, sandbox=sandbox, notes=notes)
    problems = notes + [f"the exercise's own cell {i + 1} ({c.source.splitlines()[0][:40] if c.source else ''}...) "
                f"ended with {run.status}: {run.message}"
                for i, (c, run) in enumerate(zip(planned, runs))
                if c.question is None and run.status in (CellStatus.ERROR, CellStatus.TIMEOUT)]
    return planned, runs, reports, problems[:len(notes) + 3]


def grade_path(assignment: Assignment, student: str, path: Path | None, settings: Settings) -> StudentResult:
    """Grade one submission file (None: the student handed in nothing). Never raises for a bad file.

    A grade is never an accident of the machine: a kernel that died with no cause the runner
    saw (:attr:`CellStatus.LOST`) is run again, and a death that comes back once student code
    has run is the code's; a kernel that never started, or died twice before any student
    code ran, leaves the submission :attr:`Status.NOT_GRADED`, with no points recorded.
    """
    if path is None:
        return _same_for_all(assignment, student, Status.MISSING, "no submission found")
    try:
        notebook = read_notebook(path)
        answers = extract_answers(notebook, assignment.exercise, assignment.questions)
    except SubmissionError as problem:
        return _same_for_all(assignment, student, Status.ERROR, f"could not grade the file: {problem}")
    result = StudentResult(student, [], list(answers.notes), answers.code, answers.written)
    setup = (c.source for c in assignment.exercise.cells if c.cell_type == "code")
    result.notes += suspicious(answers.code, COMMON_MODULES | imported_names(setup))
    if answers.code:
        planned, runs, reports, problems = run_submission(assignment, answers, settings)
        lost = _first(runs, CellStatus.LOST)
        if lost is not None:  # the code's doing comes back in a second run; the machine's seldom does
            planned, runs, reports, problems = run_submission(assignment, answers, settings)
            again = _first(runs, CellStatus.LOST)
            if again is None:
                result.notes.append(f"the kernel died in a first run (cell {lost + 1}) with no cause the grader "
                                    "saw; a second run went through and is the one graded")
            elif any(c.question for c in planned[:again + 1]):
                runs = [CellRun(CellStatus.DEAD, r.message) if r.status == CellStatus.LOST else r for r in runs]
                result.notes.append("the kernel died in two runs of this submission, after the student's code "
                                    "had run: graded as the code's doing")
    else:
        planned, runs, reports, problems = [], [], {}, []
    result.notes += problems
    machine = next((r for r in runs if r.status in (CellStatus.NOT_STARTED, CellStatus.LOST)), None)
    if machine is not None:
        why = (machine.message if machine.status == CellStatus.NOT_STARTED else
               f"the kernel died twice before any of the student's code ran ({machine.message})")
        ungraded = _same_for_all(assignment, student, Status.NOT_GRADED, f"not graded: {why}")
        result.grades, result.notes = ungraded.grades, result.notes + ungraded.notes
        return result
    result.grades = score(assignment, student, answers, planned, runs, reports)
    return result


def _first(runs: list[CellRun], status: CellStatus) -> int | None:
    return next((i for i, r in enumerate(runs) if r.status == status), None)


def _same_for_all(assignment: Assignment, student: str, status: Status, message: str) -> StudentResult:
    """Every question with one status and message (nothing could be run, or nothing graded)."""
    notes = [f"{message}: grade it again with --student {student}"] if status == Status.NOT_GRADED else []
    return StudentResult(student, [Grade(student, q.id, 0.0, q.points, status, message)
                                   for q in assignment.questions.values()], notes)


# --------------------------------------------------------------------------- the instructor's side


def course_root(exercise: Path) -> Path:
    root = exercise.resolve().parent.parent
    if not (root / "solutions").is_dir():
        raise GradingError(f"{exercise} is not in a course checkout's exercises/ folder (no solutions/ beside it)")
    return root


def draw_cases(questions: dict[str, Question], seed: int) -> dict[str, list[tuple[tuple, dict]]]:
    """Per function question: its public calls, then hidden calls drawn with ``seed``."""
    drawn = {}
    for number, question in enumerate(questions.values()):
        if isinstance(question, FunctionQuestion):
            hidden = question.hidden(np.random.default_rng([seed, number])) if question.hidden else []
            drawn[question.id] = [(c.args, dict(c.kwargs)) for c in question.public] + [(tuple(a), dict(k)) for a, k in hidden]
    return drawn


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
    drawn = draw_cases(questions, seed)
    placeholder = {qid: [Case(tuple(a), None, k) for a, k in calls] for qid, calls in drawn.items()}
    assignment = Assignment(name, exercise_nb, placeholder, [root / "solutions"], seed)
    decided = [qid for qid, q in questions.items() if isinstance(q, ValueQuestion)]
    if not drawn and not decided:
        return assignment
    progress(f"computing the expected values of {sum(map(len, drawn.values()))} cases and the set-up's facts of "
             f"{len(decided)} value questions with {solution_path.name} ...")
    answers = Answers(code={exercise_id(c): c.source for c in solution.cells if exercise_id(c) in questions})
    planned, runs, reports, _ = run_submission(assignment, answers, settings)
    for qid in decided:
        report = reports.get(qid) or {}
        given = report.get("given")
        if questions[qid].given_facts is not None and not (isinstance(given, dict) and "value" in given):
            raise GradingError(f"the solution's run did not give the set-up's facts for {qid}: {given or report}")
        assignment.given[qid] = given
        verdict = judge(questions[qid], [], report, given=given)
        if not verdict.ok:
            raise GradingError(f"the solution's own answer to {qid} does not pass: {verdict.message}")
    for qid, calls in drawn.items():
        outputs = (reports.get(qid) or {}).get("outputs")
        if not outputs or len(outputs) != len(calls):
            messages = [runs[i].message for i, c in enumerate(planned) if c.question == qid]
            raise GradingError(f"the solution's {qid} could not be run on the grading cases ({' '.join(messages)})".strip())
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
    except Exception as problem:  # a bug of ours, not the student's: a row, no points, the reason
        return _same_for_all(assignment, student, Status.NOT_GRADED,
                             f"not graded: the grader failed on this submission ({type(problem).__name__}: {problem})")


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
                    results[student] = _same_for_all(assignment, student, Status.NOT_GRADED,
                                                     f"not graded: the grader's worker failed ({type(problem).__name__})")
                if progress is not None:
                    progress.update(1)
    return [results[student] for student in submissions]


def settings_record(assignment: Assignment, settings: Settings, submissions: int) -> dict:
    return {"notebook": assignment.name, "seed": assignment.seed, "submissions": submissions, **asdict(settings),
            "hidden_cases": {qid: len(c) for qid, c in assignment.cases.items()}}

