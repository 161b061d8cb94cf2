"""Population matrix ``H`` of the random-features network and its kernel ``phi``.

Pure numpy/scipy: this module knows nothing of scikit-learn.

For weights ``w`` uniform on the sphere ``S^{d-1}`` (or ``N(0, I)``, Appendix
A.1) the infinite-width limit of ``H_hat = Z Z^T`` is the population matrix

    ``H_ij = E_w[gamma(x_i^T w) gamma(w^T x_j)]``            (eq. 2.7, A.1)

and, the distribution of ``w`` being rotation invariant, ``H_ij = phi(x_i^T x_j)``
for a function ``phi`` on ``[-1, 1]`` (eq. 3.4). This module computes ``phi``
for any activation:

* :func:`relu_kernel` and :func:`relu_ntk_kernel` are the closed forms of
  eq. 3.1 and of Theorem 3.2 (the NTK matrix ``G`` of eq. 3.3);
  :func:`ntk_gram` builds ``G``.
* :func:`population_kernel` returns ``phi`` as a callable
  :class:`PopulationKernel` for any activation of Table 1 or any callable,
  by quadrature (below), tabulated once so that ``H`` for ``n = 2000``
  points costs a fraction of a second; :func:`population_gram` builds ``H``.
* :func:`gegenbauer_coefficients`, :func:`funk_hecke_coefficients` and
  :func:`check_positive_definite` are the tools of Theorem 3.3: the
  ultraspherical expansion of ``gamma`` (eq. 3.5), the expansion of ``phi``
  that the Funk--Hecke formula gives, and the test of whether ``H`` is
  strictly positive definite for every set of distinct points.

Quadrature for ``phi`` (weights on the sphere, ``d >= 3``)
----------------------------------------------------------
Put ``x`` at the pole, let ``theta = arccos(x^T w)`` be the polar angle of
``w`` and ``psi`` its azimuth measured from the great circle through ``x``
and ``y``. With ``t = x^T y = cos(theta_t)`` the spherical law of cosines
gives ``y^T w = cos(theta) t + sin(theta) sin(theta_t) cos(psi)``, and ``w``
uniform on the sphere means ``theta`` and ``psi`` are independent with
densities proportional to ``sin(theta)^(d-2)`` and ``sin(psi)^(d-3)``:

    ``phi(t) = E_theta E_psi[gamma(cos theta) gamma(y^T w)]``.

This is a 2-D integral of a piecewise analytic function, computed with
Gauss--Legendre rules on pieces whose ends are the points where the
integrand is not analytic:

1. The reflection through the hyperplane that bisects ``x`` and ``y``
   swaps ``x`` and ``y`` and keeps the measure, so ``phi(t)`` is twice the
   integral over the half sphere nearer ``x`` (``x^T w > y^T w``, i.e.
   ``psi > psi_c(theta)``). This removes the cone point ``w = y`` of the
   Wendland activations (``gamma(y^T w)`` is linear in the distance
   ``|w - y|`` there) from the domain; the cone at ``w = x`` is harmless in
   polar coordinates around ``x``.
2. The kinks of ``gamma`` (ReLU at 0, Wendland at ``z_0 = 1 - zeta^2 / 2``,
   where ``r = sqrt(2 - 2z) / zeta`` reaches 1) split the polar interval at
   ``theta_0 = arccos(z_0)`` and, through the law of cosines, the azimuth
   interval where ``y^T w = z_0``. The polar interval is also split where
   the kink circle around ``y`` becomes tangent to a polar circle
   (``theta = |theta_t - theta_0|``, ``theta_t + theta_0``,
   ``2 pi - theta_t - theta_0``) and where the bisector starts to cut it
   (``theta = theta_t / 2``); at these points the inner integral has
   square-root type singularities, which the substitution
   ``theta = a + (b - a) sin^2(pi s / 2)`` turns analytic.
3. Near-singularities off the real axis (the cone of ``w = y`` when
   ``t -> 1``, clusters of nearby breakpoints) are resolved by geometric
   grading of the pieces towards them.

In high dimension the two densities concentrate: ``x^T w`` has density
proportional to ``(1 - u^2)^((d - 3) / 2)``, of width ``~1 / sqrt(d)``, and
the Wendland activations (exponent ``ell ~ d / 2``) vary on the same scale.
A fixed number of nodes on pieces of fixed length misses such peaks (for
swish the error of ``phi(-1)`` was 1.5e-6 at ``d = 64`` and 0.65 at
``d = 784``), so three more rules apply:

4. No piece is longer than ``4 / sqrt(d)`` in ``theta`` or in ``psi``.
5. The polar angles (and the values of ``y^T w``) that carry at most 1e-32
   of ``phi(1) = E[gamma(x^T w)^2]`` at either end, and the azimuths that
   carry at most 1e-32 of their law, are left out: by the Cauchy--Schwarz
   inequality this changes ``phi(t)`` by at most ~1e-16 ``phi(1)``. When
   ``phi(1)`` itself underflows (Wendland activations with small ``zeta``
   beyond ``d ~ 600``) ``phi = 0``.
6. When ``t -> +-1`` the bisector and the kinks of ``gamma(y^T w)`` sweep
   through the concentrated azimuth law within a polar range
   ``~sin(theta_t) / sqrt(d)``; the polar pieces are graded towards it.

The activations analytic on a neighbourhood of ``[-1, 1]`` (swish) take a
shorter route: with ``w = u x + sqrt(1 - u^2) omega``,
``phi(t) = E[gamma(u) gamma(t u + sqrt(1 - t^2) sqrt(1 - u^2) v)]`` with
``u`` and ``v = cos(psi)`` independent, of densities proportional to
``(1 - u^2)^((d - 3) / 2)`` and ``(1 - v^2)^((d - 4) / 2)``, and the inner
expectation is analytic in ``u`` (``v`` is symmetric, so only even powers of
``sqrt(1 - u^2)`` appear). A tensor Gauss--Jacobi rule with 32 x 32 nodes,
whose weights are these laws however concentrated, converges geometrically
in every dimension.

The normalizing constants ``int_0^pi sin^k`` come from their recurrence
(the difference of two ``gammaln`` values loses 1e-13 at ``k = 1000``). The
result agrees with eq. 3.1 for ReLU to about 1e-14 of ``phi(1)`` for every
``d <= 1000`` and ``t`` (also ``1 - t = 1e-15``), and with an independent
quadrature in polar coordinates of the plane of ``x`` and ``y`` to about
1e-14 of ``phi(1)`` for swish and the Wendland activations up to
``d = 784`` (tests/test_population_accuracy.py). ``d = 2`` (the circle) is a
1-D periodic integral split at the kinks, ``d = 1`` (``w = +-1``) is a sum
of two terms, evaluated as such.

Gaussian weights (Appendix A.1, eq. A.1): ``x^T w`` and ``y^T w`` are
standard normals with correlation ``t``, so
``phi(t) = E[gamma(a) gamma(t a + sqrt(1 - t^2) b)]`` with ``a, b`` i.i.d.
``N(0, 1)``. The same piecewise Gauss--Legendre rules are used on
``[-9, 9]`` (the Gaussian mass beyond is 2e-19), in pieces of length at most
2.5 split at the kinks of ``gamma`` (for the Wendland activations also at
``z = 1``, where ``gamma`` has a square-root singularity and then stays
constant: weights off the sphere give ``|x^T w| > 1``), graded towards
``a = z / t`` where the inner integral varies on the scale
``sqrt(1 - t^2)``. Agreement with the arc-cosine kernel (ReLU) is about
1e-16.

Tabulation
----------
``phi`` is tabulated once per ``(activation, d, zeta, weights)`` (an LRU
cache). On ``theta = arccos(t)`` the points where ``phi`` is not analytic
are known (``theta = 0, pi``, ``theta_0``, sums and differences of the
``theta_0``); on each piece between them, a Chebyshev interpolant in the
variable ``sigma`` with ``theta = a + (b - a) sin^2(pi sigma / 2)`` is built
adaptively from the quadrature (its end-point singularities become smooth in
``sigma``), then cut into ``M`` cells carrying degree-7 polynomials, each
checked against the interpolant. Evaluating ``phi`` is then an ``arccos``, a
cell look-up and a Horner scheme. For ReLU and the Wendland activations
(``gamma >= 0``) the result is clipped at 0, and set to exactly 0 where the
supports of ``gamma(x^T w)`` and ``gamma(y^T w)`` do not overlap
(``t <= 2 z_0^2 - 1`` for ``z_0 >= 0``, e.g. ``t = -1`` for ReLU and the
default ``zeta``), as the quadrature gives there.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from functools import cache, lru_cache

import numpy as np
from scipy.fft import dct
from scipy.integrate import IntegrationWarning
from scipy.special import eval_gegenbauer, gammaln, roots_jacobi, roots_legendre

from .activations import Activation, get_activation

__all__ = [
    "PopulationKernel",
    "PositiveDefiniteCheck",
    "check_positive_definite",
    "funk_hecke_coefficients",
    "gegenbauer_coefficients",
    "ntk_gram",
    "population_gram",
    "population_kernel",
    "relu_kernel",
    "relu_ntk_kernel",
]

_WEIGHTS = ("sphere", "gaussian")
_METHODS = ("auto", "table", "quadrature")

# Nodes per piece of the quadrature for phi (outer polar angle, inner azimuth).
_N_OUTER = 40
_N_INNER = 32
# Weights on the sphere in high dimension: the law of x^T w has density
# proportional to (1 - u^2)^((d - 3) / 2), of width ~ 1 / sqrt(d) around 0, and
# the Wendland activations vary on the same scale. Pieces are at most
# _H_SCALE / sqrt(d) long in theta and psi, and the parts of the domain that
# hold at most a fraction _TAIL of E[gamma(x^T w)^2] (or of the azimuth law)
# at each end are left out.
_H_SCALE = 4.0
_TAIL = 1e-32
_N_MASS = 16
# Gauss--Jacobi nodes per variable for activations analytic near [-1, 1].
_N_JACOBI = 32
# Gaussian weights: truncation of the real line and the longest piece on it.
_GAUSS_HALF_WIDTH = 9.0
_GAUSS_PIECE = 2.5
_N_GAUSS = 20
# Tabulation: relative tolerance of the piecewise Chebyshev interpolant and of
# the cell polynomials (relative to max |phi| = phi(1)).
_TABLE_RTOL = 1e-13
# Built-in activations warn only when the table misses by more than this.
_TABLE_WARN_BUILTIN = 1e-11
_CELL_RTOL = 2e-14
_CELL_DEGREE = 7
_CHEB_LEVELS = (16, 32, 64, 128, 256)
_MAX_SPLIT_DEPTH = 6
_MAX_CELLS = 4096
_EVAL_CHUNK = 1 << 15
# Rows of X must have norm 1 within this tolerance.
_NORM_TOL = 1e-6


# --------------------------------------------------------------------------
# Closed forms: ReLU (eq. 3.1) and its NTK (Theorem 3.2, eq. 3.3)
# --------------------------------------------------------------------------
def _check_d(d, name="d", low=1):
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {d!r}.")
    return int(d)


def _as_t(t):
    """``t`` as a float array clipped to ``[-1, 1]``; refuse NaN/inf."""
    t = np.asarray(t, dtype=np.float64)
    if not np.all(np.isfinite(t)):
        raise ValueError("t must be finite (inner products in [-1, 1]).")
    return np.clip(t, -1.0, 1.0)


def relu_kernel(t, d):
    """Population kernel of ReLU for weights uniform on the sphere (eq. 3.1).

    ``H_ij = phi(x_i^T x_j)`` with (Theorem 3.1, eq. 3.1)

        ``phi(t) = (sin(arccos t) + (pi/2 - arccos t) t) / (2 d pi) + t / (4 d)``,

    which equals ``(sin(theta) + (pi - theta) cos(theta)) / (2 d pi)`` with
    ``theta = arccos t``: ``1/d`` times the arc-cosine kernel of Gaussian
    weights, because ReLU is positively homogeneous and ``E||w||^2 = d`` for
    ``w ~ N(0, I_d)``.

    Parameters
    ----------
    t : array_like
        Inner products ``x_i^T x_j``; clipped to ``[-1, 1]``.
    d : int
        Ambient dimension (the points lie on ``S^{d-1}``).

    Returns
    -------
    phi : ndarray
        ``phi(t)``, with the shape of ``t``.

    See Also
    --------
    population_kernel : The same kernel for any activation, by quadrature.

    Examples
    --------
    >>> relu_kernel([1.0, 0.0, -1.0], d=3)
    array([0.16666667, 0.05305165, 0.        ])
    """
    d = _check_d(d)
    t = _as_t(t)
    theta = np.arccos(t)
    sin_theta = np.sqrt((1.0 - t) * (1.0 + t))  # sin(arccos t), exact at +-1
    return (sin_theta + (0.5 * np.pi - theta) * t) / (2.0 * d * np.pi) + t / (4.0 * d)


def relu_ntk_kernel(t, d):
    """Kernel ``phi~`` of the ReLU neural tangent kernel matrix (Theorem 3.2).

    ``G_ij = phi~(x_i^T x_j)`` with ``phi~(t) = t (pi - arccos t) / (2 d pi)``,
    as in the proof of Theorem 3.2.

    Parameters
    ----------
    t : array_like
        Inner products; clipped to ``[-1, 1]``.
    d : int
        Ambient dimension.

    Returns
    -------
    phi : ndarray

    Notes
    -----
    The expectation written in eq. 3.3,
    ``E_w[x^T y 1(x^T w > 0) 1(y^T w > 0)] = t (pi - arccos t) / (2 pi)``,
    is ``d`` times this ``phi~``: the paper's footnote 6 says its ``phi~``
    differs from the literature by a constant factor. A constant factor
    changes neither the null space (Theorem 3.2) nor the condition number.

    Examples
    --------
    >>> relu_ntk_kernel([1.0, 0.0, -0.5], d=2)
    array([ 0.25      ,  0.        , -0.04166667])
    """
    d = _check_d(d)
    t = _as_t(t)
    return t * (np.pi - np.arccos(t)) / (2.0 * d * np.pi)


def ntk_gram(X):
    """ReLU NTK matrix ``G = phi~(X X^T)`` of eq. 3.3 (Theorem 3.2's scaling).

    Parameters
    ----------
    X : array_like of shape (n, d)
        Rows on the unit sphere ``S^{d-1}``.

    Returns
    -------
    G : ndarray of shape (n, n)
        Symmetric positive semi-definite; see :func:`relu_ntk_kernel` for
        the factor ``d`` between this scaling and eq. 3.3 as written.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rfnet.datasets import make_bad_points
    >>> X, v = make_bad_points(3, return_null_vector=True)
    >>> G = ntk_gram(X)
    >>> bool(np.abs(G @ v).max() < 1e-15)  # Theorem 3.2: G is singular
    True
    """
    X = _check_X(X)
    G = relu_ntk_kernel(X @ X.T, X.shape[1])
    return _symmetrize(G)


# --------------------------------------------------------------------------
# Activation profile: gamma and where it is not analytic
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class _Profile:
    """``gamma`` with the points ``z`` where it is not analytic.

    ``kinks`` are points where ``gamma`` is analytic on both sides (ReLU at
    0, Wendland at ``z_0``); ``roots`` are points with square-root type
    behaviour on at least one side, whose quadrature pieces are graded.
    """

    gamma: Activation
    kinks: tuple
    roots: tuple

    @property
    def breaks(self):
        return tuple(sorted(set(self.kinks) | set(self.roots)))


def _wendland_z0(zeta):
    """Edge ``z_0 = 1 - zeta^2 / 2`` of the support of a Wendland activation.

    Rounded to 0 within a few ulps: for the default ``zeta = sqrt(2)``
    (``1 - zeta^2 / 2 = -2.2e-16`` in floating point) the activation computes
    ``r = sqrt(1 - z) * (sqrt(2) / zeta)`` with a factor exactly 1, so that
    its support is exactly ``z > 0``.
    """
    z0 = 1.0 - zeta * zeta / 2.0
    return 0.0 if abs(z0) <= 4.0 * np.finfo(float).eps else z0


def _resolve(activation, d, zeta, weights, kinks):
    """Return ``(Activation, _Profile, cache_key or None)``."""
    if weights not in _WEIGHTS:
        raise ValueError(f"weights must be one of {_WEIGHTS}, got {weights!r}.")
    d = _check_d(d)
    if isinstance(activation, Activation):
        if activation.d != d:
            raise ValueError(
                f"activation was resolved for d={activation.d}, but d={d}."
            )
        gamma = activation
    else:
        gamma = get_activation(activation, d, zeta=zeta)
    user_kinks = ()
    if kinks is not None:
        user_kinks = tuple(sorted({float(z) for z in np.ravel(kinks)}))
        if not all(math.isfinite(z) for z in user_kinks):
            raise ValueError(f"kinks must be finite numbers, got {kinks!r}.")
    if gamma.is_builtin:
        if kinks is not None:
            raise ValueError(
                "kinks is only for callable activations: the kinks of "
                f"{gamma.name!r} are known."
            )
        name = gamma.name
        if name == "relu":
            k, r = (0.0,), ()
        elif name == "swish":
            k, r = (), ()
        else:  # Wendland: r = sqrt(2 - 2z) / zeta = 1 at z_0 (Theorem 3.4)
            z0 = _wendland_z0(gamma.zeta)
            k = (z0,)
            # off the sphere (Gaussian weights) z > 1 occurs; gamma is
            # constant there and has a square-root singularity at z = 1
            r = (1.0,) if weights == "gaussian" else ()
        key = (name, d, gamma.zeta, weights)
    else:
        k, r = (), user_kinks
        raw = gamma._kernel
        try:
            hash(raw)
            key = ("user", raw, d, weights, user_kinks)
        except TypeError:
            key = None
    if weights == "sphere":  # only |z| < 1 matters on the sphere
        k = tuple(z for z in k if -1.0 < z < 1.0)
        r = tuple(z for z in r if -1.0 < z < 1.0)
    return gamma, _Profile(gamma, k, r), key


def _gamma_on_interval(gamma, z):
    """``gamma(z)`` for quadrature nodes; refuse non-finite values."""
    vals = np.asarray(gamma(z), dtype=np.float64)
    if not np.all(np.isfinite(vals)):
        raise ValueError(
            f"activation {gamma.name!r} returned NaN or inf at a quadrature "
            "node; it must be finite where the weights put x^T w."
        )
    return vals


# --------------------------------------------------------------------------
# Quadrature rules
# --------------------------------------------------------------------------
@cache
def _legendre01(n):
    """Gauss--Legendre nodes and weights on ``[0, 1]`` (read-only)."""
    x, w = roots_legendre(n)
    x = 0.5 * (x + 1.0)
    w = 0.5 * w
    x.setflags(write=False)
    w.setflags(write=False)
    return x, w


@cache
def _graded_legendre01(n):
    """The four variants of :func:`_legendre01` used by :func:`_rule`.

    Row ``v`` (``v = left + 2 right``) holds ``u(s)`` and ``w u'(s)`` for
    the substitution ``x = a + (b - a) u(s)``: ``u = s``;
    ``u = 1 - cos(pi s / 2)`` (graded at the left end);
    ``u = sin(pi s / 2)`` (right end); ``u = sin(pi s / 2)^2`` (both ends).
    Near a graded end ``x - a ~ s^2``, which makes square-root type
    singularities there analytic in ``s``.
    """
    s, w = _legendre01(n)
    h = 0.5 * np.pi * s
    u = np.stack([s, 1.0 - np.cos(h), np.sin(h), np.sin(h) ** 2])
    du = np.stack(
        [
            np.ones_like(s),
            0.5 * np.pi * np.sin(h),
            0.5 * np.pi * np.cos(h),
            0.5 * np.pi * np.sin(2.0 * h),
        ]
    )
    u.setflags(write=False)
    wdu = w * du
    wdu.setflags(write=False)
    return u, wdu


def _rule(a, b, left, right, n):
    """Gauss--Legendre rules on the pieces ``[a_i, b_i]``.

    A flagged end is graded (see :func:`_graded_legendre01`). Returns nodes
    and weights of shape ``(len(a), n)``.
    """
    u, wdu = _graded_legendre01(n)
    a = np.asarray(a, dtype=np.float64)[:, None]
    length = np.asarray(b, dtype=np.float64)[:, None] - a
    v = np.asarray(left, dtype=np.intp) + 2 * np.asarray(right, dtype=np.intp)
    return a + length * u[v], length * wdu[v]


def _pieces(structural, singular, lo, hi, optional=()):
    """Breakpoints on ``[lo, hi]``: ``(a, b, left_singular, right_singular)``.

    ``structural`` points are always kept; an ``optional`` point ``(x, h)``
    (a grading point made at scale ``h``) is dropped if a structural point
    lies within ``h / 4`` of it, since a piece that ends close to, but not
    at, a singularity is nearly singular.
    """
    st = {float(x) for x in structural if lo <= x <= hi} | {lo, hi}
    pts = set(st)
    stv = np.array(sorted(st))
    for x, h in optional:
        if lo < x < hi and np.min(np.abs(stv - x)) > 0.25 * h:
            pts.add(float(x))
    pts = np.array(sorted(pts))
    a, b = pts[:-1], pts[1:]
    keep = b > a
    a, b = a[keep], b[keep]
    sing = {float(x) for x in singular}
    la = np.array([x in sing for x in a], dtype=bool)
    rb = np.array([x in sing for x in b], dtype=bool)
    return a, b, la, rb


def _graded(struct, lo, hi):
    """Geometric grading towards each gap between consecutive ``struct`` points.

    A gap of width ``h`` between two singular points is a singularity at
    scale ``h`` for the pieces next to it: add points at distance
    ``h, 2h, 4h, ...`` on both sides, so that each piece is no longer than
    its distance to the cluster.
    """
    s = np.array(sorted(set(struct)))
    out = []
    for i in range(len(s) - 1):
        h = s[i + 1] - s[i]
        if h <= 0.0:
            continue
        for origin, sign in ((s[i], -1.0), (s[i + 1], 1.0)):
            o = h
            while o < hi - lo:
                x = origin + sign * o
                if not lo < x < hi:
                    break
                out.append((x, o))
                o *= 2.0
    return out


def _ipow(x, k):
    """``x ** k`` for an integer ``k >= 0`` by repeated squaring."""
    result = None
    base = x
    while k:
        if k & 1:
            result = base.copy() if result is None else result * base
        k >>= 1
        if k:
            base = base * base
    return np.ones_like(x) if result is None else result


@cache
def _sin_power_integral(k):
    """``int_0^pi sin(x)^k dx = sqrt(pi) Gamma((k+1)/2) / Gamma(k/2 + 1)``.

    From the recurrence ``I_k = I_{k-2} (k - 1) / k`` (``I_0 = pi``,
    ``I_1 = 2``) as ``exp(sum log1p(-1/j))``: relative error ~1e-15 for every
    ``k``, where the difference of two ``gammaln`` values of size ``k log k``
    loses ~1e-13 at ``k = 1000``.
    """
    j = np.arange(2 + k % 2, k + 1, 2, dtype=np.float64)
    start = math.pi if k % 2 == 0 else 2.0
    return start * math.exp(float(np.sum(np.log1p(-1.0 / j))))


# --------------------------------------------------------------------------
# Direct quadrature for phi(t), one t at a time
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class _SphereDomain:
    """Where the quadrature for ``phi`` on ``S^{d-1}`` looks (``d >= 3``).

    ``theta`` is ``[theta_lo, theta_hi]``: outside it ``x^T w = cos(theta)``
    carries at most a fraction ``_TAIL`` of ``phi(1) = E[gamma(x^T w)^2]`` at
    each end (``None`` when ``phi(1)`` underflows to 0, so that ``phi = 0``);
    ``psi`` is the same for the law of the azimuth (``gamma = 1``); ``h`` is
    the longest piece, ``_H_SCALE / sqrt(d)``.
    """

    theta: tuple | None
    psi: tuple
    h: float


def _mass_range(gamma, k, structural=()):
    """Central range of the mass ``sin(theta)^k gamma(cos theta)^2`` on ``[0, pi]``.

    The mass is integrated on pieces of length ``<= 0.5 / sqrt(k + 1)`` split
    at ``structural``; the pieces at either end whose mass adds up to at most
    ``_TAIL`` of the total are dropped. ``gamma=None`` stands for 1.

    Returns
    -------
    (lo, hi) or None
        ``None`` when the total mass is 0 (underflow, or ``gamma = 0``).
    """
    n = max(16, int(math.ceil(2.0 * math.pi * math.sqrt(k + 1.0))))
    pts = np.linspace(0.0, math.pi, n + 1)
    extra = [x for x in structural if 0.0 < x < math.pi]
    if extra:
        pts = np.unique(np.concatenate([pts, extra]))
    a, b = pts[:-1], pts[1:]
    no = np.zeros(a.size, dtype=bool)
    th, w = _rule(a, b, no, no, _N_MASS)
    f = w * _ipow(np.sin(th), k)
    if gamma is not None:
        g = _gamma_on_interval(gamma, np.cos(th))
        f *= g * g
    mass = f.sum(axis=1)
    total = float(mass.sum())
    if not total > 0.0:
        return None
    cut = _TAIL * total
    i_lo = int(np.searchsorted(np.cumsum(mass), cut, side="right"))
    i_hi = (
        mass.size - 1 - int(np.searchsorted(np.cumsum(mass[::-1]), cut, side="right"))
    )
    return float(a[i_lo]), float(b[i_hi])


def _sphere_domain(prof, d):
    """The :class:`_SphereDomain` of ``gamma`` on ``S^{d-1}``, ``d >= 3``."""
    thetas0 = [math.acos(z) for z in prof.breaks]
    return _SphereDomain(
        theta=_mass_range(prof.gamma, d - 2, thetas0),
        psi=_mass_range(None, d - 3),
        h=_H_SCALE / math.sqrt(d),
    )


def _grid(lo, hi, h):
    """Optional breakpoints ``pi/2 + k h`` in ``(lo, hi)`` (see :func:`_pieces`)."""
    if h >= hi - lo:
        return []
    k0 = math.ceil((lo - 0.5 * math.pi) / h)
    k1 = math.floor((hi - 0.5 * math.pi) / h)
    return [(0.5 * math.pi + k * h, h) for k in range(k0, k1 + 1)]


def _sweep_grading(breaks, t, sin_t, d, h):
    """Grading towards where an edge of the inner integral sweeps the azimuth law.

    At polar angle ``theta`` a kink ``y^T w = z_0`` of ``gamma`` lies at
    ``cos(psi) = c(theta) = (z_0 - t cos(theta)) / (sin(theta_t) sin(theta))``
    and the bisector ``x^T w = y^T w`` at
    ``cos(psi) = c(theta) = tan(theta_t / 2) cot(theta)``. In high dimension
    the azimuth law has its mass within ``~1 / sqrt(d)`` of ``cos(psi) = 0``,
    so as ``theta`` passes the root ``theta_c`` of ``c`` the inner integral
    changes on the scale ``w = |d theta / d c| / sqrt(d)``, much shorter than
    ``h`` when ``t -> +-1``: grade at ``theta_c +- w 2^j`` up to ``h``.
    """
    centres = []
    tan_half = sin_t / (1.0 + t)  # tan(theta_t / 2)
    if tan_half > 0.0:  # bisector: c = 0 at theta = pi / 2
        centres.append((0.5 * math.pi, 1.0 / (tan_half * math.sqrt(d))))
    for z0 in breaks:
        if abs(z0) < abs(t):
            th_c = math.acos(z0 / t)
            sin_c = math.sin(th_c)
            slope = abs(t - z0 * math.cos(th_c)) / (sin_t * sin_c**2)  # |dc/dtheta|
            centres.append((th_c, 1.0 / (slope * math.sqrt(d))))
    out = []
    for th_c, w in centres:
        if w < 0.25 * h:
            out.append((th_c, w))
            o = w
            while o < h:
                out += [(th_c - o, o), (th_c + o, o)]
                o *= 2.0
    return out


def _phi_sphere(t, prof, d, dom):
    """``phi(t)`` for ``w`` uniform on ``S^{d-1}``, ``d >= 3`` (eq. 2.7, 3.4)."""
    if dom.theta is None:  # phi(1) = E[gamma^2] underflows: |phi| <= phi(1)
        return 0.0
    gamma = prof.gamma
    norm = 1.0 / _sin_power_integral(d - 2)
    thetas0 = [math.acos(z) for z in prof.breaks]
    th_lo, th_hi = dom.theta
    h = dom.h
    if abs(t) == 1.0:
        # phi(+-1) = E_u[gamma(u) gamma(+-u)], u = cos(theta)
        st = set(thetas0) | {math.pi - x for x in thetas0}
        a, b, la, rb = _pieces(st, st, th_lo, th_hi, _grid(th_lo, th_hi, h))
        th, w = _rule(a, b, la, rb, _N_OUTER)
        u = np.cos(th)
        vals = _gamma_on_interval(gamma, u) * _gamma_on_interval(gamma, t * u)
        return norm * float(np.sum(w * _ipow(np.sin(th), d - 2) * vals))

    th_t = math.acos(t)
    sin_t = math.sin(th_t)
    top = math.pi - 0.5 * th_t  # end of the half sphere nearer x
    lo, hi = th_lo, min(th_hi, top)
    if not lo < hi:
        return 0.0
    struct = {0.0, 0.5 * th_t, top}
    for th0 in thetas0:
        struct.update((th0, abs(th_t - th0), th_t + th0, 2.0 * math.pi - th_t - th0))
    struct = {x for x in struct if 0.0 <= x <= top}
    # theta = pi (the antipode of x) lies just past top when t -> 1
    optional = _graded(struct | {math.pi}, 0.0, top) + _grid(lo, hi, h)
    optional += _sweep_grading(prof.breaks, t, sin_t, d, h)
    a, b, la, rb = _pieces(struct, struct - {0.0}, lo, hi, optional)
    th1, w1 = _rule(a, b, la, rb, _N_OUTER)
    th1, w1 = th1.ravel(), w1.ravel()
    cos1, sin1 = np.cos(th1), np.sin(th1)
    w1 = w1 * _ipow(sin1, d - 2) * _gamma_on_interval(gamma, cos1)

    # inner azimuth psi in [psi_c, pi]: x^T w > y^T w  <=>
    # cos(psi) < cot(theta) tan(theta_t / 2); y^T w = A + B cos(psi)
    A = cos1 * t
    B = sin1 * sin_t  # > 0 at every node
    cpc = cos1 * math.tan(0.5 * th_t) / sin1
    psi_lo = np.maximum(np.arccos(np.clip(cpc, -1.0, 1.0)), dom.psi[0])
    psi_hi = np.full(th1.size, dom.psi[1])
    # y^T w outside [cos(theta_hi), cos(theta_lo)] carries at most _TAIL of
    # E[gamma(y^T w)^2]: leave it out as for x^T w
    if th_lo > 0.0:
        psi_lo = np.maximum(
            psi_lo, np.arccos(np.clip((math.cos(th_lo) - A) / B, -1, 1))
        )
    if th_hi < math.pi:
        psi_hi = np.minimum(
            psi_hi, np.arccos(np.clip((math.cos(th_hi) - A) / B, -1, 1))
        )
    psi_hi = np.maximum(psi_hi, psi_lo)
    edges = [psi_lo, psi_hi]
    flags = [False, False]
    for z0, is_root in [(z, False) for z in prof.kinks] + [
        (z, True) for z in prof.roots
    ]:
        pk = np.arccos(np.clip((z0 - A) / B, -1.0, 1.0))  # y^T w = z0
        edges.append(np.clip(pk, psi_lo, psi_hi))
        flags.append(is_root)
    E = np.stack(edges, axis=1)
    F = np.broadcast_to(np.array(flags), E.shape)
    grid = [x for x, _ in _grid(dom.psi[0], dom.psi[1], h)]
    if grid:
        # pieces no longer than h; a grid point close to an edge is moved
        # onto it (an empty piece, the edge's grading kept) rather than
        # leaving a sliver
        G = np.broadcast_to(np.array(grid), (th1.size, len(grid))).copy()
        GF = np.zeros(G.shape, dtype=bool)
        for j in range(E.shape[1]):
            close = np.abs(G - E[:, j : j + 1]) <= 0.25 * h
            G = np.where(close, E[:, j : j + 1], G)
            GF = np.where(close, F[:, j : j + 1], GF)
        G = np.clip(G, psi_lo[:, None], psi_hi[:, None])
        E = np.concatenate([E, G], axis=1)
        F = np.concatenate([F, GF], axis=1)
    order = np.argsort(E, axis=1, kind="stable")
    E = np.take_along_axis(E, order, axis=1)
    F = np.take_along_axis(F, order, axis=1)
    # a truncation edge can coincide with a square-root edge clipped onto it
    # (y^T w = cos(theta_hi) with theta_hi = arccos(z_0)): equal edges share
    # their grading
    same = E[:, 1:] == E[:, :-1]
    for j in range(1, E.shape[1]):
        F[:, j] |= F[:, j - 1] & same[:, j - 1]
    for j in range(E.shape[1] - 2, -1, -1):
        F[:, j] |= F[:, j + 1] & same[:, j]
    keep = E[:, 1:] > E[:, :-1]
    row = np.nonzero(keep)[0]
    psi, wpsi = _rule(
        E[:, :-1][keep], E[:, 1:][keep], F[:, :-1][keep], F[:, 1:][keep], _N_INNER
    )
    z = np.clip(A[row, None] + B[row, None] * np.cos(psi), -1.0, 1.0)
    if d > 3:
        wpsi = wpsi * _ipow(np.sin(psi), d - 3)
    piece = np.sum(wpsi * _gamma_on_interval(gamma, z), axis=1)
    inner = np.bincount(row, weights=piece, minlength=th1.size)
    norm_psi = 1.0 / _sin_power_integral(d - 3)
    return 2.0 * norm * norm_psi * float(np.dot(w1, inner))


@cache
def _jacobi_rule(n, alpha):
    """Gauss--Jacobi rule for the density ``~ (1 - x^2)^alpha`` on ``[-1, 1]``.

    ``scipy.special.roots_jacobi`` (Newton-polished nodes; accurate for the
    symmetric weight up to ``alpha ~ 1e5``), weights rescaled to sum to 1.
    Read-only arrays.
    """
    x, w = roots_jacobi(n, alpha, alpha)
    w = w / w.sum()
    x.setflags(write=False)
    w.setflags(write=False)
    return x, w


def _phi_sphere_jacobi(t, gamma, d):
    """``phi(t)`` on ``S^{d-1}``, ``d >= 3``, for ``gamma`` analytic near ``[-1, 1]``.

    With ``u = x^T w`` and ``w = u x + sqrt(1 - u^2) omega``, ``omega``
    uniform on the unit sphere of the complement of ``x``, and
    ``v = omega^T (y - t x) / sqrt(1 - t^2)``,

        ``phi(t) = E[gamma(u) gamma(t u + sqrt(1 - t^2) sqrt(1 - u^2) v)]``

    with ``u`` and ``v`` independent, of densities proportional to
    ``(1 - u^2)^((d - 3) / 2)`` and ``(1 - v^2)^((d - 4) / 2)``. The inner
    expectation is even in ``sqrt(1 - u^2)`` (``v`` is symmetric), hence
    analytic in ``u``, and a tensor Gauss--Jacobi rule converges
    geometrically, in every dimension: the weights are the laws themselves,
    however concentrated. Vectorized over the 1-D array ``t``.
    """
    u, wu = _jacobi_rule(_N_JACOBI, 0.5 * (d - 3))
    v, wv = _jacobi_rule(_N_JACOBI, 0.5 * (d - 4))
    r = np.sqrt((1.0 - u) * (1.0 + u))
    gu = wu * _gamma_on_interval(gamma, u)
    s = np.sqrt((1.0 - t) * (1.0 + t))
    out = np.empty(t.shape)
    step = max(1, _EVAL_CHUNK // (u.size * v.size))
    for i in range(0, t.size, step):
        tc, sc = t[i : i + step, None, None], s[i : i + step, None, None]
        z = np.clip(tc * u[:, None] + (sc * r[:, None]) * v, -1.0, 1.0)
        out[i : i + step] = (_gamma_on_interval(gamma, z) @ wv) @ gu
    return out


def _phi_circle(t, prof):
    """``phi(t)`` for ``w`` uniform on the circle ``S^1`` (``d = 2``)."""
    gamma = prof.gamma
    th_t = math.acos(t)
    th0 = [math.acos(z) for z in prof.breaks]
    two_pi = 2.0 * math.pi
    # kinks of gamma(cos a) and gamma(cos(a - theta_t)), and the cone points
    # a = 0, theta_t (where Wendland activations have a kink in a)
    pts = {0.0, th_t}
    for c in (0.0, th_t):
        for x in th0:
            pts.update(((c + x) % two_pi, (c - x) % two_pi))
    roots = set()
    for c in (0.0, th_t):
        for z in prof.roots:
            x = math.acos(z)
            roots.update(((c + x) % two_pi, (c - x) % two_pi))
    a, b, la, rb = _pieces(pts, roots, 0.0, two_pi)
    al, w = _rule(a, b, la, rb, _N_OUTER)
    vals = _gamma_on_interval(gamma, np.cos(al)) * _gamma_on_interval(
        gamma, np.cos(al - th_t)
    )
    return float(np.sum(w * vals)) / two_pi


def _phi_dim1(t, prof):
    """``phi(t)`` for ``d = 1``: ``w = +-1`` with probability 1/2 each.

    ``phi(t) = (gamma(1) gamma(t) + gamma(-1) gamma(-t)) / 2``, elementwise.
    """
    t = np.asarray(t, dtype=np.float64)
    g_plus, g_minus = _gamma_on_interval(prof.gamma, np.array([1.0, -1.0]))
    return 0.5 * (
        g_plus * _gamma_on_interval(prof.gamma, t)
        + g_minus * _gamma_on_interval(prof.gamma, -t)
    )


_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _gauss_rule_batch(centers, flags, n):
    """Gaussian-measure rules on ``[-L, L]`` for each row of breakpoints.

    ``centers`` (m, k) are breakpoints per row (``flags`` marks square-root
    ones). Rows share a base grid of spacing ``_GAUSS_PIECE``; a grid point
    within a quarter spacing of a breakpoint is moved onto it (an empty
    piece), so that no piece ends near, but not at, a singular point.
    """
    L, h = _GAUSS_HALF_WIDTH, _GAUSS_PIECE
    base = np.arange(-L + h, L - 0.5 * h, h)
    m = centers.shape[0]
    c = np.clip(centers, -L, L)
    grid = np.broadcast_to(base, (m, base.size)).copy()
    gflag = np.zeros((m, base.size), dtype=bool)
    for j in range(c.shape[1]):
        close = np.abs(grid - c[:, j : j + 1]) <= 0.25 * h
        grid = np.where(close, c[:, j : j + 1], grid)
        gflag |= close & flags[:, j : j + 1]
    E = np.concatenate([np.full((m, 1), -L), grid, c, np.full((m, 1), L)], axis=1)
    F = np.concatenate(
        [np.zeros((m, 1), bool), gflag, flags, np.zeros((m, 1), bool)], axis=1
    )
    order = np.argsort(E, axis=1, kind="stable")
    E = np.take_along_axis(E, order, axis=1)
    F = np.take_along_axis(F, order, axis=1)
    x, w = _rule(
        E[:, :-1].ravel(), E[:, 1:].ravel(), F[:, :-1].ravel(), F[:, 1:].ravel(), n
    )
    P = E.shape[1] - 1
    x = x.reshape(m, P * n)
    w = w.reshape(m, P * n) * np.exp(-0.5 * x * x) / _SQRT_2PI
    return x, w


def _phi_gaussian(t, prof):
    """``phi(t) = E[gamma(a) gamma(t a + s b)]``, ``a, b ~ N(0, 1)`` (eq. A.1)."""
    gamma = prof.gamma
    s = math.sqrt(max(0.0, (1.0 - t) * (1.0 + t)))
    br = prof.breaks
    roots = set(prof.roots)
    L = _GAUSS_HALF_WIDTH
    if s == 0.0:  # t = +-1: y = +-x
        pts = list(br) + [t * z for z in br]
        fl = [z in roots for z in br] * 2
        c = np.array([pts], dtype=np.float64).reshape(1, -1)
        x, w = _gauss_rule_batch(c, np.array([fl], dtype=bool).reshape(1, -1), _N_GAUSS)
        x, w = x[0], w[0]
        return float(
            np.sum(w * _gamma_on_interval(gamma, x) * _gamma_on_interval(gamma, t * x))
        )
    # outer a: split at the kinks of gamma(a); where s << |t| the inner
    # integral varies on the scale s / |t| around a = z / t: grade there
    optional = []
    if br and s < abs(t):
        sc = s / abs(t)
        for z in br:
            ctr = z / t
            optional.append((ctr, sc))
            o = sc
            while o < 2.0:
                optional += [(ctr - o, o), (ctr + o, o)]
                o *= 2.0
    a_, b_, la, rb = _pieces(br, roots, -L, L, optional)
    # long pieces are split so that the Gaussian weight is resolved
    aa, bb, ll, rr = [], [], [], []
    for lo, hi, fl, fr in zip(a_, b_, la, rb, strict=True):
        k = max(1, int(math.ceil((hi - lo) / _GAUSS_PIECE)))
        cuts = np.linspace(lo, hi, k + 1)
        aa += list(cuts[:-1])
        bb += list(cuts[1:])
        ll += [fl] + [False] * (k - 1)
        rr += [False] * (k - 1) + [fr]
    xa, wa = _rule(np.array(aa), np.array(bb), np.array(ll), np.array(rr), _N_GAUSS)
    xa, wa = xa.ravel(), wa.ravel()
    wa = wa * np.exp(-0.5 * xa * xa) / _SQRT_2PI * _gamma_on_interval(gamma, xa)
    if br:
        cen = np.stack([(z - t * xa) / s for z in br], axis=1)
        fl = np.broadcast_to(np.array([z in roots for z in br]), cen.shape)
    else:
        cen = np.empty((xa.size, 0))
        fl = np.empty((xa.size, 0), dtype=bool)
    xb, wb = _gauss_rule_batch(cen, fl, _N_GAUSS)
    inner = np.sum(wb * _gamma_on_interval(gamma, t * xa[:, None] + s * xb), axis=1)
    return float(np.dot(wa, inner))


def _is_analytic(prof):
    """Whether ``gamma`` is known to be analytic on a neighbourhood of ``[-1, 1]``.

    Only swish (poles at ``+-i pi``) qualifies: the Wendland activations have
    a square-root point at ``z = 1`` and a kink at ``z_0``, ReLU a kink at 0,
    and a callable may have either.
    """
    return prof.gamma.is_builtin and prof.gamma.name == "swish"


def _phi_direct(t, prof, d, weights):
    """``phi`` at every entry of ``t`` by quadrature (see the module docstring)."""
    t = _as_t(t)
    if weights == "sphere" and d == 1:
        return _phi_dim1(t, prof)
    if weights == "sphere" and d >= 3 and _is_analytic(prof):
        return _phi_sphere_jacobi(t.ravel(), prof.gamma, d).reshape(t.shape)
    if weights == "gaussian":
        one = _phi_gaussian
    elif d == 2:
        one = _phi_circle
    else:
        dom = _sphere_domain(prof, d)

        def one(ti, prof):
            return _phi_sphere(ti, prof, d, dom)

    out = np.empty(t.shape)
    flat = out.reshape(-1)
    for i, ti in enumerate(t.reshape(-1)):
        flat[i] = one(float(ti), prof)
    return out


def _theta_breaks(prof, d, weights):
    """Points in ``theta = arccos t`` where ``phi`` may fail to be analytic.

    ``0`` and ``pi``; for weights on the sphere also ``theta_0`` (the cone
    at ``y`` crosses the kink circle around ``x``) and
    ``theta_0 + theta_0'``, ``|theta_0 - theta_0'|``,
    ``2 pi - theta_0 - theta_0'`` (two kink circles become tangent). For
    ``d = 1`` (``w = +-1``) the kinks of ``gamma(t)`` and ``gamma(-t)``:
    ``theta_0`` and ``pi - theta_0``.
    """
    pts = {0.0, math.pi}
    # a kink outside [-1, 1] (Wendland with zeta > 2: the support is the whole
    # sphere) is no break of phi on the sphere; Gaussian weights use none here
    th0 = [math.acos(z) for z in prof.breaks if -1.0 <= z <= 1.0]
    if weights == "sphere" and d == 1:
        # phi(t) = (gamma(1) gamma(t) + gamma(-1) gamma(-t)) / 2
        pts.update(th0)
        pts.update(math.pi - x for x in th0)
    elif weights == "sphere":
        pts.update(th0)
        for x in th0:
            for y in th0:
                pts.update((x + y, abs(x - y), 2.0 * math.pi - x - y))
    return np.array(sorted(p for p in pts if 0.0 <= p <= math.pi))


# --------------------------------------------------------------------------
# Tabulation
# --------------------------------------------------------------------------
def _cheb_points(n):
    """Chebyshev points of the second kind on ``[0, 1]``, ascending."""
    return 0.5 * (1.0 - np.cos(np.pi * np.arange(n + 1) / n))


def _cheb_coef(values):
    """Chebyshev coefficients (on ``[0, 1]``) from values at ``_cheb_points``."""
    n = values.size - 1
    c = dct(values[::-1], type=1) / n  # points are descending in x = 2s - 1
    c[0] *= 0.5
    c[-1] *= 0.5
    return c


def _cheb_eval(coef, s):
    return np.polynomial.chebyshev.chebval(2.0 * s - 1.0, coef)


class _Table:
    """Piecewise polynomial table of ``phi`` in ``theta = arccos t``.

    Structural pieces ``[b_j, b_{j+1}]`` of ``theta``; on each, an adaptive
    Chebyshev interpolant in ``sigma`` in ``[0, 1]`` with
    ``theta = b_j + L_j g(sigma)``, ``g(x) = sin^2(pi x / 2)``, then ``M``
    equal cells in ``tau`` (``sigma = g(tau)`` when ``levels = 2``, else
    ``tau = sigma``), each with a polynomial of degree ``_CELL_DEGREE`` in the
    cell's local coordinate.

    ``nonnegative`` clips the interpolant at 0 (for ``gamma >= 0``, where
    ``phi >= 0``); ``phi`` is set to exactly 0 for ``t <= t_zero`` (where the
    supports of ``gamma(x^T w)`` and ``gamma(y^T w)`` do not overlap).
    """

    def __init__(self, func, breaks, levels=1, nonnegative=False, t_zero=None):
        t0 = time.perf_counter()
        self.levels = levels
        self.nonnegative = nonnegative
        self.t_zero = t_zero
        self.n_evaluations = 1
        self.error_estimate = 0.0
        self.breaks = np.asarray(breaks, dtype=np.float64)
        self.converged = True
        # |phi(t)| <= phi(1) by Cauchy-Schwarz: phi(1) sets the scale
        self.scale = abs(float(func(np.array([1.0]))[0]))
        tol = _TABLE_RTOL * max(self.scale, np.finfo(float).tiny)
        pieces = []  # per structural piece: [(s0, s1, chebyshev coef), ...]
        for b0, length in zip(self.breaks[:-1], np.diff(self.breaks), strict=True):

            def f(sig, b0=b0, length=length):
                self.n_evaluations += sig.size
                return func(np.cos(b0 + length * np.sin(0.5 * np.pi * sig) ** 2))

            pieces.append(self._chebyshev(f, 0.0, 1.0, tol, 0))
        self._build_cells(pieces)
        self.build_time = time.perf_counter() - t0

    def _chebyshev(self, f, s0, s1, tol, depth):
        """Adaptive Chebyshev interpolation of ``f`` on ``[s0, s1]``.

        The degree doubles (nested points) until the interpolant of the
        previous level matches ``f`` within ``tol`` at the new points;
        otherwise the interval is halved (at most ``_MAX_SPLIT_DEPTH`` times).
        """
        n = _CHEB_LEVELS[0]
        v = f(s0 + (s1 - s0) * _cheb_points(n))
        coef = _cheb_coef(v)
        errs = []
        for n_next in _CHEB_LEVELS[1:]:
            x_new = _cheb_points(n_next)[1::2]
            v_new = f(s0 + (s1 - s0) * x_new)
            errs.append(np.max(np.abs(_cheb_eval(coef, x_new) - v_new)))
            v_all = np.empty(n_next + 1)
            v_all[0::2] = v
            v_all[1::2] = v_new
            v = v_all
            coef = _cheb_coef(v)
            if errs[-1] <= tol:
                self.error_estimate = max(self.error_estimate, errs[-1])
                return [(s0, s1, coef)]
        # an error that no longer decreases is quadrature noise (an activation
        # with kinks that were not declared): splitting would not help
        stagnant = errs[-1] > 0.1 * errs[-2]
        if depth >= _MAX_SPLIT_DEPTH or stagnant:
            self.converged = False
            self.error_estimate = max(self.error_estimate, errs[-1])
            return [(s0, s1, coef)]
        mid = 0.5 * (s0 + s1)
        return self._chebyshev(f, s0, mid, tol, depth + 1) + self._chebyshev(
            f, mid, s1, tol, depth + 1
        )

    # -- cells ---------------------------------------------------------------
    def _build_cells(self, pieces):
        """Degree-``p`` polynomials on ``M`` equal cells of the cell variable.

        The cell variable ``tau`` has ``self.levels`` substitutions, the
        Chebyshev variable ``sigma`` one: ``sigma = g(g(... g(tau)))`` with
        ``levels - 1`` applications of ``g(x) = sin^2(pi x / 2)``.
        """
        p = _CELL_DEGREE
        xi = np.cos(np.pi * (np.arange(p + 1) + 0.5) / (p + 1))  # cell nodes
        vinv = np.linalg.inv(np.vander(xi, p + 1, increasing=True))
        xi_chk = np.linspace(-1.0, 1.0, 7)[1:-1] + 0.013  # off the nodes
        vchk = np.vander(xi_chk, p + 1, increasing=True)
        tol = _CELL_RTOL * max(self.scale, np.finfo(float).tiny)

        def values(subs, tau):
            sig = tau
            for _ in range(self.levels - 1):
                sig = np.sin(0.5 * np.pi * sig) ** 2
            edges = np.array([s1 for _, s1, _ in subs])
            k = np.minimum(np.searchsorted(edges, sig), len(subs) - 1)
            out = np.empty(sig.shape)
            for q in np.unique(k):
                s0, s1, c = subs[q]
                sel = k == q
                out[sel] = _cheb_eval(c, (sig[sel] - s0) / (s1 - s0))
            return out

        M = 16
        while True:
            coefs, worst = [], 0.0
            mid = (np.arange(M) + 0.5) / M
            for subs in pieces:
                vals = values(subs, mid[:, None] + (0.5 / M) * xi[None, :])
                chk = values(subs, mid[:, None] + (0.5 / M) * xi_chk[None, :])
                cf = vals @ vinv.T  # monomial coefficients, (M, p + 1)
                worst = max(worst, float(np.max(np.abs(cf @ vchk.T - chk))))
                coefs.append(cf)
            if worst <= tol or M >= (_MAX_CELLS if self.converged else 256):
                break
            M *= 2
        if worst > tol:
            self.converged = False
        self.error_estimate = max(self.error_estimate, worst)
        self.M = M
        # (p + 1, n_pieces * M): row k holds the coefficient of xi^k
        self.coef = np.ascontiguousarray(np.concatenate(coefs, axis=0).T)
        self.b0 = self.breaks[:-1].copy()
        self.inv_len = 1.0 / np.diff(self.breaks)
        self.inner_breaks = self.breaks[1:-1].copy()

    # -- evaluation ------------------------------------------------------------
    def __call__(self, t, out):
        flat_t = t.reshape(-1)
        flat_o = out.reshape(-1)
        M = self.M
        p = self.coef.shape[0] - 1
        for s in range(0, flat_t.size, _EVAL_CHUNK):
            tc = np.clip(flat_t[s : s + _EVAL_CHUNK], -1.0, 1.0)
            th = np.arccos(tc)
            if self.inner_breaks.size:
                j = np.zeros(th.shape, dtype=np.intp)
                for b in self.inner_breaks:
                    j += th > b
                u = (th - self.b0[j]) * self.inv_len[j]
            else:
                j = None
                u = (th - self.b0[0]) * self.inv_len[0]
            # sigma = arccos(1 - 2 (theta - b_j) / L_j) / pi, `levels` times
            for _ in range(self.levels):
                np.multiply(u, -2.0, out=u)
                np.add(u, 1.0, out=u)
                np.clip(u, -1.0, 1.0, out=u)
                np.arccos(u, out=u)
                np.multiply(u, 1.0 / np.pi, out=u)
            np.multiply(u, M, out=u)
            c = np.minimum(u.astype(np.intp), M - 1)
            u -= c
            np.multiply(u, 2.0, out=u)
            u -= 1.0  # local coordinate xi in [-1, 1]
            if j is not None:
                c += j * M
            acc = self.coef[p].take(c)
            for k in range(p - 1, -1, -1):
                acc *= u
                acc += self.coef[k].take(c)
            if self.nonnegative:
                np.maximum(acc, 0.0, out=acc)
            if self.t_zero is not None:
                np.copyto(acc, 0.0, where=tc <= self.t_zero)
            flat_o[s : s + _EVAL_CHUNK] = acc
        return out


def _sign_structure(prof, d, weights):
    """``(nonnegative, t_zero)`` for the built-in activations with ``gamma >= 0``.

    ReLU and the Wendland activations are non-negative, so is ``phi``, and
    they vanish (exactly) for ``z <= z_0`` (``z_0 = 0`` for ReLU,
    ``1 - zeta^2 / 2`` for Wendland, Theorem 3.4). On ``S^{d-1}``, ``d >= 2``,
    the caps ``x^T w > z_0`` and ``y^T w > z_0`` of angular radius
    ``theta_0 = arccos(z_0)`` are disjoint when ``arccos(t) >= 2 theta_0``,
    i.e. ``t <= cos(2 theta_0) = 2 z_0^2 - 1`` (``z_0 >= 0``); for ``d = 1``,
    ``phi(t) = gamma(1) gamma(t) / 2`` vanishes for ``t <= z_0``; for Gaussian
    weights ``x^T w > z_0`` and ``y^T w = -x^T w > z_0`` exclude each other
    at ``t = -1`` when ``z_0 >= 0``. ``t_zero`` is ``None`` when ``phi`` has
    no such zeros; ``(False, None)`` for swish and callables.
    """
    g = prof.gamma
    if not g.is_builtin or g.name == "swish":
        return False, None
    z0 = 0.0 if g.name == "relu" else _wendland_z0(g.zeta)
    if weights == "gaussian":
        t_zero = -1.0 if z0 >= 0.0 else None
    elif d == 1:
        t_zero = z0 if z0 >= -1.0 else None
    else:
        t_zero = 2.0 * z0 * z0 - 1.0 if z0 >= 0.0 else None
    return True, t_zero


@lru_cache(maxsize=64)
def _cached_table(key, prof, d, weights):
    return _make_table(prof, d, weights)


def _make_table(prof, d, weights):
    def func(t):
        return _phi_direct(t, prof, d, weights)

    # Gaussian weights: phi(1) - phi(t) ~ theta^2 log(theta) when gamma has a
    # square-root singularity; a second sin^2 substitution smooths it for
    # the cells
    levels = 2 if weights == "gaussian" else 1
    nonnegative, t_zero = _sign_structure(prof, d, weights)
    table = _Table(func, _theta_breaks(prof, d, weights), levels, nonnegative, t_zero)
    rel_error = table.error_estimate / max(table.scale, 1e-300)
    # a built-in activation's kinks are known: a table that stops a few times
    # short of _TABLE_RTOL (Wendland with a narrow support on the circle, d = 2,
    # reaches 2e-13 to 5e-13) leaves the user nothing to act on
    if not table.converged and (
        not prof.gamma.is_builtin or rel_error > _TABLE_WARN_BUILTIN
    ):
        warnings.warn(
            f"tabulating phi for activation {prof.gamma.name!r} (d={d}, "
            f"weights={weights!r}) reached a relative accuracy of about "
            f"{table.error_estimate / max(table.scale, 1e-300):.1e}, not "
            f"{_TABLE_RTOL:g}; pass the points where the activation is not "
            "smooth as kinks=[...].",
            IntegrationWarning,
            stacklevel=4,
        )
    return table


# --------------------------------------------------------------------------
# Public kernel object
# --------------------------------------------------------------------------
class PopulationKernel:
    """The function ``phi`` with ``H_ij = phi(x_i^T x_j)`` (eq. 2.7, 3.4, A.1).

    Build it with :func:`population_kernel`. Calling it evaluates ``phi``
    elementwise on inner products ``t`` in ``[-1, 1]`` (values outside are
    clipped: rounding puts ``x_i^T x_i`` slightly above 1).

    Parameters
    ----------
    activation, d, zeta, weights, kinks, method
        As in :func:`population_kernel`.

    Attributes
    ----------
    activation : Activation
        The resolved activation ``gamma``.
    d : int
        Ambient dimension; the points lie on ``S^{d-1}``.
    weights : {"sphere", "gaussian"}
        Distribution of the weights ``w``.
    method : {"auto", "table", "quadrature"}
        How ``__call__`` evaluates ``phi``: ``"table"`` interpolates a table
        built once (and cached) from the quadrature; ``"quadrature"``
        integrates for every value (slow, the reference); ``"auto"`` uses the
        closed form of eq. 3.1 (or the arc-cosine kernel for Gaussian
        weights) for ReLU, the two-term sum
        ``(gamma(1) gamma(t) + gamma(-1) gamma(-t)) / 2`` for ``d = 1`` (weights
        ``w = +-1``), and the table otherwise.
    kinks : tuple of float
        Points ``z`` where ``gamma`` is not analytic, as used by the
        quadrature.

    See Also
    --------
    population_kernel : The constructor to use.

    Examples
    --------
    >>> phi = population_kernel("swish", d=4)
    >>> phi.activation.name, phi.d, phi.weights
    ('swish', 4, 'sphere')
    >>> bool(abs(phi(0.3) - phi.quadrature(0.3)) < 1e-14)
    True
    """

    def __init__(self, activation, d, zeta, weights, kinks, method):
        if method not in _METHODS:
            raise ValueError(f"method must be one of {_METHODS}, got {method!r}.")
        gamma, prof, key = _resolve(activation, d, zeta, weights, kinks)
        self.activation = gamma
        self.d = int(d)
        self.weights = weights
        self.method = method
        self.kinks = prof.breaks
        self._prof = prof
        self._key = key
        self._table = None

    def __repr__(self):
        return (
            f"PopulationKernel(activation={self.activation.name!r}, d={self.d}, "
            f"zeta={self.activation.zeta!r}, weights={self.weights!r}, "
            f"method={self.method!r})"
        )

    @property
    def _closed_form(self):
        if self.weights == "sphere" and self.d == 1:
            return True  # w = +-1: a sum of two terms
        return self.activation.is_builtin and self.activation.name == "relu"

    def tabulate(self):
        """Build (or fetch from the cache) the table behind ``__call__``.

        Returns
        -------
        self : PopulationKernel

        Examples
        --------
        >>> info = population_kernel("swish", d=4).tabulate().table_info
        >>> info["converged"], info["degree"]
        (True, 7)
        """
        if self._table is None:
            if self._key is not None:
                self._table = _cached_table(self._key, self._prof, self.d, self.weights)
            else:
                self._table = _make_table(self._prof, self.d, self.weights)
        return self

    @property
    def table_info(self):
        """dict : size, build time and accuracy of the table (built on use).

        ``error_estimate`` is relative to ``phi(1) = max |phi|``.
        """
        self.tabulate()
        tb = self._table
        return {
            "n_pieces": len(tb.breaks) - 1,
            "n_cells": tb.coef.shape[1],
            "degree": tb.coef.shape[0] - 1,
            "n_quadratures": tb.n_evaluations,
            "build_time": tb.build_time,
            "error_estimate": float(tb.error_estimate / max(tb.scale, 1e-300)),
            "converged": tb.converged,
        }

    def quadrature(self, t):
        """Evaluate ``phi`` by direct quadrature (no table, no closed form).

        Parameters
        ----------
        t : array_like
            Inner products, clipped to ``[-1, 1]``.

        Returns
        -------
        phi : ndarray of the shape of ``t``

        Examples
        --------
        >>> phi = population_kernel("relu", d=3)
        >>> bool(abs(phi.quadrature(0.5) - relu_kernel(0.5, 3)) < 1e-15)  # eq. 3.1
        True
        """
        return _phi_direct(t, self._prof, self.d, self.weights)

    def __call__(self, t, out=None):
        """Evaluate ``phi(t)``.

        Parameters
        ----------
        t : array_like
            Inner products, clipped to ``[-1, 1]``.
        out : ndarray, optional
            float64 C-contiguous array of the shape of ``t`` to write into
            (``out=t`` is allowed).

        Returns
        -------
        phi : ndarray

        Examples
        --------
        >>> import numpy as np
        >>> phi = population_kernel("wendland0", d=3)
        >>> phi(np.array([1.0, 0.5]))  # phi(1) = E[gamma(u)^2] = 1/30
        array([0.03333333, 0.01099623])
        """
        t = np.asarray(t, dtype=np.float64)
        if not np.all(np.isfinite(t)):
            raise ValueError("t must be finite (inner products in [-1, 1]).")
        method = self.method
        if method == "auto":
            method = "closed" if self._closed_form else "table"
        if method == "quadrature":
            res = self.quadrature(t)
        elif method == "closed":
            if self.activation.is_builtin and self.activation.name == "relu":
                res = relu_kernel(t, self.d)
                if self.weights == "gaussian":
                    res *= self.d  # arc-cosine kernel: E||w||^2 = d
            else:  # d = 1 on the sphere
                res = _phi_dim1(_as_t(t), self._prof)
        else:
            self.tabulate()
            if out is None:
                out = np.empty(t.shape)
            elif out.shape != t.shape or out.dtype != np.float64:
                raise ValueError("out must be a float64 array of the shape of t.")
            return self._table(np.ascontiguousarray(t), out)
        if out is None:
            return res
        out[...] = res
        return out

    def gram(self, X):
        """Population matrix ``H`` with ``H_ij = phi(x_i^T x_j)`` (eq. 3.4).

        Parameters
        ----------
        X : array_like of shape (n, d)
            Rows on the unit sphere ``S^{d-1}``.

        Returns
        -------
        H : ndarray of shape (n, n)

        Examples
        --------
        >>> from sklearn_rfnet.datasets import make_bad_points
        >>> H = population_kernel("relu", d=3).gram(make_bad_points(3))
        >>> H.shape, float(H[0, 0])  # phi(1) = 1 / (2 d)
        ((8, 8), 0.16666666666666666)
        """
        X = _check_X(X)
        if X.shape[1] != self.d:
            raise ValueError(
                f"X has {X.shape[1]} columns but the kernel is for d={self.d}."
            )
        n = X.shape[0]
        H = np.empty((n, n))
        step = 256
        # phi on the upper block rows only; the lower triangle is its mirror
        for i0 in range(0, n, step):
            i1 = min(n, i0 + step)
            blk = X[i0:i1] @ X[i0:].T
            self(blk, out=blk)
            diag = blk[:, : i1 - i0]
            diag[...] = np.triu(diag) + np.triu(diag, 1).T
            H[i0:i1, i0:] = blk
            H[i1:, i0:i1] = blk[:, i1 - i0 :].T
        return H


def population_kernel(
    activation, d, zeta=None, weights="sphere", *, kinks=None, method="auto"
):
    """The kernel ``phi`` of the population matrix, ``H_ij = phi(x_i^T x_j)``.

    ``H_ij = E_w[gamma(x_i^T w) gamma(w^T x_j)]`` (eq. 2.7 for ``w`` uniform on
    ``S^{d-1}``, eq. A.1 for ``w ~ N(0, I)``) depends on ``x_i, x_j`` only
    through ``t = x_i^T x_j`` (eq. 3.4). The returned object evaluates
    ``phi`` from a table built once per ``(activation, d, zeta, weights)``
    by the quadrature described in the module docstring, with a relative
    accuracy of about 1e-13 (of ``phi(1) = max |phi|``).

    Parameters
    ----------
    activation : {"wendland0", "wendland2", "relu", "swish"}, callable or Activation
        Activation ``gamma`` (Table 1), a vectorized callable, or an
        :class:`~sklearn_rfnet.activations.Activation` resolved for ``d``.
    d : int
        Ambient dimension; the points lie on ``S^{d-1}``. ``d >= 1``.
    zeta : float, default=None
        Support parameter of the Wendland activations (``None``: ``sqrt(2)``).
    weights : {"sphere", "gaussian"}, default="sphere"
        ``w`` uniform on ``S^{d-1}`` (eq. 2.7) or ``N(0, I)`` (eq. A.1).
    kinks : sequence of float, default=None
        For a callable ``gamma`` only: the points ``z`` where it is not
        smooth (as 0 for ReLU). Splitting the quadrature there keeps it
        accurate; without them a kinked callable gets a less accurate table
        and an :class:`~scipy.integrate.IntegrationWarning`.
    method : {"auto", "table", "quadrature"}, default="auto"
        See :class:`PopulationKernel`.

    Returns
    -------
    phi : PopulationKernel

    See Also
    --------
    population_gram : The matrix ``H`` itself.
    relu_kernel : The closed form of eq. 3.1.

    Examples
    --------
    >>> import numpy as np
    >>> phi = population_kernel("relu", d=3, method="table")
    >>> t = np.linspace(-1, 1, 5)
    >>> bool(np.allclose(phi(t), relu_kernel(t, 3), rtol=0, atol=1e-14))
    True
    >>> population_kernel("wendland0", d=3)(1.0)  # E[gamma(u)^2]
    array(0.03333333)
    """
    return PopulationKernel(activation, d, zeta, weights, kinks, method)


def population_gram(X, activation, zeta=None, weights="sphere", *, kinks=None):
    """Population matrix ``H`` of eq. 2.7 (or A.1) for the rows of ``X``.

    ``H_ij = phi(x_i^T x_j)`` (eq. 3.4), with ``phi`` from
    :func:`population_kernel`. ``H`` is the infinite-width limit of
    ``H_hat = Z Z^T``, ``Z = gamma(X W) / sqrt(m)`` (eq. 2.6); its smallest
    eigenvalue and condition number enter the width bounds of Lemma 2.4 and
    Lemma 2.5 (see :func:`~sklearn_rfnet.diagnostics.required_width`).

    Parameters
    ----------
    X : array_like of shape (n, d)
        Rows on the unit sphere ``S^{d-1}`` (checked to ``1e-6``).
    activation : {"wendland0", "wendland2", "relu", "swish"} or callable
        Activation ``gamma`` (Table 1).
    zeta : float, default=None
        Support parameter of the Wendland activations.
    weights : {"sphere", "gaussian"}, default="sphere"
        Distribution of the weights.
    kinks : sequence of float, default=None
        For a callable activation: where it is not smooth.

    Returns
    -------
    H : ndarray of shape (n, n)
        Symmetric positive semi-definite (up to about 1e-13 relative).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rfnet.datasets import make_bad_points
    >>> X, v = make_bad_points(3, return_null_vector=True)
    >>> H = population_gram(X, "relu")
    >>> bool(np.abs(H @ v).max() < 1e-15)  # Theorem 3.1: H v = 0
    True
    >>> H = population_gram(X, "wendland0")  # Theorem 3.4: H is positive definite
    >>> bool(np.linalg.eigvalsh(H)[0] > 1e-4)
    True
    """
    X = _check_X(X)
    kernel = population_kernel(
        activation, X.shape[1], zeta=zeta, weights=weights, kinks=kinks
    )
    return kernel.gram(X)


def _check_X(X):
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"X must be a non-empty 2-D array, got shape {X.shape}.")
    if not np.all(np.isfinite(X)):
        raise ValueError("X must not contain NaN or inf.")
    norms = np.sqrt(np.einsum("ij,ij->i", X, X))
    if np.max(np.abs(norms - 1.0)) > _NORM_TOL:
        raise ValueError(
            "the rows of X must lie on the unit sphere (eq. 2.7): normalize them, "
            f"e.g. X / np.linalg.norm(X, axis=1, keepdims=True); largest "
            f"deviation of a row norm from 1 is {np.max(np.abs(norms - 1.0)):.3g}."
        )
    return X


def _symmetrize(H):
    """Copy the upper triangle onto the lower one (``X X^T`` from BLAS is
    symmetric only up to rounding)."""
    il = np.tril_indices(H.shape[0], -1)
    H[il] = H.T[il]
    return H


# --------------------------------------------------------------------------
# Theorem 3.3: ultraspherical expansions
# --------------------------------------------------------------------------
def _gegenbauer_log_norm(k, lam):
    """``log h_k``, ``h_k = int (C_k^lam)^2 (1 - t^2)^(lam - 1/2) dt``.

    ``h_k = pi 2^(1 - 2 lam) Gamma(k + 2 lam) / (k! (k + lam) Gamma(lam)^2)``.
    """
    k = np.asarray(k, dtype=np.float64)
    return (
        math.log(math.pi)
        + (1.0 - 2.0 * lam) * math.log(2.0)
        + gammaln(k + 2.0 * lam)
        - gammaln(k + 1.0)
        - np.log(k + lam)
        - 2.0 * gammaln(lam)
    )


def _check_degree(degree):
    if isinstance(degree, bool) or not isinstance(degree, (int, np.integer)):
        raise ValueError(f"degree must be an integer >= 1, got {degree!r}.")
    if degree < 1:
        raise ValueError(f"degree must be an integer >= 1, got {degree!r}.")
    return int(degree)


def gegenbauer_coefficients(activation, d, degree=64, zeta=None, *, kinks=None):
    """Coefficients ``a_k`` of ``gamma(t) = sum_k a_k C_k^((d-2)/2)(t)`` (eq. 3.5).

    ``a_k = h_k^{-1} int_{-1}^{1} gamma(t) C_k^lam(t) (1 - t^2)^(lam - 1/2) dt``
    with ``lam = (d - 2) / 2`` and ``h_k`` the squared norm of ``C_k^lam``
    from the orthogonality relation. The integral is taken in
    ``t = cos(theta)`` (where the weight is ``sin(theta)^(d-2)`` and the
    Wendland activations are analytic up to their kink) with Gauss--Legendre
    rules split at the kinks of ``gamma``.

    Parameters
    ----------
    activation : {"wendland0", "wendland2", "relu", "swish"} or callable
        Activation ``gamma`` on ``[-1, 1]``.
    d : int
        Ambient dimension, ``d >= 3`` (Theorem 3.3).
    degree : int, default=64
        Highest degree ``K``; ``K + 1`` coefficients are returned.
    zeta : float, default=None
        Support parameter of the Wendland activations.
    kinks : sequence of float, default=None
        For a callable: where it is not smooth in ``(-1, 1)``.

    Returns
    -------
    a : ndarray of shape (degree + 1,)
        ``a[k]`` multiplies ``scipy.special.eval_gegenbauer(k, (d - 2) / 2, t)``.

    See Also
    --------
    funk_hecke_coefficients : The expansion of ``phi`` these give.
    check_positive_definite : Theorem 3.3's test built on them.

    Examples
    --------
    >>> import numpy as np
    >>> a = gegenbauer_coefficients("relu", d=3, degree=6)  # Legendre, d = 3
    >>> np.round(a, 6)  # relu(t) = |t|/2 + t/2: one odd term (Theorem 3.3)
    array([ 0.25    ,  0.5     ,  0.3125  ,  0.      , -0.09375 ,  0.      ,
            0.050781])
    """
    d = _check_d(d, low=3)
    degree = _check_degree(degree)
    gamma, prof, _ = _resolve(activation, d, zeta, "sphere", kinks)
    lam = 0.5 * (d - 2)
    th0 = sorted({math.acos(z) for z in prof.breaks})
    roots = {math.acos(z) for z in prof.roots}
    a_, b_, la, rb = _pieces(th0, roots, 0.0, math.pi)
    n = degree + 2 * d + 64 if not roots else 2 * (degree + 2 * d) + 64
    th, w = _rule(a_, b_, la, rb, n)
    th, w = th.ravel(), w.ravel()
    t = np.cos(th)
    vals = w * _ipow(np.sin(th), d - 2) * _gamma_on_interval(gamma, t)
    k = np.arange(degree + 1)
    C = eval_gegenbauer(k[:, None], lam, t[None, :])
    return (C @ vals) * np.exp(-_gegenbauer_log_norm(k, lam))


def funk_hecke_coefficients(coefficients, d):
    """Coefficients ``c_k`` of ``phi(t) = sum_k c_k C_k^((d-2)/2)(t)`` (Theorem 3.3).

    From the Funk--Hecke formula, as in the proof of Theorem 3.3:
    ``c_k = a_k^2 C_k^lam(1) / b_{k,d}`` with
    ``C_k^lam(1) = Gamma(d + k - 2) / (Gamma(d - 2) Gamma(k + 1))`` and
    ``b_{k,d}`` the dimension of the spherical harmonics of degree ``k``
    (``b_{0,d} = 1``, ``b_{1,d} = d``,
    ``b_{k,d} = binom(d + k - 1, k) - binom(d + k - 3, k - 2)``).

    Parameters
    ----------
    coefficients : array_like of shape (K + 1,)
        ``a_k`` from :func:`gegenbauer_coefficients`.
    d : int
        Ambient dimension, ``d >= 3``.

    Returns
    -------
    c : ndarray of shape (K + 1,)
        Non-negative; ``sum_k c_k C_k(1) = phi(1) = E[gamma(x^T w)^2]``
        when the expansion has converged.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.special import eval_gegenbauer
    >>> a = gegenbauer_coefficients("swish", d=5, degree=30)
    >>> c = funk_hecke_coefficients(a, d=5)
    >>> t = 0.3
    >>> phi_t = sum(ck * eval_gegenbauer(k, 1.5, t) for k, ck in enumerate(c))
    >>> bool(abs(phi_t - population_kernel("swish", 5)(t)) < 1e-13)
    True
    """
    d = _check_d(d, low=3)
    a = np.asarray(coefficients, dtype=np.float64)
    if a.ndim != 1 or not np.all(np.isfinite(a)):
        raise ValueError("coefficients must be a finite 1-D array.")
    k = np.arange(a.size, dtype=np.float64)
    log_c1 = gammaln(d + k - 2.0) - gammaln(d - 2.0) - gammaln(k + 1.0)
    # b_{k,d} = (2k + d - 2) (k + d - 3)! / (k! (d - 2)!)
    log_b = (
        np.log(2.0 * k + d - 2.0)
        + gammaln(k + d - 2.0)
        - gammaln(k + 1.0)
        - gammaln(d - 1.0)
    )
    return a**2 * np.exp(log_c1 - log_b)


@dataclass(frozen=True)
class PositiveDefiniteCheck:
    """Outcome of :func:`check_positive_definite` (Theorem 3.3).

    Attributes
    ----------
    guaranteed : bool
        ``True`` when both the even and the odd part of ``gamma`` are not
        polynomials, so that ``H`` is strictly positive definite for every
        set of distinct points on ``S^{d-1}`` (Theorem 3.3). ``False`` means
        the theorem gives no guarantee (and, for ReLU and swish, Theorem 3.1
        and Appendix A.2 give a singular ``H``).
    even_polynomial, odd_polynomial : bool
        Whether ``gamma_even(t) = (gamma(t) + gamma(-t)) / 2`` and
        ``gamma_odd(t) = (gamma(t) - gamma(-t)) / 2`` are polynomials.
    exact : bool
        ``True`` when the two flags above come from the closed form of a
        built-in activation; ``False`` when they are read off the computed
        coefficients (evidence, not proof).
    even_degree, odd_degree : int
        Highest even / odd ``k <= degree`` with a coefficient above ``tol``
        (``-1`` if none).
    n_even_nonzero, n_odd_nonzero : int
        How many even / odd coefficients are above ``tol``.
    degree : int
        Highest degree computed.
    tol : float
        Threshold on the coefficients in the orthonormal basis, relative to
        ``||gamma||`` (the root mean square of ``gamma(x^T w)``).
    reason : str
        One sentence that explains the verdict.
    coefficients : ndarray of shape (degree + 1,)
        ``a_k`` of eq. 3.5.

    Examples
    --------
    >>> res = check_positive_definite("swish", d=3)
    >>> res.guaranteed, res.odd_polynomial, res.odd_degree
    (False, True, 1)
    """

    guaranteed: bool
    even_polynomial: bool
    odd_polynomial: bool
    exact: bool
    even_degree: int
    odd_degree: int
    n_even_nonzero: int
    n_odd_nonzero: int
    degree: int
    tol: float
    reason: str
    coefficients: np.ndarray = field(repr=False, compare=False)


def check_positive_definite(
    activation, d, zeta=None, *, degree=64, tol=1e-10, kinks=None
):
    """Test Theorem 3.3's condition for ``H`` to be strictly positive definite.

    Theorem 3.3: for ``d >= 3`` and Lipschitz ``gamma``, ``H`` (eq. 2.7) is
    strictly positive definite for any distinct points on ``S^{d-1}`` if the
    expansion (3.5) has infinitely many non-zero even and infinitely many
    non-zero odd coefficients, i.e. if neither
    ``gamma_even(t) = (gamma(t) + gamma(-t)) / 2`` nor
    ``gamma_odd(t) = (gamma(t) - gamma(-t)) / 2`` is a polynomial.

    For the built-in activations the answer is known in closed form: ReLU
    and swish have ``gamma_odd(t) = t / 2`` (a polynomial, so no guarantee;
    Theorem 3.1 and Appendix A.2 give a singular ``H``), while both parts of
    a Wendland activation are non-polynomial (Theorem 3.4). For a callable
    the verdict is read off the first ``degree + 1`` coefficients: a parity
    part is declared a polynomial when its coefficients above ``tol`` stop
    at least two of its degrees below ``degree``. This is numerical
    evidence, not a proof: a non-polynomial part whose coefficients fall
    below ``tol`` before ``degree`` (a very smooth function, e.g. swish's
    even part by degree ~20) looks like a polynomial, and a polynomial of
    degree above ``degree`` looks like a non-polynomial.

    Parameters
    ----------
    activation : {"wendland0", "wendland2", "relu", "swish"} or callable
        Activation ``gamma``; it should be Lipschitz on ``[-1, 1]``.
    d : int
        Ambient dimension, ``d >= 3``.
    zeta : float, default=None
        Support parameter of the Wendland activations.
    degree : int, default=64
        Highest degree of the expansion examined.
    tol : float, default=1e-10
        Coefficients (in the orthonormal basis, relative to ``||gamma||``)
        at or below ``tol`` count as zero.
    kinks : sequence of float, default=None
        For a callable: where it is not smooth.

    Returns
    -------
    result : PositiveDefiniteCheck

    Examples
    --------
    >>> check_positive_definite("relu", d=3).guaranteed
    False
    >>> check_positive_definite("wendland0", d=3).guaranteed
    True
    >>> import numpy as np
    >>> res = check_positive_definite(lambda z: np.maximum(z, 0), 3, kinks=[0.0])
    >>> res.exact, res.odd_polynomial, res.odd_degree, res.even_polynomial
    (False, True, 1, False)
    """
    d = _check_d(d, low=3)
    degree = _check_degree(degree)
    tol = float(tol)
    if not (math.isfinite(tol) and tol > 0.0):
        raise ValueError(f"tol must be a positive finite number, got {tol!r}.")
    gamma, _, _ = _resolve(activation, d, zeta, "sphere", kinks)
    a = gegenbauer_coefficients(gamma, d, degree, kinks=kinks)
    lam = 0.5 * (d - 2)
    k = np.arange(degree + 1)
    # coefficients in the basis orthonormal for the law of u = x^T w
    a_hat = np.abs(a) * np.exp(
        0.5 * (_gegenbauer_log_norm(k, lam) - _gegenbauer_log_norm(0, lam))
    )
    norm = float(np.sqrt(np.sum(a_hat**2)))
    big = a_hat > tol * max(norm, np.finfo(float).tiny)
    even_k, odd_k = k[big & (k % 2 == 0)], k[big & (k % 2 == 1)]
    even_deg = int(even_k.max()) if even_k.size else -1
    odd_deg = int(odd_k.max()) if odd_k.size else -1
    top_even = degree - (degree % 2)
    top_odd = degree - 1 + (degree % 2)
    num_even_poly = even_deg < top_even - 2
    num_odd_poly = odd_deg < top_odd - 2
    if gamma.is_builtin:
        exact = True
        if gamma.name in ("relu", "swish"):
            even_poly, odd_poly = False, True
            reason = (
                f"{gamma.name}(t) - {gamma.name}(-t) = t: the odd part t/2 is a "
                "polynomial, so Theorem 3.3 gives no guarantee (Theorem 3.1 and "
                "Appendix A.2 give points with a singular H)."
            )
        else:
            even_poly = odd_poly = False
            reason = (
                "both parts of a Wendland activation are non-polynomial "
                "(Theorem 3.4): H is strictly positive definite."
            )
    else:
        exact = False
        even_poly, odd_poly = num_even_poly, num_odd_poly
        parts = []
        for name, poly, deg in (
            ("even", even_poly, even_deg),
            ("odd", odd_poly, odd_deg),
        ):
            if poly:
                parts.append(
                    f"the {name} part looks like a polynomial of degree {deg}"
                    if deg >= 0
                    else f"the {name} part is zero"
                )
            else:
                parts.append(f"the {name} part has coefficients up to degree {deg}")
        reason = (
            "; ".join(parts)
            + f" (numerical evidence from degrees <= {degree}, tol={tol:g})."
        )
    return PositiveDefiniteCheck(
        guaranteed=not (even_poly or odd_poly),
        even_polynomial=even_poly,
        odd_polynomial=odd_poly,
        exact=exact,
        even_degree=even_deg,
        odd_degree=odd_deg,
        n_even_nonzero=int(even_k.size),
        n_odd_nonzero=int(odd_k.size),
        degree=degree,
        tol=tol,
        reason=reason,
        coefficients=a,
    )
