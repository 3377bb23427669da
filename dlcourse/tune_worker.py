"""A worker process for lesson 10: run trials of one Optuna study kept in a shared storage.

Start as many as you like, on one machine or many; they share the study through its storage:

    # once: create the study (nothing is trained)
    python -m dlcourse.tune_worker --storage journal:runs/10_optuna/digits.journal --study digits --create --n-trials 0
    # then, in each terminal / on each machine:
    python -m dlcourse.tune_worker --storage journal:runs/10_optuna/digits.journal --study digits --n-trials 20

``--storage`` is either ``journal:PATH`` (Optuna's journal file, no server: for workers that
all see the same file, i.e. processes on one machine, or machines that share it on a network
file system such as NFS, which its lock file is made for) or a database URL that SQLAlchemy
understands: ``sqlite:///PATH`` (best for one process: SQLite lets one writer at a time change
the database; a concurrent worker waits for the lock and fails with "database is locked" only
when its busy timeout, 5 seconds by default, runs out) or
``postgresql://USER:PASSWORD@HOST:PORT/DB`` (any number of workers on any number of machines,
no shared file system needed). ``--n-trials`` is the study's target: each worker stops once
the study holds at least that many finished (complete or pruned) trials, whoever ran them;
with several workers it can hold a few more, as the others finish the trials they are running.

With a database URL each running trial sends a heartbeat; a trial whose worker died (killed,
machine lost) is marked FAIL by the next worker that asks for a trial, and run once more
with the same parameters (Optuna's RetryHeartbeatStaleTrialCallback).

A wrong URL, an unreachable database or a study that does not exist ends the worker with a
message naming the storage (password hidden) and exit status 2; nothing is written then.

The objective, :func:`digits_objective`, and its define-by-run space, :func:`build_digits_net`,
are the ones lesson 10 shows in full (a test checks that they are this code).
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import warnings
from pathlib import Path

JOURNAL_PREFIX = "journal:"
EXIT_STORAGE = 2


class StorageError(RuntimeError):
    """The storage cannot be used: the message names it (password hidden) and says why."""


# --------------------------------------------------------------------------- the objective


def digits_splits(seed: int = 42):
    """Lesson 06's split of the 8x8 digits: (x_train, y_train, x_val, y_val); the test set is left out."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x_dev, _, y_dev, _ = train_test_split(x / 16.0, y, test_size=0.2, stratify=y, random_state=seed)
    x_train, x_val, y_train, y_val = train_test_split(x_dev, y_dev, test_size=0.25, stratify=y_dev, random_state=seed)
    return x_train, y_train, x_val, y_val


def build_digits_net(trial):
    """A digits network whose shape and training are asked from `trial` (a conditional space)."""
    import keras

    n_layers = trial.suggest_int("n_layers", 1, 3)
    model = keras.Sequential([keras.Input((64,))])
    for i in range(n_layers):  # units_1 is only asked when there are two layers or more
        model.add(keras.layers.Dense(trial.suggest_int(f"units_{i}", 16, 128, log=True), activation="relu"))
    model.add(keras.layers.Dropout(trial.suggest_float("dropout", 0.0, 0.5)))
    model.add(keras.layers.Dense(10, activation="softmax"))
    learning_rate = trial.suggest_float("learning_rate", 1e-4, 1e-1, log=True)
    optimizer = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD}[trial.suggest_categorical("optimizer", ["adam", "sgd"])]
    model.compile(optimizer=optimizer(learning_rate), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def digits_objective(trial, data, epochs):
    """Train one trial's network; report each epoch's validation accuracy; return the last one."""
    from optuna_integration import KerasPruningCallback

    x_train, y_train, x_val, y_val = data
    model = build_digits_net(trial)
    history = model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs, batch_size=32, verbose=0,
                        callbacks=[KerasPruningCallback(trial, "val_accuracy")])  # reports, and stops if pruned
    return history.history["val_accuracy"][-1]


# --------------------------------------------------------------------------- storage


def describe_storage(spec: str) -> str:
    """The storage as a person may read it: a database URL with its password hidden."""
    if spec.startswith(JOURNAL_PREFIX):
        return spec
    try:
        from sqlalchemy.engine import make_url

        return make_url(spec).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not a URL at all: show only its scheme, it may hold a secret
        return spec.split("://", 1)[0] + "://…" if "://" in spec else "(not a storage URL)"


def open_storage(spec: str, *, create: bool = False, heartbeat: int | None = 10):
    """The Optuna storage for ``spec`` (see the module docstring); StorageError if it is unusable.

    Without ``create``, nothing is created: a missing journal or SQLite file, or a database
    without Optuna's tables, is an error, not a new empty storage.
    """
    import optuna
    import sqlalchemy.exc

    shown = describe_storage(spec)
    if spec.startswith(JOURNAL_PREFIX):
        path = Path(spec[len(JOURNAL_PREFIX):]).expanduser()
        if not create and not path.is_file():
            raise StorageError(f"storage {shown}: the journal file {path} does not exist (create the study first with --create)")
        path.parent.mkdir(parents=True, exist_ok=True)
        from optuna.storages.journal import JournalFileBackend

        return optuna.storages.JournalStorage(JournalFileBackend(str(path)))
    if "://" not in spec:
        raise StorageError(f"storage {shown}: not a storage; give journal:PATH, sqlite:///PATH or "
                           "postgresql://USER:PASSWORD@HOST:PORT/DATABASE")
    try:
        from sqlalchemy.engine import make_url

        url = make_url(spec)
    except (sqlalchemy.exc.ArgumentError, ValueError) as exc:
        raise StorageError(f"storage {shown}: not a valid database URL ({exc})") from None
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") and not create \
            and not Path(url.database).is_file():
        raise StorageError(f"storage {shown}: the SQLite file {url.database} does not exist (create the study first with --create)")
    engine_kwargs = {"connect_args": {"connect_timeout": 10}} if url.get_backend_name() == "postgresql" else {}
    try:
        with warnings.catch_warnings():  # the heartbeat is marked experimental; we rely on it knowingly
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            retry = optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=1) if heartbeat else None
            return optuna.storages.RDBStorage(spec, engine_kwargs=engine_kwargs, skip_table_creation=not create,
                                              heartbeat_interval=heartbeat, heartbeat_stale_trial_callback=retry)
    except ImportError as exc:
        raise StorageError(f"storage {shown}: the database driver for {url.drivername} is not installed "
                           f"({exc.__cause__ or exc}); pip install -r requirements.txt") from None
    except (sqlalchemy.exc.SQLAlchemyError, optuna.exceptions.StorageInternalError) as exc:
        reason = _reason(exc)
        if not create and ("UndefinedTable" in reason or "no such table" in reason):
            raise StorageError(f"storage {shown}: the database holds no Optuna studies ({reason}); "
                               "create the study once with --create") from None
        raise StorageError(f"storage {shown}: cannot use the database ({reason})") from None


def _reason(exc: BaseException) -> str:
    """The root cause's first line (the driver's own words, e.g. 'Connection refused')."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    lines = str(exc).strip().splitlines() or [""]
    return f"{type(exc).__name__}: {lines[0]}"


def load_study(spec: str, name: str, *, create: bool = False, sampler=None, pruner=None, heartbeat: int | None = 10):
    """The study ``name`` in storage ``spec`` (created with ``create``); StorageError otherwise."""
    import optuna
    import sqlalchemy.exc

    storage = open_storage(spec, create=create, heartbeat=heartbeat)
    shown = describe_storage(spec)
    try:
        if create:
            return optuna.create_study(storage=storage, study_name=name, direction="maximize", sampler=sampler,
                                       pruner=pruner, load_if_exists=True)
        return optuna.load_study(storage=storage, study_name=name, sampler=sampler, pruner=pruner)
    except KeyError:
        names = [s.study_name for s in optuna.get_all_study_summaries(storage, include_best_trial=False)]
        raise StorageError(f"storage {shown}: no study named {name!r} (studies there: {names or 'none'}); "
                           "create it once with --create") from None
    except (sqlalchemy.exc.SQLAlchemyError, optuna.exceptions.StorageInternalError) as exc:
        raise StorageError(f"storage {shown}: the database holds no Optuna studies or cannot be read "
                           f"({_reason(exc)}); create the study once with --create") from None


# --------------------------------------------------------------------------- the worker


def limit_tensorflow_threads(threads: int = 1) -> None:
    """One TensorFlow thread pool of ``threads``, so workers on one machine do not fight over its cores."""
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)


def make_pruner(name: str, epochs: int):
    import optuna

    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1)
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=1, max_resource=epochs, reduction_factor=3)
    return optuna.pruners.NopPruner()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dlcourse.tune_worker", description=__doc__.split("\n")[0])
    parser.add_argument("--storage", required=True, help="journal:PATH, sqlite:///PATH or postgresql://USER:PASSWORD@HOST:PORT/DB")
    parser.add_argument("--study", required=True, help="the study's name")
    parser.add_argument("--n-trials", type=int, default=20, help="stop when the study holds at least this many finished trials")
    parser.add_argument("--epochs", type=int, default=9, help="epochs of each trial (the pruning steps)")
    parser.add_argument("--pruner", choices=["median", "hyperband", "none"], default="median")
    parser.add_argument("--seed", type=int, default=None, help="sampler seed; give each worker a different one (or none)")
    parser.add_argument("--create", action="store_true", help="create the study (and the storage) if missing")
    parser.add_argument("--heartbeat", type=int, default=10, help="seconds between a running trial's heartbeats (database URLs)")
    parser.add_argument("--threads", type=int, default=1, help="TensorFlow threads of this worker")
    args = parser.parse_args(argv)

    import optuna

    worker = f"{socket.gethostname()}:{os.getpid()}"
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sampler = optuna.samplers.TPESampler(seed=args.seed)
    try:
        study = load_study(args.storage, args.study, create=args.create, sampler=sampler,
                           pruner=make_pruner(args.pruner, args.epochs), heartbeat=args.heartbeat or None)
    except StorageError as problem:
        print(f"tune_worker: {problem}", file=sys.stderr)
        return EXIT_STORAGE
    finished = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
    if args.n_trials <= 0 or len(study.get_trials(deepcopy=False, states=finished)) >= args.n_trials:
        why = "--n-trials 0 asks for none" if args.n_trials <= 0 else f"the target of {args.n_trials} is reached"
        print(f"worker {worker}: study {args.study!r} {'is ready' if args.create else 'found'} in "
              f"{describe_storage(args.storage)} with {len(study.trials)} trials; no trial to run ({why})", flush=True)
        return 0

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    limit_tensorflow_threads(args.threads)
    data = digits_splits()

    def objective(trial):
        trial.set_user_attr("worker", worker)
        return digits_objective(trial, data, args.epochs)

    def report(study, trial):
        print(f"worker {worker}: trial {trial.number} {trial.state.name} value={trial.value}", flush=True)

    print(f"worker {worker}: joined study {args.study!r} in {describe_storage(args.storage)}", flush=True)
    study.optimize(objective, callbacks=[optuna.study.MaxTrialsCallback(args.n_trials, states=finished), report],
                   gc_after_trial=True)
    best = study.best_trial
    print(f"worker {worker}: done; the study's best is trial {best.number} with {best.value:.4f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
