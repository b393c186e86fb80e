"""Worked examples in Chinese (lang="zh"): the words change, the indices, terms and sums do not."""

from __future__ import annotations

import re

import numpy as np
import pytest

import kernelflip as kf
from kernelflip.cli import main
from kernelflip.errors import ArgumentError
from kernelflip.explain.words import WORDS, words

M = "\u2212"
CJK = re.compile(r"[\u4e00-\u9fff]")
# the rows of to_text that are pure notation: "y[..] =", the term rows (note cut off), the sum
TERM_ROW = re.compile(r"^  [ +] x\[")


def _rows(text: str) -> list[str]:
    """The term rows (without their notes), the 'y[..] =' line and the sum line."""
    lines = text.splitlines()
    start = next(k for k, ln in enumerate(lines) if ln.endswith(" =") and ln.startswith("y"))
    rows = [lines[start], lines[-1]]
    for ln in lines[start + 1:-1]:
        if TERM_ROW.match(ln):
            rows.append(re.split(r"   [(（]", ln, maxsplit=1)[0])
    return rows


ARTICLE = dict(at=(1, 1), notation="article", mode="full", show_outside=True)


def test_the_articles_convolution_in_chinese():
    e = kf.explain("conv", "7x7", "3x3", **ARTICLE)
    zh = e.to_text(lang="zh")
    lines = zh.splitlines()
    assert lines[0] == "卷积，y[1,1]"
    assert lines[1] == f"  y[m,n] = Σ x[i,j]·h[m{M}i, n{M}j]"
    assert lines[2] == (f"  图像 7×7（符号值），索引 {M}3..3 × {M}3..3；"
                        f"内核 3×3（符号值），索引 {M}1..1 × {M}1..1")
    assert lines[3] == "  模式 'full'，边界 'constant'（cval 0），索引书写顺序为 [列, 行]"
    assert lines[4] == "  内核按存储顺序的值（从左上角起逐行）：a b c / d e f / g h i"
    # the article's drop-out, x[-1,-1] meets h[2,2], which is no kernel element
    assert (f"    x[{M}1,{M}1]·h[1{M}({M}1), 1{M}({M}1)]  │  x[{M}1,{M}1]·h[2,2]  =  —"
            "          （h[2,2] 不是内核元素：该项舍去）") in lines
    en = e.to_text()
    assert "convolution, y[1,1]" in en and not CJK.search(en)
    # same rows, same sum: only the words differ
    assert _rows(zh) == _rows(en)
    assert len(_rows(zh)) == 2 + len(e.terms)
    assert lines[-1] == e.sum_text == (
        "y[1,1] = x[0,0]·i + x[0,1]·f + x[0,2]·c + x[1,0]·h + x[1,1]·e + x[1,2]·b"
        " + x[2,0]·g + x[2,1]·d + x[2,2]·a")


@pytest.mark.parametrize("op, conv, title", [
    ("corr", "standard", "互相关（标准约定），y[−1,−1]"),
    ("corr", "article", "互相关（原文约定），y[−1,−1]"),
])
def test_correlation_titles(op, conv, title):
    e = kf.explain(op, "7x7", "3x3", at=(-1, -1), convention=conv, notation="article")
    assert e.to_text(lang="zh").splitlines()[0] == title
    assert _rows(e.to_text(lang="zh")) == _rows(e.to_text())


def test_boundary_notes_and_numbers():
    # reflect: the pixel beyond the image stands for one inside it
    e = kf.explain("corr", "5x5", "3x3", at=(0, 0), like="cv2.filter2D")
    zh = e.to_text(lang="zh")
    assert f"（x[{M}1,{M}1] → x[1,1]，reflect 边界）" in zh
    assert "边界 'reflect'" in zh and "索引书写顺序为 [行, 列]" in zh
    assert _rows(zh) == _rows(e.to_text())
    # a constant with numbers, dilation: value and sum unchanged, the option words translated
    c = kf.explain("corr", [1, 2, 3], [1, 2], at=0, cval=5, mode="full", dilation=2)
    zh = c.to_text(lang="zh")
    assert f"（x[{M}2] 位于图像之外：取常数 5（constant 边界））" in zh
    assert "（cval 5），膨胀 2，" in zh and "图像 3（数值）" in zh and "内核 2（数值）" in zh
    assert zh.splitlines()[-1] == "y[0] = 5·1 + 2·2 = 9" == c.sum_text
    s = kf.explain("conv", "9x9", "3x3", at=(0, 0), stride=2)
    assert "步幅 2×2" in s.to_text(lang="zh") and "stride 2×2" in s.to_text()


def test_ascii_keeps_the_words_chinese():
    e = kf.explain("conv", "7x7", "3x3", **ARTICLE)
    plain = e.to_text(ascii=True, lang="zh")
    assert any(ln.startswith("  + x[0,1]*h[1-0, 1-1]  ") and "|  x[0,1]*h[1,0] " in ln
               for ln in plain.splitlines())
    assert _rows(plain) == _rows(e.to_text(ascii=True))
    assert "（h[2,2] 不是内核元素：该项舍去）" in plain
    assert "−" not in plain and "·" not in plain


def test_markdown_html_latex_in_chinese():
    x, h = np.arange(9).reshape(3, 3), np.array([[1, -2], [3, 4]])
    e = kf.explain("conv", x, h, at=(0, 0), show_outside=True)
    md, md_en = e.to_markdown(lang="zh"), e.to_markdown()
    assert md.startswith("**卷积，y[0,0]**\n")
    assert "| y[0,0] | 代入 | 算出 | 项 | 说明 |" in md
    table, table_en = ([ln for ln in t.splitlines() if ln.startswith("|")] for t in (md, md_en))
    assert len(table) == len(table_en) == 2 + len(e.terms)
    # the notation columns are the same; only the header and the notes differ
    assert [r.split(" | ")[:4] for r in table[2:]] == [r.split(" | ")[:4] for r in table_en[2:]]
    assert any("不是内核元素：该项舍去" in r for r in table)
    assert md.splitlines()[-1] == md_en.splitlines()[-1] == f"`{e.sum_text}`"
    html = e.to_html(lang="zh")
    assert "<b>卷积，y[0,0]</b>" in html and "<th>图像</th><th>代入</th>" in html
    assert html.count("<tr") == e.to_html().count("<tr") == 1 + len(e.terms)
    tex = e.to_latex(lang="zh")
    assert tex.splitlines()[0] == "% kernelflip: 卷积，y[0,0]，索引书写顺序为 [行, 列]"
    assert r"\text{（不是内核元素：舍去）}" in tex
    assert tex.replace("（不是内核元素：舍去）", "(not in the kernel: drops out)").splitlines()[1:] \
        == e.to_latex().splitlines()[1:]


def test_default_is_english_and_tables_match():
    e = kf.explain("conv", "7x7", "3x3", at=(1, 1), notation="article")
    assert e.to_text() == e.to_text(lang="en") == str(e)
    assert e.to_markdown() == e.to_markdown(lang="en") == e._repr_markdown_()
    assert e.to_html() == e.to_html(lang="en") and e.to_latex() == e.to_latex(lang="en")
    assert set(WORDS["zh"]) == set(WORDS["en"])
    # every phrase takes the same fields in both languages
    field = re.compile(r"\{(\w*)\}")
    for key, en in WORDS["en"].items():
        assert sorted(field.findall(en)) == sorted(field.findall(WORDS["zh"][key])), key


@pytest.mark.parametrize("lang", ["fr", "ZH", "", None, 1])
def test_bad_lang(lang):
    e = kf.explain("conv", "5", "3", at=0)
    with pytest.raises(ArgumentError, match=rf"lang={re.escape(repr(lang))} is not accepted: "
                                            r"use 'en' or 'zh'"):
        e.to_text(lang=lang)
    with pytest.raises(ValueError, match=r"lang=.* is not accepted: use 'en' or 'zh'"):
        e.to_markdown(lang=lang)
    with pytest.raises(ValueError, match=r"lang=.* is not accepted"):
        words(lang)


def test_cli_lang(capsys):
    assert main(["explain", "--op", "conv", "--image", "7x7", "--kernel", "3x3", "--at", "1,1",
                 "--notation", "article", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "卷积，y[1,1]"
    assert f"x[0,1]·h[1{M}0, 1{M}1]  │  x[0,1]·h[1,0]    =  x[0,1]·f" in out
    assert main(["explain", "--image", "5", "--kernel", "3", "--format", "markdown",
                 "--lang", "zh"]) == 0
    assert "| y[0] | 代入 | 算出 | 项 | 说明 |" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["explain", "--lang", "fr"])
    assert exc.value.code == 2
    assert "invalid choice: 'fr'" in capsys.readouterr().err


def test_tour_zh_worked_example_is_chinese():
    pytest.importorskip("matplotlib")
    from kernelflip.tour import build_tour

    zh = build_tour(lang="zh", animation=False)
    text = zh.worked_text
    assert text.splitlines()[0] == "卷积，y[1,1]"
    assert "不是内核元素：该项舍去" in text and "drops out" not in text
    html = zh.to_html()
    assert "卷积，y[1,1]" in html and "互相关（原文约定），y[−1,−1]" in html
    assert "indices printed" not in html and "kernel values as stored" not in html
    en = build_tour(animation=False)
    assert en.worked_text.splitlines()[0] == "convolution, y[1,1]"
    assert _rows(text) == _rows(en.worked_text)
