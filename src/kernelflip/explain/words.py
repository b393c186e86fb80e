"""The worked examples' words, in English and Chinese (``lang="en"`` / ``"zh"``).

One table: the renderers in :mod:`kernelflip.explain.render` take every
phrase from here and never write prose of their own.  Indices, subscripts,
products and sums are mathematical notation and read the same in both
languages; only the words around them change.  The Chinese follows the seed
article's terms: 卷积 (convolution), 互相关 (cross-correlation), 内核
(kernel), 图像 (image), 输出 (output), 索引 (index), 翻转 (flipped).
Argument values such as ``'same'`` or ``'reflect'`` are kept as written,
since they are what a reader types.

>>> words("zh")["conv"]
'卷积'
>>> words("fr")
Traceback (most recent call last):
...
kernelflip.errors.ArgumentError: lang='fr' is not accepted: use 'en' or 'zh'
"""

from __future__ import annotations

from ..errors import ArgumentError

__all__ = ["LANGS", "WORDS", "words", "title", "axis_order", "note"]

LANGS = ("en", "zh")

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "conv": "convolution",
        "corr.standard": "cross-correlation (standard convention)",
        "corr.article": "cross-correlation (the article's convention)",
        "title": "{name}, {at}",
        "symbolic": "symbolic",
        "values": "values",
        "inputs": "image {xs} ({xk}), indices {xi}; kernel {hs} ({hk}), indices {hi}",
        "mode": "mode {}",
        "boundary": "boundary {}",
        "cval": " (cval {})",
        "stride": "stride {}",
        "dilation": "dilation {}",
        "order": "indices printed {}",
        "sep": ", ",
        "names": "kernel values as stored, row by row from the top left: ",
        "axes": "index|row|column|plane|axis {}",
        "note": "   ({})",
        "note.dropped": "{h} is not a kernel element: the term drops out",
        "note.constant": "{x} is outside the image: {boundary} {cval}",
        "note.source": "{x} \u2192 {src} ({boundary})",
        "columns": "substituted|resolved|term|note",
        "image": "image",
        "latex.dropped": "(not in the kernel: drops out)",
    },
    "zh": {
        "conv": "卷积",
        "corr.standard": "互相关（标准约定）",
        "corr.article": "互相关（原文约定）",
        "title": "{name}，{at}",
        "symbolic": "符号值",
        "values": "数值",
        "inputs": "图像 {xs}（{xk}），索引 {xi}；内核 {hs}（{hk}），索引 {hi}",
        "mode": "模式 {}",
        "boundary": "边界 {}",
        "cval": "（cval {}）",
        "stride": "步幅 {}",
        "dilation": "膨胀 {}",
        "order": "索引书写顺序为 {}",
        "sep": "，",
        "names": "内核按存储顺序的值（从左上角起逐行）：",
        "axes": "索引|行|列|平面|轴 {}",
        "note": "   （{}）",
        "note.dropped": "{h} 不是内核元素：该项舍去",
        "note.constant": "{x} 位于图像之外：取常数 {cval}（{boundary} 边界）",
        "note.source": "{x} \u2192 {src}，{boundary} 边界",
        "columns": "代入|算出|项|说明",
        "image": "图像",
        "latex.dropped": "（不是内核元素：舍去）",
    },
}


def words(lang: str) -> dict[str, str]:
    """The phrase table of one language, ``'en'`` or ``'zh'``; ArgumentError otherwise.

    >>> words("en")["conv"], words("zh")["conv"]
    ('convolution', '卷积')
    """
    if not isinstance(lang, str) or lang not in WORDS:
        raise ArgumentError(
            f"lang={lang!r} is not accepted: use " + " or ".join(repr(v) for v in LANGS)
        )
    return WORDS[lang]


def title(e, lang: str = "en") -> str:
    """``convolution, y[1,1]`` (``卷积，y[1,1]``): the operation named, then the output index.

    >>> import kernelflip as kf
    >>> title(kf.explain("corr", "5", "3", at=1, convention="article"), "zh")
    '互相关（原文约定），y[1]'
    """
    w = words(lang)
    name = w["conv"] if e.op == "conv" else w[f"corr.{e.convention}"]
    return w["title"].format(name=name, at=e.at_text)


def axis_order(e, lang: str = "en") -> str:
    """What each position of a printed index means: ``[column, row]`` (``[列, 行]``).

    >>> import kernelflip as kf
    >>> axis_order(kf.explain("conv", "7x7", "3x3", notation="article"), "zh")
    '[列, 行]'
    """
    one, row, col, plane, axis = words(lang)["axes"].split("|")
    names = {1: (one,), 2: (row, col), 3: (plane, row, col)}.get(
        e.ndim, tuple(axis.format(a) for a in range(e.ndim)))
    return "[" + ", ".join(e.disp(names)) + "]"


def note(lang: str, *, label: str, resolved: str, in_kernel: bool, in_image: bool,
         source: str | None, boundary: str, cval: str) -> str:
    """Why a term drops out, or what a pixel beyond the image stands for; '' otherwise.

    ``label`` is the image index written (``x[−1,0]``), ``source`` the index
    the boundary reads instead (None for a constant), ``cval`` the constant
    written out.

    >>> note("zh", label="x[3]", resolved="h[2]", in_kernel=False, in_image=True,
    ...      source=None, boundary="constant", cval="0")
    'h[2] 不是内核元素：该项舍去'
    """
    w = words(lang)
    if not in_kernel:
        return w["note.dropped"].format(h=resolved)
    if in_image:
        return ""
    if source is None:
        return w["note.constant"].format(x=label, boundary=boundary, cval=cval)
    return w["note.source"].format(x=label, src=source, boundary=boundary)
