"""Data sets of the paper: the bad point set and the four sets of Section 3.5."""

from ._bad_points import make_bad_points, plant_bad_points
from ._loaders import load_fashion_mnist_tshirt_sneaker, load_prostate
from ._synthetic import make_synthetic1, make_synthetic2

__all__ = [
    "load_fashion_mnist_tshirt_sneaker",
    "load_prostate",
    "make_bad_points",
    "make_synthetic1",
    "make_synthetic2",
    "plant_bad_points",
]
