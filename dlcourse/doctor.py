"""``dlcourse doctor``: is this machine ready for the course? Each line ✓ or ✗ with the fix."""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass
from importlib import metadata

from dlcourse import colab
from dlcourse.budget import BUDGET_ENV, BudgetError, budget

# Package name -> lowest version the course supports; mirrors requirements.txt.
REQUIRED = {
    "tensorflow": "2.16", "keras": "3.3", "scikit-learn": "1.6", "scikit-optimize": "0.10.2",
    "scikeras": "0.13", "keras-tuner": "1.4.7", "tensorboard": "2.16", "numpy": "1.26",
    "pandas": "2.1", "matplotlib": "3.8", "jupyterlab": "4.0", "ipywidgets": "8.0",
    "ipykernel": "6.29", "nbval": "0.11", "nbclient": "0.10", "nbformat": "5.9",
    "pytest": "8.0", "pytest-xdist": "3.5", "tqdm": "4.66", "packaging": "23.0", "psutil": "5.9",
    "playwright": "1.40",
    "optuna": "5.0", "optuna-integration": "5.0", "optuna-dashboard": "0.21", "mlflow": "3.13", "hyperopt": "0.3",
    "cmaes": "0.13", "psycopg": "3.3", "psycopg-binary": "3.3",
}
# Only needed to develop or test the course, not to study it in Colab.
DEV_ONLY = {"jupyterlab", "nbval", "pytest", "pytest-xdist", "playwright"}
# Not installed by the Colab setup cell: only for a study kept in PostgreSQL (lesson 10, section 7).
POSTGRES_ONLY = {"psycopg", "psycopg-binary"}
PYTHON_RANGE = ((3, 10), (3, 13))
INSTALL_FIX = "pip install -r requirements.txt (in the course folder, inside your virtual environment)"


@dataclass(frozen=True)
class Line:
    ok: bool
    label: str
    detail: str
    fix: str = ""

    def __str__(self) -> str:
        text = f"{'✓' if self.ok else '✗'} {self.label}: {self.detail}"
        return text + (f"\n    fix: {self.fix}" if not self.ok and self.fix else "")


def in_colab() -> bool:
    return "google.colab" in sys.modules


def check_python() -> Line:
    low, high = PYTHON_RANGE
    ok = low <= sys.version_info[:2] <= high
    return Line(ok, "Python", f"{platform.python_version()} (supported {low[0]}.{low[1]}-{high[0]}.{high[1]})",
                "create the virtual environment with a supported Python, e.g. python3.12 -m venv .venv")


def check_package(name: str, minimum: str) -> Line:
    from packaging.version import Version

    try:
        found = metadata.version(name)
    except metadata.PackageNotFoundError:
        if in_colab() and name in POSTGRES_ONLY:
            return Line(True, name, "not installed (only needed for a study kept in PostgreSQL)")
        optional = in_colab() and name in DEV_ONLY
        return Line(optional, name, "not installed" + (" (only needed for the tests)" if optional else ""), INSTALL_FIX)
    if Version(found) >= Version(minimum) or (in_colab() and name in colab.RUNTIME):
        return Line(True, name, f"{found} (needs >= {minimum})")
    return Line(False, name, f"{found} is older than {minimum}", INSTALL_FIX)


def check_budget() -> Line:
    try:
        value = budget()
    except BudgetError as problem:
        return Line(False, "budget", str(problem), f"export {BUDGET_ENV}=full  (or smoke)")
    meaning = "tiny sizes for tests: numbers are not meaningful" if value == "smoke" else "the real lesson sizes"
    return Line(True, "budget", f"{value} ({meaning}; set by {BUDGET_ENV})")


def check_data() -> Line:
    from dlcourse.data import DATA_ENV, DataUnavailableError, _batch_dir, default_cache_dir, verify_folder

    named = os.environ.get(DATA_ENV)
    if named:
        try:
            source = verify_folder(named)
        except DataUnavailableError as problem:
            return Line(False, "CIFAR-10 data", f"{DATA_ENV}={named}: {problem}",
                        f"point {DATA_ENV} at a folder containing cifar-10-batches-py/, or unset it")
        return Line(True, "CIFAR-10 data", f"{source.variant} in {source.batch_dir} (from {DATA_ENV})")
    cache = default_cache_dir()
    if _batch_dir(cache).exists():
        try:
            source = verify_folder(cache)
        except DataUnavailableError as problem:
            return Line(False, "CIFAR-10 data", f"cache damaged: {problem}", f"delete {_batch_dir(cache)} and load again")
        return Line(True, "CIFAR-10 data", f"{source.variant}, cached in {source.batch_dir}")
    return Line(True, "CIFAR-10 data", f"not downloaded yet: the first load_cifar10() fetches it (163 MB) into {cache}")


def check_devices() -> Line:
    from dlcourse.reproducibility import without_no_gpu_noise

    try:
        with without_no_gpu_noise():
            import tensorflow as tf

            gpus = tf.config.list_physical_devices("GPU")
    except Exception as exc:  # noqa: BLE001 - a broken TF install is what we report
        return Line(False, "TensorFlow devices", f"TensorFlow does not import ({type(exc).__name__}: {exc})", INSTALL_FIX)
    cpus = os.cpu_count() or 1
    if gpus:
        return Line(True, "TensorFlow devices", f"{len(gpus)} GPU(s) and {cpus} CPU cores")
    return Line(True, "TensorFlow devices", f"CPU only, {cpus} cores (every notebook is sized to run on a CPU)")


def check_scikeras() -> Line:
    try:
        from sklearn.base import is_classifier

        from dlcourse.keras_sklearn import KerasClassifier
    except Exception as exc:  # noqa: BLE001
        return Line(False, "Keras in scikit-learn", f"{type(exc).__name__}: {exc}", INSTALL_FIX)
    ok = is_classifier(KerasClassifier(model=None))
    return Line(ok, "Keras in scikit-learn", "scikit-learn sees the course's KerasClassifier as a classifier" if ok
                else "the scikeras shim does not work with this scikit-learn", "report this to the course maintainers")


def report(*, devices: bool = True) -> list[Line]:
    """Run every check; print and return the lines (the first names the course's release)."""
    from dlcourse import __version__

    lines = [Line(True, "dlcourse", f"{__version__} (the course's release, as in CHANGELOG.md)"), check_python()]
    lines += [check_package(name, minimum) for name, minimum in REQUIRED.items()]
    lines += [check_budget(), check_data(), check_scikeras()]
    if devices:
        lines.append(check_devices())
    lines.append(Line(True, "Google Colab", "yes" if in_colab() else "no (running locally)"))
    for line in lines:
        print(line)
    failed = sum(not line.ok for line in lines)
    print(f"\n{len(lines) - failed} checks passed, {failed} need attention." if failed else f"\nAll {len(lines)} checks passed.")
    return lines
