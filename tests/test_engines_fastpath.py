"""The per-call caches of convolve/correlate change no result and skip no check."""

from __future__ import annotations

import numpy as np
import pytest

import kernelflip as kf
from kernelflip import ops
from kernelflip.engines import choose


def test_second_call_reuses_the_plan_and_the_ranking(monkeypatch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((37, 41)).astype(np.float32)
    h = rng.standard_normal((5, 3)).astype(np.float32)
    first = kf.correlate(x, h, mode="same", boundary="reflect")

    def boom(*a, **k):
        raise AssertionError("recomputed")

    monkeypatch.setattr(ops, "make_plan", boom)
    monkeypatch.setattr(choose, "_estimate", boom)
    again = kf.correlate(x, h, mode="same", boundary="reflect")
    np.testing.assert_array_equal(again.values, first.values)
    assert (again.start, again.step) == (first.start, first.step) == ((-18, -20), (1, 1))
    assert all(type(v) is int for v in again.start + again.step)


def test_cached_request_still_refuses_lookalike_arguments():
    x = np.arange(30.0).reshape(5, 6)
    kf.convolve(x, np.ones((3, 3)), stride=1)  # cached with stride=1 (True == 1 in a dict)
    with pytest.raises(kf.ArgumentTypeError, match=r"stride=True is not accepted"):
        kf.convolve(x, np.ones((3, 3)), stride=True)
    with pytest.raises(kf.ArgumentTypeError, match=r"dilation=\(1, True\) is not accepted"):
        kf.convolve(x, np.ones((3, 3)), dilation=(1, True))
    with pytest.raises(kf.ArgumentError, match=r"cval=0.5 is not accepted for int64"):
        kf.convolve([1, 2, 3], [1, 1], cval=0.5)
    with pytest.raises(kf.ArgumentTypeError, match=r"cval='0' is not accepted: give a number"):
        kf.convolve(x, np.ones((3, 3)), cval="0")
    with pytest.raises(kf.ArgumentError, match=r"method='nope' is not accepted.*in convolve"):
        kf.convolve(x, np.ones((3, 3)), method="nope")


def test_numpy_integer_and_list_arguments_match_plain_ones():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((20, 17))
    h = rng.standard_normal((3, 4))
    want = kf.convolve(x, h, mode="valid", stride=2, dilation=(1, 2))
    got = kf.convolve(x, h, mode="valid", stride=np.int64(2), dilation=[1, np.int32(2)])
    np.testing.assert_array_equal(got.values, want.values)
    assert (got.start, got.step) == (want.start, want.step)
    win = kf.convolve(x, h, mode=[[-3, 4], [0, 5]])  # an unhashable explicit window
    ref = kf.convolve(x, h, mode=((-3, 4), (0, 5)), method="reference")
    np.testing.assert_allclose(win.values, ref.values, atol=1e-12)
    assert win.start == (-3, 0)


def test_cval_nonzero_and_zero_give_the_reference_values():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((9, 8)).astype(np.float32)
    h = rng.standard_normal((3, 3)).astype(np.float32)
    for cval in (0, 0.0, -0.0, 2, 1.5):
        got = kf.convolve(x, h, mode="same", cval=cval)
        ref = kf.convolve(x, h, mode="same", cval=cval, method="reference")
        np.testing.assert_allclose(got.values, ref.values, rtol=1e-5, atol=1e-5)
        assert got.dtype == np.float32


def test_choose_method_reason_matches_auto():
    x = np.random.default_rng(3).random((64, 64))
    h = np.ones((3, 3))
    c = kf.choose_method(x, h, mode="same")
    _, p = ops._prepare("conv", x, h, "same", "constant", 0, 1, 1, "standard")
    assert choose.pick(p) == c.method
    assert c.reason.startswith(f"{c.method} ~") or c.reason.startswith(f"{c.method} (")


def test_choose_method_refuses_an_unhashable_op():
    with pytest.raises(kf.ArgumentError, match=r"op=\['conv'\] is not accepted"):
        kf.choose_method([1, 2, 3], [1, 1], op=["conv"])


def test_pick_looks_at_the_kernel_only_when_its_rank_matters():
    pytest.importorskip("cv2")
    x = np.random.default_rng(4).random((300, 300)).astype(np.float32)
    g = np.exp(-np.linspace(-2, 2, 31) ** 2)
    sep = np.outer(g, g).astype(np.float32)
    dense = np.random.default_rng(5).random((31, 31)).astype(np.float32)
    assert kf.choose_method(x, sep, mode="same").method == "separable"
    assert kf.choose_method(x, dense, mode="same").method != "separable"
    for h in (sep, dense, sep):  # same shapes, one cache: the kernel still decides
        _, p = ops._prepare("conv", x, h, "same", "constant", 0, 1, 1, "standard")
        assert choose.pick(p) == kf.choose_method(x, h, mode="same").method
    small = np.ones((3, 3), np.float32)  # rank 1, but passes cannot beat a 9-tap sum
    assert kf.choose_method(x, small, mode="same").method in ("opencv", "stencil")  # a 9-tap sum
    np.testing.assert_allclose(kf.convolve(x, small, mode="same").values,
                               kf.convolve(x, small, mode="same", method="reference").values,
                               rtol=1e-5, atol=1e-5)


def test_rank3_log_kernel_is_three_pairs_of_passes_at_31():
    pytest.importorskip("cv2")
    from kernelflip.bench import kernel

    h = kernel("log", (31, 31), "float32", np.random.default_rng(0))
    x = np.lib.stride_tricks.as_strided(np.zeros(1, np.float32), (2048, 2048), (0, 0))
    _, p = ops._prepare("conv", x, h, "same", "constant", 0, 1, 1, "standard")
    est = choose.estimate(p)
    assert len(kf.engines.separable.kernel_factors(p.w)) == 3
    # three pairs of 62 taps each, against 961: far cheaper than the compiled sum
    assert est["separable"] < est["compiled"] / 3
    small = np.random.default_rng(6).standard_normal((64, 64)).astype(np.float32)
    y = kf.convolve(small, h, mode="same", method="separable").values
    ref = kf.convolve(small.astype(np.float64), h.astype(np.float64), mode="same",
                      method="direct").values
    assert np.abs(y - ref).max() <= 1e-5 * np.abs(ref).max()


cv2 = pytest.importorskip("cv2")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("boundary", ["constant", "symmetric", "reflect", "edge"])
@pytest.mark.parametrize("shapes", [((40, 33), (3, 5)), ((200,), (7,)), ((31, 30), (4, 4))])
def test_one_call_requests_give_the_general_paths_values(dtype, boundary, shapes):
    rng = np.random.default_rng(5)
    x = rng.standard_normal(shapes[0]).astype(dtype)
    h = rng.standard_normal(shapes[1]).astype(dtype)
    for fn in (kf.convolve, kf.correlate):
        ops._FAST.clear()
        op = "conv" if fn is kf.convolve else "corr"
        chosen = kf.choose_method(x, h, mode="same", boundary=boundary, op=op).method
        assert chosen in ("opencv", "stencil")  # one call either way
        want = fn(x, h, mode="same", boundary=boundary, method=chosen)
        for _ in range(3):  # learns the request, then takes the short path
            got = fn(x, h, mode="same", boundary=boundary)
            assert got.values.dtype == dtype
            np.testing.assert_array_equal(got.values, want.values)
            assert (got.start, got.step) == (want.start, want.step)
        ref = fn(x, h, mode="same", boundary=boundary, method="reference")
        np.testing.assert_allclose(got.values, ref.values, rtol=1e-5, atol=1e-5)
        assert any(v is not None for v in ops._FAST.values())  # learned: the short path ran


def test_short_path_is_not_taken_for_other_data_of_the_same_request():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((64, 64)).astype(np.float32)
    h = rng.standard_normal((3, 3)).astype(np.float32)
    kf.convolve(x, h, mode="same")
    kf.convolve(x, h, mode="same")
    # a non-contiguous image of the same shape and dtype
    xt = np.asfortranarray(x).T
    np.testing.assert_array_equal(kf.convolve(xt, h, mode="same").values,
                                  kf.convolve(np.ascontiguousarray(xt), h, mode="same").values)
    # mixed dtypes are another request (float64 result)
    assert kf.convolve(x, h.astype(np.float64), mode="same").values.dtype == np.float64


@pytest.fixture
def no_trials():
    """method="auto" by the cost model alone (no timed trials: the first call learns)."""
    was = kf.autotune(False)
    yield
    kf.autotune(was)


def test_kernels_whose_values_decide_the_engine_are_checked_on_the_short_path(no_trials):
    # 11x11 at 2048^2: a rank-1 kernel goes to the separable passes, a dense one to
    # the stencil loops or OpenCV's direct sum -- the same request, so its engine
    # depends on the values
    x = np.random.default_rng(7).random((2048, 2048)).astype(np.float32)
    dense = np.random.default_rng(8).random((11, 11)).astype(np.float32)
    g = np.exp(-np.linspace(-2, 2, 11) ** 2)
    gauss = np.outer(g, g).astype(np.float32)
    ops._FAST.clear()
    kf.convolve(x, dense, mode="same")
    (runner,) = ops._FAST.values()
    assert runner is not None  # learned on the dense kernel
    assert kf.choose_method(x, gauss, mode="same").method == "separable"
    sep = kf.convolve(x, gauss, mode="same", method="separable").values
    y = runner(x, gauss)  # a rank-1 kernel: the passes, on the short path too
    np.testing.assert_array_equal(y.values, sep)
    np.testing.assert_array_equal(kf.convolve(x, gauss, mode="same").values, sep)
    lin = np.linspace(0, 1, 11)
    two = gauss + np.outer(lin, lin).astype(np.float32)  # rank 2: the general path
    assert runner(x, two) is None
    dense_engine = kf.choose_method(x, dense, mode="same").method
    np.testing.assert_array_equal(kf.convolve(x, dense, mode="same").values,
                                  kf.convolve(x, dense, mode="same",
                                              method=dense_engine).values)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_short_path_of_opencvs_dft_keeps_nonfinite_data_out(dtype):
    # 31x31 at 128^2 is OpenCV's DFT path: learned on finite data, the short path
    # must still send NaN/inf data and kernels to a direct sum
    rng = np.random.default_rng(10)
    x = rng.standard_normal((128, 128)).astype(dtype)
    h = rng.standard_normal((31, 31)).astype(dtype)
    ops._FAST.clear()
    if kf.choose_method(x, h, mode="same").method != "opencv":
        pytest.skip("the cost model prefers another engine here")
    for _ in range(2):
        np.testing.assert_array_equal(kf.convolve(x, h, mode="same").values,
                                      kf.convolve(x, h, mode="same", method="opencv").values)
    assert any(v is not None for v in ops._FAST.values())
    bad = x.copy()
    bad[60, 60] = np.nan
    y = kf.convolve(bad, h, mode="same").values
    assert np.isnan(y).sum() == 31 * 31  # only the outputs whose window holds it
    hb = h.copy()
    hb[0, 0] = np.inf
    with np.errstate(invalid="ignore"):
        y = kf.convolve(x, hb, mode="same").values
        ref = kf.convolve(x, hb, mode="same", method="direct").values
    np.testing.assert_array_equal(np.isnan(y), np.isnan(ref))
    np.testing.assert_array_equal(np.isinf(y), np.isinf(ref))


def _learned_dft_runner(case, seed):
    """(x, h, the short path's runner) for ``case`` = (shape, kernel shape, dtype,
    boundary), the runner learned on finite data; skips where ``auto`` does not take
    OpenCV."""
    shape, kshape, dtype, boundary = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(dtype)
    h = rng.standard_normal(kshape).astype(dtype)
    ops._FAST.clear()
    if kf.choose_method(x, h, mode="same", boundary=boundary).method != "opencv":
        pytest.skip("the cost model prefers another engine here")
    for _ in range(2):  # learn the short path on finite data
        kf.convolve(x, h, mode="same", boundary=boundary)
    runners = [v for v in ops._FAST.values() if v is not None]
    assert runners and runners[0].engine == "opencv"
    return x, h, runners[0]


@pytest.mark.parametrize("case", [
    ((128, 128), (31, 31), np.float32, "constant"),
    # 289 taps: past the stencil loops' 225, so OpenCV's DFT path stays the pick (11x11
    # went to the stencil loops once OpenCV's transform was costed by its real length)
    ((128, 128), (17, 17), np.float64, "reflect"),
    ((300, 260), (31, 31), np.float64, "reflect"),  # two row bands from 256^2
    ((300, 260), (21, 25), np.float64, "constant"),
    ((20000,), (257,), np.float64, "constant"),
    ((100000,), (257,), np.float64, "constant"),  # two column bands (without seams)
])
def test_short_dft_path_finds_nonfinite_samples_anywhere_in_the_image(case):
    # the short path of OpenCV's DFT looks at its output, not its input: a NaN or inf
    # at any sample (corners and edges included, where a tile's margin reads it)
    # must still reach the outputs the defining sum puts it in
    shape, boundary = case[0], case[3]
    x, h, run = _learned_dft_runner(case, 12)
    last = tuple(n - 1 for n in shape)
    corners = {tuple(c) for c in np.ndindex(*(2,) * len(shape))}
    spots = [tuple(l if k else 0 for k, l in zip(c, last)) for c in corners]
    spots.append(tuple(n // 2 for n in shape))
    spots.append(tuple(0 if a == 0 else n // 3 for a, n in enumerate(shape)))
    for spot in spots:
        for bad_value in (np.nan, np.inf, -np.inf):
            bad = x.copy()
            bad[spot] = bad_value
            assert run(bad, h) is None  # back to the general path
            with np.errstate(invalid="ignore", over="ignore"):
                y = kf.convolve(bad, h, mode="same", boundary=boundary).values
                ref = kf.convolve(bad, h, mode="same", boundary=boundary,
                                  method="direct").values
            np.testing.assert_array_equal(np.isnan(y), np.isnan(ref))
            np.testing.assert_array_equal(np.isinf(y), np.isinf(ref))
            assert np.isfinite(ref).sum() < ref.size
            fin = np.isfinite(ref)
            np.testing.assert_allclose(y[fin], ref[fin], rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("shape, taps", [((50,), (7,)), ((23, 31), (4, 6)), ((9, 8), (9, 1))])
def test_window_finite_meets_the_outputs_of_every_window(shape, taps):
    # the fewest outputs a non-finite x[n] reaches: those whose window holds it, a
    # block of taps[ax] indices along each axis (anchor a), cut by the edges
    for n in np.ndindex(*shape):
        for anchor in {(0,) * len(taps), tuple(m - 1 for m in taps),
                       tuple(m // 2 for m in taps)}:
            z = np.ones(shape)
            z[tuple(slice(max(0, i - m + 1 + a), i + a + 1)
                    for i, m, a in zip(n, taps, anchor))] = np.inf
            assert not ops.window_finite(z, taps), (n, anchor)
    assert ops.window_finite(np.ones(shape), taps)


@pytest.mark.parametrize("case", [
    ((20000,), (257,), np.float64, "constant"),
    ((100000,), (257,), np.float64, "constant"),  # two column bands (without seams)
    ((300, 260), (31, 31), np.float64, "reflect"),
    ((128, 128), (31, 31), np.float32, "constant"),
])
def test_short_dft_path_sees_a_nonfinite_sample_at_every_position(case):
    # the short path looks at a grid of its outputs with the kernel's steps
    # (ops.window_finite): a NaN or inf at any sample, on the grid or between its
    # points, next to the edges or not, must send the call back to the general path
    shape = case[0]
    x, h, run = _learned_dft_runner(case, 13)
    rng = np.random.default_rng(13)
    assert run(x, h) is not None
    if len(shape) == 1:
        n = shape[0]
        middle = range(n // 2 - 300, n // 2 + 300)  # where two bands meet, if split
        spots = [(i,) for i in sorted({*range(0, 600), *range(n - 600, n), *middle,
                                       *range(600, n - 600, 97)})]
    else:
        rows = [*range(0, 40), *range(shape[0] - 40, shape[0]), *rng.integers(0, shape[0], 30)]
        cols = [*range(0, 40), *range(shape[1] - 40, shape[1]), *rng.integers(0, shape[1], 30)]
        spots = [(int(i), int(j)) for i in rows[::3] for j in cols[::3]]
    for k, spot in enumerate(spots):
        bad = x.copy()
        bad[spot] = (np.nan, np.inf, -np.inf)[k % 3]
        with np.errstate(invalid="ignore", over="ignore"):
            assert run(bad, h) is None, spot


@pytest.mark.parametrize("boundary", ["constant", "reflect", "wrap"])
def test_stencil_requests_take_their_short_path_with_the_same_values(boundary):
    if not kf.engines.ENGINES["stencil"].available():
        pytest.skip("numba is not installed")
    rng = np.random.default_rng(9)
    x = rng.standard_normal((300, 280))
    h = rng.standard_normal((3, 3))
    if kf.choose_method(x, h, mode="same", boundary=boundary).method != "stencil":
        pytest.skip("the cost model prefers another engine here")
    ops._FAST.clear()
    want = kf.correlate(x, h, mode="same", boundary=boundary, method="stencil")
    for _ in range(3):
        got = kf.correlate(x, h, mode="same", boundary=boundary)
        np.testing.assert_array_equal(got.values, want.values)
        assert (got.start, got.step) == (want.start, want.step)
    assert any(v is not None and v.engine == "stencil" for v in ops._FAST.values())
    ref = kf.correlate(x, h, mode="same", boundary=boundary, method="reference")
    np.testing.assert_allclose(got.values, ref.values, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", [128, 600])
def test_rank1_kernels_take_the_passes_on_the_short_path(dtype, n):
    # narrow images: cv2.sepFilter2D; wide ones: the fused loop (where numba is there)
    rng = np.random.default_rng(11)
    x = rng.standard_normal((n, n)).astype(dtype)
    g = np.exp(-np.linspace(-2, 2, 11) ** 2)
    gauss = np.outer(g, g).astype(dtype)
    if kf.choose_method(x, gauss, mode="same").method != "separable":
        pytest.skip("the cost model prefers another engine here")
    ops._FAST.clear()
    want = kf.convolve(x, gauss, mode="same", method="separable")
    for _ in range(2):
        got = kf.convolve(x, gauss, mode="same")
        np.testing.assert_array_equal(got.values, want.values)
        assert (got.start, got.step) == (want.start, want.step)
    (runner,) = ops._FAST.values()
    assert runner.passes
    assert runner(x, gauss) is not None
    # a zero column (Sobel-like) with NaN data: the passes that skip zero taps must not
    # run, and the values follow the direct sum
    sob = np.outer(g, np.linspace(-1, 1, 11)).astype(dtype)
    bad = x.copy()
    bad[n // 2, n // 3] = np.nan
    with np.errstate(invalid="ignore"):
        y = kf.convolve(bad, sob, mode="same").values
        ref = kf.convolve(bad, sob, mode="same", method="direct").values
    np.testing.assert_array_equal(np.isnan(y), np.isnan(ref))
