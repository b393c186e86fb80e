"""Region maps (which input patch makes which output) and numeric drawings on a real image."""

from __future__ import annotations

import numpy as np

from ..errors import ArgumentError
from ..plan import make_plan
from ._style import (
    COLUMN_COLOR,
    EQUATION,
    OP_STYLE,
    ORIENTATION,
    ROW_COLOR,
    _tint,
    check_notation,
    fmt_index,
    new_figure,
    op_key,
    shape2,
)

__all__ = ["region_map_figure", "numeric_figure", "region_mosaic", "sample_outputs",
           "SOBEL_X", "demo_image"]

SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])

_IMAGE_RGB = np.array([0.93, 0.93, 0.93])
_PAD_RGB = np.array([0.99, 0.99, 0.99])
_GAP_RGB = np.array([1.0, 1.0, 1.0])


def sample_outputs(r: range, most: int) -> list[int]:
    """At most ``most`` indices of ``r``, evenly spread, always with its first and last.

    >>> sample_outputs(range(-2, 3), 7), sample_outputs(range(-10, 11), 5)
    ([-2, -1, 0, 1, 2], [-10, -5, 0, 5, 10])
    """
    if len(r) <= most:
        return list(r)
    pos = np.unique(np.round(np.linspace(0, len(r) - 1, most)).astype(int))
    return [r[int(k)] for k in pos]


def region_mosaic(plan, rows_out, cols_out, key: str):
    """An RGB mosaic: one small copy of the image per output, its patch in the op's colour.

    Returns (rgb, box, cell) where box is the (row_first, row_last, col_first,
    col_last) signed image range each tile shows (the image plus any padding a
    patch reaches into), and cell = tile size + 1 (a white gap).
    """
    x0r, x0c = plan.x_start
    x1r, x1c = x0r + plan.x_shape[0] - 1, x0c + plan.x_shape[1] - 1
    patches = {(m, n): plan.patch((m, n)) for m in rows_out for n in cols_out}
    r_lo = min([x0r] + [p[0][0] for p in patches.values()])
    r_hi = max([x1r] + [p[0][1] for p in patches.values()])
    c_lo = min([x0c] + [p[1][0] for p in patches.values()])
    c_hi = max([x1c] + [p[1][1] for p in patches.values()])
    th, tw = r_hi - r_lo + 1, c_hi - c_lo + 1
    tile = np.empty((th, tw, 3))
    tile[:] = _PAD_RGB
    tile[x0r - r_lo:x1r - r_lo + 1, x0c - c_lo:x1c - c_lo + 1] = _IMAGE_RGB
    colour = np.asarray(_tint(OP_STYLE[key][0], 1.0))
    rgb = np.empty((len(rows_out) * (th + 1) - 1, len(cols_out) * (tw + 1) - 1, 3))
    rgb[:] = _GAP_RGB
    for a, m in enumerate(rows_out):
        for b, n in enumerate(cols_out):
            t = tile.copy()
            for p in plan.terms((m, n)):
                t[p.image[0] - r_lo, p.image[1] - c_lo] = colour
            rgb[a * (th + 1):a * (th + 1) + th, b * (tw + 1):b * (tw + 1) + tw] = t
    return rgb, (r_lo, r_hi, c_lo, c_hi), (th + 1, tw + 1)


def region_map_figure(x_shape=(7, 7), h_shape=(3, 3), *, mode="valid",
                      notation: str = "article", most: int = 7,
                      ops=(("conv", "standard"), ("corr", "standard"), ("corr", "article"))):
    """For a grid of output indices [m,n], which input patch each one reads, per operation.

    One panel per operation.  The tile in row n, column m of a panel (article
    notation; output indices labelled on its top and left) is a small copy of
    the image in which the pixels ``make_plan(...).terms((n, m))`` reads are
    coloured.  Output indices are the ``mode`` window (valid by default: for a
    7×7 image and 3×3 kernel, -2..2), at most ``most`` per axis.  Convolution
    and standard correlation move the patch with the output; the article's
    correlation moves it the other way (its y[-m] reads conv's patch for y[m]).

    >>> fig = region_map_figure()
    >>> [ax.get_gid() for ax in fig.axes]
    ['map:conv', 'map:corr', 'map:corr-article']
    """
    check_notation(notation)
    x_shape, h_shape = shape2(x_shape, "x_shape"), shape2(h_shape, "h_shape")
    if not isinstance(most, int) or most < 2:
        raise ArgumentError(f"most={most!r} is not accepted: give an int >= 2")
    n = len(ops)
    fig = new_figure(4.1 * n + 0.4, 5.0)
    axes = np.atleast_1d(fig.subplots(1, n))
    for ax, (op, conv) in zip(axes, ops):
        key = op_key(op, conv)
        plan = make_plan(op, x_shape, h_shape, convention=conv, mode=mode)
        rr, cr = plan.out_ranges()
        rows_out, cols_out = sample_outputs(rr, most), sample_outputs(cr, most)
        rgb, box, (ch, cw) = region_mosaic(plan, rows_out, cols_out, key)
        ax.imshow(rgb, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        for s in ax.spines.values():
            s.set_visible(False)
        fs = 8 if max(len(rows_out), len(cols_out)) <= 7 else 6
        for b, mcol in enumerate(cols_out):
            ax.text(b * cw + (cw - 2) / 2, -1.2, str(mcol), ha="center", va="bottom",
                    color=COLUMN_COLOR, fontsize=fs, fontweight="bold", gid="out-col")
        for a, mrow in enumerate(rows_out):
            ax.text(-1.2, a * ch + (ch - 2) / 2, str(mrow), ha="right", va="center",
                    color=ROW_COLOR, fontsize=fs, fontweight="bold", gid="out-row")
        first, last = (rows_out[0], cols_out[0]), (rows_out[-1], cols_out[-1])
        pf, pl = plan.patch(first), plan.patch(last)

        def where(p):
            (a, b), (c, d) = p
            return (f"[{c}..{d},{a}..{b}]" if notation == "article" else f"[{a}..{b},{c}..{d}]")
        ax.set_title(f"{OP_STYLE[key][3]}: {EQUATION[key]}\n{ORIENTATION[key]}\n"
                     f"y{fmt_index(first, notation)} ← x{where(pf)},  "
                     f"y{fmt_index(last, notation)} ← x{where(pl)}", fontsize=8, pad=18)
        ax.set_gid(f"map:{key}")
    fig.suptitle(f"Region map: tile [m,n] = the image, coloured where output y[m,n] reads it "
                 f"(mode={mode!r}; output index m top, n left; "
                 f"{'article notation [column,row]' if notation == 'article' else 'numpy [row,column]'})",  # noqa: E501
                 fontsize=9)
    fig.subplots_adjust(top=0.8, bottom=0.02, left=0.04, right=0.99, wspace=0.15)
    return fig


def demo_image():
    """scikit-image's bundled ``camera()`` photo as int64, or a generated scene without it."""
    try:
        from skimage import data
    except ImportError:
        yy, xx = np.mgrid[0:256, 0:256]
        img = ((xx // 32 + yy // 32) % 2) * 120 + 60
        img = img + 60 * (((xx - 128) ** 2 + (yy - 128) ** 2) < 60 ** 2)
        return img.astype(np.int64), "generated checkerboard and disc (scikit-image not installed)"
    # the photographer's head, camera and hands: strong edges in every direction
    return data.camera()[40:296, 150:406].astype(np.int64), "skimage.data.camera()[40:296, 150:406]"


def numeric_figure(image=None, kernel=None, *, boundary: str = "symmetric",
                   image_name: str | None = None, kernel_name: str = "Sobel x"):
    """A real image filtered by convolution and by correlation with an asymmetric kernel.

    Panels: the image; the kernel as stored (correlation orientation) with its
    values; ``kf.convolve(x, h, mode="same")``; ``kf.correlate(x, h,
    mode="same")`` (standard convention); their sum.  With the antisymmetric
    Sobel kernel (default) convolution equals minus correlation, so the two
    middle panels show every edge with opposite signs.  Defaults: a 256×256 crop
    of scikit-image's ``camera()`` photo and ``SOBEL_X``; a generated image
    without scikit-image.

    >>> fig = numeric_figure(np.tri(8, dtype=int) * 10)
    >>> [ax.get_gid() for ax in fig.axes][:5]
    ['image', 'kernel', 'conv', 'corr', 'sum']
    """
    from .. import convolve, correlate

    if image is None:
        image, default_name = demo_image()
        image_name = image_name or default_name
    image = np.asarray(image)
    if image.ndim != 2:
        raise ArgumentError(f"image has shape {image.shape}: give a 2-D greyscale image")
    h = SOBEL_X if kernel is None else np.asarray(kernel)
    if h.ndim != 2:
        raise ArgumentError(f"kernel has shape {h.shape}: give a 2-D kernel")
    y_conv = convolve(image, h, mode="same", boundary=boundary)
    y_corr = correlate(image, h, mode="same", boundary=boundary)
    # colour limits at the 99th percentile of |y|, so thin edges stay visible
    lim = float(max(np.percentile(np.abs(y_conv.values), 99), 1))
    fig = new_figure(14, 3.9)
    axes = fig.subplots(1, 5, gridspec_kw={"width_ratios": [1, 0.55, 1, 1, 1]})
    axes[0].imshow(image, cmap="gray")
    axes[0].set_title(image_name or f"image {image.shape[0]}×{image.shape[1]}", fontsize=9)
    axes[1].imshow(h, cmap="PuOr", vmin=-np.abs(h).max(), vmax=np.abs(h).max())
    hmax = float(np.abs(h).max()) or 1.0
    for (r, c), v in np.ndenumerate(h):
        axes[1].text(c, r, f"{v:g}", ha="center", va="center", fontsize=10, fontweight="bold",
                     color="white" if abs(v) > 0.6 * hmax else "black", gid="value")
    axes[1].set_title(f"{kernel_name}, as stored\n(correlation orientation)", fontsize=9)
    im = None
    for ax, y, key, txt in ((axes[2], y_conv, "conv", "kf.convolve"),
                            (axes[3], y_corr, "corr", "kf.correlate")):
        im = ax.imshow(y.values, cmap="PuOr", vmin=-lim, vmax=lim)
        ax.set_title(f"{txt}(x, h)\n{OP_STYLE[key][3]}:\n"
                     f"{ORIENTATION[key].replace('kernel drawn ', 'kernel ')}",
                     fontsize=9, color="black")
    total = y_conv.values + y_corr.values
    axes[4].imshow(total, cmap="PuOr", vmin=-lim, vmax=lim)
    axes[4].set_title(f"convolution + correlation\nmax |sum| = {np.abs(total).max():g}",
                      fontsize=9)
    for ax, gid in zip(axes, ("image", "kernel", "conv", "corr", "sum")):
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_gid(gid)
    fig.colorbar(im, ax=list(axes[2:]), shrink=0.8, pad=0.01, label="output value "
                 "(orange < 0 < purple)")
    fig.suptitle(f"Same image, same kernel: convolution flips the kernel, correlation does not "
                 f"(mode='same', boundary={boundary!r}); for an antisymmetric kernel conv = −corr",
                 fontsize=10)
    return fig
