"""Classify national village files chunk by chunk, with bounded memory.

A national file of ten million villages does not need to fit in memory to be
classified.  :func:`iter_point_chunks` reads a point file a slice at a time —
GeoParquet by row-group batches (pyarrow ``ParquetFile.iter_batches``), any
GDAL vector format as an Arrow stream (``pyogrio.raw.open_arrow``), CSV with
``pandas.read_csv(chunksize=)`` — and :func:`classify_file` runs
:func:`~whitezone.classify.classify_points` on each slice, appends the
villages' classes to one CSV and adds up the counts per class (and per
commune).  Memory is bounded by the sites plus one chunk, whatever the size
of the village file.

**This path expects already-validated data.**  The in-memory pipeline
(``whitezone check`` / ``whitezone run``, :func:`whitezone.load_layers`) is the
one with full validation and repairs: delimiter and encoding sniffing, DMS
coordinates, decimal commas, swapped lon/lat, unique ids, villages snapped to
communes, every problem reported with its row.  Here the village file must
already be clean — ids as they should be, coordinates as decimal degrees
with a decimal point (or a GIS file with a CRS) — as a national database
exports it.  A coordinate that is not a number stops the run with its row
and column named; nothing is repaired, ids are not checked for uniqueness.
Run ``whitezone check`` on the data (or on a sample of it) first.

The classes are exactly those :func:`~whitezone.classify.classify_points`
gives on the whole file at once: the model is prepared once for the file's
sites (:meth:`~whitezone.models.CoverageModel.prepare`: the radius model
builds its k-d trees then) and every chunk is searched against all of them.
Rows and their columns are those of the run's ``villages.csv``
(:func:`whitezone.schema.village_table`).

Example::

    from whitezone.stream import classify_file
    sites = whitezone.read_opencellid("452.csv.gz", mcc=452)
    counts = classify_file("villages.parquet", sites, out_csv="village_classes.csv")
    counts.sum()          # the national totals
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from pyproj import CRS

from .classes import CATEGORIES, NO_COMMUNE, class_suffixes, reconcile, tally
from .classify import classify_points, site_coordinates, technologies_of
from .crs import WGS84, metric_crs
from .errors import InputError, Problem, Problems
from .files import FORMULA_START, atomic_path
from .layers._columns import match_columns
from .layers._read import PARQUET_SUFFIXES, _delimiter
from .layers.villages import UNLOCATED
from .models import CoverageModel, ModelWrapper, RadiusModel
from .schema import village_table

__all__ = ["CHUNK_ROWS", "classify_file", "iter_point_chunks"]

logger = logging.getLogger(__name__)

#: Default rows per chunk: about 300 MB of working memory for the radius model.
CHUNK_ROWS = 1_000_000

_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_COMPRESSION = {".gz", ".bz2", ".xz", ".zip", ".zst"}
#: Label of the single row of counts when the villages have no commune.
ALL = "(all)"


# --------------------------------------------------------------------------- reading


def _kind(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    while suffixes and suffixes[-1] in _COMPRESSION:
        suffixes.pop()
    last = suffixes[-1] if suffixes else ""
    if last in PARQUET_SUFFIXES:
        return "parquet"
    if last in _CSV_SUFFIXES:
        return "csv"
    return "vector"


def file_columns(path: str | Path, *, layer: str | None = None) -> list[str]:
    """The attribute columns of a point file, read from its header or schema only."""
    path = Path(path)
    kind = _kind(path)
    if kind == "parquet":
        import pyarrow.parquet as pq

        schema = pq.ParquetFile(path).schema_arrow
        geo = _geo_metadata(schema)
        skip = {geo["primary_column"]} if geo else set()
        return [n for n in schema.names if n not in skip]
    if kind == "csv":
        sep = _csv_delimiter(path)
        return [str(c) for c in pd.read_csv(path, sep=sep, nrows=0, encoding="utf-8-sig").columns]
    import pyogrio

    return [str(f) for f in pyogrio.read_info(path, layer=layer)["fields"]]


def iter_point_chunks(
    path: str | Path,
    *,
    chunk_rows: int = CHUNK_ROWS,
    columns: Sequence[str] | None = None,
    lon: str | None = None,
    lat: str | None = None,
    layer: str | None = None,
    crs: object = None,
) -> Iterator[gpd.GeoDataFrame]:
    """Read a point file in slices of at most ``chunk_rows`` rows, never all at once.

    Parameters
    ----------
    path : str or Path
        GeoParquet (``.parquet``, ``.geoparquet``; a plain Parquet table with
        lon/lat columns too), CSV (``.csv``, ``.txt``, ``.tsv``, optionally
        compressed, e.g. ``.csv.gz``) with longitude/latitude columns, or any
        vector format GDAL reads (GeoPackage, FlatGeobuf, Shapefile, ...).
    chunk_rows : int
        Largest number of rows per chunk.
    columns : sequence of str, optional
        Attribute columns to read besides the geometry (default all).
    lon, lat : str, optional
        The coordinate columns of a CSV or plain Parquet file; found by name
        (``lon``, ``lng``, ``kinh độ``, ``x``, ...) when not given.
    layer : str, optional
        Layer of a multi-layer GDAL file.
    crs : CRS-like, optional
        CRS of a CSV's or plain Parquet's coordinates (default EPSG:4326) or
        of a GIS file that carries none.

    Yields
    ------
    GeoDataFrame
        The attribute columns and the geometry; the index is each row's
        position in the file (0-based, continuing across chunks).  A row
        without coordinates has a missing geometry.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(Problem(str(path), "the file was not found"))
    chunk_rows = int(chunk_rows)
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be at least 1, not {chunk_rows}")
    kind = _kind(path)
    if kind == "csv":
        chunks = _csv_chunks(path, chunk_rows, columns, lon, lat, crs)
    elif kind == "parquet":
        chunks = _parquet_chunks(path, chunk_rows, columns, lon, lat, crs)
    else:
        chunks = _vector_chunks(path, chunk_rows, columns, layer, crs)
    start = 0
    for chunk in chunks:
        chunk.index = pd.RangeIndex(start, start + len(chunk))
        start += len(chunk)
        yield chunk


def _csv_delimiter(path: Path) -> str:
    """The delimiter, sniffed from the first lines as the in-memory reader does."""
    from pandas.io.common import get_handle

    with get_handle(path, "r", encoding="utf-8-sig", compression="infer") as handle:
        sample = "".join(line for _, line in zip(range(64), handle.handle, strict=False))
    wanted = ["lon", "lat", "village_id", "commune_id", "population"]
    return _delimiter(sample, wanted, tsv=".tsv" in [s.lower() for s in path.suffixes])


def _lon_lat(columns: Sequence[str], lon: str | None, lat: str | None, source: str) -> tuple[str, str]:
    problems = Problems(source)
    explicit = {k: v for k, v in (("lon", lon), ("lat", lat)) if v is not None}
    found = match_columns(columns, ["lon", "lat"], required=["lon", "lat"], explicit=explicit,
                          problems=problems)  # fmt: skip
    problems.raise_if_any()
    return found["lon"], found["lat"]


def _points(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Points, missing where a coordinate is blank."""
    geoms = np.full(len(x), None, dtype=object)
    ok = np.isfinite(x) & np.isfinite(y)
    geoms[ok] = shapely.points(x[ok], y[ok])
    return geoms


def _coordinates(frame: pd.DataFrame, col: str, source: str, first_row: int) -> np.ndarray:
    values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float)
    blank = np.flatnonzero(np.isnan(values))
    if blank.size == 0:
        return values
    given = frame[col].iloc[blank]
    bad = given.notna().to_numpy() & (given.astype(str).str.strip() != "").to_numpy()
    if bad.any():
        i = int(blank[np.flatnonzero(bad)[0]])
        raise InputError(Problem(source, f"expected a coordinate in decimal degrees (or metres "
                                 f"of the given CRS), got {frame[col].iloc[i]!r}; the streaming "
                                 "path reads validated data only: run `whitezone check` to find "
                                 "and repair every such value", row=f"row {first_row + i}",
                                 column=col))  # fmt: skip
    return values


def _csv_chunks(path, chunk_rows, columns, lon, lat, crs) -> Iterator[gpd.GeoDataFrame]:
    sep = _csv_delimiter(path)
    header = [str(c) for c in pd.read_csv(path, sep=sep, nrows=0, encoding="utf-8-sig").columns]
    lon_col, lat_col = _lon_lat(header, lon, lat, path.name)
    keep = [c for c in (header if columns is None else columns) if c not in (lon_col, lat_col)]
    missing = [c for c in keep if c not in header]
    if missing:
        raise InputError(Problem(path.name, f"no column {missing[0]!r}; columns: {', '.join(header)}"))
    usecols = [*keep, lon_col, lat_col]
    reader = pd.read_csv(path, sep=sep, encoding="utf-8-sig", usecols=usecols, dtype=str,
                         chunksize=chunk_rows, engine="c", keep_default_na=False,
                         na_values=[""])  # fmt: skip
    row = 2  # the line of the first record, under the header
    crs = crs or WGS84
    for frame in reader:
        x = _coordinates(frame, lon_col, path.name, row)
        y = _coordinates(frame, lat_col, path.name, row)
        row += len(frame)
        yield gpd.GeoDataFrame(frame[keep].reset_index(drop=True), geometry=_points(x, y), crs=crs)


def _geo_metadata(schema: pa.Schema) -> dict | None:
    meta = schema.metadata or {}
    raw = meta.get(b"geo")
    return json.loads(raw) if raw else None


def _geoparquet_crs(column_meta: dict) -> CRS | None:
    if "crs" not in column_meta:
        return CRS.from_user_input("OGC:CRS84")  # the GeoParquet default
    value = column_meta["crs"]
    if value is None:
        return None
    return CRS.from_json_dict(value) if isinstance(value, dict) else CRS.from_user_input(value)


def _rechunk(batches: Iterable[pa.RecordBatch], chunk_rows: int) -> Iterator[pa.Table]:
    """Arrow batches regrouped into tables of ``chunk_rows`` rows (the last one shorter)."""
    held: list[pa.RecordBatch] = []
    count = 0
    for batch in batches:
        if batch.num_rows == 0:
            continue
        held.append(batch)
        count += batch.num_rows
        while count >= chunk_rows:
            table = pa.Table.from_batches(held)
            yield table.slice(0, chunk_rows)
            rest = table.slice(chunk_rows)
            held, count = rest.to_batches(), rest.num_rows
    if count:
        yield pa.Table.from_batches(held)


def _decode_geometry(column: pa.ChunkedArray, encoding: str, source: str) -> np.ndarray:
    if encoding.upper() == "WKB":
        return shapely.from_wkb(column.to_numpy(zero_copy_only=False))
    if encoding.lower() == "point":  # GeoArrow points: a struct of x, y
        flat = column.combine_chunks()
        x = flat.field("x").to_numpy(zero_copy_only=False)
        y = flat.field("y").to_numpy(zero_copy_only=False)
        geoms = _points(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        geoms[np.asarray(flat.is_null())] = None
        return geoms
    raise InputError(Problem(source, f"GeoParquet geometry encoded as {encoding!r} is not read "
                             "by the streaming path; write it as WKB (geopandas' default)"))  # fmt: skip


def _table_frame(table: pa.Table, geometry: np.ndarray, crs) -> gpd.GeoDataFrame:
    attrs = table.to_pandas() if table.num_columns else pd.DataFrame(index=range(table.num_rows))
    return gpd.GeoDataFrame(attrs, geometry=geometry, crs=crs)


def _parquet_chunks(path, chunk_rows, columns, lon, lat, crs) -> Iterator[gpd.GeoDataFrame]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    names = pf.schema_arrow.names
    geo = _geo_metadata(pf.schema_arrow)
    if geo is None:  # a plain table with coordinate columns
        lon_col, lat_col = _lon_lat(names, lon, lat, path.name)
        keep = [c for c in (names if columns is None else columns) if c not in (lon_col, lat_col)]
        row = 0
        for table in _rechunk(pf.iter_batches(batch_size=chunk_rows, columns=[*keep, lon_col, lat_col]),
                              chunk_rows):  # fmt: skip
            coords = table.select([lon_col, lat_col]).to_pandas()
            x = _coordinates(coords, lon_col, path.name, row)
            y = _coordinates(coords, lat_col, path.name, row)
            row += table.num_rows
            yield _table_frame(table.select(keep), _points(x, y), crs or WGS84)
        return
    geom_col = geo["primary_column"]
    meta = geo["columns"][geom_col]
    file_crs = _geoparquet_crs(meta)
    keep = [c for c in (names if columns is None else columns) if c != geom_col]
    for table in _rechunk(pf.iter_batches(batch_size=chunk_rows, columns=[*keep, geom_col]), chunk_rows):
        geoms = _decode_geometry(table.column(geom_col), meta.get("encoding", "WKB"), path.name)
        yield _table_frame(table.select(keep), geoms, file_crs or crs)


def _vector_chunks(path, chunk_rows, columns, layer, crs) -> Iterator[gpd.GeoDataFrame]:
    import pyogrio
    from pyogrio.raw import open_arrow

    try:
        with open_arrow(path, layer=layer, columns=list(columns) if columns is not None else None,
                        batch_size=chunk_rows, use_pyarrow=True) as (meta, reader):  # fmt: skip
            geom_col = meta["geometry_name"] or "wkb_geometry"
            file_crs = meta["crs"] or crs
            for table in _rechunk(reader, chunk_rows):
                geoms = shapely.from_wkb(table.column(geom_col).to_numpy(zero_copy_only=False))
                keep = [c for c in table.column_names if c != geom_col]
                yield _table_frame(table.select(keep), geoms, file_crs)
    except pyogrio.errors.DataSourceError as exc:
        raise InputError(Problem(path.name, f"cannot open as a GIS file: {exc}")) from None


# --------------------------------------------------------------------------- classifying


def classify_file(
    path: str | Path,
    sites: gpd.GeoDataFrame,
    *,
    out_csv: str | Path,
    model: CoverageModel | None = None,
    crs: object = None,
    technologies: list[str] | None = None,
    chunk_rows: int = CHUNK_ROWS,
    commune_of: str | Callable[[gpd.GeoDataFrame], Sequence] | gpd.GeoDataFrame | None = None,
    lon: str | None = None,
    lat: str | None = None,
    layer: str | None = None,
) -> pd.DataFrame:
    """Classify every village of a (national) file chunk by chunk; write one CSV of classes.

    The file is read with :func:`iter_point_chunks`, each chunk classified
    by :func:`~whitezone.classify.classify_points` and its rows appended to
    ``out_csv``; memory holds the sites and one chunk.  The CSV is written to
    a temporary file beside ``out_csv`` and renamed onto it only when every
    chunk is done, so an error never leaves a partial file.

    **Expects validated data** (see the module documentation): the in-memory
    pipeline (``whitezone run``) is the one with full validation and repairs.

    Parameters
    ----------
    path : str or Path
        Villages: GeoParquet, CSV with lon/lat in degrees, or a GDAL vector
        file of points (polygons are replaced by a point inside them, as the
        village reader does).
    sites : GeoDataFrame
        Site-technologies, e.g. from :func:`~whitezone.layers.read_sites` or
        :func:`~whitezone.layers.read_opencellid`.
    out_csv : str or Path
        The village classes: ``village_id`` (or ``row``, the record's
        position in the file, when the file has no id column), ``commune_id``
        when known, ``population`` when present, ``class_any``,
        ``class_<tech>``, ``site_<tech>``, ``distance_km_<tech>`` (and
        ``signal_dbm_<tech>`` for models that compute a signal).  A row
        without coordinates has the class ``unlocated``.  UTF-8 with a BOM.
    model, crs, technologies
        As :func:`~whitezone.classify.classify_points`; ``crs`` defaults to
        the UTM zone of the sites (the file is not read twice to choose it).
    chunk_rows : int
        Villages per chunk (default :data:`CHUNK_ROWS`).
    commune_of : optional
        Where each village's commune comes from: ``None`` for the file's
        ``commune_id`` column when it has one (matched like the village
        reader's, e.g. ``mã xã``); a column name; a function of a chunk
        returning the ids (it sees every column of the file); or a
        communes GeoDataFrame (``commune_id`` and polygons), joined by
        location.
    lon, lat, layer
        See :func:`iter_point_chunks`.

    Returns
    -------
    DataFrame
        Counts per commune (index ``commune_id``, sorted; ``(no commune)``
        last for villages without one) or one row ``(all)`` when there are no
        communes: ``villages``, ``villages_none`` / ``_weak`` / ``_good`` /
        ``_unclassified`` for any technology and per technology
        (``villages_none_4g``, ...), and the same for ``population_*`` when
        the file has a population column.  ``none + weak + good +
        unclassified = villages`` on every row.
    """
    path = Path(path)
    model = model or RadiusModel()
    techs = list(technologies or technologies_of(sites))
    if crs is None:
        located_sites = sites[~(sites.geometry.isna() | sites.geometry.is_empty)]
        crs = metric_crs([located_sites.to_crs(WGS84)])
    else:
        crs = metric_crs([], crs=crs)
    # The sites are filtered and projected once, and the model prepared for
    # them once, not once per chunk.
    # Projected once: each chunk's classify_points then finds them in its CRS already.
    active = sites[(sites["status"] == "active") & sites["technology"].isin(techs)]
    active = active.reset_index(drop=True).to_crs(crs)
    tech_code = pd.Categorical(active["technology"], categories=techs).codes.astype(np.int64)
    prepared = model.prepare(active, tech_code, len(techs), site_xy=site_coordinates(active, crs))
    chunk_model = _Prepared(model, prepared, len(active))

    names = file_columns(path, layer=layer)
    problems = Problems(path.name)
    found = match_columns(names, ["village_id", "commune_id", "population"], problems=problems)
    problems.raise_if_any()
    id_col = found.get("village_id")
    pop_col = found.get("population")
    commune_col = None
    if commune_of is None:
        commune_col = found.get("commune_id")
    elif isinstance(commune_of, str):
        if commune_of not in names:
            raise InputError(Problem(path.name, f"no column {commune_of!r} for the commune; "
                                     f"columns: {', '.join(names)}"))  # fmt: skip
        commune_col = commune_of
    communes = None
    if isinstance(commune_of, gpd.GeoDataFrame):
        communes = commune_of[["commune_id", commune_of.geometry.name]]
    read_cols = [c for c in dict.fromkeys([id_col, commune_col, pop_col]) if c is not None]
    if callable(commune_of) and not isinstance(commune_of, gpd.GeoDataFrame):
        read_cols = None  # the function may look at any column
    has_commune = commune_col is not None or commune_of is not None

    totals: pd.DataFrame | None = None
    n_chunks = 0
    out_csv = Path(out_csv)
    with atomic_path(out_csv) as tmp, open(tmp, "wb") as sink:
        sink.write("\ufeff".encode())  # BOM: Excel shows the accents
        writer = None
        for chunk in iter_point_chunks(path, chunk_rows=chunk_rows, columns=read_cols, lon=lon,
                                       lat=lat, layer=layer):  # fmt: skip
            n_chunks += 1
            geoms = _as_points(chunk.geometry)
            classes = classify_points(geoms, active, model=chunk_model, crs=crs, technologies=techs)
            commune = _commune_ids(chunk, commune_col, commune_of, communes) if has_commune else None
            population = (pd.to_numeric(chunk[pop_col], errors="coerce").to_numpy(dtype=float)
                          if pop_col else None)  # fmt: skip
            rows = _chunk_villages(chunk, classes, techs, id_col, commune, population)
            table = _arrow(village_table(rows, technologies=techs, signal=model.yields_dbm))
            if writer is None:
                import pyarrow.csv as pacsv

                schema = table.schema
                writer = pacsv.CSVWriter(sink, schema)
            writer.write_table(table.cast(schema))
            part = _counts(rows, techs, commune is not None)
            totals = part if totals is None else totals.add(part, fill_value=0)
            logger.info("classified chunk %d: %d villages", n_chunks, len(chunk))
        if writer is None:  # an empty file: the header only
            raise InputError(Problem(path.name, "the villages file has no rows"))
        writer.close()
    totals = _finish_counts(totals, techs, population_known=pop_col is not None,
                            has_commune=has_commune)  # fmt: skip
    totals.attrs["out_csv"] = str(out_csv)
    totals.attrs["chunks"] = n_chunks
    return totals


@dataclass(frozen=True, eq=False)
class _Prepared(ModelWrapper):
    """A model prepared once for the file's sites: every chunk asks the same index.

    :func:`~whitezone.classify.classify_points` hands each chunk's targets to
    :meth:`best` with the same (already filtered) sites; the prepared index
    answers as the model would.
    """

    model: CoverageModel
    index: object
    n_sites: int

    def best(self, targets: np.ndarray, sites: gpd.GeoDataFrame, tech_code: np.ndarray,
             n_tech: int, *, site_xy: np.ndarray | None = None) -> dict[str, np.ndarray]:  # fmt: skip
        if len(sites) != self.n_sites:  # not the file's sites: ask the model itself
            return self.model.best(targets, sites, tech_code, n_tech, site_xy=site_xy)
        return self.index.best(targets)


def _as_points(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """Polygons replaced by a point inside them, as the village reader does."""
    kinds = shapely.get_type_id(np.asarray(geoms.array))
    polygonal = (kinds == 3) | (kinds == 6)
    if not polygonal.any():
        return geoms
    values = np.asarray(geoms.array).copy()
    values[polygonal] = shapely.point_on_surface(values[polygonal])
    return gpd.GeoSeries(values, index=geoms.index, crs=geoms.crs)


def _commune_ids(chunk, column, commune_of, communes) -> pd.Series:
    """Each village's commune id as text (NA where it has none)."""
    if column is not None:
        ids = chunk[column].astype(object)
    elif communes is not None:
        points = gpd.GeoDataFrame(geometry=chunk.geometry.reset_index(drop=True))
        joined = gpd.sjoin(points, communes.to_crs(points.crs), how="left", predicate="within")
        ids = joined[~joined.index.duplicated(keep="first")]["commune_id"].astype(object)
    else:
        ids = pd.Series(list(commune_of(chunk)), dtype=object)
    ids = pd.Series(np.asarray(ids, dtype=object))
    if len(ids) != len(chunk):
        raise ValueError(f"commune_of gave {len(ids)} ids for a chunk of {len(chunk)} villages")
    return ids.astype("string")


def _chunk_villages(chunk, classes, techs, id_col, commune, population) -> pd.DataFrame:
    """A chunk as classified villages: ids, commune, people, the classes (a status where none)."""
    rows = pd.DataFrame(index=classes.index)
    if id_col is not None:
        rows["village_id"] = chunk[id_col].astype("string").to_numpy()
    else:
        rows["row"] = chunk.index.to_numpy(dtype=np.int64)
    if commune is not None:
        rows["commune_id"] = commune.to_numpy()
    if population is not None:
        rows["population"] = population
    for col in classes:
        values = classes[col]
        if col.startswith("class_"):  # unlocated where the village has no class
            values = values.cat.add_categories([UNLOCATED]).fillna(UNLOCATED)
        rows[col] = values
    return rows


def _text(values: pa.Array) -> pa.Array:
    """Formula-like text quoted as :func:`~whitezone.files.write_csv` does (nulls kept)."""
    risky = pc.match_substring_regex(values, FORMULA_START)
    if not pc.any(risky).as_py():
        return values
    return pc.if_else(risky, pc.binary_join_element_wise("'", values, ""), values)


def _arrow_text(values: pd.Series) -> pa.Array:
    """A text column as Arrow strings (nulls kept); categories decoded without a Python pass."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        names = pa.array(values.cat.categories.astype(str).to_numpy(dtype=object), type=pa.string())
        return pa.DictionaryArray.from_arrays(pa.array(codes, mask=codes < 0), names).dictionary_decode()
    return pa.array(values.astype("string").array).cast(pa.string())


def _arrow(table: pd.DataFrame) -> pa.Table:
    """The chunk's rows as Arrow: text as text (formula-like text quoted), numbers as float64."""
    cols = {}
    for name in table.columns:
        values = table[name]
        if isinstance(values.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(values) \
                or values.dtype == object:  # fmt: skip
            cols[name] = _text(_arrow_text(values))
        elif str(values.dtype) == "boolean":
            cols[name] = pa.array(values.array, type=pa.bool_())
        elif pd.api.types.is_integer_dtype(values):
            cols[name] = pa.array(values.to_numpy(), type=pa.int64())
        else:
            cols[name] = pa.array(values.to_numpy(dtype=float), type=pa.float64(), from_pandas=True)
    return pa.table(cols)


def _counts(rows: pd.DataFrame, techs, has_commune: bool) -> pd.DataFrame:
    """The chunk's tally per commune (``(all)`` without communes)."""
    key = (rows["commune_id"].astype(object).fillna(NO_COMMUNE).to_numpy(dtype=object)
           if has_commune else np.full(len(rows), ALL, dtype=object))  # fmt: skip
    population = rows.get("population", None)
    classes = {sfx: rows[col] for sfx, col in class_suffixes(techs).items()}
    counts = tally(key, classes, population)
    counts.index.name = "commune_id"
    return counts


def _finish_counts(totals, techs, *, population_known: bool, has_commune: bool) -> pd.DataFrame:
    order = ["villages"]
    for suffix in class_suffixes(techs):
        order += [f"villages_{cat}{suffix}" for cat in CATEGORIES]
        if population_known:
            order += [f"population_{cat}{suffix}" for cat in CATEGORIES]
    totals = totals[order]
    counts = [c for c in order if c.startswith("villages")]
    totals[counts] = totals[counts].astype(np.int64)
    if has_commune:
        ids = [i for i in totals.index if i != NO_COMMUNE]
        totals = totals.loc[sorted(ids) + ([NO_COMMUNE] if NO_COMMUNE in totals.index else [])]
    reconcile(totals, list(class_suffixes(techs)), name="streamed")
    return totals
