"""``kernelflip convolve`` and ``kernelflip correlate``: compute, print the index range, save.

    kernelflip convolve --image photo.png --kernel "1,2,1;2,4,2;1,2,1" --mode same --out y.png

prints the result's signed index range (and its values when it is small)
and writes ``--out`` (.npy keeps everything; .csv for 1-D/2-D; .png scales
the values to 0..255 and says how).
"""

from __future__ import annotations

import argparse

import numpy as np

from . import UsageError
from ._inputs import (
    add_operation_options,
    allow_negative_values,
    operand_starts,
    operation_kwargs,
    read_operand,
)

SHOW_LIMIT = 400  # print the values when the result has at most this many elements
OUT_SUFFIXES = (".npy", ".csv", ".png")


def add_parser(subparsers) -> None:
    for op in ("convolve", "correlate"):
        what = ("convolution y[m] = sum_i x[i] h[m-i] (the kernel flipped)" if op == "convolve"
                else "cross-correlation (the kernel not flipped), in either convention")
        p = subparsers.add_parser(
            op, help=f"compute the {what.split(' (')[0].split(' y[')[0]} of an image and a kernel",
            description=f"Compute the {what}.  Prints the result's signed index range (and "
                        f"the values when it has at most {SHOW_LIMIT} elements) and writes "
                        "--out.",
            epilog=f"example: kernelflip {op} --image 1,2,3 --kernel 1,10,100 --mode same",
        )
        allow_negative_values(p)
        add_operation_options(p, mode_default="full")
        if op == "correlate":
            p.add_argument("--convention", choices=("standard", "article"), default="standard",
                           help="standard y[m]=sum x[i] conj(h[i-m]) (scipy, numpy, torch) or "
                                "the article's y[m]=sum x[i] h[m+i] (default: standard)")
        p.add_argument("--method", default="auto",
                       help="engine: auto (default), reference, direct, fft, ... ")
        p.add_argument("--out", "-o", metavar="FILE",
                       help="write the values: .npy, .csv (1-D/2-D) or .png (2-D, scaled to "
                            "0..255)")
        p.set_defaults(func=run, op=op)


def _range_text(y) -> str:
    parts = []
    for r in y.ranges():
        text = f"{r.start}..{r[-1]}" if len(r) > 1 else f"{r.start}"
        parts.append(text + (f" step {r.step}" if r.step != 1 else ""))
    return "[" + ", ".join(parts) + "]"


def _table(y) -> str:
    """The values with their signed indices: a labelled grid for 1-D and 2-D."""
    vals = y.values
    if y.ndim > 2:
        return np.array2string(vals, separator=" ")
    cells = [[str(v) for v in row] for row in np.atleast_2d(vals)]
    cols = y.indices(y.ndim - 1)
    rows = y.indices(0) if y.ndim == 2 else [None]
    width = max(max(len(c) for row in cells for c in row), max(len(str(c)) for c in cols))
    label = max((len(str(r)) for r in rows if r is not None), default=0)
    head = " " * (label + 3 if y.ndim == 2 else 0) + " ".join(str(c).rjust(width) for c in cols)
    lines = [head]
    for r, row in zip(rows, cells):
        lead = f"{str(r).rjust(label)} | " if r is not None else ""
        lines.append(lead + " ".join(c.rjust(width) for c in row))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from .. import choose_method, convolve, correlate
    from ..errors import ArgumentError, ArgumentTypeError, IndexRangeError
    from ..io import save_array

    if args.out is not None and not args.out.lower().endswith(OUT_SUFFIXES):
        raise UsageError(f"--out={args.out!r} is not accepted: use a file name ending in "
                         f"{', '.join(OUT_SUFFIXES)}")
    x = read_operand(args.image, "--image", allow_shape=False)
    h = read_operand(args.kernel, "--kernel", allow_shape=False)
    kw = operation_kwargs(args)
    starts = operand_starts(args)
    from ..lattice import indexed

    xa = x if starts["x_start"] is None else indexed(x, start=starts["x_start"])
    ha = h if starts["h_start"] is None else indexed(h, start=starts["h_start"])
    extra = {"convention": args.convention} if args.op == "correlate" else {}
    try:
        if args.op == "convolve":
            y = convolve(xa, ha, method=args.method, **kw)
        else:
            y = correlate(xa, ha, method=args.method, **kw, **extra)
        method = args.method
        if method == "auto":
            op = "conv" if args.op == "convolve" else "corr"
            method = f"auto -> {choose_method(xa, ha, op=op, **kw, **extra)}"
    except (ArgumentError, ArgumentTypeError, IndexRangeError) as exc:
        raise UsageError(str(exc)) from None
    desc = args.op if args.op == "convolve" else f"correlate ({args.convention} convention)"
    print(f"{desc}: image shape {np.shape(x)}, kernel shape {np.shape(h)}, mode {args.mode}, "
          f"boundary {args.boundary}; method {method}")
    print(f"y: shape {y.shape}, {y.dtype}, indices {_range_text(y)}")
    if y.size <= SHOW_LIMIT:
        print(_table(y))
    if args.out is not None:
        try:
            print(save_array(args.out, y.values))
        except ArgumentError as exc:
            raise UsageError(str(exc)) from None
    return 0
