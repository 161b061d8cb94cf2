"""``RandomFeatureRegressor``: a two-layer network with only the last layer trained."""

from __future__ import annotations

from sklearn.base import RegressorMixin

from . import _dask
from ._base import AUTO_ALPHAS as AUTO_ALPHAS  # the grid of alpha="auto"
from ._base import _BaseRandomFeatureModel
from ._compat import _fit_context
from ._docstrings import shared_docs

__all__ = ["RandomFeatureRegressor"]


@shared_docs
class RandomFeatureRegressor(RegressorMixin, _BaseRandomFeatureModel):
    """Two-layer network in the random features regime, last layer trained.

    The model is ``G(x) = gamma(x^T W) coef / sqrt(m)`` (Section 2) with a
    fixed random hidden layer ``W`` (columns uniform on the sphere) and only
    the last layer ``coef`` trained. Training is the under-determined
    least-squares problem (2.4) in ``Z = gamma(X W) / sqrt(m)``; with
    ``m >= n`` and ``Z`` of full row rank its minimum-norm solution
    interpolates the training data (eq. 2.5, Proposition 4.1). Every fit
    reports how well posed that problem was: the extreme eigenvalues, the
    condition number and the rank of ``H_hat = Z Z^T`` (eq. 2.6).

    Parameters
    ----------
    {n_components}
    {activation}
    {zeta}
    {weights}
    {normalize}
    {bias}
    {fit_intercept}
    solver : {"direct", "landweber"}, default="direct"
        ``"direct"``: the minimum-norm least-squares solution (eq. 2.5), or
        with ``alpha > 0`` the ridge solution, by Cholesky on the Gram
        matrix while it is well conditioned and by a streamed TSQR of ``Z``
        with preconditioned LSQR when not (``solver_`` says which ran).
        ``"landweber"``: gradient descent on the last layer from
        ``coef = 0`` (Lemma 4.2, Theorem 4.3), evaluated in closed form
        (Lemma A.6), so any number of steps costs one eigendecomposition.
    alpha : float or "auto", default="auto"
        Ridge strength for ``solver="direct"``. ``"auto"`` chooses it by
        exact leave-one-out among ``np.logspace(-6, 1, 15)`` from one
        eigendecomposition (as :class:`~sklearn.linear_model.RidgeCV` does;
        ``alpha_`` is the choice). A number minimizes
        ``||Z coef - y||^2 + alpha * phi(1) ||coef||^2``, relative to
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
        ``||Z coef - y|| / ||y|| <= tol``; ``tol=0`` runs exactly ``max_iter``
        steps.
    {step_size}
    {delta}
    block_size : int, default=None
        A memory knob: hidden units per block of ``Z`` when
        ``n_components >= n_samples`` (the dual regime, streamed over
        width), samples per chunk when ``n_components < n_samples`` (the
        primal regime, streamed over rows). ``None`` keeps each block within
        128 MiB, so memory is set by the Gram matrix (``n x n`` or
        ``m x m``) rather than by ``n x m``. Results do not depend on it
        beyond rounding.
    {population_diagnostics}
    precision : {"float64", "mixed"}, default="float64"
        Working precision of ``solver="direct"`` on float64 data.
        ``"mixed"``: the Gram matrix from float32 features (``ssyrk``) and
        its factorization (Cholesky, or the float32 eigendecomposition that
        chooses ``alpha="auto"``), then iterative refinement with
        float64 residuals ``y - Z (Z^T c)`` computed from ``Z`` itself, one
        pass over ``Z`` per step, to the float64 answer (to about ``1e-11``
        relative). ``Z`` is held in float64 for these passes when it fits in
        2 GiB (``8 n m`` bytes), else recomputed block by block.
        It runs when ``n_components >= n_samples`` and the condition number
        of ``H_hat + alpha I`` is below ``1e6``; otherwise the float64 path
        runs (``solver_`` says which: ``"dual-mixed-cholesky"``,
        ``"dual-mixed-eigh-loo"``); so does it when the float32
        leave-one-out errors of ``alpha="auto"`` cannot tell the best
        strength from another. The float32 Gram cannot resolve eigenvalues
        below about ``1e-7 lambda_max``, so ``lambda_min_``,
        ``lambda_max_``, ``condition_number_`` and ``rank_`` are computed on
        first access by the float64 path (a float64 Gram and its
        factorization: the cost of a float64 fit, paid by who reads them)
        and equal the float64 fit's. Float32 data is fitted in float32
        either way.
    {random_state}
    verbose : int, default=0
        Print Landweber progress.

    Attributes
    ----------
    {coef_}
    {intercept_}
    {random_weights_}
    {bias_}
    lambda_min_ : float
        Smallest eigenvalue of the training Gram matrix: ``H_hat = Z Z^T``
        (``n x n``) when ``n_components >= n_samples``, ``Z^T Z``
        (``m x m``) otherwise; their non-zero eigenvalues are the same,
        ``sigma(Z)**2``. 0.0 when the Gram matrix is numerically singular.
    {lambda_max_}
    condition_number_ : float
        ``lambda_max_ / lambda_min_``; ``inf`` when the Gram matrix is
        singular. It is ``kappa(Z)**2`` and sets the Landweber rate
        (Lemma 4.2).
    {rank_}
    {population_lambda_min_}
    {population_condition_number_}
    {required_width_}
    alpha_ : float
        The ridge strength used, in the unit of ``alpha`` (the leave-one-out
        choice for ``alpha="auto"``). Only with ``solver="direct"``.
    solver_ : str
        ``"<regime>-<method>"``: the regime ``"dual"`` (``m >= n``, the
        ``n x n`` ``H_hat``) or ``"primal"`` (``m < n``, the ``m x m``
        ``Z^T Z``), and the method: ``"cholesky"``, ``"tsqr-lsqr"`` (the
        stable path), ``"eigh-loo"`` (``alpha="auto"``: ridge with its
        strength chosen by leave-one-out) or ``"landweber"``;
        ``"mixed-cholesky"`` and ``"mixed-eigh-loo"`` with
        ``precision="mixed"``.
    n_iter_ : int
        Landweber steps taken; 1 for the direct solver (one solve).
    {loss_curve_}
    {step_size_}
    {n_features_in_}
    {feature_names_in_}

    See Also
    --------
    WendlandFeatures : The hidden layer alone, as a transformer.
    sklearn.kernel_approximation.RBFSampler : Random Fourier features.

    Notes
    -----
    ``WendlandFeatures(...).fit(X).transform(X) @ coef_`` equals
    ``predict(X)`` for the same parameters and ``random_state``.

    The regime follows the shape. With ``m >= n`` (dual) the ``n x n``
    ``H_hat = Z Z^T`` is accumulated over blocks of hidden units with a
    symmetric rank-k update and ``coef_ = Z^T (H_hat + alpha I)^{-1} y``
    is assembled block by block; with ``m < n`` (primal, the classic
    random-features regime) ``Z^T Z`` and ``Z^T y`` are accumulated over row
    chunks and ``coef_ = (Z^T Z + alpha I)^{-1} Z^T y``, in memory
    ``O(m^2 + chunk m)``. Because ``kappa(Gram) = kappa(Z)^2``, Cholesky is
    used only while LAPACK's condition estimate and the extreme eigenvalues
    put ``kappa(Gram + alpha I)`` below ``1e6`` (``1e4`` for float32
    features). Beyond, a streamed TSQR of ``Z`` gives ``R`` with
    ``kappa(R) = kappa(Z)``, the SVD of ``R`` gives the singular values and
    rank of ``Z``, and LSQR preconditioned by ``R`` gives the
    minimum-norm least-squares solution to ``eps kappa(Z)``, as
    :func:`numpy.linalg.lstsq` does, whatever ``block_size``. A
    rank-deficient ``Z`` gives a warning naming its numerical rank.

    References
    ----------
    .. [1] A. Townsend, A. Damle and A. R. Benson, "Over-parametrized neural
       networks as under-determined linear systems", 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rfnet import RandomFeatureRegressor
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(50, 5)), rng.normal(size=50)
    >>> reg = RandomFeatureRegressor(n_components=500, random_state=0).fit(X, y)
    >>> reg.solver_, reg.rank_  # ridge, alpha chosen by leave-one-out
    ('dual-eigh-loo', 50)

    The paper's network, the minimum-norm interpolant (eq. 2.5):

    >>> paper = RandomFeatureRegressor(
    ...     n_components=500, zeta=None, bias=False, alpha=0.0, fit_intercept=False,
    ...     random_state=0).fit(X, y)
    >>> bool(paper.score(X, y) > 0.999999), paper.solver_
    (True, 'dual-cholesky')
    """

    _fits_dask = True

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y):
        """Train on one more batch of rows; the fit so far is kept.

        Accumulates the primal statistics (``Z^T Z``, ``Z^T y``, ``y^T y``,
        counts and means for the intercept, merged by Chan, Golub and
        LeVeque's update) and solves from them after every call: ``coef_``
        and the diagnostics equal those of :meth:`fit` on all the rows seen
        in the primal regime (``n_components < n``), whatever the batches,
        in memory ``O(n_components^2)``. Works with dask-ml's
        ``Incremental`` and with dask batches.

        Differences from :meth:`fit`, which sees all rows at once: the dual
        regime (``n_components >= n``, whose ``n x n`` Gram matrix grows with
        the rows) cannot be streamed, so the ``m x m`` statistics are kept
        whatever the rows seen; ``alpha="auto"`` chooses by generalized
        cross-validation (exact leave-one-out needs a second pass over the
        rows; ``solver_ = "primal-eigh-gcv"``); an ill-conditioned ``alpha=0``
        problem is solved from the eigenpairs of ``Z^T Z``
        (``solver_ = "primal-eigh"``, with a warning) instead of a TSQR of
        ``Z``; the population diagnostics are None; ``bias="scale"`` is
        resolved on the first batch and kept (``bias_``; pass a number for
        a constant independent of the batches).

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            A batch of training data.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Its targets (the same number of targets in every call).

        Returns
        -------
        self : object
            The regressor, fitted on every batch so far.
        """
        return _dask.partial_fit(self, X, y)

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination ``R^2`` of the prediction.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            True values.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights (not with dask input).

        Returns
        -------
        score : float
            ``R^2`` (uniform average over targets), reduced on the workers
            for dask input.
        """
        if _dask.is_dask_collection(X) and sample_weight is None:
            return _dask.score(self, X, y)
        return super().score(X, y, sample_weight=sample_weight)
