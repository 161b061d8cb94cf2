"""Fit, predict and partial_fit on dask arrays, on a real 2-process LocalCluster.

Every test compares with the in-memory estimator on the same data: the
distributed fit must give the same model to rounding (1e-8 relative).
"""

import warnings

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")

from sklearn_rfnet import RandomFeatureRegressor, WendlandFeatures  # noqa: E402
from sklearn_rfnet._dask import DaskWidthOperator, is_dask_collection  # noqa: E402
from sklearn_rfnet.activations import get_activation  # noqa: E402
from sklearn_rfnet.exceptions import RankDeficiencyWarning  # noqa: E402
from sklearn_rfnet.features import (  # noqa: E402
    WEIGHT_BLOCK,
    prepare_inputs,
    resolve_bias,
    sample_weights,
    weight_columns,
)

RTOL = 1e-8


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2,
            processes=True,
            threads_per_worker=1,
            dashboard_address=None,
            memory_limit="1GiB",
        ) as cluster,
        distributed.Client(cluster) as cl,
    ):
        yield cl


def _rel(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300))


def _data(n, d=4, t=None, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, d))
    y = np.sin(2 * X[:, 0]) + X[:, 1] ** 2 + 0.1 * rng.normal(size=n)
    if t:
        y = np.column_stack([y + k * X[:, 2] for k in range(t)])
    return X, y


def _assert_same_model(dask_est, ref, rtol=RTOL):
    assert _rel(dask_est.coef_, ref.coef_) < rtol
    assert _rel(dask_est.intercept_, ref.intercept_) < rtol
    for name in ("lambda_min_", "lambda_max_"):
        assert _rel(getattr(dask_est, name), getattr(ref, name)) < 1e-6, name
    assert dask_est.rank_ == ref.rank_
    np.testing.assert_array_equal(dask_est.random_weights_, ref.random_weights_)
    assert getattr(dask_est, "alpha_", None) == getattr(ref, "alpha_", None)


def test_workers_import_this_package(client):
    import sklearn_rfnet

    files = client.run(lambda: __import__("sklearn_rfnet").__file__)
    assert set(files.values()) == {sklearn_rfnet.__file__}


def test_is_dask_collection_without_import():
    assert not is_dask_collection(np.ones(3))
    assert is_dask_collection(da.ones(3))


PARAMS = [
    {},  # alpha="auto": exact leave-one-out
    {"alpha": 1e-3, "fit_intercept": False},
    {"alpha": 1e-2, "bias": False},
    {"solver": "landweber", "max_iter": 40},
]


@pytest.mark.parametrize("params", PARAMS, ids=str)
@pytest.mark.parametrize("regime", ["primal", "dual"])
def test_dask_fit_equals_in_memory_fit(client, regime, params):
    n, m = (300, 40) if regime == "primal" else (50, 700)
    X, y = _data(n, t=2 if params.get("bias") is False else None)
    kw = dict(n_components=m, random_state=3, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Landweber's max_iter warning, both
        ref = RandomFeatureRegressor(**kw).fit(X, y)
        est = RandomFeatureRegressor(**kw).fit(
            da.from_array(X, chunks=(n // 3 + 1, 2)), da.from_array(y, chunks=n // 4)
        )
    assert est.solver_ == ref.solver_ and est.solver_.startswith(regime)
    _assert_same_model(est, ref)
    pred = est.predict(da.from_array(X, chunks=(n // 5 + 1, 4)))
    assert isinstance(pred, da.Array) and pred.shape == np.shape(y)
    assert _rel(pred.compute(), ref.predict(X)) < RTOL
    assert est.score(da.from_array(X, chunks=n // 2), y) == pytest.approx(
        ref.score(X, y), rel=1e-10
    )


def test_mixed_precision_on_dask_is_the_float64_fit(client):
    """precision="mixed" is in-memory only: over width tasks the estimators'
    solver dispatch takes the float64 path (DaskWidthOperator has no float32
    twin), the same model as the float64 fit."""
    X, y = _data(50)
    kw = dict(n_components=700, alpha=1e-3, random_state=3)
    ref = RandomFeatureRegressor(**kw).fit(X, y)
    est = RandomFeatureRegressor(precision="mixed", **kw)
    est.fit(da.from_array(X, chunks=17), da.from_array(y, chunks=13))
    assert est.solver_ == ref.solver_ == "dual-cholesky"
    _assert_same_model(est, ref)


@pytest.mark.parametrize("regime", ["primal", "dual"])
def test_ill_conditioned_takes_the_tsqr_path(client, regime):
    """alpha=0 on an ill-conditioned Gram: a distributed TSQR, not Cholesky."""
    n, m = (400, 60) if regime == "primal" else (60, 90)
    X, y = _data(n)
    kw = dict(n_components=m, alpha=0.0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # interpolation peak / LinAlgWarning
        ref = RandomFeatureRegressor(**kw).fit(X, y)
        est = RandomFeatureRegressor(**kw).fit(da.from_array(X, chunks=97), y)
    assert ref.solver_ == f"{regime}-tsqr-lsqr"
    # the primal solves min ||R c - Q^T y|| from dask's TSQR of [Z_c, y_c]
    assert est.solver_ == ("primal-tsqr" if regime == "primal" else ref.solver_)
    assert ref.condition_number_ > 1e5
    _assert_same_model(est, ref, rtol=1e-7)


@pytest.mark.parametrize("regime", ["primal", "dual"])
def test_float32_preserved(client, regime):
    n, m = (300, 40) if regime == "primal" else (50, 600)
    X, y = _data(n)
    kw = dict(n_components=m, alpha=1e-2, random_state=1)
    exact = RandomFeatureRegressor(**kw).fit(X, y)  # float64
    X = X.astype(np.float32)
    ref = RandomFeatureRegressor(**kw).fit(X, y)
    est = RandomFeatureRegressor(**kw).fit(da.from_array(X, chunks=70), y)
    assert est.coef_.dtype == est.random_weights_.dtype == np.float32
    np.testing.assert_array_equal(est.random_weights_, ref.random_weights_)
    # float32 rounding (eps32 kappa ~ 1e-7 * 1e3), as the in-memory float32 fit
    assert _rel(ref.coef_, exact.coef_) < 1e-4
    assert _rel(est.coef_, exact.coef_) < 1e-4
    pred = est.predict(da.from_array(X, chunks=70))
    assert pred.dtype == np.float32 and pred.compute().dtype == np.float32


def test_predict_is_lazy(client):
    X, y = _data(200)
    est = RandomFeatureRegressor(n_components=30, random_state=0).fit(
        da.from_array(X, chunks=50), y
    )

    def boom():
        raise RuntimeError("X was computed")

    lazy = da.from_delayed(dask.delayed(boom)(), shape=(40, 4), dtype=np.float64)
    pred = est.predict(lazy)  # builds a graph, computes nothing
    assert isinstance(pred, da.Array) and pred.shape == (40,)
    with pytest.raises(RuntimeError, match="X was computed"):
        pred.compute()
    Z = WendlandFeatures(n_components=30, random_state=0).fit(X).transform(lazy)
    assert isinstance(Z, da.Array) and Z.shape == (40, 30)


def test_transform_on_dask_equals_numpy(client):
    X, _ = _data(120)
    ref = WendlandFeatures(n_components=300, random_state=5).fit(X)
    tr = WendlandFeatures(n_components=300, random_state=5).fit(
        da.from_array(X, chunks=40)
    )
    np.testing.assert_array_equal(tr.random_weights_, ref.random_weights_)
    Z = tr.transform(da.from_array(X, chunks=33))
    np.testing.assert_allclose(Z.compute(), ref.transform(X), rtol=1e-13, atol=0)


@pytest.mark.parametrize("n_tasks", [1, 3, 7])
def test_dual_operator_independent_of_width_tasks(n_tasks, client):
    X, _ = _data(40)
    Xt = prepare_inputs(X, bias=True)
    act = get_activation("wendland0", 5)
    op = DaskWidthOperator(da.from_array(Xt), 11, 2000, "sphere", act, n_tasks)
    from sklearn_rfnet._operator import FeatureOperator

    ref = FeatureOperator(Xt, sample_weights(5, 2000, random_state=11), act)
    op.center = ref.center = True
    H, ref_H = op.gram()[0], ref.gram()[0]
    assert _rel(H, ref_H) < 1e-12
    C = np.random.RandomState(0).normal(size=(40, 2))
    assert _rel(op.rmatmat(C), ref.rmatmat(C)) < 1e-12
    A = np.random.RandomState(1).normal(size=2000)
    assert _rel(op.matmat(A), ref.matmat(A)) < 1e-12
    R, ref_R = op.tsqr(0.5), ref.tsqr(0.5)
    assert _rel(R.T @ R, ref_R.T @ ref_R) < 1e-12


@pytest.mark.parametrize("chunks", [37, 100, 400])
def test_same_seed_same_model_whatever_the_chunks(client, chunks):
    X, y = _data(400)
    ref = RandomFeatureRegressor(n_components=50, alpha=1e-3, random_state=7)
    ref.fit(X, y)
    est = RandomFeatureRegressor(n_components=50, alpha=1e-3, random_state=7)
    est.fit(da.from_array(X, chunks=chunks), da.from_array(y, chunks=chunks))
    _assert_same_model(est, ref)


def test_block_wise_draw_equals_the_whole_draw():
    W = sample_weights(6, 3 * WEIGHT_BLOCK + 17, random_state=4)
    edges = [0, 5, WEIGHT_BLOCK, WEIGHT_BLOCK + 1, 2 * WEIGHT_BLOCK + 100, W.shape[1]]
    parts = [
        weight_columns(6, slice(a, b), 4)
        for a, b in zip(edges[:-1], edges[1:], strict=True)
    ]
    np.testing.assert_array_equal(np.hstack(parts), W)
    # a wider layer extends a narrower one
    np.testing.assert_array_equal(sample_weights(6, 10, random_state=4), W[:, :10])
    # float32 is the float64 draw rounded
    W32 = sample_weights(6, W.shape[1], random_state=4, dtype=np.float32)
    np.testing.assert_array_equal(W32, W.astype(np.float32))
    # a RandomState gives one seed: same state, same weights
    a = sample_weights(6, 40, random_state=np.random.RandomState(1))
    b = sample_weights(6, 40, random_state=np.random.RandomState(1))
    np.testing.assert_array_equal(a, b)
    assert sample_weights(6, 40, random_state=None).shape == (6, 40)
    assert not np.array_equal(sample_weights(6, 40, random_state=5), W[:, :40])


@pytest.mark.parametrize(
    "params",
    [
        {"alpha": 1e-3},
        {"alpha": 0.0, "activation": "relu", "bias": True},  # well conditioned
        {"alpha": 1e-2, "fit_intercept": False},
        {"solver": "landweber", "max_iter": 30},
    ],
    ids=str,
)
def test_partial_fit_over_chunks_equals_fit(params):
    X, y = _data(500, t=2)
    # the constant of bias="scale" on all rows (partial_fit would take the
    # first batch's: see test_partial_fit_resolves_bias_on_the_first_batch)
    kw = dict(n_components=50, random_state=3, bias=resolve_bias("scale", X))
    kw.update(params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = RandomFeatureRegressor(**kw).fit(X, y)
        est = RandomFeatureRegressor(**kw)
        for rows in np.array_split(np.arange(500), 5):
            est.partial_fit(X[rows], y[rows])
            assert est.coef_.shape == ref.coef_.shape  # usable after each call
    assert est.solver_ == ref.solver_
    _assert_same_model(est, ref)


@pytest.mark.parametrize("solver", ["direct", "landweber"])
def test_rank_deficient_partial_fit_is_the_minimum_norm_fit(solver):
    # relu without bias on 1-d data: every row of X_tilde is +-1, so Z has
    # two distinct rows and rank 2 < m. partial_fit (statistics only) takes
    # the eigendecomposition of Z^T Z; fit the TSQR of Z: the same model.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 1))
    y = np.sign(X[:, 0]) + 0.1 * rng.normal(size=300)
    kw = dict(n_components=30, alpha=0.0, activation="relu", bias=False)
    kw.update(solver=solver, tol=0, max_iter=50, random_state=0)
    with pytest.warns(RankDeficiencyWarning) as record:
        ref = RandomFeatureRegressor(**kw).fit(X, y)
        est = RandomFeatureRegressor(**kw)
        for rows in np.array_split(np.arange(300), 3):
            est.partial_fit(X[rows], y[rows])
    # the rank is reported; no second warning about accuracy it does not lose
    assert {w.category for w in record} == {RankDeficiencyWarning}
    assert est.rank_ == ref.rank_ == 2  # [Z, 1] has two distinct rows
    assert est.solver_ == ("primal-eigh" if solver == "direct" else ref.solver_)
    np.testing.assert_allclose(est.predict(X), ref.predict(X), atol=1e-10)


def test_partial_fit_resolves_bias_on_the_first_batch():
    X, y = _data(300)
    X[150:] *= 3.0  # a later batch with a larger spread changes nothing
    est = RandomFeatureRegressor(n_components=40, random_state=0)
    est.partial_fit(X[:150], y[:150])
    first = est.bias_
    assert first == pytest.approx(resolve_bias("scale", X[:150]))
    est.partial_fit(X[150:], y[150:])
    assert est.bias_ == first != pytest.approx(resolve_bias("scale", X))
    ref = RandomFeatureRegressor(n_components=40, random_state=0, bias=first)
    np.testing.assert_allclose(est.coef_, ref.fit(X, y).coef_, rtol=1e-8)


def test_partial_fit_with_dask_batches_and_auto_alpha(client):
    X, y = _data(400)
    kw = dict(n_components=40, random_state=0, bias=True)
    est = RandomFeatureRegressor(**kw)
    for rows in np.array_split(np.arange(400), 2):
        est.partial_fit(da.from_array(X[rows], chunks=70), y[rows])
    whole = RandomFeatureRegressor(**kw).partial_fit(X, y)
    assert est.solver_ == "primal-eigh-gcv"  # no second pass: GCV, not LOO
    assert _rel(est.coef_, whole.coef_) < RTOL and est.alpha_ == whole.alpha_
    # fit() discards the accumulated rows: partial_fit then starts afresh
    est.fit(X[:100], y[:100])
    est.partial_fit(X, y)
    assert _rel(est.coef_, whole.coef_) < RTOL
    with pytest.raises(ValueError, match="target"):
        est.partial_fit(X[:10], np.ones((10, 2)))


def test_non_finite_dask_input_raises(client):
    X, y = _data(100)
    X[17, 1] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        RandomFeatureRegressor(n_components=10).fit(da.from_array(X, chunks=30), y)
    with pytest.raises(ValueError, match="4 features"):
        RandomFeatureRegressor(n_components=10).fit(_data(50)[0], _data(50)[1]).predict(
            da.ones((3, 3))
        )


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("regime", ["primal", "dual"])
def test_classifier_on_dask_equals_in_memory(client, n_classes, regime):
    from sklearn_rfnet import RandomFeatureClassifier

    n, m = (240, 30) if regime == "primal" else (60, 500)
    X, _ = _data(n)
    labels = np.array(["a", "b", "c"])[:n_classes]
    y = labels[np.digitize(X[:, 0], np.quantile(X[:, 0], [1 / 3, 2 / 3])) % n_classes]
    ref = RandomFeatureClassifier(n_components=m, random_state=2).fit(X, y)
    clf = RandomFeatureClassifier(n_components=m, random_state=2).fit(
        da.from_array(X, chunks=70), da.from_array(y, chunks=70)
    )
    np.testing.assert_array_equal(clf.classes_, ref.classes_)
    _assert_same_model(clf, ref)
    Xd = da.from_array(X, chunks=50)
    pred = clf.predict(Xd)
    assert isinstance(pred, da.Array)
    np.testing.assert_array_equal(pred.compute(), ref.predict(X))
    assert clf.score(Xd, y) == ref.score(X, y)


def test_cv_estimators_reject_dask_input():
    from sklearn_rfnet import RandomFeatureClassifierCV, RandomFeatureRegressorCV

    X, y = _data(30)
    for est in (RandomFeatureRegressorCV(), RandomFeatureClassifierCV()):
        with pytest.raises(TypeError, match="does not take dask arrays"):
            est.fit(da.from_array(X), y > 0)
