"""Compare what a student's code gave with the expected values, and write every message.

:func:`judge` is the only place that decides whether an answer passes and says why, for
``check`` and for ``dlcourse grade`` alike. Its ``message`` is for the student and safe to
hand back: for a hidden case it names neither the inputs nor the expected value (so a
report can be released without giving the next cohort the answers); ``detail`` holds the
full text of the first failing hidden case, for the instructor only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dlcourse.assessment.compare import describe_difference
from dlcourse.assessment.encoding import from_jsonable
from dlcourse.assessment.questions import Case, FunctionQuestion, Question, ValueQuestion, WrittenQuestion
from dlcourse.assessment.status import Status

# for a question whose stub is still there, in check and in the grader alike
NOT_ANSWERED = "not answered yet: replace the `raise NotImplementedError` line with your code."


@dataclass(frozen=True)
class Verdict:
    """How one answer was judged."""

    question: str
    status: Status
    message: str  # for the student (and safe to release)
    passed: int = 0  # cases passed
    total: int = 0  # cases judged
    score: float = 0.0  # the share of the question's points earned, 0 to 1
    failed: tuple[str, ...] = ()  # the cases that failed: "public 2", "hidden 1", ...
    detail: str = ""  # for the instructor: the first failing hidden case in full

    @property
    def ok(self) -> bool:
        return self.status == Status.PASSED

    def __str__(self) -> str:
        return f"{self.status.mark} {self.question}: {self.message}"


def hint_text(question: Question) -> str:
    hint = getattr(question, "hint", "")
    return f" Hint: {hint}" if hint else ""


def judge(question: Question, cases: Sequence[Case], report: Mapping | None, *, n_public: int | None = None,
          given: Mapping | None = None) -> Verdict:
    """The verdict on ``report`` (from :func:`~dlcourse.assessment.evaluate.evaluate`, through
    JSON) given ``cases`` with their expected values; the first ``n_public`` are public
    (default: all). For a value question, ``given`` is the set-up's given facts as
    :func:`~dlcourse.assessment.evaluate.evaluate` reported them (``{"value": ...}`` or
    ``{"unreadable": ...}``), from a run the judge trusts: the grader passes the solution's."""
    if not isinstance(report, Mapping) or report.get("kind") == "crash":
        why = report.get("message") if isinstance(report, Mapping) else "no report"
        return Verdict(question.id, Status.ERROR, f"the check itself failed ({why}); was the checker changed "
                       "by the notebook? Otherwise please tell your instructor.")
    if isinstance(question, FunctionQuestion) and report.get("kind") == "function":
        return _judge_function(question, list(cases), report, len(cases) if n_public is None else n_public)
    if isinstance(question, ValueQuestion) and report.get("kind") == "value":
        return _judge_value(question, report, given)
    if isinstance(question, WrittenQuestion):
        return Verdict(question.id, Status.MANUAL, "a written answer: your instructor reads it; no automatic check.")
    return Verdict(question.id, Status.ERROR, "the check reported something unexpected (was it tampered with?)")


def judge_written(question: WrittenQuestion, text: str | None) -> Verdict:
    """A handed-in written answer: missing, or waiting for a person."""
    if text is None or not text.strip() or question.prompt in text:
        return Verdict(question.id, Status.MISSING, "no written answer")
    return Verdict(question.id, Status.MANUAL, f"written answer ({len(text.split())} words): graded by hand")


def _judge_value(question: ValueQuestion, report: Mapping, given: Mapping | None) -> Verdict:
    name = question.variable
    if not report.get("defined"):
        return Verdict(question.id, Status.MISSING, f"no variable `{name}` yet: run the cell that computes it.", 0, 1)
    problem = _value_problem(question, report, given)
    if problem:
        return Verdict(question.id, Status.FAILED, f"`{name}`: {problem}.{hint_text(question)}", 0, 1)
    return Verdict(question.id, Status.PASSED, f"`{name}` looks right.", 1, 1, 1.0)


def _value_problem(question: ValueQuestion, report: Mapping, given: Mapping | None) -> str | None:
    """What ``decide`` finds wrong with the reported facts, given the trusted set-up's facts."""
    facts = report.get("facts")
    if not isinstance(facts, Mapping) or ("value" not in facts and "unreadable" not in facts):
        return "the check's report could not be read"
    if "unreadable" in facts:
        return f"could not be read ({facts['unreadable']})"
    setup = None
    if question.given_facts is not None:
        if not isinstance(given, Mapping) or "value" not in given:
            why = str(given.get("unreadable")) if isinstance(given, Mapping) else "nothing was read"
            if why.startswith("ValueError: "):  # the question's own words on what changed
                return why.removeprefix("ValueError: ")
            return (f"the set-up cells' variables could not be read ({why}): run the set-up cells again, and keep "
                    "their variables as they are")
        setup = from_jsonable(given["value"])
    try:
        return question.decide(from_jsonable(facts["value"]), setup)
    except Exception as exc:  # facts of an unexpected shape: the student's data, so their problem
        return f"could not be checked ({type(exc).__name__}: {exc})"[:500]


def _judge_function(question: FunctionQuestion, cases: list[Case], report: Mapping, n_public: int) -> Verdict:
    name = question.function
    if not report.get("defined"):
        return Verdict(question.id, Status.MISSING, f"no function `{name}` yet: run the cell that defines it.", 0, len(cases))
    if not report.get("callable"):
        return Verdict(question.id, Status.FAILED, f"`{name}` should be a function, found a {report.get('type')}.",
                       0, len(cases))
    outputs = report.get("outputs")
    if not isinstance(outputs, list) or len(outputs) != len(cases):
        return Verdict(question.id, Status.ERROR, "the check reported the wrong number of cases (was it tampered with?)")
    if any(isinstance(o, Mapping) and o.get("missing") for o in outputs):
        return Verdict(question.id, Status.MISSING, NOT_ANSWERED, 0, len(cases))
    n_hidden = len(cases) - n_public
    failed: list[str] = []
    first: tuple[Status, str, str] | None = None  # status, student's message, instructor's detail
    weight_passed = weight_total = 0.0
    for number, (case, output) in enumerate(zip(cases, outputs), start=1):
        public = number <= n_public
        weight = 1.0 if public else question.hidden_weight
        weight_total += weight
        problem = _case_problem(question, case, output)
        if problem is None:
            weight_passed += weight
            continue
        status, text = problem
        label = f"public {number}" if public else f"hidden {number - n_public}"
        failed.append(label)
        if first is None:
            full = f"case {number} of {len(cases)}, {case.call_text(name)}: {text}."
            shown = full if public else (f"hidden case {number - n_public} of {n_hidden}: "
                                         + ("your function raised an error." if status == Status.ERROR
                                            else "your result is not the expected one."))
            first = (status, shown, "" if public else full)
    passed = len(cases) - len(failed)
    score = weight_passed / weight_total if weight_total else 0.0
    if first is None:
        where = f"all {len(cases)} public cases pass." if n_hidden == 0 else \
            f"all {len(cases)} cases pass ({n_public} public, {n_hidden} hidden)."
        return Verdict(question.id, Status.PASSED, where, passed, len(cases), 1.0)
    status, shown, detail = first
    count = f" ({passed} of {len(cases)} cases pass)" if question.partial or len(cases) > 1 else ""
    return Verdict(question.id, status, f"{shown}{count}{hint_text(question)}", passed, len(cases),
                   score if question.partial else 0.0, tuple(failed), detail)


def _case_problem(question: FunctionQuestion, case: Case, output: object) -> tuple[Status, str] | None:
    """What is wrong with one case's output, or None."""
    if not isinstance(output, Mapping):
        return Status.ERROR, "the check's report was unreadable"
    if "error" in output:
        return Status.ERROR, f"raised {output['error']}"
    if "changed" in output:
        return Status.FAILED, (f"your function changed its {output['changed']} in place: in a notebook that edits the "
                               "caller's data too; work on a copy (`np.asarray` gives back the very same array "
                               "when it needs no conversion)")
    if "unreadable" in output:
        return Status.FAILED, f"the result could not be read ({output['unreadable']})"
    problem = describe_difference(case.expected, from_jsonable(output.get("value")), rtol=question.rtol, atol=question.atol)
    return None if problem is None else (Status.FAILED, problem)
