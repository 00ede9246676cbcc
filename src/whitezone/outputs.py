"""Write a run's files: the tables, the report, the maps — one place for every writer.

:func:`write_outputs` writes the files of DESIGN §7 for a run,
:func:`write_scenarios` those of ``whitezone scenario`` and
:func:`write_plan` those of ``whitezone sites``.  Each is one transaction on
the output folder (:class:`~whitezone.staging.OutputFolder`): the folder
holds the previous complete set until the new one is complete, and
``run.json`` says which run made it.  The villages' columns come from
:func:`whitezone.schema.village_table`; point tables get ``lon``/``lat``
(:func:`whitezone.schema.with_lon_lat`); maps are self-contained unless the
project or the caller says otherwise.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import asdict, replace
from pathlib import Path

import geopandas as gpd
import pandas as pd

from .errors import InputError, Problem
from .files import atomic_path, write_csv, write_excel, write_gpkg, write_gpkg_layers, write_text
from .hexagons import hexagon_coverage, hexagon_summary
from .i18n import message
from .maps import coverage_map
from .maps.offline import save_map
from .maps.static import static_maps
from .postgis import DEFAULT_SCHEMA, DatabaseURL, parse_url, split_table, write_tables
from .rasters import coverage_rasters
from .report import html_to_pdf, report_docx, report_html, report_sheets
from .report.docx import sites_report_docx
from .report.html import sites_report_html, validation_html
from .result import Result, Validation
from .schema import village_table, with_lon_lat
from .staging import OutputFolder
from .styles import (
    backhaul_style,
    commune_style,
    hexagon_styles,
    post_layers,
    post_styles,
    priority_style,
    site_style,
    site_table,
    village_style,
)
from .tuning import CalibrationResult

__all__ = ["write_calibration", "write_outputs", "write_plan", "write_postgis", "write_scenarios",
           "write_validation"]

logger = logging.getLogger(__name__)


@contextlib.contextmanager
def _transaction(result: Result, folder, command: str, **settings) -> Iterator[OutputFolder]:
    """The output folder of a command, with the run's manifest."""
    folder = Path(folder or result.project.output)
    p = result.project
    recorded = {"project": p.name, "model": p.model.kind, "lang": p.lang, **settings}
    with OutputFolder(folder, command=command, run=asdict(result.run),
                      inputs=result.layers.checksums, settings=recorded) as out:  # fmt: skip
        yield out
    logger.info("wrote %d files to %s", len(out.written), folder)


def _paths(out: OutputFolder) -> dict[str, Path]:
    return {name: out.folder / name for name in out.written}


def _map(result: Result, out: OutputFolder, name: str, fmap, self_contained: bool | None) -> None:
    inline = result.project.self_contained_map if self_contained is None else self_contained
    save_map(fmap, out.path(name), self_contained=inline)


def _points(out: OutputFolder, stem: str, frame: gpd.GeoDataFrame, *, gpkg: bool, style=None) -> None:
    """A point table as ``<stem>.csv`` (with lon/lat) and, when asked, ``<stem>.gpkg`` (with its QGIS style)."""
    if gpkg:
        write_gpkg(frame, out.path(f"{stem}.gpkg"), layer=stem, styles={stem: style} if style else None)
    write_csv(with_lon_lat(frame), out.path(f"{stem}.csv"))


def write_outputs(result: Result, folder: str | Path | None = None, *,
                  rasters: bool | None = None, self_contained: bool | None = None,
                  hexagons: int | None = None,
                  on_tile: Callable[[int, int], None] | None = None) -> dict[str, Path]:  # fmt: skip
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
        File name -> path written (``run.json`` last).
    """
    s = result.summaries
    names = result.layers.communes.set_index("commune_id")["commune"]
    resolution = result.project.hexagon_resolution if hexagons is None else hexagons
    settings = result.project.rasters
    with _transaction(result, folder, "run") as out:
        villages = village_table(result.villages, technologies=result.technologies,
                                 signal=result.model.yields_dbm, commune_names=names)  # fmt: skip
        lang = result.project.lang
        _points(out, "villages", villages, gpkg=True, style=village_style(lang=lang))
        write_gpkg(result.communes, out.path("communes.gpkg"), layer="communes",
                   styles={"communes": commune_style(lang=lang)})  # fmt: skip
        _gis_layers(result, out, lang)
        write_csv(s.communes, out.path("summary_communes.csv"))
        if s.districts is not None:
            write_csv(s.districts, out.path("summary_districts.csv"))
        write_csv(s.province, out.path("summary_province.csv"))
        if s.operators is not None:
            write_csv(s.operators, out.path("summary_operators.csv"))
        if result.pois is not None:
            write_csv(s.pois, out.path("summary_pois.csv"))
            _points(out, "pois", result.pois, gpkg=False)
        repairs = result.layers.repairs_table()
        write_excel(report_sheets(result, repairs), out.path("report.xlsx"))
        figures = static_maps(result)
        html = report_html(result, repairs, figures=figures)
        write_text(html, out.path("report.html"))
        with atomic_path(out.path("report.docx")) as tmp:
            tmp.write_bytes(report_docx(result, repairs, figures=figures))
        pdf = html_to_pdf(html, lang=result.project.lang)   # None, logged, without Chromium
        if pdf is not None:
            with atomic_path(out.path("report.pdf")) as tmp:
                tmp.write_bytes(pdf)
        _map(result, out, "map.html", coverage_map(result), self_contained)
        if result.validation is not None:
            _validation_files(result, result.validation, out)
        if resolution is not None:
            cells = hexagon_summary(result.villages, resolution=resolution)
            write_csv(pd.DataFrame(cells.drop(columns="geometry")), out.path("summary_hexagons.csv"))
            layers = {"villages": cells}
            if result.coverage is not None:
                layers["coverage"] = hexagon_coverage(result.coverage, resolution=resolution)
            write_gpkg_layers(layers, out.path("hexagons.gpkg"), styles=hexagon_styles(layers, lang=lang))
        if settings.write if rasters is None else rasters:
            out.add(coverage_rasters(
                result.layers.sites, result.model, area=result.layers.communes,
                crs=result.layers.crs, folder=out.target, resolution_m=settings.resolution_m,
                technologies=list(settings.technologies) if settings.technologies else None,
                method=settings.method, on_tile=on_tile,
            ))  # fmt: skip
    result.outputs = {**_paths(out), "run.json": out.folder / "run.json"}
    return result.outputs


def _gis_layers(result: Result, out: OutputFolder, lang: str) -> None:
    """``sites.gpkg`` (the active sites by operator) and ``post_offices.gpkg`` (with the service rings)."""
    sites = result.layers.sites
    table = site_table(sites)
    if len(table):
        write_gpkg(table, out.path("sites.gpkg"), layer="sites",
                   styles={"sites": site_style(table, lang=lang, operators=sites["operator"].fillna("?"))})  # fmt: skip
    posts = post_layers(result.layers.post_offices, radius_km=result.service_radius_km, crs=result.layers.crs)
    if posts:
        write_gpkg_layers(posts, out.path("post_offices.gpkg"),
                          styles=post_styles(posts, lang=lang, radius_km=result.service_radius_km))  # fmt: skip


def _validation_files(result: Result, validation: Validation, out: OutputFolder) -> None:
    write_csv(validation.summary, out.path("validation_summary.csv"))
    write_csv(with_lon_lat(validation.points), out.path("validation_points.csv"))
    run = message("manifest.run", result.project.lang, **asdict(result.run))
    write_text(validation_html(validation, title=result.project.name, lang=result.project.lang,
                               run=run, communes=result.communes), out.path("validation.html"))  # fmt: skip


def write_validation(result: Result, validation: Validation,
                     folder: str | Path | None = None) -> dict[str, Path]:  # fmt: skip
    """Write ``validation_summary.csv``, ``validation_points.csv`` and ``validation.html``.

    Parameters
    ----------
    result : Result
        The run (its project, communes and run id).
    validation : Validation
        From :func:`whitezone.validation.validate`.

    Returns
    -------
    dict
        File name -> path.
    """
    with _transaction(result, folder, "validate") as out:
        _validation_files(result, validation, out)
    return _paths(out)


def write_calibration(result: Result, calibration: CalibrationResult,
                      folder: str | Path | None = None) -> dict[str, Path]:  # fmt: skip
    """Write ``calibration.toml`` (for ``[model] calibration``) and ``calibration_summary.csv``.

    The summary holds one row per correction with its cross-validated
    errors before and after.
    """
    table = calibration.table.merge(calibration.cross_validation.drop(columns=["measurements", "sites"]),
                                    on=["technology", "operator"], how="left")  # fmt: skip
    with _transaction(result, folder, "calibrate", folds=int(table["folds"].max())) as out:
        write_text(calibration.toml(), out.path("calibration.toml"))
        write_csv(table, out.path("calibration_summary.csv"))
    return _paths(out)


def write_scenarios(result: Result, runs: list, folder: str | Path | None = None, *,
                    self_contained: bool | None = None) -> dict[str, Path]:  # fmt: skip
    """Write each scenario's tables, a summary of all, and a map of the changes.

    Files: ``scenario_<name>_villages.csv`` (every village, class before and
    after, change), ``scenario_<name>_communes.csv``, ``scenarios.csv`` (one
    row per scenario and province: villages and people losing all signal,
    getting a worse signal and gaining) and ``map_scenarios.html`` (a layer
    per change and scenario).

    Parameters
    ----------
    result : Result
        The baseline run.
    runs : list of ScenarioResult
        From :func:`whitezone.scenarios.run_scenario`.

    Returns
    -------
    dict
        File name -> path.
    """
    rows = []
    names = [r.scenario.name for r in runs]
    with _transaction(result, folder, "scenario", scenarios=names) as out:
        for run in runs:
            name = run.scenario.name
            write_csv(with_lon_lat(run.villages), out.path(f"scenario_{name}_villages.csv"))
            write_csv(run.communes, out.path(f"scenario_{name}_communes.csv"))
            prov = run.province.copy()
            prov.insert(0, "scenario", name)
            prov.insert(1, "label", run.scenario.label or name)
            rows.append(prov)
        if rows:
            write_csv(pd.concat(rows, ignore_index=True), out.path("scenarios.csv"))
            _map(result, out, "map_scenarios.html", coverage_map(result, scenarios=runs),
                 self_contained)  # fmt: skip
    return _paths(out)


def write_plan(result: Result, plan, folder: str | Path | None = None, *,
               self_contained: bool | None = None) -> dict[str, Path]:  # fmt: skip
    """Write a plan's tables, its report (``report_sites.html`` / ``.docx``) and ``map_sites.html``.

    Files: ``priority_sites.csv`` / ``.gpkg`` (a priced plan's backhaul lines
    as the GeoPackage's second layer, ``backhaul``), ``priority_villages.csv``,
    ``priority_communes.csv``, ``report_sites.html`` and ``report_sites.docx``
    (the choice and what it costs: :func:`whitezone.report.fund.write_plan_report`)
    and ``map_sites.html`` (the sites as stars, their backhaul as lines).

    Parameters
    ----------
    result : Result
        The run the plan was made for.
    plan : PlanResult
        From :func:`whitezone.siting.plan_sites`.

    Returns
    -------
    dict
        File name -> path.
    """
    lang = result.project.lang
    links = plan.links if plan.links is not None and len(plan.links) else None
    with _transaction(result, folder, "sites", siting=plan.settings) as out:
        layers = {"priority_sites": plan.table}
        styles = {"priority_sites": priority_style(plan.table, lang=lang)}
        if links is not None:
            layers["backhaul"] = links
            styles["backhaul"] = backhaul_style(links, lang=lang)
        write_gpkg_layers(layers, out.path("priority_sites.gpkg"), styles=styles)
        write_csv(with_lon_lat(plan.table), out.path("priority_sites.csv"))
        write_csv(plan.assignments, out.path("priority_villages.csv"))
        write_csv(plan.communes(), out.path("priority_communes.csv"))
        write_text(sites_report_html(result, plan), out.path("report_sites.html"))
        with atomic_path(out.path("report_sites.docx")) as tmp:
            tmp.write_bytes(sites_report_docx(result, plan))
        _map(result, out, "map_sites.html",
             coverage_map(replace(result, priority_sites=plan.table), priority_links=links),
             self_contained)  # fmt: skip
    return _paths(out)


#: The tables :func:`write_postgis` writes (and replaces).
POSTGIS_TABLES = ("villages", "communes", "summary_communes", "summary_districts", "summary_province")


def write_postgis(result: Result, url: str | DatabaseURL, *, schema: str | None = None) -> dict[str, int]:
    """Write a run's villages, communes and summaries as PostGIS tables.

    The tables of :data:`POSTGIS_TABLES` hold what ``villages.gpkg``,
    ``communes.gpkg`` and the ``summary_*.csv`` files hold; they replace the
    previous run's in one transaction (:func:`whitezone.postgis.write_tables`):
    a failed write leaves them as they were.

    Parameters
    ----------
    result : Result
    url : str or DatabaseURL
        ``postgresql://user:password@host/database?schema=wz_2026`` or a
        ``PG:`` string; needs ``pip install "whitezone[postgis]"``.
    schema : str, optional
        Default the URL's ``?schema=``, else ``whitezone``.

    Returns
    -------
    dict
        Table name -> rows written.

    Raises
    ------
    InputError
        Bad URL, unreachable server, no permission, or a table that is one
        of the run's own inputs (password masked in every message).
    """
    url = parse_url(url)
    target = schema or url.schema or DEFAULT_SCHEMA
    for name, source in result.project.layers.items():
        path = source.path
        if not isinstance(path, DatabaseURL) or not (source.layer or path.table):
            continue
        # An input table the swap would drop: refused before anything is written.
        same = (path.host, path.port, path.database) == (url.host, url.port, url.database)
        read = split_table(source.layer or path.table, schema=path.schema, source=str(path))
        if same and read[0] == target and read[1] in POSTGIS_TABLES:
            raise InputError(Problem(f"{url} schema {target}", f"the {name} layer is read from "
                                     f"{read[0]}.{read[1]}, which the run would replace; write "
                                     "the results to another schema (?schema=...)"))  # fmt: skip
    s = result.summaries
    names = result.layers.communes.set_index("commune_id")["commune"]
    villages = village_table(result.villages, technologies=result.technologies,
                             signal=result.model.yields_dbm, commune_names=names)  # fmt: skip
    frames = {"villages": villages, "communes": result.communes, "summary_communes": s.communes,
              "summary_districts": s.districts, "summary_province": s.province}  # fmt: skip
    frames = {k: v for k, v in frames.items() if v is not None}
    write_tables(frames, url, schema=target, replace=POSTGIS_TABLES)
    return {name: len(frame) for name, frame in frames.items()}
