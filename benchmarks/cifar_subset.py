"""Train the lesson's baseline CNN and the project's improved CNN on real CIFAR-10.

    DLCOURSE_DATA=/path/to/folder python benchmarks/cifar_subset.py
    DLCOURSE_DATA=/path/to/folder python benchmarks/cifar_subset.py --epochs 40 --only improved

(``/path/to/folder`` holds ``cifar-10-batches-py/``: see datasets/README.md.)

Uses the models of dlcourse.cifar_project, exactly as lesson 09 trains them: the baseline
with Adam, 10 epochs, batch 64, validation_split=0.2; the improved one, as the lesson's final
model, on all training images (the search on validation data is done) with batch 128 and cosine decay. Prints, for each: test accuracy (on the official test split the loader
gives), training time, and the process's peak resident memory so far. Goal (issue 6): the
improved model reaches at least 72 % test accuracy on the 5,170-image subset in under
10 minutes of training on 2 CPU cores. Every number is measured in this run.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import dlcourse

IMPROVED_EPOCHS, IMPROVED_BATCH = 60, 128


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=IMPROVED_EPOCHS, help="epochs of the improved model")
    parser.add_argument("--only", choices=["baseline", "improved"])
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    dlcourse.seed_everything(args.seed)
    import keras
    import numpy as np

    from dlcourse.cifar_project import build_improved_cnn, build_lesson_cnn, compile_improved
    from dlcourse.data import load_cifar10

    (x_train, y_train), (x_test, y_test) = load_cifar10()
    x_train, x_test = x_train.astype("float32") / 255.0, x_test.astype("float32") / 255.0
    print(f"cores: {os.cpu_count()}, keras {keras.__version__}, seed {args.seed}")
    results = []

    if args.only in (None, "baseline"):
        keras.utils.set_random_seed(args.seed)
        model = build_lesson_cnn()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        start = time.perf_counter()
        model.fit(x_train, y_train, epochs=10, batch_size=64, validation_split=0.2, verbose=0)
        seconds = time.perf_counter() - start
        results.append(("baseline (lesson's CNN, 10 epochs)", model.evaluate(x_test, y_test, verbose=0)[1], seconds))

    if args.only in (None, "improved"):
        keras.utils.set_random_seed(args.seed)
        steps = int(np.ceil(len(x_train) / IMPROVED_BATCH))
        model = compile_improved(build_improved_cnn(), steps_per_epoch=steps, epochs=args.epochs)
        start = time.perf_counter()
        history = model.fit(x_train, y_train, epochs=args.epochs, batch_size=IMPROVED_BATCH, verbose=0)
        seconds = time.perf_counter() - start
        print(f"improved: final training accuracy {history.history['accuracy'][-1]:.4f} (augmented, dropout on)")
        results.append((f"improved ({args.epochs} epochs)", model.evaluate(x_test, y_test, verbose=0)[1], seconds))

    print(f"\n{'model':<40} {'test accuracy':>13} {'training':>10} {'peak memory':>12}")
    for name, accuracy, seconds in results:
        print(f"{name:<40} {accuracy:>13.4f} {seconds:>9.0f}s {peak_memory_mb():>10.0f}MB")
    print(f"\ntest images: {len(x_test)}; goal: improved >= 0.72 in < 600 s of training")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
