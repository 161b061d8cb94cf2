"""Loaders for the real data sets of Section 3.5, shipped inside the package.

* :func:`load_prostate` is the Prostate-Cancer data (Stamey et al., 1989, as
  distributed with *The Elements of Statistical Learning*).
* :func:`load_fashion_mnist_tshirt_sneaker` is the T-shirt/top and Sneaker
  images of the Fashion-MNIST test set (Xiao et al., 2017).

Both read their file from the installed package with :mod:`importlib.resources`
(nothing is ever downloaded) and check a sha256 before parsing, so a corrupted
or edited copy fails loudly instead of giving silently different experiments.
``preprocess=True`` applies the paper's recipe, which ends by projecting every
data point onto the unit sphere (the paper's standing assumption).
"""

from __future__ import annotations

import csv
import hashlib
import io
from importlib import resources
from numbers import Integral

import numpy as np
from sklearn.decomposition import PCA
from sklearn.utils import Bunch, check_random_state

__all__ = ["load_fashion_mnist_tshirt_sneaker", "load_prostate"]

_PACKAGE = "sklearn_rfnet.datasets"

_PROSTATE_FILE = "prostate.csv"
_PROSTATE_SHA256 = "20344f2a16afc593f83417ea9a9879df20b8728436bcfc2c3e70d79d74bc295b"
_PROSTATE_FEATURES = (
    "lcavol",
    "lweight",
    "age",
    "lbph",
    "svi",
    "lcp",
    "gleason",
    "pgg45",
)
_PROSTATE_COLUMNS = (*_PROSTATE_FEATURES, "lpsa", "train")
_PROSTATE_N = 97

_FASHION_FILE = "fashion_mnist_tshirt_sneaker.npz"
# name -> (dtype, shape, sha256 of the raw little-endian C-order bytes).
_FASHION_ARRAYS = {
    "images": (
        "|u1",
        (2000, 28, 28),
        "004abc0cc2a14b9c4d0affcaad82c32379a3e28ec09b0bd7353db55d5e20b7f7",
    ),
    "labels": (
        "<i8",
        (2000,),
        "8c795bf473072955c391d983a34f1a681725c11e9e9a99ce347d14aa034b245b",
    ),
    "test_index": (
        "<i8",
        (2000,),
        "bac0c977b5e9aaf2b16b3bcd7f13b352a6023b3934ebdb7d06721f4bbb3bbd8f",
    ),
}
_TSHIRT, _SNEAKER = 0, 7  # Fashion-MNIST class labels
_N_PER_CLASS = 1000


# --------------------------------------------------------------------------
# Files and checksums
# --------------------------------------------------------------------------
def _data_path(filename):
    """Traversable for a file in the package's ``data/`` folder (a test hook)."""
    return resources.files(_PACKAGE) / "data" / filename


def _load_descr(filename):
    """Text of ``descr/<filename>``, the ``DESCR`` of a data set."""
    return (resources.files(_PACKAGE) / "descr" / filename).read_text("utf-8")


def _sha256(data):
    """Hex sha256 of a bytes-like object."""
    return hashlib.sha256(data).hexdigest()


def _check_sha256(data, expected, what):
    """Raise :class:`OSError` when ``sha256(data)`` is not ``expected``.

    Parameters
    ----------
    data : bytes-like
        The bytes to hash.
    expected : str
        Expected hex digest.
    what : str
        What ``data`` is, for the error message.

    Raises
    ------
    OSError
        On a mismatch, like scikit-learn's ``fetch_*`` functions do for a
        corrupted download.

    Examples
    --------
    >>> _check_sha256(b"", _sha256(b""), "empty")
    >>> _check_sha256(b"x", _sha256(b""), "x")
    Traceback (most recent call last):
        ...
    OSError: x has sha256 2d711642...; expected e3b0c442.... ...
    """
    actual = _sha256(data)
    if actual != expected:
        raise OSError(
            f"{what} has sha256 {actual}; expected {expected}. The data file "
            "shipped with sklearn_rfnet is corrupted or was modified: "
            "reinstall the package."
        )


def _read_checked(filename, expected_sha256):
    """Bytes of a shipped data file, after checking its sha256."""
    data = _data_path(filename).read_bytes()
    _check_sha256(data, expected_sha256, f"data file {filename!r}")
    return data


# --------------------------------------------------------------------------
# Preprocessing
# --------------------------------------------------------------------------
def _standard_score(X):
    """Columns of ``X`` to standard scores (population std, ``ddof=0``)."""
    X = np.asarray(X, dtype=np.float64)
    std = X.std(axis=0)
    if np.any(std == 0.0):
        raise ValueError("A constant column has no standard score.")
    return (X - X.mean(axis=0)) / std


def _project_to_sphere(X):
    """Scale every row of ``X`` to unit Euclidean norm."""
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    if np.any(norms == 0.0):
        raise ValueError("A zero row cannot be projected onto the sphere.")
    return X / norms


def _check_int(value, name, low, high):
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an int; got {value!r}.")
    if not low <= value <= high:
        raise ValueError(f"{name} must be in [{low}, {high}]; got {value}.")
    return int(value)


# --------------------------------------------------------------------------
# Prostate-Cancer
# --------------------------------------------------------------------------
def load_prostate(*, preprocess=False, return_X_y=False):
    """Load the Prostate-Cancer data set (regression, 97 x 8).

    Eight clinical measures of 97 men about to undergo a radical
    prostatectomy, and the log of their prostate-specific antigen level
    (Stamey et al., 1989), as distributed with *The Elements of Statistical
    Learning* (ESL). It is the "Prostate-Cancer" data set of Section 3.5 of
    the paper, which uses all 97 rows.

    ==============   ==============
    Samples total    97
    Dimensionality   8
    Features         real
    Target           real, ``lpsa``
    ==============   ==============

    Parameters
    ----------
    preprocess : bool, default=False
        If False, return the measures as recorded. If True, apply the paper's
        recipe: turn each feature into its standard score (population
        standard deviation, ``ddof=0``), then project each row onto the unit
        sphere ``S^7``. The target is never transformed.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        data : ndarray of shape (97, 8), dtype float64
            The features ``lcavol``, ..., ``pgg45`` (unit-norm rows when
            ``preprocess=True``).
        target : ndarray of shape (97,), dtype float64
            ``lpsa``, the log prostate-specific antigen level.
        train : ndarray of shape (97,), dtype bool
            ESL's training split (67 True, 30 False).
        feature_names : list of str
            The 8 feature names.
        target_names : list of str
            ``["lpsa"]``.
        DESCR : str
            Description, provenance, license note and citations.
    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    OSError
        If the shipped file's sha256 is not the expected one.

    See Also
    --------
    load_fashion_mnist_tshirt_sneaker : The other real data set of Section 3.5.

    Notes
    -----
    The shipped ``prostate.csv`` has sha256
    ``20344f2a16afc593f83417ea9a9879df20b8728436bcfc2c3e70d79d74bc295b``,
    which is checked on every load. Row 32 carries the corrected
    ``lweight = 3.804438`` (the first edition of ESL had 6.107580).

    References
    ----------
    .. [1] Stamey, T.A. et al. (1989). Prostate specific antigen in the
       diagnosis and treatment of adenocarcinoma of the prostate: II. Radical
       prostatectomy treated patients. Journal of Urology 141(5), 1076-1083.
    .. [2] Hastie, T., Tibshirani, R. and Friedman, J. (2009). The Elements of
       Statistical Learning, 2nd ed., Springer.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rfnet.datasets import load_prostate
    >>> prostate = load_prostate()
    >>> prostate.data.shape, int(prostate.train.sum())
    ((97, 8), 67)
    >>> X, y = load_prostate(preprocess=True, return_X_y=True)
    >>> bool(np.allclose(np.linalg.norm(X, axis=1), 1.0))
    True
    """
    raw = _read_checked(_PROSTATE_FILE, _PROSTATE_SHA256)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    header, body = rows[0], rows[1:]
    if tuple(header) != _PROSTATE_COLUMNS or len(body) != _PROSTATE_N:
        raise OSError(f"Unexpected layout in data file {_PROSTATE_FILE!r}.")
    n_num = len(_PROSTATE_COLUMNS) - 1
    values = np.array([row[:n_num] for row in body], dtype=np.float64)
    train = np.array([row[n_num] == "T" for row in body], dtype=bool)

    X, y = values[:, :-1], values[:, -1].copy()
    if preprocess:
        X = _project_to_sphere(_standard_score(X))
    else:
        X = X.copy()
    if return_X_y:
        return X, y
    return Bunch(
        data=X,
        target=y,
        train=train,
        feature_names=list(_PROSTATE_FEATURES),
        target_names=["lpsa"],
        DESCR=_load_descr("prostate.rst"),
    )


# --------------------------------------------------------------------------
# Fashion-MNIST, T-shirt/top vs Sneaker
# --------------------------------------------------------------------------
def _load_fashion_arrays():
    """The three arrays of the shipped npz, each checked against its sha256."""
    raw = _data_path(_FASHION_FILE).read_bytes()
    arrays = {}
    with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
        for name, (dtype, shape, expected) in _FASHION_ARRAYS.items():
            if name not in npz.files:
                raise OSError(f"Data file {_FASHION_FILE!r} has no array {name!r}.")
            arr = npz[name]
            if arr.shape != shape or arr.dtype.kind != np.dtype(dtype).kind:
                raise OSError(
                    f"Array {name!r} of {_FASHION_FILE!r} has dtype {arr.dtype} "
                    f"and shape {arr.shape}; expected {dtype} and {shape}."
                )
            arr = np.ascontiguousarray(arr, dtype=dtype)
            _check_sha256(arr.data, expected, f"array {name!r} of {_FASHION_FILE!r}")
            arrays[name] = arr.astype(arr.dtype.newbyteorder("="), copy=False)
    return arrays


def load_fashion_mnist_tshirt_sneaker(
    *,
    preprocess=False,
    n_per_class=250,
    n_components=10,
    random_state=None,
    return_X_y=False,
):
    """Load the Fashion-MNIST T-shirt/top and Sneaker images (binary, +-1).

    All 2,000 test-set images of class 0 (T-shirt/top) and class 7 (Sneaker)
    from Fashion-MNIST (Xiao et al., 2017), in test-set order. Section 3.5 of
    the paper samples 250 of each class, embeds them with their first 10
    principal components and projects the embedding onto ``S^9``.

    ==============   ===========================
    Samples total    2000 (1000 per class)
    Dimensionality   784 (28 x 28 pixels)
    Features         integer pixels 0-255
    Target           +1 Sneaker, -1 T-shirt/top
    ==============   ===========================

    Parameters
    ----------
    preprocess : bool, default=False
        If False, return all 2,000 images. If True, apply the paper's recipe:
        draw ``n_per_class`` sneakers and ``n_per_class`` t-shirts without
        replacement, fit :class:`~sklearn.decomposition.PCA` with
        ``n_components`` components on that sample, embed it, and project
        each embedded point onto the unit sphere ``S^{n_components - 1}``.
        The sample keeps the test-set order.
    n_per_class : int, default=250
        Images drawn from each class, in ``[1, 1000]``. Only used when
        ``preprocess=True``.
    n_components : int, default=10
        Principal components kept, in ``[1, min(2 * n_per_class, 784)]``.
        Only used when ``preprocess=True``.
    random_state : int, RandomState instance or None, default=None
        Seeds the sample. Only used when ``preprocess=True``.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        data : ndarray of shape (n, 784) or (n, n_components), dtype float64
            Flattened pixels (``n = 2000``), or the unit-norm PCA embedding of
            the sample (``n = 2 * n_per_class``) when ``preprocess=True``.
        target : ndarray of shape (n,), dtype float64
            +1 for Sneaker, -1 for T-shirt/top. A float vector because it is
            the right-hand side ``y`` of the linear system (2.4).
        images : ndarray of shape (n, 28, 28), dtype uint8
            The raw images of the rows of ``data``.
        original_label : ndarray of shape (n,), dtype int64
            The Fashion-MNIST label, 0 (T-shirt/top) or 7 (Sneaker).
        test_index : ndarray of shape (n,), dtype int64
            Each image's index in the 10,000-image Fashion-MNIST test set.
        pca : PCA
            The fitted :class:`~sklearn.decomposition.PCA`; only when
            ``preprocess=True``.
        DESCR : str
            Description, provenance, MIT license notice and citation.
    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    OSError
        If an array of the shipped file does not have its expected sha256.

    See Also
    --------
    load_prostate : The other real data set of Section 3.5.

    Notes
    -----
    The sha256 of each array's raw little-endian C-order bytes is checked on
    every load (the hashes are in ``DESCR``); the file's own hash would change
    if it were rewritten with identical arrays. Scaling the pixels does not
    change the preprocessed data, since the last step normalizes each row.

    References
    ----------
    .. [1] Xiao, H., Rasul, K. and Vollgraf, R. (2017). Fashion-MNIST: a Novel
       Image Dataset for Benchmarking Machine Learning Algorithms.
       arXiv:1708.07747.

    Examples
    --------
    >>> from sklearn_rfnet.datasets import load_fashion_mnist_tshirt_sneaker
    >>> fm = load_fashion_mnist_tshirt_sneaker()
    >>> fm.data.shape, fm.images.dtype
    ((2000, 784), dtype('uint8'))
    >>> X, y = load_fashion_mnist_tshirt_sneaker(
    ...     preprocess=True, random_state=0, return_X_y=True)
    >>> X.shape, int((y == 1).sum()), int((y == -1).sum())
    ((500, 10), 250, 250)
    """
    arrays = _load_fashion_arrays()
    images, labels, test_index = (
        arrays["images"],
        arrays["labels"],
        arrays["test_index"],
    )
    pca = None
    if preprocess:
        n_per_class = _check_int(n_per_class, "n_per_class", 1, _N_PER_CLASS)
        n_components = _check_int(
            n_components, "n_components", 1, min(2 * n_per_class, 28 * 28)
        )
        rng = check_random_state(random_state)
        rows = [
            rng.choice(np.flatnonzero(labels == c), n_per_class, replace=False)
            for c in (_SNEAKER, _TSHIRT)
        ]
        rows = np.sort(np.concatenate(rows))
        images, labels, test_index = images[rows], labels[rows], test_index[rows]
        pca = PCA(n_components=n_components, svd_solver="full")
        X = pca.fit_transform(images.reshape(len(rows), -1).astype(np.float64))
        X = _project_to_sphere(X)
    else:
        X = images.reshape(len(images), -1).astype(np.float64)
    y = np.where(labels == _SNEAKER, 1.0, -1.0)

    if return_X_y:
        return X, y
    bunch = Bunch(
        data=X,
        target=y,
        images=images,
        original_label=labels,
        test_index=test_index,
        DESCR=_load_descr("fashion_mnist_tshirt_sneaker.rst"),
    )
    if preprocess:
        bunch.pca = pca
    return bunch
