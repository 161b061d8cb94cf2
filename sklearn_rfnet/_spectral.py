"""Spectral filters of the last-layer solvers, written once.

Both solvers act on the eigenpairs ``(lambda_j, u_j)`` of the Gram matrix
(``H_hat = Z Z^T`` in the dual, ``Z^T Z`` in the primal; their non-zero
eigenvalues are the same): a solver is a *gain* ``g(lambda)`` applied to the
targets in that eigenbasis.

* ridge, ``g(lambda) = 1 / (lambda + alpha)`` (the pseudo-inverse for
  ``alpha = 0``);
* ``k`` Landweber steps from ``alpha_0 = 0`` (Lemma A.6, eq. 4.2),
  ``g_k(lambda) = (1 - (1 - eta lambda)^k) / lambda = f_k(lambda) / lambda``,
  with the step ``eta`` of Lemma 4.2, and the residual norms of eq. 4.4.

Pure numpy: used by :mod:`~sklearn_rfnet.solvers`, the cross-validation
estimators and :mod:`~sklearn_rfnet.diagnostics`.
"""

from __future__ import annotations

import math

import numpy as np

from ._blas import dot

__all__ = [
    "landweber_curve",
    "landweber_filter",
    "checked_landweber_step",
    "landweber_gains",
    "landweber_residuals",
    "landweber_step",
    "landweber_steps_to",
    "optimal_step_size",
    "ridge_gains",
    "ridge_gcv_errors",
    "ridge_loo_residuals",
    "ridge_loo_squared_errors",
]


def optimal_step_size(lambda_min, lambda_max):
    """Step ``eta = 2 / (lambda_min + lambda_max)`` of Lemma 4.2 / Remark 6.

    Parameters
    ----------
    lambda_min, lambda_max : float
        Extreme eigenvalues of ``H_hat`` (for a singular ``H_hat`` pass the
        smallest non-zero eigenvalue: the step is then optimal on the range
        of ``Z``, where gradient descent acts).

    Returns
    -------
    eta : float

    Examples
    --------
    >>> optimal_step_size(1.0, 3.0)
    0.5
    """
    lambda_min, lambda_max = float(lambda_min), float(lambda_max)
    if not lambda_max > 0.0:
        raise ValueError("lambda_max must be positive: H_hat is zero.")
    return 2.0 / (max(lambda_min, 0.0) + lambda_max)


def landweber_step(summary, step_size=None):
    """The Landweber step ``eta`` for a spectrum.

    Parameters
    ----------
    summary : SpectralSummary
        Spectrum of the Gram matrix.
    step_size : float, "optimal" or None
        A number is returned unchanged. ``"optimal"`` is the step of
        Lemma 4.2, ``2 / (lambda_min_nonzero + lambda_max)``, which minimizes
        the worst contraction factor ``max_j |1 - eta lambda_j|``.
        ``None`` is ``1 / lambda_max``: every factor ``1 - eta lambda_j``
        lies in ``[0, 1)``, so every component converges monotonically and
        the top one in a single step. With the optimal step the top
        component's factor is ``1 - 2 kappa / (1 + kappa) ~ -1`` for a large
        condition number ``kappa``: it oscillates and, after an even number
        of steps, is barely fitted, while the smallest components gain at
        most a factor 2 in speed.

    Returns
    -------
    eta : float
        1.0 when ``Z = 0`` (nothing moves whatever the step).

    Examples
    --------
    >>> from sklearn_rfnet.diagnostics import spectral_summary
    >>> s = spectral_summary([1.0, 3.0], n=2, m=10)
    >>> landweber_step(s), landweber_step(s, "optimal")
    (0.3333333333333333, 0.5)
    """
    if step_size is not None and not isinstance(step_size, str):
        return float(step_size)
    if not summary.lambda_max > 0:
        return 1.0
    if step_size == "optimal":
        return optimal_step_size(summary.lambda_min_nonzero, summary.lambda_max)
    return 1.0 / summary.lambda_max


def checked_landweber_step(summary, step_size=None):
    """:func:`landweber_step`, with a given number checked for convergence.

    Parameters
    ----------
    summary : SpectralSummary
        Spectrum of the Gram matrix.
    step_size : float, "optimal" or None, default=None
        As in :func:`landweber_step`.

    Returns
    -------
    eta : float

    Raises
    ------
    ValueError
        When a number is not in ``(0, 2 / lambda_max)``, where gradient
        descent diverges (Theorem 4.3).

    Examples
    --------
    >>> from sklearn_rfnet.diagnostics import spectral_summary
    >>> s = spectral_summary([1.0, 4.0], 2, 2)
    >>> checked_landweber_step(s), checked_landweber_step(s, 0.4)
    (0.25, 0.4)
    """
    eta = landweber_step(summary, step_size)
    eta_max = 2.0 / summary.lambda_max if summary.lambda_max > 0 else math.inf
    if not isinstance(step_size, str | None) and not 0.0 < eta < eta_max:
        raise ValueError(
            f"step_size={eta:.6g} is not in (0, 2 / lambda_max) = "
            f"(0, {eta_max:.6g}): gradient descent would diverge (Theorem 4.3)."
        )
    return eta


def landweber_gains(lam, eta, ks):
    """Landweber gains ``g_k(lambda) = (1 - (1 - eta lambda)^k) / lambda``.

    ``k`` gradient steps from ``alpha_0 = 0`` apply the gain ``g_k`` to the
    eigenpair ``(lambda, u)`` of the Gram matrix (Lemma A.6 in the row space
    of ``Z``). Exact for every eigenvalue, the tiny and the zero ones
    included: ``g_k(lambda) = eta * (-expm1(k log1p(-x)) / x)`` with
    ``x = eta lambda``, which tends to ``k eta`` as ``lambda -> 0`` (gradient
    descent moves along an eigenvector of eigenvalue ``lambda`` by about
    ``k eta lambda``; a gain of 0 there would drift from it linearly in
    ``k``). ``x >= 1`` (possible for ``eta`` up to ``2 / lambda_max``) uses
    the power form, where there is no cancellation.

    Parameters
    ----------
    lam : array_like of shape (n,)
        Eigenvalues (tiny negative values from rounding are treated as 0).
    eta : float
        Step size.
    ks : int or array_like of int
        Step count(s).

    Returns
    -------
    gains : ndarray of shape (n,) for a scalar ``ks``, else (len(ks), n)

    Examples
    --------
    >>> landweber_gains([1.0, 0.0], eta=0.5, ks=2)
    array([0.75, 1.  ])
    """
    lam = np.maximum(np.asarray(lam, dtype=np.float64), 0.0)
    scalar = np.ndim(ks) == 0
    k = np.atleast_1d(np.asarray(ks, dtype=np.float64))[:, None]
    x = eta * lam
    gains = np.empty((k.shape[0], lam.size))
    small = x < 1.0
    xs = x[small]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = -np.expm1(k * np.log1p(-xs)) / xs  # (1 - (1-x)^k) / x
    ratio = np.where(xs == 0.0, k, ratio)  # the limit k as x -> 0
    gains[:, small] = eta * ratio
    big = ~small
    gains[:, big] = (1.0 - np.power(1.0 - x[big], k)) / lam[big]
    return gains[0] if scalar else gains


def landweber_filter(eigenvalues, eta, k):
    """Landweber filter values ``f_k = 1 - (1 - eta lambda_j)^k`` (eq. 4.2, 4.3).

    Gradient descent from ``alpha_0 = 0`` gives
    ``alpha_k = V f_k(Sigma) Sigma^{-1} U^T y`` (Lemma A.6): ``f_k = 1`` on
    every singular value means ``alpha_k`` is the minimum-norm solution.

    Parameters
    ----------
    eigenvalues : array_like
        Eigenvalues ``lambda_j = sigma_j^2`` of ``H_hat``.
    eta : float
        Step size.
    k : int or array_like of int
        Iteration count(s); the result is ``(len(k), len(eigenvalues))`` when
        ``k`` is 1-D.

    Returns
    -------
    f : ndarray

    Examples
    --------
    >>> landweber_filter([1.0, 0.5], eta=1.0, k=2)
    array([1.  , 0.75])
    """
    lam = np.asarray(eigenvalues, dtype=np.float64)
    k_arr = np.asarray(k)
    if k_arr.ndim == 1:
        return 1.0 - np.power((1.0 - eta * lam)[None, :], k_arr[:, None])
    return 1.0 - np.power(1.0 - eta * lam, int(k_arr))


def ridge_gains(lam, alphas, threshold):
    """Ridge gains ``g(lambda) = 1 / (lambda + alpha)``, one row per ``alpha``.

    For ``alpha = 0`` eigenvalues at or below ``threshold`` get gain 0: the
    pseudo-inverse, which gives the minimum-norm least-squares solution
    (eq. 2.5).

    Parameters
    ----------
    lam : array_like of shape (n,)
        Eigenvalues of the Gram matrix.
    alphas : array_like of shape (n_alphas,)
        Ridge strengths, ``>= 0``.
    threshold : float
        Rank threshold for ``alpha = 0``.

    Returns
    -------
    gains : ndarray of shape (n_alphas, n)

    Examples
    --------
    >>> ridge_gains([2.0, 0.0], [0.0, 1.0], threshold=1e-12)
    array([[0.5       , 0.        ],
           [0.33333333, 1.        ]])
    """
    lam = np.asarray(lam, dtype=np.float64)
    lam_c = np.maximum(lam, 0.0)
    alphas = np.asarray(alphas, dtype=np.float64)
    gains = np.zeros((alphas.size, lam.size))
    keep = lam > threshold
    for a, alpha in enumerate(alphas):
        if alpha > 0:
            gains[a] = 1.0 / (lam_c + alpha)
        else:
            gains[a, keep] = 1.0 / lam[keep]
    return gains


def ridge_loo_residuals(lam, U, Y, alphas):
    """Leave-one-out residuals of ridge, from one eigendecomposition.

    ``e_i = (G y)_i / G_ii`` with ``G = U diag(1 / (lambda + alpha)) U^T`` is
    the residual ``y_i - yhat_{-i}`` at ``x_i`` of the ridge fit on the
    other ``n - 1`` rows (exact: ``G`` is the inverse of ``H_hat + alpha I``
    and ``1 / G_ii`` the Schur complement that drops row ``i``; the identity
    behind :class:`~sklearn.linear_model.RidgeCV`). With an unpenalized
    intercept the same formula holds with ``U`` spanning ``1^perp`` (the
    eigenvectors of the centered ``P H_hat P``) and centered ``Y``. It needs
    ``H_hat + alpha I`` nonsingular on the span of ``U``.

    Parameters
    ----------
    lam : ndarray of shape (k,)
        Eigenvalues (clipped at 0).
    U : ndarray of shape (n, k)
        Orthonormal eigenvectors.
    Y : ndarray of shape (n, t)
        Targets (centered with an intercept).
    alphas : array_like of shape (n_alphas,)
        Ridge strengths.

    Returns
    -------
    e : ndarray of shape (n_alphas, n, t)
        The residuals ``y_i - yhat_{-i}``.

    Examples
    --------
    >>> import numpy as np
    >>> ridge_loo_residuals(np.ones(2), np.eye(2), np.ones((2, 1)), [1.0])[0]
    array([[1.],
           [1.]])
    """
    lam_c = np.maximum(np.asarray(lam, dtype=np.float64), 0.0)
    alphas = np.asarray(alphas, dtype=np.float64).reshape(-1)
    Y = np.asarray(Y, dtype=np.float64)
    (n, t), k, n_a = Y.shape, lam_c.size, alphas.size
    P = dot(U.T, Y)  # (k, t)
    gains = 1.0 / (lam_c[:, None] + alphas)  # (k, n_alphas)
    # every alpha in two GEMMs (one pass over U each, not two per alpha)
    fits = dot(U, (gains[:, :, None] * P[:, None, :]).reshape(k, n_a * t))
    diag = dot(U**2, gains)  # (n, n_alphas): the diagonal of G per alpha
    out = fits.reshape(n, n_a, t) / diag[:, :, None]
    return np.ascontiguousarray(out.transpose(1, 0, 2))


def ridge_loo_squared_errors(lam, U, Y, alphas):
    """Leave-one-out squared residuals of ridge (:func:`ridge_loo_residuals`).

    Parameters
    ----------
    lam : ndarray of shape (k,)
        Eigenvalues (clipped at 0).
    U : ndarray of shape (n, k)
        Orthonormal eigenvectors.
    Y : ndarray of shape (n, t)
        Targets (centered with an intercept).
    alphas : array_like of shape (n_alphas,)
        Ridge strengths.

    Returns
    -------
    sq : ndarray of shape (n, n_alphas)
        Squared residuals, averaged over targets.

    Examples
    --------
    >>> import numpy as np
    >>> ridge_loo_squared_errors(np.ones(2), np.eye(2), np.ones((2, 1)), [1.0])
    array([[1.],
           [1.]])
    """
    return np.mean(ridge_loo_residuals(lam, U, Y, alphas) ** 2, axis=2).T


def ridge_gcv_errors(lam, B, alphas, YtY, n, intercept=False):
    """Generalized cross-validation of ridge per ``alpha``, from statistics.

    ``GCV(alpha) = n RSS / (n - tr S)^2`` (Golub, Heath and Wahba, 1979):
    leave-one-out with every leverage replaced by their mean, the form that
    needs no second pass over the rows. With ``Z^T Z = V diag(lam) V^T``
    and ``B = V^T Z^T Y``, ``RSS = Y^T Y - sum_j B_j^2 (2 g_j - lam_j g_j^2)``
    and ``tr S = sum_j lam_j g_j`` (+1 for an unpenalized intercept),
    ``g = 1 / (lam + alpha)``.

    Parameters
    ----------
    lam : ndarray of shape (m,)
        Eigenvalues of ``Z^T Z`` (centered with an intercept).
    B : ndarray of shape (m, n_targets)
        ``V^T Z^T Y``.
    alphas : ndarray of shape (n_alphas,)
        Ridge strengths.
    YtY : ndarray of shape (n_targets, n_targets) or float
        ``Y^T Y`` (centered with an intercept).
    n : int
        Number of rows.
    intercept : bool, default=False
        Whether the fit has an unpenalized intercept.

    Returns
    -------
    errors : ndarray of shape (n_alphas,)
        In the units of the mean squared leave-one-out error, averaged over
        targets.

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> y = np.array([1.0, 2.0, 2.5])
    >>> lam, V = np.linalg.eigh(Z.T @ Z)
    >>> B = V.T @ (Z.T @ y)[:, None]
    >>> S = Z @ np.linalg.solve(Z.T @ Z + 10.0 * np.eye(2), Z.T)  # hat matrix
    >>> gcv = 3 * np.sum((y - S @ y) ** 2) / (3 - np.trace(S)) ** 2
    >>> bool(np.isclose(ridge_gcv_errors(lam, B, [10.0], y @ y, 3)[0], gcv))
    True
    """
    yty = np.diagonal(np.atleast_2d(YtY))
    errors = []
    for a in np.asarray(alphas, dtype=np.float64):
        g = 1.0 / (lam + a)
        rss = yty - np.sum(B**2 * (2 * g - lam * g * g)[:, None], axis=0)
        dof = np.sum(lam * g) + (1.0 if intercept else 0.0)
        errors.append(np.mean(np.maximum(rss, 0.0)) * n / max(n - dof, 1e-300) ** 2)
    return np.asarray(errors)


def landweber_residuals(eigenvalues, projections, eta, ks):
    """Residual norms ``||Z alpha_k - y||`` of gradient descent (eq. 4.4).

    ``||Z alpha_k - y||^2 = sum_j (u_j^T y)^2 (1 - eta lambda_j)^(2k)``.

    Parameters
    ----------
    eigenvalues : array_like of shape (n,)
        Eigenvalues of ``H_hat``.
    projections : array_like of shape (n,) or (n, n_targets)
        ``U^T y``, the targets in the eigenbasis of ``H_hat``.
    eta : float
        Step size.
    ks : array_like of int
        Iteration counts.

    Returns
    -------
    residuals : ndarray of shape (len(ks),)
        Frobenius norms of the residual at each ``k``.

    Examples
    --------
    >>> landweber_residuals([1.0, 0.5], [1.0, 1.0], eta=1.0, ks=[0, 1])
    array([1.41421356, 0.5       ])
    """
    lam = np.asarray(eigenvalues, dtype=np.float64)
    p = np.asarray(projections, dtype=np.float64).reshape(lam.size, -1)
    scale = float(np.max(np.abs(p))) if p.size else 0.0
    if scale == 0.0:
        return np.zeros(np.shape(ks))
    p2 = np.sum((p / scale) ** 2, axis=1)  # scaled: no overflow for |y| ~ 1e300
    with np.errstate(divide="ignore"):
        log_q = np.log(np.abs(1.0 - eta * lam))  # -inf where 1 - eta lambda = 0
    ks = np.asarray(ks, dtype=np.float64)
    out = np.empty(ks.shape)
    # chunk over k so that the (len(ks), n) work array stays small
    step = max(1, (1 << 20) // max(lam.size, 1))
    with np.errstate(invalid="ignore", under="ignore"):
        for s in range(0, ks.size, step):
            kk = ks[s : s + step, None]
            w = np.exp(2.0 * kk * log_q)  # (1 - eta lambda)^(2k)
            w[:, log_q == -np.inf] = np.where(kk == 0, 1.0, 0.0)
            out[s : s + step] = np.sqrt(w @ p2) * scale
    return out


def landweber_steps_to(lam, weights, eta, tol, floor=0.0):
    """Steps of Landweber needed for a relative residual ``<= tol`` (eq. 4.4).

    The smallest ``k`` with ``sqrt(sum_j w_j (1 - eta lambda_j)^(2k) + floor)
    <= tol``, found by bisection on the closed form (the residual does not
    increase with ``k`` for ``0 < eta < 2 / lambda_max``); ``math.inf`` when
    no number of steps reaches it (``floor >= tol^2``: a part of ``y`` outside
    the range of ``Z``, or weight on an eigenvalue that the step does not
    contract).

    Parameters
    ----------
    lam : ndarray of shape (p,)
        Eigenvalues.
    weights : ndarray of shape (p,)
        Squared relative projections of ``y`` on the eigenvectors.
    eta : float
        Step size.
    tol : float
        Target relative residual, ``> 0``.
    floor : float, default=0.0
        Squared relative residual no step removes.

    Returns
    -------
    k : int or float
        The number of steps, or ``math.inf``.

    Examples
    --------
    >>> landweber_steps_to(np.array([1.0, 0.01]), np.array([0.5, 0.5]), 1.0, 1e-3)
    653
    """
    lam = np.asarray(lam, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    with np.errstate(divide="ignore"):
        log_q = np.log(np.abs(1.0 - eta * lam))
    live = w > 0
    w, log_q = w[live], log_q[live]
    target = tol * tol - floor
    if target <= 0 or np.any(log_q >= 0.0):
        return math.inf

    def squared(k):  # k >= 1; log_q = -inf (a component removed) gives 0
        with np.errstate(under="ignore"):
            return float(np.sum(w * np.exp(2.0 * k * log_q)))

    if float(np.sum(w)) <= target:
        return 0
    hi = 1.0
    while squared(hi) > target:
        hi *= 2.0
        if hi > _STEPS_MAX:  # beyond any run: as good as never
            return math.inf
    lo = hi / 2.0
    while hi - lo > 1.0:
        mid = math.floor(0.5 * (lo + hi))
        lo, hi = (lo, mid) if squared(mid) <= target else (mid, hi)
    return int(hi)


# landweber_steps_to gives up beyond this many steps (math.inf)
_STEPS_MAX = 2.0**53


# Steps per block of the Landweber loss curve (see landweber_curve).
_CURVE_BLOCK_MAX = 4096
# Entries of one work array of the loss curve (E, one slab of V, of r^2): 8 MiB.
_CURVE_SLAB = 1 << 20


def landweber_curve(lam, weights, eta, max_iter, tol, floor=0.0):
    """Relative residuals of Landweber from ``alpha_0 = 0`` and the stopping step.

    ``r_k^2 = floor + sum_j w_j q_j^(2k)`` with ``q_j = 1 - eta lambda_j`` and
    ``w_j = (u_j^T y)^2 / ||y||^2`` (eq. 4.4; ``floor`` is the relative part
    of ``y`` outside the eigenvectors listed, which no step changes), for
    ``k = 0 .. n_iter``: ``n_iter`` is the first ``k <= max_iter`` with
    ``r_k <= tol`` (``tol > 0``), else ``max_iter``.

    Writing ``k = s + j`` with ``s`` a multiple of a block length ``K``,
    ``q^(2k) = q^(2s) q^(2j)``: with ``V[c, i] = w_i q_i^(2 s_c)`` and
    ``E[i, j] = q_i^(2j)`` (``n x K``), row ``c`` of the GEMM ``V E`` is the
    block of ``r^2`` that starts at ``s_c``, and the rows laid end to end are
    the curve. Every entry is a product of two exponentials, as accurate as
    ``exp(2 k log|q|)`` itself; ``10**7`` steps cost ``2 10**7 n`` flops in
    BLAS plus ``2 sqrt(10**7) n`` exponentials, instead of ``10**7 n``
    exponentials. Work arrays hold at most ``_CURVE_SLAB`` entries; the curve
    is written in place, in order, and stops at the slab where ``tol`` is met.

    Parameters
    ----------
    lam : ndarray of shape (n,)
        Eigenvalues (clipped at 0).
    weights : ndarray of shape (n,)
        Relative squared projections ``w_j``.
    eta : float
        Step size.
    max_iter : int
        Largest step count.
    tol : float
        Relative-residual tolerance (0: run to ``max_iter``).
    floor : float, default=0.0
        Constant relative squared residual.

    Returns
    -------
    n_iter : int
    curve : ndarray of shape (n_iter + 1,)
    """
    lam = np.maximum(np.asarray(lam, dtype=np.float64), 0.0)
    n = lam.size
    w = np.asarray(weights, dtype=np.float64)
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
        r2 = (V @ E).reshape(-1)[: total - done] + floor
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
