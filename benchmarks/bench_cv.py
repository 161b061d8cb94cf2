"""Cost of choosing the ridge strength by leave-one-out: RandomFeatureRegressorCV
against one direct fit and against GridSearchCV over refits.

    python benchmarks/bench_cv.py            # n = 200, m = 2000, ~2-4 min on 2 cores
    python benchmarks/bench_cv.py --quick    # n = 60, m = 600, < 30 s
    python benchmarks/bench_cv.py --n 300 --m 3000 --repeats 5

Data: ``n`` points uniform on S^9 with a smooth target plus noise; Wendland0
features of width ``m``; the grid is the estimator's default, 50 values of
``alpha = lambda_max(H_hat) * logspace(-12, 0, 50)``. Compared, by wall-clock
median over ``--repeats`` runs:

* one ``RandomFeatureRegressor`` fit (``solver="direct"``, one ``alpha``);
* ``RandomFeatureRegressorCV`` with exact leave-one-out over the 50 values
  (and, for reference, with ``cv=5``, and with ``solver="landweber"`` over 50
  step counts, exact leave-one-out in ``O(n^4)``);
* ``GridSearchCV(RandomFeatureRegressor(...), {"alpha": grid},
  cv=LeaveOneOut())``: ``50 n`` refits. It is timed on the first
  ``--loo-subset`` leave-one-out splits only and EXTRAPOLATED linearly to
  all ``n`` splits (each split costs the same); the printout says so. With
  ``cv=5`` (250 refits) it is timed in full.

All estimators run with ``population_diagnostics=False`` (the population
matrix is a diagnostic, not part of the fit, and would be recomputed in every
refit). The leave-one-out errors of the grid search on its subset are
checked against ``RandomFeatureRegressorCV.cv_results_``. On a shared
machine set ``OPENBLAS_NUM_THREADS=1`` (or ``OMP_NUM_THREADS=1``): a
multi-threaded BLAS on oversubscribed cores makes small ``eigh`` calls 10-50x
slower and the timings meaningless.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import numpy as np
from sklearn.model_selection import GridSearchCV, KFold, LeaveOneOut

from sklearn_rfnet import RandomFeatureRegressor
from sklearn_rfnet.model_selection import RandomFeatureRegressorCV


def data(n, d=10, noise=0.5, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    f = np.sin(np.pi * X[:, 0]) + 3 * X[:, 1] * X[:, 2] + np.cos(3 * X[:, 3])
    return X, (f - f.mean()) / f.std() + noise * rng.standard_normal(n)


def timed(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


class _Subset:
    """The first ``k`` splits of another splitter, for GridSearchCV."""

    def __init__(self, cv, k):
        self.cv, self.k = cv, k

    def split(self, X, y=None, groups=None):
        for i, split in enumerate(self.cv.split(X, y, groups)):
            if i == self.k:
                return
            yield split

    def get_n_splits(self, X=None, y=None, groups=None):
        return self.k


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--m", type=int, default=None, help="width (default 10 n)")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--loo-subset", type=int, default=None)
    args = parser.parse_args()
    n = 60 if args.quick else args.n
    m = args.m or 10 * n
    repeats = args.repeats or (3 if args.quick else 5)
    subset = min(n, args.loo_subset or (10 if args.quick else 20))

    env = os.environ
    threads = env.get("OPENBLAS_NUM_THREADS") or env.get("OMP_NUM_THREADS")
    print(
        f"python {platform.python_version()}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f}; BLAS threads: {threads or 'default'}"
    )
    print(
        f"n = {n} points on S^9, m = {m} (wendland0), 50 alphas, median of {repeats}\n"
    )
    X, y = data(n)
    common = dict(n_components=m, random_state=0, population_diagnostics=False)
    rows = []

    cv_loo = RandomFeatureRegressorCV(**common)
    t_cv, cv_loo = timed(lambda: RandomFeatureRegressorCV(**common).fit(X, y), repeats)
    grid = cv_loo.cv_results_["param_alpha"]
    alpha = cv_loo.alpha_
    rows.append(("RandomFeatureRegressorCV, exact LOO, 50 alphas", t_cv, "measured"))

    t_one, _ = timed(
        lambda: RandomFeatureRegressor(alpha=alpha, **common).fit(X, y), repeats
    )
    rows.append(("RandomFeatureRegressor, one fit", t_one, "measured"))

    t_cv5, _ = timed(
        lambda: RandomFeatureRegressorCV(cv=5, **common).fit(X, y), repeats
    )
    rows.append(("RandomFeatureRegressorCV, cv=5, 50 alphas", t_cv5, "measured"))

    t_lw, lw = timed(
        lambda: RandomFeatureRegressorCV(solver="landweber", **common).fit(X, y),
        max(1, repeats // 2),
    )
    rows.append(
        (
            "RandomFeatureRegressorCV, landweber exact LOO, "
            f"{len(lw.cv_results_['param_n_iter'])} step counts",
            t_lw,
            "measured",
        )
    )

    def grid_search(cv):
        gs = GridSearchCV(
            RandomFeatureRegressor(**common),
            {"alpha": list(grid)},
            cv=cv,
            scoring="neg_mean_squared_error",
            refit=False,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return gs.fit(X, y)

    t_sub, gs = timed(lambda: grid_search(_Subset(LeaveOneOut(), subset)), 1)
    t_gs_loo = t_sub * n / subset
    rows.append(
        (
            f"GridSearchCV LeaveOneOut, 50 alphas ({50 * n} fits)",
            t_gs_loo,
            f"EXTRAPOLATED from {subset} of {n} splits "
            f"({50 * subset} fits, {t_sub:.2f} s)",
        )
    )
    t_gs5, gs5 = timed(lambda: grid_search(KFold(5)), 1)
    rows.append(
        ("GridSearchCV KFold(5), 50 alphas (250 fits)", t_gs5, "measured, 1 run")
    )

    # the same numbers: the grid search's LOO errors on its splits
    ref = -np.array([gs.cv_results_[f"split{i}_test_score"] for i in range(subset)])
    ours = cv_loo.cv_results_["split_squared_error"][:subset]
    agree = np.max(np.abs(ref - ours) / np.maximum(np.abs(ref), 1e-300))
    cv5 = RandomFeatureRegressorCV(cv=KFold(5), **common).fit(X, y)
    ref5 = -gs5.cv_results_["mean_test_score"]
    agree5 = np.max(np.abs(ref5 - cv5.cv_results_["mean_squared_error"]) / ref5)

    width = max(len(r[0]) for r in rows)
    print(f"{'':<{width}} {'time [s]':>10} {'/ one fit':>10}")
    for label, t, how in rows:
        print(f"{label:<{width}} {t:>10.3f} {t / t_one:>10.1f}   {how}")
    print()
    ratios = [
        ("GridSearchCV(LeaveOneOut) / RandomFeatureRegressorCV", t_gs_loo / t_cv),
        ("GridSearchCV(KFold(5)) / RandomFeatureRegressorCV(cv=5)", t_gs5 / t_cv5),
    ]
    for label, ratio in ratios:
        print(f"{label:<58} {ratio:8.0f}x")
    print(
        f"max relative difference of the CV errors: LOO {agree:.1e} "
        f"(on {subset} splits x 50 alphas), 5-fold {agree5:.1e}"
    )
    print(
        f"chosen alpha / lambda_max = {alpha / cv_loo.lambda_max_:.3g}, "
        f"LOO MSE {-cv_loo.best_score_:.4f}; Landweber: k = {lw.n_iter_}, "
        f"LOO MSE {-lw.best_score_:.4f}"
    )


if __name__ == "__main__":
    main()
