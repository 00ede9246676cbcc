"""Postal indicators: service radius, people per point, distance to the nearest point.

The average service radius the ministry publishes is the radius of a disc
whose area is the territory shared equally among the postal points::

    R = sqrt(S / (pi * N))      S: area in km², N: postal points

(it reproduces the national figures of 2008-2012 to 0.005 km with
S = 331,000 km²; see REFERENCES).  People per point is P / N.  Beyond what the
reports can say, each village gets its distance to the nearest postal point.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS
from scipy.spatial import cKDTree

from .classes import commune_key, count_by_commune

__all__ = [
    "nearest_distance_km",
    "people_per_point",
    "postal_by_commune",
    "service_radius_km",
]


def service_radius_km(area_km2, points):
    """Average service radius R = sqrt(S / (pi N)) in km; NaN where N is 0.

    Parameters
    ----------
    area_km2 : float or array
    points : int or array

    Examples
    --------
    >>> round(float(service_radius_km(331_000, 18_502)), 2)   # Vietnam, 12/2008
    2.39
    """
    area = np.asarray(area_km2, dtype=float)
    n = np.asarray(points, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, np.sqrt(area / (np.pi * n)), np.nan)


def people_per_point(population, points):
    """Population per postal point P / N; NaN where N is 0.

    Examples
    --------
    >>> round(float(people_per_point(642_834, 213)))   # Quảng Trị 2024
    3018
    """
    p = np.asarray(population, dtype=float)
    n = np.asarray(points, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, p / n, np.nan)


def nearest_distance_km(points: gpd.GeoSeries, targets: gpd.GeoDataFrame | gpd.GeoSeries,
                        *, crs: CRS) -> np.ndarray:  # fmt: skip
    """Distance in km from each point to the nearest target point (cKDTree).

    Parameters
    ----------
    points : GeoSeries
        Any CRS; empty points give NaN.
    targets : GeoDataFrame or GeoSeries
        Points (e.g. postal points).
    crs : pyproj.CRS
        Metric CRS the distance is measured in.

    Returns
    -------
    ndarray of float
    """
    out = np.full(len(points), np.nan)
    located = ~(points.isna() | points.is_empty).to_numpy()
    if not located.any() or len(targets) == 0:
        return out
    tgt = targets.geometry if isinstance(targets, gpd.GeoDataFrame) else targets
    tgt = tgt.to_crs(crs)
    pts = points[located].to_crs(crs)
    tree = cKDTree(np.column_stack([tgt.x.to_numpy(), tgt.y.to_numpy()]))
    dist, _ = tree.query(np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()]))
    out[located] = dist / 1000.0
    return out


def postal_by_commune(
    villages: pd.DataFrame,
    post_offices: gpd.GeoDataFrame,
    *,
    max_distance_km: float | None = None,
    radius_km: float | None = None,
) -> pd.DataFrame:
    """Postal counts per commune.

    Parameters
    ----------
    villages : DataFrame
        With ``commune_id`` and ``post_distance_km``.
    post_offices : GeoDataFrame
        With ``commune_id`` and ``kind``.
    max_distance_km : float, optional
        Count villages farther than this from every postal point
        (``villages_far_from_post``).
    radius_km : float, optional
        Count villages farther than this service radius — the province's
        average R, the figure the reports publish
        (``villages_beyond_service_radius``).

    Returns
    -------
    DataFrame
        Indexed by commune id: ``post_points``, ``commune_post_office`` and
        the village counts asked for.
    """
    key = commune_key(post_offices)
    out = pd.DataFrame({"post_points": key.value_counts()})
    cpo = (post_offices["kind"] == "commune post office").fillna(False).to_numpy(dtype=bool)
    has = set(key[cpo])
    # Every commune with a village or a point gets a row; the flag is False elsewhere.
    out = out.reindex(out.index.union(pd.Index(commune_key(villages).unique()))).fillna(0)
    out["post_points"] = out["post_points"].astype(np.int64)
    out["commune_post_office"] = out.index.isin(list(has))
    distance = villages["post_distance_km"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        if max_distance_km is not None:
            out["villages_far_from_post"] = count_by_commune(villages, distance > max_distance_km)
        if radius_km is not None and np.isfinite(radius_km):
            out["villages_beyond_service_radius"] = count_by_commune(villages, distance > radius_km)
    return out
