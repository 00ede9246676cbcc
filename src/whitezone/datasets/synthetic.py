"""A synthetic mountainous province, the embedded sample of whitezone.

"Tỉnh Mẫu" is modelled on Điện Biên / Sơn La in north-west Vietnam, but all of it
is invented.  :func:`make_sample` draws everything from one
``numpy.random.default_rng(seed)`` stream, so a seed always gives the same tables.

How it is built
---------------
1. *Outline*: a star-shaped noisy blob around 103.5 E, 21.65 N, scaled to 9,500 km²
   in UTM 48N.
2. *Terrain*: a main river, five tributaries and twelve streams, meandering lines
   whose valley floor falls downstream.  The DEM is the floor of the nearest river
   (a distance transform) plus mountains rising away from it, gaussian-filtered noise
   at several scales, stretched to 200-2,600 m on SRTM's 3 arc-second grid.
3. *Communes, districts*: Voronoi cells of 130 random seeds (three Lloyd steps even
   them out) clipped to the outline; k-means of the seeds makes 10 districts, and
   the lowest commune of each is its town.
4. *Villages*: four per commune, the rest of 1,450 shared by how much low land near
   rivers a commune has, drawn with weights favouring valleys, so only some end up
   high in the mountains.  Lognormal populations, town quarters 2.5 times larger.
5. *Sites*, in three waves, each site where it brings the most people the signal
   the wave is after: operators build in the towns, then along the valleys and out
   from where signal is already good, until 85 % of villages have good signal;
   4G sites fill in where signal is weak, to 88.6 %; universal-service sites go
   anywhere until at most 2 % of villages are without signal.  Six planned sites
   stand by the biggest villages still worst served.
6. *Services*: a "Bưu cục" in each town, a "BĐ-VHX" in all but five rural communes,
   25 agents; fiber trunks follow the valleys between towns (least-cost paths over
   the DEM, joined by a minimum spanning tree), with spurs to the most populous
   commune centres until 65.5 % of villages are within 2 km; a school, a health
   station and a commune office by each commune centre, 320 village schools.

Calibration
-----------
The three wave targets were tuned, never the classes, against Điện Biên's 2020
report (2.0 % of villages without mobile signal, 8.9 % weak).  With the default
radius model (:data:`whitezone.project.DEFAULT_RADIUS_KM`, planned sites ignored,
distances in UTM 48N) seed 2020 gives 1.7 % none and 9.0 % weak; seeds 1-7 give
1.6-2.0 % and 8.0-9.5 %.  34.5 % of the villages are farther than 2 km from fiber
(Điện Biên 2020: 34.5 % without fixed broadband).
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from openpyxl import Workbook
from pyproj import CRS, Transformer
from rasterio.features import rasterize
from rasterio.transform import Affine, rowcol, xy
from scipy import ndimage
from scipy.cluster.vq import kmeans2
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra, minimum_spanning_tree
from scipy.spatial import cKDTree

from ..errors import ModelValidityWarning
from ..landcover import load_landcover
from ..models import PathLossModel
from ..models.clutter import Clutter
from ..project import DEFAULT_RADIUS_KM

__all__ = ["make_sample"]

logger = logging.getLogger(__name__)

PROVINCE = "Tỉnh Mẫu (synthetic)"
CENTRE = (103.5, 21.65)
AREA_KM2 = 9_500.0
N_DISTRICTS, N_COMMUNES, N_VILLAGES, POPULATION = 10, 130, 1_450, 600_000
N_SCHOOLS, N_AGENTS, N_NO_POST, N_PLANNED = 450, 25, 5, 6
RES = 1 / 1200  # 3 arc-seconds, the SRTM grid
SECTORS = 3  # cells of a sectored site
# The calibration (module docstring): shares of villages with good signal after the
# operators' roll-out and after the 4G infill, and the share without signal universal
# service stops at (Điện Biên 2020: 2.0 %); its sites add about a point of good signal.
ROLLOUT_GOOD, INFILL_GOOD, TARGET_NONE = 0.85, 0.886, 0.02
VALLEY_M = 3_000.0  # operators' rural sites go to villages this close to a river...
TARGET_FIBER = 0.655  # 34.5 % of villages without fixed broadband (Điện Biên 2020)
REACH_M = 2_000.0  # the project file's default broadband reach
OPERATORS, SHARES = ("Viettel", "VNPT", "MobiFone"), (0.55, 0.25, 0.2)
PREFIX = {"Viettel": "VTL", "VNPT": "VNP", "MobiFone": "MBF"}
TOWN_SITES = (6, 4, 4)  # per operator and district town
TOWN_MIX = (("2G,3G,4G", "3G,4G", "4G"), (0.5, 0.2, 0.3))
RURAL_MIX = (("2G,3G,4G", "2G,4G", "2G", "4G"), (0.35, 0.35, 0.15, 0.15))
SYLLABLES = ("Nậm", "Pá", "Mường", "Huổi", "Na", "Phìn", "Sín", "Chà", "Tủa", "Lay", "Thanh",
             "Xuân", "Pú", "Co", "Hua", "Tà", "Lèng", "Si", "Chiềng", "Phiêng", "Khoang", "Lói",
             "Nhè", "Mùn", "Ẳng", "Tở", "Pao", "Xá", "Púng", "Nưa", "Luông", "Sam", "Mứn", "Ten",
             "Hẹ", "Chan", "Pe", "Lìu", "Tìa", "Keo")  # fmt: skip

FILES = {"communes": "communes.gpkg", "villages": "villages.csv", "sites": "bts.xlsx",
         "post_offices": "post_offices.csv", "fiber": "fiber.gpkg", "grid": "grid.gpkg",
         "pois": "pois.csv", "dem": "dem.tif", "landcover": "landcover.tif", "measurements": "drive_test.csv",
         "project": "project.toml",
         "readme": "README.md"}  # fmt: skip
#: The drive test's "true" propagation: the path-loss model's signal, less this much loss
#: (offset dB + slope dB per decade of km), plus log-normal shadowing of this σ (dB) —
#: what `whitezone calibrate` should find again.
TRUE_OFFSET_DB, TRUE_SLOPE_DB_PER_DECADE, TRUE_SIGMA_DB = 6.0, 10.0, 7.0
#: A drive test logs every this many metres along the roads (the fiber routes here) ...
DRIVE_STEP_M = 250.0
#: ... down to what its scanner can measure (dBm).
SCANNER_FLOOR_DBM = -130.0

_TO_UTM = Transformer.from_crs(4326, 32648, always_xy=True)
_TO_LL = Transformer.from_crs(32648, 4326, always_xy=True)


def _to_ll(geom):
    return shapely.transform(geom, lambda p: np.c_[_TO_LL.transform(p[:, 0], p[:, 1])])


def _points_in(rng, poly, n):
    x0, y0, x1, y1 = poly.bounds
    pts = rng.uniform((x0, y0), (x1, y1), size=(4 * n, 2))
    return pts[shapely.contains_xy(poly, pts[:, 0], pts[:, 1])][:n]


def _outline(rng):
    """A noisy blob of AREA_KM2 (UTM); star-shaped, so its ring never crosses itself."""
    centre = np.array(_TO_UTM.transform(*CENTRE))
    theta = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    k = np.arange(2, 40)[:, None]
    phase = rng.uniform(0, 2 * np.pi, k.shape)
    r = np.exp((rng.normal(0, 0.22, k.shape) / k**1.1 * np.cos(k * theta + phase)).sum(0))
    r *= np.sqrt(AREA_KM2 * 1e6 / (0.5 * (r**2).sum() * (theta[1] - theta[0])))
    return shapely.Polygon(centre + np.c_[r * np.cos(theta), r * np.sin(theta)]), centre


def _meander(rng, a, b, amp):
    t = np.linspace(0, 1, 160)
    wiggle = ndimage.gaussian_filter1d(rng.standard_normal(t.size), 7)
    wiggle *= amp * np.sin(np.pi * t) / np.abs(wiggle).max()
    normal = np.array([a[1] - b[1], b[0] - a[0]]) / np.hypot(*(b - a))
    return a + t[:, None] * (b - a) + wiggle[:, None] * normal


def _rivers(rng, centre, radius):
    """Meandering river lines (UTM) with valley-floor elevations falling downstream."""
    turn = rng.uniform(-0.4, 0.4)
    axis = np.array([np.cos(turn), np.sin(turn) - 0.35])
    main = _meander(rng, centre - 1.4 * radius * axis, centre + 1.4 * radius * axis, 8_000)
    rivers = [(main, np.linspace(700, 230, len(main)))]
    angles = np.linspace(0, 2 * np.pi, 5, endpoint=False) + rng.uniform(0, 2 * np.pi)
    for angle in angles + rng.uniform(-0.3, 0.3, 5):
        j = rng.integers(25, 135)
        src = centre + 1.15 * radius * np.array([np.cos(angle), np.sin(angle)])
        line = _meander(rng, src, main[j], 4_000)
        rivers.append((line, np.linspace(1_150, rivers[0][1][j], len(line))))
    for src in _points_in(rng, shapely.Point(centre).buffer(0.9 * radius), 12):
        pts, floors = (np.concatenate(part) for part in zip(*rivers, strict=True))
        j = np.argmin(np.hypot(*(pts - src).T))  # a stream joins the nearest river
        line = _meander(rng, src, pts[j], 1_500)
        rivers.append((line, np.linspace(950, floors[j], len(line))))
    return rivers


def _noise(rng, shape, scales, weights):
    """Sum of smooth random fields; `scales` in cells, each normalised to unit spread."""
    out = np.zeros(shape, dtype=np.float32)
    for scale, weight in zip(scales, weights, strict=True):
        coarse = rng.standard_normal((shape[0] // scale + 4, shape[1] // scale + 4))
        field = ndimage.zoom(ndimage.gaussian_filter(coarse, 1.0), scale, order=3, prefilter=False)
        field = field[: shape[0], : shape[1]]
        out += weight * (field / field.std()).astype(np.float32)
    return out


def _terrain(rng, rivers, transform, shape, inside):
    """DEM (float metres) and distance to the nearest river (metres) on the grid."""
    lat0 = transform.f - RES * shape[0] / 2
    dy, dx = RES * 110_574, RES * 111_320 * np.cos(np.radians(lat0))
    floor = np.zeros(shape, dtype=np.float32)
    wet = np.zeros(shape, dtype=bool)
    for line, z in rivers:
        s = np.r_[0, np.cumsum(np.hypot(*np.diff(line, axis=0).T))]
        d = np.arange(0, s[-1], 40.0)  # denser than the cells, so the river is unbroken
        lon, lat = _TO_LL.transform(np.interp(d, s, line[:, 0]), np.interp(d, s, line[:, 1]))
        row, col = (np.asarray(a) for a in rowcol(transform, lon, lat))
        ok = (row >= 0) & (row < shape[0]) & (col >= 0) & (col < shape[1])
        wet[row[ok], col[ok]] = True
        floor[row[ok], col[ok]] = np.interp(d, s, z)[ok]
    dist, (ii, jj) = ndimage.distance_transform_edt(~wet, sampling=(dy, dx), return_indices=True)
    rise = 1 - np.exp(-((dist / 3_500) ** 1.3))  # flat floors, steep valley sides
    # the nearest river's floor jumps where the nearest river changes: smooth lightly
    # everywhere and strongly on the ridges, so those seams leave no cliffs
    floor = ndimage.gaussian_filter(floor[ii, jj], 8)
    floor += (ndimage.gaussian_filter(floor, 40) - floor) * rise
    massif = 1_100 + 450 * _noise(rng, shape, (600, 250), (1.0, 0.6))
    crests = 1 - np.abs(_noise(rng, shape, (120, 40), (1.0, 0.4)))  # sharp ridge lines
    detail = 150 * _noise(rng, shape, (60, 20, 7, 3), (1.0, 0.7, 0.35, 0.12)) + 250 * crests
    z = floor + np.maximum(massif, 300) * rise + detail * (0.1 + 0.9 * rise)
    lo, hi = z[inside].min(), z[inside].max()
    return np.clip(210 + (z - lo) * (2_580 - 210) / (hi - lo), 200, 2_600), dist


def _names(rng, n):
    """`n` different two-syllable names."""
    a, b = np.divmod(rng.choice(len(SYLLABLES) * (len(SYLLABLES) - 1), n, replace=False),
                     len(SYLLABLES) - 1)  # fmt: skip
    return [f"{SYLLABLES[i]} {SYLLABLES[j + (j >= i)]}" for i, j in zip(a, b, strict=True)]


def _communes(rng, outline):
    """Commune polygons (UTM) and their districts 0..9, both numbered north-west first."""
    seeds = _points_in(rng, outline, N_COMMUNES)
    for _ in range(3):  # Lloyd steps: even, plausible commune sizes
        cells = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=outline,
                                         ordered=True)  # fmt: skip
        cells = shapely.intersection(shapely.get_parts(cells), outline)
        centroid = shapely.centroid(cells)
        inner = shapely.contains(cells, centroid)
        seeds = shapely.get_coordinates(np.where(inner, centroid, shapely.point_on_surface(cells)))
    _, label = kmeans2(seeds, N_DISTRICTS, minit="++", seed=rng)
    corner = np.array([seeds[label == d].mean(0) @ (1, -1) for d in range(N_DISTRICTS)])
    rank = np.argsort(np.argsort(corner))[label]
    order = np.lexsort((seeds @ (1, -1), rank))
    return cells[order], rank[order]


def _villages(rng, communes_ll, town, labels, z, river_m, transform):
    """Village table in lon/lat; every village lies inside its commune polygon."""
    # valleys and low land draw settlement; the constant leaves some villages remote
    weight = ((np.exp(-river_m / 2_000) + 0.04) * np.exp(-(z - 200) / 500)).ravel()
    order = np.argsort(labels.ravel(), kind="stable")
    edges = np.searchsorted(labels.ravel()[order], np.arange(N_COMMUNES + 2))
    mass = ndimage.sum(weight.reshape(z.shape), labels, np.arange(1, N_COMMUNES + 1)) ** 0.6
    counts = 4 + rng.multinomial(N_VILLAGES - 4 * N_COMMUNES, mass / mass.sum())
    parts = []
    for c in range(N_COMMUNES):
        cells = order[edges[c + 1] : edges[c + 2]]
        pick = rng.choice(cells, counts[c], replace=False, p=weight[cells] / weight[cells].sum())
        lon, lat = (np.round(a, 6) for a in xy(transform, *np.divmod(pick, z.shape[1])))
        jlon, jlat = np.round(np.c_[lon, lat] + rng.uniform(-0.45, 0.45, (pick.size, 2)) * RES, 6).T
        ok = shapely.contains_xy(communes_ll[c], jlon, jlat)  # else keep the cell centre
        parts.append(np.c_[np.full(pick.size, c), np.where(ok, jlon, lon), np.where(ok, jlat, lat)])
    v = pd.DataFrame(np.concatenate(parts), columns=["commune", "lon", "lat"])
    v["commune"] = v.commune.astype(int)
    stray = ~shapely.contains_xy(communes_ll[v.commune], v.lon, v.lat)  # a centre on a border
    v.loc[stray, ["lon", "lat"]] = shapely.get_coordinates(
        shapely.point_on_surface(communes_ll[v.commune[stray]])).round(6)  # fmt: skip
    pop = rng.lognormal(np.log(330), 0.6, len(v)) * np.where(v.commune.isin(town), 2.5, 1.0)
    pop = np.maximum(40, np.round(pop * POPULATION / pop.sum()))
    pop[np.argmax(pop)] += POPULATION - pop.sum()
    v["population"] = pop.astype(int)
    v["households"] = np.maximum(1, np.round(pop / rng.normal(4.5, 0.25, len(v)))).astype(int)
    row, col = rowcol(transform, v.lon, v.lat)
    v["elevation"], v["river_m"] = z[row, col], river_m[row, col]
    return v.sort_values(["commune", "lat"], ascending=[True, False], ignore_index=True)


def _coverage_shares(pts, site_xy, site_tech, active, radius_km=DEFAULT_RADIUS_KM):
    """Shares of villages with "none", "weak" and "good" signal under the radius model.

    `pts` and `site_xy` are metric (n, 2) arrays, `site_tech` strings such as "2G,4G";
    a village's class is its best over technologies, and only `active` sites count.
    """
    best = np.zeros(len(pts), dtype=np.int8)
    techs = [set(t.split(",")) for t in site_tech]
    for tech, (good, weak) in radius_km.items():
        has = np.asarray(active, dtype=bool) & np.array([tech in t for t in techs], dtype=bool)
        if has.any():
            d, _ = cKDTree(site_xy[has]).query(pts, distance_upper_bound=weak * 1e3)
            best = np.maximum(best, (d <= good * 1e3).astype(np.int8) + (d <= weak * 1e3))
    return {c: float((best == i).mean()) for i, c in enumerate(("none", "weak", "good"))}


def _sites(rng, vxy, pop, valley, town_xy):
    """The sites table (site_id, operator, technology, lon, lat, status, height_m).

    Built in the three waves of the module docstring; `level` tracks each village's best
    class (0 none, 1 weak, 2 good) as sites are added.
    """
    radius = {t: [max(DEFAULT_RADIUS_KM[x][i] for x in t.split(",")) * 1e3 for i in (0, 1)]
              for t in TOWN_MIX[0] + RURAL_MIX[0]}  # fmt: skip
    rows, level = [], np.zeros(len(vxy), dtype=np.int8)

    def add(op, tech, x, y, status="active"):
        lon, lat = (round(a * 36_000) / 36_000 for a in _TO_LL.transform(x, y))  # DMS 0.1"
        rows.append((op, tech, lon, lat, status))
        if status == "active":
            x, y = _TO_UTM.transform(lon, lat)
            d = np.hypot(vxy[:, 0] - x, vxy[:, 1] - y)
            level[:] = np.maximum(level, (d <= radius[tech][0]).astype(np.int8)
                                  + (d <= radius[tech][1]))  # fmt: skip

    for tx, ty in town_xy:
        for op, n in zip(OPERATORS, TOWN_SITES, strict=True):
            for dx, dy in rng.normal(0, 1_200, (n, 2)):
                add(op, rng.choice(TOWN_MIX[0], p=TOWN_MIX[1]), tx + dx, ty + dy)
    cxy = vxy + rng.normal(0, 250, vxy.shape)  # a site stands near, not in, a village
    dist = np.hypot(cxy[:, None, 0] - vxy[None, :, 0], cxy[:, None, 1] - vxy[None, :, 1])
    free = np.ones(len(vxy), dtype=bool)
    while (level == 2).mean() < ROLLOUT_GOOD:  # operators: most people first, from the valleys
        op = rng.choice(OPERATORS, p=SHARES)
        tech = rng.choice(RURAL_MIX[0], p=RURAL_MIX[1])
        ok = free & (valley | (level == 2))  # ... or out from where signal is good already
        gain = np.where(ok, ((dist <= radius[tech][0]) & (level < 2)) @ pop, -1.0)
        k = int(np.argmax(gain))
        if gain[k] <= 0:
            break
        free[k] = False
        add(op, tech, *cxy[k])
        if rng.random() < 0.7:  # a second operator shares the valley
            other = rng.choice([o for o in OPERATORS if o != op])
            add(other, rng.choice(RURAL_MIX[0], p=RURAL_MIX[1]), *(cxy[k] + rng.normal(0, 400, 2)))
    while (level == 2).mean() < INFILL_GOOD:  # 4G fills in where the signal is weak
        gain = ((dist <= radius["4G"][0]) & (level < 2)) @ pop
        gain = np.where(free & (level == 1), gain, -1.0)
        k = int(np.argmax(gain))
        if gain[k] <= 0:
            break
        free[k] = False
        add(rng.choice(OPERATORS, p=SHARES), "4G", *cxy[k])
    while (level == 0).mean() > TARGET_NONE:  # universal service: anywhere, most unserved first
        gain = ((dist <= radius["2G,4G"][1]) & (level == 0)) @ pop
        k = int(np.argmax(gain))
        if gain[k] <= 0:
            break
        free[k] = False
        add(rng.choice(OPERATORS[:2]), "2G,4G", *cxy[k])
    for i in np.lexsort((-pop, level))[:N_PLANNED]:  # the next universal-service sites
        add("Viettel", "2G,4G", *(vxy[i] + rng.normal(0, 300, 2)), status="planned")
    sites = pd.DataFrame(rows, columns=["operator", "technology", "lon", "lat", "status"])
    number = sites.groupby("operator").cumcount() + 1
    sites.insert(0, "site_id", [f"{PREFIX[o]}-{k:04d}"
                                for o, k in zip(sites.operator, number, strict=True)])  # fmt: skip
    sites["height_m"] = rng.integers(20, 46, len(sites))
    return sites


def _sectorise(sites: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Sites carrying 3G become three cells (one row each): azimuths 120° apart, 65°, tilted.

    Operators' multi-technology sites in towns and valleys are sectored; single-technology
    rural and universal-service sites stay omnidirectional, as is common.  Its own random
    stream (``[seed, 2]``) leaves the other files as they were.
    """
    rng = np.random.default_rng([seed, 2])
    sites = sites.copy()
    sites["azimuth_deg"] = np.nan
    sites["tilt_deg"] = np.nan
    sectored = sites["technology"].str.contains("3G").to_numpy()
    first = rng.uniform(0, 120, len(sites)).round()
    tilt = rng.choice([2.0, 3.0, 4.0, 5.0], len(sites))
    parts = [sites[~sectored]]
    for k in range(SECTORS):
        part = sites[sectored].copy()
        part["azimuth_deg"] = (first[sectored] + 120.0 * k) % 360.0
        part["tilt_deg"] = tilt[sectored]
        parts.append(part)
    out = pd.concat(parts).sort_index(kind="stable")
    return out.sort_values(["site_id", "azimuth_deg"], kind="stable", na_position="first").reset_index(drop=True)


def _landcover(rng, z, inside, vxy_ll, transform):
    """WorldCover-like classes on the DEM grid: fields in the valleys, forest up the slopes.

    Cropland (40) where the ground is low and gentle, tree cover (10) where it is steep or
    high, grassland (30) and shrubland (20) between, built-up (50) at the villages, and
    no data (0) off the province.
    """
    gy, gx = np.gradient(z.astype(float), RES * 110_000)
    slope = np.degrees(np.arctan(np.hypot(gx, gy)))
    noise = ndimage.gaussian_filter(rng.normal(0, 1, z.shape), 6) * 25
    height = z + noise * 10
    out = np.full(z.shape, 30, dtype=np.uint8)
    out[(slope + noise) > 14] = 20
    out[(slope + noise > 20) | (height > np.percentile(z[inside], 70))] = 10
    out[(slope + noise < 8) & (height < np.percentile(z[inside], 30))] = 40
    row, col = rowcol(transform, vxy_ll[:, 0], vxy_ll[:, 1])
    row = np.clip(np.asarray(row), 0, z.shape[0] - 1)
    col = np.clip(np.asarray(col), 0, z.shape[1] - 1)
    built = np.zeros(z.shape, dtype=bool)
    built[row, col] = True
    out[ndimage.binary_dilation(built, iterations=2)] = 50
    out[~inside] = 0
    return out


def _drive_test(sites: pd.DataFrame, fiber: gpd.GeoDataFrame, seed: int, landcover=None) -> pd.DataFrame:
    """A drive test along the fiber routes, from a known "true" propagation (see TRUE_*).

    Its own random stream (``[seed, 1]``) leaves every other file as it was.  At
    each point and technology the scanner logs the site the path-loss model
    serves it from, at that model's median signal less the true correction plus
    shadowing; points no site reaches, or below the scanner's floor, log
    nothing.  Three rows carry signals no phone reports (left out on reading).
    """
    rng = np.random.default_rng([seed, 1])
    lines = fiber.to_crs(32648).geometry.to_numpy()
    points = np.concatenate([shapely.get_coordinates(shapely.line_interpolate_point(
        line, np.arange(0.0, line.length, DRIVE_STEP_M))) for line in lines])  # fmt: skip
    cells = sites[sites["status"] == "active"].assign(technology=lambda f: f["technology"].str.split(","))
    cells = cells.explode("technology").reset_index(drop=True)
    site_xy = np.column_stack(_TO_UTM.transform(cells["lon"].to_numpy(), cells["lat"].to_numpy()))
    clutter = Clutter(landcover) if landcover is not None else None
    model = PathLossModel(clutter=clutter)
    rows = []
    with warnings.catch_warnings():  # masts below Hata's 30 m: known, and the truth is ours
        warnings.simplefilter("ignore", ModelValidityWarning)
        chosen = {tech: model.best(points, cells[cells["technology"] == tech].reset_index(drop=True),
                                   np.zeros(int((cells["technology"] == tech).sum()), dtype=np.int64),
                                   1, site_xy=site_xy[(cells["technology"] == tech).to_numpy()])
                  for tech in ("2G", "3G", "4G")}  # fmt: skip
    for tech, best in chosen.items():
        part = cells[cells["technology"] == tech].reset_index(drop=True)
        served = np.flatnonzero(best["site"][:, 0] >= 0)
        site = best["site"][served, 0]
        d = np.maximum(best["distance_km"][served, 0], 0.1)
        signal = (best["signal_dbm"][served, 0]
                  - (TRUE_OFFSET_DB + TRUE_SLOPE_DB_PER_DECADE * np.log10(d))
                  + rng.normal(0.0, TRUE_SIGMA_DB, len(served)))  # fmt: skip
        # The scanner's floor; and no log under the mast, where the near field is not modelled.
        keep = (signal >= SCANNER_FLOOR_DBM) & (best["distance_km"][served, 0] >= 0.1)
        rows.append(pd.DataFrame({"point": served[keep], "technology": tech,
                                  "operator": part["operator"].to_numpy()[site[keep]],
                                  "site_id": part["site_id"].to_numpy()[site[keep]],
                                  "signal": np.round(signal[keep], 1)}))  # fmt: skip
    log = pd.concat(rows).sort_values(["point", "technology"], kind="stable").reset_index(drop=True)
    lon, lat = _TO_LL.transform(points[log["point"], 0], points[log["point"], 1])
    start = pd.Timestamp("2026-06-01 07:00:00")
    out = pd.DataFrame({
        "Thời gian": (start + pd.to_timedelta(log["point"] * 20, unit="s")).dt.strftime("%Y-%m-%d %H:%M:%S"),
        "Kinh độ": np.round(lon, 6), "Vĩ độ": np.round(lat, 6), "Công nghệ": log["technology"],
        "Nhà mạng": log["operator"], "Mã trạm": log["site_id"], "Mức thu (dBm)": log["signal"]})  # fmt: skip
    for i, value in zip(rng.choice(len(out), 3, replace=False), (0.0, -180.0, 5.0), strict=True):
        out.loc[i, "Mức thu (dBm)"] = value  # a scanner's glitches: left out on reading
    return out


def _fiber(dem, transform, points, towns, centres, commune_pop, villages_utm):
    """Fiber routes: least-cost paths over the DEM joining the towns, then spurs to centres.

    `points` are village lon/lat, `towns` and `centres` index them.  Returns a list of
    ((a, b), line), a and b town numbers for trunks, (None, commune) for spurs, and
    whether each village is within reach of fiber.
    """
    f = 8  # route on ~700 m cells: fast, and valleys are wider than that
    h, w = dem.shape[0] // f, dem.shape[1] // f
    # nodata (off the province) counts as high ground, so the routes stay inside
    zc = np.where(dem < -1_000, 3_000, dem)[: h * f, : w * f].reshape(h, f, w, f).mean((1, 3))
    cost = (1 + ((zc - 200) / 250) ** 2).ravel()  # digging along valley floors is cheap
    r, c = np.divmod(np.arange(h * w), w)
    a, b = [], []
    for di, dj in ((0, 1), (1, 0), (1, 1), (1, -1)):
        ok = (r + di < h) & (c + dj >= 0) & (c + dj < w)
        a.append(np.flatnonzero(ok))
        b.append((r[ok] + di) * w + c[ok] + dj)
    a, b = np.concatenate(a), np.concatenate(b)
    step = np.where(np.isin(b - a, (w - 1, w + 1)), np.sqrt(2), 1.0)
    graph = coo_matrix((step * (cost[a] + cost[b]) / 2, (a, b)), shape=(h * w, h * w)).tocsr()
    row, col = (np.asarray(x) // f for x in rowcol(transform, points[:, 0], points[:, 1]))
    node = np.minimum(row, h - 1) * w + np.minimum(col, w - 1)
    paths, routes, lines_utm = [], [], []

    def add(key, pred, start, end, tail, head=None):
        path = [end]
        while path[-1] != start:  # one predecessor chain, a few hundred cells at most
            path.append(pred[path[-1]])
        pr, pc = np.divmod(np.array(path[::-1]), w)
        line = np.c_[transform.c + (pc + 0.5) * f * RES, transform.f - (pr + 0.5) * f * RES]
        if len(line) > 4:  # soften the 8-neighbour staircase
            line[2:-2] = ndimage.uniform_filter1d(line, 5, axis=0)[2:-2]
        if head is None:  # a spur starts on the network, not beside it
            near = shapely.shortest_line(shapely.multilinestrings([g for _, g in routes]),
                                         shapely.Point(line[0]))  # fmt: skip
            head = shapely.get_coordinates(near)[0]
        line = np.vstack([head, line, tail])
        paths.append(np.array(path))
        routes.append((key, shapely.LineString(line)))
        lines_utm.append(shapely.LineString(np.c_[_TO_UTM.transform(line[:, 0], line[:, 1])]))

    dist, pred = dijkstra(graph, directed=False, indices=node[towns], return_predecessors=True)
    tree = minimum_spanning_tree(dist[:, node[towns]]).tocoo()
    for i, j in zip(tree.row, tree.col, strict=True):
        add((i, j), pred[i], node[towns[i]], node[towns[j]], points[towns[j]], points[towns[i]])
    for k in np.argsort(-commune_pop, kind="stable"):  # spurs, most populous commune first
        near = shapely.distance(villages_utm, shapely.multilinestrings(lines_utm)) <= REACH_M
        if near.mean() >= TARGET_FIBER:
            break
        if not near[centres[k]]:
            net = np.unique(np.concatenate(paths))
            _, pred, src = dijkstra(graph, directed=False, indices=net, min_only=True,
                                    return_predecessors=True)  # fmt: skip
            end = node[centres[k]]
            add((None, k), pred, src[end], end, points[centres[k]])
    return routes, shapely.distance(villages_utm, shapely.multilinestrings(lines_utm)) <= REACH_M


def _power_grid(fiber: gpd.GeoDataFrame, centres_ll: np.ndarray, names) -> gpd.GeoDataFrame:
    """Medium-voltage lines: along the fiber routes (both follow the valley roads), and a
    straight line from that network to every commune centre more than 1 km from it (the grid
    reaches every commune; fiber does not)."""
    net = shapely.multilinestrings([shapely.LineString(np.c_[_TO_UTM.transform(*np.asarray(g.xy))])
                                    for g in fiber.geometry])  # fmt: skip
    centres = shapely.points(np.c_[_TO_UTM.transform(centres_ll[:, 0], centres_ll[:, 1])])
    far = np.flatnonzero(shapely.distance(centres, net) > 1_000.0)
    spurs = shapely.shortest_line(net, centres[far])
    back = [shapely.LineString(np.c_[_TO_UTM.transform(*np.asarray(g.xy), direction="INVERSE")])
            for g in spurs]  # fmt: skip
    lines = list(fiber.geometry) + back
    label = [f"Đường dây 22 kV theo {n}" for n in fiber["name"]] + \
        [f"Nhánh 22 kV {names[i]}" for i in far]  # fmt: skip
    return gpd.GeoDataFrame({"line_id": [f"DZ-{i + 1:02d}" for i in range(len(lines))],
                             "name": label}, geometry=lines, crs=4326)  # fmt: skip


def _services(rng, v, communes, communes_ll, town, near):
    """Postal points and points of interest near villages, inside the villages' communes."""
    vc, pop = v.commune.to_numpy(), v.population.to_numpy(dtype=float)
    centre = v.groupby("commune").population.idxmax().to_numpy()  # the commune centre
    others = np.setdiff1d(np.arange(len(v)), centre)
    stem = communes.commune.str.replace(r"^(Xã|Thị trấn) ", "", regex=True).to_numpy()
    cid, cname = communes.commune_id.to_numpy(), communes.commune.to_numpy()

    def place(idx, metres):
        lon, lat = v.lon.to_numpy()[idx], v.lat.to_numpy()[idx]
        jlon = np.round(lon + rng.normal(0, metres / 104_000, len(idx)), 6)
        jlat = np.round(lat + rng.normal(0, metres / 111_000, len(idx)), 6)
        ok = shapely.contains_xy(communes_ll[vc[idx]], jlon, jlat)  # else at the village
        return pd.DataFrame({"commune_id": cid[vc[idx]], "lon": np.where(ok, jlon, lon),
                             "lat": np.where(ok, jlat, lat)})  # fmt: skip

    rural = np.setdiff1d(np.arange(N_COMMUNES), town)
    vhx = np.sort(rural[np.argsort(communes.population.to_numpy()[rural])[N_NO_POST:]])
    agents = rng.choice(others, N_AGENTS, replace=False, p=pop[others] / pop[others].sum())
    posts = place(np.concatenate([centre[town], centre[vhx], agents]), 250)
    posts.insert(0, "kind", np.repeat(["Bưu cục", "BĐ-VHX", "Đại lý"],
                                      [len(town), len(vhx), N_AGENTS]))  # fmt: skip
    posts.insert(0, "name", [f"Bưu cục {s}" for s in stem[town]]
                 + [f"Điểm BĐ-VHX {s}" for s in stem[vhx]]
                 + [f"Đại lý bưu điện {x}" for x in v.village.to_numpy()[agents]])  # fmt: skip
    posts.insert(0, "post_id", [f"BC{i + 1:02d}" for i in range(len(town))]
                 + [f"VHX{i + 1:03d}" for i in range(len(vhx))]
                 + [f"DL{i + 1:02d}" for i in range(N_AGENTS)])  # fmt: skip

    satellite = rng.choice(others, N_SCHOOLS - N_COMMUNES, replace=False,
                           p=np.sqrt(pop[others]) / np.sqrt(pop[others]).sum())  # fmt: skip
    idx = np.concatenate([centre, centre, centre, satellite])
    pois = place(idx, 200)
    pois.insert(0, "kind", np.repeat(["commune office", "health station", "school"],
                                     [N_COMMUNES, N_COMMUNES, N_SCHOOLS]))  # fmt: skip
    pois.insert(1, "name", [f"UBND {c}" for c in cname] + [f"Trạm Y tế {c}" for c in cname]
                + [f"Trường TH&THCS {s}" for s in stem]
                + [f"Điểm trường {x}" for x in v.village.to_numpy()[satellite]])  # fmt: skip
    pois.insert(0, "poi_id", [f"P{i + 1:04d}" for i in range(len(pois))])
    # a building near a fiber route is usually, not always, connected
    pois["fixed_broadband"] = np.where(near[idx] & (rng.random(len(idx)) < 0.85), "yes", "no")
    return posts, pois


def _dms(values, pos, neg):
    """``103°01'22.5"E``-style strings, rounded to a tenth of a second."""
    tenths = np.round(np.abs(np.asarray(values)) * 36_000).astype(int)
    deg, rest = np.divmod(tenths, 36_000)
    minutes, sec = np.divmod(rest, 600)
    return [f"{d}°{m:02d}'{s // 10:02d}.{s % 10}\"{pos if x >= 0 else neg}"
            for d, m, s, x in zip(deg, minutes, sec, values, strict=True)]  # fmt: skip


def _write_bts(path, sites):
    wb = Workbook()
    ws = wb.active
    ws.title = "BTS"
    ws.append(["DANH SÁCH TRẠM BTS - TỈNH MẪU (dữ liệu tổng hợp)"])
    ws.append([])
    ws.append(["Mã trạm", "Nhà mạng", "Công nghệ", "Kinh độ", "Vĩ độ", "Độ cao anten (m)",
               "Trạng thái", "Góc phương vị", "Góc nghiêng"])  # fmt: skip
    lon, lat = _dms(sites.lon, "E", "W"), _dms(sites.lat, "N", "S")
    blank = lambda x: None if pd.isna(x) else float(x)  # noqa: E731 - an omni site leaves them empty
    for row in zip(sites.site_id, sites.operator, sites.technology, lon, lat,
                   sites.height_m.tolist(), sites.status, sites.azimuth_deg.map(blank),
                   sites.tilt_deg.map(blank), strict=True):  # fmt: skip
        ws.append(list(row))
    for col, width in zip("ABCDEFGHI", (11, 10, 11, 15, 14, 17, 11, 14, 12), strict=True):
        ws.column_dimensions[col].width = width
    wb.save(path)


PROJECT_TOML = """\
name = "Tỉnh Mẫu (synthetic sample province)"
output = "output"
lang = "vi"

[layers]
communes = "communes.gpkg"
villages = "villages.csv"
sites = { path = "bts.xlsx", sheet = "BTS" }
post_offices = "post_offices.csv"
fiber = "fiber.gpkg"
grid = "grid.gpkg"
pois = "pois.csv"
dem = "dem.tif"
landcover = "landcover.tif"
measurements = "drive_test.csv"

[columns.villages]
village_id = "Mã thôn"

[model]
kind = "radius"

[model.radius]
"2G" = [6.0, 12.0]
"3G" = [2.0, 4.0]
"4G" = [2.5, 5.0]
"""

README = """\
# Tỉnh Mẫu — a synthetic sample province

Everything here is invented: a mountainous province modelled on Điện Biên / Sơn La, written
by `whitezone.datasets.make_sample` with seed {seed}; `whitezone sample data/sample --seed {seed}`
writes the same tables again. It covers {area_km2:,.0f} km² with {districts} districts and
{communes} communes (`communes.gpkg`), {villages:,} villages with {population:,} people
(`villages.csv`: UTF-8 with BOM, Vietnamese headers), {sites} active and {planned} planned BTS
sites of three operators with {site_techs} site-technologies (`bts.xlsx`, sheet "BTS", headers
on row 3, degree-minute-second coordinates; the {sectored} sites carrying 3G are three cells
each, one row per cell with its azimuth and tilt, the others omnidirectional), {posts} postal points, {vhx} of them commune post
offices (`post_offices.csv`: semicolons, decimal commas), {routes} fiber routes (`fiber.gpkg`),
{lines} medium-voltage power lines (`grid.gpkg`: along the fiber routes, and a straight line to
each commune centre more than 1 km from them), {pois} schools, health stations and commune offices (`pois.csv`), a 3 arc-second DEM
(`dem.tif`), a land-cover raster in ESA WorldCover classes on the same grid (`landcover.tif`:
cropland in the valleys, forest up the slopes, built-up at the villages), a drive test of {measurements:,} measurements along the fiber routes
(`drive_test.csv`) and the project file (`project.toml`).

The drive test comes from a known "true" propagation: the path-loss model of
`[model] kind = "pathloss"` (default budgets, the cells' sector patterns and the land
cover's clutter), with {offset:g} dB + {slope:g} dB per decade of
distance more loss, and log-normal shadowing of σ = {sigma:g} dB (seeded), logged where the
scanner reads at least {floor:g} dBm; three rows carry signals no phone reports. `whitezone
calibrate --model pathloss` finds these figures again.

Calibration: operators' sites go to the towns and along the valleys, 4G fills in where the
signal is weak and universal-service sites go to the largest unserved clusters, each wave
until a share of villages is served. With the radius model of `project.toml` and every site
taken as an omnidirectional mast (as the waves plan them), the sample has {none:.1f} % of
villages with no signal and {weak:.1f} % with weak signal, like Điện Biên's 2020 report
(2.0 % and 8.9 %), and {no_fiber:.1f} % more than 2 km from fiber (Điện Biên 2020: 34.5 %
without fixed broadband). The sites carrying 3G are then split into three cells, whose
reach shrinks off their azimuths, so a run of `project.toml` finds more weak villages than
that. No class is assigned: each follows from where sites stand.
"""


def _write_landcover(path, landcover, transform):
    profile = {"driver": "GTiff", "height": landcover.shape[0], "width": landcover.shape[1],
               "count": 1, "dtype": "uint8", "crs": "EPSG:4326", "transform": transform,
               "nodata": 0, "tiled": True, "blockxsize": 256, "blockysize": 256,
               "compress": "deflate", "zlevel": 9}  # fmt: skip
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(landcover, 1)


def _write(paths, communes, communes_ll, v, sites, posts, fiber, power, pois, dem, transform, drive):
    for key in ("communes", "fiber", "grid"):
        paths[key].unlink(missing_ok=True)  # a GeoPackage would otherwise keep old layers
    gpd.GeoDataFrame(communes, geometry=communes_ll, crs=4326).to_file(
        paths["communes"], layer="communes", driver="GPKG")  # fmt: skip
    fiber.to_file(paths["fiber"], layer="fiber", driver="GPKG")
    power.to_file(paths["grid"], layer="grid", driver="GPKG")
    deg = "{:.6f}".format
    villages = pd.DataFrame({
        "Mã thôn": v.village_id, "Tên thôn": v.village, "Mã xã": v.commune_id,
        "Dân số": v.population, "Số hộ": v.households, "Kinh độ": v.lon.map(deg),
        "Vĩ độ": v.lat.map(deg)})  # fmt: skip
    villages.to_csv(paths["villages"], index=False, encoding="utf-8-sig")
    _write_bts(paths["sites"], sites)
    comma = pd.DataFrame({
        "Mã điểm": posts.post_id, "Tên điểm": posts.name, "Loại": posts.kind,
        "Mã xã": posts.commune_id, "Kinh độ": posts.lon.map(deg).str.replace(".", ","),
        "Vĩ độ": posts.lat.map(deg).str.replace(".", ",")})  # fmt: skip
    comma.to_csv(paths["post_offices"], sep=";", index=False, encoding="utf-8")
    pois.assign(lon=pois.lon.map(deg), lat=pois.lat.map(deg)).to_csv(
        paths["pois"], index=False, encoding="utf-8")  # fmt: skip
    profile = {"driver": "GTiff", "height": dem.shape[0], "width": dem.shape[1], "count": 1,
               "dtype": "int16", "crs": "EPSG:4326", "transform": transform, "nodata": -32768,
               "tiled": True, "blockxsize": 256, "blockysize": 256, "compress": "deflate",
               "predictor": 2, "zlevel": 9}  # fmt: skip
    with rasterio.open(paths["dem"], "w", **profile) as dst:
        dst.write(dem, 1)
    drive.to_csv(paths["measurements"], index=False, encoding="utf-8-sig")
    paths["project"].write_text(PROJECT_TOML, encoding="utf-8")


def make_sample(outdir: str | Path, *, seed: int = 2020) -> dict[str, Path]:
    """Write the synthetic sample province into a folder.

    Parameters
    ----------
    outdir : str or Path
        Folder to write into; created if missing, its sample files are overwritten.
    seed : int, default 2020
        Seed of the one random stream everything is drawn from: the same seed gives
        the same tables (2020 is the committed sample in ``data/sample``).

    Returns
    -------
    dict of str to Path
        ``"communes"``, ``"villages"``, ``"sites"``, ``"post_offices"``, ``"fiber"``,
        ``"grid"``, ``"pois"``, ``"dem"``, ``"project"`` and ``"readme"``, each the file written.

    Notes
    -----
    The module docstring says how the province is built and how it was calibrated
    against Điện Biên's 2020 figures.
    """
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    outline, centre = _outline(rng)
    outline_ll = _to_ll(outline)
    w, s = np.floor((np.array(outline_ll.bounds[:2]) - 0.03) * 20) / 20  # round .05° edges
    e, n = np.ceil((np.array(outline_ll.bounds[2:]) + 0.03) * 20) / 20
    shape = (round((n - s) / RES), round((e - w) / RES))
    transform = Affine(RES, 0.0, w, 0.0, -RES, n)
    inside = rasterize([outline_ll], out_shape=shape, transform=transform).astype(bool)
    rivers = _rivers(rng, centre, np.sqrt(AREA_KM2 * 1e6 / np.pi))
    z, river_m = _terrain(rng, rivers, transform, shape, inside)
    margin = rasterize([_to_ll(outline.buffer(3_000))], out_shape=shape, transform=transform)
    dem = np.where(margin.astype(bool), np.round(z), -32768).astype(np.int16)

    cells, district = _communes(rng, outline)
    communes_ll = _to_ll(cells)
    labels = rasterize(zip(communes_ll, range(1, N_COMMUNES + 1), strict=True), out_shape=shape,
                       transform=transform, dtype="int32")  # fmt: skip
    height = ndimage.mean(z, labels, np.arange(1, N_COMMUNES + 1))
    town = np.array([np.flatnonzero(district == d)[np.argmin(height[district == d])]
                     for d in range(N_DISTRICTS)])  # the lowest commune: a valley town
    stems = np.array(_names(rng, N_DISTRICTS + N_COMMUNES), dtype=object)
    stem = stems[N_DISTRICTS:]
    stem[town] = stems[:N_DISTRICTS]  # a district town bears its district's name
    communes = pd.DataFrame({
        "commune_id": [f"{3100 + 3 * i:05d}" for i in range(N_COMMUNES)],
        "commune": np.where(np.isin(np.arange(N_COMMUNES), town), "Thị trấn ", "Xã ") + stem,
        "district": "Huyện " + stems[district], "province": PROVINCE})  # fmt: skip

    v = _villages(rng, communes_ll, town, labels, z, river_m, transform)
    v["village"] = ""
    for idx in v.groupby("commune").indices.values():
        v.loc[idx, "village"] = ["Bản " + x for x in _names(rng, len(idx))]
    v["village_id"] = [f"V{i + 1:04d}" for i in range(len(v))]
    v["commune_id"] = communes.commune_id.to_numpy()[v.commune]
    communes["population"] = v.groupby("commune").population.sum().reindex(range(N_COMMUNES))
    vxy = np.c_[_TO_UTM.transform(v.lon.to_numpy(), v.lat.to_numpy())]
    pop = v.population.to_numpy(dtype=float)
    centre_v = v.groupby("commune").population.idxmax().to_numpy()

    sites = _sites(rng, vxy, pop, v.river_m.to_numpy() <= VALLEY_M, vxy[centre_v[town]])
    site_xy = np.c_[_TO_UTM.transform(sites.lon.to_numpy(), sites.lat.to_numpy())]
    shares = _coverage_shares(vxy, site_xy, sites.technology, sites.status == "active")
    routes, near = _fiber(dem, transform, v[["lon", "lat"]].to_numpy(), centre_v[town], centre_v,
                          communes.population.to_numpy(), shapely.points(vxy))  # fmt: skip
    cname = communes.commune.to_numpy()
    fiber = gpd.GeoDataFrame({
        "route_id": [f"FO-{i + 1:02d}" for i in range(len(routes))],
        "name": [f"Trục cáp quang {cname[town[a]]} – {cname[town[b]]}" if a is not None
                 else f"Nhánh cáp quang {cname[b]}" for (a, b), _ in routes]},
        geometry=[line for _, line in routes], crs=4326)  # fmt: skip
    posts, pois = _services(rng, v, communes, communes_ll, town, near)
    power = _power_grid(fiber, v[["lon", "lat"]].to_numpy()[centre_v], cname)

    paths = {k: out / name for k, name in FILES.items()}
    cover = _landcover(np.random.default_rng([seed, 3]), z, margin.astype(bool),
                       v[["lon", "lat"]].to_numpy(), transform)  # fmt: skip
    _write_landcover(paths["landcover"], cover, transform)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grid = load_landcover(paths["landcover"], crs=CRS.from_epsg(32648), resolution_m=90.0)
    cells = _sectorise(sites, seed)
    drive = _drive_test(cells, fiber, seed, landcover=grid)
    _write(paths, communes, communes_ll, v, cells, posts, fiber, power, pois, dem, transform, drive)
    facts = {
        "seed": seed, "area_km2": outline.area / 1e6, "districts": N_DISTRICTS,
        "communes": N_COMMUNES, "villages": len(v), "population": int(pop.sum()),
        "sites": int((sites.status == "active").sum()), "planned": N_PLANNED,
        "sectored": int(sites.technology.str.contains("3G").sum()),
        "site_techs": int(sites.technology.str.count(",").sum()) + len(sites),
        "posts": len(posts), "vhx": int((posts.kind == "BĐ-VHX").sum()), "routes": len(fiber), "lines": len(power),
        "pois": len(pois), "none": 100 * shares["none"], "weak": 100 * shares["weak"],
        "measurements": len(drive), "offset": TRUE_OFFSET_DB, "slope": TRUE_SLOPE_DB_PER_DECADE,
        "sigma": TRUE_SIGMA_DB, "floor": SCANNER_FLOOR_DBM,
        "no_fiber": 100 * (1 - near.mean())}  # fmt: skip
    paths["readme"].write_text(README.format(**facts), encoding="utf-8")
    logger.info("sample province (seed %d) written to %s: %s", seed, out,
                ", ".join(f"{k} {x:.4g}" for k, x in facts.items()))  # fmt: skip
    return paths
