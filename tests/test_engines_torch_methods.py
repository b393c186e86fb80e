"""torch tensor methods (direct, fft at fast lengths, polyphase, separable) and the chooser.

CPU only, no timings asserted: every method must give the numpy engines' values for
every mode, boundary, stride, dilation and operation it accepts.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kernelflip as kf

torch = pytest.importorskip("torch")
from kernelflip.engines import torch_engine as te  # noqa: E402

# every test that takes `device` runs on the CPU and, where torch sees one, on a CUDA device
DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
if os.environ.get("KF_TEST_DEVICES"):  # e.g. "cuda" on a GPU machine: only those
    DEVICES = [d for d in DEVICES if d in os.environ["KF_TEST_DEVICES"].split(",")]


def _want_got(op, x, h, method, device="cpu", **kw):
    """kernelflip's numpy result, and the torch engine's on `device` (values back on the host)."""
    tx, th = torch.from_numpy(x).to(device), torch.from_numpy(h).to(device)
    if op == "conv":
        want = kf.convolve(x, h, **kw)
        got = te.convolve(tx, th, method=method, **kw)
    else:
        conv = "article" if op == "article" else "standard"
        want = kf.correlate(x, h, convention=conv, **kw)
        got = te.correlate(tx, th, convention=conv, method=method, **kw)
    return want, te.TensorResult(got.values.cpu(), got.start, got.step)


@pytest.fixture
def no_stencil(monkeypatch):
    """The chooser as it is without Triton (the choices between cuDNN, FFT and phase)."""
    from kernelflip.engines import gpu_stencil

    monkeypatch.setattr(gpu_stencil, "_TRITON", False)
    te._RECIPES.clear()
    yield
    te._RECIPES.clear()


@settings(max_examples=80, deadline=None)
@given(nd=st.integers(1, 3), n=st.integers(1, 9), k=st.integers(1, 6),
       mode=st.sampled_from(["full", "same", "valid", "window"]),
       boundary=st.sampled_from(["constant", "symmetric", "reflect", "edge", "wrap"]),
       cval=st.sampled_from([0, 2]), stride=st.integers(1, 2), dilation=st.integers(1, 2),
       op=st.sampled_from(["conv", "corr", "article"]), method=st.sampled_from(["fft", "phase"]),
       seed=st.integers(0, 99), device=st.sampled_from(DEVICES))
def test_fft_and_phase_match_numpy(nd, n, k, mode, boundary, cval, stride, dilation, op,
                                   method, seed, device):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n + 6,) * nd)
    h = rng.standard_normal((2,) * (nd - 1) + (k + 1,))
    if method == "phase":
        stride = 1
    if method == "phase" or mode == "valid":  # phase: dilation 1; valid: the kernel fits x
        dilation = 1
    if mode == "window":  # an explicit window reaching past the full range on one side
        mode = tuple((-(n + 6) - 3, 2) for _ in range(nd))
    want, got = _want_got(op, x, h, method, device, mode=mode, boundary=boundary, cval=cval,
                          stride=stride, dilation=dilation)
    assert got.start == want.start and got.step == want.step
    np.testing.assert_allclose(got.values.numpy(), want.values, atol=1e-9)


@pytest.mark.parametrize("shape,kshape", [((40,), (9,)), ((23, 30), (5, 5)), ((23, 30), (11, 4)),
                                          ((9, 10, 11), (3, 3, 3)), ((9, 10, 11), (2, 5, 3))])
@pytest.mark.parametrize("mode", ["same", "full", "valid"])
def test_phase_and_fft_float32_shapes(shape, kshape, mode):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape).astype(np.float32)
    h = rng.standard_normal(kshape).astype(np.float32)
    want = kf.convolve(x.astype(np.float64), h.astype(np.float64), mode=mode).values
    for method in ("direct", "fft", "phase"):
        got = te.convolve(torch.from_numpy(x), torch.from_numpy(h), mode=mode, method=method)
        assert got.values.dtype == torch.float32
        np.testing.assert_allclose(got.values.numpy(), want, atol=2e-5 * np.abs(want).max())


@pytest.mark.parametrize("op", ["conv", "corr", "article"])
@pytest.mark.parametrize("boundary,stride,dilation", [("constant", 1, 1), ("reflect", 2, 1),
                                                      ("wrap", 1, 2)])
def test_separable_matches_numpy(op, boundary, stride, dilation):
    g = np.exp(-0.5 * (np.arange(-3, 4) / 1.5) ** 2)
    h = np.multiply.outer(g, np.array([1.0, -2.0, 0.5]))
    x = np.random.default_rng(2).standard_normal((17, 15))
    want, got = _want_got(op, x, h, "separable", mode="same", boundary=boundary, stride=stride,
                          dilation=dilation)
    assert got.start == want.start
    np.testing.assert_allclose(got.values.numpy(), want.values, atol=1e-12)
    h3 = np.multiply.outer(np.multiply.outer([1.0, 2.0], [1.0, 0.0, -1.0]), [0.5, 1.0])
    x3 = np.random.default_rng(3).standard_normal((6, 7, 8))
    want, got = _want_got(op, x3, h3, "separable", mode="full")
    np.testing.assert_allclose(got.values.numpy(), want.values, atol=1e-12)


def test_separable_refuses_full_rank_and_bad_method():
    x, h = torch.ones(8, 8), torch.eye(3)
    with pytest.raises(kf.ArgumentError, match=r"method='separable' is not accepted.*rank 1"):
        te.convolve(x, h, method="separable")
    with pytest.raises(kf.ArgumentError, match=r"method='magic' is not accepted: use one of"):
        te.convolve(x, h, method="magic")
    with pytest.raises(kf.ArgumentError, match=r"method='phase' is not accepted for this"):
        te.convolve(x, h, method="phase", stride=2)
    with pytest.raises(kf.ArgumentError, match=r"method='fft' is not accepted for this"):
        te.convolve(x, torch.ones(1, 1), method="fft")


def _smooth(m, primes):
    for p in primes:
        while m % p == 0:
            m //= p
    return m == 1


def test_fast_len_is_the_smallest_smooth_length():
    scipy_fft = pytest.importorskip("scipy.fft")
    # (the last three: the next 5-smooth length is over 256 away, past the upward scan)
    for n in list(range(1, 300)) + [2050, 2052, 2063, 4097, 4101, 4106, 130, 136, 8191, 10007,
                                    1048577, 4194305, 16777217]:
        m = te.fast_len(n, primes=(2, 3, 5))
        assert m == scipy_fft.next_fast_len(n, real=True)
        assert m >= n and _smooth(m, (2, 3, 5))
        p13 = (2, 3, 5, 7, 11, 13)
        assert te.FFT_PRIMES == p13
        m13 = te.fast_len(n)  # the default
        assert m13 >= n and _smooth(m13, p13) and m13 <= m
        assert not any(_smooth(v, p13) for v in range(n, m13))
    assert te.fast_len(2050) == 2058
    assert te.fast_len(4096) == 4096


def test_fft_transform_lengths_are_fast():
    rec = te._Recipe("conv", (2048, 2048), (5, 5), "same", "constant", 0, 1, 1, "standard",
                     "cuda", "fft", "torch.float32")
    direct_ok, crop, lens, keep, dilated = rec.fft  # x read whole: 2048 + 2 needed
    dims = rec.dims
    assert direct_ok and crop is None and lens == (2058, 2058) and not dilated
    assert keep == (slice(2, 2050, 1),) * 2 and dims == (0, 1)
    # a non-zero cval: the extended copy (2048 + 4) at its own fast length
    rec = te._Recipe("conv", (2048, 2048), (5, 5), "same", "constant", 1, 1, 1, "standard",
                     "cuda", "fft", "torch.float32")
    assert rec.fft[0] is False and rec.fft[2] == (2058, 2058)
    assert rec.fft[3] == (slice(4, 2052, 1),) * 2


# The picks below are those measured fastest in the fifth H200 run (bench/gpu.py's method
# table, BENCHMARKS.md) wherever the margin was over 10 %; near ties are not asserted.
@pytest.mark.parametrize("shape,k,want", [
    ((2048, 2048), 3, "direct"),     # cuDNN 0.080 ms, phase 0.199, fft 0.212
    ((4096, 4096), 3, "direct"),     # 0.179, phase 0.471
    ((2048, 2048), 5, "phase"),      # phase 0.159, fft 0.201, cuDNN 0.511
    ((4096, 4096), 11, "phase"),     # phase 0.496, fft 0.817
    ((2048, 2048), 31, "fft"),       # fft 0.237, phase 0.409
])
@pytest.mark.usefixtures("no_stencil")
def test_cuda_choices(shape, k, want):
    # phase rounds to TF32: auto considers it only when the caller opts in (tf32=True)
    got, why = te.choose_tensor_method(shape, (k,) * len(shape), "cuda", mode="same", tf32=True)
    assert got == want, why
    assert why.startswith(f"{len(shape)}-D on cuda, modelled: {want} ")


@pytest.mark.parametrize("shape,k,want", [
    ((2048, 2048), 3, "direct"), ((2048, 2048), 5, "fft"), ((2048, 2048), 11, "fft"),
    ((2048, 2048), 31, "fft"), ((4096, 4096), 11, "fft"), ((128, 128, 128), 3, "fft"),
    ((128, 128, 128), 9, "fft"),
])
@pytest.mark.usefixtures("no_stencil")
def test_cuda_choices_by_default(shape, k, want):
    """Without Triton and TF32: cuDNN or the FFT, whichever was faster (fifth H200 run)."""
    got, why = te.choose_tensor_method(shape, (k,) * len(shape), "cuda", mode="same")
    assert got == want, why


@pytest.mark.parametrize("shape,k,want", [
    ((2048, 2048), 5, "stencil"),     # stencil 0.099 ms, fft 0.201, cuDNN 0.511
    ((2048, 2048), 7, "stencil"),     # 0.153, cuDNN 0.178, fft 0.206
    ((2048, 2048), 11, "fft"),        # fft 0.206, stencil 0.315, cuDNN 0.325
    ((4096, 4096), 3, "stencil"),     # 0.158, cuDNN 0.179
    ((4096, 4096), 11, "fft"),        # 0.817, stencil 1.235
    ((128, 128, 128), 3, "stencil"),  # 0.073, fft 0.181, cuDNN 0.363
    ((128, 128, 128), 9, "fft"),      # 0.182, stencil 0.822
])
def test_cuda_choices_with_the_stencil(shape, k, want, monkeypatch):
    from kernelflip.engines import gpu_stencil

    monkeypatch.setattr(gpu_stencil, "_TRITON", True)  # as on a CUDA machine with Triton
    got, why = te.choose_tensor_method(shape, (k,) * len(shape), "cuda", mode="same")
    assert got == want, why
    # float16 has no FFT (cuFFT: powers of 2 only) and gets the same kernel
    got, _ = te.choose_tensor_method(shape, (k,) * len(shape), "cuda", mode="same",
                                     dtype="float16")
    assert got in ("stencil", "direct")


@pytest.mark.usefixtures("no_stencil")
def test_cuda_choices_without_tf32_or_float32():
    assert te.AUTO_PHASE is False  # correctness first: off unless the user opts in
    for kw in ({}, {"tf32": False}, {"dtype": "float64"}):
        got, why = te.choose_tensor_method((2048, 2048), (5, 5), "cuda", mode="same", **kw)
        assert got == "fft" and "phase" not in why
    got, why = te.choose_tensor_method((1 << 20,), (5,), "cuda", mode="same")
    assert "phase" not in why  # 1-D polyphase: not measured, on request only


def test_fft_last_length_even():
    assert te._fft_lengths([129, 129, 129]) == (130, 130, 130)
    assert te._fft_lengths([127, 127]) == (128, 128)
    assert te._fft_lengths([133]) == (140,)  # 133 = 7 * 19; 2 * fast_len(67) = 140
    assert te._fft_lengths([2050, 2050]) == (2058, 2058)


def test_cpu_choices_and_half_precision():
    assert te.choose_tensor_method((64, 64), (11, 11), "cpu")[0] == "direct"
    method, why = te.choose_tensor_method((64, 64), (12, 12), "cpu")
    assert method == "fft" and why == "144 taps on cpu: fft above 121 taps"
    rec = te._Recipe("conv", (512, 512), (31, 31), "same", "constant", 0, 1, 1, "standard",
                     "cuda", "auto", "torch.float16")
    assert rec.method != "fft"
    # the CUDA state toggled around cuDNN calls is restored
    before = torch.backends.cudnn.benchmark
    with te._CudnnBenchmark(True):
        assert torch.backends.cudnn.benchmark is True
    assert torch.backends.cudnn.benchmark == before
