"""kf.like against scipy.ndimage and OpenCV; MATLAB against its documented examples."""

from __future__ import annotations

import numpy as np
import pytest
from _conventions_util import ALL_DTYPES, assert_same, shapes, values
from hypothesis import given, settings
from hypothesis import strategies as st

import kernelflip as kf

nd = pytest.importorskip("scipy.ndimage")

ND_MODES = ("reflect", "constant", "nearest", "mirror", "wrap", "grid-mirror", "grid-constant",
            "grid-wrap")
SETTINGS = settings(max_examples=60, deadline=None)


@SETTINGS
@given(ndim=st.integers(1, 3), data=st.data(), mode=st.sampled_from(ND_MODES),
       dt=st.sampled_from(ALL_DTYPES), wdt=st.sampled_from(("int64", "float64", "complex128")),
       cval=st.sampled_from((0.0, 2.5)), seed=st.integers(0, 99))
def test_ndimage_correlate_convolve(ndim, data, mode, dt, wdt, cval, seed):
    xs, ws = data.draw(shapes(ndim, hi=6)), data.draw(shapes(ndim, hi=4))
    origin = [data.draw(st.integers(-(m // 2), (m - 1) // 2)) for m in ws]
    x, w = values(dt, xs, seed), values(wdt, ws, seed + 1)
    if wdt == "complex128" and dt not in ("complex64", "complex128"):
        w = w.real.copy()  # ndimage refuses a complex kernel on a real image
    for name in ("correlate", "convolve"):
        want = getattr(nd, name)(x, w, mode=mode, cval=cval, origin=origin)
        got = kf.like(f"scipy.ndimage.{name}", x, w, mode=mode, cval=cval, origin=origin)
        assert_same(got, want, rtol=1e-5)


@SETTINGS
@given(xs=shapes(2, hi=6), m=st.integers(1, 5), axis=st.sampled_from((0, 1, -1)),
       mode=st.sampled_from(ND_MODES), dt=st.sampled_from(("uint8", "int16", "float32")),
       seed=st.integers(0, 99))
def test_ndimage_1d(xs, m, axis, mode, dt, seed):
    x, w = values(dt, xs, seed), values("float64", m, seed + 1)
    origin = (m - 1) // 2
    for name in ("correlate1d", "convolve1d"):
        want = getattr(nd, name)(x, w, axis=axis, mode=mode, origin=origin)
        got = kf.like(f"ndimage.{name}", x, w, axis=axis, mode=mode, origin=origin)
        assert_same(got, want, rtol=1e-5)


def test_ndimage_dtype_rule_truncates_and_wraps():
    """conventions.md: uint8 600 -> 88, -1 -> 255, 0.9 -> 0."""
    x = np.array([0, 1, 0], np.uint8)
    for wv, expect in ((600.0, 88), (-1.0, 255), (0.9, 0)):
        w = np.array([wv])
        got = kf.like("nd.correlate", x, w)
        assert_same(got, nd.correlate(x, w))
        assert got[1] == expect
    out = np.zeros(3, np.float64)
    kf.like("nd.correlate", x, np.array([0.5]), output=out)
    assert out.tolist() == [0.0, 0.5, 0.0]


def test_ndimage_errors():
    with pytest.raises(ValueError, match="origin=2 is not accepted"):
        kf.like("nd.correlate", np.ones(5), np.ones(3), origin=2)
    with pytest.raises(ValueError, match="mode='zero' is not accepted"):
        kf.like("nd.convolve", np.ones(5), np.ones(3), mode="zero")
    with pytest.raises(ValueError, match="weights array has 1 axes"):
        kf.like("nd.convolve", np.ones((5, 5)), np.ones(3))


cv2 = pytest.importorskip("cv2")
CV_DTYPES = ("uint8", "uint16", "int16", "float32", "float64")
BORDERS = (0, 1, 2, 4, 4 | 16, 1 | 16)


def _kernel(shape, seed):
    # dyadic values: OpenCV's float32 arithmetic is exact on them, so ties round the same
    return values("float64", shape, seed).astype(np.float32)


@settings(max_examples=80, deadline=None)
@given(xs=shapes(2, hi=8), ks=shapes(2, hi=5), dt=st.sampled_from(CV_DTYPES),
       border=st.sampled_from(BORDERS), data=st.data(), seed=st.integers(0, 99))
def test_cv2_filter2D(xs, ks, dt, border, data, seed):
    x, k = values(dt, xs, seed), _kernel(ks, seed + 1)
    if dt == "uint16":
        x = x.astype(np.uint16) * 300
    anchor = (data.draw(st.integers(-1, ks[1] - 1)), data.draw(st.integers(-1, ks[0] - 1)))
    ddepth = data.draw(st.sampled_from({"uint8": (-1, cv2.CV_16U, cv2.CV_16S, cv2.CV_32F),
                                        "uint16": (-1, cv2.CV_32F), "int16": (-1, cv2.CV_64F),
                                        "float32": (-1, cv2.CV_32F), "float64": (-1,)}[dt]))
    delta = data.draw(st.sampled_from((0, 0.5, -3)))
    want = cv2.filter2D(x, ddepth, k, anchor=anchor, delta=delta, borderType=border)
    got = kf.like("cv2.filter2D", x, ddepth, k, anchor=anchor, delta=delta, borderType=border)
    assert_same(got, want, rtol=1e-5)


def test_cv2_multichannel_sep_and_rounding():
    rng = np.random.default_rng(3)
    img = rng.integers(0, 256, (6, 7, 3)).astype(np.uint8)
    k = np.array([[0.25, 0.5], [0.5, 0.25], [0.0, 1.0]], np.float32)
    assert_same(kf.like("cv2.filter2D", img, -1, k), cv2.filter2D(img, -1, k))
    kx, ky = np.array([1.0, 2.0, 1.0]) / 4, np.array([-1.0, 0.0, 1.0, 2.0])
    for bt in (0, 1, 2, 4):
        assert_same(kf.like("cv2.sepFilter2D", img[..., 0], -1, kx, ky, borderType=bt),
                    cv2.sepFilter2D(img[..., 0], -1, kx, ky, borderType=bt))
    # conventions.md: round half to even, saturate
    x = np.array([[1, 3, 5]], np.uint8)
    assert kf.like("cv2.filter2D", x, -1, np.array([[0.5]])).tolist() == [[0, 2, 2]]
    x = np.array([[200, 200, 200]], np.uint8)
    assert kf.like("cv2.filter2D", x, -1, np.ones((1, 2)), borderType=0).tolist() == \
        [[200, 255, 255]]


def test_cv2_errors():
    x = np.ones((4, 4), np.uint8)
    with pytest.raises(ValueError, match="BORDER_WRAP"):
        kf.like("cv2.filter2D", x, -1, np.ones((3, 3)), borderType=3)
    with pytest.raises(TypeError, match="src dtype int32 is not accepted"):
        kf.like("cv2.filter2D", x.astype(np.int32), -1, np.ones((3, 3)))
    with pytest.raises(ValueError, match="anchor=.* is not inside"):
        kf.like("cv2.filter2D", x, -1, np.ones((3, 3)), anchor=(3, 0))
    with pytest.raises(ValueError, match="ddepth=1 is not accepted"):
        kf.like("cv2.filter2D", x, 1, np.ones((3, 3)))
    v = np.arange(5, dtype=np.float32)  # a 1-D array is one row in OpenCV 5
    assert_same(kf.like("cv2.filter2D", v, -1, np.array([1.0, 0, 0])),
                cv2.filter2D(v, -1, np.array([1.0, 0, 0])))


# --- MATLAB: documented examples and formulas (MATLAB is not installable here) ----------
def test_matlab_conv_same_doc_example():
    """MATLAB doc, conv, "Central Part of Convolution": u = [-1 2 3 -2 0 1 2]; v = [2 4 -1 1]."""
    u, v = np.array([-1, 2, 3, -2, 0, 1, 2.0]), np.array([2, 4, -1, 1.0])
    got = kf.like("matlab.conv", u, v, "same")
    assert got.dtype == np.float64
    assert got.tolist() == [15, 5, -9, 7, 6, 7, -1]
    # the same call in scipy is off by one (scipy gh-9941): camp E vs camp L
    assert kf.like("ss.convolve", u, v, "same").tolist() != got.tolist()


def test_matlab_xcorr2_doc_example():
    """MATLAB doc, xcorr2: X = ones(2,3); H = [1 2; 3 4; 5 6]; C = xcorr2(X,H)."""
    got = kf.like("matlab.xcorr2", np.ones((2, 3)), np.array([[1, 2], [3, 4], [5, 6]]))
    assert got.tolist() == [[6, 11, 11, 5], [10, 18, 18, 8], [6, 10, 10, 4], [2, 3, 3, 1]]


@settings(max_examples=30, deadline=None)
@given(xs=shapes(2, hi=6), ks=shapes(2, hi=5), shape=st.sampled_from(("full", "same", "valid")),
       seed=st.integers(0, 99))
def test_matlab_conv2_formulas(xs, ks, shape, seed):
    """conv2 'same' = Cfull(floor(size(B)/2) + (1:size(A))) (MATLAB Answers 430785, Octave
    oct-convn.cc); 'valid' has size max(size(A)-size(B)+1, 0) with no swap; filter2(H, X) =
    conv2(X, rot90(H, 2)); conv2(u, v, A) = conv2(A, u*v.')."""
    a, b = values("float64", xs, seed), values("float64", ks, seed + 1)
    full = kf.like("matlab.conv2", a, b)
    np.testing.assert_array_equal(full, np.asarray(kf.convolve(a, b).values))
    got = kf.like("matlab.conv2", a, b, shape)
    if shape == "same":
        r, c = ks[0] // 2, ks[1] // 2
        np.testing.assert_array_equal(got, full[r:r + xs[0], c:c + xs[1]])
    elif shape == "valid":
        assert got.shape == tuple(max(n - m + 1, 0) for n, m in zip(xs, ks))
        if got.size:
            np.testing.assert_array_equal(got, full[ks[0] - 1:xs[0], ks[1] - 1:xs[1]])
    np.testing.assert_array_equal(kf.like("matlab.filter2", b, a, shape),
                                  kf.like("matlab.conv2", a, b[::-1, ::-1], shape))
    u, v = b[:, 0], b[0]
    np.testing.assert_array_equal(kf.like("matlab.conv2", u, v, a, shape),
                                  kf.like("matlab.conv2", a, np.outer(u, v), shape))
    np.testing.assert_array_equal(kf.like("matlab.convn", a, b, shape), got)


def test_matlab_imfilter_rules():
    """imfilter: correlation, zero border, centre floor((size(h)+1)/2), class of A kept with
    rounding half away from zero and clipping (IPT "Image Arithmetic Clipping Rules")."""
    a = np.array([[10, 20, 30, 40, 250]], np.uint8)
    h = np.array([[0.25, 0.75, -0.75, -0.25]])  # doc: centre is the second element
    got = kf.like("matlab.imfilter", a, h)
    exact = kf.like("ss.correlate2d", a.astype(float), h, "same")       # camp L, zeros
    np.testing.assert_array_equal(got, np.clip(np.floor(exact + 0.5), 0, 255).astype(np.uint8))
    assert got.dtype == np.uint8
    x = np.array([[1.0, 2, 3, 4, 5]])
    k = np.array([[1.0, 10]])
    assert kf.like("matlab.imfilter", x, k, "replicate").tolist() == [[21, 32, 43, 54, 55]]
    assert kf.like("matlab.imfilter", x, k, "circular").tolist() == [[21, 32, 43, 54, 15]]
    assert kf.like("matlab.imfilter", x, k, "symmetric", "full").tolist() == \
        [[11, 21, 32, 43, 54, 55]]
    assert kf.like("matlab.imfilter", x, k, "conv").tolist() == [[12, 23, 34, 45, 50]]
    rgb = np.arange(2 * 3 * 3, dtype=np.float64).reshape(2, 3, 3)
    per_plane = np.stack([kf.like("matlab.imfilter", rgb[..., c], k) for c in range(3)], -1)
    np.testing.assert_array_equal(kf.like("matlab.imfilter", rgb, k), per_plane)
    with pytest.raises(ValueError, match="option 'zero' is not accepted"):
        kf.like("matlab.imfilter", x, k, "zero")


def test_ndimage_axes_argument():
    x = np.arange(60.0).reshape(3, 4, 5)
    w = np.array([[1.0, 2.0], [4.0, 8.0]])
    for name in ("correlate", "convolve"):
        want = getattr(nd, name)(x, w, mode="mirror", axes=(0, 2), origin=(0, -1))
        got = kf.like(f"ndimage.{name}", x, w, mode="mirror", axes=(0, 2), origin=(0, -1))
        assert_same(got, want)
