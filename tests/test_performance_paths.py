"""Correctness of the fast paths (issue #4); never wall-clock.

Each fast path is checked against the plain computation it replaces:
threaded activation evaluation against one thread (bitwise), the block
buffer against fresh blocks, the in-place Cholesky against ``H`` itself, the
GEMM-built Landweber loss curve against eq. 4.4 term by term and against
explicit gradient descent, and the memory-bounded direct solve against the
dense one.
"""

import numpy as np
import pytest
from scipy import linalg

import sklearn_rfnet._direct as direct
import sklearn_rfnet._elementwise as ew
import sklearn_rfnet._spectral as spectral
import sklearn_rfnet.activations as act
from sklearn_rfnet._operator import FeatureOperator, gram_update
from sklearn_rfnet.activations import ACTIVATIONS, get_activation
from sklearn_rfnet.diagnostics import landweber_residuals
from sklearn_rfnet.features import prepare_inputs, sample_weights
from sklearn_rfnet.solvers import DenseOperator, solve_direct, solve_landweber


def _sphere(n, d, seed=0, dtype=np.float64):
    X = np.random.RandomState(seed).normal(size=(n, d))
    return (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(dtype)


def _feature_map(n=30, m=240, d=6, block_size=None, dtype=np.float64, name="wendland0"):
    X = prepare_inputs(_sphere(n, d, 0, dtype))
    W = sample_weights(d, m, random_state=1, dtype=dtype)
    return FeatureOperator(X, W, get_activation(name, d), block_size=block_size)


def _rel(a, b):
    return np.linalg.norm(np.asarray(a) - b) / np.linalg.norm(b)


# --------------------------------------------------------------------------
# activations


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_threaded_evaluation_bitwise_equal(name, dtype, monkeypatch):
    # an odd size: ranges end inside a chunk; values past +-1 exercise the clips
    z = np.random.RandomState(0).uniform(-1.3, 1.3, size=5 * ew._CHUNK + 124)
    z = z.astype(dtype)
    gamma = get_activation(name, 10, zeta=None if name != "wendland2" else 1.1)
    one = z.copy()
    act._evaluate_chunked(
        gamma._kernel, one, ell=gamma.ell, zeta=gamma.zeta, n_threads=1
    )
    submitted = []
    real_pool = ew._pool

    def spy(n_workers):
        pool = real_pool(n_workers)
        submitted.append(n_workers)
        return pool

    monkeypatch.setattr(ew, "_MIN_PARALLEL", 1)
    monkeypatch.setattr(ew, "_pool", spy)
    for n_threads in (2, 3, 6):
        many = z.copy()
        act._evaluate_chunked(
            gamma._kernel, many, ell=gamma.ell, zeta=gamma.zeta, n_threads=n_threads
        )
        np.testing.assert_array_equal(many, one)
    assert submitted == [1, 2, 5]  # the calling thread takes one range itself
    # and the whole thing is gamma: same as the public call on a 2-D array
    np.testing.assert_array_equal(gamma(z.reshape(4, -1)).ravel(), one)


@pytest.mark.parametrize("p", range(1, 21))
def test_int_power_by_multiplication(p):
    t = np.random.RandomState(p).uniform(0.0, 1.0, size=1000)
    want = t.astype(np.longdouble) ** p
    got = act._int_power_inplace(t.copy(), p, np.empty_like(t))
    # left-to-right binary powering: at most 2 log2(p) roundings
    np.testing.assert_allclose(got, want.astype(np.float64), rtol=4 * p * 2.3e-16)


@pytest.mark.parametrize("zeta", [None, 0.7, 1.9])
def test_wendland_support_edges_exact(zeta):
    # gamma = 0 exactly outside the support, 1 (or 3) at z = 1 and above
    for name, top in (("wendland0", 1.0), ("wendland2", 3.0)):
        gamma = get_activation(name, 7, zeta)
        z_edge = 1.0 - gamma.zeta**2 / 2.0  # r = 1
        z = np.array([-5.0, -1.0, z_edge - 1e-9, 1.0, 1.0 + 1e-15, 5.0])
        out = gamma(z)
        np.testing.assert_array_equal(out[:3], 0.0)
        np.testing.assert_array_equal(out[3:], top)


def test_swish_huge_inputs_finite_and_tiny():
    gamma = get_activation("swish", 4)
    with np.errstate(all="raise"):
        out = gamma(np.array([-1e300, -800.0, -708.0, 708.0, 1e300]))
    assert np.all(np.abs(out[:3]) < 1e-300)
    np.testing.assert_array_equal(out[3:], [708.0, 1e300])


# --------------------------------------------------------------------------
# blocks and the Gram matrix


@pytest.mark.parametrize("regime", ["dual", "primal"])
def test_reused_block_buffer_equals_fresh_blocks(regime):
    op = _feature_map(block_size=7 if regime == "primal" else 37)
    if regime == "primal":
        op = _feature_map(n=30, m=20, block_size=7)
    Z = op.materialize()
    reused = [(sl, G.copy()) for sl, G in op.blocks(regime)]
    for sl, G in reused:
        fresh = Z[:, sl] if regime == "dual" else Z[sl]
        np.testing.assert_array_equal(G * op.scale, fresh)
    last = reused[-1][1].shape
    assert last == ((30, 240 - 6 * 37) if regime == "dual" else (30 - 4 * 7, 20))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gram_block_size_invariance(dtype):
    ref = _feature_map(dtype=dtype, block_size=240).gram()[0]
    Z = _feature_map(dtype=np.float64).materialize()
    np.testing.assert_allclose(
        ref, Z @ Z.T, rtol=1e-12 if dtype == np.float64 else 1e-5
    )
    # float32 blocks are summed by ssyrk in float32 (error ~ k eps32 for
    # k = 240 columns, and OpenBLAS's summation order depends on its threads)
    tol = 1e-12 if dtype == np.float64 else 2e-5
    for block_size in (1, 2, 7, 64, 239):
        H = _feature_map(dtype=dtype, block_size=block_size).gram()[0]
        assert H.dtype == np.float64
        np.testing.assert_array_equal(H, H.T)
        assert _rel(H, ref) <= tol


@pytest.mark.parametrize("panel_cols", [1, 7, 64, 10_000])
def test_held_centered_gram_by_panels(panel_cols, monkeypatch):
    """The centered Gram of a held Z, panel by panel through one buffer."""
    import sklearn_rfnet._operator as operator

    monkeypatch.setattr(operator, "_PANEL_COLS", panel_cols)
    monkeypatch.setattr(operator, "_PANEL_BYTES", 1)
    Z = _feature_map(dtype=np.float64).materialize()
    Zc = Z - Z.mean(axis=0)
    op = _feature_map(dtype=np.float64, block_size=240)  # held
    assert op.in_memory
    op.center = True
    H = op.gram()[0]
    assert _rel(H, Zc @ Zc.T) <= 1e-12
    raw = op._raw_all()  # the held Z stays raw (the later products need it)
    np.testing.assert_allclose(raw * op.scale, Z, rtol=1e-15, atol=0)
    np.testing.assert_allclose(op.mean_raw * op.scale, Z.mean(axis=0), rtol=1e-13)


def test_float32_gram_work_buffer_reuse():
    G = np.random.RandomState(0).normal(size=(20, 50)).astype(np.float32)
    plain = gram_update(np.zeros((20, 20), order="F"), G, scale=0.5)
    work = np.full((20, 20), np.nan, dtype=np.float32, order="F")  # stale contents
    with_work = gram_update(np.zeros((20, 20), order="F"), G, scale=0.5, work=work)
    np.testing.assert_array_equal(np.tril(with_work), np.tril(plain))
    ref = 0.5 * G.astype(np.float64) @ G.T.astype(np.float64)
    np.testing.assert_allclose(np.tril(plain), np.tril(ref), rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------------------
# the direct solve: in-place Cholesky, Lanczos, memory-bounded path


def test_held_cholesky_keeps_H():
    Z = np.random.RandomState(0).normal(size=(40, 90))
    H = np.asfortranarray(Z @ Z.T)
    H0 = H.copy()
    factor = direct._HeldCholesky(H, 0.3)
    assert factor.H is H  # factored in place: no second n x n array
    x = np.random.RandomState(1).normal(size=40)
    np.testing.assert_allclose(factor.matvec(x), H0 @ x, rtol=1e-13)
    np.testing.assert_allclose(factor.matvec(x[:, None])[:, 0], H0 @ x, rtol=1e-13)
    Y = np.random.RandomState(2).normal(size=(40, 2))
    np.testing.assert_allclose(
        factor.solve(Y), np.linalg.solve(H0 + 0.3 * np.eye(40), Y), rtol=1e-10
    )
    np.testing.assert_array_equal(factor.restore(), H0)  # bitwise
    assert factor.restore() is H


def test_held_cholesky_failure_restores_H():
    Z = np.random.RandomState(0).normal(size=(30, 10))  # rank 10 < 30
    H = np.asfortranarray(Z @ Z.T)
    H[0, 0] = -1.0  # certainly not positive definite
    H0 = H.copy()
    with pytest.raises(linalg.LinAlgError):
        direct._HeldCholesky(H, 0.0)
    np.testing.assert_array_equal(H, H0)


def test_held_cholesky_c_ordered_input():
    Z = np.random.RandomState(3).normal(size=(15, 40))
    H = np.ascontiguousarray(Z @ Z.T)
    H0 = H.copy()
    factor = direct._HeldCholesky(H, 0.0)  # its transpose is H, Fortran-ordered
    assert np.shares_memory(factor.H, H)
    np.testing.assert_allclose(
        factor.solve(np.ones(15)), np.linalg.solve(H0, np.ones(15)), rtol=1e-10
    )
    np.testing.assert_array_equal(factor.restore(), H0)


@pytest.mark.parametrize("alpha", [0.0, 1e-3])
def test_lanczos_extremes_match_eigvalsh(alpha, monkeypatch):
    # force the n > _DENSE_SPECTRUM_MAX path at a small size
    monkeypatch.setattr(direct, "_DENSE_SPECTRUM_MAX", 10)
    op = _feature_map(n=60, m=600)
    Z = op.materialize()
    y = np.random.RandomState(0).normal(size=60)
    res = solve_direct(op, y, alpha=alpha)
    lam = np.linalg.eigvalsh(Z @ Z.T)
    assert res.solver == "dual-cholesky"
    assert res.spectrum.lambda_min == pytest.approx(lam[0], rel=1e-8)
    assert res.spectrum.lambda_max == pytest.approx(lam[-1], rel=1e-8)
    ref = Z.T @ np.linalg.solve(Z @ Z.T + alpha * np.eye(60), y)
    np.testing.assert_allclose(res.coef, ref, rtol=1e-9)


@pytest.mark.parametrize("alpha", [0.0, 1e-4])
def test_memory_bounded_equals_dense(alpha):
    dense = _feature_map(n=40, m=400)
    Z = dense.materialize()
    Y = np.random.RandomState(0).normal(size=(40, 2))
    ref = solve_direct(DenseOperator(Z), Y, alpha=alpha)
    for block_size in (1, 3, 64, 399, None):
        op = _feature_map(n=40, m=400, block_size=block_size)
        assert op.in_memory == (block_size is None)
        res = solve_direct(op, Y, alpha=alpha)
        assert res.solver == ref.solver == "dual-cholesky"
        assert _rel(res.coef, ref.coef) <= 1e-12
        assert res.spectrum.condition_number == pytest.approx(
            ref.spectrum.condition_number, rel=1e-10
        )
        # rmatmat / matmat block by block, against Z itself
        C = np.random.RandomState(1).normal(size=(40, 3))
        assert _rel(op.rmatmat(C), Z.T @ C) <= 1e-12
        assert _rel(op.matmat(res.coef), Z @ res.coef) <= 1e-12


def test_float32_end_to_end():
    op32 = _feature_map(n=30, m=600, dtype=np.float32, block_size=50)
    op64 = _feature_map(n=30, m=600, dtype=np.float64, block_size=50)
    y = np.sin(3 * _sphere(30, 6)[:, 0])
    r32, r64 = solve_direct(op32, y), solve_direct(op64, y)
    assert r32.coef.dtype == np.float32 and r64.coef.dtype == np.float64
    kappa = r64.spectrum.condition_number
    assert kappa * np.finfo(np.float32).eps < 1e-2  # float32 is adequate here
    # interpolation to about kappa * eps32, the accuracy of float32 features
    resid = _rel(op32.matmat(r32.coef).astype(np.float64), y)
    assert resid <= 10 * kappa * np.finfo(np.float32).eps
    assert r32.spectrum.condition_number == pytest.approx(kappa, rel=1e-2)


# --------------------------------------------------------------------------
# Landweber: the loss curve by GEMM, the closed form against explicit steps


def _decayed_Z(n, m, cond_H, seed=0):
    rng = np.random.RandomState(seed)
    U, _, Vt = np.linalg.svd(rng.normal(size=(n, m)), full_matrices=False)
    s = np.logspace(0, -0.5 * np.log10(cond_H), n)
    return (U * s) @ Vt


def test_landweber_large_k_equals_explicit_iteration():
    Z = _decayed_Z(12, 40, cond_H=1e4)  # slow: not converged at k = 10**4
    y = np.random.RandomState(1).normal(size=12)
    lam = np.linalg.eigvalsh(Z @ Z.T)
    eta = 2.0 / (lam[0] + lam[-1])
    checkpoints = (1, 7, 100, 2500, 10**4)
    alpha = np.zeros(40)
    curve = [1.0]
    got = {}
    for k in range(1, 10**4 + 1):
        alpha -= eta * (Z.T @ (Z @ alpha - y))
        curve.append(np.linalg.norm(Z @ alpha - y) / np.linalg.norm(y))
        if k in checkpoints:
            got[k] = alpha.copy()
    assert curve[-1] > 1e-3  # still far from converged: a real test of large k
    for k in checkpoints:
        res = solve_landweber(
            DenseOperator(Z), y, max_iter=k, tol=0.0, step_size="optimal"
        )
        assert res.n_iter == k
        assert _rel(res.coef, got[k]) <= 1e-10
        np.testing.assert_allclose(res.loss_curve, curve[: k + 1], rtol=1e-10)


@pytest.mark.parametrize("multi", [False, True])
def test_loss_curve_matches_eq_4_4_termwise(multi, monkeypatch):
    # small blocks and slabs: many GEMM slabs, a last slab cut short
    monkeypatch.setattr(spectral, "_CURVE_BLOCK_MAX", 37)
    monkeypatch.setattr(spectral, "_CURVE_SLAB", 37 * 5)
    rng = np.random.RandomState(0)
    lam = np.r_[0.0, np.logspace(-3, 0, 9)]  # one null direction: q = 1
    P = rng.normal(size=(10, 2)) if multi else rng.normal(size=10)
    y_norm = float(np.linalg.norm(P))
    eta = 2.0 / (lam[1] + lam[-1])
    w = np.sum((P.reshape(10, -1) / y_norm) ** 2, axis=1)
    n_iter, curve = spectral.landweber_curve(lam, w, eta, 20000, 0.0)
    assert n_iter == 20000 and curve.shape == (20001,)
    ks = np.arange(20001)
    ref = landweber_residuals(lam, P, eta, ks) / y_norm
    np.testing.assert_allclose(curve, ref, rtol=1e-12)


def test_loss_curve_stops_at_first_step_below_tol(monkeypatch):
    monkeypatch.setattr(spectral, "_CURVE_BLOCK_MAX", 16)
    monkeypatch.setattr(spectral, "_CURVE_SLAB", 64)
    lam = np.array([0.5, 1.0, 2.0])
    P = np.array([1.0, 1.0, 1.0])
    eta = 2.0 / 2.5
    ref = landweber_residuals(lam, P, eta, np.arange(500)) / np.sqrt(3.0)
    for tol in (0.5, 1e-3, 1e-9):
        first = int(np.flatnonzero(ref <= tol)[0])
        n_iter, curve = spectral.landweber_curve(lam, P**2 / 3.0, eta, 499, tol)
        assert n_iter == first and curve.size == first + 1
        assert curve[-1] <= tol < curve[-2]
    # exact zero eigenvalue of 1 - eta lambda: q = 0, residual drops at k = 1
    n_iter, curve = spectral.landweber_curve(
        np.array([1.0]), np.array([1.0]), 1.0, 5, 0.0
    )
    np.testing.assert_array_equal(curve, [1.0, 0.0, 0.0, 0.0, 0.0, 0.0])


def test_landweber_ten_million_steps_memory_sane():
    # 10**7 steps: the curve itself (80 MB) is the only large array
    Z = _decayed_Z(20, 60, cond_H=1e8)
    y = np.random.RandomState(0).normal(size=20)
    res = solve_landweber(DenseOperator(Z), y, max_iter=10**7, tol=0.0)
    assert res.n_iter == 10**7 and res.loss_curve.shape == (10**7 + 1,)
    ks = np.array([0, 1, 12345, 10**6, 10**7 - 1, 10**7])
    lam, U = np.linalg.eigh(Z @ Z.T)
    ref = landweber_residuals(lam, U.T @ y, res.step_size, ks) / np.linalg.norm(y)
    np.testing.assert_allclose(res.loss_curve[ks], ref, rtol=1e-9)
    assert np.all(np.diff(res.loss_curve) <= 1e-15)  # non-increasing (Lemma 4.2)


@pytest.mark.parametrize("n,block", [(1, 512), (7, 3), (1100, 512), (600, 600)])
def test_symmetrize_lower_copies_the_lower_triangle(n, block):
    """The Gram matrices are accumulated on one triangle (SYRK); the other is
    filled from it, block by block, whatever is in it before."""
    from sklearn_rfnet._operator import symmetrize_lower

    rng = np.random.RandomState(n)
    A = rng.normal(size=(n, n))
    L = np.tril(A)
    H = np.asfortranarray(A)  # garbage above the diagonal
    out = symmetrize_lower(H, block=block)
    assert out is H
    np.testing.assert_array_equal(H, L + np.tril(L, -1).T)
