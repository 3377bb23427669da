"""The two CNNs of the CIFAR-10 project (lesson 09), how the improved one is trained, and
how it predicts, and how long an epoch of each takes on this machine.

Lesson 09 shows the model functions in full, cell for cell (tests/test_notebook_code.py checks
that the notebook's code is this code, verbatim), and ``benchmarks/cifar_subset.py``
imports them, so the benchmark measures exactly the models the lesson teaches. The module
is the importable copy of the lesson's cells; the lesson is where they are explained.
The two timing functions at the end are plumbing (the notebooks' budgets), not lesson code.
"""

from __future__ import annotations

import keras


def build_lesson_cnn():
    """The lesson's CNN: three convolutional layers with pooling, a dense head, softmax."""
    return keras.Sequential([
        keras.Input((32, 32, 3)),
        keras.layers.Conv2D(32, (3, 3), activation="relu"),
        keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Conv2D(64, (3, 3), activation="relu"),
        keras.layers.MaxPooling2D((2, 2)),
        keras.layers.Conv2D(64, (3, 3), activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])


def conv_block(x, filters, convs, dropout):
    """`convs` 3x3 convolutions with batch normalization, then pooling and dropout."""
    for _ in range(convs):
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.Activation("relu")(x)
    x = keras.layers.MaxPooling2D()(x)
    return keras.layers.Dropout(dropout)(x)


def build_improved_cnn(stages=((32, 2), (64, 2), (128, 2)), dropout=0.15):
    """Flips and pad-and-crop shifts, three batch-normalized convolutional blocks, dropout."""
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.RandomFlip("horizontal")(inputs)
    # close to pad-and-crop: shift each image by whole pixels, up to 4 (0.125 of 32; ±4 half as often), edges reflected
    x = keras.layers.RandomTranslation(0.125, 0.125, fill_mode="reflect", interpolation="nearest")(x)
    for filters, convs in stages:
        x = conv_block(x, filters, convs, dropout)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(2 * dropout)(x)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="improved_cnn")


def compile_improved(model, steps_per_epoch, epochs, peak_learning_rate=3e-3, weight_decay=0.05,
                     label_smoothing=0.2, hold_epochs=3):
    """AdamW (decoupled weight decay); the learning rate holds its peak for `hold_epochs` epochs,
    then decays along a cosine until the last of `epochs`; label smoothing."""
    hold = min(hold_epochs, epochs - 1)  # the smoke budget's single epoch: no hold
    schedule = keras.optimizers.schedules.CosineDecay(
        peak_learning_rate, warmup_target=peak_learning_rate, warmup_steps=steps_per_epoch * hold,  # the hold
        decay_steps=keras.Variable(steps_per_epoch * (epochs - hold), trainable=False),  # a variable: the time
        alpha=0.01)                                                 # budget re-plans the epochs after the hold
    optimizer = keras.optimizers.AdamW(schedule, weight_decay=weight_decay)
    optimizer.exclude_from_weight_decay(var_names=["gamma", "beta", "bias"])  # decay the kernels only
    model.compile(optimizer=optimizer, loss=keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing),
                  metrics=["accuracy"])  # categorical: the labels go in one-hot (label smoothing needs them so)
    return model


def predict_with_flips(model, images):
    """Test-time augmentation: average the class probabilities of each image and its mirror image."""
    return (model.predict(images, verbose=0) + model.predict(images[:, :, ::-1], verbose=0)) / 2


def time_lesson_cnn_epoch(x, y, batch_size, validation_data=None):
    """This machine's epoch of the lesson's CNN (Adam, sparse labels) on ``x``: a throw-away copy, timed."""
    from dlcourse.budget import time_epoch

    model = build_lesson_cnn()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return time_epoch(model, x, y, batch_size=batch_size, validation_data=validation_data)


def time_improved_epoch(x, y_onehot, batch_size, **network):
    """This machine's epoch of the improved CNN (``build_improved_cnn(**network)``, trained by
    ``compile_improved``) on ``x``: a throw-away copy, timed."""
    from dlcourse.budget import time_epoch

    model = compile_improved(build_improved_cnn(**network), -(-len(x) // batch_size), 1)
    return time_epoch(model, x, y_onehot, batch_size=batch_size)
