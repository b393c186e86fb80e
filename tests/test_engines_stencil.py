"""The stencil engine (unrolled loops for small 2-D kernels) against direct sums."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kernelflip as kf
from kernelflip.engines import ENGINES, stencil
from kernelflip.ops import _prepare

pytestmark = pytest.mark.skipif(not stencil.available(), reason="numba is not installed")

BOUNDARIES = ["constant", "symmetric", "reflect", "edge", "wrap"]


@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("mode", ["full", "same", "valid", ((-40, 3), (5, 30))])
@pytest.mark.parametrize("kshape", [(3, 3), (5, 5), (1, 7), (4, 2), (7, 7), (4, 12)])
def test_stencil_matches_direct_sums(boundary, mode, kshape):
    rng = np.random.default_rng(sum(kshape) + len(boundary))
    x = rng.standard_normal((45, 38))
    h = rng.standard_normal(kshape)
    cval = -1.5 if boundary == "constant" else 0
    for fn in (kf.convolve, kf.correlate):
        y = fn(x, h, mode=mode, boundary=boundary, cval=cval, method="stencil")
        ref = fn(x, h, mode=mode, boundary=boundary, cval=cval, method="direct")
        assert y.start == ref.start and y.shape == ref.shape
        np.testing.assert_allclose(y.values, ref.values, rtol=1e-13, atol=1e-12)


def test_stencil_integers_are_exact_and_float32_stays_float32():
    rng = np.random.default_rng(3)
    x = rng.integers(-2**40, 2**40, (30, 41))
    h = rng.integers(-100, 100, (3, 5))
    y = kf.convolve(x, h, mode="same", boundary="reflect", method="stencil")
    assert y.values.dtype == np.int64
    np.testing.assert_array_equal(y.values, kf.convolve(x, h, mode="same", boundary="reflect",
                                                        method="reference").values)
    xf = rng.standard_normal((50, 60)).astype(np.float32)
    hf = rng.standard_normal((5, 5)).astype(np.float32)
    z = kf.correlate(xf, hf, mode="same", method="stencil")
    assert z.values.dtype == np.float32
    ref = kf.correlate(xf.astype(np.float64), hf.astype(np.float64), mode="same").values
    assert np.abs(z.values - ref).max() < 1e-5 * np.abs(ref).max()


@pytest.mark.parametrize("boundary", ["constant", "edge"])
def test_stencil_two_threads_on_large_images(boundary):
    # above PARALLEL_ABOVE outputs the rows go to two threads in chunks
    rng = np.random.default_rng(4)
    x = rng.standard_normal((700, 420))
    h = rng.standard_normal((5, 3))
    assert x.size > stencil.PARALLEL_ABOVE
    y = kf.convolve(x, h, mode="same", boundary=boundary, method="stencil")
    ref = kf.convolve(x, h, mode="same", boundary=boundary, method="compiled"
                      if ENGINES["compiled"].available() else "direct")
    np.testing.assert_allclose(y.values, ref.values, rtol=1e-13, atol=1e-12)


def test_stencil_keeps_nan_where_direct_summation_puts_it():
    x = np.ones((20, 20))
    x[5, 7] = np.nan
    y = kf.convolve(x, np.ones((3, 3)), mode="same", method="stencil").values
    assert np.isnan(y).sum() == 9 and np.isnan(y[4:7, 6:9]).all()


def test_stencil_refusals_and_its_generated_loops(tmp_path):
    x = np.ones((10, 10))
    for h, kw, why in [(np.ones((16, 16)), {}, "256 taps"), (np.ones((1, 31)), {}, "width 31"),
                       (np.ones((3, 3)), {"stride": 2}, "stride"),
                       (np.ones((3, 3)), {"dilation": 2}, "dilation")]:
        _, p = _prepare("conv", x, h, "same", "constant", 0, kw.get("stride", 1),
                        kw.get("dilation", 1), "standard")
        assert why in ENGINES["stencil"].refuses(p)
    _, p = _prepare("conv", np.ones(10), np.ones(3), "same", "constant", 0, 1, 1, "standard")
    assert ENGINES["stencil"].refuses(p) is None  # 1-D: one row of the 2-D loops
    for h, kw, why in [(np.ones(31), {}, "width 31"), (np.ones(3), {"stride": 2}, "stride")]:
        _, p = _prepare("conv", np.ones(40), h, "same", "constant", 0, kw.get("stride", 1), 1,
                        "standard")
        assert why in ENGINES["stencil"].refuses(p)
    _, p = _prepare("conv", np.ones((4, 4, 4)), np.ones((2, 2, 2)), "same", "constant", 0, 1,
                    1, "standard")
    assert "1-D (one row) and 2-D" in ENGINES["stencil"].refuses(p)
    src = stencil.source(2, 3)
    assert "w1_2 * r1[j + 2]" in src and "for j in range(jhi - jlo)" in src
    kf.convolve(x, np.ones((2, 3)), method="stencil")
    names = os.listdir(stencil.cache_dir())
    assert any(n.startswith("kernelflip_stencil_2x3_") and n.endswith(".py") for n in names)


def test_cache_dir_follows_the_environment_and_falls_back_when_read_only(tmp_path, monkeypatch):
    monkeypatch.setenv("KERNELFLIP_CACHE", str(tmp_path / "kf"))
    assert stencil.cache_dir() == str(tmp_path / "kf") and (tmp_path / "kf").is_dir()
    # a directory this user cannot write to (faked: the tests may run as root)
    monkeypatch.setattr(stencil.os, "access", lambda path, mode: False)
    assert stencil.cache_dir() == stencil.tempfile.gettempdir()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kshape=st.sampled_from([(3, 3), (5, 5), (7, 7), (2, 6), (6, 1), (4, 12),
                               (11, 11), (8, 8), (3, 30)]),  # the last three in runs
       xshape=st.tuples(st.integers(1, 40), st.integers(1, 70)),
       big=st.booleans(), mode=st.sampled_from(["full", "same", "valid"]),
       boundary=st.sampled_from(BOUNDARIES), op=st.sampled_from(["conv", "corr"]),
       seed=st.integers(0, 2**16))
def test_stencil_agrees_with_direct_sums_on_any_image(kshape, xshape, big, mode, boundary, op,
                                                      seed):
    # any image size (narrower than the kernel, odd and even row counts), two threads
    # on the big ones
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((530, 500) if big else xshape)
    h = rng.standard_normal(kshape)
    if mode == "valid" and any(n < m for n, m in zip(x.shape, kshape)):
        mode = "full"
    cval = 0.75 if boundary == "constant" else 0
    _, p = _prepare(op, x, h, mode, boundary, cval, 1, 1, "standard")
    assert not ENGINES["stencil"].refuses(p)
    if big and np.prod(p.out_shape) > stencil.PARALLEL_ABOVE:
        assert stencil.threaded(p)
    if not big:  # fewer than 64 output rows
        assert not stencil.threaded(p)
    np.testing.assert_allclose(ENGINES["stencil"].run(p), ENGINES["direct"].run(p),
                               rtol=1e-12, atol=1e-12 * np.abs(x).max() * np.abs(h).sum())


def test_two_threads_take_the_rows_where_the_work_pays_for_the_hand_over():
    # above PARALLEL_ABOVE outputs, or with 25 taps or more above PARALLEL_WORK_BYTES
    # output bytes x taps (so float64 goes on two threads at half float32's size)
    def threaded(n, k, dtype):
        x = np.zeros((n, n), dtype)
        _, p = _prepare("corr", x, np.ones((k, k), dtype), "same", "constant", 0, 1, 1,
                        "standard")
        return stencil.threaded(p)

    assert threaded(513, 3, np.float32)  # outputs above PARALLEL_ABOVE
    assert not threaded(512, 3, np.float64)  # 9 taps: by outputs only
    assert threaded(512, 5, np.float32) and threaded(512, 5, np.float64)
    assert threaded(256, 7, np.float64) and not threaded(256, 7, np.float32)
    assert not threaded(256, 5, np.float64) and not threaded(128, 11, np.float32)
    assert not threaded(63, 15, np.float64)  # fewer than 64 output rows


@pytest.mark.parametrize("kshape", [(11, 11), (8, 8), (3, 30), (25, 3)])
def test_tall_kernels_in_runs_keep_nan_and_inf_where_direct_summation_puts_them(kshape):
    # the runs' loops add each run into a zeroed block: a zero tap against inf must
    # still give NaN, and a short last block (rows of cval past the end) must not leak
    m0, m1 = kshape
    assert stencil.tall(m0, m1)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((41, 67))
    x[3, 5], x[40, 66], x[20, 0] = np.inf, -np.inf, np.nan
    h = rng.standard_normal(kshape)
    h[0, 0] = h[-1, -1] = 0.0
    for mode in ("same", "full", "valid"):
        with np.errstate(invalid="ignore"):
            y = kf.correlate(x, h, mode=mode, method="stencil").values
            ref = kf.correlate(x, h, mode=mode, method="direct").values
        np.testing.assert_array_equal(np.isnan(y), np.isnan(ref))
        np.testing.assert_array_equal(y[np.isinf(ref)], ref[np.isinf(ref)])
        fin = np.isfinite(ref)
        np.testing.assert_allclose(y[fin], ref[fin], rtol=1e-12, atol=1e-12)


def test_tall_kernels_run_in_runs_of_rows_whose_loads_fit():
    k = stencil.BLOCK_ROWS
    for m0, m1 in [(11, 11), (15, 15), (9, 9), (4, 30), (13, 7), (25, 9), (200, 1), (60, 2)]:
        assert stencil.tall(m0, m1) and (m0 + 1) * m1 > stencil.MAX_LOADS
        b = stencil.run_rows(m0, m1)
        assert 1 <= b <= min(m0, stencil.BLOCK_RUN) and (k + b - 1) * m1 <= stencil.BLOCK_LOADS
        # the longest run that fits, or one at least half as long with less code
        most = max(b2 for b2 in range(1, min(m0, stencil.BLOCK_RUN) + 1)
                   if (k + b2 - 1) * m1 <= stencil.BLOCK_LOADS)
        assert b == m0 or 2 * b > most and b + m0 % b <= most + m0 % most
    assert stencil.run_rows(7, 7) == 7 and stencil.run_rows(5, 9) == 5
    assert not stencil.tall(7, 7) and not stencil.tall(5, 9)
    # runs of 4 and a run of 3 rows of 11 taps: each forms the block's k rows
    src = stencil.runs_source(4, 3, 11)
    assert "for a0 in range(0, m0 - 3, 4):" in src and "w[m0 - 3 + 2, 10]" in src
    assert f"r{k + 2}[j + 10]" in src  # k + 4 - 1 image rows, r0 .. r{k + 2}, for runs of 4
    assert f"r{k + 3}[" not in src


# each shape and dtype compiles a loop of several hundred multiply-adds: few of them
@pytest.mark.parametrize("dtype, kshape", [("float64", (11, 11)), ("float64", (25, 3)),
                                           ("float32", (6, 10)), ("int64", (25, 3))])
def test_tall_kernels_in_blocks_of_rows_match_direct_sums(dtype, kshape):
    # blocks of BLOCK_ROWS rows and BLOCK_COLS columns: row counts that leave a
    # short last block, on one and two threads, widths across a column block; 25x3
    # goes in runs of 8, 8, 8 and 1 rows
    rng = np.random.default_rng(sum(kshape))
    for shape in ((29, stencil.BLOCK_COLS + 45), (301, 700)):
        if dtype == "int64":
            x = rng.integers(-1000, 1000, shape)
            h = rng.integers(-50, 50, kshape)
        else:
            x = rng.standard_normal(shape).astype(dtype)
            h = rng.standard_normal(kshape).astype(dtype)
        for mode, boundary in (("same", "reflect"), ("valid", "constant"), ("full", "wrap")):
            _, p = _prepare("corr", x, h, mode, boundary, 0, 1, 1, "standard")
            assert stencil.tall(*p.w.shape)
            assert stencil.run_rows(*kshape) == {(25, 3): 8}.get(kshape, kshape[0])
            if shape[0] > 300:
                assert stencil.threaded(p)
            y, ref = ENGINES["stencil"].run(p), ENGINES["direct"].run(p)
            if dtype == "int64":
                np.testing.assert_array_equal(y, ref)
            else:
                tol = 1e-12 if dtype == "float64" else 2e-5
                np.testing.assert_allclose(y, ref, rtol=tol,
                                           atol=tol * np.abs(x).max() * np.abs(h).sum())


# 1-D signals: one row of the 2-D loops (stencil.as_row), in column chunks on two
# threads above stencil.PARALLEL_ABOVE outputs.  Few kernel lengths: each compiles a loop.
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.sampled_from([1, 2, 9, 40, 301, (1 << 18) + 5]), m=st.sampled_from([1, 3, 6]),
       mode=st.sampled_from(["full", "same", "valid", ((-50, 12),)]),
       boundary=st.sampled_from(BOUNDARIES), op=st.sampled_from(["conv", "corr", "article"]),
       dtype=st.sampled_from(["float64", "float32", "int64"]), seed=st.integers(0, 99))
def test_stencil_1d_matches_direct_sums(n, m, mode, boundary, op, dtype, seed):
    rng = np.random.default_rng(seed)
    if mode == "valid" and m > n:
        mode = "same"
    if dtype == "int64":
        x, h = rng.integers(-2**30, 2**30, n), rng.integers(-99, 99, m)
    else:
        x, h = rng.standard_normal(n).astype(dtype), rng.standard_normal(m).astype(dtype)
    kw = dict(mode=mode, boundary=boundary, cval=3 if boundary == "constant" else 0)
    if op == "conv":
        y, ref = (kf.convolve(x, h, method=me, **kw) for me in ("stencil", "direct"))
    else:
        conv = "article" if op == "article" else "standard"
        y, ref = (kf.correlate(x, h, method=me, convention=conv, **kw)
                  for me in ("stencil", "direct"))
    assert y.start == ref.start and y.values.dtype == ref.values.dtype
    if dtype == "int64":
        np.testing.assert_array_equal(y.values, ref.values)  # exact
    else:
        tol = 1e-5 if dtype == "float32" else 1e-12
        np.testing.assert_allclose(y.values, ref.values, rtol=tol, atol=tol * np.abs(x).max())


def test_stencil_1d_chunks_keep_nonfinite_where_the_sum_puts_them():
    n = (1 << 18) + 1000  # two threads, eight column chunks
    x = np.random.default_rng(1).standard_normal(n)
    edges = np.linspace(0, n, stencil.CHUNKS_1D + 1).astype(int)
    for e in edges[1:-1]:  # at every seam between chunks, and at both ends
        x[e - 1], x[e] = np.nan, np.inf
    x[0], x[-1] = -np.inf, np.nan
    h = np.array([0.5, -1.0, 0.0, 2.0, 0.25])
    with np.errstate(invalid="ignore"):
        y = kf.convolve(x, h, mode="full", method="stencil").values
        ref = kf.convolve(x, h, mode="full", method="direct").values
    for test in (np.isnan, np.isposinf, np.isneginf):
        np.testing.assert_array_equal(test(y), test(ref))
    fin = np.isfinite(ref)
    np.testing.assert_allclose(y[fin], ref[fin], rtol=1e-12, atol=1e-12)


def test_auto_sends_long_1d_signals_with_short_kernels_to_the_stencil_loops():
    # measured 2026-11-26 17:10 (choose.STENCIL_ROW): 1e6 float64 k17 0.71 ms against
    # cv2.filter2D's 4.4; 1e5 k17 0.118 against 0.254
    x, h = np.zeros(10**6), np.ones(17)
    c = kf.choose_method(x, h, mode="same")
    assert c.method == "stencil", c
    assert kf.choose_method(x[:10**5], h, mode="same").method == "stencil"
    # 31 taps: wider than the loops take
    assert kf.choose_method(x, np.ones(31), mode="same").method != "stencil"


def test_stencil_1d_memory_stays_within_three_outputs():
    # issue 5's bound for direct paths: extra memory <= 3x the output.  Each column chunk
    # once held a full-length row of cval (8x the output over the eight chunks).
    import tracemalloc

    n = (1 << 20) + 3
    x, h = np.random.default_rng(4).standard_normal(n), np.ones(5)
    kf.convolve(x[:100], h, mode="same", method="stencil")  # loops loaded
    stencil._RUNNERS.clear()
    tracemalloc.start()
    try:
        y = kf.convolve(x, h, mode="same", method="stencil").values
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert y.shape == (n,)
    assert peak <= 3 * y.nbytes, (peak, y.nbytes)


def test_the_blocks_of_tall_kernels_are_vectorised():
    # LLVM vectorises a run's loop only while it can tell its loads and the block's
    # rows apart (BLOCK_LOADS, BLOCK_RUN); a loop it leaves scalar runs 8x slower
    import re

    import llvmlite.binding as ll
    import numba

    if "+fma" not in ll.get_host_cpu_features().flatten().split(","):
        pytest.skip("this CPU has no fused multiply-add")
    m0, m1 = 25, 3  # runs of 8 rows and of 1: both loops (little code: a quick compile)
    b = stencil.run_rows(m0, m1)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((64, 600))
    _, p = _prepare("corr", x, rng.standard_normal((m0, m1)), "same", "constant", 0, 1, 1,
                    "standard")
    # a fresh compilation of the loop's function (one loaded from numba's disk cache
    # keeps no assembly), called as the runner calls it
    loop = numba.njit(nogil=True, fastmath={"contract"}, boundscheck=False)(
        stencil._kernel(m0, m1).py_func)
    rowmap, colmap, jlo, jhi, coff, cval = stencil.layout(p)
    rowmap = np.append(rowmap, np.full(stencil.BLOCK_ROWS - 1, -1, rowmap.dtype))
    out = np.empty(p.out_shape)
    loop(p.x, p.w, out, 0, out.shape[0], rowmap, colmap, jlo, jhi, coff, float(cval),
         np.zeros(x.shape[1]))
    np.testing.assert_allclose(out, ENGINES["direct"].run(p), rtol=1e-12, atol=1e-12)
    asm = "".join(loop.inspect_asm().values())
    packed = len(re.findall(r"vfmadd\d+pd\s[^\n]*[xyz]mm", asm))
    # every multiply-add of both loops (BLOCK_ROWS output rows each) in packed form
    assert packed >= stencil.BLOCK_ROWS * (b + m0 % b) * m1


def test_is_compiled_knows_loops_loaded_here_and_compiled_on_disk(tmp_path, monkeypatch):
    # a kernel shape no other test uses, in an empty cache
    monkeypatch.setenv("KERNELFLIP_CACHE", str(tmp_path))
    monkeypatch.setattr(stencil, "_COMPILED", {})
    key = stencil._loop_spec(2, 19)[0]
    assert key not in stencil._KERNELS
    assert not stencil.is_compiled(2, 19)
    x = np.arange(6 * 40, dtype=np.int64).reshape(6, 40)
    h = np.arange(2 * 19, dtype=np.int64).reshape(2, 19) - 9
    ref = ENGINES["direct"].run(_prepare("corr", x, h, "same", "constant", 0, 1, 1,
                                         "standard")[1])
    np.testing.assert_array_equal(kf.correlate(x, h, mode="same", method="stencil").values,
                                  ref)
    assert stencil.is_compiled(2, 19)  # loaded in this process
    # a new process would find numba's index of it on disk
    monkeypatch.delitem(stencil._KERNELS, key)
    monkeypatch.setattr(stencil, "_COMPILED", {})
    assert stencil.is_compiled(2, 19)
    assert list(tmp_path.glob("__pycache__/kernelflip_stencil_2x19_*.run-*.nbi"))


@pytest.mark.parametrize("compiled", [False, True])
def test_integer_requests_wait_for_a_stencil_loop_only_where_its_compile_pays(compiled,
                                                                             monkeypatch):
    from kernelflip.engines import choose

    monkeypatch.setattr(stencil, "is_compiled", lambda m0, m1: compiled)
    monkeypatch.setattr(choose, "_COLD", {})
    rng = np.random.default_rng(3)
    small, big = rng.integers(-9, 9, (40, 50)), np.zeros((2048, 2048), np.int64)
    h = rng.integers(-3, 4, (5, 6))
    _, p = _prepare("corr", small, h, "same", "constant", 0, 1, 1, "standard")
    est = choose.estimate(p)
    # on this request the stencil's estimated saving is microseconds: a compile of
    # seconds would not pay within COLD_CALLS calls
    assert min(est, key=est.get) == "stencil"
    assert (sorted(est.values())[1] - est["stencil"]) * choose.COLD_CALLS < choose.COLD_LOOP_NS
    c = kf.choose_method(small, h, mode="same", op="corr")
    assert choose.pick(p) == c.method == ("stencil" if compiled else "compiled"), c
    assert ("not compiled on this machine yet" in c.reason) != compiled
    np.testing.assert_array_equal(kf.correlate(small, h, mode="same").values,
                                  ENGINES["direct"].run(p))
    # a large request pays for the compile at once
    assert kf.choose_method(big, h, mode="same").method == "stencil"
    # float requests are not affected (their engines differ in rounding): the same
    # pick whether the loop is compiled or not
    _, pf = _prepare("corr", small.astype(np.float64), h.astype(np.float64), "same",
                     "constant", 0, 1, 1, "standard")
    picks = set()
    for state in (False, True):
        monkeypatch.setattr(stencil, "is_compiled", lambda m0, m1, state=state: state)
        monkeypatch.setattr(choose, "_ESTIMATES", {})
        picks.add(choose.pick(pf))
    assert len(picks) == 1, picks
