"""Guard for lesson 06: on the lesson's search space, keras-tuner's Hyperband runs every bracket.

The oracle is driven directly (no training: each trial gets a random score), so this takes
about a second. It pins what the lesson prints beside Li et al.'s table for max_epochs 9,
factor 3, and shows why the space must be large: on a 12-point space (the lesson's old one)
the oracle runs out of new candidates and never starts the later brackets.
"""

from collections import Counter

import numpy as np
import pytest

kt = pytest.importorskip("keras_tuner")

from dlcourse.tuning import build_digits_model  # noqa: E402


def run_oracle(build_model, tmp_path, max_epochs=9, factor=3):
    """(bracket, round) -> (trials, epochs really trained), for one Hyperband iteration."""
    hp = kt.HyperParameters()
    build_model(hp)
    oracle = kt.oracles.HyperbandOracle(objective=kt.Objective("val_accuracy", "max"), max_epochs=max_epochs,
                                        factor=factor, hyperband_iterations=1, seed=0, hyperparameters=hp)
    oracle._set_project_dir(str(tmp_path), "hyperband")
    rng = np.random.default_rng(0)
    trials, epochs = Counter(), Counter()
    for _ in range(200):
        trial = oracle.create_trial("tuner0")
        if trial.status == "STOPPED":
            break
        values = trial.hyperparameters.values
        key = (values["tuner/bracket"], values["tuner/round"])
        trials[key] += 1
        epochs[key] += values["tuner/epochs"] - values["tuner/initial_epoch"]
        oracle.update_trial(trial.trial_id, {"val_accuracy": float(rng.random())})
        trial.status = "COMPLETED"
        oracle.end_trial(trial)
    return {key: (trials[key], epochs[key]) for key in trials}


def test_hyperband_runs_every_bracket_on_the_lessons_space(tmp_path):
    ran = run_oracle(build_digits_model, tmp_path)
    # Li et al.: bracket 2 = 9, 3, 1 candidates; bracket 1 = 5, 1; bracket 0 = 3. keras-tuner rounds
    # the round sizes up, so bracket 1 keeps 2 of its 5 (the lesson says so).
    assert {key: n for key, (n, _) in ran.items()} == {(2, 0): 9, (2, 1): 3, (2, 2): 1, (1, 0): 5, (1, 1): 2, (0, 0): 3}
    # Survivors resume from their checkpoints: only the extra epochs are trained.
    assert {key: e for key, (_, e) in ran.items()} == {(2, 0): 9, (2, 1): 6, (2, 2): 6, (1, 0): 15, (1, 1): 12, (0, 0): 27}
    assert sum(e for _, e in ran.values()) == 75 <= 27 * 9 / 3  # fits in a third of the grid's 243 epochs


def test_a_twelve_point_space_starves_the_later_brackets(tmp_path):
    import keras

    def twelve_points(hp):
        hp.Choice("units", [16, 32, 64])
        hp.Choice("learning_rate", [1e-4, 1e-3, 1e-2, 1e-1])
        return keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])

    ran = run_oracle(twelve_points, tmp_path)
    assert (0, 0) not in ran and sum(n for key, (n, _) in ran.items() if key[1] == 0) <= 12
