"""Engines agree with the reference engine; the chooser keeps correctness first."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kernelflip as kf
from kernelflip.engines import ENGINES, choose, separable
from kernelflip.ops import _prepare

FAST = [n for n in ENGINES if n not in ("reference",) and ENGINES[n].available()]
DTYPES = ["int64", "float32", "float64", "complex128"]
MODES = ["full", "same", "valid"]
BOUNDARIES = ["constant", "symmetric", "reflect", "edge", "wrap"]


def _tol(dtype, x, h):
    if np.dtype(dtype).kind in "iu":
        return 0.0
    eps = np.finfo(np.dtype(dtype)).eps
    return 64 * eps * max(1.0, float(np.abs(x).sum()) * float(np.abs(h).max()))


@st.composite
def requests(draw):
    nd = draw(st.integers(1, 3))
    top = 7 if nd < 3 else 5
    xs = tuple(draw(st.integers(1, top)) for _ in range(nd))
    hs = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dtype = draw(st.sampled_from(DTYPES))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.integers(-9, 10, xs).astype(dtype)
    h = rng.integers(-4, 5, hs).astype(dtype)
    if draw(st.booleans()) and nd >= 2:  # a rank-1 kernel: exercises the separable engine
        h = np.ones(hs, dtype=dtype)
        for ax in range(nd):
            u = rng.integers(1, 4, hs[ax]).astype(dtype)
            h = h * u.reshape([-1 if a == ax else 1 for a in range(nd)])
    kw = dict(mode=draw(st.sampled_from(MODES)), boundary=draw(st.sampled_from(BOUNDARIES)),
              cval=draw(st.sampled_from([0, 3])), stride=draw(st.integers(1, 2)),
              dilation=draw(st.integers(1, 2)))
    op = draw(st.sampled_from(["conv", "corr"]))
    return op, x, h, kw


def _call(op, x, h, kw, method):
    fn = kf.convolve if op == "conv" else kf.correlate
    return fn(x, h, method=method, **kw)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests())
def test_every_engine_agrees_with_the_reference(req):
    op, x, h, kw = req
    try:
        ref = _call(op, x, h, kw, "reference")
    except kf.ArgumentError as exc:  # e.g. 'valid' with a kernel larger than the image
        assert "valid" in str(exc) or "empty" in str(exc) or "kernel" in str(exc)
        return
    _, p = _prepare(op, x, h, kw["mode"], kw["boundary"], kw["cval"], kw["stride"],
                    kw["dilation"], "standard")
    tol = _tol(ref.values.dtype, x, h)
    for name in [*FAST, "auto"]:
        if name != "auto" and ENGINES[name].refuses(p):
            continue
        y = _call(op, x, h, kw, name)
        assert y.start == ref.start and y.step == ref.step, name
        assert y.values.dtype == ref.values.dtype, name
        if tol == 0:
            assert np.array_equal(y.values, ref.values), name
        else:
            np.testing.assert_allclose(y.values, ref.values, rtol=0, atol=tol, err_msg=name)


@pytest.mark.parametrize("method", ["compiled", "separable", "direct", "auto"])
def test_integers_are_exact_beyond_float64(method):
    # values near 2**55: float64 sums would lose the low bits
    big = 2**55 + 1
    x = np.array([[big, 1, 0, 3], [2, big, 5, 1], [0, 7, big, 2]], dtype=np.int64)
    h = np.array([[1, 2], [2, 4]], dtype=np.int64)  # rank 1: [1, 2] x [1, 2]
    y = kf.convolve(x, h, mode="valid", method=method).values
    want = [[sum(int(x[i + a, j + b]) * int(h[1 - a, 1 - b]) for a in range(2) for b in range(2))
             for j in range(3)] for i in range(2)]
    assert y.tolist() == want
    assert y.dtype == np.int64
    assert (y.astype(np.float64).astype(np.int64) != y).any()  # float64 could not hold it


def test_auto_never_sends_integers_or_nonfinite_to_fft():
    x = np.ones((300, 300), dtype=np.int64)
    c = kf.choose_method(x, np.ones((41, 41), dtype=np.int64))
    assert c.method in ("compiled", "separable", "direct")
    assert c.reason.startswith("integer data")
    xf = np.random.default_rng(0).random((300, 300))
    hf = np.random.default_rng(1).random((41, 41))
    assert kf.choose_method(xf, hf).method in ("fft", "oa", "ols", "opencv")  # the finite case
    xf[100, 100] = np.nan
    xf[5, 250] = np.inf
    c = kf.choose_method(xf, hf)
    assert c.method not in ("fft", "oa", "ols", "separable", "opencv")
    assert "non-finite" in c.reason
    y = kf.convolve(xf, hf, mode="same").values
    d = kf.convolve(xf, hf, mode="same", method="compiled").values
    np.testing.assert_array_equal(np.isnan(y), np.isnan(d))
    assert np.isnan(y).sum() < y.size  # not smeared over the whole output


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("xshape,hshape", [((16, 16), (5, 5)), ((10, 11, 12), (3, 3, 3)),
                                           ((96, 96), (11, 11)), ((40,), (7,))])
def test_nonfinite_kernel_taps_follow_the_direct_sum(xshape, hshape, bad):
    """A NaN/inf tap makes every output it touches NaN/inf, zero border included
    (0 * inf is NaN): auto and the direct engines agree with the reference, and
    ndimage, which leaves such taps out, refuses them."""
    rng = np.random.default_rng(3)
    x, h = rng.random(xshape), rng.random(hshape)
    h.flat[1] = bad
    with np.errstate(invalid="ignore"):
        ref = kf.convolve(x, h, mode="same", method="reference").values
        assert np.isnan(ref).all() or np.isinf(ref).any()  # the border counts too
        methods = ["auto", "direct"] + (["compiled"] if ENGINES["compiled"].available()
                                        else [])
        for m in methods:
            y = kf.convolve(x, h, mode="same", method=m).values
            np.testing.assert_array_equal(np.isnan(y), np.isnan(ref), err_msg=m)
            np.testing.assert_array_equal(np.isinf(y), np.isinf(ref), err_msg=m)
    with pytest.raises(kf.ArgumentError, match="NaN or inf taps"):
        kf.convolve(x, h, mode="same", method="ndimage")


def test_auto_handles_complex():
    rng = np.random.default_rng(2)
    x = rng.random((40, 40)) + 1j * rng.random((40, 40))
    h = rng.random((5, 5)) - 2j * rng.random((5, 5))
    assert kf.choose_method(x, h).method in ("compiled", "direct", "fft")
    ref = kf.correlate(x, h, mode="same", method="reference").values
    np.testing.assert_allclose(kf.correlate(x, h, mode="same").values, ref, atol=1e-10)


def test_separable_lowrank_error_bound():
    rng = np.random.default_rng(3)
    for dtype in (np.float64, np.float32):
        h = (rng.random((9, 2)) @ rng.random((2, 9))).astype(dtype)  # rank 2
        x = rng.standard_normal((60, 60)).astype(dtype)
        assert len(separable.kernel_factors(h)) == 2
        y = kf.correlate(x, h, mode="valid", method="separable").values.astype(np.float64)
        exact = kf.correlate(x.astype(np.float64), h.astype(np.float64), mode="valid",
                             method="compiled").values
        patch = np.sqrt(kf.correlate(x.astype(np.float64) ** 2, np.ones((9, 9)), mode="valid",
                                     method="compiled").values.max())
        bound = separable.error_bound(h, patch, dtype)
        # the bound covers the low-rank passes; the float32 inputs are the same in both
        assert np.abs(y - exact).max() <= bound + 9 * 9 * np.finfo(dtype).eps * patch * \
            np.abs(h).max() * 9
        assert bound > 0


def test_int_rank1_is_exact_and_rejects_rank2():
    f = separable.int_rank1(np.array([[-2, -4, 6], [3, 6, -9]]))
    assert np.array_equal(np.multiply.outer(*f), [[-2, -4, 6], [3, 6, -9]])
    assert separable.int_rank1(np.array([[1, 2], [3, 5]])) is None
    assert separable.kernel_factors(np.array([[1, 2], [3, 5]])) is None


def test_choose_reports_estimates_and_picks_cheapest_for_finite_floats():
    x = np.random.default_rng(4).random((1024, 1024)).astype(np.float32)
    _, p = _prepare("conv", x, np.ones((3, 3), np.float32) / 9, "same", "constant", 0, 1, 1,
                    "standard")
    est = choose.estimate(p)
    c = choose.choose(p)
    assert c.method == min(est, key=est.get)
    assert f"{c.method} ~" in c.reason


def test_compiled_memory_is_the_output_only():
    pytest.importorskip("numba")
    x = np.random.default_rng(5).random((256, 256))
    h = np.ones((7, 7))
    kf.convolve(x, h, mode="same", method="compiled")  # compile / load first
    tracemalloc.start()
    kf.convolve(x, h, mode="same", method="compiled")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak <= 3 * x.nbytes


def test_engine_refusals_name_the_reason():
    _, p = _prepare("conv", np.ones((3, 3, 3, 3)), np.ones((2, 2, 2, 2)), "full", "constant", 0,
                    1, 1, "standard")
    assert "1, 2 and 3" in ENGINES["compiled"].refuses(p)
    assert "2-D" in ENGINES["opencv"].refuses(p)
    with pytest.raises(kf.ArgumentError, match="method='fft' cannot compute this request"):
        kf.convolve([1, 2, 3], [1, 1], method="fft")
    with pytest.raises(kf.ArgumentError, match="method='nope' is not accepted"):
        kf.convolve([1, 2, 3], [1, 1], method="nope")


def test_auto_without_numba_uses_the_other_engines(monkeypatch):
    for name in ("compiled", "stencil", "volume"):  # the engines that need numba
        monkeypatch.setattr(type(ENGINES[name]), "available", lambda self: False)
    choose._ESTIMATES.clear()
    try:
        rng = np.random.default_rng(6)
        x = rng.random((64, 64, 8))
        h = rng.random((3, 3, 3))
        c = kf.choose_method(x, h, mode="same")
        assert c.method not in ("compiled", "stencil", "volume")
        ref = kf.convolve(x, h, mode="same", method="reference").values
        np.testing.assert_allclose(kf.convolve(x, h, mode="same").values, ref, atol=1e-10)
        xi = rng.integers(0, 9, (20, 20))
        assert kf.choose_method(xi, [[1, 2], [3, 5]]).method == "direct"
        with pytest.raises(kf.ArgumentError, match="its package is not installed"):
            kf.convolve(x, h, method="compiled")
    finally:
        choose._ESTIMATES.clear()


def _gauss(m, dtype=np.float64):
    g = np.exp(-np.linspace(-2, 2, m) ** 2)
    return g.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("boundary", ["constant", "reflect", "edge"])
@pytest.mark.parametrize("shape", [(60, 50), (14, 13, 12)])
def test_rank1_passes_of_nonzero_taps_put_nan_and_inf_where_the_direct_sum_does(
        dtype, boundary, shape):
    rng = np.random.default_rng(len(shape))
    m = 5 if len(shape) == 3 else 11
    facs = [_gauss(m, dtype), np.ones(m, dtype), -_gauss(m, dtype)[::-1] + 2]
    h = facs[0]
    for f in facs[1:len(shape)]:
        h = np.multiply.outer(h, f)
    h = h.astype(dtype)
    assert separable.kernel_info(h)[2]  # one term, non-zero taps, signs kept
    x = rng.standard_normal(shape).astype(dtype)
    flat = x.reshape(-1)
    idx = rng.choice(flat.size, 12, replace=False)
    flat[idx[:4]] = np.nan
    flat[idx[4:8]] = np.inf
    flat[idx[8:]] = -np.inf
    flat[idx[8] - 1] = np.inf  # an inf next to a -inf: their windows give NaN
    with np.errstate(invalid="ignore"):
        d = kf.convolve(x, h, mode="same", boundary=boundary, method="direct").values
        for m_ in ("separable", "auto"):
            y = kf.convolve(x, h, mode="same", boundary=boundary, method=m_).values
            np.testing.assert_array_equal(np.isnan(y), np.isnan(d), err_msg=m_)
            np.testing.assert_array_equal(np.isposinf(y), np.isposinf(d), err_msg=m_)
            np.testing.assert_array_equal(np.isneginf(y), np.isneginf(d), err_msg=m_)


def test_kernels_with_zero_taps_or_several_terms_put_nan_and_inf_where_the_sum_does():
    sobel = np.outer([1.0, 2.0, 1.0], [1.0, 0.0, -1.0])
    assert not separable.kernel_info(sobel)[2]
    two = np.outer([1.0, 2.0, 1.0], [1.0, 3.0, 1.0]) + np.outer([1.0, 0.5, 2.0], [3.0, 1.0, 1.0])
    assert not separable.kernel_info(two)[2]
    x = np.ones((300, 300))
    x[5, 5] = np.inf
    x[150, 150], x[151, 152] = np.inf, -np.inf
    g = np.outer(_gauss(31), _gauss(31))
    g[0, 0] = 0.0  # one zero tap: no longer rank 1 with non-zero taps everywhere
    terms = separable.kernel_factors(g)
    assert len(terms) == 2
    c = kf.choose_method(x, g, mode="same")
    assert c.method not in ("fft", "oa", "ols", "opencv")
    _, p = _prepare("conv", x, g, "same", "constant", 0, 1, 1, "standard")
    # the passes of several terms only as the fused loop, which looks at its data
    assert c.method != "separable" or separable.fused(p, terms)
    with np.errstate(invalid="ignore"):
        y = kf.convolve(x, g, mode="same").values
        ref = kf.convolve(x, g, mode="same", method="direct").values
    for test in (np.isnan, np.isposinf, np.isneginf):
        np.testing.assert_array_equal(test(y), test(ref))
    assert np.isnan(ref).any() and np.isposinf(ref).any()


@pytest.mark.parametrize("shape", [(40, 50), (300,)])
def test_zero_taps_under_nan_and_inf_follow_the_defining_sum(shape):
    # cv2.filter2D leaves zero taps out of its sums: auto must not send NaN/inf data
    # there (the sum's 0 * inf is NaN), and method='opencv' refuses such a request
    lap = np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
    h = lap if len(shape) == 2 else np.array([1.0, 0.0, -2.0, 0.0, 1.0])
    rng = np.random.default_rng(12)
    x = rng.standard_normal(shape)
    flat = x.reshape(-1)
    flat[7], flat[20] = np.nan, np.inf
    with np.errstate(invalid="ignore"):
        ref = kf.convolve(x, h, mode="same", method="direct").values
        for _ in range(2):  # the second call takes the short path
            y = kf.convolve(x, h, mode="same").values
            for test in (np.isnan, np.isposinf, np.isneginf):
                np.testing.assert_array_equal(test(y), test(ref))
    with pytest.raises(kf.ArgumentError, match="zeros"):
        kf.convolve(x, h, mode="same", method="ndimage")
    if ENGINES["opencv"].available():
        with pytest.raises(kf.ArgumentError, match="zero taps"):
            kf.convolve(x, h, mode="same", method="opencv")
        finite_x = np.nan_to_num(x, nan=0.0, posinf=0.0)
        np.testing.assert_allclose(kf.convolve(finite_x, h, mode="same", method="opencv").values,
                                   kf.convolve(finite_x, h, mode="same", method="direct").values,
                                   atol=1e-12)


@pytest.mark.parametrize("shape", [(40, 60), (300, 700)])
def test_dilated_kernels_with_nan_and_inf_follow_the_defining_sum(shape):
    # a dilated kernel's gaps are not taps: passes over the dilated factors multiply
    # them (0 * inf = NaN), and 9x9 dilated taps take OpenCV's DFT path (NaN everywhere)
    g = np.exp(-np.linspace(-1.5, 1.5, 5) ** 2)
    h = np.outer(g, g)
    x = np.random.default_rng(13).standard_normal(shape)
    x[20, 30], x[10, 10] = np.inf, np.nan
    with np.errstate(invalid="ignore"):
        ref = kf.convolve(x, h, mode="same", dilation=2, method="direct").values
        for _ in range(2):
            y = kf.convolve(x, h, mode="same", dilation=2).values
            for test in (np.isnan, np.isposinf, np.isneginf):
                np.testing.assert_array_equal(test(y), test(ref))
    if ENGINES["opencv"].available():
        with pytest.raises(kf.ArgumentError, match="DFT path"):
            kf.convolve(x, np.ones((7, 8)), mode="same", dilation=2, method="opencv")


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
@pytest.mark.parametrize("shape", [(7,), (300,), (9000,), (60, 70), (200, 300), (20, 30, 40)])
@pytest.mark.parametrize("layout", ["c", "transposed"])
def test_all_finite_finds_every_nan_and_inf(dtype, shape, layout):
    pytest.importorskip("cv2")  # loaded: 2-D arrays take OpenCV's L1 norm
    rng = np.random.default_rng(sum(shape))
    a = rng.standard_normal(shape).astype(dtype)
    view = (lambda b: b.T) if layout == "transposed" else (lambda b: b)
    assert choose.all_finite(view(a))
    for pos in (0, a.size // 2, a.size - 1):
        for bad in (np.nan, np.inf, -np.inf):
            b = a.copy()
            b.flat[pos] = bad
            assert not choose.all_finite(view(b)), (pos, bad)
    big = np.full(shape, np.finfo(dtype).max, dtype=dtype)  # sums overflow; all finite
    assert choose.all_finite(view(big))


def test_fft_keeps_kernel_spectra_by_value_and_within_its_bytes(monkeypatch):
    from kernelflip.engines import fft

    rng = np.random.default_rng(21)
    x = rng.standard_normal((40, 50, 6))
    h = rng.standard_normal((7, 5, 3))
    fft._SPECTRA.clear()
    ref = kf.convolve(x, h, mode="same", method="direct").values
    for _ in range(2):  # the second call reads the kept spectrum
        np.testing.assert_allclose(kf.convolve(x, h, mode="same", method="fft").values, ref,
                                   atol=1e-11)
    assert len(fft._SPECTRA) == 1
    (kept,) = fft._SPECTRA.values()
    assert not kept.flags.writeable
    before = kept.copy()
    h2 = h.copy()
    h2[3, 2, 1] += 1.0  # same shape and lengths, other values: a spectrum of its own
    np.testing.assert_allclose(kf.convolve(x, h2, mode="same", method="fft").values,
                               kf.convolve(x, h2, mode="same", method="direct").values,
                               atol=1e-11)
    np.testing.assert_array_equal(kept, before)  # the call did not multiply into it
    assert len(fft._SPECTRA) == 2
    # at most SPECTRA_BYTES in all, least recently used dropped first
    monkeypatch.setattr(fft, "SPECTRA_BYTES", 3 * kept.nbytes)
    kf.convolve(x, h * 2, mode="same", method="fft")
    assert len(fft._SPECTRA) == 3
    kf.convolve(x, h * 3, mode="same", method="fft")
    assert len(fft._SPECTRA) == 3
    keys = [k[-1] for k in fft._SPECTRA]
    assert np.ascontiguousarray(h[::-1, ::-1, ::-1]).tobytes() not in keys  # the oldest
    monkeypatch.setattr(fft, "SPECTRA_BYTES", kept.nbytes)  # too large to keep
    fft._SPECTRA.clear()
    kf.convolve(x, h, mode="same", method="fft")
    assert len(fft._SPECTRA) == 0


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_extend_matches_numpy_pad_over_any_region(data):
    # the extended region every engine reads: numpy.pad's rules at any distance,
    # cropped to the region (which may start inside the image or lie outside it)
    from kernelflip.engines._base import extend

    nd = data.draw(st.integers(1, 3))
    shape = tuple(data.draw(st.integers(1, 5)) for _ in range(nd))
    region = []
    for n in shape:
        a = data.draw(st.integers(-7, n + 3))
        region.append((a, a + data.draw(st.integers(1, 9))))
    boundary = data.draw(st.sampled_from(["constant", "symmetric", "reflect", "edge", "wrap"]))
    x = np.arange(np.prod(shape), dtype=np.float64).reshape(shape) + 1
    m = 24
    kw = {"constant_values": -2.5} if boundary == "constant" else {}
    big = np.pad(x, [(m, m)] * nd, mode=boundary, **kw)
    want = big[tuple(slice(a + m, b + m) for a, b in region)]
    got = extend(x, region, boundary, -2.5)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("page_offset", [None, 0, 2048, 4032])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128])
def test_empty_aligned_gives_fresh_aligned_memory(page_offset, dtype):
    from kernelflip.engines._base import empty_aligned

    a = empty_aligned((37, 53), dtype, page_offset=page_offset)
    b = empty_aligned((37, 53), dtype, page_offset=page_offset)
    assert a.shape == (37, 53) and a.dtype == dtype and a.flags.c_contiguous
    assert a.flags.writeable and not np.shares_memory(a, b)
    for arr in (a, b):
        assert arr.ctypes.data % 64 == 0
        if page_offset is not None:
            assert arr.ctypes.data % 4096 == page_offset
    a[...] = 1
    b[...] = 2
    assert (a == 1).all()


def test_empty_aligned_refuses_an_offset_off_the_alignment():
    from kernelflip.engines._base import empty_aligned

    with pytest.raises(ValueError, match="page_offset=100"):
        empty_aligned((4,), np.float64, page_offset=100)
