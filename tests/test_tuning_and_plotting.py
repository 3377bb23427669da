"""dlcourse.tuning (lesson 06's space, reading a search's records), the GP step explorer and plot_histories."""

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dlcourse.tuning import trace, trial_epochs  # noqa: E402


def _trial(score, **values):
    return SimpleNamespace(score=score, hyperparameters=SimpleNamespace(values=values))


def test_trial_epochs_counts_only_what_a_resumed_hyperband_trial_trained():
    assert trial_epochs(_trial(0.5, units=16), epochs_per_trial=9) == 9
    assert trial_epochs(_trial(0.5, **{"tuner/epochs": 9, "tuner/initial_epoch": 3}), epochs_per_trial=9) == 6
    assert trial_epochs(_trial(0.5, **{"tuner/epochs": 3}), epochs_per_trial=9) == 3


def test_trace_accumulates_epochs_and_best_score_in_trial_order_and_skips_failures():
    trials = {"0001": _trial(0.9, units=32), "0000": _trial(0.7, units=16), "0002": _trial(None, units=64),
              "0003": _trial(0.8, units=128)}
    tuner = SimpleNamespace(oracle=SimpleNamespace(trials=trials))
    table = trace(tuner, "grid", epochs_per_trial=5, seed=1)
    assert table["trial"].tolist() == ["0000", "0001", "0003"]
    assert table["epochs"].tolist() == [5, 10, 15]
    assert table["best so far"].tolist() == [0.7, 0.9, 0.9]
    assert table["hyperparameters"].iloc[0] == {"units": 16}


def test_trace_keeps_hyperbands_bracket_and_round_and_counts_only_resumed_epochs():
    trials = {"0000": _trial(0.5, **{"units": 16, "tuner/epochs": 3, "tuner/initial_epoch": 0, "tuner/bracket": 1, "tuner/round": 0}),
              "0001": _trial(0.6, **{"units": 16, "tuner/epochs": 9, "tuner/initial_epoch": 3, "tuner/bracket": 1, "tuner/round": 1})}
    table = trace(SimpleNamespace(oracle=SimpleNamespace(trials=trials)), "hyperband", epochs_per_trial=9)
    assert table["epochs trained"].tolist() == [3, 6] and table["epochs"].tolist() == [3, 9]
    assert table["bracket"].tolist() == [1, 1] and table["round"].tolist() == [0, 1]
    assert table["hyperparameters"].iloc[1] == {"units": 16}


def test_the_lesson_space_is_continuous_in_three_dimensions_and_its_grid_has_27_points():
    import keras_tuner as kt

    from dlcourse.tuning import build_digits_model

    hp = kt.HyperParameters()
    model = build_digits_model(hp)
    declared = {p.name: p for p in hp.space}
    assert set(declared) == {"units", "learning_rate", "dropout"}
    assert (declared["units"].min_value, declared["units"].max_value, declared["units"].sampling) == (16, 256, "log")
    assert declared["learning_rate"].step is None and declared["learning_rate"].sampling == "log"
    assert declared["dropout"].step is None
    assert any(type(layer).__name__ == "Dropout" for layer in model.layers)
    grid = kt.HyperParameters()
    build_digits_model(grid, grid=True)
    assert np.prod([len(p.values) for p in grid.space]) == 27


def test_gp_step_figure_and_explorer():
    from skopt import gp_minimize

    from dlcourse.explorers import gp_step_explorer, gp_step_figure, n_gp_steps

    # 3 random points, then a surrogate after each of the 4 next ones: every check below needs no more
    result = gp_minimize(lambda p: (p[0] - 0.3) ** 2, [(-1.0, 1.0)], n_calls=6, n_initial_points=3, random_state=0)
    assert n_gp_steps(result) == 4
    fig = gp_step_figure(result, 2, objective=lambda p: (p[0] - 0.3) ** 2)
    assert fig.axes[0].get_title() == "after 5 evaluations"
    assert result.models[2].X_train_.shape[0] == 5  # the model of step 2 saw 5 points ...
    observations = [line for line in fig.axes[0].lines if line.get_label() == "Observations"][0]
    assert len(observations.get_xdata()) == 5  # ... and the figure shows all 5
    with pytest.raises(ValueError, match="between 0 and 3"):
        gp_step_figure(result, 4)
    assert gp_step_explorer(result).controls["step"].max == 3
    plt.close("all")


def test_plot_histories_draws_validation_and_training_and_names_a_missing_metric():
    from dlcourse.plotting import plot_histories

    runs = {"a": {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}, "b": {"loss": [0.9, 0.4], "val_loss": [1.0, 0.8]}}
    fig = plot_histories(runs, metrics=("loss",))
    assert len(fig.axes[0].lines) == 4
    with pytest.raises(KeyError, match="has no 'accuracy'"):
        plot_histories(runs, metrics=("accuracy",))
    plt.close("all")


def test_plot_histories_marks_a_run_without_validation_data():
    from dlcourse.plotting import plot_histories

    fig = plot_histories({"a": {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}, "final": {"loss": [0.9, 0.4]}}, metrics=("loss",))
    lines = fig.axes[0].lines
    assert len(lines) == 3
    assert lines[-1].get_label() == "final (training only)" and lines[-1].get_linestyle() == "--"
    plt.close("all")
