"""Village classes and modelled coverage rolled up to H3 hexagons, for national maps.

Communes and districts change (the 2025 reform merged provinces and removed
the district tier); a fixed hexagonal grid does not.  Uber's H3 grid tiles the
globe with hexagons of (nearly) equal area at every resolution — on average
5.16 km² at resolution 7, 0.737 km² at resolution 8 and 0.105 km² at
resolution 9 — so counts per hexagon can be compared across provinces, years
and administrative boundaries, and national maps show where the gaps are
without the visual weight of large, empty communes.

Two roll-ups:

* :func:`hexagon_summary` — the classified villages of a run
  (:attr:`whitezone.pipeline.Result.villages`) counted per hexagon: villages
  and people with no, weak or good signal, for any technology and for each.
  A village belongs to the hexagon holding its point.
* :func:`hexagon_coverage` — the modelled coverage grid of a run
  (:class:`whitezone.grid.CoverageGrid`) as the share of each hexagon's
  area covered, per technology: the roll-up of the FCC broadband data
  collection's hexagon maps, where a grid cell counts for the hexagon holding
  its centre.

H3 is an optional dependency (``pip install 'whitezone[h3]'``), imported only
when these functions are called.

Notes
-----
*Speed.*  h3-py 4 has no vectorised ``latlng_to_cell`` (``h3.api.numpy_int``
returns ``uint64`` integers but still takes one point per call).  The cell of
each point is computed with the integer API mapped over the coordinates into a
``uint64`` array (``np.fromiter``), grouped as integers (``pandas.factorize``
and ``numpy.bincount``), and only the distinct cells are turned into strings
and polygons.  On a million points this is about 35 % faster than mapping the
string API (``np.frompyfunc(h3.latlng_to_cell, ...)``) and groups ten times
faster than grouping on strings.

*Antimeridian.*  Hexagons crossing longitude ±180° are not split: their
polygon would span the globe in EPSG:4326.  Vietnam is far from it; a warning
is logged if such a cell ever appears.
"""

from __future__ import annotations

import logging
from types import ModuleType

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from .classes import CATEGORIES, reconcile, tally
from .errors import MissingExtraError, WhitezoneError
from .grid import CoverageGrid

__all__ = ["H3_MISSING", "hexagon_coverage", "hexagon_summary"]

logger = logging.getLogger(__name__)

#: Message of the error raised when the optional ``h3`` package is missing.
H3_MISSING = "H3 hexagons need: pip install 'whitezone[h3]'"

_CHUNK = 1 << 20  # grid cells converted per step in hexagon_coverage


def _h3() -> ModuleType:
    """The h3 package (version 4), imported on first use."""
    try:
        import h3
        import h3.api.numpy_int
    except ImportError as exc:
        raise MissingExtraError(H3_MISSING) from exc
    if not hasattr(h3, "latlng_to_cell"):  # h3 3.x named it geo_to_h3
        raise MissingExtraError(f"{H3_MISSING} (h3 >= 4 is needed, found {h3.__version__})")
    return h3


def _check_resolution(resolution) -> int:
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) \
            or not 0 <= int(resolution) <= 15:  # fmt: skip
        raise WhitezoneError(
            f"H3 resolution must be a whole number from 0 to 15, got {resolution!r}"
        )
    return int(resolution)


def _cells(h3: ModuleType, lat: np.ndarray, lng: np.ndarray, resolution: int) -> np.ndarray:
    """uint64 H3 cell of each (lat, lng) in degrees."""
    to_cell = h3.api.numpy_int.latlng_to_cell
    try:
        return np.fromiter(map(to_cell, lat.tolist(), lng.tolist(), [resolution] * len(lat)),
                           dtype=np.uint64, count=len(lat))  # fmt: skip
    except (ValueError, TypeError) as exc:  # H3LatLngDomainError is a ValueError
        raise WhitezoneError(f"cannot place a point in an H3 cell: {exc}") from exc


def _polygons(h3: ModuleType, cells: np.ndarray) -> np.ndarray:
    """Shapely polygons (lng, lat) of uint64 cells, from ``h3.cell_to_boundary``."""
    if len(cells) == 0:
        return np.array([], dtype=object)
    boundary = h3.api.numpy_int.cell_to_boundary
    rings = [np.asarray(boundary(c), dtype=float) for c in cells.tolist()]  # (lat, lng) pairs
    sizes = np.fromiter((len(r) for r in rings), dtype=np.int64, count=len(rings))
    latlng = np.concatenate(rings)
    lng, lat = latlng[:, 1], latlng[:, 0]
    index = np.repeat(np.arange(len(rings)), sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    span = np.maximum.reduceat(lng, starts) - np.minimum.reduceat(lng, starts)
    crossing = int((span > 180).sum())
    if crossing:
        logger.warning("%d H3 cell(s) cross the antimeridian; their polygons are not split and "
                       "span the globe in EPSG:4326", crossing)  # fmt: skip
    return shapely.polygons(shapely.linearrings(np.column_stack([lng, lat]), indices=index))


def _pct(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.round(
            np.where(whole > 0, 100.0 * part / np.where(whole > 0, whole, 1), np.nan), 2
        )


def _lonlat(villages: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Longitude, latitude of the located villages, and the mask of located ones."""
    geo = villages.geometry
    if geo.crs is not None and not geo.crs.equals("EPSG:4326"):
        geo = geo.to_crs(4326)
    arr = geo.to_numpy()
    located = ~(shapely.is_missing(arr) | shapely.is_empty(arr))
    pts = arr[located]
    not_point = shapely.get_type_id(pts) != 0
    if not_point.any():  # polygons or lines: a point inside them, as read_villages does
        pts = pts.copy()
        pts[not_point] = shapely.point_on_surface(pts[not_point])
    lng, lat = shapely.get_x(pts), shapely.get_y(pts)
    bad = ~(np.isfinite(lng) & np.isfinite(lat))
    if bad.any():  # NaN coordinates: no place, like an empty geometry
        idx = np.flatnonzero(located)
        located[idx[bad]] = False
        lng, lat = lng[~bad], lat[~bad]
    if geo.crs is None and len(lng) and (np.abs(lat).max() > 90 or np.abs(lng).max() > 180):
        raise WhitezoneError("villages have no CRS and their coordinates are not longitude/latitude; "
                             "set their CRS (EPSG:4326 expected)")  # fmt: skip
    return lng, lat, located


def _with_shares(counts: pd.DataFrame, suffixes) -> dict[str, np.ndarray]:
    """The tally's counts per hexagon with each one's share of the hexagon's villages (people)."""
    villages, people = counts["villages"].to_numpy(), counts["population"].to_numpy()
    out: dict[str, np.ndarray] = {}
    for sfx in suffixes:
        for c in CATEGORIES:
            out[f"villages_{c}{sfx}"] = counts[f"villages_{c}{sfx}"].to_numpy()
            out[f"pct_{c}{sfx}"] = _pct(out[f"villages_{c}{sfx}"], villages)
        for c in CATEGORIES:
            out[f"population_{c}{sfx}"] = counts[f"population_{c}{sfx}"].to_numpy()
            out[f"pct_population_{c}{sfx}"] = _pct(out[f"population_{c}{sfx}"], people)
    return out


def hexagon_summary(villages: gpd.GeoDataFrame, *, resolution: int = 7) -> gpd.GeoDataFrame:
    """Classified villages counted per H3 hexagon.

    Each located village counts for the hexagon holding its point.  Villages
    without a location (``status == "unlocated"``, empty geometry) lie in no
    hexagon: they are counted in ``attrs["unlocated"]`` and in the log line
    this function writes, so that hexagons + unlocated = villages, which is
    checked.

    Parameters
    ----------
    villages : GeoDataFrame
        The classified villages of a run (:attr:`whitezone.pipeline.Result.villages`):
        ``class_any`` and ``class_<tech>`` (``none``/``weak``/``good`` or a
        status such as ``unlocated``), ``population`` (missing counts as 0),
        point geometry (other geometries count at a point inside them); any
        CRS, reprojected to EPSG:4326.
    resolution : int, default 7
        H3 resolution, 0 (coarsest) to 15.  Average hexagon areas: 5.16 km² at
        7 (about a village's land), 0.737 km² at 8, 0.105 km² at 9.

    Returns
    -------
    GeoDataFrame
        One row per hexagon holding at least one village, sorted by cell id,
        EPSG:4326:

        * ``h3`` — the cell id (hexadecimal string);
        * ``villages``, ``population``;
        * for ``class_any``: ``villages_none``, ``villages_weak``,
          ``villages_good``, ``villages_unclassified``, each with its
          ``pct_*`` of the hexagon's villages, and ``population_*`` with
          ``pct_population_*`` of its people;
        * the same per technology with a ``_<tech>`` suffix
          (``villages_none_4g``, ``pct_population_weak_3g``, ...);
        * ``geometry`` — the hexagon (``h3.cell_to_boundary``; a pentagon at
          the 12 pentagon cells).

        ``none + weak + good + unclassified = villages`` in every row.
        ``attrs`` holds ``resolution``, ``villages`` (input rows),
        ``unlocated`` and ``unlocated_population``.  Percentages are rounded
        to 2 decimals and NaN where the denominator is 0.

    Raises
    ------
    WhitezoneError
        h3 is not installed, the resolution is not 0..15, ``class_any`` is
        missing, or the counts do not reconcile.

    Notes
    -----
    Hexagons crossing the antimeridian (±180°) are not split.
    """
    h3 = _h3()
    resolution = _check_resolution(resolution)
    if "class_any" not in villages:
        raise WhitezoneError("hexagon_summary needs classified villages (a 'class_any' column)")
    techs = [c for c in villages.columns if str(c).startswith("class_") and c != "class_any"]
    pop_all = (villages["population"].astype(float).fillna(0.0).to_numpy()
               if "population" in villages else np.zeros(len(villages)))  # fmt: skip
    lng, lat, located = _lonlat(villages)
    cells = _cells(h3, lat, lng, resolution)
    code, uniq = pd.factorize(cells, sort=True)
    uniq = np.asarray(uniq, dtype=np.uint64)
    n = len(uniq)
    here = villages.iloc[np.flatnonzero(located)]
    pop = pop_all[located]

    classes = {"": here["class_any"], **{"_" + col[len("class_"):]: here[col] for col in techs}}
    counts = tally(code, classes, pop, labels=range(n))
    columns: dict[str, np.ndarray] = {
        "h3": np.array([h3.int_to_str(int(c)) for c in uniq], dtype=object),
        "villages": counts["villages"].to_numpy(),
        "population": counts["population"].to_numpy(),
        **_with_shares(counts, classes),
    }
    out = gpd.GeoDataFrame(columns, geometry=_polygons(h3, uniq), crs="EPSG:4326")

    unlocated = int((~located).sum())
    unlocated_pop = float(pop_all[~located].sum())
    total = int(out["villages"].sum()) + unlocated
    if total != len(villages):
        raise WhitezoneError(
            f"hexagon counts do not reconcile: {total} != {len(villages)} villages"
        )
    reconcile(out, list(classes), name="hexagon")
    out.attrs.update(resolution=resolution, villages=len(villages), unlocated=unlocated,
                     unlocated_population=unlocated_pop)  # fmt: skip
    logger.info("H3 res %d: %d villages in %d hexagons; %d unlocated (%g people) in no hexagon; "
                "%d villages in all", resolution, len(villages) - unlocated, n, unlocated,
                unlocated_pop, len(villages))  # fmt: skip
    return out


def hexagon_coverage(grid, *, resolution: int = 7) -> gpd.GeoDataFrame:
    """Share of each H3 hexagon's area covered by the model, per technology.

    The FCC-style roll-up: every cell of the coverage grid counts for the
    hexagon holding its centre, and a hexagon's share covered is the share of
    its cells with weak or good signal.  Cells outside the communes
    (:attr:`~whitezone.grid.CoverageGrid.OUTSIDE`) count for no hexagon, so
    the shares are of the part of each hexagon inside the province — border
    hexagons are partly sampled (compare ``area_grid_km2`` with ``area_km2``).

    Parameters
    ----------
    grid : CoverageGrid
        :attr:`whitezone.pipeline.Result.coverage`: ``grid.grid`` (a
        :class:`~whitezone.grid.RasterGrid` in a metric CRS) and
        ``grid.levels`` (``"any"`` and each technology -> uint8 levels 0 none,
        1 weak, 2 good, 255 outside).
    resolution : int, default 7
        H3 resolution, 0 to 15.  Average hexagon areas: 5.16 km² at 7, 0.737 km²
        at 8, 0.105 km² at 9; keep hexagons many times larger than the grid
        cells (a 250 m cell is 0.0625 km², so resolution 8 or coarser).

    Returns
    -------
    GeoDataFrame
        One row per hexagon holding at least one cell centre inside the
        communes, sorted by cell id, EPSG:4326: ``h3``, ``cells``,
        ``area_km2`` (the hexagon's own area, ``h3.cell_area``),
        ``area_grid_km2`` (its cells' area), then for ``any`` (no suffix) and
        each technology (``_<tech>``): ``cells_covered``, ``cells_good``,
        ``pct_area_covered`` (weak or good), ``pct_area_good``; and the
        hexagon polygon.  ``attrs`` holds ``resolution``, ``cells`` (cells
        inside) and ``cell_km2``.

    Raises
    ------
    WhitezoneError
        h3 is not installed, the resolution is not 0..15, or the grid has no levels.

    Notes
    -----
    Hexagons crossing the antimeridian (±180°) are not split.
    """
    h3 = _h3()
    resolution = _check_resolution(resolution)
    if not grid.levels:
        raise WhitezoneError("the coverage grid has no levels")
    keys = (["any"] if "any" in grid.levels else []) + sorted(k for k in grid.levels if k != "any")
    raster = grid.grid
    t = raster.transform
    cell_km2 = abs(t.a * t.e - t.b * t.d) / 1e6
    first = np.asarray(grid.levels[keys[0]]).ravel()
    inside = np.flatnonzero(first != CoverageGrid.OUTSIDE)
    to_lonlat = Transformer.from_crs(raster.crs, "EPSG:4326", always_xy=True)
    cells = np.empty(len(inside), dtype=np.uint64)
    for start in range(0, len(inside), _CHUNK):  # bounded memory on national grids
        flat = inside[start : start + _CHUNK]
        row, col = np.divmod(flat, raster.width)
        c, r = col + 0.5, row + 0.5
        lng, lat = to_lonlat.transform(t.a * c + t.b * r + t.c, t.d * c + t.e * r + t.f)
        cells[start : start + len(flat)] = _cells(h3, np.asarray(lat), np.asarray(lng), resolution)
    code, uniq = pd.factorize(cells, sort=True)
    uniq = np.asarray(uniq, dtype=np.uint64)
    n = len(uniq)
    count = np.bincount(code, minlength=n)
    columns: dict[str, np.ndarray] = {
        "h3": np.array([h3.int_to_str(int(u)) for u in uniq], dtype=object),
        "cells": count,
        "area_km2": np.round([h3.api.numpy_int.cell_area(int(u), unit="km^2") for u in uniq], 4),
        "area_grid_km2": np.round(count * cell_km2, 4),
    }
    for key in keys:
        sfx = "" if key == "any" else "_" + str(key).lower()
        level = np.asarray(grid.levels[key]).ravel()[inside]
        covered = np.bincount(code, weights=(level == 1) | (level == 2), minlength=n)
        good = np.bincount(code, weights=level == 2, minlength=n)
        columns[f"cells_covered{sfx}"] = covered.astype(np.int64)
        columns[f"cells_good{sfx}"] = good.astype(np.int64)
        columns[f"pct_area_covered{sfx}"] = _pct(covered, count)
        columns[f"pct_area_good{sfx}"] = _pct(good, count)
    out = gpd.GeoDataFrame(columns, geometry=_polygons(h3, uniq), crs="EPSG:4326")
    if int(out["cells"].sum()) != len(inside):
        raise WhitezoneError("hexagon cell counts do not reconcile with the grid")
    out.attrs.update(resolution=resolution, cells=len(inside), cell_km2=cell_km2)
    logger.info("H3 res %d: %d grid cells of %g km² in %d hexagons", resolution, len(inside),
                cell_km2, n)  # fmt: skip
    return out
