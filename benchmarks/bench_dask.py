# ruff: noqa: E501  (report lines are long f-strings of table rows)
"""RandomFeatureRegressor on dask arrays, on a dask.distributed LocalCluster.

One command, one run, every ratio against a baseline measured in that run::

    python benchmarks/bench_dask.py              # the acceptance sizes (~10 min on 2 cores)
    python benchmarks/bench_dask.py --quick      # tiny sizes, < 1 min
    python benchmarks/bench_dask.py --case dual  # one case (primal or dual)
    python benchmarks/bench_dask.py --workers 4 --n 10000000 --m 1000

Cases (issue 13's acceptance sizes by default):

1. ``primal``: n = 4 000 000, d = 10, m = 500; ``X`` a lazy ``dask.array.random``
   array in chunks of 100 000 rows (320 MB if held, ``Z`` would be 16 GB),
   ``y`` a lazy function of it. The dask fit (default parameters, so
   ``alpha="auto"``: one pass for the statistics, one for the exact
   leave-one-out errors) runs on the cluster. Goal: the client's peak RSS
   under 600 MB. Baseline: the in-memory fit of the same ``X`` (a numpy array,
   ``Z`` streamed by row chunks) in this process, with the same number of
   cores as the cluster has workers (BLAS threads); the coefficients of the
   two fits are compared.
2. ``dual``: n = 4 000, d = 10, m = 400 000 (``Z`` would be 12.8 GB), the
   width split over tasks that regenerate their weights from the seed.
   Baseline: the single-process fit (``Z`` streamed by width blocks).

The client's peak RSS is sampled every 20 ms (psutil) during the fit, and
read from the kernel's ``VmHWM`` reset just before the fit
(``/proc/self/clear_refs``) where Linux allows it. The workers are separate
processes with one thread each (dask's default sets their BLAS threads to 1);
the baseline uses as many BLAS threads as there are workers. Times are
wall-clock, one run each (the fits are long); the machine's load average is
printed with them.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _rss():
    import psutil

    return psutil.Process().memory_info().rss


class PeakRSS:
    """Peak resident memory of this process during a ``with`` block."""

    def __init__(self, interval=0.02):
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()

    def __enter__(self):
        self.hwm_reset = _reset_hwm()
        self.start = _rss()
        self.peak = self.start
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss())
            time.sleep(self.interval)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())
        if self.hwm_reset:
            self.peak = max(self.peak, _vm_hwm())


def _reset_hwm():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _vm_hwm():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def _load():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _target(X):
    """A smooth target of the first coordinates, plus noise-like wiggle."""
    import numpy as np

    return np.sin(2 * X[:, 0]) + X[:, 1] ** 2 - 0.5 * X[:, 2] * X[:, 3]


def _rel(a, b):
    import numpy as np

    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def primal(args, client):
    import dask.array as da
    import numpy as np
    from threadpoolctl import threadpool_limits

    from sklearn_rfnet import RandomFeatureRegressor

    n, m, d, chunk = args.n, args.m, 10, args.chunk
    print(f"\n## primal: n = {n:,}, d = {d}, m = {m}, chunks of {chunk:,} rows")
    print(f"X would be {n * d * 8 / 1e6:,.0f} MB, Z {n * m * 8 / 1e9:,.1f} GB")
    X = da.random.RandomState(0).standard_normal((n, d), chunks=(chunk, d))
    y = _target(X)
    est = RandomFeatureRegressor(m, random_state=0, **args.params)
    base = _rss()
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        est.fit(X, y)
        t_dask = time.perf_counter() - t0
    print(
        f"dask fit on {args.workers} workers: {t_dask:.1f} s, solver_ = {est.solver_}, "
        f"alpha_ = {getattr(est, 'alpha_', None)}, load {_load()}"
    )
    print(
        f"client RSS: {base / 2**20:.0f} MiB before, peak {mem.peak / 2**20:.0f} MiB during "
        f"the fit (goal < 600 MB: {'met' if mem.peak < 600e6 else 'NOT met'})"
    )
    if args.skip_baseline:
        return
    Xn = X.compute()
    yn = _target(Xn)
    ref = RandomFeatureRegressor(m, random_state=0, **args.params)
    with threadpool_limits(args.workers), PeakRSS() as mem_ref:
        t0 = time.perf_counter()
        ref.fit(Xn, yn)
        t_mem = time.perf_counter() - t0
    print(
        f"in-memory fit ({args.workers} BLAS threads, X held, Z streamed): {t_mem:.1f} s, "
        f"solver_ = {ref.solver_}, peak RSS {mem_ref.peak / 2**20:.0f} MiB, load {_load()}"
    )
    print(
        f"ratio dask / in-memory time: {t_dask / t_mem:.2f}; "
        f"coef_ relative difference {_rel(est.coef_, ref.coef_):.1e}"
    )
    del Xn
    return np


def dual(args, client):
    import dask.array as da
    from threadpoolctl import threadpool_limits

    from sklearn_rfnet import RandomFeatureRegressor

    n, m, d = args.n_dual, args.m_dual, 10
    print(
        f"\n## dual: n = {n:,}, d = {d}, m = {m:,} (Z would be {n * m * 8 / 1e9:.1f} GB)"
    )
    X = da.random.RandomState(1).standard_normal((n, d), chunks=(n, d))
    y = _target(X)
    est = RandomFeatureRegressor(m, random_state=0, **args.params)
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        est.fit(X, y)
        t_dask = time.perf_counter() - t0
    print(
        f"dask fit over width tasks on {args.workers} workers: {t_dask:.1f} s, "
        f"solver_ = {est.solver_}, client peak RSS {mem.peak / 2**20:.0f} MiB, load {_load()}"
    )
    if args.skip_baseline:
        return
    Xn, yn = X.compute(), y.compute()
    ref = RandomFeatureRegressor(m, random_state=0, **args.params)
    with threadpool_limits(args.workers), PeakRSS() as mem_ref:
        t0 = time.perf_counter()
        ref.fit(Xn, yn)
        t_mem = time.perf_counter() - t0
    print(
        f"single-process fit ({args.workers} BLAS threads, Z streamed by width): "
        f"{t_mem:.1f} s, solver_ = {ref.solver_}, peak RSS {mem_ref.peak / 2**20:.0f} MiB, "
        f"load {_load()}"
    )
    print(
        f"ratio dask / single-process time: {t_dask / t_mem:.2f}; "
        f"coef_ relative difference {_rel(est.coef_, ref.coef_):.1e}"
    )


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="tiny sizes (< 1 min)")
    p.add_argument("--case", choices=["primal", "dual", "all"], default="all")
    p.add_argument("--n", type=int, default=4_000_000, help="primal rows")
    p.add_argument("--m", type=int, default=500, help="primal width")
    p.add_argument("--chunk", type=int, default=100_000, help="primal rows per chunk")
    p.add_argument("--n-dual", type=int, default=4000)
    p.add_argument("--m-dual", type=int, default=400_000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--alpha", default="auto", help="'auto' (default) or a number")
    p.add_argument("--skip-baseline", action="store_true")
    args = p.parse_args(argv)
    if args.quick:
        args.n, args.m, args.chunk = 200_000, 200, 25_000
        args.n_dual, args.m_dual = 500, 20_000
    args.params = {} if args.alpha == "auto" else {"alpha": float(args.alpha)}
    warnings.simplefilter("ignore")  # the interpolation-peak etc. are not timed here
    from distributed import Client, LocalCluster

    print(f"load average before start: {_load()}; {os.cpu_count()} CPUs")
    with (
        LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        if args.case in ("primal", "all"):
            primal(args, client)
        if args.case in ("dual", "all"):
            dual(args, client)


if __name__ == "__main__":
    main()
