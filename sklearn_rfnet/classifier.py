"""``RandomFeatureClassifier``: one-vs-rest least squares on random features."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.multiclass import check_classification_targets

from ._compat import _fit_context, validate_data
from .regressor import _BaseRandomFeatureModel

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


class RandomFeatureClassifier(ClassifierMixin, _BaseRandomFeatureModel):
    """Two-layer network in the random features regime, used as a classifier.

    The same network and training as
    :class:`~sklearn_rfnet.RandomFeatureRegressor`: a fixed random hidden
    layer ``W`` and a last layer fitted by least squares on
    ``Z = gamma(X W) / sqrt(m)`` (problem 2.4), here with one-vs-rest
    targets ``+1`` / ``-1``, one column per class (a single column for two
    classes), which is how the paper labels its classification sets
    (Synthetic-2 and Fashion-MNIST, Section 3.5). With ``m >= n`` and
    ``Z`` of full row rank the minimum-norm solution interpolates the
    labels; ``alpha > 0`` (ridge) or a finite number of Landweber steps
    regularizes it. Every fit reports the conditioning of
    ``H_hat = Z Z^T``, which does not depend on the labels.

    Parameters
    ----------
    n_components : int, default=100
        Width ``m`` of the hidden layer. Interpolation of the labels needs
        ``m >= n_samples``.
    activation : {"wendland0", "wendland2", "relu", "swish"} or callable, \
            default="wendland0"
        The activation ``gamma`` (Table 1); see
        :class:`~sklearn_rfnet.WendlandFeatures`.
    zeta : float, "scale" or None, default="scale"
        Support radius of the Wendland activations (Section 3.4.1), i.e. their
        bandwidth: ``gamma(z) = 0`` when ``sqrt(2 - 2z) > zeta``.
        ``"scale"`` (:func:`~sklearn_rfnet.activations.scale_zeta`) grows it
        with the Wendland exponent so that the features stay alive in every
        dimension; ``None`` is the paper's ``sqrt(2)`` (the support of ReLU),
        whose features vanish numerically from ``d ~ 30`` on. Ignored by the
        other activations.
    weights : {"sphere", "gaussian"}, default="sphere"
        Distribution of the columns of ``W`` (Section 2.1, Appendix A.1).
    normalize : bool, default=True
        Project each row onto the unit sphere (rows of zeros stay zero).
    bias : bool, default=True
        Append a constant 1 to each row before normalizing (footnote 2,
        Remark 1): a bias for every hidden unit, and the row's norm is kept
        (without it, rows on the sphere lose their norm). ``False`` is the
        paper's setting without bias.
    fit_intercept : bool, default=True
        Fit an unpenalized output bias ``intercept_``: the last layer is
        trained on the centered features and targets (``H_hat -> P H_hat P``,
        ``P = I - 1 1^T / n``), and
        ``intercept_ = mean(y) - mean(Z)^T coef_``. ``False`` is the paper's
        network without an output bias.
    solver : {"direct", "landweber"}, default="direct"
        ``"direct"``: the minimum-norm least-squares solution (eq. 2.5), or
        with ``alpha > 0`` the ridge solution (``solver_`` says which
        factorization ran). ``"landweber"``: gradient descent on the last
        layer from ``coef = 0`` (Lemma 4.2, Theorem 4.3), in closed form
        (Lemma A.6).
    alpha : float or "auto", default="auto"
        Ridge strength for ``solver="direct"``. ``"auto"`` chooses it by
        exact leave-one-out among ``np.logspace(-6, 1, 15)`` from one
        eigendecomposition (as :class:`~sklearn.linear_model.RidgeCV` does;
        ``alpha_`` is the choice). A number minimizes
        ``||Z coef - Y||^2 + alpha * phi(1) ||coef||^2``, relative to
        ``phi(1) = E ||z(x)||^2``, the diagonal of the population kernel
        (eq. 2.7, the mean eigenvalue of ``H``; see
        :meth:`~sklearn_rfnet.activations.Activation.second_moment`), so that
        ``alpha`` means the same for every activation, dimension and width:
        ``alpha = 1`` is a ridge as large as the average eigenvalue. The
        paper's ``alpha`` is the last layer itself, our ``coef_``.
    max_iter : int, default=1000
        Number of gradient steps at most (``solver="landweber"``).
    tol : float, default=1e-10
        Landweber stops at the first step with relative training residual
        ``||Z coef - Y||_F / ||Y||_F <= tol``; ``tol=0`` runs exactly
        ``max_iter`` steps.
    step_size : float, "optimal" or None, default=None
        Landweber step ``eta``. ``None`` is ``1 / lambda_max``: every
        eigencomponent converges monotonically, the top one in one step.
        ``"optimal"`` is the paper's ``2 / (lambda_min + lambda_max)``
        (Lemma 4.2, with the smallest non-zero eigenvalue when the Gram
        matrix is singular), which minimizes the worst contraction factor but
        leaves the top component oscillating when the condition number is
        large (measured: one-vs-rest test accuracy 0.51-0.60 after 1000
        steps where ``None`` gives 0.99-1.0). A number must be below
        ``2 / lambda_max``.
    delta : float, default=0.01
        Failure probability in the width bound of Lemma 2.4.
    block_size : int, default=None
        A memory knob: hidden units per block of ``Z`` when
        ``n_components >= n_samples`` (dual regime), samples per chunk
        otherwise (primal regime); ``None`` keeps each block within 128 MiB.
        Results do not depend on it beyond rounding.
    population_diagnostics : bool or "auto", default="auto"
        Also compute the population matrix ``H`` of the training data
        (eq. 2.7, 3.4) and from it ``population_lambda_min_``,
        ``population_condition_number_`` and ``required_width_``. It costs an
        ``n x n`` matrix and its eigenvalues; ``"auto"`` does it for
        ``n_samples <= 2000``.
    random_state : int, RandomState instance or None, default=None
        Seed for ``W``; the same as :class:`~sklearn_rfnet.WendlandFeatures`
        and :class:`~sklearn_rfnet.RandomFeatureRegressor` with the same
        parameters.
    verbose : int, default=0
        Print Landweber progress.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted.
    coef_ : ndarray of shape (n_components,) or (n_components, n_classes)
        Last-layer weights (the paper's ``alpha``): one column per class, or
        a single vector for two classes (positive class ``classes_[1]``).
    intercept_ : float or ndarray of shape (n_classes,)
        Output bias, one per column of ``coef_`` (0.0 when
        ``fit_intercept=False``).
    random_weights_ : ndarray of shape (`n_features_in_` + bias, n_components)
        Hidden-layer weights ``W``.
    lambda_min_ : float
        Smallest eigenvalue of the training Gram matrix, ``H_hat = Z Z^T``
        when ``n_components >= n_samples``, ``Z^T Z`` otherwise (0.0 when it
        is numerically singular).
    lambda_max_ : float
        Largest eigenvalue of the training Gram matrix.
    condition_number_ : float
        ``lambda_max_ / lambda_min_``; ``inf`` when the Gram matrix is
        singular.
    rank_ : int
        Numerical rank of the design: of ``Z``, or of ``[Z, 1]`` with
        ``fit_intercept`` (``n_samples`` when the training data can be
        interpolated).
    population_lambda_min_ : float or None
        ``lambda_min(H)`` of the population matrix of the training points
        (eq. 2.7); ``None`` when not computed (``population_diagnostics``, or
        ``normalize=False``).
    population_condition_number_ : float or None
        ``kappa(H)``, the value ``condition_number_`` approaches as the width
        grows (Lemma 2.5); ``None`` when not computed.
    required_width_ : int, float or None
        Width of Lemma 2.4 / Theorem 4.3 with which ``Z`` has full row rank
        with probability ``1 - delta``; ``None`` when not computed or
        ``weights="gaussian"``.
    alpha_ : float
        The ridge strength used, in the unit of ``alpha`` (the leave-one-out
        choice for ``alpha="auto"``). Only with ``solver="direct"``.
    solver_ : str
        ``"<regime>-<method>"`` as in
        :class:`~sklearn_rfnet.RandomFeatureRegressor`: ``"dual"`` or
        ``"primal"``, then ``"cholesky"``, ``"tsqr-lsqr"`` or
        ``"landweber"``.
    n_iter_ : int
        Landweber steps taken; 1 for the direct solver (one solve).
    loss_curve_ : ndarray of shape (`n_iter_` + 1,)
        Relative training residual ``||Z coef_k - Y||_F / ||Y||_F`` after
        ``k = 0, 1, ..., n_iter_`` Landweber steps (eq. 4.4), ``Y`` the
        ``+-1`` target matrix. Only with ``solver="landweber"``.
    step_size_ : float
        The Landweber step used. Only with ``solver="landweber"``.
    n_features_in_ : int
        Number of features seen during :term:`fit`.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when ``X``
        has feature names that are all strings.

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
    The last layer has no intercept: use ``bias=True`` for an offset in the
    hidden units.

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

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Draw ``W`` and fit the last layer to one-vs-rest ``+-1`` targets.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels (numbers or strings), at least two distinct.

        Returns
        -------
        self : object
            Fitted classifier.
        """
        X, y = validate_data(
            self, X, y, accept_sparse="csr", dtype=[np.float64, np.float32]
        )
        Y = _encode_labels(self, y)
        return self._fit_last_layer(X, Y)

    def decision_function(self, X):
        """Network output on the ``+-1`` class encoding.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            ``gamma(X_tilde W) coef_ / sqrt(m)``. For two classes, one score
            per sample, positive for ``classes_[1]``; otherwise one column
            per class, in the order of ``classes_``.
        """
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
        scores = self.decision_function(X)  # checks that the model is fitted
        return _labels_from_scores(self.classes_, scores)
