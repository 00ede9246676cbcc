"""Benchmark: ITM (Longley-Rice) point to point, whitezone's numba kernel against NTIA's own C++.

Data
----
``--paths`` terrain profiles cut from the sample province's DEM (90 m,
northern-Vietnam-like mountains): random transmitter and receiver points
1-30 km apart, sampled every DEM cell, seeded.  Mast 30 m, handset 1.5 m,
frequencies drawn from 900 / 1800 / 2100 MHz, climate 2, N₀ 320, average
ground, vertical polarisation, the median, ``mdvar`` 12.

What is timed (best of ``--repeat``)
------------------------------------
* **whitezone**: :func:`whitezone.models.itm.point_to_point_many` on all
  profiles at once (compiled; on all cores, then on one).
* **NTIA's reference implementation** (``ITM_P2P_TLS`` of
  https://github.com/NTIA/itm, the C++ the FCC's and NTIA's tools use), one
  call per path through ctypes — how a Python tool would call it.  The same
  loop calling a C function that does nothing is timed too, so the ctypes
  overhead can be told apart from ITM's own work.  Build the library from a
  checkout (nothing of it is part of this project)::

      git clone https://github.com/NTIA/itm && cd itm
      sed -i 's#\\.\\.\\\\include\\\\#../include/#' src/*.cpp
      sed -i 's/__declspec(dllexport)/__attribute__((visibility("default")))/' include/itm.h
      g++ -O2 -shared -fPIC -Iinclude src/*.cpp -o libitm.so

  and pass ``--ntia-lib path/to/libitm.so``.  Without it only whitezone is
  timed.

The script prints both times, their ratio, and the largest difference in loss
between the two over every path (the kernel's tests hold it to NTIA's
published cases within 0.1 dB; this shows it on thousands of real profiles).
``--json FILE`` writes the figures.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "src"), str(HERE)]

from pyproj import CRS  # noqa: E402

from whitezone.dem import load_dem  # noqa: E402
from whitezone.errors import ModelValidityWarning  # noqa: E402
from whitezone.models.itm import point_to_point_many  # noqa: E402

DEM = HERE.parent / "data" / "sample" / "dem.tif"
SETTINGS = {"climate": 2, "n0": 320.0, "epsilon": 15.0, "sigma": 0.005, "polarization": "vertical",
            "time_pct": 50.0, "location_pct": 50.0, "situation_pct": 50.0, "mdvar": 12}  # fmt: skip


def make_profiles(n_paths: int, seed: int):
    """Profiles of random paths over the sample DEM (NaN-padded rows), their steps and frequencies."""
    dem = load_dem(DEM, crs=CRS.from_epsg(32648))
    x0, y0, x1, y1 = dem.bounds
    rng = np.random.default_rng(seed)
    start = rng.uniform([x0 + 1000, y0 + 1000], [x1 - 1000, y1 - 1000], size=(4 * n_paths, 2))
    angle = rng.uniform(0, 2 * np.pi, 4 * n_paths)
    length = rng.uniform(1000.0, 30_000.0, 4 * n_paths)
    end = start + length[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    inside = (end[:, 0] > x0) & (end[:, 0] < x1) & (end[:, 1] > y0) & (end[:, 1] < y1)
    start, end, length = start[inside][:n_paths], end[inside][:n_paths], length[inside][:n_paths]
    n_points = np.ceil(length / dem.resolution_m).astype(np.int64) + 1
    profiles = np.full((len(start), int(n_points.max())), np.nan)
    for n in np.unique(n_points):
        rows = np.flatnonzero(n_points == n)
        profiles[rows, :n] = dem.profiles(start[rows], end[rows], int(n))
    # Paths touching the DEM's nodata are left out: ITM needs every height.
    known = np.isfinite(profiles).sum(axis=1) == n_points
    profiles, n_points, length = profiles[known], n_points[known], length[known]
    step = length / (n_points - 1)
    freq = rng.choice([900.0, 1800.0, 2100.0], len(profiles))
    return profiles, n_points, step, freq


def whitezone_way(profiles, n_points, step, freq, *, parallel: bool) -> np.ndarray:
    return point_to_point_many(profiles, step, frequency_mhz=freq, tx_height_m=30.0, rx_height_m=1.5,
                               n_points=n_points, parallel=parallel, **SETTINGS)  # fmt: skip


def ntia_way(lib, profiles, n_points, step, freq) -> np.ndarray:
    """One ITM_P2P_TLS call per path, NTIA's pfl array ([intervals, step, heights...]) built per path."""
    out = np.empty(len(profiles))
    a_db = ctypes.c_double()
    flags = ctypes.c_long()
    for i in range(len(profiles)):
        n = int(n_points[i])
        pfl = np.empty(n + 2)
        pfl[0], pfl[1], pfl[2:] = n - 1, step[i], profiles[i, :n]
        lib.ITM_P2P_TLS(30.0, 1.5, pfl.ctypes.data_as(ctypes.POINTER(ctypes.c_double)), 2, 320.0,
                        float(freq[i]), 1, 15.0, 0.005, 12, 50.0, 50.0, 50.0,
                        ctypes.byref(a_db), ctypes.byref(flags))  # fmt: skip
        out[i] = a_db.value
    return out


def ctypes_overhead(profiles, n_points) -> float:
    """The same loop around a C function that does no work (libc's labs), in seconds."""
    libc = ctypes.CDLL(None)
    t = time.perf_counter()
    for i in range(len(profiles)):
        n = int(n_points[i])
        pfl = np.empty(n + 2)
        pfl[2:] = profiles[i, :n]
        libc.labs(i)
    return time.perf_counter() - t


def _best(fn, repeat):
    times, value = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t)
    return min(times), value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ntia-lib", metavar="LIBITM_SO", help="NTIA's ITM built as a shared library")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore", ModelValidityWarning)
    profiles, n_points, step, freq = make_profiles(args.paths, args.seed)
    print(f"data: {len(profiles):,} profiles of {int(n_points.min())}-{int(n_points.max())} points "
          f"(mean {n_points.mean():.0f}) over the sample DEM")
    whitezone_way(profiles[:10], n_points[:10], step[:10], freq[:10], parallel=True)  # compile
    whitezone_way(profiles[:10], n_points[:10], step[:10], freq[:10], parallel=False)
    ours, loss = _best(lambda: whitezone_way(profiles, n_points, step, freq, parallel=True), args.repeat)
    serial, _ = _best(lambda: whitezone_way(profiles, n_points, step, freq, parallel=False), args.repeat)
    per_path = 1e6 * serial / len(profiles)
    print(f"whitezone point_to_point_many: {ours:.3f} s on all cores, {serial:.3f} s on one "
          f"({per_path:.1f} µs per path)")
    out = {"paths": len(profiles), "mean_points": float(n_points.mean()), "whitezone_s": ours,
           "whitezone_one_core_s": serial}  # fmt: skip
    if args.ntia_lib:
        lib = ctypes.CDLL(args.ntia_lib)
        lib.ITM_P2P_TLS.restype = ctypes.c_int
        lib.ITM_P2P_TLS.argtypes = [ctypes.c_double, ctypes.c_double, ctypes.POINTER(ctypes.c_double),
                                    ctypes.c_int, ctypes.c_double, ctypes.c_double, ctypes.c_int,
                                    ctypes.c_double, ctypes.c_double, ctypes.c_int, ctypes.c_double,
                                    ctypes.c_double, ctypes.c_double, ctypes.POINTER(ctypes.c_double),
                                    ctypes.POINTER(ctypes.c_long)]  # fmt: skip
        theirs, reference = _best(lambda: ntia_way(lib, profiles, n_points, step, freq), args.repeat)
        overhead = min(ctypes_overhead(profiles, n_points) for _ in range(args.repeat))
        both = np.isfinite(loss) & np.isfinite(reference)
        diff = np.abs(loss[both] - reference[both])
        print(f"NTIA ITM_P2P_TLS (C++, one ctypes call per path): {theirs:.3f} s "
              f"(of which the Python loop and ctypes {overhead:.3f} s)")
        print(f"  whitezone all cores is {theirs / ours:.1f}x faster; one core {theirs / serial:.1f}x; "
              f"against the C++ work alone (less the loop) {(theirs - overhead) / serial:.1f}x on one core")
        print(f"  loss difference over {both.sum():,} paths: max {diff.max():.4f} dB, mean {diff.mean():.5f} dB; "
              f"NaN in whitezone only {int((~np.isfinite(loss) & np.isfinite(reference)).sum())}, "
              f"in NTIA only {int((np.isfinite(loss) & ~np.isfinite(reference)).sum())}")  # fmt: skip
        out.update({"ntia_s": theirs, "ntia_loop_overhead_s": overhead, "speedup": theirs / ours,
                    "speedup_one_core": theirs / serial, "max_abs_diff_db": float(diff.max()),
                    "mean_abs_diff_db": float(diff.mean())})  # fmt: skip
    else:
        print("(no --ntia-lib: NTIA's reference implementation not timed; see the module docstring)")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
