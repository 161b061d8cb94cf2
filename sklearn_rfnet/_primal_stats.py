"""The primal statistics of a random-feature fit, and the solve from them.

``Z^T Z``, ``Z^T Y``, ``Y^T Y``, the row count and the column means, merged
chunk by chunk with Chan, Golub and LeVeque's update: what ``partial_fit``
keeps between calls and what the dask workers reduce in the primal regime
(``m < n``). The solve reads them through a small operator with the
interface of :mod:`~sklearn_rfnet._operator`, so the direct, leave-one-out
and Landweber solvers run on them. Pure numpy/scipy: no dask here.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
from scipy import linalg

from ._operator import FeatureOperator
from .diagnostics import spectral_summary
from .features import prepare_inputs
from .solvers import (
    _check_loo_alphas,
    _direct_from_gram,
    _landweber_from_gram,
    _primal_ridge_loo,
)


class _TaskOperator(FeatureOperator):
    """A :class:`FeatureOperator` on one task's part of ``Z``.

    The scale is the whole layer's ``1 / sqrt(m)``; the fit-time guards run
    once on the reduced Gram matrix, not per task.
    """

    def __init__(self, X_tilde, W, activation, m, block_size=None, regime=None):
        super().__init__(X_tilde, W, activation, block_size=block_size)
        self.scale = 1.0 / math.sqrt(m)
        if regime is not None and regime != self.regime:
            self.regime = regime
            self.block_size = self._step(regime)
            along = self.shape[1] if regime == "dual" else self.shape[0]
            self.in_memory = self.block_size >= along

    def _check_gram(self, H):
        pass


def _stack_r(*Rs):
    """``R`` of ``[R_1; R_2; ...]``: one level of a TSQR tree."""
    return np.linalg.qr(np.vstack(Rs), mode="r")


# --------------------------------------------------------------------------
# Primal regime: sufficient statistics of row chunks


class PrimalStats:
    """Sufficient statistics of (2.4) over rows, merged as Chan et al. do.

    ``count``; ``mu`` the column means of ``Z_raw``; ``nu`` the means of
    ``Y``; ``S = Z_c^T Z_c`` (scaled by ``1/m``), ``C = Z_c^T Y_c`` (scaled
    by ``1/sqrt(m)``), ``Q = Y_c^T Y_c``, all about the means; ``y_max``,
    ``y_min`` per target; ``finite`` whether every entry of ``X`` and ``y``
    was finite.
    """

    def __init__(self, count, mu, nu, S, C, Q, y_max, y_min, finite, scale):
        self.count, self.mu, self.nu = count, mu, nu
        self.S, self.C, self.Q = S, C, Q
        self.y_max, self.y_min = y_max, y_min
        self.finite = finite
        self.scale = scale

    @classmethod
    def from_chunk(cls, X, Y, W, activation, normalize, bias, block_size=None):
        """Statistics of one chunk of rows (``Y`` is ``(r, t)``)."""
        m = W.shape[1]
        values = X.data if sp.issparse(X) else X
        finite = bool(np.all(np.isfinite(values)) and np.all(np.isfinite(Y)))
        Y = np.asarray(Y, dtype=np.float64)
        r, t = Y.shape
        scale = 1.0 / math.sqrt(m)
        if not finite or r == 0:
            z = np.zeros
            return cls(
                0,
                z(m),
                z(t),
                z((m, m)),
                z((m, t)),
                z((t, t)),
                np.full(t, -np.inf),
                np.full(t, np.inf),
                finite,
                scale,
            )
        Xt = prepare_inputs(X, normalize=normalize, bias=bias)
        op = _TaskOperator(Xt, W, activation, m, block_size, regime="primal")
        op.center = True
        nu = Y.mean(axis=0)
        Yc = Y - nu
        S, C = op.gram(Yc, regime="primal")
        return cls(
            r,
            op.mean_raw,
            nu,
            S,
            C.reshape(m, t),
            Yc.T @ Yc,
            Y.max(axis=0),
            Y.min(axis=0),
            True,
            scale,
        )

    def merge(self, other):
        """Both sets of rows (Chan, Golub and LeVeque's pairwise update)."""
        a, b = self, other
        if b.count == 0 or a.count == 0:
            keep = a if b.count else b
            return PrimalStats(
                keep.count,
                keep.mu,
                keep.nu,
                keep.S,
                keep.C,
                keep.Q,
                np.maximum(a.y_max, b.y_max),
                np.minimum(a.y_min, b.y_min),
                a.finite and b.finite,
                a.scale,
            )
        n = a.count + b.count
        w = a.count * b.count / n
        delta, eps = b.mu - a.mu, b.nu - a.nu
        s = a.scale
        S = a.S + b.S + (w * s * s) * np.multiply.outer(delta, delta)
        C = a.C + b.C + (w * s) * np.multiply.outer(delta, eps)
        Q = a.Q + b.Q + w * np.multiply.outer(eps, eps)
        return PrimalStats(
            n,
            a.mu + delta * (b.count / n),
            a.nu + eps * (b.count / n),
            S,
            C,
            Q,
            np.maximum(a.y_max, b.y_max),
            np.minimum(a.y_min, b.y_min),
            a.finite and b.finite,
            s,
        )

    @staticmethod
    def merge_all(*parts):
        out = parts[0]
        for p in parts[1:]:
            out = out.merge(p)
        return out


class _StatsOperator:
    """The primal pieces the solvers read, from :class:`PrimalStats`.

    ``gram`` returns the Gram matrix and ``Z^T Y`` of the centered problem
    (``center``) or of the raw one (rank-one corrections, no cancellation:
    ``Z^T Z = Z_c^T Z_c + n mu mu^T``).
    """

    regime = "primal"
    in_memory = True

    def __init__(self, stats, m, dtype, check):
        self.stats = stats
        self.shape = (int(stats.count), int(m))
        self.dtype = np.dtype(dtype)
        self.scale = stats.scale
        self.mean_raw = stats.mu
        self.center = True
        self._check = check

    def gram(self, Y=None, regime=None):
        st, s = self.stats, self.scale
        G = np.array(st.S, order="F", copy=True)
        C = np.array(st.C, copy=True)
        if not self.center:
            n = st.count
            G += (n * s * s) * np.multiply.outer(st.mu, st.mu)
            C += (n * s) * np.multiply.outer(st.mu, st.nu)
        self._check(self, G)
        return G, C

    def yty(self):
        """``Y^T Y`` of the problem solved (centered or raw)."""
        st = self.stats
        if self.center:
            return st.Q
        return st.Q + st.count * np.multiply.outer(st.nu, st.nu)


def _check_stats_gram(proto):
    """The fit-time guards of ``FeatureOperator`` on a reduced Gram matrix."""

    def check(op, G):
        proto.shape, proto.center, proto.mean_raw = op.shape, op.center, op.mean_raw
        proto.scale = op.scale
        if not op.stats.finite:
            raise ValueError("Input contains NaN or infinity.")
        FeatureOperator._check_gram(proto, G)

    return check


class _Guard(FeatureOperator):
    """Holds an activation for the guards (no data)."""

    def __init__(self, activation, m):
        self.activation = activation
        self.shape = (0, m)


def _y_mean(op):
    """The targets' mean as the solvers take it (None without an intercept)."""
    return op.stats.nu.reshape(op.tail) if op.center else None


def _min_norm_from_r(R_aug, m, n, alpha):
    """Minimum-norm solution from ``R`` of ``[Z_c, Y_c]`` (``+ sqrt(alpha) I``).

    ``[Z Y] = Q [R q; 0 rho]``, so ``min ||Z c - Y||`` is ``min ||R c - q||``:
    the SVD of ``R`` with :func:`numpy.linalg.lstsq`'s cut-off gives the
    minimum-norm solution with error ``eps kappa(Z)``.
    """
    if alpha > 0:
        extra = np.zeros((m, R_aug.shape[1]))
        extra[:, :m] = math.sqrt(alpha) * np.eye(m)
        R_aug = _stack_r(R_aug, extra)
    R, q = R_aug[:m, :m], R_aug[:m, m:]
    U, s, Vh = linalg.svd(R, check_finite=False, lapack_driver="gesdd")
    if alpha == 0.0:
        cut = max(n, m) * np.finfo(np.float64).eps * (s[0] if s.size else 0.0)
        k = int(np.count_nonzero(s > cut))
    else:
        k = s.size
    coef = Vh[:k].T @ ((U[:, :k].T @ q) / s[:k, None])
    return coef, s


def solve_primal_stats(est, stats, m, dtype, Yshape, *, fallback, loo_sums=None):
    """The estimator's solver on primal statistics (fit on dask, partial_fit).

    Every quantity of the primal solvers is a function of ``Z^T Z``,
    ``Z^T y`` and ``y^T y``, so this runs their shared cores
    (:func:`~sklearn_rfnet.solvers.solve_direct`'s Cholesky, then
    ``fallback`` for the ill-conditioned case;
    :func:`~sklearn_rfnet.solvers.solve_ridge_loo` for ``alpha="auto"``,
    exact leave-one-out through ``loo_sums`` when given, else generalized
    cross-validation; :func:`~sklearn_rfnet.solvers.solve_landweber`) on
    the statistics.
    """
    from ._base import AUTO_ALPHAS

    guard = _Guard(est._activation, m)
    op = _StatsOperator(stats, m, dtype, _check_stats_gram(guard))
    op.center = bool(est.fit_intercept)
    op.tail = tuple(Yshape)
    if est.solver == "landweber":
        return _primal_landweber(est, op)
    if not isinstance(est.alpha, str):
        est.alpha_ = float(est.alpha)
        G, ZtY = op.gram()
        alpha = float(est._ridge(est.alpha))
        return _direct_from_gram(
            op, G, ZtY, None, _y_mean(op), alpha, op.tail, fallback=fallback
        )
    alphas = np.asarray(est._ridge(AUTO_ALPHAS), dtype=np.float64)
    alphas = _check_loo_alphas(alphas, op.shape[0], op.center)
    G, ZtY = op.gram()
    YtY = op.yty()
    result = _primal_ridge_loo(op, G, ZtY, _y_mean(op), alphas, op.tail, loo_sums, YtY)
    est.alpha_ = float(AUTO_ALPHAS[int(np.argmin(result.loo_errors))])
    return result


def _primal_landweber(est, op):
    """:func:`~sklearn_rfnet.solvers.solve_landweber` from the statistics."""
    st = op.stats
    G, ZtY = op.gram()
    YtY = op.yty()
    if op.center:
        y_scale = float(np.max(np.maximum(st.y_max - st.nu, st.nu - st.y_min)))
    else:
        y_scale = float(np.max(np.maximum(np.abs(st.y_max), np.abs(st.y_min))))
    y_scale = y_scale if y_scale > 0 else 1.0
    y_norm = math.sqrt(max(float(np.trace(np.atleast_2d(YtY))), 0.0)) / y_scale
    targets = (None, y_norm, y_scale, _y_mean(op), op.tail)
    return _landweber_from_gram(
        op,
        G,
        ZtY / y_scale,
        targets,
        est.step_size,
        est.max_iter,
        est.tol,
        0,
        True,
    )


def _eigh_fallback(op, Yc, alpha):
    """Minimum-norm (ridge) solution from the eigenpairs of ``Z^T Z``.

    What the statistics alone allow (:meth:`partial_fit`, no pass over the
    rows): ``coef = V diag(1 / (lambda + alpha)) V^T Z^T y`` over the
    eigenvalues above the rank threshold; accurate to ``eps kappa(Z^T Z)``,
    the square of the TSQR's ``kappa(Z)`` (the caller's conditioning
    warning says so when it matters).
    """
    n, m = op.shape
    G, ZtY = op.gram()
    lam, V = linalg.eigh(G, lower=True, check_finite=False, overwrite_a=True)
    lam = np.maximum(lam, 0.0)
    summary = spectral_summary(lam, n, m, size=m)
    live = lam > summary.threshold if alpha == 0.0 else np.ones(m, dtype=bool)
    Vl = V[:, live]
    coef = Vl @ ((Vl.T @ ZtY.reshape(m, -1)) / (lam[live] + alpha)[:, None])
    return coef, lam, "eigh", "primal-eigh", 0
