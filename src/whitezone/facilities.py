"""Points of interest — schools, health stations, commune offices: are they connected?

Each point gets the signal class the model gives at its location (any
technology and per technology) and a fixed-broadband flag: its own column
where the file says, else within reach of the fiber network.  The reports
quote "340 of 465 schools with broadband" (Cao Bằng 2019): per kind, counted
per commune, district and province (``summary_pois.csv``).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from .broadband import within_reach
from .classes import commune_key, tally
from .classify import classify_points
from .indicators import by_level
from .layers import assign_communes

__all__ = ["classify_pois", "poi_summary"]


def classify_pois(
    pois: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    model,
    crs: CRS,
    technologies: list[str],
    communes: gpd.GeoDataFrame,
    fiber: gpd.GeoDataFrame | None = None,
    reach_km: float = 2.0,
) -> gpd.GeoDataFrame:
    """Signal class and fixed broadband of every point of interest.

    Parameters
    ----------
    pois : GeoDataFrame
        From :func:`~whitezone.layers.read_pois`.
    sites, model, crs, technologies
        As for :func:`~whitezone.classify.classify_villages`.
    communes : GeoDataFrame
        To fill ``commune_id`` by location where the file has none.
    fiber : GeoDataFrame, optional
        Routes or nodes; points whose own ``fixed_broadband`` is blank are
        within ``reach_km`` of it or not.
    reach_km : float

    Returns
    -------
    GeoDataFrame
        A copy of ``pois`` with ``class_any``, ``class_<tech>``,
        ``site_<tech>``, ``cell_<tech>`` (when the sites are cells),
        ``signal_dbm_<tech>`` (models with a signal; what the capacity check
        reads, :mod:`whitezone.capacity`) and ``fixed_broadband`` filled.
    """
    out = pois.copy()
    known = out["commune_id"].isin(communes["commune_id"]).fillna(False).to_numpy(dtype=bool)
    if not known.all():
        found, _ = assign_communes(out.geometry[~known].reset_index(drop=True), communes, snap_km=2.0)
        out.loc[~known, "commune_id"] = found.to_numpy()
    classes = classify_points(out.geometry, sites, model=model, crs=crs, technologies=technologies)
    kept = ("site_", "cell_", "signal_dbm_") if model is not None and model.yields_dbm \
        else ("site_", "cell_")
    for col in classes:
        if col.startswith("class_"):
            out[col] = classes[col].astype("string")
        elif col.startswith(kept):
            out[col] = classes[col]
    if fiber is not None:
        by_fiber = within_reach(out.geometry, fiber, reach_km=reach_km, crs=crs)
        out["fixed_broadband"] = out["fixed_broadband"].astype("boolean").fillna(by_fiber)
    return out


def poi_summary(pois: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """Points of interest per kind with signal and with fixed broadband, at every level.

    Returns
    -------
    DataFrame
        Long table (:func:`whitezone.indicators.by_level`) with ``pois``,
        ``pois_covered`` (weak or good signal), ``pois_good``, ``pois_none``,
        ``pois_broadband`` and their percentages of ``pois``.
    """
    # The one tally of classes, with (commune, kind) as the group; broadband rides as people.
    keys = pd.MultiIndex.from_arrays([commune_key(pois), pois["kind"].astype(object)])
    broadband = (pois["fixed_broadband"] == True).fillna(False).to_numpy(dtype=float)  # noqa: E712
    counts = tally(keys, {"": pois["class_any"]}, broadband)
    per_commune = pd.DataFrame({
        "commune_id": counts.index.get_level_values(0), "kind": counts.index.get_level_values(1),
        "pois": counts["villages"].to_numpy(),
        "pois_covered": (counts["villages_weak"] + counts["villages_good"]).to_numpy(),
        "pois_good": counts["villages_good"].to_numpy(),
        "pois_none": counts["villages_none"].to_numpy(),
        "pois_broadband": counts["population"].to_numpy().round().astype(np.int64),
    })  # fmt: skip
    ratios = {"pct_covered": ("pois_covered", "pois"), "pct_good": ("pois_good", "pois"),
              "pct_broadband": ("pois_broadband", "pois")}  # fmt: skip
    return by_level(per_commune, communes, key="kind", ratios=ratios)
