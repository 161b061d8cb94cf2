"""RandomFeatureRegressorCV: every cross-validation error against brute-force refits."""

import warnings

import numpy as np
import pytest
from scipy import linalg
from sklearn.datasets import make_regression
from sklearn.model_selection import KFold, LeaveOneOut, ShuffleSplit
from sklearn.preprocessing import StandardScaler, scale

from sklearn_rfnet import (
    RandomFeatureRegressor,
    UnderParameterizedWarning,
    WendlandFeatures,
)
from sklearn_rfnet.activations import get_activation
from sklearn_rfnet.features import resolve_bias
from sklearn_rfnet.model_selection import RandomFeatureRegressorCV

M = 200  # width of the small problems: m > n, H_hat well conditioned


def _data(n=25, d=5, seed=0, n_targets=None):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d))
    Xs = X / np.linalg.norm(X, axis=1, keepdims=True)
    y = np.sin(3 * Xs[:, 0]) + Xs[:, 1] * Xs[:, 2] + 0.2 * rng.normal(size=n)
    if n_targets:
        y = np.c_[y, np.cos(2 * Xs[:, 3]) + 0.2 * rng.normal(size=n)]
    return X, y


def _regressor(**params):
    """A RandomFeatureRegressor without the population diagnostics (not needed)."""
    reg = RandomFeatureRegressor(**params)
    if "population_diagnostics" in reg.get_params():
        reg.set_params(population_diagnostics=False)
    return reg


def _cv(**params):
    return RandomFeatureRegressorCV(population_diagnostics=False, **params)


def _refit_errors(X, y, splits, **params):
    """Mean squared test error of RandomFeatureRegressor refitted on each split.

    Pass the CV estimator's ``bias_``: ``bias="scale"`` resolved on a subset
    would be another constant (the CV estimator's folds share its ``H_hat``).
    """
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. m < n on a subset
        for train, test in splits:
            reg = _regressor(**params).fit(X[train], y[train])
            out.append(np.mean((reg.predict(X[test]) - y[test]) ** 2))
    return np.array(out)


def _loo(n):
    return list(LeaveOneOut().split(np.zeros((n, 1))))


def test_ridge_loo_equals_refits():
    X, y = _data()
    cv = _cv(n_components=M, random_state=0).fit(X, y)
    alphas = cv.cv_results_["param_alpha"]
    assert alphas.shape == (50,)
    # the default grid spans lambda_max * [1e-12, 1], in units of phi(1)
    phi1 = get_activation("wendland0", X.shape[1] + 1, "scale").second_moment()
    np.testing.assert_allclose(
        alphas, cv.lambda_max_ * np.logspace(-12, 0, 50) / phi1, rtol=1e-12
    )
    for j in (0, 17, 30, 42, 49):
        ref = _refit_errors(
            X,
            y,
            _loo(len(y)),
            n_components=M,
            alpha=alphas[j],
            random_state=0,
            bias=cv.bias_,
        )
        got = cv.cv_results_["split_squared_error"][:, j]
        np.testing.assert_allclose(got, ref, rtol=1e-8)
        assert cv.cv_results_["mean_squared_error"][j] == pytest.approx(
            ref.mean(), rel=1e-8
        )


def test_ridge_loo_alpha_zero_is_the_interpolant():
    # alpha = 0 on a nonsingular H_hat: LOO of the minimum-norm interpolant
    X, y = _data(seed=3)
    cv = _cv(n_components=M, alphas=[0.0, 1e-3], random_state=1).fit(X, y)
    ref = _refit_errors(
        X, y, _loo(len(y)), n_components=M, alpha=0.0, random_state=1, bias=cv.bias_
    )
    np.testing.assert_allclose(
        cv.cv_results_["split_squared_error"][:, 0], ref, rtol=1e-8
    )


def test_ridge_loo_alpha_zero_singular_h_hat():
    # m < n: H_hat is singular, the closed form does not apply at alpha = 0;
    # the refits are the minimum-norm least-squares solutions on n - 1 rows
    X, y = _data(n=30)
    cv = _cv(n_components=12, alphas=[0.0, 1e-2], random_state=0).fit(X, y)
    assert cv.rank_ == 13  # [Z, 1]: 12 features and the intercept
    for j, alpha in enumerate([0.0, 1e-2]):
        ref = _refit_errors(
            X,
            y,
            _loo(len(y)),
            n_components=12,
            alpha=alpha,
            random_state=0,
            bias=cv.bias_,
        )
        np.testing.assert_allclose(
            cv.cv_results_["split_squared_error"][:, j], ref, rtol=1e-8
        )


@pytest.mark.parametrize("step_size", [None, "fixed"])
def test_landweber_loo_equals_refits(step_size):
    X, y = _data(seed=1)
    if step_size == "fixed":
        Z = WendlandFeatures(M, random_state=0).fit_transform(X)
        step_size = 1.0 / np.linalg.eigvalsh(Z @ Z.T)[-1]
    ks = [1, 2, 5, 20, 100, 1000]
    cv = _cv(
        n_components=M,
        solver="landweber",
        n_iters=ks,
        step_size=step_size,
        random_state=0,
    ).fit(X, y)
    for j, k in enumerate(ks):
        ref = _refit_errors(
            X,
            y,
            _loo(len(y)),
            n_components=M,
            solver="landweber",
            max_iter=k,
            tol=0,
            step_size=step_size,
            random_state=0,
            bias=cv.bias_,
        )
        np.testing.assert_allclose(
            cv.cv_results_["split_squared_error"][:, j], ref, rtol=1e-8
        )


def test_hat_matrix_shortcut_is_not_loo_for_landweber():
    """(y_i - yhat_i) / (1 - S_ii) is exact for ridge but not for k GD steps.

    Measured: off by 2% of the largest residual at k = 1 and by 30x at
    k = 10 (docs/model_selection.md); the estimator computes LOO exactly.
    """
    X, y = _data(n=30, d=10, seed=0)
    Z = WendlandFeatures(300, random_state=0).fit_transform(X)
    lam, U = linalg.eigh(Z @ Z.T)
    eta = 2 / (lam[0] + lam[-1])
    ks = [1, 10]
    cv = _cv(
        n_components=300,
        solver="landweber",
        n_iters=ks,
        step_size=eta,
        fit_intercept=False,  # the formulas below have no intercept
        random_state=0,
    ).fit(X, y)
    exact = np.sqrt(cv.cv_results_["split_squared_error"])  # |e_i|
    for j, k in enumerate(ks):
        S = (U * (1 - (1 - eta * lam) ** k)) @ U.T
        shortcut = np.abs((y - S @ y) / (1 - np.diag(S)))
        err = np.max(np.abs(shortcut - exact[:, j])) / np.max(exact[:, j])
        assert err > 1e-2
    # ... while for ridge the same shortcut is the exact LOO residual
    alpha = 1e-3 * lam[-1]
    phi1 = get_activation("wendland0", 11, "scale").second_moment()  # bias: d + 1
    cv = _cv(
        n_components=300, alphas=[alpha / phi1], fit_intercept=False, random_state=0
    ).fit(X, y)
    S = (U * (lam / (lam + alpha))) @ U.T
    shortcut = ((y - S @ y) / (1 - np.diag(S))) ** 2
    np.testing.assert_allclose(
        cv.cv_results_["split_squared_error"][:, 0], shortcut, rtol=1e-8
    )


@pytest.mark.parametrize("solver", ["direct", "landweber"])
@pytest.mark.parametrize("cv", [4, ShuffleSplit(3, test_size=0.3, random_state=0)])
def test_kfold_equals_refits(solver, cv):
    X, y = _data(n=28, seed=2)
    grid = (
        dict(alphas=[0.0, 1e-6, 1e-3])
        if solver == "direct"
        else dict(n_iters=[1, 7, 50, 400])
    )
    est = _cv(n_components=M, solver=solver, cv=cv, random_state=0, **grid).fit(X, y)
    splits = list((KFold(cv) if isinstance(cv, int) else cv).split(X))
    values = next(iter(grid.values()))
    assert est.cv_results_["split_squared_error"].shape == (len(splits), len(values))
    for j, v in enumerate(values):
        p = {"alpha": v} if solver == "direct" else {"max_iter": v, "tol": 0}
        ref = _refit_errors(
            X,
            y,
            splits,
            n_components=M,
            solver=solver,
            random_state=0,
            bias=est.bias_,
            **p,
        )
        np.testing.assert_allclose(
            est.cv_results_["split_squared_error"][:, j], ref, rtol=1e-8
        )
        assert est.cv_results_["mean_squared_error"][j] == pytest.approx(
            ref.mean(), rel=1e-8
        )
        assert est.cv_results_["std_squared_error"][j] == pytest.approx(
            ref.std(), rel=1e-6
        )


@pytest.mark.parametrize("solver", ["direct", "landweber"])
def test_leave_one_out_splitter_equals_default(solver):
    X, y = _data(n=20, seed=4)
    grid = dict(alphas=[1e-6, 1e-3]) if solver == "direct" else dict(n_iters=[3, 30])
    a = _cv(n_components=M, solver=solver, random_state=0, **grid).fit(X, y)
    b = _cv(
        n_components=M, solver=solver, cv=LeaveOneOut(), random_state=0, **grid
    ).fit(X, y)
    np.testing.assert_allclose(
        a.cv_results_["split_squared_error"],
        b.cv_results_["split_squared_error"],
        rtol=1e-8,
    )


@pytest.mark.parametrize("solver", ["direct", "landweber"])
def test_refit_is_the_regressor_at_the_chosen_value(solver, global_random_seed):
    X, y = _data(n=30, seed=global_random_seed)
    est = _cv(n_components=M, solver=solver, random_state=global_random_seed).fit(X, y)
    mse = est.cv_results_["mean_squared_error"]
    # the chosen value minimizes the curve, and the scores agree with it
    assert est.best_index_ == np.argmin(mse)
    assert est.best_score_ == -mse.min()
    assert est.cv_results_["rank_test_score"][est.best_index_] == 1
    np.testing.assert_array_equal(est.cv_results_["mean_test_score"], -mse)
    if solver == "direct":
        assert est.alpha_ == est.cv_results_["param_alpha"][est.best_index_]
        p = {"alpha": est.alpha_}
    else:
        assert est.n_iter_ == est.cv_results_["param_n_iter"][est.best_index_]
        p = {"max_iter": est.n_iter_, "tol": 0}
    ref = _regressor(
        n_components=M, solver=solver, random_state=global_random_seed, **p
    )
    ref.fit(X, y)
    np.testing.assert_array_equal(est.random_weights_, ref.random_weights_)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-7, atol=1e-10)
    np.testing.assert_allclose(est.predict(X), ref.predict(X), rtol=1e-8, atol=1e-10)
    for attr in ("lambda_min_", "lambda_max_", "condition_number_"):
        assert getattr(est, attr) == pytest.approx(getattr(ref, attr), rel=1e-8)
    assert est.rank_ == ref.rank_ == 30
    if solver == "landweber":
        assert est.step_size_ == pytest.approx(ref.step_size_, rel=1e-12)
        np.testing.assert_allclose(est.loss_curve_, ref.loss_curve_, rtol=1e-8)


def test_regularization_beats_interpolation_on_noise():
    # pure noise: the interpolant has LOO error well above var(y); the
    # LOO-chosen ridge shrinks towards 0 and lands near var(y)
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(40, 4)), rng.normal(size=40)
    est = _cv(n_components=400, alphas=[0.0, 1e3], random_state=0).fit(X, y)
    mse = est.cv_results_["mean_squared_error"]
    assert mse[0] > 1.5 * np.mean(y**2) and est.alpha_ == 1e3
    assert mse[1] == pytest.approx(np.mean(y**2) * (40 / 39) ** 2, rel=0.05)


def test_multi_output_averages_targets():
    X, Y = _data(n=24, n_targets=2)
    both = _cv(n_components=M, alphas=[1e-6, 1e-3, 1e-1], random_state=0).fit(X, Y)
    single = [
        _cv(n_components=M, alphas=[1e-6, 1e-3, 1e-1], random_state=0).fit(X, Y[:, t])
        for t in range(2)
    ]
    np.testing.assert_allclose(
        both.cv_results_["split_squared_error"],
        (
            single[0].cv_results_["split_squared_error"]
            + single[1].cv_results_["split_squared_error"]
        )
        / 2,
        rtol=1e-10,
    )
    assert both.coef_.shape == (M, 2) and both.predict(X).shape == (24, 2)


def test_default_step_grid():
    X, y = _data(n=15)
    est = _cv(n_components=M, solver="landweber", random_state=0).fit(X, y)
    ks = est.cv_results_["param_n_iter"]
    assert len(ks) == 50 and ks[0] == 1 and ks[-1] == 1000
    assert np.all(np.diff(ks) > 0)
    ratios = ks[1:] / ks[:-1]
    assert ratios[-10:].max() < 1.3  # geometric at the top
    small = _cv(n_components=M, solver="landweber", max_iter=20, random_state=0)
    np.testing.assert_array_equal(
        small.fit(X, y).cv_results_["param_n_iter"], np.arange(1, 21)
    )


def test_float32_and_sparse_match_float64():
    import scipy.sparse as sp

    X, y = _data(n=22)
    ref = _cv(n_components=M, bias=True, random_state=0).fit(X, y)
    f32 = _cv(n_components=M, bias=True, random_state=0).fit(X.astype(np.float32), y)
    assert f32.coef_.dtype == np.float32
    assert f32.alpha_ == pytest.approx(ref.alpha_, rel=1e-3)
    Xs = X.copy()
    Xs[np.abs(Xs) < 0.5] = 0
    dense = _cv(n_components=M, bias=True, random_state=0).fit(Xs, y)
    sparse = _cv(n_components=M, bias=True, random_state=0).fit(sp.csr_matrix(Xs), y)
    np.testing.assert_allclose(
        sparse.cv_results_["mean_squared_error"],
        dense.cv_results_["mean_squared_error"],
        rtol=1e-10,
    )


@pytest.mark.parametrize(
    "params, match",
    [
        ({"alphas": [-1.0]}, "alphas"),
        ({"alphas": [np.nan]}, "alphas"),
        ({"alphas": []}, "alphas"),
        ({"alphas": [[1.0, 2.0]]}, "alphas"),
        ({"solver": "landweber", "n_iters": [0, 3]}, "n_iters"),
        ({"solver": "landweber", "n_iters": [2.5]}, "n_iters"),
        ({"solver": "landweber", "step_size": 1e6}, "step_size"),
        ({"cv": 1}, "cv"),
        ({"alphas": 3.0}, "alphas"),
    ],
)
def test_invalid_parameters(params, match):
    X, y = _data(n=10)
    with pytest.raises(ValueError, match=match):
        _cv(n_components=50, **params).fit(X, y)


def test_loo_needs_two_samples():
    with pytest.raises(ValueError, match="n_samples=1"):
        _cv().fit(np.ones((1, 3)), [1.0])


# ---------------------------------------------------------------------------
# scikit-learn's API contract


@pytest.mark.parametrize("bias", [False, True])
def test_wendland_bandwidth_decides_the_checks_regression_data(bias):
    """check_regressors_train's data (R^2 > 0.5 wanted): the default
    zeta="scale" predicts it like ReLU; the paper's narrow zeta = sqrt(2)
    does not (it was an expected failure of the check before zeta="scale")."""
    X, y = make_regression(
        n_samples=200,
        n_features=10,
        n_informative=1,
        bias=5.0,
        noise=20,
        random_state=42,
    )
    X, y = StandardScaler().fit_transform(X), scale(y)  # var(y) = 1

    def loo_r2(**params):
        with warnings.catch_warnings():
            warnings.simplefilter("error", UnderParameterizedWarning)  # gone: m < n
            est = _cv(bias=bias, random_state=0, **params).fit(X, y)
        return 1 + est.best_score_, est.score(X, y)

    for activation in ("wendland0", "wendland2"):
        best, train = loo_r2(activation=activation, zeta=None)
        assert best < 0.4 and train < 0.55
        assert loo_r2(activation=activation)[0] > 0.65
    assert loo_r2(activation="relu")[0] > 0.65


def test_exact_landweber_loo_warns_with_its_cost(monkeypatch):
    # O(n^4): the warning gives the predicted time and points to k-fold
    from sklearn.exceptions import EfficiencyWarning

    import sklearn_rfnet._cv as ms

    X, y = _data(n=30)
    monkeypatch.setattr(ms, "_LOO_WARN_SECONDS", 0.0)
    with pytest.warns(EfficiencyWarning, match=r"30 eigendecompositions.*cv=5"):
        _cv(n_components=300, solver="landweber", random_state=0).fit(X, y)
    with warnings.catch_warnings():  # k-fold: no warning
        warnings.simplefilter("error", EfficiencyWarning)
        _cv(n_components=300, solver="landweber", cv=3, random_state=0).fit(X, y)
    monkeypatch.setattr(ms, "_LOO_WARN_SECONDS", 60.0)
    with warnings.catch_warnings():  # cheap at n = 30: silent by default
        warnings.simplefilter("error", EfficiencyWarning)
        _cv(n_components=300, solver="landweber", random_state=0).fit(X, y)


def test_zeta_search_is_the_best_of_the_fixed_zeta_searches():
    from sklearn_rfnet.activations import scale_zeta, wendland_exponent

    X, y = _data(n=30, seed=4)
    zetas = [1.5, 3.0, "scale"]
    both = _cv(n_components=M, zetas=zetas, cv=3, random_state=0).fit(X, y)
    singles = [
        _cv(n_components=M, zeta=z, cv=3, random_state=0).fit(X, y) for z in zetas
    ]
    best = int(np.argmax([s.best_score_ for s in singles]))
    assert both.best_score_ == pytest.approx(singles[best].best_score_, rel=1e-12)
    np.testing.assert_allclose(both.predict(X), singles[best].predict(X), rtol=1e-10)
    scale = scale_zeta(wendland_exponent(X.shape[1] + 1, 0))
    assert both.zeta_ == pytest.approx([1.5, 3.0, scale][best])
    res = both.cv_results_
    assert res["param_zeta"].shape == res["param_alpha"].shape == (150,)
    assert set(res["params"][0]) == {"zeta", "alpha"}
    # "auto": five bandwidths around "scale"
    auto = _cv(n_components=M, zetas="auto", cv=3, random_state=0).fit(X, y)
    assert len(np.unique(auto.cv_results_["param_zeta"])) == 5
    with pytest.raises(ValueError, match="zetas"):
        _cv(n_components=M, zetas=[-1.0], random_state=0).fit(X, y)


@pytest.mark.parametrize("random_state", [0, None])
def test_bias_search_picks_the_best_constant_on_one_W(random_state):
    """biases="auto": three constants around bias's, one grid each; the
    chosen (bias, alpha) is the best of the whole grid, and the model is
    built on one W for the whole search (also with random_state=None)."""
    X, y = _data()
    cv = RandomFeatureRegressorCV(
        n_components=M,
        biases="auto",
        random_state=random_state,
        population_diagnostics=False,
    ).fit(X, y)
    res = cv.cv_results_
    base = resolve_bias("scale", X)
    np.testing.assert_allclose(np.unique(res["param_bias"]), [base / 2, base, 2 * base])
    assert res["param_bias"].shape == res["param_alpha"].shape == (150,)
    best = int(np.argmin(res["mean_squared_error"]))
    assert cv.bias_ == res["param_bias"][best]
    assert cv.alpha_ == res["param_alpha"][best]
    features = WendlandFeatures(M, bias=cv.bias_).fit(X)
    features.random_weights_ = cv.random_weights_
    np.testing.assert_allclose(
        features.transform(X) @ cv.coef_ + cv.intercept_, cv.predict(X), rtol=1e-10
    )
    if random_state is not None:  # = the search on the chosen constant alone
        one = _cv(n_components=M, random_state=0, bias=cv.bias_, alphas=[cv.alpha_])
        np.testing.assert_allclose(one.fit(X, y).predict(X), cv.predict(X), rtol=1e-9)


def test_landweber_step_beyond_two_over_lambda_max_raises():
    X, y = _data()
    with pytest.raises(ValueError, match="would diverge"):
        _cv(n_components=M, solver="landweber", step_size=1e6, random_state=0).fit(X, y)
