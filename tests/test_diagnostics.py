"""Width estimates of ``diagnostics``: the practical settling width."""

import math

import numpy as np
import pytest

from sklearn_rfnet.datasets import make_bad_points
from sklearn_rfnet.diagnostics import required_width, settling_width
from sklearn_rfnet.population import relu_kernel


def _relu_setting(n=40, d=4, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    H = relu_kernel(np.clip(X @ X.T, -1.0, 1.0), d)  # eq. 3.1, exact

    def features(m, seed):
        W = np.random.RandomState(seed).normal(size=(d, m))
        W /= np.linalg.norm(W, axis=0)
        return np.maximum(X @ W, 0.0)

    return H, features


def test_settling_width_matches_monte_carlo():
    """At the estimated width lambda_min(H_hat) keeps half of lambda_min(H)
    in most draws; at a quarter of it, it does not: the estimate is neither
    wrong nor far too conservative (Lemma 2.4 is 10^4 times larger here)."""
    H, features = _relu_setting()
    lam1 = np.linalg.eigvalsh(H)[0]
    m = settling_width(H, features(2000, seed=99))

    def median_ratio(width):
        ratios = []
        for rep in range(9):
            G = features(width, seed=rep)
            ratios.append(np.linalg.eigvalsh(G @ G.T / width)[0] / lam1)
        return np.median(ratios)

    assert median_ratio(m) >= 0.5
    assert median_ratio(max(m // 4, 1)) < 0.5
    assert required_width(H.shape[0], lam1, 1.0) > 1e3 * m


def test_settling_width_ratio_is_monotone():
    H, features = _relu_setting()
    G = features(1000, seed=1)
    widths = [settling_width(H, G, ratio=r) for r in (0.1, 0.5, 0.9)]
    assert widths[0] < widths[1] < widths[2] < math.inf


def test_settling_width_singular_H_is_inf():
    """ReLU on the points of Definition 2.1: H is singular (Theorem 3.1)."""
    X = make_bad_points(3)
    X = np.asarray(X[0] if isinstance(X, tuple) else X, dtype=np.float64)
    H = relu_kernel(np.clip(X @ X.T, -1.0, 1.0), X.shape[1])
    W = np.random.RandomState(0).normal(size=(X.shape[1], 500))
    G = np.maximum(X @ (W / np.linalg.norm(W, axis=0)), 0.0)
    assert settling_width(H, G) == math.inf


def test_settling_width_repeated_eigenvalues_stay_finite():
    """A repeated smallest eigenvalue: the first-order mixing term is used
    where the gap is zero, so the width is finite."""
    H, features = _relu_setting(n=20)
    lam, U = np.linalg.eigh(H)
    lam[1] = lam[0]
    Hd = (U * lam) @ U.T
    assert settling_width(Hd, features(500, seed=3)) < math.inf


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"H": np.ones((3, 2))}, "square"),
        ({"samples": np.ones((4, 5))}, "samples must have shape"),
        ({"ratio": 1.0}, "ratio"),
        ({"H": np.full((3, 3), np.nan)}, "finite"),
    ],
)
def test_settling_width_bad_input(kwargs, match):
    args = {"H": np.eye(3), "samples": np.ones((3, 5))}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        settling_width(args.pop("H"), args.pop("samples"), **args)
