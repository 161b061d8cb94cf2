# ruff: noqa: E501  (report lines are long f-strings of table rows)
"""RandomFeatureRegressor on a torch device (scikit-learn's array API) vs numpy.

One command, one run, every ratio against the numpy CPU fit measured in that
run::

    python benchmarks/bench_gpu.py                  # n = 10 000, 20 000, 50 000; m = 10 n
    python benchmarks/bench_gpu.py --quick          # n = 500, 1 000; m = 10 n (< 1 min on a CPU)
    python benchmarks/bench_gpu.py --sizes 10000 --ratio 10 --dtype float32
    python benchmarks/bench_gpu.py --cpu-max-n 20000   # numpy baseline only up to this n

Data: points uniform on S^9 (d = 10) with smooth targets
``sin(3 x_1) + sum(x) / sqrt(10)`` plus noise. Two fits per size (the dual
regime, m = 10 n): the default parameters (``alpha="auto"``: one ``n x n``
``eigh`` and the exact leave-one-out) and a fixed ``alpha=1e-3`` (Cholesky).
The torch fit runs under ``sklearn.config_context(array_api_dispatch=True)``
on ``cuda`` when available, else on the CPU (said so in the header); its time
includes moving nothing but the result of ``fit`` (``X`` and ``y`` are put on
the device before the clock starts, and the device is synchronized before it
stops). A small fit warms the device up first (CUDA context, cuSOLVER
handles). The numpy baseline is the same estimator on numpy arrays on this
machine's CPU; above ``--cpu-max-n`` it is skipped (its ``O(n^2 m)`` Gram and
``O(n^3)`` eigendecomposition take hours on a few cores) and only the device
time is printed. Each row gives both times, their ratio, and the largest
relative difference of the two models' predictions on 2 000 held-out points.
Times are wall-clock, one run each (the fits are long).

Memory on the device: the dual fit holds ``H_hat`` (``n x n``) and one block of
``Z`` (at most 2**25 entries), plus the factorization: about ``3 n^2`` floats
for the fixed ``alpha`` and ``4-5 n^2`` for ``alpha="auto"`` (eigenvectors
and their squares): n = 50 000 in float64 needs 60-100 GB; a size that does
not fit is reported and skipped.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("SCIPY_ARRAY_API", "1")  # before scipy is imported

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import sklearn  # noqa: E402

from sklearn_rfnet import RandomFeatureRegressor  # noqa: E402

D = 10
N_TEST = 2000


def make_data(n, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n + N_TEST, D))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = np.sin(3 * X[:, 0]) + X.sum(axis=1) / np.sqrt(D)
    y += 0.05 * rng.standard_normal(n + N_TEST)
    return X[:n], y[:n], X[n:]


def _sync(torch, device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def fit_torch(torch, device, est, X, y, X_test, dtype):
    Xd = torch.asarray(X.astype(dtype), device=device)
    yd = torch.asarray(y.astype(dtype), device=device)
    Xt = torch.asarray(X_test.astype(dtype), device=device)
    _sync(torch, device)
    with sklearn.config_context(array_api_dispatch=True):
        tic = time.perf_counter()
        est.fit(Xd, yd)
        _sync(torch, device)
        seconds = time.perf_counter() - tic
        pred = est.predict(Xt)
    return seconds, pred.cpu().numpy(), est.solver_


def fit_numpy(est, X, y, X_test, dtype):
    tic = time.perf_counter()
    est.fit(X.astype(dtype), y)
    seconds = time.perf_counter() - tic
    return seconds, est.predict(X_test.astype(dtype)), est.solver_


def _is_oom(exc):
    return "out of memory" in str(exc).lower() or type(exc).__name__ in (
        "OutOfMemoryError",
        "MemoryError",
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="n = 500, 1000")
    parser.add_argument("--sizes", type=int, nargs="+", default=None)
    parser.add_argument("--ratio", type=int, default=10, help="m = ratio * n")
    parser.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    parser.add_argument("--cpu-max-n", type=int, default=20000)
    parser.add_argument(
        "--device", default=None, help="torch device (default: cuda if available)"
    )
    args = parser.parse_args(argv)

    try:
        import torch
    except ImportError:
        print("torch is not installed: nothing to time (pip install torch).")
        return 1
    if args.device is not None:
        device = torch.device(args.device)
    elif torch.cuda.is_available():
        device = torch.device("cuda")
    else:
        device = torch.device("cpu")
        print("No CUDA device: timing torch on the CPU instead (not a GPU number).")
    sizes = args.sizes or ([500, 1000] if args.quick else [10000, 20000, 50000])
    name = (
        torch.cuda.get_device_name(device)
        if device.type == "cuda"
        else platform.processor() or "CPU"
    )
    print(
        f"torch {torch.__version__} on {device} ({name}); numpy {np.__version__} on {os.cpu_count()} CPU cores; "
        f"scikit-learn {sklearn.__version__}; dtype {args.dtype}; d = {D}, m = {args.ratio} n"
    )

    # warm-up: CUDA context, cuSOLVER/cuBLAS handles, the first kernels
    Xw, yw, Xwt = make_data(200, seed=1)
    fit_torch(
        torch,
        device,
        RandomFeatureRegressor(n_components=400, random_state=0),
        Xw,
        yw,
        Xwt,
        args.dtype,
    )

    header = f"{'n':>7} {'m':>8}  {'fit':<12} {'device s':>9} {'numpy s':>9} {'speed-up':>9} {'max rel diff':>13}  solver (device / numpy)"
    print(header)
    print("-" * len(header))
    for n in sizes:
        m = args.ratio * n
        X, y, X_test = make_data(n)
        for label, params in (("default", {}), ("alpha=1e-3", {"alpha": 1e-3})):
            est = RandomFeatureRegressor(
                n_components=m, random_state=0, population_diagnostics=False, **params
            )
            try:
                t_dev, p_dev, s_dev = fit_torch(
                    torch, device, sklearn.clone(est), X, y, X_test, args.dtype
                )
            except Exception as exc:  # noqa: BLE001 - report and go on
                if not _is_oom(exc):
                    raise
                print(f"{n:>7} {m:>8}  {label:<12} out of device memory: skipped")
                if device.type == "cuda":
                    torch.cuda.empty_cache()
                continue
            if n <= args.cpu_max_n:
                t_np, p_np, s_np = fit_numpy(
                    sklearn.clone(est), X, y, X_test, args.dtype
                )
                diff = float(np.max(np.abs(p_dev - p_np)) / np.max(np.abs(p_np)))
                print(
                    f"{n:>7} {m:>8}  {label:<12} {t_dev:>9.2f} {t_np:>9.2f} {t_np / t_dev:>8.1f}x {diff:>13.2e}  {s_dev} / {s_np}"
                )
            else:
                print(
                    f"{n:>7} {m:>8}  {label:<12} {t_dev:>9.2f} {'skipped':>9} {'':>9} {'':>13}  {s_dev} (numpy above --cpu-max-n={args.cpu_max_n})"
                )
            if device.type == "cuda":
                torch.cuda.empty_cache()
    return 0


if __name__ == "__main__":
    sys.exit(main())
