"""Code that a lesson shows in full and a benchmark imports must be the same code."""

import inspect
from pathlib import Path

import nbformat
import pytest

from dlcourse import cifar_project, tuning

ROOT = Path(__file__).resolve().parents[1]
SHOWN = [
    ("lessons/06_hyperband_and_experiment_tracking.ipynb", tuning.build_digits_model),
    ("lessons/06_hyperband_and_experiment_tracking.ipynb", tuning.digits_network),
    ("lessons/06_hyperband_and_experiment_tracking.ipynb", tuning.trial_epochs),
    ("lessons/09_cifar10_project.ipynb", cifar_project.build_lesson_cnn),
    ("lessons/09_cifar10_project.ipynb", cifar_project.conv_block),
    ("lessons/09_cifar10_project.ipynb", cifar_project.build_improved_cnn),
    ("lessons/09_cifar10_project.ipynb", cifar_project.compile_improved),
    ("lessons/09_cifar10_project.ipynb", cifar_project.predict_with_flips),
]


def notebook_code(path: Path) -> str:
    return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")


def shows(code: str, function) -> bool:
    return inspect.getsource(function).strip() in code


@pytest.mark.parametrize("notebook, function", SHOWN, ids=lambda x: getattr(x, "__name__", str(x).split("/")[-1]))
def test_the_lesson_shows_the_module_code_verbatim(notebook, function):
    assert shows(notebook_code(ROOT / notebook), function), (
        f"{notebook} no longer shows {function.__module__}.{function.__name__} as it is; "
        "copy the function into the notebook (or the notebook's version into the module)")


def test_an_edited_copy_in_the_notebook_is_noticed():
    code = notebook_code(ROOT / "lessons/09_cifar10_project.ipynb")
    assert shows(code, cifar_project.build_lesson_cnn)
    edited = code.replace("keras.layers.Dense(64, activation=\"relu\"),", "keras.layers.Dense(128, activation=\"relu\"),")
    assert edited != code and not shows(edited, cifar_project.build_lesson_cnn)


def test_the_cifar_benchmark_trains_as_long_as_lesson_09():
    """benchmarks/cifar_subset.py measures the improved model with lesson 09's training budget (minutes) and batch."""
    import importlib.util
    import re

    spec = importlib.util.spec_from_file_location("cifar_subset", ROOT / "benchmarks" / "cifar_subset.py")
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    code = notebook_code(ROOT / "lessons/09_cifar10_project.ipynb")
    minutes = re.search(r"^TRAIN_MINUTES = ([\d.]+)\b", code, re.MULTILINE)
    batch = re.search(r"^IMPROVED_BATCH = (\d+)\b", code, re.MULTILINE)
    assert minutes and batch, "lesson 09's setup no longer sets TRAIN_MINUTES and IMPROVED_BATCH as expected"
    assert (benchmark.TRAIN_MINUTES, benchmark.BATCH) == (float(minutes[1]), int(batch[1]))
