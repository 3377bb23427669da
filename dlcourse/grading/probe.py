"""Runs inside the kernel, when the grader's own cell after a question's EXERCISE cell is executed.

The kernel's audit hook calls :func:`report` (see :mod:`dlcourse.grading.kernel`), after
restoring what student code may have changed and with the course's modules imported
fresh. It evaluates the question in the notebook's namespace with the assessment core
(:func:`dlcourse.assessment.evaluate.evaluate`, the same code ``check`` uses) and writes
what came back, as plain JSON, to a file whose name holds a fresh secret. It never
decides: a function question's outputs and a value question's facts go to the grader,
which judges them in its own process, with expected values and set-up facts from the
solution's run that the kernel never sees.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from dlcourse.assessment.encoding import from_jsonable
from dlcourse.assessment.evaluate import evaluate
from dlcourse.assessment.questions import questions_for


def report(path: str, notebook: str, qid: str, cases: Any, namespace: Mapping[str, Any]) -> None:
    """Write the evaluation of ``qid`` in ``namespace`` on ``cases`` (encoded calls) to ``path``,
    which must not exist yet."""
    try:
        calls = [(tuple(args), dict(kwargs)) for args, kwargs in from_jsonable(cases)]
        text = json.dumps(evaluate(questions_for(notebook)[qid], namespace, calls), allow_nan=False)
    except (Exception, SystemExit) as exc:
        text = json.dumps({"kind": "crash", "message": f"{type(exc).__name__}: {exc}"[:500]})
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(descriptor, text.encode())
    finally:
        os.close(descriptor)
