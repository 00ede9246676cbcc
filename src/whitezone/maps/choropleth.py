"""Choropleths of the communes that share one geometry (and, nationally, drill down from provinces).

:class:`AreaShapes` puts the communes' polygons on the page once (simplified
as a coverage and quantized, :mod:`whitezone.maps.shapes`) with the few
properties every tooltip shows; each :class:`Choropleth` layer then carries
only its values, one number per commune (and per province), and styles those
shared polygons in the browser.  A national run — many communes — opens on the
provinces (the communes dissolved); a province's communes appear when the map
is zoomed in on it or when it is clicked.

Tooltips are built with ``textContent`` and the data reach the page as
script-safe JSON (:func:`whitezone.maps.points._safe_json`), so a commune
named ``<img src=x onerror=...>`` shows as text and never runs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from branca.element import MacroElement
from folium.map import Layer
from jinja2 import Template

from .points import _safe_json
from .shapes import DECODE_JS, encode_polygons

__all__ = ["AreaShapes", "Choropleth"]


def _numbers(values) -> list:
    """Rounded floats, None where missing."""
    arr = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    return [None if not np.isfinite(v) else round(float(v), 2) for v in arr]


def _codes(values) -> dict | list:
    """Text as categories and codes (-1 missing), or as a list when nearly every value differs.

    The text is kept as it is: the page shows it as text.
    """
    text = pd.Series(values, dtype=object).reset_index(drop=True)
    cats = pd.unique(text.dropna().astype(str))
    if len(cats) > len(text) // 2:
        return [None if pd.isna(v) else str(v) for v in text]
    lookup = {v: i for i, v in enumerate(cats)}
    return {"cats": [str(c) for c in cats],
            "codes": [-1 if pd.isna(v) else lookup[str(v)] for v in text]}  # fmt: skip


class AreaShapes(MacroElement):
    """The communes' polygons and tooltip table, once per page, for :class:`Choropleth` layers.

    Parameters
    ----------
    communes : list or array of shapely geometries
        Simplified and snapped (:func:`whitezone.maps.shapes.simplify_coverage`).
    table : dict
        Label -> values per commune shown in every commune tooltip (text or numbers).
    grid_deg : float
        Quantization step of the encoding.
    province_of : array of int, optional
        Each commune's province index (``-1`` none); with ``provinces`` turns
        the drill-down on.
    provinces : list of shapely geometries, optional
        The provinces' polygons (same order as ``province_table`` rows).
    province_table : dict, optional
        Label -> values per province for the province tooltips.
    drill_zoom : int
        From this zoom on, the communes of every province in view are drawn.
    lang : {"vi", "en"}
        Number style of the tooltips.
    """

    _template = Template("""
{% macro html(this, kwargs) %}
<script type="application/json" id="{{ this.get_name() }}-data">{{ this.json }}</script>
{% endmacro %}
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = (function () {
    {{ this.decode_js }}
    var d = JSON.parse(document.getElementById("{{ this.get_name() }}-data").textContent);
    d.communeShapes = wzDecodeShapes(d.communes);
    d.provinceShapes = d.provinces ? wzDecodeShapes(d.provinces) : null;
    d.opened = {};
    function cell(column, i) {
        if (column === null || column === undefined) { return null; }
        if (column.cats) { return column.codes[i] < 0 ? null : column.cats[column.codes[i]]; }
        return column[i];
    }
    function number(value) {
        var parts = String(Math.round(value * 100) / 100).split(".");
        parts[0] = parts[0].replace(/\\B(?=(\\d{3})+(?!\\d))/g, d.group);
        return parts.join(d.decimal);
    }
    d.tooltip = function (table, i, label, value) {
        // Built as text: no name can become markup.
        var box = document.createElement("table");
        function row(head, v) {
            if (v === null || v === undefined || v === "") { return; }
            var tr = box.insertRow(), th = document.createElement("th");
            th.textContent = head;
            th.style.textAlign = "left";
            th.style.paddingRight = "8px";
            tr.appendChild(th);
            tr.insertCell().textContent = typeof v === "number" ? number(v) : String(v);
        }
        for (var k = 0; k < table.labels.length; k++) { row(table.labels[k], cell(table.values[k], i)); }
        row(label, value);
        return box;
    };
    if (!L.WzChoropleth) {
        L.WzChoropleth = L.FeatureGroup.extend({
            initialize: function (shapes, v) {
                L.FeatureGroup.prototype.initialize.call(this, []);
                this._s = shapes;
                this._v = v;
                this._communes = {};   // province index (or "all") -> layer group, built when first shown
                this._provinces = [];
                this._shown = {};
            },
            _color: function (x) {
                var c = this._v.colors, t = Math.max(0, Math.min(1, (x || 0) / this._v.vmax)) * (c.length - 1);
                var k = Math.min(Math.floor(t), c.length - 2), f = t - k, a = c[k], b = c[k + 1], out = "#";
                for (var j = 0; j < 3; j++) {
                    var ca = parseInt(a.substr(1 + 2 * j, 2), 16), cb = parseInt(b.substr(1 + 2 * j, 2), 16);
                    out += ("0" + Math.round(ca + (cb - ca) * f).toString(16)).slice(-2);
                }
                return out;
            },
            _polygon: function (shape, value, tip) {
                var style = {fillColor: this._color(value), fillOpacity: 0.55, color: "#555555", weight: 0.6};
                var poly = L.polygon(shape.latlngs, style);
                poly.on("mouseover", function () { poly.setStyle({weight: 2.5, color: "#000000"}); });
                poly.on("mouseout", function () { poly.setStyle({weight: style.weight, color: style.color}); });
                poly.bindTooltip(tip, {sticky: true});
                return poly;
            },
            _communeGroup: function (key) {
                if (this._communes[key] === undefined) {
                    var s = this._s, v = this._v, group = L.featureGroup(), self = this;
                    for (var i = 0; i < s.communeShapes.length; i++) {
                        if (key !== "all" && s.provinceOf[i] !== key) { continue; }
                        if (!s.communeShapes[i].bounds) { continue; }
                        (function (i) {
                            group.addLayer(self._polygon(s.communeShapes[i], v.values[i], function () {
                                return s.tooltip(s.table, i, v.title, v.values[i]);
                            }));
                        })(i);
                    }
                    this._communes[key] = group;
                }
                return this._communes[key];
            },
            _provinceLayer: function (p) {
                if (this._provinces[p] === undefined) {
                    var s = this._s, v = this._v, self = this;
                    var poly = this._polygon(s.provinceShapes[p], v.provinceValues[p], function () {
                        return s.tooltip(s.provinceTable, p, v.title, v.provinceValues[p]);
                    });
                    poly.on("click", function () {
                        s.opened[p] = true;
                        self._map.fitBounds(s.provinceShapes[p].bounds);
                        self._update();
                    });
                    this._provinces[p] = poly;
                }
                return this._provinces[p];
            },
            _show: function (key, layer, on) {
                if (on && !this._shown[key]) { this.addLayer(layer); this._shown[key] = true; }
                if (!on && this._shown[key]) { this.removeLayer(layer); this._shown[key] = false; }
            },
            _update: function () {
                var s = this._s, map = this._map;
                if (!map) { return; }
                if (!s.provinceShapes) { this._show("c-all", this._communeGroup("all"), true); return; }
                var zoom = map.getZoom(), view = map.getBounds();
                if (s.homeZoom === undefined) { s.homeZoom = zoom; }
                if (zoom < s.homeZoom) { s.opened = {}; }
                for (var p = 0; p < s.provinceShapes.length; p++) {
                    var b = s.provinceShapes[p].bounds;
                    if (!b) { continue; }
                    var open = s.opened[p] || (zoom >= Math.max(s.drillZoom, s.homeZoom + 1) && view.intersects(b));
                    if (open) { this._show("c" + p, this._communeGroup(p), true); }
                    else if (this._communes[p] !== undefined) { this._show("c" + p, this._communes[p], false); }
                    this._show("p" + p, this._provinceLayer(p), !open);
                }
                // Communes of no province (or of a province with no shape) always show.
                this._show("c-1", this._communeGroup(-1), true);
            },
            onAdd: function (map) {
                L.FeatureGroup.prototype.onAdd.call(this, map);
                map.on("zoomend moveend", this._update, this);
                this._update();
            },
            onRemove: function (map) {
                map.off("zoomend moveend", this._update, this);
                L.FeatureGroup.prototype.onRemove.call(this, map);
            }
        });
    }
    return d;
})();
{% endmacro %}
""")

    def __init__(self, communes, table: dict, *, grid_deg: float, province_of=None, provinces=None,
                 province_table: dict | None = None, drill_zoom: int = 9, lang: str = "en"):  # fmt: skip
        super().__init__()
        self._name = "AreaShapes"
        self.decode_js = DECODE_JS
        encoded = encode_polygons(communes, grid_deg=grid_deg)
        drill = provinces is not None and province_of is not None
        data = {
            "communes": encoded,
            "table": self._table(table),
            "provinceOf": [int(p) for p in province_of] if drill else None,
            "provinces": encode_polygons(provinces, grid_deg=grid_deg,
                                         origin=tuple(encoded["origin"])) if drill else None,
            "provinceTable": self._table(province_table) if drill else None,
            "drillZoom": drill_zoom,
            "decimal": "," if lang == "vi" else ".",
            "group": "." if lang == "vi" else ",",
        }  # fmt: skip
        self.encoded = encoded
        self.json = _safe_json(data)

    @staticmethod
    def _table(table: dict) -> dict:
        values = []
        for column in table.values():
            series = pd.Series(column).reset_index(drop=True)
            numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
            values.append(_numbers(series) if numeric else _codes(series))
        return {"labels": [str(k) for k in table], "values": values}


class Choropleth(Layer):
    """One indicator on the shared polygons of an :class:`AreaShapes`.

    Parameters
    ----------
    shapes : AreaShapes
        Added to the map before this layer.
    values : array-like of float
        One per commune, in the order of ``shapes``.
    province_values : array-like of float, optional
        One per province (the drill-down's first level).
    colors : list of str
        ``#rrggbb`` stops from 0 to ``vmax``, as the legend's colour scale.
    vmax : float
        Value of the last colour.
    name : str
        Name in the layer control (and the tooltip's label of the value).
    show : bool
        Visible when the page opens.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = new L.WzChoropleth({{ this.shapes.get_name() }}, {{ this.json }});
{% endmacro %}
""")

    def __init__(self, shapes: AreaShapes, values, *, province_values=None, colors: list[str],
                 vmax: float, name: str, show: bool = True):  # fmt: skip
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "Choropleth"
        self.shapes = shapes
        self.values = _numbers(values)
        self.province_values = None if province_values is None else _numbers(province_values)
        self.json = _safe_json({"values": self.values, "provinceValues": self.province_values,
                                "colors": list(colors), "vmax": float(vmax), "title": name})  # fmt: skip
