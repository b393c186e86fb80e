"""The article's drawings: the kernel, the image, the alignment (the flip) and the patches.

Every index relation is read from the plan (:func:`kernelflip.make_plan`):
which image pixel meets which kernel element comes from ``plan.terms(at)``,
which pixels feed an output from ``plan.patch(at)``.  Nothing here works an
index out on its own, so the drawings cannot disagree with the numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import ArgumentError
from ..lattice import centered_start
from ..plan import make_plan
from ._style import (
    EQUATION,
    OP_STYLE,
    ORIENTATION,
    OUTSIDE_COLOR,
    cell_inches,
    check_notation,
    fill_cells,
    fmt_index,
    fmt_value,
    font_for,
    mark_cells,
    new_figure,
    notation_note,
    op_key,
    setup_grid,
    shape2,
    value_names,
)

__all__ = ["kernel_figure", "image_figure", "alignment_figure", "patch_figure", "kernel_labels",
           "evaluate_terms"]


def _values2(values, name: str):
    if values is None:
        return None
    arr = np.asarray(values)
    if arr.ndim != 2 or arr.size == 0:
        raise ArgumentError(
            f"{name} has shape {arr.shape}: drawings need a non-empty 2-D array"
        )
    if np.iscomplexobj(arr):
        raise ArgumentError(f"{name} is complex: drawings show real values only")
    return arr


def _start(start, shape) -> tuple[int, int]:
    if start is None:
        return centered_start(shape[:2])
    return (int(start[0]), int(start[1]))


def kernel_labels(h_shape, h_values=None, h_start=None, notation: str = "article"):
    """Text of every kernel element, keyed by signed (row, column) index: names or numbers.

    >>> kernel_labels((3, 3))[(0, 0)], kernel_labels((3, 3), np.arange(9).reshape(3, 3))[(1, 1)]
    ('e', '8')
    """
    names = value_names(h_shape, h_start, notation)
    if h_values is None:
        return names
    r0, c0 = _start(h_start, h_shape)
    return {(r, c): fmt_value(h_values[r - r0, c - c0]) for (r, c) in names}


def _ranges(start, shape) -> tuple[range, range]:
    return range(start[0], start[0] + shape[0]), range(start[1], start[1] + shape[1])


def kernel_figure(h_shape=(3, 3), *, values=None, notation: str = "article", h_start=None):
    """The kernel h with its signed indices (left) and its values (right).

    Drawn as stored, i.e. in correlation orientation.  The element at array
    position (r, c) has the signed index (r + start_r, c + start_c); a centred
    axis of n elements runs -(n//2) .. n - 1 - n//2.  Values are the article's
    names a, b, c, ... row by row from the top left, or the numbers given.

    >>> fig = kernel_figure((3, 3))
    >>> [t.get_text() for t in fig.axes[1].texts if t.get_gid() == "value"][:4]
    ['a', 'b', 'c', 'd']
    """
    check_notation(notation)
    values = _values2(values, "values")
    h_shape = values.shape if values is not None else shape2(h_shape, "h_shape")
    start = _start(h_start, h_shape)
    rows, cols = _ranges(start, h_shape)
    cell = cell_inches(max(h_shape), hi=0.8, total=3.6)
    fig = new_figure(2 * cell * h_shape[1] + 2.4, cell * h_shape[0] + 1.9)
    axes = fig.subplots(1, 2)
    fs_lab = font_for(cell, 3)
    cn, rn = ("m (column)", "n (row)") if notation == "article" else ("n (column)", "m (row)")
    labels = kernel_labels(h_shape, values, start, notation)
    for ax in axes:
        setup_grid(ax, rows, cols, fontsize=fs_lab, col_name=cn, row_name=rn)
    fs_idx = font_for(cell, 7)
    for (r, c), lab in labels.items():
        axes[0].text(c, r, fmt_index((r, c), notation), ha="center", va="center", fontsize=fs_idx,
                     gid="index")
        axes[1].text(c, r, lab, ha="center", va="center", fontsize=font_for(cell, len(lab)),
                     gid="value", fontweight="bold")
    axes[0].set_title("indices h" + ("[m,n]" if notation == "article" else "[m,n] (row, col)"),
                      fontsize=9, pad=26)
    axes[1].set_title("values", fontsize=9, pad=26)
    fig.suptitle(f"Kernel h as stored (correlation orientation, not flipped), "
                 f"{h_shape[0]}×{h_shape[1]}\n{notation_note(notation, kernel='h[m,n]')}",
                 fontsize=8.5)
    fig.subplots_adjust(top=0.72, bottom=0.04, left=0.12, right=0.98, wspace=0.35)
    return fig


def image_figure(x_shape=(7, 7), *, values=None, notation: str = "article", x_start=None,
                 corner=None):
    """The image x with its signed indices, and a zoomed corner with [i,j] in every pixel.

    ``corner`` is ((row_first, row_last), (col_first, col_last)) in signed
    indices (inclusive); by default the lower-right corner from index 0 to the
    last, as in the article (for 7×7: 0..3 on both axes).

    >>> fig = image_figure((7, 7))
    >>> texts = {(t.get_position(), t.get_text()) for t in fig.axes[1].texts}
    >>> ((3, 0), '[3,0]') in texts       # column 3, row 0 in article notation
    True
    """
    check_notation(notation)
    values = _values2(values, "values")
    x_shape = values.shape if values is not None else shape2(x_shape, "x_shape")
    start = _start(x_start, x_shape)
    rows, cols = _ranges(start, x_shape)
    if corner is None:
        corner = ((max(0, rows.start), rows[-1]), (max(0, cols.start), cols[-1]))
    (r0, r1), (c0, c1) = corner
    if not (rows.start <= r0 <= r1 <= rows[-1] and cols.start <= c0 <= c1 <= cols[-1]):
        raise ArgumentError(
            f"corner={corner!r} is not accepted: give ((row_first, row_last), (col_first, "
            f"col_last)) inside the image's rows {rows.start}..{rows[-1]} and columns "
            f"{cols.start}..{cols[-1]}"
        )
    zr, zc = range(r0, r1 + 1), range(c0, c1 + 1)
    cell_l = cell_inches(max(x_shape), lo=0.3, hi=0.5, total=4.2)
    cell_r = cell_inches(max(len(zr), len(zc)), lo=0.55, hi=0.85, total=4.2)
    w = cell_l * x_shape[1] + cell_r * len(zc) + 2.6
    h = max(cell_l * x_shape[0], cell_r * len(zr)) + 1.9
    fig = new_figure(w, h)
    gs = fig.add_gridspec(1, 2, width_ratios=[cell_l * x_shape[1], cell_r * len(zc)])
    ax0, ax1 = fig.add_subplot(gs[0]), fig.add_subplot(gs[1])
    names = ("i (column)", "j (row)") if notation == "article" else ("j (column)", "i (row)")
    setup_grid(ax0, rows, cols, fontsize=font_for(cell_l, 3), col_name=names[0],
               row_name=names[1])
    setup_grid(ax1, zr, zc, fontsize=font_for(cell_r, 3), col_name=names[0], row_name=names[1])
    from matplotlib.patches import Rectangle

    ax0.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), len(zc), len(zr), fill=False, lw=2,
                            ls="--", edgecolor="black", zorder=3, gid="zoom"))
    if values is not None:
        fsv = font_for(cell_l, 4)
        for r in rows:
            for c in cols:
                ax0.text(c, r, fmt_value(values[r - start[0], c - start[1]]), ha="center",
                         va="center", fontsize=fsv, gid="value")
    lines = 2 if values is not None else 1
    fs = font_for(cell_r, 7, lines)
    for r in zr:
        for c in zc:
            txt = fmt_index((r, c), notation)
            if values is not None:
                txt += "\n" + fmt_value(values[r - start[0], c - start[1]])
            ax1.text(c, r, txt, ha="center", va="center", fontsize=fs, gid="index")
    ax0.set_title(f"image x, {x_shape[0]}×{x_shape[1]}, indices {rows.start}..{rows[-1]}",
                  fontsize=9, pad=24)
    ax1.set_title("zoomed corner: [i,j] of every pixel", fontsize=9, pad=24)
    fig.suptitle(notation_note(notation, image="x[i,j]", kernel="y[m,n]"), fontsize=8)
    fig.subplots_adjust(top=0.78, bottom=0.03, left=0.1, right=0.98, wspace=0.3)
    return fig


def evaluate_terms(terms, x_values, h_values, x_start, h_start, cval=0):
    """The numeric sum of one output from its plan terms (kernel taps only).

    A tap whose image index has no source (constant boundary) reads ``cval``.
    The kernel is not conjugated: drawings take real values.
    """
    total = 0
    for p in terms:
        if not p.in_kernel:
            continue
        hv = h_values[p.tap[0] - h_start[0], p.tap[1] - h_start[1]]
        xv = (x_values[p.source[0] - x_start[0], p.source[1] - x_start[1]]
              if p.source is not None else cval)
        total = total + xv * hv
    return total


def _check_at(at) -> tuple[int, int]:
    try:
        at = tuple(int(v) for v in at)
    except (TypeError, ValueError):
        raise ArgumentError(f"at={at!r} is not accepted: give a (row, column) pair") from None
    if len(at) != 2:
        raise ArgumentError(f"at={at!r} is not accepted: give a (row, column) pair")
    return at


def alignment_figure(op: str = "conv", x_shape=(7, 7), h_shape=(3, 3), at=(1, 1), *,
                     convention: str = "standard", notation: str = "article", x_values=None,
                     h_values=None, x_start=None, h_start=None, mode="full",
                     boundary: str = "constant", cval=0, outside: int = 1):
    """The kernel laid over the image for one output: each pixel with the value it multiplies.

    For output ``at`` every pair (image index i, kernel subscript k) of the
    defining sum -- conv ``y[m] = Σ x[i] h[m−i]``, standard correlation
    ``y[m] = Σ x[i] h[i−m]``, article correlation ``y[m] = Σ x[i] h[m+i]`` --
    is read from ``make_plan(...).terms(at, outside)``.  Pixels within
    ``outside`` of the patch are shown too, with the kernel subscript that
    names no element (the article's i = 3 and j = 3).  Convolution shows the
    kernel flipped; correlation shows it as stored.

    >>> fig = alignment_figure("conv", at=(1, 1))
    >>> cell = {(round(x), round(y - 0.3)): t.get_text()      # names sit 0.3 below centre
    ...         for t in fig.axes[0].texts if t.get_gid() == "name" for x, y in [t.get_position()]}
    >>> cell[(0, 0)], cell[(2, 2)]       # x[0,0] meets h[1,1] = i: flipped
    ('i', 'a')
    """
    key = op_key(op, convention)
    check_notation(notation)
    at = _check_at(at)
    x_values = _values2(x_values, "x_values")
    h_values = _values2(h_values, "h_values")
    x_shape = x_values.shape if x_values is not None else shape2(x_shape, "x_shape")
    h_shape = h_values.shape if h_values is not None else shape2(h_shape, "h_shape")
    xs, hs = _start(x_start, x_shape), _start(h_start, h_shape)
    plan = make_plan(op, x_shape, h_shape, x_start=xs, h_start=hs, convention=convention,
                     mode=mode, boundary=boundary)
    terms = plan.terms(at, outside=outside)
    labels = kernel_labels(h_shape, h_values, hs, notation)
    img = terms.image
    rows = range(int(img[:, 0].min()), int(img[:, 0].max()) + 1)
    cols = range(int(img[:, 1].min()), int(img[:, 1].max()) + 1)
    cell = cell_inches(max(len(rows), len(cols)), lo=0.72, hi=1.05, total=7.0)
    n_lines = -(-int(terms.in_kernel.sum()) // h_shape[1]) + 1
    fig = new_figure(cell * len(cols) + 1.6, cell * len(rows) + 1.9 + 0.2 * n_lines)
    ax = fig.add_axes([0.1, 0.2 + 0.0, 0.86, 0.58])
    setup_grid(ax, rows, cols, fontsize=font_for(cell, 3), col_name="i" if notation == "article"
               else "j", row_name="j" if notation == "article" else "i")
    tap_cells = [tuple(map(int, i)) for i, k in zip(terms.image, terms.in_kernel) if k]
    mark_cells(ax, tap_cells, key)
    off = [tuple(map(int, i)) for i, inside in zip(terms.image, terms.in_image) if not inside]
    fill_cells(ax, off, OUTSIDE_COLOR, gid="outside", hatch="xx")
    fs = font_for(cell, 9, 3)
    parts = []
    for p in terms:
        r, c = p.image
        xl = "x" + fmt_index(p.image, notation)
        if x_values is not None and p.in_image:
            xl += "=" + fmt_value(x_values[r - xs[0], c - xs[1]])
        elif not p.in_image:
            xl += " (pad)"
        ax.text(c, r - 0.28, xl, ha="center", va="center", fontsize=fs, gid="pixel")
        hl = "h" + fmt_index(p.kernel, notation)
        ax.text(c, r + 0.02, hl, ha="center", va="center", fontsize=fs,
                color="black" if p.in_kernel else "#777777", gid="kernel")
        if p.in_kernel:
            name = labels[p.tap]
            ax.text(c, r + 0.3, name, ha="center", va="center", fontsize=fs * 1.25,
                    fontweight="bold", gid="name")
            parts.append((p, name))
        else:
            ax.text(c, r + 0.3, "no such h", ha="center", va="center", fontsize=fs * 0.85,
                    color="#777777", style="italic", gid="none")
    y = "y" + fmt_index(at, notation)
    term_txt = [f"x{fmt_index(p.image, notation)}·{name}" for p, name in parts]
    per = h_shape[1]
    lines = [" + ".join(term_txt[k:k + per]) for k in range(0, len(term_txt), per)]
    text = f"{y} = " + ("\n" + " " * (len(y) + 1) + "+ ").join(lines)
    if x_values is not None and h_values is not None:
        val = evaluate_terms(terms, x_values, h_values, xs, hs, cval)
        text += f"\n{y} = {fmt_value(val)}"
    fig.text(0.03, 0.02, text, ha="left", va="bottom", fontsize=8, family="monospace",
             gid="sum")
    fig.suptitle(f"{OP_STYLE[key][3].capitalize()} {y}: {ORIENTATION[key]}\n"
                 f"{EQUATION[key]}   ({notation_note(notation).split(':')[0]}: "
                 f"{'[column,row]' if notation == 'article' else '[row,column]'})",
                 fontsize=9)
    _fit_axes(fig, ax, bottom_lines=len(text.splitlines()))
    return fig


def _fit_axes(fig, ax, bottom_lines: int) -> None:
    w, h = fig.get_size_inches()
    bottom = (0.3 + 0.16 * bottom_lines) / h
    top = 1 - 1.05 / h
    ax.set_position([0.9 / w, bottom, 1 - 1.1 / w, top - bottom])


def patch_figure(x_shape=(7, 7), h_shape=(3, 3), at=(1, 1), *, notation: str = "article",
                 h_values=None, x_start=None, h_start=None, mode="full",
                 panels: Sequence[tuple[str, str, Sequence[int]]] | None = None):
    """Which pixels feed output [m,n], under convolution and correlation, side by side.

    Default panels: convolution y[m,n]; standard correlation y[m,n]
    (``Σ x[i] h[i−m]``: the same pixels as convolution, kernel unflipped);
    the article's correlation y[m,n] (``Σ x[i] h[m+i]``: the mirrored patch);
    and the article's correlation y[−m,−n], which reads convolution's patch
    for y[m,n].  Each patch is ``make_plan(...).patch(at)``, each letter the
    kernel element ``terms(at)`` puts on that pixel.  ``panels`` is a list of
    (op, convention, at).

    >>> fig = patch_figure()
    >>> [ax.get_gid() for ax in fig.axes]
    ['conv:1,1', 'corr:1,1', 'corr-article:1,1', 'corr-article:-1,-1']
    """
    check_notation(notation)
    at = _check_at(at)
    h_values = _values2(h_values, "h_values")
    x_shape = shape2(x_shape, "x_shape")
    h_shape = h_values.shape if h_values is not None else shape2(h_shape, "h_shape")
    xs, hs = _start(x_start, x_shape), _start(h_start, h_shape)
    if panels is None:
        neg = (-at[0], -at[1])
        panels = [("conv", "standard", at), ("corr", "standard", at), ("corr", "article", at),
                  ("corr", "article", neg)]
    labels = kernel_labels(h_shape, h_values, hs, notation)
    # every panel shows the image plus whatever part of the patches lies beyond it
    plans, boxes = [], []
    for op, conv, m in panels:
        plan = make_plan(op, x_shape, h_shape, x_start=xs, h_start=hs, convention=conv,
                         mode=mode)
        m = plan.check_output_index(tuple(m))
        plans.append((op, conv, m, plan))
        boxes.append(plan.patch(m))
    r_lo = min([xs[0]] + [b[0][0] for b in boxes])
    r_hi = max([xs[0] + x_shape[0] - 1] + [b[0][1] for b in boxes])
    c_lo = min([xs[1]] + [b[1][0] for b in boxes])
    c_hi = max([xs[1] + x_shape[1] - 1] + [b[1][1] for b in boxes])
    rows, cols = range(r_lo, r_hi + 1), range(c_lo, c_hi + 1)
    cell = cell_inches(max(len(rows), len(cols)), lo=0.26, hi=0.42, total=3.4)
    n = len(plans)
    fig = new_figure(n * (cell * len(cols) + 0.75) + 0.3, cell * len(rows) + 2.0)
    axes = fig.subplots(1, n)
    axes = np.atleast_1d(axes)
    inside_r = range(xs[0], xs[0] + x_shape[0])
    inside_c = range(xs[1], xs[1] + x_shape[1])
    for ax, (op, conv, m, plan), box in zip(axes, plans, boxes):
        key = op_key(op, conv)
        setup_grid(ax, rows, cols, fontsize=font_for(cell, 3))
        off = [(r, c) for r in rows for c in cols if r not in inside_r or c not in inside_c]
        fill_cells(ax, off, OUTSIDE_COLOR, gid="outside", hatch="xx")
        terms = plan.terms(m)
        mark_cells(ax, [p.image for p in terms], key, alpha=0.45)
        fsn = font_for(cell, max(len(v) for v in labels.values()))
        for p in terms:
            ax.text(p.image[1], p.image[0], labels[p.tap], ha="center", va="center",
                    fontsize=fsn, fontweight="bold", gid="name")
        (a, b), (c, d) = box
        if notation == "article":
            rng = f"i∈{c}..{d}, j∈{a}..{b}"
        else:
            rng = f"i∈{a}..{b}, j∈{c}..{d}"
        name = OP_STYLE[key][3]
        ax.set_title(f"{name}\ny{fmt_index(m, notation)} reads x[{rng}]\n"
                     f"{EQUATION[key]}\n{ORIENTATION[key].replace('kernel drawn ', 'kernel ')}",
                     fontsize=7.5, color="black", pad=16)
        ax.set_gid(f"{key}:{m[0]},{m[1]}")
        ax.set_anchor("N")
        if (op, conv) != plans[0][:2] and box == boxes[0]:
            ax.text(0.5, -0.02, f"same pixels as {OP_STYLE[op_key(*plans[0][:2])][3]} "
                    f"y{fmt_index(plans[0][2], notation)}", transform=ax.transAxes,
                    ha="center", va="top", fontsize=7.5, style="italic", gid="same-patch")
    fig.suptitle("Which pixels feed one output: convolution vs correlation "
                 f"({'article notation [column,row]' if notation == 'article' else 'numpy notation [row,column]'}; "  # noqa: E501
                 "grey = outside the image)", fontsize=9)
    fig.subplots_adjust(top=1 - 1.25 / fig.get_size_inches()[1], bottom=0.03, left=0.04,
                        right=0.99, wspace=0.3)
    return fig
