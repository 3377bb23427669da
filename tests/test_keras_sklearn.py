"""The scikeras shim: scikit-learn must see our wrappers as a classifier and a regressor."""

import numpy as np
import pytest
import scikeras.wrappers
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


def test_without_the_shim_scikit_learn_is_fooled():
    """Documents the problem the shim solves; if this fails, scikeras fixed it upstream."""
    plain = scikeras.wrappers.KerasClassifier(model=None)
    try:
        recognised = is_classifier(plain)
    except AttributeError:  # scikit-learn 1.6: the wrapper's tags crash outright
        recognised = False
    if recognised:
        pytest.skip("this scikeras/scikit-learn pair no longer needs the shim")
    assert not recognised


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
