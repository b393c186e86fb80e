"""torch tensor path, conv_nn, and the benchmark harness / CLI (no timings asserted)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kernelflip as kf
from kernelflip import bench
from kernelflip.cli import main

torch = pytest.importorskip("torch")
from kernelflip.engines import torch_engine as te  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(nd=st.integers(1, 3), n=st.integers(3, 7), k=st.sampled_from([2, 3, 12]),
       mode=st.sampled_from(["full", "same", "valid"]),
       boundary=st.sampled_from(["constant", "symmetric", "reflect", "edge", "wrap"]),
       cval=st.sampled_from([0, 2]), stride=st.integers(1, 2), dilation=st.integers(1, 2),
       op=st.sampled_from(["conv", "corr", "article"]), seed=st.integers(0, 99))
def test_tensors_match_numpy(nd, n, k, mode, boundary, cval, stride, dilation, op, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n + 24,) * nd)
    h = rng.standard_normal((3,) * (nd - 1) + (k,))  # k=12 (1-D: 12 taps; 2-D: 36 taps)
    kw = dict(mode=mode, boundary=boundary, cval=cval, stride=stride, dilation=dilation)
    if op == "conv":
        want, got = kf.convolve(x, h, **kw), te.convolve(torch.from_numpy(x),
                                                         torch.from_numpy(h), **kw)
    else:
        conv = "article" if op == "article" else "standard"
        want = kf.correlate(x, h, convention=conv, **kw)
        got = te.correlate(torch.from_numpy(x), torch.from_numpy(h), convention=conv, **kw)
    assert got.start == want.start and got.step == want.step
    assert isinstance(got.values, torch.Tensor)
    np.testing.assert_allclose(got.values.numpy(), want.values, atol=1e-9)


def test_tensor_fft_path_and_integers():
    x = torch.arange(200.0).reshape(10, 20)
    h = torch.ones(12, 12, dtype=torch.float64)  # 144 taps: the FFT path on the CPU
    y = te.convolve(x.double(), h, mode="same")
    np.testing.assert_allclose(y.values.numpy(),
                               kf.convolve(x.double().numpy(), h.numpy(), mode="same").values,
                               atol=1e-9)
    yi = te.convolve(torch.tensor([0, 1, 0]), torch.tensor([1, 2, 4]))
    assert yi.values.tolist() == [0, 1, 2, 4, 0] and yi.start == (-2,)
    assert yi.values.dtype == torch.int64
    with pytest.raises(kf.ArgumentTypeError, match="must both be torch tensors"):
        te.convolve(np.ones(3), torch.ones(2))
    with pytest.raises(kf.ArgumentError, match=r"x.ndim=4, h.ndim=4 is not accepted"):
        te.convolve(torch.ones(2, 2, 2, 2), torch.ones(1, 1, 1, 1))


@pytest.mark.parametrize("groups,stride,padding,dilation", [(1, 1, 1, 1), (2, 2, 0, 2)])
def test_conv_nn_matches_per_channel_correlations(groups, stride, padding, dilation):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 4, 9, 8))
    w = rng.standard_normal((6, 4 // groups, 3, 3))
    b = rng.standard_normal(6)
    got = kf.conv_nn(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
    want = te._conv_nn_numpy(x, w, b, stride, padding, dilation, groups)
    np.testing.assert_allclose(got, want, atol=1e-10)
    tt = kf.conv_nn(torch.from_numpy(x), torch.from_numpy(w), torch.from_numpy(b),
                    stride=stride, padding=padding, dilation=dilation, groups=groups)
    np.testing.assert_allclose(tt.numpy(), want, atol=1e-10)
    with pytest.raises(kf.ArgumentError, match="groups=3 is not accepted"):
        kf.conv_nn(x, w, groups=3)


def test_bench_case_agrees_and_reports_ratios():
    m = bench.Machine()
    case = bench.Case("2d f64 64^2 k5 gaussian", (64, 64), (5, 5), "float64", "gaussian")
    r = bench.run_case(case, m, budget=0.01)
    assert r["disagree"] == []
    assert {"scipy auto", "scipy direct", "ndimage"} <= set(r)
    a, b, c = bench.ratios(r)
    assert a > 0 and b > 0 and c > 0
    assert "geometric mean" in bench.table([r])
    for kind in ("random", "gaussian", "box", "sobel", "log"):
        h = bench.kernel(kind, (5, 5), "float64", np.random.default_rng(0))
        assert h.shape == (5, 5) and np.isfinite(h).all()
    assert len(bench.grid()) > 50 and len(bench.grid(quick=True)) < 12


def test_bench_cli_usage_errors(capsys):
    assert main(["bench", "--budget", "0"]) == 2
    assert "--budget 0.0 is not accepted" in capsys.readouterr().err
    assert main(["bench", "--quick", "--match", "no-such-case", "--budget", "0.01"]) == 2
    assert "selects no case" in capsys.readouterr().err



def test_gpu_harness_dry_run_on_the_cpu(tmp_path, monkeypatch):
    """The GPU tables' code path at small sizes on the CPU (no timings asserted)."""
    from kernelflip import bench_gpu

    monkeypatch.delenv("TRITON_INTERPRET", raising=False)  # the stencil cells: '-' here
    out = tmp_path / "gpu.md"
    before = torch.backends.cudnn.benchmark
    lines = bench_gpu.main(str(out), dry=True)
    text = out.read_text()
    assert text == "\n".join(lines) + "\n"
    rows = [r for r in lines if r.startswith("| 64x64 k3 |")]
    assert len(rows) == 3  # the peer table, the method table, the transposed table
    # every method that applies agrees with cuDNN / a float64 FFT to float32 rounding
    for r in lines:
        if r.startswith("| 64x64") and r.count("|") == 10:
            assert float(r.split("|")[-2]) < 1e-5
    assert "failed" not in text
    assert torch.backends.cudnn.benchmark == before  # the harness restores torch's state
    lines = bench_gpu.main(None, dry=True, match="16x16x16")  # one case, no method tables
    assert [r.split("|")[1].strip() for r in lines if r.startswith("| 16")] == ["16x16x16 k3"]
    assert not any("methods one by one" in r for r in lines)


def test_bench_cli_gpu_needs_a_cuda_device(capsys):
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    assert main(["bench", "--gpu"]) == 2
    assert "--gpu is not accepted here: torch sees no CUDA device" in capsys.readouterr().err
