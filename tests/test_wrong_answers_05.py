"""Plausible wrong answers to exercise 05 fail under ``check`` and under ``dlcourse grade``.

Each fixture is a namespace as a student's notebook would hold it; both paths must reject
it with a message that says what is wrong without giving the code, and the solution's own
answer passes both. Optimizer runs are real but short (7 calls, 5 of them random).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
import sklearn

from dlcourse.checking import Status, questions_for

PASS = Status.PASSED  # the verdict of a right answer
from tests import judging
from tests.judging import solution_namespace
from tests.judging import equals_anything


NB = "05_bayesian_optimization"
ROOT = Path(__file__).resolve().parents[1]


def assert_rejected(qid: str, namespace: dict, phrase: str) -> None:
    judging.assert_rejected(NB, qid, namespace, phrase)


def assert_accepted(qid: str, namespace: dict) -> None:
    judging.assert_accepted(NB, qid, namespace)


def solution_cell(qid: str) -> str:
    cells = nbformat.read(ROOT / "solutions" / f"{NB}.ipynb", as_version=4).cells
    return next(c.source for c in cells if c.source.startswith(f"# EXERCISE {qid}"))


# --------------------------------------------------------------------------- q1: the search space


def test_q1_the_solution_and_the_tuple_shorthand_pass():
    namespace: dict = {}
    exec(solution_cell("q1_search_space"), namespace)
    assert_accepted("q1_search_space", namespace)
    shorthand = {"optimizer__learning_rate": (1e-4, 1e-1, "log-uniform"), "units": (16, 256), "batch_size": [16, 32, 64, 128]}
    assert_accepted("q1_search_space", {"space": shorthand})
    # scikeras routes `model__units` to the build function's `units` argument, as lesson 04 showed
    routed = {"optimizer__learning_rate": (1e-4, 1e-1, "log-uniform"), "model__units": (16, 256),
              "batch_size": [16, 32, 64, 128]}
    assert_accepted("q1_search_space", {"space": routed})


def wrong_spaces():
    from skopt.space import Categorical, Integer, Real

    right = {"optimizer__learning_rate": Real(1e-4, 1e-1, prior="log-uniform"), "units": Integer(16, 256),
             "batch_size": Categorical([16, 32, 64, 128])}
    return [
        # the old question's answer: an argument the lesson's network does not have
        ({**right, "activation": Categorical(["relu", "tanh"])}, "has no activation argument"),
        ({**right, "optimizer__learning_rate": Real(1e-4, 1e-1)}, "drawn uniformly"),
        ({**right, "optimizer__learning_rate": (1e-4, 1e-1)}, "drawn uniformly"),
        ({**right, "batch_size": [16, 128]}, "a range, not the four choices"),
        ({**right, "units": Real(16, 256)}, "a range of whole numbers"),
        ({**right, "units": Integer(16, 128)}, "should range from 16 to 256"),
        # Keras cannot cut its data into batches of 16.0 samples: every trial of the search would fail
        ({**right, "batch_size": Categorical([16.0, 32.0, 64.0, 128.0])}, "should be whole numbers"),
        ({**right, "units": Integer(16, 256), "model__units": Integer(16, 256)}, "appears twice"),
    ]


@pytest.mark.parametrize("number", range(8))
def test_q1_wrong_spaces_fail(number):
    space, phrase = wrong_spaces()[number]
    assert_rejected("q1_search_space", {"space": space}, phrase)


# --------------------------------------------------------------------------- q2, q3: acquisition functions


def test_q2_q3_the_solution_passes():
    namespace = solution_namespace(NB)
    assert_accepted("q2_expected_improvement", namespace)
    assert_accepted("q3_next_point_lcb", namespace)


def ei_without_the_zero_case(mu, sigma, best):
    from scipy.stats import norm

    with np.errstate(divide="ignore", invalid="ignore"):
        z = (best - mu) / sigma
        return (best - mu) * norm.cdf(z) + sigma * norm.pdf(z)


def ei_for_maximisation(mu, sigma, best):
    from scipy.stats import norm

    gain = np.asarray(mu, dtype=float) - best
    ei = np.maximum(gain, 0.0)
    ok = sigma > 0
    ei[ok] = gain[ok] * norm.cdf(gain[ok] / sigma[ok]) + sigma[ok] * norm.pdf(gain[ok] / sigma[ok])
    return ei


def ei_clipped_gain(mu, sigma, best):
    from scipy.stats import norm

    gain = np.maximum(best - np.asarray(mu, dtype=float), 0.0)  # wrong: a worse mean still has a chance
    ei = gain.copy()
    ok = sigma > 0
    ei[ok] = gain[ok] * norm.cdf(gain[ok] / sigma[ok]) + sigma[ok] * norm.pdf(gain[ok] / sigma[ok])
    return ei


@pytest.mark.parametrize("wrong", [ei_without_the_zero_case, ei_for_maximisation, ei_clipped_gain])
def test_q2_wrong_formulas_fail_on_public_cases(wrong):
    assert_rejected("q2_expected_improvement", {"np": np, "expected_improvement": wrong}, "case ")


def upper_bound(xs, mu, sigma, kappa):
    return float(xs[int(np.argmin(np.asarray(mu) + kappa * np.asarray(sigma)))])


def position_not_point(xs, mu, sigma, kappa):
    return int(np.argmin(np.asarray(mu) - kappa * np.asarray(sigma)))


def last_on_tie(xs, mu, sigma, kappa):
    bound = np.asarray(mu) - kappa * np.asarray(sigma)
    return float(xs[len(bound) - 1 - int(np.argmin(bound[::-1]))])


@pytest.mark.parametrize("wrong", [upper_bound, position_not_point, last_on_tie])
def test_q3_wrong_choices_fail(wrong):
    assert_rejected("q3_next_point_lcb", {"np": np, "next_point_lcb": wrong}, "case ")


def variance_not_std(xs, mu, sigma, kappa):  # the surrogate's variance where its standard deviation belongs
    return float(np.asarray(xs)[int(np.argmin(np.asarray(mu) - kappa * np.asarray(sigma) ** 2))])


def kappa_squared(xs, mu, sigma, kappa):
    return float(np.asarray(xs)[int(np.argmin(np.asarray(mu) - kappa**2 * np.asarray(sigma)))])


def root_of_kappa(xs, mu, sigma, kappa):  # kappa read as a variance-like factor
    return float(np.asarray(xs)[int(np.argmin(np.asarray(mu) - np.sqrt(kappa) * np.asarray(sigma)))])


def smallest_x_on_tie(xs, mu, sigma, kappa):  # min over (bound, x) pairs: a tie goes to the smaller x
    return float(min(zip(np.asarray(mu) - kappa * np.asarray(sigma), xs))[1])


@pytest.mark.parametrize("wrong", [variance_not_std, kappa_squared, root_of_kappa, smallest_x_on_tie])
def test_q3_wrong_weights_and_tie_breaks_fail_on_public_and_on_hidden_cases(wrong):
    # these passed all public cases before (and the first three every hidden case of some draws)
    assert_rejected("q3_next_point_lcb", {"np": np, "next_point_lcb": wrong}, "case ")
    n_public = len(questions_for(NB)["q3_next_point_lcb"].public)
    for seed in (1, 2024, 12345):
        hidden_only = judging.grading_cases(NB, "q3_next_point_lcb", seed=seed)[n_public:]
        status, _ = judging.by_grader(NB, "q3_next_point_lcb", {"np": np, "next_point_lcb": wrong}, hidden_only)
        assert status != PASS, (wrong.__name__, seed)


def test_hidden_cases_exercise_the_public_edge_cases():
    questions = questions_for(NB)
    mu, sigma, best = questions["q2_expected_improvement"].hidden(np.random.default_rng(3))[1][0]
    assert sigma[1] == 0 and mu[1] == best and mu[2] > best  # 0/0, and a worse but uncertain mean
    xs, mu, sigma, kappa = questions["q3_next_point_lcb"].hidden(np.random.default_rng(3))[1][0]
    bound = mu - kappa * sigma
    assert (bound == bound.min()).sum() == 2  # a tie


# --------------------------------------------------------------------------- q4: the optimizer's run


def objective(point):
    x = point[0]
    return 0.05 + 0.04 * (x + 2.5) ** 2 + 0.12 * np.exp(-(((x + 1.2) / 0.3) ** 2))


BASE = {"objective": objective, "N_CALLS": 7, "N_INITIAL": 5, "SEED": 42, "np": np}


@pytest.fixture(scope="module")
def gp_result():
    from skopt import gp_minimize
    from skopt.space import Real

    return gp_minimize(objective, [Real(-5.0, 0.0)], n_calls=7, n_initial_points=5, random_state=42)


def test_q4_the_solution_passes(gp_result):
    assert_accepted("q4_gp_minimize", {**BASE, "result": gp_result})


def test_q4_the_deprecated_name_of_the_random_starts_passes_and_is_read(gp_result):
    from skopt import gp_minimize
    from skopt.space import Real

    # scikit-optimize's older name: it overrides n_initial_points, whose default 10 stays in result.specs
    with pytest.warns(DeprecationWarning):
        old = gp_minimize(objective, [Real(-5.0, 0.0)], n_calls=7, n_random_starts=5, random_state=42)
    assert old.specs["args"]["n_initial_points"] == 10 and np.allclose(old.x_iters, gp_result.x_iters)
    assert_accepted("q4_gp_minimize", {**BASE, "result": old})


def test_q4_given_or_laid_out_starting_points_fail():
    from skopt import gp_minimize
    from skopt.space import Real

    settings = dict(func=objective, dimensions=[Real(-5.0, 0.0)], n_calls=7, n_initial_points=5, random_state=42)
    with_x0 = gp_minimize(**settings, x0=[[-2.5]])
    assert_rejected("q4_gp_minimize", {**BASE, "result": with_x0}, "started from points you gave it")
    latin = gp_minimize(**settings, initial_point_generator="lhs")
    assert_rejected("q4_gp_minimize", {**BASE, "result": latin}, "laid out by 'lhs', not drawn at random")


def test_q4_another_surrogate_fails():
    from skopt import forest_minimize
    from skopt.space import Real

    forest = forest_minimize(objective, [Real(-5.0, 0.0)], n_calls=7, n_initial_points=5, random_state=42)
    assert_rejected("q4_gp_minimize", {**BASE, "result": forest}, "a random-forest surrogate")


def test_q4_a_random_sampling_result_fails(gp_result):
    # dummy_minimize raises on scikit-learn >= 1.7 but runs on Colab's 1.6; its result looks like this
    dummy = copy.copy(gp_result)
    dummy.specs = {"args": {**gp_result.specs["args"], "base_estimator": "dummy", "n_initial_points": 7},
                   "function": "base_minimize"}
    dummy.models = []
    assert_rejected("q4_gp_minimize", {**BASE, "result": dummy}, "random sampling with no surrogate")


def test_q4_wrong_runs_fail(gp_result):
    from skopt import gp_minimize
    from skopt.space import Real

    wrong = {
        "one real dimension from -5 to 0": dict(dimensions=[(-5, 0)]),  # whole numbers: an Integer range
        "not seeded with SEED": dict(random_state=None),
        "asks for N_INITIAL": dict(n_initial_points=3),
        "not those of `objective`": dict(func=lambda p: -objective(p)),
    }
    for phrase, change in wrong.items():
        settings = dict(func=objective, dimensions=[Real(-5.0, 0.0)], n_calls=7, n_initial_points=5, random_state=42)
        settings.update(change)
        assert_rejected("q4_gp_minimize", {**BASE, "result": gp_minimize(**settings)}, phrase)
    other_seed = gp_minimize(objective, [Real(-5.0, 0.0)], n_calls=7, n_initial_points=5, random_state=7)
    assert_rejected("q4_gp_minimize", {**BASE, "result": other_seed}, "its first random point differs")


def test_the_scikit_optimize_calls_the_lesson_describes():
    """Lesson 05 says which scikit-optimize 0.10 calls work with this scikit-learn; keep it true."""
    from skopt import dummy_minimize, forest_minimize, gbrt_minimize, gp_minimize

    space = [(-1.0, 1.0)]
    assert gp_minimize(lambda p: p[0] ** 2, space, n_calls=4, n_initial_points=3, random_state=0).fun >= 0
    assert forest_minimize(lambda p: p[0] ** 2, space, n_calls=4, n_initial_points=3, random_state=0).fun >= 0
    if tuple(int(v) for v in sklearn.__version__.split(".")[:2]) >= (1, 7):
        with pytest.raises(AttributeError, match="__sklearn_tags__"):
            dummy_minimize(lambda p: p[0] ** 2, space, n_calls=4, random_state=0)
        with pytest.raises(ValueError):
            gbrt_minimize(lambda p: p[0] ** 2, space, n_calls=4, n_initial_points=3, random_state=0)


# --------------------------------------------------------------------------- q5: how many calls the run needed


def reference(values, n_initial, tolerance):
    """The right reading, written another way than the solution's: the first call whose own value lies within the
    tolerance of the run's final best, less than one tolerance above it (from then on, the best so far does too)."""
    values = [float(v) for v in values]
    calls_needed = next(call for call, value in enumerate(values, start=1) if value - min(values) < tolerance)
    return {"calls_needed": calls_needed, "proposals_helped": calls_needed > n_initial}


def budget_with(*, needed="within the tolerance of the end", helped="needed a proposal", count_from=1):
    """A budget_needed that follows the question except where a keyword says otherwise."""
    def budget_needed(values, n_initial, tolerance):
        values = np.asarray(values, dtype=float)
        best = np.minimum.accumulate(values)
        final = values.min()
        if needed == "within the tolerance of the end":
            call = int(np.argmax(best < final + tolerance))
        elif needed == "a gap of exactly the tolerance as within":  # one image more is a difference you can measure
            call = int(np.argmax(best <= final + tolerance))
        elif needed == "relative tolerance":
            call = int(np.argmax(best <= final * (1 + tolerance)))
        elif needed == "the call that found the best":
            call = int(np.argmin(values))
        elif needed == "the last step larger than the tolerance":  # small gains that add up are lost
            steps = [i for i in range(1, len(values)) if best[i - 1] - best[i] > tolerance]
            call = steps[-1] if steps else 0
        elif needed == "the last drop from the call before":  # one value against the next, not the best so far
            drops = [i for i in range(1, len(values)) if values[i - 1] - values[i] > tolerance]
            call = drops[-1] if drops else 0
        else:  # "proposals only": the calls after the random starts
            call = int(np.argmax(best < final + tolerance)) - n_initial
        calls_needed = call + count_from
        if helped == "needed a proposal":
            proposals_helped = calls_needed > n_initial
        elif helped == "a proposal found the best":
            proposals_helped = int(np.argmin(values)) >= n_initial
        else:  # "at least n_initial calls"
            proposals_helped = calls_needed >= n_initial
        return {"calls_needed": int(calls_needed), "proposals_helped": bool(proposals_helped)}
    return budget_needed


MISREADINGS = {  # each decides at least one hidden run differently from the right reading, in every draw
    "the call that found the best": dict(needed="the call that found the best"),
    "the last step larger than the tolerance": dict(needed="the last step larger than the tolerance"),
    "the last drop from the call before": dict(needed="the last drop from the call before"),
    "a tolerance relative to the best": dict(needed="relative tolerance"),
    "a gap of exactly the tolerance counted as within": dict(needed="a gap of exactly the tolerance as within"),
    "counted from 0": dict(count_from=0),
    "the proposals' calls only": dict(needed="proposals only"),
    "helped: a proposal found the best": dict(helped="a proposal found the best"),
    "helped: at least n_initial calls": dict(helped="at least n_initial calls"),
}
CAUGHT_BY_CHECK = ("the call that found the best", "the last step larger than the tolerance",
                   "the last drop from the call before", "a tolerance relative to the best", "counted from 0",
                   "the proposals' calls only", "helped: a proposal found the best")


def test_q5_the_solution_and_the_reference_pass():
    assert_accepted("q5_budget", solution_namespace(NB))
    assert_accepted("q5_budget", {"np": np, "budget_needed": budget_with()})
    assert_accepted("q5_budget", {"np": np, "budget_needed": reference})


@pytest.mark.parametrize("name", CAUGHT_BY_CHECK)
def test_q5_misreadings_fail_check_and_the_grader(name):
    assert_rejected("q5_budget", {"np": np, "budget_needed": budget_with(**MISREADINGS[name])}, "expected")


@pytest.mark.parametrize("name", [name for name in MISREADINGS if name not in CAUGHT_BY_CHECK])
@pytest.mark.parametrize("seed", [0, 1, 2024])
def test_q5_misreadings_that_only_hidden_cases_catch_fail_in_the_grader(name, seed):
    namespace = {"np": np, "budget_needed": budget_with(**MISREADINGS[name])}
    judging.assert_only_hidden_cases_reject(NB, "q5_budget", namespace, seed)


@pytest.mark.parametrize("seed", range(30))
def test_q5_every_draw_of_hidden_runs_separates_each_misreading(seed):
    """In every draw, each misreading decides at least one hidden run differently from the right reading, the
    proposals helped in some runs and not in another, and the solution agrees with the reference."""
    namespace = solution_namespace(NB)
    runs = questions_for(NB)["q5_budget"].hidden(np.random.default_rng(seed))
    right = [reference(*args) for args, _ in runs]
    assert [namespace["budget_needed"](*args) for args, _ in runs] == right
    assert {r["proposals_helped"] for r in right} == {True, False}
    assert right[-1]["calls_needed"] == len(runs[-1][0][0])  # "still improving": the last call was needed
    for name, options in MISREADINGS.items():
        wrong = budget_with(**options)
        assert [wrong(*args) for args, _ in runs] != right, name


def test_q5_the_public_cases_are_what_their_comments_say():
    steps, enough = (case.args for case in questions_for(NB)["q5_budget"].public)
    assert reference(*steps) == {"calls_needed": 8, "proposals_helped": True}
    assert budget_with(needed="the last step larger than the tolerance")(*steps)["calls_needed"] == 7
    assert int(np.argmin(steps[0])) + 1 == 11
    assert reference(*enough) == {"calls_needed": 2, "proposals_helped": False}
    assert int(np.argmin(enough[0])) >= enough[1]  # a proposal found the final best, by less than the tolerance


def test_q5_the_solution_reads_a_real_run(gp_result):
    namespace = {**BASE, "result": gp_result, "TOLERANCE": 1 / 400}
    exec(solution_cell("q5_budget"), namespace)
    assert namespace["needed"] == reference(gp_result.func_vals, 5, 1 / 400)


# --------------------------------------------------------------------------- the exercise as a whole


def test_hints_hold_no_code():
    for question in questions_for(NB).values():
        hint = getattr(question, "hint", "")
        assert not re.search(r"\w\(|[=\[\]`]|\w\.\w", hint), f"{question.id}: {hint}"


def test_headings_state_the_points_of_the_question_modules_and_written_answers_have_rubrics():
    questions = list(questions_for(NB).values())
    notebook = nbformat.read(ROOT / "exercises" / f"{NB}.ipynb", as_version=4)
    headings = [re.search(r"^## Question (\d+) \(([\d.]+) points", c.source, re.M) for c in notebook.cells
                if c.cell_type == "markdown" and c.source.startswith("## Question")]
    assert [(int(m[1]), float(m[2])) for m in headings] == [(i, float(q.points)) for i, q in enumerate(questions, 1)]
    assert all(q.rubric for q in questions if not hasattr(q, "hint"))


# --------------------------------------------------------------------------- the judge decides on the set-up's own facts


_EqualsAnything = equals_anything(float, "_EqualsAnything")


_IntEqualsAnything = equals_anything(int, "_IntEqualsAnything")


def test_the_judges_objective_is_the_notebooks():
    """q4 recomputes the run's values with the question module's copy of the set-up cell's objective."""
    from dlcourse.questions.nb05_bayesian_optimization import PROBES, objective_value

    namespace: dict = {"np": np}
    cells = nbformat.read(ROOT / "solutions" / f"{NB}.ipynb", as_version=4).cells
    source = next(c.source for c in cells if c.cell_type == "code" and "def objective" in c.source)
    exec(source[source.index("def objective"):], namespace)
    for x in (*PROBES, -4.1, -2.2, -1.0):
        assert namespace["objective"]([x]) == objective_value(x)


def test_q1_objects_that_lie_are_rejected():
    from skopt.space import Categorical, Integer, Real

    class LogReal(Real):
        """A uniform range that says it is log-uniform."""

        @property
        def prior(self):
            return "log-uniform"

        @prior.setter
        def prior(self, value):
            self._prior = value

    right = {"optimizer__learning_rate": Real(1e-4, 1e-1, prior="log-uniform"), "units": Integer(16, 256),
             "batch_size": Categorical([16, 32, 64, 128])}
    lying = {
        "not a dimension scikit-optimize understands (a LogReal)": {**right, "optimizer__learning_rate": LogReal(1e-4, 1e-1)},
        "the batch sizes should be 16, 32, 64 and 128": {
            **right, "batch_size": Categorical([_IntEqualsAnything(8), _IntEqualsAnything(9)] * 2)},
        "not a dimension scikit-optimize understands (found (<a _EqualsAnything>": {
            **right, "optimizer__learning_rate": (_EqualsAnything(1e-4), _EqualsAnything(1e-1), "log-uniform")},
    }
    for phrase, space in lying.items():
        assert_rejected("q1_search_space", {"space": space}, phrase)


def test_q4_the_grader_decides_on_the_set_up_constants_and_objective(gp_result):
    """The student changes ``N_CALLS``, or rebinds ``objective``, and runs accordingly: the grader, whose constants
    come from the solution's run and whose objective is the set-up cell's, rejects both; ``check`` says why."""
    from skopt import gp_minimize
    from skopt.space import Real

    more = gp_minimize(objective, [Real(-5.0, 0.0)], n_calls=8, n_initial_points=5, random_state=42)
    status, message = judging.by_grader(NB, "q4_gp_minimize", {**BASE, "N_CALLS": 8, "result": more}, setup=BASE)
    assert status != PASS and "expected N_CALLS evaluations, found 8" in message, message

    def easier(point):
        return objective(point) - 1.0

    other = gp_minimize(easier, [Real(-5.0, 0.0)], n_calls=7, n_initial_points=5, random_state=42)
    student = {**BASE, "objective": easier, "result": other}
    status, message = judging.by_grader(NB, "q4_gp_minimize", student, setup=BASE)
    assert status != PASS and "not those of `objective`" in message, message
    checked = judging.by_check(NB, "q4_gp_minimize", student)
    assert checked.status != PASS and "is not the function of the set-up cell" in checked.message


def test_q4_objects_that_lie_are_rejected(gp_result):
    from scipy.optimize import OptimizeResult

    lying_values = copy.copy(gp_result)
    lying_values["func_vals"] = np.array([_EqualsAnything(0.0)] * len(gp_result.func_vals), dtype=object)
    lying_points = copy.copy(gp_result)
    lying_points["x_iters"] = [[_EqualsAnything(-2.5)] for _ in gp_result.x_iters]
    lying_calls = copy.copy(gp_result)
    lying_calls["specs"] = {**gp_result.specs, "args": {**gp_result.specs["args"], "n_initial_points": _IntEqualsAnything(3)}}
    subclass = type("Result", (OptimizeResult,), {})(dict(gp_result))
    for result in (lying_values, lying_points, subclass):
        assert_rejected("q4_gp_minimize", {**BASE, "result": result}, "expected the result object")
    assert_rejected("q4_gp_minimize", {**BASE, "result": lying_calls}, "the question asks for N_INITIAL")
