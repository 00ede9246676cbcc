"""The whole job, one way: load -> model -> classify -> aggregate -> write.

:func:`analyse` does the computation on loaded layers and returns a
:class:`Result`; :func:`write_outputs` writes the files of DESIGN §7;
:func:`run` does both from a project.  The CLI and notebooks call these same
functions.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .broadband import broadband_by_commune, within_reach
from .classify import classify_points, classify_villages, technologies_of
from .crs import equal_area_crs
from .errors import InputError, Problem
from .indicators import (
    Summaries,
    area_coverage,
    check_reconciliation,
    commune_indicators,
    site_counts,
    summarise,
)
from .layers import Layers, load_layers
from .models import CoverageModel, make_model
from .operators import operator_classes, operator_summary
from .outputs import write_csv, write_excel, write_gpkg, write_gpkg_layers, write_text
from .pois import classify_pois, poi_summary
from .population import population_by_class
from .postal import nearest_distance_km, postal_by_commune, service_radius_km
from .project import Project
from .rasters import CoverageGrid, coverage_grid

__all__ = ["Result", "analyse", "model_for", "run", "write_outputs"]

logger = logging.getLogger(__name__)

Step = Callable[[str], None]

#: Grid (m) of the coverage drawn on the map and of the area shares of the
#: path-loss and terrain models; the terrain model profiles every cell, so it
#: gets a coarser one unless the project sets ``[map] area_resolution_m``.
AREA_GRID_BY_MODEL_M = {"radius": 250.0, "pathloss": 250.0, "terrain": 500.0}
AREA_GRID_M = AREA_GRID_BY_MODEL_M["radius"]


#: Most cells in the box of the coverage grid unless the project sets its
#: resolution: a national box at 250 m would be 20 million cells (minutes, and
#: map images of hundreds of MB); the grid coarsens instead.
MAX_GRID_CELLS = 4_000_000


def area_grid_m(project: Project, model: CoverageModel, *,
                box_area_m2: float | None = None) -> float:  # fmt: skip
    """The coverage grid's cell size for a run.

    The project's ``[map] area_resolution_m`` when set; else the model's
    default, coarsened so the grid's box holds at most :data:`MAX_GRID_CELLS`.
    """
    if project.area_resolution_m:
        return project.area_resolution_m
    default = AREA_GRID_BY_MODEL_M.get(model.kind, AREA_GRID_M)
    if box_area_m2:
        default = max(default, float(np.ceil(np.sqrt(box_area_m2 / MAX_GRID_CELLS) / 50.0) * 50.0))
    return default


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
    outputs: dict[str, Path] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def model_for(project: Project, layers: Layers) -> CoverageModel:
    """The coverage model a project asks for, with its DEM loaded when it needs one.

    The DEM is warped onto the run's metric grid over the box holding the
    communes and the active sites (profiles never leave it), 1 km wider.
    """
    dem = None
    if project.model.kind == "terrain":
        if layers.dem is None:
            raise InputError(Problem(str(project.path or "project"), "the terrain model needs a "
                                     'DEM: add dem = "your_dem.tif" under [layers]',
                                     column="model.kind"))  # fmt: skip
        from .terrain import load_dem

        active = layers.sites[layers.sites["status"] == "active"]
        boxes = np.vstack([layers.communes.to_crs(layers.crs).total_bounds,
                           active.to_crs(layers.crs).total_bounds])  # fmt: skip
        bounds = (boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max())
        dem = load_dem(layers.dem, crs=layers.crs, bounds=bounds,
                       resolution_m=project.model.dem_resolution_m, margin_m=1000.0)  # fmt: skip
    return make_model(project.model, dem=dem)


def analyse(layers: Layers, project: Project, *, model: CoverageModel | None = None,
            on_step: Step | None = None, engine: str | None = None,
            scheduler: str | None = None) -> Result:  # fmt: skip
    """Classify the villages and compute the indicators.

    Parameters
    ----------
    layers : Layers
        From :func:`~whitezone.layers.load_layers`.
    project : Project
        Model and indicator settings.
    model : CoverageModel, optional
        Default: the one ``project.model`` names.
    on_step : callable, optional
        Called with the name of each step as it starts (progress display).
    engine : {"single", "dask"}, optional
        ``"dask"`` classifies villages, commune centres and the per-operator
        classes by spatial tiles on a Dask cluster (:mod:`whitezone.engine`),
        with results identical to the single-machine engine.  Default: the
        project's ``[engine] kind``.
    scheduler : str, optional
        Dask scheduler address (``tcp://host:8786``) or ``"synchronous"``;
        default a local cluster (the project's ``[engine] scheduler``).

    Returns
    -------
    Result
    """
    engine = engine or project.engine
    if engine == "dask":
        import contextlib

        from .engine import LOCAL_SCHEDULERS, DaskModel, dask_client

        scheduler = scheduler or project.scheduler
        base = model or model_for(project, layers)
        with contextlib.ExitStack() as stack:
            client = None if scheduler in LOCAL_SCHEDULERS else \
                stack.enter_context(dask_client(scheduler))  # fmt: skip
            tiled = DaskModel(base, scheduler=scheduler, client=client)
            result = analyse(layers, project, model=tiled, on_step=on_step, engine="single")
        # The plain model stays on the result: reports, maps and siting use it.
        result.model = base
        return result
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    current = ["model"]

    def step(name: str) -> None:
        # Each step's time is booked under its own name when the next starts.
        nonlocal clock
        now = time.perf_counter()
        timings[current[0]] = now - clock
        clock, current[0] = now, name
        if on_step:
            on_step(name)

    model = model or model_for(project, layers)
    techs = technologies_of(layers.sites)
    step("classify villages")
    villages = classify_villages(layers.villages, layers.sites, model=model, crs=layers.crs,
                                 technologies=techs)  # fmt: skip
    communes = layers.communes.copy()
    centers = gpd.GeoSeries.from_xy(communes["center_lon"], communes["center_lat"], crs=4326)
    center_classes = classify_points(centers, layers.sites, model=model, crs=layers.crs,
                                     technologies=techs)  # fmt: skip
    communes["center_class"] = center_classes["class_any"].astype("string").to_numpy()

    step("postal and broadband")
    if layers.post_offices is not None:
        villages["post_distance_km"] = np.round(
            nearest_distance_km(villages.geometry, layers.post_offices, crs=layers.crs), 3
        )
    bb = villages.get("fixed_broadband")
    if layers.fiber is not None:
        by_fiber = within_reach(villages.geometry, layers.fiber, reach_km=project.broadband_reach_km,
                                crs=layers.crs)  # fmt: skip
        villages["fixed_broadband"] = by_fiber if bb is None else bb.fillna(by_fiber)
        communes["center_broadband"] = within_reach(
            centers, layers.fiber, reach_km=project.broadband_reach_km, crs=layers.crs
        ).to_numpy()
    communes["area_km2"] = communes.geometry.to_crs(equal_area_crs([communes])).area.to_numpy() / 1e6
    extra = []
    if layers.post_offices is not None:
        # "Beyond R" uses the run's average service radius, the figure reports publish.
        radius = float(service_radius_km(communes["area_km2"].sum(), len(layers.post_offices)))
        extra.append(postal_by_commune(villages, layers.post_offices, radius_km=radius,
                                       max_distance_km=project.post_max_distance_km))  # fmt: skip
    if "fixed_broadband" in villages and villages["fixed_broadband"].notna().any():
        extra.append(broadband_by_commune(villages, communes))

    step("sites and area")
    extra.append(site_counts(layers.sites, communes))
    minx, miny, maxx, maxy = communes.to_crs(layers.crs).total_bounds
    grid = coverage_grid(communes, layers.sites, model, crs=layers.crs, technologies=techs,
                         resolution_m=area_grid_m(project, model,
                                                  box_area_m2=(maxx - minx) * (maxy - miny)))  # fmt: skip
    extra.append(area_coverage(communes, layers.sites, model, crs=layers.crs, technologies=techs,
                               grid=grid))  # fmt: skip
    if layers.population is not None:
        extra.append(population_by_class(layers.population, communes, layers.sites, model=model,
                                         crs=layers.crs, technologies=techs))  # fmt: skip

    step("operators and points of interest")
    by_operator = operator_classes(villages, layers.sites, model=model, crs=layers.crs,
                                   technologies=techs)  # fmt: skip
    villages["operators_good"] = _names_where(by_operator, "good")
    villages["operators_weak"] = _names_where(by_operator, "weak")
    pois = None
    if layers.pois is not None:
        pois = classify_pois(layers.pois, layers.sites, model=model, crs=layers.crs,
                             technologies=techs, communes=communes, fiber=layers.fiber,
                             reach_km=project.broadband_reach_km)  # fmt: skip

    step("indicators")
    table = commune_indicators(villages, communes, technologies=techs, extra=extra)
    summaries = summarise(table, province_name=project.name)
    check_reconciliation(villages, summaries, techs)
    names = summaries.communes[["commune_id", "commune", "district", "province"]]
    from .layers import assign_communes

    site_commune, _ = assign_communes(layers.sites.geometry, communes, snap_km=0.0)
    summaries.operators = operator_summary(villages, by_operator, layers.sites, names, site_commune)
    if pois is not None:
        summaries.pois = poi_summary(pois, names)
    timings[current[0]] = time.perf_counter() - clock
    commune_layer = communes[["commune_id", "geometry"]].merge(
        summaries.communes, on="commune_id", how="left"
    )
    return Result(project=project, layers=layers, villages=villages, communes=commune_layer,
                  summaries=summaries, technologies=techs, model=model, pois=pois,
                  coverage=grid, timings=timings)  # fmt: skip


def _names_where(classes: pd.DataFrame, value: str) -> pd.Series:
    """Per row, the comma-joined columns (operators) whose class is ``value``."""
    out = pd.Series("", index=classes.index, dtype=object)
    for name in classes.columns:
        hit = (classes[name] == value).fillna(False).to_numpy(dtype=bool)
        out[hit] = out[hit] + np.where(out[hit] == "", "", ", ") + name
    return out.astype("string")


def village_table(result: Result) -> gpd.GeoDataFrame:
    """The villages output: contract columns first, signal columns only when modelled."""
    v = result.villages
    names = result.layers.communes.set_index("commune_id")["commune"]
    out = v[["village_id", "village", "commune_id"]].copy()
    out["commune"] = v["commune_id"].map(names).astype("string")
    for col in ("population", "households", "status", "class_any"):
        out[col] = v[col]
    for tech in result.technologies:
        t = tech.lower()
        out[f"class_{t}"] = v[f"class_{t}"]
    for tech in result.technologies:
        t = tech.lower()
        out[f"site_{t}"] = v[f"site_{t}"]
        out[f"distance_km_{t}"] = v[f"distance_km_{t}"].round(3)
        if v[f"signal_dbm_{t}"].notna().any():
            out[f"signal_dbm_{t}"] = v[f"signal_dbm_{t}"].round(1)
        if f"line_of_sight_{t}" in v:  # terrain model
            out[f"line_of_sight_{t}"] = v[f"line_of_sight_{t}"]
    for col in ("operators_good", "operators_weak", "post_distance_km", "fixed_broadband",
                "source_row"):
        if col in v:
            out[col] = v[col]
    return gpd.GeoDataFrame(out, geometry=v.geometry, crs=v.crs)


def write_outputs(result: Result, folder: str | Path | None = None, *,
                  rasters: bool | None = None, self_contained: bool | None = None,
                  hexagons: int | None = None, on_tile=None) -> dict[str, Path]:  # fmt: skip
    """Write the files of DESIGN §7 into ``folder`` (default the project's output).

    Parameters
    ----------
    result : Result
    folder : str or Path, optional
    rasters : bool, optional
        Also write best-server rasters (default: the project's ``[rasters] write``).
    self_contained : bool, optional
        Inline Leaflet and its plugins in ``map.html`` (default: the project's
        ``[map] self_contained``, true unless set otherwise).
    hexagons : int, optional
        H3 resolution of ``hexagons.gpkg`` / ``summary_hexagons.csv``
        (default: the project's ``[hexagons] resolution``; none when unset).
    on_tile : callable, optional
        Progress of the rasters: called with (tiles done, tiles in all).

    Returns
    -------
    dict
        File name -> path written.
    """
    from .maps import coverage_map
    from .maps.offline import save_map
    from .report import report_html, report_sheets

    folder = Path(folder or result.project.output)
    folder.mkdir(parents=True, exist_ok=True)
    villages = village_table(result)
    flat = pd.DataFrame(villages.drop(columns="geometry"))
    located = ~(villages.geometry.isna() | villages.geometry.is_empty)
    flat["lon"] = np.where(located, villages.geometry.x.where(located), np.nan).round(6)
    flat["lat"] = np.where(located, villages.geometry.y.where(located), np.nan).round(6)
    s = result.summaries
    written = {
        "villages.gpkg": write_gpkg(villages, folder / "villages.gpkg", layer="villages"),
        "villages.csv": write_csv(flat, folder / "villages.csv"),
        "communes.gpkg": write_gpkg(result.communes, folder / "communes.gpkg", layer="communes"),
        "summary_communes.csv": write_csv(s.communes, folder / "summary_communes.csv"),
        "summary_province.csv": write_csv(s.province, folder / "summary_province.csv"),
    }
    if s.districts is not None:
        written["summary_districts.csv"] = write_csv(s.districts, folder / "summary_districts.csv")
    if s.operators is not None:
        written["summary_operators.csv"] = write_csv(s.operators, folder / "summary_operators.csv")
    if result.pois is not None:
        written["summary_pois.csv"] = write_csv(s.pois, folder / "summary_pois.csv")
        pois = result.pois
        flat_pois = pd.DataFrame(pois.drop(columns="geometry"))
        flat_pois["lon"] = pois.geometry.x.round(6)
        flat_pois["lat"] = pois.geometry.y.round(6)
        written["pois.csv"] = write_csv(flat_pois, folder / "pois.csv")
    repairs = result.layers.repairs_table()
    written["report.xlsx"] = write_excel(report_sheets(result, repairs), folder / "report.xlsx")
    from .maps.static import static_maps

    figures = static_maps(result)
    written["report.html"] = write_text(report_html(result, repairs, figures=figures),
                                        folder / "report.html")  # fmt: skip
    inline = result.project.self_contained_map if self_contained is None else self_contained
    written["map.html"] = save_map(coverage_map(result), folder / "map.html", self_contained=inline)
    resolution = result.project.hexagon_resolution if hexagons is None else hexagons
    if resolution is not None:
        from .hexagons import hexagon_coverage, hexagon_summary

        cells = hexagon_summary(result.villages, resolution=resolution)
        written["summary_hexagons.csv"] = write_csv(pd.DataFrame(cells.drop(columns="geometry")),
                                                    folder / "summary_hexagons.csv")  # fmt: skip
        layers = {"villages": cells}
        if result.coverage is not None:
            layers["coverage"] = hexagon_coverage(result.coverage, resolution=resolution)
        written["hexagons.gpkg"] = write_gpkg_layers(layers, folder / "hexagons.gpkg")
    settings = result.project.rasters
    if settings.write if rasters is None else rasters:
        from .rasters import coverage_rasters

        written.update(coverage_rasters(
            result.layers.sites, result.model, area=result.layers.communes, crs=result.layers.crs,
            folder=folder, resolution_m=settings.resolution_m,
            technologies=list(settings.technologies) if settings.technologies else None,
            on_tile=on_tile,
        ))  # fmt: skip
    result.outputs = written
    logger.info("wrote %d files to %s", len(written), folder)
    return written


def run(project: Project, *, write: bool = True, rasters: bool | None = None,
        self_contained: bool | None = None, hexagons: int | None = None,
        engine: str | None = None, scheduler: str | None = None,
        on_step: Step | None = None, on_tile=None) -> Result:  # fmt: skip
    """Load, classify, aggregate and (optionally) write a project's outputs.

    Parameters
    ----------
    project : Project
        From :func:`~whitezone.project.read_project`.
    write : bool
        Write the output files into ``project.output``.
    rasters : bool, optional
        Write best-server rasters too (default the project's ``[rasters] write``).
    self_contained : bool, optional
        Map usable offline (default the project's ``[map] self_contained``).
    hexagons : int, optional
        H3 resolution of the hexagon outputs (default the project's).
    engine, scheduler : str, optional
        See :func:`analyse`.
    on_step : callable, optional
        Progress callback, called with each step's name.
    on_tile : callable, optional
        Raster progress callback (tiles done, tiles in all).

    Returns
    -------
    Result
    """
    if on_step:
        on_step("load layers")
    layers = load_layers(project)
    result = analyse(layers, project, on_step=on_step, engine=engine, scheduler=scheduler)
    if write:
        if on_step:
            on_step("write outputs")
        write_outputs(result, rasters=rasters, self_contained=self_contained, hexagons=hexagons,
                      on_tile=on_tile)  # fmt: skip
    return result
