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
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.gaussian_process.kernels import Hyperparameter, Kernel
from sklearn.utils.validation import check_array

from . import _kernel_solvers
from ._base import AUTO_ALPHAS, _BaseRandomFeatureModel
from ._compat import _fit_context, check_is_fitted, validate_data
from .activations import ACTIVATIONS, get_activation
from .classifier import _encode_labels, _OneVsRestOutputMixin
from .diagnostics import population_spectrum, required_width
from .features import prepare_inputs
from .population import population_kernel

__all__ = ["InfiniteWidthClassifier", "InfiniteWidthKernel", "InfiniteWidthRegressor"]

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
    bias : bool, default=True
        Append a constant 1 before normalizing (footnote 2, Remark 1).
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
        for name in ("normalize", "bias"):
            if not isinstance(getattr(self, name), bool | np.bool_):
                raise TypeError(f"{name} must be a bool, got {getattr(self, name)!r}.")
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
                    f"X has {Xt.shape[1] - self.bias} features but Y has "
                    f"{Yt.shape[1] - self.bias}: the kernel needs the same "
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


# --------------------------------------------------------------------------
# Estimators
# --------------------------------------------------------------------------
_SHARED = (
    "activation",
    "zeta",
    "weights",
    "normalize",
    "bias",
    "fit_intercept",
    "solver",
    "alpha",
    "max_iter",
    "tol",
    "step_size",
    "delta",
    "verbose",
)


def _fit_direct(est, H, Y):
    if isinstance(est.alpha, str):  # "auto": exact leave-one-out on the grid
        result = _kernel_solvers.kernel_ridge_loo(
            H, Y, est._ridge(AUTO_ALPHAS), fit_intercept=est.fit_intercept
        )
        est.alpha_ = float(AUTO_ALPHAS[int(np.argmin(result.loo_errors))])
        return result
    est.alpha_ = float(est.alpha)
    return _kernel_solvers.kernel_ridge(
        H, Y, est._ridge(est.alpha), fit_intercept=est.fit_intercept
    )


def _fit_landweber(est, H, Y):
    result = _kernel_solvers.kernel_landweber(
        H,
        Y,
        step_size=est.step_size,
        max_iter=est.max_iter,
        tol=est.tol,
        fit_intercept=est.fit_intercept,
    )
    if est.verbose:
        print(
            f"[{type(est).__name__}] Landweber: {result.n_iter} steps, eta = "
            f"{result.step_size:.3g}, relative residual {result.loss_curve[-1]:.3g} "
            f"({result.stop_reason})"
        )
    return result


_SOLVERS = {"direct": _fit_direct, "landweber": _fit_landweber}


class _BaseInfiniteWidthModel(BaseEstimator):
    """Kernel ridge / kernel gradient descent on the population kernel.

    Subclasses validate ``X, y``, turn ``y`` into a target matrix, call
    :meth:`_fit_dual` and read :meth:`_decision`.
    """

    _parameter_constraints: dict = {
        k: v
        for k, v in _BaseRandomFeatureModel._parameter_constraints.items()
        if k in _SHARED
    }

    def __init__(
        self,
        *,
        activation="wendland0",
        zeta="scale",
        weights="sphere",
        normalize=True,
        bias=True,
        fit_intercept=True,
        solver="direct",
        alpha="auto",
        max_iter=1000,
        tol=1e-10,
        step_size=None,
        delta=0.01,
        verbose=0,
    ):
        self.activation = activation
        self.zeta = zeta
        self.weights = weights
        self.normalize = normalize
        self.bias = bias
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol
        self.step_size = step_size
        self.delta = delta
        self.verbose = verbose

    def _ridge(self, alpha):
        """``alpha`` in the units of ``H``: times ``phi(1)``, the same unit
        (:meth:`~sklearn_rfnet.activations.Activation.second_moment`) as
        :class:`~sklearn_rfnet.RandomFeatureRegressor`, so that the finite
        fit with the same ``alpha`` converges to this one."""
        scale = self._activation.second_moment(self.weights)
        if not (np.isfinite(scale) and scale > 0):
            scale = 1.0  # numerically zero kernel: the fit raises anyway
        return np.asarray(alpha, dtype=np.float64) * scale

    def _fit_dual(self, X, Y):
        """``H`` of the training set, one spectral solve, the diagnostics."""
        self.kernel_ = InfiniteWidthKernel(
            activation=self.activation,
            zeta=self.zeta,
            weights=self.weights,
            normalize=self.normalize,
            bias=self.bias,
            zeta_bounds="fixed",
        )
        H = self.kernel_(X).astype(np.float64, copy=False)
        d = X.shape[1] + int(self.bias)
        self._activation = get_activation(self.activation, d, self.zeta)
        if not np.any(H):
            raise ValueError(
                f"The population kernel of activation {self._activation.name!r} "
                f"is numerically zero for d={d} (zeta={self._activation.zeta}); "
                "use zeta='scale' or a larger zeta."
            )
        result = _SOLVERS[self.solver](self, H, Y)
        self.X_fit_ = X
        self.dual_coef_ = result.coef
        self.intercept_ = result.intercept
        self.solver_ = result.solver
        if self.solver == "landweber":
            self.n_iter_ = result.n_iter
            self.loss_curve_ = result.loss_curve
            self.step_size_ = result.step_size
            self.__dict__.pop("alpha_", None)
        else:
            self.n_iter_ = 1
            for name in ("loss_curve_", "step_size_"):
                self.__dict__.pop(name, None)
        # diagnostics of H itself (eq. 2.7): the solver saw P H P with an
        # intercept, whose spectrum is not H's
        spec = population_spectrum(H) if result.centered else result.spectrum
        self.lambda_min_ = spec.lambda_min
        self.lambda_max_ = spec.lambda_max
        self.condition_number_ = spec.condition_number
        self.rank_ = spec.rank
        self.required_width_ = None
        if self.weights == "sphere":  # Lemma 2.4 is for weights on the sphere
            self.required_width_ = required_width(
                X.shape[0], spec.lambda_min, self._activation.C, self.delta
            )
        return self

    def _decision(self, X):
        """``k(X, X_fit_) dual_coef_ + intercept_``."""
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse="csr", dtype=[np.float64, np.float32], reset=False
        )
        K = self.kernel_(X, self.X_fit_).astype(np.float64, copy=False)
        out = K @ np.asarray(self.dual_coef_, dtype=np.float64) + self.intercept_
        return out.astype(self.X_fit_.dtype, copy=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class InfiniteWidthRegressor(RegressorMixin, _BaseInfiniteWidthModel):
    """The random-features network at infinite width: kernel ridge on ``H``.

    The limit of :class:`~sklearn_rfnet.RandomFeatureRegressor` as
    ``n_components -> inf``: ``Z Z^T`` becomes the population matrix
    ``H_ij = phi(x_i^T x_j)`` (eq. 2.7, 3.4; Lemma 2.5) and the network's
    output ``gamma(x^T W) coef / sqrt(m)`` becomes
    ``f(x) = sum_i dual_coef_i phi(x^T x_i) + intercept``, where
    ``dual_coef_`` is the spectral filter of the finite solver (ridge, the
    minimum-norm interpolant, or ``k`` Landweber steps) applied in the
    eigenbasis of ``H``. It has no sampling noise, and its cost, ``H``
    (``O(n^2 d)``) and one eigendecomposition (``O(n^3)``), does not depend
    on a width. Every fit reports the conditioning of ``H``, which bounds
    how wide a finite network must be (Lemma 2.4).

    Parameters
    ----------
    activation : {"wendland0", "wendland2", "relu", "swish"} or callable, \
            default="wendland0"
        The activation ``gamma`` (Table 1); see :class:`InfiniteWidthKernel`.
    zeta : float, "scale" or None, default="scale"
        Support radius of the Wendland activations, as in
        :class:`~sklearn_rfnet.RandomFeatureRegressor`.
    weights : {"sphere", "gaussian"}, default="sphere"
        Distribution of the hidden weights (eq. 2.7 or A.1).
    normalize : bool, default=True
        Project each row onto the unit sphere; with ``False`` the rows must
        already lie on it (``H`` is defined there only).
    bias : bool, default=True
        Append a constant 1 to each row before normalizing (footnote 2,
        Remark 1).
    fit_intercept : bool, default=True
        Unpenalized output bias ``intercept_``: the solver works with the
        centered ``P H P`` (``P = I - 1 1^T / n``) and centered targets,
        the limit of the finite estimator's centered features.
    solver : {"direct", "landweber"}, default="direct"
        ``"direct"``: kernel ridge, or with ``alpha=0`` the limit of the
        minimum-norm solution (eq. 2.5; the pseudo-inverse of ``H``).
        ``"landweber"``: the exact limit of ``max_iter`` gradient steps on
        the last layer from zero (Lemma 4.2, Lemma A.6), i.e. kernel
        gradient descent ``C_{k+1} = C_k + eta (y - H C_k)``, from one
        eigendecomposition.
    alpha : float or "auto", default="auto"
        Ridge strength relative to ``phi(1)`` (the mean eigenvalue of
        ``H``), the unit of :class:`~sklearn_rfnet.RandomFeatureRegressor`:
        the finite fit with the same ``alpha`` converges to this one.
        ``"auto"`` chooses it by exact leave-one-out among
        ``np.logspace(-6, 1, 15)`` (the same grid).
    max_iter : int, default=1000
        Number of gradient steps at most (``solver="landweber"``).
    tol : float, default=1e-10
        Landweber stops at the first step with relative training residual
        ``<= tol``; ``tol=0`` runs exactly ``max_iter`` steps.
    step_size : float, "optimal" or None, default=None
        Landweber step: ``None`` is ``1 / lambda_max``, ``"optimal"``
        ``2 / (lambda_min + lambda_max)`` (Lemma 4.2), a number must be below
        ``2 / lambda_max``. The eigenvalues are those of the centered ``H``
        with an intercept.
    delta : float, default=0.01
        Failure probability in the width bound of Lemma 2.4
        (``required_width_``).
    verbose : int, default=0
        Print a Landweber summary.

    Attributes
    ----------
    dual_coef_ : ndarray of shape (n_samples,) or (n_samples, n_targets)
        Coefficients ``C`` of the model ``k(x, X_fit_) C + intercept_``.
    intercept_ : float or ndarray of shape (n_targets,)
        Output bias (0.0 when ``fit_intercept=False``).
    X_fit_ : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Training data, needed by ``predict`` (as in
        :class:`~sklearn.kernel_ridge.KernelRidge`).
    kernel_ : InfiniteWidthKernel
        The kernel, with the estimator's parameters.
    lambda_min_ : float
        Smallest eigenvalue of the population matrix ``H`` of the training
        data (eq. 2.7); 0.0 when ``H`` is numerically singular (e.g. ReLU
        without bias on the points of Definition 2.1, Theorem 3.1). The
        value :class:`~sklearn_rfnet.RandomFeatureRegressor` reports as
        ``population_lambda_min_``.
    lambda_max_ : float
        Largest eigenvalue of ``H``.
    condition_number_ : float
        ``kappa(H) = lambda_max_ / lambda_min_`` (``inf`` when singular):
        the limit of the finite network's ``condition_number_`` without
        intercept (Lemma 2.5).
    rank_ : int
        Numerical rank of ``H`` (eigenvalues above ``n eps lambda_max``).
    required_width_ : int, float or None
        Width ``m >= 10 n C^2 log(2n/delta) / lambda_min(H)`` of Lemma 2.4 /
        Theorem 4.3 with which a finite network's ``Z`` has full row rank
        with probability ``1 - delta``; ``math.inf`` when
        ``lambda_min(H) = 0``; ``None`` for ``weights="gaussian"``.
    alpha_ : float
        The ridge strength used, in the unit of ``alpha``. Only with
        ``solver="direct"``.
    solver_ : str
        ``"kernel-cholesky"`` (ridge, ``alpha > 0``, while
        ``kappa(H + alpha I) < 1e6``), ``"kernel-eigh"`` (ridge beyond, or the
        minimum-norm fit), ``"kernel-eigh-loo"`` (``alpha="auto"``) or
        ``"kernel-landweber"``.
    n_iter_ : int
        Landweber steps taken; 1 for the direct solver (one solve).
    loss_curve_ : ndarray of shape (`n_iter_` + 1,)
        Relative training residual after ``k = 0, ..., n_iter_`` steps
        (eq. 4.4). Only with ``solver="landweber"``.
    step_size_ : float
        The Landweber step used. Only with ``solver="landweber"``.
    n_features_in_ : int
        Number of features seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when ``X``
        has feature names that are all strings.

    See Also
    --------
    InfiniteWidthKernel : The kernel, for scikit-learn's kernel methods.
    RandomFeatureRegressor : The finite-width network.
    sklearn.kernel_ridge.KernelRidge : Kernel ridge without intercept or
        ``alpha`` selection; with ``kernel="precomputed"`` on the centered
        ``H`` it gives the same ``dual_coef_``.

    Notes
    -----
    With ``fit_intercept`` the problem is
    ``min ||y - H C - b 1||^2 + alpha phi(1) C^T H C``, the limit of the
    finite ridge problem with an unpenalized output bias
    (``coef = Z_c^T C``, ``||coef||^2 = C^T P H_hat P C``); its solution is
    ``C = (P H P + alpha phi(1) I)^{-1} (y - mean(y))`` on ``1^perp`` and
    ``b = mean(y) - mean(H C)``.

    References
    ----------
    .. [1] A. Townsend, A. Damle and A. R. Benson, "Over-parametrized neural
       networks as under-determined linear systems", 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rfnet.kernels import InfiniteWidthRegressor
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(50, 5)), rng.normal(size=50)
    >>> reg = InfiniteWidthRegressor().fit(X, y)
    >>> reg.solver_, reg.rank_, reg.dual_coef_.shape
    ('kernel-eigh-loo', 50, (50,))
    >>> bool(reg.condition_number_ < 1e6)  # Theorem 3.4: H is positive definite
    True
    """

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Build ``H`` of the training data and fit the dual coefficients.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets.

        Returns
        -------
        self : object
            Fitted regressor.
        """
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
            multi_output=True,
            y_numeric=True,
        )
        return self._fit_dual(X, y)

    def predict(self, X):
        """Infinite-width network output ``k(X, X_fit_) dual_coef_ + intercept_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predictions.
        """
        return self._decision(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


class InfiniteWidthClassifier(
    ClassifierMixin, _OneVsRestOutputMixin, _BaseInfiniteWidthModel
):
    """The random-features classifier at infinite width (one-vs-rest on ``H``).

    The limit of :class:`~sklearn_rfnet.classifier.RandomFeatureClassifier`
    as ``n_components -> inf``: :class:`InfiniteWidthRegressor` fitted to
    the one-vs-rest ``+1`` / ``-1`` targets
    (``LabelBinarizer(neg_label=-1, pos_label=1)``, one column per class, a
    single column for two classes, positive for ``classes_[1]``);
    ``decision_function`` is the output, ``predict`` its sign or argmax.

    Parameters
    ----------
    activation : {"wendland0", "wendland2", "relu", "swish"} or callable, \
            default="wendland0"
        As in :class:`InfiniteWidthRegressor`.
    zeta : float, "scale" or None, default="scale"
        As in :class:`InfiniteWidthRegressor`.
    weights : {"sphere", "gaussian"}, default="sphere"
        As in :class:`InfiniteWidthRegressor`.
    normalize : bool, default=True
        As in :class:`InfiniteWidthRegressor`.
    bias : bool, default=True
        As in :class:`InfiniteWidthRegressor`.
    fit_intercept : bool, default=True
        As in :class:`InfiniteWidthRegressor`.
    solver : {"direct", "landweber"}, default="direct"
        As in :class:`InfiniteWidthRegressor`.
    alpha : float or "auto", default="auto"
        As in :class:`InfiniteWidthRegressor`; ``"auto"`` minimizes the
        leave-one-out squared error on the ``+-1`` coding.
    max_iter : int, default=1000
        As in :class:`InfiniteWidthRegressor`.
    tol : float, default=1e-10
        As in :class:`InfiniteWidthRegressor`.
    step_size : float, "optimal" or None, default=None
        As in :class:`InfiniteWidthRegressor`.
    delta : float, default=0.01
        As in :class:`InfiniteWidthRegressor`.
    verbose : int, default=0
        As in :class:`InfiniteWidthRegressor`.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted.
    dual_coef_ : ndarray of shape (n_samples,) or (n_samples, n_classes)
        Dual coefficients, one column per class (one for two classes).
    intercept_ : float or ndarray of shape (n_classes,)
        Output bias.
    X_fit_ : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Training data.
    kernel_ : InfiniteWidthKernel
        The kernel.
    lambda_min_ : float
        Smallest eigenvalue of ``H`` (eq. 2.7).
    lambda_max_ : float
        Largest eigenvalue of ``H``.
    condition_number_ : float
        ``kappa(H)``.
    rank_ : int
        Numerical rank of ``H``.
    required_width_ : int, float or None
        Width of Lemma 2.4 (``None`` for Gaussian weights).
    alpha_ : float
        The ridge strength used. Only with ``solver="direct"``.
    solver_ : str
        ``"kernel-cholesky"``, ``"kernel-eigh"``, ``"kernel-eigh-loo"`` or
        ``"kernel-landweber"``.
    n_iter_ : int
        Landweber steps taken; 1 for the direct solver.
    loss_curve_ : ndarray of shape (`n_iter_` + 1,)
        Relative training residuals. Only with ``solver="landweber"``.
    step_size_ : float
        The Landweber step used. Only with ``solver="landweber"``.
    n_features_in_ : int
        Number of features seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when ``X``
        has feature names that are all strings.

    See Also
    --------
    InfiniteWidthRegressor : The same model for regression.
    sklearn_rfnet.classifier.RandomFeatureClassifier : The finite network.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rfnet.kernels import InfiniteWidthClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 3))
    >>> y = np.where(X[:, 0] > 0, "pos", "neg")
    >>> clf = InfiniteWidthClassifier().fit(X, y)
    >>> clf.classes_, clf.score(X, y) > 0.9
    (array(['neg', 'pos'], dtype='<U3'), True)
    """

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the dual coefficients to one-vs-rest ``+-1`` targets.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels, at least two distinct.

        Returns
        -------
        self : object
            Fitted classifier.
        """
        X, y = validate_data(
            self, X, y, accept_sparse="csr", dtype=[np.float64, np.float32]
        )
        Y = _encode_labels(self, y)
        return self._fit_dual(X, Y)
