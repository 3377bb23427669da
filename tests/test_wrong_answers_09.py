"""Exercise 09: plausible wrong answers fail in ``check`` and in ``dlcourse grade``; the solution passes.

Each fixture is a namespace as a student's notebook would hold it. Fixtures that need a
trained model use a tiny one on tiny synthetic images (seconds, not minutes): the checks
look at how a model was trained and what it does, not at its architecture (question 1
checks that). The message must say what is wrong (a distinctive phrase is asserted)
without giving the answer's code.

Questions 2, 4 and 6 are rules written as functions, judged on made-up inputs and then
applied to the student's run. Each plausible misreading of a rule is kept here as a
fixture (``grid_epochs_with``, ``verdict_with``, ``confused_with``, named in
``GRID_MISREADINGS``, ``VERDICT_MISREADINGS`` and ``CONFUSION_MISREADINGS``): it fails on
the public cases, or, where those agree with it, in the grader on the hidden cases; and
every draw of hidden cases tells each misreading from the right rule.
"""

from __future__ import annotations

import math
import re

import keras
import nbformat
import numpy as np
import pytest

from dlcourse.checking import Status, FunctionQuestion, ValueQuestion, questions_for

PASS = Status.PASSED  # the verdict of a right answer
from dlcourse.exercises import answer_id, exercise_id
from dlcourse.questions.nb09_cifar10_project import VERDICT_KINDS
import judging
from judging import equals_anything
from judging import ROOT, solution_namespace


NB = "09_cifar10_project"
L = keras.layers


def rejected(qid: str, namespace: dict, phrase: str) -> None:
    judging.assert_rejected(NB, qid, namespace, phrase)


def accepted(qid: str, namespace: dict) -> None:
    judging.assert_accepted(NB, qid, namespace)


@pytest.fixture(scope="module")
def build_cnn():
    return solution_namespace(NB)["build_cnn"]


# --------------------------------------------------------------------------- q1: the CNN to specification


def cnn(*, padding="valid", hidden="relu", output="softmax", fixed_shape=None, fixed_classes=None, pooling=L.MaxPooling2D):
    def build_cnn(input_shape, n_classes):
        return keras.Sequential([
            keras.Input(fixed_shape or input_shape),
            L.Conv2D(32, (3, 3), activation=hidden, padding=padding), pooling((2, 2)),
            L.Conv2D(64, (3, 3), activation=hidden, padding=padding), pooling((2, 2)),
            L.Conv2D(64, (3, 3), activation=hidden, padding=padding), L.Flatten(),
            L.Dense(64, activation=hidden), L.Dense(fixed_classes or n_classes, activation=output),
        ])
    return build_cnn


def test_q1_the_solution_passes(build_cnn):
    accepted("q1_build_cnn", {"build_cnn": build_cnn})


@pytest.mark.parametrize("wrong, phrase", [
    (cnn(fixed_shape=(32, 32, 3), fixed_classes=10), "build_cnn((28, 28, 1), 5)"),  # CIFAR-10 hard-coded
    (cnn(fixed_classes=10), "build_cnn((28, 28, 1), 5)"),
    (cnn(output=None), "expected 'softmax', found 'linear'"),  # no softmax on the output
    (cnn(hidden=None), "expected 'relu', found 'linear'"),  # no activations at all
    (cnn(padding="same"), "key 'output_shapes'"),
    (cnn(pooling=L.AveragePooling2D), "key 'layers'"),
])
def test_q1_wrong_cnns_fail(wrong, phrase):
    rejected("q1_build_cnn", {"build_cnn": wrong}, phrase)


# --------------------------------------------------------------------------- q2: a grid that fits the time


def grid_epochs_with(*, folds=True, setup="each training", trainings=(1, 2), timings="own", sizes=None, per_minute=60,
                     rounding=math.floor, at_least=0, strict=False):
    """A grid_epochs that follows the question except where a keyword says otherwise: the set-up paid by each
    training, once per batch size (and fold), once in all or never; the trainings priced (multiples of E); each
    batch size's own timings or the first one's for all; the batch sizes written in; seconds per minute; the
    rounding; the least E returned (None: whatever the division gives)."""
    def grid_epochs(minutes, n_folds, epoch_seconds, setup_seconds):
        batch_sizes = list(epoch_seconds) if sizes is None else list(sizes)
        first = next(iter(epoch_seconds))
        timing = (lambda b: b) if timings == "own" else (lambda b: first)
        k = n_folds if folds else 1
        set_up = sum(setup_seconds[timing(b)] for b in batch_sizes)
        set_up *= {"each training": k * len(trainings), "each batch size": k, "once": 1, "never": 0}[setup]
        per_e = k * sum(trainings) * sum(epoch_seconds[timing(b)] for b in batch_sizes)
        epochs = rounding((minutes * per_minute - set_up) / per_e)
        if strict:  # the largest E whose grid costs strictly less than the budget
            epochs = math.ceil((minutes * per_minute - set_up) / per_e) - 1
        return epochs if at_least is None else max(at_least, epochs)
    return grid_epochs


GRID_MISREADINGS = {
    "folds forgotten": {"folds": False},
    "set-up forgotten": {"setup": "never"},
    "set-up once per batch size": {"setup": "each batch size"},
    "set-up once in all": {"setup": "once"},
    "only the long trainings": {"trainings": (2,)},
    "both trainings long": {"trainings": (2, 2)},
    "the first batch size's timings for all": {"timings": "first"},
    "batch sizes 32 and 64 written in": {"sizes": (32, 64)},
    "minutes taken as seconds": {"per_minute": 1},
    "rounded up": {"rounding": math.ceil},
    "rounded to the nearest": {"rounding": round},
    "at least one epoch": {"at_least": 1},
    "a negative E when none fits": {"at_least": None},
}
# found by a helper that attacked the question without reading its checks; only the hidden cases catch them
GRID_HIDDEN_ONLY = {
    "truncated toward 0, never clamped": {"rounding": int, "at_least": None},
    "strictly under the budget": {"strict": True},
}


@pytest.mark.parametrize("wrong", GRID_HIDDEN_ONLY.values(), ids=GRID_HIDDEN_ONLY)
@pytest.mark.parametrize("seed", [0, 1, 2024])
def test_q2_wrong_counts_the_public_cases_miss_fail_in_the_grader(wrong, seed):
    namespace = {"np": np, "grid_epochs": grid_epochs_with(**wrong)}
    judging.assert_only_hidden_cases_reject(NB, "q2_grid_epochs", namespace, seed)


def test_q2_the_solution_and_the_reference_pass():
    accepted("q2_grid_epochs", solution_namespace(NB))
    accepted("q2_grid_epochs", {"np": np, "grid_epochs": grid_epochs_with()})


@pytest.mark.parametrize("wrong", GRID_MISREADINGS.values(), ids=GRID_MISREADINGS)
def test_q2_wrong_counts_fail(wrong):
    rejected("q2_grid_epochs", {"np": np, "grid_epochs": grid_epochs_with(**wrong)}, "grid_epochs(")


def test_q2_the_public_answers_written_in_fail_the_hidden_cases():
    """A function that knows the three public cases' answers and guesses the lesson's 10 elsewhere."""
    known = {case.args[0]: case.expected for case in questions_for(NB)["q2_grid_epochs"].public}
    namespace = {"grid_epochs": lambda minutes, *rest: known.get(minutes, 10)}
    judging.assert_only_hidden_cases_reject(NB, "q2_grid_epochs", namespace)


@pytest.mark.parametrize("seed", range(20))
def test_q2_every_draw_of_hidden_cases_separates_each_misreading(seed):
    """In every draw, each misreading gives another E than the right count on at least one hidden case (so
    that the hidden cases alone reject it, whatever the public ones do)."""
    cases = questions_for(NB)["q2_grid_epochs"].hidden(np.random.default_rng(seed))
    right = [grid_epochs_with()(*args) for args, _ in cases]
    assert right[3] == 0 and min(right[:3]) >= 2  # a budget nothing fits, and grids of real trainings
    assert right[4] == 4  # the budget exactly on a whole E: it fits
    for name, wrong in {**GRID_MISREADINGS, **GRID_HIDDEN_ONLY}.items():
        assert [outcome(grid_epochs_with(**wrong), args) for args, _ in cases] != right, name


def outcome(function, args):
    """What ``function(*args)`` returns, or the name of the error it raises."""
    try:
        return function(*args)
    except Exception as error:  # noqa: BLE001 - a wrong rule may fail on a case: that is a different outcome
        return type(error).__name__


class Anything(float):
    """A number that says it equals everything (and reads as whatever float it was made from)."""

    def __eq__(self, other):
        return True

    __hash__ = float.__hash__

    def __lt__(self, other):
        return False


# --------------------------------------------------------------------------- q3: train, evaluate, report

N_TRAIN, N_TEST, EPOCHS = 160, 200, 2  # 128 training images: 2 steps per epoch; the test set gives 3


@pytest.fixture(scope="module")
def images():
    """Tiny 'images' whose class is a pattern plus noise: a dense layer learns them in a few steps."""
    rng = np.random.default_rng(0)
    patterns = rng.normal(size=(10, 4, 4, 3))

    def make(n):
        y = rng.integers(0, 10, size=(n, 1))
        return (patterns[y[:, 0]] + 0.5 * rng.normal(size=(n, 4, 4, 3))).astype("float32"), y

    (x_train, y_train), (x_test, y_test) = make(N_TRAIN), make(N_TEST)
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test, "EPOCHS": EPOCHS}


def tiny_model(learning_rate=0.05):
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((4, 4, 3)), L.Flatten(), L.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def trained(images, x=None, y=None, learning_rate=0.05, **fit):
    model = tiny_model(learning_rate)
    settings = {"epochs": EPOCHS, "batch_size": 64, "validation_split": 0.2, "verbose": 0, **fit}
    model.fit(images["x_train"] if x is None else x, images["y_train"] if y is None else y, **settings)
    return model


def answered(images, model, accuracy=None):
    if accuracy is None:
        accuracy = model.evaluate(images["x_test"], images["y_test"], verbose=0)[1]
    return {**images, "model": model, "test_accuracy": accuracy}


@pytest.fixture(scope="module")
def right_model(images):
    return trained(images)


def test_q3_the_right_answer_passes_in_both_budgets(images, right_model, monkeypatch):
    accepted("q3_test_accuracy", answered(images, right_model))
    monkeypatch.setenv("DLCOURSE_BUDGET", "full")  # the full budget also asks for a sane accuracy
    accepted("q3_test_accuracy", answered(images, right_model))


def test_q3_an_untrained_model_fails(images):
    rejected("q3_test_accuracy", answered(images, tiny_model()), "still at their starting values")


def test_q3_a_model_trained_on_the_test_set_fails(images):
    rejected("q3_test_accuracy", answered(images, trained(images, images["x_test"], images["y_test"])), "training steps")


def test_q3_validating_on_the_test_set_fails(images):
    n_fit = math.floor(N_TRAIN * 0.8)
    model = trained(images, images["x_train"][:n_fit], images["y_train"][:n_fit], validation_split=0.0,
                    validation_data=(images["x_test"], images["y_test"]))
    rejected("q3_test_accuracy", answered(images, model), "does not belong to the last fifth of the training images")


def test_q3_other_epochs_or_batch_size_fail(images):
    rejected("q3_test_accuracy", answered(images, trained(images, epochs=EPOCHS + 1)), "training steps")
    rejected("q3_test_accuracy", answered(images, trained(images, batch_size=32)), "training steps")
    rejected("q3_test_accuracy", answered(images, trained(images, validation_split=0.0)), "training steps")


def test_q3_training_on_after_the_run_fails(images):
    model = trained(images)
    model.fit(images["x_train"], images["y_train"], epochs=1, batch_size=64, verbose=0)  # the cell run twice, say
    rejected("q3_test_accuracy", answered(images, model), "training steps")


def test_q3_the_wrong_number_fails(images, right_model):
    on_training = right_model.evaluate(images["x_train"], images["y_train"], verbose=0)[1]
    rejected("q3_test_accuracy", answered(images, right_model, on_training), "report the accuracy measured on the test set")
    rejected("q3_test_accuracy", answered(images, right_model, right_model.evaluate(images["x_test"], images["y_test"], verbose=0)),
             "the accuracy alone")


def test_q3_a_model_that_barely_learned_fails_in_the_full_budget(images, monkeypatch):
    monkeypatch.setenv("DLCOURSE_BUDGET", "full")
    rejected("q3_test_accuracy", answered(images, trained(images, learning_rate=1e-7)), "hardly above chance")


def test_q3_the_grader_judges_on_the_set_ups_data_not_on_the_students(images, right_model):
    """A student who swaps the test set (here: for images the model trained on) and reports the accuracy on it
    passes nothing: the grader compares the arrays with the solution run's set-up."""
    swapped = {**images, "x_test": images["x_train"][:N_TEST], "y_test": images["y_train"][:N_TEST]}
    namespace = answered(swapped, right_model)
    status, message = judging.by_grader(NB, "q3_test_accuracy", namespace, setup=images)
    assert status != PASS and "`x_test` is not the array the set-up's data cell makes" in message, message
    relabelled = {**images, "y_train": (images["y_train"] + 1) % 10}
    status, message = judging.by_grader(NB, "q3_test_accuracy", answered(relabelled, right_model), setup=images)
    assert status != PASS and "`y_train` is not the array" in message, message


def test_q3_the_grader_counts_the_set_ups_epochs(images):
    """EPOCHS changed in the student's namespace (and the model trained that long) does not change what is asked."""
    longer = {**images, "EPOCHS": EPOCHS + 1}
    namespace = answered(longer, trained(images, epochs=EPOCHS + 1))
    assert judging.by_check(NB, "q3_test_accuracy", namespace).status == PASS  # consistent with its own set-up
    status, message = judging.by_grader(NB, "q3_test_accuracy", namespace, setup=images)
    assert status != PASS and "training steps" in message, message


def test_q3_a_number_or_a_model_that_lies_fails(images, right_model):
    wrong = right_model.evaluate(images["x_train"], images["y_train"], verbose=0)[1]
    rejected("q3_test_accuracy", answered(images, right_model, Anything(wrong)), "expected the accuracy as a number")
    model = trained(images)
    right = model.evaluate(images["x_test"], images["y_test"], verbose=0, return_dict=True)
    model.evaluate = lambda *args, **kwargs: ({**right, "accuracy": 0.99} if kwargs.get("return_dict") else [right["loss"], 0.99])
    rejected("q3_test_accuracy", answered(images, model, 0.99), "`model` redefines Keras's own evaluate")
    model = trained(images)
    model.evaluate(images["x_test"], images["y_test"], verbose=0)  # Keras keeps the test function it compiled
    model.test_function = lambda *args, **kwargs: {"loss": right["loss"], "accuracy": 0.99}
    rejected("q3_test_accuracy", answered(images, model, 0.99), "report the accuracy measured on the test set")


def test_q3_a_model_of_a_class_that_redefines_keras_fails(images, right_model):
    class Flattering(keras.Sequential):
        def evaluate(self, *args, **kwargs):
            return {"loss": 0.1, "accuracy": 0.99} if kwargs.get("return_dict") else [0.1, 0.99]

    model = Flattering(right_model.layers)
    rejected("q3_test_accuracy", answered(images, model, 0.99), "train your network in a variable named `model`")


# --------------------------------------------------------------------------- q4: the grid's verdict


def corrected_t(d, correction=True, ddof=1):
    """Lesson 03's corrected paired t statistic of the per-fold differences ``d`` (uncorrected: d's standard error)."""
    k = len(d)
    se = d.std(ddof=ddof) * np.sqrt(1 / k + 1 / (k - 1) if correction else 1 / k)
    return d.mean() / se if se > 0 else np.inf if d.mean() > 0 else 0.0


def critical(k, q=0.975, df_shift=-1):
    from scipy import stats

    return stats.t.ppf(q, df=k + df_shift)


def paired(fold):
    """The right rule: the winner ahead by the corrected paired t-test, two-sided at 5 %."""
    return fold["t"] > critical(fold["k"])


def verdict_with(*, pick="mean", tie="first", against="runner-up", decide=paired):
    """A grid_verdict that follows the question except where a keyword says otherwise: how the winner is
    picked (the best mean, the largest rank number, the smallest spread, the fastest fit, the table's order),
    which of two tied means wins, whom it is compared with (the runner-up, the last-ranked), and the rule
    ``decide``, which gets the per-fold differences, both fold scores, K, the corrected t, the lead of the
    means, the winner's fold spread and the mean of the two spreads."""
    def grid_verdict(results):
        means = np.asarray(results["mean_test_score"], dtype=float)
        n = len(means)
        order = {"mean": np.argsort(-means, kind="stable") if tie == "first" else np.lexsort((-np.arange(n), -means)),
                 "largest rank": np.argsort(-np.asarray(results["rank_test_score"]), kind="stable"),
                 "least spread": np.argsort(results["std_test_score"], kind="stable"),
                 "fastest": np.argsort(results["mean_fit_time"], kind="stable"), "table": np.arange(n)}[pick]
        winner, other = order[0], order[1] if against == "runner-up" else order[-1]
        k = len([key for key in results if key.startswith("split")])
        folds = np.array([results[f"split{i}_test_score"] for i in range(k)], dtype=float)
        spreads = np.asarray(results["std_test_score"], dtype=float)
        d = folds[:, winner] - folds[:, other]
        fold = {"d": d, "a": folds[:, other], "b": folds[:, winner], "k": k, "t": corrected_t(d),
                "lead": means[winner] - means[other], "spread": spreads[winner],
                "spreads": (spreads[winner] + spreads[other]) / 2}
        return results["params"][winner], bool(decide(fold))
    return grid_verdict


def welch(fold):
    """Unpaired: the two combinations' fold scores as two independent samples."""
    import warnings

    from scipy import stats

    with warnings.catch_warnings():  # two folds of nearly equal scores: scipy warns of its own precision
        warnings.simplefilter("ignore", RuntimeWarning)
        t, p = stats.ttest_ind(fold["b"], fold["a"], equal_var=False)
    return t > 0 and p < 0.05


VERDICT_MISREADINGS = {  # name: (how it reads the table, whether the public cases already catch it)
    # the rule the course no longer teaches: the lead against the winner's fold standard deviation
    "lead vs the winner's spread": ({"decide": lambda fold: fold["lead"] > fold["spread"]}, True),
    "lead vs the mean of both spreads": ({"decide": lambda fold: fold["lead"] > fold["spreads"]}, True),
    "ahead on every fold": ({"decide": lambda fold: bool(np.all(fold["d"] > 0))}, True),
    "ahead on average": ({"decide": lambda fold: fold["lead"] > 0}, True),
    "never clear": ({"decide": lambda fold: False}, True),
    "differences the other way round": ({"decide": lambda fold: corrected_t(-fold["d"]) > critical(fold["k"])}, True),
    "2 folds' critical value for any K": ({"decide": lambda fold: fold["t"] > 12.706}, True),
    "unpaired (Welch)": ({"decide": welch}, True),
    "against the last-ranked": ({"against": "last"}, True),
    "the table's first two rows": ({"pick": "table"}, True),
    "the largest rank number": ({"pick": "largest rank"}, True),
    "the smallest spread": ({"pick": "least spread"}, True),
    "the fastest fit": ({"pick": "fastest"}, True),
    "uncorrected t": ({"decide": lambda fold: corrected_t(fold["d"], correction=False) > critical(fold["k"])}, False),
    "population standard deviation": ({"decide": lambda fold: corrected_t(fold["d"], ddof=0) > critical(fold["k"])},
                                      False),
    "one-sided": ({"decide": lambda fold: fold["t"] > critical(fold["k"], q=0.95)}, False),
    "K degrees of freedom": ({"decide": lambda fold: fold["t"] > critical(fold["k"], df_shift=0)}, False),
    "3 folds' critical value for any K": ({"decide": lambda fold: fold["t"] > 4.303}, False),
    "the last of two tied": ({"tie": "last"}, False),
    # found by a helper's blind attack: n_val / n read for n_val / n_train, a standard error of s * sqrt(2 / K)
    "ratio read as 1 / K": ({"decide": lambda fold: fold["d"].mean() / (fold["d"].std(ddof=1) * np.sqrt(2 / fold["k"]))
                             > critical(fold["k"])}, False),
}


def test_q4_the_solution_and_the_reference_pass():
    accepted("q4_grid_verdict", solution_namespace(NB))
    accepted("q4_grid_verdict", {"np": np, "grid_verdict": verdict_with()})


@pytest.mark.parametrize("wrong", [w for w, public in VERDICT_MISREADINGS.values() if public],
                         ids=[name for name, (_, public) in VERDICT_MISREADINGS.items() if public])
def test_q4_wrong_rules_fail_on_the_public_tables(wrong):
    rejected("q4_grid_verdict", {"np": np, "grid_verdict": verdict_with(**wrong)}, "grid_verdict(")


@pytest.mark.parametrize("wrong", [w for w, public in VERDICT_MISREADINGS.values() if not public],
                         ids=[name for name, (_, public) in VERDICT_MISREADINGS.items() if not public])
@pytest.mark.parametrize("seed", [0, 1, 2024])
def test_q4_wrong_rules_that_only_hidden_tables_catch_fail_in_the_grader(wrong, seed):
    namespace = {"np": np, "grid_verdict": verdict_with(**wrong)}
    judging.assert_only_hidden_cases_reject(NB, "q4_grid_verdict", namespace, seed)


@pytest.mark.parametrize("seed", range(20))
def test_q4_every_draw_of_hidden_tables_separates_each_misreading(seed):
    """In every draw, each misreading gives another answer than the right rule on at least one hidden table,
    and the right rule is lesson 03's ``paired_decision`` of the winner against the runner-up on every one."""
    from dlcourse.questions.nb03_hyperparameters_and_validation import paired_decision

    cases = questions_for(NB)["q4_grid_verdict"].hidden(np.random.default_rng(seed))
    solution = solution_namespace(NB)["grid_verdict"]
    right = [solution(*args) for args, _ in cases]
    assert right == [verdict_with()(*args) for args, _ in cases]
    assert [clear for _, clear in right] == [kind[-1] for kind in VERDICT_KINDS.values()]  # as each kind says
    for (results,), _ in cases:
        order = np.argsort(-results["mean_test_score"], kind="stable")
        folds = np.array([results[key] for key in results if key.startswith("split")])
        verdict = paired_decision(folds[:, order[1]], folds[:, order[0]])[0]
        assert solution(results) == (results["params"][order[0]], verdict == "B")
    for name, (wrong, _) in VERDICT_MISREADINGS.items():
        assert [outcome(verdict_with(**wrong), args) for args, _ in cases] != right, name


# a table like the smoke budget's run: 2 folds, the winner tied with the runner-up on one fold, ahead on the other
SMOKE_TABLE = {"mean_fit_time": np.array([8.1, 5.9]), "param_batch_size": np.array([32, 64]),
               "param_epochs": np.array([1, 1]), "params": [{"batch_size": 32, "epochs": 1}, {"batch_size": 64, "epochs": 1}],
               "split0_test_score": np.array([0.16, 0.16]), "split1_test_score": np.array([0.16, 0.12]),
               "mean_test_score": np.array([0.16, 0.14]), "std_test_score": np.array([0.0, 0.02]),
               "rank_test_score": np.array([1, 2], dtype=np.int32)}
SMOKE_BLIND = ["ahead on every fold", "never clear", "uncorrected t", "one-sided", "K degrees of freedom",
               "unpaired (Welch)", "3 folds' critical value for any K", "2 folds' critical value for any K"]


@pytest.mark.parametrize("name", SMOKE_BLIND)
def test_q4_a_smoke_run_cannot_hide_a_wrong_rule(name):
    """On the smoke budget's 2 folds, these misreadings give the right verdict, so that a value graded on the
    student's own smoke run passed them (issue 26); as functions, they fail."""
    wrong = verdict_with(**VERDICT_MISREADINGS[name][0])
    assert wrong(SMOKE_TABLE) == verdict_with()(SMOKE_TABLE) == ({"batch_size": 32, "epochs": 1}, False)
    status, message = judging.by_grader(NB, "q4_grid_verdict", {"np": np, "grid_verdict": wrong})
    assert status != PASS, message


def test_q4_the_solution_reads_a_real_grid_search():
    """Applied to a real GridSearchCV's results (scikit-learn's own table, param_ columns and all), the solution
    gives the combination ranked first and lesson 03's verdict on it against the second."""
    from sklearn.datasets import make_classification
    from sklearn.model_selection import GridSearchCV
    from sklearn.neighbors import KNeighborsClassifier

    from dlcourse.questions.nb03_hyperparameters_and_validation import paired_decision

    x, y = make_classification(n_samples=90, random_state=0)
    search = GridSearchCV(KNeighborsClassifier(), {"n_neighbors": [1, 5, 15], "weights": ["uniform", "distance"]}, cv=3,
                          refit=False).fit(x, y)
    results = search.cv_results_
    first, second = np.argsort(results["rank_test_score"], kind="stable")[:2]
    folds = np.array([results[f"split{i}_test_score"] for i in range(3)])
    verdict = paired_decision(folds[:, second], folds[:, first])[0]
    assert solution_namespace(NB)["grid_verdict"](results) == (results["params"][first], verdict == "B")


# --------------------------------------------------------------------------- q5: the augmented model


def augmented(build_cnn, front=None, cnn_layers=None):
    front = front if front is not None else [L.RandomFlip("horizontal"), L.RandomTranslation(0.1, 0.1)]
    return keras.Sequential([keras.Input((32, 32, 3)), *front, *(cnn_layers or build_cnn((32, 32, 3), 10).layers)])


def test_q5_the_solution_passes(build_cnn):
    accepted("q5_augmented_model", {"augmented_model": augmented(build_cnn), "model": build_cnn((32, 32, 3), 10)})


def test_q5_augmentation_after_a_convolution_fails(build_cnn):
    layers = build_cnn((32, 32, 3), 10).layers
    model = keras.Sequential([keras.Input((32, 32, 3)), layers[0], L.RandomFlip("horizontal"), L.RandomTranslation(0.1, 0.1),
                              *layers[1:]])
    rejected("q5_augmented_model", {"augmented_model": model}, "before the first convolution")


def test_q5_the_trained_models_layers_fail(build_cnn):
    model = build_cnn((32, 32, 3), 10)
    rejected("q5_augmented_model", {"augmented_model": augmented(build_cnn, cnn_layers=model.layers), "model": model},
             "the very layers of your trained `model`")


@pytest.mark.parametrize("front, phrase", [
    (lambda: [L.RandomFlip("vertical"), L.RandomTranslation(0.1, 0.1)], "mode 'vertical'"),
    (lambda: [L.RandomFlip("horizontal"), L.RandomTranslation(0.2, 0.2)], "up to 10 % of the height"),
    (lambda: [L.RandomTranslation(0.1, 0.1), L.RandomFlip("horizontal")], "start with a flip, then a translation"),
    (lambda: [L.RandomFlip("horizontal")], "start with a flip, then a translation"),
    (lambda: [keras.Sequential([L.RandomFlip("horizontal"), L.RandomTranslation(0.1, 0.1)])], "found a model inside"),
    (lambda: [L.RandomFlip("horizontal"), L.RandomTranslation(0.1, 0.1), L.Dropout(0.2)], "the lesson's CNN"),
])
def test_q5_wrong_augmented_models_fail(build_cnn, front, phrase):
    rejected("q5_augmented_model", {"augmented_model": augmented(build_cnn, front())}, phrase)


def test_q5_a_model_class_that_shows_other_layers_fails(build_cnn):
    shown = augmented(build_cnn)

    class Pretending(keras.Sequential):
        @property
        def layers(self):
            return shown.layers

    model = Pretending([keras.Input((32, 32, 3)), L.RandomFlip("vertical"), *build_cnn((32, 32, 3), 10).layers])
    rejected("q5_augmented_model", {"augmented_model": model}, "expected a Keras model (Sequential), found a Pretending")


def test_q5_a_translation_whose_factors_are_not_numbers_fails(build_cnn):
    shift = L.RandomTranslation(0.1, 0.1)
    shift.height_lower = Anything(-0.1)
    rejected("q5_augmented_model", {"augmented_model": augmented(build_cnn, [L.RandomFlip("horizontal"), shift])},
             "the translation's height factor could not be read")


# --------------------------------------------------------------------------- q6: the most confused pair


def confused_with(reading="rates per true class"):
    """A most_confused_pair that reads the confusion matrix as ``reading`` says."""
    from dlcourse.data import CIFAR10_CLASSES

    def most_confused_pair(true_labels, predicted_labels, class_names):
        n = 10 if reading == "10 classes written in" else len(class_names)
        names = CIFAR10_CLASSES if reading == "CIFAR-10's names written in" else class_names
        true, predicted = np.asarray(true_labels), np.asarray(predicted_labels)
        keep = (true < n) & (predicted < n)
        counts = np.zeros((n, n))
        np.add.at(counts, (true[keep], predicted[keep]), 1)
        rates = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
        off = np.eye(n, dtype=bool)

        def first(matrix, diagonal=False):
            matrix = matrix if diagonal else np.where(off, -1.0, matrix)
            return tuple(int(i) for i in np.unravel_index(np.argmax(matrix), matrix.shape))

        if reading == "counts":
            i, j = first(counts)
        elif reading == "rates per predicted class":
            i, j = first(counts / np.maximum(counts.sum(axis=0, keepdims=True), 1))
        elif reading == "the other way round":
            j, i = first(rates)
        elif reading == "both directions added":
            i, j = first(rates + rates.T)
            i, j = (j, i) if rates[j, i] > rates[i, j] else (i, j)
        elif reading == "the diagonal left in":
            i, j = first(rates, diagonal=True)
        elif reading == "the share of a class's mistakes":
            i, j = first(counts / np.maximum(counts.sum(axis=1) - np.diag(counts), 1)[:, None])
        elif reading == "lowest recall, most predicted":
            i = int(np.argmin(np.diag(rates)))
            j = int(np.argmax(np.where(np.arange(n) == i, -1, counts.sum(axis=0))))
        elif reading == "column by column on a tie":
            j, i = first(rates.T)
        elif reading == "the classes present only":  # a matrix without labels=: indices shift past a missing class
            present = np.unique(np.concatenate([true, predicted]))
            m = len(present)
            squeezed = np.zeros((m, m))
            np.add.at(squeezed, (np.searchsorted(present, true), np.searchsorted(present, predicted)), 1)
            i, j = first(squeezed / np.maximum(squeezed.sum(axis=1, keepdims=True), 1))
        elif reading == "the last of two equal rates":
            flat = np.where(off, -1.0, rates).ravel()
            i, j = divmod(flat.size - 1 - int(np.argmax(flat[::-1])), n)
        else:
            i, j = first(rates)
        return names[i], names[j]
    return most_confused_pair


CONFUSION_MISREADINGS = {  # how it reads the matrix: whether the public cases already catch it
    "counts": True, "rates per predicted class": True, "the other way round": True, "both directions added": True,
    "the diagonal left in": True, "the share of a class's mistakes": True, "CIFAR-10's names written in": True,
    "lowest recall, most predicted": False, "the last of two equal rates": False, "10 classes written in": False,
    "column by column on a tie": False, "the classes present only": False,  # found by a helper's blind attack
}


def test_q6_the_solution_and_the_reference_pass():
    accepted("q6_most_confused", solution_namespace(NB))
    accepted("q6_most_confused", {"np": np, "most_confused_pair": confused_with()})


@pytest.mark.parametrize("reading", [r for r, public in CONFUSION_MISREADINGS.items() if public])
def test_q6_wrong_readings_fail_on_the_public_cases(reading):
    rejected("q6_most_confused", {"np": np, "most_confused_pair": confused_with(reading)}, "most_confused_pair(")


@pytest.mark.parametrize("reading", [r for r, public in CONFUSION_MISREADINGS.items() if not public])
@pytest.mark.parametrize("seed", [0, 1, 2024])
def test_q6_wrong_readings_that_only_hidden_cases_catch_fail_in_the_grader(reading, seed):
    namespace = {"np": np, "most_confused_pair": confused_with(reading)}
    judging.assert_only_hidden_cases_reject(NB, "q6_most_confused", namespace, seed)


@pytest.mark.parametrize("seed", range(20))
def test_q6_every_draw_of_hidden_cases_separates_each_misreading(seed):
    cases = questions_for(NB)["q6_most_confused"].hidden(np.random.default_rng(seed))
    right = [solution_namespace(NB)["most_confused_pair"](*args) for args, _ in cases]
    assert right == [confused_with()(*args) for args, _ in cases]
    for reading in CONFUSION_MISREADINGS:
        assert [outcome(confused_with(reading), args) for args, _ in cases] != right, reading


# the smoke budget's barely trained model: every test image predicted 'automobile' (class 1), with the offline
# subset's 1,017 test images
SMOKE_CLASS_SIZES = [105, 93, 100, 104, 92, 87, 114, 102, 110, 110]


def test_q6_a_smoke_run_cannot_hide_a_wrong_reading():
    """On a run whose model puts every image in one column, the class with the lowest recall against the most
    predicted class is the right pair (and the old grading accepted any row of that column); as a function, the
    misreading fails."""
    from dlcourse.data import CIFAR10_CLASSES

    true = np.repeat(np.arange(10), SMOKE_CLASS_SIZES)
    args = (true, np.ones_like(true), CIFAR10_CLASSES)
    wrong = confused_with("lowest recall, most predicted")
    assert wrong(*args) == confused_with()(*args) == ("airplane", "automobile")
    status, message = judging.by_grader(NB, "q6_most_confused", {"np": np, "most_confused_pair": wrong})
    assert status != PASS and "hidden case" in message, message


Cat = equals_anything(str, "Cat")
Yes = equals_anything(int, "Yes")


def test_answers_that_lie_fail():
    """Values that say they equal anything are not strings or booleans to the judge."""
    rejected("q6_most_confused", {"most_confused_pair": lambda *args: (Cat("bird"), "dog")}, "found a Cat")
    rejected("q4_grid_verdict", {"grid_verdict": lambda results: (results["params"][int(np.argmax(results["mean_test_score"]))],
                                                                  Yes(1))}, "found a Yes")


# --------------------------------------------------------------------------- the notebook's questions as a whole

CODE_IN_TEXT = re.compile(r"[A-Za-z_]\w*\(|\w=|==|\*\*|//|\bkeras\.|\blayers\.|\[[^\]]*\d")


def test_no_hint_contains_code():
    for question in questions_for(NB).values():
        if isinstance(question, (FunctionQuestion, ValueQuestion)):
            assert question.hint and not CODE_IN_TEXT.search(question.hint), (question.id, question.hint)


def test_written_questions_have_a_rubric():
    written = [q for q in questions_for(NB).values() if not isinstance(q, (FunctionQuestion, ValueQuestion))]
    assert len(written) == 2
    assert all(len(q.rubric.split()) > 30 for q in written)


def test_exercise_09_does_not_repeat_exercise_08():
    asked_in_08 = {q.variable for q in questions_for("08_augmentation_schedules_early_stopping").values() if isinstance(q, ValueQuestion)}
    asked_in_09 = {q.variable for q in questions_for(NB).values() if isinstance(q, ValueQuestion)}
    assert not asked_in_08 & asked_in_09


def test_headings_state_the_points_of_the_question_modules():
    questions = questions_for(NB)
    stated, seen = None, {}
    for cell in nbformat.read(ROOT / "solutions" / f"{NB}.ipynb", as_version=4).cells:
        points = re.search(r"^#+ Question \d+ \((\d+(?:\.\d+)?) points?", cell.source, re.M) if cell.cell_type == "markdown" else None
        if points:
            stated = float(points[1])
        qid = exercise_id(cell) or answer_id(cell)
        if qid:
            seen[qid] = stated
            stated = None
    assert seen == {qid: float(q.points) for qid, q in questions.items()}
