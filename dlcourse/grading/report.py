"""The grader's output: ``grades.csv``, ``summary.csv`` and one HTML report per student."""

from __future__ import annotations

import csv
import html
import json
import re
from collections import Counter
from pathlib import Path

from dlcourse.grading.grader import STATUSES, StudentResult

GRADE_COLUMNS = ["student", "question", "points", "max_points", "status", "message"]


def safe_name(student: str) -> str:
    """A file name for a student's report (no path tricks from a folder name)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", student).lstrip(".") or "student"


def write_outputs(out: Path, results: list[StudentResult], record: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "reports").mkdir(exist_ok=True)
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(GRADE_COLUMNS)
        for result in results:
            for g in result.grades:
                writer.writerow([g.student, g.question, f"{g.points:g}", f"{g.max_points:g}", g.status, g.message])
    with open(out / "summary.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student", "points", "max_points", *STATUSES, "review"])
        for result in results:
            counts = Counter(g.status for g in result.grades)
            maximum = sum(g.max_points for g in result.grades)
            writer.writerow([result.student, f"{result.total:g}", f"{maximum:g}", *(counts[s] for s in STATUSES),
                             "; ".join(result.notes)])
    for result in results:
        (out / "reports" / f"{safe_name(result.student)}.html").write_text(html_report(result, record), encoding="utf-8")
    (out / "grading.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")


def html_report(result: StudentResult, record: dict) -> str:
    e = html.escape
    maximum = sum(g.max_points for g in result.grades)
    rows = "\n".join(
        f"<tr class='{e(g.status)}'><td>{e(g.question)}</td><td>{g.points:g} / {g.max_points:g}</td>"
        f"<td>{e(g.status)}</td><td>{e(g.message)}</td></tr>" for g in result.grades)
    notes = "".join(f"<li>{e(n)}</li>" for n in result.notes)
    blocks = []
    for g in result.grades:
        if g.question in result.written:
            blocks.append(f"<h3>{e(g.question)} — written answer (grade by hand)</h3><blockquote>{e(result.written[g.question])}</blockquote>")
        elif g.question in result.code:
            blocks.append(f"<h3>{e(g.question)} — the code that was graded</h3><pre>{e(result.code[g.question])}</pre>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{e(record['notebook'])}: {e(result.student)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td,th{{border:1px solid #ccc;padding:.3em .6em;vertical-align:top}}
table{{border-collapse:collapse}}.passed td:nth-child(3){{color:#070}}.failed td:nth-child(3),.error td:nth-child(3),.timeout td:nth-child(3){{color:#a00}}
pre{{background:#f6f6f6;padding:.6em;overflow:auto}}blockquote{{background:#fafae8;padding:.6em;white-space:pre-wrap}}</style></head>
<body><h1>{e(record['notebook'])} — {e(result.student)}</h1>
<p><b>{result.total:g} of {maximum:g} points</b> from automatic grading; written answers are graded by hand.</p>
{f'<h2>For the instructor</h2><ul>{notes}</ul>' if notes else ''}
<table><tr><th>question</th><th>points</th><th>status</th><th>what the grader found</th></tr>
{rows}</table>
{''.join(blocks)}
<p><small>Graded with hidden cases drawn with seed {record['seed']}; budget {e(str(record['budget']))}.</small></p>
</body></html>
"""


def final_line(results: list[StudentResult]) -> str:
    counts = Counter(g.status for r in results for g in r.grades)
    parts = ", ".join(f"{counts[s]} {s}" for s in STATUSES if counts[s])
    return f"graded {len(results)} submission(s), {sum(len(r.grades) for r in results)} answers: {parts or 'nothing'}"
