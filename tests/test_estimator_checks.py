"""scikit-learn's API contract, for every activation and both solvers."""

import inspect
import re
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_regression
from sklearn.preprocessing import StandardScaler, scale
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_rfnet import (
    RandomFeatureRegressor,
    UnderParameterizedWarning,
    WendlandFeatures,
)
from sklearn_rfnet.activations import ACTIVATIONS


def _instances():
    for activation in sorted(ACTIVATIONS):
        yield WendlandFeatures(activation=activation)
        yield WendlandFeatures(activation=activation, bias=True, weights="gaussian")
        for solver in ("direct", "landweber"):
            yield RandomFeatureRegressor(activation=activation, solver=solver)
            yield RandomFeatureRegressor(
                activation=activation, solver=solver, bias=True
            )
    yield RandomFeatureRegressor(precision="mixed")  # float32 Gram + refinement


@parametrize_with_checks(list(_instances()))
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("activation", ["wendland0", "wendland2"])
def test_regressors_train_data_fitted_with_the_checks_alpha(activation):
    """check_regressors_train forces alpha=0.01: relative to phi(1), a mild
    ridge (it wiped out the fit when alpha was absolute, the eigenvalues of
    H_hat being 1e-6..1e-3 for Wendland features in d = 10)."""
    X, y = make_regression(
        n_samples=200,
        n_features=10,
        n_informative=1,
        bias=5.0,
        noise=20,
        random_state=42,
    )
    X, y = StandardScaler().fit_transform(X), scale(y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnderParameterizedWarning)  # gone: m < n
        default = RandomFeatureRegressor(activation=activation, random_state=0)
        forced = RandomFeatureRegressor(
            activation=activation, alpha=0.01, random_state=0
        )
        assert default.fit(X, y).score(X, y) > 0.5
        assert forced.fit(X, y).score(X, y) > 0.5
    assert forced.alpha_ == 0.01 and 0 < default.alpha_ <= 10


def _documented_attributes(cls):
    doc = inspect.getdoc(cls)
    block = doc.split("Attributes\n----------\n", 1)[1].split("See Also")[0]
    return set(re.findall(r"^(\w+_) :", block, flags=re.M))


def _fitted_attributes(est):
    """Public fitted attributes: set by ``fit``, or lazy properties (population)."""
    lazy = {
        k
        for c in type(est).__mro__
        for k, v in vars(c).items()
        if isinstance(v, property)
        and k.endswith("_")
        and not k.startswith("_")
        and hasattr(est, k)
    }
    fitted = {k for k in vars(est) if k.endswith("_") and not k.startswith("_")}
    return fitted | lazy


@pytest.mark.parametrize("solver", ["direct", "landweber"])
def test_fitted_attributes_documented_and_set(solver, sphere_data):
    """Every fitted attribute documented, every documented attribute set."""
    X, y = sphere_data
    reg = RandomFeatureRegressor(n_components=60, solver=solver, random_state=0)
    reg.fit(X, y)
    fitted = _fitted_attributes(reg)
    documented = _documented_attributes(RandomFeatureRegressor)
    documented.discard("feature_names_in_")  # only with string feature names
    only_landweber = {"loss_curve_", "step_size_"}
    only_direct = {"alpha_"}
    expected = documented - (only_direct if solver == "landweber" else only_landweber)
    assert fitted == expected


def test_transformer_attributes_documented_and_set():
    tr = WendlandFeatures(n_components=5).fit(np.ones((3, 2)))
    fitted = {k for k in vars(tr) if k.endswith("_") and not k.startswith("_")}
    documented = _documented_attributes(WendlandFeatures) - {"feature_names_in_"}
    assert fitted == documented
