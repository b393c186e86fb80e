"""``kernelflip bench``: time method="auto" against the installed peers (kernelflip.bench)."""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("bench", help="benchmark method='auto' against scipy, OpenCV, torch",
                       description="Time kernelflip's method='auto' against the installed "
                                   "peers on the grid of cases, check that all results agree, "
                                   "and print ratios (to the fastest peer, to scipy's auto, to "
                                   "a bandwidth/compute/FFT bound) and a Markdown table.")
    p.add_argument("--quick", action="store_true", help="a small grid, under a minute")
    p.add_argument("--match", metavar="TEXT", help="only the cases whose name contains TEXT")
    p.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                   help="time spent repeating each call (default 0.5; 0.1 with --quick)")
    p.add_argument("--markdown", metavar="FILE", help="also write the table to FILE")
    p.add_argument("--gpu", action="store_true",
                   help="the GPU tables instead: CUDA tensors against cuDNN, torch's FFT and "
                        "CuPy, and each of kernelflip's tensor methods (needs torch with CUDA)")
    p.add_argument("--keep-freed-memory", action="store_true",
                   help="first call kernelflip.keep_freed_memory() (glibc's malloc keeps "
                        "freed memory for reuse; process-wide, so the peers get it too)")
    p.set_defaults(func=run)


def run(args) -> int:
    from . import UsageError

    if args.budget is None:
        args.budget = 0.1 if args.quick else 0.5
    if not args.budget > 0:
        raise UsageError(f"--budget {args.budget!r} is not accepted: give a positive number")
    if args.gpu:
        import importlib.util

        if importlib.util.find_spec("torch") is None:
            raise UsageError("--gpu is not accepted here: torch is not installed (it needs "
                             "torch with CUDA)")
        import torch

        if not torch.cuda.is_available():
            raise UsageError("--gpu is not accepted here: torch sees no CUDA device")
        from ..bench_gpu import main as gpu_main

        gpu_main(args.markdown, match=args.match)
        return 0
    from ..bench import main, table

    if args.keep_freed_memory:
        from ..allocator import keep_freed_memory

        print(f"keep_freed_memory: {'applied' if keep_freed_memory() else 'not available'}")

    results = main(quick=args.quick, budget=args.budget, match=args.match)
    if not results:
        raise UsageError(f"--match {args.match!r} selects no case")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table(results) + "\n")
    return 0
