"""Coverage per operator: what each network alone gives a village.

A village has "no Viettel signal" when no active Viettel site reaches it,
whatever other operators do — the figure an operator's planning team and a
regulator comparing networks want.  Counted per commune, district and
province in one long table (``summary_operators.csv``).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from .classes import CATEGORIES, CLASSES, commune_key, tally
from .classify import classify_points
from .indicators import by_level

__all__ = ["operator_classes", "operator_summary"]

UNKNOWN_OPERATOR = "(unknown operator)"


def operator_classes(villages: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, *, model,
                     crs: CRS, technologies: list[str]) -> pd.DataFrame:  # fmt: skip
    """Each village's best class from each operator's sites (any technology).

    Returns
    -------
    DataFrame
        Index of ``villages``, one column per operator (its name), values
        ``none``/``weak``/``good`` or <NA> for villages without location.
    """
    operator = sites["operator"].astype(object).where(sites["operator"].notna(), UNKNOWN_OPERATOR)
    out = {}
    for name in sorted(operator[sites["status"] == "active"].unique()):
        mine = sites[(operator == name).to_numpy()]
        classes = classify_points(villages.geometry, mine, model=model, crs=crs, technologies=technologies)
        out[name] = classes["class_any"].astype(object)
    return pd.DataFrame(out, index=villages.index)


def operator_summary(villages: pd.DataFrame, classes: pd.DataFrame, sites: gpd.GeoDataFrame,
                     communes: pd.DataFrame, site_commune: pd.Series) -> pd.DataFrame:  # fmt: skip
    """Villages and people by class per operator, and its sites, at every level.

    Parameters
    ----------
    villages : DataFrame
        ``commune_id`` and ``population``.
    classes : DataFrame
        From :func:`operator_classes`.
    sites : GeoDataFrame
        Site-technologies.
    communes : DataFrame
        ``commune_id``, ``commune``, ``district``, ``province``.
    site_commune : Series
        Commune id of each row of ``sites`` (<NA> outside every commune).

    Returns
    -------
    DataFrame
        Long table from :func:`whitezone.indicators.by_level` with
        ``villages``, ``villages_none|weak|good|unclassified``,
        ``population_*``, ``sites``, ``site_technologies`` and the percentages.
    """
    key = commune_key(villages).to_numpy()
    rows = []
    for name in classes.columns:
        table = tally(key, {"": classes[name]}, villages["population"])
        table = table[["villages", *[f"villages_{c}" for c in CATEGORIES], "population",
                       *[f"population_{c}" for c in CATEGORIES]]]  # fmt: skip
        table.index.name = "commune_id"
        rows.append(table.assign(operator=name).reset_index())
    per_commune = pd.concat(rows, ignore_index=True)
    active = sites["status"] == "active"
    operator = sites["operator"].astype(object).where(sites["operator"].notna(), UNKNOWN_OPERATOR)
    site_frame = pd.DataFrame({"commune_id": site_commune.to_numpy(), "operator": operator.to_numpy(),
                               "site_id": sites["site_id"].to_numpy(),
                               "technology": sites["technology"].to_numpy()})[active.to_numpy()]  # fmt: skip
    site_frame["commune_id"] = commune_key(site_frame).to_numpy()
    # A site's sectors of one technology are one site-technology.
    site_frame = site_frame.drop_duplicates(["commune_id", "operator", "site_id", "technology"])
    own = site_frame.groupby(["commune_id", "operator"]).agg(
        sites=("site_id", "nunique"), site_technologies=("site_id", "size"))  # fmt: skip
    per_commune = per_commune.join(own, on=["commune_id", "operator"])
    per_commune[["sites", "site_technologies"]] = per_commune[["sites", "site_technologies"]].fillna(0).astype(np.int64)
    ratios = {f"pct_{c}": (f"villages_{c}", "villages") for c in CLASSES}
    ratios |= {f"pct_population_{c}": (f"population_{c}", "population") for c in CLASSES}
    return by_level(per_commune, communes, key="operator", ratios=ratios)
