"""What-if scenarios: change the sites, re-run, compare village by village.

The live planning questions: which villages lose service when 2G (9/2026)
and then 3G (planned 9/2028) are switched off; what the planned sites add;
what an operator's exit or a batch of dismantled towers costs; what site
sharing gives each operator's subscribers.  A scenario changes the sites
table only; villages are re-classified with the same model and every
indicator is recomputed, so the before/after tables reconcile like the
originals.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from .classify import classify_villages
from .indicators import commune_indicators, summarise
from .project import ScenarioSettings
from .technology import CLASSES

__all__ = ["ScenarioResult", "apply_scenario", "run_scenario", "write_scenarios"]

_LEVEL = {name: i for i, name in enumerate(CLASSES)}


def apply_scenario(sites: gpd.GeoDataFrame, scenario: ScenarioSettings) -> gpd.GeoDataFrame:
    """The sites table after a scenario's changes (a new frame; the input is kept).

    Switched-off technologies, removed operators and removed sites get
    ``status = "off"``; planned sites become active when asked; added sites
    are read with :func:`~whitezone.layers.read_sites` and appended.
    """
    out = sites.copy()
    if scenario.activate_planned:
        out.loc[out["status"] == "planned", "status"] = "active"
    off = out["technology"].isin(scenario.switch_off)
    off |= out["operator"].isin(scenario.remove_operators).fillna(False).to_numpy(dtype=bool)
    off |= out["site_id"].isin(scenario.remove_sites).fillna(False).to_numpy(dtype=bool)
    out.loc[off, "status"] = "off"
    if scenario.add_sites is not None:
        from .layers import read_sites

        new = read_sites(scenario.add_sites).to_crs(out.crs)
        new = new[~new["technology"].isin(scenario.switch_off)]
        out = pd.concat([out, new], ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=sites.crs)


@dataclass
class ScenarioResult:
    """A scenario's villages, indicators and the comparison with the baseline.

    Attributes
    ----------
    scenario : ScenarioSettings
    sites : GeoDataFrame
        The changed sites table.
    villages : GeoDataFrame
        Every village with ``class_before``, ``class_after`` and ``change``
        (``lose`` — a worse class, ``gain`` — a better one, ``same``), plus
        the per-technology classes after.
    communes : DataFrame
        Per commune: villages none/weak/good before and after, villages
        losing and gaining, people losing and gaining.
    province : DataFrame
        The same summed per province.
    summaries : Summaries
        The full indicator tables after the change.
    """

    scenario: ScenarioSettings
    sites: gpd.GeoDataFrame
    villages: gpd.GeoDataFrame
    communes: pd.DataFrame
    province: pd.DataFrame
    summaries: object


def run_scenario(result, scenario: ScenarioSettings) -> ScenarioResult:
    """Re-classify a run's villages after a scenario and compare.

    Parameters
    ----------
    result : whitezone.pipeline.Result
        The baseline run (its model, CRS and villages are reused).
    scenario : ScenarioSettings

    Returns
    -------
    ScenarioResult
    """
    layers = result.layers
    sites = apply_scenario(layers.sites, scenario)
    after = classify_villages(layers.villages, sites, model=result.model, crs=layers.crs,
                              technologies=result.technologies)  # fmt: skip
    before = result.villages
    cls_before = before["class_any"].astype(object)
    cls_after = after["class_any"].astype(object)
    lb = cls_before.map(_LEVEL)
    la = cls_after.map(_LEVEL)
    change = np.where(la < lb, "lose", np.where(la > lb, "gain", "same"))
    change = np.where(lb.isna() | la.isna(), "same", change)
    villages = before[["village_id", "village", "commune_id", "population", "status", "geometry"]].copy()
    villages["class_before"] = cls_before.astype("string")
    villages["class_after"] = cls_after.astype("string")
    villages["change"] = change
    for tech in result.technologies:
        villages[f"class_{tech.lower()}_after"] = after[f"class_{tech.lower()}"].astype("string")
    if scenario.share_sites:
        # Sharing changes who may use a site, not what it radiates: the
        # any-operator classes stand and each operator's become them.
        villages["operators_gaining"] = _sharing_gains(result, sites)
    names = result.summaries.communes[["commune_id", "commune", "district", "province"]]
    table = commune_indicators(after, layers.communes, technologies=result.technologies)
    summaries = summarise(table, province_name=result.project.name)
    communes = _compare(villages, names)
    province = communes.drop(columns=["commune_id", "commune", "district"]).groupby(
        communes["province"].fillna(result.project.name), sort=False).sum(numeric_only=True).reset_index()
    return ScenarioResult(scenario=scenario, sites=sites, villages=villages, communes=communes,
                          province=province, summaries=summaries)  # fmt: skip


def _sharing_gains(result, sites) -> pd.Series:
    """Operators whose subscribers gain signal at each village once sites are shared."""
    from .operators import operator_classes

    own = operator_classes(result.villages, result.layers.sites, model=result.model,
                           crs=result.layers.crs, technologies=result.technologies)  # fmt: skip
    shared = result.villages["class_any"].astype(object).map(_LEVEL)
    out = pd.Series("", index=result.villages.index, dtype=object)
    for name in own.columns:
        gain = (shared > own[name].map(_LEVEL)).fillna(False).to_numpy(dtype=bool)
        out[gain] = out[gain] + np.where(out[gain] == "", "", ", ") + name
    return out.astype("string")


def _compare(villages: pd.DataFrame, names: pd.DataFrame) -> pd.DataFrame:
    key = villages["commune_id"].astype(object).where(villages["commune_id"].notna(), "(no commune)")
    pop = villages["population"].fillna(0.0)
    frame = pd.DataFrame({"commune_id": key})
    for when in ("before", "after"):
        for cls in CLASSES:
            frame[f"villages_{cls}_{when}"] = (villages[f"class_{when}"] == cls).fillna(False).astype(np.int64)
    frame["villages_lose"] = (villages["change"] == "lose").astype(np.int64)
    frame["villages_gain"] = (villages["change"] == "gain").astype(np.int64)
    frame["population_lose"] = pop.where(villages["change"] == "lose", 0.0)
    frame["population_gain"] = pop.where(villages["change"] == "gain", 0.0)
    frame["villages"] = 1
    summed = frame.groupby("commune_id", sort=False).sum().reset_index()
    out = names.merge(summed, on="commune_id", how="outer")
    counts = [c for c in summed.columns if c != "commune_id"]
    out[counts] = out[counts].fillna(0)
    for col in counts:
        if col.startswith("villages"):
            out[col] = out[col].astype(np.int64)
    return out


def write_scenarios(result, runs: list[ScenarioResult], folder=None, *,
                    self_contained: bool | None = None) -> dict:  # fmt: skip
    """Write each scenario's tables, a summary of all, and a map of the changes.

    Files: ``scenario_<name>_villages.csv`` (every village, class before and
    after, change), ``scenario_<name>_communes.csv``, ``scenarios.csv`` (one
    row per scenario and province) and ``map_scenarios.html`` (villages losing
    and gaining service, one layer pair per scenario).

    Returns
    -------
    dict
        File name -> path.
    """
    from pathlib import Path

    from .maps import coverage_map, scenario_layers
    from .maps.offline import save_map
    from .outputs import write_csv

    folder = Path(folder or result.project.output)
    written = {}
    rows = []
    for run in runs:
        name = run.scenario.name
        flat = pd.DataFrame(run.villages.drop(columns="geometry"))
        flat["lon"] = run.villages.geometry.x.round(6)
        flat["lat"] = run.villages.geometry.y.round(6)
        written[f"scenario_{name}_villages.csv"] = write_csv(flat, folder / f"scenario_{name}_villages.csv")
        written[f"scenario_{name}_communes.csv"] = write_csv(run.communes, folder / f"scenario_{name}_communes.csv")
        prov = run.province.copy()
        prov.insert(0, "scenario", name)
        prov.insert(1, "label", run.scenario.label or name)
        rows.append(prov)
    if rows:
        written["scenarios.csv"] = write_csv(pd.concat(rows, ignore_index=True), folder / "scenarios.csv")
        fmap = coverage_map(result)
        scenario_layers(fmap, runs, lang=result.project.lang)
        inline = result.project.self_contained_map if self_contained is None else self_contained
        written["map_scenarios.html"] = save_map(fmap, folder / "map_scenarios.html",
                                                 self_contained=inline)  # fmt: skip
    return written
