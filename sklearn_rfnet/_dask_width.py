"""Width-parallel random features on dask: the dual regime (``m >= n``).

Each task regenerates its slice of ``W`` from the seed (the block-wise draw
of :func:`~sklearn_rfnet.features.sample_weights`), computes its ``n x n``
partial Gram matrix, its products and its TSQR factor; tree reductions sum
them, so the solvers run unchanged on :class:`DaskWidthOperator`. Also the
small dask helpers shared with :mod:`sklearn_rfnet._dask` (dask imported
lazily: it is an optional dependency).
"""

from __future__ import annotations

import math

import numpy as np

from ._operator import BLOCK_BYTES, FeatureOperator, _BlockedOperator
from ._primal_stats import (
    _stack_r,
    _TaskOperator,
)
from .features import WEIGHT_BLOCK, weight_columns

__all__ = ["DaskWidthOperator", "is_dask_collection"]

SPLIT_EVERY = 8


def is_dask_collection(X):
    """Whether ``X`` is a dask collection, without importing dask.

    Parameters
    ----------
    X : object

    Returns
    -------
    bool

    Examples
    --------
    >>> import numpy as np
    >>> is_dask_collection(np.ones(3))
    False
    """
    module = type(X).__module__ or ""
    return module == "dask" or module.startswith("dask.")


def _dask():
    try:
        import dask
        import dask.array as da
    except ImportError as exc:  # pragma: no cover - only without dask
        raise ImportError(
            "dask input needs dask[array]: pip install 'sklearn-rfnet[dask]'"
        ) from exc
    return dask, da


def _tree(parts, combine, split_every=SPLIT_EVERY):
    """Reduce delayed ``parts`` with ``combine(*group)`` as a tree."""
    dask, _ = _dask()
    parts = list(parts)
    while len(parts) > 1:
        parts = [
            dask.delayed(combine, pure=True)(*parts[i : i + split_every])
            for i in range(0, len(parts), split_every)
        ]
    return parts[0]


def _add(*arrays):
    out = np.array(arrays[0], dtype=np.float64, copy=True)
    for a in arrays[1:]:
        out += a
    return out


# --------------------------------------------------------------------------
# Local (per-task) operators


# --------------------------------------------------------------------------
# Dual regime: width tasks


def _width_task(Xt, cols, seed, weights, activation, m, block_size, center, mu):
    W = weight_columns(Xt.shape[1], cols, seed, weights, Xt.dtype)
    op = _TaskOperator(Xt, W, activation, m, block_size, regime="dual")
    op.center = center
    op.mean_raw = mu
    return op


def _task_gram(Xt, spec, center):
    op = _width_task(Xt, *spec, center, None)
    H, _ = op.gram(regime="dual")
    return H, op.mean_raw


def _sum_grams(*parts):
    return _add(*[p[0] for p in parts]), None


def _task_matmat(Xt, spec, center, mu, A):
    return _width_task(Xt, *spec, center, mu).matmat(A)


def _task_rmatmat(Xt, spec, center, mu, C):
    return _width_task(Xt, *spec, center, mu).rmatmat(C)


def _task_residual(Xt, spec, center, mu, C):
    C = np.asarray(C, dtype=np.float64)
    return _width_task(Xt, *spec, center, mu).dual_residual(C, np.zeros(C.shape))


def _task_tsqr(Xt, spec, center, mu):
    return _width_task(Xt, *spec, center, mu).tsqr()


class DaskWidthOperator(FeatureOperator):
    """The dual-regime operator with hidden units split over dask tasks.

    ``Z = gamma(X_tilde W) / sqrt(m)`` with ``X_tilde`` (``n x d``, small in
    this regime) kept on the workers and ``W`` split into ``n_tasks`` column
    ranges (multiples of ``WEIGHT_BLOCK``), each regenerated from the seed
    inside its task. Every method is a sum (``Z Z^T``, ``Z A``, a TSQR tree)
    or a concatenation (``Z^T C``) over the tasks, so results equal the
    in-memory :class:`~sklearn_rfnet._operator.FeatureOperator` to rounding.

    Parameters
    ----------
    X_tilde : dask array of shape (n, d)
        Prepared inputs (rows on the sphere, bias column appended).
    seed : int
        Seed of the weights (:func:`~sklearn_rfnet.features.weight_seed`).
    m : int
        Width.
    weights : {"sphere", "gaussian"}
    activation : Activation
    n_tasks : int, default=None
        Width tasks; ``None`` is twice the workers of the active client (or
        the threads of the local scheduler), at least 2.
    block_size : int, default=None
        Hidden units per block inside a task (memory, as in
        :class:`~sklearn_rfnet._operator.FeatureOperator`).

    Examples
    --------
    >>> import numpy as np, dask.array as da
    >>> from sklearn_rfnet.activations import get_activation
    >>> from sklearn_rfnet.features import prepare_inputs, sample_weights
    >>> X = prepare_inputs(np.random.RandomState(0).normal(size=(6, 3)))
    >>> op = DaskWidthOperator(da.from_array(X), 1, 600, "sphere",
    ...                        get_activation("relu", 3), n_tasks=3)
    >>> ref = FeatureOperator(X, sample_weights(3, 600, random_state=1),
    ...                       get_activation("relu", 3))
    >>> bool(np.allclose(op.gram()[0], ref.gram()[0], rtol=1e-12))
    True
    """

    # no float32 twin: precision="mixed" is in-memory only (the solvers then
    # take the float64 path, sklearn_rfnet._mixed._mixed_operators)
    astype = None

    def __init__(
        self,
        X_tilde,
        seed,
        m,
        weights,
        activation,
        n_tasks=None,
        block_size=None,
        scheduler=None,
    ):
        n, d = X_tilde.shape
        _BlockedOperator.__init__(
            self,
            (n, m),
            X_tilde.dtype,
            1.0 / math.sqrt(m),
            block_size,
            BLOCK_BYTES,
        )
        self.in_memory = False  # no refinement pass from a held Z
        self.activation = activation
        self.X = self.W = None
        dask, _ = _dask()
        X_tilde = X_tilde.rechunk((n, d)).persist()
        self._Xt = X_tilde.to_delayed().ravel()[0]
        self._keep = X_tilde  # keeps the persisted block alive
        n_tasks = n_tasks or _default_tasks()
        n_blocks = -(-m // WEIGHT_BLOCK)
        n_tasks = max(1, min(int(n_tasks), n_blocks))
        edges = [round(i * n_blocks / n_tasks) * WEIGHT_BLOCK for i in range(n_tasks)]
        edges.append(m)
        pairs = zip(edges[:-1], edges[1:], strict=True)
        self.slices = [slice(a, b) for a, b in pairs if b > a]
        self._specs = [
            (sl, seed, weights, activation, m, block_size) for sl in self.slices
        ]
        self._dask = dask

    def _mu(self, sl):
        return None if self.mean_raw is None else self.mean_raw[sl]

    def _compute(self, *objs):
        return self._dask.compute(*objs)

    def gram(self, Y=None, regime=None):
        """``H_hat = Z Z^T`` (``n x n``), summed over width tasks as a tree.

        Parameters
        ----------
        Y : ignored
            (The dual Gram does not involve the targets.)
        regime : {"dual", None}
            Only the dual Gram is distributed over width.

        Returns
        -------
        H : ndarray of shape (n, n), float64, Fortran-ordered
        ZtY : None
        """
        if (regime or "dual") != "dual":
            raise NotImplementedError("DaskWidthOperator gives the dual Gram only.")
        delayed = self._dask.delayed
        parts = [
            delayed(_task_gram, pure=True)(self._Xt, s, self.center)
            for s in self._specs
        ]
        total = _tree(parts, _sum_grams)
        (H, _), *means = self._compute(total, *[p[1] for p in parts])
        self.mean_raw = np.concatenate(means) if self.center else None
        H = np.asfortranarray(H)
        self._check_gram(H)
        return H, None

    def matmat(self, A):
        """``Z A`` (``n x k``), summed over width tasks."""
        A = np.asarray(A)
        delayed = self._dask.delayed
        parts = [
            delayed(_task_matmat, pure=True)(
                self._Xt, s, self.center, self._mu(s[0]), A[s[0]]
            )
            for s in self._specs
        ]
        (out,) = self._compute(_tree(parts, _add))
        return out.astype(np.result_type(self.dtype, A.dtype), copy=False)

    def rmatmat(self, C):
        """``Z^T C`` (``m x k``): each width task gives its rows, in parallel."""
        C = np.asarray(C)
        delayed = self._dask.delayed
        Cd = delayed(C, pure=True)
        parts = [
            delayed(_task_rmatmat, pure=True)(
                self._Xt, s, self.center, self._mu(s[0]), Cd
            )
            for s in self._specs
        ]
        return np.concatenate(self._compute(*parts), axis=0)

    def dual_residual(self, C, Y):
        """``Y - Z Z^T C``, one pass over the width tasks."""
        delayed = self._dask.delayed
        Cd = delayed(np.asarray(C), pure=True)
        parts = [
            delayed(_task_residual, pure=True)(
                self._Xt, s, self.center, self._mu(s[0]), Cd
            )
            for s in self._specs
        ]
        (R,) = self._compute(_tree(parts, _add))
        return np.asarray(Y, dtype=np.float64) + R

    def tsqr(self, shift=0.0):
        """``R`` of ``Z^T`` by a TSQR tree over width tasks.

        Each task folds its columns into an ``n x n`` triangle (the streamed
        TSQR of :class:`~sklearn_rfnet._operator.FeatureOperator`), and the
        triangles are stacked and re-factored up a tree; ``sqrt(shift) I``
        joins last. ``R^T R = Z Z^T + shift I``.
        """
        delayed = self._dask.delayed
        parts = [
            delayed(_task_tsqr, pure=True)(self._Xt, s, self.center, self._mu(s[0]))
            for s in self._specs
        ]
        (R,) = self._compute(_tree(parts, _stack_r))
        if shift > 0:
            R = _stack_r(R, math.sqrt(shift) * np.eye(R.shape[0]))
        return R

    def blocks(self, regime=None):  # pragma: no cover - guard
        raise NotImplementedError("Z is never gathered from the workers.")

    def materialize(self):  # pragma: no cover - guard
        raise NotImplementedError("Z is never gathered from the workers.")


def _default_tasks():
    """Twice the workers (threads) of the active scheduler, at least 2."""
    try:
        from distributed import default_client

        workers = sum(default_client().nthreads().values())
    except (ImportError, ValueError):
        import os

        workers = os.cpu_count() or 1
    return max(2, 2 * workers)
