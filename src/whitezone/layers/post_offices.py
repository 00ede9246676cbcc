"""Postal service points (điểm phục vụ bưu chính)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..crs import WGS84
from ..project import LayerSource
from ._base import as_source, finish, geometry_of, prepare
from ._columns import fold
from ._geometry import check_unique, clean_ids
from .communes import region_of
from .villages import assign_communes

COLUMNS = ("post_id", "name", "kind", "commune_id", "lon", "lat")
REQUIRED = ("post_id",)

#: The kind every report counts: the commune cultural post office (BĐ-VHX).
COMMUNE_POST_OFFICE = "commune post office"

_KINDS = {
    "bd_vhx": COMMUNE_POST_OFFICE, "bdvhx": COMMUNE_POST_OFFICE,
    "buu_dien_van_hoa_xa": COMMUNE_POST_OFFICE, "diem_buu_dien_van_hoa_xa": COMMUNE_POST_OFFICE,
    "commune_post_office": COMMUNE_POST_OFFICE, "vhx": COMMUNE_POST_OFFICE,
    "buu_cuc": "post office", "post_office": "post office", "buu_dien": "post office",
    "buu_cuc_cap_1": "post office", "buu_cuc_cap_2": "post office", "buu_cuc_cap_3": "post office",
    "dai_ly": "agent", "agent": "agent", "dai_ly_buu_dien": "agent", "diem_dai_ly": "agent",
    "thung_thu": "letter box", "thung_thu_cong_cong": "letter box", "letter_box": "letter box",
}  # fmt: skip


def normalise_post_kind(kind: pd.Series) -> pd.Series:
    """Map kinds such as "BĐ-VHX" or "Bưu cục cấp 3" to English categories.

    Unrecognised kinds are kept as written (they still count as postal points).
    """
    folded = kind.map(lambda v: fold(v) if not pd.isna(v) else pd.NA)
    return folded.map(_KINDS).fillna(kind).astype("string")


def read_post_offices(
    source: str | Path | LayerSource,
    *,
    communes: gpd.GeoDataFrame | None = None,
    columns: Mapping[str, str] | None = None,
    sheet: str | int | None = None,
    layer: str | None = None,
    crs: str | None = None,
) -> gpd.GeoDataFrame:
    """Read and validate the postal service points.

    Parameters
    ----------
    source : str, Path or LayerSource
    communes : GeoDataFrame, optional
        Used to detect swapped lon/lat and to find ``commune_id`` by location
        where the file has none (or an unknown one).
    columns, sheet, layer, crs
        See :func:`read_communes`.

    Returns
    -------
    GeoDataFrame
        ``post_id``, ``name``, ``kind`` (``"commune post office"``,
        ``"post office"``, ``"agent"``, ``"letter box"`` or as written),
        ``commune_id``, ``source_row``; EPSG:4326 points.
    """
    source = as_source(source, "post_offices", columns=columns, sheet=sheet, layer=layer, crs=crs)
    prep = prepare(source, wanted=COLUMNS, required=REQUIRED)
    raw = prep.raw
    prep.problems.raise_if_any()
    ids = clean_ids(raw.frame[prep.found["post_id"]]).reset_index(drop=True)
    check_unique(ids, raw, prep.found["post_id"], prep.problems, "post_id")
    region = region_of(communes) if communes is not None else None
    geo, located = geometry_of(prep, source, region=region)
    prep.require_located(located, "the postal point has no coordinates")
    prep.problems.raise_if_any()
    commune_ids = prep.text("commune_id")
    if communes is not None:
        given = commune_ids.notna().to_numpy()
        unknown = ~commune_ids.isin(communes["commune_id"]).fillna(False).to_numpy(dtype=bool)
        found, _ = assign_communes(geo[unknown].reset_index(drop=True), communes, snap_km=2.0)
        commune_ids[unknown] = found.to_numpy()
        col = prep.found.get("commune_id", "commune_id")
        prep.repairs.add("commune_by_location", raw.rows[unknown & given],
                         f"unknown {col!r}; replaced by the commune found by location")  # fmt: skip
    out = gpd.GeoDataFrame(
        {
            "post_id": ids,
            "name": prep.text("name"),
            "kind": normalise_post_kind(prep.text("kind")),
            "commune_id": commune_ids.astype("string"),
            "source_row": pd.Series(raw.rows, dtype="string"),
        },
        geometry=gpd.GeoSeries(geo.to_numpy(), crs=WGS84),
        crs=WGS84,
    )
    return finish(out, prep)
