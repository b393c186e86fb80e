"""``kernelflip explain``: the worked example of one output element.

    kernelflip explain --op conv --image 7x7 --kernel 3x3 --at 1,1 --notation article

prints the article's convolution y[1,1] term by term (the kernel a..i
flipped); ``--op corr --convention article --at -1,-1`` its correlation of
the same patch.  ``--format`` chooses text, markdown, latex, html or json;
``--lang zh`` writes the words in Chinese (the terms and the sum are the same).
"""

from __future__ import annotations

import argparse
import sys

from . import UsageError
from ._inputs import (
    add_operation_options,
    allow_negative_values,
    int_tuple,
    operand_starts,
    operation_kwargs,
    read_operand,
)

FORMATS = ("text", "markdown", "latex", "html", "json")
LANGS = ("en", "zh")  # kernelflip.explain.words.LANGS, without importing numpy for --help


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "explain", help="write out every term of one output element (the article's worked example)",
        description="Write out every term of one output element y[at]: the kernel subscript "
                    "substituted (left column) and resolved (right column), the kernel value's "
                    "letter or number, and the sum.  A shape such as 7x7 gives symbolic values "
                    "(kernel a, b, c, ... row by row from the top left; image x[i,j]).",
        epilog="example: kernelflip explain --op conv --image 7x7 --kernel 3x3 --at 1,1 "
               "--notation article",
    )
    allow_negative_values(p)
    p.add_argument("--op", choices=("conv", "corr", "convolve", "correlate"), default="conv",
                   help="convolution or cross-correlation (default: conv)")
    add_operation_options(p, mode_default="same")
    p.add_argument("--at", metavar="M,N", default=None,
                   help="the output index, in the notation's order (default: 0 on every axis); "
                        "negative values work: --at -1,-1 or --at=-1,-1")
    p.add_argument("--convention", choices=("standard", "article"), default="standard",
                   help="correlation convention: standard y[m]=sum x[i]h[i-m] (scipy, numpy, "
                        "torch) or article y[m]=sum x[i]h[m+i] (default: standard)")
    p.add_argument("--notation", choices=("numpy", "article"), default="numpy",
                   help="print indices as [row, column] (numpy) or [column, row] (article)")
    p.add_argument("--format", choices=FORMATS, default="text", help="output format")
    p.add_argument("--show-outside", nargs="?", type=int, const=1, default=0, metavar="N",
                   help="also list the image indices within N (default 1) of the patch whose "
                        "kernel subscript names no kernel element (they drop out)")
    p.add_argument("--lang", choices=LANGS, default="en",
                   help="language of the words: en or zh (Chinese); the indices, terms and sum "
                        "are the same, and json data is not translated (default: en)")
    p.add_argument("--ascii", action="store_true",
                   help="text format with - * | instead of the minus sign, dot and rule")
    p.add_argument("--like", metavar="LIBRARY.FUNCTION", default=None,
                   help="show the example under a library's convention (e.g. cv2.filter2D, "
                        "scipy.signal.correlate2d, torch.conv2d): its operation, anchor, window "
                        "and border replace --op/--mode/--boundary; indices are array positions")
    p.add_argument("--like-option", metavar="KEY=VALUE", action="append", default=[],
                   help="a keyword option of the --like function, in its own terms "
                        "(repeatable): borderType=0, mode=same, padding=same, origin=-1")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import ArgumentError, ArgumentTypeError, IndexRangeError
    from ..explain import explain

    x = read_operand(args.image, "--image", allow_shape=True, default="7x7")
    h = read_operand(args.kernel, "--kernel", allow_shape=True, default="3x3")
    at = None if args.at is None else int_tuple(args.at, "--at")
    if args.show_outside < 0:
        raise UsageError(f"--show-outside={args.show_outside} is not accepted: give N >= 0")
    like = {}
    if args.like is not None:
        from ._like import like_options

        like = dict(like=args.like, like_options=like_options(args.like_option))
    try:
        e = explain(args.op, x, h, at=at, convention=args.convention, notation=args.notation,
                    show_outside=args.show_outside, **operation_kwargs(args),
                    **operand_starts(args), **like)
    except (ArgumentError, ArgumentTypeError, IndexRangeError) as exc:
        raise UsageError(str(exc)) from None
    if args.format == "text":
        out = e.to_text(ascii=args.ascii, lang=args.lang)
    elif args.format == "markdown":
        out = e.to_markdown(lang=args.lang)
    elif args.format == "latex":
        out = e.to_latex(lang=args.lang)
    elif args.format == "html":
        out = e.to_html(lang=args.lang)
    else:
        out = e.to_json()
    sys.stdout.write(out if out.endswith("\n") else out + "\n")
    return 0
