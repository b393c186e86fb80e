"""The engine interface: a problem, a registry, and the boundary extension helper."""

from __future__ import annotations

import functools
import importlib.util
import math
from dataclasses import dataclass

import numpy as np

from ..plan import Canon, extend_positions

ENGINES: dict[str, Engine] = {}


@dataclass(slots=True, eq=False)
class Problem:
    """One canonical computation with its data, in the working dtype.

    ``w`` is already flipped/conjugated as ``canon`` says; ``x`` is the image.
    Treated as read-only (not frozen: a frozen dataclass's constructor costs
    about 1 us, a tenth of a small convolution).
    """

    x: np.ndarray
    w: np.ndarray
    canon: Canon
    cval: object
    exact: bool  # integer data: the result must be exact

    @property
    def ndim(self) -> int:
        return self.x.ndim

    @property
    def out_shape(self) -> tuple[int, ...]:
        return self.canon.out_shape

    def region(self) -> tuple[tuple[int, int], ...]:
        """Per axis, the (first, stop) positions of the extended image that are read."""
        span = self.canon.span(self.w.shape)
        return tuple((p, p + n) for p, n in zip(self.canon.p0, span))

    def inside(self) -> bool:
        """True when every position read lies inside the image (no extension needed)."""
        return all(a >= 0 and b <= n for (a, b), n in zip(self.region(), self.x.shape))


def extend(x: np.ndarray, region, boundary: str, cval=0) -> np.ndarray:
    """The image extended by ``boundary`` over ``region`` (per axis (first, stop) positions).

    Inside the image this is a view or a copy of ``x``; outside, numpy.pad's
    rules (any distance).  Never materialises more than the region.
    """
    if all(a >= 0 and b <= n for (a, b), n in zip(region, x.shape)):
        return x[tuple(slice(a, b) for a, b in region)]
    if boundary == "constant":
        shape = tuple(b - a for a, b in region)
        src, dst = [], []
        for (a, b), n in zip(region, x.shape):
            lo, hi = max(a, 0), min(b, n)
            if hi <= lo:
                return np.full(shape, cval, dtype=x.dtype)
            src.append(slice(lo, hi))
            dst.append(slice(lo - a, hi - a))
        # the image part once, then only the margins with cval (np.full first would
        # write every element twice)
        out = np.empty(shape, dtype=x.dtype)
        out[tuple(dst)] = x[tuple(src)]
        for ax, d in enumerate(dst):
            for part in (slice(0, d.start), slice(d.stop, shape[ax])):
                if part.stop > part.start:
                    out[(slice(None),) * ax + (part,)] = cval
        return out
    out = x
    for ax, ((a, b), n) in enumerate(zip(region, x.shape)):
        idx = extend_positions(np.arange(a, b), n, boundary)
        out = np.take(out, idx, axis=ax)
    return out


def empty_aligned(shape, dtype, align: int = 64, page_offset: int | None = None) -> np.ndarray:
    """``np.empty(shape, dtype)`` whose data start on an ``align``-byte boundary
    (``page_offset``: at that offset in a 4 KiB page, a multiple of ``align``).

    numpy aligns large arrays to 16 bytes, so the rows of a 2-D output whose
    rows are a multiple of 64 bytes long all start 16 bytes into a cache line,
    and every 512-bit vector load and store of the loops' rows spans two lines.
    The array is C-contiguous, a view of a slightly longer buffer.

    >>> a = empty_aligned((3, 5), np.float32)
    >>> a.ctypes.data % 64, a.shape, a.flags.c_contiguous
    (0, (3, 5), True)
    >>> empty_aligned((2, 3), np.float64, page_offset=2048).ctypes.data % 4096
    2048
    """
    dtype = np.dtype(dtype)
    n = math.prod(int(k) for k in shape) * dtype.itemsize  # (np.prod: 5 us a call)
    if page_offset is None:
        buf = np.empty(n + align, dtype=np.uint8)
        first = -buf.ctypes.data % align
    else:
        if page_offset % align or not 0 <= page_offset < 4096:
            raise ValueError(f"empty_aligned: page_offset={page_offset} is not a multiple of "
                             f"align={align} in 0..4095")
        buf = np.empty(n + 4096, dtype=np.uint8)
        first = (page_offset - buf.ctypes.data) % 4096
    return np.ndarray(shape, dtype, buf, first)


@functools.cache
def installed(module: str) -> bool:
    """True when ``module`` can be imported (looked up once, without importing it)."""
    return importlib.util.find_spec(module) is not None


class Engine:
    """Base class: subclasses set ``name``, ``exact`` and implement ``run``."""

    name: str = ""
    exact: bool = True  # exact for integer data
    doc: str = ""

    def available(self) -> bool:
        """True when the packages this engine needs are installed."""
        return True

    def refuses(self, p: Problem) -> str | None:
        """None when the engine can compute ``p`` correctly, else the reason it cannot."""
        if p.exact and not self.exact:
            return "integer data needs an exact engine"
        return None

    def refuses_values(self, p: Problem) -> str | None:
        """Like :meth:`refuses`, for reasons that depend on the values of ``p`` (asked
        for an explicit ``method=``; ``auto`` weighs values itself, see
        :mod:`.choose`)."""
        return None

    def run(self, p: Problem) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError


def register(engine: Engine) -> Engine:
    ENGINES[engine.name] = engine
    return engine
