"""The report's tables, built once for the HTML page and the workbook.

Each function takes a :class:`~whitezone.result.Result` and the language
and returns a DataFrame whose columns keep their canonical names (labelled
by :mod:`.labels` when rendered) and whose values stay numbers; only names of
coded values (signal classes, kinds, placeholders) are translated.  A table
whose last row is a total has ``frame.attrs["total"] = True``.  A function
returns None when its data were not given.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..classes import NO_COMMUNE, NO_DISTRICT, NO_PROVINCE
from ..i18n import MESSAGES, message, value_label, vi_sort_key
from ..indicators import aggregate
from ..operators import UNKNOWN_OPERATOR
from ..result import Result

__all__ = [
    "TOTAL", "broadband_table", "communes_table", "districts_table", "headline_table",
    "layers_table", "operators_table", "pois_table", "post_kinds_table", "postal_table",
    "repairs_table", "sites_by_district_table", "sites_table", "technologies_table", "total_row",
    "translate_values", "where_label", "with_shares",
]  # fmt: skip

_MOBILE = ["villages_none", "pct_none", "villages_weak", "pct_weak", "villages_good", "pct_good",
           "villages_unclassified"]  # fmt: skip
#: The total row's name before translation.
TOTAL = "(total)"
_PLACEHOLDERS = frozenset({TOTAL, NO_COMMUNE, NO_DISTRICT, NO_PROVINCE, UNKNOWN_OPERATOR})
_NAME_COLUMNS = frozenset({"province", "district", "commune", "commune_id", "operator", "area"})
_SHARES = {
    "pct_unclassified": ("villages_unclassified", "villages"),
    "pct_centers_covered": ("centers_covered", "communes"),
    "pct_centers_good": ("centers_good", "communes"),
    "pct_communes_with_commune_post_office": ("communes_with_commune_post_office", "communes"),
    "pct_communes_with_broadband": ("communes_with_broadband", "communes"),
    "pct_far_from_post": ("villages_far_from_post", "villages"),
}


def with_shares(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the percentages the indicator tables leave out (rounded to 2 decimals, as theirs)."""
    frame = frame.copy()
    for pct, (part, whole) in _SHARES.items():
        if part in frame and whole in frame:
            den = frame[whole].astype(float)
            frame[pct] = (100.0 * frame[part].astype(float) / den.where(den > 0)).round(2)
    return frame


def total_row(result: Result) -> pd.Series:
    """The province's figures (summed over every commune when there are several provinces)."""
    province = result.summaries.province
    if len(province) == 1:
        row = province.iloc[0]
    else:
        table = result.summaries.communes.assign(_all=result.project.name)
        row = aggregate(table, "_all").iloc[0]
    return with_shares(row.to_frame().T).iloc[0]


def _pick(frame: pd.DataFrame, columns) -> pd.DataFrame:
    return frame[[c for c in columns if c in frame]].reset_index(drop=True)


def _sorted(frame: pd.DataFrame, *by: str) -> pd.DataFrame:
    keys = [frame[c].map(lambda v: (v in _PLACEHOLDERS, vi_sort_key(v))) for c in by]
    order = sorted(range(len(frame)), key=lambda i: tuple(k.iloc[i] for k in keys))
    return frame.iloc[order].reset_index(drop=True)


def translate_values(frame: pd.DataFrame, columns, lang: str) -> pd.DataFrame:
    """Name coded values; in columns of names only the placeholders (a district may be "good")."""
    for col in columns:
        if col in frame:
            names = col in _NAME_COLUMNS
            frame[col] = frame[col].astype(object).map(
                lambda v, names=names: value_label(v, lang) if not names or v in _PLACEHOLDERS
                else v)
    return frame


def _by_district(result: Result, lang: str, columns: list[str]) -> pd.DataFrame:
    """Districts (sorted) plus the province total, or the total alone without districts."""
    total = total_row(result)
    districts = result.summaries.districts
    if districts is None:
        out = _pick(total.to_frame().T, columns)
        out.insert(0, "area", value_label(TOTAL, lang))
    else:
        rows = _sorted(with_shares(districts), "district")
        out = pd.concat([_pick(rows, ["district", *columns]),
                         _pick(total.to_frame().T, columns)], ignore_index=True)  # fmt: skip
        out["district"] = out["district"].astype(object)
        out.loc[len(out) - 1, "district"] = TOTAL
        out = translate_values(out, ["district"], lang)
    out = out.infer_objects()
    out.attrs["total"] = True
    return out


def headline_table(result: Result, lang: str) -> pd.DataFrame:
    """The province's mobile figures, one per row: indicator, number, of_total, pct."""
    row = total_row(result)
    spec = [("communes", None, None), ("villages", None, None), ("population", None, None),
            ("villages_none", None, "pct_none"), ("villages_weak", None, "pct_weak"),
            ("villages_good", None, "pct_good"),
            ("villages_unclassified", None, "pct_unclassified"),
            ("population_none", None, "pct_population_none"),
            ("population_weak", None, "pct_population_weak"),
            ("centers_covered", "communes", "pct_centers_covered"),
            ("centers_good", "communes", "pct_centers_good"), ("area_km2", None, None),
            ("area_covered_km2", None, "pct_area_covered"), ("sites", None, None),
            *[(f"site_technologies_{t.lower()}", None, None) for t in result.technologies],
            ("site_technologies", None, None)]  # fmt: skip
    rows = [{"indicator": key, "number": row[key],
             "of_total": row[of] if of else np.nan, "pct": row.get(pct, np.nan)}
            for key, of, pct in spec if key in row]  # fmt: skip
    return pd.DataFrame(rows).astype({"number": float, "of_total": float, "pct": float})


def districts_table(result: Result, lang: str) -> pd.DataFrame:
    """Mobile coverage per district and for the province."""
    return _by_district(result, lang, [
        "communes", "villages", *_MOBILE, "population_none", "pct_population_none",
        "centers_covered", "pct_centers_covered", "pct_area_covered",
        "site_technologies"])  # fmt: skip


def technologies_table(result: Result, lang: str) -> pd.DataFrame:
    """Coverage per technology and for any technology (last row)."""
    row = total_row(result)
    columns = [*_MOBILE, "population_none", "pct_population_none", "area_covered_km2",
               "pct_area_covered", "site_technologies"]  # fmt: skip
    rows = []
    for tech in [*result.technologies, None]:
        sfx = f"_{tech.lower()}" if tech else ""
        rec = {"technology": tech or value_label("any", lang)}
        for col in columns:
            rec[col] = row.get(f"{col}{sfx}", np.nan)
        rows.append(rec)
    out = pd.DataFrame(rows).infer_objects()
    out.attrs["total"] = True
    return out


def operators_table(result: Result, lang: str, *, level: str = "province") -> pd.DataFrame | None:
    """Each operator's own coverage, for the province or per district."""
    ops = result.summaries.operators
    if ops is None or not (ops["level"] == level).any():
        return None
    rows = ops[ops["level"] == level].rename(columns={"area": level})
    rows = _sorted(rows, level, "operator")
    columns = [*_MOBILE, "population_none", "pct_population_none", "sites", "site_technologies"]
    keep = ["operator", *columns]
    if level == "district" or rows[level].nunique() > 1:
        keep.insert(0, level)
    return translate_values(_pick(rows, keep), [level, "operator"], lang)


def sites_table(result: Result, lang: str) -> pd.DataFrame:
    """Active sites and site-technologies per operator and technology, with a total row."""
    sites = result.layers.sites
    active = sites[sites["status"] == "active"]
    operator = active["operator"].astype(object).where(active["operator"].notna(),
                                                       UNKNOWN_OPERATOR)  # fmt: skip
    frame = pd.DataFrame({"operator": operator.to_numpy(), "site_id": active["site_id"].to_numpy(),
                          "technology": active["technology"].to_numpy()})  # fmt: skip
    techs = list(result.technologies)
    per = frame.groupby("operator", sort=False)
    out = pd.DataFrame({"operator": list(per.groups)})
    out = _sorted(out, "operator")
    out["sites"] = out["operator"].map(per["site_id"].nunique()).astype(np.int64)
    counts = pd.crosstab(frame["operator"], frame["technology"])
    for tech in techs:
        col = counts[tech] if tech in counts else pd.Series(dtype=np.int64)
        mapped = out["operator"].map(col).fillna(0)
        out[f"site_technologies_{tech.lower()}"] = mapped.astype(np.int64)
    out["site_technologies"] = out["operator"].map(per.size()).astype(np.int64)
    total = {"operator": TOTAL, "sites": frame["site_id"].nunique(),
             **{f"site_technologies_{t.lower()}": int((frame["technology"] == t).sum())
                for t in techs}, "site_technologies": len(frame)}  # fmt: skip
    out = pd.concat([out, pd.DataFrame([total])], ignore_index=True)
    out = translate_values(out, ["operator"], lang)
    out.attrs["total"] = True
    return out


def sites_by_district_table(result: Result, lang: str) -> pd.DataFrame | None:
    """Sites and site-technologies per district (sites inside a commune)."""
    if result.summaries.districts is None:
        return None
    techs = [f"site_technologies_{t.lower()}" for t in result.technologies]
    return _by_district(result, lang, ["sites", *techs, "site_technologies"])


def communes_table(result: Result, lang: str) -> pd.DataFrame:
    """Every commune, sorted by district then name, with its mobile figures."""
    communes = with_shares(result.summaries.communes)
    has_district = result.summaries.districts is not None
    rows = _sorted(communes, *(["district"] if has_district else []), "commune")
    rows["district"] = rows["district"].astype(object).where(rows["district"].notna(), NO_DISTRICT)
    keep = ["commune_id", "commune", "villages", *_MOBILE, "center_class", "sites"]
    out = _pick(rows, ["district", *keep] if has_district else keep)
    out.insert(0, "stt", np.arange(1, len(out) + 1))
    return translate_values(out, ["district", "commune_id", "commune", "center_class"], lang)


def postal_table(result: Result, lang: str) -> pd.DataFrame | None:
    """N, S, P, R, P/N, communes with a BĐ-VHX and villages beyond R, per district."""
    if "post_points" not in result.summaries.province:
        return None
    return _by_district(result, lang, [
        "communes", "post_points", "area_km2", "population", "service_radius_km", "people_per_post",
        "communes_with_commune_post_office", "pct_communes_with_commune_post_office",
        "villages", "villages_beyond_service_radius", "pct_beyond_service_radius",
        "villages_far_from_post", "pct_far_from_post"])  # fmt: skip


def post_kinds_table(result: Result, lang: str) -> pd.DataFrame | None:
    """Postal points per kind (BĐ-VHX, post office, agent...), with a total."""
    posts = result.layers.post_offices
    if posts is None:
        return None
    kinds = posts["kind"].astype(object).where(posts["kind"].notna(), "?").value_counts(sort=False)
    out = pd.DataFrame({"post_kind": list(kinds.index), "post_points": kinds.to_numpy(np.int64)})
    out = out.sort_values(["post_points", "post_kind"], ascending=[False, True], kind="stable")
    total = pd.DataFrame([{"post_kind": TOTAL, "post_points": int(kinds.sum())}])
    out = translate_values(pd.concat([out, total], ignore_index=True), ["post_kind"], lang)
    out.attrs["total"] = True
    return out


def broadband_table(result: Result, lang: str) -> pd.DataFrame | None:
    """Villages without and communes with fixed broadband, per district."""
    if "villages_no_broadband" not in result.summaries.province:
        return None
    return _by_district(result, lang, [
        "villages", "villages_no_broadband", "pct_no_broadband", "communes",
        "communes_with_broadband", "pct_communes_with_broadband"])  # fmt: skip


def pois_table(result: Result, lang: str, *, level: str = "province") -> pd.DataFrame | None:
    """Points of interest per kind with signal and with fixed broadband."""
    pois = result.summaries.pois
    if pois is None or not (pois["level"] == level).any():
        return None
    rows = pois[pois["level"] == level].rename(columns={
        "area": level, "pct_covered": "pct_pois_covered", "pct_good": "pct_pois_good",
        "pct_broadband": "pct_pois_broadband"})  # fmt: skip
    rows = _sorted(rows, level, "kind") if level == "district" else _sorted(rows, "kind")
    keep = ["kind", "pois", "pois_covered", "pct_pois_covered", "pois_good", "pct_pois_good",
            "pois_none", "pois_broadband", "pct_pois_broadband"]  # fmt: skip
    if level == "district" or rows[level].nunique() > 1:
        keep.insert(0, level)
    return translate_values(_pick(rows, keep), [level, "kind"], lang)


def layers_table(result: Result, lang: str) -> pd.DataFrame:
    """Each input layer: its records, the CRS it was read in and its file."""
    table = result.layers.summary().rename(columns={"rows": "row_count", "read as": "read_as"})
    table["read_as"] = table["read_as"].astype(object).map(lambda v: "" if v is None else str(v))
    return translate_values(table, ["layer", "read_as"], lang)


_WHERE = re.compile(r"\b(row|feature|cell group) (\d+)")


def where_label(rows: str, lang: str) -> str:
    """Rows as a reader of ``lang`` names them: ``row 65, feature 5`` -> ``dòng 65, đối tượng 5``."""
    keys = {"row": "where.row", "feature": "where.feature", "cell group": "where.cell_group"}
    return _WHERE.sub(lambda m: message(keys[m[1]], lang, n=m[2]), rows)


def repairs_table(repairs: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The repairs made while loading, with their kinds, layers and rows named in ``lang``.

    In Vietnamese each row also explains its repair in Vietnamese (column
    ``explanation``) beside the loader's detail, which names the columns and
    values involved and stays in English.
    """
    table = repairs.rename(columns={"kind": "repair"}).reset_index(drop=True)
    table["rows"] = table["rows"].astype(str).map(lambda rows: where_label(rows, lang))
    if lang == "vi":
        explain = table["repair"].map(lambda kind: message(f"repair.{kind}", lang)
                                      if f"repair.{kind}" in MESSAGES else "")  # fmt: skip
        table.insert(table.columns.get_loc("repair") + 1, "explanation", explain)
    return translate_values(table, ["layer", "repair"], lang)

