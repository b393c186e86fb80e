"""Options shared by the subcommands that read an image and a kernel.

``--image`` and ``--kernel`` take a shape (``7x7``), inline values
(``"1,2,3;4,5,6"``) or a file; see :mod:`kernelflip.io`.  Values that start
with a minus sign (``--at -1,-1``, ``--kernel -1,0,1``) are accepted as
values, not mistaken for options.
"""

from __future__ import annotations

import argparse
import re

from . import UsageError

__all__ = ["allow_negative_values", "add_operation_options", "read_operand", "int_tuple",
           "number", "operand_starts"]

INPUT_HELP = ("a shape such as 7x7 (symbolic values where allowed), inline values such as "
              "'1,2,3;4,5,6' (';' between rows), or a file: .npy, .csv, .txt or an image "
              "(read as greyscale)")


def allow_negative_values(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Let option values start with '-' followed by a digit (``--at -1,-1``).

    argparse only treats ``-1`` and ``-1.5`` as values; ``-1,-1`` would be
    taken for an unknown option.  None of our options looks like a number,
    so any word starting with ``-`` and a digit (or ``-.`` and a digit) is a value.
    """
    parser._negative_number_matcher = re.compile(r"^-\.?\d")
    return parser


def int_tuple(text: str, name: str) -> tuple[int, ...]:
    """``"1,-1"`` -> ``(1, -1)``, or a UsageError naming the option."""
    from ..errors import ArgumentError
    from ..io import parse_index

    try:
        return parse_index(text, name)
    except ArgumentError as exc:
        raise UsageError(str(exc)) from None


def number(text: str, name: str):
    """An int, float or complex from the command line, or a UsageError."""
    t = text.strip().replace("\u2212", "-")
    for kind in (int, float, complex):
        try:
            return kind(t)
        except ValueError:
            continue
    raise UsageError(f"{name}={text!r} is not accepted: give a number such as 0, 1.5 or -2")


def add_operation_options(p: argparse.ArgumentParser, *, mode_default: str) -> None:
    """--image/--kernel and the options of the operation (mode, boundary, ...)."""
    from ..plan import BOUNDARIES, MODES

    p.add_argument("--image", "-x", metavar="SPEC", help="the image x: " + INPUT_HELP)
    p.add_argument("--kernel", "-k", metavar="SPEC", help="the kernel h: " + INPUT_HELP)
    p.add_argument("--image-start", metavar="I,J", default=None,
                   help="signed index of the image's first element (default: centred, "
                        "index 0 at position n//2)")
    p.add_argument("--kernel-start", metavar="I,J", default=None,
                   help="signed index of the kernel's first element (default: centred)")
    p.add_argument("--mode", default=mode_default, metavar="|".join(MODES) + "|A:B[,A:B...]",
                   help="output index range: " + ", ".join(MODES) + ", or an explicit window "
                        "of signed output indices per axis, start:stop with stop excluded "
                        f"(--mode=-2:3,0:4) (default: {mode_default})")
    p.add_argument("--boundary", choices=BOUNDARIES, default="constant",
                   help="how the image is extended beyond its edges (numpy.pad's names; "
                        "default: constant)")
    p.add_argument("--cval", default="0", metavar="NUMBER",
                   help="the constant of --boundary constant (default: 0)")
    p.add_argument("--stride", default="1", metavar="S[,S...]",
                   help="keep every S-th output index (one value, or one per axis)")
    p.add_argument("--dilation", default="1", metavar="D[,D...]",
                   help="spacing of the kernel's taps (one value, or one per axis)")


def read_operand(text: str | None, option: str, *, allow_shape: bool, default: str | None = None):
    """The array (or, when allowed, the shape) an --image/--kernel value names."""
    from ..errors import ArgumentError
    from ..io import read_input

    if text is None:
        if default is None:
            raise UsageError(f"{option} is required: give {INPUT_HELP}")
        text = default
    try:
        return read_input(text, option, allow_shape=allow_shape)
    except ArgumentError as exc:
        raise UsageError(str(exc)) from None


def _one_or_tuple(values: tuple[int, ...]):
    return values[0] if len(values) == 1 else values


def operand_starts(args) -> dict:
    """x_start/h_start keyword arguments from --image-start/--kernel-start (None: centred)."""
    out = {}
    for opt, key in (("image_start", "x_start"), ("kernel_start", "h_start")):
        text = getattr(args, opt)
        out[key] = None if text is None else int_tuple(text, "--" + opt.replace("_", "-"))
    return out


def parse_mode(text: str):
    """``"same"`` -> ``"same"``; ``"-2:3,0:4"`` -> ``((-2, 3), (0, 4))``; else a UsageError.

    >>> parse_mode("valid"), parse_mode("-2:3, 0:4"), parse_mode("−1:1")
    ('valid', ((-2, 3), (0, 4)), ((-1, 1),))
    """
    from ..plan import MODES

    t = text.strip().replace("\u2212", "-")
    if t in MODES:
        return t
    pairs = []
    for part in t.split(","):
        m = re.fullmatch(r"\s*(-?\d+)\s*:\s*(-?\d+)\s*", part)
        if m is None:
            raise UsageError(f"--mode={text!r} is not accepted: use {', '.join(MODES)} or "
                             "start:stop per axis, such as -2:3,0:4")
        pairs.append((int(m.group(1)), int(m.group(2))))
    return tuple(pairs)


def operation_kwargs(args) -> dict:
    """mode, boundary, cval, stride, dilation as library keyword arguments."""
    return dict(mode=parse_mode(args.mode), boundary=args.boundary,
                cval=number(args.cval, "--cval"),
                stride=_one_or_tuple(int_tuple(args.stride, "--stride")),
                dilation=_one_or_tuple(int_tuple(args.dilation, "--dilation")))
