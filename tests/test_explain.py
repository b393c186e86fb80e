"""Worked examples: the article by hand, unseen cases against the operations, renderers, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kernelflip as kf
from kernelflip.explain import Explanation

M = "\u2212"  # the minus sign the explanations print


def rows(e: Explanation):
    """(image label, substituted, resolved, kernel value) of the terms in the sum."""
    return [(t.image_label, t.substituted, t.resolved, t.kernel_value) for t in e.inside]


# --- the article, written out by hand from the definitions --------------------------------
# Kernel a b c / d e f / g h i, centred (indices -1..1); image 7x7, indices -3..3.
# Article notation prints [column, row]: x[i, j] has i horizontal.

ARTICLE_CONV = [  # y[1,1] = sum x[i,j] h[1-i, 1-j]: the kernel flipped
    ("x[0,0]", f"h[1{M}0, 1{M}0]", "h[1,1]", "i"),
    ("x[0,1]", f"h[1{M}0, 1{M}1]", "h[1,0]", "f"),
    ("x[0,2]", f"h[1{M}0, 1{M}2]", f"h[1,{M}1]", "c"),
    ("x[1,0]", f"h[1{M}1, 1{M}0]", "h[0,1]", "h"),
    ("x[1,1]", f"h[1{M}1, 1{M}1]", "h[0,0]", "e"),
    ("x[1,2]", f"h[1{M}1, 1{M}2]", f"h[0,{M}1]", "b"),
    ("x[2,0]", f"h[1{M}2, 1{M}0]", f"h[{M}1,1]", "g"),
    ("x[2,1]", f"h[1{M}2, 1{M}1]", f"h[{M}1,0]", "d"),
    ("x[2,2]", f"h[1{M}2, 1{M}2]", f"h[{M}1,{M}1]", "a"),
]

ARTICLE_CORR = [  # y[-1,-1] = sum x[i,j] h[-1+i, -1+j]: the same patch, kernel unflipped
    ("x[0,0]", f"h[{M}1+0, {M}1+0]", f"h[{M}1,{M}1]", "a"),
    ("x[0,1]", f"h[{M}1+0, {M}1+1]", f"h[{M}1,0]", "d"),
    ("x[0,2]", f"h[{M}1+0, {M}1+2]", f"h[{M}1,1]", "g"),
    ("x[1,0]", f"h[{M}1+1, {M}1+0]", f"h[0,{M}1]", "b"),
    ("x[1,1]", f"h[{M}1+1, {M}1+1]", "h[0,0]", "e"),
    ("x[1,2]", f"h[{M}1+1, {M}1+2]", "h[0,1]", "h"),
    ("x[2,0]", f"h[{M}1+2, {M}1+0]", f"h[1,{M}1]", "c"),
    ("x[2,1]", f"h[{M}1+2, {M}1+1]", "h[1,0]", "f"),
    ("x[2,2]", f"h[{M}1+2, {M}1+2]", "h[1,1]", "i"),
]

STANDARD_CORR = [  # numpy order [row, col]; y[1,1] = sum x[i] h[i-m]: a..i unflipped
    ("x[0,0]", f"h[0{M}1, 0{M}1]", f"h[{M}1,{M}1]", "a"),
    ("x[0,1]", f"h[0{M}1, 1{M}1]", f"h[{M}1,0]", "b"),
    ("x[0,2]", f"h[0{M}1, 2{M}1]", f"h[{M}1,1]", "c"),
    ("x[1,0]", f"h[1{M}1, 0{M}1]", f"h[0,{M}1]", "d"),
    ("x[1,1]", f"h[1{M}1, 1{M}1]", "h[0,0]", "e"),
    ("x[1,2]", f"h[1{M}1, 2{M}1]", "h[0,1]", "f"),
    ("x[2,0]", f"h[2{M}1, 0{M}1]", f"h[1,{M}1]", "g"),
    ("x[2,1]", f"h[2{M}1, 1{M}1]", "h[1,0]", "h"),
    ("x[2,2]", f"h[2{M}1, 2{M}1]", "h[1,1]", "i"),
]


def test_article_convolution_y11_flips_the_kernel():
    e = kf.explain("conv", "7x7", "3x3", at=(1, 1), notation="article")
    assert rows(e) == ARTICLE_CONV
    assert e.at_text == "y[1,1]"
    assert e.value is None and e.image_symbolic and e.kernel_symbolic
    assert e.expression == " + ".join(f"{r[0]}·{r[3]}" for r in ARTICLE_CONV)


def test_article_convolution_in_numpy_notation_is_the_same_sum_transposed():
    e = kf.explain("convolve", (7, 7), (3, 3), at=(1, 1))
    # numpy order: x[row, col]; x[0,1] is row 0, column 1, which meets h[1,0] = h (bottom centre)
    assert [(t.image, t.tap, t.kernel_value) for t in e.inside][:3] == [
        ((0, 0), (1, 1), "i"), ((0, 1), (1, 0), "h"), ((0, 2), (1, -1), "g")]
    assert sorted(t.kernel_value for t in e.inside) == list("abcdefghi")


def test_article_correlation_y_minus11_reads_the_same_patch_unflipped():
    e = kf.explain("corr", "7x7", "3x3", at=(-1, -1), convention="article", notation="article")
    assert rows(e) == ARTICLE_CORR
    conv = kf.explain("conv", "7x7", "3x3", at=(1, 1))
    assert {t.image for t in e.inside} == {t.image for t in conv.inside}
    assert e.plan.patch(e.at) == conv.plan.patch(conv.at) == ((0, 2), (0, 2))


def test_standard_correlation_y11_reads_the_same_patch_unflipped():
    e = kf.explain("correlate", "7x7", "3x3", at=(1, 1))
    assert rows(e) == STANDARD_CORR
    assert e.definition() == f"y[m,n] = Σ x[i,j]·h[i{M}m, j{M}n]"


def test_show_outside_lists_the_terms_that_drop_out_as_in_the_article():
    e = kf.explain("conv", "7x7", "3x3", at=(1, 1), notation="article", show_outside=True)
    assert rows(e) == ARTICLE_CONV
    out = {t.image_label: t for t in e.terms if not t.in_kernel}
    # the article's i = 3: x[3,1] needs h[1-3, 1-1] = h[-2,0], which does not exist
    t = out["x[3,1]"]
    assert (t.substituted, t.resolved, t.kernel_value, t.product) == (
        f"h[1{M}3, 1{M}1]", f"h[{M}2,0]", None, "")
    assert "drops out" in t.note
    assert len(e.terms) == 25 and len(e.inside) == 9  # a ring of 1 around the 3x3 patch
    # a ring of 2 reaches -2..4 per axis, clipped to the image's -3..3: 6 x 6 indices
    assert len(kf.explain("conv", "7x7", "3x3", at=(1, 1), show_outside=2).terms) == 36


def test_at_is_in_the_notations_order():
    x = np.arange(49).reshape(7, 7)
    h = 2 ** np.arange(9).reshape(3, 3)
    art = kf.explain("conv", x, h, at=(1, -1), notation="article")  # column 1, row -1
    num = kf.explain("conv", x, h, at=(-1, 1))
    assert art.at == num.at == (-1, 1)
    assert art.at_text == f"y[1,{M}1]" and num.at_text == f"y[{M}1,1]"
    y = kf.convolve(x, h, mode="same")
    assert art.value == num.value == int(y.at[-1, 1]) != int(y.at[1, -1])


# --- numbers, checked against the operations --------------------------------------------------
CASES = [
    # x shape, h shape, at (numpy order), extra kwargs
    ((7,), (3,), (2,), {}),
    ((9,), (4,), (-4,), {}),
    ((6, 5), (2, 3), (0, -2), {}),
    ((5, 8), (4, 4), (2, 3), {"mode": "full"}),
    ((7, 7), (3, 3), (-3, 3), {"boundary": "reflect"}),
    ((7, 6), (3, 2), (3, -3), {"boundary": "wrap"}),
    ((7, 7), (3, 3), (-3, -3), {"boundary": "symmetric"}),
    ((6, 6), (3, 3), (2, -3), {"boundary": "edge"}),
    ((6, 6), (3, 3), (2, -3), {"boundary": "constant", "cval": 7}),
    ((9, 9), (3, 3), (-2, 2), {"stride": 2}),
    ((9, 9), (3, 2), (1, -1), {"dilation": 2, "mode": "valid"}),
    ((4, 5, 3), (3, 2, 2), (1, -1, 0), {}),
    ((4, 4, 4), (2, 2, 2), (-2, 1, 1), {"mode": "full", "boundary": "reflect"}),
]


def _numbers(xs, hs, seed=0):
    rng = np.random.default_rng(seed)
    return rng.integers(-9, 10, xs), rng.integers(-9, 10, hs)


def _op(op, convention):
    if op == "conv":
        return lambda x, h, **kw: kf.convolve(x, h, **kw)
    return lambda x, h, **kw: kf.correlate(x, h, convention=convention, **kw)


@pytest.mark.parametrize("op,convention", [("conv", "standard"), ("corr", "standard"),
                                           ("corr", "article")])
@pytest.mark.parametrize("xs,hs,at,kw", CASES)
def test_value_equals_the_operation(op, convention, xs, hs, at, kw):
    x, h = _numbers(xs, hs)
    kw = {"mode": "same", **kw}
    y = _op(op, convention)(x, h, **kw)
    # pick an output the strided/valid window has: the nearest valid index to `at`
    at = tuple(min(r, key=lambda v, a=a: abs(v - a)) for r, a in zip(y.ranges(), at))
    e = kf.explain(op, x, h, at=at, convention=convention, **kw)
    assert type(e.value) is int
    assert e.value == int(y.at[at])
    assert len(e.inside) == h.size
    # and the written-out sum says the same thing
    assert e.sum_text.endswith(f"= {e.value}".replace("-", M))


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_value_matches_random_problems(data):
    nd = data.draw(st.integers(1, 3))
    xs = tuple(data.draw(st.integers(1, 6)) for _ in range(nd))
    hs = tuple(data.draw(st.integers(1, 4)) for _ in range(nd))
    op, convention = data.draw(st.sampled_from([("conv", "standard"), ("corr", "standard"),
                                                ("corr", "article")]))
    mode = data.draw(st.sampled_from(["full", "same"]))
    boundary = data.draw(st.sampled_from(["constant", "reflect", "symmetric", "edge", "wrap"]))
    stride = data.draw(st.integers(1, 2))
    dilation = data.draw(st.integers(1, 2))
    x, h = _numbers(xs, hs, seed=data.draw(st.integers(0, 1000)))
    kw = dict(mode=mode, boundary=boundary, stride=stride, dilation=dilation)
    y = _op(op, convention)(x, h, **kw)
    at = tuple(data.draw(st.sampled_from(list(r))) for r in y.ranges())
    notation = data.draw(st.sampled_from(["numpy", "article"]))
    shown = at[::-1] if notation == "article" else at
    e = kf.explain(op, x, h, at=shown, convention=convention, notation=notation, **kw)
    assert e.value == int(y.at[at])
    assert {t.image for t in e.inside} == {t.image for t in kf.explain(
        op, xs, hs, at=at, convention=convention, **kw).inside}


def test_float_and_complex_values():
    rng = np.random.default_rng(3)
    x, h = rng.random((5, 6)), rng.random((3, 2)) + 1j * rng.random((3, 2))
    y = kf.correlate(x, h, mode="same")
    e = kf.explain("corr", x, h, at=(1, -2))
    assert e.conj and np.isclose(e.value, y.at[1, -2], rtol=1e-12)
    assert "conj(" in e.inside[0].product and "conj(h[" in e.definition()
    ya = kf.correlate(x, h, mode="same", convention="article")
    ea = kf.explain("corr", x, h, at=(1, -2), convention="article")
    assert not ea.conj and np.isclose(ea.value, ya.at[1, -2], rtol=1e-12)
    f32 = kf.explain("conv", x.astype(np.float32), h.real.astype(np.float32), at=(0, 0))
    assert f32.value.dtype == np.float32
    assert np.isclose(f32.value, kf.convolve(x.astype(np.float32), h.real.astype(np.float32),
                                             mode="same").at[0, 0], rtol=1e-6)


def test_indexed_inputs_keep_their_starts():
    x = kf.indexed(np.arange(12).reshape(3, 4), start=(0, 0))   # top-left origin
    h = kf.indexed([[1, 2], [4, 8]], start=(0, 0))
    y = kf.convolve(x, h)
    e = kf.explain("conv", x, h, at=(1, 2), mode="full")
    assert e.plan.x_start == (0, 0) and e.value == int(y.at[1, 2])
    # conv y[1,2] = x[1,2]h[0,0] + x[1,1]h[0,1] + x[0,2]h[1,0] + x[0,1]h[1,1]
    assert e.value == 6 * 1 + 5 * 2 + 2 * 4 + 1 * 8
    # a shape with an explicit start gives the same terms, symbolically
    s = kf.explain("conv", (3, 4), (2, 2), at=(1, 2), mode="full", x_start=0, h_start=(0, 0))
    assert [t.image for t in s.inside] == [t.image for t in e.inside]


def test_boundary_pixels_show_what_they_stand_for():
    x = np.arange(49).reshape(7, 7)
    e = kf.explain("conv", x, np.ones((3, 3), int), at=(3, -3), boundary="reflect")
    t = next(t for t in e.terms if t.image == (3, -4))
    assert not t.in_image and t.source == (3, -2)
    assert t.note == f"x[3,{M}4] → x[3,{M}2] (reflect)"
    assert t.image_value == x[3 + 3, -2 + 3]
    sym = kf.explain("conv", "7x7", "3x3", at=(3, -3), boundary="reflect")
    assert next(t for t in sym.terms if t.image == (3, -4)).image_value == f"x[3,{M}2]"
    c = kf.explain("conv", "7x7", "3x3", at=(3, 3), cval=5)
    t = next(t for t in c.terms if t.image == (4, 4))
    assert t.source is None and t.image_value == 5 and t.product == "5·a"
    assert "outside the image" in t.note


def test_symbolic_names_beyond_26_letters():
    e = kf.explain("corr", (5, 5, 5), (3, 3, 3), at=(0, 0, 0))
    assert e.kernel_names == tuple(f"k{n}" for n in range(1, 28))
    assert [t.kernel_value for t in e.inside][:2] == ["k1", "k2"]
    assert kf.explain("corr", "30", "26", at=0, mode="full").inside[-1].kernel_value == "z"
    named = kf.explain("conv", "5", "2", at=0, names=["p", "q"])
    assert named.expression == "x[0]·q + x[1]·p"
    mixed = kf.explain("conv", np.arange(5), "3", at=0)
    assert mixed.value is None and mixed.expression == "1·c + 2·b + 3·a"


def test_even_kernel_uses_the_centring_rule():
    # 4 taps: indices -2..1; conv y[0] = sum x[i] h[-i] over i = -1..2
    e = kf.explain("conv", "6", "4", at=0)
    assert [(t.image, t.tap, t.kernel_value) for t in e.inside] == [
        ((-1,), (1,), "d"), ((0,), (0,), "c"), ((1,), (-1,), "b"), ((2,), (-2,), "a")]


def test_dilation_divides_the_subscript():
    e = kf.explain("conv", "9", "3", at=0, dilation=2, show_outside=True)
    t = next(t for t in e.inside if t.image == (2,))
    assert (t.substituted, t.resolved, t.kernel_value) == (f"h[(0{M}2)/2]", f"h[{M}1]", "a")
    between = next(t for t in e.terms if t.image == (1,))
    assert not between.in_kernel and between.resolved == f"h[{M}1/2]"


# --- renderers -------------------------------------------------------------------------------
def test_text_layout_has_the_two_columns():
    e = kf.explain("conv", "7x7", "3x3", at=(1, 1), notation="article")
    text = str(e)
    assert text == e.to_text()
    assert f"x[0,1]·h[1{M}0, 1{M}1]  │  x[0,1]·h[1,0]    =  x[0,1]·f" in text
    assert "indices printed [column, row]" in text
    assert text.splitlines()[-1] == e.sum_text
    plain = e.to_text(ascii=True)
    assert plain.isascii() and "x[0,1]*h[1-0, 1-1]  |  x[0,1]*h[1,0]" in plain


def test_markdown_latex_html_json():
    x, h = np.arange(9).reshape(3, 3), np.array([[1, -2], [3, 4]])
    e = kf.explain("conv", x, h, at=(0, 0), show_outside=True)
    md = e.to_markdown()
    table = [ln for ln in md.splitlines() if ln.startswith("|")]
    assert len(table) == 2 + len(e.terms)
    assert md == e._repr_markdown_()
    tex = e.to_latex()
    assert tex.count(r"\cdot") >= 2 * len(e.inside) and r"\sum_{i,j}" in tex
    assert r"\begin{array}{l|l}" in tex and tex.rstrip().endswith(r"\]")
    assert M not in tex and "(-2)" in tex
    assert e._repr_latex_().startswith("$$") and r"\sum" in e._repr_latex_()
    html = e.to_html()
    assert html == e._repr_html_() and html.count("<tr") == 1 + len(e.terms)
    d = e.to_dict()
    assert json.loads(e.to_json()) == d
    assert d["value"] == e.value == int(kf.convolve(x, h, mode="same").at[0, 0])
    assert [t["image"] for t in d["terms"]] == [list(t.image) for t in e.terms]
    c = kf.explain("corr", [1.5, float("nan")], [1j, 2], at=0)
    assert json.loads(c.to_json()) == c.to_dict()


# --- errors ------------------------------------------------------------------------------------
def test_bad_arguments():
    with pytest.raises(ValueError, match="op='dot' is not accepted: use 'conv'"):
        kf.explain("dot", "7x7", "3x3")
    with pytest.raises(IndexError, match=r"at=\(5, 0\) is outside the output: y's indices .* "
                                         r"are -3\.\.3 × -3\.\.3"):
        kf.explain("conv", "7x7", "3x3", at=(5, 0))
    with pytest.raises(IndexError, match=r"\[column, row\] order .* -3\.\.3 × -1\.\.1"):
        kf.explain("conv", "3x7", "3x3", at=(0, 2), notation="article")
    with pytest.raises(ValueError, match="notation='matlab' is not accepted"):
        kf.explain("conv", "7x7", "3x3", notation="matlab")
    with pytest.raises(ValueError, match=r"at=\(1, 1, 1\) is not accepted: give 2 signed int"):
        kf.explain("conv", "7x7", "3x3", at=(1, 1, 1))
    with pytest.raises(ValueError, match="show_outside=-1 is not accepted"):
        kf.explain("conv", "7x7", "3x3", show_outside=-1)
    with pytest.raises(ValueError, match="x='7y7' is not accepted"):
        kf.explain("conv", "7y7", "3x3")
    with pytest.raises(ValueError, match="names= is for symbolic kernels"):
        kf.explain("conv", "7", [1, 2], names=["a", "b"])
    with pytest.raises(TypeError, match="h has dtype <U1"):
        kf.explain("conv", "7", ["a"])
    with pytest.raises(ValueError, match="give both the same number of axes"):
        kf.explain("conv", "7x7", "3")
    with pytest.raises(ValueError, match="cval=0.5 is not accepted for int64"):
        kf.explain("conv", [1, 2], [1], cval=0.5)
    with pytest.raises(ValueError, match=r"in explain\('conv', x: list \[0, 1, 2, .*\.\.\., h: 'a'"):
        kf.explain("conv", list(range(100)), "a")
