"""torch tensors in, torch tensors out (CPU or CUDA), and batched CNN-style convolution.

:func:`convolve` and :func:`correlate` take torch tensors and keep them on
their device: the index plan is the same as for numpy
(:func:`kernelflip.make_plan`; plain tensors are taken as centred), the
extension is done on the device (``torch.nn.functional.pad`` for constant
boundaries, an index gather for the others) and the canonical correlation
is ``torch.nn.functional.conv{1,2,3}d`` (cuDNN on CUDA).  They return a
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

from typing import NamedTuple

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError
from ..lattice import centered_start
from ..plan import extend_positions, make_plan


class TensorResult(NamedTuple):
    """A tensor result on a signed lattice: ``values[k]`` has index ``start + step*k``."""

    values: object
    start: tuple
    step: tuple


def is_tensor(a) -> bool:
    """True for a torch.Tensor (without importing torch when it is not loaded)."""
    import sys

    torch = sys.modules.get("torch")
    return torch is not None and isinstance(a, torch.Tensor)


def _run(op, x, h, mode, boundary, cval, stride, dilation, convention):
    import torch
    import torch.nn.functional as F

    if not (is_tensor(x) and is_tensor(h)):
        raise ArgumentTypeError(f"x and h must both be torch tensors, got {type(x).__name__} "
                                f"and {type(h).__name__}")
    if x.ndim != h.ndim or x.ndim not in (1, 2, 3):
        raise ArgumentError(f"x.ndim={x.ndim}, h.ndim={h.ndim} is not accepted: give tensors "
                            "with the same number of axes, 1 to 3")
    plan = make_plan(op, tuple(x.shape), tuple(h.shape), x_start=centered_start(x.shape),
                     h_start=centered_start(h.shape), convention=convention, mode=mode,
                     boundary=boundary, stride=stride, dilation=dilation)
    if not (x.dtype.is_floating_point and h.dtype.is_floating_point):
        from .. import ops

        fn = ops.convolve if op == "conv" else ops.correlate
        kw = {} if op == "conv" else {"convention": convention}
        y = fn(x.detach().cpu().numpy(), h.detach().cpu().numpy(), mode=mode, boundary=boundary,
               cval=cval, stride=stride, dilation=dilation, **kw)
        return TensorResult(torch.from_numpy(y.values).to(x.device), y.start, y.step)
    dt = torch.promote_types(x.dtype, h.dtype)
    x, w = x.to(dt), h.to(dt)
    c = plan.canon
    if c.flip:
        w = torch.flip(w, dims=tuple(range(w.ndim)))
    span = c.span(w.shape)
    region = [(p, p + n) for p, n in zip(c.p0, span)]
    pad_in_conv = c.boundary == "constant" and cval == 0 and w.numel() <= fft_taps(x.device)
    lo = [-a for a, _ in region]
    hi = [b - n for (_, b), n in zip(region, x.shape)]
    if pad_in_conv and lo == hi and all(v >= 0 for v in lo):
        # symmetric zero padding: let the convolution pad (no padded copy)
        conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[x.ndim]
        if any(k == 0 for k in c.out_shape):
            z = torch.zeros(c.out_shape, dtype=dt, device=x.device)
        else:
            z = conv(x[None, None], w[None, None], stride=c.stride, dilation=c.dilation,
                     padding=tuple(lo))[0, 0]
        if c.reverse:
            z = torch.flip(z, dims=tuple(range(z.ndim)))
        return TensorResult(z, plan.out_start, plan.out_step)
    if c.boundary == "constant":
        pads = []
        for (a, b), n in reversed(list(zip(region, x.shape))):
            pads += [-a, b - n]
        xe = F.pad(x, pads, mode="constant", value=float(cval))
    else:
        xe = x
        for ax, ((a, b), n) in enumerate(zip(region, x.shape)):
            idx = extend_positions(np.arange(a, b), n, c.boundary)
            xe = torch.index_select(xe, ax, torch.as_tensor(idx, device=x.device))
    conv = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[x.ndim]
    if any(k == 0 for k in c.out_shape):
        z = torch.zeros(c.out_shape, dtype=dt, device=x.device)
    elif w.numel() > fft_taps(x.device):
        z = _fft_valid(xe, w, c.stride, c.dilation, c.out_shape)
    else:
        z = conv(xe[None, None], w[None, None], stride=c.stride, dilation=c.dilation)[0, 0]
    if c.reverse:
        z = torch.flip(z, dims=tuple(range(z.ndim)))
    return TensorResult(z, plan.out_start, plan.out_step)


def fft_taps(device) -> int:
    """Kernel taps above which the FFT path is used: 49 on CUDA, 121 on the CPU.

    Rough thresholds (cuDNN's direct kernels fall behind an FFT between 7x7 and
    11x11 single-channel kernels, see BENCHMARKS.md); not calibrated per GPU.
    """
    return 49 if getattr(device, "type", "cpu") == "cuda" else 121


def _fft_valid(xe, w, stride, dilation, out_shape):
    """Valid correlation of xe with w by real FFTs of xe's own length (no wrap in the kept part)."""
    import torch

    nd = w.ndim
    if any(d != 1 for d in dilation):
        shape = tuple(d * (m - 1) + 1 for d, m in zip(dilation, w.shape))
        wd = torch.zeros(shape, dtype=w.dtype, device=w.device)
        wd[tuple(slice(None, None, d) for d in dilation)] = w
        w = wd
    wf = torch.flip(w, dims=tuple(range(nd)))
    lens = tuple(xe.shape)
    dims = tuple(range(nd))
    spec = torch.fft.rfftn(xe, s=lens, dim=dims) * torch.fft.rfftn(wf, s=lens, dim=dims)
    full = torch.fft.irfftn(spec, s=lens, dim=dims)
    sl = tuple(slice(m - 1, m - 1 + s * (k - 1) + 1, s) for m, s, k in
               zip(w.shape, stride, out_shape))
    return full[sl]


def convolve(x, h, mode="full", boundary="constant", cval=0, stride=1, dilation=1):
    r"""Convolution of torch tensors, :math:`y[m] = \sum_i x[i]\,h[m-i]`, on x's device.

    Index ranges and output sizes per mode are those of
    :func:`kernelflip.convolve` (``full``: ``N + M - 1``; ``same``: ``N``;
    ``valid``: ``N - M + 1``, with dilation ``d``: ``M -> d(M-1)+1``).

    >>> import torch
    >>> y = convolve(torch.tensor([0., 1., 0.]), torch.tensor([1., 2., 4.]))
    >>> y.values.tolist(), y.start
    ([0.0, 1.0, 2.0, 4.0, 0.0], (-2,))
    """
    return _run("conv", x, h, mode, boundary, cval, stride, dilation, "standard")


def correlate(x, h, mode="full", boundary="constant", cval=0, stride=1, dilation=1,
              convention="standard"):
    r"""Cross-correlation of torch tensors, :math:`y[m] = \sum_i x[i]\,h[i-m]` (standard).

    ``convention="article"`` gives :math:`y[m] = \sum_i x[i]\,h[m+i]`.  Index
    ranges and sizes as in :func:`kernelflip.correlate`.  Real tensors only
    on the torch path (complex tensors go through numpy).

    >>> import torch
    >>> correlate(torch.tensor([0., 1., 0.]), torch.tensor([1., 2., 4.])).values.tolist()
    [0.0, 4.0, 2.0, 1.0, 0.0]
    """
    return _run("corr", x, h, mode, boundary, cval, stride, dilation, convention)


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
