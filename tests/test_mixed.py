"""precision="mixed": float32 Gram and factorization, float64 answer by refinement."""

import pickle
import warnings

import numpy as np
import pytest

import sklearn_rfnet._mixed as mixed
from sklearn_rfnet import RandomFeatureClassifier, RandomFeatureRegressor
from sklearn_rfnet._mixed import _cholesky32, solve_direct_mixed, solve_ridge_loo_mixed
from sklearn_rfnet._operator import FeatureOperator, _fresh_array
from sklearn_rfnet.solvers import DenseOperator, solve_direct, solve_ridge_loo

PAPER = dict(zeta=None, bias=False, alpha=0.0, fit_intercept=False)
SPECTRUM = ("lambda_min_", "lambda_max_", "condition_number_", "rank_")


def _data(n, d=6, seed=0, noise=0.1):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d))
    y = np.sin(3.0 * X[:, 0]) + X[:, 1] + noise * rng.normal(size=n)
    return X, y


def _rel(a, b):
    return float(np.linalg.norm(np.asarray(a) - b) / np.linalg.norm(b))


def _spectrum(est):
    """The four spectrum attributes (computed on access after a mixed fit)."""
    return {name: getattr(est, name) for name in SPECTRUM}


@pytest.mark.parametrize(
    "params",
    [
        {},  # the defaults: alpha="auto", intercept, bias, zeta="scale"
        {"alpha": 1e-4},
        # no intercept: the mean feature dominates H_hat, kappa(H_hat) ~ 1e9,
        # beyond what the float32 Gram resolves (the spectrum is float64's)
        {"alpha": 1e-2, "fit_intercept": False},
        PAPER,  # the minimum-norm interpolant, Wendland: well conditioned
        {"block_size": 37},  # streamed: the float64 passes recompute Z
    ],
)
def test_mixed_equals_float64_fit(params, global_random_seed):
    X, y = _data(120, seed=global_random_seed)
    Y = np.c_[y, np.cos(X[:, 2])]  # two targets
    kw = dict(n_components=900, random_state=global_random_seed, **params)
    ref = RandomFeatureRegressor(**kw).fit(X, Y)
    est = RandomFeatureRegressor(precision="mixed", **kw).fit(X, Y)
    if params:
        assert est.solver_ == ref.solver_.replace("dual-", "dual-mixed-")
    else:  # the LOO choice may be left to float64 (see the ambiguity test)
        assert est.solver_ in (ref.solver_, "dual-mixed-eigh-loo")
    assert est.alpha_ == ref.alpha_
    assert _rel(est.coef_, ref.coef_) < 1e-10
    np.testing.assert_allclose(est.intercept_, ref.intercept_, rtol=0, atol=1e-10)
    np.testing.assert_allclose(est.predict(X), ref.predict(X), rtol=0, atol=1e-10)
    assert _spectrum(est) == _spectrum(ref)  # float64's, on first access


def test_mixed_classifier_equals_float64():
    X, y = _data(150, seed=3)
    labels = np.digitize(y, [-0.5, 0.5])  # three classes
    # bias=1: with bias="scale" the float32 leave-one-out errors of these
    # data cannot separate the best alpha, and the fit is float64's
    kw = dict(n_components=800, bias=True, random_state=0)
    ref = RandomFeatureClassifier(**kw).fit(X, labels)
    est = RandomFeatureClassifier(precision="mixed", **kw).fit(X, labels)
    assert est.solver_ == "dual-mixed-eigh-loo"
    assert _rel(est.coef_, ref.coef_) < 1e-10
    np.testing.assert_array_equal(est.predict(X), ref.predict(X))
    assert _spectrum(est) == _spectrum(ref)  # float64's, on the +-1 coding


def test_ill_conditioned_falls_back_to_float64():
    """ReLU, m ~ n, alpha = 0: kappa(H_hat) far beyond float32's reach."""
    X = np.random.RandomState(1).normal(size=(80, 3))
    y = X[:, 0]
    kw = dict(n_components=84, activation="relu", random_state=0, **PAPER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the conditioning warnings of alpha=0
        ref = RandomFeatureRegressor(**kw).fit(X, y)
        est = RandomFeatureRegressor(precision="mixed", **kw).fit(X, y)
    assert ref.condition_number_ > 1e8  # the premise: out of reach of float32
    assert est.solver_ == ref.solver_ == "dual-tsqr-lsqr"
    np.testing.assert_array_equal(est.coef_, ref.coef_)


def test_loo_beyond_float32_reach_falls_back(monkeypatch):
    """The LOO path abandons mixed precision above its condition limit."""
    X, y = _data(100, seed=5)
    ref = RandomFeatureRegressor(600, random_state=0).fit(X, y)
    est = RandomFeatureRegressor(600, precision="mixed", random_state=0)
    assert est.fit(X, y).solver_ == "dual-mixed-eigh-loo"
    kappa = (ref.lambda_max_ + ref._ridge(ref.alpha_)) / (
        ref.lambda_min_ + ref._ridge(ref.alpha_)
    )
    monkeypatch.setattr(mixed, "_MIXED_COND_MAX", kappa / 2)
    assert est.fit(X, y).solver_ == "dual-eigh-loo"
    np.testing.assert_array_equal(est.coef_, ref.coef_)


def test_refinement_that_cannot_converge_falls_back(monkeypatch):
    """A refinement stopped before it converges is abandoned, never returned."""
    X, y = _data(100, seed=2)
    kw = dict(n_components=600, alpha=1e-6, bias=True, random_state=0)
    ref = RandomFeatureRegressor(**kw).fit(X, y)
    monkeypatch.setattr(mixed, "_REFINE_MAXITER", 1)
    est = RandomFeatureRegressor(precision="mixed", **kw).fit(X, y)
    assert est.solver_ == ref.solver_ == "dual-cholesky"
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-12)


def test_refinement_needs_several_float64_passes():
    """The float32 factor alone is not the answer: refinement does the work."""
    rng = np.random.RandomState(0)
    Z = rng.uniform(size=(60, 400))
    y = rng.normal(size=60)
    alpha = 1e-3 * np.linalg.norm(Z, 2) ** 2 / 1e3  # kappa(A) ~ 1e5..1e6
    res = solve_direct_mixed(DenseOperator(Z), y, alpha)
    exact = Z.T @ np.linalg.solve(Z @ Z.T + alpha * np.eye(60), y)
    assert res.solver == "dual-mixed-cholesky"
    assert res.lsqr_iterations >= 2  # float64 passes
    assert _rel(res.coef, exact) < 1e-10
    # one float32 solve without refinement is far from it
    Z32 = Z.astype(np.float32)
    G = (Z32 @ Z32.T).astype(np.float64) + alpha * np.eye(60)
    assert _rel(Z.T @ np.linalg.solve(G, y), exact) > 1e-8


def test_refinement_accepts_the_predicted_iterate(monkeypatch):
    """Corrections shrinking by rho: c_k + d_k is returned without a pass."""
    rng = np.random.RandomState(0)
    Z = rng.uniform(size=(60, 400))
    y = rng.normal(size=60)
    alpha = 1e-3 * np.linalg.norm(Z, 2) ** 2 / 1e3
    exact = Z.T @ np.linalg.solve(Z @ Z.T + alpha * np.eye(60), y)
    G = np.asfortranarray(Z @ Z.T, dtype=np.float32)
    solve, _ = _cholesky32(G, alpha)
    op = DenseOperator(Z)
    op.center = False
    calls = []
    rmatmat = op.rmatmat
    monkeypatch.setattr(op, "rmatmat", lambda D: calls.append(1) or rmatmat(D))
    coef, passes = mixed._refine(op, y, alpha, solve)
    assert calls == [1]  # the predicted iterate: Z^T d_k, no further pass
    assert _rel(coef, exact) < 1e-10
    monkeypatch.setattr(mixed, "_REFINE_TOL", 1e-300)  # below any rounding
    assert mixed._refine(op, y, alpha, solve) is None  # stalls: float64 path


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_mixed_loo_equals_float64_loo(fit_intercept):
    rng = np.random.RandomState(1)
    Z = rng.uniform(size=(40, 300))
    y = Z[:, :5].sum(axis=1) + 0.5 * rng.normal(size=40)
    alphas = np.logspace(-2, 2, 5)
    ref = solve_ridge_loo(DenseOperator(Z), y, alphas, fit_intercept=fit_intercept)
    res = solve_ridge_loo_mixed(
        DenseOperator(Z), y, alphas, fit_intercept=fit_intercept
    )
    assert res.ridge == ref.ridge
    np.testing.assert_allclose(res.loo_errors, ref.loo_errors, rtol=1e-4)
    assert _rel(res.coef, ref.coef) < 1e-10
    assert res.intercept == pytest.approx(ref.intercept, abs=1e-10)


def test_ambiguous_loo_choice_left_to_float64(monkeypatch):
    """Two strengths within float32 rounding of each other: float64 decides."""
    rng = np.random.RandomState(1)
    Z = rng.uniform(size=(40, 300))
    y = Z[:, :5].sum(axis=1) + 0.5 * rng.normal(size=40)
    alphas = np.logspace(-2, 2, 5)
    assert solve_ridge_loo_mixed(DenseOperator(Z), y, alphas) is not None
    monkeypatch.setattr(mixed, "_LOO_BAND", 1e9)  # every choice ambiguous
    assert solve_ridge_loo_mixed(DenseOperator(Z), y, alphas) is None


def test_mixed_does_not_apply_primal_or_float32():
    X, y = _data(200, seed=4)
    primal = dict(n_components=50, alpha=1e-3, random_state=0)
    est = RandomFeatureRegressor(precision="mixed", **primal).fit(X, y)
    assert est.solver_ == "primal-cholesky"
    ref = RandomFeatureRegressor(**primal).fit(X, y)
    np.testing.assert_array_equal(est.coef_, ref.coef_)
    X32 = X.astype(np.float32)
    f32 = RandomFeatureRegressor(300, precision="mixed", random_state=0).fit(X32, y)
    assert f32.coef_.dtype == np.float32 and "mixed" not in f32.solver_
    Z = np.ones((3, 2))  # primal DenseOperator: not the mixed path
    assert solve_direct_mixed(DenseOperator(Z), np.ones(3)) is None
    assert solve_direct(DenseOperator(Z), np.ones(3), warn=False).solver == (
        "primal-tsqr-lsqr"
    )


def test_precision_validated():
    X, y = _data(20)
    with pytest.raises(ValueError, match="precision"):
        RandomFeatureRegressor(precision="float16").fit(X, y)


def test_spectrum_beyond_float32_is_float64s_on_access():
    """kappa(H_hat) ~ 1e9: the float32 Gram's bottom is rounding noise.

    Read from it, rank_ and lambda_min_ were wrong (a rank-deficient report
    for a Gram of full rank); they are now the float64 fit's, computed on
    first access from copies of the inputs (the caller's arrays may change).
    """
    X, y = _data(120, seed=0)
    kw = dict(n_components=900, alpha=1e-2, fit_intercept=False, random_state=0)
    ref = RandomFeatureRegressor(**kw).fit(X, y)
    assert ref.condition_number_ > 1e8  # the premise: beyond float32
    est = RandomFeatureRegressor(precision="mixed", **kw).fit(X, y)
    assert est.solver_ == "dual-mixed-cholesky"
    assert not any(name in est.__dict__ for name in SPECTRUM)  # not computed
    X[:] = 0.0  # the caller's arrays change after fit
    y[:] = 1.0
    copy = pickle.loads(pickle.dumps(est))  # before access: the state travels
    for fitted in (est, copy):
        assert _spectrum(fitted) == _spectrum(ref)
        assert "_deferred_spectrum" not in fitted.__dict__  # computed once
    assert ref.rank_ == 120


def test_deferred_spectrum_of_sparse_inputs():
    import scipy.sparse as sp

    X, y = _data(80, seed=3)
    X[np.abs(X) < 0.5] = 0.0
    Xs = sp.csr_matrix(X)
    kw = dict(n_components=600, alpha=1e-3, random_state=0)
    ref = RandomFeatureRegressor(**kw).fit(Xs, y)
    est = RandomFeatureRegressor(precision="mixed", **kw).fit(Xs, y)
    assert est.solver_ == "dual-mixed-cholesky"
    Xs.data[:] = 0.0  # the caller's matrix changes after fit
    assert _spectrum(est) == _spectrum(ref)


def test_deferred_spectrum_follows_refits():
    X, y = _data(80, seed=1)
    est = RandomFeatureRegressor(600, alpha=1e-3, random_state=0)
    assert not hasattr(est, "lambda_min_")  # unfitted: no attribute
    est.set_params(precision="mixed").fit(X, y)
    assert "_deferred_spectrum" in est.__dict__
    est.set_params(precision="float64").fit(X, y)  # a float64 refit: eager
    assert "_deferred_spectrum" not in est.__dict__
    ref = _spectrum(est)
    est.set_params(precision="mixed").fit(X, y)  # stale values are removed
    assert not any(name in est.__dict__ for name in SPECTRUM)
    # parameters changed after fit do not change the fitted spectrum
    est.set_params(fit_intercept=False, alpha=5.0, block_size=7)
    assert _spectrum(est) == ref
    with pytest.raises(AttributeError, match="no attribute 'spectrum_'"):
        _ = est.spectrum_


def test_mixed_loo_spectrum_is_float64s():
    X, y = _data(100, seed=5)
    ref = RandomFeatureRegressor(600, random_state=0).fit(X, y)
    est = RandomFeatureRegressor(600, precision="mixed", random_state=0).fit(X, y)
    assert est.solver_ == "dual-mixed-eigh-loo"
    assert _spectrum(est) == _spectrum(ref)


def test_cholesky32_condition_estimate():
    """spocon on the float32 factor: the 1-norm condition number, to a factor."""
    rng = np.random.RandomState(0)
    Z = rng.uniform(size=(50, 300))
    H = Z @ Z.T
    H -= H.mean(axis=0)  # signs of both kinds off the diagonal
    H -= H.mean(axis=1)[:, None]
    alpha = 1e-3 * np.trace(H)
    G = np.asfortranarray(np.tril(H), dtype=np.float32)  # lower triangle only
    solve, cond = _cholesky32(G, alpha)
    A = H + alpha * np.eye(50)
    assert np.linalg.cond(A, 1) / 3 <= cond <= 3 * np.linalg.cond(A, 1)
    y = rng.normal(size=50)
    assert _rel(solve(y), np.linalg.solve(A, y)) < 1e-3  # a float32 solve
    tiny = solve(1e-40 * y)  # scaled: no underflow in float32
    assert _rel(tiny, 1e-40 * np.linalg.solve(A, y)) < 1e-3
    G = np.asfortranarray(-np.eye(3), dtype=np.float32)
    assert _cholesky32(G, 0.0) is None  # not positive definite


def test_held_features_on_base_pages(monkeypatch):
    """A large held Z comes from an anonymous mmap: same values, writable."""
    import sklearn_rfnet._operator as operator

    monkeypatch.setattr(operator, "_FRESH_BYTES", 1)
    a = _fresh_array((30, 40), np.float64)
    assert a.shape == (30, 40) and a.dtype == np.float64 and a.flags.writeable
    a[...] = 2.0
    assert float(a.sum()) == 2.0 * 1200
    X, _ = _data(30)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    W = np.random.RandomState(0).normal(size=(6, 200))
    from sklearn_rfnet.activations import get_activation

    act = get_activation("wendland0", 6)
    held = FeatureOperator(X, W, act, block_bytes=2**30).materialize()
    streamed = FeatureOperator(X, W, act, block_size=7).materialize()
    np.testing.assert_array_equal(held, streamed)
