"""Spectral diagnostics of ``H_hat = Z Z^T``, width bounds and Landweber filters.

Pure numpy/scipy: this module knows nothing of scikit-learn.

* :func:`spectral_summary` turns eigenvalues (or singular values of ``Z``)
  into ``lambda_min``, ``lambda_max``, the condition number and the numerical
  rank, with one documented rank threshold.
* :func:`required_width` is the width of Lemma 2.4 / Theorem 4.3 and
  :func:`approximation_width` that of Lemma 2.5 (eq. 2.8).
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
