"""One module per notebook, each with a ``QUESTIONS`` list, registered in :data:`MODULES`.

These are the only place a notebook's questions are defined: ids, points, public
cases (shown by ``check``), how hidden cases are drawn for grading, and how a value
question's facts are read and decided.
"""

from __future__ import annotations

MODULES: dict[str, str] = {
    "00_start_here": "dlcourse.questions.nb00_start_here",
    "01_classification_metrics": "dlcourse.questions.nb01_classification_metrics",
    "02_regression_metrics": "dlcourse.questions.nb02_regression_metrics",
    "03_hyperparameters_and_validation": "dlcourse.questions.nb03_hyperparameters_and_validation",
    "04_grid_and_random_search": "dlcourse.questions.nb04_grid_and_random_search",
    "05_bayesian_optimization": "dlcourse.questions.nb05_bayesian_optimization",
    "06_hyperband_and_experiment_tracking": "dlcourse.questions.nb06_hyperband_and_experiment_tracking",
    "07_regularization": "dlcourse.questions.nb07_regularization",
    "08_augmentation_schedules_early_stopping": "dlcourse.questions.nb08_augmentation_schedules_early_stopping",
    "09_cifar10_project": "dlcourse.questions.nb09_cifar10_project",
    "10_automated_tuning_with_optuna": "dlcourse.questions.nb10_automated_tuning_with_optuna",
}


def module_for(notebook: str) -> str:
    """The question module of ``notebook`` (a name like ``01_classification_metrics`` or a path to it)."""
    stem = notebook.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".ipynb")
    try:
        return MODULES[stem]
    except KeyError:
        raise KeyError(f"no questions are registered for a notebook named {stem!r}; "
                       f"known: {', '.join(MODULES)} (dlcourse/questions/__init__.py)") from None
