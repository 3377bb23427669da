"""Seeding and quiet TensorFlow logs: one call at the top of every notebook."""

from __future__ import annotations

import logging
import os
import random
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

QUIET_TF_ENV = {
    "TF_CPP_MIN_LOG_LEVEL": "2",  # hide TensorFlow's C++ info and warning lines
    # oneDNN's fused CPU kernels sum in another order than TensorFlow's own: off, the course's
    # numbers are those of TensorFlow's plain kernels. On (seed_everything(onednn=True)), a CNN
    # trains 1.4-1.7 times as fast on a 2-core CPU with AVX-512 (docs/COMPAT.md, "Speed notes");
    # reruns on one machine still agree.
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "KERAS_BACKEND": "tensorflow",
}


# Lines TensorFlow's GPU build writes straight to file descriptor 2 on a machine without
# a GPU, before its log level applies. They only say "no GPU", which `dlcourse doctor`
# reports properly, or (the last) that oneDNN is on, which seed_everything(onednn=True)
# asked for. Nothing else is ever dropped.
NO_GPU_NOISE = (
    "All log messages before absl::InitializeLog() is called",
    "Could not find cuda drivers on your machine",
    "failed call to cuInit",
    "oneDNN custom operations are on",
)


@contextmanager
def without_no_gpu_noise() -> Iterator[None]:
    """Run a block with the C-level "no GPU" lines above removed from stderr."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real stderr (some embedded interpreters)
        yield
        return
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield
        finally:
            try:
                sys.stderr.flush()
            except (OSError, ValueError):
                pass
            os.dup2(saved, 2)
            os.close(saved)
            captured.seek(0)
            lines = captured.read().decode(errors="replace").splitlines(keepends=True)
            kept = "".join(line for line in lines if not any(noise in line for noise in NO_GPU_NOISE))
            if kept:
                sys.stderr.write(kept)


def quiet_tensorflow(*, onednn: bool = False) -> None:
    """Set the environment that makes TensorFlow quiet and predictable (``onednn``: with oneDNN's
    faster CPU kernels).

    It only works before TensorFlow is imported; if it comes too late it warns.
    Variables the user has already set are left alone.
    """
    if "tensorflow" in sys.modules and "TF_CPP_MIN_LOG_LEVEL" not in os.environ:
        warnings.warn(
            "TensorFlow was imported before dlcourse.seed_everything(); its start-up logs "
            "cannot be quieted any more. Call seed_everything() in the setup cell, before "
            "importing tensorflow or keras.",
            stacklevel=3,
        )
    for name, value in {**QUIET_TF_ENV, "TF_ENABLE_ONEDNN_OPTS": "1" if onednn else "0"}.items():
        os.environ.setdefault(name, value)
    # TensorFlow's Python warnings (e.g. "triggered tf.function retracing" when many small
    # models are built in a search) say nothing a student can act on; errors still show.
    logging.getLogger("tensorflow").setLevel(logging.ERROR)


def seed_everything(seed: int = 42, *, keras: bool = True, onednn: bool = False) -> int:
    """Seed Python, NumPy and (if ``keras``) Keras/TensorFlow: the same random draws on every run.

    ``onednn=True`` lets TensorFlow use oneDNN's CPU kernels (faster for CNNs; see QUIET_TF_ENV).
    Like the other settings it takes effect only before TensorFlow is imported, and an
    environment variable ``TF_ENABLE_ONEDNN_OPTS`` set by the user wins.

    Returns the seed so a notebook can print or reuse it. Seeding fixes the random draws
    (initial weights, shuffling, dropout masks); it is not op determinism: on another
    machine, with other library versions, or on a GPU, the same seed can give slightly
    different numbers. Uses the global ``keras.utils.set_random_seed`` and leaves
    ``tf.config.experimental.enable_op_determinism()`` to the user, because it is slower
    and makes ops without a deterministic kernel raise (see docs/COMPAT.md, "Reproducible runs").
    """
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    quiet_tensorflow(onednn=onednn)
    random.seed(seed)
    import numpy as np

    np.random.seed(seed)
    if keras:
        with without_no_gpu_noise():
            import keras as _keras

            if _keras.config.backend() == "tensorflow":  # look for devices now, inside the filter
                import tensorflow as tf

                tf.config.list_physical_devices()
                tf.get_logger().setLevel(logging.ERROR)  # TensorFlow resets its logger on import
        _keras.utils.set_random_seed(seed)
        _reset_global_seed_generator()
    return seed


def _reset_global_seed_generator() -> None:
    """Make unseeded ``keras.random`` calls restart from the new seed.

    Keras keeps one global ``SeedGenerator`` for them. Recent Keras (3.15) resets it in
    ``set_random_seed``; Keras 3.10 (Colab's, 2026-11) does not, so a second
    ``seed_everything(0)`` gave other numbers there (found by CI's Colab step). Dropping
    it makes Keras create a fresh one, seeded from the Python RNG just seeded. This reaches
    into Keras's internals, so it is skipped quietly where they have moved.
    """
    try:
        from keras.src.backend.common import global_state
    except ImportError:  # pragma: no cover - another Keras layout
        return
    global_state.set_global_attribute("global_seed_generator", None)
