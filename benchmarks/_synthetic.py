"""A deterministic, national-size synthetic country for the benchmarks.

The layout imitates Vietnam without using any real data: province capitals
strung along an S-shaped spine from the northern mountains to the Mekong delta
(inside lon 102.1-109.5, lat 8.5-23.4), district towns scattered around each
capital, villages clustered around the district towns, and mobile sites
clustered in the towns, strung along the roads between capitals and sprinkled
over the countryside.  Densities therefore vary by an order of magnitude or
more, as in a real national data set.

Every function takes a seed and is deterministic for it (numpy
``default_rng``); nothing loops over villages or sites in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = ["EXTENT", "Country", "make_country", "make_sites", "make_villages"]

#: lon_min, lat_min, lon_max, lat_max of the synthetic country.
EXTENT: tuple[float, float, float, float] = (102.1, 8.5, 109.5, 23.4)

# The spine: a rough S through the north-west mountains, the Red River delta,
# the central coast, the highlands, Saigon and the Mekong delta.
_SPINE = np.array(
    [
        (103.2, 22.3), (104.5, 22.0), (105.8, 21.0), (106.7, 20.9), (105.8, 19.8),
        (105.7, 18.7), (106.6, 17.5), (107.6, 16.4), (108.2, 16.05), (108.8, 15.1),
        (109.0, 13.8), (109.0, 12.2), (108.4, 11.9), (108.0, 12.7), (106.7, 10.8),
        (105.8, 10.0), (105.1, 9.4), (105.0, 9.0),
    ]
)  # fmt: skip

#: Share of site-technologies per technology (no 5G in the national set).
TECH_SHARE: dict[str, float] = {"2G": 0.30, "3G": 0.30, "4G": 0.40}

# Default weak radii, only to draw plausible overrides (a copy, so the
# generator does not depend on the package it benchmarks).
_WEAK_KM = {"2G": 12.0, "3G": 4.0, "4G": 5.0}

_KM_PER_DEG = 111.32


@dataclass(frozen=True)
class Country:
    """Province capitals and district towns of the synthetic country.

    Attributes
    ----------
    capitals : ndarray, shape (p, 2)
        lon, lat of the province capitals, in spine order.
    capital_weight : ndarray, shape (p,)
        Relative population of each province (sums to 1).
    towns : ndarray, shape (d, 2)
        lon, lat of the district towns.
    town_province : ndarray, shape (d,)
        Province of each town.
    town_weight : ndarray, shape (d,)
        Relative population of each town (sums to 1).
    """

    capitals: np.ndarray
    capital_weight: np.ndarray
    towns: np.ndarray
    town_province: np.ndarray
    town_weight: np.ndarray


def _clip(lonlat: np.ndarray) -> np.ndarray:
    """Fold points that fall outside :data:`EXTENT` back inside (mirror at the edges)."""
    lo = np.array(EXTENT[:2])
    hi = np.array(EXTENT[2:])
    folded = hi - np.abs(hi - (lo + np.abs(lonlat - lo)))
    return np.clip(folded, lo, hi)


def _offset_km(rng: np.random.Generator, centres: np.ndarray, sigma_km: np.ndarray) -> np.ndarray:
    """Gaussian scatter of ``sigma_km`` around each centre, in degrees."""
    sigma_km = np.broadcast_to(np.asarray(sigma_km, dtype=float), (len(centres),))
    d = rng.normal(size=(len(centres), 2)) * sigma_km[:, None] / _KM_PER_DEG
    d[:, 0] /= np.cos(np.radians(centres[:, 1]))
    return _clip(centres + d)


def _along_spine(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` points spread evenly (by length) along the spine."""
    seg = np.diff(_SPINE, axis=0)
    length = np.hypot(seg[:, 0], seg[:, 1])
    cum = np.r_[0.0, np.cumsum(length)]
    s = np.sort(rng.uniform(0.0, cum[-1], n))
    k = np.clip(np.searchsorted(cum, s, side="right") - 1, 0, len(seg) - 1)
    frac = (s - cum[k]) / length[k]
    return _SPINE[k] + seg[k] * frac[:, None]


def make_country(seed: int = 0, provinces: int = 63, towns: int = 700) -> Country:
    """Province capitals along the spine and district towns around them.

    Parameters
    ----------
    seed : int
    provinces : int
        Number of province capitals.
    towns : int
        Number of district towns.

    Returns
    -------
    Country
    """
    rng = np.random.default_rng([seed, 1])
    capitals = _offset_km(rng, _along_spine(rng, provinces), 35.0)
    capital_weight = rng.lognormal(0.0, 0.7, provinces)
    capital_weight /= capital_weight.sum()
    town_province = rng.choice(provinces, towns, p=capital_weight)
    town_xy = _offset_km(rng, capitals[town_province], rng.uniform(15.0, 40.0, towns))
    town_weight = rng.lognormal(0.0, 0.8, towns)
    town_weight /= town_weight.sum()
    return Country(capitals, capital_weight, town_xy, town_province, town_weight)


def make_villages(n: int, seed: int = 0, country: Country | None = None) -> gpd.GeoSeries:
    """``n`` village points clustered around the district towns.

    Most villages lie a few km from a district town; a fifth are scattered
    widely (mountain hamlets), so some are far from any site.

    Parameters
    ----------
    n : int
    seed : int
    country : Country, optional
        Default ``make_country(seed)``.

    Returns
    -------
    GeoSeries
        Points in EPSG:4326, index ``V000000`` ...
    """
    country = country or make_country(seed)
    rng = np.random.default_rng([seed, 2])
    town = rng.choice(len(country.towns), n, p=country.town_weight)
    sigma = np.where(rng.random(n) < 0.8, rng.uniform(3.0, 10.0, n), rng.uniform(15.0, 35.0, n))
    xy = _offset_km(rng, country.towns[town], sigma)
    index = pd.Index("V" + pd.Series(np.arange(n)).astype(str).str.zfill(6), name="village_id")
    return gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), index=index, crs=4326)


def make_sites(n: int, seed: int = 0, country: Country | None = None,
               tech_share: dict[str, float] | None = None) -> gpd.GeoDataFrame:  # fmt: skip
    """``n`` site-technologies on physical sites in towns, along roads and in the countryside.

    Physical sites are placed first (45 % in towns, tighter around province
    capitals; 30 % along the roads between consecutive capitals and from
    towns to their capital; 25 % near the district towns' countryside); each
    technology then takes distinct physical sites, so a site carries each
    technology at most once.  3 % of the rows override their radius
    (``radius_km`` = 0.5-2 x the technology's default weak radius), 5 % are
    planned and 1 % off.

    Parameters
    ----------
    n : int
    seed : int
    country : Country, optional
        Default ``make_country(seed)``.
    tech_share : dict, optional
        Technology -> share of rows; default :data:`TECH_SHARE`.

    Returns
    -------
    GeoDataFrame
        ``site_id``, ``technology``, ``status``, ``radius_km`` (NaN when not
        overridden), ``geometry`` (EPSG:4326 points).
    """
    country = country or make_country(seed)
    share = tech_share or TECH_SHARE
    rng = np.random.default_rng([seed, 3])
    techs = list(share)
    counts = np.floor(np.array([share[t] for t in techs]) / sum(share.values()) * n).astype(int)
    counts[-1] += n - counts.sum()
    n_phys = max(int(np.ceil(counts.max() / 0.7)), 1)

    n_town = int(n_phys * 0.45)
    n_road = int(n_phys * 0.30)
    n_rural = n_phys - n_town - n_road
    # Towns: capitals get a quarter of the town sites, tightly packed.
    n_cap = n_town // 4
    cap = rng.choice(len(country.capitals), n_cap, p=country.capital_weight)
    town = rng.choice(len(country.towns), n_town - n_cap, p=country.town_weight)
    in_towns = np.vstack([
        _offset_km(rng, country.capitals[cap], rng.uniform(1.5, 4.0, n_cap)),
        _offset_km(rng, country.towns[town], rng.uniform(1.0, 3.0, n_town - n_cap)),
    ])  # fmt: skip
    # Roads: capital to next capital, and district town to its capital.
    starts = np.vstack([country.capitals[:-1], country.towns])
    ends = np.vstack([country.capitals[1:], country.capitals[country.town_province]])
    road = rng.integers(len(starts), size=n_road)
    frac = rng.random(n_road)[:, None]
    on_roads = _offset_km(rng, starts[road] + (ends[road] - starts[road]) * frac, 0.5)
    # Countryside: a wide scatter around the district towns.
    town = rng.choice(len(country.towns), n_rural, p=country.town_weight)
    rural = _offset_km(rng, country.towns[town], rng.uniform(5.0, 20.0, n_rural))
    phys = np.vstack([in_towns, on_roads, rural])

    loc = np.concatenate([rng.choice(n_phys, c, replace=False) for c in counts])
    tech = np.repeat(np.array(techs, dtype=object), counts)
    order = np.lexsort((tech, loc))
    loc, tech = loc[order], tech[order]

    weak = pd.Series(tech).map(_WEAK_KM).fillna(5.0).to_numpy(dtype=float)
    override = rng.random(n) < 0.03
    radius = np.where(override, np.round(weak * rng.uniform(0.5, 2.0, n), 1), np.nan)
    status = rng.choice(np.array(["active", "planned", "off"], dtype=object), n,
                        p=[0.94, 0.05, 0.01])  # fmt: skip
    site_id = ("S" + pd.Series(loc).astype(str).str.zfill(6)).to_numpy(dtype=object)
    return gpd.GeoDataFrame(
        {
            "site_id": site_id,
            "technology": tech,
            "status": status,
            "radius_km": radius,
        },
        geometry=gpd.points_from_xy(phys[loc, 0], phys[loc, 1]),
        crs=4326,
    )
