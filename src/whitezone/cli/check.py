"""``whitezone check``: validate the inputs only and say what was found."""

from __future__ import annotations

import argparse

from ..i18n import Messages
from ..layers import load_layers
from ..models import model_for
from ._common import add_project, project_of

__all__ = ["add_parser", "command"]


def add_parser(sub) -> argparse.ArgumentParser:
    """The ``check`` subcommand."""
    p = sub.add_parser("check", help="validate the inputs only and report what was found")
    add_project(p, output=False, quiet=False)
    p.set_defaults(func=command, quiet=False)
    return p


def command(args: argparse.Namespace) -> int:
    """Load every layer and build the model; print the layers, the CRS, the sites by status and the repairs."""
    project = project_of(args)
    t = Messages(project.lang)
    layers = load_layers(project)
    # The model's own needs too (a DEM, the antenna patterns the sites name): what run would refuse.
    model_for(project, layers)
    print(t("check.valid", name=project.name))
    print(layers.summary().to_string(index=False))
    print(t("check.crs", crs=f"{layers.crs.to_string()} ({layers.crs.name})"))
    sites = layers.sites
    print("\n" + t("check.sites"))
    # Per technology a site counts once however many cells (sectors) it has.
    by_tech = sites.groupby(["technology", "status"]).agg(sites=("site_id", "nunique"), cells=("site_id", "size"))
    table = by_tech.apply(lambda r: f"{r['sites']} / {r['cells']}", axis=1).unstack(fill_value="0 / 0")
    print(table.to_string())
    repairs = layers.repairs_table()
    if len(repairs):
        print("\n" + t("check.repairs"))
        print(repairs[["layer", "kind", "count", "message"]].to_string(index=False))
    else:
        print("\n" + t("check.no_repairs"))
    return 0
