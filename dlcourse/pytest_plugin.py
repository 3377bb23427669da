"""pytest rules for running course notebooks with nbval (loaded by the root conftest.py).

nbval only fails a cell that raises. These rules also read the verdicts that ``check(...)``
recorded in the cell's outputs (:data:`dlcourse.checking.CHECK_MIME`), not its printed text:

- in ``solutions/``, every ``check(...)`` must pass (any other verdict means the solution is wrong);
- in ``exercises/``, no ``check(...)`` may pass (the stub must not pass its own check),
  and a cell tagged ``raises-exception`` must be an ``# EXERCISE <id>`` cell that stops
  at its own ``NotImplementedError("<id>: ...")`` stub; any other error fails.
"""

from __future__ import annotations

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
