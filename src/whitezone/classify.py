"""Classify villages: the best server per technology decides none, weak or good.

For each target and technology the serving site is the one with the best class
level, then the strongest signal (models that compute one), then the nearest
(:mod:`whitezone.models._best`).
The "any technology" class is the best level over technologies.  Only active
sites serve; planned and switched-off ones are kept for scenarios.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from .classes import CLASSES
from .crs import metric_crs
from .models import CoverageModel, RadiusModel
from .technology import TECHNOLOGIES

__all__ = ["classify_points", "classify_villages", "project_xy", "site_coordinates", "technologies_of"]

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
        (serving site id), ``cell_<tech>`` (serving cell, when the sites
        are cells: :func:`cell_names`), ``distance_km_<tech>``, ``signal_dbm_<tech>``
        (NaN for models without signal), ``p_good_<tech>`` and
        ``p_weak_<tech>`` (the probability that the signal reaches the good
        and the weak threshold, for models with a signal), and ``class_any`` — the class names
        ``none``/``weak``/``good``, ``<NA>`` for points without location.
    """
    model = model or RadiusModel()
    techs = technologies or technologies_of(sites)
    points = gpd.GeoSeries(points)
    if crs is None:
        frame = gpd.GeoDataFrame(geometry=points.reset_index(drop=True))
        crs = metric_crs([frame.to_crs(4326)])
    geoms = np.asarray(points.array)
    located = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    xy = np.full((len(geoms), 2), np.nan)
    if located.any():
        xy[located] = project_xy(geoms[located] if not located.all() else geoms, points.crs, crs)
    active = sites[(sites["status"] == "active") & sites["technology"].isin(techs)]
    active = active.reset_index(drop=True)
    tech_code = pd.Categorical(active["technology"], categories=techs).codes.astype(np.int64)
    # The sites' x, y are projected as arrays: no projected geometries are
    # built (a national site list saves ~1 GB), and every model reads them.
    best = model.best(xy, active, tech_code, len(techs), site_xy=site_coordinates(active, crs))
    logger.debug("best servers of %d points among %d site-technologies", len(geoms), len(active))
    chances = model.coverage_probability(best, active) if len(active) else {}
    # Site ids as strings once, then taken per technology (NA where no server).
    site_ids = active["site_id"].astype("string").array
    cell_ids = cell_names(active)
    out = {}
    for k, tech in enumerate(techs):
        t = tech.lower()
        out[f"class_{t}"] = _names(best["level"][:, k], located)
        out[f"site_{t}"] = site_ids.take(best["site"][:, k], allow_fill=True)
        if cell_ids is not None:
            out[f"cell_{t}"] = cell_ids.take(best["site"][:, k], allow_fill=True)
        out[f"distance_km_{t}"] = best["distance_km"][:, k]
        out[f"signal_dbm_{t}"] = best["signal_dbm"][:, k]
        for key in ("line_of_sight", "line_of_sight_worst"):
            if key in best:
                clear = best[key][:, k]
                out[f"{key}_{t}"] = pd.array(clear == 1, dtype="boolean")
                out[f"{key}_{t}"][clear < 0] = pd.NA
        for key, values in chances.items():
            out[f"{key}_{t}"] = values[:, k]
    any_level = best["level"].max(axis=1) if techs else np.zeros(len(geoms), np.int8)
    out["class_any"] = _names(any_level, located)
    return pd.DataFrame(out, index=points.index)


def cell_names(sites: gpd.GeoDataFrame) -> pd.arrays.StringArray | None:
    """Each row's cell: its ``cell_id``, else ``site/azimuth°`` for a sector, else the site.

    None when no row is a cell (no azimuth, no cell id): then the site says it all.
    """
    azimuth = (sites["azimuth_deg"].to_numpy(dtype=float) if "azimuth_deg" in sites
               else np.full(len(sites), np.nan))  # fmt: skip
    given = sites["cell_id"].notna().to_numpy() if "cell_id" in sites else np.zeros(len(sites), bool)
    if not (np.isfinite(azimuth).any() or given.any()):
        return None
    site = sites["site_id"].astype("string")
    sector = site + "/" + pd.Series(np.round(np.nan_to_num(azimuth)).astype(np.int64),
                                    index=sites.index).astype("string") + "°"  # fmt: skip
    names = site.where(~np.isfinite(azimuth), sector)
    if given.any():
        names = names.where(~given, sites["cell_id"].astype("string"))
    return names.array


def site_coordinates(sites: gpd.GeoDataFrame, crs: CRS) -> np.ndarray:
    """The sites' x, y in the metric ``crs`` (NaN for a site without position)."""
    geoms = np.asarray(sites.geometry.array)
    located = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    xy = np.full((len(geoms), 2), np.nan)
    if located.any():
        xy[located] = project_xy(geoms[located], sites.crs, crs)
    return xy


def _names(levels: np.ndarray, located: np.ndarray) -> pd.Categorical:
    """Class names as a categorical of :data:`CLASSES`, built from the levels as codes."""
    codes = np.where(located, np.asarray(levels, dtype=np.int8), np.int8(-1))
    return pd.Categorical.from_codes(codes, categories=list(CLASSES))


@lru_cache(maxsize=32)
def _transformer(source: CRS, target: CRS) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def project_xy(geoms: np.ndarray, source: object, target: object) -> np.ndarray:
    """x, y of point geometries in ``target``: what ``GeoSeries.to_crs`` gives, faster.

    ``GeoSeries.to_crs`` transforms the coordinates with
    ``Transformer.from_crs(source, target, always_xy=True)`` and then builds
    new geometries; this calls the same transformer on the coordinate arrays
    and skips the geometries, so the numbers are identical.  Anything but
    points (or a missing CRS) goes through ``to_crs`` itself.

    Parameters
    ----------
    geoms : ndarray of shapely geometries
        Located (not missing, not empty).
    source, target : CRS-like

    Returns
    -------
    ndarray, shape (n, 2)
    """
    geoms = np.asarray(geoms, dtype=object)
    if source is None or not (shapely.get_type_id(geoms) == 0).all():
        proj = gpd.GeoSeries(geoms, crs=source).to_crs(target)
        return np.column_stack([proj.x.to_numpy(), proj.y.to_numpy()])
    source, target = CRS.from_user_input(source), CRS.from_user_input(target)
    x, y = shapely.get_x(geoms), shapely.get_y(geoms)
    if source.is_exact_same(target):
        return np.column_stack([x, y])
    has_z = shapely.has_z(geoms)
    transform = _transformer(source, target).transform
    xy = np.empty((len(geoms), 2))
    flat = ~has_z
    if flat.all():
        xy[:, 0], xy[:, 1] = transform(x, y)
    else:  # as to_crs does: 3-D points go through the transformer with their z
        xy[flat, 0], xy[flat, 1] = transform(x[flat], y[flat])
        z = shapely.get_z(geoms[has_z])
        xy[has_z, 0], xy[has_z, 1], _ = transform(x[has_z], y[has_z], z)
    return xy


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
