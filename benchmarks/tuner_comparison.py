"""The equal-budget comparison of lesson 06, outside the notebook, over more seeds.

    python benchmarks/tuner_comparison.py                 # 5 seeds, the lesson's full budget
    python benchmarks/tuner_comparison.py --seeds 0 1

Same data (digits), same search space (dlcourse.tuning.build_digits_model) and same budget
as lesson 06: grid, random and Bayesian search run 12 trials of 9 epochs each (the whole
4 x 3 grid); Hyperband's longest training is
9 epochs. Prints, per method, the best validation accuracy and the epochs it used, and the
epochs it needed to come within 1 point of the grid's best, with the goal's verdict:
"Bayesian and Hyperband reach within 1 point of the grid's best with at most a third of
its epochs". Every number is measured in this run.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import dlcourse

MAX_EPOCHS, N_TRIALS = 9, 12


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    args = parser.parse_args()
    dlcourse.seed_everything(0)
    import pandas as pd
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    from dlcourse.tuning import build_digits_model, equal_budget_comparison, summarize

    x, y = load_digits(return_X_y=True)
    x_dev, _, y_dev, _ = train_test_split(x / 16.0, y, test_size=0.2, stratify=y, random_state=42)  # test set unused
    x_train, x_val, y_train, y_val = train_test_split(x_dev, y_dev, test_size=0.25, stratify=y_dev, random_state=42)

    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        traces = equal_budget_comparison(build_digits_model, (x_train, y_train), (x_val, y_val), epochs_per_trial=MAX_EPOCHS,
                                         max_trials=N_TRIALS, seeds=args.seeds, directory=scratch, progress=False)
    seconds = time.perf_counter() - start
    summary = summarize(traces, reference="grid", tolerance=0.01)
    reach = "epochs to within 0.01 of grid"
    pd.set_option("display.width", 160)
    print(f"seeds {args.seeds}; {MAX_EPOCHS} epochs per trial, {N_TRIALS} trials; {seconds:.0f} s in all\n")
    print(summary.round(4).to_string(index=False))
    print("\nper method, over the seeds (mean, min, max):")
    print(summary.drop(columns="seed").groupby("method", sort=False).agg(["mean", "min", "max"]).round(3).to_string())
    grid_epochs = summary[summary["method"] == "grid"].set_index("seed")["epochs used"]
    print("\ngoal: Bayesian and Hyperband within 1 point of the grid's best with at most a third of its epochs")
    for method in ("bayesian", "hyperband"):
        rows = summary[summary["method"] == method].set_index("seed")
        ok = (rows[reach] <= grid_epochs / 3) & rows[reach].notna()
        print(f"  {method:>9}: held on {int(ok.sum())} of {len(ok)} seeds "
              f"(epochs needed: {rows[reach].tolist()}; a third of the grid's: {(grid_epochs / 3).round(1).tolist()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
