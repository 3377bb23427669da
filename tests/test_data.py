"""The CIFAR-10 loader: real data from DLCOURSE_DATA, and every way it can go wrong."""

import hashlib
import io
import tarfile
import urllib.error
from pathlib import Path

import numpy as np
import pytest

from dlcourse import data
from dlcourse.data import CIFAR10_CLASSES, DataUnavailableError, load_cifar10, verify_folder

OFFICIAL_FIRST_LABELS = [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]  # frog, truck, truck, deer, ...


def test_loads_real_cifar10_like_keras(real_data, capsys):
    (x_train, y_train), (x_test, y_test) = load_cifar10()
    assert x_train.dtype == np.uint8 and x_train.shape[1:] == (32, 32, 3)
    assert y_train.dtype == np.uint8 and y_train.shape == (len(x_train), 1)
    assert x_test.shape[1:] == (32, 32, 3) and y_test.shape == (len(x_test), 1)
    assert y_train[:10, 0].tolist() == OFFICIAL_FIRST_LABELS
    assert set(np.unique(y_train)) == set(range(10)) == set(np.unique(y_test))
    assert len(CIFAR10_CLASSES) == 10
    out = capsys.readouterr().out
    assert f"{len(x_train):,} training" in out and "SYNTHETIC" not in out


def test_the_offline_subset_is_recognised_as_such(real_data):
    source = verify_folder(real_data)
    (x_train, _), (x_test, _) = data.read_cifar10(source)
    if "subset" in source.variant:
        assert (len(x_train), len(x_test)) == (5170, 1017)
    else:
        assert (len(x_train), len(x_test)) == (50000, 10000)


def test_images_are_not_scrambled(real_data):
    """Pixels are in the right order: a wrong reshape or transpose breaks the row-to-row correlation."""
    (x_train, _), _ = load_cifar10(real_data, verbose=False)
    image = x_train[0].astype(float)
    assert image.shape == (32, 32, 3)
    # neighbouring pixels of a real photo are correlated; a wrong reshape destroys that
    rows = np.corrcoef(image[:-1].ravel(), image[1:].ravel())[0, 1]
    assert rows > 0.8


def test_accepts_the_batch_folder_itself(real_data):
    (x_a, _), _ = load_cifar10(real_data, verbose=False)
    (x_b, _), _ = load_cifar10(real_data / "cifar-10-batches-py", verbose=False)
    assert np.array_equal(x_a, x_b)


def test_a_damaged_file_is_named_and_never_replaced_by_synthetic_data(data_copy):
    batch = data_copy / "cifar-10-batches-py" / "data_batch_3"
    raw = bytearray(batch.read_bytes())
    raw[5000] ^= 0xFF
    batch.write_bytes(bytes(raw))
    with pytest.raises(DataUnavailableError) as info:
        load_cifar10(data_copy)  # the test suite runs in the smoke budget: still an error
    message = str(info.value)
    assert "data_batch_3" in message and "checksum" in message and "Fix:" in message


def test_a_truncated_file_is_an_error(data_copy):
    batch = data_copy / "cifar-10-batches-py" / "test_batch"
    batch.write_bytes(batch.read_bytes()[:1000])
    with pytest.raises(DataUnavailableError, match="test_batch"):
        load_cifar10(data_copy)


def test_a_missing_file_is_named(data_copy, monkeypatch):
    (data_copy / "cifar-10-batches-py" / "data_batch_5").unlink()
    monkeypatch.setenv("DLCOURSE_DATA", str(data_copy))
    with pytest.raises(DataUnavailableError, match="missing data_batch_5") as info:
        load_cifar10()
    assert "DLCOURSE_DATA" in str(info.value)


def test_env_var_pointing_nowhere_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv("DLCOURSE_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(DataUnavailableError, match="DLCOURSE_DATA"):
        load_cifar10()


def _no_network(*args, **kwargs):
    raise urllib.error.URLError("no network (test)")


def test_nothing_found_in_full_budget_explains_what_was_tried(no_data_env, monkeypatch):
    monkeypatch.setenv("DLCOURSE_BUDGET", "full")
    monkeypatch.setattr(data.urllib.request, "urlopen", _no_network)
    with pytest.raises(DataUnavailableError) as info:
        load_cifar10()
    message = str(info.value)
    for expected in ("DLCOURSE_DATA: not set", str(no_data_env), "no network (test)", "export DLCOURSE_DATA", data.ARCHIVE_NAME):
        assert expected in message


def test_synthetic_stand_in_only_in_smoke_and_loudly(no_data_env, monkeypatch, capsys):
    monkeypatch.setattr(data.urllib.request, "urlopen", _no_network)
    with pytest.warns(UserWarning, match="SYNTHETIC"):
        (x_train, y_train), (x_test, y_test) = load_cifar10()
    captured = capsys.readouterr()
    assert "SYNTHETIC STAND-IN DATA" in captured.out and "MEANINGLESS" in captured.err
    assert x_train.dtype == np.uint8 and x_train.shape[1:] == (32, 32, 3) and y_train.shape == (len(x_train), 1)
    assert len(x_test) > 0


def test_download_false_does_not_touch_the_network(no_data_env, monkeypatch):
    monkeypatch.setenv("DLCOURSE_BUDGET", "full")
    monkeypatch.setattr(data.urllib.request, "urlopen", _no_network)
    with pytest.raises(DataUnavailableError, match="download=False"):
        load_cifar10(download=False)


def _archive_of(batch_dir: Path, target: Path) -> str:
    with tarfile.open(target, "w:gz") as tar:
        for name in data.ALL_FILES:
            tar.add(batch_dir / name, arcname=f"cifar-10-batches-py/{name}")
        evil = tarfile.TarInfo("../evil.txt")  # must never be extracted
        evil.size = 4
        tar.addfile(evil, io.BytesIO(b"evil"))
    return hashlib.md5(target.read_bytes()).hexdigest()


def test_download_verifies_the_archive_and_fills_the_cache(real_data, no_data_env, monkeypatch, tmp_path):
    archive = tmp_path / "served" / "cifar-10-python.tar.gz"
    archive.parent.mkdir()
    monkeypatch.setattr(data, "ARCHIVE_MD5", _archive_of(real_data / "cifar-10-batches-py", archive))
    monkeypatch.setattr(data, "ARCHIVE_URL", archive.as_uri())
    monkeypatch.setattr(data.download_cifar10, "__defaults__", None)
    monkeypatch.setattr(data.download_cifar10, "__kwdefaults__", {"url": archive.as_uri(), "timeout": 5.0})
    (x_train, _), _ = load_cifar10()
    assert len(x_train) > 0
    assert (no_data_env / "cifar-10-batches-py" / "data_batch_1").is_file()
    assert not (no_data_env.parent / "evil.txt").exists() and not (no_data_env / "evil.txt").exists()
    # the second load uses the cache: no network needed
    monkeypatch.setattr(data.urllib.request, "urlopen", _no_network)
    (x_again, _), _ = load_cifar10()
    assert np.array_equal(x_train, x_again)


def test_a_damaged_download_is_refused(real_data, no_data_env, monkeypatch, tmp_path):
    archive = tmp_path / "cifar-10-python.tar.gz"
    _archive_of(real_data / "cifar-10-batches-py", archive)  # its MD5 is not the official one
    with pytest.raises(DataUnavailableError, match="expected c58f"):
        data.download_cifar10(no_data_env, url=archive.as_uri())
    assert not (no_data_env / data.ARCHIVE_NAME).exists()


def test_a_damaged_cache_says_to_delete_it(data_copy, monkeypatch):
    monkeypatch.delenv("DLCOURSE_DATA", raising=False)
    monkeypatch.setenv("DLCOURSE_CACHE", str(data_copy))
    (data_copy / "cifar-10-batches-py" / "batches.meta").write_bytes(b"junk")
    with pytest.raises(DataUnavailableError, match="delete the folder"):
        load_cifar10()


def test_a_damaged_cache_is_never_replaced_by_synthetic_data(data_copy, monkeypatch):
    monkeypatch.setenv("DLCOURSE_BUDGET", "smoke")
    monkeypatch.delenv("DLCOURSE_DATA", raising=False)
    monkeypatch.setenv("DLCOURSE_CACHE", str(data_copy))
    (data_copy / "cifar-10-batches-py" / "data_batch_1").write_bytes(b"junk")
    with pytest.raises(DataUnavailableError, match="data_batch_1"):
        load_cifar10()
