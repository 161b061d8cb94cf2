"""The synthetic data sets of Section 3.5: Synthetic-1 and Synthetic-2.

* :func:`make_synthetic1`: i.i.d. points uniform on ``S^{d-1}`` labelled by
  ``x^T e`` (a regression problem).
* :func:`make_synthetic2`: i.i.d. points uniform on ``S^2`` plus the bad point
  set of Definition 2.1 (:func:`~sklearn_rfnet.datasets.make_bad_points`),
  labelled +-1, which makes ``H_hat`` singular for the ReLU and swish
  activations.

As scikit-learn's ``make_*`` generators, both return ``(X, y)``. Uniform
points on the sphere are standard Gaussian vectors scaled to unit norm (the
Gaussian is rotation invariant).
"""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state

from ._bad_points import make_bad_points

__all__ = ["make_synthetic1", "make_synthetic2"]


def _uniform_sphere(n, d, rng):
    """``n`` i.i.d. points uniform on ``S^{d-1}``, as an ``n x d`` array."""
    X = rng.standard_normal((n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def _check_int(value, name, low):
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an int; got {value!r}.")
    if value < low:
        raise ValueError(f"{name} must be >= {low}; got {value}.")
    return int(value)


def _warn_return_X_y(func, return_X_y):
    """``return_X_y`` is deprecated: the generators always return ``(X, y)``."""
    if return_X_y != "deprecated":
        warnings.warn(
            f"{func}(return_X_y=...) is deprecated and has no effect: it "
            "returns (X, y) as scikit-learn's make_* generators do. Remove "
            "the argument; it will be removed in 0.2.",
            FutureWarning,
            stacklevel=3,
        )


def make_synthetic1(
    n_samples=500, n_features=10, *, random_state=None, return_X_y="deprecated"
):
    """Generate the Synthetic-1 data set: uniform points on a sphere, ``y = x^T e``.

    Section 3.5 of the paper takes 500 i.i.d. points from the uniform
    distribution on ``S^9`` and labels each point ``x`` with ``x^T e``, where
    ``e`` is the all-ones vector: a smooth regression target on well-spread
    data.

    Parameters
    ----------
    n_samples : int, default=500
        Number of points, at least 1.
    n_features : int, default=10
        Ambient dimension ``d``; the points lie on ``S^{d-1}``. At least 1.
    random_state : int, RandomState instance or None, default=None
        Seeds the points.
    return_X_y : bool, default="deprecated"
        Deprecated, no effect: ``(X, y)`` is always returned.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features), dtype float64
        Unit-norm rows, i.i.d. uniform on the sphere.
    y : ndarray of shape (n_samples,), dtype float64
        ``X @ ones(n_features)``, the sum of each row.

    See Also
    --------
    make_synthetic2 : The data set with the bad points of Definition 2.1.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rfnet.datasets import make_synthetic1
    >>> X, y = make_synthetic1(random_state=0)
    >>> X.shape, bool(np.allclose(y, X.sum(axis=1)))
    ((500, 10), True)
    """
    _warn_return_X_y("make_synthetic1", return_X_y)
    n_samples = _check_int(n_samples, "n_samples", 1)
    n_features = _check_int(n_features, "n_features", 1)
    rng = check_random_state(random_state)

    X = _uniform_sphere(n_samples, n_features, rng)
    y = X @ np.ones(n_features)
    return X, y


def make_synthetic2(
    n_samples=100,
    *,
    random_state=None,
    return_null_vector=False,
    return_X_y="deprecated",
):
    """Generate the Synthetic-2 data set: the bad points of Definition 2.1 in noise.

    Section 3.5 of the paper combines 92 i.i.d. points from the uniform
    distribution on ``S^2`` with the 8 points of Definition 2.1,
    ``(+-s, +-s, +-s)`` with ``s = 1/sqrt(3)`` (eq. 2.3), for 100 points in
    all. Half are labelled +1, including every bad point, and the rest -1.
    The bad points make the ReLU and swish feature matrices rank deficient
    for every choice of weights (Theorem 2.2, Theorem 3.1), so ``H_hat`` is
    singular however wide the network; Wendland activations do not have
    this defect.

    Parameters
    ----------
    n_samples : int, default=100
        Total number of points, at least 9: the 8 bad points and
        ``n_samples - 8`` random ones.
    random_state : int, RandomState instance or None, default=None
        Seeds the random points and which of them are labelled +1.
    return_null_vector : bool, default=False
        Also return ``q``, the null vector of Theorem 2.2 extended by zeros
        (as ``make_regression(coef=True)`` also returns the truth behind the
        data).
    return_X_y : bool, default="deprecated"
        Deprecated, no effect: ``(X, y)`` is always returned.

    Returns
    -------
    X : ndarray of shape (n_samples, 3), dtype float64
        Unit-norm rows; rows ``0, ..., 7`` are the bad points of
        :func:`~sklearn_rfnet.datasets.make_bad_points` in the order of
        eq. 2.3, the others are i.i.d. uniform on ``S^2``.
    y : ndarray of shape (n_samples,), dtype float64
        +1 or -1. ``max(n_samples // 2, 8)`` points are +1: the 8 bad
        points and a random choice of the others.
    q : ndarray of shape (n_samples,), dtype float64
        Only if ``return_null_vector`` is True: ``(1, -1, -1, -1, 1, 1, 1, -1)``
        on the bad points and 0 elsewhere, so that ``q^T relu(X @ W) = 0``
        for every ``W`` (Theorem 2.2), which makes ``H_hat`` singular.

    See Also
    --------
    make_synthetic1 : Uniform points on a sphere with a linear target.
    make_bad_points : The bad points alone.

    Notes
    -----
    The bad points come first, as in the proof of Theorem 3.1
    (``X = [X_R; X_C]``). Which random points are +1 is drawn with
    ``random_state`` after the points themselves.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rfnet.datasets import make_synthetic2
    >>> X, y, q = make_synthetic2(random_state=0, return_null_vector=True)
    >>> X.shape, int((y == 1).sum())
    ((100, 3), 50)
    >>> y[:8]  # the bad points
    array([1., 1., 1., 1., 1., 1., 1., 1.])
    >>> W = np.random.default_rng(0).normal(size=(3, 50))
    >>> Z = np.maximum(X @ W, 0.0)  # ReLU features, any W
    >>> bool(np.allclose(q @ Z, 0.0))
    True
    """
    _warn_return_X_y("make_synthetic2", return_X_y)
    n_samples = _check_int(n_samples, "n_samples", 9)
    rng = check_random_state(random_state)

    bad, v = make_bad_points(3, return_null_vector=True)
    n_bad = len(bad)
    n_random = n_samples - n_bad
    X = np.vstack([bad, _uniform_sphere(n_random, 3, rng)])

    n_positive = max(n_samples // 2, n_bad)
    y = -np.ones(n_samples)
    y[:n_bad] = 1.0
    y[n_bad + rng.choice(n_random, n_positive - n_bad, replace=False)] = 1.0

    if return_null_vector:
        q = np.zeros(n_samples)
        q[:n_bad] = v
        return X, y, q
    return X, y
