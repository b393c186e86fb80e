"""The Triton direct kernel of the torch engine (``method="stencil"``) against numpy.

On the CPU the kernel runs in Triton's interpreter (``TRITON_INTERPRET=1``), the same
kernel source that is compiled for CUDA tensors; where torch sees a CUDA device the
compiled kernel is checked too.  No timings are asserted.
"""

from __future__ import annotations

import contextlib
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kernelflip as kf

torch = pytest.importorskip("torch")
pytest.importorskip("triton")
from kernelflip.engines import gpu_stencil  # noqa: E402
from kernelflip.engines import torch_engine as te  # noqa: E402

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
if os.environ.get("KF_TEST_DEVICES"):  # e.g. "cuda" on a GPU machine: only those
    DEVICES = [d for d in DEVICES if d in os.environ["KF_TEST_DEVICES"].split(",")]


@contextlib.contextmanager
def _interpreter(device):
    """CPU tensors reach the kernel through Triton's interpreter; CUDA ones compiled."""
    before = os.environ.get("TRITON_INTERPRET")
    if device == "cpu":
        os.environ["TRITON_INTERPRET"] = "1"
    else:
        os.environ.pop("TRITON_INTERPRET", None)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TRITON_INTERPRET", None)
        else:
            os.environ["TRITON_INTERPRET"] = before


def _run(op, x, h, device, dtype=torch.float64, **kw):
    tx = torch.from_numpy(x).to(device=device, dtype=dtype)
    th = torch.from_numpy(h).to(device=device, dtype=dtype)
    with _interpreter(device):
        if op == "conv":
            return te.convolve(tx, th, method="stencil", **kw)
        conv = "article" if op == "article" else "standard"
        return te.correlate(tx, th, convention=conv, method="stencil", **kw)


def _want(op, x, h, **kw):
    if op == "conv":
        return kf.convolve(x, h, **kw)
    return kf.correlate(x, h, convention="article" if op == "article" else "standard", **kw)


@settings(max_examples=60, deadline=None)
@given(nd=st.integers(1, 3), n=st.integers(1, 7), k=st.integers(1, 5),
       mode=st.sampled_from(["full", "same", "valid", "window"]),
       boundary=st.sampled_from(["constant", "symmetric", "reflect", "edge", "wrap"]),
       cval=st.sampled_from([0.0, 2.5]), stride=st.integers(1, 3), dilation=st.integers(1, 2),
       op=st.sampled_from(["conv", "corr", "article"]), seed=st.integers(0, 99),
       device=st.sampled_from(DEVICES))
def test_stencil_matches_the_defining_sum(nd, n, k, mode, boundary, cval, stride, dilation, op,
                                          seed, device):
    rng = np.random.default_rng(seed)
    shape = tuple(int(v) for v in rng.integers(n, n + 6, nd))
    kshape = tuple(int(v) for v in rng.integers(1, k + 1, nd))
    x, h = rng.standard_normal(shape), rng.standard_normal(kshape)
    if mode == "valid":
        dilation = 1
        kshape = tuple(min(a, b) for a, b in zip(kshape, shape))
        h = h[tuple(slice(0, m) for m in kshape)]
    if mode == "window":  # reaches past the full range on the low side
        mode = tuple((-s - 2, 1) for s in shape)
    kw = dict(mode=mode, boundary=boundary, cval=cval, stride=stride, dilation=dilation)
    want = _want(op, x, h, **kw)
    got = _run(op, x, h, device, **kw)
    assert got.start == want.start and got.step == want.step
    assert got.values.dtype == torch.float64 and got.values.device.type == device
    np.testing.assert_allclose(got.values.cpu().numpy(), want.values, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype,tol", [(torch.float32, 2e-6), (torch.float16, 2e-3),
                                       (torch.bfloat16, 1.6e-2)])
def test_stencil_low_precision_accumulates_in_float32(device, dtype, tol):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((37, 150))
    h = rng.standard_normal((5, 9))
    # the reference sums the same rounded inputs exactly
    xr = torch.from_numpy(x).to(dtype).double().numpy()
    hr = torch.from_numpy(h).to(dtype).double().numpy()
    want = kf.convolve(xr, hr, mode="same").values
    got = _run("conv", x, h, device, dtype=dtype, mode="same")
    assert got.values.dtype == dtype
    err = np.abs(got.values.cpu().double().numpy() - want).max() / np.abs(want).max()
    assert err <= tol


@pytest.mark.parametrize("device", DEVICES)
def test_stencil_blocks_edges_and_nonfinite(device):
    # outputs past several blocks on every axis, and NaN/inf staying where the sum puts them
    x = np.random.default_rng(6).standard_normal((3, 21, 140))
    x[1, 10, 70] = np.nan
    x[2, 0, 0] = np.inf
    h = np.random.default_rng(7).standard_normal((2, 3, 4))
    want = kf.correlate(x, h, mode="full").values
    got = _run("corr", x, h, device, mode="full").values.cpu().numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(want))
    fin = np.isfinite(want)
    np.testing.assert_allclose(got[fin], want[fin], rtol=1e-12, atol=1e-12)


def test_stencil_refusals():
    x = torch.ones(8, 8)
    with _interpreter("cpu"):
        with pytest.raises(kf.ArgumentError, match=r"method='stencil' is not accepted.*Triton"):
            te.convolve(x, torch.ones(3, gpu_stencil.MAX_LAST + 1), method="stencil")
    with _interpreter("cuda"):  # CPU tensors without the interpreter: refused
        with pytest.raises(kf.ArgumentError, match=r"method='stencil' is not accepted"):
            te.convolve(x, torch.ones(3, 3), method="stencil")
    assert gpu_stencil.accepts((8, 8), (3, 3), (8, 8), "torch.float32")
    assert not gpu_stencil.accepts((1 << 16, 1 << 15), (3, 3), (8, 8), "torch.float32")
    # a grid within CUDA's limits: at most 65535 blocks of rows in 2-D
    n = gpu_stencil.BLOCKS[2][0][1] * gpu_stencil.GRID_YZ
    assert gpu_stencil.accepts((n, 4), (3, 3), (n, 4), "torch.float32")
    assert not gpu_stencil.accepts((n + 1, 4), (3, 3), (n + 1, 4), "torch.float32")
    assert gpu_stencil.accepts((1 << 24,), (5,), (1 << 24,), "torch.float16")


def test_auto_never_takes_the_interpreter():
    x, h = torch.ones(16, 16), torch.ones(3, 3)
    with _interpreter("cpu"):
            assert te._recipe("conv", x, h, "same", "constant", 0, 1, 1, "standard",
                          "auto").method != "stencil"
