"""The synthetic data sets of Section 3.5: Synthetic-1 and Synthetic-2.

* :func:`make_synthetic1`: i.i.d. points uniform on ``S^{d-1}`` labelled by
  ``x^T e`` (a regression problem).
* :func:`make_synthetic2`: i.i.d. points uniform on ``S^2`` plus the bad point
  set of Definition 2.1, labelled +-1, which makes ``H_hat`` singular for the
  ReLU and swish activations.

Uniform points on the sphere are standard Gaussian vectors scaled to unit
norm (the Gaussian is rotation invariant).
"""

from __future__ import annotations

import math
from numbers import Integral

import numpy as np
from sklearn.utils import Bunch, check_random_state

from ._loaders import _load_descr

__all__ = ["make_synthetic1", "make_synthetic2"]

# Theorem 2.2: the coefficients of the combination of the bad points that the
# ReLU features annihilate, in the order of eq. 2.3.
_BAD_NULL_VECTOR = np.array([1.0, -1.0, -1.0, -1.0, 1.0, 1.0, 1.0, -1.0])


def _definition_2_1_points():
    """The 8 points of Definition 2.1 for ``d = 3``, in the order of eq. 2.3.

    ``(+-s, +-s, +-s)`` with ``s = 1/sqrt(3)``: ``x1 = (s, s, s)``,
    ``x2 = (-s, s, s)``, ``x3 = (s, -s, s)``, ``x4 = (s, s, -s)``,
    ``x5 = (-s, -s, s)``, ``x6 = (-s, s, -s)``, ``x7 = (s, -s, -s)``,
    ``x8 = (-s, -s, -s)``.
    """
    signs = np.array(
        [
            [1, 1, 1],
            [-1, 1, 1],
            [1, -1, 1],
            [1, 1, -1],
            [-1, -1, 1],
            [-1, 1, -1],
            [1, -1, -1],
            [-1, -1, -1],
        ],
        dtype=np.float64,
    )
    return signs / math.sqrt(3.0)


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


def make_synthetic1(
    n_samples=500, n_features=10, *, random_state=None, return_X_y=False
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
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        data : ndarray of shape (n_samples, n_features), dtype float64
            Unit-norm rows, i.i.d. uniform on the sphere.
        target : ndarray of shape (n_samples,), dtype float64
            ``data @ ones(n_features)``, the sum of each row.
        DESCR : str
            Description of the data set.
    (data, target) : tuple if ``return_X_y`` is True

    See Also
    --------
    make_synthetic2 : The data set with the bad points of Definition 2.1.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rfnet.datasets import make_synthetic1
    >>> X, y = make_synthetic1(random_state=0, return_X_y=True)
    >>> X.shape, bool(np.allclose(y, X.sum(axis=1)))
    ((500, 10), True)
    """
    n_samples = _check_int(n_samples, "n_samples", 1)
    n_features = _check_int(n_features, "n_features", 1)
    rng = check_random_state(random_state)

    X = _uniform_sphere(n_samples, n_features, rng)
    y = X @ np.ones(n_features)
    if return_X_y:
        return X, y
    return Bunch(data=X, target=y, DESCR=_load_descr("synthetic1.rst"))


def make_synthetic2(n_samples=100, *, random_state=None, return_X_y=False):
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
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        data : ndarray of shape (n_samples, 3), dtype float64
            Unit-norm rows; rows ``0, ..., 7`` are the bad points in the
            order of eq. 2.3, the others are i.i.d. uniform on ``S^2``.
        target : ndarray of shape (n_samples,), dtype float64
            +1 or -1. ``max(n_samples // 2, 8)`` points are +1: the 8 bad
            points and a random choice of the others.
        bad_point_index : ndarray of shape (8,), dtype int64
            Rows of ``data`` that hold the bad points, ``arange(8)``.
        null_vector : ndarray of shape (n_samples,), dtype float64
            ``q`` with ``(1, -1, -1, -1, 1, 1, 1, -1)`` on the bad points and
            0 elsewhere: ``q^T relu(data @ W) = 0`` for every ``W``
            (Theorem 2.2), which makes ``H_hat`` singular.
        DESCR : str
            Description of the data set.
    (data, target) : tuple if ``return_X_y`` is True

    See Also
    --------
    make_synthetic1 : Uniform points on a sphere with a linear target.

    Notes
    -----
    The bad points come first, as in the proof of Theorem 3.1
    (``X = [X_R; X_C]``). Which random points are +1 is drawn with
    ``random_state`` after the points themselves.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rfnet.datasets import make_synthetic2
    >>> synth = make_synthetic2(random_state=0)
    >>> synth.data.shape, int((synth.target == 1).sum())
    ((100, 3), 50)
    >>> synth.target[synth.bad_point_index]
    array([1., 1., 1., 1., 1., 1., 1., 1.])
    >>> W = np.random.default_rng(0).normal(size=(3, 50))
    >>> Z = np.maximum(synth.data @ W, 0.0)  # ReLU features, any W
    >>> bool(np.allclose(synth.null_vector @ Z, 0.0))
    True
    """
    n_samples = _check_int(n_samples, "n_samples", 9)
    rng = check_random_state(random_state)

    bad = _definition_2_1_points()
    n_bad = len(bad)
    n_random = n_samples - n_bad
    X = np.vstack([bad, _uniform_sphere(n_random, 3, rng)])

    n_positive = max(n_samples // 2, n_bad)
    y = -np.ones(n_samples)
    y[:n_bad] = 1.0
    y[n_bad + rng.choice(n_random, n_positive - n_bad, replace=False)] = 1.0

    if return_X_y:
        return X, y
    bad_point_index = np.arange(n_bad, dtype=np.int64)
    null_vector = np.zeros(n_samples)
    null_vector[bad_point_index] = _BAD_NULL_VECTOR
    return Bunch(
        data=X,
        target=y,
        bad_point_index=bad_point_index,
        null_vector=null_vector,
        DESCR=_load_descr("synthetic2.rst"),
    )
