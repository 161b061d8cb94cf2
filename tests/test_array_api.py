"""scikit-learn's array API: fits and outputs in the input's namespace.

Each fit on array-api-strict (or torch, where installed) arrays under
``array_api_dispatch=True`` is compared with its numpy twin: the same
weights bit for bit, the same coefficients and outputs to 1e-10 relative in
float64, arrays in the input's namespace and on its device. The numpy path is
unchanged by the dispatch (bit for bit).
"""

import warnings

import numpy as np
import pytest
import sklearn
from sklearn.utils._array_api import get_namespace_and_device, move_to

from sklearn_rfnet import (
    RandomFeatureClassifier,
    RandomFeatureClassifierCV,
    RandomFeatureRegressor,
    RandomFeatureRegressorCV,
    WendlandFeatures,
    _xp,
)
from sklearn_rfnet.exceptions import InterpolationPeakWarning, RankDeficiencyWarning

xps = pytest.importorskip("array_api_strict")

try:
    with sklearn.config_context(array_api_dispatch=True):
        pass
except RuntimeError as exc:  # SCIPY_ARRAY_API unset before scipy's import
    pytest.skip(str(exc), allow_module_level=True)


def _combos():
    """(namespace name, device name, dtype name) to test on."""
    out = [("array_api_strict", "CPU_DEVICE", "float64")]
    out.append(("array_api_strict", "device1", "float32"))
    out += [("torch", "cpu", "float64"), ("torch", "cpu", "float32")]
    return out


def _namespace(name, device):
    if name == "torch":
        torch = pytest.importorskip("torch")
        return torch, torch.device(device)
    return xps, xps.Device(device)


def _to(a, xp, dev):
    return xp.asarray(a, device=dev)


def host(a):
    if isinstance(a, np.ndarray | float):
        return a
    return np.asarray(move_to(a, xp=np, device="cpu"))


def assert_in(a, xp, dev):
    """``a`` is an array of ``xp`` on ``dev``."""
    with sklearn.config_context(array_api_dispatch=True):
        a_xp, _, a_dev = get_namespace_and_device(a)
    assert a_xp.__name__ == xp.__name__ or xp.__name__ in a_xp.__name__
    assert a_dev == dev


def rel(a, b):
    a, b = np.asarray(host(a), dtype=np.float64), np.asarray(host(b), np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a)), 1e-300))


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 5))
    y = np.sin(2 * X[:, 0]) + X[:, 1] * X[:, 2] + 0.05 * rng.normal(size=40)
    labels = (X[:, 0] > 0).astype(np.int64) + (X[:, 1] > 0.5)
    return X, y, labels


def _fit_both(est, X, y, xp, dev):
    """(numpy fit, xp fit under dispatch) of clones of ``est``."""
    ref = sklearn.clone(est).fit(X, y)
    with sklearn.config_context(array_api_dispatch=True):
        twin = sklearn.clone(est).fit(_to(X, xp, dev), _to(y, xp, dev))
    return ref, twin


SOLVERS = [
    {"alpha": 1e-3},
    {"alpha": "auto"},
    {"solver": "landweber", "tol": 0.0, "max_iter": 200},
]


@pytest.mark.parametrize("ns", ["array_api_strict", "torch"])
@pytest.mark.parametrize("m", [200, 20], ids=["dual", "primal"])
@pytest.mark.parametrize("params", SOLVERS, ids=["ridge", "auto", "landweber"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_regressor_matches_numpy(data, ns, m, params, fit_intercept):
    xp, dev = _namespace(ns, "CPU_DEVICE" if ns == "array_api_strict" else "cpu")
    X, y, _ = data
    est = RandomFeatureRegressor(
        n_components=m, fit_intercept=fit_intercept, random_state=0, **params
    )
    ref, twin = _fit_both(est, X, y, xp, dev)
    Xx = _to(X, xp, dev)
    with sklearn.config_context(array_api_dispatch=True):
        pred = twin.predict(Xx)
    assert_in(pred, xp, dev)
    for name in ("coef_", "random_weights_"):
        assert_in(getattr(twin, name), xp, dev)
    assert rel(ref.predict(X), pred) < 1e-10
    assert rel(ref.coef_, twin.coef_) < 1e-10
    # intercept_ = mean(y) - mean(Z)^T coef_ cancels (bias="scale": every
    # feature has a large mean), so its error is relative to that sum
    size = max(abs(ref.intercept_), np.max(np.abs(y)))
    assert abs(ref.intercept_ - twin.intercept_) <= 1e-9 * size
    assert twin.solver_ == ref.solver_
    assert twin.solver_.startswith("dual" if m >= 40 else "primal")
    assert twin.rank_ == ref.rank_
    for name in ("lambda_min_", "lambda_max_", "condition_number_"):
        assert getattr(twin, name) == pytest.approx(getattr(ref, name), rel=1e-8)
    # the same weights on every device: drawn with numpy, moved once
    np.testing.assert_array_equal(host(twin.random_weights_), ref.random_weights_)
    if "solver" in params:
        assert twin.n_iter_ == ref.n_iter_
        assert_in(twin.loss_curve_, xp, dev)
        assert rel(ref.loss_curve_, twin.loss_curve_) < 1e-10
    else:
        assert twin.alpha_ == ref.alpha_


@pytest.mark.parametrize("m", [200, 20], ids=["dual", "primal"])
@pytest.mark.parametrize("params", SOLVERS, ids=["ridge", "auto", "landweber"])
def test_blocked_features_match_numpy(data, m, params, monkeypatch):
    """Z not held: width blocks (dual) and row chunks (primal) of 64 entries."""
    monkeypatch.setattr(_xp, "_BLOCK_ELEMENTS", 64)
    xp, dev = xps, xps.Device("CPU_DEVICE")
    X, y, _ = data
    est = RandomFeatureRegressor(n_components=m, random_state=1, **params)
    ref, twin = _fit_both(est, X, y, xp, dev)
    with sklearn.config_context(array_api_dispatch=True):
        pred = twin.predict(_to(X, xp, dev))
    assert rel(ref.predict(X), pred) < 1e-10


def test_multi_target_regression(data):
    xp, dev = xps, xps.Device("CPU_DEVICE")
    X, y, _ = data
    Y = np.column_stack([y, np.cos(X[:, 3])])
    ref, twin = _fit_both(RandomFeatureRegressor(random_state=0), X, Y, xp, dev)
    assert_in(twin.intercept_, xp, dev)
    assert twin.coef_.shape == ref.coef_.shape
    with sklearn.config_context(array_api_dispatch=True):
        pred = twin.predict(_to(X, xp, dev))
    assert pred.shape == (40, 2)
    assert rel(ref.predict(X), pred) < 1e-10


@pytest.mark.parametrize("ns,device,dtype", _combos())
def test_precision_preserved(data, ns, device, dtype):
    xp, dev = _namespace(ns, device)
    X, y, _ = data
    X = X.astype(dtype)
    # bias=1: the wider default bias="scale" leaves H_hat too ill-conditioned
    # here (2e5) for float32 fits to agree to 1e-3 (each is within eps32 kappa)
    est = RandomFeatureRegressor(bias=True, random_state=0)
    ref, twin = _fit_both(est, X, y, xp, dev)
    with sklearn.config_context(array_api_dispatch=True):
        pred = twin.predict(_to(X, xp, dev))
    assert host(twin.coef_).dtype == np.dtype(dtype)
    assert host(pred).dtype == np.dtype(dtype)
    assert rel(ref.predict(X), pred) < (1e-10 if dtype == "float64" else 1e-3)


@pytest.mark.parametrize("ns", ["array_api_strict", "torch"])
@pytest.mark.parametrize("solver", ["direct", "landweber"])
def test_classifier_matches_numpy(data, ns, solver):
    xp, dev = _namespace(ns, "CPU_DEVICE" if ns == "array_api_strict" else "cpu")
    X, _, labels = data
    for y in (labels, labels % 2):  # three classes, then two
        est = RandomFeatureClassifier(solver=solver, tol=0.0, random_state=0)
        ref, twin = _fit_both(est, X, y, xp, dev)
        Xx = _to(X, xp, dev)
        with sklearn.config_context(array_api_dispatch=True):
            scores = twin.decision_function(Xx)
            pred = twin.predict(Xx)
            score = twin.score(Xx, _to(y, xp, dev))
        assert_in(scores, xp, dev)
        assert_in(pred, xp, dev)
        assert rel(ref.decision_function(X), scores) < 1e-10
        np.testing.assert_array_equal(host(pred), ref.predict(X))
        assert score == pytest.approx(ref.score(X, y))
        np.testing.assert_array_equal(twin.classes_, ref.classes_)


def test_classifier_string_labels(data):
    """Labels that no array library holds come back as numpy."""
    X, _, labels = data
    y = np.array(["a", "b", "c"])[labels]
    xp, dev = xps, xps.Device("CPU_DEVICE")
    ref = RandomFeatureClassifier(random_state=0).fit(X, y)
    with sklearn.config_context(array_api_dispatch=True):
        twin = RandomFeatureClassifier(random_state=0).fit(_to(X, xp, dev), y)
        pred = twin.predict(_to(X, xp, dev))
    assert isinstance(pred, np.ndarray)
    np.testing.assert_array_equal(pred, ref.predict(X))


CV_CASES = [
    (RandomFeatureRegressorCV, {}),
    (RandomFeatureRegressorCV, {"solver": "landweber", "cv": 3}),
    (RandomFeatureRegressorCV, {"fit_intercept": False, "cv": 4}),
    (RandomFeatureRegressorCV, {"zetas": "auto"}),
    (RandomFeatureClassifierCV, {}),
    (RandomFeatureClassifierCV, {"solver": "landweber", "cv": 3}),
]


@pytest.mark.parametrize("cls,params", CV_CASES)
def test_cv_estimators_match_numpy(data, cls, params):
    xp, dev = xps, xps.Device("CPU_DEVICE")
    X, y, labels = data
    target = labels if cls is RandomFeatureClassifierCV else y
    est = cls(n_components=150, random_state=0, **params)
    ref, twin = _fit_both(est, X, target, xp, dev)
    Xx = _to(X, xp, dev)
    method = "decision_function" if hasattr(ref, "decision_function") else "predict"
    with sklearn.config_context(array_api_dispatch=True):
        out = getattr(twin, method)(Xx)
    assert_in(out, xp, dev)
    assert_in(twin.coef_, xp, dev)
    assert rel(getattr(ref, method)(X), out) < 1e-10
    assert twin.best_index_ == ref.best_index_
    # the fold errors of the widest bias constant (biases="auto") come from
    # an H_hat with kappa ~1e7: rounding of the two Grams, times kappa
    np.testing.assert_allclose(
        twin.cv_results_["mean_squared_error"],
        ref.cv_results_["mean_squared_error"],
        rtol=1e-8,
    )


@pytest.mark.parametrize("ns,device,dtype", _combos())
@pytest.mark.parametrize("activation", ["wendland0", "wendland2", "relu", "swish"])
def test_transform_matches_numpy(data, ns, device, dtype, activation):
    xp, dev = _namespace(ns, device)
    X = data[0].astype(dtype)
    est = WendlandFeatures(n_components=300, activation=activation, random_state=3)
    Z = est.fit(X).transform(X)
    with sklearn.config_context(array_api_dispatch=True):
        twin = sklearn.clone(est).fit(_to(X, xp, dev))
        Zx = twin.transform(_to(X, xp, dev))
    assert_in(Zx, xp, dev)
    assert_in(twin.random_weights_, xp, dev)
    np.testing.assert_array_equal(host(twin.random_weights_), est.random_weights_)
    assert host(Zx).dtype == Z.dtype
    assert rel(Z, Zx) < (1e-12 if dtype == "float64" else 1e-5)


def test_swish_extreme_inputs_stay_finite():
    """The xp swish clips the exponent as the numpy kernel does."""
    from sklearn_rfnet.activations import get_activation

    act = get_activation("swish", d=3)
    z = np.array([-1e4, -800.0, -1.0, 0.0, 1.0, 800.0, 1e4])
    out = _xp.activate(act, xps.asarray(z), xps)
    np.testing.assert_allclose(host(out), act(z.copy()), rtol=1e-15)


def test_user_activation_receives_xp_array(data):
    """A callable gets the xp array (the array's own operators work)."""
    X, y, _ = data
    seen = []

    def square(z):
        seen.append(type(z).__module__)
        return z * z

    xp, dev = xps, xps.Device("CPU_DEVICE")
    est = RandomFeatureRegressor(activation=square, alpha=1e-2, random_state=0)
    ref, twin = _fit_both(est, X, y, xp, dev)
    assert any(mod.startswith("array_api_strict") for mod in seen)
    with sklearn.config_context(array_api_dispatch=True):
        pred = twin.predict(_to(X, xp, dev))
    assert rel(ref.predict(X), pred) < 1e-10


def test_ill_conditioned_falls_back_to_eigh(data):
    """Duplicated rows: singular Gram, the eigh pseudo-inverse (min norm)."""
    X, y, _ = data
    X2, y2 = np.vstack([X, X[:5]]), np.concatenate([y, y[:5]])
    est = RandomFeatureRegressor(n_components=400, alpha=0.0, random_state=0)
    xp, dev = xps, xps.Device("CPU_DEVICE")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RankDeficiencyWarning)
        ref, twin = _fit_both(est, X2, y2, xp, dev)
    assert twin.solver_ == "dual-eigh"
    assert twin.rank_ == ref.rank_
    with sklearn.config_context(array_api_dispatch=True):
        pred = twin.predict(_to(X2, xp, dev))
    # both are the minimum-norm least-squares solution (numpy by TSQR + LSQR)
    assert rel(ref.predict(X2), pred) < 1e-6
    assert rel(ref.coef_, twin.coef_) < 1e-6


def test_rank_deficiency_warned(data):
    X, y, _ = data
    X2, y2 = np.vstack([X, X[:5]]), np.concatenate([y, y[:5]])
    with sklearn.config_context(array_api_dispatch=True):
        est = RandomFeatureRegressor(n_components=400, alpha=0.0, random_state=0)
        with pytest.warns(RankDeficiencyWarning):
            est.fit(xps.asarray(X2), xps.asarray(y2))


def test_population_diagnostics_from_host_copy(data):
    X, y, _ = data
    xp, dev = xps, xps.Device("CPU_DEVICE")
    ref, twin = _fit_both(RandomFeatureRegressor(random_state=0), X, y, xp, dev)
    assert twin.population_lambda_min_ == pytest.approx(
        ref.population_lambda_min_, rel=1e-12
    )
    assert twin.required_width_ == pytest.approx(ref.required_width_, rel=1e-12)


def test_numpy_path_unchanged_under_dispatch(data):
    """numpy input: the same bits with and without dispatch."""
    X, y, _ = data
    for params in SOLVERS:
        est = RandomFeatureRegressor(random_state=0, **params)
        ref = sklearn.clone(est).fit(X, y)
        with sklearn.config_context(array_api_dispatch=True):
            twin = sklearn.clone(est).fit(X, y)
            pred = twin.predict(X)
        assert isinstance(twin.coef_, np.ndarray)
        np.testing.assert_array_equal(twin.coef_, ref.coef_)
        np.testing.assert_array_equal(pred, ref.predict(X))


def test_dispatch_off_converts_torch_to_numpy(data):
    """Without dispatch, torch CPU input goes through numpy as before."""
    torch = pytest.importorskip("torch")
    X, y, _ = data
    ref = RandomFeatureRegressor(random_state=0).fit(X, y)
    est = RandomFeatureRegressor(random_state=0).fit(torch.asarray(X), torch.asarray(y))
    assert isinstance(est.coef_, np.ndarray)
    np.testing.assert_array_equal(est.coef_, ref.coef_)


def test_other_namespace_at_predict_raises(data):
    X, y, _ = data
    with sklearn.config_context(array_api_dispatch=True):
        est = RandomFeatureRegressor(random_state=0).fit(xps.asarray(X), xps.asarray(y))
        with pytest.raises(ValueError, match="must use the same namespace"):
            est.predict(X)
        wf = WendlandFeatures(random_state=0).fit(xps.asarray(X))
        with pytest.raises(ValueError, match="must use the same namespace"):
            wf.transform(X)


def test_nonfinite_input_raises_and_input_untouched(data):
    X, y, _ = data
    Xx, yx = xps.asarray(X), xps.asarray(y)
    before = host(Xx).copy()
    with sklearn.config_context(array_api_dispatch=True):
        RandomFeatureRegressor(random_state=0).fit(Xx, yx)
        np.testing.assert_array_equal(host(Xx), before)
        bad = X.copy()
        bad[3, 2] = np.nan
        with pytest.raises(ValueError, match="NaN"):
            RandomFeatureRegressor(random_state=0).fit(xps.asarray(bad), yx)


def test_mixed_namespace_targets(data):
    """y of another namespace (numpy here) follows X's device."""
    X, y, _ = data
    ref = RandomFeatureRegressor(random_state=0).fit(X, y)
    with sklearn.config_context(array_api_dispatch=True):
        twin = RandomFeatureRegressor(random_state=0).fit(xps.asarray(X), y)
    assert_in(twin.coef_, xps, xps.Device("CPU_DEVICE"))
    assert rel(ref.coef_, twin.coef_) < 1e-10


@pytest.mark.parametrize("ns", ["array_api_strict", "torch"])
@pytest.mark.parametrize("m", [400, 30], ids=["dual", "primal"])
@pytest.mark.parametrize("alpha", [0.0, 1e-3])
def test_lanczos_extremes_match_eigvalsh(data, ns, m, alpha, monkeypatch):
    """Above _DENSE_SPECTRUM_MAX the direct solver factors first and takes
    lambda_min, lambda_max by Lanczos on the device: the same diagnostics
    and coefficients as numpy's full eigvalsh."""
    from sklearn_rfnet import _xp_solvers

    monkeypatch.setattr(_xp_solvers, "_DENSE_SPECTRUM_MAX", 8)
    calls = []
    lanczos = _xp_solvers._lanczos_max
    monkeypatch.setattr(
        _xp_solvers,
        "_lanczos_max",
        lambda *a: calls.append(1) or lanczos(*a),
    )
    xp, dev = _namespace(ns, "CPU_DEVICE" if ns == "array_api_strict" else "cpu")
    X, y, _ = data
    # bias=1: kappa below the Cholesky limit at alpha = 0 (the path tested)
    est = RandomFeatureRegressor(n_components=m, alpha=alpha, bias=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InterpolationPeakWarning)
        ref, twin = _fit_both(est, X, y, xp, dev)
    assert len(calls) == 2  # lambda_max, then lambda_min through the factor
    assert twin.solver_ == ref.solver_
    for name in ("lambda_min_", "lambda_max_", "condition_number_"):
        assert getattr(twin, name) == pytest.approx(getattr(ref, name), rel=1e-8)
    assert twin.rank_ == ref.rank_
    assert rel(ref.coef_, twin.coef_) < 1e-10


@pytest.mark.parametrize("name", ["wendland0", "wendland2", "relu", "swish"])
@pytest.mark.parametrize("zeta", [None, "scale", 0.9])
def test_builtin_activations_in_namespace(name, zeta):
    """Each built-in activation's xp form equals its in-place numpy kernel,
    inside [-1, 1] and beyond it (Gaussian weights, rounding)."""
    from sklearn_rfnet.activations import get_activation

    act = get_activation(name, d=7, zeta=zeta)
    z = np.linspace(-3.0, 3.0, 6001)
    out = _xp.activate(act, xps.asarray(z), xps)
    assert isinstance(out, type(xps.asarray(z)))
    np.testing.assert_allclose(host(out), act(z.copy()), rtol=1e-13, atol=1e-300)
