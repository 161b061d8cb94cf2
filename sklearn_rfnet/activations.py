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
chunks, which is how the estimators evaluate the ``n x m`` matrix ``XW``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from scipy.special import expit

__all__ = ["ACTIVATIONS", "Activation", "get_activation", "wendland_exponent"]

# Elements per chunk for in-place evaluation: 2**15 float64 = 256 KiB, which
# stays in L2 while a Wendland activation makes its ~10 passes over it.
_CHUNK = 1 << 15


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


def _int_power_inplace(t, p, tmp):
    """``t **= p`` for a small integer ``p >= 1`` by repeated squaring, in place."""
    if p == 1:
        return t
    # result accumulates in tmp, running square in t
    have = False
    while True:
        if p & 1:
            if have:
                np.multiply(tmp, t, out=tmp)
            else:
                np.copyto(tmp, t)
                have = True
        p >>= 1
        if not p:
            break
        np.multiply(t, t, out=t)
    np.copyto(t, tmp)
    return t


def _wendland_r_inplace(t, zeta):
    """Overwrite ``t = z`` with ``r = sqrt(2 - 2 z) / zeta`` (Theorem 3.4)."""
    np.multiply(t, -2.0, out=t)
    np.add(t, 2.0, out=t)
    np.maximum(t, 0.0, out=t)  # z slightly above 1 from rounding
    np.sqrt(t, out=t)
    np.multiply(t, 1.0 / zeta, out=t)
    return t


def _one_minus_r_plus_inplace(t):
    """Overwrite ``t = r`` with ``(1 - r)_+ = 1(r <= 1) (1 - r)``."""
    np.subtract(1.0, t, out=t)
    return np.maximum(t, 0.0, out=t)


def _wendland0_inplace(t, *, ell, zeta, tmp):
    # gamma(z) = (1 - r)_+^ell, ell = floor(d/2) + 1 (Table 1, eq. 3.6-3.7)
    _wendland_r_inplace(t, zeta)
    _one_minus_r_plus_inplace(t)
    return _int_power_inplace(t, ell, tmp)


def _wendland2_inplace(t, *, ell, zeta, tmp):
    # gamma(z) = (1 - r)_+^(ell+2) [(ell^2 + 4 ell + 3) r^2 + (3 ell + 6) r + 3],
    # ell = floor(d/2) + 3 (Table 1, eq. 3.6-3.7). The polynomial is evaluated
    # in r (Horner, positive coefficients: no cancellation).
    _wendland_r_inplace(t, zeta)
    poly = np.multiply(t, float(ell * ell + 4 * ell + 3), out=np.empty_like(t))
    np.add(poly, float(3 * ell + 6), out=poly)
    np.multiply(poly, t, out=poly)
    np.add(poly, 3.0, out=poly)
    _one_minus_r_plus_inplace(t)
    _int_power_inplace(t, ell + 2, tmp)
    np.multiply(t, poly, out=t)
    return t


def _relu_inplace(t, *, ell, zeta, tmp):
    # gamma(z) = max(z, 0) (Table 1)
    return np.maximum(t, 0.0, out=t)


def _swish_inplace(t, *, ell, zeta, tmp):
    # gamma(z) = z / (1 + exp(-z)) = z * expit(z) (Table 1); expit never overflows
    expit(t, out=tmp)
    return np.multiply(t, tmp, out=t)


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
"""Registry of built-in activation names (Table 1 of the paper)."""


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
    """

    name: str
    d: int
    zeta: float | None
    ell: int | None
    C: float
    _kernel: Callable = field(repr=False, compare=False)
    _user: bool = field(default=False, repr=False)

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


def _evaluate_chunked(kernel, t, *, ell, zeta):
    """Apply an in-place kernel to ``t`` in chunks that stay in cache."""
    flat = t.reshape(-1) if t.flags.c_contiguous else None
    if flat is None:  # rare: non-contiguous output, evaluate whole
        tmp = np.empty_like(t)
        kernel(t, ell=ell, zeta=zeta, tmp=tmp)
        return t
    size = flat.size
    chunk = min(_CHUNK, max(size, 1))
    tmp_all = np.empty(chunk, dtype=t.dtype)
    for start in range(0, size, chunk):
        part = flat[start : start + chunk]
        kernel(part, ell=ell, zeta=zeta, tmp=tmp_all[: part.size])
    return t


def _max_abs_on_interval(func, num=20001):
    grid = np.linspace(-1.0, 1.0, num)
    vals = np.asarray(func(grid), dtype=np.float64)
    return float(np.max(np.abs(vals)))


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
    zeta : float, default=None
        Support parameter of the Wendland activations (Section 3.4.1):
        ``gamma(z) = 0`` when ``sqrt(2 - 2z) > zeta``. ``None`` means
        ``sqrt(2)``, which gives them the support of ReLU (``z > 0``).
        Ignored by the other activations.

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
    array([1.        , 0.00000000, 0.        ])
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
    if zeta is None:
        zeta = math.sqrt(2.0)
    zeta = float(zeta)
    if not (np.isfinite(zeta) and zeta > 0.0):
        raise ValueError(f"zeta must be a positive finite number, got {zeta!r}.")
    ell = wendland_exponent(d, spec.wendland_k)
    # maximum at z = 1 (r = 0): 1 for phi_{d,0}, 3 for phi_{d,2} (eq. 3.6)
    C = 1.0 if spec.wendland_k == 0 else 3.0
    return Activation(activation, d, zeta, ell, C, spec.kernel)
