"""The fused separable passes (one generated numba loop per factor lengths) against
direct sums."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kernelflip as kf
from kernelflip.engines import ENGINES, passes, separable
from kernelflip.ops import _prepare

pytestmark = pytest.mark.skipif(not passes.available(), reason="numba is not installed")

BOUNDARIES = ["constant", "symmetric", "reflect", "edge", "wrap"]


def _gauss(m, dtype=np.float64):
    g = np.exp(-0.5 * ((np.arange(m) - (m - 1) / 2) / (m / 4)) ** 2)
    return (g / g.sum()).astype(dtype)


def _fused_and_direct(op, x, h, mode, boundary, cval=0):
    _, p = _prepare(op, x, h, mode, boundary, cval, 1, 1, "standard")
    terms = separable.kernel_factors(p.w)
    assert passes.refuses(p, terms) is None
    return p, passes.run(p, terms), ENGINES["direct"].run(p)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("mode", ["full", "same", "valid", ((-40, 3), (5, 80))])
@pytest.mark.parametrize("factors", [(2, 5), (4, 2), (5, 5), (13, 11)])
def test_fused_passes_match_direct_sums(dtype, boundary, mode, factors):
    rng = np.random.default_rng(sum(factors) + len(boundary))
    x = rng.standard_normal((45, 70)).astype(dtype)
    h = np.outer(rng.standard_normal(factors[0]), rng.standard_normal(factors[1])).astype(dtype)
    cval = -1.5 if boundary == "constant" else 0
    tol = 1e-12 if dtype == np.float64 else 2e-5
    for op in ("conv", "corr"):
        _, z, ref = _fused_and_direct(op, x, h, mode, boundary, cval)
        assert z.shape == ref.shape and z.dtype == dtype
        np.testing.assert_allclose(z, ref, rtol=tol, atol=tol * np.abs(ref).max())


@pytest.mark.parametrize("boundary", ["constant", "wrap"])
def test_fused_passes_on_an_image_smaller_than_the_kernel(boundary):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((7, 9))
    h = np.outer(rng.standard_normal(13), rng.standard_normal(11))
    for mode in ("full", "same"):
        _, z, ref = _fused_and_direct("conv", x, h, mode, boundary, 2.0)
        np.testing.assert_allclose(z, ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("rank", [1, 2, 3, 4, 5, 9])
@pytest.mark.parametrize("boundary", ["constant", "reflect", "wrap"])
@pytest.mark.parametrize("shape", [(40, 64), (600, 300)])  # one thread, two
def test_low_rank_terms_share_loops_and_add_into_the_output(rank, boundary, shape):
    # up to passes.MAX_TERMS terms in one loop, the rest added by further loops
    rng = np.random.default_rng(rank)
    x = rng.standard_normal(shape)
    terms = [(rng.standard_normal(7), rng.standard_normal(5)) for _ in range(rank)]
    h = sum(np.outer(a, b) for a, b in terms)
    _, p = _prepare("corr", x, h, "same", boundary, -0.5, 1, 1, "standard")
    assert passes.parallel(p) == (shape[0] > 100)
    np.testing.assert_allclose(passes.run(p, terms), ENGINES["direct"].run(p), rtol=1e-12,
                               atol=1e-12 * np.abs(x).max() * rank)


def test_low_rank_kernels_factor_and_take_the_fused_loops():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((40, 64))
    h = (np.outer(rng.standard_normal(5), rng.standard_normal(5))
         + np.outer(rng.standard_normal(5), rng.standard_normal(5)))
    _, p = _prepare("corr", x, h, "same", "reflect", 0, 1, 1, "standard")
    terms = separable.kernel_factors(p.w)
    assert len(terms) == 2
    np.testing.assert_allclose(passes.run(p, terms), ENGINES["direct"].run(p), rtol=1e-12,
                               atol=1e-12)


@pytest.mark.parametrize("boundary", ["constant", "edge"])
def test_fused_passes_on_two_threads(boundary):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((600, 300))
    h = np.outer(_gauss(5), rng.standard_normal(5))
    p, z, ref = _fused_and_direct("conv", x, h, "same", boundary)
    assert passes.parallel(p)
    np.testing.assert_allclose(z, ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("rank", [1, 3])
@pytest.mark.parametrize("shape", [(128, 128), (200, 301)])
def test_each_call_writes_a_fresh_output(rank, shape):
    # the loops write into an aligned buffer of their own each call: a second call on
    # an image of the same shape leaves the first call's result as it was
    rng = np.random.default_rng(11)
    terms = [(_gauss(7), rng.standard_normal(5)) for _ in range(rank)]
    h = sum(np.outer(a, b) for a, b in terms)
    first_x, second_x = rng.standard_normal((2,) + shape)
    _, p1 = _prepare("corr", first_x, h, "same", "constant", 0, 1, 1, "standard")
    _, p2 = _prepare("corr", second_x, h, "same", "constant", 0, 1, 1, "standard")
    first = passes.run(p1, terms)
    second = passes.run(p2, terms)
    assert not np.shares_memory(first, second)
    np.testing.assert_allclose(first, ENGINES["direct"].run(p1), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(second, ENGINES["direct"].run(p2), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_passes_put_nan_and_inf_where_the_direct_sum_does(dtype):
    rng = np.random.default_rng(8)
    h = np.outer(_gauss(5, dtype), 2 - _gauss(5, dtype)).astype(dtype)
    assert separable.kernel_info(h)[2]  # one term, non-zero taps, signs kept
    x = rng.standard_normal((50, 60)).astype(dtype)
    x[3, 4] = x[20, 0] = np.nan
    x[30, 30] = x[49, 59] = np.inf
    x[10, 10], x[10, 11] = -np.inf, np.inf  # their windows give NaN
    with np.errstate(invalid="ignore"):
        _, z, ref = _fused_and_direct("conv", x, h, "same", "reflect")
    for test in (np.isnan, np.isposinf, np.isneginf):
        np.testing.assert_array_equal(test(z), test(ref))


def test_wide_float_images_go_through_the_fused_loop_and_auto_picks_it():
    x = np.zeros((64, 1024), np.float32)
    h = np.outer(_gauss(11, np.float32), _gauss(11, np.float32))
    _, p = _prepare("conv", x, h, "same", "constant", 0, 1, 1, "standard")
    assert separable.fused(p, separable.kernel_factors(p.w))
    assert kf.choose_method(x, h, mode="same").method == "separable"
    if ENGINES["opencv"].available():  # narrow rows: OpenCV's two passes
        _, q = _prepare("conv", x[:, :128], h, "same", "constant", 0, 1, 1, "standard")
        assert not separable.fused(q, separable.kernel_factors(q.w))


def test_what_the_fused_passes_refuse():
    x = np.zeros((20, 20))
    g = _gauss(5)
    for kw, why in ((dict(stride=2), "stride"), (dict(dilation=2), "dilation")):
        _, p = _prepare("conv", x, np.outer(g, g), "same", "constant", 0, kw.get("stride", 1),
                        kw.get("dilation", 1), "standard")
        assert why in passes.refuses(p, separable.kernel_factors(p.w))
    _, p = _prepare("conv", x.astype(np.int64), np.ones((3, 3), np.int64), "same", "constant",
                    0, 1, 1, "standard")
    assert "dtype" in passes.refuses(p, separable.kernel_factors(p.w))
    _, p = _prepare("conv", x, np.ones((70, 3)), "same", "constant", 0, 1, 1, "standard")
    assert "70 taps" in passes.refuses(p, separable.kernel_factors(p.w))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_zero_columns_keep_nan_and_inf_in_the_fused_loop_so_auto_skips_the_scan(dtype):
    # a Sobel-like kernel: its centre column is zero, where the direct sum's inf * 0 is NaN;
    # the factor is exactly zero there and the fused loop multiplies by every tap
    d = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    h = np.outer(_gauss(5), d).astype(dtype)
    f, _, keeps, keeps_zeros = separable.kernel_info(h)
    assert not keeps and keeps_zeros and f[0][1][2] == 0
    rng = np.random.default_rng(9)
    x = rng.standard_normal((256, 1024)).astype(dtype)
    x[5, 7] = np.inf
    x[20, 300] = np.nan
    x[30, 100], x[31, 101] = np.inf, -np.inf
    c = kf.choose_method(x, h, mode="same")
    assert c.method == "separable", c
    with np.errstate(invalid="ignore"):
        y = kf.convolve(x, h, mode="same").values
        ref = kf.convolve(x, h, mode="same", method="direct").values
    for test in (np.isnan, np.isposinf, np.isneginf):
        np.testing.assert_array_equal(test(y), test(ref))
    finite = np.isfinite(ref)
    np.testing.assert_allclose(y[finite], ref[finite], rtol=1e-4, atol=1e-5)


def _log(m, dtype):
    # a Laplacian of Gaussian made zero-mean: rank 3
    r2 = sum(g**2 for g in np.meshgrid(*[np.arange(m) - (m - 1) / 2] * 2, indexing="ij"))
    s = m / 6
    h = (r2 / s**4 - 2 / s**2) * np.exp(-r2 / (2 * s**2))
    return (h - h.mean()).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(40, 300), (600, 300)])  # one thread, two
@pytest.mark.parametrize("where", ["none", "nan", "inf", "both infs", "left edge", "cval"])
def test_low_rank_loops_report_nan_and_inf_in_what_they_read(dtype, shape, where):
    h = _log(7, dtype)
    assert len(separable.kernel_factors(h)) == 3
    rng = np.random.default_rng(11)
    x = rng.standard_normal(shape).astype(dtype)
    cval = 0.5
    n0, n1 = shape
    if where == "nan":
        x[n0 // 2, n1 // 3] = np.nan
    elif where == "inf":
        x[n0 - 1, n1 - 1] = np.inf  # the last row and column: read by the right strip
    elif where == "both infs":
        x[7, 40], x[8, 41] = np.inf, -np.inf
    elif where == "left edge":
        x[n0 - 3, 0] = -np.inf  # read by the left strip only
    elif where == "cval":
        cval = np.nan  # rows and columns of the extension
    _, p = _prepare("conv", x, h, "same", "constant", cval, 1, 1, "standard")
    z, ok = passes.run_checked(p, separable.kernel_factors(p.w))
    assert ok == (where == "none")
    if where == "none":
        np.testing.assert_allclose(z, ENGINES["direct"].run(p), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_one_term_loops_do_not_look(dtype):
    g = _gauss(5, dtype)
    x = np.full((30, 300), np.nan, dtype)
    _, p = _prepare("conv", x, np.outer(g, g), "same", "constant", 0, 1, 1, "standard")
    assert passes.run_checked(p, separable.kernel_factors(p.w))[1] is True


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_low_rank_kernels_put_nan_and_inf_where_the_direct_sum_does_without_a_scan(
        dtype, monkeypatch):
    from kernelflip.engines import choose

    h = _log(11, dtype)
    rng = np.random.default_rng(12)
    x = rng.standard_normal((300, 600)).astype(dtype)
    assert kf.choose_method(x, h, mode="same").method == "separable"
    ref_clean = kf.convolve(x, h, mode="same", method="direct").values
    x[5, 7] = np.inf
    x[100, 300] = np.nan
    x[200, 100], x[201, 104] = np.inf, -np.inf  # inf - inf: NaN where both windows meet
    x[299, 599] = -np.inf
    with np.errstate(invalid="ignore", over="ignore"):
        ref = kf.convolve(x, h, mode="same", method="direct").values
        scans = []
        monkeypatch.setattr(choose, "finite", lambda p: scans.append(p) or True)
        y = kf.convolve(x, h, mode="same").values
        explicit = kf.convolve(x, h, mode="same", method="separable").values
    assert scans == []  # the loop looked, not a scan before it
    for got in (y, explicit):
        for test in (np.isnan, np.isposinf, np.isneginf):
            np.testing.assert_array_equal(test(got), test(ref))
        finite = np.isfinite(ref)
        np.testing.assert_allclose(got[finite], ref[finite], rtol=1e-4, atol=1e-4)
    assert np.isposinf(ref).any() and np.isnan(ref).any()
    # clean data: the passes' own answer, within the low-rank bound of the direct sum
    x = rng.standard_normal((300, 600)).astype(dtype)
    np.testing.assert_allclose(kf.convolve(x, h, mode="same").values,
                               kf.convolve(x, h, mode="same", method="direct").values,
                               rtol=1e-3, atol=1e-4)
    assert ref_clean.shape == ref.shape


def test_an_overflowing_low_rank_sum_goes_to_a_direct_sum():
    from kernelflip.engines.choose import nonfinite_fallback

    h = _log(7, np.float32)
    x = np.full((40, 300), 3e38, np.float32)  # finite, but the row passes overflow
    x[::2] = -3e38
    _, p = _prepare("conv", x, h, "same", "constant", 0, 1, 1, "standard")
    with np.errstate(over="ignore", invalid="ignore"):
        assert passes.run_checked(p, separable.kernel_factors(p.w))[1] is False
        name = nonfinite_fallback(p)
        ref = ENGINES[name].run(p)
        y = kf.convolve(x, h, mode="same", method="separable").values
    assert name != "separable" and not np.isfinite(ref).all()
    np.testing.assert_array_equal(y, ref)  # the same engine's answer, NaN and inf included


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kshape=st.sampled_from([(3, 3), (7, 5), (1, 6)]),  # each shape and rank compiles
       rank=st.integers(1, 5), xshape=st.tuples(st.integers(1, 40), st.integers(1, 70)),
       big=st.booleans(), mode=st.sampled_from(["full", "same", "valid"]),
       boundary=st.sampled_from(BOUNDARIES), dtype=st.sampled_from([np.float32, np.float64]),
       seed=st.integers(0, 2**16))
def test_fused_passes_agree_with_direct_sums_on_any_image(kshape, rank, xshape, big, mode,
                                                          boundary, dtype, seed):
    # any image size (narrower than the kernel, odd and even row counts, so that the
    # last output row goes alone), any number of terms, two threads on the big ones
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((530, 260) if big else xshape).astype(dtype)
    terms = [(rng.standard_normal(kshape[0]).astype(dtype),
              rng.standard_normal(kshape[1]).astype(dtype)) for _ in range(rank)]
    h = sum(np.outer(a, b) for a, b in terms).astype(dtype)
    if mode == "valid" and any(n < m for n, m in zip(x.shape, kshape)):
        mode = "full"
    cval = 0.75 if boundary == "constant" else 0
    _, p = _prepare("corr", x, h, mode, boundary, cval, 1, 1, "standard")
    assert passes.refuses(p, terms) is None
    ref = ENGINES["direct"].run(p)
    tol = (1e-12 if dtype == np.float64 else 1e-5) * rank * float(np.abs(x).max() + 1) * max(
        1.0, float(np.abs(h).sum()))
    np.testing.assert_allclose(passes.run(p, terms), ref, rtol=0, atol=tol)


def _mirrored_terms(rng, rank, m0, m1, sym, dtype):
    """``rank`` random terms whose row factors read the same backwards (sym 1) or
    negated (-1)."""
    terms = []
    for _ in range(rank):
        v = rng.standard_normal(m1)
        v = (v + sym * v[::-1]) / 2
        terms.append((rng.standard_normal(m0).astype(dtype), v.astype(dtype)))
    return terms


@pytest.mark.parametrize("m1, sym, rank, dtype", [
    (5, 1, 2, np.float32), (6, -1, 2, np.float64), (18, -1, 3, np.float64),
    (33, 1, 3, np.float32)])  # each compiles a loop (6-16 s with an empty cache)
def test_mirrored_row_factors_take_pairs_and_match_direct_sums(m1, sym, rank, dtype):
    # several terms whose row factors are mirrored: the loop adds (or subtracts) the
    # pair of image values under taps b and M1-1-b once for all the terms; 18 and 33
    # taps take more than one group of pairs
    rng = np.random.default_rng(m1 + rank)
    terms = _mirrored_terms(rng, rank, 4, m1, sym, dtype)
    assert passes.mirrored(np.array([t[1] for t in terms[:4]])) == sym
    assert f"{'+' if sym > 0 else '-'} ext[j + {m1 - 1}])" in passes.source(4, m1, 2, sym)
    h = sum(np.outer(a, b) for a, b in terms).astype(dtype)
    x = rng.standard_normal((60, 90)).astype(dtype)
    for boundary in ("constant", "reflect"):
        _, p = _prepare("corr", x, h, "same", boundary, 0.25, 1, 1, "standard")
        z, ok = passes.run_checked(p, terms)
        tol = (1e-12 if dtype == np.float64 else 1e-5) * rank * float(np.abs(h).sum())
        assert ok
        np.testing.assert_allclose(z, ENGINES["direct"].run(p), rtol=0, atol=tol)


def test_mirrored_loops_report_nan_and_inf_in_what_they_read():
    rng = np.random.default_rng(13)
    terms = _mirrored_terms(rng, 2, 4, 6, -1, np.float64)  # the loop of the test above
    h = sum(np.outer(a, b) for a, b in terms)
    for where in ((10, 0), (20, 45), (39, 89)):
        x = rng.standard_normal((40, 90))
        x[where] = np.inf
        _, p = _prepare("corr", x, h, "same", "constant", 0, 1, 1, "standard")
        assert passes.run_checked(p, terms)[1] is False
    x = rng.standard_normal((40, 90))
    x[20, 45], x[20, 50] = np.inf, np.inf  # inf - inf in a pair: NaN, reported as well
    _, p = _prepare("corr", x, h, "same", "constant", 0, 1, 1, "standard")
    with np.errstate(invalid="ignore"):
        assert passes.run_checked(p, terms)[1] is False


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mirrored_kernels_get_exactly_mirrored_factors(dtype):
    # the SVD's factors of a kernel that reads the same (or negated) backwards along an
    # axis do so up to rounding; they are made exact, with the change in the bound
    h = _log(11, dtype)
    s, U, V, dropped = separable.lowrank(h)
    assert (U == U[::-1]).all() and (V == V[::-1]).all()
    terms = separable.kernel_factors(h)
    assert passes.mirrored(np.array([t[1] for t in terms])) == 1
    assert passes.mirrored(np.array([t[0] for t in terms])) == 1
    w = np.sum([np.outer(a, b) for a, b in terms], axis=0, dtype=np.float64)
    eps = np.finfo(dtype).eps
    assert np.abs(w - h).max() <= dropped + 11 * eps * s.sum()
    sobel_like = np.outer([1.0, 2.0, 1.0], [-1.0, 0.0, 1.0]).astype(dtype)
    s, U, V, dropped = separable.lowrank(sobel_like)
    assert (U == U[::-1]).all() and (V == -V[::-1]).all() and V[1, 0] == 0
    odd_rows = np.array([[1, 2, 3], [0, 1, 5], [0, -1, -5], [-1, -2, -3]], dtype)
    s, U, V, _ = separable.lowrank(odd_rows)  # rows negated backwards: U odd, V as it is
    assert len(s) == 2 and (U == -U[::-1]).all() and not (V == V[::-1]).all()


def test_rank1_calls_through_the_short_path_write_fresh_aligned_outputs():
    # large rank-1 outputs of kf.convolve's short path come from empty_aligned: each call
    # its own memory, both results right
    rng = np.random.default_rng(14)
    g = _gauss(9, np.float32)
    h = np.outer(g, g[::-1] * 2)
    a, b = rng.standard_normal((2, 400, 400)).astype(np.float32)
    assert kf.choose_method(a, h, mode="same").method == "separable"
    ya = kf.convolve(a, h, mode="same").values
    yb = kf.convolve(b, h, mode="same").values
    assert not np.shares_memory(ya, yb) and ya.ctypes.data % 64 == 0
    for x, y in ((a, ya), (b, yb)):
        np.testing.assert_allclose(y, kf.convolve(x, h, mode="same", method="direct").values,
                                   rtol=1e-5, atol=1e-5)
