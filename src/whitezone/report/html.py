"""``report.html``: one self-contained page a provincial department can print.

No external resource of any kind (no font, script, stylesheet or image
URL): the CSS is inline and figures are embedded as ``data:`` URIs.  Printed,
the cover and summary fill a portrait A4 page, sections I–IV (wide tables)
print on landscape pages, V–VI on portrait ones; every section starts a new
page and table headers repeat on each page.  Every text that comes from the
user's data (names, operators, kinds, file names, messages) is escaped.
"""

from __future__ import annotations

import base64
from datetime import date
from html import escape

import geopandas as gpd
import pandas as pd

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
from ..result import Result, Validation
from . import tables as T
from .measured import validation_figures, validation_section
from .params import definitions, model_name, parameters_table
from .prose import summary_sentences
from .style import CSS

__all__ = ["FIGURE_KEYS", "render_table", "report_html", "validation_html"]

#: Where a figure can go: the summary, or the start of a section.
FIGURE_KEYS = ("summary", "mobile", "postal", "broadband", "pois")
_PNG = b"\x89PNG\r\n\x1a\n"
#: Count column -> the column it is a part of, printed "127/130".
_FRACTIONS = {"centers_covered": "communes", "communes_with_commune_post_office": "communes",
              "communes_with_broadband": "communes", "pois_covered": "pois",
              "pois_broadband": "pois"}  # fmt: skip


def _esc(value) -> str:
    return escape(str(value), quote=True)


def text(key: str, lang: str, **fields) -> str:
    """The report's text ``key`` (``report.<key>`` in the catalogue)."""
    return message(f"report.{key}", lang, **fields)


class _Page:
    """Accumulates the page's parts, numbering tables and figures."""

    def __init__(self, result: Result, figures: dict[str, bytes]):
        self.result = result
        self.lang = result.project.lang
        self.figures = figures
        self.parts: list[str] = []
        self.tables = 0
        self.figure_count = 0
        far = result.project.post_max_distance_km
        self.far_km = format_short(far, self.lang) if far is not None else "?"

    def add(self, html: str) -> None:
        self.parts.append(html)

    def note(self, key: str, **fields) -> None:
        self.add(f"<p class='note'>{_esc(text(key, self.lang, **fields))}</p>")

    def caption(self, key: str) -> None:
        self.tables += 1
        self.add(f"<h3>{_esc(text('table', self.lang))} {self.tables}. "
                 f"{_esc(text(key, self.lang))}</h3>")  # fmt: skip

    def figure(self, key: str) -> None:
        data = self.figures.get(key)
        if data is None:
            return
        self.figure_count += 1
        uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        title = f"{text('figure', self.lang)} {self.figure_count}. {text('f_' + key, self.lang)}"
        self.add(f"<figure class='map'><img src='{uri}' alt='{_esc(title)}'>"
                 f"<figcaption>{_esc(title)}</figcaption></figure>")  # fmt: skip

    def table(self, key: str, frame: pd.DataFrame | None, *, css: str = "") -> None:
        if frame is None or frame.empty:
            return
        self.caption(key)
        self.add(render_table(frame, self.lang, far_km=self.far_km, css=css))

    def section(self, key: str, *, wide: bool) -> None:
        cls = " class='wide'" if wide else ""
        self.add(f"<section id='{key}'{cls}><h2>{_esc(text(key, self.lang))}</h2>")
        self.figure(key)


def _header_rows(columns: list[str], lang: str, far_km: str) -> str:
    heads = [header(c, lang, far_km=far_km) for c in columns]
    if all(g is None for g, _ in heads):
        return "<tr>" + "".join(f"<th>{_esc(s)}</th>" for _, s in heads) + "</tr>"
    top, bottom, i = [], [], 0
    while i < len(heads):
        group, sub = heads[i]
        if group is None:
            top.append(f"<th rowspan='2'>{_esc(sub)}</th>")
            i += 1
            continue
        j = i
        while j < len(heads) and heads[j][0] == group:
            bottom.append(f"<th>{_esc(heads[j][1])}</th>")
            j += 1
        top.append(f"<th colspan='{j - i}'>{_esc(group)}</th>")
        i = j
    return f"<tr>{''.join(top)}</tr><tr>{''.join(bottom)}</tr>"


def render_table(frame: pd.DataFrame, lang: str, *, far_km: str = "?", css: str = "") -> str:
    """One report table as HTML: grouped headers, numbers for ``lang``, every text escaped.

    Parameters
    ----------
    frame : DataFrame
        Canonical column names (labelled by :mod:`.labels`); when
        ``frame.attrs["total"]`` the last row is printed as a total.
    lang : {"vi", "en"}
    far_km : str
        The set postal distance, for the headers naming it.
    css : str
        Extra class of the table.
    """
    columns = [str(c) for c in frame.columns]
    body = []
    last = len(frame) - 1 if frame.attrs.get("total") else -1
    for i, row in enumerate(frame.astype(object).itertuples(index=False)):
        values = dict(zip(columns, row, strict=True))
        cells = []
        for col, value in values.items():
            shown = format_cell(value, col, lang)
            whole = _FRACTIONS.get(col)
            if whole in values and not is_missing(value) and not is_missing(values[whole]):
                shown = f"{shown}/{format_cell(values[whole], whole, lang)}"
            numeric = column_kind(col) != "text" and not isinstance(value, str)
            cells.append(f"<td class='{'n' if numeric else 't'}'>{_esc(shown)}</td>")
        cls = " class='total'" if i == last else ""
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    return (f"<div class='scroll'><table class='{_esc(css)}'><thead>"
            f"{_header_rows(columns, lang, far_km)}</thead><tbody>{''.join(body)}</tbody>"
            "</table></div>")  # fmt: skip


def _headline(frame: pd.DataFrame, lang: str) -> str:
    heads = "".join(f"<th>{_esc(column_label(c, lang))}</th>"
                    for c in ("indicator", "number", "pct"))  # fmt: skip
    rows = []
    for rec in frame.to_dict("records"):
        key = rec["indicator"]
        number = format_cell(rec["number"], key, lang)
        if not is_missing(rec["of_total"]):
            number += "/" + format_number(rec["of_total"], lang)
        share = format_cell(rec["pct"], "pct", lang)
        rows.append(f"<tr><td class='t'>{_esc(column_label(key, lang))}</td>"
                    f"<td class='n'>{_esc(number)}</td><td class='n'>{_esc(share)}</td></tr>")
    return (f"<table class='headline'><thead><tr>{heads}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")  # fmt: skip


def _mobile(page: _Page) -> None:
    r, lang = page.result, page.lang
    page.section("mobile", wide=True)
    page.caption("t_headline")
    page.add(_headline(T.headline_table(r, lang), lang))
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
    page.table("t_communes", T.communes_table(r, lang), css="communes")
    page.note("n_communes")
    page.add("</section>")


def _postal(page: _Page) -> None:
    r, lang = page.result, page.lang
    page.section("postal", wide=True)
    frame = T.postal_table(r, lang)
    if frame is None:
        page.note("no_postal")
    else:
        page.table("t_postal", frame)
        radius = format_number(T.total_row(r).get("service_radius_km"), lang, 3)
        page.note("n_postal", radius=radius)
        page.table("t_post_kinds", T.post_kinds_table(r, lang))
    page.add("</section>")


def _broadband(page: _Page) -> None:
    r, lang = page.result, page.lang
    page.section("broadband", wide=True)
    frame = T.broadband_table(r, lang)
    if frame is None:
        page.note("no_broadband")
    else:
        page.table("t_broadband", frame)
        page.note("n_broadband", reach=format_short(r.project.broadband_reach_km, lang))
    page.add("</section>")


def _pois(page: _Page) -> None:
    r, lang = page.result, page.lang
    page.section("pois", wide=True)
    frame = T.pois_table(r, lang)
    if frame is None:
        page.note("no_pois")
    else:
        page.table("t_pois", frame)
        page.table("t_pois_districts", T.pois_table(r, lang, level="district"))
        page.note("n_pois")
    page.add("</section>")


def _inputs(page: _Page, repairs: pd.DataFrame) -> None:
    r, lang = page.result, page.lang
    page.section("input", wide=False)
    page.table("t_layers", T.layers_table(r, lang))
    if len(repairs):
        page.table("t_repairs", T.repairs_table(repairs, lang))
        page.note("n_repairs")
    else:
        page.add(f"<h3>{_esc(text('t_repairs', lang))}</h3><p>{_esc(text('no_repairs', lang))}</p>")
    page.add("</section>")


def _sources(page: _Page) -> None:
    r = page.result
    page.section("sources", wide=False)
    page.note("n_parameters")
    page.table("t_parameters", parameters_table(r), css="params")
    page.table("t_definitions", definitions(r), css="params")
    page.add("</section>")


def _validation(page: _Page) -> None:
    """Section VII: the model against the project's measurements (when it has some)."""
    r, lang, v = page.result, page.lang, page.result.validation
    page.section("validation", wide=True)

    def number(kind: str) -> str:
        if kind == "table":
            page.tables += 1
            return f"{text('table', lang)} {page.tables}. "
        page.figure_count += 1
        return f"{text('figure', lang)} {page.figure_count}. "

    page.add(validation_section(v, lang, figures=validation_figures(v, lang, communes=r.communes),
                                table_html=lambda frame: render_table(frame, lang), number=number))  # fmt: skip
    page.add("</section>")


def report_html(result: Result, repairs: pd.DataFrame, *, figures: dict[str, bytes] | None = None,
                today: date | None = None) -> str:  # fmt: skip
    """The report as one self-contained, printable HTML page.

    Parameters
    ----------
    result : Result
        From :func:`whitezone.analysis.analyse`.
    repairs : DataFrame
        ``result.layers.repairs_table()``: layer, kind, count, rows, message.
    figures : dict, optional
        Section key -> PNG bytes, embedded as a ``data:`` URI at the top of
        that section (keys: :data:`FIGURE_KEYS`, e.g. ``"mobile"``,
        ``"postal"``).  Without figures nothing is shown.
    today : date, optional
        The report's date (default today).

    Returns
    -------
    str

    Raises
    ------
    ValueError
        A figure under an unknown key or not a PNG image.
    """
    figures = dict(figures or {})
    for key, data in figures.items():
        if key not in FIGURE_KEYS:
            raise ValueError(f"unknown figure key {key!r}; expected one of "
                             f"{', '.join(FIGURE_KEYS)}")  # fmt: skip
        if not isinstance(data, bytes | bytearray) or not bytes(data[:8]) == _PNG:
            raise ValueError(f"figure {key!r} is not PNG image bytes")
    lang = result.project.lang
    page = _Page(result, {k: bytes(v) for k, v in figures.items()})
    day = today or date.today()
    shown_day = day.strftime("%d/%m/%Y") if lang == "vi" else day.isoformat()
    made = text("made_with", lang, version=result.run.version,
                model=model_name(result.model.kind, lang))  # fmt: skip
    run = message("manifest.run", lang, run_id=result.run.run_id, time=result.run.time,
                  version=result.run.version)  # fmt: skip
    page.add(f"<!DOCTYPE html><html lang='{_esc(lang)}'><head><meta charset='utf-8'>"
             "<meta name='viewport' content='width=device-width, initial-scale=1'>"
             f"<title>{_esc(result.project.name)}</title><style>{CSS}</style></head><body>"
             f"<header class='cover'><h1>{_esc(text('title', lang))}</h1>"
             f"<p class='project'>{_esc(result.project.name)}</p>"
             f"<p class='meta'>{_esc(text('date', lang))}: {_esc(shown_day)} · {_esc(made)}</p>"
             f"<p class='meta run'>{_esc(run)}</p></header>")  # fmt: skip
    page.add(f"<section id='summary'><h2>{_esc(text('summary', lang))}</h2><p class='lead'>"
             f"{_esc(' '.join(summary_sentences(result)))}</p>")  # fmt: skip
    page.figure("summary")
    sections = ["mobile", "postal", "broadband", "pois", "input", "sources"]
    if result.validation is not None:
        sections.append("validation")
    toc = "".join(f"<li><a href='#{k}'>{_esc(text(k, lang))}</a></li>" for k in sections)
    page.add(f"<nav class='toc'><h3>{_esc(text('contents', lang))}</h3><ul>{toc}</ul></nav>"
             "</section>")
    _mobile(page)
    _postal(page)
    _broadband(page)
    _pois(page)
    _inputs(page, repairs)
    _sources(page)
    if result.validation is not None:
        _validation(page)
    page.add("</body></html>")
    return "\n".join(page.parts)


def validation_html(validation: Validation, *, title: str, lang: str, run: str,
                    communes: gpd.GeoDataFrame | None = None) -> str:  # fmt: skip
    """``validation.html``: one self-contained page (no external resource), every text escaped."""
    counter = {"table": 0, "figure": 0}

    def number(kind: str) -> str:
        counter[kind] += 1
        return f"{message('report.' + kind, lang)} {counter[kind]}. "

    body = validation_section(validation, lang,
                              figures=validation_figures(validation, lang, communes=communes),
                              table_html=lambda frame: render_table(frame, lang), number=number)  # fmt: skip
    day = date.today().strftime("%d/%m/%Y") if lang == "vi" else date.today().isoformat()
    return (f"<!DOCTYPE html><html lang='{escape(lang)}'><head><meta charset='utf-8'>"
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
            f"<header class='cover'><h1>{escape(message('validation.title', lang))}</h1>"
            f"<p class='project'>{escape(title)}</p><p class='meta'>{escape(day)} · {escape(run)}</p>"
            f"</header><section id='validation'>{body}</section></body></html>")  # fmt: skip
