"""Questions of ``07_regularization``.

The two value questions are judged in two steps: in the kernel, ``facts`` reads the student's
answer (and their runs) as plain data; outside it, ``decide`` judges. Question 6's four runs
come from a cell the student does not write: for the grader, from the solution's run of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dlcourse.assessment.compare import is_number
from dlcourse.assessment.facts import plain
from dlcourse.assessment.questions import Case, FunctionQuestion, ValueQuestion, WrittenQuestion

# The network of question 4: 64 inputs, two hidden Dense(128), 10 outputs.
LAYER_SIZES = (64, 128, 128, 10)
KERNEL_WEIGHTS = sum(a * b for a, b in zip(LAYER_SIZES, LAYER_SIZES[1:]))  # 25,856
BIASES = sum(LAYER_SIZES[1:])  # 266


def _weights(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    return [(([rng.normal(0, 0.1, size=shape) for shape in shapes], float(lam)), {})
            for shapes, lam in (([(2, 2)], 0.1), ([(64, 32), (32, 10)], 1e-3), ([(5,)], 1.0))]


def _dropout(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    cases = []
    for n, rate in ((4, 0.5), (20, 0.2), (100, 0.8)):
        x = rng.normal(size=n)
        cases.append(((x, (rng.random(n) >= rate).astype(float), rate), {}))
    return cases


# ----------------------------------------------------------------- question 4: the build function


def _penalty_text(regularizer: Any) -> str:
    """``L2(0.001)``, ``L1(0.0001)``, ``L1L2(l1=..., l2=...)`` or ``none``, as a student would name it."""
    if regularizer is None:
        return "none"
    name = type(regularizer).__name__
    l1, l2 = float(getattr(regularizer, "l1", 0.0) or 0.0), float(getattr(regularizer, "l2", 0.0) or 0.0)
    if name == "L2":
        return f"L2({l2:.4g})"
    if name == "L1":
        return f"L1({l1:.4g})"
    if name == "L1L2":  # with one of the two at zero it is the other penalty alone: the same model
        if l1 == 0.0 and l2 > 0.0:
            return f"L2({l2:.4g})"
        if l2 == 0.0 and l1 > 0.0:
            return f"L1({l1:.4g})"
        return f"L1L2(l1={l1:.4g}, l2={l2:.4g})"
    return name


def describe_regularized(model: Any) -> list[str]:
    """One line per layer (input first): kind, size, activation, weight penalty, dropout rate."""
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"expected a Keras model, found a {type(model).__name__}")
    if not model.built or not getattr(model, "inputs", None):
        raise ValueError("the model has no input yet: start it with keras.Input of the right shape")
    lines = [f"Input{tuple(model.inputs[0].shape[1:])}"]
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]  # a functional
    # model lists its input as a layer; it is already line 0
    skip = False
    for number, layer in enumerate(layers):
        kind = type(layer).__name__
        if skip:
            skip = False
            continue
        if kind == "Dense":
            activation = layer.activation.__name__
            after = layers[number + 1] if number + 1 < len(layers) else None
            after_kind = type(after).__name__
            if activation == "linear" and after_kind in ("Activation", "ReLU", "Softmax"):
                # Dense, then an activation layer: the same as the activation inside the Dense layer
                activation = after.activation.__name__ if after_kind == "Activation" else after_kind.lower()
                skip = True
            text = f"Dense({layer.units}, {activation}, kernel penalty {_penalty_text(layer.kernel_regularizer)}"
            if layer.bias_regularizer is not None:
                text += f", bias penalty {_penalty_text(layer.bias_regularizer)}"
            lines.append(text + ")")
        elif kind == "Dropout":
            lines.append(f"Dropout({float(layer.rate):.4g})")
        else:
            lines.append(kind)
    return lines


def _expected_lines(l2: float, rate: float) -> list[str]:
    dense = [f"Dense(128, relu, kernel penalty L2({l2:.4g}))", f"Dropout({rate:.4g})"]
    return ["Input(64,)", *dense, *dense, f"Dense(10, softmax, kernel penalty L2({l2:.4g}))"]


def _strengths(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    cases = []
    for _ in range(3):
        l2 = float(f"{10 ** rng.uniform(-4, -1):.2g}")  # log-uniform, two significant digits
        rate = float(round(rng.uniform(0.1, 0.7), 2))
        cases.append(((l2, rate), {}))
    return cases


# ----------------------------------------------------------------- question 5: what the penalty counts
# facts: the student's number as plain data (and its type's name); decide: outside, against the
# network's own sizes. Nothing of the set-up is needed.


def _count_facts(value: Any, namespace: Mapping[str, Any]) -> dict:
    """In the kernel: the student's count as plain data (anything not a plain number travels as an Opaque)."""
    return {"value": plain(value), "type": type(value).__name__}


def _penalized(facts: Mapping[str, Any], given: Any) -> str | None:
    """Outside the kernel: the number of kernel weights of the network of question 4."""
    value = facts["value"]
    if type(value) not in (int, float):
        return f"expected a whole number of weights, found a {facts['type']}"
    if float(value) != int(value):
        return f"expected a whole number of weights, found {value}"
    value = int(value)
    if value == KERNEL_WEIGHTS:
        return None
    if value == KERNEL_WEIGHTS + BIASES:
        return (f"{value:,} counts every parameter, the biases too; the penalty was set as a kernel "
                "penalty, so the biases are not in it")
    last = LAYER_SIZES[-2] * LAYER_SIZES[-1]
    if value == KERNEL_WEIGHTS - last:
        return f"{value:,} leaves out the output layer, whose kernel is penalized as well"
    if value in (KERNEL_WEIGHTS + LAYER_SIZES[1] + LAYER_SIZES[2], KERNEL_WEIGHTS + LAYER_SIZES[-1]):
        return f"{value:,} counts some biases; only the kernels carry the penalty"
    return f"{value:,} is not the number of weights in the network's kernels"


# ----------------------------------------------------------------- question 6: choose from your runs
# The four runs come from a cell the student does not write: for the grader, they are taken from
# the solution's run of that cell (given), and the student's choice is judged on them; the
# student's own `runs` are reported too, to say so when they differ.

NO_RUNS = "no `runs` to decide from: run the cell that trains the four models first"
RUNS_CHANGED = ("your `runs` are not the runs of the training cell any more, and on that cell's runs {value!r} is not "
                "the best choice: run the training cell again and choose from its table")
RUN_KEYS = ("accuracy", "val_accuracy", "val_loss", "val_cross_entropy")


def _run_finals(runs: Any) -> dict[str, dict[str, Any]]:
    """In the kernel: each run's last-epoch numbers, ``{name: {metric: number}}`` (a metric it did not
    record is left out; an empty one is None)."""
    from dlcourse.model_summary import history_facts

    if type(runs) is not dict or not runs:
        raise ValueError(NO_RUNS)
    finals: dict[str, dict[str, Any]] = {}
    for name, history in dict.items(runs):
        found = history_facts(history)
        if found is None:
            raise ValueError(f"run {plain(name)!r} is not a training history: keep the cell that trains the runs as it is")
        logs = {key: (values.ravel().tolist() if type(values) is np.ndarray else values)
                for key, values in found["logs"].items()}
        finals[plain(name)] = {key: (logs[key][-1] if type(logs[key]) is list and logs[key] else None)
                               for key in RUN_KEYS if key in logs}
    return finals


def _choice_facts(value: Any, namespace: Mapping[str, Any]) -> dict:
    """In the kernel: the student's choice, and the last-epoch numbers of their `runs` (None if unreadable)."""
    try:
        runs = _run_finals(namespace.get("runs"))
    except ValueError:
        runs = None
    return {"chosen": plain(value), "type": type(value).__name__, "runs": runs}


def _choice_given(namespace: Mapping[str, Any]) -> dict:
    """The training cell's four runs, as their last-epoch numbers (for the grader: the solution's run of the cell)."""
    return {"runs": _run_finals(namespace.get("runs"))}


def _final(run: Mapping[str, Any], key: str, name: str) -> float:
    value = run.get(key)
    if not is_number(value) or type(value) is bool:
        raise ValueError(f"run {name!r} has no last {key!r}")
    return float(value)


def _choice(facts: Mapping[str, Any], given: Mapping[str, Any]) -> str | None:
    """Outside the kernel: the choice must be the best run by a measure without the penalty, on the runs
    of the training cell (as the solution's run has them, for the grader)."""
    runs, value = given["runs"], facts["chosen"]
    if type(value) is not str:
        return f"expected the name of one of your runs (a string), found a {facts['type']}"
    changed = facts["runs"] is not None and facts["runs"] != runs
    if value not in runs:
        return RUNS_CHANGED.format(value=value) if changed else \
            f"{value!r} is not one of your runs; they are {', '.join(map(repr, runs))}"
    for name, run in runs.items():
        if not {"accuracy", "val_accuracy", "val_loss"} <= set(run):
            return f"run {name!r} has no validation history: keep the cell that trains the runs as it is"
    # Two measures without the penalty are right: the highest validation accuracy, or (when it
    # was recorded) the lowest validation cross-entropy. Ties count as right.
    val_accuracy = {name: _final(run, "val_accuracy", name) for name, run in runs.items()}
    if val_accuracy[value] >= max(val_accuracy.values()) - 1e-12:
        return None
    if all("val_cross_entropy" in run for run in runs.values()):
        val_ce = {name: _final(run, "val_cross_entropy", name) for name, run in runs.items()}
        if val_ce[value] <= min(val_ce.values()) + 1e-12:
            return None
    if changed:
        return RUNS_CHANGED.format(value=value)
    lowest_loss = min(runs, key=lambda name: _final(runs[name], "val_loss", name))
    best_train = max(runs, key=lambda name: _final(runs[name], "accuracy", name))
    if value == lowest_loss:
        return (f"{value!r} has the lowest val_loss, but Keras adds each model's weight penalty to val_loss, so "
                "that number favours the models with no penalty; decide on a measure without the penalty")
    if value == best_train:
        return (f"{value!r} has the highest training accuracy, which says how well it fits the data it "
                "learned from, not how well it does on data it did not see")
    return (f"{value!r} reached a final validation accuracy of {val_accuracy[value]:.3f}, "
            f"but another of your runs reached {max(val_accuracy.values()):.3f}")


QUESTIONS = [
    FunctionQuestion(
        id="q1_l2_penalty", points=2, function="l2_penalty",
        public=[Case(([np.array([[1.0, -2.0]]), np.array([3.0])], 0.1), 1.4), Case(([np.array([0.0])], 5.0), 0.0),
                Case(([np.array([[0.5, 0.5], [0.5, 0.5]]), np.array([1.0, 2.0])], 2.0), 12.0),
                # a matrix of rank 2: the sum of its squared entries (5) is not its largest singular value squared (4)
                Case(([np.array([[1.0, 0.0], [0.0, -2.0]])], 0.5), 2.5)],
        hidden=_weights,
        hint="every weight of every array contributes its square; the sum of all of them is then scaled by lambda, once.",
    ),
    FunctionQuestion(
        id="q2_l1_penalty", points=1, function="l1_penalty",
        public=[Case(([np.array([[1.0, -2.0]]), np.array([3.0])], 0.1), 0.6), Case(([np.array([-0.5, 0.5])], 2.0), 2.0),
                Case(([np.array([[0.25, -0.25]]), np.array([-4.0, 0.0, 1.0])], 0.5), 2.75)],
        hidden=_weights,
        hint="a negative weight costs as much as a positive weight of the same size; add up the sizes of all weights "
             "in all arrays, then scale by lambda.",
    ),
    FunctionQuestion(
        id="q3_dropout_forward", points=2, function="dropout_forward",
        public=[Case((np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 0.0, 1.0, 0.0]), 0.5), np.array([2.0, 0.0, 6.0, 0.0])),
                Case((np.array([1.0, 1.0]), np.array([1.0, 1.0]), 0.2), np.array([1.25, 1.25]))],
        hidden=_dropout,
        hint="think about which values survive (the mask says) and by how much the survivors must grow so that the "
             "expected output equals the input: that factor depends on the fraction that is kept.",
    ),
    FunctionQuestion(
        id="q4_build_regularized", points=3, function="build_regularized",
        public=[Case((1e-3, 0.5), _expected_lines(1e-3, 0.5)), Case((0.01, 0.25), _expected_lines(0.01, 0.25))],
        hidden=_strengths, summarize=describe_regularized,
        hint="the arguments are the hyperparameters: every layer must take its penalty strength and dropout rate "
             "from them, not from numbers written into the function. Check each Dense layer's size, activation "
             "and penalty kind, and where the dropout layers go.",
    ),
    ValueQuestion(
        id="q5_penalized_weights", points=1, variable="n_penalized",
        facts=_count_facts, decide=_penalized,
        hint="a kernel penalty acts on the weight matrices that connect one layer to the next; think about which "
             "parameters of a Dense layer are not in that matrix.",
    ),
    ValueQuestion(
        id="q6_choose_regularizer", points=2, variable="chosen",
        facts=_choice_facts, given_facts=_choice_given, decide=_choice,
        hint="think about what each number in the table measures: which of them contain the penalty, and which "
             "one tells you how the trained model does on data it did not learn from.",
    ),
    WrittenQuestion(
        id="q7_why_not_val_loss", points=1,
        rubric="Names the run with the lowest final val_loss in the student's own table and says whether it is "
               "also the run chosen by validation accuracy (in the model run it is: \"none\"); explains that Keras "
               "adds the weight penalty (λΣw² for L2, λΣ|w| for L1, over the kernels) to val_loss as to loss, so penalized runs look worse on val_loss whatever their "
               "predictions; says to compare on validation accuracy or on the cross-entropy without the penalty. "
               "Half credit for the mechanism without the student's numbers.",
    ),
    WrittenQuestion(
        id="q8_l1_or_l2", points=2,
        rubric="Chooses L1 for the purpose (a sparse model that uses few features). Says that, trained with a "
               "gradient method such as Adam, L1 leaves most unhelpful weights tiny but not exactly zero, so the "
               "features in use are found by a threshold on |w| (or pruning), or by a solver with a proximal / "
               "coordinate-descent step (Lasso, liblinear) that gives exact zeros. Expected histogram: a tall, "
               "narrow peak at (near) zero with a few large weights away from it; L2 (λΣw²) would shrink all "
               "weights (in proportion to their size only under plain gradient descent, not under Adam) and leave "
               "them spread around zero. One point for the choice with the reason, one for the "
               "exact-zero caveat and the histogram.",
    ),
]
