"""Lesson 10's servers (``dlcourse.servers``), started for real.

The lesson's own server cells are run as a student's kernel would run them when its ``PATH``
lacks the environment's ``bin/`` (a virtual environment's Jupyter started without activating
it) and port 5000 is taken (AirPlay Receiver on many Macs): the server must answer at the
address the cell prints and be gone after the next cell. Colab is faked in ``sys.modules``:
the address printed must be the one Colab's port proxy gives, and MLflow must accept requests
that come through that proxy. The notebook runs skip these cells (``nbval-skip``): they are run here.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import socket
import sys
import types
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from dlcourse import servers

ROOT = Path(__file__).resolve().parents[1]
LESSON = ROOT / "lessons" / "10_automated_tuning_with_optuna.ipynb"
MLFLOW_CELLS = ("604f9d6c", "88aeb961")  # start, stop
DASHBOARD_CELLS = ("5e409434", "9d4a5b49")
LOCAL_URL = re.compile(r"http://127\.0\.0\.1:(\d+)/\S*")
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def lesson_cell(cell_id: str) -> str:
    cells = {cell.get("id"): cell for cell in nbformat.read(LESSON, as_version=4).cells}
    assert cell_id in cells, f"lesson 10 has no cell {cell_id}: update the ids in {Path(__file__).name}"
    return cells[cell_id].source


def status(url: str, *, method: str = "GET", headers: dict | None = None, data: bytes | None = None) -> int | None:
    """The HTTP status ``url`` answers with, or None if nothing listens there."""
    request = urllib.request.Request(url, method=method, headers=headers or {}, data=data)
    try:
        with _NO_PROXY.open(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as answer:
        return answer.code
    except (urllib.error.URLError, ConnectionError):
        return None


def processes_left(server: servers.Server) -> list[int]:
    """Processes of the server's group still alive (zombies waiting to be reaped do not count)."""
    psutil = pytest.importorskip("psutil")
    left = []
    for process in psutil.process_iter(["status"]):
        with contextlib.suppress(psutil.Error, ProcessLookupError, PermissionError):
            if os.getpgid(process.pid) == server.process.pid and process.info["status"] != psutil.STATUS_ZOMBIE:
                left.append(process.pid)
    return left


def assert_stopped(server: servers.Server) -> None:
    assert not server.running()
    assert status(server.local_url) is None, f"{server.name} still answers on {server.local_url}"
    if os.name != "nt":
        assert processes_left(server) == [], f"{server.name} left processes behind"


@pytest.fixture(autouse=True)
def no_server_left_behind():
    yield
    servers.stop_all()


@pytest.fixture
def path_without_environment_bin(monkeypatch) -> str:
    """PATH without the environment's bin/ nor any folder holding the servers' commands."""
    environment_bin = Path(sys.executable).parent
    commands = {shutil.which(name) for name in ("mlflow", "optuna-dashboard", "uvicorn")} - {None}
    dropped = {str(environment_bin)} | {str(Path(c).parent) for c in commands}
    path = os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p and p not in dropped)
    monkeypatch.setenv("PATH", path)
    assert shutil.which("mlflow") is None and shutil.which("optuna-dashboard") is None
    return path


@pytest.fixture
def port_5000_taken():
    """Something listens on 127.0.0.1:5000 (this test's socket, or whatever held it already)."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        holder.bind(("127.0.0.1", 5000))
        holder.listen()
    except OSError as busy:
        assert busy.errno in (errno.EADDRINUSE, errno.EACCES), busy
    yield
    holder.close()


@pytest.fixture
def fake_colab(monkeypatch) -> list[str]:
    """``google.colab`` in sys.modules; its ``eval_js`` answers proxyPort(N) as Colab does. Returns the scripts it ran."""
    scripts: list[str] = []

    def eval_js(script: str, ignore_result: bool = False, timeout_sec=None):
        scripts.append(script)
        port = re.fullmatch(r"google\.colab\.kernel\.proxyPort\((\d+)\)", script)[1]
        return f"https://{port}-m-s-test1234.europe-west4-1.prod.colab.dev/"

    colab, output = types.ModuleType("google.colab"), types.ModuleType("google.colab.output")
    output.eval_js = eval_js
    colab.output = output
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setitem(sys.modules, "google.colab.output", output)
    return scripts


@pytest.fixture
def optuna_sqlite(tmp_path) -> str:
    import optuna

    url = f"sqlite:///{tmp_path / 'digits.db'}"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name="digits", storage=url, direction="maximize")
    study.optimize(lambda trial: trial.suggest_float("x", 0.0, 1.0), n_trials=2)
    return url


# --------------------------------------------------------------------------- the lesson's cells


@pytest.mark.parametrize("which", ["mlflow", "dashboard"])
def test_the_lesson_cells_start_a_server_without_the_environment_on_path_and_with_port_5000_taken(
        which, tmp_path, optuna_sqlite, path_without_environment_bin, port_5000_taken, capsys):
    start, stop = MLFLOW_CELLS if which == "mlflow" else DASHBOARD_CELLS
    kernel = {"TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}", "SQLITE_URL": optuna_sqlite}
    exec(lesson_cell(start), kernel)
    printed = capsys.readouterr().out
    found = LOCAL_URL.search(printed)
    assert found, f"the cell printed no local address: {printed!r}"
    server = kernel["mlflow_ui" if which == "mlflow" else "dashboard"]
    assert int(found[1]) == server.port != 5000
    assert status(found[0]) == 200
    with _NO_PROXY.open(found[0], timeout=30) as page:
        assert (b"MLflow" if which == "mlflow" else b"Optuna Dashboard") in page.read()
    assert Path(server.command[0]) == Path(sys.executable)  # the kernel's own Python, not a command on PATH

    exec(lesson_cell(stop), kernel)
    assert_stopped(server)


# --------------------------------------------------------------------------- Colab


def test_in_colab_the_mlflow_address_is_colab_proxy_and_mlflow_accepts_requests_through_it(fake_colab, tmp_path):
    server = servers.start_mlflow_ui(f"sqlite:///{tmp_path / 'mlflow.db'}")
    assert fake_colab == [f"google.colab.kernel.proxyPort({server.port})"]
    assert server.url == f"https://{server.port}-m-s-test1234.europe-west4-1.prod.colab.dev/"
    # the proxy forwards the browser's request to 127.0.0.1:PORT; MLflow sees the proxy's host and origin
    proxy_host = server.url.split("/")[2]
    assert status(server.local_url, headers={"Host": proxy_host}) == 200
    search = server.local_url + "ajax-api/2.0/mlflow/experiments/search"
    headers = {"Host": proxy_host, "Origin": f"https://{proxy_host}", "Content-Type": "application/json"}
    assert status(search, method="POST", headers=headers, data=b'{"max_results": 10}') == 200
    # MLflow's protection against DNS rebinding stays on for every other host
    assert status(server.local_url, headers={"Host": "attacker.example"}) == 403
    server.stop()
    assert_stopped(server)


def test_in_colab_the_dashboard_address_is_colab_proxy_with_the_dashboard_path(fake_colab, optuna_sqlite):
    server = servers.start_optuna_dashboard(optuna_sqlite)
    assert fake_colab == [f"google.colab.kernel.proxyPort({server.port})"]
    assert server.url == f"https://{server.port}-m-s-test1234.europe-west4-1.prod.colab.dev/dashboard/"
    server.stop()
    assert_stopped(server)


# --------------------------------------------------------------------------- failures


def test_a_server_that_exits_raises_with_its_last_log_lines():
    crash = ("import sys; print('opening the store'); "
             "print('cannot open the store: no such table', file=sys.stderr); sys.exit(3)")
    store = "postgresql://optuna:s3cret@db:5432/studies"
    with pytest.raises(servers.ServerError) as raised:
        servers.start_server("Broken server", lambda port, base: [sys.executable, "-c", crash, store])
    message = str(raised.value)
    assert "s3cret" not in message and "postgresql://optuna:***@db:5432/studies" in message
    assert "Broken server did not start" in message and "exited with status 3" in message
    assert "cannot open the store: no such table" in message and "opening the store" in message
    assert "broken-server-" in message  # the log file's path


def test_a_server_that_never_answers_is_stopped_after_the_timeout():
    started = []

    def command(port: int, base: str) -> list[str]:
        started.append(port)
        return [sys.executable, "-c", "import time; print('still loading', flush=True); time.sleep(300)"]

    with pytest.raises(servers.ServerError, match=r"did not answer on http://127\.0\.0\.1:\d+/ within 1 s(?s:.*)still loading"):
        servers.start_server("Slow server", command, timeout=1)
    assert len(started) == 1
    assert servers._RUNNING.get("Slow server") is None


def test_a_port_taken_between_choosing_and_binding_is_replaced_by_another(monkeypatch):
    taken = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    first = taken.getsockname()[1]
    ports, really_free = iter([first]), servers.free_port
    monkeypatch.setattr(servers, "free_port", lambda host=servers.HOST: next(ports, None) or really_free(host))
    http = lambda port, base: [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)]
    try:
        server = servers.start_server("File server", http)
    finally:
        taken.close()
    assert server.port != first and status(server.url) == 200
    server.stop()
    assert_stopped(server)


def test_starting_a_server_again_stops_the_one_before(capsys):
    http = lambda port, base: [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", str(port)]
    first = servers.start_server("File server", http)
    second = servers.start_server("File server", http)
    assert f"stopped the File server this kernel started before, on port {first.port}" in capsys.readouterr().out
    assert_stopped(first)
    assert status(second.url) == 200
    servers.stop_all()
    assert_stopped(second)


def test_a_package_missing_from_the_kernel_says_how_to_install_it():
    expected = r"no-such-package is not installed in the Python this notebook runs .*%pip install no-such-package"
    with pytest.raises(servers.ServerError, match=expected):
        servers.require_module("no_such_module_for_this_test", "no-such-package")


def test_in_colab_without_the_proxy_address_nothing_is_started(fake_colab, monkeypatch):
    def no_browser(script, ignore_result=False, timeout_sec=None):
        raise RuntimeError("timed out waiting for the front end")

    monkeypatch.setattr(sys.modules["google.colab.output"], "eval_js", no_browser)
    started = []
    with pytest.raises(servers.ServerError, match="Colab's port proxy gave no address .*timed out waiting for the front end"):
        servers.start_server("File server", lambda port, base: started.append(port) or [sys.executable, "-m", "http.server"])
    assert started == [] and servers._RUNNING == {}
