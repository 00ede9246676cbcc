"""A site's viewshed on a DEM: which cells a raised observer can see.

The algorithm is the one GDAL 3.6 runs in ``gdal_viewshed``
(``GDALViewshedGenerate``, by Tamas Szekeres: a modified version of Wang,
Robinson and White (2000), *Generating viewsheds without using sightlines*,
PE&RS 66(1)), compiled here with numba so a run needs no GDAL binary and gives
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
formulas are evaluated in float64 in GDAL's order of operations, so the cells
agree with ``gdal_viewshed`` exactly, ties included.

Two implementations
-------------------
:func:`viewshed_array` runs a numba kernel (:func:`_sweep_compiled`) that
sweeps each quadrant's two octants straight off the DEM, reading each cell
once: the rows-outwards octant one row at a time (its cells independent of
each other), the columns-outwards octant in bands of :data:`_BAND` rows swept
column by column.  GDAL walks the latter along each row, where every cell
waits for its neighbour one column closer — a chain of a subtraction, a
division and a maximum per cell; sweeping a band's rows side by side lets
their chains overlap.  On the sample DEM the kernel takes about 0.6x GDAL's
in-process time (``benchmarks/terrain.py --viewshed``).

:func:`_viewshed_numpy` is the same algorithm in numpy: the eight octants
stacked into one array and swept together, one Python step per distance and a
dozen numpy operations on a contiguous ``(k + 1) x 8`` block.  It is the
readable reference the tests hold the kernel to, cell for cell.

The kernel is compiled on first use with ``cache=True``: the first call in a
fresh environment spends one to two seconds compiling per DEM dtype (float32
or float64 — other dtypes are converted to one of them; a GeoTIFF DEM and
:class:`whitezone.dem.Dem` are float32), later processes load the machine
code from numba's cache (``__pycache__`` beside this file, or numba's user
cache folder when that is read-only).

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
import numba
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

#: Rows of a columns-outwards octant the kernel sweeps side by side: enough
#: independent cells per column to hide the latency of one cell's chain of
#: arithmetic, few enough that the band's rows stay in the L1 cache.
_BAND = 16


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
    algorithm and GDAL's conventions it keeps.  The sweep is compiled (numba);
    the first call in a fresh environment compiles it (one to two seconds),
    later processes load it from numba's cache.

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
    dem, transform, row, col, ground = _checked(
        dem, transform, observer_xy, observer_height_m, target_height_m, max_distance_m,
        curvature_coeff, nodata, earth_diameter_m,
    )  # fmt: skip
    up, down, left, right = _reach(dem.shape, transform, row, col, max_distance_m)
    flat, row_stride = _flat_rows(dem)
    limited = bool(max_distance_m)
    # One tuple of scalars, each always of the same type, so that every call
    # finds the same compiled specialisation (one per DEM dtype).
    options = (
        float(ground + observer_height_m),
        float(ground),
        float(target_height_m),
        float(curvature_coeff),
        float(earth_diameter_m),
        bool(curvature_coeff != 0 and math.isfinite(earth_diameter_m)),
        float(max_distance_m * max_distance_m) if limited else 0.0,
        limited,
        float(nodata) if nodata is not None else 0.0,
        nodata is not None,
    )
    out = np.zeros(dem.shape, dtype=np.uint8)
    _sweep_compiled(
        flat, row_stride, out, row, col, up, down, left, right,
        float(transform.a), float(transform.e), options,
    )  # fmt: skip
    _observer_row(out, dem, row, col, nodata)
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "viewshed over %d x %d cells around cell (%d, %d): %d visible in %.3f s",
            up + down + 1,
            left + right + 1,
            col,
            row,
            int(np.count_nonzero(out)),
            time.perf_counter() - started,
        )
    return out


def _checked(
    dem, transform, observer_xy, observer_height_m, target_height_m, max_distance_m,
    curvature_coeff, nodata, earth_diameter_m,
) -> tuple[np.ndarray, affine.Affine, int, int, float]:  # fmt: skip
    """Validate :func:`viewshed_array`'s arguments; the DEM as an array, the
    transform, the observer's row and column and its ground height."""
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
    return dem, transform, row, col, ground


def _reach(shape, transform, row, col, max_distance_m) -> tuple[int, int, int, int]:
    """How far the sweep goes up, down, left and right: the DEM's edge, or the
    last cell within the distance."""
    n_rows, n_cols = shape
    reach = [row, n_rows - 1 - row, col, n_cols - 1 - col]
    if max_distance_m:
        # One cell more than the quotient: rounding never cuts a cell in range.
        rows_in = math.floor(max_distance_m / abs(transform.e)) + 1
        cols_in = math.floor(max_distance_m / abs(transform.a)) + 1
        reach = [min(reach[0], rows_in), min(reach[1], rows_in)] + [
            min(reach[2], cols_in),
            min(reach[3], cols_in),
        ]
    up, down, left, right = reach
    return up, down, left, right


def _observer_row(out: np.ndarray, dem: np.ndarray, row: int, col: int, nodata) -> None:
    """GDAL: the observer and its two neighbours on its row are visible,
    whatever the distance (nodata cells never are, here)."""
    n_cols = dem.shape[1]
    for neighbour in range(max(col - 1, 0), min(col + 2, n_cols)):
        value = float(dem[row, neighbour])
        out[row, neighbour] = math.isfinite(value) and value != nodata


def _flat_rows(dem: np.ndarray) -> tuple[np.ndarray, int]:
    """The DEM as one read-only 1-D array and its row stride in items.

    Cell ``(r, c)`` is ``flat[r * stride + c]``.  A window cut out of a larger
    DEM (rows contiguous, rows apart) is viewed in place rather than copied,
    and every DEM reaches the kernel as the same array type — 1-D, contiguous,
    read-only, float32 or float64 — so numba compiles and caches only those two.
    Integer DEMs of up to 16 bits become float32 (exactly), others float64.
    """
    if dem.dtype != np.float32 and dem.dtype != np.float64:
        exact32 = dem.dtype.kind in "biu" and dem.dtype.itemsize <= 2
        dem = dem.astype(np.float32 if exact32 else np.float64)
    item = dem.itemsize
    row_bytes, cell_bytes = dem.strides
    if cell_bytes != item or row_bytes < 0 or row_bytes % item:
        dem = np.ascontiguousarray(dem)
        row_bytes = dem.strides[0]
    stride = row_bytes // item
    span = (dem.shape[0] - 1) * stride + dem.shape[1]
    flat = np.lib.stride_tricks.as_strided(dem, shape=(span,), strides=(item,), writeable=False)
    return flat, stride


# ------------------------------------------------------------ compiled kernel


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _nan_max(a, b):
    """``np.maximum`` of two floats: NaN when either is (as the reference)."""
    if a > b:
        return a
    if a != a:
        return a
    return b


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _cell(value, r2, horizon, options):
    """One cell: the height it passes on outwards, and whether it is seen.

    ``value`` is the DEM's, ``r2`` the squared distance from the observer,
    ``horizon`` the interpolated horizon height ``Z``.
    """
    _, _, target, coeff, diameter, curved, limit2, limited, nodata, has_nodata = options
    value = np.float64(value)
    if value != value or (has_nodata and value == nodata):
        # Unknown: a height of -inf, which leaves the horizon as it is.
        return horizon, False
    if curved:
        value = value - coeff * r2 / diameter
    seen = value + target >= horizon and (not limited or r2 <= limit2)
    return _nan_max(value, horizon), seen


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _rows_outwards(flat, stride, out, row, col, sy, sx, k_y, k_x, dy2, dx2, prev, cur, options):
    """The octant of a quadrant where ``|dx| <= |dy|``: row ``k`` from row ``k - 1``.

    ``sy``, ``sx`` point the quadrant; ``k_y``, ``k_x`` are its reach.  The
    cells of a row depend only on the previous one (``prev``), not on each
    other, so the row's loop carries no dependency.
    """
    z_observer = options[0]
    prev[0] = options[1]  # H(0, 0): the observer's ground
    for k in range(1, k_y + 1):
        r = row + sy * k
        base = r * stride + col
        r2_row = dy2[k]
        scale = float(k - 1)
        # The observer's column: extrapolate the cell one row closer (d = 1:
        # the observer's ground itself — GDAL 3.6's quirk).
        near = prev[0]
        horizon = near if k == 1 else (near - z_observer) / scale + near
        cur[0], out[r, col] = _cell(flat[base], r2_row + dx2[0], horizon, options)
        for m in range(1, min(k - 1, k_x) + 1):
            horizon = (
                (prev[m - 1] - z_observer) * m + (prev[m] - z_observer) * (k - m)
            ) / scale + z_observer
            cur[m], out[r, col + sx * m] = _cell(
                flat[base + sx * m], r2_row + dx2[m], horizon, options
            )
        if k <= k_x:  # the diagonal, from the diagonal cell one row closer
            near = prev[k - 1]
            horizon = near if k == 1 else (near - z_observer) / scale + near
            cur[k], out[r, col + sx * k] = _cell(
                flat[base + sx * k], r2_row + dx2[k], horizon, options
            )
        prev, cur = cur, prev


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _columns_outwards(flat, stride, out, row, col, sy, sx, k_y, k_x, dy2, dx2, edge, a, b,
                      options):  # fmt: skip
    """The octant of a quadrant where ``|dx| >= |dy|``: column ``k`` from column ``k - 1``.

    Rows ``m`` (``|dy|``) are taken in bands of :data:`_BAND`; a band is swept
    column by column, its cells of one column independent of each other.
    ``a`` holds column ``k - 1`` of the band, ``b`` receives column ``k``;
    index 0 is the row before the band, read from ``edge`` (``edge[k]`` holds
    H of the previous band's last row in column ``k``, and is overwritten
    with this band's last row once column ``k`` is done).
    """
    z_observer = options[0]
    last_row = min(k_x, k_y)
    for m0 in range(0, last_row + 1, _BAND):
        m_last = min(m0 + _BAND - 1, last_row)
        if m0 == 0:
            a[1] = options[1]  # column 0: the observer's ground
            first = 1
        else:
            a[0] = edge[m0 - 1]  # the previous band's diagonal cell
            first = m0
        for k in range(first, k_x + 1):
            c = col + sx * k
            r2_col = dx2[k]
            scale = float(k - 1)
            b[0] = edge[k]
            m_start = m0
            if m0 == 0:
                # The observer's row: its two neighbours pass on their own
                # height (horizon -inf; their visibility is set by the
                # caller), farther cells extrapolate the one before.
                near = a[1]
                horizon = -np.inf if k == 1 else (near - z_observer) / scale + near
                b[1], out[row, c] = _cell(flat[row * stride + c], r2_col, horizon, options)
                m_start = 1
            for m in range(m_start, min(m_last, k - 1) + 1):
                j = m - m0 + 1
                horizon = (
                    (a[j - 1] - z_observer) * m + (a[j] - z_observer) * (k - m)
                ) / scale + z_observer
                r = row + sy * m
                b[j], out[r, c] = _cell(flat[r * stride + c], dy2[m] + r2_col, horizon, options)
            if m0 <= k <= m_last:  # the diagonal
                j = k - m0 + 1
                near = a[j - 1]
                horizon = near if k == 1 else (near - z_observer) / scale + near
                r = row + sy * k
                b[j], out[r, c] = _cell(flat[r * stride + c], dy2[k] + r2_col, horizon, options)
            if k >= m_last:
                edge[k] = b[m_last - m0 + 1]
            a, b = b, a


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _sweep_compiled(flat, stride, out, row, col, up, down, left, right, cell_w, cell_h, options):
    """Visibility of every cell within the reach, written into ``out`` (0/1).

    ``flat``/``stride`` are the DEM as :func:`_flat_rows` gives it; ``options``
    is :func:`viewshed_array`'s tuple.  The observer's own row neighbours are
    left to the caller.
    """
    # Squared distances between cell origins as GDAL computes them.
    dy2 = np.empty(max(up, down) + 1)
    for i in range(dy2.size):
        d = cell_h * i
        dy2[i] = d * d
    dx2 = np.empty(max(left, right) + 1)
    for i in range(dx2.size):
        d = cell_w * i
        dx2[i] = d * d
    prev = np.empty(dx2.size)
    cur = np.empty(dx2.size)
    edge = np.empty(dx2.size)
    a = np.empty(_BAND + 1)
    b = np.empty(_BAND + 1)
    for quadrant in range(4):
        sy, k_y = (-1, up) if quadrant < 2 else (1, down)
        sx, k_x = (1, right) if quadrant % 2 == 0 else (-1, left)
        _rows_outwards(flat, stride, out, row, col, sy, sx, k_y, k_x, dy2, dx2, prev, cur, options)
        _columns_outwards(
            flat, stride, out, row, col, sy, sx, k_y, k_x, dy2, dx2, edge, a, b, options
        )


# ------------------------------------------------------- numpy reference


def _viewshed_numpy(
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
    """:func:`viewshed_array` in numpy: the reference the compiled kernel is tested against.

    Same parameters, result and errors as :func:`viewshed_array`.  The eight
    octants are stacked into one array and swept together, one Python step
    per distance (see :func:`_sweep`); about 5x slower than the kernel on a
    thousand cells square, more on small grids.
    """
    dem, transform, row, col, ground = _checked(
        dem, transform, observer_xy, observer_height_m, target_height_m, max_distance_m,
        curvature_coeff, nodata, earth_diameter_m,
    )  # fmt: skip
    n_rows, n_cols = dem.shape
    cell_w, cell_h = transform.a, transform.e
    up, down, left, right = _reach(dem.shape, transform, row, col, max_distance_m)
    limited = bool(max_distance_m)
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
    _observer_row(out, dem, row, col, nodata)
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
