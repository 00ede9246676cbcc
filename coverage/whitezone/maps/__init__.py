"""Interactive map of the gaps (Folium / Leaflet).

Every user-supplied text is HTML-escaped before it reaches the page: Folium's
popups and tooltips insert property values as HTML, so a village named
``<img src=x onerror=...>`` would otherwise run.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import folium
import geopandas as gpd
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from ..pipeline import Result

__all__ = ["CLASS_COLORS", "coverage_map", "escape_frame"]

#: Colours of the signal classes (colour-blind-safe, red = no signal).
CLASS_COLORS = {"none": "#d7191c", "weak": "#fdae61", "good": "#1a9641"}
OTHER_COLOR = "#7b7b7b"

_LABELS = {
    "en": {"communes": "Communes: % villages with no signal", "villages": "Villages by signal",
           "none": "no signal", "weak": "weak signal", "good": "good signal",
           "village": "Village", "commune": "Commune", "population": "Population",
           "class_any": "Signal", "pct_none": "% no signal", "villages_n": "Villages",
           "post_distance_km": "Nearest post (km)"},
    "vi": {"communes": "Xã: % thôn chưa có sóng", "villages": "Thôn theo chất lượng sóng",
           "none": "trắng sóng", "weak": "sóng yếu", "good": "sóng tốt",
           "village": "Thôn", "commune": "Xã", "population": "Dân số",
           "class_any": "Sóng", "pct_none": "% thôn trắng sóng", "villages_n": "Số thôn",
           "post_distance_km": "Điểm bưu chính gần nhất (km)"},
}  # fmt: skip


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


def coverage_map(result: Result, *, lang: str | None = None) -> folium.Map:
    """A Folium map: communes shaded by share of villages without signal, villages by class.

    Parameters
    ----------
    result : Result
        From :func:`~whitezone.pipeline.analyse`.
    lang : {"vi", "en"}, optional
        Default the project's language.

    Returns
    -------
    folium.Map
    """
    labels = _LABELS[lang or result.project.lang]
    communes = result.communes
    minx, miny, maxx, maxy = communes.total_bounds
    fmap = folium.Map(tiles="OpenStreetMap", control_scale=True)
    fmap.fit_bounds([[miny, minx], [maxy, maxx]])

    shade = communes[["commune_id", "commune", "villages", "pct_none", "geometry"]].copy()
    shade["pct_none"] = shade["pct_none"].fillna(0.0)
    top = max(float(shade["pct_none"].max()), 1.0)

    def commune_style(feature):
        share = feature["properties"]["pct_none"] / top
        return {"fillColor": CLASS_COLORS["none"], "fillOpacity": 0.05 + 0.6 * share,
                "color": "#555555", "weight": 0.6}  # fmt: skip

    folium.GeoJson(
        escape_frame(shade),
        name=labels["communes"],
        style_function=commune_style,
        tooltip=folium.GeoJsonTooltip(
            fields=["commune", "villages", "pct_none"],
            aliases=[labels["commune"], labels["villages_n"], labels["pct_none"]],
        ),
    ).add_to(fmap)

    v = result.villages
    located = ~(v.geometry.isna() | v.geometry.is_empty)
    fields = ["village", "commune_id", "population", "class_any"]
    if "post_distance_km" in v:
        fields.append("post_distance_km")
    pts = v.loc[located, [*fields, "geometry"]].copy()
    pts["class_any"] = pts["class_any"].astype(str)
    pts["population"] = pts["population"].astype(float)
    group = folium.FeatureGroup(name=labels["villages"]).add_to(fmap)
    folium.GeoJson(
        escape_frame(pts),
        marker=folium.CircleMarker(radius=4, weight=1, fill=True, fill_opacity=0.9),
        style_function=lambda f: {
            "color": CLASS_COLORS.get(f["properties"]["class_any"], OTHER_COLOR),
            "fillColor": CLASS_COLORS.get(f["properties"]["class_any"], OTHER_COLOR),
        },
        popup=folium.GeoJsonPopup(fields=fields, aliases=[labels.get(f, f) for f in fields]),
    ).add_to(group)
    legend = "".join(
        f'<div><span style="display:inline-block;width:10px;height:10px;border-radius:5px;'
        f'background:{color};margin-right:6px"></span>{html.escape(labels[name])}</div>'
        for name, color in CLASS_COLORS.items()
    )
    fmap.get_root().html.add_child(folium.Element(
        '<div style="position:fixed;bottom:24px;left:24px;z-index:1000;background:white;'
        f'padding:6px 10px;border-radius:4px;font:12px sans-serif">{legend}</div>'
    ))  # fmt: skip
    folium.LayerControl(collapsed=False).add_to(fmap)
    fmap.get_root().header.add_child(folium.Element(
        f"<title>{html.escape(result.project.name)}</title>"
    ))  # fmt: skip
    return fmap
