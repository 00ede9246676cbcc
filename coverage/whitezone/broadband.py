"""Fixed broadband: a place has it when it lies within reach of a fiber route or node."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

__all__ = ["within_reach"]


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
