"""The volume loops (engines/volume.py): 3-D kernels of up to 125 taps as one
generated loop per kernel shape, against the reference engine and the defining
sum's NaN/inf placement."""

import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import kernelflip as kf
from kernelflip import ops
from kernelflip.engines import ENGINES, volume

pytestmark = pytest.mark.skipif(not volume.available(), reason="numba is not installed")

# few kernel shapes: each compiles its own loop on first use
KERNELS = [(3, 3, 3), (1, 2, 3), (2, 1, 1)]


def _problem(x, w, mode="same", boundary="constant", cval=0, op="conv"):
    _, p = ops._prepare(op, x, w, mode, boundary, cval, 1, 1, "standard")
    return p


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(xs=st.tuples(*[st.integers(1, 9)] * 3), ks=st.sampled_from(KERNELS),
       dtype=st.sampled_from(["float32", "float64"]),
       mode=st.sampled_from(["full", "same", "valid"]),
       boundary=st.sampled_from(["constant", "symmetric", "reflect", "edge", "wrap"]),
       cval=st.sampled_from([0.0, -2.5]), op=st.sampled_from(["conv", "corr"]),
       seed=st.integers(0, 2**16))
def test_agrees_with_the_reference(xs, ks, dtype, mode, boundary, cval, op, seed):
    assume(mode != "valid" or all(n >= k for n, k in zip(xs, ks)))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(xs).astype(dtype)
    w = rng.standard_normal(ks).astype(dtype)
    p = _problem(x, w, mode, boundary, cval, op)
    if ENGINES["volume"].refuses(p) or 0 in p.out_shape:
        return
    got = ENGINES["volume"].run(p)
    want = ENGINES["reference"].run(p)
    assert got.dtype == np.dtype(dtype) and got.shape == want.shape
    tol = 1e-4 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


@pytest.mark.parametrize("cval", [0.0, 1.0])
def test_nan_and_inf_land_where_the_defining_sum_puts_them(cval):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((6, 7, 8))
    x[0, 0, 0], x[3, 4, 5], x[5, 6, 7] = np.nan, np.inf, -np.inf
    w = rng.standard_normal((3, 3, 3))
    w[1, 1, 1] = 0.0  # 0 * inf is NaN in the defining sum
    w[0, 2, 1] = 0.0
    for mode in ("full", "same", "valid"):
        p = _problem(x, w, mode, "constant", cval)
        with np.errstate(invalid="ignore", over="ignore"):
            got = ENGINES["volume"].run(p)
            want = ENGINES["direct"].run(p)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_array_equal(np.isposinf(got), np.isposinf(want))
        np.testing.assert_array_equal(np.isneginf(got), np.isneginf(want))
        fin = np.isfinite(want)
        np.testing.assert_allclose(got[fin], want[fin], rtol=1e-12, atol=1e-12)


def test_a_large_volume_on_two_threads_matches_scipy():
    scipy_ndimage = pytest.importorskip("scipy.ndimage")
    rng = np.random.default_rng(5)
    x = rng.standard_normal((40, 50, 60)).astype(np.float32)
    w = rng.standard_normal((3, 3, 3)).astype(np.float32)
    p = _problem(x, w, "same", "reflect", op="corr")
    assert volume.chunks(p.out_shape, p.w.size) > 1
    got = ENGINES["volume"].run(p)
    want = scipy_ndimage.correlate(x.astype(np.float64), w.astype(np.float64),
                                   mode="mirror")
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_memory_is_the_output_and_the_extended_region():
    x = np.random.default_rng(6).standard_normal((48, 48, 48))
    w = np.ones((3, 3, 3))
    p = _problem(x, w)
    ENGINES["volume"].run(p)  # compile first
    tracemalloc.start()
    try:
        ENGINES["volume"].run(p)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    out_bytes = x.nbytes
    assert peak <= 3 * out_bytes  # the output plus the 50^3 extended copy


def test_refusals_name_the_reason():
    x3, w3 = np.ones((5, 5, 5)), np.ones((3, 3, 3))
    assert "3-D" in ENGINES["volume"].refuses(_problem(np.ones((5, 5)), np.ones((3, 3))))
    assert "dtype int64" in ENGINES["volume"].refuses(
        _problem(x3.astype(np.int64), w3.astype(np.int64)))
    _, p = ops._prepare("conv", x3, w3, "full", "constant", 0, 2, 1, "standard")
    assert "stride" in ENGINES["volume"].refuses(p)
    assert "216 taps" in ENGINES["volume"].refuses(_problem(np.ones((9, 9, 9)),
                                                            np.ones((6, 6, 6))))


def test_auto_uses_it_for_a_large_float_volume_and_not_for_integers():
    x = np.ones((96, 96, 96), np.float32)
    w = np.ones((3, 3, 3), np.float32)
    assert kf.choose_method(x, w, mode="same").method == "volume"
    assert kf.choose_method(x.astype(np.int64), w.astype(np.int64),
                            mode="same").method != "volume"
    y = kf.convolve(x, w, mode="same", method="volume").values
    assert y[48, 48, 48] == 27 and y[0, 0, 0] == 8


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(xs=st.tuples(*[st.integers(3, 9)] * 3), m=st.sampled_from([1, 3]),
       dtype=st.sampled_from(["float32", "float64"]),
       mode=st.sampled_from(["full", "same", "valid"]),
       boundary=st.sampled_from(["constant", "symmetric", "wrap"]),
       seed=st.integers(0, 2**16))
def test_rank1_3d_passes_agree_with_the_reference(xs, m, dtype, mode, boundary, seed):
    # a rank-1 3-D kernel: three passes, each one volume loop of one tap line
    from kernelflip.engines.separable import kernel_factors, volume_passes

    rng = np.random.default_rng(seed)
    u = [rng.uniform(0.5, 2, n) for n in (3, m, 3)]
    w = np.multiply.outer(np.multiply.outer(u[0], u[1]), u[2]).astype(dtype)
    x = rng.standard_normal(xs).astype(dtype)
    p = _problem(x, w, mode, boundary, 1.5)
    assert volume_passes(p, kernel_factors(p.w))
    got = ENGINES["separable"].run(p)
    want = ENGINES["reference"].run(p)
    tol = 1e-4 if dtype == "float32" else 1e-11
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def test_rank1_3d_passes_keep_nan_and_inf_of_nonzero_taps():
    rng = np.random.default_rng(9)
    x = rng.standard_normal((9, 10, 11))
    x[2, 3, 4], x[6, 6, 6], x[8, 9, 10] = np.nan, np.inf, -np.inf
    g = np.array([1.0, 2.0, 1.0])
    w = np.multiply.outer(np.multiply.outer(g, g), g)
    p = _problem(x, w)
    with np.errstate(invalid="ignore"):
        got = ENGINES["separable"].run(p)
        want = ENGINES["direct"].run(p)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isposinf(got), np.isposinf(want))
    np.testing.assert_array_equal(np.isneginf(got), np.isneginf(want))
    y = kf.convolve(x, w, mode="same").values  # auto: the same placement
    np.testing.assert_array_equal(np.isnan(y), np.isnan(want))
