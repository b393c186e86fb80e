"""scipy.ndimage engine: ndimage.correlate on float data, any number of axes.

``ndimage.correlate(src, w, origin=o)`` gives
``dst[i] = sum_r w[r] src[i + r - M//2 - o]``; with ``o = anchor - M//2`` (``anchor = -p0``) that is
the canonical correlation, and ndimage's modes reproduce numpy's boundaries
exactly (``constant`` with cval, ``reflect`` = numpy symmetric, ``mirror`` =
numpy reflect, ``nearest`` = edge, ``grid-wrap`` = wrap).  It leaves NaN/inf
taps of the kernel out of its sums, so such kernels are refused here (and
``auto`` sends them elsewhere).  ndimage sums in
float64 whatever the input, so it is the fallback direct path when numba is
absent.  Integers are refused (float64 sums are not exact beyond 2**53).
"""

from __future__ import annotations

import numpy as np

from ..errors import ArgumentError
from ._anchor import anchored
from ._base import Engine, Problem, register
from .fft import dilate

BORDERS = {"constant": "constant", "constant+cval": "constant", "symmetric": "reflect",
           "reflect": "mirror", "edge": "nearest", "wrap": "grid-wrap"}


def drops_taps(w: np.ndarray) -> bool:
    """True when scipy.ndimage.correlate would leave taps of ``w`` out of its sums (it
    drops those of magnitude up to float64's epsilon; NaN taps count as kept).

    >>> drops_taps(np.array([1.0, 0.0, 1.0])), drops_taps(np.ones(3))
    (True, False)
    """
    return bool(np.count_nonzero(~(np.abs(w) <= np.finfo(np.float64).eps)) < w.size)


class NDImage(Engine):
    name = "ndimage"
    exact = False
    doc = "scipy.ndimage.correlate (float sums in float64; any axes; the no-numba direct path)"

    def refuses(self, p: Problem) -> str | None:
        if p.exact:
            return "integer data: ndimage sums in float64, exact only below 2**53"
        if p.x.dtype.kind not in "f":
            return f"dtype {p.x.dtype}: this engine takes real floats"
        return None

    def refuses_values(self, p: Problem) -> str | None:
        from .choose import finite

        if drops_taps(p.w) and not finite(p):
            return ("scipy.ndimage leaves taps of magnitude <= 2.2e-16 (zeros) out of its "
                    "sums, so NaN/inf in the data would not give NaN under them as the "
                    "defining sum does (0 * inf is NaN); use method='auto' or 'direct'")
        return None

    def run(self, p: Problem) -> np.ndarray:
        from scipy import ndimage

        if any(k == 0 for k in p.out_shape):
            return np.zeros(p.out_shape, dtype=p.x.dtype)
        if p.w.dtype.kind in "fc" and not np.isfinite(p.w).all():
            raise ArgumentError(
                "method='ndimage' cannot take a kernel with NaN or inf taps: scipy.ndimage "
                "leaves such taps out of its sums; use method='direct' or 'auto'")
        wd = dilate(p.w, p.canon.dilation)
        src, anchor, mode, keep = anchored(p, BORDERS, wd.shape)
        origin = [a - m // 2 for a, m in zip(anchor, wd.shape)]
        dst = ndimage.correlate(src, wd, mode=mode, cval=p.cval, origin=origin)
        return np.ascontiguousarray(dst[keep])


register(NDImage())
