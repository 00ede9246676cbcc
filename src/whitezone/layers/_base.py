"""What every layer reader does first: read the file, match the columns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import Problems
from ..postgis import is_database, parse_url
from ..project import LayerSource
from ._columns import match_columns
from ._geometry import Repairs, points_from_columns, source_crs, to_wgs84
from ._read import RawLayer, read_raw
from ._values import parse_numbers


def as_source(
    source: str | Path | LayerSource,  # or a database URL
    role: str,
    *,
    columns: Mapping[str, str] | None = None,
    sheet: str | int | None = None,
    layer: str | None = None,
    crs: str | None = None,
) -> LayerSource:
    """A LayerSource from a path and options (what notebook users pass)."""
    if isinstance(source, LayerSource):
        return source
    # A database URL stays a URL: Path() would fold its "//".
    path = parse_url(source) if is_database(source) else Path(source)
    return LayerSource(name=role, path=path, columns=dict(columns or {}), sheet=sheet,
                       layer=layer, crs=crs)  # fmt: skip


@dataclass
class Prepared:
    """A file read and its columns matched, with its problems and repairs so far."""

    raw: RawLayer
    found: dict[str, str]
    problems: Problems
    repairs: Repairs
    crs_name: str = ""

    def column(self, name: str) -> pd.Series | None:
        col = self.found.get(name)
        return None if col is None else self.raw.frame[col]

    def numbers(self, name: str, *, low: float | None = None, high: float | None = None,
                integer: bool = False, what: str = "a number") -> np.ndarray:  # fmt: skip
        """Parse an optional numeric column, recording bad and out-of-range cells."""
        series = self.column(name)
        n = len(self.raw.frame)
        if series is None:
            return np.full(n, np.nan)
        values, bad = parse_numbers(series, integer=integer)
        col = self.found[name]
        for i in np.flatnonzero(bad):
            self.problems.add(f"expected {what}, got {series.iloc[i]!r}", row=self.raw.rows[i],
                              column=col)  # fmt: skip
        with np.errstate(invalid="ignore"):
            out = np.zeros(n, dtype=bool)
            if low is not None:
                out |= values < low
            if high is not None:
                out |= values > high
        for i in np.flatnonzero(out):
            bounds = f"between {low:g} and {high:g}" if low is not None and high is not None \
                else f"at least {low:g}" if low is not None else f"at most {high:g}"  # fmt: skip
            self.problems.add(f"expected {what} {bounds}, got {values[i]:g}",
                              row=self.raw.rows[i], column=col)  # fmt: skip
        values = values.copy()
        values[out] = np.nan
        return values

    def require_located(self, located: np.ndarray, message: str) -> None:
        """A problem for each unlocated row not already reported for a bad coordinate."""
        coords = {self.found.get("lon"), self.found.get("lat")} - {None}
        flagged = {p.row for p in self.problems.items if p.column in coords}
        for i in np.flatnonzero(~located):
            if self.raw.rows[i] not in flagged:
                self.problems.add(message, row=self.raw.rows[i])

    def text(self, name: str) -> pd.Series:
        """An optional text column as stripped strings (<NA> where blank or absent)."""
        series = self.column(name)
        n = len(self.raw.frame)
        if series is None:
            return pd.Series(pd.NA, index=range(n), dtype="string")
        out = series.astype("string").str.strip()
        return out.mask(out == "").reset_index(drop=True)


def prepare(source: LayerSource, *, wanted: tuple[str, ...], required: tuple[str, ...]) -> Prepared:
    """Read a layer's file and match its columns (problems are collected, not raised)."""
    raw = read_raw(source.path, role=source.name, wanted=wanted, sheet=source.sheet,
                   layer=source.layer)  # fmt: skip
    problems = Problems(raw.source)
    need = tuple(required)
    if not raw.is_vector:
        need += ("lon", "lat")
    found = match_columns(raw.frame.columns, wanted, required=need, explicit=source.columns,
                          problems=problems)  # fmt: skip
    repairs = Repairs(source.name)
    for kind, message in raw.notes:
        repairs.add(kind, raw.rows, f"{raw.source}: {message}")
    return Prepared(raw, found, problems, repairs)


def geometry_of(
    prep: Prepared,
    source: LayerSource,
    *,
    region: tuple[float, float, float, float] | None,
) -> tuple[gpd.GeoSeries, np.ndarray]:
    """The layer's geometries in EPSG:4326 and which rows are located.

    Vector files are reprojected; tables get points from their lon/lat columns.
    """
    raw = prep.raw
    if raw.is_vector:
        crs = source_crs(raw, source.crs, prep.problems, prep.repairs)
        if crs is None:
            n = len(raw.frame)
            return gpd.GeoSeries([None] * n, crs="EPSG:4326"), np.zeros(n, dtype=bool)
        prep.crs_name = f"{crs.to_string()} ({crs.name})"
        geo = to_wgs84(raw.frame, crs).geometry.reset_index(drop=True)
        located = ~(geo.isna() | geo.is_empty).to_numpy()
        return geo, located
    prep.crs_name = "longitude/latitude in degrees" if source.crs is None else str(source.crs)
    if "lon" not in prep.found or "lat" not in prep.found:
        n = len(raw.frame)
        return gpd.GeoSeries([None] * n, crs="EPSG:4326"), np.zeros(n, dtype=bool)
    return points_from_columns(raw, prep.found["lon"], prep.found["lat"], crs=source.crs,
                               region=region, problems=prep.problems, repairs=prep.repairs)  # fmt: skip


def finish(frame: gpd.GeoDataFrame, prep: Prepared) -> gpd.GeoDataFrame:
    """Attach the repairs to the frame (``attrs["repairs"]``) and return it."""
    frame.attrs["repairs"] = list(prep.repairs.items)
    frame.attrs["source"] = prep.raw.source
    frame.attrs["source_crs"] = prep.crs_name
    return frame
