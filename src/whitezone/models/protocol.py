"""What every coverage model is: the protocol, and the pieces models share.

:class:`CoverageModel` is the interface; :class:`Parameter` is a setting as
the report prints it; :class:`Prepared` is a model with its sites fixed;
:class:`ModelWrapper` is the base of the models that compute the best
server their own way around another model (the Dask engine, the streaming
classifier).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import geopandas as gpd
import numpy as np
import pandas as pd

from ..dem import Dem

__all__ = ["CoverageModel", "ModelWrapper", "Parameter", "Prepared"]


@dataclass(frozen=True)
class Parameter:
    """One setting of a model as the report prints it.

    Attributes
    ----------
    key : str
        Catalogue key of its name (``"param.radius"``), with ``fields``.
    values : tuple
        Numbers, or text; a value ``("text", key)`` is a catalogue key.
    units : tuple of str
        One per value, or one for all.
    fields : dict
        Fields of the name (``{"tech": "4G"}``).
    """

    key: str
    values: tuple
    units: tuple[str, ...] = ("",)
    fields: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class CoverageModel(Protocol):
    """The interface every coverage model implements.

    Attributes
    ----------
    kind : str
        Its name in the project file.
    yields_dbm : bool
        Whether links and best servers carry a received signal in dBm
        (else ``signal_dbm`` is NaN and only the class level means anything).
    optional_keys : tuple of str
        Keys its ``best`` adds to the common ones (``line_of_sight``).
    area_grid_m : float
        Default cell size of the grid its coverage is drawn on and, without
        an exact footprint, the area covered is measured on.
    dem : Dem or None
        The terrain it reads.
    """

    kind: str
    yields_dbm: bool
    optional_keys: tuple[str, ...]
    area_grid_m: float
    dem: Dem | None

    def reach_km(self, sites: gpd.GeoDataFrame) -> np.ndarray:
        """Largest distance at which each site-technology can still be received."""
        ...

    def links(self, targets: np.ndarray, sites: gpd.GeoDataFrame, *,
              site_xy: np.ndarray | None = None) -> pd.DataFrame:  # fmt: skip
        """Links between targets (an (n, 2) array of metric x, y) and sites.

        ``site_xy`` are the sites' metric x, y (default: their geometry, then
        in the targets' CRS); ``site`` in the result is the position of the
        row in ``sites``, ``target`` the position in ``targets``.  Pairs
        beyond reach are absent (level 0 implied).
        """
        ...

    def best(self, targets: np.ndarray, sites: gpd.GeoDataFrame, tech_code: np.ndarray,
             n_tech: int, *, site_xy: np.ndarray | None = None) -> dict[str, np.ndarray]:  # fmt: skip
        """Best server per (target, technology), as :func:`best_from_links` of the links.

        Models may compute it without materialising every link.
        """
        ...

    def prepare(self, sites: gpd.GeoDataFrame, tech_code: np.ndarray, n_tech: int, *,
                site_xy: np.ndarray | None = None):  # fmt: skip
        """What ``best`` needs of the sites, built once for many batches of targets.

        ``model.prepare(sites, ...).best(targets)`` is ``model.best(targets, sites, ...)``.
        """
        ...

    def pair_links(self, targets: np.ndarray, sites: gpd.GeoDataFrame, target: np.ndarray,
                   site: np.ndarray, *, site_xy: np.ndarray | None = None,
                   calibrated: bool = True) -> pd.DataFrame:  # fmt: skip
        """The links of given (target, site) pairs, reach not applied (validation, calibration)."""
        ...

    def coverage_probability(self, best: dict[str, np.ndarray],
                             sites: gpd.GeoDataFrame) -> dict[str, np.ndarray]:  # fmt: skip
        """``p_good`` and ``p_weak`` of each best server's signal; empty for models without spread."""
        ...

    def thresholds(self) -> dict[str, tuple[float, float]] | None:
        """Good and weak thresholds (dBm) per technology, or None for a model without a signal."""
        ...

    def without_calibration(self) -> CoverageModel:
        """The model as it stands before any calibration (what a calibration is fitted to)."""
        ...

    def footprints(self, sites: gpd.GeoDataFrame, *, site_xy: np.ndarray) -> np.ndarray | None:
        """The exact area each site-technology covers (weak or good), or None.

        Polygons in the metric CRS of ``site_xy``, one per site; None when
        the model has no closed form and its coverage is sampled on a grid.
        """
        ...

    def report_parameters(self, technologies: list[str]) -> list[Parameter]:
        """Its settings for the report's parameter table."""
        ...

    def class_rules(self, technologies: list[str]) -> dict[str, tuple[str, dict]]:
        """What good, weak and none mean: class -> (catalogue key, fields)."""
        ...

    def default_height_m(self, technology: str) -> float:
        """Mast height of a new site of a technology."""
        ...

    def check_sites(self, sites, *, source: str) -> None:
        """Raise InputError for what the sites ask of the model and it lacks (a pattern's name)."""
        ...


@dataclass(frozen=True, eq=False)
class Prepared:
    """A model with its sites fixed: ``best(targets)`` as ``model.best(targets, sites, ...)``.

    The default of :meth:`CoverageModel.prepare` for models with nothing to
    build ahead (the radius model builds its k-d trees instead).
    """

    model: CoverageModel
    sites: gpd.GeoDataFrame
    tech_code: np.ndarray
    n_tech: int
    site_xy: np.ndarray | None = None

    def best(self, targets: np.ndarray) -> dict[str, np.ndarray]:
        """Best server per (target, technology)."""
        return self.model.best(targets, self.sites, self.tech_code, self.n_tech,
                               site_xy=self.site_xy)  # fmt: skip


class ModelWrapper:
    """Base of the models that compute :meth:`best` their own way around another model.

    Everything but ``best`` and ``prepare`` is the wrapped model's
    (``self.model``), so a wrapper classifies exactly as its model does.
    """

    model: CoverageModel

    def __getattr__(self, name: str):
        # Capabilities (kind, yields_dbm, dem, footprints, reach_km, links...)
        # are the wrapped model's; only best and prepare are the wrapper's own.
        if name == "model":
            raise AttributeError(name)
        return getattr(self.model, name)

    def prepare(self, sites: gpd.GeoDataFrame, tech_code: np.ndarray, n_tech: int, *,
                site_xy: np.ndarray | None = None) -> Prepared:  # fmt: skip
        """The wrapper's own ``best``, with the sites fixed."""
        return Prepared(self, sites, np.asarray(tech_code), n_tech, site_xy)
