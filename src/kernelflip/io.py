"""Reading and writing arrays for the command line (and anything else that takes text).

An input is given as one string, one of:

* a **shape**: ``"7x7"``, ``"7"``, ``"3x3x3"`` (also ``X``, ``×`` or ``*``) -> a tuple of ints;
* **inline values**: ``"1,2,3;4,5,6;7,8,9"`` (``,`` between values, ``;`` between
  rows, ``|`` between 2-D planes; without ``;`` it is 1-D, and ``"1,2;"`` is one
  row of a 2-D array) -> an ndarray, int64 when
  every value is an integer, else float64 (complex such as ``1+2j`` allowed);
* a **file**: ``.npy``, ``.csv`` (commas), ``.txt`` (whitespace or commas), or an
  image file Pillow reads (``.png``, ``.jpg``, ...), read as greyscale uint8.

Bad values raise :class:`kernelflip.ArgumentError` naming the argument, the
value and what is accepted; a file that exists but cannot be parsed raises
``OSError``.
"""

from __future__ import annotations

import os
import re

import numpy as np

from .errors import ArgumentError

__all__ = ["parse_shape", "parse_values", "parse_index", "load_array", "read_input",
           "save_array", "ARRAY_SUFFIXES", "IMAGE_SUFFIXES"]

ARRAY_SUFFIXES = (".npy", ".csv", ".txt")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm",
                  ".ppm")
SHAPE_PATTERN = re.compile(r"^\s*\d+(\s*[xX\u00d7*]\s*\d+)*\s*$")  # 7x7, 3×4, 2*2
ACCEPTED = ("a shape such as 7x7, inline values such as '1,2,3;4,5,6' (';' between rows), "
            f"or a file ({', '.join(ARRAY_SUFFIXES)} or an image)")


def parse_shape(text: str, name: str = "shape") -> tuple[int, ...] | None:
    """``"7x7"`` -> ``(7, 7)``; None when ``text`` is not written as a shape.

    >>> parse_shape("7x7"), parse_shape("5"), parse_shape("1,2")
    ((7, 7), (5,), None)
    """
    if not isinstance(text, str) or not SHAPE_PATTERN.match(text):
        return None
    shape = tuple(int(v) for v in re.split(r"[xX\u00d7*]", text))
    if any(n < 1 for n in shape):
        raise ArgumentError(f"{name}={text!r} is not accepted: every size of a shape must be >= 1")
    return shape


def _number(tok: str, name: str, text: str):
    tok = tok.strip().replace("\u2212", "-")
    for kind in (int, float, complex):
        try:
            return kind(tok.replace(" ", ""))
        except ValueError:
            continue
    raise ArgumentError(f"{name}={text!r} is not accepted: {tok!r} is not a number")


def parse_values(text: str, name: str = "values") -> np.ndarray:
    """Inline values: ``,`` between values, ``;`` between rows, ``|`` between planes.

    >>> parse_values("1,2,3;4,5,6")
    array([[1, 2, 3],
           [4, 5, 6]])
    >>> parse_values("0.5, -1")
    array([ 0.5, -1. ])

    Any ``;`` makes the result 2-D (any ``|`` 3-D), so ``"1,-1;"`` is one row:

    >>> parse_values("1,-1;")
    array([[ 1, -1]])
    """
    planes = [[[_number(t, name, text) for t in row.split(",")] for row in plane.split(";")]
              for plane in text.strip().strip(";|").split("|")]
    try:
        arr = np.array(planes)
    except ValueError:
        raise ArgumentError(
            f"{name}={text!r} is not accepted: every row needs the same number of values"
        ) from None
    if arr.dtype == object or arr.size == 0:
        raise ArgumentError(f"{name}={text!r} is not accepted: give a rectangular block of numbers")
    ndim = 3 if "|" in text else 2 if ";" in text else 1
    return arr.reshape(arr.shape[3 - ndim:])


def parse_index(text: str, name: str = "index") -> tuple[int, ...]:
    """``"1,-1"`` -> ``(1, -1)`` (also accepts the minus sign ``−`` and spaces).

    >>> parse_index("1,-1"), parse_index("-2")
    ((1, -1), (-2,))
    """
    try:
        return tuple(int(v.strip().replace("\u2212", "-")) for v in str(text).split(","))
    except ValueError:
        raise ArgumentError(
            f"{name}={text!r} is not accepted: give signed integers separated by commas, "
            "such as 1,-1"
        ) from None


def load_array(path: str) -> np.ndarray:
    """Read an array file (.npy, .csv, .txt) or an image file (as greyscale uint8).

    CSV and text files give int64 when every entry is an integer, else
    float64; a file of one line is 1-D.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "k.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("1,2,1\\n2,4,2\\n")
    >>> load_array(path)
    array([[1, 2, 1],
           [2, 4, 2]])
    """
    suffix = os.path.splitext(path)[1].lower()
    if suffix == ".npy":
        return np.load(path, allow_pickle=False)
    if suffix in (".csv", ".txt"):
        delim = "," if suffix == ".csv" else None
        with open(path, encoding="utf-8") as f:
            text = f.read()
        if delim is None and "," in text:
            delim = ","
        lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        try:
            rows = [[_number(t, path, t) for t in (ln.split(delim) if delim else ln.split())]
                    for ln in lines]
            arr = np.array(rows)
        except (ArgumentError, ValueError) as exc:
            raise OSError(f"cannot read {path} as a table of numbers: {exc}") from None
        if arr.dtype == object or arr.size == 0:
            raise OSError(f"cannot read {path}: rows have different lengths or there are none")
        return arr[0] if arr.shape[0] == 1 else arr
    if suffix in IMAGE_SUFFIXES:
        from PIL import Image

        with Image.open(path) as im:
            return np.asarray(im.convert("L"))
    raise OSError(f"cannot read {path}: unknown file type {suffix!r} "
                  f"(use {', '.join(ARRAY_SUFFIXES)} or an image)")


def read_input(text: str, name: str = "input", allow_shape: bool = True):
    """A shape (tuple), or the values (ndarray) of inline text or a file.

    A bare number such as ``"7"`` is the 1-D shape ``(7,)`` when shapes are
    allowed, else the one value 7.

    >>> read_input("3x3"), read_input("1,2;3,4").tolist()
    ((3, 3), [[1, 2], [3, 4]])
    >>> read_input("7"), read_input("7", allow_shape=False)
    ((7,), array([7]))
    """
    shape = parse_shape(text, name)
    if shape is not None and not allow_shape and len(shape) == 1:
        shape = None  # a bare number: one value where shapes are not taken
    if shape is not None:
        if not allow_shape:
            raise ArgumentError(
                f"{name}={text!r} is a shape, which has no values: give inline values such as "
                "'1,2,3;4,5,6' or a file"
            )
        return shape
    if os.path.exists(text):
        return load_array(text)
    if re.search(r"[,;|]", text) or re.fullmatch(r"\s*[-+\u2212]?[\d.]+([eE][-+]?\d+)?\s*", text):
        return parse_values(text, name)
    raise ArgumentError(f"{name}={text!r} is not accepted: no such file; give {ACCEPTED}")


def save_array(path: str, values) -> str:
    """Write values to .npy, .csv (1-D/2-D) or .png (2-D, scaled to 0..255); return a note.

    PNG output is scaled linearly so the minimum maps to 0 and the maximum to
    255 (a constant array gives all 0); the returned note says so with the
    numbers.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "y.png")
    >>> save_array(path, [[0, 5], [10, 20]]).split(": ")[1]
    'values 0..20 scaled linearly to 0..255 (shape (2, 2))'
    >>> load_array(path)
    array([[  0,  64],
           [128, 255]], dtype=uint8)
    """
    arr = np.asarray(values)
    suffix = os.path.splitext(path)[1].lower()
    if suffix == ".npy":
        np.save(path, arr)
        return f"wrote {path} ({arr.dtype}, shape {arr.shape})"
    if suffix == ".csv":
        if arr.ndim > 2:
            raise ArgumentError(f"--out={path!r} is not accepted: CSV holds 1-D or 2-D data, "
                                f"the result has {arr.ndim} axes; use .npy")
        if arr.dtype.kind == "c":
            raise ArgumentError(f"--out={path!r} is not accepted for complex data: use .npy")
        fmt = "%d" if arr.dtype.kind in "biu" else "%.17g"
        np.savetxt(path, np.atleast_2d(arr), delimiter=",", fmt=fmt)
        return f"wrote {path} ({arr.dtype}, shape {arr.shape})"
    if suffix == ".png":
        if arr.ndim != 2 or arr.dtype.kind == "c":
            raise ArgumentError(f"--out={path!r} is not accepted: PNG needs a real 2-D result "
                                f"(this one has shape {arr.shape}, {arr.dtype}); use .npy")
        from PIL import Image

        a = arr.astype(np.float64)
        lo, hi = float(np.nanmin(a)), float(np.nanmax(a))
        scaled = np.zeros_like(a) if hi == lo else (a - lo) * (255.0 / (hi - lo))
        img = np.nan_to_num(np.rint(scaled), nan=0).astype(np.uint8)
        Image.fromarray(img).save(path)
        return (f"wrote {path}: values {lo:g}..{hi:g} scaled linearly to 0..255 "
                f"(shape {arr.shape})")
    raise ArgumentError(f"--out={path!r} is not accepted: use a .npy, .csv or .png file name")
