"""``kernelflip tour``: the article regenerated as one HTML page (plus Markdown), for any sizes.

Prints the article's worked examples to stdout, writes ``DIR/tour.html``
(self-contained, opens offline), ``DIR/tour.md`` and ``DIR/figures/``, and
says where.
"""

from __future__ import annotations

import sys
import time

from . import UsageError


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "tour", help="write the article's walkthrough (HTML + Markdown) and print its example",
        description=("Regenerate the article 'Convolution vs. cross-correlation' step by step for "
                     "any image/kernel size and output index: worked examples, the flip drawing, "
                     "both correlation conventions, patch maps, an animation, backpropagation. "
                     "Defaults reproduce the article (7x7 image, 3x3 kernel a..i, y[1,1])."))
    p.add_argument("--image", default="7x7", metavar="RxC", help="image size (default 7x7)")
    p.add_argument("--kernel", default="3x3", metavar="RxC", help="kernel size (default 3x3)")
    p.add_argument("--at", default="1,1", metavar="I,J",
                   help="output index in the notation's order; article: column,row (default 1,1)")
    p.add_argument("--values", default=None, metavar="V",
                   help="kernel numbers, e.g. '1,2,3;4,5,6;7,8,9', or a name: sobel-x, sobel-y, "
                        "prewitt-x, laplace, shift (default: symbolic a..i)")
    p.add_argument("--lang", default="en", choices=("en", "zh"), help="text language")
    p.add_argument("--notation", default="article", choices=("article", "numpy"),
                   help="article: [column,row] (default); numpy: [row,column]")
    p.add_argument("--out", default="tour", metavar="DIR", help="output folder (default ./tour)")
    p.add_argument("--no-animation", action="store_true", help="skip the GIF (faster)")
    p.set_defaults(func=run)


def _size(text: str, name: str) -> tuple[int, int]:
    parts = text.lower().replace("×", "x").split("x")
    try:
        vals = tuple(int(v) for v in parts)
    except ValueError:
        raise UsageError(f"{name} {text!r} is not accepted: write ROWSxCOLS such as 7x7") from None
    if len(vals) == 1:
        vals = vals * 2
    if len(vals) != 2 or min(vals) < 1 or max(vals) > 31:
        raise UsageError(f"{name} {text!r} is not accepted: give 2 sizes from 1 to 31, e.g. 7x7")
    return vals  # type: ignore[return-value]


def run(args) -> int:
    from ..errors import ArgumentError, IndexRangeError

    t0 = time.perf_counter()
    x_shape = _size(args.image, "--image")
    h_shape = _size(args.kernel, "--kernel")
    try:
        at = tuple(int(v) for v in args.at.split(","))
    except ValueError:
        raise UsageError(
            f"--at {args.at!r} is not accepted: write two integers such as 1,1"
        ) from None
    if len(at) != 2:
        raise UsageError(f"--at {args.at!r} is not accepted: write two integers such as 1,1")
    from ..tour import build_tour

    try:
        tour = build_tour(x_shape, h_shape, at, values=args.values, lang=args.lang,
                          notation=args.notation, animation=not args.no_animation)
    except IndexRangeError as exc:
        raise UsageError(f"--at {args.at!r} ({args.notation} notation): {exc}") from None
    except ArgumentError as exc:
        raise UsageError(str(exc)) from None
    paths = tour.write(args.out)
    out = sys.stdout
    out.write(tour.worked_text.rstrip() + "\n\n")
    out.write(tour.checks["article_text"] + "\n")
    out.write("backprop: " + tour.checks["backprop_text"] + "\n\n")
    out.write(f"wrote {paths['html']} (self-contained, opens offline)\n")
    out.write(f"wrote {paths['markdown']} and {len(tour.pictures())} figures in "
              f"{paths['figures']}\n")
    out.write(f"done in {time.perf_counter() - t0:.1f} s\n")
    return 0
