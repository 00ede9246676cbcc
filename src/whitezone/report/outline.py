"""The report's outline, written once for ``report.html`` and ``report.docx``.

:func:`write_report` walks the report for a :class:`~whitezone.result.Result`
— the summary, then sections I–VII, which tables (:mod:`.tables`), notes and
figures each holds and under which conditions (districts or operators
present, postal points, broadband or points of interest missing,
measurements given, repairs made) — and hands every block to a
:class:`Page`.  A page (one in :mod:`.html`, one in :mod:`.docx`) decides
only how a block looks, so the two documents cannot drift apart: the same
tables under the same captions, in the same order, numbered alike.

The texts every writer shows the same way live here too: the report's
messages (:func:`text`), the figures' check (:func:`checked_figures`), a
table's cells as text (:func:`cell_texts`), its grouped headers
(:func:`header_groups`) and the headline table's rows
(:func:`headline_texts`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from numbers import Number

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
from ..result import Result
from . import tables as T
from .measured import _FIGURE_TITLES, validation_figures, validation_tables
from .params import definitions, model_name, parameters_table
from .prose import summary_sentences

__all__ = ["FIGURE_KEYS", "Page", "cell_texts", "checked_figures", "header_groups", "headline_texts",
           "section_keys", "text", "write_report"]  # fmt: skip

#: Where a figure can go: the summary, or the start of a section.
FIGURE_KEYS = ("summary", "mobile", "postal", "broadband", "pois")
_PNG = b"\x89PNG\r\n\x1a\n"
#: Count column -> the column it is a part of, printed "127/130".
_FRACTIONS = {"centers_covered": "communes", "communes_with_commune_post_office": "communes",
              "communes_with_broadband": "communes", "pois_covered": "pois",
              "pois_broadband": "pois"}  # fmt: skip


def text(key: str, lang: str, **fields) -> str:
    """The report's text ``key`` (``report.<key>`` in the catalogue)."""
    return message(f"report.{key}", lang, **fields)


def checked_figures(figures: dict[str, bytes] | None) -> dict[str, bytes]:
    """The figures a writer was given, as bytes, once their keys and PNG signatures are checked.

    Raises
    ------
    ValueError
        A figure under a key not in :data:`FIGURE_KEYS`, or not PNG bytes.
    """
    figures = dict(figures or {})
    for key, data in figures.items():
        if key not in FIGURE_KEYS:
            raise ValueError(f"unknown figure key {key!r}; expected one of {', '.join(FIGURE_KEYS)}")
        if not isinstance(data, bytes | bytearray) or bytes(data[:8]) != _PNG:
            raise ValueError(f"figure {key!r} is not PNG image bytes")
    return {k: bytes(v) for k, v in figures.items()}


# -- tables as text ------------------------------------------------------------------------------


def header_groups(columns: list[str], lang: str, *,
                  far_km: str) -> list[tuple[str | None, list[str]]]:  # fmt: skip
    """The header cells of ``columns``: (group, [sub-headers]) for runs of one group.

    A column without a group is ``(None, [its header])``; every writer
    draws a group as one cell spanning its sub-headers.
    """
    heads = [header(c, lang, far_km=far_km) for c in columns]
    groups: list[tuple[str | None, list[str]]] = []
    for group, sub in heads:
        if group is not None and groups and groups[-1][0] == group:
            groups[-1][1].append(sub)
        else:
            groups.append((group, [sub]))
    return groups


def cell_texts(frame: pd.DataFrame, lang: str) -> tuple[list[list[str]], list[list[bool]]]:
    """Every body cell as the report prints it, and whether it is a number (aligned right).

    Numbers are formatted for ``lang`` by their column's kind; a count with
    its whole (:data:`_FRACTIONS`) is printed "127/130".  A cell is a number
    when its value is not text and its column's kind is not text.  A table
    may say more in its ``attrs``: ``"decimals"`` (column -> decimals of its
    numbers, over its kind's) and ``"right"`` (columns of numbers already
    written as text, aligned as numbers).
    """
    columns = [str(c) for c in frame.columns]
    decimals = frame.attrs.get("decimals", {})
    right = frozenset(frame.attrs.get("right", ()))
    texts, numeric = [], []
    for row in frame.astype(object).itertuples(index=False):
        values = dict(zip(columns, row, strict=True))
        shown_row, numeric_row = [], []
        for col, value in values.items():
            if col in decimals and isinstance(value, Number) and not isinstance(value, bool):
                shown = format_number(value, lang, decimals[col])
            else:
                shown = format_cell(value, col, lang)
            whole = _FRACTIONS.get(col)
            if whole in values and not is_missing(value) and not is_missing(values[whole]):
                shown = f"{shown}/{format_cell(values[whole], whole, lang)}"
            shown_row.append(shown)
            numeric_row.append(col in right or (column_kind(col) != "text" and not isinstance(value, str)))
        texts.append(shown_row)
        numeric.append(numeric_row)
    return texts, numeric


def headline_texts(frame: pd.DataFrame, lang: str) -> list[tuple[str, str, str]]:
    """The headline table's rows as text: indicator, number ("127/130"), share."""
    rows = []
    for rec in frame.to_dict("records"):
        key = rec["indicator"]
        number = format_cell(rec["number"], key, lang)
        if not is_missing(rec["of_total"]):
            number += "/" + format_number(rec["of_total"], lang)
        rows.append((column_label(key, lang), number, format_cell(rec["pct"], "pct", lang)))
    return rows


# -- the page a writer implements ----------------------------------------------------------------


class Page(ABC):
    """What the outline writes on: numbering here, the look in each writer.

    Parameters
    ----------
    result : Result
    figures : dict, optional
        Section key -> PNG bytes, checked (:func:`checked_figures`).

    Attributes
    ----------
    tables, figure_count : int
        Tables and figures written so far (their captions' numbers).
    validation_wide : bool
        Whether section VII (measurements) is wide: ``report.html`` prints
        it on a landscape page for its wide summary table, ``report.docx``
        keeps it portrait, where its figures take the text's width.
    """

    validation_wide = True

    def __init__(self, result: Result, figures: dict[str, bytes] | None):
        self.result = result
        self.lang = result.project.lang
        self.figures = checked_figures(figures)
        self.tables = 0
        self.figure_count = 0
        far = result.project.post_max_distance_km
        self.far_km = format_short(far, self.lang) if far is not None else "?"

    def text(self, key: str, **fields) -> str:
        """The report's text ``key`` in the page's language."""
        return text(key, self.lang, **fields)

    def credit_lines(self) -> tuple[str, str]:
        """The credit line (version and model) and the run line (run id, time, version)."""
        lang, run = self.lang, self.result.run
        made = text("made_with", lang, version=run.version, model=model_name(self.result.model.kind, lang))
        return made, message("manifest.run", lang, run_id=run.run_id, time=run.time,
                             version=run.version)  # fmt: skip

    # numbered blocks, the same in every writer ------------------------------------------------
    def caption(self, key: str) -> None:
        """The next table's numbered caption."""
        self.tables += 1
        self.write_caption(f"{self.text('table')} {self.tables}. {self.text(key)}")

    def table(self, key: str, frame: pd.DataFrame | None, *, style: str = "") -> None:
        """A captioned table; nothing when ``frame`` is None or empty.

        ``style`` names a look a writer may give it (the HTML table's class).
        """
        if frame is None or frame.empty:
            return
        self.caption(key)
        self.grid(frame, style=style)

    def figure(self, key: str) -> None:
        """The figure given for ``key`` (:data:`FIGURE_KEYS`), if any."""
        data = self.figures.get(key)
        if data is not None:
            self.picture(data, "f_" + key)

    def picture(self, data: bytes, key: str) -> None:
        """PNG ``data`` under the next figure number and the title ``key``."""
        self.figure_count += 1
        self.write_picture(data, f"{self.text('figure')} {self.figure_count}. {self.text(key)}")

    # how each block looks ----------------------------------------------------------------------
    @abstractmethod
    def summary(self, sentences: list[str]) -> None:
        """The summary's heading and its sentences (which open the summary)."""

    @abstractmethod
    def contents(self, keys: list[str]) -> None:
        """The list of sections ``keys``, which closes the summary."""

    @abstractmethod
    def section(self, key: str, *, wide: bool) -> None:
        """A section's start and heading; ``wide`` sections hold wide tables (landscape)."""

    @abstractmethod
    def end_section(self) -> None:
        """The end of the section last started."""

    @abstractmethod
    def write_caption(self, title: str) -> None:
        """A table's caption, numbered."""

    @abstractmethod
    def grid(self, frame: pd.DataFrame, *, style: str = "") -> None:
        """A table's body (its caption is written)."""

    @abstractmethod
    def headline(self, frame: pd.DataFrame) -> None:
        """The headline table (:func:`.tables.headline_table`; its caption is written)."""

    @abstractmethod
    def note(self, key: str, **fields) -> None:
        """The note ``key`` under a table."""

    @abstractmethod
    def no_table(self, key: str, reason: str) -> None:
        """The title ``key`` of a table with nothing to show (unnumbered) and why, ``reason``."""

    @abstractmethod
    def colophon(self) -> None:
        """Where the credit and run lines (:meth:`credit_lines`) close the body, if there."""

    @abstractmethod
    def write_picture(self, data: bytes, title: str) -> None:
        """A PNG figure and its numbered title."""


# -- the outline ---------------------------------------------------------------------------------


def section_keys(result: Result) -> list[str]:
    """The sections of the report for ``result``, in order (the summary's contents)."""
    keys = ["mobile", "postal", "broadband", "pois", "input", "sources"]
    return keys + ["validation"] if result.validation is not None else keys


@contextmanager
def _section(page: Page, key: str, *, wide: bool) -> Iterator[None]:
    page.section(key, wide=wide)
    page.figure(key)
    yield
    page.end_section()


def _optional(page: Page, key: str, frame: pd.DataFrame | None) -> bool:
    """The table ``t_<key>``, or the note ``no_<key>`` when its layer was not given."""
    if frame is None:
        page.note(f"no_{key}")
        return False
    page.table(f"t_{key}", frame)
    return True


def write_report(page: Page, repairs: pd.DataFrame) -> None:
    """Write the report for ``page.result`` on ``page``: summary, then sections I–VII.

    Parameters
    ----------
    page : Page
        The writer's page (:class:`whitezone.report.html` or :mod:`.docx`).
    repairs : DataFrame
        ``result.layers.repairs_table()``: layer, kind, count, rows, message.
    """
    r, lang = page.result, page.lang
    page.summary(summary_sentences(r))
    page.figure("summary")
    page.contents(section_keys(r))

    with _section(page, "mobile", wide=True):
        page.caption("t_headline")
        page.headline(T.headline_table(r, lang))
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
        page.table("t_communes", T.communes_table(r, lang), style="communes")
        page.note("n_communes")

    with _section(page, "postal", wide=True):
        if _optional(page, "postal", T.postal_table(r, lang)):
            page.note("n_postal", radius=format_number(T.total_row(r).get("service_radius_km"), lang, 3))
            page.table("t_post_kinds", T.post_kinds_table(r, lang))

    with _section(page, "broadband", wide=True):
        if _optional(page, "broadband", T.broadband_table(r, lang)):
            page.note("n_broadband", reach=format_short(r.project.broadband_reach_km, lang))

    with _section(page, "pois", wide=True):
        if _optional(page, "pois", T.pois_table(r, lang)):
            page.table("t_pois_districts", T.pois_table(r, lang, level="district"))
            page.note("n_pois")

    with _section(page, "input", wide=False):
        page.table("t_layers", T.layers_table(r, lang))
        if len(repairs):
            page.table("t_repairs", T.repairs_table(repairs, lang))
            page.note("n_repairs")
        else:
            page.no_table("t_repairs", "no_repairs")

    with _section(page, "sources", wide=False):
        page.note("n_parameters")
        page.table("t_parameters", parameters_table(r), style="params")
        page.table("t_definitions", definitions(r), style="params")
        page.colophon()

    v = r.validation
    if v is not None:
        with _section(page, "validation", wide=page.validation_wide):
            measured = validation_tables(v, lang)
            page.table("t_validation", measured["summary"])
            page.note("n_validation")
            if not v.yields_dbm:
                page.note("n_validation_radius")
            page.table("t_confusion", measured["confusion"])
            for key, data in validation_figures(v, lang, communes=r.communes).items():
                title = _FIGURE_TITLES.get(key) or ("f_error_map" if v.yields_dbm else "f_agreement_map")
                page.picture(data, title)
