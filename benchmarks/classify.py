"""Benchmark: whitezone's village classification against plain geopandas.

What is compared
----------------
Both methods answer the same question for a national-size synthetic data set
(about 80,000 villages and 100,000 site-technologies over a Vietnam-like
extent, from :mod:`_synthetic`): with the radius model, is each village in
good, weak or no coverage for each technology (2G, 3G, 4G), and for any
technology?

* **whitezone** — :func:`whitezone.classify.classify_points` with
  :class:`~whitezone.models.RadiusModel`: a k-d tree finds every
  (village, site) pair within the site's weak radius and the best link per
  village and technology decides the class.
* **plain geopandas** — what a GIS analyst would write: per technology,
  buffer the active sites by their good radius and by their weak radius
  (a site's ``radius_km`` overrides the weak radius and scales the good
  radius by the same factor, as in ``RadiusModel.radii_km``), union each set
  (``GeoSeries.union_all``), then ``geopandas.sjoin`` the villages against the
  good union, and the rest against the weak union; "any" is the best class
  over technologies.  Buffers use geopandas' default resolution
  (``quad_segs=16``) and ``sjoin`` its default predicate, ``intersects``.
  The same path with ``predicate="within"`` is timed too: it is the one-word
  change that makes geopandas index the villages and test them against the
  prepared union polygon instead of testing each village against the whole
  unprepared polygon, and it is far faster.

Both timings start from EPSG:4326 inputs and include the projection to the
same metric CRS (EPSG:32648, WGS 84 / UTM 48N).  Each method's time is the
best of ``--repeat`` runs (3 by default, 1 with ``--quick``).

A buffer polygon is inscribed in its circle (its vertices lie on the circle,
its edges cut inside), so a village within ``r * (1 - cos(pi / (4 *
quad_segs)))`` — 0.12 % of the radius at 16 segments — inside a circle's edge
can be "in" for whitezone and "out" for geopandas.  The comparison counts the
(village, technology) classes that differ and, for each difference, measures
how far the village is from the nearest good or weak circle boundary of that
technology: the classes are "identical" when no difference lies outside that
approximation band (0.2 % of the radius is used as the limit).

How to run
----------
From the repository root, with the package's dependencies installed::

    python benchmarks/classify.py            # 80,000 villages x 100,000 sites
    python benchmarks/classify.py --quick    # 8,000 x 10,000, one run each
    python benchmarks/classify.py --villages 20000 --sites 30000 --seed 1 --repeat 5
    python benchmarks/classify.py --quick --profile   # cProfile of whitezone's path

The full-size geopandas path takes a few minutes.  The script puts
``src/`` (the package's source folder) first on ``sys.path``, so it
benchmarks the checkout it lives in.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "src"), str(HERE)]

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _synthetic import make_country, make_sites, make_villages  # noqa: E402
from pyproj import CRS  # noqa: E402
from scipy.spatial import cKDTree  # noqa: E402

from whitezone.classes import CLASSES  # noqa: E402
from whitezone.classify import classify_points  # noqa: E402
from whitezone.models import RadiusModel  # noqa: E402
from whitezone.project import DEFAULT_RADIUS_KM  # noqa: E402

#: The metric CRS both methods project to.
METRIC_CRS = CRS.from_epsg(32648)

#: Segments per quarter circle of the geopandas buffers (geopandas' default).
QUAD_SEGS = 16

#: Differences closer than this fraction of the radius to a circle's edge are
#: put down to the buffer polygon approximating the circle.
BAND = 0.002

GOOD, WEAK, NONE = CLASSES.index("good"), CLASSES.index("weak"), CLASSES.index("none")


def classify_whitezone(villages: gpd.GeoSeries, sites: gpd.GeoDataFrame,
                       techs: list[str]) -> np.ndarray:  # fmt: skip
    """Class levels with whitezone's :func:`classify_points` and the radius model.

    Parameters
    ----------
    villages : GeoSeries
        Points in EPSG:4326.
    sites : GeoDataFrame
        Site-technologies in EPSG:4326 (``technology``, ``status``,
        ``radius_km``).
    techs : list of str
        Technologies, in column order.

    Returns
    -------
    ndarray of int8, shape (n_villages, len(techs) + 1)
        Level (0 none, 1 weak, 2 good) per technology, then for any.
    """
    out = classify_points(villages, sites, model=RadiusModel(), crs=METRIC_CRS,
                          technologies=techs)  # fmt: skip
    cols = [f"class_{t.lower()}" for t in techs] + ["class_any"]
    return np.column_stack([_levels(out[c]) for c in cols])


def _levels(classes: pd.Series) -> np.ndarray:
    """Class names (categorical) to levels 0..2."""
    cat = pd.Categorical(classes, categories=list(CLASSES))
    return cat.codes.astype(np.int8)


def geopandas_radii_km(sites: gpd.GeoDataFrame, tech: str) -> tuple[np.ndarray, np.ndarray]:
    """Good and weak radius of each site of one technology, the analyst's way.

    ``radius_km`` replaces the technology's weak radius and the good radius
    keeps the technology's good/weak ratio (the rule of ``RadiusModel``).
    """
    good_km, weak_km = DEFAULT_RADIUS_KM[tech]
    override = sites["radius_km"].to_numpy(dtype=float)
    weak = np.where(np.isfinite(override), override, weak_km)
    return weak * (good_km / weak_km), weak


def classify_geopandas(villages: gpd.GeoSeries, sites: gpd.GeoDataFrame, techs: list[str],
                       predicate: str = "intersects") -> np.ndarray:  # fmt: skip
    """Class levels by buffering, unioning and spatially joining with geopandas.

    Parameters
    ----------
    villages, sites, techs
        As for :func:`classify_whitezone`.
    predicate : {"intersects", "within"}
        The ``sjoin`` predicate.  With the default, ``intersects``, geopandas
        indexes the one union polygon and tests every village against it
        unprepared; with ``within`` it indexes the villages and tests them
        against the prepared polygon, which is much faster (a village exactly
        on a polygon's edge is then outside).

    Returns
    -------
    ndarray of int8, shape (n_villages, len(techs) + 1)
        Level per technology, then for any.
    """
    points = gpd.GeoDataFrame(geometry=villages.to_crs(METRIC_CRS).reset_index(drop=True))
    active = sites[sites["status"] == "active"].to_crs(METRIC_CRS)
    levels = np.zeros((len(points), len(techs) + 1), dtype=np.int8)
    for k, tech in enumerate(techs):
        these = active[active["technology"] == tech]
        good_km, weak_km = geopandas_radii_km(these, tech)
        good = these.geometry.buffer(good_km * 1000.0, quad_segs=QUAD_SEGS).union_all()
        weak = these.geometry.buffer(weak_km * 1000.0, quad_segs=QUAD_SEGS).union_all()
        good_area = gpd.GeoDataFrame(geometry=[good], crs=METRIC_CRS)
        weak_area = gpd.GeoDataFrame(geometry=[weak], crs=METRIC_CRS)
        in_good = gpd.sjoin(points, good_area, predicate=predicate).index.unique()
        rest = points.drop(index=in_good)
        in_weak = gpd.sjoin(rest, weak_area, predicate=predicate).index.unique()
        levels[in_good, k] = GOOD
        levels[in_weak, k] = WEAK
    levels[:, -1] = levels[:, :-1].max(axis=1) if techs else NONE
    return levels


def best_time(fn: Callable[[], np.ndarray], repeat: int) -> tuple[float, np.ndarray]:
    """Best wall time of ``repeat`` calls of ``fn`` and its (last) result."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB (``ru_maxrss``)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 2**10


def count_links(villages: gpd.GeoSeries, sites: gpd.GeoDataFrame, techs: list[str]) -> int:
    """Number of (village, active site-technology) pairs within the weak radius."""
    xy = _xy(villages.to_crs(METRIC_CRS))
    active = sites[(sites["status"] == "active") & sites["technology"].isin(techs)]
    return len(RadiusModel().links(xy, active.reset_index(drop=True).to_crs(METRIC_CRS)))


def _xy(points: gpd.GeoSeries) -> np.ndarray:
    return np.column_stack([points.x.to_numpy(), points.y.to_numpy()])


def boundary_gap(villages: gpd.GeoSeries, sites: gpd.GeoDataFrame, tech: str,
                 rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Distance of some villages from the nearest good or weak circle edge of one technology.

    Parameters
    ----------
    villages : GeoSeries
        All villages, EPSG:4326.
    sites : GeoDataFrame
        All site-technologies, EPSG:4326.
    tech : str
    rows : ndarray of int
        Positions of the villages to measure.

    Returns
    -------
    gap_m, gap_rel : ndarray
        Per village, the distance in metres to the nearest circle edge and
        that distance as a fraction of the circle's radius (the smallest
        fraction over the circles); ``inf`` when no circle is near.
    """
    gap_m = np.full(len(rows), np.inf)
    gap_rel = np.full(len(rows), np.inf)
    active = sites[(sites["status"] == "active") & (sites["technology"] == tech)]
    if not len(rows) or not len(active):
        return gap_m, gap_rel
    good_km, weak_km = geopandas_radii_km(active, tech)
    pts = _xy(villages.iloc[rows].to_crs(METRIC_CRS))
    site_xy = _xy(active.geometry.to_crs(METRIC_CRS))
    reach = float(weak_km.max()) * 1000.0 * (1 + BAND)
    found = cKDTree(pts).sparse_distance_matrix(cKDTree(site_xy), reach, output_type="ndarray")
    i, j, d = found["i"], found["j"], found["v"]
    for radius_km in (good_km, weak_km):
        r = radius_km[j] * 1000.0
        np.minimum.at(gap_m, i, np.abs(d - r))
        np.minimum.at(gap_rel, i, np.abs(d - r) / r)
    return gap_m, gap_rel


def compare(villages: gpd.GeoSeries, sites: gpd.GeoDataFrame, techs: list[str],
            wz: np.ndarray, gp: np.ndarray) -> dict[str, object]:  # fmt: skip
    """Agreement of the two methods' class levels.

    Returns
    -------
    dict
        ``cells`` (villages x technologies), ``agree``, ``differ``,
        ``in_band``, ``outside_band``, ``gp_better`` (differences where
        geopandas gives the better class, impossible with inscribed buffers),
        ``max_gap_m``, ``max_gap_rel`` (over the differences), ``any_differ``.
    """
    per_tech = wz[:, :-1] != gp[:, :-1]
    gaps_m, gaps_rel = [], []
    for k, tech in enumerate(techs):
        gap_m, gap_rel = boundary_gap(villages, sites, tech, np.flatnonzero(per_tech[:, k]))
        gaps_m.append(gap_m)
        gaps_rel.append(gap_rel)
    gap_m = np.concatenate(gaps_m) if gaps_m else np.empty(0)
    gap_rel = np.concatenate(gaps_rel) if gaps_rel else np.empty(0)
    in_band = int((gap_rel < BAND).sum())
    return {
        "cells": per_tech.size,
        "agree": int(per_tech.size - per_tech.sum()),
        "differ": int(per_tech.sum()),
        "in_band": in_band,
        "outside_band": int(len(gap_rel) - in_band),
        "gp_better": int((gp[:, :-1] > wz[:, :-1]).sum()),
        "max_gap_m": float(gap_m.max()) if len(gap_m) else 0.0,
        "max_gap_rel": float(gap_rel.max()) if len(gap_rel) else 0.0,
        "any_differ": int((wz[:, -1] != gp[:, -1]).sum()),
    }


def profile_whitezone(villages: gpd.GeoSeries, sites: gpd.GeoDataFrame, techs: list[str],
                      top: int = 25) -> str:  # fmt: skip
    """cProfile of one whitezone run, the ``top`` functions by cumulative time."""
    profiler = cProfile.Profile()
    profiler.runcall(classify_whitezone, villages, sites, techs)
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(top)
    return text.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table; exit status 1 if the classes differ."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--villages", type=int, default=None, help="villages (default 80000)")
    parser.add_argument("--sites", type=int, default=None,
                        help="site-technologies (default 100000)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--quick", action="store_true",
                        help="8,000 villages x 10,000 sites, one run each")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=None,
                        help="runs per method, best kept (default 3, 1 with --quick)")  # fmt: skip
    parser.add_argument("--profile", action="store_true",
                        help="also print a cProfile of whitezone's classification")  # fmt: skip
    args = parser.parse_args(argv)
    n_villages = args.villages or (8_000 if args.quick else 80_000)
    n_sites = args.sites or (10_000 if args.quick else 100_000)
    repeat = args.repeat or (1 if args.quick else 3)

    start = time.perf_counter()
    country = make_country(args.seed)
    villages = make_villages(n_villages, args.seed, country)
    sites = make_sites(n_sites, args.seed, country)
    techs = [t for t in DEFAULT_RADIUS_KM if t in set(sites["technology"])]
    t_data = time.perf_counter() - start
    rss_data = peak_rss_mib()

    t_wz, wz = best_time(lambda: classify_whitezone(villages, sites, techs), repeat)
    rss_wz = peak_rss_mib()
    t_gp, gp = best_time(lambda: classify_geopandas(villages, sites, techs), repeat)
    rss_gp = peak_rss_mib()
    t_within, within = best_time(
        lambda: classify_geopandas(villages, sites, techs, predicate="within"), repeat
    )
    within_differ = int((within[:, :-1] != gp[:, :-1]).sum())

    n_links = count_links(villages, sites, techs)
    cmp = compare(villages, sites, techs, wz, gp)
    active = sites["status"] == "active"
    per_tech = sites.loc[active, "technology"].value_counts()
    sagitta = 1 - np.cos(np.pi / (4 * QUAD_SEGS))
    identical = cmp["outside_band"] == 0 and cmp["gp_better"] == 0

    rows = [
        ("villages", f"{n_villages:,}"),
        ("site-technologies", f"{n_sites:,} ({int(active.sum()):,} active: "
         + ", ".join(f"{t} {per_tech.get(t, 0):,}" for t in techs) + ")"),
        ("radius overrides", f"{int(sites['radius_km'].notna().sum()):,}"),
        ("metric CRS", f"EPSG:{METRIC_CRS.to_epsg()} ({METRIC_CRS.name})"),
        ("(village, site) links", f"{n_links:,}"),
        ("runs per method", f"best of {repeat}"),
        ("whitezone classify_points", f"{t_wz:9.2f} s"),
        (f"geopandas buffer(quad_segs={QUAD_SEGS})+union+sjoin", f"{t_gp:9.2f} s"),
        ("ratio geopandas / whitezone", f"{t_gp / t_wz:9.1f} x   (target >= 20 x)"),
        ("geopandas, same with sjoin(predicate='within')", f"{t_within:9.2f} s"),
        ("ratio geopandas 'within' / whitezone", f"{t_within / t_wz:9.1f} x"),
        ("  'within' classes that differ from 'intersects'", f"{within_differ:,}"),
        ("village x technology classes", f"{cmp['cells']:,}"),
        ("  agree", f"{cmp['agree']:,}"),
        ("  differ", f"{cmp['differ']:,}"),
        (f"    within the buffer band (< {BAND:.1%} of r)", f"{cmp['in_band']:,}"),
        ("    outside the band", f"{cmp['outside_band']:,}"),
        ("    geopandas class better", f"{cmp['gp_better']:,}"),
        ("  max distance of a difference to a circle edge",
         f"{cmp['max_gap_m']:.2f} m = {cmp['max_gap_rel']:.4%} of r"
         f" (polygon error <= {sagitta:.4%} of r)"),
        ("'any technology' classes that differ", f"{cmp['any_differ']:,} of {n_villages:,}"),
        ("classes identical outside the buffer band", "yes" if identical else "NO"),
        ("synthetic data generation", f"{t_data:9.2f} s"),
        ("peak memory after data", f"{rss_data:9.0f} MiB"),
        ("peak memory after whitezone", f"{rss_wz:9.0f} MiB"),
        ("peak memory after geopandas", f"{rss_gp:9.0f} MiB"),
    ]  # fmt: skip
    width = max(len(name) for name, _ in rows)
    print(f"whitezone classify benchmark (seed {args.seed})")
    print("-" * (width + 40))
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    if args.profile:
        print()
        print(profile_whitezone(villages, sites, techs))
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
