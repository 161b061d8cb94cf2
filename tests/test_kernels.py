"""The network at infinite width: the kernel and the estimators on it."""

import math
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import approx_fprime, minimize
from sklearn.base import clone
from sklearn.decomposition import KernelPCA
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, WhiteKernel
from sklearn.kernel_ridge import KernelRidge
from sklearn.svm import SVC, SVR
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_rfnet import RandomFeatureRegressor, WendlandFeatures, _kernel_solvers
from sklearn_rfnet.activations import get_activation
from sklearn_rfnet.datasets import make_bad_points
from sklearn_rfnet.diagnostics import required_width
from sklearn_rfnet.exceptions import RankDeficiencyWarning
from sklearn_rfnet.features import resolve_bias
from sklearn_rfnet.kernels import (
    InfiniteWidthClassifier,
    InfiniteWidthKernel,
    InfiniteWidthRegressor,
)
from sklearn_rfnet.population import relu_kernel
from sklearn_rfnet.regressor import AUTO_ALPHAS


def _data(n=30, p=3, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, p))
    y = np.sin(2 * X[:, 0]) + X[:, 1] * X[:, 2] + 0.1 * rng.normal(size=n)
    return X, y


def _phi1(activation="wendland0", d=4, zeta="scale", weights="sphere"):
    """The estimators' unit of alpha."""
    return get_activation(activation, d, zeta).second_moment(weights)


# --------------------------------------------------------------------------
# The kernel is the limit of Z Z^T
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "activation, weights, bias",
    [
        ("wendland0", "sphere", True),
        ("wendland2", "sphere", False),
        ("relu", "gaussian", True),
        ("swish", "sphere", True),
        ("wendland0", "gaussian", False),
    ],
)
def test_kernel_is_the_mean_of_H_hat_over_widths(activation, weights, bias):
    """E[H_hat] = H (eq. 2.7): the mean over 300 independent networks of width
    50 lies within 4 standard errors of the kernel, entry by entry."""
    X, _ = _data(n=6, p=3, seed=1)
    params = dict(activation=activation, weights=weights, bias=bias)
    K = InfiniteWidthKernel(**params)(X)
    draws = np.array(
        [
            (Z := WendlandFeatures(50, random_state=r, **params).fit_transform(X)) @ Z.T
            for r in range(300)
        ]
    )
    mean = draws.mean(axis=0)
    se = draws.std(axis=0, ddof=1) / math.sqrt(len(draws))
    assert np.all(se > 0)
    assert np.all(np.abs(mean - K) < 4 * se)
    # and it is not a vacuous bound: the noise is small next to K itself
    assert se.max() < 0.05 * np.abs(K).max()


@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("weights", ["sphere", "gaussian"])
def test_relu_kernel_is_the_closed_form(bias, weights):
    """ReLU: eq. 3.1 (1/d times the arc-cosine kernel; the arc-cosine kernel
    itself for Gaussian weights), written out here independently."""
    X, _ = _data(n=12, p=4, seed=2)
    Y = X[:5] * 3.0
    k = InfiniteWidthKernel(activation="relu", weights=weights, bias=bias)
    Xn = np.hstack([X, np.ones((12, 1))]) if bias else X
    Yn = np.hstack([Y, np.ones((5, 1))]) if bias else Y
    Xn = Xn / np.linalg.norm(Xn, axis=1, keepdims=True)
    Yn = Yn / np.linalg.norm(Yn, axis=1, keepdims=True)
    d = Xn.shape[1]
    theta = np.arccos(np.clip(Xn @ Yn.T, -1, 1))
    arccos = (np.sin(theta) + (np.pi - theta) * np.cos(theta)) / (2 * np.pi)
    expected = arccos if weights == "gaussian" else arccos / d
    np.testing.assert_allclose(k(X, Y), expected, rtol=0, atol=1e-12)
    if weights == "sphere":
        np.testing.assert_allclose(k(X), relu_kernel(Xn @ Xn.T, d), rtol=0, atol=1e-12)


# --------------------------------------------------------------------------
# scikit-learn's kernel conventions
# --------------------------------------------------------------------------
def test_kernel_conventions():
    X, _ = _data()
    k = InfiniteWidthKernel(zeta=2.5)
    K = k(X)
    assert np.array_equal(np.diag(K), k.diag(X))
    np.testing.assert_array_equal(K, K.T)
    assert np.all(np.linalg.eigvalsh(K) > 0)  # Theorem 3.4
    assert k.is_stationary() is False
    assert k.requires_vector_input
    k2 = clone(k)
    assert k2 == k and k2 is not k
    assert k.get_params()["zeta"] == 2.5
    # zeta is the one hyperparameter, in log space
    assert [h.name for h in k.hyperparameters] == ["zeta"]
    np.testing.assert_allclose(k.theta, [math.log(2.5)])
    np.testing.assert_allclose(k.bounds, np.log([[0.1, 1e4]]))
    k3 = k.clone_with_theta(np.log([3.5]))
    assert k3.zeta == pytest.approx(3.5) and k.zeta == 2.5
    assert not np.allclose(k3(X), K)
    # a cross kernel with itself is the kernel (up to the exact diagonal)
    np.testing.assert_allclose(k(X, X), K, rtol=1e-12, atol=0)


@pytest.mark.parametrize(
    "params",
    [
        dict(),  # zeta="scale"
        dict(zeta=None),
        dict(zeta=2.0, zeta_bounds="fixed"),
        dict(activation="relu", zeta=2.0),  # zeta ignored by ReLU
    ],
)
def test_zeta_fixed_unless_a_number_for_a_wendland_activation(params):
    X, _ = _data(n=5)
    k = InfiniteWidthKernel(**params)
    assert k.hyperparameter_zeta.fixed
    assert k.theta.shape == (0,)
    K, grad = k(X, eval_gradient=True)
    assert grad.shape == (5, 5, 0)
    np.testing.assert_array_equal(K, k(X))


@pytest.mark.parametrize("activation", ["wendland0", "wendland2"])
def test_gradient_matches_finite_differences(activation):
    X, _ = _data(n=8)
    k = InfiniteWidthKernel(activation=activation, zeta=2.2)
    K, grad = k(X, eval_gradient=True)
    assert grad.shape == (8, 8, 1)

    def entries(theta):
        return k.clone_with_theta(theta)(X).ravel()

    h = 1e-3
    t = k.theta[0]
    numeric = (entries([t + h]) - entries([t - h])) / (2 * h)
    scale = np.max(np.abs(numeric))
    assert scale > 1e-3 * np.max(K)  # zeta really moves the kernel
    np.testing.assert_allclose(grad[:, :, 0].ravel(), numeric, atol=1e-5 * scale)


def _few_lbfgs_steps(obj_func, initial_theta, bounds):
    """GaussianProcessRegressor's optimizer, capped at 6 iterations (every
    new zeta builds three tables of phi)."""
    res = minimize(
        obj_func,
        initial_theta,
        method="L-BFGS-B",
        jac=True,
        bounds=bounds,
        options={"maxiter": 6},
    )
    return res.x, res.fun


def test_gaussian_process_with_uncertainty():
    rng = np.random.RandomState(3)
    X = rng.uniform(-2, 2, size=(25, 2))  # d = 3 with the bias
    Xt = np.linspace(-3, 3, 10)[:, None] * np.array([[1.0, 0.5]])
    y = np.sin(2 * X[:, 0]) + X[:, 1] + 0.1 * rng.normal(size=25)
    kernel = ConstantKernel() * InfiniteWidthKernel(zeta=3.0) + WhiteKernel(0.1)
    gp = GaussianProcessRegressor(
        kernel, normalize_y=True, optimizer=_few_lbfgs_steps, random_state=0
    )
    # the log-marginal-likelihood gradient, through our kernel gradient
    theta = gp.kernel.theta
    gp.fit(X, y)
    lml, grad = gp.log_marginal_likelihood(theta, eval_gradient=True)
    numeric = approx_fprime(theta, gp.log_marginal_likelihood, 1e-6)
    np.testing.assert_allclose(grad, numeric, rtol=1e-3, atol=1e-4)
    assert grad[1] != 0.0  # d/dlog(zeta) takes part
    zeta = gp.kernel_.k1.k2.zeta
    assert 0.1 <= zeta <= 1e4 and zeta != 3.0  # tuned
    assert gp.log_marginal_likelihood_value_ > lml
    mean, std = gp.predict(Xt, return_std=True)
    assert mean.shape == std.shape == (10,)
    assert np.all(np.isfinite(std)) and np.all(std > 0)
    assert std[0] > std[5]  # outside the data (x = -3) less certain than inside


def test_kernel_inputs_and_errors():
    X, _ = _data(n=6)
    k = InfiniteWidthKernel()
    X32 = X.astype(np.float32)
    X_copy = X32.copy()
    K32 = k(X32)
    assert K32.dtype == np.float32 and k.diag(X32).dtype == np.float32
    np.testing.assert_array_equal(X32, X_copy)  # nothing of the caller's moved
    np.testing.assert_allclose(K32, k(X), rtol=1e-6)
    np.testing.assert_allclose(k(sp.csr_matrix(X)), k(X), rtol=1e-14)
    with pytest.raises(ValueError, match="Y is None"):
        k(X, X, eval_gradient=True)
    with pytest.raises(ValueError, match="same number of features"):
        k(X, X[:, :2])
    with pytest.raises(ValueError, match="normalize=False"):
        InfiniteWidthKernel(normalize=False)(X)
    with pytest.raises(ValueError, match="zeta_bounds"):
        InfiniteWidthKernel(zeta=2.0, zeta_bounds=(3.0, 1.0))(X)
    with pytest.raises(ValueError, match="activation"):
        InfiniteWidthKernel(activation="tanh")(X)
    with pytest.raises(ValueError, match="weights"):
        InfiniteWidthKernel(weights="uniform")(X)
    with pytest.raises(TypeError, match="bias"):
        InfiniteWidthKernel(bias="yes")(X)
    with pytest.raises(ValueError, match="NaN|infinity"):
        k(np.where(X > 1, np.nan, X))
    # rows already on the sphere are accepted as they are with normalize=False
    Xs = X / np.linalg.norm(X, axis=1, keepdims=True)
    np.testing.assert_allclose(
        InfiniteWidthKernel(normalize=False, bias=False)(Xs),
        InfiniteWidthKernel(bias=False)(X),
        rtol=1e-13,
    )


@pytest.mark.parametrize("zeta", [0.1, 0.11, 0.12])
def test_narrow_wendland_on_the_circle_is_accurate_and_quiet(zeta):
    """1-D input with the bias lives on the circle (d = 2), where a narrow
    support (the zetas a Gaussian process explores) tabulates phi to ~5e-13,
    not 1e-13: no IntegrationWarning for a built-in activation, whose kinks
    are known, and the accuracy is still far below any use."""
    X = np.linspace(-3, 3, 7)[:, None]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        InfiniteWidthKernel(zeta=zeta)(X)
    info = InfiniteWidthKernel(zeta=zeta)._phi(2).table_info
    assert info["error_estimate"] < 1e-11


def test_zero_rows_are_the_limit_of_their_constant_features():
    """bias=False: a row of zeros has the features gamma(0)/sqrt(m); H_hat
    against it tends to gamma(0) E[gamma(y^T w)] (within 4 SE of a wide net)."""
    X = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 3.0], [0.0, -1.0, 0.5]])
    k = InfiniteWidthKernel(bias=False)
    K = k(X)
    assert K[0, 1] == K[0, 2] == K[1, 0] > 0
    assert k.diag(X)[0] == K[0, 0]
    m = 200_000
    Z = WendlandFeatures(m, bias=False, random_state=0).fit_transform(X)
    s = m * Z[0] * Z[1]  # one sample per hidden unit
    assert abs(s.mean() - K[0, 1]) < 4 * s.std() / math.sqrt(m)


@pytest.mark.parametrize("kind", ["ridge", "svr", "svc", "kpca"])
def test_callable_and_precomputed_routes_agree(kind):
    X, y = _data(n=40)
    Xt, _ = _data(n=10, seed=5)
    k = InfiniteWidthKernel()
    K, Kt = k(X), k(Xt, X)
    make = {
        "ridge": lambda kern: KernelRidge(alpha=1e-3, kernel=kern),
        "svr": lambda kern: SVR(kernel=kern, C=10.0),
        "svc": lambda kern: SVC(kernel=kern, C=10.0),
        "kpca": lambda kern: KernelPCA(3, kernel=kern),
    }[kind]
    target = (y > np.median(y)).astype(int) if kind == "svc" else y
    direct, pre = make(k).fit(X, target), make("precomputed").fit(K, target)
    if kind == "kpca":
        np.testing.assert_allclose(
            np.abs(direct.transform(Xt)), np.abs(pre.transform(Kt)), atol=1e-10
        )
    else:
        np.testing.assert_allclose(direct.predict(Xt), pre.predict(Kt), atol=1e-10)


# --------------------------------------------------------------------------
# The estimators
# --------------------------------------------------------------------------
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_regressor_is_kernel_ridge_on_H(fit_intercept):
    X, y = _data(n=40)
    Xt, _ = _data(n=10, seed=6)
    alpha = 0.05
    reg = InfiniteWidthRegressor(alpha=alpha, fit_intercept=fit_intercept).fit(X, y)
    k = reg.kernel_  # the kernel with the fitted bias_
    assert k.bias == resolve_bias("scale", X)
    H = k(X)
    ridge = alpha * _phi1()
    if fit_intercept:
        n = len(y)
        P = np.eye(n) - 1.0 / n
        kr = KernelRidge(alpha=ridge, kernel="precomputed").fit(P @ H @ P, y - y.mean())
        intercept = y.mean() - np.mean(H @ kr.dual_coef_)
    else:
        kr = KernelRidge(alpha=ridge, kernel="precomputed").fit(H, y)
        intercept = 0.0
    np.testing.assert_allclose(reg.dual_coef_, kr.dual_coef_, rtol=1e-8, atol=1e-10)
    assert reg.intercept_ == pytest.approx(intercept, rel=1e-8, abs=1e-12)
    expected = k(Xt, X) @ kr.dual_coef_ + intercept
    np.testing.assert_allclose(reg.predict(Xt), expected, rtol=1e-9)
    assert reg.solver_ == "kernel-cholesky" and reg.alpha_ == alpha
    assert reg.n_iter_ == 1


def _H(X):
    """``H`` of the estimators' default input preparation (``bias="scale"``)."""
    return InfiniteWidthKernel(bias=resolve_bias("scale", X))(X)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_cholesky_and_eigendecomposition_paths_agree(fit_intercept):
    """Ridge by Cholesky (on the centered, deflated system with an
    intercept) equals ridge in the eigenbasis of H, and both report the
    spectrum of H."""
    X, y = _data(n=300)
    H = _H(X)
    alpha = 0.01 * _phi1()
    chol = _kernel_solvers.kernel_ridge(H, y, alpha, fit_intercept=fit_intercept)
    summary, fit, _ = _kernel_solvers._ridge_paths(H, y, [alpha], fit_intercept)
    C, b = fit(alpha)
    assert chol.solver == "kernel-cholesky"
    np.testing.assert_allclose(chol.coef, C[:, 0], rtol=1e-8, atol=1e-9 * abs(C).max())
    assert chol.intercept == pytest.approx(b[0] if fit_intercept else 0.0, rel=1e-8)
    lam = np.linalg.eigvalsh(H)
    assert chol.spectrum.lambda_max == pytest.approx(lam[-1], rel=1e-9)
    assert chol.spectrum.lambda_min == pytest.approx(lam[0], rel=1e-6)
    assert summary.lambda_min == pytest.approx(lam[0], rel=1e-6)


def test_intercept_problem_is_solved():
    """With an intercept: min ||y - H C - b 1||^2 + a C^T H C, by its normal
    equations (H + a I) C + b 1 = y, 1^T C = 0 (H nonsingular)."""
    X, y = _data(n=30)
    reg = InfiniteWidthRegressor(alpha=0.1).fit(X, y)
    H = _H(X)
    a = 0.1 * _phi1()
    n = len(y)
    A = np.block([[H + a * np.eye(n), np.ones((n, 1))], [np.ones((1, n)), 0]])
    sol = np.linalg.solve(A, np.append(y, 0.0))
    np.testing.assert_allclose(reg.dual_coef_, sol[:n], rtol=1e-8, atol=1e-10)
    assert reg.intercept_ == pytest.approx(sol[n], rel=1e-9)


def test_alpha_auto_is_the_brute_force_leave_one_out_choice():
    X, y = _data(n=20)
    reg = InfiniteWidthRegressor().fit(X, y)
    H = _H(X)
    n = len(y)
    errors = []
    for a in AUTO_ALPHAS * _phi1():
        sq = 0.0
        for i in range(n):
            keep = np.arange(n) != i
            Hk = H[np.ix_(keep, keep)]
            A = np.block(
                [
                    [Hk + a * np.eye(n - 1), np.ones((n - 1, 1))],
                    [np.ones((1, n - 1)), 0],
                ]
            )
            sol = np.linalg.solve(A, np.append(y[keep], 0.0))
            sq += (y[i] - H[i, keep] @ sol[:-1] - sol[-1]) ** 2
        errors.append(sq / n)
    assert reg.alpha_ == AUTO_ALPHAS[int(np.argmin(errors))]
    assert reg.solver_ == "kernel-eigh-loo"


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("n_targets", [None, 3])
def test_kernel_ridge_loo_errors_and_fit_are_brute_force(fit_intercept, n_targets):
    """Every alpha's leave-one-out error (all alphas in two GEMMs) and the
    refit at the chosen one, against n explicit refits per alpha."""
    X, y = _data(n=18)
    rng = np.random.RandomState(1)
    Y = y if n_targets is None else np.column_stack([y, rng.normal(size=(18, 2))])
    H = _H(X)
    n = len(y)
    alphas = np.array([1e-4, 1e-2, 1.0]) * _phi1()

    def refit(keep, a):
        Hk, Yk = H[np.ix_(keep, keep)], Y[keep].reshape(keep.sum(), -1)
        m = keep.sum()
        if not fit_intercept:
            return np.linalg.solve(Hk + a * np.eye(m), Yk), np.zeros(Yk.shape[1])
        A = np.block([[Hk + a * np.eye(m), np.ones((m, 1))], [np.ones((1, m)), 0]])
        sol = np.linalg.solve(A, np.vstack([Yk, np.zeros((1, Yk.shape[1]))]))
        return sol[:-1], sol[-1]

    expected = []
    for a in alphas:
        sq = 0.0
        for i in range(n):
            keep = np.arange(n) != i
            C, b = refit(keep, a)
            sq += np.mean((Y.reshape(n, -1)[i] - H[i, keep] @ C - b) ** 2)
        expected.append(sq / n)
    res = _kernel_solvers.kernel_ridge_loo(H, Y, alphas, fit_intercept=fit_intercept)
    np.testing.assert_allclose(res.loo_errors, expected, rtol=1e-8)
    best = alphas[int(np.argmin(expected))]
    assert res.ridge == best
    C, b = refit(np.ones(n, dtype=bool), best)
    np.testing.assert_allclose(res.coef.reshape(n, -1), C, rtol=1e-8, atol=1e-10)
    intercept = np.broadcast_to(res.intercept, b.shape)  # 0.0 without intercept
    np.testing.assert_allclose(intercept, b, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("step_size", [None, "optimal", 0.5])
def test_landweber_limit_is_gradient_descent_on_H(fit_intercept, step_size):
    """The limit of gradient descent on the last layer, coef_k = Z^T C_k:
    C_{k+1} = C_k + eta (y_c - H_c C_k), C_0 = 0, run explicitly."""
    X, y = _data(n=25)
    H = _H(X)
    if step_size == 0.5:  # a number: a fraction of 2 / lambda_max
        step_size = 0.5 / np.linalg.eigvalsh(H)[-1]
    k = 60
    reg = InfiniteWidthRegressor(
        solver="landweber",
        max_iter=k,
        tol=0,
        step_size=step_size,
        fit_intercept=fit_intercept,
    ).fit(X, y)
    n = len(y)
    P = np.eye(n) - 1.0 / n if fit_intercept else np.eye(n)
    Hc, yc = P @ H @ P, P @ y
    eta = reg.step_size_
    if step_size is None:
        assert eta == pytest.approx(1 / np.linalg.eigvalsh(Hc)[-1], rel=1e-12)
    C, curve = np.zeros(n), [1.0]
    for _ in range(k):
        C = C + eta * (yc - Hc @ C)
        curve.append(np.linalg.norm(yc - Hc @ C) / np.linalg.norm(yc))
    assert reg.n_iter_ == k
    np.testing.assert_allclose(
        reg.dual_coef_, C, rtol=1e-9, atol=1e-12 * np.abs(C).max()
    )
    np.testing.assert_allclose(reg.loss_curve_, curve, rtol=1e-9)
    b = y.mean() - np.mean(H @ C) if fit_intercept else 0.0
    assert reg.intercept_ == pytest.approx(b, rel=1e-9, abs=1e-12)


def test_landweber_tends_to_the_interpolant():
    X, y = _data(n=15)
    gd = InfiniteWidthRegressor(solver="landweber", max_iter=10**9, tol=1e-12)
    mn = InfiniteWidthRegressor(alpha=0.0)
    gd.fit(X, y)
    mn.fit(X, y)
    assert gd.loss_curve_[-1] <= 1e-12
    np.testing.assert_allclose(gd.predict(X), y, atol=1e-9)
    np.testing.assert_allclose(mn.predict(X), y, atol=1e-9)


def test_finite_width_fit_converges_to_the_infinite_width_one():
    """||H_hat - H|| = O(1 / sqrt(m)) (Lemma 2.5), and so is the gap between
    the finite and the infinite-width predictions: 100 times wider, about 10
    times closer (mean over three seeds)."""
    X, y = _data(n=40)
    Xt, _ = _data(n=20, seed=7)
    # the paper's bias (Lemma 2.5 holds for any; the constants differ)
    inf = InfiniteWidthRegressor(alpha=0.1, bias=True).fit(X, y).predict(Xt)

    def gap(m):
        return np.mean(
            [
                np.abs(
                    RandomFeatureRegressor(m, alpha=0.1, bias=True, random_state=seed)
                    .fit(X, y)
                    .predict(Xt)
                    - inf
                ).max()
                for seed in range(3)
            ]
        )

    small, large = gap(500), gap(50_000)
    assert large < small / 4
    assert large < 0.02 * np.abs(inf).max()


def test_diagnostics_are_those_of_H():
    X, y = _data(n=40)
    reg = InfiniteWidthRegressor().fit(X, y)
    fin = RandomFeatureRegressor(200, random_state=0).fit(X, y)
    assert reg.lambda_min_ == pytest.approx(fin.population_lambda_min_, rel=1e-9)
    assert reg.condition_number_ == pytest.approx(
        fin.population_condition_number_, rel=1e-9
    )
    lam = np.linalg.eigvalsh(_H(X))
    assert reg.lambda_max_ == pytest.approx(lam[-1], rel=1e-12)
    assert reg.rank_ == 40
    C = get_activation("wendland0", 4, "scale").C
    assert reg.required_width_ == required_width(40, lam[0], C, 0.01)
    assert fin.required_width_ == pytest.approx(reg.required_width_, rel=1e-9)
    assert InfiniteWidthRegressor(weights="gaussian").fit(X, y).required_width_ is None


def test_singular_H_warns_and_reports_it():
    """ReLU without bias on the points of Definition 2.1: H is singular
    (Theorem 3.1), the interpolant does not exist."""
    X = make_bad_points(3)
    y = np.arange(len(X), dtype=float)
    reg = InfiniteWidthRegressor(
        activation="relu", bias=False, alpha=0.0, fit_intercept=False
    )
    with pytest.warns(RankDeficiencyWarning, match="singular"):
        reg.fit(X, y)
    assert reg.rank_ < len(X) and reg.lambda_min_ == 0.0
    assert reg.condition_number_ == math.inf and reg.required_width_ == math.inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        InfiniteWidthRegressor(activation="wendland0", bias=False).fit(X, y)


def test_multioutput_float32_and_no_mutation():
    X, y = _data(n=30)
    Y = np.column_stack([y, -2 * y + 1])
    X_copy, Y_copy = X.copy(), Y.copy()
    both = InfiniteWidthRegressor(alpha=0.1).fit(X, Y)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(Y, Y_copy)
    one = InfiniteWidthRegressor(alpha=0.1).fit(X, Y[:, 1])
    np.testing.assert_allclose(both.dual_coef_[:, 1], one.dual_coef_, rtol=1e-10)
    assert both.intercept_.shape == (2,)
    reg32 = InfiniteWidthRegressor(alpha=0.1).fit(X.astype(np.float32), y)
    pred = reg32.predict(X.astype(np.float32))
    assert pred.dtype == np.float32
    np.testing.assert_allclose(
        pred, InfiniteWidthRegressor(alpha=0.1).fit(X, y).predict(X), rtol=1e-4
    )


def test_classifier_is_the_regressor_on_pm1_targets():
    X, y = _data(n=40)
    labels = np.where(y > np.median(y), "hi", "lo")
    clf = InfiniteWidthClassifier(alpha=0.1).fit(X, labels)
    reg = InfiniteWidthRegressor(alpha=0.1).fit(X, np.where(labels == "lo", 1.0, -1.0))
    np.testing.assert_allclose(clf.decision_function(X), reg.predict(X), rtol=1e-12)
    assert list(clf.classes_) == ["hi", "lo"]
    scores = clf.decision_function(X)
    np.testing.assert_array_equal(clf.predict(X), np.where(scores > 0, "lo", "hi"))
    three = np.digitize(y, np.quantile(y, [1 / 3, 2 / 3]))
    clf3 = InfiniteWidthClassifier().fit(X, three)
    assert clf3.decision_function(X).shape == (40, 3)


def test_fitted_attributes_documented_and_set():
    import inspect
    import re

    X, y = _data()
    for solver in ("direct", "landweber"):
        reg = InfiniteWidthRegressor(solver=solver, max_iter=5, tol=0).fit(X, y)
        fitted = {k for k in vars(reg) if k.endswith("_") and not k.startswith("_")}
        lazy = {  # the diagnostics of H, computed on first access
            k
            for klass in InfiniteWidthRegressor.__mro__
            for k, v in vars(klass).items()
            if isinstance(v, property)
            and k.endswith("_")
            and not k.startswith("_")
            and hasattr(reg, k)
        }
        assert lazy == {
            "lambda_min_",
            "lambda_max_",
            "condition_number_",
            "rank_",
            "required_width_",
        }
        fitted |= lazy
        doc = inspect.getdoc(InfiniteWidthRegressor)
        block = doc.split("Attributes\n----------\n", 1)[1].split("See Also")[0]
        documented = set(re.findall(r"^(\w+_) :", block, flags=re.M))
        documented.discard("feature_names_in_")
        skip = {"alpha_"} if solver == "landweber" else {"loss_curve_", "step_size_"}
        assert fitted == documented - skip


@parametrize_with_checks(
    [
        InfiniteWidthRegressor(),
        InfiniteWidthRegressor(activation="relu", bias=False, solver="landweber"),
        InfiniteWidthClassifier(activation="swish", weights="gaussian"),
    ]
)
def test_sklearn_compatible_estimator(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Landweber's max_iter on random data
        check(estimator)


def test_finite_network_with_gaussian_weights_fits():
    """zeta="scale" > 2 puts the Wendland kink below -1; the population
    diagnostics of RandomFeatureRegressor(weights="gaussian") raised a math
    domain error there. Its lambda_min(H) is the infinite-width one."""
    X, y = _data(n=30)
    fin = RandomFeatureRegressor(100, weights="gaussian", random_state=0).fit(X, y)
    inf = InfiniteWidthRegressor(weights="gaussian").fit(X, y)
    assert fin.population_lambda_min_ == pytest.approx(inf.lambda_min_, rel=1e-9)
    assert fin.population_lambda_min_ > 0


def test_kernel_landweber_warning_predicts_the_steps_to_tol():
    """As the finite solver's: the warning names the steps tol needs (the
    closed form of eq. 4.4), and that many steps reach tol."""
    import re

    from sklearn_rfnet.exceptions import ConvergenceWarning

    rng = np.random.RandomState(0)
    A = rng.normal(size=(15, 15))
    lam = np.geomspace(1.0, 1e-2, 15)
    Q, _ = np.linalg.qr(A)
    H = (Q * lam) @ Q.T
    y = rng.normal(size=15)
    with pytest.warns(ConvergenceWarning, match="it would take") as record:
        _kernel_solvers.kernel_landweber(H, y, max_iter=10, tol=1e-8)
    needed = int(re.search(r"max_iter >= (\d+)", str(record[0].message)).group(1))
    res = _kernel_solvers.kernel_landweber(H, y, max_iter=needed, tol=1e-8)
    assert res.stop_reason == "tol" and res.n_iter == needed


@pytest.mark.parametrize("decay", [1e-3, 1e-9, 0.0])
def test_kernel_spectrum_from_cholesky_matches_eigvalsh(decay):
    """Above 500 rows the ridge fit's spectrum of H comes from a Cholesky
    factor and Lanczos, not eigvalsh: the same extreme eigenvalues (to
    eps lambda_max) and rank, for a well-conditioned, an ill-conditioned
    (kappa 1e9) and a singular H (the eigvalsh fallback)."""
    from scipy import linalg

    rng = np.random.RandomState(1)
    n = 600
    Q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    lam = np.geomspace(1.0, decay or 1e-3, n)
    if decay == 0.0:
        lam[-5:] = 0.0  # rank n - 5
    H = (Q * lam) @ Q.T
    H = (H + H.T) / 2
    ref = linalg.eigvalsh(H)
    got = _kernel_solvers._spectrum_of(H)
    assert abs(got.lambda_min - ref[0]) < 1e-13 * ref[-1]
    assert abs(got.lambda_max - ref[-1]) < 1e-13 * ref[-1]
    expected_rank = n - 5 if decay == 0.0 else n
    assert got.rank == expected_rank


def test_diagnostics_of_H_are_computed_on_first_access():
    """A fixed-alpha fit solves by Cholesky without the spectrum of H; the
    diagnostics come on first access, equal to eigvalsh's, and are cached.
    Before fit they do not exist."""
    from scipy import linalg

    X, y = _data(n=60)
    assert not hasattr(InfiniteWidthRegressor(), "lambda_min_")
    reg = InfiniteWidthRegressor(alpha=1e-2).fit(X, y)
    assert reg.solver_ == "kernel-cholesky"
    assert reg._h_diagnostics["spectrum"] is None  # nothing computed yet
    lam = linalg.eigvalsh(_H(X))
    assert reg.lambda_min_ == pytest.approx(lam[0], rel=1e-6)
    assert reg.lambda_max_ == pytest.approx(lam[-1], rel=1e-12)
    assert reg._h_diagnostics["spectrum"] is not None  # cached
    assert reg.rank_ == 60
    # a refit with alpha="auto" has them from its eigendecomposition of H
    reg.set_params(alpha="auto").fit(X, y)
    assert reg._h_diagnostics["spectrum"] is not None
    assert reg.lambda_max_ == pytest.approx(lam[-1], rel=1e-12)
