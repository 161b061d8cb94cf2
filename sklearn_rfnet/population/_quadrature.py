"""Direct quadrature for the population kernel ``phi`` (eq. 2.7, 3.4, A.1).

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
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..activations import Activation, _int_power, get_activation
from ._closed_form import _as_t, _check_d
from ._rules import (
    _GAUSS_HALF_WIDTH,
    _GAUSS_PIECE,
    _SQRT_2PI,
    _gauss_rule_batch,
    _graded,
    _jacobi_rule,
    _pieces,
    _rule,
    _sin_power_integral,
)

_WEIGHTS = ("sphere", "gaussian")
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
_N_GAUSS = 20
# Points per vectorized evaluation chunk.
_EVAL_CHUNK = 1 << 15


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


def _resolve(activation, d, zeta, weights, kinks):
    """Return ``(Activation, _Profile, cache_key or None)``.

    The kinks come from the activation's spec
    (:class:`~sklearn_rfnet.activations.ActivationSpec`): ReLU's 0 and the
    Wendland support edge ``z_0`` are kinks, analytic on both sides; the
    Wendland square-root point ``z = 1`` matters only off the sphere
    (Gaussian weights, where ``gamma`` is constant beyond it); the declared
    kinks of a user function (``kinks=`` or its spec) are graded on both
    sides, since nothing is known of its behaviour there.
    """
    if weights not in _WEIGHTS:
        raise ValueError(f"weights must be one of {_WEIGHTS}, got {weights!r}.")
    d = _check_d(d)
    if isinstance(activation, Activation):
        if activation.d != d:
            raise ValueError(
                f"activation was resolved for d={activation.d}, but d={d}."
            )
        gamma = activation
        if kinks is not None:
            gamma = get_activation(gamma.spec, d, gamma.zeta, kinks=kinks)
    else:
        gamma = get_activation(activation, d, zeta=zeta, kinks=kinks)
    if gamma.is_builtin:
        k = gamma.kinks
        r = gamma.spec._sqrt_points if weights == "gaussian" else ()
        key = (gamma.name, d, gamma.zeta, weights)
    else:
        k, r = (), gamma.kinks
        try:
            hash(gamma.spec)
            key = ("user", gamma.spec, d, weights)
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
    f = w * _int_power(np.sin(th), k)
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
        return norm * float(np.sum(w * _int_power(np.sin(th), d - 2) * vals))

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
    w1 = w1 * _int_power(sin1, d - 2) * _gamma_on_interval(gamma, cos1)

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
        wpsi = wpsi * _int_power(np.sin(psi), d - 3)
    piece = np.sum(wpsi * _gamma_on_interval(gamma, z), axis=1)
    inner = np.bincount(row, weights=piece, minlength=th1.size)
    norm_psi = 1.0 / _sin_power_integral(d - 3)
    return 2.0 * norm * norm_psi * float(np.dot(w1, inner))


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

    As its spec says: of the built-ins only swish (poles at ``+-i pi``); the
    Wendland activations have a square-root point at ``z = 1`` and a kink at
    ``z_0``, ReLU a kink at 0, and a callable may have either.
    """
    spec = prof.gamma.spec
    return spec is not None and spec.analytic


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
    # a kink outside [-1, 1] (Wendland with zeta > 2, kept for Gaussian
    # weights) is never met on the sphere, and Gaussian weights use no angle
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
