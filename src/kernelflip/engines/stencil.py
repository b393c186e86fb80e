"""Stencil engine: 2-D kernels of up to 15x15 taps (1-D: 30) as unrolled, vectorised numba loops.

For a kernel of ``M0 x M1`` taps with ``(M0 + 1) M1 <= MAX_LOADS``, a loop
specialised to that shape is generated (one per shape, compiled by
numba and cached on disk in :func:`cache_dir`), in which every tap is a
named constant::

    z[i, j] = w[0,0] r0[j] + w[0,1] r0[j+1] + ... + w[M0-1,M1-1] r{M0-1}[j+M1-1]

with ``r{a}`` the extended image's row ``p0 + i + a``: an image row itself
(or a row of ``cval``), read in place.  The loop over ``j`` has a
straight-line body, which LLVM vectorises (SIMD over ``j``, every tap in a
register).  Two output rows are computed in one loop: they share the loads
of their ``M0 - 1`` common image rows.  Measured on the project's 2-core
machine (one thread), cv2.filter2D took 1.0x (512^2 float32, 7x7) to 2.4x
(512^2 float64, 5x5) as long.  The few output columns whose taps leave the
image read two thin strips of the extended image (left and right, built
once per call by the boundary rule, stored column by column so that these
columns too are summed with SIMD, down the rows); no padded copy of the
image is made.

Taller kernels (:func:`tall`; up to ``MAX_TAPS`` taps, ``M1 <= MAX_LOADS /
2``) go in blocks of ``BLOCK_ROWS`` output rows, from runs of ``B`` kernel
rows (:func:`run_rows`): each run's loop forms the block's rows from the same
``BLOCK_ROWS + B - 1`` image rows and adds them into a small buffer, copied
into the output once the runs are done; one loop of ``B`` rows (and one of
``M0 mod B``) serves every run, the taps read at run time
(:func:`runs_source`).  2048^2, two threads, the loops alone, on the
project's Intel VM: 11x11 float32 14.3-16.0 ms against 18.6-19.0 for the
earlier loops of two output rows (runs of 4, 4 and 3 kernel rows), float64
26.7-29.4 against 34.8-35.3.  Their first call compiles for longer (11x11:
23 s against 10, numba's start included, in one measurement each).

A 1-D signal with up to ``MAX_LOADS / 2`` taps is one row of this
computation (:func:`as_row`, on the same memory); above ``PARALLEL_ABOVE``
outputs the row goes in ``CHUNKS_1D`` column chunks that two threads take
in turn.  1e7 float64 samples with 17 taps: 11.2 ms against 19.1 for
cv2.filter2D; 1e6: 0.71 ms against 4.4.

Every generated loop starts with :func:`._simd.wide`, which lets LLVM use
512-bit vectors where the CPU has them (its tuning for Intel's AVX-512
server cores otherwise keeps to 256 bits: 2048^2 float32 11x11 25.7 -> 18.5
ms on the project's Intel VM).

Sums run in a fixed order, tap by tap (a 1-D row in four partial sums added
pairwise, :func:`._simd.chained`); floats may use fused multiply-adds
(numba's ``contract`` flag: one rounding per tap instead of two), int64 is
exact.  Stride and dilation 1, 1-D and 2-D only; other requests are refused.  The
first call with a new kernel shape compiles its loop (two to five seconds,
up to about 25 for the blocks of tall kernels; once per machine: numba's cache
keeps it).  numba is an optional extra
(``pip install kernelflip[fast]``).
"""

from __future__ import annotations

import dataclasses
import glob
import hashlib
import importlib.util
import os
import sys
import tempfile
import threading

import numpy as np

from ..plan import extend_positions
from ._base import Engine, Problem, installed, register
from ._simd import chained

MAX_TAPS = 225  # compile time grows with the taps
# Two output rows share a loop, which then loads (M0 + 1) * M1 distinct values
# per column.  Measured (numba 0.68 on this AVX-512 EPYC): LLVM vectorises loops
# of up to 62 such loads (7x7: 56, 5x10: 60), none from 64 on, which run 8-10x
# slower (8x8, 7x8, 3x16, 2x24, 1x49); taller shapes go in runs of rows
# (run_rows), wider ones (M1 > MAX_LOADS / 2) are refused.
MAX_LOADS = 60
# Tall kernels: blocks of BLOCK_ROWS output rows and BLOCK_COLS columns, from
# runs of rows whose (BLOCK_ROWS + B - 1) * M1 loads fit BLOCK_LOADS (numba 0.68
# on the Intel VM: LLVM vectorised 154 such loads and the block's 4, 11x11 in
# blocks of 4 rows, not 165 and 5 in blocks of 5).  2048^2, two threads, the
# loops alone, in two processes each: 11x11 float32 14.3-16.0 ms in blocks of
# four rows against 18.6-19.0 in pairs of rows (runs of 4, 4 and 3), float64
# 26.7-29.4 against 34.8-35.3.  Not for shorter kernels: 5x5 float32 8.2 ms
# against 4.3 in a prototype (the buffer's copy costs more than the shared loads
# save).
BLOCK_ROWS = 4
BLOCK_COLS = 512
BLOCK_LOADS = 160
# ... and at most BLOCK_RUN kernel rows per run (narrow tall kernels: a 200x1
# kernel in runs of 162 rows took 95 s to compile and was not vectorised; 25x9
# in runs of 15 rows, 18 image rows and 162 loads, was not either)
BLOCK_RUN = 12
DTYPES = ("float32", "float64", "int64")
PARALLEL_ABOVE = 1 << 18  # outputs above which two threads share the rows
# ... and, for kernels of 25 taps or more, bytes x taps of the output above which they
# do (one thread against two, float32/float64: 7x7 at 300^2 0.158/0.280 ms against
# 0.125/0.185, 11x11 at 200^2 0.208/0.345 against 0.168/0.265; at 160^2 even;
# 2026-11-27, 'same', best of 300 with auto in one process: 512^2 5x5 310-415 us
# against 255-333 (float32), 510-529 against 358-382 (float64); float64 256^2 7x7
# 304-306 against 251-254; below it one thread was as fast or faster: float32 256^2
# 7x7 220 against 220, 5x5 87 against 132, float64 256^2 5x5 138-140 against 188-192,
# float32 512^2 3x3 165-170 against 190-198).  Two threads cost a hand-over of about
# 40-50 us on the 2-core VM (a thread pool's submit and result, measured alone).
PARALLEL_WORK_BYTES = 1 << 24
_LOCK = threading.Lock()
_KERNELS: dict = {}
_VERSION = "10"  # bump when the generated source changes


def cache_dir() -> str:
    """Where the generated loops and numba's compiled code are kept (KERNELFLIP_CACHE)."""
    d = os.environ.get("KERNELFLIP_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "kernelflip")
    try:
        os.makedirs(d, exist_ok=True)
    except OSError:  # pragma: no cover - read-only home
        return tempfile.gettempdir()
    return d if os.access(d, os.W_OK) else tempfile.gettempdir()


# The generated modules' edge strips: extended columns c0..c1-1 and rows q0..q1-1
# of the image, stored column by column; column c's source is colmap[c - base] (the
# map holds the left strip's columns, then the right one's: see layout).
_STRIP = [
    "@numba.njit(nogil=True, cache=True, fastmath={'contract'}, boundscheck=False)",
    "def strip(x, rowmap, colmap, q0, q1, c0, c1, base, cval):",
    "    # extended columns c0..c1-1, rows q0..q1-1, stored column by column",
    "    s = np.empty((max(c1 - c0, 0), q1 - q0), dtype=x.dtype)",
    "    for c in range(c0, c1):",
    "        col = colmap[c - base]",
    "        for q in range(q0, q1):",
    "            src = rowmap[q]",
    "            s[c - c0, q - q0] = cval if src < 0 or col < 0 else x[src, col]",
    "    return s",
]


def source(m0: int, m1: int) -> str:
    """The Python source of the loop for an ``m0 x m1`` kernel.

    >>> print(source(1, 2).splitlines()[-1].strip())
    o[j] = w0_0 * r0[j] + w0_1 * r0[j + 1]
    """
    taps = [(a, b) for a in range(m0) for b in range(m1)]

    # 1-D rows sum in CHAINS partial sums; two 2-D output rows keep one chain each
    # (more chains spill the taps' registers: 2048^2 float32 11x11 14.7 ms with one,
    # 17.6-18.0 with two to eight; a 1e6-sample row with 29 taps 0.97 -> 0.81 ms)
    chains = None if m0 == 1 else 1

    def body(row, first=0):
        return chained([f"w{a}_{b} * {row}{a + first}[j{f' + {b}' if b else ''}]"
                        for a, b in taps], chains)

    def rows(count):
        return [line for a in range(count) for line in (
            f"        s{a} = rowmap[i + {a}]",
            f"        r{a} = (x[s{a}] if s{a} >= 0 else cvrow)[jlo + coff:]")]

    lines = [
        "# generated by kernelflip.engines.stencil: one loop per kernel shape",
        "import numpy as np",
        "import numba",
        "from kernelflip.engines._simd import wide",
        "",
        "",
        *_STRIP,
        "",
        "",
        "@numba.njit(nogil=True, cache=True, fastmath={'contract'}, boundscheck=False)",
        "def run(x, w, out, i0, i1, rowmap, colmap, jlo, jhi, coff, cval, cvrow):",
        "    wide()",
        "    n1 = out.shape[1]",
        f"    left = strip(x, rowmap, colmap, i0, i1 + {m0 - 1}, 0, jlo + {m1 - 1}, 0, cval)",
        f"    right = strip(x, rowmap, colmap, i0, i1 + {m0 - 1}, jhi, n1 + {m1 - 1},",
        f"                  jhi - jlo - {m1 - 1}, cval)",
    ]
    lines += [f"    w{a}_{b} = w[{a}, {b}]" for a, b in taps]
    # the columns whose taps leave the image, from the strips: one column at a time,
    # vectorised down the rows (a row has only M1 - 1 such outputs)
    down = " + ".join(f"w{a}_{b} * e[j + {b}, i + {a}]" for a, b in taps)
    lines += ["    tmp = np.empty(i1 - i0, dtype=out.dtype)",
              "    for e, j0, count in ((left, 0, jlo), (right, jhi, n1 - jhi)):",
              "        for j in range(count):",
              "            for i in range(i1 - i0):",
              f"                tmp[i] = {down}",
              "            for i in range(i1 - i0):",
              "                out[i0 + i, j0 + j] = tmp[i]"]
    # the columns whose taps all lie inside: two output rows at a time share the
    # loads of their m0 - 1 common rows (both sums are formed before either store,
    # so the loads need no alias analysis to be shared)
    lines += ["    if jhi <= jlo:", "        return", "    i = i0", "    while i + 2 <= i1:"]
    lines += rows(m0 + 1)
    lines += ["        o0 = out[i, jlo:jhi]", "        o1 = out[i + 1, jlo:jhi]",
              "        for j in range(jhi - jlo):", f"            t0 = {body('r')}",
              f"            t1 = {body('r', 1)}", "            o0[j] = t0",
              "            o1[j] = t1", "        i += 2", "    if i < i1:"]
    lines += rows(m0)
    lines += ["        o = out[i, jlo:jhi]", "        for j in range(jhi - jlo):",
              f"            o[j] = {body('r')}"]
    return "\n".join(lines) + "\n"


def tall(m0: int, m1: int) -> bool:
    """True when two output rows' loads do not fit one loop (``(m0 + 1) m1 >
    MAX_LOADS``): the kernel goes in runs of rows (:func:`runs_source`)."""
    return (m0 + 1) * m1 > MAX_LOADS


def run_rows(m0: int, m1: int) -> int:
    """Kernel rows per loop: all ``m0`` when the kernel is not :func:`tall`, else runs
    of ``B`` rows with ``(BLOCK_ROWS + B - 1) m1 <= BLOCK_LOADS`` and ``B <=
    BLOCK_RUN`` (and one shorter run for the rest), the longest such ``B`` or, when
    it leaves a remainder, the one above half that with the least code
    (``B + m0 mod B`` rows in the two loops: each compiles for seconds).

    >>> run_rows(5, 5), run_rows(11, 11), run_rows(15, 15), run_rows(13, 13), run_rows(4, 30)
    (5, 11, 5, 6, 2)
    """
    if not tall(m0, m1):
        return m0
    most = max(min(m0, BLOCK_LOADS // m1 - BLOCK_ROWS + 1, BLOCK_RUN), 1)
    if most == m0:
        return m0
    # the least code (the loops of b rows and of m0 mod b rows) among the longer runs
    return min(range(most, most // 2, -1), key=lambda b: b + m0 % b)


def runs_source(b: int, r: int, m1: int) -> str:
    """The Python source of the loop for :func:`tall` kernels of width ``m1``, taken in
    runs of ``b`` rows (and one of ``r`` rows when ``r``).

    The outputs go in blocks of :data:`BLOCK_ROWS` rows and :data:`BLOCK_COLS`
    columns, summed in a small buffer (zeroed, then each run's taps added; the
    buffer's rows lie a constant distance apart, which lets LLVM vectorise the
    loop without checking where they overlap) and copied into the output.
    Each run's loop forms the block's rows from the same loads: ``BLOCK_ROWS +
    B - 1`` image rows for ``BLOCK_ROWS * B * M1`` multiply-adds.  The taps are
    the kernel's rows ``a0 .. a0 + b - 1``, read at run time, so one compiled
    loop serves every run and every kernel height ``k b + r``.  A block whose
    rows are all image rows with another row after them runs its loop to a
    whole number of 512-bit vectors, reading up to a vector's length past the
    interior into the next row for sums it does not keep, instead of ending in
    a scalar remainder (2026-11-27, one thread, 128^2: 11x11 0.88-0.89 of the
    time, 9x9-15x15 0.83-0.99; 512^2 0.95-0.97).  The edge columns sum tap by
    tap down the strips (few columns: no unrolling).

    >>> src = runs_source(2, 1, 2)
    >>> print([line.strip() for line in src.splitlines() if line.strip().startswith("t0 =")][-1])
    t0 = tile[j] + w0_0 * r0[j] + w0_1 * r0[j + 1]
    """
    njit = "@numba.njit(nogil=True, cache=True, fastmath={'contract'}, boundscheck=False)"
    K, W = BLOCK_ROWS, BLOCK_COLS
    lines = [
        "# generated by kernelflip.engines.stencil: loops for tall kernels, in runs of rows",
        "import numpy as np",
        "import numba",
        "from kernelflip.engines._simd import wide",
        "",
        "",
        *_STRIP,
        "",
        "",
        njit,
        "def run(x, w, out, i0, i1, rowmap, colmap, jlo, jhi, coff, cval, cvrow):",
        "    wide()",
        "    m0 = w.shape[0]",
        "    n1 = out.shape[1]",
        f"    left = strip(x, rowmap, colmap, i0, i1 + m0 - 1, 0, jlo + {m1 - 1}, 0, cval)",
        f"    right = strip(x, rowmap, colmap, i0, i1 + m0 - 1, jhi, n1 + {m1 - 1},",
        f"                  jhi - jlo - {m1 - 1}, cval)",
        "    tmp = np.empty(i1 - i0, dtype=out.dtype)",
        "    for e, j0, count in ((left, 0, jlo), (right, jhi, n1 - jhi)):",
        "        for j in range(count):",
        "            tmp[:] = 0",
        "            for a in range(m0):",
        f"                for c in range({m1}):",
        "                    wac = w[a, c]",
        "                    for i in range(i1 - i0):",
        "                        tmp[i] += wac * e[j + c, i + a]",
        "            for i in range(i1 - i0):",
        "                out[i0 + i, j0 + j] = tmp[i]",
        "    if jhi <= jlo:",
        "        return",
        "    # the block's rows, a constant distance apart (rowmap has rows of cval past",
        "    # the last output row, for a last block of fewer rows)",
        f"    tile = np.empty({K * W}, dtype=out.dtype)",
        "    # a block's loop runs to a whole number of vectors of V elements where all its",
        "    # rows are image rows with another after them: it then reads up to V - 1",
        "    # elements past the interior, into the next row, for sums that are not kept",
        "    V = 64 // out.itemsize",
        "    last = x.shape[0] - 1",
        f"    for i in range(i0, i1, {K}):",
        f"        rows = min({K}, i1 - i)",
        "        pad = True",
        f"        for q in range(i, i + m0 + {K - 1}):",
        "            if rowmap[q] < 0 or rowmap[q] >= last:",
        "                pad = False",
        f"        for c0 in range(jlo, jhi, {W}):",
        f"            nj = min({W}, jhi - c0)",
        "            nv = (nj + V - 1) // V * V if pad else nj",
        "            lo = c0 + coff",
        "            tile[:] = 0",
    ]
    for h, a0, every_run in ((b, "a0", True), (r, f"m0 - {r}", False)):
        if not h:
            continue
        ind = "            " + ("    " if every_run else "")
        if every_run:  # the loop over the runs of b rows; the last run of r rows follows
            lines += [f"            for a0 in range(0, m0 - {r}, {b}):"]
        lines += [row for a in range(K + h - 1) for row in (
            f"{ind}s{a} = rowmap[i + {a0} + {a}]",
            f"{ind}r{a} = (x[s{a}] if s{a} >= 0 else cvrow)[lo:]")]
        lines += [f"{ind}w{a}_{c} = w[{a0} + {a}, {c}]" for a in range(h) for c in range(m1)]
        lines += [f"{ind}for j in range(nv):"]
        for k in range(K):
            terms = " + ".join(f"w{a}_{c} * r{k + a}[j{f' + {c}' if c else ''}]"
                               for a in range(h) for c in range(m1))
            lines += [f"{ind}    t{k} = tile[{f'{k * W} + ' if k else ''}j] + {terms}"]
        lines += [f"{ind}    tile[{f'{k * W} + ' if k else ''}j] = t{k}" for k in range(K)]
    lines += ["            for k in range(rows):",
              f"                out[i + k, c0:c0 + nj] = tile[k * {W}:k * {W} + nj]"]
    return "\n".join(lines) + "\n"


def _kernel(m0: int, m1: int):
    """The compiled loop for this kernel shape (generated and imported once)."""
    k = load(*_loop_spec(m0, m1))
    _COMPILED[(m0, m1)] = True
    return k


def _loop_spec(m0: int, m1: int):
    """(key, name, make_source) of :func:`load` for this kernel shape's loop."""
    b = run_rows(m0, m1)
    if not tall(m0, m1):
        return ("stencil", m0, m1), f"stencil_{m0}x{m1}", lambda: source(m0, m1)
    r = m0 % b
    return (("stencil-runs", b, r, m1), f"stencil_runs{b}_{r}x{m1}",
            lambda: runs_source(b, r, m1))


def is_compiled(m0: int, m1: int) -> bool:
    """True when the loop for an ``m0 x m1`` kernel is loaded in this process or was
    compiled on this machine before (numba's index of it is in :func:`cache_dir`);
    False when its first call would compile it (seconds).  Dtypes are not told
    apart: a loop compiled for float64 counts, though its first int64 call
    compiles again.  Where NUMBA_CACHE_DIR sends numba's cache elsewhere, only
    the loops loaded in this process count.

    >>> import kernelflip as kf
    >>> _ = kf.correlate(np.ones((4, 4)), np.ones((2, 2)), method="stencil")
    >>> is_compiled(2, 2)
    True
    """
    hit = _COMPILED.get((m0, m1))
    if hit is not None:
        return hit
    key, name, make_source = _loop_spec(m0, m1)
    hit = key in _KERNELS or bool(glob.glob(os.path.join(
        glob.escape(cache_dir()), "__pycache__",
        glob.escape(_module_name(name, make_source())) + ".run-*.nbi")))
    if len(_COMPILED) >= 4096:
        _COMPILED.clear()
    _COMPILED[(m0, m1)] = hit
    return hit


# kernel shape -> whether its loop is loaded (set by _kernel) or was in numba's
# cache when first asked
_COMPILED: dict = {}


def _module_name(name: str, src: str) -> str:
    """The generated module's name: ``name`` and a hash of its source."""
    return f"kernelflip_{name}_{hashlib.sha1((_VERSION + src).encode()).hexdigest()[:10]}"


def load(key, name: str, make_source):
    """The ``run`` function of a generated module (written to :func:`cache_dir` under a
    name that carries a hash of its source, imported once per process)."""
    k = _KERNELS.get(key)
    if k is not None:
        return k
    with _LOCK:
        k = _KERNELS.get(key)
        if k is not None:
            return k
        src = make_source()
        name = _module_name(name, src)
        path = os.path.join(cache_dir(), name + ".py")
        if not os.path.exists(path):
            tmp = f"{path}.{os.getpid()}.tmp"
            with open(tmp, "w") as f:
                f.write(src)
            os.replace(tmp, path)
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        _KERNELS[key] = k = mod.run
        return k


def available() -> bool:
    return installed("numba")


def layout(p: Problem):
    """(rowmap, colmap, jlo, jhi, coff, cval): where each extended row and column comes from.

    ``rowmap[q]`` is the image row of extended row ``p0 + q`` (-1: a row of
    cval); outputs ``jlo <= j < jhi`` read image columns ``j + coff + b`` for
    every tap ``b`` (the vectorised loop), the others go tap by tap, from two
    strips: extended columns ``p0 + c`` for ``c < jlo + M1 - 1`` (left) and
    ``c >= jhi`` (right).  ``colmap`` holds their image columns (-1: cval), the
    left strip's first, then the right one's.
    """
    c = p.canon
    n0, n1 = p.x.shape
    m0, m1 = p.w.shape
    k0, k1 = c.out_shape

    def where(first, stop, n):  # image positions of extended positions first..stop-1
        v = np.arange(first, stop)
        if c.boundary == "constant":
            return np.where((v >= 0) & (v < n), v, -1)
        return extend_positions(v, n, c.boundary)

    rowmap = where(c.p0[0], c.p0[0] + k0 + m0 - 1, n0).astype(np.int64)
    coff = int(c.p0[1])
    jlo = int(min(max(-coff, 0), k1))
    jhi = int(min(n1 - coff - (m1 - 1), k1))
    if jhi <= jlo:  # no column has all its taps inside: all go through the left strip
        jlo = jhi = k1
    # only the strips' columns are read: 0 .. jlo + M1 - 2 (left) and jhi .. k1 + M1 - 2
    # (right); the map holds those two runs, one after the other (so a long row's map
    # is 2 (M1 - 1) entries, not k1 + M1 - 1)
    colmap = np.concatenate([where(c.p0[1], c.p0[1] + jlo + m1 - 1, n1),
                             where(c.p0[1] + jhi, c.p0[1] + k1 + m1 - 1, n1)])
    return rowmap, colmap.astype(np.int64), jlo, jhi, coff, p.cval


class Stencil(Engine):
    name = "stencil"
    exact = True
    doc = ("unrolled numba loops for 2-D kernels of <= 225 taps (SIMD over rows, two rows at "
           "a time, tall kernels in runs of rows) and 1-D ones of <= 30 (one row, column "
           "chunks on two threads); exact int64")

    def available(self) -> bool:
        return available()

    def refuses(self, p: Problem) -> str | None:
        if p.ndim not in (1, 2):
            return f"{p.ndim} axes: the stencil loops are 1-D (one row) and 2-D"
        if p.ndim == 1:
            return self.refuses(as_row(p))
        if p.x.dtype.name not in DTYPES:
            return f"dtype {p.x.dtype}: the stencil loops cover {', '.join(DTYPES)}"
        if p.w.size > MAX_TAPS:
            return f"{p.w.size} taps: the stencil loops take at most {MAX_TAPS}"
        m1 = p.w.shape[1]
        if 2 * m1 > MAX_LOADS:
            return (f"kernel width {m1}: the stencil loops take at most {MAX_LOADS // 2} "
                    "columns (two rows per loop stay vectorised)")
        if any(s != 1 for s in p.canon.stride) or any(d != 1 for d in p.canon.dilation):
            return "stride or dilation above 1"
        return None

    def run(self, p: Problem) -> np.ndarray:
        out = np.empty(p.out_shape, dtype=p.x.dtype)
        if out.size == 0:
            return out
        if p.ndim == 1:
            return runner_1d(p)(np.ascontiguousarray(p.x), p.w, out)
        return runner(p)(np.ascontiguousarray(p.x), p.w, out)


def as_row(p: Problem, first: int = 0, stop: int | None = None) -> Problem:
    """The 1-D problem ``p`` (outputs ``first`` to ``stop``) as one row of a 2-D one.

    The canonical sum is the same: ``z[0, j] = sum_b ext(x)[0, p0 + j + b] * w[0, b]``
    with ``p0`` moved on by ``first`` (stride 1), so the 2-D loops and their layout
    serve it unchanged, on the same memory (``x[None, :]``).
    """
    c = p.canon
    stop = c.out_shape[0] if stop is None else stop
    c2 = dataclasses.replace(
        c, p0=(0, c.p0[0] + c.stride[0] * first), out_shape=(1, stop - first),
        stride=(1,) + c.stride, dilation=(1,) + c.dilation)
    return Problem(p.x[None, :], p.w[None, :], c2, p.cval, p.exact)


def runner_1d(p: Problem):
    """A function ``(x, w, out) -> out`` for 1-D problems shaped like ``p`` (cached): the
    2-D loops on one row, in column chunks that two threads take in turn above
    PARALLEL_ABOVE outputs."""
    return cached(_RUNNERS, p, _make_runner_1d)


CHUNKS_1D = 8  # column chunks of a long row, taken in turn by two threads


def _make_runner_1d(p: Problem):
    # the parts are held here, not in the runner cache (runner_1d caches this function)
    k = p.out_shape[0]
    if k <= PARALLEL_ABOVE:
        row = _make_runner(as_row(p))

        def serial(x, w, out):
            row(x[None], w[None], out[None])
            return out

        return serial
    edges = np.linspace(0, k, CHUNKS_1D + 1).astype(int)
    parts = [(_make_runner(as_row(p, a, b)), int(a), int(b))
             for a, b in zip(edges, edges[1:])]

    def parallel(x, w, out):
        x2, w2, out2 = x[None], w[None], out[None]

        def call(c0, c1):
            for r, a, b in parts[c0:c1]:
                r(x2, w2, out2[:, a:b])  # one row: the slice is contiguous

        share_rows(np.arange(CHUNKS_1D + 1), call)
        return out

    return parallel


_RUNNERS: dict = {}


def runner(p: Problem):
    """A function ``(x, w, out) -> out`` computing problems shaped like ``p`` (cached)."""
    return cached(_RUNNERS, p, _make_runner)


def cached(cache: dict, p: Problem, make):
    """``make(p)``, kept in ``cache`` per shapes, dtype, canonical operation and cval."""
    key = (p.canon, p.x.shape, p.w.shape, p.x.dtype, p.cval.item() if hasattr(p.cval, "item")
           else p.cval)
    r = cache.get(key)
    if r is None:
        if len(cache) > 256:
            cache.clear()
        r = cache[key] = make(p)
    return r


def share_rows(edges: np.ndarray, call) -> None:
    """``call(i0, i1)`` for the row chunks between consecutive ``edges``, on this thread
    and one pool thread.  The chunks are taken in turn (the GIL is released in the
    loops): if one thread is descheduled by another process, the other takes more."""
    it = iter(range(len(edges) - 1))
    lock = threading.Lock()

    def work():
        while True:
            with lock:
                c = next(it, None)
            if c is None:
                return
            call(int(edges[c]), int(edges[c + 1]))

    from concurrent.futures import ThreadPoolExecutor

    f = _pool(ThreadPoolExecutor).submit(work)
    work()
    f.result()


def _make_runner(p: Problem):
    m0, m1 = p.w.shape
    k = _kernel(m0, m1)
    rowmap, colmap, jlo, jhi, coff, cval = layout(p)
    if tall(m0, m1):  # the runs' loops read BLOCK_ROWS - 1 rows past a short last block
        rowmap = np.append(rowmap, np.full(BLOCK_ROWS - 1, -1, rowmap.dtype))
    dt = p.x.dtype
    n1 = p.x.shape[1]
    k0 = p.out_shape[0]
    cv = dt.type(cval)

    # the loops read it for rows outside the image only (a 1-D row never: then one
    # element stands for it, of the same type)
    cvrow = np.full(n1 if (rowmap < 0).any() else 1, cv, dtype=dt)
    cvrow.flags.writeable = False

    def serial(x, w, out):
        k(x, w, out, 0, k0, rowmap, colmap, jlo, jhi, coff, cv, cvrow)
        return out

    if not threaded(p):
        return serial
    edges = np.linspace(0, k0, 8 + 1).astype(int)

    def parallel(x, w, out):
        share_rows(edges, lambda i0, i1: k(x, w, out, i0, i1, rowmap, colmap, jlo, jhi, coff,
                                           cv, cvrow))
        return out

    return parallel


def threaded(p: Problem) -> bool:
    """True when two threads share the rows of ``p``: above PARALLEL_ABOVE outputs or,
    with 25 taps or more, PARALLEL_WORK_BYTES output bytes x taps; and at least 64
    output rows."""
    out, taps = out_size(p), p.w.size
    return p.out_shape[0] >= 64 and (out > PARALLEL_ABOVE or (
        taps >= 25 and out * taps * p.x.dtype.itemsize > PARALLEL_WORK_BYTES))


def out_size(p: Problem) -> int:
    return int(np.prod(p.out_shape))


_POOL: list = []
if hasattr(os, "register_at_fork"):  # a forked child has none of the pool's threads
    os.register_at_fork(after_in_child=_POOL.clear)


def _pool(cls):
    if not _POOL:
        _POOL.append(cls(max_workers=1, thread_name_prefix="kernelflip-stencil"))
    return _POOL[0]


register(Stencil())
