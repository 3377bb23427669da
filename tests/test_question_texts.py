"""What the student reads about each question: the points in its heading, and hints without code.

- Every graded question has one heading in its exercise (and solution) saying "(N points)",
  and N is the points of its question module: the grader and the page must agree.
- No hint contains code: a hint says what to think about, it does not hand over the answer
  (no calls, no ``name=value``, no code beyond a name in backticks, no list literals).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from dlcourse.checking import WrittenQuestion, questions_for
from dlcourse.exercises import exercise_id

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p.stem for p in (ROOT / "solutions").glob("*.ipynb"))
POINTS = re.compile(r"\((\d+(?:\.\d+)?) points?\b")
ANSWER = re.compile(r"<!-- ANSWER (\S+) -->")
CODE_IN_HINT = {
    "a call": re.compile(r"[A-Za-z_]\w*\("),
    "a keyword argument or assignment": re.compile(r"\w\s*=\s*[\w'\"\[(]"),
    "a code span": re.compile(r"`"),  # after names in backticks (`every`: prose) are unwrapped
    "a list or index": re.compile(r"\w\[|\[[\w'\"]"),
    "an attribute access": re.compile(r"[a-z_]\w*\.[a-z_]\w*"),
}


def headed_points(path: Path) -> dict[str, list[float]]:
    """Question id -> the points stated by the heading(s) above its cell, in ``path``."""
    found: dict[str, list[float]] = {}
    current: float | None = None
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    match = POINTS.search(line)
                    current = float(match.group(1)) if match else None
            answer = ANSWER.match(cell.source)
            qid = answer.group(1) if answer else None
        else:
            qid = exercise_id(cell)
        if qid is not None:
            found.setdefault(qid, []).append(current)
    return found


@pytest.mark.parametrize("folder", ["exercises", "solutions"])
@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_headings_state_the_points_of_the_question_module(notebook, folder):
    questions = questions_for(notebook)
    stated = headed_points(ROOT / folder / f"{notebook}.ipynb")
    assert set(stated) == set(questions), f"{folder}/{notebook}: questions in the notebook and the module differ"
    for qid, question in questions.items():
        assert stated[qid] == [float(question.points)], (
            f"{folder}/{notebook}: {qid} is worth {question.points} points in its module, its heading says {stated[qid]}")


HINTS = [(notebook, q) for notebook in NOTEBOOKS for q in questions_for(notebook).values()
         if not isinstance(q, WrittenQuestion)]


@pytest.mark.parametrize("notebook, question", HINTS, ids=lambda v: v if isinstance(v, str) else v.id)
def test_no_hint_contains_code(notebook, question):
    assert question.hint, f"{notebook} {question.id}: give a hint that says what to think about"
    hint = re.sub(r"`([A-Za-z_]\w*)`", r"\1", question.hint)  # a name in backticks is prose, not code
    for kind, pattern in CODE_IN_HINT.items():
        match = pattern.search(hint)
        assert match is None, f"{notebook} {question.id}: the hint contains {kind} ({match.group(0)!r}): {question.hint}"


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_written_questions_have_a_rubric(notebook):
    for question in questions_for(notebook).values():
        if isinstance(question, WrittenQuestion):
            assert len(question.rubric.split()) >= 8, f"{notebook} {question.id}: a written question needs a rubric"
