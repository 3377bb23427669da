"""Plausible wrong answers to exercise 04 fail under ``check`` and under ``dlcourse grade``.

Each fixture is a namespace as a student's notebook would hold it. Both paths must reject
it, with a message that says what is wrong without giving the code; the solution's own
answer passes both. The searches are real but tiny (one epoch, two folds, two candidates).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from dlcourse.checking import Status, questions_for

PASS = Status.PASSED  # the verdict of a right answer
from tests import judging
from tests.judging import solution_namespace
from tests.judging import equals_anything


NB = "04_grid_and_random_search"
ROOT = Path(__file__).resolve().parents[1]


def assert_rejected(qid: str, namespace: dict, phrase: str) -> None:
    judging.assert_rejected(NB, qid, namespace, phrase)


def assert_accepted(qid: str, namespace: dict) -> None:
    judging.assert_accepted(NB, qid, namespace)


# --------------------------------------------------------------------------- q1: the grid

RIGHT_GRID = {"optimizer__learning_rate": [0.001, 0.01, 0.1], "batch_size": [32, 128], "units": [16, 64]}


@pytest.fixture(scope="module")
def network():
    import keras

    from dlcourse.keras_sklearn import KerasClassifier

    def build_network(units=32):
        return keras.Sequential([keras.Input((64,)), keras.layers.Dense(units, activation="relu"),
                                 keras.layers.Dense(10, activation="softmax")])

    return KerasClassifier(model=build_network, units=32, loss="sparse_categorical_crossentropy", optimizer="adam",
                           optimizer__learning_rate=1e-3, batch_size=32, epochs=1, verbose=0)


def test_q1_the_right_grid_passes_also_with_model_units(network):
    assert_accepted("q1_param_grid", {"param_grid": RIGHT_GRID, "network": network})
    routed = {"optimizer__learning_rate": [0.001, 0.01, 0.1], "batch_size": [32, 128], "model__units": [16, 64]}
    assert_accepted("q1_param_grid", {"param_grid": routed, "network": network})


def test_q1_other_ways_to_write_the_right_grid_pass(network):
    from sklearn.model_selection import ParameterGrid

    others = [
        [RIGHT_GRID],  # a grid search also takes a list of grids
        {**RIGHT_GRID, "optimizer__learning_rate": np.logspace(-3, -1, 3)},
        {key: tuple(values) for key, values in RIGHT_GRID.items()},
    ]
    for grid in others:
        assert len(ParameterGrid(grid)) == 12
        assert_accepted("q1_param_grid", {"param_grid": grid, "network": network})


@pytest.mark.parametrize("grid, phrase", [
    # the old keras.wrappers habit: the learning rate as an argument of the build function
    ({"learning_rate": [0.001, 0.01, 0.1], "batch_size": [32, 128], "units": [16, 64]}, "does not reach the optimizer"),
    ({"optimizer__learning_rate": [0.001, 0.01, 0.1], "batch_size": [32, 64, 128], "units": [16, 64]},
     "not the values the question asks for"),
    ({"optimizer__learning_rate": [0.001, 0.01, 0.1], "batch_size": [32, 128], "hidden_units": [16, 64]},
     "the wrapper does not know the name"),
    ({"optimizer__learning_rate": [0.001, 0.01, 0.1], "batch_size": [32, 128]}, "no entry for units"),
    # sets have no order: GridSearchCV refuses them (TypeError) although the values are the right ones
    ({"optimizer__learning_rate": {0.001, 0.01, 0.1}, "batch_size": {32, 128}, "units": {16, 64}},
     "takes the values to try as a list, found a set"),
    # Keras refuses a batch of 32.0 samples and a layer of 16.0 units: every fit of the search would fail
    ({**RIGHT_GRID, "batch_size": [32.0, 128.0]}, "Keras takes only whole numbers here"),
    ({**RIGHT_GRID, "units": [16.0, 64.0]}, "Keras takes only whole numbers here"),
    # values typed in as text
    ({"optimizer__learning_rate": ["0.001", "0.01", "0.1"], "batch_size": ["32", "128"], "units": ["16", "64"]},
     "the values should be numbers"),
])
def test_q1_wrong_grids_fail(network, grid, phrase):
    assert_rejected("q1_param_grid", {"param_grid": grid, "network": network}, phrase)


# --------------------------------------------------------------------------- q2, q3: functions


def test_q2_q3_the_solution_passes():
    namespace = solution_namespace(NB)
    assert_accepted("q2_n_trainings", namespace)
    assert_accepted("q3_best_params_by", namespace)


def no_refit(param_grid, cv):
    return int(np.prod([len(v) for v in param_grid.values()])) * cv


def sum_of_lengths(param_grid, cv):
    return sum(len(v) for v in param_grid.values()) * cv + 1


def refit_per_candidate(param_grid, cv):
    return int(np.prod([len(v) for v in param_grid.values()])) * (cv + 1)


@pytest.mark.parametrize("wrong", [no_refit, sum_of_lengths, refit_per_candidate])
def test_q2_wrong_counts_fail(wrong):
    assert_rejected("q2_n_trainings", {"np": np, "n_trainings": wrong}, "case 1 of")


def first_and_last_lists(param_grid, cv):
    """Right for grids of one or two hyperparameters (the first two public cases), not for the question's grid."""
    lists = list(param_grid.values())
    return len(lists[0]) * len(lists[-1]) * cv + 1


def test_q2_a_count_that_only_holds_for_small_grids_fails():
    judging.assert_rejected(NB, "q2_n_trainings", {"np": np, "n_trainings": first_and_last_lists}, "case 3 of",
                            "expected 61")
    hidden_only = judging.grading_cases(NB, "q2_n_trainings")[len(questions_for(NB)["q2_n_trainings"].public):]
    status, _ = judging.by_grader(NB, "q2_n_trainings", {"np": np, "n_trainings": first_and_last_lists}, hidden_only)
    assert status != PASS


def test_q2_hidden_cases_always_hold_grids_of_three_and_four_lists():
    for seed in range(20):
        grids = [args[0] for args, _ in questions_for(NB)["q2_n_trainings"].hidden(np.random.default_rng(seed))]
        assert [len(grid) for grid in grids][1:] == [3, 4]
        assert all(len(values) >= 2 for grid in grids[1:] for values in grid.values())


def lowest(cv_results, metric):
    return cv_results["params"][int(np.argmin(cv_results[f"mean_test_{metric}"]))]


def last_on_tie(cv_results, metric):
    scores = np.asarray(cv_results[f"mean_test_{metric}"])
    return cv_results["params"][len(scores) - 1 - int(np.argmax(scores[::-1]))]


def always_f1(cv_results, metric):
    return cv_results["params"][int(np.argmax(cv_results["mean_test_f1_macro"]))]


@pytest.mark.parametrize("wrong", [lowest, last_on_tie, always_f1])
def test_q3_wrong_choices_fail(wrong):
    assert_rejected("q3_best_params_by", {"np": np, "best_params_by": wrong}, "expected")


def test_q3_hidden_cases_hold_a_tie_as_the_public_ones_do():
    cases = questions_for(NB)["q3_best_params_by"].hidden(np.random.default_rng(7))
    results, metric = cases[-1][0]
    scores = results[f"mean_test_{metric}"]
    assert (scores == scores.max()).sum() >= 2


# --------------------------------------------------------------------------- q4: the random search


@pytest.fixture(scope="module")
def data():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_dev, X_test, y_dev, y_test = train_test_split(X / 16.0, y, test_size=0.2, stratify=y, random_state=42)
    return {"X_dev": X_dev, "X_test": X_test, "y_dev": y_dev, "y_test": y_test, "N_ITER": 2, "N_FOLDS": 2, "SEED": 42}


def random_search(network, **changes):
    from scipy.stats import loguniform
    from sklearn.model_selection import RandomizedSearchCV

    settings = dict(param_distributions={"optimizer__learning_rate": loguniform(1e-4, 1e-1), "batch_size": [32, 64, 128]},
                    n_iter=2, cv=2, random_state=42, scoring=["accuracy", "f1_macro"], refit="f1_macro")
    settings.update(changes)
    return RandomizedSearchCV(network, **settings)


@pytest.fixture(scope="module")
def fitted(network, data):
    return random_search(network).fit(data["X_dev"], data["y_dev"])


def test_q4_the_solution_passes(fitted, data):
    assert_accepted("q4_search", {**data, "search": fitted})


def test_q4_a_search_fitted_on_the_test_set_fails(network, data):
    on_test = random_search(network).fit(data["X_test"], data["y_test"])
    assert_rejected("q4_search", {**data, "search": on_test}, "that is the size of the test set")


def test_q4_wrong_searches_fail(network, data):
    from scipy.stats import loguniform, randint, uniform
    from sklearn.model_selection import GridSearchCV

    grid = GridSearchCV(network, {"optimizer__learning_rate": [1e-4, 1e-2], "batch_size": [32, 64, 128]}, cv=2,
                        scoring=["accuracy", "f1_macro"], refit="f1_macro")
    assert_rejected("q4_search", {**data, "search": grid}, "not a random search")
    wrong = {
        "not drawn log-uniformly": random_search(network, param_distributions={
            "optimizer__learning_rate": uniform(1e-4, 0.1 - 1e-4), "batch_size": [32, 64, 128]}),
        "should range from 0.0001 to 0.1": random_search(network, param_distributions={
            "optimizer__learning_rate": loguniform(1e-5, 1.0), "batch_size": [32, 64, 128]}),
        "fixed list of values": random_search(network, param_distributions={
            "optimizer__learning_rate": [1e-4, 1e-3, 1e-2, 1e-1], "batch_size": [32, 64, 128]}),
        "the batch size should be drawn from the list": random_search(network, param_distributions={
            "optimizer__learning_rate": loguniform(1e-4, 1e-1), "batch_size": randint(32, 129)}),
        "not seeded with SEED": random_search(network, random_state=None),
        "5 folds (scikit-learn's default)": random_search(network, cv=None),
        "asks for N_ITER": random_search(network, n_iter=10),
        "refit": random_search(network, refit="accuracy"),
    }
    for phrase, search in wrong.items():
        assert_rejected("q4_search", {**data, "search": search}, phrase)


# --------------------------------------------------------------------------- q5: which candidates are still in the running


def reference(results, n_splits):
    """The right rule, by lesson 03's own function: the rows whose comparison with the winner, fold by fold, is not
    the winner's (``paired_decision``'s "B"), the winner included."""
    from dlcourse.questions.nb03_hyperparameters_and_validation import paired_decision

    folds = np.array([results[f"split{i}_test_f1_macro"] for i in range(n_splits)], dtype=float).T
    winner = int(np.argmax(results["mean_test_f1_macro"]))
    return [row for row in range(len(folds)) if paired_decision(folds[row], folds[winner])[0] != "B"]


def corrected_t(d, k, *, ratio=None, ddof=1):
    """The paired t of the per-fold differences ``d`` (winner - candidate): lesson 03's corrected standard error,
    ``s_d * sqrt(1 / k + ratio)`` with ratio n_val / n_train = 1 / (k - 1); ``ratio=0`` is the uncorrected one."""
    ratio = 1 / (k - 1) if ratio is None else ratio
    se = d.std(ddof=ddof) * np.sqrt(1 / k + ratio)
    return d.mean() / se if se > 0 else np.inf if d.mean() > 0 else 0.0


def critical(k, q=0.975, df_shift=-1):
    from scipy import stats

    return stats.t.ppf(q, df=k + df_shift)


def contenders_with(*, metric="f1_macro", beaten=lambda c: corrected_t(c["d"], c["k"]) > critical(c["k"]),
                    walk="every candidate", winner_included=True, tie="first"):
    """A contenders function that follows the question except where a keyword says otherwise. ``beaten`` decides
    from one comparison: the per-fold differences d (winner - candidate), both candidates' fold scores, k, the gap
    of the means and both candidates' fold standard deviations (the table's, ddof 0)."""
    def contenders(results, n_splits):
        folds = np.array([results[f"split{i}_test_{metric}"] for i in range(n_splits)], dtype=float).T
        means, spreads = (np.asarray(results[f"{kind}_test_{metric}"], dtype=float) for kind in ("mean", "std"))
        winner = int(np.argmax(means)) if tie == "first" else len(means) - 1 - int(np.argmax(means[::-1]))

        def is_beaten(row):
            return bool(beaten({"d": folds[winner] - folds[row], "winner": folds[winner], "other": folds[row],
                                "k": n_splits, "gap": means[winner] - means[row], "spread": spreads[winner],
                                "other spread": spreads[row]}))
        order = [int(row) for row in np.argsort(-means, kind="stable") if row != winner]
        if walk == "every candidate":
            running = [row for row in order if not is_beaten(row)]
        elif walk == "runner-up only":
            running = [] if is_beaten(order[0]) else [order[0]]
        else:  # down the ranking, until the first candidate the winner beats
            running = []
            for row in order:
                if is_beaten(row):
                    break
                running.append(row)
        return sorted(running + ([winner] if winner_included else []))
    return contenders


def welch(c):
    """Unpaired: the two candidates' fold scores as two independent samples."""
    from scipy import stats

    t, p = stats.ttest_ind(c["winner"], c["other"], equal_var=False)
    return t > 0 and p < 0.05


MISREADINGS = {  # each decides at least one hidden table differently from the right rule, in every draw
    "the gap against the winner's fold spread": dict(beaten=lambda c: c["gap"] > c["spread"]),
    "one-standard-deviation bands that do not overlap": dict(
        beaten=lambda c: c["gap"] > c["spread"] + c["other spread"]),
    "the mean difference against the differences' spread": dict(beaten=lambda c: c["d"].mean() > c["d"].std(ddof=1)),
    "ahead on every fold": dict(beaten=lambda c: bool(np.all(c["d"] > 0))),
    "unpaired": dict(beaten=welch),
    "uncorrected": dict(beaten=lambda c: corrected_t(c["d"], c["k"], ratio=0) > critical(c["k"])),
    "one-sided": dict(beaten=lambda c: corrected_t(c["d"], c["k"]) > critical(c["k"], q=0.95)),
    "K degrees of freedom": dict(beaten=lambda c: corrected_t(c["d"], c["k"]) > critical(c["k"], df_shift=0)),
    "the normal's 1.96": dict(beaten=lambda c: corrected_t(c["d"], c["k"]) > 1.96),
    "ddof 0": dict(beaten=lambda c: corrected_t(c["d"], c["k"], ddof=0) > critical(c["k"])),
    "n_val / n_train read as 1 / K": dict(
        beaten=lambda c: corrected_t(c["d"], c["k"], ratio=1 / c["k"]) > critical(c["k"])),
    "3 folds' critical value for any K": dict(beaten=lambda c: corrected_t(c["d"], c["k"]) > 4.303),
    "the differences the wrong way round": dict(  # candidate - winner, whose t is never above the critical value
        beaten=lambda c: corrected_t(-c["d"], c["k"]) > critical(c["k"])),
    "the runner-up only": dict(walk="runner-up only"),
    "down the ranking until one is beaten": dict(walk="down the ranking"),
    "accuracy": dict(metric="accuracy"),
    "the winner left out": dict(winner_included=False),
    # two found by a helper that attacked the question without reading its checks
    "a tie broken the other way": dict(tie="last"),
    "a lead without spread not shown": dict(
        beaten=lambda c: c["d"].std(ddof=1) > 0 and corrected_t(c["d"], c["k"]) > critical(c["k"])),
}
# caught by the public cases already (check says so); the others only by hidden cases (the grader)
CAUGHT_BY_CHECK = ("the gap against the winner's fold spread", "one-standard-deviation bands that do not overlap",
                   "the mean difference against the differences' spread", "ahead on every fold", "unpaired",
                   "the differences the wrong way round", "the runner-up only", "down the ranking until one is beaten",
                   "accuracy", "the winner left out")


def test_q5_the_solution_and_the_reference_pass():
    assert_accepted("q5_contenders", solution_namespace(NB))
    assert_accepted("q5_contenders", {"np": np, "contenders": contenders_with()})
    assert_accepted("q5_contenders", {"np": np, "contenders": reference})


@pytest.mark.parametrize("name", CAUGHT_BY_CHECK)
def test_q5_misreadings_fail_check_and_the_grader(name):
    assert_rejected("q5_contenders", {"np": np, "contenders": contenders_with(**MISREADINGS[name])}, "expected")


@pytest.mark.parametrize("name", [name for name in MISREADINGS if name not in CAUGHT_BY_CHECK])
@pytest.mark.parametrize("seed", [0, 1, 2024])
def test_q5_misreadings_that_only_hidden_cases_catch_fail_in_the_grader(name, seed):
    namespace = {"np": np, "contenders": contenders_with(**MISREADINGS[name])}
    judging.assert_only_hidden_cases_reject(NB, "q5_contenders", namespace, seed)


@pytest.mark.parametrize("seed", range(30))
def test_q5_every_draw_of_hidden_tables_separates_each_misreading(seed):
    """In every draw, each misreading decides at least one hidden table differently from the right rule; one
    table shows the winner's lead, another keeps two candidates besides the winner in the running, one of them
    below a runner-up the winner beats; and the solution agrees with lesson 03's own function."""
    namespace = solution_namespace(NB)
    cases = questions_for(NB)["q5_contenders"].hidden(np.random.default_rng(seed))
    right = [reference(*args) for args, _ in cases]
    assert [namespace["contenders"](*args) for args, _ in cases] == right
    assert any(len(running) == 1 for running in right) and any(len(running) >= 3 for running in right)
    for name, options in MISREADINGS.items():
        wrong = contenders_with(**options)
        assert [wrong(*args) for args, _ in cases] != right, name


def test_q5_the_public_cases_are_what_their_comments_say():
    cases = questions_for(NB)["q5_contenders"].public
    for case in cases:
        assert reference(*case.args) == case.expected
    runner_up_beaten_but_within_the_spread = contenders_with(**MISREADINGS["the gap against the winner's fold spread"])
    assert runner_up_beaten_but_within_the_spread(*cases[0].args) == [0, 2]


def test_q5_the_solution_reads_a_real_search(fitted):
    namespace = {"np": np, "search": fitted}
    cell = next(c.source for c in nbformat.read(ROOT / "solutions" / f"{NB}.ipynb", as_version=4).cells
                if c.source.startswith("# EXERCISE q5_contenders"))
    exec(cell, namespace)
    assert namespace["in_the_running"] == reference(fitted.cv_results_, fitted.n_splits_)
    assert fitted.best_index_ in namespace["in_the_running"]


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


class _DictThatLies(dict):
    """Holds a wrong grid, and shows the right one to whoever asks it for its items or keys."""

    def items(self):
        return RIGHT_GRID.items()

    def keys(self):
        return RIGHT_GRID.keys()

    def __iter__(self):
        return iter(RIGHT_GRID)

    def __getitem__(self, key):
        return RIGHT_GRID[key]


def test_q1_the_grader_reads_the_names_the_set_up_network_knows(network):
    """The student rebinds ``network`` to a wrapper that takes ``hidden_units``: ``check`` (on the student's own
    namespace) only says it is not one of the three; the grader, on the set-up's network, says it cannot be set."""
    from dlcourse.keras_sklearn import KerasClassifier

    grid = {"optimizer__learning_rate": [0.001, 0.01, 0.1], "batch_size": [32, 128], "hidden_units": [16, 64]}
    rebound = KerasClassifier(model=network.model, hidden_units=32, loss="sparse_categorical_crossentropy")
    student = {"param_grid": grid, "network": rebound}
    status, message = judging.by_grader(NB, "q1_param_grid", student, setup={"network": network})
    assert status != PASS and "the wrapper does not know the name 'hidden_units'" in message, message
    assert "is not one of the three" in judging.by_check(NB, "q1_param_grid", student).message


@pytest.mark.parametrize("grid, phrase", [
    (_DictThatLies({"optimizer__learning_rate": [0.001, 0.01, 0.1], "batch_size": [32, 64, 128], "units": [16, 64]}),
     "batch_size: these are not the values"),
    ({**RIGHT_GRID, "optimizer__learning_rate": [_EqualsAnything(0.5)] * 3}, "the values should be numbers"),
    ({**RIGHT_GRID, "units": [_IntEqualsAnything(16), _IntEqualsAnything(64)]}, "the values should be numbers"),
])
def test_q1_objects_that_lie_are_rejected(network, grid, phrase):
    assert_rejected("q1_param_grid", {"param_grid": grid, "network": network}, phrase)


def test_q4_the_grader_decides_on_the_set_up_constants_and_data(network, data):
    """The student changes ``N_ITER`` and rebinds ``X_dev`` to the test set: the grader, whose constants and data
    sizes come from the solution's run, rejects searches that match the changed names."""
    more = random_search(network, n_iter=3)
    status, message = judging.by_grader(NB, "q4_search", {**data, "N_ITER": 3, "search": more}, setup=data)
    assert status != PASS and "asks for N_ITER" in message, message
    on_test = random_search(network).fit(data["X_test"], data["y_test"])
    rebound = {**data, "X_dev": data["X_test"], "y_dev": data["y_test"], "search": on_test}
    status, message = judging.by_grader(NB, "q4_search", rebound, setup=data)
    assert status != PASS and "that is the size of the test set" in message, message


def test_q4_objects_that_lie_are_rejected(network, data):
    wrong = {
        "asks for N_ITER": random_search(network, n_iter=_IntEqualsAnything(10)),
        "not seeded with SEED": random_search(network, random_state=_IntEqualsAnything(0)),
        "the question asks for N_FOLDS": random_search(network, cv=_IntEqualsAnything(2)),
    }
    for phrase, search in wrong.items():
        assert_rejected("q4_search", {**data, "search": search}, phrase)
