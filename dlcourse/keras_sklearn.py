"""scikeras's Keras wrappers, made into proper scikit-learn classifiers and regressors.

scikeras 0.13 predates scikit-learn's ``__sklearn_tags__`` protocol (docs/COMPAT.md):

- on scikit-learn 1.6 a search over ``scikeras.wrappers.KerasClassifier`` fails with
  ``AttributeError: ... __sklearn_tags__``;
- on scikit-learn >= 1.7 it runs, but ``is_classifier(...)`` is False, so
  ``GridSearchCV(cv=5)`` silently uses ``KFold`` instead of ``StratifiedKFold``.

The subclasses below declare their tags themselves. Use them exactly like scikeras's:
``from dlcourse.keras_sklearn import KerasClassifier``.
"""

from __future__ import annotations

from scikeras.wrappers import BaseWrapper
from scikeras.wrappers import KerasClassifier as _ScikerasClassifier
from scikeras.wrappers import KerasRegressor as _ScikerasRegressor
from sklearn.base import BaseEstimator

try:  # scikit-learn >= 1.6
    from sklearn.utils import ClassifierTags, RegressorTags
except ImportError:  # older scikit-learn reads `_estimator_type`, which scikeras sets
    ClassifierTags = RegressorTags = None  # type: ignore[assignment,misc]

__all__ = ["KerasClassifier", "KerasRegressor"]


def _base_tags(estimator: BaseEstimator):
    # BaseEstimator's own tags, skipping the mixins whose super() chain breaks in 1.6.
    return BaseEstimator.__sklearn_tags__(estimator)


if ClassifierTags is not None:
    BaseWrapper.__sklearn_tags__ = _base_tags  # a bare wrapper gets plain estimator tags


class KerasClassifier(_ScikerasClassifier):
    """``scikeras.wrappers.KerasClassifier`` that scikit-learn recognises as a classifier."""

    if ClassifierTags is not None:

        def __sklearn_tags__(self):
            tags = _base_tags(self)
            tags.estimator_type = "classifier"
            tags.classifier_tags = ClassifierTags()
            tags.target_tags.required = True
            return tags


class KerasRegressor(_ScikerasRegressor):
    """``scikeras.wrappers.KerasRegressor`` that scikit-learn recognises as a regressor."""

    if RegressorTags is not None:

        def __sklearn_tags__(self):
            tags = _base_tags(self)
            tags.estimator_type = "regressor"
            tags.regressor_tags = RegressorTags()
            tags.target_tags.required = True
            return tags
