"""Libraries' dtype rules, applied after kernelflip's exact (or float64) sum.

Each helper takes the exact result (int64 for integer data, float or
complex otherwise) and returns what the library would store.

>>> wrap(np.array([400, -1]), np.uint8)
array([144, 255], dtype=uint8)
>>> saturate(np.array([0.5, 1.5, 2.5, 300.0, -3.0]), np.uint8)
array([  0,   2,   2, 255,   0], dtype=uint8)
>>> truncate(np.array([600.0, -1.0, 0.9]), np.uint8)
array([ 88, 255,   0], dtype=uint8)
>>> matlab_round(np.array([0.5, 1.5, 2.5, 300.0, -3.0]), np.uint8)
array([  1,   2,   3, 255,   0], dtype=uint8)
"""

from __future__ import annotations

import numpy as np

__all__ = ["wrap", "saturate", "truncate", "matlab_round", "cast", "jax_dtype", "fft_dtype"]


def wrap(v: np.ndarray, dtype) -> np.ndarray:
    """C integer wrap-around (mod 2**bits) of exact integers; bool keeps non-zero."""
    dtype = np.dtype(dtype)
    v = np.asarray(v)
    if dtype == np.bool_:
        return v != 0
    if dtype.kind in "iu" and v.dtype.kind in "iu":
        return v.astype(np.int64, copy=False).astype(dtype)
    return cast(v, dtype)


def cast(v: np.ndarray, dtype) -> np.ndarray:
    """Plain numpy cast, quiet about complex -> real (never needed by a rule here)."""
    dtype = np.dtype(dtype)
    v = np.asarray(v)
    if dtype.kind in "iu" and v.dtype.kind in "iu":
        return wrap(v, dtype)
    if dtype.kind in "iu":
        return truncate(v, dtype)
    if dtype == np.bool_:
        return v != 0
    return v.astype(dtype)


def saturate(v: np.ndarray, dtype) -> np.ndarray:
    """OpenCV ``saturate_cast``: round half to even, then clip to the type's range."""
    dtype = np.dtype(dtype)
    if dtype.kind not in "iu":
        return np.asarray(v).astype(dtype)
    info = np.iinfo(dtype)
    r = np.rint(np.asarray(v, dtype=np.float64))
    return np.clip(r, info.min, info.max).astype(dtype)


def truncate(v: np.ndarray, dtype) -> np.ndarray:
    """C cast of a double: truncate toward zero, then wrap modulo 2**bits (x86-64)."""
    dtype = np.dtype(dtype)
    v = np.asarray(v)
    if dtype.kind not in "iu":
        return v.astype(dtype) if dtype != np.bool_ else v != 0
    if v.dtype.kind in "iu":
        return wrap(v, dtype)
    t = np.trunc(np.real(v)).astype(np.float64)
    t = np.where(np.isfinite(t), t, 0)
    bits = 8 * dtype.itemsize
    if bits < 64:
        t = np.mod(t, 2.0 ** bits)  # exact for integral doubles
    t = np.clip(t, -(2.0 ** 63), 2.0 ** 63 - 1024)
    return t.astype(np.int64).astype(dtype)


def matlab_round(v: np.ndarray, dtype) -> np.ndarray:
    """MATLAB's conversion to an integer class: round half away from zero, then clip."""
    dtype = np.dtype(dtype)
    v = np.asarray(v, dtype=np.float64)
    if dtype.kind not in "iu":
        return v.astype(dtype)
    info = np.iinfo(dtype)
    r = np.where(v >= 0, np.floor(v + 0.5), np.ceil(v - 0.5))
    return np.clip(r, info.min, info.max).astype(dtype)


def fft_dtype(*dtypes) -> np.dtype:
    """scipy.signal.fftconvolve's output: single stays single, everything else double.

    >>> fft_dtype(np.uint8, np.float32), fft_dtype(np.float32, np.float32)
    (dtype('float64'), dtype('float32'))
    """
    def one(d):
        d = np.dtype(d)
        if d in (np.float32, np.complex64, np.float64, np.complex128):
            return d
        if d == np.float16:
            return np.dtype(np.float32)
        return np.dtype(np.complex128) if d.kind == "c" else np.dtype(np.float64)
    return np.result_type(*[one(d) for d in dtypes])


def jax_dtype(*dtypes) -> np.dtype:
    """jax.numpy / jax.scipy.signal results in JAX's default 32-bit mode.

    Integers and bools become float32; 64-bit floats and complex become 32-bit.

    >>> jax_dtype(np.int64, np.int8), jax_dtype(np.float64, np.int32)
    (dtype('float32'), dtype('float32'))
    """
    inexact = [np.dtype(d) for d in dtypes if np.dtype(d).kind in "fc"]
    if not inexact:
        return np.dtype(np.float32)
    dt = np.result_type(*inexact)
    return {np.dtype(np.float64): np.dtype(np.float32),
            np.dtype(np.complex128): np.dtype(np.complex64)}.get(dt, dt)
