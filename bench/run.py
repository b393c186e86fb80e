"""Run the benchmark grid (thin wrapper over kernelflip.bench; see BENCHMARKS.md).

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/run.py [--quick] [--match TEXT]
"""

import sys

from kernelflip.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
