"""The ``dlcourse`` command: ``doctor``, ``exercises`` and ``lint``."""

from __future__ import annotations

import argparse
from pathlib import Path

from dlcourse.course import repo_root


def _root(given: str | None) -> Path:
    root = Path(given) if given else repo_root()
    if root is None or not (root / "solutions").is_dir():
        raise SystemExit("error: run this inside the course repository, or pass --root PATH")
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dlcourse", description="Helpers for the Lesson 3 course.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("doctor", help="check that this machine is ready for the course")
    exercises = commands.add_parser("exercises", help="regenerate exercises/ from solutions/")
    exercises.add_argument("--check", action="store_true", help="only report exercises that are out of date")
    exercises.add_argument("--root", help="the course repository (default: this checkout)")
    lint = commands.add_parser("lint", help="check every notebook against the house format")
    lint.add_argument("--root", help="the course repository (default: this checkout)")
    args = parser.parse_args(argv)

    if args.command == "doctor":
        from dlcourse.doctor import report

        return 0 if all(line.ok for line in report()) else 1
    if args.command == "exercises":
        from dlcourse.exercises import MarkupError, generate_all

        try:
            stale = generate_all(_root(args.root), check_only=args.check)
        except MarkupError as problem:
            print(f"error: {problem}")
            return 2
        verb = "out of date" if args.check else "written"
        print(f"{len(stale)} exercise notebook(s) {verb}" + (f": {', '.join(stale)}" if stale else ""))
        return 1 if args.check and stale else 0
    if args.command == "lint":
        from dlcourse.notebook_format import all_notebooks, problems

        root = _root(args.root)
        found = [p for path in all_notebooks(root) for p in problems(path, root)]
        print("\n".join(found) if found else "All notebooks follow the house format.")
        return 1 if found else 0
    return 2
