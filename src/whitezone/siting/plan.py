"""From a run to a ranked list of sites: demand, coverage matrix, solution, tables.

:func:`coverage_matrix` asks the run's coverage model which candidate covers
which demand point (only pairs within reach are ever evaluated);
:func:`priority_table` turns a solution into the table a plan quotes; and
:func:`plan_sites` does the whole job for a :class:`~whitezone.pipeline.Result`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from ..capacity import place_sinr_db, rb_throughput_mbps, resource_blocks
from ..classes import GOOD, WEAK
from ..crs import WGS84, metric_crs
from ..dem import load_dem
from ..errors import InputError, Problem
from ..layers import assign_communes
from .candidates import as_candidates, from_file, make_candidates
from .costs import COST_COLUMNS, revenue_npv, site_costs, subsidy_gap
from .solve import SitingSolution, solve_mclp, solve_set_cover

__all__ = [
    "COST_SOURCES",
    "OBJECTIVES",
    "TARGETS",
    "PlanResult",
    "as_sites",
    "assignments",
    "backhaul_links",
    "coverage_matrix",
    "demand_villages",
    "plan_sites",
    "priority_table",
]

logger = logging.getLogger(__name__)

#: ``target`` of :func:`plan_sites` -> (village classes that are demand, level a site must give).
TARGETS: dict[str, tuple[tuple[str, ...], int]] = {
    "none": (("none",), WEAK),
    "weak": (("none", "weak"), GOOD),
}
_LEVELS = {"weak": WEAK, "good": GOOD, 1: WEAK, 2: GOOD}
_WEIGHTS = ("population", "villages")
_NEVER_FITS = 1e9
#: ``objective`` of :func:`plan_sites`: the most people within k or a budget, or every village at least cost.
OBJECTIVES = ("coverage", "cover_all")
#: ``costs`` of :func:`plan_sites`: priced by the cost model, or the candidates' own ``cost``.
COST_SOURCES = ("model", "given")


def as_sites(candidates: gpd.GeoDataFrame, *, status: str = "planned",
             operator: str | None = None) -> gpd.GeoDataFrame:  # fmt: skip
    """Candidates in the layout of :func:`whitezone.layers.read_sites`.

    Append the chosen sites to a run's sites (``status="active"``) to
    re-classify the villages as if they were built.

    Parameters
    ----------
    candidates : GeoDataFrame
        Candidates (or rows of a priority table).
    status : {"planned", "active", "off"}
    operator : str, optional

    Returns
    -------
    GeoDataFrame
        EPSG:4326 points: ``site_id`` (the ``candidate_id``), ``operator``,
        ``technology``, ``height_m``, ``frequency_mhz``, ``eirp_dbm``,
        ``radius_km``, ``azimuth_deg``, ``beamwidth_deg``, ``status``,
        ``source_row``.
    """
    n = len(candidates)

    def col(name):
        return candidates[name].to_numpy(dtype=float) if name in candidates else np.full(n, np.nan)

    return gpd.GeoDataFrame(
        {"site_id": candidates["candidate_id"].astype("string").to_numpy(),
         "operator": pd.array([operator] * n, dtype="string"),
         "technology": candidates["technology"].to_numpy(dtype=object),
         "height_m": col("height_m"), "frequency_mhz": col("frequency_mhz"),
         "eirp_dbm": col("eirp_dbm"), "radius_km": col("radius_km"),
         "azimuth_deg": np.full(n, np.nan), "beamwidth_deg": np.full(n, np.nan),
         "status": np.full(n, status, dtype=object),
         "source_row": candidates["candidate_id"].astype("string").to_numpy()},
        geometry=gpd.GeoSeries(candidates.geometry.to_numpy(), crs=candidates.crs).to_crs(WGS84),
        crs=WGS84,
    )  # fmt: skip


def _xy(points: gpd.GeoSeries, crs) -> np.ndarray:
    """Metric x, y of points (NaN where missing or empty)."""
    points = gpd.GeoSeries(points).reset_index(drop=True)
    xy = np.full((len(points), 2), np.nan)
    ok = ~(points.isna() | points.is_empty).to_numpy()
    if ok.any():
        proj = points[ok].to_crs(crs)
        if not (proj.geom_type == "Point").all():
            proj = proj.representative_point()
        xy[ok] = np.column_stack([proj.x.to_numpy(), proj.y.to_numpy()])
    return xy


def _within_capacity(links: pd.DataFrame, candidates: gpd.GeoDataFrame, population: np.ndarray,
                     settings) -> np.ndarray:  # fmt: skip
    """Which links a candidate can carry at the busy hour: its best-served villages first.

    Each candidate of a checked technology takes its villages in order of
    SINR (the best first, as a scheduler would), each needing its busy-hour
    demand in resource blocks (:mod:`whitezone.capacity`), while the blocks
    of its carrier on ``sectors_per_site`` sectors last; the rest of its
    links are dropped.
    """
    keep = np.ones(len(links), dtype=bool)
    site = links["site"].to_numpy()
    tech = candidates["technology"].astype(str).to_numpy()[site]
    for t in settings.technologies:  # a handful of technologies at most
        on = tech == t
        if not on.any():
            continue
        good = links["level"].to_numpy()[on] >= GOOD
        sinr = place_sinr_db(links["signal_dbm"].to_numpy(dtype=float)[on], good, technology=t,
                             settings=settings)  # fmt: skip
        mbps = population[links["target"].to_numpy()[on]] * settings.penetration * \
            settings.busy_hour_share * settings.mbps_per_user  # fmt: skip
        with np.errstate(divide="ignore", invalid="ignore"):
            blocks = np.where(mbps > 0, mbps / rb_throughput_mbps(sinr, control_overhead=settings.control_overhead), 0.0)
        # A village no CQI reaches can never be carried: more blocks than any carrier has.
        blocks = np.nan_to_num(blocks, nan=_NEVER_FITS, posinf=_NEVER_FITS)
        s = site[on]
        order = np.lexsort((-sinr, s))
        used = np.cumsum(blocks[order])
        start = np.r_[True, s[order][1:] != s[order][:-1]]
        before = np.maximum.accumulate(np.where(start, np.r_[0.0, used[:-1]], 0.0)) if len(order) else used
        fits = np.empty(len(order), dtype=bool)
        carried = resource_blocks(settings.bandwidth_mhz[t]) * settings.sectors_per_site
        fits[order] = (used - before) <= carried + 1e-9
        idx = np.flatnonzero(on)
        keep[idx] = fits
    return keep


def coverage_matrix(demand_points: gpd.GeoSeries, candidates: gpd.GeoDataFrame, *, model,
                    crs=None, min_level: int | str = 1, capacity=None,
                    population=None) -> sp.csr_array:  # fmt: skip
    """Which candidate covers which demand point, by the run's coverage model.

    Parameters
    ----------
    demand_points : GeoSeries
        Any CRS; missing or empty points are covered by nothing.
    candidates : GeoDataFrame
        From :func:`~whitezone.siting.make_candidates` (``candidate_id``,
        ``technology``, ``height_m`` and any site overrides).
    model : CoverageModel
        Asked for ``links`` between the points and the candidates as active
        sites, so only pairs within each candidate's reach are evaluated.
    crs : pyproj.CRS, optional
        The run's metric CRS; default the UTM zone of the points.
    min_level : {1, 2, "weak", "good"}
        The class a candidate must give for the point to count as covered.
    capacity : CapacitySettings, optional
        Also require the capacity: a candidate of a checked technology
        covers only the points it can carry at the busy hour, the best
        served first (needs ``population``).
    population : array-like, optional
        People at each demand point (blank: 0).

    Returns
    -------
    scipy.sparse.csr_array of int8, shape (len(demand_points), len(candidates))
        1 where the candidate gives at least ``min_level``.
    """
    level = _LEVELS.get(min_level)
    if level is None:
        raise ValueError(f"min_level must be 1, 2, 'weak' or 'good', got {min_level!r}")
    points = gpd.GeoSeries(demand_points)
    if crs is None:
        crs = metric_crs([gpd.GeoDataFrame(geometry=points.to_crs(WGS84))])
    n, m = len(points), len(candidates)
    if n == 0 or m == 0:
        return sp.csr_array((n, m), dtype=np.int8)
    sites = as_sites(candidates, status="active").to_crs(crs)
    links = model.links(_xy(points, crs), sites)
    keep = links["level"].to_numpy() >= level
    if capacity is not None:
        pop = np.nan_to_num(np.asarray(population, dtype=float)) if population is not None \
            else np.zeros(n)  # fmt: skip
        links = links[keep].reset_index(drop=True)
        keep = _within_capacity(links, candidates, pop, capacity)
    rows = links["target"].to_numpy()[keep]
    cols = links["site"].to_numpy()[keep]
    out = sp.csr_array((np.ones(len(rows), np.int8), (rows, cols)), shape=(n, m))
    out.sum_duplicates()
    out.data[:] = 1
    out.sort_indices()
    logger.debug("coverage matrix %d x %d: %d pairs at level >= %d of %d links", n, m, out.nnz,
                 level, len(links))  # fmt: skip
    return out


def _first_rank(solution: SitingSolution, matrix) -> tuple[np.ndarray, sp.csr_array]:
    """For each demand point, the rank (0-based) of the first selected site covering it (-1: none)."""
    a = sp.csr_array(sp.csr_array(matrix)[:, solution.selected])
    a.sort_indices()
    covered = np.diff(a.indptr) > 0
    first = np.full(a.shape[0], -1, np.int64)
    first[covered] = a.indices[a.indptr[:-1][covered]]
    return first, a


def _population(demand: pd.DataFrame) -> np.ndarray:
    if "population" not in demand:
        return np.zeros(len(demand))
    return np.nan_to_num(pd.to_numeric(demand["population"], errors="coerce").to_numpy(dtype=float))


def _counts(values: np.ndarray) -> np.ndarray:
    """Integers when every value is whole (people), floats otherwise."""
    return values.round().astype(np.int64) if np.allclose(values, np.round(values)) else values


def priority_table(solution: SitingSolution, candidates: gpd.GeoDataFrame, matrix,
                   demand: pd.DataFrame, *, costs=None, settings=None) -> gpd.GeoDataFrame:  # fmt: skip
    """The chosen sites ranked by marginal gain, with what each adds.

    Parameters
    ----------
    solution : SitingSolution
        ``selected`` in rank order.
    candidates : GeoDataFrame
        The matrix's columns.
    matrix : sparse array, shape (len(demand), len(candidates))
    demand : DataFrame
        The matrix's rows: ``village_id``, ``population`` (blank counts 0),
        ``commune_id``.
    costs : array-like, optional
        Per candidate; default the candidates' ``cost`` (else 1).
    settings : CostSettings, optional
        With candidates priced by :func:`~whitezone.siting.site_costs`
        (their :data:`~whitezone.siting.costs.COST_COLUMNS`), the money
        columns below are added.

    Returns
    -------
    GeoDataFrame
        One row per site in rank order: ``rank`` (1 = build first),
        ``candidate_id``, ``source``, ``technology``, ``height_m``,
        ``new_villages``, ``new_population`` (covered by this site and none
        ranked before it), ``cumulative_villages``, ``cumulative_population``,
        ``cumulative_share`` (of the demand population: the white-zone
        population for ``target="none"``), ``cumulative_village_share``,
        ``cost``, ``cost_per_person`` (cost / new_population), ``commune_id``
        (where the site stands), ``villages`` (comma-joined ids of the
        villages it newly covers) and the point (EPSG:4326).  Priced
        candidates add, after ``cost_per_person``: ``capex``,
        ``opex_per_year``, ``npv_cost``, ``power``, ``backhaul``,
        ``backhaul_km``, ``backhaul_to``, ``revenue_npv`` (of the people it
        newly covers, :func:`~whitezone.siting.costs.revenue_npv`),
        ``subsidy`` (:func:`~whitezone.siting.costs.subsidy_gap`),
        ``subsidy_per_person`` (per person newly covered) and ``fund_rank``
        (1 = least subsidy per person; sites needing none first).
    """
    sel = np.asarray(solution.selected, dtype=np.int64)
    r = len(sel)
    first, _ = _first_rank(solution, matrix)
    hit = first >= 0
    pop = _population(demand)
    new_v = np.bincount(first[hit], minlength=r)
    new_p = np.bincount(first[hit], weights=pop[hit], minlength=r)
    total_p, total_v = float(pop.sum()), len(demand)
    cost = (np.asarray(costs, dtype=float) if costs is not None
            else candidates["cost"].to_numpy(dtype=float) if "cost" in candidates
            else np.ones(len(candidates)))[sel]  # fmt: skip
    ids = demand["village_id"].astype(str).to_numpy() if "village_id" in demand \
        else np.arange(len(demand)).astype(str)  # fmt: skip
    order = np.lexsort((np.flatnonzero(hit), first[hit]))
    joined = (pd.Series(ids[hit][order]).groupby(first[hit][order], sort=True).agg(", ".join)
              .reindex(range(r), fill_value=""))  # fmt: skip
    cand = candidates.iloc[sel]
    with np.errstate(divide="ignore", invalid="ignore"):
        per_person = np.where(new_p > 0, cost / new_p, np.nan)
        share = np.cumsum(new_p) / total_p if total_p > 0 else np.full(r, np.nan)
        v_share = np.cumsum(new_v) / total_v if total_v else np.full(r, np.nan)
    table = pd.DataFrame({
        "rank": np.arange(1, r + 1),
        "candidate_id": cand["candidate_id"].astype("string").to_numpy(),
        "source": cand["source"].astype("string").to_numpy() if "source" in cand
        else pd.array([pd.NA] * r, dtype="string"),
        "technology": cand["technology"].to_numpy(dtype=object),
        "height_m": cand["height_m"].to_numpy(dtype=float),
        "new_villages": new_v,
        "new_population": _counts(new_p),
        "cumulative_villages": np.cumsum(new_v),
        "cumulative_population": _counts(np.cumsum(new_p)),
        "cumulative_share": share,
        "cumulative_village_share": v_share,
        "cost": cost,
        "cost_per_person": per_person,
        "commune_id": cand["commune_id"].astype("string").to_numpy() if "commune_id" in cand
        else pd.array([pd.NA] * r, dtype="string"),
        "villages": joined.to_numpy(dtype=object),
    })  # fmt: skip
    if settings is not None and "npv_cost" in cand:
        money = _money(cand, new_p, settings)
        at = table.columns.get_loc("cost_per_person") + 1
        table = pd.concat([table.iloc[:, :at], money, table.iloc[:, at:]], axis=1)
    return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(cand.geometry.to_numpy(),
                                                          crs=candidates.crs).to_crs(WGS84))  # fmt: skip


def _money(cand: pd.DataFrame, new_people: np.ndarray, settings) -> pd.DataFrame:
    """Cost, revenue and subsidy columns of chosen, priced candidates (row order kept)."""
    npv = cand["npv_cost"].to_numpy(dtype=float)
    revenue = revenue_npv(new_people, settings=settings)
    gap = subsidy_gap(npv, revenue, margin=settings.margin)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_person = np.where(new_people > 0, gap / new_people, np.nan)
    # Least subsidy per person first; a site covering nobody new comes last.
    order = np.lexsort((np.arange(len(npv)), np.where(np.isfinite(per_person), per_person, np.inf)))
    fund_rank = np.empty(len(npv), dtype=np.int64)
    fund_rank[order] = np.arange(1, len(npv) + 1)
    return pd.DataFrame({
        "capex": cand["capex"].to_numpy(dtype=float),
        "opex_per_year": cand["opex_per_year"].to_numpy(dtype=float),
        "npv_cost": npv,
        "power": cand["power"].astype("string").to_numpy(),
        "backhaul": cand["backhaul"].astype("string").to_numpy(),
        "backhaul_km": cand["backhaul_km"].to_numpy(dtype=float),
        "backhaul_to": cand["backhaul_to"].astype("string").to_numpy(),
        "revenue_npv": revenue,
        "subsidy": gap,
        "subsidy_per_person": per_person,
        "fund_rank": fund_rank,
    })  # fmt: skip


def backhaul_links(table: gpd.GeoDataFrame, candidates: gpd.GeoDataFrame, *, crs, sites=None,
                   fiber=None) -> gpd.GeoDataFrame:  # fmt: skip
    """The chosen sites' backhaul as lines, for the map and ``priority_sites.gpkg``.

    Parameters
    ----------
    table : GeoDataFrame
        :func:`priority_table` of priced candidates (``backhaul``,
        ``backhaul_to``, ``backhaul_km``).
    candidates : GeoDataFrame
        Every candidate (a relay's hub is one).
    crs : pyproj.CRS
        Metric CRS (fiber's nearest point).
    sites, fiber : GeoDataFrame, optional
        Existing sites (microwave hubs) and fiber.

    Returns
    -------
    GeoDataFrame
        One line per site with fiber, microwave or relay backhaul: ``rank``,
        ``candidate_id``, ``backhaul``, ``backhaul_to``, ``backhaul_km``;
        from the site to its hub (microwave, relay) or to the nearest point
        of the fiber (a fiber extension: straight, even where measured along
        roads); EPSG:4326.
    """
    columns = ["rank", "candidate_id", "backhaul", "backhaul_to", "backhaul_km"]
    empty = gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=WGS84)
    if "backhaul" not in table or not len(table):
        return empty
    kind = table["backhaul"].astype("string").fillna("")
    start = table.geometry.to_crs(crs).to_numpy()
    end = np.full(len(table), None, dtype=object)
    to = table["backhaul_to"].astype("string")
    relay = (kind == "relay").to_numpy()
    if relay.any():
        where = pd.Series(candidates.geometry.to_crs(crs).to_numpy(),
                          index=candidates["candidate_id"].astype(str).to_numpy())  # fmt: skip
        end[relay] = where.reindex(to[relay].astype(str).to_numpy()).to_numpy()
    micro = (kind == "microwave").to_numpy()
    if micro.any() and sites is not None:
        masts = sites.drop_duplicates("site_id")
        where = pd.Series(masts.geometry.to_crs(crs).to_numpy(), index=masts["site_id"].astype(str).to_numpy())
        end[micro] = where.reindex(to[micro].astype(str).to_numpy()).to_numpy()
    wired = (kind == "fiber").to_numpy()
    if wired.any() and fiber is not None and len(fiber):
        net = shapely.union_all(fiber.geometry.to_crs(crs).to_numpy())
        end[wired] = shapely.get_point(shapely.shortest_line(start[wired], net), 1)
    has = np.array([e is not None and not shapely.is_missing(e) for e in end], dtype=bool)
    if not has.any():
        return empty
    lines = shapely.linestrings(np.stack([shapely.get_coordinates(start[has]),
                                          shapely.get_coordinates(np.asarray(end[has].tolist()))], axis=1))  # fmt: skip
    out = pd.DataFrame({c: table[c].to_numpy()[has] for c in columns})
    return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(lines, crs=crs).to_crs(WGS84).to_numpy(), crs=WGS84)


def assignments(solution: SitingSolution, candidates: gpd.GeoDataFrame, matrix,
                demand: pd.DataFrame) -> pd.DataFrame:  # fmt: skip
    """Every (chosen site, demand village it covers) pair: the long form of the table.

    Returns
    -------
    DataFrame
        ``rank``, ``candidate_id``, ``village_id``, ``commune_id`` (the
        village's), ``population``, ``new`` (True where this site is the
        first in rank order to cover the village); sorted by rank, then
        village position.
    """
    first, a = _first_rank(solution, matrix)
    coo = a.tocoo()
    order = np.lexsort((coo.row, coo.col))
    row, col = coo.row[order].astype(np.int64), coo.col[order].astype(np.int64)
    sel = np.asarray(solution.selected, dtype=np.int64)
    cand_ids = candidates["candidate_id"].astype("string").to_numpy()[sel]

    def take(name, dtype="string"):
        if name not in demand:
            return pd.array([pd.NA] * len(row), dtype=dtype)
        return pd.array(demand[name].to_numpy()[row], dtype=dtype)

    return pd.DataFrame({"rank": col + 1, "candidate_id": pd.array(cand_ids[col], dtype="string"),
                         "village_id": take("village_id"), "commune_id": take("commune_id"),
                         "population": _population(demand)[row],
                         "new": first[row] == col})  # fmt: skip


@dataclass
class PlanResult:
    """What :func:`plan_sites` computed.

    Attributes
    ----------
    candidates : GeoDataFrame
        Every candidate (the matrix's columns), with ``rank`` (<NA> unless
        chosen).
    demand : GeoDataFrame
        The villages to cover (the matrix's rows), with ``weight``, and the
        ``rank`` and ``candidate_id`` of the first chosen site covering each
        (<NA>: still uncovered).
    matrix : scipy.sparse.csr_array
        Demand × candidates, 1 where covered at the target level.
    weights : ndarray
        Weight of each demand village in the objective.
    solution : SitingSolution
    table : GeoDataFrame
        :func:`priority_table`.
    assignments : DataFrame
        :func:`assignments`.
    settings : dict
        The options used (for the report).
    links : GeoDataFrame, optional
        A priced plan's backhaul lines (:func:`backhaul_links`).
    """

    candidates: gpd.GeoDataFrame
    demand: gpd.GeoDataFrame
    matrix: sp.csr_array
    weights: np.ndarray
    solution: SitingSolution
    table: gpd.GeoDataFrame
    assignments: pd.DataFrame
    settings: dict = field(default_factory=dict)
    links: gpd.GeoDataFrame | None = None

    def summary(self) -> dict:
        """Headline figures: demand, what the chosen sites cover, how sure the optimum is.

        Returns
        -------
        dict
            ``demand_villages``, ``demand_population``, ``coverable_villages``,
            ``coverable_population`` (some candidate reaches them),
            ``sites``, ``covered_villages``, ``covered_population``,
            ``covered_share`` (of the demand population), and the solver's
            ``objective``, ``bound``, ``gap``, ``method``, ``status``,
            ``seconds``.  A priced plan adds ``currency``, ``capex``,
            ``npv_cost``, ``revenue_npv``, ``subsidy`` (totals),
            ``subsidy_per_person`` (total subsidy per person newly covered),
            ``sites_paying_for_themselves``, and ``cheapest_site`` /
            ``dearest_site`` with their ``*_per_person`` subsidy.
        """
        pop = _population(self.demand)
        coverable = np.diff(self.matrix.indptr) > 0
        covered = self.demand["rank"].notna().to_numpy()
        s = self.solution

        def people(mask):
            total = float(pop[mask].sum())
            return int(round(total)) if total == round(total) else total

        everyone = np.ones(len(pop), dtype=bool)
        return {
            "demand_villages": len(self.demand), "demand_population": people(everyone),
            "coverable_villages": int(coverable.sum()), "coverable_population": people(coverable),
            "sites": len(s.selected), "covered_villages": int(covered.sum()),
            "covered_population": people(covered),
            "covered_share": float(pop[covered].sum() / pop.sum()) if pop.sum() > 0 else float("nan"),
            "objective": s.objective, "bound": s.bound, "gap": s.gap, "method": s.method,
            "status": s.status, "seconds": s.seconds, **self._money(),
        }  # fmt: skip

    def communes(self) -> pd.DataFrame:
        """Per commune where chosen sites stand: sites, people newly covered, and a priced plan's money.

        Returns
        -------
        DataFrame
            ``commune_id``, ``sites``, ``new_villages``, ``new_population``,
            and when priced ``capex``, ``npv_cost``, ``revenue_npv``,
            ``subsidy``, ``subsidy_per_person``; sorted by commune.  The
            columns sum to the table's (a site with no commune counts under
            <NA>).
        """
        t = self.table
        sums = ["new_villages", "new_population"] + [c for c in ("capex", "npv_cost", "revenue_npv",
                                                                  "subsidy") if c in t]  # fmt: skip
        key = t["commune_id"].astype("string")
        out = t.groupby(key, dropna=False, sort=True)[sums].sum()
        out.insert(0, "sites", t.groupby(key, dropna=False, sort=True).size())
        if "subsidy" in out:
            with np.errstate(divide="ignore", invalid="ignore"):
                out["subsidy_per_person"] = np.where(out["new_population"] > 0,
                                                     out["subsidy"] / out["new_population"], np.nan)  # fmt: skip
        out.index.name = "commune_id"
        return out.reset_index()

    def _money(self) -> dict:
        """Totals of a priced plan: NPV cost, capex, revenue, subsidy, and the extremes per person."""
        t = self.table
        if "subsidy" not in t:
            return {}
        per = t["subsidy_per_person"].to_numpy(dtype=float)
        ok = np.isfinite(per)
        cheapest = t.loc[ok].iloc[int(np.argmin(per[ok]))] if ok.any() else None
        dearest = t.loc[ok].iloc[int(np.argmax(per[ok]))] if ok.any() else None
        new = float(t["new_population"].sum())
        settings = self.settings.get("cost_settings")
        return {
            "currency": settings["currency"] if settings else "",
            "capex": float(t["capex"].sum()), "npv_cost": float(t["npv_cost"].sum()),
            "revenue_npv": float(t["revenue_npv"].sum()), "subsidy": float(t["subsidy"].sum()),
            "subsidy_per_person": float(t["subsidy"].sum() / new) if new > 0 else float("nan"),
            "sites_paying_for_themselves": int((t["subsidy"] == 0).sum()),
            "cheapest_site": None if cheapest is None else str(cheapest["candidate_id"]),
            "cheapest_per_person": float("nan") if cheapest is None else float(cheapest["subsidy_per_person"]),
            "dearest_site": None if dearest is None else str(dearest["candidate_id"]),
            "dearest_per_person": float("nan") if dearest is None else float(dearest["subsidy_per_person"]),
        }  # fmt: skip


def demand_villages(villages: gpd.GeoDataFrame, *, target: str = "none") -> gpd.GeoDataFrame:
    """The villages a plan must cover: their class does not meet the target.

    ``target="none"``: the white villages (``class_any == "none"``);
    ``"weak"``: also those with weak signal.  Villages without a class
    (unlocated) are never demand.
    """
    if target not in TARGETS:
        raise InputError(Problem("siting", f"unknown target {target!r}; expected one of "
                                 f"{', '.join(TARGETS)}", column="target"))
    classes, _ = TARGETS[target]
    mask = villages["class_any"].astype("string").isin(classes).fillna(False).to_numpy(dtype=bool)
    mask = mask.copy()
    mask &= ~(villages.geometry.isna() | villages.geometry.is_empty).to_numpy()
    return villages[mask]


def _dem(result):
    """The run's DEM for microwave paths: the model's, else the project's; None without one."""
    if result.model.dem is not None:
        return result.model.dem
    if result.layers.dem is None:
        return None
    return _hilltop_dem(result)


def _hilltop_dem(result):
    if result.model.dem is not None:
        return result.model.dem
    if result.layers.dem is None:
        raise InputError(Problem(str(result.project.path or "project"), "candidates from "
                                 'hilltops need a DEM: add dem = "your_dem.tif" under [layers]',
                                 column="dem"))  # fmt: skip
    bounds = tuple(result.layers.communes.to_crs(result.layers.crs).total_bounds)
    return load_dem(result.layers.dem, crs=result.layers.crs, bounds=bounds,
                    resolution_m=result.project.model.dem_resolution_m)  # fmt: skip


def plan_sites(
    result,
    *,
    k: int | None = 20,
    budget: float | None = None,
    candidates: str | Sequence[str] | gpd.GeoDataFrame | os.PathLike = "villages",
    technology: str | Sequence[str] = "4G",
    target: str = "none",
    weight: str = "population",
    grid_km: float = 2.0,
    time_limit_s: float = 60.0,
    method: str = "auto",
    mip_rel_gap: float = 0.0,
    height_m: float | None = None,
    cost: float = 1.0,
    hilltops: dict | None = None,
    costs: str = "model",
    objective: str = "coverage",
    settings=None,
    require_capacity: bool = False,
) -> PlanResult:
    """Where to build up to ``k`` sites (or within ``budget``) to cover the most people.

    Demand is the villages whose class misses ``target`` under the existing
    sites (so existing coverage is taken into account), weighted by
    population or 1 each; candidates are placed, the run's coverage model
    decides what each would cover, and the maximal covering problem is solved
    (:func:`~whitezone.siting.solve_mclp`).

    Parameters
    ----------
    result : whitezone.pipeline.Result
        A run (:func:`whitezone.analyse`): its villages, model, CRS, communes.
    k : int, optional
        Most sites.  ``None`` with a ``budget``: only the budget limits.
    budget : float, optional
        Most total cost: the NPV cost of the sites chosen (``costs="model"``)
        or the sum of the candidates' ``cost`` (``costs="given"``).  Costs
        enter a coverage choice only through a budget; the table always
        shows them.
    candidates : str, path, GeoDataFrame or a sequence of them
        ``"villages"`` (the demand villages themselves), ``"upgrades"``
        (the technology added to existing masts lacking it), ``"grid"`` (every
        ``grid_km`` over the communes), ``"hilltops"`` (the DEM's, inside the
        communes; options in ``hilltops``), a path to a file of points
        (:func:`~whitezone.siting.from_file`; ``cost`` column optional), a
        GeoDataFrame of points, or several of these together (ids must not
        collide).
    technology : str or sequence of str
        Of the new sites, where the candidates do not say.
    target : {"none", "weak"}
        ``"none"``: cover the villages without signal, at least weak signal
        counting as covered; ``"weak"``: cover those without or with weak
        signal, only good signal counting.
    weight : {"population", "villages"}
        What a covered village is worth: its population (blank: 0) or 1.
    grid_km : float
        Spacing of the grid candidates.
    time_limit_s, method, mip_rel_gap
        As :func:`~whitezone.siting.solve_mclp`.
    height_m, cost : float, optional
        Mast height and cost of candidates that do not give them.
    hilltops : dict, optional
        Options of :func:`~whitezone.siting.from_hilltops` (``max_count``,
        ``window_m``, ``viewshed_top``...).
    costs : {"model", "given"}
        ``"model"``: every candidate priced by :func:`~whitezone.siting.site_costs`
        (site, power, backhaul, NPV; its ``cost`` becomes the NPV cost, but a
        cost a candidates file gives is kept as it is) with
        the run's grid, fiber, roads, sites and DEM; a site whose cheapest
        backhaul is a microwave relay through another candidate can only be
        chosen with it.  ``"given"``: the candidates' own ``cost`` (a file's
        column, or ``cost``), no pricing.
    objective : {"coverage", "cover_all"}
        ``"coverage"``: the most weight within ``k`` sites and/or the
        ``budget`` (maximal covering); ``"cover_all"``: every demand village
        some candidate can cover, at the least total cost (set covering;
        ``k`` and ``budget`` ignored).
    settings : CostSettings, optional
        Default the project's ``[costs]``.
    require_capacity : bool
        A candidate covers only the villages its carrier can serve at the
        busy hour (the project's ``[capacity]``; best-served villages first),
        not every village its signal reaches.

    Returns
    -------
    PlanResult
    """
    if weight not in _WEIGHTS:
        raise InputError(Problem("siting", f"unknown weight {weight!r}; expected one of "
                                 f"{', '.join(_WEIGHTS)}", column="weight"))
    if target not in TARGETS:
        raise InputError(Problem("siting", f"unknown target {target!r}; expected one of "
                                 f"{', '.join(TARGETS)}", column="target"))
    if objective not in OBJECTIVES:
        raise InputError(Problem("siting", f"unknown objective {objective!r}; expected one of "
                                 f"{', '.join(OBJECTIVES)}", column="objective"))  # fmt: skip
    if costs not in COST_SOURCES:
        raise InputError(Problem("siting", f"unknown costs {costs!r}; expected one of "
                                 f"{', '.join(COST_SOURCES)}", column="costs"))  # fmt: skip
    level = TARGETS[target][1]
    demand = demand_villages(result.villages, target=target).copy()
    layers, model = result.layers, result.model
    settings = settings if settings is not None else result.project.costs
    common = {"technology": technology, "height_m": height_m, "cost": cost, "model": model}
    kinds = ("villages", "upgrades", "grid", "hilltops")
    if isinstance(candidates, os.PathLike) or (isinstance(candidates, str)
                                               and candidates not in kinds):  # fmt: skip
        if not os.path.exists(candidates):
            raise InputError(Problem("siting", f"candidates {str(candidates)!r} is neither one of "
                                     f"{', '.join(kinds)} nor a file", column="candidates"))
        cands = make_candidates("file", path=candidates, **common)
    elif isinstance(candidates, gpd.GeoDataFrame):
        cands = as_candidates(candidates, **common)
    else:
        wanted = [candidates] if isinstance(candidates, str) else list(candidates)
        for i, item in enumerate(wanted):  # a file among the kinds (the CLI's --candidates)
            if isinstance(item, os.PathLike) or (isinstance(item, str) and item not in kinds):
                if not os.path.exists(item):
                    raise InputError(Problem("siting", f"candidates {str(item)!r} is neither "
                                             f"one of {', '.join(kinds)} nor a file",
                                             column="candidates"))  # fmt: skip
                wanted[i] = from_file(item, **common)
        hills = any(isinstance(item, str) and item == "hilltops" for item in wanted)
        dem = _hilltop_dem(result) if hills else None
        cands = make_candidates(wanted, villages=demand, sites=layers.sites, area=layers.communes, dem=dem,
                                crs=layers.crs, spacing_km=grid_km, hilltops=hilltops, **common)  # fmt: skip
    cands = cands.reset_index(drop=True)
    if "commune_id" not in cands or cands["commune_id"].isna().any():
        found, _ = assign_communes(cands.geometry, layers.communes, snap_km=0.0, crs=layers.crs)
        given = cands["commune_id"].astype("string") if "commune_id" in cands else found
        cands["commune_id"] = given.fillna(found).to_numpy()
    requires = None
    if costs == "model":
        priced = site_costs(cands, settings=settings, crs=layers.crs, fiber=layers.fiber,
                            grid=layers.grid, roads=layers.roads, sites=layers.sites,
                            dem=_dem(result))  # fmt: skip
        given = cands["cost_given"].fillna(False).to_numpy(dtype=bool) if "cost_given" in cands \
            else np.zeros(len(cands), dtype=bool)  # fmt: skip
        if given.any():  # the user's own figure stands for the NPV cost; its parts are unknown
            priced.loc[given, "npv_cost"] = cands.loc[given, "cost"].to_numpy(dtype=float)
            priced.loc[given, ["capex", "capex_site", "capex_power", "capex_backhaul",
                               "opex_per_year"]] = np.nan  # fmt: skip
        cands = cands.drop(columns=[c for c in COST_COLUMNS if c in cands])
        cands = pd.concat([cands, priced], axis=1)
        cands["cost"] = priced["npv_cost"].to_numpy()
        hub = priced["hub"].to_numpy()
        if (hub >= 0).any():
            requires = np.column_stack([np.flatnonzero(hub >= 0), hub[hub >= 0]])
    matrix = coverage_matrix(demand.geometry, cands, model=model, crs=layers.crs, min_level=level,
                             capacity=result.project.capacity if require_capacity else None,
                             population=_population(demand))  # fmt: skip
    weights = _population(demand) if weight == "population" else np.ones(len(demand))
    if weight == "population" and "population" in demand and demand["population"].isna().any():
        logger.warning("%d demand villages have no population and count 0",
                       int(demand["population"].isna().sum()))  # fmt: skip
    prices = cands["cost"].to_numpy(dtype=float)
    if objective == "cover_all":
        solution = solve_set_cover(matrix, weights, costs=prices, requires=requires,
                                   time_limit_s=time_limit_s, method=method,
                                   mip_rel_gap=mip_rel_gap)  # fmt: skip
    else:
        solution = solve_mclp(matrix, weights, k=k, costs=prices if budget is not None else None,
                              budget=budget, requires=requires,
                              time_limit_s=time_limit_s, method=method, mip_rel_gap=mip_rel_gap)  # fmt: skip
    table = priority_table(solution, cands, matrix, demand,
                           settings=settings if costs == "model" else None)  # fmt: skip
    pairs = assignments(solution, cands, matrix, demand)
    first, _ = _first_rank(solution, matrix)
    rank = pd.array(np.where(first >= 0, first + 1, 0), dtype="Int64")
    rank[first < 0] = pd.NA
    sel_ids = cands["candidate_id"].astype("string").to_numpy()[solution.selected]
    demand["weight"] = weights
    demand["rank"] = rank
    demand["candidate_id"] = pd.array(np.where(first >= 0, sel_ids[np.maximum(first, 0)]
                                               if len(sel_ids) else None, None), dtype="string")  # fmt: skip
    cand_rank = np.full(len(cands), 0, np.int64)
    cand_rank[solution.selected] = np.arange(1, len(solution.selected) + 1)
    cands["rank"] = pd.array(cand_rank, dtype="Int64")
    cands.loc[cand_rank == 0, "rank"] = pd.NA
    items = candidates if isinstance(candidates, (list, tuple)) else [candidates]
    names = [x if isinstance(x, str) else str(x) if isinstance(x, os.PathLike) else "given"
             for x in items]  # fmt: skip
    options = {"k": k, "budget": budget, "candidates": ", ".join(names),
               "technology": technology, "target": target, "min_level": level,
               "weight": weight, "grid_km": grid_km, "time_limit_s": time_limit_s,
               "method": method, "objective": objective, "costs": costs,
               "cost_settings": asdict(settings) if costs == "model" else None,
               "require_capacity": require_capacity}  # fmt: skip
    logger.info("planned %d sites over %d candidates for %d demand villages: %s",
                len(solution.selected), len(cands), len(demand), solution)  # fmt: skip
    links = backhaul_links(table, cands, crs=layers.crs, sites=layers.sites, fiber=layers.fiber) \
        if costs == "model" else None  # fmt: skip
    return PlanResult(candidates=cands, demand=demand, matrix=matrix, weights=weights,
                      solution=solution, table=table, assignments=pairs, settings=options,
                      links=links)  # fmt: skip
