"""kernelflip: convolution and cross-correlation with exact index semantics.

Real convolution flips the kernel; cross-correlation does not.  Every array
carries the signed index of its first element, so ``y.at[1, 1]`` is the
article's ``y[1, 1]`` (the centre of image, kernel and output is [0, 0]).
"""

from .allocator import keep_freed_memory
from .conventions import like, like_indexed, translate
from .engines.torch_engine import conv_nn
from .engines.tune import autotune
from .errors import (
    ArgumentError,
    ArgumentTypeError,
    ExactnessError,
    IndexRangeError,
    KernelflipError,
    TooLargeError,
)
from .explain import Explanation, explain
from .lattice import Indexed, centered, indexed
from .ops import Choice, choose_method, convolve, correlate
from .plan import Plan, make_plan

__version__ = "0.1.0"

__all__ = [
    "ArgumentError", "ArgumentTypeError", "Choice", "ExactnessError", "IndexRangeError",
    "Indexed", "KernelflipError", "Plan", "TooLargeError", "centered", "choose_method",
    "convolve", "correlate", "indexed", "make_plan", "__version__",
    "Explanation", "explain", "like", "like_indexed", "translate", "conv_nn",
    "keep_freed_memory", "autotune",
]
