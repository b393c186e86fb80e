"""Drawings of the article's pictures, read from the index plan (matplotlib, Agg canvas).

Every function returns a :class:`matplotlib.figure.Figure` (created without
pyplot, so nothing is shown and no global state is kept); :func:`save`
writes PNG, SVG or PDF.  matplotlib is imported when a drawing is made, never
when kernelflip is imported.

>>> from kernelflip import draw
>>> fig = draw.alignment_figure("conv", (7, 7), (3, 3), at=(1, 1))
>>> fig.texts[0].get_text().startswith("y[1,1] = x[0,0]·i")
True
"""

from ._style import OKABE_ITO, OP_STYLE, fmt_index, save, value_names
from .animate import animate
from .figures import alignment_figure, image_figure, kernel_figure, kernel_labels, patch_figure
from .maps import numeric_figure, region_map_figure

__all__ = [
    "OKABE_ITO", "OP_STYLE", "alignment_figure", "animate", "fmt_index", "image_figure",
    "kernel_figure", "kernel_labels", "numeric_figure", "patch_figure", "region_map_figure",
    "save", "value_names",
]
