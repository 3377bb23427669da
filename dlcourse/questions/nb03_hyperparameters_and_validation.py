"""Questions of ``03_hyperparameters_and_validation``.

The cross-validation questions (q4, q6) check what was run, not the shape of the result:
``cv_results`` must keep its fitted models, and each one is read for its class, network,
loss, optimizer, learning rate, epochs, batch size and the number of examples it was
trained on; q4 also recomputes every fold's scores from its model on the stratified folds
of ``X_dev`` (which data, which folds, which F1 average). q6 grades a decision against the
student's own fold scores with the lesson's corrected paired t-test.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from dlcourse.checking import Case, FunctionQuestion, ValueQuestion, WrittenQuestion

# --------------------------------------------------------------------------- hidden cases


def _sizes(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    k = int(rng.integers(3, 11))
    remainder = int(rng.integers(2, k))  # at least two folds get an extra example
    return [((int(k * rng.integers(5, 200) + remainder), k), {}),
            ((int(rng.integers(50, 2000)), int(rng.integers(2, 11))), {}),
            ((int(rng.integers(2, 8) * 5), 5), {}),  # divides evenly
            ((int(rng.integers(5, 40)), 5), {})]


def _losses(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    cases = []
    for n in (1, 12, 60):
        curve = 2.0 * np.exp(-np.arange(n) / 8) + 0.01 * np.arange(n) + rng.normal(0, 0.02, n)
        cases.append(((np.round(curve, 4).tolist(),), {}))
    # an early dip that is not the lowest point, then the lowest value twice (a tie)
    n = int(rng.integers(8, 20))
    curve = np.round(np.linspace(1.5, 0.5, n) + rng.uniform(0.01, 0.05, n), 3)
    curve[1] = curve[2] - 0.05  # a local minimum at epoch 2 that later epochs beat
    low = int(rng.integers(4, n - 2))
    curve[low] = curve[low + 2] = round(float(curve.min()) - 0.1, 3)
    cases.append(((curve.tolist(),), {}))
    return cases


def _accuracies(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    target = round(float(rng.uniform(0.85, 0.95)), 2)
    return [((round(float(t), 3), round(float(v), 3), target), {}) for t, v in (
        (target - 0.05, target - 0.2),  # below the target with a large gap: still underfitting
        (target, target - 0.01),  # exactly at the target is not below it
        (target + 0.02, target + 0.04),  # validation above training: no overfitting
        (target + 0.04, target - 0.06),
        (rng.uniform(0.5, 1), rng.uniform(0.5, 1)))]


# --------------------------------------------------------------------------- cross-validation runs

EXPECTED_UNITS = [32, 10]  # make_network: Dense(32, relu) -> Dense(10, softmax)


def _learning_rate(model: Any) -> float:
    import keras

    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


def _loss_name(loss: Any) -> str:
    name = loss if isinstance(loss, str) else getattr(loss, "name", None) or getattr(loss, "__name__", None) or type(loss).__name__
    return str(name).lower().replace("_", "")


def _model_problem(fold: int, estimator: Any, learning_rate: float, epochs: int) -> str | None:
    """What is wrong with the fitted KerasClassifier of one fold (class, network, training settings)."""
    from dlcourse.keras_sklearn import KerasClassifier

    name = type(estimator).__name__
    if not isinstance(estimator, KerasClassifier):
        if name == "KerasClassifier":
            return (f"fold {fold} was fitted by scikeras's own KerasClassifier, which this scikit-learn does not "
                    "recognise as a classifier (so its folds are not stratified): use the course's KerasClassifier")
        return f"fold {fold} was fitted by a {name}, not by the course's KerasClassifier wrapping make_network"
    model = getattr(estimator, "model_", None)
    history = getattr(estimator, "history_", None)
    if model is None or history is None:
        return f"the model of fold {fold} was never fitted"
    units = [layer.units for layer in model.layers if hasattr(layer, "units")]
    if units != EXPECTED_UNITS:
        return f"the network has dense layers of {units} units; make_network's has {EXPECTED_UNITS}"
    if "categoricalcrossentropy" not in _loss_name(estimator.loss):
        return f"the loss is {estimator.loss!r}, expected sparse categorical cross-entropy"
    optimizer = type(model.optimizer).__name__
    if optimizer != "Adam":
        return f"the optimizer is {optimizer}, expected Adam"
    found_rate = _learning_rate(model)
    if not math.isclose(found_rate, learning_rate, rel_tol=1e-4):
        return f"the learning rate is {found_rate:g}, expected {learning_rate:g}"
    trained = len(history.get("loss", []))
    if trained != epochs:
        return f"each fold trained {trained} epochs, expected EPOCHS = {epochs}"
    if estimator.batch_size not in (None, 32):
        return f"the batch size is {estimator.batch_size}, expected 32"
    return None


def _run_problem(value: Any, namespace: Mapping[str, Any], *, learning_rate: float, scores: bool = True) -> str | None:
    """What is wrong with a ``cross_validate`` result that should come from the question's network,
    trained with ``learning_rate``, on the stratified folds of ``X_dev``. With ``scores``, every
    fold's accuracy and macro F1 are recomputed from its model on its validation fold."""
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold

    if not isinstance(value, Mapping) or "test_accuracy" not in value and "estimator" not in value:
        return "expected the dict that cross_validate returns"
    for key in ("test_accuracy", "test_f1_macro"):
        if key not in value:
            return f"missing {key!r}: score both the accuracy and the macro-averaged F1"
    if "estimator" not in value:
        return "it holds no fitted models: ask cross_validate to return them (see the question), so that they can be checked"
    n_folds, epochs = namespace.get("N_FOLDS"), namespace.get("EPOCHS")
    X_dev, y_dev = np.asarray(namespace["X_dev"]), np.asarray(namespace["y_dev"])
    estimators = list(value["estimator"])
    if len(estimators) != n_folds or np.shape(value["test_accuracy"]) != (n_folds,):
        return f"it has {len(estimators)} folds, expected one per fold: N_FOLDS = {n_folds}"
    folds = list(StratifiedKFold(n_splits=n_folds).split(X_dev, y_dev))
    for fold, (estimator, (train_idx, val_idx)) in enumerate(zip(estimators, folds), start=1):
        problem = _model_problem(fold, estimator, learning_rate, epochs)
        if problem:
            return problem
        trained_on = estimator.X_shape_[0]
        if trained_on != len(train_idx):
            return (f"fold {fold} was trained on {trained_on} examples, but K-fold on the development data "
                    f"({len(X_dev)} examples) trains on {len(train_idx)}: cross-validate X_dev and y_dev")
        if not scores:
            continue
        predicted = estimator.predict(X_dev[val_idx])
        accuracy = accuracy_score(y_dev[val_idx], predicted)
        if not math.isclose(float(value["test_accuracy"][fold - 1]), accuracy, abs_tol=1e-6):
            return (f"fold {fold}'s accuracy {float(value['test_accuracy'][fold - 1]):.4f} is not what its model "
                    f"scores on fold {fold} of X_dev ({accuracy:.4f}): cross-validate X_dev and y_dev on the "
                    "stratified folds the question asks for (no shuffling)")
        f1 = f1_score(y_dev[val_idx], predicted, average="macro")
        if not math.isclose(float(value["test_f1_macro"][fold - 1]), f1, abs_tol=1e-6):
            return (f"fold {fold}'s test_f1_macro {float(value['test_f1_macro'][fold - 1]):.4f} is not the "
                    f"macro-averaged F1 of its predictions ({f1:.4f}): average F1 over classes with equal weights")
    return None


def _cv_results(value: Any, namespace: Mapping[str, Any]) -> str | None:
    return _run_problem(value, namespace, learning_rate=1e-3)


# --------------------------------------------------------------------------- the paired decision

VERDICTS = ("A", "B", "no clear difference")


def paired_decision(scores_a: Any, scores_b: Any) -> tuple[str, float, float, float, float]:
    """(verdict, mean difference B - A, corrected standard error, t, critical value) by the lesson's
    rule: a corrected paired t-test (Nadeau & Bengio) on K-fold scores, two-sided at 5 %."""
    from scipy import stats

    differences = np.asarray(scores_b, dtype=float) - np.asarray(scores_a, dtype=float)
    k = len(differences)
    mean = float(differences.mean())
    corrected_se = float(differences.std(ddof=1) * np.sqrt(1 / k + 1 / (k - 1)))  # n_val / n_train = 1 / (K - 1)
    critical = float(stats.t.ppf(0.975, df=k - 1))
    if mean == 0:
        return "no clear difference", mean, corrected_se, 0.0, critical
    t = mean / corrected_se if corrected_se > 0 else math.copysign(math.inf, mean)
    verdict = ("B" if t > 0 else "A") if abs(t) > critical else "no clear difference"
    return verdict, mean, corrected_se, t, critical


def _verdict(value: Any, namespace: Mapping[str, Any]) -> str | None:
    if not isinstance(value, str) or value.strip().lower() not in [v.lower() for v in VERDICTS]:
        return f"expected one of {', '.join(map(repr, VERDICTS))}, found {value!r}"
    value = next(v for v in VERDICTS if v.lower() == value.strip().lower())
    problem = _run_problem(namespace.get("cv_results"), namespace, learning_rate=1e-3)
    if problem:
        return f"question 4's cv_results must be right first ({problem})"
    problem = _run_problem(namespace.get("cv_results_b"), namespace, learning_rate=1e-2, scores=False)
    if problem:
        return f"cv_results_b (setting B): {problem}"
    right, mean, se, t, critical = paired_decision(namespace["cv_results"]["test_accuracy"],
                                                   namespace["cv_results_b"]["test_accuracy"])
    if value == right:
        return None
    numbers = (f"your per-fold differences (B - A) have mean {mean:+.4f} and corrected standard error {se:.4f}, "
               f"so |t| = {abs(t):.2f} against the critical value {critical:.2f}")
    if right == "no clear difference":
        return f"{value!r} does not follow from your runs: {numbers}; a higher mean alone is not evidence"
    if value == "no clear difference":
        return (f"{value!r} does not follow from your runs: {numbers}; judge the differences fold by fold, "
                "not the two settings' spreads side by side")
    return f"{value!r} does not follow from your runs: {numbers}; the differences favour the other setting"


QUESTIONS = [
    FunctionQuestion(
        id="q1_fold_sizes", points=2, function="fold_sizes",
        public=[Case((10, 5), [2, 2, 2, 2, 2]), Case((10, 3), [4, 3, 3]), Case((11, 4), [3, 3, 3, 2]),
                Case((13, 5), [3, 3, 3, 2, 2]), Case((7, 7), [1] * 7)],
        hidden=_sizes,
        hint="think about what is left over when the examples are shared out equally among the folds: "
             "how many folds get one extra example, and which ones come first?",
    ),
    FunctionQuestion(
        id="q2_best_epoch", points=2, function="best_epoch",
        public=[Case(([0.9, 0.5, 0.4, 0.45, 0.6],), 3), Case(([1.0, 0.8, 0.85, 0.6, 0.7],), 4),
                Case(([0.3, 0.3, 0.2, 0.2],), 3), Case(([0.5, 0.4, 0.6, 0.4, 0.7],), 2), Case(([1.0],), 1)],
        hidden=_losses,
        hint="think about how a history numbers its epochs (the first one is epoch 1), that a curve can dip "
             "and fall again later, and which epoch to prefer when two share the lowest loss.",
    ),
    FunctionQuestion(
        id="q3_diagnose", points=2, function="diagnose",
        public=[Case((0.70, 0.69, 0.9), "underfitting"), Case((0.85, 0.70, 0.9), "underfitting"),
                Case((0.99, 0.88, 0.9), "overfitting"), Case((0.95, 0.93, 0.9), "good fit"),
                Case((0.9, 0.88, 0.9), "good fit"), Case((0.92, 0.99, 0.9), "good fit")],
        hidden=_accuracies,
        hint="think about the order of the rules (a model that is below the target is underfitting whatever "
             "its gap), what 'below' means for a value exactly at the target, and in which direction the gap counts.",
    ),
    ValueQuestion(
        id="q4_cross_validation", points=2, variable="cv_results", validate=_cv_results,
        hint="think about which estimator is cross-validated (the course's wrapper around make_network, with "
             "the settings the question lists), on which data (the development data, never the test set), "
             "with how many folds, and which two scores are asked for.",
    ),
    WrittenQuestion(
        id="q5_test_leak", points=2,
        rubric=("Full marks: (1) the test set is used to choose the width (five models scored on it, the best "
                "kept), so it has become a validation set; (2) the reported number is the maximum of five noisy "
                "scores on the same examples, hence optimistic (biased upward), not an estimate for new data; "
                "(3) fix: compare the widths on a validation set or by K-fold cross-validation on the training/"
                "development data, retrain the chosen one (e.g. on all development data) and evaluate that single "
                "model once on the test set. One point for (1)+(2), one for (3)."),
    ),
    ValueQuestion(
        id="q6_paired_comparison", points=3, variable="verdict", validate=_verdict,
        hint="think about comparing the two settings fold by fold on the same folds, and how large the mean "
             "difference must be, in corrected standard errors, before it counts.",
    ),
    WrittenQuestion(
        id="q7_what_it_shows", points=2,
        rubric=("Full marks: (1) states the verdict with the student's own numbers (mean per-fold difference, how "
                "many folds each setting won, t against the critical value); (2) says why the comparison is paired "
                "(same folds: fold difficulty cancels) and that the standard deviation of each setting's fold "
                "scores is not an error bar for comparing them; (3) names a limit: even the corrected test is "
                "approximate/optimistic because training sets overlap (and seeds vary), a non-significant result "
                "does not show the settings are equal, and the result holds for this data and budget only. "
                "One point for (1), one for (2)+(3)."),
    ),
]
