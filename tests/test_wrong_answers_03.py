"""Exercise 03: plausible wrong answers fail in ``check`` and in ``dlcourse grade``; the solution passes.

Each fixture is what a student might really write. Both paths must reject it, with a message
that says what is wrong (asserted on a distinctive phrase) without giving the code.
The cross-validation questions run real (tiny: 2 folds, 1 epoch) Keras trainings.
"""

from __future__ import annotations

import re
import textwrap

import nbformat
import numpy as np
import pytest

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
    value_fixtures = {"q4_cross_validation": WRONG_CV_RUNS, "q6_paired_comparison": WRONG_VERDICTS}
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
    """The solution's make_network cell and its q4 and q6 answer cells, by name."""
    cells = nbformat.read(ROOT / "solutions" / f"{NOTEBOOK}.ipynb", as_version=4).cells
    found = {exercise_id(c): c.source for c in cells if c.cell_type == "code" and exercise_id(c)}
    found["network"] = next(c.source for c in cells if c.cell_type == "code" and "def make_network" in c.source)
    return found


@pytest.fixture(scope="module")
def solved() -> dict:
    """A namespace as the solution leaves it after questions 4 and 6 (2 folds, 1 epoch)."""
    namespace = define(SETUP)
    cells = solution_cells()
    for name in ("network", "q4_cross_validation", "q6_paired_comparison"):
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


def test_solution_cross_validation_and_verdict_pass_check_and_grader(solved):
    for qid in ("q4_cross_validation", "q6_paired_comparison"):
        assert by_check(NOTEBOOK, qid, solved).status == PASS, by_check(NOTEBOOK, qid, solved)
        assert by_grader(NOTEBOOK, qid, solved)[0] == PASS


def with_scores(namespace: dict, differences, verdict: str) -> dict:
    """The solution's runs, with setting B's fold scores set to A's plus ``differences``, and a verdict."""
    namespace = dict(namespace)
    results_b = dict(namespace["cv_results_b"])
    results_b["test_accuracy"] = np.asarray(namespace["cv_results"]["test_accuracy"]) + np.asarray(differences)
    namespace.update(cv_results_b=results_b, verdict=verdict)
    return namespace


CONSISTENT = [0.02, 0.0201]  # B ahead on both folds by nearly the same amount: t far above 12.71
WRONG_VERDICTS = [
    # the higher mean taken as proof
    (lambda ns: with_scores(ns, [0.03, -0.01], "B"), "a higher mean alone is not evidence"),
    # the naive standard error (t = 21 > 12.71), where the corrected one gives t = 12.1
    (lambda ns: with_scores(ns, [0.02, 0.022], "B"), "|t| = 12.12 against the critical value 12.71"),
    # means ± fold spreads side by side: a consistent, paired difference missed
    (lambda ns: with_scores(ns, CONSISTENT, "no clear difference"), "judge the differences fold by fold"),
    # the sign of the differences read backwards
    (lambda ns: with_scores(ns, CONSISTENT, "A"), "the differences favour the other setting"),
    (lambda ns: dict(ns, verdict="B is better"), "expected one of 'A', 'B', 'no clear difference'"),
    # setting B not run as asked: the learning rate left at its default; trained on the test set
    (lambda ns: run(ns, f"cv_results_b = cross_validate({KERAS_A}, X_dev, y_dev, cv=N_FOLDS, {SCORING})"),
     "cv_results_b (setting B): the learning rate is 0.001, expected 0.01"),
    (lambda ns: run(ns, f"cv_results_b = cross_validate({KERAS_A.replace('verbose=0', 'optimizer__learning_rate=0.01, verbose=0')}, "
                        f"X_test, y_test, cv=N_FOLDS, {SCORING})"), "cv_results_b (setting B): fold 1 was trained on 180 examples"),
    # question 4 wrong: no verdict can be graded on it
    (lambda ns: dict(ns, cv_results={k: v for k, v in ns["cv_results"].items() if k != "estimator"}),
     "question 4's cv_results must be right first"),
]


@pytest.mark.parametrize("make, phrase", WRONG_VERDICTS, ids=[p[:40] for _, p in WRONG_VERDICTS])
def test_wrong_verdict_fails_check_and_grader(solved, make, phrase):
    assert_rejected("q6_paired_comparison", make(solved), phrase)


@pytest.mark.parametrize("differences, verdict", [(CONSISTENT, "B"), ([-0.02, -0.0201], "A"), ([0.03, -0.01], "no clear difference"),
                                                  ([0.0, 0.0], "no clear difference")])
def test_a_verdict_that_follows_from_the_scores_passes(solved, differences, verdict):
    namespace = with_scores(solved, differences, verdict)
    assert by_check(NOTEBOOK, "q6_paired_comparison", namespace).status == PASS
    assert by_grader(NOTEBOOK, "q6_paired_comparison", namespace)[0] == PASS


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


def test_q6_the_grader_decides_on_the_set_up_constants_and_data(solved):
    swapped = dict(solved, X_dev=solved["X_dev"][::-1].copy())
    status, message = by_grader(NOTEBOOK, "q6_paired_comparison", swapped, setup=solved)
    assert status != PASS and "is not the development data of the set-up cell" in message, message
    # the set-up's constants rebound after the runs: check reads them, the grader reads the solution's run
    rebound = dict(solved, EPOCHS=3)
    assert by_check(NOTEBOOK, "q6_paired_comparison", rebound).status != PASS
    assert by_grader(NOTEBOOK, "q6_paired_comparison", rebound, setup=solved)[0] == PASS


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


def test_q6_objects_that_lie_are_rejected(solved):
    namespace = with_scores(solved, CONSISTENT, "B")
    assert by_grader(NOTEBOOK, "q6_paired_comparison", namespace)[0] == PASS
    assert_rejected("q6_paired_comparison", dict(namespace, verdict=_TextEqualsAnything("A")),
                    "the differences favour the other setting")
    results_b = dict(namespace["cv_results_b"])
    results_b["test_accuracy"] = np.array([_EqualsAnything(0.9)] * len(results_b["test_accuracy"]), dtype=object)
    assert_rejected("q6_paired_comparison", dict(namespace, cv_results_b=results_b), "one number per fold")
