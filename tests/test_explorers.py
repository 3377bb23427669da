"""The plain functions behind the threshold and outlier explorers."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from sklearn.metrics import (f1_score, mean_absolute_error, mean_squared_error, precision_score,  # noqa: E402
                             r2_score, recall_score)

from dlcourse.explorers import (outlier_explorer, outlier_figure, outlier_metrics, threshold_explorer,  # noqa: E402
                                threshold_figure, threshold_metrics, with_outlier)

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
    widget = threshold_explorer(Y, SCORES, threshold=0.3)
    slider = widget.widget.children[0]
    assert type(slider).__name__ == "FloatSlider" and slider.value == 0.3 and (slider.min, slider.max) == (0.0, 1.0)


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
    slider = outlier_explorer(Y_TRUE, Y_PRED, max_size=50.0).widget.children[0]
    assert (slider.value, slider.max) == (0.0, 50.0)
