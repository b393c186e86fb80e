"""numba loops of the compiled engine (imported only when numba is installed).

Each ``cN`` adds ``sum_r x[p0 + s*n + d*r] * w[r]`` into ``out`` for the
output positions ``n``; positions outside ``x`` contribute ``cv * w[r]``.
Module-level functions so that numba's on-disk cache (``cache=True``) keeps
the compiled code between processes.
"""

from __future__ import annotations

import numba
from numba import prange

_par = dict(parallel=True, fastmath=False, cache=True, nogil=True)


@numba.njit(cache=True, fastmath=False)
def _span(p, d, s, n, size, r):
    """[lo, hi): the output positions j with 0 <= p + d*r + s*j < size."""
    q = p + d * r
    lo = 0 if q >= 0 else (-q + s - 1) // s
    hi = 0 if size - 1 - q < 0 else (size - 1 - q) // s + 1
    lo = min(lo, n)
    return lo, max(min(hi, n), lo)


@numba.njit(cache=True, fastmath=False)
def _row(orow, xr, base, s, wv, lo, hi, n, cv):
    """orow[j] += xr[base + s*j] * wv on [lo, hi), cv * wv elsewhere.

    Loops run over slices from 0 so that LLVM sees non-negative indices and
    vectorises (a signed index would need numba's wraparound check).
    """
    rs = orow[lo:hi]
    if hi > lo:
        if s == 1:
            xs = xr[base + lo:base + hi]
            for j in range(hi - lo):
                rs[j] += xs[j] * wv
        else:
            xs = xr[base + s * lo:]
            for j in range(hi - lo):
                rs[j] += xs[s * j] * wv
    if cv != 0:
        for j in range(0, lo):
            orow[j] += cv * wv
        for j in range(hi, n):
            orow[j] += cv * wv


@numba.njit(**_par)
def c1(x, w, out, p0, s0, d0, cv):
    n0 = out.shape[0]
    m0 = w.shape[0]
    chunk = 16384
    nch = (n0 + chunk - 1) // chunk
    for c in prange(nch):
        lo = c * chunk
        hi = min(lo + chunk, n0)
        seg = out[lo:hi]
        for r in range(m0):
            a, b = _span(p0 + s0 * lo, d0, s0, hi - lo, x.shape[0], r)
            _row(seg, x, p0 + s0 * lo + d0 * r, s0, w[r], a, b, hi - lo, cv)


@numba.njit(**_par)
def c2(x, w, out, p0, p1, s0, s1, d0, d1, cv):
    n0, n1 = out.shape
    m0, m1 = w.shape
    for i in prange(n0):
        row = out[i]
        for a in range(m0):
            q = p0 + s0 * i + d0 * a
            if q < 0 or q >= x.shape[0]:
                if cv != 0:
                    for b in range(m1):
                        _row(row, x[0], 0, 1, w[a, b], 0, 0, n1, cv)
                continue
            xr = x[q]
            for b in range(m1):
                lo, hi = _span(p1, d1, s1, n1, x.shape[1], b)
                _row(row, xr, p1 + d1 * b, s1, w[a, b], lo, hi, n1, cv)


@numba.njit(**_par)
def c3(x, w, out, p0, p1, p2, s0, s1, s2, d0, d1, d2, cv):
    n0, n1, n2 = out.shape
    m0, m1, m2 = w.shape
    for i in prange(n0):
        oi = out[i]
        for a in range(m0):
            q = p0 + s0 * i + d0 * a
            inside0 = q >= 0 and q < x.shape[0]
            for b in range(m1):
                jlo, jhi = _span(p1, d1, s1, n1, x.shape[1], b)
                if not inside0:
                    jlo, jhi = 0, 0
                for c in range(m2):
                    wv = w[a, b, c]
                    lo, hi = _span(p2, d2, s2, n2, x.shape[2], c)
                    base = p2 + d2 * c
                    if cv != 0:
                        for j in range(0, jlo):
                            _row(oi[j], x[0, 0], 0, 1, wv, 0, 0, n2, cv)
                        for j in range(jhi, n1):
                            _row(oi[j], x[0, 0], 0, 1, wv, 0, 0, n2, cv)
                    if jhi > jlo:
                        xq = x[q]
                        for j in range(jlo, jhi):
                            _row(oi[j], xq[p1 + s1 * j + d1 * b], base, s2, wv, lo, hi, n2, cv)


KERNELS = {1: c1, 2: c2, 3: c3}
