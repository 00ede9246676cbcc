"""The interactive map of the gaps (Folium / Leaflet).

Layers a planner can switch: communes shaded by the share of villages with no
signal (or weak signal, or people without signal), villages coloured by class
with a popup each, the modelled coverage per technology, BTS sites per
operator, postal points and their service radius, fiber routes, points of
interest, and the priority sites when a siting run made them.  Vector layers
are drawn on a canvas (``prefer_canvas``) so 100,000 villages stay smooth.

Every user-supplied text is HTML-escaped before it reaches the page: Folium's
popups and tooltips insert property values as HTML, so a village named
``<img src=x onerror=...>`` would otherwise run.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import branca.colormap as cm
import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from folium.plugins import Fullscreen

from ..technology import CLASSES
from .labels import LABELS
from .layers import PointLayer

if TYPE_CHECKING:  # pragma: no cover
    from ..pipeline import Result

__all__ = ["CLASS_COLORS", "coverage_map", "escape_frame", "scenario_layers"]

#: Colours of the signal classes (red = no signal).
CLASS_COLORS = {"none": "#d7191c", "weak": "#fdae61", "good": "#1a9641"}
OTHER_COLOR = "#7b7b7b"
OPERATOR_COLORS = ("#3b4cc0", "#8e44ad", "#16a085", "#d35400", "#2c3e50", "#c0392b")
#: Simplification of polygons and lines for the page (degrees, ~20 m).
SIMPLIFY_DEG = 0.0002


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


def coverage_map(result: Result, *, lang: str | None = None) -> folium.Map:
    """Build the map of a run.

    Parameters
    ----------
    result : Result
        From :func:`~whitezone.pipeline.analyse`.
    lang : {"vi", "en"}, optional
        Labels and legend language; default the project's.

    Returns
    -------
    folium.Map
        Save with :func:`whitezone.maps.offline.save_map` (optionally
        self-contained) or display in a notebook.
    """
    t = LABELS[lang or result.project.lang]
    communes = result.communes
    minx, miny, maxx, maxy = communes.total_bounds
    fmap = folium.Map(tiles=None, control_scale=True, prefer_canvas=True)
    folium.TileLayer("OpenStreetMap", name=t["basemap"]).add_to(fmap)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])
    _commune_layers(fmap, result, t)
    _coverage_layers(fmap, result, t)
    _village_layer(fmap, result, t)
    _site_layers(fmap, result, t)
    _postal_layers(fmap, result, t)
    _fiber_layer(fmap, result, t)
    _poi_layer(fmap, result, t)
    _priority_layer(fmap, result, t)
    _legend(fmap, t)
    Fullscreen(position="topleft", title=t["fullscreen"], title_cancel=t["exit_fullscreen"]).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.get_root().header.add_child(folium.Element(
        f"<title>{html.escape(result.project.name)}</title>"))  # fmt: skip
    return fmap


def _commune_layers(fmap, result, t) -> None:
    communes = result.communes.copy()
    communes["geometry"] = communes.geometry.simplify(SIMPLIFY_DEG, preserve_topology=True)
    shown = True
    for column, title, colors in (("pct_none", t["layer_pct_none"], ["#fff5f0", "#fb6a4a", "#67000d"]),
                                  ("pct_weak", t["layer_pct_weak"], ["#fff5eb", "#fd8d3c", "#7f2704"]),
                                  ("pct_population_none", t["layer_pct_population_none"],
                                   ["#fcfbfd", "#9e9ac8", "#3f007d"])):  # fmt: skip
        if column not in communes:
            continue
        values = communes[column].astype(float).fillna(0.0)
        scale = cm.LinearColormap(colors, vmin=0.0, vmax=max(float(values.max()), 1.0), caption=title)
        frame = _clean(communes.assign(**{column: values}),
                       ["commune", "district", "villages", "villages_none", "villages_weak", column])  # fmt: skip

        def style(feature, scale=scale, column=column):
            return {"fillColor": scale(feature["properties"][column]), "fillOpacity": 0.55,
                    "color": "#555555", "weight": 0.6}  # fmt: skip

        folium.GeoJson(
            frame, name=title, style_function=style, show=shown,
            highlight_function=lambda f: {"weight": 2.5, "color": "#000000"},
            tooltip=folium.GeoJsonTooltip(
                fields=["commune", "district", "villages", "villages_none", "villages_weak", column],
                aliases=[t["commune"], t["district"], t["villages"], t["villages_none"],
                         t["villages_weak"], title]),
        ).add_to(fmap)  # fmt: skip
        if shown:
            scale.add_to(fmap)
        shown = False


def _coverage_layers(fmap, result, t) -> None:
    """The model on its grid, one image per technology (and any), off by default."""
    grid = getattr(result, "coverage", None)
    if grid is None:
        return
    from rasterio.warp import Resampling, reproject, transform_bounds

    colors = np.array([[215, 25, 28, 150], [253, 174, 97, 150], [26, 150, 65, 150]], dtype=np.uint8)
    g = grid.grid
    west, south, east, north = transform_bounds(g.crs.to_wkt(), "EPSG:4326", g.transform.c,
                                                g.transform.f + g.transform.e * g.height,
                                                g.transform.c + g.transform.a * g.width,
                                                g.transform.f)  # fmt: skip
    width, height = g.width, g.height
    from affine import Affine

    dst_transform = Affine((east - west) / width, 0, west, 0, -(north - south) / height, north)
    for key in ["any", *result.technologies]:
        levels = np.full((height, width), 255, dtype=np.uint8)
        reproject(grid.levels[key], levels, src_transform=g.transform, src_crs=g.crs.to_wkt(),
                  dst_transform=dst_transform, dst_crs="EPSG:4326", src_nodata=255, dst_nodata=255,
                  resampling=Resampling.nearest)  # fmt: skip
        rgba = np.zeros((height, width, 4), dtype=np.uint8)
        inside = levels < 3
        rgba[inside] = colors[levels[inside]]
        name = t["coverage_any"] if key == "any" else t["coverage_tech"].format(tech=key)
        folium.raster_layers.ImageOverlay(rgba, bounds=[[south, west], [north, east]],
                                          mercator_project=True, name=name, show=False,
                                          pixelated=True).add_to(fmap)  # fmt: skip


def _village_layer(fmap, result, t) -> None:
    v = result.villages
    located = ~(v.geometry.isna() | v.geometry.is_empty).to_numpy()
    frame = v.loc[located]
    techs = [x.lower() for x in result.technologies]
    names = result.communes.set_index("commune_id")["commune"]
    words = {c: t.get(c, c) for c in ("none", "weak", "good", "unlocated")}
    fields = {
        t["village"]: frame["village"],
        t["commune"]: frame["commune_id"].map(names),
        t["population"]: frame["population"],
        t["class_any"]: _translate(frame["class_any"], words),
    }
    for x in techs:
        fields[x.upper()] = _translate(frame[f"class_{x}"], words)
    if techs:
        # The serving site of the newest technology that reaches the village.
        server = np.full(len(frame), None, dtype=object)
        for x in techs:
            ids = frame[f"site_{x}"].astype(object).to_numpy()
            server = np.where(pd.isna(ids), server, ids)
        fields[t["serving_site"]] = pd.Series(server, index=frame.index)
    signal_cols = [f"signal_dbm_{x}" for x in techs if frame[f"signal_dbm_{x}"].notna().any()]
    if signal_cols:
        fields[t["best_signal_dbm"]] = frame[signal_cols].max(axis=1)
    for col in ("operators_good", "post_distance_km", "fixed_broadband"):
        if col in frame:
            fields[t[col]] = frame[col]
    colors = frame["class_any"].astype(object).map(CLASS_COLORS).fillna(OTHER_COLOR)
    PointLayer(frame.geometry.y, frame.geometry.x, colors, fields, name=t["layer_villages"],
               tooltip=frame["village"].fillna(frame["village_id"]).astype(str)).add_to(fmap)  # fmt: skip


def _translate(values: pd.Series, words: dict[str, str]) -> pd.Series:
    text = values.astype(object)
    return text.map(words).fillna(text)


def _site_layers(fmap, result, t) -> None:
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
        fields = {t["site_id"]: part["site_id"], t["operator"]: part["operator"],
                  t["technologies"]: part["technologies"], t["status"]: part["status"],
                  t["height_m"]: part["height_m"]}  # fmt: skip
        PointLayer(part.geometry.y, part.geometry.x, fill, fields, stroke="#000000", radius=6,
                   weight=2, name=t["layer_sites"].format(operator=str(name)), show=False,
                   tooltip=part["site_id"]).add_to(fmap)  # fmt: skip


def _postal_layers(fmap, result, t) -> None:
    posts = result.layers.post_offices
    if posts is None or posts.empty:
        return
    prov = result.summaries.province
    radius_km = float(prov["service_radius_km"].iloc[0]) if "service_radius_km" in prov else np.nan
    fields = {t["post_id"]: posts["post_id"], t["name"]: posts["name"], t["kind"]: posts["kind"]}
    PointLayer(posts.geometry.y, posts.geometry.x, np.full(len(posts), "#ffffff"), fields,
               stroke="#1f4e79", radius=5, weight=2, name=t["layer_posts"], show=False,
               tooltip=posts["name"].fillna(posts["post_id"])).add_to(fmap)  # fmt: skip
    if np.isfinite(radius_km):
        rings = folium.FeatureGroup(name=t["layer_post_radius"].format(r=radius_km), show=False)
        for point in posts.geometry:
            folium.Circle([point.y, point.x], radius=radius_km * 1000.0, weight=1, color="#1f4e79",
                          fill=True, fill_opacity=0.05).add_to(rings)  # fmt: skip
        rings.add_to(fmap)


def _fiber_layer(fmap, result, t) -> None:
    fiber = result.layers.fiber
    if fiber is None or fiber.empty:
        return
    lines = fiber[["geometry"]].copy()
    lines["geometry"] = lines.geometry.simplify(SIMPLIFY_DEG)
    folium.GeoJson(lines, name=t["layer_fiber"], show=False,
                   style_function=lambda f: {"color": "#6a3d9a", "weight": 2},
                   marker=folium.CircleMarker(radius=3, color="#6a3d9a")).add_to(fmap)  # fmt: skip


def _poi_layer(fmap, result, t) -> None:
    pois = getattr(result, "pois", None)
    if pois is None or pois.empty:
        return
    fields = {t["name"]: pois["name"], t["kind"]: pois["kind"],
              t["class_any"]: _translate(pois["class_any"], {c: t[c] for c in CLASSES}),
              t["fixed_broadband"]: pois["fixed_broadband"]}  # fmt: skip
    colors = pois["class_any"].astype(object).map(CLASS_COLORS).fillna(OTHER_COLOR)
    PointLayer(pois.geometry.y, pois.geometry.x, colors, fields, stroke="#000000", radius=4,
               weight=1.5, name=t["layer_pois"], show=False,
               tooltip=pois["name"].fillna(pois["kind"])).add_to(fmap)  # fmt: skip


def _priority_layer(fmap, result, t) -> None:
    sites = getattr(result, "priority_sites", None)
    if sites is None or len(sites) == 0:
        return
    fields = [c for c in ("rank", "candidate_id", "new_villages", "new_population",
                          "cumulative_share") if c in sites]  # fmt: skip
    data = _clean(sites, fields)
    layer = folium.FeatureGroup(name=t["layer_priority"], show=True)
    folium.GeoJson(
        data,
        marker=folium.Marker(icon=folium.DivIcon(
            html='<div style="font:20px sans-serif;color:#d4a000;text-shadow:0 0 2px #000">★</div>',
            icon_size=(20, 20), icon_anchor=(10, 10))),
        popup=folium.GeoJsonPopup(fields=fields, aliases=[t.get(f, f) for f in fields]),
    ).add_to(layer)  # fmt: skip
    layer.add_to(fmap)


def _legend(fmap, t) -> None:
    rows = "".join(
        f'<div><span style="display:inline-block;width:10px;height:10px;border-radius:5px;'
        f'background:{CLASS_COLORS[name]};margin-right:6px"></span>{html.escape(t[name])}</div>'
        for name in CLASSES
    )
    box = ('<div style="position:fixed;bottom:48px;left:12px;z-index:1000;background:white;'
           'padding:6px 10px;border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.4);'
           f'font:12px sans-serif"><b>{html.escape(t["legend"])}</b>{rows}</div>')  # fmt: skip
    fmap.get_root().html.add_child(folium.Element(box))


def scenario_layers(fmap: folium.Map, runs, *, lang: str = "vi") -> folium.Map:
    """Add, per scenario, the villages that lose and that gain service.

    Parameters
    ----------
    fmap : folium.Map
        Usually :func:`coverage_map` of the baseline.
    runs : list of whitezone.scenarios.ScenarioResult
    lang : {"vi", "en"}
    """
    t = LABELS[lang]
    words = {c: t.get(c, c) for c in CLASSES}
    for run in runs:
        label = run.scenario.label or run.scenario.name
        for change, color in (("lose", CLASS_COLORS["none"]), ("gain", CLASS_COLORS["good"])):
            part = run.villages[(run.villages["change"] == change).to_numpy()]
            part = part[~part.geometry.is_empty]
            if part.empty:
                continue
            fields = {t["village"]: part["village"], t["population"]: part["population"],
                      t["class_before"]: _translate(part["class_before"], words),
                      t["class_after"]: _translate(part["class_after"], words)}  # fmt: skip
            PointLayer(part.geometry.y, part.geometry.x, np.full(len(part), color), fields,
                       stroke="#000000", radius=6, weight=1.5, show=False,
                       name=t[f"layer_{change}"].format(scenario=label, n=len(part)),
                       tooltip=part["village"]).add_to(fmap)  # fmt: skip
    return fmap
