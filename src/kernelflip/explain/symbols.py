"""Names and number formats shared by the worked examples and their renderers."""

from __future__ import annotations

import math
import string
from fractions import Fraction

import numpy as np

from ..errors import ArgumentError

__all__ = ["kernel_names", "parse_shape", "fmt_int", "fmt_number", "MINUS"]

MINUS = "\u2212"  # the minus sign of the article's formulas; to_text(ascii=True) writes "-"

def kernel_names(size: int) -> list[str]:
    """Symbolic names of a kernel's values in reading order (row by row, C order).

    Up to 26 values they are the article's letters ``a, b, c, ...``; a
    larger kernel gets ``k1, k2, ..., kN`` (one-based, same order), so no
    name is ever two letters that could read as a product.

    >>> kernel_names(9)
    ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']
    >>> kernel_names(27)[:3], kernel_names(27)[-1]
    (['k1', 'k2', 'k3'], 'k27')
    """
    if size <= 26:
        return list(string.ascii_lowercase[:size])
    return [f"k{n}" for n in range(1, size + 1)]


def parse_shape(spec: str, name: str = "shape") -> tuple[int, ...]:
    """A shape written ``7x7`` (also ``7×7``, ``3x3x3`` or ``7``) as a tuple of ints.

    The one shape syntax is :func:`kernelflip.io.parse_shape`'s.

    >>> parse_shape("7x7"), parse_shape(" 3 x 4 x 5 "), parse_shape("7")
    ((7, 7), (3, 4, 5), (7,))
    """
    from ..io import parse_shape as _parse

    shape = _parse(spec, name) if isinstance(spec, str) else None
    if shape is None:
        raise ArgumentError(
            f"{name}={spec!r} is not accepted: write a shape as sizes joined by 'x', e.g. '7x7'"
        )
    return shape


def is_shape_text(spec) -> bool:
    """True when ``spec`` is a string written like a shape (``7x7``)."""
    from ..io import SHAPE_PATTERN

    return isinstance(spec, str) and bool(SHAPE_PATTERN.match(spec))


def fmt_int(v: int, minus: str = MINUS) -> str:
    """An integer index with the article's minus sign."""
    v = int(v)
    return f"{minus}{-v}" if v < 0 else str(v)


def fmt_fraction(q: Fraction, minus: str = MINUS) -> str:
    """A kernel subscript that may fall between taps (dilation): ``3/2``."""
    if q.denominator == 1:
        return fmt_int(q.numerator, minus)
    return f"{fmt_int(q.numerator, minus)}/{q.denominator}"


def fmt_number(v, minus: str = MINUS) -> str:
    """A value as the sum writes it: exact ints, shortest round-trip floats, complex in ().

    >>> fmt_number(3), fmt_number(-2), fmt_number(np.float32(0.1)), fmt_number(2.5)
    ('3', '−2', '0.1', '2.5')
    >>> fmt_number(1 - 2j), fmt_number(float("nan"))
    ('(1−2j)', 'nan')
    """
    if isinstance(v, (bool, np.bool_)):
        return str(int(v))
    if isinstance(v, (int, np.integer)):
        return fmt_int(int(v), minus)
    if isinstance(v, (complex, np.complexfloating)):
        re_, im = fmt_number(v.real, minus), fmt_number(abs(v.imag), minus)
        sign = minus if (v.imag < 0 or (v.imag == 0 and math.copysign(1, v.imag) < 0)) else "+"
        return f"({re_}{sign}{im}j)"
    if isinstance(v, np.floating) and not isinstance(v, np.float64):
        text = str(v)  # numpy's shortest repr for float32/float16
    else:
        text = repr(float(v))
    if text.endswith(".0") and "e" not in text:
        text = text[:-2]
    return text.replace("-", minus)


def is_negative(v) -> bool:
    """True for a real number below zero (the sum puts it in parentheses)."""
    if isinstance(v, (complex, np.complexfloating)):
        return False
    try:
        return bool(v < 0)
    except TypeError:
        return False


def index_tuple(values, minus: str = MINUS) -> str:
    """``[1,−2]`` from a sequence of ints (already in display order)."""
    return "[" + ",".join(fmt_int(v, minus) for v in values) + "]"


def check_names(names, size: int) -> list[str]:
    """Validate user-given kernel names (one non-empty string per kernel value)."""
    names = list(names)
    if len(names) != size or not all(isinstance(n, str) and n for n in names):
        raise ArgumentError(
            f"names={names!r} is not accepted: give one non-empty string per kernel value "
            f"({size} in reading order)"
        )
    return names
