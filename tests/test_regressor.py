import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.linalg import LinAlgWarning
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_rfnet import (
    RandomFeatureRegressor,
    RankDeficiencyWarning,
    UnderParameterizedWarning,
    WendlandFeatures,
)
from sklearn_rfnet.activations import get_activation

# Definition 2.1 (eq. 2.3) with d = 3, and the null vector of Theorem 2.2
_S = 1 / np.sqrt(3)
BAD_POINTS = _S * np.array(
    [
        [1, 1, 1],
        [-1, 1, 1],
        [1, -1, 1],
        [1, 1, -1],
        [-1, -1, 1],
        [-1, 1, -1],
        [1, -1, -1],
        [-1, -1, -1],
    ]
)
V_NULL = np.array([1, -1, -1, -1, 1, 1, 1, -1])


# The paper's object: no output bias, no bias coordinate, zeta = sqrt(2), the
# minimum-norm interpolant. The package's defaults differ (docs/accuracy.md);
# tests of the paper's statements use these explicitly.
PAPER = dict(bias=False, zeta=None, alpha=0.0, fit_intercept=False)
PAPER_FEATURES = dict(bias=False, zeta=None)


def _paper(n_components=100, **params):
    return RandomFeatureRegressor(n_components, **{**PAPER, **params})


def _paper_features(n_components=100, **params):
    return WendlandFeatures(n_components, **{**PAPER_FEATURES, **params})


def _sphere(n, d, seed):
    X = np.random.RandomState(seed).normal(size=(n, d))
    return X / np.linalg.norm(X, axis=1, keepdims=True)


@pytest.mark.parametrize("activation", ["wendland0", "wendland2", "relu", "swish"])
@pytest.mark.parametrize("solver", ["direct", "landweber"])
@pytest.mark.parametrize("bias", [False, True])
def test_consistency_contract(activation, solver, bias, sphere_data):
    X, y = sphere_data
    params = dict(n_components=150, activation=activation, bias=bias, random_state=7)
    reg = RandomFeatureRegressor(solver=solver, max_iter=50, tol=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg.fit(X, y)
    tr = WendlandFeatures(**params).fit(X)
    np.testing.assert_array_equal(tr.random_weights_, reg.random_weights_)
    Xnew = _sphere(9, 5, 1)
    np.testing.assert_allclose(
        tr.transform(Xnew) @ reg.coef_ + reg.intercept_,
        reg.predict(Xnew),
        rtol=1e-12,
        atol=1e-14,
    )


@pytest.mark.parametrize("activation", ["wendland0", "wendland2"])
def test_wendland_interpolates_at_m_10n(activation, global_random_seed):
    n = 100
    X = _sphere(n, 10, global_random_seed)
    y = X @ np.ones(10)  # Synthetic-1 labels
    reg = _paper(
        n_components=10 * n, activation=activation, random_state=global_random_seed
    ).fit(X, y)
    assert np.linalg.norm(reg.predict(X) - y) / np.linalg.norm(y) <= 1e-10
    assert reg.rank_ == n and np.isfinite(reg.condition_number_)
    assert reg.condition_number_ < 1e4
    Z = _paper_features(
        1000, activation=activation, random_state=global_random_seed
    ).fit_transform(X)
    lam = np.linalg.eigvalsh(Z @ Z.T)
    assert reg.lambda_min_ == pytest.approx(lam[0], rel=1e-8)
    assert reg.lambda_max_ == pytest.approx(lam[-1], rel=1e-8)
    assert reg.condition_number_ == pytest.approx(lam[-1] / lam[0], rel=1e-7)


def test_coef_equals_lstsq_min_norm(sphere_data):
    X, y = sphere_data
    reg = _paper(n_components=400, random_state=0).fit(X, y)
    Z = _paper_features(n_components=400, random_state=0).fit_transform(X)
    ref = np.linalg.lstsq(Z, y, rcond=None)[0]
    np.testing.assert_allclose(reg.coef_, ref, rtol=1e-8)
    assert reg.solver_ == "dual-cholesky" and reg.n_iter_ == 1


@pytest.mark.parametrize("activation", ["relu", "swish"])
def test_bad_points_rank_deficient_for_relu_and_swish(activation):
    # Theorem 2.2 / Appendix A.2: rank 7 whatever W and the width
    y = np.arange(8.0)
    assert y @ V_NULL != 0  # Corollary 2.3: not fittable
    reg = _paper(n_components=300, activation=activation, random_state=0)
    with pytest.warns(RankDeficiencyWarning, match="numerical rank 7"):
        reg.fit(BAD_POINTS, y)
    assert reg.rank_ == 7 and reg.condition_number_ == np.inf
    assert reg.lambda_min_ == 0.0
    Z = _paper_features(300, activation=activation, random_state=0).fit_transform(
        BAD_POINTS
    )
    np.testing.assert_allclose(
        reg.coef_, np.linalg.lstsq(Z, y, rcond=None)[0], rtol=1e-8
    )
    # the residual is exactly the component of y along v
    resid = reg.predict(BAD_POINTS) - y
    expected = -(y @ V_NULL) / 8 * V_NULL
    np.testing.assert_allclose(resid, expected, atol=1e-10)


@pytest.mark.parametrize("activation", ["wendland0", "wendland2"])
def test_bad_points_fine_for_wendland(activation):
    y = np.arange(8.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reg = _paper(n_components=300, activation=activation, random_state=0).fit(
            BAD_POINTS, y
        )
    assert reg.rank_ == 8
    np.testing.assert_allclose(reg.predict(BAD_POINTS), y, atol=1e-9)


def test_landweber_path_through_estimator(sphere_data):
    X, y = sphere_data
    Z = _paper_features(200, random_state=3).fit_transform(X)
    lam = np.linalg.eigvalsh(Z @ Z.T)
    eta = 2 / (lam[0] + lam[-1])
    alpha = np.zeros(200)
    for k in range(1, 51):
        alpha = alpha - eta * Z.T @ (Z @ alpha - y)
        if k in (1, 2, 10, 50):
            reg = _paper(
                200,
                solver="landweber",
                max_iter=k,
                tol=0,
                step_size="optimal",  # Lemma 4.2
                random_state=3,
            ).fit(X, y)
            assert reg.n_iter_ == k and len(reg.loss_curve_) == k + 1
            np.testing.assert_allclose(reg.coef_, alpha, rtol=1e-10, atol=1e-13)
    long = _paper(
        200,
        solver="landweber",
        max_iter=10**6,
        tol=1e-12,
        step_size="optimal",
        random_state=3,
    ).fit(X, y)
    direct = _paper(200, random_state=3).fit(X, y)
    assert long.loss_curve_[-1] <= 1e-12 and long.n_iter_ < 10**6
    np.testing.assert_allclose(long.coef_, direct.coef_, rtol=1e-9)
    assert long.step_size_ == pytest.approx(eta, rel=1e-10)


def test_ridge_shrinks_and_matches_formula(sphere_data):
    X, y = sphere_data
    Z = _paper_features(120, random_state=0).fit_transform(X)
    phi1 = get_activation("wendland0", X.shape[1], None).second_moment()
    for alpha in (1e-4, 1e-1):  # relative to phi(1), the kernel's diagonal
        reg = _paper(120, alpha=alpha, random_state=0).fit(X, y)
        ridge = alpha * phi1
        ref = Z.T @ np.linalg.solve(Z @ Z.T + ridge * np.eye(len(y)), y)
        np.testing.assert_allclose(reg.coef_, ref, rtol=1e-9)
        assert reg.alpha_ == alpha
    assert np.linalg.norm(reg.coef_) < np.linalg.norm(
        _paper(120, random_state=0).fit(X, y).coef_
    )


def test_multi_output(sphere_data):
    X, y = sphere_data
    Y = np.c_[y, 2 * y + 1]
    for solver in ("direct", "landweber"):
        reg = _paper(400, solver=solver, random_state=0, max_iter=10**6).fit(X, Y)
        assert reg.coef_.shape == (400, 2)
        assert reg.predict(X).shape == (40, 2)
        single = _paper(400, solver=solver, random_state=0, max_iter=10**6).fit(
            X, Y[:, 1]
        )
        np.testing.assert_allclose(reg.predict(X)[:, 1], single.predict(X), rtol=1e-6)
        assert reg.score(X, Y) > 0.999


def test_pipeline_grid_search():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(80, 4))
    y = np.sin(X[:, 0]) + 0.1 * rng.normal(size=80)
    pipe = make_pipeline(StandardScaler(), RandomFeatureRegressor(random_state=0))
    grid = GridSearchCV(
        pipe,
        {
            "randomfeatureregressor__activation": ["wendland0", "relu"],
            "randomfeatureregressor__n_components": [100, 400],
            "randomfeatureregressor__alpha": [1e-6],
        },
        cv=3,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnderParameterizedWarning)  # gone: m < n
        grid.fit(X, y)
    assert len(grid.cv_results_["mean_test_score"]) == 4
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
    best = grid.best_estimator_[-1]
    assert best.n_components in (100, 400) and best.rank_ > 0
    assert grid.score(X, y) > 0.5


def test_pickle_clone_and_seed(sphere_data):
    X, y = sphere_data
    reg = RandomFeatureRegressor(150, activation="wendland2", random_state=5).fit(X, y)
    again = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(again.predict(X), reg.predict(X))
    cl = clone(reg).fit(X, y)
    np.testing.assert_array_equal(cl.random_weights_, reg.random_weights_)
    np.testing.assert_array_equal(cl.predict(X), reg.predict(X))
    other = RandomFeatureRegressor(150, activation="wendland2", random_state=6).fit(
        X, y
    )
    assert not np.allclose(other.random_weights_, reg.random_weights_)


@pytest.mark.parametrize("block_size", [1, 13, 100, None])
def test_block_size_invariance(block_size, sphere_data):
    X, y = sphere_data
    ref = RandomFeatureRegressor(300, random_state=0).fit(X, y)
    reg = RandomFeatureRegressor(300, block_size=block_size, random_state=0).fit(X, y)
    np.testing.assert_array_equal(reg.random_weights_, ref.random_weights_)
    np.testing.assert_allclose(reg.coef_, ref.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(reg.predict(X), ref.predict(X), rtol=1e-12, atol=1e-13)
    assert reg.condition_number_ == pytest.approx(ref.condition_number_, rel=1e-10)
    assert reg.alpha_ == ref.alpha_


def test_float32(sphere_data):
    X, y = sphere_data
    r32 = RandomFeatureRegressor(300, random_state=0).fit(X.astype(np.float32), y)
    r64 = RandomFeatureRegressor(300, random_state=0).fit(X, y)
    assert r32.coef_.dtype == np.float32
    assert r32.predict(X.astype(np.float32)).dtype == np.float32
    np.testing.assert_allclose(
        r32.predict(X.astype(np.float32)), r64.predict(X), rtol=1e-3, atol=1e-3
    )


def test_sparse_input_equals_dense(sphere_data):
    X, y = sphere_data
    X = X.copy()
    X[np.abs(X) < 0.3] = 0
    dense = RandomFeatureRegressor(200, bias=True, random_state=0).fit(X, y)
    sparse = RandomFeatureRegressor(200, bias=True, random_state=0).fit(
        sp.csr_matrix(X), y
    )
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-10)
    np.testing.assert_allclose(sparse.predict(sp.csr_matrix(X)), dense.predict(X))


def test_narrow_layer_is_the_silent_primal_regime(sphere_data):
    # m < n: the m x m Gram Z^T Z, no warning (nothing to act on)
    X, y = sphere_data
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reg = _paper(10, random_state=0).fit(X, y)
    assert reg.solver_ == "primal-cholesky"
    Z = _paper_features(10, random_state=0).fit_transform(X)
    lam = np.linalg.eigvalsh(Z.T @ Z)
    assert reg.rank_ == 10 and reg.lambda_min_ == pytest.approx(lam[0], rel=1e-8)
    assert reg.condition_number_ == pytest.approx(lam[-1] / lam[0], rel=1e-7)
    np.testing.assert_allclose(
        reg.coef_, np.linalg.lstsq(Z, y, rcond=None)[0], rtol=1e-9
    )
    assert 0 < reg.score(X, y) < 1


@pytest.mark.parametrize(
    "X, y, match",
    [
        (np.array([[1.0, np.nan]]), np.ones(1), "NaN"),
        (np.array([[1.0, np.inf]]), np.ones(1), "infinity"),
        (np.empty((0, 3)), np.empty(0), "0 sample"),
        (np.ones(5), np.ones(5), "2D array"),
        (np.ones((5, 2)), np.ones(4), "inconsistent numbers of samples"),
        (np.ones((3, 2)), np.array([1.0, np.nan, 2.0]), "NaN"),
    ],
)
def test_bad_input(X, y, match):
    with pytest.raises(ValueError, match=match):
        RandomFeatureRegressor(bias=False, alpha=0.0).fit(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"solver": "sgd"}, "solver"),
        ({"alpha": -1.0}, "alpha"),
        ({"max_iter": 0}, "max_iter"),
        ({"tol": -1e-3}, "tol"),
        ({"step_size": 0.0}, "step_size"),
        ({"delta": 1.0}, "delta"),
        ({"block_size": 0}, "block_size"),
        ({"n_components": 2.5}, "n_components"),
    ],
)
def test_invalid_parameters_named(params, match):
    with pytest.raises(ValueError, match=match):
        RandomFeatureRegressor(**params).fit(np.eye(3), np.ones(3))


def test_not_fitted():
    with pytest.raises(NotFittedError):
        RandomFeatureRegressor().predict(np.eye(2))


def test_input_not_mutated(sphere_data):
    X, y = sphere_data
    X = 3.0 * X
    X0, y0 = X.copy(), y.copy()
    RandomFeatureRegressor(60, bias=True, random_state=0).fit(X, y).predict(X)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


@pytest.mark.parametrize("activation, C", [("wendland0", 1.0), ("wendland2", 3.0)])
def test_required_width_matches_lemma_2_4_by_hand(activation, C):
    from sklearn_rfnet.population import population_gram

    n, delta = 30, 0.05
    X = _sphere(n, 6, 0)
    reg = _paper(200, activation=activation, delta=delta, random_state=0).fit(
        X, X[:, 0]
    )
    lam_min = np.linalg.eigvalsh(population_gram(X, activation))[0]
    assert lam_min > 0
    by_hand = int(np.ceil(10 * n * C**2 * np.log(2 * n / delta) / lam_min))
    assert reg.required_width_ == by_hand
    assert reg.population_lambda_min_ == pytest.approx(lam_min, rel=1e-10)
    # the sample condition number approaches the population one (Lemma 2.5)
    wide = _paper(20000, activation=activation, random_state=0)
    wide.fit(X, X[:, 0])
    assert wide.condition_number_ == pytest.approx(
        reg.population_condition_number_, rel=0.25
    )


def test_population_diagnostics_switch(sphere_data):
    X, y = sphere_data
    off = _paper(100, population_diagnostics=False).fit(X, y)
    assert off.required_width_ is None and off.population_lambda_min_ is None
    raw = _paper(100, normalize=False).fit(X, y)
    assert raw.population_condition_number_ is None  # H needs points on the sphere
    gauss = _paper(100, weights="gaussian").fit(X, y)
    assert gauss.population_lambda_min_ > 0 and gauss.required_width_ is None


def test_population_diagnostics_are_lazy_and_fixed_at_fit(monkeypatch):
    """H is built on first access, once, from what fit saw (not later params)."""
    import sklearn_rfnet._base as regressor_module

    calls = []
    real = regressor_module.population_gram

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(regressor_module, "population_gram", counting)
    X = _sphere(25, 4, 3)
    reg = _paper(200, delta=0.05, random_state=0).fit(X, X[:, 0])
    assert calls == []  # the fit itself builds no H
    X[:] = 0.0  # the caller's X changes after fit: the diagnostics do not
    reg.set_params(delta=0.5, activation="relu")  # nor do later parameters
    width = reg.required_width_
    assert calls == [1]
    assert reg.population_lambda_min_ > 0 and reg.population_condition_number_ > 1
    assert calls == [1]  # cached
    X0 = _sphere(25, 4, 3)
    fresh = _paper(200, delta=0.05, random_state=0).fit(X0, X0[:, 0])
    assert fresh.required_width_ == width
    assert not hasattr(_paper(200), "population_lambda_min_")  # before fit


def test_bad_points_population_singular_for_relu():
    with pytest.warns(RankDeficiencyWarning):
        reg = _paper(100, activation="relu").fit(BAD_POINTS, np.ones(8))
    assert reg.population_lambda_min_ == 0.0
    assert reg.required_width_ == np.inf


def test_float32_warning_quotes_the_error_of_the_path_that_ran():
    from scipy.linalg import LinAlgWarning

    # 40 points in 4 tight clusters: kappa(H_hat) ~ 1e14, the TSQR path runs
    # and the float32 features give an error of eps32 * kappa(Z), not
    # eps32 * kappa(H_hat)
    rng = np.random.default_rng(0)
    X = np.repeat(rng.normal(size=(4, 5)), 10, 0) + 1e-3 * rng.normal(size=(40, 5))
    y = rng.normal(size=40)
    reg = _paper(400, random_state=0)
    with pytest.warns(LinAlgWarning, match="dual-tsqr-lsqr solve from float32") as rec:
        reg.fit(X.astype(np.float32), y)
    kappa_Z = np.sqrt(reg.condition_number_)
    quoted = float(str(rec[0].message).split("about ")[1].split(" ")[0])
    assert quoted == pytest.approx(np.finfo(np.float32).eps * kappa_Z, rel=0.05)
    # swish at kappa(H_hat) ~ 1e8 also takes the TSQR path: eps32 * kappa(Z)
    # ~ 1e-3 is within float32's reach, so no warning (it quoted 11 before)
    X = _sphere(60, 5, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LinAlgWarning)
        sw = _paper(600, activation="swish", random_state=0)
        sw.fit(X.astype(np.float32), X[:, 0])
        _paper(600, random_state=0).fit(X.astype(np.float32), X[:, 0])
    assert sw.solver_ == "dual-tsqr-lsqr" and sw.condition_number_ > 1e7


# --------------------------------------------------------------------------
# Solver core v2: one answer whatever block_size, guards


def _clusters(n, seed=0):
    """4 tight clusters (the solver-core issue's example): kappa(Z) ~ 1e7."""
    rng = np.random.default_rng(seed)
    X = np.repeat(rng.normal(size=(4, 5)), n // 4, 0)
    return X + 1e-3 * rng.normal(size=X.shape), rng.normal(size=n)


@pytest.mark.parametrize("n, m", [(40, 400), (400, 40)], ids=["dual", "primal"])
@pytest.mark.parametrize("solver", ["direct", "landweber"])
def test_clustered_data_one_answer_whatever_block_size(n, m, solver):
    X, y = _clusters(n)
    Z = _paper_features(m, random_state=0).fit_transform(X)
    ref, _, ref_rank, _ = np.linalg.lstsq(Z, y, rcond=None)
    ref_res = np.linalg.norm(Z @ ref - y)
    fits = []
    for block_size in (None, 7, m):
        reg = _paper(
            m, solver=solver, block_size=block_size, max_iter=200, tol=0, random_state=0
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # conditioning, Landweber max_iter
            reg.fit(X, y)
        fits.append(reg)
        if solver == "direct":
            assert reg.solver_.endswith("tsqr-lsqr")
            assert reg.rank_ == ref_rank
            res = np.linalg.norm(reg.predict(X) - y)
            assert res <= 10 * ref_res + 1e-12 * np.linalg.norm(y)
            kappa_Z = np.sqrt(reg.condition_number_)
            tol = 1e3 * np.finfo(np.float64).eps * kappa_Z
            assert np.linalg.norm(reg.coef_ - ref) <= tol * np.linalg.norm(ref)
    for reg in fits[1:]:
        assert reg.rank_ == fits[0].rank_
        scale = np.linalg.norm(fits[0].coef_)
        assert np.linalg.norm(reg.coef_ - fits[0].coef_) <= 1e-6 * scale


def test_wendland_in_high_dimension_is_a_clear_error():
    # d = 784: ell = 393, every feature underflows to 0 (Fashion-MNIST)
    X = np.random.RandomState(0).uniform(size=(20, 784))
    y = np.random.RandomState(1).normal(size=20)
    with pytest.raises(ValueError, match=r"numerically zero.*ell=393.*PCA"):
        _paper(200, random_state=0).fit(X, y)  # the paper's zeta = sqrt(2)
    # relu on the same data is fine, and so is the default zeta="scale"
    RandomFeatureRegressor(200, activation="relu", random_state=0).fit(X, y)
    reg = RandomFeatureRegressor(200, bias=False, random_state=0).fit(X, y)
    assert reg.lambda_max_ > 1e-3 * reg.lambda_min_ > 0


def test_nonfinite_features_are_a_clear_error():
    def gamma(z):
        return np.where(z > 0.9, np.nan, z)

    gamma(np.linspace(-1, 0.5, 5))  # finite on most of [-1, 1]
    X = _sphere(30, 3, 0)
    reg = RandomFeatureRegressor(300, activation=lambda z: z, random_state=0)
    reg.fit(X, np.ones(30))
    with pytest.raises(ValueError, match="not finite"):
        RandomFeatureRegressor(300, activation=gamma, random_state=0).fit(
            X, np.ones(30)
        )


@pytest.mark.parametrize("scale", [1e155, 1e300, 1e-160])
def test_row_norms_are_overflow_safe(scale, sphere_data):
    # without the bias coordinate the model sees only directions: invariant
    X, y = sphere_data
    reg = RandomFeatureRegressor(200, bias=False, random_state=0).fit(X, y)
    with np.errstate(over="raise", under="ignore"):
        np.testing.assert_allclose(reg.predict(X * scale), reg.predict(X), rtol=1e-12)
        refit = RandomFeatureRegressor(200, bias=False, random_state=0)
        refit.fit(X * scale, y)
    np.testing.assert_allclose(refit.coef_, reg.coef_, rtol=1e-10)


def test_refit_with_another_solver_drops_its_attributes(sphere_data):
    X, y = sphere_data
    reg = _paper(200, solver="landweber", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg.fit(X, y)
    assert hasattr(reg, "loss_curve_") and hasattr(reg, "step_size_")
    reg.set_params(solver="direct").fit(X, y)
    assert not hasattr(reg, "loss_curve_") and not hasattr(reg, "step_size_")
    assert reg.solver_ == "dual-cholesky" and reg.n_iter_ == 1


def test_interpolation_peak_warning():
    from sklearn.datasets import load_diabetes

    from sklearn_rfnet import InterpolationPeakWarning

    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    n = len(y)
    # the paper's interpolant at m = n: kappa(H_hat) ~ 1e16 vs kappa(H) ~ 2e3
    with pytest.warns(InterpolationPeakWarning, match="alpha='auto'"):
        # at the peak Z may also be ill-conditioned enough for the solve to
        # say so (kappa(H_hat) 1e12 to 1e16 depending on the draw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LinAlgWarning)
            _paper(n, random_state=0).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InterpolationPeakWarning)
        _paper(10 * n, random_state=0).fit(X, y)  # wide: away from the peak
        RandomFeatureRegressor(n, random_state=0).fit(X, y)  # alpha="auto"


@pytest.mark.parametrize("n_components", [300, 30], ids=["dual", "primal"])
@pytest.mark.parametrize("alpha", [1e-3, 1.0])
def test_intercept_equals_ridge_on_the_same_features(n_components, alpha):
    from sklearn.linear_model import Ridge

    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 4))
    Y = np.c_[X[:, 0] ** 2 + 3.0, -X[:, 1] + 5.0] + 0.1 * rng.normal(size=(60, 2))
    Z = WendlandFeatures(n_components, random_state=0).fit_transform(X)
    phi1 = get_activation("wendland0", 5, "scale").second_moment()  # bias: d + 1
    ref = Ridge(alpha=alpha * phi1, solver="svd").fit(Z, Y)
    # centered blocks (dual) or chunks merged by Chan's update (primal):
    # the same answer whatever the block size
    for block_size in (None, 7):
        reg = RandomFeatureRegressor(
            n_components, alpha=alpha, block_size=block_size, random_state=0
        ).fit(X, Y)
        np.testing.assert_allclose(reg.coef_, ref.coef_.T, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(reg.intercept_, ref.intercept_, rtol=1e-10)
        np.testing.assert_allclose(reg.predict(X), ref.predict(Z), rtol=1e-10)


def test_intercept_limit_of_alpha_zero_is_the_centered_min_norm_solution():
    rng = np.random.RandomState(1)
    X = rng.normal(size=(40, 3))
    y = X[:, 0] + 4.0
    reg = RandomFeatureRegressor(400, alpha=0.0, random_state=0).fit(X, y)
    Z = WendlandFeatures(400, random_state=0).fit_transform(X)
    Zc = Z - Z.mean(axis=0)
    coef = np.linalg.lstsq(Zc, y - y.mean(), rcond=None)[0]
    np.testing.assert_allclose(reg.coef_, coef, rtol=1e-7, atol=1e-10)
    assert reg.intercept_ == pytest.approx(y.mean() - Z.mean(axis=0) @ coef)
    assert reg.rank_ == 40  # the design [Z, 1]: interpolation


@pytest.mark.parametrize("d", [2, 3, 10, 30, 64, 100, 300, 1000])
@pytest.mark.parametrize("activation", ["wendland0", "wendland2"])
def test_default_zeta_keeps_wendland_features_alive_in_any_dimension(d, activation):
    rng = np.random.RandomState(d)
    X = rng.normal(size=(20, d))
    Z = WendlandFeatures(200, activation=activation, random_state=0).fit_transform(X)
    # the features of every sample are far from zero and vary across units;
    # the variation shrinks like 1/sqrt(d) (x^T w ~ N(0, 1/d) in
    # exp(-2 sqrt(1 - x^T w)), the limiting shape of zeta="scale")
    row_rms = np.sqrt(np.mean(Z**2, axis=1)) * np.sqrt(200)
    assert row_rms.min() > 1e-3
    assert np.median(np.std(Z, axis=1) / np.mean(Z, axis=1)) > 0.25 / np.sqrt(d)
    # the paper's zeta = sqrt(2) vanishes from d ~ 30 on
    if d >= 64:
        Zp = WendlandFeatures(200, activation=activation, zeta=None).fit_transform(X)
        assert np.sqrt(np.mean(Zp**2)) * np.sqrt(200) < 1e-10


def test_gaussian_weights_with_a_wide_wendland_support():
    """zeta="scale" in low d puts the Wendland kink z0 = 1 - zeta^2/2 below
    -1: Gaussian weights still have H (the table raised 'math domain error')."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 3))
    reg = RandomFeatureRegressor(weights="gaussian", random_state=0).fit(X, X[:, 0])
    assert reg._activation.zeta > 2
    assert reg.population_lambda_min_ > 0
    assert reg.required_width_ is None  # Lemma 2.4 is for the sphere
