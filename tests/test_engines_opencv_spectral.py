"""OpenCV's DFT path as one transform with the kernel's spectrum kept (opencv.spectral)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kernelflip as kf

cv2 = pytest.importorskip("cv2")
from kernelflip.engines import opencv  # noqa: E402

BORDERS = ["BORDER_CONSTANT", "BORDER_REFLECT", "BORDER_REFLECT_101", "BORDER_REPLICATE"]


def _assert_defining_sum(y, x, w, anchor, border):
    """``y`` is :func:`_reference` within the DFT path's rounding, shaped like ``x``."""
    assert y.shape == x.shape and y.dtype == x.dtype and y.flags.c_contiguous
    ref = _reference(x, w, anchor, border)
    eps = np.finfo(x.dtype).eps
    bound = 50 * eps * np.log2(4 * x.size * w.size) * (np.abs(x).max() * np.abs(w).sum())
    assert np.abs(y - ref).max() <= bound


def _reference(x, w, anchor, border):
    """The defining sum in float64: dst[i, j] = sum w[a, b] E[i + a, j + b]."""
    m0, m1 = w.shape
    e = cv2.copyMakeBorder(x.astype(np.float64), anchor[0], m0 - 1 - anchor[0], anchor[1],
                           m1 - 1 - anchor[1], border)
    win = np.lib.stride_tricks.sliding_window_view(e, w.shape)
    return np.einsum("ijab,ab->ij", win, w.astype(np.float64))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.tuples(st.integers(2, 50), st.integers(1, 50)),
       m=st.tuples(st.integers(1, 20), st.integers(1, 20)),
       frac=st.tuples(st.floats(0, 1), st.floats(0, 1)),
       border=st.sampled_from(BORDERS), dtype=st.sampled_from([np.float32, np.float64]),
       seed=st.integers(0, 2**16))
def test_spectral_is_the_defining_sum_for_any_shape_anchor_and_border(n, m, frac, border,
                                                                       dtype, seed):
    # kernels larger than the image, single columns, anchors at either end
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n).astype(dtype)
    w = rng.standard_normal(m).astype(dtype)
    anchor = tuple(int(round(f * (k - 1))) for f, k in zip(frac, m))
    bt = getattr(cv2, border)
    _assert_defining_sum(opencv.spectral(x, w, anchor, bt), x, w, anchor, bt)


def test_dft_length_is_the_shortest_fast_length_at_or_above_n():
    # 2^a 3^b 5^c with b <= 2 and c <= 1, by search against the definition
    def fast(v):
        b = c = 0
        while v % 3 == 0:
            v, b = v // 3, b + 1
        while v % 5 == 0:
            v, c = v // 5, c + 1
        return b <= 2 and c <= 1 and v & (v - 1) == 0

    for n in range(1, 3000):
        length = opencv.dft_length(n)
        assert length >= n and fast(length)
        assert not any(fast(v) for v in range(n, length))
    assert [opencv.dft_length(n) for n in (135, 527, 541, 625)] == [144, 576, 576, 640]


def test_constant_borders_take_shorter_transforms():
    # 'same' with zeros beyond: n + (M - 1) / 2 per axis instead of n + M - 1
    one = opencv.spectral_plan((128, 128), (63, 63), 8, (31, 31), True)
    assert one == (1, 160, 160)
    assert opencv.spectral_plan((128, 128), (63, 63), 8, (31, 31), False) == (1, 192, 192)
    # the anchor decides which side needs the room; a kernel longer than the image
    # needs a transform at least its own length
    assert opencv.spectral_plan((100, 10), (5, 31), 4, (0, 30), True) == (1, 120, 40)
    assert opencv.spectral_plan((100, 10), (5, 31), 4, (4, 0), True) == (1, 120, 40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.tuples(st.integers(2, 80), st.integers(1, 40)),
       m=st.tuples(st.integers(1, 15), st.integers(1, 15)),
       frac=st.tuples(st.floats(0, 1), st.floats(0, 1)),
       border=st.sampled_from(BORDERS), dtype=st.sampled_from([np.float32, np.float64]),
       k=st.integers(2, 4), seed=st.integers(0, 2**16))
def test_spectral_in_row_bands_is_the_defining_sum(n, m, frac, border, dtype, k, seed):
    # every image size takes the bands here, on up to four threads (bands of one kernel
    # height up to several), uneven last bands, anchors at either end
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n).astype(dtype)
    w = rng.standard_normal(m).astype(dtype)
    anchor = tuple(int(round(f * (q - 1))) for f, q in zip(frac, m))
    bt = getattr(cv2, border)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(opencv, "SPECTRAL_BANDS", {4: 1, 8: 1})
        mp.setattr(opencv, "cores", lambda: k)
        plan = opencv.spectral_plan(x.shape, w.shape, x.itemsize, anchor, True)
        assert plan[0] == (min(k, n[0] // m[0]) if n[0] >= 2 * m[0] else 1)
        y = opencv.spectral(x, w, anchor, bt)
    _assert_defining_sum(y, x, w, anchor, bt)


def test_spectral_results_do_not_share_the_work_arrays_and_follow_the_kernels_values():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((40, 1))  # one column: the cut-out rows are contiguous
    w = rng.standard_normal((9, 1))
    bt = cv2.BORDER_CONSTANT
    y1 = opencv.spectral(x, w, (4, 0), bt)
    keep = y1.copy()
    w2 = w.copy()
    w2[3, 0] += 1.0  # same shape and dtype, other values: not the kept spectrum
    y2 = opencv.spectral(x, w2, (4, 0), bt)
    np.testing.assert_array_equal(y1, keep)  # the second call did not write into y1
    np.testing.assert_allclose(y2, _reference(x, w2, (4, 0), bt), atol=1e-12)
    np.testing.assert_allclose(y1, _reference(x, w, (4, 0), bt), atol=1e-12)


def test_spectral_from_several_threads_at_once():
    rng = np.random.default_rng(2)
    cases = [(rng.standard_normal((n, n + 3)), rng.standard_normal((k, k)))
             for n, k in [(60, 15), (90, 31), (33, 9), (120, 21)]]
    refs = [_reference(x, w, (k // 2, k // 2), cv2.BORDER_REFLECT)
            for x, w in cases for k in [w.shape[0]]]
    errors = []

    def work(i):
        x, w = cases[i]
        k = w.shape[0]
        for _ in range(20):
            y = opencv.spectral(x, w, (k // 2, k // 2), cv2.BORDER_REFLECT)
            if not np.allclose(y, refs[i], atol=1e-10):
                errors.append(i)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(cases))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("boundary", ["constant", "reflect", "symmetric", "edge"])
def test_auto_takes_the_single_transform_on_small_images_with_large_kernels(dtype, boundary):
    # 128^2 with 31^2 taps is OpenCV's DFT path; up to SPECTRAL_MAX it is one transform
    rng = np.random.default_rng(3)
    x = rng.standard_normal((128, 100)).astype(dtype)
    h = rng.standard_normal((31, 25)).astype(dtype)
    assert opencv.takes_spectral(x.shape, h.size, x.itemsize)
    if kf.choose_method(x, h, mode="same", boundary=boundary).method != "opencv":
        pytest.skip("the cost model prefers another engine here")
    ref = kf.convolve(x.astype(np.float64), h.astype(np.float64), mode="same",
                      boundary=boundary, method="direct").values
    scale = np.abs(x).max() * np.abs(h).sum()
    tol = (2e-6 if dtype == np.float32 else 1e-13) * scale
    for _ in range(3):  # the general path, then the short path
        y = kf.convolve(x, h, mode="same", boundary=boundary).values
        assert y.dtype == dtype
        assert np.abs(y - ref).max() <= tol
    assert not opencv.takes_spectral((1, 5000), 257, 8)  # one row: cv2.filter2D
    assert not opencv.takes_spectral((1024, 1024), 961, 4)  # bands from here
    assert opencv.takes_spectral((512, 512), 961, 8) and not opencv.takes_spectral((513, 512), 961, 8)
    assert not opencv.takes_spectral((128, 128), 9, 8)  # the direct sum


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.tuples(st.integers(2, 90), st.integers(1, 90)),
       m=st.tuples(st.integers(1, 12), st.integers(1, 12)),
       frac=st.tuples(st.floats(0, 1), st.floats(0, 1)),
       border=st.sampled_from(BORDERS), tile=st.sampled_from([8, 16, 30]),
       seed=st.integers(0, 2**16))
def test_spectral_tiles_are_the_defining_sum_for_any_tiling(n, m, frac, border, tile, seed):
    # small tiles: many of them, short last ones in both directions, one or two threads
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n).astype(np.float32)
    w = rng.standard_normal(m).astype(np.float32)
    anchor = tuple(int(round(f * (k - 1))) for f, k in zip(frac, m))
    bt = getattr(cv2, border)
    old = opencv.TILE, opencv.TILE_PER_TAP
    opencv.TILE, opencv.TILE_PER_TAP = tile, 1
    try:
        y = opencv.spectral_tiles(x, w, anchor, bt)
    finally:
        opencv.TILE, opencv.TILE_PER_TAP = old
    assert y.shape == x.shape and y.dtype == x.dtype
    ref = _reference(x, w, anchor, bt)
    bound = 200 * np.finfo(np.float32).eps * np.log2(4 * w.size) * (
        np.abs(x).max() * np.abs(w).sum())
    assert np.abs(y - ref).max() <= bound


def test_spectral_tiles_spread_nan_over_the_tiles_that_read_it_only(monkeypatch):
    # one thread, tiles in row-major order: the tile after the NaN's is short, and
    # its margin must not keep the previous tile's values (NaN spreads through a DFT)
    monkeypatch.setattr(opencv, "TILE", 32)
    monkeypatch.setattr(opencv, "TILE_PER_TAP", 1)
    monkeypatch.setattr(opencv, "cores", lambda: 1)
    x = np.ones((100, 100), np.float32)
    w = np.ones((5, 5), np.float32)
    l0, l1 = opencv.tile_size(w.shape)
    t0, t1 = l0 - 4, l1 - 4  # outputs per tile
    assert (l1, t1) == (32, 28)  # tile columns of outputs 0, 28, 56 and 84 (short: 16)
    # read by tile column 2 only (tile 3 reads from image column 82 on); in tile 2's
    # buffer it sits at column 78 - 54 = 24, inside the short tile's margin (20..31)
    col = 78
    x[5, col] = np.nan
    y = opencv.spectral_tiles(x, w, (2, 2), cv2.BORDER_CONSTANT)
    assert np.isnan(y[:t0, 2 * t1:3 * t1]).all()  # the whole tile that reads it
    nan = np.zeros(y.shape, bool)
    nan[:t0, 2 * t1:3 * t1] = True
    assert np.isfinite(y[~nan]).all()


def test_auto_and_its_short_path_take_the_tiles_on_large_float32_images(monkeypatch):
    monkeypatch.setattr(opencv, "SPECTRAL_MAX", {4: 1000, 8: 1000})
    monkeypatch.setattr(opencv, "TILE", 32)
    monkeypatch.setattr(opencv, "TILE_PER_TAP", 1)
    from kernelflip import ops
    from kernelflip.engines import choose

    ops._FAST.clear()
    choose._ESTIMATES.clear()
    rng = np.random.default_rng(7)
    x = rng.standard_normal((90, 75)).astype(np.float32)
    h = rng.standard_normal((13, 11)).astype(np.float32)  # 143 taps: OpenCV's DFT path
    assert opencv.takes_tiles(x.shape, h.size, 4) and opencv.bands(x.shape, h.shape, 4) == 1
    assert not opencv.takes_tiles(x.shape, h.size, 8)  # float64 keeps the bands
    c = kf.choose_method(x, h, mode="same", boundary="reflect")
    try:
        if c.method != "opencv":
            pytest.skip("the cost model prefers another engine here")
        assert "tiles" in c.reason
        ref = kf.convolve(x.astype(np.float64), h.astype(np.float64), mode="same",
                          boundary="reflect", method="direct").values
        for _ in range(3):  # the general path, then the short path
            y = kf.convolve(x, h, mode="same", boundary="reflect").values
            assert np.abs(y - ref).max() <= 1e-5 * np.abs(ref).max()
        assert any(v is not None and v.engine == "opencv" for v in ops._FAST.values())
        bad = x.copy()
        bad[80, 3] = np.inf
        with np.errstate(invalid="ignore"):
            y = kf.convolve(bad, h, mode="same", boundary="reflect").values
            want = kf.convolve(bad, h, mode="same", boundary="reflect", method="direct").values
        np.testing.assert_array_equal(np.isnan(y), np.isnan(want))
        np.testing.assert_array_equal(np.isinf(y), np.isinf(want))
    finally:
        ops._FAST.clear()
        choose._ESTIMATES.clear()


def test_the_reason_names_the_transform_and_its_bands(monkeypatch):
    from kernelflip.engines import choose
    from kernelflip.ops import _prepare

    monkeypatch.setattr(opencv, "cores", lambda: 2)

    def detail(n, m, dtype, boundary):
        x = np.zeros((n, n), dtype)
        _, p = _prepare("conv", x, np.ones((m, m), dtype), "same", boundary, 0, 1, 1,
                        "standard")
        return choose._detail("opencv", p)

    # zeros beyond: 128 + 15 -> 144; reflected: 128 + 30 -> 160
    assert detail(128, 31, np.float32, "constant") == (
        " (DFT path as one transform of 144x144, the kernel's spectrum kept)")
    assert "one transform of 160x160" in detail(128, 31, np.float32, "reflect")
    assert detail(512, 31, np.float64, "constant") == (
        " (DFT path in 2 row bands on 2 threads, transforms of 288x576, the kernel's "
        "spectrum kept)")
