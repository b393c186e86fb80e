"""Fit the cost-model constants of kernelflip.engines.choose on this machine.

Runs each engine on a few problems, divides the best time by the engine's
work feature (choose.features) and prints, per engine and itemsize, the
median ns per feature unit (per-output terms are left at 0: fit them from
the benchmark table, small kernels on large images).  Paste the table into COST in
src/kernelflip/engines/choose.py with the date, machine and command.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/calibrate.py
"""

from __future__ import annotations

import platform
import statistics
import time

import numpy as np

import kernelflip as kf
from kernelflip.engines import ENGINES
from kernelflip.engines.choose import FFT_SPILL, FFT_SPILL_BYTES, _sep_key, features
from kernelflip.engines.opencv import OPENCV_DFT_TAPS
from kernelflip.engines.separable import kernel_factors
from kernelflip.ops import _prepare

CASES = [((1024, 1024), (3, 3)), ((1024, 1024), (7, 7)), ((2048, 2048), (5, 5)),
         ((1024, 1024), (15, 15)), ((1024, 1024), (31, 31)), ((64, 64, 64), (3, 3, 3)),
         ((64, 64, 64), (7, 7, 7)), ((10**6,), (17,)), ((10**6,), (257,)), ((10**6,), (4097,))]
FIXED_CASES = [((8, 8), (3, 3)), ((16,), (3,))]


def best(f, budget=0.4):
    f()
    ts = []
    t0 = time.perf_counter()
    while len(ts) < 3 or (time.perf_counter() - t0 < budget and len(ts) < 20):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return min(ts) * 1e9


def main():
    rng = np.random.default_rng(0)
    fits: dict = {}
    fixed: dict = {}
    for dt in (np.float32, np.float64):
        for xs, ks in FIXED_CASES:
            x, h = rng.random(xs).astype(dt), rng.random(ks).astype(dt)
            _, p = _prepare("conv", x, h, "same", "constant", 0, 1, 1, "standard")
            for name, eng in ENGINES.items():
                if name != "reference" and eng.available() and not eng.refuses(p):
                    fixed.setdefault(name, []).append(best(lambda e=eng, p=p: e.run(p), 0.1))
        for xs, ks in CASES:
            x, h = rng.random(xs).astype(dt), rng.random(ks).astype(dt)
            if len(ks) >= 2 and ks[0] in (7, 15):  # a separable kernel too
                h = np.multiply.outer(rng.random(ks[0]), rng.random(ks[1:])).astype(dt)
            _, p = _prepare("conv", x, h, "same", "constant", 0, 1, 1, "standard")
            f = features(p)
            for name, eng in ENGINES.items():
                if name == "reference" or not eng.available() or eng.refuses(p):
                    continue
                key = name
                if name == "opencv":
                    dft = h.size >= OPENCV_DFT_TAPS[np.dtype(dt).itemsize]
                    key = "opencv_dft" if dft else "opencv"
                elif name == "separable":  # fused loops, OpenCV's passes or numpy's
                    key = _sep_key(p, kernel_factors(p.w))
                if name in ("direct", "ndimage", "compiled") and f[key] > 3e9:
                    continue
                if name == "direct" and f[key] > 3e8:
                    continue
                t = best(lambda e=eng, p=p: e.run(p))
                feat = "opencv_direct" if key == "opencv" else key
                if key == "fft" and f["fft_points"] * np.dtype(dt).itemsize > FFT_SPILL_BYTES:
                    t /= FFT_SPILL  # fit the in-cache slope (see choose.FFT_SPILL)
                fits.setdefault((key, np.dtype(dt).itemsize), []).append(t / f[feat])
                print(f"{name:10s} {key:11s} {np.dtype(dt).name:8s} {xs!s:16s} {ks!s:14s} "
                      f"{t / 1e6:9.2f} ms  {t / f[feat]:.4f} ns/unit", flush=True)
    print(f"\n# {time.strftime('%Y-%m-%d')} {platform.machine()} {platform.processor()} "
          f"kernelflip {kf.__version__}")
    print("COST = {")
    for key in sorted({k for k, _ in fits}):
        row = {s: round(statistics.median(v), 4)
               for (k, s), v in sorted(fits.items()) if k == key}
        fx = round(min(fixed.get(key.split("_")[0], [20_000])), -3)
        cells = ", ".join(f"{s}: ({a}, 0, {fx:.0f})" for s, a in row.items())
        print(f"    {key!r}: {{{cells}}},")
    print("}")


if __name__ == "__main__":
    main()
