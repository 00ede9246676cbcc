"""Signal measurements (drive tests, crowdsourced logs): what phones actually received.

One row per measurement: where (lon/lat or a point geometry), which
technology, the signal in dBm (RSRP for 4G, RSCP for 3G, RSSI for 2G,
SS-RSRP for 5G), and when the log knows them the operator, the serving
``site_id`` or ``cell_id`` and the time.  OpenCelliD's measurement exports
(``mcc,net,area,cell,lon,lat,signal,measured,...,radio``) are read with
``format = "opencellid-measurements"``: the radio is the technology, the
network's name (MCC + MNC) the operator, ``cell`` the cell identity.

Bad cells are problems (file, row, column, exit 2).  A signal no phone
reports — above −20 dBm or below −150 dBm — is left out of every statistic
and reported with the repairs, never dropped silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from ..crs import WGS84
from ..project import LayerSource
from ..technology import TECHNOLOGIES, normalise_technology
from ._base import as_source, finish, geometry_of, prepare
from ._geometry import clean_ids
from .communes import region_of
from .opencellid import VIETNAM_OPERATORS

__all__ = ["PLAUSIBLE_DBM", "read_measurements"]

COLUMNS = ("measurement_id", "technology", "signal_dbm", "operator", "site_id", "cell_id", "time",
           "lon", "lat")  # fmt: skip
REQUIRED = ("technology", "signal_dbm")
#: Signals a phone can report (dBm); others are left out and reported.
PLAUSIBLE_DBM = (-150.0, -20.0)
#: Columns of OpenCelliD's measurement exports, as the canonical names they stand for.
OPENCELLID_MEASUREMENTS = {"technology": "radio", "signal_dbm": "signal", "cell_id": "cell",
                           "time": "measured"}  # fmt: skip


def read_measurements(
    source: str | Path | LayerSource,
    *,
    communes: gpd.GeoDataFrame | None = None,
    columns: Mapping[str, str] | None = None,
    sheet: str | int | None = None,
    layer: str | None = None,
    crs: str | None = None,
) -> gpd.GeoDataFrame:
    """Read and validate signal measurements.

    Parameters
    ----------
    source : str, Path or LayerSource
        Points in any GDAL format, or CSV/XLSX with lon/lat; a LayerSource
        with ``format="opencellid-measurements"`` for OpenCelliD exports.
    communes : GeoDataFrame, optional
        Used to detect swapped lon/lat.
    columns, sheet, layer, crs
        See :func:`~whitezone.layers.read_communes`.

    Returns
    -------
    GeoDataFrame
        EPSG:4326 points: ``measurement_id`` (given, else the row), ``technology``
        (2G..5G), ``signal_dbm``, ``operator``, ``site_id``, ``cell_id``,
        ``time`` (as written), ``source_row``.  Implausible signals are not
        in it; they are listed in ``attrs["repairs"]`` (kind
        ``implausible_signal``).

    Raises
    ------
    InputError
        Every bad row: no coordinates, unknown technology, a signal that is
        not a number or is blank.
    """
    source = as_source(source, "measurements", columns=columns, sheet=sheet, layer=layer, crs=crs)
    opencellid = source.format == "opencellid-measurements"
    if opencellid:
        explicit = {**OPENCELLID_MEASUREMENTS, **source.columns}
        source = LayerSource(name=source.name, path=source.path, columns=explicit,
                             sheet=source.sheet, layer=source.layer, crs=source.crs)  # fmt: skip
    prep = prepare(source, wanted=COLUMNS, required=REQUIRED)
    raw = prep.raw
    prep.problems.raise_if_any()
    n = len(raw.frame)
    tech_col = prep.found["technology"]
    tech_raw = raw.frame[tech_col].reset_index(drop=True)
    codes, names = pd.factorize(tech_raw.astype("string"), use_na_sentinel=True)
    tech_names = np.array([normalise_technology(v) for v in names] + [None], dtype=object)
    technology = tech_names[codes]
    for i in np.flatnonzero(pd.isna(technology)):
        prep.problems.add(f"unknown technology {tech_raw.iloc[i]!r}; expected "
                          f"{', '.join(TECHNOLOGIES)} (or GSM, UMTS, LTE, NR)", row=raw.rows[i],
                          column=tech_col)  # fmt: skip
    signal = prep.numbers("signal_dbm", what="a signal in dBm")
    for i in np.flatnonzero(np.isnan(signal)):
        if not any(p.row == raw.rows[i] and p.column == prep.found["signal_dbm"]
                   for p in prep.problems.items):  # fmt: skip
            prep.problems.add("the signal is blank; expected a signal in dBm such as -95",
                              row=raw.rows[i], column=prep.found["signal_dbm"])  # fmt: skip
    region = region_of(communes) if communes is not None else None
    geo, located = geometry_of(prep, source, region=region)
    if raw.is_vector:
        kinds = geo.geom_type.to_numpy()
        for i in np.flatnonzero(located & (kinds != "Point")):
            prep.problems.add(f"expected a point, got a {kinds[i]}", row=raw.rows[i])
    prep.require_located(located, "the measurement has no coordinates")
    prep.problems.raise_if_any()
    operator = prep.text("operator")
    if opencellid and operator.isna().all():
        operator = _opencellid_operators(raw.frame)
    ids = prep.column("measurement_id")
    ids = (clean_ids(ids).reset_index(drop=True) if ids is not None
           else pd.Series(raw.rows, dtype="string"))  # fmt: skip
    cell = prep.column("cell_id")
    cell = (clean_ids(cell).reset_index(drop=True) if cell is not None
            else pd.Series(pd.NA, index=range(n), dtype="string"))  # fmt: skip
    site = prep.column("site_id")
    site = (clean_ids(site).reset_index(drop=True) if site is not None
            else pd.Series(pd.NA, index=range(n), dtype="string"))  # fmt: skip
    out = gpd.GeoDataFrame(
        {
            "measurement_id": ids.astype("string").to_numpy(),
            "technology": technology,
            "signal_dbm": signal,
            "operator": operator.astype("string").to_numpy(),
            "site_id": site.astype("string").to_numpy(),
            "cell_id": cell.astype("string").to_numpy(),
            "time": prep.text("time").to_numpy(),
            "source_row": pd.Series(raw.rows, dtype="string").to_numpy(),
        },
        geometry=gpd.GeoSeries(geo.to_numpy(), crs=WGS84),
        crs=WGS84,
    )
    low, high = PLAUSIBLE_DBM
    implausible = (signal < low) | (signal > high)
    prep.repairs.add("implausible_signal", raw.rows[implausible],
                     f"signals outside {low:g} to {high:g} dBm (no phone reports them) left out "
                     "of the validation and the calibration")  # fmt: skip
    out = out[~implausible].reset_index(drop=True)
    return finish(out, prep)


def _opencellid_operators(frame: pd.DataFrame) -> pd.Series:
    """The network's name from OpenCelliD's ``mcc`` and ``net`` (or ``mnc``) columns."""
    cols = {str(c).lower(): c for c in frame.columns}
    mcc = pd.to_numeric(frame[cols["mcc"]], errors="coerce") if "mcc" in cols else None
    net_col = cols.get("net") or cols.get("mnc")
    if mcc is None or net_col is None:
        return pd.Series(pd.NA, index=range(len(frame)), dtype="string")
    net = pd.to_numeric(frame[net_col], errors="coerce")
    names = [VIETNAM_OPERATORS.get((int(a), int(b)), f"{int(a)}-{int(b):02d}")
             if pd.notna(a) and pd.notna(b) else pd.NA for a, b in zip(mcc, net, strict=True)]  # fmt: skip
    return pd.Series(names, dtype="string").reset_index(drop=True)
