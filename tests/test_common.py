"""scikit-learn's API contract for every public estimator, in one place.

The estimators are discovered from the package's public names, as
scikit-learn's own ``test_common`` discovers them, so a new estimator is
checked without being listed here. ``EXPECTED_FAILED_CHECKS`` is the one
table of expected failures (``xfail_strict``: an expected failure that
passes fails the suite).
"""

import inspect
import os
import re
import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.datasets import make_regression
from sklearn.preprocessing import StandardScaler, scale
from sklearn.utils._testing import assert_docstring_consistency
from sklearn.utils.estimator_checks import parametrize_with_checks

import sklearn_rfnet
from sklearn_rfnet import RandomFeatureRegressor
from sklearn_rfnet._docstrings import ENTRIES
from sklearn_rfnet.activations import ACTIVATIONS


def _public_estimators():
    """Every estimator class among the package's public names, by name."""
    found = {}
    for name in sklearn_rfnet.__all__:
        obj = getattr(sklearn_rfnet, name)
        if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
            found[name] = obj
    return dict(sorted(found.items()))


ESTIMATORS = _public_estimators()

# check name -> reason, per estimator class name. Every check passes today,
# for default instances and every variant below.
EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {}


def _variants(cls):
    """The default instance, then one instance per activation in the paper's
    setting without bias, Landweber for two activations and Gaussian weights,
    chosen from the parameters the class has (the full product of
    activation x solver x bias with RFNET_RUN_SLOW=1)."""
    params = inspect.signature(cls).parameters
    grid = [{}]
    if "activation" in params:
        grid += [{"activation": a, "bias": False} for a in sorted(ACTIVATIONS)]
    if "solver" in params:
        # early stopping at max_iter (tol=0), as Landweber is used on noisy
        # data; with the default tol every check's data would warn that
        # max_iter was reached (that warning is tested in test_solvers)
        landweber = {"solver": "landweber"}
        if "tol" in params:
            landweber["tol"] = 0.0
        if "cv" in params:  # exact Landweber LOO is O(n^4): test_model_selection
            landweber["cv"] = 3
        grid += [{"activation": a, **landweber} for a in ("relu", "wendland0")]
    if "weights" in params:
        grid.append({"weights": "gaussian"})
    if "precision" in params:  # float32 Gram + float64 refinement
        grid.append({"precision": "mixed"})
    if os.environ.get("RFNET_RUN_SLOW") and {"activation", "solver"} <= set(params):
        grid += [
            {"activation": a, "solver": s, "bias": b}
            for a in sorted(ACTIVATIONS)
            for s in ("direct", "landweber")
            for b in (False, True)
        ]
    return [cls(**p) for p in grid]


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


def test_estimators_are_discovered():
    """The public estimators are found (a discovery that finds nothing
    would check nothing)."""
    assert {
        "WendlandFeatures",
        "RandomFeatureRegressor",
        "RandomFeatureClassifier",
        "RandomFeatureRegressorCV",
        "RandomFeatureClassifierCV",
    } <= set(ESTIMATORS)


# The checks feed degenerate data on purpose (2-D points, constant columns):
# the package's conditioning diagnostics (a LinAlgWarning naming the rank of a
# rank-deficient Z) are right to fire there and are not what the checks test;
# numpy's own RuntimeWarnings stay errors (pyproject.toml).
@pytest.mark.filterwarnings("ignore::scipy.linalg.LinAlgWarning")
@parametrize_with_checks(
    [est for cls in ESTIMATORS.values() for est in _variants(cls)],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_parameter_constraints_match_init(name):
    cls = ESTIMATORS[name]
    assert set(cls._parameter_constraints) == set(inspect.signature(cls).parameters)


# ---------------------------------------------------------------------------
# Documentation: every fitted attribute documented, every documented
# attribute set; shared entries identical everywhere


def _documented_attributes(cls):
    doc = inspect.getdoc(cls)
    block = doc.split("Attributes\n----------\n", 1)[1].split("See Also")[0]
    return set(re.findall(r"^(\w+_) :", block, flags=re.M))


# attributes set only by some parameters: documented, absent otherwise
_ONLY_LANDWEBER = {"loss_curve_", "step_size_"}
_ONLY_DIRECT = {"alpha_"}


def _fitted_attributes(est):
    """Public fitted attributes: set by ``fit``, or lazy properties (the
    population diagnostics, computed on first access)."""
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


def _fit_small(est):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3))
    if isinstance(est, ClassifierMixin):
        y = np.where(X[:, 0] > 0, "a", "b")
    else:
        y = np.sin(X[:, 0]) + 0.1 * rng.normal(size=40)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # landweber at max_iter, small data
        return est.fit(X, None if isinstance(est, TransformerMixin) else y)


@pytest.mark.parametrize("name", list(ESTIMATORS))
@pytest.mark.parametrize("solver", ["direct", "landweber"])
def test_fitted_attributes_documented_and_set(name, solver):
    cls = ESTIMATORS[name]
    has_solver = "solver" in inspect.signature(cls).parameters
    if not has_solver and solver == "landweber":
        pytest.skip("no solver parameter")
    signature = inspect.signature(cls).parameters
    params = {"n_components": 60, "random_state": 0}
    params = {k: v for k, v in params.items() if k in signature}
    if has_solver:
        params["solver"] = solver
    est = _fit_small(cls(**params))
    fitted = _fitted_attributes(est)
    documented = _documented_attributes(cls) - {"feature_names_in_"}
    if has_solver:
        documented -= _ONLY_DIRECT if solver == "landweber" else _ONLY_LANDWEBER
    assert fitted == documented


def test_no_placeholder_left_in_docstrings():
    for cls in ESTIMATORS.values():
        assert not re.search(r"^\s*\{\w+\}\s*$", cls.__doc__, flags=re.M), cls


def test_shared_entries_agree_across_estimators():
    """One text per shared parameter and attribute (scikit-learn's check, as
    Ridge and RidgeCV use it); an estimator that rewrote one would fail."""
    regressors = [c for c in ESTIMATORS.values() if not issubclass(c, ClassifierMixin)]

    def common(names, classes):  # the entries every class of the group has
        def has(cls, name):
            doc = inspect.getdoc(cls)
            return re.search(rf"^{name} :", doc, flags=re.M) is not None

        return [k for k in names if all(has(c, k) for c in classes)]

    # the finite networks share their attributes too; at infinite width
    # (no W, no Z) rank_, lambda_min_, ... describe H and are documented so
    finite = [
        c for c in regressors if "n_components" in inspect.signature(c).parameters
    ]
    models = [c for c in finite if not issubclass(c, TransformerMixin)]
    for group in (regressors, finite, models):
        params = common([k for k in ENTRIES if not k.endswith("_")], group)
        assert params
        assert_docstring_consistency(group, include_params=params)
    for group in (finite, models):
        attrs = common([k for k in ENTRIES if k.endswith("_")], group)
        assert attrs
        assert_docstring_consistency(group, include_attrs=attrs)
    # and the entries are really there, in the estimators that take them
    for cls in regressors:
        doc = inspect.getdoc(cls)
        for name in inspect.signature(cls).parameters:
            if name in ENTRIES:
                assert ENTRIES[name].splitlines()[1].strip() in doc, (cls, name)


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
        warnings.simplefilter("error")  # a well-posed fit is silent
        default = RandomFeatureRegressor(activation=activation, random_state=0)
        forced = RandomFeatureRegressor(
            activation=activation, alpha=0.01, random_state=0
        )
        assert default.fit(X, y).score(X, y) > 0.5
        assert forced.fit(X, y).score(X, y) > 0.5
    assert forced.alpha_ == 0.01 and 0 < default.alpha_ <= 10


ARRAY_API_ESTIMATORS = [
    "WendlandFeatures",
    "RandomFeatureRegressor",
    "RandomFeatureClassifier",
    "RandomFeatureRegressorCV",
    "RandomFeatureClassifierCV",
]


@pytest.mark.parametrize("name", ARRAY_API_ESTIMATORS)
def test_array_api_tag(name):
    """The estimators that compute in the input's namespace say so: with the
    tag, ``test_sklearn_compatible_estimator`` runs scikit-learn's array API
    checks on them (``check_array_api_input`` for array-api-strict and torch
    on every available device, mixed inputs, ``check_array_api_same_namespace``);
    without it, only the numpy smoke check."""
    from sklearn.utils import get_tags

    assert get_tags(ESTIMATORS[name]()).array_api_support is True
