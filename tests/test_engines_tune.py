"""The timed trials of method="auto" (engines/tune.py): which engine runs on the
first calls with a request shape, which one is kept, and that every call's
result is right meanwhile."""

import time

import numpy as np
import pytest
import scipy.signal

import kernelflip as kf
from kernelflip import ops
from kernelflip.engines import ENGINES, choose, tune


@pytest.fixture
def trials(monkeypatch):
    """Trials for every request (any two estimates count as close), forgotten after."""
    was = kf.autotune(True)
    tune._forget()
    monkeypatch.setattr(tune, "RATIO", 1e12)
    monkeypatch.setattr(tune, "MIN_NS", 0)
    yield
    tune._forget()
    kf.autotune(was)


def _problem(x, w):
    _, p = ops._prepare("conv", x, w, "same", "constant", 0, 1, 1, "standard")
    return p


def _slowed(monkeypatch, name, seconds, calls):
    """Make engine ``name`` take ``seconds`` longer per call, and log its calls."""
    eng = ENGINES[name]
    run = eng.run

    def slow(p):
        calls.append(name)
        time.sleep(seconds)
        return run(p)

    monkeypatch.setattr(eng, "run", slow)


def test_trial_keeps_the_best_sample_of_each_after_the_first():
    t = tune.Trial(("a", "b"))
    assert t.next() == "a"
    t.record("a", 9.0)  # first calls: not counted
    assert t.next() == "b"
    t.record("b", 9.0)
    for ta, tb in ((3.0, 2.5), (1.0, 2.0), (4.0, 2.2)):
        assert t.winner is None
        t.record(t.next(), ta)
        t.record(t.next(), tb)
    assert t.winner == "a"  # best of 3.0, 1.0, 4.0 against best of 2.5, 2.0, 2.2
    assert t.summary() == "a 1e+03 ms, b 2e+03 ms"
    t.record("b", 0.0)  # decided: later timings change nothing
    assert t.winner == "a"


@pytest.mark.parametrize("b_best, winner", [(0.95, "a"), (0.92, "a"), (0.90, "b"),
                                             (0.5, "b")])
def test_the_runner_up_wins_only_by_the_margin(b_best, winner):
    # the cost model's pick ("a", first) stays unless the runner-up's best sample is
    # MARGIN (1.1) times faster: within that, noise decides
    assert tune.MARGIN == 1.1
    t = tune.Trial(("a", "b"))
    t.record("a", 9.0)  # first calls: not counted
    t.record("b", 9.0)
    for ta, tb in ((1.2, 1.3), (1.0, b_best), (1.1, 1.4)):
        t.record(t.next(), ta)
        t.record(t.next(), tb)
    assert t.winner == winner


@pytest.mark.parametrize("slow", [0, 1])
def test_auto_alternates_then_keeps_the_faster(trials, monkeypatch, slow):
    rng = np.random.default_rng(slow)
    x = rng.standard_normal((96, 96))
    w = rng.standard_normal((5, 5))
    p = _problem(x, w)
    order = [n for n in choose._ranked(p)[1] if n != "separable"]
    a, b = order[0], order[1]
    calls = []
    _slowed(monkeypatch, a, 0.02 if slow == 0 else 0, calls)
    _slowed(monkeypatch, b, 0.02 if slow == 1 else 0, calls)
    want = scipy.signal.convolve(x, w, mode="same")
    for _ in range(2 * (tune.SAMPLES + 1)):
        y = kf.convolve(x, w, mode="same")
        np.testing.assert_allclose(y.values, want, rtol=1e-10, atol=1e-10)
    assert calls == [a, b] * (tune.SAMPLES + 1)
    t = tune.decided(choose.trial_key(p))
    assert t is not None and t.winner == (b if slow == 0 else a)
    c = kf.choose_method(x, w, mode="same")
    assert c.method == t.winner and "measured" in c.reason
    del calls[:]
    for _ in range(3):
        np.testing.assert_allclose(kf.convolve(x, w, mode="same").values, want, rtol=1e-10,
                                   atol=1e-10)
    assert (a if slow == 0 else b) not in calls  # the slowed engine is not called again


def test_off_means_no_trials_and_the_same_bits(trials):
    kf.autotune(False)
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((96, 96)), rng.standard_normal((5, 5))
    ys = [kf.convolve(x, w, mode="same").values for _ in range(2 * (tune.SAMPLES + 1) + 2)]
    assert all(np.array_equal(ys[0], y) for y in ys[1:])
    assert not any(tune.TRIALS.values())
    kf.autotune(True)


def test_a_trial_never_sends_nonfinite_data_to_a_transform(trials, monkeypatch):
    # a trial between the FFT and a direct engine: NaN data must not reach the FFT
    x = np.random.default_rng(2).standard_normal((128, 128))
    x[40, 50] = np.nan
    w = np.random.default_rng(3).standard_normal((31, 31))
    p = _problem(x, w)
    choose.pick(p)
    key = choose.trial_key(p)
    tune.TRIALS[key] = tune.Trial(("fft", "compiled"))
    calls = []
    _slowed(monkeypatch, "fft", 0, calls)
    for _ in range(4):
        y = kf.convolve(x, w, mode="same", method="auto")
        nan = np.isnan(y.values)
        assert nan.sum() == 31 * 31 and nan[40, 50]  # only the outputs that read x[40, 50]
    assert calls == []


def test_the_switch_checks_its_argument():
    with pytest.raises(kf.ArgumentError, match="enabled='yes'"):
        kf.autotune("yes")
