"""Coverage models: what signal a point receives from each site.

Every model answers the same question through one interface,
:class:`CoverageModel`: given target points and site-technologies (x, y in
a metric CRS), return the *links* — one row per (target, site) pair within
the site's reach — with the distance, the received signal where the model
computes one, and the class level (0 none, 1 weak, 2 good), or directly the
best server of each target.

A model also says what it can do, so that nothing outside this package asks
which model ran: whether it yields a signal in dBm, the exact geometry of
its footprint when it has one, the grid its coverage is drawn on, the
terrain it reads, its parameters and class rules for the report, the
default mast of a new site.  Adding a model is a class here, an entry in
:data:`MODELS`, and its settings in the project-file parser.
"""

from __future__ import annotations

import numpy as np

from ..dem import Dem, load_dem
from ..errors import InputError, Problem
from ..landcover import load_landcover
from ..layers import Layers
from ..project import ModelSettings, Project
from ._best import best_from_links, empty_best, merge_best
from ._pairs import pairs_within
from .itm_model import ItmModel
from .link import DEFAULT_BUDGETS, LinkBudget, PathLossModel
from .protocol import CoverageModel, ModelWrapper, Parameter, Prepared
from .radius import RadiusModel
from .terrain import TerrainModel

__all__ = [
    "DEFAULT_BUDGETS",
    "LINK_COLUMNS",
    "MODELS",
    "CoverageModel",
    "ItmModel",
    "LinkBudget",
    "ModelWrapper",
    "Parameter",
    "PathLossModel",
    "Prepared",
    "RadiusModel",
    "TerrainModel",
    "best_from_links",
    "empty_best",
    "make_model",
    "merge_best",
    "model_for",
    "needs_dem",
    "pairs_within",
]

#: Columns of a links table.
LINK_COLUMNS = ("target", "site", "distance_km", "signal_dbm", "level")

#: Model kind (``[model] kind``) -> its class.
MODELS: dict[str, type] = {"radius": RadiusModel, "pathloss": PathLossModel, "terrain": TerrainModel,
                           "itm": ItmModel}


def needs_dem(kind: str) -> bool:
    """Whether the model ``kind`` reads a DEM."""
    return bool(getattr(MODELS[kind], "needs_dem", False))


def make_model(settings: ModelSettings, *, dem: Dem | None = None, landcover=None,
               source: str = "project") -> CoverageModel:  # fmt: skip
    """The model a project's ``[model]`` section asks for.

    Parameters
    ----------
    settings : ModelSettings
    dem : Dem, optional
        Required by the models that read terrain (:func:`needs_dem`).
    landcover : Landcover, optional
        Clutter around receivers, for the models that compute a signal.
    source : str
        The project file, for the message when a DEM is missing.

    Raises
    ------
    InputError
        The model needs a DEM and none was given.
    """
    if needs_dem(settings.kind) and dem is None:
        raise InputError(Problem(source, f"the {settings.kind} model needs a DEM: add "
                                 'dem = "your_dem.tif" under [layers]', column="model.kind"))  # fmt: skip
    return MODELS[settings.kind].from_settings(settings, dem=dem, landcover=landcover)


def model_for(project: Project, layers: Layers) -> CoverageModel:
    """The coverage model a project asks for, with its DEM loaded when it needs one.

    The DEM is warped onto the run's metric grid over the box holding the
    communes and the active sites (profiles never leave it), 1 km wider.
    """
    dem = landcover = None
    source = str(project.path or "project")
    yields_dbm = bool(MODELS[project.model.kind].yields_dbm)
    if (needs_dem(project.model.kind) and layers.dem is not None) or (
            yields_dbm and layers.landcover is not None):  # fmt: skip
        active = layers.sites[layers.sites["status"] == "active"]
        boxes = np.vstack([layers.communes.to_crs(layers.crs).total_bounds,
                           active.to_crs(layers.crs).total_bounds])  # fmt: skip
        bounds = (boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max())
        if needs_dem(project.model.kind) and layers.dem is not None:
            dem = load_dem(layers.dem, crs=layers.crs, bounds=bounds,
                           resolution_m=project.model.dem_resolution_m, margin_m=1000.0)  # fmt: skip
        if yields_dbm and layers.landcover is not None:
            landcover = load_landcover(layers.landcover, crs=layers.crs, bounds=bounds,
                                       margin_m=1000.0)  # fmt: skip
    model = make_model(project.model, dem=dem, landcover=landcover, source=source)
    model.check_sites(layers.sites, source=str(project.layers["sites"].path))
    return model
