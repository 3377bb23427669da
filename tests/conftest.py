"""Fixtures for the unit tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def real_data() -> Path:
    """The folder of real CIFAR-10 batches named by DLCOURSE_DATA (CI sets it)."""
    named = os.environ.get("DLCOURSE_DATA")
    if not named:
        pytest.skip("DLCOURSE_DATA is not set: point it at a folder containing cifar-10-batches-py/")
    return Path(named)


@pytest.fixture
def data_copy(real_data: Path, tmp_path: Path) -> Path:
    """A private copy of the real batches that a test may damage."""
    target = tmp_path / "data"
    shutil.copytree(real_data / "cifar-10-batches-py", target / "cifar-10-batches-py")
    return target


@pytest.fixture
def no_data_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No DLCOURSE_DATA and an empty private cache: the loader must look elsewhere."""
    monkeypatch.delenv("DLCOURSE_DATA", raising=False)
    cache = tmp_path / "cache"
    monkeypatch.setenv("DLCOURSE_CACHE", str(cache))
    return cache
