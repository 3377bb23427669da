"""Build the course site: stage the lessons, execute what the cache lacks, render with Sphinx + myst-nb.

The steps, in order:

1. choose the lessons (all of ``lessons/``, or those named by ``only``);
2. stage them with a generated home page in ``WORK/src`` (the lessons themselves are never edited; in
   the copies, the cells that start a server are marked to be skipped);
3. ask jupyter-cache which of them it holds for this budget (``WORK/jupyter_cache``, one folder per
   budget, since the cache keys on a notebook's code and not on the budget it ran in); lessons it
   lacks but that ``executed`` holds, run with the same code by the test suite (CI's ``pytest`` with
   ``DLCOURSE_EXECUTED_DIR``, :mod:`dlcourse.pytest_plugin`), are put in the cache as they are;
4. run Sphinx with ``conf.py``: myst-nb executes only the notebooks missing from the cache, with
   the budget set, the explorers drawn as pictures and progress bars off, and stores them;
5. report the lessons built and those executed.

The cache keys on the code of a notebook's cells: a change to the ``dlcourse`` package alone does
not re-run a lesson. ``fresh=True`` (``dlcourse site --fresh``) empties the cache first.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from dlcourse.site.index_page import index_page

CONF_DIR = Path(__file__).resolve().parent
# per-cell limit: the longest cells train lesson 09's CNN for minutes in the full budget
CELL_TIMEOUT = {"smoke": 600, "full": 3600}
SKIP_TAG = "nbval-skip"  # the tests' mark for a cell that starts a server


@dataclass
class SiteReport:
    """What a build made."""

    out: Path
    lessons: list[str]  # notebook names, e.g. "01_classification_metrics"
    executed: list[str]  # those run by this build; the others came from the cache
    seconds: float
    warnings: list[str] = field(default_factory=list)
    log: Path | None = None


def choose_lessons(root: Path, only: Sequence[str] = ()) -> list[Path]:
    """The lesson notebooks, all or those whose name starts with one of ``only`` (e.g. ``01``)."""
    lessons = sorted((root / "lessons").glob("[0-9][0-9]_*.ipynb"))
    if not lessons:
        raise FileNotFoundError(f"no lessons found in {root / 'lessons'}: pass the course folder as --root")
    if not only:
        return lessons
    chosen = [p for p in lessons if any(p.stem.startswith(prefix) for prefix in only)]
    unknown = [prefix for prefix in only if not any(p.stem.startswith(prefix) for p in lessons)]
    if unknown:
        raise ValueError(f"no lesson starts with {', '.join(unknown)}; the lessons are "
                         f"{', '.join(p.stem for p in lessons)}")
    return chosen


def cached(cache_dir: Path, lessons: list[Path]) -> set[str]:
    """The names of the lessons whose current code has an executed copy in the cache."""
    from jupyter_cache import get_cache

    if not cache_dir.exists():
        return set()
    cache = get_cache(str(cache_dir))
    found = set()
    for path in lessons:
        try:
            cache.match_cache_notebook(nbformat.read(path, as_version=4))
        except KeyError:
            continue
        found.add(path.stem)
    return found


def kernel_settings(budget: str) -> dict[str, str]:
    """What the lessons' kernels run with when their outputs go on the site (here, and in CI's test run)."""
    from dlcourse.explorers import STATIC_ENV
    from dlcourse.reproducibility import QUIET_TF_ENV

    return {**{k: os.environ.get(k, v) for k, v in QUIET_TF_ENV.items()},
            "DLCOURSE_BUDGET": budget,
            STATIC_ENV: "1",  # explorers drawn once, with a note: a static page has no kernel behind its sliders
            "TQDM_DISABLE": "1"}  # progress bars are widgets, which a static page cannot draw


@contextmanager
def environment(settings: dict[str, str]) -> Iterator[None]:
    """``settings`` in ``os.environ`` (which kernels started now inherit), restored afterwards."""
    saved = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class _Progress(io.TextIOBase):
    """Sphinx's status stream: all of it into the log, and each notebook's execution also on the terminal."""

    def __init__(self, log: io.TextIOBase):
        self.log, self._line = log, ""

    def write(self, text: str) -> int:
        self.log.write(text)
        self.log.flush()
        self._line += text
        *lines, self._line = self._line.split("\n")
        for line in lines:
            if "Executing notebook" in line or "Executed notebook" in line:
                name = Path(line.split(":", 1)[0]).stem
                said = line.split(":", 1)[1].replace("[mystnb]", "").strip()
                print(f"  {name}: {said}", flush=True)
        return len(text)


def _prepare_out(out: Path) -> None:
    """Empty ``out`` if it is an earlier site (so that no page of a removed lesson stays); refuse anything else."""
    if out.exists() and any(out.iterdir()):
        if not (out / ".buildinfo").exists():
            raise FileExistsError(f"{out} is not empty and is not a site built by `dlcourse site`: "
                                  "choose another --out, or empty it yourself")
        shutil.rmtree(out)


def stage_notebook(path: Path, target: Path) -> None:
    """Copy a lesson; its cells the tests skip (they start a server: TensorBoard, MLflow's UI, a dashboard,
    which a static page cannot show) are neither run nor shown with an output (myst-nb's cell tags)."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        tags = list(cell.metadata.get("tags", []))
        if cell.cell_type == "code" and SKIP_TAG in tags:
            cell.metadata["tags"] = tags + ["skip-execution", "remove-output"]
    nbformat.write(notebook, target)


def stage(lessons: list[Path], src: Path) -> list[Path]:
    """Copy the lessons and write the home page into ``src`` (emptied first); the staged notebooks."""
    if src.exists():
        shutil.rmtree(src)
    (src / "lessons").mkdir(parents=True)
    staged = []
    for path in lessons:
        stage_notebook(path, src / "lessons" / path.name)
        staged.append(src / "lessons" / path.name)
    (src / "index.md").write_text(index_page(lessons), encoding="utf-8")
    return staged


def take_executed(staged: list[Path], folder: Path, cache_dir: Path, budget: str) -> list[str]:
    """Put in the cache each staged lesson that ``folder`` holds executed with the same code (by the test
    suite, in this budget); the names taken. The pages say this machine ran them, when the file was written."""
    from datetime import datetime, timezone

    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn

    from dlcourse.site.machine import load_provenance, save_provenance, this_machine

    cache = get_cache(str(cache_dir))
    machines = load_provenance(cache_dir)
    taken = []
    for path in staged:
        source = folder / path.name
        if not source.exists():
            continue
        notebook, executed = nbformat.read(path, as_version=4), nbformat.read(source, as_version=4)
        ran_in = executed.metadata.get("dlcourse_executed", {}).get("budget")
        if ran_in != budget:
            print(f"  {path.stem}: the executed copy in {folder} ran in the {ran_in} budget: executing it here",
                  flush=True)
            continue
        code, ran = ([c for c in nb.cells if c.cell_type == "code"] for nb in (notebook, executed))
        if [c.source for c in code] != [c.source for c in ran]:
            print(f"  {path.stem}: the executed copy in {folder} has other code: executing it here", flush=True)
            continue
        for cell, done in zip(code, ran):
            cell.outputs, cell.execution_count = done.outputs, done.execution_count
        record = cache.cache_notebook_bundle(CacheBundleIn(notebook, str(path)), check_validity=False, overwrite=True)
        when = datetime.fromtimestamp(source.stat().st_mtime, timezone.utc)
        machines[record.hashkey] = this_machine(budget, when)
        taken.append(path.stem)
    save_provenance(cache_dir, machines)
    return taken


def build_site(root: Path, budget: str = "smoke", out: Path | None = None, *, only: Sequence[str] = (),
               work: Path | None = None, fresh: bool = False, executed: Path | None = None) -> SiteReport:
    """Build the site of ``root``'s lessons in ``budget`` into ``out`` (default ``build/site/<budget>``);
    lessons already executed in ``budget`` by the test suite into the folder ``executed`` are not run again."""
    try:
        from sphinx.application import Sphinx
        from sphinx.util.docutils import docutils_namespace, patch_docutils
    except ImportError as problem:
        raise RuntimeError(f"the site's toolchain is not installed ({problem}): pip install -r requirements.txt, "
                           'or pip install -e ".[site]"') from None

    if budget not in CELL_TIMEOUT:
        raise ValueError(f"budget must be smoke or full, not {budget!r}")
    root = Path(root).resolve()
    out = Path(out or root / "build" / "site" / budget).resolve()
    work = Path(work or root / "build" / "site-work" / budget).resolve()
    cache_dir = work / "jupyter_cache"
    lessons = choose_lessons(root, only)
    if fresh and cache_dir.exists():
        shutil.rmtree(cache_dir)
    staged = stage(lessons, work / "src")
    missing = [p for p in staged if p.stem not in cached(cache_dir, staged)]
    taken = take_executed(missing, Path(executed), cache_dir, budget) if executed is not None and missing else []
    if taken:
        print(f"{len(taken)} lesson(s) executed by the test suite, from {executed}: {', '.join(taken)}", flush=True)
    to_run = [p.stem for p in missing if p.stem not in taken]
    print(f"{len(lessons)} lesson(s), {budget} budget: {len(to_run)} to execute"
          + (f" ({', '.join(to_run)})" if to_run else "") + f", {len(lessons) - len(to_run)} from the cache", flush=True)
    _prepare_out(out)
    log = work / "sphinx.log"
    warnings = io.StringIO()
    start = time.time()
    overrides = {"nb_execution_cache_path": str(cache_dir), "nb_execution_timeout": CELL_TIMEOUT[budget],
                 "dlcourse_budget": budget, "dlcourse_root": str(root), "dlcourse_started": start,
                 "dlcourse_work": str(work)}
    with open(log, "w", encoding="utf-8") as status, environment(kernel_settings(budget)), \
            patch_docutils(str(CONF_DIR)), docutils_namespace():
        app = Sphinx(str(work / "src"), str(CONF_DIR), str(out), str(work / "doctrees"), "html",
                     confoverrides=overrides, status=_Progress(status), warning=warnings, freshenv=True)
        try:
            app.build(force_all=True)
        except Exception as problem:  # noqa: BLE001 - a lesson that fails to run, a broken page: say where to look
            raise RuntimeError(f"the site did not build: {type(problem).__name__}: {problem}\n"
                               f"(Sphinx's log: {log})") from problem
    found = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in warnings.getvalue().splitlines() if line.strip()]
    with open(log, "a", encoding="utf-8") as status:
        status.write("\n".join(found) + "\n")
    if app.statuscode:
        raise RuntimeError(f"the site did not build (Sphinx exit status {app.statuscode}); see {log}")
    return SiteReport(out, [p.stem for p in lessons], to_run, time.time() - start, found, log)
