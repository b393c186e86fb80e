"""numpy, scipy.signal and their JAX copies, argument for argument."""

from __future__ import annotations

import numpy as np

from ..errors import ArgumentError
from ._common import Outcome, Recipe, arr, q_for_count, run_recipe, window_pads
from .rules import fft_dtype, jax_dtype, wrap

__all__ = ["np_convolve", "np_correlate", "ss_convolve", "ss_correlate", "ss_fftconvolve",
           "ss_convolve2d", "ss_correlate2d"]

_BOUNDARY_2D = {"fill": "constant", "pad": "constant", "wrap": "wrap", "circular": "wrap",
                "symm": "symmetric", "symmetric": "symmetric"}


def _np_mode(mode, fn: str) -> str:
    names = {0: "valid", 1: "same", 2: "full", "v": "valid", "s": "same", "f": "full"}
    key = mode.lower()[:1] if isinstance(mode, str) and mode else mode
    try:
        return names[key]
    except (KeyError, TypeError):
        raise ArgumentError(
            f"{fn}: mode={mode!r} is not accepted: use 'full', 'same' or 'valid'") from None


def _np_pads(mode: str, op: str) -> tuple[str, str]:
    """numpy's windows on the full output: 'same' keeps max(N, M), starting (min-1)//2."""
    if mode == "full":
        return ("(M - 1)", "(M - 1)")
    if mode == "same":
        # the start in the full output is (min-1)//2; numpy.correlate with a shorter first
        # input computes correlate(v, a) reversed, which moves an even window by one
        p = ("(M - 1) - (N // 2 if N < M else (M - 1) // 2)" if op == "corr" else
             "(M - 1) - (min(N, M) - 1) // 2")
        return (p, q_for_count(p, "max(N, M)"))
    p = "M - min(N, M)"
    return (p, q_for_count(p, "max(N, M) - min(N, M) + 1"))


def _numpy_like(op, a, v, mode, fn, out_dtype):
    a, v = arr(a, "a", fn), arr(v, "v", fn)
    for name, x in (("a", a), ("v", v)):
        if x.ndim != 1:
            raise ArgumentError(f"{fn}: {name} has shape {x.shape}: it accepts 1-D arrays only")
        if x.size == 0:
            raise ArgumentError(f"{fn}: {name} cannot be empty")
    mode = _np_mode(mode, fn)
    recipe = Recipe(op, pads=(_np_pads(mode, op),), conj=op == "corr")
    dt = out_dtype(a.dtype, v.dtype)
    return run_recipe(recipe, a, v, lambda y: wrap(y, dt))


def np_convolve(a, v, mode="full") -> Outcome:
    """numpy.convolve: ``(a * v)[n] = sum_m a[m] v[n - m]``; 'same' keeps max(N, M)."""
    return _numpy_like("conv", a, v, mode, "numpy.convolve", np.result_type)


def np_correlate(a, v, mode="valid") -> Outcome:
    """numpy.correlate: ``c[k] = sum_n a[n + k] conj(v[n])``, k ascending, default 'valid'."""
    return _numpy_like("corr", a, v, mode, "numpy.correlate", np.result_type)


def jnp_convolve(a, v, mode="full", *, precision=None, preferred_element_type=None) -> Outcome:
    """jax.numpy.convolve: numpy's windows, integers promoted to float32."""
    dt = (lambda *d: np.dtype(preferred_element_type)) if preferred_element_type else jax_dtype
    return _numpy_like("conv", a, v, mode, "jax.numpy.convolve", dt)


def jnp_correlate(a, v, mode="valid", *, precision=None, preferred_element_type=None
                  ) -> Outcome:
    """jax.numpy.correlate: numpy's conjugating correlation, float32 results."""
    dt = (lambda *d: np.dtype(preferred_element_type)) if preferred_element_type else jax_dtype
    return _numpy_like("corr", a, v, mode, "jax.numpy.correlate", dt)


def _scipy_inputs(in1, in2, fn, ndims=None):
    in1, in2 = arr(in1, "in1", fn), arr(in2, "in2", fn)
    if ndims is not None:
        for name, x in (("in1", in1), ("in2", in2)):
            if x.ndim not in ndims:
                raise ArgumentError(f"{fn}: {name} has shape {x.shape}: {fn} inputs must both "
                                    "be 2-D arrays")
    if in1.ndim != in2.ndim:
        raise ArgumentError(f"{fn}: in1 and in2 should have the same dimensionality "
                            f"(got shapes {in1.shape} and {in2.shape})")
    if in1.size == 0 or in2.size == 0:
        raise ArgumentError(f"{fn}: empty inputs are not accepted")
    return in1, in2


def _swap(mode, s1, s2, fn) -> bool:
    if mode != "valid":
        return False
    if all(a >= b for a, b in zip(s1, s2)):
        return False
    if all(b >= a for a, b in zip(s1, s2)):
        return True
    raise ArgumentError(f"{fn}: for 'valid' mode, one must be at least as large as the other "
                        f"in every dimension (got shapes {s1} and {s2})")


def _scipy(op, in1, in2, mode, fn, camp, out_dtype, boundary="constant", cval=0, ndims=None,
           corr2d=False):
    in1, in2 = _scipy_inputs(in1, in2, fn, ndims)
    if not isinstance(mode, str) or mode not in ("full", "same", "valid"):
        raise ArgumentError(f"{fn}: mode={mode!r} is not accepted: acceptable mode flags are "
                            "'valid', 'same', or 'full'")
    dt = out_dtype(in1.dtype, in2.dtype)
    pads = tuple(window_pads(mode, camp, fn) for _ in range(in1.ndim))
    if not _swap(mode, in1.shape, in2.shape, fn):
        recipe = Recipe(op, pads=pads, conj=op == "corr", boundary=boundary, cval=cval)
        return run_recipe(recipe, in1, in2, lambda y: wrap(y, dt))
    # 'valid' with in2 the larger: scipy slides in1 over in2 (no border is read).
    # convolution commutes; correlation z[k] = sum_l in1[l] conj(in2[l-k]), k = -(M-N)..0,
    # is the reversed conj of corr(in2, in1); correlate2d returns corr(in2, in1) reversed,
    # i.e. the conjugate of its own formula for complex inputs
    recipe = Recipe(op, pads=pads, conj=op == "corr")
    flip = tuple(slice(None, None, -1) for _ in range(in1.ndim))

    def finish(y):
        if op == "corr":
            y = y[flip] if corr2d else np.conj(y[flip])
        return wrap(y, dt)

    return run_recipe(recipe, in2, in1, finish)


def _method(method, fn):
    if method not in ("auto", "direct", "fft"):
        raise ArgumentError(f"{fn}: method={method!r} is not accepted: use 'auto', 'direct' "
                            "or 'fft'")


def ss_convolve(in1, in2, mode="full", method="auto") -> Outcome:
    """scipy.signal.convolve: N-D, 'same' = in1's shape (camp E), 'valid' may swap."""
    _method(method, "scipy.signal.convolve")
    return _scipy("conv", in1, in2, mode, "scipy.signal.convolve", "E", np.result_type)


def ss_correlate(in1, in2, mode="full", method="auto") -> Outcome:
    """scipy.signal.correlate: ``z[k] = sum_l x[l] conj(y[l - k])``, 'same' camp E."""
    _method(method, "scipy.signal.correlate")
    return _scipy("corr", in1, in2, mode, "scipy.signal.correlate", "E", np.result_type)


def ss_fftconvolve(in1, in2, mode="full", axes=None) -> Outcome:
    """scipy.signal.fftconvolve / oaconvolve: as convolve, float results, optional axes.

    Like scipy: axes where either input has length 1 are plain (broadcast)
    products; the full result is then cut to the mode's shape by
    ``_centered`` (start ``(full - new) // 2``) on every axis.
    """
    fn = "scipy.signal.fftconvolve"
    in1, in2 = arr(in1, "in1", fn), arr(in2, "in2", fn)
    if in1.ndim != in2.ndim:
        raise ArgumentError(f"{fn}: in1 and in2 should have the same dimensionality")
    if in1.size == 0 or in2.size == 0:
        raise ArgumentError(f"{fn}: empty inputs are not accepted")
    if not isinstance(mode, str) or mode not in ("full", "same", "valid"):
        raise ArgumentError(f"{fn}: mode={mode!r} is not accepted: acceptable mode flags are "
                            "'valid', 'same', or 'full'")
    nd = in1.ndim
    given = range(nd) if axes is None else [int(a) % nd for a in np.atleast_1d(axes)]
    if axes is not None and not len(given):
        raise ArgumentError(f"{fn}: when provided, axes cannot be empty")
    axes = sorted({a for a in given if in1.shape[a] != 1 and in2.shape[a] != 1})
    other = [a for a in range(nd) if a not in axes]
    if not all(in1.shape[a] == in2.shape[a] or 1 in (in1.shape[a], in2.shape[a])
               for a in other):
        raise ArgumentError(f"{fn}: incompatible shapes for in1 and in2: {in1.shape} and "
                            f"{in2.shape}")
    if _swap(mode, [in1.shape[a] for a in axes], [in2.shape[a] for a in axes], fn):
        in1, in2 = in2, in1
    if len(axes) == nd:  # every axis convolved: the plain 'same'/'valid' windows (camp E)
        dt = fft_dtype(in1.dtype, in2.dtype)
        return _scipy("conv", in1, in2, mode, fn, "E", lambda *d: dt)
    if not axes:
        ret, start, recipe = np.multiply(in1, in2), (0,) * nd, None
    else:
        dt = fft_dtype(in1.dtype, in2.dtype)
        bshape = tuple(max(in1.shape[a], in2.shape[a]) for a in other)
        perm = other + axes
        a1 = np.broadcast_to(np.transpose(in1, perm),
                             bshape + tuple(in1.shape[a] for a in axes))
        a2 = np.broadcast_to(np.transpose(in2, perm),
                             bshape + tuple(in2.shape[a] for a in axes))
        recipe = Recipe("conv", pads=tuple(window_pads("full", "E", fn) for _ in axes))
        parts = [run_recipe(recipe, a1[i], a2[i], lambda y: wrap(y, dt))
                 for i in np.ndindex(*bshape)]
        vals = np.stack([p.values for p in parts]).reshape(bshape + parts[0].values.shape)
        inv = np.argsort(perm)
        ret = np.transpose(vals, inv)
        start = tuple(np.array((0,) * len(other) + parts[0].start)[inv])
    s1, s2 = in1.shape, in2.shape
    if mode == "full":
        new = ret.shape
    elif mode == "same":
        new = s1
    else:
        new = tuple(ret.shape[a] if a not in axes else s1[a] - s2[a] + 1 for a in range(nd))
    cut = tuple((c - n) // 2 for c, n in zip(ret.shape, new))
    vals = ret[tuple(slice(c, c + n) for c, n in zip(cut, new))]
    return Outcome(np.ascontiguousarray(vals), tuple(int(a + c) for a, c in zip(start, cut)),
                   (1,) * nd, recipe if len(axes) == nd and mode == "full" else None)


def _boundary2d(boundary, fn) -> str:
    try:
        return _BOUNDARY_2D[boundary]
    except (KeyError, TypeError):
        raise ArgumentError(f"{fn}: boundary={boundary!r} is not accepted: use 'fill', 'wrap' "
                            "or 'symm'") from None


def ss_convolve2d(in1, in2, mode="full", boundary="fill", fillvalue=0) -> Outcome:
    """scipy.signal.convolve2d: 2-D convolution, 'same' camp E, borders fill/wrap/symm."""
    fn = "scipy.signal.convolve2d"
    return _scipy("conv", in1, in2, mode, fn, "E", np.result_type, _boundary2d(boundary, fn),
                  fillvalue, ndims=(2,))


def ss_correlate2d(in1, in2, mode="full", boundary="fill", fillvalue=0) -> Outcome:
    """scipy.signal.correlate2d: 2-D correlation, 'same' camp L (unlike correlate)."""
    fn = "scipy.signal.correlate2d"
    return _scipy("corr", in1, in2, mode, fn, "L", np.result_type, _boundary2d(boundary, fn),
                  fillvalue, ndims=(2,), corr2d=True)


def jss(name):
    """The jax.scipy.signal copy of a scipy.signal adapter (float32 results, fill only)."""
    base = {"convolve": ("conv", "E", None), "correlate": ("corr", "E", None),
            "convolve2d": ("conv", "E", (2,)), "correlate2d": ("corr", "L", (2,))}[name]
    fn = f"jax.scipy.signal.{name}"

    def adapter(in1, in2, mode="full", *args, precision=None, **kw):
        extra = dict(zip(("boundary", "fillvalue") if base[2] else ("method",), args), **kw)
        s1, s2 = np.shape(in1), np.shape(in2)
        if len(s1) == len(s2) and not (all(a >= b for a, b in zip(s1, s2))
                                       or all(a <= b for a, b in zip(s1, s2))):
            raise ArgumentError(f"{fn}: one input must be smaller than the other in every "
                                f"dimension (got shapes {s1} and {s2}; JAX checks every mode)")
        if extra.get("boundary", "fill") != "fill" or extra.get("fillvalue", 0) != 0:
            raise ArgumentError(f"{fn}: only boundary='fill' with fillvalue=0 is implemented "
                                "in JAX (it raises NotImplementedError otherwise)")
        return _scipy(base[0], in1, in2, mode, fn, base[1], jax_dtype, ndims=base[2],
                      corr2d=name == "correlate2d")

    adapter.__name__ = f"jss_{name}"
    adapter.__doc__ = f"{fn}: scipy.signal.{name}'s windows, results in float32."
    return adapter
