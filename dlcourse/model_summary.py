"""What a checker compares about a Keras model: layer types, output shapes, parameter count."""

from __future__ import annotations

from typing import Any


def describe_model(model: Any) -> dict:
    """``{"layers": [...], "output_shapes": [...], "params": n}`` of a built Keras model.

    Input layers are not listed (Keras does not keep them as layers); shapes omit the batch axis.
    """
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"expected a Keras model, found a {type(model).__name__}")
    if not model.built:
        raise ValueError("the model is not built yet: give it an Input layer (keras.Input(shape))")
    return {
        "layers": [type(layer).__name__ for layer in model.layers],
        "output_shapes": [list(layer.output.shape[1:]) for layer in model.layers],
        "params": int(model.count_params()),
    }


def find_layers(model: Any, kind: str) -> list:
    """The layers of ``model`` (searching nested models too) whose class is named ``kind``."""
    found = []
    for layer in getattr(model, "layers", []):
        if type(layer).__name__ == kind:
            found.append(layer)
        found += find_layers(layer, kind)
    return found
