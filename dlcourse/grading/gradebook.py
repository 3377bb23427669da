"""After grading: hand-given scores, the roster, late work, and gradebooks for an LMS.

Everything here works on stored results (``OUT/results.json``), so merging manual
scores or changing the late policy never runs a student's code again. Every input file
is checked in full before anything is written; a bad row is an error that names the
file and the row, and nothing is silently dropped.

- **manual.csv** — one row per student and written question, with the student's answer
  and the rubric; the instructor fills in ``points`` (and ``comment``).
- **roster.csv** — ``student`` (the submission's name), ``id`` (the LMS's id), ``name``,
  ``email``; optional ``sis_user_id``, ``sis_login_id``, ``section``, ``extension_days``.
- **late work** — a due date, a penalty in percent of the points per started day late,
  per-student extensions (roster column ``extension_days``), and the submission times
  from a CSV the instructor provides (``student``, ``submitted_at``, as LMS downloads
  carry them): never from file modification times.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from dlcourse.assessment.questions import Question, WrittenQuestion
from dlcourse.assessment.status import Status
from dlcourse.grading.grader import Grade, StudentResult

MANUAL_COLUMNS = ["student", "question", "max_points", "points", "comment", "answer", "rubric"]
ROSTER_REQUIRED = ["student", "id", "name", "email"]


class GradebookError(ValueError):
    """A bad input file: the message names the file, the row and what to fix."""


# --------------------------------------------------------------------------- stored results


def save_results(path: Path, results: list[StudentResult]) -> None:
    """The automatic results, so later steps never re-run student code."""
    data = [{**asdict(r), "grades": [{**asdict(g), "status": g.status.value, "failed": list(g.failed)} for g in r.grades]}
            for r in results]
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def load_results(path: Path) -> list[StudentResult]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [StudentResult(r["student"], [Grade(**{**g, "status": Status(g["status"]), "failed": tuple(g["failed"])})
                                         for g in r["grades"]], r["notes"], r["code"], r["written"]) for r in data]


# --------------------------------------------------------------------------- manual scores


def write_manual_template(path: Path, results: list[StudentResult], questions: dict[str, Question]) -> None:
    """One row per student and written question, ``points`` left for the instructor."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(MANUAL_COLUMNS)
        for result in results:
            for qid, question in questions.items():
                if isinstance(question, WrittenQuestion):
                    writer.writerow([result.student, qid, f"{question.points:g}", "", "",
                                     result.written.get(qid, ""), question.rubric])


@dataclass(frozen=True)
class ManualScore:
    student: str
    question: str
    points: float
    comment: str


def read_manual(path: Path, results: list[StudentResult], questions: dict[str, Question]) -> list[ManualScore]:
    """The filled-in rows of ``path`` (rows with ``points`` empty are not graded yet)."""
    students = {r.student for r in results}
    written = {qid: q for qid, q in questions.items() if isinstance(q, WrittenQuestion)}
    scores: list[ManualScore] = []
    seen: set[tuple[str, str]] = set()
    for line, row in _rows(path, ["student", "question", "points"]):
        where = f"{path.name}, row {line}"
        student, qid, text = (row.get("student") or "").strip(), (row.get("question") or "").strip(), (row.get("points") or "").strip()
        if student not in students:
            raise GradebookError(f"{where}: unknown student {student!r} (not among the graded submissions)")
        if qid not in written:
            raise GradebookError(f"{where}: {qid!r} is not a written question of this exercise "
                                 f"(written questions: {', '.join(written) or 'none'})")
        if (student, qid) in seen:
            raise GradebookError(f"{where}: a second row for {student} and {qid}")
        seen.add((student, qid))
        if not text:
            continue
        try:
            points = float(text)
        except ValueError:
            raise GradebookError(f"{where}: points {text!r} is not a number") from None
        maximum = written[qid].points
        if not 0 <= points <= maximum or math.isnan(points):
            raise GradebookError(f"{where}: {points:g} points for {qid}, which is worth 0 to {maximum:g}")
        scores.append(ManualScore(student, qid, points, (row.get("comment") or "").strip()))
    return scores


def merge_manual(results: list[StudentResult], scores: Iterable[ManualScore]) -> list[StudentResult]:
    """New results: ``results`` with the hand-given scores in place of the written questions' zeros,
    each such grade :attr:`Status.MARKED`. ``results`` are not changed (merging is repeatable)."""
    by_key = {(s.student, s.question): s for s in scores}

    def merged(grade: Grade) -> Grade:
        score = by_key.get((grade.student, grade.question))
        if score is None:
            return replace(grade)
        return replace(grade, points=score.points, status=Status.MARKED,
                       message="graded by hand" + (f": {score.comment}" if score.comment else ""))

    return [replace(r, grades=[merged(g) for g in r.grades], notes=list(r.notes), code=dict(r.code),
                    written=dict(r.written)) for r in results]


# --------------------------------------------------------------------------- roster


@dataclass(frozen=True)
class Student:
    student: str
    id: str
    name: str
    email: str
    sis_user_id: str = ""
    sis_login_id: str = ""
    section: str = ""
    extension_days: float = 0.0


def read_roster(path: Path) -> dict[str, Student]:
    roster: dict[str, Student] = {}
    for line, row in _rows(path, ROSTER_REQUIRED):
        where = f"{path.name}, row {line}"
        values = {k: (row.get(k) or "").strip() for k in ("student", "id", "name", "email", "sis_user_id",
                                                           "sis_login_id", "section")}
        if not values["student"] or not values["id"]:
            raise GradebookError(f"{where}: every student needs a 'student' (submission name) and an 'id'")
        if values["student"] in roster:
            raise GradebookError(f"{where}: {values['student']!r} is listed twice")
        extension = (row.get("extension_days") or "").strip()
        try:
            days = float(extension) if extension else 0.0
        except ValueError:
            raise GradebookError(f"{where}: extension_days {extension!r} is not a number") from None
        if days < 0 or math.isnan(days):
            raise GradebookError(f"{where}: extension_days must be 0 or more, found {extension}")
        roster[values["student"]] = Student(**values, extension_days=days)
    return roster


def check_roster(roster: dict[str, Student], submitted: Iterable[str]) -> list[str]:
    """Submissions the roster does not know are an error; returns who submitted nothing."""
    unknown = sorted(set(submitted) - set(roster))
    if unknown:
        raise GradebookError(f"the roster has no entry for the submission(s) {', '.join(unknown)}: add them "
                             "(student = the submission's file or folder name) or remove the files")
    return sorted(set(roster) - set(submitted))


# --------------------------------------------------------------------------- late work


@dataclass(frozen=True)
class LatePolicy:
    due: datetime
    percent_per_day: float = 0.0
    extensions: dict[str, float] = field(default_factory=dict)  # student -> days

    def days_late(self, student: str, submitted: datetime | None) -> int:
        """Started days past the (extended) due date; 0 if on time or if the time is unknown."""
        if submitted is None:
            return 0
        late = submitted - (self.due + timedelta(days=self.extensions.get(student, 0.0)))
        return max(0, math.ceil(late / timedelta(days=1)))

    def penalty(self, student: str, submitted: datetime | None, points: float) -> float:
        return round(min(points, points * self.percent_per_day / 100 * self.days_late(student, submitted)), 4)


def parse_time(text: str, where: str) -> datetime:
    """An ISO 8601 date or time (a time without a zone is taken as UTC)."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise GradebookError(f"{where}: {text!r} is not a date and time (use ISO 8601, e.g. 2026-12-01T23:59)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def read_submission_times(path: Path, students: Iterable[str]) -> dict[str, datetime]:
    known = set(students)
    times: dict[str, datetime] = {}
    for line, row in _rows(path, ["student", "submitted_at"]):
        where = f"{path.name}, row {line}"
        student = (row.get("student") or "").strip()
        if student not in known:
            raise GradebookError(f"{where}: unknown student {student!r}")
        if student in times:
            raise GradebookError(f"{where}: {student!r} is listed twice")
        times[student] = parse_time(row.get("submitted_at") or "", where)
    return times


# --------------------------------------------------------------------------- the final table


@dataclass
class FinalRow:
    student: str
    points: float
    max_points: float
    days_late: int = 0
    penalty: float = 0.0
    per_question: dict[str, float | None] = field(default_factory=dict)  # None: not graded
    person: Student | None = None
    submitted: bool = True
    graded: bool = True  # False: the machine failed on this submission; no points to report yet

    @property
    def final(self) -> float:
        return round(max(0.0, self.points - self.penalty), 4)

    def shown(self, value: float | None) -> str:
        """A number as the exports write it: blank where nothing was graded (never a zero that is no grade)."""
        return "" if value is None or not self.graded else f"{value:g}"


def final_rows(results: list[StudentResult], questions: dict[str, Question], *, roster: dict[str, Student] | None = None,
               policy: LatePolicy | None = None, times: dict[str, datetime] | None = None) -> list[FinalRow]:
    """One row per student (with the roster: also those who submitted nothing, with 0 points)."""
    maximum = sum(q.points for q in questions.values())
    rows = []
    for result in results:
        row = FinalRow(result.student, result.total, maximum, person=(roster or {}).get(result.student),
                       per_question={g.question: None if g.status == Status.NOT_GRADED else g.points
                                     for g in result.grades},
                       graded=result.not_graded is None)
        if policy is not None and row.graded:
            submitted = (times or {}).get(result.student)
            row.days_late = policy.days_late(result.student, submitted)
            row.penalty = policy.penalty(result.student, submitted, result.total)
        rows.append(row)
    graded = {r.student for r in results}
    for name, person in sorted((roster or {}).items()):
        if name not in graded:
            rows.append(FinalRow(name, 0.0, maximum, per_question={q: 0.0 for q in questions}, person=person,
                                 submitted=False))
    return rows


def write_wide_csv(path: Path, rows: list[FinalRow], questions: dict[str, Question]) -> None:
    """One row per student: identity, one column per question, total, late penalty, final."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "id", "name", "email", *questions, "total", "max_points", "days_late", "penalty",
                         "final", "submitted"])
        for row in rows:
            p = row.person
            writer.writerow([row.student, p.id if p else "", p.name if p else "", p.email if p else "",
                             *(row.shown(row.per_question.get(q, 0.0)) for q in questions), row.shown(row.points),
                             f"{row.max_points:g}", row.days_late, f"{row.penalty:g}", row.shown(row.final),
                             "yes" if row.submitted else "no"])


def write_canvas_csv(path: Path, rows: list[FinalRow], assignment: str) -> None:
    """Canvas's gradebook import format: Student, ID, SIS User ID, SIS Login ID, Section, then
    one column named for the assignment (Canvas creates it on import if it is new). A submission
    that was not graded has a blank score, which Canvas leaves ungraded."""
    missing = [r.student for r in rows if r.person is None]
    if missing:
        raise GradebookError(f"a Canvas gradebook needs the roster's ids: no roster entry for {', '.join(missing)}")
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", assignment])
        for row in rows:
            p = row.person
            writer.writerow([p.name, p.id, p.sis_user_id, p.sis_login_id, p.section, row.shown(row.final)])


# --------------------------------------------------------------------------- reading CSV files


def _rows(path: Path, required: list[str]) -> Iterable[tuple[int, dict[str, str]]]:
    """(line number, row) of a CSV file with a header that has the ``required`` columns."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as problem:
        raise GradebookError(f"{path}: cannot be read ({problem})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    absent = [c for c in required if c not in header]
    if absent:
        raise GradebookError(f"{path.name}: the header lacks the column(s) {', '.join(absent)} "
                             f"(found: {', '.join(header) or 'no header'})")
    for row in reader:
        number = reader.line_num  # the line the row ends on (an answer may span lines)
        if None in row or any(value is None for value in row.values()):
            raise GradebookError(f"{path.name}, row {number}: {len(header)} columns expected, the row has a different number")
        yield number, row
