"""``whitezone scenario``: what-if — switch off technologies, add or remove sites, share sites."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from ..analysis import analyse
from ..errors import InputError, Problem
from ..i18n import Messages
from ..layers import load_layers
from ..layers._columns import fold
from ..outputs import write_scenarios
from ..project import ScenarioSettings
from ..scenarios import describe, run_scenario
from ..technology import TECHNOLOGIES, normalise_technology
from ._common import add_project, print_outputs, project_of

__all__ = ["add_parser", "command"]


def add_parser(sub) -> argparse.ArgumentParser:
    """The ``scenario`` subcommand and its options."""
    p = sub.add_parser("scenario", help="what-if: switch off technologies, add or remove sites, "
                       "share sites; compare village by village")  # fmt: skip
    add_project(p)
    p.add_argument("--name", help="run only this [scenarios.<name>] (or name the flags' scenario)")
    p.add_argument("--switch-off", nargs="+", metavar="TECH", help="technologies switched off")
    p.add_argument("--activate-planned", action="store_true", help="planned sites go on air")
    p.add_argument("--remove-operator", nargs="+", metavar="NAME", help="operators leaving")
    p.add_argument("--remove-site", nargs="+", metavar="SITE_ID", help="sites dismantled")
    p.add_argument("--add-sites", metavar="FILE", help="a sites file of new sites")
    p.add_argument("--share-sites", action="store_true", help="every operator may use every site")
    p.add_argument("--self-contained", action="store_true", help="map usable with no network")
    p.set_defaults(func=command)
    return p


def _slug(text: str) -> str:
    """A file-name-safe form of a label: ``Tắt sóng 2G, 3G`` -> ``tat_song_2g_3g``."""
    return fold(text)[:60] or "scenario"


def _from_flags(args: argparse.Namespace, lang: str) -> ScenarioSettings:
    techs = [normalise_technology(t) for t in args.switch_off or []]
    unknown = [t for t, norm in zip(args.switch_off or [], techs, strict=True) if norm is None]
    if unknown:
        raise InputError(Problem("--switch-off", f"unknown technology {', '.join(map(repr, unknown))}; "
                                 f"expected {', '.join(TECHNOLOGIES)} (or GSM, UMTS, LTE, NR)"))  # fmt: skip
    add = Path(args.add_sites) if args.add_sites else None
    if add is not None and not add.is_file():
        raise InputError(Problem("--add-sites", f"{add} is not a file"))
    settings = ScenarioSettings(
        name="", switch_off=tuple(dict.fromkeys(techs)), activate_planned=args.activate_planned,
        remove_operators=tuple(args.remove_operator or ()), remove_sites=tuple(args.remove_site or ()),
        share_sites=args.share_sites, add_sites=add.resolve() if add else None)  # fmt: skip
    label = args.name or describe(settings, lang)
    return replace(settings, name=_slug(args.name or label), label=label)


def command(args: argparse.Namespace) -> int:
    """Run the project's scenarios (or the one the flags describe); print what changes."""
    project = project_of(args)
    t = Messages(project.lang)
    flags = (args.switch_off or args.activate_planned or args.remove_operator or args.remove_site
             or args.add_sites or args.share_sites)  # fmt: skip
    scenarios = list(project.scenarios)
    if flags:
        scenarios = [_from_flags(args, project.lang)]
    elif args.name:
        scenarios = [s for s in scenarios if s.name == args.name]
        if not scenarios:
            names = ", ".join(s.name for s in project.scenarios) or "none"
            raise InputError(Problem("--name", f"no scenario {args.name!r} in the project; "
                                     f"scenarios: {names}"))  # fmt: skip
    if not scenarios:
        raise InputError(Problem(str(project.path or "project"), "no scenario to run: add "
                                 "[scenarios.<name>] tables to the project file or give changes "
                                 "such as --switch-off 2G"))  # fmt: skip
    result = analyse(load_layers(project), project)
    runs = [run_scenario(result, s) for s in scenarios]
    written = write_scenarios(result, runs, self_contained=True if args.self_contained else None)
    if not args.quiet:
        for run in runs:
            p = run.province.sum(numeric_only=True)
            print(t("scenario.summary", label=run.scenario.label or run.scenario.name,
                    none_before=t.number(p["villages_none_before"]),
                    none_after=t.number(p["villages_none_after"]),
                    weak_before=t.number(p["villages_weak_before"]),
                    weak_after=t.number(p["villages_weak_after"]),
                    lose_villages=t.count(p["villages_lose"], "noun.village"),
                    lose_people=t.number(p["population_lose"]),
                    worse_villages=t.count(p["villages_worse"], "noun.village"),
                    worse_people=t.number(p["population_worse"]),
                    gain_villages=t.count(p["villages_gain"], "noun.village")))  # fmt: skip
        print_outputs(project, project.output, written)
    return 0
