import numpy as np
import pytest
from scipy.linalg import LinAlgWarning

from sklearn_rfnet.exceptions import (
    ConvergenceWarning,
    RankDeficiencyWarning,
    UnderParameterizedWarning,
)
from sklearn_rfnet.solvers import DenseOperator, solve_direct, solve_landweber


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
    assert res.solver == "cholesky"
    np.testing.assert_allclose(res.coef, ref, rtol=1e-10)
    assert res.spectrum.rank == 30
    lam = np.linalg.eigvalsh(Z @ Z.T)
    assert res.spectrum.lambda_min == pytest.approx(lam[0], rel=1e-10)
    assert res.spectrum.lambda_max == pytest.approx(lam[-1], rel=1e-10)


def test_ill_conditioned_falls_back_to_svd():
    s = np.logspace(0, -6, 20)  # kappa(H_hat) = 1e12 > Cholesky limit
    Z = _Z(20, 60, decay=s)
    y = np.random.RandomState(1).normal(size=20)
    res = solve_direct(DenseOperator(Z), y)
    assert res.solver == "svd"
    np.testing.assert_allclose(
        res.coef, np.linalg.lstsq(Z, y, rcond=None)[0], rtol=1e-8
    )
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


class _NoMemory(DenseOperator):
    """Same Z, but pretends it cannot be held: forces the H_hat-only paths."""

    def materialize(self):
        return None


def test_rank_deficient_without_Z_uses_eigh():
    s = np.r_[np.ones(15), np.zeros(5)]
    Z = _Z(20, 60, decay=s)
    y = np.random.RandomState(1).normal(size=20)
    with pytest.warns(RankDeficiencyWarning):
        res = solve_direct(_NoMemory(Z), y)
    assert res.solver == "eigh"
    np.testing.assert_allclose(
        res.coef, np.linalg.lstsq(Z, y, rcond=None)[0], rtol=1e-8
    )


@pytest.mark.parametrize("alpha", [1e-3, 1.0])
@pytest.mark.parametrize("op_cls", [DenseOperator, _NoMemory])
def test_ridge_matches_primal_normal_equations(alpha, op_cls):
    Z = _Z(15, 40)
    Y = np.random.RandomState(2).normal(size=(15, 2))
    res = solve_direct(op_cls(Z), Y, alpha=alpha)
    ref = np.linalg.solve(Z.T @ Z + alpha * np.eye(40), Z.T @ Y)
    np.testing.assert_allclose(res.coef, ref, rtol=1e-9, atol=1e-12)


def test_underparameterized_warns_and_gives_least_squares():
    Z = _Z(40, 10)
    y = np.random.RandomState(3).normal(size=40)
    with pytest.warns(
        UnderParameterizedWarning, match="n_components=10 < n_samples=40"
    ):
        res = solve_direct(DenseOperator(Z), y)
    np.testing.assert_allclose(
        res.coef, np.linalg.lstsq(Z, y, rcond=None)[0], rtol=1e-10
    )
    assert res.spectrum.rank == 10 and res.spectrum.lambda_min == 0.0


@pytest.mark.parametrize("multi", [False, True])
def test_landweber_equals_explicit_gradient_descent(multi):
    Z = _Z(12, 50, seed=4)
    rng = np.random.RandomState(4)
    y = rng.normal(size=(12, 3)) if multi else rng.normal(size=12)
    lam = np.linalg.eigvalsh(Z @ Z.T)
    eta = 2.0 / (lam[0] + lam[-1])  # Lemma 4.2
    explicit = _explicit_gd(Z, y, eta, 50)
    for k in range(1, 51):
        res = solve_landweber(DenseOperator(Z), y, max_iter=k, tol=0.0)
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
    res = solve_landweber(DenseOperator(Z), y, max_iter=10**7, tol=1e-13)
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
        with pytest.warns(ConvergenceWarning, match="rank deficient"):
            res = solve_landweber(DenseOperator(Z), y, max_iter=200, tol=1e-12)
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


def test_cholesky_blocked_keeps_going_with_warning():
    s = np.logspace(0, -4.5, 10)  # kappa(H_hat) = 1e9
    Z = _Z(10, 40, decay=s)
    y = np.random.RandomState(0).normal(size=10)
    with pytest.warns(LinAlgWarning, match="ill-conditioned"):
        res = solve_direct(_NoMemory(Z), y)
    assert res.solver == "cholesky"
    np.testing.assert_allclose(
        res.coef, np.linalg.lstsq(Z, y, rcond=None)[0], rtol=1e-5
    )
