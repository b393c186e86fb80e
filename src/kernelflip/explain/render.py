"""Renderers of an :class:`~kernelflip.explain.core.Explanation`: text, Markdown, LaTeX,
HTML and JSON-ready data.

Every renderer writes the same rows, one a term: the kernel subscript with
the numbers substituted (the article's left column), the subscript resolved
(its right column) and the term as it enters the sum; then the written-out
sum and, for numeric inputs, its value.  They only format: every index comes
from the explanation's terms, which come from the plan.  ``lang="zh"`` takes
the words from the Chinese column of :mod:`kernelflip.explain.words`; the
indices, products and sums are the same in every language.
"""

from __future__ import annotations

import math
from html import escape

import numpy as np

from .core import ARROW, TIMES, Explanation, Term, resolved, substituted
from .symbols import MINUS, fmt_number, index_tuple, is_negative
from .words import axis_order, title, words
from .words import note as term_note

__all__ = ["to_text", "to_markdown", "to_latex", "latex_body", "to_html", "to_dict"]

_ASCII = str.maketrans({MINUS: "-", TIMES: "*", ARROW: "->", "\u03a3": "sum", "\u00d7": "x",
                        "\u2502": "|", "\u2014": "-"})


def _range(start: int, n: int) -> str:
    a, b = fmt_number(start), fmt_number(start + n - 1)
    return a if n == 1 else f"{a}..{b}"


def _shape(shape) -> str:
    return "\u00d7".join(str(v) for v in shape)


def _names_grid(e: Explanation) -> str:
    names = np.array(e.kernel_names, dtype=object).reshape(e.plan.h_shape)
    rows = names.reshape(-1, names.shape[-1])
    return " / ".join(" ".join(r) for r in rows)


def _order(e: Explanation, lang: str) -> str:
    return words(lang)["order"].format(axis_order(e, lang))


def header(e: Explanation, lang: str = "en") -> list[str]:
    """The title, the definition, the inputs' index ranges and the options, one a line."""
    p, w = e.plan, words(lang)

    def rng(shape, start):
        return " \u00d7 ".join(_range(s, n) for s, n in zip(e.disp(start), e.disp(shape)))

    lines = [
        title(e, lang),
        f"  {e.definition()}",
        "  " + w["inputs"].format(
            xs=_shape(e.disp(p.x_shape)), xi=rng(p.x_shape, p.x_start),
            xk=w["symbolic"] if e.image_symbolic else w["values"],
            hs=_shape(e.disp(p.h_shape)), hi=rng(p.h_shape, p.h_start),
            hk=w["symbolic"] if e.kernel_symbolic else w["values"]),
    ]
    opts = [w["mode"].format(repr(p.mode)), w["boundary"].format(repr(p.boundary))]
    if p.boundary == "constant":
        opts[-1] += w["cval"].format(fmt_number(e.cval))
    if any(s != 1 for s in p.stride):
        opts.append(w["stride"].format(_shape(e.disp(p.stride))))
    if any(d != 1 for d in p.dilation):
        opts.append(w["dilation"].format(_shape(e.disp(p.dilation))))
    opts.append(_order(e, lang))
    lines.append("  " + w["sep"].join(opts))
    if e.kernel_symbolic and e.kernel_names and e.plan.ndim <= 2 and len(e.kernel_names) <= 64:
        lines.append("  " + w["names"] + _names_grid(e))
    return lines


def _term_col(t: Term) -> str:
    return t.product if t.in_kernel else "\u2014"


def _note(e: Explanation, t: Term, lang: str) -> str:
    """The term's note in ``lang`` (the English one is the term's own ``note``)."""
    if lang == "en":
        return t.note
    src = None if t.source is None else "x" + index_tuple(e.disp(t.source))
    return term_note(lang, label=t.image_label, resolved=t.resolved, in_kernel=t.in_kernel,
                     in_image=t.in_image, source=src, boundary=e.plan.boundary,
                     cval=fmt_number(e.cval))


# --- text ------------------------------------------------------------------------------
def to_text(e: Explanation, ascii: bool = False, lang: str = "en") -> str:
    """The article's layout: left the subscripts substituted, right resolved, then the sum.

    ``ascii=True`` writes ``-``, ``*``, ``->``, ``sum`` and ``|`` for the
    typographic minus, product dot, arrow, sigma and rule (with ``lang="zh"``
    the words stay Chinese).  ``lang`` is ``'en'`` or ``'zh'``; the term rows
    and the sum are the same in both.

    >>> import kernelflip as kf
    >>> print(to_text(kf.explain("conv", [1, 2], [10, 1], at=0), lang="zh"))
    卷积，y[0]
      y[m] = Σ x[i]·h[m−i]
      图像 2（数值），索引 −1..0；内核 2（数值），索引 −1..0
      模式 'same'，边界 'constant'（cval 0），索引书写顺序为 [索引]
    <BLANKLINE>
    y[0] =
        x[0]·h[0−0]  │  x[0]·h[0]   =  2·1
      + x[1]·h[0−1]  │  x[1]·h[−1]  =  0·10   （x[1] 位于图像之外：取常数 0（constant 边界））
    <BLANKLINE>
    y[0] = 2·1 + 0·10 = 2
    """
    w = words(lang)
    rows = [(f"{t.image_label}{TIMES}{t.substituted}", f"{t.image_label}{TIMES}{t.resolved}",
             _term_col(t), _note(e, t, lang), t.in_kernel) for t in e.terms]
    lines = header(e, lang) + ["", f"{e.at_text} ="]
    w0 = max((len(r[0]) for r in rows), default=0)
    w1 = max((len(r[1]) for r in rows), default=0)
    w2 = max((len(r[2]) for r in rows), default=0)
    first = True
    for a, b, c, note, inside in rows:
        lead = "  " if (first or not inside) else "+ "
        first = first and not inside
        line = f"  {lead}{a:<{w0}}  \u2502  {b:<{w1}}  =  {c:<{w2}}"
        if note:
            line += w["note"].format(note)
        lines.append(line.rstrip())
    lines += ["", e.sum_text]
    text = "\n".join(lines)
    return text.translate(_ASCII) if ascii else text


# --- Markdown ----------------------------------------------------------------------------
def _md(s: str) -> str:
    return "`" + s.replace("`", "'") + "`" if s else ""


def to_markdown(e: Explanation, lang: str = "en") -> str:
    """A bold title, the definition, a table of the terms and the written-out sum."""
    head = header(e, lang)
    info = [line.strip() for line in head[2:]]
    cols = " | ".join(words(lang)["columns"].split("|"))
    out = [f"**{head[0]}**", "", f"{_md(e.definition())}  ", "  \n".join(info), ""]
    out += [f"| {e.at_text} | {cols} |", "|---|---|---|---|---|"]
    first = True
    for t in e.terms:
        lead = "" if (first or not t.in_kernel) else "+"
        first = first and not t.in_kernel
        out.append(f"| {lead} | {_md(t.image_label + TIMES + t.substituted)} | "
                   f"{_md(t.image_label + TIMES + t.resolved)} | {_md(_term_col(t))} | "
                   f"{_note(e, t, lang).replace('|', '/')} |")
    out += ["", _md(e.sum_text)]
    return "\n".join(out) + "\n"


# --- LaTeX -------------------------------------------------------------------------
def _tex_name(v) -> str:
    if isinstance(v, str):
        if v.startswith("x["):
            return v.replace(MINUS, "-")
        if len(v) > 1 and v[0].isalpha() and v[1:].isdigit():
            return f"{v[0]}_{{{v[1:]}}}"
        return v if len(v) == 1 else rf"\mathrm{{{v}}}"
    return _tex_number(v)


def _tex_number(v) -> str:
    if isinstance(v, (float, np.floating)) and not math.isfinite(float(v)):
        return {"nan": r"\mathrm{NaN}", "inf": r"\infty", "-inf": r"-\infty"}[repr(float(v))]
    text = fmt_number(v, minus="-")
    return rf"\left({text[1:-1]}\right)" if text.startswith("(") else text


def _tex_factor(v) -> str:
    t = _tex_name(v)
    return f"({t})" if not isinstance(v, str) and is_negative(v) else t


def _tex_product(e: Explanation, t: Term) -> str:
    k = _tex_factor(t.kernel_value)
    if t.conj:
        k = rf"\overline{{{k}}}"
    return rf"{_tex_factor(t.image_value)} \cdot {k}"


def latex_body(e: Explanation, lang: str = "en") -> str:
    r"""The display math of :func:`to_latex` without the ``\[ \]`` delimiters."""
    dropped = words(lang)["latex.dropped"]
    thin = r",\,"
    defn = e.definition(minus="-", times=r" \cdot ")
    ins = defn.split(" x[", 1)[1].split("]", 1)[0]
    defn = defn.replace("\u03a3", rf"\sum_{{{ins}}}")
    if e.conj:
        defn = defn.replace("conj(", r"\overline{").replace("])", "]}")
    lines = [r"\begin{gathered}", defn, r"\\", r"\begin{array}{l|l}"]
    for t in e.terms:
        xi = index_tuple(e.disp(t.image), "-")
        sub = substituted(e, t.image, minus="-", sep=thin)
        res = resolved(e, t.kernel, minus="-")
        left = rf"x{xi} \cdot {sub}"
        right = rf"x{xi} \cdot {res}"
        if t.in_kernel:
            right += " = " + _tex_product(e, t)
        else:
            left = rf"\big({left}\big)"
            right += rf" \quad \text{{{dropped}}}"
        lines.append(f"{left} & {right} \\\\")
    lines += [r"\end{array}", r"\\"]
    terms = " + ".join(_tex_product(e, t) for t in e.inside) or "0"
    total = f"y{index_tuple(e.disp(e.at), '-')} = {terms}"
    if e.value is not None:
        total += f" = {_tex_number(e.value)}"
    lines += [total, r"\end{gathered}"]
    return "\n".join(lines)


def to_latex(e: Explanation, lang: str = "en") -> str:
    r"""A display-math block (``\[ ... \]``, amsmath): the definition, the two columns, the sum.

    With ``lang="zh"`` the ``\text{...}`` notes are Chinese: MathJax shows
    them; a LaTeX document needs a CJK setup (xeCJK or ctex) to typeset them.
    """
    w = words(lang)
    return (f"% kernelflip: {title(e, lang)}{w['sep']}{_order(e, lang)}\n"
            f"\\[\n{latex_body(e, lang)}\n\\]")


# --- HTML --------------------------------------------------------------------------
def to_html(e: Explanation, lang: str = "en") -> str:
    """A small table for Jupyter: one row a term, then the sum."""
    w = words(lang)
    cols = [w["image"], *w["columns"].split("|")]
    head = "".join(f"<th>{h}</th>" for h in cols)
    body = "".join(
        f"<tr{'' if t.in_kernel else ' style=color:#888'}>"
        + "".join(f"<td>{escape(v)}</td>" for v in
                  (t.image_label, t.substituted, t.resolved, _term_col(t), _note(e, t, lang)))
        + "</tr>" for t in e.terms)
    return (f"<div><p><b>{escape(title(e, lang))}</b><br><code>{escape(e.definition())}</code>"
            f"{w['sep']}{escape(_order(e, lang))}</p>"
            f"<table><tr>{head}</tr>{body}</table><p>{escape(e.sum_text)}</p></div>")


# --- JSON-ready data -------------------------------------------------------------------
def _json_value(v):
    """JSON-native form of a value: names and ints as they are; non-finite floats and
    complex numbers as strings (so ``json.loads(to_json()) == to_dict()``)."""
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, (bool, np.bool_, int, np.integer)):
        return int(v)
    if isinstance(v, (complex, np.complexfloating)):
        return fmt_number(v, minus="-")
    f = float(v)
    return f if math.isfinite(f) else repr(f)


def _lst(t):
    return None if t is None else [int(v) for v in t]


def to_dict(e: Explanation) -> dict:
    """JSON-ready data.  Index lists are in numpy order; strings follow the notation."""
    p = e.plan
    return {
        "op": e.op,
        "convention": e.convention,
        "notation": e.notation,
        "axis_order": e.axis_order,
        "at": _lst(e.at),
        "at_text": e.at_text,
        "definition": e.definition(),
        "mode": p.mode if isinstance(p.mode, str) else [list(w) for w in p.mode],
        "boundary": p.boundary,
        "cval": _json_value(e.cval),
        "stride": _lst(p.stride),
        "dilation": _lst(p.dilation),
        "image": {"shape": _lst(p.x_shape), "start": _lst(p.x_start),
                  "symbolic": e.image_symbolic},
        "kernel": {"shape": _lst(p.h_shape), "start": _lst(p.h_start),
                   "symbolic": e.kernel_symbolic,
                   "names": list(e.kernel_names) if e.kernel_names else None},
        "conj": e.conj,
        "terms": [
            {"image": _lst(t.image), "kernel": _lst(t.kernel), "tap": _lst(t.tap),
             "in_kernel": t.in_kernel, "in_image": t.in_image, "source": _lst(t.source),
             "image_label": t.image_label, "substituted": t.substituted,
             "resolved": t.resolved, "kernel_value": _json_value(t.kernel_value),
             "image_value": _json_value(t.image_value), "product": t.product,
             "note": t.note}
            for t in e.terms
        ],
        "expression": e.expression,
        "sum_text": e.sum_text,
        "value": _json_value(e.value),
    }
