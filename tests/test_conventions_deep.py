"""kf.like against PyTorch and jax.lax; TensorFlow against its documented padding rule."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from _conventions_util import assert_same, values
from hypothesis import given, settings
from hypothesis import strategies as st

import kernelflip as kf

torch = pytest.importorskip("torch")
F = torch.nn.functional

TORCH_DTYPES = ("float32", "float64", "int8", "uint8", "int32", "int64", "complex64")


def _t(a):
    return torch.from_numpy(np.ascontiguousarray(a))


@settings(max_examples=40, deadline=None)
@given(nsp=st.integers(1, 3), data=st.data(), dt=st.sampled_from(TORCH_DTYPES),
       seed=st.integers(0, 99))
def test_torch_conv(nsp, data, dt, seed):
    groups = data.draw(st.sampled_from((1, 2)))
    cin, cout = 2 * groups, 2 * groups
    sp = data.draw(st.tuples(*[st.integers(1, 6 if nsp < 3 else 4)] * nsp))
    ks = tuple(data.draw(st.integers(1, n)) for n in sp)
    padding = data.draw(st.sampled_from(("same", "valid", 0, 1, "tuple")))
    stride = 1 if padding == "same" else data.draw(st.sampled_from((1, 2, 3)))
    dilation = data.draw(st.sampled_from((1, 2)))
    if padding == "tuple":
        padding = tuple(data.draw(st.integers(0, 2)) for _ in range(nsp))
    pads = padding if isinstance(padding, tuple) else (padding,) * nsp
    if padding != "same" and any(
            n + 2 * (p if isinstance(p, int) else 0) < dilation * (k - 1) + 1
            for n, p, k in zip(sp, pads, ks)):
        dilation = 1
        if any(n + 2 * (p if isinstance(p, int) else 0) < k for n, p, k in zip(sp, pads, ks)):
            return
    batch = data.draw(st.sampled_from((None, 2)))
    xshape = ((batch,) if batch else ()) + (cin,) + sp
    x, w = values(dt, xshape, seed), values(dt, (cout, cin // groups) + ks, seed + 1)
    bias = values(dt, cout, seed + 2) if data.draw(st.booleans()) else None
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    fn = getattr(F, f"conv{nsp}d")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # 'same' with even kernels copies input
        try:
            want = fn(_t(x), _t(w), None if bias is None else _t(bias), **kw).numpy()
        except NotImplementedError:  # e.g. dilated integer convolution on CPU
            return
    got = kf.like(f"torch.nn.functional.conv{nsp}d", x, w, bias, **kw)
    assert_same(got, want, rtol=1e-5)


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", ["same", 1, (2, 1)])
def test_torch_padding_modes(mode, padding):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 2, 5, 6))
    w = rng.standard_normal((3, 2, 4, 3))
    layer = torch.nn.Conv2d(2, 3, (4, 3), padding=padding, padding_mode=mode, bias=False,
                            dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(_t(w))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            want = layer(_t(x)).numpy()
    assert_same(kf.like("nn.Conv2d", x, w, padding=padding, padding_mode=mode), want)


@settings(max_examples=30, deadline=None)
@given(nsp=st.integers(1, 3), data=st.data(), dt=st.sampled_from(("float32", "float64",
                                                                     "int32", "uint8")),
       seed=st.integers(0, 99))
def test_torch_conv_transpose(nsp, data, dt, seed):
    groups = data.draw(st.sampled_from((1, 2)))
    sp = data.draw(st.tuples(*[st.integers(1, 4)] * nsp))
    ks = data.draw(st.tuples(*[st.integers(1, 3)] * nsp))
    stride = data.draw(st.sampled_from((1, 2, 3)))
    dilation = data.draw(st.sampled_from((1, 2)))
    padding = data.draw(st.integers(0, 1))
    output_padding = data.draw(st.integers(0, max(stride, dilation) - 1))
    x = values(dt, (2, 2 * groups) + sp, seed)
    w = values(dt, (2 * groups, 3) + ks, seed + 1)
    kw = dict(stride=stride, padding=padding, output_padding=output_padding, groups=groups,
              dilation=dilation)
    size = [(n - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1
            for n, k in zip(sp, ks)]
    if min(size) < 1:
        with pytest.raises(ValueError, match="too small"):
            kf.like(f"F.conv_transpose{nsp}d", x, w, **kw)
        return
    try:
        want = getattr(F, f"conv_transpose{nsp}d")(_t(x), _t(w), **kw).numpy()
    except (RuntimeError, NotImplementedError):  # dtypes torch does not run on CPU
        return
    assert_same(kf.like(f"F.conv_transpose{nsp}d", x, w, **kw), want, rtol=1e-5)


def test_torch_facts_from_the_table():
    x = np.array([[[200, 200, 200]]], np.uint8)
    assert kf.like("torch.conv1d", x, np.ones((1, 1, 2), np.uint8)).tolist() == [[[144, 144]]]
    x = np.arange(1, 6, dtype=np.float64)[None, None]
    h = np.array([1.0, 10, 100, 1000])[None, None]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        want = F.conv1d(_t(x), _t(h), padding="same").numpy()
    got = kf.like("torch.conv1d", x, h, padding="same")
    assert got.ravel().tolist() == [3210, 4321, 5432, 543, 54] == want.ravel().tolist()
    with pytest.raises(ValueError, match="not supported for strided"):
        kf.like("torch.conv1d", x, h, padding="same", stride=2)
    with pytest.raises(TypeError, match="should be the same"):
        kf.like("torch.conv1d", x, h.astype(np.float32))


jax = pytest.importorskip("jax")
lax = jax.lax


@settings(max_examples=40, deadline=None)
@given(nsp=st.integers(1, 3), data=st.data(), dt=st.sampled_from(("float32", "int8", "int32",
                                                                     "complex64")),
       seed=st.integers(0, 99))
def test_lax_conv_general_dilated(nsp, data, dt, seed):
    sp = data.draw(st.tuples(*[st.integers(1, 5)] * nsp))
    ks = data.draw(st.tuples(*[st.integers(1, 3)] * nsp))
    strides = data.draw(st.tuples(*[st.integers(1, 3)] * nsp))
    rhs_d = data.draw(st.tuples(*[st.integers(1, 2)] * nsp))
    groups = data.draw(st.sampled_from((1, 2)))
    padding = data.draw(st.sampled_from(("SAME", "SAME_LOWER", "VALID", "pairs")))
    lhs_d = None
    if padding == "pairs":
        padding = [(data.draw(st.integers(-1, 2)), data.draw(st.integers(-1, 2)))
                   for _ in range(nsp)]
        lhs_d = data.draw(st.tuples(*[st.integers(1, 2)] * nsp))
    x = values(dt, (2, 2 * groups) + sp, seed)
    w = values(dt, (2 * groups, 2) + ks, seed + 1)
    kw = dict(window_strides=strides, padding=padding, lhs_dilation=lhs_d, rhs_dilation=rhs_d,
              feature_group_count=groups)
    try:
        want = np.asarray(lax.conv_general_dilated(x, w, **kw))
    except (ValueError, TypeError):
        return
    if want.size == 0:
        return
    assert_same(kf.like("jax.lax.conv_general_dilated", x, w, **kw), want, rtol=1e-5)


def test_lax_layouts_and_preferred_type():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 5, 6, 3)).astype(np.float32)   # NHWC
    w = rng.standard_normal((3, 2, 3, 4)).astype(np.float32)   # HWIO
    kw = dict(window_strides=(2, 1), padding="SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
    assert_same(kf.like("lax.conv_general_dilated", x, w, **kw),
                np.asarray(lax.conv_general_dilated(x, w, **kw)))
    x8 = np.full((1, 1, 3), 100, np.int8)
    w8 = np.ones((1, 1, 2), np.int8)
    assert kf.like("lax.conv", x8, w8, (1,), "VALID").tolist() == [[[-56, -56]]]
    got = kf.like("lax.conv_general_dilated", x8, w8, (1,), "VALID",
                  preferred_element_type=np.int32)
    assert_same(got, np.asarray(lax.conv_general_dilated(x8, w8, (1,), "VALID",
                                                         preferred_element_type=np.int32)))


# --- TensorFlow: not installable here; its documented padding rule ----------------------
@pytest.mark.parametrize(("n", "k", "s", "pads"), [(5, 4, 1, (1, 2)), (6, 3, 2, (0, 1)),
                                                   (5, 3, 2, (1, 1))])
def test_tf_same_padding_cases(n, k, s, pads):
    """conventions.md (TF "Notes on padding", checked through jax.lax.padtype_to_pads)."""
    assert lax.padtype_to_pads((n,), (k,), (s,), "SAME") == [pads]
    x = np.arange(1, n + 1, dtype=np.float32).reshape(1, n, 1, 1)    # NHWC
    f = (2.0 ** np.arange(k, dtype=np.float32)).reshape(k, 1, 1, 1)  # HWIO
    got = kf.like("tf.nn.conv2d", x, f, strides=[1, s, 1, 1], padding="SAME")
    assert got.shape == (1, -(-n // s), 1, 1)                          # ceil(in / stride)
    padded = np.pad(x[0, :, 0, 0], pads)
    want = [sum(padded[i * s + j] * f[j, 0, 0, 0] for j in range(k)) for i in range(got.shape[1])]
    assert got[0, :, 0, 0].tolist() == want
    explicit = kf.like("tf.nn.conv2d", x, f, [1, s, 1, 1], [[0, 0], list(pads), [0, 0], [0, 0]])
    assert_same(explicit, got)


def test_tf_matches_lax_same_with_dilation_and_nchw():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((1, 7, 6, 2)).astype(np.float32)
    f = rng.standard_normal((3, 2, 2, 3)).astype(np.float32)
    got = kf.like("tf.nn.conv2d", x, f, strides=2, padding="SAME", dilations=[1, 2, 1, 1])
    want = np.asarray(lax.conv_general_dilated(x, f, (2, 2), "SAME", rhs_dilation=(2, 1),
                                               dimension_numbers=("NHWC", "HWIO", "NHWC")))
    assert_same(got, want)
    nchw = kf.like("tf.nn.conv2d", np.moveaxis(x, -1, 1), f, strides=[1, 1, 2, 2],
                   padding="SAME", data_format="NCHW", dilations=[1, 1, 2, 1])
    assert_same(nchw, np.moveaxis(want, -1, 1))
    with pytest.raises(ValueError, match="padding='FULL' is not accepted"):
        kf.like("tf.nn.conv2d", x, f, 1, "FULL")


def test_tf_conv2d_documented_example():
    """tf.nn.conv2d API docs example (x_in 1x5x5x1, kernel_in 2x2x1x2, VALID), checked against
    the documented sum out[b,i,j,k] = sum_{di,dj,q} in[b, i+di, j+dj, q] * filter[di,dj,q,k]."""
    x_in = np.array([[[[2], [1], [2], [0], [1]], [[1], [3], [2], [2], [3]],
                      [[1], [1], [3], [3], [0]], [[2], [2], [0], [1], [1]],
                      [[0], [0], [3], [1], [2]]]], dtype=np.float32)
    kernel_in = np.array([[[[2, 0.1]], [[3, 0.2]]], [[[0, 0.3]], [[1, 0.4]]]], np.float32)
    got = kf.like("tf.nn.conv2d", x_in, kernel_in, strides=[1, 1, 1, 1], padding="VALID")
    assert got.shape == (1, 4, 4, 2) and got.dtype == np.float32
    want = np.zeros((1, 4, 4, 2), np.float32)
    for i in range(4):
        for j in range(4):
            for k in range(2):
                want[0, i, j, k] = sum(x_in[0, i + di, j + dj, 0] * kernel_in[di, dj, 0, k]
                                       for di in range(2) for dj in range(2))
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert got[0, 0, :, 0].tolist() == [10, 10, 6, 6]


def test_tensors_and_dimension_number_objects_are_accepted():
    x = torch.randn(1, 2, 5, 5, requires_grad=True)
    w = torch.randn(3, 2, 3, 3)
    np.testing.assert_allclose(kf.like("F.conv2d", x, w, padding=1),
                               F.conv2d(x, w, padding=1).detach().numpy(), rtol=1e-5, atol=1e-5)
    xn = np.random.default_rng(0).standard_normal((1, 5, 6, 3)).astype(np.float32)
    wn = np.random.default_rng(1).standard_normal((3, 2, 3, 4)).astype(np.float32)
    dn = lax.conv_dimension_numbers(xn.shape, wn.shape, ("NHWC", "HWIO", "NHWC"))
    assert_same(kf.like("lax.conv_general_dilated", xn, wn, (1, 1), "SAME", dimension_numbers=dn),
                np.asarray(lax.conv_general_dilated(xn, wn, (1, 1), "SAME",
                                                    dimension_numbers=dn)))


@pytest.mark.parametrize("nsp", [1, 3])
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_torch_padding_modes_1d_3d(nsp, mode):
    rng = np.random.default_rng(nsp)
    sp, ks = (6, 5, 4)[:nsp], (3, 2, 3)[:nsp]
    x = rng.standard_normal((2, 2) + sp)
    w = rng.standard_normal((3, 2) + ks)
    layer = getattr(torch.nn, f"Conv{nsp}d")(2, 3, ks, padding=1, padding_mode=mode,
                                              bias=False, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(_t(w))
        want = layer(_t(x)).numpy()
    assert_same(kf.like(f"torch.nn.Conv{nsp}d", x, w, padding=1, padding_mode=mode), want)
