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
corrections stop shrinking above ``_REFINE_TOL``. The pass that computes
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
    _center_targets,
    _centered_eigh,
    _check_targets,
    _deflate,
    _intercept,
)
from ._operator import symmetrize_lower
from .solvers import DirectResult

__all__ = ["solve_direct_mixed", "solve_ridge_loo_mixed"]

# Refinement contracts by about eps32 * kappa(A) per step (Higham, Thm 12.1):
# 1.2e-7 * 1e6 = 0.12 at this limit. Beyond it, the float64 path.
_MIXED_COND_MAX = 1e6
# The correction of a pass estimates the error of the iterate it corrects
# (M^{-1} A is within eps32 kappa(A) of I): stop when it is this small
# relative to the solution, the float64 answer to about 1e-11. (At
# n = 4000, m = 40000, kappa(A) = 3e4 the corrections are 3e-4, 1e-7, 5e-11,
# 1e-13 of the solution; a tolerance at eps64 took a fifth pass over Z for
# digits the float64 fit itself does not have, eps64 kappa(A) = 6e-12.) Corrections
# that stop shrinking (by 2x per step) above it have reached the rounding of
# the float64 residual: the float64 path runs.
_REFINE_TOL = 1e-11
_REFINE_MAXITER = 30
# Leave-one-out errors from the float32 eigendecomposition differ from the
# float64 ones by up to 2.7 eps32 kappa(H_c + alpha I) relative (measured,
# benchmarks' sphere data, n = 300..1000); a choice of alpha closer than
# _LOO_BAND times that to another is left to the float64 path.
_LOO_BAND = 4.0
# Z in float64 is held for the refinement passes when it fits in this much
# memory (rounded to float32 for ssyrk block by block, no float32 copy of
# it); above, each step recomputes the features block by block.
_HOLD_BYTES = 2 * 2**30
# The rounding of a held Z into float32 (_gram32_of_held): ssyrk blocks of at
# least this many columns, a float32 buffer of about _CAST_BYTES.
_SYRK_MIN_COLS = 2048
_CAST_BYTES = 32 * 2**20
# Column panels of the float32 Gram for its 1-norm (_cholesky32).
_NORM_PANEL_BYTES = 4 * 2**20


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
    """The Gram of the held float64 ``Z_c`` in float32 (``ssyrk``).

    Column blocks of ``Z_raw`` are centered in float64 and rounded into one
    reused float32 buffer (no second copy of ``Z``), and ``ssyrk``
    accumulates them in a float32 ``n x n`` array (Fortran order, its lower
    triangle; the strict upper one is zero), returned as it is. Sets
    ``op.mean_raw`` (then the refinement passes need not compute it).
    """
    Z = op._raw_all()
    n, m = Z.shape
    if op.center:
        op.mean_raw = np.mean(Z, axis=0, dtype=np.float64)
    # ssyrk blocks of at least _SYRK_MIN_COLS columns (the n x n update is
    # then amortized), the float32 buffer near _CAST_BYTES (the first write
    # of a larger fresh one costs more than the rounding into it)
    b = max(1, min(m, max(_SYRK_MIN_COLS, _CAST_BYTES // (4 * max(n, 1)))))
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
    op._check_gram(acc)  # the operator's checks: finite, not numerically zero
    return acc


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

    Returns ``(coef, passes)`` with ``coef = Z_c^T C`` for the accepted
    iterate, or None when the corrections stop shrinking (by half per pass)
    before ``_REFINE_TOL`` (relative) or ``_REFINE_MAXITER`` passes are not
    enough. The correction ``D_k = M^{-1} r_k`` estimates the error of
    ``C_k``, and their ratio ``rho`` the contraction of the iteration; ``C_k``
    is accepted when ``||D_k|| <= tol ||C_k||``, and ``C_k + D_k`` (its
    ``coef`` by ``Z_c^T D_k``, half a pass) when ``rho ||D_k|| <= tol
    ||C_k||``: that saves the pass that would only confirm it.
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
        rho = d / previous  # 0 on the first pass: no contraction known yet
        if rho > 0.5:  # stalled at the rounding of the residual
            return None
        if k > 1 and rho * d <= _REFINE_TOL * c:  # C + D is within tol
            return coef + op.rmatmat(D).reshape(coef.shape), k
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
        G, _ = op32.gram()  # accumulated in float64 over the blocks
        G = np.asfortranarray(G, dtype=np.float32)
    return op64, op32, Y, Yc, y_mean, G


def _cholesky32(G, alpha):
    """Factor the float32 ``G + alpha I`` in place; its solve and ``1 / rcond``.

    ``G`` is Fortran-ordered and only its lower triangle is read. LAPACK
    ``spotrf`` (half the time of ``dpotrf``; its rounding, ``O(eps32)
    ||G||``, is of the order of the Gram's own, which the refinement
    removes), ``spocon`` for the reciprocal 1-norm condition number. The
    returned ``solve(R)`` applies ``(G + alpha I)^{-1}`` in float32 to a
    float64 ``R`` scaled column by column (no underflow of small residuals)
    and returns float64. None when ``G + alpha I`` is not numerically
    positive definite in float32.
    """
    n = G.shape[0]
    symmetrize_lower(G)  # for the 1-norm, by column panels (no n x n temporary)
    panel = max(1, _NORM_PANEL_BYTES // (4 * max(n, 1)))
    anorm = alpha + max(
        float(np.max(np.abs(G[:, j : j + panel]).sum(axis=0, dtype=np.float64)))
        for j in range(0, n, panel)
    )
    potrf, pocon, potrs = linalg.get_lapack_funcs(("potrf", "pocon", "potrs"), (G,))
    G.flat[:: n + 1] += np.float32(alpha)
    L, info = potrf(G, lower=1, clean=0, overwrite_a=1)
    if info != 0:
        return None
    rcond, info = pocon(L, anorm, uplo="L")
    if info != 0 or not rcond > 0:
        return None

    def solve(R):
        R2 = R.reshape(n, -1)
        s = np.max(np.abs(R2), axis=0)
        s[s == 0] = 1.0
        X, _ = potrs(L, (R2 / s).astype(np.float32), lower=1)
        return (X.astype(np.float64) * s).reshape(R.shape)

    return solve, 1.0 / float(rcond)


def solve_direct_mixed(op, Y, alpha=0.0, *, fit_intercept=False):
    """:func:`~sklearn_rfnet.solvers.solve_direct` by a float32 Cholesky + refinement.

    Solves ``(Z_c Z_c^T + alpha I) c = y_c``, ``coef = Z_c^T c`` (eq. 2.5,
    ridge when ``alpha > 0``): the Gram matrix from float32 features by
    ``ssyrk``, its float32 Cholesky factor (``spotrf``) as the
    preconditioner ``M``, iterative refinement with float64 residuals
    (module docstring). It runs only when ``spocon`` puts the condition
    number of ``H_hat + alpha I`` below ``_MIXED_COND_MAX``, so there is no
    ill-conditioning to warn about.

    No spectrum: the float32 Gram resolves eigenvalues only down to about
    ``eps32 lambda_max`` (a Gram of condition number 4e9 in float64 shows
    several hundred eigenvalues of rounding noise in float32), so
    ``lambda_min``, the condition number and the rank cannot be read from
    it. ``spectrum`` is None; the estimators compute it by the float64 path
    when it is asked for.

    Stopping rule: the first pass ``k`` with ``||M^{-1} r_k|| <= 1e-11
    ||c_k||`` (``c_k`` returned), or with ``rho_k ||M^{-1} r_k|| <= 1e-11
    ||c_k||``, ``rho_k`` the ratio of the last two corrections
    (``c_k + M^{-1} r_k`` returned); the float64 path when a correction
    shrinks by less than half before that.

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

    Returns
    -------
    result : DirectResult or None
        ``solver`` ``"dual-mixed-cholesky"``, ``lsqr_iterations`` the
        number of float64 passes, ``error_condition`` the ``spocon``
        estimate of the 1-norm condition number, ``spectrum`` None (see
        above); None when mixed precision does not apply
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
    _deflate(op32, G)
    factored = _cholesky32(G, alpha)
    del G
    if factored is None:
        return None
    solve, cond = factored
    if cond > _MIXED_COND_MAX:
        return None
    refined = _refine(op64, Yc, alpha, solve)
    if refined is None:
        return None
    coef, passes = refined
    coef = coef.reshape((m,) + Y.shape[1:])
    return DirectResult(
        coef,
        None,
        "dual-mixed-cholesky",
        cond,
        passes,
        _intercept(op64, coef, y_mean),
        alpha,
    )


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
        ``solver`` ``"dual-mixed-eigh-loo"``, ``loo_errors`` per ``alpha``,
        ``spectrum`` None (as :func:`solve_direct_mixed`); None when mixed
        precision does not apply or fails.

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
    if op64.center:  # the reduction to 1^perp reads the whole matrix
        symmetrize_lower(G)
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
        R2 = R.reshape(n, -1)
        s = np.max(np.abs(R2), axis=0)
        s[s == 0] = 1.0  # scaled: no underflow of small residuals in float32
        R32 = (R2 / s).astype(np.float32)
        return ((U @ (gain * (U.T @ R32))).astype(np.float64) * s).reshape(R.shape)

    refined = _refine(op64, Yc, ridge, solve)
    if refined is None:
        return None
    coef, passes = refined
    coef = coef.reshape((m,) + Y.shape[1:])
    result = DirectResult(
        coef,
        None,  # as solve_direct_mixed: float32 cannot resolve the spectrum
        "dual-mixed-eigh-loo",
        cond,
        passes,
        _intercept(op64, coef, y_mean),
        ridge,
    )
    result.loo_errors = errors
    return result
