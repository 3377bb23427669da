"""The question model: what a student answers, its cases, points and scoring.

Each notebook's questions live in one module, ``dlcourse/questions/nbNN_<name>.py``,
as a ``QUESTIONS`` list. A question says what the student defines (a function or a
variable), how many points it is worth, its public cases (shown by ``check``), and how
hidden cases are drawn for grading. Hidden cases carry no stored answers: the grader
computes the expected values by running the solution's code on them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dlcourse.assessment.compare import short


@dataclass(frozen=True)
class Case:
    """One call ``function(*args, **kwargs)`` and the value it must return."""

    args: tuple = ()
    expected: Any = None
    kwargs: Mapping[str, Any] = field(default_factory=dict)

    def call_text(self, name: str) -> str:
        parts = [short(a) for a in self.args] + [f"{k}={short(v)}" for k, v in self.kwargs.items()]
        return f"{name}({', '.join(parts)})"


@dataclass(frozen=True)
class FunctionQuestion:
    """The student writes ``def <function>(...)``; it is called on each case.

    Scoring: all or nothing (``partial=False``), or points in proportion to the cases
    passed, a hidden case counting ``hidden_weight`` times a public one (``partial=True``).
    """

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
    partial: bool = False
    hidden_weight: float = 1.0


@dataclass(frozen=True)
class ValueQuestion:
    """The student computes ``<variable>``; it is judged in two steps that never meet in one process.

    1. ``facts(value, namespace)`` runs where the student's variables are (their kernel for
       ``check``, a guarded kernel for ``dlcourse grade``): it reads what the decision needs
       from the student's variable and namespace and returns it as plain data (numbers,
       strings, lists, dicts, arrays: see :mod:`dlcourse.assessment.encoding`). It never
       decides, and whatever it returns is the student's data: it may say anything.
    2. ``decide(facts, given)`` runs in the judging process (for the grader: the grader's own
       process) and returns a problem, in words, or None. ``given`` is what ``given_facts``
       read from the pristine set-up cells (the validation labels, the candidate thresholds, a
       fingerprint of the test images ...): for the grader it comes from the solution's own
       run, never from the student's kernel; for ``check``, from the student's namespace.
    """

    id: str
    points: float
    variable: str
    facts: Callable[[Any, Mapping[str, Any]], Any]
    decide: Callable[[Any, Any], str | None]
    given_facts: Callable[[Mapping[str, Any]], Any] | None = None
    hint: str = ""


@dataclass(frozen=True)
class WrittenQuestion:
    """A written answer in a markdown cell ``<!-- ANSWER <id> -->``, graded by a person."""

    id: str
    points: float
    prompt: str = "Write your answer here (double-click this cell to edit it)."
    # What a full answer contains, for the instructor (shown beside the student's text in the
    # grader's report and in manual.csv); never shown to the student.
    rubric: str = ""


Question = FunctionQuestion | ValueQuestion | WrittenQuestion


def questions_for(notebook: str) -> dict[str, Question]:
    """The questions of one notebook, by id, from its question module (see
    :data:`dlcourse.questions.MODULES`)."""
    from dlcourse.questions import module_for

    module = importlib.import_module(module_for(notebook))
    questions = {q.id: q for q in module.QUESTIONS}
    if len(questions) != len(module.QUESTIONS):
        raise ValueError(f"{module.__name__}: two questions share an id")
    return questions
