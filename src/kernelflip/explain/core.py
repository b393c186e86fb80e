"""Worked examples: the terms of one output element, read from the index plan.

:func:`explain` asks :meth:`kernelflip.plan.Plan.terms` which image index
meets which kernel index at one output index, and writes each meeting the
way the article does: the kernel subscript with the numbers substituted
(``h[1−0, 1−0]``, its left column), the subscript resolved (``h[1,1]``, its
right column) and the kernel value there (``i``).  Nothing here computes an
index range or a pairing of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ..dtypes import as_numeric, working_dtype
from ..errors import ArgumentError, ArgumentTypeError, IndexRangeError, KernelflipError, enrich
from ..lattice import Indexed, centered_start
from ..plan import Plan, make_plan
from .symbols import (
    MINUS,
    check_names,
    fmt_fraction,
    fmt_int,
    fmt_number,
    index_tuple,
    is_negative,
    is_shape_text,
    kernel_names,
    parse_shape,
)
from .words import note as term_note

__all__ = ["explain", "Explanation", "Term", "NOTATIONS", "OP_NAMES"]

NOTATIONS = ("numpy", "article")
OP_NAMES = {"conv": "conv", "convolve": "conv", "convolution": "conv",
            "corr": "corr", "correlate": "corr", "correlation": "corr",
            "cross-correlation": "corr", "xcorr": "corr"}
TIMES = "\u00b7"
ARROW = "\u2192"

_OUT_LETTERS = "mnpq"
_IN_LETTERS = "ijkl"


# --- inputs ----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Operand:
    """One input: its shape, start, and values (None when symbolic)."""

    shape: tuple[int, ...]
    start: tuple[int, ...]
    values: np.ndarray | None


def _operand(a, name: str, start) -> _Operand:
    """Read an image or kernel: Indexed, array-like, or a shape (tuple of ints, int, '7x7')."""
    shape = None
    if isinstance(a, str):
        if not is_shape_text(a):
            raise ArgumentError(
                f"{name}={a!r} is not accepted: give an array, an Indexed array, or a shape "
                "such as (7, 7) or '7x7'"
            )
        shape = parse_shape(a, name)
    elif isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_)):
        shape = (int(a),)
    elif isinstance(a, tuple) and a and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in a):
        shape = tuple(int(v) for v in a)
    if shape is not None:
        if any(n < 1 for n in shape):
            raise ArgumentError(f"{name}={a!r} is not accepted: every size must be >= 1")
        return _Operand(shape, centered_start(shape) if start is None else start, None)
    if isinstance(a, Indexed):
        if any(s != 1 for s in a.step):
            raise ArgumentError(
                f"{name} has lattice step {a.step}: inputs must have step 1 on every axis"
            )
        vals = as_numeric(a.values, name)
        return _Operand(vals.shape, a.start if start is None else start, vals)
    vals = as_numeric(a, name)
    return _Operand(vals.shape, centered_start(vals.shape) if start is None else start, vals)


def _norm_op(op) -> str:
    if not isinstance(op, str) or op.lower() not in OP_NAMES:
        raise ArgumentError(
            f"op={op!r} is not accepted: use 'conv' (or 'convolve') or 'corr' (or 'correlate')"
        )
    return OP_NAMES[op.lower()]


def _norm_at(at, ndim: int, notation: str) -> tuple[int, ...]:
    """``at`` in the notation's order, as a tuple in numpy order."""
    if at is None:
        return (0,) * ndim
    if isinstance(at, (int, np.integer)) and not isinstance(at, (bool, np.bool_)):
        at = (int(at),)
    try:
        at = tuple(at)
    except TypeError:
        raise ArgumentTypeError(
            f"at={at!r} is not accepted: give one signed int per axis, e.g. at=(1, 1)"
        ) from None
    if len(at) != ndim or any(isinstance(v, (bool, np.bool_)) or
                              not isinstance(v, (int, np.integer)) for v in at):
        raise ArgumentError(
            f"at={at!r} is not accepted: give {ndim} signed int(s), one per axis"
        )
    at = tuple(int(v) for v in at)
    return at[::-1] if notation == "article" else at


# --- the model -------------------------------------------------------------------------
@dataclass(frozen=True)
class Term:
    """One image index meeting one kernel index at the explained output.

    Tuples are in numpy axis order; the strings are in the explanation's notation.

    Attributes
    ----------
    image : the image index ``i`` of the defining sum.
    kernel : the kernel subscript the sum puts there (``m−i``, ``i−m`` or ``m+i``),
        on the dilated lattice (``dilation * tap``).
    tap : the kernel element's own index, or None when the subscript names none.
    in_kernel : whether the subscript names a kernel element (only False with show_outside).
    in_image : whether ``image`` lies inside the image.
    source : the image index whose value is read: ``image`` itself inside the image,
        the boundary's stand-in outside it (``reflect``: x[3,−4] → x[3,−2]), None
        where the boundary is a constant.
    kernel_value : the kernel value's name (``'a'``), its number, or None outside the kernel.
    image_value : the image value's name (``'x[0,0]'``), its number, or the constant.
    substituted : the kernel subscript with the numbers put in, ``h[1−0, 1−0]``.
    resolved : the subscript worked out, ``h[1,1]``.
    note : what a boundary pixel stands for, or why a term drops out; '' otherwise.
    """

    image: tuple[int, ...]
    kernel: tuple[int, ...]
    tap: tuple[int, ...] | None
    in_kernel: bool
    in_image: bool
    source: tuple[int, ...] | None
    kernel_value: object
    image_value: object
    substituted: str
    resolved: str
    note: str = ""
    image_label: str = ""  # x[i,j] in the notation (what the left column multiplies)
    conj: bool = False  # standard correlation of a complex kernel: the sum takes conj(h)

    @property
    def product(self) -> str:
        """The term as the written-out sum has it (``x[0,0]·i``, ``3·(−2)``); '' if it drops out."""
        if not self.in_kernel:
            return ""
        k = _factor(self.kernel_value)
        if self.conj:
            k = f"conj{k}" if k.startswith("(") else f"conj({k})"
        return f"{_factor(self.image_value)}{TIMES}{k}"


def _factor(v) -> str:
    if isinstance(v, str):
        return v
    text = fmt_number(v)
    return f"({text})" if is_negative(v) else text


@dataclass(frozen=True)
class Explanation:
    """A worked example of one output element; render with ``to_text()``, ``to_markdown()``,
    ``to_latex()``, ``to_dict()``/``to_json()``, or just print it.

    ``at`` and every index tuple here are in numpy order (row, column, ...);
    the rendered strings follow ``notation``.
    """

    op: str
    convention: str
    notation: str
    at: tuple[int, ...]
    plan: Plan
    terms: tuple[Term, ...]
    value: object
    image_symbolic: bool
    kernel_symbolic: bool
    conj: bool
    cval: object
    kernel_names: tuple[str, ...] | None = field(default=None, repr=False)

    # --- notation helpers ----------------------------------------------------------
    def disp(self, index: Sequence[int]) -> tuple[int, ...]:
        """An index tuple in the notation's order (article: reversed, [column, row])."""
        index = tuple(index)
        return index[::-1] if self.notation == "article" else index

    @property
    def ndim(self) -> int:
        return self.plan.ndim

    @property
    def axis_order(self) -> str:
        """What each position of a printed index means, e.g. ``[column, row]``."""
        from .words import axis_order

        return axis_order(self)

    @property
    def at_text(self) -> str:
        """``y[1,1]`` in the notation."""
        return "y" + index_tuple(self.disp(self.at))

    @property
    def inside(self) -> tuple[Term, ...]:
        """The terms of the sum (those whose kernel subscript names a kernel element)."""
        return tuple(t for t in self.terms if t.in_kernel)

    @property
    def expression(self) -> str:
        """The written-out sum: ``x[0,0]·i + x[0,1]·h + ...``."""
        parts = [t.product for t in self.inside]
        return " + ".join(parts) if parts else "0"

    @property
    def sum_text(self) -> str:
        """``y[1,1] = <the sum>`` and, for numbers, ``= <value>``."""
        text = f"{self.at_text} = {self.expression}"
        if self.value is not None:
            text += f" = {fmt_number(self.value)}"
        return text

    @property
    def title(self) -> str:
        """``convolution, y[1,1]``; ``kernelflip.explain.words.title(e, "zh")`` in Chinese."""
        from .words import title

        return title(self)

    def definition(self, minus: str = MINUS, times: str = TIMES) -> str:
        """The defining sum in index letters, e.g. ``y[m,n] = Σ x[i,j]·h[m−i, n−j]``."""
        nd = self.ndim
        outs = list(_OUT_LETTERS[:nd]) if nd <= 4 else [f"m{a}" for a in range(nd)]
        ins = list(_IN_LETTERS[:nd]) if nd <= 4 else [f"i{a}" for a in range(nd)]
        dil = self.disp(self.plan.dilation)
        subs = []
        for m, i, d in zip(outs, ins, dil):
            s = _subscript_text(self, m, i, minus)
            subs.append(f"({s})/{d}" if d > 1 else s)
        h = f"h[{', '.join(subs)}]"
        if self.conj:
            h = f"conj({h})"
        return f"y[{','.join(outs)}] = \u03a3 x[{','.join(ins)}]{times}{h}"

    # --- renderers (kernelflip.explain.render) ----------------------------------------
    def to_text(self, ascii: bool = False, lang: str = "en") -> str:
        """The article's two-column layout: substituted subscripts | resolved terms.

        ``lang="zh"`` writes the words in Chinese (the numbers are the same).
        """
        from .render import to_text

        return to_text(self, ascii=ascii, lang=lang)

    def to_markdown(self, lang: str = "en") -> str:
        """A Markdown table of the terms and the written-out sum (``lang``: 'en' or 'zh')."""
        from .render import to_markdown

        return to_markdown(self, lang=lang)

    def to_latex(self, lang: str = "en") -> str:
        r"""A LaTeX display (``\[ ... \]``) with the definition, the terms and the sum."""
        from .render import to_latex

        return to_latex(self, lang=lang)

    def to_html(self, lang: str = "en") -> str:
        """An HTML table (what Jupyter shows; ``lang``: 'en' or 'zh')."""
        from .render import to_html

        return to_html(self, lang=lang)

    def to_dict(self) -> dict:
        """Everything as JSON-ready data (index lists in numpy order, strings in the notation)."""
        from .render import to_dict

        return to_dict(self)

    def to_json(self, indent: int | None = 2) -> str:
        """``to_dict()`` as JSON text; ``json.loads`` gives ``to_dict()`` back."""
        import json

        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def __repr__(self) -> str:
        value = "" if self.value is None else f", value={fmt_number(self.value, '-')}"
        return f"<Explanation {self.title}: {len(self.inside)} terms{value}>"

    def __str__(self) -> str:
        return self.to_text()

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_latex_(self) -> str:
        from .render import latex_body

        return "$$" + latex_body(self) + "$$"

    def _repr_html_(self) -> str:
        return self.to_html()


def _subscript_text(e: Explanation, m: str, i: str, minus: str) -> str:
    """One axis of the kernel subscript of the defining sum, from strings m and i."""
    if e.op == "conv":
        return f"{m}{minus}{i}"
    if e.convention == "standard":
        return f"{i}{minus}{m}"
    return f"{m}+{i}"


def _paren(v: int, minus: str) -> str:
    return f"({fmt_int(v, minus)})" if v < 0 else fmt_int(v, minus)


def substituted(e: Explanation, image: Sequence[int], minus: str = MINUS,
                sep: str = ", ") -> str:
    """``h[1−0, 1−0]``: the defining subscript with output and image index put in."""
    parts = []
    for m, i, d in zip(e.disp(e.at), e.disp(image), e.disp(e.plan.dilation)):
        if e.op == "conv":
            s = f"{fmt_int(m, minus)}{minus}{_paren(i, minus)}"
        elif e.convention == "standard":
            s = f"{fmt_int(i, minus)}{minus}{_paren(m, minus)}"
        else:
            s = f"{fmt_int(m, minus)}+{_paren(i, minus)}"
        parts.append(f"({s})/{d}" if d > 1 else s)
    return "h[" + sep.join(parts) + "]"


def resolved(e: Explanation, kernel: Sequence[int], minus: str = MINUS) -> str:
    """``h[1,1]``: the subscript worked out (divided by the dilation; fractions name no tap)."""
    parts = [fmt_fraction(Fraction(int(k), int(d)), minus)
             for k, d in zip(e.disp(kernel), e.disp(e.plan.dilation))]
    return "h[" + ",".join(parts) + "]"


# --- building it -----------------------------------------------------------------------
def explain(op: str, x, h, *, at=None, mode="same", convention: str = "standard",
            notation: str = "numpy", show_outside: bool | int = False,
            boundary: str = "constant", cval=0, stride=1, dilation=1,
            x_start: Sequence[int] | None = None, h_start: Sequence[int] | None = None,
            names: Sequence[str] | None = None, like: str | None = None,
            like_options: dict | None = None) -> Explanation:
    r"""The terms of one output element, written out as in the article.

    For convolution :math:`y[m] = \sum_i x[i]\,h[m-i]`, standard correlation
    :math:`y[m] = \sum_i x[i]\,\overline{h[i-m]}` and the article's correlation
    :math:`y[m] = \sum_i x[i]\,h[m+i]` (see :mod:`kernelflip.plan`), it lists
    each image index ``i`` that meets a kernel element at the output index
    ``at``, read from :meth:`kernelflip.plan.Plan.terms`.  With ``dilation``
    d the subscripts are divided by d (``h[(m-i)/d]``) and only whole ones
    name a kernel element.

    Sizes: one term per kernel element (M terms for M kernel values, however
    large the image), plus the drop-outs of ``show_outside``.  ``at`` must lie
    in the output's index range for ``mode``, with image support
    ``sx..sx+N-1`` and kernel support ``sh..sh+K-1`` per axis: ``same`` is
    ``sx..sx+N-1`` (N outputs), ``full`` the whole support (N + d(K-1)
    outputs, e.g. ``sx+d*sh .. sx+N-1+d*(sh+K-1)`` for conv), ``valid`` where
    the kernel lies wholly inside the image (N - d(K-1) outputs); ``stride``
    keeps every stride-th index from the first.

    Parameters
    ----------
    op : 'conv' or 'corr' ('convolve', 'correlate' also accepted).
    x, h : the image and the kernel: arrays (plain arrays are centred), Indexed
        arrays (their starts are kept), or just shapes (a tuple of ints such as
        ``(7, 7)``, an int for 1-D, or a string ``'7x7'``).  A shape makes the
        values symbolic: the kernel's are ``a, b, c, ...`` row by row from the
        top left (``k1, k2, ...`` beyond 26 values; or ``names``), the image's
        are ``x[i,j]``.  A list or an ndarray is always values.
    at : the output index, **in the notation's order** (``notation="article"``:
        ``[column, row]``, so ``at=(1, -1)`` is the article's ``y[1,-1]``, numpy's
        ``y[-1, 1]``).  Default: the origin.  IndexError names the valid range.
    mode, boundary, cval, stride, dilation, convention : as in
        :func:`kernelflip.convolve` / :func:`kernelflip.correlate` (but
        ``mode`` defaults to ``'same'``).  ``convention`` is ignored for conv.
        Beyond the image the terms show the boundary's value: the constant, or
        the image index it stands for (``x[3,−4] → x[3,−2]`` under reflect).
    notation : 'numpy' prints indices as [row, column] (numpy order), 'article'
        as [column, row] like the article and songho.ca (all axes reversed).
    show_outside : also list the image indices next to the patch whose kernel
        subscript names no kernel element (the article's drop-outs); an int
        widens the ring (True = 1).
    x_start, h_start : explicit starts (signed index of element 0), overriding
        the centred default or an Indexed input's start.
    names : symbolic kernel names in reading order (a symbolic kernel only).
    like, like_options : a library function (``"cv2.filter2D"``, ``"torch.conv2d"``,
        see :mod:`kernelflip.conventions`) and its own keyword options; the
        example is then that library's: its operation, anchor (``h_start``),
        output window, border, stride and dilation replace ``op``, ``mode``,
        ``boundary``, ``cval``, ``stride``, ``dilation`` and the starts, and
        indices are array positions (the output index is the pixel the
        anchor sits on).  Example: ``explain("corr", "5x5", "3x3", at=(0, 0),
        like="cv2.filter2D")`` shows ``x[-1,-1] → x[1,1]`` (BORDER_REFLECT_101).

    Returns
    -------
    Explanation
        ``.terms`` (see :class:`Term`), ``.value`` (a Python int for integer
        inputs, a numpy scalar of the working dtype otherwise, None when
        anything is symbolic; it equals ``kf.convolve(...).at[at]``), and the
        renderers ``to_text``, ``to_markdown``, ``to_latex``, ``to_json``.

    Examples
    --------
    The article's convolution y[1,1] of a 7×7 image with a 3×3 kernel a..i:

    >>> import kernelflip as kf
    >>> e = kf.explain("conv", "7x7", "3x3", at=(1, 1), notation="article")
    >>> e.terms[0].substituted, e.terms[0].resolved, e.terms[0].product
    ('h[1−0, 1−0]', 'h[1,1]', 'x[0,0]·i')
    >>> print(e.expression.replace(" + x[1", "\n+ x[1").replace(" + x[2", "\n+ x[2"))
    x[0,0]·i + x[0,1]·f + x[0,2]·c
    + x[1,0]·h + x[1,1]·e + x[1,2]·b
    + x[2,0]·g + x[2,1]·d + x[2,2]·a
    >>> kf.explain("conv", [1, 2, 3], [1, 10, 100], at=0).sum_text
    'y[0] = 1·100 + 2·10 + 3·1 = 123'
    """
    ctx = dict(at=at, mode=mode, convention=convention, notation=notation)
    if like is not None:  # a library's convention on the lattice (kernelflip.conventions)
        from ..conventions import explain_args

        lib = explain_args(like, x, h, like_options)
        op, mode, boundary, cval = lib["op"], lib["mode"], lib["boundary"], lib["cval"]
        stride, dilation, x_start, h_start = (lib["stride"], lib["dilation"], lib["x_start"],
                                              lib["h_start"])
        convention = "standard"
        ctx.update(like=like, mode=mode)
    try:
        return _explain(op, x, h, at, mode, convention, notation, show_outside, boundary, cval,
                        stride, dilation, x_start, h_start, names)
    except KernelflipError as exc:
        def desc(a):
            shp = getattr(a, "shape", None)
            if shp is not None:
                return f"shape {shp}"
            text = repr(a)
            return text if len(text) <= 40 else f"{type(a).__name__} {text[:30]}..."
        args = ", ".join(f"{k}={v!r}" for k, v in ctx.items())
        raise enrich(exc, f"in explain({op!r}, x: {desc(x)}, h: {desc(h)}, {args})") from None


def _explain(op, x, h, at, mode, convention, notation, show_outside, boundary, cval, stride,
             dilation, x_start, h_start, names) -> Explanation:
    op = _norm_op(op)
    if not isinstance(notation, str) or notation not in NOTATIONS:
        raise ArgumentError(f"notation={notation!r} is not accepted: use 'numpy' or 'article'")
    if isinstance(show_outside, (bool, np.bool_)):
        ring = int(show_outside)
    elif isinstance(show_outside, (int, np.integer)) and show_outside >= 0:
        ring = int(show_outside)
    else:
        raise ArgumentError(
            f"show_outside={show_outside!r} is not accepted: give True/False or a ring width >= 0"
        )
    xo = _operand(x, "x", x_start)
    ho = _operand(h, "h", h_start)
    plan = make_plan(op, xo.shape, ho.shape, x_start=xo.start, h_start=ho.start,
                     convention=convention, mode=mode, boundary=boundary, stride=stride,
                     dilation=dilation)
    at_np = _norm_at(at, plan.ndim, notation)
    try:
        plan.check_output_index(at_np)
    except IndexRangeError:
        ranges = plan.out_ranges()
        shown = " \u00d7 ".join(
            f"{r.start}..{r[-1]}" + (f" step {r.step}" if r.step != 1 else "")
            for r in (ranges[::-1] if notation == "article" else ranges))
        order = "" if notation == "numpy" else " in [column, row] order"
        raise IndexRangeError(
            f"at={tuple(at_np[::-1] if notation == 'article' else at_np)!r} is outside the "
            f"output: y's indices{order} in mode={mode!r} are {shown}"
        ) from None

    # numbers: the working dtype when both are numeric, else each input's own
    if xo.values is not None and ho.values is not None:
        wd = working_dtype(xo.values.dtype, ho.values.dtype)
        xv, hv = xo.values.astype(wd, copy=False), ho.values.astype(wd, copy=False)
    else:
        xv = _display_values(xo.values)
        hv = _display_values(ho.values)
    conj = (op == "corr" and plan.convention == "standard" and hv is not None
            and hv.dtype.kind == "c")
    cv = _cval(cval, xv)
    hnames = None
    if hv is None:
        size = int(np.prod(ho.shape))
        hnames = tuple(check_names(names, size) if names is not None else kernel_names(size))
    elif names is not None:
        raise ArgumentError("names= is for symbolic kernels (a shape); this kernel has values")

    e = Explanation(op, plan.convention, notation, at_np, plan, (), None, xv is None, hv is None,
                    conj, cv, hnames)
    terms = _terms(e, plan.terms(at_np, outside=ring), xo, ho, xv, hv, hnames, cv)
    value = _value(terms, xv, hv, conj)
    object.__setattr__(e, "terms", tuple(terms))
    object.__setattr__(e, "value", value)
    return e


def _display_values(v: np.ndarray | None) -> np.ndarray | None:
    if v is not None and v.dtype.kind == "b":
        return v.astype(np.int64)
    return v


def _cval(cval, xv):
    if isinstance(cval, (bool, np.bool_)) or not isinstance(cval, (int, float, complex, np.number)):
        raise ArgumentTypeError(f"cval={cval!r} is not accepted: give a number")
    if xv is None:
        return cval
    cv = np.asarray(cval).astype(xv.dtype)
    if cv != cval:
        raise ArgumentError(
            f"cval={cval!r} is not accepted for {xv.dtype} data: it would change to {cv[()]!r}"
        )
    return cv[()]


def _scalar(v):
    """An exact Python int for integers, the numpy scalar otherwise."""
    return int(v) if isinstance(v, np.integer) else v


def _terms(e: Explanation, tr, xo: _Operand, ho: _Operand, xv, hv, hnames, cv) -> list[Term]:
    xs, hs = np.asarray(xo.start), np.asarray(ho.start)
    out = []
    for k in range(len(tr)):
        image = tuple(int(v) for v in tr.image[k])
        kern = tuple(int(v) for v in tr.kernel[k])
        in_kernel, in_image = bool(tr.in_kernel[k]), bool(tr.in_image[k])
        tap = tuple(int(v) for v in tr.tap[k]) if in_kernel else None
        source = tuple(int(v) for v in tr.source[k]) if tr.has_source[k] else None
        label = "x" + index_tuple(e.disp(image))
        if source is None:
            ival = cv
        elif xv is None:
            ival = "x" + index_tuple(e.disp(source))
        else:
            ival = _scalar(xv[tuple(np.asarray(source) - xs)])
        if not in_kernel:
            kval = None
        elif hv is None:
            kval = hnames[int(np.ravel_multi_index(tuple(np.asarray(tap) - hs), ho.shape))]
        else:
            kval = _scalar(hv[tuple(np.asarray(tap) - hs)])
        res = resolved(e, kern)
        note = term_note("en", label=label, resolved=res, in_kernel=in_kernel,
                         in_image=in_image, boundary=e.plan.boundary, cval=fmt_number(cv),
                         source=None if source is None else "x" + index_tuple(e.disp(source)))
        out.append(Term(image, kern, tap, in_kernel, in_image, source, kval, ival,
                        substituted(e, image), res, note, label, e.conj and in_kernel))
    if e.notation == "article":  # list in the order the indices are read
        out.sort(key=lambda t: e.disp(t.image))
    return out


def _value(terms: list[Term], xv, hv, conj: bool):
    if xv is None or hv is None:
        return None
    inside = [t for t in terms if t.in_kernel]
    if xv.dtype.kind in "iu":
        return sum((int(t.image_value) * int(t.kernel_value) for t in inside), 0)
    acc = xv.dtype.type(0)
    with np.errstate(all="ignore"):
        for t in inside:
            w = np.conj(t.kernel_value) if conj else t.kernel_value
            acc = acc + xv.dtype.type(t.image_value) * w
    return xv.dtype.type(acc)
