"""Runs inside the kernel, in the grader's own cell right after a question's EXERCISE cell.

It evaluates the question in the notebook's namespace with the assessment core
(:func:`dlcourse.assessment.evaluate.evaluate`, the same code ``check`` uses) and writes
what came back, as plain JSON, to a file whose name holds a fresh secret. It never
decides: the grader judges outside the kernel, with expected values the kernel never sees.
"""

from __future__ import annotations

import json
import os
import sys

from dlcourse.assessment.encoding import from_jsonable
from dlcourse.assessment.evaluate import evaluate
from dlcourse.assessment.questions import questions_for


def report(path: str, notebook: str, qid: str, cases_json: str) -> None:
    """Write the evaluation of ``qid`` in the caller's namespace to ``path``, which must not exist yet."""
    namespace = sys._getframe(1).f_globals  # the notebook's variables (not a name the student could shadow)
    try:
        calls = [(tuple(args), dict(kwargs)) for args, kwargs in from_jsonable(json.loads(cases_json))]
        text = json.dumps(evaluate(questions_for(notebook)[qid], namespace, calls), allow_nan=False)
    except (Exception, SystemExit) as exc:
        text = json.dumps({"kind": "crash", "message": f"{type(exc).__name__}: {exc}"[:500]})
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(descriptor, text.encode())
    finally:
        os.close(descriptor)
