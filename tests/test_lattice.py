import numpy as np
import pytest

import kernelflip as kf


def test_centered_odd_and_even_ranges():
    assert kf.centered(np.zeros(7)).ranges() == (range(-3, 4),)
    assert kf.centered(np.zeros(4)).ranges() == (range(-2, 2),)
    a = kf.centered(np.zeros((7, 4)))
    assert a.start == (-3, -2) and a.stop == (4, 2) and a.last == (3, 1)


def test_at_reads_by_signed_index():
    a = kf.centered(np.arange(49).reshape(7, 7))
    assert a.at[0, 0] == 24  # the centre
    assert a.at[-3, -3] == 0 and a.at[3, 3] == 48
    assert a.at[1, -1] == 24 + 7 - 1
    np.testing.assert_array_equal(a.indices(1), np.arange(-3, 4))
    np.testing.assert_array_equal(np.asarray(a), np.arange(49).reshape(7, 7))


def test_at_slices_keep_the_lattice():
    a = kf.indexed(np.arange(10), start=-4)
    s = a.at[-2:3]
    assert s.start == (-2,) and s.values.tolist() == [2, 3, 4, 5, 6]
    b = kf.indexed(np.arange(5), start=-4, step=2)  # indices -4, -2, 0, 2, 4
    s = b.at[-3:3]
    assert s.start == (-2,) and s.step == (2,) and s.values.tolist() == [1, 2, 3]


def test_at_write():
    a = kf.centered(np.zeros((3, 3), dtype=int))
    a.at[1, -1] = 5
    assert a.values[2, 0] == 5


@pytest.mark.parametrize("key, match", [
    ((4, 0), r"index 4 is outside axis 0, whose indices are -3\.\.3"),
    ((0, -4), r"index -4 is outside axis 1, whose indices are -3\.\.3"),
    ((0,), r"has 1 entries but the array has 2 axes"),
    ((0.5, 0), r"axis 0 needs an int"),
])
def test_at_out_of_range_names_the_range(key, match):
    a = kf.centered(np.zeros((7, 7)))
    with pytest.raises(IndexError, match=match):
        a.at[key]


def test_strided_lattice_rejects_off_lattice_index():
    b = kf.indexed(np.arange(3), start=0, step=2)
    assert b.at[4] == 2
    with pytest.raises(IndexError, match=r"0\.\.4 step 2"):
        b.at[1]


def test_repr_shows_ranges():
    r = repr(kf.centered(np.zeros((3, 4))))
    assert r.startswith("Indexed([-1..1, -2..1]")


@pytest.mark.parametrize("start, match", [
    ((1,), r"start=\(1,\) has 1 entries but the array has 2 axes"),
    ("ab", r"every entry must be an int"),
    (1.5, r"give an int or one int per axis"),
])
def test_indexed_bad_start(start, match):
    with pytest.raises(kf.KernelflipError, match=match):
        kf.indexed(np.zeros((2, 2)), start=start)


def test_indexed_bad_step():
    with pytest.raises(ValueError, match=r"step=0 is not accepted: every entry must be >= 1"):
        kf.indexed(np.zeros(3), step=0)
