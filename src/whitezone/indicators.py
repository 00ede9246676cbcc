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

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .classes import (
    CATEGORIES,
    CLASSES,
    NO_COMMUNE,
    NO_DISTRICT,
    NO_PROVINCE,
    class_suffixes,
    commune_key,
    reconcile,
    tally,
)
from .classify import site_coordinates
from .crs import equal_area_crs
from .errors import WhitezoneError
from .grid import coverage_grid
from .layers import assign_communes
from .postal import people_per_point, service_radius_km
from .result import Summaries

__all__ = [
    "CAPACITY_COLUMNS",
    "aggregate",
    "area_coverage",
    "by_level",
    "check_reconciliation",
    "commune_indicators",
    "derive",
    "site_counts",
    "summarise",
]

#: The capacity check's counts (:mod:`whitezone.capacity`): summed like the others.
CAPACITY_COLUMNS = ("villages_short_capacity", "population_short_capacity", "schools_short_capacity")


def commune_indicators(
    villages: pd.DataFrame,
    communes: gpd.GeoDataFrame,
    *,
    technologies: list[str],
    extra: list[pd.DataFrame | pd.Series] = (),
) -> pd.DataFrame:
    """One row per commune: the mobile counts plus any other indicator columns.

    Parameters
    ----------
    villages : DataFrame
        Classified villages (:func:`~whitezone.classify.classify_villages`).
    communes : GeoDataFrame
        ``commune_id``, ``commune``, ``district``, ``province``, and
        optionally ``center_class`` and ``area_km2``.
    technologies : list of str
    extra : list of DataFrame or Series
        Indexed by commune id (postal, broadband, area, sites...): joined as
        they are; communes absent from one get 0 (counts) or <NA>.

    Returns
    -------
    DataFrame
        In the communes' order, plus a ``(no commune)`` row when some
        villages have no commune; percentages and ratios derived.
    """
    classes = {sfx: villages[col] for sfx, col in class_suffixes(technologies).items()}
    counts = tally(commune_key(villages), classes, villages["population"])
    base = pd.DataFrame({
        "commune_id": communes["commune_id"].astype(object),
        "commune": communes["commune"].astype(object),
        "district": communes["district"].astype(object),
        "province": communes["province"].astype(object),
    })  # fmt: skip
    for col in ("center_class", "area_km2"):
        if col in communes:
            base[col] = communes[col].to_numpy()
    if NO_COMMUNE in counts.index:
        row = {"commune_id": NO_COMMUNE, "commune": NO_COMMUNE, "district": pd.NA, "province": pd.NA}
        base = pd.concat([base, pd.DataFrame([row])], ignore_index=True)
    table = base.join(counts, on="commune_id")
    count_cols = list(counts.columns)
    table[count_cols] = table[count_cols].fillna(0)
    for col in count_cols:
        if col.startswith("villages"):
            table[col] = table[col].astype(np.int64)
    # The totals stand after the names, before the class counts.
    ahead = [c for c in base.columns if c not in ("center_class", "area_km2")]
    table = table[[*ahead, "villages", "population",
                   *[c for c in table.columns if c not in (*ahead, "villages", "population")]]]
    for part in extra:
        part = part.to_frame() if isinstance(part, pd.Series) else part
        joined = table[["commune_id"]].join(part, on="commune_id").drop(columns="commune_id")
        for col in joined:
            values = joined[col]
            if pd.api.types.is_integer_dtype(part[col]) or col.startswith(("villages_", "sites", "site_",
                                                                            "schools_")):
                values = values.fillna(0).astype(np.int64)
            elif col.startswith(("population", "area_covered")):
                values = values.fillna(0.0)
            table[col] = values  # a population raster's columns replace the villages' sums
    return derive(table)


def _pct(part: pd.Series, whole: pd.Series) -> pd.Series:
    with np.errstate(divide="ignore", invalid="ignore"):
        return (100.0 * part / whole.where(whole > 0)).round(2)


def derive(table: pd.DataFrame) -> pd.DataFrame:
    """Recompute percentages and ratios from the counts of a table (any level)."""
    table = table.copy()
    suffixes = [""] + sorted({c[len("villages_none"):] for c in table if c.startswith("villages_none_")})
    for sfx in suffixes:
        for cat in CATEGORIES:
            table[f"pct_{cat}{sfx}"] = _pct(table[f"villages_{cat}{sfx}"], table["villages"])
            table[f"pct_population_{cat}{sfx}"] = _pct(table[f"population_{cat}{sfx}"], table["population"])
    if "post_points" in table:
        if "area_km2" in table:
            table["service_radius_km"] = np.round(service_radius_km(table["area_km2"], table["post_points"]), 3)
        table["people_per_post"] = np.round(people_per_point(table["population"], table["post_points"]), 1)
    if "villages_no_broadband" in table:
        table["pct_no_broadband"] = _pct(table["villages_no_broadband"], table["villages"])
    if "villages_beyond_service_radius" in table:
        table["pct_beyond_service_radius"] = _pct(table["villages_beyond_service_radius"],
                                                  table["villages"])  # fmt: skip
    if "area_km2" in table:
        for col in [c for c in table if c.startswith("area_covered_km2")]:
            table["pct_area_covered" + col[len("area_covered_km2"):]] = _pct(table[col], table["area_km2"])
            table[col] = table[col].round(3)
        table["area_km2"] = table["area_km2"].round(3)
    return table[_ordered(table.columns, suffixes)]


def _ordered(columns, suffixes: list[str]) -> list[str]:
    """Counts next to their percentages, any-technology first, then per technology."""
    columns = list(columns)
    order: list[str] = []
    for sfx in suffixes:
        for cat in CATEGORIES:
            order += [f"villages_{cat}{sfx}", f"pct_{cat}{sfx}"]
        for cat in CATEGORIES:
            order += [f"population_{cat}{sfx}", f"pct_population_{cat}{sfx}"]
    order += ["villages_no_broadband", "pct_no_broadband"]
    order += list(CAPACITY_COLUMNS)
    for sfx in suffixes:
        order += [f"area_covered_km2{sfx}", f"pct_area_covered{sfx}"]
    grouped = [c for c in order if c in columns]
    first = [c for c in columns if c not in grouped and not c.startswith(("post_", "service_",
             "people_per", "area_km2", "commune_post", "centers_", "communes_with", "center_",
             "sites", "site_technologies", "cells", "villages_far", "villages_beyond",
             "pct_beyond"))]  # fmt: skip
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
    label = NO_DISTRICT if by == "district" else NO_PROVINCE
    groups = table[by].astype(object).where(table[by].notna(), label)
    numeric = [
        c for c in table.columns
        if c.startswith(("villages", "population", "communes", "centers_", "post_points", "area_km2",
                         "area_covered", "sites", "site_technologies", "cells"))
        or c in CAPACITY_COLUMNS
    ]  # fmt: skip
    summed = table[numeric].groupby(groups.to_numpy(), sort=False).sum()
    summed.index.name = by
    out = summed.reset_index()
    first = ["communes", "villages", "population"]
    out = out[[by, *first, *[c for c in out.columns if c not in (by, *first)]]]
    return derive(out)


def summarise(communes_table: pd.DataFrame, *, province_name: str | None = None) -> Summaries:
    """District and province tables from a commune table.

    Parameters
    ----------
    communes_table : DataFrame
        From :func:`commune_indicators`.
    province_name : str, optional
        The province of rows that carry none when no commune names one (a
        provincial run whose communes have no province column).

    Notes
    -----
    The row of villages outside every commune belongs to the province when
    there is one: the communes' own province when they all name the same
    one, else ``province_name``.  When the communes name several provinces
    (a national run) it stays apart as ``(no province)``.
    """
    table = communes_table.copy()
    real = table["commune_id"] != NO_COMMUNE
    named = table.loc[real, "province"].dropna().unique()
    fill = named[0] if len(named) == 1 else province_name if len(named) == 0 else None
    if fill is not None:
        table["province"] = table["province"].astype(object).where(table["province"].notna(), fill)
    has_district = table.loc[table["commune_id"] != NO_COMMUNE, "district"].notna().any()
    districts = aggregate(table, "district") if has_district else None
    province = aggregate(table, "province")
    return Summaries(communes=table, districts=districts, province=province)


def check_reconciliation(villages: pd.DataFrame, summaries: Summaries, technologies: list[str]) -> None:
    """Fail loudly unless the counts reconcile at every level.

    none + weak + good + unclassified = villages for every row and
    technology; communes sum to the districts and to the province; the
    province total equals the number of input villages; villages short of
    capacity are covered ones (never more than weak + good).

    Raises
    ------
    WhitezoneError
        Naming the first mismatch (this is a bug, never the user's data).
    """
    tables = {"communes": summaries.communes, "province": summaries.province}
    if summaries.districts is not None:
        tables["districts"] = summaries.districts
    suffixes = list(class_suffixes(technologies))
    for name, table in tables.items():
        reconcile(table, suffixes, villages=len(villages), name=name)
        if "villages_short_capacity" in table and \
                (table["villages_short_capacity"] > table["villages_weak"] + table["villages_good"]).any():
            raise WhitezoneError(f"internal error: {name} counts more villages short of capacity "
                                 "than covered")  # fmt: skip
    # The province's counts are the rows of villages.csv with each class.
    cls = villages["class_any"].astype(object)
    rows = {cat: int((cls == cat).sum()) for cat in CLASSES}
    rows["unclassified"] = len(villages) - sum(rows.values())
    for cat, expected in rows.items():
        if int(summaries.province[f"villages_{cat}"].sum()) != expected:
            raise WhitezoneError(f"internal error: province villages_{cat} != rows of villages")


def site_counts(sites: gpd.GeoDataFrame, communes: gpd.GeoDataFrame) -> pd.DataFrame:
    """Active sites and site-technologies per commune, by technology.

    A site is counted in the commune containing it (first in file order on a
    shared boundary); sites outside every commune are not counted here.

    Returns
    -------
    DataFrame
        Indexed by commune id: ``sites``, ``site_technologies`` (a site's
        sectors of one technology count once), ``cells`` (each sector, and
        each omnidirectional site-technology) and ``site_technologies_<tech>``.
    """
    active = sites[sites["status"] == "active"].reset_index(drop=True)
    where, _ = assign_communes(active.geometry, communes, snap_km=0.0)
    operator = active["operator"].astype(object) if "operator" in active else pd.Series("", index=active.index)
    frame = pd.DataFrame({"commune_id": where.to_numpy(), "site_id": active["site_id"].to_numpy(),
                          "operator": operator.fillna("").to_numpy(),
                          "technology": active["technology"].to_numpy()}).dropna(subset=["commune_id"])  # fmt: skip
    per_tech = frame.drop_duplicates(["commune_id", "site_id", "operator", "technology"])
    out = pd.DataFrame({
        "sites": frame.groupby("commune_id")["site_id"].nunique(),
        "site_technologies": per_tech.groupby("commune_id").size(),
        "cells": frame.groupby("commune_id").size(),
    })  # fmt: skip
    by_tech = per_tech.groupby(["commune_id", "technology"]).size().unstack(fill_value=0)
    for tech in by_tech.columns:
        out[f"site_technologies_{tech.lower()}"] = by_tech[tech]
    return out.fillna(0).astype(np.int64)


def _covered_share(polys: np.ndarray, discs: np.ndarray, chosen: list[np.ndarray]) -> list[np.ndarray]:
    """Area of each polygon inside the union of the discs, for each selection of discs.

    A commune lying wholly inside one chosen disc is covered whole; that
    settles most communes of a national run, where a town's discs dwarf its
    communes, without clipping them.  The rest are clipped against only the
    chosen discs that touch them, and their union is taken commune by commune
    (the loop is over communes, never villages x sites): a country-wide union
    of discs intersected with every commune costs minutes, this costs seconds.
    The two spatial queries are made once and shared by every selection.
    """
    import shapely

    if len(discs) == 0:
        return [np.zeros(len(polys)) for _ in chosen]
    tree = shapely.STRtree(discs)
    within = tree.query(polys, predicate="within")
    touching = tree.query(polys, predicate="intersects")
    results = []
    for mask in chosen:
        out = np.zeros(len(polys))
        whole = np.zeros(len(polys), dtype=bool)
        whole[within[0][mask[within[1]]]] = True
        out[whole] = shapely.area(polys[whole])
        pairs = touching[:, mask[touching[1]] & ~whole[touching[0]]]
        if pairs.shape[1]:
            clipped = shapely.intersection(discs[pairs[1]], polys[pairs[0]])
            order = np.argsort(pairs[0], kind="stable")
            owners, starts = np.unique(pairs[0][order], return_index=True)
            groups = np.split(clipped[order], starts[1:])
            out[owners] = [shapely.area(shapely.union_all(group)) for group in groups]
        results.append(out)
    return results


def area_coverage(
    communes: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    model,
    *,
    crs,
    technologies: list[str],
    resolution_m: float | None = None,
    grid=None,
) -> pd.DataFrame:
    """Area of each commune with signal (weak or good), per technology and for any.

    A model with an exact footprint (the radius model's discs,
    :meth:`~whitezone.models.CoverageModel.footprints`) is measured as
    geometry: the union of every active site's footprint intersected with
    each commune in ``crs``.  Other models are evaluated at the centres of a
    grid (as the rasters are).  Either way the covered *share* of the commune
    is measured in ``crs`` and applied to its equal-area ``area_km2``, so a
    fully covered commune is 100 % whatever the projection's scale factor.

    Parameters
    ----------
    resolution_m : float, optional
        Grid of the sampled models; default the model's ``area_grid_m``.
    grid : whitezone.grid.CoverageGrid, optional
        The model already evaluated on a grid (reused instead of computed).

    Returns
    -------
    DataFrame
        Indexed by commune id: ``area_covered_km2`` and
        ``area_covered_km2_<tech>`` (pct columns are derived from them).
    """

    polys = communes.to_crs(crs).geometry.to_numpy()
    ids = communes["commune_id"].to_numpy()
    area_km2 = (communes["area_km2"].to_numpy(dtype=float) if "area_km2" in communes
                else communes.geometry.to_crs(equal_area_crs([communes])).area.to_numpy() / 1e6)  # fmt: skip
    active = sites[(sites["status"] == "active") & sites["technology"].isin(technologies)]
    active = active.reset_index(drop=True)
    out = pd.DataFrame(index=pd.Index(ids, name="commune_id"))
    discs = model.footprints(active, site_xy=site_coordinates(active, crs))
    if discs is not None:
        tech_of = active["technology"].to_numpy()
        whole = shapely.area(polys)
        selections = [("area_covered_km2", np.ones(len(discs), dtype=bool))]
        selections += [(f"area_covered_km2_{t.lower()}", tech_of == t) for t in technologies]
        shares = _covered_share(polys, discs, [chosen for _, chosen in selections])
        for (name, _), covered in zip(selections, shares, strict=True):
            out[name] = covered / whole * area_km2
        return out
    if grid is None:
        grid = coverage_grid(communes, sites, model, crs=crs, technologies=technologies,
                             resolution_m=resolution_m or model.area_grid_m)  # fmt: skip
    inside = grid.owner.ravel() > 0
    owner = grid.owner.ravel()[inside] - 1
    cells = np.bincount(owner, minlength=len(ids)).astype(float)
    for key, name in [("any", "area_covered_km2"),
                      *[(t, f"area_covered_km2_{t.lower()}") for t in technologies]]:  # fmt: skip
        covered = np.isin(grid.levels[key].ravel()[inside], (1, 2))
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.bincount(owner[covered], minlength=len(ids)) / cells
        out[name] = np.nan_to_num(share) * area_km2
    return out


def by_level(per_commune: pd.DataFrame, communes: pd.DataFrame, *, key: str,
             ratios: dict[str, tuple[str, str]]) -> pd.DataFrame:  # fmt: skip
    """Sum a (commune, key) table to districts and provinces, in one long table.

    Parameters
    ----------
    per_commune : DataFrame
        ``commune_id``, ``key`` and count columns.
    communes : DataFrame
        ``commune_id``, ``commune``, ``district``, ``province``.
    key : str
        The second grouping (``operator``, ``kind``).
    ratios : dict
        Percentage column -> (count column, total column), recomputed at
        every level from the sums.

    Returns
    -------
    DataFrame
        ``level`` (province, district, commune), ``area`` (its name),
        ``commune_id``, ``key``, the counts and the percentages; provinces
        first, then districts, then communes.
    """
    names = communes.set_index("commune_id")[["commune", "district", "province"]]
    frame = per_commune.join(names, on="commune_id")
    frame["commune"] = frame["commune"].fillna(NO_COMMUNE)
    counts = [c for c in per_commune.columns if c not in ("commune_id", key)]
    parts = []
    for level, by in (("province", "province"), ("district", "district"), ("commune", "commune_id")):
        if level == "district" and frame["district"].isna().all():
            continue
        label = frame[by].astype(object).where(frame[by].notna(), NO_DISTRICT if level == "district"
                                               else NO_PROVINCE)  # fmt: skip
        summed = frame[counts].groupby([label.to_numpy(), frame[key].to_numpy()], sort=False).sum()
        summed.index.names = ["area", key]
        summed = summed.reset_index()
        summed.insert(0, "level", level)
        if level == "commune":
            summed.insert(2, "commune_id", summed["area"])
            summed["area"] = summed["commune_id"].map(names["commune"]).fillna(NO_COMMUNE)
        else:
            summed.insert(2, "commune_id", pd.NA)
        parts.append(summed)
    out = pd.concat(parts, ignore_index=True)
    for col, (num, den) in ratios.items():
        out[col] = _pct(out[num], out[den])
    return out
