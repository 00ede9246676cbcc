"""Metric CRS choice and VN-2000."""

import geopandas as gpd
import pytest
import shapely
from pyproj import CRS, Transformer

from whitezone import InputError
from whitezone.crs import VN2000_TM3_EPSG, equal_area_crs, metric_crs, parse_crs, utm_crs


def test_utm_zone_of_vietnam():
    assert utm_crs(103.5, 21.5).to_epsg() == 32648
    assert utm_crs(106.7, 10.8).to_epsg() == 32648
    assert utm_crs(108.2, 16.0).to_epsg() == 32649


def test_metric_crs_from_data_and_user():
    frame = gpd.GeoDataFrame(geometry=[shapely.Point(105.8, 21.0)], crs=4326)
    assert metric_crs([frame]).to_epsg() == 32648
    assert metric_crs([frame], crs="EPSG:9210").to_epsg() == 9210


def test_geographic_crs_is_refused_for_distances():
    frame = gpd.GeoDataFrame(geometry=[shapely.Point(105.8, 21.0)], crs=4326)
    with pytest.raises(InputError, match="not a projected CRS in metres"):
        metric_crs([frame], crs="EPSG:4756")


def test_unknown_crs_message():
    with pytest.raises(InputError, match="unknown CRS 'EPSG:999999'"):
        parse_crs("EPSG:999999")


def test_vn2000_tm3_codes_have_their_meridians():
    for meridian, code in VN2000_TM3_EPSG.items():
        params = {p.name: p.value for p in CRS.from_epsg(code).coordinate_operation.params}
        assert params["Longitude of natural origin"] == pytest.approx(meridian)
        assert params["Scale factor at natural origin"] == pytest.approx(0.9999)


def test_vn2000_datum_shift_is_applied():
    # VN-2000 and WGS 84 differ by a datum shift of a few hundred metres at most;
    # a transformer that dropped it would return the same coordinates.
    to_wgs = Transformer.from_crs(9210, 4326, always_xy=True)
    lon, lat = to_wgs.transform(500_000, 2_400_000)
    naive = Transformer.from_crs(CRS.from_proj4(CRS.from_epsg(9210).to_proj4()), 4326, always_xy=True)
    lon2, lat2 = naive.transform(500_000, 2_400_000)
    assert abs(lon - 105.75) < 0.01
    assert (lon, lat) != (lon2, lat2)


def test_equal_area_crs_areas():
    square = shapely.box(105.0, 21.0, 105.1, 21.1)
    frame = gpd.GeoDataFrame(geometry=[square], crs=4326)
    area = frame.to_crs(equal_area_crs([frame])).area.iloc[0] / 1e6
    geod_area = abs(gpd.GeoSeries([square], crs=4326).to_crs(4326).geometry.iloc[0].area)
    assert 110 < area < 116 and geod_area > 0
