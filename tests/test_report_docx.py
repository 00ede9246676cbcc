"""report.docx (Decree 30 layout in Vietnamese, a plain letter in English) and report.pdf."""

import dataclasses
import io
import logging
import re
import shutil
import warnings
from datetime import date
from html.parser import HTMLParser

import docx
import geopandas as gpd
import pytest
from conftest import lonlat, write_csv

from whitezone import load_layers
from whitezone.analysis import analyse
from whitezone.errors import InputError, Problems
from whitezone.i18n import format_cell, message
from whitezone.layers import read_measurements
from whitezone.maps.static import static_maps
from whitezone.project import ReportSettings, _parse_report, read_project
from whitezone.report import html_to_pdf, report_docx, report_html
from whitezone.report.docx import document_number, place_date
from whitezone.report.pdf import find_chromium
from whitezone.report.tables import communes_table
from whitezone.validation import validate

SETTINGS = ReportSettings(agency="Sở Thông tin và Truyền thông", parent_agency="UBND tỉnh Lào Cai",
                          number="5", symbol="STTTT", place="Lào Cai", date=date(2024, 2, 7),
                          signer="Nguyễn Văn A", signer_title="KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC",
                          recipients=("UBND tỉnh", "Bộ TT&TT"))  # fmt: skip
ODD = '<b>&"x"'


@pytest.fixture
def result_en(tiny, tiny_layers):
    return analyse(tiny_layers, read_project(tiny))


def in_lang(result, lang, **report):
    project = dataclasses.replace(result.project, lang=lang,
                                  report=ReportSettings(**report) if report else SETTINGS)  # fmt: skip
    return dataclasses.replace(result, project=project)


@pytest.fixture
def result_vi(result_en):
    return in_lang(result_en, "vi")


def open_docx(result, **kwargs):
    data = report_docx(result, result.layers.repairs_table(), **kwargs)
    return docx.Document(io.BytesIO(data))


def all_text(document) -> str:
    """Every paragraph's text, in the body, in tables (nested too) and in headers."""
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                parts += [p.text for p in cell.paragraphs]
    return "\n".join(parts)


def data_tables(document):
    """The report's tables (the heading and the signature are borderless layout tables)."""
    return [t for t in document.tables if t.style is not None and t.style.name == "Table Grid"]


# the Vietnamese administrative layout ------------------------------------------------------


def test_vietnamese_heading_from_settings(result_vi):
    doc = open_docx(result_vi, figures=static_maps(result_vi))
    heading = doc.tables[0]
    left, right = heading.rows[0].cells
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in right.text
    assert "Độc lập - Tự do - Hạnh phúc" in right.text
    assert "UBND TỈNH LÀO CAI" in left.text and "SỞ THÔNG TIN VÀ TRUYỀN THÔNG" in left.text
    number, when = heading.rows[1].cells
    assert number.text == "Số: 05/BC-STTTT"                 # leading zero below 10
    assert when.text == "Lào Cai, ngày 07 tháng 02 năm 2024"  # and for the months 1 and 2
    body = [p.text for p in doc.paragraphs]
    assert "BÁO CÁO" in body
    text = all_text(doc)
    assert "Nơi nhận:" in text and "- UBND tỉnh;" in text and "- Bộ TT&TT;" in text
    assert "- Lưu: VT." in text
    assert "KT. GIÁM ĐỐC" in text and "PHÓ GIÁM ĐỐC" in text and "Nguyễn Văn A" in text
    # The signature comes after the body: the last table holds it.
    assert "Nguyễn Văn A" in doc.tables[-1].rows[0].cells[1].text


def test_dotted_blanks_where_settings_are_missing(result_en):
    result = in_lang(result_en, "vi", place="")
    doc = open_docx(result)
    heading = doc.tables[0]
    assert heading.rows[1].cells[0].text == "Số: ....../BC-......"
    assert heading.rows[1].cells[1].text == "......, ngày ...... tháng ...... năm ......"
    assert heading.rows[0].cells[0].text.count("......") == 2   # parent agency and agency
    sign = doc.tables[-1].rows[0].cells
    assert "- ......;" in sign[0].text and sign[1].text.strip().endswith("......")


def test_field_helpers():
    assert document_number(ReportSettings(number="15", symbol="BC-UBND"), "vi") == "Số: 15/BC-UBND"
    assert place_date(ReportSettings(place="Hà Nội", date=date(2024, 11, 3)), "vi") == \
        "Hà Nội, ngày 03 tháng 11 năm 2024"  # fmt: skip
    assert place_date(ReportSettings(place="Hanoi", date=date(2024, 8, 5)), "en") == \
        "Hanoi, 5 August 2024"  # fmt: skip


def test_a4_times_new_roman_and_decree_margins(result_vi):
    doc = open_docx(result_vi)
    first = doc.sections[0]
    mm = lambda length: round(length.mm, 1)  # noqa: E731 - Word stores twentieths of a point
    assert (mm(first.page_width), mm(first.page_height)) == (210, 297)
    assert mm(first.top_margin) == mm(first.bottom_margin) == 20
    assert (mm(first.left_margin), mm(first.right_margin)) == (30, 15)
    assert doc.styles["Normal"].font.name == "Times New Roman"
    assert doc.styles["Normal"].font.size.pt in (13, 14)
    assert first.different_first_page_header_footer   # no page number on page 1
    assert "PAGE" in first.header.paragraphs[0]._p.xml
    wide = [s for s in doc.sections if s.page_width > s.page_height]
    assert wide and all(mm(s.left_margin) == 30 for s in wide)


def test_tables_and_numbers_as_the_html_has_them(result_vi):
    doc = open_docx(result_vi, figures=static_maps(result_vi))
    html = report_html(result_vi, result_vi.layers.repairs_table(), figures=static_maps(result_vi))
    tables = data_tables(doc)
    assert len(tables) == html.count("<table")
    # Every table has a header row repeated on each page.
    for table in tables:
        assert "w:tblHeader" in table.rows[0]._tr.xml
    # The communes table: a known figure in Vietnamese style, right-aligned; names left.
    frame = communes_table(result_vi, "vi")
    rows = [r for t in tables for r in t.rows if "C1" in [c.text for c in r.cells]]
    row = next(r for r in rows if "Xã Một" in [c.text for c in r.cells])   # the communes table
    cells = {c.text: c for c in row.cells}
    one = frame[frame["commune"] == "Xã Một"].iloc[0]
    pct = format_cell(one["pct_none"], "pct_none", "vi")
    assert "," in pct and pct in cells                       # e.g. "33,3"
    assert cells[pct].paragraphs[0].alignment == 2           # RIGHT
    assert cells["Xã Một"].paragraphs[0].alignment == 0      # LEFT


class _Captions(HTMLParser):
    """The text of every ``<h3>`` (table captions) and ``<figcaption>`` of a page."""

    def __init__(self):
        super().__init__()
        self.texts, self._open = {"h3": [], "figcaption": []}, None

    def handle_starttag(self, tag, attrs):
        if tag in self.texts:
            self._open = tag
            self.texts[tag].append("")

    def handle_endtag(self, tag):
        self._open = None if tag == self._open else self._open

    def handle_data(self, data):
        if self._open:
            self.texts[self._open][-1] += data


NUMBERED = re.compile(r"^(Table|Bảng|Figure|Hình) \d+\. ")


def with_measurements(result, folder):
    """The result with section VII: one measurement validated against the radius model."""
    lon, lat = lonlat(2, 7)
    path = write_csv(folder / "m.csv", ["lon", "lat", "technology", "signal_dbm"],
                     [[lon, lat, "4G", "-120"]])  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return dataclasses.replace(result, validation=validate(result, read_measurements(path)))


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_html_and_docx_caption_the_same_tables_in_the_same_order(result_en, tmp_path, lang):
    result = in_lang(with_measurements(result_en, tmp_path), lang)
    figures = {"mobile": static_maps(result)["mobile"]}
    page = _Captions()
    page.feed(report_html(result, result.layers.repairs_table(), figures=figures))
    doc = open_docx(result, figures=figures)
    tables_html = [t for t in page.texts["h3"] if NUMBERED.match(t)]
    tables_docx = [p.text for p in doc.paragraphs
                   if p.style.name == "Heading 2" and NUMBERED.match(p.text)]  # fmt: skip
    figures_docx = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert tables_docx == tables_html
    assert figures_docx == page.texts["figcaption"]
    # Every table of both is captioned; section VII (tables and a map) is there.
    assert len(tables_html) == len(data_tables(doc))
    measured = {"vi": "Bảng", "en": "Table"}[lang]
    assert any(t.startswith(measured) and t.endswith(message("report.t_confusion", lang))
               for t in tables_html)  # fmt: skip
    assert len(figures_docx) == 2


def test_thousands_separator_is_a_dot_in_vietnamese(result_en):
    communes = result_en.summaries.communes.copy()
    communes.loc[communes.index[0], "villages"] = 1234
    summaries = dataclasses.replace(result_en.summaries, communes=communes)
    result = dataclasses.replace(in_lang(result_en, "vi"), summaries=summaries)
    cells = [c.text for t in data_tables(open_docx(result)) for r in t.rows for c in r.cells]
    assert "1.234" in cells and "1,234" not in cells


def test_figures_are_embedded(result_vi):
    figures = static_maps(result_vi)
    doc = open_docx(result_vi, figures=figures)
    assert len(doc.inline_shapes) == len(figures) >= 2
    text = all_text(doc)
    assert "Hình 1. Bản đồ phủ sóng thông tin di động" in text
    assert "Hình 2." in text
    with pytest.raises(ValueError, match="not PNG"):
        open_docx(result_vi, figures={"mobile": b"GIF89a"})


# the English letter ------------------------------------------------------------------------


def test_english_is_a_plain_letter(result_en):
    result = in_lang(result_en, "en", agency="Department of Information", place="Hanoi",
                     date=date(2024, 8, 5), signer="Jane Doe", signer_title="Director")  # fmt: skip
    doc = open_docx(result, figures=static_maps(result))
    text = all_text(doc)
    assert "CỘNG HÒA" not in text and "SOCIALIST REPUBLIC" not in text and "Độc lập" not in text
    body = [p.text for p in doc.paragraphs]
    assert body[0] == "Department of Information"
    assert "Hanoi, 5 August 2024" in body
    assert any(p.startswith("Subject: Mobile coverage") for p in body)
    assert body.index("Director") < body.index("Jane Doe")
    assert len(doc.inline_shapes) == 2 and len(data_tables(doc)) == len(doc.tables)


# user text stays text ----------------------------------------------------------------------


def test_odd_names_survive_as_text(tiny):
    folder = tiny.parent
    communes = gpd.read_file(folder / "communes.gpkg")
    communes.loc[0, "commune"] = ODD
    communes.loc[1, "commune"] = "Xã\x0bHai"   # a control character XML cannot hold
    communes.to_file(folder / "communes.gpkg", driver="GPKG", layer="communes")
    project = read_project(tiny)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = analyse(load_layers(project), project)
    result = in_lang(result, "vi", agency=ODD, signer="<i>Ký</i>")
    doc = open_docx(result)
    text = all_text(doc)
    assert ODD in [c.text for t in data_tables(doc) for r in t.rows for c in r.cells]
    assert ODD.upper() in text and "<i>Ký</i>" in text
    assert "XãHai" in text


# the [report] table ------------------------------------------------------------------------


def test_report_table_is_parsed():
    problems = Problems("project.toml")
    settings = _parse_report(problems, {"agency": " Sở ", "number": 12, "date": "2024-08-05",
                                        "recipients": ["A", " ", "B"]})  # fmt: skip
    assert settings == ReportSettings(agency="Sở", number="12", date=date(2024, 8, 5),
                                      recipients=("A", "B"))  # fmt: skip
    assert not problems


@pytest.mark.parametrize(("report", "column"), [
    ({"agncy": "x"}, "report.agncy"),
    ({"date": "5/8/2024"}, "report.date"),
    ({"recipients": "UBND"}, "report.recipients"),
    ({"signer": 3}, "report.signer"),
])  # fmt: skip
def test_report_table_problems_are_reported(tiny, report, column):
    text = tiny.read_text(encoding="utf-8") + "\n[report]\n" + "\n".join(
        f"{k} = {v!r}".replace("'", '"') for k, v in report.items())
    tiny.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_project(tiny)
    assert column in str(info.value)


def test_report_settings_reach_the_project(tiny):
    text = tiny.read_text(encoding="utf-8") + (
        '\n[report]\nagency = "Sở TT&TT"\nplace = "Lào Cai"\ndate = 2024-08-05\n'
        'recipients = ["UBND tỉnh", "Lưu: VT, BCVT"]\n')
    tiny.write_text(text, encoding="utf-8")
    settings = read_project(tiny).report
    assert settings.agency == "Sở TT&TT" and settings.date == date(2024, 8, 5)
    assert settings.recipients == ("UBND tỉnh", "Lưu: VT, BCVT")
    assert read_project(tiny).report.number == ""


# the PDF -----------------------------------------------------------------------------------


def test_no_chromium_no_pdf(monkeypatch, caplog):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with caplog.at_level(logging.INFO, logger="whitezone.report.pdf"):
        assert html_to_pdf("<p>x</p>") is None
    assert "No Chromium" in caplog.text


def test_failing_browser_gives_no_pdf(tmp_path, caplog):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(0o755)
    assert html_to_pdf("<p>x</p>", browser=str(fake)) is None
    slow = tmp_path / "slow"
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(0o755)
    assert html_to_pdf("<p>x</p>", browser=str(slow), timeout_s=0.5) is None
    assert "took more than" in caplog.text


@pytest.mark.skipif(find_chromium() is None,
                    reason="no chromium, chromium-browser or google-chrome on PATH")
def test_pdf_printed_from_the_html(result_vi):
    html = report_html(result_vi, result_vi.layers.repairs_table(), figures=static_maps(result_vi))
    data = html_to_pdf(html, lang="vi")
    assert data is not None and data.startswith(b"%PDF")
    assert data.count(b"/Type /Page") - data.count(b"/Type /Pages") >= 3
