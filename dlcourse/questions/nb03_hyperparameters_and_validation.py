"""Questions of ``03_hyperparameters_and_validation``.

The cross-validation questions (q4, setting A; q6a, ``q6_setting_b``, setting B with Adam's
learning rate 0.01) check what was run, not the shape of the result: ``cv_results`` and
``cv_results_b`` must keep their fitted models, and the kernel reads each one, as plain data,
for its class, network, loss, optimizer, learning rate, epochs, batch size, the number of
examples it was trained on and its predictions on ``X_dev``. The judge, outside the kernel,
recomputes every fold's scores from those predictions on the stratified folds of the
set-up's ``X_dev`` (which data, which folds, which F1 average), with the set-up's constants
as the solution's run has them, so that the two runs are paired on the same folds. q6b
(``q6_paired_comparison``) is the lesson's corrected paired t-test as a function of
two cross-validation results, judged on made-up results that tell each misreading of the
rule from the rule (``paired_decision``, which exercises 04 and 09 use too); the notebook
applies it to the student's own two runs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from dlcourse.assessment.compare import is_number
from dlcourse.assessment.facts import array, class_path, fingerprint, is_keras_model, plain, type_name
from dlcourse.assessment.questions import Case, FunctionQuestion, ValueQuestion, WrittenQuestion

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


COURSE_CLASSIFIER = "dlcourse.keras_sklearn.KerasClassifier"
SCIKERAS_CLASSIFIER = "scikeras.wrappers.KerasClassifier"
DATA_CHANGED = ("`X_dev` or `y_dev` is not the development data of the set-up cell any more: leave them as they are "
                "and run the set-up cell again")


def _loss_name(loss: Any) -> str:
    """A loss (a name, a Keras loss object or a function) as a lower-case name without underscores."""
    if type(loss) is str:
        name = loss
    else:
        own = getattr(loss, "__dict__", {})
        name = own.get("name") if type(own) is dict and type(own.get("name")) is str else None
        name = name or getattr(loss, "__name__", None) or type_name(loss)
    return str.__str__(name if issubclass(type(name), str) else type_name(loss)).lower().replace("_", "")


def _length(values: Any) -> int | None:
    """How many items a list or array holds, read as plain data (None for anything else)."""
    found = plain(values)
    return len(found) if isinstance(found, (list, tuple, np.ndarray)) else None


def _model_facts(estimator: Any) -> dict:
    """One fold's fitted estimator as plain data: its class, network, training settings and training size."""
    import keras

    path = class_path(estimator)
    facts: dict = {"class": type_name(estimator), "path": path}
    if path not in (COURSE_CLASSIFIER, SCIKERAS_CLASSIFIER):
        return facts
    own = object.__getattribute__(estimator, "__dict__")
    model, history = own.get("model_"), own.get("history_")
    facts["fitted"] = model is not None and history is not None
    if not facts["fitted"]:
        return facts
    facts["keras_model"] = is_keras_model(model)
    if not facts["keras_model"]:  # an object posing as the fitted network: nothing of it is read
        return facts
    shape = own.get("X_shape_")
    facts.update(
        units=[plain(layer.units) for layer in model.layers if hasattr(layer, "units")],
        loss=_loss_name(own.get("loss")), optimizer=type_name(model.optimizer),
        learning_rate=float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)),
        epochs=_length(dict.get(history, "loss", [])) if issubclass(type(history), dict) else None,
        batch_size=plain(own.get("batch_size")),
        trained_on=plain(shape[0]) if type(shape) is tuple and shape else None,
        validated=issubclass(type(history), dict) and any(type(k) is str and k.startswith("val_")
                                                          for k in dict.keys(history)))
    return facts


def _run_facts(value: Any, namespace: Mapping[str, Any]) -> dict:
    """In the kernel: a ``cross_validate`` result as plain data: its keys and fold scores, each fold's model (see
    :func:`_model_facts`) and each fold's predicted classes for the whole of ``X_dev`` as the student's namespace
    holds it (the judge keeps the fold's validation part, if ``X_dev`` is the set-up's)."""
    if not issubclass(type(value), dict):
        return {"dict": False}
    get = lambda key: dict.get(value, key)  # noqa: E731 - the dict's own lookup, whatever a subclass says
    facts: dict = {"dict": True, "keys": [k for k in dict.keys(value) if type(k) is str],
                   "test_accuracy": plain(get("test_accuracy")), "test_f1_macro": plain(get("test_f1_macro")),
                   "data": {name: fingerprint(namespace.get(name)) for name in ("X_dev", "y_dev")}}
    estimators = get("estimator")
    if type(estimators) not in (list, tuple):
        facts["models"] = None if estimators is None else []
        return facts
    facts["models"] = [_model_facts(e) for e in estimators]
    X_dev = namespace.get("X_dev")
    facts["predictions"] = [_predicted(e, X_dev) if model.get("keras_model") and fingerprint(X_dev) else None
                            for e, model in zip(estimators, facts["models"])]
    return facts


def _predicted(estimator: Any, X: np.ndarray) -> np.ndarray:
    """The classes a fold's network predicts for ``X``: Keras's own ``predict`` on the network itself (not the
    wrapper's, which a student's class could redefine), the most probable of the ten digits."""
    import keras

    network = object.__getattribute__(estimator, "__dict__")["model_"]
    probabilities = keras.Model.predict(network, np.ndarray.view(X, np.ndarray), verbose=0)
    return plain(np.argmax(np.asarray(probabilities), axis=1))


def _cv_facts(value: Any, namespace: Mapping[str, Any]) -> dict:
    """In the kernel: question 4's run, with each fold's predictions (see :func:`_run_facts`)."""
    return _run_facts(value, namespace)


def _setup_given(namespace: Mapping[str, Any]) -> dict:
    """The set-up's constants and development labels, and fingerprints of its data (for the grader: as the
    solution's run has them)."""
    y_dev = array(namespace["y_dev"], "y_dev")
    if fingerprint(namespace.get("X_dev")) is None or np.ndarray.view(namespace["X_dev"], np.ndarray).shape[0] != len(y_dev):
        raise ValueError(DATA_CHANGED)
    return {"N_FOLDS": plain(namespace.get("N_FOLDS")), "EPOCHS": plain(namespace.get("EPOCHS")), "y_dev": y_dev,
            "data": {name: fingerprint(namespace.get(name)) for name in ("X_dev", "y_dev")}}


def _model_problem(fold: int, model: Mapping[str, Any], learning_rate: float, epochs: Any) -> str | None:
    """What is wrong with the fitted KerasClassifier of one fold (class, network, training settings)."""
    if model["path"] != COURSE_CLASSIFIER:
        if model["path"] == SCIKERAS_CLASSIFIER:
            return (f"fold {fold} was fitted by scikeras's own KerasClassifier, which this scikit-learn does not "
                    "recognise as a classifier (so its folds are not stratified): use the course's KerasClassifier")
        return f"fold {fold} was fitted by a {model['class']}, not by the course's KerasClassifier wrapping make_network"
    if not model["fitted"]:
        return f"the model of fold {fold} was never fitted"
    if not model["keras_model"]:
        return f"the model of fold {fold} is not a Keras network: fit the course's KerasClassifier itself"
    if model["units"] != EXPECTED_UNITS:
        return f"the network has dense layers of {model['units']} units; make_network's has {EXPECTED_UNITS}"
    if "categoricalcrossentropy" not in str(model["loss"]):
        return f"the loss is {model['loss']!r}, expected sparse categorical cross-entropy"
    if model["optimizer"] != "Adam":
        return f"the optimizer is {model['optimizer']}, expected Adam"
    found_rate = model["learning_rate"]
    if not (is_number(found_rate) and math.isclose(found_rate, learning_rate, rel_tol=1e-4)):
        return f"the learning rate is {found_rate:g}, expected {learning_rate:g}"
    if model["epochs"] != epochs:
        return f"each fold trained {model['epochs']} epochs, expected EPOCHS = {epochs}"
    if model["batch_size"] not in (None, 32):
        return f"the batch size is {model['batch_size']}, expected 32"
    if model.get("validated"):
        return (f"fold {fold} kept part of its training data back to validate on (validation_split or validation "
                "data), so it trained on fewer examples: train on the whole training part of each fold")
    return None


def _run_problem(facts: Any, given: Mapping[str, Any], *, learning_rate: float) -> str | None:
    """What is wrong with a ``cross_validate`` result that should come from the question's network, trained
    with ``learning_rate``, on the stratified folds of the set-up's ``X_dev``. Every fold's accuracy and macro F1
    are recomputed here from its model's predictions on its validation fold."""
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold

    if not isinstance(facts, dict) or not facts.get("dict") or "test_accuracy" not in facts["keys"] \
            and "estimator" not in facts["keys"]:
        return "expected the dict that cross_validate returns"
    for key in ("test_accuracy", "test_f1_macro"):
        if key not in facts["keys"]:
            return f"missing {key!r}: score both the accuracy and the macro-averaged F1"
    if facts["models"] is None:
        return "it holds no fitted models: ask cross_validate to return them (see the question), so that they can be checked"
    n_folds, epochs, y_dev = given["N_FOLDS"], given["EPOCHS"], np.asarray(given["y_dev"])
    models, accuracies, f1s = facts["models"], facts["test_accuracy"], facts["test_f1_macro"]
    if len(models) != n_folds or not isinstance(accuracies, np.ndarray) or accuracies.shape != (n_folds,):
        return f"it has {len(models)} folds, expected one per fold: N_FOLDS = {n_folds}"
    folds = list(StratifiedKFold(n_splits=n_folds).split(np.zeros((len(y_dev), 1)), y_dev))
    for fold, (model, (train_idx, val_idx)) in enumerate(zip(models, folds), start=1):
        problem = _model_problem(fold, model, learning_rate, epochs)
        if problem:
            return problem
        if model["trained_on"] != len(train_idx):
            return (f"fold {fold} was trained on {model['trained_on']} examples, but K-fold on the development data "
                    f"({len(y_dev)} examples) trains on {len(train_idx)}: cross-validate X_dev and y_dev")
        if facts["data"] != given["data"]:
            return DATA_CHANGED
        predicted = facts["predictions"][fold - 1]
        if not isinstance(predicted, np.ndarray) or predicted.shape != y_dev.shape or predicted.dtype.kind not in "iuf":
            return f"the model of fold {fold} gave no class for each example of X_dev"
        predicted = predicted[val_idx]
        accuracy = accuracy_score(y_dev[val_idx], predicted)
        found = accuracies[fold - 1]
        if not (is_number(found) and math.isclose(float(found), accuracy, abs_tol=1e-6)):
            shown = f"{float(found):.4f}" if is_number(found) else repr(found)
            return (f"fold {fold}'s accuracy {shown} is not what its model "
                    f"scores on fold {fold} of X_dev ({accuracy:.4f}): cross-validate X_dev and y_dev on the "
                    "stratified folds the question asks for (no shuffling)")
        f1 = f1_score(y_dev[val_idx], predicted, average="macro")
        found = f1s[fold - 1] if isinstance(f1s, np.ndarray) and f1s.shape == (n_folds,) else None
        if not (is_number(found) and math.isclose(float(found), f1, abs_tol=1e-6)):
            shown = f"{float(found):.4f}" if is_number(found) else repr(found)
            return (f"fold {fold}'s test_f1_macro {shown} is not the "
                    f"macro-averaged F1 of its predictions ({f1:.4f}): average F1 over classes with equal weights")
    return None


def _cv_results(facts: Any, given: Mapping[str, Any]) -> str | None:
    """Outside the kernel: question 4's run, judged against the set-up's data, folds and constants."""
    return _run_problem(facts, given, learning_rate=1e-3)


def _cv_results_b(facts: Any, given: Mapping[str, Any]) -> str | None:
    """Outside the kernel: question 6a's run of setting B, judged as question 4's, with B's learning rate."""
    return _run_problem(facts, given, learning_rate=1e-2)


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


# --------------------------------------------------------------------------- question 6 (run and decide)

# A function of two cross-validation results, judged on made-up results, because a student's own run cannot tell a
# right rule from a wrong one: in a smoke-budget run (2 folds, 2 epochs; seed 42) setting B was ahead by about 50
# points on both folds, so the higher mean, "ahead on every fold", an uncorrected or unpaired test, the fold spread as a yardstick,
# the wrong critical value and the macro F1 all give lesson 03's verdict there.
#
# The rule is ``paired_decision``'s. The hidden cases are drawn so that each misreading decides at least one of them
# differently (tests/test_wrong_answers_03.py keeps each as a fixture): the higher mean, ahead (or behind) on every
# fold, the gain against a setting's fold spread or mean +- spread intervals, an unpaired (Welch) test, the standard
# error without the correction (or scipy's paired t-test), with np.std's ddof=0, with n_val / n_train read as 1 / K,
# K degrees of freedom, a one-sided critical value, a fixed one (1.96, or 5 or 2 folds' value: N_FOLDS), the macro
# F1 instead of the accuracy, B - A read backwards, and a verdict that only lets B win or calls either winner B.

# (folds K, corrected t of the accuracy differences B - A, their mean, shared fold effect, corrected t of F1's)
_COMPARISONS = {
    # B: t about 14, yet the gain (about 0.02) is below A's fold spread and an unpaired test misses it; F1 alone: none
    "clear under a large fold effect": (3, 14.0, 0.02, 0.06, 0.5),
    # none: t in (2.62, 2.78), so ddof=0, an uncorrected SE, 1 / K, K df, one-sided or 1.96 all say B; F1 alone: B
    "ahead on every fold, not shown": (5, 2.69, 0.02, 0.0, 9.0),
    # B, although B lost one fold: t about 2.45, between 10 folds' critical value (2.26) and 5 folds' (2.78)
    "shown, one fold lost": (10, 2.45, 0.015, 0.01, 2.45),
    # none: t 3.8 < 4.30 (2 df), above K df's 3.18 and one-sided 2.92
    "shown only one-sided or with K degrees of freedom": (3, 3.8, 0.04, 0.0, 3.8),
    # A: B clearly behind, by less than the fold effect's spread (about 0.19)
    "behind, shown": (3, -12.0, -0.11, 0.19, -12.0),
}


def _differences(rng: np.random.Generator, k: int, t: float, mean: float, lost: bool = False) -> np.ndarray:
    """K per-fold differences with this mean whose corrected t is ``t`` (with ``lost``, at least one is negative)."""
    factor = math.sqrt(1 / k + 1 / (k - 1))
    while True:
        z = rng.normal(size=k)
        z = (z - z.mean()) / z.std(ddof=1)
        if not lost or t * factor + z.min() < -0.25:
            break
    return mean * (1 + z / (t * factor))  # mean = t * factor * sd, so that sd = mean / (t * factor)


def _comparison(rng: np.random.Generator, kind: str) -> tuple[tuple, dict]:
    """Two made-up ``cross_validate`` results on the same K folds (each fold's scores share a fold effect, which a
    paired comparison removes and an unpaired one does not), as ``_COMPARISONS[kind]`` describes them."""
    k, t, mean, effect, t_f1 = _COMPARISONS[kind]
    mean *= rng.uniform(0.8, 1.25)
    shared = np.linspace(-effect, effect, k)[rng.permutation(k)] + rng.uniform(-0.003, 0.003, k)
    accuracy_a = rng.uniform(0.6, 0.7) + shared
    accuracy_b = accuracy_a + _differences(rng, k, t, mean, lost=kind == "shown, one fold lost")
    f1_a = accuracy_a - rng.uniform(0.005, 0.02) + rng.uniform(-0.003, 0.003, k)
    f1_b = f1_a + _differences(rng, k, t_f1, abs(mean) * math.copysign(1, t_f1))

    def results(accuracy: np.ndarray, f1: np.ndarray) -> dict:
        return {"fit_time": np.round(rng.uniform(2.0, 6.0, k), 3), "score_time": np.round(rng.uniform(0.05, 0.2, k), 3),
                "test_accuracy": np.round(accuracy, 6), "test_f1_macro": np.round(f1, 6)}

    return (results(accuracy_a, f1_a), results(accuracy_b, f1_b)), {}


def _comparisons(rng: np.random.Generator) -> list[tuple[tuple, dict]]:
    """One pair of results of each kind."""
    return [_comparison(rng, kind) for kind in _COMPARISONS]


def _public_results(accuracy: list[float], f1: list[float]) -> dict:
    k = len(accuracy)
    return {"fit_time": np.round(np.linspace(3.1, 3.5, k), 2), "score_time": np.full(k, 0.12),
            "test_accuracy": np.array(accuracy), "test_f1_macro": np.array(f1)}


def _public_case(accuracy_a: list[float], differences: list[float], f1_differences: list[float]) -> tuple:
    a = np.array(accuracy_a)
    f1_a = np.round(a - 0.01, 4)
    return (_public_results(a.tolist(), f1_a.tolist()),
            _public_results(np.round(a + differences, 4).tolist(), np.round(f1_a + f1_differences, 4).tolist()))


def _public_comparison(results_a: dict, results_b: dict) -> dict:
    """The expected dict of a public case, by ``paired_decision`` (the course's one rule)."""
    verdict, mean, se, t, critical = paired_decision(results_a["test_accuracy"], results_b["test_accuracy"])
    return {"mean_difference": mean, "corrected_se": se, "t": t, "critical": critical, "verdict": verdict}


PUBLIC_COMPARISONS = [
    # 5 folds, B ahead on every fold, t = 2.73 < 2.78: not shown (F1 alone would say B)
    _public_case([0.912, 0.884, 0.931, 0.897, 0.905], [0.010, 0.016, 0.008, 0.029, 0.013],
                 [0.012, 0.013, 0.011, 0.014, 0.012]),
    # 3 folds, A ahead on every fold under a large fold effect: t = -12.0, shown (an unpaired test says nothing)
    _public_case([0.80, 0.62, 0.71], [-0.10, -0.11, -0.12], [-0.10, -0.11, -0.12]),
    # 10 folds, B behind on one fold, t = 2.47 > 2.26: shown
    _public_case([0.86, 0.88, 0.85, 0.87, 0.9, 0.84, 0.86, 0.88, 0.87, 0.85],
                 [0.021, 0.034, -0.008, 0.012, 0.027, 0.006, 0.004, 0.025, 0.005, 0.030],
                 [0.021, 0.034, -0.008, 0.012, 0.027, 0.006, 0.004, 0.025, 0.005, 0.030]),
]


def _comparison_summary(found: Any) -> Any:
    """What ``compare_settings`` returned, with a verdict written in other capitals or with spaces around it read
    as the verdict it names; anything else is left as it is."""
    if not issubclass(type(found), dict):
        return found
    found = dict(dict.items(found))
    verdict = found.get("verdict")
    if issubclass(type(verdict), str):
        text = str.__str__(verdict).strip().lower()
        found["verdict"] = next((v for v in VERDICTS if v.lower() == text), str.__str__(verdict))
    return found


# Libraries this module's facts are read with: the grading kernel imports them before any student code, so that
# its snapshot restores them too (dlcourse/grading/kernel.py).
SNAPSHOT_MODULES = ('scikeras.wrappers', 'dlcourse.keras_sklearn', 'sklearn.model_selection')

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
        id="q4_cross_validation", points=2, variable="cv_results", facts=_cv_facts, given_facts=_setup_given,
        decide=_cv_results,
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
        id="q6_setting_b", points=1, variable="cv_results_b", facts=_cv_facts, given_facts=_setup_given,
        decide=_cv_results_b,
        hint="think about what may differ from question 4's run for the comparison to be paired: one setting, "
             "and nothing about the data, the folds or the scores.",
    ),
    FunctionQuestion(
        id="q6_paired_comparison", points=3, function="compare_settings",
        public=[Case(args, _public_comparison(*args)) for args in PUBLIC_COMPARISONS],
        hidden=_comparisons, summarize=_comparison_summary,
        hint="think about what both settings share on one fold and what a fold-by-fold difference removes, about "
             "how many folds the results you are given hold, and which way the differences point.",
    ),
    WrittenQuestion(
        id="q7_what_it_shows", points=2,
        rubric=("Full marks: (1) states the verdict with the student's own numbers (mean per-fold difference, how "
                "many folds each setting won, t against the critical value); (2) says why the comparison is paired "
                "(same folds: fold difficulty cancels) and that the standard deviation of each setting's fold "
                "scores is not an error bar for comparing them; (3) names a limit: even the corrected test is only "
                "approximate (its correction for the overlapping training sets is a heuristic, and seeds vary), a "
                "non-significant result "
                "does not show the settings are equal, and the result holds for this data and budget only. "
                "One point for (1), one for (2)+(3)."),
    ),
]
