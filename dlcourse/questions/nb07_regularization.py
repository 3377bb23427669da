"""Questions of ``07_regularization``.

The value question (5) is judged in two steps: in the kernel, ``facts`` reads the student's
answer as plain data; outside it, ``decide`` judges. The run-and-decide question (6) is a
function of the training histories, judged on made-up runs (the student's own run is one
among many) and then applied to the student's runs in the notebook.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

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


# ----------------------------------------------------------------- question 6: choose from runs (run and decide)
# A function of the training histories, judged on made-up runs, because a student's own run cannot tell a
# right rule from a wrong one: in the smoke run (and in the full run the model answer quotes) the unregularized
# run has the highest validation accuracy, the lowest validation cross-entropy, the lowest val_loss and the
# highest training accuracy at once, so "lowest val_loss" or "highest training accuracy" chose it too.
#
# The rule: each model is used as it is after its last epoch, so the run with the highest last-epoch validation
# accuracy (in every made-up case it also has the lowest last-epoch validation cross-entropy, the other measure
# without the penalty, so either is right). The hidden cases are drawn so that each misreading chooses another
# run in at least one of them: the lowest val_loss (penalty included) or training loss, the highest training
# accuracy, the best epoch instead of the last (of the accuracy, the cross-entropy or val_loss), whole curves
# compared as lists (their first epochs decide), the first epoch, the mean over all epochs or the last three,
# the smallest gap between training and validation accuracy (signed or not), and the regularized runs only.

HISTORY_KEYS = ("accuracy", "cross_entropy", "loss", "val_accuracy", "val_cross_entropy", "val_loss")
PENALIZED = ("L2 (1e-2)", "L2 (1e-3)", "L1 (1e-3)", "L1 (1e-4)", "L1+L2 (1e-4, 1e-3)")
DROPOUT = ("dropout 0.5", "dropout 0.3", "dropout 0.2")


def _history(val_accuracy: Any, val_ce: Any, accuracy: Any, train_ce: Any, penalty: float) -> dict[str, list[float]]:
    """A ``History.history`` as the exercise's training cell records it: Keras's ``loss`` and ``val_loss`` are the
    cross-entropies plus the run's weight penalty (0 for a run without one; it grows a little as training goes on)."""
    epochs = len(val_accuracy)
    penalties = penalty * np.linspace(0.8, 1.0, epochs)
    numbers = {"accuracy": accuracy, "cross_entropy": train_ce, "loss": np.asarray(train_ce) + penalties,
               "val_accuracy": val_accuracy, "val_cross_entropy": val_ce, "val_loss": np.asarray(val_ce) + penalties}
    return {key: [round(float(v), 4) for v in numbers[key]] for key in HISTORY_KEYS}


def _rising(rng: np.random.Generator, start: float, end: float, epochs: int) -> np.ndarray:
    """A curve from ``start`` to ``end`` that moves the same way at every epoch (strictly); one epoch: ``end``."""
    if epochs == 1:
        return np.array([end])
    steps = rng.uniform(0.5, 1.5, epochs - 1)
    return start + (end - start) * np.concatenate([[0.0], np.cumsum(steps) / steps.sum()])


def _run(rng: np.random.Generator, role: str, best: float, ce: float, epochs: int, penalty: float,
         dropout: bool = False) -> dict:
    """One run of a case whose chosen run ends at validation accuracy ``best`` and cross-entropy ``ce``.

    Roles: "chosen" (rises slowly, a plateau, then its best last epoch: not the best on average or over the last
    three epochs; with dropout, its training accuracy, measured with units dropped, lies below), "fits"
    (unpenalized; the highest first epoch, training accuracy and lowest training loss, so the lowest val_loss where
    the chosen run carries a penalty), "peaks" (dropout: the highest validation accuracy and the lowest
    cross-entropy of any run at an earlier epoch, then worse; training accuracy below validation), "steady" (high
    from its second epoch on, just below the chosen run's last: the best mean, the smallest training-validation
    gap), and "behind" (worse at every epoch)."""
    u = rng.uniform
    if role == "chosen":
        plateau = best - u(0.02, 0.04)
        va = np.concatenate([_rising(rng, u(0.5, 0.7), plateau, epochs - 1), [best]])
        vce = _rising(rng, u(1.2, 1.6), ce, epochs)
        acc, tce = va + (-u(0.03, 0.1) if dropout else u(0.03, 0.05)), vce * u(0.4, 0.6)
    elif role == "fits":
        va = np.concatenate([[u(0.86, 0.88)], _rising(rng, best - u(0.012, 0.015), best - u(0.01, 0.012), epochs - 1)])
        vce = _rising(rng, u(0.6, 0.8), ce + u(0.03, 0.08), epochs)
        acc, tce = np.concatenate([_rising(rng, u(0.9, 0.95), 1.0, epochs - 1), [1.0]]), _rising(rng, 0.4, 0.01, epochs)
    elif role == "peaks":
        peak = int(rng.integers(1, epochs - 2)) if epochs > 3 else 0
        va = np.concatenate([_rising(rng, u(0.5, 0.7), best + u(0.005, 0.015), peak + 1),
                             _rising(rng, best - u(0.015, 0.02), best - u(0.02, 0.04), epochs - peak - 1)])
        vce = np.concatenate([_rising(rng, u(1.2, 1.6), ce - u(0.01, 0.03), peak + 1),
                              _rising(rng, ce + u(0.05, 0.08), ce + u(0.1, 0.2), epochs - peak - 1)])
        acc, tce = va - u(0.05, 0.15), vce + u(0.2, 0.4)
    elif role == "steady":
        va = np.concatenate([[u(0.78, 0.82)], best - u(0.003, 0.008, epochs - 1)])
        vce = _rising(rng, u(0.8, 1.0), ce + u(0.02, 0.05), epochs)
        acc, tce = va + u(0.002, 0.01), vce * u(0.7, 0.9)
    else:  # behind
        va = _rising(rng, u(0.4, 0.6), best - u(0.05, 0.1), epochs)
        vce = _rising(rng, u(1.4, 1.8), ce + u(0.2, 0.4), epochs)
        acc, tce = va + u(0.0, 0.05), vce * u(0.6, 0.9)
    return _history(va, vce, np.minimum(acc, 1.0), tce, penalty)


# the runs of each kind of made-up case, as (kind of run, role in ``_run``); the runs are listed in a shuffled order
_CASE_ROLES = {
    # a penalized run is best; the unregularized run wins every measure that holds the penalty or the training data
    "penalized best": (("penalized", "chosen"), ("none", "fits"), ("dropout", "peaks"), ("penalized", "steady")),
    # the unregularized run is best (choosing among the regularized runs only picks another)
    "none best": (("none", "chosen"), ("penalized", "steady"), ("dropout", "peaks")),
    # the dropout run is best (its training accuracy, with units dropped, below its validation accuracy); 2 or 3 epochs
    "dropout best": (("dropout", "chosen"), ("none", "fits"), ("penalized", "behind")),
    # five runs, one of them behind on everything
    "five runs": (("penalized", "chosen"), ("none", "fits"), ("dropout", "peaks"), ("penalized", "steady"),
                  ("dropout", "behind")),
}


def _runs_case(rng: np.random.Generator, kind: str) -> tuple[tuple, dict]:
    """Made-up ``runs`` of one kind (``_CASE_ROLES``), 4 to 8 epochs (2 to 3 for "dropout best"), in shuffled order."""
    roles = _CASE_ROLES[kind]
    epochs = int(rng.integers(2, 4)) if kind == "dropout best" else int(rng.integers(4, 9))
    best, ce = rng.uniform(0.93, 0.97), rng.uniform(0.15, 0.25)
    names = {"penalized": list(rng.permutation(PENALIZED)), "dropout": list(rng.permutation(DROPOUT)), "none": ["none"]}
    runs = {}
    for group, role in roles:
        name = str(names[group].pop())
        penalty = 0.0
        if group == "penalized":  # the chosen run's penalty is the largest: its val_loss is never the lowest
            penalty = rng.uniform(0.4, 1.0) if role == "chosen" else rng.uniform(0.1, 0.3)
        runs[name] = _run(rng, role, best, ce, epochs, penalty, dropout=group == "dropout")
    order = rng.permutation(len(runs))
    items = list(runs.items())
    return ({name: history for name, history in (items[i] for i in order)},), {}


def _runs_cases(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    return [_runs_case(rng, kind) for kind in _CASE_ROLES]


def _plain_name(name: Any) -> Any:
    """A run's name as the text it holds (a NumPy string, e.g. from an array of the names, is a string too)."""
    return str.__str__(name) if isinstance(name, str) else name


def _public_history(val_accuracy: list[float], val_ce: list[float], accuracy: list[float], train_ce: list[float],
                    penalty: float) -> dict:
    return _history(val_accuracy, val_ce, accuracy, train_ce, penalty)


# the penalized run is best at the last epoch; the unpenalized runs have the lowest val_loss, "none" the highest
# training accuracy and lowest training loss, "dropout 0.5" the smallest training-validation gap; "dropout 0.5" was
# best at the first epoch
PUBLIC_PENALIZED = {
    "none": _public_history([0.90, 0.93], [0.30, 0.20], [0.95, 1.00], [0.10, 0.01], 0.0),
    "L2 (1e-2)": _public_history([0.88, 0.96], [0.40, 0.15], [0.90, 0.99], [0.20, 0.05], 0.30),
    "L1 (1e-3)": _public_history([0.89, 0.94], [0.35, 0.18], [0.92, 0.97], [0.15, 0.06], 0.40),
    "dropout 0.5": _public_history([0.97, 0.95], [0.14, 0.19], [0.80, 0.90], [0.40, 0.25], 0.0),
}
# "dropout 0.5" reached the highest accuracy (and lowest cross-entropy) at epoch 2, then fell behind "none"
PUBLIC_PEAKED = {
    "dropout 0.5": _public_history([0.80, 0.97, 0.94], [0.50, 0.12, 0.22], [0.70, 0.85, 0.88], [0.60, 0.35, 0.30], 0.0),
    "none": _public_history([0.85, 0.93, 0.95], [0.45, 0.25, 0.16], [0.90, 0.98, 1.00], [0.30, 0.08, 0.02], 0.0),
    "L2 (1e-3)": _public_history([0.75, 0.90, 0.92], [0.60, 0.30, 0.24], [0.80, 0.94, 0.96], [0.40, 0.15, 0.10], 0.25),
}


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
    FunctionQuestion(
        id="q6_choose_regularizer", points=2, function="choose_run",
        public=[Case((PUBLIC_PENALIZED,), "L2 (1e-2)"), Case((PUBLIC_PEAKED,), "none")],
        hidden=_runs_cases, summarize=_plain_name,
        hint="think about what each number in a history measures: which of them contain the penalty, which ones "
             "measure the model on data it did not learn from, and which epoch of each run is the model you keep.",
    ),
    WrittenQuestion(
        id="q7_why_not_val_loss", points=1,
        rubric="Names the run with the lowest final val_loss in the student's own table and says whether it is "
               "also the run chosen by validation accuracy (in the model run it is: \"none\"); explains that Keras "
               "adds the weight penalty (λΣw² for L2, λΣ|w| for L1, over the kernels) to val_loss as to loss, so "
               "penalized runs look worse on val_loss by the size of their penalty, however good their predictions; "
               "says to compare on validation accuracy or on the cross-entropy without the penalty. "
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
