"""The network at infinite width: its population kernel as a scikit-learn kernel.

As the width ``m`` grows, ``H_hat = Z Z^T`` converges to the population
matrix ``H_ij = E_w[gamma(x_i^T w) gamma(w^T x_j)] = phi(x_i^T x_j)``
(eq. 2.7, 3.4; Lemma 2.5), and every last-layer fit of the finite network
converges to the same fit with ``H`` in place of ``H_hat``: a kernel method,
without the sampling noise of ``W`` and at a cost independent of ``m``.

* :class:`InfiniteWidthKernel` is ``k(x, y) = phi(x~^T y~)`` (``x~`` the
  prepared input, on the sphere) as a
  :class:`sklearn.gaussian_process.kernels.Kernel`: it composes with
  :class:`~sklearn.gaussian_process.kernels.ConstantKernel` and
  :class:`~sklearn.gaussian_process.kernels.WhiteKernel` in a
  :class:`~sklearn.gaussian_process.GaussianProcessRegressor` (predictive
  uncertainty, ``zeta`` tuned by the marginal likelihood), and is a callable
  kernel for :class:`~sklearn.kernel_ridge.KernelRidge`,
  :class:`~sklearn.svm.SVC`/:class:`~sklearn.svm.SVR` and
  :class:`~sklearn.decomposition.KernelPCA`.
* :class:`InfiniteWidthRegressor` and :class:`InfiniteWidthClassifier` are
  the limits of :class:`~sklearn_rfnet.RandomFeatureRegressor` and
  :class:`~sklearn_rfnet.classifier.RandomFeatureClassifier`: the same
  parameters (less the width and the seed), the same ``alpha`` scale and
  leave-one-out grid, the exact limit of the Landweber path, and the
  diagnostics of ``H`` itself.

They are separate estimators rather than ``n_components="inf"`` on the
finite ones because almost nothing of a finite fit survives the limit: there
is no ``W`` (``random_weights_``), no ``coef_`` over hidden units (the model
is ``k(x)^T dual_coef_``, which needs the training set, as
:class:`~sklearn.kernel_ridge.KernelRidge`), no primal regime, no
``block_size``/``random_state``, and the consistency contract
``WendlandFeatures(...).transform(X) @ coef_ == predict(X)`` has no
meaning; one class per model keeps each class's attributes all set and all
documented, and its parameter checks declarative.
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np
import scipy.sparse as sp
from scipy.integrate import quad
from sklearn.gaussian_process.kernels import Hyperparameter, Kernel
from sklearn.utils.validation import check_array

from .activations import ACTIVATIONS, get_activation
from .features import prepare_inputs
from .population import population_kernel

__all__ = ["InfiniteWidthClassifier", "InfiniteWidthKernel", "InfiniteWidthRegressor"]  # noqa: F822

# Central difference in log(zeta) for the gradient of the kernel: the
# truncation error is ~ h^2 / 6 |d^3 phi / d(log zeta)^3| ~ 2e-9 relative and
# the rounding error ~ 1e-13 / h = 1e-9 relative (the tables of phi are
# accurate to about 1e-13 of phi(1), population.py).
_ZETA_LOG_STEP = 1e-4
# Rows must lie on the unit sphere within this tolerance (normalize=False).
_NORM_TOL = 1e-6
_WENDLAND = {name for name, spec in ACTIVATIONS.items() if spec._wendland_k is not None}


def _is_number(x):
    return isinstance(x, Real) and not isinstance(x, bool)


def _first_moment(phi):
    """``E_w[gamma(y^T w)]`` for a unit vector ``y`` (the same for every ``y``).

    By adaptive quadrature split at the kinks of ``gamma``: over the polar
    angle ``theta = arccos(y^T w)`` with density proportional to
    ``sin(theta)^(d-2)`` (weights on the sphere, ``d >= 2``; extra break
    points every ``1 / sqrt(d)`` around ``pi / 2``, where the law
    concentrates), over ``y^T w ~ N(0, 1)`` (Gaussian weights), and the
    two-point sum for ``d = 1``.
    """
    gamma, d = phi.activation, phi.d

    def g(z):
        return float(gamma(np.array([z], dtype=np.float64))[0])

    opts = dict(epsabs=0.0, epsrel=1e-13, limit=500)
    if phi.weights == "gaussian":
        pts = sorted({*phi.kinks, -1.0, 0.0, 1.0})
        dens = math.sqrt(2.0 * math.pi)
        return (
            quad(lambda a: g(a) * math.exp(-0.5 * a * a), -9, 9, points=pts, **opts)[0]
            / dens
        )
    if d == 1:
        return 0.5 * (g(1.0) + g(-1.0))
    step = 1.0 / math.sqrt(d)
    pts = {math.acos(min(1.0, max(-1.0, z))) for z in phi.kinks}
    pts |= {math.pi / 2 + j * step for j in range(-8, 9)}
    pts = sorted(p for p in pts if 0.0 < p < math.pi)
    num = quad(
        lambda t: g(math.cos(t)) * math.sin(t) ** (d - 2),
        0,
        math.pi,
        points=pts,
        **opts,
    )[0]
    den = quad(lambda t: math.sin(t) ** (d - 2), 0, math.pi, points=pts, **opts)[0]
    return num / den


def _zero_rows(phi, K, zx, zy):
    """Entries of rows of zeros (``bias=False``), the limit of their features.

    A row of zeros stays zero (:func:`~sklearn_rfnet.features.prepare_inputs`)
    and its features are the constant ``gamma(0) / sqrt(m)``: ``Z Z^T``
    tends to ``gamma(0) E[gamma(y^T w)]`` against a point ``y`` of the
    sphere and to ``gamma(0)^2`` against another zero row.
    """
    if not (zx.any() or zy.any()):
        return K
    g0 = float(phi.activation(np.zeros(1))[0])
    cross = g0 * _first_moment(phi) if g0 != 0.0 else 0.0
    K[zx, :] = cross
    K[:, zy] = cross
    K[np.ix_(zx, zy)] = g0 * g0
    return K


class InfiniteWidthKernel(Kernel):
    """The infinite-width kernel of the random-features network.

    ``k(x, y) = phi(x~^T y~)`` where ``x~`` is ``x`` with a constant 1
    appended (``bias=True``) and projected onto the unit sphere
    (``normalize=True``), exactly as the network prepares its input
    (:func:`~sklearn_rfnet.features.prepare_inputs`), and ``phi`` is the
    population kernel of the activation (eq. 2.7, 3.4; A.1 for Gaussian
    weights): ``Z Z^T -> (k(x_i, x_j))_ij`` as the width grows. For ReLU
    it is the closed form of eq. 3.1 (the arc-cosine kernel); for the other
    activations a table built once by quadrature
    (:func:`~sklearn_rfnet.population.population_kernel`, accurate to about
    ``1e-13`` of ``phi(1)``). The Wendland kernels are strictly positive
    definite for any distinct points (Theorem 3.4).

    The dimension of the sphere, ``d = n_features + bias``, sets the
    Wendland exponent ``ell`` and ``zeta="scale"``; it is read from ``X``
    at every call, so ``X`` and ``Y`` must have the same number of features.

    Parameters
    ----------
    activation : {"wendland0", "wendland2", "relu", "swish"} or callable, \
            default="wendland0"
        The activation ``gamma`` (Table 1). A callable is tabulated without
        knowledge of its kinks: a kinked callable gets a less accurate table
        and an :class:`~scipy.integrate.IntegrationWarning`.
    zeta : float, "scale" or None, default="scale"
        Support radius of the Wendland activations, as in
        :class:`~sklearn_rfnet.RandomFeatureRegressor`: ``"scale"`` is
        :func:`~sklearn_rfnet.activations.scale_zeta`, ``None`` the paper's
        ``sqrt(2)``. A number is a hyperparameter that a
        :class:`~sklearn.gaussian_process.GaussianProcessRegressor` tunes
        within ``zeta_bounds``. Ignored by the other activations.
    weights : {"sphere", "gaussian"}, default="sphere"
        Distribution of the hidden weights (eq. 2.7 or A.1).
    normalize : bool, default=True
        Project each (prepared) row onto the unit sphere. With ``False`` the
        rows (after the bias column) must already lie on it: ``H`` is
        defined only there.
    bias : bool or float, default=True
        Append a constant before normalizing (footnote 2, Remark 1): 1 for
        ``True``, else the number given; ``False`` appends nothing. The
        estimators' ``bias="scale"`` is a property of the training data:
        :class:`InfiniteWidthRegressor` passes its fitted ``bias_`` here
        (``kernel_``); for standardized data it is ``2 sqrt(n_features)``.
    zeta_bounds : pair of float or "fixed", default=(0.1, 1e4)
        Range of ``zeta`` for hyperparameter tuning. ``zeta`` is tunable only
        when it is a number and the activation a Wendland one; otherwise
        (``"scale"``, ``None``, ReLU, swish, callables) it is fixed.

    See Also
    --------
    InfiniteWidthRegressor : Kernel ridge on this kernel, the limit of
        :class:`~sklearn_rfnet.RandomFeatureRegressor`.
    sklearn_rfnet.population.population_kernel : The function ``phi``.

    Notes
    -----
    The gradient with respect to ``log(zeta)`` (``eval_gradient=True``) is a
    central difference with step ``1e-4`` in ``log(zeta)``: ``phi`` has no
    closed form in ``zeta``, and each evaluation needs the tables at
    ``zeta * exp(+-1e-4)`` (built once each and cached). Its relative error
    is about ``1e-8``, ample for the optimizer of the marginal likelihood.

    Use with :class:`~sklearn.kernel_ridge.KernelRidge`,
    :class:`~sklearn.svm.SVR`, :class:`~sklearn.svm.SVC` or
    :class:`~sklearn.decomposition.KernelPCA` as ``kernel=InfiniteWidthKernel()``
    (scikit-learn calls a kernel object on whole arrays), or precompute the
    matrices: ``kernel="precomputed"`` with ``K = k(X_train)`` for ``fit``
    and ``k(X_test, X_train)`` for ``predict``.

    References
    ----------
    .. [1] A. Townsend, A. Damle and A. R. Benson, "Over-parametrized neural
       networks as under-determined linear systems", 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rfnet.kernels import InfiniteWidthKernel
    >>> X = np.random.RandomState(0).normal(size=(5, 3))
    >>> k = InfiniteWidthKernel(activation="relu", bias=False)
    >>> K = k(X)
    >>> K.shape, bool(np.allclose(np.diag(K), k.diag(X)))
    ((5, 5), True)
    >>> float(k.diag(X)[0])  # phi(1) = 1 / (2 d), eq. 3.1
    0.16666666666666666

    In a Gaussian process, with ``zeta`` tuned by the marginal likelihood:

    >>> from sklearn.gaussian_process import GaussianProcessRegressor
    >>> from sklearn.gaussian_process.kernels import ConstantKernel, WhiteKernel
    >>> kernel = ConstantKernel() * InfiniteWidthKernel(zeta=3.0) + WhiteKernel()
    >>> kernel.k1.k2.hyperparameter_zeta.fixed
    False
    """

    def __init__(
        self,
        activation="wendland0",
        zeta="scale",
        weights="sphere",
        normalize=True,
        bias=True,
        zeta_bounds=(1e-1, 1e4),
    ):
        self.activation = activation
        self.zeta = zeta
        self.weights = weights
        self.normalize = normalize
        self.bias = bias
        self.zeta_bounds = zeta_bounds

    # -- hyperparameters -------------------------------------------------------
    @property
    def _zeta_tunable(self):
        wendland = isinstance(self.activation, str) and self.activation in _WENDLAND
        fixed = isinstance(self.zeta_bounds, str) and self.zeta_bounds == "fixed"
        return wendland and _is_number(self.zeta) and not fixed

    @property
    def hyperparameter_zeta(self):
        """Hyperparameter : ``zeta``, tunable in ``zeta_bounds`` or fixed."""
        if not self._zeta_tunable:
            return Hyperparameter("zeta", "numeric", "fixed")
        return Hyperparameter("zeta", "numeric", self._check_bounds())

    def _check_bounds(self):
        b = self.zeta_bounds
        ok = (
            np.shape(b) == (2,)
            and all(_is_number(v) and math.isfinite(v) and v > 0 for v in b)
            and b[0] < b[1]
        )
        if not ok:
            raise ValueError(
                "zeta_bounds must be 'fixed' or a pair (low, high) of positive "
                f"finite numbers with low < high, got {b!r}."
            )
        return tuple(float(v) for v in b)

    def is_stationary(self):
        """``False``: ``k`` depends on the angle of the prepared inputs, not
        on ``x - y``.

        Returns
        -------
        stationary : bool
        """
        return False

    # -- evaluation ------------------------------------------------------------
    def _check(self):
        if not isinstance(self.normalize, bool | np.bool_):
            raise TypeError(f"normalize must be a bool, got {self.normalize!r}.")
        bias = self.bias
        if not isinstance(bias, bool | np.bool_):
            if not isinstance(bias, Real) or isinstance(bias, str):
                raise TypeError(f"bias must be a bool or a number, got {bias!r}.")
            if not (math.isfinite(bias) and bias > 0):
                raise ValueError(f"bias must be a positive number, got {bias!r}.")
        if not (callable(self.activation) or self.activation in ACTIVATIONS):
            raise ValueError(
                f"activation must be one of {sorted(ACTIVATIONS)} or a callable, "
                f"got {self.activation!r}."
            )
        if self.weights not in ("sphere", "gaussian"):
            raise ValueError(
                f"weights must be 'sphere' or 'gaussian', got {self.weights!r}."
            )
        if not (isinstance(self.zeta_bounds, str) and self.zeta_bounds == "fixed"):
            self._check_bounds()

    def _prepare(self, X, name):
        """Validated rows on the sphere (float64), the mask of zero rows and
        the input's dtype."""
        X = check_array(
            X, accept_sparse="csr", dtype=[np.float64, np.float32], input_name=name
        )
        dtype = X.dtype
        Xt = prepare_inputs(
            X.astype(np.float64, copy=False), normalize=self.normalize, bias=self.bias
        )
        Xt = Xt.toarray() if sp.issparse(Xt) else np.asarray(Xt)
        norms = np.sqrt(np.einsum("ij,ij->i", Xt, Xt))
        zero = norms == 0.0
        bad = (np.abs(norms - 1.0) > _NORM_TOL) & ~zero
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"With normalize=False the rows of {name} (after the bias column) "
                f"must lie on the unit sphere (eq. 2.7) or be zero; row {i} has "
                f"norm {norms[i]:.6g}. Use normalize=True."
            )
        return Xt, zero, dtype

    def _phi(self, d, zeta="param"):
        """The population kernel ``phi`` for dimension ``d`` (cached)."""
        zeta = self.zeta if isinstance(zeta, str) and zeta == "param" else zeta
        gamma = get_activation(self.activation, d, zeta)
        key = (d, gamma.name, gamma.zeta, self.weights, id(self.activation))
        cache = self.__dict__.setdefault("_phi_cache", {})
        if key not in cache:
            if len(cache) > 8:
                cache.clear()
            cache[key] = population_kernel(gamma, d, weights=self.weights)
        return cache[key]

    def __call__(self, X, Y=None, eval_gradient=False):
        """Kernel matrix ``k(X, Y)`` and, optionally, its gradient.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples_X, n_features)
            Left argument.
        Y : {array-like, sparse matrix} of shape (n_samples_Y, n_features), \
                default=None
            Right argument; ``None`` is ``X`` (and the diagonal is exactly
            ``phi(1)``).
        eval_gradient : bool, default=False
            Also return the gradient with respect to ``log(zeta)``; only
            when ``Y`` is None.

        Returns
        -------
        K : ndarray of shape (n_samples_X, n_samples_Y)
            float32 when the inputs are float32, else float64.
        K_gradient : ndarray of shape (n_samples_X, n_samples_X, n_dims)
            With ``eval_gradient``: ``dK / dlog(zeta)`` (``n_dims = 1``), or
            an empty last axis when ``zeta`` is fixed.
        """
        self._check()
        if eval_gradient and Y is not None:
            raise ValueError("Gradient can only be evaluated when Y is None.")
        Xt, zx, dtype = self._prepare(X, "X")
        d = Xt.shape[1]
        if Y is None:
            K = self._gram(self._phi(d), Xt, zx)
        else:
            Yt, zy, ydtype = self._prepare(Y, "Y")
            if Yt.shape[1] != d:
                raise ValueError(
                    f"X has {Xt.shape[1] - bool(self.bias)} features but Y has "
                    f"{Yt.shape[1] - bool(self.bias)}: the kernel needs the same "
                    "number of features (the dimension of the sphere)."
                )
            phi = self._phi(d)
            T = Xt @ Yt.T
            K = _zero_rows(phi, phi(T, out=T), zx, zy)
            if ydtype != np.float32:
                dtype = ydtype
        out = K.astype(dtype, copy=False)
        if not eval_gradient:
            return out
        n = Xt.shape[0]
        if not self._zeta_tunable:
            return out, np.empty((n, n, 0), dtype=dtype)
        h, zeta = _ZETA_LOG_STEP, float(self.zeta)
        up = self._gram(self._phi(d, zeta * math.exp(h)), Xt, zx)
        down = self._gram(self._phi(d, zeta * math.exp(-h)), Xt, zx)
        grad = (up - down) / (2.0 * h)
        return out, grad.astype(dtype, copy=False)[:, :, None]

    @staticmethod
    def _gram(phi, Xt, zero):
        """``phi(Xt Xt^T)`` on one triangle, with the exact diagonal ``phi(1)``
        (``x^T x = 1`` on the sphere; rounding puts it 1 ulp off)."""
        if zero.any():  # any unit vector in their place; overwritten below
            Xt = Xt.copy()
            Xt[zero, 0] = 1.0
        K = phi.gram(Xt)
        np.fill_diagonal(K, phi(np.ones(1))[0])
        return _zero_rows(phi, K, zero, zero)

    def diag(self, X):
        """Diagonal of ``k(X, X)``: ``phi(1)`` for every row.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        K_diag : ndarray of shape (n_samples,)
        """
        self._check()
        Xt, zero, dtype = self._prepare(X, "X")
        phi = self._phi(Xt.shape[1])
        out = np.full(Xt.shape[0], phi(np.ones(1))[0])
        if zero.any():
            out[zero] = float(phi.activation(np.zeros(1))[0]) ** 2
        return out.astype(dtype, copy=False)

    def __repr__(self):
        act = getattr(self.activation, "__name__", self.activation)
        zeta = f"{self.zeta:.3g}" if _is_number(self.zeta) else repr(self.zeta)
        return (
            f"{type(self).__name__}(activation={act!r}, zeta={zeta}, "
            f"weights={self.weights!r}, normalize={self.normalize}, "
            f"bias={self.bias})"
        )


def __getattr__(name):
    # the estimators live in _infinite_width, which imports this module
    if name in ("InfiniteWidthClassifier", "InfiniteWidthRegressor"):
        from . import _infinite_width

        return getattr(_infinite_width, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
