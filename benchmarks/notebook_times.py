"""Time every notebook end to end in one budget (run by hand; the tests never time anything).

    python benchmarks/notebook_times.py                   # smoke budget, all notebooks
    python benchmarks/notebook_times.py --budget full lessons/01_classification_metrics.ipynb

Each notebook runs in a fresh kernel, from its own folder, as nbval runs it (skipping
cells tagged nbval-skip). Prints one
line per notebook: wall time, and whether it ran without error (exercises are expected
to stop at their NotImplementedError stubs, so errors are allowed there and counted).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def run(path: Path, timeout: int) -> tuple[float, int]:
    notebook = nbformat.read(path, as_version=4)
    # as in the tests: cells tagged nbval-skip (e.g. one that starts a TensorBoard server) do not run
    notebook.cells = [c for c in notebook.cells if "nbval-skip" not in c.metadata.get("tags", [])]
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    errors = sum(out.output_type == "error" for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs)
    return seconds, errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--budget", choices=["smoke", "full"], default="smoke")
    parser.add_argument("--timeout", type=int, default=1800, help="per cell, seconds")
    args = parser.parse_args()
    os.environ["DLCOURSE_BUDGET"] = args.budget
    paths = args.notebooks or sorted(p for f in ("lessons", "solutions", "exercises") for p in (ROOT / f).glob("*.ipynb"))
    print(f"budget={args.budget}  DLCOURSE_DATA={os.environ.get('DLCOURSE_DATA', '(not set)')}  cores={os.cpu_count()}")
    total = 0.0
    for path in paths:
        seconds, errors = run(path.resolve(), args.timeout)
        total += seconds
        print(f"{seconds:7.1f} s  errors={errors}  {path.resolve().relative_to(ROOT)}", flush=True)
    print(f"{total:7.1f} s  total for {len(paths)} notebooks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
