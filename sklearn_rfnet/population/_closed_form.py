"""Closed forms: the ReLU population kernel (eq. 3.1) and its NTK (Theorem 3.2).

Also the input checks shared by the population modules.
"""

from __future__ import annotations

import numpy as np

from .._operator import symmetrize_lower
from ..activations import ACTIVATIONS

__all__ = ["ntk_gram", "relu_kernel", "relu_ntk_kernel"]

# Rows of X must have norm 1 within this tolerance.
_NORM_TOL = 1e-6


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
    return ACTIVATIONS["relu"]._phi(t, d)  # the spec's closed form


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
    return symmetrize_lower(G)


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
