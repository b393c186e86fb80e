"""The catalogue: one entry per library function, as data.

Each :class:`Convention` records what the function computes on kernelflip's
lattice (operation, which side gets the extra sample of an even kernel,
output window, borders, conjugation, argument order, dtype rule, source) and
points at the adapter that reproduces it.  Anchors are given for the kernel
as stored: ``c`` is the kernel element that sits over output sample ``n``
(for convolution, after the flip), and the 'same' window keeps ``full[s:s+N]``
with ``s = (M-1)//2`` in camp E and ``s = M//2`` in camp L.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import ArgumentError
from . import deep, imaging, signal

__all__ = ["Convention", "CATALOGUE", "lookup", "names"]


@dataclass(frozen=True)
class Convention:
    """One library function's convention (see the module docstring)."""

    name: str
    op: str                    # 'conv' or 'corr'
    camp: str                  # even-kernel 'same' side: 'E', 'L', 'pad' (explicit) or '-'
    anchor: str                # the anchor rule for odd and even kernels
    window: str                # output window(s) and sizes
    boundary: str              # default border, numpy.pad name in brackets
    boundaries: str            # accepted borders -> numpy.pad names
    conj: bool                 # complex kernel conjugated
    args: str                  # argument order (image/kernel)
    dtype: str                 # dtype rule
    source: str                # where the rule is documented / verified
    adapter: Callable
    aliases: tuple[str, ...] = ()
    verified: str = "run"      # 'run' (checked against the library here) or 'docs'
    defaults: tuple = ()       # keyword options of a typical call (for compare/translate)

    @property
    def library(self) -> str:
        return self.name.split(".")[0]


_E, _L = "E: corr anchor M//2, conv anchor (M-1)//2", "L: corr anchor (M-1)//2, conv anchor M//2"
_SCIPY_DT = "numpy.result_type of the inputs; integers wrap modulo 2**bits"
_JAX_DT = "integers and bools promoted to float32; 64-bit floats become 32-bit (x64 off)"
_TORCH_DT = "input and weight must share a dtype; result in that dtype, integers wrap"


def _c(name, op, camp, anchor, window, boundary, boundaries, conj, args, dtype, source,
       adapter, aliases=(), verified="run", defaults=()):
    return Convention(name, op, camp, anchor, window, boundary, boundaries, conj, args, dtype,
                      source, adapter, tuple(aliases), verified, tuple(defaults))


_NP_WIN = "full N+M-1; same max(N, M) (inputs swapped so the longer is first); valid max-min+1"
_SS_WIN = "full N+M-1; same = in1's shape; valid N-M+1 (swaps when in2 is larger on every axis)"
_ML_WIN = "full N+M-1; same = size(A), start floor(M/2) of full; valid max(N-M+1, 0), no swap"
_ND_BND = ("reflect->symmetric, grid-mirror->symmetric, mirror->reflect, nearest->edge, "
           "wrap/grid-wrap->wrap, constant/grid-constant->constant(cval)")
_CV_BND = ("BORDER_CONSTANT->constant(0), BORDER_REPLICATE->edge, BORDER_REFLECT->symmetric, "
           "BORDER_REFLECT_101/BORDER_DEFAULT->reflect; BORDER_WRAP rejected")
_TORCH_PAD = "padding int/tuple (both sides), 'valid' (0), 'same' (stride 1: left d(M-1)//2)"
_TF_PAD = ("'VALID'; 'SAME': out ceil(N/s), pad max((out-1)s+(M-1)d+1-N, 0), before pad//2; "
           "explicit pairs")

CATALOGUE: tuple[Convention, ...] = (
    _c("numpy.convolve", "conv", "E", _E, _NP_WIN, "zeros (constant)", "zeros only", False,
       "(a, v), commutative", _SCIPY_DT, "numpy docs; numpy gh-6316 (swap)", signal.np_convolve,
       ("np.convolve",), defaults=(("mode", "same"),)),
    _c("numpy.correlate", "corr", "E", _E, _NP_WIN + "; default 'valid'", "zeros (constant)",
       "zeros only", True, "(a, v): c[k] = sum_n a[n+k] conj(v[n])", _SCIPY_DT,
       "numpy docs", signal.np_correlate, ("np.correlate",), defaults=(("mode", "same"),)),
    _c("scipy.signal.convolve", "conv", "E", _E, _SS_WIN, "zeros (constant)", "zeros only",
       False, "(in1, in2)", _SCIPY_DT + " (method='fft' rounds back to the int type)",
       "scipy.signal docs", signal.ss_convolve, ("ss.convolve", "signal.convolve"),
       defaults=(("mode", "same"),)),
    _c("scipy.signal.correlate", "corr", "E", _E, _SS_WIN, "zeros (constant)", "zeros only",
       True, "(in1, in2): z[k] = sum_l x[l] conj(y[l-k])", _SCIPY_DT, "scipy.signal docs",
       signal.ss_correlate, ("ss.correlate", "signal.correlate"),
       defaults=(("mode", "same"),)),
    _c("scipy.signal.fftconvolve", "conv", "E", _E, _SS_WIN + "; optional axes",
       "zeros (constant)", "zeros only", False, "(in1, in2)",
       "always float: float32/complex64 stay single, everything else double",
       "scipy.signal docs", signal.ss_fftconvolve, ("ss.fftconvolve", "signal.fftconvolve"),
       defaults=(("mode", "same"),)),
    _c("scipy.signal.oaconvolve", "conv", "E", _E, _SS_WIN + "; optional axes",
       "zeros (constant)", "zeros only", False, "(in1, in2)",
       "always float: float32/complex64 stay single, everything else double",
       "scipy.signal docs", signal.ss_fftconvolve, ("ss.oaconvolve", "signal.oaconvolve"),
       defaults=(("mode", "same"),)),
    _c("scipy.signal.convolve2d", "conv", "E", _E, _SS_WIN + "; 2-D only", "fill (constant 0)",
       "fill(fillvalue)->constant, wrap->wrap, symm->symmetric", False, "(in1, in2)",
       _SCIPY_DT, "scipy.signal docs", signal.ss_convolve2d,
       ("ss.convolve2d", "signal.convolve2d"), defaults=(("mode", "same"),)),
    _c("scipy.signal.correlate2d", "corr", "L", _L + " (unlike correlate; scipy gh-1968)",
       _SS_WIN + "; 2-D only", "fill (constant 0)",
       "fill(fillvalue)->constant, wrap->wrap, symm->symmetric", True, "(in1, in2)",
       _SCIPY_DT, "scipy.signal correlate2d Notes", signal.ss_correlate2d,
       ("ss.correlate2d", "signal.correlate2d"), defaults=(("mode", "same"),)),
    _c("scipy.ndimage.correlate", "corr", "E", "corr anchor M//2 + origin (origin=-1 on even "
       "axes gives L)", "shape of input", "reflect (symmetric)", _ND_BND, True,
       "(input, weights)", "output = input dtype; double sum cast by truncation toward 0 and "
       "wrap", "scipy.ndimage docs; scipy gh-23978", imaging.nd_filter("corr"),
       ("ndimage.correlate", "nd.correlate", "ndi.correlate")),
    _c("scipy.ndimage.convolve", "conv", "L", "conv anchor M//2 + origin (origin=-1 on even "
       "axes gives E)", "shape of input", "reflect (symmetric)", _ND_BND, False,
       "(input, weights)", "output = input dtype; double sum cast by truncation toward 0 and "
       "wrap", "scipy.ndimage docs; scipy gh-23978", imaging.nd_filter("conv"),
       ("ndimage.convolve", "nd.convolve", "ndi.convolve")),
    _c("scipy.ndimage.correlate1d", "corr", "E", "corr anchor M//2 + origin along axis",
       "shape of input", "reflect (symmetric)", _ND_BND, True, "(input, weights, axis)",
       "as ndimage.correlate", "scipy.ndimage docs", imaging.nd_filter1d("corr"),
       ("ndimage.correlate1d", "nd.correlate1d", "ndi.correlate1d")),
    _c("scipy.ndimage.convolve1d", "conv", "L", "conv anchor M//2 + origin along axis",
       "shape of input", "reflect (symmetric)", _ND_BND, False, "(input, weights, axis)",
       "as ndimage.correlate", "scipy.ndimage docs", imaging.nd_filter1d("conv"),
       ("ndimage.convolve1d", "nd.convolve1d", "ndi.convolve1d")),
    _c("cv2.filter2D", "corr", "E", "anchor (col, row) = (-1, -1) -> (Mw//2, Mh//2)",
       "shape of src", "BORDER_REFLECT_101 (reflect)", _CV_BND, False,
       "(src, ddepth, kernel, dst, anchor, delta, borderType)",
       "ddepth=-1 keeps src depth; integers saturate after round-half-to-even; + delta",
       "OpenCV filter2D docs", imaging.cv2_filter2D, ("cv.filter2D", "opencv.filter2D"),
       defaults=(("ddepth", -1),)),
    _c("cv2.sepFilter2D", "corr", "E", "as filter2D, kernel outer(kernelY, kernelX)",
       "shape of src", "BORDER_REFLECT_101 (reflect)", _CV_BND, False,
       "(src, ddepth, kernelX, kernelY, dst, anchor, delta, borderType)",
       "as filter2D", "OpenCV sepFilter2D docs", imaging.cv2_sepFilter2D,
       ("cv.sepFilter2D", "opencv.sepFilter2D")),
    *(_c(f"torch.nn.functional.conv{n}d", "corr", "L", "padding='same': left d(M-1)//2 "
         "(extra after)", _TORCH_PAD + f"; (B, C, {n} spatial) or unbatched", "zeros",
         "zeros only (use torch.nn.Conv for padding_mode)", False,
         "(input, weight, bias, stride, padding, dilation, groups)", _TORCH_DT,
         "torch.nn.functional docs", deep.torch_conv(n),
         (f"torch.conv{n}d", f"F.conv{n}d", f"torch.nn.functional.conv{n}d"))
      for n in (1, 2, 3)),
    *(_c(f"torch.nn.Conv{n}d", "corr", "L", f"as conv{n}d", _TORCH_PAD,
         "padding_mode='zeros'", "zeros->constant, reflect->reflect, replicate->edge, "
         "circular->wrap (no half-sample symmetric)", False,
         "functional form here: (input, weight, bias, stride, padding, dilation, groups, "
         "padding_mode)", _TORCH_DT, "torch.nn.Conv docs", deep.torch_conv(n, layer=True),
         (f"nn.Conv{n}d",)) for n in (1, 2, 3)),
    *(_c(f"torch.nn.functional.conv_transpose{n}d", "conv", "pad", "true convolution "
         "(adjoint of conv); padding crops p per side", "(L-1)s - 2p + d(M-1) + "
         "output_padding + 1", "zeros", "zeros only", False,
         "(input, weight, bias, stride, padding, output_padding, groups, dilation)",
         _TORCH_DT, "torch.nn.functional docs", deep.torch_conv_transpose(n),
         (f"torch.conv_transpose{n}d", f"F.conv_transpose{n}d")) for n in (1, 2, 3)),
    *(_c(f"tf.nn.conv{n}d", "corr", "L", "'SAME': extra pad after (bottom/right)", _TF_PAD,
         "zeros", "zeros only", False, "(input, filters, strides, padding, data_format, "
         "dilations); filters [*k, in, out]", "input dtype (integer support unverified)",
         "TensorFlow docs, 'Notes on padding'", deep.tf_conv(n),
         (f"tensorflow.nn.conv{n}d",), verified="docs") for n in (1, 2, 3)),
    _c("jax.lax.conv_general_dilated", "corr", "L", "'SAME' extra after (L), 'SAME_LOWER' "
       "extra before (E)", "'VALID', 'SAME', 'SAME_LOWER' or (lo, hi) pairs (negative crops)",
       "zeros", "zeros only", False, "(lhs, rhs, window_strides, padding, lhs_dilation, "
       "rhs_dilation, dimension_numbers, feature_group_count)",
       "dtype kept (integers wrap) unless preferred_element_type", "jax docs",
       deep.lax_conv_general_dilated, ("lax.conv_general_dilated",)),
    _c("jax.lax.conv", "corr", "L", "as conv_general_dilated", "as conv_general_dilated",
       "zeros", "zeros only", False, "(lhs, rhs, window_strides, padding)",
       "dtype kept (integers wrap)", "jax docs", deep.lax_conv, ("lax.conv",)),
    _c("jax.numpy.convolve", "conv", "E", _E, _NP_WIN, "zeros", "zeros only", False, "(a, v)",
       _JAX_DT, "jax docs", signal.jnp_convolve, ("jnp.convolve",),
       defaults=(("mode", "same"),)),
    _c("jax.numpy.correlate", "corr", "E", _E, _NP_WIN + "; default 'valid'", "zeros",
       "zeros only", True, "(a, v)", _JAX_DT, "jax docs", signal.jnp_correlate,
       ("jnp.correlate",), defaults=(("mode", "same"),)),
    *(_c(f"jax.scipy.signal.{f}", "corr" if "corr" in f else "conv",
         "L" if f == "correlate2d" else "E", _L if f == "correlate2d" else _E, _SS_WIN,
         "fill (constant 0)", "fill with fillvalue 0 only", "corr" in f, "(in1, in2)", _JAX_DT,
         "jax docs; jax PR 2675 (correlate2d quirk kept)", signal.jss(f),
         (f"jss.{f}",), defaults=(("mode", "same"),))
      for f in ("convolve", "correlate", "convolve2d", "correlate2d")),
    _c("matlab.conv", "conv", "L", _L, _ML_WIN, "zeros", "zeros only", False, "(u, v, shape)",
       "double (single if an input is single)", "MATLAB conv docs ('same' example)",
       imaging.matlab_conv, ("octave.conv",), "docs", defaults=(("shape", "same"),)),
    _c("matlab.conv2", "conv", "L", _L, _ML_WIN, "zeros", "zeros only", False,
       "(A, B, shape) or (u, v, A, shape)", "double (single if an input is single)",
       "MATLAB conv2 docs; Octave oct-convn.cc", imaging.matlab_conv2, ("octave.conv2",),
       "docs", defaults=(("shape", "same"),)),
    _c("matlab.convn", "conv", "L", _L, _ML_WIN, "zeros", "zeros only", False, "(A, B, shape)",
       "double (single if an input is single)", "MATLAB convn docs", imaging.matlab_convn,
       ("octave.convn",), "docs", defaults=(("shape", "same"),)),
    _c("matlab.filter2", "corr", "L", _L, _ML_WIN + "; default 'same'", "zeros", "zeros only",
       False, "(H, X, shape): the kernel comes first", "double (single if an input is single)",
       "MATLAB filter2 docs", imaging.matlab_filter2, ("octave.filter2",), "docs"),
    _c("matlab.xcorr2", "corr", "-", "full only: C(k,l) at (k+P, l+Q)", "full only",
       "zeros", "zeros only", True, "(a, b)", "double", "MATLAB xcorr2 docs",
       imaging.matlab_xcorr2, ("octave.xcorr2",), "docs"),
    _c("matlab.imfilter", "corr", "L", "centre floor((size(h)+1)/2) (1-based); 'conv' option",
       "'same' (default) or 'full'", "zero (X = 0)",
       "scalar X->constant, symmetric->symmetric, replicate->edge, circular->wrap", False,
       "(A, h, options...)", "class of A kept; integers rounded half away from zero and "
       "clipped", "MATLAB imfilter docs", imaging.matlab_imfilter, ("octave.imfilter",), "docs"),
)

_INDEX: dict[str, Convention] = {}
for _conv in CATALOGUE:
    for _n in (_conv.name, *_conv.aliases):
        _INDEX[_n.lower()] = _conv


def names() -> tuple[str, ...]:
    """The catalogue's canonical names.

    >>> "cv2.filter2D" in names()
    True
    """
    return tuple(c.name for c in CATALOGUE)


def lookup(name: str) -> Convention:
    """The catalogue entry for a name or alias (case-insensitive).

    >>> lookup("ss.correlate2d").camp
    'L'
    """
    if not isinstance(name, str):
        raise ArgumentError(f"name={name!r} is not accepted: give a function name such as "
                            "'scipy.signal.convolve2d'")
    key = name.strip().lower()
    if key in _INDEX:
        return _INDEX[key]
    close = difflib.get_close_matches(key, list(_INDEX), n=1, cutoff=0.6)
    hint = f"did you mean {_INDEX[close[0]].name!r}? " if close else ""
    raise ArgumentError(f"name={name!r} is not a known convention: {hint}known names: "
                        f"{', '.join(names())}")
