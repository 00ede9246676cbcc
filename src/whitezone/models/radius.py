"""The radius model: good within one distance of a site, weak within another.

The simplest model and the default, as in public coverage explorers: per
technology a good radius and a weak radius in km (defaults and their sources in
:data:`whitezone.project.DEFAULT_RADIUS_KM`).  A site's own ``radius_km``
overrides its technology's weak (outer) radius; its good radius is scaled by
the same factor, keeping the technology's good/weak ratio.

A cell (a row with ``azimuth_deg``) reaches its radii along its azimuth and
less off it, as its pattern would shorten a link: at φ off the azimuth the
radii are scaled by ``max(10^(−L_H(φ) / 35), back_reach)``, with L_H the 3GPP
horizontal pattern loss ``min(12 (φ/φ3dB)², Am)`` and 35 dB per decade the
slope of a Hata loss at a 30 m mast (44.9 − 6.55·log10 30).  At the edge of the
beamwidth (3 dB) that is 0.82 of the radius, between two sectors of a
three-sector site (±60°, 10 dB) about half, and behind (25 dB) 0.19 — the
``back_reach`` floor, 0.2 by default.  So the radius and the path-loss models
agree on direction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from ..classes import GOOD, NONE, WEAK
from ..project import DEFAULT_RADIUS_KM, AntennaSettings, ModelSettings
from ._best import best_from_links, empty_best, merge_best
from ._pairs import first_at_each_place, kd_tree, pairs_within, site_coordinates, spatial_order
from .antenna import bearing_deg, off_axis_deg, parabolic_loss_db
from .link import DEFAULT_BUDGETS
from .protocol import Parameter

#: dB per decade of distance a Hata loss falls at a 30 m mast (44.9 − 6.55 log10 30).
HATA_DB_PER_DECADE = 35.0


@dataclass(frozen=True)
class RadiusModel:
    """Good/weak/none by distance to the site.

    Parameters
    ----------
    radius_km : mapping
        Technology -> (good_km, weak_km); technologies absent here use
        :data:`~whitezone.project.DEFAULT_RADIUS_KM`.
    back_reach : float
        The least share of its radii a cell reaches, straight behind.
    beamwidth_deg : float
        Beamwidth of a cell with an azimuth and none given.
    front_to_back_db : float
        The horizontal pattern's Am.
    """

    radius_km: Mapping[str, tuple[float, float]] = field(default_factory=lambda: dict(DEFAULT_RADIUS_KM))
    back_reach: float = AntennaSettings.back_reach
    beamwidth_deg: float = AntennaSettings.beamwidth_deg
    front_to_back_db: float = AntennaSettings.front_to_back_db
    kind: str = "radius"
    #: No signal is computed: only class levels.
    yields_dbm: ClassVar[bool] = False
    optional_keys: ClassVar[tuple[str, ...]] = ()
    #: Grid of the map's coverage layer; the area covered is exact (:meth:`footprints`).
    area_grid_m: ClassVar[float] = 250.0
    dem: ClassVar[None] = None
    needs_dem: ClassVar[bool] = False

    @classmethod
    def from_settings(cls, settings: ModelSettings, *, dem=None, landcover=None) -> RadiusModel:
        """The model of a project's ``[model]`` settings (no signal: the land cover is not used)."""
        return cls(radius_km=dict(settings.radius_km), back_reach=settings.antenna.back_reach,
                   beamwidth_deg=settings.antenna.beamwidth_deg,
                   front_to_back_db=settings.antenna.front_to_back_db)  # fmt: skip

    def radii_km(self, sites: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Good and weak radius of each site-technology, overrides applied."""
        table = {**DEFAULT_RADIUS_KM, **self.radius_km}
        # Each distinct technology looked up once (a national table has millions of rows).
        code, techs = pd.factorize(sites["technology"], use_na_sentinel=True)
        rows = [table.get(t, (np.nan, np.nan)) if isinstance(t, str) else (np.nan, np.nan)
                for t in techs]  # fmt: skip
        per_tech = np.array([(r[0], r[1]) for r in rows] + [(np.nan, np.nan)], dtype=float)
        good, weak = per_tech[code, 0], per_tech[code, 1]  # code -1 (missing): the NaN row
        if "radius_km" in sites:
            override = sites["radius_km"].to_numpy(dtype=float)
            given = np.isfinite(override)
            scale = np.where(given, override / weak, 1.0)
            good, weak = good * scale, np.where(given, override, weak)
        return good, weak

    def reach_km(self, sites: gpd.GeoDataFrame) -> np.ndarray:
        """The weak radius: beyond it a site gives no signal."""
        return self.radii_km(sites)[1]

    def sectors(self, sites: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Azimuth (NaN: omni) and beamwidth of each row."""
        n = len(sites)
        azimuth = (sites["azimuth_deg"].to_numpy(dtype=float) if "azimuth_deg" in sites
                   else np.full(n, np.nan))  # fmt: skip
        width = (sites["beamwidth_deg"].to_numpy(dtype=float) if "beamwidth_deg" in sites
                 else np.full(n, np.nan))  # fmt: skip
        return azimuth, np.where(np.isfinite(width), width, self.beamwidth_deg)

    def reach_share(self, off_axis: np.ndarray, width: np.ndarray) -> np.ndarray:
        """Share of its radii a cell reaches at ``off_axis`` degrees from its azimuth."""
        loss = parabolic_loss_db(off_axis, 0.0, beamwidth_deg=width, vertical_beamwidth_deg=1.0,
                                 front_to_back_db=self.front_to_back_db, side_lobe_db=0.0)  # fmt: skip
        return np.maximum(10.0 ** (-loss / HATA_DB_PER_DECADE), self.back_reach)

    def _scale(self, targets, xy, target, site, azimuth, width) -> np.ndarray:
        """Share of its radii each link's cell reaches in the link's direction (1: omni)."""
        az = azimuth[site]
        scale = np.ones(len(site))
        sector = np.isfinite(az)
        if sector.any():
            d = np.asarray(targets, dtype=float)[target[sector]] - xy[site[sector]]
            off = off_axis_deg(bearing_deg(d[:, 0], d[:, 1]), az[sector])
            scale[sector] = self.reach_share(off, width[site[sector]])
        return scale

    def _classed(self, targets, xy, target, site, dist_km, sites) -> np.ndarray:
        good, weak = self.radii_km(sites)
        azimuth, width = self.sectors(sites)
        scale = self._scale(targets, xy, target, site, azimuth, width)
        return np.where(dist_km <= good[site] * scale, GOOD,
                        np.where(dist_km <= weak[site] * scale, WEAK, NONE)).astype(np.int8)  # fmt: skip

    def footprints(self, sites: gpd.GeoDataFrame, *, site_xy: np.ndarray) -> np.ndarray:
        """Each row's weak-radius disc (64-gon) around its metric x, y; a cell's reach by direction."""
        reach_m = self.reach_km(sites) * 1000.0
        xy = np.asarray(site_xy, dtype=float)
        discs = shapely.buffer(shapely.points(xy), reach_m, quad_segs=32)
        azimuth, width = self.sectors(sites)
        cells = np.flatnonzero(np.isfinite(azimuth) & (width < 360.0) & np.isfinite(reach_m))
        if cells.size:
            # The reach in 5-degree steps around the cell, as the links see it.
            angle = np.arange(0.0, 360.0, 5.0)
            share = self.reach_share(angle[None, :], width[cells, None])
            r = reach_m[cells, None] * share
            bearing = np.radians(azimuth[cells, None] + angle[None, :])
            ring = np.stack([xy[cells, 0, None] + r * np.sin(bearing),
                             xy[cells, 1, None] + r * np.cos(bearing)], axis=-1)  # fmt: skip
            discs[cells] = shapely.polygons(np.concatenate([ring, ring[:, :1]], axis=1))
        return discs

    def report_parameters(self, technologies: list[str], sites: gpd.GeoDataFrame | None = None) -> list:
        """Radii per technology, the sites with a radius of their own, how area is measured."""
        table = {**DEFAULT_RADIUS_KM, **self.radius_km}
        rows = [Parameter("param.radius", table.get(tech, (np.nan, np.nan)), fields={"tech": tech})
                for tech in technologies]  # fmt: skip
        own = None if sites is None else sites.get("radius_km")
        if own is not None and own.notna().any():
            rows.append(Parameter("param.own_radius", (int(own.notna().sum()),)))
        if sites is not None and "azimuth_deg" in sites and sites["azimuth_deg"].notna().any():
            rows.append(Parameter("param.back_reach", (self.back_reach,)))
        rows.append(Parameter("param.area_method", (("text", "param.area_exact"),)))
        return rows

    def class_rules(self, technologies: list[str]) -> dict[str, tuple[str, dict]]:
        """Good within the good radius, weak within the weak one, none beyond."""
        table = {**DEFAULT_RADIUS_KM, **self.radius_km}
        good = [(t, table[t][0], "km") for t in technologies if t in table]
        weak = [(t, table[t][1], "km") for t in technologies if t in table]
        return {"good": ("rule.radius.good", {"good": good}),
                "weak": ("rule.radius.weak", {"weak": weak}),
                "none": ("rule.radius.none", {})}  # fmt: skip

    @staticmethod
    def default_height_m(technology: str) -> float:
        """The link budgets' default mast (the radius model itself has no height)."""
        return float(DEFAULT_BUDGETS[technology].height_m)

    def check_sites(self, sites: gpd.GeoDataFrame, *, source: str = "sites") -> None:
        """Nothing: the radius model reads no antenna pattern (only azimuth and beamwidth)."""

    def thresholds(self) -> None:
        """None: classes by distance, not by signal."""
        return None

    def without_calibration(self) -> RadiusModel:
        """Itself: nothing to remove."""
        return self

    def coverage_probability(self, best, sites) -> dict:
        """None: distance classes have no spread to give a probability."""
        return {}

    def pair_links(self, targets: np.ndarray, sites: gpd.GeoDataFrame, target: np.ndarray,
                   site: np.ndarray, *, site_xy: np.ndarray | None = None,
                   calibrated: bool = True) -> pd.DataFrame:  # fmt: skip
        """The class each given (target, site) pair has by its distance (no signal)."""
        xy = site_coordinates(sites, site_xy)
        target = np.asarray(target, dtype=np.int64)
        site = np.asarray(site, dtype=np.int64)
        dist_km = np.hypot(*(np.asarray(targets, dtype=float)[target] - xy[site]).T) / 1000.0
        level = self._classed(targets, xy, target, site, dist_km, sites)
        return pd.DataFrame({"target": target, "site": site, "distance_km": dist_km,
                             "signal_dbm": np.full(len(target), np.nan),
                             "level": level.astype(np.int8)})  # fmt: skip

    def links(self, targets: np.ndarray, sites: gpd.GeoDataFrame, *,
              site_xy: np.ndarray | None = None) -> pd.DataFrame:  # fmt: skip
        """Links within each site's weak radius, classed by distance.

        Parameters
        ----------
        targets : ndarray, shape (n, 2)
            Metric x, y.
        sites : GeoDataFrame
            Site-technologies in the same metric CRS (or any, with ``site_xy``).
        site_xy : ndarray, shape (len(sites), 2), optional
            The sites' metric x, y; default their geometry.

        Returns
        -------
        DataFrame
            ``target``, ``site``, ``distance_km``, ``signal_dbm`` (NaN: the
            radius model computes no signal), ``level``; a cell's links
            outside its beamwidth and beyond its back reach are not listed.
        """
        _, weak = self.radii_km(sites)
        xy = site_coordinates(sites, site_xy)
        target, site, dist_m = pairs_within(targets, xy, weak * 1000.0)
        dist_km = dist_m / 1000.0
        level = self._classed(targets, xy, target, site, dist_km, sites)
        keep = level > NONE  # behind a cell, beyond its back reach
        return pd.DataFrame({"target": target[keep], "site": site[keep],
                             "distance_km": dist_km[keep],
                             "signal_dbm": np.full(int(keep.sum()), np.nan),
                             "level": level[keep]})  # fmt: skip

    def best(self, targets: np.ndarray, sites: gpd.GeoDataFrame, tech_code: np.ndarray,
             n_tech: int, *, site_xy: np.ndarray | None = None) -> dict[str, np.ndarray]:  # fmt: skip
        """Best server per (target, technology) without building every link.

        Sites of one technology share its radii, so the nearest of them
        decides both the class and the server: one k=1 k-d tree query per
        technology, bounded by the weak radius.  Sites with their own
        ``radius_km`` are searched in a tree of their own, nearest first,
        until the best of them is known (:func:`_nearest_covering`), so no
        link is ever listed.  The result is the one
        :func:`~whitezone.models._best.best_from_links` gives on all links
        (same order: level, then distance, then site position; a site exactly
        at its weak radius is weak).  Sites at exactly the same place count
        once, as the lowest position, which is the one the order picks; the
        only ties left to the tree are distinct sites at exactly the same
        distance from a target.

        Parameters
        ----------
        targets : ndarray, shape (n, 2)
        sites : GeoDataFrame
            In the targets' metric CRS (or any, with ``site_xy``).
        tech_code : ndarray
            Technology position of each site.
        n_tech : int
        site_xy : ndarray, shape (len(sites), 2), optional
            The sites' metric x, y; default their geometry.

        Returns
        -------
        dict of ndarray, shape (n, n_tech)
        """
        targets = np.asarray(targets, dtype=float).reshape(-1, 2)
        if len(sites) == 0 or n_tech == 0 or not np.isfinite(targets).all(axis=1).any():
            return empty_best(len(targets), n_tech)
        return self.prepare(sites, tech_code, n_tech, site_xy=site_xy).best(targets)

    def prepare(self, sites: gpd.GeoDataFrame, tech_code: np.ndarray, n_tech: int, *,
                site_xy: np.ndarray | None = None) -> RadiusIndex:  # fmt: skip
        """The k-d trees of :meth:`best`, built once for many batches of targets.

        ``model.prepare(sites, code, n).best(targets)`` is
        ``model.best(targets, sites, code, n)``; the streaming classifier
        (:mod:`whitezone.stream`) builds the index once per file instead of
        once per chunk.

        Parameters
        ----------
        sites : GeoDataFrame
            In the targets' metric CRS, or in any CRS when ``site_xy`` is given.
        tech_code : ndarray
        n_tech : int
        site_xy : ndarray, shape (len(sites), 2), optional
            The sites' metric x, y, when known already (then the geometries
            are not read): :func:`~whitezone.classify.classify_points`
            projects the coordinates without building projected geometries.
        """
        tech_code = np.asarray(tech_code)
        good, weak = self.radii_km(sites)
        # A good radius that cannot be stated (NaN) never holds: weak at most.
        good_m, weak_m = np.where(np.isnan(good), -np.inf, good * 1000.0), weak * 1000.0
        xy = site_coordinates(sites, site_xy)
        override = (np.isfinite(sites["radius_km"].to_numpy(dtype=float)) if "radius_km" in sites
                    else np.zeros(len(sites), dtype=bool))  # fmt: skip
        # A site without position or reach serves nowhere (as in pairs_within).
        usable = np.isfinite(xy).all(axis=1) & np.isfinite(weak_m) & (weak_m > 0)
        # Cells depend on direction: their links are listed (few: a cell's reach is its own).
        azimuth, _ = self.sectors(sites)
        cells = np.flatnonzero(usable & np.isfinite(azimuth))
        usable &= ~np.isfinite(azimuth)
        groups: list[list[_Group]] = []
        for k in range(n_tech):
            in_k = usable & (tech_code == k)
            fixed = np.flatnonzero(in_k & ~override)
            # One group per distinct radius pair (one per technology in practice).
            tech_groups = [_Group.build_fixed(xy, members, good_m, weak_m)
                           for members in _same_radii(fixed, good_m, weak_m)]  # fmt: skip
            own = np.flatnonzero(in_k & override)
            if own.size:
                tech_groups.append(_Group.build_covering(xy, own, good_m, weak_m))
            groups.append(tech_groups)
        sector = None
        if cells.size:
            sector = _Cells(self, sites.iloc[cells], xy[cells], cells, tech_code)
        return RadiusIndex(len(sites), groups, sector)


@dataclass(frozen=True, eq=False)
class _Group:
    """Sites of one technology searched in one k-d tree.

    ``fixed``: sites sharing one pair of radii (scalars ``good_m``,
    ``weak_m``); else sites with radii of their own (arrays, padded with a
    never-covering entry for the tree's "no neighbour" index).
    """

    tree: cKDTree
    members: np.ndarray
    good_m: float | np.ndarray
    weak_m: float | np.ndarray
    fixed: bool

    @classmethod
    def build_fixed(cls, xy, members, good_m, weak_m) -> _Group:
        members = first_at_each_place(members, xy[:, 0], xy[:, 1])
        return cls(kd_tree(xy[members]), members, float(good_m[members[0]]),
                   float(weak_m[members[0]]), True)  # fmt: skip

    @classmethod
    def build_covering(cls, xy, members, good_m, weak_m) -> _Group:
        members = first_at_each_place(members, xy[:, 0], xy[:, 1], good_m, weak_m)
        return cls(kd_tree(xy[members]), members, np.append(good_m[members], -np.inf),
                   np.append(weak_m[members], -np.inf), False)  # fmt: skip


@dataclass(frozen=True, eq=False)
class RadiusIndex:
    """The radius model's search structure for one table of sites (:meth:`RadiusModel.prepare`).

    Attributes
    ----------
    n_sites : int
        Rows of the sites table it was built for.
    groups : list of list
        Per technology, the groups of sites searched together.
    cells : optional
        The rows with an azimuth, whose links are listed and reduced.
    """

    n_sites: int
    groups: list[list[_Group]]
    cells: _Cells | None = None

    def best(self, targets: np.ndarray) -> dict[str, np.ndarray]:
        """Best server per (target, technology): see :meth:`RadiusModel.best`."""
        targets = np.asarray(targets, dtype=float).reshape(-1, 2)
        n_tech = len(self.groups)
        out = empty_best(len(targets), n_tech)
        ok = np.flatnonzero(np.isfinite(targets).all(axis=1))
        if ok.size == 0:
            return out
        # Queries in Z-order run several times faster on large target sets.
        ok = ok[spatial_order(targets[ok])] if ok.size > 50_000 else ok
        pts = np.ascontiguousarray(targets[ok])
        for k, tech_groups in enumerate(self.groups):
            if not tech_groups:
                continue
            level = np.zeros(len(ok), dtype=np.int8)
            site = np.full(len(ok), _NO_SITE, dtype=np.int64)
            dist = np.full(len(ok), np.inf)
            for i, group in enumerate(tech_groups):
                if group.fixed:
                    _nearest_fixed(pts, group, level, site, dist, fresh=i == 0)
                else:
                    _nearest_covering(pts, group, level, site, dist)
            hit = site != _NO_SITE
            rows = ok[hit]
            out["level"][rows, k] = level[hit]
            out["site"][rows, k] = site[hit]
            out["distance_km"][rows, k] = dist[hit] / 1000.0
        if self.cells is not None:
            out = merge_best(out, self.cells.best(targets, n_tech))
        return out


@dataclass(frozen=True, eq=False)
class _Cells:
    """Sectors of the radius model: links listed, then reduced (:func:`best_from_links`)."""

    model: RadiusModel
    sites: gpd.GeoDataFrame
    xy: np.ndarray
    members: np.ndarray
    tech_code: np.ndarray

    def best(self, targets: np.ndarray, n_tech: int) -> dict[str, np.ndarray]:
        links = self.model.links(targets, self.sites, site_xy=self.xy)
        links["site"] = self.members[links["site"].to_numpy()]
        return best_from_links(links, self.tech_code, len(targets), n_tech)


#: Site position meaning "no server" inside the search (larger than any position).
_NO_SITE = np.iinfo(np.int64).max

#: Neighbours (targets x k) held at once by one query of the override search.
_QUERY_CELLS = 1 << 22


def _same_radii(members: np.ndarray, good_m: np.ndarray, weak_m: np.ndarray) -> list[np.ndarray]:
    """``members`` split into groups of equal (good, weak) radii, each ascending."""
    if members.size == 0:
        return []
    g, w = good_m[members], weak_m[members]
    if (g == g[0]).all() and (w == w[0]).all():
        return [members]
    _, group = np.unique(np.column_stack([g, w]), axis=0, return_inverse=True)
    group = group.reshape(-1)
    return [members[group == i] for i in range(int(group.max()) + 1)]


def _take_better(level, site, dist, rows, c_level, c_dist, c_site) -> None:
    """Where the candidate beats the current best server (level, distance, position), take it."""
    cur_l, cur_d, cur_s = level[rows], dist[rows], site[rows]
    better = (c_level > cur_l) | ((c_level == cur_l) & (c_level > NONE) & (
        (c_dist < cur_d) | ((c_dist == cur_d) & (c_site < cur_s))))  # fmt: skip
    rows = rows[better]
    level[rows], dist[rows], site[rows] = c_level[better], c_dist[better], c_site[better]


def _nearest_fixed(pts, group: _Group, level, site, dist, fresh=False) -> None:
    """Merge in the best server of a group of sites sharing one pair of radii.

    The nearest of them is the best: within ``good_m`` it is good, within
    ``weak_m`` weak (both inclusive, as in the links).
    """
    good_m, weak_m = group.good_m, group.weak_m
    bound = np.nextafter(weak_m, np.inf)  # the tree's bound is strict
    d, j = group.tree.query(pts, k=1, distance_upper_bound=bound, workers=-1)
    if fresh:  # nothing found yet: the nearest member is the best server
        hit = d <= weak_m
        dist[hit] = d[hit]
        site[hit] = group.members[j[hit]]
        level[hit] = WEAK
        level[hit & (d <= good_m)] = GOOD
        return
    rows = np.flatnonzero(d <= weak_m)
    d = d[rows]
    c_level = np.where(d <= good_m, GOOD, WEAK).astype(np.int8)
    _take_better(level, site, dist, rows, c_level, d, group.members[j[rows]])


def _nearest_covering(pts, group: _Group, level, site, dist) -> None:
    """Merge in the best server of a group of sites with radii of their own.

    The nearest site no longer decides: a farther one with a larger radius
    may cover a target its nearer neighbours miss.  Each target's nearest
    members are read in order of distance, ``k`` at a time (k = 1, 4, 16, ...
    for the targets still open), until the best of them is certain: the
    nearest member covering it (good first, then weak) is among the ``k``
    and nearer than the ``k``-th, or no member beyond the ``k``-th can
    cover it or beat the server already found.  Work grows with the members
    near each target, never with the links of all members.
    """
    n = group.members.size
    g, w = group.good_m, group.weak_m
    pos = np.append(group.members, _NO_SITE)
    g_max, w_max = float(g[:-1].max()), float(w[:-1].max())
    bound = np.nextafter(w_max, np.inf)
    pending = np.arange(len(pts))
    k = 1
    while pending.size:
        k = min(k, n)
        step = max(_QUERY_CELLS // k, 1)
        still = []
        for lo in range(0, pending.size, step):
            rows = pending[lo : lo + step]
            d, j = group.tree.query(pts[rows], k=k, distance_upper_bound=bound, workers=-1)
            d, j = d.reshape(len(rows), k), j.reshape(len(rows), k)
            still.append(_settle(rows, d, j, k >= n, g, w, pos, g_max, level, site, dist))
        pending = np.concatenate(still)
        k *= 4


def _settle(rows, d, j, all_seen, g, w, pos, g_max, level, site, dist) -> np.ndarray:
    """Merge the targets whose best member is certain from their ``k`` nearest; return the rest.

    ``d``, ``j``: distances and tree indices of each target's k nearest
    members, ascending (inf / n past the last member in reach).
    """
    inf = np.inf
    cur_l, cur_d = level[rows], dist[rows]
    if d.shape[1] == 1:
        # Most targets settle at once: no member in reach, or a good server
        # nearer than the nearest member.
        quick = ~np.isfinite(d[:, 0]) | ((cur_l == GOOD) & (d[:, 0] > cur_d))
        if quick.any():
            keep = ~quick
            rows, d, j, cur_l, cur_d = rows[keep], d[keep], j[keep], cur_l[keep], cur_d[keep]
    # Members beyond the k-th are at least this far (inf: there are none).
    beyond = np.where(all_seen | ~np.isfinite(d[:, -1]), inf, d[:, -1])
    cover_g = d <= g[j]
    cover_w = d <= w[j]
    d_good = np.where(cover_g, d, inf).min(axis=1)
    d_weak = np.where(cover_w, d, inf).min(axis=1)
    s_good = np.where(cover_g & (d == d_good[:, None]), pos[j], _NO_SITE).min(axis=1)
    s_weak = np.where(cover_w & (d == d_weak[:, None]), pos[j], _NO_SITE).min(axis=1)
    # The nearest a good (weak) member can be: the one found, else the first unseen.
    near_g = np.where(np.isfinite(d_good), d_good, np.where(beyond <= g_max, beyond, inf))
    near_w = np.where(np.isfinite(d_weak), d_weak, beyond)
    known_g = d_good < beyond  # the nearest good member is certain
    known_w = d_weak < beyond
    good_wins = (cur_l == GOOD) & (cur_d < near_g)  # no member can beat the server found
    no_good = ~np.isfinite(near_g)  # no member can be good
    weak_wins = no_good & (cur_l == WEAK) & (cur_d < near_w)
    # Candidate from the members: good if certain, else weak if no good can exist.
    take_g = known_g & ~good_wins
    take_w = no_good & (cur_l < GOOD) & known_w & ~weak_wins
    done = good_wins | take_g | (no_good & ((cur_l == GOOD) | weak_wins | take_w
                                            | ~np.isfinite(near_w)))  # fmt: skip
    pick = take_g | take_w
    c_level = np.where(take_g, GOOD, WEAK).astype(np.int8)[pick]
    c_dist = np.where(take_g, d_good, d_weak)[pick]
    c_site = np.where(take_g, s_good, s_weak)[pick]
    _take_better(level, site, dist, rows[pick], c_level, c_dist, c_site)
    return rows[~done]
