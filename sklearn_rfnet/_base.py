"""The shared estimator: parameters, validation, the fit recipe, prediction.

Every estimator of the package is the paper's network: a random hidden
layer ``W`` (:mod:`~sklearn_rfnet.features`), the feature operator
``Z = gamma(X_tilde W) / sqrt(m)`` and a last layer trained by a solver
(:mod:`~sklearn_rfnet.solvers`), with the diagnostics of the Gram matrix and
of the population matrix ``H``. :class:`_BaseRandomFeatureModel` holds that
recipe once; the regressor, the classifier and the cross-validated
estimators add only their targets (``_targets``), their training step
(``_fit``) and their outputs.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from scipy.linalg import LinAlgWarning
from sklearn.base import BaseEstimator, ClassifierMixin

from . import _dask, _xp
from ._compat import Interval, StrOptions, _fit_context, check_is_fitted, validate_data
from ._mixed import solve_direct_mixed, solve_ridge_loo_mixed
from ._operator import FeatureOperator
from .diagnostics import population_spectrum, required_width
from .exceptions import InterpolationPeakWarning
from .features import FEATURE_PARAMETER_CONSTRAINTS, RandomFeaturesMixin, prepare_inputs
from .population import population_gram
from .solvers import LandweberResult, solve_direct, solve_landweber, solve_ridge_loo

__all__ = ["AUTO_ALPHAS"]


# alpha="auto": the grid of relative ridge strengths searched by exact
# leave-one-out (units of phi(1), the mean eigenvalue of H).
AUTO_ALPHAS = np.logspace(-6.0, 1.0, 15)


def _fit_direct(est, op, y):
    mixed = est.precision == "mixed"  # None from these: the float64 path
    if isinstance(est.alpha, str):  # "auto": exact leave-one-out on a grid
        alphas, fi = est._ridge(AUTO_ALPHAS), est.fit_intercept
        result = (
            solve_ridge_loo_mixed(op, y, alphas, fit_intercept=fi) if mixed else None
        )
        if result is None:
            result = solve_ridge_loo(op, y, alphas, fit_intercept=fi)
        est.alpha_ = float(AUTO_ALPHAS[int(np.argmin(result.loo_errors))])
        return result
    est.alpha_ = float(est.alpha)
    alpha, fi = est._ridge(est.alpha), est.fit_intercept
    result = solve_direct_mixed(op, y, alpha, fit_intercept=fi) if mixed else None
    if result is None:
        result = solve_direct(op, y, alpha=alpha, fit_intercept=fi)
    return result


def _fit_landweber(est, op, y):
    return solve_landweber(
        op,
        y,
        step_size=est.step_size,
        max_iter=est.max_iter,
        tol=est.tol,
        fit_intercept=est.fit_intercept,
        verbose=est.verbose,
    )


_SOLVERS = {"direct": _fit_direct, "landweber": _fit_landweber}
# computed on first access after a mixed-precision fit (_defer_spectrum)
_SPECTRUM_ATTRIBUTES = ("lambda_min_", "lambda_max_", "condition_number_", "rank_")
# population_diagnostics="auto" computes H (n x n, and its eigenvalues) up to
# this many samples; the cost is then below that of a typical fit.
_POPULATION_AUTO_MAX_N = 2000


def _warn_float32_conditioning(dtype, result):
    """Warn when float32 features cannot resolve a system this ill-conditioned.

    The features are float32, so the error of the solution is about
    ``eps32 = 1.2e-7`` times the condition number of the path that ran:
    ``kappa(Gram)`` when the Gram matrix was accumulated and factored
    (Cholesky, the Landweber eigendecomposition), ``kappa(Z)`` for TSQR + LSQR
    (``result.error_condition``).
    """
    eps32 = float(np.finfo(np.float32).eps)
    cond = float(result.error_condition)
    if dtype == np.float32 and np.isfinite(cond) and eps32 * cond > 1e-2:
        warnings.warn(
            f"The {result.solver} solve from float32 features is accurate to "
            f"about {eps32 * cond:.1e} relative (condition number {cond:.3g}). "
            "Pass float64 data.",
            LinAlgWarning,
            stacklevel=4,
        )


class _BaseRandomFeatureModel(RandomFeaturesMixin, BaseEstimator):
    """Random hidden layer + trained last layer: shared parameters and fit.

    ``fit`` validates ``X, y``, turns ``y`` into targets (``_targets``: the
    identity here, the ``+-1`` coding for the classifiers) and trains the
    last layer (``_fit``: one solve here, a cross-validated search in
    :mod:`~sklearn_rfnet.model_selection`); ``predict`` is the network
    output (the classifiers map it to labels).
    """

    _parameter_constraints: dict = {
        **FEATURE_PARAMETER_CONSTRAINTS,
        "fit_intercept": ["boolean"],
        "solver": [StrOptions(set(_SOLVERS))],
        "alpha": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "step_size": [
            Interval(Real, 0, None, closed="neither"),
            StrOptions({"optimal"}),
            None,
        ],
        "delta": [Interval(Real, 0, 1, closed="neither")],
        "block_size": [Interval(Integral, 1, None, closed="left"), None],
        "population_diagnostics": ["boolean", StrOptions({"auto"})],
        "precision": [StrOptions({"float64", "mixed"})],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_components=100,
        *,
        activation="wendland0",
        zeta="scale",
        weights="sphere",
        normalize=True,
        bias="scale",
        fit_intercept=True,
        solver="direct",
        alpha="auto",
        max_iter=1000,
        tol=1e-10,
        step_size=None,
        delta=0.01,
        block_size=None,
        population_diagnostics="auto",
        precision="float64",
        random_state=None,
        verbose=0,
    ):
        self.n_components = n_components
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
        self.block_size = block_size
        self.population_diagnostics = population_diagnostics
        self.precision = precision
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Draw ``W``, train the last layer, and record the diagnostics.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, \
                n_features)
            Training data. With dask arrays the regressor and the
            classifier fit on the workers; with an array of another namespace
            (torch, cupy) under ``array_api_dispatch``, on its device.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets; for the classifiers, class labels (numbers or
            strings) of shape (n_samples,), at least two distinct.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        classifier = isinstance(self, ClassifierMixin)
        self.__dict__.pop("_partial_stats", None)  # partial_fit starts afresh
        if _dask.is_dask_collection(X) or _dask.is_dask_collection(y):
            if not self._fits_dask:
                _dask.reject(self, X, y)
            if classifier:  # on the workers; X never gathered
                return _dask.fit_classifier(self, X, y, _encode)
            return _dask.fit(self, X, y)
        if _xp.namespace(X) is not None:  # array API input: fit where X lives
            return _xp.fit(self, X, y, classifier)
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
            multi_output=not classifier,
            y_numeric=not classifier,
        )
        return self._fit(X, y, self._targets(y))

    def predict(self, X):
        """Network output ``gamma(X_tilde W) coef_ / sqrt(m) + intercept_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predictions; a lazy dask array for a dask ``X``, an array of
            ``X``'s namespace and device under ``array_api_dispatch``.
        """
        if _dask.is_dask_collection(X):
            return _dask.decision(self, X)
        _xp.check_namespace(self, X, "coef_", "predict")
        return self._decision(X)

    # fit runs on the dask workers for dask input (the CV estimators refuse it)
    _fits_dask = False

    def _targets(self, y):
        """The regression targets of ``y`` (``y`` itself)."""
        return y

    def _fit(self, X, y, Y):
        """Train on validated ``X`` and targets ``Y`` (``y`` as given)."""
        return self._fit_last_layer(X, Y)

    def _fit_last_layer(self, X, Y):
        """The paper's recipe: draw W, build Z, solve (2.4), keep diagnostics."""
        if _xp.namespace(X) is not None:  # the same recipe in X's namespace
            shape, result = _xp.fit_last_layer(self, X, Y)
            _warn_float32_conditioning(_xp.numpy_dtype(X), result)
            self._warn_interpolation_peak(shape)
            return self
        self._fit_features(X)
        op = self._feature_map(X, self.block_size)
        result = _SOLVERS[self.solver](self, op, Y)
        self._store(result)
        if result.spectrum is None:  # precision="mixed": float64, on access
            self._defer_spectrum(op, Y)
        self._store_population(X)
        _warn_float32_conditioning(X.dtype, result)
        self._warn_interpolation_peak(op.shape)
        return self

    def _warn_interpolation_peak(self, shape):
        """Warn when ``alpha=0`` puts the interpolant at the peak (m ~ n)."""
        n, m = shape
        if isinstance(self.alpha, str) or self.alpha != 0 or self.solver != "direct":
            return
        if not (n / 2 <= m <= 2 * n and n >= 10):
            return
        kappa, kappa_H = self.condition_number_, self.population_condition_number_
        if kappa_H is not None and np.isfinite(kappa_H) and kappa_H > 0:
            ratio = kappa / kappa_H
            near = ratio > 100
            how = f"{ratio:.3g} times that of its infinite-width limit H"
        else:
            near = kappa > 1e8
            how = "above 1e8"
        if near:
            warnings.warn(
                f"alpha=0 with n_components={m} close to n_samples={n}: the "
                "minimum-norm interpolant sits at the interpolation peak (the "
                f"Gram matrix's condition number {kappa:.3g} is {how}), where "
                "it amplifies the noise in y the most. Use alpha='auto' (or "
                "alpha > 0), or a wider layer (n_components >= 10 n_samples).",
                InterpolationPeakWarning,
                stacklevel=4,
            )

    def _ridge(self, alpha):
        """The ridge strength in the features' units: ``alpha * phi(1)``.

        ``phi(1) = E ||z(x)||^2`` is the diagonal of the population kernel
        (eq. 2.7) for points on the sphere (the mean eigenvalue of ``H``),
        a constant of the activation, ``d`` and the weights, not of the
        data: ``alpha = 1`` shrinks as much as a ridge equal to the average
        eigenvalue, whatever the activation or the dimension, and every
        cross-validation fold uses the same ridge for the same ``alpha``.
        """
        scale = self._activation.second_moment(self.weights)
        if not (np.isfinite(scale) and scale > 0):
            scale = 1.0  # numerically zero features: the fit raises anyway
        return np.asarray(alpha, dtype=np.float64) * scale

    def _store_population(self, X):
        """Keep what the population diagnostics need; compute them on access.

        ``H`` (eq. 2.7) of the training points and its eigenvalues cost an
        ``n x n`` matrix and an ``O(n^3)`` ``eigvalsh`` (at ``n = 2000``, a
        fifth of the default fit), so :attr:`population_lambda_min_`,
        :attr:`population_condition_number_` and :attr:`required_width_` are
        computed on first access from the prepared inputs kept here (``n x d``)
        and cached.
        """
        self._population = None  # None: not computed -> the attributes are None
        n = X.shape[0]
        wanted = self.population_diagnostics
        if wanted == "auto":
            wanted = n <= _POPULATION_AUTO_MAX_N
        # H (eq. 2.7) is defined for points on the sphere
        if not wanted or not self.normalize:
            return
        X = _xp.to_numpy(X)  # array API input: a host copy of the n x d inputs
        Xt = prepare_inputs(X, normalize=True, bias=self.bias_)
        Xt = Xt.toarray() if sp.issparse(Xt) else Xt
        if not np.all(np.any(Xt != 0, axis=1)):
            return  # a row of zeros is not a point of the sphere: no H
        self._population = {
            # a copy: the caller's X may change after fit
            "X": np.array(Xt, dtype=np.float64, copy=True),
            "zeta": self._activation.zeta if self._activation.zeta else self.zeta,
            "C": self._activation.C,
            # the parameters as fitted (set_params after fit changes nothing)
            "activation": self.activation,
            "weights": self.weights,
            "delta": self.delta,
        }

    def _population_value(self, key):
        """One population diagnostic, computing all of them on first use."""
        try:
            state = self.__dict__["_population"]
        except KeyError:  # not fitted: hasattr() must say False
            raise AttributeError(key) from None
        if state is None:
            return None
        if "values" not in state:
            H = population_gram(
                state["X"],
                state["activation"],
                zeta=state["zeta"],
                weights=state["weights"],
            )
            spec = population_spectrum(H)
            width = None
            if state["weights"] == "sphere":  # Lemma 2.4: weights on the sphere
                width = required_width(
                    H.shape[0], spec.lambda_min, state["C"], state["delta"]
                )
            state["values"] = {
                "population_lambda_min_": spec.lambda_min,
                "population_condition_number_": spec.condition_number,
                "required_width_": width,
            }
        return state["values"][key]

    @property
    def population_lambda_min_(self):
        """``lambda_min(H)`` of the training points (see the class docstring)."""
        return self._population_value("population_lambda_min_")

    @property
    def population_condition_number_(self):
        """``kappa(H)`` of the training points (see the class docstring)."""
        return self._population_value("population_condition_number_")

    @property
    def required_width_(self):
        """The width of Lemma 2.4 (see the class docstring)."""
        return self._population_value("required_width_")

    def _store(self, result):
        """Fitted attributes from a solver result (dispatch on its type)."""
        self.coef_ = result.coef
        self.intercept_ = result.intercept
        self.__dict__.pop("_deferred_spectrum", None)  # from an earlier fit
        self._store_spectrum(result.spectrum, self.fit_intercept)
        self.solver_ = result.solver
        if isinstance(result, LandweberResult):
            self.n_iter_ = result.n_iter
            self.loss_curve_ = result.loss_curve
            self.step_size_ = result.step_size
            self.__dict__.pop("alpha_", None)  # from an earlier fit
        else:
            self.n_iter_ = 1
            for name in ("loss_curve_", "step_size_"):  # from an earlier fit
                self.__dict__.pop(name, None)

    def _store_spectrum(self, spec, fit_intercept):
        """``lambda_min_``, ``lambda_max_``, ``condition_number_``, ``rank_``.

        ``spec`` None (a mixed-precision fit) removes them: they are then
        computed on first access (:meth:`_defer_spectrum`).
        """
        if spec is None:
            for name in _SPECTRUM_ATTRIBUTES:
                self.__dict__.pop(name, None)
            return
        self.lambda_min_ = spec.lambda_min
        self.lambda_max_ = spec.lambda_max
        self.condition_number_ = spec.condition_number
        # with an intercept the solver sees the centered features Z_c; the
        # model's design is [Z, 1], of rank rank(Z_c) + 1
        self.rank_ = spec.rank + int(bool(fit_intercept))

    def _defer_spectrum(self, op, Y):
        """Keep what the float64 spectrum of a mixed-precision fit needs.

        The float32 Gram of ``precision="mixed"`` resolves eigenvalues only
        down to about ``eps32 lambda_max``: its ``lambda_min``, condition
        number and rank would be rounding noise (a rank of 1712 for a Gram
        of full rank 2000 and condition number 4e9). The float64 path that
        ``precision="float64"`` runs computes them instead, from the inputs
        and targets kept here (``n x d`` and ``n x t``, copies: the caller's
        arrays may change after fit), on first access of any of the four
        attributes: the cost of a float64 fit, paid only by who reads them,
        and the same numbers as that fit.
        """
        auto = isinstance(self.alpha, str)
        Xt = op.X  # the prepared inputs of the fit's feature operator
        self._deferred_spectrum = {
            "X": Xt.copy() if sp.issparse(Xt) else np.array(Xt, copy=True),
            "Y": np.array(Y, dtype=np.float64, copy=True),
            "activation": op.activation,
            "block_size": op._block_size,
            "fit_intercept": bool(self.fit_intercept),
            "ridge": self._ridge(AUTO_ALPHAS if auto else self.alpha),
            "loo": auto,
        }

    def __getattr__(self, name):
        # only for attributes not found otherwise: the deferred spectrum
        state = self.__dict__.get("_deferred_spectrum")
        if state is None or name not in _SPECTRUM_ATTRIBUTES:
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute {name!r}"
            )
        op = FeatureOperator(
            state["X"],
            self.random_weights_,
            state["activation"],
            block_size=state["block_size"],
        )
        Y, fi, ridge = state["Y"], state["fit_intercept"], state["ridge"]
        if state["loo"]:
            result = solve_ridge_loo(op, Y, ridge, fit_intercept=fi)
        else:
            result = solve_direct(
                op, Y, alpha=float(ridge), fit_intercept=fi, warn=False
            )
        del self.__dict__["_deferred_spectrum"]
        self._store_spectrum(result.spectrum, fi)
        return self.__dict__[name]

    def _decision(self, X):
        """``gamma(X_tilde W) coef_ / sqrt(m) + intercept_`` for a new ``X``."""
        check_is_fitted(self)
        if _xp.namespace(X) is not None:
            return _xp.decision(self, X)
        X = validate_data(
            self, X, accept_sparse="csr", dtype=[np.float64, np.float32], reset=False
        )
        if X.dtype != self.coef_.dtype:  # features in the precision of the fit
            X = X.astype(self.coef_.dtype)
        out = self._feature_map(X, self.block_size).matmat(self.coef_)
        out += self.intercept_
        if not np.all(np.isfinite(out)):
            raise ValueError(
                f"The network output is not finite: activation "
                f"{self._activation.name!r} returned NaN or inf features on X."
            )
        return out.astype(self.coef_.dtype, copy=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.array_api_support = True
        if not isinstance(self, ClassifierMixin):
            tags.target_tags.multi_output = True
        return tags


def _encode(est, classes):
    """The classifiers' ``+-1`` coding of ``classes`` (sets ``classes_``)."""
    return est._targets(classes)
