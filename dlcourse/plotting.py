"""Plotting conveniences the lessons reuse after showing the code once in full (lesson 03)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure


def plot_histories(runs: Mapping[str, Mapping[str, Sequence[float]]], metrics: Sequence[str] = ("loss", "accuracy"),
                   *, title: str | None = None, ylim: Mapping[str, tuple[float, float]] | None = None) -> Figure:
    """Training (dashed) and validation (solid) curves of several runs, one panel per metric.

    ``runs`` maps a label to a Keras ``history.history`` dict (or the ``History`` itself).
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(metrics), figsize=(6 * len(metrics), 3.8), squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for label, history in runs.items():
            history = getattr(history, "history", history)
            if metric not in history:
                raise KeyError(f"run {label!r} has no {metric!r}; it has {sorted(history)}")
            epochs = range(1, len(history[metric]) + 1)
            if f"val_{metric}" in history:
                (line,) = ax.plot(epochs, history[f"val_{metric}"], label=label)
                ax.plot(epochs, history[metric], "--", color=line.get_color(), alpha=0.5)
            else:  # trained without validation data: only its (dashed) training curve
                ax.plot(epochs, history[metric], "--", label=f"{label} (training only)")
        ax.set(xlabel="epoch", ylabel=metric, title=f"{metric}: validation (solid), training (dashed)")
        if ylim and metric in ylim:
            ax.set_ylim(*ylim[metric])
        ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
