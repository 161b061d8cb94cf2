"""Training the last layer: minimum-norm, ridge and Landweber solvers.

Pure linear algebra (numpy/scipy/LAPACK), no scikit-learn. The problem is the
under-determined least-squares problem (2.4)

    min_alpha || Z alpha - y ||_2,     Z = gamma(X W) / sqrt(m)  (n x m),

solved through the ``n x n`` matrix ``H_hat = Z Z^T`` (eq. 2.5, 2.6), so
that the width ``m`` only enters through passes over ``Z``. ``Z`` is accessed
through a *row operator*: any object with

* ``shape`` ``(n, m)`` and ``dtype``;
* ``gram()`` returning ``H_hat = Z Z^T`` as a float64 ``n x n`` array;
* ``rmatmat(C)`` returning ``Z^T C``;
* ``materialize()`` returning ``Z`` as an array, or ``None`` when ``Z`` is
  too large to hold (then only the ``H_hat`` based solvers are used).

:class:`DenseOperator` wraps an explicit ``Z``; the estimators use
``features.RandomFeatureMap``, which evaluates ``Z`` block by block.

Three layers, as in scikit-learn's ``_ridge.py``: the public
:func:`solve_direct` and :func:`solve_landweber` validate and dispatch to
``_solve_cholesky``, ``_solve_eigh`` and ``_solve_svd``, which take arrays and
return arrays. When the fast path (Cholesky on ``H_hat``) meets an
ill-conditioned or singular ``H_hat`` it falls back to a stable solver and
records which one ran.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import linalg
from scipy.linalg import LinAlgWarning
from scipy.linalg.blas import get_blas_funcs
from scipy.sparse.linalg import ArpackNoConvergence, LinearOperator, eigsh

from .diagnostics import (
    SpectralSummary,
    numerical_rank_threshold,
    optimal_step_size,
    spectral_summary,
)
from .exceptions import (
    ConvergenceWarning,
    RankDeficiencyWarning,
    UnderParameterizedWarning,
)

__all__ = [
    "DenseOperator",
    "DirectResult",
    "LandweberResult",
    "gram_update",
    "solve_direct",
    "solve_landweber",
]

# Cholesky on H_hat (+ alpha I) is used while its condition number stays below
# _CHOLESKY_COND_MAX: the relative error of the solve is then at most about
# eps * 1e6 = 2e-10 (Higham, Accuracy and Stability, Thm 10.4). Beyond it the
# SVD of Z (error eps * kappa(Z) = eps * sqrt(kappa(H_hat))) runs when Z is in
# memory. When it is not, the only alternative is the eigendecomposition of
# H_hat, no more accurate than Cholesky on a full-rank H_hat: Cholesky is kept
# up to _CHOLESKY_COND_MAX_BLOCKED, with a warning above _WARN_COND.
_CHOLESKY_COND_MAX = 1e6
_CHOLESKY_COND_MAX_BLOCKED = 1e12
_WARN_COND = 1e8
# Up to this n the extreme eigenvalues come from a full eigvalsh (cheap);
# above, from Lanczos on H_hat and on its inverse through the Cholesky factor.
_DENSE_SPECTRUM_MAX_N = 500


# --------------------------------------------------------------------------
# Row operators and the Gram matrix


def gram_update(H, G, scale=1.0, *, work=None):
    """Accumulate ``H += scale * G G^T`` into the lower triangle of ``H``.

    Uses BLAS ``?syrk``, half the flops of a GEMM. ``G`` is read through its
    transpose, so a C-contiguous ``G`` is not copied. (A GEMM-based panel
    update was measured and is no faster: ``benchmarks/README.md``.)

    Parameters
    ----------
    H : ndarray of shape (n, n), float64, Fortran-ordered
        Accumulator; only its lower triangle is referenced and updated.
    G : ndarray of shape (n, b)
        A block of columns of ``Z`` (float32 or float64). A float32 block is
        multiplied by ``ssyrk`` and accumulated in float64.
    scale : float, default=1.0
    work : ndarray of shape (n, n), float32, Fortran-ordered, optional
        (Its strict upper triangle must be zero: ``?syrk`` writes the lower
        triangle only and the whole buffer is added to ``H``.)
        Scratch for a float32 ``G``, to be reused across blocks (otherwise a
        new ``n x n`` float32 array, faulted in page by page, per block).

    Returns
    -------
    H : ndarray
        The updated accumulator (the same object when no copy was needed).

    Examples
    --------
    >>> import numpy as np
    >>> H = np.zeros((2, 2), order="F")
    >>> H = gram_update(H, np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> np.tril(H)
    array([[ 5.,  0.],
           [11., 25.]])
    """
    Gt = np.asarray(G).T  # (b, n), Fortran-contiguous view of a C array
    (syrk,) = get_blas_funcs(("syrk",), (Gt,))
    if Gt.dtype == H.dtype:
        return syrk(scale, Gt, beta=1.0, c=H, trans=1, lower=1, overwrite_c=1)
    # float32 block: ssyrk into a float32 buffer, accumulate in float64
    if work is None or work.dtype != Gt.dtype or not work.flags.f_contiguous:
        part = syrk(scale, Gt, trans=1, lower=1)
    else:
        part = syrk(scale, Gt, beta=0.0, c=work, trans=1, lower=1, overwrite_c=1)
    H += part
    return H


def symmetrize_lower(H, block=512):
    """Copy the lower triangle of ``H`` onto its upper triangle, in place."""
    n = H.shape[0]
    for i0 in range(0, n, block):
        i1 = min(i0 + block, n)
        H[i0:i1, i1:] = H[i1:, i0:i1].T
        sub = H[i0:i1, i0:i1]
        sub[...] = np.tril(sub) + np.tril(sub, -1).T
    return H


class DenseOperator:
    """Row operator around an explicit ``Z`` (see the module docstring).

    Parameters
    ----------
    Z : ndarray of shape (n, m)

    Examples
    --------
    >>> import numpy as np
    >>> op = DenseOperator(np.eye(2, 3))
    >>> op.gram()
    array([[1., 0.],
           [0., 1.]])
    """

    def __init__(self, Z):
        self.Z = np.asarray(Z)
        if self.Z.ndim != 2:
            raise ValueError(f"Z must be 2-D, got shape {self.Z.shape}.")
        self.shape = self.Z.shape
        self.dtype = self.Z.dtype

    def gram(self):
        """``H_hat = Z Z^T`` as a symmetric float64 array."""
        H = np.zeros((self.shape[0],) * 2, order="F")
        gram_update(H, np.ascontiguousarray(self.Z))
        return symmetrize_lower(H)

    def rmatmat(self, C):
        """``Z^T C``."""
        return self.Z.T @ np.asarray(C, dtype=self.Z.dtype)

    def materialize(self):
        """``Z`` itself."""
        return self.Z


# --------------------------------------------------------------------------
# Results


@dataclass
class DirectResult:
    """What :func:`solve_direct` returns.

    Attributes
    ----------
    coef : ndarray of shape (m,) or (m, n_targets)
        The last-layer weights ``alpha`` (the paper's name).
    spectrum : SpectralSummary
        Extreme eigenvalues, condition number and rank of ``H_hat``.
    solver : {"cholesky", "eigh", "svd"}
        The method that produced ``coef``.

    Examples
    --------
    >>> import numpy as np
    >>> res = solve_direct(DenseOperator(np.eye(2, 3)), np.array([1.0, 2.0]))
    >>> res.coef, res.solver
    (array([1., 2., 0.]), 'cholesky')
    """

    coef: np.ndarray
    spectrum: SpectralSummary
    solver: str


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
        Spectrum of ``H_hat``.
    eigenvalues : ndarray of shape (n,)
        All eigenvalues of ``H_hat`` (ascending).
    stop_reason : str
        ``"tol"`` (relative residual <= tol), ``"max_iter"`` or ``"zero_y"``.

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


def _solve_cholesky(H, Y, alpha):
    """Solve ``(H + alpha I) C = Y`` by Cholesky; return ``C`` and the factor.

    The factor (a :class:`_HeldCholesky`) overwrites the upper triangle of
    ``H``; ``factor.restore()`` gives ``H`` back.
    """
    factor = _HeldCholesky(H, alpha)
    return factor.solve(Y), factor


def _solve_eigh(H, Y, alpha, dtype):
    """Spectral solve ``C = U g(Lambda) U^T Y`` on ``H_hat = U Lambda U^T``.

    ``g(lambda) = 1 / (lambda + alpha)``, and for ``alpha = 0`` eigenvalues at
    or below the rank threshold are dropped (pseudo-inverse), which gives the
    minimum-norm least-squares solution ``alpha = Z^T C`` (eq. 2.5).
    """
    lam, U = linalg.eigh(H, lower=True, check_finite=False, driver="evd")
    summary = spectral_summary(lam, H.shape[0], 0, dtype)
    if alpha > 0:
        g = 1.0 / (np.maximum(lam, 0.0) + alpha)
    else:
        keep = lam > summary.threshold
        g = np.zeros_like(lam)
        g[keep] = 1.0 / lam[keep]
    C = U @ (g[:, None] * (U.T @ Y.reshape(len(Y), -1)))
    return C.reshape(Y.shape), summary


def _solve_svd(Z, Y, alpha):
    """Minimum-norm (or ridge) solution from the thin SVD of ``Z``.

    ``alpha = V diag(s / (s^2 + ridge)) U^T y``; for ``ridge = 0`` singular
    values at or below ``max(n, m) eps s_max`` are dropped, the cut-off of
    :func:`numpy.linalg.lstsq`, so the result is its minimum-norm solution.
    """
    Z64 = np.asarray(Z, dtype=np.float64)
    U, s, Vt = linalg.svd(Z64, full_matrices=False, check_finite=False)
    n, m = Z64.shape
    if alpha > 0:
        g = s / (s**2 + alpha)
    else:
        cut = max(n, m) * np.finfo(np.float64).eps * (s[0] if s.size else 0.0)
        g = np.zeros_like(s)
        keep = s > cut
        g[keep] = 1.0 / s[keep]
    Yr = Y.reshape(len(Y), -1)
    coef = Vt.T @ (g[:, None] * (U.T @ Yr))
    return coef.reshape((m,) + Y.shape[1:]), s


def _extreme_eigenvalues(factor, alpha):
    """``(lambda_min, lambda_max)`` of ``H_hat``, given its :class:`_HeldCholesky`
    factor: Lanczos on ``H_hat`` and on ``(H_hat + alpha I)^-1``. Up to
    ``n = _DENSE_SPECTRUM_MAX_N`` a full ``eigvalsh`` (cheap) on the restored
    ``H_hat`` instead."""
    n = factor.H.shape[0]
    if n <= _DENSE_SPECTRUM_MAX_N:
        lam = linalg.eigvalsh(factor.restore(), lower=True, check_finite=False)
        return float(lam[0]), float(lam[-1])
    v0 = np.ones(n) / math.sqrt(n)
    try:
        H_op = LinearOperator((n, n), matvec=factor.matvec, dtype=np.float64)
        inv = LinearOperator((n, n), matvec=factor.solve, dtype=np.float64)
        opts = dict(k=1, which="LA", tol=1e-10, v0=v0, return_eigenvectors=False)
        lam_max = eigsh(H_op, **opts)
        mu = eigsh(inv, **opts)
    except ArpackNoConvergence:  # pragma: no cover - rare; exact fallback
        lam = linalg.eigvalsh(factor.restore(), lower=True, check_finite=False)
        return float(lam[0]), float(lam[-1])
    return float(1.0 / mu[0] - alpha), float(lam_max[0])


# --------------------------------------------------------------------------
# Public solvers


def _check_targets(Y, n):
    Y = np.asarray(Y, dtype=np.float64)
    if Y.ndim not in (1, 2) or Y.shape[0] != n:
        raise ValueError(
            f"y must have shape ({n},) or ({n}, n_targets), got {Y.shape}."
        )
    return Y


def solve_direct(op, Y, alpha=0.0, *, warn=True):
    """Minimum-norm interpolant (eq. 2.5) or ridge solution of problem (2.4).

    Solves ``min ||Z coef - y||^2 + alpha ||coef||^2`` with, for
    ``alpha = 0``, the minimum-norm minimizer
    ``coef = Z^T (Z Z^T)^+ y = Z^+ y`` (eq. 2.5; Proposition 4.1) and, for
    ``alpha > 0``, ``coef = Z^T (H_hat + alpha I)^{-1} y``.

    Algorithm: form ``H_hat = Z Z^T`` (eq. 2.6) and factor
    ``H_hat + alpha I = L L^T`` (Cholesky), then ``coef = Z^T (L L^T)^{-1} y``.
    Because ``kappa(H_hat) = kappa(Z)^2``, this is used only while the
    condition number of ``H_hat + alpha I`` is below 1e8. Otherwise (or when
    the Cholesky factorization fails, or ``m < n``) the thin SVD of ``Z`` is
    used when ``Z`` can be held in memory (accuracy ``eps kappa(Z)``), and the
    eigendecomposition of ``H_hat`` when it cannot (accuracy
    ``eps kappa(H_hat)``, with a warning when that is poor).

    Parameters
    ----------
    op : row operator
        Gives ``Z`` (see the module docstring).
    Y : array_like of shape (n,) or (n, n_targets)
        Targets.
    alpha : float, default=0.0
        Ridge strength (scikit-learn's name; the paper's ``alpha`` is our
        ``coef``).
    warn : bool, default=True
        Emit :class:`~sklearn_rfnet.exceptions.RankDeficiencyWarning`,
        :class:`~sklearn_rfnet.exceptions.UnderParameterizedWarning` and
        :class:`scipy.linalg.LinAlgWarning` as appropriate.

    Returns
    -------
    result : DirectResult
        ``coef``, the spectrum summary of ``H_hat`` and the solver that ran.

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    >>> res = solve_direct(DenseOperator(Z), np.array([1.0, 2.0]))
    >>> np.allclose(Z @ res.coef, [1.0, 2.0]), res.solver
    (True, 'cholesky')
    """
    n, m = op.shape
    Y = _check_targets(Y, n)
    alpha = float(alpha)
    if m < n:
        if warn:
            _warn_underparameterized(n, m)
        return _direct_stable(op, Y, alpha, None, warn)
    H = op.gram()
    try:
        # in place: the factor overwrites one triangle of H, the other keeps H
        C, factor = _solve_cholesky(H, Y, alpha)
    except linalg.LinAlgError:
        return _direct_stable(op, Y, alpha, H, warn)  # H restored on failure
    lam_min, lam_max = _extreme_eigenvalues(factor, alpha)
    shifted_min = lam_min + alpha
    in_memory = op.materialize() is not None
    limit = _CHOLESKY_COND_MAX if in_memory else _CHOLESKY_COND_MAX_BLOCKED
    cond_solved = (lam_max + alpha) / shifted_min if shifted_min > 0 else math.inf
    if lam_max <= 0 or cond_solved > limit:
        return _direct_stable(op, Y, alpha, factor.restore(), warn)
    thr = numerical_rank_threshold(lam_max, n, m)
    if lam_min > thr:
        summary = SpectralSummary(lam_min, lam_max, lam_min, lam_max / lam_min, n, thr)
    else:  # ridge on a singular H_hat: the solve is fine, the rank needs the spectrum
        summary = spectral_summary(
            linalg.eigvalsh(factor.restore(), lower=True, check_finite=False), n, m
        )
    del H, factor  # free the n x n array before the pass over Z
    if warn and cond_solved > _WARN_COND:
        _warn_conditioning(summary, n, m, "cholesky", cond_solved)
    return DirectResult(_to_dtype(op.rmatmat(C), op.dtype), summary, "cholesky")


def _warn_underparameterized(n, m):
    warnings.warn(
        f"The hidden layer is narrower than the data: n_components={m} < "
        f"n_samples={n}, so Z is {n} x {m} and interpolation (zero training "
        "loss) is impossible for generic targets (Section 2.1, footnote 3). "
        "The least-squares solution of minimum norm is used. Use "
        "n_components >= n_samples (see required_width_).",
        UnderParameterizedWarning,
        stacklevel=4,
    )


def _to_dtype(a, dtype):
    return np.asarray(a, dtype=dtype if np.issubdtype(dtype, np.floating) else None)


def _direct_stable(op, Y, alpha, H, warn):
    n, m = op.shape
    Z = op.materialize()
    if Z is not None:
        coef, s = _solve_svd(Z, Y, alpha)
        summary = spectral_summary(s**2, n, m, from_svd=True)
        solver, err_cond = "svd", math.sqrt(_range_condition(summary))
    else:
        if H is None:
            H = op.gram()
        C, summary = _solve_eigh(H, Y, alpha, np.float64)
        coef = op.rmatmat(C)
        solver, err_cond = "eigh", _range_condition(summary)
    if warn and alpha == 0.0:
        _warn_conditioning(summary, n, m, solver, err_cond)
    return DirectResult(_to_dtype(coef, op.dtype), summary, solver)


def _range_condition(summary):
    """Condition number of ``H_hat`` on the range of ``Z`` (non-zero eigenvalues)."""
    if summary.lambda_min_nonzero <= 0.0:
        return 1.0
    return summary.lambda_max / summary.lambda_min_nonzero


def _warn_conditioning(summary, n, m, solver, err_cond):
    if summary.rank < min(n, m):
        warnings.warn(
            f"Z = gamma(XW)/sqrt(m) is rank deficient: numerical rank "
            f"{summary.rank} < min(n_samples, n_components) = {min(n, m)} "
            f"(lambda_max(H_hat) = {summary.lambda_max:.3g}, rank threshold "
            f"{summary.threshold:.3g}). The direct solver returns, and Landweber "
            "tends to, the minimum-norm least-squares solution; targets outside "
            "the range of Z cannot be fitted exactly "
            "(Theorem 2.2, Corollary 2.3). ReLU and swish without bias do this on "
            "some data sets; try a Wendland activation or bias=True.",
            RankDeficiencyWarning,
            stacklevel=4,
        )
    elif np.finfo(np.float64).eps * err_cond > 1e-8:
        warnings.warn(
            f"H_hat is ill-conditioned (condition number on the range of Z "
            f"{_range_condition(summary):.3g}); the {solver} solve is accurate to "
            f"about {np.finfo(np.float64).eps * err_cond:.1e} relative.",
            LinAlgWarning,
            stacklevel=4,
        )


def _landweber_gain(lam, eta, k, threshold):
    """``h_k(lambda) = (1 - (1 - eta lambda)^k) / lambda = f_k / lambda``.

    The gain with which ``k`` gradient steps from ``alpha_0 = 0`` apply the
    eigenpair ``(lambda, u)`` of ``H_hat``: ``alpha_k = Z^T U h_k(Lambda) U^T y``
    (Lemma A.6 written in the row space of ``Z``). Computed as
    ``-expm1(k log1p(-eta lambda)) / lambda`` where ``0 < eta lambda < 1``
    (no cancellation for small ``eta lambda``). Eigenvalues at or below the
    rank threshold belong to the null space of ``Z^T``, where gradient
    descent does not move: their gain is 0.
    """
    x = eta * lam
    g = np.zeros_like(lam)
    small = (lam > threshold) & (x < 1.0)
    g[small] = -np.expm1(k * np.log1p(-x[small])) / lam[small]
    big = (lam > threshold) & (x >= 1.0)
    g[big] = (1.0 - np.power(1.0 - x[big], k)) / lam[big]
    return g


# Steps per block of the Landweber loss curve (see _landweber_curve).
_CURVE_BLOCK_MAX = 4096
# Entries of one work array of the loss curve (E, one slab of V, of r^2): 8 MiB.
_CURVE_SLAB = 1 << 20


def _landweber_curve(lam, P, eta, max_iter, tol, y_norm):
    """Relative residuals of Landweber from ``alpha_0 = 0`` and the stopping step.

    ``r_k^2 = sum_j p_j^2 q_j^(2k) / ||y||^2`` with ``q_j = 1 - eta lambda_j``
    and ``p = U^T y`` (eq. 4.4), for ``k = 0 .. n_iter``: ``n_iter`` is the
    first ``k <= max_iter`` with ``r_k <= tol`` (``tol > 0``), else
    ``max_iter``. Eigenvalues set to 0 (null space of ``Z^T``) give ``q = 1``.

    Writing ``k = s + j`` with ``s`` a multiple of a block length ``K``,
    ``q^(2k) = q^(2s) q^(2j)``: with ``V[c, i] = p_i^2 q_i^(2 s_c)`` and
    ``E[i, j] = q_i^(2j)`` (``n x K``), row ``c`` of the GEMM ``V E`` is the
    block of ``r^2`` that starts at ``s_c``, and the rows laid end to end are
    the curve. Every entry is a product of two exponentials, as accurate as
    ``exp(2 k log|q|)`` itself; ``10**7`` steps cost ``2 10**7 n`` flops in
    BLAS plus ``2 sqrt(10**7) n`` exponentials, instead of ``10**7 n``
    exponentials. Work arrays hold at most ``_CURVE_SLAB`` entries; the curve
    is written in place, in order, and stops at the slab where ``tol`` is met.
    """
    lam = np.asarray(lam, dtype=np.float64)
    n = lam.size
    P = np.asarray(P, dtype=np.float64).reshape(n, -1)
    w = np.einsum("ij,ij->i", P, P) / (y_norm * y_norm)  # relative p_j^2
    with np.errstate(divide="ignore"):
        log_q2 = 2.0 * np.log(np.abs(1.0 - eta * lam))  # -inf where q = 0
    dead = np.isneginf(log_q2)
    log_q2[dead] = 0.0  # handled by hand below: q^0 = 1, q^k = 0 for k >= 1
    total = int(max_iter) + 1
    K = min(_CURVE_BLOCK_MAX, _CURVE_SLAB // max(n, 1), math.isqrt(total - 1) + 1)
    K = max(1, K)
    with np.errstate(under="ignore"):
        E = np.exp(log_q2[:, None] * np.arange(K, dtype=np.float64)[None, :])
    E[dead, 1:] = 0.0
    n_blocks = -(-total // K)
    per_slab = max(1, _CURVE_SLAB // max(n, K))
    # tol = 0 runs to max_iter: write into the final array; else grow by slabs
    curve = np.empty(total) if tol <= 0 else None
    pieces, done = [], 0
    for c0 in range(0, n_blocks, per_slab):
        starts = np.arange(c0, min(c0 + per_slab, n_blocks), dtype=np.float64) * K
        with np.errstate(under="ignore"):
            V = np.exp(starts[:, None] * log_q2[None, :])
        V[(starts > 0)[:, None] & dead[None, :]] = 0.0
        V *= w[None, :]
        r2 = (V @ E).reshape(-1)[: total - done]  # r^2 at k = done, done + 1, ...
        if curve is not None:
            np.sqrt(r2, out=curve[done : done + r2.size])
            done += r2.size
            continue
        r = np.sqrt(r2)
        hit = np.flatnonzero(r <= tol)
        if hit.size:
            pieces.append(r[: hit[0] + 1])
            done += hit[0] + 1
            break
        pieces.append(r)
        done += r.size
    if curve is None:
        curve = np.concatenate(pieces) if len(pieces) > 1 else pieces[0]
    return curve.size - 1, curve


def solve_landweber(
    op, Y, *, step_size=None, max_iter=1000, tol=1e-10, verbose=0, warn=True
):
    """Gradient descent on the last layer from ``alpha_0 = 0`` (Landweber).

    Iterates ``alpha_{k+1} = alpha_k - eta Z^T (Z alpha_k - y)``,
    ``alpha_0 = 0`` (eq. A.7; Lemma 4.2, Theorem 4.3), with by default the
    optimal step ``eta = 2 / (lambda_min(H_hat) + lambda_max(H_hat))``
    (Remark 6). When ``H_hat`` is singular, ``lambda_min`` is replaced by the
    smallest non-zero eigenvalue: that step is optimal on the range of ``Z``,
    the only subspace where the iteration moves (``2 / lambda_max`` would
    leave the top component oscillating).

    The iterates are not formed one by one. With ``H_hat = U Lambda U^T``
    every iterate is ``alpha_k = Z^T U h_k(Lambda) U^T y`` with
    ``h_k(lambda) = (1 - (1 - eta lambda)^k) / lambda`` (Lemma A.6, eq. 4.2),
    and its residual is given by eq. 4.4,
    ``||Z alpha_k - y||^2 = sum_j (u_j^T y)^2 (1 - eta lambda_j)^(2k)``.
    One eigendecomposition of ``H_hat`` thus gives any ``k``, so
    ``max_iter = 10**7`` costs about as much as ``max_iter = 10``: the whole
    loss curve is one GEMM of ``O(sqrt(max_iter) n)`` exponentials (see
    ``_landweber_curve``). In exact arithmetic these are the gradient-descent
    iterates; in floating point they agree to rounding.

    Stopping rule: the first ``k <= max_iter`` with
    ``||Z alpha_k - y|| <= tol ||y||`` on the loss curve (the residual is
    non-increasing for ``0 < eta < 2 / lambda_max``); ``tol = 0``
    runs exactly ``max_iter`` steps. If ``k = max_iter`` is reached with the
    residual above ``tol``, a ``ConvergenceWarning`` is emitted.

    Parameters
    ----------
    op : row operator
        Gives ``Z`` (see the module docstring).
    Y : array_like of shape (n,) or (n, n_targets)
        Targets; with several targets the residual is the Frobenius norm.
    step_size : float, default=None
        ``eta``; ``None`` uses the optimal step above. Must be below
        ``2 / lambda_max(H_hat)``, else gradient descent diverges.
    max_iter : int, default=1000
        Maximum number of gradient steps.
    tol : float, default=1e-10
        Relative-residual tolerance.
    verbose : int, default=0
        Print a summary (``>= 1``) and the residual at logarithmically
        spaced steps (``>= 2``).
    warn : bool, default=True
        Emit a ``ConvergenceWarning`` when ``max_iter`` is reached early.

    Returns
    -------
    result : LandweberResult

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    >>> res = solve_landweber(DenseOperator(Z), np.array([1.0, 2.0]), tol=1e-12)
    >>> res.n_iter, res.stop_reason, np.allclose(Z @ res.coef, [1.0, 2.0])
    (40, 'tol', True)
    """
    n, m = op.shape
    Y = _check_targets(Y, n)
    # H is ours: eigh may overwrite it (one n x n array less at the peak)
    lam, U = linalg.eigh(
        op.gram(), lower=True, check_finite=False, driver="evd", overwrite_a=True
    )
    summary = spectral_summary(lam, n, m)
    eta_max = 2.0 / summary.lambda_max if summary.lambda_max > 0 else math.inf
    if step_size is None:
        eta = (
            optimal_step_size(summary.lambda_min_nonzero, summary.lambda_max)
            if summary.lambda_max > 0
            else 1.0  # Z = 0: nothing moves whatever the step
        )
    else:
        eta = float(step_size)
        if not 0.0 < eta < eta_max:
            raise ValueError(
                f"step_size={eta:.6g} is not in (0, 2 / lambda_max(H_hat)) = "
                f"(0, {eta_max:.6g}): gradient descent would diverge (Theorem 4.3)."
            )
    if warn and m < n:
        _warn_underparameterized(n, m)
    if warn and summary.rank < min(n, m):
        _warn_conditioning(summary, n, m, "landweber", summary.condition_number)
    Yr = Y.reshape(n, -1)
    P = U.T @ Yr  # targets in the eigenbasis of H_hat
    lam_eff = np.where(lam > summary.threshold, lam, 0.0)
    y_norm = float(np.linalg.norm(Yr))
    if y_norm == 0.0:
        coef = np.zeros((m,) + Y.shape[1:], dtype=op.dtype)
        return LandweberResult(coef, 0, np.zeros(1), eta, summary, lam, "zero_y")

    n_iter, loss_curve = _landweber_curve(lam_eff, P, eta, max_iter, tol, y_norm)
    reason = "tol" if tol > 0 and loss_curve[-1] <= tol else "max_iter"
    gain = _landweber_gain(lam, eta, n_iter, summary.threshold)
    C = U @ (gain[:, None] * P)
    coef = op.rmatmat(C.reshape((n,) + Y.shape[1:]))
    if verbose:
        _print_landweber(loss_curve, eta, summary, verbose)
    if reason == "max_iter" and tol > 0 and warn:
        warnings.warn(
            f"Landweber iteration reached max_iter={max_iter} with relative "
            f"residual {loss_curve[-1]:.3g} > tol={tol:g}. The residual contracts "
            f"at best by 1 - 2/(1 + kappa) per step (Lemma 4.2) with "
            f"kappa(H_hat) = {summary.condition_number:.3g}"
            + (
                "; Z is rank deficient, so components of y outside its range are "
                "never fitted."
                if summary.rank < n
                else "; increase max_iter."
            ),
            ConvergenceWarning,
            stacklevel=3,
        )
    return LandweberResult(
        _to_dtype(coef, op.dtype), n_iter, loss_curve, eta, summary, lam, reason
    )


def _print_landweber(loss_curve, eta, summary, verbose):
    n_iter = len(loss_curve) - 1
    print(
        f"[Landweber] eta={eta:.6g} kappa(H_hat)={summary.condition_number:.4g} "
        f"n_iter={n_iter} relative residual {loss_curve[-1]:.3e}"
    )
    if verbose >= 2 and n_iter:
        ks = np.unique(np.geomspace(1, n_iter, num=min(n_iter, 20)).astype(int))
        for k in ks:
            print(f"[Landweber] step {k:>10d}  residual {loss_curve[k]:.6e}")
