"""FFT engines: one transform of the needed size (``fft``) and overlap-add (``oa``).

``fft`` computes the canonical correlation as a circular convolution with
the reversed, dilated kernel, of per-axis length ``L = next_fast_len(...)``
just large enough that no output it keeps is wrapped (for ``valid`` that is
the image's own length, not ``N + M - 1``), with scipy.fft's real
transforms (``rfftn``/``irfftn``; complex data uses ``fftn``) on every core
(``workers``).  For ``constant`` boundaries with ``cval=0`` the image is not
padded in memory: the transform's zero padding is the extension.  ``oa``
is scipy.signal.oaconvolve on the extended region (long signals, small
kernels against large images).

A kernel's spectrum is kept (up to SPECTRA_BYTES in all) for the next call
with the same kernel values and transform lengths, which then makes two
transforms instead of three.

Neither is exact: the result differs from direct summation by rounding of
order ``eps * log2(L) * sum_r |x||w|`` (eps of the working dtype; float32
stays float32 and has float32's eps), and one NaN or inf spreads over the
whole output, so ``method="auto"`` never sends integer or non-finite data
here.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict

import numpy as np

from ._base import Engine, Problem, extend, register

WORKERS = os.cpu_count() or 1
SERIAL_BELOW = 2**17  # transform points under which one worker is faster
# Kernel spectra kept for the next call with the same kernel (bytes, shape, dtype)
# and transform lengths: one of the three transforms of a call (also OpenCV's, see
# opencv.spectral).  At most this many bytes in all (least recently used dropped
# first); larger spectra are not kept.
SPECTRA_BYTES = 64 * 2**20
_SPECTRA: OrderedDict = OrderedDict()
_SPECTRA_LOCK = threading.Lock()


def spectrum(w: np.ndarray, lens: tuple, workers: int, real: bool) -> np.ndarray:
    """``rfftn(w, lens)`` (``fftn`` when not ``real``), kept for the next call with the
    same kernel values and lengths (read-only).

    >>> w = np.arange(6.0).reshape(2, 3)
    >>> s = spectrum(w, (4, 4), 1, True)
    >>> bool(np.allclose(s, np.fft.rfftn(w, (4, 4), axes=(0, 1))))
    True
    >>> spectrum(w, (4, 4), 1, True) is s
    True
    """
    import scipy.fft as sf

    f = sf.rfftn if real else sf.fftn
    key = ("scipy", w.shape, w.dtype.str, tuple(lens), real, w.tobytes())
    return kept(key, lambda: f(w, lens, axes=tuple(range(w.ndim)), workers=workers))


def kept(key, make) -> np.ndarray:
    """``make()``, a kernel's spectrum, kept under ``key`` for the next call (read-only).

    Shared by the FFT engine and OpenCV's DFT paths: at most SPECTRA_BYTES in
    all, least recently used dropped first; a spectrum over half of that is
    not kept.

    >>> kept(("doc", 1), lambda: np.ones(3)) is kept(("doc", 1), lambda: np.zeros(3))
    True
    """
    with _SPECTRA_LOCK:
        hit = _SPECTRA.get(key)
        if hit is not None:
            _SPECTRA.move_to_end(key)
            return hit
    spec = make()
    spec.flags.writeable = False
    if spec.nbytes <= SPECTRA_BYTES // 2:
        with _SPECTRA_LOCK:
            _SPECTRA[key] = spec
            total = sum(v.nbytes for v in _SPECTRA.values())
            while total > SPECTRA_BYTES:
                total -= _SPECTRA.popitem(last=False)[1].nbytes
    return spec


def dilate(w: np.ndarray, dilation) -> np.ndarray:
    """The kernel with ``dilation - 1`` zeros between taps on each axis."""
    if all(d == 1 for d in dilation):
        return w
    shape = tuple(d * (n - 1) + 1 for d, n in zip(dilation, w.shape))
    out = np.zeros(shape, dtype=w.dtype)
    out[tuple(slice(None, None, d) for d in dilation)] = w
    return out


def _reversed(w: np.ndarray) -> np.ndarray:
    return w[tuple(slice(None, None, -1) for _ in range(w.ndim))]


def _layout(p: Problem):
    """(pad_in_transform, shape, base): the array the transform reads and output 0's offset."""
    c = p.canon
    wshape = tuple(d * (m - 1) + 1 for d, m in zip(c.dilation, p.w.shape))
    ok = c.boundary == "constant" and p.cval == 0
    if ok:
        for n, m, p0, s, k in zip(p.x.shape, wshape, c.p0, c.stride, c.out_shape):
            k0 = p0 + m - 1
            if k0 < 0 or k0 + s * (k - 1) > n + m - 2:
                ok = False
    if ok:
        return True, p.x.shape, c.p0, wshape
    return False, c.span(p.w.shape), (0,) * p.ndim, wshape


def fft_plan_lengths(p: Problem) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(offsets, lengths) of :func:`fft_plan`, without touching the data."""
    from scipy.fft import next_fast_len

    c = p.canon
    real = p.x.dtype.kind != "c" and p.w.dtype.kind != "c"
    _, shape, base, wshape = _layout(p)
    offs, lens = [], []
    for n, m, p0, s, k in zip(shape, wshape, base, c.stride, c.out_shape):
        k0 = p0 + m - 1
        k1 = k0 + s * (k - 1)
        need = max(n, k1 + 1, n + m - 1 - k0, 1)
        lens.append(next_fast_len(need, real=real))
        offs.append(k0)
    return tuple(offs), tuple(lens)


def fft_plan(p: Problem):
    """(array, offsets, lengths): what ``fft`` transforms for problem ``p``.

    ``array`` is the image itself (constant 0 extension, the transform pads)
    or the materialised extended region; per axis, output ``n`` is element
    ``offset + stride*n`` of the circular convolution of length ``length``.
    """
    in_transform = _layout(p)[0]
    a = p.x if in_transform else extend(p.x, p.region(), p.canon.boundary, p.cval)
    return (a, *fft_plan_lengths(p))


class FFT(Engine):
    name = "fft"
    exact = False
    doc = "scipy.fft real transforms of the needed fast length, all cores; rounding ~eps*sum|x||w|"

    def run(self, p: Problem) -> np.ndarray:
        import scipy.fft as sf

        c = p.canon
        if any(k == 0 for k in c.out_shape):
            return np.zeros(c.out_shape, dtype=p.x.dtype)
        a, offs, lens = fft_plan(p)
        wf = _reversed(dilate(p.w, c.dilation))
        axes = tuple(range(p.ndim))
        # a second worker only pays on large transforms (measured: 130^2 points take
        # 114 us on one worker, 303 us on two; 576^2 1.6 ms vs 1.1 ms)
        workers = WORKERS if np.prod(lens, dtype=float) >= SERIAL_BELOW else 1
        if a.dtype.kind != "c" and wf.dtype.kind != "c":
            spec = sf.rfftn(a, lens, axes=axes, workers=workers)
            spec *= spectrum(wf, lens, workers, True)
            full = sf.irfftn(spec, lens, axes=axes, workers=workers)
        else:
            spec = sf.fftn(a, lens, axes=axes, workers=workers)
            spec *= spectrum(wf, lens, workers, False)
            full = sf.ifftn(spec, lens, axes=axes, workers=workers)
        sl = tuple(slice(o, o + s * (k - 1) + 1, s) for o, s, k in
                   zip(offs, c.stride, c.out_shape))
        return np.asarray(full[sl], dtype=p.x.dtype)


class OverlapAdd(Engine):
    name = "oa"
    exact = False
    doc = "scipy.signal.oaconvolve on the extended region (long signals, small kernels)"

    def run(self, p: Problem) -> np.ndarray:
        from scipy.signal import oaconvolve

        c = p.canon
        if any(k == 0 for k in c.out_shape):
            return np.zeros(c.out_shape, dtype=p.x.dtype)
        xe = extend(p.x, p.region(), c.boundary, p.cval)
        z = oaconvolve(xe, _reversed(dilate(p.w, c.dilation)), mode="valid")
        z = z[tuple(slice(None, None, s) for s in c.stride)]
        return np.asarray(z, dtype=p.x.dtype)


register(FFT())
register(OverlapAdd())
