"""The reference engine: every output summed term by term from the plan.

It reads nothing but :meth:`kernelflip.plan.Plan.terms`, so it is the ground
truth the other engines are tested against.  It is slow by design (a Python
loop over outputs) and refuses problems with more than ``LIMIT`` terms.
"""

from __future__ import annotations

import numpy as np

from ._base import Engine, Problem, register

LIMIT = 2_000_000  # terms (outputs x taps); a few seconds of Python


class Reference(Engine):
    name = "reference"
    exact = True
    doc = "sums each output's terms from the index plan (ground truth, small inputs only)"

    def refuses(self, p: Problem) -> str | None:
        n = int(np.prod(p.out_shape, dtype=object)) * p.w.size
        if n > LIMIT:
            return f"{n} terms exceed the reference engine's limit of {LIMIT}"
        return None

    def run(self, p: Problem) -> np.ndarray:
        c = p.canon
        out = np.zeros(p.out_shape, dtype=np.result_type(p.x, p.w))
        from ..plan import extend_positions

        taps = np.indices(p.w.shape).reshape(p.ndim, -1).T
        wv = p.w.reshape(-1)
        for n in np.ndindex(*p.out_shape):
            pos = [c.p0[a] + c.stride[a] * n[a] + c.dilation[a] * taps[:, a] for a in range(p.ndim)]
            src = [extend_positions(pos[a], p.x.shape[a], c.boundary) for a in range(p.ndim)]
            ok = np.all([s >= 0 for s in src], axis=0)
            vals = np.full(len(wv), p.cval, dtype=p.x.dtype)
            vals[ok] = p.x[tuple(s[ok] for s in src)]
            acc = out.dtype.type(0)
            for v, w in zip(vals, wv):
                acc = acc + v * w
            out[n] = acc
        return out


register(Reference())
