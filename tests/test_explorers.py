"""The explorers: the plain functions behind them, and their widgets driven as a student would.

Setting a slider's value here runs the same observer a browser's slider runs, under
whichever ipywidgets is installed (8 in JupyterLab; CI's Colab step runs this under 7).
The browser test (tests/test_browser.py) moves the real sliders in JupyterLab.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.metrics import (f1_score, mean_absolute_error, mean_squared_error, precision_score,  # noqa: E402
                             r2_score, recall_score)

from dlcourse.explorers import (READOUT_CLASS, gp_step_explorer, gp_step_readout, n_gp_steps,  # noqa: E402
                                outlier_explorer, outlier_figure, outlier_metrics, outlier_readout, show_outlier,
                                show_threshold, threshold_explorer, threshold_figure, threshold_metrics,
                                threshold_readout, with_outlier)

RNG = np.random.default_rng(0)
Y = RNG.integers(0, 2, size=200)
SCORES = np.clip(0.35 * Y + 0.65 * RNG.random(200), 0, 1)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("threshold", [0.0, 0.2, 0.5, 0.8, 1.01])
def test_threshold_metrics_match_scikit_learn(threshold):
    m = threshold_metrics(Y, SCORES, threshold)
    predicted = (SCORES >= threshold).astype(int)
    assert m["tp"] + m["fp"] + m["fn"] + m["tn"] == len(Y)
    assert m["tp"] == int(np.sum((predicted == 1) & (Y == 1)))
    assert np.isclose(m["precision"], precision_score(Y, predicted, zero_division=0))
    assert np.isclose(m["recall"], recall_score(Y, predicted, zero_division=0))
    assert np.isclose(m["f1"], f1_score(Y, predicted, zero_division=0))
    assert np.isclose(m["fpr"], m["fp"] / (m["fp"] + m["tn"]))


def test_a_threshold_above_every_score_predicts_nothing():
    m = threshold_metrics(Y, SCORES, 2.0)
    assert (m["tp"], m["fp"], m["precision"], m["recall"]) == (0, 0, 0.0, 0.0)


def test_threshold_inputs_are_checked_with_a_clear_message():
    with pytest.raises(ValueError, match="200 labels but scores has 3"):
        threshold_metrics(Y, [0.1, 0.2, 0.3], 0.5)
    with pytest.raises(ValueError, match="binary labels 0 and 1"):
        threshold_metrics([0, 1, 2], [0.1, 0.2, 0.3], 0.5)


def test_threshold_figure_marks_the_threshold_on_both_curves():
    fig = threshold_figure(Y, SCORES, 0.4)
    m = threshold_metrics(Y, SCORES, 0.4)
    assert len(fig.axes) == 3
    roc_marker = [line for line in fig.axes[1].lines if line.get_label() == "threshold 0.40"][0]
    pr_marker = [line for line in fig.axes[2].lines if line.get_label() == "threshold 0.40"][0]
    assert np.allclose(roc_marker.get_data(), ([m["fpr"]], [m["recall"]]))
    assert np.allclose(pr_marker.get_data(), ([m["recall"]], [m["precision"]]))
    assert f"precision {m['precision']:.3f}" in fig._suptitle.get_text()


def test_threshold_explorer_has_a_slider_at_the_start_value():
    explorer = threshold_explorer(Y, SCORES, threshold=0.3)
    slider = explorer.controls["threshold"]
    assert type(slider).__name__ == "FloatSlider" and slider.value == 0.3 and (slider.min, slider.max) == (0.0, 1.0)
    assert explorer.box.children[0] is slider


@pytest.mark.parametrize("threshold", [0.1, 0.62, 0.9])
def test_moving_the_threshold_slider_shows_the_functions_numbers(threshold):
    explorer = threshold_explorer(Y, SCORES, threshold=0.5)
    assert explorer.text == threshold_readout(threshold_metrics(Y, SCORES, 0.5))
    explorer.controls["threshold"].value = threshold
    m = threshold_metrics(Y, SCORES, threshold)
    assert explorer.text == threshold_readout(m)
    assert f"precision {m['precision']:.3f}, recall {m['recall']:.3f}" in explorer.text
    assert READOUT_CLASS in explorer.readout.value


def test_static_versions_print_the_same_numbers(capsys):
    show_threshold(Y, SCORES, 0.4)
    show_outlier(Y_TRUE, Y_PRED, 3.0)
    printed = capsys.readouterr().out.splitlines()
    assert printed == [threshold_readout(threshold_metrics(Y, SCORES, 0.4)),
                       outlier_readout(outlier_metrics(Y_TRUE, Y_PRED, 3.0))]


Y_TRUE = np.array([10.0, 20.0, 30.0, 40.0])
Y_PRED = np.array([12.0, 18.0, 30.0, 41.0])


@pytest.mark.parametrize("index, expected", [(0, 17.0), (1, 13.0), (2, 35.0)])
def test_an_outlier_moves_away_from_the_truth_by_exactly_its_size(index, expected):
    moved = with_outlier(Y_TRUE, Y_PRED, 5.0, index)
    assert moved[index] == expected
    assert np.abs(moved - Y_TRUE)[index] == np.abs(Y_PRED - Y_TRUE)[index] + 5.0
    assert np.array_equal(np.delete(moved, index), np.delete(Y_PRED, index))


def test_outlier_inputs_are_checked():
    with pytest.raises(IndexError, match="outside the 4 predictions"):
        with_outlier(Y_TRUE, Y_PRED, 1.0, index=9)
    with pytest.raises(ValueError, match="0 or more"):
        with_outlier(Y_TRUE, Y_PRED, -1.0)
    with pytest.raises(ValueError, match="must match"):
        with_outlier(Y_TRUE, Y_PRED[:3], 1.0)


def test_outlier_metrics_match_scikit_learn_and_the_square_law():
    clean = outlier_metrics(Y_TRUE, Y_PRED, 0.0)
    assert np.isclose(clean["mae"], mean_absolute_error(Y_TRUE, Y_PRED))
    assert np.isclose(clean["mse"], mean_squared_error(Y_TRUE, Y_PRED))
    assert np.isclose(clean["r2"], r2_score(Y_TRUE, Y_PRED))
    spoiled = outlier_metrics(Y_TRUE, Y_PRED, 10.0, index=0)  # error 2 -> 12
    assert np.isclose(spoiled["mae"] - clean["mae"], 10.0 / 4)
    assert np.isclose(spoiled["mse"] - clean["mse"], (12.0 ** 2 - 2.0 ** 2) / 4)
    assert np.isclose(spoiled["rmse"], np.sqrt(spoiled["mse"]))


def test_outlier_figure_and_explorer():
    fig = outlier_figure(Y_TRUE, Y_PRED, 10.0)
    assert len(fig.axes) == 2 and "outlier 10" in fig._suptitle.get_text()
    explorer = outlier_explorer(Y_TRUE, Y_PRED, max_size=50.0)
    slider = explorer.controls["outlier"]
    assert (slider.value, slider.max) == (0.0, 50.0)
    assert explorer.text == outlier_readout(outlier_metrics(Y_TRUE, Y_PRED, 0.0))
    slider.value = 20.0
    assert explorer.text == outlier_readout(outlier_metrics(Y_TRUE, Y_PRED, 20.0))
    assert "outlier 20: MAE" in explorer.text


def test_gp_step_explorer_steps_through_the_run():
    from skopt import gp_minimize

    result = gp_minimize(lambda x: (x[0] - 0.3) ** 2, [(0.0, 1.0)], n_calls=7, n_initial_points=4, random_state=0)
    explorer = gp_step_explorer(result)
    slider = explorer.controls["step"]
    assert (slider.min, slider.max) == (0, n_gp_steps(result) - 1)
    assert explorer.text.startswith("step 0: after 4 evaluations")
    slider.value = 2
    assert explorer.text == gp_step_readout(result, 2)
    assert f"next point x = {result.x_iters[6][0]:.4g}" in explorer.text
    slider.value = slider.max
    assert explorer.text.endswith("no next point (the run ended)")
