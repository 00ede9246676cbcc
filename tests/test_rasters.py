"""Best-server rasters agree with the village classification and tile correctly."""

import numpy as np
import pandas as pd
import rasterio

from whitezone.classify import classify_points
from whitezone.grid import grid_for
from whitezone.models import RadiusModel
from whitezone.rasters import coverage_rasters


def test_radius_raster_matches_classes_at_cell_centres(tiny_layers, tmp_path):
    layers = tiny_layers
    model = RadiusModel(radius_km={"2G": (6.0, 12.0), "4G": (2.5, 5.0)})
    written = coverage_rasters(layers.sites, model, area=layers.communes, crs=layers.crs,
                               folder=tmp_path, resolution_m=500, tile_size=7)  # fmt: skip
    assert {"signal_2g.tif", "server_2g.tif", "signal_4g.tif", "server_4g.tif",
            "raster_sites.csv"} <= set(written)  # fmt: skip
    grid = grid_for(layers.communes, crs=layers.crs, resolution_m=500)
    with rasterio.open(tmp_path / "signal_4g.tif") as ds:
        level = ds.read(1)
        assert ds.crs.to_epsg() == 32648 and ds.res == (500.0, 500.0)
    with rasterio.open(tmp_path / "server_4g.tif") as ds:
        server = ds.read(1)
    centres = grid.cell_centres(0, 0, grid.height, grid.width)
    import geopandas as gpd

    pts = gpd.GeoSeries.from_xy(centres[:, 0], centres[:, 1], crs=layers.crs)
    classes = classify_points(pts, layers.sites, model=model, crs=layers.crs, technologies=["4G"])
    want = classes["class_4g"].map({"none": 0, "weak": 1, "good": 2}).to_numpy(float)
    got = level.ravel()
    from rasterio.features import geometry_mask

    inside = ~geometry_mask(layers.communes.to_crs(layers.crs).geometry,
                            out_shape=(grid.height, grid.width), transform=grid.transform).ravel()
    served = np.isfinite(got)
    assert not (served & ~inside).any()
    np.testing.assert_array_equal(got[served], want[served])
    assert (want[inside & ~served] == 0).all()
    sites = pd.read_csv(tmp_path / "raster_sites.csv")
    ids = sites.set_index("server")["site_id"]
    got_ids = ids.reindex(server.ravel()[served]).to_numpy()
    assert (got_ids == classes["site_4g"].to_numpy()[served]).all()


def test_tiles_do_not_change_the_result(tiny_layers, tmp_path):
    layers = tiny_layers
    model = RadiusModel()
    a = coverage_rasters(layers.sites, model, area=layers.communes, crs=layers.crs,
                         folder=tmp_path / "a", resolution_m=400, tile_size=5)  # fmt: skip
    b = coverage_rasters(layers.sites, model, area=layers.communes, crs=layers.crs,
                         folder=tmp_path / "b", resolution_m=400, tile_size=1000)  # fmt: skip
    for name in ("signal_2g.tif", "server_4g.tif"):
        with rasterio.open(a[name]) as x, rasterio.open(b[name]) as y:
            np.testing.assert_array_equal(x.read(1), y.read(1))


def test_rasters_are_cloud_optimised_with_overviews(tiny_layers, tmp_path):
    layers = tiny_layers
    written = coverage_rasters(layers.sites, RadiusModel(), area=layers.communes, crs=layers.crs,
                               folder=tmp_path, resolution_m=20, tile_size=128)  # fmt: skip
    for name in ("signal_2g.tif", "server_2g.tif"):
        with rasterio.open(written[name]) as ds:
            assert ds.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG", name
            assert ds.compression.name.lower() == "deflate"
            assert ds.block_shapes[0] == (512, 512) and max(ds.shape) > 512
            factors = ds.overviews(1)
            assert factors and factors[0] == 2, (name, factors, ds.shape)
            # Overviews hold data, not zeros: the coarsest still has served cells.
            coarse = ds.read(1, out_shape=(ds.height // factors[-1], ds.width // factors[-1]))
            assert (np.isfinite(coarse) & (coarse != -1)).any()
    # No scratch tiles left behind.
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
