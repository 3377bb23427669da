"""dlcourse: plumbing for the Lesson 3 notebooks (data, budget, seeding, checks, grading).

Importing this package is cheap: it never imports TensorFlow. The lessons themselves
live in the notebooks; this package only carries what every notebook needs.
"""

from dlcourse.budget import budget, is_smoke
from dlcourse.reproducibility import seed_everything

__all__ = ["budget", "is_smoke", "seed_everything", "__version__"]


def _version() -> str:
    """The release, set once in pyproject.toml and read from the installed package's metadata."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dlcourse")
    except PackageNotFoundError:  # imported from a folder without installing it
        return "0+unknown"


__version__ = _version()


def _honour_tqdm_disable() -> None:
    """``TQDM_DISABLE=1`` (the course site's build sets it for its kernels) turns off tqdm's notebook bars too.

    tqdm's notebook bar passes ``disable=False`` itself, so the variable alone leaves it on: on a static
    page its widget cannot be drawn, and its text stand-in is the bar as it began, at 0 %.
    """
    import os

    if os.environ.get("TQDM_DISABLE", "").strip().lower() not in ("1", "true", "yes"):
        return
    try:
        from tqdm.notebook import tqdm_notebook
    except ImportError:  # no tqdm: no bars to turn off
        return
    original = tqdm_notebook.__init__
    if getattr(original, "dlcourse_disabled", False):
        return

    def __init__(self, *args, **kwargs):  # noqa: N807 - tqdm's own method, replaced
        kwargs["disable"] = True
        original(self, *args, **kwargs)

    __init__.dlcourse_disabled = True  # type: ignore[attr-defined]
    tqdm_notebook.__init__ = __init__  # type: ignore[method-assign]


_honour_tqdm_disable()
