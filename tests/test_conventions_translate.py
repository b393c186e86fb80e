"""Every translation runs where its target is installed and gives the source's numbers."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

import kernelflip as kf
from kernelflip.conventions import NoEquivalent
from kernelflip.conventions.translate import TARGETS, plane_call

SOURCES_2D = [
    ("scipy.signal.convolve", {"mode": "same"}),
    ("scipy.signal.correlate", {"mode": "full"}),
    ("scipy.signal.convolve2d", {"mode": "same", "boundary": "symm"}),
    ("scipy.signal.correlate2d", {"mode": "same", "boundary": "wrap"}),
    ("scipy.signal.correlate2d", {"mode": "valid"}),
    ("scipy.ndimage.correlate", {}),
    ("scipy.ndimage.convolve", {"mode": "mirror"}),
    ("scipy.ndimage.correlate", {"mode": "constant", "cval": 2.0, "origin": [-1, 0]}),
    ("scipy.ndimage.convolve", {"mode": "nearest"}),
    ("scipy.ndimage.correlate", {"mode": "wrap"}),
    ("cv2.filter2D", {}),
    ("cv2.filter2D", {"borderType": 0, "anchor": (0, 1)}),
    ("torch.nn.functional.conv2d", {"padding": "same"}),
    ("torch.nn.functional.conv2d", {"padding": 1, "stride": 2}),
    ("torch.nn.functional.conv2d", {"padding": (1, 2), "dilation": 2}),
    ("torch.nn.Conv2d", {"padding": "same", "padding_mode": "reflect"}),
    ("torch.nn.functional.conv_transpose2d", {}),
    ("jax.lax.conv_general_dilated", {"padding": "SAME", "window_strides": (2, 1)}),
    ("jax.lax.conv_general_dilated", {"padding": "SAME_LOWER"}),
    ("jax.lax.conv_general_dilated", {"padding": [(1, 0), (2, -1)]}),
    ("tf.nn.conv2d", {"padding": "SAME", "strides": 2}),
    ("matlab.conv2", {"shape": "same"}),
    ("matlab.filter2", {}),
    ("matlab.imfilter", {"options": ("symmetric",)}),
    ("matlab.xcorr2", {}),
    ("jax.scipy.signal.correlate2d", {"mode": "same"}),
]
SOURCES_1D = [
    ("numpy.convolve", {"mode": "same"}),
    ("numpy.correlate", {"mode": "full"}),
    ("scipy.ndimage.correlate1d", {"mode": "mirror"}),
    ("torch.nn.functional.conv1d", {"padding": "same", "dilation": 2}),
    ("matlab.conv", {"shape": "same"}),
]
NEEDS = {"cv2": "cv2", "torch": "torch", "jax": "jax", "tf": "tensorflow", "matlab": None}


def _installed(name: str) -> bool:
    mod = NEEDS.get(name.split(".")[0], name.split(".")[0])
    return mod is not None and importlib.util.find_spec(mod) is not None


def _run(code: str, x, h):
    env = {"x": x, "h": h, "np": np}
    exec(compile(code, "<translation>", "exec"), env)  # noqa: S102 - our own generated code
    return np.asarray(env["y"])


def _check(source, options, target, shapes):
    if not _installed(source) and not source.startswith(("matlab.", "tf.")):
        pytest.skip(f"{source} reproduced only")
    try:
        code = kf.translate(source, target, **options)
    except NoEquivalent as exc:
        assert str(exc)  # the explanation is the result
        return
    assert "y =" in code
    if not _installed(target) and target != "kernelflip":
        return
    rng = np.random.default_rng(7)
    for xs, hs in shapes:
        x = rng.integers(-9, 10, xs).astype(np.float64)
        h = rng.integers(-4, 5, hs).astype(np.float64)
        want = plane_call(source, x, h, **options).values
        got = _run(code, x, h)
        assert got.shape == want.shape, (code, got.shape, want.shape)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4, err_msg=code)


PY_TARGETS = [t for t in TARGETS if not t.startswith(("matlab.", "tf."))]


@pytest.mark.parametrize("target", [*PY_TARGETS, "tf.nn.conv2d", "matlab.conv2",
                                    "matlab.imfilter"])
@pytest.mark.parametrize(("source", "options"), SOURCES_2D)
def test_translation_2d(source, options, target):
    _check(source, options, target, [((7, 8), (3, 4)), ((6, 5), (2, 3)), ((5, 6), (4, 1))])


@pytest.mark.parametrize("target", [t for t in PY_TARGETS if "2d" not in t and "3d" not in t
                                    and t != "cv2.filter2D"])
@pytest.mark.parametrize(("source", "options"), SOURCES_1D)
def test_translation_1d(source, options, target):
    _check(source, options, target, [((7,), (4,)), ((6,), (3,)), ((5,), (2,))])


def test_no_equivalent_explains():
    with pytest.raises(NoEquivalent, match="no half-sample symmetric border"):
        kf.translate("scipy.ndimage.correlate", "torch.nn.functional.conv2d")
    with pytest.raises(NoEquivalent, match="no whole-sample reflect"):
        kf.translate("cv2.filter2D", "matlab.imfilter")
    with pytest.raises(NoEquivalent, match="1-D only"):
        kf.translate("cv2.filter2D", "numpy.convolve")
    with pytest.raises(ValueError, match="target='octave' is not accepted"):
        kf.translate("cv2.filter2D", "octave")
    with pytest.raises(ValueError, match="did you mean 'cv2.filter2D'"):
        kf.translate("cv2.filter2d_", "kernelflip")


def test_translation_text_names_the_flip_and_anchor():
    code = kf.translate("matlab.conv2", "cv2.filter2D", shape="same")
    assert "h[::-1, ::-1]" in code and "anchor=(P1, P0)" in code
    assert "(h.shape[0] - 1) // 2" in code          # camp L: the extra sample after
    code = kf.translate("cv2.filter2D", "scipy.ndimage.correlate")
    assert "mode='mirror'" in code                  # REFLECT_101 is ndimage's mirror
