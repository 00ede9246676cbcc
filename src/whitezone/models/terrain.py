"""The terrain model: path loss plus diffraction over the ridges of a DEM.

For every (site, target) link within reach, the ground profile between them
is sampled from the DEM at the DEM's resolution (bilinear), Earth curvature is
applied with an effective radius factor k (4/3 by default, the median
atmosphere), and the diffraction loss over the obstructing terrain
(ITU-R P.526: a single equivalent knife edge after Bullington by default, or
Deygout's three-edge construction) is added to the path-loss formula's loss.
Mountain valleys are where white villages are; a radius or a flat-earth
formula cannot see a ridge.

Profiles are processed in batches of similar length so memory stays bounded
(``max_samples_in_memory`` samples at once) however many links there are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import geopandas as gpd
import numpy as np
import pandas as pd

from ..dem import Dem
from ..project import ModelSettings
from ._best import best_in_batches, empty_best
from ._pairs import site_coordinates
from .diffraction import profile_diffraction
from .link import PathLossModel
from .protocol import Parameter
from .terrain_kernel import bullington_links, sample_profiles

__all__ = ["DIFFRACTION_METHODS", "TerrainModel"]

DIFFRACTION_METHODS = ("bullington", "bullington_p526", "deygout")


@dataclass(frozen=True, eq=False)
class TerrainModel(PathLossModel):
    """:class:`~whitezone.models.link.PathLossModel` plus terrain diffraction.

    Parameters
    ----------
    dem : Dem
        Ground heights on the run's metric grid (:func:`whitezone.dem.load_dem`).
    diffraction : {"bullington", "deygout"}
    k_factor : float
        Effective Earth radius factor (4/3 median).
    worst_k_factor : float
        The worst-case factor the serving link's line of sight is also
        checked at (0.6, as link planners do: sub-refraction bulges the
        Earth); reported as ``line_of_sight_worst``.
    max_samples : int
        Longest profile, in samples (links longer than this many DEM cells
        are sampled more sparsely).
    max_samples_in_memory : int
        Profile samples held at once.
    Other parameters as :class:`~whitezone.models.link.PathLossModel`.
    """

    dem: Dem | None = field(default=None, repr=False)
    diffraction: str = "bullington"
    k_factor: float = 4.0 / 3.0
    worst_k_factor: float = 0.6
    max_samples: int = 1024
    max_samples_in_memory: int = 8_000_000
    kind: str = "terrain"
    #: Keys :meth:`best` adds to the common ones (see :data:`~whitezone.models._best.OPTIONAL_KEYS`).
    optional_keys: ClassVar[tuple[str, ...]] = ("line_of_sight", "line_of_sight_worst")
    #: Every grid cell is profiled: a coarser grid than the flat models'.
    area_grid_m: ClassVar[float] = 500.0
    needs_dem: ClassVar[bool] = True

    def __post_init__(self):
        super().__post_init__()
        if self.dem is None:
            raise ValueError("the terrain model needs a DEM: load_dem(path, crs=...)")
        if self.diffraction not in DIFFRACTION_METHODS:
            raise ValueError(f"unknown diffraction method {self.diffraction!r}; "
                             f"expected one of {DIFFRACTION_METHODS}")  # fmt: skip

    @classmethod
    def from_settings(cls, settings: ModelSettings, *, dem: Dem | None = None,
                      landcover=None) -> TerrainModel:  # fmt: skip
        """The model of a project's ``[model]`` settings, over ``dem`` (and a land-cover grid)."""
        return cls(**cls.settings_of(settings), dem=dem, diffraction=settings.diffraction,
                   k_factor=settings.k_factor, worst_k_factor=settings.worst_k_factor,
                   clutter=cls.clutter_of(settings, landcover))  # fmt: skip

    def report_parameters(self, technologies: list[str], sites: gpd.GeoDataFrame | None = None) -> list:
        """The path-loss parameters, the diffraction method and the DEM's grid."""
        return [*super().report_parameters(technologies, sites),
                Parameter("param.diffraction", (f"{self.diffraction} (ITU-R P.526), "
                                                f"k = {self.k_factor:.3g}; line of sight also at "
                                                f"k = {self.worst_k_factor:.3g}",)),
                Parameter("param.dem_grid", (self.dem.resolution_m,))]  # fmt: skip

    def best(self, targets: np.ndarray, sites: gpd.GeoDataFrame, tech_code: np.ndarray,
             n_tech: int, *, site_xy: np.ndarray | None = None) -> dict[str, np.ndarray]:  # fmt: skip
        """Best server per (target, technology), by branch and bound over the terrain.

        Terrain only ever adds loss, so the formula's signal bounds a link's
        terrain signal from above.  Links of each (target, technology) are
        taken in order of formula signal, strongest first; a target stops as
        soon as its best terrain signal is at least the next link's bound.  In
        open country the first link settles it; behind ridges a few more are
        profiled — never the tens of sites a 2G cell can reach on paper.  The
        result equals :func:`~whitezone.models._best.best_from_links` of
        :meth:`links`, ties included (broken by distance, then site position).
        Targets are taken in batches (:func:`~whitezone.models._best.best_in_batches`).
        """
        xy = site_coordinates(sites, site_xy)
        known = {"params": self.parameters(sites), "reach_km": self.reach_km(sites)}
        return best_in_batches(lambda part: self._best_batch(part, sites, tech_code, n_tech, xy, known),
                               targets)  # fmt: skip

    def _best_batch(self, targets, sites, tech_code, n_tech, xy, known) -> dict[str, np.ndarray]:
        out = empty_best(len(targets), n_tech, self.optional_keys)
        params, target, site, dist_km, bound = self.formula_links(targets, sites, site_xy=xy, **known)
        if len(target) == 0:
            return out
        cell = target * n_tech + tech_code[site]
        order = np.lexsort((-bound, cell))
        cell_sorted = cell[order]
        first = np.r_[True, cell_sorted[1:] != cell_sorted[:-1]]
        group_start = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
        rank = np.arange(len(order)) - group_start
        size = len(targets) * n_tech
        best_signal = np.full(size, -np.inf)
        best_link = np.full(size, -1, dtype=np.int64)
        best_clear = np.zeros(size, dtype=np.int8)
        still_open = np.ones(size, dtype=bool)
        # Links grouped by rank: round r reads one slice, not the whole table.
        by_rank = order[np.argsort(rank, kind="stable")]
        edges = np.searchsorted(np.sort(rank, kind="stable"), np.arange(rank.max() + 2))
        for r in range(int(rank.max()) + 1):
            pick = by_rank[edges[r] : edges[r + 1]]
            pick = pick[still_open[cell[pick]]]
            if pick.size == 0:
                break
            loss, clear = self.extra_loss_db(targets, xy, target[pick], site[pick], params,
                                             line_of_sight=True)  # fmt: skip
            signal = bound[pick] - loss
            c = cell[pick]  # each cell at most once per round
            held = best_link[c]
            tie = signal == best_signal[c]
            # Ties go as in best_from_links: the shorter link, then the lower site position.
            tie &= (dist_km[pick] < dist_km[held]) | (
                (dist_km[pick] == dist_km[held]) & (site[pick] < site[held]))  # fmt: skip
            better = (signal > best_signal[c]) | (tie & (held >= 0))
            best_signal[c[better]] = signal[better]
            best_link[c[better]] = pick[better]
            best_clear[c[better]] = clear[better]
            # Close every cell whose next bound cannot beat (or tie) what it has.
            nxt = by_rank[edges[r + 1] : edges[r + 2]] if r + 2 < len(edges) else by_rank[:0]
            still_open[:] = False
            still_open[cell[nxt]] = bound[nxt] >= best_signal[cell[nxt]]
        has = best_link >= 0
        link = best_link[has]
        rows, cols = np.divmod(np.flatnonzero(has), n_tech)
        out["level"][rows, cols] = self.levels(best_signal[has], site[link], params)
        out["site"][rows, cols] = site[link]
        out["distance_km"][rows, cols] = dist_km[link]
        out["signal_dbm"][rows, cols] = best_signal[has]
        out["line_of_sight"][rows, cols] = best_clear[has]
        _, worst = self.extra_loss_db(targets, xy, target[link], site[link], params,
                                      line_of_sight=True, k_factor=self.worst_k_factor)  # fmt: skip
        out["line_of_sight_worst"][rows, cols] = worst
        return out

    def extra_loss_db(self, targets: np.ndarray, site_xy: np.ndarray, target: np.ndarray,
                      site: np.ndarray, params: pd.DataFrame, *, line_of_sight: bool = False,
                      k_factor: float | None = None):  # fmt: skip
        """Diffraction loss of each link over the DEM profile between its ends.

        With ``line_of_sight=True`` also whether each link's path is clear of
        the terrain (curvature included), as a second array.  ``k_factor``
        overrides the model's (the worst-case line of sight).
        """
        if len(target) == 0:
            empty = (np.zeros(0), np.ones(0, dtype=bool))
            return empty if line_of_sight else empty[0]
        start = np.asarray(site_xy, dtype=float)[site]
        end = np.asarray(targets, dtype=float)[target]
        n = self.profile_samples(np.hypot(*(end - start).T))
        loss, clear = self.link_loss(start, end, n, params["height_m"].to_numpy()[site],
                                     params["frequency_mhz"].to_numpy()[site],
                                     k_factor=k_factor or self.k_factor, line_of_sight=line_of_sight)  # fmt: skip
        return (loss, clear) if line_of_sight else loss

    def profile_samples(self, length_m: np.ndarray) -> np.ndarray:
        """Samples of each link's profile: the DEM's resolution, rounded up to a multiple of 16.

        The rounding lets links of similar length share a batch where batches
        are used; at most ``max_samples``.
        """
        n = np.clip(np.ceil(length_m / self.dem.resolution_m).astype(np.int64) + 1, 3, self.max_samples)
        return np.minimum(((n + 15) // 16) * 16, self.max_samples)

    def obstacles(self):
        """The land cover and each class code's obstacle height (index = code), or None."""
        if self.clutter is None:
            return None
        heights = {int(k): c.obstacle_height_m for k, c in self.clutter.classes.items() if int(k) >= 0}
        table = np.zeros(max(heights, default=-1) + 1)
        for code, h in heights.items():
            table[code] = h
        return self.clutter.landcover, table

    def link_loss(self, start: np.ndarray, end: np.ndarray, n_samples: np.ndarray, height_m: np.ndarray,
                  frequency_mhz: np.ndarray, *, k_factor: float,
                  line_of_sight: bool) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """Loss each link adds to the formula's over its profile, and whether its path is clear.

        Bullington's two methods run in one compiled pass per link
        (:func:`~whitezone.models.terrain_kernel.bullington_links`, equal to
        the numpy reference); Deygout in batches of profiles
        (:meth:`profile_loss`).
        """
        if self.diffraction in ("bullington", "bullington_p526"):
            return bullington_links(self.dem, start, end, n_samples, tx_height_m=height_m,
                                    rx_height_m=self.receiver_height_m, frequency_mhz=frequency_mhz,
                                    k_factor=k_factor, p526=self.diffraction == "bullington_p526",
                                    obstacles=self.obstacles())  # fmt: skip
        return self.batched_loss(start, end, n_samples, height_m, frequency_mhz, k_factor=k_factor,
                                 line_of_sight=line_of_sight)  # fmt: skip

    def batched_loss(self, start, end, n_samples, height_m, frequency_mhz, *, k_factor: float,
                     line_of_sight: bool) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """:meth:`link_loss` by batches of profiles of one length through :meth:`profile_loss`.

        ``max_samples_in_memory`` profile samples are held at once.
        """
        loss = np.zeros(len(start))
        clear = np.ones(len(start), dtype=bool)
        length = np.hypot(*(end - start).T)
        obstacles = self.obstacles()
        for samples in np.unique(n_samples):
            members = np.flatnonzero(n_samples == samples)
            per_batch = max(1, self.max_samples_in_memory // int(samples))
            for lo in range(0, len(members), per_batch):
                idx = members[lo : lo + per_batch]
                # The ends' clutter is the receiver's clutter loss (P.2108), not an obstacle.
                profile = sample_profiles(self.dem, start[idx], end[idx], int(samples), obstacles=obstacles)
                loss[idx], clear[idx] = self.profile_loss(profile, length[idx], height_m[idx],
                                                          frequency_mhz[idx], k_factor=k_factor,
                                                          line_of_sight=line_of_sight)  # fmt: skip
        return loss, clear

    def profile_loss(self, profile: np.ndarray, length_m: np.ndarray, height_m: np.ndarray,
                     frequency_mhz: np.ndarray, *, k_factor: float,
                     line_of_sight: bool) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """Loss each profile adds to the formula's, and whether its path is clear.

        The terrain model's is the diffraction over the profile
        (:func:`~whitezone.models.diffraction.profile_diffraction`).
        """
        return profile_diffraction(profile, length_m, height_m, self.receiver_height_m,
                                   frequency_mhz, method=self.diffraction, k_factor=k_factor)  # fmt: skip

