"""Run notebook cells in a guarded kernel: time limits, a memory watchdog, no output kept.

Each cell gets a :class:`CellRun` (a :class:`CellStatus`). A cell past its time limit is
interrupted; a kernel that will not stop or uses too much memory ends the run, and every
cell after it is reported as not run, with the reason. Whatever happens, every process
the kernel started is killed before :func:`run_cells` returns.

A grade must never be an accident of the machine, so the runner tells the student's
failures from the machine's as well as it can see them:

- a kernel that does not start is started again, with a longer wait each time
  (:data:`STARTUP_WAITS`); if it never starts, every cell is :attr:`CellStatus.NOT_STARTED`;
- a kernel that dies with no cause the runner can see (not its memory limit, not a time
  limit), or whose messages stop making sense, is :attr:`CellStatus.LOST`: the student's code
  may have done it, or the machine (the grader runs the submission again to tell which:
  :func:`dlcourse.grading.grader.grade_path`).

With a :class:`Sandbox`, the kernel runs under bubblewrap (``bwrap``): no network, a
read-only view of the system, of Python and of the course (without ``solutions/``,
another student's notebook or the grader's outputs), and only the given folders writable.
Its connection to the grader is ZeroMQ over Unix sockets (``transport="ipc"``) in a folder
that both sides see at the same path, so that it works without a network.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
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
STARTUP_WAITS = (120.0, 300.0, 600.0)  # seconds to wait for the kernel's first answer, try after try
RETRY_PAUSE = 5.0  # seconds between two tries (a moment for a busy machine)
SHM_BYTES = 256 * 2**20  # a sandbox's /dev/shm (multiprocessing's semaphores, joblib's shared arrays)
DIED = "the kernel died (out of memory? did the code exit or kill its own process?)"
INSTALL_BWRAP = ("--sandbox needs bubblewrap (the bwrap command), which is not installed: "
                 "apt-get install bubblewrap (Debian, Ubuntu; dnf install bubblewrap on Fedora)")


class CellStatus(str, Enum):
    """How running one cell went (not a grade: the grader turns these into statuses of answers)."""

    OK = "ok"
    ERROR = "error"  # the cell raised
    TIMEOUT = "timeout"  # stopped at its time limit
    DEAD = "dead"  # the kernel was stopped for a cause the grader saw (memory, a time limit), or died twice
    LOST = "lost"  # the kernel died, or the connection to it broke, with no cause the runner could see
    NOT_STARTED = "not started"  # the kernel never started, after every try: the machine's failure

    def __str__(self) -> str:
        return self.value


@dataclass
class CellRun:
    status: CellStatus
    message: str = ""


@dataclass(frozen=True)
class Sandbox:
    """What a sandboxed kernel may write (``writable``) and must not see (``hidden``, e.g. ``solutions/``).

    Besides these, it reads the system (``/usr``, ``/etc``), Python's installation, the
    course package, the course's lessons, exercises and data, and writes a private ``/tmp``.
    """

    writable: tuple[Path, ...]
    hidden: tuple[Path, ...] = ()


SILENT = "dlcourse_silent"  # a cell's metadata key: send it as a silent execution


class _NotStarted(Exception):
    """The kernel did not answer its first message."""


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

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        """nbclient's, except that a cell marked :data:`SILENT` is sent as a silent execution: IPython then
        runs no ``pre_run_cell``/``post_run_cell`` callbacks and keeps no history for it."""
        if not cell.metadata.get(SILENT):
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        self.kc.execute = functools.partial(type(self.kc).execute, self.kc, silent=True)
        try:
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history=False)
        finally:
            del self.kc.execute

    execute_cell = run_sync(async_execute_cell)


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


def _kill(processes: list[psutil.Process], wait: float = 5.0) -> None:
    """Kill every process, and wait (at most ``wait`` s) until each is gone or a zombie: a zombie holds no
    memory, and one that is not our child (a sandbox's own init, say) is for its new parent to reap,
    which some machines' init does only about once a second."""
    for process in processes:
        try:
            process.kill()
        except psutil.Error:
            pass
    deadline = time.monotonic() + wait
    for process in processes:
        while time.monotonic() < deadline:
            try:
                process.wait(timeout=0.05)  # reaps it if it is our child
                break
            except psutil.TimeoutExpired:
                if process.status() == psutil.STATUS_ZOMBIE:
                    break
            except psutil.Error:
                break


# --------------------------------------------------------------------------- the kernel's command


def kernel_command() -> list[str]:
    """The grading kernel, as the kernel spec starts it (``{connection_file}`` filled in by jupyter_client)."""
    return [sys.executable, "-m", "dlcourse.grading.kernel", "-f", "{connection_file}"]


def _kernel_spec_dir(root: Path, argv: list[str], *, interrupt_by_message: bool) -> Path:
    folder = root / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True)
    spec = {"argv": argv, "display_name": "dlcourse grader", "language": "python"}
    if interrupt_by_message:  # a signal to bwrap's process group would stop bwrap, not interrupt the kernel
        spec["interrupt_mode"] = "message"
    (folder / "kernel.json").write_text(json.dumps(spec))
    return root / "kernels"


def sandbox_problem() -> str | None:
    """Why ``--sandbox`` cannot work on this machine (None: it can)."""
    if shutil.which("bwrap") is None:
        return INSTALL_BWRAP
    try:
        trial = subprocess.run(["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-pid",
                                "--unshare-net", "--die-with-parent", "--", "true"],
                               capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as problem:
        return f"bubblewrap (bwrap) cannot run here: {problem}"
    if trial.returncode != 0:
        return (f"bubblewrap (bwrap) cannot make a sandbox here ({trial.stderr.strip()[:300]}): run the grader as "
                "root, or allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1)")
    return None


def _readable_paths() -> list[Path]:
    """What a sandboxed kernel reads: the system, Python, the course package and the course's
    lessons, exercises and data (never the whole checkout: submissions or grades may lie in it)."""
    from dlcourse.course import package_dir, repo_root

    paths = [Path(p) for p in ("/usr", "/etc", "/sys", "/opt")]
    paths += [Path(p) for p in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}]
    paths += [package_dir()]
    root = repo_root()
    if root is not None:  # what dlcourse.course.repo_root() looks for, and the data cache inside
        paths += [root / "lessons", root / "exercises", root / "datasets"]
    for variable in ("DLCOURSE_DATA", "DLCOURSE_CACHE", "PYTHONPATH"):
        paths += [Path(p).expanduser() for p in os.environ.get(variable, "").split(os.pathsep) if p]
    try:
        paths.append(Path.home() / ".cache" / "dlcourse")  # dlcourse.data's cache outside a checkout
    except RuntimeError:  # no home directory
        pass
    return [p.absolute() for p in paths if p.exists()]


def _outermost(paths: list[Path]) -> list[Path]:
    """``paths`` without those inside another one, outermost first."""
    kept: list[Path] = []
    for path in sorted(set(paths), key=lambda p: len(p.parts)):
        if not any(path == k or k in path.parents for k in kept):
            kept.append(path)
    return kept


def bwrap_prefix(sandbox: Sandbox, *, own: Path, cwd: Path) -> list[str]:
    """The ``bwrap`` command line that runs a kernel in ``sandbox``; ``own`` is the runner's folder for
    this kernel (its connection's sockets and the sandbox's ``/tmp``), ``cwd`` where the kernel starts."""
    args = ["bwrap", "--die-with-parent", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--unshare-cgroup-try", "--dev", "/dev", "--perms", "1777", "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm",
            "--proc", "/proc"]
    # a private /tmp first: what is bound below is mounted on top of it, so a course checked out (or a
    # virtual environment) under /tmp stays visible
    private_tmp = own / "tmp"
    private_tmp.mkdir(exist_ok=True)
    args += ["--bind", str(private_tmp), "/tmp"]
    for target in ("bin", "sbin", "lib", "lib64", "lib32", "libx32"):  # merged /usr: symlinks into /usr
        host = Path("/") / target
        if host.is_symlink():
            args += ["--symlink", os.readlink(host), str(host)]
        elif host.is_dir():
            args += ["--ro-bind", str(host), str(host)]
    readable = _outermost(_readable_paths())
    for path in readable:
        args += ["--ro-bind", str(path), str(path)]
    writable = _outermost([own, *sandbox.writable])
    for path in writable:
        args += ["--bind", str(path), str(path)]
    for path in sandbox.hidden:  # only matters if it lies inside a folder the sandbox sees
        path = path.absolute()
        if any(path == p or p in path.parents for p in [*readable, *writable]) and path.exists():
            args += (["--tmpfs", str(path)] if path.is_dir() else ["--ro-bind", "/dev/null", str(path)])
    args += ["--remount-ro", "/", "--remount-ro", "/dev",  # tmpfs: what is written there escapes the memory watch
             "--setenv", "TMPDIR", "/tmp", "--setenv", "IPYTHONDIR", "/tmp/ipython",
             "--setenv", "MPLCONFIGDIR", "/tmp/matplotlib",
             "--unsetenv", "JPY_PARENT_PID",  # ipykernel would take bwrap's pid 1 for a dead parent
             "--chdir", str(cwd), "--"]
    return args


# --------------------------------------------------------------------------- running


def run_cells(sources: list[str], *, cwd: Path, env: dict[str, str], cell_timeout: float | list[float],
              total_timeout: float, memory_mb: int, silent: list[bool] | None = None,
              after_cell: Callable[[int, CellRun], None] | None = None,
              sandbox: Sandbox | None = None, notes: list[str] | None = None) -> list[CellRun]:
    """Execute ``sources`` in order in one new guarded kernel; one :class:`CellRun` each.

    ``cell_timeout`` is one limit for all cells or one per cell; ``silent`` says which cells are sent
    as silent executions (the grader's probes); ``total_timeout`` counts
    from the kernel's start. ``after_cell(index, run)`` is called as soon as each cell ends,
    before the next starts. A kernel that does not start is tried again (the tries are
    added to ``notes``); one that never starts gives :attr:`CellStatus.NOT_STARTED` for every cell.
    """
    limits = cell_timeout if isinstance(cell_timeout, list) else [cell_timeout] * len(sources)
    failures: list[str] = []
    for attempt, wait in enumerate(STARTUP_WAITS, start=1):
        if attempt > 1:
            time.sleep(RETRY_PAUSE)
        try:
            runs = _run_once(sources, limits, cwd=cwd, env=env, total_timeout=total_timeout, memory_mb=memory_mb,
                             silent=silent or [False] * len(sources),
                             after_cell=after_cell, sandbox=sandbox, startup_timeout=wait)
        except _NotStarted as problem:
            failures.append(f"try {attempt}: {problem}")
            continue
        if failures and notes is not None:
            notes.append(f"the grading kernel did not start at first ({'; '.join(failures)}); it did on try {attempt}")
        return runs
    reason = f"the grading kernel did not start in {len(STARTUP_WAITS)} tries ({'; '.join(failures)})"
    return [CellRun(CellStatus.NOT_STARTED, reason) for _ in sources]


def _run_once(sources: list[str], limits: list[float], *, cwd: Path, env: dict[str, str], total_timeout: float,
              silent: list[bool],
              memory_mb: int, after_cell: Callable[[int, CellRun], None] | None, sandbox: Sandbox | None,
              startup_timeout: float) -> list[CellRun]:
    """One kernel, every cell; raises :class:`_NotStarted` if the kernel did not answer in ``startup_timeout``."""
    runs: list[CellRun] = []
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s, metadata={SILENT: True} if quiet else {})
                                               for s, quiet in zip(sources, silent)])
    with tempfile.TemporaryDirectory(prefix="dlcourse-kernel-") as folder:
        own = Path(folder)
        argv = kernel_command()
        options: dict = {}
        if sandbox is not None:
            argv = bwrap_prefix(sandbox, own=own, cwd=cwd) + argv
            (own / "connection").mkdir()
            options = {"transport": "ipc", "connection_file": str(own / "connection" / "kernel.json")}
        specs = _kernel_spec_dir(own, argv, interrupt_by_message=sandbox is not None)
        manager = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(specs)]),
                                     **options)
        client = _QuietClient(notebook, km=manager, timeout=int(max(limits, default=1)), allow_errors=True,
                              startup_timeout=int(startup_timeout), record_timing=False, store_widget_state=False)
        watch: _MemoryWatch | None = None
        pid: int | None = None
        started = False
        try:
            with client.setup_kernel(cwd=str(cwd), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL):
                started = True
                deadline = time.monotonic() + total_timeout
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
                        if watch.reason:  # stopped by us: the code's doing
                            runs.append(CellRun(CellStatus.DEAD, watch.reason))
                            runs.extend(CellRun(CellStatus.DEAD, f"not run: {watch.reason}") for _ in notebook.cells[index + 1:])
                        else:  # the code's doing, or the machine's: the grader runs it again to tell
                            runs.append(CellRun(CellStatus.LOST, DIED))
                            runs.extend(CellRun(CellStatus.LOST, f"not run: {DIED}") for _ in notebook.cells[index + 1:])
                        break
                    except Exception as problem:  # the kernel's messages broke (code that rewrites its JSON can)
                        message = f"the connection to the kernel broke ({type(problem).__name__}: {problem})"[:300]
                        runs.extend(CellRun(CellStatus.LOST, message) for _ in notebook.cells[index:])
                        break
                    error = client.errors.get(index)
                    runs.append(CellRun(CellStatus.ERROR, error) if error else CellRun(CellStatus.OK))
                    if after_cell is not None:
                        after_cell(index, runs[-1])
        except (RuntimeError, TimeoutError, OSError) as problem:  # no start, a broken connection, or a failed shutdown
            if not started:
                raise _NotStarted(f"{type(problem).__name__}: {problem}"[:300]) from None
            if len(runs) < len(sources):  # broke on the way, not on the way out: nothing says the code did it
                message = f"the connection to the kernel broke ({type(problem).__name__}: {problem})"[:300]
                runs.extend(CellRun(CellStatus.LOST, message) for _ in sources[len(runs):])
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
    except Exception:  # a timeout, a dead kernel, a broken connection: it does not answer
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
