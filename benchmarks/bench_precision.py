# ruff: noqa: E501  (report lines are long f-strings of table rows)
"""The default fit against its floors and peers, and mixed precision (issue 14).

One command, every number measured in the same run, printed as ratios::

    python benchmarks/bench_precision.py --quick        # smoke run, < 1 min
    python benchmarks/bench_precision.py                # n in {500..4000}, m in {4n, 10n}, 2 and 1 threads
    python benchmarks/bench_precision.py --sizes 4000x40000 --threads 2 --repeats 3

Data: points uniform on S^9 (d = 10), smooth targets (``_cases.sphere_data``)
plus Gaussian noise (``--noise``, default 0.1: with exact targets the
leave-one-out choice is the smallest strength, the interpolation limit).
For each size and BLAS thread count (threadpoolctl) the methods run in turn,
``repeats`` times interleaved (a shared machine's load hits all of them
alike); times are wall-clock medians of whole fits from ``X`` and ``y``.
Each fit starts after a pause (``--pause``, default 0.2 s): numpy's and
scipy's wheels each ship an OpenBLAS whose idle threads spin on the cores
for up to ~0.1 s after a call, so without it a method that uses one library
right after a method that used the other shares the cores with those threads
(a scipy ``eigh`` of order 500 took 37-68 ms 0-50 ms after a numpy GEMM,
20 ms 100 ms after; ``--pause 0`` measures that interference too).

Methods (equal width ``m`` everywhere):

* ``pkg auto``: ``RandomFeatureRegressor(m)`` with every default
  (``alpha="auto"``: leave-one-out over 15 strengths from one
  eigendecomposition; intercept; population diagnostics on, computed on first
  access: their cost is the ``diag`` column, paid only by who reads them).
* ``floor loo``: the same features as one numpy ``Z``, centered, ``dsyrk``,
  ``scipy.linalg.eigh(driver="evd")`` (divide and conquer), the 15 LOO
  errors, ``Z^T c``: the least work for the same answer.
* ``RidgeCV``: ``RBFSampler(m)`` + ``RidgeCV`` (its eigen-GCV on the
  ``n x n`` Gram), the same 15 strengths.
* ``pkg fixed``: ``alpha=1e-3`` (Cholesky). ``floor chol``: numpy ``Z``,
  centered, ``dsyrk``, Cholesky, ``Z^T c``. ``Ridge``: ``RBFSampler(m)`` +
  ``Ridge(solver="cholesky")``.
* ``mixed auto`` / ``mixed fixed``: ``precision="mixed"`` with the same
  ``alpha``; their coefficients are compared with the float64 fit's
  (``err``: relative difference, ``alpha same``: the LOO choice).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from scipy import linalg
from scipy.linalg.blas import dsyrk
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _cases import sphere_data  # noqa: E402

from sklearn_rfnet import RandomFeatureRegressor, WendlandFeatures  # noqa: E402
from sklearn_rfnet.regressor import AUTO_ALPHAS  # noqa: E402

FIXED_ALPHA = 1e-3  # kappa(H_hat + alpha I) ~ 1e5: within mixed precision's reach


def _loads():
    return os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3


# --------------------------------------------------------------------------
# the methods: each returns a function that fits from (X, y) and returns coef


def pkg(m, **kw):
    def fit(X, y):
        reg = RandomFeatureRegressor(m, random_state=0, **kw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reg.fit(X, y)
        return reg

    return fit


def _centered_Z(X, m):
    # the package's own features, materialized (the floor's "numpy Z")
    wf = WendlandFeatures(m, zeta="scale", bias=True, random_state=0)
    Z = wf.fit_transform(X)
    Z -= Z.mean(axis=0)
    return Z


def _syrk(Z):
    return dsyrk(1.0, Z.T, trans=1, lower=1)  # Z Z^T, Z read in place


def floor_chol(m, ridge):
    def fit(X, y):
        Z = _centered_Z(X, m)
        H = _syrk(Z)
        H.flat[:: H.shape[0] + 1] += ridge
        c = linalg.cho_solve(
            linalg.cho_factor(H, lower=True, overwrite_a=True, check_finite=False),
            y - y.mean(),
            check_finite=False,
        )
        return Z.T @ c

    return fit


def floor_loo(m, ridges):
    def fit(X, y):
        Z = _centered_Z(X, m)
        H = _syrk(Z)
        lam, U = linalg.eigh(
            H, lower=True, driver="evd", overwrite_a=True, check_finite=False
        )
        lam = np.maximum(lam, 0.0)
        P = U.T @ (y - y.mean())
        U2 = U**2
        errs = [
            np.mean(((U @ (P / (lam + a))) / (U2 @ (1.0 / (lam + a)))) ** 2)
            for a in ridges
        ]
        a = ridges[int(np.argmin(errs))]
        return Z.T @ (U @ (P / (lam + a)))

    return fit


def rbf(m, cv):
    from sklearn.kernel_approximation import RBFSampler
    from sklearn.linear_model import Ridge, RidgeCV

    def fit(X, y):
        Z = RBFSampler(n_components=m, random_state=0).fit_transform(X)
        if cv:
            model = RidgeCV(alphas=AUTO_ALPHAS)
        else:
            model = Ridge(alpha=FIXED_ALPHA, solver="cholesky")
        return model.fit(Z, y).coef_

    return fit


# --------------------------------------------------------------------------


def run_size(n, m, threads, repeats, with_rbf, with_mixed, noise, only=None, pause=0.2):
    X, y = sphere_data(n, 10)
    y = y + noise * np.random.default_rng(1).standard_normal(n)
    probe = RandomFeatureRegressor(m, random_state=0).fit(X, y)
    ridge = float(probe._ridge(FIXED_ALPHA))
    ridges = probe._ridge(AUTO_ALPHAS)
    methods = {
        "pkg auto": pkg(m),
        "floor loo": floor_loo(m, ridges),
        "pkg fixed": pkg(m, alpha=FIXED_ALPHA),
        "floor chol": floor_chol(m, ridge),
    }
    if with_rbf:
        methods["RidgeCV"] = rbf(m, cv=True)
        methods["Ridge"] = rbf(m, cv=False)
    if with_mixed:
        methods["mixed auto"] = pkg(m, precision="mixed")
        methods["mixed fixed"] = pkg(m, alpha=FIXED_ALPHA, precision="mixed")
    if only:  # a subset (the rest of the report shows "-")
        methods = {k: v for k, v in methods.items() if k in only}
    times = {k: [] for k in methods}
    out = {}
    with threadpool_limits(threads):
        for _ in range(repeats):
            for name, fit in methods.items():
                time.sleep(pause)  # the other library's threads stop spinning
                t0 = time.perf_counter()
                out[name] = fit(X, y)
                times[name].append(time.perf_counter() - t0)
        # the population diagnostics, paid on first access (n <= 2000)
        diag = float("nan")
        if "pkg auto" in out:
            t0 = time.perf_counter()
            _ = out["pkg auto"].population_condition_number_
            diag = time.perf_counter() - t0
    med = {k: statistics.median(v) for k, v in times.items()}
    row = {"n": n, "m": m, "threads": threads, "t": med, "diag": diag}
    if with_mixed:
        for kind, ref in (("auto", "pkg auto"), ("fixed", "pkg fixed")):
            if ref not in out or f"mixed {kind}" not in out:
                continue
            a, b = out[ref], out[f"mixed {kind}"]
            row[f"err {kind}"] = float(
                np.linalg.norm(b.coef_ - a.coef_) / np.linalg.norm(a.coef_)
            )
            row[f"solver {kind}"] = b.solver_
            row[f"alpha same {kind}"] = a.alpha_ == b.alpha_
        a = out.get("pkg auto") or out.get("pkg fixed")
        if a is not None:
            rr = a._ridge(a.alpha_)
            row["kappa A"] = (a.lambda_max_ + rr) / (a.lambda_min_ + rr)
    return row


def fmt(t):
    if t is None or t != t:
        return "-"
    return f"{t * 1e3:.0f} ms" if t < 1 else f"{t:.2f} s"


def ratio(t, a, b):
    return f"{t[a] / t[b]:.2f}x" if a in t and b in t else "-"


def report(rows):
    print(
        "\n| n | m | thr | pkg auto | floor loo | pkg/floor | RidgeCV | pkg/RidgeCV | pkg fixed | floor chol | pkg/floor | Ridge | pkg/Ridge | diag (1st access) |"
    )
    print("|" + "---|" * 14)
    for r in rows:
        t = r["t"]
        g = t.get
        print(
            f"| {r['n']} | {r['m']} | {r['threads']} | {fmt(g('pkg auto'))} | {fmt(g('floor loo'))} | "
            f"{ratio(t, 'pkg auto', 'floor loo')} | {fmt(g('RidgeCV'))} | {ratio(t, 'pkg auto', 'RidgeCV')} | "
            f"{fmt(g('pkg fixed'))} | {fmt(g('floor chol'))} | {ratio(t, 'pkg fixed', 'floor chol')} | "
            f"{fmt(g('Ridge'))} | {ratio(t, 'pkg fixed', 'Ridge')} | {fmt(r['diag'])} |"
        )
    mixed = [r for r in rows if "mixed auto" in r["t"] or "mixed fixed" in r["t"]]
    if mixed:
        print(
            "\n| n | m | thr | mixed auto | / pkg auto | err | alpha same | mixed fixed | / pkg fixed | err | kappa(H+aI) | solvers |"
        )
        print("|" + "---|" * 12)
        for r in mixed:
            t = r["t"]
            g = r.get
            err_a = f"{g('err auto'):.1e}" if "err auto" in r else "-"
            err_f = f"{g('err fixed'):.1e}" if "err fixed" in r else "-"
            print(
                f"| {r['n']} | {r['m']} | {r['threads']} | {fmt(t.get('mixed auto'))} | "
                f"{ratio(t, 'mixed auto', 'pkg auto')} | {err_a} | {g('alpha same auto', '-')} | "
                f"{fmt(t.get('mixed fixed'))} | {ratio(t, 'mixed fixed', 'pkg fixed')} | {err_f} | "
                f"{g('kappa A', float('nan')):.2g} | {g('solver auto', '-')}, {g('solver fixed', '-')} |"
            )


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run, < 1 min")
    ap.add_argument("--sizes", help="comma-separated NxM (default: the issue's grid)")
    ap.add_argument("--threads", default="2,1", help="BLAS thread counts")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--noise", type=float, default=0.1, help="noise on the targets")
    ap.add_argument("--no-rbf", action="store_true", help="skip the sklearn peers")
    ap.add_argument("--methods", help="comma-separated subset of the methods")
    ap.add_argument(
        "--pause",
        type=float,
        default=0.2,
        help="seconds before each fit (idle BLAS threads stop spinning)",
    )
    ap.add_argument(
        "--mixed-from", type=int, default=2000, help="mixed precision for n >= this"
    )
    args = ap.parse_args(argv)
    if args.quick:
        sizes, args.repeats, args.mixed_from = [(300, 1200), (500, 5000)], 2, 0
    elif args.sizes:
        sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    else:
        sizes = [(n, k * n) for n in (500, 1000, 2000, 4000) for k in (4, 10)]
    threads = [int(t) for t in args.threads.split(",")]
    try:
        rev = subprocess.run(
            ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:  # pragma: no cover
        rev = "?"
    print(f"# bench_precision  commit {rev}  cores {os.cpu_count()}  load {_loads()}")
    rows = []
    for n, m in sizes:
        for thr in threads:
            t0 = time.perf_counter()
            row = run_size(
                n,
                m,
                thr,
                args.repeats,
                not args.no_rbf,
                n >= args.mixed_from,
                args.noise,
                args.methods.split(",") if args.methods else None,
                args.pause,
            )
            rows.append(row)
            print(
                f"  n={n} m={m} threads={thr}: "
                + ", ".join(f"{k} {fmt(v)}" for k, v in row["t"].items())
                + f"  ({time.perf_counter() - t0:.0f} s, load {_loads()[0]:.1f})",
                flush=True,
            )
    report(rows)
    print(f"\nload average at the end: {_loads()}")


if __name__ == "__main__":
    main()
