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
gives on the whole file at once.  The radius model's k-d trees are built
once for the file (:meth:`~whitezone.models.RadiusModel.prepare`) and every
chunk is searched against all sites.  Other models get, per chunk, the
sites within their own reach of the chunk's bounding box (as the Dask engine
does): the best server depends only on those, and ties are settled by the
sites' relative order, which the selection keeps.

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

from .classify import classify_points, project_xy, technologies_of
from .crs import WGS84, metric_crs
from .errors import InputError, Problem, Problems
from .indicators import NO_COMMUNE
from .layers._columns import match_columns
from .layers._read import PARQUET_SUFFIXES, _delimiter
from .models import CoverageModel, ModelWrapper, RadiusModel
from .models.radius import RadiusIndex
from .outputs import FORMULA_START, atomic_path
from .technology import CLASSES

__all__ = ["CHUNK_ROWS", "classify_file", "iter_point_chunks"]

logger = logging.getLogger(__name__)

#: Default rows per chunk: about 300 MB of working memory for the radius model.
CHUNK_ROWS = 1_000_000

_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_COMPRESSION = {".gz", ".bz2", ".xz", ".zip", ".zst"}
_CATS = (*CLASSES, "unclassified")
UNLOCATED = "unlocated"
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
    # The sites are filtered and projected once, not once per chunk; technology
    # and status as categoricals so classify_points' own filters cost nothing.
    active = sites[(sites["status"] == "active") & sites["technology"].isin(techs)]
    active = active.reset_index(drop=True).to_crs(crs)
    active = active.assign(technology=pd.Categorical(active["technology"], categories=techs),
                           status=pd.Categorical(active["status"]))  # fmt: skip
    if type(model) is RadiusModel:
        # Its k-d trees built once for the file (every chunk sees every site).
        tech_code = active["technology"].cat.codes.to_numpy().astype(np.int64)
        chunk_model = _PreparedRadius(model, model.prepare(active, tech_code, len(techs)), tech_code)
        near = None
    else:
        # Other models search per chunk: give them the sites that can reach it.
        reach = np.asarray(model.reach_km(active), dtype=float) if len(active) else np.empty(0)
        reach_m = np.where(np.isnan(reach), np.inf, np.maximum(reach, 0.0)) * 1000.0
        values = np.asarray(active.geometry.array)
        near = (shapely.get_x(values), shapely.get_y(values), reach_m)
        chunk_model = model

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
    with_signal = model.kind != "radius"

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
            chunk_sites = active if near is None else _near(active, *near, geoms, crs)
            classes = classify_points(geoms, chunk_sites, model=chunk_model, crs=crs,
                                      technologies=techs)  # fmt: skip
            commune = _commune_ids(chunk, commune_col, commune_of, communes) if has_commune else None
            population = (pd.to_numeric(chunk[pop_col], errors="coerce").to_numpy(dtype=float)
                          if pop_col else None)  # fmt: skip
            table = _village_rows(chunk, classes, techs, id_col, commune, population, with_signal)
            if writer is None:
                import pyarrow.csv as pacsv

                schema = table.schema
                writer = pacsv.CSVWriter(sink, schema)
            writer.write_table(table.cast(schema))
            part = _counts(classes, techs, commune, population)
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
class _PreparedRadius(ModelWrapper):
    """A radius model whose k-d trees were built once for the file's sites.

    :func:`~whitezone.classify.classify_points` hands every chunk's targets
    to :meth:`best` with the same (already filtered and projected) sites;
    the prepared index answers as :meth:`RadiusModel.best` would.  Any other
    sites go to the model itself.
    """

    model: RadiusModel
    index: RadiusIndex
    tech_code: np.ndarray

    def best(self, targets: np.ndarray, sites: gpd.GeoDataFrame, tech_code: np.ndarray,
             n_tech: int) -> dict[str, np.ndarray]:  # fmt: skip
        same = (len(sites) == self.index.n_sites and n_tech == len(self.index.groups)
                and np.array_equal(tech_code, self.tech_code))  # fmt: skip
        if same:
            return self.index.best(targets)
        return self.model.best(targets, sites, tech_code, n_tech)


def _as_points(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """Polygons replaced by a point inside them, as the village reader does."""
    kinds = shapely.get_type_id(np.asarray(geoms.array))
    polygonal = (kinds == 3) | (kinds == 6)
    if not polygonal.any():
        return geoms
    values = np.asarray(geoms.array).copy()
    values[polygonal] = shapely.point_on_surface(values[polygonal])
    return gpd.GeoSeries(values, index=geoms.index, crs=geoms.crs)


def _near(active: gpd.GeoDataFrame, sx, sy, reach_m, geoms: gpd.GeoSeries, crs) -> gpd.GeoDataFrame:
    """The sites that can reach a point of the chunk's bounding box (their relative order kept)."""
    values = np.asarray(geoms.array)
    located = ~(shapely.is_missing(values) | shapely.is_empty(values))
    if not located.any() or len(active) == 0:
        return active.iloc[:0]
    xy = project_xy(values[located], geoms.crs, crs)
    ok = np.isfinite(xy).all(axis=1)
    if not ok.all():  # a point the projection cannot place: let every site be considered
        return active
    x0, y0 = xy.min(axis=0)
    x1, y1 = xy.max(axis=0)
    near = (sx >= x0 - reach_m) & (sx <= x1 + reach_m) & (sy >= y0 - reach_m) & (sy <= y1 + reach_m)
    return active if near.all() else active[near]


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


_CLASS_TEXT = pa.array([*CLASSES, UNLOCATED], type=pa.string())


def _class_text(classes: pd.Series) -> pa.Array:
    """Class names as text, ``unlocated`` where the village has no location."""
    codes = classes.cat.codes.to_numpy()
    codes = np.where(codes < 0, len(CLASSES), codes).astype(np.int8)
    return pa.DictionaryArray.from_arrays(pa.array(codes), _CLASS_TEXT).dictionary_decode()


def _text(values: pd.Series) -> pa.Array:
    """A column as Arrow text (nulls kept), formula-like text quoted as :func:`write_csv` does."""
    text = pa.array(values.astype("string").array).cast(pa.string())
    risky = pc.match_substring_regex(text, FORMULA_START)
    if not pc.any(risky).as_py():
        return text
    return pc.if_else(risky, pc.binary_join_element_wise("'", text, ""), text)


def _village_rows(chunk, classes, techs, id_col, commune, population, with_signal) -> pa.Table:
    cols: dict[str, pa.Array] = {}
    if id_col is not None:
        cols["village_id"] = _text(chunk[id_col])
    else:
        cols["row"] = pa.array(chunk.index.to_numpy(dtype=np.int64))
    if commune is not None:
        cols["commune_id"] = _text(commune)
    if population is not None:
        cols["population"] = pa.array(population, type=pa.float64(), from_pandas=True)
    cols["class_any"] = _class_text(classes["class_any"])
    for tech in techs:
        cols[f"class_{tech.lower()}"] = _class_text(classes[f"class_{tech.lower()}"])
    for tech in techs:
        t = tech.lower()
        cols[f"site_{t}"] = _text(classes[f"site_{t}"])
        cols[f"distance_km_{t}"] = pa.array(classes[f"distance_km_{t}"].round(3).to_numpy(),
                                            type=pa.float64(), from_pandas=True)  # fmt: skip
        if with_signal:
            cols[f"signal_dbm_{t}"] = pa.array(classes[f"signal_dbm_{t}"].round(1).to_numpy(),
                                               type=pa.float64(), from_pandas=True)  # fmt: skip
        if f"line_of_sight_{t}" in classes:  # terrain model
            cols[f"line_of_sight_{t}"] = pa.array(classes[f"line_of_sight_{t}"].array, type=pa.bool_())
    return pa.table(cols)


def _class_codes(classes: pd.Series) -> np.ndarray:
    """0 none, 1 weak, 2 good, 3 unclassified (no location)."""
    codes = classes.cat.codes.to_numpy().astype(np.int64)
    return np.where(codes < 0, len(CLASSES), codes)


def _counts(classes, techs, commune, population) -> pd.DataFrame:
    if commune is None:
        key = np.full(len(classes), ALL, dtype=object)
    else:
        key = commune.fillna(NO_COMMUNE).to_numpy(dtype=object)
    code, uniques = pd.factorize(key)
    n = len(uniques)
    out = {"villages": np.bincount(code, minlength=n)}
    for suffix, col in [("", "class_any")] + [(f"_{t.lower()}", f"class_{t.lower()}") for t in techs]:
        cls = _class_codes(classes[col])
        cell = code * len(_CATS) + cls
        counts = np.bincount(cell, minlength=n * len(_CATS)).reshape(n, len(_CATS))
        for i, cat in enumerate(_CATS):
            out[f"villages_{cat}{suffix}"] = counts[:, i]
        if population is not None:
            people = np.bincount(cell, weights=np.nan_to_num(population), minlength=n * len(_CATS))
            people = people.reshape(n, len(_CATS))
            for i, cat in enumerate(_CATS):
                out[f"population_{cat}{suffix}"] = people[:, i]
    return pd.DataFrame(out, index=pd.Index(np.asarray(uniques, dtype=object), name="commune_id"))


def _finish_counts(totals, techs, *, population_known: bool, has_commune: bool) -> pd.DataFrame:
    order = ["villages"]
    for suffix in [""] + [f"_{t.lower()}" for t in techs]:
        order += [f"villages_{cat}{suffix}" for cat in _CATS]
        if population_known:
            order += [f"population_{cat}{suffix}" for cat in _CATS]
    totals = totals[order]
    counts = [c for c in order if c.startswith("villages")]
    totals[counts] = totals[counts].astype(np.int64)
    if has_commune:
        ids = [i for i in totals.index if i != NO_COMMUNE]
        totals = totals.loc[sorted(ids) + ([NO_COMMUNE] if NO_COMMUNE in totals.index else [])]
    for suffix in [""] + [f"_{t.lower()}" for t in techs]:
        parts = totals[[f"villages_{cat}{suffix}" for cat in _CATS]].sum(axis=1)
        if not (parts == totals["villages"]).all():  # a bug, never the data
            raise RuntimeError(f"streamed counts do not reconcile for class{suffix or '_any'}")
    return totals

