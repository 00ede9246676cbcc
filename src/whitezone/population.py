"""People per signal class from a population raster (WorldPop, GHSL, a census grid).

Where a population raster is given it replaces the villages' populations in
every population-weighted indicator: each populated cell gets the class the
model gives at its centre, and its people are summed per commune (zonal sums
by cell centre: a cell belongs to the commune containing its centre).  The
villages' own counts of villages are unchanged.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from .classes import class_suffixes, tally
from .classify import classify_points

__all__ = ["population_by_class"]


def population_by_class(path, communes: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, *, model,
                        crs: CRS, technologies: list[str]) -> pd.DataFrame:  # fmt: skip
    """People per commune and signal class from a people-per-cell raster.

    Parameters
    ----------
    path : str or Path
        Single-band raster of people per cell, any CRS; nodata and negative
        cells are empty.
    communes : GeoDataFrame
    sites, model, crs, technologies
        As for :func:`~whitezone.classify.classify_points`.

    Returns
    -------
    DataFrame
        Indexed by commune id: ``population``, ``population_<class>`` and
        ``population_<class>_<tech>`` (class none, weak, good, unclassified).
    """
    import rasterio
    from rasterio.features import rasterize

    with rasterio.open(path) as src:
        people = src.read(1, masked=True).astype(float).filled(0.0)
        transform, raster_crs = src.transform, src.crs
    people[~np.isfinite(people) | (people < 0)] = 0.0
    polys = communes.to_crs(raster_crs).geometry.to_numpy()
    owner = rasterize(((g, i + 1) for i, g in enumerate(polys)), out_shape=people.shape,
                      transform=transform, fill=0, dtype="int32")  # fmt: skip
    rows, cols = np.nonzero((people > 0) & (owner > 0))
    x = transform.c + transform.a * (cols + 0.5) + transform.b * (rows + 0.5)
    y = transform.f + transform.d * (cols + 0.5) + transform.e * (rows + 0.5)
    weight = people[rows, cols]
    who = owner[rows, cols] - 1
    points = gpd.GeoSeries.from_xy(x, y, crs=raster_crs)
    classes = classify_points(points, sites, model=model, crs=crs, technologies=technologies)
    suffixes = class_suffixes(technologies)
    counts = tally(who, {sfx: classes[col] for sfx, col in suffixes.items()}, weight,
                   labels=pd.Index(communes["commune_id"].to_numpy(), name="commune_id"))  # fmt: skip
    return counts[[c for c in counts.columns if c.startswith("population")]]
