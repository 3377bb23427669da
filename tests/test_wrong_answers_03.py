"""Exercise 03: plausible wrong answers fail in ``check`` and in ``dlcourse grade``; the solution passes.

Each fixture is what a student might really write. Both paths must reject it, with a message
that says what is wrong (asserted on a distinctive phrase) without giving the code.
Question 4 and the notebook's run of setting B train real (tiny: 2 folds, 1 epoch) Keras networks.
Question 6, lesson 03's paired comparison, is a function judged on made-up results: each misreading
of the rule is a fixture, rejected by check's public cases and by the grader's hidden cases alone,
and every draw of hidden cases is checked to tell each misreading from the rule.
"""

from __future__ import annotations

import re
import textwrap

import nbformat
import numpy as np
import pytest

from dlcourse.assessment.compare import describe_difference
from dlcourse.checking import Status, FunctionQuestion, ValueQuestion, WrittenQuestion, questions_for

PASS = Status.PASSED  # the verdict of a right answer
from dlcourse.exercises import exercise_id
import judging
from judging import equals_anything
from judging import ROOT, by_check, by_grader, solution_namespace

NOTEBOOK = "03_hyperparameters_and_validation"
QUESTIONS = questions_for(NOTEBOOK)


def define(source: str) -> dict:
    namespace: dict = {"np": np}
    exec(textwrap.dedent(source), namespace)
    return namespace


def assert_rejected(qid: str, namespace: dict, phrase: str) -> None:
    judging.assert_rejected(NOTEBOOK, qid, namespace, phrase)


def assert_accepted(qid: str, namespace: dict) -> None:
    judging.assert_accepted(NOTEBOOK, qid, namespace)


# --------------------------------------------------------------------------- function questions

WRONG_FUNCTIONS = {
    "q1_fold_sizes": [
        # the whole remainder to the first fold: right whenever n % k < 2
        ("""
         def fold_sizes(n_samples, k):
             sizes = [n_samples // k] * k
             sizes[0] += n_samples % k
             return sizes
         """, "fold_sizes(11, 4): item 0: expected 3, found 5"),
        # the extra examples to the last folds
        ("""
         def fold_sizes(n_samples, k):
             base, extra = divmod(n_samples, k)
             return [base + 1 if fold >= k - extra else base for fold in range(k)]
         """, "fold_sizes(10, 3): item 0: expected 4, found 3"),
        # integer division only: the remainder is lost
        ("""
         def fold_sizes(n_samples, k):
             return [n_samples // k] * k
         """, "fold_sizes(10, 3): item 0: expected 4, found 3"),
    ],
    "q2_best_epoch": [
        ("""
         def best_epoch(val_losses):
             return int(np.argmin(val_losses))  # counted from 0
         """, "best_epoch([0.9, 0.5, 0.4, 0.45, 0.6]): expected 3, found 2"),
        # the last of tied epochs
        ("""
         def best_epoch(val_losses):
             best = 0
             for epoch, loss in enumerate(val_losses):
                 if loss <= val_losses[best]:
                     best = epoch
             return best + 1
         """, "best_epoch([0.3, 0.3, 0.2, 0.2]): expected 3, found 4"),
        # stops at the first rise (patience 0), missing a later, lower minimum
        ("""
         def best_epoch(val_losses):
             for epoch in range(1, len(val_losses)):
                 if val_losses[epoch] > val_losses[epoch - 1]:
                     return epoch
             return len(val_losses)
         """, "best_epoch([1.0, 0.8, 0.85, 0.6, 0.7]): expected 4, found 2"),
    ],
    "q3_diagnose": [
        # the rules in the wrong order
        ("""
         def diagnose(train_accuracy, val_accuracy, target):
             if train_accuracy - val_accuracy > 0.05:
                 return "overfitting"
             if train_accuracy < target:
                 return "underfitting"
             return "good fit"
         """, "diagnose(0.85, 0.7, 0.9): expected 'underfitting', found 'overfitting'"),
        # 'at the target' counted as below it
        ("""
         def diagnose(train_accuracy, val_accuracy, target):
             if train_accuracy <= target:
                 return "underfitting"
             if train_accuracy - val_accuracy > 0.05:
                 return "overfitting"
             return "good fit"
         """, "diagnose(0.9, 0.88, 0.9): expected 'good fit', found 'underfitting'"),
        # a gap in either direction
        ("""
         def diagnose(train_accuracy, val_accuracy, target):
             if train_accuracy < target:
                 return "underfitting"
             if abs(train_accuracy - val_accuracy) > 0.05:
                 return "overfitting"
             return "good fit"
         """, "diagnose(0.92, 0.99, 0.9): expected 'good fit', found 'overfitting'"),
    ],
}


@pytest.mark.parametrize("qid, source, phrase", [(qid, s, p) for qid, cases in WRONG_FUNCTIONS.items() for s, p in cases],
                         ids=lambda v: v if isinstance(v, str) and v.startswith("q") else "")
def test_wrong_function_fails_check_and_grader(qid, source, phrase):
    assert_rejected(qid, define(source), phrase)


@pytest.mark.parametrize("qid", list(WRONG_FUNCTIONS))
def test_solution_function_passes_check_and_grader(qid):
    namespace = solution_namespace(NOTEBOOK)
    assert by_check(NOTEBOOK, qid, namespace).status == PASS
    assert by_grader(NOTEBOOK, qid, namespace)[0] == PASS


def test_every_graded_question_has_wrong_answer_fixtures():
    graded = {q.id for q in QUESTIONS.values() if not isinstance(q, WrittenQuestion)}
    value_fixtures = {"q4_cross_validation": WRONG_CV_RUNS, "q6_setting_b": WRONG_B_RUNS,
                      "q6_paired_comparison": list(WRONG_COMPARISONS)}
    for qid in graded:
        fixtures = WRONG_FUNCTIONS.get(qid) or value_fixtures.get(qid) or []
        assert len(fixtures) >= 2, qid


def test_hints_give_no_code_and_written_answers_have_a_rubric():
    code = re.compile(r"\w\(|=|`|\[|\]|%|//|\bnp\.|\bsklearn\b|\w_\w+\(")
    for question in QUESTIONS.values():
        if isinstance(question, (FunctionQuestion, ValueQuestion)):
            assert question.hint and not code.search(question.hint), (question.id, question.hint)
            assert question.hint.startswith("think about"), question.id
        else:
            assert len(question.rubric) > 100, question.id


# --------------------------------------------------------------------------- cross-validation runs

SETUP = """
import keras
import numpy as np
from scipy import stats
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


keras.utils.set_random_seed(0)
EPOCHS, N_FOLDS, SEED = 1, 2, 42
X, y = load_digits(return_X_y=True)
X_dev, X_test, y_dev, y_test = train_test_split(X / 16.0, y, test_size=0.2, stratify=y, random_state=SEED)
"""


def solution_cells() -> dict[str, str]:
    """The solution's make_network cell and its q4, q6a (setting B's run) and q6 answer cells, by name."""
    cells = nbformat.read(ROOT / "solutions" / f"{NOTEBOOK}.ipynb", as_version=4).cells
    found = {exercise_id(c): c.source for c in cells if c.cell_type == "code" and exercise_id(c)}
    found["network"] = next(c.source for c in cells if c.cell_type == "code" and "def make_network" in c.source)
    return found


@pytest.fixture(scope="module")
def solved() -> dict:
    """A namespace as the solution leaves it after questions 4 and 6 (2 folds, 1 epoch)."""
    namespace = define(SETUP)
    cells = solution_cells()
    for name in ("network", "q4_cross_validation", "q6_setting_b", "q6_paired_comparison"):
        exec(cells[name], namespace)
    return namespace


def run(namespace: dict, source: str) -> dict:
    """Run a student's (wrong) cell in a copy of ``namespace``."""
    namespace = dict(namespace)
    exec(textwrap.dedent(source), namespace)
    return namespace


KERAS_A = ('KerasClassifier(model=make_network, loss="sparse_categorical_crossentropy", optimizer="adam", '
           'epochs=EPOCHS, batch_size=32, verbose=0)')
SCORING = 'scoring=["accuracy", "f1_macro"], return_estimator=True'

WRONG_CV_RUNS = [
    # the estimator of the previous lesson
    (f"""
     from sklearn.linear_model import LogisticRegression
     cv_results = cross_validate(LogisticRegression(max_iter=500), X_dev, y_dev, cv=N_FOLDS, {SCORING})
     """, "fitted by a LogisticRegression"),
    # cross-validated on the test set
    (f"cv_results = cross_validate({KERAS_A}, X_test, y_test, cv=N_FOLDS, {SCORING})",
     "was trained on 180 examples, but K-fold on the development data (1437 examples) trains on 718"),
    # scikeras's own wrapper: not a classifier for this scikit-learn, so unstratified folds
    (f"""
     import scikeras.wrappers
     cv_results = cross_validate(scikeras.wrappers.{KERAS_A}, X_dev, y_dev, cv=N_FOLDS, {SCORING})
     """, "scikeras's own KerasClassifier"),
    # shuffled folds: not the folds the question asks for
    (f"""
     from sklearn.model_selection import StratifiedKFold
     cv_results = cross_validate({KERAS_A}, X_dev, y_dev, cv=StratifiedKFold(N_FOLDS, shuffle=True, random_state=1), {SCORING})
     """, "is not what its model scores on fold 1 of X_dev"),
    # the wrong F1 average
    (f'cv_results = cross_validate({KERAS_A}, X_dev, y_dev, cv=N_FOLDS, scoring=["accuracy", "f1_weighted"], return_estimator=True)',
     "missing 'test_f1_macro'"),
    # a macro F1 key that holds the weighted average
    (f"""
     cv_results = cross_validate({KERAS_A}, X_dev, y_dev, cv=N_FOLDS, return_estimator=True,
                                 scoring={{"accuracy": "accuracy", "f1_macro": "f1_weighted"}})
     """, "is not the macro-averaged F1 of its predictions"),
    # the fitted models were not kept
    (f'cv_results = cross_validate({KERAS_A}, X_dev, y_dev, cv=N_FOLDS, scoring=["accuracy", "f1_macro"])',
     "holds no fitted models"),
    # another learning rate and another number of epochs
    (f"cv_results = cross_validate({KERAS_A.replace('verbose=0', 'optimizer__learning_rate=0.01, verbose=0')}, "
     f"X_dev, y_dev, cv=N_FOLDS, {SCORING})", "the learning rate is 0.01, expected 0.001"),
    (f"cv_results = cross_validate({KERAS_A.replace('epochs=EPOCHS', 'epochs=EPOCHS + 1')}, X_dev, y_dev, cv=N_FOLDS, {SCORING})",
     "each fold trained 2 epochs, expected EPOCHS = 1"),
]


@pytest.mark.parametrize("source, phrase", WRONG_CV_RUNS, ids=[p for _, p in WRONG_CV_RUNS])
def test_wrong_cross_validation_fails_check_and_grader(solved, source, phrase):
    assert_rejected("q4_cross_validation", run(solved, source), phrase)


KERAS_B = KERAS_A.replace("verbose=0", "optimizer__learning_rate=0.01, verbose=0")
WRONG_B_RUNS = [
    # A's learning rate again: no comparison at all
    (f"cv_results_b = cross_validate({KERAS_A}, X_dev, y_dev, cv=N_FOLDS, {SCORING})",
     "the learning rate is 0.001, expected 0.01"),
    # shuffled folds: not question 4's, so not paired
    (f"""
     from sklearn.model_selection import StratifiedKFold
     cv_results_b = cross_validate({KERAS_B}, X_dev, y_dev, cv=StratifiedKFold(N_FOLDS, shuffle=True, random_state=1), {SCORING})
     """, "is not what its model scores on fold 1 of X_dev"),
    # B on the test set
    (f"cv_results_b = cross_validate({KERAS_B}, X_test, y_test, cv=N_FOLDS, {SCORING})",
     "was trained on 180 examples"),
    # the fitted models not kept
    (f'cv_results_b = cross_validate({KERAS_B}, X_dev, y_dev, cv=N_FOLDS, scoring=["accuracy", "f1_macro"])',
     "holds no fitted models"),
    # a hold-out inside each fold: B trains on fewer examples than A
    (f"cv_results_b = cross_validate({KERAS_B.replace('verbose=0', 'validation_split=0.2, verbose=0')}, X_dev, y_dev, "
     f"cv=N_FOLDS, {SCORING})", "kept part of its training data back"),
    # a learning rate ten times too small (a reading of "ten times" the wrong way round)
    (f"cv_results_b = cross_validate({KERAS_A.replace('verbose=0', 'optimizer__learning_rate=0.0001, verbose=0')}, "
     f"X_dev, y_dev, cv=N_FOLDS, {SCORING})", "the learning rate is 0.0001, expected 0.01"),
]


RIGHT_B_RUNS = {
    "1e-2 written so": f"cv_results_b = cross_validate({KERAS_A.replace('verbose=0', 'optimizer__learning_rate=1e-2, verbose=0')}, "
                       f"X_dev, y_dev, cv=N_FOLDS, {SCORING})",
    "question 4's network cloned": f"""
        from sklearn.base import clone
        cv_results_b = cross_validate(clone(network).set_params(optimizer__learning_rate=0.01), X_dev, y_dev,
                                      cv=N_FOLDS, {SCORING})
        """,
    "the folds named": f"""
        from sklearn.model_selection import StratifiedKFold
        cv_results_b = cross_validate({KERAS_B}, X_dev, y_dev, cv=StratifiedKFold(N_FOLDS), {SCORING})
        """,
}


@pytest.mark.parametrize("name", RIGHT_B_RUNS)
def test_other_right_runs_of_setting_b_pass_check_and_grader(solved, name):
    namespace = run(solved, RIGHT_B_RUNS[name])
    assert by_check(NOTEBOOK, "q6_setting_b", namespace).status == PASS
    assert by_grader(NOTEBOOK, "q6_setting_b", namespace)[0] == PASS


@pytest.mark.parametrize("source, phrase", WRONG_B_RUNS, ids=[p for _, p in WRONG_B_RUNS])
def test_wrong_runs_of_setting_b_fail_check_and_grader(solved, source, phrase):
    assert_rejected("q6_setting_b", run(solved, source), phrase)


def test_solution_cross_validation_and_comparison_pass_check_and_grader(solved):
    for qid in ("q4_cross_validation", "q6_setting_b", "q6_paired_comparison"):
        assert by_check(NOTEBOOK, qid, solved).status == PASS, by_check(NOTEBOOK, qid, solved)
        assert by_grader(NOTEBOOK, qid, solved)[0] == PASS


# --------------------------------------------------------------------------- q6: the paired comparison (run and decide)


def fold_facts(results_a: dict, results_b: dict, key: str) -> dict:
    """What a rule may read from two runs: both settings' fold scores under ``key`` and their differences B - A."""
    a, b = np.asarray(results_a[key], dtype=float), np.asarray(results_b[key], dtype=float)
    return {"a": a, "b": b, "d": b - a, "k": len(a)}


def by_t(t: float, critical: float) -> str:
    return "B" if t > critical else "A" if t < -critical else "no clear difference"


def lesson_03(fold: dict) -> str:
    """The rule: a corrected paired t-test of the accuracy differences, two-sided at 5 % with K - 1 degrees of freedom."""
    from scipy import stats

    d, k = fold["d"], fold["k"]
    return by_t(d.mean() / (d.std(ddof=1) * np.sqrt(1 / k + 1 / (k - 1))), stats.t.ppf(0.975, k - 1))


def compare_with(*, key="test_accuracy", direction=1, ddof=1, correction="corrected", critical="two-sided, K - 1",
                 folds="scores", decide=None):
    """A compare_settings that follows the question except where a keyword says otherwise. With ``decide``, the
    numbers are the rule's and only the verdict comes from ``decide(fold_facts(...))``: a student who prints the
    right numbers and then decides by another rule."""
    from scipy import stats

    def compare_settings(results_a, results_b):
        fold = fold_facts(results_a, results_b, key)
        d, k = direction * fold["d"], fold["k"] if folds == "scores" else len(results_a)
        factor = {"corrected": np.sqrt(1 / k + 1 / (k - 1)), "uncorrected": np.sqrt(1 / k),
                  "n_val / n_train = 1 / K": np.sqrt(2 / k),
                  "N_FOLDS of the notebook": np.sqrt(1 / N_FOLDS + 1 / (N_FOLDS - 1))}[correction]
        se = d.std(ddof=ddof) * factor
        t = d.mean() / se
        value = {"two-sided, K - 1": stats.t.ppf(0.975, k - 1), "K degrees of freedom": stats.t.ppf(0.975, k),
                 "one-sided": stats.t.ppf(0.95, k - 1), "1.96": 1.96,
                 "N_FOLDS of the notebook": stats.t.ppf(0.975, N_FOLDS - 1)}[critical]
        verdict = by_t(t, value) if decide is None else decide(fold_facts(results_a, results_b, "test_accuracy"))
        return {"mean_difference": float(d.mean()), "corrected_se": float(se), "t": float(t), "critical": float(value),
                "verdict": verdict}
    return compare_settings


N_FOLDS = 5  # the full budget's folds: a student who writes the notebook's constant into the function


def welch(fold: dict) -> str:
    """Unpaired: the two settings' fold scores as two independent samples."""
    from scipy import stats

    result = stats.ttest_ind(fold["b"], fold["a"], equal_var=False)
    return ("B" if result.statistic > 0 else "A") if result.pvalue < 0.05 else "no clear difference"


def scipy_paired(fold: dict) -> str:
    """scipy's paired t-test: the naive standard error, which the overlapping folds make too small."""
    from scipy import stats

    result = stats.ttest_rel(fold["b"], fold["a"])
    return ("B" if result.statistic > 0 else "A") if result.pvalue < 0.05 else "no clear difference"


def gain_against_spread(fold: dict) -> str:
    """The old yardstick: the gain counts if it is larger than A's fold standard deviation."""
    gain, spread = fold["b"].mean() - fold["a"].mean(), fold["a"].std(ddof=1)
    return "B" if gain > spread else "A" if -gain > spread else "no clear difference"


def intervals(fold: dict) -> str:
    """Means +- fold standard deviations side by side: better only if the intervals do not overlap."""
    a, b = fold["a"], fold["b"]
    if b.mean() - b.std(ddof=1) > a.mean() + a.std(ddof=1):
        return "B"
    if a.mean() - a.std(ddof=1) > b.mean() + b.std(ddof=1):
        return "A"
    return "no clear difference"


# Each misreading of lesson 03's rule (and whether check's public cases already reject it)
WRONG_COMPARISONS = {
    "the higher mean wins": {"decide": lambda fold: "B" if fold["d"].mean() > 0 else "A"},
    "ahead on every fold": {"decide": lambda fold: "B" if np.all(fold["d"] > 0) else "A" if np.all(fold["d"] < 0)
                            else "no clear difference"},
    "the gain against A's fold spread": {"decide": gain_against_spread},
    "means +- spreads that do not overlap": {"decide": intervals},
    "unpaired (Welch)": {"decide": welch},
    "scipy's paired t-test (uncorrected)": {"decide": scipy_paired},
    "either winner called B": {"decide": lambda fold: "B" if lesson_03(fold) != "no clear difference" else lesson_03(fold)},
    "only B can win": {"decide": lambda fold: "no clear difference" if lesson_03(fold) == "A" else lesson_03(fold)},
    "uncorrected standard error": {"correction": "uncorrected"},
    "np.std's ddof=0": {"ddof": 0},
    "n_val / n_train read as 1 / K": {"correction": "n_val / n_train = 1 / K"},
    "the notebook's N_FOLDS in the correction": {"correction": "N_FOLDS of the notebook"},
    "K degrees of freedom": {"critical": "K degrees of freedom"},
    "a one-sided critical value": {"critical": "one-sided"},
    "the normal 1.96": {"critical": "1.96"},
    "the notebook's N_FOLDS in the critical value": {"critical": "N_FOLDS of the notebook"},
    "macro F1 instead of accuracy": {"key": "test_f1_macro"},
    "A - B instead of B - A": {"direction": -1},
    "K read as the number of keys of the results": {"folds": "keys"},
}


def p_value(fold: dict) -> str:
    """The same rule read from the two-sided p-value of the corrected t."""
    from scipy import stats

    d, k = fold["d"], fold["k"]
    t = d.mean() / (d.std(ddof=1) * np.sqrt(1 / k + 1 / (k - 1)))
    return ("B" if t > 0 else "A") if 2 * stats.t.sf(abs(t), k - 1) < 0.05 else "no clear difference"


# The rule written other ways: both paths accept them
RIGHT_COMPARISONS = {
    "a two-sided p-value below 5 %": {"decide": p_value},
    "the verdict in other capitals": {"decide": lambda fold: {"A": " a", "B": "b ", "no clear difference":
                                                              "No clear difference"}[lesson_03(fold)]},
}
# misreadings that decide by another rule, whose numbers are right: only the verdict can tell them
VERDICT_ONLY = [name for name, changes in WRONG_COMPARISONS.items() if "decide" in changes]


def test_q6_the_solution_and_the_reference_pass():
    assert_accepted("q6_paired_comparison", solution_namespace(NOTEBOOK))
    assert_accepted("q6_paired_comparison", {"np": np, "compare_settings": compare_with()})


@pytest.mark.parametrize("way", list(RIGHT_COMPARISONS))
def test_q6_the_rule_written_another_way_passes(way):
    assert_accepted("q6_paired_comparison", {"np": np, "compare_settings": compare_with(**RIGHT_COMPARISONS[way])})


@pytest.mark.parametrize("misreading", list(WRONG_COMPARISONS))
def test_q6_a_wrong_rule_fails_in_check_and_grader(misreading):
    assert_rejected("q6_paired_comparison", {"np": np, "compare_settings": compare_with(**WRONG_COMPARISONS[misreading])},
                    "compare_settings(")


def hidden_only(qid: str, namespace: dict, seed: int):
    """The verdict on the hidden cases the grader draws with ``seed`` alone (the public ones left out), through the
    assessment core that check and the grader share."""
    import json

    from dlcourse.assessment.evaluate import evaluate
    from dlcourse.assessment.judge import judge

    question = QUESTIONS[qid]
    cases = judging.grading_cases(NOTEBOOK, qid, seed=seed)[len(question.public):]
    report = json.loads(json.dumps(evaluate(question, namespace, [(c.args, dict(c.kwargs)) for c in cases])))
    return judge(question, cases, report, n_public=0)


@pytest.mark.parametrize("misreading", list(WRONG_COMPARISONS))
@pytest.mark.parametrize("seed", [0, 1, 2024])
def test_q6_a_wrong_rule_fails_the_hidden_cases_alone(misreading, seed):
    """The grader's hidden cases reject each misreading without the public ones; the rule passes them."""
    verdict = hidden_only("q6_paired_comparison", {"np": np, "compare_settings": compare_with(**WRONG_COMPARISONS[misreading])},
                          seed)
    assert verdict.status != PASS and verdict.failed, verdict
    assert hidden_only("q6_paired_comparison", {"np": np, "compare_settings": compare_with()}, seed).status == PASS


@pytest.mark.parametrize("seed", range(40))
def test_q6_every_draw_of_hidden_cases_separates_each_misreading_by_its_verdict(seed):
    """In every draw, each misreading *decides* at least one hidden case differently from the rule (its numbers
    aside: a student who computes t right and reads it wrong, or decides by another rule, fails on the verdict), and
    the hidden cases hold each of the three verdicts."""
    cases = [args for args, _ in QUESTIONS["q6_paired_comparison"].hidden(np.random.default_rng(seed))]
    verdicts = lambda compare: [compare(*args)["verdict"] for args in cases]  # noqa: E731
    right = verdicts(compare_with())
    assert right == ["B", "no clear difference", "B", "no clear difference", "A"]
    for misreading, changes in WRONG_COMPARISONS.items():
        assert verdicts(compare_with(**changes)) != right, misreading
    designed = {  # the kind of results drawn against each misreading (see _COMPARISONS): it decides differently alone
        0: ["the gain against A's fold spread", "means +- spreads that do not overlap", "unpaired (Welch)",
            "macro F1 instead of accuracy"],
        1: ["the higher mean wins", "ahead on every fold", "scipy's paired t-test (uncorrected)",
            "uncorrected standard error", "np.std's ddof=0", "n_val / n_train read as 1 / K", "K degrees of freedom",
            "a one-sided critical value", "the normal 1.96", "macro F1 instead of accuracy"],
        2: ["ahead on every fold", "the notebook's N_FOLDS in the critical value"],
        3: ["K degrees of freedom", "a one-sided critical value"],
        4: ["A - B instead of B - A", "either winner called B", "only B can win"],
    }
    for kind, misreadings in designed.items():
        for misreading in misreadings:
            assert compare_with(**WRONG_COMPARISONS[misreading])(*cases[kind])["verdict"] != right[kind], (kind, misreading)


def test_q6_the_solution_and_the_public_cases_follow_the_courses_one_rule():
    """The solution's compare_settings, the public cases' expected values and paired_decision (which exercises 04 and
    09 use) agree on every public and hidden case."""
    from dlcourse.questions.nb03_hyperparameters_and_validation import paired_decision

    solution = solution_namespace(NOTEBOOK)["compare_settings"]
    question = QUESTIONS["q6_paired_comparison"]
    for case in question.public:
        assert describe_difference(case.expected, solution(*case.args)) is None
    for args, _ in question.hidden(np.random.default_rng(3)):
        found = solution(*args)
        verdict, mean, se, t, critical = paired_decision(args[0]["test_accuracy"], args[1]["test_accuracy"])
        assert found["verdict"] == verdict and np.allclose([found["mean_difference"], found["corrected_se"], found["t"],
                                                            found["critical"]], [mean, se, t, critical])


# The fold scores of one smoke-budget run of the solution (2 folds, 2 epochs, seed 42), rounded as it prints them
SMOKE_RUN = ({"test_accuracy": np.array([0.3908, 0.3524]), "test_f1_macro": np.array([0.3630, 0.2962])},
             {"test_accuracy": np.array([0.9040, 0.8830]), "test_f1_macro": np.array([0.9036, 0.8806])})


def test_q6_a_smoke_run_cannot_tell_the_misreadings():
    """Why q6 is a function judged on made-up results: in the smoke budget (2 folds, 2 epochs; these are the fold
    scores of one such run, seed 42) setting B is about 50 points ahead on both folds, and every misreading gives the
    rule's verdict, B, and the same verdict as the rule before this exercise graded a function. Each is still rejected
    (above)."""
    fold = fold_facts(*SMOKE_RUN, "test_accuracy")
    assert lesson_03(fold) == "B"
    for misreading, changes in WRONG_COMPARISONS.items():
        if misreading == "A - B instead of B - A":
            continue  # reads the differences backwards: says A wherever the rule says B
        assert compare_with(**changes)(*SMOKE_RUN)["verdict"] == "B", misreading


def test_q6_the_notebook_applies_the_function_to_both_runs(solved):
    """The solution's cell decides on the two runs of the notebook, by the course's rule."""
    from dlcourse.questions.nb03_hyperparameters_and_validation import paired_decision

    verdict, mean, *_ = paired_decision(solved["cv_results"]["test_accuracy"], solved["cv_results_b"]["test_accuracy"])
    assert solved["comparison"]["verdict"] == verdict and np.isclose(solved["comparison"]["mean_difference"], mean)


# --------------------------------------------------------------------------- the lesson's fixes (issue 11)


def lesson_code_and_text() -> tuple[str, str]:
    cells = nbformat.read(ROOT / "lessons" / f"{NOTEBOOK}.ipynb", as_version=4).cells
    return ("\n".join(c.source for c in cells if c.cell_type == "code"),
            "\n".join(c.source for c in cells if c.cell_type == "markdown"))


def test_lesson_compares_settings_fold_by_fold_and_keeps_the_final_model_off_the_validation_curve():
    code, text = lesson_code_and_text()
    for path in ("lessons", "solutions", "exercises"):
        notebook = (ROOT / path / f"{NOTEBOOK}.ipynb").read_text()
        assert "../shared" not in notebook and "COMPAT.md" not in notebook, path  # self-contained
    assert "honest uncertainty" not in text  # the fold spread is not an error bar
    assert "np.sqrt(1 / N_FOLDS + n_val / n_train)" in code and "Nadeau" in text  # corrected paired comparison
    assert "fold_scores.mean().sort_values" in code  # cross-validation chooses the width
    final = next(line for line in code.splitlines() if line.startswith("final_model, _ = train("))
    assert "x=X_dev" in final and "validation=None" in final  # trained on the validation data: no validation curve


# --------------------------------------------------------------------------- the judge decides on the set-up's own facts


_EqualsAnything = equals_anything(float, "_EqualsAnything")


_TextEqualsAnything = equals_anything(str, "_TextEqualsAnything")


def test_q4_the_grader_decides_on_the_set_up_constants_and_data(solved):
    """The student raises ``EPOCHS`` and trains accordingly, or swaps ``X_dev``: the grader, whose constants and
    data come from the solution's run, rejects both (``check``, on the student's own names, cannot tell the first)."""
    more = run(dict(solved, EPOCHS=2), f"cv_results = cross_validate({KERAS_A}, X_dev, y_dev, cv=N_FOLDS, {SCORING})")
    status, message = by_grader(NOTEBOOK, "q4_cross_validation", more, setup=solved)
    assert status != PASS and "each fold trained 2 epochs, expected EPOCHS = 1" in message, message
    swapped = dict(solved, X_dev=solved["X_dev"][::-1].copy())
    status, message = by_grader(NOTEBOOK, "q4_cross_validation", swapped, setup=solved)
    assert status != PASS and "is not the development data of the set-up cell" in message, message


def test_q4_objects_that_lie_are_rejected(solved):
    results = dict(solved["cv_results"])
    results["test_accuracy"] = np.array([_EqualsAnything(0.0)] * len(results["test_accuracy"]), dtype=object)
    assert_rejected("q4_cross_validation", dict(solved, cv_results=results), "is not what its model scores")
    subclass = type("Wrapper", (type(solved["cv_results"]["estimator"][0]),), {})
    results = dict(solved["cv_results"], estimator=[subclass()] * len(solved["cv_results"]["estimator"]))
    assert_rejected("q4_cross_validation", dict(solved, cv_results=results), "fitted by a Wrapper")
    posing = type(solved["cv_results"]["estimator"][0])()  # the course's wrapper around an object posing as a network
    posing.model_, posing.history_ = type("Network", (), {"layers": []})(), {"loss": [0.1] * solved["EPOCHS"]}
    results = dict(solved["cv_results"], estimator=[posing] * len(solved["cv_results"]["estimator"]))
    assert_rejected("q4_cross_validation", dict(solved, cv_results=results), "is not a Keras network")


def test_q6_answers_that_lie_are_rejected():
    """A verdict that equals any text is read as the text it holds; a t that equals any number is no number."""
    right = compare_with()

    def lying(key, make):
        def compare_settings(results_a, results_b):
            answer = right(results_a, results_b)
            return dict(answer, **{key: make(answer[key])})
        return {"np": np, "compare_settings": compare_settings}

    assert_rejected("q6_paired_comparison", lying("verdict", lambda verdict: _TextEqualsAnything("B")),
                    "key 'verdict': expected 'no clear difference', found 'B'")
    assert_rejected("q6_paired_comparison", lying("t", _EqualsAnything), "key 't': expected a number")
