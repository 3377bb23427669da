"""The compute budget: ``smoke`` (tests, seconds) or ``full`` (what students run), and how
long the CIFAR-10 trainings of the full budget train on this machine.

One environment variable, ``DLCOURSE_BUDGET``, chooses the budget. A notebook reads it once,
``SMOKE = is_smoke()``, and then picks every size in plain sight, for example
``EPOCHS = 1 if SMOKE else 10``.

The notebooks that train on CIFAR-10 (lessons 08 and 09, exercise 09, and
``benchmarks/cifar_subset.py``) size their trainings here, in one place:

- :func:`training_size`: how many training images (a stated number on a CPU, every image
  with a GPU);
- :func:`time_epoch`: this machine's seconds per epoch of the model about to be trained,
  from a short timed run on a slice of the data, after a warm-up that pays for tracing;
- :func:`plan_epochs`: the epochs that fit a budget in minutes (``TRAIN_MINUTES``), or the
  epochs a student fixed, printed with the reason; the learning-rate schedule is then set
  for exactly ``plan.epochs``;
- :func:`keep_to_budget` (lesson 09 and the benchmark): a callback that times the first epochs
  of the real training, chooses the epochs again from them (the schedule's decay starts only
  after them), re-plans them during the decay if the machine's pace changes, and stops a
  training whose next epoch would end after the budget (:class:`TimeBudget`);
- :func:`epoch_progress`: one progress bar, with the time left, over many trainings
  (a grid search's fits).

The smoke budget never measures: it trains one epoch. Exercise 08's one early-stopping run
uses constants instead (at most 40 epochs of a small CNN on 2,000 images).

Lessons 03-07, whose small trainings take seconds, time whole short trainings instead
(:func:`time_training`) and count their searches' trainings before they run
(:func:`successive_halving_rounds`, :func:`keras_tuner_hyperband_rounds`), to print their
expected time and to size a progress bar.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

BUDGET_ENV = "DLCOURSE_BUDGET"
BUDGETS = ("smoke", "full")
Budget = Literal["smoke", "full"]
CPU_TRAINING_IMAGES = 5_000  # about the offline subset's 5,170: minutes, not hours, on a CPU
FULL_CIFAR10_IMAGES = 50_000


class BudgetError(ValueError):
    """The budget variable holds something other than ``smoke`` or ``full``, or a training
    budget makes no sense (no time, or less than one epoch); the message says what to change."""


def budget() -> Budget:
    """Return the budget named by ``DLCOURSE_BUDGET`` (default ``full``)."""
    raw = os.environ.get(BUDGET_ENV, "full")
    value = raw.strip().lower() or "full"
    if value not in BUDGETS:
        raise BudgetError(
            f"{BUDGET_ENV}={raw!r} is not a budget I know. Use {BUDGET_ENV}=smoke for a "
            f"quick test run or {BUDGET_ENV}=full (the default) for the real lesson, "
            "or unset the variable."
        )
    return value  # type: ignore[return-value]


def is_smoke() -> bool:
    """True when the notebook should run in its tiny test configuration."""
    return budget() == "smoke"


# --------------------------------------------------------------------------- images


def gpu_available() -> bool:
    """True when Keras's backend sees a GPU (TensorFlow, JAX or PyTorch)."""
    import keras

    backend = keras.config.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return bool(tf.config.list_physical_devices("GPU"))
    if backend == "jax":
        import jax

        return any(device.platform == "gpu" for device in jax.devices())
    if backend == "torch":
        import torch

        return bool(torch.cuda.is_available())
    return False


def training_size(on_cpu: int | None = CPU_TRAINING_IMAGES, *, gpu: bool | None = None) -> int | None:
    """How many CIFAR-10 training images a notebook's full budget trains on; prints why.

    With a GPU: ``None``, every image the loader gives (50,000 for full CIFAR-10). On a CPU:
    ``on_cpu`` images (``None`` asks for all of them), so that a student whose loader
    downloaded the full data set still gets a run of minutes, not hours. The training time
    is a budget in minutes either way (:func:`plan_epochs`): more images buy fewer epochs.
    ``gpu`` overrides the detection (tests).
    """
    if gpu is None:
        gpu = gpu_available()
    if gpu:
        print("A GPU is available: training on every image the loader gives (N_TRAIN = None; "
              f"full CIFAR-10 has {FULL_CIFAR10_IMAGES:,}), for the same minutes.")
        return None
    if on_cpu is None:
        print("No GPU, and you asked for every training image the loader gives (N_TRAIN_ON_CPU = None). "
              "The minutes stay the same, so each epoch takes longer and fewer epochs fit: with full "
              f"CIFAR-10 ({FULL_CIFAR10_IMAGES:,} images) about a tenth as many as with "
              f"{CPU_TRAINING_IMAGES:,}, perhaps too few to learn much.")
        return None
    print(f"No GPU: training on {on_cpu:,} images (N_TRAIN = {on_cpu}). For more, raise N_TRAIN_ON_CPU in "
          "the setup cell, or set it to None for every image the loader gives; within the same minutes, "
          "more images mean fewer epochs.")
    return on_cpu


# --------------------------------------------------------------------------- timing


@dataclass(frozen=True)
class EpochTiming:
    """This machine's time for one epoch of one model on one training set."""

    seconds_per_epoch: float
    setup_seconds: float  # once per training: tracing the step functions, and what a fit call costs
    images: int  # training images per epoch

    def training_seconds(self, epochs: int) -> float:
        """Expected wall time of a training of ``epochs`` epochs."""
        return self.setup_seconds + epochs * self.seconds_per_epoch

    def for_images(self, images: int) -> EpochTiming:
        """The same model on ``images`` training images: the epoch's time in proportion."""
        return EpochTiming(self.seconds_per_epoch * images / self.images, self.setup_seconds, images)


def _whole_batches(n: int, batch_size: int, batches: int) -> int:
    """At most ``batches`` full batches of a set of ``n`` (at least one batch, or all of a smaller set)."""
    return min(n, max(batch_size, (min(n, batches * batch_size) // batch_size) * batch_size))


def time_epoch(model: Any, x: Any, y: Any, *, batch_size: int, validation_data: tuple[Any, Any] | None = None,
               sample_batches: int = 20, timer: Callable[[], float] = time.perf_counter) -> EpochTiming:
    """Seconds per epoch of ``model.fit(x, y, batch_size=batch_size, validation_data=...)``, measured.

    ``model`` is a compiled throw-away copy of the model to be trained (its weights change).
    A warm-up fit on two batches pays for what happens once per training (tracing the step
    functions). Then two fits, on a quarter of ``sample_batches`` and on all of them, give the
    time per batch from their difference, free of what every ``fit`` call costs once (the
    warm-up's call measures that, with the tracing, as the set-up); with validation data, an
    evaluation of as many images gives the time per validation image. An epoch is scaled from
    them to all of ``x`` and of the validation set: twice the images, twice the time. ``timer``
    is injectable (tests).
    """
    n, steps = len(x), math.ceil(len(x) / batch_size)
    val_x, val_y = validation_data if validation_data is not None else (None, None)

    def fit(images: int, validation: tuple[Any, Any] | None = None) -> float:
        start = timer()
        model.fit(x[:images], y[:images], batch_size=batch_size, epochs=1, validation_data=validation, verbose=0)
        return timer() - start

    warm = _whole_batches(n, batch_size, 2)
    warm_val = None if val_x is None else (val_x[:warm], val_y[:warm])
    warm_seconds = fit(warm, warm_val)
    short = _whole_batches(n, batch_size, max(1, sample_batches // 4))
    long = _whole_batches(n, batch_size, sample_batches)
    short_seconds, long_seconds = fit(short), fit(long)
    extra_steps = math.ceil(long / batch_size) - math.ceil(short / batch_size)
    if extra_steps > 0 and long_seconds > short_seconds:
        per_step = (long_seconds - short_seconds) / extra_steps
    else:  # a set too small for two sizes, or a noisy machine: the plain average, overhead included
        per_step = long_seconds / math.ceil(long / batch_size)
    per_val_image = 0.0
    if val_x is not None:
        val_sample = min(len(val_x), long)
        start = timer()
        model.evaluate(val_x[:val_sample], val_y[:val_sample], batch_size=batch_size, verbose=0)
        per_val_image = (timer() - start) / val_sample
    epoch = steps * per_step + (0 if val_x is None else len(val_x)) * per_val_image
    warm_work = math.ceil(warm / batch_size) * per_step + (0 if warm_val is None else len(warm_val[0])) * per_val_image
    return EpochTiming(seconds_per_epoch=epoch, setup_seconds=max(0.0, warm_seconds - warm_work), images=n)


# --------------------------------------------------------------------------- epochs


def _duration(seconds: float) -> str:
    """``45 s``, ``9.8 minutes``."""
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.1f} minutes"


def _minutes(minutes: float) -> str:
    return f"{minutes:g} minute" + ("" if minutes == 1 else "s")


def _check_minutes(minutes: Any, minutes_name: str, epochs_name: str) -> None:
    if not (isinstance(minutes, (int, float)) and math.isfinite(minutes) and minutes > 0):
        raise BudgetError(
            f"{minutes_name} = {minutes!r} is not a training time: set it to the minutes this training may "
            f"take (a number above 0, e.g. {minutes_name} = 10), or fix the epochs instead ({epochs_name} = 20).")


def epochs_that_fit(minutes: float, timing: EpochTiming, *, minutes_name: str = "TRAIN_MINUTES",
                    epochs_name: str = "EPOCHS") -> int:
    """The most epochs whose training (set-up included) fits in ``minutes``; at least one, or an error."""
    _check_minutes(minutes, minutes_name, epochs_name)
    epochs = math.floor((minutes * 60 - timing.setup_seconds) / timing.seconds_per_epoch)
    if epochs < 1:
        need = timing.training_seconds(1) / 60
        raise BudgetError(
            f"{minutes_name} = {minutes:g} buys less than one epoch here: an epoch of {timing.images:,} images takes "
            f"{timing.seconds_per_epoch:.1f} s on this machine (plus {timing.setup_seconds:.1f} s to set up). "
            f"Raise {minutes_name} to at least {math.ceil(need * 10) / 10:g}, or train on fewer images "
            f"(N_TRAIN_ON_CPU in the setup cell), or set {epochs_name} = 1.")
    return epochs


@dataclass(frozen=True)
class EpochPlan:
    """How many epochs a training gets, and why; ``str(plan)`` is the sentence the notebook prints."""

    epochs: int
    timing: EpochTiming | None  # None in the smoke budget (nothing measured)
    minutes: float | None  # the budget, when it chose the epochs
    epochs_name: str = "EPOCHS"
    replans: bool = False  # the training re-plans the epochs from its first real epochs (keep_to_budget)

    @property
    def seconds(self) -> float | None:
        """The expected training time on this machine (None when nothing was measured)."""
        return None if self.timing is None else self.timing.training_seconds(self.epochs)

    def rerun(self, epochs: int) -> str:
        """How to rerun a training of ``epochs`` epochs exactly: the setup cell's variable, or a script's option."""
        if self.epochs_name.startswith("--"):
            return f"pass {self.epochs_name} {epochs}"
        return f"set {self.epochs_name} = {epochs} in the setup cell"

    def __str__(self) -> str:
        if self.timing is None:
            return f"Smoke budget: {self.epochs} epoch{'s' if self.epochs != 1 else ''}, nothing measured."
        per_epoch = (f"{self.timing.seconds_per_epoch:.1f} s per epoch of {self.timing.images:,} images here "
                     f"(plus {self.timing.setup_seconds:.1f} s once, to set up)")
        expected = f"about {_duration(self.timing.training_seconds(self.epochs))} of training"
        if self.minutes is None:
            if self.epochs_name.startswith("--"):  # a script's option
                return (f"{self.epochs_name} {self.epochs}, fixed on the command line: {per_epoch} → {expected}. "
                        f"Leave out {self.epochs_name} to choose the epochs from the budget in minutes.")
            return (f"{self.epochs_name} = {self.epochs}, fixed in the setup cell: {per_epoch} → {expected}. "
                    f"Set {self.epochs_name} = None to choose the epochs from the budget in minutes.")
        rerun = self.rerun(self.epochs)
        if self.replans:
            return (f"{per_epoch} → {self.epochs} epochs in {_minutes(self.minutes)} ({expected}), for now: the "
                    "training times its first epochs and chooses again from their real time, and prints the "
                    "number that reruns it (exactly, or closely if the epochs change again during the decay; a "
                    "training that has to stop early cannot be rerun exactly, and it says so).")
        return (f"{per_epoch} → {self.epochs} epochs in {_minutes(self.minutes)} ({expected}). "
                f"To rerun exactly this training, {rerun}.")


def plan_epochs(minutes: float, measure: Callable[[], EpochTiming], *, fixed: int | None = None,
                smoke: bool | None = None, smoke_epochs: int = 1, minutes_name: str = "TRAIN_MINUTES",
                epochs_name: str = "EPOCHS", replans: bool = False) -> EpochPlan:
    """The epochs of a training: ``fixed`` if a number is given, else as many as fit in ``minutes``; prints why.

    ``measure`` returns this machine's :class:`EpochTiming` (usually a :func:`time_epoch` call);
    it is called in the full budget only, also with ``fixed`` epochs (for the expected time, and
    so that a fixed rerun repeats every step of the run it copies). In the smoke budget it is
    never called and the plan is ``smoke_epochs``. The names are those of the setup cell's
    variables, for the printed sentence and the error messages. ``replans``: the training will
    keep to the minutes with :func:`keep_to_budget`, which may change the epochs (the sentence says so).
    """
    if smoke if smoke is not None else is_smoke():
        plan = EpochPlan(smoke_epochs, None, None, epochs_name)
        print(plan)
        return plan
    if fixed is not None and not (isinstance(fixed, int) and fixed >= 1):
        raise BudgetError(f"{epochs_name} = {fixed!r}: use a whole number of epochs (1 or more), "
                          f"or None to choose them from {minutes_name}.")
    if fixed is None:
        _check_minutes(minutes, minutes_name, epochs_name)  # a nonsense budget fails before anything is measured
    timing = measure()
    if fixed is not None:
        plan = EpochPlan(fixed, timing, None, epochs_name)
    else:
        plan = EpochPlan(epochs_that_fit(minutes, timing, minutes_name=minutes_name, epochs_name=epochs_name),
                         timing, minutes, epochs_name, replans)
    print(plan)
    return plan


class TimeBudget:
    """Keeps a training of :func:`plan_epochs`' plan to its minutes while it runs; no Keras here (tests).

    The plan's epochs come from a few timed batches before training, and a shared or throttled
    machine can run the real epochs much slower or faster than that. So the learning rate holds
    its peak for the first ``hold_epochs`` epochs, which are timed (epoch 1 also pays for
    tracing: epochs 2 on count); at the end of the hold the epochs are chosen again from their
    real time, and only then does the schedule's decay start, over exactly the epochs chosen.
    The learning rate of every step depends only on that number: a rerun with it fixed repeats
    the run (if its schedule holds for as many epochs: ``nominal_hold``, the hold a schedule
    compiled for that number has).

    During the decay, after every epoch, the epochs are chosen again from the pace of the last
    few (:attr:`PACE_EPOCHS`), so that a machine that slows down, or speeds up again, still ends
    its decay within the budget (unless it must stop): the learning rate moves along its cosine accordingly, and a
    rerun with the final number comes close to the run, not identical (:attr:`replanned`, and
    it says so). If the next epoch, at the slower of the last two, would end after the budget,
    the training stops (:attr:`stopped_early`), also during the hold. ``RESERVE`` of the minutes
    is kept for what ``fit`` does before its first epoch and after its last.

    A plan with fixed epochs (or the smoke budget) is kept as it is: no re-planning, no stop.
    """

    RESERVE = 0.01
    PACE_EPOCHS = 5

    def __init__(self, plan: EpochPlan, hold_epochs: int, *, nominal_hold: int | None = None,
                 most_epochs: int | None = None) -> None:
        self.plan, self.hold = plan, hold_epochs
        self.nominal_hold = hold_epochs if nominal_hold is None else nominal_hold
        self.epochs = plan.epochs  # the current plan
        self.timed = plan.minutes is not None and plan.timing is not None
        if self.timed and 0 < plan.epochs <= hold_epochs:
            raise BudgetError(f"the learning rate holds its peak for {hold_epochs} epochs of the {plan.epochs} "
                              "planned, so nothing would decay: compile the schedule for the plan's epochs "
                              "(lesson 09's compile_improved(model, steps_per_epoch, plan.epochs)).")
        self.most = most_epochs if most_epochs is not None else (4 * plan.epochs if self.timed else plan.epochs)
        self.start: float | None = None
        self.ends: list[float] = []  # seconds since the start at the end of each epoch
        self.chosen: int | None = None  # the epochs chosen at the end of the hold
        self.replanned = False  # the epochs changed during the decay: a fixed rerun is close, not identical
        self.stopped_early = False  # the training stopped before its last epoch: the rate had not ended its decay
        self.messages: list[str] = []  # what the training printed, in order

    def begin(self, now: float) -> None:
        self.start, self.ends = now, []

    def _steady_seconds(self) -> list[float]:
        """Each epoch's seconds, without epoch 1 (tracing) once there are others."""
        seconds = [b - a for a, b in zip([0.0] + self.ends[:-1], self.ends)]
        if len(seconds) > 1:
            return seconds[1:]
        return [max(1e-9, seconds[0] - (self.plan.timing.setup_seconds if self.plan.timing else 0.0))]

    def _fit(self, pace: float, budget: float) -> int:
        """The epochs that end within ``budget`` at ``pace`` seconds each from now, counting those done."""
        return len(self.ends) + max(0, math.floor((budget - self.ends[-1]) / pace))

    def end_epoch(self, now: float) -> bool:
        """Record the end of an epoch; True when the training should stop after it."""
        assert self.start is not None, "begin() first"
        self.ends.append(now - self.start)
        done = len(self.ends)
        if not self.timed:
            return done >= self.epochs
        steady = self._steady_seconds()
        budget = self.plan.minutes * 60 * (1 - self.RESERVE)
        if done == self.hold:
            return self._after_hold(steady, budget)
        if done > self.hold > 0:  # (a plan of one epoch has no hold: nothing is re-planned)
            pace = sum(steady[-self.PACE_EPOCHS:]) / len(steady[-self.PACE_EPOCHS:])
            fit = min(self._fit(pace, budget), self.most)
            if fit != self.epochs and fit > done:
                self.replanned, self.epochs = True, fit
        if done >= self.epochs:
            if self.replanned:
                self.messages.append(
                    f"The epochs changed during the decay, with the pace of the last ones ({steady[-1]:.1f} s at the "
                    f"end): {self.chosen} chosen after the hold, {done} trained, and the learning rate moved along its "
                    f"cosine to reach its minimum in the last. To rerun it closely, not identically (the rerun plans its "
                    f"decay once, for a training of {done} epochs, instead of re-planning it along the way), "
                    f"{self.plan.rerun(done)}.")
            return True
        slower = max(steady[-2:])
        if self.ends[-1] + slower > budget:
            self.stopped_early = True
            changed = f" (re-planned during the decay from the {self.chosen} chosen after the hold)" if self.replanned else ""
            self.messages.append(
                f"Stopped after epoch {done} of {self.epochs}{changed}: at {slower:.1f} s per epoch, one more would end "
                f"after {budget:.0f} s (the {_minutes(self.plan.minutes)} less {self.RESERVE * 100:g} %, kept for what fit does around its "
                "epochs), and the learning rate had not reached the end of its "
                + ("decay" if done > self.hold else "hold: it never decayed") + ". This run cannot be repeated "
                f"exactly; give the training more minutes or fewer images, or fix the epochs ({self.plan.rerun(done)}: "
                "as many epochs, with a decay that ends).")
            return True
        return False

    def _after_hold(self, steady: list[float], budget: float) -> bool:
        per_epoch = sum(steady) / len(steady)
        fit = self._fit(per_epoch, budget)
        epochs = min(fit, self.most)
        hold = f"{self.hold} epoch{'s' if self.hold != 1 else ''}"
        which = "epoch 1, less its set-up" if len(self.ends) == 1 else (
            "epoch 2" if self.hold == 2 else f"epochs 2-{self.hold}")
        if epochs <= self.hold:
            self.stopped_early, self.epochs = True, self.hold
            self.messages.append(
                f"Stopped after {hold} at the peak learning rate: at {per_epoch:.1f} s per epoch ({which}), not one "
                f"epoch of the decay fits in the {budget:.0f} s left of the {_minutes(self.plan.minutes)} ({self.RESERVE * 100:g} % is kept for what "
                "fit does around its epochs), so the learning rate never decayed. "
                "Give the training more minutes, or fewer images.")
            return True
        capped = f" (capped at {self.most}, the most this fit call allows)" if fit > self.most else ""
        change = "as planned" if epochs == self.epochs else f"instead of the {self.epochs} planned"
        rerun_hold = min(self.nominal_hold, epochs - 1)
        rerun = (f"If the epochs do not change again, {self.plan.rerun(epochs)} to rerun exactly this training."
                 if rerun_hold == self.hold else
                 f"If the epochs do not change again, to rerun it closely, not identically (the rerun holds the peak "
                 f"for {rerun_hold} epochs, not {self.hold}), {self.plan.rerun(epochs)}.")
        self.messages.append(
            f"After {hold} at the peak learning rate: {per_epoch:.1f} s per epoch measured ({which}) → {epochs} "
            f"epochs in {_minutes(self.plan.minutes)}{capped}, {change}. The decay now runs over the last "
            f"{epochs - self.hold} epoch{'s' if epochs - self.hold != 1 else ''}. {rerun}")
        self.epochs = self.chosen = epochs
        return False


def keep_to_budget(plan: EpochPlan, *, hold_epochs: int = 3, desc: str = "epochs",
                   clock: Callable[[], float] = time.perf_counter) -> Any:
    """A Keras callback that keeps a training to ``plan``'s minutes (:class:`TimeBudget`), with a progress bar.

    The model's optimizer needs a learning-rate schedule that holds its peak for the first epochs
    (a ``CosineDecay`` whose warm-up starts at its target) and whose ``decay_steps`` is a
    ``keras.Variable`` (lesson 09's ``compile_improved``, whose hold is ``hold_epochs`` when the
    plan has more): the hold's epochs are timed, and at their end, and after every epoch of the
    decay, the callback sets ``decay_steps`` for the epochs that fit. Call ``fit`` with
    ``epochs=callback.most_epochs``; the callback stops the training at the epochs chosen;
    ``len(history.epoch)`` says how many were trained (``callback.budget.epochs`` is the last plan:
    one more when it stopped early).
    """
    import keras
    from tqdm.auto import tqdm

    class KeepToBudget(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.budget = TimeBudget(plan, 0)  # its hold is read from the schedule when training begins
            self.bar: Any = None
            self.hold = 0

        @property
        def most_epochs(self) -> int:
            """The epochs to pass to ``fit``: the most the budget may choose."""
            return self.budget.most

        def _schedule(self) -> Any:
            schedule = getattr(self.model.optimizer, "_learning_rate", None)
            if not (isinstance(getattr(schedule, "decay_steps", None), keras.Variable)
                    and getattr(schedule, "warmup_target", None) == getattr(schedule, "initial_learning_rate", 0)):
                raise BudgetError(
                    "keep_to_budget needs a learning-rate schedule that holds its peak for the first epochs and "
                    "then decays over `decay_steps`, a keras.Variable (see lesson 09's compile_improved); "
                    f"this optimizer's learning rate is {schedule!r}.")
            return schedule

        def on_train_begin(self, logs: dict | None = None) -> None:
            steps = self.params["steps"]
            if self.budget.timed:
                self.hold = int(self._schedule().warmup_steps) // steps
            self.budget = TimeBudget(plan, self.hold, nominal_hold=hold_epochs)
            self.bar = tqdm(total=self.budget.epochs, desc=desc, unit="epoch")
            self.budget.begin(clock())

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            before, said = self.budget.epochs, len(self.budget.messages)
            stop = self.budget.end_epoch(clock())
            if self.budget.epochs != before:
                decay = max(1, self.params["steps"] * (self.budget.epochs - self.hold))
                self._schedule().decay_steps.assign(decay)
                self.bar.total = self.budget.epochs
                self.bar.refresh()
            self.bar.update(1)
            for message in self.budget.messages[said:]:
                tqdm.write(message)
            if stop:
                self.model.stop_training = True

        def on_train_end(self, logs: dict | None = None) -> None:
            self.bar.close()

    return KeepToBudget()


def print_expected_time(parts: dict[str, float]) -> float:
    """Print each part's expected seconds on this machine and their sum; return the sum."""
    total = sum(parts.values())
    width = max(map(len, parts))
    for what, seconds in parts.items():
        print(f"  {what:<{width}}  {_duration(seconds):>12}")
    print(f"Expected on this machine: about {_duration(total)} for this notebook's trainings "
          "(measured just now; a busy machine takes longer).")
    return total


# --------------------------------------------------------------------------- progress


def epoch_progress(total_epochs: int, desc: str = "epochs") -> Any:
    """A Keras callback that advances one tqdm progress bar, with the time left, over the epochs
    of many trainings.

    Pass the same callback to every ``fit`` of a loop, or to a scikeras wrapper that a grid
    search clones: its copies are the callback itself, so every fit advances the one bar.
    Call its ``close()`` when the loop is done.
    """
    import keras
    from tqdm.auto import tqdm

    class EpochProgress(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.bar = tqdm(total=total_epochs, desc=desc, unit="epoch")

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            self.bar.update(1)

        def close(self) -> None:
            self.bar.close()

        def __deepcopy__(self, memo: dict) -> EpochProgress:  # sklearn's clone deep-copies parameters
            return self

    return EpochProgress()


# --------------------------------------------------------------------------- small trainings (lessons 03-07)
# Lessons 03-07 train small networks on the 8x8 digits: an epoch takes a fraction of a second,
# and what each training costs once (building, compiling, tracing, a fit call's start) and each
# epoch costs besides its batches (the validation pass, callbacks, a new data iterator) weighs as
# much as the batches themselves. They time whole short trainings (:func:`time_training`) and
# count their searches' trainings before running them (:func:`successive_halving_rounds`,
# :func:`keras_tuner_hyperband_rounds`), for :func:`print_expected_time` and for the total of
# an :func:`epoch_progress` bar.


def time_training(train: Callable[[int], Any], *, images: int, epochs: tuple[int, int] = (1, 8),
                  timer: Callable[[], float] = time.perf_counter) -> EpochTiming:
    """This machine's time for one whole training of a small model: once per training, and per epoch, measured.

    ``train(n)`` runs one complete training of ``n`` epochs as the notebook runs its trainings: a
    fresh model built, compiled and fitted, and whatever each training does besides (a search
    also scores the fold it held out). ``images`` is the number of training images it fits on
    (kept in the result for the record). Three trainings are timed: two of ``epochs[0]`` epochs,
    of which the faster counts (the first also pays what a session does once, and a busy machine
    only ever slows a training down), and one of ``epochs[1]``. The difference between the short
    and the long one, divided by the difference in epochs, is the time per epoch; what remains
    of the short one is the set-up that every training pays once.

    :func:`time_epoch` times slices of one epoch, the right unit when the batches cost most
    (CIFAR-10); here whole epochs are timed, so that an epoch's fixed costs (the validation pass,
    callbacks, a new data iterator) are counted. For the same reason an epoch of a small data set
    can take nearly as long on a tenth of the images (its fixed costs stay): do not scale the
    result with :meth:`EpochTiming.for_images`. When the long training did not take longer than the short
    one (a machine too busy to measure), the plain average per epoch of the long one is
    returned, its set-up included: an overestimate for longer trainings. ``timer`` is
    injectable (tests).
    """
    short, long = epochs
    if not (isinstance(short, int) and isinstance(long, int) and 1 <= short < long):
        raise BudgetError(f"epochs = {epochs!r}: give two whole numbers of epochs for the timed trainings, "
                          "the first at least 1 and smaller than the second, e.g. epochs=(1, 8).")

    def seconds(n: int) -> float:
        start = timer()
        train(n)
        return timer() - start

    short_seconds = min(seconds(short), seconds(short))
    long_seconds = seconds(long)
    if long_seconds > short_seconds:
        per_epoch = (long_seconds - short_seconds) / (long - short)
        setup = max(0.0, short_seconds - short * per_epoch)
    else:  # noise larger than the epochs' difference: the plain average, set-up included
        per_epoch, setup = long_seconds / long, 0.0
    return EpochTiming(seconds_per_epoch=per_epoch, setup_seconds=setup, images=images)


def successive_halving_rounds(n_candidates: int, min_resources: int, max_resources: int,
                              factor: int = 3) -> list[tuple[int, int]]:
    """The rounds of scikit-learn's successive halving before it runs: ``(candidates, resources each)`` per round.

    As ``HalvingRandomSearchCV`` (or ``HalvingGridSearchCV`` with ``n_candidates`` points) plans them with
    whole numbers for ``n_candidates``, ``min_resources`` and ``max_resources`` and
    ``aggressive_elimination=False``: as many rounds as the candidates need to come down to one and
    the resources allow, ``factor`` times the resources and a ``factor``-th of the candidates
    (rounded up) from one round to the next. With ``resource="epochs"``, a round's trainings
    are its candidates times the folds, each of its epochs; the refit trains the last round's.
    """
    required = 1 + math.floor(math.log(n_candidates, factor))  # the same expressions as scikit-learn's
    possible = 1 + math.floor(math.log(max_resources // min_resources, factor))
    rounds, candidates = [], n_candidates
    for i in range(min(required, possible)):
        rounds.append((candidates, min(int(factor**i * min_resources), max_resources)))
        candidates = math.ceil(candidates / factor)
    return rounds


def keras_tuner_hyperband_rounds(max_epochs: int, factor: int = 3) -> list[tuple[int, int]]:
    """One iteration of keras-tuner's Hyperband before it runs: ``(trials, epochs each trains)`` per round.

    keras-tuner's own rounding, which differs from Li et al.'s table (lesson 06 compares them): as
    many brackets as there are values ``max_epochs``, ``max_epochs / factor``, ... of at least 1;
    round ``i`` of bracket ``s`` has ⌈⌈1 + log_factor(max_epochs)⌉ / (s + 1) · factor^(s−i)⌉
    trials, trained up to ⌈max_epochs / factor^(s−i)⌉ epochs; a survivor resumes from its previous
    round's epochs and trains only the extra ones. The sums are the trials and the epochs of one
    iteration, if the search space does not run out of new candidates first.
    """
    brackets, epochs = 0, float(max_epochs)
    while epochs >= 1:  # keras-tuner's min_epochs
        epochs /= factor
        brackets += 1
    last_round = math.ceil(1 + math.log(max_epochs, factor))  # the same expressions as keras-tuner's
    rounds = []
    for bracket in range(brackets - 1, -1, -1):
        trained = 0
        for round_ in range(bracket + 1):
            trials = math.ceil(last_round / (bracket + 1) * factor ** (bracket - round_))
            up_to = math.ceil(max_epochs / factor ** (bracket - round_))
            rounds.append((trials, up_to - trained))
            trained = up_to
    return rounds
