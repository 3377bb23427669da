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


# --------------------------------------------------------------------------- Keras objects as plain data
# Readers for a value question's ``facts`` (see dlcourse.assessment.questions.ValueQuestion): they run in
# the student's kernel and describe Keras objects as plain data (class names as strings, settings as
# numbers, a history's numbers as lists), trusting only the object's exact type. They never decide.


def class_name(value: Any) -> str:
    """The name of ``value``'s class, read without running any of the value's code."""
    from dlcourse.assessment.facts import type_name

    return type_name(value)


def keras_class(value: Any, family: str) -> str | None:
    """The class name of ``value`` if its type is exactly Keras's public class of that name in
    ``keras.<family>`` (``"layers"``, ``"callbacks"``, ``"optimizers"``, ``"losses"``), else None."""
    import keras

    name = class_name(value)
    return name if getattr(getattr(keras, family), name, None) is type(value) else None


def is_keras_model(value: Any) -> bool:
    """Whether ``value`` is exactly a Keras Sequential or functional model (not a subclass, not a look-alike)."""
    import keras
    from keras.src.models.functional import Functional

    return type(value) in (keras.Sequential, keras.Model, Functional)


def attributes(value: Any, names: list[str] | tuple[str, ...]) -> dict:
    """``{name: plain value}`` of the attributes ``names`` of ``value`` (None where one is missing or fails)."""
    from dlcourse.assessment.facts import plain

    found = {}
    for name in names:
        try:
            found[name] = plain(getattr(value, name, None))
        except Exception:
            found[name] = None
    return found


def function_name(function: Any) -> str | None:
    """The ``__name__`` of a plain function (an activation, a loss function), else None."""
    import types

    if type(function) is types.FunctionType or type(function) is types.BuiltinFunctionType:
        name = function.__name__
        return name if type(name) is str else None
    return None


def layer_facts(layer: Any, names: tuple[str, ...] = ()) -> dict:
    """A layer as plain data: its class, whether it is Keras's own, its activation's name (if it has one)
    and the attributes ``names``."""
    return {"class": class_name(layer), "keras": keras_class(layer, "layers") is not None,
            "activation": function_name(getattr(layer, "activation", None)), **attributes(layer, names)}


def callback_facts(callback: Any, names: tuple[str, ...]) -> dict:
    """A callback as plain data: its class, whether it is Keras's own, and the attributes ``names``."""
    return {"class": class_name(callback), "keras": keras_class(callback, "callbacks") is not None,
            **attributes(callback, names)}


def history_facts(history: Any) -> dict | None:
    """A training run's numbers: ``{"logs": {metric: [one number per epoch]}, "epochs": the fit's limit}``,
    from a Keras ``History`` or from its ``history`` dict; None for anything else."""
    import keras

    from dlcourse.assessment.facts import plain

    if type(history) is keras.callbacks.History:
        logs, params = history.history, history.params
    elif type(history) is dict:
        logs, params = history, None
    else:
        return None
    if type(logs) is not dict:
        return None
    epochs = dict.get(params, "epochs") if type(params) is dict else None
    return {"logs": {key: plain(values) for key, values in dict.items(logs) if type(key) is str},
            "epochs": plain(epochs)}


def loss_facts(loss: Any) -> dict:
    """A compiled loss as plain data: ``{"name": ..., "from_logits": bool}`` for a string, a Keras loss
    object or a Keras loss function; the class name (and from_logits False) for anything else."""
    if type(loss) is str:
        return {"name": loss, "from_logits": False}
    if loss is None:
        return {"name": None, "from_logits": False}
    if keras_class(loss, "losses") is not None:
        config = loss.get_config() or {}
        name = function_name(getattr(loss, "fn", None)) or class_name(loss)
        return {"name": name, "from_logits": config.get("from_logits") is True}
    name = function_name(loss)
    if name is not None and getattr(loss, "__module__", "").startswith("keras"):
        return {"name": name, "from_logits": False}
    return {"name": class_name(loss), "from_logits": False}


def metric_names(model: Any) -> list[str] | None:
    """The lower-cased names and class names of a compiled model's metrics (None if they cannot be read)."""
    try:
        metrics = (model.get_compile_config() or {}).get("metrics")
    except Exception:
        return None
    stack, names = [metrics], []
    while stack:
        item = stack.pop()
        if type(item) is str:
            names.append(item.lower())
        elif type(item) is dict:
            if "class_name" in item:
                names.append(str(item["class_name"]).lower())
                if type(item.get("config")) is dict:
                    names.append(str(item["config"].get("name", "")).lower())
            else:
                stack.extend(item.values())
        elif type(item) in (list, tuple):
            stack.extend(item)
        elif item is not None:
            names.append(class_name(item).lower())
    return names


def optimizer_facts(model: Any) -> dict | None:
    """A compiled model's optimizer: ``{"class": Keras class name or None, "learning_rate": float or None}``."""
    import numpy as np

    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return None
    kind = keras_class(optimizer, "optimizers")
    try:
        rate = float(np.asarray(optimizer.learning_rate)) if kind is not None else None
    except Exception:
        rate = None
    return {"class": kind, "learning_rate": rate}
