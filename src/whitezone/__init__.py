"""whitezone: where people have no mobile signal, weak signal, no post office or no broadband.

Load a project's layers, classify every village by the signal it receives,
count the gaps per commune, district and province, and write the tables,
report and map a provincial planner hands in::

    import whitezone as wz

    project = wz.read_project("data/sample/project.toml")
    layers = wz.load_layers(project)
    result = wz.analyse(layers, project)
    result.summaries.province
    wz.write_outputs(result, "maps/sample")

The modules, from the bottom up: the vocabulary (:mod:`.classes`,
:mod:`.technology`, :mod:`.errors`, :mod:`.i18n`, :mod:`.project`,
:mod:`.crs`, :mod:`.files`, :mod:`.staging`, :mod:`.assumptions`); loading (:mod:`.layers`,
:mod:`.dem`); the models (:mod:`.models`); classifying (:mod:`.classify`,
:mod:`.grid`) and the run's types (:mod:`.result`, :mod:`.schema`); the
indicators (:mod:`.indicators`, :mod:`.postal`, :mod:`.broadband`,
:mod:`.facilities`, :mod:`.operators`, :mod:`.population`,
:mod:`.hexagons`, :mod:`.capacity`); the computation (:mod:`.analysis`, :mod:`.scenarios`,
:mod:`.siting`, :mod:`.validation`, :mod:`.tuning`, :mod:`.engine`,
:mod:`.stream`); the writers
(:mod:`.report`, :mod:`.maps`, :mod:`.rasters`, :mod:`.outputs`); and at the
top :mod:`.pipeline` and :mod:`.cli`.
"""

from __future__ import annotations

from ._version import __version__
from .analysis import analyse, model_for
from .assumptions import CapacitySettings, CostSettings
from .capacity import capacity_check
from .classify import classify_points, classify_villages
from .datasets import make_sample, sample_project
from .errors import (
    InputError,
    MissingExtraError,
    ModelValidityWarning,
    Problem,
    RepairWarning,
    WhitezoneError,
    WhitezoneWarning,
)
from .indicators import check_reconciliation, commune_indicators, summarise
from .layers import (
    Layers,
    load_layers,
    read_communes,
    read_fiber,
    read_grid,
    read_measurements,
    read_opencellid,
    read_pois,
    read_post_offices,
    read_roads,
    read_sites,
    read_villages,
)
from .models import (
    CoverageModel,
    LinkBudget,
    PathLossModel,
    RadiusModel,
    TerrainModel,
    make_model,
)
from .outputs import (
    write_calibration,
    write_outputs,
    write_plan,
    write_postgis,
    write_scenarios,
    write_validation,
)
from .pipeline import run
from .project import LayerSource, ModelSettings, Project, read_project
from .result import Result, RunInfo, Summaries, Validation
from .scenarios import run_scenario
from .siting import plan_sites, site_costs
from .tuning import CalibrationResult, calibrate
from .validation import validate

__all__ = [
    "CalibrationResult",
    "CapacitySettings",
    "CostSettings",
    "CoverageModel",
    "InputError",
    "LayerSource",
    "Layers",
    "LinkBudget",
    "MissingExtraError",
    "ModelSettings",
    "ModelValidityWarning",
    "PathLossModel",
    "Problem",
    "Project",
    "RadiusModel",
    "RepairWarning",
    "Result",
    "RunInfo",
    "Summaries",
    "TerrainModel",
    "Validation",
    "WhitezoneError",
    "WhitezoneWarning",
    "__version__",
    "analyse",
    "calibrate",
    "capacity_check",
    "check_reconciliation",
    "classify_points",
    "classify_villages",
    "commune_indicators",
    "load_layers",
    "make_model",
    "make_sample",
    "model_for",
    "plan_sites",
    "read_communes",
    "read_fiber",
    "read_grid",
    "read_measurements",
    "read_opencellid",
    "read_pois",
    "read_post_offices",
    "read_project",
    "read_roads",
    "read_sites",
    "read_villages",
    "run",
    "run_scenario",
    "sample_project",
    "site_costs",
    "summarise",
    "validate",
    "write_calibration",
    "write_outputs",
    "write_plan",
    "write_postgis",
    "write_scenarios",
    "write_validation",
]
