"""Shared helpers for the example scripts: quick mode, figure paths, data sets."""

import os

QUICK = bool(os.environ.get("RFNET_QUICK") or os.environ.get("CI"))


def figure_path(name):
    """Where to save a figure: ``$RFNET_FIGURE_DIR`` (default: the cwd)."""
    folder = os.environ.get("RFNET_FIGURE_DIR", ".")
    os.makedirs(folder, exist_ok=True)
    return os.path.join(folder, name)


def paper_datasets(random_state=0):
    """The four data sets of Section 3.5, preprocessed as the paper says."""
    from sklearn_rfnet.datasets import (
        load_fashion_mnist_tshirt_sneaker,
        load_prostate,
        make_synthetic1,
        make_synthetic2,
    )

    return {
        "Synthetic-1": make_synthetic1(random_state=random_state),
        "Synthetic-2": make_synthetic2(random_state=random_state),
        "Prostate": load_prostate(preprocess=True, return_X_y=True),
        "Fashion-MNIST": load_fashion_mnist_tshirt_sneaker(
            preprocess=True, random_state=random_state, return_X_y=True
        ),
    }
