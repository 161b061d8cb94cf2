import warnings

import numpy as np
import pytest
from scipy.linalg import LinAlgWarning

import sklearn_rfnet._direct as direct
from sklearn_rfnet.exceptions import ConvergenceWarning, RankDeficiencyWarning
from sklearn_rfnet.solvers import (
    DenseOperator,
    solve_direct,
    solve_landweber,
    solve_ridge_loo,
)


def _Z(n, m, seed=0, decay=None):
    rng = np.random.RandomState(seed)
    Z = rng.normal(size=(n, m)) / np.sqrt(m)
    if decay is not None:  # prescribe singular values
        U, _, Vt = np.linalg.svd(Z, full_matrices=False)
        Z = (U * decay) @ Vt
    return Z


def _explicit_gd(Z, y, eta, k):
    """alpha_{j+1} = alpha_j - eta Z^T (Z alpha_j - y), alpha_0 = 0 (eq. A.7)."""
    alpha = np.zeros(Z.shape[1:] and (Z.shape[1],) + y.shape[1:])
    out = [alpha.copy()]
    for _ in range(k):
        alpha = alpha - eta * Z.T @ (Z @ alpha - y)
        out.append(alpha.copy())
    return out


def test_direct_equals_lstsq_min_norm(global_random_seed):
    Z = _Z(30, 120, global_random_seed)
    y = np.random.RandomState(global_random_seed).normal(size=30)
    res = solve_direct(DenseOperator(Z), y)
    ref = np.linalg.lstsq(Z, y, rcond=None)[0]
    assert res.solver == "dual-cholesky"
    np.testing.assert_allclose(res.coef, ref, rtol=1e-10)
    assert res.spectrum.rank == 30
    lam = np.linalg.eigvalsh(Z @ Z.T)
    assert res.spectrum.lambda_min == pytest.approx(lam[0], rel=1e-10)
    assert res.spectrum.lambda_max == pytest.approx(lam[-1], rel=1e-10)


def test_ill_conditioned_falls_back_to_tsqr():
    s = np.logspace(0, -6, 20)  # kappa(H_hat) = 1e12 > Cholesky limit
    Z = _Z(20, 60, decay=s)
    y = np.random.RandomState(1).normal(size=20)
    res = solve_direct(DenseOperator(Z), y)
    assert res.solver == "dual-tsqr-lsqr"
    assert 1 <= res.lsqr_iterations <= 10
    assert res.error_condition == pytest.approx(1e6, rel=1e-6)  # kappa(Z)
    ref = np.linalg.lstsq(Z, y, rcond=None)[0]
    assert np.linalg.norm(res.coef - ref) <= 1e-9 * np.linalg.norm(ref)
    assert res.spectrum.condition_number == pytest.approx(1e12, rel=1e-6)


def test_rank_deficient_warns_and_matches_lstsq():
    s = np.r_[np.ones(15), np.zeros(5)]
    Z = _Z(20, 60, decay=s)
    y = np.random.RandomState(1).normal(size=20)
    with pytest.warns(RankDeficiencyWarning, match="numerical rank 15"):
        res = solve_direct(DenseOperator(Z), y)
    assert res.spectrum.rank == 15
    assert res.spectrum.lambda_min == 0.0
    assert res.spectrum.condition_number == np.inf
    np.testing.assert_allclose(
        res.coef, np.linalg.lstsq(Z, y, rcond=None)[0], rtol=1e-8
    )


@pytest.mark.parametrize("alpha", [1e-3, 1.0])
@pytest.mark.parametrize("block_size", [None, 3])
@pytest.mark.parametrize("shape", [(15, 40), (40, 15)])
def test_ridge_matches_normal_equations(alpha, block_size, shape):
    Z = _Z(*shape)
    Y = np.random.RandomState(2).normal(size=(shape[0], 2))
    res = solve_direct(DenseOperator(Z, block_size=block_size), Y, alpha=alpha)
    assert res.solver.endswith("cholesky")
    m = shape[1]
    ref = np.linalg.solve(Z.T @ Z + alpha * np.eye(m), Z.T @ Y)
    np.testing.assert_allclose(res.coef, ref, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("alpha", [1e-9, 1e-6])
@pytest.mark.parametrize("shape", [(20, 60), (60, 20)])
def test_ridge_on_the_stable_path(alpha, shape):
    # kappa(Gram + alpha I) > 1e6: ridge by TSQR of [Z, sqrt(alpha) I]
    # (dual) or [Z; sqrt(alpha) I] (primal) and LSQR
    Z = _Z(*shape, decay=np.logspace(0, -6, 20))
    Y = np.random.RandomState(2).normal(size=(shape[0], 2))
    # stable reference: least squares on [Z; sqrt(alpha) I]
    aug = np.vstack([Z, np.sqrt(alpha) * np.eye(shape[1])])
    ref = np.linalg.lstsq(aug, np.vstack([Y, np.zeros((shape[1], 2))]), rcond=None)[0]
    for block_size in (None, 4):
        res = solve_direct(DenseOperator(Z, block_size=block_size), Y, alpha=alpha)
        assert res.solver.endswith("tsqr-lsqr")
        assert np.linalg.norm(res.coef - ref) <= 1e-8 * np.linalg.norm(ref)
        lam = np.linalg.eigvalsh(Z.T @ Z if shape[0] > shape[1] else Z @ Z.T)
        assert res.spectrum.lambda_max == pytest.approx(lam[-1], rel=1e-10)


def test_underparameterized_is_the_silent_primal_least_squares():
    Z = _Z(40, 10)
    y = np.random.RandomState(3).normal(size=40)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = solve_direct(DenseOperator(Z), y)
    assert res.solver == "primal-cholesky"
    np.testing.assert_allclose(
        res.coef, np.linalg.lstsq(Z, y, rcond=None)[0], rtol=1e-10
    )
    # the spectrum is that of Z^T Z (10 x 10): full rank, finite condition
    lam = np.linalg.eigvalsh(Z.T @ Z)
    assert res.spectrum.rank == 10
    assert res.spectrum.lambda_min == pytest.approx(lam[0], rel=1e-10)
    assert res.spectrum.condition_number == pytest.approx(lam[-1] / lam[0])


@pytest.mark.parametrize("multi", [False, True])
def test_landweber_equals_explicit_gradient_descent(multi):
    Z = _Z(12, 50, seed=4)
    rng = np.random.RandomState(4)
    y = rng.normal(size=(12, 3)) if multi else rng.normal(size=12)
    lam = np.linalg.eigvalsh(Z @ Z.T)
    eta = 2.0 / (lam[0] + lam[-1])  # Lemma 4.2
    explicit = _explicit_gd(Z, y, eta, 50)
    for k in range(1, 51):
        res = solve_landweber(
            DenseOperator(Z), y, max_iter=k, tol=0.0, step_size="optimal"
        )
        assert res.n_iter == k
        assert res.step_size == pytest.approx(eta, rel=1e-12)
        scale = np.linalg.norm(explicit[k])
        assert np.linalg.norm(res.coef - explicit[k]) <= 1e-10 * scale
    # the loss curve is the explicit relative residual at every step
    ref_curve = [np.linalg.norm(Z @ a - y) / np.linalg.norm(y) for a in explicit]
    np.testing.assert_allclose(res.loss_curve, ref_curve, rtol=1e-10)


def test_landweber_converges_to_min_norm():
    Z = _Z(15, 60, seed=5)
    y = np.random.RandomState(5).normal(size=15)
    res = solve_landweber(
        DenseOperator(Z), y, max_iter=10**7, tol=1e-13, step_size="optimal"
    )
    assert res.stop_reason == "tol" and res.n_iter < 10**7
    assert res.loss_curve[-1] <= 1e-13 < res.loss_curve[-2]
    ref = np.linalg.lstsq(Z, y, rcond=None)[0]
    np.testing.assert_allclose(res.coef, ref, rtol=1e-10)
    # Lemma 4.2: residual contracts at least by 1 - 2/(1 + kappa) per step
    rate = 1 - 2 / (1 + res.spectrum.condition_number)
    k = np.arange(len(res.loss_curve))
    assert np.all(res.loss_curve <= rate**k * (1 + 1e-9))


def test_landweber_max_iter_warning_and_rank_deficiency():
    s = np.r_[np.ones(8), np.zeros(2)]
    Z = _Z(10, 30, decay=s)
    y = np.random.RandomState(1).normal(size=10)
    with pytest.warns(RankDeficiencyWarning):
        with pytest.warns(ConvergenceWarning, match="never fitted"):
            res = solve_landweber(
                DenseOperator(Z), y, max_iter=200, tol=1e-12, step_size="optimal"
            )
    assert res.n_iter == 200 and res.stop_reason == "max_iter"
    # converged on the range of Z: the minimum-norm least-squares solution
    np.testing.assert_allclose(
        res.coef, np.linalg.lstsq(Z, y, rcond=None)[0], rtol=1e-8
    )
    # the optimal step uses the smallest non-zero eigenvalue (here 1): eta = 1
    assert res.step_size == pytest.approx(1.0, rel=1e-10)


def test_landweber_step_size_validation():
    Z = _Z(5, 20)
    lam_max = np.linalg.eigvalsh(Z @ Z.T)[-1]
    y = np.ones(5)
    with pytest.raises(ValueError, match="would diverge"):
        solve_landweber(DenseOperator(Z), y, step_size=2.0 / lam_max * 1.01)
    res = solve_landweber(
        DenseOperator(Z), y, step_size=0.5 / lam_max, max_iter=3, tol=0
    )
    explicit = _explicit_gd(Z, y, 0.5 / lam_max, 3)[3]
    np.testing.assert_allclose(res.coef, explicit, rtol=1e-12)


def test_landweber_zero_targets():
    res = solve_landweber(DenseOperator(_Z(4, 10)), np.zeros(4))
    assert res.n_iter == 0 and np.all(res.coef == 0) and res.stop_reason == "zero_y"


# --------------------------------------------------------------------------
# One answer whatever the memory setting (solver core v2)


def _prescribed(n, m, kappa, rank_def=0, seed=0):
    """``Z`` with singular values from 1 down to ``1/kappa`` (log-spaced) and
    ``rank_def`` exact zeros."""
    rng = np.random.RandomState(seed)
    k = min(n, m)
    U, _ = np.linalg.qr(rng.normal(size=(n, k)))
    V, _ = np.linalg.qr(rng.normal(size=(m, k)))
    s = np.logspace(0, -np.log10(kappa), k)
    if rank_def:
        s[-rank_def:] = 0.0
    return (U * s) @ V.T


def _loo_by_refits(Z, Y, alpha, fit_intercept):
    """Mean squared leave-one-out residual of ridge, by n explicit refits."""
    n = Z.shape[0]
    Y = Y.reshape(n, -1)
    sq = 0.0
    for i in range(n):
        keep = np.arange(n) != i
        Zk, Yk = Z[keep], Y[keep]
        z_mean = Zk.mean(axis=0) if fit_intercept else 0.0
        y_mean = Yk.mean(axis=0) if fit_intercept else 0.0
        Zc, Yc = Zk - z_mean, Yk - y_mean
        coef = np.linalg.solve(Zc.T @ Zc + alpha * np.eye(Z.shape[1]), Zc.T @ Yc)
        sq += np.mean((Y[i] - (Z[i] - z_mean) @ coef - y_mean) ** 2)
    return sq / n


@pytest.mark.parametrize("shape", [(24, 72), (72, 12)], ids=["dual", "primal"])
@pytest.mark.parametrize("fit_intercept", [False, True])
@pytest.mark.parametrize("n_targets", [None, 2])
def test_ridge_loo_errors_are_refits_whatever_block_size(
    shape, fit_intercept, n_targets
):
    """Exact leave-one-out of every alpha (all alphas in one GEMM per row
    chunk in the primal pass), against explicit refits, on kappa(Z) = 1e6."""
    n, m = shape
    Z = _prescribed(n, m, 1e6)
    rng = np.random.RandomState(2)
    Y = Z @ rng.normal(size=(m, 2)) + 0.1 * rng.normal(size=(n, 2))
    Y = Y[:, 0] if n_targets is None else Y
    alphas = np.array([1e-6, 1e-4, 1e-2, 1.0])
    expected = [_loo_by_refits(Z, Y, a, fit_intercept) for a in alphas]
    for block_size in (None, 3, max(n, m)):
        op = DenseOperator(Z, block_size=block_size)
        res = solve_ridge_loo(op, Y, alphas, fit_intercept=fit_intercept)
        assert res.solver.startswith("dual" if n < m else "primal")
        np.testing.assert_allclose(res.loo_errors, expected, rtol=1e-7)
        assert res.ridge == alphas[int(np.argmin(expected))]


@pytest.mark.parametrize("shape", [(40, 160), (160, 40)], ids=["dual", "primal"])
@pytest.mark.parametrize(
    "kappa, rank_def",
    [(1e2, 0), (1e4, 0), (1e8, 0), (1e12, 0), (1e2, 5), (1e8, 5)],
)
def test_one_answer_whatever_block_size(shape, kappa, rank_def):
    n, m = shape
    Z = _prescribed(n, m, kappa, rank_def)
    y = np.random.RandomState(1).normal(size=n)
    ref, _, ref_rank, _ = np.linalg.lstsq(Z, y, rcond=None)
    ref_res = np.linalg.norm(Z @ ref - y)
    eps = np.finfo(np.float64).eps
    # lstsq's own accuracy: eps kappa for a consistent system (dual); the
    # primal least-squares solution is more sensitive (kappa^2 tan(theta)),
    # two backward-stable solvers agree to ~eps kappa^1.x there
    if kappa <= 1e4:
        tol = 1e-10
    elif kappa <= 1e8:
        tol = 1e-8 if n < m else 1e-7
    else:
        tol = 1e3 * eps * kappa
    coefs = []
    for block_size in (None, 3, max(n, m)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LinAlgWarning)  # rank/conditioning
            res = solve_direct(DenseOperator(Z, block_size=block_size), y)
        assert res.solver.startswith("dual" if n < m else "primal")
        assert res.spectrum.rank == ref_rank
        res_norm = np.linalg.norm(Z @ res.coef - y)
        assert res_norm <= 10 * ref_res + 10 * n * eps * np.linalg.norm(y)
        assert np.linalg.norm(res.coef - ref) <= tol * np.linalg.norm(ref)
        coefs.append(res.coef)
    for c in coefs[1:]:  # the block size changes rounding only
        assert np.linalg.norm(c - coefs[0]) <= tol * np.linalg.norm(coefs[0])


def test_stable_path_singular_values_are_those_of_Z():
    # kappa(Z) = 1e7: the eigenvalues of H_hat would lose everything below
    # 1e-8 sigma_max; the TSQR keeps them
    Z = _prescribed(30, 90, 1e7)
    res = solve_direct(DenseOperator(Z, block_size=7), np.ones(30))
    s = np.linalg.svd(Z, compute_uv=False)
    assert res.solver == "dual-tsqr-lsqr"
    assert res.spectrum.lambda_min == pytest.approx(s[-1] ** 2, rel=1e-6)
    assert res.spectrum.condition_number == pytest.approx(1e14, rel=1e-5)


def test_cholesky_condition_estimate_sends_to_tsqr(monkeypatch):
    # LAPACK's estimate decides before any eigenvalue is computed
    called = []
    monkeypatch.setattr(
        direct, "_extreme_eigenvalues", lambda *a: called.append(1) or (1.0, 1.0)
    )
    Z = _prescribed(30, 90, 1e5)  # kappa(H_hat) = 1e10
    res = solve_direct(DenseOperator(Z), np.ones(30))
    assert res.solver == "dual-tsqr-lsqr" and not called


@pytest.mark.parametrize("lanczos_fails", [False, True])
def test_extreme_eigenvalues_robust_to_arpack(lanczos_fails, monkeypatch):
    # force the Lanczos path at a small order; any ARPACK error falls back
    monkeypatch.setattr(direct, "_DENSE_SPECTRUM_MAX", 10)
    if lanczos_fails:
        from scipy.sparse.linalg import ArpackError

        def broken(*args, **kwargs):
            raise ArpackError(-9)

        monkeypatch.setattr(direct, "eigsh", broken)
    Z = _Z(60, 300, seed=2)
    for alpha in (0.0, 1e-3, 10.0):  # 10 swamps lambda_min: exact fallback
        res = solve_direct(DenseOperator(Z), np.ones(60), alpha=alpha)
        lam = np.linalg.eigvalsh(Z @ Z.T)
        assert res.spectrum.lambda_min == pytest.approx(lam[0], rel=1e-6)
        assert res.spectrum.lambda_max == pytest.approx(lam[-1], rel=1e-8)


def test_landweber_exact_on_singular_gram_for_large_k():
    # two singular values 3e-8 (eigenvalues 9e-16, below the rank threshold
    # 10 eps lambda_max): gradient descent still moves along them by about
    # k eta lambda, 3e-4 of the solution at k = 10**4
    s = np.r_[np.ones(8), 3e-8, 3e-8]
    Z = _Z(10, 30, seed=3, decay=s)
    y = np.random.RandomState(3).normal(size=10)
    eta = 1.0  # 2 / (lambda_min_nonzero + lambda_max) = 2 / 2
    checkpoints = {1, 10, 1000, 10**4}
    alpha, got = np.zeros(30), {}
    for k in range(1, 10**4 + 1):
        alpha -= eta * (Z.T @ (Z @ alpha - y))
        if k in checkpoints:
            got[k] = alpha.copy()
    for k in sorted(checkpoints):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RankDeficiencyWarning)
            res = solve_landweber(
                DenseOperator(Z), y, max_iter=k, tol=0.0, step_size="optimal"
            )
        assert res.step_size == pytest.approx(eta, rel=1e-10)
        assert np.linalg.norm(res.coef - got[k]) <= 1e-10 * np.linalg.norm(got[k])


@pytest.mark.parametrize("block_size", [None, 5])
def test_landweber_primal_equals_explicit_gradient_descent(block_size):
    Z = _Z(60, 12, seed=6)  # m < n: the primal, Z^T Z is 12 x 12
    Y = np.random.RandomState(6).normal(size=(60, 2))
    lam = np.linalg.eigvalsh(Z.T @ Z)
    eta = 2.0 / (lam[0] + lam[-1])
    explicit = _explicit_gd(Z, Y, eta, 300)
    res = solve_landweber(
        DenseOperator(Z, block_size=block_size),
        Y,
        max_iter=300,
        tol=0.0,
        step_size="optimal",
    )
    assert res.solver == "primal-landweber" and res.n_iter == 300
    np.testing.assert_allclose(res.coef, explicit[300], rtol=1e-10)
    ref_curve = [np.linalg.norm(Z @ a - Y) / np.linalg.norm(Y) for a in explicit]
    np.testing.assert_allclose(res.loss_curve, ref_curve, rtol=1e-10)


def test_landweber_huge_targets_no_overflow():
    Z = _Z(8, 30, seed=7)
    y = np.random.RandomState(7).normal(size=8)
    small = solve_landweber(DenseOperator(Z), y, max_iter=50, tol=0.0)
    with np.errstate(all="raise"):
        huge = solve_landweber(DenseOperator(Z), y * 1e300, max_iter=50, tol=0.0)
    assert np.all(np.isfinite(huge.loss_curve))
    np.testing.assert_allclose(huge.loss_curve, small.loss_curve, rtol=1e-12)
    np.testing.assert_allclose(huge.coef, small.coef * 1e300, rtol=1e-12)


def test_default_step_is_one_over_lambda_max_and_monotone():
    # the optimal step of Lemma 4.2 leaves the top component oscillating
    # (1 - eta lambda_max ~ -1 for a large condition number); 1 / lambda_max
    # fits it in one step and every residual component decreases
    Z = _Z(10, 40, seed=8, decay=np.logspace(0, -3, 10))
    lam, U = np.linalg.eigh(Z @ Z.T)
    y = U[:, -1]  # the top eigenvector
    res = solve_landweber(DenseOperator(Z), y, max_iter=2, tol=0.0)
    assert res.step_size == pytest.approx(1 / lam[-1], rel=1e-10)
    assert res.loss_curve[1] < 1e-10
    opt = solve_landweber(DenseOperator(Z), y, max_iter=2, tol=0.0, step_size="optimal")
    assert opt.loss_curve[2] > 0.99  # back where it started after 2 steps


@pytest.mark.parametrize("step_size", [None, "optimal"])
def test_landweber_warning_predicts_the_steps_to_tol(step_size):
    """The max_iter warning names the number of steps tol needs (closed form
    of eq. 4.4): with that many steps the iteration stops by tol, silently,
    and with one step fewer it does not."""
    import re
    import warnings

    Z = _Z(12, 40, decay=np.geomspace(1.0, 0.1, 12))
    y = np.random.RandomState(3).normal(size=12)
    with pytest.warns(ConvergenceWarning, match="it would take") as record:
        solve_landweber(DenseOperator(Z), y, max_iter=10, tol=1e-8, step_size=step_size)
    needed = int(re.search(r"max_iter >= (\d+)", str(record[0].message)).group(1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = solve_landweber(
            DenseOperator(Z), y, max_iter=needed, tol=1e-8, step_size=step_size
        )
    assert res.stop_reason == "tol" and res.n_iter == needed
    short = solve_landweber(
        DenseOperator(Z), y, max_iter=needed - 1, tol=0.0, step_size=step_size
    )
    assert short.loss_curve[-1] > 1e-8
    # tol=0 stops at max_iter on purpose: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        solve_landweber(DenseOperator(Z), y, max_iter=10, tol=0.0)


def test_landweber_steps_to_matches_the_curve():
    from sklearn_rfnet._spectral import landweber_residuals, landweber_steps_to

    lam = np.array([2.0, 0.5, 1e-3])
    p = np.array([1.0, -2.0, 0.5])
    w = p**2 / np.sum(p**2)
    k = landweber_steps_to(lam, w, 0.5, 1e-4)
    r = landweber_residuals(lam, p, 0.5, [k - 1, k]) / np.linalg.norm(p)
    assert r[0] > 1e-4 >= r[1]
    assert landweber_steps_to(lam, w, 0.5, 1e-4, floor=1e-6) == np.inf
    assert landweber_steps_to(np.r_[lam, 0.0], np.r_[w, 0.1], 0.5, 1e-4) == np.inf
