"""Dense products by scipy's BLAS, the library of the solvers' LAPACK calls.

numpy's and scipy's wheels each ship an OpenBLAS (``libscipy_openblas64_``
and ``libscipy_openblas``). After a call, a library's idle threads spin on
the cores for a while, and a call into the *other* library then shares the
cores with them. With 2 threads on a 2-core machine, a numpy GEMM for the
features made the scipy ``?syrk`` and ``eigh`` that follow about twice as
slow (500 x 2000: 15 and 32 ms against 7 and 15 ms; ``benchmarks/README.md``).
The fit's hot products therefore go through scipy's BLAS, as its
factorizations do. Results equal numpy's to rounding.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg.blas import get_blas_funcs

__all__ = ["dot", "gemm_into"]


def _operand(A):
    """``(array, trans)`` for ``?gemm`` without a copy of a C- or F-ordered ``A``."""
    if A.flags.f_contiguous or not A.flags.c_contiguous:
        return A, 0
    return A.T, 1  # the transpose of a C-ordered array is Fortran-ordered


def dot(A, B):
    """``A @ B`` for 2-D float arrays, by ``?gemm`` (a Fortran-ordered result).

    Parameters
    ----------
    A : ndarray of shape (p, k) or (k,)
    B : ndarray of shape (k, q) or (k,)
        A 1-D operand is a row (``A``) or a column (``B``), as for ``@``.

    Returns
    -------
    AB : ndarray of shape (p, q), (q,), (p,) or ()

    Examples
    --------
    >>> import numpy as np
    >>> A = np.arange(6.0).reshape(2, 3)
    >>> bool(np.array_equal(dot(A, A.T), A @ A.T))
    True
    """
    A, B = np.asarray(A), np.asarray(B)
    if A.size == 0 or B.size == 0 or A.dtype.kind != "f" or B.dtype.kind != "f":
        return A @ B
    if A.ndim == 1 or B.ndim == 1:  # a vector operand, as ``@`` takes it
        AB = dot(A.reshape(-1, A.shape[-1]), B.reshape(B.shape[0], -1))
        return AB.reshape(A.shape[:-1] + B.shape[1:])[()]  # a scalar for two vectors
    (gemm,) = get_blas_funcs(("gemm",), (A, B))
    a, ta = _operand(A)
    b, tb = _operand(B)
    return gemm(1.0, a, b, trans_a=ta, trans_b=tb)


def gemm_into(A, B, out):
    """``out[...] = A @ B`` by ``?gemm``, written in place.

    ``out`` is C-contiguous of the dtype of ``A`` and ``B``, so ``out.T`` is
    the Fortran-ordered ``B^T A^T`` that ``?gemm`` overwrites.

    Examples
    --------
    >>> import numpy as np
    >>> out = np.empty((2, 2))
    >>> gemm_into(np.eye(2), np.ones((2, 2)), out)
    array([[1., 1.],
           [1., 1.]])
    """
    if out.size == 0:
        return out
    if not out.flags.c_contiguous:  # pragma: no cover - blocks are contiguous
        np.matmul(A, B, out=out)
        return out
    (gemm,) = get_blas_funcs(("gemm",), (out,))
    res = gemm(1.0, B, A, beta=0.0, c=out.T, trans_a=1, trans_b=1, overwrite_c=1)
    if not np.shares_memory(res, out):  # pragma: no cover - f2py copied
        out[...] = res.T
    return out
