"""Numbers as a Vietnamese or English reader writes them.

Vietnamese writes ``1.234,5`` (a dot between thousands, a comma before the
decimals, as the provincial reports do: "3.018 người/1 điểm", "chiếm 2,0%");
English writes ``1,234.5``.  Percentages get one decimal, counts none,
distances three (the published service radius "2,381 km") and areas two.
A missing value prints as an en dash.
"""

from __future__ import annotations

import math
from numbers import Number

import pandas as pd

__all__ = [
    "MISSING",
    "column_kind",
    "format_bool",
    "format_cell",
    "format_number",
    "format_pct",
    "format_short",
    "is_missing",
]

#: What a missing number prints as.
MISSING = "–"

#: Decimals per kind of column.
DECIMALS = {"count": 0, "pct": 1, "km": 3, "area": 2, "db": 1, "ratio": 3}
#: Columns of shares 0..1 and coefficients (three decimals).
_RATIO_COLUMNS = frozenset({"correlation", "kappa", "class_agreement"})

_TEXT_COLUMNS = frozenset({
    "province", "district", "commune", "commune_id", "operator", "kind", "technology", "level",
    "area", "indicator", "setting", "value", "unit", "layer", "message", "rows", "source",
    "read_as", "term", "definition", "post_kind", "measured", "predicted",
})  # fmt: skip


def is_missing(value) -> bool:
    """True for None, NaN, NA and NaT (never raises on arrays' scalars)."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_number(value, lang: str = "en", decimals: int = 0) -> str:
    """A number with the thousands and decimal separators of ``lang``.

    Parameters
    ----------
    value : number
        Anything ``float()`` accepts; missing values give :data:`MISSING`.
    lang : {"vi", "en"}
    decimals : int
        Digits after the decimal separator (rounded half away from zero as
        Python's format does for the binary value).

    Returns
    -------
    str

    Examples
    --------
    >>> format_number(1234.5, "vi", 1), format_number(1234.5, "en", 1)
    ('1.234,5', '1,234.5')
    >>> format_number(3018, "vi")
    '3.018'
    """
    if is_missing(value):
        return MISSING
    x = float(value)
    if not math.isfinite(x):
        return MISSING
    text = f"{x:,.{decimals}f}"
    if text.lstrip("-").strip("0.,") == "":  # no "-0.0"
        text = text.lstrip("-")
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def format_pct(value, lang: str = "en", *, sign: bool = True) -> str:
    """A percentage with one decimal, ``"1,7%"`` (vi) or ``"1.7%"`` (en)."""
    text = format_number(value, lang, DECIMALS["pct"])
    return f"{text}%" if sign and text != MISSING else text


def format_short(value, lang: str = "en", max_decimals: int = 3) -> str:
    """A parameter value with no trailing zeros: ``2.5``, ``5``, ``-110``, ``1,800``."""
    if is_missing(value):
        return MISSING
    text = format_number(value, lang, max_decimals)
    point = "," if lang == "vi" else "."
    if point in text:
        text = text.rstrip("0").rstrip(point)
    return text


def format_bool(value) -> str:
    """✓ for true, ✗ for false, :data:`MISSING` when unknown."""
    if is_missing(value):
        return MISSING
    return "✓" if bool(value) else "✗"


def column_kind(column: str) -> str:
    """How a column's values print: ``count``, ``pct``, ``km``, ``area``, ``db``, ``ratio`` or ``text``.

    Examples
    --------
    >>> [column_kind(c) for c in ("pct_none_4g", "service_radius_km", "area_covered_km2", "sites")]
    ['pct', 'km', 'area', 'count']
    >>> [column_kind(c) for c in ("rmse_db", "measured_dbm", "kappa")]
    ['db', 'db', 'ratio']
    """
    if column in _TEXT_COLUMNS:
        return "text"
    if column in _RATIO_COLUMNS:
        return "ratio"
    if column.endswith(("_db", "_dbm")):
        return "db"
    if column.startswith("pct"):
        return "pct"
    if "km2" in column:
        return "area"
    if column.endswith("_km"):
        return "km"
    return "count"


def format_cell(value, column: str, lang: str = "en") -> str:
    """A table cell's text (not yet HTML-escaped) by the kind of its column."""
    if isinstance(value, bool) or (hasattr(value, "dtype") and value.dtype == bool):
        return format_bool(value)
    if is_missing(value):
        return MISSING
    kind = column_kind(column)
    if kind == "text" or not isinstance(value, Number):
        return str(value)
    return format_number(value, lang, DECIMALS[kind])
