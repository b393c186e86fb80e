"""CuPy arrays through the torch engine: DLPack in, DLPack out, same device.

No GPU here, so the test stands in a minimal ``cupy`` module whose arrays are
numpy arrays behind the DLPack protocol (CPU device): the dispatch, the
zero-copy import into torch and the conversion back are the code paths a
CuPy array on a GPU takes (bench/gpu.py measures those on a CUDA device).
"""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

import kernelflip as kf

torch = pytest.importorskip("torch")
from kernelflip.engines import torch_engine as te  # noqa: E402


class _Array:
    """A stand-in CuPy array: a numpy array exposed through DLPack only."""

    def __init__(self, a):
        self._a = np.ascontiguousarray(a)

    def __dlpack__(self, **kw):
        return self._a.__dlpack__(**kw)

    def __dlpack_device__(self):
        return self._a.__dlpack_device__()


@pytest.fixture
def fake_cupy(monkeypatch):
    mod = types.ModuleType("cupy")
    _Array.__module__ = "cupy"
    mod.ndarray = _Array
    mod.from_dlpack = lambda t: _Array(np.from_dlpack(t))
    monkeypatch.setitem(sys.modules, "cupy", mod)
    return mod


def test_cupy_arrays_round_trip_through_the_torch_engine(fake_cupy):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((20, 17)).astype(np.float32)
    h = rng.standard_normal((3, 5)).astype(np.float32)
    cx = fake_cupy.ndarray(x)
    assert te.is_cupy(cx) and not te.is_cupy(x)
    y = te.convolve(cx, fake_cupy.ndarray(h), mode="same")
    assert isinstance(y.values, fake_cupy.ndarray)
    ref = kf.convolve(x, h, mode="same")
    np.testing.assert_allclose(y.values._a, ref.values, rtol=1e-5, atol=1e-5)
    assert y.start == ref.start and y.step == ref.step
    # a numpy kernel next to a CuPy image goes to the image's device
    z = te.correlate(cx, h, mode="valid", convention="article")
    ref = kf.correlate(x, h, mode="valid", convention="article")
    np.testing.assert_allclose(z.values._a, ref.values, rtol=1e-5, atol=1e-5)
    assert z.start == ref.start


def test_cupy_into_the_numpy_api_is_refused_with_a_pointer(fake_cupy):
    with pytest.raises(kf.ArgumentTypeError, match="CuPy array.*torch_engine"):
        kf.convolve(fake_cupy.ndarray(np.ones(4)), [1, 2])
