"""Candidate sites: where a new tower could go.

Every function returns a GeoDataFrame of EPSG:4326 points, one row per
candidate site-technology, with the columns of :data:`CANDIDATE_COLUMNS`:

``candidate_id``
    Unique; prefixed by the source (``V-<village_id>``, ``G-00001``,
    ``H-001``) unless a file gives its own ids.
``source``
    ``"village"``, ``"grid"``, ``"hilltop"``, ``"file"`` or ``"given"``.
``technology``
    2G..5G (default 4G).
``height_m``
    Antenna height above ground; default the technology's link budget
    (:data:`whitezone.models.DEFAULT_BUDGETS`, or the model's own budgets).
``cost``
    Cost of building the site, in any unit (default 1: every site costs the
    same, and a budget is a number of sites).  :func:`~whitezone.siting.plan_sites`
    replaces it by the cost model's NPV cost, except where ``cost_given``.
``cost_given`` (files and given frames)
    Whether the cost came from the file or frame: such a cost is kept as the
    candidate's NPV cost when the others are priced.

plus what the source knows (``village_id`` and ``commune_id`` of a village,
``ground_m``/``prominence_m``/``viewshed_km2`` of a hilltop, ``eirp_dbm``,
``frequency_mhz``, ``radius_km`` from a file), which the coverage models read
as site overrides.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from scipy import ndimage

from ..crs import WGS84, metric_crs
from ..dem import Dem
from ..errors import InputError, Problem
from ..layers._base import as_source, finish, geometry_of, prepare
from ..layers._columns import fold
from ..layers._values import parse_numbers
from ..models import DEFAULT_BUDGETS
from ..technology import TECHNOLOGIES, normalise_technology, split_technologies
from ..viewshed import dem_viewshed

__all__ = [
    "CANDIDATE_COLUMNS",
    "as_candidates",
    "default_height_m",
    "from_file",
    "from_grid",
    "from_hilltops",
    "from_upgrades",
    "from_villages",
    "make_candidates",
]

logger = logging.getLogger(__name__)

#: Columns every candidates table has (plus ``geometry``).
CANDIDATE_COLUMNS = ("candidate_id", "source", "technology", "height_m", "cost")

#: Columns a candidates file may carry (canonical names; aliases as for sites).
FILE_COLUMNS = ("candidate_id", "site_id", "technology", "height_m", "cost", "frequency_mhz",
                "eirp_dbm", "radius_km", "lon", "lat")  # fmt: skip
#: Folded names also read as the cost and the candidate id of a file.
COST_ALIASES = ("cost", "chi_phi", "kinh_phi", "cost_vnd", "investment")
ID_ALIASES = ("candidate_id", "candidate", "ma_vi_tri", "vi_tri", "ma_ung_vien")
#: Site overrides carried over from a given frame or file when present.
_SITE_EXTRAS = ("frequency_mhz", "eirp_dbm", "radius_km")


def default_height_m(technology: str, *, model=None) -> float:
    """Default antenna height of a technology: the model's, else the link budgets' default.

    Parameters
    ----------
    technology : str
    model : CoverageModel, optional
        Its :meth:`~whitezone.models.CoverageModel.default_height_m` (a
        path-loss model's budgets may set their own mast).
    """
    tech = _technology(technology)
    if model is not None:
        return float(model.default_height_m(tech))
    return float(DEFAULT_BUDGETS[tech].height_m)


def _technology(value: str) -> str:
    tech = normalise_technology(value)
    if tech is None:
        raise InputError(Problem("siting", f"unknown technology {value!r}; expected one of "
                                 f"{', '.join(TECHNOLOGIES)}", column="technology"))
    return tech


def _technologies(technology: str | Sequence[str]) -> list[str]:
    items = [technology] if isinstance(technology, str) else list(technology)
    out = list(dict.fromkeys(_technology(t) for t in items))
    if not out:
        raise InputError(Problem("siting", "give at least one technology", column="technology"))
    return out


def _build(geometry: gpd.GeoSeries, ids: Sequence[str], source: str, *,
           technology: str | Sequence[str], height_m: float | None, cost: float, model,
           extra: Mapping[str, object] | None = None) -> gpd.GeoDataFrame:  # fmt: skip
    """The candidates table: one row per point and technology."""
    techs = _technologies(technology)
    geometry = gpd.GeoSeries(geometry).to_crs(WGS84).reset_index(drop=True)
    n = len(geometry)
    ids = np.asarray(ids, dtype=object)
    rep = np.tile(np.arange(n), len(techs))
    tech_col = np.repeat(np.asarray(techs, dtype=object), n)
    cand_id = ids[rep] if len(techs) == 1 else np.char.add(ids[rep].astype(str),
                                                           "/" + tech_col.astype(str))  # fmt: skip
    heights = np.array([default_height_m(t, model=model) if height_m is None else float(height_m)
                        for t in techs])  # fmt: skip
    frame = {"candidate_id": pd.array(cand_id, dtype="string"),
             "source": pd.array(np.full(len(rep), source, dtype=object), dtype="string"),
             "technology": tech_col, "height_m": np.repeat(heights, n),
             "cost": np.full(len(rep), float(cost))}  # fmt: skip
    for name, values in (extra or {}).items():
        values = values.to_numpy() if isinstance(values, (pd.Series, pd.Index)) else values
        values = np.asarray(values) if not isinstance(values, pd.api.extensions.ExtensionArray) \
            else values  # fmt: skip
        frame[name] = values[rep]
    if float(cost) <= 0 or not np.isfinite(cost):
        raise InputError(Problem("siting", f"cost must be positive, got {cost}", column="cost"))
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry.to_numpy()[rep], crs=WGS84),
                            crs=WGS84)  # fmt: skip


def _located(geometry: gpd.GeoSeries) -> np.ndarray:
    return ~(geometry.isna() | geometry.is_empty).to_numpy()


def from_villages(
    villages: gpd.GeoDataFrame,
    *,
    technology: str | Sequence[str] = "4G",
    height_m: float | None = None,
    cost: float = 1.0,
    model=None,
) -> gpd.GeoDataFrame:
    """A candidate at each village (typically the white villages themselves).

    Parameters
    ----------
    villages : GeoDataFrame
        With ``village_id``; polygons stand at a point inside them; villages
        without location are skipped.
    technology : str or sequence of str
        One candidate per village and technology.
    height_m : float, optional
        Default: the technology's (:func:`default_height_m`).
    cost : float
    model : CoverageModel, optional
        For the default heights.

    Returns
    -------
    GeoDataFrame
        Candidates ``V-<village_id>`` with ``village_id`` and ``commune_id``.
    """
    ok = _located(villages.geometry)
    v = villages[ok]
    geom = v.geometry.to_crs(WGS84)
    if not (geom.geom_type == "Point").all():
        geom = geom.representative_point()
    ids = ("V-" + v["village_id"].astype(str)).to_numpy()
    extra = {"village_id": v["village_id"].astype("string").array}
    if "commune_id" in v:
        extra["commune_id"] = v["commune_id"].astype("string").array
    return _build(geom, ids, "village", technology=technology, height_m=height_m, cost=cost,
                  model=model, extra=extra)  # fmt: skip


def from_upgrades(
    sites: gpd.GeoDataFrame,
    *,
    technology: str | Sequence[str] = "4G",
    height_m: float | None = None,
    cost: float = 1.0,
    model=None,
) -> gpd.GeoDataFrame:
    """A candidate at each active site lacking a technology: the technology added to its mast.

    Parameters
    ----------
    sites : GeoDataFrame
        :func:`whitezone.layers.read_sites`: ``site_id``, ``technology``,
        ``status``, ``height_m`` (one row per cell or site-technology).
    technology, height_m, cost, model
        As :func:`from_villages`; the mast's own height is kept where known.

    Returns
    -------
    GeoDataFrame
        Candidates ``U-<site_id>`` (``U-<site_id>/<tech>`` for several
        technologies), ``source = "upgrade"``, with ``site_id``.
    """
    active = sites[sites["status"].astype("string") == "active"] if "status" in sites else sites
    parts = []
    for tech in _technologies(technology):
        has = set(active.loc[active["technology"] == tech, "site_id"].astype(str))
        masts = active.drop_duplicates("site_id")
        masts = masts[~masts["site_id"].astype(str).isin(has) & _located(masts.geometry)]
        ids = ("U-" + masts["site_id"].astype(str)).to_numpy()
        part = _build(masts.geometry, ids, "upgrade", technology=tech, height_m=height_m, cost=cost,
                      model=model, extra={"site_id": masts["site_id"].astype("string").array})  # fmt: skip
        own = masts["height_m"].to_numpy(dtype=float) if "height_m" in masts else np.full(len(masts), np.nan)
        if height_m is None:
            part["height_m"] = np.where(np.isfinite(own), own, part["height_m"].to_numpy())
        if len(_technologies(technology)) > 1:
            part["candidate_id"] = part["candidate_id"] + "/" + tech
        parts.append(part)
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return gpd.GeoDataFrame(out, geometry="geometry", crs=WGS84)


def _area_union(area, crs):
    """The area as one shapely geometry in ``crs``."""
    if isinstance(area, (gpd.GeoDataFrame, gpd.GeoSeries)):
        return shapely.union_all(gpd.GeoSeries(area.geometry).to_crs(crs).to_numpy())
    if isinstance(area, shapely.Geometry):
        return gpd.GeoSeries([area], crs=WGS84).to_crs(crs).iloc[0]
    raise TypeError("area must be a GeoDataFrame, GeoSeries or shapely geometry (EPSG:4326)")


def from_grid(
    area,
    *,
    spacing_km: float = 2.0,
    crs=None,
    technology: str | Sequence[str] = "4G",
    height_m: float | None = None,
    cost: float = 1.0,
    model=None,
) -> gpd.GeoDataFrame:
    """Candidates on a regular square grid over an area.

    Parameters
    ----------
    area : GeoDataFrame, GeoSeries or shapely geometry
        Polygons (e.g. the communes), any CRS (a bare geometry: EPSG:4326);
        only grid points inside are kept.
    spacing_km : float
        Distance between neighbouring grid points.
    crs : pyproj.CRS, optional
        Metric CRS of the grid; default the UTM zone of the area.
    technology, height_m, cost, model
        As :func:`from_villages`.

    Returns
    -------
    GeoDataFrame
        Candidates ``G-00001``... in row-major order from the south-west.
    """
    if spacing_km <= 0:
        raise InputError(Problem("siting", f"the grid spacing must be positive, got {spacing_km}",
                                 column="grid_km"))
    if crs is None:
        geo = gpd.GeoSeries([area], crs=WGS84) if isinstance(area, shapely.Geometry) \
            else gpd.GeoSeries(area.geometry)  # fmt: skip
        crs = metric_crs([gpd.GeoDataFrame(geometry=geo.to_crs(WGS84))])
    shape = _area_union(area, crs)
    step = spacing_km * 1000.0
    minx, miny, maxx, maxy = shape.bounds
    xs = np.arange(minx + step / 2, maxx, step)
    ys = np.arange(miny + step / 2, maxy, step)
    gx, gy = (g.ravel() for g in np.meshgrid(xs, ys))
    shapely.prepare(shape)
    inside = shapely.contains_xy(shape, gx, gy)
    pts = gpd.GeoSeries(shapely.points(gx[inside], gy[inside]), crs=crs)
    ids = [f"G-{i + 1:05d}" for i in range(len(pts))]
    return _build(pts, ids, "grid", technology=technology, height_m=height_m, cost=cost,
                  model=model)  # fmt: skip


def from_hilltops(
    dem,
    *,
    window_m: float = 2000.0,
    min_prominence_m: float = 50.0,
    max_count: int = 200,
    area=None,
    viewshed_top: int = 0,
    viewshed_radius_km: float = 10.0,
    technology: str | Sequence[str] = "4G",
    height_m: float | None = None,
    cost: float = 1.0,
    model=None,
) -> gpd.GeoDataFrame:
    """Candidates on the hilltops of a DEM: where a mast sees the most.

    A hilltop is a cell that is the highest within a square window
    (:func:`scipy.ndimage.maximum_filter`; a flat summit counts once), with
    its *prominence* here the local relief — its height above the lowest cell
    of the same window.  Hilltops are ranked by prominence, then height;
    optionally the best ``viewshed_top`` are re-ranked by the area a mast on
    them sees (:func:`whitezone.viewshed.dem_viewshed`).

    Parameters
    ----------
    dem : whitezone.dem.Dem
        On a metric grid (:func:`whitezone.dem.load_dem`).
    window_m : float
        Side of the search window: at most one hilltop per window.
    min_prominence_m : float
        Hilltops with less local relief are dropped.
    max_count : int
        Keep the best this many.
    area : GeoDataFrame, GeoSeries or shapely geometry, optional
        Keep hilltops inside (e.g. the communes).
    viewshed_top : int
        Compute the viewshed of the best this many (0: none) and rank them
        first, by visible area.
    viewshed_radius_km : float
        Radius of those viewsheds.
    technology, height_m, cost, model
        As :func:`from_villages`; the mast height is also the viewshed's
        observer height.

    Returns
    -------
    GeoDataFrame
        Candidates ``H-001``... in rank order, with ``ground_m``,
        ``prominence_m`` and ``viewshed_km2`` (NaN where not computed).
    """
    heights = np.asarray(dem.heights_m, dtype=float)
    res = dem.resolution_m
    size = max(3, 2 * int(round(window_m / res / 2)) + 1)
    known = np.isfinite(heights)
    top = ndimage.maximum_filter(np.where(known, heights, -np.inf), size=size, mode="nearest")
    low = ndimage.minimum_filter(np.where(known, heights, np.inf), size=size, mode="nearest")
    peak = known & (heights >= top)
    labels, n_labels = ndimage.label(peak, structure=np.ones((3, 3)))
    flat = labels.ravel()
    _, first = np.unique(flat, return_index=True)
    cells = first[flat[first] > 0]  # one cell per flat summit (the first in row order)
    rows, cols = np.divmod(cells, heights.shape[1])
    ground = heights[rows, cols]
    prominence = ground - low[rows, cols]
    t = dem.transform
    x = t.c + (cols + 0.5) * t.a
    y = t.f + (rows + 0.5) * t.e
    keep = prominence >= min_prominence_m
    if area is not None:
        shape = _area_union(area, dem.crs)
        shapely.prepare(shape)
        keep &= shapely.contains_xy(shape, x, y)
    idx = np.flatnonzero(keep)
    idx = idx[np.lexsort((-ground[idx], -prominence[idx]))][:max_count]
    viewshed = np.full(len(idx), np.nan)
    mast = default_height_m(_technologies(technology)[0], model=model) if height_m is None \
        else float(height_m)  # fmt: skip
    if viewshed_top > 0 and len(idx):
        reach = int(np.ceil(viewshed_radius_km * 1000.0 / res)) + 1
        for i in range(min(viewshed_top, len(idx))):  # one sweep per hilltop, not per pair
            r, c = rows[idx[i]], cols[idx[i]]
            r0, c0 = max(r - reach, 0), max(c - reach, 0)
            window = heights[r0 : r + reach + 1, c0 : c + reach + 1]
            shifted = Affine(t.a, t.b, t.c + c0 * t.a, t.d, t.e, t.f + r0 * t.e)  # north-up
            sub = Dem(heights_m=window.astype(np.float32), transform=shifted, crs=dem.crs)
            seen = dem_viewshed(sub, x[idx[i]], y[idx[i]], observer_height_m=mast,
                                max_distance_m=viewshed_radius_km * 1000.0)  # fmt: skip
            viewshed[i] = float(seen.sum()) * abs(t.a * t.e) / 1e6
        order = np.lexsort((np.arange(len(idx)), -np.nan_to_num(viewshed, nan=-1.0)))
        idx, viewshed = idx[order], viewshed[order]
    pts = gpd.GeoSeries(shapely.points(x[idx], y[idx]), crs=dem.crs)
    ids = [f"H-{i + 1:03d}" for i in range(len(idx))]
    extra = {"ground_m": ground[idx], "prominence_m": prominence[idx], "viewshed_km2": viewshed}
    return _build(pts, ids, "hilltop", technology=technology, height_m=height_m, cost=cost,
                  model=model, extra=extra)  # fmt: skip


def from_file(
    path: str | Path,
    *,
    technology: str | Sequence[str] = "4G",
    height_m: float | None = None,
    cost: float = 1.0,
    model=None,
    columns: Mapping[str, str] | None = None,
    sheet: str | int | None = None,
    layer: str | None = None,
    crs: str | None = None,
) -> gpd.GeoDataFrame:
    """Candidates from a file of points planners propose (land offered, existing masts...).

    Read like every layer (:mod:`whitezone.layers`): any GDAL vector format,
    GeoParquet, or CSV/XLSX with lon/lat in degrees or DMS, column names
    matched in English or Vietnamese.

    Parameters
    ----------
    path : str or Path
    technology : str or sequence of str
        Used where the file has no ``technology`` column (or leaves it blank).
    height_m, cost : float, optional
        Used where the file has no ``height_m`` / ``cost`` (``chi_phi``) column
        or leaves a cell blank.
    model : CoverageModel, optional
        For the default heights.
    columns, sheet, layer, crs
        As :func:`whitezone.layers.read_sites`.

    Returns
    -------
    GeoDataFrame
        Candidates with the file's ids (``candidate_id``, else ``site_id`` or
        ``id``, else ``F-0001``...) and its ``frequency_mhz``, ``eirp_dbm``,
        ``radius_km`` when present.

    Raises
    ------
    InputError
        Every bad row: no coordinates, unknown technology, non-positive cost,
        duplicated id.
    """
    source = as_source(path, "candidates", columns=columns, sheet=sheet, layer=layer, crs=crs)
    prep = prepare(source, wanted=FILE_COLUMNS, required=())
    raw, problems = prep.raw, prep.problems
    problems.raise_if_any()
    by_fold = {fold(c): c for c in raw.frame.columns if str(c) != "geometry"}
    for name, aliases in (("cost", COST_ALIASES), ("candidate_id", ID_ALIASES)):
        if name not in prep.found:
            hit = next((by_fold[a] for a in aliases if a in by_fold), None)
            if hit is not None and hit not in prep.found.values():
                prep.found[name] = hit
    n = len(raw.frame)
    id_col = prep.found.get("candidate_id", prep.found.get("site_id"))
    ids = (raw.frame[id_col].astype("string").str.strip().reset_index(drop=True) if id_col
           else pd.Series([f"F-{i + 1:04d}" for i in range(n)], dtype="string"))  # fmt: skip
    blank = ids.isna() | (ids == "")
    ids = ids.where(~blank, pd.Series([f"F-{i + 1:04d}" for i in range(n)], dtype="string"))
    given_cost = np.full(n, np.nan)
    if "cost" in prep.found:
        given_cost, bad = parse_numbers(raw.frame[prep.found["cost"]])
        for i in np.flatnonzero(bad | (given_cost <= 0)):
            problems.add(f"expected a positive cost, got {raw.frame[prep.found['cost']].iloc[i]!r}",
                         row=raw.rows[i], column=prep.found["cost"])  # fmt: skip
    heights = prep.numbers("height_m", low=0, high=500, what="an antenna height in m")
    extras = {name: prep.numbers(name) for name in _SITE_EXTRAS if name in prep.found}
    default_techs = _technologies(technology)
    row_of, techs = [], []
    tech_cells = prep.text("technology")
    for i, cell in enumerate(tech_cells):  # one short cell per candidate row
        parts = split_technologies(cell) if not pd.isna(cell) else []
        found = [normalise_technology(p) for p in parts] if parts else default_techs
        for part, tech in zip(parts or default_techs, found, strict=True):
            if tech is None:
                problems.add(f"unknown technology {part!r}; expected {', '.join(TECHNOLOGIES)}",
                             row=raw.rows[i], column=prep.found.get("technology"))  # fmt: skip
        for tech in dict.fromkeys(t for t in found if t is not None):
            row_of.append(i)
            techs.append(tech)
    geo, located = geometry_of(prep, source, region=None)
    prep.require_located(located, "the candidate has no coordinates")
    problems.raise_if_any()
    row_of = np.asarray(row_of, dtype=np.int64)
    techs = np.asarray(techs, dtype=object)
    multi = pd.Series(row_of).duplicated(keep=False).to_numpy()
    cand = ids.to_numpy(dtype=object)[row_of]
    cand = np.where(multi, cand.astype(str) + "/" + techs.astype(str), cand)
    dup = pd.Series(cand).duplicated(keep=False).to_numpy()
    if dup.any():
        for i in np.flatnonzero(dup):
            problems.add(f"candidate id {cand[i]!r} is not unique", row=raw.rows[row_of[i]],
                         column=id_col)  # fmt: skip
        problems.raise_if_any()
    default_h = np.array([default_height_m(t, model=model) if height_m is None else height_m
                          for t in techs], dtype=float)  # fmt: skip
    out = gpd.GeoDataFrame(
        {"candidate_id": pd.array(cand, dtype="string"),
         "source": pd.array(np.full(len(row_of), "file", dtype=object), dtype="string"),
         "technology": techs,
         "height_m": np.where(np.isfinite(heights[row_of]), heights[row_of], default_h),
         "cost": np.where(np.isfinite(given_cost[row_of]), given_cost[row_of], float(cost)),
         "cost_given": np.isfinite(given_cost[row_of]),
         **{name: v[row_of] for name, v in extras.items()},
         "source_row": raw.rows[row_of]},
        geometry=gpd.GeoSeries(geo.to_numpy()[row_of], crs=WGS84), crs=WGS84,
    )  # fmt: skip
    if not (out.geometry.geom_type == "Point").all():
        out["geometry"] = out.geometry.representative_point()
    return finish(out.reset_index(drop=True), prep)


def as_candidates(
    frame: gpd.GeoDataFrame,
    *,
    technology: str | Sequence[str] = "4G",
    height_m: float | None = None,
    cost: float = 1.0,
    model=None,
) -> gpd.GeoDataFrame:
    """Any GeoDataFrame of points as a candidates table, filling what it lacks.

    Columns already present (``candidate_id``, ``technology``, ``height_m``,
    ``cost``, ``source``, site overrides, anything else) are kept; missing or
    blank ones get the defaults (ids ``C-0001``...).  Polygons stand at a
    point inside them.
    """
    if frame.crs is None:
        raise InputError(Problem("candidates", "the candidates have no CRS"))
    out = frame.to_crs(WGS84).reset_index(drop=True).copy()
    if not (out.geometry.geom_type == "Point").all():
        out["geometry"] = out.geometry.representative_point()
    n = len(out)
    given_ids = out["candidate_id"].astype("string") if "candidate_id" in out else \
        pd.Series(pd.NA, index=out.index, dtype="string")  # fmt: skip
    fallback = pd.Series([f"C-{i + 1:04d}" for i in range(n)], dtype="string")
    out["candidate_id"] = given_ids.fillna(fallback)
    if "technology" in out:
        out["technology"] = [_technology(t) if not pd.isna(t) else _technologies(technology)[0]
                             for t in out["technology"]]  # fmt: skip
    else:
        out = pd.concat([out.assign(technology=t) for t in _technologies(technology)],
                        ignore_index=True)  # fmt: skip
        if len(_technologies(technology)) > 1:
            out["candidate_id"] = out["candidate_id"] + "/" + out["technology"]
    default_h = np.array([default_height_m(t, model=model) if height_m is None else height_m
                          for t in out["technology"]], dtype=float)  # fmt: skip
    h = out["height_m"].to_numpy(dtype=float) if "height_m" in out else np.full(len(out), np.nan)
    out["height_m"] = np.where(np.isfinite(h), h, default_h)
    c = out["cost"].to_numpy(dtype=float) if "cost" in out else np.full(len(out), np.nan)
    if "cost_given" not in out:
        out["cost_given"] = np.isfinite(c)
    out["cost"] = np.where(np.isfinite(c), c, float(cost))
    if (out["cost"] <= 0).any():
        raise InputError(Problem("candidates", "every cost must be positive", column="cost"))
    if "source" not in out:
        out["source"] = pd.array(np.full(len(out), "given", dtype=object), dtype="string")
    if out["candidate_id"].duplicated().any():
        dup = out["candidate_id"][out["candidate_id"].duplicated()].unique()[:5]
        raise InputError(Problem("candidates", f"candidate ids are not unique: {', '.join(dup)}",
                                 column="candidate_id"))  # fmt: skip
    first = [c for c in CANDIDATE_COLUMNS if c in out]
    return gpd.GeoDataFrame(out[first + [c for c in out.columns if c not in first]],
                            geometry="geometry", crs=WGS84)  # fmt: skip


def make_candidates(
    kinds: str | Sequence[str | gpd.GeoDataFrame] | gpd.GeoDataFrame = "villages",
    *,
    villages: gpd.GeoDataFrame | None = None,
    sites: gpd.GeoDataFrame | None = None,
    area=None,
    dem=None,
    path: str | Path | None = None,
    crs=None,
    spacing_km: float = 2.0,
    technology: str | Sequence[str] = "4G",
    height_m: float | None = None,
    cost: float = 1.0,
    model=None,
    hilltops: Mapping[str, object] | None = None,
) -> gpd.GeoDataFrame:
    """Candidates from one or several sources, with unique ids.

    Parameters
    ----------
    kinds : str, GeoDataFrame or sequence of them
        ``"villages"`` (:func:`from_villages` of ``villages``), ``"grid"``
        (:func:`from_grid` over ``area`` every ``spacing_km``), ``"upgrades"``
        (:func:`from_upgrades` of ``sites``),
        ``"hilltops"`` (:func:`from_hilltops` of ``dem`` inside ``area``),
        ``"file"`` (:func:`from_file` of ``path``), or a GeoDataFrame of
        points (:func:`as_candidates`).
    villages, sites, area, dem, path
        What the kinds need.
    crs : pyproj.CRS, optional
        Metric CRS of the grid.
    spacing_km : float
        Grid spacing.
    technology, height_m, cost, model
        As :func:`from_villages`.
    hilltops : mapping, optional
        More options of :func:`from_hilltops` (``max_count``,
        ``viewshed_top``...).

    Returns
    -------
    GeoDataFrame
        The candidates of every source, in the order given.

    Raises
    ------
    ValueError
        A kind is unknown or lacks its input, or two sources give one id.
    """
    items = [kinds] if isinstance(kinds, (str, gpd.GeoDataFrame)) else list(kinds)
    common = {"technology": technology, "height_m": height_m, "cost": cost, "model": model}
    parts = []
    for kind in items:
        if isinstance(kind, gpd.GeoDataFrame):
            parts.append(as_candidates(kind, **common))
        elif kind == "villages":
            if villages is None:
                raise ValueError('candidates "villages" need villages=')
            parts.append(from_villages(villages, **common))
        elif kind == "upgrades":
            if sites is None:
                raise ValueError('candidates "upgrades" need sites= (the run\'s sites)')
            parts.append(from_upgrades(sites, **common))
        elif kind == "grid":
            if area is None:
                raise ValueError('candidates "grid" need area= (e.g. the communes)')
            parts.append(from_grid(area, spacing_km=spacing_km, crs=crs, **common))
        elif kind == "hilltops":
            if dem is None:
                raise ValueError('candidates "hilltops" need dem= (whitezone.dem.load_dem)')
            parts.append(from_hilltops(dem, area=area, **dict(hilltops or {}), **common))
        elif kind == "file":
            if path is None:
                raise ValueError('candidates "file" need path=')
            parts.append(from_file(path, **common))
        else:
            raise InputError(Problem("siting", f"unknown candidates {kind!r}; expected villages, "
                                     "grid, hilltops, upgrades, a file or a GeoDataFrame",
                                     column="candidates"))  # fmt: skip
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    out = gpd.GeoDataFrame(out, geometry="geometry", crs=WGS84)
    dup = out["candidate_id"].duplicated()
    if dup.any():
        raise InputError(Problem("siting", "candidate ids given twice: "
                                 f"{', '.join(out['candidate_id'][dup][:5])}", column="candidates"))
    logger.info("%d candidate site-technologies (%s)", len(out),
                ", ".join(f"{s}: {c}" for s, c in out["source"].value_counts().items()))  # fmt: skip
    return out
