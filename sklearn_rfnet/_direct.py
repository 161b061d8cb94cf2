"""The direct solvers' kernels: Cholesky on the Gram matrix, the stable
TSQR + LSQR path, and the centering that fits an intercept.

Pure linear algebra (numpy/scipy/LAPACK) on the blocked feature operator
(:mod:`sklearn_rfnet._operator`); the public, validated entry points that
dispatch here are in :mod:`sklearn_rfnet.solvers` (the three layers of
scikit-learn's ``_ridge.py``).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import linalg
from scipy.linalg import lapack
from scipy.linalg.blas import get_blas_funcs
from scipy.sparse.linalg import ArpackError, LinearOperator, eigsh, lsqr

from ._blas import dot
from ._operator import symmetrize_lower
from .diagnostics import SpectralSummary, spectral_summary
from .exceptions import ConvergenceWarning

# Cholesky on the Gram matrix (+ alpha I) is used while its condition number
# stays below _CHOLESKY_COND_MAX: the relative error of the solve is then at
# most about eps * 1e6 = 2e-10 (Higham, Accuracy and Stability, Thm 10.4).
# Beyond it the TSQR + LSQR path runs (error eps * kappa(Z), kappa(Z) =
# sqrt(kappa(Gram))), whatever the block size.
_CHOLESKY_COND_MAX = 1e6
# float32 features: their Gram matrix is accumulated by ssyrk, with an error of
# about eps32 * kappa(Gram) in the solve; Cholesky while that is below 1.2e-3,
# TSQR + LSQR (error eps32 * kappa(Z)) beyond.
_CHOLESKY_COND_MAX_F32 = 1e4
# Up to this order the extreme eigenvalues come from a full eigvalsh (cheap);
# above, from Lanczos on the Gram and on its inverse through the Cholesky
# factor, capped at _LANCZOS_MAXITER restarts, with eigvalsh as the fallback.
_DENSE_SPECTRUM_MAX = 500
_LANCZOS_TOL = 1e-10
_LANCZOS_MAXITER = 30
# Lanczos on the inverse: a cluster of its top eigenvalues (the small ones
# of the Gram) shows within a few restarts, and 30 failing restarts cost
# more than the dense fallback (measured: p = 2000, 4.5 s vs 2.8 s).
_LANCZOS_INV_MAXITER = 5
# LSQR on the preconditioned operator (its singular values are 1 to within
# eps * kappa(Z)): tolerances at rounding level, and an iteration cap that a
# well-preconditioned problem never reaches.
_LSQR_TOL = 1e-14
_LSQR_MAXITER = 100


class _HeldCholesky:
    """Cholesky factor of ``H + alpha I`` over one triangle of ``H``, ``H`` kept.

    LAPACK ``dpotrf`` factors ``H + alpha I = U^T U`` in place in the upper
    triangle of ``H`` (both triangles stored, Fortran order). The strict lower
    triangle still holds ``H`` and its diagonal is saved, so ``H`` remains
    available (:meth:`matvec`, :meth:`restore`) without a second ``n x n``
    array: the direct solve peaks at one ``n x n`` array, not two.

    Raises :class:`scipy.linalg.LinAlgError`, with ``H`` restored, when
    ``H + alpha I`` is not numerically positive definite.
    """

    def __init__(self, H, alpha):
        if not (H.dtype == np.float64 and H.flags.f_contiguous):
            # symmetric: a C-ordered H is its own Fortran-ordered transpose
            H = H.T if H.dtype == np.float64 and H.flags.c_contiguous else H
            H = np.asfortranarray(H, dtype=np.float64)
        n = H.shape[0]
        self.H = H
        self.diag = H.diagonal().copy()
        self.restored = False
        if alpha:
            H.flat[:: n + 1] += alpha
        (potrf,) = linalg.get_lapack_funcs(("potrf",), (H,))
        U, info = potrf(H, lower=0, clean=0, overwrite_a=1)
        if not np.shares_memory(U, H):  # pragma: no cover - f2py copied anyway
            H[np.triu_indices(n)] = U[np.triu_indices(n)]
        if info != 0:
            self.restore()
            raise linalg.LinAlgError(
                f"{info}-th leading minor of H_hat + alpha I not positive definite"
            )
        # H x = symv(lower triangle) x + (diag(H) - diag(U)) x
        self._diag_fix = self.diag - H.diagonal()

    def solve(self, Y):
        """``(H + alpha I)^{-1} Y``."""
        return linalg.cho_solve((self.H, False), Y, check_finite=False)

    def matvec(self, x):
        """``H x`` (without ``alpha``), from the kept lower triangle."""
        x = np.asarray(x, dtype=np.float64)
        v = x.reshape(-1)
        (symv,) = get_blas_funcs(("symv",), (self.H,))
        return (symv(1.0, self.H, v, lower=1) + self._diag_fix * v).reshape(x.shape)

    def restore(self):
        """Overwrite the factor with ``H`` again; return ``H``."""
        if not self.restored:
            symmetrize_lower(self.H)
            np.einsum("ii->i", self.H)[...] = self.diag
            self.restored = True
        return self.H


def _cholesky_rcond(factor, anorm):
    """Reciprocal 1-norm condition number of ``H + alpha I`` from its factor.

    LAPACK ``dpocon`` (Higham's estimator, ``O(p^2)``), no eigenvalues.
    """
    rcond, info = lapack.dpocon(factor.H, anorm, uplo="U")
    return float(rcond) if info == 0 else 0.0


def _all_eigenvalues(factor):
    """All eigenvalues of the held Gram (``eigvalsh``), computed once per factor."""
    lam = getattr(factor, "eigenvalues", None)
    if lam is None:
        lam = linalg.eigvalsh(factor.restore(), lower=True, check_finite=False)
        factor.eigenvalues = lam
    return lam


def _extreme_eigenvalues(factor, alpha):
    """``(lambda_min, lambda_max)`` of the Gram matrix from its held factor.

    Up to order ``_DENSE_SPECTRUM_MAX`` a full ``eigvalsh``. Above, Lanczos
    (ARPACK) on the Gram matrix for ``lambda_max`` and on its inverse
    through a Cholesky factor for ``lambda_min``, capped at
    ``_LANCZOS_MAXITER`` (``_LANCZOS_INV_MAXITER`` for the inverse)
    restarts. With a ridge the held factor is that of ``Gram + alpha I``,
    whose inverse shows ``lambda_min + alpha``: the digits of a
    ``lambda_min << alpha`` are lost, and the top eigenvalues of the inverse
    cluster near ``1 / alpha``, where Lanczos does not converge. The Gram is
    then factored once more, unshifted, in the same array (``p^3 / 3``
    flops, a quarter of the tridiagonalization of ``eigvalsh``; measured at
    ``p = 2000``: 0.5 s with the Lanczos steps against 1.8 s). Cholesky is
    backward stable, so ``lambda_min`` is that of a Gram within
    ``O(eps) lambda_max``, as from ``eigvalsh``. Any ARPACK failure, and a
    Gram too ill-conditioned to factor, fall back to the full ``eigvalsh``
    (``O(p^3)``, always right).
    """
    p = factor.H.shape[0]

    def dense():
        lam = _all_eigenvalues(factor)
        return float(lam[0]), float(lam[-1])

    if p <= _DENSE_SPECTRUM_MAX:
        return dense()
    own = factor
    if alpha > 0:
        try:
            own = _HeldCholesky(factor.restore(), 0.0)
        except linalg.LinAlgError:  # numerically singular (H restored)
            return dense()
    opts = dict(
        k=1,
        which="LA",
        tol=_LANCZOS_TOL,
        v0=np.ones(p) / math.sqrt(p),
        maxiter=_LANCZOS_MAXITER,
        return_eigenvectors=False,
    )
    try:
        H_op = LinearOperator((p, p), matvec=own.matvec, dtype=np.float64)
        inv = LinearOperator((p, p), matvec=own.solve, dtype=np.float64)
        lam_max = float(eigsh(H_op, **opts)[0])
        mu = float(eigsh(inv, **{**opts, "maxiter": _LANCZOS_INV_MAXITER})[0])
    except ArpackError:  # includes ArpackNoConvergence
        own.restore()
        return dense()
    if own is not factor:
        own.restore()  # H again (the held factor was restored above)
    if not mu > 0:
        return dense()
    return 1.0 / mu, lam_max


def _check_targets(Y, n):
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim not in (1, 2) or Y.shape[0] != n:
        raise ValueError(
            f"y must have shape ({n},) or ({n}, n_targets), got {Y.shape}."
        )
    return Y


def _to_dtype(a, dtype):
    return np.asarray(a, dtype=dtype if np.issubdtype(dtype, np.floating) else None)


def _solve_cholesky(op, G, ZtY, Y, alpha, deflation=None):
    """Cholesky on ``Gram + alpha I`` while well conditioned, else ``None``.

    Returns ``(coef, summary, cond)`` or ``None`` when the factorization
    fails or the condition number (estimated by ``dpocon``, then from the
    extreme eigenvalues) exceeds ``_CHOLESKY_COND_MAX``. ``deflation`` is the
    eigenvalue given to ``1`` in a centered dual Gram (see
    :func:`_deflate`); it is left out of the spectrum.
    """
    n, m = op.shape
    p = G.shape[0]
    limit = _CHOLESKY_COND_MAX if op.dtype != np.float32 else _CHOLESKY_COND_MAX_F32
    anorm = float(np.max(np.sum(np.abs(G), axis=0))) + alpha
    try:
        factor = _HeldCholesky(G, alpha)
    except linalg.LinAlgError:
        return None
    if _cholesky_rcond(factor, anorm) * limit < 1.0:
        return None
    C = factor.solve(Y if op.regime == "dual" else ZtY)
    if op.regime == "dual" and op.in_memory:
        # one step of iterative refinement with the residual computed from Z
        # itself: the training residual then falls from eps kappa(H_hat) to
        # the eps kappa(Z) of a backward-stable solve. Two GEMVs when Z is
        # held; a streamed Z would need one more pass (+20% of the fit at
        # n = 2000, m = 20000), so there the residual stays at
        # eps kappa(H_hat) <= 2e-10 (the Cholesky limit).
        R = op.dual_residual(C, Y)
        if alpha:
            R -= alpha * C  # residual of (H_hat + alpha I) C = Y
        C = C + factor.solve(R)
    lam_min, lam_max = _extreme_eigenvalues(factor, alpha)  # may restore G
    shifted_min = lam_min + alpha
    if not (lam_max > 0 and shifted_min > 0):
        return None
    cond = (lam_max + alpha) / shifted_min
    if cond > limit:
        return None
    size = p - (deflation is not None)
    thr = _rank_threshold(lam_max, p, n, m)
    if lam_min > thr:
        summary = SpectralSummary(
            lam_min, lam_max, lam_min, lam_max / lam_min, size, thr
        )
    else:  # ridge on a singular Gram: the solve is fine, the rank needs eigvalsh
        lam = _all_eigenvalues(factor)  # once, also when dense() ran
        summary = spectral_summary(_undeflate(lam, deflation), n, m, size=size)
    del factor, G  # free the p x p array before the pass over Z
    coef = op.rmatmat(C) if op.regime == "dual" else C
    return coef, summary, cond


def _eigh(H):
    """All eigenpairs of a symmetric ``H`` (lower triangle), ``H`` overwritten."""
    return linalg.eigh(
        H, lower=True, check_finite=False, driver="evd", overwrite_a=True
    )


def _centered_eigh(K, center, dtype=np.float64):
    """Eigenpairs of ``K``, or of ``P K P`` on ``1^perp`` when ``center``.

    With an intercept the dual Gram of a training set is ``P K P``,
    ``P = I - 1 1^T / n``, whose eigenvector ``1`` (eigenvalue 0) is no
    part of any model. Its other eigenpairs come from the ``(n-1) x (n-1)``
    matrix ``Q^T K Q``, ``Q`` the last ``n - 1`` columns of the Householder
    reflector ``I - beta v v^T`` that maps ``1`` to ``-sqrt(n) e_1``: the
    returned ``U = Q U'`` (``n x (n-1)``) is orthonormal and exactly
    orthogonal to ``1`` (to rounding), with no eigenvalue to identify.
    ``dtype`` is the precision of the eigendecomposition (float32 for the
    mixed-precision path).
    """
    if not center:
        return _eigh(np.array(K, dtype=dtype, order="F"))
    n = K.shape[0]
    if n <= 1:
        return np.zeros(0), np.zeros((n, 0))
    v = np.ones(n)
    v[0] += math.sqrt(n)
    beta = 2.0 / float(v @ v)
    # (I - beta v v^T) K (I - beta v v^T) = K - v w^T - w v^T, a rank-two
    # update (BLAS ?syr2 on one triangle of the trailing block, in place).
    # K v by scipy's ?symv, the library of the eigh that follows (see ._blas:
    # after numpy's GEMV that eigh ran 1.5x slower with 2 threads)
    Kf = K if K.flags.f_contiguous else K.T  # K is symmetric: the same matrix
    (symv,) = get_blas_funcs(("symv",), (Kf,))
    Kv = symv(1.0, Kf, v, lower=1)
    w = beta * Kv - (0.5 * beta**2 * float(v @ Kv)) * v
    A = np.array(K[1:, 1:], dtype=dtype, order="F")
    (syr2,) = get_blas_funcs(("syr2",), (A,))
    A = syr2(-1.0, v[1:], w[1:], a=A, lower=1, overwrite_a=1)
    lam, Us = _eigh(A)
    # U = (I - beta v v^T) [0; Us], a rank-one update (BLAS ?ger)
    U = np.zeros((n, n - 1), dtype=Us.dtype, order="F")
    U[1:] = Us
    del Us
    (ger,) = get_blas_funcs(("ger",), (U,))
    vU = dot(v.astype(U.dtype), U)  # = v[1:] @ U[1:] (U[0] = 0), scipy's BLAS
    U = ger(-beta, v.astype(U.dtype), vU, a=U, overwrite_a=1)
    return lam, U


def _deflate(op, G):
    """Make a centered dual Gram nonsingular without changing the solution.

    With an intercept the dual Gram is ``H_c = P H_hat P``,
    ``P = I - 1 1^T / n``: ``1`` is an eigenvector of eigenvalue 0 and every
    right-hand side (centered targets) is orthogonal to it. Adding
    ``s 1 1^T / n`` moves that eigenvalue to ``s`` and leaves the others and
    every solution on ``1^perp`` unchanged. ``s = trace(H_c) / (n - 1)`` is
    the mean of the other eigenvalues, hence between their extremes: the
    extreme eigenvalues and the condition number are those of ``H_c`` on
    ``1^perp``. Returns ``s``, or None when nothing is to be done.
    """
    if not (op.center and op.regime == "dual"):
        return None
    n = G.shape[0]
    trace = float(np.trace(G))
    shift = trace / (n - 1) if n > 1 and trace > 0 else 1.0
    G += shift / n
    return shift


def _undeflate(lam, deflation):
    """Eigenvalues without the one moved by :func:`_deflate` (nearest ``s``)."""
    lam = np.asarray(lam, dtype=np.float64)
    if deflation is None or lam.size == 0:
        return lam
    return np.delete(lam, int(np.argmin(np.abs(lam - deflation))))


def _center_targets(op, Y, fit_intercept):
    """Switch ``op`` to centered features; return ``Y - mean(Y)`` and the mean."""
    op.center = bool(fit_intercept)
    if not fit_intercept:
        return Y, None
    y_mean = Y.mean(axis=0)
    return Y - y_mean, y_mean


def _intercept(op, coef, y_mean):
    """``mean(y) - mean(Z)^T coef``: the optimal unpenalized output bias."""
    if y_mean is None:
        return 0.0
    b = y_mean - op.scale * (op.mean_raw @ np.asarray(coef, dtype=np.float64))
    return float(b) if np.ndim(b) == 0 else b


def _loo_sums(rows, Yr, G_inv, B, lev0):
    """Squared leave-one-out ridge residuals over ``rows``, per alpha and target.

    ``rows`` yields ``(slice, Q)`` with ``Q = Z_c[slice] V`` (``Z_c^T Z_c =
    V Lambda V^T``); with ``g = 1 / (lambda + alpha)`` (a column of
    ``G_inv``) the leverage is ``S_ii = lev0 + sum_j Q_ij^2 g_j`` and the fit
    ``Q diag(g) B``, ``B = V^T Z_c^T y``; the residual ``(y_i - fit_i) /
    (1 - S_ii)`` is exact leave-one-out (see ``solve_ridge_loo``).
    """
    (k, n_a), t = G_inv.shape, Yr.shape[1]
    # every alpha in one GEMM per chunk: Q [g_1 B, ..., g_A B] (by scipy's
    # BLAS, that of the eigh before; ._blas), not one GEMV per alpha
    GB = (G_inv[:, :, None] * B.reshape(k, 1, t)).reshape(k, n_a * t)
    sq = np.zeros((n_a, t))
    for sl, Q in rows:
        lev = lev0 + dot(Q**2, G_inv)  # (r, n_alphas)
        fit = dot(Q, GB).reshape(-1, n_a, t)
        e = (Yr[sl][:, None, :] - fit) / (1.0 - lev[:, :, None])
        sq += np.sum(e**2, axis=0)
    return sq


def _rank_threshold(lam_max, p, n, m):
    """Rank threshold for eigenvalues computed from a ``p x p`` Gram matrix."""
    return spectral_summary([lam_max], n, m, size=p).threshold


def _solve_tsqr_lsqr(op, Y, alpha):
    """Minimum-norm (ridge) least squares by TSQR-preconditioned LSQR.

    1. ``R`` from the streamed TSQR of ``Z^T`` (dual) or ``Z`` (primal),
       augmented by ``sqrt(alpha) I`` for ridge (``[Z, sqrt(alpha) I]`` in the
       dual, ``[Z; sqrt(alpha) I]`` in the primal, whose least-squares
       solutions are the ridge solution).
    2. The SVD ``R = U_R S V_R^T``: ``S`` are the singular values of the
       (augmented) ``Z``; singular values at or below
       ``max(n, m) eps s_max`` are dropped, the cut-off of
       :func:`numpy.linalg.lstsq`, which sets the rank ``k``.
    3. LSQR from 0 on the preconditioned operator, whose singular values are
       1 to within ``eps kappa(Z)``:

       * dual (``Z = V_R S U_R^T Q^T``): left preconditioner
         ``P = S_k^{-1} V_{R,k}^T``, ``min ||P Z x - P y||``; LSQR from 0
         stays in the range of ``Z^T P^T``, so its limit is the minimum-norm
         solution of the rank-``k`` problem;
       * primal (``Z = Q U_R S V_R^T``): right preconditioner,
         ``x = V_{R,k} S_k^{-1} z``, ``min ||Z V_{R,k} S_k^{-1} z - y||``.

    The solution does not come from ``R`` alone (the semi-normal equations
    ``Z^T (R^T R)^{-1} y`` square ``kappa`` again); each LSQR iteration is one
    pass over ``Z`` and one over ``Z^T``.

    Stopping rule (scipy's LSQR): ``||r|| <= btol ||b|| + atol ||A|| ||x||``
    or ``||A^T r|| <= atol ||A|| ||r||`` with ``atol = btol = 1e-14``, at most
    ``_LSQR_MAXITER`` iterations per target.

    Returns
    -------
    coef, s, n_iterations
        ``s`` are the singular values of the (augmented) ``Z``, descending.
    """
    n, m = op.shape
    dual = op.regime == "dual"
    R = op.tsqr(shift=alpha)
    _, s, Vh = linalg.svd(R, check_finite=False, lapack_driver="gesdd")
    V = Vh.T  # dual: left singular vectors of Z; primal: right ones
    if alpha == 0.0:
        cut = max(n, m) * np.finfo(np.float64).eps * (s[0] if s.size else 0.0)
        k = int(np.count_nonzero(s > cut))
    else:
        k = s.size
    if dual and op.center:  # the direction 1 of centered rows: the smallest
        k = min(k, n - 1)
    Vk, inv_s = V[:, :k], 1.0 / s[:k]
    root_alpha = math.sqrt(alpha)
    Yr = Y.reshape(n, -1)
    coef = np.zeros((m, Yr.shape[1]))
    iterations = 0
    if k == 0:
        return coef.reshape((m,) + Y.shape[1:]), s, iterations
    if dual:
        extra = n if alpha > 0 else 0  # the sqrt(alpha) I columns

        def matvec(x):
            u = op.matmat(x[:m])
            if extra:
                u = u + root_alpha * x[m:]
            return inv_s * (Vk.T @ u)

        def rmatvec(u):
            c = Vk @ (inv_s * u)
            top = op.rmatmat(c)
            return np.concatenate([top, root_alpha * c]) if extra else top

        A = LinearOperator((k, m + extra), matvec=matvec, rmatvec=rmatvec)
        for t in range(Yr.shape[1]):
            b = inv_s * (Vk.T @ Yr[:, t])
            sol = lsqr(A, b, atol=_LSQR_TOL, btol=_LSQR_TOL, iter_lim=_LSQR_MAXITER)
            coef[:, t] = sol[0][:m]
            iterations += _check_lsqr(sol)
    else:
        extra = m if alpha > 0 else 0  # the sqrt(alpha) I rows

        def matvec(z):
            x = Vk @ (inv_s * z)
            u = op.matmat(x)
            return np.concatenate([u, root_alpha * x]) if extra else u

        def rmatvec(u):
            v = op.rmatmat(u[:n])
            if extra:
                v = v + root_alpha * u[n:]
            return inv_s * (Vk.T @ v)

        A = LinearOperator((n + extra, k), matvec=matvec, rmatvec=rmatvec)
        for t in range(Yr.shape[1]):
            b = np.concatenate([Yr[:, t], np.zeros(extra)]) if extra else Yr[:, t]
            sol = lsqr(A, b, atol=_LSQR_TOL, btol=_LSQR_TOL, iter_lim=_LSQR_MAXITER)
            coef[:, t] = Vk @ (inv_s * sol[0])
            iterations += _check_lsqr(sol)
    return coef.reshape((m,) + Y.shape[1:]), s, iterations


def _check_lsqr(sol):
    istop, itn = sol[1], sol[2]
    if istop == 7:  # pragma: no cover - the preconditioned operator is ~orthogonal
        warnings.warn(
            f"LSQR stopped at its iteration limit ({itn}) on the "
            "TSQR-preconditioned problem; the solution may be inaccurate. "
            "Set alpha > 0 to regularize.",
            ConvergenceWarning,
            stacklevel=5,
        )
    return int(itn)
