"""Choosing the ridge strength or the number of Landweber steps by cross-validation.

The hidden layer ``W`` does not depend on the targets, so every training
subset sees the same features and its ``H_hat`` is a principal submatrix of
the ``H_hat = Z Z^T`` of all the training rows (eq. 2.6). Cross-validation
therefore needs ``Z`` once: the fit on rows ``T`` predicts row ``i`` as
``H_hat[i, T] c_T`` with dual coefficients ``c_T`` (``coef = Z_T^T c_T``),
and every grid value comes from one eigendecomposition per fold:

* ridge, ``c_T = (H_TT + alpha I)^{-1} y_T = U diag(1 / (lambda + alpha)) U^T y_T``;
* ``k`` Landweber steps from 0 (Lemma A.6),
  ``c_T = U diag(h_k(lambda)) U^T y_T`` with
  ``h_k(lambda) = (1 - (1 - eta lambda)^k) / lambda`` and ``eta`` from the
  spectrum of ``H_TT`` (Lemma 4.2), exactly what
  :class:`~sklearn_rfnet.RandomFeatureRegressor` does on the rows ``T``.

For ridge, leave-one-out needs no fold at all: with
``G = (H_hat + alpha I)^{-1} = U diag(1 / (lambda + alpha)) U^T`` the
leave-one-out residual is ``e_i = (G y)_i / G_ii`` (the identity behind
scikit-learn's :class:`~sklearn.linear_model.RidgeCV`), for all ``alpha``
from one eigendecomposition of the full ``H_hat``.

The module is pure linear algebra except for the estimator
:class:`RandomFeatureRegressorCV` at its end.
"""

from __future__ import annotations

import time

import numpy as np
from scipy import linalg
from sklearn.base import RegressorMixin, is_classifier
from sklearn.model_selection import check_cv

from . import _xp
from ._base import _BaseRandomFeatureModel
from ._blas import dot
from ._compat import StrOptions
from ._cv import _fold_residuals, _loo_residuals, _misclassified, _warn_loo_cost
from ._direct import _centered_eigh, _intercept
from ._docstrings import shared_docs
from ._spectral import (
    checked_landweber_step,
    landweber_gains,
    landweber_residuals,
    landweber_step,
    ridge_gains,
    ridge_loo_residuals,
)
from .activations import scale_zeta, wendland_exponent
from .diagnostics import spectral_summary
from .features import resolve_bias
from .solvers import DirectResult, LandweberResult

__all__ = ["RandomFeatureClassifierCV", "RandomFeatureRegressorCV"]

# Default grids: 50 ridge strengths lambda_max(H_hat) * logspace(-12, 0, 50),
# from interpolation (alpha far below every eigenvalue that matters) to
# shrinking every eigencomponent by at least half; 50 step counts from 1 to
# max_iter, geometrically spaced.
_N_GRID = 50
_DEFAULT_ALPHAS = np.logspace(-12.0, 0.0, _N_GRID)  # times lambda_max(H_hat)
# zetas="auto": the bandwidth constants c of scale_zeta searched (the default
# "scale" is c = 2; larger c, narrower features)
_AUTO_ZETA_SCALES = (0.5, 1.0, 2.0, 4.0, 8.0)
# biases="auto": multiples of the bias constant (bias_ of the parameter
# bias: "scale" by default) searched; wider constants see the data at a
# larger bandwidth (docs/accuracy.md)
_AUTO_BIAS_FACTORS = (0.5, 1.0, 2.0)


# --------------------------------------------------------------------------
# The estimator

_CV_CONSTRAINTS = {
    **{
        k: v
        for k, v in _BaseRandomFeatureModel._parameter_constraints.items()
        if k not in ("alpha", "tol", "precision")
    },
    "alphas": ["array-like", None],
    "n_iters": ["array-like", None],
    "cv": ["cv_object"],
    "zetas": ["array-like", StrOptions({"auto"}), None],
    "biases": ["array-like", StrOptions({"auto"}), None],
}


@shared_docs
class RandomFeatureRegressorCV(RegressorMixin, _BaseRandomFeatureModel):
    """Random-feature regressor with the regularization chosen by cross-validation.

    The network of :class:`~sklearn_rfnet.RandomFeatureRegressor`, with its
    one regularization parameter chosen from a grid: the ridge strength
    ``alpha`` (``solver="direct"``) or the number of gradient steps from
    ``coef = 0`` (``solver="landweber"``, early stopping, Section 4.4). The
    minimum-norm solution interpolates noisy targets (Proposition 4.1); the
    cross-validation error says how much to regularize instead.

    Because ``W`` does not depend on the targets, every training subset has
    as ``H_hat`` a principal submatrix of the full ``H_hat = Z Z^T``: the
    features are evaluated once, each fold costs one ``n x n``
    eigendecomposition whatever the grid size, and the final model reuses
    the eigendecomposition of the full ``H_hat``. The errors are those of
    refitting :class:`~sklearn_rfnet.RandomFeatureRegressor` (same
    ``random_state``) on each training subset, to rounding; no approximation
    is made.

    Parameters
    ----------
    {n_components}
    {activation}
    {zeta}
    {weights}
    {normalize}
    {bias}
    {fit_intercept}
    solver : {"direct", "landweber"}, default="direct"
        ``"direct"``: ridge, ``alpha`` chosen from ``alphas``.
        ``"landweber"``: gradient descent from ``coef = 0`` with the step
        of :class:`~sklearn_rfnet.RandomFeatureRegressor`, the number of
        steps chosen from ``n_iters``.
    alphas : array-like of shape (n_alphas,), default=None
        Ridge strengths to try (``solver="direct"``), each ``>= 0``
        (``0`` is the minimum-norm interpolant), in the unit of
        :class:`~sklearn_rfnet.RandomFeatureRegressor`'s ``alpha``: relative
        to ``phi(1)``, the diagonal of the population kernel. ``None`` means
        50 values from ``1e-12`` to ``1`` times ``lambda_max(H_hat)``,
        geometrically spaced (converted to that unit in ``cv_results_`` and
        ``alpha_``). Ignored by ``solver="landweber"``.
    n_iters : array-like of shape (n_steps,), default=None
        Numbers of Landweber steps to try (``solver="landweber"``), each
        ``>= 1``. ``None`` means about 50 distinct step counts from 1 to
        ``max_iter``, geometrically spaced. Ignored by ``solver="direct"``.
    cv : int, cross-validation generator or iterable, default=None
        ``None``: exact leave-one-out. An int: that many
        :class:`~sklearn.model_selection.KFold` folds (no shuffling). A
        splitter or an iterable of ``(train, test)`` index arrays is used as
        given.
    zetas : array-like, "auto" or None, default=None
        Support radii ``zeta`` of the Wendland activations to search along
        with the regularization: one ``H_hat`` and one eigendecomposition per
        value (so the cost grows with their number), the whole grid of
        ``alphas`` or steps for each. ``"auto"`` tries the bandwidths of
        :func:`~sklearn_rfnet.activations.scale_zeta` with the constants
        ``c`` in ``(0.5, 1, 2, 4, 8)`` (``zeta="scale"`` is ``c = 2``);
        ``None`` uses ``zeta`` alone (the default: on the accuracy benchmark
        the search gained at most 0.001 at five times the cost). Ignored by
        the other activations.
    biases : array-like, "auto" or None, default=None
        Bias constants (see ``bias``: the features' bandwidth in the units
        of ``X``) to search along with the regularization and ``zetas``,
        one ``H_hat`` and one eigendecomposition each. ``"auto"`` tries
        ``0.5``, ``1`` and ``2`` times the constant of ``bias``; numbers
        are the constants themselves; ``None``, or ``bias=False``, uses
        ``bias`` alone. Measured on the accuracy benchmark
        (``docs/accuracy.md``, 5-fold) against ``None``, at three times the
        cost: for regression (chosen by squared error) from -0.013
        (prostate, 77 training rows, where the leave-one-out choice is
        noisy) to +0.002, so :class:`RandomFeatureRegressorCV` defaults to
        ``None``; for classification (chosen by accuracy) from -0.001
        (Fashion-MNIST) to +0.006 (Iris; breast cancer +0.004, digits
        +0.001), so :class:`RandomFeatureClassifierCV` defaults to
        ``"auto"``.
    max_iter : int, default=1000
        Largest step count of the default ``n_iters`` grid.
    {step_size}
    {delta}
    block_size : int, default=None
        Hidden units evaluated at a time; ``None`` keeps each block of ``Z``
        within 128 MiB. Cross-validation works on the ``n x n`` ``H_hat``
        whatever the width (its folds are principal submatrices).
    {population_diagnostics}
    {random_state}
    verbose : int, default=0
        Print the chosen value and its cross-validation error.

    Attributes
    ----------
    alpha_ : float
        The chosen ridge strength, in the unit of ``alphas``. Only with
        ``solver="direct"``.
    zeta_ : float or None
        The support radius of the chosen model (None for activations
        without one).
    n_iter_ : int
        The chosen number of Landweber steps, with which ``coef_`` was
        computed; 1 for the direct solver (one solve).
    best_score_ : float
        Minus the mean squared cross-validation error of the chosen value
        (higher is better, as scikit-learn's ``neg_mean_squared_error``);
        for :class:`RandomFeatureClassifierCV` its mean accuracy.
    best_index_ : int
        Position of the chosen value in the grid.
    cv_results_ : dict of ndarray
        ``"param_alpha"`` (``solver="direct"``) or ``"param_n_iter"``
        (``solver="landweber"``): the grid, shape (n_grid,); ``"params"``:
        the grid as a list of dicts; ``"split_squared_error"``: shape
        (n_splits, n_grid), the mean squared error on each test fold (for
        leave-one-out, each sample's squared residual, averaged over
        targets); ``"mean_squared_error"`` and ``"std_squared_error"``:
        their mean and standard deviation over the folds;
        ``"mean_test_score"`` (``= -mean_squared_error``) and
        ``"rank_test_score"`` (1 for the chosen value), as in
        :class:`~sklearn.model_selection.GridSearchCV`. For
        :class:`RandomFeatureClassifierCV` also ``"split_accuracy"``,
        ``"mean_accuracy"`` and ``"std_accuracy"``, and
        ``"mean_test_score"`` is the mean accuracy. With several
        ``zetas`` or ``biases``, also ``"param_zeta"`` / ``"param_bias"``:
        the grid is their product with the regularization grid.
    {coef_}
    {intercept_}
    {random_weights_}
    {bias_}
    lambda_min_ : float
        Smallest eigenvalue of the training ``H_hat`` (0.0 when it is
        numerically singular).
    {lambda_max_}
    condition_number_ : float
        ``lambda_max_ / lambda_min_``; ``inf`` when ``H_hat`` is singular.
    {rank_}
    {population_lambda_min_}
    {population_condition_number_}
    {required_width_}
    solver_ : str
        ``"dual-eigh"`` (ridge from the eigendecomposition of ``H_hat``) or
        ``"dual-landweber"``.
    {loss_curve_}
    {step_size_}
    {n_features_in_}
    {feature_names_in_}

    See Also
    --------
    RandomFeatureRegressor : One fit with a given ``alpha`` or ``max_iter``.
    sklearn.linear_model.RidgeCV : The same leave-one-out identity for ridge.

    Notes
    -----
    Cost, with ``n`` samples, ``m`` hidden units and ``G`` grid values: one
    pass over ``Z`` for ``H_hat`` (``O(n^2 m)``) and one for ``coef_``
    (``O(n m)``), the same as a single fit, plus

    * ridge, leave-one-out: one eigendecomposition (``O(n^3)``) and
      ``O(G n^2)``;
    * Landweber, leave-one-out: one eigendecomposition of each
      ``(n - 1) x (n - 1)`` principal submatrix, ``O(n^4)`` in all (about
      1 s for ``n = 200`` and 10 s for ``n = 300`` on one core); use
      ``cv=5`` beyond a few hundred samples;
    * k-fold (either solver): one eigendecomposition per fold, ``O(k n^3)``.

    The refit is exactly :class:`~sklearn_rfnet.RandomFeatureRegressor`
    with ``alpha=alpha_`` (``solver="direct"``) or with ``max_iter=n_iter_``
    and ``tol=0`` (``solver="landweber"``), to rounding.

    Leave-one-out for Landweber is computed exactly, not by the hat-matrix
    shortcut ``(y_i - yhat_i) / (1 - S_ii)`` with
    ``S = U diag(1 - (1 - eta lambda)^k) U^T``: that identity holds for
    penalized least squares but not for a fixed number of gradient steps,
    and here it is off by factors of 10 to 1000 beyond a few steps (see the
    user guide, ``docs/model_selection.md``).

    References
    ----------
    .. [1] A. Townsend, A. Damle and A. R. Benson, "Over-parametrized neural
       networks as under-determined linear systems", 2020.
    .. [2] G. H. Golub, M. Heath and G. Wahba, "Generalized cross-validation
       as a method for choosing a good ridge parameter", Technometrics, 1979.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rfnet.model_selection import RandomFeatureRegressorCV
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 5))
    >>> y = np.sin(2 * X[:, 0]) + 0.3 * rng.normal(size=60)
    >>> reg = RandomFeatureRegressorCV(n_components=600, random_state=0).fit(X, y)
    >>> reg.cv_results_["param_alpha"].shape, reg.alpha_ > 0
    ((50,), True)
    >>> lw = RandomFeatureRegressorCV(
    ...     n_components=600, solver="landweber", random_state=0).fit(X, y)
    >>> 1 <= lw.n_iter_ <= 1000, lw.best_score_ < 0
    (True, True)
    """

    _parameter_constraints: dict = _CV_CONSTRAINTS

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
        alphas=None,
        n_iters=None,
        cv=None,
        zetas=None,
        biases=None,
        max_iter=1000,
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
        self.alphas = alphas
        self.n_iters = n_iters
        self.cv = cv
        self.zetas = zetas
        self.biases = biases
        self.max_iter = max_iter
        self.step_size = step_size
        self.delta = delta
        self.block_size = block_size
        self.population_diagnostics = population_diagnostics
        self.random_state = random_state
        self.verbose = verbose

    def _fit(self, X, y, targets):
        """The cross-validated fit on validated ``X``; ``targets`` are the
        regression targets (``y`` itself, or the classifier's +-1 coding);
        ``y`` defines the folds."""
        n = X.shape[0]
        Y = np.asarray(targets, dtype=np.float64).reshape(n, -1)
        n_min = 2 + bool(self.fit_intercept)  # each fold fits on n - 1 rows
        if self.cv is None and n < n_min:
            raise ValueError(
                f"Leave-one-out needs at least {n_min} samples, got n_samples={n}."
            )
        alphas = grid = None
        if self.solver == "direct":  # a given grid is checked before any work
            alphas, name = self._check_alphas(), "alpha"
        else:
            grid, name = self._step_grid(), "n_iter"

        # the recipe, once per zeta: W (the same for every zeta), Z,
        # H_hat = Z Z^T and its eigendecomposition; every alpha (or step
        # count) of the grid from that one eigendecomposition.
        center = bool(self.fit_intercept)
        y_mean = Y.mean(axis=0) if center else np.zeros(Y.shape[1])
        zetas, biases = self._zeta_grid(), self._bias_grid(X)
        best_state, all_errors, all_wrong, params, values = None, [], [], [], []
        self.__dict__.pop("random_weights_", None)  # one W for the whole search
        for bias in biases:
            for zeta in zetas:
                state = self._search(X, y, Y, zeta, bias, center, alphas, grid, name)
                all_errors.append(state["errors"])
                all_wrong.append(state["wrong"])
                for v in state["grid"]:
                    p = {name: v.item()}
                    if len(zetas) > 1:
                        p = {"zeta": state["zeta"], **p}
                    if len(biases) > 1:
                        p = {"bias": state["bias"], **p}
                    params.append(p)
                values.append(state["grid"])
                k = int(self._order(state["errors"], state["wrong"])[0])
                score = (
                    0.0 if state["wrong"] is None else state["wrong"].mean(axis=0)[k],
                    state["errors"].mean(axis=0)[k],
                )
                if best_state is None or score < best_state["score"]:
                    best_state = {**state, "k": k, "score": score}
        split_errors = np.concatenate(all_errors, axis=1)
        split_wrong = (
            None if all_wrong[0] is None else np.concatenate(all_wrong, axis=1)
        )
        self._store_cv_results(
            split_errors, split_wrong, np.concatenate(values), name, params
        )
        s_ = best_state
        op, lam, U, summary = s_["op"], s_["lam"], s_["U"], s_["summary"]
        grid, abs_grid, k = s_["grid"], s_["abs_grid"], s_["k"]
        eta_full = s_.get("eta")
        self._activation = s_["activation"]  # predictions use the chosen zeta
        self.zeta_ = s_["zeta"]
        self.bias_ = s_["bias"]  # ... and the chosen bias

        # refit on all rows from the eigendecomposition already at hand
        P = dot(U.T, Y - y_mean)
        best = grid[k]
        if self.solver == "direct":
            gains = ridge_gains(lam, [abs_grid[k]], summary.threshold)[0]
            coef = self._coef(op, U, gains, P, targets, X.dtype)
            result = DirectResult(
                coef,
                summary,
                "dual-eigh",
                intercept=_cv_intercept(op, coef, y_mean if center else None),
                ridge=float(abs_grid[k]),
            )
            self.alpha_ = float(best)
        else:
            best = int(best)
            gains = landweber_gains(lam, eta_full, best)
            y_norm = float(linalg.norm(Y - y_mean))
            if y_norm > 0:
                loss = landweber_residuals(
                    np.maximum(lam, 0.0), P, eta_full, np.arange(best + 1)
                )
                loss /= y_norm
            else:
                loss = np.zeros(best + 1)
            coef = self._coef(op, U, gains, P, targets, X.dtype)
            result = LandweberResult(
                coef,
                best,
                loss,
                eta_full,
                summary,
                lam,
                "max_iter",
                "dual-landweber",
                _cv_intercept(op, coef, y_mean if center else None),
            )
        self._store(result)
        _xp.move_fitted(self, X)  # array API input: coef_ and co. on X's device
        self._store_population(X)
        if self.verbose:
            print(
                f"[{type(self).__name__}] zeta={self.zeta_} bias={self.bias_:.4g} "
                f"{name}={best:.6g} cv MSE="
                f"{self.cv_results_['mean_squared_error'][self.best_index_]:.6g}"
                f"{'' if split_wrong is None else f' accuracy={self.best_score_:.4g}'}"
                f" (grid of {split_errors.shape[1]}, {split_errors.shape[0]} splits)"
            )
        return self

    def _zeta_grid(self):
        """The values of ``zeta`` to search: ``zetas``, else ``[zeta]``."""
        if self.zetas is None or not str(self.activation).startswith("wendland"):
            return [self.zeta]
        if isinstance(self.zetas, str):  # "auto": bandwidths around "scale"
            return [("scale", c) for c in _AUTO_ZETA_SCALES]
        zetas = list(self.zetas)
        if not zetas:
            raise ValueError("zetas must not be empty.")
        for z in zetas:
            if not (z is None or z == "scale" or (np.isfinite(z) and z > 0)):
                raise ValueError(
                    f"zetas must hold positive numbers, 'scale' or None, got {z!r}."
                )
        return zetas

    def _bias_grid(self, X):
        """The bias constants to search (``biases``, else ``bias`` alone)."""
        base = resolve_bias(self.bias, X)
        if self.biases is None or base == 0.0:  # bias=False: no column to scale
            return [base]
        if isinstance(self.biases, str):  # "auto": multiples of bias's constant
            return [f * base for f in _AUTO_BIAS_FACTORS]
        biases = np.asarray(self.biases, dtype=np.float64).ravel()
        if biases.size == 0 or not np.all(np.isfinite(biases) & (biases > 0)):
            raise ValueError(
                f"biases must be a non-empty list of positive numbers, got "
                f"{self.biases!r}."
            )
        return [float(b) for b in biases]

    def _search(self, X, y, Y, zeta, bias, center, alphas, steps, name):
        """Cross-validation errors of the whole grid for one ``(zeta, bias)``."""
        n = X.shape[0]
        if isinstance(zeta, tuple):  # ("scale", c): scale_zeta with constant c
            d = X.shape[1] + bool(bias)
            k = 0 if self.activation == "wendland0" else 2
            zeta = scale_zeta(wendland_exponent(d, k), zeta[1])
        W = getattr(self, "random_weights_", None)  # drawn once per search
        if _xp.namespace(X) is not None:  # H_hat on X's device, search on host
            op = _xp.CVFeatures(self, X, zeta, bias, center, W)
            H = op.H
        else:
            self._fit_features(X, zeta=zeta, bias=bias, W=W)
            # Z in float64 even for float32 X: a float32 H_hat has errors of
            # 1e-7 lambda_max, which would decide the small alphas.
            op = self._feature_map(X.astype(np.float64, copy=False), self.block_size)
            op.center = center  # H is then P H_hat P, and op.mean_raw is set
            H = op.gram(regime="dual")[0]  # n x n whatever the width: folds need it
        m = op.shape[1]
        scale = float(self._ridge(1.0))  # the unit of alpha: phi(1)
        tic = time.perf_counter()
        lam, U = _centered_eigh(H, center)
        self._eigh_seconds = time.perf_counter() - tic  # prices exact Landweber LOO
        summary = spectral_summary(lam, n, m, size=lam.size)
        state = {}
        if self.solver == "direct":
            if alphas is None:  # from interpolation to lambda_max, relative units
                alphas = summary.lambda_max * _DEFAULT_ALPHAS / (scale or 1.0)
            grid, abs_grid = alphas, alphas * scale
        else:
            grid = abs_grid = steps
            state["eta"] = checked_landweber_step(summary, self.step_size)
        errors, wrong = self._cv_errors(
            H, Y, lam, U, summary, m, abs_grid, X, y, center
        )
        a = self._activation
        state.update(
            op=op,
            lam=lam,
            U=U,
            summary=summary,
            grid=np.asarray(grid),
            abs_grid=np.asarray(abs_grid),
            errors=errors,
            wrong=wrong,
            activation=a,
            zeta=float(a.zeta) if a.zeta is not None else None,
            bias=self.bias_,
        )
        return state

    # ------------------------------------------------------------------
    # pieces of fit

    def _check_alphas(self):
        if self.alphas is None:
            return None
        alphas = np.asarray(self.alphas, dtype=np.float64)
        if alphas.ndim != 1 or alphas.size == 0:
            raise ValueError(
                f"alphas must be a non-empty 1-D array, got shape {alphas.shape}."
            )
        if not np.all(np.isfinite(alphas)) or np.any(alphas < 0):
            raise ValueError(f"alphas must be finite and >= 0, got {self.alphas!r}.")
        return alphas

    def _step_grid(self):
        if self.n_iters is None:
            num, ks = _N_GRID, np.array([1])
            while len(ks) < min(_N_GRID, self.max_iter) and num < 50 * _N_GRID:
                ks = np.unique(np.rint(np.geomspace(1, self.max_iter, num)))
                num += 1
            return ks.astype(np.int64)
        ks = np.asarray(self.n_iters)
        if ks.ndim != 1 or ks.size == 0:
            raise ValueError(
                f"n_iters must be a non-empty 1-D array, got shape {ks.shape}."
            )
        if not (
            np.issubdtype(ks.dtype, np.number)
            and np.all(np.isfinite(ks))
            and np.all(ks == np.round(ks))
            and np.all(ks >= 1)
        ):
            raise ValueError(f"n_iters must hold integers >= 1, got {self.n_iters!r}.")
        return ks.astype(np.int64)

    def _filters(self, grid):
        if self.solver == "direct":
            return lambda lam, summary: ridge_gains(lam, grid, summary.threshold)

        def landweber(lam, summary):
            eta = landweber_step(summary, self.step_size)
            return landweber_gains(lam, eta, grid)

        return landweber

    def _cv_errors(self, H, Y, lam, U, summary, m, grid, X, y, center):
        """Squared error of every grid value on every split, and for the
        classifiers the misclassification rate: two arrays of shape
        (n_splits, n_grid), the second None for regression."""
        n = H.shape[0]
        classify = is_classifier(self)
        filters = self._filters(grid)
        if self.cv is not None:
            splits = check_cv(self.cv, y, classifier=classify).split(X, y)
            errors, wrong = [], []
            for tr, te in splits:
                R = _fold_residuals(H, Y, tr, te, m, filters, center)
                errors.append(np.mean(R**2, axis=(1, 2)))
                if classify:
                    wrong.append(np.mean(_misclassified(Y[te][None], R), axis=1))
            return np.array(errors), np.array(wrong) if classify else None
        if self.solver == "landweber":
            _warn_loo_cost(n, self._eigh_seconds)
            R = _loo_residuals(H, Y, m, filters, center)  # (n, n_grid, t)
        else:
            # ridge: closed form wherever H_hat + alpha I is nonsingular (on
            # 1^perp with an intercept: U spans it, and y - mean(y) lies in it)
            full = summary.rank == lam.size
            lam_floor = max(summary.lambda_min, 0.0) if full else 0.0
            closed = lam_floor + grid > summary.threshold
            R = np.empty((n, len(grid), Y.shape[1]))
            Yc = Y - Y.mean(axis=0) if center else Y
            e = ridge_loo_residuals(lam, U, Yc, grid[closed])  # (n_closed, n, t)
            R[:, closed] = np.moveaxis(e, 0, 1)
            if not np.all(closed):  # alpha = 0 on a singular H_hat: refit folds
                rest = self._filters(grid[~closed])
                R[:, ~closed] = _loo_residuals(H, Y, m, rest, center)
        wrong = _misclassified(Y[:, None, :], R).astype(float) if classify else None
        return np.mean(R**2, axis=2), wrong

    @staticmethod
    def _order(errors, wrong):
        """Grid indices from best to worst: by mean squared error, or for the
        classifiers by accuracy, ties broken by the squared error."""
        mse = errors.mean(axis=0)
        if wrong is None:
            return np.argsort(mse, kind="stable")
        return np.lexsort((mse, wrong.mean(axis=0)))

    def _store_cv_results(self, split_errors, split_wrong, grid, name, params):
        mean = split_errors.mean(axis=0)
        order = self._order(split_errors, split_wrong)
        best = int(order[0])
        rank = np.empty(len(grid), dtype=np.int32)
        rank[order] = np.arange(1, len(grid) + 1)
        extra = {}
        if "zeta" in params[0]:
            extra["param_zeta"] = np.array([p["zeta"] for p in params])
        if "bias" in params[0]:
            extra["param_bias"] = np.array([p["bias"] for p in params])
        score = -mean
        if split_wrong is not None:  # classifiers: accuracy, as GridSearchCV's
            accuracy = 1.0 - split_wrong
            score = accuracy.mean(axis=0)
            extra.update(
                split_accuracy=accuracy,
                mean_accuracy=score,
                std_accuracy=accuracy.std(axis=0),
            )
        self.cv_results_ = {
            **extra,
            f"param_{name}": np.asarray(grid),
            "params": params,
            "split_squared_error": split_errors,
            "mean_squared_error": mean,
            "std_squared_error": split_errors.std(axis=0),
            "mean_test_score": score,
            "rank_test_score": rank,
        }
        self.best_index_ = best
        self.best_score_ = float(score[best])

    @staticmethod
    def _coef(op, U, gains, P, y, dtype):
        """``coef = Z^T U diag(gains) U^T y``: the one more pass over ``Z``."""
        C = dot(U, gains[:, None] * P)
        if isinstance(op, _xp.CVFeatures):  # Z^T C on X's device
            return op.coef(C, np.shape(y))
        coef = op.rmatmat(C.reshape((C.shape[0],) + np.shape(y)[1:]))
        return np.asarray(coef, dtype=dtype)


def _cv_intercept(op, coef, y_mean):
    """``mean(y) - mean(Z)^T coef``, on the device for array API input."""
    if isinstance(op, _xp.CVFeatures):
        return op.intercept(coef, y_mean)
    return _intercept(op, coef, y_mean)


# the classifier lives in its own module; it is served from here
from ._classifier_cv import RandomFeatureClassifierCV  # noqa: E402
