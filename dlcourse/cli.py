"""The ``dlcourse`` command: ``doctor``, ``exercises``, ``lint``, ``site`` and ``grade``."""

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
    site = commands.add_parser("site", help="build the course's static web site from the executed lessons",
                               description="Execute the lessons (only those not in the execution cache) and "
                                           "render them, with their outputs, as a static site (Sphinx + myst-nb).")
    site.add_argument("--budget", choices=["smoke", "full"], default="smoke",
                      help="the budget the lessons run in (default smoke: checks that the site builds; its numbers "
                           "are not meaningful, and every page says so); full is the real site")
    site.add_argument("--out", type=Path, help="where the site is written (default build/site/BUDGET)")
    site.add_argument("--only", nargs="+", metavar="NN", default=[], help="only these lessons, e.g. --only 00 01")
    site.add_argument("--fresh", action="store_true", help="empty the execution cache first: run every lesson again")
    site.add_argument("--root", help="the course repository (default: this checkout)")
    site.add_argument("--executed", type=Path, metavar="DIR",
                      help="lessons the test suite already executed in this budget (pytest with "
                           "DLCOURSE_EXECUTED_DIR=DIR, as CI runs it): rendered from there, not run again")
    grade = commands.add_parser("grade", help="grade students' notebooks for one exercise (for instructors)",
                                description="Grade SUBMISSIONS/<student>.ipynb or SUBMISSIONS/<student>/<name>.ipynb "
                                            "against exercises/<name>.ipynb with hidden cases.")
    grade.add_argument("exercise", type=Path, help="the exercise handed out, e.g. exercises/01_classification_metrics.ipynb")
    grade.add_argument("submissions", type=Path, help="a folder with one notebook (or one folder) per student")
    grade.add_argument("--out", type=Path, required=True, help="where grades.csv, summary.csv and reports/ are written")
    grade.add_argument("--jobs", type=int, default=1, help="submissions graded at once (one kernel each; default 1)")
    grade.add_argument("--timeout", type=float, default=120, help="seconds one cell may run (default 120)")
    grade.add_argument("--submission-timeout", type=float, default=900, help="seconds one submission may run (default 900)")
    grade.add_argument("--memory", type=int, default=4096, help="MB of memory one kernel may use (default 4096)")
    grade.add_argument("--budget", choices=["smoke", "full"], default="smoke",
                       help="the budget the notebooks run in while grading (default smoke: small and fast)")
    grade.add_argument("--seed", type=int, help="seed of the hidden cases (default: fresh; recorded in OUT/grading.json)")
    grade.add_argument("--sandbox", action="store_true",
                       help="run each kernel under bubblewrap (apt-get install bubblewrap): no network, a read-only "
                            "system and course without solutions/, only the submission's own folder writable")
    grade.add_argument("--student", help="grade only this submission again and update OUT in place")
    grade.add_argument("--manual", type=Path, help="merge hand-given scores (OUT/manual.csv, filled in) without "
                                                   "running any student code again")
    grade.add_argument("--roster", type=Path, help="CSV: student, id, name, email [, sis_user_id, sis_login_id, "
                                                   "section, extension_days]; adds canvas.csv")
    grade.add_argument("--due", help="due date and time, ISO 8601 (e.g. 2026-12-01T23:59; UTC unless a zone is given)")
    grade.add_argument("--late-penalty", type=float, default=0.0,
                       help="percent of the points taken per started day late (default 0: none)")
    grade.add_argument("--submitted", type=Path, help="CSV: student, submitted_at (ISO 8601), e.g. from the LMS download")
    grade.add_argument("--assignment-name", help="the assignment's column name in canvas.csv (default: the exercise's name)")
    args = parser.parse_args(argv)

    if args.command == "doctor":
        from dlcourse.doctor import report

        return 0 if all(line.ok for line in report()) else 1
    if args.command == "exercises":
        root = _root(args.root)  # before the import: outside the repository, say so at once
        from dlcourse.exercises import MarkupError, generate_all

        try:
            stale = generate_all(root, check_only=args.check)
        except MarkupError as problem:
            print(f"error: {problem}")
            return 2
        verb = "out of date" if args.check else "written"
        print(f"{len(stale)} exercise notebook(s) {verb}" + (f": {', '.join(stale)}" if stale else ""))
        return 1 if args.check and stale else 0
    if args.command == "lint":
        root = _root(args.root)
        from dlcourse.notebook_format import all_notebooks, problems

        found = [p for path in all_notebooks(root) for p in problems(path, root)]
        print("\n".join(found) if found else "All notebooks follow the house format.")
        return 1 if found else 0
    if args.command == "site":
        return _site(args)
    if args.command == "grade":
        return _grade(args)
    return 2


def _grade(args: argparse.Namespace) -> int:
    from dlcourse.grading.command import grade_command

    return grade_command(args)


def _site(args: argparse.Namespace) -> int:
    root = _root(args.root)
    from dlcourse.site import build_site

    try:
        report = build_site(root, args.budget, args.out, only=args.only, fresh=args.fresh, executed=args.executed)
    except (ValueError, FileNotFoundError, FileExistsError, RuntimeError) as problem:
        print(f"error: {problem}")
        return 2
    print(f"site of {len(report.lessons)} lesson(s) in {report.out} (open index.html) in {report.seconds:.0f} s; "
          f"executed {len(report.executed)}, {len(report.lessons) - len(report.executed)} from the cache; "
          f"{len(report.warnings)} warning(s), log in {report.log}")
    return 0
