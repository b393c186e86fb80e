"""The kernelflip command in-process: explain, convolve, correlate; inputs, outputs, exit codes."""

from __future__ import annotations

import json

import numpy as np
import pytest

import kernelflip as kf
from kernelflip import io as kio
from kernelflip.cli import main

M = "\u2212"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- explain ---------------------------------------------------------------------------------
def test_explain_prints_the_articles_convolution(capsys):
    code, out, err = run(capsys, "explain", "--op", "conv", "--image", "7x7", "--kernel", "3x3",
                         "--at", "1,1", "--notation", "article")
    assert code == 0 and err == ""
    assert f"x[0,1]·h[1{M}0, 1{M}1]  │  x[0,1]·h[1,0]    =  x[0,1]·f" in out
    assert out.rstrip().endswith("x[2,1]·d + x[2,2]·a")


@pytest.mark.parametrize("at", [["--at", "-1,-1"], ["--at=-1,-1"]])
def test_explain_accepts_negative_at_both_ways(capsys, at):
    code, out, _ = run(capsys, "explain", "--op", "corr", "--convention", "article",
                       "--image", "7x7", "--kernel", "3x3", *at, "--format", "json")
    assert code == 0
    d = json.loads(out)
    assert d["at"] == [-1, -1] and d["terms"][0]["substituted"] == f"h[{M}1+0, {M}1+0]"
    assert d["expression"].startswith("x[0,0]·a")


def test_explain_numeric_inline_values_and_formats(capsys):
    code, out, err = run(capsys, "explain", "--op", "correlate", "-x", "1,2,3;4,5,6;7,8,9",
                         "-k", "-1,0,1;-2,0,2;-1,0,1", "--at", "0,0", "--format", "json")
    assert code == 0
    y = kf.correlate(np.arange(1, 10).reshape(3, 3), [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
                     mode="same")
    assert json.loads(out)["value"] == int(y.at[0, 0]) == 8
    for fmt, marker in (("markdown", "| y[0,0] | substituted"), ("latex", r"\cdot"),
                        ("html", "<table>")):
        code, out, _ = run(capsys, "explain", "-x", "5x5", "-k", "3x3", "--format", fmt)
        assert code == 0 and marker in out
    code, out, _ = run(capsys, "explain", "-x", "5", "-k", "3", "--at", "2", "--ascii",
                       "--boundary", "reflect", "--show-outside")
    assert code == 0 and out.isascii() and "x[3] -> x[1] (reflect)" in out


def test_explain_usage_errors_exit_2(capsys):
    code, _, err = run(capsys, "explain", "--image", "7x7", "--kernel", "3x3", "--at", "9,9")
    assert code == 2
    assert "at=(9, 9) is outside the output" in err and "kernelflip explain --help" in err
    code, _, err = run(capsys, "explain", "--at", "1,x")
    assert code == 2 and "--at='1,x' is not accepted" in err
    code, _, err = run(capsys, "explain", "--image", "7q7")
    assert code == 2 and "--image='7q7' is not accepted: no such file" in err
    code, _, err = run(capsys, "explain", "--stride", "0")
    assert code == 2 and "stride=0 is not accepted" in err
    code, _, err = run(capsys, "explain", "--mode", "middle")
    assert code == 2 and "--mode='middle' is not accepted: use full, same, valid" in err


# --- convolve / correlate ------------------------------------------------------------------
def test_convolve_prints_range_and_values(capsys):
    code, out, _ = run(capsys, "convolve", "--image", "1,2,3", "--kernel", "1,10,100",
                       "--mode", "same")
    assert code == 0
    lines = out.splitlines()
    assert lines[1] == "y: shape (3,), int64, indices [-1..1]"
    assert lines[2].split() == ["-1", "0", "1"] and lines[3].split() == ["12", "123", "230"]


@pytest.mark.parametrize("mode", [["--mode", "-3:2"], ["--mode=-3:2"], ["--mode", "−3:2"]])
def test_explicit_output_window(capsys, mode):
    # [1,2,3] * [1,10,100] on centred lattices: full support -2..2; indices -3 and -2..1
    code, out, _ = run(capsys, "convolve", "--image", "1,2,3", "--kernel", "1,10,100", *mode)
    assert code == 0
    lines = out.splitlines()
    assert lines[1] == "y: shape (5,), int64, indices [-3..1]"
    # by hand: y[-2] = 1*1, y[-1] = 1*10 + 2*1, y[0] = 100 + 20 + 3, y[1] = 200 + 30
    assert lines[3].split() == ["0", "1", "12", "123", "230"]


def test_explicit_window_in_explain_and_its_errors(capsys):
    code, out, _ = run(capsys, "explain", "--op", "conv", "--image", "5x5", "--kernel", "3x3",
                       "--mode=-1:2,0:1", "--at", "1,0", "--format", "json")
    assert code == 0 and json.loads(out)["at"] == [1, 0]
    code, _, err = run(capsys, "convolve", "--image", "1,2,3", "--kernel", "1,1",
                       "--mode", "1..3")
    assert code == 2 and "--mode='1..3' is not accepted" in err and "start:stop" in err
    code, _, err = run(capsys, "convolve", "--image", "1,2,3", "--kernel", "1,1",
                       "--mode", "2:1")
    assert code != 0 and "stop > start" in err


def test_correlate_article_convention_and_2d_table(capsys):
    code, out, _ = run(capsys, "correlate", "-x", "0,0,0;0,1,0;0,0,0", "-k", "1,2;3,4",
                       "--convention", "article")
    y = kf.correlate(np.eye(3, dtype=int) * [0, 1, 0], [[1, 2], [3, 4]], convention="article")
    assert code == 0 and "correlate (article convention)" in out
    assert f"indices [{y.start[0]}..{y.last[0]}, {y.start[1]}..{y.last[1]}]" in out
    grid = [ln.split("|")[1].split() for ln in out.splitlines() if "|" in ln]
    assert np.array_equal(np.array(grid, dtype=int), y.values)


def test_outputs_round_trip(capsys, tmp_path):
    x = "1,2,3,4;5,6,7,8;9,10,11,12"
    y = kf.convolve(kio.parse_values(x), [[1, -1]], mode="same")  # "1,-1;" is one row
    for name in ("y.npy", "y.csv", "y.png"):
        path = tmp_path / name
        code, out, _ = run(capsys, "convolve", "-x", x, "-k", "1,-1;", "--mode", "same",
                           "--out", str(path))
        assert code == 0 and path.exists()
        back = kio.load_array(str(path))
        if name == "y.png":
            lo, hi = y.values.min(), y.values.max()
            assert f"values {lo}..{hi} scaled linearly to 0..255" in out
            expect = np.rint((y.values - lo) * 255.0 / (hi - lo))
            assert back.dtype == np.uint8 and np.array_equal(back, expect)
        else:
            assert np.array_equal(back, y.values)


def test_file_inputs(capsys, tmp_path):
    from PIL import Image

    img = (np.arange(20).reshape(4, 5) * 10).astype(np.uint8)
    Image.fromarray(img).save(tmp_path / "x.png")
    np.save(tmp_path / "h.npy", np.array([[0, 1], [1, 0]]))
    (tmp_path / "h.txt").write_text("0 1\n1 0\n")
    (tmp_path / "h.csv").write_text("0,1\n1,0\n")
    expect = kf.convolve(img, [[0, 1], [1, 0]], mode="valid").values
    for h in ("h.npy", "h.txt", "h.csv"):
        out_path = tmp_path / f"y_{h}.npy"
        code, _, _ = run(capsys, "convolve", "-x", str(tmp_path / "x.png"),
                         "-k", str(tmp_path / h), "--mode", "valid", "-o", str(out_path))
        assert code == 0 and np.array_equal(np.load(out_path), expect)


def test_compute_errors(capsys, tmp_path):
    code, _, err = run(capsys, "convolve", "-x", "7x7", "-k", "1")
    assert code == 2 and "--image='7x7' is a shape, which has no values" in err
    code, _, err = run(capsys, "convolve", "-x", "1,2", "-k", "1", "--out", "y.gif")
    assert code == 2 and "--out='y.gif' is not accepted" in err
    code, _, err = run(capsys, "correlate", "-x", "1,2,3;4,5,6", "-k", "1,2")
    assert code == 2 and "give both the same number of axes" in err
    code, _, err = run(capsys, "convolve", "-x", "1,2", "-k", "1,2,3", "--mode", "valid")
    assert code == 2 and "mode='valid' has no output" in err
    code, _, err = run(capsys, "convolve", "-x", "1,2", "-k", "1", "--cval", "abc")
    assert code == 2 and "--cval='abc' is not accepted" in err
    code, _, err = run(capsys, "convolve", "-x", "9223372036854775807,1", "-k", "2,2")
    assert code == 1 and "beyond int64" in err and "--help" not in err
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n3,oops\n")
    code, _, err = run(capsys, "convolve", "-x", str(bad), "-k", "1")
    assert code == 1 and err.startswith("kernelflip convolve: cannot read") and "oops" in err
    code, _, err = run(capsys, "convolve", "-x", "1,2", "-k", "1", "--out",
                       str(tmp_path / "cube.png"), "--stride", "1")
    assert code == 2 and "PNG needs a real 2-D result" in err


# --- kernelflip.io --------------------------------------------------------------------------
def test_io_parsing():
    assert kio.parse_shape("3 x 4 \u00d7 5") == (3, 4, 5)
    assert kio.parse_shape("1,2") is None
    with pytest.raises(ValueError, match="every size of a shape must be >= 1"):
        kio.parse_shape("0x3", "--image")
    a = kio.parse_values("1,2;3,4|5,6;7,8")
    assert a.shape == (2, 2, 2) and a.dtype == np.int64 and a[1, 1, 1] == 8
    assert kio.parse_values(f"{M}1, 2.5").tolist() == [-1.0, 2.5]
    assert kio.parse_values("1+2j,3").dtype == np.complex128
    with pytest.raises(ValueError, match="every row needs the same number of values"):
        kio.parse_values("1,2;3", "--kernel")
    with pytest.raises(ValueError, match="'x' is not a number"):
        kio.parse_values("1,x", "--kernel")
    assert kio.parse_index(f" {M}1, 2") == (-1, 2)
    with pytest.raises(ValueError, match="give signed integers separated by commas"):
        kio.parse_index("1.5")
    assert kio.read_input("-3").tolist() == [-3]
    assert kio.read_input("3") == (3,) and kio.read_input("3", allow_shape=False).tolist() == [3]
    with pytest.raises(OSError, match="unknown file type"):
        kio.load_array("thing.xyz")


def test_keep_freed_memory_applies_on_glibc_and_checks_its_arguments(capsys):
    import platform

    applied = kf.keep_freed_memory()
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert applied is True
    with pytest.raises(kf.ArgumentError, match="trim_threshold=-1 is not accepted"):
        kf.keep_freed_memory(trim_threshold=-1)
    # one case (a bare "k3" also matched the 31x31 case, whose scipy direct sum takes
    # seconds): 20 s -> 5 s
    assert main(["bench", "--quick", "--match", "512^2 k3 random", "--budget", "0.01",
                 "--keep-freed-memory"]) == 0
    assert "keep_freed_memory: " in capsys.readouterr().out
