"""The sites report (report_sites.html / .docx), the backhaul on map_sites.html and in priority_sites.gpkg.

The plan is the tiny province's (tests/conftest.py): with the radius model
no village is white, so the plan covers the weak villages V2 and V6
(``target="weak"``), priced by the cost model with the tiny fiber route and
the two masts as backhaul.
"""

from __future__ import annotations

import io
import sqlite3
import warnings
import zipfile
from dataclasses import asdict, replace

import folium
import numpy as np
import pandas as pd
import pyogrio
import pytest
from docx import Document

from whitezone.assumptions import ASSUMED, CostSettings
from whitezone.i18n import format_number, message
from whitezone.maps import coverage_map
from whitezone.outputs import write_plan
from whitezone.report.docx import sites_report_docx
from whitezone.report.fund import (
    commune_costs_table,
    cost_parameters_table,
    plan_totals,
    site_costs_table,
)
from whitezone.report.html import sites_report_html
from whitezone.siting import plan_sites

EVIL = '<script>alert("x")</script>'
MONEY = ("capex", "npv_cost", "revenue_npv", "subsidy")


@pytest.fixture(scope="module")
def tiny_result(tmp_path_factory):
    from conftest import (
        PROJECT,
        write_communes,
        write_fiber,
        write_posts,
        write_sites,
        write_villages,
    )

    from whitezone import analyse, load_layers, read_project

    folder = tmp_path_factory.mktemp("report_sites")
    write_communes(folder / "communes.gpkg")
    write_villages(folder / "villages.csv")
    write_sites(folder / "sites.csv")
    write_posts(folder / "posts.csv")
    write_fiber(folder / "fiber.gpkg")
    (folder / "project.toml").write_text(PROJECT, encoding="utf-8")
    project = read_project(folder / "project.toml")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return analyse(load_layers(project), project)


@pytest.fixture(scope="module")
def plan(tiny_result):
    return plan_sites(tiny_result, k=2, target="weak")


def _lang(result, lang):
    return replace(result, project=replace(result.project, lang=lang))


def _docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_the_tiny_plan_is_priced_with_backhaul(plan):
    assert plan.table["candidate_id"].tolist() == ["V-V2", "V-V6"]
    assert plan.settings["cost_settings"]["set"] == "pytal"
    assert {"capex", "subsidy", "fund_rank", "backhaul"} <= set(plan.table)
    assert plan.links is not None and len(plan.links) >= 1


def test_totals_equal_the_tables_sums(plan):
    totals = plan_totals(plan)
    for col in MONEY:
        assert totals[col] == pytest.approx(plan.table[col].sum())
    assert totals["new_population"] == plan.table["new_population"].sum() == 240
    assert totals["subsidy_per_person"] == pytest.approx(plan.table["subsidy"].sum() / 240)
    sites = site_costs_table(plan, "en")
    assert sites.attrs["total"] and sites["fund_rank"].iloc[:-1].tolist() == sorted(plan.table["fund_rank"])
    for col in (*MONEY, "new_population"):
        assert sites[col].iloc[-1] == pytest.approx(plan.table[col].sum())
        assert sites[col].iloc[:-1].sum() == pytest.approx(plan.table[col].sum())
    communes = commune_costs_table(plan, "en")
    assert communes["chosen_sites"].iloc[-1] == len(plan.table)
    for col in (*MONEY, "new_population"):
        assert communes[col].iloc[:-1].sum() == pytest.approx(communes[col].iloc[-1])
        assert communes[col].iloc[-1] == pytest.approx(plan.table[col].sum())


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_report_names_the_cost_set_and_prints_the_totals(tiny_result, plan, lang):
    result = _lang(tiny_result, lang)
    html = sites_report_html(result, plan)
    text = _docx_text(sites_report_docx(result, plan))
    for page in (html, text):
        assert '"pytal"' in page or "&quot;pytal&quot;" in page
        assert "Oughton" in page and "USD" in page
        assert message("report.t_plan_parameters", lang) in page
        for col in MONEY:
            assert format_number(plan.table[col].sum(), lang) in page, col
        assert message("report.origin_assumed", lang).replace("'", "&#x27;") in page \
            or message("report.origin_assumed", lang) in page  # fmt: skip
    # both documents caption the same tables in the same order
    captions = [message(f"report.{k}", lang) for k in ("t_plan_totals", "t_plan_sites", "t_plan_communes",
                                                       "t_plan_parameters")]  # fmt: skip
    assert [c for c in captions if c in html] == captions
    assert [c for c in captions if c in text] == captions


def test_vietnamese_number_style(tiny_result, plan):
    capex = plan.table["capex"].sum()
    assert capex > 1000
    vi = sites_report_html(_lang(tiny_result, "vi"), plan)
    en = sites_report_html(_lang(tiny_result, "en"), plan)
    assert format_number(capex, "vi") in vi and format_number(capex, "vi") not in en
    assert format_number(capex, "en") in en and format_number(capex, "en") not in vi
    assert "." in format_number(capex, "vi") and "," in format_number(capex, "en")
    docx_vi = _docx_text(sites_report_docx(_lang(tiny_result, "vi"), plan))
    assert format_number(capex, "vi") in docx_vi and "CỘNG HÒA" in docx_vi


def test_user_text_is_escaped(tiny_result, plan):
    evil = replace(plan, table=plan.table.assign(candidate_id=[EVIL, "V-V6"]))
    html = sites_report_html(tiny_result, evil)
    assert EVIL not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<script" not in html
    data = sites_report_docx(tiny_result, evil)
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode("utf-8")
    assert "<script>" not in xml and "&lt;script&gt;" in xml
    assert EVIL in _docx_text(data)  # shown as text


def test_given_costs_show_cost_per_person_only(tiny_result):
    given = plan_sites(tiny_result, k=2, target="weak", costs="given")
    assert given.settings["cost_settings"] is None
    html = sites_report_html(tiny_result, given)
    assert message("report.n_plan_given", "en").replace("'", "&#x27;") in html
    assert message("column.cost_per_person", "en") in html
    assert message("column.subsidy", "en") not in html
    assert message("report.t_plan_parameters", "en") not in html
    table = site_costs_table(given, "en")
    assert table["cost"].iloc[-1] == pytest.approx(2.0) and table["new_population"].iloc[-1] == 240
    assert message("report.n_plan_given", "en") in _docx_text(sites_report_docx(tiny_result, given))


def test_parameters_mark_assumptions_and_the_project_files_values():
    settings = {**asdict(CostSettings()), "tower_30m": 12_345.0}
    table = cost_parameters_table(settings, "en").set_index("setting")
    origin = {key.rsplit("(", 1)[1].rstrip(")"): value for key, value in table["origin"].items()}
    assert origin["tower_30m"] == "project file"
    assert all(origin[key] == "whitezone's assumption" for key in ASSUMED if key in origin)
    assert origin["civil_works"] == "pytal"
    assert len(origin) == len(asdict(CostSettings())) - 3  # set, currency, exchange rate are in the note
    vi = cost_parameters_table({**asdict(CostSettings()), "currency": "VND", "exchange_rate": 25_400.0,
                                "tower_30m": 254_000_000.0}, "vi")  # fmt: skip
    assert "254.000.000" in vi["value"].tolist()


def _backhaul_layers(fmap, name):
    return [c for c in fmap._children.values() if isinstance(c, folium.GeoJson) and c.layer_name == name]


def test_map_draws_the_backhaul_lines(tiny_result, plan):
    result = replace(tiny_result, priority_sites=plan.table)
    name = message("map.layer_backhaul", "en")
    fmap = coverage_map(result, priority_links=plan.links)
    (layer,) = _backhaul_layers(fmap, name)
    features = layer.data["features"]
    assert len(features) == len(plan.links)
    assert {f["geometry"]["type"] for f in features} == {"LineString"}
    assert {f["properties"]["kind"] for f in features} <= {"fiber", "microwave", "relay"}
    assert not _backhaul_layers(coverage_map(result), name)
    links = plan.links.assign(candidate_id=EVIL)
    (layer,) = _backhaul_layers(coverage_map(result, priority_links=links), name)
    assert all(f["properties"]["candidate_id"] == "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
               for f in layer.data["features"])  # fmt: skip


def test_write_plan_writes_the_report_map_and_backhaul_layer(tiny_result, plan, tmp_path):
    written = write_plan(tiny_result, plan, tmp_path / "out")
    assert {"report_sites.html", "report_sites.docx", "map_sites.html", "priority_sites.gpkg",
            "priority_sites.csv", "priority_communes.csv"} <= set(written)  # fmt: skip
    page = written["map_sites.html"].read_text(encoding="utf-8")
    assert message("map.layer_backhaul", "en") in page
    gpkg = written["priority_sites.gpkg"]
    assert {"priority_sites", "backhaul"} <= {name for name, _ in pyogrio.list_layers(gpkg)}
    lines = pyogrio.read_dataframe(gpkg, layer="backhaul")
    assert len(lines) == len(plan.links) and set(lines.geom_type) == {"LineString"}
    assert lines["backhaul"].tolist() == plan.links["backhaul"].tolist()
    with sqlite3.connect(gpkg) as db:
        styled = dict(db.execute("SELECT f_table_name, styleQML FROM layer_styles"))
    assert set(styled) == {"priority_sites", "backhaul"}
    assert "SimpleLine" in styled["backhaul"]
    table = pd.read_csv(written["priority_sites.csv"])
    assert np.isclose(table["subsidy"].sum(), plan.table["subsidy"].sum())
    assert "Oughton" in written["report_sites.html"].read_text(encoding="utf-8")
