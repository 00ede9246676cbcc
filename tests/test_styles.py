"""The GeoPackages carry their QGIS style: ``layer_styles`` rows, QML and SLD, in map.html's colours.

The QGIS check runs Debian's Python (``/usr/bin/python3``, which has
``qgis.core`` from ``python3-qgis``) in a subprocess, headless; it is
skipped when that Python has no QGIS.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from whitezone.files import write_gpkg, write_gpkg_layers
from whitezone.i18n import message
from whitezone.maps import CHOROPLETHS, CLASS_COLORS, OPERATOR_COLORS, OTHER_COLOR
from whitezone.styles import (
    commune_style,
    hexagon_styles,
    post_layers,
    post_styles,
    priority_style,
    ramp_color,
    site_style,
    site_table,
    village_style,
)

SE = "{http://www.opengis.net/se}"
OGC = "{http://www.opengis.net/ogc}"
QGIS_PYTHON = "/usr/bin/python3"


def _rows(path: Path) -> list[dict]:
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute("SELECT * FROM layer_styles ORDER BY id")]


def _qml_categories(qml: str) -> list[tuple[str, str, str]]:
    """(value, label, fill colour #rrggbb) of each category of a QML."""
    root = ET.fromstring(qml)
    symbols = {s.get("name"): s for s in root.iter("symbol")}
    out = []
    for cat in root.iter("category"):
        color = symbols[cat.get("symbol")].find("layer/prop[@k='color']").get("v")
        r, g, b = (int(x) for x in color.split(",")[:3])
        out.append((cat.get("value"), cat.get("label"), f"#{r:02x}{g:02x}{b:02x}"))
    return out


def _sld_fills(sld: str) -> list[tuple[str, str]]:
    """(rule title, fill colour) of each SLD rule that draws."""
    root = ET.fromstring(sld)
    out = []
    for rule in root.iter(f"{SE}Rule"):
        fill = rule.find(f".//{SE}Fill/{SE}SvgParameter[@name='fill']")
        title = rule.find(f"{SE}Description/{SE}Title")
        if fill is not None and title is not None:
            out.append((title.text, fill.text))
    return out


@pytest.fixture(scope="module")
def run_out(tmp_path_factory):
    """The tiny province run once; its output folder."""
    import warnings

    from conftest import write_communes, write_fiber, write_posts, write_sites, write_villages

    from whitezone.pipeline import run
    from whitezone.project import read_project

    folder = tmp_path_factory.mktemp("styles")
    write_communes(folder / "communes.gpkg")
    write_villages(folder / "villages.csv")
    write_sites(folder / "sites.csv")
    write_posts(folder / "posts.csv")
    write_fiber(folder / "fiber.gpkg")
    from conftest import PROJECT

    (folder / "project.toml").write_text(textwrap.dedent(PROJECT), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run(read_project(folder / "project.toml"))
    return folder / "out"


@pytest.fixture(scope="module")
def extra_out(tmp_path_factory):
    """priority_sites.gpkg and hexagons.gpkg written with their styles from hand-built tables."""
    folder = tmp_path_factory.mktemp("extra")
    points = [shapely.Point(105 + i / 100, 21) for i in range(12)]
    table = gpd.GeoDataFrame({"rank": np.arange(1, 13), "candidate_id": [f"K{i}" for i in range(12)]},
                             geometry=points, crs=4326)  # fmt: skip
    write_gpkg(table, folder / "priority_sites.gpkg", layer="priority_sites",
               styles={"priority_sites": priority_style(table, lang="vi")})  # fmt: skip
    cells = [shapely.box(105 + i / 10, 21, 105.09 + i / 10, 21.09) for i in range(3)]
    layers = {"villages": gpd.GeoDataFrame({"h3": ["a", "b", "c"], "pct_none": [0.0, 40.0, 100.0]},
                                           geometry=cells, crs=4326),
              "coverage": gpd.GeoDataFrame({"h3": ["a", "b", "c"], "pct_area_covered": [5.0, 50.0, 95.0]},
                                           geometry=cells, crs=4326)}  # fmt: skip
    write_gpkg_layers(layers, folder / "hexagons.gpkg", styles=hexagon_styles(layers, lang="en"))
    return folder


STYLED = {  # file -> layers styled in it
    "villages.gpkg": ["villages"],
    "communes.gpkg": ["communes"],
    "sites.gpkg": ["sites"],
    "post_offices.gpkg": ["post_offices", "service_area"],
}


def test_every_geopackage_has_its_default_style(run_out):
    for name, layers in STYLED.items():
        rows = _rows(run_out / name)
        assert [r["f_table_name"] for r in rows] == layers, name
        for row in rows:
            assert row["useAsDefault"] == 1
            assert row["f_table_schema"] == "" and row["f_geometry_column"] == "geom"
            assert ET.fromstring(row["styleQML"]).tag == "qgis"
            assert ET.fromstring(row["styleSLD"]).get("version") == "1.1.0"
            assert row["description"] and row["update_time"]
        with sqlite3.connect(run_out / name) as db:
            kind = db.execute("SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'").fetchone()
        assert kind == ("attributes",)   # registered as OGR registers QGIS' own table


def test_gdal_still_reads_the_layers(run_out):
    villages = pyogrio.read_dataframe(run_out / "villages.gpkg", layer="villages")
    assert len(villages) == 6 and set(villages["class_any"]) >= {"good", "weak"}
    names = [n for n, _ in pyogrio.list_layers(run_out / "post_offices.gpkg")]
    assert names == ["post_offices", "service_area", "layer_styles"]
    rings = pyogrio.read_dataframe(run_out / "post_offices.gpkg", layer="service_area")
    assert (rings.geometry.geom_type == "Polygon").all() and rings["radius_km"].gt(0).all()
    sites = pyogrio.read_dataframe(run_out / "sites.gpkg", layer="sites")
    assert sorted(sites["site_id"]) == ["S1", "S2"]   # S3 is planned
    assert sites.set_index("site_id").loc["S2", "technologies"] == "2G, 4G"


def test_village_colours_are_the_maps(run_out):
    qml = _rows(run_out / "villages.gpkg")[0]["styleQML"]
    categories = _qml_categories(qml)
    assert [(v, c) for v, _, c in categories] == [*CLASS_COLORS.items(), ("", OTHER_COLOR)]
    assert ET.fromstring(qml).find("renderer-v2").get("attr") == "class_any"
    sld = _rows(run_out / "villages.gpkg")[0]["styleSLD"]
    assert [c for _, c in _sld_fills(sld)] == [*CLASS_COLORS.values(), OTHER_COLOR]
    assert len(list(ET.fromstring(sld).iter(f"{SE}ElseFilter"))) == 1


def test_commune_ramp_is_the_maps():
    stops = {c: s for c, _, s in CHOROPLETHS}["pct_none"]
    style = commune_style(lang="en")
    root = ET.fromstring(style.qml)
    ranges = root.findall("renderer-v2/ranges/range")
    assert [(float(r.get("lower")), float(r.get("upper"))) for r in ranges] == \
        [(0, 0), (0, 10), (10, 25), (25, 50), (50, 75), (75, 100)]  # fmt: skip
    fills = [c for _, c in _sld_fills(style.sld)]
    assert fills[0] == stops[0] and fills[-1] == ramp_color(stops, 0.875)
    ramp = root.find("renderer-v2/colorramp/prop[@k='color2']").get("v")
    assert ramp.startswith(",".join(str(int(stops[-1][i:i + 2], 16)) for i in (1, 3, 5)))


def test_labels_follow_the_language():
    vi, en = village_style(lang="vi"), village_style(lang="en")
    assert [label for _, label, _ in _qml_categories(vi.qml)][:3] == \
        [message(f"value.{c}", "vi") for c in CLASS_COLORS]  # fmt: skip
    assert [label for _, label, _ in _qml_categories(en.qml)][0] == "No signal"
    assert vi.description == message("map.layer_villages", "vi") != en.description
    ranks = priority_style(gpd.GeoDataFrame({"rank": [1, 2, 3]}), lang="vi")
    assert [r.get("label") for r in ET.fromstring(ranks.qml).iter("range")] == ["Thứ tự 1", "Thứ tự 2",
                                                                                "Thứ tự 3"]  # fmt: skip


def test_priority_ranks_are_grouped_and_labelled():
    style = priority_style(gpd.GeoDataFrame({"rank": np.arange(1, 13)}), lang="en")
    ranges = list(ET.fromstring(style.qml).iter("range"))
    assert [r.get("label") for r in ranges] == ["Ranks 1–3", "Ranks 4–6", "Ranks 7–8", "Ranks 9–10",
                                                "Ranks 11–12"]  # fmt: skip
    assert float(ranges[0].get("lower")) < 1 and float(ranges[-1].get("upper")) == 12
    root = ET.fromstring(style.qml)
    assert root.get("labelsEnabled") == "1" and root.find("labeling/settings/text-style").get("fieldName") == "rank"
    assert ET.fromstring(style.sld).find(f".//{SE}TextSymbolizer/{SE}Label/{OGC}PropertyName").text == "rank"


def test_sites_by_operator_in_the_maps_colours_and_user_text_escaped():
    evil = '<b onmouseover="x">&Co</b>'
    sites = gpd.GeoDataFrame({"site_id": ["A", "A", "B", "C"], "operator": [evil, evil, "Viettel", "MobiFone"],
                              "technology": ["2G", "4G", "4G", "4G"], "height_m": [30, 30, 25, 20],
                              "status": ["active", "active", "active", "planned"]},
                             geometry=[shapely.Point(105, 21)] * 4, crs=4326)  # fmt: skip
    table = site_table(sites)
    assert list(table["site_id"]) == ["A", "B"] and list(table["cells"]) == [2, 1]
    style = site_style(table, lang="en", operators=sites["operator"])
    categories = _qml_categories(style.qml)   # parses: the operator is escaped
    colors = dict(zip(sorted([evil, "Viettel", "MobiFone"]), OPERATOR_COLORS, strict=False))
    assert categories == [(evil, f"{evil} (2G, 4G)", colors[evil]), ("Viettel", "Viettel (4G)", colors["Viettel"])]
    literals = [e.text for e in ET.fromstring(style.sld).iter(f"{OGC}Literal")]
    assert literals == [evil, "Viettel"]
    assert evil not in style.qml and evil not in style.sld   # never raw in the text


def test_post_rings_have_the_service_radius():
    posts = gpd.GeoDataFrame({"post_id": ["P1"], "name": ["Bưu cục"], "kind": ["post office"]},
                             geometry=[shapely.Point(105, 21)], crs=4326)  # fmt: skip
    layers = post_layers(posts, radius_km=3.0, crs="EPSG:32648")
    ring = layers["service_area"].to_crs(32648).geometry.iloc[0]
    assert ring.area == pytest.approx(np.pi * 3000.0**2, rel=0.01)
    styles = post_styles(layers, lang="vi", radius_km=3.0)
    assert styles["service_area"].description == message("map.layer_post_radius", "vi", r="3,00")
    assert post_layers(posts, radius_km=None, crs="EPSG:32648").keys() == {"post_offices"}
    assert post_layers(None, radius_km=3.0, crs="EPSG:32648") == {}


def test_a_style_for_a_missing_layer_is_refused(tmp_path):
    frame = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(0, 0)], crs=4326)
    with pytest.raises(ValueError, match="no layer 'other'"):
        write_gpkg(frame, tmp_path / "x.gpkg", layer="x", styles={"other": village_style(lang="en")})
    assert not (tmp_path / "x.gpkg").exists()   # nothing half-written


# -- QGIS itself --------------------------------------------------------------------------------

CHECK = textwrap.dedent("""
    import json, os, sys
    from qgis.core import QgsApplication, QgsVectorLayer
    app = QgsApplication([], False)
    app.initQgis()
    out = []
    for path, layer in json.loads(sys.argv[1]):
        lyr = QgsVectorLayer(f"{path}|layername={layer}", layer, "ogr")
        r = lyr.renderer()
        kind = r.type()
        count = len(r.categories()) if kind == "categorizedSymbol" else \\
            len(r.ranges()) if kind == "graduatedSymbol" else 1
        colors = [c.symbol().color().name() for c in r.categories()] if kind == "categorizedSymbol" else []
        out.append({"layer": layer, "valid": lyr.isValid(), "type": kind, "count": count,
                    "colors": colors, "labels": lyr.labelsEnabled(), "features": lyr.featureCount()})
    print("RESULT " + json.dumps(out))
""")


def _qgis_python() -> str | None:
    if not Path(QGIS_PYTHON).exists():
        return None
    probe = subprocess.run([QGIS_PYTHON, "-c", "import qgis.core"], capture_output=True, timeout=120)
    return QGIS_PYTHON if probe.returncode == 0 else None


@pytest.mark.skipif(_qgis_python() is None,
                    reason=f"{QGIS_PYTHON} cannot import qgis.core (apt-get install qgis python3-qgis)")
def test_qgis_opens_every_layer_styled(run_out, extra_out):
    expected = {}
    for name, layers in STYLED.items():
        for layer in layers:
            expected[(str(run_out / name), layer)] = None
    expected[(str(extra_out / "priority_sites.gpkg"), "priority_sites")] = None
    expected[(str(extra_out / "hexagons.gpkg"), "villages")] = None
    expected[(str(extra_out / "hexagons.gpkg"), "coverage")] = None
    for path, layer in expected:
        row = next(r for r in _rows(Path(path)) if r["f_table_name"] == layer)
        root = ET.fromstring(row["styleQML"])
        renderer = root.find("renderer-v2")
        count = len(renderer.findall("categories/category") or renderer.findall("ranges/range")) or 1
        expected[(path, layer)] = (renderer.get("type"), count)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": ""}
    done = subprocess.run([QGIS_PYTHON, "-c", CHECK, json.dumps(list(expected))], capture_output=True,
                          text=True, env=env, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.split("RESULT ", 1)[1])
    for (path, layer), seen in zip(expected, got, strict=True):
        assert seen["valid"] and seen["features"] > 0, (path, layer)
        assert (seen["type"], seen["count"]) == expected[(path, layer)], (path, layer, seen)
    kinds = {(Path(p).name, layer): s["type"] for (p, layer), s in zip(expected, got, strict=True)}
    assert kinds[("villages.gpkg", "villages")] == "categorizedSymbol"
    assert kinds[("communes.gpkg", "communes")] == "graduatedSymbol"
    assert kinds[("sites.gpkg", "sites")] == "categorizedSymbol"
    assert kinds[("priority_sites.gpkg", "priority_sites")] == "graduatedSymbol"
    assert kinds[("hexagons.gpkg", "coverage")] == "graduatedSymbol"
    villages = got[0]
    assert villages["colors"] == [*CLASS_COLORS.values(), OTHER_COLOR]   # QGIS draws map.html's colours
    assert got[list(expected).index((str(extra_out / "priority_sites.gpkg"), "priority_sites"))]["labels"]
