"""A site's viewshed on a DEM: which cells a raised observer can see.

The algorithm is the one GDAL 3.6 runs in ``gdal_viewshed``
(``GDALViewshedGenerate``, by Tamas Szekeres: a modified version of Wang,
Robinson and White (2000), *Generating viewsheds without using sightlines*,
PE&RS 66(1)), written here in numpy so a run needs no GDAL binary and gives
the same cells.  It never traces a sight line.  Each cell gets a *horizon
height* — how high the terrain towards the observer rises, projected onto the
cell — interpolated from the two already processed cells next to it on the
observer's side, and the cell is visible when its own height (plus the target
height) reaches that horizon; the cell then passes ``max(height, horizon)`` on
outwards.

With offsets ``i`` (columns) and ``j`` (rows) from the observer, observer
height ``Zo`` (DEM at the observer plus ``observer_height_m``) and ``H`` the
processed heights, GDAL's default ("edge") mode computes the horizon ``Z``:

* on the observer's row and column (``j = 0`` or ``i = 0``), straight
  extrapolation of the neighbour ``Za`` one cell closer:
  ``Z = (Za - Zo) / (d - 1) + Za``, with ``d`` the offset; at ``d = 1`` the
  neighbour itself, ``Z = Za``;
* where ``|i| < |j|``, interpolation in the previous row between
  ``Za = H(i-1, j-1)`` and ``Zb = H(i, j-1)`` then extrapolation to the cell:
  ``Z = ((Za - Zo) i + (Zb - Zo) (j - i)) / (j - 1) + Zo``;
* where ``|i| > |j|``, the same with rows and columns swapped (the previous
  *column*, ``Za = H(i-1, j-1)``, ``Zb = H(i-1, j)``);
* on the diagonals, extrapolation of the diagonal neighbour (first rule).

So a cell with ``|i| <= |j|`` depends only on the row before it and a cell with
``|i| > |j|`` only on the column before it.  Splitting the DEM around the
observer into eight octants — each quadrant once as it is (rows outwards) and
once transposed (columns outwards) — turns every octant into the same
problem: row ``k`` of the lower triangle ``m <= k`` from row ``k - 1``.  The
eight octants are stacked into one array and swept together: the Python loop
runs once per distance step, and each step is a dozen numpy operations on one
contiguous ``(k + 1) x 8`` block (cell-major, octant fastest, so the
interpolation's shift by one cell is a contiguous slice too).  The formulas
are evaluated in float64 in GDAL's order of operations, so the cells agree
with ``gdal_viewshed`` exactly, ties included.

GDAL's semantics kept on purpose (they surprise):

* The observer's own DEM height *without* ``observer_height_m`` is the horizon
  of its six neighbours in its column and on its diagonals (the ``d = 1``
  rule), so such a neighbour lower than the observer's ground is not visible
  and is raised to it, which hides much of the slope below an observer
  standing on a peak with a low mast (from the sample DEM's highest summit
  with ``-oz 2``, gdal_viewshed sees 7 cells; with ``-oz 30``, about 10 000).
  The two neighbours on the observer's row are always visible (and are not
  raised).  GDAL 3.10 changed this (OSGeo/gdal#10205); whitezone keeps 3.6's
  answer.
* Earth curvature and refraction lower every cell by
  ``curvature_coeff * r**2 / earth_diameter_m`` (``r`` the distance in CRS
  units between cell origins), with ``earth_diameter_m`` twice the semi-major
  axis of the DEM's ellipsoid (GDAL reads it from the CRS; 12 756 274 m for
  WGS 84).  The observer's height is not lowered.  The default coefficient
  0.85714 is ``1 - 1/7``: curvature with a standard refraction of 1/7.
* A cell farther than ``max_distance_m`` is "out of range" (0 here, GDAL's
  ``-ov`` value); the test is ``r**2 > max_distance_m**2`` on the same
  ``r``.
* GDAL reads nodata cells as heights (``-32768`` in an SRTM tile: a deep pit).
  Here they are "unknown": never visible and transparent (they do not raise
  the horizon) — which is what a very deep pit does in GDAL too, so the
  answers only differ in the nodata cells' own value.

Geographic DEMs
---------------
GDAL documents that the algorithm "will only output meaningful results if the
georeferencing is in a projected coordinate reference system".  The sweep
itself only uses cell offsets (and an affine map of the plane keeps its
interpolations), but GDAL measures ``r`` in CRS units: on a lon/lat DEM
``-md`` is in degrees and the curvature drop (degrees² over a diameter in
metres) silently vanishes — about 15 m at 15 km.  :func:`viewshed` therefore
refuses a geographic DEM (or one whose units are not metres) with an
:class:`~whitezone.errors.InputError` asking to reproject it first, e.g.
``gdalwarp -t_srs EPSG:32648 -r bilinear dem.tif dem_utm.tif`` (UTM 48N for
northern Vietnam).  :func:`viewshed_array` takes the grid as given.
"""

from __future__ import annotations

import logging
import math
import time
from pathlib import Path

import affine
import numpy as np

from .errors import InputError
from .files import atomic_path

__all__ = ["DEFAULT_CURVATURE_COEFF", "WGS84_EARTH_DIAMETER_M", "viewshed", "viewshed_array"]

logger = logging.getLogger(__name__)

#: Curvature-and-refraction coefficient of ``gdal_viewshed`` (``-cc``): 1 - 1/7,
#: the earth's curvature less a standard atmospheric refraction of 1/7.
DEFAULT_CURVATURE_COEFF = 0.85714

#: Twice the WGS 84 semi-major axis: the "earth diameter" GDAL uses for a DEM in
#: a WGS 84-based CRS such as UTM (``OGRSpatialReference::GetSemiMajor() * 2``).
WGS84_EARTH_DIAMETER_M = 2.0 * 6378137.0


def _observer_cell(transform: affine.Affine, x: float, y: float) -> tuple[int, int]:
    """Column and row of the cell holding ``(x, y)``, computed as GDAL does.

    GDAL inverts the geotransform (``GDALInvGeoTransform``: for a north-up
    transform ``-x0 / a``, ``1 / a``, ``-y0 / e``, ``1 / e``), applies it and
    truncates; the same floating-point steps give the same cell for a point on
    a cell edge.
    """
    inv_col = (-transform.c / transform.a, 1.0 / transform.a)
    inv_row = (-transform.f / transform.e, 1.0 / transform.e)
    col = inv_col[0] + x * inv_col[1]
    row = inv_row[0] + y * inv_row[1]
    return math.floor(col), math.floor(row)


def _check_transform(transform: affine.Affine) -> None:
    if transform.b != 0 or transform.d != 0:
        raise InputError(
            "the DEM's geotransform is rotated or sheared; the viewshed needs a north-up grid "
            "(reproject it with gdalwarp first)"
        )
    if transform.a == 0 or transform.e == 0:
        raise InputError(f"the DEM's geotransform has a zero cell size: {tuple(transform)[:6]}")


def viewshed_array(
    dem: np.ndarray,
    transform: affine.Affine,
    observer_xy: tuple[float, float],
    *,
    observer_height_m: float = 2.0,
    target_height_m: float = 0.0,
    max_distance_m: float | None = None,
    curvature_coeff: float = DEFAULT_CURVATURE_COEFF,
    nodata: float | None = None,
    earth_diameter_m: float = WGS84_EARTH_DIAMETER_M,
) -> np.ndarray:
    """Viewshed of one observer on a DEM array: 1 visible, 0 not visible.

    Cell for cell the answer of ``gdal_viewshed`` (GDAL 3.6, default "edge"
    mode) with ``-vv 1 -iv 0 -ov 0``; see the module documentation for the
    algorithm and GDAL's conventions it keeps.

    Parameters
    ----------
    dem : numpy.ndarray
        2-D terrain heights in metres, on a north-up grid in a projected CRS
        whose units are metres.
    transform : affine.Affine
        The grid's affine transform (rasterio convention), no rotation.
    observer_xy : tuple of float
        Observer (site) position in the DEM's CRS; the observer stands in the
        cell that contains it.
    observer_height_m : float, default 2.0
        Observer (antenna) height above the ground (``-oz``).
    target_height_m : float, default 0.0
        Height above the ground at which a cell counts as seen (``-tz``): 1.5
        for a handset held by a person.
    max_distance_m : float, optional
        Cells farther than this from the observer are 0 (``-md``); ``None`` or
        0 for no limit.
    curvature_coeff : float, default 0.85714
        Earth curvature and refraction coefficient (``-cc``); 0 for a flat
        earth.
    nodata : float, optional
        DEM value of cells without data.  Such cells (and NaN) are never
        visible and do not hide what lies behind them.
    earth_diameter_m : float, default 12 756 274
        Twice the semi-major axis of the DEM's ellipsoid (GDAL's convention);
        :func:`viewshed` reads it from the DEM's CRS.

    Returns
    -------
    numpy.ndarray
        ``uint8`` array of the DEM's shape: 1 visible, 0 not visible, out of
        range or nodata.

    Raises
    ------
    InputError
        If the DEM is not 2-D, the transform is rotated, the observer is
        outside the DEM or on a nodata cell, or a parameter is out of range.
    """
    started = time.perf_counter()
    dem = np.asarray(dem)
    if dem.ndim != 2 or dem.size == 0:
        raise InputError(f"the DEM must be a non-empty 2-D array, got shape {dem.shape}")
    transform = affine.Affine(*tuple(transform)[:6])
    _check_transform(transform)
    for name, value in (
        ("observer_height_m", observer_height_m),
        ("target_height_m", target_height_m),
        ("curvature_coeff", curvature_coeff),
    ):
        if not math.isfinite(value):
            raise InputError(f"{name} must be a finite number, got {value!r}")
    if max_distance_m is not None and not (max_distance_m >= 0 and math.isfinite(max_distance_m)):
        raise InputError(f"max_distance_m must be a positive number, got {max_distance_m!r}")
    if not earth_diameter_m > 0:
        raise InputError(f"earth_diameter_m must be positive, got {earth_diameter_m!r}")

    if not all(math.isfinite(value) for value in observer_xy):
        raise InputError(f"the observer's coordinates must be finite, got {tuple(observer_xy)}")
    n_rows, n_cols = dem.shape
    col, row = _observer_cell(transform, *observer_xy)
    if not (0 <= col < n_cols and 0 <= row < n_rows):
        raise InputError(
            f"the observer at {tuple(observer_xy)} falls outside the DEM "
            f"(cell column {col}, row {row} of a {n_cols} x {n_rows} grid)"
        )
    ground = float(dem[row, col])
    if not math.isfinite(ground) or (nodata is not None and ground == nodata):
        raise InputError(f"the DEM has no height at the observer {tuple(observer_xy)}")

    cell_w, cell_h = transform.a, transform.e
    # How far the sweep goes up, down, left and right: the DEM's edge, or the
    # last cell within the distance.
    reach = [row, n_rows - 1 - row, col, n_cols - 1 - col]
    limited = bool(max_distance_m)
    if limited:
        # One cell more than the quotient: rounding never cuts a cell in range.
        rows_in = math.floor(max_distance_m / abs(cell_h)) + 1
        cols_in = math.floor(max_distance_m / abs(cell_w)) + 1
        reach = [min(reach[0], rows_in), min(reach[1], rows_in)] + [
            min(reach[2], cols_in),
            min(reach[3], cols_in),
        ]
    up, down, left, right = reach
    # Octants as (row sign, column sign, transposed, rows swept K, cells per row M),
    # the longest sweeps first so the octants still running form a prefix.
    octants = []
    for sy, rows in ((-1, up), (1, down)):
        for sx, cols in ((1, right), (-1, left)):
            octants.append((sy, sx, False, rows, cols))
            octants.append((sy, sx, True, cols, rows))
    octants.sort(key=lambda octant: -octant[3])
    n = octants[0][3] + 1
    reach_m, width = _schedule(octants, n)

    # The DEM around the observer as float64; nodata cells become -inf, which
    # never raises a horizon and never makes a NaN (every weight in the
    # formulas is >= 1).
    r0, r1, c0, c1 = row - up, row + down + 1, col - left, col + right + 1
    area = dem[r0:r1, c0:c1].astype(np.float64)
    unknown = np.isnan(area) if np.issubdtype(dem.dtype, np.floating) else None
    if nodata is not None:
        unknown = area == nodata if unknown is None else unknown | (area == nodata)
    if unknown is not None:
        np.copyto(area, -np.inf, where=unknown)

    # Squared distance between cell origins as GDAL computes it, indexed
    # [row offset, column offset], and the curvature drop it gives; the
    # transposed octants get their own drop, indexed [column offset, row
    # offset], so that both are read contiguously.
    dy = cell_h * np.arange(max(up, down) + 1, dtype=np.float64)
    dx = cell_w * np.arange(max(left, right) + 1, dtype=np.float64)
    r2 = np.add.outer(dy * dy, dx * dx)
    in_range = r2 <= max_distance_m * max_distance_m if limited else None
    drops = None
    if curvature_coeff != 0 and math.isfinite(earth_diameter_m):
        r2_t = np.add.outer(dx * dx, dy * dy)
        drops = (
            curvature_coeff * r2 / earth_diameter_m,
            curvature_coeff * r2_t / earth_diameter_m,
        )

    # Stack the octants: heights[k, octant, m], row k outwards, m <= k; the
    # transposed octants take the transposed quadrant.  Past an
    # octant's M (the DEM's edge or the distance) and past its K the stack
    # holds -inf, which the sweep computes through harmlessly and never uses.
    heights = np.empty((n, 8, width))
    for p, (sy, sx, transposed, k_max, m_max) in enumerate(octants):
        m_end = min(m_max, width - 1) + 1
        quadrant = _quadrant(area, up, left, sy, sx)
        quadrant = quadrant[:m_end, : k_max + 1].T if transposed else quadrant[: k_max + 1, :m_end]
        target = heights[: k_max + 1, p, :m_end]
        if drops is None:
            target[...] = quadrant
        else:
            np.subtract(quadrant, drops[transposed][: k_max + 1, :m_end], out=target)
        heights[: k_max + 1, p, m_end:] = -np.inf
        heights[k_max + 1 :, p] = -np.inf
    z_observer = ground + observer_height_m
    on_row = [p for p, octant in enumerate(octants) if octant[2]]
    seen = _sweep(heights, reach_m, on_row, z_observer, target_height_m)

    # Back from the octants to the grid; overlapping cells (axes, diagonals)
    # hold the same answer in both octants that share them.
    visible = np.zeros(area.shape, dtype=bool)
    for p, (sy, sx, transposed, k_max, m_max) in enumerate(octants):
        m_end = min(m_max, width - 1) + 1
        block = seen[: k_max + 1, :m_end, p]
        quadrant = _quadrant(visible, up, left, sy, sx)
        if transposed:
            quadrant[:m_end, : k_max + 1] |= block.T
        else:
            quadrant[: k_max + 1, :m_end] |= block
    if in_range is not None:
        for sy in (-1, 1):
            for sx in (-1, 1):
                quadrant = _quadrant(visible, up, left, sy, sx)
                quadrant &= in_range[: quadrant.shape[0], : quadrant.shape[1]]
    if unknown is not None:
        visible[unknown] = False
    out = np.zeros((n_rows, n_cols), dtype=bool)
    out[r0:r1, c0:c1] = visible
    # GDAL: the observer and its two neighbours on its row are visible,
    # whatever the distance (nodata cells never are, here).
    for neighbour in range(max(col - 1, 0), min(col + 2, n_cols)):
        value = float(dem[row, neighbour])
        out[row, neighbour] = math.isfinite(value) and value != nodata
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "viewshed over %d x %d cells around cell (%d, %d): %d visible in %.3f s",
            r1 - r0,
            c1 - c0,
            col,
            row,
            int(np.count_nonzero(out)),
            time.perf_counter() - started,
        )
    return out.view(np.uint8)


def _quadrant(grid: np.ndarray, row: int, col: int, sy: int, sx: int) -> np.ndarray:
    """View of the quadrant of ``grid`` from (row, col) towards (sy, sx), indexed
    [row offset, column offset]."""
    rows = slice(row, None) if sy > 0 else slice(row, None, -1)
    cols = slice(col, None) if sx > 0 else slice(col, None, -1)
    return grid[rows, cols]


def _schedule(octants: list[tuple], n: int) -> tuple[list[int], int]:
    """Per row k the last cell any octant still running needs, min(k, their
    largest M) (the octants are sorted by K, so those running are a prefix);
    and the width of the stack, one more than the farthest such cell."""
    k_max = np.array([octant[3] for octant in octants])
    widest = np.maximum.accumulate(np.array([octant[4] for octant in octants]))
    rows = np.arange(n)
    running = np.searchsorted(-k_max, -rows, side="right")  # octants with K >= k
    reach = np.minimum(rows, widest[running - 1])
    return reach.tolist(), int(reach.max()) + 1


def _sweep(
    heights: np.ndarray,
    reach: list[int],
    on_row: list[int],
    z_observer: float,
    target_height_m: float,
) -> np.ndarray:
    """Visibility ``seen[k, m, octant]`` of the stacked octants ``heights[k, octant, m]``.

    ``heights`` holds curvature-corrected terrain heights; ``reach[k]`` is the
    last cell of row ``k`` any octant needs (:func:`_schedule`); ``on_row``
    lists the transposed octants, whose ``m = 0`` column is the observer's row.
    Each step copies row ``k`` of the eight octants into a contiguous
    ``(w + 1, 8)`` block (octant fastest), so that every operation, the
    interpolation's shifted slices included, runs on contiguous memory.
    """
    n, octants, width = heights.shape
    seen = np.zeros((n, width, octants), dtype=bool)
    seen[0, 0, :] = True
    # Processed heights of the previous row; row 0 is the observer's ground.
    prev = heights[0, :, :1].T.copy()
    # Weights m and (k - m) of the interpolation, one column per octant.
    up = np.repeat(np.arange(n, dtype=np.float64)[:, None], octants, axis=1)
    down = up[::-1].copy()
    # Two horizon buffers: one holds the previous row while the other fills.
    horizon, other = np.empty((width, octants)), np.empty((width, octants))
    ground, delta, spare, lifted = (np.empty((width, octants)) for _ in range(4))
    subtract, multiply, divide = np.subtract, np.multiply, np.divide
    greater_equal, maximum, copyto = np.greater_equal, np.maximum, np.copyto
    for k in range(1, n):
        w = reach[k]
        h = ground[: w + 1]
        copyto(h, heights[k, :, : w + 1].T)
        z = horizon[: w + 1]
        if k == 1:
            # d = 1: the neighbour's height itself, i.e. the observer's ground.
            z[...] = prev[:1]
        else:
            last = min(w, k - 1)
            d = delta[: last + 1]
            subtract(prev[: last + 1], z_observer, out=d)
            scale = float(k - 1)
            # The observer's row/column and, if reached, the diagonal: straight
            # extrapolation of the neighbour (cells 0 and k, from 0 and k-1).
            if w == k:
                ends, from_ends, near = z[::k], d[:: k - 1], prev[:: k - 1]
            else:
                ends, from_ends, near = z[:1], d[:1], prev[:1]
            divide(from_ends, scale, out=ends)
            ends += near
            # Inside the octant: interpolate between cells m-1 and m of the
            # previous row, extrapolate to this one.
            mid = z[1 : last + 1]
            multiply(d[:last], up[1 : last + 1], out=mid)
            tmp = spare[:last]
            multiply(d[1:], down[n - k : n - k + last], out=tmp)
            mid += tmp
            mid /= scale
            mid += z_observer
        if target_height_m:
            ht = lifted[: w + 1]
            np.add(h, target_height_m, out=ht)
        else:
            ht = h
        greater_equal(ht, z, out=seen[k, : w + 1])
        new = maximum(h, z, out=z)
        if k == 1:
            # The observer's row neighbours (transposed octants, m = 0): always
            # visible, and they pass on their own height.
            seen[1, 0, on_row] = True
            new[0, on_row] = h[0, on_row]
        prev = new
        horizon, other = other, horizon
    return seen


def viewshed(
    dem_path: str | Path,
    x: float,
    y: float,
    *,
    crs: object = None,
    observer_height_m: float = 2.0,
    target_height_m: float = 0.0,
    max_distance_m: float | None = None,
    curvature_coeff: float = DEFAULT_CURVATURE_COEFF,
    out_path: str | Path | None = None,
    window_m: float | None = None,
) -> tuple[np.ndarray, dict]:
    """Viewshed of a site on a DEM file, optionally written as a GeoTIFF.

    Parameters
    ----------
    dem_path : str or pathlib.Path
        A single-band DEM readable by rasterio, in a projected CRS in metres.
    x, y : float
        Observer position in ``crs``.
    crs : optional
        CRS of ``x, y`` (anything pyproj accepts); default the DEM's CRS.
    observer_height_m, target_height_m, max_distance_m, curvature_coeff
        As in :func:`viewshed_array`.
    out_path : str or pathlib.Path, optional
        Write the viewshed here as a GeoTIFF (``uint8``, 255 visible, 0 not —
        ``gdal_viewshed``'s defaults), atomically.
    window_m : float, optional
        Read and compute only a square of this half-width (metres) around the
        observer; default ``max_distance_m`` (the whole DEM when neither is
        given).  Cells outside the window are simply not in the result.

    Returns
    -------
    numpy.ndarray
        ``uint8`` 1 visible / 0 not visible, over the window read.
    dict
        The rasterio profile of that grid (as written to ``out_path``).

    Raises
    ------
    InputError
        If the DEM is geographic, not in metres or has no CRS, or the observer
        is outside it or on a nodata cell.
    """
    # Imported here so viewshed_array needs numpy alone.
    import rasterio
    from pyproj import CRS, Transformer
    from rasterio.windows import Window

    dem_path = Path(dem_path)
    with rasterio.open(dem_path) as src:
        if src.crs is None:
            raise InputError(f"{dem_path}: the DEM has no CRS; assign or reproject it first")
        dem_crs = CRS.from_user_input(src.crs)
        _check_metric(dem_crs, dem_path)
        _check_transform(src.transform)
        if crs is not None:
            point_crs = CRS.from_user_input(crs)
            if point_crs != dem_crs:
                to_dem = Transformer.from_crs(point_crs, dem_crs, always_xy=True)
                x, y = to_dem.transform(x, y)
        col, row = _observer_cell(src.transform, x, y)
        if not (0 <= col < src.width and 0 <= row < src.height):
            raise InputError(
                f"{dem_path}: the observer at ({x:.1f}, {y:.1f}) falls outside the DEM"
            )
        half = window_m if window_m else max_distance_m
        if half:
            n_cols = math.ceil(half / abs(src.transform.a)) + 1
            n_rows = math.ceil(half / abs(src.transform.e)) + 1
            c0, r0 = max(col - n_cols, 0), max(row - n_rows, 0)
            c1, r1 = min(col + n_cols + 1, src.width), min(row + n_rows + 1, src.height)
        else:
            c0, r0, c1, r1 = 0, 0, src.width, src.height
        window = Window(c0, r0, c1 - c0, r1 - r0)
        dem = src.read(1, window=window)
        transform = src.window_transform(window)
        nodata = src.nodata
        raster_crs = src.crs
    ellipsoid = dem_crs.ellipsoid
    diameter = 2.0 * ellipsoid.semi_major_metre if ellipsoid else WGS84_EARTH_DIAMETER_M
    # The centre of the observer's cell, so the window's own rounding cannot
    # move the observer to a neighbouring cell.
    centre = (
        transform.c + transform.a * (col - c0 + 0.5),
        transform.f + transform.e * (row - r0 + 0.5),
    )
    seen = viewshed_array(
        dem,
        transform,
        centre,
        observer_height_m=observer_height_m,
        target_height_m=target_height_m,
        max_distance_m=max_distance_m,
        curvature_coeff=curvature_coeff,
        nodata=nodata,
        earth_diameter_m=diameter,
    )
    profile = {
        "driver": "GTiff",
        "dtype": "uint8",
        "count": 1,
        "width": seen.shape[1],
        "height": seen.shape[0],
        "crs": raster_crs,
        "transform": transform,
        "nodata": None,
        "compress": "deflate",
    }
    if out_path is not None:
        with atomic_path(out_path) as tmp, rasterio.open(tmp, "w", **profile) as dst:
            dst.write(seen * np.uint8(255), 1)
        logger.info("viewshed written to %s", out_path)
    return seen, profile


def _check_metric(crs, source: Path) -> None:
    if crs.is_geographic:
        raise InputError(
            f"{source}: the DEM is in a geographic CRS ({crs.name}); a viewshed needs distances "
            "in metres. Reproject it first, e.g. `gdalwarp -t_srs EPSG:32648 -r bilinear "
            "dem.tif dem_utm.tif` (UTM 48N for northern Vietnam)"
        )
    units = {axis.unit_name.lower() for axis in crs.axis_info}
    if not units <= {"metre", "meter"}:
        raise InputError(
            f"{source}: the DEM's CRS ({crs.name}) is in {', '.join(sorted(units))}, not metres; "
            "reproject it to a metric CRS such as UTM first"
        )


def dem_viewshed(
    dem,
    x: float,
    y: float,
    *,
    observer_height_m: float = 30.0,
    target_height_m: float = 1.5,
    max_distance_m: float | None = None,
    curvature_coeff: float = DEFAULT_CURVATURE_COEFF,
    out_path: str | Path | None = None,
) -> np.ndarray:
    """Viewshed on a :class:`whitezone.dem.Dem` (a DEM already on a metric grid).

    This is how a project's DEM, in whatever CRS it came, gets a viewshed:
    :func:`whitezone.dem.load_dem` warps it onto the run's metric grid and
    this function sweeps it.  Defaults suit a BTS: a 30 m mast and a handset
    1.5 m above ground.

    Parameters
    ----------
    dem : whitezone.dem.Dem
    x, y : float
        Observer in the DEM's CRS.
    observer_height_m, target_height_m, max_distance_m, curvature_coeff
        As in :func:`viewshed_array`.
    out_path : str or pathlib.Path, optional
        Also write a GeoTIFF (uint8, 255 visible / 0 not), atomically.

    Returns
    -------
    numpy.ndarray
        uint8, 1 visible / 0 not, on the DEM's grid.
    """
    diameter = 2.0 * dem.crs.ellipsoid.semi_major_metre if dem.crs.ellipsoid \
        else WGS84_EARTH_DIAMETER_M  # fmt: skip
    seen = viewshed_array(dem.heights_m, dem.transform, (x, y),
                          observer_height_m=observer_height_m, target_height_m=target_height_m,
                          max_distance_m=max_distance_m, curvature_coeff=curvature_coeff,
                          nodata=None, earth_diameter_m=diameter)  # fmt: skip
    if out_path is not None:
        import rasterio

        profile = {"driver": "GTiff", "dtype": "uint8", "count": 1, "width": seen.shape[1],
                   "height": seen.shape[0], "crs": dem.crs.to_wkt(), "transform": dem.transform,
                   "nodata": None, "compress": "deflate"}  # fmt: skip
        with atomic_path(out_path) as tmp, rasterio.open(tmp, "w", **profile) as dst:
            dst.write(seen * np.uint8(255), 1)
    return seen
