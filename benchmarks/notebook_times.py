"""Time every notebook end to end in one budget (run by hand; the tests never time anything).

    python benchmarks/notebook_times.py                   # smoke budget, all notebooks
    python benchmarks/notebook_times.py --budget full lessons/01_classification_metrics.ipynb

Each notebook runs in a fresh kernel, from its own folder, as nbval runs it (skipping
cells tagged nbval-skip). Prints one
line per notebook: wall time, and whether it ran without error (exercises are expected
to stop at their NotImplementedError stubs, so errors are allowed there and counted).
Also the kernel's CPU seconds and the load average: on a shared machine the wall time is
inflated by other people's work, and the kernel's CPU seconds divided by the cores it can
use (2 here) estimate the wall time on an idle machine. The time a notebook states must be
measured on the data a student has (without a GPU: the CPU sizing of dlcourse.data).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # kernels that have exited and been waited for
    return usage.ru_utime + usage.ru_stime


def run(path: Path, timeout: int, with_text: bool = False) -> tuple:
    """Wall seconds and errors of one run of ``path`` (and, ``with_text``, the text of its outputs)."""
    notebook = nbformat.read(path, as_version=4)
    # as in the tests: cells tagged nbval-skip (e.g. one that starts a TensorBoard server) do not run
    notebook.cells = [c for c in notebook.cells if "nbval-skip" not in c.metadata.get("tags", [])]
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    errors = sum(out.output_type == "error" for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs)
    if not with_text:
        return seconds, errors
    texts = [out.get("text", "") or "".join(out.get("data", {}).get("text/plain", ""))
             for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]
    return seconds, errors, texts


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
    cores = os.cpu_count() or 1
    for path in paths:
        load_before, cpu_before = os.getloadavg()[0], children_cpu_seconds()
        seconds, errors = run(path.resolve(), args.timeout)
        cpu = children_cpu_seconds() - cpu_before
        total += seconds
        print(f"{seconds:7.1f} s  errors={errors}  kernel CPU {cpu:7.1f} s (/{cores} cores: {cpu / cores:6.1f} s)  "
              f"load average {load_before:.1f} -> {os.getloadavg()[0]:.1f}  {path.resolve().relative_to(ROOT)}",
              flush=True)
    print(f"{total:7.1f} s  total for {len(paths)} notebooks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
