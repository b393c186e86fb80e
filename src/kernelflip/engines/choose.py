"""The chooser behind ``method="auto"``: correctness first, then a calibrated cost model.

Rules, in order:

1. integer data (exact): only exact engines (compiled, separable with exact
   integer factors, the numpy direct engine);
2. complex data: engines that handle complex (compiled, direct, fft);
3. non-finite values (NaN, inf): never an FFT, overlap-add, OpenCV's DFT
   path (see OPENCV_DFT_TAPS) or separable passes (inf - inf in the passes
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
from functools import lru_cache

import numpy as np

from ._base import ENGINES, Problem

# Slopes first fitted by `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/calibrate.py`
# on 2026-11-26 on the project's 2-core x86-64 dev VM (shared with other jobs, so
# noisy), numpy 2.4.6, scipy 1.17.1, numba 0.68.1 (2 threads), opencv 5.0.0, then
# refitted by hand from the same day's `python bench/run.py --budget 0.3` table
# (BENCHMARKS.md): per-output terms for the memory traffic of small kernels, and
# OpenCV's switch to its DFT path.  Fixed per-call costs: best of 200 calls on an
# 8x8 image with a 3x3 kernel, same day.  Complex (itemsize 16) entries are not
# fitted: 4x the float64 slope.
# Units: (ns per feature unit, ns per output element, ns per call).
COST = {
    "compiled": {4: (0.075, 0.6, 10_000), 8: (0.085, 1.2, 10_000), 16: (0.34, 2.4, 10_000)},
    "direct": {4: (0.40, 1.0, 50_000), 8: (1.68, 1.0, 50_000), 16: (6.7, 2.0, 50_000)},
    "fft": {4: (0.8, 0, 36_000), 8: (1.1, 0, 36_000), 16: (4.4, 0, 36_000)},
    "ndimage": {4: (0.73, 0, 11_000), 8: (0.88, 0, 11_000)},
    "oa": {4: (1.28, 0, 200_000), 8: (2.51, 0, 200_000)},
    "opencv": {4: (0.045, 0.7, 6_000), 8: (0.085, 1.4, 6_000)},
    "opencv_dft": {4: (0.5, 0, 6_000), 8: (0.56, 0, 6_000)},
    "separable": {4: (0.09, 0.7, 20_000), 8: (0.1, 1.4, 20_000), 16: (0.4, 2.8, 20_000)},
}
# OpenCV's filter2D uses its DFT from this many taps on (its dft_filter_size:
# 130 for float32 with SSE3, 50 otherwise); below it sums directly, which keeps
# NaN/inf where direct summation puts them.
OPENCV_DFT_TAPS = {4: 130, 8: 50}


@dataclass(frozen=True)
class Choice:
    """The engine ``method="auto"`` picks, and why."""

    method: str
    reason: str

    def __str__(self) -> str:
        return f"{self.method}: {self.reason}"


def _prod(t) -> int:
    return int(np.prod(t, dtype=object)) if len(t) else 1


@lru_cache(maxsize=256)
def _shape_features(x_shape, w_shape, canon, cval_zero: bool, real: bool) -> dict:
    from .fft import fft_plan_lengths

    x = np.lib.stride_tricks.as_strided(np.zeros(1, np.float64 if real else np.complex128),
                                        x_shape, (0,) * len(x_shape))
    w = np.lib.stride_tricks.as_strided(np.zeros(1, x.dtype), w_shape, (0,) * len(w_shape))
    p = Problem(x, w, canon, 0 if cval_zero else 1, False)
    c = canon
    out = _prod(c.out_shape)
    taps = _prod(w_shape)
    span = _prod(c.span(w_shape))
    f = {"compiled": out * taps, "direct": out * taps, "ndimage": span * taps, "span": span}
    _, lens = fft_plan_lengths(p)
    L = _prod(lens)
    f["fft"] = L * math.log2(max(L, 2))
    wd = _prod(tuple(d * (m - 1) + 1 for d, m in zip(c.dilation, w_shape)))
    f["oa"] = span * math.log2(max(4 * wd, 2)) * 2
    f["out"] = out
    f["opencv_direct"] = span * taps
    f["opencv_dft"] = span * math.log2(max(span, 2))
    return f


def features(p: Problem) -> dict[str, float]:
    """Per engine, the work feature its cost scales with (see COST)."""
    from .separable import kernel_factors

    real = p.x.dtype.kind != "c" and p.w.dtype.kind != "c"
    f = dict(_shape_features(p.x.shape, p.w.shape, p.canon, bool(p.cval == 0), real))
    terms = kernel_factors(p.w) if p.ndim >= 2 else None
    f["separable"] = (len(terms) * sum(p.w.shape) * f["span"]) if terms else 0
    return f


def estimate(p: Problem) -> dict[str, float]:
    """Estimated ns per engine that can take ``p`` (available, not refusing).

    Cached on what the estimate depends on: shapes, dtypes, the canonical
    operation, whether cval is 0, exactness and the kernel's factorisation.
    """
    return dict(_ranked(p)[0])


def _ranked(p: Problem) -> tuple[dict[str, float], tuple[str, ...]]:
    """(estimates, engines from the cheapest), cached per :func:`estimate`'s key."""
    from .separable import kernel_factors

    terms = kernel_factors(p.w) if p.ndim >= 2 else None
    key = (p.x.shape, p.x.dtype, p.w.shape, p.w.dtype, p.canon, bool(p.cval == 0),
           p.exact, len(terms) if terms else 0)
    hit = _ESTIMATES.get(key)
    if hit is None:
        est = _estimate(p)
        hit = (est, tuple(sorted(est, key=est.get)))
        if len(_ESTIMATES) > 512:
            _ESTIMATES.clear()
        _ESTIMATES[key] = hit
    return hit


_ESTIMATES: dict = {}


def _estimate(p: Problem) -> dict[str, float]:
    f = features(p)
    size = p.x.dtype.itemsize
    est = {}
    for name, eng in ENGINES.items():
        if name == "reference" or not eng.available() or eng.refuses(p):
            continue
        key = feat = name
        if name == "opencv":
            dft = p.w.size >= OPENCV_DFT_TAPS.get(size, 50)
            key, feat = ("opencv_dft", "opencv_dft") if dft else ("opencv", "opencv_direct")
        table = COST.get(key)
        if table is None or size not in table:
            continue
        a, o, b = table[size]
        est[name] = a * f[feat] + o * f["out"] + b
    return est


def _unsafe_nonfinite(name: str, p: Problem) -> bool:
    if name in ("fft", "oa", "separable"):
        return True
    return name == "opencv" and p.w.size >= OPENCV_DFT_TAPS.get(p.x.dtype.itemsize, 50)


def finite(p: Problem) -> bool:
    """True when x and w hold no NaN/inf (a sum is checked first: one pass, no mask)."""
    with np.errstate(all="ignore"):
        if np.isfinite(p.x.sum()) and np.isfinite(p.w.sum()):
            return True
    return bool(np.isfinite(p.x).all() and np.isfinite(p.w).all())


def pick(p: Problem) -> str:
    """The name :func:`choose` returns, without composing its reason (the hot path)."""
    _, order = _ranked(p)
    if not order:  # pragma: no cover - direct never refuses
        return "direct"
    best = order[0]
    if _unsafe_nonfinite(best, p) and not finite(p):
        best = next(n for n in order if not _unsafe_nonfinite(n, p))
    return best


def choose(p: Problem) -> Choice:
    """The engine for ``p`` and why (see the module docstring for the rules)."""
    est, order = _ranked(p)
    if not est:  # pragma: no cover - direct never refuses
        return Choice("direct", "no other engine can take this request")
    order = list(order)
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
