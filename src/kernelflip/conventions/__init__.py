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
           "lattice_args", "lookup", "names", "translate", "outcome"]


def outcome(name: str, *args, **kwargs):
    """The adapter's full :class:`~kernelflip.conventions._common.Outcome` of one call."""
    conv = lookup(name)
    try:
        return conv.adapter(*args, **kwargs)
    except TypeError as exc:
        if isinstance(exc, KernelflipError):
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
