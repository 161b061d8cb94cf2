"""RandomFeatureClassifier: one-vs-rest +-1 least squares on random features."""

import inspect
import pickle
import re
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.preprocessing import LabelBinarizer, StandardScaler
from sklearn.utils import shuffle

from sklearn_rfnet import RandomFeatureRegressor
from sklearn_rfnet.classifier import RandomFeatureClassifier


def _caps(n_per_class=40, n_classes=3, d=5, seed=0, spread=0.5):
    """Caps around orthonormal centers on the sphere S^{d-1}: an easy problem.

    The centers are the same for every ``seed``; ``seed`` draws the points.
    """
    centers = np.linalg.qr(np.random.RandomState(1234).normal(size=(d, d)))[0]
    rng = np.random.RandomState(seed)
    X = np.repeat(centers[:n_classes], n_per_class, axis=0)
    X = X + spread * rng.normal(size=X.shape) / np.sqrt(d)
    y = np.repeat(np.arange(n_classes), n_per_class)
    return shuffle(X, y, random_state=seed)


def _solver(solver):
    """The solver; Landweber as early stopping (tol=0: max_iter steps on
    purpose, no convergence warning), as these tests use it."""
    return {"solver": solver, "tol": 0.0 if solver == "landweber" else 1e-10}


def _quiet(est):
    """Skip the population diagnostics where a test does not look at them."""
    if "population_diagnostics" in est.get_params():
        est.set_params(population_diagnostics=False)
    return est


@pytest.mark.parametrize("solver", ["direct", "landweber"])
def test_binary(solver, global_random_seed):
    X, y = _caps(n_classes=2, seed=global_random_seed)
    Xte, yte = _caps(n_per_class=200, n_classes=2, seed=global_random_seed + 100)
    clf = _quiet(
        RandomFeatureClassifier(400, **_solver(solver), random_state=global_random_seed)
    ).fit(X, y)
    np.testing.assert_array_equal(clf.classes_, [0, 1])
    scores = clf.decision_function(Xte)
    assert scores.shape == (len(Xte),) and clf.coef_.shape == (400,)
    np.testing.assert_array_equal(clf.predict(Xte), (scores > 0).astype(int))
    assert clf.score(Xte, yte) >= 0.94


@pytest.mark.parametrize("solver", ["direct", "landweber"])
def test_multiclass_predict_is_argmax(solver):
    X, y = _caps(n_classes=4, seed=1)
    y = np.array([7, 3, 5, 11])[y]  # unsorted, non-contiguous labels
    clf = _quiet(RandomFeatureClassifier(500, **_solver(solver), random_state=0))
    clf.fit(X, y)
    np.testing.assert_array_equal(clf.classes_, [3, 5, 7, 11])
    scores = clf.decision_function(X)
    assert scores.shape == (len(X), 4) and clf.coef_.shape == (500, 4)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[scores.argmax(axis=1)])
    assert clf.score(X, y) >= 0.95


def test_string_labels():
    X, y = _caps(n_classes=3, seed=2)
    names = np.array(["cat", "dog", "emu"])[y]
    clf = _quiet(RandomFeatureClassifier(300, random_state=0)).fit(X, names.tolist())
    np.testing.assert_array_equal(clf.classes_, ["cat", "dog", "emu"])
    pred = clf.predict(X)
    assert pred.dtype.kind == "U" and set(pred) <= {"cat", "dog", "emu"}
    ref = _quiet(RandomFeatureClassifier(300, random_state=0)).fit(X, y)
    np.testing.assert_array_equal(pred, np.array(["cat", "dog", "emu"])[ref.predict(X)])
    binary = names[y < 2]
    clf2 = _quiet(RandomFeatureClassifier(300, random_state=0)).fit(X[y < 2], binary)
    assert clf2.decision_function(X[:3]).shape == (3,)
    assert set(clf2.predict(X)) <= {"cat", "dog"}


@pytest.mark.parametrize("solver", ["direct", "landweber"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_equals_regressor_on_pm1_targets(solver, n_classes):
    X, y = _caps(n_classes=n_classes, seed=3)
    params = dict(n_components=250, solver=solver, max_iter=200, tol=0, random_state=4)
    clf = _quiet(RandomFeatureClassifier(**params)).fit(X, y)
    Y = LabelBinarizer(neg_label=-1, pos_label=1).fit_transform(y).astype(float)
    if n_classes == 2:
        assert Y.shape[1] == 1 and set(np.unique(Y)) == {-1.0, 1.0}
        Y = Y.ravel()
    reg = _quiet(RandomFeatureRegressor(**params)).fit(X, Y)
    np.testing.assert_array_equal(clf.random_weights_, reg.random_weights_)
    np.testing.assert_allclose(clf.coef_, reg.coef_, rtol=1e-12)
    np.testing.assert_allclose(clf.decision_function(X), reg.predict(X), rtol=1e-12)
    for attr in ("lambda_min_", "lambda_max_", "condition_number_", "rank_", "n_iter_"):
        assert getattr(clf, attr) == getattr(reg, attr)


def test_interpolates_labels_when_wide():
    # m >= n and full row rank: the minimum-norm solution fits the +-1 labels
    X, y = _caps(n_classes=3, seed=5)
    clf = RandomFeatureClassifier(  # the paper's interpolant
        1200, bias=False, zeta=None, alpha=0.0, fit_intercept=False, random_state=0
    )
    clf = _quiet(clf).fit(X, y)
    assert clf.rank_ == len(y) and np.isfinite(clf.condition_number_)
    Y = LabelBinarizer(neg_label=-1).fit_transform(y)
    np.testing.assert_allclose(clf.decision_function(X), Y, atol=1e-8)


@pytest.mark.parametrize("solver", ["direct", "landweber"])
def test_diagnostics_attributes(solver):
    X, y = _caps(n_classes=3, seed=6)
    clf = RandomFeatureClassifier(200, **_solver(solver), random_state=0).fit(X, y)
    assert 0 < clf.lambda_min_ <= clf.lambda_max_
    assert clf.condition_number_ == pytest.approx(clf.lambda_max_ / clf.lambda_min_)
    assert clf.rank_ == len(y)
    if solver == "landweber":
        assert clf.solver_ == "dual-landweber" and clf.n_iter_ >= 1
        assert clf.loss_curve_.shape == (clf.n_iter_ + 1,)
        assert (
            clf.loss_curve_[0] == pytest.approx(1.0)
            and clf.loss_curve_[-1] < clf.loss_curve_[0]
        )
        assert clf.step_size_ == pytest.approx(1 / clf.lambda_max_, rel=1e-10)
    else:
        assert clf.solver_ == "dual-eigh-loo"  # alpha="auto"
        assert clf.n_iter_ == 1


def test_one_class_is_an_error():
    X, _ = _caps(n_classes=2)
    with pytest.raises(ValueError, match="one class"):
        RandomFeatureClassifier().fit(X, np.full(len(X), "a"))


@pytest.mark.parametrize(
    "y, match",
    [
        (np.linspace(0, 1, 80), "Unknown label type"),
        (np.eye(80, 2, dtype=int), "y should be a 1d array"),
    ],
)
def test_bad_targets(y, match):
    X, _ = _caps(n_classes=2)
    with pytest.raises(ValueError, match=match):
        RandomFeatureClassifier().fit(X, y)


def test_pickle_and_clone():
    X, y = _caps(n_classes=3, seed=7)
    clf = _quiet(
        RandomFeatureClassifier(150, activation="wendland2", random_state=1)
    ).fit(X, y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.decision_function(X), clf.decision_function(X))
    np.testing.assert_array_equal(clone(clf).fit(X, y).predict(X), clf.predict(X))


# ---------------------------------------------------------------------------
# scikit-learn's API contract

# check_classifiers_train uses 2-D blobs: on the circle S^1 (S^2 with bias) the
# features gamma(x^T w) are smooth functions of one angle and Z (300 x 100) is
# numerically rank deficient (test_blobs_claims below).


def _blobs():
    """The multi-class data of check_classifiers_train."""
    X, y = make_blobs(n_samples=300, random_state=0)
    X, y = shuffle(X, y, random_state=7)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("activation", ["wendland0", "relu", "swish", "wendland2"])
def test_blobs_landweber_step(activation):
    """check_classifiers_train's blobs (training accuracy > 0.83 wanted):
    1000 steps of 1 / lambda_max fit them; the paper's optimal step leaves
    the top eigencomponent (here the class signal) oscillating."""
    X, y = _blobs()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # m < n, max_iter
        lw = RandomFeatureClassifier(
            activation=activation, solver="landweber", random_state=0
        ).fit(X, y)
        assert lw.score(X, y) > 0.9
        opt = RandomFeatureClassifier(
            activation=activation,
            solver="landweber",
            step_size="optimal",
            random_state=0,
        ).fit(X, y)
        # 0.77-0.88 over random_state 0..7 and the four activations (it
        # straddles the check's 0.83 with wendland0 and relu), 1 / lambda_max
        # 0.92-0.95
        assert opt.score(X, y) < 0.9


def test_parameters_documented():
    doc = inspect.getdoc(RandomFeatureClassifier)
    block = doc.split("Parameters\n----------\n", 1)[1].split("Attributes")[0]
    documented = set(re.findall(r"^(\w+) :", block, flags=re.M))
    assert documented == set(RandomFeatureClassifier().get_params())
