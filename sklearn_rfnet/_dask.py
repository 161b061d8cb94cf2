"""Fit and predict on dask arrays, on whatever dask scheduler is active.

Past one machine the feature matrix ``Z = gamma(X W) / sqrt(m)`` is never
formed, and neither ``X`` nor ``Z`` is brought to the client: tasks evaluate
their part of ``Z`` where their part of ``X`` lives and return what the
solvers need, reduced as a tree (``split_every``). Each regime distributes the
natural way:

* **primal** (``m < n``, row-chunked ``X``): each chunk returns the sufficient
  statistics of the least-squares problem (2.4), ``(count, mean(Z), mean(y),
  Z_c^T Z_c, Z_c^T y_c, y_c^T y_c)`` with ``Z_c`` centered on the chunk's
  own mean, and a tree merges them with Chan, Golub and LeVeque's update (the
  one-pass centering of :mod:`sklearn_rfnet._operator`). The ``m x m``
  solve runs once on the client; a second pass gives the exact
  leave-one-out errors of ``alpha="auto"``; when the Gram matrix is too
  ill-conditioned the same chunks feed :func:`dask.array.linalg.tsqr` on
  ``[Z_c, y_c]``, whose ``R`` holds both the triangular factor of ``Z_c``
  and ``Q^T y_c`` (``kappa(Z)``, not its square). The same statistics,
  merged chunk by chunk in memory, are :meth:`partial_fit`'s state.
* **dual** (``m >= n``, the paper's over-parameterized regime): the width is
  split over tasks; each task regenerates its columns of ``W`` from the seed
  (:func:`~sklearn_rfnet.features.weight_columns`, identical in any process)
  and returns its ``n x n`` part of ``H_hat = Z Z^T`` (eq. 2.6), summed as a
  tree. :class:`DaskWidthOperator` gives the solvers of
  :mod:`sklearn_rfnet.solvers` everything they use (Gram, ``Z A``,
  ``Z^T C``, TSQR), so Cholesky, the TSQR fallback, leave-one-out and
  Landweber's closed form run unchanged; ``coef_`` slices come from the width
  tasks in parallel.

``predict``, ``decision_function`` and ``transform`` return lazy dask arrays
(``map_blocks``), as dask-ml's ``ParallelPostFit`` does.

dask is optional: it is imported only when a dask collection is passed, and
:func:`is_dask_collection` never imports it.
"""

from __future__ import annotations

import math

import numpy as np

from ._dask_width import (
    DaskWidthOperator,
    _add,
    _dask,
    _tree,
    is_dask_collection,
)
from ._direct import _loo_sums
from ._primal_stats import (
    PrimalStats,
    _eigh_fallback,
    _min_norm_from_r,
    _TaskOperator,
    solve_primal_stats,
)
from .activations import get_activation
from .features import prepare_inputs, resolve_bias, weight_columns, weight_seed

__all__ = ["DaskWidthOperator", "is_dask_collection"]

# Fan-in of the tree reductions (dask's own default for ``split_every``).
# --------------------------------------------------------------------------
# Input


def _check_X(est, X, *, reset):
    """A 2-D, float, row-chunked dask array; sets or checks ``n_features_in_``.

    dask DataFrames become arrays (with known chunk sizes); their string
    column names are ``feature_names_in_``.
    """
    _, da = _dask()
    names = None
    if hasattr(X, "to_dask_array"):  # dask DataFrame
        cols = np.asarray(list(X.columns), dtype=object)
        if cols.size and all(isinstance(c, str) for c in cols):
            names = cols
        X = X.to_dask_array(lengths=True)
    if not isinstance(X, da.Array):
        raise TypeError(f"Expected a dask array or DataFrame, got {type(X)!r}.")
    if X.ndim != 2:
        raise ValueError(
            f"Expected a 2-D array, got a {X.ndim}-D dask array of shape "
            f"{X.shape}; reshape your data."
        )
    if any(math.isnan(c) for c in X.chunks[0]):
        raise ValueError(
            "X has unknown chunk sizes; call X.compute_chunk_sizes() first."
        )
    if X.dtype.kind not in "fiub":
        raise TypeError(f"X must be numeric, got dtype {X.dtype}.")
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    if X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"Found array with shape {X.shape}; need at least 1 x 1.")
    if reset:
        est.n_features_in_ = int(X.shape[1])
        if names is not None:
            est.feature_names_in_ = names
        else:
            est.__dict__.pop("feature_names_in_", None)
    elif X.shape[1] != est.n_features_in_:
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(est).__name__} is "
            f"expecting {est.n_features_in_} features as input."
        )
    return X.rechunk({1: -1})


def _check_y(y, X):
    """``y`` as a float64 dask array chunked as the rows of ``X``."""
    _, da = _dask()
    if hasattr(y, "to_dask_array"):
        y = y.to_dask_array(lengths=True)
    if not isinstance(y, da.Array):
        y = np.asarray(y)
        y = da.from_array(y, chunks=X.chunks[:1] + tuple((s,) for s in y.shape[1:]))
    if y.ndim not in (1, 2) or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"y must have shape ({X.shape[0]},) or ({X.shape[0]}, n_targets), "
            f"got {y.shape}."
        )
    if y.dtype.kind not in "fiub":
        raise ValueError(f"y must be numeric, got dtype {y.dtype}.")
    chunks = {0: X.chunks[0]}
    if y.ndim == 2:
        chunks[1] = -1
    return y.astype(np.float64).rechunk(chunks)


def _finite_or_raise(ok, what):
    if not ok:
        raise ValueError(f"Input {what} contains NaN or infinity.")


def _draw_layer(est, X):
    """The weights' seed (``random_state`` consumed once) and ``d + bias``;
    sets ``est.bias_`` (``bias="scale"``: one lazy reduction over ``X``)."""
    est.bias_ = resolve_bias(est.bias, X)
    d1 = X.shape[1] + bool(est.bias_)
    seed = weight_seed(est.random_state)
    return seed, d1


def partial_fit(est, X, y):
    """One step of :meth:`RandomFeatureRegressor.partial_fit`.

    Merges the primal statistics of ``(X, y)`` (``Z^T Z``, ``Z^T y``,
    ``y^T y``, counts and means: ``O(m^2)`` memory whatever the rows seen) into
    those of the earlier calls and solves from them, so that ``coef_`` and the
    diagnostics hold after every call and equal those of ``fit`` on all the
    rows seen (primal regime). The dual regime (``m >= n``) needs the
    ``n x n`` Gram matrix, which grows with the rows: it cannot be streamed,
    and partial_fit keeps the ``m x m`` one whatever the rows seen.
    """
    from ._compat import validate_data

    first = not hasattr(est, "_partial_stats")
    if first:
        for name in ("n_features_in_", "feature_names_in_"):
            est.__dict__.pop(name, None)
    if is_dask_collection(X) or is_dask_collection(y):
        Xd = _check_X(est, X, reset=first)
        yd = _check_y(y, Xd)
        dtype, t_shape = Xd.dtype, yd.shape[1:]
    else:
        X, y = validate_data(
            est,
            X,
            y,
            reset=first,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
            multi_output=True,
            y_numeric=True,
        )
        dtype, t_shape = X.dtype, y.shape[1:]
    if first:  # bias="scale" from the first batch, kept for the next ones
        est.bias_ = resolve_bias(est.bias, Xd if is_dask_collection(X) else X)
        d1 = est.n_features_in_ + bool(est.bias_)
        seed = weight_seed(est.random_state)
        est.random_weights_ = weight_columns(
            d1, slice(0, est.n_components), seed, est.weights, dtype
        )
        est._activation = get_activation(est.activation, d1, est.zeta)
        est._partial_targets = t_shape
    elif t_shape != est._partial_targets:
        raise ValueError(
            f"y has {int(np.prod(t_shape))} target(s) per sample, but the earlier "
            f"partial_fit calls had {int(np.prod(est._partial_targets))}."
        )
    W = est.random_weights_
    if is_dask_collection(X) or is_dask_collection(y):
        stats = _dask_stats(est, Xd.astype(W.dtype), yd, W, est.block_size)[0]
    else:
        X = X.astype(W.dtype, copy=False)
        stats = PrimalStats.from_chunk(
            X,
            np.asarray(y, dtype=np.float64).reshape(X.shape[0], -1),
            W,
            est._activation,
            est.normalize,
            est.bias_,
            est.block_size,
        )
    _finite_or_raise(stats.finite, "X or y")
    if not first:
        stats = est._partial_stats.merge(stats)
    est._partial_stats = stats
    result = solve_primal_stats(
        est, stats, est.n_components, W.dtype, t_shape, fallback=_eigh_fallback
    )
    est._store(result)
    est._population = None  # the population diagnostics are not computed
    return est


# -- the dask passes of the primal regime ----------------------------------


def _chunk_stats(X, Y, W, activation, normalize, bias, block_size):
    Y = Y.reshape(X.shape[0], -1)
    return PrimalStats.from_chunk(X, Y, W, activation, normalize, bias, block_size)


def _chunk_loo(
    X, Y, W, activation, normalize, bias, block_size, center, mu, nu, V, G_inv, B, lev0
):
    """The leave-one-out squared errors of one chunk (``solve_ridge_loo``)."""
    Y = Y.reshape(X.shape[0], -1)
    Yr = Y - nu if center else Y
    Xt = prepare_inputs(X, normalize=normalize, bias=bias)
    op = _TaskOperator(Xt, W, activation, W.shape[1], block_size, regime="primal")
    op.center, op.mean_raw = center, mu
    return _loo_sums(op.row_projections(V), Yr, G_inv, B, lev0)


def _chunk_zy(X, Y, W, activation, normalize, bias, center, mu, nu):
    """``[Z_c, Y_c]`` of one chunk (the TSQR fallback's input)."""
    Y = Y.reshape(X.shape[0], -1)
    Xt = prepare_inputs(X, normalize=normalize, bias=bias)
    op = _TaskOperator(Xt, W, activation, W.shape[1], None, regime="primal")
    Z = op.materialize().astype(np.float64)
    if center:
        Z -= op.scale * mu
        Y = Y - nu
    return np.hstack([Z, Y])


def _dask_stats(est, X, y, W, block_size):
    """Primal statistics of dask ``(X, y)``: one task per chunk, a tree merge."""
    dask, _ = _dask()
    Y2 = y.reshape(y.shape[0], -1) if y.ndim == 1 else y
    Y2 = Y2.rechunk({0: X.chunks[0], 1: -1})
    xs, ys = X.to_delayed().ravel(), Y2.to_delayed().ravel()
    Wd = dask.delayed(W, pure=True)
    Ad = dask.delayed(est._activation, pure=True)
    common = (est.normalize, est.bias_)
    parts = [
        dask.delayed(_chunk_stats, pure=True)(xb, yb, Wd, Ad, *common, block_size)
        for xb, yb in zip(xs, ys, strict=True)
    ]
    (stats,) = dask.compute(_tree(parts, PrimalStats.merge_all))
    return stats, Y2, xs, ys, Wd, Ad, common


def _fit_primal(est, X, y, seed, d1, block_size):
    dask, da = _dask()
    m = est.n_components
    W = weight_columns(d1, slice(0, m), seed, est.weights, X.dtype)
    est.random_weights_ = W
    t_shape = y.shape[1:]
    stats, Y2, xs, ys, Wd, Ad, common = _dask_stats(est, X, y, W, block_size)
    _finite_or_raise(stats.finite, "X or y")
    center = bool(est.fit_intercept)

    def loo_sums(V, G_inv, B, lev0):
        Vd, Gd, Bd = (dask.delayed(a, pure=True) for a in (V, G_inv, B))
        sq = [
            dask.delayed(_chunk_loo, pure=True)(
                xb,
                yb,
                Wd,
                Ad,
                *common,
                block_size,
                center,
                stats.mu,
                stats.nu,
                Vd,
                Gd,
                Bd,
                lev0,
            )
            for xb, yb in zip(xs, ys, strict=True)
        ]
        return dask.compute(_tree(sq, _add))[0]

    def fallback(op, Yc, alpha):
        t = Y2.shape[1]
        A = da.map_blocks(
            _chunk_zy,
            X,
            Y2,
            Wd,
            Ad,
            *common,
            center,
            stats.mu,
            stats.nu,
            dtype=np.float64,
            chunks=(X.chunks[0], (m + t,)),
        )
        _, R = da.linalg.tsqr(A)
        coef, s = _min_norm_from_r(np.asarray(R.compute()), m, op.shape[0], alpha)
        return coef, s, "svd", "primal-tsqr", 0

    return solve_primal_stats(
        est, stats, m, X.dtype, t_shape, fallback=fallback, loo_sums=loo_sums
    )


def _prepare(X, normalize, bias):
    _, da = _dask()
    d1 = X.shape[1] + bool(bias)
    return X.map_blocks(
        prepare_inputs,
        normalize=normalize,
        bias=bias,
        dtype=X.dtype,
        chunks=(X.chunks[0], (d1,)),
    )


def _fit_dual(est, X, y, seed, d1, n_tasks):
    dask, _ = _dask()
    m = est.n_components
    est.random_weights_ = weight_columns(d1, slice(0, m), seed, est.weights, X.dtype)
    Xt = _prepare(X, est.normalize, est.bias_)
    op = DaskWidthOperator(
        Xt,
        seed,
        m,
        est.weights,
        est._activation,
        n_tasks=n_tasks,
        block_size=est.block_size,
    )
    Y = np.asarray(y.compute())  # n targets: small in this regime (n <= m)
    _finite_or_raise(np.all(np.isfinite(Y)), "y")
    from ._base import _SOLVERS  # the estimators' own solver dispatch

    return _SOLVERS[est.solver](est, op, Y)


# --------------------------------------------------------------------------
# Estimator hooks


def fit(est, X, y, *, n_tasks=None):
    """``fit`` of a random-feature model on dask arrays (both regimes).

    Parameters
    ----------
    est : RandomFeatureRegressor
    X : dask array of shape (n, d), row-chunked
    y : dask or numpy array of shape (n,) or (n, t)
    n_tasks : int, default=None
        Width tasks in the dual regime.

    Returns
    -------
    est
    """
    X = _check_X(est, X, reset=True)
    y = _check_y(y, X)
    n = X.shape[0]
    seed, d1 = _draw_layer(est, X)
    est._activation = get_activation(est.activation, d1, est.zeta)
    if est.n_components >= n:
        result = _fit_dual(est, X, y, seed, d1, n_tasks)
    else:
        result = _fit_primal(est, X, y, seed, d1, est.block_size)
    est._store(result)
    est._population = None  # the population diagnostics are not computed
    from ._base import _warn_float32_conditioning

    _warn_float32_conditioning(X.dtype, result)
    est._warn_interpolation_peak((n, est.n_components))
    return est


def _decision_block(X, est):
    return est._decision(X)


def decision(est, X):
    """Lazy ``_decision`` on a dask array (row blocks, ``map_blocks``)."""
    from ._compat import check_is_fitted

    dask, _ = _dask()
    check_is_fitted(est)
    X = _check_X(est, X, reset=False)
    t = est.coef_.shape[1:]
    dtype = est.coef_.dtype
    kw = (
        {"drop_axis": 1, "chunks": (X.chunks[0],)}
        if not t
        else {"chunks": (X.chunks[0], t)}
    )
    kw["meta"] = np.empty((0,) * (1 + len(t)), dtype=dtype)
    return X.map_blocks(
        _decision_block, dask.delayed(est, pure=True), dtype=dtype, **kw
    )


def _transform_block(X, est):
    return est.transform(X)


def transform(est, X):
    """Lazy ``transform`` of a fitted transformer on a dask array."""
    from ._compat import check_is_fitted

    dask, _ = _dask()
    check_is_fitted(est)
    X = _check_X(est, X, reset=False)
    m = est.random_weights_.shape[1]
    return X.map_blocks(
        _transform_block,
        dask.delayed(est, pure=True),
        dtype=est.random_weights_.dtype,
        chunks=(X.chunks[0], (m,)),
        meta=np.empty((0, 0), dtype=est.random_weights_.dtype),
    )


def fit_features(est, X):
    """``WendlandFeatures.fit`` on a dask array: shape and dtype, and for
    ``bias="scale"`` the variance of ``X`` (one lazy reduction)."""
    X = _check_X(est, X, reset=True)
    seed, d1 = _draw_layer(est, X)
    est.random_weights_ = weight_columns(
        d1, slice(0, est.n_components), seed, est.weights, X.dtype
    )
    est._activation = get_activation(est.activation, d1, est.zeta)
    return est


def score(est, X, y):
    """R^2 of a dask prediction, reduced on the workers (``r2_score``)."""
    dask, _ = _dask()
    pred = decision(est, X)
    y = _check_y(y, _check_X(est, X, reset=False))
    y2 = y.reshape(y.shape[0], -1) if y.ndim == 1 else y
    p2 = pred.reshape(pred.shape[0], -1) if pred.ndim == 1 else pred
    ss_res = ((y2 - p2) ** 2).sum(axis=0)
    ss_tot = ((y2 - y2.mean(axis=0)) ** 2).sum(axis=0)
    ss_res, ss_tot = dask.compute(ss_res, ss_tot)
    ok = ss_tot != 0
    r2 = np.where(ok, 1.0 - ss_res / np.where(ok, ss_tot, 1.0), 0.0)
    r2[~ok & (ss_res == 0)] = 1.0
    return float(np.mean(r2))


def fit_classifier(est, X, y, encode):
    """``RandomFeatureClassifier.fit`` on dask arrays.

    The classes come from one reduction (``unique``); the ``+-1`` one-vs-rest
    targets are made block by block (``encode`` on each block, with the
    classes fixed), and the fit is the regressor's.
    """
    dask, da = _dask()
    X = _check_X(est, X, reset=True)
    if not isinstance(y, da.Array):
        y = da.from_array(np.asarray(y), chunks=X.chunks[:1])
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have shape ({X.shape[0]},), got {y.shape}.")
    y = y.rechunk({0: X.chunks[0]})
    classes = np.unique(np.asarray(da.unique(y).compute()))
    encode(est, classes)  # sets classes_ and the binarizer; checks >= 2
    k = 1 if len(est.classes_) == 2 else len(est.classes_)
    Y = y.map_blocks(
        _encode_block,
        dask.delayed(est._label_binarizer, pure=True),
        dtype=np.float64,
        chunks=(X.chunks[0],) if k == 1 else (X.chunks[0], (k,)),
        new_axis=None if k == 1 else 1,
        meta=np.empty((0,) * (1 if k == 1 else 2)),
    )
    return fit(est, X, Y)


def _encode_block(y, binarizer):
    Y = binarizer.transform(y).astype(np.float64)
    return Y.ravel() if Y.shape[1] == 1 else Y


def labels(classes, scores, from_scores):
    """Lazy class labels from lazy scores."""
    kw = {"drop_axis": 1} if scores.ndim == 2 else {}
    return scores.map_blocks(
        _labels_block,
        classes,
        from_scores,
        dtype=classes.dtype,
        chunks=(scores.chunks[0],),
        meta=np.empty((0,), dtype=classes.dtype),
        **kw,
    )


def _labels_block(scores, classes, from_scores):
    return from_scores(classes, scores)


def accuracy(est, X, y):
    """Accuracy of a dask prediction, reduced on the workers."""
    dask, da = _dask()
    pred = est.predict(X)
    if not isinstance(y, da.Array):
        y = da.from_array(np.asarray(y), chunks=pred.chunks[:1])
    return float((pred == y.rechunk(pred.chunks[:1])).mean().compute())


def reject(est, X, y=None):
    """A clear ``TypeError`` where dask input is not supported."""
    if is_dask_collection(X) or is_dask_collection(y):
        raise TypeError(
            f"{type(est).__name__}.fit does not take dask arrays (it would "
            "compute them into memory): use RandomFeatureRegressor or "
            "RandomFeatureClassifier, whose fit runs on the dask workers, or "
            "pass numpy arrays."
        )
