"""
How many gradient steps to zero training loss? (Fig. 2)
=======================================================

Gradient descent on the last layer from ``coef = 0`` with the step
``eta = 2 / (lambda_min + lambda_max)`` of Lemma 4.2, on the Prostate-Cancer
data (97 points on S^7) at width ``m = 200 n``. The residual contracts at
least by ``1 - 2 / (1 + kappa(H_hat))`` per step, so the condition number
decides when the error drops (left); the first steps behave differently
(right), as the Landweber filters explain (Section 4.4, Fig. 3).

``RandomFeatureRegressor(solver="landweber")`` evaluates the iterates in
closed form (Lemma A.6, eq. 4.4), so 10^7 steps cost one eigendecomposition
of the 97 x 97 matrix ``H_hat``. ``RFNET_QUICK=1``: at most 10^6 steps.
"""

# %%
import time
import warnings

import matplotlib.pyplot as plt
from _common import QUICK, figure_path

from sklearn_rfnet import RandomFeatureRegressor
from sklearn_rfnet.datasets import load_prostate
from sklearn_rfnet.exceptions import ConvergenceWarning
from sklearn_rfnet.plotting import LossCurveDisplay

X, y = load_prostate(preprocess=True, return_X_y=True)
n = X.shape[0]
MAX_ITER = 10**6 if QUICK else 10**7
TOL = 1e-10  # "converged": relative training residual below this

# %%
fig, (ax_all, ax_early) = plt.subplots(1, 2, figsize=(11, 4))
print(f"Prostate, n = {n}, m = 200n = {200 * n}, tol = {TOL:g}")
header = ("activation", "kappa(H_hat)", "steps", "residual", "fit [s]")
print("{:>10} {:>13} {:>10} {:>10} {:>8}".format(*header))
for activation in ["wendland0", "wendland2", "relu", "swish"]:
    reg = RandomFeatureRegressor(
        200 * n,
        activation=activation,
        solver="landweber",
        max_iter=MAX_ITER,
        tol=TOL,
        zeta=None,  # the paper's network: zeta = sqrt(2), no biases,
        bias=False,
        fit_intercept=False,
        step_size="optimal",  # and the step of Lemma 4.2
        random_state=0,
    )
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, y)
    elapsed = time.perf_counter() - t0
    steps = f"{reg.n_iter_}" if reg.loss_curve_[-1] <= TOL else f">{MAX_ITER:.0e}"
    print(
        f"{activation:>10} {reg.condition_number_:>13.3e} {steps:>10} "
        f"{reg.loss_curve_[-1]:>10.2e} {elapsed:>8.2f}"
    )
    disp = LossCurveDisplay.from_estimator(reg).plot(ax=ax_all)
    LossCurveDisplay(reg.loss_curve_[:101], name=activation).plot(
        ax=ax_early, log_steps=False, color=disp.line_.get_color()
    )
ax_all.set_title("all steps")
ax_early.set_title("first 100 steps")
fig.tight_layout()
fig.savefig(figure_path("fig2_gradient_descent.png"), dpi=110)
print(f"saved {figure_path('fig2_gradient_descent.png')}")
