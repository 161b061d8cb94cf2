"""Cost of the population matrix H (eq. 2.7, 3.4) for n = 2000 points on S^9.

For each activation: the one-time tabulation of phi (cold cache), the time to
build H with the table, and the direct quadrature per value of phi, which a
table-free H would need n(n+1)/2 times. Medians over a few repeats; the
ratio column is (direct quadrature for all n(n+1)/2 distinct entries) / (H
from the table).

    python benchmarks/bench_population.py [--n 2000] [--d 10] [--repeats 5]
"""

import argparse
import statistics
import time

import numpy as np

from sklearn_rfnet.population import population_gram, population_kernel
from sklearn_rfnet.population._table import _cached_table


def median_time(func, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--d", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--weights", default="sphere", choices=["sphere", "gaussian"])
    args = parser.parse_args()
    n, d, repeats = args.n, args.d, args.repeats

    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    t_quad = np.cos(rng.uniform(0, np.pi, 20))

    gemm = median_time(lambda: X @ X.T, repeats)
    print(f"n = {n}, d = {d}, weights = {args.weights}; X X^T alone: {gemm:.3f} s")
    print(
        f"{'activation':>16} {'tabulate [s]':>12} {'#quad':>6} {'H [s]':>7} "
        f"{'ns/entry':>8} {'quad/value [ms]':>15} {'direct H [s]':>12} {'ratio':>8}"
    )
    cases = [("relu (eq. 3.1)", "relu", "auto"), ("relu (table)", "relu", "table")]
    cases += [(name, name, "auto") for name in ("swish", "wendland0", "wendland2")]
    for label, name, method in cases:
        kernel = population_kernel(name, d, weights=args.weights, method=method)
        if method == "auto" and name == "relu":
            build, n_quad = 0.0, 0
        else:
            builds = []
            for _ in range(max(1, repeats // 2)):
                _cached_table.cache_clear()  # cold: time the build
                kernel = population_kernel(name, d, weights=args.weights, method=method)
                t0 = time.perf_counter()
                kernel.tabulate()
                builds.append(time.perf_counter() - t0)
            build = statistics.median(builds)
            n_quad = kernel.table_info["n_quadratures"]
        if method == "table":
            gram = median_time(lambda k=kernel: k.gram(X), repeats)
        else:
            gram = median_time(
                lambda name=name: population_gram(X, name, weights=args.weights),
                repeats,
            )
        per_value = median_time(lambda k=kernel: k.quadrature(t_quad), 3) / t_quad.size
        direct = per_value * n * (n + 1) / 2
        print(
            f"{label:>16} {build:>12.3f} {n_quad:>6d} {gram:>7.3f} "
            f"{1e9 * gram / n**2:>8.1f} {1e3 * per_value:>15.2f} {direct:>12.0f} "
            f"{direct / gram:>8.0f}"
        )


if __name__ == "__main__":
    main()
