"""Worked examples under a library's convention: kf.explain(like=...) and --like."""

from __future__ import annotations

import numpy as np
import pytest

import kernelflip as kf
from kernelflip.cli import main
from kernelflip.conventions import explain_args, lattice_args
from kernelflip.conventions.translate import plane_call


@pytest.mark.parametrize(("name", "options"), [
    ("cv2.filter2D", {}),
    ("cv2.filter2D", {"borderType": 2, "anchor": (0, 1)}),
    ("scipy.signal.correlate2d", {"mode": "same", "boundary": "symm"}),
    ("scipy.ndimage.convolve", {"mode": "mirror", "origin": [-1, 0]}),
    ("matlab.imfilter", {"options": ("replicate",)}),
    ("torch.conv2d", {"padding": 1, "stride": 2}),
])
def test_explain_like_value_equals_the_library_output(name, options):
    x = np.arange(30.0).reshape(5, 6)
    h = np.array([[1.0, 2], [4, 8], [16, 32]])
    y = plane_call(name, x, h, **options).indexed()
    for at in [(r, c) for r in y.indices(0) for c in y.indices(1)][::4]:
        e = kf.explain("conv", x, h, at=at, like=name, like_options=options)
        assert float(e.value) == float(y.at[at]), (name, at)


def test_explain_like_shows_the_border_values():
    text = kf.explain("corr", "5x5", "3x3", at=(0, 0), like="cv2.filter2D").to_text()
    assert "x[−1,−1] → x[1,1] (reflect)" in text          # BORDER_REFLECT_101
    args = explain_args("torch.conv2d", "5x5", "2x2", {"padding": "same"})
    assert args["h_start"] == (0, 0) and args["boundary"] == "constant"
    assert lattice_args("ss.correlate", np.zeros(5), np.zeros(2), "same")["h_start"] == (-1,)


def test_cli_explain_like(capsys):
    code = main(["explain", "--image", "4x4", "--kernel", "2x2", "--at", "0,0", "--like",
                 "cv2.filter2D", "--like-option", "borderType=2"])
    out = capsys.readouterr().out
    assert code == 0
    assert "boundary 'symmetric'" in out and "indices −1..0 × −1..0" in out
    code = main(["explain", "--like", "cv2.filter2D", "--like-option", "borderType"])
    assert code == 2
    assert "--like-option='borderType' is not accepted" in capsys.readouterr().err
