"""The scikeras shim: scikit-learn must see our wrappers as a classifier and a regressor."""

import json
import subprocess
import sys

import numpy as np
import sklearn
from sklearn.base import is_classifier, is_regressor
from sklearn.model_selection import GridSearchCV, StratifiedKFold, check_cv

from dlcourse.keras_sklearn import KerasClassifier, KerasRegressor


def test_the_shim_is_recognised():
    assert is_classifier(KerasClassifier(model=None))
    assert is_regressor(KerasRegressor(model=None))
    assert not is_regressor(KerasClassifier(model=None))


def test_cross_validation_is_stratified_for_our_classifier():
    y = np.array([0, 1] * 10)
    assert isinstance(check_cv(3, y, classifier=is_classifier(KerasClassifier(model=None))), StratifiedKFold)


# Run in a fresh interpreter: importing dlcourse.keras_sklearn patches scikeras's base class, so in
# this process a plain scikeras wrapper no longer shows the problem.
WITHOUT_THE_SHIM = """
import json
import numpy as np
import scikeras.wrappers
from sklearn.base import is_classifier
from sklearn.model_selection import check_cv
plain = scikeras.wrappers.KerasClassifier(model=None)
try:
    recognised, error = is_classifier(plain), ""
except AttributeError as problem:
    recognised, error = None, str(problem)
splitter = type(check_cv(5, np.array([0, 1] * 10), classifier=bool(recognised))).__name__
print(json.dumps({"recognised": recognised, "error": error, "splitter": splitter}))
"""


def test_without_the_shim_scikit_learn_is_fooled():
    """The problem the shim solves (docs/COMPAT.md), as the installed scikeras and scikit-learn have it.

    It fails when scikeras declares its tags itself: then drop the shim (dlcourse/keras_sklearn.py)
    and say so in docs/COMPAT.md.
    """
    version = tuple(int(part) for part in sklearn.__version__.split(".")[:2])
    assert version >= (1, 6), "requirements.txt asks for scikit-learn >= 1.6, whose tags protocol the shim is for"
    run = subprocess.run([sys.executable, "-c", WITHOUT_THE_SHIM], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert found["recognised"] is not True, "scikeras is now a classifier for scikit-learn: the shim may go"
    if version < (1, 7):  # 1.6: a search over the plain wrapper crashes
        assert found["recognised"] is None and "__sklearn_tags__" in found["error"], found
    else:  # 1.7 and later: it runs, but cross-validation silently stops stratifying
        assert found["recognised"] is False and found["splitter"] == "KFold", found


def _tiny_model(meta):
    import keras

    return keras.Sequential([
        keras.Input((meta["n_features_in_"],)),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(meta["n_classes_"], activation="softmax"),
    ])


def test_three_fold_grid_search_over_batch_size_completes():
    from sklearn.datasets import load_digits

    x, y = load_digits(return_X_y=True)
    x, y = (x[:300] / 16).astype("float32"), y[:300]
    model = KerasClassifier(model=_tiny_model, loss="sparse_categorical_crossentropy",
                            optimizer="adam", epochs=1, verbose=0)
    search = GridSearchCV(model, {"batch_size": [32, 64]}, cv=3, scoring=["accuracy", "f1_macro"], refit="accuracy")
    search.fit(x, y)
    assert search.best_params_["batch_size"] in (32, 64)
    assert len(search.cv_results_["mean_test_f1_macro"]) == 2
    assert search.predict(x[:5]).shape == (5,)
    assert set(search.classes_) == set(range(10))
