"""RandomFeatureClassifier on Fashion-MNIST t-shirt vs sneaker, beside two baselines.

    python benchmarks/bench_classifier.py            # ~1-2 min on 2 cores
    python benchmarks/bench_classifier.py --quick    # m = 1000, < 30 s

The paper's classification set (Section 3.5): t-shirts (-1) and sneakers (+1)
from the Fashion-MNIST test images, embedded with their first 10 principal
components and projected onto S^9. Two held-out evaluations:

A. The paper's sample: ``load_fashion_mnist_tshirt_sneaker(preprocess=True,
   random_state=0)`` (250 + 250 images, PCA fitted on them) is the training
   set; the other 1,500 images, embedded with the same PCA and projected
   onto the sphere, are the test set.
B. A stratified 50/50 split of all 2,000 images; PCA-10 and the projection
   onto the sphere are fitted on the training half only (a pipeline).

Models, all on the same 10-D points on the sphere: ``RandomFeatureClassifier``
(minimum-norm interpolant, Wendland0 and ReLU, width ``m``; and 20 or 21
Landweber steps, the early iterations of Section 4.4: with the step
``2 / (lambda_min + lambda_max)`` and ``kappa(H_hat) ~ 1e7`` the top
eigencomponent is fitted after an odd number of steps only), ``LogisticRegression`` and
``make_pipeline(RBFSampler(n_components=m), RidgeClassifier())``. Accuracy on
the training and the test set, and fit time (wall clock, one run).
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np
from sklearn.decomposition import PCA
from sklearn.kernel_approximation import RBFSampler
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import Normalizer

from sklearn_rfnet.classifier import RandomFeatureClassifier
from sklearn_rfnet.datasets import load_fashion_mnist_tshirt_sneaker


def models(m):
    return {
        f"RandomFeatureClassifier wendland0 m={m}": RandomFeatureClassifier(
            m, random_state=0
        ),
        f"RandomFeatureClassifier relu m={m}": RandomFeatureClassifier(
            m, activation="relu", random_state=0
        ),
        # with eta = 2 / (lambda_min + lambda_max) and kappa(H_hat) ~ 1e7 the
        # top eigencomponent has 1 - eta lambda_max ~ -1: it is fitted after an
        # odd number of steps and not after an even one
        **{
            f"RandomFeatureClassifier wendland0 m={m}, {k} GD steps": (
                RandomFeatureClassifier(
                    m, solver="landweber", max_iter=k, tol=0, random_state=0
                )
            )
            for k in (20, 21)
        },
        "LogisticRegression": LogisticRegression(max_iter=1000),
        f"RBFSampler(m={m}) + RidgeClassifier": make_pipeline(
            RBFSampler(n_components=m, random_state=0), RidgeClassifier()
        ),
    }


def evaluate(title, X_tr, y_tr, X_te, y_te, m, prep=None):
    print(f"\n{title}\n  train n = {len(y_tr)}, test n = {len(y_te)}")
    print(f"  {'model':<52} {'train acc':>9} {'test acc':>9} {'fit [s]':>8}")
    out = {}
    for name, model in models(m).items():
        if hasattr(model, "population_diagnostics"):
            model.set_params(population_diagnostics=False)
        if prep is not None:
            model = make_pipeline(*prep(), model)
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # conditioning warnings, if any
            model.fit(X_tr, y_tr)
        elapsed = time.perf_counter() - t0
        acc_tr, acc_te = model.score(X_tr, y_tr), model.score(X_te, y_te)
        out[name] = acc_te
        print(f"  {name:<52} {acc_tr:>9.4f} {acc_te:>9.4f} {elapsed:>8.2f}")
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--m", type=int, default=None, help="width (default 5000)")
    args = parser.parse_args()
    m = args.m or (1000 if args.quick else 5000)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")

    # A: the paper's 500-point sample for training, the other 1,500 for testing
    raw = load_fashion_mnist_tshirt_sneaker()
    sample = load_fashion_mnist_tshirt_sneaker(preprocess=True, random_state=0)
    held_out = ~np.isin(raw.test_index, sample.test_index)
    X_te = Normalizer().fit_transform(sample.pca.transform(raw.data[held_out]))
    evaluate(
        "A. train: the paper's sample (PCA-10 on S^9, random_state=0); "
        "test: the other images",
        sample.data,
        sample.target,
        X_te,
        raw.target[held_out],
        m,
    )

    # B: stratified split of all 2,000 images, preprocessing fitted on train
    X_tr, X_te, y_tr, y_te = train_test_split(
        raw.data, raw.target, test_size=0.5, stratify=raw.target, random_state=0
    )
    evaluate(
        "B. stratified 50/50 split of the 2,000 images; PCA-10 + projection "
        "onto S^9 fitted on the training half",
        X_tr,
        y_tr,
        X_te,
        y_te,
        m,
        prep=lambda: (PCA(n_components=10, random_state=0), Normalizer()),
    )


if __name__ == "__main__":
    main()
