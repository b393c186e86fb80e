"""GPU benchmark: kernelflip's torch path on CUDA tensors against torch (cuDNN, FFT) and CuPy.

``kernelflip bench --gpu --markdown gpu.md`` (or ``sh bench/gpu.sh`` on a GPU
machine, which also records the environment) writes the tables below.

Cases: single-channel 'same' convolution with zero extension, float32, on
the device; plus the CNN case (N=16, C=64->64, 56x56, 3x3) where kernelflip's
conv_nn is torch's conv2d.  Times are the best of CUDA-synchronised repeats.
A second table times each of kernelflip's tensor methods on its own (direct,
fft at 5-, 7- and 13-smooth lengths, polyphase with r = 2 and 4, separable
where the kernel is of rank 1, the Triton stencil with three block shapes)
with its error against a float64 FFT, so the constants of
``torch_engine.COST`` can be refitted from one run; a last one times a
convolution as cuDNN's transposed correlation against a flipped kernel.
``main(path, dry=True)`` (or KF_GPU_DRY_RUN=1) runs it on the CPU at small
sizes, to check the harness itself.
"""

# ruff: noqa: B023  (closures are timed at once, inside their loop iteration)
from __future__ import annotations

import os
import sys
import time


def main(path="gpu.md", dry=None, match=None):
    """Run the GPU tables, print them, write them to ``path``; returns the lines.

    ``match``: only the cases whose name contains it, timed with more repeats, and
    without the method and transposed tables.  ``torch.backends.cudnn.benchmark`` is
    on while it runs and restored after it.
    """
    import torch

    before = torch.backends.cudnn.benchmark
    try:
        return _main(path, dry, match)
    finally:
        torch.backends.cudnn.benchmark = before


def _main(path, dry, match=None):
    import torch
    import torch.nn.functional as F

    from kernelflip.engines import torch_engine as te

    old = None
    if os.environ.get("KF_GPU_BEFORE"):  # an earlier torch_engine.py, timed as "kf before"
        import importlib.util

        spec = importlib.util.spec_from_file_location("kernelflip.engines._before",
                                                      os.environ["KF_GPU_BEFORE"])
        old = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(old)

    lines = []

    def say(s=""):
        print(s, flush=True)
        lines.append(s)

    if dry is None:
        dry = os.environ.get("KF_GPU_DRY_RUN") == "1"  # exercise the script on the CPU
    if not torch.cuda.is_available() and not dry:
        say("no CUDA device: nothing to measure")
        return lines
    dev = torch.device("cpu" if dry else "cuda")
    sync = (lambda: None) if dry else torch.cuda.synchronize
    say(f"device: {'cpu (dry run)' if dry else torch.cuda.get_device_name(0)}, "
        f"torch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}")
    try:
        if dry:
            raise ImportError("dry run")
        import cupy as cp
        import cupyx.scipy.ndimage as cnd
        import cupyx.scipy.signal as csig
        say(f"cupy {cp.__version__}")
    except Exception as exc:  # noqa: BLE001 - report and go on without CuPy
        cp = None
        say(f"cupy unavailable: {exc}")
    torch.backends.cudnn.benchmark = True
    if not dry:  # one second of matrix products first: clocks up before the first row
        a = torch.randn(4096, 4096, device=dev)
        t_end = time.perf_counter() + 1.0
        while time.perf_counter() < t_end:
            a @ a
            sync()

    def timeit(f, reps=20 if match is None else 100):
        f()
        sync()
        best = 1e9
        t_end = time.perf_counter() + (0.5 if match is None else 1.5)
        for _ in range(reps):
            t = time.perf_counter()
            f()
            sync()
            best = min(best, time.perf_counter() - t)
            if time.perf_counter() > t_end:
                break
        return best

    def torch_fft(x, h):
        n = tuple(a + b - 1 for a, b in zip(x.shape, h.shape))
        d = tuple(range(x.ndim))
        full = torch.fft.irfftn(torch.fft.rfftn(x, s=n, dim=d) * torch.fft.rfftn(h, s=n, dim=d),
                                s=n, dim=d)
        return full[tuple(slice((b - 1) // 2, (b - 1) // 2 + a) for a, b in zip(x.shape, h.shape))]

    cases = [((256, 256), 3)]  # the per-call floor of each path
    cases += [((2048, 2048), k) for k in (3, 5, 7, 11, 31)] + [((4096, 4096), k) for k in (3, 11)]
    cases += [((128, 128, 128), 3), ((128, 128, 128), 5), ((128, 128, 128), 9),
              ((2048, 2048), "g31")]
    if dry:
        cases = [((64, 64), 3), ((64, 64), 13), ((16, 16, 16), 3), ((64, 64), "g9")]
    cand_rows, cupy_rows = [], []
    say("")
    say("| case | kf ms | cuDNN ms | torch FFT ms | cupy ndimage ms | cupy fftconvolve ms "
        "| fastest | kf/fastest | max rel err |")
    say("|---|---|---|---|---|---|---|---|---|")
    g = torch.Generator(device="cpu").manual_seed(0)
    def name_of(shape, k):
        kname = f"gauss{k[1:]}" if isinstance(k, str) else f"k{k}"
        return f"{'x'.join(map(str, shape))} {kname}"

    if match is not None:
        cases = [c for c in cases if match in name_of(*c)]
    for shape, k in cases:
        x = torch.randn(shape, generator=g).to(dev)
        if isinstance(k, str):  # a Gaussian (rank 1) kernel
            k = int(k[1:])
            u = torch.exp(-0.5 * ((torch.arange(k) - k // 2) / (k / 6)) ** 2)
            h = (u[:, None] * u[None, :]).to(dev)
            kname = f"gauss{k}"
        else:
            h = torch.randn((k,) * len(shape), generator=g).to(dev)
            kname = f"k{k}"
        conv = {2: F.conv2d, 3: F.conv3d}[x.ndim]
        hf = torch.flip(h, dims=tuple(range(h.ndim)))
        t = {"kf": timeit(lambda: te.convolve(x, h, mode="same").values),
             "cuDNN": timeit(lambda: conv(x[None, None], hf[None, None], padding="same"))}
        t["torch FFT"] = timeit(lambda: torch_fft(x, h))
        ref = conv(x[None, None], hf[None, None], padding="same")[0, 0]
        err = float((te.convolve(x, h, mode="same").values - ref).abs().max() / ref.abs().max())
        if cp is not None:
            xc, hc = cp.asarray(x), cp.asarray(h)

            def cup(f):
                def g_():
                    f()
                    cp.cuda.Device().synchronize()
                return g_
            if k <= 11:
                t["cupy ndimage"] = timeit(cup(lambda: cnd.convolve(xc, hc, mode="constant")))
            t["cupy fftconvolve"] = timeit(cup(lambda: csig.fftconvolve(xc, hc, mode="same")))
            # kernelflip on CuPy arrays (DLPack into torch and back), result checked
            t["kf cupy"] = timeit(cup(lambda: te.convolve(xc, hc, mode="same")))
            yc = te.convolve(xc, hc, mode="same").values
            errc = float(abs(cp.asnumpy(yc) - ref.cpu().numpy()).max()
                         / float(ref.abs().max()))
            cupy_rows.append(f"| {'x'.join(map(str, shape))} {kname} | "
                             f"{t['kf cupy'] * 1e3:.3f} | {t['kf'] * 1e3:.3f} | {errc:.1e} |")
        if old is not None:
            t["kf before"] = timeit(lambda: old.convolve(x, h, mode="same").values)
        peers = {a: b for a, b in t.items() if a not in ("kf", "kf before", "kf cupy")}
        best = min(peers, key=peers.get)

        def ms(name):
            return f"{t[name] * 1e3:.3f}" if name in t else "-"
        name = f"{'x'.join(map(str, shape))} {kname}"
        if match is None:
            cand_rows.append(_candidates(te, x, h, timeit, name, t["kf"], t.get("kf before")))
        say(f"| {name} | {ms('kf')} | {ms('cuDNN')} | {ms('torch FFT')}"
            f" | {ms('cupy ndimage')} | {ms('cupy fftconvolve')} | {best} | "
            f"{t['kf'] / peers[best]:.2f} | {err:.1e} |")
    # CNN case
    x = torch.randn((2, 4, 8, 8) if dry else (16, 64, 56, 56), generator=g).to(dev)
    w = torch.randn((4, 4, 3, 3) if dry else (64, 64, 3, 3), generator=g).to(dev)
    for dt in (torch.float32,) if dry else (torch.float32, torch.float16):
        if match is not None and match not in f"CNN 16x64x56x56, 64x64x3x3 {str(dt)[6:]}":
            continue
        xx, ww = x.to(dt), w.to(dt)
        a = timeit(lambda: te.conv_nn(xx, ww, padding=1))
        b = timeit(lambda: F.conv2d(xx, ww, padding=1))
        say(f"| CNN 16x64x56x56, 64x64x3x3 {str(dt)[6:]} | {a * 1e3:.3f} | {b * 1e3:.3f} | - | - "
            f"| - | cuDNN | {a / b:.2f} | 0 |")
    if cupy_rows:
        say("")
        say("| case (CuPy arrays in and out) | kf on CuPy ms | kf on torch ms | max rel err |")
        say("|---|---|---|---|")
        for row in cupy_rows:
            say(row)
    if match is not None:
        if path:
            with open(path, "w") as f:
                f.write("\n".join(lines) + "\n")
        return lines
    say("")
    say("kernelflip's methods one by one (ms; err: max |y - y64| / max |y64| against a float64 "
        "FFT); auto = the chooser's pick")
    say("")
    say("| case | before | auto | pick | direct | fft (2,3,5) | fft (2,3,5,7) | fft (..13) "
        "| phase r=2 | phase r=4 | separable | stencil | stencil b | stencil c | errors |")
    say("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in cand_rows:
        say(row)
    say("")
    say("stencil blocks: " + "; ".join(f"{nd}-D: {STENCIL_BLOCKS[nd]}" for nd in (2, 3)))
    _transposed(say, timeit, dev, dry)
    if path:
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
    return lines


# ((block0, block1, block2), warps) tried for the Triton stencil, per number of axes
STENCIL_BLOCKS = {2: [((1, 8, 128), 4), ((1, 16, 128), 8), ((1, 32, 64), 8)],
                  3: [((2, 8, 64), 4), ((4, 8, 32), 4), ((8, 8, 16), 4)]}


def _transposed(say, timeit, dev, dry):
    """A convolution as cuDNN's transposed correlation (it flips the kernel itself)."""
    import torch
    import torch.nn.functional as F

    say("")
    say("Convolution 'same' (odd kernels) as conv_transpose (no flip launch) against conv of "
        "a flipped kernel (ms)")
    say("")
    say("| case | conv, kernel flipped in the call | conv, pre-flipped | conv_transpose | "
        "max rel err |")
    say("|---|---|---|---|---|")
    cases = [((64, 64), 3), ((16, 16, 16), 3)] if dry else [
        ((256, 256), 3), ((2048, 2048), 3), ((2048, 2048), 5), ((2048, 2048), 7),
        ((4096, 4096), 3), ((128, 128, 128), 3), ((128, 128, 128), 5)]
    for shape, k in cases:
        x = torch.randn(shape, device=dev)[None, None]
        h = torch.randn((k,) * len(shape), device=dev)[None, None]
        nd = len(shape)
        conv = {2: F.conv2d, 3: F.conv3d}[nd]
        tconv = {2: F.conv_transpose2d, 3: F.conv_transpose3d}[nd]
        dims = tuple(range(2, 2 + nd))
        hf = torch.flip(h, dims)
        p = k // 2
        ref = conv(x, hf, padding=p)
        got = tconv(x, h, padding=p)
        err = float((got - ref).abs().max() / ref.abs().max())
        a = timeit(lambda: conv(x, torch.flip(h, dims), padding=p))
        b = timeit(lambda: conv(x, hf, padding=p))
        c = timeit(lambda: tconv(x, h, padding=p))
        say(f"| {'x'.join(map(str, shape))} k{k} | {a * 1e3:.3f} | {b * 1e3:.3f} | "
            f"{c * 1e3:.3f} | {err:.1e} |")


def _candidates(te, x, h, timeit, name, t_auto, t_before):
    """One row: each kernelflip method timed on its own, with its error."""
    import torch

    d = tuple(range(x.ndim))
    n = tuple(a + b - 1 for a, b in zip(x.shape, h.shape))
    xd, hd = x.double(), h.double()
    full = torch.fft.irfftn(torch.fft.rfftn(xd, s=n, dim=d) * torch.fft.rfftn(hd, s=n, dim=d),
                            s=n, dim=d)
    ref = full[tuple(slice((b - 1) // 2, (b - 1) // 2 + a) for a, b in zip(x.shape, h.shape))]
    scale = float(ref.abs().max())
    pick = te._recipe("conv", x, h, "same", "constant", 0, 1, 1, "standard", "auto").method
    from kernelflip.engines import gpu_stencil as gs

    saved = (dict(te.PHASE_R), te.FFT_PRIMES, dict(gs.BLOCKS))
    blocks = STENCIL_BLOCKS[x.ndim]

    def use(b):
        return lambda: gs.BLOCKS.update({x.ndim: b})
    cells, errs = [], []
    for label, method, setup in [
            ("direct", "direct", None),
            ("fft5", "fft", lambda: setattr(te, "FFT_PRIMES", (2, 3, 5))),
            ("fft7", "fft", lambda: setattr(te, "FFT_PRIMES", (2, 3, 5, 7))),
            ("fft13", "fft", lambda: setattr(te, "FFT_PRIMES", (2, 3, 5, 7, 11, 13))),
            ("phase2", "phase", lambda: te.PHASE_R.update({x.ndim: 2})),
            ("phase4", "phase", lambda: te.PHASE_R.update({x.ndim: 4})),
            ("separable", "separable", None), ("stencil", "stencil", use(blocks[0])),
            ("stencil b", "stencil", use(blocks[1])), ("stencil c", "stencil", use(blocks[2]))]:
        te._RECIPES.clear()
        if setup is not None:
            setup()
        try:
            y = te.convolve(x, h, mode="same", method=method).values
            errs.append(f"{label} {float((y.double() - ref).abs().max()) / scale:.1e}")
            tm = timeit(lambda: te.convolve(x, h, mode="same", method=method))
            cells.append(f"{tm * 1e3:.3f}")
        except Exception as exc:  # noqa: BLE001 - a method that does not apply: say why
            cells.append("-")
            refused = (label == "separable" and "rank 1" in str(exc)) or (
                label.startswith("stencil") and "not accepted" in str(exc))
            if not refused:  # a method that does not apply here is a '-', not an error
                errs.append(f"{label} failed: {type(exc).__name__}: {str(exc)[:60]}")
        finally:
            te.PHASE_R.clear()
            te.PHASE_R.update(saved[0])
            te.FFT_PRIMES = saved[1]
            gs.BLOCKS.clear()
            gs.BLOCKS.update(saved[2])
            te._RECIPES.clear()
    before = "-" if t_before is None else f"{t_before * 1e3:.3f}"
    return (f"| {name} | {before} | {t_auto * 1e3:.3f} | {pick} | {' | '.join(cells)} | "
            f"{'; '.join(errs)} |")


if __name__ == "__main__":  # pragma: no cover - the CLI's `kernelflip bench --gpu`
    main(*sys.argv[1:])
