"""Elementwise evaluation of an in-place kernel in cache-sized chunks, over threads.

The activations of :mod:`sklearn_rfnet.activations` are in-place kernels
``f(t, *, ell, zeta, tmp, tmp2, zeros)``; :func:`_evaluate_chunked` applies
one to an array of any size, chunk by chunk so that the ~9 passes of a
Wendland activation stay in cache, and splits large arrays over threads
(numpy's ufuncs release the GIL) with results bitwise independent of the
number of threads.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

# Elements per chunk for in-place evaluation: 2**15 float64 = 256 KiB, which
# stays in L2 while a Wendland activation makes its ~9 passes over it.
_CHUNK = 1 << 15
# Arrays of at least this many elements are split over threads (numpy's ufuncs
# release the GIL); below it a thread hand-off costs more than it saves.
_MIN_PARALLEL = 1 << 18


class _Scratch:
    """Work buffers of one evaluation chunk, reused across chunks.

    ``tmp`` and ``tmp2`` are scratch space; ``zeros`` holds zeros and is only
    read (``np.maximum(t, zeros)`` is about twice as fast as
    ``np.maximum(t, 0.0)``: the scalar is broadcast on every call).
    """

    def __init__(self, size, dtype):
        self.tmp = np.empty(size, dtype=dtype)
        self.tmp2 = np.empty(size, dtype=dtype)
        self.zeros = np.zeros(size, dtype=dtype)

    def view(self, k):
        """Buffers ``(tmp, tmp2, zeros)`` for a 1-D chunk of ``k <= size`` elements."""
        return self.tmp[:k], self.tmp2[:k], self.zeros[:k]


def _default_n_threads():
    """Threads for activation evaluation: the usable cores, capped at 8.

    ``OMP_NUM_THREADS`` lowers it, as it does for scikit-learn's OpenMP code.
    """
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        n = os.cpu_count() or 1
    env = os.environ.get("OMP_NUM_THREADS", "")
    if env.strip().isdigit() and int(env) > 0:
        n = min(n, int(env))
    return max(1, min(n, 8))


_POOL = None  # (pid, size, executor), created on first parallel evaluation
_POOL_LOCK = threading.Lock()


def _pool(n_workers):
    """A process-wide thread pool with at least ``n_workers`` threads.

    Keyed by process id: a child made by ``fork`` inherits the object but not
    its threads, and gets a pool of its own.
    """
    global _POOL
    with _POOL_LOCK:
        pid = os.getpid()
        if _POOL is None or _POOL[0] != pid or _POOL[1] < n_workers:
            if _POOL is not None and _POOL[0] == pid:
                _POOL[2].shutdown(wait=False)
            executor = ThreadPoolExecutor(n_workers, thread_name_prefix="sklearn_rfnet")
            _POOL = (pid, n_workers, executor)
        return _POOL[2]


def _run_chunks(kernel, flat, start, stop, ell, zeta):
    """Apply ``kernel`` to ``flat[start:stop]`` chunk by chunk."""
    chunk = min(_CHUNK, max(stop - start, 1))
    work = _Scratch(chunk, flat.dtype)
    for lo in range(start, stop, chunk):
        part = flat[lo : min(lo + chunk, stop)]
        tmp, tmp2, zeros = work.view(part.size)
        kernel(part, ell=ell, zeta=zeta, tmp=tmp, tmp2=tmp2, zeros=zeros)


def _evaluate_chunked(kernel, t, *, ell, zeta, n_threads=None):
    """Apply an in-place kernel to ``t`` in chunks that stay in cache.

    Arrays of at least ``_MIN_PARALLEL`` elements are cut into ``n_threads``
    contiguous ranges of whole chunks, evaluated concurrently (numpy's ufuncs
    release the GIL). Every element is computed by the same sequence of
    operations whatever the split, so the result is bitwise independent of
    ``n_threads``. ``None`` uses :func:`_default_n_threads`.
    """
    flat = t.reshape(-1) if t.flags.c_contiguous else None
    if flat is None:  # rare: non-contiguous output, evaluate whole
        tmp, tmp2, zeros = np.empty_like(t), np.empty_like(t), np.zeros_like(t)
        kernel(t, ell=ell, zeta=zeta, tmp=tmp, tmp2=tmp2, zeros=zeros)
        return t
    size = flat.size
    if n_threads is None:
        n_threads = _default_n_threads()
    n_chunks = -(-size // _CHUNK)
    n_threads = max(1, min(int(n_threads), n_chunks))
    if n_threads == 1 or size < _MIN_PARALLEL:
        _run_chunks(kernel, flat, 0, size, ell, zeta)
        return t
    per = -(-n_chunks // n_threads) * _CHUNK  # whole chunks per thread
    bounds = [(lo, min(lo + per, size)) for lo in range(0, size, per)]
    pool = _pool(len(bounds) - 1)
    futures = [
        pool.submit(_run_chunks, kernel, flat, lo, hi, ell, zeta)
        for lo, hi in bounds[1:]
    ]
    _run_chunks(kernel, flat, *bounds[0], ell, zeta)  # this thread takes one
    for f in futures:
        f.result()
    return t
