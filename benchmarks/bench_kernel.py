"""The network at infinite width against a width-10n network (issue 16).

    python benchmarks/bench_kernel.py --threads 1          # ~5 min on 2 busy cores
    python benchmarks/bench_kernel.py --quick              # n = 500, 3 folds, < 1 min

1. Speed at n = 2000 (``--n``): ``make_friedman1(n + 500, noise=1)``, the
   first n rows to fit, the last 500 to score. ``InfiniteWidthRegressor``
   against ``RandomFeatureRegressor(n_components=10 n, random_state=0)``, both
   with every other parameter at its default (``alpha="auto"``: leave-one-out
   over the same grid), and both again with a fixed ``alpha=1e-3``. Times are
   medians of ``--repeats`` fits, the two estimators interleaved so that a
   change of load hits both, each fit after a pause (``--pause``, default
   0.2 s, as ``bench_precision.py``: numpy's and scipy's OpenBLAS threads
   spin for up to ~0.1 s after a call, and a fit started in that time shares
   the cores with them); the ratio is finite time / infinite time.
   Acceptance: ratio >= 5 at the fixed ``alpha`` (the comparison the issue
   motivates with: KernelRidge against a width-10n fit, both at one
   ``alpha``). With ``alpha="auto"`` the ratio is printed and bounded near
   2.7 by the n x n eigendecomposition that exact leave-one-out needs in
   both fits (``benchmarks/README.md``).
2. Accuracy on the regression sets of ``bench_accuracy.py`` (diabetes,
   prostate, friedman1-3), same 5 shuffled folds (``random_state=0``), each
   model after ``StandardScaler``: mean test R^2 of the infinite-width
   estimator and of the width-10 n_train network (defaults,
   ``random_state=0``, the acceptance's comparison), and the mean ± standard
   deviation of the latter over ``--seeds`` seeds (how much of a difference
   the draw of ``W`` alone makes). Acceptance: infinite >= the mean of the
   drawn networks - 0.005 on every set, the finite network's accuracy being a
   random variable over its weights and the infinite-width model its limit
   (as ``bench_accuracy.py`` compares means over seeds); the test against
   seed 0 alone is printed beside it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings

import numpy as np
from sklearn.datasets import make_friedman1
from sklearn.metrics import r2_score
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from sklearn_rfnet import RandomFeatureRegressor
from sklearn_rfnet.kernels import InfiniteWidthRegressor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_accuracy import DATASETS, machine  # noqa: E402

REG_SETS = ("diabetes", "prostate", "friedman1", "friedman2", "friedman3")
SPEEDUP = 5.0
ACCURACY_SLACK = 0.005


def timed_fit(est, X, y, pause=0.0):
    time.sleep(pause)  # the other library's threads stop spinning
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    return time.perf_counter() - t0


def speed(n, repeats, pause):
    X, y = make_friedman1(n + 500, noise=1.0, random_state=0)
    Xtr, ytr, Xte, yte = X[:n], y[:n], X[n:], y[n:]
    InfiniteWidthRegressor().fit(Xtr[:50], ytr[:50])  # warm-up: tables, imports
    print(f"\n1. Speed: make_friedman1, n = {n} to fit, 500 to score; m = {10 * n}")
    print(
        f"  {'alpha':>7} {'infinite [s]':>13} {'width 10n [s]':>14} {'ratio':>6} "
        f"{'R2 inf':>7} {'R2 10n':>7}  solvers"
    )
    ratios = {}
    for alpha in ("auto", 1e-3):
        inf = InfiniteWidthRegressor(alpha=alpha)
        fin = RandomFeatureRegressor(10 * n, alpha=alpha, random_state=0)
        t_inf, t_fin = [], []
        for _ in range(repeats):
            t_inf.append(timed_fit(inf, Xtr, ytr, pause))
            t_fin.append(timed_fit(fin, Xtr, ytr, pause))
        a, b = statistics.median(t_inf), statistics.median(t_fin)
        ratios[alpha] = b / a
        print(
            f"  {alpha!s:>7} {a:>13.3f} {b:>14.3f} {b / a:>6.2f} "
            f"{r2_score(yte, inf.predict(Xte)):>7.4f} "
            f"{r2_score(yte, fin.predict(Xte)):>7.4f}  {inf.solver_} / {fin.solver_}"
        )
    return ratios


def accuracy(n_folds, n_seeds):
    print(
        f"\n2. Accuracy: R^2 over {n_folds} shuffled folds (random_state=0), "
        "StandardScaler first; width 10 n_train for the finite network, "
        f"random_state=0 and, for its spread, seeds 0..{n_seeds - 1}"
    )
    print(
        f"  {'data set':<10} {'infinite':>9} {'10n seed 0':>11} {'diff':>7} "
        f"{'10n seeds':>16} {'t inf [s]':>10} {'t 10n [s]':>10}"
    )
    diffs, mean_diffs = {}, {}
    for name in REG_SETS:
        X, y = DATASETS[name][0]()
        X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
        folds = list(KFold(n_folds, shuffle=True, random_state=0).split(X))
        s_inf, t_inf, t_fin = [], [], []
        s_fin = np.zeros((n_seeds, n_folds))
        for f, (train, test) in enumerate(folds):
            inf = make_pipeline(StandardScaler(), InfiniteWidthRegressor())
            t_inf.append(timed_fit(inf, X[train], y[train]))
            s_inf.append(r2_score(y[test], inf.predict(X[test])))
            for seed in range(n_seeds):
                fin = make_pipeline(
                    StandardScaler(),
                    RandomFeatureRegressor(10 * len(train), random_state=seed),
                )
                t = timed_fit(fin, X[train], y[train])
                if seed == 0:
                    t_fin.append(t)
                s_fin[seed, f] = r2_score(y[test], fin.predict(X[test]))
        a, per_seed = float(np.mean(s_inf)), s_fin.mean(axis=1)
        diffs[name] = a - per_seed[0]
        mean_diffs[name] = a - float(per_seed.mean())
        spread = (
            f"{per_seed.mean():.4f}±{per_seed.std(ddof=1):.4f}" if n_seeds > 1 else ""
        )
        print(
            f"  {name:<10} {a:>9.4f} {per_seed[0]:>11.4f} {diffs[name]:>+7.4f} "
            f"{spread:>16} {np.mean(t_inf):>10.3f} {np.mean(t_fin):>10.3f}"
        )
    return diffs, mean_diffs


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--seeds", type=int, default=5, help="finite-net seeds")
    parser.add_argument(
        "--pause", type=float, default=0.2, help="seconds before each timed fit"
    )
    parser.add_argument(
        "--quick", action="store_true", help="n = 500, 3 folds, 1 repeat"
    )
    args = parser.parse_args()
    if args.quick:
        args.n, args.folds, args.repeats, args.seeds = 500, 3, 1, 2
    if args.threads is not None:
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(args.threads)
        threadpool_limits(limits=args.threads)
    info = machine()
    print(info["cpu"])
    print(info["blas"])
    print(info["software"])
    print(f"load average {os.getloadavg()[0]:.2f}; threads: {args.threads}")
    ratios = speed(args.n, args.repeats, args.pause)
    diffs, mean_diffs = accuracy(args.folds, args.seeds)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end")
    print("Acceptance:")
    for alpha, r in ratios.items():
        if alpha == "auto":  # bounded by the shared eigendecomposition
            print(f"  speed, alpha={alpha}: x{r:.2f} (reported; bound about 2.7)")
            continue
        ok = "met" if r >= SPEEDUP else "MISSED"
        print(f"  speed, alpha={alpha}: x{r:.2f} (>= {SPEEDUP:g}) {ok}")
    # the finite network's accuracy is a random variable over its weights:
    # the criterion is against the mean of the drawn ones (the network's
    # expected accuracy); one draw (seed 0) is printed beside it
    against = [(f"mean of seeds 0..{args.seeds - 1}", mean_diffs, True)]
    if args.seeds > 1:
        against.append(("seed 0 alone", diffs, False))
    for what, d, criterion in against:
        worst = min(d, key=d.get)
        ok = "met" if d[worst] >= -ACCURACY_SLACK else "below"
        if not criterion:
            ok += " (one draw, for information)"
        elif ok == "below":
            ok = "MISSED"
        print(
            f"  accuracy: infinite - width 10n ({what}) >= -{ACCURACY_SLACK} "
            f"on every set; worst {worst} {d[worst]:+.4f} {ok}"
        )


if __name__ == "__main__":
    main()
