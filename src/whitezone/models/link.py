"""Link-budget models: received signal = EIRP − path loss (− terrain diffraction).

:class:`PathLossModel` computes, for every (target, site) pair within the
site's reach, the received signal from the site's EIRP and a path-loss formula
(:mod:`whitezone.models.pathloss`), and classes it with per-technology
thresholds in dBm.  :class:`TerrainModel` adds the diffraction loss over the
terrain between site and target, read from a DEM
(:mod:`whitezone.models.diffraction`).

Per-technology defaults (:data:`DEFAULT_BUDGETS`) and where they come from:

* **frequency**: the bands Vietnam's operators use for coverage — 2G 900 MHz,
  3G 2100 MHz (band 1), 4G 1800 MHz (band 3), 5G 3500 MHz (n78).
* **EIRP** is that of the quantity the thresholds are stated in: 2G the BCCH
  carrier (43 dBm + 17 dBi antenna − 2 dB feeder = 58 dBm, RSSI); 3G the CPICH
  (33 dBm + 15 dB = 48 dBm, RSCP); 4G one reference-signal resource element
  (15.2 dBm RS power + 17 − 2 = 30 dBm, RSRP); 5G one SS/PBCH resource element
  with a beamforming array (≈ 17 dBm + 24 dBi − 4 dB = 37 dBm, SS-RSRP).
* **antenna height** 30 m above ground (Hata's reference base height);
  receiver 1.5 m (FCC broadband data collection).
* **thresholds** (good, weak): 2G RSSI −95 / −110 dBm (no service below −110);
  3G RSCP −90 / −100 (none below −100); 4G RSRP −100 / −110 (the vendor
  "average" class ends at −100; "poor" is −101…−115); 5G SS-RSRP −105 / −115
  (average −86…−105).  No official threshold defines "sóng yếu": set your own
  under ``[model.budget."4G"]``; the report prints the values used.

A site's own ``eirp_dbm``, ``frequency_mhz`` and ``height_m`` override the
technology defaults.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import ClassVar

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from ..classes import GOOD, NONE, WEAK
from ..errors import ModelValidityWarning
from ..project import DEFAULT_LOCATION_SIGMA_DB, ModelSettings
from ._best import best_from_links, empty_best, merge_best
from ._pairs import first_at_each_place, kd_tree, pairs_within, site_coordinates
from .antenna import Antennas
from .calibration import MIN_DISTANCE_KM, Calibration, read_calibration
from .clutter import Clutter
from .pathloss import ENVIRONMENTS, max_range_km, path_loss_db
from .protocol import Parameter, Prepared

__all__ = ["DEFAULT_BUDGETS", "LinkBudget", "PathLossModel"]

_COUNTS = re.compile(r"[\d,]+ of [\d,]+ inputs outside \((.*?)\)")
_BOUND_COUNT = re.compile(r": [\d,]+")


#: Above this many groups of alike sites, the best server is found from every link instead.
MAX_GROUPS = 256
#: A correction slope below this (dB per decade) could make a signal rise with distance
#: (the formulas lose at least 20 dB per decade): the nearest site is then not surely the best.
MIN_MONOTONE_SLOPE = -15.0
#: The columns of :meth:`PathLossModel.parameters` that decide a site's signal and class.
_ALIKE = ("frequency_mhz", "eirp_dbm", "height_m", "good_dbm", "weak_dbm", "offset_db",
          "slope_db_per_decade", "sigma_db", "margin_db")  # fmt: skip


def _groups(params: pd.DataFrame, tech_code: np.ndarray) -> list[np.ndarray]:
    """Positions of the sites alike in every parameter and technology, group by group (ascending)."""
    if len(params) == 0:
        return []
    table = np.nan_to_num(params[list(_ALIKE)].to_numpy(dtype=float), nan=-1e300)
    table = np.column_stack([table, tech_code.astype(float)])
    _, group = np.unique(table, axis=0, return_inverse=True)
    group = group.reshape(-1)
    order = np.argsort(group, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(group[order])) + 1)


@dataclass(frozen=True)
class LinkBudget:
    """Transmitter defaults and signal thresholds of one technology.

    Attributes
    ----------
    frequency_mhz, eirp_dbm, height_m : float
        Used where the site row gives none.
    good_dbm, weak_dbm : float
        Received signal at or above ``good_dbm`` is good, at or above
        ``weak_dbm`` weak, below it none.
    """

    frequency_mhz: float
    eirp_dbm: float
    height_m: float
    good_dbm: float
    weak_dbm: float


#: Defaults per technology; sources in the module docstring.
DEFAULT_BUDGETS: Mapping[str, LinkBudget] = {
    "2G": LinkBudget(frequency_mhz=900.0, eirp_dbm=58.0, height_m=30.0, good_dbm=-95.0, weak_dbm=-110.0),
    "3G": LinkBudget(frequency_mhz=2100.0, eirp_dbm=48.0, height_m=30.0, good_dbm=-90.0, weak_dbm=-100.0),
    "4G": LinkBudget(frequency_mhz=1800.0, eirp_dbm=30.0, height_m=30.0, good_dbm=-100.0, weak_dbm=-110.0),
    "5G": LinkBudget(frequency_mhz=3500.0, eirp_dbm=37.0, height_m=30.0, good_dbm=-105.0, weak_dbm=-115.0),
}


@dataclass(frozen=True)
class PathLossModel:
    """Received signal from a link budget and an empirical path-loss formula.

    Parameters
    ----------
    budgets : mapping
        Technology -> :class:`LinkBudget`; missing technologies use
        :data:`DEFAULT_BUDGETS`.
    formula : str
        ``"auto"`` (extended Hata, ITU-R SM.2028: Hata 150–1500 MHz,
        COST-231 1500–2000 MHz, its extension to 3 GHz, free space at short
        range), ``"hata"``, ``"cost231"``, ``"extended_hata"``, ``"free_space"``.
    environment : str
        ``"urban"``, ``"suburban"`` (default: a village among trees and
        houses) or ``"open"`` (alias ``"rural"``).
    receiver_height_m : float
        Handset height above ground.
    max_range_km : float
        No link is computed beyond this, whatever the budget allows.
    calibration : Calibration, optional
        Offsets and distance slopes added to the loss, and σ, fitted to
        measurements (:mod:`whitezone.models.calibration`).
    location_sigma_db : float
        Location variability σ where the calibration gives none.
    reliability : float
        A class holds where the probability of the signal reaching its
        threshold is at least this (0.5: the median signal decides).
    antennas : Antennas
        How cells (rows with an ``azimuth_deg``) radiate off their boresight
        (:mod:`whitezone.models.antenna`); rows without azimuth are omni.
    clutter : Clutter, optional
        Land cover around each receiver (:mod:`whitezone.models.clutter`).
    """

    budgets: Mapping[str, LinkBudget] = field(default_factory=lambda: dict(DEFAULT_BUDGETS))
    formula: str = "auto"
    environment: str = "suburban"
    receiver_height_m: float = 1.5
    max_range_km: float = 60.0
    calibration: Calibration | None = field(default=None, repr=False)
    location_sigma_db: float = DEFAULT_LOCATION_SIGMA_DB
    reliability: float = 0.5
    antennas: Antennas = field(default_factory=Antennas, repr=False)
    clutter: Clutter | None = field(default=None, repr=False)
    kind: str = "pathloss"
    yields_dbm: ClassVar[bool] = True
    optional_keys: ClassVar[tuple[str, ...]] = ()
    #: Grid (m) the coverage is drawn on and the area covered measured on.
    area_grid_m: ClassVar[float] = 250.0
    needs_dem: ClassVar[bool] = False
    #: No terrain: the path-loss formula sees a flat Earth.
    dem: ClassVar[None] = None

    def __post_init__(self):
        env = "open" if self.environment == "rural" else self.environment
        if env not in ENVIRONMENTS:
            raise ValueError(f"unknown environment {self.environment!r}; expected {ENVIRONMENTS}")
        object.__setattr__(self, "environment", env)
        if not 0.0 < self.reliability < 1.0:
            raise ValueError(f"reliability must be between 0 and 1, got {self.reliability!r}")
        if not self.location_sigma_db > 0:
            raise ValueError(f"location_sigma_db must be positive, got {self.location_sigma_db!r}")
        # The calibration's per-class offsets act through the clutter they were fitted for.
        if self.clutter is not None and self.calibration is not None and self.calibration.clutter:
            offsets = {code: offset for code, (offset, _) in self.calibration.clutter.items()}
            object.__setattr__(self, "clutter", self.clutter.with_offsets(offsets))

    @staticmethod
    def settings_of(settings: ModelSettings) -> dict:
        """The keyword arguments a project's ``[model]`` settings give a link-budget model."""
        budgets = {tech: replace(DEFAULT_BUDGETS[tech], **settings.budgets.get(tech, {}))
                   for tech in DEFAULT_BUDGETS}  # fmt: skip
        calibration = read_calibration(settings.calibration) if settings.calibration else None
        return {"budgets": budgets, "formula": settings.formula,
                "environment": settings.environment,
                "receiver_height_m": settings.receiver_height_m,
                "max_range_km": settings.max_range_km, "calibration": calibration,
                "location_sigma_db": settings.location_sigma_db,
                "reliability": settings.reliability,
                "antennas": Antennas.from_settings(settings.antenna)}  # fmt: skip

    @staticmethod
    def clutter_of(settings: ModelSettings, landcover, *, environment: str | None = None) -> Clutter | None:
        """The clutter of a land-cover grid under a project's settings (None without one).

        ``environment`` is the one the model's loss already includes (default
        the project's); the clutter counts only what lies beyond it.
        """
        if landcover is None:
            return None
        return Clutter.from_settings(settings.clutter, landcover,
                                     environment=environment or settings.environment,
                                     receiver_height_m=settings.receiver_height_m)  # fmt: skip

    @classmethod
    def from_settings(cls, settings: ModelSettings, *, dem=None, landcover=None) -> PathLossModel:
        """The model of a project's ``[model]`` settings (over a land-cover grid, if given)."""
        return cls(**cls.settings_of(settings), clutter=cls.clutter_of(settings, landcover))

    def thresholds(self) -> dict[str, tuple[float, float]]:
        """Good and weak thresholds (dBm) of each technology's budget."""
        return {t: (b.good_dbm, b.weak_dbm) for t, b in {**DEFAULT_BUDGETS, **self.budgets}.items()}

    def without_calibration(self) -> PathLossModel:
        """A copy without the calibration's corrections (the σ falls back to ``location_sigma_db``)."""
        clutter = self.clutter.with_offsets({}) if self.clutter is not None else None
        return replace(self, calibration=None, clutter=clutter)

    def footprints(self, sites: gpd.GeoDataFrame, *, site_xy: np.ndarray) -> None:
        """None: the coverage is sampled on a grid (no closed form)."""
        return None

    def check_sites(self, sites: gpd.GeoDataFrame, *, source: str = "sites") -> None:
        """Every antenna pattern the sites name must be given under [model.antenna.patterns]."""
        if "pattern" in sites:
            self.antennas.check_names(sites["pattern"].dropna().unique(), source=source)

    def default_height_m(self, technology: str) -> float:
        """The technology's budgeted mast."""
        return float({**DEFAULT_BUDGETS, **self.budgets}[technology].height_m)

    def report_parameters(self, technologies: list[str], sites: gpd.GeoDataFrame | None = None) -> list:
        """Formula, receiver, reach limit, and each technology's budget and thresholds."""
        rows = [Parameter("param.formula", (("text", f"formula.{self.formula}"),
                                            ("text", f"environment.{self.environment}"))),
                Parameter("param.receiver_height", (self.receiver_height_m,)),
                Parameter("param.max_range", (self.max_range_km,)),
                Parameter("param.reliability", (self.reliability,)),
                Parameter("param.location_sigma", (self.location_sigma_db,), ("dB",))]  # fmt: skip
        if self.calibration is not None:
            rows.append(Parameter("param.calibration", (self.calibration.source,)))
            for tech, c in sorted(self.calibration.technology.items()):
                rows.append(Parameter("param.correction", (c.offset_db, c.slope_db_per_decade,
                                                           c.sigma_db), ("dB", "dB", "dB"),
                                      {"tech": tech}))  # fmt: skip
        if sites is not None and "azimuth_deg" in sites and sites["azimuth_deg"].notna().any():
            a = self.antennas
            rows.append(Parameter("param.sectors", (a.beamwidth_deg, a.vertical_beamwidth_deg,
                                                    a.front_to_back_db, a.side_lobe_db, a.tilt_deg),
                                  ("°", "°", "dB", "dB", "°")))  # fmt: skip
            for name, pattern in sorted(self.antennas.patterns.items()):
                rows.append(Parameter("param.pattern", (Path(pattern.source).name or name,),
                                      fields={"name": name}))  # fmt: skip
        if self.clutter is not None:
            rows.append(Parameter("param.landcover", (self.clutter.landcover.source,)))
            losses = self.clutter.table([900.0, 1800.0, 2100.0])
            for code, row in losses.iterrows():
                rows.append(Parameter("param.clutter", tuple(float(v) for v in row), ("dB",),
                                      {"code": code, "name": self.clutter.classes[code].name}))  # fmt: skip
        table = {**DEFAULT_BUDGETS, **self.budgets}
        for tech in technologies:
            b = table[tech]
            rows.append(Parameter("param.budget", (b.frequency_mhz, b.eirp_dbm, b.height_m),
                                  ("MHz", "dBm", "m"), {"tech": tech}))  # fmt: skip
            rows.append(Parameter("param.thresholds", (b.good_dbm, b.weak_dbm), ("dBm",),
                                  {"tech": tech}))  # fmt: skip
        return rows

    def class_rules(self, technologies: list[str]) -> dict[str, tuple[str, dict]]:
        """Classes by the best signal against each technology's thresholds."""
        table = {**DEFAULT_BUDGETS, **self.budgets}
        how = ("text", "rule.how.terrain" if self.dem is not None else "rule.how.formula",
               {"formula": ("text", f"formula.{self.formula}", {})})  # fmt: skip
        return {"good": ("rule.link.good", {"good": [(t, table[t].good_dbm, "dBm") for t in
                                                     technologies], "how": how}),
                "weak": ("rule.link.weak", {"weak": [(t, table[t].weak_dbm, "dBm") for t in
                                                     technologies]}),
                "none": ("rule.link.none", {})}  # fmt: skip

    def parameters(self, sites: gpd.GeoDataFrame) -> pd.DataFrame:
        """Per site-technology: frequency, EIRP, height, thresholds, calibration and σ.

        ``good_dbm`` and ``weak_dbm`` are the thresholds; ``margin_db`` is
        what the reliability adds to them before a class is given
        (σ·Φ⁻¹(reliability), 0 at 0.5); ``offset_db`` and
        ``slope_db_per_decade`` the calibration's correction (NaN: none);
        ``azimuth_deg`` (NaN: omni), ``beamwidth_deg``, ``tilt_deg`` and
        ``pattern`` how the cell radiates (:meth:`Antennas.cells`).
        """
        table = {**DEFAULT_BUDGETS, **self.budgets}
        tech = pd.Series(sites["technology"].to_numpy())
        out = pd.DataFrame(index=range(len(sites)))
        for name in ("frequency_mhz", "eirp_dbm", "height_m", "good_dbm", "weak_dbm"):
            default = tech.map({t: getattr(b, name) for t, b in table.items()}).to_numpy(dtype=float)
            if name in sites:
                own = sites[name].to_numpy(dtype=float)
                default = np.where(np.isfinite(own), own, default)
            out[name] = default
        out["offset_db"] = np.nan
        out["slope_db_per_decade"] = np.nan
        out["sigma_db"] = self.location_sigma_db
        if self.calibration is not None and len(sites):
            operator = sites["operator"].to_numpy(dtype=object) if "operator" in sites else None
            fitted = self.calibration.table(sites["technology"].to_numpy(dtype=object), operator)
            out["offset_db"] = fitted["offset_db"].to_numpy(dtype=float)
            out["slope_db_per_decade"] = fitted["slope_db_per_decade"].to_numpy(dtype=float)
            sigma = fitted["sigma_db"].to_numpy(dtype=float)
            out["sigma_db"] = np.where(np.isfinite(sigma), sigma, self.location_sigma_db)
        out["margin_db"] = out["sigma_db"] * float(ndtri(self.reliability))
        cells = self.antennas.cells(sites)
        for name in cells.columns:
            out[name] = cells[name].to_numpy()
        return out

    def reach_km(self, sites: gpd.GeoDataFrame) -> np.ndarray:
        """Distance at which the signal falls to the weak threshold (flat ground).

        With a calibration, the budget is widened by the most its correction
        ever lowers the loss over the distances a link can have, so no link
        the calibrated model would serve is ever left out.
        """
        p = self.parameters(sites)
        budget = p["eirp_dbm"].to_numpy() - p["weak_dbm"].to_numpy() - p["margin_db"].to_numpy()
        ends = [Calibration.extra_loss_db(p["offset_db"], p["slope_db_per_decade"], d)
                for d in (MIN_DISTANCE_KM, self.max_range_km)]  # fmt: skip
        budget = budget + np.maximum(0.0, -np.minimum(*ends))
        # Solved once per distinct (budget, frequency, height): a national inventory of 100,000
        # site-technologies has a few hundred (3 s -> 0.01 s), and the models ask per batch.
        key = np.column_stack([budget, p["frequency_mhz"].to_numpy(dtype=float),
                               p["height_m"].to_numpy(dtype=float)])  # fmt: skip
        if len(key) == 0:
            return np.zeros(0)
        distinct, inverse = np.unique(key, axis=0, return_inverse=True)
        reach = max_range_km(distinct[:, 0], distinct[:, 1], distinct[:, 2], self.receiver_height_m,
                             formula=self.formula, environment=self.environment,
                             limit_km=self.max_range_km)  # fmt: skip
        return np.asarray(reach, dtype=float)[np.asarray(inverse).reshape(-1)]

    def extra_loss_db(self, targets: np.ndarray, site_xy: np.ndarray, target: np.ndarray,
                      site: np.ndarray, params: pd.DataFrame) -> np.ndarray:  # fmt: skip
        """Loss added to the formula's (none here; terrain diffraction in TerrainModel)."""
        return np.zeros(len(target))

    def antenna_loss_db(self, targets: np.ndarray, site_xy: np.ndarray, target: np.ndarray,
                        site: np.ndarray, params: pd.DataFrame) -> np.ndarray:  # fmt: skip
        """Each link's loss off its cell's boresight (0 for omnidirectional sites)."""
        return self.antennas.loss_db(np.asarray(site_xy, dtype=float)[site],
                                     np.asarray(targets, dtype=float)[target], params, site,
                                     height_m=params["height_m"].to_numpy()[site],
                                     receiver_height_m=self.receiver_height_m)  # fmt: skip

    def clutter_loss_db(self, targets: np.ndarray, target: np.ndarray, site: np.ndarray,
                        params: pd.DataFrame) -> np.ndarray:  # fmt: skip
        """Each link's loss in the clutter around its receiver (0 without a land-cover layer)."""
        if self.clutter is None or len(target) == 0:
            return np.zeros(len(target))
        codes = self.clutter.codes_at(np.asarray(targets, dtype=float))
        return self.clutter.loss_db(codes[target], params["frequency_mhz"].to_numpy()[site])

    def _link_losses(self, targets, xy, target, site, params) -> np.ndarray:
        """What a link loses beyond the formula: the antenna pattern and the receiver's clutter."""
        return (self.antenna_loss_db(targets, xy, target, site, params)
                + self.clutter_loss_db(targets, target, site, params))  # fmt: skip

    def links(self, targets: np.ndarray, sites: gpd.GeoDataFrame, *,
              site_xy: np.ndarray | None = None) -> pd.DataFrame:  # fmt: skip
        """Received signal for every (target, site) pair within the site's reach.

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
            ``target``, ``site``, ``distance_km``, ``signal_dbm``, ``level``.
        """
        xy = site_coordinates(sites, site_xy)
        params, target, site, dist_km, signal = self.formula_links(targets, sites, site_xy=xy)
        signal = signal - self.extra_loss_db(targets, xy, target, site, params)
        return pd.DataFrame({"target": target, "site": site, "distance_km": dist_km,
                             "signal_dbm": signal,
                             "level": self.levels(signal, site, params)})  # fmt: skip

    def pair_links(self, targets: np.ndarray, sites: gpd.GeoDataFrame, target: np.ndarray,
                   site: np.ndarray, *, site_xy: np.ndarray | None = None,
                   calibrated: bool = True) -> pd.DataFrame:  # fmt: skip
        """The links of given (target, site) pairs, however far apart (no reach is applied).

        What validation and calibration compare with measurements: the
        signal each measurement's serving site gives at its place.

        Parameters
        ----------
        targets : ndarray, shape (n, 2)
        sites : GeoDataFrame
        target, site : ndarray of int
            Positions in ``targets`` and ``sites``, one pair per row.
        site_xy : ndarray, optional
        calibrated : bool
            Include the calibration's correction (False: the model as it
            stands, to fit one).

        Returns
        -------
        DataFrame
            As :meth:`links`, one row per pair, in order.
        """
        xy = site_coordinates(sites, site_xy)
        target = np.asarray(target, dtype=np.int64)
        site = np.asarray(site, dtype=np.int64)
        params = self.parameters(sites)
        dist_km = np.hypot(*(np.asarray(targets, dtype=float)[target] - xy[site]).T) / 1000.0
        signal = self._formula_signal(params, site, dist_km, calibrated=calibrated)
        signal = signal - self._link_losses(targets, xy, target, site, params)
        signal = signal - self.extra_loss_db(targets, xy, target, site, params)
        return pd.DataFrame({"target": target, "site": site, "distance_km": dist_km,
                             "signal_dbm": signal,
                             "level": self.levels(signal, site, params)})  # fmt: skip

    def formula_links(self, targets: np.ndarray, sites: gpd.GeoDataFrame, *,
                      site_xy: np.ndarray | None = None, params: pd.DataFrame | None = None,
                      reach_km: np.ndarray | None = None):  # fmt: skip
        """Pairs within reach and their signal from the formula, the antenna pattern and the clutter.

        ``params`` and ``reach_km`` (:meth:`parameters`, :meth:`reach_km` of
        ``sites``) may be given when the caller already has them (batches).

        Returns
        -------
        params : DataFrame
            :meth:`parameters` of ``sites``.
        target, site : ndarray of int64
        distance_km, signal_dbm : ndarray of float
        """
        params = self.parameters(sites) if params is None else params
        reach_km = self.reach_km(sites) if reach_km is None else reach_km
        xy = site_coordinates(sites, site_xy)
        target, site, dist_m = pairs_within(targets, xy, np.asarray(reach_km) * 1000.0)
        dist_km = dist_m / 1000.0
        signal = self._formula_signal(params, site, dist_km)
        signal = signal - self._link_losses(targets, xy, target, site, params)
        return params, target, site, dist_km, signal

    def _formula_signal(self, params: pd.DataFrame, site: np.ndarray, dist_km: np.ndarray, *,
                        calibrated: bool = True) -> np.ndarray:  # fmt: skip
        """EIRP minus the formula's loss (and the calibration's correction) at each distance."""
        # Only the columns needed, taken as arrays (a frame's take copies every column).
        p = {name: params[name].to_numpy()[site] for name in
             ("frequency_mhz", "height_m", "offset_db", "slope_db_per_decade", "eirp_dbm")}  # fmt: skip
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ModelValidityWarning)
            loss = path_loss_db(dist_km, p["frequency_mhz"], p["height_m"],
                                self.receiver_height_m, formula=self.formula,
                                environment=self.environment)  # fmt: skip
        for w in caught:
            # Counts differ per batch; without them Python shows the note once per run.
            text = _COUNTS.sub(lambda m: "links outside: " + _BOUND_COUNT.sub("", m.group(1)),
                               str(w.message))  # fmt: skip
            warnings.warn(text, ModelValidityWarning, stacklevel=4)
        if calibrated:
            loss = loss + Calibration.extra_loss_db(p["offset_db"], p["slope_db_per_decade"], dist_km)
        return p["eirp_dbm"] - loss

    @staticmethod
    def levels(signal: np.ndarray, site: np.ndarray, params: pd.DataFrame) -> np.ndarray:
        """Class level of each link from its site's thresholds (raised by the reliability's margin)."""
        margin = params["margin_db"].to_numpy()[site]
        good = params["good_dbm"].to_numpy()[site] + margin
        weak = params["weak_dbm"].to_numpy()[site] + margin
        return np.where(signal >= good, GOOD, np.where(signal >= weak, WEAK, NONE)).astype(np.int8)

    def coverage_probability(self, best: dict[str, np.ndarray],
                             sites: gpd.GeoDataFrame) -> dict[str, np.ndarray]:  # fmt: skip
        """P(good) and P(weak or better) at each target from its best server's median signal.

        Log-normal shadowing of σ dB around the model's median S:
        ``P(signal ≥ T) = Φ((S − T) / σ)`` (REFERENCES: ½·erfc((T − S)/(σ√2))).

        Returns
        -------
        dict
            ``p_good`` and ``p_weak``, arrays like ``best["signal_dbm"]``
            (NaN where no site serves).
        """
        site = best["site"]
        signal = best["signal_dbm"]
        served = site >= 0
        p = self.parameters(sites)
        out = {}
        for key, column in (("p_good", "good_dbm"), ("p_weak", "weak_dbm")):
            values = np.full(signal.shape, np.nan)
            s = site[served]
            values[served] = ndtr((signal[served] - p[column].to_numpy()[s]) / p["sigma_db"].to_numpy()[s])
            out[key] = values
        return out

    def best(self, targets: np.ndarray, sites: gpd.GeoDataFrame, tech_code: np.ndarray,
             n_tech: int, *, site_xy: np.ndarray | None = None) -> dict[str, np.ndarray]:  # fmt: skip
        """Best server per (target, technology): strongest class, then signal, distance, position.

        Sites whose budgets, thresholds and corrections are all equal lose
        signal with distance alike, so the nearest of them is their best:
        one k-d tree query per such group finds it, and the groups' winners
        are compared (:func:`~whitezone.models._best.merge_best`).  Where
        the groups are too many (:data:`MAX_GROUPS`) or a correction's slope
        could make the signal rise with distance, every link within reach
        is listed and reduced instead.  Cells (sectors) are not alike in any
        direction: their links are always listed.  Both give what
        :func:`~whitezone.models._best.best_from_links` gives on all links.
        """
        targets = np.asarray(targets, dtype=float).reshape(-1, 2)
        xy = site_coordinates(sites, site_xy)
        tech_code = np.asarray(tech_code, dtype=np.int64)
        params = self.parameters(sites)
        sector = np.isfinite(params["azimuth_deg"].to_numpy())
        if sector.any():
            omni = np.flatnonzero(~sector)
            cells = np.flatnonzero(sector)
            out = self.best(targets, sites.iloc[omni], tech_code[omni], n_tech, site_xy=xy[omni])
            if omni.size:
                out["site"] = np.where(out["site"] >= 0, omni[np.maximum(out["site"], 0)], -1)
            links = self._cell_links(targets, sites, xy, params, cells, tech_code)
            return merge_best(out, best_from_links(links, tech_code, len(targets), n_tech))
        groups = _groups(params, tech_code)
        slopes = params["slope_db_per_decade"].to_numpy()
        if len(groups) > MAX_GROUPS or (np.nan_to_num(slopes) < MIN_MONOTONE_SLOPE).any():
            links = self.links(targets, sites, site_xy=xy)
            return best_from_links(links, tech_code, len(targets), n_tech)
        out = empty_best(len(targets), n_tech)
        if len(sites) == 0 or not np.isfinite(targets).all(axis=1).any():
            return out
        reach_m = self.reach_km(sites) * 1000.0
        ok = np.flatnonzero(np.isfinite(targets).all(axis=1))
        for members in groups:
            members = members[np.isfinite(xy[members]).all(axis=1)]
            members = first_at_each_place(members, xy[:, 0], xy[:, 1])
            if members.size == 0 or not reach_m[members[0]] > 0:
                continue
            bound = np.nextafter(reach_m[members[0]], np.inf)  # the tree's bound is strict
            d, j = kd_tree(xy[members]).query(targets[ok], k=1, distance_upper_bound=bound,
                                              workers=-1)  # fmt: skip
            hit = np.isfinite(d) & (d <= reach_m[members[0]])
            rows, site = ok[hit], members[j[hit]]
            dist_km = d[hit] / 1000.0
            # The receiver's clutter is the same from every site of a group: the nearest stays best.
            signal = self._formula_signal(params, site, dist_km) - self.clutter_loss_db(
                targets, rows, site, params)  # fmt: skip
            part = empty_best(len(targets), n_tech)
            k = tech_code[members[0]]
            part["level"][rows, k] = self.levels(signal, site, params)
            part["site"][rows, k] = site
            part["distance_km"][rows, k] = dist_km
            part["signal_dbm"][rows, k] = signal
            out = merge_best(out, part)
        return out

    def _cell_links(self, targets, sites, xy, params, cells, tech_code) -> pd.DataFrame:
        """The links of the cells ``cells``, each site's formula computed once for its cells.

        Cells of one site alike in every budget parameter differ only in
        direction: the formula's signal is computed for one of them as if
        omnidirectional, then each cell's pattern loss is taken off.  Equal to
        :meth:`links` of the cells (tested), a third of the formula's work for
        three-sector sites.
        """
        table = np.column_stack([xy[cells], params[list(_ALIKE)].to_numpy(dtype=float)[cells],
                                 tech_code[cells]])  # fmt: skip
        _, first, group = np.unique(np.nan_to_num(table, nan=-1e300), axis=0, return_index=True,
                                    return_inverse=True)  # fmt: skip
        group = group.reshape(-1)
        reps = cells[first]
        omni = sites.iloc[reps].assign(azimuth_deg=np.nan)
        base = PathLossModel.links(self, targets, omni, site_xy=xy[reps])
        # Expand each representative's link to every cell of its group.
        order = np.argsort(group, kind="stable")
        members = cells[order]
        starts = np.searchsorted(group[order], np.arange(len(reps)))
        sizes = np.diff(np.append(starts, len(order)))
        g = base["site"].to_numpy()
        take = np.repeat(np.arange(len(base)), sizes[g])
        within = np.arange(len(take)) - np.repeat(np.cumsum(sizes[g]) - sizes[g], sizes[g])
        cell = members[starts[g][take] + within]
        target = base["target"].to_numpy()[take]
        signal = base["signal_dbm"].to_numpy()[take] - self.antenna_loss_db(targets, xy, target, cell, params)
        return pd.DataFrame({"target": target, "site": cell,
                             "distance_km": base["distance_km"].to_numpy()[take],
                             "signal_dbm": signal, "level": self.levels(signal, cell, params)})  # fmt: skip

    def prepare(self, sites: gpd.GeoDataFrame, tech_code: np.ndarray, n_tech: int, *,
                site_xy: np.ndarray | None = None):  # fmt: skip
        """The sites fixed for many batches of targets (nothing to build ahead)."""
        return Prepared(self, sites, np.asarray(tech_code), n_tech, site_xy)

    def with_budget(self, technology: str, **changes: float) -> PathLossModel:
        """A copy with some of one technology's budget changed."""
        table = {**DEFAULT_BUDGETS, **self.budgets}
        return replace(self, budgets={**table, technology: replace(table[technology], **changes)})
