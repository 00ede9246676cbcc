"""``whitezone viewshed``: what a site's mast can see, as a GeoTIFF."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from ..dem import load_dem
from ..errors import InputError, Problem, known_names
from ..i18n import Messages
from ..layers import load_layers
from ..result import RunInfo
from ..staging import OutputFolder
from ..viewshed import dem_viewshed
from ._common import add_project, positive, project_of

__all__ = ["add_parser", "command"]


def add_parser(sub) -> argparse.ArgumentParser:
    """The ``viewshed`` subcommand and its options."""
    p = sub.add_parser("viewshed", help="write a site's viewshed (GeoTIFF) from the project's DEM")
    add_project(p, output=False)
    p.add_argument("--site", required=True,
                   help="site_id of the observer, or one of its cells (cell_id)")
    p.add_argument("--max-distance-km", type=positive, default=15.0, help="default 15")
    p.add_argument("--height-m", type=positive, help="mast height; default the site's, else 30")
    p.add_argument("--target-height-m", type=float, default=1.5, help="default 1.5 (a handset)")
    p.add_argument("-o", "--output", help="GeoTIFF to write (default <output>/viewshed_<site>.tif)")
    p.set_defaults(func=command)
    return p


def command(args: argparse.Namespace) -> int:
    """Compute one site's viewshed over the project's DEM and write it."""
    output, args.output = args.output, None  # a file here, not the project's folder
    project = project_of(args)
    layers = load_layers(project)
    source = str(project.path or "project")
    if layers.dem is None:
        raise InputError(Problem(source, 'a viewshed needs a DEM: add dem = "..." under [layers]'))
    site = layers.sites[layers.sites["site_id"] == args.site]
    if site.empty and "cell_id" in layers.sites:
        # A cell sees what its mast sees: the site's position and height.
        cell = layers.sites[layers.sites["cell_id"] == args.site]
        site = layers.sites[layers.sites["site_id"].isin(cell["site_id"])]
    if site.empty:
        names = layers.sites["site_id"]
        if "cell_id" in layers.sites and layers.sites["cell_id"].notna().any():
            names = pd.concat([names, layers.sites["cell_id"].dropna()])
        raise InputError(Problem("--site", f"no site or cell {args.site!r}; sites: "
                                 f"{known_names(names)}"))  # fmt: skip
    point = site.to_crs(layers.crs).geometry.iloc[0]
    if args.height_m:
        height = args.height_m
    elif site["height_m"].notna().any():
        height = float(site["height_m"].max())
    else:
        height = 30.0
    reach = args.max_distance_km * 1000.0
    dem = load_dem(layers.dem, crs=layers.crs, margin_m=reach, bounds=(point.x, point.y, point.x, point.y))
    kwargs = {"observer_height_m": height, "target_height_m": args.target_height_m,
              "max_distance_m": reach}  # fmt: skip
    if output:
        out = Path(output)
        seen = dem_viewshed(dem, point.x, point.y, out_path=out, **kwargs)
    else:
        name = f"viewshed_{args.site}.tif"
        run = asdict(RunInfo.new())
        with OutputFolder(project.output, command="viewshed", run=run, inputs=layers.checksums,
                          settings={"site": args.site, "height_m": height, **kwargs},
                          replace=False) as folder:  # fmt: skip
            seen = dem_viewshed(dem, point.x, point.y, out_path=folder.path(name), **kwargs)
        out = Path(project.output) / name
    area = seen.sum() * dem.resolution_m**2 / 1e6
    if not args.quiet:
        t = Messages(project.lang)
        print(t("viewshed.done", site=args.site, height=t.short(height), area=t.number(area, 1),
                distance=t.short(args.max_distance_km), cell=t.number(dem.resolution_m), path=out))  # fmt: skip
    return 0
