"""Lesson 10's worker, for real: several processes on one study through a journal file, and
two workers on a throw-away PostgreSQL server, one of them killed mid-trial.

The PostgreSQL tests start their own server (``initdb`` + ``pg_ctl`` from the system's
PostgreSQL, in a temporary folder, as an unprivileged user, on a free local port) and stop
and delete it afterwards, also when a test fails. Where PostgreSQL is not installed they are
skipped with a message saying how to run them.
"""

from __future__ import annotations

import inspect
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import nbformat
import optuna
import pytest

from dlcourse import tune_worker

ROOT = Path(__file__).resolve().parents[1]
FINISHED = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
TRIAL_LINE = re.compile(r"^worker (\S+): trial (\d+) (COMPLETE|PRUNED|FAIL) value=")
HOW_TO = ("PostgreSQL is not installed here; to run this test install the server "
          "(Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql) and run pytest again")


def worker_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "dlcourse.tune_worker", *args]


def worker_env() -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               TF_CPP_MIN_LOG_LEVEL="2", TF_ENABLE_ONEDNN_OPTS="0")
    return env


def run_worker(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(worker_command(*args), capture_output=True, text=True, timeout=timeout, env=worker_env(), cwd=ROOT)


def start_worker(*args: str) -> subprocess.Popen:
    return subprocess.Popen(worker_command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=worker_env(), cwd=ROOT)


def create_digits_study(spec: str) -> None:
    """Create the empty study 'digits' in ``spec`` in this process, as ``--create --n-trials 0`` does
    (the worker's own ``--create`` is run by the tests of missing studies, for a journal and PostgreSQL)."""
    tune_worker.load_study(spec, "digits", create=True, heartbeat=None)


def reported_trials(stdout: str) -> list[tuple[int, str]]:
    return [(int(m[2]), m[3]) for m in map(TRIAL_LINE.match, stdout.splitlines()) if m]


def assert_every_trial_recorded_once(study, outputs: list[str], target: int) -> None:
    trials = study.get_trials(deepcopy=False)
    assert [t.number for t in trials] == list(range(len(trials))), "trial numbers are not unique and contiguous"
    assert not [t.number for t in trials if t.state == optuna.trial.TrialState.RUNNING], "a trial was left RUNNING"
    finished = {t.number: t.state.name for t in trials if t.state in FINISHED}
    assert len(finished) >= target
    reported = [pair for out in outputs for pair in reported_trials(out) if pair[1] != "FAIL"]
    counts = Counter(number for number, _ in reported)
    assert max(counts.values()) == 1, f"a trial was reported by two workers: {counts}"
    assert dict(reported) == finished, "what the workers report differs from what the storage holds"
    complete = [t for t in trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert study.best_trial.value == max(t.value for t in complete)
    assert study.best_trial.number in {t.number for t in complete}


# --------------------------------------------------------------------------- no server needed


def test_the_lesson_shows_the_worker_objective_verbatim():
    code = "\n".join(c.source for c in nbformat.read(ROOT / "lessons/10_automated_tuning_with_optuna.ipynb", as_version=4).cells
                     if c.cell_type == "code")
    for function in (tune_worker.build_digits_net, tune_worker.digits_objective):
        assert inspect.getsource(function).strip() in code, f"lesson 10 no longer shows tune_worker.{function.__name__} as it is"


def test_the_space_is_conditional():
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for n_layers in (1, 3):
        study.enqueue_trial({"n_layers": n_layers})
        trial = study.ask()
        model = tune_worker.build_digits_net(trial)
        assert sorted(k for k in trial.params if k.startswith("units_")) == [f"units_{i}" for i in range(n_layers)]
        assert len(model.layers) == n_layers + 2  # hidden layers, dropout, output
        study.tell(trial, 0.0)


def test_missing_journal_or_sqlite_file_is_an_error_and_nothing_is_written(tmp_path):
    for spec in (f"journal:{tmp_path / 'none.journal'}", f"sqlite:///{tmp_path / 'none.db'}"):
        done = run_worker("--storage", spec, "--study", "digits")
        assert done.returncode == tune_worker.EXIT_STORAGE, done.stderr
        assert f"storage {spec}" in done.stderr and "does not exist" in done.stderr and "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_study_that_does_not_exist_is_named(tmp_path):
    spec = f"journal:{tmp_path / 'x.journal'}"
    assert run_worker("--storage", spec, "--study", "digits", "--create", "--n-trials", "0").returncode == 0
    done = run_worker("--storage", spec, "--study", "digit")
    assert done.returncode == tune_worker.EXIT_STORAGE
    assert "no study named 'digit'" in done.stderr and "['digits']" in done.stderr


def test_two_workers_share_a_journal_study(tmp_path):
    spec, target = f"journal:{tmp_path / 'digits.journal'}", 6
    create_digits_study(spec)
    workers = [start_worker("--storage", spec, "--study", "digits", "--n-trials", str(target), "--epochs", "1",
                            "--pruner", "none", "--seed", str(seed)) for seed in (1, 2)]
    outputs = []
    for worker in workers:
        out, err = worker.communicate(timeout=400)
        assert worker.returncode == 0, err
        outputs.append(out)
    study = optuna.load_study(study_name="digits", storage=tune_worker.open_storage(spec))
    assert_every_trial_recorded_once(study, outputs, target)


# --------------------------------------------------------------------------- a real PostgreSQL


def _postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    """A throw-away PostgreSQL server: yields a function name -> URL of a new empty database."""
    bin_dir = _postgres_bin()
    if bin_dir is None:
        pytest.skip(HOW_TO)
    folder = Path(tempfile.mkdtemp(prefix="dlcourse-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        import pwd

        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder, ignore_errors=True)
            pytest.skip("running as root and there is no 'postgres' user to run the server as")
        os.chown(folder, account.pw_uid, account.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", _free_port()

    def pg(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*as_user, *args], capture_output=True, text=True, timeout=120)

    try:
        done = pg(str(bin_dir / "initdb"), "-D", str(data), "-U", "optuna", "--auth=trust", "-E", "UTF8")
        assert done.returncode == 0, done.stderr
        done = pg(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"), "-w", "-t", "60",
                  "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1", "start")
        assert done.returncode == 0, done.stdout + done.stderr + (folder / "server.log").read_text(errors="replace")

        def new_database(name: str) -> str:
            made = pg(str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "optuna", name)
            assert made.returncode == 0, made.stderr
            return f"postgresql://optuna@127.0.0.1:{port}/{name}"

        yield new_database
    finally:
        pg(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def _wait_for_running_trial(url: str, worker: subprocess.Popen, timeout: float = 300) -> int:
    """The number of a trial that ``worker`` is training now (polling the storage)."""
    storage = optuna.storages.RDBStorage(url, skip_table_creation=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert worker.poll() is None, "the worker ended before it ran a trial"
        study = optuna.load_study(study_name="digits", storage=storage)
        for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
            # all its parameters drawn (the last one asked is the optimizer): the network is training
            if trial.user_attrs.get("worker", "").endswith(f":{worker.pid}") and "optimizer" in trial.params:
                return trial.number
        time.sleep(0.2)
    raise AssertionError("the worker never started a trial")


def test_two_workers_on_postgresql_one_killed_mid_trial(postgres):
    url, target = postgres("two_workers"), 6
    create_digits_study(url)
    common = ("--storage", url, "--study", "digits", "--n-trials", str(target), "--epochs", "3", "--pruner", "median",
              "--heartbeat", "1")
    doomed = start_worker(*common, "--seed", "1")
    survivor = start_worker(*common, "--seed", "2")
    try:
        killed_trial = _wait_for_running_trial(url, doomed)
        doomed.send_signal(signal.SIGKILL)  # no chance to clean up: as if its machine were lost
        doomed_out, _ = doomed.communicate(timeout=60)
        survivor_out, survivor_err = survivor.communicate(timeout=600)
    finally:
        for process in (doomed, survivor):
            if process.poll() is None:
                process.kill()
    assert doomed.returncode == -signal.SIGKILL
    assert survivor.returncode == 0, survivor_err
    study = optuna.load_study(study_name="digits", storage=url)
    killed = study.trials[killed_trial]
    assert killed.state == optuna.trial.TrialState.FAIL, f"the killed worker's trial ended {killed.state.name}"
    retried = [t for t in study.trials
               if optuna.storages.RetryHeartbeatStaleTrialCallback.retried_trial_number(t) == killed_trial]
    assert len(retried) == 1 and retried[0].state in FINISHED and retried[0].params == killed.params
    assert_every_trial_recorded_once(study, [doomed_out, survivor_out], target)


def test_worker_errors_on_postgresql_name_the_storage_and_write_nothing(postgres):
    import sqlalchemy

    empty = postgres("empty")
    done = run_worker("--storage", empty, "--study", "digits")
    assert done.returncode == tune_worker.EXIT_STORAGE and f"storage {empty}" in done.stderr
    assert "holds no Optuna studies" in done.stderr and "Traceback" not in done.stderr
    engine = sqlalchemy.create_engine(empty)
    with engine.connect() as connection:
        assert sqlalchemy.inspect(connection).get_table_names() == [], "the worker created tables without --create"
    engine.dispose()

    port = _free_port()  # nothing listens there
    done = run_worker("--storage", f"postgresql://optuna:s3cret@127.0.0.1:{port}/digits", "--study", "digits")
    assert done.returncode == tune_worker.EXIT_STORAGE
    assert f"postgresql://optuna:***@127.0.0.1:{port}/digits" in done.stderr and "s3cret" not in done.stderr
    assert "Connection refused" in done.stderr or "connection failed" in done.stderr, done.stderr

    url = postgres("named")
    assert run_worker("--storage", url, "--study", "digits", "--create", "--n-trials", "0").returncode == 0
    done = run_worker("--storage", url, "--study", "digitz")
    assert done.returncode == tune_worker.EXIT_STORAGE and "no study named 'digitz'" in done.stderr
