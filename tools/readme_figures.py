"""The figures README.md quotes about the sample province, computed, never typed.

README holds each generated block between ``<!-- figures:NAME -->`` and
``<!-- /figures:NAME -->``.  This script recomputes them from the embedded
sample (:func:`whitezone.sample_project`)::

    python tools/readme_figures.py --check README.md   # exit 1 and a diff if README is stale
    python tools/readme_figures.py --write README.md   # rewrite the blocks in place

The tests run ``--check``, so a README figure can never drift from what the
tool prints.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np

import whitezone as wz
from whitezone.datasets.synthetic import TRUE_OFFSET_DB, TRUE_SIGMA_DB, TRUE_SLOPE_DB_PER_DECADE
from whitezone.project import ScenarioSettings
from whitezone.report import headline, headline_text

BLOCK = re.compile(r"(<!-- figures:(?P<name>[a-z_]+) -->\n)(?P<body>.*?)(<!-- /figures:(?P=name) -->)", re.S)


def _pct(part, whole) -> str:
    return f"{100.0 * part / whole:.1f} %"


def figures() -> dict[str, str]:
    """Every block, by name."""
    project = wz.sample_project()
    layers = wz.load_layers(project)
    result = wz.analyse(layers, project)
    blocks = {"headline": "```text\n" + headline_text(headline(result, lang="en")) + "\n```\n"}

    rows = ["| model | villages with no signal | with weak signal |", "|---|---|---|"]
    for kind, name, changes in (("radius", "radius", {}), ("pathloss", "flat path loss", {}),
                                ("terrain", "terrain", {}),
                                ("itm", "Longley-Rice (ITM), links up to 30 km", {"max_range_km": 30.0})):
        run = result if kind == "radius" else wz.analyse(layers, project.with_model(kind=kind, **changes))
        p = run.summaries.province.iloc[0]
        rows.append(f"| {name} | {int(p['villages_none'])} ({p['pct_none']:.1f} %) | "
                    f"{int(p['villages_weak'])} ({p['pct_weak']:.1f} %) |")  # fmt: skip
    blocks["models"] = "\n".join(rows) + "\n"

    off = wz.run_scenario(result, ScenarioSettings("tat_2g", switch_off=("2G",))).province.iloc[0]
    blocks["scenario"] = (
        f"On the sample, switching off 2G leaves {int(off['villages_none_after'])} villages without "
        f"signal instead of {int(off['villages_none_before'])}: {int(off['villages_lose'])} villages "
        f"({off['population_lose']:,.0f} people) lose all signal and {int(off['villages_worse'])} "
        f"({off['population_worse']:,.0f} people) keep a weaker one.\n")  # fmt: skip

    white = wz.plan_sites(result, k=10).summary()
    weak = wz.plan_sites(result, k=20, target="weak", candidates="grid").summary()
    blocks["sites"] = (
        f"On the sample, {white['sites']} sites at white villages cover "
        f"{white['covered_villages']} of the {white['demand_villages']} white villages "
        f"({white['covered_population']:,} of {white['demand_population']:,} people); with "
        f"`--target weak --candidates grid`, 20 sites cover "
        f"{_pct(weak['covered_population'], weak['demand_population'])} of the "
        f"{weak['demand_population']:,} people without good signal.\n")  # fmt: skip
    fund = wz.plan_sites(result, k=None, budget=1_500_000, candidates=["villages", "upgrades"]).summary()
    every = wz.plan_sites(result, objective="cover_all", candidates=["villages", "upgrades"]).summary()
    blocks["sites"] += (
        f"Priced with the default cost set (pytal, USD), those {white['sites']} sites cost "
        f"{white['npv_cost']:,.0f} over ten years and need {white['subsidy']:,.0f} of subsidy "
        f"({white['subsidy_per_person']:,.2f} per person newly covered). A fund of 1,500,000 "
        f"(`--cost-budget 1500000 --candidates villages upgrades`) buys {fund['sites']} sites "
        f"covering {fund['covered_population']:,} people for {fund['npv_cost']:,.0f}, subsidy "
        f"{fund['subsidy']:,.0f}: from {fund['cheapest_per_person']:,.2f} per person "
        f"({fund['cheapest_site']}) to {fund['dearest_per_person']:,.2f} ({fund['dearest_site']}); "
        f"covering every white village (`--cover-all`) takes {every['sites']} sites and "
        f"{every['npv_cost']:,.0f}.\n")  # fmt: skip

    # What sectors and land cover change, model by model (the same layers, less of them).
    omni = layers.sites.assign(azimuth_deg=np.nan).drop_duplicates(["site_id", "operator", "technology"])
    variants = {"omnidirectional, no land cover": replace(layers, sites=omni, landcover=None),
                "three-sector cells": replace(layers, landcover=None),
                "cells and land cover": layers}  # fmt: skip
    rows = ["| model | " + " | ".join(variants) + " |", "|---|---|---|---|"]
    for kind, name in (("radius", "radius"), ("pathloss", "flat path loss"), ("terrain", "terrain")):
        cells = []
        for label, lay in variants.items():
            if kind == "radius" and label == "cells and land cover":
                cells.append("(no signal: land cover unused)")
                continue
            run = result if (kind == "radius" and lay is layers) else wz.analyse(lay, project.with_model(kind=kind))
            p = run.summaries.province.iloc[0]
            cells.append(f"{int(p['villages_none'])} / {int(p['villages_weak'])}")
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    blocks["sectors"] = "\n".join(rows) + "\n"

    pathloss = project.with_model(kind="pathloss")
    fitted = wz.calibrate(pathloss, model=wz.model_for(pathloss, layers))
    cv = fitted.cross_validation.query("operator == 'all'").set_index("technology")
    rows = ["| technology | offset put in / found | slope put in / found | σ put in / found "
            "| cross-validated RMSE before → after |", "|---|---|---|---|---|"]
    for r in fitted.table.query("operator == 'all'").itertuples():
        c = cv.loc[r.technology]
        rows.append(f"| {r.technology} | {TRUE_OFFSET_DB:g} / {r.offset_db:.1f} dB | "
                    f"{TRUE_SLOPE_DB_PER_DECADE:g} / {r.slope_db_per_decade:.1f} dB/decade | "
                    f"{TRUE_SIGMA_DB:g} / {r.sigma_db:.1f} dB | {c['rmse_before_db']:.1f} → "
                    f"{c['rmse_after_db']:.1f} dB |")  # fmt: skip
    blocks["calibration"] = "\n".join(rows) + "\n"
    return blocks


def render(text: str, blocks: dict[str, str]) -> str:
    """README with every block replaced by its computed body."""
    names = {m["name"] for m in BLOCK.finditer(text)}
    missing = set(blocks) - names
    if missing:
        raise SystemExit(f"README has no block for: {', '.join(sorted(missing))}")
    return BLOCK.sub(lambda m: m.group(1) + blocks[m["name"]] + m.group(4), text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", metavar="README", help="exit 1 when the README's figures are stale")
    mode.add_argument("--write", metavar="README", help="rewrite the README's figures")
    args = parser.parse_args(argv)
    path = Path(args.check or args.write)
    text = path.read_text(encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        new = render(text, figures())
    if args.write:
        path.write_text(new, encoding="utf-8")
        return 0
    if new != text:
        sys.stdout.writelines(difflib.unified_diff(text.splitlines(True), new.splitlines(True),
                                                   "README (as written)", "README (computed)"))  # fmt: skip
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
