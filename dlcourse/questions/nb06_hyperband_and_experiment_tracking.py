"""Questions of ``06_hyperband_and_experiment_tracking``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dlcourse.checking import Case, FunctionQuestion, ValueQuestion, WrittenQuestion


def _schedules(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    return [((int(r), int(f)), {}) for r, f in ((9, 3), (81, 3), (16, 2), (int(rng.choice([8, 27, 64])), int(rng.choice([2, 4]))))]


def _traces(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    cases = []
    for n in (1, 6, 30):
        epochs = np.cumsum(rng.integers(1, 10, size=n)).tolist()
        best = np.maximum.accumulate(np.round(rng.uniform(0.5, 1.0, size=n), 3)).tolist()
        cases.append(((epochs, best, float(np.round(rng.uniform(0.6, 1.0), 3))), {}))
    return cases


def _build_model(value: Any, namespace: Mapping[str, Any]) -> str | None:
    import keras
    import keras_tuner as kt

    if not callable(value):
        return "expected a function build_model(hp)"
    hp = kt.HyperParameters()
    model = value(hp)
    if not isinstance(model, keras.Model):
        return "build_model(hp) should return a Keras model"
    spaces = {p.name: p for p in hp.space}
    if set(spaces) != {"units", "dropout", "learning_rate"}:
        return f"expected the hyperparameters units, dropout and learning_rate, found {sorted(spaces)}"
    units, dropout, lr = spaces["units"], spaces["dropout"], spaces["learning_rate"]
    if (units.min_value, units.max_value, units.step) != (32, 256, 32):
        return "units should be hp.Int('units', 32, 256, step=32)"
    if not np.allclose((dropout.min_value, dropout.max_value, dropout.step), (0.0, 0.5, 0.1)):
        return "dropout should be hp.Float('dropout', 0.0, 0.5, step=0.1)"
    if not np.allclose((lr.min_value, lr.max_value), (1e-4, 1e-2)) or lr.sampling != "log":
        return "learning_rate should be hp.Float('learning_rate', 1e-4, 1e-2, sampling='log')"
    if not any(isinstance(layer, keras.layers.Dropout) for layer in model.layers):
        return "the model should contain a Dropout layer using the dropout rate"
    if model.output_shape[-1] != 10:
        return f"the output layer should have 10 units (one per digit), found {model.output_shape[-1]}"
    if getattr(model, "optimizer", None) is None:
        return "compile the model inside build_model"
    return None


QUESTIONS = [
    FunctionQuestion(
        id="q1_hyperband_epochs", points=3, function="hyperband_epochs",
        public=[Case((27, 3), 423), Case((9, 3), 78), Case((1, 3), 1)],  # 9, 3: 27 + 24 + 27
        hidden=_schedules,
        hint="follow the lesson's schedule: for each bracket s and round i, candidates n // factor**i "
             "train max_epochs / factor**(s - i) epochs; add them all up and return an int.",
    ),
    FunctionQuestion(
        id="q2_epochs_to_reach", points=2, function="epochs_to_reach",
        public=[Case(([9, 18, 27, 36], [0.80, 0.90, 0.95, 0.96], 0.94), 27),
                Case(([9, 18], [0.80, 0.90], 0.95), None), Case(([3], [0.99], 0.5), 3)],
        hidden=_traces,
        hint="return the first entry of epochs whose best-so-far is at least the target, or None if none is.",
    ),
    ValueQuestion(
        id="q3_build_model", points=3, variable="build_model", validate=_build_model,
        hint="declare each hyperparameter with hp.Int / hp.Float inside the function and use its value in a layer.",
    ),
    WrittenQuestion(id="q4_tuner_leak", points=2),
]
