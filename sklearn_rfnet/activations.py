"""Activation functions gamma of the random-features network (Table 1).

Pure numpy: this module knows nothing of scikit-learn. It is the one source
of facts about each activation: an :class:`ActivationSpec` per entry of
:data:`ACTIVATIONS` (function, ``C``, kinks, parity, closed-form population
kernel when known), read by the estimators' parameter constraints, by
:func:`get_activation` and by :mod:`sklearn_rfnet.population`; user functions
declare their kinks the same way. Every activation is
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
results bitwise independent of the number of threads (``_elementwise``).
Integer powers are taken by repeated multiplication, never ``pow``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import special
from scipy.special import expit

from ._elementwise import _CHUNK, _default_n_threads, _evaluate_chunked  # noqa: F401

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "ActivationSpec",
    "get_activation",
    "scale_zeta",
    "wendland_exponent",
]

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


def _wendland_z0(zeta):
    """Edge ``z_0 = 1 - zeta^2 / 2`` of the support of a Wendland activation.

    ``gamma(z) = 0`` for ``z <= z_0``, where ``r = sqrt(2 - 2z) / zeta``
    reaches 1 (Theorem 3.4). Rounded to 0 within a few ulps: for the default
    ``zeta = sqrt(2)`` (``1 - zeta^2 / 2 = -2.2e-16`` in floating point) the
    activation computes ``r = sqrt(1 - z) * (sqrt(2) / zeta)`` with a factor
    exactly 1, so that its support is exactly ``z > 0``.
    """
    z0 = 1.0 - zeta * zeta / 2.0
    return 0.0 if abs(z0) <= 4.0 * np.finfo(float).eps else z0


def _relu_edge(zeta):
    """ReLU vanishes for ``z <= 0`` (a named function: specs are pickled)."""
    return 0.0


def _relu_phi(t, d, weights="sphere"):
    """ReLU's population kernel in closed form (eq. 3.1); ``t`` in ``[-1, 1]``.

    ``phi(t) = (sin(arccos t) + (pi/2 - arccos t) t) / (2 d pi) + t / (4 d)``
    for weights on ``S^{d-1}``; ``d`` times that (the arc-cosine kernel) for
    ``N(0, I)`` weights, ReLU being positively homogeneous with
    ``E ||w||^2 = d``.
    """
    theta = np.arccos(t)
    sin_theta = np.sqrt((1.0 - t) * (1.0 + t))  # sin(arccos t), exact at +-1
    phi = (sin_theta + (0.5 * np.pi - theta) * t) / (2.0 * d * np.pi) + t / (4.0 * d)
    if weights == "gaussian":
        phi *= d
    return phi


def _check_points(values, name):
    """``values`` as a sorted tuple of distinct finite floats."""
    pts = tuple(sorted({float(z) for z in np.ravel(values)}))
    if not all(math.isfinite(z) for z in pts):
        raise ValueError(f"{name} must be finite numbers, got {values!r}.")
    return pts


@dataclass(frozen=True)
class ActivationSpec:
    """What the package knows about one activation ``gamma``, in one place.

    The built-in activations of Table 1 are the values of
    :data:`ACTIVATIONS`. A user activation is described by wrapping its
    function: the result is callable, so the estimators accept it wherever
    they accept a callable (``activation=ActivationSpec(np.abs, kinks=[0])``),
    and :mod:`sklearn_rfnet.population` reads its kinks, so that the
    quadrature for the population kernel splits there and stays accurate.

    Parameters
    ----------
    function : callable
        ``gamma(z) -> array``, vectorized and elementwise on float arrays,
        finite on ``[-1, 1]``.
    kinks : sequence of float, default=()
        The points ``z`` where ``gamma`` is not analytic (as ``0`` for ReLU
        or ``|z|``); the population kernel's quadrature is split there.
    name : str, default=None
        Name shown in messages; ``None`` takes the function's ``__name__``.
    nonnegative : bool, default=False
        Whether ``gamma >= 0`` everywhere (then ``phi >= 0``, which the table
        of the population kernel enforces).

    Attributes
    ----------
    function, kinks, name, nonnegative
        As above (``kinks`` a sorted tuple of floats).
    C : float or None
        ``max |gamma(z)|`` on ``[-1, 1]`` (Section 2, Lemma 2.4) when it is
        known exactly; ``None`` for a user function (computed on a grid by
        :func:`get_activation`).
    even_polynomial, odd_polynomial : bool or None
        Whether ``(gamma(t) + gamma(-t)) / 2`` and ``(gamma(t) - gamma(-t)) / 2``
        are polynomials, the parity facts of Theorem 3.3 (``None``: not
        known, read off the expansion by
        :func:`~sklearn_rfnet.population.check_positive_definite`).
    analytic : bool
        Whether ``gamma`` is analytic on a neighbourhood of ``[-1, 1]`` (then
        the population kernel takes a tensor Gauss--Jacobi rule).
    description : str
        Where the activation comes from.

    See Also
    --------
    get_activation : Resolves a spec for a dimension ``d``.

    Examples
    --------
    >>> import numpy as np
    >>> spec = ActivationSpec(np.abs, kinks=[0.0])
    >>> spec.name, spec.kinks, spec.C
    ('absolute', (0.0,), None)
    >>> spec(np.array([-0.5, 2.0]))
    array([0.5, 2. ])
    >>> ACTIVATIONS["relu"].kinks, ACTIVATIONS["relu"].odd_polynomial
    ((0.0,), True)
    """

    function: Callable
    kinks: tuple = ()
    name: str | None = None
    nonnegative: bool = False
    C: float | None = field(default=None, init=False, compare=False)
    even_polynomial: bool | None = field(default=None, init=False, compare=False)
    odd_polynomial: bool | None = field(default=None, init=False, compare=False)
    analytic: bool = field(default=False, init=False, compare=False)
    description: str = field(default="user activation", init=False, compare=False)
    # Built-ins only: function is an in-place kernel f(t, *, ell, zeta, ...);
    # the Wendland smoothness index k; the support edge z_0 (gamma = 0 for
    # z <= z_0, also a kink) as a function of zeta; points z off [-1, 1] with
    # square-root behaviour (reached by Gaussian weights); the closed-form phi.
    _builtin: bool = field(default=False, init=False, repr=False, compare=False)
    _wendland_k: int | None = field(default=None, init=False, repr=False, compare=False)
    _support_edge: Callable | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _sqrt_points: tuple = field(default=(), init=False, repr=False, compare=False)
    _phi: Callable | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self):
        if not callable(self.function):
            raise TypeError(f"function must be callable, got {self.function!r}.")
        object.__setattr__(self, "kinks", _check_points(self.kinks, "kinks"))
        if self.name is None:
            f = self.function
            name = getattr(f, "__name__", type(f).__name__)
            object.__setattr__(self, "name", name)

    @classmethod
    def _make_builtin(cls, name, kernel, description, **facts):
        spec = cls(kernel, facts.pop("kinks", ()), name, facts.pop("nonnegative"))
        object.__setattr__(spec, "description", description)
        object.__setattr__(spec, "_builtin", True)
        for key, value in facts.items():
            object.__setattr__(spec, key, value)
        return spec

    def __call__(self, z):
        """Evaluate ``gamma(z)`` (out of place).

        Parameters
        ----------
        z : array_like
            Inputs, typically ``x^T w``.

        Returns
        -------
        gamma_z : ndarray
        """
        if self._wendland_k is not None:
            raise TypeError(
                f"{self.name!r} depends on the dimension d: evaluate "
                f"get_activation({self.name!r}, d) instead."
            )
        if self._builtin:
            return get_activation(self, 1)(z)
        return self.function(z)


ACTIVATIONS = {
    "wendland0": ActivationSpec._make_builtin(
        "wendland0",
        _wendland0_inplace,
        "Wendland phi_{d,0}, Table 1",
        nonnegative=True,
        C=1.0,  # (1 - r)^ell at r = 0 (eq. 3.6)
        even_polynomial=False,  # both parts non-polynomial (Theorem 3.4)
        odd_polynomial=False,
        _wendland_k=0,
        _support_edge=_wendland_z0,
        _sqrt_points=(1.0,),  # r = sqrt(2 - 2z) / zeta
    ),
    "wendland2": ActivationSpec._make_builtin(
        "wendland2",
        _wendland2_inplace,
        "Wendland phi_{d,2}, Table 1",
        nonnegative=True,
        C=3.0,  # the polynomial's constant term at r = 0 (eq. 3.6)
        even_polynomial=False,
        odd_polynomial=False,
        _wendland_k=2,
        _support_edge=_wendland_z0,
        _sqrt_points=(1.0,),
    ),
    "relu": ActivationSpec._make_builtin(
        "relu",
        _relu_inplace,
        "max(z, 0), Table 1",
        kinks=(0.0,),
        nonnegative=True,
        C=1.0,
        even_polynomial=False,  # |t| / 2
        odd_polynomial=True,  # t / 2: no guarantee (Theorem 3.1)
        _support_edge=_relu_edge,
        _phi=_relu_phi,
    ),
    "swish": ActivationSpec._make_builtin(
        "swish",
        _swish_inplace,
        "z / (1 + exp(-z)), Table 1",
        nonnegative=False,
        C=float(expit(1.0)),  # swish is increasing on [-1, 1]
        even_polynomial=False,
        odd_polynomial=True,  # swish(t) - swish(-t) = t (Appendix A.2)
        analytic=True,  # poles at +-i pi
    ),
}
"""Registry of the built-in activations (Table 1 of the paper): name to
:class:`ActivationSpec`. Its keys are the names the estimators accept.

Examples
--------
>>> sorted(ACTIVATIONS)
['relu', 'swish', 'wendland0', 'wendland2']
>>> ACTIVATIONS["wendland2"].C
3.0
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
    kinks : tuple of float
        Points ``z`` where ``gamma`` is not analytic: ``(0.0,)`` for ReLU,
        the support edge ``z_0 = 1 - zeta^2 / 2`` for the Wendland
        activations, the declared kinks of an :class:`ActivationSpec`.
    spec : ActivationSpec
        The facts this object was resolved from (:data:`ACTIVATIONS` entry,
        or the spec of a user function).

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
    kinks: tuple = ()
    spec: ActivationSpec | None = field(default=None, repr=False, compare=False)

    @property
    def zero_below(self):
        """The point ``z_0`` with ``gamma(z) = 0`` for every ``z <= z_0``.

        A float: ``0.0`` for ReLU, ``1 - zeta^2 / 2`` for the Wendland activations
        (Theorem 3.4), ``None`` when there is no such point (or it is not
        known).
        """
        edge = self.spec._support_edge if self.spec is not None else None
        return None if edge is None else edge(self.zeta)

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
        t, w = _moment_rule(weights == "gaussian", self.d)
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


@functools.lru_cache(maxsize=64)
def _moment_rule(gaussian, d):
    """Nodes and normalized weights of :meth:`Activation.second_moment`'s
    rule (computed once per dimension: a fit reads ``phi(1)`` every time)."""
    if gaussian:
        t, w = special.roots_hermitenorm(_MOMENT_NODES)
    elif d == 1:
        t, w = np.array([-1.0, 1.0]), np.array([0.5, 0.5])
    else:
        a = (d - 3) / 2.0
        t, w = special.roots_jacobi(_MOMENT_NODES, a, a)
    w = w / w.sum()
    t.setflags(write=False)
    w.setflags(write=False)
    return t, w


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


def get_activation(activation, d, zeta=None, *, kinks=None):
    """Resolve an activation name, spec or callable into an :class:`Activation`.

    Parameters
    ----------
    activation : {"wendland0", "wendland2", "relu", "swish"}, ActivationSpec \
            or callable
        A name from Table 1 of the paper (a key of :data:`ACTIVATIONS`), an
        :class:`ActivationSpec`, or a vectorized callable
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
    kinks : sequence of float, default=None
        For a plain callable: the points where it is not analytic, as
        ``ActivationSpec(activation, kinks=kinks)`` would declare them.

    Returns
    -------
    activation : Activation
        Callable object that also carries ``C``, ``ell``, ``zeta`` and
        ``kinks``.

    Examples
    --------
    >>> import numpy as np
    >>> gamma = get_activation("wendland0", d=10)
    >>> gamma.ell, gamma.C, gamma.kinks
    (6, 1.0, (0.0,))
    >>> gamma(np.array([1.0, 0.5, 0.0]))
    array([1.00000000e+00, 6.31329235e-04, 0.00000000e+00])
    >>> get_activation(np.abs, d=3, kinks=[0]).kinks
    (0.0,)
    """
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
        raise ValueError(f"d must be a positive integer, got {d!r}.")
    d = int(d)
    if isinstance(activation, str) and activation in ACTIVATIONS:
        activation = ACTIVATIONS[activation]
    if isinstance(activation, ActivationSpec) and activation._builtin:
        if kinks is not None:
            raise ValueError(
                "kinks is only for callable activations: the kinks of "
                f"{activation.name!r} are known."
            )
        return _resolve_builtin(activation, d, zeta)
    if callable(activation):
        spec = activation
        if not isinstance(spec, ActivationSpec):
            spec = ActivationSpec(activation, () if kinks is None else kinks)
        elif kinks is not None:
            spec = ActivationSpec(
                spec.function,
                spec.kinks + tuple(np.ravel(kinks)),
                spec.name,
                spec.nonnegative,
            )
        C = _max_abs_on_interval(spec.function)
        if not np.isfinite(C):
            raise ValueError(
                f"activation {spec.name!r} is not finite on [-1, 1]; it must be a "
                "bounded function there (Section 2)."
            )
        return Activation(
            spec.name, d, None, None, C, spec.function, True, spec.kinks, spec
        )
    raise ValueError(
        f"activation must be one of {sorted(ACTIVATIONS)} or a callable, "
        f"got {activation!r}."
    )


def _resolve_builtin(spec, d, zeta):
    """The :class:`Activation` of a built-in spec for dimension ``d``."""
    if spec._wendland_k is None:
        ell = zeta = None
    else:
        ell = wendland_exponent(d, spec._wendland_k)
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
    kinks = spec.kinks
    if spec._support_edge is not None:
        kinks = tuple(sorted(set(kinks) | {spec._support_edge(zeta)}))
    return Activation(
        spec.name, d, zeta, ell, spec.C, spec.function, False, kinks, spec
    )
