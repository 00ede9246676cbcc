"""The Dask engine gives exactly the single-machine engine's results."""

import pickle
import sys
import time
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

pytest.importorskip("dask", reason="the Dask engine needs dask: pip install 'whitezone[dask]'")
pytest.importorskip("distributed",
                    reason="the Dask engine needs distributed: pip install 'whitezone[dask]'")
pytest.importorskip("dask_geopandas",
                    reason="the Dask engine needs dask-geopandas: pip install 'whitezone[dask]'")

import whitezone as wz
from whitezone import engine
from whitezone.analysis import model_for
from whitezone.classify import classify_points, classify_villages, technologies_of
from whitezone.engine import (
    DASK_MISSING,
    DaskModel,
    classify_points_dask,
    classify_villages_dask,
    dask_client,
)
from whitezone.errors import WhitezoneError

KINDS = ("radius", "pathloss", "terrain")


@pytest.fixture(scope="module")
def sample():
    project = wz.sample_project()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layers = wz.load_layers(project)
    return project, layers


@pytest.fixture(scope="module")
def models(sample):
    project, layers = sample
    return {kind: model_for(project.with_model(kind=kind), layers) for kind in KINDS}


@pytest.fixture(scope="module")
def single(sample, models):
    """classify_villages per model kind: the reference."""
    _, layers = sample
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kind, model in models.items():
            out[kind] = classify_villages(layers.villages, layers.sites, model=model,
                                          crs=layers.crs,
                                          technologies=technologies_of(layers.sites))  # fmt: skip
    return out


def _dask_villages(sample, model, **kwargs):
    _, layers = sample
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return classify_villages_dask(layers.villages, layers.sites, model=model, crs=layers.crs,
                                      technologies=technologies_of(layers.sites), **kwargs)  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_villages_identical_synchronous(sample, models, single, kind):
    got = _dask_villages(sample, models[kind], scheduler="synchronous")
    pd.testing.assert_frame_equal(got, single[kind])
    assert got["class_any"].isin(["none", "weak", "good"]).all()


@pytest.mark.parametrize("kind", ["radius", "pathloss"])
def test_tiles_smaller_than_the_reach(sample, models, single, kind, caplog):
    # 5 km tiles against a 12 km (2G radius) or ~33 km (path loss) reach: every
    # tile needs sites of its neighbours, which only the halo brings.
    tile_km = 5.0 if kind == "radius" else 15.0
    with caplog.at_level("INFO", logger="whitezone.engine"):
        got = _dask_villages(sample, models[kind], scheduler="synchronous", tile_km=tile_km)
    pd.testing.assert_frame_equal(got, single[kind])
    assert "tiles of" in caplog.text
    n_tiles = int(caplog.text.split(" targets in ")[1].split()[0])
    assert n_tiles > 20


def test_without_halo_tiles_would_differ(sample, models, single, monkeypatch):
    """The test above has teeth: sites taken from the tile's own box alone change results."""
    monkeypatch.setattr(engine._SiteTable, "near",
                        lambda self, box: np.flatnonzero((self.x >= box[0]) & (self.x <= box[2])
                                                         & (self.y >= box[1])
                                                         & (self.y <= box[3])))  # fmt: skip
    got = _dask_villages(sample, models["radius"], scheduler="synchronous", tile_km=5.0)
    assert not got["class_2g"].equals(single["radius"]["class_2g"])


def test_halo_selects_only_sites_in_reach(sample, models):
    _, layers = sample
    active = layers.sites[layers.sites["status"] == "active"].reset_index(drop=True)
    active = active.to_crs(layers.crs)
    x, y = active.geometry.x.to_numpy(), active.geometry.y.to_numpy()
    reach_m = models["radius"].reach_km(active) * 1000.0
    table = engine._SiteTable(active, x, y, reach_m, np.zeros(len(active), np.int64))
    box = (x.mean() - 2500, y.mean() - 2500, x.mean() + 2500, y.mean() + 2500)
    near = table.near(box)
    assert 0 < len(near) < len(active)
    # every site within its reach of some point of the box is taken
    dx = np.maximum.reduce([box[0] - x, np.zeros_like(x), x - box[2]])
    dy = np.maximum.reduce([box[1] - y, np.zeros_like(y), y - box[3]])
    reaches = np.flatnonzero(np.hypot(dx, dy) <= reach_m)
    assert set(reaches) <= set(near)


def test_points_identical_default_crs_and_technologies(sample, models):
    """Commune centres, no crs and no technologies given: both engines choose the same."""
    _, layers = sample
    centers = gpd.GeoSeries.from_xy(layers.communes["center_lon"], layers.communes["center_lat"],
                                    crs=4326, index=layers.communes.index)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = classify_points(centers, layers.sites, model=models["pathloss"])
        got = classify_points_dask(centers, layers.sites, model=models["pathloss"],
                                   scheduler="synchronous", tile_km=20.0)  # fmt: skip
    pd.testing.assert_frame_equal(got, want)


def test_unlocated_villages_keep_their_status(sample, models):
    _, layers = sample
    villages = layers.villages.copy()
    villages = villages.iloc[::-1]  # any order is kept, index and all
    lost = villages.index[:5]
    villages.loc[lost, "geometry"] = None
    villages.loc[lost, "status"] = "unlocated"
    model = models["radius"]
    techs = technologies_of(layers.sites)
    want = classify_villages(villages, layers.sites, model=model, crs=layers.crs, technologies=techs)
    got = classify_villages_dask(villages, layers.sites, model=model, crs=layers.crs,
                                 technologies=techs, scheduler="synchronous", tile_km=10.0)  # fmt: skip
    pd.testing.assert_frame_equal(got, want)
    assert (got.loc[lost, "class_any"] == "unlocated").all()


def test_tile_without_sites_and_no_target(sample, models):
    _, layers = sample
    model = models["pathloss"]
    # Villages 300 km out to sea: their tiles get no site at all.
    far = layers.villages.iloc[:3].copy()
    far["geometry"] = gpd.GeoSeries.from_xy(far.geometry.x + 3.0, far.geometry.y, crs=4326).values
    far.index = far.index.astype(str) + "-far" if far.index.dtype == object else far.index + 10**6
    villages = pd.concat([layers.villages, far])
    techs = technologies_of(layers.sites)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = classify_villages(villages, layers.sites, model=model, crs=layers.crs,
                                 technologies=techs)  # fmt: skip
        got = classify_villages_dask(villages, layers.sites, model=model, crs=layers.crs,
                                     technologies=techs, scheduler="synchronous")  # fmt: skip
    pd.testing.assert_frame_equal(got, want)
    assert (got["class_any"].iloc[-3:] == "none").all()
    empty = gpd.GeoSeries([], crs=4326, dtype="geometry")
    want = classify_points(empty, layers.sites, model=models["radius"], crs=layers.crs)
    got = classify_points_dask(empty, layers.sites, model=models["radius"], crs=layers.crs,
                               scheduler="synchronous")  # fmt: skip
    pd.testing.assert_frame_equal(got, want)


def test_model_warnings_reach_the_caller(sample, models):
    _, layers = sample
    with pytest.warns(wz.ModelValidityWarning) as caught:
        classify_villages_dask(layers.villages, layers.sites, model=models["pathloss"],
                               crs=layers.crs, scheduler="synchronous", tile_km=10.0)  # fmt: skip
    texts = [str(w.message) for w in caught if issubclass(w.category, wz.ModelValidityWarning)]
    assert len(texts) == len(set(texts)) <= 3  # the run's notes once, not one per tile


@pytest.mark.parametrize("kind", KINDS)
def test_models_pickle(sample, models, kind):
    _, layers = sample
    model = models[kind]
    copy = pickle.loads(pickle.dumps(model))
    sites = layers.sites[layers.sites["status"] == "active"].reset_index(drop=True)
    sites = sites.to_crs(layers.crs)
    xy = np.column_stack([layers.villages.to_crs(layers.crs).geometry.x,
                          layers.villages.to_crs(layers.crs).geometry.y])[:200]  # fmt: skip
    code = pd.Categorical(sites["technology"]).codes.astype(np.int64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = model.best(xy, sites, code, int(code.max()) + 1)
        b = copy.best(xy, sites, code, int(code.max()) + 1)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


def test_local_cluster_of_two_processes(sample, models, single):
    """The default: a LocalCluster of worker processes started and closed by the call."""
    start = time.perf_counter()
    got = _dask_villages(sample, models["radius"], n_workers=2, tile_km=20.0)
    elapsed = time.perf_counter() - start
    pd.testing.assert_frame_equal(got, single["radius"])
    assert elapsed < 60


def test_one_cluster_for_several_calls(sample, models, single):
    """``client=`` reuses a cluster; ``scheduler=ADDRESS`` connects to a running one."""
    _, layers = sample
    with dask_client(n_workers=2) as client:
        got = _dask_villages(sample, models["terrain"], client=client)  # the DEM travels too
        pd.testing.assert_frame_equal(got, single["terrain"])
        address = client.scheduler.address
        got = _dask_villages(sample, models["pathloss"], scheduler=address, tile_km=25.0)
        pd.testing.assert_frame_equal(got, single["pathloss"])
        assert client.status == "running"  # a given client is left open
        assert not client.who_has()  # and keeps no copy of the sites or the model
        assert set(client.run(lambda: len(engine._UNPACKED)).values()) == {0}


def test_shipped_arrays_are_aligned_copies():
    """Scattered arrays arrive unaligned; tasks work on aligned copies, made once."""
    raw = np.zeros(1001, dtype=np.uint8)[1:].view(np.float32)  # an odd address
    assert not raw.flags.aligned
    shipment = engine._Shipment("test-token", {"heights": raw})
    try:
        first = engine._unpack(shipment)
        assert first["heights"].flags.aligned
        assert engine._unpack(shipment) is first
        assert engine._unpack(raw) is raw  # not shipped: as is
    finally:
        engine._forget(["test-token"])
    assert "test-token" not in engine._UNPACKED


def test_dask_model_is_the_wrapped_model_but_best(sample, models):
    _, layers = sample
    model = models["pathloss"]
    wrapped = DaskModel(model, scheduler="synchronous", tile_km=10.0)
    assert wrapped.kind == "pathloss"
    sites = layers.sites[layers.sites["status"] == "active"].reset_index(drop=True)
    sites = sites.to_crs(layers.crs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_array_equal(wrapped.reach_km(sites), model.reach_km(sites))
        xy = np.column_stack([sites.geometry.x, sites.geometry.y])[:50] + 700.0
        pd.testing.assert_frame_equal(wrapped.links(xy, sites), model.links(xy, sites))
        code = pd.Categorical(sites["technology"]).codes.astype(np.int64)
        a = wrapped.best(xy, sites, code, int(code.max()) + 1)
        b = model.best(xy, sites, code, int(code.max()) + 1)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


def test_missing_dask_says_how_to_install(sample, models, monkeypatch):
    _, layers = sample
    monkeypatch.setitem(sys.modules, "dask_geopandas", None)  # import now raises ImportError
    with pytest.raises(WhitezoneError, match=r"the Dask engine needs: pip install 'whitezone\[dask\]'"):
        classify_villages_dask(layers.villages, layers.sites, model=models["radius"],
                               scheduler="synchronous")  # fmt: skip
    assert DASK_MISSING == "the Dask engine needs: pip install 'whitezone[dask]'"


def test_bad_tile_size(sample):
    _, layers = sample
    with pytest.raises(ValueError, match="tile_km"):
        classify_villages_dask(layers.villages, layers.sites, scheduler="synchronous", tile_km=0)
