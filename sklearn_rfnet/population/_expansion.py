"""Theorem 3.3: ultraspherical expansions of ``gamma`` and ``phi``, and the
test of strict positive definiteness.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import eval_gegenbauer, gammaln

from ..activations import _int_power
from ._closed_form import _check_d
from ._quadrature import _gamma_on_interval, _resolve
from ._rules import _pieces, _rule

__all__ = [
    "PositiveDefiniteCheck",
    "check_positive_definite",
    "funk_hecke_coefficients",
    "gegenbauer_coefficients",
]


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
    vals = w * _int_power(np.sin(th), d - 2) * _gamma_on_interval(gamma, t)
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
    >>> from sklearn_rfnet.population import population_kernel
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
    spec = gamma.spec
    exact = spec.even_polynomial is not None and spec.odd_polynomial is not None
    if exact:  # the parity facts of the spec (activations.ACTIVATIONS)
        even_poly, odd_poly = spec.even_polynomial, spec.odd_polynomial
        if odd_poly and not even_poly:
            reason = (
                f"{gamma.name}(t) - {gamma.name}(-t) = t: the odd part t/2 is a "
                "polynomial, so Theorem 3.3 gives no guarantee (Theorem 3.1 and "
                "Appendix A.2 give points with a singular H)."
            )
        elif not (even_poly or odd_poly):
            reason = (
                f"both parts of {gamma.name} are non-polynomial (Theorem 3.4 "
                "for the Wendland activations): H is strictly positive definite."
            )
        else:  # pragma: no cover - no built-in activation has these parities
            reason = "a parity part is a polynomial: Theorem 3.3 gives no guarantee."
    else:
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
