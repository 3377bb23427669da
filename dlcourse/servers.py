"""Start and stop lesson 10's web interfaces (MLflow's UI, Optuna's dashboard) from a notebook.

The plumbing a notebook should not have to show:

- each server is run by the kernel's own Python (``sys.executable -m mlflow ui ...``), so it
  starts whether or not the environment's ``bin/`` folder is on ``PATH`` (a virtual
  environment's Jupyter started without activating it);
- on a free local port, never a fixed one (port 5000 is AirPlay Receiver's on many Macs);
- :func:`start_server` waits, within a bound, until the server answers, and raises
  :class:`ServerError` with the server's last log lines if it exits or does not answer;
- :attr:`Server.url` is the address that works where the notebook runs: on this machine
  ``http://127.0.0.1:PORT/``; in Google Colab, Colab's port proxy
  (``google.colab.kernel.proxyPort``), because the student's browser cannot reach the
  127.0.0.1 of Colab's machine;
- :meth:`Server.stop` stops the server and every process it started; servers still running
  when the kernel exits are stopped then (a kernel that is killed cannot stop them).

Starting a server of the same name again (a cell run twice) first stops the one before.
"""

from __future__ import annotations

import atexit
import importlib
import importlib.util
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

HOST = "127.0.0.1"
# seconds: MLflow's UI can need tens of seconds on a busy machine; a server that fails usually exits
# at once, and that is noticed without waiting for the timeout
START_TIMEOUT = 240.0
LOG_LINES = 15  # how many of a failed server's last log lines an error shows
PORT_ATTEMPTS = 3  # another program can take the free port between choosing it and binding it
_PORT_TAKEN = re.compile(r"address already in use|errno (98|48|10048)\b", re.IGNORECASE)
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1 never through an HTTP proxy

# A command for a port and the server's public address (``url`` without its path).
CommandFor = Callable[[int, str], list[str]]


class ServerError(RuntimeError):
    """A server did not come up: the message says why, shows its last log lines and what to do."""


@dataclass
class Server:
    """A running server: its name, the command that started it, its port and the address to open."""

    name: str
    command: list[str]
    port: int
    url: str
    log_path: Path
    process: subprocess.Popen = field(repr=False)

    @property
    def local_url(self) -> str:
        """The address on the machine the kernel runs on (where the server listens)."""
        return f"http://{HOST}:{self.port}/"

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server and the processes it started (nothing happens if it stopped already)."""
        _stop_process_tree(self.process, timeout)
        if _RUNNING.get(self.name) is self:
            del _RUNNING[self.name]

    def __str__(self) -> str:
        return f"{self.name} at {self.url}"


_RUNNING: dict[str, Server] = {}


def free_port(host: str = HOST) -> int:
    """A port nobody listens on now, chosen by the operating system (never a fixed one)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def in_colab() -> bool:
    return "google.colab" in sys.modules


def colab_proxy_url(port: int) -> str:
    """The address, through Colab's port proxy, at which the student's browser reaches ``port``."""
    output = importlib.import_module("google.colab.output")
    try:
        address = str(output.eval_js(f"google.colab.kernel.proxyPort({port})"))
    except Exception as problem:  # noqa: BLE001 - eval_js needs the notebook open in a browser tab
        raise ServerError(f"Colab's port proxy gave no address for port {port} ({problem}); run this cell "
                          "from the notebook open in your browser") from None
    return address.rstrip("/") + "/"


def public_base(port: int) -> str:
    """Where the notebook's reader reaches ``port`` of the kernel's machine (ends with '/')."""
    return colab_proxy_url(port) if in_colab() else f"http://{HOST}:{port}/"


def require_module(module: str, package: str) -> None:
    """ServerError unless ``module`` imports in this kernel's Python (the one that runs the server)."""
    if importlib.util.find_spec(module) is None:
        raise ServerError(f"{package} is not installed in the Python this notebook runs ({sys.executable}); "
                          f"install it there with `%pip install {package}` in a cell, then run this cell again")


def start_server(name: str, command_for: CommandFor, *, path: str = "/", timeout: float = START_TIMEOUT,
                 env: dict[str, str] | None = None, log_dir: Path | None = None) -> Server:
    """Start ``command_for(port, public_base)`` on a free port; return once ``path`` answers there.

    ``env`` adds to the kernel's environment variables. The command's output goes to a log
    file (``Server.log_path``). ServerError if the server exits or does not answer within
    ``timeout`` seconds (it is stopped then).
    """
    previous = _RUNNING.get(name)
    if previous is not None:
        previous.stop()
        print(f"(stopped the {name} this kernel started before, on port {previous.port})")
    log_dir = Path(log_dir or Path(tempfile.gettempdir()) / "dlcourse-servers")
    log_dir.mkdir(parents=True, exist_ok=True)
    attempt = 1
    while True:
        port = free_port()
        base = public_base(port)
        command = command_for(port, base)
        log_path = log_dir / f"{re.sub(r'[^A-Za-z0-9]+', '-', name).strip('-').lower()}-{port}.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       env={**os.environ, **(env or {})}, **_new_process_group())
        server = Server(name, command, port, base.rstrip("/") + path, log_path, process)
        try:
            problem = _wait_until_answers(server, path, timeout)
        except BaseException:  # the kernel interrupted while waiting: leave no server behind
            server.stop()
            raise
        if problem is None:
            _RUNNING[name] = server
            return server
        server.stop()
        log_tail = _last_lines(log_path)
        if attempt < PORT_ATTEMPTS and _PORT_TAKEN.search(log_tail):
            attempt += 1  # another program took the port between our choosing and the server binding it
            continue
        raise ServerError(f"{name} did not start: {problem}.\n"
                          f"Its last log lines ({log_path}):\n{log_tail or '(the log is empty)'}\n"
                          f"The command was: {_hide_passwords(shlex.join(command))}")


def start_mlflow_ui(tracking_uri: str, *, timeout: float = START_TIMEOUT) -> Server:
    """MLflow's UI on the runs in ``tracking_uri``: ``mlflow ui --backend-store-uri TRACKING_URI``.

    One worker process is enough for one reader, and the server's job runner (background jobs
    for MLflow's GenAI features, a process per job queue) is left off: the lesson uses none.
    MLflow answers only requests addressed to localhost or a private address (its protection
    against DNS rebinding); behind Colab's proxy, the proxy's host and origin are allowed too,
    and nothing else.
    """
    require_module("mlflow", "mlflow")

    def command(port: int, base: str) -> list[str]:
        args = [sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", tracking_uri,
                "--host", HOST, "--port", str(port), "--workers", "1"]
        public = urlsplit(base)
        if public.hostname not in (HOST, "localhost"):  # Colab's proxy: allow its address besides the local ones
            args += ["--allowed-hosts", ",".join([public.netloc, "localhost", "localhost:*", HOST, f"{HOST}:*"]),
                     "--cors-allowed-origins", f"{public.scheme}://{public.netloc}"]
        return args

    return start_server("MLflow UI", command, timeout=timeout, env={"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"})


_DASHBOARD = "import sys, optuna_dashboard; optuna_dashboard.run_server(sys.argv[1], host=sys.argv[2], port=int(sys.argv[3]))"


def start_optuna_dashboard(storage: str, *, timeout: float = START_TIMEOUT) -> Server:
    """Optuna's dashboard on the studies in ``storage`` (a database URL), as ``optuna-dashboard STORAGE``.

    It runs ``optuna_dashboard.run_server``, the dashboard's documented Python interface, in a
    process of the kernel's own Python, so that it can be stopped; its pages are under ``/dashboard/``.
    """
    require_module("optuna_dashboard", "optuna-dashboard")
    return start_server("Optuna dashboard",
                        lambda port, base: [sys.executable, "-c", _DASHBOARD, storage, HOST, str(port)],
                        path="/dashboard/", timeout=timeout)


def stop_all() -> None:
    """Stop every server this kernel started and has not stopped (run when the kernel exits)."""
    for server in list(_RUNNING.values()):
        server.stop()


atexit.register(stop_all)


# --------------------------------------------------------------------------- plumbing


def _wait_until_answers(server: Server, path: str, timeout: float) -> str | None:
    """None once ``path`` answers on the server's local address; otherwise why not."""
    url = server.local_url.rstrip("/") + path
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = server.process.poll()
        if status is not None:
            return f"it exited with status {status} before answering on {url}"
        try:
            with _NO_PROXY.open(url, timeout=5):
                pass
            if server.process.poll() is None:  # it is ours that answered, not a program that took the port
                return None
        except urllib.error.HTTPError as answer:
            if answer.code < 500 and server.process.poll() is None:
                return None
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    return f"it did not answer on {url} within {timeout:g} s (pass a larger timeout= if this machine is busy)"


def _hide_passwords(text: str) -> str:
    """``text`` with the password of every ``scheme://user:password@host`` URL replaced by ***."""
    return re.sub(r"(://[^/\s:@]+:)[^@\s]+@", r"\1***@", text)


def _last_lines(log_path: Path, n: int = LOG_LINES) -> str:
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(lines[-n:])


def _new_process_group() -> dict:
    """Popen arguments that put the server and its children in a group of their own, to be stopped together."""
    if os.name == "nt":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def _stop_process_tree(process: subprocess.Popen, timeout: float) -> None:
    """Stop ``process`` and every process in its group: politely first, then by force."""
    if os.name == "nt":
        if process.poll() is None:
            subprocess.run(["taskkill", "/T", "/F", "/PID", str(process.pid)], capture_output=True)
        process.wait(timeout)
        return
    group = process.pid  # start_new_session made the server the leader of its own group
    _signal_group(group, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (process.poll() is None or _group_alive(group)):
        time.sleep(0.1)  # the server and its children (MLflow's uvicorn and job runner) shut down
    _signal_group(group, signal.SIGKILL)  # whatever is left of the group
    process.wait(timeout)


def _group_alive(group: int) -> bool:
    """Whether a process of ``group`` exists (a zombie waiting to be reaped counts)."""
    try:
        os.killpg(group, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _signal_group(group: int, sig: int) -> None:
    try:
        os.killpg(group, sig)
    except (ProcessLookupError, PermissionError):
        pass  # the group is gone already
