"""Every course notebook follows the house format; each rule is shown to catch its mistake."""

import json
from pathlib import Path

import nbformat
import pytest

from dlcourse.course import REPOSITORY
from dlcourse.notebook_format import all_notebooks, problems

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = all_notebooks(ROOT)


def test_there_are_notebooks_in_every_folder():
    assert {p.parent.name for p in NOTEBOOKS} == {"lessons", "exercises", "solutions"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_notebook_follows_the_house_format(path):
    assert problems(path, ROOT) == []


def test_lessons_exercises_and_solutions_come_in_threes():
    names = {folder: {p.name for p in (ROOT / folder).glob("*.ipynb")} for folder in ("lessons", "exercises", "solutions")}
    assert names["lessons"] == names["exercises"] == names["solutions"]


def _setup(nb):
    return next(c for c in nb.cells if c.cell_type == "code")


def _badge_cell(nb):
    return nb.cells[0]


# Each mutation breaks one rule of a real, valid notebook; the rule must notice.
MUTATIONS = {
    "stored output": (lambda nb: _setup(nb).update(execution_count=3, outputs=[nbformat.v4.new_output("stream", text="hi")]), "stored output"),
    "wrong badge repository": (lambda nb: _badge_cell(nb).update(source=_badge_cell(nb).source.replace(REPOSITORY, "someone/else")), "Colab badge"),
    "badge of another notebook": (lambda nb: _badge_cell(nb).update(source=_badge_cell(nb).source.replace("lessons/00", "lessons/01")), "Colab badge"),
    "no title": (lambda nb: _badge_cell(nb).update(source=_badge_cell(nb).source.replace("# 00", "00")), "'# Title'"),
    "no objectives": (lambda nb: [c.update(source=c.source.replace("Learning objectives", "Goals")) for c in nb.cells], "objectives"),
    "no recap": (lambda nb: [c.update(source=c.source.replace("## Recap", "## Summary")) for c in nb.cells], "Recap"),
    "no exercise link": (lambda nb: [c.update(source=c.source.replace("../exercises/", "../elsewhere/")) for c in nb.cells], "link to ../exercises"),
    "no setup cell": (lambda nb: _setup(nb).update(source="import numpy"), "setup cell"),
    "clobbers Colab": (lambda nb: _setup(nb).update(source=_setup(nb).source.replace('"scikeras",', '"scikeras", "tensorflow",')), "reinstalls tensorflow"),
    "wrong helper source": (lambda nb: _setup(nb).update(source=_setup(nb).source.replace(REPOSITORY, "someone/else")), "helper package"),
    "wrong kernel": (lambda nb: nb.metadata.update(kernelspec={"name": "ir", "language": "R", "display_name": "R"}), "kernelspec"),
    "duplicate ids": (lambda nb: nb.cells[1].update(id=nb.cells[0].id), "unique id"),
    "long cell": (lambda nb: _setup(nb).update(source=_setup(nb).source + "\npass" * 40), "over 30 lines"),
    "no prose": (lambda nb: nb.cells.extend(nbformat.v4.new_code_cell("x = 1") for _ in range(4)), "in a row"),
}


@pytest.mark.filterwarnings("ignore::nbformat.warnings.DuplicateCellId")  # the "duplicate ids" mutation
@pytest.mark.parametrize("name", MUTATIONS)
def test_each_rule_catches_its_mistake(name, tmp_path):
    edit, words = MUTATIONS[name]
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "00_start_here.ipynb").write_text("{}")
    notebook = nbformat.read(ROOT / "lessons" / "00_start_here.ipynb", as_version=4)
    edit(notebook)
    target = lessons / "00_start_here.ipynb"
    target.write_text(json.dumps(notebook))  # raw JSON: nbformat.write would repair some mistakes
    found = problems(target, tmp_path)
    assert any(words in p for p in found), found


def test_a_file_that_is_not_a_notebook_is_reported(tmp_path):
    (tmp_path / "lessons").mkdir()
    bad = tmp_path / "lessons" / "01_broken.ipynb"
    bad.write_text("this is not JSON")
    assert "not a valid notebook" in problems(bad, tmp_path)[0]


def test_a_badly_named_notebook_is_reported(tmp_path):
    (tmp_path / "lessons").mkdir()
    target = tmp_path / "lessons" / "Lesson One.ipynb"
    target.write_text((ROOT / "lessons" / "00_start_here.ipynb").read_text())
    assert any("name must look like" in p for p in problems(target, tmp_path))
