"""Run a question's cases against a student's namespace and say what came back, as plain JSON.

This runs wherever the student's variables are: in the student's own kernel for
``check``, in the grader's guarded kernel for ``dlcourse grade``. It never decides: a
function question's outputs and a value question's facts (and the set-up's given facts)
are reported as plain data, and :func:`dlcourse.assessment.judge.judge` decides, for the
grader in its own process. What it returns is JSON-ready (see
:mod:`dlcourse.assessment.encoding`), so nothing is ever unpickled, and whatever it says
is treated as the student's data.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from dlcourse.assessment.encoding import to_jsonable
from dlcourse.assessment.questions import FunctionQuestion, Question, ValueQuestion

Call = tuple[tuple, dict]
LIMIT = 500  # characters of an error message kept


def changed(before: Any, after: Any) -> bool:
    """Whether ``after`` (an argument as the student's function left it) differs from ``before``.

    Arrays, pandas objects, lists, tuples and dicts are compared; other objects are not.
    """
    if isinstance(before, np.ndarray):
        if not isinstance(after, np.ndarray) or before.shape != after.shape or before.dtype != after.dtype:
            return True
        return not np.array_equal(before, after, equal_nan=before.dtype.kind in "fc")
    if type(before).__module__.startswith("pandas") and hasattr(before, "equals"):
        return not before.equals(after)
    if isinstance(before, (list, tuple)):
        return (type(before) is not type(after) or len(before) != len(after)
                or any(changed(b, a) for b, a in zip(before, after)))
    if isinstance(before, dict):
        return (not isinstance(after, dict) or before.keys() != after.keys()
                or any(changed(before[key], after[key]) for key in before))
    return False


def call_once(question: FunctionQuestion, function: Any, args: tuple, kwargs: dict) -> dict:
    """One call of the student's function, on copies of the arguments; then, whether it changed them.

    A function that edits the arrays it is given (``y -= ...`` on an argument) also edits the
    caller's data in a notebook, silently; it cannot spoil the cases here, but it fails them.
    """
    given_args, given_kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
    try:
        found = function(*given_args, **given_kwargs)
    except NotImplementedError:
        return {"missing": True}
    except (Exception, SystemExit) as exc:  # not KeyboardInterrupt: the grader's time limit must stop us
        return {"error": f"{type(exc).__name__}: {exc}"[:LIMIT]}
    try:
        edited = [f"argument {number}" for number, (before, after) in enumerate(zip(args, given_args), start=1)
                  if changed(before, after)]
        edited += [f"argument `{name}`" for name in kwargs if changed(kwargs[name], given_kwargs[name])]
    except Exception:  # an argument that cannot be compared: judge the result alone
        edited = []
    if edited:
        return {"changed": ", ".join(edited)}
    try:
        if question.summarize is not None:
            found = question.summarize(found)
        return {"value": to_jsonable(found)}
    except Exception as exc:
        return {"unreadable": f"{type(exc).__name__}: {exc}"[:LIMIT]}


def evaluate(question: Question, namespace: Mapping[str, Any], calls: Sequence[Call] = ()) -> dict:
    """What the student's code gives for ``question`` on ``calls`` (function questions)."""
    if isinstance(question, FunctionQuestion):
        function = namespace.get(question.function)
        if function is None:
            return {"kind": "function", "defined": False}
        if not callable(function):
            return {"kind": "function", "defined": True, "callable": False, "type": type(function).__name__}
        return {"kind": "function", "defined": True, "callable": True,
                "outputs": [call_once(question, function, tuple(args), dict(kwargs)) for args, kwargs in calls]}
    if isinstance(question, ValueQuestion):
        report: dict = {"kind": "value", "defined": question.variable in namespace}
        if question.given_facts is not None:
            report["given"] = _read(lambda: question.given_facts(namespace))
        if report["defined"]:
            report["facts"] = _read(lambda: question.facts(namespace[question.variable], namespace))
        return report
    return {"kind": "written"}


def _read(reader: Any) -> dict:
    """``{"value": ...}``, the plain form of what ``reader()`` returns, or ``{"unreadable": why}``."""
    try:
        return {"value": to_jsonable(reader())}
    except (Exception, SystemExit) as exc:
        return {"unreadable": f"{type(exc).__name__}: {exc}"[:LIMIT]}

