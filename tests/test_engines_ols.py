"""The overlap-save engine: many tiles, every boundary, mode and dilation, against direct sums."""

from __future__ import annotations

import math

import numpy as np
import pytest

import kernelflip as kf
from kernelflip.engines import ENGINES, ols
from kernelflip.engines.ols import tile_shape
from kernelflip.ops import _prepare

# the direct sum (the numba loops when installed: the numpy one is slow in 3-D)
DIRECT = "compiled" if ENGINES["compiled"].available() else "direct"
CASES = [((600,), (65,)), ((120, 97), (17, 9)), ((41, 36, 30), (5, 7, 3))]


def _tiles(x_shape, h_shape, mode, dilation, boundary):
    _, p = _prepare("corr", np.zeros(x_shape), np.zeros(h_shape), mode, boundary, 0, 1,
                    dilation, "standard")
    m = tuple(dilation * (k - 1) + 1 for k in h_shape)
    T, _ = tile_shape(tuple(p.canon.out_shape), m, 8)
    return math.prod(-(-k // (t - mm + 1)) for k, t, mm in zip(p.canon.out_shape, T, m))


@pytest.fixture
def small_tiles(monkeypatch):
    """Blocks of at most 16 outputs per axis: every request below is cut into many tiles."""
    monkeypatch.setattr(ols, "_BLOCKS", (8, 16))
    tile_shape.cache_clear()
    yield
    tile_shape.cache_clear()


@pytest.mark.parametrize("shapes", CASES, ids=["1d", "2d", "3d"])
@pytest.mark.parametrize("boundary", ["constant", "symmetric", "reflect", "edge", "wrap"])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_ols_matches_direct_sums_over_many_tiles(shapes, boundary, mode, small_tiles):
    xs, hs = shapes
    rng = np.random.default_rng(len(xs) * 7 + len(boundary) + len(mode))
    x = rng.standard_normal(xs)
    h = rng.standard_normal(hs)
    dilation = 2 if mode != "valid" else 1
    assert _tiles(xs, hs, mode, dilation, boundary) > 1  # the request really is tiled
    cval = 0.5 if boundary == "constant" else 0
    kw = dict(mode=mode, boundary=boundary, cval=cval, dilation=dilation)
    y = kf.correlate(x, h, method="ols", **kw)
    ref = kf.correlate(x, h, method=DIRECT, **kw)
    assert y.start == ref.start and y.shape == ref.shape
    bound = 64 * np.finfo(np.float64).eps * np.abs(h).sum() * np.abs(x).max()
    np.testing.assert_allclose(y.values, ref.values, rtol=0, atol=bound)


def test_ols_keeps_float32_and_convolution_orientation():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((700, 650)).astype(np.float32)
    h = rng.standard_normal((31, 21)).astype(np.float32)
    y = kf.convolve(x, h, mode="same", method="ols")
    assert y.values.dtype == np.float32
    ref = kf.convolve(x.astype(np.float64), h.astype(np.float64), mode="same", method="fft")
    err = np.abs(y.values - ref.values).max() / np.abs(ref.values).max()
    assert err < 1e-5


def test_ols_refuses_what_it_cannot_compute():
    x, h = np.ones((50, 50)), np.ones((5, 5))
    for kw, why in [(dict(stride=2), "stride"), (dict(), "real transforms")]:
        xx = x + 0j if why == "real transforms" else x
        _, p = _prepare("conv", xx, h, "same", "constant", 0, kw.get("stride", 1), 1,
                        "standard")
        assert why in ENGINES["ols"].refuses(p)
    _, p = _prepare("conv", x.astype(np.int64), h.astype(np.int64), "same", "constant", 0, 1,
                    1, "standard")
    assert "exact" in ENGINES["ols"].refuses(p)
    with pytest.raises(kf.ArgumentError, match="method='ols' cannot compute this request"):
        kf.convolve(x, h, stride=2, method="ols")


def test_auto_uses_tiles_when_they_are_cheapest_but_not_with_nan(monkeypatch):
    from kernelflip.engines import choose

    x = np.random.default_rng(0).random((2048, 2048)).astype(np.float32)
    h = np.random.default_rng(1).random((31, 31)).astype(np.float32)
    # the whole-image transforms and OpenCV's DFT paths made dear: the overlap-save
    # tiles are then the cheapest engine
    cost = dict(choose.COST, fft={4: (50.0, 0, 0)}, opencv_dft={4: (50.0, 0, 0)},
                opencv_spectral={4: (50.0, 0, 0)})
    monkeypatch.setattr(choose, "COST", cost)
    choose._ESTIMATES.clear()
    try:
        assert kf.choose_method(x, h, mode="same").method == "ols"
        x[7, 7] = np.nan
        assert kf.choose_method(x, h, mode="same").method not in ("ols", "fft", "oa", "opencv")
    finally:
        choose._ESTIMATES.clear()  # rankings made with the patched costs


def test_a_kept_kernel_spectrum_follows_the_kernel_changed_in_place():
    from kernelflip.engines import fft

    rng = np.random.default_rng(4)
    x, h = rng.standard_normal(5000), rng.standard_normal(301)
    for _ in range(3):  # the second call reuses the spectrum; the third follows h's change
        y = kf.convolve(x, h, mode="same", method="ols").values
        ref = kf.convolve(x, h, mode="same", method="direct").values
        np.testing.assert_allclose(y, ref, rtol=1e-9, atol=1e-9 * np.abs(ref).max())
        h[::7] += 1.0
    kept = [v for k, v in fft._SPECTRA.items() if k[0] == "ols"]
    assert kept and not any(s.flags.writeable for s in kept)


def test_auto_costs_opencvs_1d_dft_by_its_blocks():
    # OpenCV's DFT path on one row transforms blocks of about 4.5 kernel lengths: 16385
    # taps make 91125-point transforms (measured 10.8 ms at 1e5 float64 samples against
    # 2.4 for 4097 taps and 2.7 for the overlap-save tiles, 2026-11-27)
    from kernelflip.engines import choose, opencv
    from kernelflip.ops import _prepare

    pytest.importorskip("cv2")
    assert opencv.row_blocks(100_000, 16385) == (2, 91125)
    x = np.zeros(100_000)
    est = {}
    for m in (4097, 16385):
        _, p = _prepare("conv", x, np.ones(m), "same", "constant", 0, 1, 1, "standard")
        est[m] = choose._estimate(p)
    assert est[16385]["opencv"] > 3 * est[4097]["opencv"]
    assert est[16385]["ols"] < est[16385]["opencv"]
