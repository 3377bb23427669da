"""Questions of ``05_bayesian_optimization``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dlcourse.checking import Case, FunctionQuestion, ValueQuestion, WrittenQuestion

A = np.array


def _space(value: Any, namespace: Mapping[str, Any]) -> str | None:
    from skopt.space import Categorical, Integer, Real

    if not isinstance(value, Mapping):
        return "expected a dict from parameter names to skopt dimensions"
    wanted = {"optimizer__learning_rate", "units", "activation"}
    if set(value) != wanted:
        return f"expected the keys {sorted(wanted)}, found {sorted(map(str, value))}"
    lr, units, activation = value["optimizer__learning_rate"], value["units"], value["activation"]
    if not isinstance(lr, Real) or not np.allclose(lr.bounds, (1e-4, 1e-1)) or lr.prior != "log-uniform":
        return "optimizer__learning_rate should be Real(1e-4, 1e-1, prior='log-uniform')"
    if not isinstance(units, Integer) or tuple(units.bounds) != (16, 256):
        return "units should be Integer(16, 256)"
    if not isinstance(activation, Categorical) or set(activation.categories) != {"relu", "tanh"}:
        return "activation should be Categorical(['relu', 'tanh'])"
    return None


def _gaussians(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    cases = []
    for n in (1, 5, 40):
        mu, sigma = rng.normal(0.3, 0.1, n), rng.uniform(0.0, 0.1, n)
        sigma[0] = 0.0  # a point already evaluated: no uncertainty
        cases.append(((mu, sigma, float(np.round(rng.uniform(0.1, 0.4), 3))), {}))
    return cases


def _lcb_cases(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    cases = []
    for n, kappa in ((3, 0.1), (20, 1.96), (100, 5.0)):
        xs = np.linspace(-5, 0, n)
        cases.append(((xs, rng.normal(0.3, 0.1, n), rng.uniform(0.0, 0.1, n), kappa), {}))
    return cases


def _result(value: Any, namespace: Mapping[str, Any]) -> str | None:
    for attribute in ("x", "fun", "x_iters", "func_vals"):
        if not hasattr(value, attribute):
            return "expected the result object that gp_minimize returns"
    n_calls = namespace.get("N_CALLS")
    if len(value.x_iters) != n_calls:
        return f"expected {n_calls} evaluations (n_calls=N_CALLS), found {len(value.x_iters)}"
    if not np.isclose(value.fun, np.min(value.func_vals)):
        return "result.fun should be the lowest value found"
    if not -5 <= value.x[0] <= 0:
        return f"the best point should lie in [-5, 0], found {value.x[0]}"
    return None


QUESTIONS = [
    ValueQuestion(
        id="q1_search_space", points=2, variable="space", validate=_space,
        hint="Real(low, high, prior='log-uniform'), Integer(low, high), Categorical([...]) from skopt.space.",
    ),
    FunctionQuestion(
        id="q2_expected_improvement", points=3, function="expected_improvement",
        public=[
            Case((A([0.2]), A([0.0]), 0.3), A([0.1])),
            Case((A([0.4]), A([0.0]), 0.3), A([0.0])),
            Case((A([0.3, 0.3]), A([0.1, 0.2]), 0.3), A([0.1, 0.2]) * 0.3989422804014327),
        ],
        hidden=_gaussians,
        hint="with z = (best - mu) / sigma: EI = (best - mu) * Phi(z) + sigma * phi(z); where sigma is 0, EI = max(best - mu, 0).",
    ),
    FunctionQuestion(
        id="q3_next_point_lcb", points=2, function="next_point_lcb",
        public=[
            Case((A([-3.0, -2.0, -1.0]), A([0.2, 0.1, 0.3]), A([0.0, 0.0, 0.5]), 0.1), -2.0),
            Case((A([-3.0, -2.0, -1.0]), A([0.2, 0.1, 0.3]), A([0.0, 0.0, 0.5]), 2.0), -1.0),
        ],
        hidden=_lcb_cases,
        hint="compute mu - kappa * sigma for every candidate and return the x where it is smallest (the first on a tie).",
    ),
    ValueQuestion(
        id="q4_gp_minimize", points=2, variable="result", validate=_result,
        hint="gp_minimize(objective, [Real(-5.0, 0.0)], n_calls=N_CALLS, random_state=SEED)",
    ),
    WrittenQuestion(id="q5_when_bayes", points=2),
]
