"""``dlcourse grade`` against a student who tampers with the tools that judge them (issue 25).

Every hostile submission of exercise 01 gives a wrong answer to a function question
(``q1_confusion_counts``: false positives and false negatives swapped) and to a value
question (``q6_threshold_from_table``: the lowest candidate threshold, whose precision is
not the best), and in the same cells changes something the grading relies on. Each kind of
tampering gets a submission of its own; every one must score 0 on both questions and be
listed for the instructor in ``review``, while the solution keeps full marks. One grading
run, two kernels at a time, covers them all; a second one does the same under ``--sandbox``
(skipped, saying how to install bubblewrap, where it is missing).
"""

from __future__ import annotations

import csv
import textwrap
from pathlib import Path

import nbformat
import pytest

from dlcourse.cli import main
from dlcourse.grading.runner import sandbox_problem

pytestmark = pytest.mark.filterwarnings("ignore::nbformat.warnings.DuplicateCellId")

ROOT = Path(__file__).resolve().parents[1]
NAME = "01_classification_metrics"
EXERCISE = ROOT / "exercises" / f"{NAME}.ipynb"
SOLUTION = ROOT / "solutions" / f"{NAME}.ipynb"
FUNCTION, VALUE = "q1_confusion_counts", "q6_threshold_from_table"

WRONG_FUNCTION = textwrap.dedent('''\
    def confusion_counts(y_true, y_pred):
        y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
        return {"tp": int(np.sum((y_pred == 1) & (y_true == 1))), "fp": int(np.sum((y_pred == 0) & (y_true == 1))),
                "fn": int(np.sum((y_pred == 1) & (y_true == 0))), "tn": int(np.sum((y_pred == 0) & (y_true == 0)))}
    ''')
WRONG_VALUE = textwrap.dedent('''\
    rows = []
    for threshold in candidate_thresholds:
        flagged = val_scores >= threshold
        tp = int(np.sum(flagged & (y_val == 1)))
        rows.append({"threshold": threshold, "precision": tp / max(int(flagged.sum()), 1), "recall": tp / int(np.sum(y_val == 1))})
    val_table = pd.DataFrame(rows)
    chosen_threshold = float(candidate_thresholds[0])  # the most recall, not the best precision that meets it
    ''')

# A report the tampering tries to slip in: the old verdict format, and made-up facts and outputs.
FORGED = textwrap.dedent('''\
    import json as _json
    _FORGED = {"kind": "value", "defined": True, "problem": None,
               "facts": {"value": {"__dict__": [["chosen", 0.02], ["table", None]]}},
               "callable": True, "outputs": [{"value": {"__dict__": []}}] * 40}
    ''')

TAMPERING = {  # student -> code run after the wrong answer, in both cells
    "assessment_functions": FORGED + textwrap.dedent('''\
        import dlcourse.assessment.evaluate as _evaluate, dlcourse.assessment.judge as _judge
        import dlcourse.assessment.encoding as _encoding, dlcourse.grading.probe as _probe
        _evaluate.evaluate = lambda *args, **kwargs: _FORGED
        _judge.judge = lambda question, *args, **kwargs: _judge.Verdict(question.id, _judge.Status.PASSED, "ok", 1, 1, 1.0)
        _encoding.to_jsonable = lambda value, *args: value
        _probe.evaluate = _evaluate.evaluate
        '''),
    "question_objects": textwrap.dedent('''\
        import dlcourse.questions.nb01_classification_metrics as _module
        for _question in _module.QUESTIONS:
            if hasattr(_question, "decide"):
                object.__setattr__(_question, "decide", lambda facts, given: None)
                object.__setattr__(_question, "facts", lambda value, namespace: {"chosen": 0.5})
            if hasattr(_question, "summarize"):
                object.__setattr__(_question, "summarize", lambda value: {"tp": 0})
        _module._threshold_from_table = lambda facts, given: None
        '''),
    "numpy_functions": textwrap.dedent('''\
        import numpy
        numpy.isclose = lambda *args, **kwargs: True
        numpy.allclose = lambda *args, **kwargs: True
        numpy.array_equal = lambda *args, **kwargs: True
        numpy.ascontiguousarray = lambda *args, **kwargs: numpy.zeros(1)
        '''),
    "pandas_methods": textwrap.dedent('''\
        import pandas
        pandas.DataFrame.to_dict = lambda self, *args, **kwargs: [{"threshold": 0.5, "precision": 1.0, "recall": 1.0}]
        pandas.DataFrame.equals = lambda self, other: True
        pandas.Series.__eq__ = lambda self, other: True
        '''),
    "json_encoder": FORGED + textwrap.dedent('''\
        import json
        json.dumps = lambda *args, **kwargs: _json.JSONEncoder().encode(_FORGED)
        json.JSONEncoder.encode = lambda self, value: '{"kind": "value", "defined": true, "problem": null}'
        '''),
    "sys_modules": FORGED + textwrap.dedent('''\
        import sys, types
        _fake = types.ModuleType("fake")
        _fake.report = lambda path, *args, **kwargs: open(path, "w").write(_json.dumps(_FORGED))
        _fake.restore = lambda: None
        _fake.evaluate = lambda *args, **kwargs: _FORGED
        for _name in ("dlcourse.grading.probe", "_dlcourse_grader_boot", "dlcourse.assessment.evaluate",
                      "dlcourse.assessment.questions"):
            sys.modules[_name] = _fake
        '''),
    "import_hook": FORGED + textwrap.dedent('''\
        import sys, types, importlib.abc, importlib.machinery
        class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
            def find_spec(self, name, path=None, target=None):
                return importlib.machinery.ModuleSpec(name, self) if name.startswith("dlcourse") else None
            def create_module(self, spec):
                module = types.ModuleType(spec.name)
                module.__path__ = []
                module.report = lambda path, *args, **kwargs: open(path, "w").write(_json.dumps(_FORGED))
                module.questions_for = lambda *args: {}
                return module
            def exec_module(self, module):
                pass
        sys.meta_path.insert(0, _Finder())
        '''),
    "lying_objects": textwrap.dedent('''\
        class _Liar(float):
            def __eq__(self, other): return True
            def __ne__(self, other): return False
            def __float__(self): return 0.06
            def __len__(self): return 1350
            def __array__(self, *args, **kwargs): return np.asarray(0.06)
            __hash__ = float.__hash__
        class _LyingDict(dict):
            def __eq__(self, other): return True
            def __getitem__(self, key): return _Liar(0)
            def items(self): return []
        if "chosen_threshold" in globals():
            chosen_threshold = _Liar(0.02)
        _wrong = confusion_counts
        confusion_counts = lambda y_true, y_pred: _LyingDict(_wrong(y_true, y_pred))
        '''),
    "background_thread": FORGED + textwrap.dedent('''\
        import os, threading, time
        def _rewrite():
            folder = os.path.join(os.path.dirname(os.getcwd()), "payloads")
            for _ in range(20000):
                try:
                    for name in os.listdir(folder):
                        with open(os.path.join(folder, name), "w") as handle:
                            handle.write(_json.dumps(_FORGED))
                except OSError:
                    pass
                time.sleep(0.001)
        threading.Thread(target=_rewrite, daemon=True).start()
        '''),
    "input_transformer": textwrap.dedent('''\
        def _drop_grader_cells(lines):
            return ["pass\\n"] if any("dlcourse grader" in line for line in lines) else lines
        get_ipython().input_transformers_post.append(_drop_grader_cells)
        '''),
    # right code kept aside, swapped in only for the grader's cells: its probes run silently, without these callbacks
    "run_cell_callbacks": textwrap.dedent('''\
        def _right_counts(y_true, y_pred):
            y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
            return {"tp": int(np.sum((y_pred == 1) & (y_true == 1))), "fp": int(np.sum((y_pred == 1) & (y_true == 0))),
                    "fn": int(np.sum((y_pred == 0) & (y_true == 1))), "tn": int(np.sum((y_pred == 0) & (y_true == 0)))}
        def _swap_for_the_grader(info):
            if "dlcourse grader" not in (info.raw_cell or ""):
                return
            globals()["confusion_counts"] = _right_counts
            if "val_table" in globals():
                meeting = val_table[val_table["recall"] >= REQUIRED_RECALL]
                globals()["chosen_threshold"] = float(meeting[meeting["precision"] == meeting["precision"].max()]["threshold"].max())
        get_ipython().events.register("pre_run_cell", _swap_for_the_grader)
        '''),
    "builtins_and_trace": textwrap.dedent('''\
        import builtins, sys
        builtins.isinstance = lambda *args: True
        builtins.type = lambda *args: float
        sys.settrace(lambda *args: None)
        '''),
}


def _submission(tampering: str) -> nbformat.NotebookNode:
    notebook = nbformat.read(EXERCISE, as_version=4)
    for cell in notebook.cells:
        first = cell.source.split("\n", 1)[0]
        if first == f"# EXERCISE {FUNCTION}":
            cell.source = f"{first}\n{WRONG_FUNCTION}{tampering}"
        elif first == f"# EXERCISE {VALUE}":
            cell.source = f"{first}\n{WRONG_VALUE}{tampering}"
    return notebook


@pytest.fixture(scope="module", params=[False, True], ids=["kernel", "sandbox"])
def graded(request, tmp_path_factory) -> dict:
    """One grading run of every submission: in plain guarded kernels, and under ``--sandbox`` (bubblewrap)."""
    sandbox = request.param
    if sandbox and (problem := sandbox_problem()) is not None:
        pytest.skip(problem)
    folder = tmp_path_factory.mktemp("tampering")
    submissions = folder / "submissions"
    submissions.mkdir()
    (submissions / "solution.ipynb").write_text(SOLUTION.read_text(encoding="utf-8"), encoding="utf-8")
    nbformat.write(_submission(""), submissions / "honest_but_wrong.ipynb")
    for student, tampering in TAMPERING.items():
        nbformat.write(_submission(tampering), submissions / f"{student}.ipynb")
    out = folder / "out"
    code = main(["grade", str(EXERCISE), str(submissions), "--out", str(out), "--jobs", "2", "--seed", "11",
                 "--timeout", "30", "--submission-timeout", "240", *(["--sandbox"] if sandbox else [])])
    assert code == 0
    with open(out / "grades.csv", encoding="utf-8") as handle:
        grades = {(r["student"], r["question"]): r for r in csv.DictReader(handle)}
    with open(out / "summary.csv", encoding="utf-8") as handle:
        review = {r["student"]: r["review"] for r in csv.DictReader(handle)}
    return {"grades": grades, "review": review}


def test_the_solution_keeps_full_marks_and_the_wrong_answers_fail(graded):
    for qid in (FUNCTION, VALUE):
        assert graded["grades"][("solution", qid)]["status"] == "passed", graded["grades"][("solution", qid)]
        assert graded["grades"][("honest_but_wrong", qid)]["status"] == "failed"
    assert "higher precision" in graded["grades"][("honest_but_wrong", VALUE)]["message"]


@pytest.mark.parametrize("student", sorted(TAMPERING))
def test_tampering_scores_zero(graded, student):
    for qid in (FUNCTION, VALUE):
        row = graded["grades"][(student, qid)]
        assert float(row["points"]) == 0 and row["status"] != "passed", (student, qid, row)


@pytest.mark.parametrize("student", sorted(TAMPERING))
def test_tampering_is_listed_for_review(graded, student):
    assert VALUE in graded["review"][student], graded["review"][student]
    assert "honest_but_wrong" not in graded["review"] or not graded["review"]["honest_but_wrong"]


def test_the_kernel_side_never_decides():
    """What runs in a grading kernel (``evaluate``, through the probe) reports facts and never a verdict: no value
    question has a ``validate`` any more, and evaluating each one calls no ``decide``."""
    import dataclasses

    from dlcourse.assessment.evaluate import evaluate
    from dlcourse.assessment.questions import ValueQuestion, questions_for
    from dlcourse.questions import MODULES

    assert "validate" not in {f.name for f in dataclasses.fields(ValueQuestion)}
    called = []
    value_questions = [q for notebook in MODULES for q in questions_for(notebook).values() if isinstance(q, ValueQuestion)]
    assert value_questions, "no value question found: the registry of question modules is empty"
    for question in value_questions:
        spy = dataclasses.replace(question, decide=lambda facts, given, qid=question.id: called.append(qid))
        for namespace in ({}, {question.variable: 0.5}):
            report = evaluate(spy, namespace)
            assert set(report) <= {"kind", "defined", "facts", "given"}, (question.id, report)
    assert called == []
