"""Capacity: whether coverage carries broadband at the busy hour.

A village with a good 4G signal is not connected if its cell cannot carry
what its people and its school ask for at the busy hour.  This module puts
the busy-hour demand of every cell's villages and schools against the
cell's capacity, by the resource-block method of the ITU mobile network
capacity checker (ITU FNS division, "The Mobile Network Capacity Model",
https://fns-division.github.io/mobile-network-capacity-model-documentation/):

* **Capacity.**  A carrier of ``B`` MHz has ``floor(B × 1000 × 0.9 / 180)``
  resource blocks (90 % of the band occupied, 180 kHz per block: LTE's 15,
  25, 50, 75 and 100 blocks for 3, 5, 10, 15 and 20 MHz; 1.4 MHz has 6,
  :data:`LTE_RESOURCE_BLOCKS`).  A block carries 12 subcarriers × 14
  symbols a millisecond; each resource element carries the modulation bits
  × code rate of the CQI the place's SINR reaches (:data:`CQI_TABLE`, Ghosh
  and Ratasuk's table as the checker prints it; none below CQI 1), less the
  share spent on control.  5G is counted with the same numerology: a 30 kHz
  block of 360 kHz in half a millisecond carries as many bits per MHz.
* **SINR.**  Where the model gives a signal (path-loss, terrain, ITM), SINR
  = signal − (−174 dBm/Hz + 10 log10(bandwidth) + noise figure) −
  interference margin, with the bandwidth *the signal is stated in*
  (:data:`SIGNAL_BANDWIDTH_MHZ`): the models state 4G as RSRP and 5G as
  SS-RSRP, the power of one resource element (15 and 30 kHz), so the noise
  is that of one subcarrier — the same SINR as the carrier's whole power
  against the whole carrier's noise.  (Against 20 MHz of noise, RSRP −100
  dBm, a good 4G signal, would read −9 dB: no service.)  Where the model
  gives no signal (the radius model), a village of good signal is taken at
  ``sinr_good_db`` and one of weak signal at ``sinr_weak_db``.
* **Demand** (the ITU Connectivity Planning Platform's, and Giga's school
  target): a village asks for population × penetration × busy-hour share ×
  Mbps per user (a blank population asks for nothing); a school for
  ``school_mbps``.
* **Load.**  Each place is carried by its best server of the technology
  (``cell_<tech>`` when the sites are cells, else ``site_<tech>``: one omni
  cell per site and technology).  It needs demand / (Mbps per resource
  block at its SINR) blocks; a cell's load is the blocks its places need
  over the blocks it has.

A village or school is **short of capacity** on a technology that serves it
(class ``good`` or ``weak``) when its cell's load is above 1, or when its
SINR reaches no CQI (it cannot be served at any rate; it then adds nothing
to its cell's load).  Overall, a village or school is short when at least
one checked technology serves it and every checked technology that serves
it is short: a village on an overloaded 4G cell but a 5G cell with room is
not short.  Only technologies of ``[capacity] technologies`` are checked;
villages served only by others (2G, 3G) are never short.  Every short
village is covered (``class_any`` weak or good), so a commune's
``villages_short_capacity`` never exceeds its covered villages.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .assumptions import CQI_TABLE, CapacitySettings
from .classes import NO_COMMUNE, commune_key
from .result import CapacityCheck

__all__ = [
    "LTE_RESOURCE_BLOCKS",
    "SCHOOL_KINDS",
    "SIGNAL_BANDWIDTH_MHZ",
    "bits_per_element",
    "capacity_check",
    "place_sinr_db",
    "rb_throughput_mbps",
    "resource_blocks",
    "sinr_db",
]

#: LTE's channel bandwidths (MHz) -> resource blocks (3GPP TS 36.101 table 5.6-1).
LTE_RESOURCE_BLOCKS: dict[float, int] = {1.4: 6, 3.0: 15, 5.0: 25, 10.0: 50, 15.0: 75, 20.0: 100}
#: Share of a carrier's band its resource blocks occupy, and a block's width (kHz).
OCCUPIED_SHARE = 0.9
RB_KHZ = 180.0
#: A resource block: 12 subcarriers × 14 OFDM symbols, a thousand times a second.
SUBCARRIERS = 12
SYMBOLS = 14
PER_SECOND = 1000
#: The bandwidth (MHz) each technology's modelled signal is stated in
#: (:mod:`whitezone.models.link`): 2G RSSI over a 200 kHz carrier, 3G RSCP over
#: the 3.84 MHz chip rate, 4G RSRP and 5G SS-RSRP over one resource element.
SIGNAL_BANDWIDTH_MHZ: dict[str, float] = {"2G": 0.2, "3G": 3.84, "4G": 0.015, "5G": 0.030}
#: Kinds of point of interest counted as schools (lower case, as read).
SCHOOL_KINDS: frozenset[str] = frozenset({"school", "trường học", "trường"})

_THRESHOLDS = np.array([row[0] for row in CQI_TABLE])
_EFFICIENCY = np.array([row[1] * row[2] for row in CQI_TABLE])


def resource_blocks(bandwidth_mhz):
    """Resource blocks of a carrier.

    Parameters
    ----------
    bandwidth_mhz : float or array-like

    Returns
    -------
    int or ndarray of int
        LTE's own figure for its channel bandwidths (1.4 MHz -> 6,
        :data:`LTE_RESOURCE_BLOCKS`), else ``floor(bandwidth × 1000 × 0.9 /
        180)`` (3 -> 15, 5 -> 25, 10 -> 50, 15 -> 75, 20 -> 100).

    Examples
    --------
    >>> resource_blocks(20), resource_blocks(1.4), resource_blocks(40)
    (100, 6, 200)
    """
    bw = np.asarray(bandwidth_mhz, dtype=float)
    # Rounded before the floor: 0.9 is not exact in binary.
    out = np.floor(np.round(bw * 1000.0 * OCCUPIED_SHARE / RB_KHZ, 9)).astype(np.int64)
    for mhz, blocks in LTE_RESOURCE_BLOCKS.items():
        out = np.where(np.isclose(bw, mhz), blocks, out)
    out = np.where(bw > 0, out, 0)
    return int(out) if out.ndim == 0 else out


def sinr_db(signal_dbm, *, bandwidth_mhz: float, noise_figure_db: float,
            interference_margin_db: float):  # fmt: skip
    """SINR of a received signal against thermal noise, the noise figure and a margin.

    ``signal − (−174 + 10 log10(bandwidth_hz) + noise_figure) − margin``.

    Parameters
    ----------
    signal_dbm : float or array-like
    bandwidth_mhz : float
        The bandwidth the signal is stated in (one resource element, 0.015
        MHz, for an LTE RSRP; :data:`SIGNAL_BANDWIDTH_MHZ`).
    noise_figure_db, interference_margin_db : float

    Returns
    -------
    float or ndarray
    """
    noise = -174.0 + 10.0 * math.log10(bandwidth_mhz * 1e6) + noise_figure_db
    return np.asarray(signal_dbm, dtype=float) - noise - interference_margin_db


def bits_per_element(sinr):
    """Useful bits per resource element at an SINR: the CQI's modulation bits × code rate.

    Parameters
    ----------
    sinr : float or array-like
        dB.

    Returns
    -------
    float or ndarray
        The highest CQI whose threshold the SINR reaches (:data:`CQI_TABLE`;
        at a threshold, that CQI); 0 below CQI 1's −6.7 dB (no service) and
        for NaN.

    Examples
    --------
    >>> float(bits_per_element(10.3)), float(bits_per_element(10.29)), float(bits_per_element(-7))
    (2.4, 1.92, 0.0)
    """
    s = np.asarray(sinr, dtype=float)
    idx = np.searchsorted(_THRESHOLDS, np.nan_to_num(s, nan=-np.inf), side="right") - 1
    out = np.where(idx >= 0, _EFFICIENCY[np.clip(idx, 0, None)], 0.0)
    return out if out.ndim else out[()]


def rb_throughput_mbps(sinr, *, control_overhead: float):
    """Mbps one resource block carries at an SINR.

    ``12 subcarriers × 14 symbols × 1000 /s × bits per element × (1 − overhead) / 1e6``.

    Parameters
    ----------
    sinr : float or array-like
        dB.
    control_overhead : float
        Share of resource elements spent on control.

    Returns
    -------
    float or ndarray
        0 where the SINR reaches no CQI.

    Examples
    --------
    >>> round(float(rb_throughput_mbps(10.3, control_overhead=0.18)), 6)
    0.330624
    """
    elements = SUBCARRIERS * SYMBOLS * PER_SECOND
    return elements * bits_per_element(sinr) * (1.0 - control_overhead) / 1e6


def place_sinr_db(signal_dbm, good, *, technology: str, settings: CapacitySettings) -> np.ndarray:
    """The SINR of served places: from their signal where the model gives one, else from their class.

    Parameters
    ----------
    signal_dbm : array-like
        The best server's signal (NaN where the model gives none: the
        radius model).
    good : array-like of bool
        Whether each place's class is good (else weak).
    technology : str
        Which signal it is (:data:`SIGNAL_BANDWIDTH_MHZ`: the bandwidth its
        noise is counted over).
    settings : CapacitySettings

    Returns
    -------
    ndarray
        dB: :func:`sinr_db` of the signal where it is finite, else
        ``settings.sinr_good_db`` or ``settings.sinr_weak_db``.
    """
    signal = np.asarray(signal_dbm, dtype=float)
    by_class = np.where(np.asarray(good, dtype=bool), settings.sinr_good_db, settings.sinr_weak_db)
    bandwidth = SIGNAL_BANDWIDTH_MHZ.get(technology) or settings.bandwidth_mhz[technology]
    measured = sinr_db(signal, bandwidth_mhz=bandwidth, noise_figure_db=settings.noise_figure_db,
                       interference_margin_db=settings.interference_margin_db)  # fmt: skip
    return np.where(np.isfinite(signal), measured, by_class)


def _places(frame: pd.DataFrame, tech: str, settings: CapacitySettings) -> dict[str, np.ndarray]:
    """The rows of ``frame`` that ``tech`` serves: their positions, site, cell and SINR."""
    t = tech.lower()
    n = len(frame)
    if f"class_{t}" not in frame or f"site_{t}" not in frame:
        empty = np.array([], dtype=object)
        return {"rows": np.array([], dtype=np.int64), "site": empty, "cell": empty,
                "sinr": np.array([]), "whole": np.array([], dtype=bool)}  # fmt: skip
    cls = frame[f"class_{t}"].astype("string")
    site = frame[f"site_{t}"].astype("string")
    served = (cls.isin(["good", "weak"]) & site.notna()).fillna(False).to_numpy(dtype=bool)
    good = (cls == "good").fillna(False).to_numpy(dtype=bool)
    given = frame[f"cell_{t}"].astype("string") if f"cell_{t}" in frame else pd.Series(pd.NA, index=frame.index, dtype="string")
    whole = given.isna().to_numpy(dtype=bool)  # a site given without cells: its sectors share it
    cell = given.fillna(site)
    signal = np.full(n, np.nan)
    if f"signal_dbm_{t}" in frame:
        signal = pd.to_numeric(frame[f"signal_dbm_{t}"]).to_numpy(dtype=float, na_value=np.nan)
    sinr = place_sinr_db(signal, good, technology=tech, settings=settings)
    rows = np.flatnonzero(served)
    return {"rows": rows, "site": site.to_numpy(dtype=object, na_value=None)[rows],
            "cell": cell.to_numpy(dtype=object, na_value=None)[rows], "sinr": sinr[rows],
            "whole": whole[rows]}  # fmt: skip


def _population(villages: pd.DataFrame) -> np.ndarray:
    """People per village, 0 where blank."""
    if "population" not in villages:
        return np.zeros(len(villages))
    people = pd.to_numeric(villages["population"], errors="coerce")
    return np.nan_to_num(people.to_numpy(dtype=float, na_value=np.nan))


def _schools(pois: pd.DataFrame | None) -> pd.DataFrame | None:
    """The points of interest whose kind is a school (:data:`SCHOOL_KINDS`)."""
    if pois is None:
        return None
    if "kind" not in pois:
        return pois.iloc[0:0]
    kinds = pois["kind"].astype("string").str.strip().str.lower()
    return pois[kinds.isin(sorted(SCHOOL_KINDS)).fillna(False).to_numpy(dtype=bool)]


def capacity_check(villages: pd.DataFrame, *, settings: CapacitySettings | None = None,
                   technologies: Sequence[str] | None = None,
                   pois: pd.DataFrame | None = None) -> CapacityCheck:  # fmt: skip
    """Busy-hour demand of every cell's villages and schools against the cell's capacity.

    See the module for the method and its sources.

    Parameters
    ----------
    villages : DataFrame
        Classified villages (:func:`~whitezone.classify.classify_villages`):
        ``class_<tech>``, ``site_<tech>``, ``cell_<tech>`` (when the sites
        are cells), ``signal_dbm_<tech>`` (models with a signal),
        ``population`` and ``commune_id``.  Not modified.
    settings : CapacitySettings, optional
        The project's ``[capacity]``; default its defaults.
    technologies : sequence of str, optional
        The run's technologies; those of ``settings.technologies`` among
        them are checked.  Default: those whose ``class_<tech>`` the
        villages carry.
    pois : DataFrame, optional
        Points of interest classified by the same run
        (:func:`~whitezone.facilities.classify_pois`); those whose ``kind``
        is a school (:data:`SCHOOL_KINDS`) each ask for ``school_mbps`` at
        their own SINR on their own best cell.  Not modified.

    Returns
    -------
    CapacityCheck
        Per cell, per village, per school and per commune
        (:class:`~whitezone.result.CapacityCheck`).
    """
    settings = settings or CapacitySettings()
    if technologies is None:
        technologies = [t for t in settings.technologies if f"class_{t.lower()}" in villages]
    checked = [t for t in settings.technologies if t in set(technologies)]
    schools = _schools(pois)
    people = _population(villages)
    per_person = settings.penetration * settings.busy_hour_share * settings.mbps_per_user
    parts = [(villages, people * per_person)]
    if schools is not None:
        parts.append((schools, np.full(len(schools), float(settings.school_mbps))))
    frames = [pd.DataFrame(index=villages.index)]
    if schools is not None:
        frames.append(pd.DataFrame(index=schools.index))
    served_any = [np.zeros(len(f), dtype=bool) for f in frames]
    ok_any = [np.zeros(len(f), dtype=bool) for f in frames]
    cells = []
    for tech in checked:
        t = tech.lower()
        places = [_places(frame, tech, settings) for frame, _ in parts]
        kind = np.concatenate([np.full(len(p["rows"]), i) for i, p in enumerate(places)])
        site = np.concatenate([p["site"] for p in places])
        cell = np.concatenate([p["cell"] for p in places])
        sinr = np.concatenate([p["sinr"] for p in places])
        whole = np.concatenate([p["whole"] for p in places])
        demand = np.concatenate([d[p["rows"]] for (_, d), p in zip(parts, places, strict=True)])
        heads = np.zeros(len(kind))
        heads[: len(places[0]["rows"])] = people[places[0]["rows"]]   # villages first, then schools
        per_rb = rb_throughput_mbps(sinr, control_overhead=settings.control_overhead)
        usable = per_rb > 0
        needed = np.divide(demand, per_rb, out=np.zeros(len(demand)), where=usable)
        key = pd.Series(site, dtype=object).astype(str) + "\x1f" + pd.Series(cell, dtype=object).astype(str)
        codes, uniques = pd.factorize(key)   # one cell per (site, cell) pair
        m = len(uniques)
        first = np.unique(codes, return_index=True)[1]
        rbs_needed = np.bincount(codes, weights=needed, minlength=m)
        per_carrier = resource_blocks(settings.bandwidth_mhz[tech])
        available = per_carrier * np.where(whole[first], settings.sectors_per_site, 1).astype(np.int64)
        with np.errstate(divide="ignore", invalid="ignore"):
            load = np.where(available > 0, rbs_needed / np.maximum(available, 1),
                            np.where(rbs_needed > 0, np.inf, 0.0))  # fmt: skip
        cells.append(pd.DataFrame({
            "technology": tech, "site_id": pd.array(site[first], dtype="string"),
            "cell_id": pd.array(cell[first], dtype="string"),
            "villages": np.bincount(codes[kind == 0], minlength=m).astype(np.int64),
            "people": np.bincount(codes, weights=heads, minlength=m),
            "schools": np.bincount(codes[kind == 1], minlength=m).astype(np.int64),
            "demand_mbps": np.bincount(codes, weights=demand, minlength=m),
            "rbs_needed": rbs_needed, "rbs_available": available, "load": load,
            "short": load > 1.0,
        }).sort_values(["site_id", "cell_id"], kind="stable"))  # fmt: skip
        ok = usable & (load[codes] <= 1.0)
        offset = 0
        for i, (p, out) in enumerate(zip(places, frames, strict=True)):
            k = len(p["rows"])
            n = len(out)
            values = pd.array([pd.NA] * n, dtype="boolean")
            values[p["rows"]] = ok[offset:offset + k]
            loads = np.full(n, np.nan)
            loads[p["rows"]] = load[codes[offset:offset + k]]
            out[f"capacity_ok_{t}"] = values
            out[f"load_{t}"] = loads
            served_any[i][p["rows"]] = True
            ok_any[i][p["rows"][ok[offset:offset + k]]] = True
            offset += k
    for out, served, ok in zip(frames, served_any, ok_any, strict=True):
        out["capacity_short"] = served & ~ok
    columns = ["technology", "site_id", "cell_id", "villages", "people", "schools", "demand_mbps",
               "rbs_needed", "rbs_available", "load", "short"]  # fmt: skip
    cells = [c for c in cells if len(c)]
    table = pd.concat(cells, ignore_index=True) if cells else pd.DataFrame(columns=columns)
    return CapacityCheck(technologies=checked, cells=table, villages=frames[0],
                         schools=frames[1] if schools is not None else None,
                         communes=_by_commune(villages, people, frames[0], schools,
                                              frames[1] if schools is not None else None))  # fmt: skip


def _by_commune(villages: pd.DataFrame, people: np.ndarray, village_check: pd.DataFrame,
                schools: pd.DataFrame | None, school_check: pd.DataFrame | None) -> pd.DataFrame:  # fmt: skip
    """Short villages, their people and short schools per commune id (:func:`commune_key`)."""
    short = village_check["capacity_short"].to_numpy(dtype=bool)
    key = (commune_key(villages).to_numpy() if "commune_id" in villages
           else np.full(len(villages), NO_COMMUNE, dtype=object))  # fmt: skip
    frame = pd.DataFrame({"villages_short_capacity": short.astype(np.int64),
                          "population_short_capacity": np.where(short, people, 0.0)})  # fmt: skip
    out = frame.groupby(key, sort=False).sum()
    if schools is not None and len(schools) and "commune_id" in schools:
        flags = pd.Series(school_check["capacity_short"].to_numpy(dtype=bool).astype(np.int64))
        by_school = flags.groupby(commune_key(schools).to_numpy(), sort=False).sum()
        out = out.reindex(out.index.union(by_school.index, sort=False), fill_value=0)
        out["schools_short_capacity"] = by_school.reindex(out.index, fill_value=0)
    else:
        out["schools_short_capacity"] = 0
    out = out.astype({"villages_short_capacity": np.int64, "population_short_capacity": float,
                      "schools_short_capacity": np.int64})  # fmt: skip
    out.index.name = "commune_id"
    return out
