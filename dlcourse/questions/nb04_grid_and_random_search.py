"""Questions of ``04_grid_and_random_search``.

Value questions are judged against what the question asks, not the shape of the answer:
which search class ran, which distributions it drew from, which data it was fitted on
(number of samples of the refit model). The kernel only reads these as plain data; the
decision, against the set-up's constants as the solution's run has them, is made outside. The run-and-decide
question is a function of a search's results, judged on made-up results.
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

# A function of the search's results, judged on made-up results, because a student's own run cannot tell
# a right rule from a wrong one: in the seeded full-budget run the best candidate is the first, so a "best of
# the first half" that forgets to slice, or a decision made on any rule, gives the right numbers there.
#
# The decision is lesson 03's rule (``paired_decision``): the second half's best beats the first half's best by
# a corrected paired t-test on their fold scores. The hidden cases are drawn so that each misreading decides one
# of them differently: the fold spread of the best (or the mean spread) as a yardstick for the gain, a mean ahead
# or ahead on every fold, a t-test without the correction, one-sided, with K degrees of freedom or with 3 folds'
# critical value for every K, unpaired, or two-sided in the wrong direction (the first half's best clearly ahead).

# (folds, per-fold differences second half's best - first half's best, size of the fold effects, right decision)
_KINDS = {
    "clear": (3, [0.10, 0.11, 0.12], 0.1875, True),  # t about 12; the best's fold spread (about 0.15) > the gain
    "ahead, not shown": (3, [0.02, 0.03, 0.10], 0.0, False),  # ahead on every fold, t 1.26; spreads below the gain
    "uncorrected only": (3, [0.04, 0.05, 0.07], 0.0625, False),  # t 3.82 < 4.30; uncorrected 6.05, one-sided 2.92
    "clear, 5 folds": (5, [0.02, 0.03, 0.04, 0.05, 0.06], 0.125, True),  # t 3.77 > 2.78 (but < 4.30, 3 folds' value)
    "behind": (3, [-0.10, -0.11, -0.12], 0.0625, False),  # the first half's best is clearly ahead: |t| > 4.30
    "tie": (4, [0.0625, -0.0625, 0.03125, -0.03125], 0.03125, False),  # equal means across the halves
}


def _report_case(rng: np.random.Generator, n: int, kind: str) -> tuple[tuple, dict]:
    """Made-up results of ``n`` candidates (even, so that "the first half" is n // 2 under any reading) scored on
    K folds: the first half's best is the last candidate of the first half (so that a half one short misses it),
    the second half's best lies anywhere in the second half, and their fold scores differ by ``_KINDS[kind]``'s
    differences (in a drawn order) on top of a shared fold effect (which a paired comparison removes and an
    unpaired one does not). The other candidates score well below both. In the tie, every score of the two is a
    multiple of 1/64, so that their means are exactly equal."""
    k, differences, effect, _ = _KINDS[kind]
    half = n // 2
    first, second = half - 1, int(rng.integers(half, n))
    folds = np.round(rng.uniform(0.25, 0.45, (n, 1)) + rng.uniform(-0.02, 0.02, (n, k)), 3)
    if kind == "tie":
        shared = rng.permutation([-3, -1, 1, 3]) / 64
    else:
        shared = np.round(np.linspace(-effect, effect, k)[rng.permutation(k)] + rng.uniform(-0.005, 0.005, k), 4)
    folds[first] = 0.625 + shared
    folds[second] = folds[first] + np.asarray(differences)[rng.permutation(k)]
    scores = folds.mean(axis=1)
    accuracy = np.round(np.clip(scores + rng.uniform(-0.05, 0.05, n), 0, 1), 3)
    accuracy[int(np.argmin(scores))] = 0.95  # the best accuracy belongs to another candidate than the best F1
    results = {
        "params": [{"optimizer__learning_rate": float(10.0 ** rng.uniform(-4, -1)), "batch_size": int(b)}
                   for b in rng.choice([32, 64, 128], n)],
        "mean_fit_time": np.round(rng.uniform(1.0, 9.0, n), 2), "std_fit_time": np.round(rng.uniform(0, 0.5, n), 2),
        "mean_test_accuracy": accuracy, "std_test_accuracy": np.round(rng.uniform(0.005, 0.06, n), 3),
        **{f"split{i}_test_f1_macro": folds[:, i].copy() for i in range(k)},
        "mean_test_f1_macro": scores, "std_test_f1_macro": folds.std(axis=1),
    }
    return (results, k, float(np.round(rng.uniform(1.0, 12.0), 2))), {}


def _reports(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    """One table of each kind, of 6 to 12 candidates."""
    return [_report_case(rng, int(rng.choice([6, 8, 10, 12])), kind) for kind in _KINDS]


def _public_results(differences: list[float], shared: list[float]) -> dict:
    """8 candidates on 3 folds: the first half's best is the second (mean 0.90), the second half's best the sixth
    (0.90 + the mean of ``differences``, 0.92 in both public cases)."""
    means = np.array([0.80, 0.90, 0.85, 0.70, 0.915, 0.92, 0.60, 0.91])
    folds = means[:, None] + np.array([-0.01, 0.0, 0.01])
    folds[1] = 0.90 + np.array(shared)
    folds[5] = folds[1] + np.array(differences)
    return {"params": [{"optimizer__learning_rate": lr, "batch_size": 32} for lr in
                       (0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001, 0.0005)],
            "mean_fit_time": np.array([2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5]),
            "mean_test_accuracy": np.array([0.95, 0.90, 0.85, 0.70, 0.915, 0.92, 0.60, 0.91]),
            **{f"split{i}_test_f1_macro": folds[:, i] for i in range(3)},
            "mean_test_f1_macro": folds.mean(axis=1), "std_test_f1_macro": folds.std(axis=1)}


# ahead on every fold by about the same amount, against a large fold effect: shown (t = 10.95), although the gain
# (0.02) is below the best candidate's fold spread (0.05)
PUBLIC_SHOWN = ([0.018, 0.02, 0.022], [-0.06, 0.0, 0.06])
# ahead on every fold and on average, by amounts that vary: not shown (t = 1.00), although the gain (0.02) is
# above the best candidate's fold spread (0.015)
PUBLIC_NOT_SHOWN = ([0.005, 0.01, 0.045], [0.0, 0.005, -0.005])


def _public_report(worth_it: bool) -> dict:
    return {"best_params": {"optimizer__learning_rate": 0.002, "batch_size": 32}, "n_fits": 25,
            "train_seconds": 3 * 30.0 + 5.0, "best_first_half": 0.90, "best_all": 0.92,
            "more_iterations_worth_it": worth_it}


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
        id="q5_search_report", points=3, function="report_search",
        public=[Case((_public_results(*PUBLIC_SHOWN), 3, 5.0), _public_report(True)),
                Case((_public_results(*PUBLIC_NOT_SHOWN), 3, 5.0), _public_report(False))],
        hidden=_reports,
        hint="everything is in the search's table of results: each candidate was trained once per fold and the "
             "winner once more; the table stores times and scores as means over the folds, and each fold's "
             "scores too: compare the two halves' best candidates fold by fold, as lesson 03 compares two settings.",
    ),
    WrittenQuestion(
        id="q6_more_iterations", points=2,
        rubric="2 points: quotes numbers from the student's own run (seconds per training, i.e. train_seconds / "
               "n_fits; the gain of the second half's best over the first half's, and whether lesson 03's paired "
               "comparison on the same folds found it, i.e. more_iterations_worth_it) and decides consistently with "
               "them: a gain the paired comparison does not find is not shown to be real (a gain small next to the "
               "spread cannot be told from noise without a paired comparison), so more of the same iterations are "
               "not shown to help (with 3 folds the test has little power: not shown is not shown useless); a gain "
               "the paired comparison finds, or a best learning rate at the edge of the range, argues for more or "
               "for moving the range. Treating the fold spread as a threshold (a gain below it is noise, above it is"
               " real) is the rule lesson 03 rejects: at most 1 point for a decision made that way. Names a better "
               "use of the time where one exists: more folds or repeated CV (less noise), more epochs (the "
               "candidates train only EPOCHS epochs), a narrower range around the best, or successive halving to try"
               " more candidates for the same cost. Mentioning that the best score is optimistic (winner's curse) is"
               " a plus. 1 point: a sensible decision without the run's numbers, or numbers without a decision. 0: "
               "no decision, or a decision its own numbers contradict. Compare the quoted numbers with the student's"
               " printed search_report: numbers it did not print (the lesson's, the model answer's, another run's) "
               "count as no numbers.",
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
