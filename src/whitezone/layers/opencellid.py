"""OpenCelliD cell lists as a source of sites.

OpenCelliD publishes cells, not sites: one row per cell (``radio, mcc, net,
area, cell, unit, lon, lat, range, samples, changeable, created, updated,
averageSignal``), with or without that header, plain or gzipped.  Cells of one
network (MCC + MNC) are merged into sites by distance to the site's first
cell: the first cell in file order not yet in a site starts one, and every
other cell of that network within ``cluster_m`` of it joins it.  A site
carries every technology its cells have; its position is their mean.  (No
chain of neighbours 40 m apart can make one "site" of a whole street.)  ``range`` (metres, OpenCelliD's estimate of the cell's
reach) is kept per site-technology as ``range_km`` (the largest of the cells).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer
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


#: A cell's ``range`` used as a radius (``use_range=True``) is clipped to this, km.
RANGE_CLIP_KM = (0.1, 35.0)

_USECOLS = ["radio", "mcc", "net", "lon", "lat", "range"]
_NUMERIC = ("mcc", "net", "lon", "lat", "range")


def read_opencellid(path: str | Path, *, mcc: tuple[int, ...] | int | None = None,
                    cluster_m: float = 50.0, use_range: bool = False) -> gpd.GeoDataFrame:  # fmt: skip
    """Read an OpenCelliD cell list (CSV, optionally gzip) as site-technologies.

    Country extracts of millions of cells read in seconds: the six columns
    used are parsed by pandas' C parser straight into numbers (a file with a
    bad value is read again as text, only to name the row), and every later
    step — the technology of each radio name, the clustering, the operator
    names — works on whole columns.

    Parameters
    ----------
    path : str or Path
    mcc : int or tuple of int, optional
        Keep only these mobile country codes (452 is Vietnam).
    cluster_m : float
        Cells of one network closer than this are one site.
    use_range : bool
        Set ``radius_km`` (the radius model's per-site reach) from OpenCelliD's
        own ``range`` estimate: the largest of the site-technology's cells, in
        km, clipped to :data:`RANGE_CLIP_KM` (0.1-35 km).  A ``range`` of 0 or
        blank means unknown and leaves ``radius_km`` empty (the technology's
        default radius).  Off by default: OpenCelliD's ranges come from where
        phones happened to measure, and a few cells carry tens of km.

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
    line0 = 2 if has_header else 1
    frame = _read_cells(path, has_header, numbers=True)
    if frame is None:  # a value is not a number: read as text to say which
        frame = _read_cells(path, has_header, numbers=False)
        _check_numbers(frame, name, line0)
    else:
        _check_lon_lat(frame, name, line0)
    if mcc is not None:
        keep = frame["mcc"].isin([mcc] if isinstance(mcc, int) else list(mcc)).to_numpy()
        frame = frame[keep]
    if frame.empty:
        raise InputError(Problem(name, f"no cell left for MCC {mcc}"))
    # Each distinct radio name normalised once.
    radio_code, radios = pd.factorize(frame["radio"], use_na_sentinel=True)
    techs = np.array([normalise_technology(r) for r in radios] + [None], dtype=object)
    technology = techs[radio_code]
    problems = Problems(name)
    for i in np.flatnonzero(pd.isna(technology))[:25]:
        problems.add(f"unknown radio {frame['radio'].iloc[i]!r}; expected GSM, UMTS, CDMA, LTE or NR",
                     row=f"row {frame.index[i] + line0}", column="radio")  # fmt: skip
    problems.raise_if_any()
    n = len(frame)
    lon, lat = frame["lon"].to_numpy(dtype=float), frame["lat"].to_numpy(dtype=float)
    metric = utm_crs(float(np.median(lon)), float(np.median(lat)))
    # The transformer GeoSeries.to_crs would use, on the arrays: the same numbers.
    x, y = Transformer.from_crs(WGS84, metric, always_xy=True).transform(lon, lat)
    # Cluster per network: same MCC and MNC, each site within cluster_m of its first cell.
    network = frame["mcc"].to_numpy().astype(np.int64) * 1000 + frame["net"].to_numpy().astype(np.int64)
    label = _sites_of(x, y, network, cluster_m)
    # Sites numbered per network in order of first appearance, so ids are stable.
    first_row = np.full(label.max() + 1, n, dtype=np.int64)
    np.minimum.at(first_row, label, np.arange(n))
    site_network = network[first_row]
    by_appearance = np.argsort(first_row, kind="stable")
    number = np.empty(len(first_row), dtype=np.int64)
    net_sorted = site_network[by_appearance]
    # n-th site of its network, counting in order of appearance.
    order = np.argsort(net_sorted, kind="stable")
    counts = np.bincount(np.unique(net_sorted, return_inverse=True)[1].reshape(-1))
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - starts
    number[by_appearance] = rank + 1
    # Position: mean of the site's cells; per site-technology: cells and largest range.
    pos = pd.DataFrame({"x": x, "y": y}).groupby(label).mean()
    sx, sy = pos["x"].to_numpy(), pos["y"].to_numpy()
    tech_code, tech_names = pd.factorize(technology)
    key = label.astype(np.int64) * len(tech_names) + tech_code
    groups, group_of = np.unique(key, return_inverse=True)
    group_of = group_of.reshape(-1)
    g_site, g_tech = groups // len(tech_names), groups % len(tech_names)
    range_km = frame["range"].to_numpy(dtype=float) / 1000.0
    g_range = np.full(len(groups), -np.inf)
    np.fmax.at(g_range, group_of, np.nan_to_num(range_km, nan=-np.inf))
    g_range[np.isneginf(g_range)] = np.nan
    g_cells = np.bincount(group_of, minlength=len(groups))
    mcc_i, net_i = site_network[g_site] // 1000, site_network[g_site] % 1000
    # Operator names per distinct network, not per row.
    nets, net_of = np.unique(site_network[g_site], return_inverse=True)
    names = np.array([VIETNAM_OPERATORS.get((int(v // 1000), int(v % 1000)), f"{v // 1000}-{v % 1000:02d}")
                      for v in nets], dtype=object)  # fmt: skip
    lon_s, lat_s = Transformer.from_crs(metric, WGS84, always_xy=True).transform(sx[g_site], sy[g_site])
    site_id = (pd.Series(mcc_i).astype(str) + "-" + pd.Series(net_i).astype(str).str.zfill(2) + "-"
               + pd.Series(number[g_site]).astype(str))  # fmt: skip
    radius = np.full(len(groups), np.nan)
    if use_range:
        known = np.isfinite(g_range) & (g_range > 0)
        radius[known] = np.clip(g_range[known], *RANGE_CLIP_KM)
    out = gpd.GeoDataFrame(
        {
            "site_id": site_id.astype("string").array,
            "operator": pd.array(names[net_of.reshape(-1)], dtype="string"),
            "technology": pd.Series(np.asarray(tech_names, dtype=object)[g_tech], dtype=object),
            "height_m": np.nan,
            "frequency_mhz": np.nan,
            "eirp_dbm": np.nan,
            "radius_km": radius,
            "azimuth_deg": np.nan,
            "beamwidth_deg": np.nan,
            "cell_id": pd.array([pd.NA] * len(groups), dtype="string"),
            "status": "active",
            "source_row": ("cell group " + pd.Series(g_site).astype(str)).astype("string").array,
            "range_km": g_range,
            "cells": g_cells,
        },
        geometry=gpd.points_from_xy(lon_s, lat_s),
        crs=WGS84,
    )
    out = out.sort_values(["site_id", "technology"], kind="stable").reset_index(drop=True)
    out.attrs["repairs"] = []
    out.attrs["source"] = name
    return out


def _sites_of(x: np.ndarray, y: np.ndarray, network: np.ndarray, cluster_m: float) -> np.ndarray:
    """The site of each cell: a new site at the first free cell, which takes every free cell
    of its network within ``cluster_m``.

    Cells farther than ``cluster_m`` from every other cell of their network
    are sites of their own, and groups whose cells all lie within
    ``cluster_m`` of each other are one site, both found at once as the
    connected components of the neighbour graph; only components wider than
    ``cluster_m`` (a chain of neighbours) are split, cell by cell in file
    order.
    """
    n = len(x)
    offset = network * 1e7  # separates networks in space so one tree serves all
    tree = cKDTree(np.column_stack([x + offset, y]))
    pairs = tree.query_pairs(cluster_m, output_type="ndarray")
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    count, label = connected_components(graph, directed=False)
    frame = pd.DataFrame({"label": label, "x": x, "y": y})
    box = frame.groupby("label").agg(x0=("x", "min"), x1=("x", "max"), y0=("y", "min"), y1=("y", "max"))
    wide = np.flatnonzero(np.hypot(box["x1"] - box["x0"], box["y1"] - box["y0"]).to_numpy() > cluster_m)
    if wide.size == 0:
        return label
    label = label.copy()
    for component in wide:
        cells = np.flatnonzero(label == component)  # ascending: file order
        local = cKDTree(np.column_stack([x[cells], y[cells]]))
        free = np.ones(len(cells), dtype=bool)
        first = True
        for i in range(len(cells)):
            if not free[i]:
                continue
            members = [j for j in local.query_ball_point([x[cells[i]], y[cells[i]]], cluster_m)
                       if free[j]]  # fmt: skip
            free[members] = False
            if first:  # the component's first site keeps its label
                first = False
                continue
            label[cells[members]] = count
            count += 1
    return label


def _read_cells(path: Path, has_header: bool, *, numbers: bool) -> pd.DataFrame | None:
    """The six used columns; with ``numbers``, parsed as numbers (None if one is not)."""
    dtype = {"radio": str}
    if numbers:  # a handful of radio names: categories, not a string per cell
        dtype = {"radio": "category", "mcc": np.int64, "net": np.int64, "lon": float, "lat": float,
                 "range": float}  # fmt: skip
    try:
        return pd.read_csv(path, header=0 if has_header else None,
                           names=None if has_header else list(OPENCELLID_COLUMNS),
                           usecols=_USECOLS, dtype=dtype, engine="c")  # fmt: skip
    except (ValueError, pd.errors.ParserError) as exc:
        if numbers and not isinstance(exc, pd.errors.ParserError):
            return None
        raise InputError(Problem(path.name, f"not an OpenCelliD cell list ({exc}); expected the "
                                 f"columns {', '.join(OPENCELLID_COLUMNS)}")) from None  # fmt: skip


def _check_lon_lat(frame: pd.DataFrame, name: str, line0: int) -> None:
    """Longitudes and latitudes present and in range (numbers already)."""
    problems = Problems(name)
    for col, limit in (("lon", 180), ("lat", 90)):
        values = frame[col]
        blank = values.isna()
        for i in np.flatnonzero((blank | (values.abs() > limit)).to_numpy())[:25]:
            what = "blank" if blank.iloc[i] else f"{values.iloc[i]:g}"
            problems.add(f"expected a {'longitude' if col == 'lon' else 'latitude'} between "
                         f"-{limit} and {limit}, got {what}", row=f"row {i + line0}",
                         column=col)  # fmt: skip
    problems.raise_if_any()


def _check_numbers(frame: pd.DataFrame, name: str, line0: int) -> None:
    """Name every cell that is not a number, or a bad lon/lat (first 25 per column)."""
    problems = Problems(name)
    for col in _NUMERIC:
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna() & frame[col].notna()
        if col in ("mcc", "net"):  # codes: a blank cannot be clustered or named
            bad |= frame[col].isna()
        for i in np.flatnonzero(bad.to_numpy())[:25]:
            got = frame[col].iloc[i]
            problems.add(f"expected a number, got {'blank' if pd.isna(got) else repr(got)}",
                         row=f"row {i + line0}", column=col)  # fmt: skip
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
