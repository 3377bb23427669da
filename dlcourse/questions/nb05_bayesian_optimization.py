"""Questions of ``05_bayesian_optimization``.

The run question is validated against what it asks: which optimizer produced a result
(scikit-optimize records the surrogate it used; its ``specs["function"]`` says only
``base_minimize``), which objective and space it searched, and whether it was seeded; the
kernel reads these as plain data and the decision is made outside it. The run-and-decide
question is a function of a run's values, judged on made-up runs.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from dlcourse.assessment.compare import is_number
from dlcourse.assessment.facts import plain
from dlcourse.assessment.questions import Case, FunctionQuestion, ValueQuestion, WrittenQuestion

A = np.array
SPACE_KEYS = {"optimizer__learning_rate", "units", "batch_size"}


DIMENSIONS = ("Real", "Integer", "Categorical")


def _dimension_fields(dimension: Any) -> dict:
    """A scikit-optimize dimension as plain data (its kind, bounds, prior, categories), read from the object's own
    attributes without running its methods; any other object by its type's name."""
    from skopt.space import Categorical, Integer, Real

    kind = type(dimension)
    if kind not in (Real, Integer, Categorical):
        return {"other": kind.__name__}
    own = object.__getattribute__(dimension, "__dict__")
    if kind is Categorical:
        return {"kind": "Categorical", "categories": plain(list(tuple.__iter__(own["categories"])))
                if issubclass(type(own.get("categories")), tuple) else plain(own.get("categories"))}
    return {"kind": kind.__name__, "low": plain(own.get("low")), "high": plain(own.get("high")),
            "prior": plain(own.get("prior"))}


def _entry_facts(entry: Any) -> dict:
    """One entry of the space: a shorthand (a tuple or list, turned into a dimension by the judge) or a dimension."""
    if type(entry) in (tuple, list):
        return {"shorthand": plain(entry)}
    return _dimension_fields(entry)


def _space_facts(value: Any, namespace: Mapping[str, Any]) -> Any:
    """In the kernel: the student's space as plain data, one entry per hyperparameter name."""
    if not issubclass(type(value), dict):  # a dict, or a subclass read with the dict's own methods
        return {"not a dict": type(value).__name__}
    return {"entries": {plain(key): _entry_facts(entry) for key, entry in dict.items(value)}}


def _dimension(entry: Mapping[str, Any]) -> dict:
    """An entry's dimension as plain fields; a shorthand is read here, in the judging process, by scikit-optimize."""
    import warnings

    from skopt.space import check_dimension

    if "shorthand" not in entry:
        if "other" in entry:
            raise ValueError(f"a {entry['other']}")
        return dict(entry)
    shorthand = entry["shorthand"]
    if not all(is_number(v) or isinstance(v, str) for v in shorthand):
        raise ValueError(f"found {shorthand!r}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-optimize's warning about how it will read [a, b] one day
        return _dimension_fields(check_dimension(shorthand))


def _described(dimension: Mapping[str, Any]) -> str:
    if dimension["kind"] == "Categorical":
        return f"Categorical({dimension['categories']})"
    return f"{dimension['kind']}(low={dimension['low']}, high={dimension['high']}, prior={dimension['prior']!r})"


def _space(facts: Mapping[str, Any], given: Any) -> str | None:
    """Outside the kernel: each hyperparameter has the asked kind of dimension, range, scale and choices."""
    if "entries" not in facts:
        return "expected a dict from hyperparameter names to scikit-optimize dimensions"
    value = facts["entries"]
    if "activation" in value or "model__activation" in value:
        return "the lesson's build_network has no activation argument: a search could not set it"
    if "units" in value and "model__units" in value:
        return "the number of units appears twice (under two names): give it once"
    # scikeras routes `model__units` to the build function's `units` argument, as a bare `units` does
    found = {("units" if key == "model__units" else key): entry for key, entry in value.items()}
    if set(found) != SPACE_KEYS:
        return f"expected the hyperparameters {sorted(SPACE_KEYS)}, found {sorted(map(str, value))}"
    try:
        lr, units, batch = (_dimension(found[k]) for k in ("optimizer__learning_rate", "units", "batch_size"))
    except Exception as exc:
        return f"not a dimension scikit-optimize understands ({exc})"
    if lr["kind"] != "Real":
        return f"the learning rate should be a real number, found {lr['kind']}"
    if not (is_number(lr["low"]) and is_number(lr["high"]) and np.allclose((lr["low"], lr["high"]), (1e-4, 1e-1))):
        return f"the learning rate should range from 0.0001 to 0.1, found {(lr['low'], lr['high'])}"
    if lr["prior"] != "log-uniform":
        return "the learning rate is drawn uniformly: most draws would land in the top decade; use a log scale"
    if units["kind"] != "Integer":
        return f"the number of units should be a range of whole numbers, found {units['kind']}"
    if not (is_number(units["low"]) and is_number(units["high"])) or (units["low"], units["high"]) != (16, 256):
        return f"the number of units should range from 16 to 256, found {(units['low'], units['high'])}"
    if batch["kind"] != "Categorical":
        return (f"the batch size became {_described(batch)}: a range, not the four choices the question names "
                "(a pair of whole numbers is read as a range)")
    categories = batch["categories"]
    if not isinstance(categories, list) or not all(is_number(c) for c in categories) \
            or sorted(categories) != [16, 32, 64, 128]:
        return f"the batch sizes should be 16, 32, 64 and 128, found {categories}"
    if not all(isinstance(size, (int, np.integer)) for size in categories):
        return (f"the batch sizes should be whole numbers, found {categories}: Keras cannot cut its data "
                "into batches of a fractional size")
    return None


def _gaussians(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    cases = []
    for n in (1, 5, 40):
        mu, sigma = rng.normal(0.3, 0.1, n), rng.uniform(0.0, 0.1, n)
        best = float(np.round(rng.uniform(0.1, 0.4), 3))
        sigma[0] = 0.0  # a point already evaluated: no uncertainty
        if n > 1:
            mu[1], sigma[1] = best, 0.0  # evaluated and equal to the best: nothing to gain (0 / 0)
            mu[2] = best + 0.05  # worse than the best but uncertain: EI small, positive
        cases.append(((mu, sigma, best), {}))
    return cases


def _lcb_cases(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    """Candidates in no particular order whose means rise with their uncertainty (plus a little noise), so
    that the lowest bound is a trade-off whose place moves with kappa: a bound that weighs the uncertainty
    differently (its square, kappa squared, or the square root of kappa) picks another candidate."""
    cases = []
    for n, kappa in ((8, 0.3), (20, 1.96), (40, 2.5), (100, 5.0)):
        xs = rng.permutation(np.linspace(-5, 0, n))
        sigma = rng.uniform(0.0, 0.2, n)
        curvature = kappa / (2 * 0.2 * rng.uniform(0.35, 0.65))  # the best trade-off lies inside the range
        mu = 0.1 + curvature * sigma**2 + rng.uniform(0.0, 0.01, n)
        if n == 20:  # two candidates tie for the lowest bound: the first one wins, though its x is the larger
            first, second = sorted(rng.choice(n, 2, replace=False))
            mu[[first, second]], sigma[[first, second]] = float(np.min(mu - kappa * sigma)) - 0.05, 0.0
            if xs[first] < xs[second]:
                xs[[first, second]] = xs[[second, first]]
        cases.append(((xs, mu, sigma, kappa), {}))
    return cases


# --------------------------------------------------------------------------- question 4


def _surrogate(specs: Mapping[str, Any]) -> str:
    """The kind of surrogate behind a run, from its facts: "gp", "forest", "gbrt", "dummy" or "unknown"."""
    estimator, model = specs.get("estimator"), specs.get("first_model")
    if isinstance(estimator, str):
        name = estimator.lower()
    elif isinstance(estimator, dict):
        name = str(estimator.get("type", "")).lower()
    elif model is not None:
        name = str(model).lower()
    else:
        return "dummy"
    if name == "dummy":
        return "dummy"
    if "gaussianprocess" in name or name == "gp":
        return "gp"
    if "forest" in name or "extratrees" in name or name in ("rf", "et"):
        return "forest"
    if "gradientboosting" in name or name == "gbrt":
        return "gbrt"
    return "unknown"


def objective_value(x: float) -> float:
    """The set-up cell's objective at ``x`` (a test asserts that the notebook's ``objective`` is this one)."""
    return float(0.05 + 0.04 * (x + 2.5) ** 2 + 0.12 * np.exp(-(((x + 1.2) / 0.3) ** 2)))


PROBES = (-5.0, -3.3, -2.5, -1.2, -0.7, 0.0)  # where given_facts compares the set-up's objective with objective_value
OBJECTIVE_CHANGED = "`objective` is not the function of the set-up cell any more: run that cell again"


def _args_facts(args: Any) -> dict:
    """The recorded arguments of a run that the question asks about, as plain data."""
    if type(args) is not dict:
        return {}
    def get(key: str, default: Any = None) -> Any:
        return dict.get(args, key, default)  # the dict's own lookup, whatever a subclass says

    estimator, state = get("base_estimator"), get("random_state")
    return {"estimator": estimator if type(estimator) is str else None if estimator is None
            else {"type": type(estimator).__name__},
            "n_random_starts": plain(get("n_random_starts")), "n_initial_points": plain(get("n_initial_points")),
            "x0": get("x0") is not None, "generator": plain(get("initial_point_generator", "random")),
            "random_state": "none" if state is None else "global" if state is np.random.mtrand._rand else "set"}


def _result_facts(value: Any, namespace: Mapping[str, Any]) -> dict:
    """In the kernel: a scikit-optimize result's points, values, space and recorded arguments, as plain data."""
    from scipy.optimize import OptimizeResult
    from skopt.space import Space

    if type(value) is not OptimizeResult:
        return {"result": False, "class": type(value).__name__}
    get = lambda key: dict.get(value, key)  # noqa: E731
    specs = get("specs")
    facts: dict = {"result": all(dict.__contains__(value, k) for k in ("x", "fun", "x_iters", "func_vals", "specs")),
                   "x_iters": plain(get("x_iters")), "func_vals": plain(get("func_vals")),
                   "args": _args_facts(dict.get(specs, "args") if type(specs) is dict else None)}
    models = get("models")
    facts["args"]["first_model"] = type(list.__getitem__(models, 0)).__name__ if type(models) is list and models else None
    space = get("space")
    dimensions = object.__getattribute__(space, "__dict__").get("dimensions") if type(space) is Space else None
    facts["dimensions"] = [_dimension_fields(d) for d in list.__iter__(dimensions)] if type(dimensions) is list else None
    return facts


def _result_given(namespace: Mapping[str, Any]) -> dict:
    """The set-up's numbers of calls and random starts and its seed (for the grader: the solution's run's), after
    making sure its ``objective`` is still the set-up cell's."""
    objective = namespace.get("objective")
    try:
        matches = callable(objective) and all(
            math.isclose(float(objective([x])), objective_value(x), rel_tol=1e-12, abs_tol=1e-15) for x in PROBES)
    except Exception:
        matches = False
    if not matches:
        raise ValueError(OBJECTIVE_CHANGED)
    return {"N_CALLS": plain(namespace.get("N_CALLS")), "N_INITIAL": plain(namespace.get("N_INITIAL")),
            "SEED": plain(namespace.get("SEED"))}


def _result(facts: Mapping[str, Any], given: Mapping[str, Any]) -> str | None:
    """Outside the kernel: a seeded Gaussian-process run of the set-up's objective over [-5, 0], with the set-up's
    numbers of calls and random starts."""
    if not facts.get("result"):
        return "expected the result object that scikit-optimize's optimizer returns"
    args = facts["args"]
    kind = _surrogate(args)
    if kind != "gp":
        described = {"dummy": "random sampling with no surrogate at all", "forest": "a random-forest surrogate",
                     "gbrt": "a gradient-boosting surrogate"}.get(kind, "an unknown surrogate")
        return f"this result was produced by {described}; the question asks for a Gaussian-process surrogate"
    dimensions = facts["dimensions"]
    if not isinstance(dimensions, list) or len(dimensions) != 1 or dimensions[0].get("kind") != "Real" \
            or not np.allclose((dimensions[0]["low"], dimensions[0]["high"]), (-5, 0)):
        shown = [_described(d) if "kind" in d else d.get("other") for d in dimensions or []]
        return f"the search space should be one real dimension from -5 to 0, found {shown}"
    points, values = facts["x_iters"], facts["func_vals"]
    if not isinstance(points, list) or not all(isinstance(p, list) and len(p) == 1 and is_number(p[0]) for p in points) \
            or not isinstance(values, np.ndarray) or values.dtype.kind != "f" or values.shape != (len(points),):
        return "expected the result object that scikit-optimize's optimizer returns"
    again = np.array([objective_value(float(p[0])) for p in points], dtype=float)
    if not np.allclose(again, values, rtol=1e-9, atol=1e-12):
        return "the values in the result are not those of `objective` at its points: minimise `objective` itself"
    if len(points) != given["N_CALLS"]:
        return f"expected N_CALLS evaluations, found {len(points)}"
    if initial_points(args) != given["N_INITIAL"]:
        return f"the run started with {initial_points(args)} random points; the question asks for N_INITIAL"
    if args["x0"]:
        return ("the run started from points you gave it (x0) before its random ones; the question asks for "
                "N_INITIAL random starting points only")
    if args["generator"] != "random":
        return (f"the starting points were laid out by {args['generator']!r}, not drawn at random; the question asks "
                "for random starting points")
    if args["random_state"] != "set":
        return "the run was not seeded with SEED, so its points change from run to run"
    seed = given["SEED"]
    if seed is not None and not np.allclose(_first_point(seed), points[0]):
        return "the run was not seeded with SEED: its first random point differs from a run seeded so"
    return None


def initial_points(args: Mapping[str, Any]) -> int | None:
    """How many random starting points a scikit-optimize run used, from its recorded arguments. Its deprecated
    ``n_random_starts``, when given, overrides ``n_initial_points`` (whose default then stays recorded)."""
    starts = args.get("n_random_starts")
    return starts if starts is not None else args.get("n_initial_points")


@functools.lru_cache(maxsize=8)
def _first_point(seed: int) -> list:
    """The first random point a gp_minimize run over Real(-5, 0) seeded with ``seed`` evaluates."""
    from skopt import gp_minimize
    from skopt.space import Real

    return gp_minimize(lambda point: 0.0, [Real(-5.0, 0.0)], n_calls=1, n_initial_points=1, random_state=seed).x_iters[0]


# --------------------------------------------------------------------------- question 5 (run and decide)

# How many calls did the run need? A function of a run's values, judged on made-up runs, because a student's own
# run cannot tell a right rule from a wrong one (with SEED 42 several readings give the same count).
#
# The question gives the problem's resolution (a tolerance: differences below it cannot be measured, one of its
# size can) and asks
# after how many calls the run could have stopped without losing anything measurable, and whether the Gaussian
# process's proposals found anything measurable that the random starts had not; how to read that is the
# student's to decide. The right reading: the first call whose best so far lies within the tolerance of the
# run's final best (that is, the first call whose own value does), and "the proposals helped" when that call is
# a proposal, not a random start. The hidden runs are built so that each plausible misreading decides at least
# one of them differently (tests/test_wrong_answers_05.py keeps each one as a fixture):
#
# - "small steps": the best improves in steps smaller than the tolerance that add up to more than it: the call
#   that found the final best, the last step larger than the tolerance, a tolerance relative to the best, and a
#   count from 0 each give another call;
# - "random start enough": the last random start is within the tolerance of the final best, which a proposal
#   finds later: "a proposal found the best", and "helped" read as "needed at least n_initial calls", say the
#   proposals helped;
# - "on the boundary": one call is exactly the tolerance above the final best (every number is a multiple of
#   1/4096, exact in binary), a difference the question calls measurable: counting it as within picks it, one call
#   too early;
# - "still improving": the final best comes at the last call, by a step larger than the tolerance.
# Each run ends with a high value and a drop after it (not a new best): "the last call more than the tolerance
# below the call before it" picks that drop.

UNIT = 1 / 4096  # every made-up value and tolerance is a whole number of units: comparisons are exact


def _filler(rng: np.random.Generator, low: float = 0.1, high: float = 1.3) -> int:
    """A value (in units) that is never a new best: between 0.1 and 1.3."""
    return int(rng.integers(int(low / UNIT), int(high / UNIT)))


def _budget_case(rng: np.random.Generator, kind: str) -> tuple[tuple, dict]:
    """A made-up run of ``kind`` (see above): its values in order, its number of random starts and a tolerance."""
    n_initial, quarter = int(rng.integers(3, 7)), int(rng.integers(2, 6))  # tolerance: 4 quarters of `quarter` units
    tolerance, best = 4 * quarter, int(rng.integers(205, 259))  # the final best, about 0.05 to 0.063
    starts = [_filler(rng, 0.3) for _ in range(n_initial)]
    if kind == "random start enough":
        starts[-1] = best + 2 * quarter  # within half the tolerance of the final best
        bests = [best]
    elif kind == "small steps":  # from 3 tolerances above the final best, in steps of three quarters of one
        bests = [best + 3 * tolerance - 3 * quarter * i for i in range(5)]
    elif kind == "on the boundary":
        bests = [best + tolerance, best + 2 * quarter, best]
    else:  # "still improving": the final best comes last, one step of two tolerances after the one before it
        bests = [best + 6 * tolerance, best + 4 * tolerance, best + 2 * tolerance, best]
    proposals = []
    for level in bests:
        proposals += [_filler(rng) for _ in range(int(rng.integers(0, 3)))] + [level]
    if kind != "still improving":
        proposals += [_filler(rng) for _ in range(int(rng.integers(0, 3)))]
        proposals += [_filler(rng, 1.0), _filler(rng, 0.1, 0.2)]  # high, then a drop that is no new best
    return ([v * UNIT for v in starts + proposals], n_initial, tolerance * UNIT), {}


def _budget_cases(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    return [_budget_case(rng, kind) for kind in ("small steps", "random start enough", "on the boundary",
                                                  "still improving")]


# 3 random starts, then the valley: the best reaches 0.0528 at call 8, within 0.0025 of the final best (0.0506, at
# call 11); the last step larger than the tolerance was call 7's
PUBLIC_STEPS = [1.2, 2.9, 0.9, 0.6, 0.3, 0.06, 0.0552, 0.0528, 0.0511, 0.09, 0.0506]
# 3 random starts, the second already within the tolerance of the final best (0.0519), which a proposal found
PUBLIC_START_ENOUGH = [0.40, 0.0530, 0.90, 0.70, 0.0520, 0.0521, 0.0519]


# Libraries this module's facts are read with: the grading kernel imports them before any student code, so that
# its snapshot restores them too (dlcourse/grading/kernel.py).
SNAPSHOT_MODULES = ('skopt', 'skopt.space', 'sklearn.model_selection')

QUESTIONS = [
    ValueQuestion(
        id="q1_search_space", points=2, variable="space", facts=_space_facts, decide=_space,
        hint="each hyperparameter needs the right kind of dimension (real, whole number, or a list of choices) and "
             "the learning rate a logarithmic scale; check what the shorthand turns a pair of whole numbers into.",
    ),
    FunctionQuestion(
        id="q2_expected_improvement", points=3, function="expected_improvement",
        public=[
            Case((A([0.2]), A([0.0]), 0.3), A([0.1])),
            Case((A([0.4]), A([0.0]), 0.3), A([0.0])),
            Case((A([0.3]), A([0.0]), 0.3), A([0.0])),
            Case((A([0.3, 0.3]), A([0.1, 0.2]), 0.3), A([0.1, 0.2]) * 0.3989422804014327),
            Case((A([0.35]), A([0.1]), 0.3), A([-0.05 * 0.3085375387259869 + 0.1 * 0.3520653267642995])),
        ],
        hidden=_gaussians,
        hint="think about the sign of the improvement for a minimisation, about candidates that are worse than the "
             "best but still uncertain, and about candidates with no uncertainty, which must be handled before "
             "dividing by it.",
    ),
    FunctionQuestion(
        id="q3_next_point_lcb", points=2, function="next_point_lcb",
        public=[
            Case((A([-3.0, -2.0, -1.0]), A([0.2, 0.1, 0.3]), A([0.0, 0.0, 0.5]), 0.1), -2.0),
            Case((A([-3.0, -2.0, -1.0]), A([0.2, 0.1, 0.3]), A([0.0, 0.0, 0.5]), 2.0), -1.0),
            Case((A([-1.0, -2.0, -3.0]), A([0.1, 0.2, 0.1]), A([0.0, 0.0, 0.0]), 1.0), -1.0),
            # the bound weighs the standard deviation (not the variance) by kappa itself
            Case((A([-3.0, -2.0, -1.0]), A([0.2, 0.1, 0.3]), A([0.0, 0.0, 0.3]), 1.0), -1.0),
            Case((A([-3.0, -2.0, -1.0]), A([0.2, 0.1, 0.35]), A([0.0, 0.0, 0.1]), 2.0), -2.0),
            Case((A([-3.0, -2.0, -1.0]), A([0.2, 0.1, 0.32]), A([0.0, 0.0, 0.4]), 0.5), -2.0),
        ],
        hidden=_lcb_cases,
        hint="the bound subtracts kappa times the uncertainty from the mean; you want the point where it is lowest "
             "(the first one on a tie), and the answer is that point, not its position.",
    ),
    ValueQuestion(
        id="q4_gp_minimize", points=2, variable="result", facts=_result_facts, given_facts=_result_given,
        decide=_result,
        hint="scikit-optimize has one minimiser per kind of surrogate; the question names the Gaussian-process one, "
             "and asks for a real interval, the given numbers of calls and random starts, and the seed.",
    ),
    FunctionQuestion(
        id="q5_budget", points=3, function="budget_needed",
        public=[Case((PUBLIC_STEPS, 3, 0.0025), {"calls_needed": 8, "proposals_helped": True}),
                Case((PUBLIC_START_ENOUGH, 3, 0.0025), {"calls_needed": 2, "proposals_helped": False})],
        hidden=_budget_cases,
        hint="compare where the run stood after each call with where it ended, not one call with the next: small "
             "gains add up; and the random starts are calls too, so ask whether one of them was already as good as "
             "the end, as far as you can measure.",
    ),
    WrittenQuestion(
        id="q6_converged", points=2,
        rubric="2 points: uses the student's own run (the figure, the printed values and `needed`): says how many of "
               "the N_CALLS calls the run needed (calls_needed) and whether the proposals helped, where the "
               "optimizer explored (far jumps, typically to the edges of the interval or across the bump near -1.2) "
               "and where it exploited (points close together near the valley around -2.5), and decides a budget "
               "for a real search of this kind consistently with them: calls after calls_needed bought nothing "
               "measurable, so with a converged run in the valley fewer calls would have done (the objective's "
               "minimum is 0.05, within the tolerance of a run that reached the valley); if calls_needed is close to "
               "N_CALLS (the best still improving measurably in the last calls), more. Late far jumps while the best "
               "stays put are exploration (gp_hedge keeps exploring), not by themselves a sign that the run had not "
               "converged. Says that this is one run with one seed (other random "
               "starts give another count), or that a real objective has more dimensions and noisy scores, so the "
               "budget needs a margin: a plus, and needed for 2 points when the answer proposes far fewer calls. 1 "
               "point: a decision without reference to the run, or a description without a decision. 0: contradicts "
               "the run's numbers. Compare the quoted numbers with the student's printed values and `needed`: "
               "numbers the run did not print (the lesson's run, the model answer's) count as none.",
    ),
    WrittenQuestion(
        id="q7_when_bayes", points=2,
        rubric="2 points: (a) Bayesian optimization: trials are expensive (2 h), few (25) and sequential on one "
               "GPU, 4 mostly continuous dimensions suit a Gaussian-process surrogate; (b) random search: trials "
               "are cheap and 200 run in parallel (a sequential optimizer cannot use them well), and a surrogate "
               "over 30 dimensions is hard to fit; many random trials cover the space for the same wall-clock "
               "time. 1 point: both choices right with only one reason, or one case fully argued. 0: neither.",
    ),
]
