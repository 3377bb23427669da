"""dlcourse.tuning (the equal-budget comparison), the GP step explorer and plot_histories."""

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from dlcourse.tuning import make_tuner, summarize, trace, trial_epochs  # noqa: E402


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


def test_summarize_finds_when_each_method_came_within_tolerance_of_the_grid():
    rows = []
    for method, epochs, best in [("grid", [9, 18, 27], [0.80, 0.90, 0.95]), ("hyperband", [2, 4, 10], [0.85, 0.945, 0.96]),
                                 ("random", [9, 18, 27], [0.5, 0.6, 0.7])]:
        rows += [{"method": method, "seed": 0, "epochs": e, "best so far": b} for e, b in zip(epochs, best)]
    summary = summarize(pd.DataFrame(rows), tolerance=0.01).set_index("method")
    column = "epochs to within 0.01 of grid"
    assert summary.loc["grid", column] == 27 and summary.loc["hyperband", column] == 4
    assert np.isnan(summary.loc["random", column])
    assert summary.loc["hyperband", "best score"] == 0.96 and summary.loc["hyperband", "epochs used"] == 10


def test_unknown_method_is_refused(tmp_path):
    with pytest.raises(ValueError, match="choose from grid, random, bayesian, hyperband"):
        make_tuner("annealing", lambda hp: None, max_trials=1, max_epochs=1, seed=0, directory=tmp_path, project="x")


def test_equal_budget_comparison_runs_every_method_for_real(tmp_path):
    import keras

    from dlcourse.tuning import equal_budget_comparison

    def build_model(hp):
        units = hp.Choice("units", [4, 8])
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(units, activation="relu"),
                                  keras.layers.Dense(2, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    rng = np.random.default_rng(0)
    x, y = rng.random((60, 3)), rng.integers(0, 2, 60)
    traces = equal_budget_comparison(build_model, (x[:40], y[:40]), (x[40:], y[40:]), epochs_per_trial=1,
                                     max_trials=2, seeds=[0], directory=tmp_path, progress=False)
    assert set(traces["method"]) == {"grid", "random", "bayesian", "hyperband"}
    grid = traces[traces["method"] == "grid"]
    assert grid["epochs"].tolist() == [1, 2]  # 2 trials of 1 epoch each
    assert not any(tmp_path.iterdir())  # the tuners' files were cleaned up


def test_gp_step_figure_and_explorer():
    from skopt import gp_minimize

    from dlcourse.explorers import gp_step_explorer, gp_step_figure, n_gp_steps

    result = gp_minimize(lambda p: (p[0] - 0.3) ** 2, [(-1.0, 1.0)], n_calls=10, n_initial_points=3, random_state=0)
    assert n_gp_steps(result) == 8
    fig = gp_step_figure(result, 2, objective=lambda p: (p[0] - 0.3) ** 2)
    assert fig.axes[0].get_title() == "after 5 evaluations"
    assert result.models[2].X_train_.shape[0] == 5  # the model of step 2 saw 5 points ...
    observations = [line for line in fig.axes[0].lines if line.get_label() == "Observations"][0]
    assert len(observations.get_xdata()) == 5  # ... and the figure shows all 5
    with pytest.raises(ValueError, match="between 0 and 7"):
        gp_step_figure(result, 8)
    assert gp_step_explorer(result).widget.children[0].max == 7
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
