"""A library's call as data on kernelflip's index lattice: the :class:`Recipe`.

Every convention in the catalogue reduces, per axis, to *pad then slide*::

    y[n] = sum_k w[k] * ext(x)[n*s + d*k - P]      n = 0 .. count-1
    count = (N + P + Q - d*(M-1) - 1) // s + 1

with ``w`` the kernel in correlation orientation (``h`` for correlation,
``h`` flipped for convolution, conjugated where the library conjugates),
``P``/``Q`` the samples the library pads before/after (as expressions in the
image length ``N``, kernel length ``M``, dilation ``d`` and stride ``s``),
``ext`` the boundary extension (numpy.pad's names) and ``s``/``d`` the stride
and dilation.  ``P = M // 2`` for a 'same' call is camp E (the extra sample
before), ``P = (M - 1) // 2`` camp L (after).

:meth:`Recipe.lattice` turns this into the arguments of
:func:`kernelflip.convolve`/:func:`kernelflip.correlate` (image start 0,
kernel start minus the anchor, an explicit output window), so the plan does
all index work; :meth:`Recipe.run` computes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import ArgumentError, ExactnessError
from ..lattice import Indexed, indexed

__all__ = ["Recipe", "evaluate", "same_pads"]


def _limbs(a: np.ndarray) -> list[np.ndarray]:
    """Four 16-bit limbs of integers taken modulo 2**64 (least significant first)."""
    u = np.asarray(a).astype(np.int64).view(np.uint64) if np.asarray(a).dtype != np.uint64 \
        else np.asarray(a)
    return [((u >> np.uint64(16 * k)) & np.uint64(0xFFFF)).astype(np.int64) for k in range(4)]

_SAFE = {"max": max, "min": min, "abs": abs, "__builtins__": {}}


def evaluate(expr: str, **env: int) -> int:
    """Evaluate one pad expression over ``N``, ``M``, ``d``, ``s``.

    >>> evaluate("M // 2", M=4), evaluate("(M - 1) // 2", M=4)
    (2, 1)
    """
    return int(eval(expr, dict(_SAFE), env))  # noqa: S307 - our own constant strings


def same_pads(camp: str, dilated: bool = False) -> tuple[str, str]:
    """The (P, Q) expressions of a stride-1 'same' window in camp ``E`` or ``L``.

    >>> same_pads("E")
    ('M // 2', '(M - 1) - (M // 2)')
    """
    total = "d * (M - 1)" if dilated else "(M - 1)"
    if camp == "E":
        p = f"{total} - {total} // 2" if dilated else "M // 2"
    else:
        p = f"{total} // 2" if dilated else "(M - 1) // 2"
    return p, f"{total} - ({p})"


FULL = ("d * (M - 1)", "d * (M - 1)")
VALID = ("0", "0")


@dataclass(frozen=True)
class Recipe:
    """One library call on the lattice (see the module docstring).

    ``pads`` holds one ``(P, Q)`` pair of expressions per axis; ``conj`` says
    whether the library conjugates a complex kernel (correlations).

    >>> r = Recipe("corr", pads=(same_pads("L"),), conj=False)
    >>> r.run(np.array([1, 2, 3, 4, 5]), np.array([1, 10])).values
    array([21, 32, 43, 54,  5])
    """

    op: str
    pads: tuple[tuple[str, str], ...]
    conj: bool = False
    boundary: str = "constant"
    cval: complex = 0
    stride: tuple[int, ...] | None = None
    dilation: tuple[int, ...] | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def ndim(self) -> int:
        return len(self.pads)

    def strides(self) -> tuple[int, ...]:
        return self.stride or (1,) * self.ndim

    def dilations(self) -> tuple[int, ...]:
        return self.dilation or (1,) * self.ndim

    def numbers(self, x_shape: Sequence[int], h_shape: Sequence[int]):
        """Per axis ``(P, Q, count)`` for these shapes."""
        out = []
        for (pe, qe), n, m, s, d in zip(self.pads, x_shape, h_shape, self.strides(),
                                         self.dilations()):
            p, q = evaluate(pe, N=n, M=m, d=d, s=s), evaluate(qe, N=n, M=m, d=d, s=s)
            out.append((p, q, (n + p + q - d * (m - 1) - 1) // s + 1))
        return tuple(out)

    def lattice(self, x_shape: Sequence[int], h_shape: Sequence[int]) -> dict:
        """Keyword arguments of ``kf.convolve``/``kf.correlate`` (and ``make_plan``).

        The image starts at 0 (signed index = array position); the kernel
        starts at minus the anchor, so the output's signed indices are the
        image positions the anchor sits on.

        >>> Recipe("conv", pads=(same_pads("E"),)).lattice((5,), (2,))["h_start"]
        (0,)
        """
        if len(x_shape) != self.ndim or len(h_shape) != self.ndim:
            raise ArgumentError(
                f"the convention has {self.ndim} axes but the image has shape "
                f"{tuple(x_shape)} and the kernel {tuple(h_shape)}"
            )
        h_start, window = [], []
        for (p, _q, count), m, s, d in zip(self.numbers(x_shape, h_shape), h_shape,
                                           self.strides(), self.dilations()):
            if count < 1:
                raise ArgumentError(
                    f"the output would be empty (image {tuple(x_shape)}, kernel "
                    f"{tuple(h_shape)}): the kernel is larger than the padded image"
                )
            a = p // d if p % d == 0 and 0 <= p // d <= m - 1 else 0  # anchor (corr side)
            h_start.append(-a if self.op == "corr" else -(m - 1 - a))
            lo = -p + d * a
            window.append((lo, lo + s * (count - 1) + 1))
        mode = tuple(window)
        if all(w == (0, n) for w, n in zip(window, x_shape)) and all(
                s == 1 for s in self.strides()):
            mode = "same"
        return dict(op=self.op, x_start=(0,) * self.ndim, h_start=tuple(h_start), mode=mode,
                    boundary=self.boundary, stride=self.strides(), dilation=self.dilations())

    def run(self, x, h, work=None) -> Indexed:
        """Compute the call with kernelflip (exact int64 for integers, else ``work`` dtype)."""
        from .. import ops

        x, h = np.asarray(x), np.asarray(h)
        if work is not None:
            x, h = x.astype(work, copy=False), h.astype(work, copy=False)
        if self.op == "corr" and not self.conj and h.dtype.kind == "c":
            h = np.conj(h)  # kernelflip's standard correlation conjugates; undo it
        lat = self.lattice(x.shape, h.shape)
        fn = ops.convolve if self.op == "conv" else ops.correlate
        cval = self.cval
        if x.dtype.kind in "biu" and h.dtype.kind in "biu":
            cval = int(np.real(cval))
        elif x.dtype.kind != "c" and h.dtype.kind != "c":
            cval = float(np.real(cval))
        def call(xv, hv, cv):
            return fn(indexed(xv, lat["x_start"]), indexed(hv, lat["h_start"]),
                      mode=lat["mode"], boundary=lat["boundary"], cval=cv,
                      stride=lat["stride"], dilation=lat["dilation"])

        try:
            return call(x, h, cval)
        except ExactnessError:
            if not isinstance(cval, int):
                raise
        # integers beyond int64's exact range: the libraries wrap modulo 2**64, so sum
        # 16-bit limbs exactly and recombine in uint64 (which wraps the same way)
        xl, hl = _limbs(x), _limbs(h)
        cl = _limbs(np.array(cval))
        acc = None
        for i in range(4):
            for j in range(4 - i):
                y = call(xl[i], hl[j], int(cl[i]))
                part = y.values.astype(np.uint64) << np.uint64(16 * (i + j))
                acc = part if acc is None else acc + part
        return Indexed(acc.astype(np.int64), y.start, y.step)
