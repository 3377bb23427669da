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
