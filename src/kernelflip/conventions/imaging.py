"""scipy.ndimage, OpenCV and MATLAB, argument for argument."""

from __future__ import annotations

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError
from ._common import Outcome, Recipe, arr, run_recipe, window_pads
from .rules import cast, matlab_round, saturate, truncate

__all__ = ["nd_filter", "nd_filter1d", "cv2_filter2D", "cv2_sepFilter2D", "matlab_conv",
           "matlab_conv2", "matlab_convn", "matlab_filter2", "matlab_xcorr2", "matlab_imfilter",
           "ND_MODES", "CV2_BORDERS"]

ND_MODES = {"reflect": "symmetric", "grid-mirror": "symmetric", "constant": "constant",
            "grid-constant": "constant", "nearest": "edge", "mirror": "reflect",
            "wrap": "wrap", "grid-wrap": "wrap"}
CV2_BORDERS = {0: "constant", 1: "edge", 2: "symmetric", 4: "reflect"}
_CV2_NAMES = {0: "BORDER_CONSTANT", 1: "BORDER_REPLICATE", 2: "BORDER_REFLECT",
              3: "BORDER_WRAP", 4: "BORDER_REFLECT_101", 5: "BORDER_TRANSPARENT"}
_CV2_DEPTHS = {0: np.uint8, 1: np.int8, 2: np.uint16, 3: np.int16, 4: np.int32, 5: np.float32,
               6: np.float64}
# source depth -> accepted ddepth (OpenCV 5.0 getLinearFilter, probed)
_CV2_ALLOWED = {np.dtype(np.uint8): (0, 2, 3, 5, 6), np.dtype(np.uint16): (2, 5, 6),
                np.dtype(np.int16): (3, 5, 6), np.dtype(np.float32): (5,),
                np.dtype(np.float64): (6,)}


# --- scipy.ndimage --------------------------------------------------------------------
def _nd_mode(mode, ndim, fn) -> str:
    modes = [mode] * ndim if isinstance(mode, str) else list(mode)
    try:
        mapped = {ND_MODES[m] for m in modes}
    except (KeyError, TypeError):
        raise ArgumentError(f"{fn}: mode={mode!r} is not accepted: use one of "
                            f"{', '.join(ND_MODES)}") from None
    if len(mapped) != 1 or len(modes) != ndim:
        raise ArgumentError(f"{fn}: mode={mode!r}: per-axis modes must all name the same "
                            "extension here (kernelflip extends every axis alike)")
    return mapped.pop()


def _nd_output(output, x, w, fn):
    if output is None:
        dt = x.dtype
        if w.dtype.kind == "c" and dt.kind != "c":
            dt = np.dtype(np.complex64 if dt == np.float32 else np.complex128)
        return dt, None
    if isinstance(output, np.ndarray):
        if output.shape != x.shape:
            raise ArgumentError(f"{fn}: output has shape {output.shape}, the input {x.shape}")
        return output.dtype, output
    return np.dtype(output), None


def _nd_origin(origin, shape, fn):
    o = [int(origin)] * len(shape) if np.ndim(origin) == 0 else [int(v) for v in origin]
    if len(o) != len(shape):
        raise ArgumentError(f"{fn}: origin={origin!r} needs one entry per axis ({len(shape)})")
    for v, m in zip(o, shape):
        if not -(m // 2) <= v <= (m - 1) // 2:
            raise ArgumentError(f"{fn}: origin={origin!r} is not accepted: for a kernel of "
                                f"length {m} it must lie in {-(m // 2)}..{(m - 1) // 2}")
    return o


def _nd_run(op, x, w, output, mode, cval, origin, fn):
    boundary = _nd_mode(mode, x.ndim, fn)
    o = _nd_origin(origin, w.shape, fn)
    if op == "corr":
        pads = tuple((f"M // 2 + ({v})", f"(M - 1) - (M // 2 + ({v}))") for v in o)
    else:
        pads = tuple((f"(M - 1) // 2 - ({v})", f"(M - 1) - ((M - 1) // 2 - ({v}))") for v in o)
    dt, out = _nd_output(output, x, w, fn)
    recipe = Recipe(op, pads=pads, conj=op == "corr", boundary=boundary, cval=cval)
    exact = x.dtype.kind in "biu" and w.dtype.kind in "biu" and float(np.real(cval)) == cval \
        and float(cval).is_integer()
    work = None if exact else np.result_type(x.dtype, w.dtype, np.float64)
    res = run_recipe(recipe, x, w, lambda y: truncate(y, dt), work=work)
    if out is not None:
        out[...] = res.values
    return res


def nd_filter(op):
    """scipy.ndimage.correlate / convolve: anchor ``M // 2 + origin``, output = input dtype."""
    fn = f"scipy.ndimage.{'correlate' if op == 'corr' else 'convolve'}"

    def adapter(input, weights, output=None, mode="reflect", cval=0.0, origin=0, *, axes=None):
        x, w = arr(input, "input", fn), arr(weights, "weights", fn)
        if axes is not None:
            axes = [int(a) % x.ndim for a in np.atleast_1d(axes)]
            if w.ndim != len(axes):
                raise ArgumentError(f"{fn}: weights must have {len(axes)} axes for axes={axes}")
            shape = [1] * x.ndim
            for a, m in zip(axes, w.shape):
                shape[a] = m
            w = w.reshape(shape)
            if np.ndim(origin) != 0:
                full = [0] * x.ndim
                for a, v in zip(axes, origin):
                    full[a] = v
                origin = full
        if w.ndim != x.ndim:
            raise ArgumentError(f"{fn}: weights array has {w.ndim} axes but input has "
                                f"{x.ndim}: they must match")
        if x.size == 0 or w.size == 0:
            raise ArgumentError(f"{fn}: empty input or weights")
        return _nd_run(op, x, w, output, mode, cval, origin, fn)

    adapter.__name__ = f"nd_{op}"
    return adapter


def nd_filter1d(op):
    """scipy.ndimage.correlate1d / convolve1d along one axis."""
    fn = f"scipy.ndimage.{'correlate1d' if op == 'corr' else 'convolve1d'}"

    def adapter(input, weights, axis=-1, output=None, mode="reflect", cval=0.0, origin=0):
        x, w = arr(input, "input", fn), arr(weights, "weights", fn)
        if w.ndim != 1 or w.size == 0:
            raise ArgumentError(f"{fn}: weights must be a non-empty 1-D array, got {w.shape}")
        ax = int(axis) % x.ndim
        shape = [1] * x.ndim
        shape[ax] = w.size
        orig = [0] * x.ndim
        orig[ax] = int(origin)
        return _nd_run(op, x, w.reshape(shape), output, mode, cval, orig, fn)

    adapter.__name__ = f"nd_{op}1d"
    return adapter


# --- OpenCV -------------------------------------------------------------------------
def _cv2_border(borderType, fn) -> str:
    bt = 4 if borderType is None else int(borderType) & ~16
    if bt not in CV2_BORDERS:
        raise ArgumentError(f"{fn}: borderType={borderType!r} "
                            f"({_CV2_NAMES.get(bt, 'unknown')}) is not accepted: filtering "
                            "supports BORDER_CONSTANT, BORDER_REPLICATE, BORDER_REFLECT and "
                            "BORDER_REFLECT_101 (OpenCV asserts on BORDER_WRAP)")
    return CV2_BORDERS[bt]


def cv2_filter2D(src, ddepth, kernel, dst=None, anchor=None, delta=None, borderType=None
                 ) -> Outcome:
    """cv2.filter2D: correlation, anchor (col, row), default BORDER_REFLECT_101, saturation."""
    fn = "cv2.filter2D"
    x, k = arr(src, "src", fn), arr(kernel, "kernel", fn)
    if x.dtype.kind == "c" or k.dtype.kind == "c":
        raise ArgumentTypeError(f"{fn}: complex arrays are not accepted by OpenCV")
    if x.ndim == 1:  # OpenCV 5 takes a 1-D array as one row (1 x N)
        x = x[None, :]
    if k.ndim == 1:
        k = k[None, :]
    if x.ndim not in (2, 3) or k.ndim != 2:
        raise ArgumentError(f"{fn}: src must be 2-D (or H x W x channels) and kernel 2-D; got "
                            f"{x.shape} and {k.shape}")
    if x.dtype not in _CV2_ALLOWED:
        raise ArgumentTypeError(f"{fn}: src dtype {x.dtype} is not accepted: use uint8, uint16, "
                                "int16, float32 or float64")
    depth = -1 if ddepth is None else int(ddepth)
    out_dt = x.dtype if depth < 0 else np.dtype(_CV2_DEPTHS.get(depth, np.void))
    if depth >= 0 and (depth not in _CV2_DEPTHS or depth not in _CV2_ALLOWED[x.dtype]):
        raise ArgumentError(f"{fn}: ddepth={ddepth!r} is not accepted for {x.dtype} input: use "
                            f"-1 or one of {_CV2_ALLOWED[x.dtype]}")
    ax, ay = (-1, -1) if anchor is None else (int(anchor[0]), int(anchor[1]))
    ax = k.shape[1] // 2 if ax == -1 else ax
    ay = k.shape[0] // 2 if ay == -1 else ay
    if not (0 <= ax < k.shape[1] and 0 <= ay < k.shape[0]):
        raise ArgumentError(f"{fn}: anchor={anchor!r} is not inside the "
                            f"{k.shape[1]}x{k.shape[0]} kernel (anchor is (column, row))")
    boundary = _cv2_border(borderType, fn)
    # the default anchor stays symbolic (M // 2) so translations hold for any kernel size
    py = "M // 2" if anchor is None or int(anchor[1]) == -1 else str(ay)
    px = "M // 2" if anchor is None or int(anchor[0]) == -1 else str(ax)
    recipe = Recipe("corr", pads=((py, f"(M - 1) - ({py})"), (px, f"(M - 1) - ({px})")),
                    boundary=boundary)
    d = 0.0 if delta is None else float(delta)
    k64 = k.astype(np.float64)

    def finish(y):
        return saturate(y + d, out_dt)

    if x.ndim == 2:
        res = run_recipe(recipe, x.astype(np.float64), k64, finish)
    else:
        parts = [run_recipe(recipe, x[..., c].astype(np.float64), k64, finish)
                 for c in range(x.shape[2])]
        res = Outcome(np.stack([p.values for p in parts], axis=-1), parts[0].start + (0,),
                      parts[0].step + (1,), recipe, x.shape, k.shape)
    if isinstance(dst, np.ndarray) and dst.shape == res.values.shape:
        dst[...] = res.values
    return res


def cv2_sepFilter2D(src, ddepth, kernelX, kernelY, dst=None, anchor=None, delta=None,
                    borderType=None) -> Outcome:
    """cv2.sepFilter2D: filter2D with the kernel ``outer(kernelY, kernelX)``."""
    fn = "cv2.sepFilter2D"
    kx = arr(kernelX, "kernelX", fn).ravel()
    ky = arr(kernelY, "kernelY", fn).ravel()
    return cv2_filter2D(src, ddepth, np.outer(ky, kx), dst, anchor, delta, borderType)


# --- MATLAB -------------------------------------------------------------------------
def _shape_arg(shape, fn, default="full") -> str:
    shape = default if shape is None else shape
    if not isinstance(shape, str) or shape.lower() not in ("full", "same", "valid"):
        raise ArgumentError(f"{fn}: shape={shape!r} is not accepted: use 'full', 'same' or "
                            "'valid'")
    return shape.lower()


def _matlab_class(*arrays):
    return np.dtype(np.float32) if any(a.dtype == np.float32 for a in arrays) else None


def _matlab_run(op, a, b, shape, fn, conj=False):
    if a.ndim != b.ndim:
        nd = max(a.ndim, b.ndim)  # MATLAB arrays have trailing singleton dimensions
        a = a.reshape(a.shape + (1,) * (nd - a.ndim))
        b = b.reshape(b.shape + (1,) * (nd - b.ndim))
    single = _matlab_class(a, b)
    complex_ = a.dtype.kind == "c" or b.dtype.kind == "c"
    dt = np.dtype(np.complex64 if single else np.complex128) if complex_ else (
        single or np.dtype(np.float64))
    if shape == "valid" and any(n < m for n, m in zip(a.shape, b.shape)):
        empty = np.zeros(tuple(max(n - m + 1, 0) for n, m in zip(a.shape, b.shape)), dt)
        return Outcome(empty, (0,) * a.ndim, (1,) * a.ndim, None, a.shape, b.shape)
    pads = tuple(window_pads(shape, "L", fn) for _ in range(a.ndim))
    recipe = Recipe(op, pads=pads, conj=conj)
    return run_recipe(recipe, a, b, lambda y: cast(y, dt))


def matlab_conv(u, v, shape="full") -> Outcome:
    """MATLAB conv(u, v, shape): 1-D convolution, 'same' = length of u, camp L."""
    fn = "matlab.conv"
    u, v = arr(u, "u", fn), arr(v, "v", fn)
    for name, a in (("u", u), ("v", v)):
        if a.ndim > 2 or (a.ndim == 2 and 1 not in a.shape):
            raise ArgumentError(f"{fn}: {name} must be a vector; got shape {a.shape}")
    res = _matlab_run("conv", u.ravel(), v.ravel(), _shape_arg(shape, fn), fn)
    if u.ndim == 2:  # a row or column u: the result keeps its orientation
        vals = res.values.reshape((1, -1) if u.shape[0] == 1 else (-1, 1))
        return Outcome(vals, (0,) + res.start if u.shape[0] == 1 else res.start + (0,),
                       (1,) + res.step if u.shape[0] == 1 else res.step + (1,), res.recipe,
                       res.x_shape, res.h_shape)
    return res


def matlab_conv2(*args) -> Outcome:
    """MATLAB conv2(A, B, shape) or conv2(u, v, A, shape): 'same' = size(A), camp L."""
    fn = "matlab.conv2"
    shape = args[-1] if args and isinstance(args[-1], str) else None
    arrays = args[:-1] if shape is not None else args
    if len(arrays) == 3:
        u, v, a = (arr(t, n, fn) for t, n in zip(arrays, ("u", "v", "A")))
        b = np.outer(u.ravel(), v.ravel())
    elif len(arrays) == 2:
        a, b = arr(arrays[0], "A", fn), arr(arrays[1], "B", fn)
    else:
        raise ArgumentError(f"{fn}: give conv2(A, B[, shape]) or conv2(u, v, A[, shape]); got "
                            f"{len(args)} arguments")
    if a.ndim > 2 or b.ndim > 2:
        raise ArgumentError(f"{fn}: A and B must be 2-D (use matlab.convn); got {a.shape}, "
                            f"{b.shape}")
    a, b = np.atleast_2d(a), np.atleast_2d(b)
    return _matlab_run("conv", a, b, _shape_arg(shape, fn), fn)


def matlab_convn(A, B, shape="full") -> Outcome:
    """MATLAB convn(A, B, shape): N-D convolution, camp L."""
    fn = "matlab.convn"
    return _matlab_run("conv", arr(A, "A", fn), arr(B, "B", fn), _shape_arg(shape, fn), fn)


def matlab_filter2(H, X, shape="same") -> Outcome:
    """MATLAB filter2(H, X, shape) = conv2(X, rot90(H, 2), shape): correlation, kernel first."""
    fn = "matlab.filter2"
    h, x = np.atleast_2d(arr(H, "H", fn)), np.atleast_2d(arr(X, "X", fn))
    return _matlab_run("corr", x, h, _shape_arg(shape, fn, "same"), fn)


def matlab_xcorr2(a, b=None) -> Outcome:
    """MATLAB xcorr2(a, b): full 2-D correlation ``C(k,l) = sum X(m,n) conj(H(m-k, n-l))``."""
    fn = "matlab.xcorr2"
    x = np.atleast_2d(arr(a, "a", fn))
    h = x if b is None else np.atleast_2d(arr(b, "b", fn))
    return _matlab_run("corr", x, h, "full", fn, conj=True)


def matlab_imfilter(A, h, *options) -> Outcome:
    """MATLAB imfilter(A, h, options...): correlation, zero border, 'same', A's class kept."""
    fn = "matlab.imfilter"
    a, k = arr(A, "A", fn), arr(h, "h", fn)
    op, shape, boundary, cval = "corr", "same", "constant", 0.0
    for o in options:
        if isinstance(o, str):
            key = o.lower()
            if key in ("corr", "conv"):
                op = key
            elif key in ("same", "full"):
                shape = key
            elif key in ("symmetric", "replicate", "circular"):
                boundary = {"symmetric": "symmetric", "replicate": "edge",
                            "circular": "wrap"}[key]
            else:
                raise ArgumentError(f"{fn}: option {o!r} is not accepted: use 'corr', 'conv', "
                                    "'same', 'full', 'symmetric', 'replicate', 'circular' "
                                    "or a number")
        elif np.ndim(o) == 0 and isinstance(o, (int, float, np.number)):
            boundary, cval = "constant", float(o)
        else:
            raise ArgumentError(f"{fn}: option {o!r} is not accepted")
    if k.ndim > a.ndim:
        raise ArgumentError(f"{fn}: h has more dimensions ({k.ndim}) than A ({a.ndim})")
    k = k.reshape(k.shape + (1,) * (a.ndim - k.ndim))
    pads = tuple(window_pads(shape, "L", fn) for _ in range(a.ndim))
    recipe = Recipe(op, pads=pads, conj=False, boundary=boundary, cval=cval)
    work = np.result_type(a.dtype, k.dtype, np.float64)
    return run_recipe(recipe, a, k, lambda y: matlab_round(y, a.dtype) if a.dtype.kind in "iu"
                      else cast(y, a.dtype if a.dtype.kind in "fc" else np.float64), work=work)
