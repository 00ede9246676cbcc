"""The interactive map of the gaps (Folium / Leaflet).

Layers a planner can switch: communes shaded by the share of villages with no
signal (or weak signal, or people without signal), villages coloured by class
with a popup each, the modelled coverage per technology, BTS sites per
operator, postal points and their service radius, fiber routes, points of
interest, the priority sites when a siting run made them, and the villages a
scenario changes.  Vector layers are drawn on a canvas (``prefer_canvas``) so
100,000 villages stay smooth.

The communes' polygons reach the page once, simplified as a coverage and
quantized (:mod:`whitezone.maps.shapes`); every choropleth styles them from
its own array of values (:mod:`whitezone.maps.choropleth`), and points travel
as columns (:mod:`whitezone.maps.points`).  A national run (``NATIONAL_COMMUNES``
communes or more, several provinces) opens on the provinces and shows a
province's communes when it is clicked or zoomed in on: 10,600 communes and
80,000 villages make a page of about 9 MB that draws in a few seconds.  Labels and numbers follow the project's
language (:mod:`whitezone.i18n`); the scale bar is metric.

Every user-supplied text is either HTML-escaped before it reaches a Folium
popup or tooltip (they insert property values as HTML, so a village named
``<img src=x onerror=...>`` would otherwise run), or sent as script-safe JSON
and shown with ``textContent`` (villages, communes, provinces, sites).
"""

from __future__ import annotations

import html

import branca.colormap as cm
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.plugins import Fullscreen
from jinja2 import Template

from ..classes import CLASSES, NO_PROVINCE
from ..i18n import Messages
from ..result import Result
from .choropleth import AreaShapes, Choropleth
from .points import PointLayer
from .shapes import simplify_coverage

__all__ = ["BACKHAUL_COLORS", "CLASS_COLORS", "PRIORITY_COLOR", "coverage_map", "escape_frame"]

#: Colours of the signal classes (red = no signal).
CLASS_COLORS = {"none": "#d7191c", "weak": "#fdae61", "good": "#1a9641"}
#: Colours of the villages a scenario changes (losing all signal, getting worse, gaining).
CHANGE_COLORS = {"lose": "#7f0000", "worse": "#f46d43", "gain": "#1a9641"}
OTHER_COLOR = "#7b7b7b"
PRIORITY_COLOR = "#d4a000"
#: Colours of a plan's backhaul lines by kind (a relay dashed: it goes through another chosen site).
BACKHAUL_COLORS = {"fiber": "#6a3d9a", "microwave": "#1f78b4", "relay": "#e7298a"}
OPERATOR_COLORS = ("#3b4cc0", "#8e44ad", "#16a085", "#d35400", "#2c3e50", "#c0392b")
#: Simplification of polygons and lines for the page (degrees, ~20 m).
SIMPLIFY_DEG = 0.0002
#: Room (pixels) kept free on the right for the open layer control when the map fits the data.
CONTROL_WIDTH_PX = 330


def escape_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell HTML-escaped (numbers untouched)."""
    out = frame.copy()
    geometry = out.geometry.name if isinstance(out, gpd.GeoDataFrame) else None
    for col in out.columns:
        if col == geometry:
            continue
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]) \
                or isinstance(out[col].dtype, pd.CategoricalDtype):  # fmt: skip
            out[col] = out[col].astype(object).map(lambda v: v if pd.isna(v) else html.escape(str(v)))
    return out


def _clean(frame: gpd.GeoDataFrame, columns: list[str]) -> gpd.GeoDataFrame:
    """Only the columns a layer shows, JSON-friendly (no NA objects), escaped."""
    out = frame[[*columns, frame.geometry.name]].copy()
    for col in columns:
        values = out[col]
        if pd.api.types.is_bool_dtype(values) or str(values.dtype) == "boolean":
            out[col] = values.astype(object).where(values.notna(), None)
        elif pd.api.types.is_numeric_dtype(values):
            out[col] = values.astype(float).round(2)
        else:
            out[col] = values.astype(object).where(values.notna(), "")
    return escape_frame(out)


class _MetricScale(MacroElement):
    """Leaflet's scale bar in kilometres only (Folium's ``control_scale`` adds miles too)."""

    _template = Template("""
{% macro script(this, kwargs) %}
L.control.scale({imperial: false, metric: true}).addTo({{ this._parent.get_name() }});
{% endmacro %}
""")

    def __init__(self):
        super().__init__()
        self._name = "MetricScale"


class _DrawnFlag(MacroElement):
    """``window.wzDrawnMs``: when the layers are drawn (ms from navigation start), for benchmarks and tests.

    Set after the frame that paints the canvas with every layer added above
    it (Leaflet's renderer redraws in the first animation frame, this runs
    just after it); ``window.wzExpectDrawn`` tells a waiting script early
    that the flag will come.
    """

    _template = Template("""
{% macro header(this, kwargs) %}
<script>window.wzExpectDrawn = true;</script>
{% endmacro %}
{% macro script(this, kwargs) %}
requestAnimationFrame(function () {
    setTimeout(function () { window.wzDrawnMs = performance.now(); }, 0);
});
{% endmacro %}
""")

    def __init__(self):
        super().__init__()
        self._name = "DrawnFlag"


def coverage_map(result: Result, *, lang: str | None = None, scenarios=None,
                 national: bool | None = None,
                 priority_links: gpd.GeoDataFrame | None = None) -> folium.Map:  # fmt: skip
    """Build the map of a run.

    Parameters
    ----------
    result : Result
        From :func:`~whitezone.analysis.analyse`.
    lang : {"vi", "en"}, optional
        Labels, legend and numbers; default the project's.
    scenarios : list of whitezone.scenarios.ScenarioResult, optional
        Also draw, per scenario, the villages losing all signal, getting a
        worse signal and gaining.
    national : bool, optional
        Open on the provinces and drill down to the communes (zoom in, or
        click a province); default when the run has at least
        ``NATIONAL_COMMUNES`` communes in more than one province.
    priority_links : GeoDataFrame, optional
        A priced plan's backhaul lines (:attr:`whitezone.siting.PlanResult.links`:
        ``candidate_id``, ``backhaul``, ``backhaul_to``, ``backhaul_km``),
        drawn coloured by kind (:data:`BACKHAUL_COLORS`).

    Returns
    -------
    folium.Map
        Save with :func:`whitezone.maps.offline.save_map` (optionally
        self-contained) or display in a notebook.
    """
    t = Messages(lang or result.project.lang)
    communes = result.communes
    minx, miny, maxx, maxy = communes.total_bounds
    fmap = folium.Map(tiles=None, control_scale=False, prefer_canvas=True)
    folium.TileLayer("OpenStreetMap", name=t("map.basemap")).add_to(fmap)
    # The layer control stays open on the right: the province fits in the rest.
    fmap.fit_bounds([[miny, minx], [maxy, maxx]], padding_top_left=(10, 10),
                    padding_bottom_right=(CONTROL_WIDTH_PX, 10))  # fmt: skip
    _commune_layers(fmap, result, t, national=national)
    _coverage_layers(fmap, result, t)
    _village_layer(fmap, result, t)
    _site_layers(fmap, result, t)
    _sector_layer(fmap, result, t)
    _postal_layers(fmap, result, t)
    _fiber_layer(fmap, result, t)
    _poi_layer(fmap, result, t)
    _priority_layer(fmap, result, t)
    kinds = _backhaul_layer(fmap, priority_links, t)
    for run in scenarios or ():
        _scenario_layers(fmap, run, t)
    _legend(fmap, t, priority=result.priority_sites is not None and len(result.priority_sites) > 0,
            changes=bool(scenarios), run=t("map.run", run_id=result.run.run_id,
                                           version=result.run.version), backhaul=kinds)  # fmt: skip
    _MetricScale().add_to(fmap)
    Fullscreen(position="topleft", title=t("map.fullscreen"),
               title_cancel=t("map.exit_fullscreen")).add_to(fmap)  # fmt: skip
    # Last: the control lists every layer added before it.
    folium.LayerControl(collapsed=False).add_to(fmap)
    _DrawnFlag().add_to(fmap)
    fmap.get_root().header.add_child(folium.Element(
        f"<title>{html.escape(result.project.name)}</title>"))  # fmt: skip
    return fmap


#: The choropleths: column, catalogue key of the title, colour stops.
CHOROPLETHS = (("pct_none", "map.layer_pct_none", ["#fff5f0", "#fb6a4a", "#67000d"]),
               ("pct_weak", "map.layer_pct_weak", ["#fff5eb", "#fd8d3c", "#7f2704"]),
               ("pct_population_none", "map.layer_pct_population_none", ["#fcfbfd", "#9e9ac8", "#3f007d"]))
#: From this many communes (and more than one province) the map is national:
#: it opens on the provinces and drills down to the communes.
NATIONAL_COMMUNES = 2_000
#: Grid of the page's polygons (degrees): ~1 m for a province, ~11 m nationally.
GRID_DEG = 1e-5
NATIONAL_GRID_DEG = 1e-4
#: Simplification of the communes and of the provinces on a national map (degrees, ~110 m / ~550 m).
NATIONAL_SIMPLIFY_DEG = 0.001
PROVINCE_SIMPLIFY_DEG = 0.005
#: Zoom from which a national map draws the communes of the provinces in view.
DRILL_ZOOM = 9


def _is_national(communes: pd.DataFrame) -> bool:
    provinces = communes["province"].nunique() if "province" in communes else 0
    return len(communes) >= NATIONAL_COMMUNES and provinces > 1


def _commune_layers(fmap, result: Result, t: Messages, *, national: bool | None = None) -> None:
    """The choropleths: one shared geometry, one array of values per layer."""
    communes = result.communes
    if national is None:
        national = _is_national(communes)
    grid = NATIONAL_GRID_DEG if national else GRID_DEG
    tolerance = NATIONAL_SIMPLIFY_DEG if national else SIMPLIFY_DEG
    shapes = simplify_coverage(communes.geometry.to_numpy(), tolerance_deg=tolerance, grid_deg=grid)
    table = {t("map.commune"): communes["commune"], t("map.district"): communes["district"],
             t("map.villages"): communes["villages"], t("map.villages_none"): communes["villages_none"],
             t("map.villages_weak"): communes["villages_weak"]}  # fmt: skip
    drill = {}
    provinces = None
    if national:
        names = communes["province"].astype(object).where(communes["province"].notna(), NO_PROVINCE)
        provinces = result.summaries.province.set_index("province")
        order = [p for p in provinces.index if (names == p).any()]
        index = {p: i for i, p in enumerate(order)}
        province_of = names.map(index).fillna(-1).astype(int).to_numpy()
        dissolved = _dissolve(shapes, province_of, len(order))
        provinces = provinces.loc[order]
        drill = {"province_of": province_of, "provinces": dissolved, "drill_zoom": DRILL_ZOOM,
                 "province_table": {t("map.province"): pd.Series(order),
                                    t("map.communes"): provinces["communes"],
                                    t("map.villages"): provinces["villages"],
                                    t("map.villages_none"): provinces["villages_none"],
                                    t("map.villages_weak"): provinces["villages_weak"]}}  # fmt: skip
    area = AreaShapes(shapes, table, grid_deg=grid, lang=t.lang, **drill)
    area.add_to(fmap)
    shown = True
    for column, key, colors in CHOROPLETHS:
        if column not in communes:
            continue
        title = t(key)
        values = communes[column].astype(float).fillna(0.0)
        vmax = max(float(values.max()), 1.0)
        Choropleth(area, values, colors=colors, vmax=vmax, name=title, show=shown,
                   province_values=None if provinces is None else provinces[column].astype(float)
                   if column in provinces else None).add_to(fmap)  # fmt: skip
        if shown:
            cm.LinearColormap(colors, vmin=0.0, vmax=vmax, caption=title).add_to(fmap)
        shown = False


def _dissolve(shapes, province_of, n: int) -> np.ndarray:
    """Each province's communes as one polygon, simplified as a coverage."""
    out = np.full(n, None, dtype=object)
    for p in range(n):
        parts = shapes[(province_of == p) & ~shapely.is_missing(shapes)]
        parts = parts[~shapely.is_empty(parts)]
        if len(parts) == 0:
            continue
        try:
            out[p] = shapely.coverage_union_all(parts)
        except shapely.errors.GEOSException:  # not a clean coverage after snapping
            out[p] = shapely.union_all(shapely.make_valid(parts))
    return simplify_coverage(out, tolerance_deg=PROVINCE_SIMPLIFY_DEG, grid_deg=NATIONAL_GRID_DEG)


def _coverage_layers(fmap, result: Result, t: Messages) -> None:
    """The model on its grid, one image per technology (and any), off by default."""
    grid = result.coverage
    if grid is None:
        return
    from affine import Affine
    from rasterio.warp import Resampling, reproject, transform_bounds

    colors = np.array([[215, 25, 28, 150], [253, 174, 97, 150], [26, 150, 65, 150]], dtype=np.uint8)
    g = grid.grid
    west, south, east, north = transform_bounds(g.crs.to_wkt(), "EPSG:4326", g.transform.c,
                                                g.transform.f + g.transform.e * g.height,
                                                g.transform.c + g.transform.a * g.width,
                                                g.transform.f)  # fmt: skip
    width, height = g.width, g.height
    dst_transform = Affine((east - west) / width, 0, west, 0, -(north - south) / height, north)
    for key in ["any", *result.technologies]:
        levels = np.full((height, width), 255, dtype=np.uint8)
        reproject(grid.levels[key], levels, src_transform=g.transform, src_crs=g.crs.to_wkt(),
                  dst_transform=dst_transform, dst_crs="EPSG:4326", src_nodata=255, dst_nodata=255,
                  resampling=Resampling.nearest)  # fmt: skip
        rgba = np.zeros((height, width, 4), dtype=np.uint8)
        inside = levels < 3
        rgba[inside] = colors[levels[inside]]
        name = t("map.coverage_any") if key == "any" else t("map.coverage_tech", tech=key)
        folium.raster_layers.ImageOverlay(rgba, bounds=[[south, west], [north, east]],
                                          mercator_project=True, name=name, show=False,
                                          pixelated=True).add_to(fmap)  # fmt: skip


def _class_words(t: Messages) -> dict[str, str]:
    return {c: t(f"map.{c}") for c in CLASSES} | {"unlocated": t.value("unlocated")}


def _village_layer(fmap, result: Result, t: Messages) -> None:
    v = result.villages
    located = ~(v.geometry.isna() | v.geometry.is_empty).to_numpy()
    frame = v.loc[located]
    techs = [x.lower() for x in result.technologies]
    names = result.communes.set_index("commune_id")["commune"]
    words = _class_words(t)
    fields = {
        t("map.village"): frame["village"],
        t("map.village_id"): frame["village_id"],
        t("map.commune"): frame["commune_id"].map(names),
        t("map.population"): frame["population"],
        t("map.class_any"): _translate(frame["class_any"], words),
    }
    for x in techs:
        fields[x.upper()] = _translate(frame[f"class_{x}"], words)
    if techs:
        # The serving site of the newest technology that reaches the village.
        server = np.full(len(frame), None, dtype=object)
        for x in techs:
            ids = frame[f"site_{x}"].astype(object).to_numpy()
            server = np.where(pd.isna(ids), server, ids)
        fields[t("map.serving_site")] = pd.Series(server, index=frame.index)
    if result.model.yields_dbm:
        fields[t("map.best_signal_dbm")] = frame[[f"signal_dbm_{x}" for x in techs]].max(axis=1)
    for x in techs:
        if f"p_good_{x}" in frame:
            fields[t("map.p_good", tech=x.upper())] = (100.0 * frame[f"p_good_{x}"]).round(1)
    for col in ("operators_good", "post_distance_km", "fixed_broadband"):
        if col in frame:
            fields[t(f"map.{col}")] = frame[col]
    colors = frame["class_any"].astype(object).map(CLASS_COLORS).fillna(OTHER_COLOR)
    PointLayer(frame.geometry.y, frame.geometry.x, colors, fields, name=t("map.layer_villages"),
               tooltip=[t("map.village"), t("map.village_id")], lang=t.lang).add_to(fmap)  # fmt: skip


def _translate(values: pd.Series, words: dict[str, str]) -> pd.Series:
    text = values.astype(object)
    return text.map(words).fillna(text)


def _site_layers(fmap, result: Result, t: Messages) -> None:
    sites = result.layers.sites
    if sites.empty:
        return
    grouped = sites.groupby("site_id", sort=False).agg(
        operator=("operator", "first"), status=("status", "first"),
        technologies=("technology", lambda s: ", ".join(sorted(set(s)))),
        height_m=("height_m", "max"), geometry=("geometry", "first"),
    ).reset_index()  # fmt: skip
    grouped = gpd.GeoDataFrame(grouped, geometry="geometry", crs=sites.crs)
    grouped["operator"] = grouped["operator"].fillna("?")
    for i, (name, part) in enumerate(grouped.groupby("operator", sort=True)):
        color = OPERATOR_COLORS[i % len(OPERATOR_COLORS)]
        fill = np.where(part["status"] == "active", color, "#ffffff")
        fields = {t("map.site_id"): part["site_id"], t("map.operator"): part["operator"],
                  t("map.technologies"): part["technologies"],
                  t("map.status"): part["status"].map(t.value),
                  t("map.height_m"): part["height_m"]}  # fmt: skip
        PointLayer(part.geometry.y, part.geometry.x, fill, fields, stroke="#000000", radius=6,
                   weight=2, name=t("map.layer_sites", operator=str(name)), show=False,
                   tooltip=part["site_id"], lang=t.lang).add_to(fmap)  # fmt: skip


#: Length (m) of the wedge drawn for a cell; beyond this many cells none are drawn.
SECTOR_WEDGE_M = 400.0
MAX_WEDGES = 50_000


def _sector_layer(fmap, result: Result, t: Messages) -> None:
    """Each cell as a wedge along its azimuth, as wide as its beamwidth (names as text)."""
    sites = result.layers.sites
    if "azimuth_deg" not in sites:
        return
    cells = sites[sites["azimuth_deg"].notna()]
    cells = cells.drop_duplicates(["site_id", "azimuth_deg"]).reset_index(drop=True)
    if cells.empty or len(cells) > MAX_WEDGES:
        return
    xy = cells.to_crs(result.layers.crs).geometry.get_coordinates().to_numpy()
    width = cells["beamwidth_deg"].to_numpy(dtype=float) if "beamwidth_deg" in cells else np.full(len(cells), np.nan)
    width = np.where(np.isfinite(width), width, 65.0)
    t_ = np.linspace(-0.5, 0.5, 9)[None, :] * width[:, None] + cells["azimuth_deg"].to_numpy(float)[:, None]
    arc = np.stack([xy[:, 0, None] + SECTOR_WEDGE_M * np.sin(np.radians(t_)),
                    xy[:, 1, None] + SECTOR_WEDGE_M * np.cos(np.radians(t_))], axis=-1)  # fmt: skip
    rings = np.concatenate([xy[:, None, :], arc, xy[:, None, :]], axis=1)
    wedges = gpd.GeoDataFrame({"site": cells["site_id"].astype(str).map(html.escape),
                               "azimuth": cells["azimuth_deg"].round(0)},
                              geometry=shapely.polygons(rings), crs=result.layers.crs).to_crs(4326)  # fmt: skip
    folium.GeoJson(wedges, name=t("map.layer_sectors"), show=False,
                   style_function=lambda _: {"color": "#333333", "weight": 1, "fillColor": "#ffcc00",
                                             "fillOpacity": 0.5},
                   tooltip=folium.GeoJsonTooltip(["site", "azimuth"],
                                                 aliases=[t("map.site_id"), t("map.azimuth")])).add_to(fmap)  # fmt: skip


def _postal_layers(fmap, result: Result, t: Messages) -> None:
    posts = result.layers.post_offices
    if posts is None or posts.empty:
        return
    radius_km = result.service_radius_km
    fields = {t("map.post_id"): posts["post_id"], t("map.name"): posts["name"],
              t("map.kind"): posts["kind"].map(t.value)}  # fmt: skip
    PointLayer(posts.geometry.y, posts.geometry.x, np.full(len(posts), "#ffffff"), fields,
               stroke="#1f4e79", radius=5, weight=2, name=t("map.layer_posts"), show=False,
               tooltip=posts["name"].fillna(posts["post_id"]), lang=t.lang).add_to(fmap)  # fmt: skip
    if radius_km is not None and np.isfinite(radius_km):
        rings = folium.FeatureGroup(name=t("map.layer_post_radius", r=t.number(radius_km, 2)),
                                    show=False)  # fmt: skip
        for point in posts.geometry:
            folium.Circle([point.y, point.x], radius=radius_km * 1000.0, weight=1, color="#1f4e79",
                          fill=True, fill_opacity=0.05).add_to(rings)  # fmt: skip
        rings.add_to(fmap)


def _fiber_layer(fmap, result: Result, t: Messages) -> None:
    fiber = result.layers.fiber
    if fiber is None or fiber.empty:
        return
    lines = fiber[["geometry"]].copy()
    lines["geometry"] = lines.geometry.simplify(SIMPLIFY_DEG)
    folium.GeoJson(lines, name=t("map.layer_fiber"), show=False,
                   style_function=lambda f: {"color": "#6a3d9a", "weight": 2},
                   marker=folium.CircleMarker(radius=3, color="#6a3d9a")).add_to(fmap)  # fmt: skip


def _poi_layer(fmap, result: Result, t: Messages) -> None:
    pois = result.pois
    if pois is None or pois.empty:
        return
    fields = {t("map.name"): pois["name"], t("map.kind"): pois["kind"].map(t.value),
              t("map.class_any"): _translate(pois["class_any"], _class_words(t)),
              t("map.fixed_broadband"): pois["fixed_broadband"]}  # fmt: skip
    colors = pois["class_any"].astype(object).map(CLASS_COLORS).fillna(OTHER_COLOR)
    PointLayer(pois.geometry.y, pois.geometry.x, colors, fields, stroke="#000000", radius=4,
               weight=1.5, name=t("map.layer_pois"), show=False,
               tooltip=pois["name"].fillna(pois["kind"]), lang=t.lang).add_to(fmap)  # fmt: skip


def _priority_layer(fmap, result: Result, t: Messages) -> None:
    sites = result.priority_sites
    if sites is None or len(sites) == 0:
        return
    fields = [c for c in ("rank", "candidate_id", "new_villages", "new_population",
                          "cumulative_share") if c in sites]  # fmt: skip
    data = _clean(sites, fields)
    if "cumulative_share" in data:  # a percent, as the label says
        data["cumulative_share"] = (100.0 * sites["cumulative_share"].astype(float)).round(1)
    layer = folium.FeatureGroup(name=t("map.layer_priority"), show=True)
    folium.GeoJson(
        data,
        marker=folium.Marker(icon=folium.DivIcon(
            html=f'<div style="font:20px sans-serif;color:{PRIORITY_COLOR};'
                 'text-shadow:0 0 2px #000">★</div>',
            icon_size=(20, 20), icon_anchor=(10, 10))),
        popup=folium.GeoJsonPopup(fields=fields, aliases=[t(f"map.{f}") for f in fields]),
    ).add_to(layer)  # fmt: skip
    layer.add_to(fmap)


def _backhaul_layer(fmap, links: gpd.GeoDataFrame | None, t: Messages) -> list[str]:
    """A plan's backhaul lines coloured by kind, with a tooltip (kind, km, hub); the kinds drawn."""
    if links is None or len(links) == 0:
        return []
    lines = links[~(links.geometry.isna() | links.geometry.is_empty).to_numpy()]
    if lines.empty:
        return []
    kind = lines["backhaul"].astype(object).where(lines["backhaul"].notna(), "")
    data = _clean(gpd.GeoDataFrame({
        "kind": kind.map(lambda k: k if k in BACKHAUL_COLORS else "").to_numpy(),
        "backhaul": kind.map(lambda k: t(f"cost.kind.{k}") if t.has(f"cost.kind.{k}") else k).to_numpy(),
        "backhaul_km": lines["backhaul_km"].to_numpy(dtype=float),
        "backhaul_to": lines["backhaul_to"].to_numpy(dtype=object),
        "candidate_id": lines["candidate_id"].to_numpy(dtype=object),
    }, geometry=lines.geometry.to_crs(4326).to_numpy(), crs=4326),
        ["kind", "backhaul", "backhaul_km", "backhaul_to", "candidate_id"])  # fmt: skip
    if "backhaul_km" in data:
        data["backhaul_km"] = lines["backhaul_km"].astype(float).round(1).to_numpy()

    def style(feature) -> dict:
        k = feature["properties"]["kind"]
        return {"color": BACKHAUL_COLORS.get(k, OTHER_COLOR), "weight": 3, "opacity": 0.9,
                **({"dashArray": "6 4"} if k == "relay" else {})}  # fmt: skip

    shown = ["candidate_id", "backhaul", "backhaul_km", "backhaul_to"]
    folium.GeoJson(data, name=t("map.layer_backhaul"), show=True, style_function=style,
                   tooltip=folium.GeoJsonTooltip(shown, aliases=[t(f"map.{f}") for f in shown])).add_to(fmap)  # fmt: skip
    return [k for k in BACKHAUL_COLORS if (kind == k).any()]


def _scenario_layers(fmap, run, t: Messages) -> None:
    """One layer per change of a scenario's villages: losing all signal, worse, gaining."""
    label = run.scenario.label or run.scenario.name
    words = _class_words(t)
    for change in ("lose", "worse", "gain"):
        part = run.villages[(run.villages["change"] == change).to_numpy()]
        part = part[~(part.geometry.isna() | part.geometry.is_empty)]
        if part.empty:
            continue
        fields = {t("map.village"): part["village"], t("map.village_id"): part["village_id"],
                  t("map.population"): part["population"],
                  t("map.class_before"): _translate(part["class_before"], words),
                  t("map.class_after"): _translate(part["class_after"], words)}  # fmt: skip
        PointLayer(part.geometry.y, part.geometry.x, np.full(len(part), CHANGE_COLORS[change]),
                   fields, stroke="#000000", radius=6, weight=1.5, show=change != "gain",
                   name=t(f"map.layer_{change}", scenario=label, n=len(part)),
                   tooltip=part["village"].fillna(part["village_id"]), lang=t.lang).add_to(fmap)  # fmt: skip


def _legend(fmap, t: Messages, *, priority: bool, changes: bool, run: str,
            backhaul: tuple[str, ...] | list[str] = ()) -> None:  # fmt: skip
    def dot(color: str, label: str) -> str:
        return (f'<div><span style="display:inline-block;width:10px;height:10px;border-radius:5px;'
                f'background:{color};margin-right:6px"></span>{html.escape(label)}</div>')  # fmt: skip

    rows = "".join(dot(CLASS_COLORS[name], t(f"map.{name}")) for name in CLASSES)
    if priority:
        rows += (f'<div><span style="color:{PRIORITY_COLOR};text-shadow:0 0 2px #000;'
                 f'margin-right:4px">★</span>{html.escape(t("map.layer_priority"))}</div>')  # fmt: skip
    for kind in backhaul:
        line = "dashed" if kind == "relay" else "solid"
        rows += (f'<div><span style="display:inline-block;width:16px;height:0;border-top:3px {line} '
                 f'{BACKHAUL_COLORS[kind]};margin-right:6px;vertical-align:middle"></span>'
                 f'{html.escape(t("map.backhaul"))}: {html.escape(t("cost.kind." + kind))}</div>')  # fmt: skip
    if changes:
        rows += f"<b>{html.escape(t('map.legend_changes'))}</b>"
        rows += "".join(dot(CHANGE_COLORS[c], t.value(c)) for c in ("lose", "worse", "gain"))
    box = ('<div class="wz-legend" style="position:fixed;bottom:48px;left:12px;z-index:1000;'
           'background:white;padding:6px 10px;border-radius:4px;'
           'box-shadow:0 1px 4px rgba(0,0,0,.4);font:12px sans-serif">'
           f'<b>{html.escape(t("map.legend"))}</b>{rows}'
           f'<div style="color:#777;margin-top:4px;font-size:10px">{html.escape(run)}</div></div>')  # fmt: skip
    fmap.get_root().html.add_child(folium.Element(box))
