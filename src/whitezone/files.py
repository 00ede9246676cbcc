"""Write outputs atomically: a temp file in the same folder, then a rename.

A crash, a full disk or Ctrl-C mid-write leaves the previous file (or none),
never half a file a planner could mistake for a result.  ``os.replace`` is
atomic on POSIX and Windows when both paths are on one file system, which is
why the temp file sits beside the target.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = ["atomic_path", "csv_safe_text", "write_csv", "write_excel", "write_gpkg", "write_gpkg_layers",
           "write_layer_styles", "write_text"]  # fmt: skip

#: Text that a spreadsheet opening a CSV would take for a formula (CWE-1236):
#: a leading ``=``, ``+``, ``@``, tab or carriage return, or ``-`` not
#: followed by a number.
FORMULA_START = r"^(?:[=+@\t\r]|-$|-[^\d.])"  # no look-ahead: Arrow's RE2 runs it too


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success.

    Examples
    --------
    >>> with atomic_path(folder / "table.csv") as tmp:   # doctest: +SKIP
    ...     frame.to_csv(tmp)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Keep the real extension last: GDAL drivers check it.
    fd, name = tempfile.mkstemp(prefix=f".{path.stem}.tmp-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    # Drivers such as GPKG refuse to write over an existing (empty) file.
    tmp.unlink()
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        for leftover in (tmp, Path(f"{tmp}-journal"), Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            if leftover.exists():
                leftover.unlink()


def csv_safe_text(values: pd.Series) -> pd.Series:
    """Text a spreadsheet would run as a formula, with a ``'`` put before it.

    A village named ``=HYPERLINK("http://...")`` in a CSV opened in Excel or
    LibreOffice becomes a live formula; with the apostrophe it is shown as
    the text it is (OWASP's advice for CSV injection).  Other values,
    numbers and missing values are left as they are.
    """
    if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
        return values
    text = values.astype("string")
    risky = text.str.contains(FORMULA_START, regex=True).fillna(False).to_numpy(dtype=bool)
    if not risky.any():
        return values
    out = values.astype(object).copy()
    out[risky] = "'" + text[risky].astype(object)
    return out


def whole_numbers(values: pd.Series) -> pd.Series:
    """A float column whose every value is a whole number, as nullable integers (``168``, not ``168.0``).

    Counts of people and households arrive as floats (a blank makes them
    so); written as integers they read as what they are.  Other columns are
    returned as they are.
    """
    if not pd.api.types.is_float_dtype(values):
        return values
    data = values.to_numpy(dtype=float, na_value=np.nan)
    known = np.isfinite(data)
    if not known.any() or not (np.isnan(data) | known).all() or (data[known] % 1 != 0).any() \
            or (np.abs(data[known]) >= 2**53).any():  # fmt: skip
        return values
    out = pd.array(np.where(known, data, 0).astype(np.int64), dtype="Int64")
    out[~known] = pd.NA
    return pd.Series(out, index=values.index, name=values.name)


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """CSV in UTF-8 with a BOM, so Excel shows Vietnamese accents correctly.

    Text that a spreadsheet would take for a formula is written with a
    leading ``'`` (:func:`csv_safe_text`); whole numbers are written without
    a decimal point (:func:`whole_numbers`); other numbers as they are.
    """
    safe = frame.copy(deep=False)
    for column in safe.columns:
        safe[column] = whole_numbers(csv_safe_text(safe[column]))
    with atomic_path(path) as tmp:
        safe.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n")
    return Path(path)


def write_gpkg(frame: gpd.GeoDataFrame, path: str | Path, *, layer: str,
               styles: Mapping[str, object] | None = None) -> Path:  # fmt: skip
    """A one-layer GeoPackage (pyogrio), with the layer's style when given (:func:`write_gpkg_layers`)."""
    return write_gpkg_layers({layer: frame}, path, styles=styles)


def write_gpkg_layers(layers: Mapping[str, gpd.GeoDataFrame], path: str | Path, *,
                      styles: Mapping[str, object] | None = None) -> Path:  # fmt: skip
    """A GeoPackage holding several layers, written as one atomic file.

    Parameters
    ----------
    layers : mapping
        Layer name -> its table.
    path : str or Path
    styles : mapping, optional
        Layer name -> its style (:class:`whitezone.styles.LayerStyle`: an
        object with ``name``, ``qml``, ``sld`` and ``description``), written
        as the layer's default in ``layer_styles`` (:func:`write_layer_styles`)
        inside the same temporary file, before it replaces ``path``.
    """
    with atomic_path(path) as tmp:
        for name, frame in layers.items():
            frame.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio",
                          **({"append": True} if tmp.exists() else {}))  # fmt: skip
        if styles:
            write_layer_styles(tmp, styles)
    return Path(path)


#: The ``layer_styles`` table as QGIS creates it (through OGR) in a GeoPackage.
LAYER_STYLES_SQL = """CREATE TABLE IF NOT EXISTS "layer_styles" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "f_table_catalog" TEXT(256),
    "f_table_schema" TEXT(256), "f_table_name" TEXT(256), "f_geometry_column" TEXT(256),
    "styleName" TEXT(30), "styleQML" TEXT, "styleSLD" TEXT, "useAsDefault" BOOLEAN,
    "description" TEXT, "owner" TEXT(30), "ui" TEXT(30), "update_time" DATETIME)"""


def write_layer_styles(path: str | Path, styles: Mapping[str, object]) -> None:
    """Store each layer's style in the GeoPackage's ``layer_styles`` table, as its default.

    QGIS opens a layer with the row that names it (``f_table_schema`` empty,
    ``f_table_name``, its geometry column) and has ``useAsDefault`` set.  The
    table is registered in ``gpkg_contents`` as ``attributes``, as OGR does
    for the tables QGIS makes, so the file stays a valid GeoPackage; GDAL
    then lists ``layer_styles`` as a table without geometry.

    Parameters
    ----------
    path : str or Path
        A GeoPackage holding the layers.
    styles : mapping
        Layer name -> an object with ``name``, ``qml``, ``sld`` and
        ``description`` (:class:`whitezone.styles.LayerStyle`).
    """
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        columns = dict(db.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
        now = db.execute("SELECT strftime('%Y-%m-%dT%H:%M:%fZ', 'now')").fetchone()[0]
        db.execute(LAYER_STYLES_SQL)
        db.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, "
                   "last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', '', ?)", (now,))
        if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'gpkg_ogr_contents'").fetchone():
            # NULL: GDAL counts the rows itself.
            db.execute("INSERT OR IGNORE INTO gpkg_ogr_contents (table_name, feature_count) "
                       "VALUES ('layer_styles', NULL)")  # fmt: skip
        for layer, style in styles.items():
            if layer not in columns:
                raise ValueError(f"no layer {layer!r} with a geometry in {Path(path).name} to style")
            db.execute("UPDATE layer_styles SET useAsDefault = 0 WHERE f_table_name = ?", (layer,))
            db.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner, ui, "
                "update_time) VALUES ('', '', ?, ?, ?, ?, ?, 1, ?, '', NULL, ?)",
                (layer, columns[layer], style.name, style.qml, style.sld, style.description, now),
            )  # fmt: skip


def write_text(text: str, path: str | Path) -> Path:
    """A UTF-8 text file (HTML, JSON)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_excel(sheets: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """A workbook with one sheet per table; numbers stay numbers, text stays text.

    Written with XlsxWriter, about twice as fast as openpyxl on a national
    report's 1.5 million cells.  Text from the data is never turned into a formula or a link:
    a commune named ``=HYPERLINK(...)`` is written as that text.  A sheet's
    ``attrs["number_formats"]`` (column -> Excel number format such as
    ``"#,##0"`` or ``"0.0"``) formats its columns; Excel shows the separators
    of the reader's locale (``1.234,5`` in Vietnamese).  Missing numbers are
    left blank.
    """
    options = {"strings_to_formulas": False, "strings_to_urls": False}
    with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="xlsxwriter",
                                                  engine_kwargs={"options": options}) as writer:  # fmt: skip
        cache: dict[str, object] = {}
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False, na_rep="")
            sheet = writer.sheets[name[:31]]
            sheet.freeze_panes(1, 1)
            formats = frame.attrs.get("number_formats", {})
            for i, column in enumerate(frame.columns):
                head = frame[column].head(200)
                width = max([len(str(column)), *(len(str(v)) for v in head if pd.notna(v))])
                code = formats.get(column)
                if code is not None and code not in cache:
                    cache[code] = writer.book.add_format({"num_format": code})
                sheet.set_column(i, i, min(max(width + 2, 8), 40), cache.get(code))
    return Path(path)
