"""Questions of ``08_augmentation_schedules_early_stopping``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dlcourse.checking import Case, FunctionQuestion, ValueQuestion, WrittenQuestion


def _augment(value: Any, namespace: Mapping[str, Any]) -> str | None:
    import keras

    if not isinstance(value, keras.Model):
        return "expected a keras.Sequential of preprocessing layers"
    kinds = [type(layer).__name__ for layer in value.layers]
    wanted = ["RandomFlip", "RandomTranslation", "RandomRotation", "RandomZoom"]
    if kinds != wanted:
        return f"expected the layers {wanted} in that order, found {kinds}"
    flip, shift, rotate, zoom = value.layers
    if flip.mode != "horizontal":
        return f"RandomFlip should flip 'horizontal' only, found {flip.mode!r}"
    if not (np.isclose(abs(shift.height_factor[1] if isinstance(shift.height_factor, (tuple, list)) else shift.height_factor), 0.1)
            and np.isclose(abs(shift.width_factor[1] if isinstance(shift.width_factor, (tuple, list)) else shift.width_factor), 0.1)):
        return "RandomTranslation should shift by up to 10 % in both directions: RandomTranslation(0.1, 0.1)"
    factor = rotate.factor[1] if isinstance(rotate.factor, (tuple, list)) else rotate.factor
    if not np.isclose(abs(factor), 0.05):
        return f"RandomRotation should rotate by up to 5 % of a turn (factor 0.05), found {rotate.factor}"
    zf = zoom.height_factor[1] if isinstance(zoom.height_factor, (tuple, list)) else zoom.height_factor
    if not np.isclose(abs(zf), 0.1):
        return f"RandomZoom should zoom by up to 10 % (factor 0.1), found {zoom.height_factor}"
    return None


def _callbacks(value: Any, namespace: Mapping[str, Any]) -> str | None:
    import keras

    if not isinstance(value, (list, tuple)):
        return "expected a list of two callbacks"
    plateau = [c for c in value if isinstance(c, keras.callbacks.ReduceLROnPlateau)]
    stopping = [c for c in value if isinstance(c, keras.callbacks.EarlyStopping)]
    if len(plateau) != 1 or len(stopping) != 1 or len(value) != 2:
        return "expected exactly one ReduceLROnPlateau and one EarlyStopping"
    p, s = plateau[0], stopping[0]
    if not (np.isclose(p.factor, 0.1) and p.patience == 3 and p.monitor == "val_loss"):
        return f"ReduceLROnPlateau should watch val_loss with factor=0.1, patience=3; found factor={p.factor}, patience={p.patience}, monitor={p.monitor!r}"
    if not (s.patience == 5 and s.restore_best_weights and s.monitor == "val_loss"):
        return f"EarlyStopping should watch val_loss with patience=5, restore_best_weights=True; found patience={s.patience}, restore_best_weights={s.restore_best_weights}"
    return None


def _steps(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    return [((int(rng.integers(0, 50)), 0.01, 0.5, int(rng.integers(1, 10))), {}) for _ in range(3)] + [((0, 0.1, 0.1, 5), {})]


def _cosine(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    return [((int(s), 1e-3, 100, float(a)), {}) for s, a in ((0, 0.0), (rng.integers(1, 100), 0.0), (rng.integers(0, 200), 0.1))]


QUESTIONS = [
    ValueQuestion(id="q1_augment", points=2, variable="augment", validate=_augment,
                  hint="keras.Sequential([RandomFlip(...), RandomTranslation(...), RandomRotation(...), RandomZoom(...)])"),
    ValueQuestion(id="q2_callbacks", points=2, variable="callbacks", validate=_callbacks,
                  hint="the lesson's settings: ReduceLROnPlateau(monitor='val_loss', factor=0.1, patience=3) and "
                       "EarlyStopping(monitor='val_loss', patience=5, restore_best_weights=True)."),
    FunctionQuestion(
        id="q3_step_decay", points=2, function="step_decay",
        public=[Case((0, 0.1, 0.5, 10), 0.1), Case((10, 0.1, 0.5, 10), 0.05), Case((25, 0.1, 0.5, 10), 0.025)],
        hidden=_steps,
        hint="the rate is multiplied by `drop` once every `every` epochs: initial * drop ** (epoch // every).",
    ),
    FunctionQuestion(
        id="q4_cosine_decay", points=2, function="cosine_decay",
        public=[Case((0, 1e-3, 100, 0.0), 1e-3), Case((50, 1e-3, 100, 0.0), 0.5e-3), Case((100, 1e-3, 100, 0.0), 0.0),
                Case((200, 1e-3, 100, 0.1), 1e-4)],
        hidden=_cosine,
        hint="with p = min(step, decay_steps) / decay_steps: initial * ((1 - alpha) * 0.5 * (1 + cos(pi * p)) + alpha).",
        atol=1e-12,
    ),
    WrittenQuestion(id="q5_schedule_or_callback", points=2),
]
