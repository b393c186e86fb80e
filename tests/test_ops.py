"""convolve/correlate against scipy, hand-derived values and identities."""

import numpy as np
import pytest
import scipy.signal as ss
from hypothesis import given, settings
from hypothesis import strategies as st

import kernelflip as kf

SETTINGS = settings(max_examples=60, deadline=None)
DTYPES = ["int8", "uint8", "int32", "int64", "float32", "float64", "complex128", "bool"]


@st.composite
def pair(draw, valid=False):
    nd = draw(st.integers(1, 3))
    xs = tuple(draw(st.integers(1, 6)) for _ in range(nd))
    hs = tuple(draw(st.integers(1, n if valid else 5)) for n in xs)
    dtype = draw(st.sampled_from(DTYPES))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)

    def make(shape):
        if dtype == "bool":
            return rng.integers(0, 2, shape).astype(bool)
        if dtype.startswith("complex"):
            return (rng.integers(-9, 10, shape) + 1j * rng.integers(-9, 10, shape)).astype(dtype)
        lo = 0 if dtype == "uint8" else -9
        return rng.integers(lo, 10, shape).astype(dtype)

    return make(xs), make(hs)


def _exact(dtype):
    return np.dtype(dtype).kind in "biu"


def _compare(ours, oracle, x, h):
    if _exact(x.dtype) and _exact(h.dtype):
        assert ours.dtype == np.int64
        np.testing.assert_array_equal(ours, oracle)
    else:
        np.testing.assert_allclose(ours, oracle, rtol=1e-5, atol=1e-4)


def _i64(a):
    return a.astype(np.int64) if _exact(a.dtype) else a


@SETTINGS
@given(pair(), st.sampled_from(["full", "same"]))
def test_convolve_matches_scipy(xh, mode):
    x, h = xh
    oracle = ss.convolve(_i64(x), _i64(h), mode=mode, method="direct")
    # scipy 'same' keeps full[(M-1)//2:]: kernel start -((M-1)//2) on the lattice
    hstart = tuple(-((m - 1) // 2) for m in h.shape) if mode == "same" else None
    hh = kf.indexed(h, start=hstart) if hstart else h
    y = kf.convolve(x, hh, mode=mode)
    assert y.shape == oracle.shape
    _compare(y.values, oracle, x, h)


@SETTINGS
@given(pair(), st.sampled_from(["full", "same"]))
def test_correlate_matches_scipy(xh, mode):
    x, h = xh
    oracle = ss.correlate(_i64(x), _i64(h), mode=mode, method="direct")
    y = kf.correlate(x, h, mode=mode)  # centred kernels are scipy's correlate rule
    _compare(y.values, oracle, x, h)


@SETTINGS
@given(pair(valid=True), st.sampled_from(["conv", "corr"]))
def test_valid_matches_scipy(xh, op):
    x, h = xh
    f = ss.convolve if op == "conv" else ss.correlate
    g = kf.convolve if op == "conv" else kf.correlate
    _compare(g(x, h, mode="valid").values, f(_i64(x), _i64(h), mode="valid"), x, h)


@SETTINGS
@given(pair(), st.sampled_from(["direct", "fft", "reference"]))
def test_engines_agree_full(xh, method):
    x, h = xh
    if method == "fft" and _exact(x.dtype) and _exact(h.dtype):
        x = x.astype(np.float64)
    ref = kf.convolve(x, h, method="reference")
    y = kf.convolve(x, h, method=method)
    assert y.same_lattice(ref)
    # the FFT's documented bound: a few eps of the working dtype times sum|x| * sum|h|
    eps = np.finfo(np.result_type(y.dtype, np.float32)).eps
    bound = 16 * eps * (np.abs(x).astype(float).sum() * np.abs(h).astype(float).sum() + 1)
    np.testing.assert_allclose(y.values, ref.values, rtol=0, atol=bound)


# --- identities -----------------------------------------------------------------

@SETTINGS
@given(pair(), st.sampled_from(["full", "same", "valid"]))
def test_correlate_is_convolve_with_flipped_conjugate(xh, mode):
    x, h = xh
    hi = kf.centered(h)
    flipped = kf.indexed(np.conj(h[tuple(slice(None, None, -1) for _ in h.shape)]),
                         start=tuple(-l for l in hi.last))
    try:
        a = kf.correlate(x, hi, mode=mode)
    except ValueError:
        return  # 'valid' with no output: both must refuse
    b = kf.convolve(x, flipped, mode=mode)
    assert a.same_lattice(b)
    np.testing.assert_allclose(a.values, b.values, rtol=1e-6)


@SETTINGS
@given(pair())
def test_article_correlation_is_standard_at_minus_m(xh):
    x, h = xh
    h = h.real if np.iscomplexobj(h) else h
    art = kf.correlate(x, h, convention="article")
    std = kf.correlate(x, h)
    assert art.start == tuple(-l for l in std.last)
    rev = std.values[tuple(slice(None, None, -1) for _ in range(std.ndim))]
    np.testing.assert_allclose(art.values, rev, rtol=1e-6)


@SETTINGS
@given(pair())
def test_convolution_commutes(xh):
    x, h = xh
    a, b = kf.convolve(x, h), kf.convolve(h, x)
    # supports add, so the lattices agree whatever the sizes
    assert a.same_lattice(b)
    np.testing.assert_allclose(a.values, b.values, rtol=1e-6)


@SETTINGS
@given(pair(), st.integers(0, 2**31 - 1))
def test_adjoint_identity(xh, seed):
    """<conv(x, h), y> = <x, corr(y, h)> with the standard (conjugating) correlation."""
    x, h = xh
    x = x.astype(np.complex128)
    h = h.astype(np.complex128)
    c = kf.convolve(x, h)  # full
    rng = np.random.default_rng(seed)
    y = kf.Indexed(rng.standard_normal(c.shape) + 1j * rng.standard_normal(c.shape), c.start, c.step)
    back = kf.correlate(y, h, mode=tuple((s, e) for s, e in zip(kf.centered(x).start,
                                                                      kf.centered(x).stop)))
    lhs = np.vdot(y.values, c.values)       # <conv(x,h), y> = sum conj(y) conv
    rhs = np.vdot(back.values, x)           # <x, corr(y,h)> = sum conj(corr) x
    np.testing.assert_allclose(lhs, rhs, rtol=1e-9, atol=1e-9)


# --- hand-derived values ------------------------------------------------------------

def test_article_example_by_hand():
    """Article: conv y[1,1] of a 7x7 image uses the patch 0..2 x 0..2 with the kernel flipped."""
    x = np.arange(49).reshape(7, 7)           # x[i,j] at position (i+3, j+3)
    h = 2 ** np.arange(9).reshape(3, 3)       # a..i as powers of two: every term identifiable
    y = kf.convolve(x, h, mode="same")
    by_hand = sum(x[i + 3, j + 3] * h[1 - i + 1, 1 - j + 1] for i in range(3) for j in range(3))
    assert y.at[1, 1] == by_hand
    art = kf.correlate(x, h, mode="same", convention="article")
    by_hand_corr = sum(x[i + 3, j + 3] * h[-1 + i + 1, -1 + j + 1] for i in range(3) for j in range(3))
    assert art.at[-1, -1] == by_hand_corr
    assert kf.correlate(x, h, mode="same").at[1, 1] == by_hand_corr


def test_uncentred_starts_move_the_result():
    x = kf.indexed([1, 2, 3], start=10)
    h = kf.indexed([1, 1], start=-1)
    y = kf.convolve(x, h)
    assert y.start == (9,) and y.values.tolist() == [1, 3, 5, 3]
    assert y.at[9] == 1


def test_stride_and_dilation_by_hand():
    x = np.arange(10)                          # indices -5..4, x[i] = i + 5
    y = kf.correlate(x, [1, 0, 1], mode="valid", dilation=2, stride=3)
    # y[m] = x[m-2] + x[m+2] for m = -3, 0 (step 3 from the valid window -3..2)
    assert y.start == (-3,) and y.step == (3,)
    assert y.values.tolist() == [(-5 + 5) + (-1 + 5), (-2 + 5) + (2 + 5)]


@pytest.mark.parametrize("boundary", ["symmetric", "reflect", "edge", "wrap"])
def test_boundaries_match_numpy_pad(boundary):
    x = np.arange(1, 6).astype(float)
    h = np.array([1.0, 10.0, 100.0, 1000.0, 7.0, 3.0, 2.0])
    y = kf.correlate(x, h, mode="same", boundary=boundary)
    xp = np.pad(x, 3, mode=boundary)
    np.testing.assert_allclose(y.values, ss.correlate(xp, h, mode="valid"))


def test_boundary_far_beyond_the_image_matches_numpy_pad():
    x = np.arange(1, 4)
    h = np.ones(15, dtype=int)
    for boundary in ["symmetric", "reflect", "wrap", "edge"]:
        y = kf.convolve(x, h, mode="same", boundary=boundary)
        xp = np.pad(x, 7, mode=boundary)
        np.testing.assert_array_equal(y.values, ss.convolve(xp, h, mode="valid"))


def test_constant_cval():
    y = kf.convolve([1, 2], [1, 1, 1], mode="full", cval=5)
    # full: every output sees 3 taps; the missing ones read 5
    assert y.values.tolist() == [1 + 5 + 5, 1 + 2 + 5, 1 + 2 + 5, 2 + 5 + 5]


# --- dtype policy -------------------------------------------------------------------------

@pytest.mark.parametrize("xd, hd, out", [
    ("uint8", "uint8", "int64"), ("bool", "bool", "int64"), ("int8", "int64", "int64"),
    ("float32", "float32", "float32"), ("float32", "int8", "float32"),
    ("float16", "float16", "float32"), ("float64", "float32", "float64"),
    ("complex64", "float32", "complex64"), ("complex64", "float64", "complex128"),
])
def test_dtype_policy(xd, hd, out):
    assert kf.convolve(np.ones(4, xd), np.ones(2, hd)).dtype == np.dtype(out)


def test_integers_never_wrap():
    y = kf.convolve(np.array([200, 200, 200], np.uint8), np.array([1, 1], np.uint8))
    assert y.values.tolist() == [200, 400, 400, 200]
    big = np.array([2**40], dtype=np.int64)
    assert kf.convolve(big, big // 2**20).values.tolist() == [2**60]


def test_integer_overflow_is_refused():
    big = np.array([2**62, 2**62], dtype=np.int64)
    with pytest.raises(OverflowError, match=r"beyond int64"):
        kf.convolve(big, np.array([4, 4]))


def test_nonfinite_stay_where_direct_summation_puts_them():
    x = np.zeros(64)
    x[10] = np.nan
    x[40] = np.inf
    h = np.linspace(1, 2, 40)
    y = kf.convolve(x, h, mode="same")
    nan_at = np.isnan(y.values)
    pos_inf = np.isposinf(y.values)
    ref = kf.convolve(x, h, mode="same", method="reference")
    np.testing.assert_array_equal(nan_at, np.isnan(ref.values))
    np.testing.assert_array_equal(pos_inf, np.isposinf(ref.values))
    assert 0 < nan_at.sum() < 64
    assert kf.choose_method(x, h).method != "fft"


def test_float32_stays_float32_on_fft():
    x = np.random.default_rng(0).random((64, 64)).astype(np.float32)
    h = np.random.default_rng(1).random((31, 31)).astype(np.float32)
    y = kf.convolve(x, h, method="fft")
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.values, ss.convolve(x.astype(float), h.astype(float)), rtol=1e-3,
                               atol=1e-3)


# --- bad input ----------------------------------------------------------------------------

@pytest.mark.parametrize("args, kwargs, exc, match", [
    ((np.zeros((3, 3)), np.zeros(3)), {}, ValueError, r"image has 2 axes .* kernel 1"),
    ((np.zeros((0, 3)), np.zeros((1, 1))), {}, ValueError, r"image is empty \(shape \(0, 3\)\)"),
    ((np.zeros(3), np.zeros(0)), {}, ValueError, r"kernel is empty"),
    ((np.array(["a", "b"]), np.zeros(2)), {}, TypeError, r"x has dtype <U1 \(strings\)"),
    ((np.zeros(3), np.array([None, 1])), {}, TypeError, r"h has dtype object \(Python objects\)"),
    ((np.zeros(3), np.zeros(2)), {"stride": 0}, ValueError, r"stride=0 is not accepted: every entry must be >= 1"),
    ((np.zeros(3), np.zeros(2)), {"stride": -1}, ValueError, r"stride=-1 is not accepted"),
    ((np.zeros(3), np.zeros(2)), {"dilation": (1, 2)}, ValueError, r"dilation=\(1, 2\) has 2 entries"),
    ((np.zeros(3), np.zeros(2)), {"mode": "circular"}, ValueError, r"mode='circular' is not accepted: use 'full', 'same', 'valid'"),
    ((np.zeros(3), np.zeros(2)), {"boundary": "mirror"}, ValueError, r"boundary='mirror' is not accepted: use one of constant"),
    ((np.zeros(3), np.zeros(5)), {"mode": "valid"}, ValueError, r"mode='valid' has no output on axis 0: the kernel spans 5"),
    ((np.zeros(3), np.zeros(2)), {"method": "magic"}, ValueError, r"method='magic' is not accepted: use one of auto"),
    ((np.arange(3), np.arange(2)), {"method": "fft"}, ValueError, r"method='fft' cannot compute this request: integer data"),
    ((np.arange(3), np.arange(2)), {"cval": 0.5}, ValueError, r"cval=0.5 is not accepted for int64 data"),
    ((np.zeros(3), np.zeros(2)), {"cval": "x"}, TypeError, r"cval='x' is not accepted: give a number"),
    ((np.float64(1.0), np.zeros(2)), {}, ValueError, r"0-d \(scalar\) inputs|image has 0 axes"),
])
def test_bad_input_gets_one_clear_error(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        kf.convolve(*args, **kwargs)


def test_error_names_the_call():
    with pytest.raises(ValueError, match=r"in convolve\(x: shape \(3,\), h: shape \(2,\), mode='nope'"):
        kf.convolve(np.zeros(3), np.zeros(2), mode="nope")


def test_huge_output_is_refused_before_allocating():
    x = kf.indexed(np.zeros((1, 1)), start=0)
    h = np.zeros((1, 1))
    with pytest.raises(MemoryError, match=r"GiB but .* GiB are available"):
        kf.convolve(x, h, mode=((0, 10**7), (0, 10**7)))


def test_ragged_input():
    with pytest.raises(TypeError, match=r"x could not be read as an array"):
        kf.convolve([[1, 2], [3]], [1])


def test_article_convention_and_standard_differ_only_for_corr():
    x, h = np.arange(5), np.array([1, 2, 4])
    a = kf.convolve(x, h)
    assert kf.make_plan("conv", (5,), (3,), convention="article").convention == "standard"
    assert a.values.tolist() == np.convolve(x, h).tolist()
    with pytest.raises(ValueError, match=r"convention='matlab' is not accepted"):
        kf.correlate(x, h, convention="matlab")


def test_nan_cval_stays_where_direct_summation_puts_it():
    x = np.ones(64)
    h = np.linspace(1, 2, 41)
    y = kf.convolve(x, h, mode="same", cval=np.nan)
    ref = kf.convolve(x, h, mode="same", cval=np.nan, method="reference")
    np.testing.assert_array_equal(np.isnan(y.values), np.isnan(ref.values))
    assert np.isnan(y.values).sum() == 40  # 20 border outputs at each end read the NaN border
    assert kf.choose_method(x, h, mode="same", cval=np.nan).method != "fft"
    with pytest.raises(ValueError, match=r"cval=nan is not accepted for int64 data"):
        kf.convolve(np.arange(3), [1], cval=np.nan)
