"""
How wide must the layer be for a well-conditioned system? (Fig. 1)
==================================================================

For the four data sets of Section 3.5 and the four activations of Table 1,
the condition number of ``H_hat = Z Z^T`` against the width ``m``: median and
10%-90% band over random draws of ``W`` (columns uniform on the sphere), and
``kappa(H)`` of the population matrix (eq. 2.7) dashed.

The paper's claims: the Wendland activations give well-conditioned systems
once ``m`` is a small multiple of ``n`` and ``kappa(H_hat)`` approaches
``kappa(H)`` quickly; ReLU and swish are much worse conditioned, and on
Synthetic-2 (which contains the 8 points of Definition 2.1) they are singular
for every width.

Full run: 100 draws per width (the paper's setting), widths up to ``50 n``.
``RFNET_QUICK=1`` (CI): 2 draws, widths ``n`` and ``10n``.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from _common import QUICK, figure_path, paper_datasets

from sklearn_rfnet.plotting import ConditioningDisplay

ACTIVATIONS = ["wendland0", "wendland2", "relu", "swish"]
N_REPEATS = 2 if QUICK else 100
MULTIPLES = [1, 10] if QUICK else [1, 2, 4, 10, 20, 50]
datasets = paper_datasets()

# %%
fig, axes = plt.subplots(1, 4, figsize=(18, 4))
summary = {}
for ax, (name, (X, _)) in zip(axes, datasets.items(), strict=True):
    n = X.shape[0]
    widths = [k * n for k in MULTIPLES]
    for activation in ACTIVATIONS:
        disp = ConditioningDisplay.from_data(
            X,
            widths=widths,
            activation=activation,
            n_repeats=N_REPEATS,
            random_state=0,
        )
        disp.plot(ax=ax)
        i10 = MULTIPLES.index(10)
        summary[name, activation] = (
            np.median(disp.condition_numbers[i10]),
            disp.population_condition_number,
        )
    ax.set_title(f"{name} (n = {n})")
fig.tight_layout()
fig.savefig(figure_path("fig1_conditioning.png"), dpi=110)

# %%
print(f"median kappa(H_hat) at m = 10n over {N_REPEATS} draws, and kappa(H):")
print(f"{'data set':>14} {'activation':>10} {'kappa(H_hat)':>13} {'kappa(H)':>11}")
for (name, activation), (k_hat, k_pop) in summary.items():
    print(f"{name:>14} {activation:>10} {k_hat:>13.3e} {k_pop:>11.3e}")
print(f"saved {figure_path('fig1_conditioning.png')}")
