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

from ..i18n import column_label, message
from ..result import Result, Validation
from ..siting import PlanResult
from .fund import write_plan_report
from .measured import validation_figures, validation_section
from .outline import Page, cell_texts, header_groups, headline_texts, text, write_report
from .style import CSS

__all__ = ["render_table", "report_html", "sites_report_html", "validation_html"]


def _esc(value) -> str:
    return escape(str(value), quote=True)


class _Page(Page):
    """Accumulates the page's parts as HTML; every text escaped."""

    def __init__(self, result: Result, figures: dict[str, bytes] | None):
        super().__init__(result, figures)
        self.parts: list[str] = []

    def add(self, html: str) -> None:
        self.parts.append(html)

    def summary(self, sentences: list[str]) -> None:
        self.add(f"<section id='summary'><h2>{_esc(self.text('summary'))}</h2><p class='lead'>"
                 f"{_esc(' '.join(sentences))}</p>")  # fmt: skip

    def contents(self, keys: list[str]) -> None:
        toc = "".join(f"<li><a href='#{k}'>{_esc(self.text(k))}</a></li>" for k in keys)
        self.add(f"<nav class='toc'><h3>{_esc(self.text('contents'))}</h3><ul>{toc}</ul></nav>"
                 "</section>")

    def section(self, key: str, *, wide: bool) -> None:
        cls = " class='wide'" if wide else ""
        self.add(f"<section id='{key}'{cls}><h2>{_esc(self.text(key))}</h2>")

    def end_section(self) -> None:
        self.add("</section>")

    def write_caption(self, title: str) -> None:
        self.add(f"<h3>{_esc(title)}</h3>")

    def grid(self, frame: pd.DataFrame, *, style: str = "") -> None:
        self.add(render_table(frame, self.lang, far_km=self.far_km, css=style))

    def headline(self, frame: pd.DataFrame) -> None:
        self.add(_headline(frame, self.lang))

    def note(self, key: str, **fields) -> None:
        self.add(f"<p class='note'>{_esc(self.text(key, **fields))}</p>")

    def no_table(self, key: str, reason: str) -> None:
        self.add(f"<h3>{_esc(self.text(key))}</h3><p>{_esc(self.text(reason))}</p>")

    def colophon(self) -> None:
        """Nothing: the credit and run lines are on the cover."""

    def write_picture(self, data: bytes, title: str) -> None:
        uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        self.add(f"<figure class='map'><img src='{uri}' alt='{_esc(title)}'>"
                 f"<figcaption>{_esc(title)}</figcaption></figure>")  # fmt: skip


def _header_rows(columns: list[str], lang: str, far_km: str) -> str:
    groups = header_groups(columns, lang, far_km=far_km)
    if all(group is None for group, _ in groups):
        return "<tr>" + "".join(f"<th>{_esc(subs[0])}</th>" for _, subs in groups) + "</tr>"
    top, bottom = [], []
    for group, subs in groups:
        if group is None:
            top.append(f"<th rowspan='2'>{_esc(subs[0])}</th>")
            continue
        top.append(f"<th colspan='{len(subs)}'>{_esc(group)}</th>")
        bottom += [f"<th>{_esc(sub)}</th>" for sub in subs]
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
    texts, numeric = cell_texts(frame, lang)
    last = len(texts) - 1 if frame.attrs.get("total") else -1
    body = []
    for i, (row, numbers) in enumerate(zip(texts, numeric, strict=True)):
        cells = "".join(f"<td class='{'n' if n else 't'}'>{_esc(shown)}</td>"
                        for shown, n in zip(row, numbers, strict=True))  # fmt: skip
        cls = " class='total'" if i == last else ""
        body.append(f"<tr{cls}>{cells}</tr>")
    return (f"<div class='scroll'><table class='{_esc(css)}'><thead>"
            f"{_header_rows(columns, lang, far_km)}</thead><tbody>{''.join(body)}</tbody>"
            "</table></div>")  # fmt: skip


def _headline(frame: pd.DataFrame, lang: str) -> str:
    heads = "".join(f"<th>{_esc(column_label(c, lang))}</th>"
                    for c in ("indicator", "number", "pct"))  # fmt: skip
    rows = "".join(f"<tr><td class='t'>{_esc(label)}</td><td class='n'>{_esc(number)}</td>"
                   f"<td class='n'>{_esc(share)}</td></tr>"
                   for label, number, share in headline_texts(frame, lang))  # fmt: skip
    return (f"<table class='headline'><thead><tr>{heads}</tr></thead>"
            f"<tbody>{rows}</tbody></table>")  # fmt: skip


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
        that section (keys: :data:`.outline.FIGURE_KEYS`, e.g. ``"mobile"``,
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
    page = _Page(result, figures)
    _cover(page, "title", today)
    write_report(page, repairs)
    page.add("</body></html>")
    return "\n".join(page.parts)


def _cover(page: _Page, title: str, today: date | None) -> None:
    """The page's head and cover: the title ``title``, the project, the date, credit and run lines."""
    lang, name = page.lang, page.result.project.name
    day = today or date.today()
    shown_day = day.strftime("%d/%m/%Y") if lang == "vi" else day.isoformat()
    made, run = page.credit_lines()
    page.add(f"<!DOCTYPE html><html lang='{_esc(lang)}'><head><meta charset='utf-8'>"
             "<meta name='viewport' content='width=device-width, initial-scale=1'>"
             f"<title>{_esc(name)}</title><style>{CSS}</style></head><body>"
             f"<header class='cover'><h1>{_esc(text(title, lang))}</h1>"
             f"<p class='project'>{_esc(name)}</p>"
             f"<p class='meta'>{_esc(text('date', lang))}: {_esc(shown_day)} · {_esc(made)}</p>"
             f"<p class='meta run'>{_esc(run)}</p></header>")  # fmt: skip


def sites_report_html(result: Result, plan: PlanResult, *, today: date | None = None) -> str:
    """``report_sites.html``: a plan's choice and costs as one self-contained, printable page.

    The outline is :func:`.fund.write_plan_report`'s; every text escaped.

    Parameters
    ----------
    result : Result
        The run the plan was made for (project, language, communes' names).
    plan : PlanResult
        From :func:`whitezone.siting.plan_sites`.
    today : date, optional
        The report's date (default today).
    """
    page = _Page(result, None)
    _cover(page, "sites_title", today)
    write_plan_report(page, plan, communes=result.layers.communes)
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
