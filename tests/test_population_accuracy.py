"""Accuracy of the population kernel phi in every dimension (issue 12, item 4).

``phi(t) = E_w[gamma(x^T w) gamma(y^T w)]``, ``x^T y = t``, ``w`` uniform on
``S^{d-1}`` (eq. 2.7, 3.4), is compared with an independent quadrature written
here, in other coordinates than the package's: ``(x^T w, y^T w)`` is the
projection of ``w`` on the plane of ``x`` and ``y``, with density proportional
to ``(1 - |p|^2)^((d - 4) / 2)`` on the unit disk, and in polar coordinates
``(rho, alpha)`` of that plane

    ``phi(t) = E[gamma(rho cos(alpha)) gamma(rho cos(alpha - theta_t))]``,

``theta_t = arccos(t)``, ``alpha`` uniform and ``rho = sin(chi)`` with
``chi`` of density ``(d - 2) sin(chi) cos(chi)^(d - 3)`` on ``[0, pi/2]``. The
reference itself is checked against the closed form of eq. 3.1 (ReLU).

The package integrates in polar coordinates around ``x`` (angles ``theta``,
``psi``), or with a Gauss--Jacobi rule in ``(x^T w, psi)`` for swish.
"""

import math
import warnings

import numpy as np
import pytest
from scipy.special import roots_legendre

from sklearn_rfnet.activations import get_activation
from sklearn_rfnet.datasets import load_fashion_mnist_tshirt_sneaker
from sklearn_rfnet.population import population_gram, population_kernel, relu_kernel
from sklearn_rfnet.population._table import _cached_table

ACTS = ["relu", "swish", "wendland0", "wendland2"]
DIMS = [3, 10, 64, 100, 784]


# --------------------------------------------------------------------------
# The reference: polar coordinates in the plane of x and y
# --------------------------------------------------------------------------
def _gauss_legendre(ends, n):
    """Composite Gauss--Legendre rule on the pieces between sorted ``ends``."""
    x, w = roots_legendre(n)
    a, b = ends[:-1, None], ends[1:, None]
    return (0.5 * (b - a) * x + 0.5 * (a + b)).ravel(), (0.5 * (b - a) * w).ravel()


def _radial_rule(d, n=16, levels=25):
    """Nodes ``rho`` and probability weights of the radius of the projection.

    ``rho = sin(chi)``, ``chi`` of density ``(d - 2) sin(chi) cos(chi)^(d - 3)``;
    pieces in ``chi`` no longer than ``0.25 / sqrt(d)`` (the density has width
    ``~1 / sqrt(d)``), graded geometrically towards ``chi = pi / 2`` (``rho = 1``,
    where the Wendland activations have their cusp).
    """
    h = min(math.pi / 16, 0.25 / math.sqrt(d))
    top = 0.5 * math.pi - h
    ends = np.linspace(0.0, top, int(math.ceil(top / h)) + 1)
    graded = [0.5 * math.pi - h * 2.0**-k for k in range(1, levels)]
    ends = np.unique(np.concatenate([ends, graded, [0.5 * math.pi]]))
    chi, w = _gauss_legendre(ends, n)
    return np.sin(chi), w * (d - 2) * np.sin(chi) * np.cos(chi) ** (d - 3)


def _polar_reference(gamma, d, t, support, n=16, levels=25):
    """``phi(t)`` by quadrature in polar coordinates of the plane of ``x``, ``y``.

    ``support="full"``: ``gamma`` smooth, the trapezoidal rule in ``alpha`` (a
    periodic analytic integrand). ``support="half"``: ``gamma`` vanishes for
    ``z <= 0`` (ReLU, Wendland with ``zeta = sqrt(2)``), the integrand lives on
    the wedge ``theta_t - pi/2 <= alpha <= pi/2``: composite Gauss--Legendre,
    graded towards the cusps ``alpha = 0, theta_t`` of the Wendland activations
    and towards the ends of the wedge (where ``gamma`` may be singular).
    """
    theta = math.acos(t)
    rho, w_rho = _radial_rule(d, n, levels)
    # Cauchy-Schwarz: the inner mean is at most max(gamma(rho)^2, gamma(-rho)^2)
    envelope = w_rho * np.maximum(gamma(rho) ** 2, gamma(-rho) ** 2)
    keep = envelope > 1e-22 * envelope.sum()
    rho, w_rho = rho[keep], w_rho[keep]
    if support == "full":
        m = int(2 ** math.ceil(math.log2(64.0 * math.sqrt(d))))
        alpha = 2.0 * math.pi * np.arange(m) / m
        w_alpha = np.full(m, 1.0 / m)
    else:
        if theta >= math.pi:
            return 0.0
        lo, hi = theta - 0.5 * math.pi, 0.5 * math.pi
        h = min(math.pi / 8, 0.5 / math.sqrt(d))
        pts = set(np.linspace(lo, hi, int(math.ceil((hi - lo) / h)) + 1))
        for cusp in (0.0, theta, lo, hi):
            pts.add(cusp)
            for k in range(levels):
                pts.update(
                    x for x in (cusp - h * 2.0**-k, cusp + h * 2.0**-k) if lo < x < hi
                )
        alpha, w_alpha = _gauss_legendre(np.array(sorted(pts)), n)
        w_alpha = w_alpha / (2.0 * math.pi)
    total = 0.0
    for i in range(0, rho.size, 256):
        r = rho[i : i + 256, None]
        vals = gamma(r * np.cos(alpha)) * gamma(r * np.cos(alpha - theta))
        total += float(w_rho[i : i + 256] @ (vals @ w_alpha))
    return total


def _reference(name, d, t, zeta=None):
    gamma = get_activation(name, d, zeta=zeta)
    half = name == "relu" or (name.startswith("wendland") and zeta is None)
    return np.array(
        [_polar_reference(gamma, d, ti, "half" if half else "full") for ti in t]
    )


T_REF = np.array([-1.0, -0.5, 0.0, 0.5, 0.9, 0.99, 1.0])


def _t_grid():
    """Inner products that stress the quadrature: random, near +-1."""
    rng = np.random.default_rng(12)
    theta = np.concatenate(
        [
            rng.uniform(0.0, np.pi, 12),
            np.pi * 2.0 ** -np.arange(2, 40, 6),  # t -> 1
            np.pi - np.pi * 2.0 ** -np.arange(2, 40, 6),  # t -> -1
        ]
    )
    return np.concatenate([np.cos(theta), [1.0, -1.0, 0.0]])


@pytest.mark.parametrize("d", DIMS)
def test_reference_reproduces_eq_3_1(d):
    # the reference is right where the answer is known in closed form
    t = T_REF
    ref = _reference("relu", d, t)
    assert np.max(np.abs(ref - relu_kernel(t, d))) < 1e-13 * relu_kernel(1.0, d)


# --------------------------------------------------------------------------
# phi against the reference
# --------------------------------------------------------------------------
@pytest.mark.parametrize("d", DIMS)
def test_swish_matches_reference(d):
    # Gauss--Jacobi in the package, polar coordinates here; relative accuracy
    # 1e-10 everywhere (swish's phi does not vanish at these t); before the
    # fix phi(-1) was off by 1.5e-6 at d = 64 and by 65% at d = 784
    ref = _reference("swish", d, T_REF)
    phi = population_kernel("swish", d)
    np.testing.assert_allclose(phi.quadrature(T_REF), ref, rtol=1e-10, atol=0)
    np.testing.assert_allclose(phi(T_REF), ref, rtol=1e-10, atol=0)  # the table


@pytest.mark.parametrize("d", [100, 784])
def test_smooth_callable_matches_reference(d):
    # a callable goes through the general (theta, psi) quadrature, whose
    # pieces must resolve the concentrated laws; t -> -1 needs the grading
    # where the bisector sweeps the azimuth law
    def swish(z):
        return z / (1.0 + np.exp(-z))

    t = np.array([-1.0, -0.999, -0.5, 0.0, 0.5, 0.999, 1.0])
    ref = np.array([_polar_reference(swish, d, ti, "full") for ti in t])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        phi = population_kernel(swish, d)
        np.testing.assert_allclose(phi.quadrature(t), ref, rtol=1e-10, atol=0)
        np.testing.assert_allclose(phi(t), ref, rtol=1e-10, atol=0)
    # and the built-in swish (Gauss--Jacobi) agrees with it
    np.testing.assert_allclose(population_kernel("swish", d)(t), ref, rtol=1e-10)


@pytest.mark.parametrize("d", [10, 100, 784])
def test_callable_with_kink_matches_reference(d):
    # gamma(z) = max(z, 0)^1.5 with kinks=[0]: a square-root type point, graded
    # in the azimuth (also where a truncation edge falls onto it)
    def gamma(z):
        return np.maximum(z, 0.0) ** 1.5

    t = np.array([-0.9, -0.5, 0.0, 0.5, 0.99, 1.0])
    ref = np.array([_polar_reference(gamma, d, ti, "half") for ti in t])
    tol = 1e-10 * np.abs(ref) + 1e-13 * ref[-1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        phi = population_kernel(gamma, d, kinks=[0.0])
        assert np.all(np.abs(phi.quadrature(t) - ref) <= tol)
        assert np.all(np.abs(phi(t) - ref) <= tol)


@pytest.mark.parametrize("d", [3, 10, 64, 100])
@pytest.mark.parametrize("name", ["wendland0", "wendland2"])
def test_wendland_matches_reference(name, d):
    # phi of a Wendland activation falls from phi(1) by hundreds of orders of
    # magnitude in high dimension: 1e-10 relative, or 1e-13 of phi(1)
    ref = _reference(name, d, T_REF)
    scale = ref[-1]
    assert scale > 0
    tol = 1e-10 * np.abs(ref) + 1e-13 * scale
    phi = population_kernel(name, d)
    assert np.all(np.abs(phi.quadrature(T_REF) - ref) <= tol)
    assert np.all(np.abs(phi(T_REF) - ref) <= tol)


@pytest.mark.parametrize("name", ["wendland0", "wendland2"])
def test_wendland_d784(name):
    # zeta = 2: the support is the whole sphere but the antipode, no kink in
    # (-1, 1); phi(1) ~ 1e-278 (still a normal number)
    t = np.array([0.9, 0.99, 0.999, 1.0])
    ref = _reference(name, 784, t, zeta=2.0)
    scale = ref[-1]
    assert 1e-290 < scale < 1e-260
    phi = population_kernel(name, 784, zeta=2.0)
    tol = 1e-10 * np.abs(ref) + 1e-13 * scale
    assert np.all(np.abs(phi.quadrature(t) - ref) <= tol)
    assert np.all(np.abs(phi(t) - ref) <= tol)
    # the default zeta: E[gamma^2] ~ 1e-375 underflows, phi is 0, not noise
    phi = population_kernel(name, 784)
    assert _reference(name, 784, np.array([1.0]))[0] == 0.0
    assert np.all(phi(np.linspace(-1, 1, 11)) == 0.0)


@pytest.mark.parametrize("d", DIMS)
def test_relu_quadrature_and_table_match_eq_3_1(d):
    t = _t_grid()
    exact = relu_kernel(t, d)
    phi = population_kernel("relu", d, method="table")
    tol = 1e-12 * relu_kernel(1.0, d)
    assert np.max(np.abs(phi.quadrature(t) - exact)) <= tol
    assert np.max(np.abs(phi(t) - exact)) <= tol
    assert phi.table_info["converged"]
    assert phi(-1.0) == 0.0  # the half spaces x^T w > 0, -x^T w > 0 are disjoint


# --------------------------------------------------------------------------
# Wendland: exact zeros, no negative values (Theorem 3.4, gamma >= 0)
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "d, zeta", [(3, None), (64, None), (3, 1.0), (64, 1.0), (10, 1.3), (2, 1.0)]
)
@pytest.mark.parametrize("name", ["wendland0", "wendland2"])
def test_wendland_exact_zeros_and_nonnegative(name, d, zeta):
    phi = population_kernel(name, d, zeta=zeta)
    z0 = 1.0 - (2.0 if zeta is None else zeta**2) / 2.0
    # the caps x^T w > z0 and y^T w > z0 of angular radius arccos(z0) are
    # disjoint when arccos(t) >= 2 arccos(z0)
    t_edge = math.cos(2.0 * math.acos(z0))
    t_zero = np.concatenate([[-1.0], np.linspace(-1.0, t_edge - 1e-12, 40)])
    assert np.all(phi(t_zero) == 0.0)
    assert np.all(phi.quadrature(t_zero[::8]) == 0.0)
    t = np.concatenate(
        [np.linspace(-1.0, 1.0, 4001), t_edge + np.logspace(-15, -1, 30)]
    )
    t = t[t <= 1.0]
    values = phi(t)
    assert np.all(values >= 0.0)
    assert np.all(phi.quadrature(t[::200]) >= 0.0)
    assert phi.quadrature(0.5 * (t_edge + 1.0)) > 0.0  # the caps overlap


def test_wendland_population_gram_has_no_negative_entries():
    # before the fix H had entries like -1.9e-60 at d = 64
    rng = np.random.default_rng(0)
    d = 64
    X = rng.standard_normal((60, d))
    X[30:] = -X[:30] + 1e-3 * rng.standard_normal((30, d))  # nearly antipodal
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    X[0] = -X[1]  # exactly antipodal: t = -1
    for name in ("wendland0", "wendland2"):
        H = population_gram(X, name)
        assert np.all(H >= 0.0)
        assert H[0, 1] == 0.0


# --------------------------------------------------------------------------
# No IntegrationWarning; H positive semi-definite in d = 784
# --------------------------------------------------------------------------
@pytest.mark.parametrize("d", [1, 2, 25, 29, 33, 200, 1000])
def test_no_integration_warning(d):
    # before the fix: d = 1 (relu, wendland0), d >= 25 (wendland2), d >= 29
    # (wendland0), d >= 33 (swish), d >= 200 (relu, method="table") warned
    _cached_table.cache_clear()
    rng = np.random.default_rng(d)
    X = rng.standard_normal((20, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ACTS:
            H = population_gram(X, name)
            assert np.all(np.isfinite(H))
            if d >= 2:  # d = 1: only t = +-1 occur, evaluated exactly
                phi = population_kernel(name, d, method="table").tabulate()
                assert phi.table_info["converged"]


@pytest.mark.parametrize("name", ACTS)
def test_population_gram_psd_fashion_mnist_d784(name):
    # 120 raw Fashion-MNIST images on S^783: inner products 0.18 to 0.98.
    # Before the fix H for swish had lambda_min = -1.4e-5 (lambda_max 0.023)
    X = load_fashion_mnist_tshirt_sneaker().data[:120]
    X = X / np.linalg.norm(X, axis=1, keepdims=True)
    zeta = 2.0 if name.startswith("wendland") else None  # else phi underflows
    H = population_gram(X, name, zeta=zeta)
    lam = np.linalg.eigvalsh(H)
    assert lam[-1] > 0
    assert lam[0] >= -1e-12 * lam[-1]
