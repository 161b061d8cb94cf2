"""scikit-learn's array API: fit and predict in the namespace of ``X``.

With ``sklearn.config_context(array_api_dispatch=True)`` and ``X`` from
another array library (torch, cupy, array-api-strict), the estimators
compute where ``X`` lives, as scikit-learn's array API convention asks
(``doc/modules/array_api.rst``): the prepared inputs, the features
``Z = gamma(X_tilde W) / sqrt(m)`` (by width blocks in the dual, by row
chunks in the primal), the Gram matrix of the regime, its factorization and
the products with ``Z`` run in ``xp`` on ``X``'s device; the fitted arrays
(``random_weights_``, ``coef_``, an array ``intercept_``, ``loss_curve_``)
live there, and so do the outputs.

What stays on the host, and why (all off the ``O(n m d + p^2 max(n, m))``
hot path):

* the weights are drawn with numpy exactly as for numpy input and moved once
  (``xp.asarray(W, device=...)``): every device gets the same weights;
* the eigenvalues (``p`` numbers) go to numpy for the spectral summary
  (rank, condition number) and the Landweber loss curve and stopping step;
  the labels of the classifiers are encoded with numpy (``classes_`` may be
  strings);
* LAPACK's condition estimator (``dpocon``) and the TSQR + LSQR fallback have
  no array API equivalent: the direct solver factors ``Gram + alpha I`` by
  Cholesky while its condition number, from ``xp.linalg.eigvalsh``, is below
  ``1e6`` (``solver_`` ``"<regime>-cholesky"``), and otherwise takes the
  pseudo-inverse from ``xp.linalg.eigh`` (``"<regime>-eigh"``; accuracy
  ``eps kappa(Gram)`` where TSQR reaches ``eps kappa(Z)``);
* the population diagnostics (lazy, scipy quadrature) use a numpy copy of
  the ``n x d`` inputs;
* the cross-validated estimators form ``H_hat`` on the device (the
  ``O(n^2 m)`` part) and run the search over the grid (one ``n x n``
  eigendecomposition and the folds) with numpy/scipy on the host; the final
  ``coef_ = Z^T C`` is formed on the device.

``precision="mixed"`` is a numpy-path option: with array API input the fit
runs in the precision of ``X``.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.utils._array_api import (
    _is_numpy_namespace,
    check_same_namespace,
    get_namespace_and_device,
    move_to,
    supported_float_dtypes,
)

from . import _spectral
from ._compat import check_is_fitted, validate_data
from .diagnostics import spectral_summary
from .solvers import (
    DirectResult,
    LandweberResult,
    _print_landweber,
    _warn_conditioning,
    _warn_landweber_stop,
)

__all__ = ["decision", "fit", "namespace", "transform"]

# Elements of one block of Z evaluated at once (2**25 float64 = 256 MiB); a
# Z of at most this many elements is evaluated once and kept for the fit.
_BLOCK_ELEMENTS = 1 << 25
# Cholesky while kappa(Gram + alpha I) stays below this (as the numpy path).
_CHOLESKY_COND_MAX = {"float64": 1e6, "float32": 1e4}
# swish: exp(-z) on z clipped here (as activations._EXP_CLIP)
_EXP_CLIP = 708.0


# --------------------------------------------------------------------------
# Namespaces


def namespace(*arrays):
    """``(xp, device)`` of array API input under ``array_api_dispatch``.

    ``None`` when dispatch is off, for numpy, lists, pandas and sparse input:
    those take the numpy path, unchanged. ``X`` (the first array) decides.
    """
    if not get_config()["array_api_dispatch"]:
        return None
    arrays = [a for a in arrays if a is not None and not sp.issparse(a)]
    if not arrays:
        return None
    xp, _, dev = get_namespace_and_device(arrays[0])
    if _is_numpy_namespace(xp):
        return None
    return xp, dev


def to_numpy(a):
    """A numpy copy of an array of any namespace (labels, eigenvalues)."""
    if isinstance(a, np.ndarray) or sp.issparse(a) or np.isscalar(a):
        return a
    if not hasattr(a, "__array_namespace__") and not hasattr(a, "device"):
        return np.asarray(a)
    return move_to(a, xp=np, device="cpu")


def _float_dtype(xp, dev):
    """float64 where the device has it, else float32 (torch on MPS)."""
    dtypes = supported_float_dtypes(xp, dev)
    return xp.float64 if xp.float64 in dtypes else xp.float32


def _floats(X):
    """The accepted dtypes for ``validate_data``: float64 (where the device
    has it, else float32) first, as ``dtype=[np.float64, np.float32]``."""
    xp, dev = namespace(X)
    have = supported_float_dtypes(xp, dev)
    return [d for d in (xp.float64, xp.float32) if d in have]


def _dtype_name(xp, dtype):
    return "float32" if dtype == xp.float32 else "float64"


def check_namespace(est, X, attribute, method):
    """Raise scikit-learn's error when ``X`` is not where ``est`` was fitted."""
    check_is_fitted(est)
    if attribute in est.__dict__:  # (the infinite-width models have no coef_)
        check_same_namespace(X, est, attribute=attribute, method=method)


def fitted_in_xp(est, attribute):
    """Whether the fitted ``attribute`` is an array of a non-numpy namespace."""
    value = est.__dict__.get(attribute)
    return value is not None and not isinstance(value, np.ndarray | float)


# --------------------------------------------------------------------------
# Features in xp


def prepare_inputs(X, xp, dev, *, normalize=True, bias=False):
    """:func:`~sklearn_rfnet.features.prepare_inputs` in ``xp``.

    Row norms are taken of the rows scaled by their largest entry (BLAS
    ``nrm2``'s guard against overflow and underflow), in float64 where the
    device has it; rows of zeros stay zero. ``X`` is never modified.
    """
    if bias:
        ones = xp.ones((X.shape[0], 1), dtype=X.dtype, device=dev)
        X = xp.concat([X, ones], axis=1)
    if not normalize:
        return X
    wide = _float_dtype(xp, dev)
    Xw = xp.astype(X, wide)
    big = xp.max(xp.abs(Xw), axis=1, keepdims=True)
    safe = xp.where(big > 0, big, xp.ones_like(big))
    S = Xw / safe
    norms = big * xp.sqrt(xp.sum(S * S, axis=1, keepdims=True))
    norms = xp.where(norms > 0, norms, xp.ones_like(norms))
    return xp.astype(Xw / norms, X.dtype)


def _int_power(t, p):
    """``t ** p`` (integer ``p >= 1``) by repeated squaring, no ``pow``."""
    result, base = None, t
    while p:
        if p & 1:
            result = base if result is None else result * base
        p >>= 1
        if p:
            base = base * base
    return result


def activate(act, T, xp):
    """``gamma(T)`` in ``xp``: the built-in activations elementwise
    (``clip``, ``sqrt``, ``exp``, integer powers by multiplication); a user
    function is called with the ``xp`` array (it must accept one; a numpy
    result is moved to ``T``'s device)."""
    if not act.is_builtin:
        out = act._kernel(T)
        if not hasattr(out, "shape") or tuple(out.shape) != tuple(T.shape):
            raise ValueError(
                f"activation {act.name!r} returned shape "
                f"{getattr(out, 'shape', None)} for input of shape {T.shape}; it "
                "must act elementwise."
            )
        if isinstance(out, np.ndarray):
            out = xp.asarray(out, device=T.device)
        return xp.astype(out, T.dtype)
    name = act.spec.name
    if name == "relu":
        return xp.clip(T, min=0.0)
    if name == "swish":
        e = xp.exp(-xp.clip(T, min=-_EXP_CLIP, max=_EXP_CLIP))
        return xp.clip(T, min=-_EXP_CLIP) / (1.0 + e)
    # Wendland: r = sqrt(2 - 2z) / zeta = sqrt((1 - z)_+) sqrt(2) / zeta
    r = xp.sqrt(xp.clip(1.0 - T, min=0.0))
    c = math.sqrt(2.0) / act.zeta
    if c != 1.0:
        r = r * c
    u = xp.clip(1.0 - r, min=0.0)
    ell = act.ell
    if name == "wendland0":
        return _int_power(u, ell)
    poly = (r * float(ell * ell + 4 * ell + 3) + float(3 * ell + 6)) * r + 3.0
    return _int_power(u, ell + 2) * poly


class XPFeatures:
    """``Z = gamma(X_tilde W) / sqrt(m)`` in ``xp``, by blocks.

    The ``xp`` counterpart of :class:`~sklearn_rfnet._operator.FeatureOperator`
    for what the fit needs: the Gram matrix of the regime (``Z Z^T`` over
    width blocks when ``m >= n``, ``Z_c^T Z_c`` over row chunks otherwise)
    and the products ``Z A`` and ``Z^T C``. A ``Z`` of at most
    ``_BLOCK_ELEMENTS`` entries is evaluated once and kept.
    """

    def __init__(self, Xt, W, act, xp, dev, block_size=None):
        self.Xt, self.W, self.act, self.xp, self.dev = Xt, W, act, xp, dev
        n, m = Xt.shape[0], W.shape[1]
        self.shape = (n, m)
        self.dtype = Xt.dtype
        self.regime = "dual" if m >= n else "primal"
        self.scale = 1.0 / math.sqrt(m)
        self.block_size = block_size
        self._Z = None
        if n * m <= _BLOCK_ELEMENTS:
            self._Z = self._block(slice(0, n), slice(0, m))

    def _block(self, rows, cols):
        if self._Z is not None:
            return self._Z[rows, cols]
        T = self.Xt[rows, :] @ self.W[:, cols]
        return activate(self.act, T, self.xp) * self.scale

    def _slices(self, total, other):
        step = self.block_size or max(1, _BLOCK_ELEMENTS // max(other, 1))
        if self._Z is not None:
            step = total
        return [slice(lo, min(lo + step, total)) for lo in range(0, total, step)]

    def col_blocks(self):
        n, m = self.shape
        for sl in self._slices(m, n):
            yield sl, self._block(slice(0, n), sl)

    def row_blocks(self):
        n, m = self.shape
        for sl in self._slices(n, m):
            yield sl, self._block(sl, slice(0, m))

    def materialize(self):
        """All of ``Z`` (``WendlandFeatures.transform``)."""
        n, m = self.shape
        if self._Z is not None:
            return self._Z
        return self.xp.concat([Z for _, Z in self.row_blocks()], axis=0)

    def gram_dual(self, center, centered=False):
        """``H_hat = Z Z^T`` and the column means of ``Z`` (``center``);
        ``centered``: ``Z_c Z_c^T = P H_hat P`` instead."""
        xp, n = self.xp, self.shape[0]
        H = xp.zeros((n, n), dtype=self.dtype, device=self.dev)
        means = []
        for _, Z in self.col_blocks():
            if center:
                means.append(xp.mean(Z, axis=0))
                if centered:
                    Z = Z - means[-1]
            H = H + Z @ Z.T
        mu = xp.concat(means) if center else None
        _check_finite(H, xp, self.act)
        return H, mu

    def column_means(self):
        xp, (n, m) = self.xp, self.shape
        total = xp.zeros((m,), dtype=self.dtype, device=self.dev)
        for _, Z in self.row_blocks():
            total = total + xp.sum(Z, axis=0)
        return total / n

    def gram_primal(self, Y, center):
        """``Z_c^T Z_c``, ``Z_c^T Y`` and the column means ``mu`` (``Z_c =
        Z - 1 mu^T``; two passes over the rows when ``Z`` is not held, so
        that the centering never cancels)."""
        xp, m = self.xp, self.shape[1]
        mu = self.column_means() if center else None
        G = xp.zeros((m, m), dtype=self.dtype, device=self.dev)
        ZtY = xp.zeros((m, Y.shape[1]), dtype=self.dtype, device=self.dev)
        for sl, Z in self.row_blocks():
            if center:
                Z = Z - mu
            G = G + Z.T @ Z
            ZtY = ZtY + Z.T @ Y[sl, :]
        _check_finite(G, xp, self.act)
        return G, ZtY, mu

    def rmatmat(self, C):
        """``Z^T C`` (``C`` of shape ``(n, t)``)."""
        return self.xp.concat([Z.T @ C for _, Z in self.col_blocks()], axis=0)

    def matmat(self, A):
        """``Z A`` (``A`` of shape ``(m, t)``)."""
        return self.xp.concat([Z @ A for _, Z in self.row_blocks()], axis=0)


def _check_finite(G, xp, act):
    if not bool(xp.all(xp.isfinite(G))):
        raise ValueError(
            f"The features gamma(X W) are not finite: activation {act.name!r} "
            "returned NaN or inf on the training data. A callable activation "
            "must be finite on [-1, 1]."
        )


def feature_map(est, X, xp, dev, block_size=None):
    """The ``xp`` features of a fitted estimator for validated ``X``."""
    Xt = prepare_inputs(X, xp, dev, normalize=est.normalize, bias=est.bias)
    W = est.random_weights_
    if W.dtype != X.dtype:
        W = xp.astype(W, X.dtype)
    return XPFeatures(Xt, W, est._activation, xp, dev, block_size)


# --------------------------------------------------------------------------
# Linear algebra in xp


def _householder(n, xp, dev, dtype):
    """``v`` and ``beta`` of the reflector ``Q = I - beta v v^T`` with
    ``Q 1 = -sqrt(n) e_1`` (see ``_direct._centered_eigh``)."""
    v = xp.ones((n,), dtype=dtype, device=dev)
    v = xp.concat([v[:1] + math.sqrt(n), v[1:]])
    return v, 2.0 / float(xp.sum(v * v))


def _reduce(H, v, beta, xp):
    """``(Q H Q)[1:, 1:]``: ``H`` on ``1^perp`` in the basis ``Q e_2..e_n``."""
    Hv = H @ v
    w = beta * Hv - (0.5 * beta**2 * float(xp.sum(v * Hv))) * v
    v1, w1 = v[1:, None], w[1:, None]
    return H[1:, 1:] - v1 @ w1.T - w1 @ v1.T


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


def _cholesky_solve(A, B, xp):
    """``A^{-1} B`` for a symmetric positive definite ``A``; None on failure."""
    try:
        L = xp.linalg.cholesky(A)
    except Exception:  # noqa: BLE001 - each library raises its own LinAlgError
        return None
    X = _solve_triangular(L, B, xp, upper=False)
    X = _solve_triangular(L.T, X, xp, upper=True)
    return X if bool(xp.all(xp.isfinite(X))) else None


def _eye_like(A, xp):
    return xp.eye(A.shape[0], dtype=A.dtype, device=A.device)


def _to_host(a):
    return np.asarray(to_numpy(a), dtype=np.float64)


def _intercept(y_mean, mu, coef, xp):
    if y_mean is None:
        return 0.0
    b = y_mean - mu[None, :] @ coef  # (1, t)
    return b[0, :]


# --------------------------------------------------------------------------
# Solvers in xp: arrays in, DirectResult / LandweberResult out


def _system(feats, Y, center):
    """The Gram matrix of the regime, on ``1^perp`` in the centered dual.

    Returns ``(A, rhs, finish)``: ``A`` is ``H_hat`` (or its reduction to
    ``1^perp`` with an intercept, which needs no centered features: ``Q``
    maps ``1`` to ``e_1``), or ``Z_c^T Z_c``; ``finish(C)`` maps the solution
    of ``A C = rhs`` to ``(coef, mu)``.
    """
    xp = feats.xp
    n, m = feats.shape
    if feats.regime == "dual":
        H, mu = feats.gram_dual(center)
        if not center:
            return H, Y, lambda C: (feats.rmatmat(C), mu)
        v, beta = _householder(n, xp, feats.dev, H.dtype)
        A = _reduce(H, v, beta, xp)
        del H
        rhs = _reduce_rhs(Y, v, beta)
        return A, rhs, lambda C: (feats.rmatmat(_expand(C, v, beta, xp)), mu)
    G, ZtY, mu = feats.gram_primal(Y, center)
    return G, ZtY, lambda C: (C, mu)


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
    A, rhs, finish = _system(feats, Yc, fit_intercept)
    p = A.shape[0]
    lam = np.sort(_to_host(xp.linalg.eigvalsh(A)))
    summary = spectral_summary(lam, n, m, size=p)
    alpha = float(alpha)
    lo = float(lam[0]) + alpha if lam.size else 0.0
    hi = float(lam[-1]) + alpha if lam.size else 0.0
    cond = hi / lo if lo > 0 else math.inf
    C = None
    if p and cond <= _CHOLESKY_COND_MAX[_dtype_name(xp, A.dtype)]:
        A_shift = A + alpha * _eye_like(A, xp) if alpha else A
        C = _cholesky_solve(A_shift, rhs, xp)
    method = "cholesky"
    if C is None:  # ill-conditioned: the pseudo-inverse from eigh
        method = "eigh"
        lam_e, U = xp.linalg.eigh(A)
        gains = _spectral.ridge_gains(_to_host(lam_e), [alpha], summary.threshold)[0]
        g = xp.asarray(gains, dtype=A.dtype, device=feats.dev)
        C = U @ (g[:, None] * (U.T @ rhs))
        rank = max(summary.rank, 1)
        cond = (summary.lambda_max + alpha) / (lam[-rank] + alpha) if p else 1.0
    del A
    coef, mu = finish(C)
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


def _eigh_system(feats, Y, center):
    """Eigenpairs of the regime's Gram (on ``1^perp`` when centered)."""
    xp = feats.xp
    A, rhs, finish = _system(feats, Y, center)
    lam, U = xp.linalg.eigh(A)
    del A
    return lam, U, rhs, finish


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
        A, rhs, finish = _system(feats, Yc, fit_intercept)
        lam, Ur = xp.linalg.eigh(A)
        del A
        lam = xp.clip(lam, min=0.0)
        U = Ur
        if fit_intercept:  # U = Q [0; Ur] spans 1^perp
            v, beta = _householder(n, xp, dev, dt)
            U = _expand(Ur, v, beta, xp)
        P = Ur.T @ rhs  # = U^T y_c
        U2 = U * U
        errors = np.empty(alphas.size)
        for a, alpha in enumerate(alphas):
            g = 1.0 / (lam + float(alpha))
            e = (U @ (g[:, None] * P)) / (U2 @ g)[:, None]
            errors[a] = float(xp.mean(e * e))
        del U, U2
        best = int(np.argmin(errors))
        coef, mu = finish(Ur @ (P / (lam + float(alphas[best]))[:, None]))
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
    lam, U, rhs, finish = _eigh_system(feats, Ys, fit_intercept)
    lam_h = _to_host(lam)
    p = lam_h.size
    summary = spectral_summary(lam_h, n, m, size=p)
    eta_max = 2.0 / summary.lambda_max if summary.lambda_max > 0 else math.inf
    eta = _spectral.landweber_step(summary, step_size)
    if not isinstance(step_size, str | None) and not 0.0 < eta < eta_max:
        raise ValueError(
            f"step_size={eta:.6g} is not in (0, 2 / lambda_max) = "
            f"(0, {eta_max:.6g}): gradient descent would diverge (Theorem 4.3)."
        )
    n_eff = n - bool(fit_intercept)
    if summary.rank < min(n_eff, m):
        _warn_conditioning(
            summary, n, m, solver, summary.condition_number, bool(fit_intercept)
        )
    y_norm = float(xp.sqrt(xp.sum(Ys * Ys)))
    if y_norm == 0.0:
        coef = xp.zeros((m, Y2.shape[1]), dtype=Y2.dtype, device=feats.dev)
        _, mu = finish(xp.zeros_like(rhs))
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
    coef, mu = finish(U @ (g[:, None] * P))
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


# --------------------------------------------------------------------------
# Estimator hooks


def fit_features(est, X, xp, dev, zeta="param"):
    """``est._fit_features`` with the numpy draw moved once to ``dev``."""
    n_features = X.shape[1]
    shadow = np.empty((0, n_features), dtype=_dtype_name(xp, X.dtype))
    est._fit_features(shadow, zeta=zeta)
    est.random_weights_ = xp.asarray(est.random_weights_, device=dev)
    return est


def validate_fit(est, X, y, *, classifier):
    """Validated ``X`` (in ``xp``) and ``y`` (numpy, labels or targets)."""
    from sklearn.utils.validation import _check_y, check_consistent_length

    X = validate_data(est, X, dtype=_floats(X))
    y = _check_y(to_numpy(y), multi_output=not classifier, y_numeric=not classifier)
    check_consistent_length(X, y)
    return X, y


def fit(est, X, y, classifier):
    """``est.fit`` for array API ``X`` (``y`` may be of any namespace)."""
    X, y = validate_fit(est, X, y, classifier=classifier)
    return est._fit(X, y, est._targets(y))


def fit_last_layer(est, X, Y):
    """The recipe of ``_fit_last_layer`` with every array in ``xp``;
    returns the shape of ``Z`` and the solver's result."""
    from ._base import AUTO_ALPHAS

    xp, dev = namespace(X)
    fit_features(est, X, xp, dev)
    feats = feature_map(est, X, xp, dev, est.block_size)
    Y = xp.asarray(np.asarray(Y, dtype=np.float64), dtype=X.dtype, device=dev)
    fi = est.fit_intercept
    if est.solver == "landweber":
        result = solve_landweber(
            feats, Y, step_size=est.step_size, max_iter=est.max_iter, tol=est.tol,
            fit_intercept=fi, verbose=est.verbose,
        )  # fmt: skip
    elif isinstance(est.alpha, str):
        result = solve_ridge_loo(feats, Y, est._ridge(AUTO_ALPHAS), fit_intercept=fi)
        est.alpha_ = float(AUTO_ALPHAS[int(np.argmin(result.loo_errors))])
    else:
        est.alpha_ = float(est.alpha)
        result = solve_direct(feats, Y, est._ridge(est.alpha), fit_intercept=fi)
    est._store(result)
    move_fitted(est, X)
    est._store_population(X)
    return feats.shape, result


def numpy_dtype(X):
    """The numpy float dtype of an array API ``X``."""
    xp, _ = namespace(X)
    return np.dtype(_dtype_name(xp, X.dtype))


def move_fitted(est, X):
    """Move the numpy array attributes set by ``_store`` to ``X``'s device."""
    found = namespace(X)
    if found is None:
        return est
    xp, dev = found
    for name in ("coef_", "intercept_", "loss_curve_"):
        value = est.__dict__.get(name)
        if isinstance(value, np.ndarray):
            setattr(est, name, xp.asarray(value, device=dev))
    return est


def decision(est, X):
    """``gamma(X_tilde W) coef_ / sqrt(m) + intercept_`` in ``xp``."""
    xp, dev = namespace(X)
    X = validate_data(est, X, dtype=_floats(X), reset=False)
    coef = est.coef_
    if X.dtype != coef.dtype:
        X = xp.astype(X, coef.dtype)
    C = coef if coef.ndim == 2 else coef[:, None]
    out = feature_map(est, X, xp, dev, est.block_size).matmat(C)
    b = est.intercept_
    out = out + (b if isinstance(b, float) else xp.astype(b, out.dtype))
    if coef.ndim == 1:
        out = out[:, 0]
    if not bool(xp.all(xp.isfinite(out))):
        raise ValueError(
            f"The network output is not finite: activation "
            f"{est._activation.name!r} returned NaN or inf features on X."
        )
    return out


def labels(classes, scores):
    """Labels from scores in ``xp``: numeric classes come back in ``xp``,
    others (strings) as a numpy array."""
    xp, dev = namespace(scores)
    idx = (
        xp.astype(scores > 0, xp.int64)
        if scores.ndim == 1
        else xp.argmax(scores, axis=1)
    )
    if np.issubdtype(classes.dtype, np.number) or classes.dtype == bool:
        return xp.take(xp.asarray(classes, device=dev), idx, axis=0)
    return classes[to_numpy(idx)]


def fit_transformer(est, X):
    """``WendlandFeatures.fit`` for array API ``X``."""
    xp, dev = namespace(X)
    X = validate_data(est, X, dtype=_floats(X))
    return fit_features(est, X, xp, dev)


def transform(est, X):
    """``WendlandFeatures.transform`` for array API ``X``."""
    xp, dev = namespace(X)
    X = validate_data(est, X, dtype=_floats(X), reset=False)
    Z = feature_map(est, X, xp, dev).materialize()
    if not bool(xp.all(xp.isfinite(Z))):
        raise ValueError(
            f"activation {est._activation.name!r} returned NaN or inf "
            "features; a callable activation must be finite on [-1, 1]."
        )
    return Z


class CVFeatures:
    """The device side of the cross-validated estimators.

    ``H_hat`` (centered with an intercept, as the numpy operator gives it)
    is formed in ``xp`` and handed to the host, where the search runs
    (one ``n x n`` eigendecomposition and the folds, see the module doc);
    ``coef`` and ``intercept`` of the refit are formed on the device.
    """

    def __init__(self, est, X, zeta, center):
        xp, dev = namespace(X)
        self.xp, self.dev, self.dtype = xp, dev, X.dtype
        fit_features(est, X, xp, dev, zeta=zeta)
        X64 = xp.astype(X, _float_dtype(xp, dev))  # H_hat in float64
        self.feats = feature_map(est, X64, xp, dev, est.block_size)
        self.shape = self.feats.shape
        H, self.mu = self.feats.gram_dual(center, centered=True)
        self.H = _to_host(H)

    def coef(self, C, y_shape):
        """``Z^T C`` on the device, in the dtype of ``X``."""
        xp = self.xp
        C = xp.asarray(np.asarray(C, dtype=np.float64).reshape(C.shape[0], -1),
                       dtype=self.feats.dtype, device=self.dev)  # fmt: skip
        coef = self.feats.rmatmat(C)
        coef = coef[:, 0] if len(y_shape) == 1 else coef
        return xp.astype(coef, self.dtype)

    def intercept(self, coef, y_mean):
        """``mean(y) - mean(Z)^T coef``."""
        if y_mean is None:
            return 0.0
        xp = self.xp
        C = coef[:, None] if coef.ndim == 1 else coef
        C = xp.astype(C, self.feats.dtype)
        ym = xp.asarray(np.asarray(y_mean, dtype=np.float64), dtype=C.dtype,
                        device=self.dev)  # fmt: skip
        if ym.ndim == 0:
            return float(_intercept(ym, self.mu, C, xp)[0])
        return _intercept(ym, self.mu, C, xp)  # shape of y_mean, as numpy's
