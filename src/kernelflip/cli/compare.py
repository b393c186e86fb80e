"""``kernelflip compare``: every library's convention on one input, side by side.

    kernelflip compare                      # x = 1..5, h = [1, 10]
    kernelflip compare -x "1,2,3,4,5,6" -k "1,2,4,8" --only scipy --only cv2
    kernelflip compare --check              # also run the installed libraries

Rows with equal outputs share a group letter; the last columns say how each
differs from scipy.signal.convolve 'same': a flip, a shift of one sample (the
other even-kernel camp), a border, a window or a dtype rule.
"""

from __future__ import annotations

import argparse

from . import UsageError
from ._inputs import INPUT_HELP, allow_negative_values, read_operand


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "compare", help="run every library's convention on one input and show where they differ",
        description="Run numpy, scipy.signal, scipy.ndimage, OpenCV, PyTorch, TensorFlow, JAX "
                    "and MATLAB conventions (reproduced by kernelflip) on one image and kernel, "
                    "each with its typical 'same'-size call, and tabulate where they agree and "
                    "how they differ: flip, shift of one sample, border, window, dtype rule.",
        epilog="example: kernelflip compare -x 1,2,3,4,5 -k 1,10 --check",
    )
    allow_negative_values(p)
    p.add_argument("--image", "-x", metavar="SPEC", default=None,
                   help="the image (default 1,2,3,4,5): " + INPUT_HELP)
    p.add_argument("--kernel", "-k", metavar="SPEC", default=None,
                   help="the kernel (default 1,10)")
    p.add_argument("--only", metavar="NAME", action="append", default=[],
                   help="only functions whose name contains NAME (repeatable), e.g. cv2, ndimage")
    p.add_argument("--check", action="store_true",
                   help="also run the installed libraries and confirm each reproduction")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..conventions.compare import compare, format_table
    from ..errors import ArgumentError

    x = None if args.image is None else read_operand(args.image, "--image", allow_shape=False)
    h = None if args.kernel is None else read_operand(args.kernel, "--kernel",
                                                      allow_shape=False)
    try:
        rows = compare(x, h, names=args.only or None, check=args.check)
    except ArgumentError as exc:
        raise UsageError(str(exc)) from None
    print(format_table(rows, check=args.check))
    if args.check and any(r.check.startswith("MISMATCH") for r in rows):
        return 1
    return 0
