"""Exercise 07: plausible wrong answers fail in ``check`` and in ``dlcourse grade``; the solution passes both.

Each fixture is a student's answer as it would sit in the notebook's namespace. Every one
must fail both ways, with a message that names what is wrong (asserted on a phrase)
without giving the code.
"""

from __future__ import annotations

import numpy as np
import pytest

from dlcourse.checking import Status

PASS = Status.PASSED  # the verdict of a right answer
from tests import judging
from tests.judging import by_check, by_grader, solution_namespace
from dlcourse.questions.nb07_regularization import KERNEL_WEIGHTS
from tests.judging import equals_anything


NB = "07_regularization"


def _namespace_with(source: str) -> dict:
    import keras

    namespace: dict = {"np": np, "keras": keras}
    exec(source, namespace)
    return namespace


def assert_rejected(qid: str, namespace: dict, phrase: str) -> None:
    _, message = judging.assert_rejected(NB, qid, namespace, phrase)
    assert "Hint" not in message or "keras." not in message.split("Hint", 1)[1], "a hint gives code"


# ----------------------------------------------------------------- q1, q2, q3: NumPy functions

WRONG_FUNCTIONS = {
    # q1: the mean instead of the sum; lambda / 2 (another convention than Keras's); the L2 norm, not squared
    "l2 mean": ("q1_l2_penalty", "def l2_penalty(weights, lam):\n    return float(lam * sum(np.mean(w ** 2) for w in weights))", "expected 1.4"),
    "l2 half": ("q1_l2_penalty", "def l2_penalty(weights, lam):\n    return float(lam / 2 * sum(np.sum(w ** 2) for w in weights))", "expected 1.4, found 0.7"),
    "l2 norm": ("q1_l2_penalty", "def l2_penalty(weights, lam):\n    return float(lam * np.sqrt(sum(np.sum(w ** 2) for w in weights)))", "expected 1.4"),
    "l2 first array only": ("q1_l2_penalty", "def l2_penalty(weights, lam):\n    return float(lam * np.sum(weights[0] ** 2))", "expected 1.4, found 0.5"),
    # "the L2 norm squared" taken with ord=2: for a matrix that is its largest singular value, not the sum of squares
    "l2 spectral norm": ("q1_l2_penalty", "def l2_penalty(weights, lam):\n    return float(lam * sum(np.linalg.norm(w, 2) ** 2 for w in weights))", "expected 2.5, found 2.0"),
    # q2: signed sum (no absolute value); squares
    "l1 signed": ("q2_l1_penalty", "def l1_penalty(weights, lam):\n    return float(lam * sum(np.sum(w) for w in weights))", "expected 0.6"),
    "l1 squares": ("q2_l1_penalty", "def l1_penalty(weights, lam):\n    return float(lam * sum(np.sum(w ** 2) for w in weights))", "expected 0.6, found 1.4"),
    "l1 max": ("q2_l1_penalty", "def l1_penalty(weights, lam):\n    return float(lam * max(np.abs(w).max() for w in weights))", "found"),
    # q3: no rescaling; rescaled by the rate; multiplied by the keep fraction; the mask inverted
    "dropout no rescale": ("q3_dropout_forward", "def dropout_forward(x, mask, rate):\n    return x * mask", "expected 2.0, found 1.0"),
    "dropout divide by rate": ("q3_dropout_forward", "def dropout_forward(x, mask, rate):\n    return x * mask / rate", "expected 1.25, found 5.0"),
    "dropout times keep": ("q3_dropout_forward", "def dropout_forward(x, mask, rate):\n    return x * mask * (1 - rate)", "expected 2.0, found 0.5"),
    "dropout mask inverted": ("q3_dropout_forward", "def dropout_forward(x, mask, rate):\n    return x * (1 - mask) / (1 - rate)", "expected 2.0, found 0.0"),
}


@pytest.mark.parametrize("name", WRONG_FUNCTIONS)
def test_wrong_numpy_functions_fail(name):
    qid, source, phrase = WRONG_FUNCTIONS[name]
    assert_rejected(qid, _namespace_with(source), phrase)


# ----------------------------------------------------------------- q4: the build function

def _build(units=128, activation="relu", out="softmax", penalty="keras.regularizers.L2(l2)", rate="rate",
           inputs=64, dropout_after_output=False, second_dropout=True) -> str:
    lines = ["def build_regularized(l2, rate):", "    layers = [keras.Input((%d,))," % inputs,
             f"        keras.layers.Dense({units}, activation='{activation}', kernel_regularizer={penalty}),",
             f"        keras.layers.Dropout({rate}),",
             f"        keras.layers.Dense({units}, activation='{activation}', kernel_regularizer={penalty}),"]
    if second_dropout:
        lines.append(f"        keras.layers.Dropout({rate}),")
    lines.append(f"        keras.layers.Dense(10, activation='{out}', kernel_regularizer={penalty})]")
    if dropout_after_output:
        lines.append(f"    layers.append(keras.layers.Dropout({rate}))")
    lines.append("    return keras.Sequential(layers)")
    return "\n".join(lines)


WRONG_MODELS = {
    # hyperparameters declared but not used: numbers written into the function
    "hard-coded strength": (_build(penalty="keras.regularizers.L2(1e-3)"), "expected 'Dense(128, relu, kernel penalty L2(0.01))'"),
    "hard-coded rate": (_build(rate="0.5"), "expected 'Dropout(0.25)', found 'Dropout(0.5)'"),
    # a penalty of the wrong kind or strength
    "L1 instead of L2": (_build(penalty="keras.regularizers.L1(l2)"), "kernel penalty L1(0.001)"),
    "keras default strength": (_build(penalty="keras.regularizers.L2()"), "found 'Dense(128, relu, kernel penalty L2(0.01))'"),
    "strength times ten": (_build(penalty="keras.regularizers.L2(10 * l2)"), "found 'Dense(128, relu, kernel penalty L2(0.01))'"),
    "penalty on hidden layers only": (_build().replace("Dense(10, activation='softmax', kernel_regularizer=keras.regularizers.L2(l2))",
                                                       "Dense(10, activation='softmax')"), "kernel penalty none"),
    # the architecture
    "64 units": (_build(units=64), "found 'Dense(64"),
    "sigmoid output": (_build(out="sigmoid"), "found 'Dense(10, sigmoid"),
    "one dropout only": (_build(second_dropout=False), "expected 6 items, found 5"),
    "dropout after the output": (_build(second_dropout=False, dropout_after_output=True), "item"),
    "wrong input size": (_build(inputs=784), "expected 'Input(64,)', found 'Input(784,)'"),
}


@pytest.mark.parametrize("name", WRONG_MODELS)
def test_wrong_models_fail(name):
    source, phrase = WRONG_MODELS[name]
    assert_rejected("q4_build_regularized", _namespace_with(source), phrase)


RIGHT_MODELS = {
    # an L1L2 penalty without its L1 part is an L2 penalty
    "L1L2 with l1 zero": _build(penalty="keras.regularizers.L1L2(l2=l2)"),
    # the activation as a layer of its own after each Dense
    "activation layers": _build(activation="linear").replace("kernel_regularizer=keras.regularizers.L2(l2)),\n        keras.layers.Dropout",
                                                             "kernel_regularizer=keras.regularizers.L2(l2)), keras.layers.ReLU(),\n        keras.layers.Dropout"),
}


@pytest.mark.parametrize("name", RIGHT_MODELS)
def test_other_right_models_pass(name):
    source = RIGHT_MODELS[name]
    judging.assert_accepted(NB, "q4_build_regularized", _namespace_with(source))


def test_an_l1l2_penalty_with_both_parts_is_not_l2():
    assert_rejected("q4_build_regularized", _namespace_with(_build(penalty="keras.regularizers.L1L2(l1=l2, l2=l2)")),
                    "kernel penalty L1L2(l1=0.001, l2=0.001)")


def test_a_model_without_an_input_is_reported_not_crashed():
    source = ("def build_regularized(l2, rate):\n    return keras.Sequential([keras.layers.Dense(128, "
              "kernel_regularizer=keras.regularizers.L2(l2))])")
    assert_rejected("q4_build_regularized", _namespace_with(source), "no input yet")


# ----------------------------------------------------------------- q5: what the penalty counts

@pytest.mark.parametrize("value, phrase", [
    (26_122, "the biases too"),          # model.count_params()
    (24_576, "leaves out the output layer"),
    (26_112, "counts some biases"),      # kernels + hidden biases
    (25_856.5, "whole number"),
    ("25856", "whole number"),
    (25_000, "not the number of weights"),
])
def test_wrong_counts_fail(value, phrase):
    assert_rejected("q5_penalized_weights", {"n_penalized": value}, phrase)


# ----------------------------------------------------------------- q6: choose from your own runs

def _runs(**finals) -> dict:
    """runs as History.history dicts whose last epoch has the given
    (train accuracy, val accuracy, val_loss, val cross-entropy)."""
    return {name: {"accuracy": [0.5, a], "val_accuracy": [0.4, v], "loss": [1.0, 0.1], "val_loss": [1.2, l],
                   "val_cross_entropy": [1.2, ce]}
            for name, (a, v, l, ce) in finals.items()}


# A penalized run has the best validation accuracy and cross-entropy, an unpenalized one the
# lowest val_loss, a third the best training accuracy: the criteria disagree, as they can in a real run.
RUNS = _runs(**{"none": (1.0, 0.93, 0.20, 0.20), "L2 (1e-2)": (0.99, 0.96, 0.45, 0.15),
                "L1 (1e-3)": (0.97, 0.94, 0.60, 0.18), "dropout 0.5": (0.95, 0.95, 0.19, 0.19)})


@pytest.mark.parametrize("chosen, phrase", [
    ("dropout 0.5", "lowest val_loss"),
    ("none", "highest training accuracy"),
    ("L1 (1e-3)", "another of your runs reached 0.960"),
    ("L2", "is not one of your runs"),
    (1, "a string"),
])
def test_wrong_choices_fail(chosen, phrase):
    assert_rejected("q6_choose_regularizer", {"runs": RUNS, "chosen": chosen}, phrase)


def test_the_choice_is_judged_on_the_students_own_runs():
    # Other numbers, another right answer: nothing about the choice is fixed in advance.
    runs = _runs(**{"none": (1.0, 0.97, 0.20, 0.20), "L2 (1e-2)": (0.99, 0.96, 0.45, 0.21)})
    assert by_check(NB, "q6_choose_regularizer", {"runs": runs, "chosen": "none"}).status == PASS
    assert by_check(NB, "q6_choose_regularizer", {"runs": RUNS, "chosen": "none"}).status != PASS
    tied = _runs(**{"none": (1.0, 0.96, 0.20, 0.20), "L2 (1e-2)": (0.99, 0.96, 0.45, 0.21)})
    assert by_check(NB, "q6_choose_regularizer", {"runs": tied, "chosen": "L2 (1e-2)"}).status == PASS
    # the lowest validation cross-entropy is a measure without the penalty too
    split = _runs(**{"none": (1.0, 0.97, 0.20, 0.20), "L2 (1e-2)": (0.99, 0.96, 0.45, 0.12)})
    assert by_check(NB, "q6_choose_regularizer", {"runs": split, "chosen": "L2 (1e-2)"}).status == PASS


def test_a_choice_without_runs_is_reported():
    assert_rejected("q6_choose_regularizer", {"chosen": "none"}, "no `runs`")


# ----------------------------------------------------------------- the right answers pass

def test_the_solution_passes_check_and_grader():
    import keras

    namespace = solution_namespace(NB, {"keras": keras})
    model = namespace["build_regularized"](1e-3, 0.5)
    namespace["n_penalized"] = sum(int(np.prod(layer.kernel.shape)) for layer in model.layers if hasattr(layer, "kernel"))
    namespace["runs"] = RUNS
    namespace["chosen"] = max(RUNS, key=lambda name: RUNS[name]["val_accuracy"][-1])
    for qid in ("q1_l2_penalty", "q2_l1_penalty", "q3_dropout_forward", "q4_build_regularized",
                "q5_penalized_weights", "q6_choose_regularizer"):
        assert by_check(NB, qid, namespace).status == PASS, qid
        assert by_grader(NB, qid, namespace)[0] == PASS, (qid, by_grader(NB, qid, namespace))


# ----------------------------------------------------------------- decided outside the kernel

_Everything = equals_anything(float, "_Everything")


_AnyCount = equals_anything(int, "_AnyCount")


_AnyName = equals_anything(str, "_AnyName")


@pytest.mark.parametrize("value", [_Everything(25_000.0), _AnyCount(1)], ids=["float", "int"])
def test_q5_a_number_that_says_it_equals_anything_fails(value):
    assert value == KERNEL_WEIGHTS  # it lies
    assert_rejected("q5_penalized_weights", {"n_penalized": value}, "expected a whole number of weights")


def test_q6_a_name_that_says_it_equals_anything_fails():
    assert_rejected("q6_choose_regularizer", {"runs": RUNS, "chosen": _AnyName("L1 (1e-3)")}, "a string")


def test_q6_the_grader_judges_on_the_training_cells_runs_not_on_the_students():
    # the student rewrites `runs` so that their choice looks best: their own check reads their runs,
    # the grader the training cell's runs as the solution's run has them
    forged = {name: {**history, "val_accuracy": [0.4, 0.99 if name == "none" else 0.5]} for name, history in RUNS.items()}
    namespace = {"runs": forged, "chosen": "none"}
    assert by_check(NB, "q6_choose_regularizer", namespace).status == PASS
    status, message = by_grader(NB, "q6_choose_regularizer", namespace, setup={"runs": RUNS})
    assert status != PASS and "not the runs of the training cell" in message, message
    right = {"runs": forged, "chosen": "L2 (1e-2)"}  # the best on the cell's runs, whatever `runs` says now
    assert by_grader(NB, "q6_choose_regularizer", right, setup={"runs": RUNS})[0] == PASS


def test_q6_keras_histories_are_read_as_their_numbers():
    import keras

    histories = {}
    for name, logs in RUNS.items():
        histories[name] = keras.callbacks.History()
        histories[name].history = logs
    judging.assert_accepted(NB, "q6_choose_regularizer", {"runs": histories, "chosen": "L2 (1e-2)"})


def test_q6_a_run_made_up_in_the_students_runs_is_judged_on_the_training_cells_runs():
    made_up = {"mine": {"accuracy": [1.0], "val_accuracy": [1.0], "val_loss": [0.0], "val_cross_entropy": [0.0]}}
    status, message = by_grader(NB, "q6_choose_regularizer", {"runs": made_up, "chosen": "mine"}, setup={"runs": RUNS})
    assert status != PASS and "not the runs of the training cell" in message, message
