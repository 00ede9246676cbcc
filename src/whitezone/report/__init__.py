"""The report: the indicator tables as a provincial report prints them.

``report.html`` (:func:`report_html`) is one self-contained, printable page
in Vietnamese or English: a summary written from the numbers, then I. mobile
coverage, II. postal network, III. fixed broadband, IV. points of interest,
V. input data and repairs, VI. sources, model, parameters and definitions.
``report.xlsx`` (:func:`report_sheets`) holds the same tables with numbers
kept as numbers.  Every text comes from the message catalogue
(:mod:`whitezone.i18n`).  Modules:

* :mod:`.tables` — the tables, built once for both outputs;
* :mod:`.outline` — which sections, tables, notes and figures the report
  holds and in which order, written once for ``report.html`` and
  ``report.docx``;
* :mod:`.prose` — the summary paragraph;
* :mod:`.params` — parameters and definitions;
* :mod:`.headline` — the figures the command line prints;
* :mod:`.html`, :mod:`.style`, :mod:`.xlsx` — the two outputs;
* :mod:`.docx` — ``report.docx``, the document an agency signs (Decree
  30/2020/NĐ-CP layout in Vietnamese, a plain letter in English);
* :mod:`.pdf` — ``report.pdf``, the HTML printed by headless Chromium.
"""

from __future__ import annotations

from .docx import report_docx
from .headline import HeadlineRow, headline, headline_text
from .html import render_table, report_html
from .outline import FIGURE_KEYS
from .params import definitions, parameters_sheet, parameters_table
from .pdf import html_to_pdf
from .prose import summary_sentences
from .xlsx import report_sheets, sheet_name

__all__ = [
    "FIGURE_KEYS",
    "HeadlineRow",
    "definitions",
    "headline",
    "headline_text",
    "html_to_pdf",
    "parameters_sheet",
    "parameters_table",
    "render_table",
    "report_docx",
    "report_html",
    "report_sheets",
    "sheet_name",
    "summary_sentences",
]
