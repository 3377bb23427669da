"""pytest rules for running course notebooks with nbval (loaded by the root conftest.py).

nbval only fails a cell that raises. These rules also read what a cell printed:

- in ``solutions/``, every ``check(...)`` must print ✓ (a ✗ means the solution is wrong);
- in ``exercises/``, no ``check(...)`` may print ✓ (the stub must not pass its own check),
  and a cell tagged ``raises-exception`` must be an ``# EXERCISE <id>`` cell that stops
  at its own ``NotImplementedError("<id>: ...")`` stub; any other error fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dlcourse.exercises import RAISES_TAG, exercise_id





def notebook_cell_problem(folder: str, cell, outputs: list) -> str | None:
    """What is wrong with one executed cell of a notebook in ``folder``, or None."""
    printed = "".join(out.get("text", "") for out in outputs if out.get("output_type") == "stream")
    lines = printed.splitlines()
    if folder == "solutions":
        failed = [line for line in lines if line.startswith("✗ ")]
        if failed:
            return "the solution fails its own check: " + "; ".join(failed)
    if folder != "exercises":
        return None
    passed = [line for line in lines if line.startswith("✓ ")]
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
