"""Plausible wrong answers to exercise 10 fail under ``check`` and under ``dlcourse grade``.

Each fixture is what a student could write; each must be rejected with a message that says
what is wrong (asserted on a distinctive phrase) without giving the code. The solution's
answers pass both paths.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import keras
import numpy as np
import optuna
import pytest

from dlcourse.checking import Status, questions_for

PASS = Status.PASSED  # the verdict of a right answer
from dlcourse.tune_worker import digits_splits
from tests import judging
from tests.judging import equals_anything

NB = "10_automated_tuning_with_optuna"
EPOCHS = 2
X_train, y_train, X_val, y_val = digits_splits(42)
optuna.logging.set_verbosity(optuna.logging.WARNING)


def namespace_from(source: str, **extra) -> dict:
    """Run a student's cell as their notebook would, in a namespace holding the setup's names."""
    namespace = {"keras": keras, "optuna": optuna, "EPOCHS": EPOCHS, "X_train": X_train, "y_train": y_train,
                 "X_val": X_val, "y_val": y_val, **extra}
    exec(textwrap.dedent(source), namespace)
    return namespace


def assert_rejected(qid: str, namespace: dict, phrase: str) -> None:
    judging.assert_rejected(NB, qid, namespace, phrase)


def assert_accepted(qid: str, namespace: dict) -> None:
    judging.assert_accepted(NB, qid, namespace)


# --------------------------------------------------------------------------- q1 build_net

RIGHT_BUILD_NET = """
def build_net(trial):
    n_layers = trial.suggest_int("n_layers", 1, 3)
    activation = trial.suggest_categorical("activation", ["relu", "tanh"])
    model = keras.Sequential([keras.Input((64,))])
    for i in range(n_layers):
        model.add(keras.layers.Dense(trial.suggest_int(f"units_{i}", 16, 128, log=True), activation=activation))
    model.add(keras.layers.Dense(10, activation="softmax"))
    learning_rate = trial.suggest_float("learning_rate", 1e-4, 1e-1, log=True)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model
"""

WRONG_BUILD_NETS = {
    "a fixed number of layers": (RIGHT_BUILD_NET.replace('trial.suggest_int("n_layers", 1, 3)', "2"),
                                 "`n_layers` is not asked from the trial"),
    "every width asked, used or not": (RIGHT_BUILD_NET.replace(
        "    for i in range(n_layers):\n",
        "    widths = [trial.suggest_int(f\"units_{i}\", 16, 128, log=True) for i in range(3)]\n    for i in range(n_layers):\n"),
        "ask for a layer's width only when that layer exists"),
    "learning rate asked but not used": (RIGHT_BUILD_NET.replace("keras.optimizers.Adam(learning_rate)", "keras.optimizers.Adam()"),
                                         "not the suggested learning_rate"),
    "learning rate on a linear scale": (RIGHT_BUILD_NET.replace("1e-4, 1e-1, log=True", "1e-4, 1e-1"),
                                        "`learning_rate` should be a float from 0.0001 to 0.1 on a log scale"),
    "activation asked but hard-coded": (RIGHT_BUILD_NET.replace("activation=activation", 'activation="relu"'),
                                        "not the suggested 'tanh'"),
    "SGD instead of Adam": (RIGHT_BUILD_NET.replace("keras.optimizers.Adam(learning_rate)", "keras.optimizers.SGD(learning_rate)"),
                            "the question asks for Adam"),
}


def test_q1_solution_passes():
    assert_accepted("q1_build_net", namespace_from(RIGHT_BUILD_NET))


@pytest.mark.parametrize("name", WRONG_BUILD_NETS)
def test_q1_wrong_answers_fail(name):
    source, phrase = WRONG_BUILD_NETS[name]
    assert source != RIGHT_BUILD_NET
    assert_rejected("q1_build_net", namespace_from(source), phrase)


# --------------------------------------------------------------------------- q2 objective

RIGHT_OBJECTIVE = """
class ReportAndPrune(keras.callbacks.Callback):
    def __init__(self, trial, monitor):
        super().__init__()
        self.trial, self.monitor = trial, monitor

    def on_epoch_end(self, epoch, logs=None):
        self.trial.report(logs[self.monitor], step=epoch)
        if self.trial.should_prune():
            raise optuna.TrialPruned()


def objective(trial):
    model = build_net(trial)
    history = model.fit(X_train, y_train, validation_data=(X_val, y_val), epochs=EPOCHS, batch_size=32, verbose=0,
                        callbacks=[ReportAndPrune(trial, "val_accuracy")])
    return history.history["val_accuracy"][-1]
"""

LESSON_OBJECTIVE = """
from optuna_integration import KerasPruningCallback


def objective(trial):
    model = build_net(trial)
    history = model.fit(X_train, y_train, validation_data=(X_val, y_val), epochs=EPOCHS, batch_size=32, verbose=0,
                        callbacks=[KerasPruningCallback(trial, "val_accuracy")])
    return history.history["val_accuracy"][-1]
"""

WRONG_OBJECTIVES = {
    "the lesson's KerasPruningCallback": (LESSON_OBJECTIVE, "this question asks you to do both yourself"),
    "the lesson's cell with tf.keras's callback": (LESSON_OBJECTIVE.replace(
        "from optuna_integration import KerasPruningCallback", "from optuna_integration import TFKerasPruningCallback").replace(
        "KerasPruningCallback(trial", "TFKerasPruningCallback(trial"), "this question asks you to do both yourself"),
    "a subclass of KerasPruningCallback": (LESSON_OBJECTIVE.replace(
        "\n\ndef objective", "\nclass Mine(KerasPruningCallback):\n    pass\n\n\ndef objective").replace(
        "KerasPruningCallback(trial", "Mine(trial"), "this question asks you to do both yourself"),
    "no pruning callback": (RIGHT_OBJECTIVE.replace('callbacks=[ReportAndPrune(trial, "val_accuracy")]', "callbacks=[]"),
                            "nothing was reported to the trial"),
    "a callback that reports but never asks whether to stop": (RIGHT_OBJECTIVE.replace(
        "        if self.trial.should_prune():\n            raise optuna.TrialPruned()\n", ""), "training went on"),
    "returns the training accuracy": (RIGHT_OBJECTIVE.replace('history.history["val_accuracy"][-1]', 'history.history["accuracy"][-1]'),
                                      "the returned value is not the last epoch's validation accuracy"),
    "reports but never lets the pruner stop": (textwrap.dedent("""
        def objective(trial):
            model = build_net(trial)
            for epoch in range(EPOCHS):
                model.fit(X_train, y_train, validation_data=(X_val, y_val), epochs=1, batch_size=32, verbose=0)
                accuracy = model.evaluate(X_val, y_val, verbose=0)[1]
                trial.report(accuracy, epoch)
            return accuracy
        """), "training went on"),
    "monitors the loss": (RIGHT_OBJECTIVE.replace('ReportAndPrune(trial, "val_accuracy")', 'ReportAndPrune(trial, "val_loss")'),
                          "not each epoch's validation accuracy"),
    "reports and returns the training accuracy": (
        RIGHT_OBJECTIVE.replace('"val_accuracy"', '"accuracy"'), "are the training accuracy, not the validation accuracy"),
    "returns the best epoch, not the last": (
        RIGHT_OBJECTIVE.replace('return history.history["val_accuracy"][-1]', 'return max(history.history["val_accuracy"])'),
        "an earlier epoch's"),
    "trained on a sliver of the data": (RIGHT_OBJECTIVE.replace("model.fit(X_train, y_train,", "model.fit(X_train[:10], y_train[:10],"),
                                        "is it trained on the training data"),
}


def objective_namespace(source: str) -> dict:
    namespace = namespace_from(RIGHT_BUILD_NET)
    exec(textwrap.dedent(source), namespace)
    return namespace


def test_q2_solution_passes():
    assert_accepted("q2_objective", objective_namespace(RIGHT_OBJECTIVE))


OTHER_RIGHT_OBJECTIVES = {
    "evaluates after training": RIGHT_OBJECTIVE.replace('return history.history["val_accuracy"][-1]',
                                                        "return model.evaluate(X_val, y_val, verbose=0)[1]"),
    "an epoch loop that reports and prunes itself": textwrap.dedent("""
        def objective(trial):
            model = build_net(trial)
            for epoch in range(EPOCHS):
                model.fit(X_train, y_train, epochs=1, batch_size=32, verbose=0)
                accuracy = model.evaluate(X_val, y_val, verbose=0)[1]
                trial.report(accuracy, epoch)
                if trial.should_prune():
                    raise optuna.TrialPruned()
            return accuracy
        """),
}


@pytest.mark.parametrize("name", OTHER_RIGHT_OBJECTIVES)
def test_q2_other_right_objectives_pass(name):
    assert_accepted("q2_objective", objective_namespace(OTHER_RIGHT_OBJECTIVES[name]))


def test_q2_check_leaves_keras_fit_and_the_library_callback_as_they_were():
    from optuna_integration import KerasPruningCallback, TFKerasPruningCallback

    fit, own = keras.Model.fit, vars(keras.Model).get("fit")
    callbacks = {c: vars(c)["on_epoch_end"] for c in (KerasPruningCallback, TFKerasPruningCallback)}
    judging.by_check(NB, "q2_objective", objective_namespace(RIGHT_OBJECTIVE))
    assert keras.Model.fit is fit and vars(keras.Model).get("fit") is own
    assert {c: vars(c)["on_epoch_end"] for c in callbacks} == callbacks


@pytest.mark.parametrize("name", WRONG_OBJECTIVES)
def test_q2_wrong_answers_fail(name):
    source, phrase = WRONG_OBJECTIVES[name]
    assert source != RIGHT_OBJECTIVE and (source != LESSON_OBJECTIVE or name == "the lesson's KerasPruningCallback")
    assert_rejected("q2_objective", objective_namespace(source), phrase)


# --------------------------------------------------------------------------- q3 pruning


SEED = 42
RIGHT_PRUNER = {"n_startup_trials": 2, "n_warmup_steps": 0}


def made_up_study(pruner=None, sampler=None, direction="maximize") -> optuna.Study:
    """A study whose trials are known: 2 complete (EPOCHS reports), 2 pruned after 1 epoch, 1 failed.

    Its sampler proposes the parameters (TPE seeded with SEED unless given), as in the exercise;
    the outcome of each trial is scripted, nothing is trained."""
    from optuna.trial import TrialState

    study = optuna.create_study(direction=direction, pruner=pruner or optuna.pruners.MedianPruner(**RIGHT_PRUNER),
                                sampler=sampler or optuna.samplers.TPESampler(seed=SEED))
    curves = [(TrialState.COMPLETE, [0.5, 0.8]), (TrialState.COMPLETE, [0.6, 0.9]), (TrialState.PRUNED, [0.2]),
              (TrialState.PRUNED, [0.1]), (TrialState.FAIL, [])]

    def scripted(trial):
        trial.suggest_float("x", 0, 1)
        trial.suggest_int("n", 1, 3)
        state, curve = curves[trial.number]
        for step, accuracy in enumerate(curve):
            trial.report(accuracy, step)
        if state == TrialState.PRUNED:
            raise optuna.TrialPruned()
        if state == TrialState.FAIL:
            raise RuntimeError("a failed trial")
        return curve[-1]

    optuna.logging.set_verbosity(optuna.logging.ERROR)  # the failed trial is meant; no traceback in the log
    try:
        study.optimize(scripted, n_trials=len(curves), catch=(RuntimeError,))
    finally:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
    return study


def pruning_namespace(pruning, **study) -> dict:
    return {"pruned_study": made_up_study(**study), "EPOCHS": EPOCHS, "N_PRUNE_TRIALS": 5, "SEED": SEED,
            "pruning": pruning}


RIGHT_PRUNING = {"pruned": 2, "epochs_saved": 2}  # 2 pruned trials x 1 epoch not trained

WRONG_PRUNINGS = {
    "counts the failed trial as pruned": ({"pruned": 3, "epochs_saved": 4}, "count the trials whose state is PRUNED"),
    "last step taken as epochs trained (off by one)": ({"pruned": 2, "epochs_saved": 2 * (EPOCHS - 0)},
                                                       "steps count from 0"),
    "every trial's missing epochs, the failed one too": ({"pruned": 2, "epochs_saved": 5 * EPOCHS - 6},
                                                         "count, for each pruned trial"),
    "a float": ({"pruned": 2, "epochs_saved": 2.0}, "whole numbers"),
}


def test_q3_solution_passes():
    assert_accepted("q3_pruning", pruning_namespace(RIGHT_PRUNING))


@pytest.mark.parametrize("name", WRONG_PRUNINGS)
def test_q3_wrong_answers_fail(name):
    value, phrase = WRONG_PRUNINGS[name]
    assert_rejected("q3_pruning", pruning_namespace(value), phrase)


def test_q3_a_study_without_the_median_pruner_fails():
    assert_rejected("q3_pruning", pruning_namespace(RIGHT_PRUNING, pruner=optuna.pruners.NopPruner()), "uses a NopPruner")


WRONG_STUDIES = {
    "direction forgotten (minimizes)": ({"direction": "minimize"}, "minimizes its objective"),
    "unseeded sampler": ({"sampler": optuna.samplers.TPESampler()},
                         "not the ones a TPE sampler seeded with SEED proposes"),
    "sampler seeded with another seed": ({"sampler": optuna.samplers.TPESampler(seed=SEED + 1)},
                                         "not the ones a TPE sampler seeded with SEED proposes"),
    "random search instead of TPE": ({"sampler": optuna.samplers.RandomSampler(seed=SEED)},
                                     "the question asks for a TPE sampler"),
    "the lesson's pruner settings": ({"pruner": optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=1)},
                                     "the question asks for 2 startup trials and no warm-up steps"),
    "a warm-up step too many": ({"pruner": optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=1)},
                                "the question asks for 2 startup trials and no warm-up steps"),
}


@pytest.mark.parametrize("name", WRONG_STUDIES)
def test_q3_a_study_not_run_as_asked_fails(name):
    study, phrase = WRONG_STUDIES[name]
    assert_rejected("q3_pruning", pruning_namespace(RIGHT_PRUNING, **study), phrase)


# --------------------------------------------------------------------------- q4 resume


@pytest.fixture(scope="module")
def first_run(tmp_path_factory) -> tuple[Path, list[dict]]:
    """A SQLite file holding the exercise's first study (2 trials), and those trials' parameters."""
    path = tmp_path_factory.mktemp("first_run") / "exercise.db"
    first = optuna.create_study(direction="maximize", study_name="exercise", storage=f"sqlite:///{path}",
                                sampler=optuna.samplers.TPESampler(seed=0))
    first.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    return path, [t.params for t in first.trials]


@pytest.fixture()
def stored(first_run, tmp_path) -> dict:
    """A private copy of the first study's storage, for one answer to resume."""
    template, first_params = first_run
    shutil.copyfile(template, tmp_path / "exercise.db")
    return {"STORAGE": f"sqlite:///{tmp_path / 'exercise.db'}", "STUDY_NAME": "exercise", "first_params": first_params,
            "quick": lambda t: t.suggest_float("x", 0, 1), "SEED": 0}


def resume_namespace(stored: dict, source: str) -> dict:
    namespace = {"optuna": optuna, **stored}
    exec(textwrap.dedent(source), namespace)
    return namespace


RIGHT_RESUME = """
resumed = optuna.load_study(study_name=STUDY_NAME, storage=STORAGE, sampler=optuna.samplers.TPESampler(seed=SEED + 1))
resumed.optimize(quick, n_trials=2)
"""

WRONG_RESUMES = {
    "a new study in memory with the same name": (
        'resumed = optuna.create_study(direction="maximize", study_name=STUDY_NAME)\nresumed.optimize(quick, n_trials=2)',
        "it is a new study"),
    "a new study in the same storage": (
        'resumed = optuna.create_study(direction="maximize", study_name="exercise-2", storage=STORAGE)\nresumed.optimize(quick, n_trials=2)',
        "do not start a new one"),
    "resumed but no new trials": ('resumed = optuna.load_study(study_name=STUDY_NAME, storage=STORAGE)',
                                  "run 2 more"),
    "resumed with an unseeded sampler": (
        'resumed = optuna.load_study(study_name=STUDY_NAME, storage=STORAGE)\nresumed.optimize(quick, n_trials=2)',
        "not the ones a new sampler seeded with SEED + 1 proposes"),
    "resumed with the first study's seed": (RIGHT_RESUME.replace("seed=SEED + 1", "seed=SEED"),
                                            "not the ones a new sampler seeded with SEED + 1 proposes"),
}


def test_q4_solution_passes(stored):
    assert_accepted("q4_resume", resume_namespace(stored, RIGHT_RESUME))


def test_q4_load_if_exists_passes_too(stored):
    source = ('resumed = optuna.create_study(direction="maximize", study_name=STUDY_NAME, storage=STORAGE, '
              'sampler=optuna.samplers.TPESampler(seed=SEED + 1), load_if_exists=True)\n'
              'resumed.optimize(quick, n_trials=2)')
    assert_accepted("q4_resume", resume_namespace(stored, source))


@pytest.mark.parametrize("name", WRONG_RESUMES)
def test_q4_wrong_answers_fail(stored, name):
    source, phrase = WRONG_RESUMES[name]
    assert_rejected("q4_resume", resume_namespace(stored, source), phrase)


# --------------------------------------------------------------------------- q5 TPE vs random (a function of the histories)
# Each wrong rule is a student's tpe_ahead as they could write it. The public cases (what check shows) catch each
# of them; the hidden cases, drawn afresh by the grader, catch each of them in every draw (tested below).

RIGHT_TPE_AHEAD = """
def tpe_ahead(history, n_trials):
    return all(max(history["TPE"][seed][:n_trials]) > max(history["random"][seed][:n_trials]) for seed in history["TPE"])
"""

OTHER_RIGHT_TPE_AHEADS = {
    # best so far as a running maximum, read at the n-th trial
    "running maximum": """
import numpy as np

def tpe_ahead(history, n_trials):
    best = {name: {seed: np.maximum.accumulate(values)[n_trials - 1] for seed, values in runs.items()}
            for name, runs in history.items()}
    return bool(all(best["TPE"][seed] > best["random"][seed] for seed in best["TPE"]))
""",
    # a table with one row per seed (pandas lines the two columns up by seed)
    "a table by seed": """
import pandas as pd

def tpe_ahead(history, n_trials):
    best = pd.DataFrame({name: {seed: max(values[:n_trials]) for seed, values in runs.items()}
                         for name, runs in history.items()})
    return (best["TPE"] > best["random"]).all()
""",
}

PER_SEED = 'bests = [(max(history["TPE"][s][:n_trials]), max(history["random"][s][:n_trials])) for s in history["TPE"]]'
WRONG_TPE_AHEADS = {
    # best-so-far at another trial count than the one asked
    "best of all trials": 'return all(max(history["TPE"][s]) > max(history["random"][s]) for s in history["TPE"])',
    "one trial more": ('return all(max(history["TPE"][s][:n_trials + 1]) > max(history["random"][s][:n_trials + 1]) '
                       'for s in history["TPE"])'),
    "one trial fewer": ('return all(max(history["TPE"][s][:n_trials - 1]) > max(history["random"][s][:n_trials - 1]) '
                        'for s in history["TPE"])'),
    "the first n_trials counted from 1": ('return all(max(history["TPE"][s][1:n_trials + 1]) > '
                                          'max(history["random"][s][1:n_trials + 1]) for s in history["TPE"])'),
    "TPE's first n_trials against all of random's": ('return all(max(history["TPE"][s][:n_trials]) > '
                                                     'max(history["random"][s]) for s in history["TPE"])'),
    # a trial's value, or the average trial, instead of the best so far
    "mean of the first n_trials values": ('return all(np.mean(history["TPE"][s][:n_trials]) > '
                                          'np.mean(history["random"][s][:n_trials]) for s in history["TPE"])'),
    "the n-th trial's value": 'return all(history["TPE"][s][n_trials - 1] > history["random"][s][n_trials - 1] for s in history["TPE"])',
    "the value at index n_trials": 'return all(history["TPE"][s][n_trials] > history["random"][s][n_trials] for s in history["TPE"])',
    "the last trial's value": 'return all(history["TPE"][s][-1] > history["random"][s][-1] for s in history["TPE"])',
    # a tie, or a lead on some seeds, taken as a win
    "a tie counts": PER_SEED + "\n    return all(t >= r for t, r in bests)",
    "ahead on average": PER_SEED + "\n    return np.mean([t for t, _ in bests]) > np.mean([r for _, r in bests])",
    "ahead on most seeds": PER_SEED + "\n    return sum(t > r for t, r in bests) > len(bests) / 2",
    "ahead on one seed": PER_SEED + "\n    return any(t > r for t, r in bests)",
    "median gain above zero": PER_SEED + "\n    return float(np.median([t - r for t, r in bests])) > 0",
    # seeds paired by their place in the dicts, or not paired at all
    "paired by position": ('return all(max(t[:n_trials]) > max(r[:n_trials]) '
                           'for t, r in zip(history["TPE"].values(), history["random"].values()))'),
    "sorted bests": PER_SEED + "\n    return all(t > r for t, r in zip(sorted(t for t, _ in bests), sorted(r for _, r in bests)))",
    "worst TPE above best random": PER_SEED + "\n    return min(t for t, _ in bests) > max(r for _, r in bests)",
    "best of all seeds": PER_SEED + "\n    return max(t for t, _ in bests) > max(r for _, r in bests)",
    # the mean gain against the spread of the gains, or a t-test over the seeds
    "mean gain above its spread": (PER_SEED + "\n    gains = np.array([t - r for t, r in bests])"
                                   "\n    return gains.mean() > gains.std(ddof=1)"),
    "paired t-test over seeds": (PER_SEED + "\n    from scipy import stats"
                                 "\n    t, p = stats.ttest_rel([t for t, _ in bests], [r for _, r in bests])"
                                 "\n    return bool(t > 0 and p < 0.05)"),
    # a difference either way
    "different on every seed": PER_SEED + "\n    return all(t != r for t, r in bests)",
    # found by a helper that attacked the question without reading its checks: a tie won by whoever got there first
    "a tie won by the sampler that reached it first": (
        'for s in history["TPE"]:'
        '\n        t, r = list(history["TPE"][s][:n_trials]), list(history["random"][s][:n_trials])'
        '\n        if max(t) < max(r) or (max(t) == max(r) and t.index(max(t)) >= r.index(max(r))):'
        '\n            return False'
        '\n    return True'),
}

def tpe_ahead_namespace(body: str) -> dict:
    namespace = {"np": np}
    exec(f"def tpe_ahead(history, n_trials):\n    {body}\n", namespace)
    return namespace


def test_q5_the_solution_and_other_right_rules_pass():
    judging.assert_accepted(NB, "q5_tpe_vs_random", judging.solution_namespace(NB))
    assert_accepted("q5_tpe_vs_random", namespace_from(RIGHT_TPE_AHEAD))
    for source in OTHER_RIGHT_TPE_AHEADS.values():
        assert_accepted("q5_tpe_vs_random", namespace_from(source))


@pytest.mark.parametrize("name", WRONG_TPE_AHEADS)
def test_q5_wrong_rules_fail_in_check_and_in_the_grader(name):
    assert_rejected("q5_tpe_vs_random", tpe_ahead_namespace(WRONG_TPE_AHEADS[name]), "expected ")


@pytest.mark.parametrize("name", WRONG_TPE_AHEADS)
@pytest.mark.parametrize("seed", [0, 1, 2024])
def test_q5_wrong_rules_fail_on_the_hidden_cases_alone(name, seed):
    question = questions_for(NB)["q5_tpe_vs_random"]
    hidden = judging.grading_cases(NB, "q5_tpe_vs_random", seed=seed)[len(question.public):]
    status, message = judging.by_grader(NB, "q5_tpe_vs_random", tpe_ahead_namespace(WRONG_TPE_AHEADS[name]), hidden)
    assert status != PASS, message


@pytest.mark.parametrize("seed", range(20))
def test_q5_every_draw_of_hidden_cases_separates_each_wrong_rule(seed):
    """In every draw there are both decisions, the histories run past n_trials, and each wrong rule decides at
    least one hidden case differently from the rule."""
    cases = questions_for(NB)["q5_tpe_vs_random"].hidden(np.random.default_rng(seed))
    right = namespace_from(RIGHT_TPE_AHEAD)["tpe_ahead"]
    decided = [right(*args) for args, _ in cases]
    assert True in decided and False in decided
    for (history, n_trials), _ in cases:
        assert set(history) == {"TPE", "random"} and set(history["TPE"]) == set(history["random"])
        assert list(history["TPE"]) != list(history["random"])  # the seeds listed in two orders
        assert all(len(values) > n_trials + 1 for runs in history.values() for values in runs.values())
    for name, body in WRONG_TPE_AHEADS.items():
        wrong = tpe_ahead_namespace(body)["tpe_ahead"]
        assert [bool(wrong(*args)) for args, _ in cases] != decided, name


def test_q5_a_run_within_tpes_random_start_cannot_hide_a_wrong_rule():
    """Within its random start TPE draws what random search draws with the same seed (the smoke run: 3 trials,
    both samplers equal on every seed): there, most wrong rules decide as the rule does. check still fails them."""
    same = {seed: [0.9806, 0.9667, 1.0] for seed in (0, 1)}
    history = {"TPE": same, "random": {seed: list(values) for seed, values in same.items()}}
    right = namespace_from(RIGHT_TPE_AHEAD)["tpe_ahead"]
    for name in ("ahead on average", "ahead on most seeds", "ahead on one seed", "best of all trials",
                 "paired by position", "the n-th trial's value"):
        assert tpe_ahead_namespace(WRONG_TPE_AHEADS[name])["tpe_ahead"](history, 3) == right(history, 3) is False
        assert_rejected("q5_tpe_vs_random", tpe_ahead_namespace(WRONG_TPE_AHEADS[name]), "expected ")


# --------------------------------------------------------------------------- set-ups changed, objects that lie
# The grader takes the set-up's facts (EPOCHS, SEED, the storage, the comparison table) from the solution's run:
# ``setup=`` below is that pristine set-up, the namespace the student's changed one. Whatever the student's objects
# say about themselves (an ``__eq__`` that agrees with everything, a class that redefines what Keras or Optuna would
# report) is not believed: they are read as plain data, exact types only.


Anything = equals_anything(float, "Anything")


Yes = equals_anything(int, "Yes")


def test_q1_a_model_class_that_shows_other_layers_fails():
    namespace = namespace_from(RIGHT_BUILD_NET)
    right = namespace["build_net"]

    class Pretending(keras.Sequential):
        shown = None

        @property
        def layers(self):
            return self.shown.layers

    def build_net(trial):
        model = Pretending([keras.Input((64,)), keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        model.shown = right(trial)  # what a reader of `layers` would see: the right network
        return model

    assert_rejected("q1_build_net", {**namespace, "build_net": build_net}, "should return a Keras model, found Pretending")


def test_q1_an_optimizer_that_pretends_to_be_adam_fails():
    source = RIGHT_BUILD_NET.replace("keras.optimizers.Adam(learning_rate)", "Flattering(learning_rate)")

    class Flattering(keras.optimizers.SGD):
        __class__ = keras.optimizers.Adam  # isinstance(..., Adam) says True

    namespace = namespace_from(source, Flattering=Flattering)
    assert isinstance(Flattering(0.1), keras.optimizers.Adam)
    assert_rejected("q1_build_net", namespace, "the question asks for Adam")


def test_q2_the_grader_uses_the_set_ups_epochs():
    namespace = objective_namespace(RIGHT_OBJECTIVE)
    namespace["EPOCHS"] = 1  # the objective reads it: one epoch per trial
    assert judging.by_check(NB, "q2_objective", namespace).status == PASS  # consistent with its own set-up
    status, message = judging.by_grader(NB, "q2_objective", namespace, setup={"EPOCHS": EPOCHS})
    assert status != PASS and "`EPOCHS` is 1 in your notebook" in message, message


def test_q2_a_returned_number_that_lies_fails():
    source = RIGHT_OBJECTIVE.replace('return history.history["val_accuracy"][-1]',
                                     'return Anything(history.history["accuracy"][-1])')
    namespace = objective_namespace(source)
    namespace["Anything"] = Anything
    assert_rejected("q2_objective", namespace, "the returned value is not the last epoch's validation accuracy")


def test_q3_the_grader_uses_the_set_ups_seed_and_epochs():
    pristine = pruning_namespace(RIGHT_PRUNING)
    reseeded = {**pruning_namespace(RIGHT_PRUNING, sampler=optuna.samplers.TPESampler(seed=7)), "SEED": 7}
    assert judging.by_check(NB, "q3_pruning", reseeded).status == PASS
    status, message = judging.by_grader(NB, "q3_pruning", reseeded, setup=pristine)
    assert status != PASS and "not the ones a TPE sampler seeded with SEED proposes" in message, message
    longer = {**pristine, "EPOCHS": EPOCHS + 1, "pruning": {"pruned": 2, "epochs_saved": 2 * EPOCHS}}
    assert judging.by_check(NB, "q3_pruning", longer).status == PASS
    status, message = judging.by_grader(NB, "q3_pruning", longer, setup=pristine)
    assert status != PASS and "'epochs_saved' does not match pruned_study" in message, message


def test_q3_counts_or_a_study_that_lie_fail():
    assert_rejected("q3_pruning", pruning_namespace({"pruned": Yes(0), "epochs_saved": Yes(0)}), "whole numbers")

    class Study(optuna.Study):
        pass

    namespace = pruning_namespace(RIGHT_PRUNING)
    study = namespace["pruned_study"]
    namespace["pruned_study"] = Study(study.study_name, study._storage, study.sampler, study.pruner)
    assert_rejected("q3_pruning", namespace, "pruned_study should be an Optuna study")


def test_q4_the_grader_uses_the_set_ups_seed_and_storage(stored, tmp_path):
    reseeded = resume_namespace({**stored, "SEED": 5}, RIGHT_RESUME)  # resumed with seed 6
    assert judging.by_check(NB, "q4_resume", reseeded).status == PASS
    status, message = judging.by_grader(NB, "q4_resume", reseeded, setup=stored)
    assert status != PASS and "seeded with SEED + 1" in message, message
    elsewhere = f"sqlite:///{tmp_path / 'other.db'}"
    source = ('first = optuna.create_study(direction="maximize", study_name=STUDY_NAME, storage=STORAGE, '
              'sampler=optuna.samplers.TPESampler(seed=SEED))\nfirst.optimize(quick, n_trials=2)\n' + RIGHT_RESUME)
    moved = resume_namespace({**stored, "STORAGE": elsewhere}, source)  # a study of its own, in a storage of its own
    status, message = judging.by_grader(NB, "q4_resume", moved, setup=stored)
    assert status != PASS and "`STORAGE` or `STUDY_NAME` is not what" in message, message


def test_q4_a_study_of_another_class_fails(stored):
    namespace = resume_namespace(stored, RIGHT_RESUME)

    class Study(optuna.Study):
        pass

    study = namespace["resumed"]
    namespace["resumed"] = Study(study.study_name, study._storage, study.sampler, study.pruner)
    assert_rejected("q4_resume", namespace, "resumed should be an Optuna study")


def test_q5_a_decision_that_lies_fails():
    namespace = {"tpe_ahead": lambda history, n_trials: Yes(0), "Yes": Yes}
    assert namespace["tpe_ahead"]({}, 1) == True  # noqa: E712 - it lies
    assert_rejected("q5_tpe_vs_random", namespace, "expected True or False, found a Yes")
