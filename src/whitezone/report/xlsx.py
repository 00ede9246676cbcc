"""``report.xlsx``: the report's tables as sheets, numbers kept as numbers.

One sheet per level (province, districts, communes) with every indicator
column under a translated header, then the tables of the report's sections
(technologies, operators, sites, postal, broadband, points of interest), the
input layers and repairs, the parameters and the definitions.  Only headers
and coded values (signal classes, levels, kinds) are translated; no number
is turned into text.  :func:`whitezone.outputs.write_excel` writes the dict.
"""

from __future__ import annotations

import re

import pandas as pd

from ..i18n import column_kind, column_label, column_labels, format_short, message
from ..result import Result
from . import tables as T
from .params import definitions, parameters_sheet

__all__ = ["SHEETS", "report_sheets", "sheet_name"]

#: The sheets in order (their names are ``sheet.<key>`` in the catalogue, at most 31 characters).
SHEETS = ("summary", "province", "districts", "communes", "technologies", "operators", "sites",
          "postal", "post_kinds", "broadband", "pois", "layers", "repairs", "parameters",
          "definitions")  # fmt: skip

#: Excel number format per kind of column (:func:`whitezone.i18n.column_kind`), with the
#: decimals the report prints; Excel writes the separators of the reader's locale.
NUMBER_FORMATS = {"count": "#,##0", "pct": "0.0", "km": "0.000", "area": "#,##0.00"}

_INVALID = re.compile(r"[\[\]:*?/\\]")


def sheet_name(name: str, taken=()) -> str:
    """A valid Excel sheet name: no ``[]:*?/\\``, not blank, at most 31 characters, unique."""
    name = _INVALID.sub(" ", name).strip().strip("'")[:31] or "Sheet"
    base, i = name, 2
    while name.casefold() in {t.casefold() for t in taken}:
        suffix = f" ({i})"
        name, i = base[: 31 - len(suffix)] + suffix, i + 1
    return name


def _level(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    frame = T.with_shares(frame)
    return T.translate_values(frame.copy(), ["province", "district", "commune", "center_class"], lang)


def _long(frame: pd.DataFrame | None, lang: str) -> pd.DataFrame | None:
    if frame is None:
        return None
    frame = frame.rename(columns={"pct_covered": "pct_pois_covered", "pct_good": "pct_pois_good",
                                  "pct_broadband": "pct_pois_broadband"}
                         if "pois" in frame else {})  # fmt: skip
    return T.translate_values(frame.copy(), ["level", "area", "operator", "kind"], lang)


def report_sheets(result: Result, repairs: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The report's tables for ``report.xlsx``: sheet name -> table with translated headers.

    Parameters
    ----------
    result : Result
    repairs : DataFrame
        ``result.layers.repairs_table()``.

    Returns
    -------
    dict
        Ordered sheets; names valid for Excel; numeric columns keep their
        numeric dtypes.
    """
    lang = result.project.lang
    far = result.project.post_max_distance_km
    far_km = format_short(far, lang) if far is not None else "?"
    s = result.summaries
    headline = T.headline_table(result, lang)
    headline["indicator"] = headline["indicator"].map(lambda c: column_label(c, lang))
    frames = {
        "summary": headline,
        "province": _level(s.province, lang),
        "districts": _level(s.districts, lang) if s.districts is not None else None,
        "communes": _level(s.communes, lang),
        "technologies": T.technologies_table(result, lang),
        "operators": _long(s.operators, lang),
        "sites": T.sites_table(result, lang),
        "postal": T.postal_table(result, lang),
        "post_kinds": T.post_kinds_table(result, lang),
        "broadband": T.broadband_table(result, lang),
        "pois": _long(s.pois, lang),
        "layers": T.layers_table(result, lang),
        "repairs": T.repairs_table(repairs, lang),
        "parameters": parameters_sheet(result),
        "definitions": definitions(result),
    }
    sheets: dict[str, pd.DataFrame] = {}
    for key, frame in frames.items():
        if frame is None:
            continue
        name = sheet_name(message(f"sheet.{key}", lang), sheets)
        labels = column_labels(frame.columns, lang, far_km=far_km)
        labelled = frame.rename(columns=labels)
        labelled.attrs = {"number_formats": {
            labels[col]: NUMBER_FORMATS[column_kind(col)] for col in frame.columns
            if column_kind(col) in NUMBER_FORMATS and pd.api.types.is_numeric_dtype(frame[col])}}
        sheets[name] = labelled
    return sheets
