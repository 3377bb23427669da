"""Debian's Chromium driven by Playwright: found, skipped with the fix when missing, and launched one way.

Shared by the browser tests (tests/test_browser.py: the explorers in JupyterLab; tests/test_site_browser.py:
the course site). Playwright cannot download its own browser here, so it drives Debian's package.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("DLCOURSE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
INSTALL = "apt-get install chromium (Debian/Ubuntu, as root) and pip install playwright"
# as root Chromium needs --no-sandbox; the rest keep a headless run from reaching out to the network
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def require_chromium() -> None:
    """Skip the calling test (or fixture) with the install command if Playwright or Chromium is missing."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        pytest.skip(f"Playwright is not installed: {INSTALL}")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed: {INSTALL}")


@contextmanager
def launched_chromium() -> Iterator:
    """A headless Chromium browser (Playwright's ``Browser``), closed afterwards."""
    from playwright.sync_api import sync_playwright

    require_chromium()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
