"""Interchangeable back ends of one canonical operation.

Every engine computes :class:`kernelflip.plan.Canon`: a strided, dilated
valid correlation of the boundary-extended image with a kernel already in
correlation orientation.  An engine declares what it supports and whether
its result is exact; :func:`kernelflip.choose_method` picks one for
``method="auto"``.  Engines register themselves in :data:`ENGINES`; those
needing optional packages import them lazily in ``available()``.
"""

from __future__ import annotations

# Importing the modules registers the engines (a side effect).
from . import (  # noqa: F401
    compiled,
    direct,
    fft,
    ndimage,
    ols,
    opencv,
    reference,
    separable,
    stencil,
    volume,
)
from ._base import ENGINES, Engine, Problem, extend, register

__all__ = ["ENGINES", "Engine", "Problem", "extend", "register"]
