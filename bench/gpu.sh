#!/bin/sh
# One GPU run: environment, then bench/gpu.py; results under $OUT (device tool) or ./gpu-out.
OUT=${OUT:-gpu-out}; mkdir -p "$OUT"
export PYTHONPATH="$PWD/src:$PYTHONPATH" PYTHONUNBUFFERED=1
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv; python3 -c "import torch, numpy, scipy; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.is_available(), 'numpy', numpy.__version__, 'scipy', scipy.__version__)"; } 2>&1 | tee "$OUT/env.txt"
timeout ${KF_GPU_TIMEOUT:-300} python3 bench/gpu.py "$OUT/gpu.md" 2>&1 | tee "$OUT/gpu.log"
