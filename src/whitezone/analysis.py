"""The computation of a run, one way: model -> classify -> aggregate.

:func:`analyse` takes loaded layers (:func:`~whitezone.layers.load_layers`)
and returns a :class:`~whitezone.result.Result`: every village classified,
every indicator per commune, district and province, checked to reconcile.
It writes nothing; :func:`whitezone.pipeline.run` loads, analyses and writes.
:data:`STEPS` names the steps a progress display shows, in order.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd

from .broadband import broadband_by_commune, within_reach
from .capacity import capacity_check
from .classify import classify_points, classify_villages, technologies_of
from .crs import equal_area_crs
from .engine import LOCAL_SCHEDULERS, DaskModel, dask_client
from .facilities import classify_pois, poi_summary
from .grid import coverage_grid
from .indicators import (
    area_coverage,
    check_reconciliation,
    commune_indicators,
    site_counts,
    summarise,
)
from .layers import Layers, assign_communes
from .models import CoverageModel, model_for
from .operators import operator_classes, operator_summary
from .population import population_by_class
from .postal import nearest_distance_km, postal_by_commune, service_radius_km
from .project import Project
from .result import Result
from .validation import compare, pair_measurements

__all__ = ["MAX_GRID_CELLS", "STEPS", "analyse", "area_grid_m", "model_for"]

Step = Callable[[str], None]

#: The steps of a run, in order, as a progress display names them (the first
#: and last are :func:`whitezone.pipeline.run`'s).
STEPS: tuple[str, ...] = ("load layers", "classify villages", "postal and broadband",
                          "sites and area", "operators and points of interest", "indicators",
                          "write outputs")  # fmt: skip

#: Most cells in the box of the coverage grid unless the project sets its
#: resolution: a national box at 250 m would be 20 million cells (minutes, and
#: map images of hundreds of MB); the grid coarsens instead.
MAX_GRID_CELLS = 4_000_000


def area_grid_m(project: Project, model: CoverageModel, *,
                box_area_m2: float | None = None) -> float:  # fmt: skip
    """The coverage grid's cell size for a run.

    The project's ``[map] area_resolution_m`` when set; else the model's
    default (:attr:`~whitezone.models.CoverageModel.area_grid_m`), coarsened
    so the grid's box holds at most :data:`MAX_GRID_CELLS`.
    """
    if project.area_resolution_m:
        return project.area_resolution_m
    default = model.area_grid_m
    if box_area_m2:
        default = max(default, float(np.ceil(np.sqrt(box_area_m2 / MAX_GRID_CELLS) / 50.0) * 50.0))
    return default


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
    step(STEPS[1])
    villages = classify_villages(layers.villages, layers.sites, model=model, crs=layers.crs,
                                 technologies=techs)  # fmt: skip
    communes = layers.communes.copy()
    centers = gpd.GeoSeries.from_xy(communes["center_lon"], communes["center_lat"], crs=4326)
    center_classes = classify_points(centers, layers.sites, model=model, crs=layers.crs,
                                     technologies=techs)  # fmt: skip
    communes["center_class"] = center_classes["class_any"].astype("string").to_numpy()

    step(STEPS[2])
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
    radius = None
    if layers.post_offices is not None:
        # "Beyond R" uses the run's average service radius, the figure reports publish.
        radius = float(service_radius_km(communes["area_km2"].sum(), len(layers.post_offices)))
        extra.append(postal_by_commune(villages, layers.post_offices, radius_km=radius,
                                       max_distance_km=project.post_max_distance_km))  # fmt: skip
    if "fixed_broadband" in villages and villages["fixed_broadband"].notna().any():
        extra.append(broadband_by_commune(villages, communes))

    step(STEPS[3])
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

    step(STEPS[4])
    by_operator = operator_classes(villages, layers.sites, model=model, crs=layers.crs,
                                   technologies=techs)  # fmt: skip
    villages["operators_good"] = _names_where(by_operator, "good")
    villages["operators_weak"] = _names_where(by_operator, "weak")
    pois = None
    if layers.pois is not None:
        pois = classify_pois(layers.pois, layers.sites, model=model, crs=layers.crs,
                             technologies=techs, communes=communes, fiber=layers.fiber,
                             reach_km=project.broadband_reach_km)  # fmt: skip

    step(STEPS[5])
    # Busy-hour demand against each cell's capacity: villages and schools short of it.
    capacity = capacity_check(villages, settings=project.capacity, technologies=techs, pois=pois)
    _add_capacity(villages, capacity.villages, capacity.technologies)
    if pois is not None and capacity.schools is not None:
        _add_capacity(pois, capacity.schools, capacity.technologies)
    extra.append(capacity.communes)
    table = commune_indicators(villages, communes, technologies=techs, extra=extra)
    summaries = summarise(table, province_name=project.name)
    check_reconciliation(villages, summaries, techs)
    names = summaries.communes[["commune_id", "commune", "district", "province"]]
    site_commune, _ = assign_communes(layers.sites.geometry, communes, snap_km=0.0)
    summaries.operators = operator_summary(villages, by_operator, layers.sites, names, site_commune)
    if pois is not None:
        summaries.pois = poi_summary(pois, names)
    checked = None
    if layers.measurements is not None and len(layers.measurements):
        checked = compare(layers.measurements, pair_measurements(layers.measurements, layers.sites,
                                                                  model, crs=layers.crs),
                          model, budgets=project.model.budgets)  # fmt: skip
    timings[current[0]] = time.perf_counter() - clock
    commune_layer = communes[["commune_id", "geometry"]].merge(
        summaries.communes, on="commune_id", how="left"
    )
    return Result(project=project, layers=layers, villages=villages, communes=commune_layer,
                  summaries=summaries, technologies=techs, model=model, pois=pois,
                  coverage=grid, service_radius_km=radius, validation=checked,
                  capacity=capacity, timings=timings)  # fmt: skip


def _add_capacity(frame: pd.DataFrame, check: pd.DataFrame, technologies: list[str]) -> None:
    """Add ``capacity_ok_<tech>`` and ``load_<tech>`` to the run's own ``frame`` (<NA> on rows off ``check``)."""
    for tech in technologies:
        for col in (f"capacity_ok_{tech.lower()}", f"load_{tech.lower()}"):
            frame[col] = check[col].reindex(frame.index)


def _names_where(classes: pd.DataFrame, value: str) -> pd.Series:
    """Per row, the comma-joined columns (operators) whose class is ``value``."""
    out = pd.Series("", index=classes.index, dtype=object)
    for name in classes.columns:
        hit = (classes[name] == value).fillna(False).to_numpy(dtype=bool)
        out[hit] = out[hit] + np.where(out[hit] == "", "", ", ") + name
    return out.astype("string")
