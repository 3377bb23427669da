"""The grader's output: ``grades.csv``, ``summary.csv``, and two HTML pages per student.

- ``reports/<student>.html`` can be handed to the student as it is: the student's own
  grades and messages (which never name a hidden case's inputs or expected value), their
  own code and written answers, the late penalty. No rubric, no other student, no solution.
- ``review/<student>.html`` is the instructor's: the same, plus the rubric beside each
  written answer, the full text of failing hidden cases, and the things to look at by hand.
"""

from __future__ import annotations

import csv
import html
import json
import re
from collections import Counter
from pathlib import Path

from dlcourse.assessment.questions import Question, WrittenQuestion
from dlcourse.assessment.status import Status
from dlcourse.grading.gradebook import FinalRow
from dlcourse.grading.grader import STATUSES, StudentResult

GRADE_COLUMNS = ["student", "question", "points", "max_points", "status", "message", "failed_cases", "detail"]
STYLE = """body{font-family:sans-serif;max-width:60em;margin:2em auto}td,th{border:1px solid #ccc;padding:.3em .6em;
vertical-align:top}table{border-collapse:collapse}.passed td:nth-child(3){color:#070}.failed td:nth-child(3),
.error td:nth-child(3),.timeout td:nth-child(3){color:#a00}pre{background:#f6f6f6;padding:.6em;overflow:auto}
blockquote{background:#fafae8;padding:.6em;white-space:pre-wrap}.rubric{background:#eef4ff;padding:.6em}"""


def safe_name(student: str) -> str:
    """A file name for a student's report (no path tricks from a folder name)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", student).lstrip(".") or "student"


def write_outputs(out: Path, results: list[StudentResult], record: dict, rows: list[FinalRow],
                  questions: dict[str, Question]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "reports").mkdir(exist_ok=True)
    (out / "review").mkdir(exist_ok=True)
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(GRADE_COLUMNS)
        for result in results:
            for g in result.grades:
                points = "" if g.status == Status.NOT_GRADED else f"{g.points:g}"  # no grade, not a zero
                writer.writerow([g.student, g.question, points, f"{g.max_points:g}", g.status.value, g.message,
                                 " ".join(g.failed), g.detail])
    by_student = {row.student: row for row in rows}
    with open(out / "summary.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "points", "max_points", "days_late", "penalty", "final",
                         *(s.value for s in STATUSES), "review"])
        for result in results:
            counts = Counter(g.status for g in result.grades)
            row = by_student[result.student]
            writer.writerow([result.student, row.shown(result.total), f"{row.max_points:g}", row.days_late,
                             f"{row.penalty:g}", row.shown(row.final), *(counts[s] for s in STATUSES),
                             "; ".join(result.notes)])
        for row in rows:
            if not row.submitted:
                writer.writerow([row.student, "0", f"{row.max_points:g}", 0, "0", "0", *(0 for _ in STATUSES),
                                 "no submission (on the roster)"])
    for result in results:
        name = safe_name(result.student)
        row = by_student[result.student]
        (out / "reports" / f"{name}.html").write_text(html_report(result, record, row, questions), encoding="utf-8")
        (out / "review" / f"{name}.html").write_text(html_report(result, record, row, questions, instructor=True),
                                                     encoding="utf-8")
    (out / "grading.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def html_report(result: StudentResult, record: dict, row: FinalRow, questions: dict[str, Question], *,
                instructor: bool = False) -> str:
    e = html.escape
    table = "\n".join(
        f"<tr class='{e(g.status.value.replace(' ', '-'))}'><td>{e(g.question)}</td>"
        f"<td>{'' if g.status == Status.NOT_GRADED else f'{g.points:g}'} / {g.max_points:g}</td>"
        f"<td>{e(g.status.value)}</td><td>{e(g.message)}"
        f"{'<br><small>failed: ' + e(', '.join(g.failed)) + '</small>' if g.failed else ''}"
        f"{'<br><small>instructor: ' + e(g.detail) + '</small>' if instructor and g.detail else ''}</td></tr>"
        for g in result.grades)
    blocks = []
    for g in result.grades:
        question = questions.get(g.question)
        if g.question in result.written:
            rubric = (f"<div class='rubric'><b>Rubric:</b> {e(question.rubric)}</div>"
                      if instructor and isinstance(question, WrittenQuestion) and question.rubric else "")
            blocks.append(f"<h3>{e(g.question)} — written answer</h3><blockquote>{e(result.written[g.question])}"
                          f"</blockquote>{rubric}")
        elif g.question in result.code:
            blocks.append(f"<h3>{e(g.question)} — the code that was graded</h3><pre>{e(result.code[g.question])}</pre>")
    notes = "".join(f"<li>{e(n)}</li>" for n in result.notes)
    late = (f"<p>Submitted {row.days_late} day(s) late: {row.penalty:g} points off, <b>{row.final:g} of "
            f"{row.max_points:g}</b> in the end.</p>" if row.penalty else "")
    unmarked = any(g.status == Status.MANUAL for g in result.grades)
    total = (f"<p><b>Not graded yet</b>: the grading machine failed on this submission, not your code; it will be "
             f"graded again.</p>" if not row.graded else
             f"<p><b>{result.total:g} of {row.max_points:g} points</b>"
             f"{'; written answers not yet graded count 0' if unmarked else ''}.</p>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(record['notebook'])}: {e(result.student)}</title>
<style>{STYLE}</style></head>
<body><h1>{e(record['notebook'])} — {e(result.student)}</h1>
{total}
{late}
{f'<h2>For the instructor</h2><ul>{notes}</ul>' if instructor and notes else ''}
<table><tr><th>question</th><th>points</th><th>status</th><th>what the grader found</th></tr>
{table}</table>
{''.join(blocks)}
<p><small>Graded by dlcourse grade; budget {e(str(record['budget']))}.{' Seed ' + str(record['seed']) if instructor else ''}</small></p>
</body></html>
"""


def final_line(results: list[StudentResult]) -> str:
    """What the run did, in one line; then, if the machine left any submission ungraded, which and why."""
    counts = Counter(g.status for r in results for g in r.grades)
    parts = ", ".join(f"{counts[s]} {s.value}" for s in STATUSES if counts[s])
    line = f"graded {len(results)} submission(s), {sum(len(r.grades) for r in results)} answers: {parts or 'nothing'}"
    ungraded = [r for r in results if r.not_graded is not None]
    if ungraded:
        line += (f"\nNOT GRADED: {len(ungraded)} submission(s), through the machine's failure, not the students' code "
                 "(no points recorded): " + "; ".join(f"{r.student} ({r.not_graded})" for r in ungraded) +
                 "\ngrade each of them again: the same command with --student NAME, for " +
                 ", ".join(r.student for r in ungraded))
    return line
