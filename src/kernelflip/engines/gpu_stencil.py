"""A direct correlation kernel for CUDA tensors, written in Triton (the compiler torch's
CUDA builds ship with).

It computes the canonical operation of :mod:`kernelflip.plan` for one
single-channel tensor of 1 to 3 axes::

    z[k] = sum_{t in [0, M)} ext(x)[p0 + s k + d t] * w[t]         (w = h flipped when
                                                                  the plan's ``flip`` says so)

with ``ext(x)`` the constant extension by ``cval`` (masked loads: no padded copy) or an
extended copy for the other boundaries.  One program computes a block of outputs; every
tap is one masked load of the block shifted by ``d t`` (served from the L1/L2 caches after
the first) and one multiply-add, accumulated in float32 (float64 for float64 tensors).
The kernel's flip is index arithmetic, so a convolution costs what a correlation costs.

Triton is imported when the first tensor comes here, never by ``import kernelflip``.
``TRITON_INTERPRET=1`` runs the same kernel on CPU tensors through Triton's interpreter
(the tests use it; it is slow).
"""

from __future__ import annotations

import os

# taps of the last (contiguous) axis are unrolled in the compiled loop; the other axes loop
MAX_LAST = 64
# outputs per program (axis 0, 1, 2 of the 3-D form) and warps, per number of axes
# (2-D and 3-D: the best of three tried on an H200, bench/gpu.py; 1-D not measured)
BLOCKS = {1: ((1, 1, 1024), 4), 2: ((1, 8, 128), 4), 3: ((2, 8, 64), 4)}
DTYPES = ("torch.float16", "torch.bfloat16", "torch.float32", "torch.float64")

_KERNELS: dict = {}
_TRITON = None  # whether triton imports (asked once)


def interpreted() -> bool:
    """True when Triton runs kernels in its interpreter (``TRITON_INTERPRET=1``)."""
    return os.environ.get("TRITON_INTERPRET", "0") not in ("", "0")


def available(device_type: str) -> bool:
    """Whether this kernel can run on tensors of this device type here (Triton imports)."""
    global _TRITON
    if device_type != "cuda" and not (device_type == "cpu" and interpreted()):
        return False
    if _TRITON is None:
        try:
            import triton  # noqa: F401

            _TRITON = True
        except ImportError:
            _TRITON = False
    return _TRITON


GRID_YZ = 65535  # CUDA's limit on a grid's second and third dimensions


def accepts(x_shape, h_shape, out_shape, dtype: str) -> bool:
    """Whether the kernel takes this request: float dtypes, last-axis taps <= MAX_LAST,
    indices within int32 (fewer than 2**31 elements in and out), and a grid within
    CUDA's limits (at most 65535 blocks along the first two axes of the 3-D form)."""
    import math

    nd = len(x_shape)
    if not (dtype in DTYPES and 1 <= nd <= 3 and h_shape[-1] <= MAX_LAST
            and math.prod(x_shape) < 2 ** 31 and math.prod(out_shape) < 2 ** 31):
        return False
    ks = (1,) * (3 - nd) + tuple(out_shape)
    (b0, b1, _), _ = BLOCKS[nd]
    return -(-ks[0] // b0) <= GRID_YZ and -(-ks[1] // b1) <= GRID_YZ


def _kernel():
    key = interpreted()
    k = _KERNELS.get(key)
    if k is None:
        k = _KERNELS[key] = _build()
    return k


def _build():
    import triton
    import triton.language as tl

    @triton.jit
    def stencil(x_ptr, w_ptr, z_ptr, cval,
                N0, N1, N2, K0, K1, K2, P0, P1, P2, S0, S1, S2, D0, D1, D2, M0, M1,
                M2: tl.constexpr, FLIP: tl.constexpr, ACC: tl.constexpr,
                B0: tl.constexpr, B1: tl.constexpr, B2: tl.constexpr):
        k0 = tl.program_id(2) * B0 + tl.arange(0, B0)[:, None, None]
        k1 = tl.program_id(1) * B1 + tl.arange(0, B1)[None, :, None]
        k2 = tl.program_id(0) * B2 + tl.arange(0, B2)[None, None, :]
        acc = tl.full((B0, B1, B2), 0, dtype=ACC)  # a builtin (tl.zeros is a jit function)
        base0 = P0 + k0 * S0
        base1 = P1 + k1 * S1
        base2 = P2 + k2 * S2
        for a in range(M0):
            r0 = base0 + a * D0
            in0 = (r0 >= 0) & (r0 < N0)
            for b in range(M1):
                r1 = base1 + b * D1
                in01 = in0 & (r1 >= 0) & (r1 < N1)
                row = (r0 * N1 + r1) * N2
                for c in tl.static_range(M2):
                    r2 = base2 + c * D2
                    if FLIP:
                        wi = ((M0 - 1 - a) * M1 + (M1 - 1 - b)) * M2 + (M2 - 1 - c)
                    else:
                        wi = (a * M1 + b) * M2 + c
                    wv = tl.load(w_ptr + wi).to(ACC)
                    v = tl.load(x_ptr + row + r2, mask=in01 & (r2 >= 0) & (r2 < N2),
                                other=cval)
                    acc += v.to(ACC) * wv
        live = (k0 < K0) & (k1 < K1) & (k2 < K2)
        tl.store(z_ptr + (k0 * K1 + k1) * K2 + k2, acc.to(z_ptr.dtype.element_ty), mask=live)

    return stencil


class Launch:
    """One request's grid and kernel arguments, worked out once (a CUDA call cannot hide
    tens of microseconds of Python before its launch).

    ``Launch(x_shape, w_shape, p0, stride, dilation, out_shape, flip, float64)(x, w, cval)``
    returns a new tensor ``z`` of ``out_shape`` with
    ``z[k] = sum_{t in [0, M)} ext(x)[p0 + stride k + dilation t] * w'[t]`` (every axis),
    ``w'`` being ``w`` reversed on every axis when ``flip`` is true, ``ext`` the extension of
    ``x`` by ``cval``; x and w contiguous, of one float dtype, on one device.  The torch
    engine builds one per call signature (``method="stencil"``); its tests check it against
    the numpy engines through Triton's interpreter.
    """

    __slots__ = ("grid", "ints", "meta", "out_shape", "empty")

    def __init__(self, x_shape, w_shape, p0, stride, dilation, out_shape, flip, float64):
        import triton.language as tl

        nd = len(x_shape)
        pad = 3 - nd
        ks = (1,) * pad + tuple(out_shape)
        ms = (1,) * pad + tuple(w_shape)
        (b0, b1, b2), warps = BLOCKS[nd]
        self.out_shape = tuple(out_shape)
        self.empty = any(k == 0 for k in ks)
        self.grid = (-(-ks[2] // b2), -(-ks[1] // b1), -(-ks[0] // b0))
        self.ints = ((1,) * pad + tuple(x_shape) + ks + (0,) * pad + tuple(p0) + (1,) * pad
                     + tuple(stride) + (1,) * pad + tuple(dilation) + ms[:2])
        self.meta = dict(M2=ms[2], FLIP=bool(flip), ACC=tl.float64 if float64 else tl.float32,
                         B0=b0, B1=b1, B2=b2, num_warps=warps)

    def __call__(self, x, w, cval=0.0):
        """z (new, contiguous, of ``out_shape``) for contiguous x and w of this launch's shapes."""
        z = x.new_empty(self.out_shape)
        if not self.empty:
            _kernel()[self.grid](x, w, z, cval, *self.ints, **self.meta)
        return z
