"""Docstring entries written once and shared by the estimators.

The parameters and attributes that several estimators share are documented
once, in ``ENTRIES``, and put in place by :func:`shared_docs`; the
classifiers take the whole parameter and attribute documentation of their
regression twins with the targets renamed (:func:`for_classifier`). So the
documentation of one parameter cannot drift apart between estimators.
"""

from __future__ import annotations

import re


def section(doc, title):
    """The body of a numpydoc section of ``doc``, up to the next section.

    Parameters
    ----------
    doc : str
        A class docstring, indented by 4 spaces (as written in the source).
    title : str
        The section title, e.g. ``"Parameters"``.

    Returns
    -------
    body : str
        The section's lines without its title, the first one unindented
        (the text is placed after 4 spaces in the receiving docstring).
    """
    lines = doc.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == title) + 2
    stop = next(
        (
            i
            for i in range(start, len(lines) - 1)
            if lines[i + 1].strip().startswith("---") and lines[i].strip()
        ),
        len(lines),
    )
    return "\n".join(lines[start:stop]).strip()


# regression targets y (n_targets columns) -> the +-1 class coding Y
_CLASSIFIER_WORDS = (
    ("(n_components, n_targets)", "(n_components, n_classes)"),
    ("ndarray of shape (n_targets,)", "ndarray of shape (n_classes,)"),
    ("||Z coef - y||", "||Z coef - Y||"),
    ("||Z coef_k - y||", "||Z coef_k - Y||"),
    ("/ ||y||", "/ ||Y||"),
)


def for_classifier(text):
    """``text`` with the regression targets renamed for a classifier.

    Parameters
    ----------
    text : str
        Documentation written for ``y`` of shape (n_samples, n_targets).

    Returns
    -------
    text : str
        The same for the ``+-1`` coding ``Y`` of shape (n_samples, n_classes).
    """
    for old, new in _CLASSIFIER_WORDS:
        text = text.replace(old, new)
    return text


# --------------------------------------------------------------------------
# Parameter and attribute entries shared by several estimators, written once.
# A class docstring names one by a line holding only ``{name}``; the
# ``shared_docs`` decorator puts the entry there (tests/test_common.py checks
# that the estimators agree, with scikit-learn's assert_docstring_consistency).

ENTRIES = {
    # ---------------------------------------------------------- parameters
    "n_components": """\
n_components : int, default=100
    Width ``m`` of the hidden layer: the number of random features.
    Interpolation needs ``m >= n_samples``; Lemma 2.4 gives a width that
    suffices with high probability (``required_width_`` of the estimators).""",
    "activation": """\
activation : {"wendland0", "wendland2", "relu", "swish"} or callable, \
        default="wendland0"
    The activation ``gamma`` (Table 1). A callable must act elementwise
    on a float array. The Wendland activations depend on the dimension
    ``d`` of the sphere the rows live on (``n_features_in_ + bias``):
    ``ell = floor(d/2) + 1`` (wendland0) or ``+ 3`` (wendland2).""",
    "zeta": """\
zeta : float, "scale" or None, default="scale"
    Support radius of the Wendland activations (Section 3.4.1), i.e. their
    bandwidth: ``gamma(z) = 0`` when ``sqrt(2 - 2z) > zeta``.
    ``"scale"`` (:func:`~sklearn_rfnet.activations.scale_zeta`) grows it
    with the Wendland exponent so that the features stay alive in every
    dimension; ``None`` is the paper's ``sqrt(2)`` (the support of ReLU),
    whose features vanish numerically from ``d ~ 30`` on. Ignored by the
    other activations.""",
    "weights": """\
weights : {"sphere", "gaussian"}, default="sphere"
    Distribution of the columns of ``W``: uniform on the unit sphere
    (Section 2.1) or standard Gaussian (Appendix A.1).""",
    "normalize": """\
normalize : bool, default=True
    Project each row onto the unit sphere (after the bias column, if
    any). Rows of zeros stay zero, as
    :func:`sklearn.preprocessing.normalize` leaves them.""",
    "bias": """\
bias : bool, float or "scale", default="scale"
    Append a constant ``c`` to each row before normalizing (footnote 2,
    Remark 1): a bias for every hidden unit, and the row's norm is kept
    (without it, rows on the sphere lose their norm). ``c`` is the
    bandwidth of the features in the units of ``X``: on the sphere
    ``x_tilde^T y_tilde ~ 1 - ||x - y||^2 / (2 c^2)`` for rows within
    ``c`` of each other. ``"scale"`` is
    ``c = 2 sqrt(n_features * X.var())`` (twice the rows' root mean square
    spread, from the training data, as scikit-learn's ``gamma="scale"``;
    ``2 sqrt(n_features)`` after :class:`~sklearn.preprocessing.
    StandardScaler`), chosen on the accuracy benchmark; ``True`` is the
    paper's ``c = 1``, a number that ``c``, ``False`` the paper's setting
    without bias. The value used is ``bias_``.""",
    "fit_intercept": """\
fit_intercept : bool, default=True
    Fit an unpenalized output bias ``intercept_``: the last layer is
    trained on the centered features and targets (``H_hat -> P H_hat P``,
    ``P = I - 1 1^T / n``), and
    ``intercept_ = mean(y) - mean(Z)^T coef_``. ``False`` is the paper's
    network without an output bias.""",
    "step_size": """\
step_size : float, "optimal" or None, default=None
    Landweber step ``eta``. ``None`` is ``1 / lambda_max``: every
    eigencomponent converges monotonically, the top one in one step.
    ``"optimal"`` is the paper's ``2 / (lambda_min + lambda_max)``
    (Lemma 4.2, with the smallest non-zero eigenvalue when the Gram
    matrix is singular), which minimizes the worst contraction factor but
    leaves the top component oscillating when the condition number is
    large (measured: one-vs-rest test accuracy 0.51-0.60 after 1000
    steps where ``None`` gives 0.99-1.0). A number must be below
    ``2 / lambda_max``.""",
    "delta": """\
delta : float, default=0.01
    Failure probability in the width bound of Lemma 2.4
    (``required_width_``).""",
    "population_diagnostics": """\
population_diagnostics : bool or "auto", default="auto"
    Also offer the population matrix ``H`` of the training data
    (eq. 2.7, 3.4) and from it ``population_lambda_min_``,
    ``population_condition_number_`` and ``required_width_``. They are
    computed on first access and cached (an ``n x n`` matrix and its
    eigenvalues, then; the fit only keeps the ``n x d`` prepared
    inputs); ``"auto"`` offers them for ``n_samples <= 2000``.""",
    "random_state": """\
random_state : int, RandomState instance or None, default=None
    Seed for ``W``. The same seed gives the same weights
    (``random_weights_``) in every estimator of the package with the same
    parameters.""",
    # ---------------------------------------------------------- attributes
    "coef_": """\
coef_ : ndarray of shape (n_components,) or (n_components, n_targets)
    Last-layer weights (the paper's ``alpha``) of the fitted network.""",
    "intercept_": """\
intercept_ : float or ndarray of shape (n_targets,)
    Output bias (0.0 when ``fit_intercept=False``).""",
    "random_weights_": """\
random_weights_ : ndarray of shape (`n_features_in_` + (`bias_` > 0), n_components)
    The hidden-layer weights ``W``, in the dtype of the training data.""",
    "bias_": """\
bias_ : float
    The constant appended to the rows (the ``bias`` parameter resolved on
    the training data); 0.0 without a bias column.""",
    "lambda_max_": """\
lambda_max_ : float
    Largest eigenvalue of the training Gram matrix, ``sigma_max(Z)**2``.""",
    "rank_": """\
rank_ : int
    Numerical rank of the design: of ``Z``, or of ``[Z, 1]`` with
    ``fit_intercept`` (``n_samples`` when the training data can be
    interpolated).""",
    "population_lambda_min_": """\
population_lambda_min_ : float or None
    ``lambda_min(H)`` of the population matrix of the training points
    (eq. 2.7); 0.0 when ``H`` is numerically singular (e.g. ReLU on the
    points of Definition 2.1, Theorem 3.1). ``None`` when not computed
    (``population_diagnostics``, or ``normalize=False``: ``H`` is defined
    for points on the sphere).""",
    "population_condition_number_": """\
population_condition_number_ : float or None
    ``kappa(H)``, the value the condition number of ``H_hat`` approaches as
    the width grows (Lemma 2.5); ``inf`` when ``H`` is singular, ``None``
    when not computed.""",
    "required_width_": """\
required_width_ : int, float or None
    Width ``m >= 10 n C^2 log(2n/delta) / lambda_min(H)`` of Lemma 2.4 /
    Theorem 4.3, with which ``Z`` has full row rank (and gradient descent
    reaches zero training loss) with probability ``1 - delta``;
    ``math.inf`` when ``lambda_min(H) = 0``. ``None`` when the population
    diagnostics are not computed (also when a row of ``X`` is zero and
    ``bias=False``: it is no point of the sphere) or
    ``weights="gaussian"`` (Appendix A.1's bound has an unspecified
    constant).""",
    "loss_curve_": """\
loss_curve_ : ndarray of shape (`n_iter_` + 1,)
    Relative training residual ``||Z coef_k - y|| / ||y||`` after
    ``k = 0, 1, ..., n_iter_`` Landweber steps (eq. 4.4). Only with
    ``solver="landweber"``.""",
    "step_size_": """\
step_size_ : float
    The Landweber step used. Only with ``solver="landweber"``.""",
    "n_features_in_": """\
n_features_in_ : int
    Number of features seen during :term:`fit`.""",
    "feature_names_in_": """\
feature_names_in_ : ndarray of shape (`n_features_in_`,)
    Names of features seen during :term:`fit`. Defined only when ``X``
    has feature names that are all strings.""",
}

_PLACEHOLDER = re.compile(r"^(?P<indent>[ ]*)\{(?P<name>\w+)\}[ ]*$", re.MULTILINE)


def fill(doc):
    """``doc`` with every line holding only ``{name}`` replaced by the
    shared entry ``ENTRIES[name]``, indented as the placeholder.

    Parameters
    ----------
    doc : str
        A docstring.

    Returns
    -------
    doc : str
        The docstring with the shared entries in place.
    """

    def entry(match):
        indent = match["indent"]
        lines = ENTRIES[match["name"]].splitlines()
        return "\n".join(indent + line for line in lines)

    return _PLACEHOLDER.sub(entry, doc)


def shared_docs(cls):
    """Class decorator: :func:`fill` the class docstring.

    Parameters
    ----------
    cls : type
        An estimator class.

    Returns
    -------
    cls : type
        The same class, its docstring filled.
    """
    cls.__doc__ = fill(cls.__doc__)
    return cls
