"""Drawings: which labels sit on which pixel, which cells are highlighted, checked against the
article's hand-derived example and against scipy as an oracle."""

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from matplotlib.colors import to_rgb  # noqa: E402

from kernelflip import draw  # noqa: E402
from kernelflip.draw._style import COLUMN_COLOR, OP_STYLE, ROW_COLOR, _tint  # noqa: E402

NAMES = draw.value_names((3, 3))  # signed (row, col) -> letter, a..i row by row


def texts(ax, gid=None):
    """{(x, y): text} of an axes' texts (x = column, y = row), optionally of one gid."""
    return {tuple(np.round(t.get_position(), 6)): t.get_text() for t in ax.texts
            if gid is None or t.get_gid() == gid}


def patch_cells(ax, prefix="patch"):
    out = {}
    for p in ax.patches:
        gid = p.get_gid() or ""
        if gid.startswith(prefix + ":"):
            r, c = (int(v) for v in gid.split(":")[1].split(","))
            out[(r, c)] = p
    return out


def test_value_names_are_the_articles_letters():
    assert NAMES[(-1, -1)] == "a" and NAMES[(-1, 1)] == "c" and NAMES[(1, -1)] == "g"
    assert "".join(NAMES[k] for k in sorted(NAMES)) == "abcdefghi"
    big = draw.value_names((7, 7))
    assert big[(-3, 2)] == "h[2,-3]"  # article notation [column,row] beyond 26 values


def test_kernel_figure_indices_values_and_colours():
    fig = draw.kernel_figure((3, 3))
    idx, val = texts(fig.axes[0], "index"), texts(fig.axes[1], "value")
    # article notation: position (column, row) carries "[column,row]"
    assert idx[(1, -1)] == "[1,-1]" and idx[(-1, 0)] == "[-1,0]"
    assert val[(-1, -1)] == "a" and val[(1, -1)] == "c" and val[(-1, 1)] == "g"
    assert val[(1, 1)] == "i"
    cols = [t for t in fig.axes[0].texts if t.get_gid() == "col-label"]
    rows = [t for t in fig.axes[0].texts if t.get_gid() == "row-label"]
    assert sorted(t.get_text() for t in cols) == ["-1", "0", "1"]
    assert all(to_rgb(t.get_color()) == to_rgb(COLUMN_COLOR) for t in cols)
    assert all(to_rgb(t.get_color()) == to_rgb(ROW_COLOR) for t in rows)
    # columns labelled above the grid, rows left of it (position, not colour alone)
    assert all(t.get_position()[1] < -1.5 for t in cols)
    assert all(t.get_position()[0] < -1.5 for t in rows)
    assert "as stored" in fig._suptitle.get_text() and "column" in fig._suptitle.get_text()


def test_kernel_figure_numeric_values():
    fig = draw.kernel_figure(values=np.arange(9).reshape(3, 3) * 10)
    val = texts(fig.axes[1], "value")
    assert val[(-1, -1)] == "0" and val[(1, -1)] == "20" and val[(0, 1)] == "70"


def test_image_figure_corner_holds_every_index():
    fig = draw.image_figure((7, 7))
    zoom = texts(fig.axes[1], "index")
    assert len(zoom) == 16  # 0..3 on both axes, the article's lower-right corner
    assert zoom[(3, 0)] == "[3,0]" and zoom[(0, 3)] == "[0,3]"
    numpy = texts(draw.image_figure((7, 7), notation="numpy").axes[1], "index")
    assert numpy[(3, 0)] == "[0,3]"
    (zoom_rect,) = [p for p in fig.axes[0].patches if p.get_gid() == "zoom"]
    assert zoom_rect.get_xy() == (-0.5, -0.5) and zoom_rect.get_width() == 4


def test_image_figure_rejects_a_corner_outside():
    with pytest.raises(ValueError, match=r"corner=.*inside the image's rows -3\.\.3"):
        draw.image_figure((7, 7), corner=((0, 5), (0, 3)))


@pytest.mark.parametrize("op, convention, at, rule", [
    ("conv", "standard", (1, 1), lambda m, i: (m[0] - i[0], m[1] - i[1])),
    ("corr", "standard", (1, 1), lambda m, i: (i[0] - m[0], i[1] - m[1])),
    ("corr", "article", (-1, -1), lambda m, i: (m[0] + i[0], m[1] + i[1])),
])
def test_alignment_puts_each_kernel_value_on_its_pixel(op, convention, at, rule):
    fig = draw.alignment_figure(op, (7, 7), (3, 3), at, convention=convention)
    ax = fig.axes[0]
    names = texts(ax, "name")
    assert len(names) == 9
    for (c, r), letter in names.items():
        r, c = int(round(r - 0.3)), int(round(c))  # name sits 0.3 below the centre
        assert letter == NAMES[rule(at, (r, c))]
    cells = patch_cells(ax)
    assert set(cells) == {(r, c) for r in range(0, 3) for c in range(0, 3)}
    color = OP_STYLE["conv" if op == "conv" else ("corr-article" if convention == "article"
                                                  else "corr")][0]
    assert all(np.allclose(p.get_facecolor()[:3], _tint(color, 0.3)) for p in cells.values())
    # the ring of pixels around the patch: subscripts that name no kernel element
    assert len([t for t in ax.texts if t.get_gid() == "none"]) == 16
    title = fig._suptitle.get_text()
    assert ("kernel drawn flipped" if op == "conv" else "kernel drawn as stored") in title
    assert "[column,row]" in title


def test_alignment_conv_flips_article_letters():
    """The article's drawing: conv y[1,1] puts i on x[0,0] and a on x[2,2]."""
    ax = draw.alignment_figure("conv").axes[0]
    names = {(round(x), round(y - 0.3)): t for (x, y), t in texts(ax, "name").items()}
    assert names[(0, 0)] == "i" and names[(2, 2)] == "a" and names[(2, 0)] == "g"
    assert draw.alignment_figure("conv").texts[0].get_text().startswith("y[1,1] = x[0,0]·i")


def test_alignment_numeric_value_matches_scipy():
    signal = pytest.importorskip("scipy.signal")
    x = np.arange(49).reshape(7, 7)
    h = np.array([[1, 2, 4], [8, 16, 32], [64, 128, 256]])
    fig = draw.alignment_figure("conv", x_values=x, h_values=h, at=(1, 2))
    expected = signal.convolve2d(x, h)[1 + 4, 2 + 4]  # full output starts at index -4
    assert fig.texts[0].get_text().endswith(f"y[2,1] = {expected}")


def test_patch_figure_cells_per_panel():
    fig = draw.patch_figure((7, 7), (3, 3), (1, 1))
    gids = [ax.get_gid() for ax in fig.axes]
    assert gids == ["conv:1,1", "corr:1,1", "corr-article:1,1", "corr-article:-1,-1"]
    block = {(r, c) for r in range(0, 3) for c in range(0, 3)}
    mirror = {(r, c) for r in range(-2, 1) for c in range(-2, 1)}
    expect = [block, block, mirror, block]
    for ax, cells in zip(fig.axes, expect):
        assert set(patch_cells(ax)) == cells
    same = [bool([t for t in ax.texts if t.get_gid() == "same-patch"]) for ax in fig.axes]
    assert same == [False, True, False, True]
    # conv shows the flipped kernel on its patch, the article's y[-1,-1] the stored one
    conv = {(round(x), round(y)): t for (x, y), t in texts(fig.axes[0], "name").items()}
    art = {(round(x), round(y)): t for (x, y), t in texts(fig.axes[3], "name").items()}
    assert conv[(0, 0)] == "i" and art[(0, 0)] == "a"


def test_region_map_tiles():
    fig = draw.region_map_figure((7, 7), (3, 3))
    assert [ax.get_gid() for ax in fig.axes] == ["map:conv", "map:corr", "map:corr-article"]
    tile = 7 + 1  # valid mode: patches stay inside, so a tile is the 7x7 image + a gap
    for ax, key, first_rows in zip(fig.axes, ("conv", "corr", "corr-article"),
                                   (range(0, 3), range(0, 3), range(4, 7))):
        rgb = np.asarray(ax.images[0].get_array())
        assert rgb.shape[:2] == (5 * tile - 1, 5 * tile - 1)
        color = np.asarray(to_rgb(OP_STYLE[key][0]))
        hit = np.all(np.isclose(rgb[:7, :7], color), axis=2)  # tile of output [-2,-2]
        rows, cols = np.nonzero(hit)
        assert set(rows) == set(first_rows) and set(cols) == set(first_rows)
        assert hit.sum() == 9
    labels = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "out-col"]
    assert labels == ["-2", "-1", "0", "1", "2"]


def test_numeric_figure_against_ndimage():
    ndimage = pytest.importorskip("scipy.ndimage")
    x = (np.arange(100).reshape(10, 10) % 7) * 3
    fig = draw.numeric_figure(x)
    conv = np.asarray(fig.axes[2].images[0].get_array())
    corr = np.asarray(fig.axes[3].images[0].get_array())
    # ndimage 'reflect' is numpy's 'symmetric' (the figure's boundary)
    assert np.array_equal(conv, ndimage.convolve(x, draw.maps.SOBEL_X, mode="reflect"))
    assert np.array_equal(corr, ndimage.correlate(x, draw.maps.SOBEL_X, mode="reflect"))
    assert np.array_equal(conv, -corr) and np.abs(conv).max() > 0


def test_legible_at_11x11_with_5x5():
    fig = draw.alignment_figure("conv", (11, 11), (5, 5), at=(2, 3))
    ax = fig.axes[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    cell_px = ax.transData.transform((1, 0))[0] - ax.transData.transform((0, 0))[0]
    widths = [t.get_window_extent(renderer).width for t in ax.texts
              if t.get_gid() in ("pixel", "kernel", "name")]
    assert len(widths) > 3 * 25 and max(widths) < cell_px
    assert min(t.get_fontsize() for t in ax.texts) >= 6
    for f in (draw.image_figure((11, 11)), draw.patch_figure((11, 11), (5, 5), (2, 3)),
              draw.kernel_figure((5, 5))):
        assert min(t.get_fontsize() for a in f.axes for t in a.texts) >= 6


@pytest.mark.parametrize("suffix", ["png", "svg", "pdf"])
def test_save_formats(tmp_path, suffix):
    path = draw.save(draw.kernel_figure(), tmp_path / f"k.{suffix}")
    with open(path, "rb") as f:
        head = f.read(8)
    assert {"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF"}[suffix] in head


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"suffix must be \.png, \.svg or \.pdf"):
        draw.save(draw.kernel_figure(), "k.jpg")
    with pytest.raises(ValueError, match=r"notation='cols' is not accepted"):
        draw.kernel_figure(notation="cols")
    with pytest.raises(ValueError, match=r"op='conf' is not accepted"):
        draw.alignment_figure("conf")
    with pytest.raises(ValueError, match=r"at=\(1,\) is not accepted"):
        draw.alignment_figure("conv", at=(1,))
    with pytest.raises(ValueError, match=r"x_shape='7by7' is not accepted"):
        draw.image_figure("7by7")
    with pytest.raises(IndexError, match=r"outside axis 0"):
        draw.alignment_figure("conv", at=(9, 0))


def test_animation_frames_and_gif(tmp_path):
    Image = pytest.importorskip("PIL.Image")
    anim = draw.animate((5, 5), (3, 3), mode="valid", x_values=np.arange(25).reshape(5, 5),
                        h_values=np.eye(3, dtype=int))
    assert anim.outputs == [(m, n) for m in (-1, 0, 1) for n in (-1, 0, 1)]
    assert len(anim) == 9 and anim.frames[0].ndim == 3
    assert not np.array_equal(anim.frames[0], anim.frames[1])
    path = anim.save(tmp_path / "a.gif")
    with Image.open(path) as im:
        assert im.n_frames == 9 and im.size == anim.frames[0].shape[1::-1]
    assert anim._repr_html_().startswith('<img src="data:image/gif;base64,')


def test_animation_errors():
    import shutil

    anim = draw.animate((3, 3), (3, 3), mode="valid")
    assert len(anim) == 1
    if shutil.which("ffmpeg") is None:
        with pytest.raises(ValueError, match=r"needs the ffmpeg program"):
            anim.save("a.mp4")
    with pytest.raises(ValueError, match=r"suffix must be \.gif or \.mp4"):
        anim.save("a.png")
    with pytest.raises(ValueError, match=r"more than max_frames=10"):
        draw.animate((7, 7), (3, 3), max_frames=10)
