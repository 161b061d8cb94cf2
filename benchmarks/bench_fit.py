# ruff: noqa: E501  (report lines are long f-strings of table rows)
"""Speed and memory of RandomFeatureRegressor against the machine floor and baselines.

One command, one run, every number measured in that run (issue #4)::

    python benchmarks/bench_fit.py            # full run, ~20-25 min on 2 cores
    python benchmarks/bench_fit.py --quick    # smoke run, < 60 s
    python benchmarks/bench_fit.py --json results.json   # also keep raw numbers

Data: points uniform on S^9 (d = 10), smooth targets. Each measurement runs in
a fresh Python process (``benchmarks/_cases.py``) so that its peak resident
set size (``VmHWM``, whole process: interpreter and imports included) is its
own. Times are wall-clock medians over the repeats shown; every fit starts
from ``X`` and ``y`` (features included). Ratios are printed against the
package's direct fit at the same ``(n, m)``, and the targets of issue #4 are
checked at the end. Cases that would not fit in RAM or in the time budget are
skipped with the reason printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MIB = 2.0**20


# --------------------------------------------------------------------------
# the machine


def machine():
    info = {"python": platform.python_version(), "cores": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as fh:
            info["ram_gib"] = round(int(fh.readline().split()[1]) / 2**20, 1)
    except OSError:  # pragma: no cover - not Linux
        pass
    try:
        import numpy
        import scipy
        import sklearn
        from threadpoolctl import threadpool_info

        info["numpy"], info["scipy"], info["sklearn"] = (
            numpy.__version__,
            scipy.__version__,
            sklearn.__version__,
        )
        info["blas"] = [
            {
                k: p.get(k)
                for k in (
                    "internal_api",
                    "version",
                    "architecture",
                    "num_threads",
                    "filepath",
                )
            }
            for p in threadpool_info()
            if p.get("user_api") == "blas"
        ]
    except ImportError:  # pragma: no cover
        pass
    info["env"] = {
        k: v
        for k, v in os.environ.items()
        if k.startswith(("OPENBLAS", "OMP_", "MKL_"))
    }
    info["avail_gib"] = _available_gib()
    return info


def _available_gib():
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 2**20
    except OSError:  # pragma: no cover
        pass
    return 8.0


# --------------------------------------------------------------------------
# running one case


def run_case(spec, timeout, threads=None):
    cmd = [sys.executable, str(HERE / "_cases.py"), json.dumps(spec)]
    env = dict(
        os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")
    )
    if threads:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(threads)
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, env=env
        )
    except subprocess.TimeoutExpired:
        return {"spec": spec, "error": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {"spec": spec, "error": f"exit {proc.returncode}: " + " | ".join(tail)}
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["wall_process"] = time.perf_counter() - t0
    return res


def median(xs):
    xs = sorted(xs)
    k = len(xs)
    return xs[k // 2] if k % 2 else 0.5 * (xs[k // 2 - 1] + xs[k // 2])


# --------------------------------------------------------------------------
# the plan


def plan(quick):
    """List of (spec, skip_reason or None)."""
    avail = _available_gib() * 2**30
    specs = []

    def add(spec, skip=None):
        specs.append((spec, skip))

    if quick:
        grid = {500: (2000, 5000)}
    else:
        grid = {
            1000: (4000, 10000, 50000),
            4000: (16000, 40000, 200000),
            10000: (40000, 100000, 500000),
        }
    # activation vs copy
    act = (1000, 4000) if quick else (4000, 40000)
    add({"case": "activation", "n": act[0], "m": act[1], "repeats_inner": 3})
    # the Prostate-size Landweber case and naive gradient descent on it
    add({"case": "prostate", "steps": 10**6, "repeats": 3})
    gd_steps = 50 if quick else 200
    add(
        {
            "case": "naive_gd",
            "n": 97,
            "m": 19400,
            "steps": gd_steps,
            "prostate": True,
            "repeats": 3,
        }
    )
    for n, ms in grid.items():
        for m in ms:
            z_bytes = 8.0 * n * m
            flops = float(n) * n * m  # one SYRK
            reps = 1 if flops > 1e11 else 3
            if flops > 1.5e12:
                why = f"time budget: one fit is n^2 m = {flops:.1e} flops, minutes here"
                if m == 4 * n:  # the package once at the largest n, for its memory
                    add({"case": "package", "n": n, "m": m, "repeats": 1})
                else:
                    add({"case": "package", "n": n, "m": m}, why)
                add({"case": "floor", "n": n, "m": m}, why)
            else:
                add({"case": "package", "n": n, "m": m, "repeats": reps})
                # floor: the whole Z in one SYRK when it fits, else by 128 MiB blocks
                if z_bytes < 0.3 * avail:
                    add({"case": "floor", "n": n, "m": m, "repeats": reps})
                else:
                    block = max(1, (2**27) // (8 * n))
                    add({"case": "floor", "n": n, "m": m, "repeats": 1, "block": block})
            # dense baselines need Z (and copies of it) in memory
            if z_bytes > 0.15 * avail or flops > 1.5e12:
                why = (
                    f"Z is {z_bytes / 2**30:.1f} GiB and they copy it"
                    if z_bytes > 0.15 * avail
                    else f"time budget (n^2 m = {flops:.1e} flops)"
                )
                for case in ("normal_eq", "rbf_ridge"):
                    add({"case": case, "n": n, "m": m}, why)
            else:
                add({"case": "normal_eq", "n": n, "m": m, "repeats": reps})
                add({"case": "rbf_ridge", "n": n, "m": m, "repeats": reps})
            # lstsq (SVD-based gelsd) costs ~30 SYRKs: only up to n^2 m = 5e10
            if flops <= (2e9 if quick else 5e10):
                add(
                    {
                        "case": "lstsq",
                        "n": n,
                        "m": m,
                        "repeats": 1 if flops > 5e9 else 3,
                    }
                )
            else:
                add(
                    {"case": "lstsq", "n": n, "m": m},
                    f"time budget: the SVD of Z costs ~30x a SYRK of n^2 m = {flops:.1e}",
                )
            if n == min(grid) and m <= 10 * n:
                add({"case": "mlp", "n": n, "m": m, "epochs": 20 if quick else 50})
        add({"case": "krr", "n": n, "repeats": 3 if n <= 1000 else 1})
    # memory-bounded fit where Z alone would not fit (issue #4: n = 4000, m = 400000)
    mem = (500, 50000) if quick else (4000, 400000)
    add({"case": "package", "n": mem[0], "m": mem[1], "repeats": 1, "tag": "memory"})
    # float32 end to end, Landweber with 10**7 steps against the direct fit
    tgt = target_size(quick)
    add({"case": "package", "n": tgt[0], "m": tgt[1], "dtype": "float32", "repeats": 3})
    add(
        {
            "case": "package",
            "n": tgt[0],
            "m": tgt[1],
            "solver": "landweber",
            "steps": 10**7,
            "repeats": 1,
        }
    )
    add({"case": "naive_gd", "n": tgt[0], "m": tgt[1], "steps": 5, "repeats": 1})
    return specs


def target_size(quick):
    """(n, m) of the floor target: n = 4000, m = 40000 (quick: 500, 5000)."""
    return (500, 5000) if quick else (4000, 40000)


def label(spec):
    c = spec["case"]
    if c == "package":
        if spec.get("solver") == "landweber":
            return f"package, Landweber {spec['steps']:.0e} steps"
        if spec.get("dtype") == "float32":
            return "package, float32"
        return "package (direct)"
    return {
        "floor": "floor: SYRK + Cholesky + write",
        "normal_eq": "normal eq.: Z Z^T + Cholesky",
        "lstsq": "numpy.linalg.lstsq(Z, y)",
        "rbf_ridge": "RBFSampler + Ridge(1e-10)",
        "krr": "KernelRidge(rbf, 1e-10)",
        "mlp": "MLPRegressor",
        "naive_gd": "naive primal GD",
    }.get(c, c)


# --------------------------------------------------------------------------
# report


def fmt_t(t):
    return "-" if t is None else (f"{t:.3g} s" if t >= 0.01 else f"{t * 1e3:.3g} ms")


def report(results, info, wall):
    out = []
    p = out.append
    p(
        f"machine: {info.get('cpu', '?')}, {info.get('cores')} cores, {info.get('ram_gib')} GiB RAM"
    )
    for b in info.get("blas", []):
        p(
            f"  BLAS: {b['internal_api']} {b['version']} kernel {b['architecture']}, {b['num_threads']} threads ({Path(b['filepath'] or '').name})"
        )
    p(
        f"  numpy {info.get('numpy')}, scipy {info.get('scipy')}, scikit-learn {info.get('sklearn')}, Python {info.get('python')}"
    )
    p(
        f"  env: {info['env'] or 'no OPENBLAS_/OMP_/MKL_ variables'}; --threads {info.get('threads')}"
    )
    p(
        f"  load average before / after: {info['load_before']} / {info['load_after']}   total wall {wall / 60:.1f} min"
    )
    p("")

    pkg = {}
    for r in results:
        s = r["spec"]
        if (
            s["case"] == "package"
            and "times" in r
            and not s.get("dtype")
            and not s.get("solver")
        ):
            pkg[(s["n"], s["m"])] = r

    # table by (n, m)
    p(
        "| n | m | method | median time | x package | peak RSS MiB | H budget MiB | train resid. |"
    )
    p("|---|---|---|---|---|---|---|---|")
    keyed = [
        r
        for r in results
        if "n" in r["spec"]
        and "m" in r["spec"]
        and r["spec"]["case"] not in ("activation",)
    ]
    keyed.sort(
        key=lambda r: (r["spec"]["n"], r["spec"]["m"], r["spec"]["case"] != "package")
    )
    for r in keyed:
        s = r["spec"]
        n, m = s["n"], s["m"]
        budget = (1.5 * 8 * n * n + 300e6) / MIB
        name = label(s) + (" [memory case]" if s.get("tag") == "memory" else "")
        if "skip" in r:
            p(f"| {n} | {m} | {name} | skipped: {r['skip']} | | | | |")
            continue
        if "error" in r:
            p(f"| {n} | {m} | {name} | error: {r['error']} | | | | |")
            continue
        t = median(r["times"])
        reps = len(r["times"])
        extra = r["extra"]
        if s["case"] == "naive_gd":
            per = t / s["steps"]
            p(
                f"| {n} | {m} | {name} | {fmt_t(per)} per step ({s['steps']} steps) | | {r['peak_rss_mib']:.0f} | | |"
            )
            continue
        base = pkg.get((n, m))
        ratio = (
            f"{t / median(base['times']):.2f}"
            if base and base is not r
            else ("1" if base is r else "")
        )
        resid = extra.get("train_resid")
        resid = f"{resid:.1e}" if resid is not None else ""
        if s["case"] == "floor":
            resid = (
                f"syrk {extra['syrk']:.3g} s, chol {extra['cholesky']:.3g} s, write {extra['write']:.3g} s"
                + (" (by 128 MiB blocks)" if extra.get("blocked") else "")
            )
        if s["case"] == "mlp":
            resid += f" after {extra['epochs']} epochs"
        if s.get("solver") == "landweber":
            resid = f"loss {extra['final_loss']:.1e}"
        p(
            f"| {n} | {m} | {name} | {fmt_t(t)} (x{reps}) | {ratio} | {r['peak_rss_mib']:.0f} | {budget:.0f} | {resid} |"
        )
    p("")

    # KRR (no m)
    for r in results:
        s = r["spec"]
        if s["case"] == "krr" and "times" in r:
            p(
                f"KernelRidge(rbf) n={s['n']}: {fmt_t(median(r['times']))}, peak {r['peak_rss_mib']:.0f} MiB, train resid {r['extra']['train_resid']:.1e}"
            )
    p("")

    # activations
    for r in results:
        if r["spec"]["case"] == "activation" and "extra" in r:
            e = r["extra"]
            s = r["spec"]
            p(
                f"activation on {s['n']} x {s['m']} float64; copy (np.copyto) {fmt_t(e['copy'])}:"
            )
            for k, v in e.items():
                if "/" in k:
                    p(f"  {k:22s} {fmt_t(v):>9s}  = {v / e['copy']:.2f} x copy")
            if e.get("numexpr") is not None:
                p(
                    f"  numexpr wendland0      {fmt_t(e['numexpr']):>9s}  = {e['numexpr'] / e['copy']:.2f} x copy"
                )
            else:
                p("  numexpr: not installed (not a dependency)")
    p("")

    # targets
    p(
        "Targets (issue #4)"
        + (
            " -- quick run: sizes far below the targets', indicative only:"
            if info["quick"]
            else ":"
        )
    )
    checks = []

    def check(name, ok, detail):
        checks.append((name, ok, detail))
        p(
            f"  [{'met' if ok else 'MISSED' if ok is not None else 'n/a'}] {name}: {detail}"
        )

    def find(case, n=None, m=None, **kw):
        for r in results:
            s = r["spec"]
            if (
                s["case"] == case
                and (n is None or s.get("n") == n)
                and (m is None or s.get("m") == m)
                and all(s.get(k) == v for k, v in kw.items())
                and "times" in r
            ):
                return r
        return None

    tn, tm = target_size(info["quick"])
    a, f = pkg.get((tn, tm)), find("floor", tn, tm)
    if a and f:
        ratio = median(a["times"]) / median(f["times"])
        check(
            f"direct fit <= 1.5x floor at n={tn}, m={tm}",
            ratio <= 1.5,
            f"{ratio:.2f}x ({fmt_t(median(a['times']))} vs {fmt_t(median(f['times']))})",
        )
    ls = [
        r
        for r in results
        if r["spec"]["case"] == "lstsq"
        and "times" in r
        and (r["spec"]["n"], r["spec"]["m"]) in pkg
    ]
    if ls:
        worst = min(
            median(r["times"]) / median(pkg[(r["spec"]["n"], r["spec"]["m"])]["times"])
            for r in ls
        )
        big = max(ls, key=lambda r: r["spec"]["n"] * r["spec"]["m"])
        bigr = median(big["times"]) / median(
            pkg[(big["spec"]["n"], big["spec"]["m"])]["times"]
        )
        check(
            ">= 5x faster than lstsq",
            bigr >= 5,
            f"{bigr:.1f}x at the largest lstsq size n={big['spec']['n']}, m={big['spec']['m']} (smallest ratio over sizes {worst:.1f}x)",
        )
    rb = [
        r
        for r in results
        if r["spec"]["case"] == "rbf_ridge"
        and "times" in r
        and (r["spec"]["n"], r["spec"]["m"]) in pkg
    ]
    if rb:
        ratios = [
            median(r["times"]) / median(pkg[(r["spec"]["n"], r["spec"]["m"])]["times"])
            for r in rb
        ]
        check(
            "faster than RBFSampler + Ridge at the same width",
            min(ratios) > 1,
            f"RBF+Ridge / package = {min(ratios):.2f}..{max(ratios):.2f}x over {len(ratios)} sizes",
        )
    mem = [
        r
        for r in results
        if r["spec"]["case"] == "package"
        and "times" in r
        and r["spec"]["m"] >= 10 * r["spec"]["n"]
        and not r["spec"].get("solver")
    ]
    if mem:
        bad = [
            r
            for r in mem
            if r["peak_rss_mib"] > (1.5 * 8 * r["spec"]["n"] ** 2 + 300e6) / MIB
        ]
        worst = max(
            mem,
            key=lambda r: (
                r["peak_rss_mib"] / ((1.5 * 8 * r["spec"]["n"] ** 2 + 300e6) / MIB)
            ),
        )
        s = worst["spec"]
        check(
            "peak RSS <= 1.5 x 8n^2 + 300 MB for m >= 10n",
            not bad,
            f"worst {worst['peak_rss_mib']:.0f} MiB of {(1.5 * 8 * s['n'] ** 2 + 300e6) / MIB:.0f} MiB at n={s['n']}, m={s['m']}{' ' + s.get('dtype', '') if s.get('dtype') else ''}",
        )
    mr = find("package", tag="memory")
    if mr:
        s = mr["spec"]
        zg = 8 * s["n"] * s["m"] / 1e9
        check(
            f"n={s['n']}, m={s['m']} fits (Z alone {zg:.1f} GB)",
            mr["peak_rss_mib"] <= (1.5 * 8 * s["n"] ** 2 + 300e6) / MIB,
            f"peak {mr['peak_rss_mib']:.0f} MiB in {fmt_t(median(mr['times']))}",
        )
    pr = find("prostate")
    if pr:
        t = median(pr["times"])
        check(
            "Landweber 1e6 steps at n=97, m=19400 < 1 s",
            t < 1.0,
            f"{fmt_t(t)} ({pr['extra']['data']}; final loss {pr['extra']['final_loss']:.1e})",
        )
        gd = find("naive_gd", prostate=True)
        if gd:
            per = median(gd["times"]) / gd["spec"]["steps"]
            p(
                f"        naive GD: {fmt_t(per)} per step -> 1e6 steps ~ {per * 1e6 / 60:.0f} min; package: {t / 1e6 * 1e9:.0f} ns per step ({per * 1e6 / t:.0f}x)"
            )
    lw = find("package", tn, tm, solver="landweber")
    if lw and a:
        r = median(lw["times"]) / median(a["times"])
        check(
            "Landweber 1e7 steps ~ one direct solve",
            r <= 2.0,
            f"{r:.2f}x the direct fit at n={lw['spec']['n']}, m={lw['spec']['m']}",
        )
    ar = find("activation")
    if ar:
        e = ar["extra"]
        r2, r1 = (
            e["wendland0/2 threads"] / e["copy"],
            e["wendland0/1 thread"] / e["copy"],
        )
        check(
            "activation <= 4x copy (wendland0, d=10)",
            min(r1, r2) <= 4.0,
            f"{r2:.2f}x with 2 threads, {r1:.2f}x on one",
        )
    f32 = find("package", tn, tm, dtype="float32")
    if f32 and a:
        p(
            f"  [info] float32 fit: {median(f32['times']) / median(a['times']):.2f}x the float64 time, peak {f32['peak_rss_mib']:.0f} MiB vs {a['peak_rss_mib']:.0f} MiB, train resid {f32['extra'].get('train_resid', float('nan')):.1e} (kappa {f32['extra']['condition_number']:.2e})"
        )
    return "\n".join(out), checks


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small smoke run (< 60 s)")
    ap.add_argument("--json", help="write the raw results to this file")
    ap.add_argument("--only", help="comma-separated case names to run (debugging)")
    ap.add_argument(
        "--threads",
        type=int,
        help="BLAS/OpenMP threads in every case (sets OPENBLAS_NUM_THREADS, "
        "OMP_NUM_THREADS, MKL_NUM_THREADS); default: the environment's. On a "
        "shared, oversubscribed machine 1 gives stable numbers: spin-waiting "
        "BLAS threads collapse when the cores are busy with other work.",
    )
    args = ap.parse_args(argv)
    info = machine()
    info["quick"] = args.quick
    info["threads"] = args.threads
    info["load_before"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    t0 = time.perf_counter()
    results = []
    timeout = 120 if args.quick else 1200
    for spec, skip in plan(args.quick):
        if args.only and spec["case"] not in args.only.split(","):
            continue
        if skip:
            res = {"spec": spec, "skip": skip}
            print(
                f"skip {label(spec)} n={spec.get('n')} m={spec.get('m')}: {skip}",
                flush=True,
            )
        else:
            res = run_case(spec, timeout, args.threads)
            t = median(res["times"]) if "times" in res else None
            print(
                f"{label(spec):38s} n={spec.get('n', '-')!s:>6} m={spec.get('m', '-')!s:>7}  "
                + (
                    f"{fmt_t(t):>9s}  peak {res['peak_rss_mib']:.0f} MiB"
                    if t is not None
                    else res.get("error", "")
                ),
                flush=True,
            )
        results.append(res)
    info["load_after"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    text, checks = report(results, info, time.perf_counter() - t0)
    print()
    print(text)
    if args.json:
        Path(args.json).write_text(
            json.dumps({"machine": info, "results": results}, indent=1)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
