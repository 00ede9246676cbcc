"""The radius model: good within one distance of a site, weak within another.

The simplest model and the default, as in public coverage explorers: per
technology a good radius and a weak radius in km (defaults and their sources in
:data:`whitezone.project.DEFAULT_RADIUS_KM`).  A site's own ``radius_km``
overrides its technology's weak (outer) radius; its good radius is scaled by
the same factor, keeping the technology's good/weak ratio.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from ..project import DEFAULT_RADIUS_KM
from ..technology import GOOD, NONE, WEAK
from ._best import best_from_links, empty_best, merge_best
from ._pairs import pairs_within


@dataclass(frozen=True)
class RadiusModel:
    """Good/weak/none by distance to the site.

    Parameters
    ----------
    radius_km : mapping
        Technology -> (good_km, weak_km); technologies absent here use
        :data:`~whitezone.project.DEFAULT_RADIUS_KM`.
    """

    radius_km: Mapping[str, tuple[float, float]] = field(default_factory=lambda: dict(DEFAULT_RADIUS_KM))
    kind: str = "radius"

    def radii_km(self, sites: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Good and weak radius of each site-technology, overrides applied."""
        table = {**DEFAULT_RADIUS_KM, **self.radius_km}
        tech = sites["technology"].to_numpy()
        good = pd.Series(tech).map({t: v[0] for t, v in table.items()}).to_numpy(dtype=float)
        weak = pd.Series(tech).map({t: v[1] for t, v in table.items()}).to_numpy(dtype=float)
        if "radius_km" in sites:
            override = sites["radius_km"].to_numpy(dtype=float)
            given = np.isfinite(override)
            scale = np.where(given, override / weak, 1.0)
            good, weak = good * scale, np.where(given, override, weak)
        return good, weak

    def reach_km(self, sites: gpd.GeoDataFrame) -> np.ndarray:
        """The weak radius: beyond it a site gives no signal."""
        return self.radii_km(sites)[1]

    def links(self, targets: np.ndarray, sites: gpd.GeoDataFrame) -> pd.DataFrame:
        """Links within each site's weak radius, classed by distance.

        Parameters
        ----------
        targets : ndarray, shape (n, 2)
            Metric x, y.
        sites : GeoDataFrame
            Site-technologies in the same metric CRS.

        Returns
        -------
        DataFrame
            ``target``, ``site``, ``distance_km``, ``signal_dbm`` (NaN: the
            radius model computes no signal), ``level``.
        """
        good, weak = self.radii_km(sites)
        xy = np.column_stack([sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()])
        target, site, dist_m = pairs_within(targets, xy, weak * 1000.0)
        dist_km = dist_m / 1000.0
        level = np.where(dist_km <= good[site], GOOD, np.where(dist_km <= weak[site], WEAK, NONE))
        return pd.DataFrame(
            {
                "target": target,
                "site": site,
                "distance_km": dist_km,
                "signal_dbm": np.full(len(target), np.nan),
                "level": level.astype(np.int8),
            }
        )

    def best(self, targets: np.ndarray, sites: gpd.GeoDataFrame, tech_code: np.ndarray,
             n_tech: int) -> dict[str, np.ndarray]:  # fmt: skip
        """Best server per (target, technology) without building every link.

        Sites of one technology share its radii, so the nearest of them
        decides both the class and the server: one k=1 k-d tree query per
        technology, bounded by the weak radius.  Sites with their own
        ``radius_km`` go through the links and are merged in.  The result is
        the one :func:`~whitezone.models._best.best_from_links` gives on all
        links (same order: level, then distance, then site position).

        Parameters
        ----------
        targets : ndarray, shape (n, 2)
        sites : GeoDataFrame
            In the targets' metric CRS.
        tech_code : ndarray
            Technology position of each site.
        n_tech : int

        Returns
        -------
        dict of ndarray, shape (n, n_tech)
        """
        targets = np.asarray(targets, dtype=float).reshape(-1, 2)
        good, weak = self.radii_km(sites)
        xy = np.column_stack([sites.geometry.x.to_numpy(), sites.geometry.y.to_numpy()])
        override = (np.isfinite(sites["radius_km"].to_numpy(dtype=float)) if "radius_km" in sites
                    else np.zeros(len(sites), dtype=bool))  # fmt: skip
        out = empty_best(len(targets), n_tech)
        ok = np.flatnonzero(np.isfinite(targets).all(axis=1))
        for k in range(n_tech):
            members = np.flatnonzero((tech_code == k) & ~override & np.isfinite(weak))
            if members.size == 0 or ok.size == 0:
                continue
            r_good, r_weak = good[members[0]] * 1000.0, weak[members[0]] * 1000.0
            dist, j = cKDTree(xy[members]).query(targets[ok], k=1, distance_upper_bound=r_weak)
            hit = np.isfinite(dist)
            rows = ok[hit]
            out["level"][rows, k] = np.where(dist[hit] <= r_good, GOOD, WEAK)
            out["site"][rows, k] = members[j[hit]]
            out["distance_km"][rows, k] = dist[hit] / 1000.0
        if override.any():
            own = np.flatnonzero(override)
            links = self.links(targets, sites.iloc[own])
            links["site"] = own[links["site"].to_numpy()]
            out = merge_best(out, best_from_links(links, tech_code, len(targets), n_tech))
        return out

