"""The two CNNs of the CIFAR-10 project (lesson 09), and how the improved one is trained.

Lesson 09 shows these functions in full, cell for cell (a test checks that the notebook's
code is this code), and ``benchmarks/cifar_subset.py`` imports them, so the benchmark
measures exactly the models the lesson teaches.
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


def conv_block(x, filters, convs, weight_decay, dropout):
    """`convs` 3x3 convolutions with batch normalization, then pooling and dropout."""
    for _ in range(convs):
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False,
                                kernel_regularizer=keras.regularizers.L2(weight_decay))(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.Activation("relu")(x)
    x = keras.layers.MaxPooling2D()(x)
    return keras.layers.Dropout(dropout)(x)


def build_improved_cnn(weight_decay=5e-4, dropout=0.25):
    """Augmentation, three batch-normalized convolutional blocks, L2 and dropout."""
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.RandomFlip("horizontal")(inputs)
    x = keras.layers.RandomTranslation(0.1, 0.1)(x)
    for filters, convs in ((32, 1), (64, 2), (128, 2)):  # one convolution at full size: CPU time matters
        x = conv_block(x, filters, convs, weight_decay, dropout)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(2 * dropout)(x)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="improved_cnn")


def compile_improved(model, steps_per_epoch, epochs, peak_learning_rate=3e-3):
    """Adam with a cosine-decaying learning rate over the whole training."""
    schedule = keras.optimizers.schedules.CosineDecay(peak_learning_rate, decay_steps=steps_per_epoch * epochs,
                                                      alpha=0.01)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
