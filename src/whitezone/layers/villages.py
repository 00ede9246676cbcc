"""Villages (thôn, bản, tổ dân phố): the unit every indicator counts.

No village is ever dropped.  A village without coordinates stays with
``status = "unlocated"``; one whose ``commune_id`` is blank or unknown is
placed in the commune containing it (a warned repair); one outside every
commune is placed in the nearest commune within ``snap_km`` (warned), or
kept with no commune.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..crs import WGS84, metric_crs
from ..project import LayerSource
from ._base import as_source, finish, geometry_of, prepare
from ._geometry import check_unique, clean_ids
from ._values import parse_booleans
from .communes import region_of

COLUMNS = ("village_id", "village", "commune_id", "population", "households", "fixed_broadband",
           "lon", "lat")  # fmt: skip
REQUIRED = ("village_id",)

#: Village statuses other than "ok"; such villages get no signal class.
UNLOCATED = "unlocated"


def assign_communes(
    points: gpd.GeoSeries,
    communes: gpd.GeoDataFrame,
    *,
    snap_km: float,
    crs=None,
) -> tuple[pd.Series, np.ndarray]:
    """The commune containing each point, or the nearest one within ``snap_km``.

    Parameters
    ----------
    points : GeoSeries
        Points in EPSG:4326 (empty points get no commune).
    communes : GeoDataFrame
        From :func:`read_communes`.
    snap_km : float
        Largest distance to the nearest commune for a point outside all.
    crs : optional
        Metric CRS for the snapping distance; default the UTM zone.

    Returns
    -------
    commune_id : Series of string (<NA> where none)
    snapped : ndarray of bool
        Points placed by distance rather than containment.
    """
    n = len(points)
    result = pd.Series(pd.NA, index=range(n), dtype="string")
    snapped = np.zeros(n, dtype=bool)
    located = ~(points.isna() | points.is_empty).to_numpy()
    if not located.any():
        return result, snapped
    pts = gpd.GeoSeries(points.to_numpy()[located], crs=WGS84)
    tree = shapely.STRtree(communes.geometry.to_numpy())
    # A point on a shared boundary touches two communes: take the first in file order.
    pairs = tree.query(pts.to_numpy(), predicate="intersects")
    order = np.lexsort((pairs[1], pairs[0]))
    first = np.unique(pairs[0][order], return_index=True)
    hit_pts = first[0]
    hit_communes = pairs[1][order][first[1]]
    index = np.flatnonzero(located)
    ids = communes["commune_id"].to_numpy()
    result.iloc[index[hit_pts]] = ids[hit_communes]
    outside = np.setdiff1d(np.arange(len(pts)), hit_pts)
    if len(outside) and snap_km > 0:
        metric = metric_crs([communes]) if crs is None else crs
        poly_m = communes.geometry.to_crs(metric).to_numpy()
        pts_m = pts.iloc[outside].to_crs(metric).to_numpy()
        near = shapely.STRtree(poly_m).query_nearest(pts_m, max_distance=snap_km * 1000.0,
                                                     all_matches=False)  # fmt: skip
        result.iloc[index[outside[near[0]]]] = ids[near[1]]
        snapped[index[outside[near[0]]]] = True
    return result, snapped


def _far_from_commune(points: gpd.GeoSeries, commune_ids: pd.Series, check: np.ndarray,
                      communes: gpd.GeoDataFrame, snap_km: float) -> np.ndarray:  # fmt: skip
    """Villages lying more than ``snap_km`` outside the commune their id names."""
    far = np.zeros(len(points), dtype=bool)
    if not check.any():
        return far
    metric = metric_crs([communes])
    position = pd.Series(np.arange(len(communes)), index=communes["commune_id"].to_numpy())
    which = position.reindex(commune_ids[check].to_numpy()).to_numpy()
    polys = communes.geometry.to_crs(metric).to_numpy()[which]
    pts = gpd.GeoSeries(points.to_numpy()[check], crs=WGS84).to_crs(metric).to_numpy()
    far[np.flatnonzero(check)] = shapely.distance(pts, polys) > max(snap_km, 0.0) * 1000.0
    return far


def read_villages(
    source: str | Path | LayerSource,
    *,
    communes: gpd.GeoDataFrame | None = None,
    snap_km: float = 2.0,
    columns: Mapping[str, str] | None = None,
    sheet: str | int | None = None,
    layer: str | None = None,
    crs: str | None = None,
) -> gpd.GeoDataFrame:
    """Read and validate the villages.

    Parameters
    ----------
    source : str, Path or LayerSource
        Points or polygons in any GDAL format, or CSV/XLSX with lon/lat.
    communes : GeoDataFrame, optional
        From :func:`read_communes`; needed to check ``commune_id``, to place
        villages without one, and to detect swapped lon/lat.
    snap_km : float
        A village outside every commune is placed in the nearest within this.
    columns, sheet, layer, crs
        See :func:`read_communes`.

    Returns
    -------
    GeoDataFrame
        One row per input row, in input order, in EPSG:4326: ``village_id``,
        ``village``, ``commune_id``, ``population``, ``households``,
        ``fixed_broadband`` (when the file has such a column), ``status`` (``"ok"`` or ``"unlocated"``), ``source_row``.  Village
        polygons are replaced by a point inside them.

    Raises
    ------
    InputError
        Every problem found: missing id column, blank or duplicate ids,
        unreadable or out-of-range coordinates or numbers.
    """
    source = as_source(source, "villages", columns=columns, sheet=sheet, layer=layer, crs=crs)
    prep = prepare(source, wanted=COLUMNS, required=REQUIRED)
    raw = prep.raw
    prep.problems.raise_if_any()
    ids = clean_ids(raw.frame[prep.found["village_id"]]).reset_index(drop=True)
    check_unique(ids, raw, prep.found["village_id"], prep.problems, "village_id")
    population = prep.numbers("population", low=0, integer=True, what="a population")
    households = prep.numbers("households", low=0, integer=True, what="a number of households")
    broadband = None
    if "fixed_broadband" in prep.found:
        series = prep.column("fixed_broadband").reset_index(drop=True)
        values, bad = parse_booleans(series)
        for i in np.flatnonzero(bad):
            prep.problems.add(f"expected yes or no, got {series.iloc[i]!r}", row=raw.rows[i],
                              column=prep.found["fixed_broadband"])  # fmt: skip
        broadband = pd.array(values, dtype="boolean")
    region = region_of(communes) if communes is not None else None
    geo, located = geometry_of(prep, source, region=region)
    prep.problems.raise_if_any()
    if raw.is_vector:
        polygonal = geo.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
        if polygonal.any():
            geo = geo.copy()
            geo[polygonal] = shapely.point_on_surface(geo.to_numpy()[polygonal])
        geo = geo.where(located, shapely.Point())
    commune_col = prep.column("commune_id")
    commune_ids = (clean_ids(commune_col).reset_index(drop=True) if commune_col is not None
                   else pd.Series(pd.NA, index=range(len(ids)), dtype="string"))  # fmt: skip
    if communes is not None:
        known = commune_ids.isin(communes["commune_id"]).fillna(False).to_numpy(dtype=bool)
        given = commune_ids.notna().to_numpy()
        unknown = given & ~known
        need = ~known
        by_location, snapped = assign_communes(geo[need].reset_index(drop=True), communes,
                                               snap_km=snap_km)  # fmt: skip
        commune_ids = commune_ids.copy()
        commune_ids[need] = by_location.to_numpy()
        placed = np.zeros(len(ids), dtype=bool)
        placed[np.flatnonzero(need)] = by_location.notna().to_numpy()
        snap_all = np.zeros(len(ids), dtype=bool)
        snap_all[np.flatnonzero(need)] = snapped
        col = prep.found.get("commune_id", "commune_id")
        prep.repairs.add("commune_by_location", raw.rows[unknown & placed & ~snap_all],
                         f"unknown {col!r}; placed in the commune that contains the village")  # fmt: skip
        if commune_col is not None:
            prep.repairs.add("commune_by_location", raw.rows[~given & placed & ~snap_all],
                             f"blank {col!r}; placed in the commune that contains the village")  # fmt: skip
        prep.repairs.add("snapped_to_commune", raw.rows[snap_all],
                         f"outside every commune polygon; placed in the nearest commune "
                         f"(within {snap_km:g} km)")  # fmt: skip
        prep.repairs.add("no_commune", raw.rows[need & located & ~placed],
                         f"outside every commune and more than {snap_km:g} km from one; "
                         "kept with no commune")  # fmt: skip
        prep.repairs.add("no_commune", raw.rows[unknown & ~located],
                         f"unknown {col!r} and no coordinates; kept with no commune")  # fmt: skip
        far = _far_from_commune(geo, commune_ids, known & located, communes, snap_km)
        prep.repairs.add("far_from_commune", raw.rows[far],
                         f"more than {snap_km:g} km outside the commune its {col!r} names; "
                         "kept in that commune — check the coordinates")  # fmt: skip
    out = gpd.GeoDataFrame(
        {
            "village_id": ids,
            "village": prep.text("village"),
            "commune_id": commune_ids.astype("string"),
            "population": population,
            "households": households,
            "status": np.where(located, "ok", UNLOCATED),
            "source_row": pd.Series(raw.rows, dtype="string"),
        },
        geometry=gpd.GeoSeries(geo.to_numpy(), crs=WGS84),
        crs=WGS84,
    )
    if broadband is not None:
        out.insert(5, "fixed_broadband", broadband)
    n_unlocated = int((~located).sum())
    if n_unlocated:
        prep.repairs.add("unlocated", raw.rows[~located],
                         "no coordinates; kept with status 'unlocated' and no signal class")  # fmt: skip
    return finish(out, prep)
