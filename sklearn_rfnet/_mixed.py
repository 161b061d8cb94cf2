"""Mixed precision for the direct solve: a float32 Gram, a float64 answer.

The costly part of a direct fit is the Gram matrix ``H_hat = Z Z^T``
(eq. 2.6, ``n^2 m`` flops by ``?syrk``) and its factorization. Both are done
here in float32 (``ssyrk`` and the float32 eigendecomposition ``ssyevd`` run
at about twice the speed of their float64 twins), and the float64 answer is
then recovered by *iterative refinement* (Wilkinson; Moler, J. ACM 14, 1967;
Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., ch. 12):

    c_0 = M^{-1} y,   r_k = y - (Z_c Z_c^T + alpha I) c_k   (float64),
    c_{k+1} = c_k + M^{-1} r_k,

with ``M`` the float32 Gram (+ ``alpha I``) factored, and the residual
computed matrix-free in float64 from ``Z`` itself (``Z^T c`` then ``Z (Z^T
c)``: one pass over ``Z``, held in memory when it fits ``_HOLD_BYTES``,
streamed otherwise). The error contracts by about ``||I - M^{-1} A||
<= c eps32 kappa(A)`` per step (``A = H_hat + alpha I``; Higham, Thm 12.1),
so the iteration converges to the float64 solution while
``kappa(A) <~ 1 / eps32``; it is used up to ``kappa(A) <= _MIXED_COND_MAX``
and abandoned (the caller runs the float64 path, and ``solver`` says which
ran) when the factorization fails, the condition number is larger, or the
corrections stop shrinking above ``_REFINE_ACCEPT``. The pass that computes
the last residual also gives ``coef = Z_c^T c``: no extra pass for the
coefficients.

The dual regime only (``m >= n``, the paper's). In the primal regime the
Gram is ``m x m`` and each refinement step would be a pass over the rows for
``Z^T (y - Z c)``; the callers then run the float64 path.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import linalg
from scipy.linalg.blas import ssyrk

from . import _spectral
from ._direct import (
    _all_eigenvalues,
    _center_targets,
    _centered_eigh,
    _check_targets,
    _cholesky_rcond,
    _deflate,
    _extreme_eigenvalues,
    _HeldCholesky,
    _intercept,
    _rank_threshold,
    _undeflate,
)
from ._operator import BLOCK_BYTES, symmetrize_lower
from .diagnostics import SpectralSummary, spectral_summary
from .solvers import DirectResult, _warn_conditioning

__all__ = ["solve_direct_mixed", "solve_ridge_loo_mixed"]

# Refinement contracts by about eps32 * kappa(A) per step (Higham, Thm 12.1):
# 1.2e-7 * 1e6 = 0.12 at this limit. Beyond it, the float64 path.
_MIXED_COND_MAX = 1e6
# Stop when the correction is at float64 rounding relative to the solution.
_REFINE_TOL = 4.0 * np.finfo(np.float64).eps
# Corrections that stop shrinking (by 2x per step) have reached the rounding
# of the float64 residual (about eps64 * kappa(A)); accepted below this.
_REFINE_ACCEPT = 1e-11
_REFINE_MAXITER = 30
# Leave-one-out errors from the float32 eigendecomposition differ from the
# float64 ones by up to 2.7 eps32 kappa(H_c + alpha I) relative (measured,
# benchmarks' sphere data, n = 300..1000); a choice of alpha closer than
# _LOO_BAND times that to another is left to the float64 path.
_LOO_BAND = 4.0
# Z in float64 is held for the refinement passes when it fits in this much
# memory (with its float32 copy for ssyrk: 1.5 x this at the peak); above,
# each step recomputes the features block by block.
_HOLD_BYTES = 2 * 2**30


def _mixed_operators(op):
    """``(op64, op32)`` for the mixed path, or None when it does not apply."""
    n, m = op.shape
    if (
        op.dtype != np.float64
        or op.regime != "dual"
        or getattr(op, "astype", None) is None
    ):
        return None
    op64 = op
    if op._block_size is None and n * m * 8 <= _HOLD_BYTES:
        op64 = op.astype(np.float64, block_bytes=_HOLD_BYTES)
    # a held Z: its float32 Gram comes from the float64 features themselves
    op32 = None if op64.in_memory else op64.astype(np.float32)
    return op64, op32


def _gram32_of_held(op):
    """The Gram of the held float64 ``Z_c`` in float32 (``ssyrk``), as float64.

    Column blocks of ``Z_raw`` are centered in float64 and rounded into one
    reused float32 buffer (no second copy of ``Z``, no page faults), and
    ``ssyrk`` accumulates them in a float32 ``n x n`` array, converted once.
    Sets ``op.mean_raw`` (then the refinement passes need not compute it).
    """
    Z = op._raw_all()
    n, m = Z.shape
    if op.center:
        op.mean_raw = np.mean(Z, axis=0, dtype=np.float64)
    b = max(1, min(m, BLOCK_BYTES // (4 * max(n, 1))))
    buf = np.empty(n * b, dtype=np.float32)
    acc = np.zeros((n, n), dtype=np.float32, order="F")
    s2 = op.scale**2
    mean32 = op.mean_raw.astype(np.float32) if op.center else None
    for start in range(0, m, b):
        stop = min(start + b, m)
        G = buf[: n * (stop - start)].reshape(n, stop - start)
        G[...] = Z[:, start:stop]  # rounded (a plain cast: no buffered ufunc)
        if op.center:
            G -= mean32[start:stop]
        ssyrk(s2, G.T, beta=1.0, c=acc, trans=1, lower=1, overwrite_c=1)
    H = np.asfortranarray(acc, dtype=np.float64)
    del acc
    symmetrize_lower(H)
    op._check_gram(H)  # the operator's checks: finite, not numerically zero
    return H


def _dual_pass(op, C, Y, alpha):
    """``R = Y - (Z_c Z_c^T + alpha I) C`` and ``Z_c^T C``: one float64 pass.

    Sets ``op.mean_raw`` (the column means of the raw ``Z``) on the first
    pass when ``op.center``.
    """
    n, m = op.shape
    R = Y - alpha * C if alpha else np.array(Y, dtype=np.float64, copy=True)
    coef = np.empty((m,) + C.shape[1:])
    means = op.mean_raw if op.center else None
    fresh = op.center and means is None
    if fresh:
        means = np.empty(m)
    s2 = op.scale**2
    c_sum = C.sum(axis=0)
    for sl, G in op.blocks("dual"):
        u = G.T @ C  # Z_raw^T C on these columns
        if op.center:
            if fresh:
                means[sl] = np.mean(G, axis=0, dtype=np.float64)
            mu = means[sl]
            u -= np.multiply.outer(mu, c_sum)  # Z_c,raw^T C
            R -= s2 * (G @ u - mu @ u)
        else:
            R -= s2 * (G @ u)
        coef[sl] = op.scale * u
    if fresh:
        op.mean_raw = means
    return R, coef


def _refine(op, Y, alpha, solve):
    """Iterative refinement of ``(Z_c Z_c^T + alpha I) C = Y`` (module doc).

    Returns ``(coef, passes)`` with ``coef = Z_c^T C`` for the last iterate,
    or None when the corrections stop shrinking above ``_REFINE_ACCEPT``
    (relative) or ``_REFINE_MAXITER`` passes are not enough.
    """
    C = solve(Y)
    previous = math.inf
    for k in range(1, _REFINE_MAXITER + 1):
        R, coef = _dual_pass(op, C, Y, alpha)
        D = solve(R)
        if op.center:
            D -= D.mean(axis=0)  # the solution lives on 1^perp
        d, c = float(np.linalg.norm(D)), float(np.linalg.norm(C))
        if not (np.isfinite(d) and np.isfinite(c)):
            return None
        if d <= _REFINE_TOL * c:
            return coef, k
        if d > 0.5 * previous:  # stalled: at the rounding of the residual?
            return (coef, k) if d <= _REFINE_ACCEPT * c else None
        previous = d
        C = C + D
    return None


def _prepare(op, Y, fit_intercept):
    ops = _mixed_operators(op)
    if ops is None:
        return None
    op64, op32 = ops
    n = op.shape[0]
    Y = _check_targets(Y, n)
    Yc, y_mean = _center_targets(op64, Y, fit_intercept)
    op64.mean_raw = None  # from float64 Z: the held Gram or the first pass
    if op32 is None:
        G = _gram32_of_held(op64)
        op32 = op64  # the centering and mean the deflation reads
    else:
        op32.center = op64.center
        G, _ = op32.gram()
    return op64, op32, Y, Yc, y_mean, G


def solve_direct_mixed(op, Y, alpha=0.0, *, fit_intercept=False, warn=True):
    """:func:`~sklearn_rfnet.solvers.solve_direct` by a float32 Cholesky + refinement.

    Solves ``(Z_c Z_c^T + alpha I) c = y_c``, ``coef = Z_c^T c`` (eq. 2.5,
    ridge when ``alpha > 0``): the Gram matrix from float32 features by
    ``ssyrk`` (accumulated in float64 over blocks), its Cholesky factor as
    the preconditioner ``M``, iterative refinement with float64 residuals
    (module docstring). The spectrum (extreme eigenvalues by Lanczos on the
    factor, as the float64 path) is that of the float32 Gram: refinement
    converging means ``M^{-1} A`` is within ``1/2`` of the identity, so the
    eigenvalues of ``H_hat + alpha I`` are resolved to that relative level.

    Stopping rule: the first pass ``k`` with ``||M^{-1} r_k|| <= 4 eps64
    ||c_k||``; or, when the correction shrinks by less than half in a step,
    ``||M^{-1} r_k|| <= 1e-11 ||c_k||``; else the float64 path.

    Parameters
    ----------
    op : blocked operator
        Float64 features, dual regime (``m >= n``).
    Y : array_like of shape (n,) or (n, n_targets)
        Targets.
    alpha : float, default=0.0
        Ridge strength (absolute, as :func:`~sklearn_rfnet.solvers.solve_direct`).
    fit_intercept : bool, default=False
        Unpenalized output bias (centered features and targets).
    warn : bool, default=True
        Warnings as :func:`~sklearn_rfnet.solvers.solve_direct` (``alpha=0``).

    Returns
    -------
    result : DirectResult or None
        ``solver`` ``"dual-mixed-cholesky"``, ``lsqr_iterations`` the
        number of float64 passes; None when mixed precision does not apply
        (float32 features, the primal regime) or fails (ill-conditioned): run
        the float64 path.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rfnet.solvers import DenseOperator
    >>> Z = np.random.RandomState(0).uniform(size=(20, 60))
    >>> y = np.arange(20.0)
    >>> res = solve_direct_mixed(DenseOperator(Z), y, alpha=1e-3)
    >>> exact = Z.T @ np.linalg.solve(Z @ Z.T + 1e-3 * np.eye(20), y)
    >>> res.solver, bool(np.allclose(res.coef, exact, rtol=1e-10, atol=0))
    ('dual-mixed-cholesky', True)
    """
    prepared = _prepare(op, Y, fit_intercept)
    if prepared is None:
        return None
    op64, op32, Y, Yc, y_mean, G = prepared
    n, m = op.shape
    alpha = float(alpha)
    deflation = _deflate(op32, G)
    anorm = float(np.max(np.sum(np.abs(G), axis=0))) + alpha
    try:
        factor = _HeldCholesky(G, alpha)
    except linalg.LinAlgError:
        return None
    if _cholesky_rcond(factor, anorm) * _MIXED_COND_MAX < 1.0:
        return None
    refined = _refine(op64, Yc, alpha, factor.solve)
    if refined is None:
        return None
    coef, passes = refined
    lam_min, lam_max = _extreme_eigenvalues(factor, alpha)
    p = factor.H.shape[0]
    size = p - (deflation is not None)
    thr = _rank_threshold(lam_max, p, n, m)
    if lam_min > thr:
        summary = SpectralSummary(
            lam_min, lam_max, lam_min, lam_max / lam_min, size, thr
        )
    else:
        lam = _all_eigenvalues(factor)
        summary = spectral_summary(_undeflate(lam, deflation), n, m, size=size)
    cond = (lam_max + alpha) / max(lam_min + alpha, np.finfo(float).tiny)
    coef = coef.reshape((m,) + Y.shape[1:])
    result = DirectResult(
        coef,
        summary,
        "dual-mixed-cholesky",
        cond,
        passes,
        _intercept(op64, coef, y_mean),
        alpha,
    )
    if warn and alpha == 0.0:
        _warn_conditioning(summary, n, m, result.solver, cond, bool(fit_intercept))
    return result


def solve_ridge_loo_mixed(op, Y, alphas, *, fit_intercept=False):
    """:func:`~sklearn_rfnet.solvers.solve_ridge_loo` from a float32 eigh.

    The leave-one-out errors of every ``alpha`` come from the float32
    eigendecomposition of the (centered) float32 Gram, ``H_c ~ U Lambda
    U^T`` (``ssyevd``), as in the float64 path; the chosen ``alpha`` is then
    solved to float64 accuracy by iterative refinement with
    ``M^{-1} = U (Lambda + alpha I)^{-1} U^T`` (module docstring). The
    errors differ from the float64 ones by up to about
    ``eps32 kappa(H_c + alpha I)`` relative; when that could change the
    choice (another ``alpha`` within ``_LOO_BAND`` such bounds of the best)
    the float64 path decides. The coefficients are those of float64 ridge
    for the chosen ``alpha``.

    Parameters
    ----------
    op : blocked operator
        Float64 features, dual regime (``m >= n``).
    Y : array_like of shape (n,) or (n, n_targets)
        Targets; the error is averaged over targets.
    alphas : array_like of shape (n_alphas,)
        Ridge strengths, ``> 0``.
    fit_intercept : bool, default=False
        Unpenalized output bias (centered features and targets).

    Returns
    -------
    result : DirectResult or None
        ``solver`` ``"dual-mixed-eigh-loo"``, ``loo_errors`` per ``alpha``;
        None when mixed precision does not apply or fails.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rfnet.solvers import DenseOperator
    >>> Z = np.random.RandomState(0).uniform(size=(20, 60))
    >>> y = np.arange(20.0)
    >>> res = solve_ridge_loo_mixed(DenseOperator(Z), y, [1e-3, 1e-1])
    >>> a = res.ridge
    >>> exact = Z.T @ np.linalg.solve(Z @ Z.T + a * np.eye(20), y)
    >>> res.solver, bool(np.allclose(res.coef, exact, rtol=1e-10, atol=0))
    ('dual-mixed-eigh-loo', True)
    """
    alphas = np.asarray(alphas, dtype=np.float64).ravel()
    n, m = op.shape
    if alphas.size == 0 or not np.all(alphas > 0) or n < 2 + bool(fit_intercept):
        return None  # the float64 path raises the error
    prepared = _prepare(op, Y, fit_intercept)
    if prepared is None:
        return None
    op64, op32, Y, Yc, y_mean, G = prepared
    lam, U = _centered_eigh(G, op64.center, dtype=np.float32)
    del G
    lam = np.maximum(lam.astype(np.float64), 0.0)
    Yr = Yc.reshape(n, -1)
    errors = _spectral.ridge_loo_squared_errors(lam, U, Yr, alphas).mean(axis=0)
    best = int(np.argmin(errors))
    ridge = float(alphas[best])
    if not lam.size:
        return None
    kappa = (lam[-1] + alphas) / (lam[0] + alphas)
    cond = float(kappa[best])
    if cond > _MIXED_COND_MAX:
        return None
    # each error is float32-accurate to about eps32 kappa(H_c + alpha I): the
    # choice stands only if no other alpha could beat it within those bands
    band = _LOO_BAND * np.finfo(np.float32).eps * kappa
    if np.any(
        np.delete(errors * (1.0 - band), best) <= errors[best] * (1 + band[best])
    ):
        return None
    gain = (1.0 / (lam + ridge)).astype(np.float32)[:, None]

    def solve(R):
        R32 = R.reshape(n, -1).astype(np.float32)
        return (U @ (gain * (U.T @ R32))).astype(np.float64).reshape(R.shape)

    refined = _refine(op64, Yc, ridge, solve)
    if refined is None:
        return None
    coef, passes = refined
    coef = coef.reshape((m,) + Y.shape[1:])
    summary = spectral_summary(lam, n, m, size=lam.size)
    result = DirectResult(
        coef,
        summary,
        "dual-mixed-eigh-loo",
        cond,
        passes,
        _intercept(op64, coef, y_mean),
        ridge,
    )
    result.loo_errors = errors
    return result
