"""The budget: smoke or full, time-budgeted training (the epochs that fit in minutes), and the expected time
of the small trainings and searches of lessons 03-07."""

import copy
import importlib
import math

import numpy as np
import pytest

from dlcourse.budget import (CPU_TRAINING_IMAGES, BudgetError, EpochTiming, budget, epochs_that_fit, is_smoke,
                             keras_tuner_hyperband_rounds, plan_epochs, print_expected_time, successive_halving_rounds,
                             time_epoch, time_training, training_size)


def test_default_is_full(monkeypatch):
    monkeypatch.delenv("DLCOURSE_BUDGET", raising=False)
    assert budget() == "full" and not is_smoke()


@pytest.mark.parametrize("raw", ["smoke", " SMOKE ", "Smoke"])
def test_smoke_is_read_leniently(monkeypatch, raw):
    monkeypatch.setenv("DLCOURSE_BUDGET", raw)
    assert budget() == "smoke" and is_smoke()


def test_the_test_suite_runs_in_smoke():
    assert is_smoke()  # set by the root conftest.py for every test and notebook


@pytest.mark.parametrize("raw", ["smok", "fast", "0"])
def test_a_typo_is_an_error_that_says_what_to_use(monkeypatch, raw):
    monkeypatch.setenv("DLCOURSE_BUDGET", raw)
    with pytest.raises(BudgetError, match="DLCOURSE_BUDGET=smoke") as info:
        budget()
    assert repr(raw) in str(info.value)


# --------------------------------------------------------------------------- time-budgeted training
# A fake clock and a fake model stand in for the machine: an epoch costs exactly what the fake
# says, so the tests check the arithmetic and the printed sentences, never a real duration.


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeModel:
    """``fit`` and ``evaluate`` advance the clock: a trace on first use, then a fixed cost per step and image."""

    def __init__(self, clock: FakeClock, *, step: float, val_image: float = 0.0, trace: float = 0.0) -> None:
        self.clock, self.step, self.val_image, self.trace = clock, step, val_image, trace
        self.traced: set[str] = set()
        self.fitted_images = 0

    def _trace(self, what: str) -> None:
        if what not in self.traced:
            self.traced.add(what)
            self.clock.now += self.trace

    def fit(self, x, y, *, batch_size, epochs, validation_data=None, verbose=0):
        self._trace("train")
        self.fitted_images += len(x) * epochs
        self.clock.now += epochs * math.ceil(len(x) / batch_size) * self.step
        if validation_data is not None:
            self.evaluate(*validation_data, batch_size=batch_size)
            self.clock.now += (epochs - 1) * len(validation_data[0]) * self.val_image

    def evaluate(self, x, y, *, batch_size, verbose=0):
        self._trace("test")
        self.clock.now += len(x) * self.val_image

    def true_epoch(self, n_train: int, batch_size: int, n_val: int = 0) -> float:
        return math.ceil(n_train / batch_size) * self.step + n_val * self.val_image


budget_module = importlib.import_module("dlcourse.budget")  # the module: `dlcourse.budget` is also the function


def images(n: int) -> np.ndarray:
    return np.zeros((n, 1), dtype=np.uint8)  # only their number matters to the fake model


@pytest.mark.parametrize("seconds, setup, minutes, expected", [
    (17.2, 0.0, 10, 34),  # issue 27's slower machine: 600 / 17.2 = 34.9
    (5.1, 3.0, 10, 117),  # (600 - 3) / 5.1 = 117.06
    (17.2, 4.0, 10, 34),  # the set-up is paid once: (600 - 4) / 17.2 = 34.65
    (60.0, 0.0, 1, 1),  # exactly one epoch fits
    (0.5, 2.0, 2.5, 296),  # (150 - 2) / 0.5
])
def test_the_epochs_chosen_are_the_most_that_fit(seconds, setup, minutes, expected):
    timing = EpochTiming(seconds, setup, 5_000)
    epochs = epochs_that_fit(minutes, timing)
    assert epochs == expected
    assert timing.training_seconds(epochs) <= minutes * 60 < timing.training_seconds(epochs + 1)


def test_the_measurement_excludes_the_warm_up_and_scales_to_the_whole_epoch():
    clock = FakeClock()
    model = FakeModel(clock, step=0.2, val_image=0.001, trace=4.0)
    x, val = images(4_000), (images(1_000), images(1_000))
    timing = time_epoch(model, x, x, batch_size=64, validation_data=val, timer=clock)
    assert timing.seconds_per_epoch == pytest.approx(model.true_epoch(4_000, 64, 1_000))
    assert timing.setup_seconds == pytest.approx(2 * 4.0)  # the training and the validation step, traced once each
    assert timing.images == 4_000
    assert model.fitted_images == 64 * (2 + 5 + 20)  # a warm-up of 2 batches, then 5 and 20 timed ones: no epoch


def test_what_every_fit_call_costs_once_is_not_taken_for_time_per_batch():
    """A fixed cost per ``fit`` call (making the data set, callbacks) would inflate a short sample's time per batch."""
    clock = FakeClock()
    model = FakeModel(clock, step=0.3, trace=4.0)
    plain_fit = model.fit

    def fit_with_overhead(*args, **kwargs):
        clock.now += 0.8
        plain_fit(*args, **kwargs)

    model.fit = fit_with_overhead
    x = images(5_000)
    timing = time_epoch(model, x, x, batch_size=64, timer=clock)
    assert timing.seconds_per_epoch == pytest.approx(79 * 0.3)
    assert timing.setup_seconds == pytest.approx(4.0 + 0.8)  # the trace and one call's cost, paid once per training


def test_the_printed_sentence_says_what_was_chosen_and_why(capsys):
    clock = FakeClock()
    model = FakeModel(clock, step=17.2 / 79, trace=3.0)  # 5,000 images in batches of 64: 79 steps
    x = images(CPU_TRAINING_IMAGES)
    plan = plan_epochs(10, lambda: time_epoch(model, x, x, batch_size=64, timer=clock), smoke=False,
                       epochs_name="IMPROVED_EPOCHS")
    out = capsys.readouterr().out
    assert plan.epochs == 34
    assert "17.2 s per epoch of 5,000 images here (plus 3.0 s once, to set up) → 34 epochs in 10 minutes" in out
    assert "set IMPROVED_EPOCHS = 34" in out  # how to rerun exactly this
    assert plan.seconds == pytest.approx(3.0 + 34 * 17.2) and plan.seconds <= 600


def test_50000_images_take_longer_per_epoch_and_still_fit(capsys):
    """Full CIFAR-10 through the loader: ten times the images, a tenth of the epochs, within the same minutes."""
    clock = FakeClock()
    model = FakeModel(clock, step=0.05, val_image=0.0002, trace=5.0)
    small = plan_epochs(10, lambda: time_epoch(model, images(4_000), images(4_000), batch_size=64,
                                               validation_data=(images(1_000),) * 2, timer=clock), smoke=False)
    model = FakeModel(clock, step=0.05, val_image=0.0002, trace=5.0)
    large = plan_epochs(10, lambda: time_epoch(model, images(40_000), images(40_000), batch_size=64,
                                               validation_data=(images(10_000),) * 2, timer=clock), smoke=False)
    assert large.timing.seconds_per_epoch == pytest.approx(model.true_epoch(40_000, 64, 10_000))
    assert large.epochs < small.epochs
    assert large.timing.setup_seconds + large.epochs * model.true_epoch(40_000, 64, 10_000) <= 600
    assert "of 40,000 images here" in capsys.readouterr().out


def test_with_a_gpu_every_image_trains_for_the_same_minutes(capsys):
    n_train = training_size(gpu=True)
    assert n_train is None and "for the same minutes" in capsys.readouterr().out
    x = images(50_000)[:n_train]  # as the notebooks slice: None keeps every image
    clock = FakeClock()
    model = FakeModel(clock, step=0.004, trace=20.0)  # a GPU: fast steps, slow tracing
    plan = plan_epochs(10, lambda: time_epoch(model, x, x, batch_size=64, timer=clock), smoke=False)
    assert plan.timing.images == 50_000
    assert plan.seconds <= 600 < plan.timing.training_seconds(plan.epochs + 1)


def test_a_cpu_gets_the_stated_number_of_images(monkeypatch, capsys):
    monkeypatch.setattr(budget_module, "gpu_available", lambda: False)
    assert training_size() == CPU_TRAINING_IMAGES == 5_000
    assert "No GPU: training on 5,000 images" in capsys.readouterr().out
    assert training_size(20_000) == 20_000  # the student asked for more
    assert training_size(None) is None  # ... or for everything
    assert "fewer epochs fit" in capsys.readouterr().out


def test_fixed_epochs_override_the_budget_and_still_report_the_time(capsys):
    timing = EpochTiming(17.2, 3.0, 5_000)
    plan = plan_epochs(10, lambda: timing, fixed=50, smoke=False, epochs_name="IMPROVED_EPOCHS")
    out = capsys.readouterr().out
    assert plan.epochs == 50 and plan.minutes is None  # more than the 34 the budget would give
    assert "IMPROVED_EPOCHS = 50, fixed in the setup cell" in out and "14.4 minutes" in out


def test_the_smoke_budget_measures_nothing(capsys):
    def measure():
        raise AssertionError("the smoke budget must not measure")

    assert plan_epochs(10, measure, smoke=True).epochs == 1
    assert plan_epochs(10, measure, fixed=34, smoke=True).epochs == 1
    assert "Smoke budget: 1 epoch" in capsys.readouterr().out


@pytest.mark.parametrize("minutes", [0, -5, float("nan"), float("inf")])
def test_a_budget_of_no_time_says_what_to_set_before_measuring(minutes):
    def measure():
        raise AssertionError("a nonsense budget must fail before measuring")

    with pytest.raises(BudgetError, match="TRAIN_MINUTES = .* is not a training time: set it to the minutes"):
        plan_epochs(minutes, measure, smoke=False)


def test_less_than_one_epoch_says_how_far_to_raise_the_budget():
    with pytest.raises(BudgetError, match=r"buys less than one epoch here.*Raise TRAIN_MINUTES to at least 0.4"):
        plan_epochs(0.2, lambda: EpochTiming(17.2, 4.0, 5_000), smoke=False)


@pytest.mark.parametrize("fixed", [0, -3, 2.5])
def test_a_fixed_number_of_epochs_must_be_a_whole_number(fixed):
    with pytest.raises(BudgetError, match="whole number of epochs"):
        plan_epochs(10, lambda: EpochTiming(1.0, 0.0, 10), fixed=fixed, smoke=False)


def test_an_epoch_on_more_images_takes_longer_in_proportion():
    timing = EpochTiming(2.0, 3.0, 500).for_images(5_000)
    assert (timing.seconds_per_epoch, timing.setup_seconds, timing.images) == (20.0, 3.0, 5_000)


def test_the_expected_time_is_the_sum_of_the_parts(capsys):
    total = print_expected_time({"baseline": 30.0, "improved": 590.0})
    out = capsys.readouterr().out
    assert total == 620.0 and "about 10.3 minutes" in out and "baseline" in out


def test_one_progress_bar_survives_a_grid_search_clone():
    from dlcourse.budget import epoch_progress

    progress = epoch_progress(8, desc="grid")
    assert copy.deepcopy(progress) is progress  # sklearn's clone deep-copies a wrapper's callbacks
    for epoch in range(3):
        progress.on_epoch_end(epoch)
    assert progress.bar.n == 3
    progress.close()


# --------------------------------------------------------------------------- small trainings (lessons 03-07)
# The fake training advances the fake clock by what a training costs: a set-up once, a cost per
# epoch, and, the first time only, what a process pays once. The tests check that the timing takes
# those apart, never a real duration.


class FakeTraining:
    def __init__(self, clock: FakeClock, *, setup: float, per_epoch: float, first_time: float = 0.0,
                 noise: list[float] | None = None) -> None:
        self.clock, self.setup, self.per_epoch, self.first_time = clock, setup, per_epoch, first_time
        self.noise = list(noise or [])  # extra seconds for each call in turn (a busy machine)
        self.calls: list[int] = []

    def __call__(self, epochs: int) -> None:
        self.clock.now += self.setup + epochs * self.per_epoch + (self.first_time if not self.calls else 0.0)
        self.clock.now += self.noise.pop(0) if self.noise else 0.0
        self.calls.append(epochs)


def test_whole_trainings_give_the_set_up_and_the_epoch_apart():
    clock = FakeClock()
    training = FakeTraining(clock, setup=2.5, per_epoch=0.3, first_time=4.0)
    timing = time_training(training, images=1_077, timer=clock)
    assert training.calls == [1, 1, 8]  # two short trainings (the faster counts), then a long one
    assert timing.seconds_per_epoch == pytest.approx(0.3)
    assert timing.setup_seconds == pytest.approx(2.5)  # the session's start-up is not charged to every training
    assert timing.images == 1_077
    assert timing.training_seconds(40) == pytest.approx(2.5 + 40 * 0.3)  # a training of lesson 03's full budget


def test_a_short_training_slowed_by_other_work_does_not_count():
    clock = FakeClock()
    training = FakeTraining(clock, setup=2.0, per_epoch=0.25, noise=[0.0, 3.0, 0.0])  # the second short one slowed
    timing = time_training(training, images=300, epochs=(2, 6), timer=clock)
    assert training.calls == [2, 2, 6]
    assert (timing.seconds_per_epoch, timing.setup_seconds) == (pytest.approx(0.25), pytest.approx(2.0))


def test_a_slowed_long_training_overestimates_never_underestimates():
    clock = FakeClock()
    training = FakeTraining(clock, setup=2.0, per_epoch=0.25, noise=[0.0, 0.0, 0.7])
    timing = time_training(training, images=1_000, timer=clock)
    assert timing.seconds_per_epoch == pytest.approx(0.25 + 0.7 / 7)
    assert timing.training_seconds(40) > 2.0 + 40 * 0.25


def test_a_machine_too_busy_to_measure_gives_the_plain_average_not_a_negative_epoch():
    clock = FakeClock()
    training = FakeTraining(clock, setup=2.0, per_epoch=0.1, first_time=5.0, noise=[0.0, 1.5, 0.0])
    timing = time_training(training, images=1_000, timer=clock)  # both short ones slowed: 7.1 s and 3.6 s, long 2.8 s
    assert timing.seconds_per_epoch == pytest.approx((2.0 + 8 * 0.1) / 8) and timing.setup_seconds == 0.0
    assert timing.training_seconds(8) == pytest.approx(2.0 + 8 * 0.1)  # what the long training took


@pytest.mark.parametrize("epochs", [(0, 5), (5, 5), (6, 2), (1.5, 4)])
def test_the_timed_trainings_must_differ_in_whole_epochs(epochs):
    def train(n):
        raise AssertionError("nothing may train before the arguments are checked")

    with pytest.raises(BudgetError, match="two whole numbers of epochs for the timed trainings"):
        time_training(train, images=100, epochs=epochs)


def test_the_expected_time_of_a_lesson_adds_its_trainings(capsys):
    """How lessons 03-07 use it: trainings times the time of one, for each part of the notebook."""
    timing = EpochTiming(seconds_per_epoch=0.3, setup_seconds=2.0, images=1_077)
    total = print_expected_time({"15 trainings of 40 epochs": 15 * timing.training_seconds(40),
                                 "2 trainings of 120 epochs": 2 * timing.training_seconds(120)})
    assert total == pytest.approx(15 * 14.0 + 2 * 38.0)
    assert "about 4.8 minutes" in capsys.readouterr().out


@pytest.mark.parametrize("n_candidates, min_resources, max_resources, factor", [
    (9, 3, 27, 3),  # lesson 04's full budget: 9 x 3, 3 x 9, 1 x 27
    (1, 1, 2, 3),  # its smoke budget: one round
    (10, 1, 30, 3),  # candidates that do not divide: 10, 4, 2, 1
    (20, 2, 16, 2),  # the resources run out before the candidates come down to one
    (5, 1, 100, 4),
])
def test_successive_halving_is_planned_as_scikit_learn_runs_it(n_candidates, min_resources, max_resources, factor):
    from sklearn.datasets import load_iris
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV
    from sklearn.tree import DecisionTreeClassifier

    X, y = load_iris(return_X_y=True)
    search = HalvingRandomSearchCV(DecisionTreeClassifier(random_state=0), {"min_samples_leaf": list(range(1, 60))},
                                   resource="max_depth", min_resources=min_resources, max_resources=max_resources,
                                   n_candidates=n_candidates, factor=factor, cv=2, random_state=0).fit(X, y)
    rounds = successive_halving_rounds(n_candidates, min_resources, max_resources, factor)
    assert [n for n, _ in rounds] == list(search.n_candidates_)
    assert [r for _, r in rounds] == list(search.n_resources_)
    assert search.best_params_["max_depth"] == rounds[-1][1]  # the refit trains the last round's resources


@pytest.mark.parametrize("max_epochs, factor", [(9, 3), (1, 3), (27, 3), (10, 3), (8, 2)])
def test_hyperband_is_planned_as_keras_tuner_runs_it(max_epochs, factor, tmp_path):
    """The oracle is driven without training (each trial gets a random score), as in test_hyperband_brackets.py."""
    kt = pytest.importorskip("keras_tuner")
    from dlcourse.tuning import build_digits_model

    hp = kt.HyperParameters()
    build_digits_model(hp)  # lesson 06's space: continuous, it never runs out of candidates
    oracle = kt.oracles.HyperbandOracle(objective=kt.Objective("val_accuracy", "max"), max_epochs=max_epochs,
                                        factor=factor, hyperband_iterations=1, seed=0, hyperparameters=hp)
    oracle._set_project_dir(str(tmp_path), "hyperband")
    rng = np.random.default_rng(0)
    ran: dict[tuple[int, int], list[int]] = {}
    for _ in range(500):
        trial = oracle.create_trial("tuner0")
        if trial.status == "STOPPED":
            break
        values = trial.hyperparameters.values
        ran.setdefault((values["tuner/bracket"], values["tuner/round"]), []).append(
            values["tuner/epochs"] - values["tuner/initial_epoch"])
        oracle.update_trial(trial.trial_id, {"val_accuracy": float(rng.random())})
        trial.status = "COMPLETED"
        oracle.end_trial(trial)
    planned = keras_tuner_hyperband_rounds(max_epochs, factor)
    in_order = [(len(ran[key]), ran[key][0]) for key in sorted(ran, key=lambda k: (-k[0], k[1]))]
    assert in_order == planned
    assert all(len(set(epochs)) == 1 for epochs in ran.values())  # every trial of a round trains as many epochs
    if (max_epochs, factor) == (9, 3):  # lesson 06's full budget, as test_hyperband_brackets.py pins it
        assert sum(n for n, _ in planned) == 23 and sum(n * e for n, e in planned) == 75


# Each of lessons 03-07 in the full budget, up to its timing cell, with the timing faked: the cell must run
# (its unit of work is called once, for one epoch, to show that it trains) and print the expected time of
# every part from the trainings it counts. Nothing is timed; the sums below are the lessons' own counts.
FAKE = EpochTiming(seconds_per_epoch=0.5, setup_seconds=2.0, images=1)
TIMED_LESSONS = {  # notebook: (what the full budget's parts add up to, from the setup cell's sizes)
    "lessons/03_hyperparameters_and_validation.ipynb":
        lambda ns: (15 + 4 * ns["N_FOLDS"] + 1) * FAKE.training_seconds(ns["EPOCHS"])
        + 2 * FAKE.training_seconds(3 * ns["EPOCHS"]),  # 15 sweep values, 1 + 3 cross-validations, a final model
    "lessons/04_grid_and_random_search.ipynb":
        lambda ns: (15 * ns["N_FOLDS"] + 1 + ns["N_ITER"] * ns["N_FOLDS"] + 1) * FAKE.training_seconds(ns["EPOCHS"])
        + ns["N_FOLDS"] * (9 * FAKE.training_seconds(3) + 3 * FAKE.training_seconds(9) + FAKE.training_seconds(27))
        + FAKE.training_seconds(27),  # grid and random search with their refits; halving 9 x 3, 3 x 9, 1 x 27, refit
    "lessons/05_bayesian_optimization.ipynb":
        lambda ns: (ns["N_ITER"] * ns["N_FOLDS"] + 1) * FAKE.training_seconds(ns["EPOCHS"]),
    "lessons/06_hyperband_and_experiment_tracking.ipynb":
        lambda ns: (1 + len(ns["SEEDS"])) * sum(n * FAKE.training_seconds(e) for n, e in [(9, 1), (3, 2), (1, 6),
                                                                                          (5, 3), (2, 6), (3, 9)])
        + len(ns["SEEDS"]) * (27 + 9 + 9) * FAKE.training_seconds(9),  # Hyperband twice; grid, random, Bayesian
    "lessons/07_regularization.ipynb": lambda ns: 6 * FAKE.training_seconds(ns["EPOCHS"]),
}


@pytest.mark.parametrize("notebook", TIMED_LESSONS, ids=lambda p: p.split("/")[1][:2])
def test_each_lesson_prints_its_expected_time_in_the_full_budget(notebook, monkeypatch, tmp_path, capsys):
    from pathlib import Path

    import matplotlib
    import nbformat

    matplotlib.use("Agg")
    path = Path(__file__).resolve().parents[1] / notebook
    monkeypatch.setenv("DLCOURSE_BUDGET", "full")
    monkeypatch.chdir(tmp_path)  # lesson 06's tuner folders
    calls, printed = [], []

    def fake_time_training(train, *, images, **kwargs):
        train(1)  # the lesson's unit of work runs (one epoch), but nothing is timed
        calls.append(images)
        return EpochTiming(FAKE.seconds_per_epoch, FAKE.setup_seconds, images)

    real_print = budget_module.print_expected_time
    monkeypatch.setattr(budget_module, "time_training", fake_time_training)
    monkeypatch.setattr(budget_module, "print_expected_time", lambda parts: printed.append(parts) or real_print(parts))
    namespace: dict = {"__name__": "__main__"}
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        source = cell.source
        if "lessons/03" in notebook and "default_model, default_history = train()" in source:
            source = source.replace("train()", "train(epochs=1)")  # section 2's 40 epochs: not what is tested here
        exec(compile(source, f"{path.name} cell", "exec"), namespace)  # noqa: S102 (our own notebook)
        if "time_training(" in source:
            break
    assert not namespace["SMOKE"] and len(calls) == 1 and len(printed) == 1
    assert sum(printed[0].values()) == pytest.approx(TIMED_LESSONS[notebook](namespace))
    out = capsys.readouterr().out
    assert "Expected on this machine: about" in out and "s per epoch" in out


def test_tqdm_disable_turns_off_the_notebook_bars_too(monkeypatch):
    """The site's kernels set TQDM_DISABLE=1; tqdm's notebook bar ignores it unless dlcourse says otherwise
    (a static page would show the bar's text stand-in at 0 %)."""
    import tqdm.notebook

    import dlcourse

    monkeypatch.setattr(tqdm.notebook.tqdm_notebook, "__init__", tqdm.notebook.tqdm_notebook.__init__)  # restored after
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    dlcourse._honour_tqdm_disable()
    assert not getattr(tqdm.notebook.tqdm_notebook.__init__, "dlcourse_disabled", False)  # unset: bars stay on
    monkeypatch.setenv("TQDM_DISABLE", "1")
    dlcourse._honour_tqdm_disable()
    dlcourse._honour_tqdm_disable()  # twice: wrapped once
    bar = tqdm.notebook.tqdm(total=3, desc="test")
    assert bar.disable
    bar.close()


# --------------------------------------------------------------------------- keeping a training to its minutes
# The plan's epochs come from a few timed batches; TimeBudget re-plans them from the real epochs of the
# hold, and stops a training whose epochs then slow down before it runs over. Fake epoch ends, no clock.


def _plan(epochs: int = 40, per_epoch: float = 15.0, minutes: float | None = 10.0, setup: float = 2.0):
    from dlcourse.budget import EpochPlan

    return EpochPlan(epochs, EpochTiming(per_epoch, setup, 5_000), minutes, "IMPROVED_EPOCHS")


def _run(budget, epoch_seconds: list[float], setup: float = 2.0) -> int:
    """Feed epoch durations until the budget says stop; the number of epochs trained."""
    now = 0.0
    budget.begin(now)
    for done, seconds in enumerate(epoch_seconds, start=1):
        now += seconds + (setup if done == 1 else 0.0)
        if budget.end_epoch(now):
            return done
    raise AssertionError("the budget never stopped the training")


USABLE = 600 * 0.99  # 10 minutes, less the reserve for what fit does outside its epochs


@pytest.mark.parametrize("real_epoch, expected", [(20.0, 3 + math.floor((USABLE - 62) / 20)),  # slower than planned
                                                  (10.0, 3 + math.floor((USABLE - 32) / 10)),  # faster
                                                  (15.0, 3 + math.floor((USABLE - 47) / 15))])  # as planned
def test_the_epochs_are_chosen_again_from_the_held_epochs_real_time(real_epoch, expected):
    from dlcourse.budget import TimeBudget

    budget = TimeBudget(_plan(), hold_epochs=3)
    trained = _run(budget, [real_epoch] * 200)
    assert trained == budget.epochs == expected
    assert budget.ends[-1] <= USABLE and not budget.stopped_early
    assert f"set IMPROVED_EPOCHS = {expected} in the setup cell to rerun exactly" in budget.messages[0]


def test_the_first_epochs_set_up_is_not_taken_for_the_epochs_time():
    from dlcourse.budget import TimeBudget

    budget = TimeBudget(_plan(), hold_epochs=3)
    _run(budget, [10.0] * 200, setup=30.0)  # tracing makes epoch 1 take 40 s
    assert "10.0 s per epoch measured (epochs 2-3)" in budget.messages[0]


def test_a_machine_twice_as_slow_after_the_hold_ends_within_the_budget_not_after():
    from dlcourse.budget import TimeBudget

    budget = TimeBudget(_plan(), hold_epochs=3)
    trained = _run(budget, [10.0] * 3 + [20.0] * 200)
    assert budget.replanned and not budget.stopped_early and trained == budget.epochs
    assert budget.ends[-1] <= USABLE < budget.ends[-1] + 20


def test_fixed_epochs_are_trained_in_full_whatever_the_clock():
    from dlcourse.budget import TimeBudget

    budget = TimeBudget(_plan(minutes=None, epochs=12), hold_epochs=3)
    assert budget.most == 12
    assert _run(budget, [100.0] * 50) == 12 and not budget.messages and not budget.stopped_early


def test_a_much_faster_machine_is_capped_at_what_the_fit_call_allows():
    from dlcourse.budget import TimeBudget

    budget = TimeBudget(_plan(epochs=10), hold_epochs=3)
    assert _run(budget, [1.0] * 500) == budget.most == 40
    assert "capped at 40" in budget.messages[0]


def _learning_rates(model, epochs: int) -> list[float]:
    schedule = model.optimizer._learning_rate
    steps = 4  # 256 images in batches of 64
    return [float(schedule(step)) for step in range(steps * epochs)]


def _fit_on_a_fake_clock(plan, epoch_seconds):
    """A tiny network compiled as lesson 09 compiles its model, fitted under ``keep_to_budget`` while a fake clock
    advances ``epoch_seconds(epoch)`` at the end of each epoch: (model, callback, history)."""
    import keras

    from dlcourse.budget import keep_to_budget
    from dlcourse.cifar_project import compile_improved

    model = compile_improved(tiny_network(), 4, plan.epochs)
    clock = FakeClock()

    class Tick(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            clock.now += epoch_seconds(epoch)

    callback = keep_to_budget(plan, clock=clock)
    x = np.random.default_rng(0).random((256, 4), dtype="float32")
    y = keras.utils.to_categorical(np.arange(256) % 10, 10)
    history = model.fit(x, y, batch_size=64, epochs=callback.most_epochs, callbacks=[Tick(), callback], verbose=0)
    return model, callback, history


def tiny_network():
    import keras

    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(10, activation="softmax")])


def test_the_budgeted_run_and_a_rerun_with_its_epochs_fixed_follow_one_schedule():
    """The learning rate of every step depends only on the final epochs: the re-planned run's
    schedule is the one a rerun with those epochs fixed compiles from the start."""
    from dlcourse.cifar_project import compile_improved

    plan = _plan(epochs=20, per_epoch=20.0, minutes=5.0)  # the batches said 20 s; the epochs take 10 s
    budgeted, callback, history = _fit_on_a_fake_clock(plan, lambda epoch: 10.0)
    assert callback.budget.epochs == len(history.history["loss"]) == 3 + int((300 * 0.99 - 30) // 10)
    rerun = compile_improved(tiny_network(), 4, callback.budget.epochs)
    assert _learning_rates(budgeted, 29) == pytest.approx(_learning_rates(rerun, 29), rel=1e-6)
    assert _learning_rates(budgeted, 3)[0] == _learning_rates(budgeted, 3)[-1] == pytest.approx(3e-3)  # the hold


def test_a_schedule_the_budget_cannot_re_plan_is_an_error_that_says_so():
    import keras

    from dlcourse.budget import keep_to_budget

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(1e-3, 100)),
                  loss="categorical_crossentropy")
    with pytest.raises(BudgetError, match="holds its peak"):
        model.fit(np.zeros((8, 4)), np.zeros((8, 10)), epochs=1, callbacks=[keep_to_budget(_plan())], verbose=0)


def test_one_epoch_far_slower_than_the_others_stops_the_training_in_time():
    """Epoch 55 takes 40 s and ends at 582 s; the next, at the slower of the last two (40 s), would end after
    594 s: the training stops there, before the end of its decay, and says so."""
    from dlcourse.budget import TimeBudget

    budget = TimeBudget(_plan(), hold_epochs=3)
    trained = _run(budget, [10.0] * 54 + [40.0] + [10.0] * 100)
    assert budget.stopped_early and trained == 55 and budget.ends[-1] == 582
    assert "Stopped after epoch 55" in budget.messages[-1] and "end of its decay" in budget.messages[-1]


def test_a_load_spike_during_the_decay_costs_no_epochs_once_it_passes():
    from dlcourse.budget import TimeBudget

    budget = TimeBudget(_plan(), hold_epochs=3)
    trained = _run(budget, [10.0] * 5 + [17.0] * 3 + [10.0] * 200)  # three slow epochs, then the pace of before
    assert trained == budget.epochs and budget.ends[-1] <= USABLE
    assert trained >= 3 + math.floor((USABLE - 32) / 10) - 3  # at most the spike's extra 21 s lost, about 2 epochs
    assert not budget.stopped_early and f"{trained} trained" in budget.messages[-1]


def test_no_epoch_of_the_decay_fits_after_the_hold_says_the_rate_never_decayed():
    from dlcourse.budget import TimeBudget

    budget = TimeBudget(_plan(epochs=4, per_epoch=140.0), hold_epochs=3)
    assert _run(budget, [190.0] * 10, setup=0.0) == 3
    assert budget.stopped_early and "never decayed" in budget.messages[-1]


def test_the_hold_itself_stops_before_the_budget():
    from dlcourse.budget import TimeBudget

    budget = TimeBudget(_plan(epochs=5, per_epoch=100.0), hold_epochs=3)
    assert _run(budget, [300.0] * 10, setup=0.0) == 1  # a second epoch would end at 600 s > 594 s
    assert budget.stopped_early and "it never decayed" in budget.messages[-1]


def test_a_rerun_with_a_shorter_hold_is_not_called_exact():
    """A plan of 3 epochs holds 2 (compile_improved's min(3, epochs - 1)); re-planned to 6, a rerun would hold 3."""
    from dlcourse.budget import TimeBudget

    budget = TimeBudget(_plan(epochs=3, per_epoch=180.0, minutes=1.0), hold_epochs=2, nominal_hold=3)
    _run(budget, [8.0] * 20, setup=0.0)
    assert "To rerun exactly" not in budget.messages[0] and "holds the peak for 3 epochs, not 2" in budget.messages[0]
    assert "set IMPROVED_EPOCHS = " in budget.messages[0]


def test_a_hold_as_long_as_the_plan_is_an_error():
    from dlcourse.budget import TimeBudget

    with pytest.raises(BudgetError, match="nothing would decay"):
        TimeBudget(_plan(epochs=3), hold_epochs=3)


def test_tracing_in_epoch_1_does_not_shorten_a_steady_training():
    from dlcourse.budget import TimeBudget

    budget = TimeBudget(_plan(epochs=6, per_epoch=9.0, minutes=1.0), hold_epochs=2)
    _run(budget, [8.0] * 20, setup=10.0)
    assert not budget.replanned and not budget.stopped_early


def test_a_budget_under_a_second_says_so_without_a_made_up_epoch():
    with pytest.raises(BudgetError) as error:
        plan_epochs(0.01, lambda: EpochTiming(5.0, 1.0, 5_000), smoke=False)
    assert "buys less than one epoch" in str(error.value) and "of 5,000 images takes 5.0 s" in str(error.value)


def test_a_machine_that_slows_during_the_decay_gets_fewer_epochs_and_still_ends_its_decay():
    from dlcourse.budget import TimeBudget

    budget = TimeBudget(_plan(), hold_epochs=3)
    trained = _run(budget, [10.0] * 20 + [13.0] * 200)  # 30 % slower from epoch 21 on
    assert budget.replanned and not budget.stopped_early
    assert trained == budget.epochs < 3 + math.floor((USABLE - 32) / 10)  # fewer than chosen after the hold
    assert budget.ends[-1] <= USABLE
    assert f"{trained} trained" in budget.messages[-1] and "To rerun it closely, not identically" in budget.messages[-1]


def test_a_steady_machine_is_not_replanned():
    from dlcourse.budget import TimeBudget

    budget = TimeBudget(_plan(), hold_epochs=3)
    _run(budget, [10.0] * 300)
    assert not budget.replanned and not budget.stopped_early and len(budget.messages) == 1


def test_a_replanned_training_still_ends_at_the_minimum_learning_rate():
    plan = _plan(epochs=20, per_epoch=10.0, minutes=5.0)
    model, callback, history = _fit_on_a_fake_clock(plan, lambda epoch: 10.0 if epoch < 10 else 15.0)
    assert callback.budget.replanned and len(history.epoch) == callback.budget.epochs
    schedule = model.optimizer._learning_rate
    assert float(schedule(model.optimizer.iterations)) == pytest.approx(3e-3 * 0.01)  # the cosine's end
