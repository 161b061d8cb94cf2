"""Tests of sklearn_rfnet.population: phi, H and the NTK matrix.

Theorem 3.3's tools are tested in test_population_expansion.py, the accuracy
in high dimension in test_population_accuracy.py.

Every quadrature result is compared with something computed another way: the
closed forms of eq. 3.1 and of the arc-cosine kernel, Monte Carlo over the
weights, exact integrals of polynomials, the Funk--Hecke series of
Theorem 3.3, and the null vector of Theorem 2.2.
"""

import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
from scipy.integrate import IntegrationWarning

from sklearn_rfnet.activations import get_activation
from sklearn_rfnet.datasets import make_bad_points
from sklearn_rfnet.population import (
    PopulationKernel,
    check_positive_definite,
    gegenbauer_coefficients,
    ntk_gram,
    population_gram,
    population_kernel,
    relu_kernel,
    relu_ntk_kernel,
)

ACTS = ["relu", "swish", "wendland0", "wendland2"]


def _t_grid(seed=0):
    """Inner products that stress the quadrature: random, near +-1, kinks."""
    rng = np.random.default_rng(seed)
    theta = np.concatenate(
        [
            rng.uniform(0.0, np.pi, 20),
            np.pi * 2.0 ** -np.arange(2, 40, 6),  # t -> 1
            np.pi - np.pi * 2.0 ** -np.arange(2, 40, 9),  # t -> -1
            [np.pi / 2, np.pi / 3 * (1 + 1e-7), 2 * np.pi / 3 * (1 - 1e-9)],
        ]
    )
    return np.concatenate([np.cos(theta), [1.0, -1.0, 0.0]])


def _arccos_kernel(t):
    """ReLU with Gaussian weights: (sin th + (pi - th) cos th) / (2 pi)."""
    th = np.arccos(t)
    return (np.sin(th) + (np.pi - th) * t) / (2 * np.pi)


def _uniform_sphere(rng, n, d):
    X = rng.standard_normal((n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


# --------------------------------------------------------------------------
# eq. 3.1 against the generic quadrature
# --------------------------------------------------------------------------
@pytest.mark.parametrize("d", [3, 5, 10, 20])
def test_relu_quadrature_matches_eq_3_1(d):
    t = _t_grid()
    phi = population_kernel("relu", d)
    exact = relu_kernel(t, d)
    # the direct 2-D quadrature, not the closed form
    assert np.max(np.abs(phi.quadrature(t) - exact)) < 1e-13
    # and the table built from it
    table = population_kernel("relu", d, method="table")
    assert np.max(np.abs(table(t) - exact)) < 1e-13
    assert table.table_info["converged"]


def test_relu_closed_form_values():
    # eq. 3.1 at t = 1, 0, -1: 1/(2d), 1/(2 d pi), 0
    d = 7
    assert relu_kernel(1.0, d) == pytest.approx(1 / (2 * d), abs=1e-16)
    assert relu_kernel(0.0, d) == pytest.approx(1 / (2 * d * math.pi), abs=1e-16)
    assert relu_kernel(-1.0, d) == 0.0
    # clipping of rounding errors
    assert relu_kernel(1.0 + 1e-15, d) == relu_kernel(1.0, d)


@pytest.mark.parametrize("d", [1, 2])
def test_relu_low_dimensions(d):
    # eq. 3.1 holds for every d (positive homogeneity); d = 2 is the circle
    # quadrature, d = 1 the two weights w = +-1
    t = _t_grid() if d == 2 else np.array([1.0, -1.0])
    phi = population_kernel("relu", d)
    assert np.max(np.abs(phi.quadrature(t) - relu_kernel(t, d))) < 1e-14


def test_relu_gaussian_weights_is_arc_cosine_kernel():
    t = _t_grid()
    phi = population_kernel("relu", 4, weights="gaussian", method="table")
    assert np.max(np.abs(phi.quadrature(t) - _arccos_kernel(t))) < 1e-13
    assert np.max(np.abs(phi(t) - _arccos_kernel(t))) < 1e-13
    auto = population_kernel("relu", 4, weights="gaussian")
    assert np.max(np.abs(auto(t) - _arccos_kernel(t))) < 1e-15


def _poly_mul(p, q):
    out = [Fraction(0)] * (len(p) + len(q) - 1)
    for i, a in enumerate(p):
        for j, b in enumerate(q):
            out[i + j] += a * b
    return out


@pytest.mark.parametrize("name", ["wendland0", "wendland2"])
def test_wendland_phi_at_one_is_exact_integral(name):
    # phi(1) = E[gamma(u)^2], u = x^T w uniform on [-1, 1] for d = 3. With
    # zeta = sqrt(2), r = sqrt(1 - u), du = 2 r dr: the integral of a
    # polynomial in r, done here in exact rational arithmetic.
    gamma = get_activation(name, 3)
    ell = gamma.ell
    poly = [Fraction(1)]
    for _ in range(ell if name == "wendland0" else ell + 2):
        poly = _poly_mul(poly, [Fraction(1), Fraction(-1)])  # (1 - r)
    if name == "wendland2":
        poly = _poly_mul(
            poly, [Fraction(3), Fraction(3 * ell + 6), Fraction(ell**2 + 4 * ell + 3)]
        )
    integrand = _poly_mul([Fraction(0), Fraction(1)], _poly_mul(poly, poly))
    exact = float(sum(c / (k + 1) for k, c in enumerate(integrand)))
    phi = population_kernel(name, 3)
    assert phi.quadrature(1.0) == pytest.approx(exact, rel=1e-14)
    assert phi(1.0) == pytest.approx(exact, rel=1e-13)
    if name == "wendland0":
        assert exact == pytest.approx(1 / 30, rel=1e-15)
    # the supports of gamma(u) and gamma(-u) are disjoint for zeta = sqrt(2)
    assert abs(phi.quadrature(-1.0)) < 1e-18


# --------------------------------------------------------------------------
# Monte Carlo over the weights
# --------------------------------------------------------------------------
def _mc_sphere(name, d, t, n_samples, seed, chunk=10**6):
    """Mean and standard error of gamma(x^T w) gamma(y^T w), w ~ U(S^{d-1}).

    With x = e1 and y = t e1 + sqrt(1 - t^2) e2 only the first two
    coordinates of w = g / |g| enter; |g|^2 = g1^2 + g2^2 + chi^2_{d-2}.
    """
    gamma = get_activation(name, d)
    rng = np.random.default_rng(seed)
    s = np.sqrt(1.0 - t**2)
    total = np.zeros(t.size)
    total_sq = np.zeros(t.size)
    done = 0
    while done < n_samples:
        m = min(chunk, n_samples - done)
        g1, g2 = rng.standard_normal(m), rng.standard_normal(m)
        R = np.sqrt(g1**2 + g2**2 + rng.chisquare(d - 2, m))
        u, v = g1 / R, g2 / R
        gu = gamma(u)
        for i, (ti, si) in enumerate(zip(t, s, strict=True)):
            p = gu * gamma(ti * u + si * v)
            total[i] += p.sum()
            total_sq[i] += (p * p).sum()
        done += m
    mean = total / n_samples
    var = np.maximum(total_sq / n_samples - mean**2, 0.0)
    return mean, np.sqrt(var / n_samples)


def _check_mc(name, d, n_samples, seed):
    t = np.linspace(-1.0, 1.0, 20)
    mean, se = _mc_sphere(name, d, t, n_samples, seed)
    phi = population_kernel(name, d, method="table")(t)
    # 4 standard errors; an exact zero (disjoint supports) has se = 0
    assert np.all(np.abs(phi - mean) <= 4 * se + 1e-15), np.max(
        np.abs(phi - mean) / np.maximum(se, 1e-300)
    )
    return phi, mean, se


@pytest.mark.parametrize("d", [3, 10])
@pytest.mark.parametrize("name", ACTS)
def test_phi_matches_monte_carlo(name, d):
    phi, mean, se = _check_mc(name, d, 10**6, seed=d)
    # the test has power: an error of a few % of max |phi| = phi(1) would be
    # caught (Wendland in d = 10 is concentrated near w = x: fewer hits)
    assert 4 * np.max(se) < (0.25 if d == 10 and name != "relu" else 0.02) * phi[-1]


@pytest.mark.slow
@pytest.mark.parametrize("d", [3, 10])
@pytest.mark.parametrize("name", ACTS)
def test_phi_matches_monte_carlo_1e7(name, d):
    _check_mc(name, d, 10**7, seed=100 + d)


@pytest.mark.parametrize("name", ACTS)
def test_phi_gaussian_weights_matches_monte_carlo(name):
    d, n_samples = 3, 10**6
    gamma = get_activation(name, d)
    t = np.linspace(-1.0, 1.0, 11)
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal(n_samples), rng.standard_normal(n_samples)
    ga = gamma(a)
    phi = population_kernel(name, d, weights="gaussian", method="table")(t)
    for ti, phi_i in zip(t, phi, strict=True):
        p = ga * gamma(ti * a + math.sqrt(1 - ti**2) * b)
        se = p.std() / math.sqrt(n_samples)
        assert abs(phi_i - p.mean()) <= 4 * se + 1e-15


# --------------------------------------------------------------------------
# Table against quadrature
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name, d, zeta, weights",
    [
        ("wendland0", 2, None, "sphere"),
        ("wendland0", 3, None, "sphere"),
        ("wendland0", 10, None, "sphere"),
        ("wendland2", 3, None, "sphere"),
        ("wendland2", 10, None, "sphere"),
        ("wendland0", 4, 1.0, "sphere"),
        ("wendland2", 5, 1.8, "sphere"),
        ("swish", 2, None, "sphere"),
        ("swish", 3, None, "sphere"),
        ("swish", 10, None, "sphere"),
        ("swish", 3, None, "gaussian"),
        ("wendland2", 3, None, "gaussian"),
    ],
)
def test_table_matches_quadrature(name, d, zeta, weights):
    phi = population_kernel(name, d, zeta=zeta, weights=weights)
    t = _t_grid(seed=d)
    if zeta is not None:  # the singular points of phi for this zeta
        th0 = math.acos(1 - zeta**2 / 2)
        t = np.concatenate([t, np.cos([th0, 2 * th0, th0 * (1 + 1e-9)])])
    scale = float(phi.quadrature(1.0))
    err = np.max(np.abs(phi(t) - phi.quadrature(t)))
    assert err <= 1e-12 * scale
    assert phi.table_info["converged"]


def test_table_is_cached():
    a = population_kernel("swish", 4).tabulate()
    b = population_kernel("swish", 4).tabulate()
    assert a._table is b._table
    c = population_kernel("swish", 4, weights="gaussian").tabulate()
    assert c._table is not a._table


def test_evaluation_in_place_and_shapes():
    phi = population_kernel("wendland0", 3)
    t = np.linspace(-1, 1, 12).reshape(3, 4)
    expected = phi(t.copy())
    assert expected.shape == (3, 4)
    out = phi(t, out=t)
    assert out is t
    np.testing.assert_array_equal(t, expected)
    assert phi(0.5).shape == ()


# --------------------------------------------------------------------------
# The bad point set: Theorems 2.2, 3.1, 3.2, Appendix A.2, Theorem 3.4
# --------------------------------------------------------------------------
def _relative_null(H, v):
    return np.linalg.norm(H @ v) / (np.linalg.norm(H, 2) * np.linalg.norm(v))


@pytest.mark.parametrize("d", [3, 10])
@pytest.mark.parametrize("name", ["relu", "swish"])
def test_population_matrix_singular_on_bad_points(name, d):
    X, v = make_bad_points(d, return_null_vector=True)
    H = population_gram(X, name)
    assert _relative_null(H, v) < 1e-12  # Theorem 3.1 / Appendix A.2
    # the same through the table for ReLU (the default uses eq. 3.1)
    H_table = population_kernel(name, d, method="table").gram(X)
    assert _relative_null(H_table, v) < 1e-12


@pytest.mark.parametrize("d", [3, 10])
@pytest.mark.parametrize("name", ["wendland0", "wendland2"])
def test_wendland_population_matrix_positive_definite_on_bad_points(name, d):
    X, v = make_bad_points(d, return_null_vector=True)
    H = population_gram(X, name)
    lam = np.linalg.eigvalsh(H)
    assert lam[0] > 1e-6 * lam[-1]  # Theorem 3.4
    assert _relative_null(H, v) > 1e-2


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("m", [8, 100, 10000])
@pytest.mark.parametrize("name", ACTS)
def test_finite_width_features_on_bad_points(name, m, seed):
    d = 3
    X, v = make_bad_points(d, return_null_vector=True)
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((d, m))
    W /= np.linalg.norm(W, axis=0)
    Z = get_activation(name, d)(X @ W) / math.sqrt(m)
    rank = np.linalg.matrix_rank(Z)
    if name in ("relu", "swish"):
        # Theorem 2.2 / Appendix A.2: v^T Z = 0 for every W
        assert np.max(np.abs(v @ Z)) < 1e-15 * max(1, math.sqrt(m))
        if m >= 100:
            assert rank == 7
            assert np.linalg.matrix_rank(Z @ Z.T) == 7
        else:
            assert rank <= 7
    elif m >= 100:  # Wendland: full rank once the width allows it
        assert rank == 8


def test_ntk_matrices_on_bad_points():
    d = 3
    X, v = make_bad_points(d, return_null_vector=True)
    v_tilde = np.array([1.0, 0, 0, -1, -1, 0, 0, 1])
    G = ntk_gram(X)
    assert _relative_null(G, v) < 1e-14  # Theorem 3.2: G v = 0
    rng = np.random.default_rng(0)
    m = 200_000
    W = rng.standard_normal((d, m))
    W /= np.linalg.norm(W, axis=0)
    E = (W.T @ X.T > 0).astype(np.float64)  # E~_kj = 1(w_k^T x_j > 0), m x 8
    # Theorem 3.2's proof: E~ v~ = 0 exactly, for every W
    assert np.array_equal(E @ v_tilde, np.zeros(m))
    G_hat = (X @ X.T) * (E.T @ E) / m
    # G_hat is singular with null vector v (the antipodal pairs cancel in
    # sum_j v_j 1(w^T x_j > 0) x_j = x1 - x2 - x3 - x4 = 0) ...
    assert _relative_null(G_hat, v) < 1e-14
    assert np.linalg.matrix_rank(G_hat) <= 7
    # ... while v~ spans the null space of E~, not of G_hat
    assert v_tilde @ G_hat @ v_tilde > 0.1
    # eq. 3.3 as written is d * phi~ (see relu_ntk_kernel); check by sampling
    p = (E.T @ E) / m
    se = np.sqrt(p * (1 - p) / m) * np.abs(X @ X.T)
    assert np.all(np.abs(G_hat - d * G) <= 4 * se + 1e-15)


def test_relu_ntk_kernel_values():
    t = np.array([1.0, 0.5, 0.0, -0.5, -1.0])
    d = 4
    expected = t * (np.pi - np.arccos(t)) / (2 * d * np.pi)
    np.testing.assert_allclose(relu_ntk_kernel(t, d), expected, rtol=0, atol=1e-16)
    assert relu_ntk_kernel(1.0, d) == pytest.approx(1 / (2 * d))


# --------------------------------------------------------------------------
# H on general data
# --------------------------------------------------------------------------
@pytest.mark.parametrize("weights", ["sphere", "gaussian"])
@pytest.mark.parametrize("name", ACTS)
def test_population_gram_symmetric_psd(name, weights):
    rng = np.random.default_rng(3)
    d = 3 if weights == "gaussian" else 5
    X = _uniform_sphere(rng, 150, d)
    H = population_gram(X, name, weights=weights)
    assert H.shape == (150, 150)
    assert np.array_equal(H, H.T)
    phi = population_kernel(name, d, weights=weights)
    np.testing.assert_allclose(np.diag(H), phi(1.0), rtol=1e-14)
    lam = np.linalg.eigvalsh(H)
    assert lam[0] >= -1e-12 * lam[-1]
    # entries are phi of the inner products (eq. 3.4)
    i, j = 3, 77
    assert H[i, j] == pytest.approx(float(phi(X[i] @ X[j])), rel=1e-14, abs=1e-16)


def test_population_gram_large_is_consistent_across_blocks():
    # n > block size: the mirrored blocks agree with direct evaluation
    rng = np.random.default_rng(5)
    X = _uniform_sphere(rng, 600, 4)
    phi = population_kernel("wendland2", 4)
    H = phi.gram(X)
    assert np.array_equal(H, H.T)
    G = np.clip(X @ X.T, -1, 1)
    assert np.max(np.abs(H - phi(G))) < 1e-15 * phi(1.0) * 100


def test_callable_activation_with_kinks():
    relu = lambda z: np.maximum(z, 0.0)  # noqa: E731
    t = _t_grid()
    phi = population_kernel(relu, 3, kinks=[0.0])
    assert np.max(np.abs(phi(t) - relu_kernel(t, 3))) < 1e-13
    # the quadrature cannot see the kink by itself: it says so
    with pytest.warns(IntegrationWarning, match="kinks"):
        rough = population_kernel(lambda z: np.maximum(z, 0.0), 3)
        rough.tabulate()
    assert not rough.table_info["converged"]


def test_smooth_callable_matches_builtin_swish():
    swish = lambda z: z / (1.0 + np.exp(-z))  # noqa: E731
    t = _t_grid()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mine = population_kernel(swish, 5)(t)
    np.testing.assert_allclose(mine, population_kernel("swish", 5)(t), atol=1e-15)


def test_activation_object_is_accepted():
    gamma = get_activation("wendland0", 4, zeta=1.2)
    phi = population_kernel(gamma, 4)
    assert phi.activation.zeta == 1.2
    ref = population_kernel("wendland0", 4, zeta=1.2)
    assert phi(0.3) == ref(0.3)
    with pytest.raises(ValueError, match="d=4"):
        population_kernel(gamma, 5)


# --------------------------------------------------------------------------
# Input validation
# --------------------------------------------------------------------------
def test_invalid_inputs():
    X, _ = make_bad_points(3, return_null_vector=True)
    with pytest.raises(ValueError, match="weights"):
        population_kernel("relu", 3, weights="uniform")
    with pytest.raises(ValueError, match="activation"):
        population_kernel("tanh", 3)
    with pytest.raises(ValueError, match="d must be"):
        population_kernel("relu", 0)
    with pytest.raises(ValueError, match="method"):
        population_kernel("relu", 3, method="fast")
    with pytest.raises(ValueError, match="kinks"):
        population_kernel("relu", 3, kinks=[0.0])
    with pytest.raises(ValueError, match="unit sphere"):
        population_gram(2 * X, "relu")
    with pytest.raises(ValueError, match="NaN"):
        population_gram(np.full((2, 3), np.nan), "relu")
    with pytest.raises(ValueError, match="2-D"):
        population_gram(X[0], "relu")
    with pytest.raises(ValueError, match="t must be finite"):
        population_kernel("swish", 3)(np.array([0.1, np.inf]))
    with pytest.raises(ValueError, match="t must be finite"):
        relu_kernel(np.nan, 3)
    with pytest.raises(ValueError, match="d must be"):
        gegenbauer_coefficients("relu", 2)
    with pytest.raises(ValueError, match="degree"):
        gegenbauer_coefficients("relu", 3, degree=0)
    with pytest.raises(ValueError, match="tol"):
        check_positive_definite("relu", 3, tol=-1.0)
    with pytest.raises(ValueError, match="columns"):
        population_kernel("relu", 4).gram(X)
    with pytest.raises(ValueError, match="NaN or inf"):
        # finite on [-1, 1], infinite beyond, where Gaussian weights reach
        bad = lambda z: np.where(np.abs(z) > 1, np.inf, z)  # noqa: E731
        population_kernel(bad, 3, weights="gaussian", method="quadrature")(0.5)
    assert isinstance(population_kernel("relu", 3), PopulationKernel)
