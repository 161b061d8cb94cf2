"""``RandomFeatureClassifier``: one-vs-rest least squares on random features."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.multiclass import check_classification_targets

from . import _dask, _xp
from ._base import _BaseRandomFeatureModel
from ._docstrings import for_classifier, section
from .regressor import RandomFeatureRegressor

__all__ = ["RandomFeatureClassifier"]


def _encode_labels(est, y):
    """One-vs-rest ``+-1`` targets for ``y``; sets ``classes_`` on ``est``.

    One column per class, or a single column (raveled) for two classes,
    positive for ``classes_[1]``.
    """
    check_classification_targets(y)
    est._label_binarizer = LabelBinarizer(neg_label=-1, pos_label=1)
    Y = est._label_binarizer.fit_transform(y).astype(np.float64)
    est.classes_ = est._label_binarizer.classes_
    if len(est.classes_) < 2:
        raise ValueError(
            f"{type(est).__name__} needs samples of at least 2 classes, but "
            f"the data contains only one class: {est.classes_[0]!r}."
        )
    return Y.ravel() if Y.shape[1] == 1 else Y


def _labels_from_scores(classes, scores):
    """The class with the largest score (the sign of the score for two)."""
    if scores.ndim == 1:
        return classes[(scores > 0).astype(np.intp)]
    return classes[np.argmax(scores, axis=1)]


class _OneVsRestOutputMixin:
    """``decision_function`` and ``predict`` of the one-vs-rest classifiers
    (:class:`RandomFeatureClassifier` and its cross-validated twin): the
    network output on the ``+-1`` coding, and the class it points to."""

    def _targets(self, y):
        """The one-vs-rest ``+-1`` coding of the labels ``y``."""
        return _encode_labels(self, y)

    def decision_function(self, X):
        """Network output on the ``+-1`` class encoding.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            ``gamma(X_tilde W) coef_ / sqrt(m) + intercept_``. For two
            classes, one score per sample, positive for ``classes_[1]``;
            otherwise one column per class, in the order of ``classes_``.
            A lazy dask array for a dask ``X``; an array of ``X``'s
            namespace and device under ``array_api_dispatch``.
        """
        if _dask.is_dask_collection(X):
            return _dask.decision(self, X)
        _xp.check_namespace(self, X, "coef_", "decision_function")
        return self._decision(X)

    def predict(self, X):
        """Class with the largest score (sign of the score for two classes).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels, drawn from ``classes_``.
        """
        if not _dask.is_dask_collection(X):
            _xp.check_namespace(self, X, "coef_", "predict")
        scores = self.decision_function(X)  # checks that the model is fitted
        if _dask.is_dask_collection(scores):
            return _dask.labels(self.classes_, scores, _labels_from_scores)
        if _xp.namespace(scores) is not None:
            return _xp.labels(self.classes_, scores)
        return _labels_from_scores(self.classes_, scores)

    def score(self, X, y, sample_weight=None):
        """Mean accuracy of ``predict(X)`` against ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights (not with dask input).

        Returns
        -------
        score : float
            Accuracy, reduced on the workers for dask input.
        """
        if _dask.is_dask_collection(X) and sample_weight is None:
            return _dask.accuracy(self, X, y)
        return super().score(X, y, sample_weight=sample_weight)


class RandomFeatureClassifier(
    ClassifierMixin, _OneVsRestOutputMixin, _BaseRandomFeatureModel
):
    """Two-layer network in the random features regime, used as a classifier.

    The same network and training as
    :class:`~sklearn_rfnet.RandomFeatureRegressor`: a fixed random hidden
    layer ``W`` and a last layer fitted by least squares on
    ``Z = gamma(X W) / sqrt(m)`` (problem 2.4), here with one-vs-rest
    targets ``+1`` / ``-1``, one column per class (a single column for two
    classes, positive for ``classes_[1]``), which is how the paper labels
    its classification sets (Synthetic-2 and Fashion-MNIST, Section 3.5).
    With ``m >= n`` and ``Z`` of full row rank the minimum-norm solution
    interpolates the labels; ``alpha > 0`` (ridge) or a finite number of
    Landweber steps regularizes it. Every fit reports the conditioning of
    ``H_hat = Z Z^T``, which does not depend on the labels.

    Parameters
    ----------
    {parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted.
    {attributes}

    See Also
    --------
    RandomFeatureRegressor : The same network for regression.
    sklearn.linear_model.RidgeClassifier : The same one-vs-rest ``+-1``
        encoding on the raw features.

    Notes
    -----
    The targets are ``LabelBinarizer(neg_label=-1, pos_label=1)`` of ``y``,
    exactly as :class:`~sklearn.linear_model.RidgeClassifier` encodes them,
    so ``coef_`` equals that of a
    :class:`~sklearn_rfnet.RandomFeatureRegressor` with the same parameters
    fitted on those targets. ``decision_function`` is the network output;
    ``predict`` takes its sign for two classes and its argmax otherwise.
    With ``fit_intercept=True`` (the default) each class's score has an
    unpenalized offset ``intercept_``, as in ``RidgeClassifier``.

    References
    ----------
    .. [1] A. Townsend, A. Damle and A. R. Benson, "Over-parametrized neural
       networks as under-determined linear systems", 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rfnet.classifier import RandomFeatureClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 3))
    >>> y = np.where(X[:, 0] > 0, "pos", "neg")
    >>> clf = RandomFeatureClassifier(n_components=300, random_state=0).fit(X, y)
    >>> clf.classes_
    array(['neg', 'pos'], dtype='<U3')
    >>> clf.decision_function(X[:4]).shape, clf.score(X, y), clf.rank_
    ((4,), 1.0, 60)
    """

    _fits_dask = True


RandomFeatureClassifier.__doc__ = RandomFeatureClassifier.__doc__.format(
    parameters=for_classifier(section(RandomFeatureRegressor.__doc__, "Parameters")),
    attributes=for_classifier(section(RandomFeatureRegressor.__doc__, "Attributes")),
)
