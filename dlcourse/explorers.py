"""Interactive explorers for lessons 01 and 02, each backed by plain functions.

Every explorer is a slider around a plain function. The notebook calls the plain
``show_*`` function once with a fixed value, so the figure is there when the notebook
is executed without a browser (tests, GitHub's static view); the ``*_explorer``
version adds the slider, a line of numbers (the ``*_readout`` text of the plain
function's values, so the numbers can be read and copied, not only seen in the figure)
and the figure, redrawn together. Only widgets that exist in ipywidgets 7 (Colab) and
8 (JupyterLab 4) are used: sliders, ``HTML``, ``VBox`` and ``interactive_output``.
The metrics themselves are computed with scikit-learn, as the lessons show first.
"""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

READOUT_CLASS = "dlcourse-readout"  # the CSS class of an explorer's line of numbers (the browser test reads it)
# Set (to 1) where no widget frontend will ever show the output, e.g. by `dlcourse site`: each explorer then
# draws its figure and numbers once, at the slider's starting value, with a note, instead of a dead control.
STATIC_ENV = "DLCOURSE_STATIC_EXPLORERS"


def static_explorers() -> bool:
    """True when explorers are drawn once as a picture (``DLCOURSE_STATIC_EXPLORERS`` is set)."""
    return os.environ.get(STATIC_ENV, "").strip() not in ("", "0")


class Explorer:
    """Controls, a line of numbers and a figure, redrawn together when a control moves.

    ``controls`` maps each argument of ``draw`` to its widget; ``draw(**values)`` draws the
    figure and returns the text of the numbers it shows. The explorer displays itself.
    """

    def __init__(self, name: str, controls: Mapping[str, Any], draw: Callable[..., str]):
        from IPython.display import display
        from ipywidgets import HTML, VBox, interactive_output

        self.name, self.controls, self._draw = name, dict(controls), draw
        if static_explorers():
            values = {key: control.value for key, control in self.controls.items()}
            self.readout, self._text = None, draw(**values)
            at = ", ".join(f"{key} {value:g}" for key, value in values.items())
            print(f"{self._text}\n(A picture of the {name} at {at}: run the notebook to move the slider.)")
            return
        self.readout = HTML()
        self.output = interactive_output(self._update, self.controls)
        self.box = VBox([*self.controls.values(), self.readout, self.output])
        display(self.box)

    def _update(self, **values: Any) -> None:
        text = self._draw(**values)
        self.readout.value = f'<pre class="{READOUT_CLASS}">{html.escape(text)}</pre>'

    @property
    def text(self) -> str:
        """The numbers the explorer shows now, as plain text."""
        if self.readout is None:  # drawn once, as a picture
            return self._text
        value = self.readout.value
        return html.unescape(value[value.index(">") + 1: value.rindex("</pre>")]) if value else ""

    def __repr__(self) -> str:
        return f"<{self.name}: move the slider above>"

# --------------------------------------------------------------------------- thresholds


def _binary_inputs(y_true, scores) -> tuple[np.ndarray, np.ndarray]:
    y_true = np.asarray(y_true).ravel()
    scores = np.asarray(scores, dtype=float).ravel()
    if y_true.shape != scores.shape:
        raise ValueError(f"y_true has {y_true.size} labels but scores has {scores.size} values; they must match")
    if not set(np.unique(y_true)) <= {0, 1}:
        raise ValueError(f"y_true must hold binary labels 0 and 1, found {np.unique(y_true)[:5]}")
    return y_true.astype(int), scores


def threshold_metrics(y_true, scores, threshold: float) -> dict[str, float]:
    """Confusion counts and metrics when ``score >= threshold`` is predicted positive."""
    from sklearn.metrics import confusion_matrix, f1_score, precision_score, recall_score

    y_true, scores = _binary_inputs(y_true, scores)
    y_pred = (scores >= threshold).astype(int)
    tn, fp, fn, tp = confusion_matrix(y_true, y_pred, labels=[0, 1]).ravel()
    return {
        "threshold": float(threshold),
        "tp": int(tp), "fp": int(fp), "fn": int(fn), "tn": int(tn),
        "precision": float(precision_score(y_true, y_pred, zero_division=0)),
        "recall": float(recall_score(y_true, y_pred, zero_division=0)),
        "f1": float(f1_score(y_true, y_pred, zero_division=0)),
        "fpr": float(fp / (fp + tn)) if fp + tn else 0.0,
    }


def threshold_figure(y_true, scores, threshold: float, *, labels=("negative", "positive")) -> Figure:
    """Confusion matrix, ROC curve and precision-recall curve, with the threshold marked."""
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay, PrecisionRecallDisplay, RocCurveDisplay

    y_true, scores = _binary_inputs(y_true, scores)
    m = threshold_metrics(y_true, scores, threshold)
    fig, (ax_cm, ax_roc, ax_pr) = plt.subplots(1, 3, figsize=(14, 4.2))
    ConfusionMatrixDisplay.from_predictions(
        y_true, (scores >= threshold).astype(int), labels=[0, 1], display_labels=list(labels),
        ax=ax_cm, colorbar=False,
    )
    ax_cm.set_title(f"Confusion matrix at threshold {threshold:.2f}")
    RocCurveDisplay.from_predictions(y_true, scores, name="model", ax=ax_roc)
    ax_roc.plot([m["fpr"]], [m["recall"]], "o", color="crimson", markersize=10, label=f"threshold {threshold:.2f}")
    ax_roc.legend(loc="lower right")
    ax_roc.set_title("ROC curve")
    PrecisionRecallDisplay.from_predictions(y_true, scores, name="model", ax=ax_pr)
    ax_pr.plot([m["recall"]], [m["precision"]], "o", color="crimson", markersize=10, label=f"threshold {threshold:.2f}")
    ax_pr.legend(loc="lower left")
    ax_pr.set_title("Precision-recall curve")
    fig.suptitle(f"threshold {threshold:.2f}:  precision {m['precision']:.3f}   recall {m['recall']:.3f}   "
                 f"F1 {m['f1']:.3f}   false positive rate {m['fpr']:.3f}")
    fig.tight_layout()
    return fig


def threshold_readout(metrics: Mapping[str, float]) -> str:
    """One line with the numbers of :func:`threshold_metrics`."""
    m = metrics
    return (f"threshold {m['threshold']:.2f}: precision {m['precision']:.3f}, recall {m['recall']:.3f}, "
            f"F1 {m['f1']:.3f}, false positive rate {m['fpr']:.3f} "
            f"(TP {m['tp']}, FP {m['fp']}, FN {m['fn']}, TN {m['tn']})")


def _draw_threshold(y_true, scores, threshold: float = 0.5, *, labels=("negative", "positive")) -> str:
    """Show :func:`threshold_figure` and return the line of numbers it is about."""
    import matplotlib.pyplot as plt

    threshold_figure(y_true, scores, threshold, labels=labels)
    plt.show()
    return threshold_readout(threshold_metrics(y_true, scores, threshold))


def show_threshold(y_true, scores, threshold: float = 0.5, *, labels=("negative", "positive")) -> None:
    """Draw :func:`threshold_figure` and print its numbers (the static version of the explorer)."""
    print(_draw_threshold(y_true, scores, threshold, labels=labels))


def threshold_explorer(y_true, scores, threshold: float = 0.5, *, labels=("negative", "positive")) -> Explorer:
    """A slider that moves the decision threshold and redraws :func:`threshold_figure`."""
    from ipywidgets import FloatSlider

    y_true, scores = _binary_inputs(y_true, scores)
    slider = FloatSlider(value=threshold, min=0.0, max=1.0, step=0.01, description="threshold",
                         continuous_update=False, readout_format=".2f")
    return Explorer("threshold explorer", {"threshold": slider},
                    lambda threshold: _draw_threshold(y_true, scores, threshold, labels=labels))


# --------------------------------------------------------------------------- outliers


def with_outlier(y_true, y_pred, outlier_size: float, index: int = 0) -> np.ndarray:
    """A copy of ``y_pred`` whose prediction at ``index`` is ``outlier_size`` further from the truth.

    The prediction moves away from ``y_true[index]`` in the direction it already errs (up if it
    is exact), so its absolute error grows by exactly ``outlier_size``.
    """
    y_true = np.asarray(y_true, dtype=float).ravel()
    y_pred = np.array(y_pred, dtype=float).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has {y_true.size} values but y_pred has {y_pred.size}; they must match")
    if not 0 <= index < y_pred.size:
        raise IndexError(f"index {index} is outside the {y_pred.size} predictions")
    if outlier_size < 0:
        raise ValueError(f"outlier_size must be 0 or more, got {outlier_size}")
    direction = 1.0 if y_pred[index] >= y_true[index] else -1.0
    y_pred[index] += direction * outlier_size
    return y_pred


def outlier_metrics(y_true, y_pred, outlier_size: float, index: int = 0) -> dict[str, float]:
    """MAE, MSE, RMSE and R² after one prediction's error grows by ``outlier_size``."""
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    y_true = np.asarray(y_true, dtype=float).ravel()
    moved = with_outlier(y_true, y_pred, outlier_size, index)
    mse = float(mean_squared_error(y_true, moved))
    return {"outlier_size": float(outlier_size), "mae": float(mean_absolute_error(y_true, moved)),
            "mse": mse, "rmse": float(np.sqrt(mse)), "r2": float(r2_score(y_true, moved))}


def outlier_figure(y_true, y_pred, outlier_size: float, *, max_size: float | None = None, index: int = 0) -> Figure:
    """Each metric as the outlier grows, relative to no outlier, with the chosen size marked."""
    import matplotlib.pyplot as plt

    y_true = np.asarray(y_true, dtype=float).ravel()
    if max_size is None:
        max_size = float(max(abs(outlier_size), 10 * np.std(y_true))) or 1.0
    sizes = np.linspace(0, max_size, 60)
    rows = [outlier_metrics(y_true, y_pred, s, index) for s in sizes]
    base = rows[0]
    now = outlier_metrics(y_true, y_pred, outlier_size, index)
    fig, (ax_rel, ax_r2) = plt.subplots(1, 2, figsize=(12, 4))
    for key, style in (("mae", "-"), ("rmse", "--"), ("mse", ":")):
        ax_rel.plot(sizes, [r[key] / base[key] for r in rows], style, label=key.upper())
    ax_rel.axvline(outlier_size, color="crimson", lw=1)
    ax_rel.set(xlabel="error added to one prediction", ylabel="metric / metric without the outlier",
               title=f"One bad prediction among {y_true.size}")
    ax_rel.legend()
    ax_r2.plot(sizes, [r["r2"] for r in rows])
    ax_r2.axvline(outlier_size, color="crimson", lw=1)
    ax_r2.axhline(0, color="grey", lw=0.8)
    ax_r2.set(xlabel="error added to one prediction", ylabel="R²", title="R² (0 = no better than the mean)")
    fig.suptitle(f"outlier {outlier_size:g}:  MAE {now['mae']:.2f} ({now['mae'] / base['mae']:.2f}×)   "
                 f"RMSE {now['rmse']:.2f} ({now['rmse'] / base['rmse']:.2f}×)   "
                 f"MSE {now['mse']:.0f} ({now['mse'] / base['mse']:.2f}×)   R² {now['r2']:.3f}")
    fig.tight_layout()
    return fig


def outlier_readout(metrics: Mapping[str, float]) -> str:
    """One line with the numbers of :func:`outlier_metrics`."""
    m = metrics
    return (f"outlier {m['outlier_size']:.4g}: MAE {m['mae']:.4g}, MSE {m['mse']:.4g}, "
            f"RMSE {m['rmse']:.4g}, R² {m['r2']:.4f}")


def _draw_outlier(y_true, y_pred, outlier_size: float, *, max_size: float | None = None, index: int = 0) -> str:
    """Show :func:`outlier_figure` and return the line of numbers it is about."""
    import matplotlib.pyplot as plt

    outlier_figure(y_true, y_pred, outlier_size, max_size=max_size, index=index)
    plt.show()
    return outlier_readout(outlier_metrics(y_true, y_pred, outlier_size, index))


def show_outlier(y_true, y_pred, outlier_size: float, *, max_size: float | None = None, index: int = 0) -> None:
    """Draw :func:`outlier_figure` and print its numbers (the static version of the explorer)."""
    print(_draw_outlier(y_true, y_pred, outlier_size, max_size=max_size, index=index))


def outlier_explorer(y_true, y_pred, *, max_size: float | None = None, index: int = 0) -> Explorer:
    """A slider that sets the size of one outlier and redraws :func:`outlier_figure`."""
    from ipywidgets import FloatSlider

    y_true = np.asarray(y_true, dtype=float).ravel()
    if max_size is None:
        max_size = float(10 * np.std(y_true)) or 1.0
    slider = FloatSlider(value=0.0, min=0.0, max=max_size, step=max_size / 100, description="outlier",
                         continuous_update=False)
    return Explorer("outlier explorer", {"outlier": slider},
                    lambda outlier: _draw_outlier(y_true, y_pred, outlier, max_size=max_size, index=index))


# --------------------------------------------------------------------------- Bayesian optimization


def n_gp_steps(result) -> int:
    """How many surrogate models a ``gp_minimize`` result holds (one per step after the first points)."""
    return len(result.models)


def _aligned(result):
    """A copy of a ``gp_minimize`` result whose plots show exactly the points each model saw.

    The surrogate stored as ``models[i]`` was fitted on ``n_initial + i`` points, but
    scikit-optimize 0.10's ``plot_gaussian_process`` guesses the number of initial points
    as ``len(x_iters) - len(models)``, one too few: it then hides one observation and
    computes the acquisition from the wrong best value. Telling it the true number fixes both.
    """
    import copy

    fixed = copy.copy(result)
    n_initial = len(result.x_iters) - len(result.models) + 1
    specs = dict(getattr(result, "specs", None) or {})
    specs["args"] = {**specs.get("args", {}), "n_random_starts": n_initial}
    fixed.specs = specs
    return fixed


def plot_gp_step(result, step: int, objective=None, *, ax=None, legend: bool = True):
    """Draw step ``step`` of a 1-D ``gp_minimize`` run on ``ax``: surrogate, acquisition, next point."""
    from skopt.plots import plot_gaussian_process

    if not 0 <= step < n_gp_steps(result):
        raise ValueError(f"step must be between 0 and {n_gp_steps(result) - 1}, got {step}")
    ax = plot_gaussian_process(_aligned(result), ax=ax, n_calls=step, objective=objective, show_next_point=True,
                               show_acq_func=True, show_title=False, show_legend=legend)
    n_seen = len(result.x_iters) - n_gp_steps(result) + 1 + step
    ax.set_title(f"after {n_seen} evaluations")
    return ax


def gp_step_figure(result, step: int, objective=None) -> Figure:
    """The surrogate (mean and uncertainty), the acquisition function and the next point at ``step``."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4))
    plot_gp_step(result, step, objective, ax=ax)
    fig.tight_layout()
    return fig


def gp_step_readout(result, step: int) -> str:
    """One line: how many points the surrogate of ``step`` saw, the best of them, and the next point."""
    n_seen = len(result.x_iters) - n_gp_steps(result) + 1 + step
    seen = np.asarray(result.func_vals[:n_seen], dtype=float)
    best = int(np.argmin(seen))
    following = (f"next point x = {result.x_iters[n_seen][0]:.4g}" if n_seen < len(result.x_iters)
                 else "no next point (the run ended)")
    return (f"step {step}: after {n_seen} evaluations, best {seen[best]:.4g} at x = {result.x_iters[best][0]:.4g}; "
            f"{following}")


def _draw_gp_step(result, step: int, objective=None) -> str:
    """Show :func:`gp_step_figure` and return the line of numbers it is about."""
    import matplotlib.pyplot as plt

    gp_step_figure(result, step, objective)
    plt.show()
    return gp_step_readout(result, step)


def show_gp_step(result, step: int, objective=None) -> None:
    """Draw :func:`gp_step_figure` and print its numbers (the static version of the explorer)."""
    print(_draw_gp_step(result, step, objective))


def gp_step_explorer(result, objective=None) -> Explorer:
    """A slider that steps through the iterations of a ``gp_minimize`` run."""
    from ipywidgets import IntSlider

    slider = IntSlider(value=0, min=0, max=n_gp_steps(result) - 1, description="step", continuous_update=False)
    return Explorer("step explorer", {"step": slider}, lambda step: _draw_gp_step(result, step, objective))
