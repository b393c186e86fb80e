"""The tour: its sections in order, self-contained HTML, Chinese titles, the numeric checks,
and the command line run in-process."""

import base64
import os
import re

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from kernelflip.cli import main  # noqa: E402
from kernelflip.tour import build_tour, parse_values  # noqa: E402

KEYS = ["intro", "indices", "conv", "flip", "corr", "maps", "numeric", "summary", "backprop"]
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def tour_en():
    return build_tour(animation=False)


@pytest.fixture(scope="module")
def tour_zh():
    return build_tour(lang="zh", animation=False)


def test_sections_in_the_articles_order(tour_en):
    assert [s.key for s in tour_en.sections] == KEYS
    html = tour_en.to_html()
    positions = [html.index(f"<section id='{k}'>") for k in KEYS]
    assert positions == sorted(positions)
    assert html.startswith("<!DOCTYPE html>") and "<html lang='en'>" in html


def test_html_is_self_contained(tour_en):
    html = tour_en.to_html()
    n = len(tour_en.pictures())
    assert n >= 8
    assert html.count("src='data:image/png;base64,") == n
    assert not re.search(r"(src|href)=['\"](https?:|//|figures/)", html)
    # every inlined image decodes to a PNG
    for uri in re.findall(r"src='data:image/png;base64,([^']+)'", html):
        assert base64.b64decode(uri)[:4] == b"\x89PNG"


def test_worked_example_and_flip_sentence(tour_en):
    text = tour_en.worked_text
    assert "y[1,1]" in text
    for product in ("x[0,0]·i", "x[1,0]·h", "x[2,0]·g", "x[0,2]·c", "x[2,2]·a"):
        assert product in text
    flip = tour_en.section("flip").blocks[0][1]
    assert "x[0,0]" in flip and "h[1,1] = i" in flip


def test_correlation_section_names_both_conventions(tour_en):
    blocks = tour_en.section("corr").blocks
    para = blocks[0][1]
    assert "h[i−m]" in para and "h[m+i]" in para and "y_article[m] = y_standard[−m]" in para
    assert "y[-1,-1]" in para
    pres = [b for k, b in blocks if k == "pre"]
    assert any("x[0,0]·a" in p and "y[−1,−1]" in p for p in pres)  # article corr y[-1,-1]
    assert tour_en.checks["article"] is True


def test_backprop_check(tour_en):
    assert tour_en.checks["backprop"] is True
    text = tour_en.section("backprop").blocks[1][1]
    assert "convolve(g, h, mode='full') on -3..3×-3..3" in text and "True" in text
    assert "max |difference| = 0" in text


def test_chinese_page(tour_zh):
    assert [s.key for s in tour_zh.sections] == KEYS
    for s in tour_zh.sections:
        assert CJK.search(s.title), s.title
    assert tour_zh.section("conv").title == "3. 卷积：公式与算例"
    assert "<html lang='zh-CN'>" in tour_zh.to_html()
    assert CJK.search(tour_zh.section("summary").blocks[0][1][0])
    html = tour_zh.to_html()
    assert "对全部 81 个输出" in html and "逐个扰动 49 个像素" in html
    assert "for all 81 outputs" not in html and "perturbing each" not in html


def test_markdown_and_files(tmp_path, tour_en):
    paths = tour_en.write(tmp_path)
    with open(paths["markdown"], encoding="utf-8") as f:
        md = f.read()
    titles = re.findall(r"^## (.+)$", md, flags=re.M)
    assert titles == [s.title for s in tour_en.sections]
    for ref in re.findall(r"!\[[^\]]*\]\((figures/[^)]+)\)", md):
        assert os.path.getsize(tmp_path / ref) > 1000
    assert tour_en._repr_html_().startswith("<div class='kernelflip-tour'>")


def test_values_give_numbers_checked_by_scipy():
    signal = pytest.importorskip("scipy.signal")
    tour = build_tour(values="sobel-x", animation=False)
    x = np.arange(49).reshape(7, 7)
    expected = signal.convolve2d(x, np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]))[5, 5]
    pres = [b for k, b in tour.section("numeric").blocks if k == "pre"]
    assert pres and pres[0].splitlines()[-1].replace("−", "-").endswith(f"= {expected}")
    assert tour.checks["backprop"] is True


def test_other_sizes():
    tour = build_tour("11x11", "5x5", at=(2, -3), animation=False)
    assert "y[2,-3]" in tour.subtitle and tour.checks["backprop"] is True
    even = build_tour("6x6", "4x4", at=(0, 0), animation=False)
    assert even.checks["article"] is True


def test_parse_values_errors():
    assert parse_values([1, 2, 3, 4], (2, 2)).shape == (2, 2)
    with pytest.raises(ValueError, match=r"has 2 numbers .* give 9 numbers"):
        parse_values("1,2", (3, 3))
    with pytest.raises(ValueError, match=r"values='soble' is not accepted: give numbers"):
        parse_values("soble", (3, 3))


def test_build_tour_errors():
    with pytest.raises(ValueError, match=r"lang='fr' is not accepted: use one of en, zh"):
        build_tour(lang="fr", animation=False)
    with pytest.raises(ValueError, match=r"larger than image"):
        build_tour("3x3", "5x5", animation=False)


def test_cli_defaults_write_the_page(tmp_path, capsys):
    out = tmp_path / "tour"
    assert main(["tour", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "y[1,1] = x[0,0]·i" in printed
    assert f"wrote {out / 'tour.html'}" in printed and "backprop:" in printed
    html = (out / "tour.html").read_text(encoding="utf-8")
    assert "data:image/gif;base64," in html  # the animation, inlined
    assert (out / "tour.md").exists() and (out / "figures" / "slide.gif").exists()


@pytest.mark.parametrize("argv, message", [
    (["--image", "7y7"], r"--image '7y7' is not accepted"),
    (["--at", "1"], r"--at '1' is not accepted"),
    (["--at", "9,9"], r"--at '9,9' \(article notation\).*outside axis"),
    (["--values", "1,2"], r"has 2 numbers"),
])
def test_cli_usage_errors(tmp_path, capsys, argv, message):
    assert main(["tour", "--out", str(tmp_path), "--no-animation", *argv]) == 2
    err = capsys.readouterr().err
    assert re.search(message, err) and "kernelflip tour --help" in err


def test_docs_page_code_runs(tmp_path, monkeypatch, capsys):
    """Every ```python block of docs/tour.md runs, in order, and prints what it says."""
    page = os.path.join(os.path.dirname(__file__), os.pardir, "docs", "tour.md")
    with open(page, encoding="utf-8") as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), flags=re.S)
    assert len(blocks) >= 4
    monkeypatch.chdir(tmp_path)
    scope = {}
    for code in blocks:
        exec(compile(code, "docs/tour.md", "exec"), scope)
    out = capsys.readouterr().out
    assert "((0, 2), (0, 2))" in out and "['i', 'h', 'g']" in out and "True" in out
    assert (tmp_path / "align-conv.png").exists()


def test_numeric_figure_without_scikit_image(monkeypatch):
    import sys

    from kernelflip.draw.maps import demo_image

    monkeypatch.setitem(sys.modules, "skimage", None)
    img, name = demo_image()
    assert img.shape == (256, 256) and "generated" in name


def test_backprop_check_catches_a_wrong_rule():
    """The check is a real test: claiming the gradient is a correlation reports False."""
    import kernelflip as kf
    from kernelflip.lattice import indexed
    from kernelflip.tour.build import _backprop_check

    x = np.arange(25).reshape(5, 5)
    h = np.array([[1, 2, 4], [8, 16, 32], [64, 128, 256]])
    assert _backprop_check(x, h, kf.convolve, kf.correlate, indexed)[0] is True
    ok, text = _backprop_check(x, h, kf.correlate, kf.correlate, indexed)
    assert ok is False and "False" in text
