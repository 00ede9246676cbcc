"""Mobile sites (trạm BTS): one output row per site and technology."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ..crs import WGS84
from ..errors import InputError, Problem
from ..project import LayerSource
from ..technology import TECHNOLOGIES, normalise_technology, split_technologies
from ._base import as_source, finish, geometry_of, prepare
from ._columns import fold
from ._geometry import clean_ids
from .communes import region_of
from .opencellid import read_opencellid

COLUMNS = ("site_id", "technology", "operator", "height_m", "frequency_mhz", "eirp_dbm",
           "radius_km", "azimuth_deg", "beamwidth_deg", "tilt_deg", "pattern", "cell_id", "status",
           "lon", "lat")  # fmt: skip
REQUIRED = ("site_id", "technology")
STATUSES = ("active", "planned", "off")

_STATUS_ALIASES = {
    "active": "active", "on": "active", "on_air": "active", "in_service": "active",
    "operating": "active", "hoat_dong": "active", "dang_hoat_dong": "active",
    "phat_song": "active", "dang_phat_song": "active",
    "planned": "planned", "plan": "planned", "proposed": "planned", "quy_hoach": "planned",
    "ke_hoach": "planned", "du_kien": "planned", "xay_moi": "planned",
    "off": "off", "inactive": "off", "decommissioned": "off", "removed": "off",
    "tat": "off", "ngung": "off", "ngung_hoat_dong": "off", "dung": "off",
}  # fmt: skip

#: Two rows of one site farther apart than this (metres) are an error.
SAME_SITE_M = 100.0


def read_sites(
    source: str | Path | LayerSource,
    *,
    communes: gpd.GeoDataFrame | None = None,
    columns: Mapping[str, str] | None = None,
    sheet: str | int | None = None,
    layer: str | None = None,
    crs: str | None = None,
) -> gpd.GeoDataFrame:
    """Read and validate the mobile sites.

    A row may carry one technology or a list (``"2G,3G,4G"``, ``"GSM/LTE"``);
    the result has one row per site and technology, or per cell where a
    site's rows are its sectors (rows sharing ``site_id`` with different
    ``azimuth_deg`` or ``cell_id``: one site for counting sites and siting).  A cell list in
    OpenCelliD's layout is read with :func:`read_opencellid` instead.

    Parameters
    ----------
    source : str, Path or LayerSource
        Points in any GDAL format, or CSV/XLSX with lon/lat (degrees or DMS).
    communes : GeoDataFrame, optional
        Used to detect swapped lon/lat.
    columns, sheet, layer, crs
        See :func:`read_communes`.

    Returns
    -------
    GeoDataFrame
        EPSG:4326 points: ``site_id``, ``operator``, ``technology`` (2G..5G),
        ``height_m``, ``frequency_mhz``, ``eirp_dbm``, ``radius_km``,
        ``azimuth_deg``, ``beamwidth_deg``, ``tilt_deg`` (a row with an
        azimuth is a cell, a sector of its site; without, omnidirectional),
        ``pattern`` (an antenna pattern's name), ``cell_id`` (the cell's
        identity, as measurement logs name it; <NA> when not given), ``status``
        (active, planned, off), ``source_row``.

    Raises
    ------
    InputError
        Every problem found: unknown technology or status values, numbers out
        of range, a site without coordinates, duplicated site-technologies,
        one site id at two places.
    """
    source = as_source(source, "sites", columns=columns, sheet=sheet, layer=layer, crs=crs)
    if source.format == "opencellid":
        return read_opencellid(source.path, mcc=source.mcc, use_range=source.use_range)
    prep = prepare(source, wanted=COLUMNS, required=REQUIRED)
    raw = prep.raw
    prep.problems.raise_if_any()
    ids = clean_ids(raw.frame[prep.found["site_id"]]).reset_index(drop=True)
    for i in np.flatnonzero(ids.isna().to_numpy()):
        prep.problems.add("the site id is blank", row=raw.rows[i], column=prep.found["site_id"])
    tech_col = prep.found["technology"]
    tech_cells = raw.frame[tech_col].reset_index(drop=True)
    # The technology cell is split per row; sites are few (thousands), not villages.
    row_of, techs = [], []
    for i, cell in enumerate(tech_cells):
        parts = split_technologies(cell)
        if not parts:
            prep.problems.add("the technology is blank; expected one or more of "
                              f"{', '.join(TECHNOLOGIES)}", row=raw.rows[i], column=tech_col)  # fmt: skip
        seen: set[str] = set()
        for part in parts:
            tech = normalise_technology(part)
            if tech is None:
                prep.problems.add(f"unknown technology {part!r}; expected {', '.join(TECHNOLOGIES)} "
                                  "(or GSM, UMTS, LTE, NR)", row=raw.rows[i], column=tech_col)  # fmt: skip
            elif tech not in seen:  # "2G, GSM" is one technology
                seen.add(tech)
                row_of.append(i)
                techs.append(tech)
    status_raw = prep.text("status")
    folded = status_raw.map(lambda v: fold(v) if not pd.isna(v) else pd.NA)
    status = folded.map(_STATUS_ALIASES)
    bad_status = status_raw.notna() & status.isna()
    for i in np.flatnonzero(bad_status.to_numpy()):
        prep.problems.add(f"unknown status {status_raw.iloc[i]!r}; expected active, planned or off",
                          row=raw.rows[i], column=prep.found["status"])  # fmt: skip
    status = status.fillna("active")
    numbers = {
        "height_m": prep.numbers("height_m", low=0, high=500, what="an antenna height in m"),
        "frequency_mhz": prep.numbers("frequency_mhz", low=30, high=100_000,
                                      what="a frequency in MHz"),  # fmt: skip
        "eirp_dbm": prep.numbers("eirp_dbm", low=-30, high=100, what="an EIRP in dBm"),
        "radius_km": prep.numbers("radius_km", low=0.001, high=200, what="a radius in km"),
        "azimuth_deg": prep.numbers("azimuth_deg", low=0, high=360, what="an azimuth in degrees"),
        "beamwidth_deg": prep.numbers("beamwidth_deg", low=1, high=360,
                                      what="a beamwidth in degrees"),  # fmt: skip
        "tilt_deg": prep.numbers("tilt_deg", low=-90, high=90,
                                 what="a downtilt in degrees (electrical + mechanical)"),  # fmt: skip
    }
    region = region_of(communes) if communes is not None else None
    geo, located = geometry_of(prep, source, region=region)
    if raw.is_vector:
        kinds = geo.geom_type.to_numpy()
        for i in np.flatnonzero(located & (kinds != "Point")):
            prep.problems.add(f"expected a point, got a {kinds[i]}", row=raw.rows[i])
    prep.require_located(located, "the site has no coordinates; a site cannot be modelled "
                         "without them")  # fmt: skip
    prep.problems.raise_if_any()
    row_of = np.asarray(row_of, dtype=np.int64)
    operator = prep.text("operator")
    pattern = prep.text("pattern")
    cell = prep.column("cell_id")
    cell = (clean_ids(cell).reset_index(drop=True) if cell is not None
            else pd.Series(pd.NA, index=range(len(raw.frame)), dtype="string"))  # fmt: skip
    out = gpd.GeoDataFrame(
        {
            "site_id": ids.to_numpy()[row_of],
            "operator": operator.to_numpy()[row_of],
            "technology": np.asarray(techs, dtype=object),
            **{k: v[row_of] for k, v in numbers.items()},
            "pattern": pd.array(pattern.to_numpy()[row_of], dtype="string"),
            "cell_id": pd.array(cell.to_numpy()[row_of], dtype="string"),
            "status": status.to_numpy()[row_of],
            "source_row": raw.rows[row_of],
        },
        geometry=gpd.GeoSeries(geo.to_numpy()[row_of], crs=WGS84),
        crs=WGS84,
    )
    out["site_id"] = out["site_id"].astype("string")
    out["operator"] = out["operator"].astype("string")
    _check_site_keys(out, prep)
    prep.problems.raise_if_any()
    return finish(out.reset_index(drop=True), prep)


def _check_site_keys(sites: gpd.GeoDataFrame, prep) -> None:
    # Rows of one site and technology are its cells when they differ in cell id or azimuth.
    names = ["site_id", "operator", "technology", "cell_id", "azimuth_deg"]
    key = sites[names].astype(str)
    dup = key.duplicated(keep=False).to_numpy()
    if dup.any():
        for _, grp in sites[dup].groupby(names, dropna=False):
            rows = ", ".join(grp["source_row"].astype(str).unique()[:5])
            prep.problems.add(f"site {grp['site_id'].iloc[0]!r} lists {grp['technology'].iloc[0]} "
                              f"more than once for the same operator ({rows}); the cells of a "
                              "site differ in cell_id or azimuth_deg")  # fmt: skip
    # One site id at two places is a typing error in a coordinate.
    xy = np.column_stack([sites.geometry.x, sites.geometry.y])
    frame = pd.DataFrame({"site_id": sites["site_id"], "x": xy[:, 0], "y": xy[:, 1]})
    groups = frame.groupby("site_id")[["x", "y"]]
    spread = groups.max() - groups.min()
    # degrees -> metres on the sphere; exact enough for a 100 m tolerance
    dx = spread["x"] * np.cos(np.radians(groups.mean()["y"]))
    far = spread[np.hypot(dx, spread["y"]) * 111_195 > SAME_SITE_M]
    for site_id in far.index[:25]:
        rows = ", ".join(sites.loc[sites["site_id"] == site_id, "source_row"].astype(str).unique()[:5])
        prep.problems.add(f"site {site_id!r} is given at two places more than {SAME_SITE_M:g} m "
                          f"apart ({rows}); give each location its own site id")  # fmt: skip


def require_sites(sites: gpd.GeoDataFrame, source: str) -> None:
    """A run needs at least one active site-technology."""
    if not (sites["status"] == "active").any():
        raise InputError(Problem(source, "no site is active; set status = active for the "
                                 "sites on air (planned and off sites are not modelled)"))  # fmt: skip
