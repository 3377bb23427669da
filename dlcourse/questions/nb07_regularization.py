"""Questions of ``07_regularization``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dlcourse.checking import Case, FunctionQuestion, ValueQuestion, WrittenQuestion

A = np.array


def _weights(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    return [(([rng.normal(0, 0.1, size=shape) for shape in shapes], float(lam)), {})
            for shapes, lam in (([(2, 2)], 0.1), ([(64, 32), (32, 10)], 1e-3), ([(5,)], 1.0))]


def _dropout(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    cases = []
    for n, rate in ((4, 0.5), (20, 0.2), (100, 0.8)):
        x = rng.normal(size=n)
        cases.append(((x, (rng.random(n) >= rate).astype(float), rate), {}))
    return cases


def _regularized(value: Any, namespace: Mapping[str, Any]) -> str | None:
    import keras

    from dlcourse.model_summary import find_layers

    if not isinstance(value, keras.Model):
        return "expected a Keras model"
    dense = find_layers(value, "Dense")
    if len(dense) != 3:
        return f"expected 3 Dense layers (2 hidden, 1 output), found {len(dense)}"
    for layer in dense:
        reg = layer.kernel_regularizer
        if not isinstance(reg, keras.regularizers.L2) or not np.isclose(float(reg.l2), 1e-3):
            return f"layer {layer.name}: kernel_regularizer should be keras.regularizers.L2(1e-3), found {reg}"
    drops = find_layers(value, "Dropout")
    if len(drops) != 2 or not all(np.isclose(d.rate, 0.5) for d in drops):
        return f"expected a Dropout(0.5) after each hidden layer, found {[d.rate for d in drops]}"
    kinds = [type(layer).__name__ for layer in value.layers]
    if kinds != ["Dense", "Dropout", "Dense", "Dropout", "Dense"]:
        return f"expected the layers Dense, Dropout, Dense, Dropout, Dense in that order, found {kinds}"
    return None


QUESTIONS = [
    FunctionQuestion(
        id="q1_l2_penalty", points=2, function="l2_penalty",
        public=[Case(([A([[1.0, -2.0]]), A([3.0])], 0.1), 1.4), Case(([A([0.0])], 5.0), 0.0)],
        hidden=_weights,
        hint="lambda times the sum of the squares of every weight in every array.",
    ),
    FunctionQuestion(
        id="q2_l1_penalty", points=1, function="l1_penalty",
        public=[Case(([A([[1.0, -2.0]]), A([3.0])], 0.1), 0.6), Case(([A([-0.5, 0.5])], 2.0), 2.0)],
        hidden=_weights,
        hint="lambda times the sum of the absolute values of every weight.",
    ),
    FunctionQuestion(
        id="q3_dropout_forward", points=2, function="dropout_forward",
        public=[Case((A([1.0, 2.0, 3.0, 4.0]), A([1.0, 0.0, 1.0, 0.0]), 0.5), A([2.0, 0.0, 6.0, 0.0])),
                Case((A([1.0, 1.0]), A([1.0, 1.0]), 0.2), A([1.25, 1.25]))],
        hidden=_dropout,
        hint="inverted dropout: keep x where mask is 1, zero elsewhere, and divide what is kept by (1 - rate).",
    ),
    ValueQuestion(
        id="q4_regularized_model", points=3, variable="model", validate=_regularized,
        hint="Dense(..., kernel_regularizer=keras.regularizers.L2(1e-3)) for every Dense layer, and Dropout(0.5) after each hidden one.",
    ),
    WrittenQuestion(id="q5_l1_or_l2", points=2),
]
