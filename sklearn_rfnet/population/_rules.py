"""Quadrature rules: graded Gauss--Legendre pieces, Gauss--Jacobi, Gaussian."""

from __future__ import annotations

import math
from functools import cache

import numpy as np
from scipy.special import roots_jacobi, roots_legendre

# Gaussian weights: truncation of the real line and the longest piece on it.
_GAUSS_HALF_WIDTH = 9.0
_GAUSS_PIECE = 2.5


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
