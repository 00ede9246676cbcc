"""Tiny hand-built layers for the tests.

The tiny province is laid out on the UTM 48N grid (EPSG:32648) so distances
are exact whole kilometres; files store lon/lat converted from it, and the
project names EPSG:32648 as its metric CRS.

::

    y (km)
    10 +---------------+---------------+
       |  commune C1   |  commune C2   |      district D1, province P
       |  V1 *  S1^    |      V4 *     |
     5 |  V2 *         |  V3 *   S2^   |
       |               |               |
     0 +---------------+---------------+
       0              10              20   x (km), origin at (500 km, 2 320 km)

S1: 4G at (3, 7); S2: 2G+4G at (16, 5).  Radii: 2G (6, 12), 4G (2.5, 5).
"""

from __future__ import annotations

import csv
import re
import shutil
import textwrap
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

import whitezone

X0, Y0 = 500_000.0, 2_320_000.0
_TO_LONLAT = Transformer.from_crs(32648, 4326, always_xy=True)


def lonlat(x_km: float, y_km: float) -> tuple[float, float]:
    """Lon/lat of a point given in km on the tiny grid."""
    lon, lat = _TO_LONLAT.transform(X0 + x_km * 1000, Y0 + y_km * 1000)
    return round(float(lon), 8), round(float(lat), 8)


VILLAGES = [
    # id, name, commune, population, x_km, y_km
    ("V1", "Bản Một", "C1", 100, 2.0, 7.0),    # 1 km from S1 (4G good); 14 km from S2
    ("V2", "Bản Hai", "C1", 200, 3.0, 4.0),    # 3 km from S1 (4G weak); 13.04 km from S2 (none)
    ("V3", "Bản Ba", "C2", 300, 13.0, 5.0),    # 3 km from S2 (2G good, 4G weak); 10.2 km from S1
    ("V4", "Bản Bốn", "C2", 50, 16.0, 9.0),    # 4 km from S2: 2G good, 4G weak
    ("V5", "Bản Năm", "C2", 10, None, None),   # no coordinates: unlocated
    ("V6", "Bản Sáu", "C1", 40, 9.0, 1.0),     # 6 km from S1 (beyond 4G), 8.06 from S2: 2G weak
]  # fmt: skip

SITES = [
    # site_id, operator, technology, x_km, y_km, status
    ("S1", "Viettel", "4G", 3.0, 7.0, "active"),
    ("S2", "VNPT", "2G,4G", 16.0, 5.0, "active"),
    ("S3", "VNPT", "4G", 9.0, 1.0, "planned"),
]


def square(x0, y0, x1, y1):
    ring = [lonlat(x0, y0), lonlat(x1, y0), lonlat(x1, y1), lonlat(x0, y1), lonlat(x0, y0)]
    return shapely.Polygon(ring)


def write_communes(path: Path) -> Path:
    gdf = gpd.GeoDataFrame(
        {"commune_id": ["C1", "C2"], "commune": ["Xã Một", "Xã Hai"], "district": ["D1", "D1"],
         "province": ["P", "P"]},  # fmt: skip
        geometry=[square(0, 0, 10, 10), square(10, 0, 20, 10)],
        crs=4326,
    )
    gdf.to_file(path, driver="GPKG", layer="communes")
    return path


def write_csv(path: Path, header: list[str], rows: list[list[object]], *, delimiter=",",
              encoding="utf-8") -> Path:  # fmt: skip
    with open(path, "w", newline="", encoding=encoding) as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)
    return path


def village_rows():
    rows = []
    for vid, name, cid, pop, x, y in VILLAGES:
        lon, lat = lonlat(x, y) if x is not None else ("", "")
        rows.append([vid, name, cid, pop, lon, lat])
    return rows


def write_villages(path: Path) -> Path:
    return write_csv(path, ["village_id", "village", "commune_id", "population", "lon", "lat"],
                     village_rows())  # fmt: skip


def write_sites(path: Path) -> Path:
    rows = []
    for sid, op, tech, x, y, status in SITES:
        lon, lat = lonlat(x, y)
        rows.append([sid, op, tech, lon, lat, 30, status])
    return write_csv(path, ["site_id", "operator", "technology", "lon", "lat", "height_m", "status"], rows)


def write_posts(path: Path) -> Path:
    lon1, lat1 = lonlat(2.0, 7.0)  # at V1
    lon2, lat2 = lonlat(13.0, 5.0)  # at V3
    return write_csv(path, ["post_id", "name", "kind", "commune_id", "lon", "lat"], [
        ["P1", "BĐ-VHX Một", "BĐ-VHX", "C1", lon1, lat1],
        ["P2", "Bưu cục Hai", "Bưu cục", "C2", lon2, lat2],
    ])  # fmt: skip


def write_fiber(path: Path) -> Path:
    # A route along y = 7 km from x = 0 to x = 10: V1 is on it, V2 3 km away.
    line = shapely.LineString([lonlat(0, 7), lonlat(10, 7)])
    gpd.GeoDataFrame({"route_id": ["F1"]}, geometry=[line], crs=4326).to_file(path, driver="GPKG")
    return path


PROJECT = """
name = "Tiny province"
output = "out"
lang = "en"
crs = "EPSG:32648"

[layers]
communes = "communes.gpkg"
villages = "villages.csv"
sites = "sites.csv"
post_offices = "posts.csv"
fiber = "fiber.gpkg"

[model]
kind = "radius"

[model.radius]
"2G" = [6.0, 12.0]
"4G" = [2.5, 5.0]

[broadband]
reach_km = 2.0
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A folder holding the tiny province and its project.toml; returns the project path."""
    write_communes(tmp_path / "communes.gpkg")
    write_villages(tmp_path / "villages.csv")
    write_sites(tmp_path / "sites.csv")
    write_posts(tmp_path / "posts.csv")
    write_fiber(tmp_path / "fiber.gpkg")
    project = tmp_path / "project.toml"
    project.write_text(textwrap.dedent(PROJECT), encoding="utf-8")
    return project


@pytest.fixture
def tiny_layers(tiny):
    from whitezone import load_layers, read_project

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return load_layers(read_project(tiny))


@pytest.fixture
def tiny_run(tiny):
    """The whole job run on the tiny province (outputs in ``out/`` beside its project)."""
    from whitezone.pipeline import run
    from whitezone.project import read_project

    with pytest.warns(Warning):
        return run(read_project(tiny))


@pytest.fixture(scope="session")
def sample_result():
    """The embedded sample province, run once for the whole session (never modify it)."""
    project = whitezone.sample_project()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return whitezone.analyse(whitezone.load_layers(project), project)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


# -- a headless browser with no network (tests marked "browser") -----------------------------

#: A failed basemap tile (the only thing a page may need the network for).
TILE_URL = re.compile(r"https?://\S+/\d+/\d+/\d+(?:@2x)?\.(?:png|jpe?g|webp|pbf)\b", re.I)


def _executable(*candidates: str) -> str | None:
    for candidate in candidates:
        found = shutil.which(candidate)
        if found:
            return found
    return None


@pytest.fixture
def driver(tmp_path):
    """Headless Chromium with every host unresolvable and a dead proxy (skipped when missing)."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service

    browser = _executable("/usr/bin/chromium", "chromium", "chromium-browser")
    chromedriver = _executable("/usr/bin/chromedriver", "chromedriver")
    if browser is None or chromedriver is None:
        pytest.skip("Chromium and chromedriver are not installed (Debian: chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-dev-shm-usage", "--window-size=1400,900",
                f"--user-data-dir={tmp_path / 'chromium-profile'}",
                # No network at all: no name resolves, and any connection goes to a dead proxy.
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost",
                "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>"):  # fmt: skip
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    drv = webdriver.Chrome(options=options, service=Service(chromedriver))
    drv.set_page_load_timeout(60)
    try:
        yield drv
    finally:
        drv.quit()


def page_errors(driver, path: Path) -> list[str]:
    """Open a page; return its JavaScript errors (failed basemap tiles aside)."""
    driver.get_log("browser")  # drop what an earlier page left
    driver.get(Path(path).resolve().as_uri())
    driver.execute_script("return document.readyState")
    errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    return [m for m in errors if not TILE_URL.search(m)]
