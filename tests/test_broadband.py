"""Fixed broadband within reach of fiber."""

import geopandas as gpd
import numpy as np
import shapely

from whitezone.broadband import within_reach


def test_reach_default_and_per_feature():
    pts = gpd.GeoSeries(shapely.points([[0, 500], [0, 1500], [5000, 2500], [9000, 0]]), crs=32648)
    fiber = gpd.GeoDataFrame(
        {"reach_km": [np.nan, 3.0]},
        geometry=[shapely.LineString([(-1000, 0), (1000, 0)]), shapely.Point(5000, 0)],
        crs=32648,
    )
    got = within_reach(pts, fiber, reach_km=1.0, crs=pts.crs)
    assert got.tolist() == [True, False, True, False]


def test_unlocated_points_are_unknown():
    pts = gpd.GeoSeries([shapely.Point(0, 0), shapely.Point()], crs=32648)
    fiber = gpd.GeoDataFrame(geometry=[shapely.Point(0, 10)], crs=32648)
    got = within_reach(pts, fiber, reach_km=1.0, crs=pts.crs)
    assert got.iloc[0] is np.True_ or bool(got.iloc[0]) is True
    assert got.isna().tolist() == [False, True]
