"""``dlcourse grade``: grade, re-grade one student, or merge hand-given scores; then write every output.

Automatic results are stored in ``OUT/results.json``: merging ``--manual`` scores, a
roster or a late policy reuses them and runs no student code. Every input file is read
and checked before anything in ``OUT`` is written, so a bad file changes nothing.

Exit status: 0 when every submission was graded; 1 when the machine left some submission
"not graded" (the final line names them: grade each again with ``--student``); 2 for bad
input (nothing written).
"""

from __future__ import annotations

import argparse
import json

from dlcourse.grading import gradebook as gb
from dlcourse.grading.grader import (GradingError, Settings, find_submissions, grade_all, load_assignment,
                                     settings_record)
from dlcourse.grading.report import final_line, write_outputs
from dlcourse.grading.runner import sandbox_problem


def grade_command(args: argparse.Namespace) -> int:
    try:
        return _grade(args)
    except (GradingError, gb.GradebookError) as problem:
        print(f"error: {problem}")
        return 2


def _grade(args: argparse.Namespace) -> int:
    from tqdm.auto import tqdm

    if not args.exercise.is_file():
        raise GradingError(f"no exercise notebook {args.exercise}")
    if args.sandbox and (problem := sandbox_problem()):
        raise GradingError(problem)
    settings = Settings(cell_timeout=args.timeout, submission_timeout=args.submission_timeout,
                        memory_mb=args.memory, budget=args.budget, sandbox=args.sandbox)
    submissions = find_submissions(args.submissions, args.exercise.stem)
    if not submissions:
        raise GradingError(f"no submissions in {args.submissions} (expected <student>.ipynb or "
                           f"<student>/{args.exercise.name})")
    stored_path, record_path = args.out / "results.json", args.out / "grading.json"
    stored = gb.load_results(stored_path) if stored_path.exists() else None
    record = json.loads(record_path.read_text(encoding="utf-8")) if record_path.exists() else None
    if stored is not None and record and record.get("notebook") != args.exercise.stem:
        raise GradingError(f"{args.out} holds grades of {record.get('notebook')}, not {args.exercise.stem}: use another --out")
    if args.student is not None and args.student not in submissions:
        raise GradingError(f"no submission named {args.student!r} in {args.submissions}")
    if args.student is not None and stored is None:
        raise GradingError(f"--student re-grades one submission of an earlier run, but {stored_path} does not exist: "
                           "grade everyone first")

    # every input file, checked before anything is graded or written
    from dlcourse.assessment.questions import questions_for

    questions = questions_for(args.exercise.stem)
    roster = gb.read_roster(args.roster) if args.roster else None
    if roster is not None:
        gb.check_roster(roster, submissions)
    policy = None
    if args.due:
        policy = gb.LatePolicy(gb.parse_time(args.due, "--due"), args.late_penalty,
                               {s: p.extension_days for s, p in (roster or {}).items()})
    elif args.late_penalty or args.submitted:
        raise GradingError("--late-penalty and --submitted need --due")
    if args.late_penalty < 0 or args.late_penalty > 100:
        raise GradingError(f"--late-penalty is a percentage per day, from 0 to 100; found {args.late_penalty:g}")
    times = gb.read_submission_times(args.submitted, submissions) if args.submitted else None

    reuse = stored is not None and args.manual is not None and args.student is None
    if reuse:
        results = stored
        seed = record["seed"] if record else None
        print(f"reusing the automatic results in {stored_path} (no student code is run)")
    else:
        seed = args.seed if args.seed is not None else (record["seed"] if args.student and record else None)
        assignment = load_assignment(args.exercise, seed=seed, settings=settings)
        seed = assignment.seed
        chosen = {args.student: submissions[args.student]} if args.student else submissions
        with tqdm(total=len(chosen), unit="notebook", desc="grading") as bar:
            fresh = grade_all(assignment, chosen, settings, jobs=args.jobs, progress=bar)
        if args.student:
            results = [fresh[0] if r.student == args.student else r for r in stored]
            if args.student not in {r.student for r in stored}:
                results.append(fresh[0])
        else:
            results = fresh
        record = settings_record(assignment, settings, len(results))
    scores = gb.read_manual(args.manual, results, questions) if args.manual else []

    # writing: the automatic results first (merging is repeatable), then everything derived
    args.out.mkdir(parents=True, exist_ok=True)
    gb.save_results(stored_path, results)
    if not (args.out / "manual.csv").exists():
        gb.write_manual_template(args.out / "manual.csv", results, questions)
    merged = gb.merge_manual(results, scores)  # new results: the stored automatic ones stay as they are
    rows = gb.final_rows(merged, questions, roster=roster, policy=policy, times=times)
    record = {**record, "seed": seed, "manual_scores": len(scores),
              "late_policy": {"due": args.due, "percent_per_day": args.late_penalty} if policy else None}
    write_outputs(args.out, merged, record, rows, questions)
    gb.write_wide_csv(args.out / "wide.csv", rows, questions)
    if roster is not None:
        gb.write_canvas_csv(args.out / "canvas.csv", rows, args.assignment_name or args.exercise.stem)
    print(final_line(merged))
    print(f"written to {args.out}")
    return 1 if any(r.not_graded is not None for r in merged) else 0
