"""CPU sizing of the notebooks that train on CIFAR-10 (issue 13).

A student whose loader downloaded all 50,000 training images must still get a run of
minutes on a CPU: without a GPU the full budget trains on a stated number of images
(``dlcourse.data.CPU_TRAINING_IMAGES``), with a GPU on every image. Tested on a
50,000-image folder in the loader's own format, made in a temporary directory from the
real subset's images repeated, and admitted by the loader's checksum test as a variant.
"""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pytest

from dlcourse import data
from dlcourse.data import BATCH_FOLDER, CPU_TRAINING_IMAGES, TRAIN_FILES, load_cifar10, training_size

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
    """DLCOURSE_DATA names the 50,000-image folder, whose checksums the loader accepts."""
    monkeypatch.setitem(data.KNOWN_MD5, "test: the subset repeated to 50,000 images", dict(full_size_sums))
    monkeypatch.setenv(data.DATA_ENV, str(full_size_folder))
    return full_size_folder


def test_the_folder_really_holds_50000_training_images(full_size_data):
    (x_train, y_train), _ = load_cifar10(verbose=False)
    assert x_train.shape == (FULL_SIZE, 32, 32, 3) and len(y_train) == FULL_SIZE


def test_cpu_gets_the_stated_number_and_a_gpu_everything(capsys):
    assert training_size(gpu=False) == CPU_TRAINING_IMAGES == 5_000
    assert "No GPU: training on 5,000 images" in capsys.readouterr().out
    assert training_size(gpu=True) is None
    assert "GPU is available" in capsys.readouterr().out
    assert training_size(20_000, gpu=False) == 20_000  # the student asked for more
    assert training_size(None, gpu=False) is None  # ... or for everything
    assert "hours" in capsys.readouterr().out


def test_the_expected_time_is_printed_and_scaled_to_the_request(capsys):
    training_size(gpu=False, minutes_on_cpu=7)
    assert "about 7 minutes" in capsys.readouterr().out
    training_size(10_000, gpu=False, minutes_on_cpu=7)
    assert "5,000" in capsys.readouterr().out  # the measured time is given for the size it was measured at


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
    monkeypatch.setattr(data, "gpu_available", lambda: False)
    namespace = run_until_loaded(ROOT / notebook)
    out = capsys.readouterr().out
    assert "50,000 training" in out  # the loader did give the full size
    assert len(namespace[NOTEBOOKS[notebook]]) == CPU_TRAINING_IMAGES
    assert "No GPU: training on 5,000 images" in out and "minute" in out  # and the time to expect


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_full_budget_with_a_gpu_trains_on_everything(notebook, full_size_data, monkeypatch, capsys):
    monkeypatch.setenv("DLCOURSE_BUDGET", "full")
    monkeypatch.setattr(data, "gpu_available", lambda: True)
    namespace = run_until_loaded(ROOT / notebook)
    assert len(namespace[NOTEBOOKS[notebook]]) == FULL_SIZE
