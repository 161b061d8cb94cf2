"""Two-layer networks in the random features regime, as scikit-learn estimators.

A hidden layer with fixed random weights on the sphere and a trained linear
last layer: training is an under-determined least-squares problem whose
solvability and conditioning the package reports (Townsend, Damle & Benson,
"Over-parametrized neural networks as under-determined linear systems").
"""

from ._infinite_width import InfiniteWidthClassifier, InfiniteWidthRegressor
from .activations import ACTIVATIONS, ActivationSpec, get_activation
from .classifier import RandomFeatureClassifier
from .exceptions import (
    InterpolationPeakWarning,
    RankDeficiencyWarning,
    UnderParameterizedWarning,
)
from .features import WendlandFeatures
from .kernels import InfiniteWidthKernel
from .model_selection import RandomFeatureClassifierCV, RandomFeatureRegressorCV
from .regressor import RandomFeatureRegressor

__version__ = "0.1.0.dev0"

__all__ = [
    "ACTIVATIONS",
    "ActivationSpec",
    "InfiniteWidthClassifier",
    "InfiniteWidthKernel",
    "InfiniteWidthRegressor",
    "InterpolationPeakWarning",
    "RandomFeatureClassifier",
    "RandomFeatureClassifierCV",
    "RandomFeatureRegressor",
    "RandomFeatureRegressorCV",
    "RankDeficiencyWarning",
    "UnderParameterizedWarning",
    "WendlandFeatures",
    "__version__",
    "get_activation",
]
