"""The chooser behind ``method="auto"``: correctness first, then a calibrated cost model.

Rules, in order:

1. integer data (exact): only exact engines (compiled, separable with exact
   integer factors, the numpy direct engine);
2. complex data: engines that handle complex (compiled, direct, fft);
3. non-finite values (NaN, inf): never an FFT, overlap-add or -save, OpenCV's DFT
   path (see opencv.OPENCV_DFT_TAPS) or separable passes (inf - inf in the passes
   where direct summation keeps inf), except the passes of one rank-1 term
   whose taps are all non-zero, or that has zero taps and runs as the fused
   loop (:func:`separable._keeps_nonfinite`: they put NaN and inf where the
   direct sum does), and the fused loop of several terms, which looks for
   NaN/inf in what it reads as it goes and then hands the request to
   :func:`nonfinite_fallback` (no separate scan); nor OpenCV's direct sum or
   scipy.ndimage when the kernel has zero taps (both leave them out of their
   sums, where the defining sum's ``0 * inf`` is NaN) -- the finiteness scan
   runs only when the cheapest
   engine is one of those; and a kernel with NaN/inf taps never goes to
   scipy.ndimage, which leaves such taps out of its sums;
4. among the rest, the lowest estimated time (for integer data, the stencil
   loops only where their kernel shape's loop is compiled on this machine
   already, or where its saving pays for the compile: COLD_LOOP_NS); on
   1-D/2-D float data that OpenCV takes, the compiled loops' estimate carries
   a penalty for sharing the machine (COMPILED_SHARED), so OpenCV is
   preferred there; OpenCV's DFT
   path is charged as one transform with the kernel's spectrum kept on images
   of up to opencv.SPECTRAL_MAX pixels (opencv_spectral), for the bands it
   runs in on larger ones (BAND_GAIN);
5. where the two cheapest estimates lie within a factor 1.5 of each other,
   the first calls with that request shape time both engines and keep the
   faster (:mod:`.tune`; off with ``kernelflip.autotune(False)``).

Each estimate is ``constant * feature + per-output + fixed`` (ns), the
feature being the work the engine does (multiply-adds, ``L log2 L`` for
transforms of ``L`` points, ...), with constants fitted by
``bench/calibrate.py`` and from the engines' timings (provenance at COST).
Estimates and rankings are cached per request shape (:func:`pick` is the
hot path of ``method="auto"``: one dict lookup and, only when the cheapest
engine could smear NaN/inf, a finiteness scan).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import stencil, tune
from ._base import ENGINES, Problem
from .ndimage import drops_taps
from .opencv import bands, dft_way, filter_shape, seamless, skips_zero_taps, takes_dft, tile_size

# Refitted on 2026-11-26 (second pass) on the project's 2-core x86-64 dev VM
# (AMD EPYC, 2 MiB L2 per core, 32 MiB L3), numpy 2.4.6, scipy 1.17.1,
# numba 0.68.1 (2 threads), opencv 5.0.0, from best-of-repeats timings of each
# engine's run() on the grid's 2-D cases (128^2..4096^2, kernels 3..63,
# float32/float64: a script like bench/calibrate.py over bench's grid) and on
# 2048^2 Gaussian/LoG kernels for the separable passes.  Load average 1.0-1.4
# during the fit (other engineers' test runs on one core at times; the
# OpenCV/FFT numbers moved by < 20% between quiet and busy repeats, the
# compiled loops by up to 17x, see COMPILED_SHARED).  Least-squares by hand:
#
# * opencv (direct sums): f32 0.022 ns per (span * tap) + 0.4 ns per output
#   (2048^2: k3 2.46 ms, k5 4.36, k11 12.2; 4096^2 k11 49.7); f64 0.085 + 0.6
#   (2048^2: k3 4.9 ms, k5 10.9; 512^2 k3 0.30).
# * opencv_spectral (opencv.spectral: images up to SPECTRAL_MAX pixels on the DFT
#   path, work arrays kept, kernel spectrum cached): ns per unit of
#   opencv.spectral_work (its transforms' points log2(points), per core).  Refitted
#   2026-11-27 against the fft engine in the same run (the VM ran FFTs 1.2-2.7x slower
#   than FFT's constants say that hour; a = spectral's ns per unit over fft's
#   measured/estimated ratio, 'same' with zeros beyond, 128^2..512^2, 13^2..63^2
#   kernels): f32 0.19-0.50, median 0.31; f64 0.34-0.63, median 0.58.
# * opencv_dft: f32 0.5 ns per span log2(span) (0.43-0.77 over 128^2..4096^2;
#   refitted to 0.42 on 2048^2/4096^2 with 31^2 kernels, 42 and 160-170 ms, 06:40),
#   f64 0.6 (0.50-0.78); refitted at 08:15 to 0.44/0.52 on 1024^2 and 2048^2, with
#   OPENCV_DFT_SMALL for smaller images and BAND_GAIN for the row bands.
# * opencv_dft_1d (one row; opencv.dft_units_1d, per core): fitted 2026-11-27 ~17:30
#   on the Intel Xeon VM ('same', 3e4..1e7 samples, 64..16385 taps, kf.convolve with
#   method="opencv", best of repeats, glibc keeping freed memory, 42 rows): geometric
#   medians f64 1.01, f32 0.91 ns per unit, the rows 0.74-1.29x (f64) and 0.67-1.40x
#   (f32) of that.  The feature it replaces (span log2(4 M)) put these times 2-11x too
#   low (16385 taps worst), so 1e5 samples with 4097 or 16385 taps went to OpenCV where
#   overlap-save took 0.7-0.25 of the time.  Same rows, ols (after its 1-D tiles were
#   held to TILE_SPILL_POINTS_1D): measured over its 2-D-fitted estimate 0.38-0.81
#   (median 0.66) in float64 and 0.57-1.32 (median 0.99) in float32, so 1-D requests
#   scale its estimate by OLS_1D.  Where the two estimates fall within tune.RATIO,
#   the first calls time both engines (float32 1e6 samples, 257 taps: OpenCV 4.1 ms
#   against 6.4 where the estimates are a tie).
# * fft: f32 0.33 ns per L log2 L, f64 0.48, while the transform's real input
#   is under FFT_SPILL_BYTES; FFT_SPILL times that up to 32 MiB, 1.7 times
#   beyond (refitted 08:15 on 'same' 2-D cases with 11^2..63^2 kernels, two
#   workers: f32 0.31-0.34 at 512^2 and 1024^2, 0.43-0.44 at 2048^2; f64
#   0.47-0.49 at 512^2, 0.58-0.62 at 1024^2, 0.81-0.87 at 2048^2); fixed
#   150 us (three transforms and the padding: 128^2 with 31^2 takes 0.31 ms on
#   one worker, see fft.SERIAL_BELOW, against OpenCV's 0.24 ms).
# * compiled: f32 0.066 per multiply-add + 0.4 per output (2048^2: k3 4.0 ms,
#   k5 8.4), f64 0.10 + 0.5 (512^2: 0.08, 2048^2: 0.14 per MAC; quiet machine).
# * separable_cv2 (cv2.sepFilter2D pairs, 2-D floats): f32 0.028 ns, f64 0.07
#   per unit of the separable feature (see features(): per term, the taps of
#   both passes plus SEP_TERM for its output traffic, plus 20 per extra term
#   for the in-place sum); 2048^2 f32: 3x3 ones 2.7 ms (OpenCV's direct sum
#   1.9 ms), Gaussian k11 3.8-5.2 ms, k31 9.1-10, LoG (rank 3) k31 31-35 ms vs
#   OpenCV's DFT 43 ms, k11 16 ms vs its direct sum 13 ms.
# * ols (overlap-save tiles, fitted 2026-11-26 06:40-07:10, load 0.6-1.0): f32 0.40
#   ns, f64 1.0 per unit of ols.tile_shape's work, fixed 400 us.  Isolated timings
#   gave f32 0.30-0.45 on 31^2/63^2 kernels (2048^2 26-32 ms, 4096^2 111-141 ms,
#   128^3 with 9^3 29-40 ms) but 0.45-0.65 with 11^2 (small tiles), f64 0.55-0.9 on
#   31^2 and 1.0-1.3 on 11^2 (4096^2: 364 ms where OpenCV's direct sum took 156 ms);
#   the slopes sit at the high end so that ties go to OpenCV, and 512^2 with 31^2
#   (2.6-5 ms where the slope says 1.8) sets the fixed cost.
# * stencil (unrolled loops, one loop for <= 49 taps (taller: STENCIL_RUNS), 2-D,
#   two output rows per loop; refitted
#   2026-11-26 12:02, load 0.8-1.0; the runner alone, timed against
#   cv2.filter2D, same process): time = max(a * taps * W, o) * outputs + fixed, with
#   the floor o the memory traffic per output and W = 1 + STENCIL_WIDE * (taps -
#   25) / 24 above 25 taps (register pressure).  One thread, from 512^2 3x3 and 5x5:
#   f32 a = 0.0257 ns (0.067 and 0.169 ms; OpenCV 0.116 and 0.247), f64 0.0471
#   (0.113 and 0.309 ms; OpenCV 0.298 and 0.730); 7x7 took W = 1.39 (f32 0.459 ms,
#   OpenCV 0.459) and 1.59 (f64 0.962, OpenCV 1.661), 6x6 1.33/1.25, 5x9 1.21/1.34.
#   128^2 (edge columns vectorised, 12:40): f32 3x3 6.4 us, 5x5 15.0, 7x7 35.1
#   (OpenCV 10.3, 19.6, 34.1); f64 10.1, 25.3, 53.2 (OpenCV 20.3, 50.7, 110.5).
#   The fixed 8 us is more than the loops' own call cost (3 us in these fits): it
#   keeps images below about 64^2 on OpenCV, where a first call compiling a loop
#   for a new kernel shape (a second or two, then cached on disk) is not worth it.
#   On two threads (STENCIL_PARALLEL, 2048^2): f32 5x5 1.52 ms sets a, 3x3 1.09
#   the floor, 7x7 4.37 (W 1.46); f64 3.06, 2.37, 7.70 (W 1.28); OpenCV 2.2-4.6,
#   5.5 / 8.7-11.3, 17.7 ms.
# * direct, ndimage, oa, separable (numpy passes: integers, 3-D): the first fit
#   (bench/calibrate.py, same day).  Complex (itemsize 16): 4x float64, not fitted.
#
# Cross-check, same session, load 0.6-1.2:
# `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/calibrate.py` (pure
# slopes, per-output terms folded in, medians over its 1024^2/2048^2/64^3/1e6
# cases) gave compiled 0.063/0.159 (f32/f64), fft 0.35/0.87, opencv 0.036/0.144,
# opencv_dft 0.44/0.46 (its 1-D cases pull f64 down), separable_cv2 0.042/0.086,
# direct 0.35/1.04, ndimage 0.73/0.60, oa 1.06/2.29.
# Units: (ns per feature unit, ns per output element, ns per call).
COST = {
    "compiled": {4: (0.066, 0.4, 10_000), 8: (0.10, 0.5, 10_000), 16: (0.4, 2.0, 10_000)},
    "direct": {4: (0.40, 1.0, 50_000), 8: (1.68, 1.0, 50_000), 16: (6.7, 2.0, 50_000)},
    "fft": {4: (0.33, 0, 150_000), 8: (0.48, 0, 150_000), 16: (1.9, 0, 150_000)},
    "ndimage": {4: (0.73, 0, 11_000), 8: (0.88, 0, 11_000)},
    "oa": {4: (1.28, 0, 200_000), 8: (2.51, 0, 200_000)},
    "ols": {4: (0.40, 0, 400_000), 8: (1.0, 0, 400_000)},
    "opencv": {4: (0.022, 0.4, 6_000), 8: (0.085, 0.6, 6_000)},
    "opencv_dft": {4: (0.44, 0, 6_000), 8: (0.52, 0, 6_000)},
    "opencv_dft_1d": {4: (0.91, 0, 6_000), 8: (1.01, 0, 6_000)},  # see opencv.dft_units_1d
    "opencv_spectral": {4: (0.31, 0, 10_000), 8: (0.55, 0, 10_000)},  # see opencv.spectral
    "stencil": {4: (0.0257, 0.25, 8_000), 8: (0.0471, 0.43, 8_000)},  # o: a floor
    "separable": {4: (0.09, 0.7, 20_000), 8: (0.1, 1.4, 20_000), 16: (0.4, 2.8, 20_000)},
    "separable_cv2": {4: (0.028, 0, 20_000), 8: (0.07, 0, 20_000)},
    "separable_fused": {4: (0.034, 0, 20_000), 8: (0.055, 0, 20_000)},
    "volume": {4: (0.030, 0.2, 200_000), 8: (0.051, 0.3, 200_000)},  # see below
    "separable_volume": {4: (0.08, 2.0, 200_000), 8: (0.09, 6.5, 200_000)},  # see below
}
# The passes of a rank-1 3-D float kernel as three volume loops (one tap line each,
# separable.volume_passes), per unit of the separable feature and per output, from
# 128^3 'same' Gaussians (Intel Xeon VM, 2026-11-27 00:35, best of 8 interleaved):
# float32 3^3 6.2 ms, 9^3 8.3, 15^3 13.5; float64 16.2, 15.3, 21.2 (each pass writes
# a fresh array of the volume's size: the per-output term).  Before, numpy and
# scipy.ndimage.correlate1d passes: float32 5^3 45 ms, 9^3 61.
# The volume loops (engines/volume.py, 3-D kernels of up to 125 taps) were timed
# against the compiled loops in one process on a 2-core Intel Xeon VM (2026-11-26
# 23:51, 128^3 'same', best of 10 interleaved): 3x3x3 float32 5.8 ms against 14.5,
# float64 12.3 against 24.9, 5x5x5 float32 21.2 against 60.8; their COST is the
# compiled one's times about those ratios (0.45, 0.5), so that both sit on the
# scale of the machine the other constants were fitted on.  The fixed 0.2 ms keeps
# small volumes on the compiled loops: a new kernel shape's loop compiles on its
# first call (one to four seconds, then cached on disk).
# scipy.fft slows down per point once its input no longer fits in cache.
FFT_SPILL_BYTES = 8 * 2**20
# ... and float64 transforms of up to a few MiB cost more per unit than COST says:
# (bytes of the real input up to which, factor on the estimate's variable part).
# Fitted 2026-11-26 14:10 on 'same' 2-D cases, 192^2..768^2 with 11^2, 31^2 and
# 63^2 kernels, best of 4 interleaved rounds against OpenCV's DFT path (load about
# 1): measured / estimated 1.1-2.2 at 200^2 points (0.3 MiB), 1.9-2.1 at 270^2-360^2
# (0.6-1.0 MiB), 1.4-1.5 at 400^2-480^2, 1.26-1.35 at 540^2-675^2 (one 0.86), 0.87-1.05
# at 800^2 (5 MiB).  The transforms' fresh buffers fault in 250-1300 pages per call
# at these sizes (float32: none); float32 was within 0.85-1.2 and keeps COST as it is.
FFT_SMALL = {8: ((2**19, 1.3), (9 * 2**17, 2.0), (2 * 2**20, 1.43), (15 * 2**18, 1.3))}
# and more once it outgrows the L3: (bytes above which, factor)
FFT_SPILL_L3 = (32 * 2**20, 1.7)
# One long 1-D transform costs more per unit than the rows and columns of a 2-D
# one (scipy.fft vectorises across transforms, not within one): 'same' with 257
# taps, 1e5..1e7 samples, measured 2026-11-26 08:35: f32 1.3-2.1 ns per unit,
# f64 3.0-3.3 (rfft of 1e5 float64 points alone: 1.2 ms).
FFT_1D = {4: 4.5, 8: 6.5}
# OpenCV's DFT filter costs more per unit on mid-sized 2-D images (its own
# block sizes): the factor for images of up to each number of pixels, measured
# 2026-11-26 08:15-08:45 (float32 31^2/63^2, float64 11^2..63^2; ns per unit
# 128^2: 0.49, 256^2: 0.4-1.5, 512^2: 0.54-0.75, 1024^2: 0.48-0.59, 2048^2:
# 0.43-0.54).  Checked at 12:55 with the DFT path in two bands from 256^2 on
# (opencv.BAND_ABOVE): measured / estimated 0.82-1.45 at 256^2, 0.91-1.22 at 384^2,
# 0.85-1.7 at 512^2 (the FFT engine's, in the same runs: 0.8-2.0, page faults).
OPENCV_DFT_SMALL = ((2**15, 1.1), (2**17, 2.0), (2**19, 1.45), (2**21, 1.1))
# OpenCV's direct sums on 2-D images of up to this many pixels cost this many times
# the fit above, against the stencil loops' estimate: 2026-11-27, 'same', best of
# 20-100, measured / estimated in one run: cv2.filter2D float32 1.7-3.3 (64^2..512^2,
# 3x3..11x11; 1.2-2.2 at 1024^2), float64 1.8-4.4 (3x3..7x7), the stencil loops
# 1.1-1.8 in the same sizes; so auto took OpenCV's direct sums where the loops took
# 0.67-0.80 of their time (float32 64^2 5x5..11x11, 128^2 7x7..11x11, 256^2 7x7 and
# 9x9).
OPENCV_DIRECT_SMALL = ((2**19, 1.7),)
# The stencil loops on two threads: (ns per multiply-add, ns per output as a floor),
# and their extra cost per tap above 25 taps, see COST.
STENCIL_PARALLEL = {4: (0.0145, 0.26), 8: (0.0292, 0.565)}
# ... plus the hand-over to the second thread (ns; a thread pool's submit and result
# took 40-50 us on the 2-core VM, 2026-11-27)
STENCIL_HANDOVER = 40_000
STENCIL_WIDE = 0.4
# ... and the factor for kernels taken in runs of rows (stencil.tall: taller than
# two rows' loads allow, up to 15x15), in blocks of stencil.BLOCK_ROWS output rows:
# their time per multiply-add against 1.4 for the 7x7 loop (the factor above at 49
# taps), the runner alone, 9-40 interleaved rounds, Intel VM 2026-11-27 06:05: two
# threads 2048^2 9x9 .. 15x15 float32 1.24-1.33 (11x11 15.8 ms), float64 1.25-1.32
# (28.1 ms); 512^2 float32 0.90-1.21, float64 1.05-1.13.  (The earlier loops of two
# output rows, fitted on the AMD VM: 1.3 at 2048^2, 1.32-1.38 at 512^2.)
STENCIL_RUNS = 1.2
# ns per multiply-add of the stencil loops' edge columns (vectorised down the
# columns of two thin strips): 0.08-0.12 from float32 128^2 5x5 and 7x7 (15.0 and
# 35.1 us; 19.5 and 51 when they were summed row by row), 0-0.23 for float64.
STENCIL_EDGE = 0.1
# ... for kernels in runs of rows, whose edge columns go tap by tap: 128^2 9x9 and
# 11x11, 'same' against 'valid' of the same output size: 0.15-0.23 (23-35 us).
STENCIL_EDGE_RUNS = 0.2
# ... and ns per run and block of outputs (its taps and rows are set up anew):
# fitted for the earlier loops, per run and pair of output rows (128^2 float64
# 11x11 took 0.163-0.166 ms where the terms above give 0.14), not refitted.
STENCIL_RUN_CALL = 100
# 1-D signals on the stencil loops (one row, stencil.as_row; column chunks on two
# threads above stencil.PARALLEL_ABOVE outputs), measured 2026-11-26 17:10 against
# cv2.filter2D in one process (medians): the loops' cost per multiply-add is
# STENCIL_ROW times the 2-D one (one output row per pass instead of two): f64 1e5 k17
# 0.118 ms (1.18 ns per output, cv2 0.254), f32 0.069 (cv2 0.104); two threads f64
# 1e6 k17 0.71 ms, 1e7 k29 17.9 ms (cv2 4.4, 26.3); and two threads reach a floor per
# output set by writing fresh pages at 1e7 samples: f64 k5 9.0 ms, k17 11.2 (cv2 11.4,
# 19.1), f32 k17 6.1 (cv2 9.2).
STENCIL_ROW = 1.6
STENCIL_ROW_FLOOR = {4: 0.55, 8: 0.9}
# Per term of cv2.sepFilter2D passes: its output traffic, in units of taps.
SEP_TERM = 17
# Per term of the fused passes (engines/passes.py): reading the image and writing
# the output once, in units of taps.
FUSED_TERM = 3
# ... per further term in the same loop (passes.MAX_TERMS), as a share of the first:
# 2048^2 float32 Laplacian of Gaussian (rank 3) took 1.5-1.6x one rank-1 term at
# 11x11 (4.8 ms) and 1.9x at 31x31 (12.8 ms; cv2.filter2D 10.3 and 41.8 ms), float64
# 1.7x and 2.1x (11.1 and 28 ms); measured 2026-11-26 12:55.
FUSED_MORE = 0.4
# ... and per further loop, added into the output (read and written again): with
# one loop per term, the rank-3 LoG 11x11 took 13.0 ms against 3.1 for one term.
FUSED_ADD = 12
# ... on one thread (outputs below passes.PARALLEL_FROM, or too few rows to share):
# 256^2 float64 Gaussian 11x11 0.125 ms, 0.076 ns per unit against 0.055 on two
# threads at 1024^2.
FUSED_SERIAL = 1.5
FFT_SPILL = 1.3
# The overlap-save tiles cost more per unit once the image outgrows the L3 cache
# (4096^2 float32 with 31^2: 0.47-0.86 ns per unit, 2048^2: 0.28-0.54).
OLS_SPILL_BYTES = 32 * 2**20
OLS_SPILL = 1.5
# On 1-D/2-D float data that OpenCV takes, the compiled loops' estimate is
# multiplied by this: numba's parallel regions wait for the second core, and
# on this 2-core machine that core is often busy (512^2 float64 3x3: 0.30 ms
# quiet, 5.2 ms while another process ran; OpenCV 0.30 ms both times).  With
# it OpenCV, which is also what cv2.filter2D users get, wins every 2-D float
# case of the grid; the compiled loops stay the choice for 3-D, integers and
# complex data, and behind OpenCV's DFT for non-finite data.
COMPILED_SHARED = 4.0
# Integer data: the stencil loops are generated per kernel shape, and a shape's
# first call on a machine compiles its loop (a 40x50 int64 image: 3x4 2.4 s, 5x5
# 3.8 s; 2026-11-27, 2-core Intel Xeon VM), where the compiled engine's loop is
# compiled once for every shape.  While a shape's loop is not compiled yet
# (stencil.is_compiled), auto takes the stencil only where its estimated saving over
# the cheapest other engine would pay for that compile within COLD_CALLS calls;
# exact engines give the same integers, so only the time differs.
COLD_LOOP_NS = 3e9
COLD_CALLS = 10_000
# opencv.spectral_tiles costs this much more per unit than one transform (the
# tiles' copies and zero margins): 2048^2 float32 31^2 15-23 ms where the units give
# 12.5 (TILES_SLOWER 1.3 at the low end; ties go to the other engines).
TILES_SLOWER = 1.3
# The ols engine's 1-D requests against its 2-D fit (see opencv_dft_1d above).
OLS_1D = {4: 1.0, 8: 0.68}
# OpenCV's DFT path split into k row bands on k cores runs k * BAND_GAIN times
# as fast (2048^2 float32 with 31x31, 2 bands: 23.5 ms against 43).
BAND_GAIN = 0.9


@dataclass(frozen=True)
class Choice:
    """The engine ``method="auto"`` picks, and why."""

    method: str
    reason: str

    def __str__(self) -> str:
        return f"{self.method}: {self.reason}"


def _prod(t) -> int:
    return int(np.prod(t, dtype=object)) if len(t) else 1


@lru_cache(maxsize=256)
def _shape_features(x_shape, w_shape, canon, cval_zero: bool, real: bool) -> dict:
    from .fft import fft_plan_lengths

    x = np.lib.stride_tricks.as_strided(np.zeros(1, np.float64 if real else np.complex128),
                                        x_shape, (0,) * len(x_shape))
    w = np.lib.stride_tricks.as_strided(np.zeros(1, x.dtype), w_shape, (0,) * len(w_shape))
    p = Problem(x, w, canon, 0 if cval_zero else 1, False)
    c = canon
    out = _prod(c.out_shape)
    taps = _prod(w_shape)
    span = _prod(c.span(w_shape))
    f = {"compiled": out * taps, "direct": out * taps, "stencil": out * taps,
         "volume": out * taps,
         "ndimage": span * taps, "span": span}
    _, lens = fft_plan_lengths(p)
    L = _prod(lens)
    f["fft"] = L * math.log2(max(L, 2))
    f["fft_points"] = L
    wd = _prod(tuple(d * (m - 1) + 1 for d, m in zip(c.dilation, w_shape)))
    f["oa"] = span * math.log2(max(4 * wd, 2)) * 2
    f["out"] = out
    f["opencv_direct"] = span * taps
    # 1-D (one row): OpenCV's DFT filter works in blocks of a few kernel lengths,
    # so its cost grows like log2(block), not log2(span) (f64, measured this
    # session: 1e7 samples with 257 taps 52 ms, 4097 taps 75 ms; 1e6 with 257 5.6 ms)
    blk = span if len(w_shape) > 1 else min(span, 4 * taps)
    f["opencv_dft"] = span * math.log2(max(blk, 2))
    return f


def features(p: Problem) -> dict[str, float]:
    """Per engine, the work feature its cost scales with (see COST)."""
    from .ols import ols_work
    from .separable import kernel_factors

    real = p.x.dtype.kind != "c" and p.w.dtype.kind != "c"
    f = dict(_shape_features(p.x.shape, p.w.shape, p.canon, bool(p.cval == 0), real))
    terms = kernel_factors(p.w) if p.ndim >= 2 else None
    f["ols"] = ols_work(p) if p.x.dtype.kind == "f" else 0
    f["separable"] = (len(terms) * sum(p.w.shape) * f["span"]) if terms else 0
    f["separable_cv2"] = ((len(terms) * (sum(p.w.shape) + SEP_TERM) + 20 * (len(terms) - 1))
                          * f["span"]) if terms else 0
    f["separable_fused"] = _fused_units(p.w.shape, len(terms)) * f["out"] if terms else 0
    f["separable_volume"] = f["separable"]
    return f


def _fused_units(shape, rank: int) -> float:
    """Work per output of the fused passes of ``rank`` terms, in taps: each loop's
    first term in full, its further terms (their row passes share the loads) at
    FUSED_MORE, and each further loop's adding into the output."""
    from .passes import MAX_TERMS

    loops = -(-rank // MAX_TERMS)
    return ((sum(shape) + FUSED_TERM) * (loops + FUSED_MORE * (rank - loops))
            + FUSED_ADD * (loops - 1))


def _sep_key(p: Problem, terms) -> str:
    """The COST entry of the separable engine's way with ``p``: fused loops, OpenCV's
    passes or numpy/scipy passes."""
    from .separable import fused, volume_passes

    if terms is not None and fused(p, terms):
        return "separable_fused"
    if volume_passes(p, terms):
        return "separable_volume"
    if p.ndim == 2 and not p.exact and p.x.dtype.name in ("float32", "float64") and _cv2():
        return "separable_cv2"
    return "separable"


def estimate(p: Problem) -> dict[str, float]:
    """Estimated ns per engine that can take ``p`` (available, not refusing).

    Cached on what the estimate depends on: shapes, dtypes, the canonical
    operation, whether cval is 0, exactness and the kernel's factorisation.
    """
    return dict(_ranked(p)[0])


def _ranked(p: Problem, key: tuple | None = None) -> tuple[dict[str, float], tuple[str, ...]]:
    """(estimates, engines from the cheapest), cached per :func:`rank_key` (``key``: that
    key, where the caller has it)."""
    if key is None:
        key = rank_key(p)
    hit = _ESTIMATES.get(key)
    if hit is None:
        est = _estimate(p)
        hit = (est, tuple(sorted(est, key=est.get)))
        if len(_ESTIMATES) > 512:
            _ESTIMATES.clear()
        _ESTIMATES[key] = hit
    return hit


def rank_key(p: Problem, rank: int | None = None) -> tuple:
    """What :func:`_ranked` keeps its ranking under: shapes, dtypes, the canonical
    operation, whether cval is 0, exactness and the kernel's rank as passes (0: it
    does not factor), given or found."""
    if rank is None:
        from .separable import kernel_factors

        terms = kernel_factors(p.w) if p.ndim >= 2 else None
        rank = len(terms) if terms else 0
    return (p.x.shape, p.x.dtype, p.w.shape, p.w.dtype, p.canon, bool(p.cval == 0),
            p.exact, rank)


_ESTIMATES: dict = {}


def _estimate(p: Problem) -> dict[str, float]:
    f = features(p)
    size = p.x.dtype.itemsize
    floats2d = p.ndim <= 2 and not p.exact and p.x.dtype.name in ("float32", "float64")
    est = {}
    for name, eng in ENGINES.items():
        if name == "reference" or not eng.available() or eng.refuses(p):
            continue
        key = feat = name
        if name == "opencv":
            dft = takes_dft(p)
            key, feat = ("opencv_dft", "opencv_dft") if dft else ("opencv", "opencv_direct")
        elif name == "separable":
            from .separable import kernel_factors

            key = feat = _sep_key(p, kernel_factors(p.w))
        table = COST.get(key)
        if table is None or size not in table:
            continue
        a, o, b = table[size]
        if name == "stencil":
            t = _stencil_time(p, f, a, o, b)
        else:
            t = a * f[feat] + o * f["out"] + b
        if name == "fft" and p.ndim == 1:
            t = FFT_1D.get(size, 6.5) * (t - b) + b
        elif name == "fft" and f["fft_points"] * size > FFT_SPILL_BYTES:
            spill = FFT_SPILL_L3[1] if f["fft_points"] * size > FFT_SPILL_L3[0] else FFT_SPILL
            t = spill * (t - b) + b
        elif name == "fft" and size in FFT_SMALL:
            nbytes = f["fft_points"] * size
            t = next((v for top, v in FFT_SMALL[size] if nbytes <= top), 1.0) * (t - b) + b
        if key == "separable_fused":
            from .passes import parallel

            if not parallel(p):
                t = FUSED_SERIAL * (t - b) + b
        if name == "ols" and p.x.nbytes > OLS_SPILL_BYTES:
            t = OLS_SPILL * (t - b) + b
        if name == "ols" and p.ndim == 1:
            t = OLS_1D.get(size, 1.0) * (t - b) + b
        way = dft_way(p.x.shape, filter_shape(p), size) if key == "opencv_dft" else None
        if way == "spectral":
            from .opencv import spectral_units

            a, o, b = COST["opencv_spectral"][size]
            t = a * spectral_units(p) + b
        elif way == "tiles":
            a, o, b = COST["opencv_spectral"][size]
            t = a * TILES_SLOWER * _tiles_units(p) / (BAND_GAIN * 2) + b
        elif key == "opencv" and p.ndim == 2:
            small = next((v for top, v in OPENCV_DIRECT_SMALL if p.x.size <= top), 1.0)
            t = (t - b) * small + b
        elif key == "opencv_dft" and p.ndim == 1:  # OpenCV's own blocks (opencv.row_blocks)
            from .opencv import as_row, dft_units_1d, spectral_args

            shape, wshape = spectral_args(as_row(p))[:2]
            a, o, b = COST["opencv_dft_1d"][size]
            t = a * dft_units_1d(shape[-1], wshape[-1], size) + b
        elif key == "opencv_dft":
            if p.ndim == 2:
                small = next((v for top, v in OPENCV_DFT_SMALL if p.x.size <= top), 1.0)
                t = (t - b) * small + b
            k = bands(p.x.shape, filter_shape(p), size)  # row (1-D: column) bands
            if k > 1:  # each band filters M0 - 1 extra rows, each seam 3 (M0 - 1); short
                # signals' bands have no seams (opencv.filter2d)
                n0, m0 = p.x.shape[0], p.w.shape[0]
                seam = 1 if seamless(p.x.shape) else 3
                rows = (n0 + (k - 1) * seam * (m0 - 1)) / n0
                t = (t - b) * rows / (BAND_GAIN * k) + b
        est[name] = t
    if "compiled" in est and "opencv" in est and floats2d:
        est["compiled"] *= COMPILED_SHARED
    return est


def _tiles_units(p: Problem) -> float:
    """Transform work of opencv.spectral_tiles: tiles x L log2 L per tile of L points."""
    fs = filter_shape(p)
    lens = tile_size(fs)
    tiles = math.prod(-(-n // (length - m + 1)) for n, length, m in zip(p.x.shape, lens, fs))
    points = math.prod(lens)
    return tiles * points * math.log2(points)


def _stencil_time(p: Problem, f: dict, a: float, o: float, b: float) -> float:
    """The stencil loops' estimate: compute or memory traffic, whichever takes longer,
    plus the M1 - 1 edge columns of each row (from two thin strips, column by column)."""
    from .stencil import BLOCK_COLS, BLOCK_ROWS, PARALLEL_ABOVE, run_rows, tall, threaded

    threads = 1
    if p.ndim == 1:  # one row of the 2-D loops, in column chunks on two threads
        size = p.x.dtype.itemsize
        if size in STENCIL_PARALLEL and p.out_shape[0] > PARALLEL_ABOVE:
            a, o = STENCIL_PARALLEL[size]
            o = max(o, STENCIL_ROW_FLOOR[size])
        return max(a * STENCIL_ROW * f["stencil"], o * f["out"]) + b
    if p.x.dtype.itemsize in STENCIL_PARALLEL and threaded(p):
        a, o = STENCIL_PARALLEL[p.x.dtype.itemsize]
        threads, b = 2, b + STENCIL_HANDOVER
    taps, (m0, m1) = p.w.size, p.w.shape
    edge, calls, b_rows = STENCIL_EDGE, 0.0, run_rows(m0, m1)
    if tall(m0, m1):  # in runs of rows (set up per run and block of outputs)
        wide, edge = STENCIL_RUNS, STENCIL_EDGE_RUNS
        blocks = -(-p.out_shape[0] // BLOCK_ROWS) * -(-p.out_shape[1] // BLOCK_COLS)
        calls = -(-m0 // b_rows) * blocks * STENCIL_RUN_CALL / threads
    else:
        wide = 1 + STENCIL_WIDE * max(taps - 25, 0) / 24
    edges = p.out_shape[0] * (m1 - 1) * taps * edge / threads + calls
    return max(a * wide * f["stencil"], o * f["out"]) + edges + b


def _separable_may_win(p: Problem, est: dict[str, float]) -> bool:
    """True unless the separable passes of a rank-1 kernel would lose to another engine."""
    sep = ENGINES.get("separable")
    if p.ndim < 2 or sep is None or not sep.available():
        return False
    others = [v for n, v in est.items() if n != "separable"]
    if not others:
        return True
    f = features(p)
    size = p.x.dtype.itemsize
    key = _sep_key(p, [[np.ones(m, p.w.dtype) for m in p.w.shape]])  # as if it were rank 1
    feat = {"separable_fused": (sum(p.w.shape) + FUSED_TERM) * f["out"],
            "separable_cv2": (sum(p.w.shape) + SEP_TERM) * f["span"]}.get(
                key, sum(p.w.shape) * f["span"])
    if size not in COST[key]:
        return False
    a, o, b = COST[key][size]
    return a * feat + o * f["out"] + b < min(others)


def _cv2() -> bool:
    return ENGINES["opencv"].available() if "opencv" in ENGINES else False


def _unsafe_nonfinite(name: str, p: Problem) -> bool:
    if name == "separable":  # one term of non-zero taps keeps them where they belong
        from .separable import fused, kernel_info

        if any(d != 1 for d in p.canon.dilation):  # the passes multiply the gaps' zeros
            return True
        terms, _, keeps, keeps_zeros = kernel_info(p.w)
        if keeps:
            return False
        # the fused loop keeps them for one term with zero taps, and with several
        # terms finds them in the data itself and hands the request to a direct sum
        several = terms is not None and len(terms) > 1
        return not ((keeps_zeros or several) and fused(p, terms))
    if name in ("fft", "oa", "ols"):
        return True
    # OpenCV's DFT spreads NaN/inf; its direct sum leaves zero taps out (0 * inf = NaN)
    if name == "opencv":
        return takes_dft(p) or skips_zero_taps(p.w)
    if name == "ndimage":  # scipy.ndimage.correlate leaves taps of |w| <= 2.2e-16 out
        return drops_taps(p.w)
    return False


def nonfinite_fallback(p: Problem) -> str:
    """The cheapest engine other than the passes that puts NaN and inf where the
    direct sum does (for data that the fused loops of several terms found to hold
    them)."""
    order = _ranked(p)[1]
    return next((n for n in order if n != "separable" and not _unsafe_nonfinite(n, p)),
                "direct")


def all_finite(a: np.ndarray) -> bool:
    """True when ``a`` holds no NaN/inf.

    One pass and no mask: a finite L1 norm (OpenCV, once loaded: 1-D and 2-D
    float arrays), dot product ``a . a`` (BLAS, small arrays) or sum means
    every element is finite (NaN and inf propagate); only when it is not (or
    it overflowed) is every element tested.

    >>> all_finite(np.ones((200, 200))), all_finite(np.array([1.0, np.inf]))
    (True, False)
    """
    kind, contiguous = a.dtype.kind, a.flags.c_contiguous
    if (kind == "f" and contiguous and a.size and a.ndim <= 2 and a.itemsize in (4, 8)
            and "cv2" in sys.modules):
        # one thread, SIMD, a double accumulator: 128^2 float64 1.6 us against 3.6
        # for the sum, 2048^2 0.9 ms against 1.0 (f32: 0.47 against 0.64); OpenCV
        # raises no numpy floating-point warnings, so no errstate around it (257
        # taps: 0.7 us against 4.0 for the dot product under errstate)
        cv2 = sys.modules["cv2"]
        if math.isfinite(cv2.norm(a, cv2.NORM_L1)):
            return True
        return bool(np.isfinite(a).all())
    with np.errstate(all="ignore"):  # overflow: the full test decides
        if kind == "f" and contiguous and a.size <= DOT_FINITE_MAX:
            v = a.ravel()
            if math.isfinite(np.dot(v, v)):
                return True
        else:
            t = a.sum()  # complex: both parts finite
            if math.isfinite(t.real) and math.isfinite(t.imag):
                return True
    return bool(np.isfinite(a).all())


# Above this many elements OpenBLAS runs a dot product on several threads, which
# then spin for a while and take the cores from the computation that follows
# (2048^2 float64 through OpenCV's banded DFT: 48 ms after a dot, 25 after a sum).
DOT_FINITE_MAX = 8192


def finite(p: Problem) -> bool:
    """True when x, w and a constant border hold no NaN/inf."""
    if p.canon.boundary == "constant" and not np.isfinite(p.cval):
        return False
    return all_finite(p.x) and all_finite(p.w)


def pick(p: Problem) -> str:
    """The name :func:`choose` returns, without composing its reason (the hot path).

    The ranking is looked up by shapes and dtypes alone when the kernel's
    factorisation cannot change it (even a rank-1 kernel's passes would cost
    more than the cheapest other engine): no look at the kernel's values.
    """
    key = pick_key(p)
    order = _ESTIMATES.get(key)
    if order is None:
        est, order = _ranked(p)
        if _separable_may_win(p, est):
            order = False  # depends on the kernel: rank it per kernel below
        else:
            order = tuple(n for n in order if n != "separable")
            tune.trial(key, est, order)  # close estimates: time the two on the first calls
        _ESTIMATES[key] = order
    t = None
    if order is False:  # ranked per kernel (its factorisation), and so are the trials
        rk = rank_key(p)  # the kernel's factorisation, looked up once
        est, order = _ranked(p, rk)
        if tune.TRIALS or tune.enabled():
            t = tune.trial(rk, est, order)
    elif tune.TRIALS:
        t = tune.TRIALS.get(key)
    if t is not None:
        name = t.winner or t.next()
        if name not in _CARE or _allowed(name, p):
            return name
    if not order:  # pragma: no cover - direct never refuses
        return "direct"
    best = order[0]
    if best in _CARE and not _allowed(best, p):
        best = next(n for n in order if _allowed(n, p))
    if best == "stencil" and p.exact:
        return _cold(p) or best
    return best


def _cold(p: Problem) -> str | None:
    """For integer data whose cheapest engine is the stencil loops: the engine to take
    instead while this kernel shape's loop is not compiled on this machine and
    compiling it would not pay within COLD_CALLS calls (see COLD_LOOP_NS); else None."""
    m0, m1 = p.w.shape if p.ndim == 2 else (1, p.w.shape[0])
    if stencil.is_compiled(m0, m1):
        return None
    key = pick_key(p)
    alt = _COLD.get(key)
    if alt is None:
        est, order = _ranked(p)
        other = next((n for n in order if n != "stencil"), None)
        pays = other is None or (est[other] - est["stencil"]) * COLD_CALLS >= COLD_LOOP_NS
        alt = "stencil" if pays else other
        if len(_COLD) >= 1024:
            _COLD.clear()
        _COLD[key] = alt
    return None if alt == "stencil" else alt


_COLD: dict = {}  # pick_key -> what _cold decided while the loop was not compiled


# engines that need a look at the values: transforms spread NaN/inf over the
# output; scipy.ndimage leaves NaN/inf taps of the kernel out of its sums
_CARE = ("fft", "oa", "ols", "separable", "opencv", "ndimage")


def _allowed(name: str, p: Problem) -> bool:
    if name == "ndimage" and p.w.dtype.kind in "fc" and not np.isfinite(p.w).all():
        return False
    return not (_unsafe_nonfinite(name, p) and not finite(p))


def pick_key(p: Problem) -> tuple:
    """What :func:`pick`'s ranking (and a timed trial, :mod:`.tune`) is kept under."""
    return ("pick", p.x.shape, p.x.dtype, p.w.shape, p.w.dtype, p.canon, bool(p.cval == 0),
            p.exact)


def trial_key(p: Problem) -> tuple:
    """What the timed trial of ``p``'s two closest engines (:mod:`.tune`) is kept
    under; call after :func:`pick`."""
    return pick_key(p) if shape_decides(p) else rank_key(p)


def shape_decides(p: Problem) -> bool:
    """True when :func:`pick`'s ranking for ``p`` depends on shapes and dtypes alone
    (not on the kernel's factorisation); call after :func:`pick`."""
    key = pick_key(p)
    order = _ESTIMATES.get(key)
    return order is not None and order is not False


def choose(p: Problem) -> Choice:
    """The engine for ``p`` and why (see the module docstring for the rules)."""
    est, order = _ranked(p)
    if not est:  # pragma: no cover - direct never refuses
        return Choice("direct", "no other engine can take this request")
    order = list(order)
    best = order[0]
    note = ""
    if p.exact:
        note = "integer data, exact engines only; "
    elif p.x.dtype.kind == "c":
        note = "complex data; "
    if _unsafe_nonfinite(best, p) and not finite(p):
        order = [n for n in order if not _unsafe_nonfinite(n, p)]
        best = order[0]
        note += "non-finite values: an FFT would spread them over the output; "
    if not _allowed(best, p):  # ndimage with NaN/inf taps
        order = [n for n in order if _allowed(n, p)]
        best = order[0]
        note += "NaN/inf taps: scipy.ndimage would leave them out; "
    if best == "stencil" and p.exact:
        alt = _cold(p)
        if alt is not None:
            note += (f"this kernel shape's stencil loop (~{est[best] / 1e6:.2g} ms) is not "
                     f"compiled on this machine yet, and its first compile (seconds) "
                     f"would not pay within {COLD_CALLS} calls; ")
            order = [alt] + [n for n in order if n != alt]
            best = alt
    rest = ", ".join(f"{n} ~{est[n] / 1e6:.2g} ms" for n in order[1:3])
    t = tune.TRIALS.get(trial_key(p))
    if t is not None and t.winner is not None and (t.winner not in _CARE
                                                   or _allowed(t.winner, p)):
        return Choice(t.winner, f"{note}{t.winner}{_detail(t.winner, p)}: measured on this "
                                f"machine's first calls with these shapes, {t.summary()} "
                                f"(estimates: {best} ~{est[best] / 1e6:.2g} ms"
                                + (f", {rest}" if rest else "") + ")")
    if t is not None:
        note += (f"estimates within {tune.RATIO}x: the first calls time "
                 f"{' and '.join(t.engines)}; ")
    return Choice(best, f"{note}{best}{_detail(best, p)} ~{est[best] / 1e6:.2g} ms"
                        + (f" beats {rest}" if rest else ""))


def _detail(name: str, p: Problem) -> str:
    """How the engine will run, where it has ways to choose from (OpenCV)."""
    if name != "opencv":
        return ""
    size = p.x.dtype.itemsize
    if not takes_dft(p):
        return " (direct sum)"
    k = bands(p.x.shape, filter_shape(p), size)
    if k > 1:
        return f" (DFT path, {k} {'column' if p.ndim == 1 else 'row'} bands)"
    way = dft_way(p.x.shape, filter_shape(p), size)
    if way == "spectral":
        from .opencv import spectral_args, spectral_plan

        k, l0, l1 = spectral_plan(*spectral_args(p))
        if k > 1:
            return (f" (DFT path in {k} row bands on {k} threads, transforms of {l0}x{l1}, "
                    "the kernel's spectrum kept)")
        return f" (DFT path as one transform of {l0}x{l1}, the kernel's spectrum kept)"
    if way == "tiles":
        lens = "x".join(map(str, tile_size(filter_shape(p))))
        return f" (DFT path in tiles of {lens} on two threads, the kernel's spectrum kept)"
    return " (DFT path)"
