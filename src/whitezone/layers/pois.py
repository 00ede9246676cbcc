"""Points of interest: schools, health stations, commune offices, any kind."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ..crs import WGS84
from ..project import LayerSource
from ._base import as_source, finish, geometry_of, prepare
from ._geometry import check_unique, clean_ids
from ._values import parse_booleans
from .communes import region_of

COLUMNS = ("poi_id", "kind", "name", "commune_id", "fixed_broadband", "lon", "lat")
REQUIRED = ("poi_id", "kind")


def read_pois(
    source: str | Path | LayerSource,
    *,
    communes: gpd.GeoDataFrame | None = None,
    columns: Mapping[str, str] | None = None,
    sheet: str | int | None = None,
    layer: str | None = None,
    crs: str | None = None,
) -> gpd.GeoDataFrame:
    """Read and validate points of interest.

    Parameters
    ----------
    source : str, Path or LayerSource
    communes : GeoDataFrame, optional
        Used to detect swapped lon/lat.
    columns, sheet, layer, crs
        See :func:`read_communes`.

    Returns
    -------
    GeoDataFrame
        ``poi_id``, ``kind`` (as written, lower case), ``name``,
        ``commune_id``, ``fixed_broadband`` (True/False/<NA> when unknown),
        ``source_row``; EPSG:4326 points.
    """
    source = as_source(source, "pois", columns=columns, sheet=sheet, layer=layer, crs=crs)
    prep = prepare(source, wanted=COLUMNS, required=REQUIRED)
    raw = prep.raw
    prep.problems.raise_if_any()
    ids = clean_ids(raw.frame[prep.found["poi_id"]]).reset_index(drop=True)
    check_unique(ids, raw, prep.found["poi_id"], prep.problems, "poi_id")
    kind = prep.text("kind").str.lower()
    for i in np.flatnonzero(kind.isna().to_numpy()):
        prep.problems.add("the kind is blank; expected e.g. school, health station",
                          row=raw.rows[i], column=prep.found["kind"])  # fmt: skip
    broadband = pd.array([pd.NA] * len(ids), dtype="boolean")
    if "fixed_broadband" in prep.found:
        values, bad = parse_booleans(prep.column("fixed_broadband").reset_index(drop=True))
        for i in np.flatnonzero(bad):
            prep.problems.add(f"expected yes or no, got {prep.column('fixed_broadband').iloc[i]!r}",
                              row=raw.rows[i], column=prep.found["fixed_broadband"])  # fmt: skip
        broadband = pd.array(values, dtype="boolean")
    region = region_of(communes) if communes is not None else None
    geo, located = geometry_of(prep, source, region=region)
    prep.require_located(located, "the point of interest has no coordinates")
    prep.problems.raise_if_any()
    out = gpd.GeoDataFrame(
        {
            "poi_id": ids,
            "kind": kind,
            "name": prep.text("name"),
            "commune_id": prep.text("commune_id"),
            "fixed_broadband": broadband,
            "source_row": pd.Series(raw.rows, dtype="string"),
        },
        geometry=gpd.GeoSeries(geo.to_numpy(), crs=WGS84),
        crs=WGS84,
    )
    return finish(out, prep)
