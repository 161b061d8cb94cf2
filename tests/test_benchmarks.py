"""The accuracy benchmark's rules: what it draws with a seed, how it judges.

``benchmarks/bench_accuracy.py`` writes ``docs/accuracy.md`` and decides
the out-of-the-box acceptance criteria; these tests pin the parts of it
that decide a verdict, without running the (35-minute) benchmark.
"""

import os
import sys

import pytest
from sklearn.model_selection import GridSearchCV

BENCH = os.path.join(os.path.dirname(os.path.dirname(__file__)), "benchmarks")
sys.path.insert(0, BENCH)
bench = pytest.importorskip("bench_accuracy")

CTX = {"task": "reg", "m": 40, "n_features": 8, "n_train": 30, "pca": None}


def _search(pipe):
    """The GridSearchCV of a built pipeline (maybe inside a target transformer)."""
    for _, step in pipe.steps:
        est = getattr(step, "regressor", step)
        if isinstance(est, GridSearchCV):
            return est
    raise AssertionError("no GridSearchCV in the pipeline")


@pytest.mark.parametrize("method", bench.TUNED_KERNEL)
@pytest.mark.parametrize("task", ["reg", "clf"])
def test_grid_searches_draw_their_inner_folds_with_the_seed(method, task):
    ctx = {**CTX, "task": task}
    for seed in (0, 3):
        search = _search(bench.build(method, ctx, seed))
        assert search.cv.shuffle
        assert search.cv.random_state == seed
    assert method in bench.RANDOMIZED


def test_rbf_grid_draws_its_sampler_with_the_seed():
    search = _search(bench.build("rbf_grid", CTX, 4))
    assert search.estimator.steps[0][1].random_state == 4


def _res(score, time=1.0):
    return {"score": score, "time": time}


def test_criteria_compare_with_the_best_tuned_method():
    results = {
        "pkg": _res(0.52),
        "rbf": _res(0.53),
        "pkg_cv": _res(0.528, time=0.1),
        "krr": _res(0.522),
        "svm": _res(0.535),
        "rbf_grid": _res(0.525, time=2.0),
    }
    c1, c2 = bench.criteria(results)
    assert c1["status"] == "met"
    assert c1["gap"] == pytest.approx(-0.01)
    assert c2["status"] == "met"
    assert c2["best"] == "svm"
    assert c2["gap"] == pytest.approx(-0.007)
    assert c2["ratio"] == pytest.approx(0.05)

    # 0.011 behind the best tuned method misses on score
    c1, c2 = bench.criteria({**results, "pkg_cv": _res(0.524, time=0.1)})
    assert (c2["status"], c2["note"]) == ("MISSED", "score")
    # slower than the gamma grid misses on time, whatever the score
    c1, c2 = bench.criteria({**results, "pkg_cv": _res(0.6, time=3.0)})
    assert (c2["status"], c2["note"]) == ("MISSED", "time")
    # more than 0.02 behind RBFSampler + RidgeCV misses (1)
    c1, _ = bench.criteria({**results, "pkg": _res(0.509)})
    assert c1["status"] == "MISSED"


def test_criteria_say_when_they_cannot_judge():
    c1, c2 = bench.criteria({"pkg": _res(0.5), "pkg_cv": {"failed": "boom"}})
    assert c1["status"] == "n/a" and c1["note"] == "baseline missing"
    assert c2["status"] == "MISSED"
    _, c2 = bench.criteria({"pkg_cv": _res(0.5), "krr": _res(0.4)})
    assert (c2["status"], c2["note"]) == ("n/a", "baselines missing")
