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
``method="stencil"``, best of 7): float32 11x11 31.0 -> 19.0 ms, float32 5x5
6.0 -> 3.9 ms, float64 11x11 58.9 -> 35.1 ms.

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
        attrs = builder.function.attributes
        for a in ATTRIBUTES:
            # llvmlite's AttributeSet.add accepts only its known keyword attributes;
            # these are string attributes, written into the IR as they are
            set.add(attrs, a)
        return context.get_dummy_value()

    return types.none(), codegen
