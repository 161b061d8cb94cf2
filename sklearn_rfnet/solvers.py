"""Training the last layer: minimum-norm, ridge and Landweber solvers.

Pure linear algebra (numpy/scipy/LAPACK), no scikit-learn. The problem is the
least-squares problem (2.4)

    min_coef || Z coef - y ||_2^2 + alpha || coef ||_2^2,
    Z = gamma(X W) / sqrt(m)  (n x m),

whose minimum-norm solution (``alpha = 0``) is ``coef = Z^+ y`` (eq. 2.5). ``Z``
is reached only through a blocked operator (:mod:`sklearn_rfnet._operator`):
its Gram matrix, products with ``Z`` and ``Z^T``, and a streamed TSQR.

Two regimes, chosen by shape (the operator's ``regime``):

* **dual**, ``m >= n`` (the paper's over-parameterized regime): the ``n x n``
  ``H_hat = Z Z^T`` (eq. 2.6), ``coef = Z^T (H_hat + alpha I)^{-1} y``;
* **primal**, ``m < n`` (the classic random-features regime): the ``m x m``
  ``Z^T Z`` and ``Z^T y`` from one pass over row chunks,
  ``coef = (Z^T Z + alpha I)^{-1} Z^T y``; memory ``O(m^2 + chunk m)``.

The non-zero eigenvalues of ``Z Z^T`` and ``Z^T Z`` are the same (the squared
singular values of ``Z``), so the spectrum reported means the same in both.

Three layers, as in scikit-learn's ``_ridge.py``: the public
:func:`solve_direct` and :func:`solve_landweber` validate and dispatch to
``_solve_*`` kernels. The fast path, Cholesky on the Gram matrix, is kept
while the Gram matrix is well conditioned (LAPACK's condition estimator,
then the extreme eigenvalues); otherwise a stable path runs whose accuracy
depends on ``kappa(Z)``, not its square: the streamed TSQR of ``Z`` gives
``R`` with ``kappa(R) = kappa(Z)`` and, from the SVD of ``R``, the singular
values and rank of ``Z``; ``R`` then preconditions LSQR on the streamed ``Z``
(as in Blendenpik and LSRN), which converges in a few passes to the
minimum-norm least-squares solution. The result records the regime and the
method that ran.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import linalg
from scipy.linalg import LinAlgWarning, lapack
from scipy.linalg.blas import get_blas_funcs
from scipy.sparse.linalg import ArpackError, LinearOperator, eigsh, lsqr

from . import _spectral
from ._operator import DenseOperator, symmetrize_lower
from .diagnostics import SpectralSummary, spectral_summary
from .exceptions import ConvergenceWarning, RankDeficiencyWarning

__all__ = [
    "DenseOperator",
    "DirectResult",
    "LandweberResult",
    "solve_direct",
    "solve_landweber",
    "solve_ridge_loo",
]

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
# An ill-conditioning warning is emitted when the error bound of the path
# that ran, eps * (its condition number), exceeds this.
_WARN_ERROR = 1e-8


# --------------------------------------------------------------------------
# Results


@dataclass
class DirectResult:
    """What :func:`solve_direct` returns.

    Attributes
    ----------
    coef : ndarray of shape (m,) or (m, n_targets)
        The last-layer weights (the paper's ``alpha``).
    spectrum : SpectralSummary
        Extreme eigenvalues, condition number and rank of the Gram matrix of
        the regime (``Z Z^T`` in the dual, ``Z^T Z`` in the primal).
    solver : str
        ``"<regime>-<method>"``: regime ``"dual"`` or ``"primal"``, method
        ``"cholesky"`` or ``"tsqr-lsqr"``.
    error_condition : float
        The condition number that multiplies the working precision in the
        error bound of the method that ran: ``kappa(Gram + alpha I)`` for
        Cholesky, ``kappa(Z)`` (on its range) for TSQR + LSQR.
    lsqr_iterations : int
        LSQR iterations (each one pass over ``Z`` and one over ``Z^T``),
        summed over targets; 0 for Cholesky.
    intercept : float or ndarray of shape (n_targets,)
        The unpenalized output bias (0.0 without ``fit_intercept``).
    ridge : float
        The ridge strength used (``alpha``).

    Examples
    --------
    >>> import numpy as np
    >>> res = solve_direct(DenseOperator(np.eye(2, 3)), np.array([1.0, 2.0]))
    >>> res.coef, res.solver
    (array([1., 2., 0.]), 'dual-cholesky')
    """

    coef: np.ndarray
    spectrum: SpectralSummary
    solver: str
    error_condition: float = 1.0
    lsqr_iterations: int = 0
    intercept: float | np.ndarray = 0.0
    ridge: float = 0.0


@dataclass
class LandweberResult:
    """What :func:`solve_landweber` returns.

    Attributes
    ----------
    coef : ndarray of shape (m,) or (m, n_targets)
        The iterate ``alpha_k`` at ``k = n_iter``.
    n_iter : int
        Number of gradient steps taken.
    loss_curve : ndarray of shape (n_iter + 1,)
        Relative residuals ``||Z alpha_k - y|| / ||y||``, ``k = 0 .. n_iter``.
    step_size : float
        The step ``eta`` used.
    spectrum : SpectralSummary
        Spectrum of the Gram matrix of the regime.
    eigenvalues : ndarray of shape (p,)
        All eigenvalues of the Gram matrix (ascending; ``p = n`` in the dual,
        ``m`` in the primal).
    stop_reason : str
        ``"tol"`` (relative residual <= tol), ``"max_iter"`` or ``"zero_y"``.
    solver : str
        ``"dual-landweber"`` or ``"primal-landweber"``.
    intercept : float or ndarray of shape (n_targets,)
        The output bias at ``k = n_iter`` (0.0 without ``fit_intercept``).

    Examples
    --------
    >>> import numpy as np
    >>> res = solve_landweber(DenseOperator(np.eye(2, 3)), np.ones(2), max_iter=5)
    >>> res.n_iter, res.stop_reason, res.loss_curve[:2]
    (1, 'tol', array([1., 0.]))
    """

    coef: np.ndarray
    n_iter: int
    loss_curve: np.ndarray
    step_size: float
    spectrum: SpectralSummary
    eigenvalues: np.ndarray = field(repr=False)
    stop_reason: str
    solver: str = "dual-landweber"
    intercept: float | np.ndarray = 0.0

    @property
    def error_condition(self):
        """Condition number of the Gram matrix, which sets the error here.

        Returns
        -------
        kappa : float
        """
        return self.spectrum.condition_number


# --------------------------------------------------------------------------
# Kernels: arrays in, arrays out


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
    # update (BLAS ?syr2 on one triangle of the trailing block, in place)
    Kv = K @ v
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
    U = ger(-beta, v.astype(U.dtype), v[1:] @ U[1:], a=U, overwrite_a=1)
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


def solve_direct(op, Y, alpha=0.0, *, fit_intercept=False, warn=True):
    """Minimum-norm or ridge solution of the least-squares problem (2.4).

    Solves ``min ||Z coef - y||^2 + alpha ||coef||^2`` with, for
    ``alpha = 0``, the minimum-norm minimizer ``coef = Z^+ y`` (eq. 2.5,
    Proposition 4.1; ``Z^T (Z Z^T)^{-1} y`` when ``Z`` has full row rank).

    Algorithm: form the Gram matrix of the regime (``Z Z^T`` when
    ``m >= n``, ``Z^T Z`` and ``Z^T y`` when ``m < n``) and factor
    ``Gram + alpha I`` by Cholesky. This is kept while LAPACK's condition
    estimate and the extreme eigenvalues put ``kappa(Gram + alpha I)`` below
    ``1e6`` (relative error below about ``2e-10``). Otherwise (or when the
    factorization fails) ``Z`` itself is factored by a streamed TSQR and the
    solution comes from LSQR preconditioned by ``R`` (accuracy
    ``eps kappa(Z)``; see ``_solve_tsqr_lsqr``). Neither path depends on how
    the operator blocks ``Z``, beyond rounding.

    Parameters
    ----------
    op : blocked operator
        Gives ``Z`` (:class:`~sklearn_rfnet._operator.FeatureOperator` or
        :class:`DenseOperator`).
    Y : array_like of shape (n,) or (n, n_targets)
        Targets.
    alpha : float, default=0.0
        Ridge strength (scikit-learn's name; the paper's ``alpha`` is our
        ``coef``).
    fit_intercept : bool, default=False
        Add an unpenalized output bias: the problem is solved for the
        centered features ``Z - 1 mean(Z)^T`` and targets ``y - mean(y)``
        (``H_hat -> P H_hat P``, ``P = I - 1 1^T / n``, in the dual;
        ``Z^T Z - n mean(Z) mean(Z)^T`` in the primal, accumulated stably),
        and ``intercept = mean(y) - mean(Z)^T coef``.
    warn : bool, default=True
        Emit :class:`~sklearn_rfnet.exceptions.RankDeficiencyWarning` and
        :class:`scipy.linalg.LinAlgWarning` as appropriate.

    Returns
    -------
    result : DirectResult
        ``coef``, ``intercept``, the spectrum of the Gram matrix, and the
        solver that ran.

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    >>> res = solve_direct(DenseOperator(Z), np.array([1.0, 2.0]))
    >>> np.allclose(Z @ res.coef, [1.0, 2.0]), res.solver
    (True, 'dual-cholesky')
    """
    n, m = op.shape
    Y = _check_targets(Y, n)
    Yc, y_mean = _center_targets(op, Y, fit_intercept)
    G, ZtY = op.gram(Yc)
    p = G.shape[0]
    alpha = float(alpha)
    deflation = _deflate(op, G)
    fast = _solve_cholesky(op, G, ZtY, Yc, alpha, deflation)
    del G
    if fast is not None:
        coef, summary, cond = fast
        solver, iterations = f"{op.regime}-cholesky", 0
    else:
        coef, s, iterations = _solve_tsqr_lsqr(op, Yc, alpha)
        if op.center and op.regime == "dual":
            s = s[: n - 1]  # without the direction 1 (see _solve_tsqr_lsqr)
        lam = s**2 - alpha if alpha > 0 else s**2
        size = p - (deflation is not None)
        summary = spectral_summary(lam, n, m, from_svd=alpha == 0.0, size=size)
        # kappa of the (augmented) Z on its range
        cond = float(s[0] / s[summary.rank - 1]) if summary.rank else 1.0
        solver = f"{op.regime}-tsqr-lsqr"
    result = DirectResult(
        _to_dtype(coef, op.dtype),
        summary,
        solver,
        cond,
        iterations,
        _intercept(op, coef, y_mean),
        alpha,
    )
    if warn and alpha == 0.0:  # a ridge fit is regularized: nothing to act on
        _warn_conditioning(
            summary, n, m, result.solver, result.error_condition, bool(fit_intercept)
        )
    return result


def solve_ridge_loo(op, Y, alphas, *, fit_intercept=False):
    """Ridge with its strength chosen by exact leave-one-out, in one fit.

    For each ``alpha`` in the grid, the leave-one-out residual of ridge is
    ``e_i = (y_i - yhat_i) / (1 - S_ii)`` with ``S`` the hat matrix (exact
    for any quadratic penalty, with or without an unpenalized intercept: the
    identity behind scikit-learn's :class:`~sklearn.linear_model.RidgeCV`).
    Both come from one eigendecomposition of the Gram matrix of the regime
    (``Gram = U Lambda U^T``):

    * dual (``m >= n``): ``S = 1 1^T / n + U diag(lambda / (lambda + alpha))
      U^T`` on the centered ``H_hat`` (``U`` spanning ``1^perp``), and
      ``e = U diag(g) U^T y_c / (U^2 g)`` with ``g = 1 / (lambda + alpha)``;
    * primal (``m < n``): ``Z_c^T Z_c = V Lambda V^T``, one more pass over
      the rows for ``Q = Z_c V``: ``S_ii = 1/n + sum_j Q_ij^2 g_j`` and
      ``yhat = mean(y) + Q diag(g) V^T Z_c^T y``.

    The ``alpha`` with the smallest mean squared leave-one-out error is
    refitted from the same eigendecomposition. Each ``alpha`` must be
    positive (the grid of the estimators is; ``alpha = 0`` is
    :func:`solve_direct`'s interpolant, whose leave-one-out residuals need
    the ``n`` refits of the cross-validation estimator).

    Parameters
    ----------
    op : blocked operator
        Gives ``Z``.
    Y : array_like of shape (n,) or (n, n_targets)
        Targets; the error is averaged over targets.
    alphas : array_like of shape (n_alphas,)
        Ridge strengths, ``> 0``.
    fit_intercept : bool, default=False
        Unpenalized output bias (see :func:`solve_direct`).

    Returns
    -------
    result : DirectResult
        With ``solver`` ``"<regime>-eigh-loo"``, ``ridge`` the chosen
        strength and ``loo_errors`` the mean squared leave-one-out error per
        ``alpha``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> Z = rng.normal(size=(30, 100)) / 10
    >>> y = Z[:, 0] + 0.1 * rng.normal(size=30)
    >>> res = solve_ridge_loo(DenseOperator(Z), y, [1e-3, 1e-1, 10.0])
    >>> res.solver, res.loo_errors.shape, res.ridge in (1e-3, 1e-1, 10.0)
    ('dual-eigh-loo', (3,), True)
    """
    n, m = op.shape
    Y = _check_targets(Y, n)
    alphas = np.asarray(alphas, dtype=np.float64).ravel()
    if alphas.size == 0 or not np.all(alphas > 0):
        raise ValueError(f"alphas must be positive, got {alphas!r}.")
    n_min = 2 + bool(fit_intercept)  # each left-out fit needs n - 1 rows
    if n < n_min:
        raise ValueError(
            f"Choosing alpha by leave-one-out needs at least {n_min} samples, "
            f"got n_samples={n}; pass a number as alpha."
        )
    Yc, y_mean = _center_targets(op, Y, fit_intercept)
    Yr = Yc.reshape(n, -1)
    G, ZtY = op.gram(Yr)
    center = op.center
    if op.regime == "dual":
        lam, U = _centered_eigh(G, center)
        del G
        lam = np.maximum(lam, 0.0)
        errors = _spectral.ridge_loo_squared_errors(lam, U, Yr, alphas).mean(axis=0)
        best = int(np.argmin(errors))
        C = U @ ((U.T @ Yr) / (lam + alphas[best])[:, None])
        coef = op.rmatmat(C)
    else:
        lam, V = _eigh(G)
        del G
        lam = np.maximum(lam, 0.0)
        B = V.T @ ZtY.reshape(m, -1)  # V^T Z_c^T y
        sq = np.zeros((alphas.size, Yr.shape[1]))
        G_inv = 1.0 / (lam[:, None] + alphas[None, :])  # (m, n_alphas)
        lev0 = 1.0 / n if center else 0.0
        for sl, Q in op.row_projections(V):
            lev = lev0 + (Q**2) @ G_inv  # (r, n_alphas)
            for a in range(alphas.size):
                fit = Q @ (G_inv[:, a, None] * B)  # (r, t)
                e = (Yr[sl] - fit) / (1.0 - lev[:, a, None])
                sq[a] += np.sum(e**2, axis=0)
        errors = sq.mean(axis=1) / n
        best = int(np.argmin(errors))
        coef = V @ (B / (lam + alphas[best])[:, None])
    coef = coef.reshape((m,) + Y.shape[1:])
    summary = spectral_summary(lam, n, m, size=lam.size)
    ridge = float(alphas[best])
    cond = (summary.lambda_max + ridge) / (max(summary.lambda_min, 0.0) + ridge)
    result = DirectResult(
        _to_dtype(coef, op.dtype),
        summary,
        f"{op.regime}-eigh-loo",
        cond,
        0,
        _intercept(op, coef, y_mean),
        ridge,
    )
    result.loo_errors = errors
    return result


def _warn_conditioning(summary, n, m, solver, err_cond, intercept=False):
    if summary.rank < min(n - intercept, m):
        what, rank, full = "Z = gamma(XW)/sqrt(m)", summary.rank, min(n, m)
        if intercept:  # the design is [Z, 1]; the solver saw Z - 1 mean(Z)^T
            what, rank, full = "The design [Z, 1]", rank + 1, min(n, m + 1)
        warnings.warn(
            f"{what} is rank deficient: numerical rank "
            f"{rank} < min(n_samples, n_components{' + 1' if intercept else ''})"
            f" = {full} "
            f"(lambda_max = {summary.lambda_max:.3g}, rank threshold "
            f"{summary.threshold:.3g}). The direct solver returns, and Landweber "
            "tends to, the minimum-norm least-squares solution; targets outside "
            "the range of Z cannot be fitted exactly (Theorem 2.2, Corollary "
            "2.3). Duplicated or nearly duplicated samples do this (set "
            "alpha > 0); so do ReLU and swish without bias on some data sets "
            "(use a Wendland activation or bias=True).",
            RankDeficiencyWarning,
            stacklevel=4,
        )
    elif np.finfo(np.float64).eps * err_cond > _WARN_ERROR:
        warnings.warn(
            f"Z is ill-conditioned (condition number of the Gram matrix "
            f"{summary.condition_number:.3g}); the {solver} solve is accurate to "
            f"about {np.finfo(np.float64).eps * err_cond:.1e} relative. Set "
            "alpha > 0 to regularize.",
            LinAlgWarning,
            stacklevel=4,
        )


def solve_landweber(
    op,
    Y,
    *,
    step_size=None,
    max_iter=1000,
    tol=1e-10,
    fit_intercept=False,
    verbose=0,
    warn=True,
):
    """Gradient descent on the last layer from ``alpha_0 = 0`` (Landweber).

    Iterates ``alpha_{k+1} = alpha_k - eta Z^T (Z alpha_k - y)``,
    ``alpha_0 = 0`` (eq. A.7; Lemma 4.2, Theorem 4.3). By default
    ``eta = 1 / lambda_max``, with which every eigencomponent converges
    monotonically; ``step_size="optimal"`` is the paper's
    ``eta = 2 / (lambda_min + lambda_max)`` (Lemma 4.2, Remark 6), optimal
    for the worst-case contraction but leaving the top component oscillating
    when the condition number is large. When the Gram matrix is singular,
    ``lambda_min`` is the smallest non-zero eigenvalue (the step is then
    optimal on the range of ``Z``, where the iteration moves).

    The iterates are not formed one by one. With the Gram matrix of the
    regime diagonalized, every iterate is a spectral filter of the targets
    (Lemma A.6, eq. 4.2): in the dual (``m >= n``, ``H_hat = U Lambda U^T``)
    ``alpha_k = Z^T U g_k(Lambda) U^T y``; in the primal (``m < n``,
    ``Z^T Z = V Lambda V^T``) ``alpha_k = V g_k(Lambda) V^T Z^T y``; with
    ``g_k(lambda) = (1 - (1 - eta lambda)^k) / lambda``, exact for every
    eigenvalue, zero and tiny ones included (``g_k -> k eta``). The residual
    follows from eq. 4.4; in the primal the part of ``y`` outside the range
    of ``Z`` adds a constant. One eigendecomposition thus gives any ``k``, so
    ``max_iter = 10**7`` costs about as much as ``max_iter = 10``. In exact
    arithmetic these are the gradient-descent iterates; in floating point they
    agree to rounding.

    Stopping rule: the first ``k <= max_iter`` with
    ``||Z alpha_k - y|| <= tol ||y||`` on the loss curve (the residual is
    non-increasing for ``0 < eta < 2 / lambda_max``); ``tol = 0`` runs
    exactly ``max_iter`` steps. If ``k = max_iter`` is reached with the
    residual above ``tol``, a ``ConvergenceWarning`` is emitted.

    Parameters
    ----------
    op : blocked operator
        Gives ``Z``.
    Y : array_like of shape (n,) or (n, n_targets)
        Targets; with several targets the residual is the Frobenius norm.
    step_size : float, "optimal" or None, default=None
        ``eta``: ``None`` is ``1 / lambda_max``, ``"optimal"`` the step of
        Lemma 4.2 (see :func:`~sklearn_rfnet._spectral.landweber_step`). A
        number must be below ``2 / lambda_max``, else gradient descent
        diverges.
    max_iter : int, default=1000
        Maximum number of gradient steps.
    tol : float, default=1e-10
        Relative-residual tolerance.
    fit_intercept : bool, default=False
        Gradient descent on the centered problem (features
        ``Z - 1 mean(Z)^T``, targets ``y - mean(y)``), with the output bias
        ``mean(y) - mean(Z)^T alpha_k`` solved exactly at every step; the
        loss curve is the residual of that model.
    verbose : int, default=0
        Print a summary (``>= 1``) and the residual at logarithmically
        spaced steps (``>= 2``).
    warn : bool, default=True
        Emit a ``ConvergenceWarning`` when ``max_iter`` is reached early, and
        a ``RankDeficiencyWarning`` for a rank-deficient ``Z``.

    Returns
    -------
    result : LandweberResult

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    >>> res = solve_landweber(DenseOperator(Z), np.array([1.0, 2.0]), tol=1e-12)
    >>> res.n_iter, res.stop_reason, np.allclose(Z @ res.coef, [1.0, 2.0])
    (66, 'tol', True)
    >>> solve_landweber(
    ...     DenseOperator(Z), np.array([1.0, 2.0]), tol=1e-12, step_size="optimal"
    ... ).n_iter  # Lemma 4.2's step: fewer steps on this well-conditioned Z
    40
    """
    n, m = op.shape
    Y = _check_targets(Y, n)
    dual = op.regime == "dual"
    solver = f"{op.regime}-landweber"
    # scale y by its largest entry: no overflow in norms or squares for any y
    Yc, y_mean = _center_targets(op, Y, fit_intercept)
    y_scale = float(np.max(np.abs(Yc))) if Yc.size else 0.0
    Ys = Yc / y_scale if y_scale > 0 else Yc
    G, ZtY = op.gram(Ys)
    p = G.shape[0]
    deflation = _deflate(op, G)
    # G is ours: eigh may overwrite it (one p x p array less at the peak)
    lam, U = linalg.eigh(
        G, lower=True, check_finite=False, driver="evd", overwrite_a=True
    )
    del G
    summary = spectral_summary(
        _undeflate(lam, deflation), n, m, size=p - (deflation is not None)
    )
    eta_max = 2.0 / summary.lambda_max if summary.lambda_max > 0 else math.inf
    eta = _spectral.landweber_step(summary, step_size)
    if not isinstance(step_size, str | None) and not 0.0 < eta < eta_max:
        raise ValueError(
            f"step_size={eta:.6g} is not in (0, 2 / lambda_max) = "
            f"(0, {eta_max:.6g}): gradient descent would diverge (Theorem 4.3)."
        )
    n_eff = n - bool(fit_intercept)  # rows of Z_c span at most n - 1
    if warn and summary.rank < min(n_eff, m):
        _warn_conditioning(
            summary, n, m, solver, summary.condition_number, bool(fit_intercept)
        )
    Yr = Ys.reshape(n, -1)
    y_norm = float(linalg.norm(Yr))
    if y_norm == 0.0:
        coef = np.zeros((m,) + Y.shape[1:], dtype=op.dtype)
        return LandweberResult(
            coef,
            0,
            np.zeros(1),
            eta,
            summary,
            lam,
            "zero_y",
            solver,
            _intercept(op, coef, y_mean),
        )
    if dual:
        P = U.T @ Yr  # targets in the eigenbasis of H_hat
        weights = np.sum((P / y_norm) ** 2, axis=1)
        curve_lam, floor = lam, 0.0
    else:
        P = U.T @ ZtY.reshape(m, -1)  # V^T Z^T y = sqrt(lambda) U_n^T y
        live = lam > summary.threshold  # where the division is meaningful
        weights = np.sum((P[live] / y_norm) ** 2, axis=1) / lam[live]
        curve_lam = lam[live]
        floor = max(0.0, 1.0 - float(np.sum(weights)))  # y outside range(Z)
    n_iter, loss_curve = _spectral.landweber_curve(
        curve_lam, weights, eta, max_iter, tol, floor
    )
    reason = "tol" if tol > 0 and loss_curve[-1] <= tol else "max_iter"
    gain = _spectral.landweber_gains(lam, eta, n_iter)
    C = U @ (gain[:, None] * P)
    if dual:
        coef = op.rmatmat(C.reshape((n,) + Y.shape[1:]))
    else:
        coef = C.reshape((m,) + Y.shape[1:])
    if y_scale > 0:
        coef = coef * y_scale
    if verbose:
        _print_landweber(loss_curve, eta, summary, verbose)
    if reason == "max_iter" and tol > 0 and warn:
        warnings.warn(
            f"Landweber iteration reached max_iter={max_iter} with relative "
            f"residual {loss_curve[-1]:.3g} > tol={tol:g}. The residual contracts "
            f"at best by 1 - 2/(1 + kappa) per step (Lemma 4.2) with "
            f"kappa = {summary.condition_number:.3g}"
            + (
                "; Z has fewer independent columns than samples, so components "
                "of y outside its range are never fitted."
                if summary.rank < n_eff
                else "; increase max_iter."
            ),
            ConvergenceWarning,
            stacklevel=3,
        )
    return LandweberResult(
        _to_dtype(coef, op.dtype),
        n_iter,
        loss_curve,
        eta,
        summary,
        lam,
        reason,
        solver,
        _intercept(op, coef, y_mean),
    )


def _print_landweber(loss_curve, eta, summary, verbose):
    n_iter = len(loss_curve) - 1
    print(
        f"[Landweber] eta={eta:.6g} kappa={summary.condition_number:.4g} "
        f"n_iter={n_iter} relative residual {loss_curve[-1]:.3e}"
    )
    if verbose >= 2 and n_iter:
        ks = np.unique(np.geomspace(1, n_iter, num=min(n_iter, 20)).astype(int))
        for k in ks:
            print(f"[Landweber] step {k:>10d}  residual {loss_curve[k]:.6e}")
