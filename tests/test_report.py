"""The report: sections in order, prose from the numbers, formats, escaping, workbook."""

import base64
import dataclasses
import re
import struct
import warnings
import zlib
from datetime import date
from html.parser import HTMLParser

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest

from whitezone import load_layers
from whitezone.analysis import analyse
from whitezone.files import write_excel
from whitezone.i18n import (
    column_label,
    format_cell,
    format_number,
    format_pct,
    format_short,
    vi_sort_key,
)
from whitezone.project import read_project
from whitezone.report import (
    FIGURE_KEYS,
    parameters_table,
    render_table,
    report_html,
    report_sheets,
    sheet_name,
    summary_sentences,
)
from whitezone.report.outline import Page, write_report
from whitezone.report.tables import communes_table, districts_table, total_row

EVIL = "<script>alert(1)</script>"
EVIL_OPERATOR = "<script>alert(2)</script>"
DAY = date(2024, 8, 5)


@pytest.fixture
def result_en(tiny, tiny_layers):
    return analyse(tiny_layers, read_project(tiny))


def in_lang(result, lang):
    """The same result reported in another language."""
    return dataclasses.replace(result, project=dataclasses.replace(result.project, lang=lang))


@pytest.fixture
def result_vi(result_en):
    return in_lang(result_en, "vi")


def page(result, **kwargs):
    return report_html(result, result.layers.repairs_table(), today=DAY, **kwargs)


class Tags(HTMLParser):
    """Every tag with its attributes, and the text of header cells."""

    def __init__(self):
        super().__init__()
        self.tags, self.headers, self._in_th = [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_th = tag == "th"

    def handle_endtag(self, tag):
        if tag == "th":
            self._in_th = False

    def handle_data(self, data):
        if self._in_th:
            self.headers.append(data)


def parse(html):
    tags = Tags()
    tags.feed(html)
    return tags


def png_bytes() -> bytes:
    """A valid 1x1 PNG, built by hand."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))


# numbers ------------------------------------------------------------------------------------


def test_number_formats_vi_and_en():
    assert format_number(1234.5, "vi", 1) == "1.234,5"
    assert format_number(1234.5, "en", 1) == "1,234.5"
    assert format_number(1234567, "vi") == "1.234.567"
    assert format_number(1234567, "en") == "1,234,567"
    assert format_number(2.3814, "vi", 3) == "2,381"   # the published service radius
    assert format_number(3018.0, "vi") == "3.018"      # people per postal point
    assert format_pct(1.66, "vi") == "1,7%" and format_pct(1.66, "en") == "1.7%"
    assert format_number(-0.01, "en", 1) == "0.0"      # never "-0.0"
    assert format_number(np.nan, "vi") == format_number(None, "en") == format_number(pd.NA) == "–"
    assert format_short(2.5, "vi") == "2,5" and format_short(5.0, "en") == "5"
    assert format_short(-110.0, "en") == "-110" and format_short(1800, "vi") == "1.800"


def test_cells_formatted_by_column_kind():
    assert format_cell(9501.506, "area_km2", "vi") == "9.501,51"
    assert format_cell(4.48972, "service_radius_km", "en") == "4.490"
    assert format_cell(33.333, "pct_weak_4g", "vi") == "33,3"
    assert format_cell(600000.0, "population", "vi") == "600.000"
    assert format_cell(True, "commune_post_office", "vi") == "✓"
    assert format_cell(np.bool_(False), "center_broadband", "en") == "✗"
    assert format_cell("03100", "commune_id", "en") == "03100"   # codes stay text


def test_rendered_table_uses_the_language_separators():
    frame = pd.DataFrame({"district": ["Huyện A"], "population": [1234567.0],
                          "pct_none": [1.26], "service_radius_km": [2.3814]})  # fmt: skip
    vi = render_table(frame, "vi")
    en = render_table(frame, "en")
    assert ">1.234.567<" in vi and ">1,3<" in vi and ">2,381<" in vi
    assert ">1,234,567<" in en and ">1.3<" in en and ">2.381<" in en


def test_tables_in_the_page_use_the_language(result_vi, result_en):
    assert ">200,16<" in page(result_vi)      # area of the province, km²
    assert ">200.16<" in page(result_en)
    assert ">5,644<" in page(result_vi)       # average service radius R, km


# structure and prose ------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_sections_in_report_order(result_en, lang):
    html = page(in_lang(result_en, lang))
    ids = ["summary", "mobile", "postal", "broadband", "pois", "input", "sources"]
    where = [html.index(f"<section id='{k}'") for k in ids]
    assert where == sorted(where)
    assert f"<html lang='{lang}'>" in html
    # inside I: headline, districts, technologies, operators, sites, communes
    captions = re.findall(r"<h3>[^<]*?(?:Table|Bảng) (\d+)\. ([^<]*)</h3>", html)
    assert [int(n) for n, _ in captions] == list(range(1, len(captions) + 1))
    if lang == "en":
        titles = [t for _, t in captions]
        order = ["Mobile coverage of the province", "Mobile coverage by district",
                 "Coverage by technology", "Coverage by operator",
                 "Cell sites by operator and technology", "Mobile coverage by commune",
                 "Postal network", "Fixed broadband", "Input layers", "Input repairs and warnings",
                 "Parameters and thresholds", "Definitions"]  # fmt: skip
        assert [titles.index(t) for t in order] == sorted(titles.index(t) for t in order)


class Recorder(Page):
    """A page that writes down the blocks the outline gives it."""

    def __init__(self, result):
        super().__init__(result, None)
        self.blocks = []

    def summary(self, sentences):
        self.blocks.append(("summary",))

    def contents(self, keys):
        self.blocks.append(("contents", *keys))

    def section(self, key, *, wide):
        self.blocks.append(("section", key, wide))

    def end_section(self):
        self.blocks.append(("end",))

    def write_caption(self, title):
        self.blocks.append(("caption", title))

    def grid(self, frame, *, style=""):
        self.blocks.append(("grid", len(frame), style))

    def headline(self, frame):
        self.blocks.append(("headline", len(frame)))

    def note(self, key, **fields):
        self.blocks.append(("note", key))

    def no_table(self, key, reason):
        self.blocks.append(("no_table", key, reason))

    def colophon(self):
        self.blocks.append(("colophon",))

    def write_picture(self, data, title):
        self.blocks.append(("picture", title))


def test_outline_follows_what_the_result_holds(result_en):
    full = Recorder(result_en)
    write_report(full, result_en.layers.repairs_table().iloc[0:0])
    sections = [b[1] for b in full.blocks if b[0] == "section"]
    assert ("contents", *sections) in full.blocks
    assert sections == ["mobile", "postal", "broadband", "pois", "input", "sources"]
    assert sum(b[0] == "section" for b in full.blocks) == sum(b == ("end",) for b in full.blocks)
    # Wide tables on landscape pages: sections I-IV; the one repair-free line unnumbered.
    assert [b[2] for b in full.blocks if b[0] == "section"] == [True] * 4 + [False] * 2
    assert ("no_table", "t_repairs", "no_repairs") in full.blocks
    captions = [b[1] for b in full.blocks if b[0] == "caption"]
    assert captions[0] == "Table 1. Mobile coverage of the province"
    assert sum(b[0] in ("grid", "headline") for b in full.blocks) == len(captions)
    # Without districts or operators their tables and notes go; a numbered caption each less.
    summaries = dataclasses.replace(result_en.summaries, districts=None, operators=None)
    bare = Recorder(dataclasses.replace(result_en, summaries=summaries))
    write_report(bare, result_en.layers.repairs_table())
    notes = [b[1] for b in bare.blocks if b[0] == "note"]
    assert "n_operators" not in notes and "n_operators" in [b[1] for b in full.blocks if b[0] == "note"]
    titles = [b[1].split(". ", 1)[1] for b in bare.blocks if b[0] == "caption"]
    assert "Mobile coverage by district" in [c.split(". ", 1)[1] for c in captions]
    assert "Mobile coverage by district" not in titles and "Coverage by operator" not in titles
    assert len(titles) < len(captions)


def test_summary_sentence_vietnamese(result_vi):
    text = " ".join(summary_sentences(result_vi))
    assert text.startswith("Toàn tỉnh có 0 thôn, bản chưa có sóng thông tin di động (chiếm 0,0%)")
    assert ("2 thôn, bản đã có sóng nhưng sóng yếu, chưa đảm bảo chất lượng dịch vụ "
            "(chiếm 33,3%)") in text
    assert "1 thôn, bản chưa xác định được sóng do thiếu vị trí (chiếm 16,7%)" in text
    assert "2/2 trung tâm xã có sóng thông tin di động (đạt 100,0%)" in text
    assert "tổng số 6 thôn, bản của 2 xã" in text
    assert "Tổng số điểm phục vụ bưu chính là 2 điểm, trong đó có 1/2 xã có điểm BĐ-VHX" in text
    assert ("bán kính phục vụ bình quân 5,644 km/1 điểm, số dân phục vụ bình quân 350 "
            "người/1 điểm") in text
    assert ("4 thôn, bản chưa có dịch vụ truy nhập Internet băng rộng cố định mặt đất "
            "(chiếm 66,7%)") in text
    assert "0/2 xã có Internet băng rộng cố định" in text
    assert ("2 vị trí trạm BTS đang hoạt động với 3 trạm BTS theo công nghệ "
            "(1 trạm 2G, 2 trạm 4G)") in text
    assert text in page(result_vi)   # printed as it is (no character needs escaping)


def test_summary_numbers_are_the_province_row(result_en):
    text = " ".join(summary_sentences(result_en))
    prov = total_row(result_en)
    for key in ("pct_none", "pct_weak", "pct_unclassified", "pct_no_broadband"):
        assert f"({format_pct(prov[key], 'en')})" in text, key
    assert "0 villages have no mobile signal (0.0%)" in text
    assert "2 villages have signal but it is weak (33.3%)" in text
    assert "1 village could not be classified (16.7%)" in text
    assert "2 of 2 commune centres have signal (100.0%)" in text
    assert "the average service radius is 5.644 km and a point serves 350 people" in text
    assert "4 villages have none (66.7%)" in text


def test_report_is_self_contained_and_printable(result_vi):
    html = page(result_vi)
    tags = parse(html)
    assert "http" not in html and "//" not in html
    assert not [t for t, _ in tags.tags if t in ("script", "link", "iframe", "object", "embed")]
    for _, attrs in tags.tags:
        for name in ("src", "href"):
            if name in attrs:
                assert attrs[name].startswith(("#", "data:image/png;base64,")), attrs
    assert "@import" not in html and "url(" not in html
    for rule in ("@page", "size:A4", "@page wide", "break-before:page",
                 "display:table-header-group"):  # fmt: skip
        assert rule in html, rule
    assert "<img" not in html          # no figures given, none shown


def test_every_header_is_labelled(result_en, result_vi):
    for result in (result_en, result_vi):
        headers = parse(page(result)).headers
        assert headers and not [h for h in headers if "_" in h], headers
        for table in (result.summaries.province, result.summaries.communes,
                      result.summaries.districts, result.summaries.operators):  # fmt: skip
            for col in table.columns:
                assert column_label(col, result.project.lang) != col, col


def test_vietnamese_terms(result_vi):
    html = page(result_vi)
    for term in ("chưa có sóng", "Sóng yếu", "BĐ-VHX", "Bán kính phục vụ bình quân",
                 "Số dân phục vụ bình quân", "thôn, bản", "Huyện", "Toàn tỉnh",
                 "trắng sóng"):  # fmt: skip
        assert term in html, term


# escaping -----------------------------------------------------------------------------------


@pytest.fixture
def evil_result(tiny):
    folder = tiny.parent
    communes = gpd.read_file(folder / "communes.gpkg")
    communes.loc[0, "commune"] = EVIL
    communes.loc[1, "district"] = "http://evil.example/<b>"
    communes.to_file(folder / "communes.gpkg", driver="GPKG", layer="communes")
    sites = (folder / "sites.csv").read_text(encoding="utf-8")
    (folder / "sites.csv").write_text(sites.replace("Viettel", EVIL_OPERATOR), encoding="utf-8")
    project = read_project(tiny)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return analyse(load_layers(project), project)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_user_text_is_escaped(evil_result, lang):
    result = in_lang(evil_result, lang)
    repairs = pd.DataFrame([{"layer": "villages", "kind": "<i>odd</i>", "count": 1,
                             "rows": "row <2>",
                             "message": "<img src=x onerror=alert(3)>"}])  # fmt: skip
    html = report_html(result, repairs, today=DAY)
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html   # the commune
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html   # the operator
    assert "&lt;img src=x onerror=alert(3)&gt;" in html      # the repair message
    for tag, attrs in parse(html).tags:   # the URL in a name is text, never an attribute
        assert not any("evil" in str(v) for v in attrs.values()), (tag, attrs)


# figures ------------------------------------------------------------------------------------


def test_figures_are_embedded_as_data_uris(result_vi):
    png = png_bytes()
    html = page(result_vi, figures={"mobile": png, "postal": png})
    uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    assert html.count(uri) == 2
    first = html.index(uri)
    assert html.index("<section id='mobile'") < first < html.index("<section id='postal'")
    assert "Hình 1. Bản đồ phủ sóng thông tin di động" in html
    assert "Hình 2." in html
    assert set(FIGURE_KEYS) >= {"mobile", "postal"}


def test_figures_are_checked(result_en):
    with pytest.raises(ValueError, match="unknown figure key"):
        page(result_en, figures={"nowhere": png_bytes()})
    with pytest.raises(ValueError, match="not PNG"):
        page(result_en, figures={"mobile": b"GIF89a"})


# tables -------------------------------------------------------------------------------------


def test_tables_reconcile_with_the_summaries(result_en):
    districts = districts_table(result_en, "en")
    prov = result_en.summaries.province.iloc[0]
    assert districts.attrs["total"] and districts.iloc[-1]["district"] == "Province total"
    assert districts.iloc[-1]["villages_none"] == prov["villages_none"]
    assert districts.iloc[:-1]["villages"].sum() == prov["villages"]
    communes = communes_table(result_en, "en")
    assert communes["stt"].tolist() == [1, 2]
    assert communes["commune"].tolist() == ["Xã Hai", "Xã Một"]   # Vietnamese order
    assert set(communes["center_class"]) == {"Good", "Weak"}


def test_vietnamese_sort_order():
    names = ["Xã Đồng", "Xã Dương", "Thị trấn Ẳng", "Xã An", "Xã Zơ", None]
    assert sorted(names, key=vi_sort_key) == ["Xã An", "Thị trấn Ẳng", "Xã Dương", "Xã Đồng",
                                              "Xã Zơ", None]  # fmt: skip


def test_parameters_list_thresholds_and_sources(result_en, result_vi):
    table = parameters_table(result_en).set_index("setting")["value"]
    assert table["radius 2G (good / weak, km)"] == "6 / 12"
    assert table["radius 4G (good / weak, km)"] == "2.5 / 5"
    assert table["fixed broadband reach (km)"] == "2"
    assert table["service radius R for villages beyond R (km)"] == "5.644"
    assert "EPSG:32648" in table["metric CRS"]
    assert table["layer villages"].endswith("villages.csv")
    vi = parameters_table(result_vi).set_index("setting")["value"]
    assert vi["Bán kính 4G (sóng tốt / tối đa, km)"] == "2,5 / 5"


def test_parameters_of_a_link_budget_model(tiny, tiny_layers):
    project = read_project(tiny)
    model = dataclasses.replace(project.model, kind="pathloss")
    project = dataclasses.replace(project, model=model)
    result = analyse(tiny_layers, project)
    table = parameters_table(result).set_index("setting")["value"]
    assert table["4G: good / weak threshold"] == "-100 / -110 dBm"
    assert table["4G: frequency / EIRP / antenna height (defaults)"] == "1,800 MHz / 30 dBm / 30 m"
    assert table["area with signal: grid (m)"] == "250"
    html = page(result)
    assert "Best received signal ≥ the good threshold (2G: -95 dBm; 4G: -100 dBm)" in html


def test_report_without_optional_layers(tiny):
    text = tiny.read_text(encoding="utf-8")
    text = text.replace('post_offices = "posts.csv"\n', "").replace('fiber = "fiber.gpkg"\n', "")
    tiny.write_text(text, encoding="utf-8")
    project = read_project(tiny)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = analyse(load_layers(project), project)
    html = page(result)
    assert "No postal points were given" in html
    assert "No fixed broadband data were given" in html
    assert "No points of interest were given" in html
    sheets = report_sheets(result, result.layers.repairs_table())
    assert "Postal" not in sheets and "Fixed broadband" not in sheets


# workbook -----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_workbook_keeps_numbers(result_en, tmp_path, lang):
    result = in_lang(result_en, lang)
    sheets = report_sheets(result, result.layers.repairs_table())
    path = write_excel(sheets, tmp_path / "report.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == list(sheets)
    assert all(len(name) <= 31 and not re.search(r"[\[\]:*?/\\]", name) for name in sheets)
    names = {"en": ["Summary", "Province", "Districts", "Communes", "Technologies", "Operators",
                    "Cell sites", "Postal", "Fixed broadband", "Input repairs", "Parameters"],
             "vi": ["Tổng hợp", "Toàn tỉnh", "Cấp huyện", "Cấp xã", "Theo công nghệ",
                    "Theo doanh nghiệp", "Trạm BTS", "Bưu chính", "Băng rộng cố định",
                    "Sửa lỗi dữ liệu", "Tham số"]}  # fmt: skip
    assert set(names[lang]) <= set(sheets)
    province = pd.read_excel(path, sheet_name=names[lang][1])
    villages, pct_weak = column_label("villages", lang), column_label("pct_weak", lang)
    assert pd.api.types.is_integer_dtype(province[villages]) and province[villages].iloc[0] == 6
    assert pd.api.types.is_float_dtype(province[pct_weak])
    assert province[pct_weak].iloc[0] == pytest.approx(33.33)
    code = column_label("commune_id", lang)
    communes = pd.read_excel(path, sheet_name=names[lang][3], dtype={code: str})
    assert communes[code].tolist() == ["C1", "C2"]
    assert pd.api.types.is_integer_dtype(communes[column_label("villages_none", lang)])
    # every cell holding a figure is a number in Excel, not text
    sheet = book[names[lang][2]]
    assert [c.data_type for c in sheet[2][1:6]] == ["n"] * 5
    params = pd.read_excel(path, sheet_name=names[lang][-1])
    first = params.columns[0]
    label = "radius 4G (good / weak, km)" if lang == "en" else "Bán kính 4G (sóng tốt / tối đa, km)"
    row = params[params[first] == label].iloc[0]
    assert float(row.iloc[1]) == 2.5 and float(row.iloc[2]) == 5.0


def test_sheet_names_are_made_valid():
    assert sheet_name("a/b:c*?[x]\\y") == "a b c   x  y"
    assert len(sheet_name("x" * 40)) == 31
    assert sheet_name("Cấp xã", ["cấp xã"]) == "Cấp xã (2)"
    assert sheet_name("") == "Sheet"


def test_workbook_never_turns_text_into_formulas(tmp_path):
    frame = pd.DataFrame({"commune": ["=HYPERLINK(\"http://x\",\"y\")", "http://example.org", "Xã A"],
                          "villages": [1, 2, 3], "pct": [1.5, np.nan, 3.0]})  # fmt: skip
    path = write_excel({"Communes": frame}, tmp_path / "report.xlsx")
    sheet = openpyxl.load_workbook(path)["Communes"]
    assert [c.data_type for c in sheet["A"][1:]] == ["s", "s", "s"]
    assert sheet["A2"].value == frame["commune"].iloc[0]
    assert [c.value for c in sheet["B"][1:]] == [1, 2, 3] and sheet["C3"].value is None
    assert not sheet.parent.defined_names and sheet.freeze_panes == "B2"


def test_every_repair_is_named_and_explained_in_vietnamese(result_en):
    import pathlib

    import whitezone.layers
    from whitezone.i18n import MESSAGES, value_label
    from whitezone.report.tables import repairs_table

    REPAIR_EXPLANATIONS = {k[len("repair."):] for k in MESSAGES if k.startswith("repair.")}

    # every kind a loader can record has a Vietnamese name and explanation
    source = "".join(p.read_text(encoding="utf-8") for p in
                     pathlib.Path(whitezone.layers.__file__).parent.glob("*.py"))  # fmt: skip
    kinds = set(re.findall(r'repairs\.add\(\s*"([a-z_0-9]+)"', source))
    assert kinds and kinds <= set(REPAIR_EXPLANATIONS), kinds - set(REPAIR_EXPLANATIONS)
    assert all(value_label(kind, "vi") != kind for kind in kinds)
    # the tiny province keeps a village without coordinates: explained in the vi table
    repairs = result_en.layers.repairs_table()
    vi = repairs_table(repairs, "vi")
    row = vi[repairs["kind"] == "unlocated"].iloc[0]
    assert row["repair"] == "Không có tọa độ" and row["explanation"].startswith("Không có tọa độ;")
    assert row["message"] == repairs.loc[repairs["kind"] == "unlocated", "message"].iloc[0]
    assert "explanation" not in repairs_table(repairs, "en")
    html = report_html(in_lang(result_en, "vi"), repairs, today=DAY)
    assert "Giải thích" in html and "không được xếp loại sóng" in html


# -- nothing English in a Vietnamese report -----------------------------------------------------


def test_vietnamese_parameters_and_definitions_name_the_bdvhx_in_vietnamese(result_vi):
    from whitezone.report import definitions

    text = " ".join(parameters_table(result_vi)["value"].astype(str)) + " ".join(
        definitions(result_vi)["definition"])
    assert "commune post office" not in text and "Điểm BĐ-VHX" in text


def test_vietnamese_repairs_name_rows_in_vietnamese(result_vi):
    from whitezone.report.tables import repairs_table, where_label

    table = repairs_table(result_vi.layers.repairs_table(), "vi")
    assert table["rows"].tolist() == ["dòng 6"]
    assert where_label("row 65, row 67, feature 5", "vi") == "dòng 65, dòng 67, đối tượng 5"
    assert where_label("row 65, feature 5", "en") == "row 65, feature 5"


def test_vietnamese_map_and_figures_write_numbers_the_vietnamese_way(result_vi, monkeypatch):
    from matplotlib.axes import Axes

    from whitezone.maps import coverage_map
    from whitezone.maps.static import static_maps

    page = coverage_map(result_vi).get_root().render()
    assert "R = 5,64 km" in page and "R = 5.64" not in page
    assert '"decimal":","' in page and '"group":"."' in page   # the popups' numbers
    titles = []
    original = Axes.set_title
    monkeypatch.setattr(Axes, "set_title", lambda self, text, *a, **k: titles.append(text)
                        or original(self, text, *a, **k))  # fmt: skip
    static_maps(result_vi)
    assert any("R = 5,64 km" in t for t in titles), titles


def test_workbook_cells_carry_number_formats(result_vi, tmp_path):
    path = write_excel(report_sheets(result_vi, result_vi.layers.repairs_table()), tmp_path / "r.xlsx")
    sheet = openpyxl.load_workbook(path)["Toàn tỉnh"]
    header = [c.value for c in sheet[1]]
    formats = {name: sheet.cell(row=2, column=i + 1).number_format for i, name in enumerate(header)}
    assert formats[column_label("villages", "vi")] == "#,##0"
    assert formats[column_label("pct_none", "vi")] == "0.0"
    assert formats[column_label("service_radius_km", "vi")] == "0.000"
