"""The ``whitezone`` command: a thin layer over the public functions.

Exit status: 0 success, 2 bad input (a message, no traceback), 1 internal error.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import InputError, WhitezoneError

logger = logging.getLogger(__name__)


def _print_warnings(caught: list[warnings.WarningMessage], quiet: bool) -> None:
    """Print warnings once each; a model's validity note repeated per batch is summed up."""
    if quiet:
        return
    from .errors import ModelValidityWarning

    seen: dict[str, int] = {}
    for w in caught:
        text = str(w.message)
        key = text.split(";")[0] if issubclass(w.category, ModelValidityWarning) else text
        if key in seen:
            seen[key] += 1
            continue
        seen[key] = 0
        print(f"warning: {text}", file=sys.stderr)
    for key, more in seen.items():
        if more:
            print(f"warning: ({more} more batch(es) with the same note: {key})", file=sys.stderr)


def _headline(result) -> str:
    """The province figures a report quotes, as a short text table.

    A run over several provinces prints their total (the per-province
    figures are in ``summary_province.csv``), not one block per province.
    """
    from .report.tables import total_row

    rows = []
    prov = result.summaries.province
    if len(prov) > 1:
        total = total_row(result)
        rows.append(("provinces", f"{len(prov)} (each in summary_province.csv)"))
        prov = total.to_frame().T.assign(province=result.project.name)
    for _, p in prov.iterrows():
        rows.append(("province" if len(rows) == 0 else "total", str(p["province"])))
        rows.append(("communes / villages / population",
                     f"{int(p['communes'])} / {int(p['villages'])} / {p['population']:,.0f}"))  # fmt: skip
        rows.append(("villages with no signal", f"{int(p['villages_none'])} ({p['pct_none']:.1f} %)"))
        rows.append(("villages with weak signal", f"{int(p['villages_weak'])} ({p['pct_weak']:.1f} %)"))
        rows.append(("villages with good signal", f"{int(p['villages_good'])} ({p['pct_good']:.1f} %)"))
        if p["villages_unclassified"]:
            rows.append(("villages not classified", f"{int(p['villages_unclassified'])}"))
        if "centers_covered" in p:
            rows.append(("commune centres covered", f"{int(p['centers_covered'])} of {int(p['communes'])}"))
        if "post_points" in p:
            rows.append(("postal points", f"{int(p['post_points'])}"))
            if "service_radius_km" in p:
                rows.append(("average service radius R", f"{p['service_radius_km']:.3f} km"))
            rows.append(("people per postal point", f"{p['people_per_post']:,.0f}"))
            rows.append(("communes with a commune post office",
                         f"{int(p['communes_with_commune_post_office'])} of {int(p['communes'])}"))  # fmt: skip
        if "villages_no_broadband" in p:
            rows.append(("villages without fixed broadband",
                         f"{int(p['villages_no_broadband'])} ({p['pct_no_broadband']:.1f} %)"))  # fmt: skip
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"  {k:<{width}}  {v}" for k, v in rows)


def _project(args: argparse.Namespace):
    """The project a command names (default the embedded sample), with -o applied."""
    from .project import read_project, sample_project

    project = read_project(args.project) if args.project else sample_project()
    if getattr(args, "output", None):
        project = project.with_output(args.output)
    return project


def _print_outputs(folder, written) -> None:
    print(f"\nOutputs in {folder}:")
    for name in written:
        print(f"  {name}")


def cmd_run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .pipeline import run

    project = _project(args)
    if args.lang:
        from dataclasses import replace

        project = replace(project, lang=args.lang)
    if not args.project and not args.quiet:
        print(f"No project file given: running the embedded sample province ({project.name}).")
    steps = ["load layers", "classify villages", "postal and broadband", "sites and area",
             "operators and points of interest", "indicators", "write outputs"]  # fmt: skip
    with tqdm(total=len(steps), disable=args.quiet, file=sys.stderr, unit="step",
              bar_format="{desc:<22} {bar:20} {n_fmt}/{total_fmt} [{elapsed}]") as bar:  # fmt: skip
        started: list[str] = []

        def on_step(name: str) -> None:
            # A step is counted done when the next one starts.
            if started:
                bar.update(1)
            started.append(name)
            bar.set_description_str(name)

        raster_bar = None

        def on_tile(done: int, total: int) -> None:
            nonlocal raster_bar
            if raster_bar is None:
                raster_bar = tqdm(total=total, disable=args.quiet, file=sys.stderr,
                                  unit="tile", desc="rasters", leave=False)  # fmt: skip
            raster_bar.update(1)

        inline = True if args.self_contained else False if args.cdn else None
        result = run(project, write=True, rasters=True if args.rasters else None,
                     self_contained=inline, hexagons=args.hexagons, engine=args.engine,
                     scheduler=args.scheduler, on_step=on_step, on_tile=on_tile)  # fmt: skip
        if raster_bar is not None:
            raster_bar.close()
        bar.update(1)
    if not args.quiet:
        print(_headline(result))
        _print_outputs(project.output, result.outputs)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .layers import load_layers

    project = _project(args)
    layers = load_layers(project)
    print(f"{project.name}: inputs are valid.")
    summary = layers.summary()
    print(summary.to_string(index=False))
    print(f"metric CRS for distances: {layers.crs.to_string()} ({layers.crs.name})")
    sites = layers.sites
    by_tech = sites.groupby(["technology", "status"]).size().unstack(fill_value=0)
    print("\nsite-technologies by status:")
    print(by_tech.to_string())
    repairs = layers.repairs_table()
    if len(repairs):
        print("\nrepairs and warnings:")
        print(repairs[["layer", "kind", "count", "message"]].to_string(index=False))
    else:
        print("\nno repair was needed.")
    return 0


def cmd_viewshed(args: argparse.Namespace) -> int:
    from .errors import Problem
    from .layers import load_layers
    from .terrain import load_dem
    from .viewshed import dem_viewshed

    project = _project(args)
    layers = load_layers(project)
    source = str(project.path or "project")
    if layers.dem is None:
        raise InputError(Problem(source, 'a viewshed needs a DEM: add dem = "..." under [layers]'))
    site = layers.sites[layers.sites["site_id"] == args.site]
    if site.empty:
        known = ", ".join(layers.sites["site_id"].astype(str).unique()[:10])
        raise InputError(Problem(source, f"no site {args.site!r}; sites include {known}, ..."))
    point = site.to_crs(layers.crs).geometry.iloc[0]
    if args.height_m:
        height = args.height_m
    elif site["height_m"].notna().any():
        height = float(site["height_m"].max())
    else:
        height = 30.0
    reach = args.max_distance_km * 1000.0
    dem = load_dem(layers.dem, crs=layers.crs, margin_m=reach,
                   bounds=(point.x, point.y, point.x, point.y))  # fmt: skip
    out = Path(args.output or Path(project.output) / f"viewshed_{args.site}.tif")
    seen = dem_viewshed(dem, point.x, point.y, observer_height_m=height,
                        target_height_m=args.target_height_m, max_distance_m=reach,
                        out_path=out)  # fmt: skip
    area = seen.sum() * dem.resolution_m**2 / 1e6
    print(f"site {args.site}: mast {height:g} m, {area:,.1f} km² visible within "
          f"{args.max_distance_km:g} km (DEM cells of {dem.resolution_m:.0f} m) -> {out}")  # fmt: skip
    return 0


def cmd_scenario(args: argparse.Namespace) -> int:
    from .layers import load_layers
    from .pipeline import analyse
    from .project import ScenarioSettings
    from .scenarios import run_scenario, write_scenarios
    from .technology import normalise_technology

    project = _project(args)
    scenarios = list(project.scenarios)
    flags = (args.switch_off or args.activate_planned or args.remove_operator or args.remove_site
             or args.add_sites or args.share_sites)  # fmt: skip
    if flags:
        techs = [normalise_technology(t) for t in args.switch_off or []]
        if None in techs:
            raise InputError(f"--switch-off: unknown technology in {args.switch_off}; use 2G, 3G, 4G, 5G")
        scenarios = [ScenarioSettings(
            name=args.name or "cli", label=args.name or "command line", switch_off=tuple(techs),
            activate_planned=args.activate_planned, remove_operators=tuple(args.remove_operator or ()),
            remove_sites=tuple(args.remove_site or ()), share_sites=args.share_sites,
            add_sites=Path(args.add_sites).resolve() if args.add_sites else None,
        )]  # fmt: skip
    elif args.name:
        scenarios = [s for s in scenarios if s.name == args.name]
        if not scenarios:
            names = ", ".join(s.name for s in project.scenarios) or "none"
            raise InputError(f"no scenario {args.name!r} in the project; scenarios: {names}")
    if not scenarios:
        raise InputError("no scenario to run: add [scenarios.<name>] tables to the project file "
                         "or give changes such as --switch-off 2G")  # fmt: skip
    result = analyse(load_layers(project), project)
    runs = [run_scenario(result, s) for s in scenarios]
    written = write_scenarios(result, runs, project.output,
                              self_contained=True if args.self_contained else None)  # fmt: skip
    if not args.quiet:
        for run in runs:
            p = run.province.sum(numeric_only=True)
            print(f"{run.scenario.label or run.scenario.name}: no signal {int(p['villages_none_before'])}"
                  f" -> {int(p['villages_none_after'])} villages, weak {int(p['villages_weak_before'])}"
                  f" -> {int(p['villages_weak_after'])}; {int(p['villages_lose'])} villages "
                  f"({p['population_lose']:,.0f} people) lose service, {int(p['villages_gain'])} gain")  # fmt: skip
        _print_outputs(project.output, written)
    return 0


def cmd_sites(args: argparse.Namespace) -> int:
    from .layers import load_layers
    from .pipeline import analyse
    from .siting import plan_sites, write_plan

    project = _project(args)
    options = dict(project.siting)
    for name, value in (("k", args.budget), ("cost_budget", args.cost_budget),
                        ("candidates", args.candidates), ("target", args.target),
                        ("technology", args.technology), ("time_limit_s", args.time_limit)):  # fmt: skip
        if value is not None:
            options[name] = value
    if "cost_budget" in options and args.budget is None and "k" not in project.siting:
        options["k"] = None
    options.setdefault("k", 20)
    if "candidates" in options and not isinstance(options["candidates"], str):
        options["candidates"] = list(options["candidates"])
    options["budget"] = options.pop("cost_budget", None)
    result = analyse(load_layers(project), project)
    plan = plan_sites(result, **options)
    written = write_plan(result, plan, project.output)
    if not args.quiet:
        s = plan.summary()
        print(f"{s['demand_villages']} villages ({s['demand_population']:,.0f} people) to cover; "
              f"{s['coverable_villages']} can be reached by some candidate.")  # fmt: skip
        gap = "optimal" if s["gap"] == 0 else f"gap {100 * s['gap']:.2f} %"
        print(f"{s['sites']} sites chosen ({s['method']}, {gap}, {s['seconds']:.1f} s) cover "
              f"{s['covered_villages']} villages, {s['covered_population']:,.0f} people = "
              f"{100 * s['covered_share']:.1f} % of the people to cover.")  # fmt: skip
        cols = [c for c in ("rank", "candidate_id", "technology", "new_villages", "new_population",
                            "cumulative_share", "cost_per_person") if c in plan.table]  # fmt: skip
        print(plan.table[cols].head(args.show).to_string(index=False))
        _print_outputs(project.output, written)
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    from .sample import make_sample

    paths = make_sample(args.outdir, seed=args.seed)
    print(f"Wrote the synthetic sample province (seed {args.seed}) to {args.outdir}:")
    for name, path in paths.items():
        print(f"  {name}: {Path(path).name}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="whitezone",
        description="Where people have no mobile signal, weak signal, no post office within "
        "reach or no fixed broadband.",
    )
    parser.add_argument("--version", action="version", version=f"whitezone {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log each step")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="classify villages, compute indicators, write tables and map")
    p.add_argument("project", nargs="?", help="project file (TOML); default the embedded sample")
    p.add_argument("-o", "--output", help="output folder (default: the project's output)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    p.add_argument("--lang", choices=["vi", "en"],
                   help="language of the report and map (default: the project's, else vi)")  # fmt: skip
    group = p.add_mutually_exclusive_group()
    group.add_argument("--self-contained", action="store_true",
                       help="map.html with Leaflet inlined: opens with no network (the default "
                       "unless the project sets [map] self_contained = false)")  # fmt: skip
    group.add_argument("--cdn", action="store_true",
                       help="map.html loading Leaflet from CDNs (smaller; needs the internet)")
    p.add_argument("--engine", choices=["single", "dask"],
                   help="dask: classify by spatial tiles on a Dask cluster (pip install "
                   "'whitezone[dask]'); default the project's [engine] kind, else single")  # fmt: skip
    p.add_argument("--scheduler", metavar="ADDR",
                   help="Dask scheduler address (default a local cluster)")
    p.add_argument("--hexagons", type=int, metavar="RES",
                   help="also aggregate to H3 hexagons of this resolution (7: 5.16 km²); "
                   "needs pip install 'whitezone[h3]'")  # fmt: skip
    p.add_argument("--rasters", action="store_true",
                   help="also write best-server signal rasters (GeoTIFF) per technology")  # fmt: skip
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("check", help="validate the inputs only and report what was found")
    p.add_argument("project", nargs="?", help="project file (TOML); default the embedded sample")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("viewshed", help="write a site's viewshed (GeoTIFF) from the project's DEM")
    p.add_argument("project", nargs="?", help="project file (TOML); default the embedded sample")
    p.add_argument("--site", required=True, help="site_id of the observer")
    p.add_argument("--max-distance-km", type=float, default=15.0, help="default 15")
    p.add_argument("--height-m", type=float, help="mast height; default the site's, else 30")
    p.add_argument("--target-height-m", type=float, default=1.5, help="default 1.5 (a handset)")
    p.add_argument("-o", "--output", help="GeoTIFF to write (default <output>/viewshed_<site>.tif)")
    p.set_defaults(func=cmd_viewshed)

    p = sub.add_parser("scenario", help="what-if: switch off technologies, add or remove sites, "
                       "share sites; compare village by village")  # fmt: skip
    p.add_argument("project", nargs="?", help="project file (TOML); default the embedded sample")
    p.add_argument("--name", help="run only this [scenarios.<name>] (or name the flags' scenario)")
    p.add_argument("--switch-off", nargs="+", metavar="TECH", help="technologies switched off")
    p.add_argument("--activate-planned", action="store_true", help="planned sites go on air")
    p.add_argument("--remove-operator", nargs="+", metavar="NAME", help="operators leaving")
    p.add_argument("--remove-site", nargs="+", metavar="SITE_ID", help="sites dismantled")
    p.add_argument("--add-sites", metavar="FILE", help="a sites file of new sites")
    p.add_argument("--share-sites", action="store_true", help="every operator may use every site")
    p.add_argument("--self-contained", action="store_true", help="map usable with no network")
    p.add_argument("-o", "--output", help="output folder (default: the project's output)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(func=cmd_scenario)

    p = sub.add_parser("sites", help="choose universal-service sites covering the most people "
                       "still without signal (maximal covering)")  # fmt: skip
    p.add_argument("project", nargs="?", help="project file (TOML); default the embedded sample")
    p.add_argument("--budget", type=int, metavar="K", help="number of sites to choose (default 20)")
    p.add_argument("--cost-budget", type=float, metavar="AMOUNT",
                   help="total cost allowed (candidates' cost column; 1 each by default)")  # fmt: skip
    p.add_argument("--candidates", nargs="+", metavar="KIND",
                   help="villages, grid, hilltops or a file of points (default villages)")
    p.add_argument("--target", choices=["none", "weak"],
                   help="cover villages without signal (none, default) or also weak ones")  # fmt: skip
    p.add_argument("--technology", help="technology of the new sites (default 4G)")
    p.add_argument("--time-limit", type=float, metavar="S", help="solver time limit (default 60 s)")
    p.add_argument("--show", type=int, default=20, help="rows of the ranking to print")
    p.add_argument("-o", "--output", help="output folder (default: the project's output)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(func=cmd_sites)

    p = sub.add_parser("sample", help="write the synthetic sample province")
    p.add_argument("outdir", help="folder to write into")
    p.add_argument("--seed", type=int, default=2020, help="random seed (default 2020)")
    p.set_defaults(func=cmd_sample)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``whitezone`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")  # fmt: skip
    # Dask's cluster chatter is not the planner's business, even with -v.
    # distributed sets its loggers' levels from its config when it is first
    # imported (lazily, by --engine dask), so the config says it too.
    logging.getLogger("distributed").setLevel(logging.WARNING)
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    quiet = getattr(args, "quiet", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            status = args.func(args)
        except InputError as exc:
            _print_warnings(caught, quiet)
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except WhitezoneError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130
    from .errors import RepairWarning, WhitezoneWarning

    shown = [w for w in caught if issubclass(w.category, WhitezoneWarning)
             or "whitezone" in str(w.filename)]  # fmt: skip
    if args.command == "check":  # its repairs table already lists them
        shown = [w for w in shown if not issubclass(w.category, RepairWarning)]
    _print_warnings(shown, quiet)
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
