"""Random features ``Z = gamma(X W) / sqrt(m)`` and the transformer that makes them.

The hidden layer of the paper's two-layer network (Section 2): rows of ``X``
are put on the unit sphere (optionally after appending a constant, the bias
trick of footnote 2 and Remark 1), multiplied by a fixed random ``W`` whose
columns are uniform on the sphere (Section 2.1) or Gaussian (Appendix A.1),
and passed through ``gamma`` (Table 1).
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils import check_random_state

from ._compat import Interval, StrOptions, _fit_context, validate_data
from ._docstrings import shared_docs
from ._operator import FeatureOperator
from .activations import ACTIVATIONS, get_activation

__all__ = [
    "WendlandFeatures",
    "prepare_inputs",
    "sample_weights",
    "weight_columns",
    "weight_seed",
]


# The weights are drawn by blocks of WEIGHT_BLOCK columns, block ``b`` from its
# own generator ``default_rng([b, seed])`` (numpy's documented keyed streams,
# "Parallel random number generation"): any range of blocks can be regenerated
# alone, so a task that owns hidden units ``[c0, c1)`` draws exactly the
# columns that a single process draws for them (the width-parallel dual fit).
WEIGHT_BLOCK = 256


def weight_seed(random_state):
    """The integer seed behind a ``random_state`` (consumed once when random).

    Parameters
    ----------
    random_state : int, RandomState instance or None
        An int is its own seed; a ``RandomState`` (or ``None``, numpy's global
        one) gives one 63-bit draw, so the same state gives the same weights.

    Returns
    -------
    seed : int

    Examples
    --------
    >>> weight_seed(3)
    3
    """
    if isinstance(random_state, Integral) and not isinstance(random_state, bool):
        return int(random_state)
    rng = check_random_state(random_state)
    return int(rng.randint(np.iinfo(np.int64).max, dtype=np.int64))


def weight_columns(d, cols, seed, weights="sphere", dtype=np.float64):
    """Columns ``cols`` of the weights drawn by :func:`sample_weights`.

    Parameters
    ----------
    d : int
        Input dimension (including the bias coordinate, if any).
    cols : slice
        Hidden units ``[start, stop)`` (step 1).
    seed : int
        From :func:`weight_seed`.
    weights : {"sphere", "gaussian"}, default="sphere"
        Distribution of the columns (see :func:`sample_weights`).
    dtype : dtype, default=float64
        dtype of the returned array (the draw is made in float64).

    Returns
    -------
    W : ndarray of shape (d, stop - start)
        Equal to ``sample_weights(d, m, weights, seed)[:, cols]`` for every
        ``m >= stop``.

    Examples
    --------
    >>> import numpy as np
    >>> W = sample_weights(3, 600, random_state=1)
    >>> np.array_equal(weight_columns(3, slice(250, 600), 1), W[:, 250:])
    True
    """
    if weights not in ("sphere", "gaussian"):
        raise ValueError(f"weights must be 'sphere' or 'gaussian', got {weights!r}.")
    start, stop = int(cols.start or 0), int(cols.stop)
    W = np.empty((d, max(stop - start, 0)))
    first, last = start // WEIGHT_BLOCK, -(-stop // WEIGHT_BLOCK)
    for b in range(first, last):
        rng = np.random.default_rng([b, seed])
        block = rng.standard_normal((d, WEIGHT_BLOCK))
        if weights == "sphere":
            block /= np.linalg.norm(block, axis=0)
        lo, hi = max(start, b * WEIGHT_BLOCK), min(stop, (b + 1) * WEIGHT_BLOCK)
        W[:, lo - start : hi - start] = block[
            :, lo - b * WEIGHT_BLOCK : hi - b * WEIGHT_BLOCK
        ]
    return W.astype(dtype, copy=False)


def sample_weights(d, m, weights="sphere", random_state=None, dtype=np.float64):
    """Draw the hidden-layer weights ``W`` (``d x m``).

    The draw is made by blocks of ``WEIGHT_BLOCK = 256`` columns, each from
    its own generator keyed by the seed and the block index
    (:func:`weight_columns`), so that any range of hidden units can be
    regenerated alone, identically, in another process.

    Parameters
    ----------
    d : int
        Input dimension (including the bias coordinate, if any).
    m : int
        Width (number of hidden units).
    weights : {"sphere", "gaussian"}, default="sphere"
        ``"sphere"``: columns i.i.d. uniform on ``S^{d-1}`` (Section 2.1),
        drawn as normalized standard Gaussian vectors. ``"gaussian"``:
        entries i.i.d. ``N(0, 1)`` (Appendix A.1).
    random_state : int, RandomState instance or None, default=None
        Seed (see :func:`weight_seed`). The draw is made in float64 whatever
        ``dtype`` is, so the same seed gives the same weights (up to
        rounding) in every precision.
    dtype : dtype, default=float64
        dtype of the returned array.

    Returns
    -------
    W : ndarray of shape (d, m)

    Examples
    --------
    >>> import numpy as np
    >>> W = sample_weights(3, 5, random_state=0)
    >>> np.allclose(np.linalg.norm(W, axis=0), 1.0)
    True
    """
    if weights not in ("sphere", "gaussian"):
        raise ValueError(f"weights must be 'sphere' or 'gaussian', got {weights!r}.")
    return weight_columns(d, slice(0, m), weight_seed(random_state), weights, dtype)


def _row_norms(X):
    """Euclidean row norms in float64, safe from overflow and underflow.

    The plain ``sqrt(sum(x^2))`` overflows for entries above ~1e154 and
    loses the norm of rows below ~1e-154; such rows (detected by an infinite
    or tiny sum of squares) are recomputed scaled by their largest entry, as
    BLAS ``nrm2`` does.
    """
    with np.errstate(over="ignore", under="ignore"):
        if sp.issparse(X):
            Xd = X.astype(np.float64)
            sq = np.asarray(Xd.multiply(Xd).sum(axis=1)).ravel()
        else:
            sq = np.einsum("ij,ij->i", X, X, dtype=np.float64)
    # an infinite sum overflowed; a sum below tiny/eps (0 included) may have
    # underflowed: those rows are recomputed scaled
    tiny = np.finfo(np.float64).tiny / np.finfo(np.float64).eps
    bad = np.flatnonzero(~np.isfinite(sq) | (sq < tiny))
    norms = np.sqrt(sq)
    if bad.size:
        rows = X[bad]
        rows = rows.toarray() if sp.issparse(rows) else np.asarray(rows)
        rows = rows.astype(np.float64)
        big = np.max(np.abs(rows), axis=1)
        safe = np.where(big > 0, big, 1.0)
        norms[bad] = big * np.sqrt(np.sum((rows / safe[:, None]) ** 2, axis=1))
    return norms


def prepare_inputs(X, *, normalize=True, bias=False):
    """Rows of ``X`` with an optional constant column, projected onto the sphere.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n, d)
        Validated input (float32 or float64). Never modified.
    normalize : bool, default=True
        Divide each row by its Euclidean norm (the paper's standing assumption
        ``||x_i|| = 1``, Section 2).
    bias : bool, float or "scale", default=False
        Append a constant column before normalizing (footnote 2, Remark 1):
        ``True`` appends 1, a positive number that number, ``"scale"`` the
        constant of :func:`resolve_bias` for this ``X``, ``False`` (or 0)
        nothing.

    Returns
    -------
    X_tilde : {ndarray, CSR matrix} of shape (n, d + (bias != 0))
        Rows of zeros (possible only with ``bias=False``) have no direction
        on the sphere: they stay zero, as
        :func:`sklearn.preprocessing.normalize` leaves them, and their
        features are ``gamma(0) / sqrt(m)``.

    Examples
    --------
    >>> import numpy as np
    >>> prepare_inputs(np.array([[3.0, 4.0], [0.0, 0.0]]), bias=False)
    array([[0.6, 0.8],
           [0. , 0. ]])
    """
    if isinstance(bias, str):
        bias = resolve_bias(bias, X)
    if bias:
        ones = np.full((X.shape[0], 1), float(bias), dtype=X.dtype)
        X = (
            sp.hstack([X, ones], format="csr")
            if sp.issparse(X)
            else np.hstack([X, ones])
        )
    elif sp.issparse(X):
        X = X.tocsr()
    if not normalize:
        return X if (bias or sp.issparse(X)) else np.array(X, copy=True)
    norms = _row_norms(X)
    norms[norms == 0.0] = 1.0  # rows of zeros stay zero (as normalize does)
    if sp.issparse(X):
        X = X.astype(X.dtype, copy=True)  # CSR, never the caller's
        X.data /= np.repeat(norms, np.diff(X.indptr)).astype(X.dtype)
        return X
    return (X / norms[:, None].astype(np.float64)).astype(X.dtype, copy=False)


# bias="scale": the appended constant is BIAS_SCALE times the root mean square
# distance of the rows from their mean, sqrt(n_features * X.var()) (the
# quantity behind scikit-learn's gamma="scale"). Rows then sit within about
# half a radian of the pole on the sphere, where x_tilde^T y_tilde ~
# 1 - ||x - y||^2 / (2 c^2): the activations see distances, not the angles
# of the raw rows. Chosen on the accuracy benchmark (docs/accuracy.md; see
# the user guide, "Choosing the parameters").
BIAS_SCALE = 2.0


def resolve_bias(bias, X):
    """The constant appended to the rows of ``X`` for the parameter ``bias``.

    Parameters
    ----------
    bias : bool, float or "scale"
        ``True`` is 1 (the paper's bias trick, footnote 2), ``False`` is 0 (no
        column), a number itself, and ``"scale"``
        ``BIAS_SCALE * sqrt(n_features * X.var())`` (``X.var()`` over all
        entries, as for scikit-learn's ``gamma="scale"``), or 1 when ``X`` has
        no spread.
    X : {ndarray, sparse matrix, dask array} of shape (n_samples, n_features)
        Training data.

    Returns
    -------
    bias_ : float
        ``>= 0``; 0 means no bias column.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[-1.0, 1.0], [1.0, -1.0]])  # X.var() = 1, 2 features
    >>> round(resolve_bias("scale", X), 4), resolve_bias(True, X)
    (2.8284, 1.0)
    """
    if isinstance(bias, str):  # "scale"
        from . import _xp

        ns = _xp.namespace(X)
        if ns is not None:  # array API input: reduced on its device
            return _xp.resolve_bias(bias, X, *ns)
        # the variance of X / s, s = max |X|: no overflow or underflow in the
        # squares for any magnitude of X (c = 2 s sqrt(d var(X / s)))
        if sp.issparse(X):
            s = float(abs(X).max()) if X.nnz else 0.0
            Xs = X / s if s > 0 else X
            mean = float(Xs.mean())
            var = float(Xs.multiply(Xs).mean()) - mean * mean
        else:
            s = abs(X).max()
            s = float(s.compute() if hasattr(s, "compute") else s) if X.size else 0.0
            Xs = X / s if 0 < s < math.inf else X
            var = Xs.var(dtype=np.float64)  # a dask array: lazy reductions
            var = float(var.compute() if hasattr(var, "compute") else var)
        value = (
            BIAS_SCALE * (s if s > 0 else 1.0) * math.sqrt(max(var, 0.0) * X.shape[1])
        )
        return value if math.isfinite(value) and value > 0 else 1.0
    return float(bias)


FEATURE_PARAMETER_CONSTRAINTS = {
    "n_components": [Interval(Integral, 1, None, closed="left")],
    "activation": [StrOptions(set(ACTIVATIONS)), callable],
    "zeta": [Interval(Real, 0, None, closed="neither"), StrOptions({"scale"}), None],
    "weights": [StrOptions({"sphere", "gaussian"})],
    "normalize": ["boolean"],
    "bias": [
        "boolean",
        Interval(Real, 0, None, closed="neither"),
        StrOptions({"scale"}),
    ],
    "random_state": ["random_state"],
}
"""Parameter constraints shared by every estimator built on random features."""


class RandomFeaturesMixin:
    """Weight sampling and feature evaluation shared by the estimators."""

    def _fit_features(self, X, zeta="param", bias="param", W=None):
        """Draw ``random_weights_`` (or keep ``W``, drawn before) and
        resolve the activation for ``X``; set ``bias_``, the constant
        appended to the rows (``zeta`` and ``bias`` replace the parameters
        when given: the cross-validation estimators' searches)."""
        bias = self.bias if isinstance(bias, str) and bias == "param" else bias
        self.bias_ = resolve_bias(bias, X)
        d = X.shape[1] + bool(self.bias_)
        if W is None or W.shape[0] != d:
            W = sample_weights(
                d, self.n_components, self.weights, self.random_state, dtype=X.dtype
            )
        self.random_weights_ = W
        zeta = self.zeta if isinstance(zeta, str) and zeta == "param" else zeta
        self._activation = get_activation(self.activation, d, zeta)
        return self

    def _feature_map(self, X, block_size=None):
        """Row operator for ``Z`` on validated ``X``."""
        Xt = prepare_inputs(X, normalize=self.normalize, bias=self.bias_)
        W = self.random_weights_
        if W.dtype != X.dtype:  # fitted in one precision, used in another
            W = W.astype(X.dtype)
        return FeatureOperator(Xt, W, self._activation, block_size=block_size)


@shared_docs
class WendlandFeatures(
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    RandomFeaturesMixin,
    BaseEstimator,
):
    """Random features ``Z = gamma(X W) / sqrt(m)`` of a two-layer network.

    The hidden layer of the paper's network ``G(x) = gamma(x^T W) alpha / sqrt(m)``
    (Section 2) with fixed random weights: each row of ``X`` is put on the
    unit sphere (optionally after appending a constant, the bias trick),
    multiplied by ``W`` whose columns are uniform on the sphere, and passed
    through the activation ``gamma``. By default ``gamma`` is the Wendland
    activation of Table 1, for which the population matrix
    ``H = E_w[gamma(X w) gamma(X w)^T]`` is strictly positive definite for any
    distinct points (Theorem 3.4), so that ``Z Z^T`` is invertible once the
    width is a small multiple of the number of samples; ReLU and swish lack
    this property (Theorem 2.2, Appendix A.2).

    Put it in a pipeline before any linear model, or use
    :class:`~sklearn_rfnet.RandomFeatureRegressor`, which trains the last
    layer and reports the conditioning.

    Parameters
    ----------
    {n_components}
    {activation}
    {zeta}
    {weights}
    {normalize}
    {bias}
    {random_state}

    Attributes
    ----------
    {random_weights_}
    {bias_}
    {n_features_in_}
    {feature_names_in_}

    See Also
    --------
    RandomFeatureRegressor : Trains the last layer on these features.
    sklearn.kernel_approximation.RBFSampler : Random Fourier features.

    Notes
    -----
    ``transform`` returns ``Z = gamma(X_tilde W) / sqrt(m)`` where
    ``X_tilde`` is the prepared input; ``Z Z^T`` is the matrix ``H_hat`` of
    eq. 2.6 and converges to the population matrix ``H`` of eq. 2.7 as
    ``m -> inf`` (Lemma 2.5). float32 input gives float32 output.

    References
    ----------
    .. [1] A. Townsend, A. Damle and A. R. Benson, "Over-parametrized neural
       networks as under-determined linear systems", 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rfnet import WendlandFeatures
    >>> X = np.random.RandomState(0).normal(size=(5, 3))
    >>> Z = WendlandFeatures(n_components=50, random_state=0).fit_transform(X)
    >>> Z.shape
    (5, 50)
    """

    _parameter_constraints: dict = dict(FEATURE_PARAMETER_CONSTRAINTS)

    def __init__(
        self,
        n_components=100,
        *,
        activation="wendland0",
        zeta="scale",
        weights="sphere",
        normalize=True,
        bias="scale",
        random_state=None,
    ):
        self.n_components = n_components
        self.activation = activation
        self.zeta = zeta
        self.weights = weights
        self.normalize = normalize
        self.bias = bias
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Draw the random weights ``W`` for data shaped like ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data: its shape and dtype, and with ``bias="scale"``
            its variance (see ``bias``).
        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted transformer.
        """
        from . import _dask, _xp

        if _dask.is_dask_collection(X):  # shape and dtype only: nothing computed
            return _dask.fit_features(self, X)
        if _xp.namespace(X) is not None:  # array API: W moved to X's device
            return _xp.fit_transformer(self, X)
        X = validate_data(self, X, accept_sparse="csr", dtype=[np.float64, np.float32])
        return self._fit_features(X)

    def transform(self, X):
        """Compute ``Z = gamma(X_tilde W) / sqrt(m)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Data.

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
            Random features, float32 for float32 input, else float64; a
            lazy dask array (row blocks) for a dask ``X``; an array of
            ``X``'s namespace and device under ``array_api_dispatch``.
        """
        from . import _dask, _xp

        if _dask.is_dask_collection(X):  # lazy, block by block
            return _dask.transform(self, X)
        _xp.check_namespace(self, X, "random_weights_", "transform")
        if _xp.namespace(X) is not None:  # computed where X lives
            return _xp.transform(self, X)
        X = validate_data(
            self, X, accept_sparse="csr", dtype=[np.float64, np.float32], reset=False
        )
        Z = self._feature_map(X).materialize()
        if not np.all(np.isfinite(Z)):
            raise ValueError(
                f"activation {self._activation.name!r} returned NaN or inf "
                "features; a callable activation must be finite on [-1, 1]."
            )
        return Z

    @property
    def _n_features_out(self):
        # AttributeError before fit, so get_feature_names_out raises NotFittedError
        return self.random_weights_.shape[1]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.array_api_support = True
        return tags
