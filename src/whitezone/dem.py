"""The DEM: ground heights on the run's metric grid, and profiles from it.

The DEM may come in any CRS (SRTM's geographic 1 or 3 arc-seconds, a VN-2000
TM-3 survey grid...).  It is read once with rasterio, cropped to the area of
interest and warped (bilinear) onto a grid in the run's metric CRS, so that
profiles between sites and villages are straight lines sampled in metres.
Nodata cells become NaN: a profile sample over a hole does not obstruct, and a
site or village over one has no ground height (it is reported, not guessed).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from affine import Affine
from pyproj import CRS
from scipy import ndimage

from .errors import InputError, Problem

__all__ = ["Dem", "load_dem", "path_points", "warp_to_grid"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, repr=False)
class Dem:
    """Ground heights on a north-up grid in a metric CRS.

    Attributes
    ----------
    heights_m : ndarray of float32, shape (rows, cols)
        Metres above the DEM's vertical datum; NaN where unknown.
    transform : affine.Affine
        Pixel -> map coordinates (upper-left corners).
    crs : pyproj.CRS
    source : str
        File it came from.
    """

    heights_m: np.ndarray
    transform: Affine
    crs: CRS
    source: str = ""

    def __repr__(self) -> str:
        rows, cols = self.heights_m.shape
        return (f"Dem({self.source or 'array'}: {cols} x {rows} cells of {self.resolution_m:.0f} m, "
                f"{self.crs.to_string()})")  # fmt: skip

    @property
    def resolution_m(self) -> float:
        """Cell size in metres (the larger of the two axes)."""
        return float(max(abs(self.transform.a), abs(self.transform.e)))

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        rows, cols = self.heights_m.shape
        t = self.transform  # north-up grids only (load_dem makes them)
        x0, x1 = t.c, t.c + t.a * cols
        y0, y1 = t.f, t.f + t.e * rows
        return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)

    def _pixel(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t = self.transform  # north-up: no rotation terms
        col = (np.asarray(x, dtype=float) - t.c) / t.a
        row = (np.asarray(y, dtype=float) - t.f) / t.e
        # map_coordinates addresses cell centres: pixel (0, 0) is centred at 0.5, 0.5
        return row - 0.5, col - 0.5

    def height_at(self, x, y) -> np.ndarray:
        """Bilinear ground height at map points; NaN outside the grid or over nodata."""
        row, col = self._pixel(x, y)
        shape = np.broadcast(row, col).shape
        # In float64: the heights are stored as float32, but a profile's arithmetic (curvature,
        # clutter, the compiled kernels of models.terrain_kernel) is carried out in float64.
        values = ndimage.map_coordinates(self.heights_m, [np.ravel(row), np.ravel(col)], order=1,
                                         output=np.float64, mode="constant", cval=np.nan,
                                         prefilter=False)  # fmt: skip
        return values.reshape(shape)

    def profiles(self, start_xy: np.ndarray, end_xy: np.ndarray, n_samples: int) -> np.ndarray:
        """Ground heights at ``n_samples`` equally spaced points from start to end.

        Parameters
        ----------
        start_xy, end_xy : ndarray, shape (n, 2)
            Map coordinates of the path ends (site, target).
        n_samples : int
            Samples per profile, ends included.

        Returns
        -------
        ndarray of float, shape (n, n_samples)
        """
        return self.height_at(*path_points(start_xy, end_xy, n_samples))


def path_points(start_xy: np.ndarray, end_xy: np.ndarray, n_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Map x and y of ``n_samples`` equally spaced points on each path, ends included.

    Parameters
    ----------
    start_xy, end_xy : ndarray, shape (n, 2)
    n_samples : int

    Returns
    -------
    x, y : ndarray, shape (n, n_samples)
    """
    start_xy = np.asarray(start_xy, dtype=float).reshape(-1, 2)
    end_xy = np.asarray(end_xy, dtype=float).reshape(-1, 2)
    t = np.linspace(0.0, 1.0, n_samples)
    x = start_xy[:, :1] + (end_xy[:, :1] - start_xy[:, :1]) * t
    y = start_xy[:, 1:] + (end_xy[:, 1:] - start_xy[:, 1:]) * t
    return x, y


def load_dem(path: str | Path, *, crs: CRS, bounds: tuple[float, float, float, float] | None = None,
             resolution_m: float | None = None, margin_m: float = 0.0) -> Dem:  # fmt: skip
    """Read a DEM and warp it onto a metric grid.

    Parameters
    ----------
    path : str or Path
        Any raster GDAL reads, in any CRS, heights in metres.
    crs : pyproj.CRS
        The metric CRS of the run.
    bounds : tuple, optional
        Area of interest (minx, miny, maxx, maxy) in ``crs``; default the
        whole DEM.
    resolution_m : float, optional
        Cell size of the grid; default the DEM's own, in metres.
    margin_m : float
        Added around ``bounds`` (sites serve villages up to their reach away).

    Returns
    -------
    Dem

    Raises
    ------
    InputError
        The DEM has no CRS, or does not cover the area of interest at all.
    """
    heights, transform = warp_to_grid(path, crs=crs, bounds=bounds, resolution_m=resolution_m,
                                      margin_m=margin_m, role="DEM")  # fmt: skip
    return Dem(heights_m=heights, transform=transform, crs=crs, source=Path(path).name)


def warp_to_grid(path: str | Path, *, crs: CRS, bounds: tuple[float, float, float, float] | None = None,
                 resolution_m: float | None = None, margin_m: float = 0.0, role: str = "DEM",
                 categorical: bool = False) -> tuple[np.ndarray, Affine]:  # fmt: skip
    """Read a raster's first band onto a north-up grid in the metric ``crs``.

    Heights are resampled bilinearly into float32 with NaN for nodata; class
    codes (``categorical=True``) by the nearest cell into int32 with -1 for
    nodata.  Arguments as :func:`load_dem`; ``role`` names the raster in
    messages.

    Returns
    -------
    values : ndarray, shape (rows, cols)
    transform : affine.Affine
    """
    import rasterio
    from rasterio.warp import Resampling, reproject, transform_bounds

    path = Path(path)
    with rasterio.open(path) as src:
        if src.crs is None:
            raise InputError(Problem(path.name, f"the {role} has no CRS"))
        src_crs = CRS.from_user_input(src.crs)
        src_bounds_m = transform_bounds(src.crs, crs.to_wkt(), *src.bounds, densify_pts=21)
        if bounds is None:
            area = src_bounds_m
        else:
            area = (bounds[0] - margin_m, bounds[1] - margin_m, bounds[2] + margin_m, bounds[3] + margin_m)
            area = (max(area[0], src_bounds_m[0]), max(area[1], src_bounds_m[1]),
                    min(area[2], src_bounds_m[2]), min(area[3], src_bounds_m[3]))  # fmt: skip
            if area[0] >= area[2] or area[1] >= area[3]:
                raise InputError(Problem(path.name, f"the {role} does not cover the area of the "
                                         "communes; check its CRS and extent"))  # fmt: skip
        if resolution_m is None:
            if src_crs.is_geographic:
                # degrees -> metres at the area's latitude (the coarser axis)
                lat = (transform_bounds(crs.to_wkt(), src.crs, *area)[1]
                       + transform_bounds(crs.to_wkt(), src.crs, *area)[3]) / 2  # fmt: skip
                resolution_m = max(abs(src.res[0]) * 111_320 * math.cos(math.radians(lat)),
                                   abs(src.res[1]) * 110_574)  # fmt: skip
            else:
                resolution_m = float(max(abs(src.res[0]), abs(src.res[1])))
        res = float(resolution_m)
        cols = max(1, math.ceil((area[2] - area[0]) / res))
        rows = max(1, math.ceil((area[3] - area[1]) / res))
        transform = Affine(res, 0.0, area[0], 0.0, -res, area[1] + rows * res)
        if categorical:
            values = np.full((rows, cols), -1, dtype=np.int32)
            fill, resampling = -1, Resampling.nearest
        else:
            values = np.full((rows, cols), np.nan, dtype=np.float32)
            fill, resampling = np.nan, Resampling.bilinear
        reproject(
            source=rasterio.band(src, 1),
            destination=values,
            src_nodata=src.nodata,
            dst_transform=transform,
            dst_crs=crs.to_wkt(),
            dst_nodata=fill,
            resampling=resampling,
        )
    known = values >= 0 if categorical else np.isfinite(values)
    if not known.any():
        raise InputError(Problem(path.name, f"the {role} has no data over the area of the communes"))
    logger.info("%s %s warped to %d x %d cells of %.0f m (%.1f %% nodata)", role, path.name, rows,
                cols, res, 100 * (1 - known.mean()))  # fmt: skip
    return values, transform
