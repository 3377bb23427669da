"""Plausible wrong answers to exercise 06 fail under check and under the grader; the solution passes both.

Each fixture is what a student might write; each asserts that check() and `dlcourse grade`
reject it with a message that says what is wrong without giving the code.
"""

from __future__ import annotations

import nbformat
import numpy as np
import pytest

from tests import judging
from tests.judging import ROOT, solution_namespace
from tests.judging import equals_anything

NB = "06_hyperband_and_experiment_tracking"
kt = pytest.importorskip("keras_tuner")
keras = pytest.importorskip("keras")


def assert_rejected(qid, namespace, *phrases):
    checked, _ = judging.assert_rejected(NB, qid, namespace, *phrases)
    assert "def " not in checked.message and "hp." not in checked.message  # no code in the feedback


def assert_accepted(qid, namespace):
    judging.assert_accepted(NB, qid, namespace)


def solution_cell(qid):
    """The source of the solution's EXERCISE cell for ``qid``."""
    cells = nbformat.read(ROOT / "solutions" / f"{NB}.ipynb", as_version=4).cells
    return next(c.source for c in cells if c.cell_type == "code" and c.source.startswith(f"# EXERCISE {qid}"))


# ----------------------------------------------------------------------------- q1


def _hyperband_epochs(epochs_of_round=lambda r, f, k: r / f ** k, finish=lambda t: int(round(t)), epsilon=1e-9):
    def hyperband_epochs(max_epochs, factor):
        s_max = int(np.floor(np.log(max_epochs) / np.log(factor) + epsilon))
        total = 0
        for s in range(s_max, -1, -1):
            n = int(np.ceil((s_max + 1) / (s + 1) * factor ** s))
            for i in range(s + 1):
                total += (n // factor ** i) * epochs_of_round(max_epochs, factor, s - i)
        return finish(total)
    return hyperband_epochs


def test_q1_solution_passes():
    assert_accepted("q1_hyperband_epochs", solution_namespace(NB))


@pytest.mark.parametrize("wrong, case", [
    (_hyperband_epochs(epochs_of_round=lambda r, f, k: r // f ** k), "hyperband_epochs(10, 3)"),  # integer division
    (_hyperband_epochs(finish=int), "hyperband_epochs(10, 3)"),  # truncates 86.67 to 86
    (_hyperband_epochs(epsilon=0.0), "hyperband_epochs(243, 3)"),  # log ratio 4.999... floors to 4
], ids=["integer-division", "truncated-sum", "no-epsilon-in-s_max"])
def test_q1_wrong_answers_fail(wrong, case):
    assert_rejected("q1_hyperband_epochs", {"hyperband_epochs": wrong}, case, "expected")


def test_q1_rounding_s_max_or_the_sum_up_fails():
    def hyperband_epochs(max_epochs, factor):  # s_max rounded rather than floored
        s_max = int(np.round(np.log(max_epochs) / np.log(factor)))
        total = 0
        for s in range(s_max, -1, -1):
            n = int(np.ceil((s_max + 1) / (s + 1) * factor ** s))
            for i in range(s + 1):
                total += (n // factor ** i) * max_epochs / factor ** (s - i)
        return int(round(total))

    # log(20) / log(3) is 2.73: rounded, s_max becomes 3 (in the other public cases it is near a whole number)
    assert_rejected("q1_hyperband_epochs", {"hyperband_epochs": hyperband_epochs}, "hyperband_epochs(20, 3): expected 173")
    # the sum 173.33 rounded up: the other public sums are whole or have a fraction above one half
    assert_rejected("q1_hyperband_epochs", {"hyperband_epochs": _hyperband_epochs(finish=lambda t: int(np.ceil(t)))},
                    "hyperband_epochs(20, 3): expected 173, found 174")


def test_q1_rounding_half_up_passes_every_draw():
    # "the nearest whole number" rounded half up is a right answer: no hidden case may end in exactly .5,
    # where it and Python's round (half to even) disagree.
    half_up = _hyperband_epochs(finish=lambda t: int(np.floor(t + 0.5)))
    namespace = {"hyperband_epochs": half_up}
    assert judging.by_check(NB, "q1_hyperband_epochs", namespace).status == "passed"
    for seed in range(40):
        status, message = judging.by_grader(NB, "q1_hyperband_epochs", namespace,
                                            judging.grading_cases(NB, "q1_hyperband_epochs", seed=seed))
        assert status == "passed", (seed, message)


# ----------------------------------------------------------------------------- q2


def test_q2_solution_passes():
    assert_accepted("q2_epochs_to_reach", solution_namespace(NB))


def _strictly_above(epochs, best, target):
    for spent, score in zip(epochs, best):
        if score > target:
            return spent
    return None


def _position(epochs, best, target):
    for i, score in enumerate(best):
        if score >= target:
            return i
    return None


def _zero_if_never(epochs, best, target):
    for spent, score in zip(epochs, best):
        if score >= target:
            return spent
    return 0


@pytest.mark.parametrize("wrong, phrase", [
    (_strictly_above, "expected 10, found 15"), (_position, "expected 27, found 2"), (_zero_if_never, "expected None"),
], ids=["ties-missed", "index-not-epochs", "zero-for-never"])
def test_q2_wrong_answers_fail(wrong, phrase):
    assert_rejected("q2_epochs_to_reach", {"epochs_to_reach": wrong}, phrase)


# ----------------------------------------------------------------------------- q3


def build_model_namespace(source=None):
    namespace = {}
    exec(source or solution_cell("q3_build_model"), namespace)
    return namespace


def test_q3_solution_passes():
    assert_accepted("q3_build_model", build_model_namespace())


def _edited(old, new):
    source = solution_cell("q3_build_model")
    assert old in source
    return build_model_namespace(source.replace(old, new))


@pytest.mark.parametrize("old, new, phrase", [
    ("keras.layers.Dropout(dropout)", "keras.layers.Dropout(0.2)", "dropout is declared but never used"),
    ("keras.optimizers.Adam(learning_rate)", "keras.optimizers.Adam(1e-3)", "learning_rate is declared but never used"),
    ("keras.layers.Dense(units, activation", "keras.layers.Dense(64, activation", "units is declared but never used"),
    ('1e-4, 1e-2, sampling="log"', "1e-4, 1e-2", "sampled on a log scale"),
    ('"units", 32, 256, step=32', '"units", 32, 256', "in steps of 32"),
], ids=["fixed-dropout", "fixed-learning-rate", "fixed-units", "linear-learning-rate", "units-without-step"])
def test_q3_wrong_answers_fail(old, new, phrase):
    assert_rejected("q3_build_model", _edited(old, new), phrase)


HIDDEN = 'keras.layers.Dense(units, activation="relu")'
OUTPUT = 'keras.layers.Dense(10, activation="softmax")'
LOSS = 'loss="sparse_categorical_crossentropy"'


@pytest.mark.parametrize("edits, phrase", [
    ([(HIDDEN, "keras.layers.Dense(units)")], "the hidden layer's activation is 'linear'"),  # relu forgotten
    ([(HIDDEN, 'keras.layers.Dense(units, activation="sigmoid")')], "the hidden layer's activation is 'sigmoid'"),
    ([(OUTPUT, "keras.layers.Dense(10)")], "the loss expects probabilities"),  # no softmax, loss told nothing
    ([(LOSS, "loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)")], "softmax twice"),
    ([(LOSS, 'loss="categorical_crossentropy"')], "sparse categorical cross-entropy"),  # one-hot loss, integer labels
    ([(LOSS, 'loss="mse"')], "the loss 'mse'"),
    ([('metrics=["accuracy"]', "metrics=[]")], "with the accuracy metric"),
    ([(HIDDEN + ",\n                              keras.layers.Dropout(dropout)",
       "keras.layers.Dropout(dropout), " + HIDDEN)], "a Dropout layer after it"),  # dropout on the inputs
    ([("keras.layers.Dropout(dropout), " + OUTPUT, OUTPUT + ", keras.layers.Dropout(dropout)")],
     "a Dropout layer after it"),  # dropout on the output
    ([(HIDDEN + ",", HIDDEN + ", " + HIDDEN + ",")], "one hidden Dense layer"),  # two hidden layers
], ids=["no-relu", "sigmoid-hidden", "no-softmax", "softmax-and-logits", "categorical-loss", "mse-loss",
        "no-accuracy-metric", "dropout-before-hidden", "dropout-after-output", "two-hidden-layers"])
def test_q3_a_wrong_network_fails(edits, phrase):
    source = solution_cell("q3_build_model")
    for old, new in edits:
        assert old in source, old
        source = source.replace(old, new)
    assert_rejected("q3_build_model", build_model_namespace(source), phrase)


@pytest.mark.parametrize("edits", [
    [(OUTPUT, "keras.layers.Dense(10)"), (LOSS, "loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)")],
    [(HIDDEN, 'keras.layers.Dense(units), keras.layers.Activation("relu")'),
     (OUTPUT, "keras.layers.Dense(10), keras.layers.Softmax()")],
    [(LOSS, "loss=keras.losses.SparseCategoricalCrossentropy()"),
     ('metrics=["accuracy"]', 'metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")]')],
], ids=["logits-told-to-the-loss", "activation-layers", "loss-and-metric-objects"])
def test_q3_other_right_networks_pass(edits):
    source = solution_cell("q3_build_model")
    for old, new in edits:
        assert old in source, old
        source = source.replace(old, new)
    assert_accepted("q3_build_model", build_model_namespace(source))


def test_q3_a_functional_model_passes():
    source = """
import keras
def build_model(hp):
    units = hp.Int("units", 32, 256, step=32)
    dropout = hp.Float("dropout", 0.0, 0.5, step=0.1)
    learning_rate = hp.Float("learning_rate", 1e-4, 1e-2, sampling="log")
    inputs = keras.Input((64,))
    hidden = keras.layers.Dropout(dropout)(keras.layers.Dense(units, activation="relu")(inputs))
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(hidden))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
"""
    assert_accepted("q3_build_model", build_model_namespace(source))


# ----------------------------------------------------------------------------- q5


def searched(tmp_path, build_model, kind="hyperband", max_epochs=9, objective="val_accuracy", score=None):
    """A real keras-tuner search whose oracle is driven without training (random scores, or
    ``score(k)`` for the k-th trial), recording its objective's metric."""
    options = dict(objective=objective, seed=0, directory=str(tmp_path), project_name=kind, overwrite=True)
    if kind == "hyperband":
        tuner = kt.Hyperband(build_model, max_epochs=max_epochs, factor=3, **options)
    else:
        tuner = kt.RandomSearch(build_model, max_trials=5, **options)
    rng = np.random.default_rng(0)
    for k in range(100):
        trial = tuner.oracle.create_trial("tuner0")
        if trial.status == "STOPPED":
            break
        tuner.oracle.update_trial(trial.trial_id, {objective: float(rng.random() if score is None else score(k))})
        trial.status = "COMPLETED"
        tuner.oracle.end_trial(trial)
    return tuner


def solution_report(tuner, epochs=None):
    finished = [t for t in tuner.oracle.trials.values() if t.score is not None]
    best = max(finished, key=lambda t: t.score)
    values = [t.hyperparameters.values for t in finished]
    return {"best_val_accuracy": float(best.score), "best_bracket": best.hyperparameters.values.get("tuner/bracket"),
            "epochs": sum(v["tuner/epochs"] - v["tuner/initial_epoch"] for v in values) if epochs is None else epochs,
            "trials": len(finished)}


def q5_namespace(tmp_path, **kwargs):
    namespace = build_model_namespace()
    namespace["tuner"] = tuner = searched(tmp_path, namespace["build_model"], **kwargs)
    return namespace, tuner


def test_q5_solution_passes(tmp_path):
    namespace, tuner = q5_namespace(tmp_path)
    namespace["hyperband_report"] = solution_report(tuner)
    assert_accepted("q5_hyperband_report", namespace)


def test_q5_counting_resumed_epochs_twice_fails(tmp_path):
    namespace, tuner = q5_namespace(tmp_path)
    final_epochs = sum(t.hyperparameters.values["tuner/epochs"] for t in tuner.oracle.trials.values())
    namespace["hyperband_report"] = solution_report(tuner, epochs=final_epochs)
    assert_rejected("q5_hyperband_report", namespace, "trains only from its initial epoch on")


def test_q5_a_random_search_is_not_hyperband(tmp_path):
    namespace = build_model_namespace()
    namespace["tuner"] = tuner = searched(tmp_path, namespace["build_model"], kind="random")
    namespace["hyperband_report"] = {"best_val_accuracy": max(t.score for t in tuner.oracle.trials.values()),
                                     "best_bracket": 0, "epochs": 45, "trials": 5}
    assert_rejected("q5_hyperband_report", namespace, "RandomSearch", "asks for Hyperband")


def test_q5_the_wrong_bracket_fails(tmp_path):
    namespace, tuner = q5_namespace(tmp_path)
    report = solution_report(tuner)
    report["best_bracket"] = {0: 1, 1: 2, 2: 0}[report["best_bracket"]]
    namespace["hyperband_report"] = report
    assert_rejected("q5_hyperband_report", namespace, "not the bracket your best trial ran in")


def test_q5_a_one_bracket_search_fails(tmp_path):
    namespace, tuner = q5_namespace(tmp_path, max_epochs=2)
    namespace["hyperband_report"] = solution_report(tuner)
    assert_rejected("q5_hyperband_report", namespace, "only 1 bracket ran")


def test_q5_a_report_made_up_rather_than_read_fails(tmp_path):
    namespace, tuner = q5_namespace(tmp_path)
    report = solution_report(tuner)
    report["best_val_accuracy"] = round(report["best_val_accuracy"] - 0.05, 4)
    namespace["hyperband_report"] = report
    assert_rejected("q5_hyperband_report", namespace, "best trial scored")


@pytest.mark.parametrize("objective, phrase", [
    ("accuracy", "ranks its trials by 'accuracy'"),  # training accuracy reported as best_val_accuracy
    ("val_loss", "ranks its trials by 'val_loss' (lowest first)"),
], ids=["training-accuracy", "validation-loss"])
def test_q5_a_search_on_another_objective_fails(tmp_path, objective, phrase):
    namespace = build_model_namespace()
    namespace["tuner"] = tuner = searched(tmp_path, namespace["build_model"], objective=objective)
    namespace["hyperband_report"] = solution_report(tuner)  # read from its trials as the solution does
    assert_rejected("q5_hyperband_report", namespace, phrase, "val_accuracy")


def test_q5_any_trial_tied_for_the_best_score_is_the_best_trial(tmp_path):
    # with 360 validation images scores tie often; sorting by score and taking the last tied trial is right too
    namespace, tuner = q5_namespace(tmp_path, score=lambda k: 0.9 if k in (0, 13) else 0.5)
    finished = [t for t in tuner.oracle.trials.values() if t.score is not None]
    tied = sorted({t.hyperparameters.values["tuner/bracket"] for t in finished if t.score == 0.9})
    assert len(tied) == 2, tied  # the fixture is meant to tie across two of the three brackets
    for bracket in tied:
        namespace["hyperband_report"] = {**solution_report(tuner), "best_bracket": bracket}
        assert_accepted("q5_hyperband_report", namespace)
    (other,) = {0, 1, 2} - set(tied)
    namespace["hyperband_report"] = {**solution_report(tuner), "best_bracket": other}
    assert_rejected("q5_hyperband_report", namespace, "not the bracket your best trial ran in")


def test_q5_a_whole_number_of_epochs_as_a_float_passes(tmp_path):
    namespace, tuner = q5_namespace(tmp_path)
    report = solution_report(tuner)
    namespace["hyperband_report"] = {**report, "epochs": float(report["epochs"])}
    assert_accepted("q5_hyperband_report", namespace)
    namespace["hyperband_report"] = {**report, "epochs": report["epochs"] + 0.5}
    assert_rejected("q5_hyperband_report", namespace, "really trained")


def test_q5_a_rounded_copy_of_the_printed_score_is_named_as_such(tmp_path):
    namespace, tuner = q5_namespace(tmp_path)
    report = solution_report(tuner)
    namespace["hyperband_report"] = {**report, "best_val_accuracy": round(report["best_val_accuracy"], 4)}
    assert round(report["best_val_accuracy"], 4) != report["best_val_accuracy"]
    assert_rejected("q5_hyperband_report", namespace, "a rounded copy")


# ----------------------------------------------------------------------------- decided outside the kernel


def test_q5_the_grader_takes_max_epochs_from_the_set_up_not_from_the_students_namespace(tmp_path):
    # the student rebinds MAX_EPOCHS (9 instead of the set-up's 3) and searches with it: their own check
    # reads their namespace, the grader the set-up cell as the solution's run has it
    namespace, tuner = q5_namespace(tmp_path, max_epochs=9)
    namespace.update(MAX_EPOCHS=9, hyperband_report=solution_report(tuner))
    assert judging.by_check(NB, "q5_hyperband_report", namespace).status == "passed"
    status, message = judging.by_grader(NB, "q5_hyperband_report", namespace, setup={"MAX_EPOCHS": 3})
    assert status != "passed" and "max_epochs=MAX_EPOCHS, 3 in the set-up cell" in message, message
    assert judging.by_grader(NB, "q5_hyperband_report", namespace, setup={"MAX_EPOCHS": 9})[0] == "passed"


_Everything = equals_anything(float, "_Everything")


_AnyCount = equals_anything(int, "_AnyCount")


def test_q5_numbers_that_say_they_equal_anything_fail(tmp_path):
    namespace, tuner = q5_namespace(tmp_path)
    report = solution_report(tuner)
    namespace["hyperband_report"] = {**report, "best_val_accuracy": _Everything(0.1)}
    assert_rejected("q5_hyperband_report", namespace, "best_val_accuracy: expected a number")
    namespace["hyperband_report"] = {**report, "trials": _AnyCount(1), "epochs": _AnyCount(1)}
    assert_rejected("q5_hyperband_report", namespace, "trials: your tuner finished")


def test_q5_a_look_alike_tuner_fails(tmp_path):
    namespace, tuner = q5_namespace(tmp_path)
    namespace["hyperband_report"] = solution_report(tuner)

    class Hyperband:  # keras-tuner's name, not its class: its trials could say anything
        oracle, hypermodel = tuner.oracle, tuner.hypermodel

    namespace["tuner"] = Hyperband()
    assert_rejected("q5_hyperband_report", namespace, "Hyperband (not keras-tuner's) search")


def test_q3_a_look_alike_keras_in_the_namespace_fails():
    # the set-up's `keras` rebound to a look-alike whose Sequential is the student's own class
    namespace = build_model_namespace()

    class FakeSequential(list):
        def __init__(self, layers):
            super().__init__(layers)
            self.layers, self.output_shape = list(layers), (None, 10)

        def compile(self, **kwargs):
            self.optimizer = kwargs["optimizer"]

    class FakeKeras:
        Sequential, Input, layers, optimizers = FakeSequential, keras.Input, keras.layers, keras.optimizers

    namespace["keras"] = FakeKeras
    assert_rejected("q3_build_model", namespace, "it should return a Keras model")


def test_q3_a_model_that_says_it_is_a_keras_model_fails():
    namespace = build_model_namespace()
    right = namespace["build_model"]

    class Lying(keras.Sequential):  # a subclass may redefine anything the check reads
        def __eq__(self, other):
            return True

        __hash__ = object.__hash__

    class Pretender:
        __class__ = keras.Sequential  # isinstance() believes it

        def __init__(self, model):
            self.layers, self.optimizer, self.loss = model.layers, model.optimizer, model.loss

    namespace["build_model"] = lambda hp: Lying(right(hp).layers)
    assert_rejected("q3_build_model", namespace, "it should return a Keras model")
    namespace["build_model"] = lambda hp: Pretender(right(hp))
    assert_rejected("q3_build_model", namespace, "it should return a Keras model")


def test_q3_a_dense_layer_that_only_says_it_uses_units_fails():
    source = solution_cell("q3_build_model").replace("keras.layers.Dense(units, activation", "keras.layers.Dense(64, activation")
    source = source.replace("    return model", "    model.layers[0].units = units  # the attribute says so, the weights do not\n    return model")
    assert "model.layers[0].units" in source
    assert_rejected("q3_build_model", build_model_namespace(source), "units is declared but never used")
