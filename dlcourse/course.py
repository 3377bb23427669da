"""Facts about the course repository, set in one place.

``REPOSITORY`` is the GitHub ``owner/name`` the course is published under; every
"Open in Colab" badge is built from it, and the notebook format test checks each
badge against it. Change it here (and re-run ``dlcourse badges``) for a fork.
"""

from __future__ import annotations

from pathlib import Path

REPOSITORY = "dlcourse/dlcourse"
BRANCH = "main"
NOTEBOOK_FOLDERS = ("lessons", "exercises", "solutions")

BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"


def package_dir() -> Path:
    return Path(__file__).resolve().parent


def repo_root() -> Path | None:
    """The course checkout this package lives in, or None (e.g. installed in Colab)."""
    root = package_dir().parent
    return root if (root / "lessons").is_dir() and (root / "datasets").is_dir() else None


def colab_url(relative_path: str) -> str:
    """The Colab address of a notebook given its path inside the repository."""
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/{relative_path}"


def colab_badge(relative_path: str) -> str:
    """Markdown for the "Open in Colab" badge of the notebook at ``relative_path``."""
    return f"[![Open In Colab]({BADGE_IMAGE})]({colab_url(relative_path)})"


def pip_source() -> str:
    """What Colab's setup cell pip-installs to get this helper package: the notebook's own release, never the
    moving main branch (so that a semester pinned to a release keeps its notebooks and its grader together)."""
    return release_pip_source()


def release_tag(version: str | None = None) -> str:
    """The git tag of a release, ``v<version>`` (default: this package's version)."""
    if version is None:
        from dlcourse import __version__ as version
    return f"v{version}"


RELEASE_PIP_PREFIX = f"git+https://github.com/{REPOSITORY}@"  # followed by a release's tag


def release_pip_source(version: str | None = None) -> str:
    """What Colab's setup cell pip-installs to get the helper package of the notebook's own release."""
    return f"{RELEASE_PIP_PREFIX}{release_tag(version)}"


def github_url(relative_path: str) -> str:
    """The GitHub page of a file given its path inside the repository (on ``BRANCH``)."""
    return f"https://github.com/{REPOSITORY}/blob/{BRANCH}/{relative_path}"
