# ruff: noqa: E501  (report lines are long f-strings of table rows)
"""The two regimes of RandomFeatureRegressor: primal (m < n) and dual (m >= n).

One command, one run, every ratio against baselines measured in that run::

    python benchmarks/bench_regimes.py                 # full run, ~5-10 min on 2 cores (estimate)
    python benchmarks/bench_regimes.py --quick         # tiny sizes, < 1 min
    python benchmarks/bench_regimes.py --threads 1     # BLAS/OpenMP threads in every case
    python benchmarks/bench_regimes.py --case primal   # one case (primal, large, dual, stable or 1-4)
    python benchmarks/bench_regimes.py --json out.json # also keep the raw numbers

Cases (full sizes; ``--quick`` shrinks all of them):

1. ``primal``: n = 100 000, d = 10, m = 2000. The package against (a) a
   streamed reference on the same features -- ``WendlandFeatures`` applied to
   row chunks of 128 MiB, ``Z^T Z`` accumulated by ``dsyrk`` and ``Z^T y``,
   then ``cho_factor``/``cho_solve`` -- goal: time ratio <= 1.2, coefficients
   agree; and (b) ``RBFSampler(m) + Ridge(1e-6)``: goal: the package faster and
   its peak memory <= 1/3 of theirs.
2. ``large``: n = 1 000 000, m = 1000, d = 10: the package's peak RSS (goal:
   the whole process under 1 GB, X being 80 MB of it) and time, against the
   streamed reference; RBFSampler + Ridge is skipped when its n x m Z and
   copies would not fit.
3. ``dual``: n in {1000, 2000}, m = 10 n: the package against the plain normal
   equations on the same features (``Z Z^T`` by ``dsyrk``, ``cho_factor``,
   ``coef = Z^T cho_solve``).
4. ``stable``: clustered points (``k`` Gaussian centres repeated ``n / k``
   times, jitter 1e-3, d = 10) whose Gram is too ill-conditioned for Cholesky:
   n = 1000, m = 4000, k = 50 (dual, kappa(Z Z^T) ~ 3e15) and n = 8000,
   m = 1000, k = 100 (primal, kappa(Z^T Z) ~ 5e13): ``solver_``, fit time, and
   the ratio to the package on well-conditioned Gaussian data of the same shape
   (kappa ~ 1e2-1e3, the Cholesky path). Each row prints the Gram's kappa,
   computed after the timing by ``eigvalsh``.

Data: ``X ~ N(0, 1)`` (d = 10), ``y`` a smooth function of ``X`` plus noise.
Every measurement runs in a fresh Python process (this file with ``--child``,
through the measurement loop of ``benchmarks/_cases.py``): its peak RSS
(``VmHWM``, reset after imports, data and a warm-up fit) is its own. Times are
wall-clock medians of the repeats shown. The package runs with
``population_diagnostics=False`` and otherwise default parameters.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(HERE) not in sys.path:  # imported from elsewhere (e.g. python -c)
    sys.path.insert(0, str(HERE))

# The package keeps a block of Z within 128 MiB (``block_size=None``); the
# streamed reference uses row chunks of the same size.
CHUNK_BYTES = 128 * 2**20
GB = 1e9


# ==========================================================================
# child side: one measurement (run in a fresh process)


def regime_data(spec):
    """``X ~ N(0, 1)`` (or clustered), ``y`` smooth in ``X`` plus noise."""
    import numpy as np

    n, d = spec["n"], spec.get("d", 10)
    rng = np.random.default_rng(spec.get("seed", 0))
    if spec.get("data") == "clustered":
        k = spec["k"]
        X = np.repeat(rng.standard_normal((k, d)), -(-n // k), axis=0)[:n]
        X += 1e-3 * rng.standard_normal((n, d))
    else:
        X = rng.standard_normal((n, d))
    y = np.sin(X[:, 0])
    y += 0.5 * X[:, 1 % d] * X[:, 2 % d]
    y += np.cos(X[:, 3 % d])
    y += 0.1 * rng.standard_normal(n)
    return X, y


def _threads():
    """The BLAS threads the child actually runs with, and the OpenMP setting."""
    try:
        from threadpoolctl import threadpool_info

        blas = sorted(
            {p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"}
        )
    except ImportError:  # pragma: no cover
        blas = []
    return {"blas": blas, "omp": os.environ.get("OMP_NUM_THREADS")}


def _regressor(m):
    from sklearn_rfnet import RandomFeatureRegressor

    return RandomFeatureRegressor(
        n_components=m, random_state=0, population_diagnostics=False
    )


def _warm_up():
    """Tiny fits in both regimes: lazy imports and thread pools out of the peak."""
    import numpy as np

    rng = np.random.default_rng(123)
    for n, m in ((40, 80), (80, 40)):
        Xw = rng.standard_normal((n, 10))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _regressor(m).fit(Xw, Xw[:, 0])


def _gram_condition(X, m):
    """kappa of the Gram the regime factors (Z Z^T if m >= n, else Z^T Z)."""
    import numpy as np

    from sklearn_rfnet import WendlandFeatures

    Z = WendlandFeatures(n_components=m, random_state=0).fit_transform(X)
    G = Z @ Z.T if m >= X.shape[0] else Z.T @ Z
    ev = np.linalg.eigvalsh(G)
    return float(ev[-1] / ev[0]) if ev[0] > 0 else math.inf


def _save(path, coef):
    import numpy as np

    if path:
        np.save(path, np.asarray(coef))


def case_ours(spec):
    X, y = regime_data(spec)
    _warm_up()
    reg = _regressor(spec["m"])
    seen = set()

    def run():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            reg.fit(X, y)
        seen.update(type(w.message).__name__ for w in caught)

    def extra():
        out = {"solver_": str(getattr(reg, "solver_", "?")), "warnings": sorted(seen)}
        for attr in ("condition_number_", "rank_"):
            if hasattr(reg, attr):
                out[attr] = float(getattr(reg, attr))
        out["threads"] = _threads()
        _save(spec.get("save_coef"), reg.coef_)
        if spec.get("gram_cond"):
            out["gram_cond"] = _gram_condition(X, spec["m"])
        return out

    return run, extra


def case_primal_ref(spec):
    """Streamed normal equations: Z^T Z by dsyrk and Z^T y over row chunks."""
    import numpy as np
    from scipy.linalg import blas, cho_factor, cho_solve

    from sklearn_rfnet import WendlandFeatures

    X, y = regime_data(spec)
    n, m = X.shape[0], spec["m"]
    rows = max(1, CHUNK_BYTES // (8 * m))
    state = {}
    cho_solve(cho_factor(np.eye(3)), np.ones(3))  # warm-up (imports)

    def run():
        feat = WendlandFeatures(n_components=m, random_state=0).fit(X)
        G = np.zeros((m, m), order="F")
        b = np.zeros(m)
        for start in range(0, n, rows):
            Zc = feat.transform(X[start : start + rows])  # C-contiguous chunk
            # Zc.T is Fortran-ordered (m x rows): trans=0 gives Zc^T Zc, no copy
            G = blas.dsyrk(1.0, Zc.T, beta=1.0, c=G, trans=0, lower=1, overwrite_c=1)
            b += Zc.T @ y[start : start + rows]
            del Zc
        cf = cho_factor(G, lower=True, overwrite_a=True, check_finite=False)
        state["coef"] = cho_solve(cf, b, check_finite=False)
        state["diag"] = np.diag(cf[0]).copy()

    def extra():
        dg = np.abs(state["diag"])
        _save(spec.get("save_coef"), state["coef"])
        return {
            "solver_": "cholesky (reference)",
            "chunk_rows": rows,
            # (max L_ii / min L_ii)^2 is a lower bound on kappa(Z^T Z)
            "kappa_lower_bound": float((dg.max() / dg.min()) ** 2),
            "threads": _threads(),
        }

    return run, extra


def case_dual_ref(spec):
    """Plain normal equations: Z in memory, Z Z^T by dsyrk, Cholesky."""
    import numpy as np
    from scipy.linalg import blas, cho_factor, cho_solve

    from sklearn_rfnet import WendlandFeatures

    X, y = regime_data(spec)
    m = spec["m"]
    state = {}
    cho_solve(cho_factor(np.eye(3)), np.ones(3))  # warm-up (imports)

    def run():
        Z = WendlandFeatures(n_components=m, random_state=0).fit_transform(X)
        # Z.T is Fortran-ordered (m x n): trans=1 gives Z Z^T (n x n), no copy
        H = blas.dsyrk(1.0, Z.T, trans=1, lower=1)
        cf = cho_factor(H, lower=True, overwrite_a=True, check_finite=False)
        state["coef"] = Z.T @ cho_solve(cf, y, check_finite=False)

    def extra():
        _save(spec.get("save_coef"), state["coef"])
        return {"solver_": "cholesky (reference)", "threads": _threads()}

    return run, extra


def case_rbf_ridge(spec):
    from sklearn.kernel_approximation import RBFSampler
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline

    X, y = regime_data(spec)
    m = spec["m"]
    pipe = make_pipeline(RBFSampler(n_components=m, random_state=0), Ridge(alpha=1e-6))
    make_pipeline(RBFSampler(n_components=5, random_state=0), Ridge()).fit(
        X[:20], y[:20]
    )  # warm-up (imports)

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pipe.fit(X, y)

    def extra():
        ridge = pipe[-1]
        return {
            "solver_": f"Ridge solver_={getattr(ridge, 'solver_', '?')}",
            "threads": _threads(),
        }

    return run, extra


CHILD_CASES = {
    "regime_ours": case_ours,
    "regime_primal_ref": case_primal_ref,
    "regime_dual_ref": case_dual_ref,
    "regime_rbf_ridge": case_rbf_ridge,
}


def child_main(spec_json):
    import _cases  # the measurement loop: peak reset, repeats, VmHWM

    _cases.CASES.update(CHILD_CASES)
    _cases.main(["_cases.py", spec_json])


# ==========================================================================
# parent side: the plan, the runs, the report

LABEL = {
    "regime_ours": "RandomFeatureRegressor",
    "regime_primal_ref": "ref: streamed Z^T Z (dsyrk) + Cholesky",
    "regime_dual_ref": "ref: Z Z^T (dsyrk) + Cholesky",
    "regime_rbf_ridge": "RBFSampler + Ridge(1e-6)",
}
GROUPS = {"1": "primal", "2": "large", "3": "dual", "4": "stable"}


def sizes(quick):
    if quick:
        return {
            "primal": (4000, 400),
            "large": (6000, 200),
            "dual": ((200, 2000), (400, 4000)),
            "stable": ((200, 800, 10), (800, 100, 40)),
        }
    return {
        "primal": (100_000, 2000),
        "large": (1_000_000, 1000),
        "dual": ((1000, 10_000), (2000, 20_000)),
        "stable": ((1000, 4000, 50), (8000, 1000, 100)),
    }


def _reps(flops, override):
    if override:
        return override
    return 3 if flops <= 5e11 else 1


def _rbf_skip(n, m, avail):
    """RBFSampler's Z (n x m), Ridge's centred copy of it, and X^T X."""
    z = 8.0 * n * m
    need = 2.0 * z + 8.0 * m * m
    if need > 0.5 * avail:
        return (
            f"its n x m Z is {z / GB:.1f} GB plus copies (Ridge centres a copy: "
            f">= {need / GB:.0f} GB) against {avail / 2**30:.1f} GiB available"
        )
    return None


def plan(quick, groups, repeats, avail, tmp):
    """List of (spec, skip_reason or None)."""
    S = sizes(quick)
    out = []

    def add(group, case, n, m, skip=None, **kw):
        spec = {"group": group, "case": case, "n": n, "m": m, "d": 10} | kw
        if case in ("regime_ours", "regime_primal_ref", "regime_dual_ref"):
            tag = f"{group}-{case}-{n}-{m}-{kw.get('data', 'gauss')}"
            spec["save_coef"] = str(Path(tmp) / f"{tag}.npy")
        out.append((spec, skip))

    if "primal" in groups:
        n, m = S["primal"]
        r = _reps(float(n) * m * m, repeats)
        add("primal", "regime_ours", n, m, repeats=r)
        add("primal", "regime_primal_ref", n, m, repeats=r)
        add(
            "primal",
            "regime_rbf_ridge",
            n,
            m,
            _rbf_skip(n, m, avail),
            repeats=_reps(4.0 * n * m * m, repeats),
        )
    if "large" in groups:
        n, m = S["large"]
        r = _reps(float(n) * m * m, repeats)
        add("large", "regime_ours", n, m, repeats=r)
        add("large", "regime_primal_ref", n, m, repeats=r)
        add("large", "regime_rbf_ridge", n, m, _rbf_skip(n, m, avail), repeats=1)
    if "dual" in groups:
        for n, m in S["dual"]:
            r = _reps(float(n) * n * m, repeats)
            add("dual", "regime_ours", n, m, repeats=r)
            add("dual", "regime_dual_ref", n, m, repeats=r)
    if "stable" in groups:
        for n, m, k in S["stable"]:
            r = _reps(float(n) * min(n, m) * max(n, m), repeats)
            for data in ("clustered", "gauss"):
                add(
                    "stable",
                    "regime_ours",
                    n,
                    m,
                    repeats=r,
                    data=data,
                    k=k,
                    gram_cond=True,
                )
    return out


def run_child(spec, timeout, threads=None):
    """``bench_fit.run_case`` with this file's ``--child`` as the process."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)]
    env = dict(
        os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")
    )
    if threads:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(threads)
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, env=env
        )
    except subprocess.TimeoutExpired:
        return {"spec": spec, "error": f"timed out after {timeout:.0f} s", "load": load}
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return {
            "spec": spec,
            "error": f"exit {proc.returncode}: " + " | ".join(tail),
            "load": load,
        }
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["wall_process"] = time.perf_counter() - t0
    res["load"] = load
    return res


def coef_diff(a_path, b_path):
    """(max|a - b| / max|b|, ||a - b|| / ||b||) of two saved coefficient vectors."""
    import numpy as np

    try:
        a, b = np.load(a_path), np.load(b_path)
    except OSError:
        return None
    if a.shape != b.shape:
        return None
    d = a - b
    return (
        float(np.abs(d).max() / np.abs(b).max()),
        float(np.linalg.norm(d) / np.linalg.norm(b)),
    )


def _data(s):
    return f"clustered k={s['k']}" if s.get("data") == "clustered" else "gauss"


def _ok(r):
    return r is not None and "times" in r


def _t(r):
    from bench_fit import median

    return median(r["times"])


def _delta(r):
    return r["peak_rss_mib"] - r["base_rss_mib"]


def report(results, info, quick, wall):
    from bench_fit import fmt_t

    out = []
    p = out.append

    def find(group, case, n=None, m=None, data="gauss"):
        for r in results:
            s = r["spec"]
            if (
                s["group"] == group
                and s["case"] == case
                and (n is None or s["n"] == n)
                and (m is None or s["m"] == m)
                and s.get("data", "gauss") == data
            ):
                return r
        return None

    # ratio column: baselines against the package at the same (group, n, m);
    # clustered fits against the well-conditioned fit of the same shape
    def ratio(r):
        s = r["spec"]
        if not _ok(r):
            return ""
        if s["case"] != "regime_ours":
            base = find(s["group"], "regime_ours", s["n"], s["m"])
            return f"ours/this {_t(base) / _t(r):.2f}" if _ok(base) else ""
        if s.get("data") == "clustered":
            base = find(s["group"], "regime_ours", s["n"], s["m"], "gauss")
            return f"x well-cond. {_t(r) / _t(base):.2f}" if _ok(base) else ""
        return "1"

    p(
        "| case | n | m | data | method | solver_ | median time | ratio | peak RSS MiB | peak - base MiB | BLAS thr. | load | notes |"
    )
    p("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        s = r["spec"]
        head = (
            f"| {s['group']} | {s['n']} | {s['m']} | {_data(s)} | {LABEL[s['case']]} |"
        )
        if "skip" in r:
            p(f"{head} | skipped: {r['skip']} | | | | | | |")
            continue
        if "error" in r:
            p(f"{head} | error: {r['error']} | | | | | {r['load']:.1f} | |")
            continue
        e = r["extra"]
        notes = []
        if e.get("condition_number_") is not None:
            notes.append(f"condition_number_ {e['condition_number_']:.2g}")
        if e.get("gram_cond") is not None:
            notes.append(f"kappa(Gram) {e['gram_cond']:.2g}")
        if e.get("kappa_lower_bound") is not None:
            notes.append(f"kappa >= {e['kappa_lower_bound']:.2g}")
        if e.get("warnings"):
            notes.append("warned: " + ", ".join(e["warnings"]))
        if not r.get("peak_reset", True):
            notes.append("VmHWM not reset: peak includes setup")
        thr = ",".join(map(str, e.get("threads", {}).get("blas", []))) or "?"
        p(
            f"{head} {e.get('solver_', '')} | {fmt_t(_t(r))} (x{len(r['times'])}) | {ratio(r)} "
            f"| {r['peak_rss_mib']:.0f} | {_delta(r):.0f} | {thr} | {r['load']:.1f} | {'; '.join(notes)} |"
        )
    p("")
    p(
        "Goals"
        + (
            " -- quick sizes, far below the goals' sizes: indicative only"
            if quick
            else ""
        )
        + ":"
    )

    def check(name, ok, detail):
        tag = "n/a" if ok is None else ("met" if ok else "MISSED")
        p(f"  [{tag}] {name}: {detail}")

    # 1. primal regime
    ours = find("primal", "regime_ours")
    if ours is not None:
        n, m = ours["spec"]["n"], ours["spec"]["m"]
        ref = find("primal", "regime_primal_ref")
        rbf = find("primal", "regime_rbf_ridge")
        if _ok(ours) and _ok(ref):
            q = _t(ours) / _t(ref)
            check(
                f"1a. primal n={n}, m={m}: ours <= 1.2 x streamed Z^T Z + Cholesky",
                q <= 1.2,
                f"{q:.2f} x ({fmt_t(_t(ours))} vs {fmt_t(_t(ref))}); solver_ {ours['extra']['solver_']}",
            )
            cd = coef_diff(ours["spec"]["save_coef"], ref["spec"]["save_coef"])
            if cd:
                check(
                    "1a. coefficients agree with the reference (max rel. diff <= 1e-6)",
                    cd[0] <= 1e-6,
                    f"max|d coef|/max|coef| = {cd[0]:.1e}, ||d coef||/||coef|| = {cd[1]:.1e} "
                    f"(reference kappa(Z^T Z) >= {ref['extra']['kappa_lower_bound']:.2g})",
                )
        else:
            check("1a. primal vs streamed reference", None, "a run failed (see table)")
        if _ok(ours) and _ok(rbf):
            q = _t(rbf) / _t(ours)
            check(
                "1b. ours faster than RBFSampler + Ridge",
                q > 1,
                f"RBF+Ridge / ours = {q:.2f} x ({fmt_t(_t(rbf))} vs {fmt_t(_t(ours))})",
            )
            qd = _delta(ours) / max(_delta(rbf), 1e-9)
            qt = ours["peak_rss_mib"] / rbf["peak_rss_mib"]
            check(
                "1b. ours peak memory <= 1/3 of RBFSampler + Ridge (peak - base)",
                qd <= 1 / 3,
                f"{qd:.2f} ({_delta(ours):.0f} vs {_delta(rbf):.0f} MiB); whole process {qt:.2f} ({ours['peak_rss_mib']:.0f} vs {rbf['peak_rss_mib']:.0f} MiB)",
            )
        elif rbf is not None and "skip" in rbf:
            check("1b. vs RBFSampler + Ridge", None, f"skipped: {rbf['skip']}")
    # 2. large n
    ours = find("large", "regime_ours")
    if ours is not None:
        n, m = ours["spec"]["n"], ours["spec"]["m"]
        if _ok(ours):
            ref = find("large", "regime_primal_ref")
            extra = (
                f"; {_t(ours) / _t(ref):.2f} x the streamed reference ({fmt_t(_t(ref))}, peak {ref['peak_rss_mib']:.0f} MiB)"
                if _ok(ref)
                else ""
            )
            check(
                f"2. n={n}, m={m}: whole-process peak RSS < 1 GB",
                ours["peak_rss_mib"] * 2**20 < GB,
                f"{ours['peak_rss_mib'] * 2**20 / GB:.2f} GB ({ours['peak_rss_mib']:.0f} MiB; base {ours['base_rss_mib']:.0f} MiB incl. X = {8 * n * ours['spec']['d'] / 2**20:.3g} MiB) in {fmt_t(_t(ours))}; solver_ {ours['extra']['solver_']}{extra}",
            )
        else:
            check(f"2. n={n}, m={m}", False, ours.get("error", "?"))
    # 3. dual, well conditioned
    for r in results:
        s = r["spec"]
        if s["group"] != "dual" or s["case"] != "regime_ours":
            continue
        ref = find("dual", "regime_dual_ref", s["n"], s["m"])
        if _ok(r) and _ok(ref):
            cd = coef_diff(s["save_coef"], ref["spec"]["save_coef"])
            cds = f"; coef max rel. diff {cd[0]:.1e}" if cd else ""
            check(
                f"3. dual n={s['n']}, m={s['m']}: ours / normal equations",
                None,
                f"{_t(r) / _t(ref):.2f} x ({fmt_t(_t(r))} vs {fmt_t(_t(ref))}); peak {r['peak_rss_mib']:.0f} vs {ref['peak_rss_mib']:.0f} MiB; solver_ {r['extra']['solver_']}{cds}",
            )
        else:
            check(f"3. dual n={s['n']}, m={s['m']}", None, "a run failed (see table)")
    # 4. the stable path
    for r in results:
        s = r["spec"]
        if s["group"] != "stable" or s.get("data") != "clustered":
            continue
        w = find("stable", "regime_ours", s["n"], s["m"], "gauss")
        regime = "dual" if s["m"] >= s["n"] else "primal"
        if _ok(r) and _ok(w):
            ec, ew = r["extra"], w["extra"]
            check(
                f"4. stable path, {regime} n={s['n']}, m={s['m']}: clustered / well-conditioned",
                None,
                f"{_t(r) / _t(w):.2f} x ({fmt_t(_t(r))}, solver_ {ec['solver_']}, kappa(Gram) {ec.get('gram_cond', math.nan):.1e}"
                f" vs {fmt_t(_t(w))}, solver_ {ew['solver_']}, kappa {ew.get('gram_cond', math.nan):.1e})",
            )
            if "cholesky" not in ew["solver_"]:
                p(
                    f"        note: the well-conditioned fit did not take the Cholesky path (solver_ {ew['solver_']})"
                )
            if "cholesky" in ec["solver_"]:
                p(
                    f"        note: the clustered fit took the Cholesky path (solver_ {ec['solver_']})"
                )
        else:
            check(
                f"4. {regime} n={s['n']}, m={s['m']}", None, "a run failed (see table)"
            )
    p("")
    p(f"total wall {wall / 60:.1f} min")
    return "\n".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes (< 1 min)")
    ap.add_argument(
        "--threads",
        type=int,
        help="BLAS/OpenMP threads in every case (sets OPENBLAS_NUM_THREADS, "
        "OMP_NUM_THREADS, MKL_NUM_THREADS); default: the environment's",
    )
    ap.add_argument(
        "--case",
        help="comma-separated cases to run: primal, large, dual, stable (or 1-4); "
        "default: all",
    )
    ap.add_argument("--repeats", type=int, help="repeats of every timed fit")
    ap.add_argument("--json", help="write the raw results to this file")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child_main(args.child)
        return 0

    from bench_fit import _available_gib, fmt_t, machine, median

    groups = ["primal", "large", "dual", "stable"]
    if args.case:
        wanted = [GROUPS.get(c.strip(), c.strip()) for c in args.case.split(",")]
        bad = [c for c in wanted if c not in groups]
        if bad:
            ap.error(f"unknown case(s) {bad}; choose from {groups} or 1-4")
        groups = [g for g in groups if g in wanted]

    info = machine()
    info["threads"] = args.threads
    info["load_before"] = os.getloadavg()
    p = print
    p(
        f"machine: {info.get('cpu', '?')}, {info.get('cores')} cores, {info.get('ram_gib')} GiB RAM, {info['avail_gib']:.1f} GiB available"
    )
    for b in info.get("blas", []):
        p(
            f"  BLAS: {b['internal_api']} {b['version']} ({b['architecture']}), {b['num_threads']} threads in this process"
        )
    p(
        f"  numpy {info.get('numpy')}, scipy {info.get('scipy')}, scikit-learn {info.get('sklearn')}, Python {info.get('python')}"
    )
    p(
        "  threads: "
        + (
            f"--threads {args.threads} (OPENBLAS/OMP/MKL_NUM_THREADS in every case)"
            if args.threads
            else f"environment's setting ({info['env'] or 'no OPENBLAS_/OMP_/MKL_ variables'})"
        )
        + "; each row shows the BLAS threads its process ran with"
    )
    p(
        "  load average (1, 5, 15 min): "
        + " ".join(f"{x:.2f}" for x in info["load_before"])
    )
    p("")

    t0 = time.perf_counter()
    timeout = 120 if args.quick else 1200
    results = []
    with tempfile.TemporaryDirectory(prefix="bench_regimes_") as tmp:
        for spec, skip in plan(
            args.quick, groups, args.repeats, _available_gib() * 2**30, tmp
        ):
            name = f"[{spec['group']}] {LABEL[spec['case']]}"
            where = f"n={spec['n']} m={spec['m']}" + (
                f" {_data(spec)}" if spec.get("data") else ""
            )
            if skip:
                res = {"spec": spec, "skip": skip}
                p(f"skip {name} {where}: {skip}", flush=True)
            else:
                res = run_child(spec, timeout, args.threads)
                if "times" in res:
                    p(
                        f"{name:50s} {where:24s} {fmt_t(median(res['times'])):>9s} (x{len(res['times'])})  "
                        f"peak {res['peak_rss_mib']:.0f} MiB (base {res['base_rss_mib']:.0f})  "
                        f"solver_ {res['extra'].get('solver_')}  load {res['load']:.1f}",
                        flush=True,
                    )
                else:
                    p(f"{name:50s} {where:24s} {res['error']}", flush=True)
            results.append(res)
        info["load_after"] = os.getloadavg()
        p("")
        p(report(results, info, args.quick, time.perf_counter() - t0))
    p(
        "load average before / after: "
        + " ".join(f"{x:.2f}" for x in info["load_before"])
        + " / "
        + " ".join(f"{x:.2f}" for x in info["load_after"])
    )
    if args.json:
        info["load_before"] = list(info["load_before"])
        info["load_after"] = list(info["load_after"])
        Path(args.json).write_text(
            json.dumps(
                {"machine": info, "quick": args.quick, "results": results}, indent=1
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
