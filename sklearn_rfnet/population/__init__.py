"""Population matrix ``H`` of the random-features network and its kernel ``phi``.

Pure numpy/scipy: this package knows nothing of scikit-learn.

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
  by quadrature (``_quadrature``), tabulated once so that ``H`` for ``n = 2000``
  points costs a fraction of a second; :func:`population_gram` builds ``H``.
* :func:`gegenbauer_coefficients`, :func:`funk_hecke_coefficients` and
  :func:`check_positive_definite` are the tools of Theorem 3.3: the
  ultraspherical expansion of ``gamma`` (eq. 3.5), the expansion of ``phi``
  that the Funk--Hecke formula gives, and the test of whether ``H`` is
  strictly positive definite for every set of distinct points.

Modules, one job each:

* ``_closed_form``: eq. 3.1 and Theorem 3.2 in closed form.
* ``_rules``: Gauss--Legendre (graded ends), Gauss--Jacobi and Gaussian rules.
* ``_quadrature``: ``phi(t)`` by direct quadrature, for every activation and
  ``d`` (the method and its accuracy are described there).
* ``_table``: ``phi`` tabulated once per ``(activation, d, zeta, weights)``
  as piecewise polynomials in ``arccos t``, with an LRU cache.
* ``_kernel``: :class:`PopulationKernel`, :func:`population_kernel`,
  :func:`population_gram`.
* ``_expansion``: the tools of Theorem 3.3.
"""

from ._closed_form import ntk_gram, relu_kernel, relu_ntk_kernel
from ._expansion import (
    PositiveDefiniteCheck,
    check_positive_definite,
    funk_hecke_coefficients,
    gegenbauer_coefficients,
)
from ._kernel import PopulationKernel, population_gram, population_kernel

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
