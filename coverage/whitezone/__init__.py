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
"""

from __future__ import annotations

__version__ = "0.1.0"

from .classify import classify_points, classify_villages
from .errors import (
    InputError,
    ModelValidityWarning,
    Problem,
    RepairWarning,
    WhitezoneError,
    WhitezoneWarning,
)
from .indicators import Summaries, check_reconciliation, commune_indicators, summarise
from .layers import (
    Layers,
    load_layers,
    read_communes,
    read_fiber,
    read_opencellid,
    read_pois,
    read_post_offices,
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
from .pipeline import Result, analyse, model_for, run, write_outputs
from .project import LayerSource, ModelSettings, Project, read_project, sample_project
from .scenarios import run_scenario
from .siting import plan_sites

__all__ = [
    "CoverageModel",
    "InputError",
    "LayerSource",
    "Layers",
    "LinkBudget",
    "ModelValidityWarning",
    "ModelSettings",
    "PathLossModel",
    "Problem",
    "Project",
    "RadiusModel",
    "RepairWarning",
    "Result",
    "Summaries",
    "TerrainModel",
    "WhitezoneError",
    "WhitezoneWarning",
    "__version__",
    "analyse",
    "check_reconciliation",
    "classify_points",
    "classify_villages",
    "commune_indicators",
    "load_layers",
    "make_model",
    "model_for",
    "plan_sites",
    "read_communes",
    "read_fiber",
    "read_opencellid",
    "read_pois",
    "read_post_offices",
    "read_project",
    "read_sites",
    "read_villages",
    "run",
    "run_scenario",
    "sample_project",
    "summarise",
    "write_outputs",
]
