"""Benchmark: whitezone's terrain computations against GDAL.

Sections
--------
``--viewshed``
    One site's viewshed (:func:`whitezone.viewshed.viewshed_array`) against
    GDAL 3.6's ``gdal_viewshed`` on the same DEM, window and parameters, for a
    few sites on the sample DEM reprojected to UTM 48N (EPSG:32648) at about
    90 m (its 3" cells) and at 30 m (resampled bilinearly), with a 15 km
    maximum distance and a 30 m mast.  See :func:`bench_viewshed`.

``--itm``
    ITM's compiled kernel on thousands of DEM profiles against NTIA's C++
    (``--ntia-lib``), as ``benchmarks/itm.py``.

``--province``
    The whole sample province with the terrain model: DEM warped to the UTM
    grid, every village classified against every active site-technology
    (profiles, curvature, Bullington diffraction), commune indicators, and the
    best-server rasters at ``--raster-resolution-m``; site-technologies per
    second are printed (rasters by radial sweeps and exactly, with their
    agreement, at a 15 km reach and at the sample's own), with the radius, flat path-loss and ITM
    (``--itm-range-km``) models timed on the same layers and the white-village
    counts of all four, and the links per second of the terrain and ITM models
    when every link in reach is profiled.  The branch and
    bound of :meth:`TerrainModel.best` is timed against profiling every link
    in reach (the plain approach).  See :func:`bench_province`.

With no section flag every section runs.

What is timed (viewshed)
------------------------
* **whitezone** — ``viewshed_array`` on the DEM window GDAL reads (the cells
  within the maximum distance), already in memory: the algorithm alone.
* **whitezone, file** — ``viewshed(path, x, y, ...)``: open the GeoTIFF, read
  the window, compute (no output file).
* **gdal_viewshed** — the command as a planner runs it (``subprocess``), wall
  time including process start-up and writing its GeoTIFF; and that time less
  the start-up, estimated by the same command on a 1 x 1 raster.
* **GDAL in process** — ``osgeo.gdal.ViewshedGenerate`` into the MEM driver,
  when a Python with GDAL's bindings is found (Debian's ``python3-gdal`` for
  ``/usr/bin/python3``): the algorithm plus reading the band, no start-up.
  It runs in that other interpreter, so rasterio's own GDAL is not mixed with
  the system's in one process.

Each time is the best of ``--repeat`` runs.  The ratio whitezone / GDAL is
given against the in-process time (the fair one) and against the command less
its start-up; the target is at most 1x (whitezone's compiled sweep no slower
than GDAL's C++).  The agreement is the share of cells of GDAL's output extent
where both say the same (visible / not visible).

* **compile** — the first call of ``viewshed_array`` in a fresh process with
  an empty numba cache (``NUMBA_CACHE_DIR`` set to a new temporary folder):
  what a user's very first viewshed costs; then the first call of a second
  fresh process with that cache filled (every later run of the CLI).

With ``--json FILE`` the figures are also written as one JSON object:
``viewshed_ratio_to_gdal_90m`` / ``_30m`` (whitezone's total time over the
sites / GDAL's in-process total; ``..._worst``: the highest site's ratio),
``viewshed_agreement_pct`` (the lowest over sites and resolutions),
``viewshed_compile_s``, ``viewshed_cached_first_call_s`` and per-site
details under ``viewshed_sites``; the province section adds
``villages_site_techs_per_s`` (active site-technologies over the time to
classify every village and compute the indicators with the terrain model),
``raster_site_techs_per_s`` and ``raster_exact_site_techs_per_s`` (the
best-server rasters at ``--raster-resolution-m``, 100 m, with the terrain
model's reach set to ``--raster-reach-km``, 15 km, by radial sweeps and by
every cell profiled), ``raster_radial_to_exact_speed`` (the exact rasters'
time over the radial ones': the speed-up, which the load of a shared machine
changes little), ``raster_sweep_share_pct`` (the radial rasters' time spent
in the tiles' sweeps, :meth:`RadialSweep.tile`; the rest is the grid, the
tiles' GeoTIFF writes and the COG copies), ``raster_agreement_pct`` (covered
cells — reached by either method — where both give a signal within 1 dB) and
``raster_same_server_pct``.

``--raster-only`` runs only the province's rasters at ``--raster-reach-km``
(radial and exact, their agreement); with ``--profile`` the radial rasters
are also run under cProfile and its top functions printed.

How to run
----------
From the repository root, with the package's dependencies and ``gdal-bin``::

    python benchmarks/terrain.py --viewshed
    python benchmarks/terrain.py --viewshed --sites 5 --repeat 9 --max-distance-km 20
    python benchmarks/terrain.py --viewshed --profile    # cProfile of whitezone at 30 m
    python benchmarks/terrain.py --province --raster-only --profile   # the rasters alone, profiled
    python benchmarks/terrain.py --viewshed --json viewshed.json
    python benchmarks/terrain.py --viewshed --province --json terrain.json

The script puts ``src/`` first on ``sys.path``, so it benchmarks the
checkout it lives in.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import os
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "src"), str(HERE)]

import numpy as np  # noqa: E402
import rasterio  # noqa: E402
from affine import Affine  # noqa: E402
from rasterio.warp import Resampling, calculate_default_transform, reproject  # noqa: E402
from rasterio.windows import Window  # noqa: E402

from whitezone.viewshed import viewshed, viewshed_array  # noqa: E402

SAMPLE_DEM = HERE.parent / "data" / "sample" / "dem.tif"
UTM48N = "EPSG:32648"
NODATA = -32768.0

#: Timed by the system Python with GDAL's bindings: the best of ``reps`` calls
#: of ViewshedGenerate per site, as JSON.
GDAL_IN_PROCESS = r"""
import json, sys, time
from osgeo import gdal
gdal.UseExceptions()
job = json.loads(sys.argv[1])
dataset = gdal.Open(job["dem"])  # keep it: a band outlives no dataset
band = dataset.GetRasterBand(1)
best = []
for x, y in job["sites"]:
    times = []
    for _ in range(job["reps"]):
        start = time.perf_counter()
        out = gdal.ViewshedGenerate(
            band, "MEM", "", [], x, y, job["oz"], job["tz"], 255, 0, 0, -1,
            job["cc"], gdal.GVM_Edge, job["md"])
        out.GetRasterBand(1).ReadAsArray()
        times.append(time.perf_counter() - start)
        out = None
    best.append(min(times))
print(json.dumps(best))
"""

#: Run in a fresh interpreter: import time, the first call of viewshed_array
#: (compiling it unless numba's cache has it) and a second call, as JSON.  The
#: float32 DEM is the dtype the benchmark (and a GeoTIFF DEM) uses; a float64
#: DEM compiles a second specialisation on its first call, timed too.
FIRST_CALL = r"""
import json, time
t0 = time.perf_counter()
import numpy as np
from affine import Affine
from whitezone.viewshed import viewshed_array
t1 = time.perf_counter()
args = (Affine(30.0, 0, 0, 0, -30.0, 0), (750.5, -750.5))
dem = np.zeros((50, 50), dtype=np.float32)
t2 = time.perf_counter()
viewshed_array(dem, *args, observer_height_m=30.0)
t3 = time.perf_counter()
viewshed_array(dem, *args, observer_height_m=30.0)
t4 = time.perf_counter()
viewshed_array(dem.astype(np.float64), *args, observer_height_m=30.0)
t5 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "first_call_s": t3 - t2, "call_s": t4 - t3,
                  "first_call_float64_s": t5 - t4}))
"""


# ------------------------------------------------------------------ shared


def best_time(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Best wall time of ``repeat`` calls of ``fn`` and its (last) result."""
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def sample_dem_utm(path: Path, resolution_m: float) -> Path:
    """The sample DEM warped bilinearly to UTM 48N cells of ``resolution_m``.

    Written as an uncompressed tiled float32 GeoTIFF, so reading costs little
    for either tool.
    """
    with rasterio.open(SAMPLE_DEM) as src:
        transform, width, height = calculate_default_transform(
            src.crs, UTM48N, src.width, src.height, *src.bounds, resolution=resolution_m
        )
        dem = np.full((height, width), NODATA, dtype=np.float32)
        reproject(
            rasterio.band(src, 1),
            dem,
            dst_transform=transform,
            dst_crs=UTM48N,
            resampling=Resampling.bilinear,
            src_nodata=src.nodata,
            dst_nodata=NODATA,
        )
    profile = {
        "driver": "GTiff",
        "dtype": "float32",
        "count": 1,
        "width": width,
        "height": height,
        "crs": UTM48N,
        "transform": transform,
        "nodata": NODATA,
        "tiled": True,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(dem, 1)
    return path


# ---------------------------------------------------------------- viewshed


def pick_sites(dem: np.ndarray, transform: Affine, count: int, margin: int, seed: int):
    """The highest peak, the lowest valley and ``count - 2`` random cells.

    Random cells are drawn among valid cells at least ``margin`` cells inside
    the grid, so their windows are whole.
    """
    valid = dem != NODATA
    inner = np.zeros_like(valid)
    inner[margin:-margin, margin:-margin] = True
    named = {
        "peak": np.unravel_index(np.argmax(np.where(valid, dem, -np.inf)), dem.shape),
        "valley": np.unravel_index(np.argmin(np.where(valid & inner, dem, np.inf)), dem.shape),
    }
    rows, cols = np.nonzero(valid & inner)
    rng = np.random.default_rng(seed)
    for i, pick in enumerate(rng.choice(len(rows), max(count - 2, 0), replace=False)):
        named[f"random{i}"] = (int(rows[pick]), int(cols[pick]))
    sites = {}
    for name, (row, col) in list(named.items())[:count]:
        x = transform.c + transform.a * (col + 0.5)
        y = transform.f + transform.e * (row + 0.5)
        sites[name] = (int(row), int(col), float(x), float(y))
    return sites


def gdal_window(row: int, col: int, shape, cell_m: float, max_distance_m: float) -> Window:
    """The window gdal_viewshed computes and writes for ``-md`` (GDAL 3.6's rule)."""
    cells = max_distance_m / cell_m
    c0 = max(int(np.floor(col - cells)), 0)
    c1 = min(int(np.ceil(col + cells)) + 1, shape[1])
    r0 = max(int(np.floor(row - cells)), 0)
    r1 = min(int(np.ceil(row + cells)) + 1, shape[0])
    return Window(c0, r0, c1 - c0, r1 - r0)


def run_gdal_cli(program: str, dem: Path, out: Path, x: float, y: float, opts: dict) -> None:
    cmd = [program, "-q", "-f", "GTiff", "-vv", "255", "-iv", "0", "-ov", "0"]
    cmd += ["-ox", repr(x), "-oy", repr(y), "-oz", repr(opts["oz"]), "-tz", repr(opts["tz"])]
    cmd += ["-cc", repr(opts["cc"]), "-md", repr(opts["md"]), str(dem), str(out)]
    subprocess.run(cmd, check=True, capture_output=True)


def gdal_startup_s(program: str, folder: Path, repeat: int) -> float:
    """gdal_viewshed on a 1 x 1 raster: process start-up, open, create, write."""
    tiny = folder / "tiny.tif"
    profile = {"driver": "GTiff", "dtype": "float32", "count": 1, "width": 1, "height": 1}
    profile |= {"crs": UTM48N, "transform": Affine(30, 0, 500_000, 0, -30, 2_300_000)}
    with rasterio.open(tiny, "w", **profile) as dst:
        dst.write(np.zeros((1, 1, 1), dtype=np.float32))
    opts = {"oz": 2.0, "tz": 0.0, "cc": 0.85714, "md": 0.0}
    seconds, _ = best_time(
        lambda: run_gdal_cli(program, tiny, folder / "tiny_out.tif", 500_015, 2_299_985, opts),
        repeat,
    )
    return seconds


def find_gdal_python() -> str | None:
    """A Python interpreter that can ``import osgeo.gdal`` (not necessarily this one)."""
    for candidate in ("/usr/bin/python3", shutil.which("python3")):
        if not candidate:
            continue
        probe = subprocess.run(
            [candidate, "-c", "from osgeo import gdal; print(gdal.__version__)"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode == 0:
            return candidate
    return None


def gdal_in_process_s(python: str, dem: Path, sites, opts: dict, repeat: int) -> list[float]:
    job = {
        "dem": str(dem),
        "sites": [(x, y) for (_, _, x, y) in sites.values()],
        "reps": repeat,
    } | opts
    done = subprocess.run(
        [python, "-c", GDAL_IN_PROCESS, json.dumps(job)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def first_call_s(cache_dir: Path) -> dict:
    """Time a fresh process's first ``viewshed_array`` call with numba's cache in ``cache_dir``.

    Returns
    -------
    dict
        ``import_s`` (importing whitezone.viewshed), ``first_call_s`` (float32
        DEM), ``call_s`` (the same call again) and ``first_call_float64_s``.
    """
    env = os.environ | {
        "NUMBA_CACHE_DIR": str(cache_dir),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE.parent / "src"),
                                                    os.environ.get("PYTHONPATH")])),
    }  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", FIRST_CALL], capture_output=True, text=True, check=True, env=env
    )
    return json.loads(done.stdout)


def bench_viewshed(args: argparse.Namespace) -> int:
    """Time whitezone's viewshed against gdal_viewshed; print a table per resolution.

    The figures also go into ``args.results`` (see the module's ``--json``).

    Returns
    -------
    int
        0 when every site agrees with GDAL on at least 99 % of the cells, else 1
        (2 when gdal_viewshed is not installed).
    """
    program = shutil.which("gdal_viewshed")
    if program is None:
        print("gdal_viewshed (Debian package gdal-bin) is not installed: nothing to compare")
        return 2
    version = subprocess.run([program, "--version"], capture_output=True, text=True).stdout
    version = version.splitlines()[0] if version else "gdal_viewshed"
    gdal_python = find_gdal_python()
    md = args.max_distance_km * 1000.0
    opts = {"oz": args.observer_height_m, "tz": args.target_height_m, "cc": 0.85714, "md": md}
    print(f"\n== viewshed: whitezone vs {version.strip()}")
    print(
        f"   sample DEM -> {UTM48N} (bilinear), max distance {args.max_distance_km:g} km, "
        f"observer {opts['oz']:g} m, target {opts['tz']:g} m, curvature {opts['cc']}; "
        f"best of {args.repeat}"
    )
    if gdal_python is None:
        print("   (no Python with osgeo.gdal found: GDAL's in-process time is not measured)")
    worst = 1.0
    results = getattr(args, "results", {})
    per_site = results.setdefault("viewshed_sites", {})
    with tempfile.TemporaryDirectory(prefix="whitezone-bench-") as tmp:
        folder = Path(tmp)
        startup = gdal_startup_s(program, folder, args.repeat)
        print(f"   gdal_viewshed start-up (1 x 1 raster): {startup * 1e3:.1f} ms")
        for resolution in args.resolutions:
            dem_path = sample_dem_utm(folder / f"dem{resolution:g}.tif", resolution)
            with rasterio.open(dem_path) as src:
                dem, transform = src.read(1), src.transform
            sites = pick_sites(dem, transform, args.sites, int(md / resolution) + 1, args.seed)
            in_process = (
                gdal_in_process_s(gdal_python, dem_path, sites, opts, args.repeat)
                if gdal_python
                else [float("nan")] * len(sites)
            )
            print(f"\n   {resolution:g} m cells, DEM {dem.shape[1]} x {dem.shape[0]}")
            header = (
                f"   {'site':<8} {'window':>9} {'whitezone':>10} {'wz file':>8} {'GDAL proc':>10} "
                f"{'cli':>7} {'cli-start':>9} {'wz/proc':>8} {'wz/cli-st':>9} {'wz/cli':>7} "
                f"{'agree':>9}"
            )
            print(header)
            print("   " + "-" * (len(header) - 3))
            timed = per_site.setdefault(f"{resolution:g}m", {})
            for (name, (row, col, x, y)), t_proc in zip(sites.items(), in_process, strict=True):
                window = gdal_window(row, col, dem.shape, resolution, md)
                win_dem = dem[window.toslices()]
                win_transform = rasterio.windows.transform(window, transform)
                t_wz, ours = best_time(
                    lambda d=win_dem, t=win_transform, x=x, y=y: viewshed_array(
                        d,
                        t,
                        (x, y),
                        observer_height_m=opts["oz"],
                        target_height_m=opts["tz"],
                        max_distance_m=md,
                        curvature_coeff=opts["cc"],
                        nodata=NODATA,
                    ),
                    args.repeat,
                )
                t_file, _ = best_time(
                    lambda x=x, y=y, path=dem_path: viewshed(
                        path,
                        x,
                        y,
                        observer_height_m=opts["oz"],
                        target_height_m=opts["tz"],
                        max_distance_m=md,
                        curvature_coeff=opts["cc"],
                    ),
                    args.repeat,
                )
                out = folder / "gdal.tif"
                t_cli, _ = best_time(
                    lambda x=x, y=y, path=dem_path, out=out: run_gdal_cli(
                        program, path, out, x, y, opts
                    ),
                    args.repeat,
                )
                with rasterio.open(out) as theirs:
                    assert theirs.shape == ours.shape, (theirs.shape, ours.shape)
                    share = float(np.mean((theirs.read(1) == 255) == ours.astype(bool)))
                worst = min(worst, share)
                # Below a tenth of the start-up the difference is noise.
                t_net = t_cli - startup
                net = f"{t_net * 1e3:>7.1f}ms" if t_net > 0.1 * startup else f"{'~0':>9}"
                vs_net = f"{t_wz / t_net:>8.2f}x" if t_net > 0.1 * startup else f"{'-':>9}"
                print(
                    f"   {name:<8} {window.width:>4}x{window.height:<4} "
                    f"{t_wz * 1e3:>8.1f}ms {t_file * 1e3:>6.1f}ms {t_proc * 1e3:>8.1f}ms "
                    f"{t_cli * 1e3:>5.1f}ms {net} {t_wz / t_proc:>7.2f}x {vs_net} "
                    f"{t_wz / t_cli:>6.2f}x {share:>9.4%}"
                )
                timed[name] = {
                    "whitezone_s": t_wz,
                    "whitezone_file_s": t_file,
                    "gdal_in_process_s": _or_none(t_proc),
                    "gdal_cli_s": t_cli,
                    "agreement_pct": share * 100.0,
                }
            wz_total = sum(site["whitezone_s"] for site in timed.values())
            gdal_total = sum(in_process)
            worst_site = max(site["whitezone_s"] / t_proc
                             for site, t_proc in zip(timed.values(), in_process, strict=True))  # fmt: skip
            results[f"viewshed_ratio_to_gdal_{resolution:g}m"] = _or_none(wz_total / gdal_total)
            results[f"viewshed_ratio_to_gdal_{resolution:g}m_worst"] = _or_none(worst_site)
            if args.profile and resolution == args.resolutions[-1]:
                row, col, x, y = next(iter(sites.values()))
                window = gdal_window(row, col, dem.shape, resolution, md)
                profiler = cProfile.Profile()
                profiler.runcall(
                    viewshed_array,
                    dem[window.toslices()],
                    rasterio.windows.transform(window, transform),
                    (x, y),
                    observer_height_m=opts["oz"],
                    max_distance_m=md,
                    nodata=NODATA,
                )
                text = io.StringIO()
                pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(12)
                print(text.getvalue())
        # The first call's compilation, measured in fresh processes: one with
        # an empty numba cache, one with the cache that run filled.
        cold = first_call_s(folder / "numba-cache")
        warm = first_call_s(folder / "numba-cache")
    print(
        "\n   whitezone: viewshed_array on GDAL's window in memory; wz file: viewshed() "
        "reading that window; GDAL proc: ViewshedGenerate in process (MEM output);\n"
        "   cli: the gdal_viewshed command; cli-start: cli less the 1 x 1 start-up (~0: within "
        "noise); agree: cells of GDAL's extent with the same answer. Target wz/GDAL <= 1x."
    )
    print(f"   lowest agreement: {worst:.4%}")
    totals = ", ".join(
        f"{res:g} m {results[f'viewshed_ratio_to_gdal_{res:g}m']:.2f}x"
        for res in args.resolutions
        if results[f"viewshed_ratio_to_gdal_{res:g}m"] is not None
    )
    if totals:
        print(f"   whitezone / GDAL in process, all sites: {totals}")
    print(
        f"   first call in a fresh process: {cold['first_call_s']:.2f} s with an empty numba "
        f"cache (compiling; a float64 DEM then {cold['first_call_float64_s']:.2f} s more), "
        f"{warm['first_call_s'] * 1e3:.0f} ms with the cache filled; importing "
        f"whitezone.viewshed {warm['import_s']:.2f} s"
    )
    results["viewshed_agreement_pct"] = worst * 100.0
    results["viewshed_compile_s"] = cold["first_call_s"]
    results["viewshed_compile_float64_s"] = cold["first_call_float64_s"]
    results["viewshed_cached_first_call_s"] = warm["first_call_s"]
    results["viewshed_import_s"] = warm["import_s"]
    return 0 if worst >= 0.99 else 1


def _or_none(value: float) -> float | None:
    """``value``, or None for NaN (GDAL's in-process time not measured): JSON has no NaN."""
    return None if math.isnan(value) else value


# ---------------------------------------------------------------- province


def bench_province(args: argparse.Namespace) -> int:
    """Time the terrain model on the whole sample province."""
    import warnings
    from dataclasses import replace

    import whitezone as wz
    from whitezone.analysis import model_for
    from whitezone.models import best_from_links

    warnings.simplefilter("ignore")  # validity notes are the CLI's business here
    project = wz.sample_project()
    layers = wz.load_layers(project)
    active = layers.sites[layers.sites["status"] == "active"]
    n_sites = len(active)
    print("== whole province: the sample (Tinh Mau), terrain model")
    print(f"   {len(layers.villages):,} villages, {n_sites:,} active cells and site-technologies "
          f"({active['site_id'].nunique():,} sites), DEM {Path(layers.dem).name}")  # fmt: skip
    if not args.raster_only:
        results = {}
        for kind in ("radius", "pathloss", "terrain", "itm"):
            changes = {"max_range_km": args.itm_range_km} if kind == "itm" else {}
            proj = replace(project, model=replace(project.model, kind=kind, **changes))
            t0 = time.perf_counter()
            model = model_for(proj, layers)
            t_model = time.perf_counter() - t0
            t0 = time.perf_counter()
            result = wz.analyse(layers, proj, model=model)
            t_run = time.perf_counter() - t0
            prov = result.summaries.province.iloc[0]
            results[kind] = (model, result, t_run)
            extra = f" (DEM warp {t_model:.2f} s, {model.dem.heights_m.shape[1]} x " \
                    f"{model.dem.heights_m.shape[0]} cells of {model.dem.resolution_m:.0f} m)" \
                if kind == "terrain" else (f" (links up to {args.itm_range_km:g} km)" if kind == "itm" else "")  # fmt: skip
            print(f"   {kind:<9} classify + indicators {t_run:6.2f} s = "
                  f"{n_sites / t_run:7.1f} site-technologies/s; no signal {int(prov['villages_none']):4d} "
                  f"({prov['pct_none']:.1f} %), weak {int(prov['villages_weak']):4d} "
                  f"({prov['pct_weak']:.1f} %){extra}")  # fmt: skip
        model = results["terrain"][0]
        villages = layers.villages
        xy = villages.geometry.to_crs(layers.crs)
        located = ~villages.geometry.is_empty.to_numpy()
        targets = np.column_stack([xy.x.to_numpy(), xy.y.to_numpy()])[located]
        sites_m = active.to_crs(layers.crs).reset_index(drop=True)
        techs = ["2G", "3G", "4G"]
        code = np.array([techs.index(t) for t in sites_m["technology"]])
        t0 = time.perf_counter()
        fast = model.best(targets, sites_m, code, len(techs))
        t_fast = time.perf_counter() - t0
        t0 = time.perf_counter()
        links = model.links(targets, sites_m)
        slow = best_from_links(links, code, len(targets), len(techs))
        t_slow = time.perf_counter() - t0
        same = np.mean(fast["site"] == slow["site"]) * 100
        print(f"   best servers: branch and bound {t_fast:.2f} s vs profiling all {len(links):,} links "
              f"{t_slow:.2f} s = {t_slow / t_fast:.1f}x; same server {same:.2f} %")  # fmt: skip
        # ITM has no cheaper bound than itself: every link in range is profiled.
        itm = results["itm"][0]
        for name, m in (("terrain", model), ("itm", itm)):
            t0 = time.perf_counter()
            every = m.links(targets, sites_m)
            t_links = time.perf_counter() - t0
            print(f"   {name:<7} every link in its reach: {len(every):,} village x site-technology links "
                  f"in {t_links:.2f} s = {len(every) / t_links:,.0f} links/s")  # fmt: skip
        args.results["villages_site_techs_per_s"] = n_sites / results["terrain"][2]
    bench_rasters(args, project, layers, n_sites,
                  (args.raster_reach_km,) if args.raster_only else (args.raster_reach_km, None))  # fmt: skip
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"   peak memory {peak:,.0f} MiB")
    return 0


def bench_rasters(args: argparse.Namespace, project, layers, n_sites: int, reaches) -> None:
    """Best-server rasters by radial sweeps and exactly, at each of ``reaches`` (None: the sample's).

    Each method is called once on one commune at 1 km first, so that the
    timings leave out numba's compilation (or its cache's loading), stated
    apart.  The figures at ``--raster-reach-km`` go into ``args.results``.
    """
    from dataclasses import replace

    from whitezone.analysis import model_for
    from whitezone.models.radial import RadialSweep
    from whitezone.rasters import coverage_rasters

    # The time inside the tiles' sweeps, the rest being the grid, the GeoTIFFs and the COGs.
    swept = [0.0]
    tile = RadialSweep.tile

    def timed_tile(self, *a, **k):
        t0 = time.perf_counter()
        try:
            return tile(self, *a, **k)
        finally:
            swept[0] += time.perf_counter() - t0

    RadialSweep.tile = timed_tile
    try:
        # Rasters: radial sweeps against every cell profiled, at the 15 km reach and at the
        # sample's own (longer) reach; the same model otherwise.
        for reach in reaches:
            proj = replace(project, model=replace(project.model, kind="terrain",
                                                  **({"max_range_km": reach} if reach else {})))  # fmt: skip
            m = model_for(proj, layers)
            label = f"{reach:g} km reach" if reach else "the sample's reach"
            timings, sweeps = {}, {}
            with tempfile.TemporaryDirectory() as tmp:
                for method in ("radial", "exact"):
                    t0 = time.perf_counter()
                    coverage_rasters(layers.sites, m, area=layers.communes.iloc[:1], crs=layers.crs,
                                     folder=Path(tmp) / f"first-{method}", method=method,
                                     resolution_m=1000.0)  # fmt: skip
                    first = time.perf_counter() - t0
                    swept[0] = 0.0
                    t0 = time.perf_counter()
                    written = coverage_rasters(layers.sites, m, area=layers.communes, crs=layers.crs,
                                               folder=Path(tmp) / method, method=method,
                                               resolution_m=args.raster_resolution_m)  # fmt: skip
                    timings[method] = time.perf_counter() - t0
                    sweeps[method] = swept[0]
                    size = sum(Path(p).stat().st_size for p in written.values()) / 1e6
                    inside = (f", {swept[0]:.1f} s in the tiles' sweeps" if method == "radial" else "")
                    print(f"   rasters {method:<6} at {args.raster_resolution_m:g} m, {label}: "
                          f"{timings[method]:6.1f} s = {n_sites / timings[method]:7.1f} site-technologies/s "
                          f"({size:.1f} MB of COG{inside}; first call {first:.1f} s before, one commune "
                          f"at 1 km)")  # fmt: skip
                within, covered, same = raster_agreement(Path(tmp) / "exact", Path(tmp) / "radial")
                if args.profile and reach:
                    profiler = cProfile.Profile()
                    profiler.runcall(coverage_rasters, layers.sites, m, area=layers.communes, crs=layers.crs,
                                     folder=Path(tmp) / "profiled", method="radial",
                                     resolution_m=args.raster_resolution_m)  # fmt: skip
                    text = io.StringIO()
                    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(12)
                    print(text.getvalue())
            ratio = timings["exact"] / timings["radial"]
            print(f"   radial vs exact, {label}: {ratio:.1f}x faster; {within / covered * 100:.2f} % of "
                  f"{covered:,} covered cells within 1 dB, same server on {same / covered * 100:.2f} %")  # fmt: skip
            if reach:
                args.results.update({
                    "raster_reach_km": reach, "raster_resolution_m": args.raster_resolution_m,
                    "raster_site_techs_per_s": n_sites / timings["radial"],
                    "raster_exact_site_techs_per_s": n_sites / timings["exact"],
                    "raster_radial_to_exact_speed": ratio,
                    "raster_sweep_share_pct": sweeps["radial"] / timings["radial"] * 100.0,
                    "raster_agreement_pct": within / covered * 100.0,
                    "raster_same_server_pct": same / covered * 100.0,
                })  # fmt: skip
    finally:
        RadialSweep.tile = tile


def raster_agreement(exact: Path, radial: Path) -> tuple[int, int, int]:
    """Cells within 1 dB, cells covered by either method, cells with the same server."""
    within = covered = same = 0
    for path in sorted(exact.glob("signal_*.tif")):
        with rasterio.open(path) as e, rasterio.open(radial / path.name) as r:
            se, sr = e.read(1), r.read(1)
        server = path.name.replace("signal_", "server_")
        with rasterio.open(exact / server) as e, rasterio.open(radial / server) as r:
            ve, vr = e.read(1), r.read(1)
        either = np.isfinite(se) | np.isfinite(sr)
        # A cell one method reaches and the other does not counts as a disagreement.
        close = np.isfinite(se) & np.isfinite(sr) & (np.abs(np.nan_to_num(se) - np.nan_to_num(sr)) <= 1.0)
        within += int(close.sum())
        covered += int(either.sum())
        same += int(((ve == vr) & either).sum())
    return within, max(covered, 1), same


def bench_itm(args: argparse.Namespace) -> int:
    """ITM's kernel on DEM profiles against NTIA's C++ (benchmarks/itm.py, same run)."""
    import itm as itm_bench  # benchmarks/itm.py

    print("== ITM point to point: whitezone's kernel vs NTIA's reference implementation")
    argv = ["--repeat", str(args.repeat), "--seed", str(args.seed)]
    return itm_bench.main(argv + (["--ntia-lib", args.ntia_lib] if args.ntia_lib else []))


# -------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    """Run the chosen sections (all when none is named)."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--viewshed", action="store_true", help="run the viewshed section")
    parser.add_argument("--province", action="store_true", help="run the whole-province section")
    parser.add_argument("--raster-resolution-m", type=float, default=100.0,
                        help="province rasters' cell size (default 100)")  # fmt: skip
    parser.add_argument("--raster-only", action="store_true",
                        help="province: only the rasters at --raster-reach-km (radial, exact, agreement)")
    parser.add_argument("--raster-reach-km", type=float, default=15.0,
                        help="province rasters: the terrain model's max_range_km (default 15)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing, best kept")
    parser.add_argument("--seed", type=int, default=0, help="random seed for the sites")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile")
    parser.add_argument("--itm", action="store_true",
                        help="run the ITM kernel against NTIA's reference implementation (itm.py)")
    parser.add_argument("--itm-range-km", type=float, default=30.0,
                        help="province: the ITM model's max_range_km (default 30)")
    parser.add_argument("--ntia-lib", metavar="LIBITM_SO",
                        help="NTIA's ITM built as a shared library (see benchmarks/itm.py)")
    group = parser.add_argument_group("viewshed")
    group.add_argument("--sites", type=int, default=5, help="sites per resolution (default 5)")
    group.add_argument("--resolutions", type=float, nargs="+", default=[90.0, 30.0],
                       help="cell sizes in metres (default 90 30)")  # fmt: skip
    group.add_argument("--max-distance-km", type=float, default=15.0, help="default 15")
    group.add_argument("--observer-height-m", type=float, default=30.0, help="default 30")
    group.add_argument("--target-height-m", type=float, default=1.5, help="default 1.5")
    parser.add_argument("--json", metavar="FILE", type=Path,
                        help="also write the figures as one JSON object to FILE")  # fmt: skip
    args = parser.parse_args(argv)
    # Each section adds its figures here; written to --json at the end.
    args.results = {}
    sections = {"viewshed": bench_viewshed, "province": bench_province, "itm": bench_itm}
    chosen = [name for name in sections if getattr(args, name)] or list(sections)
    status = 0
    for name in chosen:
        status = max(status, sections[name](args))
    if args.json is not None:
        args.json.write_text(json.dumps(args.results, indent=2, sort_keys=True) + "\n")
        print(f"\nfigures written to {args.json}")
    return status


if __name__ == "__main__":
    sys.exit(main())
