"""The compiled direct engine: numba loops over the canonical correlation, on every core.

``z[n] = sum_r ext(x)[p0 + stride*n + dilation*r] * w[r]`` summed tap by tap
in a fixed order (``fastmath=False``), so integer results are exact (int64)
and NaN/inf land where direct summation puts them.  float32 stays float32.
Specialised loops for 1, 2 and 3 axes (the innermost loop runs over output
positions along the last axis, which vectorises); other ranks are refused.

Memory: the output only for ``constant`` boundaries (reads outside the
image add ``cval * w`` in the loops, no padded copy); other boundaries
materialise the extended region first.  No im2col.  numba is an optional extra
(``pip install kernelflip[fast]``); without it the engine reports itself
unavailable and ``method="auto"`` uses the others.

Threads: numba's OpenMP layer.  With GNU OpenMP a process forked after
these loops ran cannot run them again (libgomp stops the child); use the
``spawn`` start method of multiprocessing, or ``NUMBA_THREADING_LAYER=tbb``
with the ``tbb`` package installed.
"""

from __future__ import annotations

import numpy as np

from ._base import Engine, Problem, extend, installed, register

DTYPES = ("int64", "float32", "float64", "complex64", "complex128")
SERIAL_BELOW = 2_000_000  # multiply-adds under which the loops run on one thread


def _kernels():
    """The compiled loops (numba compiles or loads them from its cache on first use)."""
    from ._loops import KERNELS

    return KERNELS


def available() -> bool:
    """True when numba is installed."""
    return installed("numba")


def set_threads(n: int) -> None:
    """Use ``n`` threads in the compiled loops (numba.set_num_threads)."""
    import numba

    numba.set_num_threads(n)


class Compiled(Engine):
    name = "compiled"
    exact = True
    doc = "numba-compiled direct sum, all cores, 1-3 axes (exact; cost ~ output size x taps)"

    def available(self) -> bool:
        return available()

    def refuses(self, p: Problem) -> str | None:
        if p.ndim not in (1, 2, 3):
            return f"{p.ndim} axes: the compiled loops cover 1, 2 and 3"
        if p.x.dtype.name not in DTYPES:
            return f"dtype {p.x.dtype}: the compiled loops cover {', '.join(DTYPES)}"
        return None

    def run(self, p: Problem) -> np.ndarray:
        c = p.canon
        out = np.zeros(p.out_shape, dtype=p.x.dtype)
        if out.size == 0:
            return out
        w = np.ascontiguousarray(p.w, dtype=p.x.dtype)
        if c.boundary == "constant" and (p.cval != 0 or np.isfinite(w).all()):
            # reads outside the image are cval: handled in the loops, no padded copy
            # (the loops skip a zero cval, right unless a tap is NaN/inf: 0 * inf is NaN)
            x, p0, cv = np.ascontiguousarray(p.x), c.p0, p.cval
        else:
            x = np.ascontiguousarray(extend(p.x, p.region(), c.boundary, p.cval))
            p0, cv = (0,) * p.ndim, p.x.dtype.type(0)
        import numba

        # Small problems run on one thread: waking the pool costs more than it
        # saves, and on a busy machine a parallel region waits for a whole
        # scheduler time slice (milliseconds) before its second thread runs.
        before = numba.get_num_threads()
        if out.size * w.size < SERIAL_BELOW:
            numba.set_num_threads(1)
        try:
            _kernels()[p.ndim](x, w, out, *p0, *c.stride, *c.dilation, p.x.dtype.type(cv))
        finally:
            numba.set_num_threads(before)
        return out


register(Compiled())
