"""The last-layer solvers at infinite width: the same spectral filters on ``H``.

Pure numpy/scipy, no scikit-learn. In the dual regime the finite solvers
(:mod:`~sklearn_rfnet.solvers`) write the last layer as ``coef = Z^T C`` with
``C`` a spectral filter of the targets in the eigenbasis of
``H_hat = Z Z^T`` (centered, ``P H_hat P`` with ``P = I - 1 1^T / n``, when
there is an output bias):

* ridge, ``C = U diag(1 / (lambda + alpha)) U^T y`` (the pseudo-inverse for
  ``alpha = 0``: the minimum-norm solution, eq. 2.5);
* ``k`` Landweber steps from ``coef_0 = 0``,
  ``C = U diag(g_k(lambda)) U^T y`` (Lemma A.6, eq. 4.2).

The network's output at ``x`` is ``z(x)^T coef = z(x)^T Z^T C``, and as the
width grows ``Z Z^T -> H`` and ``z(x)^T Z^T -> k(x) = (phi(x^T x_i))_i``
(eq. 2.7, Lemma 2.5): the limit of every fit is ``f(x) = k(x)^T C + b``
with ``C`` the *same* filter applied in the eigenbasis of the population
matrix ``H`` (the representer form of kernel ridge regression and of kernel
gradient descent). The functions below compute it from one eigendecomposition
of ``H`` (centered on ``1^perp`` with an intercept, by the Householder
reduction of :func:`~sklearn_rfnet.solvers._centered_eigh`), with the gains,
leave-one-out errors and loss curves of :mod:`~sklearn_rfnet._spectral`; the
intercept is ``b = mean(y) - mean(H C)``, the limit of
``mean(y) - mean(Z)^T coef``. Ridge with ``alpha > 0`` (and its
leave-one-out choice) works in the eigenbasis of ``H`` itself, the intercept
by a Schur complement (:func:`_ridge_paths`), so that the spectrum of ``H``
comes with the fit. ``coef`` in the returned results is ``C``, the dual
coefficients; ``centered`` says whether ``spectrum`` is that of ``P H P``
(on ``1^perp``) rather than of ``H``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import linalg
from scipy.linalg import LinAlgWarning

from . import _spectral
from ._blas import dot
from ._direct import (
    _CHOLESKY_COND_MAX,
    _all_eigenvalues,
    _centered_eigh,
    _check_targets,
    _cholesky_rcond,
    _extreme_eigenvalues,
    _HeldCholesky,
    _rank_threshold,
)
from .diagnostics import SpectralSummary, spectral_summary
from .exceptions import RankDeficiencyWarning
from .solvers import (
    DirectResult,
    LandweberResult,
    _check_loo_alphas,
    _warn_landweber_stop,
)

__all__ = ["kernel_landweber", "kernel_ridge", "kernel_ridge_loo"]

# A minimum-norm (alpha = 0) fit warns when eps * kappa exceeds this, as the
# finite direct solver does (solvers._WARN_ERROR).
_WARN_ERROR = 1e-8


def _decompose(H, Y, fit_intercept):
    """Targets (centered), their mean, and the eigenpairs of the dual Gram.

    Returns ``(Yr, y_mean, lam, U, summary)`` with ``Yr`` of shape (n, t),
    ``lam, U`` the eigenpairs of ``H`` (or of ``P H P`` on ``1^perp``,
    ``U`` of shape (n, n - 1), with an intercept) and ``summary`` their
    :class:`~sklearn_rfnet.diagnostics.SpectralSummary`.
    """
    H = np.asarray(H, dtype=np.float64)
    n = H.shape[0]
    if H.ndim != 2 or H.shape != (n, n):
        raise ValueError(f"H must be a square matrix, got shape {H.shape}.")
    if not np.all(np.isfinite(H)):
        raise ValueError("H must be finite (no NaN or inf entries).")
    Y = _check_targets(Y, n)
    Yr = Y.reshape(n, -1)
    y_mean = None
    if fit_intercept:
        y_mean = Yr.mean(axis=0)
        Yr = Yr - y_mean
    lam, U = _centered_eigh(H, bool(fit_intercept))
    summary = spectral_summary(lam, n, n, size=lam.size)
    return Yr, y_mean, np.maximum(lam, 0.0), U, summary


def _intercept(H, C, y_mean, Y):
    """``mean(y) - mean(H C)``: the limit of ``mean(y) - mean(Z)^T coef``
    (a float for 1-D targets, one per column otherwise)."""
    if y_mean is None:
        return 0.0
    b = y_mean - H.mean(axis=0) @ C
    return float(b[0]) if np.ndim(Y) == 1 else b


def _ridge_paths(H, Y, alphas, fit_intercept, loo=False):
    """Ridge for each ``alpha > 0`` from one eigendecomposition of ``H`` itself.

    With an unpenalized intercept the solution of
    ``min ||y - H C - b 1||^2 + alpha C^T H C`` is, from its normal equations
    ``(H + alpha I) C + b 1 = y``, ``1^T C = 0`` (the centered problem's
    solution, ``C`` on ``1^perp``), a Schur complement in
    ``G = (H + alpha I)^{-1} = U diag(g) U^T``:
    ``b = 1^T G y / 1^T G 1`` and ``C = G (y - b 1) = M y``,
    ``M = G - G 1 1^T G / 1^T G 1``. The residual is ``y - H C - b 1 =
    alpha C``, the hat matrix ``I - alpha M``, so the exact leave-one-out
    residual is ``e_i = C_i / M_ii`` (``(G y)_i / G_ii`` without intercept,
    as :func:`~sklearn_rfnet._spectral.ridge_loo_squared_errors`). Working in
    the eigenbasis of ``H`` rather than of ``P H P`` gives the spectrum of
    ``H`` (eq. 2.7) with the fit, at ``O(n^2)`` per ``alpha``.

    Returns ``(summary, fits, errors)``: the spectrum of ``H``, a function
    ``fits(alpha) -> (C, b)`` and, with ``loo``, the mean squared
    leave-one-out error per ``alpha`` (else None).
    """
    H = np.asarray(H, dtype=np.float64)
    Yr, y_mean, lam, U, summary = _decompose(H, Y, False)
    (n, t), k = Yr.shape, lam.size
    a = dot(U.T, np.ones((n, 1)))[:, 0]  # 1 in the eigenbasis
    P = dot(U.T, Yr)

    def solve(alphas, want_loo=False):
        # every alpha at once: one GEMM over U for the fits (and G 1), one
        # over U**2 for the diagonals (not three GEMVs over U per alpha); the
        # batching of _spectral.ridge_loo_residuals, plus the intercept's
        # Schur complement, which that basis of P H P does not need
        gains = 1.0 / (lam[:, None] + np.asarray(alphas, dtype=np.float64))
        n_a = gains.shape[1]
        cols = gains[:, :, None] * P[:, None, :]  # (k, n_alphas, t)
        if fit_intercept:
            cols = np.concatenate([cols, (gains * a[:, None])[:, :, None]], axis=2)
        fits = dot(U, cols.reshape(k, -1)).reshape(n, n_a, -1)
        C = fits[:, :, :t]
        diag = dot(U**2, gains) if want_loo else None  # (n, n_alphas)
        b = np.zeros((n_a, t))
        if fit_intercept:
            G1 = fits[:, :, t]  # G 1 per alpha
            s = (a * a) @ gains  # 1^T G 1 per alpha
            b = ((a[:, None] * gains).T @ P) / s[:, None]
            C = C - G1[:, :, None] * b[None, :, :]
            if want_loo:
                diag = diag - G1**2 / s
        return C, b, diag

    errors = None
    if loo:
        C, _, diag = solve(alphas, True)
        errors = np.mean((C / diag[:, :, None]) ** 2, axis=(0, 2))

    def fit(alpha):
        C, b, _ = solve([alpha])
        return np.ascontiguousarray(C[:, 0, :]), b[0]

    return summary, fit, errors


def _bias(b, Y, fit_intercept):
    """The intercept as the finite solvers return it."""
    if not fit_intercept:
        return 0.0
    return float(b[0]) if np.ndim(Y) == 1 else b


def _shape(C, Y):
    return C.reshape(np.shape(Y)) if np.ndim(Y) == 1 else C


def _warn_minimum_norm(summary, n, fit_intercept):
    """As the finite direct solver: a singular or ill-conditioned ``H``."""
    size = n - bool(fit_intercept)
    if summary.rank < size:
        warnings.warn(
            f"The population matrix H (eq. 2.7) is numerically singular: rank "
            f"{summary.rank} < {size} (lambda_max = {summary.lambda_max:.3g}, "
            f"threshold {summary.threshold:.3g}). The minimum-norm least-squares "
            "solution is returned; targets outside the range of H cannot be "
            "fitted exactly (Theorem 3.1: ReLU and swish on some point sets; "
            "duplicated samples). Use a Wendland activation, bias=True or "
            "alpha > 0.",
            RankDeficiencyWarning,
            stacklevel=4,
        )
    elif np.finfo(np.float64).eps * summary.condition_number > _WARN_ERROR:
        warnings.warn(
            f"H is ill-conditioned (condition number "
            f"{summary.condition_number:.3g}); the minimum-norm fit is accurate "
            f"to about {np.finfo(np.float64).eps * summary.condition_number:.1e} "
            "relative. Set alpha > 0 to regularize.",
            LinAlgWarning,
            stacklevel=4,
        )


def _ridge_cholesky(H, Y, alpha, fit_intercept, spectrum=True):
    """Ridge by Cholesky while the system is well conditioned, else None.

    The fast path of :func:`~sklearn_rfnet.solvers.solve_direct`, from its
    pieces (:class:`~sklearn_rfnet._direct._HeldCholesky`, LAPACK's condition
    estimate with the same limit ``1e6``). Without intercept
    ``C = (H + alpha I)^{-1} y``. With one, the system is the centered
    ``(P H P + alpha I) C = y - mean(y)`` on ``1^perp`` (the normal
    equations of :func:`_ridge_paths`), solved with the factor of
    ``P H P + alpha I + s 1 1^T / n``, ``s`` the mean eigenvalue of
    ``P H P`` on ``1^perp`` (the deflation of the finite solver: ``H``'s
    large near-constant mode, which would swamp the condition number, is
    gone), and ``b = mean(y) - mean(H C)``. The spectrum of ``H`` comes from
    :func:`_spectrum_of` (a second Cholesky, of ``H`` itself, and Lanczos):
    Lanczos on ``(H + alpha I)^{-1}`` cannot see a ``lambda_min(H)`` far
    below ``alpha`` (here ``1e-9`` against ``1e-5``). Returns None
    (the caller falls back to the eigendecomposition) when the factorization
    fails or is too ill-conditioned.
    """
    n = H.shape[0]
    Y = _check_targets(Y, n)
    if not np.all(np.isfinite(H)):
        raise ValueError("H must be finite (no NaN or inf entries).")
    Yr = Y.reshape(n, -1)
    y_mean = None
    if fit_intercept and n > 1:
        y_mean = Yr.mean(axis=0)
        Yr = Yr - y_mean
        mu = H.mean(axis=0)
        G = H - mu[:, None]  # P H P, in place: one n x n array
        G -= mu[None, :]
        trace = float(np.trace(G)) + n * float(mu.mean())
        deflation = trace / (n - 1) if trace > 0 else 1.0
        G += mu.mean() + deflation / n
        # symmetric: _HeldCholesky factors the C-ordered G as its Fortran
        # transpose, without a copy
    else:
        G = np.array(H, dtype=np.float64, order="F")
    anorm = float(np.max(np.sum(np.abs(G), axis=0))) + alpha
    try:
        factor = _HeldCholesky(G, alpha)
    except linalg.LinAlgError:
        return None
    if _cholesky_rcond(factor, anorm) * _CHOLESKY_COND_MAX < 1.0:
        return None
    C = factor.solve(Yr)
    # one step of iterative refinement (as the finite dual solver does), the
    # residual from H itself: the intercept below then agrees with the
    # eigendecomposition path to ~1e-12 where it differed by ~1e-8
    HC = dot(H, C)
    if y_mean is not None:
        HC -= HC.mean(axis=0)  # P H C (C is on 1^perp)
    C += factor.solve(Yr - HC - alpha * C)
    b = np.zeros(Yr.shape[1])
    if y_mean is not None:
        C -= C.mean(axis=0)  # exactly on 1^perp, as the exact solution
        b = y_mean - H.mean(axis=0) @ C
    del factor, G
    summary, cond = None, None
    if spectrum:
        summary = _spectrum_of(H)
        cond = (summary.lambda_max + alpha) / (summary.lambda_min + alpha)
    b = _bias(b, Y, fit_intercept)
    result = DirectResult(_shape(C, Y), summary, "kernel-cholesky", cond, 0, b, alpha)
    result.centered = False
    return result


def _spectrum_of(H):
    """The spectral summary of ``H`` (extreme eigenvalues, rank), cheaply.

    When ``H`` factors by Cholesky and its smallest eigenvalue clears the
    rank threshold, the extreme eigenvalues come from Lanczos on ``H`` and
    on ``H^{-1}`` through that factor (:func:`~sklearn_rfnet._direct.
    _extreme_eigenvalues`: ``n^3 / 3`` flops for the factor, against the
    ``4 n^3 / 3`` of the tridiagonalization in ``eigvalsh``; Cholesky is
    backward stable, so ``lambda_min`` is that of a matrix within
    ``O(eps) lambda_max`` of ``H``, as from ``eigvalsh``); otherwise, and
    when Lanczos fails, all eigenvalues by ``eigvalsh``.
    """
    n = H.shape[0]
    try:
        factor = _HeldCholesky(np.array(H, dtype=np.float64, order="F"), 0.0)
    except linalg.LinAlgError:  # numerically singular: every eigenvalue
        return spectral_summary(linalg.eigvalsh(H, check_finite=False), n, n)
    lam_min, lam_max = _extreme_eigenvalues(factor, 0.0)
    thr = _rank_threshold(lam_max, n, n, n)
    if lam_min > thr and lam_max > 0:
        return SpectralSummary(lam_min, lam_max, lam_min, lam_max / lam_min, n, thr)
    return spectral_summary(_all_eigenvalues(factor), n, n)


def kernel_ridge(H, Y, alpha=0.0, *, fit_intercept=False, warn=True, spectrum=True):
    """Kernel ridge on ``H``: the infinite-width limit of :func:`solve_direct`.

    Solves ``min ||y - H C - b 1||^2 + alpha C^T H C`` (``b = 0`` without
    ``fit_intercept``). For ``alpha > 0`` by Cholesky (on ``H + alpha I``,
    or on the centered system with an intercept) while its condition number
    is below ``1e6`` (:func:`_ridge_cholesky`),
    else from the eigendecomposition of ``H`` (:func:`_ridge_paths`); for
    ``alpha = 0``: ``C = U diag(g) U^T y_c`` with
    ``g = 1 / (lambda + alpha)`` on the eigenpairs of ``H`` (of ``P H P`` on
    ``1^perp`` with ``fit_intercept``, ``y_c = y - mean(y)``) and, for
    ``alpha = 0``, ``g = 1 / lambda`` above the rank threshold and 0 below
    (the pseudo-inverse: the limit of the minimum-norm solution, eq. 2.5).

    Parameters
    ----------
    H : ndarray of shape (n, n)
        Symmetric positive semi-definite kernel matrix (the population
        matrix of eq. 2.7).
    Y : ndarray of shape (n,) or (n, n_targets)
        Targets.
    alpha : float, default=0.0
        Ridge strength, ``>= 0``, in the units of ``H``.
    fit_intercept : bool, default=False
        Unpenalized output bias ``b = mean(y) - mean(H C)``.
    warn : bool, default=True
        For ``alpha = 0``: warn when ``H`` is singular or ill-conditioned.
    spectrum : bool, default=True
        Compute the spectral summary of ``H`` on the Cholesky path
        (:func:`_spectrum_of`); with ``False`` that path returns
        ``spectrum=None`` and ``error_condition=None`` (the estimators
        compute it on first access).

    Returns
    -------
    result : DirectResult
        ``coef`` is ``C`` (shape of ``Y``), ``solver`` ``"kernel-cholesky"``
        (``alpha > 0`` and ``kappa(H + alpha I) < 1e6``) or
        ``"kernel-eigh"``.

    Examples
    --------
    >>> import numpy as np
    >>> res = kernel_ridge(np.array([[2.0, 1.0], [1.0, 2.0]]), np.array([3.0, 3.0]))
    >>> res.coef
    array([1., 1.])
    """
    alpha = float(alpha)
    if not (math.isfinite(alpha) and alpha >= 0.0):
        raise ValueError(f"alpha must be a finite number >= 0, got {alpha!r}.")
    H = np.asarray(H, dtype=np.float64)
    if alpha > 0:
        fast = _ridge_cholesky(H, Y, alpha, fit_intercept, spectrum)
        if fast is not None:
            return fast
        summary, fit, _ = _ridge_paths(H, Y, [alpha], fit_intercept)
        C, b = fit(alpha)
        cond = (summary.lambda_max + alpha) / (summary.lambda_min + alpha)
        result = DirectResult(
            _shape(C, Y),
            summary,
            "kernel-eigh",
            cond,
            0,
            _bias(b, Y, fit_intercept),
            alpha,
        )
        result.centered = False
        return result
    # the pseudo-inverse of the centered P H P (the limit of the minimum-norm
    # solution with an intercept): on 1^perp, where the targets live
    Yr, y_mean, lam, U, summary = _decompose(H, Y, fit_intercept)
    gain = _spectral.ridge_gains(lam, [0.0], summary.threshold)[0]
    C = U @ (gain[:, None] * (U.T @ Yr))
    if warn:
        _warn_minimum_norm(summary, H.shape[0], fit_intercept)
    result = DirectResult(
        _shape(C, Y),
        summary,
        "kernel-eigh",
        summary.condition_number,
        0,
        _intercept(H, C, y_mean, Y),
        0.0,
    )
    result.centered = bool(fit_intercept)
    return result


def kernel_ridge_loo(H, Y, alphas, *, fit_intercept=False):
    """Kernel ridge with ``alpha`` chosen by exact leave-one-out on a grid.

    The limit of :func:`~sklearn_rfnet.solvers.solve_ridge_loo` in the dual:
    ``e_i = (G y_c)_i / G_ii`` with ``G = U diag(1 / (lambda + alpha)) U^T``
    on the eigenpairs of ``H`` (of ``P H P`` on ``1^perp`` with an
    intercept) is the residual at ``x_i`` of the fit on the other rows
    (:func:`~sklearn_rfnet._spectral.ridge_loo_squared_errors`); the
    ``alpha`` with the smallest mean squared error is refitted from the same
    eigendecomposition.

    Parameters
    ----------
    H : ndarray of shape (n, n)
        Kernel matrix.
    Y : ndarray of shape (n,) or (n, n_targets)
        Targets; the error is averaged over targets.
    alphas : array_like of shape (n_alphas,)
        Ridge strengths, ``> 0``, in the units of ``H``.
    fit_intercept : bool, default=False
        Unpenalized output bias.

    Returns
    -------
    result : DirectResult
        ``solver`` ``"kernel-eigh-loo"``, ``ridge`` the chosen strength and
        ``loo_errors`` the mean squared leave-one-out error per ``alpha``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(20, 2))
    >>> H = np.exp(-((X[:, None] - X[None]) ** 2).sum(-1))
    >>> res = kernel_ridge_loo(H, X[:, 0], [1e-3, 1e-1, 10.0], fit_intercept=True)
    >>> res.solver, res.loo_errors.shape
    ('kernel-eigh-loo', (3,))
    """
    H = np.asarray(H, dtype=np.float64)
    alphas = _check_loo_alphas(alphas, H.shape[0], fit_intercept)
    summary, fit, errors = _ridge_paths(H, Y, alphas, fit_intercept, loo=True)
    best = int(np.argmin(errors))
    ridge = float(alphas[best])
    C, b = fit(ridge)
    result = DirectResult(
        _shape(C, Y),
        summary,
        "kernel-eigh-loo",
        (summary.lambda_max + ridge) / (summary.lambda_min + ridge),
        0,
        _bias(b, Y, fit_intercept),
        ridge,
    )
    result.loo_errors = errors
    result.centered = False
    return result


def kernel_landweber(
    H, Y, *, step_size=None, max_iter=1000, tol=1e-10, fit_intercept=False, warn=True
):
    """Kernel gradient descent on ``H``: the limit of the Landweber path.

    Gradient descent on the last layer from ``coef_0 = 0``,
    ``coef_{k+1} = coef_k - eta Z^T (Z coef_k - y)`` (eq. A.7, Lemma 4.2), is
    ``coef_k = Z^T C_k`` with ``C_{k+1} = C_k + eta (y - H_hat C_k)``; at
    infinite width ``C_{k+1} = C_k + eta (y_c - H_c C_k)``, ``C_0 = 0``, with
    ``H_c = P H P`` with an intercept (``H`` without). Every iterate is the
    filter ``C_k = U diag(g_k(lambda)) U^T y_c``,
    ``g_k(lambda) = (1 - (1 - eta lambda)^k) / lambda`` (Lemma A.6,
    :func:`~sklearn_rfnet._spectral.landweber_gains`), so one
    eigendecomposition gives any ``k``.

    Stopping rule: the first ``k <= max_iter`` with
    ``||y_c - H_c C_k|| <= tol ||y_c||`` on the loss curve (eq. 4.4);
    ``tol = 0`` runs exactly ``max_iter`` steps.

    Parameters
    ----------
    H : ndarray of shape (n, n)
        Kernel matrix.
    Y : ndarray of shape (n,) or (n, n_targets)
        Targets.
    step_size : float, "optimal" or None, default=None
        ``eta``: ``None`` is ``1 / lambda_max``, ``"optimal"`` the step of
        Lemma 4.2 (:func:`~sklearn_rfnet._spectral.landweber_step`); a
        number must lie in ``(0, 2 / lambda_max)``.
    max_iter : int, default=1000
        Largest number of steps.
    tol : float, default=1e-10
        Relative-residual tolerance.
    fit_intercept : bool, default=False
        Unpenalized output bias, exact at every step.
    warn : bool, default=True
        ``ConvergenceWarning`` when ``max_iter`` is reached above ``tol``.

    Returns
    -------
    result : LandweberResult
        ``coef`` is ``C_k`` (shape of ``Y``), ``solver``
        ``"kernel-landweber"``.

    Examples
    --------
    >>> import numpy as np
    >>> H = np.array([[2.0, 1.0], [1.0, 2.0]])
    >>> res = kernel_landweber(H, np.array([3.0, 3.0]), tol=1e-12)
    >>> res.n_iter, res.coef
    (1, array([1., 1.]))
    """
    H = np.asarray(H, dtype=np.float64)
    Yr, y_mean, lam, U, summary = _decompose(H, Y, fit_intercept)
    eta = _spectral.checked_landweber_step(summary, step_size)
    # scale y by its largest entry: no overflow in norms or squares
    y_scale = float(np.max(np.abs(Yr))) if Yr.size else 0.0
    Ys = Yr / y_scale if y_scale > 0 else Yr
    y_norm = float(np.linalg.norm(Ys))
    if y_norm == 0.0:
        C = np.zeros_like(Yr)
        result = LandweberResult(
            _shape(C, Y),
            0,
            np.zeros(1),
            eta,
            summary,
            lam,
            "zero_y",
            "kernel-landweber",
            _intercept(H, C, y_mean, Y),
        )
        result.centered = bool(fit_intercept)
        return result
    P = U.T @ Ys
    weights = np.sum((P / y_norm) ** 2, axis=1)
    n_iter, curve = _spectral.landweber_curve(lam, weights, eta, max_iter, tol)
    reason = "tol" if tol > 0 and curve[-1] <= tol else "max_iter"
    gain = _spectral.landweber_gains(lam, eta, n_iter)
    C = (U @ (gain[:, None] * P)) * y_scale
    if reason == "max_iter" and tol > 0 and warn:
        _warn_landweber_stop(
            curve,
            max_iter,
            tol,
            eta,
            summary,
            summary.rank < lam.size,
            (lam, weights),
            "H is singular",
            stacklevel=3,
        )
    result = LandweberResult(
        _shape(C, Y),
        n_iter,
        curve,
        eta,
        summary,
        lam,
        reason,
        "kernel-landweber",
        _intercept(H, C, y_mean, Y),
    )
    result.centered = bool(fit_intercept)
    return result
