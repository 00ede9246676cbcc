"""Indicators per commune, district and province (DESIGN §4).

Everything is counted from the classified villages, so every figure can be
traced back to rows of ``villages.csv``: a commune's ``villages_none`` is the
number of rows carrying its ``commune_id`` and ``class_any == "none"``.
Districts and provinces are sums of their communes, with percentages and
ratios recomputed from the sums (never averaged).  Villages that could not be
placed in any commune are counted in a ``(no commune)`` row so that communes
always add up to the province.

Percentages are of all villages (or all people), unclassified ones included,
as the provincial reports quote them (30 villages without signal = 2.0 % of
the province's villages).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from .errors import WhitezoneError
from .postal import people_per_point, service_radius_km
from .technology import CLASSES

__all__ = [
    "NO_COMMUNE",
    "Summaries",
    "aggregate",
    "check_reconciliation",
    "commune_indicators",
    "summarise",
]

#: Label of the row counting villages outside every commune.
NO_COMMUNE = "(no commune)"
NO_DISTRICT = "(no district)"
_CATS = (*CLASSES, "unclassified")


def _class_counts(villages: pd.DataFrame, key: pd.Series, column: str, suffix: str) -> pd.DataFrame:
    cls = villages[column].astype(object)
    cls = cls.where(cls.isin(CLASSES), "unclassified")
    dummies = pd.get_dummies(pd.Categorical(cls, categories=list(_CATS))).astype(np.int64)
    dummies.index = villages.index
    pop = villages["population"].fillna(0.0).to_numpy(dtype=float)
    counts = dummies.groupby(key.to_numpy(), dropna=False).sum()
    people = dummies.mul(pop, axis=0).groupby(key.to_numpy(), dropna=False).sum()
    out = pd.DataFrame(index=counts.index)
    for cat in _CATS:
        out[f"villages_{cat}{suffix}"] = counts[cat]
    for cat in _CATS:
        out[f"population_{cat}{suffix}"] = people[cat]
    return out


def commune_indicators(
    villages: pd.DataFrame,
    communes: gpd.GeoDataFrame,
    *,
    technologies: list[str],
    post_offices: gpd.GeoDataFrame | None = None,
    area_km2: np.ndarray | None = None,
    post_max_distance_km: float | None = None,
) -> pd.DataFrame:
    """One row per commune with the mobile, postal and broadband indicators.

    Parameters
    ----------
    villages : DataFrame
        Classified villages (:func:`~whitezone.classify.classify_villages`),
        with ``post_distance_km`` and ``fixed_broadband`` when available.
    communes : GeoDataFrame
        With ``center_class`` (and ``center_broadband``) when computed.
    technologies : list of str
    post_offices : GeoDataFrame, optional
    area_km2 : ndarray, optional
        Area of each commune (equal-area CRS).
    post_max_distance_km : float, optional
        Count villages farther than this from every postal point.

    Returns
    -------
    DataFrame
        In the communes' order, plus a ``(no commune)`` row when some
        villages have no commune.
    """
    key = villages["commune_id"].astype(object).where(villages["commune_id"].notna(), NO_COMMUNE)
    parts = [_class_counts(villages, key, "class_any", "")]
    for tech in technologies:
        parts.append(_class_counts(villages, key, f"class_{tech.lower()}", f"_{tech.lower()}"))
    counts = pd.concat(parts, axis=1)
    base = pd.DataFrame({
        "commune_id": communes["commune_id"].astype(object),
        "commune": communes["commune"].astype(object),
        "district": communes["district"].astype(object),
        "province": communes["province"].astype(object),
    })  # fmt: skip
    if "center_class" in communes:
        base["center_class"] = communes["center_class"].astype(object).to_numpy()
    if area_km2 is not None:
        base["area_km2"] = np.asarray(area_km2, dtype=float)
    if NO_COMMUNE in counts.index:
        extra = {"commune_id": NO_COMMUNE, "commune": NO_COMMUNE, "district": pd.NA, "province": pd.NA}
        base = pd.concat([base, pd.DataFrame([extra])], ignore_index=True)
    table = base.join(counts, on="commune_id")
    count_cols = list(counts.columns)
    table[count_cols] = table[count_cols].fillna(0)
    for col in count_cols:
        if col.startswith("villages_"):
            table[col] = table[col].astype(np.int64)
    table.insert(4, "villages", table[[f"villages_{c}" for c in _CATS]].sum(axis=1))
    table.insert(5, "population", table[[f"population_{c}" for c in _CATS]].sum(axis=1))

    if "post_distance_km" in villages:
        far = villages["post_distance_km"].to_numpy(dtype=float)
        if post_max_distance_km is not None:
            table["villages_far_from_post"] = _count_by(key, far > post_max_distance_km, table)
    if post_offices is not None:
        pkey = post_offices["commune_id"].astype(object).where(post_offices["commune_id"].notna(), NO_COMMUNE)
        n = pkey.value_counts()
        table["post_points"] = table["commune_id"].map(n).fillna(0).astype(np.int64)
        cpo = post_offices["kind"] == "commune post office"
        has = set(pkey[cpo.fillna(False).to_numpy(dtype=bool)])
        table["commune_post_office"] = table["commune_id"].isin(has)
    if "fixed_broadband" in villages and villages["fixed_broadband"].notna().any():
        no_bb = (villages["fixed_broadband"] == False).fillna(False).to_numpy(dtype=bool)  # noqa: E712
        table["villages_no_broadband"] = _count_by(key, no_bb, table)
        if "center_broadband" in communes:
            table["center_broadband"] = pd.array(
                list(communes["center_broadband"]) + [pd.NA] * (len(table) - len(communes)),
                dtype="boolean",
            )
    return derive(table)


def _count_by(key: pd.Series, flag: np.ndarray, table: pd.DataFrame) -> np.ndarray:
    sums = pd.Series(flag.astype(np.int64), index=key.index).groupby(key.to_numpy()).sum()
    return table["commune_id"].map(sums).fillna(0).astype(np.int64).to_numpy()


def _pct(part: pd.Series, whole: pd.Series) -> pd.Series:
    with np.errstate(divide="ignore", invalid="ignore"):
        return (100.0 * part / whole.where(whole > 0)).round(2)


def derive(table: pd.DataFrame) -> pd.DataFrame:
    """Recompute percentages and ratios from the counts of a table (any level)."""
    table = table.copy()
    suffixes = [""] + sorted({c[len("villages_none"):] for c in table if c.startswith("villages_none_")})
    for sfx in suffixes:
        for cat in CLASSES:
            table[f"pct_{cat}{sfx}"] = _pct(table[f"villages_{cat}{sfx}"], table["villages"])
            table[f"pct_population_{cat}{sfx}"] = _pct(table[f"population_{cat}{sfx}"], table["population"])
    if "post_points" in table:
        if "area_km2" in table:
            table["service_radius_km"] = np.round(service_radius_km(table["area_km2"], table["post_points"]), 3)
        table["people_per_post"] = np.round(people_per_point(table["population"], table["post_points"]), 1)
    if "villages_no_broadband" in table:
        table["pct_no_broadband"] = _pct(table["villages_no_broadband"], table["villages"])
    return table[_ordered(table.columns, suffixes)]


def _ordered(columns, suffixes: list[str]) -> list[str]:
    """Counts next to their percentages, any-technology first, then per technology."""
    columns = list(columns)
    order: list[str] = []
    for sfx in suffixes:
        for cat in (*CLASSES, "unclassified"):
            order += [f"villages_{cat}{sfx}", f"pct_{cat}{sfx}"]
        for cat in (*CLASSES, "unclassified"):
            order += [f"population_{cat}{sfx}", f"pct_population_{cat}{sfx}"]
    order += ["villages_no_broadband", "pct_no_broadband"]
    grouped = [c for c in order if c in columns]
    first = [c for c in columns if c not in grouped and not c.startswith(("post_", "service_",
             "people_per", "area_km2", "commune_post", "centers_", "communes_with", "center_"))]  # fmt: skip
    rest = [c for c in columns if c not in grouped and c not in first]
    return first + grouped + rest


def aggregate(communes: pd.DataFrame, by: str) -> pd.DataFrame:
    """Sum a commune table to districts or provinces and recompute ratios.

    Parameters
    ----------
    communes : DataFrame
        From :func:`commune_indicators`.
    by : {"district", "province"}

    Returns
    -------
    DataFrame
        One row per value of ``by`` (``(no district)`` for blanks), with
        ``communes``, ``centers_covered``, ``communes_with_commune_post_office``
        and ``communes_with_broadband`` counts in place of the per-commune flags.
    """
    table = communes.copy()
    real = table["commune_id"] != NO_COMMUNE
    table["communes"] = real.astype(np.int64)
    if "center_class" in table:
        table["centers_covered"] = table["center_class"].isin(["weak", "good"]).astype(np.int64)
        table["centers_good"] = (table["center_class"] == "good").astype(np.int64)
    if "commune_post_office" in table:
        table["communes_with_commune_post_office"] = table["commune_post_office"].fillna(False).astype(np.int64)
    if "center_broadband" in table:
        table["communes_with_broadband"] = table["center_broadband"].fillna(False).astype(np.int64)
    label = NO_DISTRICT if by == "district" else "(no province)"
    groups = table[by].astype(object).where(table[by].notna(), label)
    numeric = [
        c for c in table.columns
        if (c.startswith(("villages", "population", "communes", "centers_", "post_points", "area_km2")))
    ]  # fmt: skip
    summed = table[numeric].groupby(groups.to_numpy(), sort=False).sum()
    summed.index.name = by
    out = summed.reset_index()
    first = ["communes", "villages", "population"]
    out = out[[by, *first, *[c for c in out.columns if c not in (by, *first)]]]
    return derive(out)


@dataclass
class Summaries:
    """Indicator tables at each level.

    Attributes
    ----------
    communes : DataFrame
    districts : DataFrame or None
        None when the communes carry no district (Vietnam since 7/2025).
    province : DataFrame
    """

    communes: pd.DataFrame
    districts: pd.DataFrame | None
    province: pd.DataFrame


def summarise(communes_table: pd.DataFrame, *, province_name: str | None = None) -> Summaries:
    """District and province tables from a commune table.

    Parameters
    ----------
    communes_table : DataFrame
        From :func:`commune_indicators`.
    province_name : str, optional
        Used where communes carry no province.
    """
    table = communes_table
    if province_name is not None:
        table = table.copy()
        table["province"] = table["province"].astype(object).where(table["province"].notna(), province_name)
    has_district = table.loc[table["commune_id"] != NO_COMMUNE, "district"].notna().any()
    districts = aggregate(table, "district") if has_district else None
    province = aggregate(table, "province")
    return Summaries(communes=table, districts=districts, province=province)


def check_reconciliation(villages: pd.DataFrame, summaries: Summaries, technologies: list[str]) -> None:
    """Fail loudly unless the counts reconcile at every level.

    none + weak + good + unclassified = villages for every row and
    technology; communes sum to the districts and to the province; the
    province total equals the number of input villages.

    Raises
    ------
    WhitezoneError
        Naming the first mismatch (this is a bug, never the user's data).
    """
    tables = {"communes": summaries.communes, "province": summaries.province}
    if summaries.districts is not None:
        tables["districts"] = summaries.districts
    for name, table in tables.items():
        for sfx in ["", *[f"_{t.lower()}" for t in technologies]]:
            parts = table[[f"villages_{c}{sfx}" for c in _CATS]].sum(axis=1)
            if not (parts == table["villages"]).all():
                raise WhitezoneError(f"internal error: {name} counts{sfx} do not add up to villages")
        if int(table["villages"].sum()) != len(villages):
            raise WhitezoneError(
                f"internal error: {name} count {int(table['villages'].sum())} villages, "
                f"the input has {len(villages)}"
            )
    for col in ("villages_none", "villages_weak", "villages_good", "villages_unclassified"):
        expected = int(villages["class_any"].isin([col.split("_")[1]]).sum()) \
            if col != "villages_unclassified" else int((~villages["class_any"].isin(CLASSES)).sum())  # fmt: skip
        if int(summaries.province[col].sum()) != expected:
            raise WhitezoneError(f"internal error: province {col} != rows of villages")
