"""Geometry rules shared by every layer: CRS, points from columns, repairs."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ..crs import WGS84, parse_crs
from ..errors import InputError, Problem, Problems, RepairWarning
from ._read import RawLayer
from ._values import parse_coordinates, parse_numbers

#: Margin (degrees) around the communes' bounds inside which a point counts as
#: "in the region" when deciding whether its lon/lat were swapped.
REGION_MARGIN_DEG = 0.5


@dataclass(frozen=True)
class Repair:
    """A documented repair made to a layer (also raised as a RepairWarning).

    Attributes
    ----------
    layer : str
    kind : str
        ``"make_valid"``, ``"swapped_lonlat"``, ``"commune_by_location"``,
        ``"snapped_to_commune"``, ``"assumed_wgs84"``.
    rows : tuple of str
        The rows repaired.
    message : str
    """

    layer: str
    kind: str
    rows: tuple[str, ...]
    message: str

    @property
    def count(self) -> int:
        return len(self.rows)


@dataclass
class Repairs:
    """Repairs made while loading one layer."""

    layer: str
    items: list[Repair] = field(default_factory=list)

    def add(self, kind: str, rows, message: str) -> None:
        rows = tuple(str(r) for r in rows)
        if not rows:
            return
        shown = ", ".join(rows[:5]) + (f" and {len(rows) - 5} more" if len(rows) > 5 else "")
        text = f"{self.layer}: {message} ({len(rows)}: {shown})"
        warnings.warn(text, RepairWarning, stacklevel=4)
        self.items.append(Repair(self.layer, kind, rows, message))


def source_crs(raw: RawLayer, declared: str | None, problems: Problems,
               repairs: Repairs) -> CRS | None:  # fmt: skip
    """The CRS a vector file's coordinates are in.

    A declared CRS (``crs = ...`` in the project) wins over none; a file with
    no CRS whose coordinates look like degrees is taken as WGS 84 with a
    warning; one whose coordinates look projected is an error — guessing a
    zone would put every village kilometres off.
    """
    frame = raw.frame
    if frame.crs is not None:
        return CRS.from_user_input(frame.crs)
    if declared is not None:
        return parse_crs(declared, source=raw.source)
    bounds = frame.total_bounds
    if np.all(np.isfinite(bounds)) and bounds[0] >= -180 and bounds[2] <= 180 \
            and bounds[1] >= -90 and bounds[3] <= 90:  # fmt: skip
        repairs.add("assumed_wgs84", raw.rows, f"{raw.source}: the file has no CRS; its "
                    "coordinates look like degrees, so WGS 84 (EPSG:4326) is assumed")  # fmt: skip
        return WGS84
    problems.add(
        f"the file has no CRS and its coordinates look projected (x {bounds[0]:,.0f} to "
        f"{bounds[2]:,.0f}); add the .prj file or declare it in the project file, e.g. "
        '[layers.<layer>] crs = "EPSG:9210" (VN-2000 / TM-3 105°45\')'
    )
    return None


def to_wgs84(frame: gpd.GeoDataFrame, crs: CRS) -> gpd.GeoDataFrame:
    """Reproject to EPSG:4326 (pyproj picks the best datum transformation)."""
    frame = frame.set_crs(crs, allow_override=True)
    if crs.equals(WGS84):
        return frame
    return frame.to_crs(WGS84)


def points_from_columns(
    raw: RawLayer,
    lon_col: str,
    lat_col: str,
    *,
    crs: str | None,
    region: tuple[float, float, float, float] | None,
    problems: Problems,
    repairs: Repairs,
) -> tuple[gpd.GeoSeries, np.ndarray]:
    """Points from longitude/latitude (or x/y) columns.

    Blank coordinates give an empty point and ``located=False`` (the caller
    keeps the row with a status).  Unreadable or out-of-range values are
    problems.  A point outside the region whose swapped coordinates fall
    inside it is swapped back, with a warning.

    Returns
    -------
    points : GeoSeries in EPSG:4326
    located : ndarray of bool
    """
    frame = raw.frame
    declared = parse_crs(crs, source=raw.source) if crs is not None else None
    projected = declared is not None and declared.is_projected
    if projected:
        x, bad_x = parse_numbers(frame[lon_col])
        y, bad_y = parse_numbers(frame[lat_col])
    else:
        x, bad_x = parse_coordinates(frame[lon_col], axis="lon")
        y, bad_y = parse_coordinates(frame[lat_col], axis="lat")
    for bad, col, what in ((bad_x, lon_col, "longitude"), (bad_y, lat_col, "latitude")):
        for i in np.flatnonzero(bad):
            problems.add(f"expected a {what} (decimal degrees such as 105.25 or DMS such as "
                         f"21°23'15\"N), got {frame[col].iloc[i]!r}", row=raw.rows[i],
                         column=col)  # fmt: skip
    # A row with only one coordinate is a typing error, not an unlocated village.
    half = np.isnan(x) != np.isnan(y)
    half &= ~(bad_x | bad_y)
    for i in np.flatnonzero(half):
        missing = lat_col if np.isnan(y[i]) else lon_col
        problems.add("one coordinate is given and the other is blank", row=raw.rows[i],
                     column=missing)  # fmt: skip
    located = np.isfinite(x) & np.isfinite(y)
    if projected:
        pts = gpd.GeoSeries(shapely.points(np.where(located, x, np.nan), np.where(located, y, np.nan)),
                            crs=declared)  # fmt: skip
        pts = pts.to_crs(WGS84)
        return pts.where(located, shapely.Point()), located
    if region is not None:
        minx, miny, maxx, maxy = region
        m = REGION_MARGIN_DEG

        def inside(lon, lat):
            return (lon >= minx - m) & (lon <= maxx + m) & (lat >= miny - m) & (lat <= maxy + m)

        swap = located & ~inside(x, y) & inside(y, x)
        if swap.any():
            x, y = np.where(swap, y, x), np.where(swap, x, y)
            repairs.add("swapped_lonlat", raw.rows[swap],
                        f"longitude and latitude were swapped in {lon_col!r}/{lat_col!r} (the "
                        "point lies in the region only once swapped); swapped back")  # fmt: skip
    out_lon = located & ((x < -180) | (x > 180))
    out_lat = located & ((y < -90) | (y > 90))
    for mask, col, what, lim, vals in ((out_lon, lon_col, "longitude", 180, x),
                                       (out_lat, lat_col, "latitude", 90, y)):  # fmt: skip
        for i in np.flatnonzero(mask):
            problems.add(f"expected a {what} between -{lim} and {lim}, got {vals[i]:g}; if these "
                         "are projected metres, declare the CRS: [layers.<layer>] crs = "
                         '"EPSG:..."', row=raw.rows[i], column=col)  # fmt: skip
    located &= ~(out_lon | out_lat)
    xs = np.where(located, x, np.nan)
    ys = np.where(located, y, np.nan)
    geoms = shapely.points(xs, ys)
    geoms[~located] = shapely.Point()
    return gpd.GeoSeries(geoms, crs=WGS84), located


def fix_polygons(frame: gpd.GeoDataFrame, rows: np.ndarray, repairs: Repairs,
                 problems: Problems) -> gpd.GeoSeries:  # fmt: skip
    """Check polygons; repair invalid rings with ``make_valid`` keeping polygonal parts."""
    geom = frame.geometry.copy()
    missing = geom.isna().to_numpy() | geom.is_empty.to_numpy()
    for i in np.flatnonzero(missing):
        problems.add("the feature has no geometry; a commune needs its polygon", row=rows[i])
    kinds = geom.geom_type.to_numpy()
    wrong = ~missing & ~np.isin(kinds, ["Polygon", "MultiPolygon"])
    for i in np.flatnonzero(wrong):
        problems.add(f"expected a polygon, got a {kinds[i]}", row=rows[i])
    invalid = ~missing & ~wrong & ~geom.is_valid.to_numpy()
    if invalid.any():
        reasons = shapely.is_valid_reason(geom.to_numpy()[invalid])
        fixed = shapely.make_valid(geom.to_numpy()[invalid], method="structure", keep_collapsed=False)
        # make_valid may return a collection with stray lines; keep the area.
        polys = []
        for g in fixed:
            parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
            polys.append(shapely.union_all(parts) if parts else shapely.Polygon())
        geom.iloc[np.flatnonzero(invalid)] = polys
        repairs.add("make_valid", rows[invalid],
                    f"invalid polygons repaired with make_valid ({reasons[0]})")  # fmt: skip
        empty = np.zeros(len(geom), dtype=bool)
        empty[np.flatnonzero(invalid)] = shapely.is_empty(np.asarray(polys, dtype=object))
        for i in np.flatnonzero(empty):
            problems.add("the polygon collapses to nothing when repaired", row=rows[i])
    return geom


def check_unique(values: pd.Series, raw: RawLayer, column: str, problems: Problems,
                 what: str) -> None:  # fmt: skip
    """Record blank and duplicated ids, naming the rows."""
    text = values.astype("string").str.strip()
    blank = text.isna() | (text == "")
    for i in np.flatnonzero(blank.to_numpy()):
        problems.add(f"the {what} is blank; every row needs one", row=raw.rows[i], column=column)
    dup = text.duplicated(keep=False) & ~blank
    if dup.any():
        for value, idx in text[dup].groupby(text[dup]).groups.items():
            positions = [raw.rows[text.index.get_loc(j)] for j in idx]
            problems.add(f"{what} {value!r} is not unique: it appears in "
                         f"{', '.join(positions[:6])}", row=positions[-1], column=column)  # fmt: skip


def clean_ids(values: pd.Series) -> pd.Series:
    """Ids as stripped strings; numbers typed as 12.0 become "12"."""
    def one(v):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v).strip()

    return pd.Series([one(v) for v in values], index=values.index, dtype="string")


def require_crs_in_region(frame: gpd.GeoDataFrame, rows: np.ndarray, source: str) -> None:
    """Guard against a wrong CRS: reprojected coordinates must be real lon/lat."""
    bounds = frame.geometry.bounds
    bad = (bounds["minx"] < -180) | (bounds["maxx"] > 180) | (bounds["miny"] < -90) | (bounds["maxy"] > 90)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(Problem(source, "coordinates fall outside the globe once reprojected; "
                                 "is the file's CRS right?", row=rows[i]))  # fmt: skip
