"""What Google Colab ships and what a notebook's setup cell adds there: the one place for both.

``RUNTIME`` pins the packages a Colab runtime comes with, at the versions read on
``READ_ON`` (from ``SOURCE``). A setup cell must never reinstall them: Colab cannot
upgrade NumPy or ipywidgets in a running session, and a second TensorFlow breaks it.
``INSTALLS`` is what a setup cell may add (each notebook's setup cell installs some of
these, inside its ``"google.colab" in sys.modules`` check, plus this course's package).

This module is the one owner of those lists and of reading them from a setup cell
(:func:`installs_in`). CI's Colab step (``.ci/colab``) builds a virtual environment from
``RUNTIME``, installs what the setup cells install, checks that no pin moved, and runs
every lesson and solution. The notebook format check (``dlcourse lint``,
``dlcourse.notebook_format``) reads each setup cell with :func:`installs_in` against these
lists; this module imports nothing of it. Command line, for that step::

    python -m dlcourse.colab pins              # RUNTIME as pip requirements
    python -m dlcourse.colab installs [--source PATH]   # what the setup cells install
    python -m dlcourse.colab verify            # exit 1 if an installed pin differs
"""

from __future__ import annotations

import argparse
import ast
import sys
from importlib import metadata
from pathlib import Path

READ_ON = "2026-11-26"
SOURCE = ("the course's measured compatibility notes (docs/COMPAT.md): a venv pinned like Colab ran every "
          "lesson and solution; re-read with `pip list` in a fresh Colab runtime and update here")
PYTHON = "3.12"  # Colab's Python; CI uses it where the machine has it
RUNTIME = {
    "tensorflow": "2.20.0",
    "keras": "3.10.0",
    "scikit-learn": "1.6.1",
    "numpy": "2.0.2",
    "pandas": "2.2.2",
    "matplotlib": "3.10.0",
    "ipywidgets": "7.7.1",
}
# What a setup cell may install in Colab (each notebook installs what it uses of these).
INSTALLS = ("scikit-optimize", "scikeras", "keras-tuner",
            "optuna", "optuna-integration", "optuna-dashboard", "mlflow", "hyperopt", "cmaes")  # lesson 10


def pins() -> list[str]:
    """``RUNTIME`` as pip requirement lines."""
    return [f"{name}=={version}" for name, version in RUNTIME.items()]


def installs_in(setup_source: str) -> list[str] | None:
    """The string arguments of a setup cell's ``pip install`` call, or None if there is none."""
    try:
        tree = ast.parse(setup_source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, (ast.List, ast.Tuple)):
            words = [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            if "install" in words:
                return words[words.index("install") + 1:]
    return None


def setup_cell_installs(root: Path, source: str | None = None) -> list[str]:
    """Every package the notebooks' setup cells install in Colab, in order of first use;
    the course's own package replaced by ``source`` (e.g. the checkout) when given."""
    import nbformat

    from dlcourse.course import NOTEBOOK_FOLDERS, RELEASE_PIP_PREFIX

    found: list[str] = []
    for folder in NOTEBOOK_FOLDERS:
        for path in sorted((root / folder).glob("*.ipynb")):
            cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
            for word in (installs_in(cells[0].source) or []) if cells else []:
                if word.startswith("-"):
                    continue
                # any release of the course: the version is not known before the course is installed
                word = source if (source is not None and word.startswith(RELEASE_PIP_PREFIX)) else word
                if word not in found:
                    found.append(word)
    return found


def moved_pins() -> list[str]:
    """Pins of ``RUNTIME`` that the installed packages no longer match."""
    moved = []
    for name, version in RUNTIME.items():
        try:
            found = metadata.version(name)
        except metadata.PackageNotFoundError:
            found = "not installed"
        if found != version:
            moved.append(f"{name}: Colab ships {version}, found {found}")
    return moved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dlcourse.colab", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("pins", help="Colab's packages as pip requirements")
    installs = commands.add_parser("installs", help="what the notebooks' setup cells install in Colab")
    installs.add_argument("--source", help="install the course from here instead of its repository URL")
    installs.add_argument("--root", default=".", help="the course checkout (default: .)")
    commands.add_parser("verify", help="exit 1 if an installed package differs from Colab's pin")
    args = parser.parse_args(argv)
    if args.command == "pins":
        print("\n".join(pins()))
    elif args.command == "installs":
        print("\n".join(setup_cell_installs(Path(args.root), args.source)))
    else:
        moved = moved_pins()
        for line in moved:
            print(f"✗ {line}")
        if moved:
            print("Installing the course replaced Colab's own packages: the setup cell would break a Colab runtime.")
            return 1
        print(f"✓ every Colab pin is intact ({', '.join(pins())})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
