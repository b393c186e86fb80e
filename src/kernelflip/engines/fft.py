"""The FFT engine: scipy.signal.fftconvolve on the extended region.

Not exact (rounding of order eps * sum|x||w|), and one NaN or inf spreads
over the whole output, so ``method="auto"`` never sends integer or
non-finite data here.  float32 stays float32.
"""

from __future__ import annotations

import numpy as np

from ._base import Engine, Problem, extend, register


def dilate(w: np.ndarray, dilation) -> np.ndarray:
    """The kernel with ``dilation - 1`` zeros between taps on each axis."""
    if all(d == 1 for d in dilation):
        return w
    shape = tuple(d * (n - 1) + 1 for d, n in zip(dilation, w.shape))
    out = np.zeros(shape, dtype=w.dtype)
    out[tuple(slice(None, None, d) for d in dilation)] = w
    return out


class FFT(Engine):
    name = "fft"
    exact = False
    doc = "scipy.signal.fftconvolve (real transforms, fast sizes); rounding ~eps*sum|x||w|"

    def refuses(self, p: Problem) -> str | None:
        if p.exact:
            return "integer data needs an exact engine"
        return None

    def run(self, p: Problem) -> np.ndarray:
        from scipy.signal import fftconvolve

        c = p.canon
        xe = extend(p.x, p.region(), c.boundary, p.cval)
        wd = dilate(p.w, c.dilation)
        z = fftconvolve(xe, wd[tuple(slice(None, None, -1) for _ in range(wd.ndim))], mode="valid")
        z = z[tuple(slice(None, None, s) for s in c.stride)]
        return np.asarray(z, dtype=np.result_type(xe, p.w))


register(FFT())
