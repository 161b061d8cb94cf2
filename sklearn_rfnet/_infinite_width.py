"""The infinite-width estimators: kernel ridge and the Landweber limit on
the population matrix ``H`` (eq. 2.7), with the finite estimators'
parameters and diagnostics. Public as :mod:`sklearn_rfnet.kernels`
(``InfiniteWidthRegressor``, ``InfiniteWidthClassifier``).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin

from . import _kernel_solvers
from ._base import AUTO_ALPHAS, _BaseRandomFeatureModel
from ._compat import _fit_context, check_is_fitted, validate_data
from ._docstrings import shared_docs
from .activations import get_activation
from .classifier import _encode_labels, _OneVsRestOutputMixin
from .diagnostics import required_width
from .features import resolve_bias
from .kernels import InfiniteWidthKernel

__all__ = ["InfiniteWidthClassifier", "InfiniteWidthRegressor"]


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
    return _kernel_solvers.kernel_ridge(  # the spectrum of H: on first access
        H, Y, est._ridge(est.alpha), fit_intercept=est.fit_intercept, spectrum=False
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
        bias="scale",
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
        self.bias_ = resolve_bias(self.bias, X)
        self.kernel_ = InfiniteWidthKernel(
            activation=self.activation,
            zeta=self.zeta,
            weights=self.weights,
            normalize=self.normalize,
            bias=self.bias_ or False,
            zeta_bounds="fixed",
        )
        H = self.kernel_(X).astype(np.float64, copy=False)
        d = X.shape[1] + bool(self.bias_)
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
        # diagnostics of H itself (eq. 2.7): from the fit when it gave them
        # (the eigendecomposition of H), else on first access (the solver saw
        # P H P with an intercept, whose spectrum is not H's; the Cholesky
        # path computes none: a fifth to a half of a fixed-alpha fit)
        spec = None if result.centered else result.spectrum
        self._h_diagnostics = {
            "spectrum": spec,
            "n": X.shape[0],
            "C": self._activation.C,
            "delta": self.delta,
            "weights": self.weights,
        }
        return self

    def _diagnostic(self, name):
        """One diagnostic of ``H``, computing the spectrum on first use."""
        try:
            state = self.__dict__["_h_diagnostics"]
        except KeyError:  # not fitted: hasattr() must say False
            raise AttributeError(name) from None
        if state["spectrum"] is None:
            H = self.kernel_(self.X_fit_).astype(np.float64, copy=False)
            state["spectrum"] = _kernel_solvers._spectrum_of(H)
        spec = state["spectrum"]
        if name == "required_width_":
            if state["weights"] != "sphere":  # Lemma 2.4: weights on the sphere
                return None
            return required_width(
                state["n"], spec.lambda_min, state["C"], state["delta"]
            )
        return getattr(spec, name[:-1])

    lambda_min_ = property(
        lambda self: self._diagnostic("lambda_min_"),
        doc="Smallest eigenvalue of ``H`` (see the class docstring).",
    )
    lambda_max_ = property(
        lambda self: self._diagnostic("lambda_max_"),
        doc="Largest eigenvalue of ``H`` (see the class docstring).",
    )
    condition_number_ = property(
        lambda self: self._diagnostic("condition_number_"),
        doc="``kappa(H)`` (see the class docstring).",
    )
    rank_ = property(
        lambda self: self._diagnostic("rank_"),
        doc="Numerical rank of ``H`` (see the class docstring).",
    )
    required_width_ = property(
        lambda self: self._diagnostic("required_width_"),
        doc="The width of Lemma 2.4 (see the class docstring).",
    )

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


@shared_docs
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
    {activation}
    {zeta}
    {weights}
    {normalize}
    {bias}
    {fit_intercept}
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
    {step_size}
    {delta}
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
    {bias_}
    {n_features_in_}
    {feature_names_in_}

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
    >>> bool(reg.lambda_min_ > 0)  # Theorem 3.4: H is positive definite
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
    bias_ : float
        The constant appended to the rows; 0.0 without a bias column.
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
