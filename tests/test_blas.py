"""``sklearn_rfnet._blas``: products by scipy's BLAS equal numpy's ``@``."""

import numpy as np
import pytest

from sklearn_rfnet._blas import dot, gemm_into

SHAPES = [
    ((5, 4), (4, 3)),
    ((5, 4), (4,)),
    ((4,), (4, 3)),
    ((4,), (4,)),
    ((1, 4), (4, 1)),
]


@pytest.mark.parametrize("a_shape, b_shape", SHAPES)
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_dot_is_matmul(a_shape, b_shape, order, dtype):
    rng = np.random.RandomState(0)
    A = np.asarray(rng.normal(size=a_shape), dtype=dtype, order=order)
    B = np.asarray(rng.normal(size=b_shape), dtype=dtype, order=order)
    out, ref = dot(A, B), A @ B
    assert np.shape(out) == np.shape(ref)
    assert type(out) is type(ref)  # a numpy scalar for two vectors, as @
    assert np.asarray(out).dtype == ref.dtype
    tol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(out, ref, rtol=tol, atol=tol)


def test_dot_of_transposed_views_and_non_floats():
    rng = np.random.RandomState(1)
    A = rng.normal(size=(6, 5))
    np.testing.assert_allclose(dot(A.T, A), A.T @ A, rtol=1e-12)
    np.testing.assert_allclose(dot(A[::2].T, A[::2]), A[::2].T @ A[::2], rtol=1e-12)
    I = np.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(dot(I, I.T), I @ I.T)  # integers: numpy's @


def test_gemm_into_writes_in_place():
    rng = np.random.RandomState(2)
    A, B = rng.normal(size=(4, 3)), rng.normal(size=(5, 3)).T  # B a Fortran view
    out = np.full((4, 5), np.nan)
    res = gemm_into(A, B, out)
    assert res is out
    np.testing.assert_allclose(out, A @ B, rtol=1e-12)
