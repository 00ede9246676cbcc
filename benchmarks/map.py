"""Benchmark: building the interactive map for 1,000 / 10,000 / 100,000 villages.

What is compared
----------------
The sample province is analysed once; its villages are then resampled (with
a jitter of a few hundred metres, keeping each one's classes) to 1,000,
10,000 and 100,000 villages.  For each size the script times

* **whitezone** — :func:`whitezone.maps.coverage_map` and rendering the page
  (``get_root().render()``), the village layer being whitezone's columnar
  canvas :class:`~whitezone.maps.layers.PointLayer`; and
* **plain folium** — the obvious alternative: the same villages as a
  ``folium.GeoJson`` of ``CircleMarker`` with a ``GeoJsonPopup`` and a
  per-class ``style_function`` (what a notebook user writes), rendered.

and prints both times, both HTML sizes and the ratios.  With
``--self-contained`` the whitezone page is also inlined
(:func:`whitezone.maps.offline.make_self_contained`) and its size printed.

How to run
----------
From the repository root::

    python benchmarks/map.py
    python benchmarks/map.py --sizes 1000 10000 --self-contained
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

import folium  # noqa: E402
import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402

import whitezone as wz  # noqa: E402
from whitezone.maps import CLASS_COLORS, OTHER_COLOR, coverage_map  # noqa: E402


def resample(result, n: int, seed: int):
    """The run's villages resampled to ``n`` with a few hundred metres of jitter."""
    rng = np.random.default_rng(seed)
    v = result.villages
    v = v[~v.geometry.is_empty]
    pick = rng.integers(0, len(v), n)
    out = v.iloc[pick].copy()
    jitter = rng.normal(0, 0.003, (n, 2))
    out["geometry"] = gpd.points_from_xy(out.geometry.x + jitter[:, 0], out.geometry.y + jitter[:, 1])
    out["village_id"] = [f"B{i:06d}" for i in range(n)]
    return replace(result, villages=gpd.GeoDataFrame(out, geometry="geometry", crs=v.crs))


def plain_folium(result) -> str:
    """The villages the way a notebook user would map them with folium alone."""
    v = result.villages
    minx, miny, maxx, maxy = v.total_bounds
    fmap = folium.Map()
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    fields = ["village", "commune_id", "population", "class_any"]
    data = v[[*fields, "geometry"]].copy()
    data["class_any"] = data["class_any"].astype(str)
    data["village"] = data["village"].astype(str)
    data["commune_id"] = data["commune_id"].astype(str)
    folium.GeoJson(
        data,
        marker=folium.CircleMarker(radius=4, weight=1, fill=True, fill_opacity=0.9),
        style_function=lambda f: {"color": CLASS_COLORS.get(f["properties"]["class_any"], OTHER_COLOR)},
        popup=folium.GeoJsonPopup(fields=fields),
    ).add_to(fmap)
    return fmap.get_root().render()


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--self-contained", action="store_true",
                        help="also inline Leaflet and the plugins (offline page)")  # fmt: skip
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    project = wz.sample_project()
    base = wz.analyse(wz.load_layers(project), project)
    print("== map build: whitezone.maps.coverage_map vs plain folium GeoJson, sample province")
    header = (f"   {'villages':>9} {'whitezone':>10} {'size':>9} {'folium':>9} {'size':>9} "
              f"{'time x':>7} {'size x':>7}")  # fmt: skip
    if args.self_contained:
        header += f" {'offline size':>13}"
    print(header)
    for n in args.sizes:
        result = resample(base, n, args.seed)
        t_wz, page = timed(lambda result=result: coverage_map(result).get_root().render())
        t_fo, plain = timed(lambda result=result: plain_folium(result))
        line = (f"   {n:>9,} {t_wz:>9.2f}s {len(page) / 1e6:>7.2f}MB {t_fo:>8.2f}s "
                f"{len(plain) / 1e6:>7.2f}MB {t_fo / t_wz:>6.1f}x {len(plain) / len(page):>6.1f}x")  # fmt: skip
        if args.self_contained:
            from whitezone.maps.offline import make_self_contained

            line += f" {len(make_self_contained(page)) / 1e6:>11.2f}MB"
        print(line)
    print("   whitezone's page holds every layer (communes, coverage, sites, posts, POIs, fiber);")
    print("   the plain folium page holds the villages only.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
