"""Shared set-up for engines built on 'same-size' filters (OpenCV, scipy.ndimage).

Such a filter computes ``dst[i] = sum_r w[r] src[i + r - anchor]`` for every
``i`` of ``src`` and supplies the outside values by a border rule.  When the
canonical problem's window fits that shape (stride 1, ``0 <= -p0 <= M - 1``
per axis with ``M`` the dilated kernel size, the output no longer than the
image, and a border the filter can reproduce), the image is filtered in
place with ``anchor = -p0``: no padded copy.  Otherwise the extended region
is materialised and filtered with ``anchor = 0``, and the valid part kept.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ._base import Problem, extend


def anchored(p: Problem, borders: dict, wshape) -> tuple[np.ndarray, tuple, str, tuple]:
    """(src, anchor, border, keep): filter ``src`` so, then keep ``dst[keep]``.

    ``borders`` maps kernelflip boundary names to the filter's own border
    names (only those it reproduces exactly); ``constant`` is mapped only
    when ``cval`` is 0 unless the map holds the key ``"constant+cval"``.
    """
    c = p.canon
    ok, anchor, keep = _layout(c, tuple(wshape), p.x.shape, bool(p.cval != 0), tuple(borders))
    if ok:
        return np.ascontiguousarray(p.x), anchor, borders[c.boundary], keep
    xe = np.ascontiguousarray(extend(p.x, p.region(), c.boundary, p.cval))
    return xe, anchor, borders["constant"], keep


@lru_cache(maxsize=256)
def _layout(c, wshape: tuple, xshape: tuple, cval_nonzero: bool, names: tuple):
    """(in place?, anchor, keep) of :func:`anchored`: shapes only, cached."""
    b = c.boundary
    ok = all(s == 1 for s in c.stride) and b in names
    if b == "constant" and cval_nonzero and "constant+cval" not in names:
        ok = False
    if b in ("symmetric", "reflect", "wrap") and any(m > n for m, n in zip(wshape, xshape)):
        ok = False  # the filters' reflection is defined one image length deep only
    for p0, m, k, n in zip(c.p0, wshape, c.out_shape, xshape):
        if not (0 <= -p0 <= m - 1 and k <= n):
            ok = False
    if ok:
        return True, tuple(-v for v in c.p0), tuple(slice(0, k) for k in c.out_shape)
    keep = tuple(slice(0, s * (k - 1) + 1, s) for s, k in zip(c.stride, c.out_shape))
    return False, (0,) * len(xshape), keep
