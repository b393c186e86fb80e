"""convolve() and correlate(): validation, dtype policy, engine choice, Indexed result."""

from __future__ import annotations

import itertools
import math
import os
from functools import lru_cache
from time import perf_counter
from typing import NamedTuple

import numpy as np

from . import engines as _engines
from .dtypes import as_numeric, check_exact_bound, working_dtype
from .engines import tune as _tune
from .engines.choose import Choice, pick, shape_decides, trial_key
from .errors import ArgumentError, ArgumentTypeError, KernelflipError, TooLargeError, enrich
from .lattice import Indexed, centered_start
from .plan import Plan, make_plan

__all__ = ["convolve", "correlate", "choose_method", "Choice", "METHODS"]

METHODS = ("auto", "reference", "direct", "fft", "oa", "ols", "compiled", "stencil", "ndimage",
           "opencv", "separable")


def _methods() -> tuple[str, ...]:
    return ("auto", *_engines.ENGINES)


def _split(a, name: str) -> tuple[np.ndarray, tuple[int, ...]]:
    """Values and start of an input (a plain array is taken as centred)."""
    if a.__class__ is np.ndarray and a.dtype.kind in "biufc":  # the common case, no checks
        return a, _centered(a.shape)
    if isinstance(a, Indexed):
        if any(s != 1 for s in a.step):
            raise ArgumentError(
                f"{name} has lattice step {a.step}: inputs must have step 1 on every axis"
            )
        return as_numeric(a.values, name), a.start
    arr = as_numeric(a, name)
    return arr, _centered(arr.shape)


@lru_cache(maxsize=256)
def _centered(shape: tuple[int, ...]) -> tuple[int, ...]:
    return centered_start(shape)


def _available_bytes() -> int:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 1 << 62


def _check_memory(plan: Plan, dtype: np.dtype) -> None:
    need = 3 * plan.out_size * dtype.itemsize
    if need < 2**26:  # 64 MiB: not worth reading /proc/meminfo on every call
        return
    have = _available_bytes()
    if need > have:
        raise TooLargeError(
            f"the output has shape {plan.out_shape} ({plan.out_size} elements of {dtype}); "
            f"computing it needs about {need / 2**30:.1f} GiB but {have / 2**30:.1f} GiB are "
            "available: use a smaller mode (same, valid), a stride, or smaller inputs"
        )


def _choose(problem: _engines.Problem) -> Choice:
    from .engines.choose import choose

    return choose(problem)


class _Entry(NamedTuple):
    """What one request's arguments fix, whatever the data: plan and derived values."""

    plan: Plan
    canon: object
    out_start: tuple[int, ...]
    out_step: tuple[int, ...]
    out_size: int
    flip: tuple | None  # the slices reversing every axis, when the kernel is flipped


# Requests seen, keyed on their exact arguments (only when every argument has a
# plain type whose equality cannot hide a different meaning: str, int, tuples of
# int -- a bool stride or a numpy integer takes make_plan's checks every time).
_ENTRIES: dict = {}


def _plain(v) -> bool:
    t = v.__class__
    return t is int or (t is tuple and all(e.__class__ is int for e in v))


def _entry(op, xshape, xs, hshape, hs, mode, boundary, stride, dilation,
           convention) -> _Entry:
    key = None
    if (op.__class__ is str and mode.__class__ is str and boundary.__class__ is str
            and convention.__class__ is str and _plain(stride) and _plain(dilation)):
        key = (op, convention, xshape, xs, hshape, hs, mode, boundary, stride, dilation)
        hit = _ENTRIES.get(key)
        if hit is not None:
            return hit
    plan = make_plan(op, xshape, hshape, x_start=xs, h_start=hs, convention=convention,
                     mode=mode, boundary=boundary, stride=stride, dilation=dilation)
    c = plan.canon
    e = _Entry(plan, c, plan.out_start, plan.out_step, plan.out_size,
               (slice(None, None, -1),) * len(hshape) if c.flip else None)
    if key is not None:
        if len(_ENTRIES) >= 1024:
            _ENTRIES.clear()
        _ENTRIES[key] = e
    return e


_DTYPES: dict = {}


def _working_dtype(a: np.dtype, b: np.dtype) -> np.dtype:
    wd = _DTYPES.get((a, b))
    if wd is None:
        wd = _DTYPES[(a, b)] = working_dtype(a, b)
    return wd


_ZEROS: dict = {}


def _cval(cval, wd: np.dtype):
    """cval in the working dtype (checked: it must convert without change)."""
    if cval.__class__ is int and cval == 0:  # the default
        z = _ZEROS.get(wd)
        if z is None:
            z = _ZEROS[wd] = wd.type(0)
        return z
    if isinstance(cval, (bool, np.bool_)) or not isinstance(cval, (int, float, complex, np.number)):
        raise ArgumentTypeError(f"cval={cval!r} is not accepted: give a number")
    with np.errstate(invalid="ignore", over="ignore"):  # checked just below
        cv = np.asarray(cval).astype(wd)
    if cv != cval and not (np.isnan(cv) and np.isnan(cval)):
        raise ArgumentError(
            f"cval={cval!r} is not accepted for {wd} data: it would change to {cv[()]!r}"
        )
    return cv[()]


def _prepare(op, x, h, mode, boundary, cval, stride, dilation, convention):
    plan, problem, _ = _prepare_entry(op, x, h, mode, boundary, cval, stride, dilation,
                                      convention)
    return plan, problem


def _prepare_entry(op, x, h, mode, boundary, cval, stride, dilation, convention):
    xv, xs = _split(x, "x")
    hv, hs = _split(h, "h")
    e = _entry(op, xv.shape, xs, hv.shape, hs, mode, boundary, stride, dilation, convention)
    wd = _working_dtype(xv.dtype, hv.dtype)
    exact = wd.kind in "iu"
    if exact:
        check_exact_bound(xv, hv)
    if 3 * e.out_size * wd.itemsize >= 2**26:
        _check_memory(e.plan, wd)
    c = e.canon
    w = hv.astype(wd, copy=False)
    if e.flip is not None:
        w = w[e.flip]
    if c.conj and wd.kind == "c":
        w = np.conj(w)
    cv = _cval(cval, wd)
    problem = _engines.Problem(xv.astype(wd, copy=False), np.ascontiguousarray(w), c, cv,
                               exact)
    return e.plan, problem, e


# Requests whose whole computation is one in-place cv2.filter2D direct sum (small
# float kernels, 'same'-shaped windows) or one stencil loop: after the first call,
# such a request skips the general path and costs a dict lookup, the kernel flip
# and the call (about 2 us of Python instead of 7 for 128^2 images, where
# cv2.filter2D itself takes 10 us).  Keyed on every argument that decides it; the value is None
# when the request is not of that kind.
_FAST: dict = {}


def _fast_key(op, x, h, mode, boundary, cval, stride, dilation, method, convention):
    if (method == "auto" and x.__class__ is np.ndarray and h.__class__ is np.ndarray
            and cval.__class__ is int and cval == 0 and mode.__class__ is str
            and boundary.__class__ is str and convention.__class__ is str
            and _plain(stride) and _plain(dilation)):
        return (op, convention, x.shape, x.dtype, h.shape, h.dtype, mode, boundary, stride,
                dilation)
    return None


def _fast_runner(problem, e):
    """A function (x, h) -> Indexed for requests that are one in-place OpenCV call, one
    stencil loop or, for rank-1 kernels, one fused (or OpenCV) pair of passes; or None.

    The function returns None (the caller then takes the general path) when its
    arguments are not what it was built for, when the engine choice depends on
    the kernel's values and this kernel factors in a way it was not built for
    (low rank: the passes may or may not win), and, for OpenCV's DFT path and
    passes that may move NaN/inf, when the data hold NaN/inf.
    """
    from .engines.choose import _ranked, rank_key
    from .engines.separable import kernel_info

    p, c = problem, e.canon
    if (p.x.dtype.name not in ("float32", "float64") or p.w.dtype != p.x.dtype
            or p.ndim not in (1, 2) or c.reverse or 0 in c.out_shape):  # real: conj is a no-op
        return None
    name = pick(p)
    by_kernel = not shape_decides(p)
    sep = None
    if by_kernel:
        sep = _passes_call(p)
        # what a kernel that does not factor gets: the ranking without the passes, or
        # what its timed trial found
        t = _tune.decided(rank_key(p, 0))
        name = t.winner if t is not None else next(
            (n for n in _ranked(p)[1] if n != "separable"), None)
    base = (_stencil_call(p) if name == "stencil" else _opencv_call(p, e) if name == "opencv"
            else None)
    if base is None and sep is None:
        return None
    dt, flip, start, step = p.x.dtype, e.flip, e.out_start, e.out_step
    trusted, contiguous = Indexed._trusted, np.ascontiguousarray

    def run(x, h):
        if x.dtype != dt or h.dtype != dt or not x.flags.c_contiguous:
            return None
        w = contiguous(h[flip]) if flip is not None else contiguous(h)
        w_finite = None  # not known yet
        if by_kernel:
            terms, w_finite, keeps, keeps_zeros = kernel_info(w)
            if terms is not None:
                if sep is None or len(terms) != 1:
                    return None
                z = sep(x, terms[0], keeps, keeps_zeros)
                return None if z is None else trusted(z, start, step)
        if base is None:
            return None
        z = base(x, w, w_finite)
        return None if z is None else trusted(z, start, step)

    run.engine, run.passes = (name if base is not None else None), sep is not None
    return run


def window_finite(z: np.ndarray, taps: tuple) -> bool:
    """True when the outputs of a transform path on a grid of steps ``taps`` (the
    kernel's shape), with the last index of each axis, are all finite.

    For an output as large as its image (``z.shape == x.shape``, stride and
    dilation 1), this is finite data: a NaN or inf at ``x[n]`` lies in the
    window of every output ``m`` with ``n - M + 1 + a <= m <= n + a`` (``a``
    the anchor), a run of ``M`` outputs along each axis, cut only by the
    image's edges, which always holds ``m = n``; each such output is computed
    from a transform (a tile, a band, the whole image) whose input holds
    ``x[n]``, and every output of that transform is then NaN or inf (no
    addition or multiplication maps them back to finite values).  A run of
    ``M`` consecutive indices holds a multiple of ``M``, and a run cut by an
    edge holds the first or the last index: the grid meets every such block.
    Overflow that leaves some outputs of a tile finite may go unseen (a scan
    of every output would see it).

    >>> z = np.ones((10, 12))
    >>> window_finite(z, (5, 5)), window_finite(np.ones(7), (3,))
    (True, True)
    >>> z[0:5, 3:8] = np.nan  # the 5x5 block of outputs a NaN at x[2, 5] spreads to
    >>> window_finite(z, (5, 5))
    False
    """
    if z.ndim == 1:
        return math.isfinite(z[-1]) and bool(np.isfinite(z[::taps[0]]).all())
    grid = tuple(slice(None, None, m) for m in taps)
    for last in itertools.product((False, True), repeat=z.ndim):  # the edges, corners
        if not np.isfinite(z[tuple(-1 if e else g for e, g in zip(last, grid))]).all():
            return False
    return True


def _opencv_call(p, e):
    """(x, w, w_finite) -> the output through cv2.filter2D (or its banded DFT path), or
    None; ``w_finite`` says whether the kernel's taps are all finite (None: not known)."""
    from .engines import opencv as cvx
    from .engines.choose import all_finite
    from .engines.opencv import bands, filter2d, skips_zero_taps, uses_dft

    c = e.canon
    dft = uses_dft(p.w.size, p.x.dtype.itemsize)
    import cv2

    from .engines._anchor import _layout
    from .engines.opencv import _borders

    m = p.w.shape if p.ndim == 2 else (1, *p.w.shape)
    xs = p.x.shape if p.ndim == 2 else (1, *p.x.shape)
    c2 = c if p.ndim == 2 else _engines.opencv.as_row(p).canon
    if any(d != 1 for d in c.dilation):
        return None
    ok, anchor, _ = _layout(c2, m, xs, False, tuple(_borders()))
    if not ok or tuple(c2.out_shape) != xs:
        return None
    border, one_d = _borders()[c.boundary], p.ndim == 1
    k = bands(xs, m, p.x.dtype.itemsize)  # the DFT path's bands, fixed by the shapes
    if cvx.dft_way(xs, m, p.x.dtype.itemsize) in ("direct", "dft"):  # one cv2.filter2D
        cv_anchor, filter2D = (anchor[1], anchor[0]), cv2.filter2D

        def call(x2, w2):
            return filter2D(x2, -1, w2, anchor=cv_anchor, borderType=border)
    else:  # one transform, tiles or bands: filter2d picks the same way
        def call(x2, w2):
            return filter2d(x2, w2, anchor, border, k)

    taps = p.w.shape

    def run(x, w, w_finite=None):
        if dft:
            # OpenCV's DFT spreads NaN/inf over its tile, so data that hold them go to the
            # general path; a grid of the outputs tells (window_finite), not a scan of
            # the image or of the output
            if not (all_finite(w) if w_finite is None else w_finite):
                return None
            z = call(x[None], w[None])[0] if one_d else call(x, w)
            return z if window_finite(z, taps) else None
        # its direct sum leaves zero taps out (no 0 * inf)
        if skips_zero_taps(w) and not (
                (all_finite(w) if w_finite is None else w_finite) and all_finite(x)):
            return None
        if one_d:
            return call(x[None], w[None])[0]
        return call(x, w)

    return run


def _stencil_call(p):
    """(x, w, w_finite) -> the output through the stencil engine's loop, prepared."""
    from .engines.stencil import runner, runner_1d

    dt, shape = p.x.dtype, tuple(p.out_shape)
    loop = runner_1d(p) if p.ndim == 1 else runner(p)  # 1-D: one row of the 2-D loops

    def run(x, w, w_finite=None):  # the loops keep NaN/inf where the sum puts them
        return loop(x, w, np.empty(shape, dtype=dt))

    return run


def _passes_call(p):
    """(x, (u, v), keeps, keeps_zeros) -> the output of a rank-1 kernel's passes (fused
    loop, else cv2.sepFilter2D), or None; None instead of the function unless the
    chooser sends a rank-1 kernel of these shapes to the passes."""
    from .engines import passes
    from .engines.choose import _ranked, all_finite
    from .engines.separable import fused

    c = p.canon
    if p.ndim != 2 or any(d != 1 for d in c.dilation) or any(s != 1 for s in c.stride):
        return None
    ones = np.ones(p.w.shape, p.w.dtype)
    q = _engines.Problem(p.x, ones, c, p.cval, p.exact)
    order = _ranked(q)[1]
    if not order or order[0] != "separable":
        return None
    dt, shape = p.x.dtype, tuple(p.out_shape)
    if fused(q, [[ones[:, 0], ones[0]]]):
        loop = passes.runner(p)
        # large outputs on cache lines at the image's page offset, as passes.run_checked
        # does (2048^2 float32 Gaussian and Sobel 11x11 and 31x31: 0.91-0.95 of the time
        # with numpy's 16-byte alignment, alternating in one process); small ones from
        # np.empty (the aligned buffer and the addresses cost about 6 us)
        aligned = int(np.prod(shape)) >= passes.PARALLEL_FROM

        def run(x, term, keeps, keeps_zeros):
            if not keeps_zeros and not all_finite(x):
                return None
            out = passes.empty_output(x, shape) if aligned else np.empty(shape, dtype=dt)
            loop(x, term[0][None], term[1][None], out, False)  # one term: no check
            return out

        return run
    if not _engines.ENGINES["opencv"].available():
        return None
    import cv2

    from .engines._anchor import _layout
    from .engines.opencv import _borders

    ok, anchor, _ = _layout(c, p.w.shape, p.x.shape, False, tuple(_borders()))
    if not ok or tuple(c.out_shape) != p.x.shape:
        return None
    cv_anchor, border, sep_filter = (anchor[1], anchor[0]), _borders()[c.boundary], \
        cv2.sepFilter2D

    def run_cv2(x, term, keeps, keeps_zeros):
        if not keeps and not all_finite(x):
            return None
        return sep_filter(x, -1, term[1], term[0], anchor=cv_anchor, borderType=border)

    return run_cv2


def _run(op, x, h, mode, boundary, cval, stride, dilation, method, convention) -> Indexed:
    key = _fast_key(op, x, h, mode, boundary, cval, stride, dilation, method, convention)
    if key is not None:
        runner = _FAST.get(key, False)
        if runner:
            y = runner(x, h)
            if y is not None:
                return y
    y, runner = _run_general(op, x, h, mode, boundary, cval, stride, dilation, method,
                             convention, key is not None and key not in _FAST)
    if runner is not False:
        if len(_FAST) >= 1024:
            _FAST.clear()
        _FAST[key] = runner
    return y


def _run_general(op, x, h, mode, boundary, cval, stride, dilation, method, convention,
                 learn=False):
    """(result, runner): the full path; ``runner`` is :func:`_fast_runner`'s answer when
    ``learn`` is set, else False."""
    if not isinstance(method, str) or (method != "auto" and method not in _engines.ENGINES):
        raise ArgumentError(
            f"method={method!r} is not accepted: use one of {', '.join(_methods())}"
        )
    _, problem, e = _prepare_entry(op, x, h, mode, boundary, cval, stride, dilation,
                                   convention)
    trial = None
    if method == "auto":
        # the chooser only names engines that are available and take the problem
        name = pick(problem)
        engine = _engines.ENGINES[name]
        if _tune.TRIALS:
            trial = _tune.pending(trial_key(problem))
    else:
        engine = _engines.ENGINES[method]
        if not engine.available():
            raise ArgumentError(
                f"method={method!r} is not accepted: its package is not installed"
            )
        why = engine.refuses(problem) or engine.refuses_values(problem)
        if why:
            raise ArgumentError(f"method={method!r} cannot compute this request: {why}")
    if trial is None:
        z = engine.run(problem)
    else:  # the first calls with these shapes time the two closest engines
        t0 = perf_counter()
        z = engine.run(problem)
        trial.record(name, perf_counter() - t0)
        learn = learn and trial.winner is not None
    if e.canon.reverse:
        z = z[(slice(None, None, -1),) * z.ndim]
    y = Indexed._trusted(np.ascontiguousarray(z, dtype=problem.x.dtype), e.out_start,
                         e.out_step)
    return y, (_fast_runner(problem, e) if learn else False)


def _context(name, x, h, kw) -> str:
    def desc(a):
        if isinstance(a, Indexed):
            return f"shape {a.shape} start {a.start}"
        shp = getattr(a, "shape", None)
        return f"shape {shp}" if shp is not None else type(a).__name__

    args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    return f"in {name}(x: {desc(x)}, h: {desc(h)}, {args})"


def convolve(x, h, mode="full", boundary="constant", cval=0, stride=1, dilation=1,
             method="auto") -> Indexed:
    r"""N-D convolution on signed index lattices: :math:`y[m] = \sum_i x[i]\,h[m-i]`.

    The sum runs over every image index ``i`` (and, beyond the image, over
    the values ``boundary`` supplies) where ``h[m - i]`` exists.  The kernel
    is flipped relative to how it is stored; complex values are not
    conjugated.  With ``dilation`` d the kernel's taps sit ``d`` apart:
    ``y[m] = sum_j h[j] x[m - d*j]``.

    Parameters
    ----------
    x, h : array_like or Indexed
        Image and kernel with the same number of axes.  Plain arrays are taken
        as centred (index 0 at position n//2); Indexed arrays keep their start.
    mode : {'full', 'same', 'valid'} or ((start, stop), ...)
        Output index range per axis, with supports ``sx..sx+N-1`` of x and
        ``sh..sh+M-1`` of h:

        * ``full``: ``sx + d*sh .. sx+N-1 + d*(sh+M-1)``, size ``N + d(M-1)``;
        * ``same``: the image's range ``sx .. sx+N-1``, size ``N``;
        * ``valid``: ``sx + d*(sh+M-1) .. sx+N-1 + d*sh``, size ``N - d(M-1)``
          (an error if that is < 1);
        * explicit ``(start, stop)`` signed indices per axis.
    boundary : {'constant', 'symmetric', 'reflect', 'edge', 'wrap'}
        How x is extended beyond its support (numpy.pad's names); ``cval``
        is the constant.
    stride : int or tuple
        Keep every ``stride``-th output index, counted from the window's first.
        The result's lattice then has that step (``y.step``).
    dilation : int or tuple
        Spacing of the kernel's taps.
    method : {'auto', 'direct', 'fft', 'reference', ...}
        The engine; ``'auto'`` asks :func:`choose_method`.

    Returns
    -------
    Indexed
        Values with the signed index range of the mode; dtype per
        :mod:`kernelflip.dtypes` (integers give exact int64).

    Examples
    --------
    An impulse at index 0 returns the kernel, at the kernel's own indices:

    >>> import kernelflip as kf
    >>> y = kf.convolve([0, 1, 0], [1, 2, 4])
    >>> y
    Indexed([-2..2], values=
    [0 1 2 4 0])
    >>> int(y.at[-1]), int(y.at[1])
    (1, 4)
    >>> kf.convolve([1, 2, 3], [1, 10, 100], mode="same").values
    array([ 12, 123, 230])
    """
    try:
        return _run("conv", x, h, mode, boundary, cval, stride, dilation, method, "standard")
    except KernelflipError as exc:
        kw = dict(mode=mode, boundary=boundary, cval=cval, stride=stride, dilation=dilation,
                  method=method)
        raise enrich(exc, _context("convolve", x, h, kw)) from None


def correlate(x, h, mode="full", boundary="constant", cval=0, stride=1, dilation=1,
              method="auto", convention="standard") -> Indexed:
    r"""N-D cross-correlation on signed index lattices, in either convention.

    * ``convention="standard"`` (scipy, numpy, OpenCV, PyTorch, MATLAB filter2):
      :math:`y[m] = \sum_i x[i]\,\overline{h[i-m]}`; the kernel is not
      flipped and complex h is conjugated.  Support ``supp(x) - supp(h)``.
    * ``convention="article"`` (Draelos 2019): :math:`y[m] = \sum_i x[i]\,h[m+i]`,
      no conjugation, support ``supp(h) - supp(x)``; it equals the standard
      correlation at ``-m`` for real h.

    The sum runs over every image index where the kernel subscript exists
    (with ``dilation`` d: ``y[m] = sum_j conj(h[j]) x[m + d*j]``, or
    ``sum_j h[j] x[d*j - m]`` for the article).  Output ranges, with supports
    ``sx..sx+N-1`` and ``sh..sh+M-1``:

    * ``full``: standard ``sx - d*(sh+M-1) .. sx+N-1 - d*sh``, article
      ``d*sh - (sx+N-1) .. d*(sh+M-1) - sx``; size ``N + d(M-1)``;
    * ``same``: ``sx .. sx+N-1``, size ``N``;
    * ``valid``: where the kernel lies wholly inside the image, size ``N - d(M-1)``.

    Other parameters and the result are as in :func:`convolve`.

    Examples
    --------
    >>> import kernelflip as kf
    >>> kf.correlate([0, 1, 0], [1, 2, 4]).values     # the kernel, reversed
    array([0, 4, 2, 1, 0])
    >>> y = kf.correlate([0, 1, 0], [1, 2, 4], convention="article")
    >>> y.values, y.start
    (array([0, 1, 2, 4, 0]), (-2,))
    >>> kf.correlate([1, 2, 3], [1j], ).values         # standard: conj(h)
    array([0.-1.j, 0.-2.j, 0.-3.j])
    """
    try:
        return _run("corr", x, h, mode, boundary, cval, stride, dilation, method, convention)
    except KernelflipError as exc:
        kw = dict(mode=mode, boundary=boundary, cval=cval, stride=stride, dilation=dilation,
                  method=method, convention=convention)
        raise enrich(exc, _context("correlate", x, h, kw)) from None


def choose_method(x, h, op="conv", mode="full", boundary="constant", cval=0, stride=1,
                  dilation=1, convention="standard") -> Choice:
    """The engine ``method="auto"`` would use for this request, with the reason.

    Correctness first (integers only to exact engines, non-finite values
    never to an FFT, complex only to engines that take it), then the cost
    model of :mod:`kernelflip.engines.choose`, whose constants were
    calibrated on the machine named there.

    >>> import kernelflip as kf, numpy as np
    >>> kf.choose_method([1, 2, 3], [1, 1]).reason.startswith("integer data")
    True
    >>> x = np.ones((512, 512)); x[3, 3] = np.nan
    >>> c = kf.choose_method(x, np.ones((63, 63)))
    >>> c.method in ("fft", "oa", "opencv")
    False
    """
    _, problem = _prepare(op, x, h, mode, boundary, cval, stride, dilation, convention)
    return _choose(problem)
