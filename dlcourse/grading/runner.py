"""Run notebook cells in a guarded kernel: time limits, a memory watchdog, no output kept.

Each cell gets a :class:`CellRun` (a :class:`CellStatus`: ok, error, timeout or dead). A cell past its time
limit is interrupted; a kernel that will not stop, uses too much memory or dies ends
the run, and every cell after it is reported as not run, with the reason. Whatever
happens, every process the kernel started is killed before :func:`run_cells` returns.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import nbformat
import psutil
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

KERNEL_NAME = "dlcourse-grader"


class CellStatus(str, Enum):
    """How running one cell went (not a grade: the grader turns these into statuses of answers)."""

    OK = "ok"
    ERROR = "error"  # the cell raised
    TIMEOUT = "timeout"  # stopped at its time limit
    DEAD = "dead"  # the kernel died or was stopped, or the cell was never run

    def __str__(self) -> str:
        return self.value


@dataclass
class CellRun:
    status: CellStatus
    message: str = ""


class _QuietClient(NotebookClient):
    """Keeps no outputs (a cell that prints megabytes costs nothing); remembers errors.

    Uses nbclient's public parts only: the ``output`` handler (returning nothing keeps
    nothing) and the ``on_cell_executed`` hook, whose execute reply says if the cell failed.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.errors: dict[int, str] = {}
        self.on_cell_executed = self._record_error

    def output(self, outs, msg, display_id, cell_index):  # noqa: D401 - nbclient's output handler
        return None

    def _record_error(self, cell, cell_index, execute_reply) -> None:
        content = (execute_reply or {}).get("content", {})
        if content.get("status") == "error":
            self.errors[cell_index] = f"{content.get('ename', 'Error')}: {content.get('evalue', '')}"[:500]


class _MemoryWatch(threading.Thread):
    """Kills the kernel's process tree when its resident memory passes ``limit_mb``."""

    def __init__(self, pid: int, limit_mb: int):
        super().__init__(daemon=True)
        self.pid, self.limit_mb, self.reason = pid, limit_mb, ""
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(0.2):
            try:
                processes = _tree(self.pid)
                resident = sum(p.memory_info().rss for p in processes) / 2**20
            except psutil.Error:
                return
            if resident > self.limit_mb:
                self.reason = f"the kernel used more than {self.limit_mb:,} MB of memory and was stopped"
                _kill(processes)
                return

    def stop(self) -> None:
        self._stop_event.set()


def _tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def _kill(processes: list[psutil.Process]) -> None:
    for process in processes:
        try:
            process.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(processes, timeout=5)


def _kernel_spec_dir(root: Path) -> Path:
    folder = root / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True)
    spec = {"argv": [sys.executable, "-m", "dlcourse.grading.kernel", "-f", "{connection_file}"],
            "display_name": "dlcourse grader", "language": "python"}
    (folder / "kernel.json").write_text(json.dumps(spec))
    return root / "kernels"


def run_cells(sources: list[str], *, cwd: Path, env: dict[str, str], cell_timeout: float | list[float],
              total_timeout: float, memory_mb: int,
              after_cell: Callable[[int, CellRun], None] | None = None) -> list[CellRun]:
    """Execute ``sources`` in order in one new guarded kernel; one :class:`CellRun` each.

    ``cell_timeout`` is one limit for all cells or one per cell. ``after_cell(index, run)``
    is called as soon as each cell ends, before the next starts.
    """
    limits = cell_timeout if isinstance(cell_timeout, list) else [cell_timeout] * len(sources)
    runs: list[CellRun] = []
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    deadline = time.monotonic() + total_timeout
    with tempfile.TemporaryDirectory(prefix="dlcourse-kernelspec-") as spec_root:
        manager = AsyncKernelManager(kernel_name=KERNEL_NAME,
                                kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(_kernel_spec_dir(Path(spec_root)))]))
        client = _QuietClient(notebook, km=manager, timeout=int(max(limits, default=1)), allow_errors=True,
                              startup_timeout=120, record_timing=False, store_widget_state=False)
        watch: _MemoryWatch | None = None
        pid: int | None = None
        try:
            with client.setup_kernel(cwd=str(cwd), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
                pid = manager.provisioner.pid  # type: ignore[union-attr]
                watch = _MemoryWatch(pid, memory_mb)
                watch.start()
                for index, cell in enumerate(notebook.cells):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        runs.extend(CellRun(CellStatus.TIMEOUT, "not run: the submission's total time limit was reached")
                                    for _ in notebook.cells[index:])
                        break
                    client.timeout = int(max(1, min(limits[index], left)))
                    try:
                        client.execute_cell(cell, index)
                    except CellTimeoutError:
                        runs.append(CellRun(CellStatus.TIMEOUT, f"still running after {client.timeout} s: stopped"))
                        if not _interrupt(client, manager):
                            runs.extend(CellRun(CellStatus.DEAD, "not run: the kernel did not stop after a time limit")
                                        for _ in notebook.cells[index + 1:])
                            break
                        continue
                    except DeadKernelError:
                        reason = (watch.reason if watch and watch.reason else
                                  "the kernel died (out of memory? did the code exit or kill its own process?)")
                        runs.append(CellRun(CellStatus.DEAD, reason))
                        runs.extend(CellRun(CellStatus.DEAD, f"not run: {reason}") for _ in notebook.cells[index + 1:])
                        break
                    error = client.errors.get(index)
                    runs.append(CellRun(CellStatus.ERROR, error) if error else CellRun(CellStatus.OK))
                    if after_cell is not None:
                        after_cell(index, runs[-1])
        except (RuntimeError, TimeoutError, OSError) as problem:  # the kernel did not start, or broke on the way out
            if not runs:
                runs = [CellRun(CellStatus.DEAD, f"the kernel could not run: {problem}")] * len(sources)
        finally:
            if watch is not None:
                watch.stop()
            if pid is not None:
                try:
                    _kill(_tree(pid))
                except psutil.Error:
                    pass
            if manager.has_kernel:
                try:
                    run_sync(manager.shutdown_kernel)(now=True)
                except Exception:  # already gone
                    pass
    runs.extend(CellRun(CellStatus.DEAD, "not run") for _ in sources[len(runs):])
    return runs


def _interrupt(client: NotebookClient, manager: AsyncKernelManager) -> bool:
    """Interrupt the kernel after a timeout; True if it answers a trivial cell again."""
    try:
        run_sync(manager.interrupt_kernel)()
        probe = nbformat.v4.new_code_cell("pass")
        client.timeout = 15
        client.execute_cell(probe, 0)
        return True
    except (CellTimeoutError, DeadKernelError, RuntimeError):
        return False


def grading_env(*, budget: str, forbidden: list[Path], memory_mb: int) -> dict[str, str]:
    """The environment of a grading kernel: the course's budget, headless plots, the guards."""
    env = dict(os.environ)
    env.update({
        "DLCOURSE_BUDGET": budget,
        "MPLBACKEND": "Agg",
        "DLCOURSE_GRADER_FORBIDDEN": os.pathsep.join(str(p) for p in forbidden),
        "DLCOURSE_GRADER_MEMORY_MB": str(memory_mb * 2),  # the hard cap, well above the watchdog's limit
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    })
    return env
