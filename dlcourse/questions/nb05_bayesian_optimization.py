"""Questions of ``05_bayesian_optimization``.

The run questions are validated against what they ask: which optimizer produced a result
(scikit-optimize records the surrogate it used; its ``specs["function"]`` says only
``base_minimize``), which objective and space it searched, whether it was seeded, and,
for the run-and-decide question, the student's own run.
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

# A function of a run's points and values, judged on made-up runs, because a student's own run cannot tell a
# right rule from a wrong one: with SEED 42, comparing each point with the run's final best point instead of
# the best point before it gives the same counts in both budgets.

EXPLOIT_RADIUS = 0.25
LAST = 5


def reading_of(points: Any, values: Any, n_initial: int, *, before: str = "best so far") -> dict:
    """What question 5 asks for (``before="best so far"``), or a plausible misreading of it: each chosen point
    compared with the run's final best point, with the best including itself, or with the point before it."""
    points, values = np.ravel(np.asarray(points, dtype=float)), np.asarray(values, dtype=float)

    def reference(i: int) -> float:
        return {"best so far": lambda: points[int(np.argmin(values[:i]))],
                "final best": lambda: points[int(np.argmin(values))],
                "best including itself": lambda: points[int(np.argmin(values[:i + 1]))],
                "previous point": lambda: points[i - 1]}[before]()

    exploring = [abs(points[i] - reference(i)) > EXPLOIT_RADIUS for i in range(n_initial, len(points))]
    best_call = int(np.argmin(values)) + 1
    return {
        "best_call": best_call,
        "n_explore": int(sum(exploring)),
        "n_exploit": int(len(exploring) - sum(exploring)),
        "converged": bool(best_call <= len(points) - LAST and not any(exploring[-LAST:])),
    }


MISREADINGS = ("final best", "best including itself", "previous point")


def _run(rng: np.random.Generator, kind: str) -> tuple[tuple, dict]:
    """A made-up 1-D run on [-5, 0] that every misreading of "explore" counts differently.

    The best value comes exactly LAST evaluations before the end (the boundary of the rule), and the
    points after it stay near it; one of them lies exactly EXPLOIT_RADIUS away (it exploits: only *more*
    than the radius explores). ``kind``: "converged" as such; "last jumps" or "jump among the last" (at
    -LAST): one of the last points jumps away, and early on two evaluations tie for the best so far at
    distant points, followed by a point near the second (compare with the first of them: it explores);
    "late best": the best comes one evaluation later (LAST - 1 before the end) with no jump, so only the
    "at least LAST before the end" condition says it has not converged. One value ties the best later
    on (the first one counts). Every number is exact in binary where a comparison is close."""
    for _ in range(1000):
        n_initial, n = int(rng.integers(2, 5)), int(rng.integers(12, 17))
        points = np.round(rng.uniform(-5.0, 0.0, n), 3)
        values = np.round(rng.uniform(0.3, 3.0, n), 3)
        best = n - LAST if kind == "late best" else n - LAST - 1
        points[best] = np.round(rng.uniform(-4.5, -0.5) * 4) / 4  # a multiple of 0.25
        values[best] = 0.1
        after = np.clip(points[best] + rng.uniform(-0.2, 0.2, n - best - 1), -5, 0)
        after[int(rng.integers(0, len(after)))] = points[best] + (EXPLOIT_RADIUS if points[best] < -2.5 else -EXPLOIT_RADIUS)
        points[best + 1:] = after
        if kind == "late best":  # the best itself lies near the best before it: nothing in the last LAST explores
            earlier = int(np.argmin(values[:best]))
            points[earlier] = np.clip(points[best] + 0.125, -5, 0)
        if kind in ("last jumps", "jump among the last"):
            points[-1 if kind == "last jumps" else -LAST] = points[best] - 2.0 if points[best] > -2.5 else points[best] + 2.0
            first, second = int(rng.integers(0, n_initial)), n_initial
            values[[first, second]] = 0.2  # tied for the best so far, far apart
            points[second] = points[first] - 1.5 if points[first] > -2.5 else points[first] + 1.5
            points[second + 1] = points[second] + 0.125
        values[int(rng.integers(best + 1, n))] = 0.1  # a tie for the best, later: the first one counts
        args = (points.tolist(), values.tolist(), n_initial)
        right = reading_of(*args)
        if all(reading_of(*args, before=other)["n_explore"] != right["n_explore"] for other in MISREADINGS):
            return args, {}
    raise RuntimeError("no distinguishing run drawn")  # never reached for the sizes above


def _runs(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    """A converged run, one whose last point jumps away, one whose last LAST points begin with a jump, and
    one whose best comes too late."""
    return [_run(rng, kind) for kind in ("converged", "last jumps", "jump among the last", "late best")]


# 3 random starts, then: a jump (explores), small steps near the valley (exploit), the best at call 6
PUBLIC_POINTS = [-1.0, -4.0, -0.5, -2.3, -2.4, -2.5, -2.45, -2.55, -2.52, -2.48, -2.51]
PUBLIC_VALUES = [1.2, 2.9, 0.9, 0.6, 0.3, 0.06, 0.08, 0.07, 0.065, 0.09, 0.061]
# 3 random starts, then jumps back and forth: compared with the best point *before* each (call 3 for calls 4
# and 5, call 5 after that), calls 4, 5 and 6 explore and call 7 exploits; compared with the final best
# (call 5), call 5 would exploit
MOVING_POINTS = [-1.0, -4.0, -0.5, -1.1, -3.0, -0.45, -3.1]
MOVING_VALUES = [1.0, 2.0, 0.8, 0.9, 0.2, 0.7, 0.3]


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
        id="q5_reading", points=3, function="read_run",
        public=[Case((PUBLIC_POINTS, PUBLIC_VALUES, 3), {"best_call": 6, "n_explore": 1, "n_exploit": 7, "converged": True}),
                Case((MOVING_POINTS, MOVING_VALUES, 3), {"best_call": 5, "n_explore": 3, "n_exploit": 1,
                                                          "converged": False})],
        hidden=_runs,
        hint="the first points were the random starts; 'the best so far' before an evaluation uses only the "
             "evaluations before it, not the run's final best; count evaluations from 1.",
    ),
    WrittenQuestion(
        id="q6_converged", points=2,
        rubric="2 points: uses the student's own run (the convergence plot and the numbers in `reading`): says "
               "whether the best value stopped improving and when (best_call against N_CALLS), where the "
               "optimizer explored (far jumps, typically to the edges of the interval or across the bump near "
               "-1.2) and where it exploited (points close together near the valley around -2.5), and decides "
               "whether more calls would pay: little to gain if it converged near the valley (the objective's "
               "minimum is 0.05), some if it was still exploring or its best lay away from -2.5. 1 point: a "
               "decision without reference to the run, or a description without a decision. 0: contradicts "
               "the run's numbers. Compare the quoted numbers with the student's printed points, values and "
               "reading: numbers the run did not print (the lesson's run, the model answer's) count as none.",
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
