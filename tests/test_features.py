import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from sklearn_rfnet import WendlandFeatures
from sklearn_rfnet._operator import FeatureOperator
from sklearn_rfnet.activations import get_activation
from sklearn_rfnet.features import prepare_inputs, sample_weights


def test_transform_is_gamma_of_projected_inputs():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(7, 4)) * 5.0
    X_orig = X.copy()
    tr = WendlandFeatures(
        n_components=30, activation="wendland2", bias=False, zeta=None, random_state=0
    )
    Z = tr.fit_transform(X)
    np.testing.assert_array_equal(X, X_orig)  # caller's X untouched
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    W = tr.random_weights_
    assert W.shape == (4, 30)
    np.testing.assert_allclose(np.linalg.norm(W, axis=0), 1.0, rtol=1e-14)
    gamma = get_activation("wendland2", 4)
    np.testing.assert_allclose(Z, gamma(Xn @ W) / np.sqrt(30), rtol=1e-13)


def test_bias_appends_constant_before_projection():
    X = np.array([[3.0, 0.0], [0.0, 0.0]])  # zero row is fine with bias
    tr = WendlandFeatures(n_components=5, bias=True, activation="relu", random_state=1)
    Z = tr.fit_transform(X)
    assert tr.random_weights_.shape == (3, 5)
    Xt = np.array([[3.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    Xt /= np.linalg.norm(Xt, axis=1, keepdims=True)
    np.testing.assert_allclose(Z, np.maximum(Xt @ tr.random_weights_, 0) / np.sqrt(5))


def test_zero_rows_stay_zero_without_bias():
    # no direction on the sphere: left at zero, as sklearn's normalize does
    X = np.array([[1.0, 2.0], [0.0, 0.0], [0.0, 0.0]])
    tr = WendlandFeatures(n_components=5, bias=False, activation="relu").fit(X)
    Z = tr.transform(X)
    np.testing.assert_array_equal(Z[1:], 0.0)  # relu(0) = 0
    np.testing.assert_allclose(tr.transform(sp.csr_matrix(X)), Z, rtol=1e-14)
    Xn = prepare_inputs(X, bias=False)
    np.testing.assert_array_equal(Xn[1:], 0.0)
    assert np.linalg.norm(Xn[0]) == pytest.approx(1.0)
    # normalize=False leaves rows as they are
    Z = WendlandFeatures(
        n_components=5, normalize=False, bias=False, activation="relu"
    ).fit(X)
    assert np.all(Z.transform(X)[1:] == 0)


def test_sparse_equals_dense():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(20, 6))
    X[X < 0.5] = 0
    X[:, 0] += 0.1  # no zero rows
    for bias in (False, True):
        tr = WendlandFeatures(n_components=40, bias=bias, random_state=3).fit(X)
        np.testing.assert_allclose(
            tr.transform(sp.csr_matrix(X)), tr.transform(X), rtol=1e-13, atol=1e-15
        )


def test_float32_preserved():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(10, 3))
    t64 = WendlandFeatures(n_components=20, random_state=0).fit(X)
    t32 = WendlandFeatures(n_components=20, random_state=0).fit(X.astype(np.float32))
    Z32 = t32.transform(X.astype(np.float32))
    assert t32.random_weights_.dtype == np.float32
    assert Z32.dtype == np.float32
    np.testing.assert_allclose(Z32, t64.transform(X), rtol=1e-4, atol=1e-6)


def test_same_seed_same_weights_different_seed_different(global_random_seed):
    X = np.random.RandomState(0).normal(size=(5, 4))
    a = WendlandFeatures(n_components=8, random_state=global_random_seed).fit(X)
    b = WendlandFeatures(n_components=8, random_state=global_random_seed).fit(X)
    c = WendlandFeatures(n_components=8, random_state=global_random_seed + 1).fit(X)
    np.testing.assert_array_equal(a.random_weights_, b.random_weights_)
    assert not np.allclose(a.random_weights_, c.random_weights_)


def test_gaussian_weights_are_not_normalized():
    W = sample_weights(6, 2000, "gaussian", random_state=0)
    norms = np.linalg.norm(W, axis=0)
    assert norms.std() > 0.1
    assert np.mean(W**2) == pytest.approx(1.0, rel=0.05)
    with pytest.raises(ValueError, match="weights must be"):
        sample_weights(3, 3, "uniform")


def test_feature_names_and_set_output():
    X = np.random.RandomState(0).normal(size=(4, 3))
    tr = WendlandFeatures(n_components=3)
    with pytest.raises(NotFittedError):
        tr.get_feature_names_out()
    tr.fit(X)
    assert list(tr.get_feature_names_out()) == [
        "wendlandfeatures0",
        "wendlandfeatures1",
        "wendlandfeatures2",
    ]
    tr.set_output(transform="default")
    assert isinstance(tr.transform(X), np.ndarray)


def test_not_fitted_and_feature_mismatch():
    tr = WendlandFeatures()
    with pytest.raises(NotFittedError):
        tr.transform(np.ones((2, 2)))
    tr.fit(np.ones((2, 3)))
    with pytest.raises(ValueError, match="3 features"):
        tr.transform(np.ones((2, 2)))


@pytest.mark.parametrize("block_size", [1, 7, 64, 1000])
def test_feature_map_blocks_agree(block_size):
    rng = np.random.RandomState(0)
    X = prepare_inputs(rng.normal(size=(25, 4)))
    W = sample_weights(4, 100, random_state=0)
    gamma = get_activation("wendland0", 4)
    full = FeatureOperator(X, W, gamma)
    blocked = FeatureOperator(X, W, gamma, block_size=block_size)
    Z = full.materialize()
    C = rng.normal(size=(25, 2))
    A = rng.normal(size=(100, 2))
    np.testing.assert_allclose(blocked.gram()[0], Z @ Z.T, rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(blocked.rmatmat(C), Z.T @ C, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(blocked.matmat(A), Z @ A, rtol=1e-12, atol=1e-15)
    assert blocked.in_memory == (block_size >= 100)


def test_pickle_and_clone_round_trip():
    X = np.random.RandomState(0).normal(size=(6, 3))
    tr = WendlandFeatures(n_components=12, activation="wendland2", random_state=0).fit(
        X
    )
    again = pickle.loads(pickle.dumps(tr))
    np.testing.assert_array_equal(again.transform(X), tr.transform(X))
    cl = clone(tr).fit(X)
    np.testing.assert_array_equal(cl.transform(X), tr.transform(X))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"n_components": 0}, "n_components"),
        ({"activation": "tanh"}, "activation"),
        ({"zeta": 0.0}, "zeta"),
        ({"weights": "normal"}, "weights"),
        ({"bias": "yes"}, "bias"),
    ],
)
def test_invalid_parameters_named(params, match):
    with pytest.raises(ValueError, match=match):
        WendlandFeatures(**params).fit(np.ones((3, 2)))


def test_resolve_bias_values():
    from sklearn_rfnet.features import BIAS_SCALE, resolve_bias

    X = np.random.RandomState(0).normal(size=(40, 7)) * 3.0 + 1.0
    assert resolve_bias(True, X) == 1.0 and resolve_bias(False, X) == 0.0
    assert resolve_bias(2.5, X) == 2.5
    c = resolve_bias("scale", X)
    assert c == pytest.approx(BIAS_SCALE * np.sqrt(7 * X.var()), rel=1e-12)
    assert resolve_bias("scale", sp.csr_matrix(X)) == pytest.approx(c, rel=1e-10)
    assert resolve_bias("scale", np.ones((5, 3))) == 1.0  # no spread: the paper's 1


def test_bias_scale_makes_the_model_invariant_to_the_units_of_X():
    """bias="scale" grows with the spread of X and the rows are projected on
    the sphere: the model does not depend on the units of X. With the paper's
    constant 1 it does."""
    from sklearn_rfnet import RandomFeatureRegressor

    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 4))
    y = np.sin(X[:, 0]) + X[:, 1]
    for bias, same in (("scale", True), (True, False)):
        a = RandomFeatureRegressor(200, bias=bias, random_state=0).fit(X, y)
        b = RandomFeatureRegressor(200, bias=bias, random_state=0).fit(1e3 * X, y)
        assert np.allclose(a.predict(X), b.predict(1e3 * X), atol=1e-8) == same
    assert b.bias_ == 1.0 and a.bias_ == 1.0


def test_bias_scale_rows_stay_near_the_pole():
    """With the default bias the prepared rows lie within about half a radian
    of the bias axis for standardized data in any dimension, so the features
    see distances (x~^T y~ ~ 1 - ||x - y||^2 / 2c^2), not raw angles."""
    from sklearn_rfnet.features import prepare_inputs

    rng = np.random.RandomState(0)
    for d in (2, 10, 100, 1000):
        X = rng.normal(size=(200, d))
        Xt = prepare_inputs(X, bias="scale")
        angle = np.arccos(Xt[:, -1])
        assert 0.35 < np.median(angle) < 0.55  # atan(1/2) = 0.46


def test_resolve_bias_does_not_overflow():
    """c = 2 s sqrt(d var(X / s)), s = max |X|: the same relative value for
    X at 1e-200, 1 and 1e200 (X.var() itself overflows at 1e200)."""
    from sklearn_rfnet.features import resolve_bias

    X = np.random.RandomState(0).normal(size=(40, 7)) * 3.0 + 1.0
    c = resolve_bias("scale", X)
    for k in (1e-200, 1e200):
        assert resolve_bias("scale", k * X) == pytest.approx(k * c, rel=1e-12)
        assert resolve_bias("scale", sp.csr_matrix(k * X)) == pytest.approx(
            k * c, rel=1e-12
        )
    # and a model on X at 1e200 is the model on X (bias="scale", the sphere)
    from sklearn_rfnet import RandomFeatureRegressor

    y = X[:, 0] ** 2
    a = RandomFeatureRegressor(100, random_state=0).fit(X, y)
    b = RandomFeatureRegressor(100, random_state=0).fit(1e200 * X, y)
    np.testing.assert_allclose(a.predict(X), b.predict(1e200 * X), atol=1e-8)
