import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kernelflip as kf
from kernelflip.plan import extend_positions


def test_article_convolution_terms():
    p = kf.make_plan("conv", (7, 7), (3, 3), mode="same")
    t = list(p.terms((1, 1)))
    assert [pr.image for pr in t] == [(i, j) for i in range(3) for j in range(3)]
    # h[1-i, 1-j]: the kernel is read flipped
    assert [pr.kernel for pr in t] == [(1 - i, 1 - j) for i in range(3) for j in range(3)]
    assert all(pr.in_kernel and pr.in_image and pr.source == pr.image for pr in t)


def test_article_correlation_reads_the_same_patch_unflipped():
    art = kf.make_plan("corr", (7, 7), (3, 3), convention="article", mode="same")
    t = list(art.terms((-1, -1)))
    assert [pr.image for pr in t] == [(i, j) for i in range(3) for j in range(3)]
    assert [pr.kernel for pr in t] == [(-1 + i, -1 + j) for i in range(3) for j in range(3)]
    std = kf.make_plan("corr", (7, 7), (3, 3), mode="same")
    assert [pr.kernel for pr in std.terms((1, 1))] == [pr.kernel for pr in t]


def test_outside_terms_are_marked():
    p = kf.make_plan("conv", (7, 7), (3, 3), mode="same")
    t = p.terms((1, 1), outside=1)
    inside = [pr for pr in t if pr.in_kernel]
    outside = [pr for pr in t if not pr.in_kernel]
    assert len(inside) == 9 and len(outside) == 25 - 9
    assert all(pr.tap is None for pr in outside)
    assert (3, 3) in [pr.image for pr in outside]
    assert [pr.kernel for pr in outside if pr.image == (3, 3)] == [(-2, -2)]


def test_boundary_sources():
    p = kf.make_plan("corr", (5,), (3,), mode="same", boundary="reflect")
    t = list(p.terms((2,)))  # reads image indices 1, 2, 3; 3 lies beyond 2 -> reflects to 1
    assert [pr.image for pr in t] == [(1,), (2,), (3,)]
    assert [pr.source for pr in t] == [(1,), (2,), (1,)]
    assert [pr.in_image for pr in t] == [True, True, False]
    c = kf.make_plan("corr", (5,), (3,), mode="same")
    assert [pr.source for pr in c.terms((2,))][-1] is None


def test_one_output_of_a_huge_plan_is_instant():
    t0 = time.perf_counter()
    p = kf.make_plan("conv", (4096, 4096), (63, 63), mode="same")
    terms = p.terms((100, -2000))
    elapsed = time.perf_counter() - t0
    assert len(terms) == 63 * 63
    assert elapsed < 5  # a generous sanity bound: O(kernel), not O(image x kernel)


@pytest.mark.parametrize("at, match", [
    ((4, 0), r"output index 4 is outside axis 0, whose indices in mode='same' are -3\.\.3"),
    ((0,), r"at=\(0,\) has 1 entries but the operation has 2 axes"),
])
def test_bad_output_index(at, match):
    p = kf.make_plan("conv", (7, 7), (3, 3), mode="same")
    with pytest.raises(IndexError, match=match):
        p.terms(at)


def test_strided_output_index_must_be_on_the_lattice():
    p = kf.make_plan("conv", (9,), (3,), mode="same", stride=2)
    assert p.out_ranges() == (range(-4, 5, 2),)
    with pytest.raises(IndexError, match=r"in steps of 2"):
        p.terms((1,))


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 7), st.integers(1, 5), st.sampled_from(["conv", "corr"]),
       st.sampled_from(["standard", "article"]), st.integers(1, 3), st.integers(0, 2**31 - 1))
def test_terms_reproduce_the_operation(n, m, op, convention, dilation, seed):
    """Summing the plan's terms by hand gives the operation's value at every output."""
    rng = np.random.default_rng(seed)
    x, h = rng.integers(-5, 6, n), rng.integers(-5, 6, m)
    f = kf.convolve if op == "conv" else (
        lambda a, b, **k: kf.correlate(a, b, convention=convention, **k))
    y = f(x, h, dilation=dilation, boundary="wrap")
    plan = kf.make_plan(op, (n,), (m,), convention=convention, dilation=dilation, boundary="wrap")
    xi, hi = kf.centered(x), kf.centered(h)
    for (mm,) in zip(*[r for r in plan.out_ranges()]):
        total = sum(int(xi.at[pr.source]) * int(hi.at[pr.tap]) for pr in plan.terms((mm,)))
        assert total == y.at[mm]


@pytest.mark.parametrize("boundary", ["symmetric", "reflect", "edge", "wrap"])
@pytest.mark.parametrize("n", [1, 2, 5])
def test_extend_positions_matches_numpy_pad(boundary, n):
    pad = 13
    x = np.arange(n)
    expected = np.pad(x, pad, mode=boundary)
    np.testing.assert_array_equal(extend_positions(np.arange(-pad, n + pad), n, boundary), expected)
