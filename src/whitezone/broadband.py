"""Fixed broadband: a place has it when it lies within reach of a fiber route or node."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from .classes import count_by_commune

__all__ = ["broadband_by_commune", "within_reach"]


def within_reach(points: gpd.GeoSeries, fiber: gpd.GeoDataFrame, *, reach_km: float,
                 crs: CRS) -> pd.Series:  # fmt: skip
    """Whether each point is within reach of the fiber network.

    Parameters
    ----------
    points : GeoSeries
        Any CRS; empty points give <NA>.
    fiber : GeoDataFrame
        Routes or nodes from :func:`~whitezone.layers.read_fiber`; a feature's
        own ``reach_km`` overrides the default.
    reach_km : float
        Default reach from a route or node (the drop-cable / last-mile
        distance an operator will build; the project's ``[broadband]
        reach_km``).
    crs : pyproj.CRS
        Metric CRS.

    Returns
    -------
    Series of boolean (nullable), index of ``points``
    """
    located = ~(points.isna() | points.is_empty).to_numpy()
    result = np.zeros(len(points), dtype=bool)
    if located.any() and len(fiber):
        lines = fiber.geometry.to_crs(crs).to_numpy()
        reach = fiber["reach_km"].to_numpy(dtype=float) if "reach_km" in fiber else np.full(len(fiber), np.nan)
        reach_m = np.where(np.isfinite(reach), reach, reach_km) * 1000.0
        pts = points[located].to_crs(crs).to_numpy()
        tree = shapely.STRtree(pts)
        hit = np.zeros(len(pts), dtype=bool)
        # Query the points' tree with each fiber feature and its own reach.
        found = tree.query(lines, predicate="dwithin", distance=reach_m)
        hit[np.unique(found[1])] = True
        result[located] = hit
    out = pd.array(result, dtype="boolean")
    out[~located] = pd.NA
    return pd.Series(out, index=points.index)


def broadband_by_commune(villages: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """Villages without fixed broadband per commune, and whether its centre has it.

    Parameters
    ----------
    villages : DataFrame
        With ``commune_id`` and ``fixed_broadband`` (True/False/<NA>).
    communes : DataFrame
        With ``commune_id`` and, when fiber was given, ``center_broadband``.

    Returns
    -------
    DataFrame
        Indexed by commune id: ``villages_no_broadband`` (villages known to
        have none; unknown ones are not counted) and ``center_broadband``.
    """
    none = (villages["fixed_broadband"] == False).fillna(False).to_numpy(dtype=bool)  # noqa: E712
    out = pd.DataFrame({"villages_no_broadband": count_by_commune(villages, none)})
    if "center_broadband" in communes:
        centre = pd.Series(pd.array(communes["center_broadband"], dtype="boolean"),
                           index=communes["commune_id"].to_numpy())  # fmt: skip
        out = out.reindex(out.index.union(centre.index))
        out["villages_no_broadband"] = out["villages_no_broadband"].fillna(0).astype(np.int64)
        out["center_broadband"] = centre.reindex(out.index)
    return out
