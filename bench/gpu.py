"""The GPU tables (thin wrapper over kernelflip.bench_gpu; see BENCHMARKS.md).

    python bench/gpu.py [OUT.md]        # on a machine with a CUDA device
    KF_GPU_DRY_RUN=1 python bench/gpu.py /tmp/gpu.md   # the harness itself, on the CPU
"""

import sys

from kernelflip.bench_gpu import main

if __name__ == "__main__":
    main(*sys.argv[1:])
