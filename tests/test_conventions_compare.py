"""kernelflip compare: the table of conventions, and --check against installed libraries."""

from __future__ import annotations

import numpy as np
import pytest

import kernelflip as kf
from kernelflip.cli import main
from kernelflip.conventions import CATALOGUE, lookup, names
from kernelflip.conventions.compare import compare, format_table


def test_default_table_matches_the_reference_worked_example():
    """conventions.md 3.1: x = 1..5, h = [1, 10]."""
    rows = {r.name: r for r in compare()}
    assert rows["numpy.convolve"].values.tolist() == [1, 12, 23, 34, 45]
    assert rows["scipy.ndimage.convolve1d"].camp == "L"
    assert rows["matlab.conv"].values.tolist() == [12, 23, 34, 45, 50]
    assert rows["matlab.conv"].differs == "shift of one (camp L)"
    assert rows["scipy.signal.correlate2d"].differs == "flip (correlation), shift of one (camp L)"
    assert rows["cv2.filter2D"].border == "reflect"
    assert rows["scipy.signal.correlate"].group == rows["numpy.correlate"].group
    assert rows["scipy.signal.correlate"].group != rows["scipy.signal.correlate2d"].group
    assert rows["torch.nn.functional.conv3d"].note == "3-D only"


def test_dtype_rule_is_named():
    rows = {r.name: r for r in compare(np.full(5, 200, np.uint8), np.ones(2, np.uint8),
                                       names=["numpy.convolve", "cv2.filter2D"])}
    assert rows["numpy.convolve"].values.tolist() == [200, 144, 144, 144, 144]
    assert "dtype rule (uint8)" in rows["numpy.convolve"].differs
    assert rows["cv2.filter2D"].values.tolist() == [[255, 255, 255, 255, 255]]


@pytest.mark.parametrize("x", [np.arange(1, 7), np.arange(12.0).reshape(3, 4)])
def test_check_confirms_every_installed_library(x):
    h = np.array([1, 2, 4]) if x.ndim == 1 else np.array([[1.0, -2.0], [4.0, 8.0]])
    rows = compare(x, h, check=True)
    checked = [r for r in rows if r.values is not None]
    assert checked
    for r in checked:
        assert not r.check.startswith(("MISMATCH", "library error")), (r.name, r.check)
    assert any(r.check == "ok" for r in checked)
    text = format_table(rows, check=True)
    assert "library" in text.splitlines()[0]


def test_cli_compare(capsys):
    assert main(["compare", "-x", "1,2,3,4,5", "-k", "1,10", "--only", "ss.correlate"]) == 0
    out = capsys.readouterr().out
    assert "[10 21 32 43 54] int64" in out and "[21 32 43 54  5] int64" in out
    assert main(["compare", "--only", "nothing"]) == 2
    assert "no catalogue function matches" in capsys.readouterr().err


def test_catalogue_entries_are_complete():
    assert len(CATALOGUE) == len(set(names()))
    for c in CATALOGUE:
        assert c.op in ("conv", "corr") and c.camp in ("E", "L", "pad", "-")
        assert c.anchor and c.window and c.boundary and c.dtype and c.source and c.args
        assert lookup(c.name) is c
        for alias in c.aliases:
            assert lookup(alias.upper()) is c
    assert lookup("scipy.signal.convolve2d") is lookup("ss.convolve2d")
    assert lookup("torch.nn.functional.conv2d") is lookup("F.conv2d")
    with pytest.raises(ValueError, match="did you mean 'cv2.filter2D'"):
        kf.like("cv2.filter2", np.ones((3, 3)), -1, np.ones((2, 2)))
    with pytest.raises(ValueError, match="known names: numpy.convolve"):
        kf.like("octave.conv3", [1], [1])
    with pytest.raises(ValueError, match="do not match its signature"):
        kf.like("numpy.convolve", [1, 2])
