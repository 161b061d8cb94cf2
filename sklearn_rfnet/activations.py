"""Activation functions gamma of the random-features network (Table 1).

Pure numpy: this module knows nothing of scikit-learn. Every activation is
resolved for the ambient dimension ``d`` of the sphere the data live on (the
Wendland activations depend on it, Remark 5) and for the support parameter
``zeta`` (Section 3.4.1). The resolved object knows its constant
``C = max |gamma(z)|`` on ``[-1, 1]`` (Section 2), which enters the width bounds
of Lemma 2.4 and Lemma 2.5.

All built-in activations are defined for every real input and never produce
NaN: rounding can push ``x^T w`` slightly past ``+-1`` and the Wendland
activations clip ``2 - 2z`` at zero before taking the square root.

Evaluation can be done in place (``gamma(t, out=t)``) and in cache-sized
chunks, which is how the estimators evaluate the ``n x m`` matrix ``XW``;
large arrays are split over threads (numpy's ufuncs release the GIL), with
results bitwise independent of the number of threads. Integer powers are
taken by repeated multiplication, never ``pow``.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from scipy import special
from scipy.special import expit

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "get_activation",
    "scale_zeta",
    "wendland_exponent",
]

# Elements per chunk for in-place evaluation: 2**15 float64 = 256 KiB, which
# stays in L2 while a Wendland activation makes its ~9 passes over it.
_CHUNK = 1 << 15
# Arrays of at least this many elements are split over threads (numpy's ufuncs
# release the GIL); below it a thread hand-off costs more than it saves.
_MIN_PARALLEL = 1 << 18
# swish: exp(-z) is evaluated on z clipped to [-_EXP_CLIP, _EXP_CLIP], where it
# neither overflows nor underflows (exp(-708) = 3.3e-308 is normal).
_EXP_CLIP = 708.0


def wendland_exponent(d, k):
    """Exponent ``ell`` of the Wendland function ``phi_{d,k}`` (eq. 3.6, Table 1).

    Parameters
    ----------
    d : int
        Ambient dimension of the data (points on ``S^{d-1}``).
    k : {0, 2}
        Smoothness index of the Wendland function.

    Returns
    -------
    ell : int
        ``floor(d / 2) + 1`` for ``k = 0`` and ``floor(d / 2) + 3`` for ``k = 2``.

    Examples
    --------
    >>> wendland_exponent(10, 0), wendland_exponent(10, 2)
    (6, 8)
    """
    if k == 0:
        return d // 2 + 1
    if k == 2:
        return d // 2 + 3
    raise ValueError(f"Wendland smoothness k must be 0 or 2, got {k!r}.")


class _Scratch:
    """Work buffers of one evaluation chunk, reused across chunks.

    ``tmp`` and ``tmp2`` are scratch space; ``zeros`` holds zeros and is only
    read (``np.maximum(t, zeros)`` is about twice as fast as
    ``np.maximum(t, 0.0)``: the scalar is broadcast on every call).
    """

    def __init__(self, size, dtype):
        self.tmp = np.empty(size, dtype=dtype)
        self.tmp2 = np.empty(size, dtype=dtype)
        self.zeros = np.zeros(size, dtype=dtype)

    def view(self, k):
        """Buffers ``(tmp, tmp2, zeros)`` for a 1-D chunk of ``k <= size`` elements."""
        return self.tmp[:k], self.tmp2[:k], self.zeros[:k]


def _int_power_inplace(t, p, tmp):
    """``t **= p`` for an integer ``p >= 1`` by repeated squaring, in place.

    Left-to-right binary powering: the running power lives in ``tmp`` while
    ``t`` keeps the base, and the last multiplication writes into ``t``, so
    ``p`` costs ``floor(log2 p) + popcount(p) - 1`` multiplications and no
    copy (3 for ``p = 6``, 4 for ``p = 10``); no ``pow``.
    """
    if p == 1:
        return t
    ops = []  # after the leading bit: square, then times t if the bit is set
    for bit in bin(p)[3:]:
        ops.append("sq")
        if bit == "1":
            ops.append("mul")
    acc = t  # the running power; t itself until the first op
    for i, op in enumerate(ops):
        dst = t if i == len(ops) - 1 else tmp
        if op == "sq":
            np.multiply(acc, acc, out=dst)
        else:
            np.multiply(acc, t, out=dst)
        acc = dst
    return t


def _int_power(x, p):
    """``x ** p`` for an integer ``p >= 0`` as a new array (1 for ``p = 0``).

    The out-of-place form of :func:`_int_power_inplace`, used by the
    quadrature of :mod:`sklearn_rfnet.population`.
    """
    if p == 0:
        return np.ones_like(x)
    return _int_power_inplace(np.array(x, dtype=np.float64), p, np.empty(np.shape(x)))


def _wendland_r_inplace(t, zeta, zeros):
    """Overwrite ``t = z`` with ``r = sqrt(2 - 2 z) / zeta`` (Theorem 3.4).

    Computed as ``sqrt((1 - z)_+) * (sqrt(2) / zeta)``: the factor is exactly 1
    for the default ``zeta = sqrt(2)``, which then saves a pass.
    """
    np.subtract(1.0, t, out=t)
    np.maximum(t, zeros, out=t)  # z slightly above 1 from rounding
    np.sqrt(t, out=t)
    c = math.sqrt(2.0) / zeta
    if c != 1.0:
        np.multiply(t, c, out=t)
    return t


def _one_minus_r_plus_inplace(t, zeros):
    """Overwrite ``t = r`` with ``(1 - r)_+ = 1(r <= 1) (1 - r)``."""
    np.subtract(1.0, t, out=t)
    return np.maximum(t, zeros, out=t)


def _wendland0_inplace(t, *, ell, zeta, tmp, tmp2=None, zeros=None):
    # gamma(z) = (1 - r)_+^ell, ell = floor(d/2) + 1 (Table 1, eq. 3.6-3.7)
    zeros = np.zeros_like(t) if zeros is None else zeros
    _wendland_r_inplace(t, zeta, zeros)
    _one_minus_r_plus_inplace(t, zeros)
    return _int_power_inplace(t, ell, tmp)


def _wendland2_inplace(t, *, ell, zeta, tmp, tmp2=None, zeros=None):
    # gamma(z) = (1 - r)_+^(ell+2) [(ell^2 + 4 ell + 3) r^2 + (3 ell + 6) r + 3],
    # ell = floor(d/2) + 3 (Table 1, eq. 3.6-3.7). The polynomial is evaluated
    # in r (Horner, positive coefficients: no cancellation).
    zeros = np.zeros_like(t) if zeros is None else zeros
    poly = np.empty_like(t) if tmp2 is None else tmp2
    _wendland_r_inplace(t, zeta, zeros)
    np.multiply(t, float(ell * ell + 4 * ell + 3), out=poly)
    np.add(poly, float(3 * ell + 6), out=poly)
    np.multiply(poly, t, out=poly)
    np.add(poly, 3.0, out=poly)
    _one_minus_r_plus_inplace(t, zeros)
    _int_power_inplace(t, ell + 2, tmp)
    np.multiply(t, poly, out=t)
    return t


def _relu_inplace(t, *, ell, zeta, tmp, tmp2=None, zeros=None):
    # gamma(z) = max(z, 0) (Table 1)
    return np.maximum(t, 0.0 if zeros is None else zeros, out=t)


def _swish_inplace(t, *, ell, zeta, tmp, tmp2=None, zeros=None):
    # gamma(z) = z / (1 + exp(-z)) (Table 1). exp(-z) is taken on z clipped to
    # [-708, 708], so it neither overflows nor underflows; below z = -708 the
    # value is held at swish(-708) = -2.3e-305 (the exact value is smaller
    # still), above z = 708 it is z to double precision, as it should be.
    np.clip(t, -_EXP_CLIP, _EXP_CLIP, out=tmp)
    np.negative(tmp, out=tmp)
    np.exp(tmp, out=tmp)
    np.add(tmp, 1.0, out=tmp)
    np.maximum(t, -_EXP_CLIP, out=t)
    return np.divide(t, tmp, out=t)


@dataclass(frozen=True)
class _Spec:
    """Static description of a built-in activation."""

    kernel: Callable
    wendland_k: int | None
    description: str


ACTIVATIONS = {
    "wendland0": _Spec(_wendland0_inplace, 0, "Wendland phi_{d,0}, Table 1"),
    "wendland2": _Spec(_wendland2_inplace, 2, "Wendland phi_{d,2}, Table 1"),
    "relu": _Spec(_relu_inplace, None, "max(z, 0), Table 1"),
    "swish": _Spec(_swish_inplace, None, "z / (1 + exp(-z)), Table 1"),
}
"""Registry of built-in activation names (Table 1 of the paper).

Examples
--------
>>> sorted(ACTIVATIONS)
['relu', 'swish', 'wendland0', 'wendland2']
"""


# Nodes of the quadrature rule of Activation.second_moment.
_MOMENT_NODES = 200


@dataclass(frozen=True)
class Activation:
    """An activation ``gamma`` resolved for a dimension ``d`` and width ``zeta``.

    Built by :func:`get_activation`; call it on an array to evaluate ``gamma``
    elementwise.

    Attributes
    ----------
    name : str
        Registry name, or the callable's ``__name__`` for user activations.
    d : int
        Ambient dimension of the data (points on ``S^{d-1}``).
    zeta : float or None
        Support parameter of the Wendland activations (``None`` otherwise).
    ell : int or None
        Wendland exponent ``ell`` (``None`` for non-Wendland activations).
    C : float
        ``max |gamma(z)|`` over ``z`` in ``[-1, 1]`` (Section 2, Lemma 2.4).
        Exact for built-ins; for a callable it is the maximum over a fine grid
        of 20001 points, which can underestimate a narrow peak.

    Examples
    --------
    >>> from sklearn_rfnet.activations import get_activation
    >>> gamma = get_activation("wendland2", d=4)
    >>> gamma.name, gamma.ell, gamma.C
    ('wendland2', 5, 3.0)
    """

    name: str
    d: int
    zeta: float | None
    ell: int | None
    C: float
    _kernel: Callable = field(repr=False, compare=False)
    _user: bool = field(default=False, repr=False)

    def second_moment(self, weights="sphere"):
        """``E_w[gamma(x^T w)^2]`` for a unit vector ``x``.

        The diagonal ``phi(1)`` of the population kernel (eq. 2.7), the same
        for every point on the sphere; ``E ||z(x)||^2`` for the features
        ``z(x) = gamma(x^T W) / sqrt(m)``. The estimators read the ridge
        strength ``alpha`` in this unit. Computed by a fixed 200-node
        Gauss–Jacobi rule for ``x^T w``, whose density on ``[-1, 1]`` is
        proportional to ``(1 - t^2)^((d - 3) / 2)`` for ``w`` uniform on
        ``S^{d-1}`` (Gauss–Hermite for ``N(0, I)`` weights): deterministic,
        exact for polynomials of degree 399, about ``1e-4`` relative for the
        Wendland kinks.

        Parameters
        ----------
        weights : {"sphere", "gaussian"}, default="sphere"
            Distribution of the columns of ``W``.

        Returns
        -------
        moment : float
            ``>= 0``; 0.0 when ``gamma`` vanishes numerically (Wendland
            activations in high dimension).

        Examples
        --------
        >>> from sklearn_rfnet.activations import get_activation
        >>> round(get_activation("relu", d=10).second_moment(), 12)  # 1 / (2d)
        0.05
        """
        if weights == "gaussian":
            t, w = special.roots_hermitenorm(_MOMENT_NODES)
        elif self.d == 1:
            t, w = np.array([-1.0, 1.0]), np.array([0.5, 0.5])
        else:
            a = (self.d - 3) / 2.0
            t, w = special.roots_jacobi(_MOMENT_NODES, a, a)
        w = w / w.sum()
        with np.errstate(under="ignore"):
            g = np.asarray(self(t.copy()), dtype=np.float64)
            return float(w @ (g * g))

    @property
    def is_builtin(self):
        """bool : whether this is one of :data:`ACTIVATIONS`."""
        return not self._user

    def __call__(self, z, out=None):
        """Evaluate ``gamma`` elementwise.

        Parameters
        ----------
        z : array_like
            Inputs, typically ``x^T w``.
        out : ndarray, optional
            Array to write into; ``out=z`` evaluates in place. Must be a
            floating C-contiguous array of the shape of ``z``.

        Returns
        -------
        gamma_z : ndarray
            ``gamma(z)`` with the floating dtype of ``z`` (float64 for
            integer input).
        """
        z = np.asarray(z)
        if not np.issubdtype(z.dtype, np.floating):
            z = z.astype(np.float64)
        if self._user:
            res = np.asarray(self._kernel(z), dtype=z.dtype)
            if res.shape != z.shape:
                raise ValueError(
                    f"activation {self.name!r} returned shape {res.shape} for "
                    f"input of shape {z.shape}; it must act elementwise."
                )
            if out is None:
                return res
            np.copyto(out, res)
            return out
        if out is None:
            out = np.array(z, copy=True, order="C")
        elif out is not z:
            np.copyto(out, z)
        _evaluate_chunked(self._kernel, out, ell=self.ell, zeta=self.zeta)
        return out


def _default_n_threads():
    """Threads for activation evaluation: the usable cores, capped at 8.

    ``OMP_NUM_THREADS`` lowers it, as it does for scikit-learn's OpenMP code.
    """
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        n = os.cpu_count() or 1
    env = os.environ.get("OMP_NUM_THREADS", "")
    if env.strip().isdigit() and int(env) > 0:
        n = min(n, int(env))
    return max(1, min(n, 8))


_POOL = None  # (pid, size, executor), created on first parallel evaluation
_POOL_LOCK = threading.Lock()


def _pool(n_workers):
    """A process-wide thread pool with at least ``n_workers`` threads.

    Keyed by process id: a child made by ``fork`` inherits the object but not
    its threads, and gets a pool of its own.
    """
    global _POOL
    with _POOL_LOCK:
        pid = os.getpid()
        if _POOL is None or _POOL[0] != pid or _POOL[1] < n_workers:
            if _POOL is not None and _POOL[0] == pid:
                _POOL[2].shutdown(wait=False)
            executor = ThreadPoolExecutor(n_workers, thread_name_prefix="sklearn_rfnet")
            _POOL = (pid, n_workers, executor)
        return _POOL[2]


def _run_chunks(kernel, flat, start, stop, ell, zeta):
    """Apply ``kernel`` to ``flat[start:stop]`` chunk by chunk."""
    chunk = min(_CHUNK, max(stop - start, 1))
    work = _Scratch(chunk, flat.dtype)
    for lo in range(start, stop, chunk):
        part = flat[lo : min(lo + chunk, stop)]
        tmp, tmp2, zeros = work.view(part.size)
        kernel(part, ell=ell, zeta=zeta, tmp=tmp, tmp2=tmp2, zeros=zeros)


def _evaluate_chunked(kernel, t, *, ell, zeta, n_threads=None):
    """Apply an in-place kernel to ``t`` in chunks that stay in cache.

    Arrays of at least ``_MIN_PARALLEL`` elements are cut into ``n_threads``
    contiguous ranges of whole chunks, evaluated concurrently (numpy's ufuncs
    release the GIL). Every element is computed by the same sequence of
    operations whatever the split, so the result is bitwise independent of
    ``n_threads``. ``None`` uses :func:`_default_n_threads`.
    """
    flat = t.reshape(-1) if t.flags.c_contiguous else None
    if flat is None:  # rare: non-contiguous output, evaluate whole
        tmp, tmp2, zeros = np.empty_like(t), np.empty_like(t), np.zeros_like(t)
        kernel(t, ell=ell, zeta=zeta, tmp=tmp, tmp2=tmp2, zeros=zeros)
        return t
    size = flat.size
    if n_threads is None:
        n_threads = _default_n_threads()
    n_chunks = -(-size // _CHUNK)
    n_threads = max(1, min(int(n_threads), n_chunks))
    if n_threads == 1 or size < _MIN_PARALLEL:
        _run_chunks(kernel, flat, 0, size, ell, zeta)
        return t
    per = -(-n_chunks // n_threads) * _CHUNK  # whole chunks per thread
    bounds = [(lo, min(lo + per, size)) for lo in range(0, size, per)]
    pool = _pool(len(bounds) - 1)
    futures = [
        pool.submit(_run_chunks, kernel, flat, lo, hi, ell, zeta)
        for lo, hi in bounds[1:]
    ]
    _run_chunks(kernel, flat, *bounds[0], ell, zeta)  # this thread takes one
    for f in futures:
        f.result()
    return t


def _max_abs_on_interval(func, num=20001):
    grid = np.linspace(-1.0, 1.0, num)
    vals = np.asarray(func(grid), dtype=np.float64)
    return float(np.max(np.abs(vals)))


# The bandwidth constant of zeta="scale": the activation at a typical
# x^T w = 0 is exp(-_ZETA_SCALE_C) of its maximum (chosen on the accuracy
# benchmark, docs/accuracy.md).
_ZETA_SCALE_C = 2.0


def scale_zeta(ell, c=None):
    """The support ``zeta`` of ``zeta="scale"``: a bandwidth that keeps the
    Wendland features alive in every dimension.

    With ``zeta = sqrt(2)`` (the paper's, the support of ReLU) the Wendland
    activation is ``(1 - sqrt(1 - z))^ell`` for ``z = x^T w > 0``: for
    ``x^T w`` of typical size ``1 / sqrt(d)`` and ``ell ~ d / 2`` it is
    about ``(4 d)^(-d/4)``, numerically zero from ``d ~ 30`` on. ``zeta``
    is the radius of the support in ``||x - w||``, i.e. the bandwidth (the
    analogue of RBF's ``gamma``). This rule takes
    ``zeta = sqrt(2) / (1 - exp(-c / ell))``, which makes the activation at
    the typical ``x^T w = 0`` equal to ``exp(-c)`` of its maximum in every
    dimension, and ``(1 - sqrt(2 - 2z) / zeta)^ell -> exp(-c sqrt(1 - z))``
    as ``ell`` grows: a dimension-free shape. ``zeta > 2`` puts the whole
    sphere in the support; strict positive definiteness (Theorem 3.4) holds
    for any support radius.

    Parameters
    ----------
    ell : int
        Wendland exponent (:func:`wendland_exponent`).
    c : float, default=None
        Decay constant; ``None`` is the default, 2.0 (chosen on the
        accuracy benchmark: 1.0 loses 0.03-0.04 on friedman3 and digits,
        2.0 is within 0.01 of ``RBFSampler(gamma="scale")`` there).

    Returns
    -------
    zeta : float

    Examples
    --------
    >>> round(scale_zeta(6), 3)
    4.989
    """
    c = _ZETA_SCALE_C if c is None else float(c)
    return math.sqrt(2.0) / (-math.expm1(-c / ell))


def get_activation(activation, d, zeta=None):
    """Resolve an activation name or callable into an :class:`Activation`.

    Parameters
    ----------
    activation : {"wendland0", "wendland2", "relu", "swish"} or callable
        A name from Table 1 of the paper, or a vectorized callable
        ``gamma(z) -> array`` that acts elementwise.
    d : int
        Ambient dimension of the data on the sphere ``S^{d-1}`` (after the bias
        coordinate, if any, is appended). The Wendland exponent depends on it.
    zeta : float, "scale" or None, default=None
        Support parameter of the Wendland activations (Section 3.4.1):
        ``gamma(z) = 0`` when ``sqrt(2 - 2z) > zeta``. ``None`` means
        ``sqrt(2)``, which gives them the support of ReLU (``z > 0``), the
        paper's setting; ``"scale"`` is the dimension-aware bandwidth of
        :func:`scale_zeta` (the estimators' default). Ignored by the other
        activations.

    Returns
    -------
    activation : Activation
        Callable object that also carries ``C``, ``ell`` and ``zeta``.

    Examples
    --------
    >>> import numpy as np
    >>> gamma = get_activation("wendland0", d=10)
    >>> gamma.ell, gamma.C
    (6, 1.0)
    >>> gamma(np.array([1.0, 0.5, 0.0]))
    array([1.00000000e+00, 6.31329235e-04, 0.00000000e+00])
    """
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
        raise ValueError(f"d must be a positive integer, got {d!r}.")
    d = int(d)
    if callable(activation):
        name = getattr(activation, "__name__", type(activation).__name__)
        C = _max_abs_on_interval(activation)
        if not np.isfinite(C):
            raise ValueError(
                f"activation {name!r} is not finite on [-1, 1]; it must be a "
                "bounded function there (Section 2)."
            )
        return Activation(name, d, None, None, C, activation, _user=True)
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {sorted(ACTIVATIONS)} or a callable, "
            f"got {activation!r}."
        )
    spec = ACTIVATIONS[activation]
    if spec.wendland_k is None:
        C = {"relu": 1.0, "swish": float(expit(1.0))}[activation]
        return Activation(activation, d, None, None, C, spec.kernel)
    ell = wendland_exponent(d, spec.wendland_k)
    if zeta is None:
        zeta = math.sqrt(2.0)
    elif isinstance(zeta, str):
        if zeta != "scale":
            raise ValueError(
                f"zeta must be a positive number, 'scale' or None, got {zeta!r}."
            )
        zeta = scale_zeta(ell)
    zeta = float(zeta)
    if not (np.isfinite(zeta) and zeta > 0.0):
        raise ValueError(f"zeta must be a positive finite number, got {zeta!r}.")
    # maximum at z = 1 (r = 0): 1 for phi_{d,0}, 3 for phi_{d,2} (eq. 3.6)
    C = 1.0 if spec.wendland_k == 0 else 3.0
    return Activation(activation, d, zeta, ell, C, spec.kernel)
