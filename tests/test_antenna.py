"""Sector antennas: the parabolic pattern, MSI files, and every model's sense of direction."""

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st
from pyproj import CRS
from test_models_link import flat_dem

from whitezone.errors import InputError
from whitezone.models.antenna import (
    AntennaPattern,
    Antennas,
    bearing_deg,
    msi_text,
    parabolic_loss_db,
    read_msi,
)
from whitezone.models.link import PathLossModel
from whitezone.models.radius import RadiusModel
from whitezone.models.terrain import TerrainModel

UTM = CRS.from_epsg(32648)


def cells(rows):
    """A site table from (site_id, x, y, azimuth) rows, 4G."""
    return gpd.GeoDataFrame({"site_id": [r[0] for r in rows], "technology": "4G",
                             "status": "active",
                             "azimuth_deg": [r[3] for r in rows]},
                            geometry=shapely.points([(r[1], r[2]) for r in rows]), crs=UTM)  # fmt: skip


def test_parabolic_pattern_at_hand_computed_angles():
    # 12 (φ/φ3dB)²: 3 dB at half the beamwidth, capped at Am = 25 dB.
    assert parabolic_loss_db(32.5, 0.0, beamwidth_deg=65.0) == pytest.approx(3.0)
    assert parabolic_loss_db(65.0, 0.0, beamwidth_deg=65.0) == pytest.approx(12.0)
    assert parabolic_loss_db(180.0, 0.0, beamwidth_deg=65.0) == pytest.approx(25.0)
    assert parabolic_loss_db(-32.5 + 360.0, 0.0, beamwidth_deg=65.0) == pytest.approx(3.0)
    # Vertical: 12 ((θ − tilt)/10)², capped at SLAv = 20 dB; the sum capped at Am.
    assert parabolic_loss_db(0.0, 5.0, beamwidth_deg=65.0, tilt_deg=0.0) == pytest.approx(3.0)
    assert parabolic_loss_db(0.0, 5.0, beamwidth_deg=65.0, tilt_deg=5.0) == pytest.approx(0.0)
    assert parabolic_loss_db(0.0, 60.0, beamwidth_deg=65.0) == pytest.approx(20.0)
    assert parabolic_loss_db(65.0, 60.0, beamwidth_deg=65.0) == pytest.approx(25.0)


@given(st.floats(0, 359.9), st.floats(0, 359.9))
def test_bearing_is_clockwise_from_north(bearing, azimuth):
    dx, dy = np.sin(np.radians(bearing)), np.cos(np.radians(bearing))
    assert bearing_deg(dx, dy) == pytest.approx(bearing, abs=1e-6) or abs(bearing_deg(dx, dy) - bearing) > 359.99
    # Loss is symmetric about the azimuth and never exceeds Am.
    left = parabolic_loss_db(bearing - azimuth, 0.0, beamwidth_deg=65.0)
    right = parabolic_loss_db(azimuth - bearing, 0.0, beamwidth_deg=65.0)
    assert left == pytest.approx(right) and 0.0 <= left <= 25.0


FRONT, BACK = np.array([[0.0, 1500.0]]), np.array([[0.0, -1500.0]])


@pytest.mark.parametrize("kind", ["pathloss", "terrain"])
def test_a_village_behind_a_sector_is_front_to_back_weaker(kind):
    model = PathLossModel() if kind == "pathloss" else TerrainModel(dem=flat_dem(size_km=20))
    model = model.with_budget("4G", eirp_dbm=50.0)  # both villages within reach
    site = cells([("S", 10_000.0, 10_000.0, 0.0)])
    targets = np.array([[10_000.0, 13_000.0], [10_000.0, 7_000.0]])
    links = model.pair_links(targets, site, [0, 1], [0, 0])
    front, back = links["signal_dbm"].to_numpy()
    # Vertical loss at 0.54° below the horizon is 0.035 dB on both; the sum is capped at Am.
    assert front - back == pytest.approx(25.0, abs=0.1)
    best = model.best(targets, site, np.array([0]), 1)
    assert best["signal_dbm"][:, 0] == pytest.approx([front, back])


def test_a_cell_without_azimuth_is_omni():
    model = PathLossModel()
    omni = cells([("S", 0.0, 0.0, np.nan)])
    targets = np.vstack([FRONT, BACK, [[1500.0, 0.0]]])
    signal = model.best(targets, omni, np.array([0]), 1)["signal_dbm"][:, 0]
    assert np.ptp(signal) == 0.0


def test_the_best_server_is_the_best_cell():
    # Three sectors of one site and an omni site farther away.
    site = cells([("A", 0.0, 0.0, 0.0), ("A", 0.0, 0.0, 120.0), ("A", 0.0, 0.0, 240.0),
                  ("B", 6000.0, 0.0, np.nan)])  # fmt: skip
    targets = np.array([[0.0, 2000.0], [1732.0, -1000.0], [-1732.0, -1000.0], [5500.0, 0.0]])
    model = PathLossModel()
    best = model.best(targets, site, np.zeros(4, dtype=np.int64), 1)
    assert best["site"][:, 0].tolist() == [0, 1, 2, 3]
    links = model.links(targets, site)
    from whitezone.models._best import best_from_links

    assert best_from_links(links, np.zeros(4, dtype=np.int64), 4, 1)["site"][:, 0].tolist() == [0, 1, 2, 3]


def test_radius_model_covers_in_front_not_behind():
    model = RadiusModel(radius_km={"4G": (2.5, 5.0)})
    site = cells([("S", 0.0, 0.0, 0.0)])
    targets = np.array([[0.0, 3000.0], [0.0, -3000.0], [0.0, -800.0], [0.0, -400.0]])
    best = model.best(targets, site, np.array([0]), 1)
    # In front: weak at 3 km; behind: beyond 0.2 × 5 km none, within 0.2 × 2.5 km good.
    assert best["level"][:, 0].tolist() == [1, 0, 1, 2]
    links = model.links(targets, site)
    assert sorted(links["target"]) == [0, 2, 3]
    # Off the azimuth the reach shrinks as the pattern shortens a 35 dB/decade link.
    assert model.reach_share(np.array([0.0, 32.5, 60.0, 180.0]), 65.0) == pytest.approx(
        [1.0, 10 ** (-3 / 35), 10 ** (-12 * (60 / 65) ** 2 / 35), 0.2])
    # Three sectors of a site: their footprint matches the links in every direction.
    three = cells([("S", 0.0, 0.0, 0.0), ("S", 0.0, 0.0, 120.0), ("S", 0.0, 0.0, 240.0)])
    rng = np.random.default_rng(1)
    pts = rng.uniform(-5000, 5000, (4000, 2))
    hit = model.best(pts, three, np.zeros(3, dtype=np.int64), 1)["level"][:, 0] > 0
    union = shapely.union_all(model.footprints(three, site_xy=np.zeros((3, 2))))
    inside = shapely.contains_xy(union, pts[:, 0], pts[:, 1])
    assert (hit == inside).mean() > 0.99


def test_msi_round_trip(tmp_path):
    horizontal = np.minimum(12 * (((np.arange(360) + 180) % 360 - 180) / 65.0) ** 2, 25.0)
    vertical = np.minimum(12 * (((np.arange(360) + 180) % 360 - 180) / 8.0) ** 2, 20.0)
    pattern = AntennaPattern("panel", horizontal, vertical, gain_dbi=17.1)
    path = tmp_path / "panel.msi"
    path.write_text("COMMENT hand written\nFREQUENCY 1800\n" + msi_text(pattern))
    back = read_msi(path)
    assert back.name == "panel" and back.gain_dbi == pytest.approx(17.1)
    assert np.allclose(back.horizontal_db, horizontal, atol=0.005)
    assert np.allclose(back.vertical_db, vertical, atol=0.005)
    assert back.loss_db(32.5, 0.0) == pytest.approx(3.0, abs=0.05)
    # A sparse block is interpolated around the circle; gain in dBd is turned into dBi.
    path.write_text("NAME sparse\nGAIN 15 dBd\nHORIZONTAL 4\n0 0\n90 10\n180 20\n270 10\n"
                    "VERTICAL 2\n0 0\n180 10\n")  # fmt: skip
    sparse = read_msi(path)
    assert sparse.gain_dbi == pytest.approx(17.15)
    assert sparse.horizontal_db[45] == pytest.approx(5.0) and sparse.horizontal_db[315] == pytest.approx(5.0)


def test_msi_problems_name_the_line(tmp_path):
    path = tmp_path / "bad.msi"
    path.write_text("NAME bad\nHORIZONTAL 360\n0 0\n1 x\n")
    with pytest.raises(InputError) as err:
        read_msi(path)
    text = str(err.value)
    assert "line 4" in text and "VERTICAL" in text


def test_a_pattern_file_replaces_the_parabolic_one(tmp_path):
    horizontal = np.where(np.abs((np.arange(360) + 180) % 360 - 180) <= 30, 0.0, 30.0)
    pattern = AntennaPattern("narrow", horizontal, np.zeros(360))
    model = PathLossModel(antennas=Antennas(patterns={"4G": pattern}))
    site = cells([("S", 0.0, 0.0, 0.0)])
    links = model.pair_links(np.vstack([FRONT, BACK]), site, [0, 1], [0, 0])
    assert np.diff(links["signal_dbm"].to_numpy())[0] == pytest.approx(-30.0)
    with pytest.raises(InputError, match="narrow"):
        Antennas(patterns={"narrow": pattern}).check_names(["wide"])


def test_link_losses_equal_the_pattern_at_each_link_s_angles():
    """The compiled per-link loss is parabolic_loss_db at each link's bearing and elevation."""
    rng = np.random.default_rng(5)
    n = 2000
    site_xy = rng.uniform(-5000, 5000, (n, 2))
    target_xy = site_xy + rng.uniform(-8000, 8000, (n, 2))
    target_xy[:5] = site_xy[:5]  # a receiver under the mast
    antennas = Antennas()
    table = antennas.cells(cells([(f"S{i}", 0.0, 0.0, a) for i, a in enumerate(rng.uniform(0, 360, 4))])
                           .assign(beamwidth_deg=[65.0, 90.0, 33.0, np.nan], tilt_deg=[0.0, 4.0, -2.0, np.nan]))
    site = rng.integers(0, 4, n)
    height = rng.uniform(10, 60, n)
    got = antennas.loss_db(site_xy, target_xy, table, site, height_m=height, receiver_height_m=1.5)
    d = target_xy - site_xy
    elevation = np.degrees(np.arctan2(height - 1.5, np.maximum(np.hypot(d[:, 0], d[:, 1]), 1.0)))
    expected = parabolic_loss_db(bearing_deg(d[:, 0], d[:, 1]) - table["azimuth_deg"].to_numpy()[site],
                                 elevation, beamwidth_deg=table["beamwidth_deg"].to_numpy()[site],
                                 tilt_deg=table["tilt_deg"].to_numpy()[site])  # fmt: skip
    np.testing.assert_allclose(got, expected, atol=1e-9)
