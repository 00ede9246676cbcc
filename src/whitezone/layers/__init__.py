"""Input layers: read, validate and normalise — the one place for input rules.

Each ``read_<layer>`` function takes a path (or a :class:`~whitezone.project.LayerSource`)
and returns a GeoDataFrame in EPSG:4326 with canonical column names, raising
:class:`~whitezone.errors.InputError` listing every problem of the layer.
:func:`load_layers` reads all the layers a project names, in the order that
lets later layers be checked against earlier ones (communes first).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from ..crs import metric_crs
from ..errors import InputError
from ..postgis import DatabaseURL
from ..project import Project
from ..staging import input_checksums
from ._geometry import Repair
from ._raster import check_raster, raster_info
from .communes import read_communes, region_of
from .fiber import read_fiber, read_grid, read_roads
from .measurements import read_measurements
from .opencellid import read_opencellid
from .pois import read_pois
from .post_offices import COMMUNE_POST_OFFICE, read_post_offices
from .sites import read_sites, require_sites
from .villages import UNLOCATED, assign_communes, read_villages

__all__ = [
    "COMMUNE_POST_OFFICE",
    "UNLOCATED",
    "Layers",
    "Repair",
    "assign_communes",
    "check_raster",
    "load_layers",
    "read_communes",
    "read_fiber",
    "read_grid",
    "read_measurements",
    "read_opencellid",
    "read_pois",
    "read_post_offices",
    "read_roads",
    "read_sites",
    "read_villages",
    "region_of",
]

logger = logging.getLogger(__name__)


@dataclass
class Layers:
    """Every input layer of a run, validated, in EPSG:4326.

    Attributes
    ----------
    communes, villages, sites : GeoDataFrame
    post_offices, fiber, pois, grid, roads : GeoDataFrame or None
    dem, population, landcover : Path or None
        Rasters, checked to open.
    measurements : GeoDataFrame or None
        Signal measurements (drive tests), for validation and calibration.
    crs : pyproj.CRS
        The metric CRS used for distances and areas.
    repairs : list of Repair
        Every repair made while loading, for the report.
    sources : dict
        Layer name -> file it was read from.
    checksums : dict
        Input name (each layer, and ``project``) -> its path, size and
        SHA-256 (:func:`whitezone.staging.input_checksums`): the manifest
        and the report name exactly what a run read.
    """

    communes: gpd.GeoDataFrame
    villages: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    crs: CRS
    post_offices: gpd.GeoDataFrame | None = None
    fiber: gpd.GeoDataFrame | None = None
    pois: gpd.GeoDataFrame | None = None
    dem: Path | None = None
    population: Path | None = None
    landcover: Path | None = None
    measurements: gpd.GeoDataFrame | None = None
    grid: gpd.GeoDataFrame | None = None
    roads: gpd.GeoDataFrame | None = None
    repairs: list[Repair] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    checksums: dict[str, dict] = field(default_factory=dict)

    def repairs_table(self) -> pd.DataFrame:
        """Repairs and kept-with-status rows as a table: layer, kind, count, rows, message."""
        return pd.DataFrame(
            [
                {"layer": r.layer, "kind": r.kind, "count": r.count,
                 "rows": ", ".join(r.rows[:10]) + (" ..." if r.count > 10 else ""),
                 "message": r.message}  # fmt: skip
                for r in self.repairs
            ],
            columns=["layer", "kind", "count", "rows", "message"],
        )

    def summary(self) -> pd.DataFrame:
        """Per layer: the records read, what they became, how and from where (``whitezone check``).

        Returns
        -------
        DataFrame
            ``layer``, ``rows`` (records in the file: a sites row listing
            "2G,4G" is one row; OpenCelliD: cells), ``features`` (what the
            run uses: villages; sites, site-technologies and cells; a raster's
            size), ``read as`` (the CRS) and ``source`` (the file).
        """
        rows = []
        for name in ("communes", "villages", "sites", "post_offices", "fiber", "grid", "roads", "pois",
                     "measurements"):  # fmt: skip
            frame = getattr(self, name)
            if frame is None:
                continue
            records = len(frame)
            features = f"{len(frame)}"
            if name == "sites":
                records = int(frame["cells"].sum()) if "cells" in frame else int(frame["source_row"].nunique())
                pairs = len(frame.drop_duplicates(["site_id", "technology"]))
                features = f"{frame['site_id'].nunique()} sites, {pairs} site-technologies, {len(frame)} cells"
            rows.append({"layer": name, "rows": records, "features": features,
                         "read as": frame.attrs.get("source_crs", ""),
                         "source": self.sources.get(name, "")})  # fmt: skip
        for name in ("dem", "population", "landcover"):
            path = getattr(self, name)
            if path is not None:
                info = raster_info(path)
                rows.append({"layer": name, "rows": info["cells"], "features":
                             f"{info['width']} × {info['height']} cells of {info['resolution']}",
                             "read as": info["crs"], "source": self.sources.get(name, "")})  # fmt: skip
        return pd.DataFrame(rows, columns=["layer", "rows", "features", "read as", "source"])


def load_layers(project: Project) -> Layers:
    """Read and validate every layer a project names.

    Problems of all layers are gathered before raising, so one run of
    ``whitezone check`` lists everything to fix.

    Parameters
    ----------
    project : Project

    Returns
    -------
    Layers

    Raises
    ------
    InputError
        With the problems of every layer that has some.
    """
    src = project.layers
    problems = []
    communes = None
    try:
        communes = read_communes(src["communes"])
    except InputError as exc:
        problems.extend(exc.problems)

    def attempt(func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except InputError as exc:
            problems.extend(exc.problems)
            return None

    villages = attempt(read_villages, src["villages"], communes=communes, snap_km=project.snap_km)
    sites = attempt(read_sites, src["sites"], communes=communes)
    posts = attempt(read_post_offices, src["post_offices"], communes=communes) \
        if "post_offices" in src else None  # fmt: skip
    fiber = attempt(read_fiber, src["fiber"]) if "fiber" in src else None
    grid = attempt(read_grid, src["grid"]) if "grid" in src else None
    roads = attempt(read_roads, src["roads"]) if "roads" in src else None
    pois = attempt(read_pois, src["pois"], communes=communes) if "pois" in src else None
    dem = attempt(check_raster, src["dem"].path, role="dem") if "dem" in src else None
    population = (attempt(check_raster, src["population"].path, role="population")
                  if "population" in src else None)  # fmt: skip
    landcover = (attempt(check_raster, src["landcover"].path, role="landcover")
                 if "landcover" in src else None)  # fmt: skip
    measurements = (attempt(read_measurements, src["measurements"], communes=communes)
                    if "measurements" in src else None)  # fmt: skip
    if sites is not None:
        attempt(require_sites, sites, sites.attrs.get("source", "sites"))
    if problems:
        raise InputError(problems)
    crs = metric_crs([communes], crs=project.crs)
    repairs: list[Repair] = []
    for frame in (communes, villages, sites, posts, fiber, grid, roads, pois, measurements):
        if frame is not None:
            repairs.extend(frame.attrs.get("repairs", []))
    # A table is named by its database (password masked) and its name.
    sources = {name: f"{s.path} [{s.layer or s.path.table}]" if isinstance(s.path, DatabaseURL)
               else str(s.path) for name, s in src.items()}  # fmt: skip
    files = {**sources, **({"project": str(project.path)} if project.path else {})}
    layers = Layers(communes=communes, villages=villages, sites=sites, crs=crs,
                    post_offices=posts, fiber=fiber, pois=pois, dem=dem, population=population, landcover=landcover,
                    measurements=measurements, grid=grid, roads=roads, repairs=repairs, sources=sources, checksums=input_checksums(files))  # fmt: skip
    logger.info("loaded %d communes, %d villages, %d site-technologies", len(communes),
                len(villages), len(sites))  # fmt: skip
    return layers

