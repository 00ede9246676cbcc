"""The self-contained map.html in a real browser, with the network switched off.

Headless Chromium opens the page built from the tiny province, whose village
V1, commune C1 and project carry HTML/script injections, with every host name
unresolvable and a dead proxy: nothing can be fetched, so whatever works works
from the page alone.  Written against behaviour (Leaflet runs, the layer
control lists the overlays, a village popup opens and shows the name as text,
no injected script runs, no JavaScript error), not against layer names.

Skipped only when Chromium, chromedriver or selenium are not installed.
"""

from __future__ import annotations

import contextlib
import csv
import json
import struct
import warnings
from pathlib import Path

import pytest
from conftest import TILE_URL, lonlat

pytestmark = pytest.mark.browser

XSS_VILLAGE = '<img src=x onerror="window.__xss=1">'
XSS_COMMUNE = '<img src=y onerror="window.__xss=2"><script>window.__xss=3</script>'
XSS_PROJECT = "Tiny </title><script>window.__xss=4</script>"
V1_XY_KM = (2.0, 7.0)  # tests/conftest.py
C1_EMPTY_XY_KM = (6.0, 2.5)  # inside commune C1, away from every village and site

def _poison(project: Path) -> None:
    """Put HTML/script injections into a village name, a commune name and the project name."""
    import geopandas as gpd

    folder = project.parent
    path = folder / "villages.csv"
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    for row in rows[1:]:
        if row[header.index("village_id")] == "V1":
            row[header.index("village")] = XSS_VILLAGE
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)

    communes = gpd.read_file(folder / "communes.gpkg")
    communes.loc[communes["commune_id"] == "C1", "commune"] = XSS_COMMUNE
    (folder / "communes.gpkg").unlink()
    communes.to_file(folder / "communes.gpkg", driver="GPKG", layer="communes")

    text = project.read_text(encoding="utf-8")
    project.write_text(text.replace('name = "Tiny province"', f'name = "{XSS_PROJECT}"'),
                       encoding="utf-8")  # fmt: skip


@pytest.fixture
def map_page(tiny, tmp_path) -> Path:
    from whitezone import read_project
    from whitezone.maps import coverage_map
    from whitezone.maps.offline import external_urls, save_map
    from whitezone.pipeline import run

    _poison(tiny)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run(read_project(tiny), write=False)
    assert XSS_VILLAGE in set(result.villages["village"])
    path = save_map(coverage_map(result), tmp_path / "map.html", self_contained=True)
    assert external_urls(path.read_text(encoding="utf-8")) == []
    return path


_FIND_MAP = """
    var names = Object.keys(window).filter(function (k) {
        return /^map_[0-9a-f]+$/.test(k) && window[k] instanceof L.Map;
    });
    window.__wzMap = names.length ? window[names[0]] : null;
    return names.length;
"""

# Fallback when a real click at V1 does not reach a village marker (something on
# top of it): fire Leaflet's own click on every point layer within ~1 m of V1.
_FIRE_CLICK = """
    var map = window.__wzMap, target = L.latLng(arguments[0], arguments[1]), hits = [];
    function visit(layer) {
        if (layer.getLatLng && !layer.getLayers && layer.getLatLng().distanceTo(target) < 1) {
            hits.push(layer);
        }
        if (layer.getLayers) { layer.getLayers().forEach(visit); }
    }
    map.eachLayer(visit);
    hits.forEach(function (layer) {
        if (layer._map) { layer.fire('click', {latlng: layer.getLatLng()}, true); }
    });
    return hits.length;
"""


def _popup_text(driver) -> str:
    return driver.execute_script(
        "var p = document.querySelector('.leaflet-popup-content');"
        "return p ? p.textContent : '';"
    )


def _wait(condition, timeout: float = 10.0):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(None, timeout, poll_frequency=0.1).until(lambda _: condition())


def _move_to(driver, lat: float, lon: float):
    """Mouse onto the map pixel of (lat, lon); returns the action chain to continue."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    x, y, width, height = driver.execute_script(
        "var m = window.__wzMap, p = m.latLngToContainerPoint([arguments[0], arguments[1]]),"
        "    s = m.getSize(); return [p.x, p.y, s.x, s.y];", lat, lon)  # fmt: skip
    container = driver.find_element(By.CSS_SELECTOR, ".leaflet-container")
    # Selenium 4 offsets are from the element's centre.
    return ActionChains(driver).move_to_element_with_offset(
        container, int(round(x - width / 2)), int(round(y - height / 2)))  # fmt: skip


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_self_contained_map_works_offline_and_shows_names_as_text(driver, map_page, tmp_path):
    from selenium.common.exceptions import TimeoutException

    driver.get(map_page.as_uri())

    # Leaflet (inlined) runs and folium's map object exists.
    assert driver.execute_script("return typeof L !== 'undefined' && typeof L.map === 'function';")
    assert driver.execute_script(_FIND_MAP) >= 1
    assert driver.execute_script("return document.querySelectorAll('.leaflet-container').length") >= 1
    assert driver.execute_script("return window.__wzMap.getSize().x") > 100

    # The layer control lists the overlays (communes, villages, ...).
    overlays = driver.execute_script(
        "return Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
        ".map(function (l) { return l.textContent.trim(); });"
    )
    assert len(overlays) >= 2, overlays

    # Hover commune C1: its tooltip (if the map has one) shows the name as text, never markup.
    c1_lon, c1_lat = lonlat(*C1_EMPTY_XY_KM)
    _move_to(driver, c1_lat, c1_lon).perform()
    tooltip = "return Array.from(document.querySelectorAll('.leaflet-tooltip'))" \
              ".map(function (t) { return t.textContent; }).join(' ');"  # fmt: skip
    with contextlib.suppress(TimeoutException):  # a map without commune tooltips passes too
        _wait(lambda: "<img src=y" in driver.execute_script(tooltip), timeout=3)
    assert driver.execute_script("return document.querySelectorAll('.leaflet-tooltip img').length") == 0

    # Click village V1 (a real click at its pixel; Leaflet's own click as a fallback).
    v1_lon, v1_lat = lonlat(*V1_XY_KM)
    _move_to(driver, v1_lat, v1_lon).click().perform()
    try:
        _wait(lambda: "<img src=x" in _popup_text(driver), timeout=5)
    except TimeoutException:  # something on top of V1: open its popup the Leaflet way
        assert driver.execute_script(_FIRE_CLICK, v1_lat, v1_lon) >= 1
        _wait(lambda: "<img src=x" in _popup_text(driver), timeout=5)
    popup = _popup_text(driver)
    assert XSS_VILLAGE in popup or "<img src=x" in popup
    assert driver.execute_script(
        "return document.querySelectorAll('.leaflet-popup-content img, .leaflet-tooltip img').length"
    ) == 0  # fmt: skip

    # No injected markup anywhere, no injected script ran.
    assert driver.execute_script("return document.querySelectorAll('img[src=\"x\"], img[src=\"y\"]')"
                                 ".length") == 0  # fmt: skip
    assert driver.execute_script("return typeof window.__xss") == "undefined"

    # Nothing but basemap tiles was requested from the network ...
    requests = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            params = message["params"]
            if params.get("documentURL", "").startswith("file:"):  # the page, not Chromium's own
                requests.append(params["request"]["url"])
    assert any(u.startswith("file:") for u in requests), "no request of the page was logged"
    remote = [u for u in requests if not u.startswith(("file:", "data:", "blob:", "about:"))]
    assert [u for u in remote if not TILE_URL.search(u)] == [], remote
    # ... and the console shows no error but failed tile loads.
    errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert [m for m in errors if not TILE_URL.search(m)] == [], errors

    # A screenshot with something drawn on it.
    shot = tmp_path / "map.png"
    assert driver.save_screenshot(str(shot))
    width, height = _png_size(shot)
    assert width >= 600 and height >= 400
    assert shot.stat().st_size > 15_000
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow is optional
        return
    with Image.open(shot) as image:
        colors = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
    assert len(colors) >= 16, "the screenshot is (nearly) blank"


_CONTROL_AND_DATA = """
    var map = window.__wzMap, box = document.querySelector('.leaflet-control-layers')
        .getBoundingClientRect(), page = map.getContainer().getBoundingClientRect();
    var east = -Infinity;
    map.eachLayer(function (layer) {
        if (layer.getBounds && layer.feature === undefined && layer.getLayers) {
            var b = layer.getBounds();
            if (b.isValid()) { east = Math.max(east, map.latLngToContainerPoint(b.getNorthEast()).x); }
        }
    });
    return [box.left - page.left, east];
"""


def test_every_map_the_tool_writes_opens_without_error(driver, tiny, tmp_path):
    """map.html, map_scenarios.html and map_sites.html of one project, each in Chromium."""
    from conftest import page_errors

    from whitezone.cli import main

    text = tiny.read_text(encoding="utf-8").replace('lang = "en"', 'lang = "vi"')
    tiny.write_text(text, encoding="utf-8")
    assert main(["run", str(tiny), "-q"]) == 0
    assert main(["scenario", str(tiny), "--switch-off", "2G", "-q"]) == 0
    assert main(["sites", str(tiny), "--target", "weak", "--budget", "1", "-q"]) == 0
    out = tiny.parent / "out"
    pages = sorted(out.glob("*.html"))
    assert {p.name for p in pages} >= {"map.html", "map_scenarios.html", "map_sites.html",
                                       "report.html"}  # fmt: skip
    for page in pages:
        assert page_errors(driver, page) == [], page.name
        if page.name.startswith("report"):
            continue
        assert driver.execute_script(_FIND_MAP) >= 1, page.name
        overlays = driver.execute_script(
            "return Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
            ".map(function (l) { return l.textContent.trim(); });")  # fmt: skip
        # The scale bar is metric only.
        scales = driver.execute_script("return Array.from(document.querySelectorAll("
                                       "'.leaflet-control-scale-line')).map(e => e.textContent);")
        assert len(scales) == 1 and not any(u in scales[0] for u in ("mi", "ft")), scales
        # The open layer control leaves the province visible at 1400 x 900.
        control_left, data_east = driver.execute_script(_CONTROL_AND_DATA)
        assert 0 < data_east <= control_left, (page.name, control_left, data_east)
        if page.name == "map_scenarios.html":
            assert any("mất sóng hoàn toàn" in o for o in overlays), overlays
            assert any("sóng kém đi" in o for o in overlays), overlays
        if page.name == "map_sites.html":
            legend = driver.execute_script("return document.querySelector('.wz-legend').textContent")
            assert "★" in legend and "Vị trí trạm ưu tiên" in legend


def test_village_popup_shows_the_code_and_vietnamese_numbers(driver, tiny, tmp_path):
    import warnings

    from whitezone import read_project
    from whitezone.maps import coverage_map
    from whitezone.maps.offline import save_map
    from whitezone.pipeline import run

    text = tiny.read_text(encoding="utf-8").replace('lang = "en"', 'lang = "vi"')
    tiny.write_text(text, encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = run(read_project(tiny), write=False)
    path = save_map(coverage_map(result), tmp_path / "map.html", self_contained=True)
    driver.get(path.as_uri())
    assert driver.execute_script(_FIND_MAP) >= 1
    lon, lat = lonlat(3.0, 4.0)   # V2: 3 km from S1, the postal point P1 is at V1 (3.16 km)
    assert driver.execute_script(_FIRE_CLICK, lat, lon) >= 1
    _wait(lambda: "V2" in _popup_text(driver))
    popup = _popup_text(driver)
    assert "Mã thônV2" in popup                       # the village code
    assert "3,16" in popup and "3.16" not in popup   # km with a decimal comma
