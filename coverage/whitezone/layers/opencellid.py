"""OpenCelliD cell lists as a source of sites.

OpenCelliD publishes cells, not sites: one row per cell (``radio, mcc, net,
area, cell, unit, lon, lat, range, samples, changeable, created, updated,
averageSignal``), with or without that header, plain or gzipped.  Cells of one
network (MCC + MNC) whose positions lie within ``cluster_m`` of each other are
merged into one site carrying every technology seen; the site's position is
the mean of its cells.  ``range`` (metres, OpenCelliD's estimate of the cell's
reach) is kept per site-technology as ``range_km`` (the largest of the cells).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from ..crs import WGS84, utm_crs
from ..errors import InputError, Problem, Problems
from ..technology import normalise_technology

OPENCELLID_COLUMNS = ("radio", "mcc", "net", "area", "cell", "unit", "lon", "lat", "range",
                      "samples", "changeable", "created", "updated", "averageSignal")  # fmt: skip

#: Mobile network codes in Vietnam (MCC 452), from the ITU operational bulletin.
VIETNAM_OPERATORS = {
    (452, 1): "MobiFone",
    (452, 2): "VinaPhone",
    (452, 4): "Viettel",
    (452, 5): "Vietnamobile",
    (452, 7): "Gmobile",
    (452, 8): "Viettel",
}


def read_opencellid(path: str | Path, *, mcc: tuple[int, ...] | int | None = None,
                    cluster_m: float = 50.0) -> gpd.GeoDataFrame:  # fmt: skip
    """Read an OpenCelliD cell list (CSV, optionally gzip) as site-technologies.

    Parameters
    ----------
    path : str or Path
    mcc : int or tuple of int, optional
        Keep only these mobile country codes (452 is Vietnam).
    cluster_m : float
        Cells of one network closer than this are one site.

    Returns
    -------
    GeoDataFrame
        Same columns as :func:`read_sites`, plus ``range_km`` and ``cells``;
        ``site_id`` is ``"<mcc>-<mnc>-<n>"`` and ``operator`` the network name.
    """
    path = Path(path)
    name = path.name
    if not path.exists():
        raise InputError(Problem(str(path), "the OpenCelliD file was not found"))
    try:
        first = pd.read_csv(path, nrows=1, header=None, dtype=str)
    except pd.errors.EmptyDataError:
        raise InputError(Problem(name, "the file is empty")) from None
    has_header = str(first.iloc[0, 0]).strip().lower() == "radio"
    try:
        frame = pd.read_csv(path, header=0 if has_header else None,
                            names=None if has_header else list(OPENCELLID_COLUMNS),
                            usecols=["radio", "mcc", "net", "lon", "lat", "range"],
                            dtype={"radio": str})  # fmt: skip
    except (ValueError, pd.errors.ParserError) as exc:
        raise InputError(Problem(name, f"not an OpenCelliD cell list ({exc}); expected the "
                                 f"columns {', '.join(OPENCELLID_COLUMNS)}")) from None  # fmt: skip
    problems = Problems(name)
    line0 = 2 if has_header else 1
    for col in ("mcc", "net", "lon", "lat", "range"):
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna() & frame[col].notna()
        for i in np.flatnonzero(bad.to_numpy())[:25]:
            problems.add(f"expected a number, got {frame[col].iloc[i]!r}", row=f"row {i + line0}",
                         column=col)  # fmt: skip
        if col in ("lon", "lat"):
            limit = 180 if col == "lon" else 90
            blank = frame[col].isna()
            out = values.abs() > limit
            for i in np.flatnonzero((blank | out).to_numpy())[:25]:
                what = "blank" if blank.iloc[i] else f"{values.iloc[i]:g}"
                problems.add(f"expected a {'longitude' if col == 'lon' else 'latitude'} between "
                             f"-{limit} and {limit}, got {what}", row=f"row {i + line0}",
                             column=col)  # fmt: skip
        frame[col] = values
    problems.raise_if_any()
    if mcc is not None:
        keep = frame["mcc"].isin([mcc] if isinstance(mcc, int) else list(mcc))
        frame = frame[keep]
    if frame.empty:
        raise InputError(Problem(name, f"no cell left for MCC {mcc}"))
    frame = frame.assign(technology=frame["radio"].map(normalise_technology))
    unknown = frame["technology"].isna()
    for i in np.flatnonzero(unknown.to_numpy())[:25]:
        problems.add(f"unknown radio {frame['radio'].iloc[i]!r}; expected GSM, UMTS, CDMA, LTE or NR",
                     row=f"row {frame.index[i] + line0}", column="radio")  # fmt: skip
    problems.raise_if_any()
    frame = frame.reset_index(drop=True)
    lon, lat = frame["lon"].to_numpy(), frame["lat"].to_numpy()
    metric = utm_crs(float(np.median(lon)), float(np.median(lat)))
    xy = gpd.GeoSeries.from_xy(lon, lat, crs=WGS84).to_crs(metric)
    xy = np.column_stack([xy.x, xy.y])
    # Cluster per network: same MCC and MNC, within cluster_m (connected components).
    network = frame["mcc"].astype(np.int64) * 1000 + frame["net"].astype(np.int64)
    offset = network.to_numpy() * 1e7  # separates networks in space so one tree serves all
    pairs = cKDTree(np.column_stack([xy[:, 0] + offset, xy[:, 1]])).query_pairs(
        cluster_m, output_type="ndarray"
    )
    n = len(frame)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    frame = frame.assign(site=label, x=xy[:, 0], y=xy[:, 1], range_km=frame["range"] / 1000.0)
    # Number sites per network in order of first appearance so ids are stable.
    site_net = frame.groupby("site")[["mcc", "net"]].first()
    site_net["n"] = site_net.groupby(["mcc", "net"]).cumcount() + 1
    frame = frame.join(site_net["n"], on="site")
    pos = frame.groupby("site")[["x", "y"]].mean()
    agg = frame.groupby(["site", "technology"]).agg(
        mcc=("mcc", "first"), net=("net", "first"), n=("n", "first"),
        range_km=("range_km", "max"), cells=("radio", "size"),
    ).reset_index()  # fmt: skip
    agg = agg.join(pos, on="site")
    mcc_i, net_i = agg["mcc"].astype(int), agg["net"].astype(int)
    operator = [VIETNAM_OPERATORS.get((m, k), f"{m}-{k:02d}") for m, k in zip(mcc_i, net_i, strict=True)]
    points = gpd.GeoSeries.from_xy(agg["x"], agg["y"], crs=metric).to_crs(WGS84)
    out = gpd.GeoDataFrame(
        {
            "site_id": (mcc_i.astype(str) + "-" + net_i.astype(str).str.zfill(2) + "-"
                        + agg["n"].astype(int).astype(str)).astype("string"),  # fmt: skip
            "operator": pd.Series(operator, dtype="string"),
            "technology": agg["technology"].astype(object),
            "height_m": np.nan,
            "frequency_mhz": np.nan,
            "eirp_dbm": np.nan,
            "radius_km": np.nan,
            "azimuth_deg": np.nan,
            "beamwidth_deg": np.nan,
            "status": "active",
            "source_row": pd.Series([f"cell group {s}" for s in agg["site"]], dtype="string"),
            "range_km": agg["range_km"].to_numpy(),
            "cells": agg["cells"].to_numpy(),
        },
        geometry=points.to_numpy(),
        crs=WGS84,
    )
    out = out.sort_values(["site_id", "technology"], kind="stable").reset_index(drop=True)
    out.attrs["repairs"] = []
    out.attrs["source"] = name
    return out
