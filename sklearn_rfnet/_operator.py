"""The blocked feature operator ``Z = gamma(X_tilde W) / sqrt(m)``.

Everything the solvers need from ``Z`` (``n x m``), computed in blocks so that
``Z`` is never held when it does not fit in memory:

* the Gram matrix of the regime: ``H_hat = Z Z^T`` (``n x n``, eq. 2.6) in
  the *dual* regime (``m >= n``), streamed over blocks of hidden units, or
  ``Z^T Z`` (``m x m``) in the *primal* regime (``m < n``), streamed over row
  chunks (with ``Z^T y`` in the same pass). Both by BLAS ``?syrk``;
* products ``Z A`` and ``Z^T C``;
* a streamed TSQR: the triangular factor ``R`` of ``Z^T`` (dual) or ``Z``
  (primal), block by block with LAPACK ``?tpqrt`` (the QR of an upper
  triangle stacked on a block), so that ``R^T R`` is the Gram matrix but
  ``kappa(R) = kappa(Z)`` is not squared.

Blocks are *memory*, not mathematics: every entry of ``Z`` comes from the same
``W`` whatever the block size, and every operation is an exact sum over
blocks, so results depend on ``block_size`` only through rounding.

This module knows activations and BLAS/LAPACK, nothing of estimators.
"""

from __future__ import annotations

import functools
import math
import mmap
import sys

import numpy as np
from scipy.linalg import lapack
from scipy.linalg.blas import get_blas_funcs

from ._blas import dot, gemm_into

__all__ = ["DenseOperator", "FeatureOperator", "gram_update", "symmetrize_lower"]

# Default memory for one block of Z: 128 MiB.
BLOCK_BYTES = 128 * 2**20
# Block size of LAPACK ?tpqrt (the TSQR's inner blocking).
_TPQRT_NB = 64
# The centered panels of a held Z for its Gram (_centered_panels): at least
# _PANEL_COLS columns (each ?syrk update then amortizes its n x n traffic),
# about _PANEL_BYTES otherwise.
_PANEL_COLS = 2048
_PANEL_BYTES = 8 * 2**20
# A held Z at least this large gets base pages, not transparent huge pages
# (_fresh_array).
_FRESH_BYTES = 256 * 2**20


def _fresh_array(shape, dtype):
    """An uninitialized array for a large held ``Z``, on base pages.

    numpy asks Linux for transparent huge pages on every large allocation
    (``madvise(MADV_HUGEPAGE)``). Where the kernel compacts memory to find
    them on the first write (``defrag`` set to ``madvise``, a common
    default), a fresh 1.28 GB ``Z`` measured 1.8-3.0 s to fault in on the
    2-core benchmark machine whenever other arrays had come and gone before
    it (the case of every fit but the first), against 0.42 s on 4 KiB pages
    and 0.17 s for a second write: the first write cost more than computing
    the features. An anonymous ``mmap`` without that advice gets base pages
    (Linux; elsewhere, and for small arrays, ``np.empty``). The memory is
    released with the array.
    """
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    flags = getattr(mmap, "MAP_PRIVATE", 0) | getattr(mmap, "MAP_ANONYMOUS", 0)
    if nbytes < _FRESH_BYTES or not sys.platform.startswith("linux") or not flags:
        return np.empty(shape, dtype=dtype)
    buf = mmap.mmap(-1, nbytes, flags=flags)
    return np.frombuffer(buf, dtype=dtype).reshape(shape)


def gram_update(H, G, scale=1.0, *, work=None):
    """Accumulate ``H += scale * G G^T`` into the lower triangle of ``H``.

    Uses BLAS ``?syrk``, half the flops of a GEMM, reading ``G`` (or its
    transpose) in place whether it is C- or Fortran-ordered.

    Parameters
    ----------
    H : ndarray of shape (p, p), float64, Fortran-ordered
        Accumulator; only its lower triangle is referenced and updated.
    G : ndarray of shape (p, b)
        A block: columns of ``Z`` (dual) or ``Z_rows^T`` (primal), float32 or
        float64. A float32 block is multiplied by ``ssyrk`` and accumulated
        in float64.
    scale : float, default=1.0
    work : ndarray of shape (p, p), float32, Fortran-ordered, optional
        Scratch for a float32 ``G``, reused across blocks; its strict upper
        triangle must be zero (``?syrk`` writes the lower triangle only and
        the whole buffer is added to ``H``).

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
    G = np.asarray(G)
    if G.flags.f_contiguous:
        a, trans = G, 0  # G G^T
    else:
        a, trans = np.ascontiguousarray(G).T, 1  # (G^T)^T (G^T), no copy
    (syrk,) = get_blas_funcs(("syrk",), (a,))
    if a.dtype == H.dtype:
        return syrk(scale, a, beta=1.0, c=H, trans=trans, lower=1, overwrite_c=1)
    if work is None or work.dtype != a.dtype or not work.flags.f_contiguous:
        part = syrk(scale, a, trans=trans, lower=1)
    else:
        part = syrk(scale, a, beta=0.0, c=work, trans=trans, lower=1, overwrite_c=1)
    H += part
    return H


def symmetrize_lower(H, block=512):
    """Copy the lower triangle of ``H`` onto its upper triangle, in place.

    Parameters
    ----------
    H : ndarray of shape (p, p)
    block : int, default=512
        Rows per copied panel.

    Returns
    -------
    H : ndarray
        The same array, now symmetric.
    """
    n = H.shape[0]
    for i0 in range(0, n, block):
        i1 = min(i0 + block, n)
        H[i0:i1, i1:] = H[i1:, i0:i1].T
        sub = H[i0:i1, i0:i1]
        # the strict upper triangle from the lower one, in place (a masked
        # copy reads only lower entries, which it does not write)
        np.copyto(sub, sub.T, where=_strict_upper(i1 - i0))
    return H


@functools.lru_cache(maxsize=4)
def _strict_upper(k):
    """Read-only mask of the strict upper triangle of a ``k x k`` block."""
    mask = np.triu(np.ones((k, k), dtype=bool), 1)
    mask.setflags(write=False)
    return mask


class _BlockedOperator:
    """``Z = scale * Z_raw`` evaluated by blocks; subclasses fill raw blocks.

    The regime is set by the shape: ``"dual"`` (``m >= n``) streams blocks
    of ``block`` columns (``n x block``), ``"primal"`` (``m < n``) chunks of
    ``block`` rows (``block x m``). ``block_size=None`` takes the largest
    block within ``block_bytes``; a block that covers ``Z`` keeps it.

    With ``center = True`` every operation acts on the centered features
    ``Z_c = Z - 1 mu^T`` (``mu`` the column means over the rows, found by
    :meth:`gram`): the least-squares problem of a model with an unpenalized
    intercept. ``Z_c`` is never formed: blocks are centered as they pass.
    """

    def __init__(self, shape, dtype, scale, block_size, block_bytes):
        n, m = shape
        self.shape = (int(n), int(m))
        self.dtype = np.dtype(dtype)
        self.scale = float(scale)
        self.regime = "dual" if m >= n else "primal"
        self._block_size = block_size
        self._block_bytes = int(block_bytes)
        self.block_size = self._step(self.regime)
        along = m if self.regime == "dual" else n  # the streamed dimension
        self.in_memory = self.block_size >= along
        self._raw = None
        self.center = False  # work with Z_c = Z - 1 mean^T (an intercept)
        self.mean_raw = None  # column means of Z_raw, set by gram()

    def _step(self, regime):
        """Columns (dual) or rows (primal) per block when streaming that way."""
        n, m = self.shape
        along, across = (m, n) if regime == "dual" else (n, m)
        step = self._block_size
        if step is None or regime != self.regime:
            step = self._block_bytes // max(across * self.dtype.itemsize, 1)
        return int(max(1, min(step, max(along, 1))))

    # -- to be provided -----------------------------------------------------
    def _fill(self, rows, cols, out):  # pragma: no cover - abstract
        raise NotImplementedError

    # -- blocks ---------------------------------------------------------------
    def _raw_all(self):
        if self._raw is None:
            n, m = self.shape
            out = _fresh_array((n, m), self.dtype)
            self._raw = self._fill(slice(0, n), slice(0, m), out)
        return self._raw

    def blocks(self, regime=None):
        """Yield raw blocks of ``Z`` along a regime.

        Every ``G`` is a view of one reused buffer (a fresh array per block
        would be faulted in page by page, which costs more than the GEMM
        that fills it): use it before advancing the generator.

        Parameters
        ----------
        regime : {"dual", "primal"}, default=None
            ``"dual"``: blocks of columns, ``G = Z_raw[:, slice]``
            (``n x b``); ``"primal"``: chunks of rows,
            ``G = Z_raw[slice, :]`` (``r x m``). ``None`` is the operator's
            own regime.

        Yields
        ------
        slice : slice
            The columns (dual) or rows (primal) of the block.
        G : ndarray
            The raw block; ``Z = scale * Z_raw``.
        """
        n, m = self.shape
        regime = regime or self.regime
        if self.in_memory:
            whole = slice(0, m if regime == "dual" else n)
            yield whole, self._raw_all()
            return
        b = self._step(regime)
        if regime == "dual":
            buf = np.empty(n * b, dtype=self.dtype)
            for start in range(0, m, b):
                stop = min(start + b, m)
                G = buf[: n * (stop - start)].reshape(n, stop - start)
                yield slice(start, stop), self._fill(slice(0, n), slice(start, stop), G)
        else:
            buf = np.empty(b * m, dtype=self.dtype)
            for start in range(0, n, b):
                stop = min(start + b, n)
                G = buf[: (stop - start) * m].reshape(stop - start, m)
                yield slice(start, stop), self._fill(slice(start, stop), slice(0, m), G)

    def materialize(self):
        """``Z`` as a new array, whatever the block size.

        Returns
        -------
        Z : ndarray of shape (n, m)
        """
        n, m = self.shape
        if self._raw is not None:
            Z = self._raw.copy()
        else:
            Z = self._fill(slice(0, n), slice(0, m), np.empty((n, m), self.dtype))
        Z *= self.dtype.type(self.scale)
        return Z

    # -- Gram -----------------------------------------------------------------
    def gram(self, Y=None, regime=None):
        """The Gram matrix of a regime, and ``Z^T Y`` in the primal.

        Parameters
        ----------
        Y : ndarray of shape (n,) or (n, t), optional
            Targets; in the primal regime ``Z^T Y`` is accumulated in the
            same pass.
        regime : {"dual", "primal"}, default=None
            Which Gram matrix; ``None`` is the operator's regime (the one
            with the smaller Gram matrix). The cross-validation estimators
            ask for the dual one whatever the shape.

        Returns
        -------
        G : ndarray of shape (p, p), float64, Fortran-ordered, symmetric
            ``Z Z^T`` (dual, ``p = n``) or ``Z^T Z`` (primal, ``p = m``).
        ZtY : ndarray of shape (m,) or (m, t), float64, or None
            ``Z^T Y`` in the primal regime when ``Y`` is given, else None.
        """
        n, m = self.shape
        regime = regime or self.regime
        p = n if regime == "dual" else m
        H = np.zeros((p, p), order="F")
        work = None
        if self.dtype != H.dtype and not self.in_memory:  # one ssyrk buffer
            work = np.zeros((p, p), dtype=self.dtype, order="F")  # upper stays 0
        s2 = self.scale**2
        ZtY = None
        if regime == "primal" and Y is not None:
            Y = np.asarray(Y, dtype=np.float64)
            ZtY = np.zeros((m,) + Y.shape[1:])
        if self.center:
            self.mean_raw = np.zeros(m)
        # primal centering, one pass (Chan, Golub and LeVeque's update): each
        # chunk is centered on its own mean, and the chunks are merged with
        # the rank-one term count * r / (count + r) * delta delta^T
        count, y_mean = 0, None
        for sl, G in self.blocks(regime):
            if regime == "dual":
                if self.center:
                    mu = np.mean(G, axis=0, dtype=np.float64)
                    self.mean_raw[sl] = mu
                    for Gc in self._centered_panels(G, mu):
                        gram_update(H, Gc, s2, work=work)
                    continue
                gram_update(H, G, s2, work=work)
                continue
            Yk = None if ZtY is None else Y[sl]
            if self.center:
                r = G.shape[0]
                mu = np.mean(G, axis=0, dtype=np.float64)
                G = self._minus(G, mu)
                if Yk is not None:
                    yk_mean = Yk.mean(axis=0)
                    Yk = Yk - yk_mean
                if count:
                    w = count * r / (count + r)
                    delta = mu - self.mean_raw
                    H += (w * s2) * np.multiply.outer(delta, delta)
                    if Yk is not None:
                        ZtY += w * np.multiply.outer(delta, yk_mean - y_mean)
                    self.mean_raw += delta * (r / (count + r))
                    if Yk is not None:
                        y_mean = y_mean + (yk_mean - y_mean) * (r / (count + r))
                else:
                    self.mean_raw[...] = mu
                    y_mean = None if Yk is None else yk_mean
                count += r
            gram_update(H, G.T, s2, work=work)
            if ZtY is not None:
                ZtY += dot(G.T, Yk.astype(G.dtype, copy=False))
        if ZtY is not None:
            ZtY *= self.scale
        symmetrize_lower(H)
        self._check_gram(H)
        return H, ZtY

    def _centered_panels(self, G, mu):
        """``G - mu`` by column panels: in place, or for the held ``Z`` (kept
        raw for the later products) through one reused buffer of
        ``_PANEL_COLS`` columns or ``_PANEL_BYTES`` rather than a centered
        copy of the whole ``Z`` (whose first write cost 7 ms of a 62 ms fit
        at 500 x 5000)."""
        if G is not self._raw:
            yield self._minus(G, mu)
            return
        n, m = G.shape
        width = max(_PANEL_COLS, _PANEL_BYTES // max(n * G.dtype.itemsize, 1))
        width = min(m, width)
        buf = np.empty(n * width, dtype=G.dtype)
        mu = mu.astype(G.dtype, copy=False)
        for c0 in range(0, m, width):
            c1 = min(c0 + width, m)
            out = buf[: n * (c1 - c0)].reshape(n, c1 - c0)
            yield np.subtract(G[:, c0:c1], mu[c0:c1], out=out)

    def _minus(self, G, mu):
        """``G - mu`` (rows), in place unless ``G`` is the held ``Z``."""
        mu = mu.astype(G.dtype, copy=False)
        if G is self._raw:
            return G - mu
        G -= mu
        return G

    def _check_gram(self, H):
        diag = np.diagonal(H)
        if not np.all(np.isfinite(diag)):
            self._reject_nonfinite()
        # trace / n = mean squared row norm of Z, the same in both regimes;
        # with centering, sum_i ||z_i||^2 = sum_i ||z_i - mu||^2 + n ||mu||^2
        mean_sq = float(np.sum(diag)) / max(self.shape[0], 1)
        if self.center:
            mean_sq += self.scale**2 * float(self.mean_raw @ self.mean_raw)
        self._check_scale(mean_sq)

    def _reject_nonfinite(self):
        raise ValueError("Z is not finite (NaN or inf entries).")

    def _check_scale(self, mean_sq_row_norm):
        """Hook: reject numerically zero features (see FeatureOperator)."""

    # -- products -------------------------------------------------------------
    def matmat(self, A):
        """``Z A``, block by block.

        Parameters
        ----------
        A : ndarray of shape (m,) or (m, k)

        Returns
        -------
        ZA : ndarray of shape (n,) or (n, k)
        """
        n, m = self.shape
        A = np.asarray(A)
        work_dtype = np.result_type(self.dtype, A.dtype)
        out = np.zeros((n,) + A.shape[1:], dtype=work_dtype)
        for sl, G in self.blocks():
            if self.regime == "dual":
                out += dot(G, A[sl])
            else:
                out[sl] = dot(G, A)
        if self.center:
            out -= dot(self.mean_raw, A)
        out *= self.scale
        return out

    def rmatmat(self, C):
        """``Z^T C``, block by block.

        Parameters
        ----------
        C : ndarray of shape (n,) or (n, k)

        Returns
        -------
        ZtC : ndarray of shape (m,) or (m, k)
        """
        n, m = self.shape
        C = np.asarray(C)
        work_dtype = np.result_type(self.dtype, C.dtype)
        out = np.zeros((m,) + C.shape[1:], dtype=work_dtype)
        for sl, G in self.blocks():
            if self.regime == "dual":
                out[sl] = dot(G.T, C.reshape(n, -1)).reshape(out[sl].shape)
            else:
                out += dot(G.T, C[sl])
        if self.center:
            out -= np.multiply.outer(self.mean_raw, C.sum(axis=0))
        out *= self.scale
        return out

    def dual_residual(self, C, Y):
        """``Y - Z Z^T C`` in one pass over column blocks (``Z^T C`` not kept).

        Parameters
        ----------
        C : ndarray of shape (n,) or (n, k)
            Dual coefficients.
        Y : ndarray of shape (n,) or (n, k)
            Targets.

        Returns
        -------
        R : ndarray of shape (n,) or (n, k), float64
        """
        R = np.array(Y, dtype=np.float64, copy=True)
        s2 = self.scale**2
        c_sum = np.sum(C, axis=0)
        for sl, G in self.blocks("dual"):
            u = dot(G.T, C)
            if self.center:
                mu = self.mean_raw[sl]
                u = u - np.multiply.outer(mu, c_sum)
                R -= s2 * (dot(G, u) - dot(mu, u))
            else:
                R -= s2 * dot(G, u)
        return R

    def row_projections(self, V):
        """Yield ``(rows, Z_c[rows] V)`` chunk by chunk (primal streaming).

        Parameters
        ----------
        V : ndarray of shape (m, k)

        Yields
        ------
        rows : slice
        ZV : ndarray of shape (r, k), float64
            The (centered, when ``center``) rows of ``Z`` times ``V``.
        """
        V = np.asarray(V, dtype=np.float64)
        shift = dot(self.mean_raw, V) if self.center else 0.0
        for sl, G in self.blocks("primal"):
            yield sl, self.scale * (dot(G, V) - shift)

    # -- TSQR -----------------------------------------------------------------
    def tsqr(self, shift=0.0):
        """Triangular factor of ``Z^T`` (dual) or ``Z`` (primal), streamed.

        Tall-skinny QR: ``R`` starts as ``sqrt(shift) I`` and each block
        ``B`` (``Z[:, block]^T`` in the dual, ``Z[rows, :]`` in the primal)
        is folded in by the QR of ``[R; B]`` (LAPACK ``?tpqrt``, which
        exploits the triangle). At the end ``R^T R = G + shift I`` with ``G``
        the Gram matrix of the regime, in exact arithmetic, and
        ``R`` has the singular values of ``[Z, sqrt(shift) I]`` (dual) or
        ``[Z; sqrt(shift) I]`` (primal): ``kappa(R) = kappa(Z)`` when
        ``shift = 0``, not its square. Householder QR is backward stable, so
        ``R`` is the exact factor of a matrix within ``O(eps) ||Z||`` of
        ``Z``.

        Parameters
        ----------
        shift : float, default=0.0
            Ridge strength ``alpha`` (augments ``Z`` with ``sqrt(alpha) I``).

        Returns
        -------
        R : ndarray of shape (p, p), float64, upper triangular
        """
        n, m = self.shape
        p = n if self.regime == "dual" else m
        R = np.zeros((p, p), order="F")
        if shift > 0:
            np.fill_diagonal(R, math.sqrt(shift))
        nb = max(1, min(_TPQRT_NB, p))
        for sl, G in self.blocks():
            B = G.T if self.regime == "dual" else G
            B = np.array(B, dtype=np.float64, order="F")  # tpqrt overwrites it
            if self.center:
                mu = self.mean_raw[sl] if self.regime == "dual" else self.mean_raw
                B -= mu[:, None] if self.regime == "dual" else mu[None, :]
            if self.scale != 1.0:
                B *= self.scale
            R, _, _, info = lapack.dtpqrt(0, nb, R, B, overwrite_a=1, overwrite_b=1)
            if info != 0:  # pragma: no cover - argument error only
                raise RuntimeError(f"LAPACK dtpqrt failed with info={info}.")
        return np.triu(R)


class DenseOperator(_BlockedOperator):
    """Blocked operator around an explicit ``Z`` (tests and custom features).

    Parameters
    ----------
    Z : ndarray of shape (n, m)
        The features.
    block_size : int, default=None
        Columns (``m >= n``) or rows (``m < n``) per block; ``None`` keeps
        ``Z`` whole when it fits in ``block_bytes``.
    block_bytes : int, default=128 MiB
        Memory for one block when ``block_size`` is None.

    Examples
    --------
    >>> import numpy as np
    >>> op = DenseOperator(np.eye(2, 3))
    >>> op.regime, op.gram()[0]
    ('dual', array([[1., 0.],
           [0., 1.]]))
    """

    def __init__(self, Z, block_size=None, block_bytes=BLOCK_BYTES):
        Z = np.asarray(Z)
        if Z.ndim != 2:
            raise ValueError(f"Z must be 2-D, got shape {Z.shape}.")
        if not np.issubdtype(Z.dtype, np.floating):
            Z = Z.astype(np.float64)
        self.Z = Z
        super().__init__(Z.shape, Z.dtype, 1.0, block_size, block_bytes)

    def _fill(self, rows, cols, out):
        out[...] = self.Z[rows, cols]
        return out

    def astype(self, dtype, block_bytes=None):
        """The same operator evaluated in another precision.

        Parameters
        ----------
        dtype : dtype
            The new precision (``Z`` cast to it).
        block_bytes : int, default=None
            Memory for one block; ``None`` keeps this operator's.

        Returns
        -------
        op : DenseOperator
        """
        out = DenseOperator(
            self.Z.astype(dtype, copy=False),
            self._block_size,
            self._block_bytes if block_bytes is None else block_bytes,
        )
        out.scale = self.scale
        return out


class FeatureOperator(_BlockedOperator):
    """Blocked operator for ``Z = gamma(X_tilde W) / sqrt(m)``.

    Parameters
    ----------
    X_tilde : {ndarray, CSR matrix} of shape (n, d)
        Prepared inputs (rows on the sphere, bias column appended).
    W : ndarray of shape (d, m)
        Hidden-layer weights; ``Z`` is evaluated in ``W``'s dtype.
    activation : Activation
        Resolved activation (see :func:`~sklearn_rfnet.activations.get_activation`).
    block_size : int, default=None
        Hidden units per block (``m >= n``) or samples per chunk
        (``m < n``); ``None`` keeps each block within ``block_bytes``.
    block_bytes : int, default=128 MiB
        Memory for one block when ``block_size`` is None.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rfnet.activations import get_activation
    >>> X = np.random.RandomState(0).normal(size=(4, 3))
    >>> X /= np.linalg.norm(X, axis=1, keepdims=True)
    >>> W = np.random.RandomState(1).normal(size=(3, 50))
    >>> op = FeatureOperator(X, W, get_activation("relu", 3), block_size=8)
    >>> Z = op.materialize()
    >>> bool(np.allclose(op.gram()[0], Z @ Z.T)), op.in_memory
    (True, False)
    """

    def __init__(
        self, X_tilde, W, activation, block_size=None, block_bytes=BLOCK_BYTES
    ):
        self.X = X_tilde
        self.W = W
        self.activation = activation
        shape = (X_tilde.shape[0], W.shape[1])
        super().__init__(
            shape, W.dtype, 1.0 / math.sqrt(shape[1]), block_size, block_bytes
        )

    def _fill(self, rows, cols, out):
        X = self.X[rows] if rows != slice(0, self.shape[0]) else self.X
        W = self.W[:, cols]
        if isinstance(X, np.ndarray) and X.dtype == self.dtype:
            gemm_into(X, W, out)  # scipy's BLAS, as the solvers (._blas)
        else:  # sparse or mixed-precision input: one temporary
            out[...] = X @ W
        return self.activation(out, out=out)

    def astype(self, dtype, block_bytes=None):
        """The same features evaluated in another precision.

        ``gamma(X_tilde W) / sqrt(m)`` with ``X_tilde`` and ``W`` cast to
        ``dtype`` (the same ``W``: float32 features are the float64 ones
        rounded, to about ``eps32`` relative).

        Parameters
        ----------
        dtype : dtype
            The new precision of ``X_tilde``, ``W`` and the features.
        block_bytes : int, default=None
            Memory for one block; ``None`` keeps this operator's.

        Returns
        -------
        op : FeatureOperator
        """
        return FeatureOperator(
            self.X.astype(dtype, copy=False),
            self.W.astype(dtype, copy=False),
            self.activation,
            block_size=self._block_size,
            block_bytes=self._block_bytes if block_bytes is None else block_bytes,
        )

    def _describe(self):
        a = self.activation
        if a.ell is not None:
            return f"activation={a.name!r} (d={a.d}, ell={a.ell}, zeta={a.zeta:.4g})"
        return f"activation={a.name!r} (d={a.d})"

    def _reject_nonfinite(self):
        raise ValueError(
            f"The features gamma(X W) are not finite: {self._describe()} "
            "returned NaN or inf on the training data. A callable activation "
            "must be finite on [-1, 1]."
        )

    def _check_scale(self, mean_sq_row_norm):
        """Reject features that are numerically zero (a fit-time guard).

        The root-mean-square row norm of ``Z`` at or below ``eps * C``
        (float64 ``eps``, ``C = max |gamma|``): the network output is then
        numerically zero whatever the last layer.
        """
        C = float(self.activation.C) or 1.0
        rms = math.sqrt(max(mean_sq_row_norm, 0.0))
        if rms > np.finfo(np.float64).eps * C:
            return
        n, m = self.shape
        a = self.activation
        if a.ell is not None:
            hint = (
                "The Wendland activation (1 - sqrt(2 - 2 x^T w) / zeta)^ell "
                "vanishes unless x^T w is close to 1, and in high dimension "
                "ell = floor(d/2) + 1 grows while x^T w concentrates near 0. "
                "Reduce the dimension first (e.g. PCA to 10-30 components, as "
                "the paper does for Fashion-MNIST), pass a larger zeta, or use "
                "activation='relu' or 'swish'."
            )
        else:
            hint = "Check the activation and the scaling of the inputs."
        if m < 50:
            hint += f" With n_components={m}, a wider layer may also help."
        raise ValueError(
            f"The features gamma(X W) / sqrt(m) are numerically zero on the "
            f"n_samples={n} training samples (root-mean-square row norm of Z "
            f"{rms:.3g}) with {self._describe()}, n_components={m}. {hint}"
        )
