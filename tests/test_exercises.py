"""The exercise generator: solutions/ is the one source, exercises/ follow it exactly."""

import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from dlcourse.checking import CHECK_MIME
from dlcourse.exercises import RAISES_TAG, MarkupError, generate_all, make_exercise

ROOT = Path(__file__).resolve().parents[1]

QUESTION_SOURCE = '''
import numpy as np
from dlcourse.checking import Case, Checker, FunctionQuestion, ValueQuestion, WrittenQuestion
QUESTIONS = [
    FunctionQuestion("q_add", 1, "add", [Case((1, 2), 3)]),
    ValueQuestion("q_total", 1, "total", facts=lambda v, ns: v, decide=lambda v, given: None if v == 10 else f"expected 10, found {v}"),
    WrittenQuestion("q_why", 1),
]
check = Checker("99_fixture", {q.id: q for q in QUESTIONS})
'''.strip()


def fixture_solution() -> nbformat.NotebookNode:
    cells = [
        nbformat.v4.new_markdown_cell("# Fixture"),
        nbformat.v4.new_code_cell(QUESTION_SOURCE),
        nbformat.v4.new_code_cell("# SOLUTION ONLY\nsecret = 'only in the solution'"),
        nbformat.v4.new_markdown_cell("<!-- SOLUTION ONLY -->\nThis is the solution."),
        nbformat.v4.new_code_cell("# EXERCISE q_add\ndef add(a, b):\n    ### BEGIN SOLUTION\n    return a + b\n    ### END SOLUTION"),
        nbformat.v4.new_code_cell('check("q_add")'),
        nbformat.v4.new_code_cell("# EXERCISE q_total\nvalues = [1, 2, 3, 4]\n### BEGIN SOLUTION\ntotal = sum(values)\n### END SOLUTION\nprint(total)"),
        nbformat.v4.new_code_cell('check("q_total")'),
        nbformat.v4.new_markdown_cell("<!-- ANSWER q_why -->\nBecause the solution says so."),
    ]
    return nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}})


def questions() -> dict:
    namespace: dict = {}
    exec(QUESTION_SOURCE, namespace)
    return {q.id: q for q in namespace["QUESTIONS"]}


def test_markup_is_turned_into_an_exercise():
    solution = fixture_solution()
    exercise = make_exercise(solution, questions(), name="99_fixture")
    text = "\n".join(cell.source for cell in exercise.cells)
    assert "secret" not in text and "This is the solution" not in text
    assert "return a + b" not in text and "total = sum(values)" not in text and "Because" not in text
    assert '    # YOUR CODE HERE\n    raise NotImplementedError("q_add: ' in text
    assert 'raise NotImplementedError("q_total: replace this line with your code")\nprint(total)' in text
    assert "<!-- ANSWER q_why -->\n*Write your answer here" in text
    tags = {cell.source.split("\n")[0]: cell.metadata.get("tags", []) for cell in exercise.cells if cell.cell_type == "code"}
    assert RAISES_TAG in tags["# EXERCISE q_total"]  # top-level stub: the cell itself raises
    assert RAISES_TAG not in tags["# EXERCISE q_add"]  # the stub is inside a function
    assert len(solution.cells) == 9 and "return a + b" in solution.cells[4].source  # the source is untouched


@pytest.mark.parametrize("edit, words", [
    (lambda nb: nb.cells[4].update(source="# EXERCISE q_add\ndef add(a, b):\n    ### BEGIN SOLUTION\n    return a + b"), "never closed"),
    (lambda nb: nb.cells[4].update(source="# EXERCISE q_add\ndef add(a, b):\n    return a + b"), "needs a '### BEGIN SOLUTION'"),
    (lambda nb: nb.cells[4].update(source="# EXERCISE q_nope\n### BEGIN SOLUTION\n### END SOLUTION"), "'q_nope' is not a question"),
    (lambda nb: nb.cells[6].update(source="# EXERCISE q_add\n### BEGIN SOLUTION\n### END SOLUTION"), "used twice"),
    (lambda nb: nb.cells.pop(8), "q_why have no EXERCISE or ANSWER cell"),
    (lambda nb: nb.cells[5].update(source="### BEGIN SOLUTION\nx = 1\n### END SOLUTION"), "outside an '# EXERCISE"),
    (lambda nb: (nb.cells.pop(4), nb.cells[7].update(source="<!-- ANSWER q_add -->\ntext")), "is a code question"),
    (lambda nb: nb.cells[4].update(source="# EXERCISE q_why\n### BEGIN SOLUTION\n### END SOLUTION"), "is a written question"),
    (lambda nb: nb.cells[4].update(source="# EXERCISE q_add\n### END SOLUTION"), "without a"),
])
def test_malformed_markup_is_refused_with_the_cell_named(edit, words):
    solution = fixture_solution()
    edit(solution)
    with pytest.raises(MarkupError, match=re.escape(words)):
        make_exercise(solution, questions(), name="99_fixture")


def checks_shown(cell) -> list[str]:
    """The lines ``check`` showed in an executed cell (the text beside each recorded verdict)."""
    return [out["data"]["text/plain"] for out in cell.outputs
            if out.get("output_type") == "display_data" and CHECK_MIME in out.get("data", {})]


def _check_output(question: str, status: str, message: str) -> dict:
    mark = {"passed": "✓", "manual": "✎"}.get(status, "✗")
    return {"output_type": "display_data", "metadata": {},
            "data": {"text/plain": f"{mark} {question}: {message}",
                     CHECK_MIME: {"question": question, "status": status, "message": message}}}


def test_the_generated_exercise_runs_and_fails_only_where_expected(tmp_path):
    exercise = make_exercise(fixture_solution(), questions(), name="99_fixture")
    NotebookClient(exercise, timeout=60, allow_errors=True, resources={"metadata": {"path": str(tmp_path)}}).execute()
    from dlcourse.pytest_plugin import notebook_cell_problem

    errors = {}
    printed = []
    for cell in exercise.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.outputs:
            if out.output_type == "error":
                errors[cell.source.split("\n")[0]] = out.ename
        printed += checks_shown(cell)
        assert notebook_cell_problem("exercises", cell, cell.outputs) is None
    assert errors == {"# EXERCISE q_total": "NotImplementedError"}
    assert printed[0].startswith("✗ q_add: not answered yet")
    assert printed[1].startswith("✗ q_total: no variable `total` yet")


def test_the_solution_runs_clean_and_passes_its_checks(tmp_path):
    solution = fixture_solution()
    NotebookClient(solution, timeout=60, resources={"metadata": {"path": str(tmp_path)}}).execute()
    from dlcourse.pytest_plugin import notebook_cell_problem

    assert all(notebook_cell_problem("solutions", c, c.outputs) is None for c in solution.cells if c.cell_type == "code")
    printed = [t for c in solution.cells if c.cell_type == "code" for t in checks_shown(c)]
    assert any(t.startswith("✓ q_add") for t in printed) and any(t.startswith("✓ q_total") for t in printed)


def test_the_notebook_rules_catch_a_wrong_solution_and_a_leaking_exercise():
    from dlcourse.pytest_plugin import notebook_cell_problem

    cell = nbformat.v4.new_code_cell('check("q")')
    wrong = [_check_output("q", "failed", "expected 3, found 4")]
    right = [_check_output("q", "passed", "all 1 public cases pass.")]
    assert "fails its own check" in notebook_cell_problem("solutions", cell, wrong)
    assert "passes its check" in notebook_cell_problem("exercises", cell, right)
    assert notebook_cell_problem("solutions", cell, right) is None
    # the rules read the recorded verdicts, not printed text: a printed tick is not a pass
    printed = [{"output_type": "stream", "name": "stdout", "text": "✓ q: all 1 public cases pass.\n"}]
    assert notebook_cell_problem("exercises", cell, printed) is None
    stub = nbformat.v4.new_code_cell("# EXERCISE q\nx = 1", metadata={"tags": [RAISES_TAG]})
    other = [{"output_type": "error", "ename": "NameError", "evalue": "name 'y' is not defined", "traceback": []}]
    own = [{"output_type": "error", "ename": "NotImplementedError", "evalue": "q: replace this line", "traceback": []}]
    assert "should stop at its NotImplementedError" in notebook_cell_problem("exercises", stub, other)
    assert "found no error" in notebook_cell_problem("exercises", stub, [])
    assert notebook_cell_problem("exercises", stub, own) is None
    plain = nbformat.v4.new_code_cell("x = 1", metadata={"tags": [RAISES_TAG]})
    assert "only '# EXERCISE <id>' cells" in notebook_cell_problem("exercises", plain, own)


def test_committed_exercises_are_exactly_what_the_solutions_generate():
    stale = generate_all(ROOT, check_only=True)
    assert stale == [], f"run `dlcourse exercises` and commit: {stale} are out of date"


def test_an_edited_solution_makes_its_exercise_stale(tmp_path):
    for folder in ("solutions", "exercises"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    solution = tmp_path / "solutions" / "00_start_here.ipynb"
    notebook = nbformat.read(solution, as_version=4)
    notebook.cells[0].source += "\n\nA new sentence."
    nbformat.write(notebook, solution)
    assert generate_all(tmp_path, check_only=True) == ["00_start_here"]
    assert generate_all(tmp_path) == ["00_start_here"]  # rewrites it ...
    assert generate_all(tmp_path, check_only=True) == []  # ... and then it is current
