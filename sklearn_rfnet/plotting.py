"""Display objects for the paper's figures, in scikit-learn's Display pattern.

Each Display holds computed values; ``from_estimator`` / ``from_data`` class
methods compute them, and ``plot(ax=None, ...)`` draws them, storing
``ax_``, ``figure_`` and the artists. matplotlib is imported inside ``plot``
only, so it stays an optional dependency (``pip install sklearn-rfnet[plot]``).

* :class:`ConditioningDisplay`: ``kappa(H_hat)`` against the width, median
  and quantile band over random draws of ``W``, with ``kappa(H)`` dashed
  (Fig. 1).
* :class:`LossCurveDisplay`: relative training residual against the
  gradient-descent step (Fig. 2).
* :class:`SpectrumDisplay`: eigenvalues of ``H_hat`` (solid) and ``H``
  (dashed) (Fig. 3, left).
* :class:`LandweberFilterDisplay`: Landweber filter values ``f_k(sigma_j)``
  (eq. 4.2, 4.3; Fig. 3, right).
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted

from .diagnostics import (
    landweber_filter,
    optimal_step_size,
    population_spectrum,
    spectral_summary,
)
from .features import WendlandFeatures, prepare_inputs, resolve_bias
from .population import population_gram

__all__ = [
    "ConditioningDisplay",
    "LandweberFilterDisplay",
    "LossCurveDisplay",
    "SpectrumDisplay",
]


# gid of the crosses that ConditioningDisplay.plot draws at singular widths
_SINGULAR_GID = "sklearn_rfnet-singular"


def _import_pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Plotting needs matplotlib: pip install 'sklearn-rfnet[plot]'."
        ) from exc
    return plt


def _get_ax(ax):
    plt = _import_pyplot()
    if ax is None:
        _, ax = plt.subplots()
    return ax


def _finish(display, ax, label, legend_loc="best"):
    """Legend (when labelled), then store ``ax_`` and ``figure_`` on the display."""
    if label is not None:
        ax.legend(loc=legend_loc)
    display.ax_ = ax
    display.figure_ = ax.figure
    return display


def _feature_params(estimator):
    """The feature parameters of a fitted or unfitted estimator.

    ``zeta`` is the one the estimator used when it chose one (``zeta_`` of
    the CV estimators), else its parameter.
    """
    keys = ("activation", "zeta", "weights", "normalize", "bias")
    params = {k: getattr(estimator, k) for k in keys}
    if getattr(estimator, "bias_", None) is not None:  # as fitted ("scale")
        params["bias"] = estimator.bias_ or False
    if getattr(estimator, "zeta_", None) is not None:
        params["zeta"] = estimator.zeta_
    return params


def _features(estimator, X):
    """``Z = gamma(X_tilde W) / sqrt(m)`` of a fitted estimator (eq. 2.6).

    Through the public contract (DESIGN.md): a :class:`WendlandFeatures` with
    the estimator's feature parameters and its ``random_weights_`` builds
    the same features the estimator was trained on.
    """
    if isinstance(estimator, WendlandFeatures):
        return estimator.transform(X)
    W = estimator.random_weights_
    features = WendlandFeatures(W.shape[1], **_feature_params(estimator)).fit(X)
    features.random_weights_ = W
    return features.transform(X)


def _hat_spectrum(Z, n=None):
    """Eigenvalues of ``H_hat = Z Z^T`` (descending, ``n`` of them) from the
    singular values of ``Z``, and their
    :func:`~sklearn_rfnet.diagnostics.spectral_summary` (``kappa`` not
    squared in the computation; the rank threshold of the estimators)."""
    n = Z.shape[0] if n is None else n
    s = np.linalg.svd(Z, compute_uv=False)[:n]
    lam = np.r_[s**2, np.zeros(n - s.size)]
    return lam, spectral_summary(lam, n, Z.shape[1], from_svd=True)


def _population_spectrum(X, *, activation, zeta, weights, normalize, bias):
    """Eigenvalues of the population matrix ``H`` (eq. 2.7), descending, and
    :func:`~sklearn_rfnet.diagnostics.population_spectrum` (as the
    estimators' ``population_condition_number_``)."""
    Xt = prepare_inputs(X, normalize=normalize, bias=bias)
    H = population_gram(np.asarray(Xt), activation, zeta=zeta, weights=weights)
    return np.linalg.eigvalsh(H)[::-1], population_spectrum(H)


class ConditioningDisplay:
    """``kappa(H_hat)`` against the width ``m`` (the paper's Fig. 1).

    Parameters
    ----------
    widths : ndarray of shape (n_widths,)
        The widths ``m``.
    condition_numbers : ndarray of shape (n_widths, n_repeats)
        ``kappa(H_hat)`` for each width and draw of ``W``, as the
        estimators' ``condition_number_``
        (:func:`~sklearn_rfnet.diagnostics.spectral_summary`): ``inf`` when
        ``H_hat`` is numerically singular.
    population_condition_number : float or None
        ``kappa(H)`` of the population matrix (eq. 2.7), as the estimators'
        ``population_condition_number_``
        (:func:`~sklearn_rfnet.diagnostics.population_spectrum`), or ``None``.
    n_samples : int
        Number of data points ``n``.
    name : str, default=None
        Label for the legend (e.g. the activation).

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    line_ : matplotlib Line2D
        The medians.
    band_ : matplotlib PolyCollection
        The 10%-90% quantile band of the draws with a finite ``kappa``.
    singular_markers_ : matplotlib Line2D or None
        Crosses at the top of the axes at the widths where the median
        ``kappa(H_hat)`` is ``inf`` (most draws singular, e.g. ReLU on the
        bad points, Theorem 2.2).
    population_line_ : matplotlib Line2D or None
        The dashed ``kappa(H)`` line.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rfnet.plotting import ConditioningDisplay
    >>> X = np.random.RandomState(0).normal(size=(20, 3))
    >>> disp = ConditioningDisplay.from_data(
    ...     X, widths=[40, 80], n_repeats=3, population=False, random_state=0)
    >>> disp.condition_numbers.shape
    (2, 3)
    """

    def __init__(
        self,
        widths,
        condition_numbers,
        population_condition_number,
        n_samples,
        name=None,
    ):
        self.widths = np.asarray(widths)
        self.condition_numbers = np.asarray(condition_numbers, dtype=float)
        self.population_condition_number = population_condition_number
        self.n_samples = n_samples
        self.name = name

    @classmethod
    def from_data(
        cls,
        X,
        *,
        widths,
        activation="wendland0",
        zeta=None,
        weights="sphere",
        normalize=True,
        bias=False,
        n_repeats=100,
        population=True,
        random_state=None,
        name=None,
    ):
        """Compute ``kappa(H_hat)`` over ``n_repeats`` draws of ``W`` per width.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.
        widths : array-like of int
            Widths ``m`` to try.
        activation, zeta, weights, normalize, bias
            As in :class:`~sklearn_rfnet.WendlandFeatures` (``bias=False``
            by default here: the paper's Fig. 1).
        n_repeats : int, default=100
            Draws of ``W`` per width (the paper uses 100).
        population : bool, default=True
            Also compute ``kappa(H)`` with
            :func:`~sklearn_rfnet.population.population_gram`.
        random_state : int, RandomState instance or None, default=None
            Seed for the draws.
        name : str, default=None
            Legend label; defaults to the activation's name.

        Returns
        -------
        display : ConditioningDisplay
        """
        X = check_array(X, dtype=np.float64)
        rng = check_random_state(random_state)
        widths = np.asarray(widths, dtype=int)
        params = dict(
            activation=activation,
            zeta=zeta,
            weights=weights,
            normalize=normalize,
            bias=resolve_bias(bias, X) or False,  # "scale": once, from X
        )
        kappa = np.empty((widths.size, n_repeats))
        # an int random_state is the first draw's seed at every width: the
        # weights of an estimator with that random_state (the weights of
        # width m are the first m columns of any wider draw)
        first = random_state if isinstance(random_state, Integral) else None
        for i, m in enumerate(widths):
            for r in range(n_repeats):
                seed = first if (r == 0 and first is not None) else rng
                features = WendlandFeatures(int(m), random_state=seed, **params)
                Z = features.fit_transform(X)
                kappa[i, r] = _hat_spectrum(Z)[1].condition_number
        pop = None
        if population:
            pop = _population_spectrum(X, **params)[1].condition_number
        if name is None:
            name = (
                activation
                if isinstance(activation, str)
                else getattr(activation, "__name__", "activation")
            )
        return cls(widths, kappa, pop, X.shape[0], name=name)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        *,
        widths,
        n_repeats=100,
        population=True,
        random_state=None,
        name=None,
    ):
        """As :meth:`from_data`, with the feature parameters of ``estimator``.

        Parameters
        ----------
        estimator : WendlandFeatures or RandomFeatureRegressor
            Supplies ``activation``, ``zeta``, ``weights``, ``normalize``
            and ``bias`` (fitted or not).
        X : array-like of shape (n_samples, n_features)
            Data.
        widths, n_repeats, population, random_state, name
            As in :meth:`from_data`.

        Returns
        -------
        display : ConditioningDisplay
        """
        return cls.from_data(
            X,
            widths=widths,
            n_repeats=n_repeats,
            population=population,
            random_state=random_state,
            name=name,
            **_feature_params(estimator),
        )

    def plot(self, ax=None, *, quantiles=(0.1, 0.9), color=None, name=None):
        """Median ``kappa(H_hat)`` with a quantile band and ``kappa(H)`` dashed.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on; a new figure when ``None``.
        quantiles : tuple of two floats, default=(0.1, 0.9)
            Band limits (the paper shows 10%-90%).
        color : matplotlib color, default=None
        name : str, default=None
            Legend label; overrides the display's ``name``.

        Returns
        -------
        display : ConditioningDisplay
            With ``ax_``, ``figure_``, ``line_``, ``band_``,
            ``singular_markers_`` and ``population_line_`` set.
        """
        ax = _get_ax(ax)
        label = name if name is not None else self.name
        kappa = self.condition_numbers
        # the band is over the regular draws; the median counts a singular
        # draw as kappa = inf, and a width whose median is inf is marked
        med = np.median(kappa, axis=1)
        lo, hi = np.full(med.shape, np.nan), np.full(med.shape, np.nan)
        for i, row in enumerate(kappa):
            row = row[np.isfinite(row)]
            if row.size:
                lo[i], hi[i] = np.quantile(row, quantiles)
        shown = np.where(np.isfinite(med), med, np.nan)
        (self.line_,) = ax.plot(self.widths, shown, "o-", color=color, label=label)
        c = self.line_.get_color()
        self.band_ = ax.fill_between(self.widths, lo, hi, color=c, alpha=0.25)
        self.singular_markers_ = None
        singular = ~np.isfinite(med)
        if np.any(singular):
            from matplotlib.transforms import blended_transform_factory

            top = blended_transform_factory(ax.transData, ax.transAxes)
            # one row per display drawn on these axes, so none hides another
            row = sum(line.get_gid() == _SINGULAR_GID for line in ax.get_lines())
            (self.singular_markers_,) = ax.plot(
                self.widths[singular],
                np.full(int(singular.sum()), 0.97 - 0.05 * row),
                "x",
                color=c,
                transform=top,
                clip_on=False,
                gid=_SINGULAR_GID,
            )
        self.population_line_ = None
        if self.population_condition_number is not None and np.isfinite(
            self.population_condition_number
        ):
            self.population_line_ = ax.axhline(
                self.population_condition_number, color=c, linestyle="--"
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("width m")
        ax.set_ylabel(r"$\kappa(\hat H)$")
        return _finish(self, ax, label)


class LossCurveDisplay:
    """Relative training residual against the gradient step (Fig. 2).

    Parameters
    ----------
    loss_curve : ndarray of shape (n_iter + 1,)
        ``||Z alpha_k - y|| / ||y||`` for ``k = 0 .. n_iter`` (eq. 4.4).
    name : str, default=None
        Legend label.

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    line_ : matplotlib Line2D

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rfnet import RandomFeatureRegressor
    >>> from sklearn_rfnet.plotting import LossCurveDisplay
    >>> X = np.random.RandomState(0).normal(size=(20, 3))
    >>> reg = RandomFeatureRegressor(
    ...     200, solver="landweber", max_iter=50, tol=0.0, random_state=0)
    >>> disp = LossCurveDisplay.from_estimator(reg.fit(X, X[:, 0]))  # 50 steps
    >>> round(float(disp.loss_curve[0]), 12)
    1.0
    """

    def __init__(self, loss_curve, name=None):
        self.loss_curve = np.asarray(loss_curve)
        self.name = name

    @classmethod
    def from_estimator(cls, estimator, name=None):
        """Take ``loss_curve_`` from a fitted Landweber regressor.

        Parameters
        ----------
        estimator : RandomFeatureRegressor
            Fitted with ``solver="landweber"``.
        name : str, default=None
            Legend label; defaults to the activation's name.

        Returns
        -------
        display : LossCurveDisplay
        """
        check_is_fitted(estimator)
        if not hasattr(estimator, "loss_curve_"):
            raise ValueError(
                "LossCurveDisplay needs an estimator fitted with "
                f"solver='landweber'; this one used solver={estimator.solver!r} "
                "and has no loss_curve_."
            )
        if name is None and isinstance(estimator.activation, str):
            name = estimator.activation
        return cls(estimator.loss_curve_, name=name)

    def plot(self, ax=None, *, log_steps=True, name=None, **kwargs):
        """Draw the residual on a log scale.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
        log_steps : bool, default=True
            Logarithmic step axis (steps start at 1 there).
        name : str, default=None
            Legend label.
        **kwargs
            Passed to ``ax.plot``.

        Returns
        -------
        display : LossCurveDisplay
        """
        ax = _get_ax(ax)
        label = name if name is not None else self.name
        k = np.arange(self.loss_curve.size)
        start = 1 if log_steps else 0
        (self.line_,) = ax.plot(
            k[start:], self.loss_curve[start:], label=label, **kwargs
        )
        ax.set_yscale("log")
        if log_steps:
            ax.set_xscale("log")
        ax.set_xlabel("gradient step k")
        ax.set_ylabel(r"$\|Z\alpha_k - y\| / \|y\|$")
        return _finish(self, ax, label, legend_loc="lower left")


class SpectrumDisplay:
    """Eigenvalues of ``H_hat`` (solid) and of ``H`` (dashed) (Fig. 3, left).

    Parameters
    ----------
    eigenvalues : ndarray of shape (n,)
        Eigenvalues of ``H_hat``, descending.
    population_eigenvalues : ndarray of shape (n,) or None
        Eigenvalues of ``H`` (eq. 2.7), descending.
    normalize : bool, default=True
        Divide each spectrum by its largest eigenvalue when plotting (the
        shape, which sets the Landweber behaviour, is then comparable
        across activations).
    name : str, default=None

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    line_ : matplotlib Line2D
    population_line_ : matplotlib Line2D or None

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rfnet import RandomFeatureRegressor
    >>> from sklearn_rfnet.plotting import SpectrumDisplay
    >>> X = np.random.RandomState(0).normal(size=(20, 3))
    >>> reg = RandomFeatureRegressor(200, random_state=0).fit(X, X[:, 0])
    >>> disp = SpectrumDisplay.from_estimator(reg, X, population=False)
    >>> bool(np.isclose(disp.eigenvalues[0], reg.lambda_max_))
    True
    """

    def __init__(
        self, eigenvalues, population_eigenvalues=None, normalize=True, name=None
    ):
        self.eigenvalues = np.asarray(eigenvalues)
        self.population_eigenvalues = (
            None
            if population_eigenvalues is None
            else np.asarray(population_eigenvalues)
        )
        self.normalize = normalize
        self.name = name

    @classmethod
    def from_estimator(
        cls, estimator, X, *, population=True, normalize=True, name=None
    ):
        """Spectrum of the Gram matrix a fitted estimator builds on ``X``.

        ``H_hat = Z Z^T``, centered (``P H_hat P`` on ``1^perp``, ``n - 1``
        eigenvalues) when the estimator fits an intercept, as its
        ``lambda_min_`` and ``lambda_max_`` are.

        Parameters
        ----------
        estimator : WendlandFeatures or RandomFeatureRegressor
            Fitted; its ``random_weights_`` are used.
        X : array-like of shape (n_samples, n_features)
            Data (usually the training data).
        population : bool, default=True
            Also compute the eigenvalues of ``H``.
        normalize : bool, default=True
            See the class docstring.
        name : str, default=None

        Returns
        -------
        display : SpectrumDisplay
        """
        check_is_fitted(estimator, "random_weights_")
        X = check_array(X, dtype=np.float64)
        params = _feature_params(estimator)
        Z = np.asarray(_features(estimator, X), dtype=np.float64)
        n = X.shape[0]
        if getattr(estimator, "fit_intercept", False):
            # the Gram matrix the estimator solved: P H_hat P on 1^perp
            Z = Z - Z.mean(axis=0)
            n -= 1
        lam, _ = _hat_spectrum(Z, n)
        pop = _population_spectrum(X, **params)[0] if population else None
        if name is None and isinstance(params["activation"], str):
            name = params["activation"]
        return cls(lam, pop, normalize=normalize, name=name)

    def plot(self, ax=None, *, name=None, color=None):
        """Eigenvalues against their index on a log scale.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
        name : str, default=None
        color : matplotlib color, default=None

        Returns
        -------
        display : SpectrumDisplay
        """
        ax = _get_ax(ax)
        label = name if name is not None else self.name
        lam = self.eigenvalues / (self.eigenvalues[0] if self.normalize else 1.0)
        j = np.arange(1, lam.size + 1)
        (self.line_,) = ax.plot(j, lam, "-", color=color, label=label)
        self.population_line_ = None
        if self.population_eigenvalues is not None:
            mu = self.population_eigenvalues
            mu = mu / (mu[0] if self.normalize else 1.0)
            (self.population_line_,) = ax.plot(
                np.arange(1, mu.size + 1), mu, "--", color=self.line_.get_color()
            )
        ax.set_yscale("log")
        ax.set_xlabel("index j")
        ax.set_ylabel(r"$\lambda_j / \lambda_1$" if self.normalize else r"$\lambda_j$")
        return _finish(self, ax, label)


class LandweberFilterDisplay:
    """Landweber filter values ``f_k(sigma_j)`` (eq. 4.2, 4.3; Fig. 3, right).

    ``f_k = 1 - (1 - eta lambda_j)^k``: the fraction of the minimum-norm
    solution's component along the ``j``-th singular vector that ``k``
    gradient steps from ``alpha_0 = 0`` have resolved (Lemma A.6).

    Parameters
    ----------
    eigenvalues : ndarray of shape (n,)
        Eigenvalues of ``H_hat``, descending.
    k : int
        Number of gradient steps.
    step_size : float
        ``eta``.
    name : str, default=None

    Attributes
    ----------
    filter_values : ndarray of shape (n,)
        ``f_k(sigma_j)``.
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    line_ : matplotlib Line2D

    Examples
    --------
    >>> from sklearn_rfnet.plotting import LandweberFilterDisplay
    >>> disp = LandweberFilterDisplay([2.0, 1.0], k=1, step_size=2 / 3)
    >>> disp.filter_values.round(3)
    array([1.333, 0.667])
    """

    def __init__(self, eigenvalues, k, step_size, name=None):
        self.eigenvalues = np.asarray(eigenvalues)
        self.k = int(k)
        self.step_size = float(step_size)
        self.name = name
        self.filter_values = landweber_filter(self.eigenvalues, self.step_size, self.k)

    @classmethod
    def from_estimator(cls, estimator, X, *, k=20, step_size=None, name=None):
        """Filter values for the ``H_hat`` a fitted estimator builds on ``X``.

        Parameters
        ----------
        estimator : WendlandFeatures or RandomFeatureRegressor
            Fitted.
        X : array-like of shape (n_samples, n_features)
            Data (usually the training data).
        k : int, default=20
            Gradient steps (the paper's Fig. 3 uses 20).
        step_size : float, default=None
            ``None``: the optimal step of Lemma 4.2 for this ``H_hat``.
        name : str, default=None

        Returns
        -------
        display : LandweberFilterDisplay
        """
        spec = SpectrumDisplay.from_estimator(estimator, X, population=False)
        lam = spec.eigenvalues
        if step_size is None:  # on the numerical range, as the estimators do
            summary = spectral_summary(
                lam, lam.size, estimator.n_components, from_svd=True
            )
            step_size = optimal_step_size(
                summary.lambda_min_nonzero, summary.lambda_max
            )
        return cls(lam, k, step_size, name=name if name is not None else spec.name)

    def plot(self, ax=None, *, name=None, color=None):
        """Filter values against the eigenvalue index, with the line ``f = 1``.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
        name : str, default=None
        color : matplotlib color, default=None

        Returns
        -------
        display : LandweberFilterDisplay
        """
        ax = _get_ax(ax)
        label = name if name is not None else self.name
        j = np.arange(1, self.filter_values.size + 1)
        (self.line_,) = ax.plot(j, self.filter_values, "-", color=color, label=label)
        ax.axhline(1.0, color="black", linestyle="--", linewidth=0.8)
        ax.set_xlabel("index j")
        ax.set_ylabel(rf"$f_{{{self.k}}}(\sigma_j)$")
        return _finish(self, ax, label)
