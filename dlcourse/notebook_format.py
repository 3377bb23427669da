"""The house format every course notebook follows, as checks that return problems.

``problems(path, root)`` returns a list of human-readable problems (empty when the
notebook is fine). The test suite runs it on every notebook; ``dlcourse lint`` does
the same from the command line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat

from dlcourse import colab
from dlcourse.course import NOTEBOOK_FOLDERS, colab_badge, pip_source

NAME_RE = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")
CHECKED_TAG = "nbval-check-output"
MAX_CODE_LINES = 30
MAX_CODE_RUN = 3  # code cells in a row without prose between them
PARTNER = {"lessons": "exercises", "exercises": "lessons", "solutions": "lessons"}


def _headings(notebook) -> list[str]:
    found = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            found += [line.lstrip("#").strip().lower() for line in cell.source.split("\n") if line.startswith("#")]
    return found


def _setup_problems(setup_source: str) -> list[str]:
    installs = colab.installs_in(setup_source)
    if installs is None:
        return ["the setup cell must pip-install what Colab lacks, inside its google.colab check"]
    found = []
    packages = {w.split("=")[0].split(">")[0].split("<")[0] for w in installs if not w.startswith("-")}
    clobbered = sorted(packages & (set(colab.RUNTIME) | {"tensorflow-cpu"}))
    if clobbered:
        found.append(f"the setup cell reinstalls {', '.join(clobbered)} in Colab, which breaks its runtime")
    unknown = sorted(packages - set(colab.INSTALLS) - {pip_source()})
    if unknown:
        found.append(f"the setup cell installs {', '.join(unknown)}, not in dlcourse/colab.py's INSTALLS")
    if pip_source() not in installs:
        found.append(f"the setup cell must install the helper package from {pip_source()} (dlcourse/course.py)")
    if "dlcourse.__version__" not in setup_source:
        found.append("the setup cell must print the course's release: print(f\"dlcourse {dlcourse.__version__}\")")
    return found


def problems(path: Path, root: Path) -> list[str]:
    """Everything wrong with the notebook at ``path`` (inside the repository ``root``)."""
    path, root = Path(path).resolve(), Path(root).resolve()
    relative = path.relative_to(root).as_posix()
    folder = path.parent.name
    found: list[str] = []
    if folder not in NOTEBOOK_FOLDERS:
        return [f"{relative}: notebooks live in {', '.join(NOTEBOOK_FOLDERS)}"]
    if not NAME_RE.match(path.name):
        found.append("name must look like NN_topic_in_snake_case.ipynb")
    try:
        text = path.read_text(encoding="utf-8")
        raw = json.loads(text)
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except Exception as exc:  # not JSON, not a notebook, invalid schema
        return [f"{relative}: not a valid notebook ({type(exc).__name__}: {exc})"]

    kernel = notebook.metadata.get("kernelspec", {})
    if kernel.get("name") != "python3" or kernel.get("language") != "python":
        found.append("kernelspec must be name 'python3', language 'python'")
    cells = notebook.cells
    if not cells or cells[0].cell_type != "markdown" or not cells[0].source.startswith("# "):
        found.append("the first cell must be markdown starting with a '# Title'")
    badge = colab_badge(relative)
    if not any(badge in cell.source for cell in cells[:2] if cell.cell_type == "markdown"):
        found.append(f"the title cell needs the Colab badge for its own path: {badge}")

    headings = _headings(notebook)
    if not any("objectives" in h for h in headings):
        found.append("needs a 'Learning objectives' heading")
    if not any(h.startswith("recap") for h in headings):
        found.append("needs a 'Recap' heading")
    partner = f"../{PARTNER[folder]}/{path.name}"
    if not any(partner in cell.source for cell in cells if cell.cell_type == "markdown"):
        found.append(f"needs a link to {partner}")
    elif not (path.parent / partner).resolve().exists():
        found.append(f"links to {partner}, which does not exist")

    code = [c for c in cells if c.cell_type == "code"]
    if not code or "google.colab" not in code[0].source or "SMOKE =" not in code[0].source:
        found.append("the first code cell must be the setup cell: Colab check and 'SMOKE = ...'")
    elif "google.colab" in code[0].source:
        found += _setup_problems(code[0].source)
    if sum("google.colab" in c.source for c in code) > 1:
        found.append("only one setup cell may handle Colab")

    ids = [cell.get("id") for cell in raw.get("cells", [])]  # raw: nbformat would "repair" them
    if None in ids or len(set(ids)) != len(ids):
        found.append("every cell needs a unique id")
    run = 0
    for number, cell in enumerate(cells, start=1):
        if cell.cell_type != "code":
            run = 0
            continue
        run += 1
        if run > MAX_CODE_RUN:
            found.append(f"cell {number}: more than {MAX_CODE_RUN} code cells in a row; explain with prose between them")
        if len(cell.source.split("\n")) > MAX_CODE_LINES:
            found.append(f"cell {number}: over {MAX_CODE_LINES} lines; split it")
        checked = CHECKED_TAG in cell.metadata.get("tags", [])
        if not checked and (cell.outputs or cell.execution_count is not None):
            found.append(f"cell {number}: stored output or execution count (strip outputs before committing)")
        if checked and cell.execution_count is None:
            found.append(f"cell {number}: tagged {CHECKED_TAG} but has no execution_count")
    from dlcourse import run_claims  # local import: the import block is being edited elsewhere; move it up
    found += run_claims.problems(notebook)  # a run's numbers written into prose
    return [f"{relative}: {p}" for p in found]


def all_notebooks(root: Path) -> list[Path]:
    return sorted(p for folder in NOTEBOOK_FOLDERS for p in (Path(root) / folder).glob("*.ipynb"))
