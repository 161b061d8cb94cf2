"""Tests of the bad point set of Definition 2.1 and of plant_bad_points."""

import itertools
import math

import numpy as np
import pytest
from scipy.special import expit

from sklearn_rfnet.datasets import make_bad_points, plant_bad_points

S = 1 / math.sqrt(3)
V = np.array([1.0, -1.0, -1.0, -1.0, 1.0, 1.0, 1.0, -1.0])


def _sphere(rng, n, d):
    X = rng.standard_normal((n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


@pytest.mark.parametrize("d", [3, 4, 10])
def test_make_bad_points_is_eq_2_3(d):
    X, v = make_bad_points(d, return_null_vector=True)
    assert X.shape == (8, d) and X.dtype == np.float64
    expected = S * np.array(
        [
            [1, 1, 1],
            [-1, 1, 1],
            [1, -1, 1],
            [1, 1, -1],
            [-1, -1, 1],
            [-1, 1, -1],
            [1, -1, -1],
            [-1, -1, -1],
        ]
    )
    np.testing.assert_array_equal(X[:, :3], expected)
    np.testing.assert_array_equal(X[:, 3:], 0.0)  # zero padded
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, rtol=1e-15)
    np.testing.assert_array_equal(v, V)
    # all eight sign patterns, each once
    signs = {tuple(np.sign(row[:3]).astype(int)) for row in X}
    assert signs == set(itertools.product([1, -1], repeat=3))
    np.testing.assert_array_equal(make_bad_points(d), X)


def test_inner_products_are_eq_3_2():
    X = make_bad_points(5)
    G = X @ X.T
    s2 = 1 / 3
    # eq. 3.2: 1 on the diagonal, -1 for antipodes (x_{9-i} = -x_i), else +-1/3
    np.testing.assert_allclose(np.diag(G), 1.0, rtol=1e-15)
    np.testing.assert_allclose(np.diag(G[:, ::-1]), -1.0, rtol=1e-15)
    off = G[~np.eye(8, dtype=bool) & ~np.eye(8, dtype=bool)[:, ::-1]]
    np.testing.assert_allclose(np.abs(off), s2, rtol=1e-15)
    assert G[0, 1] == pytest.approx(s2) and G[0, 4] == pytest.approx(-s2)


def test_null_vector_is_not_returned_shared():
    _, v = make_bad_points(3, return_null_vector=True)
    v[0] = 99.0
    _, v2 = make_bad_points(3, return_null_vector=True)
    assert v2[0] == 1.0


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("d", [3, 6])
def test_theorem_2_2_any_weights(d, seed):
    X, v = make_bad_points(d, return_null_vector=True)
    rng = np.random.default_rng(seed)
    # any W, not only unit columns: Theorem 2.2 holds for every w in R^d
    W = rng.standard_normal((d, 500)) * rng.uniform(0.1, 10.0, 500)
    XW = X @ W
    relu = np.maximum(XW, 0.0)
    swish = XW * expit(XW)
    scale = np.abs(XW).max()
    assert np.max(np.abs(v @ relu)) < 1e-14 * scale
    assert np.max(np.abs(v @ swish)) < 1e-14 * scale  # Appendix A.2
    assert np.linalg.matrix_rank(relu) == 7
    # a generic activation is not annihilated: the defect is ReLU's (and
    # swish's): odd part linear
    tanh_shift = np.tanh(XW + 0.3)
    assert np.linalg.matrix_rank(tanh_shift) == 8
    assert np.max(np.abs(v @ tanh_shift)) > 1e-3


def test_indicator_null_vector_of_theorem_3_2():
    X = make_bad_points(3)
    v_tilde = np.array([1.0, 0, 0, -1, -1, 0, 0, 1])
    W = np.random.default_rng(0).standard_normal((3, 1000))
    E = (W.T @ X.T > 0).astype(np.float64)
    np.testing.assert_array_equal(E @ v_tilde, 0.0)


@pytest.mark.parametrize("d", [0, 1, 2])
def test_make_bad_points_rejects_small_d(d):
    with pytest.raises(ValueError, match="d must be >= 3"):
        make_bad_points(d)
    with pytest.raises(ValueError, match="d must be >= 3"):
        plant_bad_points(np.eye(max(d, 1))[: max(d, 1)])


def test_make_bad_points_rejects_non_integer_d():
    with pytest.raises(TypeError, match="d must be an int"):
        make_bad_points(3.0)
    with pytest.raises(TypeError, match="d must be an int"):
        make_bad_points(True)


def test_plant_bad_points_basic():
    rng = np.random.default_rng(0)
    X = _sphere(rng, 92, 3)
    X_new, index, q = plant_bad_points(X, random_state=0)
    assert X_new.shape == (100, 3)
    assert index.shape == (8,) and index.dtype == np.int64
    assert np.all(np.diff(index) > 0)
    np.testing.assert_array_equal(X_new[index], make_bad_points(3))
    rest = np.setdiff1d(np.arange(100), index)
    np.testing.assert_array_equal(X_new[rest], X)  # original order kept
    np.testing.assert_array_equal(q[index], V)
    np.testing.assert_array_equal(q[rest], 0.0)
    # shuffled: not simply appended
    assert not np.array_equal(index, np.arange(92, 100))
    # Corollary 2.3: q annihilates the ReLU features of the combined data
    W = rng.standard_normal((3, 400))
    Z = np.maximum(X_new @ W, 0.0)
    assert np.max(np.abs(q @ Z)) < 1e-12
    assert np.linalg.matrix_rank(Z) == 99


def test_plant_bad_points_reproducible_and_append():
    rng = np.random.default_rng(1)
    X = _sphere(rng, 20, 4)
    a = plant_bad_points(X, random_state=3)
    b = plant_bad_points(X, random_state=3)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    X_new, index, q = plant_bad_points(X, shuffle=False)
    np.testing.assert_array_equal(index, np.arange(20, 28))
    np.testing.assert_array_equal(X_new[:20], X)
    np.testing.assert_array_equal(X_new[20:], make_bad_points(4))


def test_plant_bad_points_rotate():
    rng = np.random.default_rng(2)
    X = _sphere(rng, 30, 5)
    X_new, index, q = plant_bad_points(X, rotate=True, random_state=0)
    bad = X_new[index]
    # not axis aligned any more, still on the sphere with the same Gram matrix
    assert np.abs(bad[:, 3:]).max() > 1e-2
    np.testing.assert_allclose(np.linalg.norm(bad, axis=1), 1.0, rtol=1e-14)
    ref = make_bad_points(5)
    np.testing.assert_allclose(bad @ bad.T, ref @ ref.T, atol=1e-14)
    W = rng.standard_normal((5, 300))
    assert np.max(np.abs(q @ np.maximum(X_new @ W, 0))) < 1e-12


def test_plant_bad_points_labels():
    rng = np.random.default_rng(3)
    X = _sphere(rng, 40, 3)
    y = rng.standard_normal(40)
    X_new, y_new, index, q = plant_bad_points(X, y, random_state=0)
    np.testing.assert_array_equal(y_new[index], 1.0)
    np.testing.assert_array_equal(np.delete(y_new, index), y)
    assert q @ y_new == pytest.approx(0.0)  # all-ones labels: sum(v) = 0
    _, y_new, index, q = plant_bad_points(X, y, y_bad=V, random_state=0)
    assert q @ y_new == pytest.approx(8.0)
    Y = rng.standard_normal((40, 2))
    _, Y_new, index, _ = plant_bad_points(X, Y, y_bad=[5.0, -5.0], random_state=0)
    assert Y_new.shape == (48, 2)
    np.testing.assert_array_equal(Y_new[index], np.tile([5.0, -5.0], (8, 1)))


def test_corollary_2_3_no_exact_fit_for_relu():
    # with y^T q != 0 the least-squares residual of ReLU features is at
    # least |y^T q| / |q| = 8 / sqrt(8), however wide; Wendland fits exactly
    from sklearn_rfnet.activations import get_activation

    rng = np.random.default_rng(4)
    X = _sphere(rng, 92, 3)
    y = np.sign(rng.standard_normal(92))
    X_new, y_new, index, q = plant_bad_points(X, y, y_bad=V, random_state=0)
    W = rng.standard_normal((3, 1000))
    W /= np.linalg.norm(W, axis=0)
    for name, fits in (("relu", False), ("wendland0", True)):
        Z = get_activation(name, 3)(X_new @ W) / math.sqrt(W.shape[1])
        alpha = np.linalg.lstsq(Z, y_new, rcond=None)[0]
        residual = np.linalg.norm(Z @ alpha - y_new)
        if fits:
            assert residual < 1e-6
        else:
            assert residual >= 8 / math.sqrt(8) - 1e-8


def test_plant_bad_points_validation():
    rng = np.random.default_rng(5)
    X = _sphere(rng, 10, 3)
    with pytest.raises(ValueError, match="unit sphere"):
        plant_bad_points(2 * X)
    with pytest.raises(ValueError, match="2-D"):
        plant_bad_points(X[0])
    with pytest.raises(ValueError, match="NaN"):
        plant_bad_points(np.full((3, 3), np.nan))
    with pytest.raises(ValueError, match="y must have shape"):
        plant_bad_points(X, np.zeros(9))
    with pytest.raises(ValueError, match="y_bad"):
        plant_bad_points(X, np.zeros(10), y_bad=np.zeros(3))
    # no other data: just the eight points
    X_new, index, q = plant_bad_points(np.empty((0, 4)), random_state=0)
    np.testing.assert_array_equal(index, np.arange(8))
    np.testing.assert_array_equal(X_new, make_bad_points(4))
