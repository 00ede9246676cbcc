"""Land cover: class codes on the run's metric grid (ESA WorldCover by default).

The raster may come in any CRS; it is cropped to the area of interest and
warped by the nearest cell onto a grid in the run's metric CRS (class codes
are never averaged).  Nodata becomes -1: no clutter is assumed there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from affine import Affine
from pyproj import CRS

from .dem import path_points, warp_to_grid

__all__ = ["Landcover", "load_landcover"]


@dataclass(frozen=True, repr=False)
class Landcover:
    """Land-cover class codes on a north-up grid in a metric CRS.

    Attributes
    ----------
    codes : ndarray of int32, shape (rows, cols)
        -1 where unknown.
    transform : affine.Affine
    crs : pyproj.CRS
    source : str
    """

    codes: np.ndarray
    transform: Affine
    crs: CRS
    source: str = ""

    def __repr__(self) -> str:
        rows, cols = self.codes.shape
        return f"Landcover({self.source or 'array'}: {cols} x {rows} cells of {abs(self.transform.a):.0f} m)"

    def class_at(self, x, y) -> np.ndarray:
        """The code of the cell holding each point (-1 outside the grid)."""
        t = self.transform
        col = np.floor((np.asarray(x, dtype=float) - t.c) / t.a)
        row = np.floor((np.asarray(y, dtype=float) - t.f) / t.e)
        rows, cols = self.codes.shape
        inside = np.isfinite(col) & np.isfinite(row) & (col >= 0) & (row >= 0) & (col < cols) & (row < rows)
        out = np.full(np.shape(col), -1, dtype=np.int32)
        out[inside] = self.codes[row[inside].astype(np.int64), col[inside].astype(np.int64)]
        return out

    def along(self, start_xy: np.ndarray, end_xy: np.ndarray, n_samples: int) -> np.ndarray:
        """Codes at ``n_samples`` equally spaced points of each path (as :meth:`Dem.profiles`)."""
        return self.class_at(*path_points(start_xy, end_xy, n_samples))


def load_landcover(path: str | Path, *, crs: CRS, bounds=None, resolution_m: float | None = None,
                   margin_m: float = 0.0) -> Landcover:  # fmt: skip
    """Read a land-cover raster onto the run's metric grid (nearest cell).

    Arguments as :func:`whitezone.dem.load_dem`.
    """
    codes, transform = warp_to_grid(path, crs=crs, bounds=bounds, resolution_m=resolution_m,
                                    margin_m=margin_m, role="land-cover raster", categorical=True)  # fmt: skip
    return Landcover(codes=codes, transform=transform, crs=crs, source=Path(path).name)
