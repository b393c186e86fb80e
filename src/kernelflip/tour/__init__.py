"""The article, regenerated: a step-by-step walkthrough as one self-contained HTML page.

Also written as Markdown with the figures as files.

>>> from kernelflip.tour import build_tour
>>> tour = build_tour(animation=False)
>>> tour.section("flip").title
'4. The drawing: convolution flips the kernel'
"""

from .build import NAMED_KERNELS, Picture, Section, Tour, build_tour, parse_values
from .text import LANGS

__all__ = ["build_tour", "Tour", "Section", "Picture", "parse_values", "NAMED_KERNELS", "LANGS"]
