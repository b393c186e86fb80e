"""Opt-in tuning of the C allocator for repeated large convolutions.

Each convolution allocates its output and, in the transform engines, padded
copies and spectra of a few MiB.  glibc's malloc returns freed blocks of that
size to the operating system and maps fresh pages for the next call, and
every first touch of a fresh page is a page fault.  On the project's 2-core
VM a fault costs about 2.9 us per 4 KiB page, so a 2.3 MiB array costs 1.7
ms before any arithmetic: the FFT engine's 512^2 float64 convolution with a
31x31 kernel took 3.8-4.8 ms, of which its three transforms are 2 ms.

:func:`keep_freed_memory` asks glibc to serve blocks under ``mmap_threshold``
from its heaps and to keep up to ``trim_threshold`` of freed memory in each
heap for reuse (``mallopt(M_MMAP_THRESHOLD)`` and ``mallopt(M_TRIM_THRESHOLD)``;
setting both also stops glibc's own adjustment of the first, which alone did
not help).  Measured in fresh processes that call only kernelflip
(`kernelflip.bench.timeit_many`, FFT engine, 'same', two runs each):
512^2 float64 31x31 3.8-3.9 ms -> 2.6-2.7 ms, 63x63 4.6-4.7 -> 2.7-2.8 ms
(``method="auto"``: 4.8 -> 2.8-2.9 ms); 2048^2 float32 63x63 41 -> 37 ms.
Setting either threshold alone made these slower.  In the benchmark
harness, where a dozen peers share the process, it made no measurable
difference (its 512^2 rows, the same hour).

The price is memory: a process keeps up to ``trim_threshold`` of freed memory
per heap instead of giving it back.  The setting is process-wide (every
library's allocations follow it), so kernelflip never applies it by itself:
call it, or run ``kernelflip bench --keep-freed-memory``.  Elsewhere than
glibc (macOS, Windows, musl) it does nothing and returns False.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3


def keep_freed_memory(mmap_threshold: int = 32 * 2**20,
                      trim_threshold: int = 64 * 2**20) -> bool:
    """Keep freed memory for reuse (glibc's malloc); True when the setting was applied.

    >>> isinstance(keep_freed_memory(), bool)
    True
    """
    for name, v in (("mmap_threshold", mmap_threshold), ("trim_threshold", trim_threshold)):
        if isinstance(v, bool) or not isinstance(v, int) or not 0 < v <= 2**31 - 1:
            from .errors import ArgumentError

            raise ArgumentError(f"{name}={v!r} is not accepted: give a number of bytes "
                                f"between 1 and {2**31 - 1}")
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, mmap_threshold)
                and mallopt(M_TRIM_THRESHOLD, trim_threshold))
