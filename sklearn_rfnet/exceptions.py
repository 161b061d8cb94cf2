"""Warnings emitted by sklearn_rfnet.

Each names a condition of the paper's linear algebra, so that it can be
filtered on its own (``warnings.simplefilter("ignore", UnderParameterizedWarning)``).
"""

from scipy.linalg import LinAlgWarning
from sklearn.exceptions import ConvergenceWarning

__all__ = [
    "ConvergenceWarning",
    "InterpolationPeakWarning",
    "RankDeficiencyWarning",
    "UnderParameterizedWarning",
]


class RankDeficiencyWarning(LinAlgWarning):
    """``Z = gamma(XW)/sqrt(m)`` is numerically rank deficient.

    Zero training loss is then impossible for targets with a component outside
    the range of ``Z`` (Theorem 2.2, Corollary 2.3); the solvers return the
    minimum-norm least-squares solution.

    Examples
    --------
    >>> import numpy as np
    >>> import pytest
    >>> from sklearn_rfnet import RandomFeatureRegressor, RankDeficiencyWarning
    >>> from sklearn_rfnet.datasets import make_bad_points
    >>> reg = RandomFeatureRegressor(  # the paper's interpolant, no biases
    ...     100, activation="relu", bias=False, alpha=0.0, fit_intercept=False,
    ...     random_state=0)
    >>> with pytest.warns(RankDeficiencyWarning, match="numerical rank 7"):
    ...     reg = reg.fit(make_bad_points(3), np.arange(8.0))
    >>> reg.rank_
    7
    """


class InterpolationPeakWarning(UserWarning):
    """The minimum-norm interpolant sits at the interpolation peak.

    With ``alpha=0`` and a width ``m`` close to the number of samples ``n``
    (``n / 2 <= m <= 2 n``) the smallest singular values of ``Z`` are far
    below their infinite-width limit, and the minimum-norm solution
    amplifies the noise of the targets by the inverse of the smallest: the
    test error peaks there ("double descent"). Measured on diabetes
    (wendland0, bias, no intercept): test R^2 -3709 at ``m = n``, -0.59 at
    ``m = 10 n``. Emitted when, in addition, the condition number of the Gram
    matrix is over 100 times that of the population matrix ``H`` (or over
    ``1e8`` when ``H`` is not computed).

    Examples
    --------
    >>> import numpy as np
    >>> import pytest
    >>> from sklearn_rfnet import InterpolationPeakWarning, RandomFeatureRegressor
    >>> X = np.random.RandomState(0).normal(size=(200, 5))
    >>> y = X[:, 0] + 0.1 * np.random.RandomState(1).normal(size=200)
    >>> reg = RandomFeatureRegressor(200, alpha=0.0, random_state=0)
    >>> with pytest.warns(InterpolationPeakWarning, match="alpha='auto'"):
    ...     reg = reg.fit(X, y)
    """


class UnderParameterizedWarning(UserWarning):
    """Deprecated: no longer emitted.

    Fits with a width smaller than the number of samples (``m < n``) were
    warned about up to version 0.1. They now solve the primal least-squares
    problem (``m x m`` Gram matrix ``Z^T Z``, the classic random-features
    regime), where there is nothing to act on. The class stays importable so
    that existing warning filters keep working; it will be removed in 0.3.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sklearn_rfnet import RandomFeatureRegressor, UnderParameterizedWarning
    >>> X = np.random.RandomState(0).normal(size=(30, 3))
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error", UnderParameterizedWarning)
    ...     reg = RandomFeatureRegressor(10, random_state=0).fit(X, X[:, 0])
    >>> reg.rank_, reg.solver_  # [Z, 1]: 10 features and the intercept
    (11, 'primal-eigh-loo')
    """
