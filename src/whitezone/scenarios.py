"""What-if scenarios: change the sites, re-run, compare village by village.

The live planning questions: which villages lose service when 2G (9/2026)
and then 3G (planned 9/2028) are switched off; what the planned sites add;
what an operator's exit or a batch of dismantled towers costs; what site
sharing gives each operator's subscribers.  A scenario changes the sites
table only; villages are re-classified with the same model and every
indicator is recomputed, so the before/after tables reconcile like the
originals.

A village's ``change`` is one of ``lose`` (it had signal and has none),
``worse`` (it keeps some signal, of a worse class: good to weak), ``gain``
(a better class) or ``same``: losing all signal and getting a weaker one
are different news for a planner and are counted apart everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from .classes import CLASSES, NONE, commune_key, tally
from .classify import classify_villages
from .errors import InputError, Problem, known_names
from .i18n import Messages
from .indicators import commune_indicators, summarise
from .layers import read_sites
from .layers._columns import fold
from .operators import UNKNOWN_OPERATOR, operator_classes
from .project import ScenarioSettings
from .result import Result, Summaries
from .technology import TECHNOLOGIES

__all__ = ["CHANGES", "ScenarioResult", "apply_scenario", "describe", "run_scenario"]

_LEVEL = {name: i for i, name in enumerate(CLASSES)}
#: What a village's class does in a scenario.
CHANGES = ("lose", "worse", "gain", "same")


def _unknown(scenario: ScenarioSettings, setting: str, names, known, what: str) -> Problem:
    return Problem(f"scenario {scenario.name!r}", f"no {what} {', '.join(map(repr, names))} in "
                   f"the sites; {what}s: {known_names(known)}", column=setting)  # fmt: skip


def check_scenario(sites: gpd.GeoDataFrame, scenario: ScenarioSettings) -> None:
    """Every operator, site and technology a scenario names must exist in the sites.

    Operators match case- and accent-insensitively (``viettel`` is
    ``Viettel``); site ids exactly.

    Raises
    ------
    InputError
        Listing, per setting, the names that match nothing and the names
        that exist.
    """
    problems = []
    operators = sites["operator"].dropna().astype(str).unique()
    folded = {fold(name) for name in operators}
    missing = [n for n in scenario.remove_operators if fold(n) not in folded]
    if missing:
        problems.append(_unknown(scenario, "remove_operators", missing, operators, "operator"))
    ids = set(sites["site_id"].dropna().astype(str))
    missing = [n for n in scenario.remove_sites if str(n) not in ids]
    if missing:
        problems.append(_unknown(scenario, "remove_sites", missing, ids, "site"))
    techs = [t for t in TECHNOLOGIES if t in set(sites["technology"])]
    missing = [t for t in scenario.switch_off if t not in techs]
    if missing:
        problems.append(_unknown(scenario, "switch_off", missing, techs, "technology"))
    if problems:
        raise InputError(problems)


def apply_scenario(sites: gpd.GeoDataFrame, scenario: ScenarioSettings) -> gpd.GeoDataFrame:
    """The sites table after a scenario's changes (a new frame; the input is kept).

    Switched-off technologies, removed operators and removed sites get
    ``status = "off"``; planned sites become active when asked; added sites
    are read with :func:`~whitezone.layers.read_sites` and appended.

    Raises
    ------
    InputError
        A name the scenario gives matches no operator, site or technology
        (:func:`check_scenario`), or the added sites are bad input.
    """
    check_scenario(sites, scenario)
    out = sites.copy()
    if scenario.activate_planned:
        out.loc[out["status"] == "planned", "status"] = "active"
    leaving = {fold(n) for n in scenario.remove_operators}
    operator = out["operator"].astype(object)
    off = out["technology"].isin(scenario.switch_off).to_numpy().copy()
    off |= operator.map(lambda v: not pd.isna(v) and fold(v) in leaving).to_numpy(dtype=bool)
    off |= out["site_id"].astype(str).isin(scenario.remove_sites).to_numpy()
    out.loc[off, "status"] = "off"
    if scenario.add_sites is not None:
        new = read_sites(scenario.add_sites).to_crs(out.crs)
        new = new[~new["technology"].isin(scenario.switch_off)]
        out = pd.concat([out, new], ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=sites.crs)


def describe(scenario: ScenarioSettings, lang: str) -> str:
    """The changes of a scenario in words, e.g. "tắt sóng 2G, 3G" / "2G, 3G switched off"."""
    t = Messages(lang)
    parts = []
    if scenario.switch_off:
        parts.append(t("scenario.switch_off", techs=", ".join(scenario.switch_off)))
    if scenario.activate_planned:
        parts.append(t("scenario.activate_planned"))
    if scenario.remove_operators:
        parts.append(t("scenario.remove_operators", names=", ".join(scenario.remove_operators)))
    if scenario.remove_sites:
        parts.append(t("scenario.remove_sites", names=", ".join(scenario.remove_sites)))
    if scenario.add_sites is not None:
        parts.append(t("scenario.add_sites", file=scenario.add_sites.name))
    if scenario.share_sites:
        parts.append(t("scenario.share_sites"))
    text = "; ".join(parts) or t("scenario.ad_hoc")
    return text[:1].upper() + text[1:]


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
        (:data:`CHANGES`), plus the per-technology classes after.
    communes : DataFrame
        Per commune: villages none/weak/good before and after, villages and
        people losing all signal (``villages_lose``), getting a worse signal
        (``villages_worse``) and gaining (``villages_gain``).
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
    summaries: Summaries


def changes(before: pd.Series, after: pd.Series) -> np.ndarray:
    """``lose``, ``worse``, ``gain`` or ``same`` for each pair of classes (statuses: same)."""
    lb = before.astype(object).map(_LEVEL).to_numpy(dtype=float)
    la = after.astype(object).map(_LEVEL).to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        out = np.where(la < lb, np.where(la == NONE, "lose", "worse"),
                       np.where(la > lb, "gain", "same"))  # fmt: skip
    return np.where(np.isnan(lb) | np.isnan(la), "same", out).astype(object)


def run_scenario(result: Result, scenario: ScenarioSettings) -> ScenarioResult:
    """Re-classify a run's villages after a scenario and compare.

    Parameters
    ----------
    result : Result
        The baseline run (its model, CRS and villages are reused).
    scenario : ScenarioSettings

    Returns
    -------
    ScenarioResult

    Raises
    ------
    InputError
        The scenario names an operator, site or technology the sites lack.
    """
    layers = result.layers
    sites = apply_scenario(layers.sites, scenario)
    after = classify_villages(layers.villages, sites, model=result.model, crs=layers.crs,
                              technologies=result.technologies)  # fmt: skip
    before = result.villages
    villages = before[["village_id", "village", "commune_id", "population", "status", "geometry"]].copy()
    villages["class_before"] = before["class_any"].astype("string")
    villages["class_after"] = after["class_any"].astype("string")
    villages["change"] = changes(before["class_any"], after["class_any"])
    for tech in result.technologies:
        villages[f"class_{tech.lower()}_after"] = after[f"class_{tech.lower()}"].astype("string")
    if scenario.share_sites:
        # Sharing changes who may use a site, not what it radiates: the
        # any-operator classes stand and each operator's become them.
        villages["operators_gaining"] = _sharing_gains(result)
    names = result.summaries.communes[["commune_id", "commune", "district", "province"]]
    table = commune_indicators(after, layers.communes, technologies=result.technologies)
    summaries = summarise(table, province_name=result.project.name)
    communes = _compare(villages, names)
    province = communes.drop(columns=["commune_id", "commune", "district"]).groupby(
        communes["province"].fillna(result.project.name), sort=False).sum(numeric_only=True).reset_index()
    return ScenarioResult(scenario=scenario, sites=sites, villages=villages, communes=communes,
                          province=province, summaries=summaries)  # fmt: skip


def _sharing_gains(result: Result) -> pd.Series:
    """Operators whose subscribers gain signal at each village once sites are shared."""
    own = operator_classes(result.villages, result.layers.sites, model=result.model,
                           crs=result.layers.crs, technologies=result.technologies)  # fmt: skip
    shared = result.villages["class_any"].astype(object).map(_LEVEL)
    out = pd.Series("", index=result.villages.index, dtype=object)
    for name in own.columns:
        if name == UNKNOWN_OPERATOR:
            continue
        gain = (shared > own[name].map(_LEVEL)).fillna(False).to_numpy(dtype=bool)
        out[gain] = out[gain] + np.where(out[gain] == "", "", ", ") + name
    return out.astype("string")


def _compare(villages: pd.DataFrame, names: pd.DataFrame) -> pd.DataFrame:
    """Per commune: the classes before and after, and the villages and people per change."""
    key = commune_key(villages)
    counts = tally(key, {"_before": villages["class_before"], "_after": villages["class_after"]})
    frame = pd.DataFrame({"villages": counts["villages"]})
    for when in ("before", "after"):
        for cls in CLASSES:
            frame[f"villages_{cls}_{when}"] = counts[f"villages_{cls}_{when}"]
    moves = tally(key, {"": villages["change"].map({"lose": "none", "worse": "weak",
                                                      "gain": "good"})},
                  villages["population"])  # fmt: skip
    for change, cls in (("lose", "none"), ("worse", "weak"), ("gain", "good")):
        frame[f"villages_{change}"] = moves[f"villages_{cls}"]
        frame[f"population_{change}"] = moves[f"population_{cls}"]
    frame.index.name = "commune_id"
    out = names.merge(frame.reset_index(), on="commune_id", how="outer")
    counts_cols = list(frame.columns)
    out[counts_cols] = out[counts_cols].fillna(0)
    for col in counts_cols:
        if col.startswith("villages"):
            out[col] = out[col].astype(np.int64)
    return out
