"""Postal formulas against the published figures (REFERENCES, seeds)."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from whitezone.postal import nearest_distance_km, people_per_point, service_radius_km


@pytest.mark.parametrize(
    ("points", "radius"),
    [(18_502, 2.39), (17_976, 2.42), (17_898, 2.43), (14_911, 2.66)],  # national, 2008-2012
)
def test_national_service_radius(points, radius):
    assert float(service_radius_km(331_000, points)) == pytest.approx(radius, abs=0.005)


def test_quang_tri_2024_people_per_point():
    # 213 postal points and about 643,000 people give the published 3,018 people per point.
    assert round(float(people_per_point(642_834, 213))) == 3018


def test_zero_points_give_nan():
    assert np.isnan(service_radius_km(100.0, 0)) and np.isnan(people_per_point(100.0, 0))


def test_nearest_distance():
    pts = gpd.GeoSeries(shapely.points([[0, 0], [3000, 4000]]).tolist() + [shapely.Point()], crs=32648)
    posts = gpd.GeoSeries(shapely.points([[0, 1000], [3000, 0]]), crs=32648)
    d = nearest_distance_km(pts, posts, crs=pts.crs)
    assert d[:2].tolist() == [1.0, 4.0] and np.isnan(d[2])
