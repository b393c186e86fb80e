"""Separable and low-rank kernels, applied as sequences of 1-D passes.

A kernel of rank 1 is an outer product ``w = u0 (x) u1 (x) ... (x) u_{d-1}``
and the canonical correlation factorises into one 1-D correlation per axis
(stride and dilation per axis, the boundary extension is per axis too):
cost ``out * sum(m_a)`` instead of ``out * prod(m_a)``.

* **Integers**: :func:`int_rank1` decides rank 1 exactly (Python integers)
  and returns integer factors (a primitive column times an integer rest, by
  Gauss's lemma), so the passes are exact int64 sums.  No intermediate
  exceeds ``max|x| * sum|w|``, which the dtype policy has already checked.
* **Floats, 2-D**: :func:`lowrank` takes the SVD ``w = sum_k s_k u_k v_k^T``
  and keeps the terms with ``s_k > tol = s_0 * max(m0, m1) * eps`` (the
  numerical rank ``r``); the kernel is applied as ``r`` pairs of passes when
  ``r * (m0 + m1) < m0 * m1``.  Error bound, per output, with ``P`` the
  image patch under the kernel and ``eps`` the working dtype's epsilon::

      |y_lowrank - y_exact| <= ||P||_2 * (||w - w_r||_F + (m0 + m1 + r) * eps * sum_k s_k)

  (:func:`error_bound`); ``||w - w_r||_F`` is the root sum of squares of the
  dropped singular values, at most ``sqrt(m) * tol``.  When ``w`` reads the
  same backwards along an axis (or negated), the factors along it are made
  exactly so (the SVD's are, up to rounding), and the bound on their change,
  ``sum_k s_k (|du_k| + |dv_k| + |du_k| |dv_k|)``, is added to ``||w - w_r||_F``.
* **Floats, 3 or more axes**: rank 1 only (all unfoldings of rank 1).

2-D float passes run as fused numba loops of up to four terms each
(:mod:`.passes`: the image read once, the output written once) where numba
is installed, the request has stride and dilation 1 and the rows are wide
enough (:data:`FUSED_MIN_WIDTH`), else through cv2.sepFilter2D where OpenCV
is installed, else scipy.ndimage.correlate1d; 3-D float passes (stride and
dilation 1) run as three :func:`.volume.valid` loops, one tap line each (128^3
float32 Gaussian 9x9x9: 8.3 ms, 61 with scipy.ndimage.correlate1d passes);
integers use exact numpy passes.
"""

from __future__ import annotations

import math
from functools import lru_cache, reduce

import numpy as np

from ._anchor import anchored
from ._base import Engine, Problem, extend, register
from .fft import dilate


def _int_rank1_factors(w: np.ndarray) -> list[np.ndarray] | None:
    """Integer factors ``u_a`` with ``w == outer(u_0, ..., u_{d-1})`` exactly, or None."""
    if w.ndim == 1:
        return [w.astype(np.int64)]
    m = w.reshape(w.shape[0], -1).astype(object)
    nz = np.argwhere(m != 0)
    if len(nz) == 0:
        return None
    i0, j0 = (int(v) for v in nz[0])
    col = m[:, j0]
    g = reduce(math.gcd, (abs(int(v)) for v in col))
    a = col // g
    if a[i0] < 0:
        a = -a
    rest = m[i0] // a[i0]
    if any(m[i0] % a[i0] != 0) or not (np.outer(a, rest) == m).all():
        return None
    sub = _int_rank1_factors(np.array(rest.reshape(w.shape[1:]).tolist(), dtype=np.int64))
    if sub is None:
        return None
    return [np.array(a.tolist(), dtype=np.int64), *sub]


def int_rank1(w: np.ndarray) -> list[np.ndarray] | None:
    """Exact rank-1 test for integer kernels: integer factors, or None.

    >>> f = int_rank1(np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]))
    >>> [u.tolist() for u in f]
    [[1, 2, 1], [1, 2, 1]]
    >>> int_rank1(np.array([[0, 1], [1, 0]])) is None
    True
    """
    return _int_rank1_factors(np.asarray(w))


def lowrank(w: np.ndarray):
    """SVD factors of a 2-D float kernel: (s, U, V, dropped) with ``w ~ U diag(s) V^T``.

    Only the numerical rank is kept (``s_k > s_0 * max(m0, m1) * eps``, eps of w's dtype);
    ``dropped`` is ``||w - U diag(s) V^T||_F`` (root sum of squares of the
    singular values left out).

    >>> s, U, V, dropped = lowrank(np.outer([1.0, 2.0, 1.0], [1.0, 0.0, -1.0]))
    >>> len(s), round(float(s[0]), 6), dropped < 1e-12
    (1, 3.464102, True)
    """
    u, s, vt = np.linalg.svd(np.asarray(w, dtype=np.complex128 if np.iscomplexobj(w)
                                        else np.float64), full_matrices=False)
    if s.size == 0 or s[0] == 0:
        return s[:0], u[:, :0], vt[:0].T, 0.0
    tol = s[0] * max(w.shape) * np.finfo(w.dtype if w.dtype.kind in "fc" else np.float64).eps
    r = int((s > tol).sum())
    dropped = float(np.sqrt((s[r:] ** 2).sum()))  # ||w - w_r||_F
    u, v = u[:, :r], vt[:r].T
    if w.dtype.kind != "c":
        # a kernel that reads the same (or negated) backwards along an axis has factors
        # that do too, up to rounding: made exact (the fused passes then add mirrored
        # taps' values before multiplying), with the change added to ``dropped``
        wm = np.asarray(w)
        du, u = _mirror(u, wm, 0)
        dv, v = _mirror(v, wm, 1)
        dropped += float((s[:r] * (du + dv + du * dv)).sum())
    return s[:r], u, v, dropped


def _mirror(f: np.ndarray, w: np.ndarray, axis: int):
    """(each column's 2-norm change, ``f`` with its columns made exactly mirrored) when
    ``w`` reads the same backwards along ``axis`` (or negated); else (0, f)."""
    rev = np.flip(w, axis)
    sign = 1 if (w == rev).all() else -1 if (w == -rev).all() else 0
    if not sign or f.shape[0] < 2:
        return np.zeros(f.shape[1]), f
    g = (f + sign * f[::-1]) / 2
    return np.linalg.norm(f - g, axis=0), g


def error_bound(w: np.ndarray, patch_norm: float, dtype) -> float:
    """The documented bound on ``|y_lowrank - y_exact|`` (patch 2-norm ``patch_norm``).

    >>> error_bound(np.outer([1.0, 2.0, 1.0], [1.0, 2.0, 1.0]), 1.0, np.float64) < 1e-13
    True
    """
    s, _, _, dropped = lowrank(w)
    eps = np.finfo(np.dtype(dtype)).eps
    m0, m1 = w.shape
    return float(patch_norm * (dropped + (m0 + m1 + len(s)) * eps * float(s.sum())))


@lru_cache(maxsize=64)
def _info_cached(key: bytes, shape: tuple, dtype: str):
    w = np.frombuffer(key, dtype=dtype).reshape(shape)
    f = factors(w)
    return (f, bool(np.isfinite(w).all()), _keeps_nonfinite(w, f),
            _keeps_nonfinite(w, f, zero_taps=True))


def _keeps_nonfinite(w: np.ndarray, terms, zero_taps: bool = False) -> bool:
    """True when the passes put NaN and inf exactly where the direct sum does.

    So it is for one real term whose factors' products have the kernel's
    signs: an inf under tap ``w[a, b]`` becomes ``inf * sign(v[b])`` in its
    row pass and ``inf * sign(u[a] v[b])`` = ``inf * sign(w[a, b])`` in the
    column pass, as in the direct sum; two infs of opposite contributions give
    NaN in both; NaN stays NaN.  A sum of several terms breaks it (``inf -
    inf`` across terms).  A zero tap ``w[a, b]`` (the direct sum's ``inf * 0``
    is NaN) is kept only by passes that multiply by every tap, zeros included,
    and only when a factor is exactly zero there (:func:`factors` makes it so
    for the zero rows and columns of a rank-1 kernel; the sign test below
    checks it): the fused loops (``zero_taps=True``), not OpenCV's
    antisymmetric passes, which skip a zero centre tap.
    """
    if terms is None or len(terms) != 1 or w.dtype.kind != "f":
        return False
    if not zero_taps and not (w != 0).all():
        return False
    prod = reduce(np.multiply.outer, [np.asarray(u, dtype=np.float64) for u in terms[0]])
    return bool((np.sign(prod) == np.sign(w)).all())


def factors(w: np.ndarray):
    """The passes for kernel ``w``: a list of terms, each a list of 1-D factors (one per axis).

    None when the kernel is not separable/low-rank enough to be cheaper.
    """
    if w.ndim < 2 or w.size == 0:
        return None
    if w.dtype.kind in "fc" and not np.isfinite(w).all():
        return None  # NaN/inf taps: no factorisation (and the SVD would not converge)
    if w.dtype.kind in "iub":
        f = int_rank1(w)
        return None if f is None else [f]
    if w.ndim == 2:
        s, U, V, _ = lowrank(w)
        r = len(s)
        if r == 0 or r * sum(w.shape) >= w.size:
            return None
        dt = w.dtype
        terms = [[(U[:, k] * s[k]).astype(dt), V[:, k].astype(dt)] for k in range(r)]
        return _exact_zeros(w, terms) if r == 1 else terms
    # N-D floats: rank 1 via every unfolding
    for ax in range(w.ndim):
        if len(lowrank(np.moveaxis(w, ax, 0).reshape(w.shape[ax], -1))[0]) != 1:
            return None
    out = []
    for ax in range(w.ndim):
        s, U, _, _ = lowrank(np.moveaxis(w, ax, 0).reshape(w.shape[ax], -1))
        out.append(U[:, 0] * s[0])
    approx = reduce(np.multiply.outer, out)
    scale = float(np.vdot(approx.ravel(), w.ravel()).real / np.vdot(approx, approx).real)
    out[0] = out[0] * scale
    return _exact_zeros(w, [[u.astype(w.dtype) for u in out]])


def _exact_zeros(w: np.ndarray, terms):
    """A rank-1 term whose factors are exactly zero where ``w``'s slices are (the SVD
    leaves ~1e-17 there: a Sobel kernel's centre column)."""
    (term,) = terms
    for ax, u in enumerate(term):
        rest = tuple(a for a in range(w.ndim) if a != ax)
        u[~np.any(w != 0, axis=rest)] = 0
    return terms


def kernel_info(w: np.ndarray):
    """(:func:`factors`, all taps finite, the passes keep NaN/inf where the direct
    sum puts them, passes over every tap do) for kernel ``w``, cached on its
    bytes (the chooser and the short path ask on every call); see
    :func:`_keeps_nonfinite`.

    >>> f, ok, keeps, keeps_zeros = kernel_info(np.outer([1.0, 2.0, 1.0], [1.0, 0.0, -1.0]))
    >>> len(f), ok, keeps, keeps_zeros  # a zero column: only passes over every tap keep it
    (1, True, False, True)
    >>> kernel_info(np.outer([1.0, 2.0, 1.0], [1.0, 3.0, 1.0]))[2]
    True
    """
    w = np.ascontiguousarray(w)
    return _info_cached(w.tobytes(), w.shape, w.dtype.str)


def kernel_factors(w: np.ndarray):
    """Cached :func:`factors` (the chooser asks once per call)."""
    return kernel_info(w)[0]


def _pass(a: np.ndarray, u: np.ndarray, axis: int, s: int, d: int, k: int) -> np.ndarray:
    """Valid 1-D correlation of ``a`` with ``u`` along ``axis``: ``sum_r a[s*n + d*r] u[r]``."""
    def take(start):
        sl = [slice(None)] * a.ndim
        sl[axis] = slice(start, start + s * (k - 1) + 1, s)
        return a[tuple(sl)]

    if a.dtype.kind in "iu" or a.dtype.kind == "c" or len(u) <= 4:
        out = take(0) * u[0]
        for r in range(1, len(u)):
            out += take(d * r) * u[r]
        return out
    from scipy import ndimage

    ud = dilate(u, (d,))
    z = ndimage.correlate1d(a, ud, axis=axis, mode="constant", origin=-(len(ud) // 2))
    return take_from(z, axis, s, k)


def take_from(z, axis, s, k):
    sl = [slice(None)] * z.ndim
    sl[axis] = slice(0, s * (k - 1) + 1, s)
    return z[tuple(sl)]


# Narrower outputs go through cv2.sepFilter2D where OpenCV is installed: on short
# rows the fused loops' setup per row costs more than OpenCV's two passes (Gaussian,
# 2026-11-26 12:20, fused vs cv2.sepFilter2D: float32 128^2 11x11 25 us vs 22, 31x31
# 58 vs 55, 256^2 58 vs 73 and 171 vs 209; float64 128^2 35 vs 46 and 87 vs 136).
FUSED_MIN_WIDTH = {4: 256, 8: 128}


def fused(p: Problem, terms) -> bool:
    """True when ``p``'s passes run as one fused numba loop (:mod:`.passes`)."""
    from . import passes

    if not passes.available() or passes.refuses(p, terms) is not None:
        return False
    if p.out_shape[1] >= FUSED_MIN_WIDTH.get(p.x.dtype.itemsize, 0):
        return True
    from . import ENGINES

    return not ENGINES["opencv"].available()


def volume_passes(p: Problem, terms) -> bool:
    """True when ``p``'s passes (one rank-1 term of a 3-D float kernel, stride and
    dilation 1) run as three :func:`.volume.valid` loops, one tap line each."""
    from . import volume

    c = p.canon
    return (p.ndim == 3 and terms is not None and len(terms) == 1 and volume.available()
            and p.x.dtype.name in volume.DTYPES and p.w.dtype == p.x.dtype
            and all(s == 1 for s in c.stride) and all(d == 1 for d in c.dilation)
            and max(p.w.shape) <= volume.MAX_TAPS)


class Separable(Engine):
    name = "separable"
    exact = True  # integer factors are exact; float low-rank has the documented bound
    doc = "rank-1 / low-rank kernels as 1-D passes (exact for integers; SVD bound for floats)"

    def refuses(self, p: Problem) -> str | None:
        if p.ndim < 2:
            return "1 axis: nothing to separate"
        if kernel_factors(p.w) is None:
            return "the kernel is not rank 1 (or low rank enough to save work)"
        return None

    def run(self, p: Problem) -> np.ndarray:
        c = p.canon
        if any(k == 0 for k in p.out_shape):
            return np.zeros(p.out_shape, dtype=p.x.dtype)
        terms = kernel_factors(p.w)
        if fused(p, terms):
            from . import passes

            out, ok = passes.run_checked(p, terms)
            if ok:
                return out
            # several terms met NaN/inf (or overflowed): their sum may put NaN where
            # the direct sum has inf (inf - inf across terms), so a direct sum answers
            from . import ENGINES
            from .choose import nonfinite_fallback

            return ENGINES[nonfinite_fallback(p)].run(p)
        if p.ndim == 2 and p.x.dtype.name in ("float32", "float64"):
            try:
                import cv2
            except ImportError:  # pragma: no cover
                cv2 = None
            if cv2 is not None:
                return self._cv2(p, terms, cv2)
        xe = extend(p.x, p.region(), c.boundary, p.cval)
        if volume_passes(p, terms):  # 3-D floats: each pass one generated numba loop
            from .volume import valid

            a = np.ascontiguousarray(xe)
            for ax, u in enumerate(terms[0]):
                shape = [1, 1, 1]
                shape[ax] = len(u)
                a = valid(a, np.asarray(u, dtype=p.x.dtype).reshape(shape))
            return a
        out = None
        for term in terms:
            a = xe
            for ax, u in enumerate(term):
                a = _pass(a, u, ax, c.stride[ax], c.dilation[ax], c.out_shape[ax])
            out = a if out is None else out + a
        return np.ascontiguousarray(out, dtype=p.x.dtype)

    @staticmethod
    def _cv2(p: Problem, terms, cv2) -> np.ndarray:
        from .opencv import _borders

        c = p.canon
        wshape = tuple(d * (m - 1) + 1 for d, m in zip(c.dilation, p.w.shape))
        src, anchor, border, keep = anchored(p, _borders(), wshape)
        out = tmp = None
        for ky, kx in terms:
            ky = dilate(np.asarray(ky, dtype=p.x.dtype), (c.dilation[0],))
            kx = dilate(np.asarray(kx, dtype=p.x.dtype), (c.dilation[1],))
            # later terms go through one reused buffer and are added in place
            # (a fresh array per term costs its page faults: ~20% at 2048^2)
            dst = cv2.sepFilter2D(src, -1, kx, ky, dst=tmp, anchor=(anchor[1], anchor[0]),
                                  borderType=border)
            if out is None:
                out = dst
            else:
                np.add(out, dst, out=out)
                tmp = dst
        return np.ascontiguousarray(out[keep])


register(Separable())
