"""The table behind :class:`PopulationKernel`: ``phi`` as piecewise polynomials.

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

import time
import warnings
from functools import lru_cache

import numpy as np
from scipy.fft import dct
from scipy.integrate import IntegrationWarning

from ._quadrature import _EVAL_CHUNK, _phi_direct, _theta_breaks

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
    """``(nonnegative, t_zero)`` from the spec of ``gamma``.

    When ``gamma >= 0`` (ReLU, the Wendland activations, a spec declared
    ``nonnegative``) so is ``phi``. When moreover ``gamma(z) = 0`` for
    ``z <= z_0`` (``z_0 = 0`` for ReLU, ``1 - zeta^2 / 2`` for Wendland,
    Theorem 3.4): on ``S^{d-1}``, ``d >= 2``, the caps ``x^T w > z_0`` and
    ``y^T w > z_0`` of angular radius ``theta_0 = arccos(z_0)`` are disjoint
    when ``arccos(t) >= 2 theta_0``, i.e. ``t <= cos(2 theta_0) = 2 z_0^2 - 1``
    (``z_0 >= 0``); for ``d = 1``, ``phi(t) = gamma(1) gamma(t) / 2`` vanishes
    for ``t <= z_0``; for Gaussian weights ``x^T w > z_0`` and
    ``y^T w = -x^T w > z_0`` exclude each other at ``t = -1`` when
    ``z_0 >= 0``. ``t_zero`` is ``None`` when ``phi`` has no such zeros.
    """
    g = prof.gamma
    if g.spec is None or not g.spec.nonnegative:
        return False, None
    z0 = g.zero_below
    if z0 is None:
        t_zero = None
    elif weights == "gaussian":
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
            f"{rel_error:.1e}, not "
            f"{_TABLE_RTOL:g}; declare the points where the activation is not "
            "smooth: activation=ActivationSpec(func, kinks=[...]) "
            "(sklearn_rfnet.activations), or kinks=[...] here.",
            IntegrationWarning,
            stacklevel=4,
        )
    return table
