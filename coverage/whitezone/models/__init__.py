"""Coverage models: what signal a point receives from each site.

Every model answers the same question through one interface,
:class:`CoverageModel`: given target points and site-technologies (both in a
metric CRS), return the *links* — one row per (target, site) pair within the
site's reach — with the distance, the received signal where the model computes
one, and the class level (0 none, 1 weak, 2 good).  Classification,
statistics, maps and site selection only ever see links, so they never care
which model ran.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol, runtime_checkable

import geopandas as gpd
import numpy as np
import pandas as pd

from ..project import ModelSettings
from ._best import best_from_links, empty_best, merge_best
from ._pairs import pairs_within
from .link import DEFAULT_BUDGETS, LinkBudget, PathLossModel
from .radius import RadiusModel
from .terrain import TerrainModel

__all__ = [
    "DEFAULT_BUDGETS",
    "LINK_COLUMNS",
    "CoverageModel",
    "LinkBudget",
    "ModelWrapper",
    "PathLossModel",
    "RadiusModel",
    "TerrainModel",
    "best_from_links",
    "empty_best",
    "make_model",
    "merge_best",
    "pairs_within",
]

#: Columns of a links table.
LINK_COLUMNS = ("target", "site", "distance_km", "signal_dbm", "level")


@runtime_checkable
class CoverageModel(Protocol):
    """The interface every coverage model implements."""

    kind: str

    def reach_km(self, sites: gpd.GeoDataFrame) -> np.ndarray:
        """Largest distance at which each site-technology can still be received."""
        ...

    def links(self, targets: np.ndarray, sites: gpd.GeoDataFrame) -> pd.DataFrame:
        """Links between targets (an (n, 2) array of metric x, y) and sites.

        ``sites`` is in the same metric CRS; ``site`` in the result is the
        position of the row in ``sites``, ``target`` the position in
        ``targets``.  Pairs beyond reach are absent (level 0 implied).
        """
        ...

    def best(self, targets: np.ndarray, sites: gpd.GeoDataFrame, tech_code: np.ndarray,
             n_tech: int) -> dict[str, np.ndarray]:  # fmt: skip
        """Best server per (target, technology), as :func:`best_from_links` of the links.

        Models may compute it without materialising every link.
        """
        ...


class ModelWrapper:
    """Base of the models that compute :meth:`best` their own way around another model.

    Everything else — ``kind``, ``reach_km``, ``links`` and the optional keys
    of ``best`` — is the wrapped model's (``self.model``), so a wrapper
    classifies exactly as its model does.
    """

    model: CoverageModel

    @property
    def kind(self) -> str:
        """The wrapped model's kind."""
        return self.model.kind

    @property
    def optional_keys(self) -> tuple[str, ...]:
        """Keys the wrapped model's ``best`` adds (e.g. ``line_of_sight``)."""
        return tuple(getattr(self.model, "optional_keys", ()))

    def reach_km(self, sites: gpd.GeoDataFrame) -> np.ndarray:
        """The wrapped model's reach."""
        return self.model.reach_km(sites)

    def links(self, targets: np.ndarray, sites: gpd.GeoDataFrame) -> pd.DataFrame:
        """The wrapped model's links."""
        return self.model.links(targets, sites)


def make_model(settings: ModelSettings, *, dem=None) -> CoverageModel:
    """The model a project's ``[model]`` section asks for.

    Parameters
    ----------
    settings : ModelSettings
    dem : whitezone.terrain.Dem, optional
        Required by the terrain model.
    """
    if settings.kind == "radius":
        return RadiusModel(radius_km=dict(settings.radius_km))
    budgets = {tech: replace(DEFAULT_BUDGETS[tech], **settings.budgets.get(tech, {}))
               for tech in DEFAULT_BUDGETS}  # fmt: skip
    common = {"budgets": budgets, "formula": settings.formula,
              "environment": settings.environment,
              "receiver_height_m": settings.receiver_height_m,
              "max_range_km": settings.max_range_km}  # fmt: skip
    if settings.kind == "pathloss":
        return PathLossModel(**common)
    if settings.kind == "terrain":
        return TerrainModel(**common, dem=dem, diffraction=settings.diffraction,
                            k_factor=settings.k_factor)  # fmt: skip
    raise ValueError(f"unknown model kind {settings.kind!r}")  # validated in project.py
