"""The kernel sliding over the image: convolution and correlation side by side (GIF, MP4).

One figure is built once; each frame moves the kernel overlay to the next
output index, fills that output cell in and writes the frame's terms.  Every
position and every kernel letter comes from ``make_plan(...).terms(m)``.
GIFs are written with Pillow; MP4 only where an ``ffmpeg`` program is on
PATH (never required).
"""

from __future__ import annotations

import base64
import io
import os
import shutil
import subprocess
from dataclasses import dataclass, field

import numpy as np

from ..errors import ArgumentError
from ..lattice import centered_start
from ..plan import make_plan
from ._style import (
    EQUATION,
    OP_STYLE,
    ORIENTATION,
    OUTSIDE_COLOR,
    _tint,
    check_notation,
    fill_cells,
    fmt_index,
    fmt_value,
    new_figure,
    op_key,
    setup_grid,
    shape2,
)
from .figures import evaluate_terms, kernel_labels

__all__ = ["animate", "Animation"]


@dataclass
class Animation:
    """Frames (RGB uint8 arrays) of a sliding-kernel animation, and the output index of each."""

    frames: list = field(repr=False)
    outputs: list
    fps: float = 2.0

    def __len__(self) -> int:
        return len(self.frames)

    def save(self, path) -> str:
        """Write ``.gif`` (Pillow) or ``.mp4`` (needs ``ffmpeg`` on PATH); returns the path."""
        path = os.fspath(path)
        suffix = os.path.splitext(path)[1].lower()
        if suffix == ".gif":
            with open(path, "wb") as f:
                f.write(self.gif_bytes())
            return path
        if suffix == ".mp4":
            exe = shutil.which("ffmpeg")
            if exe is None:
                raise ArgumentError(
                    f"path={path!r} needs the ffmpeg program, which is not on PATH: "
                    "save a .gif instead"
                )
            h, w = self.frames[0].shape[:2]
            h2, w2 = h - h % 2, w - w % 2
            cmd = [exe, "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
                   "-s", f"{w2}x{h2}", "-r", str(self.fps), "-i", "-", "-pix_fmt", "yuv420p",
                   "-vcodec", "libx264", path]
            data = b"".join(np.ascontiguousarray(f[:h2, :w2, :3]).tobytes() for f in self.frames)
            subprocess.run(cmd, input=data, check=True)
            return path
        raise ArgumentError(f"path={path!r} is not accepted: the suffix must be .gif or .mp4")

    def gif_bytes(self) -> bytes:
        """The animation as GIF file bytes (one palette shared by all frames)."""
        from PIL import Image

        first = Image.fromarray(self.frames[0]).quantize(colors=96, method=Image.Quantize.MEDIANCUT)
        images = [first] + [Image.fromarray(f).quantize(palette=first, dither=Image.Dither.NONE)
                            for f in self.frames[1:]]
        buf = io.BytesIO()
        images[0].save(buf, format="GIF", save_all=True, append_images=images[1:],
                       duration=int(1000 / self.fps), loop=0, optimize=False)
        return buf.getvalue()

    def _repr_html_(self) -> str:  # Jupyter
        data = base64.b64encode(self.gif_bytes()).decode("ascii")
        return f'<img src="data:image/gif;base64,{data}" alt="sliding kernel animation"/>'


def animate(x_shape=(7, 7), h_shape=(3, 3), path=None, *, convention: str = "standard",
            mode="same", notation: str = "article", x_values=None, h_values=None,
            fps: float = 2.0, dpi: int = 84, max_frames: int = 200) -> Animation:
    """Frames of the kernel sliding over the image, convolution (left) and correlation (right).

    For every output index m of ``mode`` (row by row) each panel shows the
    image pixels ``make_plan(op, ...).terms(m)`` reads, each with the kernel
    value it multiplies (flipped for convolution, as stored for correlation),
    the output filled in so far and, below, that output's sum.  ``convention``
    picks the correlation (standard ``Σ x[i] h[i−m]`` or the article's
    ``Σ x[i] h[m+i]``).  Frames: one per output (49 for 7×7 'same').  With
    ``path`` the animation is also saved (.gif, or .mp4 with ffmpeg).

    >>> anim = animate((4, 4), (3, 3), mode="valid")
    >>> len(anim), anim.outputs[:2], anim.frames[0].dtype
    (4, [(-1, -1), (-1, 0)], dtype('uint8'))
    """
    check_notation(notation)
    x_shape, h_shape = shape2(x_shape, "x_shape"), shape2(h_shape, "h_shape")
    if x_values is not None:
        x_values = np.asarray(x_values)
        x_shape = x_values.shape
    if h_values is not None:
        h_values = np.asarray(h_values)
        h_shape = h_values.shape
    if not (isinstance(fps, (int, float)) and fps > 0):
        raise ArgumentError(f"fps={fps!r} is not accepted: give a number > 0")
    xs, hs = centered_start(x_shape), centered_start(h_shape)
    plans = [make_plan("conv", x_shape, h_shape, mode=mode),
             make_plan("corr", x_shape, h_shape, mode=mode, convention=convention)]
    keys = ["conv", op_key("corr", convention)]
    orr, ocr = plans[0].out_ranges()
    outputs = [(m, n) for m in orr for n in ocr]
    if len(outputs) > max_frames:
        raise ArgumentError(
            f"mode={mode!r} gives {len(outputs)} outputs (frames) for image {x_shape} and "
            f"kernel {h_shape}, more than max_frames={max_frames}: use mode='valid', a "
            "smaller image, or raise max_frames"
        )
    labels = kernel_labels(h_shape, h_values, hs, notation)
    all_terms = [[p.terms(m) for m in outputs] for p in plans]
    # image panel range: the image plus every pixel any frame reaches
    im_r = [xs[0], xs[0] + x_shape[0] - 1]
    im_c = [xs[1], xs[1] + x_shape[1] - 1]
    for tl in all_terms:
        for t in tl:
            im_r = [min(im_r[0], int(t.image[:, 0].min())), max(im_r[1], int(t.image[:, 0].max()))]
            im_c = [min(im_c[0], int(t.image[:, 1].min())), max(im_c[1], int(t.image[:, 1].max()))]
    rows, cols = range(im_r[0], im_r[1] + 1), range(im_c[0], im_c[1] + 1)
    cell = 0.3
    pw = cell * (len(cols) + len(ocr)) + 1.0
    n_lines = h_shape[0] + (2 if x_values is not None and h_values is not None else 1)
    foot = 0.12 + 0.15 * n_lines
    grid_h = cell * max(len(rows), len(orr))
    fig = new_figure(2 * pw + 0.3, grid_h + 1.05 + foot, dpi=dpi)
    W, H = fig.get_size_inches()
    from matplotlib.patches import Rectangle

    movers = []
    for k, key in enumerate(keys):
        color = OP_STYLE[key][0]
        x0 = k * (pw + 0.2) + 0.4
        ax_im = fig.add_axes([x0 / W, (foot + grid_h - cell * len(rows)) / H,
                              cell * len(cols) / W, cell * len(rows) / H])
        ax_out = fig.add_axes([(x0 + cell * len(cols) + 0.45) / W,
                               (foot + grid_h - cell * len(orr)) / H,
                               cell * len(ocr) / W, cell * len(orr) / H])
        setup_grid(ax_im, rows, cols, fontsize=7)
        setup_grid(ax_out, orr, ocr, fontsize=7)
        off = [(r, c) for r in rows for c in cols
               if not (xs[0] <= r < xs[0] + x_shape[0] and xs[1] <= c < xs[1] + x_shape[1])]
        fill_cells(ax_im, off, OUTSIDE_COLOR, gid="outside")
        ax_im.set_title(f"{OP_STYLE[key][3]}: {EQUATION[key]}\n{ORIENTATION[key]}",
                        fontsize=8, pad=14, loc="left")
        ax_out.set_title("output y", fontsize=8, pad=14)
        n_taps = h_shape[0] * h_shape[1]
        rects = [ax_im.add_patch(Rectangle((0, 0), 1, 1, facecolor=_tint(color, 0.45),
                                           edgecolor=color, lw=0.8, zorder=2, animated=True))
                 for _ in range(n_taps)]
        texts = [ax_im.text(0, 0, "", ha="center", va="center", fontsize=9, fontweight="bold",
                            zorder=3, animated=True) for _ in range(n_taps)]
        out_cells = {m: ax_out.add_patch(Rectangle((m[1] - 0.5, m[0] - 0.5), 1, 1,
                                                   facecolor=_tint(color, 0.3), edgecolor="none",
                                                   zorder=0.5, animated=True))
                     for m in outputs}
        cur = ax_out.add_patch(Rectangle((0, 0), 1, 1, fill=False, edgecolor=color, lw=2,
                                         zorder=3, animated=True))
        movers.append((ax_im, ax_out, rects, texts, out_cells, cur))
    sum_text = [fig.text((k * (pw + 0.2) + 0.1) / W, 0.1 / H, "", ha="left", va="bottom",
                         fontsize=7, family="monospace", animated=True) for k in range(2)]
    canvas = fig.canvas
    canvas.draw()  # the static parts once; animated artists are drawn per frame
    background = canvas.copy_from_bbox(fig.bbox)
    frames = []
    for f, m in enumerate(outputs):
        # the filled output cells accumulate in the background; the rest moves
        canvas.restore_region(background)
        for _, ax_out, _, _, out_cells, _ in movers:
            ax_out.draw_artist(out_cells[m])
        background = canvas.copy_from_bbox(fig.bbox)
        for k, (ax_im, ax_out, rects, texts, _, cur) in enumerate(movers):
            terms = all_terms[k][f]
            parts = []
            for j, p in enumerate(terms):
                r, c = p.image
                rects[j].set_xy((c - 0.5, r - 0.5))
                texts[j].set_position((c, r))
                texts[j].set_text(labels[p.tap])
                parts.append(f"x{fmt_index(p.image, notation)}·{labels[p.tap]}")
            for a in rects + texts:
                ax_im.draw_artist(a)
            cur.set_xy((m[1] - 0.5, m[0] - 0.5))
            ax_out.draw_artist(cur)
            per = h_shape[1]
            y = f"y{fmt_index(m, notation)}"
            lines = [" + ".join(parts[i:i + per]) for i in range(0, len(parts), per)]
            text = f"{y} = " + ("\n" + " " * len(y) + " + ").join(lines)
            if x_values is not None and h_values is not None:
                val = evaluate_terms(terms, x_values, h_values, xs, hs)
                text += f"\n{y} = {fmt_value(val)}"
            sum_text[k].set_text(text)
            fig.draw_artist(sum_text[k])
        frames.append(np.asarray(canvas.buffer_rgba())[:, :, :3].copy())
    anim = Animation(frames, outputs, float(fps))
    if path is not None:
        anim.save(path)
    return anim
