"""Run a question's cases against a student's namespace and say what came back, as plain JSON.

This runs wherever the student's variables are: in the student's own kernel for
``check``, in the grader's guarded kernel for ``dlcourse grade``. It never decides a
function question (the expected values need not be here); a value question's
``validate`` does run here, because it needs the student's objects. What it returns is
JSON-ready (see :mod:`dlcourse.assessment.encoding`), so nothing is ever unpickled.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from dlcourse.assessment.encoding import to_jsonable
from dlcourse.assessment.questions import FunctionQuestion, Question, ValueQuestion

Call = tuple[tuple, dict]
LIMIT = 500  # characters of an error message kept


def call_once(question: FunctionQuestion, function: Any, args: tuple, kwargs: dict) -> dict:
    """One call of the student's function, on copies of the arguments (it may edit them)."""
    try:
        found = function(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    except NotImplementedError:
        return {"missing": True}
    except (Exception, SystemExit) as exc:  # not KeyboardInterrupt: the grader's time limit must stop us
        return {"error": f"{type(exc).__name__}: {exc}"[:LIMIT]}
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
        if question.variable not in namespace:
            return {"kind": "value", "defined": False}
        try:
            problem = question.validate(namespace[question.variable], namespace)
        except Exception as exc:
            problem = f"could not be checked ({type(exc).__name__}: {exc})"[:LIMIT]
        return {"kind": "value", "defined": True, "problem": None if problem is None else str(problem)}
    return {"kind": "written"}
