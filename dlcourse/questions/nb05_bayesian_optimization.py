"""Questions of ``05_bayesian_optimization``.

The run questions are validated against what they ask: which optimizer produced a result
(scikit-optimize records the surrogate it used; its ``specs["function"]`` says only
``base_minimize``), which objective and space it searched, whether it was seeded, and,
for the run-and-decide question, the student's own run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dlcourse.checking import Case, FunctionQuestion, ValueQuestion, WrittenQuestion

A = np.array
SPACE_KEYS = {"optimizer__learning_rate", "units", "batch_size"}


def _space(value: Any, namespace: Mapping[str, Any]) -> str | None:
    from skopt.space import Categorical, Integer, Real, check_dimension

    if not isinstance(value, Mapping):
        return "expected a dict from hyperparameter names to scikit-optimize dimensions"
    if "activation" in value or "model__activation" in value:
        return "the lesson's build_network has no activation argument: a search could not set it"
    if "units" in value and "model__units" in value:
        return "the number of units appears twice (under two names): give it once"
    # scikeras routes `model__units` to the build function's `units` argument, as a bare `units` does
    found = {("units" if key == "model__units" else key): dimension for key, dimension in value.items()}
    if set(found) != SPACE_KEYS:
        return f"expected the hyperparameters {sorted(SPACE_KEYS)}, found {sorted(map(str, value))}"
    try:
        lr, units, batch = (check_dimension(found[k]) for k in ("optimizer__learning_rate", "units", "batch_size"))
    except Exception as exc:
        return f"not a dimension scikit-optimize understands ({exc})"
    if not isinstance(lr, Real):
        return f"the learning rate should be a real number, found {type(lr).__name__}"
    if not np.allclose(lr.bounds, (1e-4, 1e-1)):
        return f"the learning rate should range from 0.0001 to 0.1, found {lr.bounds}"
    if lr.prior != "log-uniform":
        return "the learning rate is drawn uniformly: most draws would land in the top decade; use a log scale"
    if not isinstance(units, Integer):
        return f"the number of units should be a range of whole numbers, found {type(units).__name__}"
    if tuple(units.bounds) != (16, 256):
        return f"the number of units should range from 16 to 256, found {tuple(units.bounds)}"
    if not isinstance(batch, Categorical):
        return (f"the batch size became {batch}: a range, not the four choices the question names "
                "(a pair of whole numbers is read as a range)")
    if sorted(batch.categories) != [16, 32, 64, 128]:
        return f"the batch sizes should be 16, 32, 64 and 128, found {list(batch.categories)}"
    if not all(isinstance(size, (int, np.integer)) and not isinstance(size, bool) for size in batch.categories):
        return (f"the batch sizes should be whole numbers, found {list(batch.categories)}: Keras cannot cut its data "
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


def _surrogate(result: Any) -> str:
    """The kind of surrogate behind a scikit-optimize result: "gp", "forest", "gbrt", "dummy" or "unknown"."""
    specs = getattr(result, "specs", None) or {}
    estimator = specs.get("args", {}).get("base_estimator")
    models = list(getattr(result, "models", []) or [])
    if isinstance(estimator, str):
        name = estimator.lower()
    elif estimator is not None:
        name = type(estimator).__name__.lower()
    elif models:
        name = type(models[0]).__name__.lower()
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


def _result(value: Any, namespace: Mapping[str, Any]) -> str | None:
    from skopt.space import Real

    for attribute in ("x", "fun", "x_iters", "func_vals", "specs"):
        if not hasattr(value, attribute):
            return "expected the result object that scikit-optimize's optimizer returns"
    kind = _surrogate(value)
    if kind != "gp":
        described = {"dummy": "random sampling with no surrogate at all", "forest": "a random-forest surrogate",
                     "gbrt": "a gradient-boosting surrogate"}.get(kind, "an unknown surrogate")
        return f"this result was produced by {described}; the question asks for a Gaussian-process surrogate"
    dimensions = value.space.dimensions
    if len(dimensions) != 1 or not isinstance(dimensions[0], Real) or not np.allclose(dimensions[0].bounds, (-5, 0)):
        return f"the search space should be one real dimension from -5 to 0, found {dimensions}"
    objective = namespace.get("objective")
    if objective is not None:
        again = np.array([objective(list(x)) for x in value.x_iters], dtype=float)
        if not np.allclose(again, value.func_vals, rtol=1e-9, atol=1e-12):
            return "the values in the result are not those of `objective` at its points: minimise `objective` itself"
    n_calls = namespace.get("N_CALLS")
    if len(value.x_iters) != n_calls:
        return f"expected N_CALLS evaluations, found {len(value.x_iters)}"
    args = value.specs.get("args", {})
    if initial_points(value) != namespace.get("N_INITIAL"):
        return f"the run started with {initial_points(value)} random points; the question asks for N_INITIAL"
    if args.get("x0") is not None:
        return ("the run started from points you gave it (x0) before its random ones; the question asks for "
                "N_INITIAL random starting points only")
    generator = args.get("initial_point_generator", "random")
    if generator != "random":
        return (f"the starting points were laid out by {generator!r}, not drawn at random; the question asks for "
                "random starting points")
    state = args.get("random_state")
    if state is None or state is np.random.mtrand._rand:
        return "the run was not seeded with SEED, so its points change from run to run"
    seed = namespace.get("SEED")
    if seed is not None and not np.allclose(_first_point(seed), value.x_iters[0]):
        return "the run was not seeded with SEED: its first random point differs from a run seeded so"
    return None


def initial_points(result: Any) -> int | None:
    """How many random starting points a scikit-optimize run used. Its deprecated ``n_random_starts``,
    when given, overrides ``n_initial_points`` (whose default then stays in the recorded arguments)."""
    args = (getattr(result, "specs", None) or {}).get("args", {})
    starts = args.get("n_random_starts")
    return starts if starts is not None else args.get("n_initial_points")


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


QUESTIONS = [
    ValueQuestion(
        id="q1_search_space", points=2, variable="space", validate=_space,
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
        id="q4_gp_minimize", points=2, variable="result", validate=_result,
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
