"""Fused separable passes: a rank-1 2-D kernel as one generated numba loop.

For ``w = u (x) v`` (``u`` of ``M0`` taps down the columns, ``v`` of ``M1``
along the rows) the canonical correlation is

    z[i, j] = sum_a u[a] * t[i + a, j],   t[q, j] = sum_b v[b] * X[p0 + q, q0 + j + b]

with ``X`` the extended image.  The loop computes each row of ``t`` once,
into a ring of ``M0 + 3`` rows (a few hundred KiB at most, so it stays in
the core's cache), and each group of :data:`OUT_ROWS` (4) output rows as
soon as their rows of ``t`` are there: the image is read once and the output
written once, where two separate passes (cv2.sepFilter2D, scipy.ndimage)
write and read an intermediate image.  The taps are named constants in a
loop generated per ``(M0, M1)`` and term count (as in :mod:`.stencil`), whose body LLVM
vectorises over ``j``.  Measured on the project's 2-core machine (2048^2
float32, Gaussian 11x11, two threads): 2.6-3.2 ms against 3.3-4.3 ms for
cv2.sepFilter2D and 10.2 ms for cv2.filter2D.

Sums run tap by tap in a fixed order, first along the row then down the
column, exactly as two separate passes would (floats may use fused
multiply-adds); so NaN and inf land where the passes put them (see
:func:`.separable._keeps_nonfinite` for when that is where the direct sum puts
them).  One exception: a loop of several terms whose row factors all read
the same backwards (or all negated: :func:`mirrored`; the SVD's factors of a
mirrored kernel are made exactly so by :func:`.separable.lowrank`) adds (or
subtracts) the two image values under taps ``b`` and ``M1 - 1 - b`` once for
all its terms and multiplies the pair, ``(M1 + 1) / 2`` multiply-adds a term
instead of ``M1``: 2048^2 float32 Laplacian of Gaussian 11x11 5.5-7.4 ms
against 6.0-8.1, 31x31 13.5-17.3 against 15.2-20.7 (0.84-0.91 of the time,
two threads, alternating in one process; float64 11x11 0.95).  Such loops
look for NaN and inf (below), which a pair's sum may also produce by
overflowing.  A loop of several terms also looks for NaN and inf as it reads
(:func:`run_checked`: one multiply-add per row-pass value), so that
``method="auto"`` needs no scan of the image before it (2048^2 float32,
Laplacian of Gaussian 11x11: the scan by numpy's sum took 2.3 ms of 11.6);
data that hold them go to a direct sum.  Rows of the extended image outside
the image are rows of ``cval``, columns outside come from the boundary
rule, element by element, for the few output columns whose taps leave the
image.  Several terms (low rank) share
one loop, up to :data:`MAX_TERMS`: the row pass computes every term's row
from the same loads of the image row, the column pass sums every term's
ring rows into the output, four output rows at a time (they share M0 - 1
ring rows): 2048^2 float32 Laplacian of Gaussian, rank 3, 11x11 4.8 ms and
31x31 12.8 ms (two rows at a time), against 9.2 and 20.1 with a loop per
term and one output row at a time, and 10.3 and 41.8 for cv2.filter2D, in
an hour when this VM ran fast.  The ring and the output start on cache
lines, at page offsets apart (see :data:`RING_PHASE`), and the row pass
reads one extended copy of the image row; with four rows a sweep, against
two rows and numpy's 16-byte alignment, the same LoG 11x11 took 6.1-6.2 ms
against 7.1-7.6 (``method="auto"``, two threads; 17.8-18.1 for
cv2.filter2D, separate processes in turns, a slower hour).  Further terms
are added into the output by further loops.  Stride and dilation 1, float32
and float64, factors of at most :data:`MAX_TAPS` taps.
"""

from __future__ import annotations

import numpy as np

from ._base import Problem, empty_aligned, installed
from .stencil import cached, layout, load, share_rows

MAX_TAPS = 64  # per factor: the generated body grows with the taps
PARALLEL_FROM = 1 << 17  # outputs from which two threads share the rows
DTYPES = ("float32", "float64")
ROW_GROUP = 16  # row taps per vectorised loop
SYM_GROUP = 8  # pairs of mirrored row taps per vectorised loop
# the column pass forms OUT_ROWS output rows per sweep of a loop over the row, COL_GROUP
# column taps per loop (their constants stay in registers).  Single thread, 2048^2,
# (OUT_ROWS, COL_GROUP) = (2, 6) -> (4, 11), the settings alternating in one process
# (a slow hour of this VM), ms: float32 Gaussian 5x5 5.20 -> 5.11, 11x11 7.11 -> 6.24,
# 31x31 15.1 -> 13.0; Laplacian of Gaussian (rank 3) 11x11 22.0 -> 17.4, 31x31 33.4 ->
# 28.3; float64 11x11 Gaussian 21.3 -> 19.9, LoG 42.6 -> 37.5.  (4, 6) and (3, 11) fell
# between the two; 6-8 rows with 11-31 taps fell off a cliff (3-6x slower: LLVM's
# vectorised loop no longer fits the registers).
OUT_ROWS = 4
# where the ring and the output start in a 4 KiB page, relative to the image: a load
# whose address matches an earlier store's in its low 12 bits waits for that store
# ("4K aliasing"), and rows of 2^k bytes keep the same page offset row after row.
# The row pass loads image rows and stores ring rows, the column pass loads ring
# rows and loads and stores output rows; with the ring half a page from both the
# image and the output, neither pair meets.  2048^2 float32 Laplacian of Gaussian
# 11x11, single thread, alternating: ring at the image's page offset 12.4-12.7 ms,
# half a page away 11.5-11.7, a quarter 11.9-12.0.
RING_PHASE = 2048
COL_GROUP = 11
MAX_TERMS = 4  # terms per loop (their row passes share the image row's loads); more
# terms are added into the output by further loops


def source(m0: int, m1: int, r: int = 1, sym: int = 0) -> str:
    """The Python source of the fused loop for ``r`` terms of ``M0`` column taps and
    ``M1`` row taps (``u`` and ``v`` of shapes ``(r, M0)`` and ``(r, M1)``).

    >>> print(source(2, 2).splitlines()[-1].strip())
    return True
    """
    def row_pass(src, dst, count, indent):
        # dst{t}[j] = sum_b v{t}_b src[j + b] for j < count and every term t, in groups
        # of taps (their constants stay in registers); the terms' sums are formed from
        # the same loads before any is stored.  Mirrored factors (sym 1: v[b] ==
        # v[M1-1-b] for every term, -1: v[b] == -v[M1-1-b]) take the pair
        # src[j+b] +- src[j+M1-1-b] once for all the terms, then one multiply-add a pair
        # and term
        if sym:
            op = " + " if sym > 0 else " - "
            taps = [(b, f"({src}[j + {b}]{op}{src}[j + {m1 - 1 - b}])") for b in range(m1 // 2)]
            if m1 % 2 and sym > 0:
                taps.append((m1 // 2, f"{src}[j + {m1 // 2}]"))
        else:
            taps = [(b, f"{src}[j + {b}]" if b else f"{src}[j]") for b in range(m1)]
        out = []
        size = SYM_GROUP if sym else ROW_GROUP
        for g0 in range(0, len(taps), size):
            group = taps[g0:g0 + size]
            out += [f"{indent}for j in range({count}):"]
            if sym:
                out += [f"{indent}    p{b} = {e}" for b, e in group]
                group = [(b, f"p{b}") for b, _ in group]
            for t in range(r):
                terms = [f"v{t}_{b} * {e}" for b, e in group]
                body = " + ".join(([f"{dst}{t}[j]"] if g0 else []) + terms)
                out += [f"{indent}    s{t} = {body}"]
            out += [f"{indent}    {dst}{t}[j] = s{t}" for t in range(r)]
            if check and g0 + size >= len(taps):  # the first term's finished sums
                out += [f"{indent}    seen[j] = seen[j] + s0 * zero"]
        return out

    def each(fmt):
        return [fmt.format(t=t) for t in range(r)]

    R = m0 + OUT_ROWS - 1  # ring rows per term: a group of output rows' worth
    check = r > 1  # several terms: the loop reports NaN/inf in what it reads (see run)

    lines = [
        "# generated by kernelflip.engines.passes: one fused loop per factor lengths and terms",
        "import numpy as np",
        "import numba",
        "from kernelflip.engines._simd import wide",
        "",
        "",
        "@numba.njit(nogil=True, cache=True, fastmath={'contract'}, boundscheck=False)",
        "def run(x, u, v, out, i0, i1, rowmap, colmap, jlo, jhi, coff, cval, acc):",
        "    wide()",
        "    n1 = out.shape[1]",
        "    # the ring's rows start on 64-byte boundaries (cache lines: a vector load or",
        "    # store that spans two lines costs two), half a page from the image's rows",
        "    # (see RING_PHASE)",
        "    n1p = (n1 + 15) // 16 * 16",
        f"    buf = np.empty({r * R} * n1p + 4096, dtype=out.dtype)",
        f"    ring_at = x.ctypes.data // 64 * 64 + {RING_PHASE}",
        "    first = ((ring_at - buf.ctypes.data) % 4096) // buf.itemsize",
        f"    ring = buf[first:first + {r * R} * n1p].reshape(({r * R}, n1p))",
        # t0[j] * 0 is NaN exactly when t0[j] is not finite, and t0[j] is a sum over
        # taps of every extended-image value its columns read (0 * inf is NaN too):
        # seen[j], updated as each row's t0[j] is formed, stays 0 unless some value
        # read at column j is NaN or inf
        *(["    seen = np.zeros(n1, dtype=out.dtype)"] if check else []),
        "    # the extended image row the row pass reads, a quarter page from the ring",
        f"    ebuf = np.empty(n1 + {m1 - 1} + 4096, dtype=out.dtype)",
        "    efirst = ((ring_at + 1024 - ebuf.ctypes.data) % 4096) // ebuf.itemsize",
        f"    ext = ebuf[efirst:efirst + n1 + {m1 - 1}]",
    ]
    lines += [f"    v{t}_{b} = v[{t}, {b}]" for t in range(r) for b in range(m1)]
    lines += [f"    u{t}_{a} = u[{t}, {a}]" for t in range(r) for a in range(m0)]
    lines += ["    zero = v0_0 - v0_0"]
    lines += [f"    cvs{t} = " + " + ".join(["zero"] + [f"v{t}_{b} * cval" for b in range(m1)])
              for t in range(r)]
    lines += [
        f"    for q in range(i0, i1 + {m0 - 1}):",
        "        s = rowmap[q]",
        *each(f"        t{{t}} = ring[{{t}} * {R} + q % {R}]"),
        "        if s < 0:",
        "            for j in range(n1):",
        *each("                t{t}[j] = cvs{t}"),
        *(["                seen[j] = seen[j] + cvs0 * zero"] if check else []),
        "        else:",
        "            xr = x[s]",
        "            # the extended row: the columns whose taps leave the image from the",
        "            # boundary rule (the strips of colmap), the others copied",
        f"            for k in range(jlo + {m1 - 1}):",
        "                col = colmap[k]",
        "                ext[k] = xr[col] if col >= 0 else cval",
        f"            c0 = jlo + {m1 - 1}",
        "            if jhi > c0:  # (through views: xr[c + coff] would test for negative indices)",
        "                xs = xr[c0 + coff:jhi + coff]",
        "                es = ext[c0:jhi]",
        "                for c in range(jhi - c0):",
        "                    es[c] = xs[c]",
        f"            for k in range(n1 - jhi + {m1 - 1}):",
        f"                col = colmap[jlo + {m1 - 1} + k]  # the right strip's run",
        "                ext[jhi + k] = xr[col] if col >= 0 else cval",
        *row_pass("ext", "t", "n1", "            "),
    ]
    # the column pass: OUT_ROWS output rows at a time (they share M0 - 1 rows of the
    # ring; each ring row a loop loads serves up to OUT_ROWS outputs), fewer for the
    # last rows of the chunk; ring rows are indexed in the one 2-D array, so that LLVM
    # checks their aliasing with the output once, and the taps go in groups of
    # COL_GROUP (their constants stay in registers)
    rows = [(t, a) for t in range(r) for a in range(m0)]
    P = OUT_ROWS
    lines += [
        f"        if q < i0 + {m0 - 1}:",
        "            continue",
        f"        i = q - {m0 - 1}",
        f"        n = (i - i0) % {P} + 1  # rows of the group that ends at row i",
        f"        if n < {P} and i + 1 < i1:",
        "            continue  # the group's last row comes later",
        "        i -= n - 1",
    ]
    lines += [f"        k{t}_{a} = {t * R} + (i + {a}) % {R}"
              for t in range(r) for a in range(m0 + P - 1)]

    def column(outs, indent):
        code = [f"{indent}o{n} = out[i + {n}]" for n in range(outs)]
        for first_acc in (True, False):
            code += [f"{indent}if acc:" if first_acc else f"{indent}else:"]
            for g0 in range(0, len(rows), COL_GROUP):
                group = rows[g0:g0 + COL_GROUP]
                code += [f"{indent}    for j in range(n1):"]
                for n in range(outs):
                    terms = [f"u{t}_{a} * ring[k{t}_{a + n}, j]" for t, a in group]
                    if g0 or first_acc:
                        terms = [f"o{n}[j]"] + terms
                    code += [f"{indent}        s{n} = " + " + ".join(terms)]
                code += [f"{indent}        o{n}[j] = s{n}" for n in range(outs)]
        return code

    for outs in range(P, 0, -1):
        lines += [f"        {'if' if outs == P else 'elif'} n == {outs}:" if outs > 1
                  else "        else:", *column(outs, "            ")]
    if check:
        lines += ["    for j in range(n1):", "        if seen[j] != 0:",
                  "            return False"]
    lines += ["    return True"]
    return "\n".join(lines) + "\n"


def available() -> bool:
    return installed("numba")


def refuses(p: Problem, terms) -> str | None:
    """Why the fused loop cannot take ``p`` with these factor pairs (None: it can)."""
    if p.ndim != 2:
        return f"{p.ndim} axes: the fused passes are 2-D"
    if p.x.dtype.name not in DTYPES or p.w.dtype != p.x.dtype:
        return f"dtype {p.x.dtype}: the fused passes cover {', '.join(DTYPES)}"
    if any(s != 1 for s in p.canon.stride) or any(d != 1 for d in p.canon.dilation):
        return "stride or dilation above 1"
    if max(p.w.shape) > MAX_TAPS:
        return f"a factor of {max(p.w.shape)} taps: the fused passes take at most {MAX_TAPS}"
    if terms is None or any(len(t) != 2 for t in terms):
        return "the kernel does not factor into pairs of 1-D passes"
    return None


def run(p: Problem, terms) -> np.ndarray:
    """``sum_k (u_k (x) v_k) * x`` over the factor pairs ``terms`` (see the module text)."""
    return run_checked(p, terms)[0]


def run_checked(p: Problem, terms) -> tuple[np.ndarray, bool]:
    """(:func:`run`'s output, False when the loops of several terms met NaN or inf in
    the extended image they read, else True).

    Loops of one term do not look (True).  Loops of several terms check their
    first term's row-pass values as they form them (one multiply-add per value:
    ``t * 0`` is NaN exactly when ``t`` is not finite, and every value of the
    extended image that an output reads enters some such ``t``, ``0 * inf`` and
    ``0 * NaN`` being NaN), so that NaN/inf in the data, which a sum of terms may
    not put where the direct sum does (``inf - inf``), is found without a
    separate scan of the image; a sum that overflows is reported as well.
    """
    x = np.ascontiguousarray(p.x)
    out = empty_output(x, p.out_shape)
    if out.size == 0:
        return out, True
    dt = p.x.dtype
    u = np.array([t[0] for t in terms], dtype=dt)
    v = np.array([t[1] for t in terms], dtype=dt)
    ok = True
    for k in range(0, len(terms), MAX_TERMS):
        r = min(MAX_TERMS, len(terms) - k)
        vk = v[k:k + r]
        ok &= runner(p, r, mirrored(vk) if r > 1 else 0)(x, u[k:k + r], vk, out, k > 0)
    return out, bool(ok)


def empty_output(x: np.ndarray, shape) -> np.ndarray:
    """An uninitialised output for the loops reading image ``x``: on cache lines, at
    ``x``'s page offset (the ring goes half a page from both, see RING_PHASE)."""
    return empty_aligned(shape, x.dtype, page_offset=x.ctypes.data % 4096 // 64 * 64)


_RUNNERS: dict = {}


def runner(p: Problem, r: int = 1, sym: int = 0):
    """A function ``(x, u, v, out, acc) -> finite`` for problems shaped like ``p`` and
    ``r`` terms, ``u`` and ``v`` of shapes ``(r, M0)`` and ``(r, M1)`` (cached), that
    writes the terms into ``out`` (``acc``: adds them to it); ``finite`` is False when
    a loop of several terms met NaN or inf (see :func:`run_checked`)."""
    return cached(_RUNNERS.setdefault((r, sym), {}), p, lambda q: _make_runner(q, r, sym))


def mirrored(v: np.ndarray) -> int:
    """1 when every row of ``v`` reads the same backwards, -1 when every row is its
    reverse negated, else 0.

    >>> mirrored(np.array([[1.0, 2.0, 1.0], [0.5, 0.0, 0.5]]))
    1
    >>> mirrored(np.array([[1.0, 0.0, -1.0]])), mirrored(np.array([[1.0, 2.0]]))
    (-1, 0)
    """
    if v.shape[1] < 2:
        return 0
    if (v == v[:, ::-1]).all():
        return 1
    if (v == -v[:, ::-1]).all():
        return -1
    return 0


def _make_runner(p: Problem, r: int, sym: int):
    m0, m1 = p.w.shape
    tag = f"_{r}" if r > 1 else ""
    tag += {1: "_even", -1: "_odd"}.get(sym, "")
    loop = load(("passes", m0, m1, r, sym), f"passes_{m0}x{m1}{tag}",
                lambda: source(m0, m1, r, sym))
    rowmap, colmap, jlo, jhi, coff, cval = layout(p)
    k0 = p.out_shape[0]
    cv = p.x.dtype.type(cval)

    def serial(x, u, v, out, acc):
        return loop(x, u, v, out, 0, k0, rowmap, colmap, jlo, jhi, coff, cv, acc)

    chunks = _chunks(p)
    if chunks < 2:
        return serial
    edges = np.linspace(0, k0, chunks + 1).astype(int)

    def parallel(x, u, v, out, acc):
        seen = []  # each chunk's answer (list.append is atomic)
        share_rows(edges, lambda i0, i1: seen.append(
            loop(x, u, v, out, i0, i1, rowmap, colmap, jlo, jhi, coff, cv, acc)))
        return all(seen)

    return parallel


def _chunks(p: Problem) -> int:
    """Row chunks the two threads share (1: one thread).  Each chunk computes the row
    pass of the M0 - 1 rows above it again: chunks of at least 8 (M0 - 1) rows keep
    that under an eighth of the row pass."""
    k0, m0 = p.out_shape[0], p.w.shape[0]
    if out_size(p) < PARALLEL_FROM:
        return 1
    return max(1, min(4, k0 // max(8 * (m0 - 1), 64)))


def parallel(p: Problem) -> bool:
    """True when two threads share the rows of ``p``."""
    return _chunks(p) > 1


def out_size(p: Problem) -> int:
    return int(np.prod(p.out_shape))
