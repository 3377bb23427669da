"""Questions of ``09_cifar10_project``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dlcourse.checking import Case, FunctionQuestion, ValueQuestion
from dlcourse.model_summary import describe_model, find_layers
from dlcourse.questions.nb08_augmentation_schedules_early_stopping import _callbacks

LESSON_CNN = {  # the lesson's CNN for 32x32x3 images and 10 classes
    "layers": ["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Conv2D", "Flatten", "Dense", "Dense"],
    "output_shapes": [[30, 30, 32], [15, 15, 32], [13, 13, 64], [6, 6, 64], [4, 4, 64], [1024], [64], [10]],
    "params": 122570,
}


def _shapes(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    side = int(rng.choice([28, 40, 64]))
    return [(((28, 28, 1), 10), {}), (((side, side, 3), int(rng.integers(2, 20))), {}), (((48, 48, 3), 100), {})]


def _param_grid(value: Any, namespace: Mapping[str, Any]) -> str | None:
    if not isinstance(value, Mapping) or set(value) != {"batch_size", "epochs"}:
        return "expected a dict with the keys 'batch_size' and 'epochs'"
    if sorted(value["batch_size"]) != [32, 64] or sorted(value["epochs"]) != [10, 20]:
        return f"expected batch sizes [32, 64] and epochs [10, 20], found {value}"
    return None


def _test_accuracy(value: Any, namespace: Mapping[str, Any]) -> str | None:
    if isinstance(value, (list, tuple, np.ndarray)):
        return "evaluate returns [loss, accuracy]: take the accuracy, a single number"
    if not isinstance(value, (float, np.floating)) or not 0 <= value <= 1:
        return f"expected the accuracy as a number between 0 and 1, found {value!r}"
    model, x_test, y_test = namespace.get("model"), namespace.get("x_test"), namespace.get("y_test")
    if model is None:
        return "train your network in a variable named `model`"
    expected = model.evaluate(x_test, y_test, verbose=0, return_dict=True).get("accuracy")
    if expected is None:
        return "compile the model with metrics=['accuracy']"
    if not np.isclose(value, expected, atol=1e-4):
        return f"model.evaluate(x_test, y_test) gives accuracy {expected:.4f}, but test_accuracy is {value:.4f}"
    return None


def _augmented(value: Any, namespace: Mapping[str, Any]) -> str | None:
    import keras

    if not isinstance(value, keras.Model):
        return "expected a Keras model"
    kinds = [type(layer).__name__ for layer in value.layers]
    if kinds[:2] != ["RandomFlip", "RandomTranslation"]:
        return f"the model should start with RandomFlip and RandomTranslation, found {kinds[:2]}"
    if value.layers[0].mode != "horizontal":
        return "RandomFlip should be 'horizontal'"
    if kinds[2:] != LESSON_CNN["layers"]:
        return f"after the augmentation layers should come the lesson's CNN, found {kinds[2:]}"
    if value.count_params() != LESSON_CNN["params"] or len(find_layers(value, "Conv2D")) != 3:
        return f"expected the lesson's CNN ({LESSON_CNN['params']:,} parameters), found {value.count_params():,}"
    return None


QUESTIONS = [
    FunctionQuestion(
        id="q1_build_cnn", points=3, function="build_cnn",
        public=[Case(((32, 32, 3), 10), LESSON_CNN)],
        hidden=_shapes, summarize=describe_model,
        hint="Conv2D(32, 3x3) -> MaxPooling2D -> Conv2D(64) -> MaxPooling2D -> Conv2D(64) -> Flatten -> Dense(64) -> "
             "Dense(n_classes, softmax), with relu activations and keras.Input(input_shape) first.",
    ),
    ValueQuestion(id="q2_param_grid", points=1, variable="param_grid", validate=_param_grid,
                  hint="the lesson's grid: batch sizes 32 and 64, epochs 10 and 20."),
    ValueQuestion(id="q3_test_accuracy", points=2, variable="test_accuracy", validate=_test_accuracy,
                  hint="loss, accuracy = model.evaluate(x_test, y_test, verbose=0)"),
    ValueQuestion(id="q4_augmented_model", points=2, variable="augmented_model", validate=_augmented,
                  hint="keras.Sequential([keras.Input(...), RandomFlip('horizontal'), RandomTranslation(0.1, 0.1), *the CNN's layers])"),
    ValueQuestion(id="q5_callbacks", points=2, variable="callbacks", validate=_callbacks,
                  hint="the lesson's ReduceLROnPlateau(factor=0.1, patience=3) and EarlyStopping(patience=5, restore_best_weights=True)."),
]
