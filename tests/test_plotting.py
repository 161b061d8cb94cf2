"""Displays, drawn headless (Agg backend set in conftest)."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from sklearn_rfnet import RandomFeatureRegressor, WendlandFeatures
from sklearn_rfnet.diagnostics import landweber_filter
from sklearn_rfnet.plotting import (
    ConditioningDisplay,
    LandweberFilterDisplay,
    LossCurveDisplay,
    SpectrumDisplay,
)
from sklearn_rfnet.population import population_gram


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _X(n=25, d=4, seed=0):
    X = np.random.RandomState(seed).normal(size=(n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def test_conditioning_display_values_and_artists():
    X = _X()
    disp = ConditioningDisplay.from_data(
        X, widths=[25, 100], activation="wendland2", n_repeats=3, random_state=0
    )
    # each value is kappa(H_hat) for one draw of W: recompute the first one,
    # whose seed is random_state itself (the estimator's weights)
    Z = WendlandFeatures(
        25, activation="wendland2", bias=False, zeta=None, random_state=0
    ).fit_transform(X)
    sv = np.linalg.svd(Z, compute_uv=False)  # kappa ~ 1e11: not from Z Z^T
    assert disp.condition_numbers[0, 0] == pytest.approx(
        (sv[0] / sv[-1]) ** 2, rel=1e-6
    )
    lam_pop = np.linalg.eigvalsh(population_gram(X, "wendland2"))
    assert disp.population_condition_number == pytest.approx(
        lam_pop[-1] / lam_pop[0], rel=1e-8
    )
    # wider layers are better conditioned on average (Lemma 2.5)
    assert np.median(disp.condition_numbers[1]) < np.median(disp.condition_numbers[0])
    disp.plot()
    assert disp.figure_ is disp.ax_.figure
    np.testing.assert_allclose(disp.line_.get_xdata(), [25, 100])
    assert disp.population_line_.get_linestyle() == "--"
    assert disp.ax_.get_yscale() == "log"


def test_conditioning_display_ax_reuse_and_singular_case():
    from sklearn_rfnet.datasets import make_bad_points

    X = make_bad_points(3)
    fig, ax = plt.subplots()
    relu = ConditioningDisplay.from_data(
        X, widths=[50], activation="relu", n_repeats=2, random_state=0
    ).plot(ax=ax)
    wend = ConditioningDisplay.from_data(
        X, widths=[50], activation="wendland0", n_repeats=2, random_state=0
    ).plot(ax=ax)
    assert relu.ax_ is wend.ax_ is ax
    assert len(ax.get_lines()) >= 3  # two medians and at least one kappa(H)
    # Theorem 3.1: H singular for ReLU on these points -> no dashed line
    assert relu.population_condition_number > 1e12 or np.isinf(
        relu.population_condition_number
    )
    assert np.all(relu.condition_numbers > 1e12)
    assert np.all(wend.condition_numbers < 1e6)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["relu", "wendland0"]


def test_conditioning_from_estimator_uses_its_parameters():
    X = _X()
    est = RandomFeatureRegressor(activation="relu", bias=True)
    a = ConditioningDisplay.from_estimator(
        est, X, widths=[40], n_repeats=2, population=False, random_state=3
    )
    b = ConditioningDisplay.from_data(
        X,
        widths=[40],
        activation="relu",
        bias=True,
        n_repeats=2,
        population=False,
        random_state=3,
    )
    np.testing.assert_array_equal(a.condition_numbers, b.condition_numbers)
    assert a.population_condition_number is None
    a.plot()
    assert a.population_line_ is None


def test_loss_curve_display():
    X = _X()
    reg = RandomFeatureRegressor(
        200, solver="landweber", max_iter=300, tol=0, random_state=0
    ).fit(X, X[:, 0])
    disp = LossCurveDisplay.from_estimator(reg)
    assert disp.name == "wendland0"
    np.testing.assert_array_equal(disp.loss_curve, reg.loss_curve_)
    disp.plot()
    # log step axis starts at k = 1
    np.testing.assert_array_equal(disp.line_.get_xdata(), np.arange(1, 301))
    fig, ax = plt.subplots()
    disp.plot(ax=ax, log_steps=False, name="early")
    assert disp.ax_ is ax and ax.get_xscale() == "linear"
    assert disp.line_.get_xdata()[0] == 0


def test_loss_curve_display_needs_landweber():
    reg = RandomFeatureRegressor(30).fit(_X(), _X()[:, 0])
    with pytest.raises(ValueError, match="solver='landweber'"):
        LossCurveDisplay.from_estimator(reg)


def test_spectrum_and_filter_displays():
    X = _X()
    reg = RandomFeatureRegressor(300, activation="wendland2", random_state=0)
    reg.fit(X, X[:, 1])
    spec = SpectrumDisplay.from_estimator(reg, X)
    assert spec.eigenvalues[0] == pytest.approx(reg.lambda_max_, rel=1e-10)
    assert spec.eigenvalues[-1] == pytest.approx(reg.lambda_min_, rel=1e-6)
    assert np.all(np.diff(spec.eigenvalues) <= 0)
    assert spec.population_eigenvalues[-1] == pytest.approx(
        reg.population_lambda_min_, rel=1e-8
    )
    fig, (ax1, ax2) = plt.subplots(1, 2)
    spec.plot(ax=ax1)
    assert spec.population_line_.get_linestyle() == "--"
    np.testing.assert_allclose(spec.line_.get_ydata()[0], 1.0)  # normalized
    filt = LandweberFilterDisplay.from_estimator(reg, X, k=20)
    eta = 2 / (reg.lambda_min_ + reg.lambda_max_)
    assert filt.step_size == pytest.approx(eta, rel=1e-6)
    np.testing.assert_allclose(
        filt.filter_values,
        landweber_filter(spec.eigenvalues, eta, 20),
        rtol=1e-6,
        atol=1e-9,
    )
    filt.plot(ax=ax2)
    # the estimator fits an intercept: n - 1 = 24 eigenvalues of P H_hat P
    assert filt.ax_ is ax2 and filt.line_.get_ydata().shape == (24,)


def test_kappa_is_the_estimators_condition_number():
    # one definition of kappa: the displays' is the estimators'
    X = _X()
    reg = RandomFeatureRegressor(
        60, activation="wendland0", fit_intercept=False, random_state=0
    ).fit(X, X[:, 0])
    spec = SpectrumDisplay.from_estimator(reg, X)
    assert spec.eigenvalues[0] / spec.eigenvalues[-1] == pytest.approx(
        reg.condition_number_, rel=1e-8
    )
    disp = ConditioningDisplay.from_estimator(
        reg, X, widths=[60], n_repeats=1, random_state=0
    )
    assert disp.condition_numbers[0, 0] == pytest.approx(
        reg.condition_number_, rel=1e-8
    )  # same draw of W: random_state=0 is the estimator's
    assert disp.population_condition_number == pytest.approx(
        reg.population_condition_number_, rel=1e-12
    )


def test_conditioning_display_marks_singular_widths():
    from sklearn_rfnet.datasets import make_bad_points

    X = make_bad_points(3)
    relu = ConditioningDisplay.from_data(
        X, widths=[20, 50], activation="relu", n_repeats=3, random_state=0
    )
    # Theorem 2.2: H_hat is singular for every W, numerically too
    assert np.all(np.isinf(relu.condition_numbers))
    assert np.isinf(relu.population_condition_number)  # Theorem 3.1
    relu.plot()
    np.testing.assert_array_equal(relu.singular_markers_.get_xdata(), [20, 50])
    assert np.all(np.isnan(relu.line_.get_ydata()))
    wend = ConditioningDisplay.from_data(
        X, widths=[20, 50], activation="wendland0", n_repeats=3, random_state=0
    ).plot()
    assert wend.singular_markers_ is None
    # a second singular display on the same axes gets its own row of crosses
    swish = ConditioningDisplay.from_data(
        X, widths=[20, 50], activation="swish", n_repeats=3, random_state=0
    ).plot(ax=relu.ax_)
    y_relu = relu.singular_markers_.get_ydata()
    assert np.all(swish.singular_markers_.get_ydata() < y_relu)


def test_spectrum_from_cv_estimator_uses_the_chosen_zeta():
    from sklearn_rfnet.model_selection import RandomFeatureRegressorCV

    X = _X()
    cv = RandomFeatureRegressorCV(
        80, activation="wendland2", zetas=[1.2, 3.0], random_state=0
    ).fit(X, X[:, 0])
    spec = SpectrumDisplay.from_estimator(cv, X)
    from sklearn_rfnet.features import prepare_inputs

    Xt = prepare_inputs(X, bias=cv.bias_)
    H = population_gram(Xt, "wendland2", zeta=cv.zeta_)
    assert cv.zeta != cv.zeta_  # the parameter ("scale") is not what was used
    np.testing.assert_allclose(
        spec.population_eigenvalues, np.linalg.eigvalsh(H)[::-1], rtol=1e-10
    )


def test_plotting_uses_public_api_only():
    # no private attribute of another object and no private module: the
    # displays are built from what a user can call
    import ast
    import inspect

    import sklearn_rfnet.plotting as plotting

    tree = ast.parse(inspect.getsource(plotting))
    private = [
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
        and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
    ]
    assert private == []
    modules = [
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    ]
    modules = [m for m in modules if m != "__future__"]
    assert not [m for m in modules if any(p.startswith("_") for p in m.split("."))]
