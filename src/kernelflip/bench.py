"""Benchmark harness: kernelflip's ``method="auto"`` against the installed peers.

Every case is a 'same'-size convolution with zero extension (the common
ground of all peers; kernels have odd sizes so every peer centres them the
same way).  In one process, for each case: the best time of kernelflip and
of each peer, timed in interleaved rounds (:func:`timeit_many`), a check
that all results agree with kernelflip's (relative max error below 1e-3 for
float32, 1e-8 for float64), kernelflip's ratio to the fastest peer and to
``scipy.signal.convolve(method="auto")``, and its ratio to a lower bound:
``max(bytes moved / measured copy bandwidth, min(2*MACs / measured matmul
rate, measured cost of the FFT pair of that size))``.  Before the rounds,
kernelflip is called until ``method="auto"`` has finished its timed trials
for the case (:func:`settle`, :mod:`kernelflip.engines.tune`: up to eight
calls), so its times are of the engine it keeps, as in a loop of calls.

>>> cases = grid(quick=True)
>>> len(cases) > 5, cases[0].name
(True, '2d f32 512^2 k3 random')
"""

from __future__ import annotations

import math
import platform
import time
from dataclasses import dataclass

import numpy as np

PEERS = ("scipy auto", "scipy direct", "scipy fft", "oaconvolve", "ndimage", "cv2.filter2D",
         "torch")
DIRECT_LIMIT = 4e9  # multiply-adds above which direct peers are skipped (minutes each)
SLOW_FACTOR = 50  # first calls this many times the fastest one's: timed outside the rounds


@dataclass(frozen=True)
class Case:
    name: str
    x_shape: tuple
    k_shape: tuple
    dtype: str
    kernel: str = "random"


def kernel(kind: str, shape, dtype, rng) -> np.ndarray:
    """The benchmark kernels: random, gaussian, box, sobel, log (Laplacian of Gaussian)."""
    grids = np.meshgrid(*[np.arange(n) - (n - 1) / 2 for n in shape], indexing="ij")
    r2 = sum(g**2 for g in grids)
    sig = max(shape) / 6
    if kind == "random":
        h = rng.standard_normal(shape)
    elif kind == "gaussian":
        h = np.exp(-r2 / (2 * sig**2))
        h /= h.sum()
    elif kind == "box":
        h = np.full(shape, 1.0 / math.prod(shape))
    elif kind == "sobel":
        d = np.arange(shape[0]) - (shape[0] - 1) / 2
        s = np.exp(-(np.arange(shape[1]) - (shape[1] - 1) / 2) ** 2 / (2 * sig**2))
        h = np.outer(d, s)
    elif kind == "log":
        h = (r2 / sig**4 - len(shape) / sig**2) * np.exp(-r2 / (2 * sig**2))
        h -= h.mean()
    else:  # pragma: no cover - internal
        raise ValueError(kind)
    return h.astype(dtype)


def grid(quick: bool = False) -> list[Case]:
    """The grid of issue 5 (``quick``: a subset that runs in well under a minute)."""
    c = []
    if quick:
        for n, k in ((512, 3), (512, 15), (1024, 5)):
            c.append(Case(f"2d f32 {n}^2 k{k} random", (n, n), (k, k), "float32"))
        c.append(Case("2d f64 512^2 k31 random", (512, 512), (31, 31), "float64"))
        c.append(Case("2d f32 1024^2 k15 gaussian", (1024, 1024), (15, 15), "float32", "gaussian"))
        c.append(Case("1d f64 1e5 k17 random", (10**5,), (17,), "float64"))
        c.append(Case("1d f64 1e5 k4097 random", (10**5,), (4097,), "float64"))
        c.append(Case("3d f32 64^3 k3 random", (64, 64, 64), (3, 3, 3), "float32"))
        return c
    for dt in ("float32", "float64"):
        for n in (128, 512, 2048, 4096):
            for k in (3, 5, 11, 31, 63):
                c.append(Case(f"2d {dt[0]}{dt[-2:]} {n}^2 k{k} random", (n, n), (k, k), dt))
    for n in (10**5, 10**7):
        for k in (17, 257, 4097):
            c.append(Case(f"1d f64 {n:.0e} k{k} random", (n,), (k,), "float64"))
    for k in (3, 9):
        c.append(Case(f"3d f32 128^3 k{k} random", (128,) * 3, (k,) * 3, "float32"))
    for kind in ("gaussian", "box", "sobel", "log"):
        for k in (11, 31):
            c.append(Case(f"2d f32 2048^2 k{k} {kind}", (2048, 2048), (k, k), "float32", kind))
    c.append(Case("cnn f32 16x64x56^2 64x64x3^2", (16, 64, 56, 56), (64, 64, 3, 3), "float32",
                  "cnn"))
    return c


def _run_cnn(case: Case, machine: Machine, budget: float, rng) -> dict:
    """The CNN case: kf.conv_nn against torch's conv2d (the only installed peer for it)."""
    import kernelflip as kf

    x = rng.standard_normal(case.x_shape).astype(case.dtype)
    w = rng.standard_normal(case.k_shape).astype(case.dtype)
    ref = kf.conv_nn(x, w, padding=1)
    res = {"case": case.name, "method": "conv_nn", "disagree": [],
           "kf": timeit(lambda: kf.conv_nn(x, w, padding=1), budget)}
    try:
        import torch
    except ImportError:  # pragma: no cover
        torch = None
    if torch is not None:
        tx, tw = torch.from_numpy(x), torch.from_numpy(w)

        def f():
            with torch.no_grad():
                return torch.nn.functional.conv2d(tx, tw, padding=1).numpy()

        if np.abs(f() - ref).max() <= 1e-3 * np.abs(ref).max():
            res["torch"] = timeit(f, budget)
        else:  # pragma: no cover
            res["disagree"].append("torch")
    macs = ref.size * w.shape[1] * 9
    res["bound"] = max((x.nbytes + ref.nbytes) / machine.bandwidth, 2 * macs / machine.flops32)
    peers = {k: v for k, v in res.items() if k in PEERS}
    res["best_peer"] = min(peers, key=peers.get) if peers else None
    return res


def _peers(x, h):
    """name -> zero-argument callable computing the 'same' convolution (installed peers)."""
    import scipy.ndimage as ndi
    import scipy.signal as ss

    macs = x.size * h.size
    p = {"scipy auto": lambda: ss.convolve(x, h, mode="same", method="auto"),
         "scipy fft": lambda: ss.fftconvolve(x, h, mode="same"),
         "oaconvolve": lambda: ss.oaconvolve(x, h, mode="same")}
    if macs <= DIRECT_LIMIT / 10:
        p["scipy direct"] = lambda: ss.convolve(x, h, mode="same", method="direct")
    if macs <= DIRECT_LIMIT:
        p["ndimage"] = lambda: ndi.convolve(x, h, mode="constant")
    try:
        import cv2
    except ImportError:  # pragma: no cover
        cv2 = None
    if cv2 is not None and x.ndim <= 2 and max(h.shape) < 2**15:
        x2 = x if x.ndim == 2 else x[None]
        hf = np.ascontiguousarray(h[tuple(slice(None, None, -1) for _ in h.shape)])
        hf2 = hf if hf.ndim == 2 else hf[None]

        def f():
            return cv2.filter2D(x2, -1, hf2, borderType=cv2.BORDER_CONSTANT).reshape(x.shape)

        p["cv2.filter2D"] = f
    try:
        import torch
    except ImportError:  # pragma: no cover
        torch = None
    if torch is not None and macs <= DIRECT_LIMIT:
        conv = {1: torch.nn.functional.conv1d, 2: torch.nn.functional.conv2d,
                3: torch.nn.functional.conv3d}[x.ndim]
        tx = torch.from_numpy(x)[None, None]
        th = torch.from_numpy(np.ascontiguousarray(h[tuple(slice(None, None, -1)
                                                            for _ in h.shape)]))[None, None]

        def g():
            with torch.no_grad():
                return conv(tx, th, padding="same")[0, 0].numpy()

        p["torch"] = g
    return p


def timeit(f, budget: float = 0.5, reps: int = 20, warm: bool = False) -> float:
    """Best wall time in seconds (one warm-up call unless ``warm``, then repeats within
    ``budget``)."""
    if not warm:
        f()
    ts = []
    t0 = time.perf_counter()
    while not ts or (time.perf_counter() - t0 < budget and len(ts) < reps):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return min(ts)


def timeit_many(funcs: dict, budget: float = 0.5, reps: int = 200) -> dict:
    """Best wall time in seconds of each function, timed in interleaved rounds.

    One warm-up call each, then rounds (each in a new random order) in which
    every function is called twice in a row and the second call is timed
    (warm, as in a loop of calls), until
    ``reps`` rounds or ``budget`` seconds per function have passed: on a
    shared machine a burst of load then slows every contender alike, where
    timing one after the other would hand it to whoever ran during it.  Calls
    of tens of microseconds get up to ``reps`` rounds (at most 20 before commit
    6419d9c: the best of 20 such calls moved by 20-40% from run to run).

    >>> t = timeit_many({"a": lambda: sum(range(100)), "b": lambda: None}, 0.01, 3)
    >>> sorted(t), all(v > 0 for v in t.values())
    (['a', 'b'], True)
    """
    for f in funcs.values():
        f()
    best = dict.fromkeys(funcs, float("inf"))
    names = list(funcs)
    order = np.random.default_rng(0)
    t0 = time.perf_counter()
    rounds = 0
    while rounds < reps and (rounds == 0 or time.perf_counter() - t0 < budget * len(funcs)):
        # a new order each round: no contender always follows the same one (a peer
        # whose thread pool spins after returning would slow its successor)
        for name in order.permutation(names):
            f = funcs[name]
            if rounds:  # re-warm after the others ran (caches, pools), then time one call
                f()
            t = time.perf_counter()
            f()
            best[name] = min(best[name], time.perf_counter() - t)
        rounds += 1
    return best


class Machine:
    """Measured rates of this machine: copy bandwidth, matmul rate, FFT pair cost."""

    def __init__(self, budget: float = 0.3):
        self.budget = budget
        a = np.ones(2**25, dtype=np.float32)
        self.bandwidth = 2 * a.nbytes / timeit(lambda: a.copy(), budget)  # bytes/s read+write
        m = np.ones((1024, 1024), dtype=np.float32)
        self.flops32 = 2 * 1024**3 / timeit(lambda: m @ m, budget)
        m = m.astype(np.float64)
        self.flops64 = 2 * 1024**3 / timeit(lambda: m @ m, budget)

    def describe(self) -> str:
        import os

        return (f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}; "
                f"copy {self.bandwidth / 1e9:.1f} GB/s, matmul f32 {self.flops32 / 1e9:.0f} "
                f"GFLOP/s, f64 {self.flops64 / 1e9:.0f} GFLOP/s")

    def bound(self, x, h) -> float:
        """Lower bound in seconds for one 'same' convolution of x with h."""
        import scipy.fft as sf

        bw = 2 * x.nbytes / self.bandwidth
        flops = self.flops32 if x.dtype == np.float32 else self.flops64
        compute = 2 * x.size * h.size / flops
        lens = [sf.next_fast_len(n + k - 1, real=True) for n, k in zip(x.shape, h.shape)]
        if math.prod(lens) * x.itemsize < 2**31:
            z = np.zeros(lens, dtype=x.dtype)
            spec = sf.rfftn(z, workers=-1)
            fft = timeit(lambda: (sf.rfftn(z, workers=-1),
                                  sf.irfftn(spec, lens, workers=-1)), self.budget, 5)
        else:  # pragma: no cover - huge
            fft = compute
        return max(bw, min(compute, fft))


def settle(call) -> int:
    """Repeat ``call`` until ``method="auto"`` has no timed trial left open (at most the
    trials' length): the times that follow are of the engine it keeps, as in a loop
    of calls.  Returns the number of calls made.

    >>> import kernelflip as kf
    >>> settle(lambda: kf.convolve([1.0, 2.0], [1.0]))
    0
    """
    from .engines import tune

    n = 0
    while n < 2 * (tune.SAMPLES + 1) and any(
            t is not None and t.winner is None for t in tune.TRIALS.values()):
        call()
        n += 1
    return n


def run_case(case: Case, machine: Machine, budget: float = 0.5, rng=None) -> dict:
    """Time kernelflip and every peer on one case; check agreement."""
    import kernelflip as kf

    rng = rng or np.random.default_rng(0)
    if case.kernel == "cnn":
        return _run_cnn(case, machine, budget, rng)
    x = rng.standard_normal(case.x_shape).astype(case.dtype)
    h = kernel(case.kernel, case.k_shape, case.dtype, rng)
    t0 = time.perf_counter()
    ref = kf.convolve(x, h, mode="same").values
    first = {"kf": time.perf_counter() - t0}
    settle(lambda: kf.convolve(x, h, mode="same"))
    choice = kf.choose_method(x, h, mode="same").method
    res = {"case": case.name, "method": choice}
    tol = 1e-3 if case.dtype == "float32" else 1e-8
    scale = float(np.abs(ref).max()) or 1.0
    bad = []
    funcs = {"kf": lambda: kf.convolve(x, h, mode="same")}
    for name, f in _peers(x, h).items():
        t0 = time.perf_counter()
        out = np.asarray(f())
        first[name] = time.perf_counter() - t0
        err = float(np.abs(out - ref).max()) / scale
        if out.shape != ref.shape or not err <= tol:
            bad.append(f"{name} ({err:.1e})")
            continue
        funcs[name] = f
    # contenders whose first call took SLOW_FACTOR times the fastest one's are timed
    # alone afterwards: they cannot win, and a thread pool left spinning after a
    # multi-second call (torch's) would slow whoever runs next in the rounds
    fastest = min(first[n] for n in funcs)
    slow = []
    for n in funcs:
        if n != "kf" and first[n] > SLOW_FACTOR * fastest:
            if first[n] < 0.5:  # a first call may carry a one-time start-up: once more
                t0 = time.perf_counter()
                funcs[n]()
                first[n] = time.perf_counter() - t0
            if first[n] > SLOW_FACTOR * fastest:
                slow.append(n)
    res.update(timeit_many({n: f for n, f in funcs.items() if n not in slow}, budget))
    for n in slow:  # called at least once already (the agreement check)
        res[n] = timeit(funcs[n], budget, reps=3, warm=True)
    res["disagree"] = bad
    res["bound"] = machine.bound(x, h)
    peers = {k: v for k, v in res.items() if k in PEERS}
    res["best_peer"] = min(peers, key=peers.get) if peers else None
    return res


def ratios(res: dict) -> tuple[float, float, float]:
    """(kf / fastest peer, scipy auto / kf, kf / bound)."""
    bp = res[res["best_peer"]] if res["best_peer"] else float("nan")
    return (res["kf"] / bp, res.get("scipy auto", float("nan")) / res["kf"],
            res["kf"] / res["bound"])


def table(results: list[dict]) -> str:
    """A Markdown table of the results, with geometric means."""
    head = ("| case | kf method | kf ms | fastest peer | peer ms | kf/peer | scipy auto ms "
            "| scipy/kf | kf/bound | disagree |")
    lines = [head, "|" + "---|" * 10]
    g = [[], [], []]
    for r in results:
        a, b, c = ratios(r)
        for lst, v in zip(g, (a, b, c)):
            if v == v:
                lst.append(v)
        bp = r["best_peer"]
        lines.append(f"| {r['case']} | {r['method']} | {r['kf'] * 1e3:.2f} | {bp} | "
                     f"{r[bp] * 1e3:.2f} | {a:.2f} | {r.get('scipy auto', float('nan')) * 1e3:.1f}"
                     f" | {b:.1f} | {c:.1f} | {', '.join(r['disagree']) or '-'} |")

    def gm(v):
        return math.exp(sum(map(math.log, v)) / len(v)) if v else float("nan")

    lines.append(f"| **geometric mean** ({len(results)} cases) | | | | | **{gm(g[0]):.2f}** | | "
                 f"**{gm(g[1]):.2f}** | **{gm(g[2]):.2f}** | |")
    return "\n".join(lines)


def main(quick: bool = False, budget: float = 0.5, match: str | None = None, out=print) -> list:
    """Run the grid and print one line per case, then the Markdown table."""
    machine = Machine(min(budget, 0.3))
    out(f"machine: {machine.describe()}")
    results = []
    for case in grid(quick):
        if match and match not in case.name:
            continue
        r = run_case(case, machine, budget)
        a, b, c = ratios(r)
        out(f"{case.name:28s} kf {r['method']:9s} {r['kf'] * 1e3:9.2f} ms | best {r['best_peer']}"
            f" {r[r['best_peer']] * 1e3:.2f} ms | kf/peer {a:.2f} | scipy/kf {b:.1f} | "
            f"kf/bound {c:.1f}" + (f" | DISAGREE {r['disagree']}" if r["disagree"] else ""))
        results.append(r)
    out("")
    out(table(results))
    return results
