"""Overlap-save engine: the canonical correlation by FFTs of small tiles, in batches.

The output window (``K`` per axis) is cut into blocks of ``B`` outputs; the
block needs ``T = B + M - 1`` extended-image samples per axis (``M`` the
dilated kernel's size), and its outputs are the first ``B`` samples of the
circular correlation of length ``T``, which no wrap-around reaches::

    z[n] = sum_r xe[n + r] w[r] = irfft(rfft(tile) * conj(rfft(w, T)))[n],  0 <= n < B

Tiles are strided views of the extended image (no per-tile copies of ours);
one batch of tile rows at a time goes through scipy.fft's batched real
transforms (``rfftn``/``irfftn`` over the tile axes, ``workers`` threads),
so a batch's transforms stay in cache where one whole-image transform
(:mod:`~kernelflip.engines.fft`) streams through memory on every pass.
Only the boundary-extended strip of a batch is materialised.  ``T`` is
chosen per request by :func:`tile_shape` (operation count of the
transforms, with a penalty for tiles that leave the L2 cache).

Real floats only (float32 stays float32), stride 1 (a stride would compute
every skipped output).  Not exact: rounding of order
``eps * log2(T) * sum_r |x||w|``, like any FFT path, and a NaN or inf spreads
over its tile, so ``method="auto"`` sends no integer or non-finite data here.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ._base import Engine, Problem, extend, register
from .fft import WORKERS, dilate, kept

# Batches hold about this many input bytes (a few tiles: they and their
# spectra stay in the two cores' L2 + L3).
BATCH_BYTES = 4 * 2**20
# Tiles whose real input exceeds this are charged TILE_SPILL times their
# operation count (their column passes leave L2).
TILE_SPILL_BYTES = 2**19
TILE_SPILL = 1.5
# 1-D tiles of more points than this are charged TILE_SPILL too, whatever their bytes.
# 2026-11-27, Intel Xeon VM, 4097 taps, best of repeats: 1e5 float64 samples 1.55-1.69
# ms with tiles of 10240-32768 points against 2.40 with 36864 and 3.23 with 65536;
# float32 1.05-1.07 with 10240 and 16384 against 1.42-1.92 with 20480-36864; 3e4
# samples 0.58-0.72 with 10240-12288 against 0.81-0.85 with 20480.  Past 4x this,
# TILE_SPILL twice: 16385 taps at 1e5 float32 samples took 2.42 ms with 40960 points
# against 3.13 with 81920.
TILE_SPILL_POINTS_1D = 16384
# Points of a batch's last axis (tile points x tiles) from which the transforms run
# on all workers.
PARALLEL_POINTS = 2**15
# Fixed cost of one tile's pair of transforms, in the same units (about 0.3 us).
TILE_OVERHEAD = 1000
# Candidate block lengths (outputs per tile and axis) before rounding the tile
# up to a fast FFT length.
_BLOCKS = (8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 2048, 4096,
           8192, 16384, 32768, 65536)


@lru_cache(maxsize=256)
def tile_shape(k_shape: tuple, m_shape: tuple, itemsize: int) -> tuple[tuple, float]:
    """(T, work): the tile lengths for outputs ``k_shape`` and kernel ``m_shape``, and the
    work of the whole computation in units of ``P log2 P`` (P points per tile).

    >>> from scipy.fft import next_fast_len
    >>> T, work = tile_shape((2048, 2048), (31, 31), 4)
    >>> all(t == next_fast_len(t, real=True) and t - 31 + 1 >= 31 for t in T)
    True
    """
    from scipy.fft import next_fast_len

    best = None
    for b in _BLOCKS:
        T = tuple(min(next_fast_len(m - 1 + b, real=True), next_fast_len(k + m - 1, real=True))
                  for k, m in zip(k_shape, m_shape))
        n = math.prod(-(-k // (t - m + 1)) for k, t, m in zip(k_shape, T, m_shape))
        P = math.prod(T)
        if len(T) == 1 and P * n >= PARALLEL_POINTS:  # the workers share one batch: 3
            n = -(-n // WORKERS) * WORKERS  # tiles on two workers take as long as 4
        work = n * (P * math.log2(max(P, 2)) + TILE_OVERHEAD)
        if len(T) == 1 and P > TILE_SPILL_POINTS_1D:  # twice past 4x that
            work *= TILE_SPILL ** (2 if P > 4 * TILE_SPILL_POINTS_1D else 1)
        elif P * itemsize > TILE_SPILL_BYTES:
            work *= TILE_SPILL
        if best is None or work < best[1]:
            best = (T, work)
    return best


def ols_work(p: Problem) -> float:
    """The cost feature of this engine for problem ``p`` (see :func:`tile_shape`)."""
    c = p.canon
    m = tuple(d * (k - 1) + 1 for d, k in zip(c.dilation, p.w.shape))
    return tile_shape(tuple(c.out_shape), m, p.x.dtype.itemsize)[1]


def kernel_spectrum(wd: np.ndarray, T: tuple) -> np.ndarray:
    """``conj(rfftn(wd, T))``, the tiles' kernel factor, kept for the next call with the
    same kernel values and tiles (:func:`.fft.kept`, shared with the FFT engine).

    A 4097-tap kernel's spectrum at T = 20480 costs about 0.2 ms, a tenth of a
    1e5-sample signal's whole overlap-save.

    >>> w = np.arange(5.0)
    >>> a = kernel_spectrum(w, (16,))
    >>> bool(np.allclose(a, np.conj(np.fft.rfft(w, 16)))), kernel_spectrum(w.copy(), (16,)) is a
    (True, True)
    """
    import scipy.fft as sf

    key = ("ols", wd.shape, wd.dtype.str, tuple(T), wd.tobytes())
    return kept(key, lambda: np.conj(sf.rfftn(wd, T, axes=tuple(range(-wd.ndim, 0)))))


class OverlapSave(Engine):
    name = "ols"
    exact = False
    doc = "overlap-save: batched scipy.fft transforms of cache-sized tiles (real floats)"

    def refuses(self, p: Problem) -> str | None:
        if p.exact:
            return "integer data needs an exact engine"
        if p.x.dtype.kind != "f" or p.w.dtype.kind != "f":
            return f"dtype {p.x.dtype}: the tiles use real transforms (fft takes complex)"
        if any(s != 1 for s in p.canon.stride):
            return f"stride {p.canon.stride}: the tiles would compute every skipped output"
        return None

    def run(self, p: Problem) -> np.ndarray:
        import scipy.fft as sf
        from numpy.lib.stride_tricks import sliding_window_view

        c = p.canon
        K = tuple(c.out_shape)
        if any(k == 0 for k in K):
            return np.zeros(K, dtype=p.x.dtype)
        wd = dilate(p.w, c.dilation)
        M = wd.shape
        d = p.ndim
        T, _ = tile_shape(K, M, p.x.dtype.itemsize)
        B = tuple(t - m + 1 for t, m in zip(T, M))
        nt = tuple(-(-k // b) for k, b in zip(K, B))
        axes = tuple(range(-d, 0))
        workers = WORKERS if math.prod(T) * nt[-1] >= PARALLEL_POINTS else 1
        spec_w = kernel_spectrum(wd, T)
        out = np.empty(K, dtype=p.x.dtype)
        perm = tuple(ax for i in range(d) for ax in (i, d + i))
        per_row = math.prod(nt[1:]) * math.prod(T) * p.x.itemsize
        rows = max(1, BATCH_BYTES // per_row)
        first = [a for a, _ in p.region()]
        lead = tuple(slice(None, b) for b in B)
        for i in range(0, nt[0], rows):
            j = min(i + rows, nt[0])
            # the extended image under tile rows i..j-1 (positions past the region
            # feed only discarded outputs of the last tiles)
            sub = [(first[0] + i * B[0], first[0] + j * B[0] + M[0] - 1)]
            sub += [(a, a + n * b + m - 1) for a, n, b, m in zip(first[1:], nt[1:], B[1:], M[1:])]
            strip = extend(p.x, sub, c.boundary, p.cval)
            tiles = sliding_window_view(strip, T)[tuple(slice(None, None, b) for b in B)]
            spec = sf.rfftn(tiles, T, axes=axes, workers=workers)
            spec *= spec_w
            z = sf.irfftn(spec, T, axes=axes, workers=workers)
            # the batch's outputs in place, cut to the window (a copy that stays in cache;
            # cutting the whole output at the end would copy all of it once more)
            r0, r1 = i * B[0], min(j * B[0], K[0])
            if d == 1:  # straight into the output, whole blocks as rows of B
                full = (r1 - r0) // B[0]
                out[r0:r0 + full * B[0]].reshape(full, B[0])[...] = z[:full, :B[0]]
                out[r0 + full * B[0]:r1] = z[full:full + 1, :r1 - r0 - full * B[0]].ravel()
                continue
            z = z[(Ellipsis, *lead)].transpose(perm)
            z = z.reshape(tuple(n * b for n, b in zip((j - i, *nt[1:]), B)))
            out[r0:r1] = z[(slice(None, r1 - r0), *(slice(None, k) for k in K[1:]))]
        return out


register(OverlapSave())
