"""Benchmark: a national run end to end, 10 million villages x 5 million site-technologies, national inputs.

What is measured
----------------
**(a) A national project through the public API.**  A synthetic country of
the issue's size — about 10,600 communes, 80,000 villages and 110,000
site-technologies — is written to files in a temporary folder (communes as a
GeoPackage, villages as GeoParquet, sites as a CSV with lon/lat) with a
``project.toml``, then run exactly as a planner's script would::

    project = whitezone.read_project("project.toml")
    layers = whitezone.load_layers(project)
    result = whitezone.analyse(layers, project)      # engine="dask" with --engine dask
    whitezone.write_outputs(result)

printing the wall time of each call, the steps of ``result.timings`` and the
peak memory (``ru_maxrss``).  Communes are the Voronoi cells of random seeds
(half drawn near villages, so communes are small where people are many)
clipped to a rough outline of the country (the spine of
:mod:`_synthetic` widened by about 165 km, inside its extent); villages and
sites come from :mod:`_synthetic`.  Villages carry no ``commune_id``: the
reader places them by location, as with many real village lists.

**(b) 10,000,000 villages x 5,000,000 site-technologies on one machine**, the
radius model (the default radii; 3 % of the sites with their own radius),
both ways:

* *in memory*: ``classify_points`` on the whole GeoSeries of villages;
* *streaming*: ``whitezone.stream.classify_file`` on the GeoParquet file,
  a million villages at a time, writing every village's classes to a CSV.

The data are generated inside the benchmark (seeded) by a first process and
written to GeoParquet; each method then runs in a fresh process that reads
them, so each peak memory is that method's own (the villages and sites it
holds included).  Both must give the same counts.  Target: under 2 minutes
and 8 GB each.

**(c) National inputs and hexagons.**  A synthetic OpenCelliD extract of
3,000,000 cells (gzip CSV in OpenCelliD's documented columns, 5 % of them
Laotian) is read with ``read_opencellid(mcc=452, use_range=True)``, timed
against ``pandas.read_csv`` of the same file (the parse alone) and, on its
first 300,000 cells, against the plain geopandas way of making sites of
co-located cells (25 m discs dissolved per network, exploded, the cells
joined back).  A million classified villages are aggregated to H3 hexagons
with ``hexagon_summary``, against the h3 string API called per point and a
pandas ``groupby``; both must give the same counts.

**(d) Terrain at national scale.**  The national project of (a) with a
synthetic national DEM (the country's extent at 3", about 90 m: a seeded
fractal relief, higher in the north) and ``[model] kind = "terrain"``: the DEM
warped to the metric grid, every village classified by exact profiles
(target: under 2 minutes), and with ``--raster`` the national best-server
raster at 100 m (target: under 15 minutes and 8 GB).

How to run
----------
From the repository root::

    python benchmarks/national.py                    # (a) then (b)
    python benchmarks/national.py --part a           # the national project only
    python benchmarks/national.py --part a --engine dask
    python benchmarks/national.py --part b --villages 2000000 --sites 1000000
    python benchmarks/national.py --part c --cells 3000000 --hex-villages 1000000
    python benchmarks/national.py --part d [--raster]  # terrain model over a national DEM
    python benchmarks/national.py --keep /tmp/wz-national   # keep the files

The script puts ``src/`` first on ``sys.path``, so it benchmarks the
checkout it lives in.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "src"), str(HERE)]

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402
from _synthetic import _SPINE, EXTENT, make_country, make_sites, make_villages  # noqa: E402
from scipy.spatial import cKDTree  # noqa: E402

#: Half-width of the rough outline around the spine, degrees (about 165 km):
#: wide enough to hold nearly every synthetic village.
OUTLINE_DEG = 1.5

#: The metric CRS of part (b), as a national run in the north would choose.
METRIC_EPSG = 32648

OPERATORS = np.array(["Viettel", "VinaPhone", "MobiFone"], dtype=object)


def peak_mib() -> float:
    """Peak resident memory of this process (``ru_maxrss``), MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def outline() -> shapely.Geometry:
    """A rough outline of the synthetic country: the spine widened, inside the extent."""
    return shapely.intersection(shapely.LineString(_SPINE).buffer(OUTLINE_DEG, quad_segs=8),
                                shapely.box(*EXTENT))  # fmt: skip


def make_communes(n: int, seed: int, country, shape: shapely.Geometry) -> gpd.GeoDataFrame:
    """``n`` communes: Voronoi cells of seeds (half near villages) clipped to ``shape``."""
    rng = np.random.default_rng([seed, 11])
    near = make_villages(n // 2, seed + 101, country).get_coordinates().to_numpy()
    x0, y0, x1, y1 = shapely.bounds(shape)
    spread = rng.uniform([x0, y0], [x1, y1], (4 * n, 2))
    spread = spread[shapely.contains_xy(shape, spread[:, 0], spread[:, 1])][: n - len(near)]
    seeds = np.vstack([near[shapely.contains_xy(shape, near[:, 0], near[:, 1])], spread])
    seeds = np.unique(np.round(seeds, 6), axis=0)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds),
                                                       extend_to=shapely.box(x0, y0, x1, y1)))  # fmt: skip
    shapely.prepare(shape)
    cells = shapely.intersection(cells, shape)
    cells = cells[~shapely.is_empty(cells) & (shapely.area(cells) > 0)]
    inside = shapely.point_on_surface(cells)
    _, town = cKDTree(country.towns).query(shapely.get_coordinates(inside))
    province = country.town_province[town]
    ids = [f"{i:05d}" for i in range(len(cells))]
    return gpd.GeoDataFrame(
        {
            "commune_id": ids,
            "commune": [f"Xã {i}" for i in ids],
            "district": [f"Huyện {t:03d}" for t in town],
            "province": [f"Tỉnh {p:02d}" for p in province],
        },
        geometry=cells,
        crs=4326,
    )


def write_national(folder: Path, *, seed: int, communes: int, villages: int,
                   sites: int) -> tuple[Path, dict[str, int]]:  # fmt: skip
    """Write the national project's files and its ``project.toml``; return its path and sizes."""
    folder.mkdir(parents=True, exist_ok=True)
    country = make_country(seed)
    rng = np.random.default_rng([seed, 12])
    shape = outline()
    com = make_communes(communes, seed, country, shape)
    com.to_file(folder / "communes.gpkg", driver="GPKG", engine="pyogrio")
    points = make_villages(villages, seed, country)
    vil = gpd.GeoDataFrame(
        {
            "village_id": points.index.to_numpy(dtype=object),
            "village": [f"Thôn {i}" for i in range(villages)],
            "population": np.round(rng.lognormal(6.2, 0.6, villages)).astype(np.int64),
        },
        geometry=points.to_numpy(),
        crs=4326,
    )
    vil.to_parquet(folder / "villages.parquet")
    st = make_sites(sites, seed, country)
    table = pd.DataFrame(
        {
            "site_id": st["site_id"],
            "operator": OPERATORS[rng.integers(0, len(OPERATORS), len(st))],
            "technology": st["technology"],
            "status": st["status"],
            "radius_km": st["radius_km"],
            "lon": np.round(st.geometry.x, 6),
            "lat": np.round(st.geometry.y, 6),
        }
    )
    table.to_csv(folder / "sites.csv", index=False, encoding="utf-8")
    project = folder / "project.toml"
    project.write_text(
        'name = "Synthetic Vietnam (national benchmark)"\n'
        'output = "output"\n'
        'lang = "en"\n\n'
        "[layers]\n"
        'communes = "communes.gpkg"\n'
        'villages = "villages.parquet"\n'
        'sites = "sites.csv"\n\n'
        "[model]\n"
        'kind = "radius"\n',
        encoding="utf-8",
    )
    sizes = {"communes": len(com), "villages": len(vil), "site-technologies": len(st)}
    return project, sizes


def part_a(args, folder: Path) -> None:
    """The national project end to end through the public API."""
    import whitezone

    print("(a) national project end to end through the public API")
    start = time.perf_counter()
    project_path, sizes = write_national(folder / "national", seed=args.seed,
                                         communes=args.communes, villages=args.national_villages,
                                         sites=args.national_sites)  # fmt: skip
    t_write = time.perf_counter() - start
    print("    " + ", ".join(f"{v:,} {k}" for k, v in sizes.items())
          + f"; files written in {t_write:.1f} s to {project_path.parent}")  # fmt: skip
    kwargs = {}
    if args.engine == "dask":
        if "engine" in inspect.signature(whitezone.analyse).parameters:
            kwargs = {"engine": "dask"}
        else:
            print("    dask engine not available (whitezone.analyse has no engine keyword); "
                  "running the default engine")  # fmt: skip
    rows = []
    t = time.perf_counter()
    project = whitezone.read_project(project_path)
    rows.append(("read_project", time.perf_counter() - t))
    t = time.perf_counter()
    layers = whitezone.load_layers(project)
    rows.append(("load_layers", time.perf_counter() - t))
    t = time.perf_counter()
    result = whitezone.analyse(layers, project, **kwargs)
    rows.append((f"analyse{' (engine=dask)' if kwargs else ''}", time.perf_counter() - t))
    t = time.perf_counter()
    whitezone.write_outputs(result)
    rows.append(("write_outputs", time.perf_counter() - t))
    total = sum(s for _, s in rows)
    for name, seconds in rows:
        print(f"    {name:<32} {seconds:8.2f} s")
        if name.startswith("analyse"):
            for step, s in result.timings.items():
                print(f"      {step:<30} {s:8.2f} s")
    print(f"    {'total':<32} {total:8.2f} s")
    nation = result.summaries.province[["villages", "villages_none", "villages_weak", "villages_good",
                                         "villages_unclassified"]].sum()  # fmt: skip
    provinces = int((result.summaries.province["province"] != "(no province)").sum())
    print(f"    {provinces} provinces, {int(nation['villages']):,} villages: "
          f"none {int(nation['villages_none']):,}, weak {int(nation['villages_weak']):,}, "
          f"good {int(nation['villages_good']):,}, "
          f"unclassified {int(nation['villages_unclassified']):,}")  # fmt: skip
    print(f"    peak memory (ru_maxrss)          {peak_mib():8.0f} MiB")


# --------------------------------------------------------------------------- part (d)


def write_national_dem(path: Path, seed: int, *, arcsec: float = 3.0) -> tuple[int, int]:
    """A fractal relief over the country's extent at ``arcsec`` (3": ~90 m), as a tiled GeoTIFF.

    Octaves of seeded random grids, each twice as fine as the last and
    ``2**-0.8`` as strong (a fractal surface of dimension ~2.2), zoomed
    bilinearly to the full grid and summed; mountains are scaled up towards
    the north as Vietnam's are.  Written row block by row block, int16,
    deflate, 512 x 512 tiles.
    """
    import rasterio
    from rasterio.transform import from_origin
    from scipy import ndimage

    lon0, lat0, lon1, lat1 = EXTENT
    step = arcsec / 3600.0
    cols, rows = int(round((lon1 - lon0) / step)), int(round((lat1 - lat0) / step))
    rng = np.random.default_rng([seed, 40])
    grids = [rng.normal(0.0, 1.0, (4 * 2**k + 1, 2 * 2**k + 1)) * 2.0 ** (-0.8 * k) for k in range(11)]
    profile = {"driver": "GTiff", "width": cols, "height": rows, "count": 1, "dtype": "int16",
               "crs": "EPSG:4326", "transform": from_origin(lon0, lat1, step, step), "nodata": -32768,
               "tiled": True, "blockxsize": 512, "blockysize": 512, "compress": "deflate"}  # fmt: skip
    block = 1024
    with rasterio.open(path, "w", **profile) as dst:
        for r0 in range(0, rows, block):
            r1 = min(rows, r0 + block)
            rr, cc = np.meshgrid(np.arange(r0, r1, dtype=np.float64), np.arange(cols, dtype=np.float64),
                                 indexing="ij")  # fmt: skip
            z = np.zeros(rr.shape, dtype=np.float32)
            for g in grids:
                coords = [rr * (g.shape[0] - 1) / (rows - 1), cc * (g.shape[1] - 1) / (cols - 1)]
                z += ndimage.map_coordinates(g, coords, order=1, prefilter=False).astype(np.float32)
            north = 0.45 + 0.55 * (1.0 - rr / rows)  # row 0 is the north
            z = np.clip(600.0 + 700.0 * z * north, 0.0, 3100.0)
            dst.write(z.astype(np.int16)[None], window=((r0, r1), (0, cols)))
    return cols, rows


def part_d(args, folder: Path) -> None:
    """The national project with the terrain model over a national DEM, and its raster."""
    import warnings

    import rasterio

    import whitezone
    from whitezone.classify import classify_villages
    from whitezone.models import model_for
    from whitezone.rasters import coverage_rasters

    warnings.simplefilter("ignore")  # validity notes are the CLI's business
    print("(d) terrain at national scale: a synthetic national DEM at 90 m")
    national = folder / "national"
    t = time.perf_counter()
    project_path, sizes = write_national(national, seed=args.seed, communes=args.communes,
                                         villages=args.national_villages, sites=args.national_sites)  # fmt: skip
    dem_path = national / f"dem_seed{args.seed}.tif"
    reused = args.keep is not None and dem_path.exists()  # the same seed writes the same DEM
    if reused:
        with rasterio.open(dem_path) as src:
            cols, rows = src.width, src.height
    else:
        cols, rows = write_national_dem(dem_path, args.seed)
    print(f"    {', '.join(f'{v:,} {k}' for k, v in sizes.items())}; DEM {cols:,} x {rows:,} cells "
          f"of 3\" {'reused (--keep)' if reused else 'written'} in {time.perf_counter() - t:.1f} s")  # fmt: skip
    text = project_path.read_text(encoding="utf-8")
    project_path.write_text(text.replace('sites = "sites.csv"\n', f'sites = "sites.csv"\ndem = "{dem_path.name}"\n')
                            .replace('kind = "radius"', 'kind = "terrain"'), encoding="utf-8")  # fmt: skip
    project = whitezone.read_project(project_path)
    layers = whitezone.load_layers(project)
    t = time.perf_counter()
    model = model_for(project, layers)
    t_dem = time.perf_counter() - t
    rows_, cols_ = model.dem.heights_m.shape
    print(f"    DEM warped to {layers.crs.to_string()}: {cols_:,} x {rows_:,} cells of "
          f"{model.dem.resolution_m:.0f} m in {t_dem:.1f} s")  # fmt: skip
    t = time.perf_counter()
    villages = classify_villages(layers.villages, layers.sites, model=model, crs=layers.crs)
    t_villages = time.perf_counter() - t
    n_active = int((layers.sites["status"] == "active").sum())
    counts = villages["class_any"].value_counts()
    print(f"    villages classified by exact profiles: {t_villages:.1f} s "
          f"({len(villages):,} villages x {n_active:,} active site-technologies; "
          f"{n_active / t_villages:,.0f} site-technologies/s; target under 120 s: "
          f"{'met' if t_villages < 120 else 'MISSED'}); none {counts.get('none', 0):,}, "
          f"weak {counts.get('weak', 0):,}, good {counts.get('good', 0):,}")  # fmt: skip
    print(f"    peak memory so far {peak_mib():,.0f} MiB")
    if args.raster:
        t = time.perf_counter()
        written = coverage_rasters(layers.sites, model, area=layers.communes, crs=layers.crs,
                                   folder=national / "rasters", resolution_m=args.raster_resolution_m)  # fmt: skip
        t_raster = time.perf_counter() - t
        size = sum(Path(p).stat().st_size for p in written.values()) / 1e6
        print(f"    national best-server raster at {args.raster_resolution_m:g} m: {t_raster:.0f} s "
              f"({n_active / t_raster:,.1f} site-technologies/s, {size:,.0f} MB; target under 900 s: "
              f"{'met' if t_raster < 900 else 'MISSED'})")  # fmt: skip
    print(f"    peak memory (ru_maxrss)          {peak_mib():8.0f} MiB")


# --------------------------------------------------------------------------- part (b)


def worker_generate(folder: Path, villages: int, sites: int, seed: int) -> dict:
    """Generate the 10M x 5M data (seeded) and write them as GeoParquet."""
    t = time.perf_counter()
    country = make_country(seed)
    points = make_villages(villages, seed, country)
    gpd.GeoDataFrame({"village_id": points.index.to_numpy(dtype=object)}, geometry=points.to_numpy(),
                     crs=4326).to_parquet(folder / "villages.parquet")  # fmt: skip
    del points
    st = make_sites(sites, seed, country)
    st.to_parquet(folder / "sites.parquet")
    return {"seconds": time.perf_counter() - t, "peak_mib": peak_mib()}


def worker_inmemory(folder: Path) -> dict:
    """classify_points on all villages at once."""
    from pyproj import CRS

    from whitezone.classify import classify_points, technologies_of

    t = time.perf_counter()
    villages = gpd.read_parquet(folder / "villages.parquet")
    sites = gpd.read_parquet(folder / "sites.parquet")
    t_read = time.perf_counter() - t
    rss_read = peak_mib()
    t = time.perf_counter()
    cpu = time.process_time()
    out = classify_points(villages.geometry, sites, crs=CRS.from_epsg(METRIC_EPSG),
                          technologies=technologies_of(sites))  # fmt: skip
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    counts = out["class_any"].astype(object).fillna("unclassified").value_counts()
    return {"read_seconds": t_read, "read_peak_mib": rss_read, "seconds": seconds, "cpu": cpu,
            "peak_mib": peak_mib(),
            "counts": {c: int(counts.get(c, 0)) for c in ("none", "weak", "good", "unclassified")}}  # fmt: skip


def worker_stream(folder: Path, chunk_rows: int) -> dict:
    """classify_file on the GeoParquet file, chunk by chunk, into a CSV."""
    from pyproj import CRS

    from whitezone.classify import technologies_of
    from whitezone.stream import classify_file

    t = time.perf_counter()
    sites = gpd.read_parquet(folder / "sites.parquet")
    t_read = time.perf_counter() - t
    t = time.perf_counter()
    cpu = time.process_time()
    counts = classify_file(folder / "villages.parquet", sites, out_csv=folder / "classes.csv",
                           crs=CRS.from_epsg(METRIC_EPSG), technologies=technologies_of(sites),
                           chunk_rows=chunk_rows)  # fmt: skip
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    total = counts.sum()
    return {"read_seconds": t_read, "seconds": seconds, "cpu": cpu, "peak_mib": peak_mib(),
            "chunks": counts.attrs["chunks"], "csv_mib": (folder / "classes.csv").stat().st_size / 2**20,
            "counts": {c: int(total[f"villages_{c}"]) for c in ("none", "weak", "good", "unclassified")}}  # fmt: skip


def run_worker(kind: str, folder: Path, *extra: str) -> dict:
    """Run one worker in a fresh Python process; its peak memory is its own."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, str(folder), *extra]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"the {kind} worker failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def part_b(args, folder: Path) -> bool:
    """10M villages x 5M site-technologies, in memory and streaming."""
    folder = folder / "big"
    folder.mkdir(parents=True, exist_ok=True)
    print(f"(b) {args.villages:,} villages x {args.sites:,} site-technologies, radius model, "
          f"EPSG:{METRIC_EPSG}, {os.cpu_count()} cores")  # fmt: skip
    gen = run_worker("generate", folder, str(args.villages), str(args.sites), str(args.seed))
    print(f"    data generated and written (GeoParquet)  {gen['seconds']:8.1f} s "
          f"(generator peak {gen['peak_mib']:,.0f} MiB)")  # fmt: skip
    mem = run_worker("inmemory", folder)
    stream = run_worker("stream", folder, str(args.chunk_rows))
    ok = True
    for name, r in (("in memory (classify_points)", mem),
                    (f"streaming (classify_file, {args.chunk_rows:,}/chunk)", stream)):  # fmt: skip
        met = r["seconds"] < 120 and r["peak_mib"] < 8 * 1024
        ok &= met
        print(f"    {name}")
        print(f"      classification {r['seconds']:8.1f} s wall, {r['cpu']:6.1f} s CPU"
              f"   peak memory {r['peak_mib']:7,.0f} MiB   target < 120 s, < 8192 MiB: "
              f"{'met' if met else 'NOT MET'}")  # fmt: skip
        if "read_peak_mib" in r:
            print(f"      (reading the 10M villages and 5M sites first: {r['read_seconds']:.1f} s, "
                  f"{r['read_peak_mib']:,.0f} MiB)")  # fmt: skip
        else:
            print(f"      (reading the sites first: {r['read_seconds']:.1f} s; {r['chunks']} chunks; "
                  f"classes CSV {r['csv_mib']:,.0f} MiB, included in the time)")  # fmt: skip
    same = mem["counts"] == stream["counts"]
    ok &= same
    counts = ", ".join(f"{k} {mem['counts'].get(k, 0):,}" for k in ("none", "weak", "good", "unclassified"))
    print(f"    villages by class (any technology): {counts}")
    print(f"    streaming counts equal the in-memory counts: {'yes' if same else 'NO'}")
    return ok


# --------------------------------------------------------------------------- part (c)


def write_opencellid(path: Path, cells: int, seed: int) -> int:
    """A gzip OpenCelliD extract in the documented column layout: ``cells`` rows, Vietnam's
    three networks plus 5 % of Laos (MCC 457), two to four cells per site location."""
    import gzip

    rng = np.random.default_rng([seed, 21])
    country = make_country(seed)
    n_sites = cells // 3
    xy = make_sites(n_sites, seed, country).get_coordinates().to_numpy()
    per = rng.integers(2, 5, n_sites)
    site = np.repeat(np.arange(n_sites), per)[:cells]
    n = len(site)
    lon = xy[site, 0] + rng.normal(0, 0.00005, n)   # cells of a mast a few metres apart
    lat = xy[site, 1] + rng.normal(0, 0.00005, n)
    frame = pd.DataFrame({
        "radio": rng.choice(np.array(["GSM", "UMTS", "LTE", "NR"]), n, p=[0.3, 0.3, 0.37, 0.03]),
        "mcc": np.where(rng.random(n) < 0.05, 457, 452),
        "net": rng.choice(np.array([1, 2, 4]), n)[site],
        "area": rng.integers(1, 60_000, n), "cell": np.arange(n), "unit": 0,
        "lon": np.round(lon, 7), "lat": np.round(lat, 7),
        "range": rng.integers(0, 20_000, n), "samples": rng.integers(1, 200, n), "changeable": 1,
        "created": 1_500_000_000, "updated": 1_600_000_000, "averageSignal": 0,
    })  # fmt: skip
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as f:
        frame.to_csv(f, index=False)
    return n


def plain_sites(path: Path) -> int:
    """Sites of an OpenCelliD extract the plain geopandas way; returns how many."""
    raw = pd.read_csv(path)
    raw = raw[raw["mcc"] == 452]
    cells = gpd.GeoDataFrame({"net": raw["net"].to_numpy()},
                             geometry=gpd.points_from_xy(raw["lon"], raw["lat"]), crs=4326)  # fmt: skip
    cells = cells.to_crs(cells.estimate_utm_crs())
    discs = cells.assign(geometry=cells.buffer(25.0))
    blobs = discs.dissolve("net").explode(index_parts=False).reset_index()
    blobs["site"] = np.arange(len(blobs))
    joined = gpd.sjoin(cells, blobs[["net", "site", "geometry"]], predicate="within")
    joined = joined[joined["net_left"] == joined["net_right"]]
    position = joined.assign(x=joined.geometry.x, y=joined.geometry.y).groupby("site")[["x", "y"]].mean()
    return len(position)


def plain_hexagons(lng: np.ndarray, lat: np.ndarray, classes: np.ndarray,
                   resolution: int) -> pd.DataFrame:  # fmt: skip
    """The obvious H3 aggregation: the string API per point, then a pandas groupby."""
    import h3

    cells = [h3.latlng_to_cell(y, x, resolution) for x, y in zip(lng, lat, strict=True)]
    frame = pd.DataFrame({"h3": cells, "class_any": classes})
    counts = frame.groupby(["h3", "class_any"]).size().unstack(fill_value=0)
    counts["geometry"] = [shapely.Polygon([(x, y) for y, x in h3.cell_to_boundary(c)])
                          for c in counts.index]  # fmt: skip
    return counts


def part_c(args, folder: Path) -> None:
    """OpenCelliD extract and H3 aggregation at national scale, against the obvious way."""
    from whitezone.hexagons import hexagon_summary
    from whitezone.layers import read_opencellid

    print(f"(c) inputs and hexagons: an OpenCelliD extract of {args.cells:,} cells; "
          f"{args.hex_villages:,} villages to H3 resolution {args.hex_resolution}")  # fmt: skip
    path = folder / "cells.csv.gz"
    t = time.perf_counter()
    n = write_opencellid(path, args.cells, args.seed)
    print(f"    extract written                      {time.perf_counter() - t:8.2f} s "
          f"({path.stat().st_size / 2**20:,.0f} MiB gzip, {n:,} cells)")  # fmt: skip
    t = time.perf_counter()
    raw = pd.read_csv(path)
    t_parse = time.perf_counter() - t
    t = time.perf_counter()
    sites = read_opencellid(path, mcc=452, use_range=True)
    t_wz = time.perf_counter() - t
    kept = int((raw["mcc"] == 452).sum())
    print(f"    pandas.read_csv of the whole file      {t_parse:8.2f} s (parsing only, every column)")
    print(f"    whitezone read_opencellid(mcc=452)     {t_wz:8.2f} s ({t_wz / t_parse:.1f} x the parse "
          f"alone): {kept:,} cells -> {sites['site_id'].nunique():,} sites, "
          f"{len(sites):,} site-technologies")  # fmt: skip
    assert int(sites["cells"].sum()) == kept, "every Vietnamese cell belongs to one site-technology"
    # The obvious geopandas way to make sites of co-located cells, on the first cells only
    # (it takes minutes on the whole extract): 25 m discs dissolved per network, exploded,
    # and the cells joined back to their blob.
    subset = raw.iloc[: args.alt_cells]
    subset_path = folder / "cells-subset.csv.gz"
    subset.to_csv(subset_path, index=False, compression={"method": "gzip", "compresslevel": 1})
    t = time.perf_counter()
    wz_sub = read_opencellid(subset_path, mcc=452)
    t_wz_sub = time.perf_counter() - t
    t = time.perf_counter()
    n_plain = plain_sites(subset_path)
    t_plain = time.perf_counter() - t
    print(f"    first {len(subset):,} cells: geopandas buffer(25 m) + dissolve per network + explode + "
          f"sjoin {t_plain:.2f} s, whitezone {t_wz_sub:.2f} s = {t_plain / t_wz_sub:.0f} x faster; "
          f"sites {n_plain:,} vs {wz_sub['site_id'].nunique():,}")  # fmt: skip
    del raw, subset

    rng = np.random.default_rng([args.seed, 22])
    points = make_villages(args.hex_villages, args.seed, make_country(args.seed))
    classes = rng.choice(np.array(["none", "weak", "good"]), len(points), p=[0.01, 0.03, 0.96])
    villages = gpd.GeoDataFrame({"class_any": pd.Categorical(classes, categories=["none", "weak", "good"]),
                                 "population": rng.integers(50, 2000, len(points))},
                                geometry=points.geometry.to_numpy(), crs=4326)  # fmt: skip
    t = time.perf_counter()
    hexes = hexagon_summary(villages, resolution=args.hex_resolution)
    t_wz = time.perf_counter() - t
    xy = villages.get_coordinates().to_numpy()
    t = time.perf_counter()
    plain = plain_hexagons(xy[:, 0], xy[:, 1], classes, args.hex_resolution)
    t_plain = time.perf_counter() - t
    same = (hexes.set_index("h3")[["villages_none", "villages_weak", "villages_good"]]
            .sort_index().to_numpy()
            == plain.reindex(columns=["none", "weak", "good"], fill_value=0).sort_index().to_numpy()).all()  # fmt: skip
    print(f"    h3 string API per point + groupby      {t_plain:8.2f} s")
    print(f"    whitezone hexagon_summary              {t_wz:8.2f} s = {t_plain / t_wz:.1f} x faster; "
          f"{len(hexes):,} hexagons, same counts: {'yes' if same else 'NO'}")  # fmt: skip
    print(f"    peak memory (ru_maxrss)          {peak_mib():8.0f} MiB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--part", choices=["a", "b", "c", "d", "all"], default="all")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--communes", type=int, default=10_600)
    parser.add_argument("--national-villages", type=int, default=80_000)
    parser.add_argument("--national-sites", type=int, default=110_000)
    parser.add_argument("--engine", choices=["default", "dask"], default="default",
                        help="part (a): analyse(..., engine='dask') when available")  # fmt: skip
    parser.add_argument("--villages", type=int, default=10_000_000, help="part (b) villages")
    parser.add_argument("--sites", type=int, default=5_000_000, help="part (b) site-technologies")
    parser.add_argument("--chunk-rows", type=int, default=1_000_000, help="part (b) streaming chunk")
    parser.add_argument("--cells", type=int, default=3_000_000, help="part (c) OpenCelliD cells")
    parser.add_argument("--alt-cells", type=int, default=300_000,
                        help="part (c) cells given to the plain geopandas way")  # fmt: skip
    parser.add_argument("--hex-villages", type=int, default=1_000_000, help="part (c) villages")
    parser.add_argument("--hex-resolution", type=int, default=7, help="part (c) H3 resolution")
    parser.add_argument("--raster", action="store_true",
                        help="part (d): also the national best-server raster (long with the exact method)")
    parser.add_argument("--raster-resolution-m", type=float, default=100.0, help="part (d) raster cell size")
    parser.add_argument("--keep", type=Path, default=None,
                        help="write the files here and keep them (default a temporary folder)")  # fmt: skip
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        kind, folder, *extra = args.worker
        folder = Path(folder)
        if kind == "generate":
            out = worker_generate(folder, int(extra[0]), int(extra[1]), int(extra[2]))
        elif kind == "inmemory":
            out = worker_inmemory(folder)
        else:
            out = worker_stream(folder, int(extra[0]))
        print(json.dumps(out))
        return 0

    folder = args.keep or Path(tempfile.mkdtemp(prefix="wz-national-"))
    folder.mkdir(parents=True, exist_ok=True)
    ok = True
    try:
        print(f"whitezone national benchmark (seed {args.seed})")
        if args.part in ("a", "all"):
            part_a(args, folder)
        if args.part in ("b", "all"):
            ok = part_b(args, folder)
        if args.part in ("c", "all"):
            part_c(args, folder)
        if args.part == "d":  # not in "all": it writes a national DEM (about 300 MB)
            part_d(args, folder)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
