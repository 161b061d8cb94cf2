"""
Why can't a ReLU network fit eight well-separated points? (Theorems 2.2, 3.1)
=============================================================================

The eight points ``(+-s, +-s, +-s)``, ``s = 1/sqrt(3)``, of Definition 2.1 are
distinct and well separated, yet ``v^T relu(X W) = 0`` for
``v = (1, -1, -1, -1, 1, 1, 1, -1)`` and *every* weight matrix ``W``
(Theorem 2.2): the feature matrix has rank at most 7 however wide the
network, and the population matrix ``H`` of eq. 2.7 is singular
(Theorem 3.1). Swish fails the same way (Appendix A.2): both have the odd
part ``t / 2``, a polynomial, so Theorem 3.3 gives no guarantee. The
Wendland activations (Theorem 3.4) give a positive definite ``H``.

This script prints, for each activation, the rank of ``gamma(X W)`` for
several widths and seeds, ``lambda_min(H)`` and ``||H v||``, on the eight
points and on the Synthetic-2-like set where they are planted among 92
random points of ``S^2`` (Corollary 2.3). The figure shows the eigenvalues
of ``H`` and the smallest singular value of ``Z = gamma(X W) / sqrt(m)``
against the width ``m``.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from _common import QUICK, figure_path

from sklearn_rfnet.activations import get_activation
from sklearn_rfnet.datasets import make_bad_points, plant_bad_points
from sklearn_rfnet.diagnostics import required_width
from sklearn_rfnet.population import (
    check_positive_definite,
    ntk_gram,
    population_gram,
)

ACTIVATIONS = ["relu", "swish", "wendland0", "wendland2"]
d = 3
X_bad, v = make_bad_points(d, return_null_vector=True)
rng = np.random.default_rng(0)
X_rand = rng.standard_normal((92, d))
X_rand /= np.linalg.norm(X_rand, axis=1, keepdims=True)
X_planted, index, q = plant_bad_points(X_rand, random_state=0)
print(f"bad points at rows {index.tolist()} of the {len(X_planted)}-point set")


def features(X, activation, m, seed):
    """Z = gamma(X W) / sqrt(m), columns of W uniform on the sphere (eq. 2.6)."""
    W = np.random.default_rng(seed).standard_normal((X.shape[1], m))
    W /= np.linalg.norm(W, axis=0)
    return get_activation(activation, X.shape[1])(X @ W) / np.sqrt(m)


_SV_CACHE = {}


def singular_values(X, activation, m, seed):
    """Singular values of Z (cached), from the n x n factor R of Z^T = Q R."""
    key = (len(X), activation, m, seed)
    if key not in _SV_CACHE:
        R = np.linalg.qr(features(X, activation, m, seed).T, mode="r")
        _SV_CACHE[key] = np.linalg.svd(R, compute_uv=False)
    return _SV_CACHE[key]


def rank(sv, m):
    """Numerical rank with the threshold of numpy.linalg.matrix_rank(Z)."""
    return int(np.sum(sv > sv[0] * max(len(sv), m) * np.finfo(float).eps))


# %%
# Rank of gamma(X W): at most 7 (8 points) and 99 (100 points) for ReLU and
# swish, whatever the width and the weights.
widths = [8, 100, 10_000]
seeds = range(2 if QUICK else 3)
print(f"\n{'activation':>10} {'m':>6}  rank, 8 points  rank, 100 points  |v^T Z|")
for activation in ACTIVATIONS:
    for m in widths:
        ranks8, ranks100, null = [], [], 0.0
        for seed in seeds:
            ranks8.append(rank(singular_values(X_bad, activation, m, seed), m))
            ranks100.append(rank(singular_values(X_planted, activation, m, seed), m))
            Z8 = features(X_bad, activation, m, seed)
            null = max(null, float(np.abs(v @ Z8).max()))
        print(f"{activation:>10} {m:>6}  {ranks8!s:>14}  {ranks100!s:>16}  {null:.1e}")

# %%
# The population matrix H (eq. 2.7, 3.4) and Theorem 3.3's test.
print(
    f"\n{'activation':>10} {'lam_min(H)/lam_max':>19} {'|Hv|/(|H||v|)':>14} "
    f"{'lam_min, 100 pts':>17} {'Lemma 2.4 width':>16}  Theorem 3.3"
)
eigenvalues = {}
for activation in ACTIVATIONS:
    H = population_gram(X_bad, activation)
    lam = np.linalg.eigvalsh(H)
    eigenvalues[activation] = lam
    rel_null = np.linalg.norm(H @ v) / (np.linalg.norm(H, 2) * np.linalg.norm(v))
    H100 = population_gram(X_planted, activation)
    lam100 = np.linalg.eigvalsh(H100)
    C = get_activation(activation, d).C
    m_needed = required_width(len(X_planted), max(lam100[0], 0.0), C)
    verdict = check_positive_definite(activation, d)
    print(
        f"{activation:>10} {lam[0] / lam[-1]:>19.2e} {rel_null:>14.1e} "
        f"{lam100[0]:>17.2e} {m_needed:>16}  "
        f"{'positive definite' if verdict.guaranteed else 'no guarantee'}"
    )
G = ntk_gram(X_bad)
print(f"ReLU NTK matrix G (Theorem 3.2): |G v| = {np.abs(G @ v).max():.1e}")

# %%
# Smallest singular value of Z against the width, on the 100 points.
m_grid = [100, 300, 1000, 3000] + ([] if QUICK else [10_000])
fig, (ax_eig, ax_sv) = plt.subplots(1, 2, figsize=(11, 4))
for activation in ACTIVATIONS:
    lam = np.clip(eigenvalues[activation][::-1], 1e-18, None)
    (line,) = ax_eig.semilogy(np.arange(1, 9), lam / lam[0], "o-", label=activation)
    sv = [
        np.median([singular_values(X_planted, activation, m, s)[-1] for s in seeds])
        for m in m_grid
    ]
    ax_sv.loglog(
        m_grid, np.clip(sv, 1e-18, None), "o-", color=line.get_color(), label=activation
    )
    print(f"{activation:>10} sigma_min(Z), m = {m_grid[-1]}: {sv[-1]:.2e}")
ax_eig.set_xlabel("index")
ax_eig.set_ylabel("eigenvalue of H / largest")
ax_eig.set_title("H on the 8 points of Definition 2.1")
ax_sv.set_xlabel("width m")
ax_sv.set_ylabel("smallest singular value of Z")
ax_sv.set_title("Z = gamma(XW)/sqrt(m), 8 bad + 92 random points")
ax_eig.legend()
fig.tight_layout()
fig.savefig(figure_path("relu_failure.png"), dpi=110)
print(f"saved {figure_path('relu_failure.png')}")
