"""Shared pieces of the library adapters: the outcome, argument checks, computing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError
from ..lattice import Indexed
from .recipe import FULL, VALID, Recipe, same_pads

__all__ = ["Outcome", "arr", "exact_or", "run_recipe", "FULL", "VALID", "same_pads",
           "Recipe", "window_pads", "q_for_count", "check_ndim"]


@dataclass(frozen=True)
class Outcome:
    """What an adapter produced: the library's array, its lattice form and the recipe."""

    values: np.ndarray
    start: tuple[int, ...]
    step: tuple[int, ...]
    recipe: Recipe | None
    x_shape: tuple[int, ...] | None = None
    h_shape: tuple[int, ...] | None = None

    def indexed(self) -> Indexed:
        return Indexed(self.values, self.start, self.step)


def arr(a, name: str, fn: str) -> np.ndarray:
    """``a`` as a numeric ndarray, or an error naming the library argument."""
    if hasattr(a, "detach") and not isinstance(a, np.ndarray):  # a torch tensor
        a = a.detach().cpu().numpy()
    elif hasattr(a, "numpy") and not isinstance(a, np.ndarray):  # a TensorFlow tensor
        a = a.numpy()
    try:
        out = np.asarray(a)
    except (TypeError, ValueError) as exc:
        raise ArgumentTypeError(f"{fn}: {name} could not be read as an array ({exc})") from None
    if out.dtype.kind not in "biufc":
        raise ArgumentTypeError(
            f"{fn}: {name} has dtype {out.dtype}: give a bool, integer, float or complex array"
        )
    return out


def check_ndim(a: np.ndarray, allowed, name: str, fn: str) -> None:
    if a.ndim not in allowed:
        raise ArgumentError(
            f"{fn}: {name} has {a.ndim} axes (shape {a.shape}); {fn} accepts "
            f"{' or '.join(str(n) for n in allowed)} axes"
        )
    if a.size == 0:
        raise ArgumentError(f"{fn}: {name} is empty (shape {a.shape})")


def q_for_count(p: str, count: str) -> str:
    """The right pad ``Q`` that gives ``count`` outputs at stride 1, dilation 1."""
    return f"({count}) - N - ({p}) + (M - 1)"


def window_pads(mode: str, camp: str, fn: str, *, swap: bool = False) -> tuple[str, str]:
    """(P, Q) of a 'full'/'same'/'valid' call; ``swap`` lets 'valid' follow the longer input."""
    if mode == "full":
        return ("(M - 1)", "(M - 1)")
    if mode == "same":
        return same_pads(camp)
    if mode == "valid":
        return ("max(M - N, 0)", "max(M - N, 0)") if swap else ("0", "0")
    raise ArgumentError(f"{fn}: mode={mode!r} is not accepted: use 'full', 'same' or 'valid'")


def exact_or(x: np.ndarray, h: np.ndarray, float_dtype=None):
    """Working dtype: None (exact int64) for integer/bool data, else ``float_dtype``."""
    if x.dtype.kind in "biu" and h.dtype.kind in "biu":
        return None
    if float_dtype is None:
        return None
    return np.dtype(float_dtype)


def run_recipe(recipe: Recipe, x: np.ndarray, h: np.ndarray, finish: Callable, work=None
               ) -> Outcome:
    """Compute ``recipe`` with kernelflip and apply the library's dtype rule ``finish``."""
    y = recipe.run(x, h, work=work)
    return Outcome(finish(y.values), y.start, y.step, recipe, x.shape, h.shape)
