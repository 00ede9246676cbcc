"""The columns of the output tables: one home for what ``villages.csv`` holds.

:func:`village_table` picks and orders the villages' columns (DESIGN §7)
for every writer of village rows — the run's ``villages.csv`` and
``villages.gpkg`` and the chunks the streaming classifier writes — and
:func:`with_lon_lat` adds the ``lon``/``lat`` columns of any point table
written as CSV.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = ["VILLAGE_FIRST", "VILLAGE_LAST", "village_table", "with_lon_lat"]

#: Columns before the per-technology ones, in order (those present are kept).
VILLAGE_FIRST = ("village_id", "row", "village", "commune_id", "commune", "population",
                 "households", "status", "class_any")  # fmt: skip
#: Columns after them.
VILLAGE_LAST = ("operators_good", "operators_weak", "post_distance_km", "fixed_broadband",
                "source_row")  # fmt: skip


def village_table(villages: pd.DataFrame, *, technologies: list[str], signal: bool,
                  commune_names: pd.Series | None = None) -> pd.DataFrame:  # fmt: skip
    """The villages output: contract columns first, then per technology, then the rest.

    Parameters
    ----------
    villages : DataFrame or GeoDataFrame
        Classified villages (:func:`~whitezone.classify.classify_villages`),
        or a chunk of them; columns it lacks are left out.
    technologies : list of str
    signal : bool
        Whether the model yields a signal in dBm (``signal_dbm_<tech>``).
    commune_names : Series, optional
        Commune name by id: adds ``commune`` after ``commune_id``.

    Returns
    -------
    DataFrame or GeoDataFrame
        Same rows and index: ``village_id`` (or ``row``), ``village``,
        ``commune_id``, ``commune``, ``population``, ``households``,
        ``status``, ``class_any``, ``class_<tech>``, then per technology
        ``site_<tech>``, ``distance_km_<tech>`` (rounded to metres),
        ``signal_dbm_<tech>`` (0.1 dB), ``p_good_<tech>`` and ``p_weak_<tech>``
        (the probability of reaching each threshold) and
        ``line_of_sight_<tech>``, ``line_of_sight_worst_<tech>`` (when the
        model gives them) and, for the technologies the capacity check
        covers (:mod:`whitezone.capacity`), ``capacity_ok_<tech>`` and
        ``load_<tech>`` (its cell's busy-hour load, 0.001), then
        ``operators_good``, ``operators_weak``,
        ``post_distance_km``, ``fixed_broadband``, ``source_row``.  A
        GeoDataFrame keeps its geometry.
    """
    v = villages
    out: dict[str, object] = {}
    for col in VILLAGE_FIRST:
        if col == "commune":
            if commune_names is not None:
                out[col] = v["commune_id"].map(commune_names).astype("string")
        elif col in v:
            out[col] = v[col]
    techs = [t.lower() for t in technologies]
    for t in techs:
        out[f"class_{t}"] = v[f"class_{t}"]
    for t in techs:
        out[f"site_{t}"] = v[f"site_{t}"]
        if f"cell_{t}" in v:
            out[f"cell_{t}"] = v[f"cell_{t}"]
        out[f"distance_km_{t}"] = v[f"distance_km_{t}"].round(3)
        if signal:
            out[f"signal_dbm_{t}"] = v[f"signal_dbm_{t}"].round(1)
        for key in ("p_good", "p_weak"):
            if f"{key}_{t}" in v:
                out[f"{key}_{t}"] = v[f"{key}_{t}"].round(3)
        for key in ("line_of_sight", "line_of_sight_worst"):
            if f"{key}_{t}" in v:
                out[f"{key}_{t}"] = v[f"{key}_{t}"]
        if f"capacity_ok_{t}" in v:
            out[f"capacity_ok_{t}"] = v[f"capacity_ok_{t}"]
        if f"load_{t}" in v:
            out[f"load_{t}"] = v[f"load_{t}"].round(3)
    for col in VILLAGE_LAST:
        if col in v:
            out[col] = v[col]
    table = pd.DataFrame(out, index=v.index)
    if isinstance(v, gpd.GeoDataFrame):
        return gpd.GeoDataFrame(table, geometry=v.geometry, crs=v.crs)
    return table


def with_lon_lat(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """A point table for CSV: its columns, then ``lon`` and ``lat`` (6 decimals, blank unlocated).

    Other geometries give the coordinates of a point inside them.
    """
    flat = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    geoms = np.asarray(frame.geometry.array)
    located = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    points = geoms.copy()
    not_point = located & (shapely.get_type_id(geoms) != 0)
    if not_point.any():
        points[not_point] = shapely.point_on_surface(geoms[not_point])
    lon = np.full(len(frame), np.nan)
    lat = np.full(len(frame), np.nan)
    lon[located] = shapely.get_x(points[located])
    lat[located] = shapely.get_y(points[located])
    flat["lon"] = lon.round(6)
    flat["lat"] = lat.round(6)
    return flat
