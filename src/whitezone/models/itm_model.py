"""The ITM model: Longley-Rice point-to-point over the DEM profile of every link.

Each (site, target) link within ``max_range_km`` gets the basic transmission
loss of the ITS Irregular Terrain Model (:mod:`whitezone.models.itm`) over
the ground profile between them — the model the FCC and NTIA use over
irregular terrain.  The received signal is then what every link-budget model
computes: EIRP, minus that loss, minus the cell's pattern off its boresight
(:mod:`whitezone.models.antenna`), minus the receiver's clutter loss
(:mod:`whitezone.models.clutter`: ITM knows no clutter, so the whole of
ITU-R P.2108's terminal loss counts), minus a calibration's correction.

Why every link: ITM's loss is not bounded below by anything cheaper than
itself (it can lie 0 to 60 dB above free space), so the branch and bound of
the terrain model cannot stop early; each target's best server is taken from
all its links (:func:`~whitezone.models._best.best_from_links`).  The cost
grows with ``max_range_km`` squared: lower it where sites are dense.

Defaults fit northern Vietnam: climate 2 (continental subtropical), surface
refractivity N₀ = 320 N-units (ITM's suggested value for that climate),
average ground (ε = 15, σ = 0.005 S/m), vertical polarisation, the median
(50 %) in time, location and situation.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from typing import ClassVar

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import ModelValidityWarning
from ..project import ItmSettings, ModelSettings
from ._best import best_from_links, best_in_batches, empty_best
from ._pairs import site_coordinates
from .itm import FLAG_MESSAGES, point_to_point_many
from .pathloss import path_loss_db
from .protocol import Parameter
from .terrain import TerrainModel
from .terrain_kernel import bullington_links

__all__ = ["ItmModel"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class ItmModel(TerrainModel):
    """Received signal from ITM's loss over each link's terrain profile.

    Parameters
    ----------
    itm : ItmSettings
        ITM's environment and variability (``[model.itm]``): climate,
        ``n0``, ``epsilon``, ``sigma``, ``polarization``, ``time_pct``,
        ``location_pct``, ``situation_pct``, ``mdvar``.
    Other parameters as :class:`~whitezone.models.terrain.TerrainModel`
    (``diffraction`` only decides ``line_of_sight``; ``formula`` is unused:
    ITM is the loss).
    """

    itm: ItmSettings = ItmSettings()
    formula: str = "free_space"
    environment: str = "open"
    kind: str = "itm"
    #: ITM profiles every link to every grid cell (no early stop): a coarser grid than the terrain model's.
    area_grid_m: ClassVar[float] = 2000.0

    def __post_init__(self):
        # Free space is the placeholder formula ITM's loss is written against (see extra_loss_db);
        # ITM knows no clutter environment, so the receiver's clutter counts in full.
        object.__setattr__(self, "formula", "free_space")
        object.__setattr__(self, "environment", "open")
        super().__post_init__()

    @classmethod
    def from_settings(cls, settings: ModelSettings, *, dem=None, landcover=None) -> ItmModel:
        """The model of a project's ``[model]`` and ``[model.itm]`` settings, over ``dem``."""
        base = {**cls.settings_of(settings), "formula": "free_space", "environment": "open"}
        clutter = cls.clutter_of(settings, landcover, environment="open")
        return cls(**base, dem=dem, diffraction=settings.diffraction, k_factor=settings.k_factor,
                   worst_k_factor=settings.worst_k_factor, clutter=clutter, itm=settings.itm)  # fmt: skip

    def report_parameters(self, technologies: list[str], sites: gpd.GeoDataFrame | None = None) -> list:
        """ITM's settings in place of the formula's, then the budgets and the DEM's grid."""
        rows = [row for row in TerrainModel.report_parameters(self, technologies, sites)
                if row.key not in ("param.formula", "param.diffraction")]  # fmt: skip
        s = self.itm
        rows.insert(0, Parameter("param.itm", (("text", f"itm.climate.{s.climate}"), s.n0, s.epsilon, s.sigma,
                                                ("text", f"polarization.{s.polarization}"),
                                                s.time_pct, s.location_pct, s.situation_pct,
                                                s.mdvar)))  # fmt: skip
        return rows

    def class_rules(self, technologies: list[str]) -> dict[str, tuple[str, dict]]:
        """As the link models', the signal coming from ITM."""
        rules = super().class_rules(technologies)
        key, fields = rules["good"]
        rules["good"] = (key, {**fields, "how": ("text", "rule.how.itm", {})})
        return rules

    def links(self, targets: np.ndarray, sites: gpd.GeoDataFrame, *,
              site_xy: np.ndarray | None = None) -> pd.DataFrame:  # fmt: skip
        """Every link within ``max_range_km``, its signal from ITM; cells share their mast's loss."""
        xy = site_coordinates(sites, site_xy)
        params = self.parameters(sites)
        sector = np.isfinite(params["azimuth_deg"].to_numpy())
        if not sector.any():
            return super().links(targets, sites, site_xy=xy)
        omni = np.flatnonzero(~sector)
        parts = []
        if omni.size:
            part = super().links(targets, sites.iloc[omni], site_xy=xy[omni])
            parts.append(part.assign(site=omni[part["site"].to_numpy()]))
        tech = pd.factorize(sites["technology"])[0]
        parts.append(self._cell_links(targets, sites, xy, params, np.flatnonzero(sector), tech))
        return pd.concat(parts, ignore_index=True)

    def best(self, targets: np.ndarray, sites: gpd.GeoDataFrame, tech_code: np.ndarray,
             n_tech: int, *, site_xy: np.ndarray | None = None) -> dict[str, np.ndarray]:  # fmt: skip
        """Best cell per (target, technology) from all its links, and its line of sight.

        Targets are taken in batches (:func:`~whitezone.models._best.best_in_batches`).
        """
        xy = site_coordinates(sites, site_xy)
        return best_in_batches(lambda part: self._best_batch(part, sites, tech_code, n_tech, xy), targets)

    def _best_batch(self, targets, sites, tech_code, n_tech, xy) -> dict[str, np.ndarray]:
        links = self.links(targets, sites, site_xy=xy)
        out = best_from_links(links, np.asarray(tech_code, dtype=np.int64), len(targets), n_tech)
        full = empty_best(len(targets), n_tech, self.optional_keys)
        full.update(out)
        served = full["site"] >= 0
        if served.any():
            rows, cols = np.nonzero(served)
            site = full["site"][rows, cols]
            params = self.parameters(sites)
            for key, k in (("line_of_sight", self.k_factor), ("line_of_sight_worst", self.worst_k_factor)):
                full[key][rows, cols] = self._line_of_sight(targets, xy, rows, site, params, k)
        return full

    def _line_of_sight(self, targets, xy, target, site, params, k_factor) -> np.ndarray:
        """Whether each link's path clears the terrain at ``k_factor`` (no ITM run for it)."""
        start = np.asarray(xy, dtype=float)[site]
        end = np.asarray(targets, dtype=float)[target]
        return self._clearance(start, end, self.profile_samples(np.hypot(*(end - start).T)), params["height_m"].to_numpy()[site],
                               params["frequency_mhz"].to_numpy()[site], k_factor)  # fmt: skip

    def link_loss(self, start: np.ndarray, end: np.ndarray, n_samples: np.ndarray, height_m: np.ndarray,
                  frequency_mhz: np.ndarray, *, k_factor: float,
                  line_of_sight: bool) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """ITM's loss (less free space) by batches of profiles, and each path's clearance."""
        loss, clear = self.batched_loss(start, end, n_samples, height_m, frequency_mhz,
                                        k_factor=k_factor, line_of_sight=False)  # fmt: skip
        if line_of_sight:
            clear = self._clearance(start, end, n_samples, height_m, frequency_mhz, k_factor)
        return loss, clear

    def _clearance(self, start, end, n_samples, height_m, frequency_mhz, k_factor) -> np.ndarray:
        """Whether each path clears the terrain at ``k_factor``, as the terrain model sees it."""
        _, clear = bullington_links(self.dem, start, end, n_samples, tx_height_m=height_m,
                                    rx_height_m=self.receiver_height_m, frequency_mhz=frequency_mhz,
                                    k_factor=k_factor, obstacles=self.obstacles())  # fmt: skip
        return clear

    def profile_loss(self, profile: np.ndarray, length_m: np.ndarray, height_m: np.ndarray,
                     frequency_mhz: np.ndarray, *, k_factor: float,
                     line_of_sight: bool) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
        """ITM's loss over each profile, less free space (the placeholder formula's part).

        The link models add this to the formula's loss; with the formula
        free space, the link's loss is exactly ITM's.
        """
        n = profile.shape[1]
        # ITM wants a profile of known heights: nodata inside takes the profile's mean level.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            level = np.nan_to_num(np.nanmean(profile, axis=1))
        profile = np.where(np.isfinite(profile), profile, level[:, None])
        # A receiver under the mast still has a path: ITM is given a metre.
        length = np.maximum(length_m, 1.0)
        s = self.itm
        with warnings.catch_warnings():
            # Said below once per kind of limit, not once per batch with its counts.
            warnings.simplefilter("ignore", ModelValidityWarning)
            loss, flags = point_to_point_many(
                profile, length / (n - 1), frequency_mhz=frequency_mhz, tx_height_m=height_m,
                rx_height_m=self.receiver_height_m, climate=s.climate, n0=s.n0,
                epsilon=s.epsilon, sigma=s.sigma, polarization=s.polarization,
                time_pct=s.time_pct, location_pct=s.location_pct, situation_pct=s.situation_pct,
                mdvar=s.mdvar, return_flags=True)  # fmt: skip
        for bit, text in FLAG_MESSAGES.items():
            if (flags & bit).any():
                logger.debug("ITM: %d of %d links: %s", int((flags & bit).astype(bool).sum()),
                             len(flags), text)  # fmt: skip
                warnings.warn(f"ITM: links outside the range NTIA validated the model for ({text}); "
                              "their loss is computed anyway", ModelValidityWarning, stacklevel=2)  # fmt: skip
        free = path_loss_db(length_m / 1000.0, frequency_mhz, height_m, self.receiver_height_m,
                            formula="free_space")  # fmt: skip
        broken = ~np.isfinite(loss)
        if broken.any():
            # ITM's geometry fails on a few metres of cliff right under a mast: such a receiver
            # is next to the antenna, and free space is the honest loss there.
            warnings.warn("ITM: no loss for links whose profile breaks the model's geometry (a "
                          "receiver metres from a mast on steep ground); free space used for them",
                          ModelValidityWarning, stacklevel=2)  # fmt: skip
            loss = np.where(broken, free, loss)
        return loss - free, np.ones(len(loss), dtype=bool)

