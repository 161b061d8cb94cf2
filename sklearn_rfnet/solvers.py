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
from scipy.linalg import LinAlgWarning

from . import _spectral
from ._blas import dot
from ._direct import (
    _center_targets,
    _centered_eigh,
    _check_targets,
    _deflate,
    _eigh,
    _intercept,
    _loo_sums,
    _solve_cholesky,
    _solve_tsqr_lsqr,
    _to_dtype,
    _undeflate,
)
from ._operator import DenseOperator
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
    return _direct_from_gram(op, G, ZtY, Yc, y_mean, float(alpha), Y.shape[1:], warn)


def _direct_from_gram(op, G, ZtY, Yc, y_mean, alpha, tail, warn=True, fallback=None):
    """:func:`solve_direct` from the Gram matrix of the regime (overwritten).

    Shared with the solve on primal statistics (:mod:`._primal_stats`: dask,
    ``partial_fit``), where ``Yc`` is None. ``fallback(op, Yc, alpha)`` is
    the stable path taken when Cholesky is not accurate enough (default
    :func:`_tsqr_lsqr_path`); it returns ``(coef, values, kind, solver,
    iterations)``, ``values`` the singular values of the (ridge-augmented)
    ``Z`` when ``kind == "svd"``, else the eigenvalues of the Gram matrix.
    """
    n, m = op.shape
    deflation = _deflate(op, G)
    size = G.shape[0] - (deflation is not None)
    fast = _solve_cholesky(op, G, ZtY, Yc, alpha, deflation)
    del G
    if fast is not None:
        coef, summary, cond = fast
        solver, iterations = f"{op.regime}-cholesky", 0
    else:
        coef, s, kind, solver, iterations = (fallback or _tsqr_lsqr_path)(op, Yc, alpha)
        if kind == "svd":
            lam = s**2 - alpha if alpha > 0 else s**2
            summary = spectral_summary(lam, n, m, from_svd=alpha == 0.0, size=size)
            # kappa of the (augmented) Z on its range
            cond = float(s[0] / s[summary.rank - 1]) if summary.rank else 1.0
        else:
            summary = spectral_summary(s, n, m, size=size)
            cond = summary.condition_number
    coef = coef.reshape((m,) + tuple(tail))
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
        _warn_conditioning(summary, n, m, solver, cond, op.center)
    return result


def _tsqr_lsqr_path(op, Yc, alpha):
    """The stable path of :func:`solve_direct`: streamed TSQR, then LSQR."""
    coef, s, iterations = _solve_tsqr_lsqr(op, Yc, alpha)
    if op.center and op.regime == "dual":
        s = s[: op.shape[0] - 1]  # without the direction 1 (see _solve_tsqr_lsqr)
    return coef, s, "svd", f"{op.regime}-tsqr-lsqr", iterations


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
    alphas = _check_loo_alphas(alphas, n, fit_intercept)
    Yc, y_mean = _center_targets(op, Y, fit_intercept)
    Yr = Yc.reshape(n, -1)
    G, ZtY = op.gram(Yr)
    if op.regime == "primal":

        def loo_sums(V, G_inv, B, lev0):
            return _loo_sums(op.row_projections(V), Yr, G_inv, B, lev0)

        return _primal_ridge_loo(op, G, ZtY, y_mean, alphas, Y.shape[1:], loo_sums)
    lam, U = _centered_eigh(G, op.center)
    del G
    lam = np.maximum(lam, 0.0)
    errors = _spectral.ridge_loo_squared_errors(lam, U, Yr, alphas).mean(axis=0)
    best = int(np.argmin(errors))
    C = dot(U, dot(U.T, Yr) / (lam + alphas[best])[:, None])
    coef = op.rmatmat(C).reshape((m,) + Y.shape[1:])
    return _ridge_loo_result(op, coef, lam, alphas, best, errors, y_mean, "eigh-loo")


def _check_loo_alphas(alphas, n, fit_intercept):
    alphas = np.asarray(alphas, dtype=np.float64).ravel()
    if alphas.size == 0 or not np.all(alphas > 0):
        raise ValueError(f"alphas must be positive, got {alphas!r}.")
    n_min = 2 + bool(fit_intercept)  # each left-out fit needs n - 1 rows
    if n < n_min:
        raise ValueError(
            f"Choosing alpha by leave-one-out needs at least {n_min} samples, "
            f"got n_samples={n}; pass a number as alpha."
        )
    return alphas


def _primal_ridge_loo(op, G, ZtY, y_mean, alphas, tail, loo_sums=None, YtY=None):
    """The primal branch of :func:`solve_ridge_loo` from ``Z^T Z``, ``Z^T y``.

    ``Z_c^T Z_c = V Lambda V^T``; ``loo_sums(V, G_inv, B, lev0)`` makes the
    pass over the rows and returns the squared leave-one-out residuals
    summed over rows, per ``(alpha, target)`` (:func:`_loo_sums`). Without
    it (statistics alone: ``partial_fit``) the error is generalized
    cross-validation from ``YtY``, the (centered) ``Y^T Y``.
    """
    n, m = op.shape
    lam, V = _eigh(G)
    del G
    lam = np.maximum(lam, 0.0)
    B = dot(V.T, ZtY.reshape(m, -1))  # V^T Z_c^T y
    if loo_sums is not None:
        G_inv = 1.0 / (lam[:, None] + alphas[None, :])  # (m, n_alphas)
        errors = loo_sums(V, G_inv, B, 1.0 / n if op.center else 0.0)
        errors = errors.mean(axis=1) / n
        method = "eigh-loo"
    else:
        errors = _spectral.ridge_gcv_errors(lam, B, alphas, YtY, n, op.center)
        method = "eigh-gcv"
    best = int(np.argmin(errors))
    coef = dot(V, B / (lam + alphas[best])[:, None]).reshape((m,) + tuple(tail))
    return _ridge_loo_result(op, coef, lam, alphas, best, errors, y_mean, method)


def _ridge_loo_result(op, coef, lam, alphas, best, errors, y_mean, method):
    n, m = op.shape
    summary = spectral_summary(lam, n, m, size=lam.size)
    ridge = float(alphas[best])
    cond = (summary.lambda_max + ridge) / (max(summary.lambda_min, 0.0) + ridge)
    result = DirectResult(
        _to_dtype(coef, op.dtype),
        summary,
        f"{op.regime}-{method}",
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
    # scale y by its largest entry: no overflow in norms or squares for any y
    Yc, y_mean = _center_targets(op, Y, fit_intercept)
    y_scale = float(np.max(np.abs(Yc))) if Yc.size else 0.0
    Ys = Yc / y_scale if y_scale > 0 else Yc
    G, ZtY = op.gram(Ys)
    Yr = Ys.reshape(n, -1)
    targets = (Yr, float(linalg.norm(Yr)), y_scale, y_mean, Y.shape[1:])
    return _landweber_from_gram(
        op, G, ZtY, targets, step_size, max_iter, tol, verbose, warn
    )


def _landweber_from_gram(op, G, ZtY, targets, step_size, max_iter, tol, verbose, warn):
    """:func:`solve_landweber` from the Gram matrix of the regime (overwritten).

    ``targets = (Yr, y_norm, y_scale, y_mean, tail)``: the centered targets
    divided by ``y_scale`` (``Yr``, needed in the dual only; None on primal
    statistics), their Frobenius norm, the scale, the mean (None without an
    intercept) and the trailing shape of ``y``; ``ZtY`` is of the scaled
    targets.
    """
    Yr, y_norm, y_scale, y_mean, tail = targets
    tail = tuple(tail)
    n, m = op.shape
    dual = op.regime == "dual"
    solver = f"{op.regime}-landweber"
    p = G.shape[0]
    deflation = _deflate(op, G)
    # G is ours: eigh may overwrite it (one p x p array less at the peak)
    lam, U = _eigh(G)
    del G
    summary = spectral_summary(
        _undeflate(lam, deflation), n, m, size=p - (deflation is not None)
    )
    eta = _spectral.checked_landweber_step(summary, step_size)
    n_eff = n - bool(op.center)  # rows of Z_c span at most n - 1
    if warn and summary.rank < min(n_eff, m):
        _warn_conditioning(
            summary, n, m, solver, summary.condition_number, bool(op.center)
        )
    if y_norm == 0.0:
        coef = np.zeros((m,) + tail, dtype=op.dtype)
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
    coef = op.rmatmat(C.reshape((n,) + tail)) if dual else C.reshape((m,) + tail)
    if y_scale > 0:
        coef = coef * y_scale
    if verbose:
        _print_landweber(loss_curve, eta, summary, verbose)
    if reason == "max_iter" and tol > 0 and warn:
        _warn_landweber_stop(
            loss_curve,
            max_iter,
            tol,
            eta,
            summary,
            summary.rank < n_eff,
            (curve_lam, weights, floor),
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


def _warn_landweber_stop(
    loss_curve,
    max_iter,
    tol,
    eta,
    summary,
    deficient,
    curve=(),
    singular="Z has fewer independent columns than samples",
    stacklevel=4,
):
    """Warn that ``max_iter`` stopped Landweber above ``tol``, with the
    number of steps ``tol`` would take (from the closed form of the loss
    curve, ``curve = (lam, weights, floor)`` as given to
    :func:`~sklearn_rfnet._spectral.landweber_curve`) and what to do
    instead; ``singular`` says why, when ``deficient``, no number of steps
    will do."""
    needed = math.inf
    if not deficient:
        needed = _spectral.landweber_steps_to(*curve[:2], eta, tol, *curve[2:])
    head = (
        f"Landweber iteration reached max_iter={max_iter} with relative "
        f"residual {loss_curve[-1]:.3g} > tol={tol:g}"
    )
    if deficient or not math.isfinite(needed):
        advice = (
            f". {singular}, so the components "
            "of y outside its range are never fitted: no number of steps "
            "reaches tol. Pass tol=0 to run max_iter steps on purpose (early "
            "stopping), or solver='direct' for the least-squares limit."
        )
    else:
        slowest = max(
            abs(1.0 - eta * summary.lambda_min), abs(1.0 - eta * summary.lambda_max)
        )
        advice = (
            f"; it would take {needed:.3g} steps (kappa = "
            f"{summary.condition_number:.3g}: the slowest eigencomponent "
            f"contracts by 1 - {1.0 - slowest:.3g} per step, Lemma 4.2). For that "
            "limit use "
            "solver='direct' (one solve), or max_iter >= "
            f"{needed:.0f}; to stop at max_iter on purpose (early stopping, "
            "which regularizes), pass tol=0."
        )
    warnings.warn(head + advice, ConvergenceWarning, stacklevel=stacklevel)


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
