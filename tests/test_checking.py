"""check(): the feedback a student sees, for right, wrong and broken answers."""

import numpy as np
import pytest

from dlcourse.checking import (Case, Checker, FunctionQuestion, Status, ValueQuestion, WrittenQuestion, check_answer,
                               describe_difference, questions_for)

PASS, FAIL, ERROR, MISSING, MANUAL = Status.PASSED, Status.FAILED, Status.ERROR, Status.MISSING, Status.MANUAL

MEAN = FunctionQuestion("q_mean", 1, "mean", [Case((np.array([1.0, 2.0, 3.0]),), 2.0), Case((np.array([4.0]),), 4.0)],
                        hint="add up and divide by the count.")
SQUARES = FunctionQuestion("q_sq", 1, "squares", [Case((np.array([1, 2, 3]),), np.array([1, 4, 9]))])
ACC = ValueQuestion("q_acc", 1, "accuracy", facts=lambda v, ns: v,
                    decide=lambda v, given: None if 0 <= v <= 1 else f"expected a fraction in [0, 1], found {v}")
WRITTEN = WrittenQuestion("q_text", 2)
CHECK = Checker("demo", {q.id: q for q in (MEAN, SQUARES, ACC, WRITTEN)})


@pytest.mark.parametrize("expected, found, words", [
    (2.0, "2", "expected a number, found a str"),
    (2.0, None, "forget to `return`"),
    (2.0, 2.5, "expected 2.0, found 2.5"),
    (2.0, float("nan"), "found nan"),
    (np.zeros(3), [0, 0], "shape (3,), found shape (2,)"),
    (np.zeros(3), 0.0, "expected an array of shape (3,), found a float"),
    (np.array([1, 2, 3]), np.array([1, 5, 3]), "1 of 3 entries differ; first at index (1,)"),
    ([1, 2], [1, 2, 3], "expected 2 items, found 3"),
    ({"a": 1}, {"b": 1}, "expected keys"),
    ("macro", "micro", "expected 'macro', found 'micro'"),
    (True, 1, "expected True or False"),
])
def test_differences_are_described(expected, found, words):
    assert words in describe_difference(expected, found)


@pytest.mark.parametrize("expected, found", [(2.0, 2.0 + 1e-12), (2, np.float64(2.0)), (1.0, np.array([1.0])),
                                             (np.array([1, 2]), [1, 2]), ({"a": [1.0]}, {"a": [1.0]}), (True, np.bool_(True))])
def test_matches_are_accepted(expected, found):
    assert describe_difference(expected, found) is None


def test_a_right_answer_passes(capsys):
    CHECK("q_mean", {"mean": lambda x: float(np.mean(x))})
    assert capsys.readouterr().out.startswith("✓ q_mean: all 2 public cases pass")


def test_a_wrong_answer_says_which_case_and_gives_the_hint():
    result = CHECK.result("q_mean", {"mean": lambda x: float(np.sum(x))})
    assert result.status == FAIL and result.passed == 1  # every case is run: sum == mean for one number
    assert "case 1 of 2, mean(" in result.message and "expected 2.0, found 6.0" in result.message
    assert result.failed == ("public 1",) and "(1 of 2 cases pass)" in result.message
    assert "Hint: add up" in result.message


def test_an_unanswered_stub_is_missing_not_an_error():
    def mean(x):
        raise NotImplementedError("q_mean: replace this line with your code")
    assert CHECK.result("q_mean", {"mean": mean}).status == MISSING
    assert CHECK.result("q_mean", {}).status == MISSING


def test_a_crash_is_reported_in_one_line_without_traceback():
    result = CHECK.result("q_mean", {"mean": lambda x: undefined_name})  # noqa: F821
    assert result.status == ERROR and "raised NameError" in result.message
    assert "Traceback" not in str(result) and "\n" not in str(result)


def test_a_function_that_edits_its_input_fails_and_cannot_spoil_the_cases():
    def squares(x):
        x *= x
        return x
    result = CHECK.result("q_sq", {"squares": squares})
    assert result.status == FAIL and "changed its argument 1 in place" in result.message, result.message
    assert SQUARES.public[0].args[0].tolist() == [1, 2, 3]

    def squares_on_a_copy(x):
        x = np.array(x)
        x *= x
        return x
    assert CHECK.result("q_sq", {"squares": squares_on_a_copy}).status == PASS


@pytest.mark.parametrize("before, after, edited", [
    (np.array([1.0, np.nan]), np.array([1.0, np.nan]), False),
    (np.array([1.0, 2.0]), np.array([1.0, 3.0]), True),
    (np.array([1, 2]), np.array([1.0, 2.0]), True),  # same values, another dtype: converted in place
    ([np.zeros(2), {"a": [1, 2]}], [np.zeros(2), {"a": [1, 2]}], False),
    ({"a": [1, 2]}, {"a": [1]}, True),
    ({"a": [1, 2]}, {"a": [1, 2], "b": 3}, True),
    ("text", "text", False),
])
def test_what_counts_as_an_edited_argument(before, after, edited):
    from dlcourse.assessment.evaluate import changed

    assert changed(before, after) is edited


def test_value_and_written_questions():
    assert CHECK.result("q_acc", {"accuracy": 0.9}).status == PASS
    assert "expected a fraction" in CHECK.result("q_acc", {"accuracy": 90}).message
    assert CHECK.result("q_acc", {}).status == MISSING
    assert CHECK.result("q_text", {}).status == MANUAL


def test_unknown_id_and_a_checker_bug_are_reported_not_raised():
    assert "known: q_mean" in CHECK.result("q_nope", {}).message
    broken = Checker("demo", {"q": ValueQuestion("q", 1, "v", facts=lambda v, ns: v, decide=lambda v, given: 1 / 0)})
    assert broken.result("q", {"v": 1}).status == FAIL  # decide's errors are reported as a failed check
    unreadable = Checker("demo", {"q": ValueQuestion("q", 1, "v", facts=lambda v, ns: 1 / 0, decide=lambda v, given: None)})
    assert unreadable.result("q", {"v": 1}).status == FAIL  # so are errors while reading the facts


def test_check_reads_the_callers_variables(capsys):
    def mean(x):
        return float(np.mean(x))
    globals()["mean"] = mean
    try:
        CHECK("q_mean")
    finally:
        del globals()["mean"]
    assert capsys.readouterr().out.startswith("✓")


def test_every_question_module_loads_with_unique_ids_and_sane_cases():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for solution in sorted((root / "solutions").glob("*.ipynb")):
        questions = questions_for(solution.stem)
        assert questions, solution.stem
        for question in questions.values():
            assert question.points > 0
            if isinstance(question, FunctionQuestion):
                assert question.public, question.id
                if question.hidden is not None:
                    drawn = question.hidden(np.random.default_rng(0))
                    assert drawn and all(isinstance(a, tuple) and isinstance(k, dict) for a, k in drawn)


def test_a_summarize_hook_compares_what_matters_of_a_complex_result():
    question = FunctionQuestion("q_model", 1, "make", [Case((3,), {"layers": ["Dense"], "params": 12})],
                                summarize=lambda m: {"layers": [type(l).__name__ for l in m["layers"]], "params": m["n"]})

    class Dense:
        pass

    right = {"make": lambda n: {"layers": [Dense()], "n": 4 * n}}
    wrong = {"make": lambda n: {"layers": [Dense(), Dense()], "n": 4 * n}}
    broken = {"make": lambda n: None}
    assert check_answer(question, right).status == PASS
    assert "key 'layers': expected 1 items, found 2" in check_answer(question, wrong).message
    assert "could not be read (TypeError" in check_answer(question, broken).message
