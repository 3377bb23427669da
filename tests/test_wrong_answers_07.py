"""Exercise 07: plausible wrong answers fail in ``check`` and in ``dlcourse grade``; the solution passes both.

Each fixture is a student's answer as it would sit in the notebook's namespace. Every one
must fail both ways, with a message that names what is wrong (asserted on a phrase)
without giving the code.
"""

from __future__ import annotations

import numpy as np
import pytest

from dlcourse.checking import Status, questions_for

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


# ----------------------------------------------------------------- q6: choose from runs (a function of the histories)
# Each wrong rule is a student's choose_run as they could write it. The public cases (what check shows) catch
# each of them; the hidden cases, drawn afresh by the grader, catch each of them in every draw (tested below).

RIGHT_CHOICE = """
def choose_run(runs):
    return max(runs, key=lambda name: runs[name]["val_accuracy"][-1])
"""

OTHER_RIGHT_CHOICES = {
    # the other measure without the penalty: the lowest last-epoch validation cross-entropy
    "lowest validation cross-entropy": """
def choose_run(runs):
    return min(runs, key=lambda name: runs[name]["val_cross_entropy"][-1])
""",
    # the lesson's way: a table of the last epoch's numbers, then idxmax
    "a table of the last epoch": """
import pandas as pd

def choose_run(runs):
    last = pd.DataFrame({name: {key: values[-1] for key, values in history.items()} for name, history in runs.items()}).T
    return last["val_accuracy"].idxmax()
""",
    # a NumPy array of the names gives a NumPy string: it is the name all the same
    "a name taken from an array": """
def choose_run(runs):
    names = np.array(list(runs))
    return names[np.argmax([runs[name]["val_accuracy"][-1] for name in names])]
""",
}

WRONG_CHOICES = {
    # Keras's val_loss holds each model's weight penalty: it favours the runs without one
    "lowest val_loss": 'min(runs, key=lambda name: runs[name]["val_loss"][-1])',
    # how well a model fits the data it learned from
    "highest training accuracy": 'max(runs, key=lambda name: runs[name]["accuracy"][-1])',
    "lowest training loss": 'min(runs, key=lambda name: runs[name]["loss"][-1])',
    "lowest training cross-entropy": 'min(runs, key=lambda name: runs[name]["cross_entropy"][-1])',
    # the best epoch, but each model is kept as it is after its last epoch
    "best epoch's accuracy": 'max(runs, key=lambda name: max(runs[name]["val_accuracy"]))',
    "best epoch's cross-entropy": 'min(runs, key=lambda name: min(runs[name]["val_cross_entropy"]))',
    "best epoch's val_loss": 'min(runs, key=lambda name: min(runs[name]["val_loss"]))',
    # whole curves compared as lists: the first epoch decides
    "curves compared as lists": 'max(runs, key=lambda name: runs[name]["val_accuracy"])',
    "first epoch": 'max(runs, key=lambda name: runs[name]["val_accuracy"][0])',
    # an average over the epochs instead of the model kept
    "mean over all epochs": 'max(runs, key=lambda name: np.mean(runs[name]["val_accuracy"]))',
    "mean of the last three epochs": 'max(runs, key=lambda name: np.mean(runs[name]["val_accuracy"][-3:]))',
    # "the least overfitting": the smallest gap between training and validation accuracy
    "smallest gap": 'min(runs, key=lambda name: runs[name]["accuracy"][-1] - runs[name]["val_accuracy"][-1])',
    "smallest gap in loss": 'min(runs, key=lambda name: runs[name]["val_loss"][-1] - runs[name]["loss"][-1])',
    "smallest gap in cross-entropy": ('min(runs, key=lambda name: runs[name]["val_cross_entropy"][-1] '
                                      '- runs[name]["cross_entropy"][-1])'),
    "smallest absolute gap": 'min(runs, key=lambda name: abs(runs[name]["accuracy"][-1] - runs[name]["val_accuracy"][-1]))',
    # "choose a regularizer": the run without one left out
    "regularized runs only": 'max((name for name in runs if name != "none"), key=lambda name: runs[name]["val_accuracy"][-1])',
    # the answer of one run, written in
    "the full run's answer": '"none"',
}


def wrong_choice(name: str) -> dict:
    return _namespace_with(f"def choose_run(runs):\n    return {WRONG_CHOICES[name]}\n")


def test_q6_the_solution_and_other_right_rules_pass():
    judging.assert_accepted(NB, "q6_choose_regularizer", solution_namespace(NB))
    judging.assert_accepted(NB, "q6_choose_regularizer", _namespace_with(RIGHT_CHOICE))
    for name, source in OTHER_RIGHT_CHOICES.items():
        status, message = by_grader(NB, "q6_choose_regularizer", _namespace_with(source))
        assert by_check(NB, "q6_choose_regularizer", _namespace_with(source)).status == PASS, name
        assert status == PASS, (name, message)


@pytest.mark.parametrize("name", WRONG_CHOICES)
def test_q6_wrong_rules_fail_in_check_and_in_the_grader(name):
    assert_rejected("q6_choose_regularizer", wrong_choice(name), "expected '")


@pytest.mark.parametrize("name", WRONG_CHOICES)
@pytest.mark.parametrize("seed", [0, 1, 2024])
def test_q6_wrong_rules_fail_on_the_hidden_cases_alone(name, seed):
    question = questions_for(NB)["q6_choose_regularizer"]
    hidden = judging.grading_cases(NB, "q6_choose_regularizer", seed=seed)[len(question.public):]
    status, message = by_grader(NB, "q6_choose_regularizer", wrong_choice(name), hidden)
    assert status != PASS, message  # (the grader numbers these as cases of their own: they are all it is given)


def _rule(name: str):
    return wrong_choice(name)["choose_run"]


@pytest.mark.parametrize("seed", range(20))
def test_q6_every_draw_of_hidden_cases_separates_each_wrong_rule(seed):
    """In every draw the two measures without the penalty agree, no two runs tie on it, and each wrong rule
    chooses another run in at least one hidden case."""
    cases = questions_for(NB)["q6_choose_regularizer"].hidden(np.random.default_rng(seed))
    right, cross_entropy = _namespace_with(RIGHT_CHOICE)["choose_run"], \
        _namespace_with(OTHER_RIGHT_CHOICES["lowest validation cross-entropy"])["choose_run"]
    for (runs,), _ in cases:
        assert right(runs) == cross_entropy(runs)
        last = sorted(history["val_accuracy"][-1] for history in runs.values())
        assert last[-1] > last[-2]
        assert all(set(history) == {"accuracy", "cross_entropy", "loss", "val_accuracy", "val_cross_entropy",
                                    "val_loss"} for history in runs.values())
    chosen = [right(*args) for args, _ in cases]
    assert len(set(chosen)) > 1  # the right run is not always the same one
    for name in WRONG_CHOICES:
        assert [_rule(name)(*args) for args, _ in cases] != chosen, name


def test_q6_the_penalty_is_in_val_loss_and_loss_of_the_made_up_runs():
    for (runs,), _ in questions_for(NB)["q6_choose_regularizer"].hidden(np.random.default_rng(3)):
        for name, history in runs.items():
            penalty = np.subtract(history["val_loss"], history["val_cross_entropy"])
            assert np.allclose(penalty, np.subtract(history["loss"], history["cross_entropy"]), atol=2e-4)
            assert (penalty.max() > 0.05) == any(name.startswith(kind) for kind in ("L1", "L2")), name


# The last epoch of a run with the smoke budget's sizes (3 epochs; seed 42, one run's result): the unregularized
# run leads on every column, so a value checked on this run alone took "lowest val_loss" or "highest training
# accuracy" for the right rule. The function is judged on made-up runs as well, where they choose otherwise.
SMOKE_LAST = {"none": (0.84, 0.8243, 1.4104, 1.4104), "L2 (1e-2)": (0.8033, 0.7963, 3.3246, 1.6161),
              "L1 (1e-3)": (0.8067, 0.8049, 3.3112, 1.5204), "dropout 0.5": (0.2433, 0.6353, 1.9868, 1.9868)}
SMOKE_LIKE = {name: {"accuracy": [a], "val_accuracy": [v], "loss": [ce], "val_loss": [loss], "cross_entropy": [ce],
                     "val_cross_entropy": [ce]} for name, (a, v, loss, ce) in SMOKE_LAST.items()}


@pytest.mark.parametrize("name", ["lowest val_loss", "highest training accuracy", "the full run's answer"])
def test_q6_a_run_where_one_model_leads_everywhere_cannot_hide_a_wrong_rule(name):
    assert _rule(name)(SMOKE_LIKE) == _namespace_with(RIGHT_CHOICE)["choose_run"](SMOKE_LIKE) == "none"
    assert_rejected("q6_choose_regularizer", wrong_choice(name), "expected '")


# ----------------------------------------------------------------- the right answers pass

def test_the_solution_passes_check_and_grader():
    import keras

    namespace = solution_namespace(NB, {"keras": keras})
    model = namespace["build_regularized"](1e-3, 0.5)
    namespace["n_penalized"] = sum(int(np.prod(layer.kernel.shape)) for layer in model.layers if hasattr(layer, "kernel"))
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
    namespace = _namespace_with('def choose_run(runs):\n    return _AnyName("L1 (1e-3)")\n')
    namespace["_AnyName"] = _AnyName
    assert namespace["choose_run"]({}) == "L2 (1e-2)"  # it lies
    assert_rejected("q6_choose_regularizer", namespace, "found 'L1 (1e-3)'")
