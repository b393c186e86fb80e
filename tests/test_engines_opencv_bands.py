"""OpenCV's DFT path split into row bands (engines.opencv.filter2d)."""

from __future__ import annotations

import numpy as np
import pytest

import kernelflip as kf

cv2 = pytest.importorskip("cv2")
from kernelflip.engines import opencv  # noqa: E402


@pytest.fixture
def many_bands(monkeypatch):
    """Bands on small images, and as many as asked for."""
    monkeypatch.setattr(opencv, "BAND_ABOVE", 1)
    monkeypatch.setattr(opencv, "BAND_ABOVE_1D", 1)
    monkeypatch.setattr(opencv, "BAND_ABOVE_1D_SHORT", 1)
    monkeypatch.setattr(opencv, "SPECTRAL_MAX", {})  # not one transform instead
    monkeypatch.setattr(opencv, "TILES_DTYPES", ())  # nor tiles

    def use(k):
        monkeypatch.setattr(opencv, "cores", lambda: k)

    return use


@pytest.mark.parametrize("k", [2, 3, 5])
@pytest.mark.parametrize("border", ["BORDER_CONSTANT", "BORDER_REFLECT", "BORDER_REFLECT_101",
                                    "BORDER_REPLICATE"])
@pytest.mark.parametrize("anchor", [(0, 0), (7, 3), (14, 14)])
def test_bands_match_one_call(many_bands, k, border, anchor):
    many_bands(k)
    rng = np.random.default_rng(k)
    x = rng.standard_normal((311, 97)).astype(np.float32)
    w = rng.standard_normal((15, 15)).astype(np.float32)  # 225 taps: the DFT path
    assert opencv.bands(x.shape, w.shape, 4) == k
    b = getattr(cv2, border)
    y = opencv.filter2d(x, w, anchor, b)
    ref = cv2.filter2D(x, -1, w, anchor=(anchor[1], anchor[0]), borderType=b)
    assert y.shape == ref.shape and y.dtype == ref.dtype
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-4 * np.abs(ref).max())
    # the direct sum in float64: every row, the seams included
    direct = cv2.filter2D(x.astype(np.float64), -1, w.astype(np.float64),
                          anchor=(anchor[1], anchor[0]), borderType=b)
    assert np.abs(y - direct).max() <= 1e-4 * np.abs(direct).max()


def test_no_bands_for_small_images_direct_sums_or_short_kernels_of_rows():
    assert opencv.bands((128, 128), (31, 31), 4) == 1  # below BAND_ABOVE
    assert opencv.bands((512, 512), (31, 31), 4) == 1  # one transform (spectral)
    assert opencv.bands((1024, 1024), (31, 31), 8) == min(opencv.cores(), 1024 // 62)
    assert opencv.bands((1024, 1024), (31, 31), 4) == 1  # float32: tiles
    assert opencv.bands((2048, 2048), (11, 11), 4) == 1  # float32 11x11: a direct sum
    assert opencv.bands((2048, 2048), (11, 11), 8) == min(opencv.cores(), 2048 // 44)
    assert opencv.bands((600, 2048), (200, 1), 8) == 1  # bands under 4 kernel heights
    assert opencv.bands((4096,), (63,), 8) == 1  # below BAND_ABOVE_1D_SHORT
    assert opencv.bands((50_000,), (257,), 8) == 1
    assert opencv.bands((10**5,), (257,), 8) == min(opencv.cores(), 10**5 // 514)
    assert opencv.bands((10**5,), (4097,), 8) == 1  # long kernels: from BAND_ABOVE_1D
    assert opencv.bands((10**6,), (4097,), 8) == min(opencv.cores(), 10**6 // 8194)
    assert opencv.bands((10**7,), (257,), 8) == min(opencv.cores(), 10**7 // 1028)
    assert opencv.bands((1, 10**7), (1, 17), 8) == 1  # a direct sum


@pytest.mark.parametrize("mode", ["same", "full", "valid"])
@pytest.mark.parametrize("boundary", ["constant", "reflect", "wrap"])
def test_engine_with_bands_agrees_with_the_reference(many_bands, mode, boundary):
    many_bands(3)
    rng = np.random.default_rng(11)
    x = rng.standard_normal((150, 80))
    h = rng.standard_normal((9, 7))  # 63 taps, float64: the DFT path
    y = kf.convolve(x, h, mode=mode, boundary=boundary, method="opencv")
    ref = kf.convolve(x, h, mode=mode, boundary=boundary, method="reference")
    assert y.start == ref.start
    np.testing.assert_allclose(y.values, ref.values, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("seams", [True, False])
@pytest.mark.parametrize("k", [2, 3])
@pytest.mark.parametrize("border", ["BORDER_CONSTANT", "BORDER_REFLECT_101", "BORDER_REPLICATE"])
@pytest.mark.parametrize("left", [0, 20, 56])
def test_a_single_row_is_split_into_column_bands(many_bands, monkeypatch, seams, k, border,
                                                 left):
    many_bands(k)
    # short signals' bands copy out their own outputs (no seams); longer ones have seams
    monkeypatch.setattr(opencv, "MARGIN_BELOW_1D", 1 if seams else 1 << 30)
    assert opencv.seamless((1, 1500)) is not seams
    rng = np.random.default_rng(k + left)
    x = rng.standard_normal((1, 1500))
    w = rng.standard_normal((1, 57))  # float64, 57 taps: the DFT path
    assert opencv.bands(x.shape, w.shape, 8) == k
    b = getattr(cv2, border)
    y = opencv.filter2d(x, w, (0, left), b)
    ref = cv2.filter2D(x, -1, w, anchor=(left, 0), borderType=b)
    np.testing.assert_allclose(y, ref, rtol=1e-9, atol=1e-9 * np.abs(ref).max())


def test_1d_signals_through_the_engine_and_auto_with_bands(many_bands):
    many_bands(2)
    rng = np.random.default_rng(12)
    x = rng.standard_normal(3000)
    h = rng.standard_normal(101)
    ref = kf.convolve(x, h, mode="same", method="reference").values
    for m in ("opencv", "auto"):
        y = kf.convolve(x, h, mode="same", method=m).values
        np.testing.assert_allclose(y, ref, rtol=1e-9, atol=1e-9 * np.abs(ref).max())


def _child(q, method, shape, m):
    import numpy as np

    import kernelflip as kf

    rng = np.random.default_rng(0)
    x, h = rng.random(shape), rng.random((m, m))
    y = kf.convolve(x, h, mode="same", method=method).values
    q.put(float(np.abs(y - kf.convolve(x, h, mode="same", method="direct").values).max()))


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
@pytest.mark.parametrize("method,shape,m", [("opencv", (1200, 300), 11), ("stencil", (900, 400), 3)])
def test_a_forked_child_gets_its_own_thread_pool(method, shape, m):
    """The pools' threads do not survive fork(): the child must start its own
    (it used to wait forever on the parent's)."""
    import multiprocessing as mp
    import warnings

    if "fork" not in mp.get_all_start_methods():
        pytest.skip("no fork() here")
    if method == "stencil" and not kf.engines.ENGINES["stencil"].available():
        pytest.skip("numba is not installed")
    rng = np.random.default_rng(0)
    kf.convolve(rng.random(shape), rng.random((m, m)), mode="same", method=method)
    if method == "opencv":
        assert opencv._POOL  # the parent's pool is running
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(q, method, shape, m))
    with warnings.catch_warnings():  # other libraries' fork hooks warn (jax, if imported)
        warnings.simplefilter("ignore")
        p.start()
    p.join(60)
    alive = p.is_alive()
    if alive:
        p.kill()
    assert not alive, "the child hung"
    assert p.exitcode == 0
    assert q.get(timeout=5) < 1e-9


def test_choose_method_says_how_opencv_will_run(many_bands):
    many_bands(2)
    rng = np.random.default_rng(13)
    big = rng.random((1200, 900)).astype(np.float32)
    h31 = rng.random((31, 31)).astype(np.float32)
    c = kf.choose_method(big, h31, mode="same")
    if c.method == "opencv":
        assert "(DFT path, 2 row bands)" in c.reason
    small = rng.random((300, 300)).astype(np.float32)
    c = kf.choose_method(small, rng.random((5, 5)).astype(np.float32), mode="same")
    if c.method == "opencv":
        assert "(direct sum)" in c.reason
    # whatever the cost model picks, the detail follows the request's shape
    from kernelflip.engines import choose
    from kernelflip.ops import _prepare

    _, p = _prepare("conv", big, h31, "same", "constant", 0, 1, 1, "standard")
    assert choose._detail("opencv", p) == " (DFT path, 2 row bands)"
    _, p = _prepare("conv", rng.random(400_000), rng.random(257), "same", "constant", 0, 1, 1,
                    "standard")
    assert choose._detail("opencv", p) == " (DFT path, 2 column bands)"
    _, p = _prepare("conv", small, rng.random((5, 5)).astype(np.float32), "same", "constant",
                    0, 1, 1, "standard")
    assert choose._detail("opencv", p) == " (direct sum)"
    assert choose._detail("fft", p) == ""


@pytest.mark.parametrize("shape", [(300, 200), (5000,)])
def test_short_path_runs_the_bands_too(many_bands, shape):
    from kernelflip import ops

    many_bands(3)
    rng = np.random.default_rng(14)
    x = rng.standard_normal(shape)
    h = rng.standard_normal((9, 7) if len(shape) == 2 else (63,))  # float64 DFT path
    ops._FAST.clear()
    if kf.choose_method(x, h, mode="same").method != "opencv":
        pytest.skip("the cost model prefers another engine here")
    ref = kf.convolve(x, h, mode="same", method="direct").values
    for _ in range(3):  # learns the request, then takes the short path
        y = kf.convolve(x, h, mode="same").values
        np.testing.assert_allclose(y, ref, rtol=1e-9, atol=1e-9 * np.abs(ref).max())
    assert any(v is not None for v in ops._FAST.values())
