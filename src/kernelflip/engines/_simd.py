"""``wide()``: lets LLVM vectorise the calling numba function with 512-bit registers.

LLVM's tuning for Intel's AVX-512 server cores (``skylake-avx512``,
``cascadelake``, ``icelake-server``, ...) prefers 256-bit vectors, so numba's
loops there use half of the registers' width, whatever the loop.  A call of
``wide()`` as the first statement of a jitted function marks that function
(and only that one) with the LLVM attributes ``"prefer-vector-width"="512"``
and ``"min-legal-vector-width"="512"``, which the X86 backend reads per
function; numba's global settings and the user's other numba code are left
as they are.  On CPUs without AVX-512 the attributes change nothing (the
vectors stay as wide as the CPU's registers).

Measured on the project's Intel Xeon VM (Cascade Lake, 2 cores; 2048^2 'same',
``method="stencil"``, best of 7, the loops without and with the marker in two
processes run back to back): float32 11x11 25.7 -> 18.5 ms, float32 5x5 5.5 ->
3.7 ms, float64 11x11 48.9 -> 33.0 ms; 1e7 float64 samples with 17 taps 34 ->
23 ms.

Imported by the generated loops of :mod:`.stencil`, :mod:`.volume` and
:mod:`.passes` (so only where numba is installed).
"""

from __future__ import annotations

from numba import types
from numba.extending import intrinsic

#: the function attributes ``wide()`` adds (LLVM's string attributes, as IR text)
ATTRIBUTES = ('"prefer-vector-width"="512"', '"min-legal-vector-width"="512"')


@intrinsic
def wide(typingctx):
    """Mark the calling jitted function for 512-bit vectorisation (a no-op at run time)."""

    def codegen(context, builder, signature, args):
        try:
            attrs = builder.function.attributes
            for a in ATTRIBUTES:
                # llvmlite's AttributeSet.add accepts only its known keyword attributes;
                # these are string attributes, written into the IR as they are
                set.add(attrs, a)
        except (AttributeError, TypeError):  # pragma: no cover - another llvmlite
            pass  # a hint only: the function compiles as it would without it
        return context.get_dummy_value()

    return types.none(), codegen


#: independent partial sums per output in the generated loops' sums (see chained)
CHAINS = 4


def chained(terms: list, chains: int | None = None) -> str:
    """The sum of ``terms`` (Python expressions) as source text, in ``chains`` partial sums.

    The terms are split into ``chains`` (default :data:`CHAINS`) contiguous
    groups of near-equal size, each summed left to right, and the group sums
    are added pairwise (``(g0 + g1) + (g2 + g3)``).  Without
    fast-math reassociation LLVM keeps the order as written, so a single
    chain ``t0 + t1 + ... + t120`` makes every fused multiply-add wait for the
    one before it (4 cycles each); four chains per output (eight for two output
    rows) keep both FMA units busy.  The order is fixed, so results repeat
    bit for bit.  Measured on the Intel VM (best of 7-9, A/B in one process):
    the volume loops 128^3 float32 3x3x3 3.48 -> 3.15 ms and 5x5x5 14.6 -> 12.0
    with four chains, a 1e6-sample row with 29 taps 0.97 -> 0.81 ms; the 2-D
    stencil loops, which form two output rows per iteration, ran slower with
    more than one chain (2048^2 float32 11x11 14.7 -> 17.6-18.0 ms: the extra
    partial sums push the taps out of the registers), so they keep one.

    >>> chained(["a", "b", "c", "d", "e"], 2)
    '(a + b) + (c + d + e)'
    >>> chained(["a"])
    'a'
    """
    n = len(terms)
    if n == 0:
        raise ValueError("chained: no terms")
    k = max(1, min(CHAINS if chains is None else chains, n))
    groups, first = [], 0  # (source, whether it is a sum)
    for g in range(k):
        last = first + (n - first) // (k - g)
        groups.append((" + ".join(terms[first:last]), last - first > 1))
        first = last

    def wrap(e):
        return f"({e[0]})" if e[1] else e[0]

    def tree(gs):
        if len(gs) == 1:
            return gs[0]
        h = (len(gs) + 1) // 2
        return f"{wrap(tree(gs[:h]))} + {wrap(tree(gs[h:]))}", True

    return tree(groups)[0]
