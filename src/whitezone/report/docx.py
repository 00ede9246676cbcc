"""``report.docx``: the report as an editable Word document an agency can sign.

In Vietnamese the document follows the layout of Decree 30/2020/NĐ-CP
(Appendix I, administrative documents): A4, Times New Roman, margins top and
bottom 20 mm, left 30 mm, right 15 mm; a two-column heading — the issuing
agency under its parent agency and the number and symbol ("Số: 15/BC-STTTT")
on the left, the national name and motto ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
/ Độc lập - Tự do - Hạnh phúc") and the place and date on the right; the
kind "BÁO CÁO" and the subject; the body; then "Nơi nhận:" on the left and
the signer's title, room to sign and stamp, and name on the right; page
numbers at the top from page 2.  In English it is a plain letter: agency,
reference, place and date, subject, body, signature.

Who issues and signs comes from the project's ``[report]`` table
(:class:`~whitezone.project.ReportSettings`); every setting not given is
left as a dotted blank to fill by hand.  The body holds the same summary,
tables and figures as ``report.html`` (:mod:`.tables`, :mod:`.prose`,
:mod:`.params`), in the same order: tables are real Word tables with a
repeated header row, numbers formatted for the report's language (``1.234,5``
in Vietnamese) and right-aligned; figures are embedded PNG images.  User
text (names, operators, files) is written as text, never interpreted.
"""

from __future__ import annotations

import io
import logging
import re
from xml.sax.saxutils import escape as xml_escape

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Mm, Pt, RGBColor

from ..i18n import (
    column_kind,
    column_label,
    format_cell,
    format_number,
    format_short,
    header,
    is_missing,
    message,
)
from ..project import ReportSettings
from ..result import Result
from . import tables as T
from .html import _FRACTIONS, FIGURE_KEYS
from .measured import validation_figures, validation_tables
from .params import definitions, model_name, parameters_table
from .prose import summary_sentences

__all__ = ["document_number", "place_date", "report_docx"]

logger = logging.getLogger(__name__)

FONT = "Times New Roman"
#: Body text size (pt): Decree 30 prescribes 13 to 14.
BODY_PT = 14
#: Table text sizes (pt): portrait pages, and the landscape pages of sections I–IV.
TABLE_PT, WIDE_TABLE_PT = 11, 9
DOTS = "......"
_PNG = b"\x89PNG\r\n\x1a\n"
#: Characters XML 1.0 cannot hold (a control character in a name would make Word refuse the file).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")  # fmt: skip


def _clean(value) -> str:
    return _NOT_XML.sub("", str(value))


def text(key: str, lang: str, **fields) -> str:
    """The report's text ``key`` (``report.<key>`` in the catalogue)."""
    return message(f"report.{key}", lang, **fields)


# -- the heading's fields --------------------------------------------------------------------


def document_number(settings: ReportSettings, lang: str) -> str:
    """"Số: 05/BC-STTTT" — dotted where the number or the symbol is not set.

    Decree 30 writes numbers below 10 with a leading zero and the symbol as
    the document kind ("BC", báo cáo) then the agency's abbreviation.
    """
    number = settings.number.strip()
    if number.isdigit() and int(number) < 10:
        number = f"{int(number):02d}"
    symbol = settings.symbol.strip()
    if symbol and not symbol.upper().startswith("BC-"):
        symbol = f"BC-{symbol}"
    return text("docx_number", lang, number=number or DOTS, symbol=symbol or f"BC-{DOTS}")


def place_date(settings: ReportSettings, lang: str) -> str:
    """"Lào Cai, ngày 05 tháng 8 năm 2024" — dotted where the place or the date is not set.

    Decree 30: days below 10 and the months 1 and 2 take a leading zero.
    """
    place = settings.place or DOTS
    day = settings.date
    if day is None:
        return text("docx_place_date", lang, place=place, day=DOTS, month=DOTS, year=DOTS)
    if lang == "vi":
        month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
        return text("docx_place_date", lang, place=place, day=f"{day.day:02d}", month=month,
                    year=day.year)  # fmt: skip
    return text("docx_place_date", lang, place=place, day=day.day, month=_MONTHS_EN[day.month - 1],
                year=day.year)  # fmt: skip


# -- low-level helpers ----------------------------------------------------------------------


def _run(paragraph, value, *, bold=False, italic=False, size=None, caps=False):
    run = paragraph.add_run(_clean(value).upper() if caps else _clean(value))
    run.bold, run.italic = bold or None, italic or None
    if size:
        run.font.size = Pt(size)
    return run


def _para(container, value="", *, align=None, bold=False, italic=False, size=None, caps=False,
          indent=False, before=0, after=None, style=None):  # fmt: skip
    """A paragraph of one run; lines of ``value`` are separated by line breaks."""
    p = container.add_paragraph(style=style)
    lines = _clean(value).split("\n")
    for i, line in enumerate(lines):
        run = _run(p, line, bold=bold, italic=italic, size=size, caps=caps)
        if i < len(lines) - 1:
            run.add_break()
    fmt = p.paragraph_format
    if align is not None:
        p.alignment = align
    if indent:
        fmt.first_line_indent = Cm(1.27)
    fmt.space_before = Pt(before)
    if after is not None:
        fmt.space_after = Pt(after)
    return p


def _rule(cell, width_cm: float, cell_cm: float) -> None:
    """A short centred line under the agency or the motto (a bordered empty paragraph)."""
    p = cell.add_paragraph()
    side = Cm(max(0.0, (cell_cm - width_cm) / 2))
    p.paragraph_format.left_indent = p.paragraph_format.right_indent = side
    p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(0)
    p.paragraph_format.line_spacing = Pt(2)
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        top.set(qn(key), value)
    borders.append(top)
    p._p.get_or_add_pPr().append(borders)


def _field(paragraph, code: str) -> None:
    """A Word field (``PAGE``) that Word fills when it lays the page out."""
    run = paragraph.add_run()
    for kind, instr in (("begin", None), (None, code), ("separate", None), ("end", None)):
        if kind is None:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instr} "
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        run._r.append(el)
        if kind == "separate":
            shown = OxmlElement("w:t")
            shown.text = "1"
            run._r.append(shown)


def _no_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    table._tbl.tblPr.append(borders)


def _widths(table, widths_cm) -> None:
    """Fixed column widths, in the grid and in every cell (Word and LibreOffice read either)."""
    table.autofit = False
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm, strict=True):
            cell.width = Cm(width)


def _repeat_header(row) -> None:
    """Mark a table row as a header row, repeated at the top of every page the table spans."""
    tr_pr = row._tr.get_or_add_trPr()
    for tag in ("w:tblHeader", "w:cantSplit"):
        el = OxmlElement(tag)
        el.set(qn("w:val"), "true")
        tr_pr.append(el)


def _cell_text(cell, value, *, align, bold=False, size) -> None:
    p = cell.paragraphs[0]
    p.alignment = align
    p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(1)
    p.paragraph_format.first_line_indent = None
    _run(p, value, bold=bold, size=size)


def _shade(cell, fill: str) -> None:
    shading = OxmlElement("w:shd")
    for key, value in (("w:val", "clear"), ("w:color", "auto"), ("w:fill", fill)):
        shading.set(qn(key), value)
    cell._tc.get_or_add_tcPr().append(shading)


# -- the document ---------------------------------------------------------------------------


def _fonts(style) -> None:
    """Times New Roman in every font slot; the template's theme fonts would override it."""
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{slot}"), FONT)
    for theme in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{theme}"), None)


def _styles(doc, lang: str) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT if lang == "vi" else 12)
    _fonts(normal)
    fmt = normal.paragraph_format
    fmt.space_after = Pt(6)   # Decree 30: at least 6 pt between paragraphs
    fmt.line_spacing = 1.15   # and single to 1.5 lines
    for name, size in (("Heading 1", BODY_PT), ("Heading 2", BODY_PT), ("Caption", BODY_PT - 1)):
        style = doc.styles[name]
        style.font.name = FONT
        style.font.size = Pt(size)
        style.font.bold = name != "Caption"
        style.font.italic = name == "Caption"
        style.font.color.rgb = RGBColor(0, 0, 0)
        _fonts(style)
        style.paragraph_format.space_before = Pt(12 if name == "Heading 1" else 6)
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.keep_with_next = name != "Caption"


def _page(section, *, landscape: bool) -> None:
    """A4 with Decree 30's margins (for a landscape page the binding side stays on the left)."""
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Mm(297), Mm(210)) if landscape else (Mm(210), Mm(297))
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = Mm(10)


def _text_width_cm(section) -> float:
    return (section.page_width - section.left_margin - section.right_margin) / 360000


class _Doc:
    """Accumulates the body, numbering tables and figures as the HTML page does."""

    def __init__(self, result: Result, figures: dict[str, bytes]):
        self.result = result
        self.lang = result.project.lang
        self.figures = figures
        self.doc = Document()
        self.tables = 0
        self.figure_count = 0
        self.wide = False
        far = result.project.post_max_distance_km
        self.far_km = format_short(far, self.lang) if far is not None else "?"
        _styles(self.doc, self.lang)
        _page(self.doc.sections[0], landscape=False)

    # pages ---------------------------------------------------------------------------------
    def orientation(self, *, wide: bool) -> None:
        """Wide tables (sections I–IV) on landscape pages, the rest on portrait ones."""
        if wide == self.wide:
            return
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        _page(section, landscape=wide)
        # Only the document's first page goes unnumbered, not each section's.
        section.different_first_page_header_footer = False
        self.wide = wide

    def page_numbers(self) -> None:
        """Decree 30: page numbers centred at the top, none on the first page."""
        section = self.doc.sections[0]
        section.different_first_page_header_footer = True
        p = section.header.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _field(p, "PAGE")

    # body ----------------------------------------------------------------------------------
    def heading(self, value: str, level: int = 1):
        return _para(self.doc, value, style=f"Heading {level}")

    def paragraph(self, value: str, **kwargs):
        kwargs.setdefault("align", WD_ALIGN_PARAGRAPH.JUSTIFY)
        kwargs.setdefault("indent", True)
        return _para(self.doc, value, **kwargs)

    def note(self, key: str, **fields) -> None:
        _para(self.doc, text(key, self.lang, **fields), italic=True, size=self.table_pt,
              align=WD_ALIGN_PARAGRAPH.JUSTIFY)  # fmt: skip

    @property
    def table_pt(self) -> int:
        return WIDE_TABLE_PT if self.wide else TABLE_PT

    def caption(self, key: str) -> None:
        self.tables += 1
        _para(self.doc, f"{text('table', self.lang)} {self.tables}. {text(key, self.lang)}",
              style="Heading 2", align=WD_ALIGN_PARAGRAPH.CENTER)  # fmt: skip

    def figure(self, key: str) -> None:
        data = self.figures.get(key)
        if data is None:
            return
        self.picture(data, text("f_" + key, self.lang))

    def picture(self, data: bytes, title: str) -> None:
        self.figure_count += 1
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.keep_with_next = True
        width = min(14.0, _text_width_cm(self.doc.sections[-1]))
        # A square map on a landscape page must leave room for its caption.
        p.add_run().add_picture(io.BytesIO(data), width=Cm(12.5 if self.wide else width))
        _para(self.doc, f"{text('figure', self.lang)} {self.figure_count}. {title}", style="Caption",
              align=WD_ALIGN_PARAGRAPH.CENTER)  # fmt: skip

    def table(self, key: str, frame: pd.DataFrame | None) -> None:
        if frame is None or frame.empty:
            return
        self.caption(key)
        add_table(self.doc, frame, self.lang, far_km=self.far_km, size_pt=self.table_pt,
                  width_cm=_text_width_cm(self.doc.sections[-1]))  # fmt: skip
        self.doc.add_paragraph().paragraph_format.space_after = Pt(0)

    def section(self, key: str, *, wide: bool) -> None:
        self.orientation(wide=wide)
        self.heading(text(key, self.lang))
        self.figure(key)


def _header_cells(columns: list[str], lang: str, far_km: str) -> list[tuple[str | None, str]]:
    return [header(c, lang, far_km=far_km) for c in columns]


def _column_widths(texts: list[list[str]], heads, total_cm: float) -> list[float]:
    """Widths in proportion to what a column holds: its longest cell, its header's longest word."""
    weights = []
    for i, (_, sub) in enumerate(heads):
        longest = max((len(row[i]) for row in texts), default=1)
        word = max((len(w) for w in str(sub).split()), default=1)
        weights.append(max(3.0, min(28.0, float(longest)), min(12.0, float(word))))
    scale = total_cm / sum(weights)
    return [w * scale for w in weights]


def add_table(doc, frame: pd.DataFrame, lang: str, *, far_km: str = "?", size_pt: float = TABLE_PT,
              width_cm: float | None = None, right=()):  # fmt: skip
    """One report table as a Word table: grouped header rows, numbers for ``lang``, right-aligned.

    Parameters
    ----------
    doc : docx.Document
    frame : DataFrame
        Canonical column names, as :func:`whitezone.report.render_table`
        takes them; ``frame.attrs["total"]`` prints the last row in bold.
    lang : {"vi", "en"}
    far_km : str
        The set postal distance, for the headers naming it.
    size_pt : float
        Font size of the table.
    width_cm : float, optional
        Width of the table, shared among the columns by what they hold;
        default Word's automatic layout.
    right : collection of str
        Columns of numbers already formatted as text ("127/130"), aligned right.

    Returns
    -------
    docx.table.Table
    """
    columns = [str(c) for c in frame.columns]
    heads = _header_cells(columns, lang, far_km)
    grouped = any(g is not None for g, _ in heads)
    n_head = 2 if grouped else 1
    texts, numeric = [], [c in right for c in columns]
    for values_row in frame.astype(object).itertuples(index=False):
        values = dict(zip(columns, values_row, strict=True))
        row = []
        for i, (col, value) in enumerate(values.items()):
            shown = format_cell(value, col, lang)
            whole = _FRACTIONS.get(col)
            if whole in values and not is_missing(value) and not is_missing(values[whole]):
                shown = f"{shown}/{format_cell(values[whole], whole, lang)}"
            if column_kind(col) != "text" and not isinstance(value, str):
                numeric[i] = True
            row.append(shown)
        texts.append(row)
    table = doc.add_table(rows=n_head, cols=len(columns))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = _column_widths(texts, heads, width_cm) if width_cm is not None else None
    if widths is not None:
        _widths(table, widths)
    all_rows = table.rows
    for r in range(n_head):
        _repeat_header(all_rows[r])
    head_cells = [row.cells for row in all_rows[:n_head]]
    for cells in head_cells:
        for cell in cells:
            _shade(cell, "E7E6E6")
    centre = WD_ALIGN_PARAGRAPH.CENTER
    i = 0
    while i < len(heads):
        group, sub = heads[i]
        if not grouped:
            _cell_text(head_cells[0][i], sub, align=centre, bold=True, size=size_pt)
            i += 1
            continue
        if group is None:
            cell = head_cells[0][i].merge(head_cells[1][i])
            _cell_text(cell, sub, align=centre, bold=True, size=size_pt)
            i += 1
            continue
        j = i
        while j < len(heads) and heads[j][0] == group:
            _cell_text(head_cells[1][j], heads[j][1], align=centre, bold=True, size=size_pt)
            j += 1
        top = head_cells[0][i].merge(head_cells[0][j - 1]) if j - 1 > i else head_cells[0][i]
        _cell_text(top, group, align=centre, bold=True, size=size_pt)
        i = j
    last = len(texts) - 1 if frame.attrs.get("total") else -1
    for row in _body_rows(texts, numeric=numeric, widths_cm=widths, size_pt=size_pt, bold_row=last):
        table._tbl.append(row)
    return table


def _body_rows(texts: list[list[str]], *, numeric: list[bool], widths_cm: list[float] | None,
               size_pt: float, bold_row: int) -> list:  # fmt: skip
    """The body rows as WordprocessingML, written at once.

    Built as one escaped XML string and parsed once: python-docx's objects
    take about 1.5 ms a cell, too slow for a national table of 10,000
    communes.  Every text goes through :func:`xml.sax.saxutils.escape`, so a
    name such as ``<b>&"x"`` stays text.
    """
    if not texts:
        return []
    half_points = round(size_pt * 2)
    size = f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'
    spacing = '<w:spacing w:before="20" w:after="20" w:line="240" w:lineRule="auto"/>'
    cell_props = [f'<w:tcPr><w:tcW w:w="{round(w * 567)}" w:type="dxa"/></w:tcPr>'
                  for w in widths_cm] if widths_cm else [""] * len(numeric)  # fmt: skip
    jcs = ['<w:jc w:val="right"/>' if n else '<w:jc w:val="left"/>' for n in numeric]
    rows = []
    for k, row in enumerate(texts):
        r_pr = f"<w:rPr>{'<w:b/>' if k == bold_row else ''}{size}</w:rPr>"
        cells = "".join(
            f"<w:tc>{props}<w:p><w:pPr>{spacing}{jc}</w:pPr><w:r>{r_pr}"
            f'<w:t xml:space="preserve">{xml_escape(_clean(shown))}</w:t></w:r></w:p></w:tc>'
            for shown, props, jc in zip(row, cell_props, jcs, strict=True))
        rows.append(f"<w:tr>{cells}</w:tr>")
    wrapper = parse_xml(f"<w:tbl {nsdecls('w')}>{''.join(rows)}</w:tbl>")
    return list(wrapper)


def _headline(page: _Doc) -> None:
    lang = page.lang
    frame = T.headline_table(page.result, lang)
    rows = []
    for rec in frame.to_dict("records"):
        number = format_cell(rec["number"], rec["indicator"], lang)
        if not is_missing(rec["of_total"]):
            number += "/" + format_number(rec["of_total"], lang)
        rows.append({"indicator": column_label(rec["indicator"], lang), "number": number,
                     "pct": rec["pct"]})  # fmt: skip
    shown = pd.DataFrame(rows, columns=["indicator", "number", "pct"])
    add_table(page.doc, shown, lang, size_pt=page.table_pt, width_cm=16.0, right=("number",))
    page.doc.add_paragraph().paragraph_format.space_after = Pt(0)


def _body(page: _Doc, repairs: pd.DataFrame) -> None:
    r, lang = page.result, page.lang
    page.heading(text("summary", lang))
    for sentence in summary_sentences(r):
        page.paragraph(sentence)
    page.figure("summary")

    page.section("mobile", wide=True)
    page.caption("t_headline")
    _headline(page)
    page.note("n_pct")
    if r.summaries.districts is not None:
        page.table("t_districts", T.districts_table(r, lang))
    page.table("t_technologies", T.technologies_table(r, lang))
    if r.summaries.operators is not None:
        page.table("t_operators", T.operators_table(r, lang))
        page.table("t_operators_districts", T.operators_table(r, lang, level="district"))
        page.note("n_operators")
    page.table("t_sites", T.sites_table(r, lang))
    page.note("n_sites")
    by_district = T.sites_by_district_table(r, lang)
    if by_district is not None:
        page.table("t_sites_districts", by_district)
        page.note("n_sites_districts")
    page.table("t_communes", T.communes_table(r, lang))
    page.note("n_communes")

    page.section("postal", wide=True)
    frame = T.postal_table(r, lang)
    if frame is None:
        page.note("no_postal")
    else:
        page.table("t_postal", frame)
        page.note("n_postal", radius=format_number(T.total_row(r).get("service_radius_km"), lang, 3))
        page.table("t_post_kinds", T.post_kinds_table(r, lang))

    page.section("broadband", wide=True)
    frame = T.broadband_table(r, lang)
    if frame is None:
        page.note("no_broadband")
    else:
        page.table("t_broadband", frame)
        page.note("n_broadband", reach=format_short(r.project.broadband_reach_km, lang))

    page.section("pois", wide=True)
    frame = T.pois_table(r, lang)
    if frame is None:
        page.note("no_pois")
    else:
        page.table("t_pois", frame)
        page.table("t_pois_districts", T.pois_table(r, lang, level="district"))
        page.note("n_pois")

    page.section("input", wide=False)
    page.table("t_layers", T.layers_table(r, lang))
    if len(repairs):
        page.table("t_repairs", T.repairs_table(repairs, lang))
        page.note("n_repairs")
    else:
        page.heading(text("t_repairs", lang), 2)
        page.paragraph(text("no_repairs", lang))

    page.section("sources", wide=False)
    page.note("n_parameters")
    page.table("t_parameters", parameters_table(r))
    page.table("t_definitions", definitions(r))
    made = text("made_with", lang, version=r.run.version, model=model_name(r.model.kind, lang))
    run = message("manifest.run", lang, run_id=r.run.run_id, time=r.run.time, version=r.run.version)
    _para(page.doc, f"{made}. {run}.", italic=True, size=page.table_pt)

    v = r.validation
    if v is not None:
        page.section("validation", wide=False)
        tables = validation_tables(v, lang)
        page.table("t_validation", tables["summary"])
        page.note("n_validation")
        if not v.yields_dbm:
            page.note("n_validation_radius")
        page.table("t_confusion", tables["confusion"])
        titles = {"scatter": "f_scatter", "distance": "f_distance", "histogram": "f_histogram"}
        for key, data in validation_figures(v, lang, communes=r.communes).items():
            title = titles.get(key) or ("f_error_map" if v.yields_dbm else "f_agreement_map")
            page.picture(data, text(title, lang))


# -- heading and signature ------------------------------------------------------------------


def _heading_vi(page: _Doc, s: ReportSettings) -> None:
    """Decree 30's heading: agency | national name, number | place and date; kind and subject."""
    doc, lang = page.doc, page.lang
    table = doc.add_table(rows=2, cols=2)
    _no_borders(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = (6.5, 10.0)
    _widths(table, widths)
    centre = WD_ALIGN_PARAGRAPH.CENTER
    left, right = table.rows[0].cells
    left.paragraphs[0].alignment = centre
    _run(left.paragraphs[0], s.parent_agency or DOTS, size=13, caps=True)
    _para(left, s.agency or DOTS, bold=True, size=13, caps=True, align=centre, after=0)
    _rule(left, 2.2, widths[0])
    right.paragraphs[0].alignment = centre
    _run(right.paragraphs[0], text("docx_nation", lang), bold=True, size=12)
    _para(right, text("docx_motto", lang), bold=True, size=14, align=centre, after=0)
    _rule(right, 6.0, widths[1])
    for cell in (left, right):
        cell.paragraphs[0].paragraph_format.space_after = Pt(0)
    number, day = table.rows[1].cells
    number.paragraphs[0].alignment = centre
    _run(number.paragraphs[0], document_number(s, lang), size=13)
    day.paragraphs[0].alignment = centre
    _run(day.paragraphs[0], place_date(s, lang), italic=True, size=14)
    _para(doc, text("docx_kind", lang), bold=True, size=14, align=centre, before=18, after=0)
    _para(doc, text("docx_subject", lang), bold=True, size=14, align=centre, after=0)
    _para(doc, page.result.project.name, bold=True, size=14, align=centre, after=0)
    _rule(doc, 4.0, _text_width_cm(doc.sections[0]))
    doc.add_paragraph()


def _recipients(s: ReportSettings, lang: str) -> list[str]:
    """The "Nơi nhận" lines: "- X;" each, the last ending with "."; the archive copy last."""
    names = list(s.recipients) or [DOTS, DOTS]
    archive = text("docx_archive", lang)
    if not any(n.casefold().startswith(archive.split(":")[0].casefold()) for n in names):
        names.append(archive)
    names = [n if n == DOTS else n.rstrip(";.") for n in names]
    return [f"- {n}{'.' if i == len(names) - 1 else ';'}" for i, n in enumerate(names)]


def _signature_vi(page: _Doc, s: ReportSettings) -> None:
    doc, lang = page.doc, page.lang
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    _widths(table, (7.5, 9.0))
    left, right = table.rows[0].cells
    first = left.paragraphs[0]
    _run(first, text("docx_recipients", lang), bold=True, italic=True, size=12)
    first.paragraph_format.space_after = Pt(0)
    for line in _recipients(s, lang):
        _para(left, line, size=11, after=0)
    centre = WD_ALIGN_PARAGRAPH.CENTER
    title = right.paragraphs[0]
    title.alignment = centre
    for i, line in enumerate((s.signer_title or DOTS).split("\n")):
        run = _run(title, line, bold=True, size=14, caps=True)
        if i < len((s.signer_title or DOTS).split("\n")) - 1:
            run.add_break()
    # Room to sign and stamp: Decree 30 leaves it blank.
    for _ in range(4):
        _para(right, "", after=0)
    _para(right, s.signer or DOTS, bold=True, size=14, align=centre)


def _letter(page: _Doc, s: ReportSettings, repairs: pd.DataFrame) -> None:
    """A plain letter: agency, reference, place and date, subject, body, signature."""
    doc, lang = page.doc, page.lang
    if s.parent_agency:
        _para(doc, s.parent_agency, after=0)
    _para(doc, s.agency or DOTS, bold=True, after=0)
    if s.number or s.symbol:
        _para(doc, document_number(s, lang), after=0)
    _para(doc, place_date(s, lang), before=12)
    subject = f"{text('docx_subject', lang)} — {page.result.project.name}"
    _para(doc, text("docx_subject_line", lang, subject=subject), bold=True, before=12, after=12)
    _body(page, repairs)
    page.orientation(wide=False)
    _para(doc, "", before=12)
    if s.signer_title:
        _para(doc, s.signer_title, after=0)
    for _ in range(3):
        _para(doc, "", after=0)
    _para(doc, s.signer or DOTS, bold=True)
    if s.recipients:
        _para(doc, text("docx_recipients", lang), bold=True, before=12, after=0)
        for name in s.recipients:
            _para(doc, name, after=0)


def report_docx(result: Result, repairs: pd.DataFrame, *, figures: dict[str, bytes] | None = None,
                settings: ReportSettings | None = None) -> bytes:  # fmt: skip
    """The report as a Word document (``.docx`` bytes).

    Parameters
    ----------
    result : Result
        From :func:`whitezone.analysis.analyse`.
    repairs : DataFrame
        ``result.layers.repairs_table()``.
    figures : dict, optional
        Section key -> PNG bytes, as :func:`whitezone.report.report_html`
        takes them (:func:`whitezone.maps.static.static_maps`).
    settings : ReportSettings, optional
        Who issues and signs; default the project's ``[report]``.

    Returns
    -------
    bytes

    Raises
    ------
    ValueError
        A figure under an unknown key or not a PNG image.
    """
    figures = dict(figures or {})
    for key, data in figures.items():
        if key not in FIGURE_KEYS:
            raise ValueError(f"unknown figure key {key!r}; expected one of {', '.join(FIGURE_KEYS)}")
        if not isinstance(data, bytes | bytearray) or bytes(data[:8]) != _PNG:
            raise ValueError(f"figure {key!r} is not PNG image bytes")
    s = settings if settings is not None else result.project.report
    page = _Doc(result, {k: bytes(v) for k, v in figures.items()})
    page.page_numbers()
    props = page.doc.core_properties
    props.title = _clean(f"{text('docx_subject', page.lang)} — {result.project.name}")
    props.author = _clean(s.agency)
    props.language = page.lang
    if page.lang == "vi":
        _heading_vi(page, s)
        _body(page, repairs)
        page.orientation(wide=False)
        page.doc.add_paragraph()
        _signature_vi(page, s)
    else:
        _letter(page, s, repairs)
    buffer = io.BytesIO()
    page.doc.save(buffer)
    logger.debug("report.docx: %d tables, %d figures", page.tables, page.figure_count)
    return buffer.getvalue()
