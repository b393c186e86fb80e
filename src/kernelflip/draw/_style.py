"""Shared look of every drawing: palette, index notation, value names, grid helpers.

Colours come from the Okabe-Ito palette (readable with the common forms of
colour blindness) and never carry meaning alone: every coloured thing also
has a label, a position or a line style that says the same.

* horizontal index (column): vermillion, written above the grid;
* vertical index (row): bluish green, written left of the grid;
* convolution: vermillion, solid outline, ``\\\\`` hatching;
* correlation, standard convention: blue, dashed outline, ``//`` hatching;
* correlation, the article's convention: bluish green, dotted outline, ``..`` hatching.

Grids are drawn in data coordinates equal to the signed indices: the cell
of image index (row r, column c) is centred at ``(x, y) = (c, r)`` with the
y axis pointing down, so a text's position names the pixel it sits on.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError
from ..lattice import centered_start

OKABE_ITO = {
    "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
    "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "black": "#000000",
}
COLUMN_COLOR = OKABE_ITO["vermillion"]
ROW_COLOR = OKABE_ITO["green"]
OUTSIDE_COLOR = "#DDDDDD"
GRID_COLOR = "#888888"

# (colour, hatch, linestyle, short name) per operation key
OP_STYLE = {
    "conv": (OKABE_ITO["vermillion"], "\\\\", "-", "convolution"),
    "corr": (OKABE_ITO["blue"], "//", "--", "correlation (standard)"),
    "corr-article": (OKABE_ITO["green"], "..", ":", "correlation (article)"),
}
NOTATIONS = ("article", "numpy")

EQUATION = {
    "conv": "y[m] = Σ x[i]·h[m−i]",
    "corr": "y[m] = Σ x[i]·h[i−m]",
    "corr-article": "y[m] = Σ x[i]·h[m+i]",
}
ORIENTATION = {
    "conv": "kernel drawn flipped (rotated 180°)",
    "corr": "kernel drawn as stored (not flipped)",
    "corr-article": "kernel drawn as stored (not flipped)",
}


def op_key(op: str, convention: str = "standard") -> str:
    """The style key of an operation: 'conv', 'corr' or 'corr-article'."""
    if op not in ("conv", "corr"):
        raise ArgumentError(f"op={op!r} is not accepted: use 'conv' or 'corr'")
    if convention not in ("standard", "article"):
        raise ArgumentError(
            f"convention={convention!r} is not accepted: use 'standard' or 'article'"
        )
    return "corr-article" if op == "corr" and convention == "article" else op


def check_notation(notation: str) -> str:
    if notation not in NOTATIONS:
        raise ArgumentError(
            f"notation={notation!r} is not accepted: use 'article' ([column,row]) "
            "or 'numpy' ([row,column])"
        )
    return notation


def fmt_index(idx: Sequence[int], notation: str = "article") -> str:
    """Write a (row, column) index in the chosen notation.

    >>> fmt_index((2, -1)), fmt_index((2, -1), "numpy")
    ('[-1,2]', '[2,-1]')
    """
    idx = tuple(int(v) for v in idx)
    if notation == "article" and len(idx) == 2:
        idx = (idx[1], idx[0])
    return "[" + ",".join(str(v) for v in idx) + "]"


def notation_note(notation: str, image: str = "x[i,j]", kernel: str = "h[m,n]") -> str:
    """One line that says how the figure writes indices."""
    if notation == "article":
        return (f"article notation: {image}, {kernel}: first index = column (horizontal, "
                "top labels), second = row (vertical, left labels); [0,0] is the centre")
    return (f"numpy notation: {image}, {kernel}: first index = row (vertical, left labels), "
            "second = column (horizontal, top labels); [0,0] is the centre")


def shape2(value, name: str) -> tuple[int, int]:
    """A 2-D shape from an int, a (rows, cols) pair or a string like '7x7'."""
    if isinstance(value, str):
        parts = value.lower().replace("×", "x").split("x")
        try:
            out = tuple(int(p) for p in parts)
        except ValueError:
            raise ArgumentError(
                f"{name}={value!r} is not accepted: write ROWSxCOLS such as '7x7'"
            ) from None
        if len(out) == 1:
            out = (out[0], out[0])
    elif isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        out = (int(value), int(value))
    else:
        try:
            out = tuple(int(v) for v in value)
        except (TypeError, ValueError):
            raise ArgumentTypeError(
                f"{name}={value!r} is not accepted: give (rows, cols), an int or 'RxC'"
            ) from None
    if len(out) != 2 or min(out) < 1:
        raise ArgumentError(
            f"{name}={value!r} is not accepted: drawings need 2-D shapes with >= 1 "
            "element per axis, such as (7, 7)"
        )
    return out  # type: ignore[return-value]


def value_names(h_shape: Sequence[int], h_start: Sequence[int] | None = None,
                notation: str = "article") -> dict[tuple[int, int], str]:
    """Symbolic names of the kernel's values, keyed by signed (row, column) index.

    Letters a, b, c, ... row by row from the top left, as in the article, while
    they last (26 values); larger kernels get ``h[m,n]`` names.

    >>> names = value_names((3, 3))
    >>> names[(-1, -1)], names[(-1, 1)], names[(1, 1)]
    ('a', 'c', 'i')
    """
    rows, cols = h_shape
    r0, c0 = centered_start(h_shape) if h_start is None else tuple(h_start)
    out = {}
    for k in range(rows * cols):
        r, c = divmod(k, cols)
        idx = (r0 + r, c0 + c)
        out[idx] = chr(ord("a") + k) if rows * cols <= 26 else "h" + fmt_index(idx, notation)
    return out


def fmt_value(v) -> str:
    """Short text of one numeric value (ints exact, floats with 3 significant digits)."""
    if isinstance(v, (bool, np.bool_)):
        return str(int(v))
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    v = float(v)
    if v.is_integer() and abs(v) < 1e6:
        return str(int(v))
    return f"{v:.3g}"


def cell_inches(n: int, lo: float = 0.42, hi: float = 0.75, total: float = 5.5) -> float:
    return float(max(lo, min(hi, total / max(n, 1))))


def font_for(cell_in: float, chars: int, lines: int = 1) -> float:
    """A font size (points) that fits ``chars`` characters and ``lines`` lines in a cell."""
    by_width = cell_in * 72 / max(chars, 1) * 1.55
    by_height = cell_in * 72 / max(lines, 1) * 0.55
    return float(max(4.5, min(11.0, by_width, by_height)))


def new_figure(width: float, height: float, dpi: int = 100):
    """A matplotlib Figure on the Agg canvas (no pyplot, no global state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def setup_grid(ax, rows: range, cols: range, *, labels: bool = True, fontsize: float = 8,
               row_name: str = "", col_name: str = "", grid: bool = True) -> None:
    """Axes whose data coordinates are signed indices; index labels top (columns) and left."""
    ax.set_xlim(cols.start - 0.5, cols[-1] + 0.5)
    ax.set_ylim(rows[-1] + 0.5, rows.start - 0.5)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_visible(False)
    if grid:
        ax.hlines([r - 0.5 for r in range(rows.start, rows[-1] + 2)], cols.start - 0.5,
                  cols[-1] + 0.5, color=GRID_COLOR, lw=0.6, zorder=1)
        ax.vlines([c - 0.5 for c in range(cols.start, cols[-1] + 2)], rows.start - 0.5,
                  rows[-1] + 0.5, color=GRID_COLOR, lw=0.6, zorder=1)
    if labels:
        for c in cols:
            ax.text(c, rows.start - 0.62, str(c), ha="center", va="bottom", color=COLUMN_COLOR,
                    fontsize=fontsize, fontweight="bold", gid="col-label", clip_on=False)
        for r in rows:
            ax.text(cols.start - 0.62, r, str(r), ha="right", va="center", color=ROW_COLOR,
                    fontsize=fontsize, fontweight="bold", gid="row-label", clip_on=False)
        if col_name:
            ax.text(cols[-1] + 0.62, rows.start - 0.62, "→ " + col_name, ha="left",
                    va="bottom", color=COLUMN_COLOR, fontsize=fontsize * 0.9, gid="col-name",
                    clip_on=False)
        if row_name:
            ax.text(cols.start - 0.62, rows[-1] + 0.62, "↓ " + row_name, ha="right",
                    va="top", color=ROW_COLOR, fontsize=fontsize * 0.9, gid="row-name",
                    clip_on=False)


def mark_cells(ax, cells, key: str, *, alpha: float = 0.3, gid: str = "patch",
               outline: bool = True) -> None:
    """Fill cells (signed (row, col) indices) in an op's colour and hatch; outline them."""
    from matplotlib.patches import Rectangle

    color, hatch, ls, _ = OP_STYLE[key]
    cells = [tuple(int(v) for v in c) for c in cells]
    for r, c in cells:
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor=_tint(color, alpha),
                               hatch=hatch, hatchcolor=_tint(color, 0.6), edgecolor="none",
                               zorder=0.5, gid=f"{gid}:{r},{c}"))
    if outline and cells:
        rs = [r for r, _ in cells]
        cs = [c for _, c in cells]
        ax.add_patch(Rectangle((min(cs) - 0.5, min(rs) - 0.5), max(cs) - min(cs) + 1,
                               max(rs) - min(rs) + 1, fill=False, edgecolor=color, lw=2.4,
                               linestyle=ls, zorder=3, gid=f"{gid}-outline"))


def _tint(color: str, amount: float) -> tuple[float, float, float]:
    """``color`` mixed with white: amount 1 is the colour itself, 0 is white."""
    from matplotlib.colors import to_rgb

    rgb = np.asarray(to_rgb(color))
    return tuple(float(v) for v in 1 - amount * (1 - rgb))


def fill_cells(ax, cells, color: str, *, gid: str = "cell", hatch: str | None = None) -> None:
    from matplotlib.patches import Rectangle

    for r, c in cells:
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor=color, edgecolor="none",
                               hatch=hatch, zorder=0.4, gid=f"{gid}:{r},{c}"))


def save(fig, path, **kwargs) -> str:
    """Save a figure as PNG, SVG or PDF (chosen by the file's suffix); returns the path.

    >>> import matplotlib
    >>> fig = new_figure(1, 1)
    >>> try:
    ...     save(fig, "figure.gif")
    ... except ValueError as exc:
    ...     print(exc)
    path='figure.gif' is not accepted: the suffix must be .png, .svg or .pdf
    """
    import os

    path = os.fspath(path)
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in (".png", ".svg", ".pdf"):
        raise ArgumentError(
            f"path={path!r} is not accepted: the suffix must be .png, .svg or .pdf"
        )
    kwargs.setdefault("bbox_inches", "tight")
    kwargs.setdefault("dpi", 110)
    fig.savefig(path, **kwargs)
    return path
