"""Each solution's own code answers its questions: public cases match, hidden cases run.

The grader (a later issue) computes hidden expected values by running the solution's
code; here we run the solution's function cells directly to make sure that works.
"""

from pathlib import Path

import nbformat
import numpy as np
import pytest

from dlcourse.checking import PASS, Case, FunctionQuestion, Result, _copy, questions_for, run_cases
from dlcourse.exercises import exercise_id

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


def solution_functions(path: Path) -> dict:
    """Run the solution's function-defining EXERCISE cells (in order) in a fresh namespace."""
    questions = questions_for(path.stem)
    namespace: dict = {"np": np}
    for cell in nbformat.read(path, as_version=4).cells:
        qid = exercise_id(cell)
        if qid and isinstance(questions[qid], FunctionQuestion):
            exec(compile(cell.source, f"{path.name}:{qid}", "exec"), namespace)
    return namespace


def reference_cases(question: FunctionQuestion, reference, drawn) -> list[Case]:
    """Hidden cases with expected values from the solution's function, summarized as a student's would be."""
    cases = []
    for args, kwargs in drawn:
        expected = reference(*_copy(args), **_copy(dict(kwargs)))
        if question.summarize is not None:
            expected = question.summarize(expected)
        cases.append(Case(tuple(args), expected, dict(kwargs)))
    return cases


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_functions_pass_public_and_run_on_hidden_cases(path):
    namespace = solution_functions(path)
    for question in questions_for(path.stem).values():
        if not isinstance(question, FunctionQuestion):
            continue
        result: Result = run_cases(question, namespace, question.public)
        assert result.status == PASS, str(result)
        assert question.hidden is not None, f"{question.id} has no hidden cases for grading"
        drawn = question.hidden(np.random.default_rng(12345))
        assert len(drawn) >= 3, question.id
        hidden = reference_cases(question, namespace[question.function], drawn)
        # the solution agrees with itself when re-run on the same cases: a deterministic reference
        assert run_cases(question, namespace, hidden).status == PASS, question.id
        publics = {repr(c.args) for c in question.public}
        assert not all(repr(c.args) in publics for c in hidden), f"{question.id}: hidden cases repeat the public ones"


def test_hidden_cases_differ_between_draws():
    for path in SOLUTIONS:
        for question in questions_for(path.stem).values():
            if isinstance(question, FunctionQuestion) and question.hidden is not None:
                a = question.hidden(np.random.default_rng(1))
                b = question.hidden(np.random.default_rng(2))
                assert repr(a) != repr(b), question.id
