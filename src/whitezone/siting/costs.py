"""What each candidate site costs: the site, its power and its backhaul, over a horizon.

:func:`site_costs` prices every candidate with the ``[costs]`` settings
(:class:`~whitezone.assumptions.CostSettings`):

* **site** — a new site: radio for its technology, a tower scaled by height
  from a 30 m one, civil works; an upgrade (``source == "upgrade"``: a new
  technology on an existing mast): radio and installation only.
* **power** — grid where a grid line (``[layers] grid``) is within
  ``grid_max_km``: the connection and the line to it, energy bought yearly;
  else solar and batteries sized to the load (or a diesel generator and its
  fuel).  Without a grid layer every new site is taken to be on the grid
  (connection only), and the report says so.  An upgrade uses its site's
  power and pays the added energy.
* **backhaul** — the cheapest, over the horizon, of what is feasible: fiber
  extended to the nearest fiber (straight line × ``detour_factor``, or along
  the roads layer) up to ``fiber_max_km``; microwave to an existing site
  (assumed connected) by distance tier, when the path keeps
  ``fresnel_clearance`` of the first Fresnel zone clear over the DEM at
  ``k_factor``; microwave *relay* through another candidate that has fiber
  or microwave to an existing site (``relay``: that hub must then be chosen
  too, see ``hub``); satellite, always.  Without a DEM, microwave paths are
  not checked.
* **NPV** — capex now, opex (rent, maintenance as a share of capex, energy,
  backhaul) at each year's end for ``horizon_years`` at ``discount_rate``.

:func:`revenue_npv` and :func:`subsidy_gap` turn the people a site newly
covers into what it earns and what the fund must add.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_array
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from ..assumptions import CostSettings
from ..models.terrain_kernel import sample_profiles

__all__ = ["COST_COLUMNS", "fresnel_clear", "network_distance_km", "revenue_npv", "site_costs",
           "subsidy_gap"]  # fmt: skip

logger = logging.getLogger(__name__)

#: Columns :func:`site_costs` returns, in order.
COST_COLUMNS = ("capex", "capex_site", "capex_power", "capex_backhaul", "opex_per_year",
                "npv_cost", "power", "grid_km", "backhaul", "backhaul_km", "backhaul_to", "hub")  # fmt: skip

_EARTH_RADIUS_M = 6_371_000.0
_C = 299_792_458.0
#: Hubs (existing sites or candidates) tried per candidate for a microwave path, nearest first.
_HUBS_TRIED = 6
#: Road vertices this close to the fiber join it straight (m).
_JOIN_M = 500.0
#: Profile pairs sampled at once when testing microwave paths (memory bound).
_PAIRS_PER_BATCH = 20_000


def _points_xy(frame: gpd.GeoDataFrame, crs) -> np.ndarray:
    geo = frame.geometry.to_crs(crs)
    return np.column_stack([geo.x.to_numpy(), geo.y.to_numpy()])


def _nearest_distance_m(xy: np.ndarray, layer: gpd.GeoDataFrame | None, crs) -> np.ndarray:
    """Straight distance from each point to the nearest feature of ``layer`` (inf without one)."""
    if layer is None or len(layer) == 0:
        return np.full(len(xy), np.inf)
    geoms = layer.geometry.to_crs(crs).to_numpy()
    tree = shapely.STRtree(geoms)
    pts = shapely.points(xy)
    (_, _), dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
    return np.asarray(dist, dtype=float)


def network_distance_km(xy: np.ndarray, targets: gpd.GeoDataFrame, roads: gpd.GeoDataFrame, crs) -> np.ndarray:
    """Distance along the roads from each point to the nearest target (fiber), in km.

    The road lines become a graph of their vertices (joined where lines share
    a vertex); the fiber joins them at the vertices within 500 m of it and at
    the vertex nearest each fiber vertex, and one multi-source Dijkstra (a
    virtual source joined to those vertices by their straight distance to
    the fiber) gives each vertex its distance along the roads.  A point goes
    straight to its nearest vertex, then along the roads; inf where the
    roads it reaches never meet the fiber.

    Parameters
    ----------
    xy : ndarray, shape (n, 2)
        Metric coordinates in ``crs``.
    targets, roads : GeoDataFrame
        Any CRS.
    crs : pyproj.CRS

    Returns
    -------
    ndarray, shape (n,)
    """
    lines = roads.geometry.to_crs(crs).explode(index_parts=False).to_numpy()
    lines = lines[shapely.get_type_id(lines) == 1]
    if len(lines) == 0:
        return np.full(len(xy), np.inf)
    coords, index = shapely.get_coordinates(lines, return_index=True)
    keys = np.round(coords, 0)
    uniq, node = np.unique(keys, axis=0, return_inverse=True)
    node = node.reshape(-1)
    same_line = index[1:] == index[:-1]
    a, b = node[:-1][same_line], node[1:][same_line]
    length = np.hypot(*(coords[1:][same_line] - coords[:-1][same_line]).T)
    n = len(uniq)
    start = _nearest_distance_m(uniq, targets, crs)
    # The fiber joins the roads at the vertices within _JOIN_M of it, and at the vertex
    # nearest each of its own vertices (so a fiber far from every road still joins).
    tree = shapely.STRtree(shapely.points(uniq))
    fiber_xy = shapely.get_coordinates(targets.geometry.to_crs(crs).to_numpy())
    (_, nearest_to_fiber), _ = tree.query_nearest(shapely.points(fiber_xy), return_distance=True,
                                                  all_matches=False)  # fmt: skip
    joins = start <= _JOIN_M
    joins[nearest_to_fiber] = True
    src = n  # the virtual source
    at = np.flatnonzero(joins)
    rows = np.concatenate([a, b, np.full(len(at), src)])
    cols = np.concatenate([b, a, at])
    # csgraph drops explicit zeros: a vertex on the fiber gets a tiny positive weight
    weights = np.concatenate([length, length, np.maximum(start[at], 1e-6)])
    graph = coo_array((weights, (rows, cols)), shape=(n + 1, n + 1)).tocsr()
    along = dijkstra(graph, directed=True, indices=src)[:n]
    (_, nearest), to_road = tree.query_nearest(shapely.points(xy), return_distance=True,
                                               all_matches=False)  # fmt: skip
    return (np.asarray(to_road) + along[nearest]) / 1000.0


def fresnel_clear(profiles_m: np.ndarray, length_m: np.ndarray, *, height_a_m: np.ndarray,
                  height_b_m: np.ndarray, frequency_ghz: float, clearance: float = 0.6,
                  k_factor: float = 4 / 3) -> np.ndarray:  # fmt: skip
    """Whether each microwave path keeps ``clearance`` of its first Fresnel zone clear.

    Parameters
    ----------
    profiles_m : ndarray, shape (n, s)
        Ground heights at ``s`` equally spaced samples, ends included.
    length_m : ndarray, shape (n,)
    height_a_m, height_b_m : ndarray, shape (n,)
        Antenna heights above ground at each end.
    frequency_ghz, clearance, k_factor : float
        The link's frequency, the share of the first Fresnel zone's radius
        that must be clear, and the effective Earth radius factor.

    Returns
    -------
    ndarray of bool, shape (n,)
        True where, at every interior sample, terrain raised by the Earth's
        bulge ``d1 d2 / (2 k R)`` stays below the straight line between the
        antennas by at least ``clearance`` × ``sqrt(λ d1 d2 / D)``.
    """
    p = np.asarray(profiles_m, dtype=float)
    n, s = p.shape
    if s < 3 or n == 0:
        return np.ones(n, dtype=bool)
    t = np.linspace(0.0, 1.0, s)[1:-1]
    length = np.asarray(length_m, dtype=float)[:, None]
    d1 = t * length
    d2 = length - d1
    top_a = p[:, :1] + np.asarray(height_a_m, dtype=float)[:, None]
    top_b = p[:, -1:] + np.asarray(height_b_m, dtype=float)[:, None]
    line = top_a + (top_b - top_a) * t
    bulge = d1 * d2 / (2 * k_factor * _EARTH_RADIUS_M)
    wavelength = _C / (frequency_ghz * 1e9)
    with np.errstate(divide="ignore", invalid="ignore"):
        zone = np.nan_to_num(np.sqrt(wavelength * d1 * d2 / length))  # a path of length 0 is clear
    ground = np.nan_to_num(p[:, 1:-1], nan=-np.inf)
    return np.all(ground + bulge <= line - clearance * zone, axis=1)


def _tier_cost(km: np.ndarray, tiers) -> np.ndarray:
    """Microwave capex by distance tier; inf beyond the last tier."""
    limits = np.array([t[0] for t in tiers])
    amounts = np.array([t[1] for t in tiers] + [np.inf])
    return amounts[np.searchsorted(limits, km, side="left")]


def _clear_paths(dem, a_xy, b_xy, h_a, h_b, settings: CostSettings) -> np.ndarray:
    """Fresnel clearance of many paths over the DEM, in batches of equal sampling."""
    length = np.hypot(*(b_xy - a_xy).T)
    out = np.ones(len(length), dtype=bool)
    if dem is None or len(length) == 0:
        return out
    step = max(dem.resolution_m, 1.0)
    samples = np.clip(np.ceil(length / step).astype(int) + 1, 3, 2_000)
    order = np.argsort(samples, kind="stable")
    for lo in range(0, len(order), _PAIRS_PER_BATCH):
        idx = order[lo:lo + _PAIRS_PER_BATCH]
        prof = sample_profiles(dem, a_xy[idx], b_xy[idx], int(samples[idx].max()))
        out[idx] = fresnel_clear(prof, length[idx], height_a_m=h_a[idx], height_b_m=h_b[idx],
                                 frequency_ghz=settings.microwave_frequency_ghz,
                                 clearance=settings.fresnel_clearance, k_factor=settings.k_factor)  # fmt: skip
    return out


def _nearest_pairs(xy: np.ndarray, hub_xy: np.ndarray, max_m: float, *, k: int,
                   exclude_self: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Up to ``k`` nearest (point, hub) pairs within ``max_m``, sorted by point then distance."""
    if len(hub_xy) == 0 or len(xy) == 0 or not np.isfinite(max_m):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    tree = cKDTree(hub_xy)
    kk = min(k + int(exclude_self), len(hub_xy))
    dist, idx = tree.query(xy, k=kk, distance_upper_bound=max_m)
    dist, idx = dist.reshape(len(xy), -1), idx.reshape(len(xy), -1)
    rows = np.repeat(np.arange(len(xy)), dist.shape[1])
    dist, idx = dist.ravel(), idx.ravel()
    ok = np.isfinite(dist)
    if exclude_self:
        ok &= dist > 1.0  # not itself, nor a candidate at the same point
    return rows[ok], idx[ok], dist[ok]


def site_costs(
    candidates: gpd.GeoDataFrame,
    *,
    settings: CostSettings | None = None,
    crs,
    fiber: gpd.GeoDataFrame | None = None,
    grid: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    sites: gpd.GeoDataFrame | None = None,
    dem=None,
) -> pd.DataFrame:
    """Capex, yearly opex and NPV of every candidate, with its power and backhaul.

    Parameters
    ----------
    candidates : GeoDataFrame
        Points with ``candidate_id``, ``technology``, ``height_m`` and
        ``source`` (``"upgrade"``: a technology added to an existing mast).
    settings : CostSettings, optional
        Default :class:`~whitezone.assumptions.CostSettings()` (pytal's set, USD).
    crs : pyproj.CRS
        Metric CRS for distances.
    fiber, grid, roads : GeoDataFrame, optional
        Fiber routes or nodes; power lines or substations; roads (fiber is
        then measured along them).
    sites : GeoDataFrame, optional
        Existing sites (``site_id``, ``status``, ``height_m``): active ones
        are microwave hubs.
    dem : whitezone.dem.Dem, optional
        For the microwave line-of-sight test.

    Returns
    -------
    DataFrame
        Same index as ``candidates``; columns :data:`COST_COLUMNS`:
        ``capex`` (= ``capex_site`` + ``capex_power`` + ``capex_backhaul``),
        ``opex_per_year``, ``npv_cost``, ``power`` (``"grid"``, ``"solar"``,
        ``"diesel"``, ``"existing"``), ``grid_km`` (straight distance to the
        grid; NaN without a grid layer), ``backhaul`` (``"fiber"``,
        ``"microwave"``, ``"relay"``, ``"satellite"``, ``"existing"``),
        ``backhaul_km`` (fiber route or microwave path length; 0 for
        satellite and existing), ``backhaul_to`` (the hub's site or
        candidate id), ``hub`` (position of the candidate a relay needs,
        -1 otherwise).
    """
    s = settings or CostSettings()
    n = len(candidates)
    xy = _points_xy(candidates, crs) if n else np.zeros((0, 2))
    tech = candidates["technology"].astype(str).to_numpy()
    height = candidates["height_m"].to_numpy(dtype=float)
    upgrade = (candidates["source"].astype("string").fillna("") == "upgrade").to_numpy() \
        if "source" in candidates else np.zeros(n, dtype=bool)  # fmt: skip
    unknown = sorted(set(tech) - set(s.radio))
    if unknown:
        raise ValueError(f"no radio cost for {', '.join(unknown)}; known: {', '.join(s.radio)}")
    radio = np.array([s.radio[t] for t in tech], dtype=float)
    load_kw = np.array([s.load_w.get(t, max(s.load_w.values())) for t in tech], dtype=float) / 1000.0
    annuity = s.annuity()
    kwh_year = load_kw * 8760.0

    capex_site = np.where(upgrade, radio + s.upgrade_works,
                          radio + s.tower_30m * height / 30.0 + s.civil_works)  # fmt: skip

    # Power
    grid_m = _nearest_distance_m(xy, grid, crs)
    grid_km = grid_m / 1000.0 if grid is not None else np.full(n, np.nan)
    on_grid = (grid_km <= s.grid_max_km) if grid is not None else np.ones(n, dtype=bool)
    grid_capex = s.grid_connection + s.grid_per_km * np.nan_to_num(grid_km, nan=0.0)
    solar_capex = (s.solar_per_w * load_kw * 1000.0 * 24.0 / s.peak_sun_hours * (1 + s.solar_losses)
                   + s.battery_per_kwh * load_kw * 24.0 * s.autonomy_days)  # fmt: skip
    offgrid_capex = solar_capex if s.offgrid == "solar" else np.full(n, s.generator)
    offgrid_energy = (np.zeros(n) if s.offgrid == "solar"
                      else kwh_year * s.diesel_l_per_kwh * s.diesel_per_l)  # fmt: skip
    power = np.where(upgrade, "existing", np.where(on_grid, "grid", s.offgrid)).astype(object)
    capex_power = np.where(upgrade, 0.0, np.where(on_grid, grid_capex, offgrid_capex))
    energy = np.where(upgrade | on_grid, kwh_year * s.energy_per_kwh, offgrid_energy)

    # Backhaul options: NPV of each, inf where infeasible.
    fiber_m = _nearest_distance_m(xy, fiber, crs)
    if roads is not None and fiber is not None and len(roads) and n:
        fiber_km = network_distance_km(xy, fiber, roads, crs)
    else:
        fiber_km = fiber_m / 1000.0 * s.detour_factor
    fiber_ok = fiber_km <= s.fiber_max_km
    fiber_capex = np.where(fiber_ok, s.fiber_fixed + s.fiber_per_km * fiber_km, np.inf)
    fiber_opex = np.where(fiber_ok, s.fiber_per_km_year * fiber_km, 0.0)
    maint = s.maintenance_share
    option_npv = {"fiber": fiber_capex * (1 + maint * annuity) + fiber_opex * annuity}
    option_capex = {"fiber": fiber_capex}
    option_km = {"fiber": np.where(fiber_ok, fiber_km, np.nan)}
    option_to = {"fiber": np.full(n, None, dtype=object)}

    max_mw_m = s.microwave_tiers[-1][0] * 1000.0 if s.microwave_tiers else 0.0
    mw_capex, mw_km, mw_to = np.full(n, np.inf), np.full(n, np.nan), np.full(n, None, dtype=object)
    if sites is not None and len(sites) and max_mw_m > 0:
        hubs = sites[sites["status"].astype("string") == "active"] if "status" in sites else sites
        hubs = hubs.drop_duplicates("site_id") if "site_id" in hubs else hubs
        hub_xy = _points_xy(hubs, crs)
        hub_h = hubs["height_m"].to_numpy(dtype=float) if "height_m" in hubs else np.full(len(hubs), np.nan)
        hub_h = np.where(np.isfinite(hub_h), hub_h, 30.0)
        hub_id = hubs["site_id"].astype(str).to_numpy() if "site_id" in hubs else np.arange(len(hubs)).astype(str)
        rows, cols, dist = _nearest_pairs(xy, hub_xy, max_mw_m, k=_HUBS_TRIED)
        clear = _clear_paths(dem, xy[rows], hub_xy[cols], height[rows], hub_h[cols], s)
        cost = _tier_cost(dist / 1000.0, s.microwave_tiers)
        cost = np.where(clear, cost, np.inf)
        best = _cheapest_per_row(rows, cost, n)
        ok = best >= 0
        mw_capex[ok] = cost[best[ok]]
        mw_km[ok] = dist[best[ok]] / 1000.0
        mw_to[ok] = hub_id[cols[best[ok]]]
    option_npv["microwave"] = mw_capex * (1 + maint * annuity)
    option_capex["microwave"] = mw_capex
    option_km["microwave"] = mw_km
    option_to["microwave"] = mw_to

    sat = np.full(n, s.satellite)
    option_npv["satellite"] = sat * (1 + maint * annuity) + s.satellite_per_year * annuity
    option_capex["satellite"] = sat
    option_km["satellite"] = np.zeros(n)
    option_to["satellite"] = np.full(n, None, dtype=object)

    names = list(option_npv)
    npv = np.column_stack([option_npv[k] for k in names])
    choice = np.argmin(npv, axis=1) if n else np.zeros(0, dtype=int)
    own_npv = npv[np.arange(n), choice] if n else np.zeros(0)

    hub = np.full(n, -1, dtype=np.int64)
    relay_capex, relay_km = np.full(n, np.inf), np.full(n, np.nan)
    relay_npv = np.full(n, np.inf)
    if s.relay and max_mw_m > 0 and n > 1:
        # A hub is a new site whose own backhaul is fiber or microwave to an existing site.
        grounded = np.isin(np.asarray(names)[choice], ["fiber", "microwave"]) & ~upgrade
        hubs_at = np.flatnonzero(grounded)
        rows, cols, dist = _nearest_pairs(xy, xy[hubs_at], max_mw_m, k=_HUBS_TRIED, exclude_self=True)
        cols = hubs_at[cols]
        keep = ~upgrade[rows] & (cols != rows)
        rows, cols, dist = rows[keep], cols[keep], dist[keep]
        clear = _clear_paths(dem, xy[rows], xy[cols], height[rows], height[cols], s)
        cost = np.where(clear, _tier_cost(dist / 1000.0, s.microwave_tiers), np.inf)
        best = _cheapest_per_row(rows, cost, n)
        ok = best >= 0
        relay_capex[ok] = cost[best[ok]]
        relay_km[ok] = dist[best[ok]] / 1000.0
        relay_npv = relay_capex * (1 + maint * annuity)
        target = np.full(n, -1, dtype=np.int64)
        target[ok] = cols[best[ok]]
        saving = np.where(ok, own_npv - relay_npv, 0.0)
        # A hub keeps its own backhaul: largest saving first, a site relays unless it is
        # already another's hub or its hub already relays (one pass over the relaying sites).
        relaying, hubbing = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
        for j in np.flatnonzero(saving > 0)[np.argsort(-saving[saving > 0], kind="stable")]:
            h = target[j]
            if not (hubbing[j] or relaying[h]):
                relaying[j], hubbing[h] = True, True
        hub[relaying] = target[relaying]

    cand_ids = candidates["candidate_id"].astype(str).to_numpy() if "candidate_id" in candidates \
        else np.arange(n).astype(str)  # fmt: skip
    backhaul = np.asarray(names, dtype=object)[choice] if n else np.zeros(0, dtype=object)
    rows_n = np.arange(n)

    def chosen(table, dtype):
        return np.column_stack([np.asarray(table[k], dtype=dtype) for k in names])[rows_n, choice] \
            if n else np.zeros(0, dtype=dtype)  # fmt: skip

    capex_bh = chosen(option_capex, float)
    bh_km = chosen(option_km, float)
    bh_to = chosen(option_to, object)
    bh_opex = np.where(backhaul == "fiber", fiber_opex, 0.0) + \
        np.where(backhaul == "satellite", s.satellite_per_year, 0.0)  # fmt: skip
    relayed = hub >= 0
    backhaul[relayed] = "relay"
    capex_bh[relayed] = relay_capex[relayed]
    bh_km[relayed] = relay_km[relayed]
    bh_to[relayed] = cand_ids[hub[relayed]]
    bh_opex[relayed] = 0.0
    backhaul[upgrade] = "existing"
    capex_bh[upgrade] = 0.0
    bh_km[upgrade] = 0.0
    bh_to[upgrade] = None
    bh_opex[upgrade] = 0.0
    hub[upgrade] = -1

    capex = capex_site + capex_power + capex_bh
    rent = np.where(upgrade, 0.0, s.rent_per_year)
    opex = rent + maint * capex + energy + bh_opex
    out = pd.DataFrame({
        "capex": capex, "capex_site": capex_site, "capex_power": capex_power,
        "capex_backhaul": capex_bh, "opex_per_year": opex, "npv_cost": capex + opex * annuity,
        "power": pd.array(power, dtype="string"), "grid_km": grid_km,
        "backhaul": pd.array(backhaul, dtype="string"), "backhaul_km": bh_km,
        "backhaul_to": pd.array(bh_to, dtype="string"), "hub": hub,
    }, index=candidates.index)  # fmt: skip
    logger.info("costed %d candidates (%s set, %s): power %s; backhaul %s", n, s.set, s.currency,
                dict(out["power"].value_counts()), dict(out["backhaul"].value_counts()))  # fmt: skip
    return out


def _cheapest_per_row(rows: np.ndarray, cost: np.ndarray, n: int) -> np.ndarray:
    """Index (into ``rows``) of each row's cheapest finite option; -1 where none."""
    best = np.full(n, -1, dtype=np.int64)
    finite = np.isfinite(cost)
    if not finite.any():
        return best
    idx = np.flatnonzero(finite)
    order = idx[np.lexsort((cost[idx], rows[idx]))]
    first = np.r_[True, rows[order][1:] != rows[order][:-1]]
    best[rows[order][first]] = order[first]
    return best


def revenue_npv(people, *, settings: CostSettings | None = None) -> np.ndarray:
    """Discounted revenue from ``people`` newly covered over the horizon.

    people × ``penetration`` × ``adoption`` × ``arpu_per_month`` × 12, at each
    year's end for ``horizon_years`` at ``discount_rate``.
    """
    s = settings or CostSettings()
    yearly = np.asarray(people, dtype=float) * s.penetration * s.adoption * s.arpu_per_month * 12.0
    return yearly * s.annuity()


def subsidy_gap(npv_cost, revenue, *, margin: float) -> np.ndarray:
    """What a site needs from the fund: its NPV cost with the operator's margin, less its revenue.

    ``max(0, npv_cost × (1 + margin) − revenue)``: zero where the site pays
    for itself (an operator would build it unaided).
    """
    need = np.asarray(npv_cost, dtype=float) * (1.0 + margin) - np.asarray(revenue, dtype=float)
    return np.maximum(need, 0.0)
