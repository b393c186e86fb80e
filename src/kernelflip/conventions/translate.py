"""The equivalent call in another library, as code.

:func:`translate` reads the source call's convention as a
:class:`~kernelflip.conventions.recipe.Recipe` (pad ``P`` before and ``Q``
after on each axis, the border, stride, dilation, flip and conjugation) and
writes it in the target's own terms: a kernel flip where one library
convolves and the other correlates, a conjugate where only one conjugates,
an anchor/origin/camp where the target has one, or an explicit pad followed
by a 'valid' sum and a crop.  Where the target cannot express the border,
:class:`NoEquivalent` says why.

The generated code works on one image plane ``x`` and one kernel ``h``
(numpy arrays; for layer libraries one input and one output channel) and
leaves the result in ``y``.  Pads are written as expressions in
``x.shape``/``h.shape``, so the code holds for every size, odd or even.
"""

from __future__ import annotations

import re

import numpy as np

from ..errors import ArgumentError
from .catalogue import lookup
from .recipe import Recipe, evaluate

__all__ = ["translate", "NoEquivalent", "plane_call", "TARGETS"]

_SAMPLES = [(n, m) for n in range(1, 10) for m in range(1, 7)]


class NoEquivalent(ArgumentError):
    """The target library cannot express the source call; the message says why."""


# --- the source call on one plane ---------------------------------------------------------
def plane_call(name: str, x, h, **options):
    """Run catalogue function ``name`` on one image plane ``x`` and kernel ``h``.

    Layer libraries get ``x``/``h`` wrapped as one batch and one channel; the
    result comes back as a plane.  ``options`` are the library's own keyword
    arguments (MATLAB: ``shape=``, imfilter: ``options=(...)``).

    >>> plane_call("cv2.filter2D", np.eye(3), np.ones((1, 2)), borderType=0).values
    array([[1., 0., 0.],
           [1., 1., 0.],
           [0., 1., 1.]])
    """
    from . import outcome

    conv = lookup(name)
    n, lib = conv.name, conv.library
    x, h = np.asarray(x), np.asarray(h)
    nd = x.ndim
    opts = dict(options)
    if n.startswith(("numpy.", "jax.numpy.")) or n.startswith(("scipy.", "jax.scipy.")):
        res = outcome(n, x, h, **opts)
        return res
    if lib == "cv2":
        if n == "cv2.sepFilter2D":
            if h.ndim != 2 or 1 not in h.shape:
                raise NoEquivalent("cv2.sepFilter2D takes two 1-D kernels: give a kernel with "
                                   "one row or one column, or use cv2.filter2D with "
                                   "np.outer(kernelY, kernelX)")
            kx, ky = (h[0], np.ones(1)) if h.shape[0] == 1 else (np.ones(1), h[:, 0])
            return outcome(n, x, opts.pop("ddepth", -1), kx, ky, **opts)
        return outcome(n, x, opts.pop("ddepth", -1), h, **opts)
    if lib == "matlab":
        if n == "matlab.filter2":
            return outcome(n, h, x, *_shape(opts))
        if n == "matlab.imfilter":
            return outcome(n, x, h, *opts.pop("options", ()))
        if n == "matlab.xcorr2":
            return outcome(n, x, h)
        return outcome(n, x, h, *_shape(opts))
    lead = (None, None)
    if lib == "tf":
        res = outcome(n, x[(None,) + (slice(None),) * nd + (None,)],
                      h[(slice(None),) * nd + (None, None)], **opts)
        return _plane(res, (0,), (0,))
    if n.startswith("jax.lax"):
        opts.setdefault("window_strides", (1,) * nd)
        opts.setdefault("padding", "VALID")
    res = outcome(n, x[lead], h[lead], **opts)
    return _plane(res, (0, 0), ())


def _shape(opts):
    return (opts.pop("shape"),) if "shape" in opts else ()


def _plane(res, head, tail):
    from ._common import Outcome

    sl = head + (slice(None),) * (res.values.ndim - len(head) - len(tail)) + tail
    k = len(head)
    end = len(res.start) - len(tail)
    return Outcome(res.values[sl], res.start[k:end], res.step[k:end], res.recipe, res.x_shape,
                   res.h_shape)


# --- expressions ---------------------------------------------------------------------------
def _env(expr: str, s: int, d: int):
    return [evaluate(expr, N=n, M=m, s=s, d=d) for n, m in _SAMPLES]


_FORMS = ("0", "M // 2", "(M - 1) // 2", "M - 1", "d * (M - 1)", "d * (M - 1) // 2",
          "d * (M - 1) - d * (M - 1) // 2", "M - 1 - M // 2", "M // 2 - 1")


def _simplify(expr: str, s: int, d: int) -> str:
    """A short equivalent of ``expr`` (over N, M, d, s) when one of the usual forms fits."""
    vals = _env(expr, s, d)
    if len(set(vals)) == 1:
        return str(vals[0])
    for form in _FORMS:
        if _env(form, s, d) == vals:
            return form.replace("d * ", "" if d == 1 else f"{d} * ")
    return expr


def _py(expr: str, ax: int, s: int, d: int) -> str:
    """The expression with ``x.shape``/``h.shape`` for N/M on axis ``ax``."""
    e = _simplify(expr, s, d)
    e = re.sub(r"\bN\b", f"x.shape[{ax}]", e)
    e = re.sub(r"\bM\b", f"h.shape[{ax}]", e)
    e = re.sub(r"\bd\b", str(d), e)
    return re.sub(r"\bs\b", str(s), e)


class _Call:
    """The source recipe, prepared for code generation."""

    def __init__(self, recipe: Recipe, name: str):
        self.r, self.name = recipe, name
        self.nd = recipe.ndim
        self.s, self.d = recipe.strides(), recipe.dilations()
        self.p = [_simplify(p, s, d) for (p, _), s, d in zip(recipe.pads, self.s, self.d)]
        self.q = [_simplify(q, s, d) for (_, q), s, d in zip(recipe.pads, self.s, self.d)]

    def axis_is(self, kind: str) -> bool:
        ok = True
        for (pe, qe), s, d in zip(self.r.pads, self.s, self.d):
            P, Q, T = _env(pe, s, d), _env(qe, s, d), _env("d * (M - 1)", s, d)
            if kind == "same":
                ok &= s == 1 and all(a + b == t for a, b, t in zip(P, Q, T))
            elif kind == "full":
                ok &= P == T and Q == T
            elif kind == "valid":
                ok &= set(P) == {0} and set(Q) == {0}
            elif kind == "symmetric":
                ok &= P == Q
        return ok

    def camp(self) -> str | None:
        """'E' or 'L' when this is a stride-1, undilated 'same' window of one camp."""
        if not self.axis_is("same") or any(d != 1 for d in self.d):
            return None
        for camp, form in (("E", "M // 2"), ("L", "(M - 1) // 2")):
            if all(_env(pe, 1, 1) == _env(form, 1, 1) for pe, _ in self.r.pads):
                return camp
        return None

    def pads_block(self) -> str:
        lines = [f"P{a}, Q{a} = {_py(self.p[a], a, self.s[a], self.d[a])}, "
                 f"{_py(self.q[a], a, self.s[a], self.d[a])}" for a in range(self.nd)]
        if any(min(_env(e, s, d)) < 0 for pq, s, d in zip(self.r.pads, self.s, self.d)
               for e in pq):
            # negative pads crop the image
            sl = ", ".join(f"max(-P{a}, 0):x.shape[{a}] - max(-Q{a}, 0)" for a in range(self.nd))
            lines.append(f"x = x[{sl}]")
            lines += [f"P{a}, Q{a} = max(P{a}, 0), max(Q{a}, 0)" for a in range(self.nd)]
        return "\n".join(lines)

    def kernel(self, target_op: str, target_conj: bool, flip_expr=None) -> str:
        g = "h"
        if (self.r.op == "conv") != (target_op == "conv"):
            g = flip_expr or f"h[{', '.join(['::-1'] * self.nd)}]"
        src_conj = self.r.op == "corr" and self.r.conj
        if src_conj != (target_op == "corr" and target_conj):
            g = f"np.conj({g})"
        return g

    def dilated(self, g: str) -> list[str]:
        """Lines that spread the kernel's taps ``d`` apart (for targets without dilation)."""
        if all(d == 1 for d in self.d):
            return [f"g = {g}"]
        shp = ", ".join(f"{d} * (h.shape[{a}] - 1) + 1" for a, d in enumerate(self.d))
        sl = ", ".join(f"::{d}" for d in self.d)
        return [f"g = np.zeros(({shp},), dtype=np.result_type(h, 1.0))", f"g[{sl}] = {g}"]

    def stride_slice(self) -> str:
        if all(s == 1 for s in self.s):
            return ""
        return "[" + ", ".join(f"::{s}" for s in self.s) + "]"

    def np_pad(self, var="x") -> str:
        pads = ", ".join(f"(P{a}, Q{a})" for a in range(self.nd))
        b = self.r.boundary
        extra = f", constant_values={self.r.cval!r}" if b == "constant" and self.r.cval else ""
        return f"np.pad({var}, ({pads},), mode={b!r}{extra})"


# --- targets -------------------------------------------------------------------------------
def _t_kernelflip(c: _Call, target: str) -> str:
    op = c.r.op
    fn = "kf.convolve" if op == "conv" else "kf.correlate"
    g = "h" if op == "conv" or c.r.conj else "np.conj(h)"
    kw = f"boundary={c.r.boundary!r}" + (f", cval={c.r.cval!r}" if c.r.cval else "")
    if c.axis_is("same") and all(d == 1 for d in c.d):
        if op == "corr":
            starts = ", ".join(f"-P{a}" for a in range(c.nd))
        else:
            starts = ", ".join(f"-(h.shape[{a}] - 1 - P{a})" for a in range(c.nd))
        return "\n".join(["import numpy as np", "import kernelflip as kf", c.pads_block(),
                          (f"y = {fn}(kf.indexed(x, 0), kf.indexed({g}, start=({starts},)), "
                          f"mode='same', {kw}).values")])
    # general window: anchor at the kernel's first tap (correlation side), window from -P
    win = ", ".join(f"(-P{a}, -P{a} + {c.s[a]} * ((x.shape[{a}] + P{a} + Q{a} - {c.d[a]} * "
                    f"(h.shape[{a}] - 1) - 1) // {c.s[a]}) + 1)" for a in range(c.nd))
    if op == "conv":
        starts = ", ".join(f"-(h.shape[{a}] - 1)" for a in range(c.nd))
    else:
        starts = ", ".join("0" for _ in range(c.nd))
    return "\n".join(["import numpy as np", "import kernelflip as kf", c.pads_block(),
                      (f"y = {fn}(kf.indexed(x, 0), kf.indexed({g}, start=({starts},)), "
                      f"mode=({win},), {kw}, stride={c.s}, dilation={c.d}).values")])


def _t_numpy(c: _Call, target: str) -> str:
    if c.nd != 1:
        raise NoEquivalent(f"{target} is 1-D only; the source call has {c.nd} axes")
    op = "conv" if target.endswith("convolve") else "corr"
    fn = "np.convolve" if op == "conv" else "np.correlate"
    lines = ["import numpy as np", c.pads_block(), f"xp = {c.np_pad()}",
             *c.dilated(c.kernel(op, True)), f"y = {fn}(xp, g, 'valid'){c.stride_slice()}"]
    return "\n".join(lines)


def _t_scipy(c: _Call, target: str) -> str:
    fn = target.split(".")[-1]
    two_d = fn.endswith("2d")
    if two_d and c.nd != 2:
        raise NoEquivalent(f"{target} is 2-D only; the source call has {c.nd} axes")
    op = "corr" if fn.startswith("correlate") else "conv"
    g = c.kernel(op, True)
    borders = {"constant": "fill", "wrap": "wrap", "symmetric": "symm"} if two_d else \
        {"constant": "fill"}
    b = c.r.boundary
    native = b in borders and (b != "constant" or not c.r.cval or two_d)
    extra = ""
    if two_d and native and (b != "constant" or c.r.cval):
        extra = f", boundary={borders[b]!r}" + (f", fillvalue={c.r.cval!r}" if c.r.cval else "")
    head = ["import numpy as np", "import scipy.signal as ss"]
    if native and all(d == 1 for d in c.d):
        camp = "L" if fn == "correlate2d" else "E"
        for mode in ("full", "valid", "same"):
            if c.axis_is(mode) and (mode != "same" or c.camp() == camp):
                return "\n".join(head + [f"y = ss.{fn}(x, {g}, {mode!r}{extra})"])
    lines = head + [c.pads_block(), f"xp = {c.np_pad()}", *c.dilated(g),
                    f"y = ss.{fn}(xp, g, 'valid'){c.stride_slice()}"]
    return "\n".join(lines)


def _t_ndimage(c: _Call, target: str) -> str:
    fn = target.split(".")[-1]
    op = "corr" if fn == "correlate" else "conv"
    g = c.kernel(op, True)
    modes = {"constant": "constant", "symmetric": "reflect", "reflect": "mirror",
             "edge": "nearest", "wrap": "wrap"}
    head = ["import numpy as np", "import scipy.ndimage as ndi"]
    if c.axis_is("same") and all(d == 1 for d in c.d):
        # correlation anchor P = M//2 + origin; convolution anchor M-1-P = M//2 + origin
        org = ", ".join((f"P{a} - h.shape[{a}] // 2" if op == "corr" else
                         f"h.shape[{a}] - 1 - P{a} - h.shape[{a}] // 2") for a in range(c.nd))
        cval = f", cval={c.r.cval!r}" if c.r.cval else ""
        return "\n".join(head + [c.pads_block(), (f"y = ndi.{fn}(x, {g}, mode="
                                 f"{modes[c.r.boundary]!r}{cval}, origin=[{org}])")])
    # pad, then read the outputs whose first tap sits at 0 (origin -(M//2), or its mirror)
    org = ", ".join((f"-(g.shape[{a}] // 2)" if op == "corr" else
                     f"(g.shape[{a}] - 1) - g.shape[{a}] // 2") for a in range(c.nd))
    crop = ", ".join(f":xp.shape[{a}] - g.shape[{a}] + 1" for a in range(c.nd))
    return "\n".join(head + [c.pads_block(), f"xp = {c.np_pad()}", *c.dilated(g),
                             (f"y = ndi.{fn}(xp, g, mode='constant', origin=[{org}])[{crop}]"
                             f"{c.stride_slice()}")])


def _t_cv2(c: _Call, target: str) -> str:
    if c.nd != 2:
        raise NoEquivalent(f"{target} is 2-D only; the source call has {c.nd} axes")
    g = c.kernel("corr", False)
    borders = {"constant": "cv2.BORDER_CONSTANT", "symmetric": "cv2.BORDER_REFLECT",
               "reflect": "cv2.BORDER_REFLECT_101", "edge": "cv2.BORDER_REPLICATE",
               "wrap": "cv2.BORDER_WRAP"}
    b = c.r.boundary
    head = ["import numpy as np", "import cv2"]
    note = "# OpenCV computes in float: pass float32/float64 data for the exact sums"
    if c.axis_is("same") and all(d == 1 for d in c.d) and b != "wrap" and not c.r.cval:
        return "\n".join(head + [note, c.pads_block(),
                                 (f"y = cv2.filter2D(x, -1, np.ascontiguousarray({g}), "
                                 f"anchor=(P1, P0), borderType={borders[b]})")])
    # filter2D has no border value, no 'full' and rejects BORDER_WRAP: pad with copyMakeBorder
    # and read the outputs whose anchor (0, 0) lies on the padded image
    crop = ", ".join(f":xp.shape[{a}] - g.shape[{a}] + 1" for a in range(2))
    value = f", value={c.r.cval!r}" if c.r.cval else ""
    return "\n".join(head + [note, c.pads_block(),
                             f"xp = cv2.copyMakeBorder(x, P0, Q0, P1, Q1, {borders[b]}{value})",
                             *c.dilated(g),
                             ("y = cv2.filter2D(xp, -1, np.ascontiguousarray(g), anchor=(0, 0), "
                             f"borderType=cv2.BORDER_CONSTANT)[{crop}]{c.stride_slice()}")])


def _t_torch(c: _Call, target: str) -> str:
    n = int(re.search(r"(\d)d$", target).group(1))
    if c.nd != n:
        raise NoEquivalent(f"{target} has {n} spatial axes; the source call has {c.nd}")
    g = c.kernel("corr", False, flip_expr="np.flip(h)")
    b = c.r.boundary
    modes = {"constant": "constant", "reflect": "reflect", "edge": "replicate",
             "wrap": "circular"}
    if b not in modes:
        raise NoEquivalent(f"torch has no half-sample symmetric border (numpy 'symmetric', "
                           f"ndimage 'reflect', OpenCV BORDER_REFLECT, MATLAB 'symmetric'), "
                           f"which {c.name} uses: pad with np.pad(x, ..., mode='symmetric') "
                           "before converting to a tensor")
    head = ["import numpy as np", "import torch", "import torch.nn.functional as F",
            c.pads_block(), "xt = torch.from_numpy(np.ascontiguousarray(x))[None, None]",
            f"gt = torch.from_numpy(np.ascontiguousarray({g}))[None, None]"]
    kw = f"stride={c.s}, dilation={c.d}"
    if b == "constant" and not c.r.cval and c.axis_is("symmetric"):
        pads = ", ".join(f"P{a}" for a in range(c.nd))
        return "\n".join(head + [(f"y = F.conv{n}d(xt, gt, padding=({pads},), {kw})"
                                 "[0, 0].numpy()")])
    order = ", ".join(f"P{a}, Q{a}" for a in reversed(range(c.nd)))  # last axis first
    value = f", value={c.r.cval!r}" if c.r.cval else ""
    return "\n".join(head + [f"xt = F.pad(xt, ({order}), mode={modes[b]!r}{value})",
                             f"y = F.conv{n}d(xt, gt, {kw})[0, 0].numpy()"])


def _t_lax(c: _Call, target: str) -> str:
    g = c.kernel("corr", False, flip_expr="np.flip(h)")
    head = ["import numpy as np", "import jax.numpy as jnp", "from jax import lax",
            c.pads_block()]
    pads = ", ".join(f"(P{a}, Q{a})" for a in range(c.nd))
    kw = f"window_strides={c.s}, rhs_dilation={c.d}"
    if c.r.boundary == "constant" and not c.r.cval:
        return "\n".join(head + [(f"y = np.asarray(lax.conv_general_dilated(x[None, None], "
                                 f"{g}[None, None], {kw}, padding=[{pads}])[0, 0])")])
    extra = f", constant_values={c.r.cval!r}" if c.r.cval else ""
    return "\n".join(head + [f"xp = jnp.pad(x, ({pads},), mode={c.r.boundary!r}{extra})",
                             (f"y = np.asarray(lax.conv_general_dilated(xp[None, None], "
                             f"{g}[None, None], {kw}, padding='VALID')[0, 0])")])


def _t_tf(c: _Call, target: str) -> str:
    if c.nd != 2:
        raise NoEquivalent(f"{target} is 2-D; the source call has {c.nd} axes")
    modes = {"constant": "CONSTANT", "reflect": "REFLECT", "symmetric": "SYMMETRIC"}
    b = c.r.boundary
    if b not in modes:
        raise NoEquivalent(f"TensorFlow has no {'edge (replicate)' if b == 'edge' else 'wrap'} "
                           f"padding in tf.pad, which {c.name} uses")
    g = c.kernel("corr", False, flip_expr="np.flip(h)")
    head = ["import numpy as np", "import tensorflow as tf", c.pads_block(),
            "xt = tf.constant(x)[None, :, :, None]",
            f"ft = tf.constant(np.ascontiguousarray({g}))[:, :, None, None]"]
    kw = f"strides=[1, {c.s[0]}, {c.s[1]}, 1], dilations=[1, {c.d[0]}, {c.d[1]}, 1]"
    if b == "constant" and not c.r.cval:
        return "\n".join(head + [(f"y = tf.nn.conv2d(xt, ft, {kw}, padding=[[0, 0], [P0, Q0], "
                                 "[P1, Q1], [0, 0]])[0, :, :, 0].numpy()")])
    cv = f", constant_values={c.r.cval!r}" if c.r.cval else ""
    return "\n".join(head + [(f"xt = tf.pad(xt, [[0, 0], [P0, Q0], [P1, Q1], [0, 0]], "
                             f"mode={modes[b]!r}{cv})"),
                             (f"y = tf.nn.conv2d(xt, ft, {kw}, padding='VALID')[0, :, :, 0]"
                             ".numpy()")])


def _t_matlab(c: _Call, target: str, shapes) -> str:
    fn = target.split(".")[-1]
    xs, hs = shapes
    pq = [(p, q) for p, q, _ in c.r.numbers(xs, hs)]
    nd = c.nd
    if fn in ("conv2", "filter2") and nd != 2:
        raise NoEquivalent(f"MATLAB {fn} is 2-D; the source call has {nd} axes")
    b = c.r.boundary
    pads = {"constant": str(c.r.cval or 0), "symmetric": "'symmetric'", "edge": "'replicate'",
            "wrap": "'circular'"}
    if b not in pads:
        raise NoEquivalent("MATLAB's padarray/imfilter have no whole-sample reflect border "
                           f"(numpy 'reflect', OpenCV BORDER_REFLECT_101), which {c.name} uses")
    op = "corr" if fn in ("filter2", "imfilter") else "conv"
    g = "h"
    if (c.r.op == "conv") != (op == "conv"):
        g = _mflip("h", nd)
    if c.r.op == "corr" and c.r.conj:
        g = f"conj({g})"
    sizes = f"% for a {'x'.join(map(str, xs))} image and a {'x'.join(map(str, hs))} kernel"
    lines = [sizes]
    if any(d != 1 for d in c.d):
        sl = ", ".join(f"1:{d}:end" for d in c.d)
        shp = ", ".join(f"{d} * (size(h, {a + 1}) - 1) + 1" for a, d in enumerate(c.d))
        lines += [f"g = zeros({shp});", f"g({sl}) = {g};"]
        g = "g"
    crop = ""
    if any(s != 1 for s in c.s):
        crop = "(" + ", ".join(f"1:{s}:end" for s in c.s) + ")"
    if c.camp() == "L" and b == "constant" and not c.r.cval and fn != "imfilter":
        call = f"conv2(x, {g}, 'same')" if fn == "conv2" else f"filter2({g}, x, 'same')"
        return "\n".join(lines + [f"y = {call};"])
    if c.camp() == "L" and fn == "imfilter":
        lines.append(f"y = imfilter(x, {g}, {pads[b]}, 'same');  % keeps x's class")
        return "\n".join(lines)
    pre = ", ".join(str(p) for p, _ in pq)
    post = ", ".join(str(q) for _, q in pq)
    lines += [f"xp = padarray(x, [{pre}], {pads[b]}, 'pre');",
              f"xp = padarray(xp, [{post}], {pads[b]}, 'post');"]
    if fn == "conv2":
        lines.append(f"y = conv2(xp, {g}, 'valid'){crop};")
    elif fn == "filter2":
        lines.append(f"y = filter2({g}, xp, 'valid'){crop};")
    elif fn == "imfilter":  # a correlation: convn of the kernel flipped on every axis
        lines.append(f"y = convn(xp, {_mflip(g, nd)}, 'valid'){crop};")
    else:
        lines.append(f"y = convn(xp, {g}, 'valid'){crop};")
    return "\n".join(lines)


def _mflip(g: str, nd: int) -> str:
    """MATLAB code flipping ``g`` on every axis."""
    if nd == 2:
        return f"rot90({g}, 2)"
    for a in range(1, nd + 1):
        g = f"flip({g}, {a})"
    return g


TARGETS = {
    "kernelflip": _t_kernelflip,
    "numpy.convolve": _t_numpy, "numpy.correlate": _t_numpy,
    "scipy.signal.convolve": _t_scipy, "scipy.signal.correlate": _t_scipy,
    "scipy.signal.fftconvolve": _t_scipy, "scipy.signal.convolve2d": _t_scipy,
    "scipy.signal.correlate2d": _t_scipy,
    "scipy.ndimage.correlate": _t_ndimage, "scipy.ndimage.convolve": _t_ndimage,
    "cv2.filter2D": _t_cv2,
    "torch.nn.functional.conv1d": _t_torch, "torch.nn.functional.conv2d": _t_torch,
    "torch.nn.functional.conv3d": _t_torch,
    "jax.lax.conv_general_dilated": _t_lax,
    "tf.nn.conv2d": _t_tf,
    "matlab.conv2": _t_matlab, "matlab.filter2": _t_matlab, "matlab.convn": _t_matlab,
    "matlab.imfilter": _t_matlab,
}


def _default_ndim(name: str) -> int:
    m = re.search(r"(\d)d$", name)
    if m:
        return int(m.group(1))
    if name.startswith(("numpy.", "jax.numpy.")) or name == "matlab.conv":
        return 1
    return 2


def translate(source: str, target: str, *, x_shape=None, h_shape=None, ndim=None,
              **options) -> str:
    """Code for ``target`` that computes what ``source(x, h, **options)`` computes.

    The source convention is read from the catalogue on one plane (image
    ``x``, kernel ``h``); ``options`` are the source library's own keyword
    arguments (``mode=``, ``boundary=``, ``origin=``, ``borderType=``,
    ``padding=``, ``stride=``, ``shape=`` for MATLAB, ...).  The code
    defines per-axis pads ``P``/``Q`` from ``x.shape``/``h.shape`` and leaves
    the values in ``y`` (the target's own dtype rule still applies: use float
    data for the exact sums).  MATLAB and TensorFlow code uses numbers for
    ``x_shape``/``h_shape`` where it needs them.

    Raises :class:`NoEquivalent` (a ValueError) with the reason when the
    target cannot express the call, e.g. a half-sample symmetric border in
    torch.

    >>> print(translate("matlab.conv2", "scipy.signal.convolve2d", shape="full"))
    import numpy as np
    import scipy.signal as ss
    y = ss.convolve2d(x, h, 'full')
    >>> print(translate("scipy.signal.correlate2d", "scipy.ndimage.correlate", mode="same"))
    import numpy as np
    import scipy.ndimage as ndi
    P0, Q0 = (h.shape[0] - 1) // 2, h.shape[0] // 2
    P1, Q1 = (h.shape[1] - 1) // 2, h.shape[1] // 2
    y = ndi.correlate(x, h, mode='constant', origin=[P0 - h.shape[0] // 2, P1 - h.shape[1] // 2])
    """
    src = lookup(source)
    key = target if target in TARGETS else None
    if key is None:
        try:
            key = lookup(target).name
        except ArgumentError:
            key = None
        if key not in TARGETS:
            raise ArgumentError(f"target={target!r} is not accepted: use one of "
                                f"{', '.join(TARGETS)}")
    if "lhs_dilation" in options or (src.name.startswith("torch.nn.functional.conv_transpose")
                                     and np.max(options.get("stride", 1)) > 1):
        raise NoEquivalent(f"{src.name} with input dilation (a strided transposed "
                           f"convolution) is not one sliding sum: {key} would need the zero-"
                           "upsampled image; use a transposed convolution there")
    nd = ndim or (len(x_shape) if x_shape else _default_ndim(src.name))
    xs = tuple(x_shape) if x_shape else (7, 8, 6)[:nd]
    hs = tuple(h_shape) if h_shape else (3, 4, 2)[:nd]
    out = plane_call(src.name, np.zeros(xs), np.zeros(hs), **options)
    if out.recipe is None:
        raise NoEquivalent(f"{src.name} with {options} is not a sliding sum here (empty or "
                           "plain product output)")
    call = _Call(out.recipe, src.name)
    if key.startswith("matlab."):
        return _t_matlab(call, key, (out.x_shape, out.h_shape))
    return TARGETS[key](call, key)
