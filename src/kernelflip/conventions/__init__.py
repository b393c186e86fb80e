"""Every library's convention as data, reproduced exactly and translated.

* :func:`like` runs a call the way numpy, scipy, OpenCV, PyTorch, TensorFlow,
  MATLAB or JAX takes it and returns what that library returns (values,
  shape, dtype), computed by kernelflip without the library;
* :func:`lattice_args` gives the same call as kernelflip lattice arguments
  (image and kernel starts, window, boundary), e.g. for a worked example;
* :func:`translate` writes the equivalent call in another library;
* :data:`CATALOGUE` holds one :class:`Convention` per function.
"""

from __future__ import annotations

from ..errors import ArgumentError, KernelflipError, enrich
from ..lattice import Indexed
from .catalogue import CATALOGUE, Convention, lookup, names
from .recipe import Recipe
from .translate import NoEquivalent, translate

__all__ = ["CATALOGUE", "Convention", "Recipe", "NoEquivalent", "like", "like_indexed",
           "lattice_args", "lookup", "names", "translate", "outcome", "explain_args"]


def outcome(name: str, *args, **kwargs):
    """The adapter's full :class:`~kernelflip.conventions._common.Outcome` of one call."""
    conv = lookup(name)
    try:
        return conv.adapter(*args, **kwargs)
    except TypeError as exc:
        if isinstance(exc, KernelflipError) or "argument" not in str(exc):
            raise
        raise ArgumentError(f"{conv.name}: the arguments do not match its signature "
                            f"{conv.args}: {exc}") from None
    except KernelflipError as exc:
        raise enrich(exc, f"reproducing {conv.name}") from None


def like(name: str, *args, indexed: bool = False, **kwargs):
    r"""Compute ``name(*args, **kwargs)`` exactly as that library does, with kernelflip.

    The defining sum is the library's own (see :data:`CATALOGUE`): on each axis
    ``y[n] = sum_k w[k] ext(x)[n*s + d*k - P]`` with ``w`` the kernel as
    the library orients it, ``P`` its left padding and ``ext`` its border,
    then the library's dtype rule (wrap-around, saturation, rounding,
    truncation, float promotion).  The output has the library's shape.

    Parameters
    ----------
    name : str
        A catalogue name or alias: ``"scipy.signal.convolve2d"``,
        ``"ss.convolve2d"``, ``"cv2.filter2D"``, ``"torch.conv2d"``,
        ``"matlab.filter2"``, ...
    *args, **kwargs
        The library's own arguments (arrays as numpy arrays; tensors are
        given as arrays in the library's layout).
    indexed : bool
        Return the :class:`~kernelflip.Indexed` form: the signed index of an
        output is the image position the kernel's anchor sits on.

    Examples
    --------
    >>> import numpy as np, kernelflip as kf
    >>> x, h = np.arange(1, 6), np.array([1, 10])
    >>> kf.like("scipy.signal.correlate", x, h, "same")     # camp E
    array([10, 21, 32, 43, 54])
    >>> kf.like("scipy.signal.correlate2d", x[None], h[None], "same")   # camp L
    array([[21, 32, 43, 54,  5]])
    >>> kf.like("cv2.filter2D", np.uint8([[1, 3, 5]]), -1, np.array([[0.5]]))
    array([[0, 2, 2]], dtype=uint8)
    >>> kf.like("matlab.conv", np.array([-1., 2, 3, -2, 0, 1, 2]), np.array([2., 4, -1, 1]),
    ...         "same")
    array([15.,  5., -9.,  7.,  6.,  7., -1.])
    """
    out = outcome(name, *args, **kwargs)
    return out.indexed() if indexed else out.values


def like_indexed(name: str, *args, **kwargs) -> Indexed:
    """:func:`like` returning the :class:`~kernelflip.Indexed` form.

    >>> import numpy as np
    >>> y = like_indexed("torch.conv1d", np.ones((1, 1, 5)), np.ones((1, 1, 3)), padding=1)
    >>> y.start, y.values.tolist()
    ((0, 0, 0), [[[2.0, 3.0, 3.0, 3.0, 2.0]]])
    """
    return like(name, *args, indexed=True, **kwargs)


def lattice_args(name: str, *args, **kwargs) -> dict:
    """The call as kernelflip arguments: ``op``, ``x_start``, ``h_start``, ``mode``, ...

    For layer libraries (torch, TF, JAX) this is one spatial plane of one
    channel.  The dictionary also holds ``conj`` (whether the library
    conjugates) and ``cval``.

    >>> import numpy as np
    >>> a = lattice_args("cv2.filter2D", np.zeros((5, 5)), -1, np.ones((2, 2)))
    >>> a["op"], a["h_start"], a["mode"], a["boundary"]
    ('corr', (-1, -1), 'same', 'reflect')
    """
    out = outcome(name, *args, **kwargs)
    if out.recipe is None:
        raise ArgumentError(f"{lookup(name).name}: this call has no lattice form (empty output)")
    lat = out.recipe.lattice(out.x_shape, out.h_shape)
    lat.update(conj=out.recipe.conj, cval=out.recipe.cval)
    return lat


def _shape_of(a) -> tuple[int, ...]:
    """The shape of an explain() operand: values, an Indexed array, or a shape spec."""
    import numpy as np

    if isinstance(a, Indexed):
        return a.shape
    if isinstance(a, str):
        try:
            return tuple(int(v) for v in a.lower().split("x"))
        except ValueError:
            raise ArgumentError(f"{a!r} is not a shape such as '7x7'") from None
    if isinstance(a, int):
        return (a,)
    if isinstance(a, tuple) and a and all(isinstance(v, int) for v in a):
        return a
    return np.asarray(a).shape


def explain_args(like: str, x, h, options: dict | None = None) -> dict:
    """:func:`kernelflip.explain` keyword arguments that put a worked example in a library's terms.

    ``like`` is a catalogue name and ``options`` that library's own keyword
    arguments (``{"borderType": 0}``, ``{"padding": "same"}``, ...).  The
    result holds ``op``, ``mode`` (the library's output window), ``boundary``,
    ``cval``, ``stride``, ``dilation``, ``x_start`` (0: signed index = array
    position) and ``h_start`` (minus the library's anchor), so border terms
    show the extended values the library reads.

    >>> a = explain_args("cv2.filter2D", "5x5", "3x3")
    >>> a["op"], a["boundary"], a["h_start"], a["mode"]
    ('corr', 'reflect', (-1, -1), 'same')
    """
    import numpy as np

    from .translate import plane_call

    xs, hs = _shape_of(x), _shape_of(h)
    out = plane_call(lookup(like).name, np.zeros(xs), np.zeros(hs), **(options or {}))
    if out.recipe is None:
        raise ArgumentError(f"{lookup(like).name} with {options} is not a sliding sum here")
    lat = out.recipe.lattice(out.x_shape, out.h_shape)
    return dict(op=lat["op"], mode=lat["mode"], boundary=lat["boundary"],
                cval=out.recipe.cval, stride=lat["stride"], dilation=lat["dilation"],
                x_start=lat["x_start"], h_start=lat["h_start"])
