"""Time ``dlcourse grade`` on copies of a solution (each must get every automatic point).

    python benchmarks/grading_time.py                       # 30 copies of solution 01, --jobs 2
    python benchmarks/grading_time.py --notebook 09_cifar10_project --copies 2 --jobs 1
    python benchmarks/grading_time.py --all --copies 1      # every solution once: full marks?

Prints the wall time of the whole run (reference cases included) and per submission,
and the points each copy got out of the automatic maximum. Measured, never asserted.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import tempfile
import time
from pathlib import Path

from dlcourse.checking import WrittenQuestion, questions_for
from dlcourse.cli import main as dlcourse_main

ROOT = Path(__file__).resolve().parents[1]


def grade_copies(name: str, copies: int, jobs: int) -> tuple[float, list[float], float]:
    automatic = sum(q.points for q in questions_for(name).values() if not isinstance(q, WrittenQuestion))
    with tempfile.TemporaryDirectory() as work:
        submissions = Path(work) / "submissions"
        submissions.mkdir()
        for number in range(copies):
            shutil.copy(ROOT / "solutions" / f"{name}.ipynb", submissions / f"student{number:02d}.ipynb")
        start = time.perf_counter()
        code = dlcourse_main(["grade", str(ROOT / "exercises" / f"{name}.ipynb"), str(submissions),
                              "--out", str(Path(work) / "out"), "--jobs", str(jobs), "--seed", "1"])
        seconds = time.perf_counter() - start
        if code != 0:
            raise SystemExit(f"dlcourse grade exited with {code}")
        with open(Path(work) / "out" / "summary.csv", encoding="utf-8") as handle:
            points = [float(row["points"]) for row in csv.DictReader(handle)]
    return seconds, points, automatic


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notebook", default="01_classification_metrics")
    parser.add_argument("--copies", type=int, default=30)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--all", action="store_true", help="every solution in turn")
    args = parser.parse_args()
    names = sorted(p.stem for p in (ROOT / "solutions").glob("*.ipynb")) if args.all else [args.notebook]
    print(f"{'notebook':<45} {'copies':>6} {'jobs':>4} {'wall':>8} {'per copy':>9}  points (automatic maximum)")
    for name in names:
        seconds, points, automatic = grade_copies(name, args.copies, args.jobs)
        print(f"{name:<45} {args.copies:>6} {args.jobs:>4} {seconds:>7.0f}s {seconds / args.copies:>8.1f}s  "
              f"{min(points):g}..{max(points):g} of {automatic:g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
