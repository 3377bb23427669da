"""pytest rules for running course notebooks with nbval (loaded by the root conftest.py).

nbval only fails a cell that raises. These rules also read the verdicts that ``check(...)``
recorded in the cell's outputs (:data:`dlcourse.checking.CHECK_MIME`), not its printed text:

- in ``solutions/``, every ``check(...)`` must pass (any other verdict means the solution is wrong);
- in ``exercises/``, no ``check(...)`` may pass (the stub must not pass its own check),
  and a cell tagged ``raises-exception`` must be an ``# EXERCISE <id>`` cell that stops
  at its own ``NotImplementedError("<id>: ...")`` stub; any other error fails.

With ``DLCOURSE_EXECUTED_DIR`` set (CI sets it), each lesson runs as the course site runs it
(explorers drawn as pictures, no progress bars: :func:`dlcourse.site.build.kernel_settings`),
and a lesson whose every cell passed is written there with its outputs, so that
``dlcourse site --executed DIR`` renders it without executing it a second time.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest

from dlcourse.checking import CHECK_MIME
from dlcourse.exercises import RAISES_TAG, exercise_id


def notebook_cell_problem(folder: str, cell, outputs: list) -> str | None:
    """What is wrong with one executed cell of a notebook in ``folder``, or None."""
    verdicts = [out["data"][CHECK_MIME] for out in outputs
                if out.get("output_type") == "display_data" and CHECK_MIME in out.get("data", {})]
    if folder == "solutions":
        failed = [f"{v['question']}: {v['status']}: {v['message']}" for v in verdicts if v["status"] not in ("passed", "manual")]
        if failed:
            return "the solution fails its own check: " + "; ".join(failed)
    if folder != "exercises":
        return None
    passed = [v["question"] for v in verdicts if v["status"] == "passed"]
    if passed:
        return "the unanswered exercise passes its check (the stub must not): " + "; ".join(passed)
    if RAISES_TAG in cell.metadata.get("tags", []):
        qid = exercise_id(cell)
        if qid is None:
            return f"only '# EXERCISE <id>' cells may be tagged {RAISES_TAG} in an exercise"
        errors = [out for out in outputs if out.get("output_type") == "error"]
        if not errors or errors[0]["ename"] != "NotImplementedError" or not errors[0]["evalue"].startswith(f"{qid}:"):
            found = f"{errors[0]['ename']}: {errors[0]['evalue']}" if errors else "no error"
            return f"exercise cell {qid} should stop at its NotImplementedError stub, found {found}"
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    cell = getattr(item, "cell", None)
    if cell is not None and hasattr(item, "test_outputs"):
        problem = notebook_cell_problem(Path(str(item.fspath)).parent.name, cell, item.test_outputs)
        if problem:
            pytest.fail(problem, pytrace=False)
    return result


# --------------------------------------------------------------------------- executed lessons for the site

EXECUTED_ENV = "DLCOURSE_EXECUTED_DIR"
_RUNS: dict[int, dict] = {}  # id(notebook node) -> {"cells": {cell index: outputs}, "failed": bool}


def _saving(item) -> Path | None:
    """The folder executed lessons are written to, if ``item`` is a lesson's cell and saving is on."""
    folder = os.environ.get(EXECUTED_ENV, "").strip()
    if not folder or not hasattr(item, "cell") or Path(str(item.fspath)).parent.name != "lessons":
        return None
    return Path(folder)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    """Start a lesson's kernel (nbval does it when its first cell is set up) with the site's settings."""
    notebook = getattr(item, "parent", None)
    if _saving(item) is None or getattr(notebook, "kernel", None) is not None:
        return (yield)
    from dlcourse.site.build import environment, kernel_settings

    with environment(kernel_settings(os.environ.get("DLCOURSE_BUDGET", "smoke"))):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if _saving(item) is not None and report.when in ("setup", "call"):
        run = _RUNS.setdefault(id(item.parent), {"cells": {}, "failed": False})
        run["failed"] |= report.failed
        outputs = getattr(item, "test_outputs", None)
        if report.when == "call" and outputs is not None:
            index = next(i for i, c in enumerate(item.parent.nb.cells) if c is item.cell)
            run["cells"][index] = copy.deepcopy(list(outputs))
    return report


def pytest_runtest_teardown(item, nextitem):
    """After a lesson's last cell: write the executed lesson if every cell passed."""
    folder = _saving(item)
    if folder is None or (nextitem is not None and nextitem.parent is item.parent):
        return
    run = _RUNS.pop(id(item.parent), None)
    if run is None or run["failed"]:
        return
    write_executed(item.parent.nb, run["cells"], folder / Path(str(item.fspath)).name)


def write_executed(notebook, outputs: dict[int, list], target: Path) -> None:
    """``notebook`` with ``outputs`` (by cell index) in its code cells, numbered in order, written to ``target``."""
    import nbformat

    executed = copy.deepcopy(notebook)
    count = 0
    for index, cell in enumerate(executed.cells):
        if cell.cell_type != "code":
            continue
        cell.outputs = [nbformat.from_dict(dict(o)) for o in outputs.get(index, [])]
        for out in cell.outputs:
            out.pop("execution_count", None)
            if out.output_type in ("display_data", "execute_result"):
                out.setdefault("metadata", {})
        if index in outputs:
            count += 1
            cell.execution_count = count
            for out in cell.outputs:
                if out.output_type == "execute_result":
                    out.execution_count = count
        else:
            cell.execution_count = None
    executed.metadata["dlcourse_executed"] = {"budget": os.environ.get("DLCOURSE_BUDGET", "smoke")}
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    nbformat.write(executed, partial)
    partial.replace(target)
