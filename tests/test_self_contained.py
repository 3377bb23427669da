"""The repository is self-contained: no file refers to a path outside it.

A reader has this checkout and nothing else: not the authors' machines (``/work/...``,
``/home/...``), not a ``../shared`` folder beside the checkout. What they need is copied
in (e.g. docs/COMPAT.md). Relative links in notebooks and Markdown must point at a file
or folder of the repository.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
THIS = Path(__file__).resolve().relative_to(ROOT).as_posix()

# A folder beside the checkout, or a developer machine's absolute paths.
OUTSIDE = re.compile(r"\.\./shared\b|(?<![\w.~])/(?:work|home|Users|root|mnt)/[\w.-]+")
# Relative links in notebooks and Markdown, resolved from the file's own folder.
RELATIVE = re.compile(r"(?<![\w/.])((?:\.\./)+[\w./-]*[\w/])")

# Known exceptions, each with its reason; an entry only excuses this exact text in this file.
EXCUSED = {
    # CI's data set is the CI machine's folder beside the clone; a reader never runs this script.
    (".ci/run", "../shared"),
    # This test's twin for lesson 03: it asserts the lesson does not name that folder.
    ("tests/test_wrong_answers_03.py", "../shared"),
}


def tracked_files() -> list[str]:
    try:
        listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        return [name for name in listed.splitlines() if (ROOT / name).is_file()]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: every file but the obvious
        skip = {".git", ".venv", ".venv-ci", "__pycache__", ".pytest_cache", "cache"}
        return [p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*")
                if p.is_file() and not skip & set(p.relative_to(ROOT).parts)]


def text_of(name: str) -> str | None:
    try:
        return (ROOT / name).read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None  # a binary file


def outside_references(name: str, text: str) -> list[str]:
    """Every path in ``text`` (the content of tracked file ``name``) that leaves the repository."""
    found = [m.group(0) for m in OUTSIDE.finditer(text)]
    if name.endswith((".ipynb", ".md")):
        folder = (ROOT / name).parent
        for match in RELATIVE.finditer(text):
            target = (folder / match.group(1)).resolve()
            if not target.is_relative_to(ROOT) or not target.exists():
                found.append(match.group(1))
    return [ref for ref in found if not any(name == f and ref.startswith(r) for f, r in EXCUSED)]


def test_no_tracked_file_refers_to_a_path_outside_the_repository():
    problems = {}
    for name in tracked_files():
        text = text_of(name)
        if name != THIS and text is not None and (refs := outside_references(name, text)):
            problems[name] = sorted(set(refs))
    assert problems == {}, f"files that refer outside the repository (copy what is needed in): {problems}"


@pytest.mark.parametrize("name, text", [
    ("dlcourse/x.py", "see ../shared/COMPAT.md"),
    ("README.md", "DLCOURSE_DATA=/work/shared/datasets pytest"),
    ("benchmarks/b.py", "open('/home/ana/notes.txt')"),
    ("lessons/00_start_here.ipynb", "[notes](../../elsewhere/notes.md)"),
    ("lessons/00_start_here.ipynb", "[missing](../exercises/99_nothing.ipynb)"),
])
def test_each_kind_of_outside_reference_is_caught(name, text):
    assert outside_references(name, text)


@pytest.mark.parametrize("name, text", [
    ("lessons/00_start_here.ipynb", "[exercise](../exercises/00_start_here.ipynb)"),
    ("README.md", "see [the notes](docs/COMPAT.md); cache in ~/.cache/dlcourse"),
    ("dlcourse/x.py", "Path('datasets/cache') / '../x'"),
])
def test_paths_inside_the_repository_are_fine(name, text):
    assert outside_references(name, text) == []
