"""Grids in the run's metric CRS, and the model evaluated on one.

:class:`RasterGrid` is a north-up grid snapped to its resolution;
:func:`coverage_grid` evaluates a coverage model at the centre of every cell
of a grid over the communes and keeps the class levels in memory
(:class:`CoverageGrid`): the map's coverage layer, the area covered for
models without an exact footprint, the H3 coverage roll-up.  The GeoTIFF
rasters of :mod:`whitezone.rasters` use the same grids.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
from affine import Affine
from pyproj import CRS

from .classes import category_codes
from .classify import classify_points
from .models import CoverageModel

__all__ = ["CoverageGrid", "RasterGrid", "coverage_grid", "grid_for"]


@dataclass(frozen=True)
class RasterGrid:
    """A north-up grid in a metric CRS."""

    transform: Affine
    width: int
    height: int
    crs: CRS

    @property
    def resolution_m(self) -> float:
        return float(self.transform.a)

    def cell_centres(self, row0: int, col0: int, rows: int, cols: int) -> np.ndarray:
        """(rows*cols, 2) map coordinates of the centres of a window, row-major."""
        r, c = np.mgrid[row0 : row0 + rows, col0 : col0 + cols]
        t = self.transform
        col, row = c.ravel() + 0.5, r.ravel() + 0.5
        return np.column_stack([t.a * col + t.b * row + t.c, t.d * col + t.e * row + t.f])


def grid_for(area: gpd.GeoDataFrame | gpd.GeoSeries, *, crs: CRS, resolution_m: float) -> RasterGrid:
    """The grid covering an area (e.g. the communes) at a resolution, snapped to it."""
    minx, miny, maxx, maxy = area.to_crs(crs).total_bounds
    res = float(resolution_m)
    x0, y1 = math.floor(minx / res) * res, math.ceil(maxy / res) * res
    width = max(1, math.ceil((maxx - x0) / res))
    height = max(1, math.ceil((y1 - miny) / res))
    return RasterGrid(Affine(res, 0.0, x0, 0.0, -res, y1), width, height, crs)


@dataclass
class CoverageGrid:
    """Class levels of a model on a grid over the communes.

    Attributes
    ----------
    grid : RasterGrid
    owner : ndarray of int32, shape (height, width)
        1 + position of the commune holding each cell centre; 0 outside.
    levels : dict
        ``"any"`` and each technology -> uint8 array of levels (0 none,
        1 weak, 2 good; 255 outside the communes).
    """

    grid: RasterGrid
    owner: np.ndarray
    levels: dict[str, np.ndarray]

    #: Level value of cells outside the communes.
    OUTSIDE = 255


def coverage_grid(communes: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, model: CoverageModel, *,
                  crs: CRS, technologies: list[str], resolution_m: float) -> CoverageGrid:  # fmt: skip
    """Evaluate a model at the centre of every cell of a grid over the communes.

    The coarse sibling of :func:`coverage_rasters`, held in memory: it gives
    the share of area covered for the path-loss and terrain models and the
    coverage layer of the interactive map.
    """
    from rasterio.features import rasterize

    grid = grid_for(communes, crs=crs, resolution_m=resolution_m)
    polys = communes.to_crs(crs).geometry.to_numpy()
    owner = rasterize(((g, i + 1) for i, g in enumerate(polys)), out_shape=(grid.height, grid.width),
                      transform=grid.transform, fill=0, dtype="int32")  # fmt: skip
    inside = owner.ravel() > 0
    centres = grid.cell_centres(0, 0, grid.height, grid.width)[inside]
    points = gpd.GeoSeries.from_xy(centres[:, 0], centres[:, 1], crs=crs)
    classes = classify_points(points, sites, model=model, crs=crs, technologies=technologies)
    levels = {}
    for key, col in [("any", "class_any"), *[(t, f"class_{t.lower()}") for t in technologies]]:
        flat = np.full(grid.height * grid.width, CoverageGrid.OUTSIDE, dtype=np.uint8)
        # Every centre is located: its category is its class level (0 none .. 2 good).
        flat[inside] = np.minimum(category_codes(classes[col]), 2).astype(np.uint8)
        levels[key] = flat.reshape(grid.height, grid.width)
    return CoverageGrid(grid=grid, owner=owner, levels=levels)
