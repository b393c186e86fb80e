"""kf.like against numpy and scipy.signal: values, shapes and dtypes, exactly."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from _conventions_util import ALL_DTYPES, INT_DTYPES, assert_same, shapes, values
from hypothesis import given, settings
from hypothesis import strategies as st

import kernelflip as kf

ss = pytest.importorskip("scipy.signal")

MODES = ("full", "same", "valid")
SETTINGS = settings(max_examples=60, deadline=None)


@SETTINGS
@given(n=st.integers(1, 8), m=st.integers(1, 8), mode=st.sampled_from(MODES),
       dt=st.sampled_from(ALL_DTYPES), dt2=st.sampled_from(ALL_DTYPES), seed=st.integers(0, 99))
def test_numpy_convolve_correlate(n, m, mode, dt, dt2, seed):
    a, v = values(dt, n, seed), values(dt2, m, seed + 1)
    assert_same(kf.like("numpy.convolve", a, v, mode), np.convolve(a, v, mode))
    assert_same(kf.like("np.correlate", a, v, mode), np.correlate(a, v, mode))


def test_numpy_defaults_and_bool():
    a, v = np.arange(1, 6), np.array([1, 10])
    assert_same(kf.like("np.correlate", a, v), np.correlate(a, v))          # default 'valid'
    b = np.array([True, False, True])
    assert_same(kf.like("np.convolve", b, b), np.convolve(b, b))
    u = np.full(3, 200, np.uint8)
    assert kf.like("np.convolve", u, np.ones(2, np.uint8)).tolist() == [200, 144, 144, 200]


def _swappable(s1, s2, mode):
    if mode != "valid":
        return True
    return all(a >= b for a, b in zip(s1, s2)) or all(b >= a for a, b in zip(s1, s2))


@SETTINGS
@given(ndim=st.integers(1, 3), data=st.data(), mode=st.sampled_from(MODES),
       dt=st.sampled_from(ALL_DTYPES), seed=st.integers(0, 99))
def test_scipy_convolve_correlate_nd(ndim, data, mode, dt, seed):
    s1, s2 = data.draw(shapes(ndim, hi=6)), data.draw(shapes(ndim, hi=6))
    x, h = values(dt, s1, seed), values(dt, s2, seed + 1)
    if not _swappable(s1, s2, mode):
        with pytest.raises(ValueError, match="at least as large"):
            kf.like("scipy.signal.convolve", x, h, mode)
        return
    for name in ("convolve", "correlate"):
        want = getattr(ss, name)(x, h, mode, method="direct")
        assert_same(kf.like(f"ss.{name}", x, h, mode), want)
    # FFT results carry rounding noise of the transform (single precision for float32)
    assert_same(kf.like("ss.fftconvolve", x, h, mode), ss.fftconvolve(x, h, mode), rtol=1e-5)
    assert_same(kf.like("ss.oaconvolve", x, h, mode), ss.oaconvolve(x, h, mode), rtol=1e-5)


@SETTINGS
@given(s1=shapes(2), s2=shapes(2), mode=st.sampled_from(MODES),
       boundary=st.sampled_from(("fill", "wrap", "symm")), fill=st.sampled_from((0, 3)),
       dt=st.sampled_from(ALL_DTYPES), seed=st.integers(0, 99))
def test_scipy_2d_with_boundaries(s1, s2, mode, boundary, fill, dt, seed):
    x, h = values(dt, s1, seed), values(dt, s2, seed + 1)
    if not _swappable(s1, s2, mode):
        return
    for name in ("convolve2d", "correlate2d"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
            want = getattr(ss, name)(x, h, mode, boundary, fill)
        assert_same(kf.like(f"scipy.signal.{name}", x, h, mode, boundary, fill), want)


@settings(max_examples=25, deadline=None)
@given(s1=shapes(3, hi=5), s2=shapes(3, hi=4), axes=st.sampled_from([(0,), (1, 2), (2,), (0, 2)]),
       mode=st.sampled_from(MODES), seed=st.integers(0, 99))
def test_fftconvolve_axes(s1, s2, axes, mode, seed):
    s2 = tuple(b if a in axes else s for a, (b, s) in enumerate(zip(s2, s1)))
    x, h = values("float64", s1, seed), values("float32", s2, seed + 1)
    if not _swappable([s1[a] for a in axes], [s2[a] for a in axes], mode):
        return
    assert_same(kf.like("ss.fftconvolve", x, h, mode, axes=axes),
                ss.fftconvolve(x, h, mode, axes=axes), rtol=1e-6)


@pytest.mark.parametrize("dt", INT_DTYPES)
def test_integer_wraparound(dt):
    info = np.iinfo(dt)
    x = np.full((3, 4), info.max, dt)
    h = np.ones((2, 2), dt)
    for name in ("convolve", "correlate", "convolve2d", "correlate2d"):
        assert_same(kf.like(f"ss.{name}", x, h, "same"), getattr(ss, name)(x, h, "same"))


def test_camps_worked_example():
    """conventions.md 0: x = 1..5, h = [1, 10]."""
    x, h = np.arange(1, 6), np.array([1, 10])
    assert kf.like("ss.correlate", x, h, "same").tolist() == [10, 21, 32, 43, 54]     # E
    assert kf.like("ss.correlate2d", x[None], h[None], "same").tolist() == [[21, 32, 43, 54, 5]]
    assert kf.like("ss.convolve", x, h, "same").tolist() == [1, 12, 23, 34, 45]       # E
    assert kf.like("matlab.conv", x, h, "same").tolist() == [12, 23, 34, 45, 50]      # L


def test_correlate2d_swapped_complex_is_conjugated():
    """correlate2d 'valid' with the larger second input returns the conjugate sum."""
    x = np.array([[1 + 1j, 2]])
    h = np.array([[1j, 2, 3 - 1j]])
    assert_same(kf.like("ss.correlate2d", x, h, "valid"), ss.correlate2d(x, h, "valid"))
    assert_same(kf.like("ss.correlate", x, h, "valid"), ss.correlate(x, h, "valid"))


def test_scipy_errors():
    with pytest.raises(ValueError, match="acceptable mode flags"):
        kf.like("ss.convolve", [1, 2], [1], "middle")
    with pytest.raises(ValueError, match="must both be 2-D"):
        kf.like("ss.convolve2d", [1, 2], [1])
    with pytest.raises(ValueError, match="boundary='zero' is not accepted"):
        kf.like("ss.convolve2d", [[1, 2]], [[1]], "same", "zero")
    with pytest.raises(ValueError, match="same dimensionality"):
        kf.like("ss.correlate", [[1, 2]], [1])
    with pytest.raises(ValueError, match="1-D arrays only"):
        kf.like("np.convolve", [[1, 2]], [1])


def test_documented_examples_numpy_and_ndimage():
    """Examples from the numpy.convolve/correlate and scipy.ndimage docstrings."""
    assert kf.like("np.convolve", [1, 2, 3], [0, 1, 0.5]).tolist() == [0, 1, 2.5, 4, 1.5]
    assert kf.like("np.convolve", [1, 2, 3], [0, 1, 0.5], "same").tolist() == [1, 2.5, 4]
    assert kf.like("np.convolve", [1, 2, 3], [0, 1, 0.5], "valid").tolist() == [2.5]
    assert kf.like("np.correlate", [1, 2, 3], [0, 1, 0.5]).tolist() == [3.5]
    assert kf.like("np.correlate", [1, 2, 3], [0, 1, 0.5], "same").tolist() == [2, 3.5, 3]
    got = kf.like("np.correlate", [1 + 1j, 2, 3 - 1j], [0, 1, 0.5j], "full")
    assert got.tolist() == [0.5 - 0.5j, 1 + 0j, 1.5 - 1.5j, 3 - 1j, 0]
    assert kf.like("ndimage.convolve1d", [2, 8, 0, 4, 1, 9, 9, 0], weights=[1, 3]).tolist() \
        == [14, 24, 4, 13, 12, 36, 27, 0]
    assert kf.like("ndimage.correlate1d", [2, 8, 0, 4, 1, 9, 9, 0], weights=[1, 3]).tolist() \
        == [8, 26, 8, 12, 7, 28, 36, 9]
    a = np.array([[1, 2, 0, 0], [5, 3, 0, 4], [0, 0, 0, 7], [9, 3, 0, 0]])
    k = np.array([[1, 1, 1], [1, 1, 0], [1, 0, 0]])
    assert kf.like("ndimage.convolve", a, k, mode="constant", cval=0.0).tolist() == \
        [[11, 10, 7, 4], [10, 3, 11, 11], [15, 12, 14, 7], [12, 3, 7, 0]]


jnp = pytest.importorskip("jax.numpy")
jss = pytest.importorskip("jax.scipy.signal")


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 7), m=st.integers(1, 7), mode=st.sampled_from(MODES),
       dt=st.sampled_from(("int32", "uint8", "float32", "float64", "complex64")),
       seed=st.integers(0, 99))
def test_jax_copies(n, m, mode, dt, seed):
    a, v = values(dt, n, seed), values(dt, m, seed + 1)
    assert_same(kf.like("jnp.convolve", a, v, mode), np.asarray(jnp.convolve(a, v, mode)))
    assert_same(kf.like("jnp.correlate", a, v, mode), np.asarray(jnp.correlate(a, v, mode)))
    x2, h2 = values(dt, (n, 3), seed), values(dt, (m, 2), seed + 1)
    if not _swappable(x2.shape, h2.shape, "valid"):  # JAX checks this in every mode
        with pytest.raises(ValueError, match="smaller than the other in every dimension"):
            kf.like("jss.convolve2d", x2, h2, mode)
        return
    for name in ("convolve", "correlate", "convolve2d", "correlate2d"):
        want = np.asarray(getattr(jss, name)(x2, h2, mode))
        assert_same(kf.like(f"jax.scipy.signal.{name}", x2, h2, mode), want)
