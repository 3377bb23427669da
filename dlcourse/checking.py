"""Questions and instant feedback: ``check("<id>")`` in an exercise notebook.

Each notebook's questions live in one module, ``dlcourse/questions/nbNN_<name>.py``,
as a ``QUESTIONS`` list. A question says what the student defines (a function or a
variable), how many points it is worth, its public cases (shown by ``check``), and how
hidden cases are drawn for grading. Hidden cases carry no stored answers: the grader
computes the expected values by running the solution's code on them.

``check`` never shows the student a traceback from the checker itself: every outcome
is one line, ✓ or ✗, with a hint that says what was expected and what was found.
"""

from __future__ import annotations

import importlib
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

PASS, FAIL, ERROR, MISSING, MANUAL = "passed", "failed", "error", "missing", "manual"


@dataclass(frozen=True)
class Case:
    """One call ``function(*args, **kwargs)`` and the value it must return."""

    args: tuple = ()
    expected: Any = None
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    def call_text(self, name: str) -> str:
        parts = [_short(a) for a in self.args] + [f"{k}={_short(v)}" for k, v in self.kwargs.items()]
        return f"{name}({', '.join(parts)})"


@dataclass(frozen=True)
class FunctionQuestion:
    """The student writes ``def <function>(...)``; it is called on each case."""

    id: str
    points: float
    function: str
    public: Sequence[Case]
    # rng -> list of (args, kwargs) for grading; expected values come from the solution.
    hidden: Callable[[np.random.Generator], list[tuple[tuple, dict]]] | None = None
    hint: str = ""
    rtol: float = 1e-6
    atol: float = 1e-9
    # Applied to what the student's function returns before comparing (e.g. a Keras model ->
    # its layer types, shapes and parameter count); public expected values are in that form.
    summarize: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class ValueQuestion:
    """The student computes ``<variable>``; ``validate(value, namespace)`` returns a problem or None."""

    id: str
    points: float
    variable: str
    validate: Callable[[Any, Mapping[str, Any]], str | None]
    hint: str = ""


@dataclass(frozen=True)
class WrittenQuestion:
    """A written answer in a markdown cell ``<!-- ANSWER <id> -->``, graded by a person."""

    id: str
    points: float
    prompt: str = "Write your answer here (double-click this cell to edit it)."
    # What a full answer contains, for the instructor (shown beside the student's text in the
    # grader's report); never shown to the student.
    rubric: str = ""


Question = FunctionQuestion | ValueQuestion | WrittenQuestion


@dataclass(frozen=True)
class Result:
    """The outcome of checking one question on some cases."""

    question: str
    status: str  # PASS, FAIL, ERROR, MISSING or MANUAL
    message: str
    passed: int = 0
    total: int = 0

    @property
    def ok(self) -> bool:
        return self.status == PASS

    def __str__(self) -> str:
        mark = {PASS: "✓", MANUAL: "✎"}.get(self.status, "✗")
        return f"{mark} {self.question}: {self.message}"


# --------------------------------------------------------------------------- comparing


def describe_difference(expected: Any, found: Any, *, rtol: float = 1e-6, atol: float = 1e-9) -> str | None:
    """Say how ``found`` differs from ``expected`` (type, shape, value), or None if it matches."""
    if isinstance(expected, (bool, np.bool_)):
        if not isinstance(found, (bool, np.bool_)):
            return f"expected True or False, found {_kind(found)}"
        return None if bool(found) == bool(expected) else f"expected {bool(expected)}, found {bool(found)}"
    if isinstance(expected, str):
        if not isinstance(found, str):
            return f"expected a string, found {_kind(found)}"
        return None if found == expected else f"expected {expected!r}, found {found!r}"
    if _is_number(expected):
        if isinstance(found, np.ndarray) and found.size == 1:
            found = found.item()
        if not _is_number(found):
            return f"expected a number, found {_kind(found)}"
        if math.isnan(float(found)) and not math.isnan(float(expected)):
            return f"expected {_short(expected)}, found nan (a division by zero?)"
        if math.isclose(float(found), float(expected), rel_tol=rtol, abs_tol=atol):
            return None
        return f"expected {_short(expected)}, found {_short(found)}"
    if isinstance(expected, np.ndarray):
        if not isinstance(found, (np.ndarray, list, tuple)):
            return f"expected an array of shape {expected.shape}, found {_kind(found)}"
        found_arr = np.asarray(found)
        if found_arr.shape != expected.shape:
            return f"expected an array of shape {expected.shape}, found shape {found_arr.shape}"
        if not np.issubdtype(found_arr.dtype, np.number) and not np.issubdtype(found_arr.dtype, np.bool_):
            return f"expected numbers, found an array of {found_arr.dtype}"
        close = np.isclose(found_arr, expected, rtol=rtol, atol=atol, equal_nan=True)
        if close.all():
            return None
        where = tuple(int(i) for i in np.argwhere(~close)[0])
        return (
            f"{int((~close).sum())} of {close.size} entries differ; first at index {where}: "
            f"expected {_short(expected[where])}, found {_short(found_arr[where])}"
        )
    if isinstance(expected, (list, tuple)):
        if not isinstance(found, (list, tuple, np.ndarray)):
            return f"expected a {type(expected).__name__} of {len(expected)} items, found {_kind(found)}"
        if len(found) != len(expected):
            return f"expected {len(expected)} items, found {len(found)}"
        for i, (e, f) in enumerate(zip(expected, found)):
            problem = describe_difference(e, f, rtol=rtol, atol=atol)
            if problem:
                return f"item {i}: {problem}"
        return None
    if isinstance(expected, Mapping):
        if not isinstance(found, Mapping):
            return f"expected a dict, found {_kind(found)}"
        if set(found) != set(expected):
            return f"expected keys {sorted(map(str, expected))}, found {sorted(map(str, found))}"
        for key in expected:
            problem = describe_difference(expected[key], found[key], rtol=rtol, atol=atol)
            if problem:
                return f"key {key!r}: {problem}"
        return None
    return None if found == expected else f"expected {_short(expected)}, found {_short(found)}"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _kind(value: Any) -> str:
    if value is None:
        return "None (did you forget to `return` the result?)"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"a {type(value).__name__} ({_short(value)})"


def _short(value: Any, limit: int = 60) -> str:
    if isinstance(value, (float, np.floating)):
        text = f"{float(value):.6g}"
        if text.lstrip("-").isdigit():
            text += ".0"  # 1.0, not 1: a float should look like one
    elif isinstance(value, np.ndarray):
        text = np.array2string(value, precision=4, threshold=8, separator=", ")
    else:
        text = repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------- running


def run_cases(question: FunctionQuestion, namespace: Mapping[str, Any], cases: Sequence[Case]) -> Result:
    """Call the student's function on ``cases``; stop at the first problem."""
    function = namespace.get(question.function)
    if function is None:
        return Result(question.id, MISSING, f"no function `{question.function}` yet: run the cell that defines it.", 0, len(cases))
    if not callable(function):
        return Result(question.id, FAIL, f"`{question.function}` should be a function, found {_kind(function)}.", 0, len(cases))
    for number, case in enumerate(cases, start=1):
        call = case.call_text(question.function)
        try:
            found = function(*_copy(case.args), **_copy(dict(case.kwargs)))
        except NotImplementedError:
            return Result(question.id, MISSING, "not answered yet: replace the `raise NotImplementedError` line with your code.", number - 1, len(cases))
        except Exception as exc:  # the student's error, reported without the checker's traceback
            return Result(question.id, ERROR, f"{call} raised {type(exc).__name__}: {exc}{_hint(question)}", number - 1, len(cases))
        if question.summarize is not None:
            try:
                found = question.summarize(found)
            except Exception as exc:
                return Result(question.id, FAIL, f"case {number} of {len(cases)}, {call}: the result could not be read "
                              f"({type(exc).__name__}: {exc}).{_hint(question)}", number - 1, len(cases))
        problem = describe_difference(case.expected, found, rtol=question.rtol, atol=question.atol)
        if problem:
            return Result(question.id, FAIL, f"case {number} of {len(cases)}, {call}: {problem}.{_hint(question)}", number - 1, len(cases))
    return Result(question.id, PASS, f"all {len(cases)} public cases pass.", len(cases), len(cases))


def check_value(question: ValueQuestion, namespace: Mapping[str, Any]) -> Result:
    if question.variable not in namespace:
        return Result(question.id, MISSING, f"no variable `{question.variable}` yet: run the cell that computes it.", 0, 1)
    try:
        problem = question.validate(namespace[question.variable], namespace)
    except Exception as exc:
        problem = f"could not be checked ({type(exc).__name__}: {exc})"
    if problem:
        return Result(question.id, FAIL, f"`{question.variable}`: {problem}.{_hint(question)}", 0, 1)
    return Result(question.id, PASS, f"`{question.variable}` looks right.", 1, 1)


def check_question(question: Question, namespace: Mapping[str, Any]) -> Result:
    """Check one question on its public cases in ``namespace``."""
    if isinstance(question, FunctionQuestion):
        return run_cases(question, namespace, question.public)
    if isinstance(question, ValueQuestion):
        return check_value(question, namespace)
    return Result(question.id, MANUAL, "a written answer: your instructor reads it; no automatic check.")


def _hint(question: FunctionQuestion | ValueQuestion) -> str:
    return f" Hint: {question.hint}" if question.hint else ""


def _copy(value: Any) -> Any:
    """Give the student a copy, so a function that edits its input cannot spoil later cases."""
    import copy

    return copy.deepcopy(value)


# --------------------------------------------------------------------------- notebooks


def question_module_name(notebook: str) -> str:
    """``"01_classification_metrics"`` -> ``"dlcourse.questions.nb01_classification_metrics"``."""
    stem = notebook.rsplit("/", 1)[-1].removesuffix(".ipynb")
    return f"dlcourse.questions.nb{stem}"


def questions_for(notebook: str) -> dict[str, Question]:
    """The questions of one notebook, by id, from its question module."""
    module = importlib.import_module(question_module_name(notebook))
    questions = {q.id: q for q in module.QUESTIONS}
    if len(questions) != len(module.QUESTIONS):
        raise ValueError(f"{module.__name__}: two questions share an id")
    return questions


class Checker:
    """``check = Checker("00_start_here")`` in the setup cell, then ``check("<id>")``."""

    def __init__(self, notebook: str, questions: Mapping[str, Question] | None = None):
        self.notebook = notebook
        self.questions = dict(questions) if questions is not None else questions_for(notebook)

    def __call__(self, question_id: str, namespace: Mapping[str, Any] | None = None) -> None:
        """Print ✓ or ✗ for one question (use :meth:`result` to get the ``Result``)."""
        if namespace is None:
            namespace = sys._getframe(1).f_globals  # the notebook's variables
        print(self.result(question_id, namespace))

    def result(self, question_id: str, namespace: Mapping[str, Any]) -> Result:
        """Check one question on its public cases, never raising."""
        question = self.questions.get(question_id)
        if question is None:
            result = Result(str(question_id), ERROR, f"no question with this id in {self.notebook}; known: {', '.join(self.questions)}.")
        else:
            try:
                result = check_question(question, namespace)
            except Exception as exc:  # a bug of ours must not look like the student's
                result = Result(question_id, ERROR, f"the checker itself failed ({type(exc).__name__}: {exc}); please tell your instructor.")
        return result

    def _repr_pretty_(self, printer, cycle) -> None:  # pragma: no cover - cosmetic
        printer.text(f"check: {len(self.questions)} questions of {self.notebook}")
