"""torch tensors in, torch tensors out (CPU or CUDA), and batched CNN-style convolution.

CuPy arrays are taken too: they enter torch through DLPack (no copy, same
device), go through the same paths, and the result comes back as a CuPy
array on that device.

:func:`convolve` and :func:`correlate` take torch tensors and keep them on
their device: the index plan is the same as for numpy
(:func:`kernelflip.make_plan`; plain tensors are taken as centred), the
extension is done on the device (``torch.nn.functional.pad`` for constant
boundaries, an index gather for the others) and the canonical correlation
is computed by :func:`choose_tensor_method`'s pick: ``conv{1,2,3}d``
(cuDNN on CUDA), real FFTs padded to fast lengths, a direct kernel of
kernelflip's own written in Triton (CUDA tensors; :mod:`.gpu_stencil`),
or, on request, a polyphase multi-channel ``conv`` (cuDNN's single-channel
kernels are slow for 5x5 and 3-D kernels; it rounds to TF32).  They return a
:class:`TensorResult` ``(values, start, step)`` whose ``values`` is a
tensor on the input's device; ``kernelflip.convolve`` itself returns numpy.
Integer and complex tensors go through the exact numpy engines and come
back as tensors on the same device (cuDNN has no exact integer path).

:func:`conv_nn` is the CNN layer: ``y[n, o] = sum_c x[n, c] (*) w[o, c]``
(standard cross-correlation, PyTorch's convention) with stride, zero
padding, dilation and groups; tensors go to torch, numpy arrays go through
torch on the CPU when it is installed, else through kernelflip's own
engines (one 2-D correlation per (n, o, c)).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError
from ..lattice import centered_start
from ..plan import extend_positions, make_plan

_TENSOR = [None, None]  # torch.Tensor and conv2d, once torch has been seen (a fast path)


class TensorResult(NamedTuple):
    """A tensor result on a signed lattice: ``values[k]`` has index ``start + step*k``."""

    values: object
    start: tuple
    step: tuple


def is_cupy(a) -> bool:
    """True for a CuPy array (by its class's module: CuPy is never imported here)."""
    return type(a).__module__.partition(".")[0] == "cupy"


def _from_cupy(x, h):
    """CuPy operands as torch tensors on the same device, sharing memory (DLPack).

    A numpy or list operand next to a CuPy one is copied to that device.
    """
    import torch

    tx = torch.from_dlpack(x) if is_cupy(x) else None
    th = torch.from_dlpack(h) if is_cupy(h) else None
    dev = (tx if tx is not None else th).device
    if tx is None:
        tx = x if is_tensor(x) else torch.as_tensor(np.asarray(x), device=dev)
    if th is None:
        th = h if is_tensor(h) else torch.as_tensor(np.asarray(h), device=dev)
    return tx, th


def _to_cupy(res: TensorResult) -> TensorResult:
    import sys

    cupy = sys.modules["cupy"]  # loaded: the caller passed a CuPy array
    return TensorResult(cupy.from_dlpack(res.values.contiguous()), res.start, res.step)


def is_tensor(a) -> bool:
    """True for a torch.Tensor (without importing torch when it is not loaded)."""
    t = _TENSOR[0]
    if t is None:
        import sys

        torch = sys.modules.get("torch")
        if torch is None:
            return False
        _TENSOR[:] = [torch.Tensor, torch.nn.functional.conv2d]
        t = torch.Tensor
    return isinstance(a, t)


# --- method choice -----------------------------------------------------------------------
#
# Cost model of one single-channel float32 call on a CUDA device, in seconds, fitted by hand
# to H200 runs of bench/gpu.py (torch 2.11, cuDNN 9.19, Triton 3.6, cudnn.benchmark on):
# phase from the earlier runs' method tables, the rest from the fourth and fifth
# runs (2026-11-26, 16:34 and 16:40; BENCHMARKS.md quotes the fifth).
# Every time below is a synchronised call's wall time (best of repeats), so the intercepts
# hold the launch and synchronisation floor (cuDNN alone: 34 us at 256^2 with 3x3).
# - direct (cuDNN, the kernel flipped by one more launch for a convolution): 45 us + out *
#   (3.7 ps + 0.5 ps * taps).  Intercept and per-output term from the seventh run (256^2 3x3
#   0.047 ms, 2048^2 0.082, 4096^2 0.183; the fourth run's fit, 30 us and 4.5 ps, sent 256^2
#   3x3 to cuDNN where the Triton kernel took 0.039), the per-tap term from the fourth (2048^2
#   k11 0.327 ms, k31 1.915).  cuDNN's single-channel kernels are far slower on 2-D kernels of
#   10..25 taps (5x5: 0.51-0.56 ms, model 0.113 -> factor 4.7; 7x7 less so: 0.18-0.20 ms, 1.15)
#   and on 3-D ones (3^3: 0.31 ms, model 0.081 -> 3.9; 5^3 0.28 ms and 9^3 1.13-1.20 ms, 1.54
#   and 1.42 -> 1.5).
# - stencil (the Triton kernel of gpu_stencil, blocks 1x8x128 in 2-D, 2x8x64 in 3-D): 44 us + out *
#   (0.5 ps + 0.52 ps * taps), same run: 2048^2 k3..k31, 4096^2 k3/k11 and 128^3 k3/k5/k9 within 10
#   % (its launch costs about 15 us more than cuDNN's); the fifth run within 25 % (2048^2 k3
#   0.081-0.087 ms, 4096^2 k3 0.158).  1-D is not measured: the 2-D constants.
# - phase (polyphase, r = 4): a + b * (input elements) + c * (multiply-adds): 2-D 75 us, 17.8 ps,
#   0.028 ps (2048^2 k5/k11/k31 and 4096^2 k3/k11 within 5 %); 3-D 75 us, 35 ps, 0.006 ps (128^3 k3
#   0.155 ms, k9 0.170 ms).  cuDNN runs these multi-channel convolutions in TF32 when
#   torch.backends.cudnn.allow_tf32 is set (torch's default): measured error up to 5e-4 of max|y|.
#   Correctness first: auto takes phase only when AUTO_PHASE is set (off by default) and TF32 is
#   allowed, and only for float32; on request otherwise.
# - fft: a + b * L log2 L (L = product of the transform lengths), times 1.4 in 3-D: 30 us and 1.89
#   ps, fitted to the 7-smooth FFT column of the fifth H200 run: 2058^2 0.201-0.237 ms, 4116^2
#   0.79-0.82 ms, 135x135x140 0.18-0.19 ms.  The engine's FFT column of earlier runs was about twice
#   the peer's three transforms (0.40 against 0.21 ms at 2160^2) because it searched its fast
#   lengths on every call (50 us of Python per axis before the first launch, several hundred with
#   7-smooth lengths: that column took 0.94-0.99 ms where the peer's transforms at the same lengths
#   took 0.20); lengths and slices are now found once per signature.  Small
#   transforms are bound by their launches: never less than 0.17 ms (256^2 took 0.18-0.27 ms).
COST = {
    "direct": (45e-6, 3.7e-12, 0.5e-12),
    "direct_penalty": {(2, "mid"): 4.7, (2, "upper"): 1.15, (3, "small"): 3.9,
                       (3, "large"): 1.5},
    "fft": (30e-6, 1.89e-12),
    "fft_3d": 1.4,
    "fft_floor": 170e-6,  # launch-bound below: 256^2 0.18-0.27 ms, as much as 2058^2
    "phase": {2: (75e-6, 17.8e-12, 0.028e-12), 3: (75e-6, 35e-12, 0.006e-12)},
    "stencil": {1: (44e-6, 0.5e-12, 0.52e-12), 2: (44e-6, 0.5e-12, 0.52e-12),
                3: (44e-6, 0.5e-12, 0.52e-12)},
    "stencil_extend": 4e-12,  # per element of the extended copy (other boundaries; a guess)
}
CPU_FFT_TAPS = 121  # CPU tensors: FFT above this many taps (MKL-DNN direct below)
PHASE_R = {1: 16, 2: 4, 3: 4}  # polyphase factor per number of axes (1-D: not measured)
# auto never picks a method that rounds to TF32 unless the user opts in here
AUTO_PHASE = False
# 13-smooth lengths: on an H200 as fast as 7-smooth (within 5 %) on every row of the sixth run
# but one where faster (128^3 with 9^3: 132^3 0.154 ms against 135^2 x 140 0.180), and 7-smooth
# as fast or faster than 5-smooth on every row of the fifth (2048^2 with 11^2 0.206 vs 0.221
# ms, 4096^2 0.817 vs 0.996, 128^3 with 3^3 0.181 vs 0.253)
FFT_PRIMES = (2, 3, 5, 7, 11, 13)
METHODS = ("auto", "direct", "fft", "phase", "separable", "stencil")


def fast_len(n: int, primes=None) -> int:
    """Smallest m >= n whose prime factors are all in ``primes`` (``FFT_PRIMES``: 2 to 13).

    The FFT path pads each axis to such a length (cuFFT and pocketfft are fast on
    them; a prime length such as 2053 is many times slower).  Answers are kept
    (the search costs tens of microseconds, which a CUDA call cannot hide).

    >>> fast_len(2050), fast_len(4101), fast_len(129), fast_len(2048)
    (2058, 4116, 130, 2048)
    >>> fast_len(2050, primes=(2, 3, 5))
    2160
    """
    return _fast_len(int(n), tuple(FFT_PRIMES if primes is None else primes))


@functools.lru_cache(maxsize=4096)
def _fast_len(n: int, primes: tuple) -> int:
    if n <= 1:
        return 1
    for m in range(n, n + 256):  # smooth lengths are dense: the next is usually a few away
        k = m
        for p in primes:
            while k % p == 0:
                k //= p
        if k == 1:
            return m
    best = 1 << (n - 1).bit_length()  # else: every smooth length below the next power of 2
    cands = [1]
    for p in primes[1:]:
        cands = [c * p ** k for c in cands for k in range(64) if c * p ** k < best]
    for c in cands:
        m = c
        while m < n:
            m *= 2
        best = min(best, m)
    return best


def _fft_lengths(lens):
    """Fast transform lengths, the last (halved by the real transform) made even."""
    out = [fast_len(v) for v in lens]
    if out[-1] % 2:
        out[-1] = 2 * fast_len(-(-lens[-1] // 2))
    return tuple(out)


def _fft_geometry(c, x_shape, h_shape):
    """Per axis: crop of x, zero margin lo, transform length L, first kept index (or None)."""
    crop, lo_l, lens, offs = [], [], [], []
    direct_ok = c.boundary == "constant"
    for p0, d, n, m, span in zip(c.p0, c.dilation, x_shape, h_shape, c.span(h_shape)):
        a, b = p0, p0 + span
        ca, cb = max(a, 0), min(b, n)
        md = d * (m - 1) + 1
        lo, hi = ca - a, b - cb
        if cb <= ca or lo > md - 1:
            direct_ok = False
        crop.append((ca, cb))
        lo_l.append(lo)
        lens.append(cb - ca + max(lo, hi))
        offs.append(md - 1 - lo)
    return direct_ok, crop, lens, offs


def _phase_geometry(c, h_shape, r):
    s_l = tuple((m + r - 2) // r + 1 for m in h_shape)
    kr = tuple(-(-k // r) for k in c.out_shape)
    return s_l, kr, tuple(q + s - 1 for q, s in zip(kr, s_l))


def _costs(c, x_shape, h_shape, device_type, cval, half=False, auto_phase=False,
           dtype="torch.float32"):
    """Modelled seconds of each method that can compute this request (CPU: a ranking only)."""
    from . import gpu_stencil

    nd = len(h_shape)
    taps = int(np.prod(h_shape))
    n_out = int(np.prod(c.out_shape))
    can_fft = taps > 1 and not half  # cuFFT takes half precision at powers of 2 only
    can_phase = taps > 1 and all(v == 1 for v in c.stride + c.dilation)
    can_stencil = (gpu_stencil.accepts(x_shape, h_shape, c.out_shape, dtype)
                   and gpu_stencil.available(device_type))
    if device_type != "cuda":
        big = taps > CPU_FFT_TAPS
        costs = {"direct": 2.0 if big and can_fft else 1.0}
        if can_fft:
            costs["fft"] = 1.0 if big else 2.0
        if can_phase:
            costs["phase"] = 3.0
        if can_stencil:  # Triton's interpreter: on request only
            costs["stencil"] = float("inf")
        return costs
    a, b, cpt = COST["direct"]
    band = ("mid" if 9 < taps <= 25 else "upper" if taps <= 49 else "small") if nd == 2 else (
        "small" if taps <= 27 else "large")
    costs = {"direct": (a + n_out * (b + cpt * taps))
             * COST["direct_penalty"].get((nd, band), 1.0)}
    if can_fft:
        ok, crop, lens, _ = _fft_geometry(c, x_shape, h_shape)
        if not (ok and cval == 0):
            lens = c.span(h_shape)
        tot = float(np.prod(_fft_lengths(lens)))
        a, b = COST["fft"]
        costs["fft"] = max(COST["fft_floor"], (a + b * tot * np.log2(max(tot, 2.0)))
                           * (COST["fft_3d"] if nd == 3 else 1))
    if can_phase and auto_phase and nd in COST["phase"]:
        r = PHASE_R[nd]
        s_l, kr, amax = _phase_geometry(c, h_shape, r)
        a, b, cm = COST["phase"][nd]
        macs = n_out * r ** nd * int(np.prod(s_l))
        costs["phase"] = a + b * r ** nd * int(np.prod(amax)) + cm * macs
    elif can_phase:  # on request only (not measured here, or TF32 not allowed)
        costs["phase"] = float("inf")
    if can_stencil:
        a, b, cpt = COST["stencil"][nd]
        ext = 0.0 if c.boundary == "constant" else COST["stencil_extend"] * float(
            np.prod(c.span(h_shape)))
        costs["stencil"] = a + n_out * (b + cpt * taps) + ext
    return costs


def choose_tensor_method(x_shape, h_shape, device="cuda", *, op="conv", mode="full",
                         boundary="constant", cval=0, stride=1, dilation=1,
                         convention="standard", dtype="float32", tf32=None):
    """The method ``method="auto"`` uses for tensors of these shapes, and why.

    Returns ``(method, reason)``; the reason lists the modelled cost of each
    candidate (see ``COST`` for the constants and where they come from).
    On the CPU: ``direct`` up to ``CPU_FFT_TAPS`` taps, ``fft`` above.  On
    CUDA, ``phase`` is a candidate for float32 only when ``tf32`` is true
    (default: ``AUTO_PHASE``, off, since its multi-channel cuDNN kernels run
    in TF32 under torch's defaults, error up to about 5e-4 of max|y|).

    >>> choose_tensor_method((2048, 2048), (31, 31), "cuda", mode="same")[0]
    'fft'
    >>> choose_tensor_method((64, 64), (15, 15), "cpu")[0]
    'fft'
    """
    nd = len(x_shape)
    plan = make_plan(op, tuple(x_shape), tuple(h_shape), x_start=centered_start(x_shape),
                     h_start=centered_start(h_shape), convention=convention, mode=mode,
                     boundary=boundary, stride=stride, dilation=dilation)
    dev = getattr(device, "type", device)
    tf32 = AUTO_PHASE if tf32 is None else tf32
    costs = _costs(plan.canon, tuple(x_shape), tuple(h_shape), dev, cval,
                   half=dtype not in ("float32", "float64"),
                   auto_phase=dev == "cuda" and dtype == "float32" and tf32)
    best = min(costs, key=costs.get)
    if dev != "cuda":
        why = f"{int(np.prod(h_shape))} taps on {dev}: fft above {CPU_FFT_TAPS} taps"
    else:
        why = ", ".join(f"{k} {v * 1e3:.3f} ms" for k, v in sorted(costs.items(),
                                                                   key=lambda kv: kv[1])
                        if v < float("inf"))
        why = f"{nd}-D on cuda, modelled: {why}"
    return best, why


# --- running ------------------------------------------------------------------------------

class _Recipe:
    """What one call signature needs, computed once: plan, method, paddings, index tables."""

    __slots__ = ("plan", "canon", "method", "out_start", "out_step", "empty", "conv",
                 "padding", "fft", "phase", "launch", "dev_tables", "dims")

    def __init__(self, op, x_shape, h_shape, mode, boundary, cval, stride, dilation,
                 convention, device_type, method, dtype, tf32=False):
        import torch.nn.functional as F

        nd = len(x_shape)
        self.plan = plan = make_plan(
            op, x_shape, h_shape, x_start=centered_start(x_shape),
            h_start=centered_start(h_shape), convention=convention, mode=mode,
            boundary=boundary, stride=stride, dilation=dilation)
        self.canon = c = plan.canon
        self.out_start, self.out_step = plan.out_start, plan.out_step
        self.empty = any(k == 0 for k in c.out_shape)
        self.dims = tuple(range(nd))
        self.conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[nd]
        costs = _costs(c, x_shape, h_shape, device_type, cval,
                       half=dtype not in ("torch.float32", "torch.float64"),
                       auto_phase=tf32 and dtype == "torch.float32", dtype=dtype)
        if method == "auto":
            method = min(costs, key=costs.get)
        elif method in ("fft", "phase", "stencil") and method not in costs:
            raise ArgumentError(f"method={method!r} is not accepted for this request: "
                                f"use one of {', '.join(sorted(costs))} (phase needs stride "
                                "and dilation 1, fft more than one tap, stencil a CUDA "
                                "tensor of a float dtype, Triton, and at most "
                                "gpu_stencil.MAX_LAST taps on the last axis)")
        self.method = method
        lo = [-p for p in c.p0]
        hi = [p + s - n for p, s, n in zip(c.p0, c.span(h_shape), x_shape)]
        self.padding = (tuple(lo) if c.boundary == "constant" and cval == 0 and lo == hi
                        and all(v >= 0 for v in lo) else None)
        self.fft = None
        if method == "fft":  # geometry and transform lengths, once per signature
            direct_ok, crop, lens, offs = _fft_geometry(c, x_shape, h_shape)
            direct_ok = direct_ok and cval == 0
            if not direct_ok:  # the extended copy: its own length, offsets d (m - 1)
                lens = list(c.span(h_shape))
                offs = [d * (m - 1) for d, m in zip(c.dilation, h_shape)]
            whole = direct_ok and all(a == 0 and b == n for (a, b), n in zip(crop, x_shape))
            crop = None if whole else tuple(slice(a, b) for a, b in crop)
            keep = tuple(slice(o, o + s * (k - 1) + 1, s)
                         for o, s, k in zip(offs, c.stride, c.out_shape))
            self.fft = (direct_ok, crop, _fft_lengths(lens), keep,
                        any(d != 1 for d in c.dilation))
        self.phase = None
        if method == "phase":
            r = PHASE_R[nd]
            s_l, kr, amax = _phase_geometry(c, h_shape, r)
            self.phase = (r, s_l, kr, amax, _phase_index(h_shape, r, s_l, c.flip))
        self.launch = None
        if method == "stencil":
            from . import gpu_stencil

            const = c.boundary == "constant"
            self.launch = gpu_stencil.Launch(
                x_shape if const else c.span(h_shape), h_shape,
                c.p0 if const else (0,) * nd, c.stride, c.dilation, c.out_shape, c.flip,
                dtype == "torch.float64")
        self.dev_tables = {}


def _phase_index(h_shape, r, s_l, flip):
    """Flat index into h (h.numel(): a zero) of W[p, q, s] = w[r s + q - p], w correlating."""
    nd = len(h_shape)
    flat = np.zeros((1,) * (3 * nd), dtype=np.int64)
    valid = np.ones((1,) * (3 * nd), dtype=bool)
    hstride = np.cumprod((1,) + tuple(h_shape[::-1]))[:nd][::-1]
    for i, (m, s) in enumerate(zip(h_shape, s_l)):
        p = np.arange(r)[:, None, None]
        q = np.arange(r)[None, :, None]
        ss = np.arange(s)[None, None, :]
        t = r * ss + q - p
        shape = [1] * (3 * nd)
        shape[i], shape[nd + i], shape[2 * nd + i] = r, r, s
        t = t.reshape(shape)
        valid = valid & (t >= 0) & (t < m)
        flat = flat + (m - 1 - t if flip else t) * int(hstride[i])
    idx = np.where(valid, flat, int(np.prod(h_shape)))
    return idx.reshape(r ** nd, r ** nd, *s_l)


_RECIPES: dict = {}


def _recipe(op, x, h, mode, boundary, cval, stride, dilation, convention, method):
    tf32 = AUTO_PHASE and x.is_cuda and _tf32_allowed()
    key = (op, x.shape, h.shape, mode, boundary, cval, stride, dilation, convention,
           x.device.type, method, x.dtype, tf32)
    try:
        rec = _RECIPES.get(key)
    except TypeError:  # unhashable argument (a list): no caching
        rec, key = None, None
    if rec is None:
        rec = _Recipe(op, tuple(x.shape), tuple(h.shape), mode, boundary, cval, stride,
                      dilation, convention, x.device.type, method, str(x.dtype), tf32)
        if key is not None:
            if len(_RECIPES) > 512:
                _RECIPES.clear()
            _RECIPES[key] = rec
    return rec


def _tf32_allowed():
    import torch

    return torch.backends.cudnn.allow_tf32


class _CudnnBenchmark:
    """``torch.backends.cudnn.benchmark = True`` for one call, restored afterwards."""

    __slots__ = ("on", "prev")

    def __init__(self, on):
        self.on = on
        self.prev = None

    def __enter__(self):
        if self.on:
            import torch

            if not torch.backends.cudnn.benchmark:  # already on: nothing to set or restore
                self.prev = False
                torch.backends.cudnn.benchmark = True

    def __exit__(self, *exc):
        if self.prev is not None:
            import torch

            torch.backends.cudnn.benchmark = self.prev
        return False


def _run(op, x, h, mode, boundary, cval, stride, dilation, convention, method="auto"):
    t = _TENSOR[0]
    if (type(x) is t and type(h) is t and x.dtype is h.dtype and x.dtype.is_floating_point
            and x.ndim == h.ndim and 1 <= x.ndim <= 3 and method in _FAST_METHODS):
        # the common call (float tensors of one dtype): what follows, without the detours
        rec = _recipe(op, x, h, mode, boundary, cval, stride, dilation, convention, method)
        return _compute(rec, x, h, cval, method)
    return _run_general(op, x, h, mode, boundary, cval, stride, dilation, convention, method)


_FAST_METHODS = frozenset(("auto", "direct", "fft", "phase", "stencil"))


def _run_general(op, x, h, mode, boundary, cval, stride, dilation, convention, method):
    import torch

    if is_cupy(x) or is_cupy(h):
        x, h = _from_cupy(x, h)
        return _to_cupy(_run(op, x, h, mode, boundary, cval, stride, dilation, convention,
                             method))
    if not (is_tensor(x) and is_tensor(h)):
        raise ArgumentTypeError(f"x and h must both be torch tensors (or CuPy arrays), got "
                                f"{type(x).__name__} and {type(h).__name__}")
    if x.ndim != h.ndim or x.ndim not in (1, 2, 3):
        raise ArgumentError(f"x.ndim={x.ndim}, h.ndim={h.ndim} is not accepted: give tensors "
                            "with the same number of axes, 1 to 3")
    if method not in METHODS:
        raise ArgumentError(f"method={method!r} is not accepted: use one of "
                            f"{', '.join(METHODS)}")
    if not (x.dtype.is_floating_point and h.dtype.is_floating_point):
        from .. import ops

        fn = ops.convolve if op == "conv" else ops.correlate
        kw = {} if op == "conv" else {"convention": convention}
        y = fn(x.detach().cpu().numpy(), h.detach().cpu().numpy(), mode=mode, boundary=boundary,
               cval=cval, stride=stride, dilation=dilation, **kw)
        return TensorResult(torch.from_numpy(y.values).to(x.device), y.start, y.step)
    if x.dtype != h.dtype:
        dt = torch.promote_types(x.dtype, h.dtype)
        x, h = x.to(dt), h.to(dt)
    rec = _recipe(op, x, h, mode, boundary, cval, stride, dilation, convention,
                  "direct" if method == "separable" else method)
    return _compute(rec, x, h, cval, method)


def _compute(rec, x, h, cval, method):
    c = rec.canon
    if rec.empty:
        z = x.new_zeros(c.out_shape)
    elif method == "separable":
        z = _separable(rec, x, h, cval)
    elif rec.method == "fft":
        z = _fft(rec, x, h, cval)
    elif rec.method == "stencil":
        z = _stencil(rec, x, h, cval)
    elif x.is_cuda and not _benchmark_on():
        with _CudnnBenchmark(True):
            z = _phase(rec, x, h, cval) if rec.method == "phase" else _direct(rec, x, h, cval)
    else:
        z = _phase(rec, x, h, cval) if rec.method == "phase" else _direct(rec, x, h, cval)
    if c.reverse:
        z = z.flip(rec.dims)
    return TensorResult(z, rec.out_start, rec.out_step)


def _benchmark_on():
    import torch

    return torch.backends.cudnn.benchmark


def _extend(x, c, h_shape, cval, extra=None):
    """ext(x) over the canonical region (plus ``extra`` positions at the high end per axis)."""
    import torch
    import torch.nn.functional as F

    extra = extra or (0,) * x.ndim
    region = [(p, p + s + e) for p, s, e in zip(c.p0, c.span(h_shape), extra)]
    if c.boundary == "constant":
        pads = []
        for (a, b), n in reversed(list(zip(region, x.shape))):
            pads += [-a, b - n]
        return F.pad(x, pads, mode="constant", value=float(cval))
    xe = x
    for ax, ((a, b), n) in enumerate(zip(region, x.shape)):
        idx = extend_positions(np.arange(a, b), n, c.boundary)
        xe = torch.index_select(xe, ax, torch.as_tensor(idx, device=x.device))
    return xe


def _direct(rec, x, h, cval):
    c = rec.canon
    w = h.flip(rec.dims) if c.flip else h
    # (positional arguments and a view of the result: each keyword or index costs a few
    # microseconds of Python, which a CUDA call of 50 us cannot hide)
    if rec.padding is not None:  # symmetric zero padding: the convolution pads, no copy
        z = rec.conv(x[None, None], w[None, None], None, c.stride, rec.padding, c.dilation)
    else:
        xe = _extend(x, c, h.shape, cval)
        z = rec.conv(xe[None, None], w[None, None], None, c.stride, 0, c.dilation)
    return z.view(c.out_shape)


def _stencil(rec, x, h, cval):
    """The Triton kernel: masked loads for a constant extension, an extended copy else."""
    c = rec.canon
    if c.boundary == "constant":
        return rec.launch(x.contiguous(), h.contiguous(), float(cval))
    return rec.launch(_extend(x, c, h.shape, cval).contiguous(), h.contiguous(), 0.0)


def _fft(rec, x, h, cval):
    """Circular convolution at fast lengths; the kept window never meets the wrap."""
    import torch

    c = rec.canon
    direct_ok, crop, L, keep, dilated = rec.fft
    dims = rec.dims
    if direct_ok:  # read x itself (or a view): rfftn pads it, no extension copy
        src = x if crop is None else x[crop]
    else:
        src = _extend(x, c, h.shape, cval)
    g = h if c.flip else h.flip(dims)  # convolution orientation
    if dilated:
        gd = g.new_zeros(tuple(d * (m - 1) + 1 for d, m in zip(c.dilation, g.shape)))
        gd[tuple(slice(None, None, d) for d in c.dilation)] = g
        g = gd
    spec = torch.fft.rfftn(src, s=L, dim=dims)
    # (a last-axis rfft then a strided fftn of the small kernel ran 2-4x slower on an H200)
    spec.mul_(torch.fft.rfftn(g, s=L, dim=dims))
    return torch.fft.irfftn(spec, s=L, dim=dims)[keep]


def _phase(rec, x, h, cval):
    """Polyphase: r^d phases of the input as channels, one multi-channel cuDNN correlation.

    With n = r K + p and t = r s + q - p, ``z[n] = sum_t xe[n + t] w[t]`` becomes
    ``Z_p[K] = sum_{q, s} X_q[K + s] W[p, q, s]`` where ``X_q[J] = xe[r J + q]`` and
    ``W[p, q, s] = w[r s + q - p]`` (0 outside the kernel): cuDNN's fast multi-channel
    kernels instead of its slow single-channel ones.
    """
    import torch
    import torch.nn.functional as F

    c = rec.canon
    nd = x.ndim
    r, s_l, kr, amax, idx = rec.phase
    span = c.span(h.shape)
    xe = _extend(x, c, h.shape, cval, tuple(r * a - s for a, s in zip(amax, span)))
    inter = [v for a in amax for v in (a, r)]
    perm = [2 * i + 1 for i in range(nd)] + [2 * i for i in range(nd)]
    xp = xe.reshape(inter).permute(perm).reshape(1, r ** nd, *amax)
    key = str(x.device)
    tab = rec.dev_tables.get(key)
    if tab is None:
        tab = rec.dev_tables[key] = torch.as_tensor(idx, device=x.device)
    wt = F.pad(h.reshape(-1), (0, 1))[tab]
    z = rec.conv(xp, wt)
    z = z.reshape([r] * nd + list(kr)).permute([v for i in range(nd) for v in (nd + i, i)])
    z = z.reshape([q * r for q in kr])
    return z[tuple(slice(0, k) for k in c.out_shape)]


def _separable(rec, x, h, cval):
    """Rank-1 kernels as one 1-D pass per axis (exact factors by SVD of the host kernel)."""
    import torch

    c = rec.canon
    w = (h.flip(rec.dims) if c.flip else h).detach().cpu().double().numpy()
    factors = _rank1_factors(w)
    if factors is None:
        raise ArgumentError(f"method='separable' is not accepted for this kernel (shape "
                            f"{tuple(h.shape)}): it is not of rank 1; use 'auto'")
    z = _extend(x, c, h.shape, cval)
    nd = x.ndim
    for ax, f in enumerate(factors):
        shape = [1] * nd
        shape[ax] = len(f)
        one = [1] * nd
        st, dl = list(one), list(one)
        st[ax], dl[ax] = c.stride[ax], c.dilation[ax]
        wt = torch.as_tensor(f.reshape(shape), dtype=x.dtype, device=x.device)
        with _CudnnBenchmark(x.is_cuda):
            z = rec.conv(z[None, None], wt[None, None], stride=st, dilation=dl)[0, 0]
    return z


def _rank1_factors(w, rtol=1e-6):
    """Vectors f_i with w = outer(f_0, ..., f_{d-1}) (relative error <= rtol), else None."""
    nd = w.ndim
    factors, rest = [], w
    for _ in range(nd - 1):
        m = rest.reshape(rest.shape[0], -1)
        u, s, vt = np.linalg.svd(m, full_matrices=False)
        if s[0] == 0:
            return [np.zeros(n) for n in w.shape]
        factors.append(u[:, 0] * s[0])
        rest = vt[0].reshape(rest.shape[1:])
    factors.append(rest.reshape(-1))
    approx = factors[0]
    for f in factors[1:]:
        approx = np.multiply.outer(approx, f)
    if np.abs(approx - w).max() > rtol * np.abs(w).max():
        return None
    return factors


def convolve(x, h, mode="full", boundary="constant", cval=0, stride=1, dilation=1,
             method="auto"):
    r"""Convolution of torch tensors, :math:`y[m] = \sum_i x[i]\,h[m-i]`, on x's device.

    Index ranges and output sizes per mode are those of
    :func:`kernelflip.convolve` (``full``: ``N + M - 1``; ``same``: ``N``;
    ``valid``: ``N - M + 1``, with dilation ``d``: ``M -> d(M-1)+1``).
    ``method``: ``"auto"`` (:func:`choose_tensor_method`), ``"direct"``
    (cuDNN / MKL-DNN), ``"fft"`` (real transforms at fast lengths),
    ``"stencil"`` (the Triton kernel: CUDA tensors of a float dtype, at most
    ``gpu_stencil.MAX_LAST`` taps along the last axis), ``"phase"``
    (polyphase multi-channel correlation; stride and dilation 1) or
    ``"separable"`` (rank-1 kernels: one 1-D pass per axis; reads the
    kernel on the host).

    >>> import torch
    >>> y = convolve(torch.tensor([0., 1., 0.]), torch.tensor([1., 2., 4.]))
    >>> y.values.tolist(), y.start
    ([0.0, 1.0, 2.0, 4.0, 0.0], (-2,))
    """
    return _run("conv", x, h, mode, boundary, cval, stride, dilation, "standard", method)


def correlate(x, h, mode="full", boundary="constant", cval=0, stride=1, dilation=1,
              convention="standard", method="auto"):
    r"""Cross-correlation of torch tensors, :math:`y[m] = \sum_i x[i]\,h[i-m]` (standard).

    ``convention="article"`` gives :math:`y[m] = \sum_i x[i]\,h[m+i]`.  Index
    ranges and sizes as in :func:`kernelflip.correlate`.  Real tensors only
    on the torch path (complex tensors go through numpy).  ``method`` as in
    :func:`convolve`.

    >>> import torch
    >>> correlate(torch.tensor([0., 1., 0.]), torch.tensor([1., 2., 4.])).values.tolist()
    [0.0, 4.0, 2.0, 1.0, 0.0]
    """
    return _run("corr", x, h, mode, boundary, cval, stride, dilation, convention, method)


def conv_nn(x, w, bias=None, stride=1, padding=0, dilation=1, groups=1):
    r"""Batched CNN convolution (cross-correlation): (N, C, H, W) with (O, C/groups, kh, kw).

    :math:`y[n, o, i, j] = b[o] + \sum_{c \in g(o)} \sum_{a, b} x_p[n, c, s i + d a, s j + d b]
    \, w[o, c, a, b]` where ``x_p`` is x zero-padded by ``padding`` and
    ``g(o)`` the input channels of o's group.  Output size per axis
    ``(H + 2p - d(k-1) - 1) // s + 1`` (PyTorch's conv2d).  Tensors stay on
    their device; numpy in, numpy out.

    >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
    >>> conv_nn(x, np.ones((1, 1, 2, 2)))[0, 0]
    array([[10., 14., 18.],
           [26., 30., 34.],
           [42., 46., 50.]])
    """
    if type(x) is _TENSOR[0] and x.ndim == 4 and w.ndim == 4:
        # torch checks channels and groups itself, its message naming the sizes
        return _TENSOR[1](x, w, bias, stride, padding, dilation, groups)
    if x.ndim != 4 or w.ndim != 4:
        raise ArgumentError(f"x.ndim={x.ndim}, w.ndim={w.ndim} is not accepted: give x as "
                            "(N, C, H, W) and w as (O, C/groups, kh, kw)")
    if x.shape[1] != w.shape[1] * groups or w.shape[0] % groups:
        raise ArgumentError(f"groups={groups} is not accepted for x {tuple(x.shape)} and "
                            f"w {tuple(w.shape)}: C must be groups * w.shape[1] and O a "
                            "multiple of groups")
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is in the test extra
        torch = None
    if is_tensor(x):
        return torch.nn.functional.conv2d(x, w, bias, stride, padding, dilation, groups)
    if torch is not None:
        with torch.no_grad():
            y = torch.nn.functional.conv2d(
                torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(
                    np.ascontiguousarray(w, dtype=x.dtype)),
                None if bias is None else torch.from_numpy(np.asarray(bias, dtype=x.dtype)),
                stride, padding, dilation, groups)
        return y.numpy()
    return _conv_nn_numpy(x, w, bias, stride, padding, dilation, groups)  # pragma: no cover


def _conv_nn_numpy(x, w, bias, stride, padding, dilation, groups):
    from .. import ops

    pad = (padding, padding) if np.isscalar(padding) else tuple(padding)
    xs = np.pad(x, ((0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1])))
    og, cg = w.shape[0] // groups, w.shape[1]
    out = None
    for n in range(x.shape[0]):
        for o in range(w.shape[0]):
            g = o // og
            acc = 0
            for c in range(cg):
                acc = acc + ops.correlate(
                    xs[n, g * cg + c], w[o, c], mode="valid", stride=stride,
                    dilation=dilation).values
            if out is None:
                out = np.zeros((x.shape[0], w.shape[0], *acc.shape), dtype=acc.dtype)
            out[n, o] = acc + (0 if bias is None else bias[o])
    return out
