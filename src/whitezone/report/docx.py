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
left as a dotted blank to fill by hand.  The body is the same outline as
``report.html``'s (:func:`.outline.write_report`: the same summary, tables,
notes and figures in the same order): tables are real Word tables with a
repeated header row, numbers formatted for the report's language (``1.234,5``
in Vietnamese) and right-aligned; figures are embedded PNG images.  User
text (names, operators, files) is written as text, never interpreted.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable
from xml.sax.saxutils import escape as xml_escape

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Mm, Pt, RGBColor

from ..project import ReportSettings
from ..result import Result
from ..siting import PlanResult
from .fund import write_plan_report
from .outline import Page, cell_texts, header_groups, headline_texts, text, write_report

__all__ = ["document_number", "place_date", "report_docx", "sites_report_docx"]

logger = logging.getLogger(__name__)

FONT = "Times New Roman"
#: Body text size (pt): Decree 30 prescribes 13 to 14.
BODY_PT = 14
#: Table text sizes (pt): portrait pages, and the landscape pages of sections I–IV.
TABLE_PT, WIDE_TABLE_PT = 11, 9
DOTS = "......"
#: Characters XML 1.0 cannot hold (a control character in a name would make Word refuse the file).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")  # fmt: skip


def _clean(value) -> str:
    return _NOT_XML.sub("", str(value))


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


class _Doc(Page):
    """Accumulates the Word document's body; the outline numbers tables and figures."""

    #: Section VII stays portrait, where its figures take the text's width.
    validation_wide = False

    def __init__(self, result: Result, figures: dict[str, bytes] | None):
        super().__init__(result, figures)
        self.doc = Document()
        self.wide = False
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

    @property
    def table_pt(self) -> int:
        return WIDE_TABLE_PT if self.wide else TABLE_PT

    # body ----------------------------------------------------------------------------------
    def heading(self, value: str, level: int = 1):
        return _para(self.doc, value, style=f"Heading {level}")

    def paragraph(self, value: str, **kwargs):
        kwargs.setdefault("align", WD_ALIGN_PARAGRAPH.JUSTIFY)
        kwargs.setdefault("indent", True)
        return _para(self.doc, value, **kwargs)

    def summary(self, sentences: list[str]) -> None:
        self.heading(self.text("summary"))
        for sentence in sentences:
            self.paragraph(sentence)

    def contents(self, keys: list[str]) -> None:
        """Nothing: a signed document has no table of contents."""

    def section(self, key: str, *, wide: bool) -> None:
        self.orientation(wide=wide)
        self.heading(self.text(key))

    def end_section(self) -> None:
        """Nothing: the next section's heading (or page) starts it."""

    def write_caption(self, title: str) -> None:
        _para(self.doc, title, style="Heading 2", align=WD_ALIGN_PARAGRAPH.CENTER)

    def grid(self, frame: pd.DataFrame, *, style: str = "") -> None:
        self._add_table(frame, width_cm=_text_width_cm(self.doc.sections[-1]))

    def headline(self, frame: pd.DataFrame) -> None:
        shown = pd.DataFrame(headline_texts(frame, self.lang), columns=["indicator", "number", "pct"])
        self._add_table(shown, width_cm=16.0, right=("number", "pct"))

    def _add_table(self, frame: pd.DataFrame, *, width_cm: float, right=()) -> None:
        add_table(self.doc, frame, self.lang, far_km=self.far_km, size_pt=self.table_pt,
                  width_cm=width_cm, right=right)  # fmt: skip
        self.doc.add_paragraph().paragraph_format.space_after = Pt(0)

    def note(self, key: str, **fields) -> None:
        _para(self.doc, self.text(key, **fields), italic=True, size=self.table_pt,
              align=WD_ALIGN_PARAGRAPH.JUSTIFY)  # fmt: skip

    def no_table(self, key: str, reason: str) -> None:
        self.heading(self.text(key), 2)
        self.paragraph(self.text(reason))

    def colophon(self) -> None:
        made, run = self.credit_lines()
        _para(self.doc, f"{made}. {run}.", italic=True, size=self.table_pt)

    def write_picture(self, data: bytes, title: str) -> None:
        p = self.doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.keep_with_next = True
        width = min(14.0, _text_width_cm(self.doc.sections[-1]))
        # A square map on a landscape page must leave room for its caption.
        p.add_run().add_picture(io.BytesIO(data), width=Cm(12.5 if self.wide else width))
        _para(self.doc, title, style="Caption", align=WD_ALIGN_PARAGRAPH.CENTER)


def _column_widths(texts: list[list[str]], subs: list[str], total_cm: float) -> list[float]:
    """Widths in proportion to what a column holds: its longest cell, its header's longest word."""
    weights = []
    for i, sub in enumerate(subs):
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
    groups = header_groups(columns, lang, far_km=far_km)
    grouped = any(group is not None for group, _ in groups)
    n_head = 2 if grouped else 1
    texts, numbers = cell_texts(frame, lang)
    numeric = [c in right or any(row[i] for row in numbers) for i, c in enumerate(columns)]
    table = doc.add_table(rows=n_head, cols=len(columns))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    subs = [sub for _, group_subs in groups for sub in group_subs]
    widths = _column_widths(texts, subs, width_cm) if width_cm is not None else None
    if widths is not None:
        _widths(table, widths)
    all_rows = table.rows
    for r in range(n_head):
        _repeat_header(all_rows[r])
    head_cells = [row.cells for row in all_rows[:n_head]]
    for cells in head_cells:
        for cell in cells:
            _shade(cell, "E7E6E6")

    def head(cell, value) -> None:
        _cell_text(cell, value, align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, size=size_pt)

    i = 0
    for group, group_subs in groups:
        if not grouped:
            head(head_cells[0][i], group_subs[0])
        elif group is None:
            head(head_cells[0][i].merge(head_cells[1][i]), group_subs[0])
        else:
            for k, sub in enumerate(group_subs):
                head(head_cells[1][i + k], sub)
            end = i + len(group_subs) - 1
            head(head_cells[0][i].merge(head_cells[0][end]) if end > i else head_cells[0][i], group)
        i += len(group_subs)
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


# -- heading and signature ------------------------------------------------------------------


def _heading_vi(page: _Doc, s: ReportSettings, subject: str = "docx_subject") -> None:
    """Decree 30's heading: agency | national name, number | place and date; kind and subject ``subject``."""
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
    _para(doc, text(subject, lang), bold=True, size=14, align=centre, after=0)
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


def _letter(page: _Doc, s: ReportSettings, body: Callable[[], None], subject_key: str = "docx_subject") -> None:
    """A plain letter: agency, reference, place and date, subject, ``body()``, signature."""
    doc, lang = page.doc, page.lang
    if s.parent_agency:
        _para(doc, s.parent_agency, after=0)
    _para(doc, s.agency or DOTS, bold=True, after=0)
    if s.number or s.symbol:
        _para(doc, document_number(s, lang), after=0)
    _para(doc, place_date(s, lang), before=12)
    subject = f"{text(subject_key, lang)} — {page.result.project.name}"
    _para(doc, text("docx_subject_line", lang, subject=subject), bold=True, before=12, after=12)
    body()
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

    The body is :func:`.outline.write_report`'s, as in ``report.html``.

    Parameters
    ----------
    result, repairs, figures
        As :func:`whitezone.report.report_html` takes them (the figures
        from :func:`whitezone.maps.static.static_maps`).
    settings : ReportSettings, optional
        Who issues and signs; default the project's ``[report]``.

    Returns
    -------
    bytes
        The ``.docx`` file; a figure under an unknown key or not PNG bytes
        raises ``ValueError`` (:func:`.outline.checked_figures`).
    """
    s = settings if settings is not None else result.project.report
    page = _Doc(result, figures)
    return _document(page, s, "docx_subject", lambda: write_report(page, repairs))


def _document(page: _Doc, s: ReportSettings, subject: str, body: Callable[[], None]) -> bytes:
    """The whole document: Decree 30's heading and signature (vi) or a letter (en) around ``body()``."""
    page.page_numbers()
    props = page.doc.core_properties
    props.title = _clean(f"{text(subject, page.lang)} — {page.result.project.name}")
    props.author = _clean(s.agency)
    props.language = page.lang
    if page.lang == "vi":
        _heading_vi(page, s, subject)
        body()
        page.orientation(wide=False)
        page.doc.add_paragraph()
        _signature_vi(page, s)
    else:
        _letter(page, s, body, subject)
    buffer = io.BytesIO()
    page.doc.save(buffer)
    logger.debug("%s: %d tables, %d figures", subject, page.tables, page.figure_count)
    return buffer.getvalue()


def sites_report_docx(result: Result, plan: PlanResult, *, settings: ReportSettings | None = None) -> bytes:
    """``report_sites.docx``: a plan's choice and costs as a Word document to sign.

    The body is :func:`.fund.write_plan_report`'s, as in ``report_sites.html``;
    the heading and signature are ``report.docx``'s.

    Parameters
    ----------
    result : Result
        The run the plan was made for.
    plan : PlanResult
        From :func:`whitezone.siting.plan_sites`.
    settings : ReportSettings, optional
        Who issues and signs; default the project's ``[report]``.

    Returns
    -------
    bytes
    """
    s = settings if settings is not None else result.project.report
    page = _Doc(result, None)
    return _document(page, s, "docx_sites_subject",
                     lambda: write_plan_report(page, plan, communes=result.layers.communes))
