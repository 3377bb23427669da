"""``dlcourse grade --sandbox``: each kernel under bubblewrap.

What a sandboxed kernel must not do, each tried from inside one (and, where it shows the
test means something, tried without the sandbox too, where it works): read ``solutions/``
(even through a shell or ``ctypes``, which the kernel's audit hook does not see), write
outside its own folder, reach a server on 127.0.0.1. And a solution still gets full marks.
Skipped, with how to install it, where bubblewrap is missing (``apt-get install bubblewrap``).
"""

from __future__ import annotations

import csv
import socket
from pathlib import Path

import nbformat
import pytest

from dlcourse.cli import main
from dlcourse.grading import runner
from dlcourse.grading.runner import CellStatus, Sandbox, grading_env, run_cells, sandbox_problem

ROOT = Path(__file__).resolve().parents[1]
NAME = "00_start_here"
EXERCISE = ROOT / "exercises" / f"{NAME}.ipynb"
SOLUTIONS = ROOT / "solutions"
PROBLEM = sandbox_problem()
needs_bwrap = pytest.mark.skipif(PROBLEM is not None, reason=PROBLEM or "")

# Each cell is one attempt; it raises if the attempt fails (so its status says what happened).
SHELL_READ = f"subprocess.run(['sh', '-c', 'cat {ROOT}/solu*s/{NAME}.ipynb'], check=True, capture_output=True)"
ATTEMPTS = {  # name -> cell
    "list the checkout": f"assert 'solutions' in os.listdir({str(ROOT)!r})",
    "read solutions by a shell": SHELL_READ,  # the audit hook sees no forbidden path in "solu*s"
    "open solutions by ctypes": f"assert ctypes.CDLL(None).open({str(SOLUTIONS / (NAME + '.ipynb')).encode()!r}, 0) >= 0",
    "reach 127.0.0.1": "socket.create_connection(('127.0.0.1', PORT), timeout=5).close()",
}
WRITES = {
    "write in its folder": "pathlib.Path('inside.txt').write_text('ok')",
    "write in its /tmp": "pathlib.Path('/tmp/private.txt').write_text('ok')",
    "write in the course package": f"pathlib.Path({str(ROOT / 'dlcourse' / 'sandbox-probe.txt')!r}).write_text('x')",
    "write in another folder": "pathlib.Path(OUTSIDE, 'outside.txt').write_text('x')",
    "write in the sandbox's root": "pathlib.Path('/new-file').write_text('x')",
}


@pytest.fixture(scope="module")
def server():
    """A TCP server on 127.0.0.1 (only listening: a connection that gets through is accepted by the kernel's OS)."""
    with socket.create_server(("127.0.0.1", 0)) as listening:
        yield listening.getsockname()[1]


def _run(tmp_path: Path, port: int, cells: dict[str, str], *, sandboxed: bool) -> dict[str, tuple[CellStatus, str]]:
    work = tmp_path / ("sandboxed" if sandboxed else "plain")
    cwd = work / "cwd"
    cwd.mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    setup = f"import ctypes, os, pathlib, socket, subprocess\nPORT = {port}\nOUTSIDE = {str(outside)!r}"
    env = grading_env(budget="smoke", forbidden=[SOLUTIONS], memory_mb=2000)
    sandbox = Sandbox(writable=(work,), hidden=(SOLUTIONS,)) if sandboxed else None
    runs = run_cells([setup, *cells.values()], cwd=cwd, env=env, cell_timeout=[300] + [30] * len(cells),
                     total_timeout=600, memory_mb=2000, sandbox=sandbox)
    assert runs[0].status == CellStatus.OK, runs[0]
    return {name: (run.status, run.message) for name, run in zip(cells, runs[1:])}


@needs_bwrap
def test_a_sandboxed_kernel_sees_no_solutions_and_no_network(tmp_path, server):
    # without the sandbox these two work (the others meet the kernel's own guard, or may not)
    plain = _run(tmp_path, server, ATTEMPTS, sandboxed=False)
    for name in ("list the checkout", "reach 127.0.0.1"):
        assert plain[name][0] == CellStatus.OK, (name, plain[name])
    inside = _run(tmp_path, server, ATTEMPTS, sandboxed=True)
    assert all(status == CellStatus.ERROR for status, _ in inside.values()), inside
    assert "ConnectionRefused" in inside["reach 127.0.0.1"][1] or "unreachable" in inside["reach 127.0.0.1"][1]
    assert "CalledProcessError" in inside["read solutions by a shell"][1]


@needs_bwrap
def test_a_sandboxed_kernel_writes_only_in_its_own_folder(tmp_path, server):
    found = _run(tmp_path, server, WRITES, sandboxed=True)
    assert found["write in its folder"][0] == CellStatus.OK and found["write in its /tmp"][0] == CellStatus.OK, found
    assert (tmp_path / "sandboxed" / "cwd" / "inside.txt").read_text() == "ok"
    for name in ("write in the course package", "write in another folder", "write in the sandbox's root"):
        assert found[name][0] == CellStatus.ERROR, (name, found[name])
    assert "Read-only file system" in found["write in the course package"][1]
    assert not (ROOT / "dlcourse" / "sandbox-probe.txt").exists() and not (tmp_path / "outside" / "outside.txt").exists()


@needs_bwrap
def test_the_solution_gets_full_marks_under_the_sandbox_and_a_shell_cannot_copy_it(tmp_path):
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    (submissions / "full.ipynb").write_text((SOLUTIONS / f"{NAME}.ipynb").read_text(encoding="utf-8"), encoding="utf-8")
    copier = nbformat.read(SOLUTIONS / f"{NAME}.ipynb", as_version=4)  # q1 copied from the solution while graded
    cell = next(c for c in copier.cells if c.source.startswith("# EXERCISE q1_error_rate"))
    cell.source = ("# EXERCISE q1_error_rate\nimport json, subprocess\n"
                   f"_text = subprocess.run(['sh', '-c', 'cat {ROOT}/solu*s/{NAME}.ipynb'], capture_output=True, text=True).stdout\n"
                   "_cells = json.loads(_text)['cells']\n"
                   "exec(next(''.join(c['source']) for c in _cells if ''.join(c['source']).startswith('# EXERCISE q1')))")
    nbformat.write(copier, submissions / "copier.ipynb")
    out = tmp_path / "out"
    assert main(["grade", str(EXERCISE), str(submissions), "--out", str(out), "--sandbox", "--seed", "7"]) == 0
    grades = {(r["student"], r["question"]): r for r in csv.DictReader((out / "grades.csv").open(encoding="utf-8"))}
    assert grades[("full", "q1_error_rate")]["status"] == "passed" and grades[("full", "q2_class_counts")]["status"] == "passed"
    summary = {r["student"]: r for r in csv.DictReader((out / "summary.csv").open(encoding="utf-8"))}
    assert summary["full"]["points"] == "4"  # every automatic point (the written answer is the instructor's)
    assert grades[("copier", "q1_error_rate")]["status"] == "error"  # the shell found no solutions/ to copy
    assert "runs other programs" in summary["copier"]["review"] and "exec" in summary["copier"]["review"]


def test_without_bubblewrap_sandbox_stops_at_once_with_how_to_install_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(runner.shutil, "which", lambda name: None)
    assert "apt-get install bubblewrap" in sandbox_problem()
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    (submissions / "ann.ipynb").write_text(EXERCISE.read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["grade", str(EXERCISE), str(submissions), "--out", str(tmp_path / "out"), "--sandbox"]) == 2
    assert "apt-get install bubblewrap" in capsys.readouterr().out
    assert not (tmp_path / "out").exists()
