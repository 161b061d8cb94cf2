"""Tests for the data sets of Section 3.5 (synthetic generators and shipped data)."""

import fnmatch
import hashlib
import io
import itertools
import math
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats
from scipy.special import expit
from sklearn.preprocessing import StandardScaler

from sklearn_rfnet.datasets import (
    _loaders,
    make_bad_points,
    make_synthetic1,
    make_synthetic2,
)
from sklearn_rfnet.datasets._loaders import (
    load_fashion_mnist_tshirt_sneaker,
    load_prostate,
)

PROSTATE_SHA256 = "20344f2a16afc593f83417ea9a9879df20b8728436bcfc2c3e70d79d74bc295b"
FASHION_ARRAY_SHA256 = {
    "images": "004abc0cc2a14b9c4d0affcaad82c32379a3e28ec09b0bd7353db55d5e20b7f7",
    "labels": "8c795bf473072955c391d983a34f1a681725c11e9e9a99ce347d14aa034b245b",
    "test_index": "bac0c977b5e9aaf2b16b3bcd7f13b352a6023b3934ebdb7d06721f4bbb3bbd8f",
}
PROSTATE_FEATURES = [
    "lcavol",
    "lweight",
    "age",
    "lbph",
    "svi",
    "lcp",
    "gleason",
    "pgg45",
]


def _shipped(filename):
    return resources.files("sklearn_rfnet.datasets") / "data" / filename


def _unit_rows(X):
    return np.allclose(np.linalg.norm(X, axis=1), 1.0, rtol=0, atol=1e-12)


# --------------------------------------------------------------------------
# Checksums
# --------------------------------------------------------------------------
def test_check_sha256_accepts_match_and_rejects_mismatch():
    good = hashlib.sha256(b"abc").hexdigest()
    _loaders._check_sha256(b"abc", good, "abc")
    with pytest.raises(OSError, match="sha256.*expected"):
        _loaders._check_sha256(b"abd", good, "abd")


def test_shipped_prostate_file_has_readme_sha256():
    # The module constant and the README's value must agree with the file.
    data = _shipped("prostate.csv").read_bytes()
    assert hashlib.sha256(data).hexdigest() == PROSTATE_SHA256
    assert _loaders._PROSTATE_SHA256 == PROSTATE_SHA256


def test_shipped_fashion_arrays_have_readme_sha256():
    with np.load(io.BytesIO(_shipped(_loaders._FASHION_FILE).read_bytes())) as npz:
        for name, expected in FASHION_ARRAY_SHA256.items():
            arr = np.ascontiguousarray(npz[name])
            assert hashlib.sha256(arr.tobytes()).hexdigest() == expected
            assert _loaders._FASHION_ARRAYS[name][2] == expected


def test_package_data_globs_cover_shipped_files():
    # Files not matched by pyproject's package-data are left out of wheels.
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    with open(pyproject, "rb") as f:
        globs = tomllib.load(f)["tool"]["setuptools"]["package-data"]
    globs = globs["sklearn_rfnet.datasets"]
    root = resources.files("sklearn_rfnet.datasets")
    shipped = [
        f"{folder}/{entry.name}"
        for folder in ("data", "descr")
        for entry in (root / folder).iterdir()
        if entry.is_file()
    ]
    assert len(shipped) == 4
    missing = [f for f in shipped if not any(fnmatch.fnmatch(f, g) for g in globs)]
    assert not missing, f"add these to [tool.setuptools.package-data]: {missing}"


# --------------------------------------------------------------------------
# Prostate-Cancer
# --------------------------------------------------------------------------
def test_prostate_raw():
    prostate = load_prostate()
    X, y = prostate.data, prostate.target
    assert X.shape == (97, 8) and X.dtype == np.float64
    assert y.shape == (97,) and y.dtype == np.float64
    assert prostate.feature_names == PROSTATE_FEATURES
    assert prostate.target_names == ["lpsa"]
    # First and last values from the data README.
    assert X[0, 0] == -0.579818495
    assert y[-1] == 5.5829322
    # Row 32: ESL's corrected lweight (log 44.9 g), not the first edition's 6.1.
    assert X[31, 1] == 3.804438
    assert math.isclose(X[31, 1], math.log(44.9), abs_tol=1e-6)
    # svi is binary and gleason is a Gleason score.
    assert set(np.unique(X[:, 4])) == {0.0, 1.0}
    assert set(np.unique(X[:, 6])) <= {6.0, 7.0, 8.0, 9.0}


def test_prostate_train_split():
    train = load_prostate().train
    assert train.dtype == bool and train.shape == (97,)
    assert int(train.sum()) == 67 and int((~train).sum()) == 30
    assert train[0] and not train[-1]  # the file's first and last rows


def test_prostate_return_X_y_matches_bunch():
    for preprocess in (False, True):
        bunch = load_prostate(preprocess=preprocess)
        X, y = load_prostate(preprocess=preprocess, return_X_y=True)
        assert_array_equal(X, bunch.data)
        assert_array_equal(y, bunch.target)


def test_prostate_preprocess_recipe():
    raw = load_prostate()
    pre = load_prostate(preprocess=True)
    # Standard scores before projection: mean 0, std 1 (ddof=0).
    Z = _loaders._standard_score(raw.data)
    assert_allclose(Z.mean(axis=0), 0.0, atol=1e-14)
    assert_allclose(Z.std(axis=0), 1.0, rtol=1e-14)
    # The recipe, checked against an independent implementation.
    expected = StandardScaler().fit_transform(raw.data)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    assert_allclose(pre.data, expected, rtol=1e-12, atol=1e-14)
    assert _unit_rows(pre.data)
    assert not _unit_rows(raw.data)
    # The target and the split are untouched.
    assert_array_equal(pre.target, raw.target)
    assert_array_equal(pre.train, raw.train)


def test_prostate_descr_has_provenance_and_citations():
    descr = load_prostate().DESCR
    for needle in (
        "Stamey",
        "Elements of Statistical Learning",
        PROSTATE_SHA256,
        "S^7",
    ):
        assert needle in descr


def test_prostate_checksum_mismatch_raises(monkeypatch):
    monkeypatch.setattr(_loaders, "_PROSTATE_SHA256", "0" * 64)
    with pytest.raises(OSError, match="prostate.csv.*sha256"):
        load_prostate()


def test_prostate_tampered_file_raises(monkeypatch, tmp_path):
    text = _shipped("prostate.csv").read_text()
    tampered = text.replace("-0.579818495", "-0.579818496", 1)
    assert tampered != text
    (tmp_path / "prostate.csv").write_text(tampered)
    monkeypatch.setattr(_loaders, "_data_path", lambda name: tmp_path / name)
    with pytest.raises(OSError, match="corrupted"):
        load_prostate()


# --------------------------------------------------------------------------
# Fashion-MNIST, T-shirt/top vs Sneaker
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fashion_raw():
    return load_fashion_mnist_tshirt_sneaker()


def test_fashion_raw(fashion_raw):
    fm = fashion_raw
    assert fm.data.shape == (2000, 784) and fm.data.dtype == np.float64
    assert fm.images.shape == (2000, 28, 28) and fm.images.dtype == np.uint8
    assert_array_equal(fm.data, fm.images.reshape(2000, -1))
    assert fm.data.min() == 0.0 and fm.data.max() == 255.0
    assert fm.target.dtype == np.float64
    assert_array_equal(np.unique(fm.target), [-1.0, 1.0])
    assert int((fm.target == 1).sum()) == 1000
    # Sneaker (label 7) is +1, T-shirt/top (label 0) is -1.
    assert_array_equal(fm.target == 1, fm.original_label == 7)
    assert_array_equal(fm.target == -1, fm.original_label == 0)
    # test_index as described in the data README.
    assert np.all(np.diff(fm.test_index) > 0)
    assert_array_equal(fm.test_index[:5], [9, 12, 19, 22, 27])
    assert fm.test_index[-1] == 9986
    assert "pca" not in fm


def test_fashion_descr_has_license_and_citation(fashion_raw):
    descr = fashion_raw.DESCR
    for needle in (
        "MIT License",
        "Copyright (c) 2017 Zalando SE",
        "Permission is hereby granted",
        "Xiao",
        "arXiv:1708.07747",
        "zalandoresearch/fashion-mnist",
        *FASHION_ARRAY_SHA256.values(),
    ):
        assert needle in descr


def _write_npz(path, **arrays):
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    path.write_bytes(buf.getvalue())


def _shipped_fashion_arrays():
    with np.load(io.BytesIO(_shipped(_loaders._FASHION_FILE).read_bytes())) as npz:
        return {name: npz[name] for name in npz.files}


def test_fashion_checksum_mismatch_raises(monkeypatch):
    arrays = dict(_loaders._FASHION_ARRAYS)
    dtype, shape, _ = arrays["labels"]
    arrays["labels"] = (dtype, shape, "0" * 64)
    monkeypatch.setattr(_loaders, "_FASHION_ARRAYS", arrays)
    with pytest.raises(OSError, match="'labels'.*sha256"):
        load_fashion_mnist_tshirt_sneaker()


def test_fashion_tampered_pixel_raises(monkeypatch, tmp_path):
    arrays = _shipped_fashion_arrays()
    arrays["images"][0, 0, 0] ^= 1
    _write_npz(tmp_path / _loaders._FASHION_FILE, **arrays)
    monkeypatch.setattr(_loaders, "_data_path", lambda name: tmp_path / name)
    with pytest.raises(OSError, match="'images'.*sha256"):
        load_fashion_mnist_tshirt_sneaker()


def test_fashion_wrong_dtype_raises(monkeypatch, tmp_path):
    arrays = _shipped_fashion_arrays()
    arrays["test_index"] = arrays["test_index"].astype(np.float64)
    _write_npz(tmp_path / _loaders._FASHION_FILE, **arrays)
    monkeypatch.setattr(_loaders, "_data_path", lambda name: tmp_path / name)
    with pytest.raises(OSError, match="'test_index'.*dtype"):
        load_fashion_mnist_tshirt_sneaker()


def test_fashion_rewritten_file_with_same_arrays_loads(
    monkeypatch, tmp_path, fashion_raw
):
    # The check is on the arrays, so a rewritten container (new zip bytes)
    # with identical arrays still loads.
    _write_npz(tmp_path / _loaders._FASHION_FILE, **_shipped_fashion_arrays())
    monkeypatch.setattr(_loaders, "_data_path", lambda name: tmp_path / name)
    fm = load_fashion_mnist_tshirt_sneaker()
    assert_array_equal(fm.images, fashion_raw.images)


def test_fashion_preprocess_recipe(fashion_raw):
    fm = load_fashion_mnist_tshirt_sneaker(preprocess=True, random_state=0)
    X, y = fm.data, fm.target
    assert X.shape == (500, 10) and X.dtype == np.float64
    assert _unit_rows(X)
    assert int((y == 1).sum()) == 250 and int((y == -1).sum()) == 250
    assert_array_equal(y == 1, fm.original_label == 7)
    # The sample is drawn without replacement from the raw set, in test order.
    assert np.all(np.diff(fm.test_index) > 0)
    rows = np.searchsorted(fashion_raw.test_index, fm.test_index)
    assert_array_equal(fashion_raw.test_index[rows], fm.test_index)
    assert_array_equal(fashion_raw.images[rows], fm.images)
    assert_array_equal(fashion_raw.target[rows], y)
    # PCA of the sample, checked with an eigendecomposition of its covariance:
    # the embedding spans the top-10 principal subspace, then rows are unit.
    A = fm.images.reshape(500, -1).astype(np.float64)
    A -= A.mean(axis=0)
    _, V = np.linalg.eigh(A.T @ A)
    V = V[:, ::-1][:, :10]
    assert fm.pca.n_components_ == 10
    C = fm.pca.components_
    assert_allclose(C.T @ C, V @ V.T, atol=1e-8)
    E = A @ C.T
    assert_allclose(X, E / np.linalg.norm(E, axis=1, keepdims=True), atol=1e-10)


def test_fashion_preprocess_seeds():
    a = load_fashion_mnist_tshirt_sneaker(preprocess=True, random_state=1)
    b = load_fashion_mnist_tshirt_sneaker(preprocess=True, random_state=1)
    c = load_fashion_mnist_tshirt_sneaker(preprocess=True, random_state=2)
    assert_array_equal(a.data, b.data)
    assert_array_equal(a.test_index, b.test_index)
    assert not np.array_equal(a.test_index, c.test_index)
    rng = np.random.RandomState(1)
    d = load_fashion_mnist_tshirt_sneaker(preprocess=True, random_state=rng)
    assert_array_equal(a.test_index, d.test_index)


def test_fashion_preprocess_sizes_and_return_X_y():
    X, y = load_fashion_mnist_tshirt_sneaker(
        preprocess=True, n_per_class=20, n_components=3, random_state=0, return_X_y=True
    )
    assert X.shape == (40, 3) and y.shape == (40,)
    assert_array_equal(np.sort(y), [-1.0] * 20 + [1.0] * 20)
    assert _unit_rows(X)
    X1, _ = load_fashion_mnist_tshirt_sneaker(
        preprocess=True, n_per_class=1000, n_components=1, return_X_y=True
    )
    assert X1.shape == (2000, 1)
    assert_array_equal(np.abs(X1), 1.0)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"n_per_class": 0}, ValueError),
        ({"n_per_class": 1001}, ValueError),
        ({"n_per_class": 2.5}, TypeError),
        ({"n_components": 0}, ValueError),
        ({"n_components": 785}, ValueError),
        ({"n_per_class": 5, "n_components": 11}, ValueError),
        ({"n_components": True}, TypeError),
    ],
)
def test_fashion_invalid_parameters(kwargs, error):
    with pytest.raises(error):
        load_fashion_mnist_tshirt_sneaker(preprocess=True, random_state=0, **kwargs)


# --------------------------------------------------------------------------
# Synthetic-1
# --------------------------------------------------------------------------
def test_synthetic1_default():
    X, y = make_synthetic1(random_state=0)
    assert X.shape == (500, 10) and X.dtype == np.float64
    assert y.shape == (500,) and y.dtype == np.float64
    assert _unit_rows(X)
    assert_allclose(y, X.sum(axis=1), rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("make", [make_synthetic1, make_synthetic2])
def test_generators_return_X_y_as_scikit_learn(make):
    # scikit-learn's make_* return a tuple (X, y), never a Bunch
    out = make(random_state=0)
    assert isinstance(out, tuple) and len(out) == 2
    X, y = out
    assert X.ndim == 2 and y.shape == (X.shape[0],)
    # the old keyword is accepted, warns, and changes nothing
    with pytest.warns(FutureWarning, match="return_X_y"):
        X2, y2 = make(random_state=0, return_X_y=True)
    assert_array_equal(X2, X)
    assert_array_equal(y2, y)


def test_synthetic1_seeds_and_shape():
    a, _ = make_synthetic1(30, 4, random_state=3)
    b, _ = make_synthetic1(30, 4, random_state=3)
    c, _ = make_synthetic1(30, 4, random_state=4)
    assert a.shape == (30, 4)
    assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_synthetic1_is_uniform_on_the_sphere():
    # Archimedes: a coordinate of a uniform point on S^2 is uniform on [-1, 1].
    X, _ = make_synthetic1(4000, 3, random_state=0)
    for j in range(3):
        assert stats.kstest(X[:, j], stats.uniform(-1, 2).cdf).pvalue > 1e-3
    # On S^9, E[x x^T] = I / d.
    X, _ = make_synthetic1(20000, 10, random_state=0)
    assert_allclose(X.T @ X / len(X), np.eye(10) / 10, atol=5e-3)


@pytest.mark.parametrize(
    "args, error",
    [((0,), ValueError), ((10, 0), ValueError), ((10.0,), TypeError)],
)
def test_synthetic1_invalid(args, error):
    with pytest.raises(error):
        make_synthetic1(*args)


# --------------------------------------------------------------------------
# Synthetic-2
# --------------------------------------------------------------------------
def test_synthetic2_bad_points_are_definition_2_1():
    X, _ = make_synthetic2(random_state=0)
    s = 1 / math.sqrt(3)
    expected = {tuple(s * np.array(p)) for p in itertools.product([1, -1], repeat=3)}
    assert {tuple(row) for row in X[:8]} == expected
    assert_allclose(X[0], [s, s, s])  # x1 of eq. 2.3
    assert_allclose(X[7], [-s, -s, -s])  # x8 of eq. 2.3
    # one definition: the rows are make_bad_points', in its order
    assert_array_equal(X[:8], make_bad_points(3))


def test_synthetic2_default():
    X, y = make_synthetic2(random_state=0)
    assert X.shape == (100, 3) and X.dtype == np.float64
    assert y.shape == (100,) and y.dtype == np.float64
    assert _unit_rows(X)
    # All bad points are +1; 50 / 50 overall.
    assert_array_equal(y[:8], 1.0)
    assert_array_equal(np.unique(y), [-1.0, 1.0])
    assert int((y == 1).sum()) == 50 and int((y == -1).sum()) == 50
    # The random points are not bad points.
    rest = X[8:]
    assert not np.any(np.all(np.isclose(np.abs(rest), 1 / math.sqrt(3)), axis=1))
    # return_null_vector only adds q
    X2, y2, _ = make_synthetic2(random_state=0, return_null_vector=True)
    assert_array_equal(X2, X)
    assert_array_equal(y2, y)


def test_synthetic2_null_vector_annihilates_relu_and_swish_features():
    X, _, q = make_synthetic2(random_state=0, return_null_vector=True)
    assert np.count_nonzero(q) == 8
    assert_array_equal(q[:8], make_bad_points(3, return_null_vector=True)[1])
    XW = X @ np.random.default_rng(1).standard_normal((3, 400))
    relu = np.maximum(XW, 0.0)
    swish = XW * expit(XW)
    assert_allclose(q @ relu, 0.0, atol=1e-12)
    assert_allclose(q @ swish, 0.0, atol=1e-12)
    # So H_hat = Z Z^T is singular for ReLU however wide the network ...
    assert np.linalg.matrix_rank(relu) < 100
    # ... while q does not annihilate a generic feature map such as tanh.
    assert np.abs(q @ np.tanh(XW + 0.3)).max() > 1e-3


def test_synthetic2_seeds():
    a = make_synthetic2(random_state=5)
    b = make_synthetic2(random_state=5)
    c = make_synthetic2(random_state=6)
    assert_array_equal(a[0], b[0])
    assert_array_equal(a[1], b[1])
    assert not np.allclose(a[0][8:], c[0][8:])
    assert not np.array_equal(a[1][8:], c[1][8:])


@pytest.mark.parametrize(
    "n_samples, n_positive", [(9, 8), (15, 8), (16, 8), (101, 50), (300, 150)]
)
def test_synthetic2_sizes(n_samples, n_positive):
    X, y = make_synthetic2(n_samples, random_state=0)
    assert X.shape == (n_samples, 3)
    assert int((y == 1).sum()) == n_positive
    assert int((y == -1).sum()) == n_samples - n_positive
    assert_array_equal(y[:8], 1.0)


@pytest.mark.parametrize("n_samples, error", [(8, ValueError), (100.0, TypeError)])
def test_synthetic2_invalid(n_samples, error):
    with pytest.raises(error):
        make_synthetic2(n_samples)
