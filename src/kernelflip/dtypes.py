"""The dtype policy: one table, one helper.

=============================  ======================  =====================
inputs (image, kernel)         working dtype           result dtype
=============================  ======================  =====================
bool / any integer, both       int64 (exact)           int64
float16 with float16/int/bool  float32                 float32
float32 with float32/int8/16   float32                 float32
other real mixes               numpy.result_type       same
any complex                    numpy.result_type       complex64/complex128
=============================  ======================  =====================

Integer results are exact: before computing, the bound ``max|x| * sum|h|``
is checked against int64's range and an :class:`ExactnessError` is raised
when it could overflow (nothing wraps around).  Object, string, datetime and
other non-numeric dtypes are refused with a TypeError.
"""

from __future__ import annotations

import numpy as np

from .errors import ArgumentTypeError, ExactnessError

__all__ = ["working_dtype", "check_exact_bound", "as_numeric"]

INT64_MAX = int(np.iinfo(np.int64).max)


def as_numeric(a, name: str) -> np.ndarray:
    """``a`` as an ndarray of bool, integer, float or complex dtype, or a TypeError."""
    if type(a).__module__.partition(".")[0] == "cupy":
        raise ArgumentTypeError(
            f"{name} is a CuPy array (on a GPU): kernelflip.convolve/correlate compute in "
            "numpy; kernelflip.engines.torch_engine.convolve/correlate keep CuPy arrays on "
            "their device (they need torch), or pass cupy.asnumpy(...) here"
        )
    try:
        arr = np.asarray(a)
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise ArgumentTypeError(f"{name} could not be read as an array: {exc}") from None
    if arr.dtype.kind not in "biufc":
        raise ArgumentTypeError(
            f"{name} has dtype {arr.dtype} ({_kind_name(arr.dtype)}): kernelflip accepts "
            "bool, integer, float and complex arrays"
        )
    return arr


def _kind_name(dt: np.dtype) -> str:
    return {"O": "Python objects", "U": "strings", "S": "bytes", "M": "datetimes",
            "m": "timedeltas", "V": "structured/void"}.get(dt.kind, dt.kind)


def working_dtype(*dtypes: np.dtype) -> np.dtype:
    """The dtype in which the sum is accumulated and returned (see the module table).

    >>> working_dtype(np.dtype("uint8"), np.dtype("bool"))
    dtype('int64')
    >>> working_dtype(np.dtype("float32"), np.dtype("int8"))
    dtype('float32')
    >>> working_dtype(np.dtype("float16"), np.dtype("float16"))
    dtype('float32')
    >>> working_dtype(np.dtype("complex64"), np.dtype("float64"))
    dtype('complex128')
    """
    if all(np.dtype(d).kind in "biu" for d in dtypes):
        return np.dtype(np.int64)
    dt = np.result_type(*dtypes)
    if dt == np.float16:
        return np.dtype(np.float32)
    return dt


def check_exact_bound(x: np.ndarray, h: np.ndarray) -> None:
    """Refuse integer data whose exact result could exceed int64 (no silent wrap)."""
    if x.size == 0 or h.size == 0:
        return
    mx = max(abs(int(x.max())), abs(int(x.min())))
    sh = int(np.abs(h.astype(object)).sum()) if h.dtype == np.uint64 or h.dtype == np.int64 \
        else int(np.abs(h.astype(np.int64)).sum())
    if mx * sh > INT64_MAX:
        raise ExactnessError(
            f"exact integer result could reach {mx} * {sh} = {mx * sh}, beyond int64's "
            f"{INT64_MAX}: cast the inputs to float64 (inexact) or reduce their range"
        )
