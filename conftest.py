"""Doctests of modules whose optional dependency is missing are not collected."""

import importlib.util

_NEEDS = {
    "src/kernelflip/engines/torch_engine.py": "torch",
    "src/kernelflip/engines/_loops.py": "numba",
    "src/kernelflip/engines/compiled.py": "numba",
    "src/kernelflip/engines/opencv.py": "cv2",
}

collect_ignore = [path for path, mod in _NEEDS.items() if importlib.util.find_spec(mod) is None]
