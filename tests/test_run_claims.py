"""The lint rule against a run's numbers written into prose: each kind is caught, each exemption honoured."""

import json
from pathlib import Path

import nbformat
import pytest

from dlcourse.notebook_format import problems as format_problems
from dlcourse.run_claims import problems, run_numbers, unmarked

ROOT = Path(__file__).resolve().parents[1]


def markdown(source: str, fixed: list[str] | None = None):
    cell = nbformat.v4.new_markdown_cell(source)
    if fixed is not None:
        cell.metadata["dlcourse"] = {"fixed_numbers": fixed}
    return cell


@pytest.mark.parametrize("text, found", [
    ("Logistic regression reaches 0.972 here.", ["0.972"]),
    ("It took 3.72 s and 12.5 s.", ["3.72", "12.5"]),
    ("With the corrected error t = 3.7 and p = 0.02.", ["t = 3.7", "p = 0.02"]),
    ("t=-2 and p=0.5", ["t=-2", "p=0.5"]),
    ("a third of the epochs cost 40–45 % of the time", ["45 %"]),
    ("95% of the draws, 3 percent of the weights, 12.5 % of them", ["95%", "3 percent", "12.5 %"]),
    ("accuracy 1,229.5 in all", ["1,229.5"]),
])
def test_each_kind_of_run_number_is_found(text, found):
    assert run_numbers(text) == found


@pytest.mark.parametrize("text", [
    "a learning rate of 0.5, then 1e-3, then 0.01, or 2.5e-4",
    "scikit-optimize 0.10.2 and 1,797 images, 5 folds",
    "the number `0.972` in code, and ``t = 3.72`` too",
    "```python\nprint(0.972, 'p = 0.02', '20 %')\n```",
    "~~~\n0.972\n~~~",
    "see [the run](https://example.org/run/0.972?p=0.05&x=20%) or https://example.org/3.72",
    "<!-- 0.972, hidden -->",
    "a step = 3 and top = 0.5",
])
def test_code_urls_settings_and_short_decimals_are_not_run_numbers(text):
    assert run_numbers(text) == []


def test_a_cell_marked_as_one_runs_result_with_its_seed_passes():
    assert unmarked(markdown("One run's result (seed 42): accuracy 0.972.")) == []
    assert unmarked(markdown("ONE RUN’S RESULT, seeds 0–4, 2 CPU cores: t = 3.72")) == []


def test_the_phrase_without_the_seed_or_the_seed_without_the_phrase_is_not_enough():
    assert unmarked(markdown("One run's result: accuracy 0.972.")) == ["0.972"]
    assert unmarked(markdown("With seed 42 the accuracy is 0.972.")) == ["0.972"]


def test_fixed_numbers_exempt_exactly_the_numbers_listed():
    text = "The critical value is 2.78 and we keep 20 % aside; accuracy 0.972."
    assert unmarked(markdown(text, fixed=["2.78", "20 %"])) == ["0.972"]
    assert unmarked(markdown(text, fixed=["2.78", "20", "0.972"])) == []  # a percentage's number alone also counts
    assert unmarked(markdown("t = 2.78 is the critical value", fixed=["t = 2.78"])) == []
    assert unmarked(markdown(text, fixed=["2.780", "20%"])) == ["2.78", "20 %", "0.972"]  # not as written


def test_code_cells_are_not_checked():
    assert unmarked(nbformat.v4.new_code_cell("print('accuracy 0.972, t = 3.72, 20 %')")) == []


def test_the_message_names_the_cell_the_number_and_both_fixes():
    notebook = nbformat.v4.new_notebook(cells=[markdown("# Title"), markdown("The winner: t = 3.72 (p = 0.020).")])
    (message,) = problems(notebook)
    assert message.startswith("cell 2:")
    assert "'t = 3.72'" in message and "'p = 0.020'" in message
    assert "one run's result" in message and "seed" in message and "fixed_numbers" in message


def test_a_clean_notebook_passes():
    notebook = nbformat.v4.new_notebook(cells=[markdown("# Title"), markdown("A rate of 0.5, then 1e-3; `0.972`."),
                                               nbformat.v4.new_code_cell("print(f'{0.97231:.3f}')")])
    assert problems(notebook) == []


def test_dlcourse_lint_reports_a_run_number_with_the_notebook_and_cell(tmp_path):
    notebook = nbformat.read(ROOT / "lessons" / "00_start_here.ipynb", as_version=4)
    notebook.cells.insert(1, markdown("In our run the network reached 0.972."))
    (tmp_path / "lessons").mkdir()
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "00_start_here.ipynb").write_text("{}")
    target = tmp_path / "lessons" / "00_start_here.ipynb"
    target.write_text(json.dumps(notebook))
    found = [p for p in format_problems(target, tmp_path) if "'0.972'" in p]
    assert len(found) == 1 and found[0].startswith("lessons/00_start_here.ipynb: cell 2:"), found
