"""Classify villages: the best server per technology decides none, weak or good.

For each target and technology the serving site is the one with the best class
level, then the strongest signal (models that compute one), then the nearest
(:mod:`whitezone.models._best`).
The "any technology" class is the best level over technologies.  Only active
sites serve; planned and switched-off ones are kept for scenarios.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from .crs import metric_crs
from .models import CoverageModel, RadiusModel
from .technology import CLASSES, TECHNOLOGIES, class_names

__all__ = ["classify_points", "classify_villages", "technologies_of"]

logger = logging.getLogger(__name__)


def technologies_of(sites: gpd.GeoDataFrame) -> list[str]:
    """Technologies present in a sites table, oldest first."""
    present = set(sites["technology"].unique())
    return [t for t in TECHNOLOGIES if t in present]


def classify_points(
    points: gpd.GeoSeries,
    sites: gpd.GeoDataFrame,
    *,
    model: CoverageModel | None = None,
    crs: CRS | None = None,
    technologies: list[str] | None = None,
) -> pd.DataFrame:
    """Signal class per technology at arbitrary points (villages, commune centres, schools).

    Parameters
    ----------
    points : GeoSeries
        Any CRS; empty or missing points get no class (``<NA>``).
    sites : GeoDataFrame
        Site-technologies from :func:`~whitezone.layers.read_sites`; only
        ``status == "active"`` ones serve.
    model : CoverageModel, optional
        Default :class:`~whitezone.models.RadiusModel` with default radii.
    crs : pyproj.CRS, optional
        Metric CRS; default the UTM zone of the points.
    technologies : list of str, optional
        Technologies to report; default those present in ``sites``.

    Returns
    -------
    DataFrame
        Index of ``points``; per technology ``class_<tech>``, ``site_<tech>``
        (serving site id), ``distance_km_<tech>``, ``signal_dbm_<tech>``
        (NaN for models without signal), and ``class_any`` — the class names
        ``none``/``weak``/``good``, ``<NA>`` for points without location.
    """
    model = model or RadiusModel()
    techs = technologies or technologies_of(sites)
    points = gpd.GeoSeries(points)
    frame = gpd.GeoDataFrame(geometry=points.reset_index(drop=True))
    crs = crs or metric_crs([frame.to_crs(4326)])
    located = ~(frame.geometry.isna() | frame.geometry.is_empty).to_numpy()
    xy = np.full((len(frame), 2), np.nan)
    if located.any():
        proj = frame.geometry[located].to_crs(crs)
        xy[located] = np.column_stack([proj.x.to_numpy(), proj.y.to_numpy()])
    active = sites[(sites["status"] == "active") & sites["technology"].isin(techs)]
    active = active.reset_index(drop=True).to_crs(crs)
    tech_code = pd.Categorical(active["technology"], categories=techs).codes.astype(np.int64)
    best = model.best(xy, active, tech_code, len(techs))
    logger.debug("best servers of %d points among %d site-technologies", len(frame), len(active))
    site_ids = active["site_id"].to_numpy(dtype=object)
    out = {}
    for k, tech in enumerate(techs):
        t = tech.lower()
        sid = best["site"][:, k]
        out[f"class_{t}"] = _names(best["level"][:, k], located)
        out[f"site_{t}"] = pd.array(np.where(sid >= 0, site_ids[np.maximum(sid, 0)], None),
                                    dtype="string")  # fmt: skip
        out[f"distance_km_{t}"] = best["distance_km"][:, k]
        out[f"signal_dbm_{t}"] = best["signal_dbm"][:, k]
    any_level = best["level"].max(axis=1) if techs else np.zeros(len(frame), np.int8)
    out["class_any"] = _names(any_level, located)
    return pd.DataFrame(out, index=points.index)


def _names(levels: np.ndarray, located: np.ndarray) -> pd.Categorical:
    names = class_names(levels)
    names[~located] = None
    return pd.Categorical(names, categories=list(CLASSES))


def classify_villages(
    villages: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    model: CoverageModel | None = None,
    crs: CRS | None = None,
    technologies: list[str] | None = None,
) -> gpd.GeoDataFrame:
    """Classify every village: none, weak or good per technology and for any.

    Parameters
    ----------
    villages : GeoDataFrame
        From :func:`~whitezone.layers.read_villages`.
    sites : GeoDataFrame
        From :func:`~whitezone.layers.read_sites`.
    model, crs, technologies
        See :func:`classify_points`.

    Returns
    -------
    GeoDataFrame
        A copy of ``villages`` with the columns of :func:`classify_points`.
        Villages that could not be placed keep their ``status`` (e.g.
        ``"unlocated"``) in place of a class, so every input village is
        present with a class or a reason.
    """
    classes = classify_points(villages.geometry, sites, model=model, crs=crs,
                              technologies=technologies)  # fmt: skip
    out = villages.copy()
    status = out["status"].astype(str).to_numpy() if "status" in out else np.full(len(out), "ok")
    for col in classes:
        values = classes[col]
        if col.startswith("class_"):
            # A status (unlocated, ...) stands where a village has no class.
            values = pd.Series(values.astype(object).to_numpy(), index=out.index)
            values = values.where(values.notna(), pd.Series(status, index=out.index)).astype("string")
        out[col] = values
    return out
