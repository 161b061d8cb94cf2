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
* LAPACK's condition estimator (``dpocon``), ARPACK and the TSQR + LSQR
  fallback have no array API equivalent: the direct solver factors
  ``Gram + alpha I`` by Cholesky and takes ``lambda_min`` and ``lambda_max``
  from ``xp.linalg.eigvalsh`` up to order 500, above it by Lanczos on the
  device (``_xp_solvers``); it keeps the factor while the condition number is
  below ``1e6`` (``solver_`` ``"<regime>-cholesky"``), and otherwise takes the
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

from ._compat import check_is_fitted, validate_data
from ._xp_solvers import (
    _intercept,
    _to_host,
    solve_direct,
    solve_landweber,
    solve_ridge_loo,
)

__all__ = ["decision", "fit", "namespace", "transform"]

# Elements of one block of Z evaluated at once (2**25 float64 = 256 MiB); a
# Z of at most this many elements is evaluated once and kept for the fit.
_BLOCK_ELEMENTS = 1 << 25
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


# --------------------------------------------------------------------------
# Features in xp


def prepare_inputs(X, xp, dev, *, normalize=True, bias=False):
    """:func:`~sklearn_rfnet.features.prepare_inputs` in ``xp``.

    Row norms are taken of the rows scaled by their largest entry (BLAS
    ``nrm2``'s guard against overflow and underflow), in float64 where the
    device has it; rows of zeros stay zero. ``X`` is never modified.
    """
    if bias:
        ones = xp.full((X.shape[0], 1), float(bias), dtype=X.dtype, device=dev)
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
            H += Z @ Z.T
        mu = xp.concat(means) if center else None
        _check_finite(H, xp, self.act)
        return H, mu

    def column_means(self):
        xp, (n, m) = self.xp, self.shape
        total = xp.zeros((m,), dtype=self.dtype, device=self.dev)
        for _, Z in self.row_blocks():
            total += xp.sum(Z, axis=0)
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
            G += Z.T @ Z
            ZtY += Z.T @ Y[sl, :]
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
    Xt = prepare_inputs(X, xp, dev, normalize=est.normalize, bias=est.bias_)
    W = est.random_weights_
    if W.dtype != X.dtype:
        W = xp.astype(W, X.dtype)
    return XPFeatures(Xt, W, est._activation, xp, dev, block_size)


# --------------------------------------------------------------------------
# Estimator hooks


def resolve_bias(bias, X, xp, dev):
    """:func:`~sklearn_rfnet.features.resolve_bias` for ``X`` in ``xp``
    (the variance of ``bias="scale"`` reduced on the device)."""
    from .features import BIAS_SCALE

    if not isinstance(bias, str):
        return float(bias)
    Xw = xp.astype(X, _float_dtype(xp, dev))
    s = float(xp.max(xp.abs(Xw))) if Xw.shape[0] * Xw.shape[1] else 0.0
    if 0 < s < math.inf:  # var(X / s): no overflow in the squares
        Xw = Xw / s
    var = float(xp.var(Xw))
    value = BIAS_SCALE * (s if s > 0 else 1.0) * math.sqrt(max(var, 0.0) * X.shape[1])
    return value if math.isfinite(value) and value > 0 else 1.0


def fit_features(est, X, xp, dev, zeta="param", bias="param", W=None):
    """``est._fit_features`` with the numpy draw moved once to ``dev``
    (``W``, on the device, reused when given)."""
    n_features = X.shape[1]
    shadow = np.empty((0, n_features), dtype=_dtype_name(xp, X.dtype))
    bias = est.bias if isinstance(bias, str) and bias == "param" else bias
    bias = resolve_bias(bias, X, xp, dev)
    est._fit_features(
        shadow, zeta=zeta, bias=bias, W=None if W is None else to_numpy(W)
    )
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

    def __init__(self, est, X, zeta, bias, center, W=None):
        xp, dev = namespace(X)
        self.xp, self.dev, self.dtype = xp, dev, X.dtype
        fit_features(est, X, xp, dev, zeta=zeta, bias=bias, W=W)
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
