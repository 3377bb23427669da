"""Generate ``exercises/`` from ``solutions/``: the solution notebook is the one source.

Markup in a solution notebook:

- a code cell whose first line is ``# EXERCISE <id>``: the lines between
  ``### BEGIN SOLUTION`` and ``### END SOLUTION`` become ``# YOUR CODE HERE`` and
  ``raise NotImplementedError("<id>: ...")``;
- a cell whose first line is ``# SOLUTION ONLY`` (code) or ``<!-- SOLUTION ONLY -->``
  (markdown) is dropped;
- a markdown cell whose first line is ``<!-- ANSWER <id> -->``: the solution's text is
  replaced by a prompt.

Every id must be a question of the notebook's question module, each exactly once.
The "Open in Colab" badge is rewritten to the exercise's own path.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from pathlib import Path

import nbformat

from dlcourse.assessment.questions import Question, WrittenQuestion, questions_for

EXERCISE_RE = re.compile(r"^# EXERCISE (?P<id>[A-Za-z0-9_.-]+)\s*$")
ANSWER_RE = re.compile(r"^<!-- ANSWER (?P<id>[A-Za-z0-9_.-]+) -->\s*$")
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
SOLUTION_ONLY = ("# SOLUTION ONLY", "<!-- SOLUTION ONLY -->")
RAISES_TAG = "raises-exception"  # nbval: this cell is expected to raise (NotImplementedError)
NB_VERSION = 4


class MarkupError(ValueError):
    """The solution notebook's exercise markup is malformed; the message names the cell."""


def first_line(cell) -> str:
    return cell.source.split("\n", 1)[0].strip()


def exercise_id(cell) -> str | None:
    """The id of an ``# EXERCISE <id>`` code cell, else None."""
    if cell.cell_type != "code":
        return None
    match = EXERCISE_RE.match(first_line(cell))
    return match["id"] if match else None


def answer_id(cell) -> str | None:
    """The id of a ``<!-- ANSWER <id> -->`` markdown cell, else None."""
    if cell.cell_type != "markdown":
        return None
    match = ANSWER_RE.match(first_line(cell))
    return match["id"] if match else None


def strip_solution(source: str, qid: str, where: str) -> tuple[str, bool]:
    """Replace each solution region; return the new source and whether a region is top-level."""
    out: list[str] = []
    inside = False
    regions = 0
    top_level = False
    for line in source.split("\n"):
        marker = line.strip()
        if marker == BEGIN:
            if inside:
                raise MarkupError(f"{where}: '{BEGIN}' inside another solution region")
            inside = True
            regions += 1
            indent = line[: len(line) - len(line.lstrip())]
            top_level |= indent == ""
            out.append(f"{indent}# YOUR CODE HERE")
            out.append(f'{indent}raise NotImplementedError("{qid}: replace this line with your code")')
        elif marker == END:
            if not inside:
                raise MarkupError(f"{where}: '{END}' without a '{BEGIN}'")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise MarkupError(f"{where}: '{BEGIN}' is never closed by '{END}'")
    if regions == 0:
        raise MarkupError(f"{where}: an EXERCISE cell needs a '{BEGIN}' ... '{END}' region")
    return "\n".join(out), top_level


def _has_marker(source: str) -> bool:
    return any(line.strip() in (BEGIN, END) for line in source.split("\n"))


def make_exercise(solution: nbformat.NotebookNode, questions: Mapping[str, Question], *, name: str) -> nbformat.NotebookNode:
    """Return the exercise notebook generated from ``solution`` (which is left unchanged)."""
    exercise = copy.deepcopy(solution)
    cells = []
    seen: dict[str, str] = {}
    for index, cell in enumerate(solution.cells):
        where = f"{name}, cell {index + 1}"
        head = first_line(cell)
        if head in SOLUTION_ONLY:
            continue
        new = copy.deepcopy(cell)
        if new.cell_type == "code":
            new.outputs = []
            new.execution_count = None
        qid = exercise_id(cell) or answer_id(cell)
        if qid is not None:
            if qid not in questions:
                raise MarkupError(f"{where}: '{qid}' is not a question of {name} (known: {', '.join(questions)})")
            if qid in seen:
                raise MarkupError(f"{where}: '{qid}' is used twice (first in {seen[qid]})")
            seen[qid] = where
        if exercise_id(cell):
            if isinstance(questions[qid], WrittenQuestion):
                raise MarkupError(f"{where}: '{qid}' is a written question; use a markdown '<!-- ANSWER {qid} -->' cell")
            new.source, top_level = strip_solution(cell.source, qid, where)
            tags = [t for t in new.metadata.get("tags", []) if t != RAISES_TAG]
            if top_level:
                tags.append(RAISES_TAG)
            if tags:
                new.metadata["tags"] = tags
            else:
                new.metadata.pop("tags", None)
        elif answer_id(cell):
            if not isinstance(questions[qid], WrittenQuestion):
                raise MarkupError(f"{where}: '{qid}' is a code question; use an '# EXERCISE {qid}' code cell")
            new.source = f"<!-- ANSWER {qid} -->\n*{questions[qid].prompt}*"
        elif cell.cell_type == "code" and _has_marker(cell.source):
            raise MarkupError(f"{where}: solution markers outside an '# EXERCISE <id>' cell")
        cells.append(new)
    unused = [qid for qid in questions if qid not in seen]
    if unused:
        raise MarkupError(f"{name}: questions {', '.join(unused)} have no EXERCISE or ANSWER cell")
    exercise.cells = cells
    return exercise


def retarget_badge(notebook: nbformat.NotebookNode, old: str, new: str) -> None:
    """Point the notebook's Colab badge (first cell) from path ``old`` to ``new``."""
    for cell in notebook.cells[:2]:
        if cell.cell_type == "markdown" and old in cell.source:
            cell.source = cell.source.replace(f"/{old})", f"/{new})")


def render(notebook: nbformat.NotebookNode) -> str:
    """The exact text we commit for a notebook (stable, diff-friendly JSON)."""
    return nbformat.writes(notebook, version=NB_VERSION) + "\n"


def generate(root: Path, name: str, questions: Mapping[str, Question] | None = None) -> str:
    """The text of ``exercises/<name>.ipynb`` generated from ``solutions/<name>.ipynb``."""
    solution = nbformat.read(root / "solutions" / f"{name}.ipynb", as_version=NB_VERSION)
    if questions is None:
        questions = questions_for(name)
    exercise = make_exercise(solution, questions, name=name)
    retarget_badge(exercise, f"solutions/{name}.ipynb", f"exercises/{name}.ipynb")
    return render(exercise)


def generate_all(root: Path, *, check_only: bool = False) -> list[str]:
    """Write (or, with ``check_only``, compare) every exercise; return the names that differ."""
    stale = []
    for solution in sorted((root / "solutions").glob("*.ipynb")):
        name = solution.stem
        text = generate(root, name)
        target = root / "exercises" / f"{name}.ipynb"
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            stale.append(name)
            if not check_only:
                target.write_text(text, encoding="utf-8")
    return stale

