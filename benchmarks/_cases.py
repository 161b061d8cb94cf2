"""One benchmark measurement, run in a fresh process by ``bench_fit.py``.

``python benchmarks/_cases.py '<json spec>'`` builds the data, resets the
process's peak-RSS counter, runs the case ``repeats`` times and prints one
JSON line: wall times, the peak resident set size of the whole process
(``VmHWM``: interpreter, imports and data included) and that peak minus the
RSS just before the case ran, plus case-specific numbers (training residual,
iterations, ...). A fresh process per case keeps one case's memory out of the
next one's peak.
"""

from __future__ import annotations

import json
import math
import sys
import time
import warnings

import numpy as np

# --------------------------------------------------------------------------
# memory


def _status_kib(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def _reset_peak():
    """Reset VmHWM to the current RSS (Linux >= 4.0); False if unsupported."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _peak_mib():
    hwm = _status_kib("VmHWM")
    if hwm is None:  # pragma: no cover - not Linux
        import resource

        hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return hwm / 1024.0


def _rss_mib():
    return (_status_kib("VmRSS") or 0) / 1024.0


# --------------------------------------------------------------------------
# data: points uniform on S^{d-1}


def sphere_data(n, d, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = np.sin(3.0 * X[:, 0]) + X @ np.ones(d) / math.sqrt(d)  # smooth targets
    return X.astype(dtype), y


def prostate_like():
    """The Prostate data (n = 97, d = 8) if the loader exists, else S^7 points."""
    try:
        from sklearn_rfnet.datasets import load_prostate

        data = load_prostate()
        X, y = (data.data, data.target) if hasattr(data, "data") else data
        X = np.asarray(X, dtype=np.float64)
        return X, np.asarray(y, dtype=np.float64), "prostate (load_prostate)"
    except Exception as exc:  # noqa: BLE001 - any failure: documented stand-in
        X, y = sphere_data(97, 8, seed=7)
        return (
            X,
            y,
            f"97 points on S^7 (load_prostate unavailable: {type(exc).__name__})",
        )


def _rel_resid(pred, y):
    return float(
        np.linalg.norm(np.asarray(pred, dtype=np.float64) - y) / np.linalg.norm(y)
    )


# --------------------------------------------------------------------------
# the package


def _regressor(m, **kw):
    from sklearn_rfnet import RandomFeatureRegressor

    reg = RandomFeatureRegressor(m, random_state=0, **kw)
    if "population_diagnostics" in reg.get_params():
        reg.set_params(population_diagnostics=False)  # the solve only
    return reg


def case_package(spec):
    n, m, d = spec["n"], spec["m"], spec.get("d", 10)
    dtype = np.float32 if spec.get("dtype") == "float32" else np.float64
    X, y = sphere_data(n, d, dtype=dtype)
    kw = {}
    if spec.get("solver") == "landweber":
        kw = dict(solver="landweber", max_iter=spec["steps"], tol=0.0)
    reg = _regressor(m, **kw)

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reg.fit(X, y)

    def extra():
        out = {
            "solver_": reg.solver_,
            "condition_number": float(reg.condition_number_),
        }
        if m * n <= 4 * 10**8:  # residual needs one more pass over Z
            out["train_resid"] = _rel_resid(reg.predict(X), y)
        if spec.get("solver") == "landweber":
            out["n_iter"] = int(reg.n_iter_)
            out["final_loss"] = float(reg.loss_curve_[-1])
        return out

    return run, extra


def case_prostate(spec):
    X, y, what = prostate_like()
    n = X.shape[0]
    reg = _regressor(200 * n, solver="landweber", max_iter=spec["steps"], tol=0.0)

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reg.fit(X, y)

    def extra():
        return {
            "data": what,
            "n": n,
            "m": 200 * n,
            "n_iter": int(reg.n_iter_),
            "final_loss": float(reg.loss_curve_[-1]),
            "condition_number": float(reg.condition_number_),
        }

    return run, extra


# --------------------------------------------------------------------------
# the machine floor: SYRK of n x m + Cholesky of n x n + one pass writing n x m


def case_floor(spec):
    from scipy.linalg import blas, lapack

    n, m = spec["n"], spec["m"]
    rng = np.random.default_rng(0)
    block = spec.get("block")  # None: one SYRK on the whole n x m matrix
    cols = m if block is None else min(block, m)
    Z = rng.uniform(-1.0, 1.0, size=(n, cols))
    H = np.zeros((n, n), order="F")
    parts = {}

    def run():
        t0 = time.perf_counter()
        for start in range(0, m, cols):  # one pass writing n x m
            Z.fill(0.5 + start * 1e-9)
        t1 = time.perf_counter()
        H[...] = 0.0
        for start in range(0, m, cols):
            b = min(cols, m - start)
            G = Z if b == cols else np.ascontiguousarray(Z[:, :b])
            blas.dsyrk(1.0 / m, G.T, beta=1.0, c=H, trans=1, lower=1, overwrite_c=1)
        t2 = time.perf_counter()
        H.flat[:: n + 1] += 1.0  # make it safely positive definite
        _, info = lapack.dpotrf(H, lower=1, clean=0, overwrite_a=1)
        t3 = time.perf_counter()
        parts.setdefault("write", []).append(t1 - t0)
        parts.setdefault("syrk", []).append(t2 - t1)
        parts.setdefault("cholesky", []).append(t3 - t2)

    def extra():
        return {k: float(np.median(v)) for k, v in parts.items()} | {
            "blocked": block is not None
        }

    return run, extra


# --------------------------------------------------------------------------
# baselines


def _features(X, m, dtype=np.float64):
    from sklearn_rfnet import WendlandFeatures

    return WendlandFeatures(m, random_state=0).fit_transform(X)


def case_lstsq(spec):
    n, m = spec["n"], spec["m"]
    X, y = sphere_data(n, 10)
    state = {}

    def run():
        Z = _features(X, m)
        state["coef"] = np.linalg.lstsq(Z, y, rcond=None)[0]
        state["Z"] = Z if n * m <= 4 * 10**8 else None
        del Z

    def extra():
        Z = state.get("Z")
        return {} if Z is None else {"train_resid": _rel_resid(Z @ state["coef"], y)}

    return run, extra


def case_normal_eq(spec):
    from scipy import linalg

    n, m = spec["n"], spec["m"]
    X, y = sphere_data(n, 10)
    state = {}

    def run():
        Z = _features(X, m)
        H = np.dot(Z, Z.T)  # what a user writes: numpy maps Z Z^T to SYRK
        c = linalg.cho_solve(linalg.cho_factor(H, lower=True), y)
        state["coef"] = Z.T @ c
        state["Z"] = Z

    def extra():
        return {"train_resid": _rel_resid(state["Z"] @ state["coef"], y)}

    return run, extra


def case_rbf_ridge(spec):
    from sklearn.kernel_approximation import RBFSampler
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline

    n, m = spec["n"], spec["m"]
    X, y = sphere_data(n, 10)
    pipe = make_pipeline(RBFSampler(n_components=m, random_state=0), Ridge(alpha=1e-10))

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pipe.fit(X, y)

    def extra():
        if n * m > 4 * 10**8:
            return {}
        return {"train_resid": _rel_resid(pipe.predict(X), y)}

    return run, extra


def case_krr(spec):
    from sklearn.kernel_ridge import KernelRidge

    n = spec["n"]
    X, y = sphere_data(n, 10)
    krr = KernelRidge(kernel="rbf", alpha=1e-10)

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            krr.fit(X, y)

    def extra():
        return {"train_resid": _rel_resid(krr.predict(X), y)}

    return run, extra


def case_mlp(spec):
    from sklearn.neural_network import MLPRegressor

    n, m = spec["n"], spec["m"]
    X, y = sphere_data(n, 10)
    mlp = MLPRegressor(
        hidden_layer_sizes=(m,),
        max_iter=spec["epochs"],
        tol=0.0,
        n_iter_no_change=10**9,
        random_state=0,
    )

    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mlp.fit(X, y)

    def extra():
        return {"train_resid": _rel_resid(mlp.predict(X), y), "epochs": mlp.n_iter_}

    return run, extra


def case_naive_gd(spec):
    """Explicit primal gradient descent on Z: time per step (Z precomputed)."""
    n, m, steps = spec["n"], spec["m"], spec["steps"]
    X, y = (prostate_like()[:2]) if spec.get("prostate") else sphere_data(n, 10)
    Z = _features(X, m)
    eta = 1.0 / np.einsum("ij,ij->", Z, Z)  # < 2 / lambda_max: a stable step
    alpha = np.zeros(Z.shape[1])

    def run():
        a = alpha.copy()
        for _ in range(steps):
            a -= eta * (Z.T @ (Z @ a - y))

    def extra():
        return {"steps": steps}

    return run, extra


def case_activation(spec):
    from sklearn_rfnet import activations as act

    n, m = spec["n"], spec["m"]
    rng = np.random.default_rng(0)
    A = rng.uniform(-1.0, 1.0, size=(n, m))
    B = np.empty_like(A)
    np.copyto(B, A)  # fault the pages in before timing
    out = {}

    def timeit(f, reps):
        ts = []
        for _ in range(reps):
            np.copyto(B, A)
            t0 = time.perf_counter()
            f()
            ts.append(time.perf_counter() - t0)
        return float(np.median(ts))

    def run():
        reps = spec["repeats_inner"]
        out["copy"] = timeit(lambda: np.copyto(B, A), reps)
        for name in sorted(act.ACTIVATIONS):
            g = act.get_activation(name, 10)
            for nt in (1, 2):
                key = f"{name}/{nt} thread" + ("s" if nt > 1 else "")
                out[key] = timeit(
                    lambda g=g, nt=nt: act._evaluate_chunked(
                        g._kernel, B, ell=g.ell, zeta=g.zeta, n_threads=nt
                    ),
                    reps,
                )
        try:
            import numexpr as ne
        except ImportError:
            out["numexpr"] = None
        else:
            expr = "where(B < 0.0, 0.0, (1.0 - sqrt(where(B > 1.0, 0.0, 1.0 - B)))**6)"
            out["numexpr"] = timeit(lambda: ne.evaluate(expr, out=B), reps)
        out["n_threads"] = act._default_n_threads()

    def extra():
        return out

    return run, extra


CASES = {
    "package": case_package,
    "prostate": case_prostate,
    "floor": case_floor,
    "lstsq": case_lstsq,
    "normal_eq": case_normal_eq,
    "rbf_ridge": case_rbf_ridge,
    "krr": case_krr,
    "mlp": case_mlp,
    "naive_gd": case_naive_gd,
    "activation": case_activation,
}


def main(argv):
    spec = json.loads(argv[1])
    run, extra = CASES[spec["case"]](spec)
    times = []
    base = _rss_mib()
    reset = _reset_peak()
    for _ in range(spec.get("repeats", 1)):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    peak = _peak_mib()
    result = {
        "spec": spec,
        "times": times,
        "peak_rss_mib": peak,
        "base_rss_mib": base,
        "peak_reset": reset,
        "extra": extra(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv)
