"""Networks a site connects to: fiber routes or nodes, power lines, roads.

One reader serves the three: each is lines (or, for fiber and grid, points:
access nodes, substations) in any GDAL format or a CSV/XLSX of points.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ..crs import WGS84
from ..project import LayerSource
from ._base import as_source, finish, geometry_of, prepare

__all__ = ["read_fiber", "read_grid", "read_roads"]

COLUMNS = ("reach_km", "lon", "lat")
_LINES = ("LineString", "MultiLineString")
_POINTS = ("Point", "MultiPoint")


def _read_network(source, role: str, *, points: str | None, line: str, wanted=("lon", "lat"),
                  columns=None, sheet=None, layer=None, crs=None):  # fmt: skip
    source = as_source(source, role, columns=columns, sheet=sheet, layer=layer, crs=crs)
    prep = prepare(source, wanted=wanted, required=())
    raw = prep.raw
    prep.problems.raise_if_any()
    reach = prep.numbers("reach_km", low=0, high=100, what="a reach in km") if "reach_km" in wanted else None
    geo, located = geometry_of(prep, source, region=None)
    kinds = geo.geom_type.to_numpy()
    allowed = np.isin(kinds, _LINES + (_POINTS if points else ()))
    expected = f"a line ({line}) or a point ({points})" if points else f"a line ({line})"
    for i in np.flatnonzero(located & ~allowed):
        prep.problems.add(f"expected {expected}, got a {kinds[i]}", row=raw.rows[i])
    for i in np.flatnonzero(~located):
        prep.problems.add("the feature has no geometry", row=raw.rows[i])
    prep.problems.raise_if_any()
    data = {"source_row": pd.Series(raw.rows, dtype="string")}
    if reach is not None:
        data = {"reach_km": reach, **data}
    out = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geo.to_numpy(), crs=WGS84), crs=WGS84)
    return finish(out, prep)


def read_fiber(
    source: str | Path | LayerSource,
    *,
    columns: Mapping[str, str] | None = None,
    sheet: str | int | None = None,
    layer: str | None = None,
    crs: str | None = None,
) -> gpd.GeoDataFrame:
    """Read fiber routes (lines) or access nodes (points).

    Parameters
    ----------
    source : str, Path or LayerSource
        Lines or points in a GDAL format, or a CSV/XLSX of nodes with lon/lat.
    columns, sheet, layer, crs
        See :func:`read_communes`.

    Returns
    -------
    GeoDataFrame
        ``reach_km`` (NaN: use the project's ``[broadband] reach_km``) and
        ``source_row``; EPSG:4326.
    """
    return _read_network(source, "fiber", points="node", line="route", wanted=COLUMNS,
                         columns=columns, sheet=sheet, layer=layer, crs=crs)  # fmt: skip


def read_grid(
    source: str | Path | LayerSource,
    *,
    columns: Mapping[str, str] | None = None,
    sheet: str | int | None = None,
    layer: str | None = None,
    crs: str | None = None,
) -> gpd.GeoDataFrame:
    """Read the power grid: medium-voltage lines, or substations as points.

    A candidate site within ``[costs] grid_max_km`` of it takes grid power
    (:func:`whitezone.siting.site_costs`).

    Returns
    -------
    GeoDataFrame
        ``source_row``; EPSG:4326.
    """
    return _read_network(source, "grid", points="substation", line="power line",
                         columns=columns, sheet=sheet, layer=layer, crs=crs)  # fmt: skip


def read_roads(
    source: str | Path | LayerSource,
    *,
    columns: Mapping[str, str] | None = None,
    sheet: str | int | None = None,
    layer: str | None = None,
    crs: str | None = None,
) -> gpd.GeoDataFrame:
    """Read roads (lines): fiber extensions are measured along them.

    Returns
    -------
    GeoDataFrame
        ``source_row``; EPSG:4326.
    """
    return _read_network(source, "roads", points=None, line="road", columns=columns,
                         sheet=sheet, layer=layer, crs=crs)  # fmt: skip
