"""The national map: one shared, quantized commune geometry, values per layer, drill-down.

A small many-commune country (30 communes with jagged shared borders, in
three provinces) is run through the public API and mapped with
``national=True``; the encoding round-trips in Python and in Chromium.
"""

from __future__ import annotations

import json
import re
import textwrap
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from conftest import page_errors, write_csv

from whitezone.maps.shapes import DECODE_JS, decode_polygons, encode_polygons, simplify_coverage

GRID = 1e-4


def _jagged_grid(nx: int, ny: int, *, x0=105.0, y0=21.0, size=0.05, seed=3):
    """``nx`` x ``ny`` cells whose shared edges zigzag (many vertices), as one coverage."""
    rng = np.random.default_rng(seed)
    xs = x0 + size * np.arange(nx + 1)
    ys = y0 + size * np.arange(ny + 1)
    steps = 12
    # One zigzag per grid line, shared by the two cells beside it.
    vert = {(i, j): [(xs[i] + (0 if i in (0, nx) else rng.normal(0, size / 30)), ys[j] + size * k / steps)
                     for k in range(steps + 1)] for i in range(nx + 1) for j in range(ny)}  # fmt: skip
    horiz = {(i, j): [(xs[i] + size * k / steps, ys[j] + (0 if j in (0, ny) else rng.normal(0, size / 30)))
                      for k in range(steps + 1)] for i in range(nx) for j in range(ny + 1)}  # fmt: skip
    for (i, j), line in vert.items():  # corners shared with the horizontal lines
        line[0], line[-1] = (xs[i], ys[j]), (xs[i], ys[j + 1])
    for (i, j), line in horiz.items():
        line[0], line[-1] = (xs[i], ys[j]), (xs[i + 1], ys[j])
    cells = []
    for j in range(ny):
        for i in range(nx):
            ring = horiz[i, j] + vert[i + 1, j][1:] + horiz[i, j + 1][::-1][1:] + vert[i, j][::-1][1:]
            cells.append(shapely.Polygon(ring))
    return cells


def test_encoding_round_trips_to_the_snapped_polygons():
    hole = shapely.Polygon([(105.0, 21.0), (105.3, 21.0), (105.3, 21.3), (105.0, 21.3)],
                           [[(105.1, 21.1), (105.2, 21.1), (105.2, 21.2), (105.1, 21.2)]])  # fmt: skip
    multi = shapely.MultiPolygon([shapely.box(106.0, 20.0, 106.1, 20.1), shapely.box(106.2, 20.0, 106.31234, 20.1)])
    geoms = [hole, multi, None, shapely.Polygon(), *_jagged_grid(3, 2)]
    data = encode_polygons(geoms, grid_deg=GRID)
    back = decode_polygons(json.loads(json.dumps(data)))
    assert back[2] is None and back[3] is None
    for original, decoded in zip(geoms, back, strict=True):
        if original is None or original.is_empty:
            continue
        snapped = shapely.remove_repeated_points(shapely.set_precision(original, GRID, mode="pointwise"))
        assert shapely.equals_exact(shapely.normalize(decoded), shapely.normalize(snapped), tolerance=1e-9)
        # within the quantization of the input
        assert shapely.hausdorff_distance(decoded, original) <= GRID
    # integers only, the ring's closing point left out
    assert all(isinstance(v, int) for ring in data["shapes"][0][0] for v in ring)
    assert len(data["shapes"][0][0][0]) == 2 * 4


def test_coverage_simplification_keeps_neighbours_sharing_their_edges():
    cells = _jagged_grid(4, 3)
    simple = simplify_coverage(cells, tolerance_deg=0.01, grid_deg=GRID)
    vertices = shapely.get_num_coordinates
    assert vertices(simple).sum() < vertices(np.array(cells)).sum() / 3  # really simplified
    assert bool(shapely.coverage_is_valid(simple))  # no gaps, no overlaps
    union = shapely.union_all(simple)
    assert abs(union.area - shapely.area(simple).sum()) < 1e-12
    assert abs(union.area - shapely.union_all(cells).area) / union.area < 0.02
    # Overlapping input (not a coverage): simplified one by one, nothing lost.
    overlapping = [shapely.box(0, 0, 2, 2), shapely.box(1, 1, 3, 3)]
    assert [g.area for g in simplify_coverage(overlapping, tolerance_deg=0.01, grid_deg=GRID)] == [4, 4]


# -- a small many-commune country through the public API ------------------------------------

NX, NY = 6, 5


@pytest.fixture(scope="module")
def country(tmp_path_factory):
    """30 communes in three provinces (two columns each), 4 villages per commune, a few sites."""
    import whitezone

    folder = tmp_path_factory.mktemp("country")
    cells = _jagged_grid(NX, NY)
    ids = [f"C{k:02d}" for k in range(len(cells))]
    province = [f"Tỉnh {(k % NX) // 2}" for k in range(len(cells))]
    names = [f"Xã {k}" for k in range(len(cells))]
    names[7] = '<img src=x onerror="window.__xss=7">'
    gpd.GeoDataFrame({"commune_id": ids, "commune": names,
                      "district": [f"Huyện {k // 3}" for k in range(len(cells))], "province": province},
                     geometry=cells, crs=4326).to_file(folder / "communes.gpkg", driver="GPKG")  # fmt: skip
    rng = np.random.default_rng(5)
    rows = []
    for k, cell in enumerate(cells):
        c = cell.centroid
        for v in range(4):
            rows.append([f"V{k:02d}{v}", f"Thôn {k}.{v}", ids[k], int(rng.integers(50, 500)),
                         round(c.x + rng.uniform(-0.01, 0.01), 6), round(c.y + rng.uniform(-0.01, 0.01), 6)])
    write_csv(folder / "villages.csv", ["village_id", "village", "commune_id", "population", "lon", "lat"], rows)
    sites = [[f"S{k}", "Viettel", "4G", round(105.02 + 0.1 * k, 6), 21.07, "active"] for k in range(3)]
    write_csv(folder / "sites.csv", ["site_id", "operator", "technology", "lon", "lat", "status"], sites)
    (folder / "project.toml").write_text(textwrap.dedent("""
        name = "Small country"
        output = "out"
        lang = "en"

        [layers]
        communes = "communes.gpkg"
        villages = "villages.csv"
        sites = "sites.csv"

        [model]
        kind = "radius"

        [model.radius]
        "4G" = [3.0, 6.0]
        """), encoding="utf-8")  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        project = whitezone.read_project(folder / "project.toml")
        result = whitezone.analyse(whitezone.load_layers(project), project)
    return folder, result


@pytest.fixture(scope="module")
def national_page(country):
    from whitezone.maps import coverage_map
    from whitezone.maps.offline import save_map

    folder, result = country
    path = save_map(coverage_map(result, national=True), folder / "map.html", self_contained=True)
    return path, result


def _area_data(page: str) -> dict:
    """The AreaShapes JSON of the page (the only copy of the communes' polygons)."""
    found = re.findall(r'<script type="application/json" id="area_shapes_[0-9a-f]+-data">(.*?)</script>', page)
    assert len(found) == 1, "one shared geometry per page"
    return json.loads(found[0])


def _layers(page: str) -> list[dict]:
    return [json.loads(m) for m in re.findall(r"new L\.WzChoropleth\(area_shapes_[0-9a-f]+, (\{.*?\})\);\n", page)]


def test_the_page_holds_each_communes_polygon_once(national_page):
    path, result = national_page
    page = path.read_text(encoding="utf-8")
    assert "L.geoJson(" not in page  # no repeated GeoJSON of the communes
    data = _area_data(page)
    shapes = data["communes"]["shapes"]
    assert len(shapes) == len(result.communes) == NX * NY
    # Every commune's encoded ring appears once in the whole page, though three layers draw it.
    for feature in shapes:
        ring = json.dumps(feature[0][0], separators=(",", ":"))
        assert page.count(ring) == 1
    names = set(re.findall(r"new L\.WzChoropleth\((area_shapes_[0-9a-f]+),", page))
    assert len(names) == 1 and len(_layers(page)) == 3
    # The decoded polygons are the communes simplified, within the quantization.
    decoded = decode_polygons(data["communes"])
    for commune, geom in zip(result.communes.geometry, decoded, strict=True):
        assert shapely.hausdorff_distance(commune, geom) < 0.002  # ~200 m: the national simplification


def test_values_per_layer_match_the_summary_tables(national_page):
    path, result = national_page
    page = path.read_text(encoding="utf-8")
    data = _area_data(page)
    layers = _layers(page)
    province = result.summaries.province.set_index("province")
    order = data["provinceTable"]["values"][0]
    assert sorted(order) == sorted(province.index)
    for layer, column in zip(layers, ("pct_none", "pct_weak", "pct_population_none"), strict=True):
        assert layer["values"] == pytest.approx(result.communes[column].fillna(0).round(2).tolist())
        assert layer["provinceValues"] == pytest.approx(province.loc[order, column].round(2).tolist())
    # Each commune belongs to the province the summary puts it in.
    of = np.asarray(data["provinceOf"])
    assert (np.asarray(order, dtype=object)[of] == result.communes["province"].to_numpy()).all()
    # Tooltip table: counts as in the communes table, names as text (escaped for the script only).
    values = dict(zip(data["table"]["labels"], data["table"]["values"], strict=True))
    assert values["No signal"] == result.communes["villages_none"].tolist()
    assert values["Commune"] == result.communes["commune"].tolist()  # one name per commune, as it is
    assert "<img src=x onerror=\"window.__xss=7\">" in values["Commune"]
    assert "<img src=x" not in page and "\\u003cimg src=x" in page


def test_a_province_map_is_not_drilled(tiny_run):
    page = (tiny_run.project.output / "map.html").read_text(encoding="utf-8")
    assert '"provinces":null' in page and page.count("new L.WzChoropleth(") == 3


@pytest.mark.browser
def test_national_page_opens_on_provinces_and_drills_to_communes(driver, national_page):
    path, result = national_page
    assert page_errors(driver, path) == []
    driver.set_script_timeout(30)
    drawn = driver.execute_async_script(
        "var done = arguments[0]; (function wait() { if (window.wzDrawnMs) { done(window.wzDrawnMs); }"
        " else { setTimeout(wait, 20); } })();")  # fmt: skip
    assert drawn > 0
    count = """
        var map = Object.keys(window).filter(function (k) { return /^map_[0-9a-f]+$/.test(k); })
            .map(function (k) { return window[k]; })[0];
        window.__wzMap = map;
        var layer = Object.keys(window).filter(function (k) {
            return /^choropleth_/.test(k) && map.hasLayer(window[k]); }).map(function (k) { return window[k]; })[0];
        window.__wzLayer = layer;
        var n = 0;
        layer.eachLayer(function (l) { n += l.getLayers ? l.getLayers().length : 1; });
        return n;
    """
    provinces = result.summaries.province["province"].nunique()
    assert driver.execute_script(count) == provinces  # the country opens on its provinces
    # Clicking a province opens its communes (and zooms on it).
    driver.execute_script("var first = null; window.__wzLayer.eachLayer(function (l) { first = first || l; });"
                          "first.fire('click');")  # fmt: skip
    shown = driver.execute_script(count)
    assert shown >= provinces - 1 + 2 * NY, shown  # the clicked province's 10 communes at least
    # Zoomed in: the communes of every province in view; a hover shows a commune's name as text.
    driver.execute_script("window.__wzMap.setZoom(12, {animate: false});")
    names = driver.execute_script("""
        var out = [];
        window.__wzLayer.eachLayer(function (g) { if (g.getLayers) { g.getLayers().forEach(function (p) {
            p.openTooltip(p.getBounds().getCenter()); out.push(p.getTooltip()._contentNode.textContent); }); } });
        return out;""")  # fmt: skip
    assert any(n.startswith("Commune") for n in names), names[:3]
    assert all(n.startswith(("Commune", "Province")) for n in names), names[:3]
    assert driver.execute_script("return document.querySelectorAll('.leaflet-tooltip img').length") == 0
    assert driver.execute_script("return typeof window.__xss") == "undefined"


@pytest.mark.browser
def test_chromium_decodes_what_python_encoded(driver, tmp_path):
    geoms = [*_jagged_grid(2, 2), shapely.MultiPolygon([shapely.box(106.0, 20.0, 106.1, 20.1),
                                                        shapely.box(106.2, 20.0, 106.3, 20.1)])]  # fmt: skip
    data = encode_polygons(simplify_coverage(geoms, tolerance_deg=0.001, grid_deg=GRID), grid_deg=GRID)
    (tmp_path / "blank.html").write_text("<html><body></body></html>", encoding="utf-8")
    driver.get((tmp_path / "blank.html").as_uri())
    decoded = driver.execute_script(DECODE_JS + "return wzDecodeShapes(arguments[0]);", data)
    expected = decode_polygons(data)
    assert len(decoded) == len(expected)
    for js, geom in zip(decoded, expected, strict=True):
        polygons = [shapely.Polygon([(lon, lat) for lat, lon in rings[0]],
                                    [[(lon, lat) for lat, lon in r] for r in rings[1:]])
                    for rings in js["latlngs"]]  # fmt: skip
        got = polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)
        assert shapely.equals_exact(shapely.normalize(got), shapely.normalize(geom), tolerance=1e-9)
        (s, w), (n, e) = js["bounds"]
        assert np.allclose([w, s, e, n], geom.bounds)

