"""Communes (xã, phường, thị trấn): the polygons everything is counted in."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..crs import WGS84, equal_area_crs
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
    _report_overlaps(geometry, ids, raw.rows, prep)
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


#: Overlaps smaller than this (km²) are digitising slivers, not worth a note.
MIN_OVERLAP_KM2 = 0.01


def _report_overlaps(geometry: gpd.GeoSeries, ids: pd.Series, rows: np.ndarray, prep) -> None:
    """Note communes whose polygons overlap (after any repair), with the area they share.

    Villages are counted in the first commune that holds them, so an overlap
    moves villages silently unless it is reported; a self-intersecting
    "bowtie" fixed by ``make_valid`` can cover its neighbours.
    """
    located = ~(geometry.isna() | geometry.is_empty).to_numpy()
    if located.sum() < 2:
        return
    polys = np.asarray(geometry.to_crs(equal_area_crs([gpd.GeoDataFrame(geometry=geometry)])).array)
    index = np.flatnonzero(located)
    tree = shapely.STRtree(polys[index])
    pairs = np.concatenate([tree.query(polys[index], predicate=p) for p in ("overlaps", "contains")],
                           axis=1)  # fmt: skip
    if pairs.size == 0:
        return
    pairs = np.unique(np.sort(pairs, axis=0), axis=1)  # each pair once, either way round
    pairs = pairs[:, pairs[0] < pairs[1]]
    if pairs.size == 0:
        return
    a, b = index[pairs[0]], index[pairs[1]]
    area = shapely.area(shapely.intersection(polys[a], polys[b])) / 1e6
    big = area >= MIN_OVERLAP_KM2
    if not big.any():
        return
    a, b, area = a[big], b[big], area[big]
    order = np.argsort(-area)
    shown = "; ".join(f"{ids.iloc[i]} and {ids.iloc[j]} by {x:,.2f} km²"
                      for i, j, x in zip(a[order][:10], b[order][:10], area[order][:10], strict=True))  # fmt: skip
    more = f" and {len(a) - 10} more pairs" if len(a) > 10 else ""
    involved = np.unique(np.concatenate([a, b]))
    prep.repairs.add("commune_overlap", rows[involved],
                     f"{len(a)} pair(s) of communes overlap: {shown}{more}; villages in an overlap "
                     "count in the first of them (file order)")  # fmt: skip


def region_of(communes: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """Bounds (lon/lat) of the communes: the region other layers must fall in."""
    minx, miny, maxx, maxy = communes.total_bounds
    return float(minx), float(miny), float(maxx), float(maxy)
