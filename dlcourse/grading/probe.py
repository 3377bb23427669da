"""Runs inside the kernel, in the grader's own cell right after a question's EXERCISE cell.

It never decides a function question: it calls the student's function on the cases
it is given and writes what came back (as plain JSON) to a file whose name holds a
fresh secret; the grader compares outside the kernel with expected values the kernel
never sees. A value question is validated here, by a freshly imported question module.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from typing import Any

from dlcourse.checking import ERROR, FunctionQuestion, ValueQuestion, _copy, check_value, questions_for
from dlcourse.grading.encoding import from_jsonable, to_jsonable


def _call(question: FunctionQuestion, function: Any, args: tuple, kwargs: dict) -> dict:
    try:
        found = function(*_copy(args), **_copy(kwargs))
    except NotImplementedError:
        return {"missing": True}
    except (Exception, SystemExit) as exc:  # not KeyboardInterrupt: the grader's time limit must stop us
        return {"error": f"{type(exc).__name__}: {exc}"[:500]}
    try:
        if question.summarize is not None:
            found = question.summarize(found)
        return {"value": to_jsonable(found)}
    except Exception as exc:
        return {"unreadable": f"{type(exc).__name__}: {exc}"[:500]}


def outcome(notebook: str, qid: str, cases_json: str, namespace: Mapping[str, Any]) -> dict:
    """What the student's code gives for question ``qid`` (see the module docstring)."""
    question = questions_for(notebook)[qid]
    if isinstance(question, FunctionQuestion):
        function = namespace.get(question.function)
        if function is None:
            return {"kind": "function", "defined": False}
        if not callable(function):
            return {"kind": "function", "defined": True, "callable": False, "type": type(function).__name__}
        cases = from_jsonable(json.loads(cases_json))
        return {"kind": "function", "defined": True, "callable": True,
                "outputs": [_call(question, function, tuple(args), dict(kwargs)) for args, kwargs in cases]}
    if isinstance(question, ValueQuestion):
        result = check_value(question, namespace)
        return {"kind": "value", "status": result.status, "message": result.message}
    return {"kind": "written", "status": ERROR, "message": "a written question has no code to run"}


def report(path: str, notebook: str, qid: str, cases_json: str) -> None:
    """Write :func:`outcome` for the caller's namespace to ``path``, which must not exist yet."""
    namespace = sys._getframe(1).f_globals  # the notebook's variables (not a name the student could shadow)
    try:
        data = outcome(notebook, qid, cases_json, namespace)
        text = json.dumps(data, allow_nan=False)
    except (Exception, SystemExit) as exc:
        text = json.dumps({"kind": "crash", "message": f"{type(exc).__name__}: {exc}"[:500]})
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(descriptor, text.encode())
    finally:
        os.close(descriptor)
