"""What a run computed: the shared types every writer reads.

:class:`Result` holds the classified villages, the indicator tables
(:class:`Summaries`), the model and the inputs of one run; the report, the
maps, the workbook and the command line all read it and never compute
again.  It sits below them, so nothing that writes a file is imported by
anything that computes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ._version import __version__
from .grid import CoverageGrid
from .layers import Layers
from .models import CoverageModel
from .project import Project

__all__ = ["CapacityCheck", "Result", "RunInfo", "Summaries", "Validation"]


@dataclass
class Summaries:
    """Indicator tables at each level.

    Attributes
    ----------
    communes : DataFrame
    districts : DataFrame or None
        None when the communes carry no district (Vietnam since 7/2025).
    province : DataFrame
    operators : DataFrame or None
        Long table per level and operator (:mod:`whitezone.operators`).
    pois : DataFrame or None
        Long table per level and kind of point of interest (:mod:`whitezone.facilities`).
    """

    communes: pd.DataFrame
    districts: pd.DataFrame | None
    province: pd.DataFrame
    operators: pd.DataFrame | None = None
    pois: pd.DataFrame | None = None


@dataclass
class Validation:
    """A model compared with measurements.

    Attributes
    ----------
    points : GeoDataFrame
        Each measurement: ``measurement_id``, ``technology``, ``operator``,
        ``site_id`` (serving), ``served_by`` (log, cell, model, nearest, none),
        ``distance_km``, ``measured_dbm``, ``predicted_dbm``, ``error_db``,
        ``measured_class``, ``predicted_class``, ``source_row``; points in
        EPSG:4326.
    summary : DataFrame
        :data:`SUMMARY_COLUMNS`, per technology and operator, per
        technology (operator ``all``), and one ``all`` row.
    confusion : DataFrame
        Measured class (rows) by predicted class (columns), counts.
    yields_dbm : bool
        Whether the model gave signals (else only the class columns are filled).
    """

    points: gpd.GeoDataFrame
    summary: pd.DataFrame
    confusion: pd.DataFrame
    yields_dbm: bool


@dataclass
class CapacityCheck:
    """Whether coverage carries broadband at the busy hour (:func:`whitezone.capacity.capacity_check`).

    Attributes
    ----------
    technologies : list of str
        The technologies checked: those of ``[capacity] technologies`` the run has.
    cells : DataFrame
        One row per cell carrying a village or a school: ``technology``,
        ``site_id``, ``cell_id`` (the site's id for an omnidirectional
        site-technology), ``villages``, ``people``, ``schools``,
        ``demand_mbps``, ``rbs_needed``, ``rbs_available``, ``load``
        (needed over available) and ``short`` (load above 1).
    villages : DataFrame
        Index of the run's villages: per technology ``capacity_ok_<tech>``
        (True / False, <NA> where the technology does not serve the village)
        and ``load_<tech>`` (its cell's load, NaN where not served), then
        ``capacity_short`` (served by a checked technology, and short on
        every one that serves it).
    schools : DataFrame or None
        The same for the points of interest that are schools (index of the
        run's points of interest); None without points of interest.
    communes : DataFrame
        Indexed by ``commune_id``: ``villages_short_capacity``,
        ``population_short_capacity``, ``schools_short_capacity``.
    """

    technologies: list[str]
    cells: pd.DataFrame
    villages: pd.DataFrame
    schools: pd.DataFrame | None
    communes: pd.DataFrame


@dataclass(frozen=True)
class RunInfo:
    """Which run made a set of outputs: shown by the report and the map, kept in ``run.json``.

    Attributes
    ----------
    run_id : str
        Twelve hexadecimal digits, new for every run.
    time : str
        When the run started, ISO 8601 in UTC.
    version : str
        The whitezone version.
    """

    run_id: str
    time: str
    version: str = __version__

    @classmethod
    def new(cls) -> RunInfo:
        """A new run, now."""
        now = datetime.now(timezone.utc).replace(microsecond=0)
        return cls(run_id=uuid.uuid4().hex[:12], time=now.isoformat().replace("+00:00", "Z"))


@dataclass
class Result:
    """Everything a run computed.

    Attributes
    ----------
    project : Project
    layers : Layers
    villages : GeoDataFrame
        One row per input village with its classes and distances.
    communes : GeoDataFrame
        Commune polygons with their indicators.
    summaries : Summaries
        Indicator tables per commune, district and province.
    technologies : list of str
    model : CoverageModel
    pois : GeoDataFrame or None
        Points of interest with their classes and broadband.
    coverage : CoverageGrid or None
        The model on a grid over the communes (map layer, area shares).
    priority_sites : GeoDataFrame or None
        Set by a siting run (:func:`whitezone.siting.plan_sites`): drawn on the map.
    service_radius_km : float or None
        The province's average postal service radius R, the one villages
        beyond R are counted against (None without postal points).
    validation : Validation or None
        The model compared with the project's measurements, when it has some
        (:func:`whitezone.validation.validate`).
    capacity : CapacityCheck or None
        Busy-hour demand against each cell's capacity (``[capacity]``).
    run : RunInfo
        The run's identity, shown by the report and the map.
    outputs : dict
        File name -> path, once written.
    timings : dict
        Step -> seconds.
    """

    project: Project
    layers: Layers
    villages: gpd.GeoDataFrame
    communes: gpd.GeoDataFrame
    summaries: Summaries
    technologies: list[str]
    model: CoverageModel
    pois: gpd.GeoDataFrame | None = None
    coverage: CoverageGrid | None = None
    priority_sites: gpd.GeoDataFrame | None = None
    service_radius_km: float | None = None
    validation: Validation | None = None
    capacity: CapacityCheck | None = None
    run: RunInfo = field(default_factory=RunInfo.new)
    outputs: dict[str, Path] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
