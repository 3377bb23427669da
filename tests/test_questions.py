"""Each solution's own code answers its questions: public cases pass, hidden cases run.

The grader computes hidden expected values by running the solution's code; here the
solution's function cells run in this process, and both ``check`` and the grader's
judging (tests/judging.py, the same core) must accept them.
"""

from pathlib import Path

import numpy as np
import pytest
from judging import by_check, by_grader, grading_cases, solution_namespace

from dlcourse.assessment.questions import FunctionQuestion, questions_for
from dlcourse.assessment.status import Status

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_functions_pass_public_and_run_on_hidden_cases(path):
    namespace = solution_namespace(path.stem)
    for question in questions_for(path.stem).values():
        if not isinstance(question, FunctionQuestion):
            continue
        verdict = by_check(path.stem, question.id, namespace)
        assert verdict.status == Status.PASSED, str(verdict)
        assert question.hidden is not None, f"{question.id} has no hidden cases for grading"
        cases = grading_cases(path.stem, question.id, namespace[question.function], seed=12345)
        assert len(cases) - len(question.public) >= 3, question.id
        # the solution agrees with itself when re-run on the same cases: a deterministic reference
        status, message = by_grader(path.stem, question.id, namespace, cases)
        assert status == Status.PASSED, f"{question.id}: {message}"
        publics = {repr(c.args) for c in question.public}
        hidden = cases[len(question.public):]
        assert not all(repr(c.args) in publics for c in hidden), f"{question.id}: hidden cases repeat the public ones"


def test_hidden_cases_differ_between_draws():
    for path in SOLUTIONS:
        for question in questions_for(path.stem).values():
            if isinstance(question, FunctionQuestion) and question.hidden is not None:
                a = question.hidden(np.random.default_rng(1))
                b = question.hidden(np.random.default_rng(2))
                assert repr(a) != repr(b), question.id
