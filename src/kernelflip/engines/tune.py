"""Measured choices: ``method="auto"`` times the two cheapest engines when the cost
model cannot tell them apart, and keeps the faster one for that request shape.

The cost model's constants were fitted on one machine (see :mod:`.choose`);
on another, two engines it ranks within :data:`RATIO` of each other may come
out in either order (a 2-core Intel Xeon VM, 2048^2 float32 with an 11x11
kernel: the stencil loops 20.9-27.3 ms, OpenCV's direct sum 19.5-20.5, where
the estimates say 10.0 and 13.0).  For such a request shape, the first calls
of ``method="auto"`` alternate between the two engines, each call timed; the
first call of each engine is not counted (it may compile a loop or fault in
its buffers), and once each has :data:`SAMPLES` more the faster one (best of
its samples; the cost model's pick unless the other is :data:`MARGIN` times
faster) is kept for every later call with that shape, as FFTW's
planner and cuDNN's benchmark mode do.  The trials cost at most
``SAMPLES + 1`` calls of the slower engine, once per shape and process.

Both engines compute the same defining sum, so the results agree within the
engines' documented bounds, but not necessarily bit for bit: a caller that
needs the same bits from every call turns the trials off
(:func:`autotune`, or the environment variable ``KERNELFLIP_AUTOTUNE=0``), or
names a ``method``.  Requests whose cheapest estimate is under
:data:`MIN_NS` are not timed (there the clock's noise is the size of the
difference).
"""

from __future__ import annotations

import os
import threading
import time

RATIO = 1.5  # the runner-up's estimate within this factor of the cheapest one's
MIN_NS = 200_000  # requests estimated cheaper than this are not timed
SAMPLES = 3  # timed calls per engine after its first one
# The runner-up replaces the cost model's pick only when its best sample is this many
# times faster: within that, noise decides (2026-11-27, 512^2 float64 with a 63x63
# kernel on the 2-core VM, in a slow hour: OpenCV's transform in row bands 9.96-12.2
# ms against the FFT engine's 9.59-11.7 in the trial, 5.2-7.6 against 11.8-20 in 40
# calls each, alternating, right after)
MARGIN = 1.1
MAX_SHAPES = 1024

_ENABLED = os.environ.get("KERNELFLIP_AUTOTUNE", "1").strip() not in ("0", "false", "no",
                                                                        "off")
_LOCK = threading.Lock()


class Trial:
    """The timings of two engines for one request shape, and the winner once known."""

    __slots__ = ("engines", "times", "calls", "winner")

    def __init__(self, engines: tuple[str, str]):
        self.engines = engines
        self.times: dict[str, list[float]] = {n: [] for n in engines}
        self.calls = {n: 0 for n in engines}
        self.winner: str | None = None

    def next(self) -> str:
        """The engine the next call runs: the one with fewer calls so far (the
        cheaper estimate first)."""
        a, b = self.engines
        return a if self.calls[a] <= self.calls[b] else b

    def record(self, name: str, seconds: float) -> None:
        if self.winner is not None or name not in self.calls:
            return
        self.calls[name] += 1
        if self.calls[name] > 1:  # the first call may compile or fault in pages
            self.times[name].append(seconds)
        if all(len(t) >= SAMPLES for t in self.times.values()):
            a, b = self.engines  # the cost model's pick first
            faster = min(self.times[b]) * MARGIN < min(self.times[a])
            self.winner = b if faster else a

    def summary(self) -> str:
        """The measured times, e.g. ``'stencil 20.9 ms, opencv 20.5 ms'``."""
        return ", ".join(f"{n} {min(t) * 1e3:.3g} ms" for n, t in self.times.items() if t)


TRIALS: dict = {}  # request shape -> Trial (None: not timed)


def autotune(enabled: bool | None = None) -> bool:
    """Turn the timed trials of ``method="auto"`` on or off (None: leave as is); returns
    whether they are on.  A change forgets the winners found so far.

    The trials time the two cheapest engines on the first calls with a request
    shape whose estimates lie within a factor 1.5 of each other, and keep the
    faster one (see :mod:`kernelflip.engines.tune`).  The default is on, or
    what the environment variable ``KERNELFLIP_AUTOTUNE`` says (``0`` turns
    them off).

    >>> import kernelflip as kf
    >>> was = kf.autotune()
    >>> kf.autotune(False), kf.autotune(was) == was
    (False, True)
    """
    global _ENABLED
    if enabled is not None:
        if not isinstance(enabled, bool):
            from ..errors import ArgumentError

            raise ArgumentError(f"enabled={enabled!r} is not accepted: give True, False "
                                "or None")
        if enabled != _ENABLED:
            _ENABLED = enabled
            _forget()
    return _ENABLED


def _forget() -> None:
    """Drop the trials and what was decided from them (the chooser's rankings and the
    fast paths built on them are made anew on the next calls)."""
    from .. import ops
    from . import choose

    with _LOCK:
        TRIALS.clear()
        choose._ESTIMATES.clear()
        ops._FAST.clear()


def enabled() -> bool:
    return _ENABLED


def trial(key, est: dict, order: tuple) -> Trial | None:
    """The trial for request shape ``key`` (started here when the two cheapest
    estimates in ``order`` are close), or None."""
    if not _ENABLED:
        return None
    t = TRIALS.get(key)
    if t is not None or key in TRIALS:
        return t
    t = None
    if len(order) >= 2:
        a, b = order[0], order[1]
        if est[a] >= MIN_NS and est[b] <= RATIO * est[a]:
            t = Trial((a, b))
    with _LOCK:
        if len(TRIALS) >= MAX_SHAPES:
            TRIALS.clear()
        TRIALS[key] = t
    return t


def pending(key) -> Trial | None:
    """The unfinished trial for ``key``, or None."""
    t = TRIALS.get(key)
    return t if t is not None and t.winner is None else None


def decided(key) -> Trial | None:
    """The finished trial for ``key``, or None."""
    t = TRIALS.get(key)
    return t if t is not None and t.winner is not None else None


def timed(key, name: str, run):
    """``run()``, timed into the trial for ``key`` when one is pending."""
    t = pending(key)
    if t is None:
        return run()
    t0 = time.perf_counter()
    out = run()
    with _LOCK:
        t.record(name, time.perf_counter() - t0)
    return out
