"""Spectral diagnostics of ``H_hat = Z Z^T``, width bounds and Landweber filters.

Pure numpy/scipy: this module knows nothing of scikit-learn.

* :func:`spectral_summary` turns eigenvalues (or singular values of ``Z``)
  into ``lambda_min``, ``lambda_max``, the condition number and the numerical
  rank, with one documented rank threshold.
* :func:`required_width` is the width of Lemma 2.4 / Theorem 4.3 and
  :func:`approximation_width` that of Lemma 2.5 (eq. 2.8): guarantees, and
  astronomically conservative; :func:`settling_width` estimates the width at
  which ``lambda_min(H_hat)`` actually settles near ``lambda_min(H)``.
* :func:`landweber_filter` is the spectral filter ``f_k`` of eq. 4.2 / 4.3
  and :func:`landweber_residuals` the residual norms of eq. 4.4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._spectral import landweber_filter, landweber_residuals, optimal_step_size

__all__ = [
    "SpectralSummary",
    "approximation_width",
    "landweber_filter",
    "landweber_residuals",
    "numerical_rank_threshold",
    "optimal_step_size",
    "population_spectrum",
    "required_width",
    "settling_width",
    "spectral_summary",
]


@dataclass(frozen=True)
class SpectralSummary:
    """Extreme eigenvalues, condition number and numerical rank of ``H_hat``.

    Attributes
    ----------
    lambda_min : float
        Smallest eigenvalue (0.0 when ``H_hat`` is numerically singular).
    lambda_max : float
        Largest eigenvalue.
    lambda_min_nonzero : float
        Smallest eigenvalue above the rank threshold; equals ``lambda_min``
        when ``H_hat`` has full rank.
    condition_number : float
        ``lambda_max / lambda_min``; ``inf`` when numerically singular.
    rank : int
        Number of eigenvalues above the threshold.
    threshold : float
        The eigenvalue threshold used for the rank.

    Examples
    --------
    >>> from sklearn_rfnet.diagnostics import spectral_summary
    >>> s = spectral_summary([1.0, 0.0, 4.0], n=3, m=30)
    >>> s.rank, s.lambda_min, s.lambda_min_nonzero, s.condition_number
    (2, 0.0, 1.0, inf)
    """

    lambda_min: float
    lambda_max: float
    lambda_min_nonzero: float
    condition_number: float
    rank: int
    threshold: float


def numerical_rank_threshold(lambda_max, n, m, dtype=np.float64, *, from_svd=False):
    """Eigenvalue threshold below which ``H_hat`` is treated as singular.

    Parameters
    ----------
    lambda_max : float
        Largest eigenvalue of ``H_hat`` (``sigma_max(Z)**2``).
    n, m : int
        Shape of ``Z`` (``n x m``).
    dtype : dtype, default=float64
        Working precision.
    from_svd : bool, default=False
        ``True`` when the eigenvalues are squared singular values of ``Z``.
        The threshold is then ``(max(n, m) eps sigma_max)**2``, the square of
        the default cut-off of :func:`numpy.linalg.lstsq`, so that ``rank``
        agrees with it. Eigenvalues computed from ``H_hat`` itself carry an
        absolute error of order ``eps lambda_max``, so the threshold there is
        ``n eps lambda_max``.

    Returns
    -------
    threshold : float

    Examples
    --------
    >>> numerical_rank_threshold(1.0, 100, 1000) > 0
    True
    """
    eps = float(np.finfo(dtype).eps)
    if from_svd:
        return float((max(n, m) * eps) ** 2 * lambda_max)
    return float(max(n, 1) * eps * lambda_max)


def spectral_summary(eigenvalues, n, m, dtype=np.float64, *, from_svd=False, size=None):
    """Summarize the spectrum of a Gram matrix of ``Z``.

    Parameters
    ----------
    eigenvalues : array_like of shape (k,)
        Eigenvalues of the Gram matrix (any order). When ``from_svd`` is true
        these are the squared singular values of ``Z`` and, if
        ``k < size``, the missing ``size - k`` eigenvalues are zero.
    n, m : int
        Shape of ``Z``.
    dtype : dtype, default=float64
        Working precision, for the rank threshold.
    from_svd : bool, default=False
        See :func:`numerical_rank_threshold`.
    size : int, default=None
        Order of the Gram matrix: ``n`` for ``H_hat = Z Z^T`` (the default,
        the dual regime), ``m`` for ``Z^T Z`` (the primal regime). Its
        non-zero eigenvalues are the same; ``lambda_min`` and the condition
        number are those of the matrix of this order.

    Returns
    -------
    summary : SpectralSummary

    Examples
    --------
    >>> s = spectral_summary([4.0, 1.0, 2.0], n=3, m=30)
    >>> s.condition_number, s.rank
    (4.0, 3)
    """
    lam = np.sort(np.asarray(eigenvalues, dtype=np.float64).ravel())
    size = n if size is None else int(size)
    if lam.size == 0:
        if size == 0:  # e.g. one sample and an intercept: nothing to solve
            return SpectralSummary(0.0, 0.0, 0.0, math.inf, 0, 0.0)
        raise ValueError("eigenvalues must not be empty.")
    lam_max = max(float(lam[-1]), 0.0)
    thr = numerical_rank_threshold(lam_max, size, m, dtype, from_svd=from_svd)
    if from_svd:
        thr = numerical_rank_threshold(lam_max, n, m, dtype, from_svd=True)
    above = lam[lam > thr]
    rank = int(above.size)
    if lam_max == 0.0:
        rank = 0
    full = rank == size
    lam_min = float(lam[0]) if (full and lam.size == size) else 0.0
    lam_min = max(lam_min, 0.0)
    lam_min_nz = float(above[0]) if rank else 0.0
    cond = lam_max / lam_min if (full and lam_min > 0.0) else math.inf
    return SpectralSummary(lam_min, lam_max, lam_min_nz, cond, rank, thr)


def population_spectrum(H):
    """Spectral summary of a population matrix ``H`` (eq. 2.7).

    Parameters
    ----------
    H : ndarray of shape (n, n)
        Symmetric positive semi-definite population matrix.

    Returns
    -------
    summary : SpectralSummary
        ``lambda_min`` is 0.0 when ``H`` is numerically singular (its
        eigenvalues below ``n eps lambda_max``), e.g. for ReLU on the points
        of Definition 2.1 (Theorem 3.1).

    Examples
    --------
    >>> import numpy as np
    >>> population_spectrum(np.diag([2.0, 0.5])).condition_number
    4.0
    """
    H = np.asarray(H, dtype=np.float64)
    lam = np.linalg.eigvalsh(H)
    return spectral_summary(lam, H.shape[0], H.shape[0])


def required_width(n, lambda_min, C, delta=0.01):
    """Width that makes ``Z`` full row rank with probability ``1 - delta``.

    Lemma 2.4 and Theorem 4.3: if ``m >= 10 n C^2 log(2n/delta) / lambda_min(H)``
    then ``lambda_min(H_hat) > lambda_min(H) / 2`` and
    ``lambda_max(H_hat) < 2 lambda_max(H)`` with probability at least
    ``1 - delta``; in particular ``H_hat`` is invertible and gradient descent
    from ``alpha_0 = 0`` converges to the minimum-norm interpolant.

    Parameters
    ----------
    n : int
        Number of training points.
    lambda_min : float
        Smallest eigenvalue of the population matrix ``H`` (eq. 2.7).
    C : float
        ``max |gamma|`` on ``[-1, 1]``.
    delta : float, default=0.01
        Failure probability, in ``(0, 1)``.

    Returns
    -------
    m : int or float
        The smallest integer width satisfying the bound, or ``math.inf`` when
        ``lambda_min <= 0`` (no width suffices, e.g. ReLU on the point set of
        Definition 2.1).

    Examples
    --------
    >>> required_width(100, 0.01, 1.0, delta=0.01)
    990349
    """
    n, C, delta = _check_bound_args(n, C, delta)
    lambda_min = float(lambda_min)
    if not lambda_min > 0.0:
        return math.inf
    return int(math.ceil(10.0 * n * C**2 * math.log(2.0 * n / delta) / lambda_min))


def approximation_width(n, lambda_min, condition_number, C, delta=0.01):
    """Width that makes ``||H_hat - H||_2 < lambda_min(H) / 2`` w.p. ``1 - delta``.

    Lemma 2.5, eq. 2.8:
    ``m >= 2 n C^2 / lambda_min(H) * (kappa(H) + 2/3) * log(2n/delta)``.

    Parameters
    ----------
    n : int
        Number of training points.
    lambda_min : float
        Smallest eigenvalue of the population matrix ``H``.
    condition_number : float
        ``kappa(H) = lambda_max(H) / lambda_min(H)``.
    C : float
        ``max |gamma|`` on ``[-1, 1]``.
    delta : float, default=0.01
        Failure probability, in ``(0, 1)``.

    Returns
    -------
    m : int or float
        The smallest integer width satisfying eq. 2.8, or ``math.inf`` when
        ``lambda_min <= 0`` or ``condition_number`` is infinite.

    Examples
    --------
    >>> approximation_width(100, 0.01, 50.0, 1.0, delta=0.01)
    10035535
    """
    n, C, delta = _check_bound_args(n, C, delta)
    lambda_min = float(lambda_min)
    kappa = float(condition_number)
    if not lambda_min > 0.0 or not math.isfinite(kappa):
        return math.inf
    if kappa < 1.0:
        raise ValueError(f"condition_number must be >= 1, got {kappa!r}.")
    m = 2.0 * n * C**2 / lambda_min * (kappa + 2.0 / 3.0) * math.log(2.0 * n / delta)
    return int(math.ceil(m))


def settling_width(H, samples, *, ratio=0.5):
    """Width at which ``lambda_min(H_hat)`` settles near ``lambda_min(H)``.

    A practical estimate to set beside the guarantee of Lemma 2.4
    (:func:`required_width`), which bounds the worst case of every
    ``|gamma| <= C`` and comes out orders of magnitude larger than the
    widths that work. Here the estimate is made from the distribution of the
    features themselves. ``H_hat = (1/m) sum_k g_k g_k^T`` with
    ``g_k = gamma(X_tilde w_k)`` i.i.d. and ``E[g g^T] = H = U Lambda U^T``
    (eq. 2.6, 2.7). With ``a_j = u_j^T g``, second-order perturbation theory
    for the smallest eigenvalue gives

    ``lambda_1(H_hat) ~ lambda_1 (1 - b / m) + (mean of a_1^2 - lambda_1)``,
    ``b = sum_{j > 1} E[a_j^2 a_1^2] / ((lambda_j - lambda_1) lambda_1)``,

    a downward bias ``b / m`` (the Marchenko-Pastur shrinkage of the bottom
    of the spectrum; ``b`` is typically 2-4 ``n``) and a fluctuation of
    standard deviation ``sd(a_1^2) / sqrt(m)``. The returned width is the
    smallest ``m`` with ``b / m + 2 sd(a_1^2) / (lambda_1 sqrt(m)) <= 1 - ratio``:
    the bias plus two standard deviations leave ``lambda_min(H_hat) >=
    ratio * lambda_min(H)``, the event of Lemma 2.4 for ``ratio = 1/2``.
    The moments are estimated from ``samples``. Where a gap
    ``lambda_j - lambda_1`` is too small for the expansion (the term
    ``E[a_j^2 a_1^2] / (m gap)`` exceeds ``sqrt(E[a_j^2 a_1^2] / m)``, the
    size of the mixing of two near-equal eigenvalues), the first-order term
    is used instead, so clustered or repeated eigenvalues give a finite
    width.

    It is an estimate, not a bound: measured on diabetes, friedman1 and
    Gaussian data (n = 150, wendland0 and ReLU, 1000 samples) it was 1.0-1.9
    times the smallest width at which ``lambda_min(H_hat) / lambda_min(H)``
    stayed above 1/2 in 7 draws out of 7, where Lemma 2.4 asked for 10^4.7
    to 10^7.2 times more (see the user guide).

    Parameters
    ----------
    H : ndarray of shape (n, n)
        Population matrix of the training points (eq. 2.7).
    samples : ndarray of shape (n, s)
        Columns ``gamma(X_tilde w_k)`` for ``s`` independent weight vectors
        (unscaled features; a few hundred to a few thousand columns).
    ratio : float, default=0.5
        The fraction of ``lambda_min(H)`` that ``lambda_min(H_hat)`` should
        keep, in ``(0, 1)``.

    Returns
    -------
    m : int or float
        The estimated width, ``math.inf`` when ``H`` is singular (no width
        makes ``H_hat`` invertible in the limit, e.g. ReLU on the points of
        Definition 2.1).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(20, 3))
    >>> X /= np.linalg.norm(X, axis=1, keepdims=True)
    >>> W = rng.normal(size=(3, 4000))
    >>> W /= np.linalg.norm(W, axis=0)
    >>> G = np.maximum(X @ W, 0.0)  # ReLU features
    >>> H = G @ G.T / 4000  # (a Monte Carlo H, for the example)
    >>> m = settling_width(H, G[:, :1000])
    >>> 20 < m < 10_000
    True
    """
    H = np.asarray(H, dtype=np.float64)
    G = np.asarray(samples, dtype=np.float64)
    if H.ndim != 2 or H.shape[0] != H.shape[1]:
        raise ValueError(f"H must be a square matrix, got shape {H.shape}.")
    if G.ndim != 2 or G.shape[0] != H.shape[0] or G.shape[1] < 2:
        raise ValueError(
            f"samples must have shape (n, s) with n = {H.shape[0]} and s >= 2, "
            f"got {G.shape}."
        )
    if not (0.0 < ratio < 1.0):
        raise ValueError(f"ratio must lie in (0, 1), got {ratio!r}.")
    if not (np.all(np.isfinite(H)) and np.all(np.isfinite(G))):
        raise ValueError("H and samples must be finite.")
    lam, U = np.linalg.eigh(H)
    threshold = numerical_rank_threshold(lam[-1], H.shape[0], H.shape[0])
    lam1 = lam[0]
    if not lam1 > threshold:
        return math.inf
    A2 = (U.T @ G) ** 2  # a_jk^2, (n, s)
    a1 = A2[0]
    s_j = (A2[1:] @ a1) / A2.shape[1]  # E[a_j^2 a_1^2], j > 1
    gaps = lam[1:] - lam1
    sd = float(np.std(a1))
    eps = 1.0 - ratio

    def shift(m):  # relative bias + two standard deviations at width m
        # second order s_j / (m gap_j), or first order sqrt(s_j / m) where
        # the gap is too small for the expansion (near-degenerate mixing)
        mix = np.minimum(s_j / (m * np.maximum(gaps, 1e-300)), np.sqrt(s_j / m))
        return (float(np.sum(mix)) + 2.0 * sd / math.sqrt(m)) / lam1

    hi = 1.0
    while shift(hi) > eps:
        hi *= 2.0
        if hi > 1e30:
            return math.inf
    lo = hi / 2.0 if hi > 1.0 else 1.0
    while hi - lo > max(1.0, 1e-3 * lo):  # shift is decreasing in m
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if shift(mid) <= eps else (mid, hi)
    return int(math.ceil(hi))


def _check_bound_args(n, C, delta):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}.")
    C = float(C)
    if not (math.isfinite(C) and C > 0.0):
        raise ValueError(f"C must be a positive finite number, got {C!r}.")
    delta = float(delta)
    if not 0.0 < delta < 1.0:
        raise ValueError(f"delta must lie in (0, 1), got {delta!r}.")
    return int(n), C, delta
