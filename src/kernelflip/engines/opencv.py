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

OpenCV runs its direct sums on all cores but its DFT path on one; on large
images :func:`filter2d` splits that path into row bands, one per core, and
recomputes the few rows at each seam (2048^2 float32 with a 31x31 kernel,
2 cores: 23 ms instead of 43); 1-D signals (one row) go in column bands
from 2^16 samples (BAND_ABOVE_1D_SHORT), without seams below 2^18
(:func:`seamless`), and :func:`dft_units_1d` costs that path by the blocks
OpenCV cuts a row into.  On small images (up to SPECTRAL_MAX pixels)
that path is :func:`spectral`: one transform of the whole image, the
kernel's spectrum kept for the next call with the same kernel, work arrays
reused (128^2 float32 with 31x31: 0.10 ms against 0.18 for cv2.filter2D),
of lengths OpenCV transforms fast (:func:`dft_length`); with zeros beyond
the image the transform's own padding is the extension (``N + (M - 1) / 2``
per axis instead of ``N + M - 1``), and from SPECTRAL_BANDS pixels it runs
in row bands, one per core.  On larger float32 images it is
:func:`spectral_tiles`: overlap-save tiles of such transforms, taken in turn
by two threads (2048^2 with 31x31: 15-23 ms against 25-31 for the bands);
float64 keeps the bands.
"""

from __future__ import annotations

import math
import os
import threading
from dataclasses import replace
from functools import lru_cache

import numpy as np

from ._anchor import anchored
from ._base import Engine, Problem, installed, register
from .fft import dilate, kept

_BORDERS: dict = {}
# OpenCV's filter2D uses its DFT from this many taps on (its dft_filter_size:
# 130 for float32 with SSE3, 50 otherwise); below it sums directly, which keeps
# NaN/inf where direct summation puts them.
OPENCV_DFT_TAPS = {4: 130, 8: 50}
# Pixels from which the DFT path is split into row bands, each at least BAND_ROWS
# kernel heights tall.  Two bands against one call, 2026-11-26 12:50 (us): 256^2
# float32 31^2 1100-1125 vs 1970, 63^2 1100-1290 vs 1440, float64 11^2 750-820 vs
# 1520, 31^2 1130-1180 vs 1550; 384^2 float32 63^2 2230-2260 vs 3960; at 128^2 two
# bands were slower (float64 11^2 219 vs 141, 31^2 361 vs 181).
BAND_ABOVE = 1 << 16
BAND_ROWS = 2
# 1-D signals (column bands): from BAND_ABOVE_1D samples, bands with seams as for rows.
# An earlier machine (AMD EPYC) found two bands no faster at 1e5 samples (257 taps 422
# us against 390; 4097 taps 2.37 ms against 2.64 alone).
BAND_ABOVE_1D = 1 << 18
# From BAND_ABOVE_1D_SHORT samples, kernels of fewer than SHORT_TAPS_1D taps are split
# too, and below MARGIN_BELOW_1D samples each band filters its own stretch plus the
# kernel's reach on both sides into an array of its own and copies out its samples (no
# seams to filter again).  Intel Xeon VM, 2 cores, 2026-11-27, float64 best of repeats
# against one cv2.filter2D call: 1e5 samples, 64 / 257 / 1025 taps 0.57-0.81 / 0.69-0.70
# / 0.64-0.72 of the time (with seams 0.72-0.84 at 257 and 1025); float32 257 / 1025
# taps 0.69-1.08 / 0.62-0.64; 3e4 samples 0.76-0.99 with glibc's freed memory kept and
# 0.87-1.83 without, so not there.  4097 taps: 0.42-1.04 with freed memory kept but
# 1.18-1.27 without (the threads' buffers fault their pages in again on each call), so
# they stay one call below BAND_ABOVE_1D.
BAND_ABOVE_1D_SHORT = 1 << 16
SHORT_TAPS_1D = 2048
MARGIN_BELOW_1D = 1 << 18


def uses_dft(w_size: int, itemsize: int) -> bool:
    """True when cv2.filter2D takes its DFT path for a kernel of ``w_size`` taps."""
    return w_size >= OPENCV_DFT_TAPS.get(itemsize, 50)


def filter_shape(p: Problem) -> tuple:
    """The shape of the kernel cv2.filter2D gets for ``p``: dilated (zeros between taps).

    Its DFT path and its bands follow this shape, not the kernel's own.
    """
    return tuple(d * (m - 1) + 1 for d, m in zip(p.canon.dilation, p.w.shape))


def takes_spectral(shape: tuple, w_size: int, itemsize: int) -> bool:
    """True when :func:`filter2d` computes a DFT-path request by :func:`spectral`: 2-D
    images (more than one row) of up to SPECTRAL_MAX pixels."""
    return (len(shape) == 2 and shape[0] > 1 and uses_dft(w_size, itemsize)
            and math.prod(shape) <= SPECTRAL_MAX.get(itemsize, 0))


def dft_way(shape: tuple, wshape: tuple, itemsize: int) -> str:
    """How :func:`filter2d` runs an image of ``shape`` with a kernel of ``wshape``:
    ``"direct"`` (cv2.filter2D's direct sum), ``"spectral"`` (one transform),
    ``"tiles"`` (:func:`spectral_tiles`), ``"bands"`` (cv2.filter2D's DFT in row or
    column bands) or ``"dft"`` (cv2.filter2D's DFT in one call).

    >>> dft_way((128, 128), (3, 3), 4), dft_way((128, 128), (31, 31), 4)
    ('direct', 'spectral')
    >>> dft_way((2048, 2048), (31, 31), 4), dft_way((2048, 2048), (31, 31), 8)
    ('tiles', 'bands')
    """
    taps = math.prod(wshape)
    if not uses_dft(taps, itemsize):
        return "direct"
    if takes_spectral(shape, taps, itemsize):
        return "spectral"
    if takes_tiles(shape, taps, itemsize):
        return "tiles"
    return "bands" if bands(shape, wshape, itemsize) > 1 else "dft"


def takes_dft(p: Problem) -> bool:
    """True when cv2.filter2D takes its DFT path for ``p`` (its kernel as dilated)."""
    return uses_dft(math.prod(filter_shape(p)), p.x.dtype.itemsize)


def skips_zero_taps(w: np.ndarray) -> bool:
    """True when ``w`` has zero taps, which cv2.filter2D's direct sum leaves out."""
    return np.count_nonzero(w) < w.size


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def bands(shape: tuple, wshape: tuple, itemsize: int) -> int:
    """How many bands :func:`filter2d` splits an image of ``shape`` into (1: none).

    Row bands for 2-D images, column bands for 1-D signals (one row).
    """
    if len(shape) == 2 and shape[0] == 1:
        shape, wshape = shape[1:], wshape[1:]
    if len(shape) not in (1, 2) or not uses_dft(math.prod(wshape), itemsize):
        return 1
    if takes_spectral(shape, math.prod(wshape), itemsize) or takes_tiles(
            shape, math.prod(wshape), itemsize):  # one transform, or tiles, instead
        return 1
    if len(shape) == 1:
        if shape[0] < (BAND_ABOVE_1D_SHORT if math.prod(wshape) < SHORT_TAPS_1D
                       else BAND_ABOVE_1D):
            return 1
    elif math.prod(shape) < BAND_ABOVE:
        return 1
    return max(1, min(cores(), shape[0] // (BAND_ROWS * wshape[0])))


def seamless(shape: tuple) -> bool:
    """True when :func:`filter2d`'s bands of an image of ``shape`` have no seams to
    filter again: a 1-D signal (or single row) of fewer than MARGIN_BELOW_1D samples.

    >>> seamless((100_000,)), seamless((1, 100_000)), seamless((10**6,)), seamless((512, 512))
    (True, True, False, False)
    """
    if len(shape) == 2 and shape[0] == 1:
        shape = shape[1:]
    return len(shape) == 1 and shape[0] < MARGIN_BELOW_1D


# OpenCV's DFT path on one row (its crossCorr): blocks of round(4.5 M) outputs (at
# least 256 - M + 1), each a transform of getOptimalDFTSize(block + M - 1) points and
# its inverse, the kernel transformed once per call.  Cost units of dft_units_1d: P
# log2 P per block and per call (the kernel), DFT_SPILL times that for transforms of
# over DFT_SPILL_BYTES, plus DFT_BLOCK_UNITS per block (its border copy and spectrum
# product).  Fitted 2026-11-27 on the Intel Xeon VM (3e4..1e7 samples, 64..16385 taps,
# see choose.COST["opencv_dft_1d"]): 91125-point transforms (16385 taps) ran 2.2-4x
# slower per P log2 P than 23040-point ones; these two constants were chosen from a
# small grid (0..8000, 1.5..3) as those leaving the narrowest spread of the times
# around the fitted slope.
DFT_BLOCK_UNITS = 500
DFT_SPILL_BYTES = 1 << 18
DFT_SPILL = 2.0


def row_blocks(n: int, m: int) -> tuple[int, int]:
    """(blocks, P): how OpenCV's DFT path cuts a row of ``n`` outputs for ``m`` taps.

    >>> row_blocks(100_000, 257), row_blocks(100_000, 4097)
    ((85, 1440), (6, 23040))
    """
    import cv2

    b = min(max(round(4.5 * m), 256 - m + 1), n)
    length = max(cv2.getOptimalDFTSize(b + m - 1), 2)
    return -(-n // min(length - m + 1, n)), length


def dft_units_1d(n: int, m: int, itemsize: int) -> float:
    """Cost units of :func:`filter2d` on a row of ``n`` samples with ``m`` taps on its
    DFT path, per core: the bands' (:func:`bands`) share and a seam's strip after them.

    >>> dft_units_1d(100_000, 4097, 8) > dft_units_1d(100_000, 257, 8)
    True
    """
    def call(length):
        blocks, points = row_blocks(length, m)
        u = points * math.log2(points) * (DFT_SPILL if points * itemsize > DFT_SPILL_BYTES
                                          else 1)
        return blocks * (u + DFT_BLOCK_UNITS) + u

    k = bands((n,), (m,), itemsize)
    if k == 1:
        return call(n)
    units = call(-(-n // k) + m - 1)
    if not seamless((n,)):
        units += call(min(3 * (m - 1), n))
    return units


_POOL: list = []
if hasattr(os, "register_at_fork"):  # a forked child has none of the pool's threads
    os.register_at_fork(after_in_child=_POOL.clear)


def _pool():
    if not _POOL:
        from concurrent.futures import ThreadPoolExecutor

        _POOL.append(ThreadPoolExecutor(max_workers=max(cores() - 1, 1),
                                        thread_name_prefix="kernelflip-opencv"))
    return _POOL[0]


# Kernel spectra are kept for spectral() and spectral_tiles() with the FFT engine's
# (fft.kept): a call with the same kernel skips one of three transforms.
_WORK = threading.local()
# Images of up to this many pixels (per itemsize) on OpenCV's DFT path go through
# spectral(), not cv2.filter2D or its bands.  2026-11-26 14:35-14:55, 'same', best of
# repeats: 64^2 to 255^2, float32 13^2..63^2 kernels took 0.2-0.7 of cv2.filter2D's
# time, float64 9^2..63^2 0.35-0.9; against two bands: float32 256^2 31^2 0.31 ms vs
# 1.11, 512^2 1.20 vs 2.7-3.4, 640^2 2.1-2.9 vs 4.1-5.6, 1024^2 6.9-10.2 vs 7.3-8.7;
# float64 256^2 0.47-0.58 vs 0.78-1.13, 512^2 2.1-2.3 vs 2.6-2.9, 640^2 4.0-4.2 vs
# 3.3-6.0, 1024^2 13.7-19 vs 7.9-14.5 (one thread against two).
SPECTRAL_MAX = {4: 1 << 19, 8: 1 << 18}
# Larger float32 images go through spectral_tiles() instead of the bands: 2048^2 with
# 31^2 15-23 ms against 25-31 for two bands, 63^2 17-21 against 26-28; 1024^2 4.4-6.4
# against 9-11; 4096^2 75-90 against 98-104 (2026-11-26 15:20-15:30, tiles of 384^2
# and 512^2; 256^2 and 768^2-1024^2 were slower).  float64 tiles were slower than the
# bands (2048^2 31^2: 47-61 ms against 29; OpenCV's float64 DFT takes twice as long).
TILES_DTYPES = (4,)
TILE = 384
# ... and at least TILE_PER_TAP kernel lengths (a dft_length): 2026-11-27, float32
# 'same', best of 4-8 in interleaved rounds, 63^2 kernels: tiles of 576^2 31.0-31.9 ms
# at 2048^2 against 37.0-38.5 for 384^2 (480^2 31.9-32.4, 512^2 37.3-38.3), 148.9
# against 180.8 at 4096^2; 31^2 kept 384^2 (29.0-29.5 ms against 31.0-31.2 for 576^2).
TILE_PER_TAP = 9


# OpenCV's DFT takes 1.9-2.8 ns per point (float32, one thread, 2026-11-27) on
# lengths 2^a 3^b 5^c with b <= 2 and c <= 1 (128 1.89, 144 2.60, 160 2.35, 180 2.79,
# 192 2.35, 512 2.46, 576 2.50, 640 2.36 per side of a square), 3.1-4.7 on those with
# 27 or 25 in them, which cv2.getOptimalDFTSize also offers (135 4.59, 150 3.09, 162
# 3.53, 540 3.28, 600 3.10, 625 4.28, 648 3.06, 675 4.69): dft_length skips those.
_DFT_BASES = (1, 3, 5, 9, 15, 45)
# Images from this many pixels (per itemsize) go through spectral() in row bands on
# the cores, each band one transform.  2026-11-27, 'same' with zeros beyond, 13^2,
# 31^2 and 63^2 kernels, two bands against one transform (both with dft_length):
# float64 256^2 0.46-0.96 of its time, 384^2 0.58-0.82, 512^2 0.55-0.82, 181^2
# 0.61-1.12, 128^2 1.09-1.3; float32 384^2 0.59-0.66, 512^2 0.78-0.80 (1.08 with
# 63^2), 256^2 0.67-1.10, 181^2 0.85-1.87, 128^2 1.16-1.98.
SPECTRAL_BANDS = {4: 1 << 17, 8: 1 << 16}
# Two bands on two cores run this fraction of twice as fast as one transform of the
# same points (the per-core units of spectral_work, the same measurements: float64
# 0.8 ns per unit in one transform, 1.4-1.6 per core in bands).
SPECTRAL_BAND_GAIN = 0.6


@lru_cache(maxsize=4096)
def dft_length(n: int) -> int:
    """The shortest length ``>= n`` of the form ``2^a 3^b 5^c`` with ``b <= 2``, ``c <= 1``
    (OpenCV's DFT is fastest per point there).

    >>> dft_length(143), dft_length(159), dft_length(527), dft_length(1)
    (144, 160, 576, 1)
    """
    best = None
    for b in _DFT_BASES:
        length = b
        while length < n:
            length *= 2
        best = length if best is None else min(best, length)
    return best


def spectral_plan(shape: tuple, wshape: tuple, itemsize: int, anchor: tuple,
                  zero: bool) -> tuple[int, int, int]:
    """(bands, l0, l1): how :func:`spectral` transforms an image of ``shape``.

    ``zero`` (BORDER_CONSTANT: zeros beyond the image): one transform of
    ``l >= n + max(anchor, M - 1 - anchor)`` and ``l >= M`` per axis, the image
    itself in it, since the transform's zero padding is then the extension;
    otherwise ``l >= N + M - 1`` for the extended image.  Images from
    SPECTRAL_BANDS pixels (float64 2^16, float32 2^17) with at least two kernel
    heights of rows go in ``bands`` row bands, one per core, each transform of
    the band's rows plus ``M0 - 1``.

    >>> spectral_plan((128, 128), (31, 31), 4, (15, 15), True)
    (1, 144, 144)
    >>> spectral_plan((128, 128), (31, 31), 4, (15, 15), False)
    (1, 160, 160)
    >>> spectral_plan((512, 512), (31, 31), 8, (15, 15), True)[0] == min(cores(), 16)
    True
    """
    (n0, n1), (m0, m1) = shape, wshape
    k = 1
    if (n0 * n1 >= SPECTRAL_BANDS.get(itemsize, math.inf) and cores() > 1
            and n0 >= 2 * m0):
        k = min(cores(), n0 // m0, 16)
    if k > 1:
        return k, dft_length(-(-n0 // k) + m0 - 1), dft_length(n1 + m1 - 1)
    if zero:
        return 1, *(dft_length(max(m, n + max(a, m - 1 - a)))
                    for n, m, a in zip(shape, wshape, anchor))
    return 1, dft_length(n0 + m0 - 1), dft_length(n1 + m1 - 1)


def spectral_work(shape: tuple, wshape: tuple, itemsize: int, anchor: tuple,
                  zero: bool) -> float:
    """Points times log2(points) of :func:`spectral`'s transforms, per core (bands: over
    SPECTRAL_BAND_GAIN)."""
    k, l0, l1 = spectral_plan(shape, wshape, itemsize, anchor, zero)
    work = k * l0 * l1 * math.log2(max(l0 * l1, 2))
    return work if k == 1 else work / (min(k, cores()) * SPECTRAL_BAND_GAIN)


def spectral_args(p: Problem) -> tuple:
    """(shape, wshape, itemsize, anchor, zero): what :func:`spectral_plan` is given for
    problem ``p`` as the engine filters it (:func:`~._anchor.anchored`: the image in
    place with its anchor, or the extended region with anchor 0 and zeros beyond)."""
    from ._anchor import _layout

    c, wshape = p.canon, filter_shape(p)
    ok, anchor, _ = _layout(c, wshape, p.x.shape, bool(p.cval != 0), tuple(_borders()))
    if ok:
        return p.x.shape, wshape, p.x.dtype.itemsize, anchor, c.boundary == "constant"
    return (tuple(b - a for a, b in p.region()), wshape, p.x.dtype.itemsize,
            (0,) * p.ndim, True)


def spectral_units(p: Problem) -> float:
    """:func:`spectral_work` for problem ``p`` (:func:`spectral_args`)."""
    return spectral_work(*spectral_args(p))


def spectral(src: np.ndarray, w: np.ndarray, anchor: tuple, border: int) -> np.ndarray:
    """What ``cv2.filter2D(src, -1, w, anchor, border)`` computes on its DFT path, as one
    transform of the whole image (small images), with the kernel's spectrum kept.

    ``dst[i, j] = sum_{a, b} w[a, b] E[i + a, j + b]`` with ``E`` the image
    extended by ``anchor`` lines before and ``M - 1 - anchor`` after
    (``cv2.copyMakeBorder`` with ``border``), padded to a fast DFT length
    (:func:`dft_length`) ``L >= N + M - 1`` per axis: the circular
    convolution of ``E`` with the flipped kernel at ``i + M - 1`` reads only
    ``E[i .. i + M - 1]``, so nothing wraps.  With BORDER_CONSTANT the image
    is not extended: it sits at the start of a transform of ``L >= N +
    max(anchor, M - 1 - anchor)`` (and ``>= M``), whose zeros past it are the
    extension on both sides, and the kernel's spectrum is that of the flipped
    kernel turned by ``M - 1 - anchor``, so output ``i`` is element ``i``
    (:func:`spectral_plan`).  Large images go in row bands, one per core
    (SPECTRAL_BANDS).  OpenCV's own DFT path also transforms the kernel on every call; a
    kernel seen before (same bytes) reuses its spectrum.  Rounding as
    OpenCV's DFT path (of order eps * sum |w||x|); NaN/inf anywhere spread
    over the whole output (over its band).

    >>> import numpy as np, cv2
    >>> x = np.random.default_rng(0).random((100, 90))
    >>> w = np.random.default_rng(1).random((9, 7))
    >>> y = spectral(x, w, (4, 3), cv2.BORDER_REFLECT_101)
    >>> ref = cv2.filter2D(x, -1, w, anchor=(3, 4), borderType=cv2.BORDER_REFLECT_101)
    >>> bool(np.abs(y - ref).max() < 1e-12)
    True
    """
    import cv2

    (n0, n1), (m0, m1) = src.shape, w.shape
    zero = border == cv2.BORDER_CONSTANT
    k, l0, l1 = spectral_plan(src.shape, w.shape, src.dtype.itemsize, anchor, zero)
    if k > 1:
        return _spectral_bands(src, w, anchor, border, k, l0, l1)
    flags = cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE
    if zero:
        spec = _kernel_spectrum(w, l0, l1, src.dtype, (m0 - 1 - anchor[0], m1 - 1 - anchor[1]))
        b = _work_arrays((l0, l1), src.dtype)
        e = cv2.copyMakeBorder(src, 0, l0 - n0, 0, l1 - n1, border, dst=b[0])
        z = cv2.idft(cv2.mulSpectrums(cv2.dft(e, dst=b[1]), spec, 0, c=b[0]), dst=b[1],
                     flags=flags)
        return z[:n0, :n1].copy()  # not a view of b
    spec = _kernel_spectrum(w, l0, l1, src.dtype)
    # two work arrays per thread, written in place: fresh ones for each transform
    # fault their pages in on every call (128^2 float64 with 63^2: 550 us against 215)
    b = _work_arrays((l0, l1), src.dtype)
    # the lines past E only reach outputs that are cut off: the border fills them
    e = cv2.copyMakeBorder(src, anchor[0], l0 - n0 - anchor[0], anchor[1],
                           l1 - n1 - anchor[1], border, dst=b[0])
    z = cv2.idft(cv2.mulSpectrums(cv2.dft(e, dst=b[1]), spec, 0, c=b[0]), dst=b[1],
                 flags=flags)
    return z[m0 - 1:m0 - 1 + n0, m1 - 1:m1 - 1 + n1].copy()  # not a view of b


def _spectral_bands(src, w, anchor, border, k, l0, l1) -> np.ndarray:
    """:func:`spectral` in ``k`` row bands, one per thread: band ``[a, b)`` transforms
    rows ``a .. b + M0 - 2`` of the extended image (``l0`` x ``l1``)."""
    import cv2

    (n0, n1), (m0, m1) = src.shape, w.shape
    zero = border == cv2.BORDER_CONSTANT
    # zeros beyond: each band copies its rows of the image into place itself (the
    # extended image is not made: 512^2 float64, best of 30 alternating, 63x63 4.24
    # ms -> 4.03, 31x31 3.62 -> 3.16; the same bits)
    e = None if zero else cv2.copyMakeBorder(src, anchor[0], m0 - 1 - anchor[0], anchor[1],
                                             m1 - 1 - anchor[1], border)
    spec = _kernel_spectrum(w, l0, l1, src.dtype)
    out = np.empty_like(src)
    edges = [round(i * n0 / k) for i in range(k + 1)]
    flags = cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE
    width = n1 + m1 - 1

    def band(i):
        a, b = edges[i], edges[i + 1]
        q = b - a + m0 - 1
        buf, tmp = _work_arrays((l0, l1), src.dtype)
        if zero:  # extended rows a .. a + q - 1 are image rows a - anchor0 .. (or zeros)
            r0 = a - anchor[0]
            lo, hi = max(r0, 0) - r0, min(r0 + q, n0) - r0
            buf[:lo] = 0
            buf[hi:] = 0
            buf[lo:hi, :anchor[1]] = 0
            buf[lo:hi, anchor[1]:anchor[1] + n1] = src[r0 + lo:r0 + hi]
            buf[lo:hi, anchor[1] + n1:] = 0
        else:
            buf[:q, :width] = e[a:a + q]
            buf[q:] = 0
            buf[:q, width:] = 0
        z = cv2.idft(cv2.mulSpectrums(cv2.dft(buf, dst=tmp), spec, 0, c=buf), dst=tmp,
                     flags=flags)
        out[a:b] = z[m0 - 1:m0 - 1 + b - a, m1 - 1:m1 - 1 + n1]

    futures = [_pool().submit(band, i) for i in range(1, k)]
    band(0)
    for f in futures:
        f.result()
    return out


def _kernel_spectrum(w: np.ndarray, l0: int, l1: int, dtype, shift=(0, 0)) -> np.ndarray:
    """The DFT (OpenCV's packed real format) of the flipped kernel padded to l0 x l1 and
    turned back by ``shift`` (circularly), kept per kernel bytes, shape, dtypes, size
    and shift (:func:`~.fft.kept`)."""
    import cv2

    def make():
        wf = np.zeros((l0, l1), dtype=dtype)
        wf[:w.shape[0], :w.shape[1]] = w[::-1, ::-1]
        if any(shift):
            wf = np.ascontiguousarray(np.roll(wf, (-shift[0], -shift[1]), axis=(0, 1)))
        return cv2.dft(wf)

    return kept(("cv2", w.shape, w.dtype.char, np.dtype(dtype).char, l0, l1, tuple(shift),
                 w.tobytes()), make)


def _work_arrays(shape: tuple, dtype) -> tuple:
    """This thread's two work arrays of ``shape`` (kept between calls)."""
    b = getattr(_WORK, "b", None)
    if b is None or b[0].shape != shape or b[0].dtype != dtype:
        b = _WORK.b = (np.empty(shape, dtype), np.empty(shape, dtype))
    return b


def takes_tiles(shape: tuple, w_size: int, itemsize: int) -> bool:
    """True when :func:`filter2d` computes a DFT-path request by :func:`spectral_tiles`:
    float32 2-D images larger than SPECTRAL_MAX pixels."""
    return (itemsize in TILES_DTYPES and len(shape) == 2 and shape[0] > 1
            and uses_dft(w_size, itemsize) and math.prod(shape) > SPECTRAL_MAX.get(itemsize, 0))


def tile_size(wshape: tuple) -> tuple:
    """Per axis, the transform length of :func:`spectral_tiles`' tiles: a
    :func:`dft_length` of at least TILE and TILE_PER_TAP kernel lengths.

    >>> tile_size((31, 31)), tile_size((63, 63)), tile_size((1, 45))
    ((384, 384), (576, 576), (384, 480))
    """
    return tuple(dft_length(max(TILE, TILE_PER_TAP * m, 2 * m)) for m in wshape)


def spectral_tiles(src: np.ndarray, w: np.ndarray, anchor: tuple, border: int) -> np.ndarray:
    """:func:`spectral` in tiles (overlap-save), taken in turn by two threads.

    The image is extended once (``cv2.copyMakeBorder``); each tile of
    ``L - M + 1`` outputs per axis (``L`` from :func:`tile_size`) transforms
    its ``L`` extended lines, multiplies by the kernel's spectrum (kept, as in
    :func:`spectral`) and keeps the outputs that nothing wrapped into.  The
    tiles go to whichever thread is free, so a core taken by another process
    slows the call by its share of the tiles, not by a fixed half.  NaN/inf
    spread over the tiles that read them.

    >>> import numpy as np, cv2
    >>> x = np.random.default_rng(0).random((700, 650)).astype(np.float32)
    >>> w = np.random.default_rng(1).random((31, 17)).astype(np.float32)
    >>> y = spectral_tiles(x, w, (15, 8), cv2.BORDER_REFLECT)
    >>> ref = cv2.filter2D(x, -1, w, anchor=(8, 15), borderType=cv2.BORDER_REFLECT)
    >>> bool(np.abs(y - ref).max() < 1e-5 * np.abs(ref).max())
    True
    """
    import cv2

    (n0, n1), (m0, m1) = src.shape, w.shape
    l0, l1 = tile_size(w.shape)
    t0, t1 = l0 - m0 + 1, l1 - m1 + 1
    spec = _kernel_spectrum(w, l0, l1, src.dtype)
    e = cv2.copyMakeBorder(src, anchor[0], m0 - 1 - anchor[0], anchor[1], m1 - 1 - anchor[1],
                           border)
    out = np.empty_like(src)
    jobs = iter([(i, j) for i in range(0, n0, t0) for j in range(0, n1, t1)])
    lock = threading.Lock()
    flags = cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE

    def work():
        buf, tmp = _work_arrays((l0, l1), src.dtype)
        while True:
            with lock:
                job = next(jobs, None)
            if job is None:
                return
            i, j = job
            r0, r1 = min(t0, n0 - i), min(t1, n1 - j)
            q0, q1 = r0 + m0 - 1, r1 + m1 - 1
            buf[:q0, :q1] = e[i:i + q0, j:j + q1]
            buf[q0:] = 0  # a short last tile: zeros, not the previous tile's values
            buf[:q0, q1:] = 0
            z = cv2.idft(cv2.mulSpectrums(cv2.dft(buf, dst=tmp), spec, 0, c=buf), dst=tmp,
                         flags=flags)
            out[i:i + r0, j:j + r1] = z[m0 - 1:m0 - 1 + r0, m1 - 1:m1 - 1 + r1]

    if cores() > 1 and n0 * n1 > t0 * t1:
        f = _pool().submit(work)
        work()
        f.result()
    else:
        work()
    return out


def filter2d(src: np.ndarray, w: np.ndarray, anchor: tuple, border: int,
             k: int | None = None) -> np.ndarray:
    """``cv2.filter2D(src, -1, w, anchor, border)``, its DFT path split over the cores.

    ``dst[i, j] = sum_{a, b} w[a, b] src[i + a - anchor[0], j + b - anchor[1]]``
    (outside values by ``border``), same shape as ``src``.  Band ``k`` (of
    rows; of columns for a single row) filters its own lines plus the
    ``anchor`` lines before and ``M - 1 - anchor`` after it, in place in the
    output; those extra lines are filtered as if they were the band's edge,
    so the lines around each seam are filtered again from a thin strip with
    real lines on both sides, and written last.  A single row of fewer than
    MARGIN_BELOW_1D samples is split without seams: each band filters its
    stretch with the same extra samples into an array of its own and copies
    out only its own outputs, whose windows lie inside the stretch.  ``k``:
    the number of bands (default :func:`bands`).

    >>> import numpy as np, cv2
    >>> x = np.random.default_rng(0).random((1024, 512)).astype(np.float32)
    >>> w = np.random.default_rng(1).random((17, 17)).astype(np.float32)
    >>> y = filter2d(x, w, (8, 8), cv2.BORDER_REFLECT)
    >>> ref = cv2.filter2D(x, -1, w, anchor=(8, 8), borderType=cv2.BORDER_REFLECT)
    >>> bool(np.abs(y - ref).max() < 1e-3)
    True
    """
    import cv2

    if k is None:
        k = bands(src.shape, w.shape, src.dtype.itemsize)
    cv_anchor = (anchor[1], anchor[0])
    if k == 1:
        way = dft_way(src.shape, w.shape, src.dtype.itemsize)
        if way == "spectral":
            return spectral(src, w, anchor, border)
        if way == "tiles":
            return spectral_tiles(src, w, anchor, border)
        return cv2.filter2D(src, -1, w, anchor=cv_anchor, borderType=border)
    axis = 1 if src.shape[0] == 1 else 0
    n = src.shape[axis]
    before, after = anchor[axis], w.shape[axis] - 1 - anchor[axis]
    out = np.empty_like(src)
    edges = [round(i * n / k) for i in range(k + 1)]

    def lines(a, b):
        return (slice(a, b),) if axis == 0 else (slice(None), slice(a, b))

    margin = axis == 1 and seamless(src.shape)

    def band(i):
        a, b = edges[i], edges[i + 1]
        s0, s1 = max(a - before, 0), min(b + after, n)
        if margin:  # its own array: the extra samples' outputs are not kept
            part = cv2.filter2D(src[:, s0:s1], -1, w, anchor=cv_anchor, borderType=border)
            out[:, a:b] = part[:, a - s0:b - s0]
            return
        sl = lines(s0, s1)
        cv2.filter2D(src[sl], -1, w, dst=out[sl], anchor=cv_anchor, borderType=border)

    futures = [_pool().submit(band, i) for i in range(1, k)]
    band(0)
    for f in futures:
        f.result()
    if margin:
        return out
    for h in edges[1:-1]:  # lines h - before .. h + after - 1 were written by two bands
        r0, r1 = max(h - before, 0), min(h + after, n)
        if r0 == r1:
            continue
        s0, s1 = max(r0 - before, 0), min(r1 + after, n)
        seam = cv2.filter2D(src[lines(s0, s1)], -1, w, anchor=cv_anchor, borderType=border)
        out[lines(r0, r1)] = seam[lines(r0 - s0, r1 - s0)]
    return out


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

    def refuses_values(self, p: Problem) -> str | None:
        from .choose import finite

        if skips_zero_taps(p.w) and not finite(p):
            return ("cv2.filter2D leaves the kernel's zero taps out of its sums, so NaN/inf "
                    "in the data would not give NaN under them as the defining sum does "
                    "(0 * inf is NaN); use method='auto' or 'direct'")
        if takes_dft(p) and not finite(p):
            return ("with this many taps cv2.filter2D takes its DFT path, which spreads "
                    "NaN/inf over the output; use method='auto' or 'direct'")
        return None

    def run(self, p: Problem) -> np.ndarray:
        if p.ndim == 1:
            return self.run(as_row(p))[0]
        if 0 in p.out_shape:
            return np.zeros(p.out_shape, dtype=p.x.dtype)
        wd = dilate(p.w, p.canon.dilation)
        if wd.dtype != p.x.dtype or not wd.flags.c_contiguous:
            wd = np.ascontiguousarray(wd, dtype=p.x.dtype)
        src, anchor, border, keep = anchored(p, _borders(), wd.shape)
        dst = filter2d(src, wd, anchor, border)
        if dst.shape == p.canon.out_shape:  # filtered in place: nothing to cut
            return dst
        return np.ascontiguousarray(dst[keep])


register(OpenCV())
