"""CPU sizing of the notebooks that train on CIFAR-10 (issue 13).

A student whose loader downloaded all 50,000 training images must still get a run of
minutes on a CPU: without a GPU the full budget trains on a stated number of images
(``dlcourse.budget.CPU_TRAINING_IMAGES``), with a GPU on every image, and the epochs are
chosen from a budget in minutes (tests/test_budget.py, with a fake clock). Tested on a
50,000-image folder in the loader's own format, made in a temporary directory from the
real subset's images repeated, and admitted by the loader's checksum test as a variant.
"""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import importlib

import nbformat
import numpy as np
import pytest

from dlcourse import data
from dlcourse.budget import CPU_TRAINING_IMAGES
from dlcourse.data import BATCH_FOLDER, TRAIN_FILES, load_cifar10

budget = importlib.import_module("dlcourse.budget")  # the module (``dlcourse.budget`` is also a function)

ROOT = Path(__file__).resolve().parents[1]
FULL_SIZE = 50_000
# each notebook that trains on CIFAR-10, and the name of its array of training images
NOTEBOOKS = {
    "lessons/08_augmentation_schedules_early_stopping.ipynb": "x_train_all",
    "lessons/09_cifar10_project.ipynb": "x_train",
    "solutions/09_cifar10_project.ipynb": "x_train",
    "exercises/09_cifar10_project.ipynb": "x_train",
}


@pytest.fixture(scope="module")
def full_size_folder(tmp_path_factory) -> Path:
    """Five data_batch files of 10,000 images each, as in the official archive."""
    import os

    named = os.environ.get(data.DATA_ENV)
    if not named:
        pytest.skip("DLCOURSE_DATA is not set: the 50,000-image folder is made from the real subset")
    real = data._batch_dir(Path(named))
    (x, y), _ = load_cifar10(named, verbose=False)
    rows = x.transpose(0, 3, 1, 2).reshape(len(x), -1)  # back to the archive's channel-first rows
    repeats = int(np.ceil(FULL_SIZE / len(x)))
    rows, labels = np.tile(rows, (repeats, 1))[:FULL_SIZE], np.tile(y.ravel(), repeats)[:FULL_SIZE]
    target = tmp_path_factory.mktemp("cifar50k") / BATCH_FOLDER
    target.mkdir()
    for i, name in enumerate(TRAIN_FILES):
        part = slice(i * 10_000, (i + 1) * 10_000)
        batch = {b"batch_label": name.encode(), b"labels": labels[part].tolist(), b"data": rows[part],
                 b"filenames": [f"{j}.png".encode() for j in range(part.start, part.stop)]}
        with open(target / name, "wb") as handle:
            pickle.dump(batch, handle)
    for name in (data.META_FILE, data.TEST_FILE):
        shutil.copy(real / name, target / name)
    return target.parent


@pytest.fixture(scope="module")
def full_size_sums(full_size_folder) -> dict[str, str]:
    """The checksums of the 50,000-image folder's files (computed once: no test changes them)."""
    return {name: data.md5_of(full_size_folder / BATCH_FOLDER / name) for name in data.ALL_FILES}


@pytest.fixture
def full_size_data(full_size_folder, full_size_sums, monkeypatch) -> Path:
    """DLCOURSE_DATA names the 50,000-image folder, whose checksums the loader accepts. The loader still checks
    every file each time; the sum of a file of this folder is read from ``full_size_sums``, computed once (no test
    changes the files), instead of hashing its 180 MB again in each of the 17 tests."""
    monkeypatch.setitem(data.KNOWN_MD5, "test: the subset repeated to 50,000 images", dict(full_size_sums))
    monkeypatch.setenv(data.DATA_ENV, str(full_size_folder))
    hashed = data.md5_of
    ours = {full_size_folder / BATCH_FOLDER / name: digest for name, digest in full_size_sums.items()}
    monkeypatch.setattr(data, "md5_of", lambda path, *args, **kwargs: ours.get(Path(path)) or hashed(path, *args, **kwargs))
    return full_size_folder


def test_the_folder_really_holds_50000_training_images(full_size_data):
    (x_train, y_train), _ = load_cifar10(verbose=False)
    assert x_train.shape == (FULL_SIZE, 32, 32, 3) and len(y_train) == FULL_SIZE


def run_until_loaded(path: Path) -> dict:
    """Run a notebook's code cells in this process up to the one that loads CIFAR-10."""
    namespace: dict = {"__name__": "__main__"}
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        exec(compile(cell.source, f"{path.name} cell", "exec"), namespace)  # noqa: S102 (our own notebook)
        if "load_cifar10()" in cell.source:
            return namespace
    raise AssertionError(f"{path} never calls load_cifar10()")


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_full_budget_on_a_cpu_trains_on_the_stated_number(notebook, full_size_data, monkeypatch, capsys):
    monkeypatch.setenv("DLCOURSE_BUDGET", "full")
    monkeypatch.setattr(budget, "gpu_available", lambda: False)
    namespace = run_until_loaded(ROOT / notebook)
    out = capsys.readouterr().out
    assert "50,000 training" in out  # the loader did give the full size
    assert len(namespace[NOTEBOOKS[notebook]]) == CPU_TRAINING_IMAGES
    assert "No GPU: training on 5,000 images" in out


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_full_budget_with_a_gpu_trains_on_everything(notebook, full_size_data, monkeypatch, capsys):
    monkeypatch.setenv("DLCOURSE_BUDGET", "full")
    monkeypatch.setattr(budget, "gpu_available", lambda: True)
    namespace = run_until_loaded(ROOT / notebook)
    assert len(namespace[NOTEBOOKS[notebook]]) == FULL_SIZE


# Full budget up to the cell that chooses the epochs, with the timing replaced by a fake that is
# proportional to the images (no training is timed): the epochs chosen must fit the notebook's
# TRAIN_MINUTES, also with a GPU on all 50,000 images, and the expected time must be printed.
PLAN_CELLS = {  # notebook: (a text of the cell that plans, the variable of the chosen epochs)
    "lessons/08_augmentation_schedules_early_stopping.ipynb": ("plan_epochs(", "EPOCHS"),
    "lessons/09_cifar10_project.ipynb": ("plan_epochs(", "IMPROVED_EPOCHS"),
    "solutions/09_cifar10_project.ipynb": ("print_expected_time(", None),
    "exercises/09_cifar10_project.ipynb": ("print_expected_time(", None),
}


def fake_timing(x, *args, **kwargs) -> budget.EpochTiming:
    """2 ms per training image and 5 s of set-up, whatever the model: the arithmetic, not the machine."""
    return budget.EpochTiming(seconds_per_epoch=0.002 * len(x), setup_seconds=5.0, images=len(x))


def run_until(path: Path, marker: str) -> dict:
    """Run a notebook's code cells in this process up to and including the first that contains ``marker``."""
    namespace: dict = {"__name__": "__main__"}
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        exec(compile(cell.source, f"{path.name} cell", "exec"), namespace)  # noqa: S102 (our own notebook)
        if marker in cell.source:
            return namespace
    raise AssertionError(f"{path} has no cell with {marker}")


@pytest.mark.parametrize("gpu", [False, True], ids=["cpu", "gpu"])
@pytest.mark.parametrize("notebook", PLAN_CELLS)
def test_full_budget_chooses_epochs_that_fit_and_prints_the_expected_time(notebook, gpu, full_size_data, monkeypatch,
                                                                          capsys):
    import matplotlib

    from dlcourse import cifar_project

    matplotlib.use("Agg")
    monkeypatch.setenv("DLCOURSE_BUDGET", "full")
    monkeypatch.setattr(budget, "gpu_available", lambda: gpu)
    monkeypatch.setattr(budget, "time_epoch", lambda model, x, y, **kwargs: fake_timing(x))
    monkeypatch.setattr(cifar_project, "time_improved_epoch", lambda x, y, batch, **kwargs: fake_timing(x))
    monkeypatch.setattr(cifar_project, "time_lesson_cnn_epoch", lambda x, y, batch, **kwargs: fake_timing(x))
    marker, epochs_name = PLAN_CELLS[notebook]
    namespace = run_until(ROOT / notebook, marker)
    out = capsys.readouterr().out
    assert "Expected on this machine: about" in out
    if epochs_name is None:
        return
    images = FULL_SIZE if gpu else CPU_TRAINING_IMAGES
    assert f"of {images * 4 // 5 if 'lessons/08' in notebook else images:,} images here" in out
    epochs, minutes = namespace[epochs_name], namespace["TRAIN_MINUTES"]
    timing = fake_timing(range(images * 4 // 5 if "lessons/08" in notebook else images))
    assert epochs >= 1 and timing.training_seconds(epochs) <= minutes * 60 < timing.training_seconds(epochs + 1)
    if "lessons/09" in notebook:  # its training re-plans from its first epochs and prints the number then
        assert f"→ {epochs} epochs in {minutes:g} minutes" in out and "chooses again from their real time" in out
    else:
        assert f"{epochs_name} = {epochs}" in out  # how to rerun exactly this
