"""The stencil engine (unrolled loops for small 2-D kernels) against direct sums."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kernelflip as kf
from kernelflip.engines import ENGINES, stencil
from kernelflip.ops import _prepare

pytestmark = pytest.mark.skipif(not stencil.available(), reason="numba is not installed")

BOUNDARIES = ["constant", "symmetric", "reflect", "edge", "wrap"]


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("mode", ["full", "same", "valid", ((-40, 3), (5, 30))])
@pytest.mark.parametrize("kshape", [(3, 3), (5, 5), (1, 7), (4, 2), (7, 7), (4, 12)])
def test_stencil_matches_direct_sums(boundary, mode, kshape):
    rng = np.random.default_rng(sum(kshape) + len(boundary))
    x = rng.standard_normal((45, 38))
    h = rng.standard_normal(kshape)
    cval = -1.5 if boundary == "constant" else 0
    for fn in (kf.convolve, kf.correlate):
        y = fn(x, h, mode=mode, boundary=boundary, cval=cval, method="stencil")
        ref = fn(x, h, mode=mode, boundary=boundary, cval=cval, method="direct")
        assert y.start == ref.start and y.shape == ref.shape
        np.testing.assert_allclose(y.values, ref.values, rtol=1e-13, atol=1e-12)


def test_stencil_integers_are_exact_and_float32_stays_float32():
    rng = np.random.default_rng(3)
    x = rng.integers(-2**40, 2**40, (30, 41))
    h = rng.integers(-100, 100, (3, 5))
    y = kf.convolve(x, h, mode="same", boundary="reflect", method="stencil")
    assert y.values.dtype == np.int64
    np.testing.assert_array_equal(y.values, kf.convolve(x, h, mode="same", boundary="reflect",
                                                        method="reference").values)
    xf = rng.standard_normal((50, 60)).astype(np.float32)
    hf = rng.standard_normal((5, 5)).astype(np.float32)
    z = kf.correlate(xf, hf, mode="same", method="stencil")
    assert z.values.dtype == np.float32
    ref = kf.correlate(xf.astype(np.float64), hf.astype(np.float64), mode="same").values
    assert np.abs(z.values - ref).max() < 1e-5 * np.abs(ref).max()


@pytest.mark.parametrize("boundary", ["constant", "edge"])
def test_stencil_two_threads_on_large_images(boundary):
    # above PARALLEL_ABOVE outputs the rows go to two threads in chunks
    rng = np.random.default_rng(4)
    x = rng.standard_normal((700, 420))
    h = rng.standard_normal((5, 3))
    assert x.size > stencil.PARALLEL_ABOVE
    y = kf.convolve(x, h, mode="same", boundary=boundary, method="stencil")
    ref = kf.convolve(x, h, mode="same", boundary=boundary, method="compiled"
                      if ENGINES["compiled"].available() else "direct")
    np.testing.assert_allclose(y.values, ref.values, rtol=1e-13, atol=1e-12)


def test_stencil_keeps_nan_where_direct_summation_puts_it():
    x = np.ones((20, 20))
    x[5, 7] = np.nan
    y = kf.convolve(x, np.ones((3, 3)), mode="same", method="stencil").values
    assert np.isnan(y).sum() == 9 and np.isnan(y[4:7, 6:9]).all()


def test_stencil_refusals_and_its_generated_loops(tmp_path):
    x = np.ones((10, 10))
    for h, kw, why in [(np.ones((8, 8)), {}, "64 taps"), (np.ones((1, 49)), {}, "1x49"),
                       (np.ones((3, 3)), {"stride": 2}, "stride"),
                       (np.ones((3, 3)), {"dilation": 2}, "dilation")]:
        _, p = _prepare("conv", x, h, "same", "constant", 0, kw.get("stride", 1),
                        kw.get("dilation", 1), "standard")
        assert why in ENGINES["stencil"].refuses(p)
    _, p = _prepare("conv", np.ones(10), np.ones(3), "same", "constant", 0, 1, 1, "standard")
    assert "2-D" in ENGINES["stencil"].refuses(p)
    src = stencil.source(2, 3)
    assert "w1_2 * r1[j + 2]" in src and "for j in range(jhi - jlo)" in src
    kf.convolve(x, np.ones((2, 3)), method="stencil")
    names = os.listdir(stencil.cache_dir())
    assert any(n.startswith("kernelflip_stencil_2x3_") and n.endswith(".py") for n in names)


def test_cache_dir_follows_the_environment_and_falls_back_when_read_only(tmp_path, monkeypatch):
    monkeypatch.setenv("KERNELFLIP_CACHE", str(tmp_path / "kf"))
    assert stencil.cache_dir() == str(tmp_path / "kf") and (tmp_path / "kf").is_dir()
    # a directory this user cannot write to (faked: the tests may run as root)
    monkeypatch.setattr(stencil.os, "access", lambda path, mode: False)
    assert stencil.cache_dir() == stencil.tempfile.gettempdir()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kshape=st.sampled_from([(3, 3), (5, 5), (7, 7), (2, 6), (6, 1), (4, 12)]),
       xshape=st.tuples(st.integers(1, 40), st.integers(1, 70)),
       big=st.booleans(), mode=st.sampled_from(["full", "same", "valid"]),
       boundary=st.sampled_from(BOUNDARIES), op=st.sampled_from(["conv", "corr"]),
       seed=st.integers(0, 2**16))
def test_stencil_agrees_with_direct_sums_on_any_image(kshape, xshape, big, mode, boundary, op,
                                                      seed):
    # any image size (narrower than the kernel, odd and even row counts), two threads
    # on the big ones
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((530, 500) if big else xshape)
    h = rng.standard_normal(kshape)
    if mode == "valid" and any(n < m for n, m in zip(x.shape, kshape)):
        mode = "full"
    cval = 0.75 if boundary == "constant" else 0
    _, p = _prepare(op, x, h, mode, boundary, cval, 1, 1, "standard")
    assert not ENGINES["stencil"].refuses(p)
    assert stencil.threaded(p) == (big and np.prod(p.out_shape) > stencil.PARALLEL_ABOVE)
    np.testing.assert_allclose(ENGINES["stencil"].run(p), ENGINES["direct"].run(p),
                               rtol=1e-12, atol=1e-12 * np.abs(x).max() * np.abs(h).sum())
