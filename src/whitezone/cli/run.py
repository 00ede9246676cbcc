"""``whitezone run``: classify, summarise, write the tables, report and map."""

from __future__ import annotations

import argparse
import sys

from tqdm import tqdm

from ..outputs import write_postgis
from ..pipeline import STEPS, run
from ..postgis import DEFAULT_SCHEMA, check_connection
from ..report import headline, headline_text
from ._common import add_project, print_outputs, project_of

__all__ = ["add_parser", "command"]


def add_parser(sub) -> argparse.ArgumentParser:
    """The ``run`` subcommand and its options."""
    p = sub.add_parser("run", help="classify villages, compute indicators, write tables and map")
    add_project(p)
    group = p.add_mutually_exclusive_group()
    group.add_argument("--self-contained", action="store_true",
                       help="map.html with Leaflet inlined: opens with no network (the default "
                       "unless the project sets [map] self_contained = false)")  # fmt: skip
    group.add_argument("--cdn", action="store_true",
                       help="map.html loading Leaflet from CDNs (smaller; needs the internet)")
    p.add_argument("--engine", choices=["single", "dask"],
                   help="dask: classify by spatial tiles on a Dask cluster (pip install "
                   "'whitezone[dask]'); default the project's [engine] kind, else single")  # fmt: skip
    p.add_argument("--scheduler", metavar="ADDR", help="Dask scheduler address (default a local cluster)")
    p.add_argument("--hexagons", type=int, metavar="RES", choices=range(16),
                   help="also aggregate to H3 hexagons of this resolution, 0-15 (7: 5.16 km²); "
                   "needs pip install 'whitezone[h3]'")  # fmt: skip
    p.add_argument("--rasters", action="store_true",
                   help="also write best-server signal rasters (GeoTIFF) per technology")
    p.add_argument("--to", metavar="URL",
                   help="also write the villages, communes and summaries as PostGIS tables: "
                   "postgresql://user:password@host/database?schema=wz_2026 or a GDAL "
                   "'PG:dbname=...' string (schema default whitezone); replaced in one "
                   "transaction; needs pip install 'whitezone[postgis]'")  # fmt: skip
    p.set_defaults(func=command)
    return p


def command(args: argparse.Namespace) -> int:
    """Run the project; print the headline and the files written."""
    project = project_of(args)
    # A wrong password or host is reported now, not after the run.
    database = check_connection(args.to) if args.to else None
    with tqdm(total=len(STEPS), disable=args.quiet, file=sys.stderr, unit="step",
              bar_format="{desc:<32} {bar:20} {n_fmt}/{total_fmt} [{elapsed}]") as bar:  # fmt: skip
        started: list[str] = []

        def on_step(name: str) -> None:
            # A step is counted done when the next one starts.
            if started:
                bar.update(1)
            started.append(name)
            bar.set_description_str(name)

        tiles = None

        def on_tile(done: int, total: int) -> None:
            nonlocal tiles
            if tiles is None:
                tiles = tqdm(total=total, disable=args.quiet, file=sys.stderr, unit="tile",
                             desc="rasters", leave=False)  # fmt: skip
            tiles.update(1)

        inline = True if args.self_contained else False if args.cdn else None
        result = run(project, write=True, rasters=True if args.rasters else None,
                     self_contained=inline, hexagons=args.hexagons, engine=args.engine,
                     scheduler=args.scheduler, on_step=on_step, on_tile=on_tile)  # fmt: skip
        if tiles is not None:
            tiles.close()
        bar.update(1)
    if not args.quiet:
        print(headline_text(headline(result)))
        print_outputs(project, project.output, result.outputs)
    if database is not None:
        written = write_postgis(result, database)
        if not args.quiet:
            tables = ", ".join(f"{name} ({rows})" for name, rows in written.items())
            print(f"tables in {database}, schema {database.schema or DEFAULT_SCHEMA}: {tables}")
    return 0
