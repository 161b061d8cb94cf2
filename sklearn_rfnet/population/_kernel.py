"""Kernel assembly: the callable ``phi`` and the matrix ``H``."""

from __future__ import annotations

import numpy as np

from .._blas import gemm_into
from ._closed_form import _as_t, _check_X
from ._quadrature import _phi_dim1, _phi_direct, _resolve
from ._table import _cached_table, _make_table

__all__ = ["PopulationKernel", "population_gram", "population_kernel"]

_METHODS = ("auto", "table", "quadrature")


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
    def _phi_closed(self):
        """The spec's closed-form ``phi(t, d, weights)`` (ReLU, eq. 3.1), or None."""
        spec = self.activation.spec
        return None if spec is None else spec._phi

    @property
    def _closed_form(self):
        if self.weights == "sphere" and self.d == 1:
            return True  # w = +-1: a sum of two terms
        return self._phi_closed is not None

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
        >>> from sklearn_rfnet.population import relu_kernel
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
            if self._phi_closed is not None:
                res = self._phi_closed(_as_t(t), self.d, self.weights)
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
            # scipy's BLAS, that of the factorization that follows (._blas)
            blk = gemm_into(X[i0:i1], X[i0:].T, np.empty((i1 - i0, n - i0)))
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
    activation : {"wendland0", "wendland2", "relu", "swish"}, callable, \
            ActivationSpec or Activation
        Activation ``gamma`` (Table 1), a vectorized callable, a
        :class:`~sklearn_rfnet.activations.ActivationSpec` (a callable with
        its kinks), or an :class:`~sklearn_rfnet.activations.Activation`
        resolved for ``d``.
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
        and an :class:`~scipy.integrate.IntegrationWarning`. The same as
        passing ``ActivationSpec(gamma, kinks=kinks)``
        (:class:`~sklearn_rfnet.activations.ActivationSpec`), which is how an
        estimator's activation declares them.
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
    >>> from sklearn_rfnet.population import relu_kernel
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
        For a callable activation: where it is not smooth (as in
        :func:`population_kernel`).

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
