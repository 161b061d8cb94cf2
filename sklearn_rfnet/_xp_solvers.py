"""The solvers of :mod:`sklearn_rfnet.solvers` for array API input.

Arrays in (the features of :class:`~sklearn_rfnet._xp.XPFeatures`, targets in
their namespace), :class:`~sklearn_rfnet.solvers.DirectResult` /
:class:`~sklearn_rfnet.solvers.LandweberResult` out, with ``coef`` (and an
array ``intercept``) in the namespace. The formulas are those of the numpy
solvers; where LAPACK has no array API equivalent the fallback is said in
:mod:`sklearn_rfnet._xp`. Small host transfers only: eigenvalues, Landweber
projections (``p x t``), leave-one-out errors (one number per ``alpha``).
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.utils._array_api import _add_to_diagonal, move_to

from . import _spectral
from .diagnostics import SpectralSummary, spectral_summary
from .solvers import (
    DirectResult,
    LandweberResult,
    _print_landweber,
    _warn_conditioning,
    _warn_landweber_stop,
)

__all__ = ["solve_direct", "solve_landweber", "solve_ridge_loo"]

# Cholesky while kappa(Gram + alpha I) stays below this (as the numpy path).
_CHOLESKY_COND_MAX = {"float64": 1e6, "float32": 1e4}
# Up to this order the spectrum comes from xp.linalg.eigvalsh; above, the
# extreme eigenvalues from Lanczos on the device (as the numpy path's
# _DENSE_SPECTRUM_MAX, where ARPACK runs), with eigvalsh as the fallback.
_DENSE_SPECTRUM_MAX = 500
_LANCZOS_TOL = 1e-10
_LANCZOS_STEPS = 300


def _dtype_name(xp, dtype):
    return "float32" if dtype == xp.float32 else "float64"


def _to_host(a):
    if not isinstance(a, np.ndarray):
        a = move_to(a, xp=np, device="cpu")
    return np.asarray(a, dtype=np.float64)


# --------------------------------------------------------------------------
# Linear algebra in xp


def _householder(n, xp, dev, dtype):
    """``v`` and ``beta`` of the reflector ``Q = I - beta v v^T`` with
    ``Q 1 = -sqrt(n) e_1`` (see ``_direct._centered_eigh``)."""
    v = xp.ones((n,), dtype=dtype, device=dev)
    v = xp.concat([v[:1] + math.sqrt(n), v[1:]])
    return v, 2.0 / float(xp.sum(v * v))


def _reduce(H, v, beta, xp):
    """``(Q H Q)[1:, 1:]``: ``H`` on ``1^perp`` in the basis ``Q e_2..e_n``
    (a rank-two update of ``H``'s trailing block, which it overwrites)."""
    Hv = H @ v
    w = beta * Hv - (0.5 * beta**2 * float(xp.sum(v * Hv))) * v
    v1, w1 = v[1:, None], w[1:, None]
    A = H[1:, 1:]
    A -= v1 @ w1.T
    A -= w1 @ v1.T
    return A


def _reduce_rhs(Y, v, beta):
    """``(Q Y)[1:]``."""
    return (Y - beta * v[:, None] * (v[None, :] @ Y))[1:, :]


def _expand(Cr, v, beta, xp):
    """``Q [0; Cr]``: back from the basis of ``1^perp`` (orthogonal to 1)."""
    zero = xp.zeros((1, Cr.shape[1]), dtype=Cr.dtype, device=Cr.device)
    return xp.concat([zero, Cr], axis=0) - beta * v[:, None] * (v[None, 1:] @ Cr)


def _solve_triangular(L, B, xp, *, upper):
    """Triangular solve: torch's and cupy's own, else ``xp.linalg.solve``."""
    name = getattr(xp, "__name__", "")
    if "torch" in name:
        import torch

        return torch.linalg.solve_triangular(L, B, upper=upper)
    if "cupy" in name:  # pragma: no cover - no GPU in CI
        from cupyx.scipy.linalg import solve_triangular

        return solve_triangular(L, B, lower=not upper)
    return xp.linalg.solve(L, B)


def _cholesky(A, alpha, xp):
    """Lower Cholesky factor of ``A + alpha I``, or None when it fails; ``A``
    is restored before returning."""
    if alpha:
        _add_to_diagonal(A, alpha, xp)
    try:
        L = xp.linalg.cholesky(A)
    except Exception:  # noqa: BLE001 - each library raises its own LinAlgError
        return None
    finally:
        if alpha:
            _add_to_diagonal(A, -alpha, xp)
    return L if bool(xp.all(xp.isfinite(L))) else None


def _cho_solve(L, B, xp):
    """``(L L^T)^{-1} B``: two triangular solves."""
    X = _solve_triangular(L, B, xp, upper=False)
    return _solve_triangular(L.T, X, xp, upper=True)


def _lanczos_max(matvec, p, xp, dev, dtype):
    """The largest eigenvalue of a symmetric positive semi-definite operator.

    Lanczos from ``1 / sqrt(p)`` with full reorthogonalization (two passes of
    classical Gram-Schmidt), the products on the device and the tridiagonal
    ``T_k`` on the host; stops when the residual ``beta_k |s_k|`` of the top
    Ritz pair is below ``_LANCZOS_TOL`` times its value (the error of the
    value is then far smaller), on an invariant subspace, or after
    ``_LANCZOS_STEPS`` steps (the best Ritz value so far: a lower bound).
    """
    from scipy.linalg import eigh_tridiagonal

    steps = min(_LANCZOS_STEPS, p)
    Q = xp.zeros((p, steps), dtype=dtype, device=dev)
    q = xp.ones((p,), dtype=dtype, device=dev) / math.sqrt(p)
    diag, off = [], []
    theta = 0.0
    for k in range(steps):
        Q[:, k] = q
        w = matvec(q)
        diag.append(float(xp.sum(w * q)))
        Qk = Q[:, : k + 1]
        for _ in range(2):
            w = w - Qk @ (Qk.T @ w)
        b = float(xp.sqrt(xp.sum(w * w)))
        vals, vecs = eigh_tridiagonal(np.array(diag), np.array(off))
        theta = float(vals[-1])
        if b * abs(vecs[-1, -1]) <= _LANCZOS_TOL * abs(theta) or b == 0.0:
            break
        off.append(b)
        q = w / b
    return theta


def _extremes(A, L0, xp):
    """``(lambda_min, lambda_max)`` of ``A`` by Lanczos on ``A`` and on
    ``A^{-1}`` through its Cholesky factor ``L0`` (the numpy path's
    ``_extreme_eigenvalues`` without ARPACK)."""
    p, dev, dt = A.shape[0], A.device, A.dtype
    lam_max = _lanczos_max(lambda x: A @ x, p, xp, dev, dt)
    mu = _lanczos_max(lambda x: _cho_solve(L0, x[:, None], xp)[:, 0], p, xp, dev, dt)
    return (1.0 / mu if mu > 0 else 0.0), lam_max


def _spectrum_and_factor(A, alpha, n, m, xp):
    """The spectral summary of ``A`` and the Cholesky factor of ``A + alpha
    I`` when it is well conditioned (else None).

    Up to order ``_DENSE_SPECTRUM_MAX`` all eigenvalues from
    ``xp.linalg.eigvalsh``. Above, the factor first (``p^3 / 3``), then
    ``lambda_max`` and ``lambda_min`` by Lanczos (``O(p^2)`` per step); the
    unshifted ``A`` is factored once more for ``lambda_min`` under a ridge,
    whose digits ``alpha`` would hide. A singular ``A`` (``lambda_min`` at
    the rank threshold, or no unshifted factor) takes the full
    ``eigvalsh``, which the rank needs.
    """
    p = A.shape[0]
    limit = _CHOLESKY_COND_MAX[_dtype_name(xp, A.dtype)]

    def dense():
        lam = np.sort(_to_host(xp.linalg.eigvalsh(A)))
        summary = spectral_summary(lam, n, m, size=p)
        lo, hi = float(lam[0]) + alpha, float(lam[-1]) + alpha
        return summary, (hi / lo if lo > 0 else math.inf)

    if p <= _DENSE_SPECTRUM_MAX:
        summary, cond = dense()
        L = _cholesky(A, alpha, xp) if p and cond <= limit else None
        return summary, cond, L
    L = _cholesky(A, alpha, xp)
    L0 = L if (L is None or not alpha) else _cholesky(A, 0.0, xp)
    if L0 is None:
        summary, cond = dense()
    else:
        lam_min, lam_max = _extremes(A, L0, xp)
        del L0
        thr = spectral_summary([lam_max], n, m, size=p).threshold
        if lam_min > thr:
            summary = SpectralSummary(
                lam_min, lam_max, lam_min, lam_max / lam_min, p, thr
            )
            cond = (lam_max + alpha) / (lam_min + alpha)
        else:
            summary, cond = dense()
    return summary, cond, (L if cond <= limit else None)


def _intercept(y_mean, mu, coef, xp):
    if y_mean is None:
        return 0.0
    b = y_mean - mu[None, :] @ coef  # (1, t)
    return b[0, :]


# --------------------------------------------------------------------------
# Solvers in xp: arrays in, DirectResult / LandweberResult out


def _system(feats, Y, center):
    """The Gram matrix of the regime, on ``1^perp`` in the centered dual.

    Returns ``(A, rhs, full, finish)``: ``A`` is ``H_hat`` (or, with an
    intercept, its reduction to ``1^perp``, which needs no centered
    features: ``Q`` maps ``1`` to ``e_1``), or ``Z_c^T Z_c``; ``full`` maps a
    solution of ``A C = rhs`` (or eigenvectors of ``A``) back to
    ``n``-space (orthogonal to ``1``) in the dual; ``finish(C)`` gives
    ``(coef, mu)`` from the full ``C``.
    """
    xp = feats.xp
    n = feats.shape[0]
    if feats.regime == "dual":
        H, mu = feats.gram_dual(center)

        def finish(C):
            return feats.rmatmat(C), mu

        if not center:
            return H, Y, (lambda C: C), finish
        v, beta = _householder(n, xp, feats.dev, H.dtype)
        A = _reduce(H, v, beta, xp)  # a view of H, overwritten
        return A, _reduce_rhs(Y, v, beta), (lambda C: _expand(C, v, beta, xp)), finish
    G, ZtY, mu = feats.gram_primal(Y, center)
    return G, ZtY, (lambda C: C), (lambda C: (C, mu))


def _center(Y, center, xp):
    if not center:
        return Y, None
    y_mean = xp.mean(Y, axis=0)
    return Y - y_mean, y_mean


def _shape_out(a, Y_shape):
    return a[:, 0] if len(Y_shape) == 1 else a


def solve_direct(feats, Y, alpha, *, fit_intercept=False):
    """Ridge / minimum-norm solution of (2.4) in ``xp`` (see the module doc)."""
    xp = feats.xp
    n, m = feats.shape
    shape = Y.shape
    Y2 = xp.reshape(Y, (n, -1))
    Yc, y_mean = _center(Y2, fit_intercept, xp)
    A, rhs, full, finish = _system(feats, Yc, fit_intercept)
    p = A.shape[0]
    alpha = float(alpha)
    summary, cond, L = _spectrum_and_factor(A, alpha, n, m, xp)
    C = None if L is None else _cho_solve(L, rhs, xp)
    del L
    if C is not None and not bool(xp.all(xp.isfinite(C))):
        C = None
    method = "cholesky"
    if C is None:  # ill-conditioned: the pseudo-inverse from eigh
        method = "eigh"
        lam_e, U = xp.linalg.eigh(A)
        del A
        gains = _spectral.ridge_gains(_to_host(lam_e), [alpha], summary.threshold)[0]
        g = xp.asarray(gains, dtype=U.dtype, device=feats.dev)
        C = U @ (g[:, None] * (U.T @ rhs))
        lam_kept = summary.lambda_min_nonzero if summary.rank else 0.0
        cond = (summary.lambda_max + alpha) / (lam_kept + alpha) if p else 1.0
        del U
    coef, mu = finish(full(C))
    intercept = _intercept(y_mean, mu, coef, xp)
    solver = f"{feats.regime}-{method}"
    result = DirectResult(
        _shape_out(coef, shape),
        summary,
        solver,
        cond,
        0,
        _scalar_intercept(intercept, shape),
        alpha,
    )
    if alpha == 0.0:
        _warn_conditioning(summary, n, m, solver, cond, bool(fit_intercept))
    return result


def _scalar_intercept(b, shape):
    if isinstance(b, float):
        return b
    return float(b[0]) if len(shape) == 1 else b


def solve_ridge_loo(feats, Y, alphas, *, fit_intercept=False):
    """Ridge with its strength chosen by exact leave-one-out, in ``xp``.

    The formulas of :func:`~sklearn_rfnet.solvers.solve_ridge_loo`, from one
    ``xp.linalg.eigh``; the errors (one number per ``alpha``) come back to
    the host to choose.
    """
    xp = feats.xp
    n, m = feats.shape
    alphas = np.asarray(alphas, dtype=np.float64).ravel()
    n_min = 2 + bool(fit_intercept)
    if n < n_min:
        raise ValueError(
            f"Choosing alpha by leave-one-out needs at least {n_min} samples, "
            f"got n_samples={n}; pass a number as alpha."
        )
    shape = Y.shape
    Y2 = xp.reshape(Y, (n, -1))
    Yc, y_mean = _center(Y2, fit_intercept, xp)
    dev, dt = feats.dev, Y2.dtype
    if feats.regime == "dual":
        A, rhs, full, finish = _system(feats, Yc, fit_intercept)
        lam, U = xp.linalg.eigh(A)
        del A
        lam = xp.clip(lam, min=0.0)
        P = U.T @ rhs  # = U^T y_c
        U = full(U)  # Q [0; U] spans 1^perp with an intercept
        U2 = U * U
        errors = np.empty(alphas.size)
        for a, alpha in enumerate(alphas):
            g = 1.0 / (lam + float(alpha))
            e = (U @ (g[:, None] * P)) / (U2 @ g)[:, None]
            errors[a] = float(xp.mean(e * e))
        del U2
        best = int(np.argmin(errors))
        coef, mu = finish(U @ (P / (lam + float(alphas[best]))[:, None]))
        del U
    else:
        G, ZtY, mu = feats.gram_primal(Yc, fit_intercept)
        lam, V = xp.linalg.eigh(G)
        del G
        lam = xp.clip(lam, min=0.0)
        B = V.T @ ZtY
        a_dev = xp.asarray(alphas, dtype=dt, device=dev)
        G_inv = 1.0 / (lam[:, None] + a_dev[None, :])  # (m, n_alphas)
        lev0 = 1.0 / n if fit_intercept else 0.0
        sq = xp.zeros((alphas.size,), dtype=dt, device=dev)
        for sl, Z in feats.row_blocks():
            Q = (Z - mu if fit_intercept else Z) @ V
            lev = lev0 + (Q * Q) @ G_inv
            rows = []
            for a in range(alphas.size):
                fit = Q @ (G_inv[:, a : a + 1] * B)
                e = (Yc[sl, :] - fit) / (1.0 - lev[:, a : a + 1])
                rows.append(xp.sum(e * e))
            sq = sq + xp.stack(rows)
        errors = _to_host(sq) / (n * Y2.shape[1])
        best = int(np.argmin(errors))
        coef = V @ (B / (lam + float(alphas[best]))[:, None])
    lam_h = _to_host(lam)
    summary = spectral_summary(lam_h, n, m, size=lam_h.size)
    ridge = float(alphas[best])
    cond = (summary.lambda_max + ridge) / (max(summary.lambda_min, 0.0) + ridge)
    intercept = _intercept(y_mean, mu, coef, xp)
    result = DirectResult(
        _shape_out(coef, shape),
        summary,
        f"{feats.regime}-eigh-loo",
        cond,
        0,
        _scalar_intercept(intercept, shape),
        ridge,
    )
    result.loo_errors = errors
    return result


def solve_landweber(
    feats, Y, *, step_size=None, max_iter=1000, tol=1e-10, fit_intercept=False,
    verbose=0,
):  # fmt: skip
    """Landweber's closed form (:func:`~sklearn_rfnet.solvers.solve_landweber`)
    in ``xp``: one ``xp.linalg.eigh``; the loss curve and the stopping step
    from the eigenvalues and projections on the host (``p`` numbers)."""
    xp = feats.xp
    n, m = feats.shape
    shape = Y.shape
    dual = feats.regime == "dual"
    solver = f"{feats.regime}-landweber"
    Y2 = xp.reshape(Y, (n, -1))
    Yc, y_mean = _center(Y2, fit_intercept, xp)
    y_scale = float(xp.max(xp.abs(Yc))) if n else 0.0
    Ys = Yc / y_scale if y_scale > 0 else Yc
    A, rhs, full, finish = _system(feats, Ys, fit_intercept)
    lam, U = xp.linalg.eigh(A)
    del A
    lam_h = _to_host(lam)
    p = lam_h.size
    summary = spectral_summary(lam_h, n, m, size=p)
    eta = _spectral.checked_landweber_step(summary, step_size)
    n_eff = n - bool(fit_intercept)
    if summary.rank < min(n_eff, m):
        _warn_conditioning(
            summary, n, m, solver, summary.condition_number, bool(fit_intercept)
        )
    y_norm = float(xp.sqrt(xp.sum(Ys * Ys)))
    if y_norm == 0.0:
        coef = xp.zeros((m, Y2.shape[1]), dtype=Y2.dtype, device=feats.dev)
        _, mu = finish(full(xp.zeros_like(rhs)))
        b = _intercept(y_mean, mu, coef, xp)
        return LandweberResult(
            _shape_out(coef, shape), 0, np.zeros(1), eta, summary, lam_h,
            "zero_y", solver, _scalar_intercept(b, shape),
        )  # fmt: skip
    P = U.T @ rhs  # dual: U^T y; primal: V^T Z^T y
    P_h = _to_host(P)
    if dual:
        weights = np.sum((P_h / y_norm) ** 2, axis=1)
        curve_lam, floor = lam_h, 0.0
    else:
        live = lam_h > summary.threshold
        weights = np.sum((P_h[live] / y_norm) ** 2, axis=1) / lam_h[live]
        curve_lam = lam_h[live]
        floor = max(0.0, 1.0 - float(np.sum(weights)))
    n_iter, loss_curve = _spectral.landweber_curve(
        curve_lam, weights, eta, max_iter, tol, floor
    )
    reason = "tol" if tol > 0 and loss_curve[-1] <= tol else "max_iter"
    gain = _spectral.landweber_gains(lam_h, eta, n_iter)
    g = xp.asarray(gain, dtype=P.dtype, device=feats.dev)
    coef, mu = finish(full(U @ (g[:, None] * P)))
    if y_scale > 0:
        coef = coef * y_scale
    intercept = _intercept(y_mean, mu, coef, xp)
    if verbose:
        _print_landweber(loss_curve, eta, summary, verbose)
    if reason == "max_iter" and tol > 0:
        deficient = summary.rank < n_eff
        needed = (
            math.inf
            if deficient
            else _spectral.landweber_steps_to(curve_lam, weights, eta, tol, floor)
        )
        _warn_landweber_stop(loss_curve, max_iter, tol, eta, summary, deficient, needed)
    return LandweberResult(
        _shape_out(coef, shape), n_iter, loss_curve, eta, summary, lam_h, reason,
        solver, _scalar_intercept(intercept, shape),
    )  # fmt: skip
