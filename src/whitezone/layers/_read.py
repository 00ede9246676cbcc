"""Read any layer file into a table, remembering where each row came from.

Vector formats go through pyogrio (GeoPackage, GeoJSON, Shapefile with its
.cpg encoding, FlatGeobuf, anything GDAL reads) and GeoParquet through
pyarrow; CSV and Excel are read as text so that every cell can be checked and
reported by its row.  Each row carries a label (``"row 14"``, the line or
Excel row a user sees, or ``"feature 3"``, the feature id) for messages.
"""

from __future__ import annotations

import csv
import io
import logging
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from ..errors import InputError, MissingExtraError, Problem, Problems
from ..postgis import is_database, read_table
from ._columns import ALIASES, fold

logger = logging.getLogger(__name__)

TABULAR_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm"}
PARQUET_SUFFIXES = {".parquet", ".geoparquet"}
#: Largest total an XLSX may unpack to: a national list of villages is tens of MB.
MAX_XLSX_UNPACKED_BYTES = 512 * 2**20
#: Formats GDAL stores as a folder (an Esri file geodatabase).
DIRECTORY_FORMATS = {".gdb"}
# A header is looked for in the first rows: Excel sheets often carry a title.
HEADER_SEARCH_ROWS = 30


@dataclass
class RawLayer:
    """A file read as a table, before any column is interpreted.

    Attributes
    ----------
    source : str
        File name used in messages.
    frame : DataFrame or GeoDataFrame
        Cells as text (CSV/Excel) or as the driver typed them (vector files).
    rows : ndarray of str
        Where each row is in the file, for messages.
    is_vector : bool
        True when the file had geometries.
    notes : list of (kind, message)
        Repairs the reading made to the whole file (an encoding guessed),
        recorded with the layer's repairs.
    """

    source: str
    frame: pd.DataFrame
    rows: np.ndarray
    is_vector: bool
    notes: list[tuple[str, str]] = field(default_factory=list)


def _header_row(rows: list[list[object]], wanted: Iterable[str]) -> tuple[int, int]:
    """Index of the row that looks most like a header, and its alias matches."""
    aliases = {a for name in wanted for a in ALIASES.get(name, (name,))}
    best, best_hits = 0, 0
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        hits = sum(1 for cell in row if cell is not None and fold(cell) in aliases)
        if hits > best_hits:
            best, best_hits = i, hits
    return best, best_hits


def _table_from_rows(
    rows: list[list[object]], source: str, wanted: Iterable[str], *, first_row_number: int = 1
) -> RawLayer:
    problems = Problems(source)
    header_at, _ = _header_row(rows, wanted)
    header = ["" if c is None else str(c).strip() for c in rows[header_at]]
    while header and header[-1] == "":
        header.pop()
    for i, name in enumerate(header):
        if name == "":
            header[i] = f"column {i + 1}"
    seen: dict[str, int] = {}
    for name in header:
        seen[name] = seen.get(name, 0) + 1
    for name, n in seen.items():
        if n > 1:
            problems.add(f"the header has {n} columns named {name!r}; names must be unique",
                         row=f"row {header_at + first_row_number}")  # fmt: skip
    body, labels = [], []
    width = len(header)
    for offset, row in enumerate(rows[header_at + 1 :]):
        cells = list(row)
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
            continue  # a blank line is not a record
        number = header_at + 1 + offset + first_row_number
        extra = [c for c in cells[width:] if c is not None and str(c).strip()]
        if extra:
            problems.add(f"the row has {width + len(extra)} cells but the header has {width}; "
                         "check the delimiter or quoting", row=f"row {number}")  # fmt: skip
        cells = (cells + [None] * width)[:width]
        body.append(cells)
        labels.append(f"row {number}")
    problems.raise_if_any()
    frame = pd.DataFrame(body, columns=header, dtype=object)
    return RawLayer(source, frame, np.asarray(labels, dtype=object), is_vector=False)


#: The note recorded when a CSV is read as Windows-1258.
CP1258_NOTE = ("encoding_cp1258", "not UTF-8, read as Windows-1258 (Vietnamese); save as CSV UTF-8 "
               "to be sure accents are right")  # fmt: skip


def _decode(path: Path) -> tuple[str, list[tuple[str, str]]]:
    """The text of a CSV and the notes of how it was read."""
    data = path.read_bytes()
    try:
        # NFC: decomposed tone marks (Windows-1258, some Mac exports) compare
        # unequal to the composed letters people type.
        return unicodedata.normalize("NFC", data.decode("utf-8-sig")), []
    except UnicodeDecodeError:
        pass
    try:
        # Windows' Vietnamese code page, what older Excel versions save as "CSV".
        text = data.decode("cp1258")
    except UnicodeDecodeError:
        raise InputError(Problem(path.name, "the file is not UTF-8 text; save it as "
                                 '"CSV UTF-8" from Excel')) from None  # fmt: skip
    return unicodedata.normalize("NFC", text), [CP1258_NOTE]


def _delimiter(text: str, wanted: list[str], *, tsv: bool) -> str:
    """The delimiter that splits the header into the most known column names.

    csv.Sniffer alone is fooled by a title line above the header and by
    decimal commas in a semicolon file; it only decides when no delimiter
    reveals a known column name.
    """
    sample = "\n".join(text.splitlines()[:HEADER_SEARCH_ROWS + 20])
    hits = {d: _header_row(list(csv.reader(io.StringIO(sample), delimiter=d)), wanted)[1]
            for d in (",", ";", "\t", "|")}  # fmt: skip
    best = max(hits, key=hits.get)
    if hits[best] > 0:
        return best
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return "\t" if tsv else ","


def read_csv_rows(path: Path, wanted: Iterable[str]) -> RawLayer:
    """Read a CSV with its delimiter (``,`` ``;`` tab ``|``) sniffed and BOM removed."""
    text, notes = _decode(path)
    wanted = list(wanted)
    delimiter = _delimiter(text, wanted, tsv=path.suffix.lower() == ".tsv")
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        raise InputError(Problem(path.name, "the file is empty"))
    rows = [[c if c.strip() else None for c in row] for row in rows]
    raw = _table_from_rows(rows, path.name, wanted)
    raw.notes.extend(notes)
    return raw


def check_workbook(path: Path) -> None:
    """Refuse a workbook that is not safe to open: XML parsed without defusedxml, or a zip bomb.

    Workbooks come from other agencies and are untrusted.  openpyxl parses
    them with defusedxml (no entity expansion, no external entities) when it
    is installed — it is a dependency, and this checks it is in use — and an
    XLSX is a zip archive whose parts could unpack to far more than any
    sheet of villages or towers holds (:data:`MAX_XLSX_UNPACKED_BYTES`).

    Raises
    ------
    InputError
        Not a zip archive, or one that unpacks to more than the limit.
    MissingExtraError
        openpyxl would parse XML without defusedxml.
    """
    import openpyxl.xml

    if not openpyxl.xml.DEFUSEDXML:
        raise MissingExtraError("reading workbooks safely needs defusedxml: pip install defusedxml "
                                "(and OPENPYXL_DEFUSEDXML not set to False)")  # fmt: skip
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(Problem(path.name, f"cannot open the workbook: not an .xlsx file ({exc})")) from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise InputError(Problem(path.name, f"the workbook unpacks to {unpacked / 2**20:,.0f} MB, more "
                                 f"than the {MAX_XLSX_UNPACKED_BYTES / 2**20:,.0f} MB any input needs; "
                                 "it is refused (a zip bomb?) — save the sheet as CSV UTF-8"))  # fmt: skip


def read_excel_rows(path: Path, wanted: Iterable[str], sheet: str | int | None) -> RawLayer:
    """Read an Excel sheet, finding the header row even below title rows (:func:`check_workbook` first)."""
    import openpyxl

    check_workbook(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise InputError(Problem(path.name, f"cannot open the workbook: {exc}")) from None
    try:
        if sheet is None:
            ws = book.worksheets[0]
        elif isinstance(sheet, int):
            if not 0 <= sheet < len(book.worksheets):
                raise InputError(Problem(path.name, f"sheet {sheet} does not exist; the workbook "
                                         f"has {len(book.worksheets)} sheet(s)"))  # fmt: skip
            ws = book.worksheets[sheet]
        elif sheet in book.sheetnames:
            ws = book[sheet]
        else:
            raise InputError(Problem(path.name, f"sheet {sheet!r} not found; sheets: "
                                     f"{', '.join(book.sheetnames)}"))  # fmt: skip
        try:  # read-only workbooks parse the sheet here
            rows = [list(r) for r in ws.iter_rows(min_row=1, values_only=True)]
        except Exception as exc:
            raise InputError(Problem(path.name, f"cannot read the sheet {ws.title!r}: "
                                     f"{type(exc).__name__}: {exc}")) from None  # fmt: skip
    finally:
        book.close()
    if not rows:
        raise InputError(Problem(path.name, "the sheet is empty"))
    rows = [[None if isinstance(c, str) and not c.strip() else c for c in r] for r in rows]
    return _table_from_rows(rows, f"{path.name} [{ws.title}]", wanted)


def read_vector(path: Path, layer: str | None, role: str) -> RawLayer:
    """Read a GDAL vector file (or GeoParquet) with feature ids as row labels."""
    name = path.name
    if path.suffix.lower() in PARQUET_SUFFIXES:
        try:
            frame = gpd.read_parquet(path)
        except Exception as exc:
            raise InputError(Problem(name, f"cannot read GeoParquet: {exc}")) from None
        rows = np.asarray([f"feature {i}" for i in range(len(frame))], dtype=object)
        return RawLayer(name, frame.reset_index(drop=True), rows, is_vector=True)
    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:
        raise InputError(Problem(name, f"cannot open as a GIS file: {exc}")) from None
    # QGIS (and whitezone) keep layer styles in a table of the GeoPackage: not a data layer.
    names = [str(n) for n in layers[:, 0] if str(n) != "layer_styles"]
    if layer is None and len(names) == 1:
        layer = names[0]
    if layer is None and len(names) > 1:
        if role in names:
            layer = role
        else:
            raise InputError(Problem(name, f"the file has {len(names)} layers "
                                     f"({', '.join(names)}); choose one with "
                                     f'layer = "..." in [layers.{role}]'))  # fmt: skip
    try:
        frame = gpd.read_file(path, layer=layer, engine="pyogrio", fid_as_index=True)
    except Exception as exc:
        raise InputError(Problem(name, f"cannot read: {exc}")) from None
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame:
        raise InputError(Problem(name, "the file has no geometry; use a GIS layer or a "
                                 "table with longitude/latitude columns"))  # fmt: skip
    rows = np.asarray([f"feature {fid}" for fid in frame.index], dtype=object)
    return RawLayer(name, frame.reset_index(drop=True), rows, is_vector=True)


def read_database(url, layer: str | None, role: str) -> RawLayer:
    """Read a PostGIS table (:func:`whitezone.postgis.read_table`) as a vector file or a table."""
    frame = read_table(url, layer, role=role)
    rows = np.asarray(frame.index, dtype=object)
    is_vector = isinstance(frame, gpd.GeoDataFrame)
    return RawLayer(frame.attrs["source"], frame.reset_index(drop=True), rows, is_vector=is_vector)


def read_raw(path: str | Path, *, role: str, wanted: Iterable[str],
             sheet: str | int | None = None, layer: str | None = None) -> RawLayer:  # fmt: skip
    """Read a layer file of any supported format.

    Parameters
    ----------
    path : str or Path
        A file, or a database (a ``postgresql://`` URL, a ``PG:`` string or a
        :class:`~whitezone.postgis.DatabaseURL`) whose table is ``layer``.
    role : str
        The layer's role (``"villages"``), used in messages and to pick a
        layer from a multi-layer file.
    wanted : iterable of str
        Canonical columns the layer may have; used to find the header row.
    sheet, layer : optional
        Excel sheet; layer inside a GeoPackage.

    Returns
    -------
    RawLayer

    Raises
    ------
    InputError
        Missing, empty or unreadable file.
    """
    if is_database(path):
        raw = read_database(path, layer, role)
        if len(raw.frame) == 0:
            raise InputError(Problem(raw.source, f"the {role} table is empty: no rows"))
        return raw
    path = Path(path)
    if not path.exists():
        raise InputError(Problem(str(path), f"the {role} file was not found"))
    suffix = path.suffix.lower()
    if path.is_dir() and suffix not in DIRECTORY_FORMATS:
        raise InputError(Problem(str(path), f"is a folder, not a file; name the {role} file in it "
                                 "(a .csv, .xlsx, .gpkg, .shp ...)"))  # fmt: skip
    if suffix == ".xls":
        raise InputError(Problem(path.name, "old Excel .xls files are not read; save the sheet "
                                 "as .xlsx (Excel Workbook)"))  # fmt: skip
    if suffix in (".xlsx", ".xlsm"):
        raw = read_excel_rows(path, wanted, sheet)
    elif suffix in (".csv", ".txt", ".tsv"):
        raw = read_csv_rows(path, wanted)
    else:
        raw = read_vector(path, layer, role)
    if len(raw.frame) == 0:
        raise InputError(Problem(raw.source, f"the {role} layer is empty: no rows"))
    logger.debug("read %s: %d rows", raw.source, len(raw.frame))
    return raw
