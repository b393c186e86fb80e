"""Shared strategies and comparisons of the conventions conformance tests."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

INT_DTYPES = ("int8", "uint8", "int16", "int32", "int64")
FLOAT_DTYPES = ("float32", "float64")
COMPLEX_DTYPES = ("complex64", "complex128")
ALL_DTYPES = INT_DTYPES + FLOAT_DTYPES + COMPLEX_DTYPES


def values(dtype, shape, seed):
    """Self-identifying-enough random data: wide enough to make small ints wrap."""
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    if dt.kind in "iu":
        info = np.iinfo(dt)
        lo, hi = max(info.min, -200), min(info.max, 200)
        return rng.integers(lo, hi + 1, size=shape).astype(dt)
    v = rng.integers(-8, 9, size=shape) / 4
    if dt.kind == "c":
        v = v + 1j * rng.integers(-8, 9, size=shape) / 4
    return v.astype(dt)


def assert_same(got, want, *, rtol=None):
    """Same shape and dtype; exact for integers/bools, tight tolerance for floats."""
    want = np.asarray(want)
    assert isinstance(got, np.ndarray)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    if want.dtype.kind in "biu":
        np.testing.assert_array_equal(got, want)
    else:
        single = want.dtype in (np.float32, np.complex64)
        tol = rtol if rtol is not None else (2e-5 if single else 1e-11)
        scale = max(1.0, float(np.max(np.abs(want), initial=0)))
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol * scale)


def shapes(ndim, lo=1, hi=7):
    return st.tuples(*[st.integers(lo, hi)] * ndim)
