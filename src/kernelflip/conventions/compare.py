"""Run every convention on one input and say where they agree and why they differ.

Each catalogue function runs with its typical arguments (the 'same'-size
call where it has one) on one image plane and one kernel.  Rows with equal
outputs share a group letter; every row says how it differs from the
reference (``scipy.signal.convolve`` 'same'): a flip (correlation instead of
convolution), a shift of one sample (the other even-kernel camp), a border
(other than zeros), a size (full/valid windows) or a dtype rule.  With
``check=True`` the installed libraries run too and confirm the reproduction.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

import numpy as np

from ..errors import ArgumentError, KernelflipError
from .catalogue import CATALOGUE, Convention
from .recipe import evaluate
from .translate import NoEquivalent, plane_call

__all__ = ["Row", "compare", "format_table", "DEFAULTS", "run_library"]

REFERENCE = "scipy.signal.convolve"

# keyword options of the 'typical' call per function (others: the library's defaults)
DEFAULTS = {
    **{f"torch.nn.functional.conv{n}d": {"padding": "same"} for n in (1, 2, 3)},
    **{f"torch.nn.Conv{n}d": {"padding": "same"} for n in (1, 2, 3)},
    **{f"tf.nn.conv{n}d": {"padding": "SAME"} for n in (1, 2, 3)},
    "jax.lax.conv_general_dilated": {"padding": "SAME"},
    "jax.lax.conv": {"padding": "SAME"},
}


@dataclass
class Row:
    """One function's result on the comparison input."""

    name: str
    values: np.ndarray | None
    op: str = ""
    camp: str = ""
    border: str = ""
    group: str = ""
    differs: str = ""
    check: str = ""
    note: str = ""


def _options(conv: Convention) -> dict:
    return {**dict(conv.defaults), **DEFAULTS.get(conv.name, {})}


def _fits(conv: Convention, nd: int) -> str | None:
    """Why this function cannot take an input with ``nd`` axes (None when it can)."""
    n = conv.name
    one_d = n.startswith(("numpy.", "jax.numpy.")) or n in ("matlab.conv",)
    if one_d and nd != 1:
        return "1-D only"
    for k in (1, 2, 3):
        if n.endswith(f"{k}d") and not n.endswith("2d") or n.endswith(f"conv{k}d"):
            if n.endswith(f"{k}d") and k != nd and "signal" not in n:
                return f"{k}-D only"
    if n.endswith(("convolve2d", "correlate2d", "filter2D", "sepFilter2D", "conv2", "filter2",
                   "xcorr2")) and nd != 2:
        return "2-D only"
    return None


def _camp(recipe, x_shape, h_shape) -> str:
    if recipe is None:
        return "-"
    camps = []
    for (pe, qe), n, m, s, d in zip(recipe.pads, x_shape, h_shape, recipe.strides(),
                                    recipe.dilations()):
        p, q = evaluate(pe, N=n, M=m, s=s, d=d), evaluate(qe, N=n, M=m, s=s, d=d)
        if m == 1 and p == q == 0:
            continue  # a length-1 axis (a 1-D input given as one row) says nothing
        if p == q == d * (m - 1):
            camps.append("full")
        elif p == q == 0:
            camps.append("valid")
        elif m % 2 and p == q:
            camps.append("odd")
        elif p == m // 2 and p + q == m - 1:
            camps.append("E")
        elif p == (m - 1) // 2 and p + q == m - 1:
            camps.append("L")
        else:
            camps.append(f"pad {p},{q}")
    return "/".join(dict.fromkeys(camps)) or "odd"


def _describe(row: Row, ref: Row, exact: np.ndarray | None) -> str:
    if row.values is None:
        return ""
    parts = []
    if row.op != ref.op:
        parts.append("flip (correlation)" if row.op == "corr" else "flip (convolution)")
    if row.camp != ref.camp and {row.camp, ref.camp} <= {"E", "L"}:
        parts.append(f"shift of one (camp {row.camp})")
    elif row.camp != ref.camp and row.camp not in ("odd",):
        parts.append(f"window {row.camp}")
    if row.border != ref.border:
        parts.append(f"border {row.border}")
    if exact is not None and not np.allclose(np.asarray(row.values, dtype=exact.dtype), exact,
                                             rtol=1e-6):
        parts.append(f"dtype rule ({row.values.dtype})")
    return ", ".join(parts) if parts else "agrees"


def compare(x=None, h=None, names=None, check: bool = False) -> list[Row]:
    """Run every (or the named) catalogue function on ``x`` and ``h``.

    Defaults: ``x = [1, 2, 3, 4, 5]``, ``h = [1, 10]`` (the even-kernel
    example of the conventions table).  Returns one :class:`Row` each.

    >>> rows = {r.name: r for r in compare()}
    >>> rows["scipy.signal.correlate"].values.tolist(), rows["scipy.signal.correlate"].differs
    ([10, 21, 32, 43, 54], 'flip (correlation)')
    >>> rows["scipy.signal.correlate2d"].values.tolist()
    [[21, 32, 43, 54, 5]]
    """
    x = np.arange(1, 6) if x is None else np.asarray(x)
    h = np.array([1, 10]) if h is None else np.asarray(h)
    if x.ndim != h.ndim:
        raise ArgumentError(f"the image has {x.ndim} axes and the kernel {h.ndim}: give both "
                            "the same number")
    chosen = CATALOGUE if not names else [
        c for c in CATALOGUE
        if any(n.lower() in k.lower() for n in names for k in (c.name, *c.aliases))]
    if not chosen:
        raise ArgumentError(f"no catalogue function matches {names!r}")
    rows, row_opts = [], {}
    for conv in chosen:
        nd_needed = 2 if conv.name.endswith(("2d", "2D", "conv2", "filter2", "xcorr2")) \
            and x.ndim == 1 else x.ndim
        xx, hh = (x[None], h[None]) if nd_needed != x.ndim else (x, h)
        why = _fits(conv, xx.ndim)
        if why:
            rows.append(Row(conv.name, None, note=why))
            continue
        opts = _options(conv)
        note = ""
        if conv.library == "cv2" and xx.dtype not in (np.uint8, np.uint16, np.int16,
                                                      np.float32, np.float64):
            xx, hh, note = xx.astype(np.float64), hh.astype(np.float64), "float64 input"
        row_opts[conv.name] = opts
        try:
            out = plane_call(conv.name, xx, hh, **opts)
        except (KernelflipError, NoEquivalent) as exc:
            rows.append(Row(conv.name, None, note=str(exc).split(" (")[0]))
            continue
        r = out.recipe
        row = Row(conv.name, out.values, op=r.op if r else conv.op,
                  camp=_camp(r, out.x_shape, out.h_shape),
                  border=(r.boundary if r else "constant"), note=note)
        if check:
            row.check = _check(conv.name, xx, hh, opts, out.values)
        rows.append(row)
    ref = reference(rows)
    groups: list[tuple[np.ndarray, str]] = []
    for row in rows:
        if row.values is None:
            continue
        v = np.asarray(row.values)
        for gv, letter in groups:
            if gv.shape == v.ravel().shape and np.allclose(gv, v.ravel().astype(np.complex128)):
                row.group = letter
                break
        else:
            row.group = chr(ord("A") + len(groups)) if len(groups) < 26 else "?"
            groups.append((v.ravel().astype(np.complex128), row.group))
        exact = None
        try:  # the same call on float64 data: the exact sums, before any dtype rule
            xf, hf = (xx.astype(np.complex128 if xx.dtype.kind == "c" else np.float64)
                      for xx in ((x, h) if x.ndim == v.ndim else (x[None], h[None])))
            r = plane_call(row.name, xf, hf, **row_opts[row.name]).values
            if r.shape == v.shape:
                exact = r.astype(np.complex128 if r.dtype.kind == "c" else np.float64)
        except KernelflipError:
            exact = None
        row.differs = _describe(row, ref, exact) if ref is not None else ""
        if row.note:
            row.differs += f" [{row.note}]"
    return rows


def reference(rows: list[Row]) -> Row | None:
    """The row the others are described against: scipy.signal.convolve, else the first."""
    ref = next((r for r in rows if r.name == REFERENCE and r.values is not None), None)
    return ref or next((r for r in rows if r.values is not None), None)


def run_library(name: str, x: np.ndarray, h: np.ndarray, **options) -> np.ndarray:
    """Call the installed library function itself on one plane (ImportError if missing)."""
    lib = name.split(".")[0]
    mod = {"numpy": "numpy", "scipy": "scipy", "cv2": "cv2", "torch": "torch", "jax": "jax",
           "tf": "tensorflow", "matlab": None}[lib]
    if mod is None or importlib.util.find_spec(mod) is None:
        raise ImportError(f"{lib} is not installed")
    opts = dict(options)
    if lib in ("numpy", "scipy") or name.startswith(("jax.numpy", "jax.scipy")):
        module, fn = name.rsplit(".", 1)
        f = getattr(importlib.import_module(module), fn)
        return np.asarray(f(x, h, **opts))
    if lib == "cv2":
        import cv2

        if name == "cv2.sepFilter2D":
            kx, ky = (h[0], np.ones(1)) if h.shape[0] == 1 else (np.ones(1), h[:, 0])
            return cv2.sepFilter2D(x, opts.pop("ddepth", -1), kx.astype(np.float64),
                                   ky.astype(np.float64), **opts)
        return cv2.filter2D(x, opts.pop("ddepth", -1), h.astype(np.float64), **opts)
    if lib == "torch":
        import torch

        xt = torch.from_numpy(np.ascontiguousarray(x))[None, None]
        ht = torch.from_numpy(np.ascontiguousarray(h))[None, None]
        if ".nn.Conv" in name:
            if not ht.is_floating_point():
                raise ImportError("torch.nn layers hold float weights; not run on integers")
            layer = getattr(torch.nn, name.rsplit(".", 1)[1])(1, 1, h.shape, bias=False,
                                                               dtype=ht.dtype, **opts)
            with torch.no_grad():
                layer.weight.copy_(ht)
                return layer(xt)[0, 0].detach().numpy()
        import torch.nn.functional as F

        return getattr(F, name.rsplit(".", 1)[1])(xt, ht, **opts)[0, 0].numpy()
    if name.startswith("jax.lax"):
        from jax import lax

        opts.setdefault("window_strides", (1,) * x.ndim)
        opts.setdefault("padding", "VALID")
        f = getattr(lax, name.rsplit(".", 1)[1])
        return np.asarray(f(x[None, None], h[None, None], **opts))[0, 0]
    raise ImportError(f"{name} is not run here")


def _check(name, x, h, opts, got) -> str:
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = run_library(name, x, h, **opts)
    except ImportError as exc:
        return "docs only" if name.startswith(("matlab.", "tf.")) else f"not run: {exc}"
    except Exception as exc:  # the library refused the call: report it, do not hide it
        return f"library error: {type(exc).__name__}"
    if want.shape != got.shape:
        return f"MISMATCH shape {want.shape} vs {got.shape}"
    if want.dtype != got.dtype:
        return f"MISMATCH dtype {want.dtype} vs {got.dtype}"
    same = np.array_equal(want, got) if want.dtype.kind in "biu" else np.allclose(
        want, got, rtol=1e-5, atol=1e-6 * max(1.0, float(np.max(np.abs(want), initial=0))))
    return "ok" if same else "MISMATCH values"


def format_table(rows: list[Row], check: bool = False) -> str:
    """A plain-text table of :func:`compare`'s rows."""
    def show(v):
        if v is None:
            return "-"
        a = np.asarray(v)
        text = np.array2string(a.squeeze() if a.size > 1 else a.ravel(), separator=" ",
                               threshold=12, max_line_width=10_000).replace("\n", "")
        return text if len(text) <= 40 else text[:37] + "..."

    ref = reference(rows)
    head = ["function", "group", "op", "even M", "border", "output",
            "vs " + (ref.name if ref else REFERENCE)]
    if check:
        head.append("library")
    lines = []
    for r in rows:
        if r.values is None:
            cells = [r.name, "", "", "", "", "-", r.note]
        else:
            cells = [r.name, r.group, r.op, r.camp, r.border, show(r.values) + f" {r.values.dtype}",
                     r.differs]
        if check:
            cells.append(r.check)
        lines.append(cells)
    widths = [max(len(str(c[i])) for c in [head, *lines]) for i in range(len(head))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*head), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*c).rstrip() for c in lines]
    return "\n".join(out)
