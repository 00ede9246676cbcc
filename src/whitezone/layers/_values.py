"""Parse the cell values planners type: numbers, coordinates, yes/no.

Everything here is vectorised over a pandas Series and returns the parsed
values plus a mask of cells that were filled in but could not be read, so the
caller can name every bad cell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._columns import fold

# Degrees, then optional minutes and seconds; separators may be symbols
# (° ' ″ ...), letters (d m s) or spaces/colons; the hemisphere letter may
# lead or trail.  Vietnamese Đ (đông, east) and B (bắc, north) are accepted;
# "N" is read as north, as in every data set seen in practice.
_DMS = (
    r"^\s*(?P<h1>[NSEWBĐnsewbđ])?\s*"
    r"(?P<deg>[+-]?\d+(?:[.,]\d+)?)\s*(?:°|º|˚|deg|d|:|\s)?\s*"
    r"(?:(?P<min>\d+(?:[.,]\d+)?)\s*(?:'|′|’|min|m|:|\s)?\s*)?"
    r"(?:(?P<sec>\d+(?:[.,]\d+)?)\s*(?:\"|″|''|”|’’|sec|s)?\s*)?"
    r"(?P<h2>[NSEWBĐnsewbđ])?\s*$"
)
_HEMISPHERE = {"n": 1.0, "b": 1.0, "e": 1.0, "đ": 1.0, "s": -1.0, "w": -1.0}
_AXIS_LETTERS = {"lon": set("eđw"), "lat": set("nbs")}


def _blank(series: pd.Series) -> pd.Series:
    return series.isna() | series.astype(str).str.strip().isin(["", "nan", "NaN", "None", "-"])


def parse_numbers(series: pd.Series, *, integer: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Parse numbers written with a decimal point or a decimal comma.

    Parameters
    ----------
    series : Series
        Strings or numbers.
    integer : bool
        The column holds whole numbers (population, households): digit
        groups such as ``"1.234"``, ``"1,234"`` or ``"1 234"`` mean 1234.

    Returns
    -------
    values : ndarray of float
        NaN where the cell is blank or bad.
    bad : ndarray of bool
        Cells that are filled in but are not numbers.
    """
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.to_numpy(dtype=float, na_value=np.nan).copy()
        return values, np.zeros(len(series), dtype=bool)
    blank = _blank(series).to_numpy()
    text = series.astype(str).str.strip().str.replace("\u00a0", " ", regex=False)
    if integer:
        grouped = text.str.fullmatch(r"[+-]?\d{1,3}(?:[.,\s]\d{3})+")
        text = text.where(~grouped, text.str.replace(r"[.,\s]", "", regex=True))
    both = text.str.contains(".", regex=False) & text.str.contains(",", regex=False)
    comma_last = text.str.rfind(",") > text.str.rfind(".")
    # "1.234,5" (decimal comma) or "1,234.5" (decimal point): the last one is the decimal mark
    text = text.where(~(both & comma_last), text.str.replace(".", "", regex=False))
    text = text.where(~(both & ~comma_last), text.str.replace(",", "", regex=False))
    text = text.str.replace(",", ".", regex=False)
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan).copy()
    values[blank] = np.nan
    bad = ~blank & np.isnan(values)
    return values, bad


def parse_coordinates(series: pd.Series, *, axis: str) -> tuple[np.ndarray, np.ndarray]:
    """Parse longitudes or latitudes in decimal degrees or degree-minute-second.

    Accepts ``105.123``, ``105,123`` (decimal comma), ``21°23'15.2"N``,
    ``N 21 23 15.2``, ``21:23:15.2``, ``21°23.25'`` and the Vietnamese
    hemisphere letters Đ (east) and B (north).

    Parameters
    ----------
    series : Series
    axis : {"lon", "lat"}
        Which axis the column holds; a hemisphere letter of the other axis
        (an "E" in a latitude column) makes the cell bad.

    Returns
    -------
    degrees : ndarray of float
        NaN where blank or bad; range is not checked here.
    bad : ndarray of bool
        Cells filled in but unreadable.
    """
    values, bad = parse_numbers(series)
    if not bad.any():
        return values, bad
    text = series[bad].astype(str)
    parts = text.str.extract(_DMS)
    deg = parts["deg"].str.replace(",", ".", regex=False).astype(float)
    minutes = parts["min"].str.replace(",", ".", regex=False).astype(float).fillna(0.0)
    seconds = parts["sec"].str.replace(",", ".", regex=False).astype(float).fillna(0.0)
    hemi = parts["h1"].fillna(parts["h2"]).str.lower()
    both = parts["h1"].notna() & parts["h2"].notna()
    sign = hemi.map(_HEMISPHERE).fillna(1.0)
    wrong_axis = hemi.notna() & ~hemi.isin(_AXIS_LETTERS[axis])
    magnitude = deg.abs() + minutes / 60.0 + seconds / 3600.0
    parsed = np.where(deg < 0, -1.0, 1.0) * sign * magnitude
    contradict = (deg < 0) & (sign < 0)  # "-21°S": which one is meant?
    ok = deg.notna() & (minutes < 60) & (seconds < 60) & ~wrong_axis & ~both & ~contradict
    idx = np.flatnonzero(bad)
    values[idx[ok.to_numpy()]] = parsed[ok].to_numpy()
    bad[idx[ok.to_numpy()]] = False
    return values, bad


_TRUE = {"1", "1_0", "yes", "y", "true", "t", "x", "co", "da_co", "có"}
_FALSE = {"0", "0_0", "no", "n", "false", "f", "khong", "chua", "chua_co"}


def parse_booleans(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Parse yes/no cells (``yes``, ``có``, ``1``, ``x`` / ``no``, ``không``, ``0``).

    Returns
    -------
    values : ndarray of object
        True, False or None (blank).
    bad : ndarray of bool
    """
    blank = _blank(series).to_numpy()
    folded = series.map(lambda v: fold(v) if not pd.isna(v) else "")
    if pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype=object), np.zeros(len(series), dtype=bool)
    if pd.api.types.is_numeric_dtype(series):
        folded = series.map(lambda v: "" if pd.isna(v) else str(int(v)) if float(v).is_integer() else "?")
    is_true = folded.isin(_TRUE).to_numpy()
    is_false = folded.isin(_FALSE).to_numpy()
    values = np.full(len(series), None, dtype=object)
    values[is_true] = True
    values[is_false] = False
    bad = ~blank & ~is_true & ~is_false
    return values, bad
