"""Questions of ``01_classification_metrics``.

Public cases are chosen so that the usual wrong answers fail them, not only the hidden
ones: swapped arguments (false positives and false negatives differ), a zero denominator
in each metric (and in all three at once), a strict ``>`` threshold, a tie in precision, a
class that only the predictions contain, labels that are not 0..k-1, and ties for the
majority class that neither "first seen" nor "last seen" breaks right. The table question
is decided on the set-up cell's validation split and candidate thresholds as the solution's run
has them, not as the student's namespace does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dlcourse.assessment.compare import is_number, kind_of
from dlcourse.assessment.facts import array, fingerprint, plain, table_rows
from dlcourse.assessment.questions import Case, FunctionQuestion, ValueQuestion, WrittenQuestion


def _binary_pairs(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    cases = []
    for n in (5, 40, 300):
        y_true = rng.integers(0, 2, size=n)
        y_pred = np.where(rng.random(n) < 0.7, y_true, 1 - y_true)
        cases.append(((y_true, y_pred), {}))
    y_true = np.array([1, 1, 1, 0, 0, 0, 0])
    cases.append(((y_true, rng.permutation(np.array([1, 0, 0, 1, 0, 0, 0]))), {}))  # few positives predicted
    cases.append(((np.zeros(6, dtype=int), np.zeros(6, dtype=int)), {}))  # no positives at all
    return cases


def _counts(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    cases = [((int(tp), int(fp), int(fn)), {}) for tp, fp, fn in rng.integers(0, 50, size=(4, 3))]
    return cases + [((0, 0, int(rng.integers(1, 9))), {}), ((0, int(rng.integers(1, 9)), 0), {}), ((0, 0, 0), {})]


def _scores(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    cases = []
    for n, min_recall, decimals in ((20, 0.5, 3), (100, 0.9, 3), (400, 0.75, 3), (60, 0.3, 1)):
        y_true = rng.integers(0, 2, size=n)
        y_true[:2] = [0, 1]  # both classes present
        scores = np.round(np.clip(0.3 * y_true + rng.random(n) * 0.7, 0, 1), decimals)  # 1 decimal: many ties
        cases.append(((y_true, scores, min_recall), {}))
    return cases


def _multiclass(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    cases = []
    for n, k in ((10, 3), (200, 5), (1000, 10)):
        y_true = rng.integers(0, k, size=n)
        y_pred = np.where(rng.random(n) < 0.6, y_true, rng.integers(0, k, size=n))
        cases.append(((y_true, y_pred), {}))
    labels = np.sort(rng.choice(np.arange(1, 20), size=3, replace=False))  # not 0..k-1
    y_true = rng.choice(labels[:2], size=30)  # the third label only among the predictions
    y_pred = np.where(rng.random(30) < 0.7, y_true, rng.choice(labels, size=30))
    cases.append(((y_true, y_pred), {}))
    return cases


def _majority(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    cases = [((rng.choice(3, size=n, p=[0.6, 0.3, 0.1]), rng.choice(3, size=m, p=[0.5, 0.3, 0.2])), {})
             for n, m in ((10, 5), (200, 80), (1000, 999))]
    low, high, other = rng.choice(np.arange(0, 9), size=3, replace=False)
    low, high = min(low, high), max(low, high)
    # low and high both 5 times, high seen first: a tie that "first seen" or "largest" breaks wrongly
    tied = np.r_[[high], rng.permutation(np.r_[np.full(4, high), np.full(5, low), np.full(2, other)])]
    cases.append(((tied, rng.choice([low, high, other], size=12)), {}))
    # the same tie with low seen first and high seen last: "last seen" (a >= while counting) breaks it wrongly
    tied = np.r_[[low], rng.permutation(np.r_[np.full(4, low), np.full(4, high), np.full(2, other)]), [high]]
    cases.append(((tied, rng.choice([low, high, other], size=12)), {}))
    return cases


# --------------------------------------------------------------------------- q6: a threshold from a table

REQUIRED_RECALL = 0.6
TABLE_COLUMNS = ("threshold", "precision", "recall")
CANDIDATE_THRESHOLDS = np.round(np.arange(0.02, 0.52, 0.02), 2)  # as in the exercise's set-up cell
VALIDATION_SIZE = 1350  # cases in the exercise's validation split (30 % of the 4,500 not kept for testing)


SPLIT_CHANGED = ("`y_val` or `val_scores` is not the validation split of the set-up cell any more: leave them as they "
                 "are (choose which split to use in your own code) and run the set-up cell again")
CANDIDATES_CHANGED = ("`candidate_thresholds` is not the list of the set-up cell any more: the team considers only those "
                      "thresholds; run the set-up cell again and build the table from them")
SETUP_NAMES = ("y_val", "val_scores", "candidate_thresholds")


def _table_facts(value: Any, namespace: Mapping[str, Any]) -> dict:
    """In the kernel: the student's table and the threshold chosen from it, as plain data, and
    fingerprints of the set-up's names as the student's namespace holds them."""
    facts = {"chosen": plain(value), "setup": {name: fingerprint(namespace.get(name)) for name in SETUP_NAMES}}
    if "val_table" not in namespace:
        return {**facts, "table": None}
    try:
        return {**facts, "table": table_rows(namespace["val_table"], TABLE_COLUMNS, "val_table")}
    except (TypeError, KeyError) as problem:
        return {**facts, "table": str(problem).strip("'\"")}


def _table_given(namespace: Mapping[str, Any]) -> dict:
    """The set-up cell's validation split and candidates (for the grader: as the solution's run has them).
    For ``check``, which reads them from the student's own namespace, they must still look like the set-up's."""
    y_val, scores = array(namespace["y_val"], "y_val"), array(namespace["val_scores"], "val_scores")
    candidates = array(namespace["candidate_thresholds"], "candidate_thresholds")
    if len(y_val) != VALIDATION_SIZE or len(scores) != VALIDATION_SIZE:
        raise ValueError(SPLIT_CHANGED)
    if candidates.shape != CANDIDATE_THRESHOLDS.shape or not np.allclose(candidates, CANDIDATE_THRESHOLDS, rtol=0, atol=1e-9):
        raise ValueError(CANDIDATES_CHANGED)
    return {"y_val": y_val, "scores": scores, "candidates": candidates,
            "setup": {name: fingerprint(namespace[name]) for name in SETUP_NAMES}}


def _right_table(given: Mapping[str, Any]) -> dict[float, tuple[float, float]]:
    """Threshold -> (precision, recall) on the validation split, a score equal to the threshold counting as positive."""
    y_val, scores = np.asarray(given["y_val"]), np.asarray(given["scores"], dtype=float)
    positives = y_val == 1
    table = {}
    for threshold in np.asarray(given["candidates"], dtype=float):
        flagged = scores >= threshold
        tp = np.sum(flagged & positives)
        table[round(float(threshold), 9)] = (tp / np.sum(flagged) if np.sum(flagged) else 0.0, tp / np.sum(positives))
    return table


def _threshold_from_table(facts: Mapping[str, Any], given: Mapping[str, Any]) -> str | None:
    """Outside the kernel: the student's table must be the right one, and the threshold the right choice from it."""
    rows, value = facts["table"], facts["chosen"]
    changed = [name for name in SETUP_NAMES if facts["setup"].get(name) != given["setup"][name]]
    if "candidate_thresholds" in changed:
        return CANDIDATES_CHANGED
    if changed:
        return SPLIT_CHANGED
    if rows is None:
        return "no `val_table` found: build the table of thresholds in the same cell"
    if isinstance(rows, str):
        return rows
    right = _right_table(given)
    if any(not is_number(r["threshold"]) for r in rows) or \
            sorted(round(float(r["threshold"]), 9) for r in rows) != sorted(right):
        return ("`val_table` must have one row for each of the set-up cell's `candidate_thresholds`, and no other rows "
                "(the team considers only those thresholds: if you changed them, run the set-up cell again)")
    for row in rows:
        precision, recall = right[round(float(row["threshold"]), 9)]
        if not (is_number(row["precision"]) and is_number(row["recall"])
                and np.isclose(float(row["precision"]), precision, atol=1e-6)
                and np.isclose(float(row["recall"]), recall, atol=1e-6)):
            return (f"the row for threshold {float(row['threshold']):g} does not hold the precision and recall of the "
                    "validation scores (use the validation set of the set-up cell, and count a score equal to the "
                    "threshold as positive)")
    if not is_number(value) or isinstance(value, bool):
        return f"expected one of the candidate thresholds (a number), found {kind_of(value)}"
    chosen = round(float(value), 9)
    if chosen not in right:
        return f"{float(value):g} is not a threshold of your table"
    if right[chosen][1] < REQUIRED_RECALL:
        return f"at {float(value):g} your table's recall is {right[chosen][1]:.3f}, below the required {REQUIRED_RECALL}"
    meeting = {t: pr for t, pr in right.items() if pr[1] >= REQUIRED_RECALL}
    best_precision = max(p for p, _ in meeting.values())
    if right[chosen][0] < best_precision - 1e-12:
        return (f"another threshold in your table also reaches recall {REQUIRED_RECALL} and has a higher precision "
                f"than {right[chosen][0]:.3f}")
    if any(t > chosen + 1e-12 and p >= best_precision - 1e-12 for t, (p, _) in meeting.items()):
        return "a higher threshold in your table ties on precision and also meets the recall requirement: take the highest"
    return None


QUESTIONS = [
    FunctionQuestion(
        id="q1_confusion_counts", points=2, function="confusion_counts",
        public=[
            Case((np.array([1, 0, 1, 1, 0]), np.array([1, 1, 0, 1, 0])), {"tp": 2, "fp": 1, "fn": 1, "tn": 1}),
            Case((np.array([1, 1, 1, 0, 0, 0]), np.array([1, 0, 0, 1, 0, 0])), {"tp": 1, "fp": 1, "fn": 2, "tn": 2}),
            Case((np.array([0, 0, 0]), np.array([0, 0, 0])), {"tp": 0, "fp": 0, "fn": 0, "tn": 3}),
        ],
        hidden=_binary_pairs,
        hint="think about which argument holds the truth and which the prediction: a false positive is predicted "
             "positive but truly negative, a false negative the reverse.",
    ),
    FunctionQuestion(
        id="q2_precision_recall_f1", points=2, function="precision_recall_f1",
        public=[
            Case((8, 2, 2), (0.8, 0.8, 0.8)),
            Case((3, 1, 6), (0.75, 3 / 9, 2 * 0.75 * (3 / 9) / (0.75 + 3 / 9))),
            Case((0, 0, 5), (0.0, 0.0, 0.0)),  # nothing predicted positive: precision undefined
            Case((0, 4, 0), (0.0, 0.0, 0.0)),  # no positives at all: recall undefined
            Case((0, 0, 0), (0.0, 0.0, 0.0)),  # nothing at all: all three undefined (F1 from the counts too)
        ],
        hidden=_counts,
        hint="think about what each metric divides by, and what happens when that is zero (each of the three can "
             "be undefined on its own); F1 is a harmonic mean, not an ordinary one; the results are fractions.",
    ),
    FunctionQuestion(
        id="q3_threshold_for_recall", points=3, function="threshold_for_recall",
        public=[
            Case((np.array([0, 0, 1, 1, 0, 1]), np.array([0.1, 0.4, 0.35, 0.8, 0.2, 0.9]), 0.6), 0.8),
            Case((np.array([0, 0, 1, 1, 0, 1]), np.array([0.1, 0.4, 0.35, 0.8, 0.2, 0.9]), 1.0), 0.35),
            Case((np.array([1, 0, 1, 0]), np.array([0.9, 0.9, 0.5, 0.1]), 0.5), 0.5),  # 0.9 reaches recall 0.5 but with precision 0.5 only
            Case((np.array([1, 1, 0, 1, 1]), np.array([0.9, 0.8, 0.7, 0.6, 0.5]), 0.25), 0.9),  # 0.9 and 0.8 tie on precision 1
        ],
        hidden=_scores,
        hint="think about which thresholds are worth trying, whether a score equal to the threshold counts as "
             "positive, and what 'at least' means for the recall; among the thresholds that qualify, precision "
             "decides, and a tie goes to the higher threshold.",
    ),
    FunctionQuestion(
        id="q4_macro_f1", points=2, function="macro_f1",
        public=[
            Case((np.array([0, 0, 1, 1, 2, 2]), np.array([0, 0, 1, 1, 2, 2])), 1.0),
            Case((np.array([0, 0, 0, 0, 1, 2]), np.array([0, 0, 0, 0, 0, 0])), 0.8 / 3),  # class 0: P=4/6, R=1, F1=0.8; 1, 2: F1=0
            Case((np.array([0, 1, 2, 0]), np.array([0, 2, 1, 0])), 1 / 3),
            Case((np.array([0, 0, 1, 1]), np.array([0, 2, 1, 1])), (2 / 3 + 1 + 0) / 3),  # class 2 only predicted
            Case((np.array([3, 3, 7, 7, 7]), np.array([3, 7, 7, 7, 3])), (0.5 + 2 / 3) / 2),  # labels 3 and 7 only
        ],
        hidden=_multiclass,
        hint="think about which classes take part: those seen in the truth or in the predictions, whatever their "
             "labels are; then every class counts the same, however many examples it has.",
    ),
    FunctionQuestion(
        id="q5_majority_accuracy", points=1, function="majority_accuracy",
        public=[
            Case((np.array([0, 0, 1]), np.array([0, 1, 1, 1])), 0.25),
            Case((np.array([2, 2, 1, 2]), np.array([2, 2])), 1.0),
            Case((np.array([1, 1, 0, 0, 2]), np.array([0, 1, 1])), 1 / 3),  # 0 and 1 tie: the smaller label, 0
            Case((np.array([3, 5, 4, 5, 3]), np.array([3, 5, 5, 4])), 0.25),  # 3 and 5 tie, 3 seen first: still 3
        ],
        hidden=_majority,
        hint="think about which data the lazy model is allowed to learn from (the training labels only), and how "
             "a tie between two equally frequent classes is broken (the smaller label).",
    ),
    ValueQuestion(
        id="q6_threshold_from_table", points=2, variable="chosen_threshold",
        facts=_table_facts, given_facts=_table_given, decide=_threshold_from_table,
        hint="think about which split a choice is made on, and read your own table: first keep the rows that meet "
             "the recall requirement, then compare their precision.",
    ),
    WrittenQuestion(
        id="q7_roc_auc_or_ap", points=2,
        rubric="Full marks: (1) quotes the validation numbers the notebook printed (with SEED 42: ROC-AUC 0.798, "
               "average precision 0.355, prevalence 0.054; at the chosen threshold 0.06 precision 0.166 and recall "
               "0.671), not numbers from the lesson or made up: a quoted number the run did not print earns nothing "
               "for (1); "
               "(2) reports average precision (with the prevalence as its chance level) and/or precision and recall "
               "at the operating threshold, not ROC-AUC alone; (3) explains why: ROC-AUC uses rates within each class "
               "(false positive rate among the many negatives) and does not change with prevalence, so it hides that "
               "most alarms are false; AP's chance level is the prevalence, ROC-AUC's is 0.5. One point for a correct "
               "choice with a partial reason; none for 'ROC-AUC because it is higher'.",
    ),
    WrittenQuestion(
        id="q8_averaging", points=2,
        rubric="Full marks: macro F1 decides (every class weighs the same; the rare classes are the costly ones); "
               "weighted F1 is dominated by the 85 % routine class; the gap means some rare classes have poor F1; "
               "next look at per-class precision/recall (classification report) and the normalised confusion "
               "matrix, above all recall of resuscitation and emergency. One point for the right average without "
               "reading the gap or a next step.",
    ),
    WrittenQuestion(
        id="q9_cost_of_errors", points=2,
        rubric="One point each: (a) precision, because a false positive hides a real e-mail nobody will see, "
               "while a missed spam costs little; (b) recall, because a missed case leaves a serious disease "
               "untreated while a false alarm is cleared by the accurate second test.",
    ),
]
