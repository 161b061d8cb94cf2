"""Tests of Theorem 3.3's tools (sklearn_rfnet.population._expansion).

The Gegenbauer expansion of gamma (eq. 3.5) against known series and
reconstruction, the Funk--Hecke series of phi against the tabulated kernel,
and the positive-definiteness verdicts against the paper's theorems.
"""

import math

import numpy as np
import pytest
from scipy.special import eval_gegenbauer, gammaln

from sklearn_rfnet.activations import get_activation
from sklearn_rfnet.population import (
    check_positive_definite,
    funk_hecke_coefficients,
    gegenbauer_coefficients,
    population_kernel,
)
from sklearn_rfnet.population._expansion import _gegenbauer_log_norm


def _t_grid(seed):
    """Random inner products and the ends, where a series converges slowest."""
    t = np.random.default_rng(seed).uniform(-1.0, 1.0, 30)
    return np.concatenate([t, [1.0, -1.0, 0.0, 1 - 1e-12]])


# --------------------------------------------------------------------------
# Theorem 3.3: Gegenbauer and Funk--Hecke
# --------------------------------------------------------------------------
def test_gegenbauer_relu_is_legendre_series_of_abs():
    # d = 3: C_k^(1/2) = P_k. relu(t) = |t|/2 + t/2 and
    # |t| = 1/2 + sum_k (-1)^(k+1) (4k+1) (2k-2)! / (4^k (k-1)! (k+1)!) P_2k
    K = 40
    a = gegenbauer_coefficients("relu", 3, degree=K)
    expected = np.zeros(K + 1)
    expected[0], expected[1] = 0.25, 0.5
    for k in range(1, K // 2 + 1):
        log_mag = (
            math.log(4 * k + 1)
            + gammaln(2 * k - 1)
            - k * math.log(4)
            - gammaln(k)
            - gammaln(k + 2)
        )
        expected[2 * k] = 0.5 * (-1) ** (k + 1) * math.exp(log_mag)
    np.testing.assert_allclose(a, expected, rtol=0, atol=1e-14)


@pytest.mark.parametrize("d", [3, 6, 12])
def test_gegenbauer_expansion_reconstructs_swish(d):
    a = gegenbauer_coefficients("swish", d, degree=24)
    t = np.linspace(-1, 1, 41)
    series = sum(ak * eval_gegenbauer(k, (d - 2) / 2, t) for k, ak in enumerate(a))
    gamma = get_activation("swish", d)
    # C_k(1) grows like k^(d-3): rounding in a_k is amplified at t = +-1
    assert np.max(np.abs(series - gamma(t))[1:-1]) < 1e-13
    assert np.max(np.abs(series - gamma(t))) < 1e-11
    # Appendix A.2: the odd part is t/2 = C_1(t) / (2 (d - 2)) ...
    assert a[1] == pytest.approx(1 / (2 * (d - 2)), rel=1e-13)
    # ... and nothing else: the other odd coefficients vanish (in the basis
    # orthonormal for the law of x^T w)
    k = np.arange(a.size)
    lam = (d - 2) / 2
    a_hat = a * np.exp(
        0.5 * (_gegenbauer_log_norm(k, lam) - _gegenbauer_log_norm(0, lam))
    )
    assert np.max(np.abs(a_hat[3::2])) < 1e-15
    # the even part is not a polynomial: its coefficients do not vanish
    assert np.all(np.abs(a_hat[0:12:2]) > 1e-12)


def test_gegenbauer_expansion_converges_for_wendland():
    # Parseval: sum_k a_k^2 h_k / h_0 = E[gamma(u)^2] = phi(1); the gap
    # shrinks with the degree, and the series converges pointwise away from
    # the kink and the cone at t = 1.
    d = 5
    phi1 = float(population_kernel("wendland0", d)(1.0))
    c_low = funk_hecke_coefficients(gegenbauer_coefficients("wendland0", d, 20), d)
    c_high = funk_hecke_coefficients(gegenbauer_coefficients("wendland0", d, 200), d)
    lam = (d - 2) / 2
    c1_low = c_low * eval_gegenbauer(np.arange(21), lam, 1.0)
    c1_high = c_high * eval_gegenbauer(np.arange(201), lam, 1.0)
    gap_low, gap_high = phi1 - c1_low.sum(), phi1 - c1_high.sum()
    assert 0 < gap_high < gap_low / 50
    assert gap_high < 1e-5 * phi1
    a = gegenbauer_coefficients("wendland0", d, degree=200)
    t = np.array([-0.7, -0.2, 0.3, 0.6])
    series = sum(ak * eval_gegenbauer(k, lam, t) for k, ak in enumerate(a))
    assert np.max(np.abs(series - get_activation("wendland0", d)(t))) < 1e-6


@pytest.mark.parametrize("d", [3, 5, 10])
def test_funk_hecke_series_matches_table_for_swish(d):
    # an independent route to phi: Theorem 3.3's c_k, a fast-converging
    # series for the analytic swish
    c = funk_hecke_coefficients(gegenbauer_coefficients("swish", d, degree=40), d)
    t = _t_grid(seed=1)
    series = sum(ck * eval_gegenbauer(k, (d - 2) / 2, t) for k, ck in enumerate(c))
    phi = population_kernel("swish", d)
    assert np.max(np.abs(series - phi(t))) < 1e-13 * float(phi(1.0))
    # Appendix A.2: c_1 = 1 / (4 d (d - 2))
    assert c[1] == pytest.approx(1 / (4 * d * (d - 2)), rel=1e-12)
    assert np.all(c >= 0)


@pytest.mark.parametrize("d", [3, 5, 10])
def test_check_positive_definite_builtins(d):
    for name in ("relu", "swish"):
        res = check_positive_definite(name, d)
        assert res.exact and not res.guaranteed
        assert res.odd_polynomial and not res.even_polynomial
        assert res.odd_degree == 1 and res.n_odd_nonzero == 1  # odd part t/2
    for name in ("wendland0", "wendland2"):
        for zeta in (None, 1.0):
            res = check_positive_definite(name, d, zeta=zeta)
            assert res.exact and res.guaranteed
            assert res.n_odd_nonzero > 20 and res.n_even_nonzero > 20


def test_check_positive_definite_numerical_evidence():
    d = 4
    relu = check_positive_definite(lambda z: np.maximum(z, 0), d, kinks=[0.0])
    assert not relu.exact
    assert (relu.guaranteed, relu.even_polynomial, relu.odd_polynomial) == (
        False,
        False,
        True,
    )
    assert relu.odd_degree == 1
    wend = get_activation("wendland0", d)
    res = check_positive_definite(lambda z: wend(z), d, kinks=[0.0])
    assert res.guaranteed and not res.exact
    # a kink of order 3/2 at 0: both parts non-polynomial
    res = check_positive_definite(lambda z: np.maximum(z, 0) ** 1.5, d, kinks=[0.0])
    assert res.guaranteed
    # polynomials: odd cubic (even part 0), and |t| (odd part 0)
    res = check_positive_definite(lambda z: z**3 - z, d)
    assert not res.guaranteed
    assert (res.even_degree, res.odd_degree) == (-1, 3)
    res = check_positive_definite(np.abs, d, kinks=[0.0])
    assert not res.guaranteed and res.odd_degree == -1
    assert res.even_degree == res.degree
    assert "numerical evidence" in res.reason
