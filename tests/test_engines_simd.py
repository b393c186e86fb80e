"""The ``wide()`` marker of the generated numba loops (engines/_simd.py)."""

import numpy as np
import pytest

numba = pytest.importorskip("numba")

from kernelflip.engines import _simd  # noqa: E402
from kernelflip.engines._simd import wide  # noqa: E402


def _loops():
    @numba.njit(fastmath={"contract"}, boundscheck=False)
    def marked(x, w, o):
        wide()
        w0, w1, w2 = w[0], w[1], w[2]
        for j in range(o.shape[0]):
            o[j] = w0 * x[j] + w1 * x[j + 1] + w2 * x[j + 2]

    @numba.njit(fastmath={"contract"}, boundscheck=False)
    def plain(x, w, o):
        w0, w1, w2 = w[0], w[1], w[2]
        for j in range(o.shape[0]):
            o[j] = w0 * x[j] + w1 * x[j + 1] + w2 * x[j + 2]

    return marked, plain


def test_wide_marks_only_the_calling_function_and_leaves_results_alone():
    marked, plain = _loops()
    x = np.arange(1000, dtype=np.float32) / 7
    w = np.array([0.5, -2.0, 0.25], dtype=np.float32)
    a, b = np.empty(998, np.float32), np.empty(998, np.float32)
    marked(x, w, a)
    plain(x, w, b)
    # hand-derived: o[j] = 0.5 x[j] - 2 x[j+1] + 0.25 x[j+2] = (-1.25 j - 1.5) / 7
    j = np.arange(998)
    np.testing.assert_allclose(a, (-1.25 * j - 1.5) / 7, rtol=1e-5, atol=1e-4)
    np.testing.assert_array_equal(a, b)
    ir_marked = marked.inspect_llvm(marked.signatures[0])
    ir_plain = plain.inspect_llvm(plain.signatures[0])
    for attr in _simd.ATTRIBUTES:
        assert attr in ir_marked
        assert attr not in ir_plain


def test_wide_uses_512_bit_registers_where_the_cpu_has_them():
    import llvmlite.binding as ll

    if "+avx512f" not in ll.get_host_cpu_features().flatten().split(","):
        pytest.skip("this CPU has no AVX-512")
    marked, _ = _loops()
    x = np.ones(4096, np.float32)
    marked(x, np.ones(3, np.float32), np.empty(4094, np.float32))
    assert "zmm" in marked.inspect_asm(marked.signatures[0])


def test_generated_loops_carry_the_marker():
    from kernelflip.engines import passes, stencil, volume

    sources = (stencil.source(3, 3), stencil.runs_source(4, 3, 11), volume.source(3, 3, 3),
               passes.source(3, 5, 2))
    for src in sources:
        assert "from kernelflip.engines._simd import wide" in src
        # every jitted function but the edge strips' copy is marked
        jitted = src.count("@numba.njit")
        assert src.count("    wide()") == jitted - src.count("def strip(")


def test_chained_keeps_every_term_once_in_order():
    from kernelflip.engines._simd import chained

    terms = [f"t{i}" for i in range(11)]
    for k in range(1, 14):
        src = chained(terms, k)
        assert [t for t in src.replace("(", " ").replace(")", " ").replace("+", " ").split()] == terms
        # the value is the plain sum (hand-checked with integers: 0 + 1 + ... + 10 = 55)
        assert eval(src, {f"t{i}": i for i in range(11)}) == 55
    assert chained(["a", "b", "c", "d"], 2) == "(a + b) + (c + d)"
    with pytest.raises(ValueError, match="no terms"):
        chained([])


def test_volume_loop_sums_in_partial_chains_and_matches_scipy():
    from scipy import ndimage

    import kernelflip as kf
    from kernelflip.engines import volume

    assert volume.source(3, 3, 3).count("(") > volume.source(1, 1, 1).count("(")
    rng = np.random.default_rng(5)
    x = rng.standard_normal((20, 21, 22)).astype(np.float32)
    w = rng.standard_normal((5, 5, 5)).astype(np.float32)
    got = kf.convolve(x, w, mode="same", method="volume")
    want = ndimage.convolve(x.astype(np.float64), w.astype(np.float64), mode="constant")
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
