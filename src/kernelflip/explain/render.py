"""Renderers of an :class:`~kernelflip.explain.core.Explanation`: text, Markdown, LaTeX,
HTML and JSON-ready data.

Every renderer writes the same rows, one a term: the kernel subscript with
the numbers substituted (the article's left column), the subscript resolved
(its right column) and the term as it enters the sum; then the written-out
sum and, for numeric inputs, its value.  They only format: every index comes
from the explanation's terms, which come from the plan.
"""

from __future__ import annotations

import math
from html import escape

import numpy as np

from .core import ARROW, TIMES, Explanation, Term, resolved, substituted
from .symbols import MINUS, fmt_number, index_tuple, is_negative

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


def header(e: Explanation) -> list[str]:
    """The title, the definition, the inputs' index ranges and the options, one a line."""
    p = e.plan

    def rng(shape, start):
        return " \u00d7 ".join(_range(s, n) for s, n in zip(e.disp(start), e.disp(shape)))

    x_kind = "symbolic" if e.image_symbolic else "values"
    h_kind = "symbolic" if e.kernel_symbolic else "values"
    lines = [
        e.title,
        f"  {e.definition()}",
        (f"  image {_shape(e.disp(p.x_shape))} ({x_kind}), indices {rng(p.x_shape, p.x_start)}; "
         f"kernel {_shape(e.disp(p.h_shape))} ({h_kind}), indices {rng(p.h_shape, p.h_start)}"),
    ]
    opts = [f"mode {p.mode!r}", f"boundary {p.boundary!r}"]
    if p.boundary == "constant":
        opts[-1] += f" (cval {fmt_number(e.cval)})"
    if any(s != 1 for s in p.stride):
        opts.append(f"stride {_shape(e.disp(p.stride))}")
    if any(d != 1 for d in p.dilation):
        opts.append(f"dilation {_shape(e.disp(p.dilation))}")
    opts.append(f"indices printed {e.axis_order}")
    lines.append("  " + ", ".join(opts))
    if e.kernel_symbolic and e.kernel_names and e.plan.ndim <= 2 and len(e.kernel_names) <= 64:
        lines.append("  kernel values as stored, row by row from the top left: " + _names_grid(e))
    return lines


def _term_col(t: Term) -> str:
    return t.product if t.in_kernel else "\u2014"


# --- text ------------------------------------------------------------------------------
def to_text(e: Explanation, ascii: bool = False) -> str:
    """The article's layout: left the subscripts substituted, right resolved, then the sum.

    ``ascii=True`` writes ``-``, ``*``, ``->``, ``sum`` and ``|`` for the
    typographic minus, product dot, arrow, sigma and rule.
    """
    rows = [(f"{t.image_label}{TIMES}{t.substituted}", f"{t.image_label}{TIMES}{t.resolved}",
             _term_col(t), t.note, t.in_kernel) for t in e.terms]
    lines = header(e) + ["", f"{e.at_text} ="]
    w0 = max((len(r[0]) for r in rows), default=0)
    w1 = max((len(r[1]) for r in rows), default=0)
    w2 = max((len(r[2]) for r in rows), default=0)
    first = True
    for a, b, c, note, inside in rows:
        lead = "  " if (first or not inside) else "+ "
        first = first and not inside
        line = f"  {lead}{a:<{w0}}  \u2502  {b:<{w1}}  =  {c:<{w2}}"
        if note:
            line += f"   ({note})"
        lines.append(line.rstrip())
    lines += ["", e.sum_text]
    text = "\n".join(lines)
    return text.translate(_ASCII) if ascii else text


# --- Markdown ----------------------------------------------------------------------------
def _md(s: str) -> str:
    return "`" + s.replace("`", "'") + "`" if s else ""


def to_markdown(e: Explanation) -> str:
    """A bold title, the definition, a table of the terms and the written-out sum."""
    info = [line.strip() for line in header(e)[2:]]
    out = [f"**{e.title}**", "", f"{_md(e.definition())}  ", "  \n".join(info), ""]
    out += [f"| {e.at_text} | substituted | resolved | term | note |", "|---|---|---|---|---|"]
    first = True
    for t in e.terms:
        lead = "" if (first or not t.in_kernel) else "+"
        first = first and not t.in_kernel
        out.append(f"| {lead} | {_md(t.image_label + TIMES + t.substituted)} | "
                   f"{_md(t.image_label + TIMES + t.resolved)} | {_md(_term_col(t))} | "
                   f"{t.note.replace('|', '/')} |")
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


def latex_body(e: Explanation) -> str:
    r"""The display math of :func:`to_latex` without the ``\[ \]`` delimiters."""
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
            right += r" \quad \text{(not in the kernel: drops out)}"
        lines.append(f"{left} & {right} \\\\")
    lines += [r"\end{array}", r"\\"]
    terms = " + ".join(_tex_product(e, t) for t in e.inside) or "0"
    total = f"y{index_tuple(e.disp(e.at), '-')} = {terms}"
    if e.value is not None:
        total += f" = {_tex_number(e.value)}"
    lines += [total, r"\end{gathered}"]
    return "\n".join(lines)


def to_latex(e: Explanation) -> str:
    r"""A display-math block (``\[ ... \]``, amsmath): the definition, the two columns, the sum."""
    return (f"% kernelflip: {e.title}, indices printed {e.axis_order}\n"
            f"\\[\n{latex_body(e)}\n\\]")


# --- HTML --------------------------------------------------------------------------
def to_html(e: Explanation) -> str:
    """A small table for Jupyter: one row a term, then the sum."""
    head = "".join(f"<th>{h}</th>" for h in ("image", "substituted", "resolved", "term", "note"))
    body = "".join(
        f"<tr{'' if t.in_kernel else ' style=color:#888'}>"
        + "".join(f"<td>{escape(v)}</td>" for v in
                  (t.image_label, t.substituted, t.resolved, _term_col(t), t.note))
        + "</tr>" for t in e.terms)
    return (f"<div><p><b>{escape(e.title)}</b><br><code>{escape(e.definition())}</code>, "
            f"indices printed {escape(e.axis_order)}</p>"
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
