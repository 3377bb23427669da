"""Questions of ``04_grid_and_random_search``.

Value questions are judged against what the question asks, not the shape of the answer:
which search class ran, which distributions it drew from, which data it was fitted on
(number of samples of the refit model). The kernel only reads these as plain data; the
decision, against the set-up's constants as the solution's run has them, is made outside. The run-and-decide
question is a function of a search's table of results, judged on made-up tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dlcourse.assessment.compare import is_number
from dlcourse.assessment.encoding import Opaque
from dlcourse.assessment.facts import class_path, plain
from dlcourse.assessment.questions import Case, FunctionQuestion, ValueQuestion, WrittenQuestion

EXPECTED_GRID = {"optimizer__learning_rate": [0.001, 0.01, 0.1], "batch_size": [32, 128], "units": [16, 64]}
# scikeras routes `model__units` to the build function's `units` argument, as a bare `units` does
ALIASES = {"model__units": "units"}


WHOLE = ("batch_size", "units")  # Keras takes these as whole numbers only


def _kind(value: Any) -> str:
    """A value's type in a few words (an unreadable object by its type's name)."""
    return value.type_name if isinstance(value, Opaque) else type(value).__name__


def _grid_facts(value: Any, namespace: Mapping[str, Any]) -> Any:
    """In the kernel: the student's grid as plain data (a ``range`` of values as the list it stands for; a set,
    which has no order, stays an opaque set)."""
    if issubclass(type(value), dict):  # read with the dict's own methods, whatever a subclass redefines
        return {plain(key): list(range.__iter__(v)) if type(v) is range else plain(v) for key, v in dict.items(value)}
    if type(value) in (list, tuple) and len(value) == 1 and type(value[0]) is dict:
        return [_grid_facts(value[0], namespace)]  # a grid search also takes a list of grids: here, a list of one
    return plain(value)


def _grid_given(namespace: Mapping[str, Any]) -> dict:
    """The names the set-up's ``network`` accepts (for the grader: the solution's run's network)."""
    network = namespace.get("network")
    if class_path(network) != "dlcourse.keras_sklearn.KerasClassifier":  # not `is`: the kernel re-imports the course
        return {"known": None}
    return {"known": sorted(key for key in type(network).get_params(network) if type(key) is str)}


def _shown(values: Any) -> str:
    """Values as the student would recognise them: an array by its shape, a list as a list."""
    return f"an array of shape {values.shape}" if isinstance(values, np.ndarray) else f"{list(values)}"


def _values_problem(key: str, values: Any) -> str | None:
    """What is wrong with the values to try for ``key``, or None."""
    if isinstance(values, (str, bytes)) or is_number(values) or values is None or isinstance(values, bool):
        return f"{key}: expected a list of the values to try"
    if not isinstance(values, (list, tuple, np.ndarray)):
        # a set or a dict of values has no order: a grid search refuses it
        return f"{key}: a grid search takes the values to try as a list, found a {_kind(values)}"
    nested = (values.ndim != 1 if isinstance(values, np.ndarray)
              else any(isinstance(v, (list, tuple, np.ndarray)) for v in values))
    if nested:
        return f"{key}: the values to try should form one flat list, found {_shown(values)}"
    if not all(is_number(v) for v in values):
        return f"{key}: the values should be numbers, found {list(values)}"
    if key in WHOLE and not all(isinstance(v, (int, np.integer)) for v in values):
        return f"{key}: Keras takes only whole numbers here, found {list(values)}"
    numbers = sorted(float(v) for v in values)
    wanted = EXPECTED_GRID[key]
    if len(numbers) != len(wanted) or not np.allclose(numbers, sorted(wanted)):
        return f"{key}: these are not the values the question asks for (found {list(values)})"
    return None


def _param_grid(value: Any, given: Mapping[str, Any]) -> str | None:
    """Outside the kernel: the grid names the three hyperparameters as the wrapper routes them, with the values asked."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
        value = value[0]
    if not isinstance(value, dict):
        return "expected a dict from hyperparameter names to lists of values"
    known = given.get("known")
    for key in value:
        if key in EXPECTED_GRID or key in ALIASES:
            continue
        if key in ("learning_rate", "lr", "model__learning_rate"):
            return (f"{key!r} does not reach the optimizer: build_network has no such argument. Which component owns "
                    "the learning rate, and which prefix routes a name to it?")
        if known is not None and key not in known:
            return f"the wrapper does not know the name {key!r}: a search could not set it"
        return f"{key!r} is not one of the three hyperparameters the question names"
    found = {ALIASES.get(key, key): values for key, values in value.items()}
    if len(found) != len(value):
        return "the number of units appears twice (under two names): give it once"
    missing = sorted(set(EXPECTED_GRID) - set(found))
    if missing:
        return f"no entry for {', '.join(missing)}"
    for key in EXPECTED_GRID:
        problem = _values_problem(key, found[key])
        if problem:
            return problem
    return None


def _grids(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    """Grids of one or two, three, and four hyperparameters (every list of a larger grid holds two values
    or more, so that a count that leaves out a list, or uses only some of them, shows)."""
    cases = []
    for n_keys in (int(rng.integers(1, 3)), 3, 4):
        smallest = 1 if n_keys == 1 else 2
        grid = {f"p{i}": list(range(int(rng.integers(smallest, 6)))) for i in range(n_keys)}
        cases.append(((grid, int(rng.integers(2, 11))), {}))
    return cases


def _results(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    cases = []
    for n in (2, 5, 12):
        params = [{"lr": float(lr), "batch_size": int(b)} for lr, b in zip(rng.choice([1e-3, 1e-2, 1e-1], n),
                                                                           rng.choice([16, 64, 256], n))]
        results = {"params": params, "mean_test_accuracy": np.round(rng.random(n), 3),
                   "mean_test_f1_macro": np.round(rng.random(n), 3)}
        metric = str(rng.choice(["accuracy", "f1_macro"]))
        if n == 12:  # a tie for the best, at two random positions: the first one wins
            first, second = sorted(rng.choice(n, 2, replace=False))
            results[f"mean_test_{metric}"][[first, second]] = 1.0
        cases.append(((results, metric), {}))
    return cases


# --------------------------------------------------------------------------- question 4


QUANTILES = [0.0, 0.25, 0.5, 0.75, 1.0]


def _distribution_facts(distribution: Any) -> dict:
    """One entry of ``param_distributions`` as plain data: a list of values, a scipy distribution's quantiles,
    or the name of another kind of object."""
    from scipy.stats._distn_infrastructure import rv_continuous_frozen, rv_discrete_frozen, rv_frozen

    if type(distribution) in (list, tuple) or issubclass(type(distribution), np.ndarray):
        return {"values": plain(distribution)}
    if type(distribution) in (rv_continuous_frozen, rv_discrete_frozen):
        return {"quantiles": [float(q) for q in np.asarray(rv_frozen.ppf(distribution, QUANTILES), dtype=float)]}
    return {"other": plain(distribution) if type(distribution) is range else type(distribution).__name__}


def _folds_facts(cv: Any) -> Any:
    """``cv`` as given: a number of folds, None (scikit-learn's default), or a splitter's number of splits."""
    import sklearn.model_selection as selection

    if cv is None or type(cv) is int:
        return cv
    splitter = type(cv)
    if getattr(selection, splitter.__name__, None) is splitter and hasattr(splitter, "get_n_splits"):
        try:
            return {"splits": plain(splitter.get_n_splits(cv))}
        except Exception:  # a splitter that needs the data to count its folds
            return {"splits": None}
    return {"splits": None}


def _search_facts(value: Any, namespace: Mapping[str, Any]) -> dict:
    """In the kernel: the search's class, settings (read with scikit-learn's own ``get_params``), scoring keys
    and the size of the data its winner was refitted on, as plain data."""
    from sklearn.base import BaseEstimator
    from sklearn.model_selection import GridSearchCV, RandomizedSearchCV

    facts: dict = {"class": type(value).__name__, "random_search": type(value) is RandomizedSearchCV}
    if type(value) not in (RandomizedSearchCV, GridSearchCV):
        return facts
    params = BaseEstimator.get_params(value, deep=False)
    distributions = params.get("param_distributions")
    facts.update(n_iter=plain(params.get("n_iter")), cv=_folds_facts(params.get("cv")), refit=plain(params.get("refit")),
                 random_state=plain(params.get("random_state")), distributions=None)
    if type(distributions) is dict:
        facts["distributions"] = {plain(k): _distribution_facts(v) for k, v in dict.items(distributions)}
    own = object.__getattribute__(value, "__dict__")
    facts["fitted"] = "cv_results_" in own
    if facts["fitted"]:
        results = own["cv_results_"]
        facts["result_keys"] = sorted(k for k in dict.keys(results) if type(k) is str) if type(results) is dict else []
        facts["n_splits"] = plain(own.get("n_splits_"))
        shape = getattr(own.get("best_estimator_"), "X_shape_", None)
        facts["fitted_on"] = plain(shape[0]) if type(shape) is tuple and shape else None
    return facts


def _search_given(namespace: Mapping[str, Any]) -> dict:
    """The set-up's constants and data sizes (for the grader: as the solution's run has them)."""
    from dlcourse.assessment.facts import fingerprint

    def rows(name: str) -> int | None:
        data = namespace.get(name)
        return int(np.ndarray.view(data, np.ndarray).shape[0]) if fingerprint(data) else None

    return {"N_ITER": plain(namespace.get("N_ITER")), "N_FOLDS": plain(namespace.get("N_FOLDS")),
            "SEED": plain(namespace.get("SEED")), "n_dev": rows("X_dev"), "n_test": rows("X_test")}


def _learning_rate_problem(distribution: Mapping[str, Any]) -> str | None:
    if "values" in distribution:
        return ("the learning rate is a fixed list of values; random search should draw it from a distribution, "
                "log-uniformly")
    if "quantiles" not in distribution:
        return "the learning rate should be drawn from a continuous scipy distribution"
    wanted = 10.0 ** (-4 + 3 * np.array(QUANTILES))  # quantiles of log-uniform(1e-4, 1e-1)
    found = np.asarray(distribution["quantiles"], dtype=float)
    if found.shape != wanted.shape:
        return "the learning rate should be drawn from a continuous scipy distribution"
    if not np.allclose(found[[0, -1]], wanted[[0, -1]], rtol=1e-3):
        return f"the learning rate should range from 0.0001 to 0.1, found from {found[0]:g} to {found[-1]:g}"
    if not np.allclose(found, wanted, rtol=1e-3):
        return (f"the learning rate is not drawn log-uniformly: half of its draws lie above {found[2]:.3g}, "
                f"where a log-uniform draw puts its median at {wanted[2]:.3g}")
    return None


def _batch_size_problem(distribution: Mapping[str, Any]) -> str | None:
    choices = distribution.get("values")
    if not isinstance(choices, (list, tuple, np.ndarray)):
        return "the batch size should be drawn from the list of the three sizes the question names"
    if not all(is_number(c) and float(c) == int(c) for c in choices) or sorted(int(c) for c in choices) != [32, 64, 128]:
        return f"the batch sizes should be 32, 64 and 128, found {list(choices)}"
    return None


def _search(facts: Mapping[str, Any], given: Mapping[str, Any]) -> str | None:
    """Outside the kernel: the search is a seeded random search over the asked distributions, with the set-up's
    numbers of candidates and folds, refitted by macro F1 on the development data."""
    if facts["class"] != "RandomizedSearchCV" or not facts["random_search"]:
        return (f"this is a {facts['class']}, not a random search: the question asks for candidates drawn "
                "at random from distributions")
    distributions = facts["distributions"]
    if not isinstance(distributions, dict):
        return "give one dict of distributions (not a list of them)"
    if set(distributions) != {"optimizer__learning_rate", "batch_size"}:
        return f"the search should vary the learning rate and the batch size, found {sorted(map(str, distributions))}"
    problem = _learning_rate_problem(distributions["optimizer__learning_rate"])
    problem = problem or _batch_size_problem(distributions["batch_size"])
    if problem:
        return problem
    if not is_number(facts["n_iter"]) or facts["n_iter"] != given["N_ITER"]:
        return f"the search draws {facts['n_iter']} candidates; the question asks for N_ITER"
    cv = facts["cv"]
    if cv is None:  # scikit-learn's default
        folds = facts["n_splits"] if facts.get("fitted") and facts.get("n_splits") is not None else 5
        default = " (scikit-learn's default)"
    else:
        folds, default = (cv if is_number(cv) else cv.get("splits") if isinstance(cv, dict) else None), ""
    if folds != given["N_FOLDS"]:
        return f"the search uses {folds} folds{default}; the question asks for N_FOLDS"
    if not is_number(facts["random_state"]) or facts["random_state"] != given["SEED"]:
        return "the search is not seeded with SEED, so its candidates change from run to run"
    if facts["refit"] != "f1_macro":
        return f"the winner should be chosen (refit) by macro F1, found {facts['refit']!r}"
    if not facts["fitted"]:
        return "the search has not been fitted yet"
    for key in ("mean_test_accuracy", "mean_test_f1_macro"):
        if key not in facts["result_keys"]:
            return "the search should score both accuracy and macro F1"
    fitted_on, n_dev, n_test = facts["fitted_on"], given["n_dev"], given["n_test"]
    if n_dev is not None and fitted_on != n_dev:
        where = " (that is the size of the test set)" if fitted_on == n_test else ""
        return (f"the search was fitted on {fitted_on} samples{where}; the development set has {n_dev}: "
                "tune on the development data and keep the test set for the final evaluation")
    return None


# --------------------------------------------------------------------------- question 5 (run and decide)

# Which candidates can the search not tell apart from its winner? A function of a search's table, judged on
# made-up tables, because a student's own run cannot tell a right rule from a wrong one where the two agree on it
# (in a smoke run of 2 candidates on 2 folds, most rules keep both in the running).
#
# The right rule is lesson 03's (``paired_decision`` in nb03): the winner (by the refit metric, macro F1) is shown
# to beat a candidate when the corrected paired t-test on their fold scores finds it ahead, two-sided at 5 %; every
# candidate it is not shown to beat, the winner itself included, is still in the running. The question does not
# say how to apply the rule to a table: the student decides it. The hidden tables are built so that each plausible
# misreading decides at least one of them differently (tests/test_wrong_answers_04.py keeps each one as a fixture):
#
# - a yardstick of spreads (the winner's fold standard deviation against the gain, one-standard-deviation bands
#   that overlap, the differences' own spread against their mean), an unpaired test, or "ahead on every fold":
#   the "consistent" candidate (a small gain on every fold, under a large fold effect) is beaten, while the
#   "erratic" one (ahead on every fold by amounts that vary) is not;
# - the paired t-test without the correction, one-sided, with K degrees of freedom, the normal's 1.96, the
#   standard deviation with ddof=0, or n_val / n_train read as 1 / K: the "borderline" candidate (K = 3,
#   corrected t between 3.95 and 4.15, below 4.30) is beaten under each of them but not by the right rule;
# - 4.30, the critical value of 3 folds, whatever the folds: the 5-fold table's "clear" candidate (t 3.3-3.8,
#   above 2.78) is beaten only by the right rule;
# - the runner-up alone, or walking down the ranking until a candidate is beaten: the runner-up of the 3-fold
#   table is "consistent" (beaten), candidates below it are not;
# - accuracy instead of macro F1: the best accuracy belongs to a candidate far behind on macro F1.
# - the tie broken the other way (the last of two equal means wins), or a lead without any spread (the same gain on
#   every fold, t infinite) called "not shown": the tie table's steady candidate stays in the running.

# (folds, the kinds of candidates besides the winner; fillers far behind are added to each)
_TABLES = {
    "three in the running": (3, ("consistent", "borderline", "erratic")),
    "lead shown, 5 folds": (5, ("consistent", "clear")),
    "runner-up in the running": (4, ("erratic", "consistent, far")),
    "two folds": (2, ("two folds",)),
}


def _differences(rng: np.random.Generator, k: int, kind: str) -> np.ndarray:
    """Per-fold differences, candidate - winner, of one made-up candidate of ``kind`` on ``k`` folds. Most kinds
    are a mean gain plus a pattern whose sample standard deviation is set so that the corrected t is as drawn."""
    if kind == "consistent":  # t above 7, but the gain is below the winner's fold spread
        return -rng.uniform(0.008, 0.015) + rng.uniform(-0.001, 0.001, k)
    if kind == "consistent, far":
        return -rng.uniform(0.07, 0.09) + rng.uniform(-0.001, 0.001, k)
    if kind == "far":
        return -rng.uniform(0.2, 0.3) + rng.uniform(-0.005, 0.005, k)
    gain, t = {"borderline": ((0.02, 0.03), (3.95, 4.15)), "clear": ((0.02, 0.03), (3.3, 3.8)),
               "erratic": ((0.04, 0.06), (1.3, 1.9)), "two folds": ((0.03, 0.05), (2.0, 6.0))}[kind]
    gain, t = rng.uniform(*gain), rng.uniform(*t)
    pattern = rng.permutation(np.linspace(-1.0, 1.0, k))
    pattern /= pattern.std(ddof=1)
    return -gain + gain / (t * np.sqrt(1 / k + 1 / (k - 1))) * pattern


def _search_table(rng: np.random.Generator, folds: np.ndarray, accuracy: np.ndarray) -> tuple[tuple, dict]:
    """The case ``(cv_results_, K)`` of a search whose macro F1 and accuracy fold scores are ``folds`` and
    ``accuracy`` (one row per candidate), with drawn fit and score times and parameters."""
    n, k = folds.shape
    results: dict[str, Any] = {
        "mean_fit_time": rng.uniform(1.0, 9.0, n), "std_fit_time": rng.uniform(0.0, 0.5, n),
        "mean_score_time": rng.uniform(0.05, 0.2, n), "std_score_time": rng.uniform(0.0, 0.02, n),
        "params": [{"optimizer__learning_rate": float(10.0 ** rng.uniform(-4, -1)), "batch_size": int(b)}
                   for b in rng.choice([32, 64, 128], n)],
    }
    for metric, scores in (("accuracy", accuracy), ("f1_macro", folds)):
        results.update({f"split{i}_test_{metric}": scores[:, i].copy() for i in range(k)})
        means = scores.mean(axis=1)
        results.update({f"mean_test_{metric}": means, f"std_test_{metric}": scores.std(axis=1),
                        f"rank_test_{metric}": 1 + np.argsort(np.argsort(-means, kind="stable"), kind="stable")})
    return (results, k), {}


def _table_case(rng: np.random.Generator, name: str) -> tuple[tuple, dict]:
    """A made-up ``cv_results_`` of a search that scored accuracy and macro F1 on K folds: the winner, the
    candidates of ``_TABLES[name]`` and 1 to 4 (1, with two folds) far behind, in a drawn order. Every candidate
    shares the folds' effect (an easy fold is easy for all), which a paired comparison removes; the best accuracy
    belongs to one of the candidates far behind."""
    k, kinds = _TABLES[name]
    kinds = (*kinds, *["far"] * (1 if k == 2 else int(rng.integers(1, 5))))
    n = len(kinds) + 1
    effect = rng.uniform(0.002, 0.006) if k == 2 else rng.uniform(0.04, 0.07)
    winner = rng.uniform(0.80, 0.90) + effect * rng.permutation(np.linspace(-1.0, 1.0, k))
    winner += rng.uniform(-0.003, 0.003, k)
    rows = rng.permutation(n)  # rows[0] is the winner's row
    folds = np.empty((n, k))
    folds[rows[0]] = winner
    for row, kind in zip(rows[1:], kinds):
        folds[row] = winner + _differences(rng, k, kind)
    accuracy = np.clip(folds + rng.uniform(0.0, 0.03, (n, k)), 0.0, 1.0)
    accuracy[rows[-1]] = 0.99 + rng.uniform(-0.001, 0.001, k)  # a candidate far behind on macro F1
    return _search_table(rng, folds, accuracy)


def _tie_table(rng: np.random.Generator) -> tuple[tuple, dict]:
    """A 4-fold table in whole units of 1/1024 (so that means are exact): two candidates tie for the best mean (the
    first in the table is the winner), a third trails the winner by the same amount on every fold (its lead is
    shown: no spread, t is infinite) but not the other tied candidate, whose folds swing around the winner's; 1 to 3
    far behind. Breaking the tie the other way, or calling a lead without spread "not shown", keeps the third in."""
    k, unit = 4, 1 / 1024
    base = int(rng.integers(830, 900)) + int(rng.integers(20, 60)) * rng.permutation(np.array([-3, -1, 1, 3]))
    twin = base + int(rng.integers(20, 30)) * rng.permutation(np.array([-1, -1, 1, 1]))
    steady = base - int(rng.integers(10, 16))
    far = [base - int(rng.integers(200, 300)) + rng.integers(-5, 6, k) for _ in range(int(rng.integers(1, 4)))]
    n = 3 + len(far)
    rows = rng.permutation(n)
    first, second = sorted(rows[:2])
    folds = np.empty((n, k))
    for row, units in zip([first, second, *rows[2:]], [base, twin, steady, *far]):
        folds[row] = np.asarray(units, dtype=float) * unit
    accuracy = np.clip(folds + rng.uniform(0.0, 0.03, (n, k)), 0.0, 1.0)
    accuracy[rows[-1]] = 0.99 + rng.uniform(-0.001, 0.001, k)  # a candidate far behind on macro F1
    return _search_table(rng, folds, accuracy)


def _tables(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    """One table of each kind in ``_TABLES``, and one with a tie for the best (``_tie_table``)."""
    return [_table_case(rng, name) for name in _TABLES] + [_tie_table(rng)]


def _public_table(folds: list[list[float]], accuracy_best: int) -> dict:
    """A small table from its macro F1 fold scores (one row per candidate); accuracy follows macro F1 except for the
    candidate ``accuracy_best``, which has the best accuracy on every fold."""
    folds_ = np.array(folds)
    accuracy = np.clip(folds_ - 0.01, 0.0, 1.0)
    accuracy[accuracy_best] = 0.99
    n, k = folds_.shape
    results: dict[str, Any] = {
        "mean_fit_time": np.round(np.linspace(2.0, 4.0, n), 2),
        "params": [{"optimizer__learning_rate": lr, "batch_size": 32} for lr in (0.05, 0.01, 0.003, 0.001, 0.0003)[:n]],
    }
    for metric, scores in (("accuracy", accuracy), ("f1_macro", folds_)):
        results.update({f"split{i}_test_{metric}": scores[:, i] for i in range(k)})
        results.update({f"mean_test_{metric}": scores.mean(axis=1), f"std_test_{metric}": scores.std(axis=1)})
    return results


# The winner is row 2. Row 0, the runner-up, is behind on every fold by about 0.011, less than the winner's fold
# spread (0.049), but so consistently that the paired test finds it (t about 20): beaten. Row 3 is behind on every
# fold too, by 0.01 to 0.09 (mean 0.05): too erratic to show (t 1.37): in the running. Rows 1 and 4 are far behind;
# row 4 has the best accuracy.
PUBLIC_RUNNING = _public_table([[0.890, 0.829, 0.949], [0.700, 0.645, 0.760], [0.900, 0.840, 0.960],
                                [0.810, 0.790, 0.950], [0.690, 0.650, 0.740]], accuracy_best=4)
# Two folds, as in a smoke run: row 0 is 0.03 behind the winner (row 1) on average, more than the winner's spread
# (0.02), but by 0.05 on one fold and 0.01 on the other (t 0.87 against 12.71): in the running. Row 2 is beaten.
PUBLIC_TWO_FOLDS = _public_table([[0.810, 0.890], [0.860, 0.900], [0.610, 0.646]], accuracy_best=2)
# The winner (row 0) beats every candidate: row 1 by about 0.02 on every fold (less than the winner's spread,
# 0.029), row 2 by 0.10 to 0.12. Its lead is shown: the winner alone is in the running.
PUBLIC_SHOWN = _public_table([[0.920, 0.850, 0.880], [0.900, 0.829, 0.861], [0.820, 0.740, 0.760],
                              [0.600, 0.550, 0.580]], accuracy_best=3)


# Libraries this module's facts are read with: the grading kernel imports them before any student code, so that
# its snapshot restores them too (dlcourse/grading/kernel.py).
SNAPSHOT_MODULES = ('scikeras.wrappers', 'dlcourse.keras_sklearn', 'sklearn.model_selection', 'scipy.stats')

QUESTIONS = [
    ValueQuestion(
        id="q1_param_grid", points=2, variable="param_grid", facts=_grid_facts, given_facts=_grid_given,
        decide=_param_grid,
        hint="name each hyperparameter as the wrapper routes it: the learning rate belongs to the optimizer, the "
             "units to the build function, the batch size to the wrapper itself; each maps to the values to try.",
    ),
    FunctionQuestion(
        id="q2_n_trainings", points=2, function="n_trainings",
        public=[Case(({"a": [1, 2, 3], "b": [1, 2]}, 5), 31), Case(({"a": [1]}, 3), 4),
                Case(({"lr": [0.001, 0.01, 0.1], "batch_size": [32, 128], "units": [16, 64]}, 5), 61)],
        hidden=_grids,
        hint="every combination is trained once per fold, and the best is trained once more on all the data.",
    ),
    FunctionQuestion(
        id="q3_best_params_by", points=2, function="best_params_by",
        public=[
            Case(({"params": [{"lr": 0.1}, {"lr": 0.01}], "mean_test_accuracy": np.array([0.8, 0.9]),
                   "mean_test_f1_macro": np.array([0.85, 0.7])}, "f1_macro"), {"lr": 0.1}),
            Case(({"params": [{"lr": 0.1}, {"lr": 0.01}, {"lr": 0.001}], "mean_test_accuracy": np.array([0.8, 0.9, 0.9]),
                   "mean_test_f1_macro": np.array([0.85, 0.7, 0.6])}, "accuracy"), {"lr": 0.01}),
        ],
        hidden=_results,
        hint="the metric's name tells you which array of mean test scores to look at; the position of its largest "
             "value (the first one, on a tie) points into the list of params.",
    ),
    ValueQuestion(
        id="q4_search", points=2, variable="search", facts=_search_facts, given_facts=_search_given, decide=_search,
        hint="think about three things: which search class draws candidates from distributions instead of trying "
             "every combination, which distribution spreads the learning rate evenly over its orders of magnitude, "
             "and which data a search may see.",
    ),
    FunctionQuestion(
        id="q5_contenders", points=3, function="contenders",
        public=[Case((PUBLIC_RUNNING, 3), [2, 3]), Case((PUBLIC_TWO_FOLDS, 2), [0, 1]), Case((PUBLIC_SHOWN, 3), [0])],
        hidden=_tables,
        hint="read the fold scores of the metric the search chose its winner by; compare the winner with every other "
             "candidate on the same folds, as lesson 03 compared two settings, not by the spread of one of them; and "
             "the runner-up is not always the candidate hardest to beat.",
    ),
    WrittenQuestion(
        id="q6_next_run", points=2,
        rubric="2 points: quotes the student's own printed table (which rows are in the running, their mean macro F1 "
               "or fold scores, the fit time of a training) and decides consistently with it. If others are in the "
               "running with the winner: the search cannot rank them (with N_FOLDS folds the paired test has little "
               "power: not shown is not shown equal, and the winner's score is optimistic, the winner's curse); a "
               "next run that would tell them apart compares only the candidates in the running, on the same folds "
               "for all (paired), with more folds or repeated cross-validation, or with more epochs (each candidate "
               "trained only EPOCHS epochs), priced from the table (candidates x folds x repeats trainings, times "
               "their mean fit time); or, with that reason, takes the simplest or cheapest candidate in the running "
               "(lesson 03). If the winner is alone in the running: its lead is shown for these folds and this "
               "budget, not in general, its score is still optimistic, and the test set, used once, gives the honest "
               "number. At most 1 point for a decision made by the fold spread as a threshold (a gain below the "
               "standard deviation is noise), the yardstick lesson 03 rejects. 0 for choosing among the candidates on "
               "the test set. 1 point: a sensible plan without the run's numbers, or numbers without a plan. 0: no "
               "decision, or one the printed table contradicts. Numbers the run did not print (the lesson's, the "
               "model answer's, another run's) count as none.",
    ),
    WrittenQuestion(
        id="q7_random_vs_grid", points=2,
        rubric="2 points: chooses random search, and says that the 2 x 2 x 2 x 2 grid tries only 2 distinct "
               "learning rates (each repeated 8 times) while 16 random candidates try 16 distinct learning rates "
               "(log-uniform), still varying the other three; since the score depends mostly on the learning "
               "rate, the best random candidate is likely better. 1 point: random search with a reason but no "
               "count of distinct learning rates. 0: the grid.",
    ),
]
