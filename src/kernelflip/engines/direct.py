"""The direct engine in numpy: one shifted, strided slice per kernel tap.

Exact for integers (accumulates in the working integer dtype), keeps NaN and
inf where direct summation puts them, any number of axes.  Memory: the
extended region of the image plus two output-sized buffers.
"""

from __future__ import annotations

import numpy as np

from ._base import Engine, Problem, extend, register


class Direct(Engine):
    name = "direct"
    exact = True
    doc = "numpy shifted-slice sum over kernel taps (exact; cost ~ output size x taps)"

    def run(self, p: Problem) -> np.ndarray:
        c = p.canon
        xe = extend(p.x, p.region(), c.boundary, p.cval)
        out = np.zeros(p.out_shape, dtype=np.result_type(xe, p.w))
        tmp = np.empty_like(out)
        for r in np.ndindex(*p.w.shape):
            sl = tuple(slice(d * k, d * k + s * (n - 1) + 1, s) for d, k, s, n in
                       zip(c.dilation, r, c.stride, p.out_shape))
            np.multiply(xe[sl], p.w[r], out=tmp)
            out += tmp
        return out


register(Direct())
