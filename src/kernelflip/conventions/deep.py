"""PyTorch, TensorFlow and jax.lax convolution layers, argument for argument.

All three compute a correlation (no flip, no conjugation) summed over input
channels.  Each (batch, output channel) pair is one kernelflip correlation on
the (channels, *spatial) block with a 'valid' window on the channel axis.
"""

from __future__ import annotations

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError
from ._common import Outcome, Recipe, arr
from .rules import wrap

__all__ = ["torch_conv", "torch_conv_transpose", "tf_conv", "lax_conv_general_dilated",
           "lax_conv", "TORCH_PADDING_MODES"]

TORCH_PADDING_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "edge",
                       "circular": "wrap"}


def _tuple(v, n, name, fn):
    if np.ndim(v) == 0:
        return (int(v),) * n
    t = tuple(int(a) for a in v)
    if len(t) == 1:
        return t * n
    if len(t) != n:
        raise ArgumentError(f"{fn}: {name}={v!r} needs 1 or {n} entries")
    return t


def _channels(x, w, pads, stride, dilation, groups, boundary="constant", fn=""):
    """sum over input channels of per-channel correlations: (B, Cin, *sp) x (Cout, Cin/g, *k)."""
    b, cin = x.shape[:2]
    cout, cig = w.shape[:2]
    if groups < 1 or cin % groups or cout % groups or cin // groups != cig:
        raise ArgumentError(f"{fn}: groups={groups} does not fit input channels {cin}, weight "
                            f"shape {w.shape} (expected in_channels / groups = {cig})")
    # one correlation per output channel: batch axis (kernel length 1) and channel axis
    # ('valid', so the channel sum) ride along with the spatial axes
    recipe = Recipe("corr", pads=(("0", "0"), ("0", "0")) + tuple(pads), conj=False,
                    boundary=boundary, stride=(1, 1) + tuple(stride),
                    dilation=(1, 1) + tuple(dilation))
    spatial = Recipe("corr", pads=tuple(pads), conj=False, boundary=boundary,
                     stride=tuple(stride), dilation=tuple(dilation))
    cog = cout // groups
    out, first = None, None
    for o in range(cout):
        g = o // cog
        y = recipe.run(x[:, g * cig:(g + 1) * cig], w[o][None])
        if out is None:
            out = np.zeros((b, cout) + y.shape[2:], dtype=y.dtype)
            first = y
        out[:, o] = y.values[:, 0]
    return out, first.start[2:], first.step[2:], spatial


def _finish(vals, dtype, bias, fn):
    if bias is not None:
        bias = arr(bias, "bias", fn)
        vals = vals + bias.reshape((1, -1) + (1,) * (vals.ndim - 2)).astype(vals.dtype)
    return wrap(vals, dtype)


def _work(x, w):
    return None if x.dtype.kind in "biu" else np.result_type(x.dtype, w.dtype)


def torch_conv(nsp: int, layer: bool = False):
    """torch.nn.functional.conv{1,2,3}d (and nn.Conv{n}d with padding_mode, ``layer=True``)."""
    fn = f"torch.nn.Conv{nsp}d" if layer else f"torch.nn.functional.conv{nsp}d"

    def adapter(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1,
                padding_mode="zeros"):
        x, w = arr(input, "input", fn), arr(weight, "weight", fn)
        if x.dtype != w.dtype:
            raise ArgumentTypeError(f"{fn}: input type ({x.dtype}) and weight type ({w.dtype}) "
                                    "should be the same")
        unbatched = x.ndim == nsp + 1
        if unbatched:
            x = x[None]
        if x.ndim != nsp + 2 or w.ndim != nsp + 2:
            raise ArgumentError(f"{fn}: expected {nsp + 1}-D (unbatched) or {nsp + 2}-D input "
                                f"and {nsp + 2}-D weight; got {x.shape} and {w.shape}")
        s = _tuple(stride, nsp, "stride", fn)
        d = _tuple(dilation, nsp, "dilation", fn)
        if padding_mode not in TORCH_PADDING_MODES:
            raise ArgumentError(f"{fn}: padding_mode={padding_mode!r} is not accepted: use one "
                                f"of {', '.join(TORCH_PADDING_MODES)}")
        if padding == "same":
            if any(v != 1 for v in s):
                raise ArgumentError(f"{fn}: padding='same' is not supported for strided "
                                    "convolutions")
            pads = [("d * (M - 1) // 2", "d * (M - 1) - d * (M - 1) // 2")] * nsp
        elif padding == "valid":
            pads = [("0", "0")] * nsp
        elif isinstance(padding, str):
            raise ArgumentError(f"{fn}: padding={padding!r} is not accepted: use 'valid', "
                                "'same', an int or a tuple of ints")
        else:
            pads = [(str(p), str(p)) for p in _tuple(padding, nsp, "padding", fn)]
        boundary = TORCH_PADDING_MODES[padding_mode]
        vals, start, step, recipe = _channels(x, w, pads, s, d, int(groups), boundary, fn)
        if any(n < 1 for n in vals.shape[2:]):
            raise ArgumentError(f"{fn}: kernel size can't be greater than the padded input size")
        vals = _finish(vals, x.dtype, bias, fn)
        vals = vals[0] if unbatched else vals
        lead = (0,) * (vals.ndim - nsp)
        return Outcome(vals, lead + start, (1,) * len(lead) + step, recipe, x.shape[2:],
                       w.shape[2:])

    adapter.__name__ = f"torch_conv{nsp}d"
    return adapter


def _upsample(x, s, axes_from=2):
    """Insert ``s - 1`` zeros between samples on the spatial axes (input dilation)."""
    if all(v == 1 for v in s):
        return x
    shape = x.shape[:axes_from] + tuple((n - 1) * v + 1 for n, v in zip(x.shape[axes_from:], s))
    out = np.zeros(shape, dtype=x.dtype)
    out[(slice(None),) * axes_from + tuple(slice(None, None, v) for v in s)] = x
    return out


def torch_conv_transpose(nsp: int):
    """torch.nn.functional.conv_transpose{1,2,3}d: the adjoint of conv, a true convolution."""
    fn = f"torch.nn.functional.conv_transpose{nsp}d"

    def adapter(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                dilation=1):
        x, w = arr(input, "input", fn), arr(weight, "weight", fn)
        if x.dtype != w.dtype:
            raise ArgumentTypeError(f"{fn}: input type ({x.dtype}) and weight type ({w.dtype}) "
                                    "should be the same")
        if isinstance(padding, str):
            raise ArgumentTypeError(f"{fn}: padding={padding!r} is not accepted: give an int "
                                    "or a tuple of ints")
        unbatched = x.ndim == nsp + 1
        if unbatched:
            x = x[None]
        if x.ndim != nsp + 2 or w.ndim != nsp + 2:
            raise ArgumentError(f"{fn}: expected {nsp + 2}-D input and weight; got {x.shape} "
                                f"and {w.shape}")
        s, p = _tuple(stride, nsp, "stride", fn), _tuple(padding, nsp, "padding", fn)
        op, d = _tuple(output_padding, nsp, "output_padding", fn), _tuple(dilation, nsp,
                                                                          "dilation", fn)
        if any(a >= max(b, c) for a, b, c in zip(op, s, d)):
            raise ArgumentError(f"{fn}: output_padding={output_padding!r} must be smaller than "
                                "either stride or dilation")
        g = int(groups)
        cin, cig_out = w.shape[:2]
        if x.shape[1] != cin or cin % g:
            raise ArgumentError(f"{fn}: input has {x.shape[1]} channels, weight {w.shape} "
                                f"with groups={g}")
        # the transpose: y[o] = sum_{n,k} x[n] w[k] [o = n*s + k*d - p], a convolution of the
        # zero-upsampled input with the dilated kernel, read from index p on
        xu = _upsample(x, s)
        lengths = [(n - 1) * a - 2 * b + c * (m - 1) + e + 1
                   for n, a, b, c, m, e in zip(x.shape[2:], s, p, d, w.shape[2:], op)]
        if any(v < 1 for v in lengths):
            raise ArgumentError(f"{fn}: the output size would be {lengths}: too small")
        # as a correlation of xu with the flipped kernel: pad P = d*(M-1) - p on the left
        # output length L = Nu - 2p + d(M-1) + output_padding (Nu the upsampled length),
        # so the right pad Q = L - Nu + P = d(M-1) - p + output_padding
        pads = [(f"d * (M - 1) - {b}", f"d * (M - 1) - {b} + {e}") for b, e in zip(p, op)]
        wt = np.swapaxes(w.reshape((g, cin // g, cig_out) + w.shape[2:]), 1, 2)
        wt = wt.reshape((g * cig_out, cin // g) + w.shape[2:])
        wt = wt[(slice(None), slice(None)) + (slice(None, None, -1),) * nsp]
        vals, start, step, recipe = _channels(xu, np.ascontiguousarray(wt), pads, (1,) * nsp, d,
                                              g, "constant", fn)
        vals = _finish(vals, x.dtype, bias, fn)
        vals = vals[0] if unbatched else vals
        lead = (0,) * (vals.ndim - nsp)
        conv = Recipe("conv", pads=recipe.pads, dilation=recipe.dilation)
        return Outcome(vals, lead + start, (1,) * len(lead) + step, conv, xu.shape[2:],
                       w.shape[2:])

    adapter.__name__ = f"torch_conv_transpose{nsp}d"
    return adapter


# --- TensorFlow and jax.lax ---------------------------------------------------------------
def _same_pads(lower: bool):
    total = "max((-(-N // s) - 1) * s + (M - 1) * d + 1 - N, 0)"
    small = f"{total} // 2"
    big = f"{total} - {total} // 2"
    return (big, small) if lower else (small, big)


def tf_conv(nsp: int):
    """tf.nn.conv{1,2,3}d: channels-last correlation; 'SAME' pads the extra after."""
    fn = f"tf.nn.conv{nsp}d"
    last = {1: "NWC", 2: "NHWC", 3: "NDHWC"}[nsp]

    def adapter(input, filters, strides=None, padding=None, data_format=None, dilations=None,
                name=None, stride=None):
        x, w = arr(input, "input", fn), arr(filters, "filters", fn)
        fmt = data_format or last
        if fmt not in (last, "NC" + last[1:-1], "NCW", "NCHW", "NCDHW") or len(fmt) != nsp + 2:
            raise ArgumentError(f"{fn}: data_format={data_format!r} is not accepted: use "
                                f"{last!r} or 'NC{last[1:-1]}'")
        clast = fmt[-1] == "C"
        if x.ndim != nsp + 2 or w.ndim != nsp + 2:
            raise ArgumentError(f"{fn}: input must be {nsp + 2}-D ({fmt}) and filters "
                                f"{nsp + 2}-D; got {x.shape} and {w.shape}")

        def spatial(v, name):
            if v is None:
                return (1,) * nsp
            if np.ndim(v) and len(v) == nsp and nsp != 1:  # one entry per spatial axis
                return tuple(int(a) for a in v)
            t = _tuple(v, nsp + 2, name, fn) if np.ndim(v) else (int(v),) * (nsp + 2)
            return t[1:-1] if clast else t[2:]

        s = spatial(stride if strides is None else strides, "strides")
        d = spatial(dilations, "dilations")
        xs = np.moveaxis(x, -1, 1) if clast else x
        wt = np.moveaxis(np.moveaxis(w, -1, 0), -1, 1)  # [*k, in, out] -> [out, in, *k]
        if isinstance(padding, str) and padding.upper() in ("SAME", "VALID"):
            pads = ([_same_pads(False)] if padding.upper() == "SAME" else [("0", "0")]) * nsp
        elif isinstance(padding, str) or padding is None:
            raise ArgumentError(f"{fn}: padding={padding!r} is not accepted: use 'SAME', "
                                "'VALID' or explicit [[before, after], ...] pairs")
        else:
            pairs = [tuple(int(v) for v in p) for p in padding]
            pairs = pairs[1:-1] if clast else pairs[2:]
            pads = [(str(a), str(b)) for a, b in pairs]
        vals, start, step, recipe = _channels(xs, wt, pads, s, d, 1, "constant", fn)
        vals = wrap(vals, x.dtype)
        if clast:
            vals = np.moveaxis(vals, 1, -1)
            return Outcome(vals, (0,) + start + (0,), (1,) + step + (1,), recipe, xs.shape[2:],
                           wt.shape[2:])
        return Outcome(vals, (0, 0) + start, (1, 1) + step, recipe, xs.shape[2:], wt.shape[2:])

    adapter.__name__ = f"tf_conv{nsp}d"
    return adapter


def _jax32(dt) -> np.dtype:
    return np.dtype({"int64": np.int32, "uint64": np.uint32, "float64": np.float32,
                     "complex128": np.complex64}.get(np.dtype(dt).name, dt))


def _lax_specs(dimension_numbers, nd):
    if dimension_numbers is None:
        sp = "".join(chr(ord("0") + i) for i in range(nd - 2))
        return "NC" + sp, "OI" + sp, "NC" + sp
    if hasattr(dimension_numbers, "lhs_spec"):  # a lax.ConvDimensionNumbers of index tuples
        sp = [chr(ord("0") + i) for i in range(nd - 2)]

        def spec(perm, a, b):
            out = [""] * nd
            for letter, axis in zip([a, b, *sp], perm):
                out[axis] = letter
            return "".join(out)

        dn = dimension_numbers
        return spec(dn.lhs_spec, "N", "C"), spec(dn.rhs_spec, "O", "I"), spec(dn.out_spec,
                                                                                "N", "C")
    specs = tuple(dimension_numbers)
    if len(specs) != 3 or not all(isinstance(v, str) for v in specs):
        raise ArgumentError("jax.lax.conv_general_dilated: dimension_numbers must be None or "
                            "three spec strings such as ('NHWC', 'HWIO', 'NHWC')")
    return specs


def lax_conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=None,
                             rhs_dilation=None, dimension_numbers=None, feature_group_count=1,
                             batch_group_count=1, precision=None, preferred_element_type=None
                             ) -> Outcome:
    """jax.lax.conv_general_dilated: XLA correlation with SAME/SAME_LOWER/VALID or pads."""
    fn = "jax.lax.conv_general_dilated"
    x, w = arr(lhs, "lhs", fn), arr(rhs, "rhs", fn)
    # JAX's default 32-bit mode stores 64-bit inputs as their 32-bit types
    x, w = x.astype(_jax32(x.dtype), copy=False), w.astype(_jax32(w.dtype), copy=False)
    if x.dtype != w.dtype:
        raise ArgumentTypeError(f"{fn}: lhs and rhs must have the same dtype, got {x.dtype} "
                                f"and {w.dtype}")
    if int(batch_group_count) != 1:
        raise ArgumentError(f"{fn}: batch_group_count={batch_group_count} is not reproduced "
                            "(only 1)")
    ls, rs, os_ = _lax_specs(dimension_numbers, x.ndim)
    spatial = [c for c in rs if c not in "OI"]
    xs = np.transpose(x, [ls.index("N"), ls.index("C")] + [ls.index(c) for c in spatial])
    wt = np.transpose(w, [rs.index("O"), rs.index("I")] + [rs.index(c) for c in spatial])
    nsp = x.ndim - 2
    s = _tuple(window_strides, nsp, "window_strides", fn)
    ld = _tuple(1 if lhs_dilation is None else lhs_dilation, nsp, "lhs_dilation", fn)
    d = _tuple(1 if rhs_dilation is None else rhs_dilation, nsp, "rhs_dilation", fn)
    xs = _upsample(xs, ld)
    if isinstance(padding, str) and any(v != 1 for v in ld):
        raise ArgumentError(f"{fn}: string padding is not implemented for transposed "
                            "convolution (lhs_dilation); give explicit (low, high) pairs")
    if isinstance(padding, str):
        key = padding.upper()
        if key not in ("SAME", "SAME_LOWER", "VALID"):
            raise ArgumentError(f"{fn}: padding={padding!r} is not accepted: use 'SAME', "
                                "'SAME_LOWER', 'VALID' or (low, high) pairs")
        pads = [_same_pads(key == "SAME_LOWER") if key != "VALID" else ("0", "0")] * nsp
    else:
        pads = [(str(int(a)), str(int(b))) for a, b in padding]
    vals, start, step, recipe = _channels(xs, wt, pads, s, d, int(feature_group_count),
                                          "constant", fn)
    dt = _jax32(preferred_element_type) if preferred_element_type is not None else x.dtype
    vals = wrap(vals, dt)
    order = ["N", "C"] + spatial
    vals = np.transpose(vals, [order.index(c) for c in os_])
    starts = dict(zip(order, (0, 0) + start))
    steps = dict(zip(order, (1, 1) + step))
    return Outcome(vals, tuple(starts[c] for c in os_), tuple(steps[c] for c in os_), recipe,
                   xs.shape[2:], wt.shape[2:])


def lax_conv(lhs, rhs, window_strides, padding, precision=None, preferred_element_type=None
             ) -> Outcome:
    """jax.lax.conv: conv_general_dilated with NCHW / OIHW and no dilation."""
    return lax_conv_general_dilated(lhs, rhs, window_strides, padding, precision=precision,
                                    preferred_element_type=preferred_element_type)
