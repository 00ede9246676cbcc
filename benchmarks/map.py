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

With ``--national`` it measures instead the national ``map.html``: the
synthetic country of ``benchmarks/national.py`` (10,600 communes, 80,000
villages, 110,000 site-technologies, written by its ``write_national``) is
run through ``read_project``, ``load_layers`` and ``analyse`` with the radius
model, mapped with ``coverage_map`` and saved self-contained as ``map.html``
would be.  Printed: the file size (target 10 MB) and the first render in
headless Chromium (target 5 s, best of 3): the time from navigation start
until the page says its layers are drawn (``window.wzDrawnMs``, set by the
map after the choropleth is added and a frame painted; the page announces
the flag with ``window.wzExpectDrawn``) — for a page without that flag (the code before the shared geometry), until the load event and
two painted frames.  ``--json FILE`` writes ``national_map_mb`` and
``national_first_render_s``.

How to run
----------
From the repository root::

    python benchmarks/map.py
    python benchmarks/map.py --sizes 1000 10000 --self-contained
    python benchmarks/map.py --national --json map.json [--folder /tmp/wz-national-map]

``--national`` needs Chromium, chromedriver and selenium (Debian: chromium
chromium-driver; pip: selenium).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
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


#: Waits (in the page) until the map says its layers are drawn; returns ms since navigation start.
_DRAWN = """
var done = arguments[arguments.length - 1];
function flagged() { return typeof window.wzDrawnMs === "number"; }
if (flagged()) { done(window.wzDrawnMs); return; }
if (!window.wzExpectDrawn) {
    // A page without the flag: the load event, then two painted frames.
    function frames() {
        requestAnimationFrame(function () { requestAnimationFrame(function () { done(performance.now()); }); });
    }
    if (document.readyState === "complete") { frames(); } else { window.addEventListener("load", frames); }
    return;
}
var timer = setInterval(function () { if (flagged()) { clearInterval(timer); done(window.wzDrawnMs); } }, 20);
"""


def chromium():
    """Headless Chromium (as tests/conftest.py starts it, network off)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,900",
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost",
                "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>"):  # fmt: skip
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options,
                              service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"))
    driver.set_page_load_timeout(300)
    driver.set_script_timeout(300)
    return driver


def first_render_s(path: Path, repeats: int = 3) -> tuple[float, list[str]]:
    """Best of ``repeats`` first renders of the page (s), and the JavaScript errors seen."""
    best, errors = float("inf"), []
    for _ in range(repeats):
        driver = chromium()  # a fresh browser each time: no warm cache
        try:
            driver.get(path.resolve().as_uri())
            best = min(best, driver.execute_async_script(_DRAWN) / 1000.0)
            errors += [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"
                       and "tile.openstreetmap" not in e["message"]]  # fmt: skip
        finally:
            driver.quit()
    return best, errors


def national(args) -> dict:
    """The national synthetic set through the public API to map.html; size and first render."""
    sys.path.insert(0, str(HERE))
    from national import write_national

    from whitezone.maps.offline import save_map

    folder = Path(args.folder) if args.folder else Path(tempfile.mkdtemp(prefix="wz-national-map-"))
    project_path = folder / "project.toml"
    t = time.perf_counter()
    if not project_path.exists():
        write_national(folder, seed=args.seed, communes=10_600, villages=80_000, sites=110_000)
    project = wz.read_project(project_path)
    result = wz.analyse(wz.load_layers(project), project)
    print(f"== national map: {len(result.communes):,} communes, {len(result.villages):,} villages "
          f"(data and analysis {time.perf_counter() - t:.1f} s)")  # fmt: skip
    t_build, fmap = timed(lambda: coverage_map(result))
    path = folder / "map.html"
    t_save, _ = timed(lambda: save_map(fmap, path, self_contained=True))
    size_mb = path.stat().st_size / 1e6
    print(f"   coverage_map {t_build:.2f} s, render + save {t_save:.2f} s")
    print(f"   map.html {size_mb:.2f} MB (target <= 10 MB)")
    render_s, errors = first_render_s(path)
    print(f"   first render in headless Chromium {render_s:.2f} s, best of 3 (target <= 5 s)")
    if errors:
        print(f"   JavaScript errors: {errors[:5]}")
    if not args.folder:
        shutil.rmtree(folder, ignore_errors=True)
    return {"national_map_mb": round(size_mb, 3), "national_first_render_s": round(render_s, 3),
            "national_js_errors": len(errors)}  # fmt: skip


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--self-contained", action="store_true",
                        help="also inline Leaflet and the plugins (offline page)")  # fmt: skip
    parser.add_argument("--national", action="store_true",
                        help="the national map.html instead: size and first render in Chromium")
    parser.add_argument("--folder", help="with --national: keep (and reuse) the national files here")
    parser.add_argument("--json", metavar="FILE", help="write the figures to FILE as JSON")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    if args.national:
        figures = national(args)
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        return 0
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
