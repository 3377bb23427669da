"""Exercise 09: plausible wrong answers fail in ``check`` and in ``dlcourse grade``; the solution passes.

Each fixture is a namespace as a student's notebook would hold it. Fixtures that need a
trained model use a tiny one on tiny synthetic images (seconds, not minutes): the checks
look at how a model was trained and what it does, not at its architecture (question 1
checks that). The message must say what is wrong (a distinctive phrase is asserted)
without giving the answer's code.
"""

from __future__ import annotations

import math
import re
from types import SimpleNamespace

import keras
import nbformat
import numpy as np
import pytest

from dlcourse.checking import Status, FunctionQuestion, ValueQuestion, questions_for

PASS = Status.PASSED  # the verdict of a right answer
from dlcourse.exercises import answer_id, exercise_id
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


# --------------------------------------------------------------------------- q2: the grid


def test_q2_the_solution_passes():
    accepted("q2_param_grid", {"param_grid": {"batch_size": [32, 64], "epochs": [10, 20]}})
    accepted("q2_param_grid", {"param_grid": {"epochs": (20, 10), "batch_size": (64, 32)}})


@pytest.mark.parametrize("grid, phrase", [
    ({"batch_size": [32, 64], "epochs": [10, 20], "optimizer": ["adam"]}, "exactly two settings"),  # an extra setting
    ({"model__batch_size": [32, 64], "epochs": [10, 20]}, "exactly two settings"),
    ({"batch_size": [32, 64], "epochs": [10, 20, 30]}, "'epochs' should try the lesson's values"),
    ({"batch_size": [16, 32], "epochs": [10, 20]}, "'batch_size' should try the lesson's values"),
    ({"batch_size": 64, "epochs": [10, 20]}, "needs a list of values"),
    ([("batch_size", [32, 64]), ("epochs", [10, 20])], "expected a dict"),
])
def test_q2_wrong_grids_fail(grid, phrase):
    rejected("q2_param_grid", {"param_grid": grid}, phrase)


class LyingGrid(dict):
    """Holds a wrong grid but shows the lesson's grid to whoever iterates, indexes or compares it."""

    def __iter__(self):
        return iter(["batch_size", "epochs"])

    def __getitem__(self, key):
        return {"batch_size": [32, 64], "epochs": [10, 20]}[key]

    def keys(self):
        return ["batch_size", "epochs"]

    def __eq__(self, other):
        return True


def test_q2_a_grid_that_lies_about_its_contents_fails():
    rejected("q2_param_grid", {"param_grid": LyingGrid(batch_size=[16, 32], epochs=[10, 20])},
             "'batch_size' should try the lesson's values")
    rejected("q2_param_grid", {"param_grid": {"batch_size": [32, 64], "epochs": [Anything(10), Anything(20)]}},
             "'epochs' should try the lesson's values")


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

PARAMS = [{"batch_size": 32, "epochs": 10}, {"batch_size": 32, "epochs": 20}, {"batch_size": 64, "epochs": 10},
          {"batch_size": 64, "epochs": 20}]


def grid(folds):
    """A grid search's results from each combination's scores on three folds (rows: combinations)."""
    scores = np.asarray(folds, dtype=float)
    results = {"params": PARAMS, "mean_test_score": scores.mean(axis=1), "std_test_score": scores.std(axis=1),
               "mean_fit_time": np.array([40.0, 80.0, 20.0, 10.0])}
    results.update({f"split{i}_test_score": scores[:, i] for i in range(scores.shape[1])})
    return SimpleNamespace(cv_results_=results)


# winner (PARAMS[1]) ahead of the runner-up (PARAMS[3]) by 0.01 on average, but not on every fold: no clear winner
CLOSE = grid([[0.40, 0.41, 0.39], [0.44, 0.47, 0.44], [0.30, 0.31, 0.29], [0.45, 0.44, 0.42]])
# winner 0.15 ahead of the runner-up on every fold: a clear winner by any rule
CLEAR = grid([[0.30, 0.31, 0.29], [0.49, 0.50, 0.51], [0.34, 0.35, 0.36], [0.33, 0.32, 0.34]])
# the wrong rule's traps. A small lead, the same on every fold: clear by the paired comparison, though far below the
# winner's spread across folds (which folds' difficulty makes large)
STEADY = grid([[0.30, 0.40, 0.50], [0.400, 0.500, 0.600], [0.20, 0.30, 0.40], [0.381, 0.480, 0.579]])
# a large lead, above the winner's spread, that changes sign across the folds: not clear by the paired comparison
ERRATIC = grid([[0.30, 0.31, 0.29], [0.60, 0.40, 0.56], [0.30, 0.45, 0.45], [0.20, 0.21, 0.19]])


def _fold_std_rule(search) -> bool:
    """The rule the course no longer teaches: the mean lead against the winner's fold standard deviation."""
    r = search.cv_results_
    order = np.argsort(-r["mean_test_score"], kind="stable")
    return bool(r["mean_test_score"][order[0]] - r["mean_test_score"][order[1]] > r["std_test_score"][order[0]])


def test_q4_right_verdicts_pass():
    accepted("q4_grid_verdict", {"grid": CLOSE, "best_combination": PARAMS[1], "clear_winner": False})
    accepted("q4_grid_verdict", {"grid": CLEAR, "best_combination": PARAMS[1], "clear_winner": True})
    accepted("q4_grid_verdict", {"grid": STEADY, "best_combination": PARAMS[1], "clear_winner": True})
    accepted("q4_grid_verdict", {"grid": ERRATIC, "best_combination": PARAMS[1], "clear_winner": False})


@pytest.mark.parametrize("search", [STEADY, ERRATIC], ids=["steady small lead", "erratic large lead"])
def test_q4_the_fold_standard_deviation_rule_fails(search):
    """The spread of one combination's fold scores is not the yardstick (issue 26): where it and the paired
    per-fold comparison disagree, the spread's verdict is rejected, naming the paired comparison."""
    rejected("q4_grid_verdict", {"grid": search, "best_combination": PARAMS[1], "clear_winner": _fold_std_rule(search)},
             "fold by fold")


def test_q4_the_solution_reads_a_real_grid_search():
    from sklearn.datasets import make_classification
    from sklearn.model_selection import GridSearchCV
    from sklearn.neighbors import KNeighborsClassifier

    x, y = make_classification(n_samples=90, random_state=0)
    search = GridSearchCV(KNeighborsClassifier(), {"n_neighbors": [1, 5, 15], "weights": ["uniform", "distance"]}, cv=3,
                          refit=False).fit(x, y)
    results = search.cv_results_
    order = np.argsort(-results["mean_test_score"], kind="stable")
    from scipy import stats

    differences = np.array([results[f"split{i}_test_score"][order[0]] - results[f"split{i}_test_score"][order[1]]
                            for i in range(3)])
    t = differences.mean() / (differences.std(ddof=1) * np.sqrt(1 / 3 + 1 / 2))
    verdict = {"best_combination": results["params"][order[0]], "clear_winner": bool(t > stats.t.ppf(0.975, df=2))}
    accepted("q4_grid_verdict", {"grid": search, **verdict})
    rejected("q4_grid_verdict", {"grid": search, **verdict, "best_combination": results["params"][order[-1]]},
             "not the combination the grid ranked first")


@pytest.mark.parametrize("namespace, phrase", [
    ({"grid": CLOSE, "best_combination": PARAMS[3], "clear_winner": False}, "not the combination the grid ranked first"),  # least spread
    ({"grid": CLOSE, "best_combination": PARAMS[2], "clear_winner": False}, "not the combination the grid ranked first"),  # fastest
    ({"grid": CLOSE, "best_combination": PARAMS[1], "clear_winner": True}, "`clear_winner` is True"),  # against the worst, or any lead
    ({"grid": CLEAR, "best_combination": PARAMS[1], "clear_winner": False}, "`clear_winner` is False"),
    ({"grid": CLOSE, "best_combination": {"batch_size": 32, "epochs": 30}, "clear_winner": False}, "not one of the combinations"),
    ({"grid": CLOSE, "best_combination": (32, 20), "clear_winner": False}, "should be a dict"),
    ({"grid": CLOSE, "best_combination": PARAMS[1], "clear_winner": "no"}, "should be True or False"),
    ({"grid": CLOSE, "clear_winner": False}, "also set `best_combination`"),
    ({"best_combination": PARAMS[1], "clear_winner": False}, "run question 2's cell first"),
])
def test_q4_wrong_verdicts_fail(namespace, phrase):
    rejected("q4_grid_verdict", namespace, phrase)


Yes = equals_anything(int, "Yes")


class SameAsAnything(dict):
    def __eq__(self, other):
        return True

    __hash__ = None


def test_q4_a_verdict_or_combination_that_lies_fails():
    rejected("q4_grid_verdict", {"grid": CLOSE, "best_combination": PARAMS[1], "clear_winner": Yes(0)},
             "should be True or False")
    rejected("q4_grid_verdict", {"grid": CLOSE, "best_combination": SameAsAnything(PARAMS[3]), "clear_winner": False},
             "not the combination the grid ranked first")


def test_q4_results_that_hide_behind_a_dict_subclass_fail():
    class Results(dict):
        def __getitem__(self, key):
            return CLEAR.cv_results_[key]

    lying = SimpleNamespace(cv_results_=Results(CLOSE.cv_results_))
    rejected("q4_grid_verdict", {"grid": lying, "best_combination": PARAMS[1], "clear_winner": True}, "run question 2's cell first")


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

CAT, DOG, AUTOMOBILE, TRUCK = 3, 5, 1, 9


@pytest.fixture(scope="module")
def confused():
    """A 'model' that predicts the class written in its input, and test data with chosen mistakes:
    7 of 20 cats taken for dogs (the largest count), 4 of 20 dogs for cats, 5 of 8 trucks for automobiles
    (the largest rate of its true class)."""
    mistakes = {(CAT, DOG): 7, (DOG, CAT): 4, (TRUCK, AUTOMOBILE): 5}
    sizes = {c: 20 for c in range(10)} | {TRUCK: 8}
    true, predicted = [], []
    for c, size in sizes.items():
        wrong = [(p, n) for (t, p), n in mistakes.items() if t == c]
        guesses = [p for p, n in wrong for _ in range(n)]
        true += [c] * size
        predicted += guesses + [c] * (size - len(guesses))
    model = keras.Sequential([keras.Input((10,)), L.Dense(10, activation="softmax")])
    model.set_weights([np.eye(10, dtype="float32") * 10, np.zeros(10, dtype="float32")])
    return {"model": model, "x_test": np.eye(10, dtype="float32")[predicted], "y_test": np.array(true)[:, None]}


def test_q6_the_largest_count_or_rate_passes(confused):
    accepted("q6_most_confused", {**confused, "most_confused": ("cat", "dog")})
    accepted("q6_most_confused", {**confused, "most_confused": ["truck", "automobile"]})  # as a rate of its true class


@pytest.mark.parametrize("answer, phrase", [
    (("dog", "cat"), "the other way round"),  # predicted first
    (("automobile", "truck"), "the other way round"),
    (("cat", "cat"), "on the diagonal"),
    ((CAT, DOG), "not their numbers"),
    (("car", "truck"), "not a CIFAR-10 class name"),
    (("bird", "frog"), "another off-diagonal cell holds 7"),
    ("cat", "expected two class names"),
])
def test_q6_wrong_pairs_fail(confused, answer, phrase):
    rejected("q6_most_confused", {**confused, "most_confused": answer}, phrase)


def test_q6_needs_a_model():
    rejected("q6_most_confused", {"most_confused": ("cat", "dog")}, "train `model` in question 3 first")


def test_q6_the_grader_reads_the_set_ups_test_labels(confused):
    """Relabelling the test set so that the answer becomes the largest cell passes check, not the grader."""
    relabelled = np.array(confused["y_test"])
    frogs = np.flatnonzero(confused["x_test"].argmax(axis=1) == 6)  # the images the model calls 'frog'
    relabelled[frogs[:15]] = 2  # ... now mostly 'bird's
    namespace = {**confused, "y_test": relabelled, "most_confused": ("bird", "frog")}
    assert judging.by_check(NB, "q6_most_confused", namespace).status == PASS
    status, message = judging.by_grader(NB, "q6_most_confused", namespace, setup=confused)
    assert status != PASS and "is not the test set the set-up's data cell makes" in message, message


class Pair(tuple):
    """A pair that says it is equal to every answer and iterates as ('cat', 'dog')."""

    def __eq__(self, other):
        return True

    __hash__ = tuple.__hash__

    def __iter__(self):
        return iter(("cat", "dog"))

    def __len__(self):
        return 2


Cat = equals_anything(str, "Cat")


def test_q6_a_model_that_redefines_predict_fails(confused):
    model = keras.models.clone_model(confused["model"])
    model.set_weights(confused["model"].get_weights())
    model.predict = lambda x, **kwargs: np.eye(10)[np.r_[[DOG] * 7, [CAT] * (len(x) - 7)]]
    rejected("q6_most_confused", {**confused, "model": model, "most_confused": ("bird", "frog")},
             "`model` redefines Keras's own predict")


def test_q6_a_pair_that_lies_fails(confused):
    rejected("q6_most_confused", {**confused, "most_confused": Pair(("bird", "frog"))}, "another off-diagonal cell holds 7")
    rejected("q6_most_confused", {**confused, "most_confused": (Cat("bird"), "dog")}, "not a CIFAR-10 class name")


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
