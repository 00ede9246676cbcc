"""``whitezone sites``: where new universal-service towers cover the most people without signal."""

from __future__ import annotations

import argparse
import os

import pandas as pd

from ..analysis import analyse
from ..errors import InputError, Problem
from ..i18n import Messages
from ..layers import load_layers
from ..outputs import write_plan
from ..report.fund import how_sure
from ..siting import plan_sites
from ..technology import TECHNOLOGIES, normalise_technology
from ._common import add_project, positive, print_outputs, project_of, whole

__all__ = ["add_parser", "command"]

#: Kinds of candidates besides a file of points.
KINDS = ("villages", "upgrades", "grid", "hilltops")


def add_parser(sub) -> argparse.ArgumentParser:
    """The ``sites`` subcommand and its options."""
    p = sub.add_parser("sites", help="choose universal-service sites covering the most people "
                       "still without signal (maximal covering)")  # fmt: skip
    add_project(p)
    p.add_argument("--budget", type=whole, metavar="K", help="number of sites to choose (default 20)")
    p.add_argument("--cost-budget", type=positive, metavar="AMOUNT",
                   help="total NPV cost allowed, in [costs] currency (with --costs given: the "
                   "candidates' cost column)")  # fmt: skip
    p.add_argument("--cover-all", action="store_true",
                   help="cover every white village some candidate reaches, at least cost")
    p.add_argument("--require-capacity", action="store_true",
                   help="a site covers only the villages its carrier can serve at the busy hour")
    p.add_argument("--costs", choices=["model", "given"],
                   help="price candidates by the cost model (default) or take their cost column")
    p.add_argument("--candidates", nargs="+", metavar="KIND",
                   help="villages, upgrades, grid, hilltops or a file of points (default villages)")
    p.add_argument("--target", choices=["none", "weak"],
                   help="cover villages without signal (none, default) or also weak ones")  # fmt: skip
    p.add_argument("--technology", help="technology of the new sites (default 4G)")
    p.add_argument("--time-limit", type=positive, metavar="S", help="solver time limit (default 60 s)")
    p.add_argument("--show", type=whole, default=20, help="rows of the ranking to print")
    p.set_defaults(func=command)
    return p


def _candidates(values: list[str]) -> list[str]:
    """Kinds as they are, files as paths; anything else is an error naming the kinds."""
    bad = [v for v in values if v not in KINDS and not os.path.isfile(v)]
    if bad:
        raise InputError(Problem("--candidates", f"{', '.join(map(repr, bad))} is neither a kind "
                                 f"of candidates ({', '.join(KINDS)}) nor a file of points"))  # fmt: skip
    return [v if v in KINDS else os.path.abspath(v) for v in values]


def options_of(args: argparse.Namespace, siting: dict) -> dict:
    """:func:`~whitezone.siting.plan_sites` options: the project's ``[siting]``, then the flags."""
    options = dict(siting)
    if args.technology is not None:
        tech = normalise_technology(args.technology)
        if tech is None:
            raise InputError(Problem("--technology", f"unknown technology {args.technology!r}; "
                                     f"expected {', '.join(TECHNOLOGIES)} (or GSM, UMTS, LTE, NR)"))  # fmt: skip
        options["technology"] = tech
    for name, value in (("k", args.budget), ("cost_budget", args.cost_budget),
                        ("target", args.target), ("time_limit_s", args.time_limit),
                        ("costs", args.costs),
                        ("objective", "cover_all" if args.cover_all else None),
                        ("require_capacity", True if args.require_capacity else None)):  # fmt: skip
        if value is not None:
            options[name] = value
    if args.candidates is not None:
        options["candidates"] = _candidates(args.candidates)
    if "cost_budget" in options and args.budget is None and "k" not in siting:
        options["k"] = None
    options.setdefault("k", 20)
    if "candidates" in options and not isinstance(options["candidates"], str):
        options["candidates"] = list(options["candidates"])
    options["budget"] = options.pop("cost_budget", None)
    return options


def command(args: argparse.Namespace) -> int:
    """Plan the sites; print the demand, the choice and its ranking."""
    project = project_of(args)
    t = Messages(project.lang)
    options = options_of(args, project.siting)
    result = analyse(load_layers(project), project)
    plan = plan_sites(result, **options)
    written = write_plan(result, plan)
    if args.quiet:
        return 0
    s = plan.summary()
    print(t("sites.demand", villages=t.number(s["demand_villages"]),
            people=t.number(s["demand_population"]), coverable=t.number(s["coverable_villages"])))  # fmt: skip
    if s["sites"] == 0:
        print(t("sites.none_chosen"))
    else:
        print(t("sites.chosen", sites=t.number(s["sites"]), how=how_sure(s, t),
                seconds=t.number(s["seconds"], 1), covered=t.number(s["covered_villages"]),
                people=t.number(s["covered_population"]), share=t.pct(100 * s["covered_share"])))  # fmt: skip
        if "subsidy" in s:
            print(t("sites.money", npv=t.number(s["npv_cost"]), currency=s["currency"],
                    capex=t.number(s["capex"]), subsidy=t.number(s["subsidy"]),
                    per_person=t.number(s["subsidy_per_person"], 2),
                    paying=t.number(s["sites_paying_for_themselves"]),
                    cheapest=s["cheapest_site"] or "-", cheapest_pp=t.number(s["cheapest_per_person"], 2),
                    dearest=s["dearest_site"] or "-", dearest_pp=t.number(s["dearest_per_person"], 2)))  # fmt: skip
        costs = options["budget"] is not None or plan.candidates.get("source", pd.Series()).eq("file").any()
        print(_ranking(plan.table.head(args.show), t, costs=bool(costs)))
    print_outputs(project, project.output, written)
    return 0


def _ranking(table: pd.DataFrame, t: Messages, *, costs: bool) -> str:
    """The chosen sites as a text table: numbers in the language's style, shares in percent."""
    columns = {"rank": t("map.rank"), "candidate_id": t("map.candidate_id"),
               "technology": t("column.technology"), "new_villages": t("map.new_villages"),
               "new_population": t("map.new_population"), "cumulative_share": t("map.cumulative_share")}  # fmt: skip
    money = "subsidy_per_person" in table
    if money:
        columns["backhaul"] = t("sites.backhaul")
        columns["subsidy_per_person"] = t("sites.subsidy_per_person")
    elif costs:
        columns["cost_per_person"] = t("sites.cost_per_person")
    shown = pd.DataFrame({label: table[col] for col, label in columns.items()})
    shown[columns["cumulative_share"]] = (100 * table["cumulative_share"]).map(lambda v: t.number(v, 1))
    for col in ("new_villages", "new_population", "rank"):
        shown[columns[col]] = table[col].map(t.number)
    if money:
        shown[columns["subsidy_per_person"]] = table["subsidy_per_person"].map(lambda v: t.number(v, 2))
    elif costs:
        shown[columns["cost_per_person"]] = table["cost_per_person"].map(lambda v: t.number(v, 2))
    return shown.to_string(index=False)
