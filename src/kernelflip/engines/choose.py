"""The chooser behind ``method="auto"``: correctness first, then a calibrated cost model.

Rules, in order:

1. integer data (exact): only exact engines (compiled, separable with exact
   integer factors, the numpy direct engine);
2. complex data: engines that handle complex (compiled, direct, fft);
3. non-finite values (NaN, inf): never an FFT, overlap-add, OpenCV's DFT
   path (kernels over 25 taps) or separable passes (inf - inf in the passes
   where direct summation keeps inf) -- the finiteness scan runs only when the
   cheapest engine is one of those;
4. among the rest, the lowest estimated time.

Each estimate is ``constant * feature`` (ns), the feature being the work
the engine does (multiply-adds, ``L log2 L`` for transforms of ``L``
points, ...), with constants fitted by ``bench/calibrate.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._base import ENGINES, Problem

# Fitted by `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/calibrate.py`
# on 2026-11-26, machine: 2-core x86-64 VM (the project's dev box), numpy 2.4.6,
# scipy 1.17.1, numba 0.68.1, opencv 5.0.0; ns per unit of the feature named.
COST = {
    # engine: {itemsize: (ns per feature unit, fixed ns per call)}
    "compiled": {4: (0.075, 20_000), 8: (0.15, 20_000), 16: (0.6, 20_000)},
    "opencv": {4: (0.035, 30_000), 8: (0.12, 30_000)},
    "opencv_dft": {4: (1.2, 200_000), 8: (1.8, 200_000)},
    "ndimage": {4: (0.45, 20_000), 8: (0.45, 20_000)},
    "fft": {4: (0.9, 40_000), 8: (1.4, 40_000), 16: (2.8, 40_000)},
    "oa": {4: (1.5, 100_000), 8: (1.8, 100_000)},
    "separable": {4: (0.5, 60_000), 8: (0.6, 60_000), 16: (1.5, 60_000)},
    "direct": {4: (1.0, 20_000), 8: (1.2, 20_000), 16: (3.0, 20_000)},
}
OPENCV_DIRECT_TAPS = 49  # above this OpenCV's filter2D switches to its DFT path (measured)
NAN_SAFE_OPENCV_TAPS = 25


@dataclass(frozen=True)
class Choice:
    """The engine ``method="auto"`` picks, and why."""

    method: str
    reason: str

    def __str__(self) -> str:
        return f"{self.method}: {self.reason}"


def _prod(t) -> int:
    return int(np.prod(t, dtype=object)) if len(t) else 1


def features(p: Problem) -> dict[str, float]:
    """Per engine, the work feature its cost scales with (see COST)."""
    from .fft import fft_plan_lengths
    from .separable import kernel_factors

    c = p.canon
    out = _prod(c.out_shape)
    taps = p.w.size
    span = _prod(c.span(p.w.shape))
    f = {"compiled": out * taps, "direct": out * taps, "ndimage": span * taps}
    _, lens = fft_plan_lengths(p)
    L = _prod(lens)
    f["fft"] = L * math.log2(max(L, 2))
    wd = _prod(tuple(d * (m - 1) + 1 for d, m in zip(c.dilation, p.w.shape)))
    f["oa"] = span * math.log2(max(4 * wd, 2)) * 2
    f["opencv"] = span * taps if taps <= OPENCV_DIRECT_TAPS else 0
    f["opencv_dft"] = span * math.log2(max(span, 2)) if taps > OPENCV_DIRECT_TAPS else 0
    terms = kernel_factors(p.w) if p.ndim >= 2 else None
    f["separable"] = (len(terms) * sum(p.w.shape) * span) if terms else 0
    return f


def estimate(p: Problem) -> dict[str, float]:
    """Estimated ns per engine that can take ``p`` (available, not refusing)."""
    f = features(p)
    size = p.x.dtype.itemsize
    est = {}
    for name, eng in ENGINES.items():
        if name == "reference" or not eng.available() or eng.refuses(p):
            continue
        key = name
        if name == "opencv":
            key = "opencv" if f["opencv"] else "opencv_dft"
        table = COST.get(key)
        if table is None or size not in table:
            continue
        a, b = table[size]
        est[name] = a * f[key] + b
    return est


def _unsafe_nonfinite(name: str, p: Problem) -> bool:
    if name in ("fft", "oa", "separable"):
        return True
    return name == "opencv" and p.w.size > NAN_SAFE_OPENCV_TAPS


def finite(p: Problem) -> bool:
    """True when x and w hold no NaN/inf (a sum is checked first: one pass, no mask)."""
    with np.errstate(all="ignore"):
        if np.isfinite(p.x.sum()) and np.isfinite(p.w.sum()):
            return True
    return bool(np.isfinite(p.x).all() and np.isfinite(p.w).all())


def choose(p: Problem) -> Choice:
    """The engine for ``p`` and why (see the module docstring for the rules)."""
    est = estimate(p)
    if not est:  # pragma: no cover - direct never refuses
        return Choice("direct", "no other engine can take this request")
    order = sorted(est, key=est.get)
    best = order[0]
    note = ""
    if p.exact:
        note = "integer data, exact engines only; "
    elif p.x.dtype.kind == "c":
        note = "complex data; "
    if _unsafe_nonfinite(best, p) and not finite(p):
        order = [n for n in order if not _unsafe_nonfinite(n, p)]
        best = order[0]
        note += "non-finite values: an FFT would spread them over the output; "
    rest = ", ".join(f"{n} ~{est[n] / 1e6:.2g} ms" for n in order[1:3])
    return Choice(best, f"{note}{best} ~{est[best] / 1e6:.2g} ms"
                        + (f" beats {rest}" if rest else ""))
