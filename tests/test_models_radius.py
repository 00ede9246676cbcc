"""The radius model and the k-d tree pair search."""

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from whitezone.models import RadiusModel, make_model, pairs_within
from whitezone.project import ModelSettings


def brute_pairs(targets, sites, reach):
    d = np.hypot(targets[:, None, 0] - sites[None, :, 0], targets[:, None, 1] - sites[None, :, 1])
    t, s = np.nonzero(d <= reach[None, :])
    return t, s, d[t, s]


def sorted_pairs(t, s, d):
    order = np.lexsort((s, t))
    return t[order], s[order], d[order]


def test_pairs_match_brute_force(rng):
    targets = rng.uniform(0, 50_000, (400, 2))
    sites = rng.uniform(0, 50_000, (150, 2))
    reach = rng.choice([2_500.0, 5_000.0, 12_000.0, 777.0], 150)
    got = sorted_pairs(*pairs_within(targets, sites, reach))
    want = brute_pairs(targets, sites, reach)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])
    np.testing.assert_allclose(got[2], want[2])


def test_pairs_skip_missing_targets_and_sites():
    targets = np.array([[0.0, 0.0], [np.nan, np.nan], [10.0, 0.0]])
    sites = np.array([[1.0, 0.0], [np.nan, 5.0]])
    t, s, d = pairs_within(targets, sites, np.array([5.0, 100.0]))
    assert t.tolist() == [0] and s.tolist() == [0] and d.tolist() == [1.0]


def test_pairs_empty_inputs():
    t, s, d = pairs_within(np.empty((0, 2)), np.array([[0.0, 0.0]]), np.array([1.0]))
    assert len(t) == len(s) == len(d) == 0


@settings(max_examples=40, deadline=None)
@given(
    n_t=st.integers(1, 60),
    n_s=st.integers(1, 30),
    seed=st.integers(0, 2**31 - 1),
)
def test_pairs_property_equals_brute_force(n_t, n_s, seed):
    rng = np.random.default_rng(seed)
    targets = rng.uniform(0, 20_000, (n_t, 2))
    sites = rng.uniform(0, 20_000, (n_s, 2))
    reach = rng.uniform(100, 8_000, n_s)
    got = sorted_pairs(*pairs_within(targets, sites, reach))
    want = brute_pairs(targets, sites, reach)
    assert got[0].tolist() == want[0].tolist()
    assert got[1].tolist() == want[1].tolist()


def sites_frame(xy, techs, radius=None):
    return gpd.GeoDataFrame(
        {"site_id": [f"S{i}" for i in range(len(xy))], "technology": techs,
         "radius_km": radius if radius is not None else [np.nan] * len(xy)},  # fmt: skip
        geometry=shapely.points(np.asarray(xy, dtype=float)),
        crs=32648,
    )


def test_radius_levels_at_the_edges():
    model = RadiusModel(radius_km={"4G": (2.5, 5.0)})
    sites = sites_frame([[0, 0]], ["4G"])
    targets = np.array([[0, 0], [2500, 0], [2501, 0], [5000, 0], [5001, 0]], dtype=float)
    links = model.links(targets, sites).sort_values("target")
    # Inside the good radius (edge included) good, up to the weak radius weak, beyond absent.
    assert links["target"].tolist() == [0, 1, 2, 3]
    assert links["level"].tolist() == [2, 2, 1, 1]
    assert links["signal_dbm"].isna().all()
    np.testing.assert_allclose(links["distance_km"], [0, 2.5, 2.501, 5.0])


def test_radius_override_scales_good_radius():
    model = RadiusModel(radius_km={"2G": (6.0, 12.0)})
    sites = sites_frame([[0, 0], [0, 0]], ["2G", "2G"], radius=[np.nan, 4.0])
    good, weak = model.radii_km(sites)
    assert good.tolist() == [6.0, 2.0] and weak.tolist() == [12.0, 4.0]


def test_technology_missing_from_settings_uses_default():
    model = RadiusModel(radius_km={"4G": (1.0, 2.0)})
    good, weak = model.radii_km(sites_frame([[0, 0]], ["2G"]))
    assert (good[0], weak[0]) == (6.0, 12.0)


def test_make_model_from_settings():
    model = make_model(ModelSettings(kind="radius", radius_km={"4G": (1.0, 3.0)}))
    assert isinstance(model, RadiusModel) and model.radius_km["4G"] == (1.0, 3.0)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), grow=st.floats(1.0, 3.0))
def test_larger_radii_never_lower_a_level(seed, grow):
    rng = np.random.default_rng(seed)
    targets = rng.uniform(0, 30_000, (80, 2))
    sites = sites_frame(rng.uniform(0, 30_000, (12, 2)), list(rng.choice(["2G", "4G"], 12)))
    small = RadiusModel(radius_km={"2G": (3.0, 6.0), "4G": (1.0, 2.5)})
    large = RadiusModel(radius_km={t: (g * grow, w * grow) for t, (g, w) in small.radius_km.items()})
    a = small.links(targets, sites).set_index(["target", "site"])["level"]
    b = large.links(targets, sites).set_index(["target", "site"])["level"]
    joined = pd.concat([a.rename("a"), b.rename("b")], axis=1).fillna(0)
    assert (joined["b"] >= joined["a"]).all()
