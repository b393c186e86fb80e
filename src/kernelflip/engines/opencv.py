"""OpenCV engine: cv2.filter2D on 2-D (and 1-D, as one row) float32/float64 data.

cv2.filter2D computes ``dst[i] = sum_r w[r] src[i + r - anchor]`` (a
correlation, OpenCV's convention; the kernel arrives already in correlation
orientation).  numpy boundaries map to OpenCV borders exactly: ``constant``
with cval 0 -> BORDER_CONSTANT, ``symmetric`` -> BORDER_REFLECT, ``reflect``
-> BORDER_REFLECT_101, ``edge`` -> BORDER_REPLICATE; anything else
(``wrap``, a non-zero cval, 'full' windows) filters the pre-extended region
with BORDER_CONSTANT.  Large kernels go through OpenCV's own DFT, so the
engine is not exact and never receives integer or non-finite data from
``method="auto"`` (OpenCV would saturate integers).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ._anchor import anchored
from ._base import Engine, Problem, installed, register
from .fft import dilate

_BORDERS: dict = {}


def _borders():
    if not _BORDERS:
        import cv2

        _BORDERS.update({"constant": cv2.BORDER_CONSTANT, "symmetric": cv2.BORDER_REFLECT,
                         "reflect": cv2.BORDER_REFLECT_101, "edge": cv2.BORDER_REPLICATE})
    return _BORDERS


def cv2_available() -> bool:
    return installed("cv2")


def refuses_2d_float(p: Problem) -> str | None:
    if p.exact:
        return "integer data: OpenCV saturates or rounds integers"
    if p.ndim not in (1, 2):
        return f"{p.ndim} axes: OpenCV filters 2-D images (1-D as one row)"
    if p.x.dtype.name not in ("float32", "float64"):
        return f"dtype {p.x.dtype}: OpenCV filters float32 and float64"
    if any(n >= 2**31 for n in p.x.shape):
        return "image larger than OpenCV's int32 sizes"
    return None


def as_row(p: Problem) -> Problem:
    """A 1-D problem as a 2-D one of a single row (OpenCV has no 1-D filters)."""
    c = p.canon
    c2 = replace(c, p0=(0, *c.p0), out_shape=(1, *c.out_shape), stride=(1, *c.stride),
                 dilation=(1, *c.dilation))
    return Problem(p.x[None], p.w[None], c2, p.cval, p.exact)


class OpenCV(Engine):
    name = "opencv"
    exact = False
    doc = "cv2.filter2D (2-D float32/float64; direct for small kernels, DFT for large)"

    def available(self) -> bool:
        return cv2_available()

    def refuses(self, p: Problem) -> str | None:
        return refuses_2d_float(p)

    def run(self, p: Problem) -> np.ndarray:
        import cv2

        if p.ndim == 1:
            return self.run(as_row(p))[0]
        if 0 in p.out_shape:
            return np.zeros(p.out_shape, dtype=p.x.dtype)
        wd = dilate(p.w, p.canon.dilation)
        if wd.dtype != p.x.dtype or not wd.flags.c_contiguous:
            wd = np.ascontiguousarray(wd, dtype=p.x.dtype)
        src, anchor, border, keep = anchored(p, _borders(), wd.shape)
        dst = cv2.filter2D(src, -1, wd, anchor=(anchor[1], anchor[0]), borderType=border)
        if dst.shape == p.canon.out_shape:  # filtered in place: nothing to cut
            return dst
        return np.ascontiguousarray(dst[keep])


register(OpenCV())
