"""The index plan: one object that knows which image index meets which kernel index.

Everything in kernelflip reads a :class:`Plan`: the engines (through
:meth:`Plan.canon`), the worked examples, the drawings and the web page.  A
plan is computed from shapes and starts alone (no values) and is cached.

Definitions, with ``d`` the dilation and sums over every kernel index ``j``::

    convolution                  y[m] = sum_j h[j] * x[m - d*j]         support: supp(x) + d*supp(h)
    correlation, standard        y[m] = sum_j conj(h[j]) * x[m + d*j]   support: supp(x) - d*supp(h)
    correlation, article         y[m] = sum_j h[j] * x[d*j - m]         support: d*supp(h) - supp(x)

With ``d = 1`` these are the sums over image indices ``i`` of DESIGN.md:
``x[i] h[m-i]``, ``x[i] conj(h[i-m])`` and ``x[i] h[m+i]``.  The article's
correlation is the standard one reflected through the origin (for real h).

Modes choose the output window on that lattice: ``full`` (the whole support),
``same`` (the image's own index range), ``valid`` (where the kernel lies
wholly inside the image), or an explicit window ``((start, stop), ...)`` per
axis.  ``stride`` keeps every ``stride``-th index from the window's first.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .errors import ArgumentError, ArgumentTypeError, IndexRangeError

__all__ = ["Plan", "make_plan", "Pair", "Terms", "extend_positions", "OPS", "CONVENTIONS",
           "MODES", "BOUNDARIES"]

OPS = ("conv", "corr")
CONVENTIONS = ("standard", "article")
MODES = ("full", "same", "valid")
BOUNDARIES = ("constant", "symmetric", "reflect", "edge", "wrap")


def extend_positions(q: np.ndarray, n: int, boundary: str) -> np.ndarray:
    """Map array positions (any integers) onto 0..n-1 by numpy.pad's extension rules.

    Positions already inside are unchanged; for ``constant`` the outside ones
    map to -1 (no source pixel).  Works for any distance from the array, like
    ``np.pad`` (which reflects repeatedly).

    >>> extend_positions(np.arange(-4, 9), 5, "symmetric")
    array([3, 2, 1, 0, 0, 1, 2, 3, 4, 4, 3, 2, 1])
    >>> extend_positions(np.arange(-4, 9), 5, "reflect")
    array([4, 3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1, 0])
    """
    q = np.asarray(q, dtype=np.int64)
    if boundary == "constant":
        return np.where((q >= 0) & (q < n), q, -1)
    if boundary == "edge":
        return np.clip(q, 0, n - 1)
    if boundary == "wrap":
        return np.mod(q, n)
    if boundary == "symmetric":
        r = np.mod(q, 2 * n)
        return np.where(r < n, r, 2 * n - 1 - r)
    if boundary == "reflect":
        if n == 1:
            return np.zeros_like(q)
        r = np.mod(q, 2 * n - 2)
        return np.where(r < n, r, 2 * n - 2 - r)
    raise ArgumentError(f"boundary={boundary!r} is not accepted: use one of {BOUNDARIES}")


class Pair(NamedTuple):
    """One term of one output: image index ``image`` meets kernel index ``kernel``.

    ``kernel`` is the subscript the defining sum puts on h (m-i, i-m or m+i on
    the dilated lattice); ``tap`` is the kernel element's own index when that
    subscript names one, else None.  ``source`` is the image index whose value
    is read (the image index itself inside the image, the boundary's stand-in
    outside it, None where the boundary is a constant).
    """

    image: tuple[int, ...]
    kernel: tuple[int, ...]
    tap: tuple[int, ...] | None
    in_kernel: bool
    in_image: bool
    source: tuple[int, ...] | None


@dataclass(frozen=True)
class Terms:
    """The pairs that meet at one output index, as parallel int arrays (one row a pair)."""

    at: tuple[int, ...]
    image: np.ndarray       # (K, ndim) signed image indices
    kernel: np.ndarray      # (K, ndim) kernel subscripts on the dilated lattice
    tap: np.ndarray         # (K, ndim) kernel element indices (valid where in_kernel)
    in_kernel: np.ndarray   # (K,) bool
    in_image: np.ndarray    # (K,) bool
    source: np.ndarray      # (K, ndim) image index read; valid where has_source
    has_source: np.ndarray  # (K,) bool

    def __len__(self) -> int:
        return len(self.in_kernel)

    def __iter__(self) -> Iterator[Pair]:
        for k in range(len(self)):
            yield Pair(
                tuple(int(v) for v in self.image[k]),
                tuple(int(v) for v in self.kernel[k]),
                tuple(int(v) for v in self.tap[k]) if self.in_kernel[k] else None,
                bool(self.in_kernel[k]),
                bool(self.in_image[k]),
                tuple(int(v) for v in self.source[k]) if self.has_source[k] else None,
            )


@dataclass(frozen=True)
class Canon:
    """The canonical operation every engine computes (a strided, dilated valid correlation).

    ``z[n] = sum_r ext(x)[p0 + stride*n + dilation*r] * w[r]`` for ``n`` in
    ``0..out_shape-1`` (array positions, per axis), where ``ext`` extends
    ``x`` by ``boundary`` (``cval`` for ``constant``) and ``w`` is the kernel
    already in correlation orientation (flipped for convolution, conjugated
    for standard correlation).  The plan's output is ``z``, or ``z``
    reversed on every axis when ``reverse`` is set (the article's correlation).
    """

    flip: bool
    conj: bool
    reverse: bool
    p0: tuple[int, ...]
    out_shape: tuple[int, ...]
    stride: tuple[int, ...]
    dilation: tuple[int, ...]
    boundary: str

    def span(self, kshape: Sequence[int]) -> tuple[int, ...]:
        """Number of extended-input positions one axis of the computation reads."""
        return tuple(s * (k - 1) + d * (m - 1) + 1 if k > 0 else 0 for s, d, k, m in
                     zip(self.stride, self.dilation, self.out_shape, kshape))


@dataclass(frozen=True)
class Plan:
    """Index plan of one convolution or correlation (shapes and starts only, no values).

    >>> p = make_plan("conv", (7, 7), (3, 3), mode="same")
    >>> p.out_start, p.out_shape
    ((-3, -3), (7, 7))
    >>> [pr.image for pr in p.terms((1, 1))][:3]
    [(0, 0), (0, 1), (0, 2)]
    """

    op: str
    convention: str
    x_shape: tuple[int, ...]
    x_start: tuple[int, ...]
    h_shape: tuple[int, ...]
    h_start: tuple[int, ...]
    mode: str | tuple[tuple[int, int], ...]
    boundary: str
    stride: tuple[int, ...]
    dilation: tuple[int, ...]

    # --- derived lattice ------------------------------------------------------
    @property
    def ndim(self) -> int:
        return len(self.x_shape)

    @property
    def sign(self) -> int:
        """+1 when the image index is m - d*j (conv), -1 for i = m + d*j (standard corr).

        The article's correlation has i = d*j - m and is reported as ``0``.
        """
        if self.op == "conv":
            return 1
        return -1 if self.convention == "standard" else 0

    def _image_index(self, m: np.ndarray, jd: np.ndarray) -> np.ndarray:
        """Image index meeting dilated-kernel subscript ``jd`` at output ``m``."""
        if self.op == "conv":
            return m - jd
        if self.convention == "standard":
            return m + jd
        return jd - m

    def _kernel_subscript(self, m: np.ndarray, i: np.ndarray) -> np.ndarray:
        """Dilated-kernel subscript meeting image index ``i`` at output ``m``."""
        if self.op == "conv":
            return m - i
        if self.convention == "standard":
            return i - m
        return m + i

    @functools.cached_property
    def support(self) -> tuple[tuple[int, int], ...]:
        """Inclusive (first, last) output index per axis of the full support."""
        out = []
        for sx, n, sh, mm, d in zip(self.x_start, self.x_shape, self.h_start, self.h_shape,
                                    self.dilation):
            xl, hl = sx + n - 1, sh + mm - 1
            if self.op == "conv":
                out.append((sx + d * sh, xl + d * hl))
            elif self.convention == "standard":
                out.append((sx - d * hl, xl - d * sh))
            else:
                out.append((d * sh - xl, d * hl - sx))
        return tuple(out)

    @functools.cached_property
    def window(self) -> tuple[tuple[int, int], ...]:
        """Inclusive (first, last) output index per axis before the stride is applied."""
        if isinstance(self.mode, tuple):
            return tuple((a, b - 1) for a, b in self.mode)
        if self.mode == "full":
            return self.support
        if self.mode == "same":
            return tuple((sx, sx + n - 1) for sx, n in zip(self.x_start, self.x_shape))
        out = []  # valid
        for ax, (sx, n, sh, mm, d) in enumerate(zip(self.x_start, self.x_shape, self.h_start,
                                                    self.h_shape, self.dilation)):
            xl, hl = sx + n - 1, sh + mm - 1
            if self.op == "conv":
                lo, hi = sx + d * hl, xl + d * sh
            elif self.convention == "standard":
                lo, hi = sx - d * sh, xl - d * hl
            else:
                lo, hi = d * hl - xl, d * sh - sx
            if hi < lo:
                raise ArgumentError(
                    f"mode='valid' has no output on axis {ax}: the kernel spans "
                    f"{d * (mm - 1) + 1} samples there (dilation {d}) but the image has "
                    f"only {n}; use mode='same' or mode='full'"
                )
            out.append((lo, hi))
        return tuple(out)

    @property
    def out_start(self) -> tuple[int, ...]:
        return tuple(lo for lo, _ in self.window)

    @property
    def out_step(self) -> tuple[int, ...]:
        return self.stride

    @functools.cached_property
    def out_shape(self) -> tuple[int, ...]:
        return tuple((hi - lo) // s + 1 for (lo, hi), s in zip(self.window, self.stride))

    @property
    def out_size(self) -> int:
        return int(np.prod(self.out_shape, dtype=object))

    def out_ranges(self) -> tuple[range, ...]:
        """The signed output indices per axis."""
        return tuple(range(lo, lo + s * k, s) for (lo, _), s, k in
                     zip(self.window, self.stride, self.out_shape))

    def check_output_index(self, at: Sequence[int]) -> tuple[int, ...]:
        """Validate an output index; IndexError names the valid range."""
        at = tuple(at)
        if len(at) != self.ndim:
            raise IndexRangeError(
                f"at={at!r} has {len(at)} entries but the operation has {self.ndim} axes"
            )
        for ax, (m, r) in enumerate(zip(at, self.out_ranges())):
            if isinstance(m, (bool, np.bool_)) or not isinstance(m, (int, np.integer)):
                raise ArgumentTypeError(f"at={at!r}: axis {ax} needs an int, got {m!r}")
            if int(m) not in r:
                step = "" if r.step == 1 else f" in steps of {r.step}"
                raise IndexRangeError(
                    f"at={at!r}: output index {int(m)} is outside axis {ax}, whose indices "
                    f"in mode={self.mode!r} are {r.start}..{r[-1] if len(r) else '(empty)'}{step}"
                )
        return tuple(int(m) for m in at)

    # --- terms of one output ----------------------------------------------------
    def terms(self, at: Sequence[int], outside: int = 0) -> Terms:
        """The (image index, kernel index) pairs that meet at output ``at``.

        With ``outside=0`` these are the kernel's taps, one pair each (image
        indices beyond the image are included: the boundary supplies their
        values).  With ``outside=k > 0`` the image indices within ``k``
        samples of that patch (and inside the image) are added whose kernel
        subscript names no tap: the terms a written-out sum drops.
        Costs O(kernel size), never the whole output.
        """
        m = np.asarray(self.check_output_index(at), dtype=np.int64)
        # every tap, via its kernel element index j
        grids = np.meshgrid(*[np.arange(s, s + n) for s, n in zip(self.h_start, self.h_shape)],
                            indexing="ij")
        taps = np.stack([g.ravel() for g in grids], axis=1).astype(np.int64)
        dil = np.asarray(self.dilation, dtype=np.int64)
        image = self._image_index(m, taps * dil)
        if outside > 0:
            lo = image.min(axis=0) - outside
            hi = image.max(axis=0) + outside
            xs = np.asarray(self.x_start, dtype=np.int64)
            xe = xs + np.asarray(self.x_shape, dtype=np.int64) - 1
            lo, hi = np.maximum(lo, xs), np.minimum(hi, xe)
            if np.all(hi >= lo):
                g = np.meshgrid(*[np.arange(a, b + 1) for a, b in zip(lo, hi)], indexing="ij")
                cand = np.stack([v.ravel() for v in g], axis=1)
                sub = self._kernel_subscript(m, cand)
                q, rem = np.divmod(sub, dil)
                hs = np.asarray(self.h_start)
                is_tap = np.all((rem == 0) & (q >= hs) & (q < hs + np.asarray(self.h_shape)),
                                axis=1)
                extra = cand[~is_tap]
                image = np.concatenate([image, extra])
                taps = np.concatenate([taps, np.zeros_like(extra)])
        n_taps = len(grids[0].ravel())
        in_kernel = np.arange(len(image)) < n_taps
        kernel = self._kernel_subscript(m, image)
        order = np.lexsort(image.T[::-1])
        image, kernel, taps, in_kernel = image[order], kernel[order], taps[order], in_kernel[order]
        xs = np.asarray(self.x_start, dtype=np.int64)
        pos = image - xs
        in_image = np.all((pos >= 0) & (pos < np.asarray(self.x_shape)), axis=1)
        src = np.stack([extend_positions(pos[:, a], self.x_shape[a], self.boundary)
                        for a in range(self.ndim)], axis=1) if len(pos) else pos
        has_source = np.all(src >= 0, axis=1)
        return Terms(tuple(int(v) for v in m), image, kernel, taps, in_kernel, in_image,
                     src + xs, has_source)

    def patch(self, at: Sequence[int]) -> tuple[tuple[int, int], ...]:
        """Inclusive (first, last) image index per axis of the taps feeding output ``at``."""
        m = self.check_output_index(at)
        out = []
        for mi, sh, mm, d in zip(m, self.h_start, self.h_shape, self.dilation):
            a = self._image_index(np.int64(mi), np.int64(d * sh))
            b = self._image_index(np.int64(mi), np.int64(d * (sh + mm - 1)))
            out.append((int(min(a, b)), int(max(a, b))))
        return tuple(out)

    # --- what the engines compute ---------------------------------------------------
    @functools.cached_property
    def canon(self) -> Canon:
        """The plan as the canonical strided, dilated valid correlation (see :class:`Canon`)."""
        reverse = self.op == "corr" and self.convention == "article"
        p0 = []
        for ax, ((lo, _), k) in enumerate(zip(self.window, self.out_shape)):
            s, d = self.stride[ax], self.dilation[ax]
            sx, sh, mm = self.x_start[ax], self.h_start[ax], self.h_shape[ax]
            if self.op == "conv":
                p0.append(lo - d * (sh + mm - 1) - sx)
            elif not reverse:
                p0.append(lo + d * sh - sx)
            else:
                p0.append(-(lo + s * (k - 1)) + d * sh - sx)
        return Canon(flip=self.op == "conv", conj=self.op == "corr" and not reverse,
                     reverse=reverse, p0=tuple(p0), out_shape=self.out_shape,
                     stride=self.stride, dilation=self.dilation, boundary=self.boundary)


def _check_choice(name: str, value, choices) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ArgumentError(f"{name}={value!r} is not accepted: use one of {', '.join(choices)}")
    return value


def _norm_mode(mode, ndim: int):
    accepted = ("use 'full', 'same', 'valid' or one (start, stop) pair of signed output "
                "indices per axis")
    if isinstance(mode, str):
        if mode not in MODES:
            raise ArgumentError(f"mode={mode!r} is not accepted: {accepted}")
        return mode
    try:
        pairs = tuple(tuple(int(v) for v in p) for p in mode)
    except (TypeError, ValueError):
        raise ArgumentError(f"mode={mode!r} is not accepted: {accepted}") from None
    if len(pairs) != ndim or any(len(p) != 2 or p[1] <= p[0] for p in pairs):
        raise ArgumentError(
            f"mode={mode!r} is not accepted: an explicit window needs {ndim} "
            "(start, stop) pairs with stop > start"
        )
    return pairs


@functools.lru_cache(maxsize=512)
def _cached_plan(*args) -> Plan:
    return Plan(*args)


def make_plan(op: str, x_shape: Sequence[int], h_shape: Sequence[int], *,
              x_start: Sequence[int] | None = None, h_start: Sequence[int] | None = None,
              convention: str = "standard", mode="full", boundary: str = "constant",
              stride: int | Sequence[int] = 1, dilation: int | Sequence[int] = 1) -> Plan:
    """Build (or fetch from the cache) the plan of one operation.

    ``op`` is ``"conv"`` or ``"corr"``; starts default to centred
    (``-(n // 2)``).  See the module docstring for the sums and supports.

    >>> p = make_plan("corr", (7, 7), (3, 3), convention="article", mode="same")
    >>> p.patch((-1, -1))
    ((0, 2), (0, 2))
    >>> make_plan("conv", (7, 7), (3, 3)).patch((1, 1))
    ((0, 2), (0, 2))
    """
    from .lattice import _as_int_tuple, centered_start

    _check_choice("op", op, OPS)
    _check_choice("convention", convention, CONVENTIONS)
    _check_choice("boundary", boundary, BOUNDARIES)
    x_shape, h_shape = tuple(int(v) for v in x_shape), tuple(int(v) for v in h_shape)
    if len(x_shape) != len(h_shape):
        raise ArgumentError(
            f"the image has {len(x_shape)} axes {x_shape} and the kernel {len(h_shape)} "
            f"{h_shape}: give both the same number of axes"
        )
    nd = len(x_shape)
    if nd == 0:
        raise ArgumentError("0-d (scalar) inputs are not accepted: give arrays with >= 1 axis")
    for name, shp in (("image", x_shape), ("kernel", h_shape)):
        if any(n < 1 for n in shp):
            raise ArgumentError(f"the {name} is empty (shape {shp}): every axis needs >= 1 element")
    x_start = centered_start(x_shape) if x_start is None else _as_int_tuple(x_start, nd, "x_start")
    h_start = centered_start(h_shape) if h_start is None else _as_int_tuple(h_start, nd, "h_start")
    stride = _as_int_tuple(stride, nd, "stride", positive=True)
    dilation = _as_int_tuple(dilation, nd, "dilation", positive=True)
    if op == "conv":
        convention = "standard"  # one convolution; the name only matters for corr
    return _cached_plan(op, convention, x_shape, x_start, h_shape, h_start,
                        _norm_mode(mode, nd), boundary, stride, dilation)
