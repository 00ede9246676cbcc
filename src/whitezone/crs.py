"""Coordinate reference systems: storage in WGS 84, measurement in metres.

Every layer is stored in EPSG:4326 (what web maps and GPS use) and projected
to one metric CRS for every distance and area.  That CRS is the one the user
names in the project file (``crs = "EPSG:9210"``) or else the UTM zone of the
data, which pyproj picks from its database.

Vietnamese provincial data comes in VN-2000 (EPSG:4756) and its 3-degree
transverse Mercator zones; their EPSG codes are listed in
:data:`VN2000_TM3_EPSG`.  Datum shifts go through pyproj transformers, never
through proj4 strings (``to_proj4()`` drops the VN-2000 shift).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from pyproj import CRS
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info

from .errors import InputError, Problem

__all__ = [
    "VN2000",
    "VN2000_TM3_EPSG",
    "WGS84",
    "equal_area_crs",
    "metric_crs",
    "parse_crs",
    "utm_crs",
]

WGS84 = CRS.from_epsg(4326)
VN2000 = CRS.from_epsg(4756)

#: VN-2000 provincial TM-3 zones (k = 0.9999, false easting 500 km) by central
#: meridian in degrees, with the provinces that use them (Circular
#: 973/2001/TT-TCĐC; EPSG registry).  EPSG 6956-6959 are deprecated (swapped
#: axes) and deliberately absent.
VN2000_TM3_EPSG: dict[float, int] = {
    103.0: 9205,  # Điện Biên, Lai Châu
    104.0: 9206,  # Sơn La
    104.75: 9208,  # Lào Cai, Phú Thọ, Yên Bái, Nghệ An
    105.75: 9210,  # Cao Bằng
    106.0: 9211,  # Hòa Bình, Quảng Bình, Tuyên Quang
    106.25: 9212,  # Quảng Trị
    107.75: 5899,  # Quảng Ninh, Đà Nẵng
}


def parse_crs(value: object, *, source: str = "project file") -> CRS:
    """Parse a user-given CRS (``"EPSG:9210"``, ``9210``, WKT, PROJ string).

    Raises
    ------
    InputError
        If pyproj does not know the CRS.
    """
    try:
        return CRS.from_user_input(value)
    except Exception as exc:  # pyproj raises CRSError, but also TypeError for odd input
        raise InputError(
            Problem(
                source,
                f"unknown CRS {value!r} ({exc}); give an EPSG code such as 'EPSG:9210' "
                "(VN-2000 / TM-3 105°45') or a WKT string",
                column="crs",
            )
        ) from None


def utm_crs(lon: float, lat: float) -> CRS:
    """The WGS 84 UTM zone containing a point given in degrees."""
    infos = query_utm_crs_info(
        datum_name="WGS 84",
        area_of_interest=AreaOfInterest(lon, lat, lon, lat),
    )
    if not infos:  # pragma: no cover - only outside the UTM grid (poles)
        raise InputError(f"no UTM zone covers lon {lon}, lat {lat}")
    return CRS.from_epsg(infos[0].code)


def metric_crs(frames: list[gpd.GeoDataFrame], *, crs: object = None) -> CRS:
    """Choose the metric CRS used for every distance and area of a run.

    Parameters
    ----------
    frames : list of GeoDataFrame
        Layers in EPSG:4326; the centre of their joint bounds picks the zone.
    crs : optional
        A CRS the user named; it must be projected with metre units.

    Returns
    -------
    pyproj.CRS
    """
    if crs is not None:
        chosen = parse_crs(crs)
        if not chosen.is_projected or (chosen.axis_info[0].unit_name not in ("metre", "meter")):
            raise InputError(
                Problem(
                    "project file",
                    f"crs {chosen.to_string()!r} is not a projected CRS in metres; name one such "
                    "as the UTM zone or the VN-2000 TM-3 zone of the province (e.g. 'EPSG:9210')",
                    column="crs",
                )
            )
        return chosen
    bounds = [f.total_bounds for f in frames if len(f) and not f.geometry.is_empty.all()]
    if not bounds:
        raise InputError("no located feature in any layer: cannot choose a metric CRS")
    b = np.array(bounds)
    lon = (np.nanmin(b[:, 0]) + np.nanmax(b[:, 2])) / 2
    lat = (np.nanmin(b[:, 1]) + np.nanmax(b[:, 3])) / 2
    return utm_crs(float(lon), float(lat))


def equal_area_crs(frames: list[gpd.GeoDataFrame]) -> CRS:
    """A Lambert azimuthal equal-area CRS centred on the data, for areas in km².

    Areas measured in it are exact whatever the extent (a UTM zone distorts
    areas by up to ~0.1 % inside the zone and more across zones, which matters
    for national runs spanning several zones).
    """
    b = np.array([f.total_bounds for f in frames if len(f)])
    lon = (np.nanmin(b[:, 0]) + np.nanmax(b[:, 2])) / 2
    lat = (np.nanmin(b[:, 1]) + np.nanmax(b[:, 3])) / 2
    return CRS.from_dict({"proj": "laea", "lat_0": round(float(lat), 4),
                          "lon_0": round(float(lon), 4), "datum": "WGS84", "units": "m"})  # fmt: skip
