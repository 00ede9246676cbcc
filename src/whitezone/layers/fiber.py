"""Fiber routes or access nodes: where fixed broadband can reach."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ..crs import WGS84
from ..project import LayerSource
from ._base import as_source, finish, geometry_of, prepare

COLUMNS = ("reach_km", "lon", "lat")


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
    source = as_source(source, "fiber", columns=columns, sheet=sheet, layer=layer, crs=crs)
    prep = prepare(source, wanted=COLUMNS, required=())
    raw = prep.raw
    prep.problems.raise_if_any()
    reach = prep.numbers("reach_km", low=0, high=100, what="a reach in km")
    geo, located = geometry_of(prep, source, region=None)
    kinds = geo.geom_type.to_numpy()
    allowed = np.isin(kinds, ["LineString", "MultiLineString", "Point", "MultiPoint"])
    for i in np.flatnonzero(located & ~allowed):
        prep.problems.add(f"expected a line (route) or a point (node), got a {kinds[i]}",
                          row=raw.rows[i])  # fmt: skip
    for i in np.flatnonzero(~located):
        prep.problems.add("the feature has no geometry", row=raw.rows[i])
    prep.problems.raise_if_any()
    out = gpd.GeoDataFrame(
        {"reach_km": reach, "source_row": pd.Series(raw.rows, dtype="string")},
        geometry=gpd.GeoSeries(geo.to_numpy(), crs=WGS84),
        crs=WGS84,
    )
    return finish(out, prep)
