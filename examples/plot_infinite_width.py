"""
What does the network become at infinite width?
===============================================

As the width ``m`` grows, ``H_hat = Z Z^T`` converges to the population
matrix ``H_ij = phi(x_i^T x_j)`` (eq. 2.7, Lemma 2.5), and the trained
network to kernel ridge regression with the kernel ``phi``:
:class:`~sklearn_rfnet.kernels.InfiniteWidthRegressor` fits that limit
directly, at a cost that does not depend on ``m``.

1. On Friedman #1, the finite network with the same ``alpha`` against ``m``:
   its test error, its distance to the infinite-width predictions and
   ``||H_hat - H|| / ||H||`` (both ``O(1 / sqrt(m))``).
2. :class:`~sklearn_rfnet.kernels.InfiniteWidthKernel` in scikit-learn's
   :class:`~sklearn.gaussian_process.GaussianProcessRegressor`: the same
   kernel (Wendland, ``zeta`` tuned by the marginal likelihood) gives a
   posterior mean and an uncertainty band.

Full run: widths up to 100 n, 5 seeds each. ``RFNET_QUICK=1`` (CI): 3 widths,
one seed.
"""

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
from _common import QUICK, figure_path
from sklearn.datasets import make_friedman1
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, WhiteKernel
from sklearn.metrics import mean_squared_error
from sklearn.preprocessing import StandardScaler

from sklearn_rfnet import RandomFeatureRegressor, WendlandFeatures
from sklearn_rfnet.kernels import InfiniteWidthKernel, InfiniteWidthRegressor

n = 200 if QUICK else 400
X, y = make_friedman1(n + 500, noise=1.0, random_state=0)
scaler = StandardScaler().fit(X[:n])
X_train, X_test = scaler.transform(X[:n]), scaler.transform(X[n:])
y_train, y_test = y[:n], y[n:]

# %%
# The infinite-width fit chooses ``alpha`` by leave-one-out; the finite
# networks use the same ``alpha`` (relative to ``phi(1)`` in both), so that
# they converge to it.
t0 = time.perf_counter()
inf = InfiniteWidthRegressor().fit(X_train, y_train)
t_inf = time.perf_counter() - t0
f_inf = inf.predict(X_test)
mse_inf = mean_squared_error(y_test, f_inf)
H = inf.kernel_(X_train)
H_norm = np.linalg.norm(H, 2)
print(
    f"infinite width: alpha_ = {inf.alpha_:.3g}, test MSE {mse_inf:.3f}, "
    f"kappa(H) = {inf.condition_number_:.3g}, fit {t_inf:.2f} s"
)

multiples = [1, 10, 100] if QUICK else [0.5, 1, 3, 10, 30, 100]
seeds = range(1 if QUICK else 5)
widths = [int(k * n) for k in multiples]
rows = []
for m in widths:
    mse, gap, dist = [], [], []
    for seed in seeds:
        reg = RandomFeatureRegressor(m, alpha=inf.alpha_, random_state=seed)
        reg.fit(X_train, y_train)
        f_m = reg.predict(X_test)
        mse.append(mean_squared_error(y_test, f_m))
        gap.append(np.linalg.norm(f_m - f_inf) / np.linalg.norm(f_inf))
        Z = WendlandFeatures(m, random_state=seed).fit_transform(X_train)
        dist.append(np.linalg.norm(Z @ Z.T - H, 2) / H_norm)
    rows.append((m, np.mean(mse), np.mean(gap), np.mean(dist)))
rows = np.array(rows)

# %%
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
ax1.semilogx(rows[:, 0], rows[:, 1], "o-", label="width m")
ax1.axhline(mse_inf, color="k", ls="--", label="infinite width")
ax1.set_xlabel("width m")
ax1.set_ylabel("test MSE")
ax1.set_title(f"Friedman #1, n = {n}, alpha = {inf.alpha_:.2g}")
ax1.legend()
ax2.loglog(rows[:, 0], rows[:, 3], "o-", label=r"$\|\hat H - H\|_2 / \|H\|_2$")
ax2.loglog(rows[:, 0], rows[:, 2], "s-", label=r"$\|f_m - f_\infty\| / \|f_\infty\|$")
ref = rows[0, 3] * np.sqrt(rows[0, 0] / rows[:, 0])
ax2.loglog(rows[:, 0], ref, "k:", label=r"$\propto 1/\sqrt{m}$")
ax2.set_xlabel("width m")
ax2.set_title("distance to the infinite-width limit")
ax2.legend()
fig.tight_layout()
fig.savefig(figure_path("infinite_width_convergence.png"), dpi=110)

print(f"{'m':>7} {'m/n':>6} {'test MSE':>9} {'|f_m - f_inf|':>14} {'|H_hat - H|':>12}")
for m, mse, gap, dist in rows:
    print(f"{int(m):>7} {m / n:>6.1f} {mse:>9.3f} {gap:>14.4f} {dist:>12.4f}")
print(f"{'inf':>7} {'':>6} {mse_inf:>9.3f}")

# %%
# A Gaussian process with the same kernel. ``ConstantKernel`` scales it,
# ``WhiteKernel`` models the noise, and the marginal likelihood tunes
# ``zeta`` (a number here; ``"scale"`` would keep it fixed) with the
# gradient the kernel provides.
rng = np.random.RandomState(0)
x = np.sort(rng.uniform(-3, 3, 25 if QUICK else 40))
t = np.sin(2 * x) + 0.2 * x + 0.15 * rng.normal(size=x.size)
x_grid = np.linspace(-4.5, 4.5, 300)
kernel = ConstantKernel() * InfiniteWidthKernel(zeta=3.0) + WhiteKernel(0.1)
gp = GaussianProcessRegressor(kernel, normalize_y=True, random_state=0)
gp.fit(x[:, None], t)
mean, std = gp.predict(x_grid[:, None], return_std=True)
print(f"GP kernel after fit: {gp.kernel_}")
print(f"log marginal likelihood {gp.log_marginal_likelihood_value_:.2f}")
inside = np.abs(x_grid) < 3
print(
    f"posterior std: mean {std[inside].mean():.3f} inside the data, "
    f"{std[~inside].mean():.3f} outside"
)

fig, ax = plt.subplots(figsize=(7, 4))
ax.plot(x, t, "k.", label="data")
ax.plot(x_grid, mean, label="posterior mean")
ax.fill_between(x_grid, mean - 2 * std, mean + 2 * std, alpha=0.3, label="± 2 std")
ax.set_title("GaussianProcessRegressor with the Wendland infinite-width kernel")
ax.legend(loc="upper left")
fig.tight_layout()
fig.savefig(figure_path("infinite_width_gp.png"), dpi=110)
print(f"saved {figure_path('infinite_width_convergence.png')}")
print(f"saved {figure_path('infinite_width_gp.png')}")
