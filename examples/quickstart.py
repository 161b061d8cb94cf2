"""
Quickstart: fit, read the diagnostics, compare with RBFSampler + Ridge
======================================================================

A two-layer network with a fixed random hidden layer and a trained last layer,
in a scikit-learn ``Pipeline``, on the diabetes data that ships with
scikit-learn (442 patients, 10 features).

The questions answered:

1. Does the network interpolate the training data, and how well posed was the
   linear system it solved (``lambda_min_``, ``condition_number_``, ``rank_``)?
2. How do the activations of Table 1 compare on that score?
3. How does it compare with ``make_pipeline(RBFSampler, Ridge)`` at the same
   width, in cross-validated R^2 and in fit time?
"""

# %%
import os
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.kernel_approximation import RBFSampler
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_rfnet import RandomFeatureRegressor, RankDeficiencyWarning

# RFNET_QUICK=1 (CI, the docs gallery): a smaller search and fewer timings
QUICK = bool(os.environ.get("RFNET_QUICK") or os.environ.get("CI"))
X, y = load_diabetes(return_X_y=True)
n = X.shape[0]
m = 10 * n  # width: a small multiple of n (Section 3.4.2)
print(f"diabetes: n = {n} samples, d = {X.shape[1]} features; width m = {m}")

# The paper's network: the minimum-norm interpolant (alpha=0), no output bias,
# the Wendland support zeta = sqrt(2) (zeta=None). The package's defaults
# (part 3) regularize instead.
PAPER = dict(zeta=None, alpha=0.0, fit_intercept=False)

# %% [markdown]
# 1. Interpolation and the diagnostics of one fit. ``bias=True`` appends a
# constant before projecting the rows onto the sphere (Remark 1).

# %%
model = make_pipeline(
    StandardScaler(),
    RandomFeatureRegressor(n_components=m, bias=True, random_state=0, **PAPER),
)
model.fit(X, y)
reg = model[-1]
residual = np.linalg.norm(model.predict(X) - y) / np.linalg.norm(y)
print(f"solver used       : {reg.solver_}")
print(f"rank of Z         : {reg.rank_} (n = {n})")
print(f"lambda_min(H_hat) : {reg.lambda_min_:.3e}")
print(f"lambda_max(H_hat) : {reg.lambda_max_:.3e}")
print(f"kappa(H_hat)      : {reg.condition_number_:.3e}")
print(f"training residual : {residual:.2e}  (zero training loss)")
print(f"kappa(H), m -> inf: {reg.population_condition_number_:.3e}  (eq. 2.7)")
print(f"width of Lemma 2.4: {reg.required_width_}  (sufficient, conservative)")

# %% [markdown]
# 2. The same diagnostics for every activation of Table 1, without bias: the
# Wendland activations give a well-conditioned system, ReLU and swish do not.

# %%
print(f"{'activation':>10} {'rank':>5} {'kappa(H_hat)':>13} {'train residual':>15}")
kappas = {}
for activation in ["wendland0", "wendland2", "relu", "swish"]:
    pipe = make_pipeline(
        StandardScaler(),
        RandomFeatureRegressor(
            n_components=m, activation=activation, bias=False, random_state=0, **PAPER
        ),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RankDeficiencyWarning)
        pipe.fit(X, y)
    r = pipe[-1]
    res = np.linalg.norm(pipe.predict(X) - y) / np.linalg.norm(y)
    print(f"{activation:>10} {r.rank_:>5d} {r.condition_number_:>13.3e} {res:>15.2e}")
    kappas[activation] = r.condition_number_

# %%
fig, ax = plt.subplots(figsize=(5, 3))
ax.bar(list(kappas), list(kappas.values()), color="tab:blue")
ax.set_yscale("log")
ax.set_ylabel(r"$\kappa(\hat H)$ at $m = 10n$")
ax.set_title("diabetes: conditioning per activation")
fig.tight_layout()
figure_dir = os.environ.get("RFNET_FIGURE_DIR", ".")
os.makedirs(figure_dir, exist_ok=True)
fig.savefig(os.path.join(figure_dir, "quickstart.png"))

# %% [markdown]
# 3. Generalization needs regularization on noisy data. The package's defaults
# (an output bias, ``zeta="scale"``, ``alpha="auto"`` chosen by exact
# leave-one-out) against ``RBFSampler(gamma=1/d) + RidgeCV`` at the same
# width, both untuned, scored by 5-fold cross-validation (3 in quick mode).

# %%
d = X.shape[1]
candidates = {
    "RandomFeatureRegressor": make_pipeline(
        StandardScaler(),
        RandomFeatureRegressor(
            n_components=m, population_diagnostics=False, random_state=0
        ),
    ),
    "RBFSampler + RidgeCV": make_pipeline(
        StandardScaler(),
        RBFSampler(gamma=1.0 / d, n_components=m, random_state=0),
        RidgeCV(),
    ),
}
outer = KFold(3 if QUICK else 5, shuffle=True, random_state=0)
print(f"{'model':>24} {'CV R^2':>8} {'median fit [s]':>15}")
for name, model in candidates.items():
    scores = cross_val_score(model, X, y, cv=outer)
    times = []
    for _ in range(1 if QUICK else 5):
        t0 = time.perf_counter()
        model.fit(X, y)
        times.append(time.perf_counter() - t0)
    print(f"{name:>24} {scores.mean():>8.3f} {np.median(times):>15.4f}")
chosen = candidates["RandomFeatureRegressor"][-1].alpha_
print(f"alpha chosen by leave-one-out: {chosen:.3g}")
