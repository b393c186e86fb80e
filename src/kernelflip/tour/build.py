"""Build the tour: the article's walkthrough for any sizes and output index, as HTML and Markdown.

Every index in the text comes from the plan (through the drawings, through
``kf.explain`` for the worked examples, and through ``plan.terms``/``patch``
for the sentences that name a pixel); every claim with numbers in it is
checked by computing it with ``kf.convolve``/``kf.correlate``.
"""

from __future__ import annotations

import base64
import html
import io
import os
from dataclasses import dataclass, field

import numpy as np

from ..errors import ArgumentError
from ..lattice import centered_start
from ..plan import make_plan
from .text import words

__all__ = ["Tour", "Section", "Picture", "build_tour", "parse_values", "NAMED_KERNELS"]

NAMED_KERNELS = {
    "sobel-x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "sobel-y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "prewitt-x": [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]],
    "laplace": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "shift": [[0, 0, 0], [0, 0, 1], [0, 0, 0]],
}


@dataclass
class Picture:
    """One figure of the tour: encoded image bytes plus its caption."""

    name: str
    caption: str
    data: bytes
    mime: str = "image/png"

    @property
    def filename(self) -> str:
        return self.name + (".gif" if self.mime == "image/gif" else ".png")

    def data_uri(self) -> str:
        return f"data:{self.mime};base64," + base64.b64encode(self.data).decode("ascii")


@dataclass
class Section:
    """A titled part of the tour: a list of blocks ('p', text) | ('pre', text) | ('ul', items)
    | ('fig', Picture)."""

    key: str
    title: str
    blocks: list = field(default_factory=list)


@dataclass
class Tour:
    """The walkthrough: sections in order, the worked-example text and the numeric checks."""

    title: str
    subtitle: str
    lang: str
    sections: list
    worked_text: str
    checks: dict
    footer: str = ""

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)

    def pictures(self) -> list:
        return [b[1] for s in self.sections for b in s.blocks if b[0] == "fig"]

    # --- renderers -----------------------------------------------------------------
    def to_html(self, full: bool = True) -> str:
        """One self-contained page: CSS inline, figures as base64 data URIs."""
        e = html.escape
        out = [f"<h1>{e(self.title)}</h1>", f"<p class='sub'>{e(self.subtitle)}</p>",
               "<nav><ol>" + "".join(f"<li><a href='#{s.key}'>{e(s.title)}</a></li>"
                                     for s in self.sections) + "</ol></nav>"]
        for s in self.sections:
            out.append(f"<section id='{s.key}'><h2>{e(s.title)}</h2>")
            for kind, body in s.blocks:
                if kind == "p":
                    out.append(f"<p>{e(body)}</p>")
                elif kind == "pre":
                    out.append(f"<pre>{e(body)}</pre>")
                elif kind == "ul":
                    out.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in body) + "</ul>")
                else:
                    out.append(f"<figure><img src='{body.data_uri()}' alt='{e(body.caption)}'>"
                               f"<figcaption>{e(body.caption)}</figcaption></figure>")
            out.append("</section>")
        out.append(f"<footer>{e(self.footer)}</footer>")
        body = "\n".join(out)
        if not full:
            return f"<div class='kernelflip-tour'>{body}</div>"
        lang = "zh-CN" if self.lang == "zh" else "en"
        return (f"<!DOCTYPE html>\n<html lang='{lang}'><head><meta charset='utf-8'>"
                f"<title>{e(self.title)}</title><style>{_CSS}</style></head>"
                f"<body>\n{body}\n</body></html>\n")

    def to_markdown(self, figdir: str = "figures") -> str:
        """Markdown with the figures as files under ``figdir`` (see :meth:`write`)."""
        out = [f"# {self.title}", "", self.subtitle, ""]
        for s in self.sections:
            out += [f"## {s.title}", ""]
            for kind, body in s.blocks:
                if kind == "p":
                    out += [body, ""]
                elif kind == "pre":
                    out += ["```text", body, "```", ""]
                elif kind == "ul":
                    out += [f"- {i}" for i in body] + [""]
                else:
                    out += [f"![{body.caption}]({figdir}/{body.filename})", "",
                            f"*{body.caption}*", ""]
        out += ["---", self.footer, ""]
        return "\n".join(out)

    def write(self, out_dir) -> dict:
        """Write tour.html, tour.md and figures/; returns {'html': path, 'markdown': path, ...}."""
        out_dir = os.fspath(out_dir)
        figdir = os.path.join(out_dir, "figures")
        os.makedirs(figdir, exist_ok=True)
        for p in self.pictures():
            with open(os.path.join(figdir, p.filename), "wb") as f:
                f.write(p.data)
        paths = {"html": os.path.join(out_dir, "tour.html"),
                 "markdown": os.path.join(out_dir, "tour.md"), "figures": figdir}
        with open(paths["html"], "w", encoding="utf-8") as f:
            f.write(self.to_html())
        with open(paths["markdown"], "w", encoding="utf-8") as f:
            f.write(self.to_markdown())
        return paths

    def _repr_html_(self) -> str:  # Jupyter
        return self.to_html(full=False)

    def _repr_markdown_(self) -> str:  # Jupyter (figures as files are not there: text only)
        return self.to_markdown()


_CSS = ("body{font-family:system-ui,'Noto Sans','PingFang SC','Microsoft YaHei',sans-serif;"
        "max-width:70em;margin:2em auto;padding:0 1em;line-height:1.55;color:#222}"
        "pre{background:#f6f6f6;padding:.8em;overflow-x:auto;font-size:.9em}"
        "figure{margin:1.2em 0}img{max-width:100%;height:auto}"
        "figcaption{font-size:.9em;color:#555}.sub{color:#555}h2{margin-top:2em}"
        "footer{margin-top:3em;font-size:.85em;color:#777}")


def parse_values(values, h_shape) -> np.ndarray:
    """Kernel values from a name (``sobel-x``, ...), ``"1,2,3;4,5,6;7,8,9"``, a list or an array.

    >>> parse_values("1,2,3,4,5,6,7,8,9", (3, 3)).tolist()
    [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    >>> parse_values("sobel-x", (3, 3))[1].tolist()
    [-2, 0, 2]
    """
    if isinstance(values, str):
        key = values.strip().lower()
        if key in NAMED_KERNELS:
            arr = np.array(NAMED_KERNELS[key])
        else:
            try:
                rows = [[_number(v) for v in r.split(",") if v.strip()]
                        for r in key.split(";") if r.strip()]
                arr = np.array(rows)
            except ValueError:
                raise ArgumentError(
                    f"values={values!r} is not accepted: give numbers such as "
                    f"'1,2,3;4,5,6;7,8,9' or a name ({', '.join(NAMED_KERNELS)})"
                ) from None
    else:
        arr = np.asarray(values)
    if arr.dtype == object or arr.size == 0 or not np.issubdtype(arr.dtype, np.number):
        raise ArgumentError(f"values={values!r} is not accepted: give real numbers")
    if arr.size == h_shape[0] * h_shape[1] and arr.shape != tuple(h_shape):
        arr = arr.reshape(h_shape)
    if arr.shape != tuple(h_shape):
        raise ArgumentError(
            f"values={values!r} has {arr.size} numbers (shape {arr.shape}) but the kernel is "
            f"{h_shape[0]}x{h_shape[1]}: give {h_shape[0] * h_shape[1]} numbers"
        )
    return arr


def _number(text: str):
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        return float(text)


def _png(fig, dpi: int = 96) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def _worked(op, convention, at_np, x, h, notation, lang: str = "en") -> str:
    """The article's two-column worked example, from kf.explain (plan terms if it is absent),
    its words in ``lang``."""
    at_n = tuple(at_np[::-1]) if notation == "article" else tuple(at_np)
    try:
        from ..explain import explain
    except ImportError:  # pragma: no cover - explain ships with the core
        explain = None
    if explain is not None:
        return explain(op, x, h, at=at_n, mode="full", convention=convention,
                       notation=notation, show_outside=True).to_text(lang=lang)
    from ..draw._style import fmt_index, value_names
    xs, hs = np.shape(x) if not isinstance(x, str) else x, np.shape(h)
    plan = make_plan(op, xs, hs, convention=convention)
    names = value_names(hs, notation=notation)
    parts = [f"x{fmt_index(p.image, notation)}·{names[p.tap]}" for p in plan.terms(at_np)]
    return f"y{fmt_index(at_np, notation)} = " + " + ".join(parts)


def build_tour(image="7x7", kernel="3x3", at=(1, 1), *, values=None, lang: str = "en",
               notation: str = "article", animation: bool = True) -> Tour:
    """The article's walkthrough for an image and kernel size and one output index.

    ``at`` is written in ``notation`` ([column,row] for the article).  The
    defaults reproduce the article: 7×7 image (indices −3..3), 3×3 kernel a..i,
    output y[1,1].  ``values`` gives the kernel numbers (see
    :func:`parse_values`); the image is then 0, 1, 2, ... row by row.

    >>> t = build_tour(animation=False)
    >>> [s.key for s in t.sections][:3]
    ['intro', 'indices', 'conv']
    >>> t.checks["backprop"], t.checks["article"]
    (True, True)
    """
    from .. import __version__, convolve, correlate
    from ..draw import (
        alignment_figure,
        animate,
        image_figure,
        kernel_figure,
        numeric_figure,
        patch_figure,
        region_map_figure,
    )
    from ..draw._style import check_notation, fmt_index, shape2
    from ..draw.figures import kernel_labels
    from ..lattice import indexed

    w = words(lang)
    check_notation(notation)
    x_shape, h_shape = shape2(image, "image"), shape2(kernel, "kernel")
    try:
        at = tuple(int(v) for v in at)
    except (TypeError, ValueError):
        raise ArgumentError(
            f"at={at!r} is not accepted: give two integers such as (1, 1)"
        ) from None
    if len(at) != 2:
        raise ArgumentError(f"at={at!r} is not accepted: give two integers such as (1, 1)")
    at_np = (at[1], at[0]) if notation == "article" else at
    neg_np = (-at_np[0], -at_np[1])
    if h_shape[0] > x_shape[0] or h_shape[1] > x_shape[1]:
        raise ArgumentError(
            f"kernel={kernel!r} is larger than image={image!r}: the tour needs a kernel no "
            "larger than the image on each axis"
        )
    conv_plan = make_plan("conv", x_shape, h_shape)
    conv_plan.check_output_index(at_np)
    art_plan = make_plan("corr", x_shape, h_shape, convention="article")
    neg_ok = all(v in r for v, r in zip(neg_np, art_plan.out_ranges()))
    h_values = parse_values(values, h_shape) if values is not None else None
    labels = kernel_labels(h_shape, h_values, notation=notation)
    f = {"at": fmt_index(at_np, notation), "neg": fmt_index(neg_np, notation),
         "n_img": f"{x_shape[0]}×{x_shape[1]}", "n_ker": f"{h_shape[0]}×{h_shape[1]}",
         "k_range": _range_text(h_shape, notation), "x_range": _range_text(x_shape, notation)}
    terms = {p.image: p for p in conv_plan.terms(at_np)}
    (r0, _), (c0, _) = conv_plan.patch(at_np)
    first = terms[(r0, c0)]
    f.update(first=fmt_index(first.image, notation), last_tap=fmt_index(first.tap, notation),
             flip_name=labels[first.tap])

    def pic(name, caption, fig):
        return ("fig", Picture(name, caption, _png(fig)))

    sym_x, sym_h = f"{x_shape[0]}x{x_shape[1]}", f"{h_shape[0]}x{h_shape[1]}"
    conv_text = _worked("conv", "standard", at_np, sym_x, sym_h, notation, lang)
    sections = [
        Section("intro", w["intro.t"], [("p", w["intro.p"])]),
        Section("indices", w["indices.t"], [
            ("p", w["indices.p"].format(**f)),
            pic("kernel", w["cap.kernel"], kernel_figure(h_shape, notation=notation)),
            pic("image", w["cap.image"], image_figure(x_shape, notation=notation))]),
        Section("conv", w["conv.t"], [("p", w["conv.p"]), ("pre", conv_text)]),
        Section("flip", w["flip.t"], [
            ("p", w["flip.p"].format(**f)),
            pic("align-conv", w["cap.align_conv"].format(**f),
                alignment_figure("conv", x_shape, h_shape, at_np, notation=notation))]),
    ]
    # correlation: both conventions, checked numerically
    rng = np.random.default_rng(0)
    xr = rng.integers(-9, 10, x_shape)
    hr = rng.integers(-9, 10, h_shape) if h_values is None else h_values
    y_std = correlate(xr, hr, mode="full")
    y_art = correlate(xr, hr, mode="full", convention="article")
    ok_art = all(y_art.at[m, n] == y_std.at[-m, -n] for m in y_art.ranges()[0]
                 for n in y_art.ranges()[1])
    check_art = w["corr.check.line"].format(n=y_art.size, ok=ok_art)
    corr_blocks = [("p", w["corr.p"].format(**f)),
                   pic("patches", w["cap.patches"].format(**f), patch_figure(
                       x_shape, h_shape, at_np, notation=notation,
                       panels=None if neg_ok else [("conv", "standard", at_np),
                                                   ("corr", "standard", at_np),
                                                   ("corr", "article", at_np)]))]
    if neg_ok:
        corr_blocks += [("pre", _worked("corr", "article", neg_np, sym_x, sym_h, notation, lang)),
                        pic("align-corr-article", w["cap.align_corr_article"].format(**f),
                            alignment_figure("corr", x_shape, h_shape, neg_np,
                                             convention="article", notation=notation))]
    corr_blocks += [pic("align-corr", w["cap.align_corr"].format(**f),
                        alignment_figure("corr", x_shape, h_shape, at_np, notation=notation)),
                    ("pre", w["corr.check"].format(check=check_art))]
    sections.append(Section("corr", w["corr.t"], corr_blocks))
    maps = [("p", w["maps.p"]), pic("region-map", w["cap.map"],
                                    region_map_figure(x_shape, h_shape, notation=notation))]
    if animation:
        # 'same' shows the zero padding; beyond 25 frames 'valid' keeps the tour fast
        mode = "same" if x_shape[0] * x_shape[1] <= 25 else "valid"
        xa = np.arange(x_shape[0] * x_shape[1]).reshape(x_shape) if h_values is not None else None
        anim = animate(x_shape, h_shape, mode=mode, notation=notation, x_values=xa,
                       h_values=h_values)
        maps.append(("fig", Picture("slide", w["cap.slide"].format(mode=repr(mode)),
                                    anim.gif_bytes(), "image/gif")))
    sections.append(Section("maps", w["maps.t"], maps))
    num = [("p", w["numeric.p"])]
    if h_values is not None:
        num.append(pic("numeric", w["cap.numeric"],
                       numeric_figure(kernel=h_values, kernel_name="h")))
        xa = np.arange(x_shape[0] * x_shape[1]).reshape(x_shape)
        num += [("p", w["numeric.values"]),
                ("pre", _worked("conv", "standard", at_np, xa, h_values, notation, lang)),
                pic("align-conv-values", w["cap.values"].format(**f), alignment_figure(
                    "conv", x_shape, h_shape, at_np, notation=notation, x_values=xa,
                    h_values=h_values))]
    else:
        num.append(pic("numeric", w["cap.numeric"], numeric_figure()))
    sections.append(Section("numeric", w["numeric.t"], num))
    sections.append(Section("summary", w["summary.t"],
                            [("ul", w["summary.items"].format(**f).split("\n"))]))
    ok_bp, check_bp = _backprop_check(xr, hr, convolve, correlate, indexed,
                                      w["backprop.check.line"])
    sections.append(Section("backprop", w["backprop.t"], [
        ("p", w["backprop.p"]), ("pre", w["backprop.check"].format(check=check_bp))]))
    return Tour(w["title"], w["subtitle"].format(**f), lang, sections, conv_text,
                {"article": ok_art, "backprop": ok_bp, "article_text": check_art,
                 "backprop_text": check_bp}, w["footer"].format(version=__version__))


def _range_text(shape, notation: str) -> str:
    r = [f"{s}..{s + n - 1}" for s, n in zip(centered_start(shape), shape)]
    if notation == "article":
        return f"i: {r[1]}, j: {r[0]}"
    return f"i: {r[0]}, j: {r[1]}"


def _backprop_check(x, h, convolve, correlate, indexed, line=None):
    """dL/dx of L = <g, correlate(x, h, 'valid')>, pixel by pixel, vs convolve(g, h, 'full')."""
    y = correlate(x, h, mode="valid")
    g = indexed(np.random.default_rng(1).integers(-5, 6, y.shape), start=y.start)
    base = int(np.sum(y.values * g.values))
    # all single-pixel perturbations at once: a stack along a new axis, kernel size 1 there
    stack = np.repeat(x[None], x.size, axis=0)
    stack.reshape(x.size, -1)[np.arange(x.size), np.arange(x.size)] += 1
    ys = correlate(stack, h[None], mode="valid").values
    grad = ((ys * g.values[None]).reshape(x.size, -1).sum(axis=1) - base).reshape(x.shape)
    full = convolve(g, h, mode="full")
    x_lat = indexed(x, start=centered_start(x.shape))
    same = full.same_lattice(x_lat)
    ok = bool(same and np.array_equal(full.values, grad))
    diff = int(np.abs(full.values - grad).max()) if full.shape == grad.shape else None
    rng_txt = "×".join(f"{r.start}..{r[-1]}" for r in full.ranges())
    y_txt = "×".join(f"{r.start}..{r[-1]}" for r in y.ranges())
    line = words("en")["backprop.check.line"] if line is None else line
    text = line.format(y_rng=y_txt, n=x.size, x_rng=rng_txt, ok=ok, diff=diff)
    return ok, text
