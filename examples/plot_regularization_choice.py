"""
Interpolate, or regularize? Ridge and early stopping chosen by leave-one-out
============================================================================

With ``m >= n`` hidden units the minimum-norm last layer interpolates the
training targets (eq. 2.5, Proposition 4.1), noise included. Two ways to
regularize it: a ridge penalty ``alpha`` (``solver="direct"``), or stopping
gradient descent from ``coef = 0`` after ``k`` steps (``solver="landweber"``,
Section 4.4: ``k`` steps apply the filter ``1 - (1 - eta lambda)^k`` to the
eigencomponents of ``H_hat``). ``RandomFeatureRegressorCV`` picks ``alpha``
or ``k`` by exact leave-one-out from one ``H_hat``.

We compare, by the error on a held-out test split, the interpolant, the
LOO-chosen ridge and the LOO-chosen early-stopped iterate, on a noisy
synthetic set on S^9 and on Prostate-Cancer (97 points on S^7), and plot the
leave-one-out curves.
"""

# %%
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from _common import figure_path
from sklearn.model_selection import train_test_split

from sklearn_rfnet import RandomFeatureRegressor
from sklearn_rfnet.model_selection import RandomFeatureRegressorCV


def noisy_sphere(n=400, d=10, noise=0.5, random_state=0):
    """Points uniform on S^{d-1}; a smooth target (variance ~1) plus noise."""
    rng = np.random.RandomState(random_state)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    f = np.sin(np.pi * X[:, 0]) + 3 * X[:, 1] * X[:, 2] + np.cos(3 * X[:, 3])
    f = (f - f.mean()) / f.std()
    return X, f + noise * rng.standard_normal(n)


datasets = {"noisy S^9 (noise std 0.5)": noisy_sphere()}
try:
    from sklearn_rfnet.datasets import load_prostate

    datasets["Prostate"] = load_prostate(preprocess=True, return_X_y=True)
except ImportError as exc:  # the data sets ship with the package; just in case
    print(f"Prostate not available ({exc}); using the synthetic set only.")

WIDTH = 2000  # m >= n_train: every fit below can interpolate
MAX_STEPS = 10**4  # the Landweber grid: ~50 step counts in [1, 10^4]

# %%
# Fit the three models on each training split; keep the LOO curves.
results = {}
header = ("data", "model", "choice", "LOO MSE", "test MSE", "fit [s]")
print("{:<27} {:<20} {:>14} {:>9} {:>9} {:>8}".format(*header))
for name, (X, y) in datasets.items():
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, random_state=0)
    # the paper's network (zeta = sqrt(2), no biases), regularized three ways
    common = dict(
        n_components=WIDTH, zeta=None, bias=False, fit_intercept=False, random_state=0
    )
    models = {
        # LOO of the interpolant itself (alpha = 0), for reference
        "(its LOO)": RandomFeatureRegressorCV(alphas=[0.0], **common),
        "min-norm interpolant": RandomFeatureRegressor(alpha=0.0, **common),
        "LOO ridge": RandomFeatureRegressorCV(**common),
        "LOO early stopping": RandomFeatureRegressorCV(
            solver="landweber", max_iter=MAX_STEPS, **common
        ),
    }
    fitted = {}
    for label, model in models.items():
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # conditioning warnings, if any
            model.fit(X_tr, y_tr)
        elapsed = time.perf_counter() - t0
        fitted[label] = model
        if label == "(its LOO)":
            continue
        test_mse = np.mean((model.predict(X_te) - y_te) ** 2)
        if label == "LOO ridge":
            choice = f"a/lmax={model.alpha_ / model.lambda_max_:.1e}"
        elif label == "LOO early stopping":
            choice = f"k={model.n_iter_}"
        else:
            choice = f"kappa={model.condition_number_:.1e}"
        loo = (
            -fitted["(its LOO)"].best_score_
            if label == "min-norm interpolant"
            else -model.best_score_
        )
        print(
            f"{name:<27} {label:<20} {choice:>14} {loo:>9.4f} {test_mse:>9.4f} "
            f"{elapsed:>8.2f}"
        )
    print(f"{name:<27} {'(predict 0)':<20} {'':>14} {'':>9} {np.mean(y_te**2):>9.4f}")
    results[name] = fitted

# %%
# The leave-one-out curves: ridge against alpha / lambda_max(H_hat), early
# stopping against the number of steps; the dashed line is the interpolant.
fig, axes = plt.subplots(
    len(results), 2, figsize=(11, 3.8 * len(results)), squeeze=False
)
for (name, fitted), (ax_r, ax_k) in zip(results.items(), axes, strict=True):
    interp = -fitted["(its LOO)"].best_score_
    ridge, lw = fitted["LOO ridge"], fitted["LOO early stopping"]
    rel = ridge.cv_results_["param_alpha"] / ridge.lambda_max_
    ax_r.loglog(rel, ridge.cv_results_["mean_squared_error"], "o-", ms=3)
    ax_r.axvline(ridge.alpha_ / ridge.lambda_max_, color="C3", lw=1)
    ax_r.set_xlabel("alpha / lambda_max(H_hat)")
    ks = lw.cv_results_["param_n_iter"]
    ax_k.loglog(ks, lw.cv_results_["mean_squared_error"], "o-", ms=3, color="C1")
    ax_k.axvline(lw.n_iter_, color="C3", lw=1)
    ax_k.set_xlabel("Landweber steps k")
    for ax in (ax_r, ax_k):
        ax.axhline(interp, ls="--", color="k", lw=1, label="interpolant (alpha=0)")
        ax.set_ylabel("leave-one-out MSE")
        ax.set_title(name)
        ax.legend(loc="best", fontsize=8)
fig.tight_layout()
fig.savefig(figure_path("regularization_choice.png"), dpi=110)
print(f"saved {figure_path('regularization_choice.png')}")
