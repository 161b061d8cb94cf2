"""The bad point set of Definition 2.1 and a helper that plants it in data.

Eight unit vectors ``(+-s, +-s, +-s, 0, ..., 0)``, ``s = 1/sqrt(3)``
(eq. 2.3), on which ReLU features are rank deficient for every weight
matrix (Theorem 2.2): ``v^T relu(X W) = 0`` with
``v = (1, -1, -1, -1, 1, 1, 1, -1)``. The same ``v`` annihilates the
population matrix ``H`` of ReLU (Theorem 3.1), the ReLU NTK matrices ``G``
and ``G_hat`` (Theorem 3.2) and the swish features (Appendix A.2), since
the points come in antipodal pairs with opposite signs in ``v`` and sum,
weighted by ``v``, to zero: any ``gamma`` whose odd part is linear fails.
Planted in other data they keep the feature matrix rank deficient
(Corollary 2.3).
"""

from __future__ import annotations

import math
from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["make_bad_points", "plant_bad_points"]

# Signs of x_1, ..., x_8 in the order of eq. 2.3.
_SIGNS = np.array(
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
# Theorem 2.2 / Theorem 3.1: v^T relu(X W) = 0 and H v = 0.
_NULL_VECTOR = np.array([1.0, -1.0, -1.0, -1.0, 1.0, 1.0, 1.0, -1.0])
# Rows of the sphere data are checked to have unit norm within this.
_NORM_TOL = 1e-6


def _check_dim(d):
    if isinstance(d, bool) or not isinstance(d, Integral):
        raise TypeError(f"d must be an int; got {d!r}.")
    if d < 3:
        raise ValueError(
            f"d must be >= 3: the bad point set of Definition 2.1 lives in "
            f"R^3 (zero padded for d > 3); got d={d}."
        )
    return int(d)


def make_bad_points(d=3, *, return_null_vector=False):
    """The eight points of Definition 2.1 (eq. 2.3) on ``S^{d-1}``.

    ``x_1 = (s, s, s, 0)``, ``x_2 = (-s, s, s, 0)``, ``x_3 = (s, -s, s, 0)``,
    ``x_4 = (s, s, -s, 0)``, ``x_5 = (-s, -s, s, 0)``,
    ``x_6 = (-s, s, -s, 0)``, ``x_7 = (s, -s, -s, 0)``,
    ``x_8 = (-s, -s, -s, 0)``, with ``s = 1/sqrt(3)`` and ``0`` the zero
    vector of ``R^{d-3}``. Distinct, well separated (``|x_i^T x_j| <= 1/3``
    unless ``x_j = -x_i``), yet ReLU features ``relu(X W)`` have rank at
    most 7 for every ``W`` (Theorem 2.2) and the ReLU population matrix
    ``H`` is singular (Theorem 3.1).

    Parameters
    ----------
    d : int, default=3
        Ambient dimension, ``d >= 3``.
    return_null_vector : bool, default=False
        Also return ``v = (1, -1, -1, -1, 1, 1, 1, -1)``, the vector of
        Theorem 2.2 with ``v^T relu(X W) = 0`` for every ``W``.

    Returns
    -------
    X : ndarray of shape (8, d)
        The points, one per row, in the order of eq. 2.3.
    v : ndarray of shape (8,)
        Only if ``return_null_vector`` is True.

    Raises
    ------
    ValueError
        If ``d < 3``.

    See Also
    --------
    plant_bad_points : Insert these points into other data (Corollary 2.3).

    Examples
    --------
    >>> import numpy as np
    >>> X, v = make_bad_points(4, return_null_vector=True)
    >>> X.shape
    (8, 4)
    >>> W = np.random.default_rng(0).normal(size=(4, 1000))
    >>> bool(np.abs(v @ np.maximum(X @ W, 0)).max() < 1e-12)  # Theorem 2.2
    True
    >>> int(np.linalg.matrix_rank(np.maximum(X @ W, 0)))
    7
    """
    d = _check_dim(d)
    X = np.zeros((8, d))
    X[:, :3] = _SIGNS / math.sqrt(3.0)
    if return_null_vector:
        return X, _NULL_VECTOR.copy()
    return X


def plant_bad_points(
    X, y=None, *, y_bad=1.0, rotate=False, shuffle=True, random_state=None
):
    """Insert the eight points of Definition 2.1 into a data set (Corollary 2.3).

    Whatever the other points, the combined ReLU (or swish) feature matrix
    ``gamma(X W)`` has the left null vector ``q``: ``v`` of Theorem 2.2 on
    the planted rows and 0 elsewhere. So ``H_hat = Z Z^T`` and ``H`` are
    singular, and labels with ``y^T q != 0`` cannot be fitted exactly by a
    bias-free ReLU network, however wide (Corollary 2.3).

    Parameters
    ----------
    X : array_like of shape (n, d)
        Data with rows on the unit sphere ``S^{d-1}``, ``d >= 3``.
    y : array_like of shape (n,) or (n, n_targets), default=None
        Labels of ``X``; the planted rows get ``y_bad``.
    y_bad : float or array_like of shape (8,) or (8, n_targets), default=1.0
        Labels of the planted points, in the order of eq. 2.3. The default
        labels all of them +1, as the Synthetic-2 set of Section 3.5; since
        ``sum(v) = 0`` such labels have ``y^T q = 0`` and stay fittable in
        principle. ``y_bad = v`` makes ``y^T q = 8 != 0``: no bias-free
        ReLU network fits them (Corollary 2.3).
    rotate : bool, default=False
        Apply one random rotation (a Haar-distributed orthogonal matrix) to
        the eight points, so that they are not aligned with the axes. The
        null vector is unchanged: Theorem 2.2 holds for every ``W``, hence
        for ``Q^T W``.
    shuffle : bool, default=True
        Put the planted rows at random positions (the rows of ``X`` keep
        their order); if False they are appended after ``X``.
    random_state : int, RandomState instance or None, default=None
        Seeds the positions and the rotation.

    Returns
    -------
    X_new : ndarray of shape (n + 8, d)
        The combined data.
    y_new : ndarray of shape (n + 8,) or (n + 8, n_targets)
        Only if ``y`` is given.
    index : ndarray of shape (8,), dtype int64
        ``X_new[index[i]]`` is the planted ``x_{i+1}`` of eq. 2.3 (rotated if
        ``rotate``); increasing.
    q : ndarray of shape (n + 8,)
        The null vector of Corollary 2.3: ``q[index] = v``, 0 elsewhere, and
        ``q^T relu(X_new W) = 0`` for every ``W``.

    Raises
    ------
    ValueError
        If ``d < 3``, if a row of ``X`` is not of unit norm (within 1e-6), or
        if the shapes of ``y`` and ``y_bad`` do not fit.

    See Also
    --------
    make_bad_points : The eight points alone.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(92, 3))
    >>> X /= np.linalg.norm(X, axis=1, keepdims=True)
    >>> X_new, index, q = plant_bad_points(X, random_state=0)
    >>> X_new.shape, index.shape
    ((100, 3), (8,))
    >>> W = rng.normal(size=(3, 500))
    >>> bool(np.abs(q @ np.maximum(X_new @ W, 0)).max() < 1e-12)
    True
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-D array; got shape {X.shape}.")
    n, d = X.shape
    d = _check_dim(d)
    if not np.all(np.isfinite(X)):
        raise ValueError("X must not contain NaN or inf.")
    if n:
        dev = float(np.max(np.abs(np.linalg.norm(X, axis=1) - 1.0)))
        if dev > _NORM_TOL:
            raise ValueError(
                "the rows of X must lie on the unit sphere S^{d-1}, as the bad "
                "points do (largest deviation of a row norm from 1: "
                f"{dev:.3g}); normalize them first."
            )
    rng = check_random_state(random_state)
    bad = make_bad_points(d)
    if rotate:
        # Haar orthogonal matrix: QR of a Gaussian matrix, signs fixed
        Q, R = np.linalg.qr(rng.standard_normal((d, d)))
        Q *= np.sign(np.diag(R))
        bad = bad @ Q.T
    n_new = n + 8
    if shuffle:
        index = np.sort(rng.choice(n_new, size=8, replace=False)).astype(np.int64)
    else:
        index = np.arange(n, n_new, dtype=np.int64)
    rest = np.ones(n_new, dtype=bool)
    rest[index] = False
    X_new = np.empty((n_new, d))
    X_new[index] = bad
    X_new[rest] = X
    q = np.zeros(n_new)
    q[index] = _NULL_VECTOR
    if y is None:
        return X_new, index, q
    y = np.asarray(y, dtype=np.float64)
    if y.ndim not in (1, 2) or y.shape[0] != n:
        raise ValueError(
            f"y must have shape ({n},) or ({n}, n_targets); got {y.shape}."
        )
    y_bad = np.asarray(y_bad, dtype=np.float64)
    try:
        y_bad = np.broadcast_to(y_bad, (8,) + y.shape[1:])
    except ValueError:
        raise ValueError(
            f"y_bad must be a scalar or have shape {(8,) + y.shape[1:]}; "
            f"got {y_bad.shape}."
        ) from None
    y_new = np.empty((n_new,) + y.shape[1:])
    y_new[index] = y_bad
    y_new[rest] = y
    return X_new, y_new, index, q
