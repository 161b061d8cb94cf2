"""Cross-validation errors of a grid of spectral filters on one ``H_hat``.

Every training subset of the cross-validated estimators has as Gram matrix a
principal submatrix of the ``H_hat = Z Z^T`` of all the rows (eq. 2.6), and
every model of a grid (ridge strengths, Landweber step counts) is a filter
of the eigenvalues of that submatrix (:mod:`~sklearn_rfnet._spectral`). This
module scores the whole grid on held-out rows from one eigendecomposition
per fold; pure linear algebra, no estimator.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import EfficiencyWarning
from threadpoolctl import threadpool_limits

from ._blas import dot
from ._direct import _centered_eigh
from .diagnostics import spectral_summary


def _center_cross(B, K_train_mean_rows):
    """Center a test-by-train kernel block with the training means.

    ``k_c(x, x_j) = k(x, x_j) - mean_l k(x, x_l) - mean_i k(x_i, x_j) +
    mean_il k(x_i, x_l)`` (``i, j, l`` over the training rows).
    """
    r = K_train_mean_rows
    return B - B.mean(axis=1, keepdims=True) - r[None, :] + r.mean()


def _fold_residuals(H, Y, train, test, m, filters, center=False):
    """Test residuals ``Y[test] - prediction`` of every grid model fitted on
    ``train``: shape (n_grid, n_test, n_targets).

    One eigendecomposition ``H[train, train] = U Lambda U^T``; the model of
    grid point ``g`` has dual coefficients ``U diag(G[g]) U^T Y[train]`` and
    predicts ``H[test, train]`` times them. With ``center`` (an intercept)
    the training block is centered on its own rows (:func:`_centered_eigh`),
    the test block with the training means, and the predictions add the
    training mean of ``y``: exactly the fit of the estimator on ``train``.

    Parameters
    ----------
    H : ndarray of shape (n, n)
        ``H_hat`` of all the rows (centered or not: centering again on the
        training rows removes any row- or column-constant term).
    Y : ndarray of shape (n, n_targets)
    train, test : ndarray of int
    m : int
        Width (for the rank threshold).
    filters : callable
        ``filters(lam, summary) -> G`` of shape (n_grid, n_eig).
    center : bool, default=False
        Fit an intercept.

    Returns
    -------
    residuals : ndarray of shape (n_grid, n_test, n_targets)
    """
    K = H[np.ix_(train, train)]
    lam, U = _centered_eigh(K, center)
    summary = spectral_summary(lam, len(train), m, size=lam.size) if lam.size else None
    B = H[np.ix_(test, train)]
    Yt = Y[train]
    offset = 0.0
    if center:
        B = _center_cross(B, K.mean(axis=0))
        offset = Yt.mean(axis=0)
        Yt = Yt - offset
    if summary is None:  # one training row and an intercept: predict its y
        return Y[test][None] - offset
    gains = filters(lam, summary)  # (n_grid, n_eig)
    # by scipy's BLAS, that of the eigh of the next fold (._blas); the whole
    # grid in one GEMM: BU [g_1 P, ..., g_G P]
    P = dot(U.T, Yt)  # (n_eig, t)
    BU = dot(B, U)  # (n_test, n_eig)
    n_grid, (k, t) = gains.shape[0], P.shape
    GP = (gains.T[:, :, None] * P[:, None, :]).reshape(k, n_grid * t)
    pred = dot(BU, GP).reshape(-1, n_grid, t).transpose(1, 0, 2) + offset
    return Y[test][None] - pred


def _loo_residuals(H, Y, m, filters, center=False):
    """Leave-one-out by ``n`` eigendecompositions of the ``(n-1) x (n-1)``
    principal submatrices of ``H_hat``: residuals of shape
    (n, n_grid, n_targets).

    The matrices are small and many, so BLAS runs single-threaded here (as
    scikit-learn's KMeans does for its small products): a multi-threaded
    ``eigh`` of a 300 x 300 matrix gains little alone and loses 10-50x when
    the cores are shared.
    """
    idx = np.arange(H.shape[0])
    with threadpool_limits(limits=1, user_api="blas"):
        return np.array(
            [
                _fold_residuals(
                    H, Y, np.delete(idx, i), idx[i : i + 1], m, filters, center
                )[:, 0]
                for i in idx
            ]
        )


def _misclassified(Y, residuals):
    """Whether the ``+-1`` coding ``Y`` is misclassified by the scores
    ``Y - residuals`` (one column: the sign; several: the largest)."""
    scores = Y - residuals
    if Y.shape[-1] == 1:
        return (scores[..., 0] > 0) != (Y[..., 0] > 0)
    return np.argmax(scores, axis=-1) != np.argmax(Y, axis=-1)


# Exact Landweber leave-one-out costs n eigendecompositions of
# (n-1) x (n-1) matrices, O(n^4): warn when the predicted time exceeds this.
_LOO_WARN_SECONDS = 60.0


def _warn_loo_cost(n, eigh_seconds):
    """Warn, with its predicted cost, before an expensive exact Landweber LOO.

    The prediction is ``n`` times the measured time of the one ``n x n``
    eigendecomposition made by ``fit`` (an upper bound: the held-out
    matrices are one row smaller).
    """
    predicted = n * eigh_seconds
    if predicted > _LOO_WARN_SECONDS:
        warnings.warn(
            f"Exact leave-one-out for Landweber needs n_samples={n} "
            f"eigendecompositions of {n - 1} x {n - 1} matrices (O(n^4)): about "
            f"{predicted / 60:.0f} min on this machine. Pass cv=5 (5 "
            "eigendecompositions) for a k-fold estimate, or use solver='direct', "
            "whose leave-one-out is exact in closed form.",
            EfficiencyWarning,
            stacklevel=4,
        )
