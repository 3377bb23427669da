"""Read a student's notebook and take from it only the answers, by question id.

Nothing else of the submission is trusted: the grader rebuilds the notebook from the
pristine exercise and puts the student's EXERCISE cells (and written answers) into it.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from dlcourse.assessment.questions import Question, WrittenQuestion
from dlcourse.exercises import EXERCISE_RE, answer_id, exercise_id

MAX_BYTES = 20 * 2**20  # a notebook larger than this is refused, not parsed
MAX_CELL_CHARS = 200_000


class SubmissionError(ValueError):
    """The file cannot be graded at all; the message says why, for the student."""


@dataclass
class Answers:
    """What a submission answers: code by question id, written text by question id."""

    code: dict[str, str] = field(default_factory=dict)
    written: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """The submission as a notebook, or :class:`SubmissionError` saying what is wrong with it."""
    try:
        size = path.stat().st_size
    except OSError as problem:
        raise SubmissionError(f"the file cannot be read ({problem.strerror})") from None
    if size > MAX_BYTES:
        raise SubmissionError(f"the file is {size / 2**20:.0f} MB: too large for a notebook (clear its outputs?)")
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError:
        raise SubmissionError("the file is not text: upload the .ipynb notebook itself") from None
    except json.JSONDecodeError as problem:
        raise SubmissionError(f"the file is not a notebook (not valid JSON: {problem.msg} at line {problem.lineno})") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise SubmissionError("the file is JSON but not a Jupyter notebook (it has no list of cells)")
    try:
        with warnings.catch_warnings():  # duplicate cell ids are "corrected" with a warning; we match by marker
            warnings.simplefilter("ignore")
            notebook = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as problem:  # nbformat raises several kinds for malformed notebooks
        raise SubmissionError(f"the notebook cannot be read ({type(problem).__name__}: {problem})") from None
    return notebook


def _source(cell) -> str | None:
    source = cell.get("source") if isinstance(cell, dict) else None
    if isinstance(source, list) and all(isinstance(s, str) for s in source):
        source = "".join(source)
    return source if isinstance(source, str) else None


def _usable(cell) -> bool:
    return isinstance(cell, dict) and cell.get("cell_type") in ("code", "markdown") and _source(cell) is not None


def extract_answers(submission: nbformat.NotebookNode, pristine: nbformat.NotebookNode,
                    questions: dict[str, Question]) -> Answers:
    """Find each question's cell in ``submission``: by its marker line, else by its cell id."""
    answers = Answers()
    cells = [c for c in submission.cells if _usable(c)]
    by_marker: dict[str, list] = {}
    for cell in cells:
        cell.source = _source(cell)
        qid = exercise_id(cell) or answer_id(cell)
        if qid is not None:
            by_marker.setdefault(qid, []).append(cell)
    pristine_ids = {exercise_id(c) or answer_id(c): c.get("id") for c in pristine.cells}
    by_cell_id: dict[str, list] = {}
    for cell in cells:
        by_cell_id.setdefault(str(cell.get("id")), []).append(cell)

    for qid, question in questions.items():
        found = by_marker.get(qid, [])
        kind = "markdown" if isinstance(question, WrittenQuestion) else "code"
        found = [c for c in found if c.cell_type == kind]
        if len(found) > 1:
            answers.notes.append(f"{qid}: {len(found)} cells are marked as this question; the last one was graded")
        if not found:
            same_id = [c for c in by_cell_id.get(str(pristine_ids.get(qid)), []) if c.cell_type == kind]
            if len(same_id) == 1:
                found = same_id
                answers.notes.append(f"{qid}: the cell's first line was changed; it was found by its cell id")
        if not found:
            continue
        source = found[-1].source
        if len(source) > MAX_CELL_CHARS:
            answers.notes.append(f"{qid}: the cell has {len(source):,} characters; only cells under {MAX_CELL_CHARS:,} are graded")
            continue
        if kind == "code":
            lines = source.split("\n")
            if not EXERCISE_RE.match(lines[0].strip()):
                lines.insert(0, f"# EXERCISE {qid}")
            answers.code[qid] = "\n".join(lines)
        else:
            answers.written[qid] = source.split("\n", 1)[1].strip() if "\n" in source else ""

    if not answers.code and not answers.written:
        others = sorted(set(by_marker) - set(questions))
        if others:
            answers.notes.append(f"this notebook answers other questions ({', '.join(others[:5])}): "
                                 "is it another assignment's notebook?")
    return answers


SUSPICIOUS = {
    r"\bbuiltins\b|__builtins__": "changes Python's builtins",
    r"sys\.modules|importlib": "manipulates imported modules",
    r"\b_dlcourse|dlcourse\.(checking|grading|questions)": "touches the course's checker",
    r"get_ipython\(\)\.(events|register|input_transformers|ast_)|set_hook": "hooks into the kernel",
    r"\bctypes\b|os\._exit|os\.kill|\bsignal\.": "controls the process",
    r"sys\.(settrace|setprofile|addaudithook)|\bgc\.get_": "inspects the interpreter",
    r"solutions": "mentions the solutions",
    r"\bthreading\b|\bmultiprocessing\b": "starts threads or processes",
}


def suspicious(code: dict[str, str]) -> list[str]:
    """Reasons an instructor may want to read a submission's code by hand."""
    found = []
    for qid, source in code.items():
        for pattern, meaning in SUSPICIOUS.items():
            if re.search(pattern, source):
                found.append(f"{qid}: the code {meaning}; read it by hand")
    return found
