"""RandomFeatureClassifierCV: the cross-validated search on +-1 targets."""

import warnings

import numpy as np
import pytest
from sklearn.model_selection import LeaveOneOut, StratifiedKFold
from sklearn.preprocessing import LabelBinarizer

from sklearn_rfnet import RandomFeatureClassifier, RandomFeatureClassifierCV


def _data(n=40, n_classes=3, seed=0):
    rng = np.random.RandomState(seed)
    centers = rng.normal(size=(n_classes, 4)) * 2
    y = np.arange(n) % n_classes
    return centers[y] + rng.normal(size=(n, 4)), np.array(["a", "b", "c", "d"])[y]


def _refits(X, y, splits, **params):
    """Mean squared error of the +-1 coding, and accuracy, of
    RandomFeatureClassifier refitted on each split."""
    lb = LabelBinarizer(neg_label=-1, pos_label=1).fit(y)
    Y = lb.transform(y).astype(float)
    Y = Y.ravel() if Y.shape[1] == 1 else Y
    sq, acc = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for train, test in splits:
            clf = RandomFeatureClassifier(**params).fit(X[train], y[train])
            sq.append(np.mean((clf.decision_function(X[test]) - Y[test]) ** 2))
            acc.append(np.mean(clf.predict(X[test]) == y[test]))
    return np.array(sq), np.array(acc)


def _refit_squared_errors(X, y, splits, **params):
    return _refits(X, y, splits, **params)[0]


@pytest.mark.parametrize("n_classes", [2, 3])
def test_loo_equals_refits_of_the_classifier(n_classes):
    X, y = _data(n_classes=n_classes)
    params = dict(n_components=300, population_diagnostics=False, random_state=0)
    cv = RandomFeatureClassifierCV(alphas=[1e-3, 1e-1], biases=None, **params)
    cv.fit(X, y)
    splits = list(LeaveOneOut().split(X))
    for j, alpha in enumerate([1e-3, 1e-1]):
        ref, acc = _refits(X, y, splits, alpha=alpha, bias=cv.bias_, **params)
        np.testing.assert_allclose(
            cv.cv_results_["split_squared_error"][:, j], ref, rtol=1e-7, atol=1e-12
        )
        # each left-out sample is classified as the refit without it does
        np.testing.assert_array_equal(cv.cv_results_["split_accuracy"][:, j], acc)
    # the refit is the classifier at the chosen alpha
    ref = RandomFeatureClassifier(alpha=cv.alpha_, **params).fit(X, y)
    np.testing.assert_allclose(
        cv.decision_function(X), ref.decision_function(X), rtol=1e-8, atol=1e-10
    )
    np.testing.assert_array_equal(cv.predict(X), ref.predict(X))
    np.testing.assert_array_equal(cv.classes_, np.unique(y))


def test_kfold_is_stratified():
    X, y = _data(n=60)
    cv = RandomFeatureClassifierCV(
        n_components=200, cv=3, alphas=[1e-2], random_state=0
    ).fit(X, y)
    splits = list(StratifiedKFold(3).split(X, y))
    ref, acc = _refits(
        X, y, splits, n_components=200, alpha=1e-2, random_state=0, bias=cv.bias_
    )
    np.testing.assert_allclose(cv.cv_results_["split_squared_error"][:, 0], ref)
    np.testing.assert_allclose(cv.cv_results_["split_accuracy"][:, 0], acc)


def test_landweber_and_accuracy():
    X, y = _data(n=60, seed=1)
    clf = RandomFeatureClassifierCV(
        n_components=400, solver="landweber", fit_intercept=False, random_state=0
    ).fit(X, y)
    assert 1 <= clf.n_iter_ <= 1000 and clf.score(X, y) > 0.9


def test_one_class_is_an_error():
    X, _ = _data()
    with pytest.raises(ValueError, match="one class"):
        RandomFeatureClassifierCV().fit(X, np.full(len(X), "a"))


@pytest.mark.parametrize(
    "solver,cv", [("direct", None), ("direct", 4), ("landweber", 3)]
)
def test_choice_is_by_accuracy_then_squared_error(solver, cv):
    """As GridSearchCV scores a classifier: the best accuracy wins, and among
    equally accurate values the smallest squared error of the +-1 coding."""
    X, y = _data(n=45, seed=2)
    clf = RandomFeatureClassifierCV(
        n_components=150, solver=solver, cv=cv, random_state=0
    ).fit(X, y)
    res = clf.cv_results_
    acc, mse = res["mean_accuracy"], res["mean_squared_error"]
    np.testing.assert_allclose(res["mean_test_score"], acc)
    best = clf.best_index_
    assert acc[best] == acc.max() and clf.best_score_ == acc.max()
    assert mse[best] == mse[acc == acc.max()].min()
    assert res["rank_test_score"][best] == 1
    assert len(np.unique(res["rank_test_score"])) == len(acc)
