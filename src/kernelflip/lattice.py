"""Indexed arrays: values on a signed integer lattice.

An :class:`Indexed` array is a plain ndarray plus, on each axis, the signed
index of its first element (``start``) and the spacing of the lattice
(``step``, 1 unless the array came out of a strided operation).  Element
``k`` of axis ``a`` has the signed index ``start[a] + step[a] * k``.

:func:`centered` puts index 0 at array position ``n // 2`` (the rule of
``numpy.fft.fftshift``, ``scipy.ndimage`` and OpenCV's default anchor): an
axis of 7 elements runs -3..3, an axis of 4 elements runs -2..1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .errors import ArgumentError, ArgumentTypeError, IndexRangeError

__all__ = ["Indexed", "centered", "indexed", "as_indexed", "centered_start"]


def centered_start(shape: Sequence[int]) -> tuple[int, ...]:
    """The start of a centred axis of each length: ``-(n // 2)``.

    >>> centered_start((7, 4))
    (-3, -2)
    """
    return tuple(-(int(n) // 2) for n in shape)


def _as_int_tuple(value, ndim: int, name: str, *, positive: bool = False) -> tuple[int, ...]:
    """Broadcast an int or a sequence of ints to one int per axis."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        items = (int(value),) * ndim
    else:
        try:
            items = tuple(value)
        except TypeError:
            raise ArgumentTypeError(
                f"{name}={value!r} is not accepted: give an int or one int per axis"
            ) from None
        if len(items) != ndim:
            raise ArgumentError(
                f"{name}={value!r} has {len(items)} entries but the array has {ndim} axes: "
                "give an int or one int per axis"
            )
        for v in items:
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
                raise ArgumentTypeError(
                    f"{name}={value!r} is not accepted: every entry must be an int"
                )
        items = tuple(int(v) for v in items)
    if positive and any(v < 1 for v in items):
        raise ArgumentError(f"{name}={value!r} is not accepted: every entry must be >= 1")
    return items


@dataclass(frozen=True, eq=False)
class Indexed:
    """An ndarray whose elements carry signed integer indices.

    ``values[k0, k1, ...]`` has the signed index
    ``(start[0] + step[0]*k0, start[1] + step[1]*k1, ...)``.

    >>> y = centered(np.arange(9).reshape(3, 3))
    >>> y
    Indexed([-1..1, -1..1], values=
    [[0 1 2]
     [3 4 5]
     [6 7 8]])
    >>> int(y.at[1, 1]), int(y.at[-1, 0])
    (8, 1)
    >>> y.indices(0)
    array([-1,  0,  1])
    """

    values: np.ndarray
    start: tuple[int, ...]
    step: tuple[int, ...]

    def __post_init__(self):
        vals = np.asarray(self.values)
        object.__setattr__(self, "values", vals)
        object.__setattr__(self, "start", _as_int_tuple(self.start, vals.ndim, "start"))
        object.__setattr__(
            self, "step", _as_int_tuple(self.step, vals.ndim, "step", positive=True)
        )

    @classmethod
    def _trusted(cls, values: np.ndarray, start: tuple[int, ...], step: tuple[int, ...]):
        """An Indexed from an ndarray and int tuples already checked (no validation)."""
        self = object.__new__(cls)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "step", step)
        return self

    # --- array-like ---------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.values.shape

    @property
    def ndim(self) -> int:
        return self.values.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.values.dtype

    @property
    def size(self) -> int:
        return self.values.size

    def __array__(self, dtype=None, copy=None):
        if dtype is None:
            return self.values if copy is not True else self.values.copy()
        return np.array(self.values, dtype=dtype, copy=bool(copy) if copy is not None else None)

    def __len__(self) -> int:
        return len(self.values)

    # --- the lattice ---------------------------------------------------------
    @property
    def stop(self) -> tuple[int, ...]:
        """One step past the last signed index on each axis (exclusive, like range)."""
        return tuple(s + p * n for s, p, n in zip(self.start, self.step, self.shape))

    @property
    def last(self) -> tuple[int, ...]:
        """The signed index of the last element on each axis (inclusive)."""
        return tuple(s + p * (n - 1) for s, p, n in zip(self.start, self.step, self.shape))

    def indices(self, axis: int = 0) -> np.ndarray:
        """The signed indices along ``axis``, as an int array."""
        a = range(self.ndim)[axis]
        return np.arange(self.start[a], self.stop[a], self.step[a])

    def ranges(self) -> tuple[range, ...]:
        """One ``range`` of signed indices per axis."""
        return tuple(range(s, e, p) for s, e, p in zip(self.start, self.stop, self.step))

    def position(self, index: Sequence[int]) -> tuple[int, ...]:
        """The array position of a signed index; IndexError names the valid range."""
        index = tuple(index)
        if len(index) != self.ndim:
            raise IndexRangeError(
                f"index {index} has {len(index)} entries but the array has {self.ndim} axes"
            )
        pairs = enumerate(zip(index, self.ranges()))
        return tuple(_axis_position(i, r, ax) for ax, (i, r) in pairs)

    @property
    def at(self) -> _At:
        """Read (or write) elements by signed index: ``y.at[1, 1]``."""
        return _At(self)

    def __repr__(self) -> str:
        ranges = ", ".join(_fmt_range(r) for r in self.ranges())
        body = np.array2string(self.values, separator=" ", threshold=200)
        return f"Indexed([{ranges}], values=\n{body})"

    def _repr_html_(self) -> str:  # Jupyter
        from html import escape

        if self.ndim != 2 or self.size > 400:
            return f"<pre>{escape(repr(self))}</pre>"
        rows, cols = self.indices(0), self.indices(1)
        head = "".join(f"<th>{c}</th>" for c in cols)
        body = "".join(
            f"<tr><th>{r}</th>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>"
            for r, row in zip(rows, self.values)
        )
        return f"<table><tr><th></th>{head}</tr>{body}</table>"

    def __eq__(self, other):  # noqa: D105 - arrays compare elementwise; lattices by value
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def same_lattice(self, other: Indexed) -> bool:
        """True when both arrays cover the same signed indices."""
        return self.shape == other.shape and self.start == other.start and self.step == other.step


def _fmt_range(r: range) -> str:
    if len(r) == 0:
        return "(empty)"
    last = r[-1]
    text = f"{r.start}..{last}"
    return text if r.step == 1 else f"{text} step {r.step}"


def _axis_position(i, r: range, ax: int) -> int:
    if isinstance(i, (bool, np.bool_)) or not isinstance(i, (int, np.integer)):
        raise IndexRangeError(f"axis {ax} needs an int signed index, got {i!r}")
    if int(i) not in r:
        raise IndexRangeError(
            f"index {int(i)} is outside axis {ax}, whose indices are {_fmt_range(r)}"
        )
    return r.index(int(i))


class _At:
    """Indexer behind :attr:`Indexed.at` (signed ints, or slices of signed ints)."""

    __slots__ = ("_a",)

    def __init__(self, a: Indexed):
        self._a = a

    def _key(self, key):
        a = self._a
        if not isinstance(key, tuple):
            key = (key,)
        if len(key) != a.ndim:
            raise IndexRangeError(
                f"index {key!r} has {len(key)} entries but the array has {a.ndim} axes"
            )
        if all(not isinstance(k, slice) for k in key):
            return a.position(key), None
        out, starts, steps = [], [], []
        for ax, (k, r) in enumerate(zip(key, a.ranges())):
            if isinstance(k, slice):
                if k.step not in (None, 1):
                    raise IndexRangeError("signed-index slices take no step")
                lo = r.start if k.start is None else k.start
                hi = r.stop if k.stop is None else k.stop
                sub = range(max(lo, r.start), min(hi, r.stop), r.step)
                sub = range(sub.start + (-(sub.start - r.start)) % r.step, sub.stop, r.step)
                p0 = (sub.start - r.start) // r.step
                out.append(slice(p0, p0 + len(sub)))
                starts.append(sub.start)
                steps.append(r.step)
            else:
                out.append(_axis_position(k, r, ax))
        return tuple(out), (starts, steps)

    def __getitem__(self, key):
        pos, lattice = self._key(key)
        if lattice is None:
            return self._a.values[pos]
        starts, steps = lattice
        return Indexed(self._a.values[pos], tuple(starts), tuple(steps))

    def __setitem__(self, key, value):
        pos, _ = self._key(key)
        self._a.values[pos] = value


def indexed(values, start: int | Sequence[int] = 0, step: int | Sequence[int] = 1) -> Indexed:
    """An :class:`Indexed` array with an explicit start (signed index of element 0).

    >>> x = indexed([10, 20, 30], start=-1)
    >>> int(x.at[-1]), int(x.at[1]), x.stop
    (10, 30, (2,))
    """
    vals = np.asarray(values)
    return Indexed(vals, _as_int_tuple(start, vals.ndim, "start"),
                   _as_int_tuple(step, vals.ndim, "step", positive=True))


def centered(values) -> Indexed:
    """Index 0 at position ``n // 2`` on every axis (odd n: symmetric; even n: -n/2..n/2-1).

    >>> centered(np.zeros((7, 4))).ranges()
    (range(-3, 4), range(-2, 2))
    """
    if isinstance(values, Indexed):
        values = values.values
    vals = np.asarray(values)
    return Indexed(vals, centered_start(vals.shape), (1,) * vals.ndim)


def as_indexed(a, name: str = "array") -> Indexed:
    """An Indexed array as it is, or a plain array taken as centred."""
    if isinstance(a, Indexed):
        return a
    return centered(a)
