"""scikit-learn helpers used by the estimators, in one place.

Private scikit-learn names move between releases; an upgrade should only touch
this file (as imbalanced-learn's ``_sklearn_compat.py`` does).
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["Interval", "StrOptions", "_fit_context", "check_is_fitted", "validate_data"]
