"""The sites report: which sites a plan chooses, what they cost and what a fund would pay.

:func:`write_plan_report` is the outline of ``report_sites.html`` and
``report_sites.docx`` (drawn by :func:`.html.sites_report_html` and
:func:`.docx.sites_report_docx` on the same :class:`~.outline.Page` as the
run's report): the summary says what was chosen and how sure the optimum
is; section I the cost set, its source, currency, discount rate and
horizon, the totals, every site in the order a fund would pay for it and
the communes; section II every cost parameter with where it comes from
(the set's open model, whitezone's own assumption from
:data:`whitezone.assumptions.ASSUMED`, or the project file).  A plan whose
costs were the candidates' own (``costs="given"``) gets section I with the
cost per person only.

The tables keep numbers as numbers (formatted by the writers in the
report's language, ``1.234.567`` in Vietnamese); every text a user gave
(candidate ids, commune names) is escaped by the writer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, fields

import numpy as np
import pandas as pd

from ..assumptions import ASSUMED, COST_SETS, CostSettings, parse_costs
from ..classes import NO_COMMUNE
from ..errors import Problems
from ..i18n import Messages, format_bool, value_label
from ..siting import PlanResult
from .outline import Page

__all__ = ["choice_sentences", "commune_costs_table", "cost_parameters_table", "how_sure", "plan_sections",
           "plan_totals", "site_costs_table", "totals_table", "write_plan_report"]  # fmt: skip

#: Currencies written without decimals (per person too).
WHOLE_CURRENCIES = frozenset({"VND", "JPY", "KRW", "LAK", "KHR", "IDR"})
#: Settings shown in the note above the tables, not in the parameters' table.
_IN_NOTE = ("set", "currency", "exchange_rate")
#: Settings that are shares (shown in percent).
_SHARES = ("maintenance_share", "solar_losses", "fresnel_clearance", "discount_rate", "penetration",
           "adoption", "margin")  # fmt: skip
#: Setting -> unit ({cur} the currency, {year}/{month}/{days}/{years} words).
_UNITS = {
    "radio": "{cur}", "tower_30m": "{cur}", "civil_works": "{cur}", "upgrade_works": "{cur}",
    "rent_per_year": "{cur}/{year}", "load_w": "W", "grid_max_km": "km", "grid_connection": "{cur}",
    "grid_per_km": "{cur}/km", "energy_per_kwh": "{cur}/kWh", "solar_per_w": "{cur}/W",
    "battery_per_kwh": "{cur}/kWh", "peak_sun_hours": "h", "autonomy_days": "{days}",
    "generator": "{cur}", "diesel_l_per_kwh": "L/kWh", "diesel_per_l": "{cur}/L",
    "fiber_per_km": "{cur}/km", "fiber_fixed": "{cur}", "fiber_per_km_year": "{cur}/km/{year}",
    "fiber_max_km": "km", "microwave_tiers": "{cur}", "microwave_frequency_ghz": "GHz",
    "satellite": "{cur}", "satellite_per_year": "{cur}/{year}", "horizon_years": "{years}",
    "arpu_per_month": "{cur}/{month}", **dict.fromkeys(_SHARES, "%"),
}  # fmt: skip


def _settings(plan: PlanResult) -> dict | None:
    """The plan's cost settings (``asdict`` of a :class:`CostSettings`), None when costs were given."""
    settings = plan.settings.get("cost_settings")
    return dict(settings) if settings else None


def _per_person_decimals(currency: str) -> int:
    return 0 if currency.upper() in WHOLE_CURRENCIES else 2


def _given_decimals(values) -> int:
    """Decimals showing three significant digits of the smallest cost per person (costs of any unit)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if not len(v):
        return 2
    return int(min(6, max(2, math.ceil(-math.log10(v.min())) + 2)))


def _names(communes: pd.DataFrame | None) -> dict[str, str]:
    if communes is None or "commune" not in communes:
        return {}
    return dict(zip(communes["commune_id"].astype(str), communes["commune"].astype(str), strict=True))


def _commune_name(commune_id, names: Mapping[str, str], lang: str) -> str:
    if commune_id is None or pd.isna(commune_id):
        return value_label(NO_COMMUNE, lang)
    return names.get(str(commune_id), str(commune_id))


def _kind(value, t: Messages):
    """A power or backhaul kind in words (``cost.kind.*``); others as they are."""
    if value is None or pd.isna(value):
        return value
    return t(f"cost.kind.{value}") if t.has(f"cost.kind.{value}") else str(value)


# -- the figures ------------------------------------------------------------------------------


def plan_totals(plan: PlanResult) -> dict:
    """The plan's totals as the report prints them (the table's sums; :meth:`PlanResult.summary`).

    Returns
    -------
    dict
        ``sites``, ``new_villages``, ``new_population``, and a priced plan's
        ``capex``, ``npv_cost``, ``revenue_npv``, ``subsidy``,
        ``subsidy_per_person``, ``sites_paying_for_themselves``,
        ``cheapest_site``, ``cheapest_per_person``, ``dearest_site``,
        ``dearest_per_person``, ``currency``; a plan with given costs
        ``cost`` and ``cost_per_person`` instead.
    """
    t = plan.table
    people = float(t["new_population"].sum()) if len(t) else 0.0
    out = {"sites": len(t), "new_villages": int(t["new_villages"].sum()) if len(t) else 0,
           "new_population": people}  # fmt: skip
    summary = plan.summary()
    if "subsidy" in summary:
        keep = ("currency", "capex", "npv_cost", "revenue_npv", "subsidy", "subsidy_per_person",
                "sites_paying_for_themselves", "cheapest_site", "cheapest_per_person",
                "dearest_site", "dearest_per_person")  # fmt: skip
        out.update({k: summary[k] for k in keep})
    else:
        cost = float(t["cost"].sum()) if len(t) else 0.0
        out.update(cost=cost, cost_per_person=cost / people if people > 0 else math.nan)
    return out


def how_sure(s: dict, t: Messages) -> str:
    """How sure the choice is: optimal, within a gap, or greedy with its share of the bound."""
    if s["gap"] == 0:
        return t("sites.optimal")
    if s["method"] == "greedy":
        ratio = s["objective"] / s["bound"] if s["bound"] else float("nan")
        return t("sites.greedy", ratio=t.pct(100 * ratio))
    return t("sites.gap", gap=t.pct(100 * s["gap"]))


def choice_sentences(plan: PlanResult, lang: str) -> list[str]:
    """The summary: demand, objective and candidates, what was chosen and how sure, and the money."""
    t = Messages(lang)
    s, options = plan.summary(), plan.settings
    settings = _settings(plan)
    currency = settings["currency"] if settings else ""
    out = [t("sites.demand", villages=t.number(s["demand_villages"]),
             people=t.number(s["demand_population"]), coverable=t.number(s["coverable_villages"]))]  # fmt: skip
    k = options.get("k")
    if options.get("objective") == "cover_all":
        out.append(t("report.plan_objective_cover_all"))
    elif options.get("budget") is not None:
        k_part = t("report.plan_objective_k_part", k=t.number(k)) if k is not None else ""
        out.append(t("report.plan_objective_budget", budget=t.number(options["budget"]),
                     currency=currency, k_part=k_part))  # fmt: skip
    elif k is not None:
        out.append(t("report.plan_objective_k", k=t.number(k)))
    technology = options.get("technology", "")
    technology = technology if isinstance(technology, str) else ", ".join(technology)
    target = options.get("target", "none")
    kinds = [t(f"report.candidates_{k}") if t.has(f"report.candidates_{k}") else k
             for k in str(options.get("candidates", "")).split(", ") if k]  # fmt: skip
    out.append(t("report.plan_candidates", candidates="; ".join(kinds), technology=technology,
                 target=t(f"report.plan_target_{target}") if t.has(f"report.plan_target_{target}")
                 else target))  # fmt: skip
    if s["sites"] == 0:
        out.append(t("sites.none_chosen"))
        return out
    out.append(t("sites.chosen", sites=t.number(s["sites"]), how=how_sure(s, t),
                 seconds=t.number(s["seconds"], 1), covered=t.number(s["covered_villages"]),
                 people=t.number(s["covered_population"]), share=t.pct(100 * s["covered_share"])))  # fmt: skip
    totals = plan_totals(plan)
    if "subsidy" in totals:
        d = _per_person_decimals(currency)
        out.append(t("report.plan_money", npv=t.number(totals["npv_cost"]), capex=t.number(totals["capex"]),
                     revenue=t.number(totals["revenue_npv"]), subsidy=t.number(totals["subsidy"]),
                     per_person=t.number(totals["subsidy_per_person"], d), currency=currency))  # fmt: skip
    else:
        d = _given_decimals(plan.table["cost_per_person"])
        out.append(t("report.plan_given_money", cost=t.short(totals["cost"]),
                     per_person=t.number(totals["cost_per_person"], d)))  # fmt: skip
    return out


# -- the tables -------------------------------------------------------------------------------


def totals_table(plan: PlanResult, lang: str) -> pd.DataFrame:
    """The totals, one per row: ``indicator``, ``value`` (written out, aligned right), ``unit``."""
    t = Messages(lang)
    totals = plan_totals(plan)
    rows = [("total_sites", t.number(totals["sites"]), t("report.unit_sites")),
            ("total_new_villages", t.number(totals["new_villages"]), t("report.unit_villages")),
            ("total_new_population", t.number(totals["new_population"]), t("report.unit_people"))]  # fmt: skip
    if "subsidy" in totals:
        cur = totals["currency"]
        d = _per_person_decimals(cur)
        per = t("report.unit_per_person", currency=cur)
        rows += [(key, t.number(totals[name]), cur) for key, name in (
            ("total_capex", "capex"), ("total_npv_cost", "npv_cost"),
            ("total_revenue_npv", "revenue_npv"), ("total_subsidy", "subsidy"))]  # fmt: skip
        rows.append(("total_subsidy_per_person", t.number(totals["subsidy_per_person"], d), per))
        rows.append(("total_paying", t.number(totals["sites_paying_for_themselves"]), t("report.unit_sites")))
        for which in ("cheapest", "dearest"):
            site = totals[f"{which}_site"]
            if site is not None:
                rows.append((f"total_{which}", f"{site}: {t.number(totals[f'{which}_per_person'], d)}", per))
    else:
        d = _given_decimals(plan.table["cost_per_person"])
        rows += [("total_cost", t.short(totals["cost"]), ""),
                 ("total_cost_per_person", t.number(totals["cost_per_person"], d), "")]  # fmt: skip
    out = pd.DataFrame([(t(f"report.{key}"), value, unit) for key, value, unit in rows],
                       columns=["indicator", "value", "unit"])  # fmt: skip
    out.attrs["right"] = ("value",)
    return out


def _total_row(frame: pd.DataFrame, label_column: str, label: str, sums: list[str]) -> pd.DataFrame:
    """``frame`` with a last row holding the sums of ``sums`` (marked as a total)."""
    total = {c: frame[c].sum() for c in sums}
    total[label_column] = label
    out = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    out.attrs["total"] = True
    return out


def site_costs_table(plan: PlanResult, lang: str, *, communes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every chosen site in fund order, with its power, backhaul and money, and a total row.

    Parameters
    ----------
    plan : PlanResult
    lang : {"vi", "en"}
    communes : DataFrame, optional
        ``commune_id`` and ``commune`` (the run's communes), for the names.

    Returns
    -------
    DataFrame
        Priced: ``fund_rank``, ``candidate_id``, ``commune``, ``technology``,
        ``power``, ``backhaul``, ``backhaul_km``, ``capex``,
        ``opex_per_year``, ``npv_cost``, ``revenue_npv``, ``subsidy``,
        ``subsidy_per_person``, ``new_population``, sorted by ``fund_rank``.
        Costs given: ``rank``, ``candidate_id``, ``commune``, ``technology``,
        ``cost``, ``cost_per_person``, ``new_population`` in rank order.
    """
    t = Messages(lang)
    table = pd.DataFrame(plan.table.drop(columns=plan.table.geometry.name))
    names = _names(communes)
    priced = "fund_rank" in table
    table = table.sort_values("fund_rank" if priced else "rank", kind="stable").reset_index(drop=True)
    table["commune"] = [_commune_name(c, names, lang) for c in table["commune_id"].astype(object)]
    table["candidate_id"] = table["candidate_id"].astype(object)
    if priced:
        money = ["capex", "opex_per_year", "npv_cost", "revenue_npv", "subsidy"]
        columns = ["fund_rank", "candidate_id", "commune", "technology", "power", "backhaul",
                   "backhaul_km", *money, "subsidy_per_person", "new_population"]  # fmt: skip
        out = table[columns].copy()
        out["power"] = out["power"].astype(object).map(lambda v: _kind(v, t))
        to = table["backhaul_to"].astype(object)
        out["backhaul"] = [_kind(k, t) if h is None or pd.isna(h) else f"{_kind(k, t)} → {h}"
                           for k, h in zip(out["backhaul"].astype(object), to, strict=True)]  # fmt: skip
        per, label = "subsidy_per_person", "fund_rank"
        sums = [*money, "new_population"]
        currency = (_settings(plan) or {}).get("currency", "")
    else:
        columns = ["rank", "candidate_id", "commune", "technology", "cost", "cost_per_person", "new_population"]
        out = table[columns].copy()
        per, label, sums, currency = "cost_per_person", "rank", ["cost", "new_population"], ""
    out[label] = out[label].astype(object)
    if len(out):
        out = _total_row(out, "candidate_id", t("report.total_row"), sums)
        people = float(out["new_population"].iloc[-1])
        top = "subsidy" if priced else "cost"
        out.loc[len(out) - 1, per] = float(out[top].iloc[-1]) / people if people > 0 else np.nan
    d = _per_person_decimals(currency) if priced else _given_decimals(table["cost_per_person"])
    out.attrs["decimals"] = {per: d, "backhaul_km": 1, **({} if priced else {"cost": 2})}
    return out


def commune_costs_table(plan: PlanResult, lang: str, *, communes: pd.DataFrame | None = None) -> pd.DataFrame:
    """:meth:`PlanResult.communes` with the communes' names and a total row.

    A plan with given costs adds each commune's ``cost`` and ``cost_per_person``.
    """
    t = Messages(lang)
    table = plan.communes().rename(columns={"sites": "chosen_sites"})
    priced = "subsidy" in table
    if not priced:
        key = plan.table["commune_id"].astype("string")
        cost = plan.table.groupby(key, dropna=False, sort=True)["cost"].sum()
        table["cost"] = cost.to_numpy() if len(table) else []
    names = _names(communes)
    ids = table["commune_id"].astype(object)
    table.insert(1, "commune", [_commune_name(c, names, lang) for c in ids])
    table["commune_id"] = ids.where(ids.notna(), "")
    sums = ["chosen_sites", "new_villages", "new_population"] + [c for c in ("capex", "npv_cost", "revenue_npv",
                                                                      "subsidy", "cost") if c in table]  # fmt: skip
    per, top = ("subsidy_per_person", "subsidy") if priced else ("cost_per_person", "cost")
    if len(table):
        table = _total_row(table, "commune", t("report.total_row"), sums)
        table.loc[len(table) - 1, "commune_id"] = ""
    with np.errstate(divide="ignore", invalid="ignore"):
        people = table["new_population"].to_numpy(dtype=float)
        table[per] = np.where(people > 0, table[top].to_numpy(dtype=float) / people, np.nan)
    currency = (_settings(plan) or {}).get("currency", "")
    d = _per_person_decimals(currency) if priced else _given_decimals(plan.table["cost_per_person"])
    table.attrs["decimals"] = {per: d, **({} if priced else {"cost": 2})}
    return table


def _plain(value):
    """Settings as plain Python values for comparison (tuples and lists alike)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _same(a, b) -> bool:
    a, b = _plain(a), _plain(b)
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _defaults(settings: Mapping) -> dict:
    """The figures the set gives in the settings' currency (what the project file did not change)."""
    table = {"set": settings.get("set", "pytal"), "currency": settings.get("currency", "USD")}
    if table["currency"] != "USD":
        table["exchange_rate"] = settings.get("exchange_rate", 1.0)
    return asdict(parse_costs(Problems("costs"), table))


def _value_text(name: str, value, t: Messages) -> str:
    if name in _SHARES:
        return t.short(100.0 * float(value))
    if isinstance(value, bool):
        return format_bool(value)
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {t.short(v)}" for k, v in value.items())
    if name == "microwave_tiers":
        return "; ".join(f"≤ {t.short(km)} km: {t.short(amount)}" for km, amount in value)
    if isinstance(value, str):
        return _kind(value, t)
    return t.short(value)


def cost_parameters_table(settings: Mapping, lang: str) -> pd.DataFrame:
    """Every cost setting: ``setting`` (its words and its key), ``value``, ``unit``, ``origin``.

    ``origin`` is the set's source for the figures it gives, pytal's for the
    rest, "whitezone's assumption" for :data:`~whitezone.assumptions.ASSUMED`,
    and "project file" for a value the project changed.
    """
    t = Messages(lang)
    name = settings.get("set", "pytal")
    defaults = _defaults(settings)
    words = {"cur": settings.get("currency", "USD"), "year": t("report.unit_year"),
             "month": t("report.unit_month"), "days": t("report.unit_days"),
             "years": t("report.unit_years")}  # fmt: skip
    rows = []
    for f in fields(CostSettings):
        key = f.name
        if key in _IN_NOTE or key not in settings:
            continue
        value = settings[key]
        if key in defaults and not _same(value, defaults[key]):
            origin = t("report.origin_project")
        elif key in ASSUMED:
            origin = t("report.origin_assumed")
        else:
            origin = name if key in COST_SETS.get(name, {}) else "pytal"
        label = t(f"cost.{key}") if t.has(f"cost.{key}") else key
        rows.append((f"{label} ({key})", _value_text(key, value, t), _UNITS.get(key, "").format(**words),
                     origin))  # fmt: skip
    return pd.DataFrame(rows, columns=["setting", "value", "unit", "origin"])


# -- the outline ------------------------------------------------------------------------------


def plan_sections(plan: PlanResult) -> list[str]:
    """The report's sections (the summary's contents): costs, and a priced plan's parameters."""
    return ["plan_costs", "plan_parameters"] if _settings(plan) else ["plan_costs"]


def write_plan_report(page: Page, plan: PlanResult, *, communes: pd.DataFrame | None = None) -> None:
    """Write the sites report of ``plan`` on ``page``: the choice, then what it costs.

    Parameters
    ----------
    page : Page
        A writer's page (:mod:`.html`, :mod:`.docx`) for the run the plan was made for.
    plan : PlanResult
    communes : DataFrame, optional
        ``commune_id`` and ``commune``, for the communes' names.
    """
    t = Messages(page.lang)
    settings = _settings(plan)
    page.summary(choice_sentences(plan, page.lang))
    page.contents(plan_sections(plan))

    page.section("plan_costs", wide=True)
    if settings is None:
        page.note("n_plan_given")
    else:
        cur = settings["currency"]
        exchange = "" if cur == "USD" else t("report.n_plan_exchange", rate=t.short(settings["exchange_rate"]),
                                             currency=cur)  # fmt: skip
        page.note("n_plan_set", set=settings["set"], currency=cur, exchange=exchange,
                  source=t(f"report.cost_source.{settings['set']}") if t.has(f"report.cost_source.{settings['set']}")
                  else settings["set"], discount=f"{t.short(100 * settings['discount_rate'])}%",
                  years=t.number(settings["horizon_years"]))  # fmt: skip
    given = "" if settings is not None else "_given"
    page.table(f"t_plan_totals{given}", totals_table(plan, page.lang), style="params")
    if settings is not None:
        page.note("n_plan_subsidy", penetration=f"{t.short(100 * settings['penetration'])}%",
                  adoption=f"{t.short(100 * settings['adoption'])}%", arpu=t.short(settings["arpu_per_month"]),
                  currency=settings["currency"], margin=f"{t.short(100 * settings['margin'])}%")  # fmt: skip
    page.table(f"t_plan_sites{given}", site_costs_table(plan, page.lang, communes=communes))
    if settings is not None and len(plan.table):
        page.note("n_plan_sites")
    page.table("t_plan_communes", commune_costs_table(plan, page.lang, communes=communes))
    page.end_section()

    if settings is not None:
        page.section("plan_parameters", wide=False)
        page.table("t_plan_parameters", cost_parameters_table(settings, page.lang), style="params")
        page.note("n_plan_parameters")
        page.colophon()
        page.end_section()
    else:
        page.colophon()
