"""``RandomFeatureRegressor``: a two-layer network with only the last layer trained."""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from scipy.linalg import LinAlgWarning
from sklearn.base import BaseEstimator, RegressorMixin

from . import _dask
from ._compat import Interval, StrOptions, _fit_context, check_is_fitted, validate_data
from .diagnostics import population_spectrum, required_width
from .exceptions import InterpolationPeakWarning
from .features import FEATURE_PARAMETER_CONSTRAINTS, RandomFeaturesMixin, prepare_inputs
from .population import population_gram
from .solvers import LandweberResult, solve_direct, solve_landweber, solve_ridge_loo

__all__ = ["RandomFeatureRegressor"]


# alpha="auto": the grid of relative ridge strengths searched by exact
# leave-one-out (units of phi(1), the mean eigenvalue of H).
AUTO_ALPHAS = np.logspace(-6.0, 1.0, 15)


def _fit_direct(est, op, y):
    if isinstance(est.alpha, str):  # "auto": exact leave-one-out on a grid
        result = solve_ridge_loo(
            op, y, est._ridge(AUTO_ALPHAS), fit_intercept=est.fit_intercept
        )
        est.alpha_ = float(AUTO_ALPHAS[int(np.argmin(result.loo_errors))])
        return result
    est.alpha_ = float(est.alpha)
    return solve_direct(
        op, y, alpha=est._ridge(est.alpha), fit_intercept=est.fit_intercept
    )


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

    Subclasses validate ``X, y``, turn ``y`` into a target matrix, call
    :meth:`_fit_last_layer` and read :meth:`_decision` for predictions.
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
        bias=True,
        fit_intercept=True,
        solver="direct",
        alpha="auto",
        max_iter=1000,
        tol=1e-10,
        step_size=None,
        delta=0.01,
        block_size=None,
        population_diagnostics="auto",
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
        self.random_state = random_state
        self.verbose = verbose

    def _fit_last_layer(self, X, Y):
        """The paper's recipe: draw W, build Z, solve (2.4), keep diagnostics."""
        self._fit_features(X)
        op = self._feature_map(X, self.block_size)
        result = _SOLVERS[self.solver](self, op, Y)
        self._store(result)
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
        """Population ``lambda_min(H)``, ``kappa(H)`` and the width of Lemma 2.4."""
        self.population_lambda_min_ = None
        self.population_condition_number_ = None
        self.required_width_ = None
        n = X.shape[0]
        wanted = self.population_diagnostics
        if wanted == "auto":
            wanted = n <= _POPULATION_AUTO_MAX_N
        # H (eq. 2.7) is defined for points on the sphere
        if not wanted or not self.normalize:
            return
        Xt = prepare_inputs(X, normalize=True, bias=self.bias)
        Xt = Xt.toarray() if sp.issparse(Xt) else Xt
        if not np.all(np.any(Xt != 0, axis=1)):
            return  # a row of zeros is not a point of the sphere: no H
        H = population_gram(
            np.asarray(Xt, dtype=np.float64),
            self.activation,
            zeta=self._activation.zeta if self._activation.zeta else self.zeta,
            weights=self.weights,
        )
        spec = population_spectrum(H)
        self.population_lambda_min_ = spec.lambda_min
        self.population_condition_number_ = spec.condition_number
        if self.weights == "sphere":  # Lemma 2.4 is for weights on the sphere
            self.required_width_ = required_width(
                n, spec.lambda_min, self._activation.C, self.delta
            )

    def _store(self, result):
        """Fitted attributes from a solver result (dispatch on its type)."""
        spec = result.spectrum
        self.coef_ = result.coef
        self.intercept_ = result.intercept
        self.lambda_min_ = spec.lambda_min
        self.lambda_max_ = spec.lambda_max
        self.condition_number_ = spec.condition_number
        # with an intercept the solver sees the centered features Z_c; the
        # model's design is [Z, 1], of rank rank(Z_c) + 1
        self.rank_ = spec.rank + int(bool(self.fit_intercept))
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

    def _decision(self, X):
        """``gamma(X_tilde W) coef_ / sqrt(m) + intercept_`` for a new ``X``."""
        check_is_fitted(self)
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
        return tags


class RandomFeatureRegressor(RegressorMixin, _BaseRandomFeatureModel):
    """Two-layer network in the random features regime, last layer trained.

    The model is ``G(x) = gamma(x^T W) coef / sqrt(m)`` (Section 2) with a
    fixed random hidden layer ``W`` (columns uniform on the sphere) and only
    the last layer ``coef`` trained. Training is the under-determined
    least-squares problem (2.4) in ``Z = gamma(X W) / sqrt(m)``; with
    ``m >= n`` and ``Z`` of full row rank its minimum-norm solution
    interpolates the training data (eq. 2.5, Proposition 4.1). Every fit
    reports how well posed that problem was: the extreme eigenvalues, the
    condition number and the rank of ``H_hat = Z Z^T`` (eq. 2.6).

    Parameters
    ----------
    n_components : int, default=100
        Width ``m`` of the hidden layer. Interpolation needs
        ``m >= n_samples``; Lemma 2.4 gives a width that suffices with high
        probability (``required_width_``).
    activation : {"wendland0", "wendland2", "relu", "swish"} or callable, \
            default="wendland0"
        The activation ``gamma`` (Table 1); see
        :class:`~sklearn_rfnet.WendlandFeatures`.
    zeta : float, "scale" or None, default="scale"
        Support radius of the Wendland activations (Section 3.4.1), i.e. their
        bandwidth: ``gamma(z) = 0`` when ``sqrt(2 - 2z) > zeta``.
        ``"scale"`` (:func:`~sklearn_rfnet.activations.scale_zeta`) grows it
        with the Wendland exponent so that the features stay alive in every
        dimension; ``None`` is the paper's ``sqrt(2)`` (the support of ReLU),
        whose features vanish numerically from ``d ~ 30`` on. Ignored by the
        other activations.
    weights : {"sphere", "gaussian"}, default="sphere"
        Distribution of the columns of ``W`` (Section 2.1, Appendix A.1).
    normalize : bool, default=True
        Project each row onto the unit sphere.
    bias : bool, default=True
        Append a constant 1 to each row before normalizing (footnote 2,
        Remark 1): a bias for every hidden unit, and the row's norm is kept
        (without it, rows on the sphere lose their norm). ``False`` is the
        paper's setting without bias.
    fit_intercept : bool, default=True
        Fit an unpenalized output bias ``intercept_``: the last layer is
        trained on the centered features and targets (``H_hat -> P H_hat P``,
        ``P = I - 1 1^T / n``), and
        ``intercept_ = mean(y) - mean(Z)^T coef_``. ``False`` is the paper's
        network without an output bias.
    solver : {"direct", "landweber"}, default="direct"
        ``"direct"``: the minimum-norm least-squares solution (eq. 2.5), or
        with ``alpha > 0`` the ridge solution, by Cholesky on the Gram
        matrix while it is well conditioned and by a streamed TSQR of ``Z``
        with preconditioned LSQR when not (``solver_`` says which ran).
        ``"landweber"``: gradient descent on the last layer from
        ``coef = 0`` (Lemma 4.2, Theorem 4.3), evaluated in closed form
        (Lemma A.6), so any number of steps costs one eigendecomposition.
    alpha : float or "auto", default="auto"
        Ridge strength for ``solver="direct"``. ``"auto"`` chooses it by
        exact leave-one-out among ``np.logspace(-6, 1, 15)`` from one
        eigendecomposition (as :class:`~sklearn.linear_model.RidgeCV` does;
        ``alpha_`` is the choice). A number minimizes
        ``||Z coef - y||^2 + alpha * phi(1) ||coef||^2``, relative to
        ``phi(1) = E ||z(x)||^2``, the diagonal of the population kernel
        (eq. 2.7, the mean eigenvalue of ``H``; see
        :meth:`~sklearn_rfnet.activations.Activation.second_moment`), so that
        ``alpha`` means the same for every activation, dimension and width:
        ``alpha = 1`` is a ridge as large as the average eigenvalue. The
        paper's ``alpha`` is the last layer itself, our ``coef_``.
    max_iter : int, default=1000
        Number of gradient steps at most (``solver="landweber"``).
    tol : float, default=1e-10
        Landweber stops at the first step with relative training residual
        ``||Z coef - y|| / ||y|| <= tol``; ``tol=0`` runs exactly ``max_iter``
        steps.
    step_size : float, "optimal" or None, default=None
        Landweber step ``eta``. ``None`` is ``1 / lambda_max``: every
        eigencomponent converges monotonically, the top one in one step.
        ``"optimal"`` is the paper's ``2 / (lambda_min + lambda_max)``
        (Lemma 4.2, with the smallest non-zero eigenvalue when the Gram
        matrix is singular), which minimizes the worst contraction factor but
        leaves the top component oscillating when the condition number is
        large (measured: one-vs-rest test accuracy 0.51-0.60 after 1000
        steps where ``None`` gives 0.99-1.0). A number must be below
        ``2 / lambda_max``.
    delta : float, default=0.01
        Failure probability in the width bound of Lemma 2.4
        (``required_width_``).
    block_size : int, default=None
        A memory knob: hidden units per block of ``Z`` when
        ``n_components >= n_samples`` (the dual regime, streamed over
        width), samples per chunk when ``n_components < n_samples`` (the
        primal regime, streamed over rows). ``None`` keeps each block within
        128 MiB, so memory is set by the Gram matrix (``n x n`` or
        ``m x m``) rather than by ``n x m``. Results do not depend on it
        beyond rounding.
    population_diagnostics : bool or "auto", default="auto"
        Also compute the population matrix ``H`` of the training data
        (eq. 2.7, 3.4) and from it ``population_lambda_min_``,
        ``population_condition_number_`` and ``required_width_``. It costs an
        ``n x n`` matrix and its eigenvalues; ``"auto"`` does it for
        ``n_samples <= 2000``.
    random_state : int, RandomState instance or None, default=None
        Seed for ``W``; the same as :class:`~sklearn_rfnet.WendlandFeatures`
        with the same parameters.
    verbose : int, default=0
        Print Landweber progress.

    Attributes
    ----------
    coef_ : ndarray of shape (n_components,) or (n_components, n_targets)
        Last-layer weights (the paper's ``alpha``).
    intercept_ : float or ndarray of shape (n_targets,)
        Output bias (0.0 when ``fit_intercept=False``).
    random_weights_ : ndarray of shape (`n_features_in_` + bias, n_components)
        Hidden-layer weights ``W``.
    lambda_min_ : float
        Smallest eigenvalue of the training Gram matrix: ``H_hat = Z Z^T``
        (``n x n``) when ``n_components >= n_samples``, ``Z^T Z``
        (``m x m``) otherwise; their non-zero eigenvalues are the same,
        ``sigma(Z)**2``. 0.0 when the Gram matrix is numerically singular.
    lambda_max_ : float
        Largest eigenvalue of the training Gram matrix, ``sigma_max(Z)**2``.
    condition_number_ : float
        ``lambda_max_ / lambda_min_``; ``inf`` when the Gram matrix is
        singular. It is ``kappa(Z)**2`` and sets the Landweber rate
        (Lemma 4.2).
    rank_ : int
        Numerical rank of the design: of ``Z``, or of ``[Z, 1]`` with
        ``fit_intercept`` (``n_samples`` when the training data can be
        interpolated).
    population_lambda_min_ : float or None
        ``lambda_min(H)`` of the population matrix of the training points
        (eq. 2.7); 0.0 when ``H`` is numerically singular (e.g. ReLU on the
        points of Definition 2.1, Theorem 3.1). ``None`` when not computed
        (``population_diagnostics``, or ``normalize=False``: ``H`` is defined
        for points on the sphere).
    population_condition_number_ : float or None
        ``kappa(H)``, the value ``condition_number_`` approaches as the width
        grows (Lemma 2.5); ``inf`` when ``H`` is singular, ``None`` when not
        computed.
    required_width_ : int, float or None
        Width ``m >= 10 n C^2 log(2n/delta) / lambda_min(H)`` of Lemma 2.4 /
        Theorem 4.3, with which ``Z`` has full row rank (and gradient descent
        reaches zero training loss) with probability ``1 - delta``;
        ``math.inf`` when ``lambda_min(H) = 0``. ``None`` when the population
        diagnostics are not computed (also when a row of ``X`` is zero and
        ``bias=False``: it is no point of the sphere) or
        ``weights="gaussian"`` (Appendix
        A.1's bound has an unspecified constant).
    alpha_ : float
        The ridge strength used, in the unit of ``alpha`` (the leave-one-out
        choice for ``alpha="auto"``). Only with ``solver="direct"``.
    solver_ : str
        ``"<regime>-<method>"``: the regime ``"dual"`` (``m >= n``, the
        ``n x n`` ``H_hat``) or ``"primal"`` (``m < n``, the ``m x m``
        ``Z^T Z``), and the method: ``"cholesky"``, ``"tsqr-lsqr"`` (the
        stable path), ``"eigh-loo"`` (``alpha="auto"``: ridge with its
        strength chosen by leave-one-out) or ``"landweber"``.
    n_iter_ : int
        Landweber steps taken; 1 for the direct solver (one solve).
    loss_curve_ : ndarray of shape (`n_iter_` + 1,)
        Relative training residual ``||Z coef_k - y|| / ||y||`` after
        ``k = 0, 1, ..., n_iter_`` Landweber steps (eq. 4.4). Only with
        ``solver="landweber"``.
    step_size_ : float
        The Landweber step used. Only with ``solver="landweber"``.
    n_features_in_ : int
        Number of features seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when ``X``
        has feature names that are all strings.

    See Also
    --------
    WendlandFeatures : The hidden layer alone, as a transformer.
    sklearn.kernel_approximation.RBFSampler : Random Fourier features.

    Notes
    -----
    ``WendlandFeatures(...).fit(X).transform(X) @ coef_`` equals
    ``predict(X)`` for the same parameters and ``random_state``.

    The regime follows the shape. With ``m >= n`` (dual) the ``n x n``
    ``H_hat = Z Z^T`` is accumulated over blocks of hidden units with a
    symmetric rank-k update and ``coef_ = Z^T (H_hat + alpha I)^{-1} y``
    is assembled block by block; with ``m < n`` (primal, the classic
    random-features regime) ``Z^T Z`` and ``Z^T y`` are accumulated over row
    chunks and ``coef_ = (Z^T Z + alpha I)^{-1} Z^T y``, in memory
    ``O(m^2 + chunk m)``. Because ``kappa(Gram) = kappa(Z)^2``, Cholesky is
    used only while LAPACK's condition estimate and the extreme eigenvalues
    put ``kappa(Gram + alpha I)`` below ``1e6`` (``1e4`` for float32
    features). Beyond, a streamed TSQR of ``Z`` gives ``R`` with
    ``kappa(R) = kappa(Z)``, the SVD of ``R`` gives the singular values and
    rank of ``Z``, and LSQR preconditioned by ``R`` gives the
    minimum-norm least-squares solution to ``eps kappa(Z)``, as
    :func:`numpy.linalg.lstsq` does, whatever ``block_size``. A
    rank-deficient ``Z`` gives a warning naming its numerical rank.

    References
    ----------
    .. [1] A. Townsend, A. Damle and A. R. Benson, "Over-parametrized neural
       networks as under-determined linear systems", 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rfnet import RandomFeatureRegressor
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(50, 5)), rng.normal(size=50)
    >>> reg = RandomFeatureRegressor(n_components=500, random_state=0).fit(X, y)
    >>> reg.solver_, reg.rank_  # ridge, alpha chosen by leave-one-out
    ('dual-eigh-loo', 50)

    The paper's network, the minimum-norm interpolant (eq. 2.5):

    >>> paper = RandomFeatureRegressor(
    ...     n_components=500, zeta=None, bias=False, alpha=0.0, fit_intercept=False,
    ...     random_state=0).fit(X, y)
    >>> bool(paper.score(X, y) > 0.999999), paper.solver_
    (True, 'dual-cholesky')
    """

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Draw ``W``, train the last layer, and record the diagnostics.

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
        self.__dict__.pop("_partial_stats", None)  # partial_fit starts afresh
        if _dask.is_dask_collection(X) or _dask.is_dask_collection(y):
            return _dask.fit(self, X, y)  # on the workers; X never gathered
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse="csr",
            dtype=[np.float64, np.float32],
            multi_output=True,
            y_numeric=True,
        )
        return self._fit_last_layer(X, y)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y):
        """Train on one more batch of rows; the fit so far is kept.

        Accumulates the primal statistics (``Z^T Z``, ``Z^T y``, ``y^T y``,
        counts and means for the intercept, merged by Chan, Golub and
        LeVeque's update) and solves from them after every call: ``coef_``
        and the diagnostics equal those of :meth:`fit` on all the rows seen
        in the primal regime (``n_components < n``), whatever the batches,
        in memory ``O(n_components^2)``. Works with dask-ml's
        ``Incremental`` and with dask batches.

        Differences from :meth:`fit`, which sees all rows at once: the dual
        regime (``n_components >= n``, whose ``n x n`` Gram matrix grows with
        the rows) cannot be streamed, so the ``m x m`` statistics are kept
        whatever the rows seen; ``alpha="auto"`` chooses by generalized
        cross-validation (exact leave-one-out needs a second pass over the
        rows; ``solver_ = "primal-eigh-gcv"``); an ill-conditioned ``alpha=0``
        problem is solved from the eigenpairs of ``Z^T Z``
        (``solver_ = "primal-eigh"``, with a warning) instead of a TSQR of
        ``Z``; the population diagnostics are None.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            A batch of training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Its targets (the same number of targets in every call).

        Returns
        -------
        self : object
            The regressor, fitted on every batch so far.
        """
        return _dask.partial_fit(self, X, y)

    def predict(self, X):
        """Network output ``gamma(X_tilde W) coef_ / sqrt(m) + intercept_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predictions; a lazy dask array for a dask ``X``.
        """
        if _dask.is_dask_collection(X):
            return _dask.decision(self, X)
        return self._decision(X)

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination ``R^2`` of the prediction.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            True values.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights (not with dask input).

        Returns
        -------
        score : float
            ``R^2`` (uniform average over targets), reduced on the workers
            for dask input.
        """
        if _dask.is_dask_collection(X) and sample_weight is None:
            return _dask.score(self, X, y)
        return super().score(X, y, sample_weight=sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
