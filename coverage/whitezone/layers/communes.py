"""Communes (xã, phường, thị trấn): the polygons everything is counted in."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..crs import WGS84
from ..errors import InputError, Problem
from ..project import LayerSource
from ._base import as_source, finish, geometry_of, prepare
from ._geometry import check_unique, clean_ids, fix_polygons, require_crs_in_region
from ._values import parse_coordinates

COLUMNS = ("commune_id", "commune", "district", "province", "population", "center_lon", "center_lat")
REQUIRED = ("commune_id", "commune")


def read_communes(
    source: str | Path | LayerSource,
    *,
    columns: Mapping[str, str] | None = None,
    layer: str | None = None,
    crs: str | None = None,
) -> gpd.GeoDataFrame:
    """Read and validate the commune polygons.

    Parameters
    ----------
    source : str, Path or LayerSource
        A polygon layer in any format GDAL reads, or GeoParquet.
    columns : mapping, optional
        Canonical name -> column in the file, for names the aliases miss.
    layer : str, optional
        Layer inside a multi-layer file.
    crs : str, optional
        CRS of a file that carries none (e.g. a shapefile without .prj).

    Returns
    -------
    GeoDataFrame
        In EPSG:4326 with ``commune_id``, ``commune``, ``district``,
        ``province``, ``population``, ``center_lon``, ``center_lat`` (the
        commune centre: given, else a point inside the polygon) and
        ``source_row``.  Repairs are listed in ``attrs["repairs"]``.

    Raises
    ------
    InputError
        Listing every problem: missing columns, blank or duplicated ids,
        missing or non-polygon geometries, bad numbers.
    """
    source = as_source(source, "communes", columns=columns, layer=layer, crs=crs)
    prep = prepare(source, wanted=COLUMNS, required=REQUIRED)
    raw = prep.raw
    if not raw.is_vector:
        raise InputError(Problem(raw.source, "communes must be a polygon layer (GeoPackage, "
                                 "Shapefile, GeoJSON, GeoParquet...), not a table"))  # fmt: skip
    prep.problems.raise_if_any()
    ids = clean_ids(raw.frame[prep.found["commune_id"]]).reset_index(drop=True)
    check_unique(ids, raw, prep.found["commune_id"], prep.problems, "commune_id")
    names = prep.text("commune")
    for i in np.flatnonzero(names.isna().to_numpy()):
        prep.problems.add("the commune name is blank", row=raw.rows[i], column=prep.found["commune"])
    population = prep.numbers("population", low=0, integer=True, what="a population")
    geo, _ = geometry_of(prep, source, region=None)
    prep.problems.raise_if_any()
    frame = gpd.GeoDataFrame({"geometry": geo}, geometry="geometry", crs=WGS84)
    geometry = fix_polygons(frame, raw.rows, prep.repairs, prep.problems)
    clon = clat = None
    if "center_lon" in prep.found and "center_lat" in prep.found:
        clon, bad_lon = parse_coordinates(prep.column("center_lon"), axis="lon")
        clat, bad_lat = parse_coordinates(prep.column("center_lat"), axis="lat")
        for bad, name in ((bad_lon, "center_lon"), (bad_lat, "center_lat")):
            for i in np.flatnonzero(bad):
                prep.problems.add("expected the commune centre's coordinate in degrees",
                                  row=raw.rows[i], column=prep.found[name])  # fmt: skip
    prep.problems.raise_if_any()
    require_crs_in_region(frame.set_geometry(geometry), raw.rows, raw.source)
    inner = shapely.point_on_surface(geometry.to_numpy())
    if clon is None:
        clon, clat = shapely.get_x(inner), shapely.get_y(inner)
    else:
        given = np.isfinite(clon) & np.isfinite(clat)
        clon = np.where(given, clon, shapely.get_x(inner))
        clat = np.where(given, clat, shapely.get_y(inner))
    out = gpd.GeoDataFrame(
        {
            "commune_id": ids,
            "commune": names,
            "district": prep.text("district"),
            "province": prep.text("province"),
            "population": population,
            "center_lon": clon,
            "center_lat": clat,
            "source_row": pd.Series(raw.rows, dtype="string"),
        },
        geometry=geometry.reset_index(drop=True),
        crs=WGS84,
    )
    return finish(out, prep)


def region_of(communes: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """Bounds (lon/lat) of the communes: the region other layers must fall in."""
    minx, miny, maxx, maxy = communes.total_bounds
    return float(minx), float(miny), float(maxx), float(maxy)
