"""A compact, safe point layer for Folium maps: 100,000 villages in one page.

Folium's GeoJson layer writes a full GeoJSON feature (with a bounding box, an
id and a per-feature style switch) for every point and renders popups by
pasting property values into HTML.  :class:`PointLayer` instead ships the
points as columns (``x: [...], y: [...], values: [[...], ...]``, the
coordinates as integers on a 1e-5 degree grid, about a metre), draws
them as circle markers on the map's shared canvas (``prefer_canvas``: one
canvas, so the polygons under the points still get their tooltips), and
builds a popup only when a
point is clicked — with ``textContent``, so a name such as
``<img src=x onerror=...>`` is shown as text and never parsed as HTML.  The
data reach the page as JSON in a ``<script type="application/json">`` element
(read with ``JSON.parse``: a browser parses megabytes of JSON several times
faster than the same data written as a script literal), with ``<``, ``>``,
``&`` and ``'`` escaped (as Jinja's ``tojson`` does), so no value can close
the ``<script>`` element either.  Markers are made when the layer is first
shown: a hidden layer costs the page no time.
"""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pandas as pd
from folium.map import Layer
from jinja2 import Template

__all__ = ["GRID_DEG", "PointLayer"]

#: Grid of the points' coordinates, degrees (about 1 m).
GRID_DEG = 1e-5


#: One character per row for columns of at most this many categories (missing: "~").
CODE_CHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _chars(codes) -> str:
    """Category codes (-1 missing) as one character each."""
    table = np.frombuffer((CODE_CHARS + "~").encode("ascii"), dtype="S1")
    return table[np.asarray(codes, dtype=np.int64)].tobytes().decode("ascii")


def _column(values: pd.Series) -> list | dict:
    """JSON-ready column: numbers rounded, missing values None, the rest text.

    Text with few distinct values (classes, commune names, operators) is sent
    as ``{"cats": [...], "codes": [...]}``: a tenth of the size for 100,000
    rows; with at most 62 categories the codes are one string of one
    character per row (``"chars"``, ``~`` missing).  Other text that all
    starts the same (codes such as ``V000123``) is sent as ``{"prefix": ...,
    "rest": [...]}``.  Whole numbers are written without a decimal part.
    """
    if pd.api.types.is_bool_dtype(values) or str(values.dtype) == "boolean":
        return [None if pd.isna(v) else bool(v) for v in values]
    if pd.api.types.is_numeric_dtype(values):
        arr = np.round(values.to_numpy(dtype=float, na_value=np.nan), 2)
        whole = np.isfinite(arr) & (arr == np.round(arr)) & (np.abs(arr) < 2**53)
        return [int(v) if w else (None if not math.isfinite(v) else float(v))
                for v, w in zip(arr.tolist(), whole.tolist(), strict=True)]  # fmt: skip
    text = [None if pd.isna(v) else str(v) for v in values.astype(object)]
    cats = pd.unique(pd.Series([v for v in text if v is not None], dtype=object))
    if 0 < len(cats) <= max(16, len(text) // 4):
        lookup = {v: i for i, v in enumerate(cats)}
        codes = [-1 if v is None else lookup[v] for v in text]
        if len(cats) <= len(CODE_CHARS):
            return {"cats": list(cats), "chars": _chars(codes)}
        return {"cats": list(cats), "codes": codes}
    present = [v for v in text if v is not None]
    prefix = os.path.commonprefix(present) if len(present) > 1 else ""
    if len(prefix) >= 2:  # codes such as V000123, S001234: the common start once
        return {"prefix": prefix, "rest": [None if v is None else v[len(prefix):] for v in text]}
    return text


def _safe_json(data) -> str:
    """JSON for inside a <script> element: no character can close it or open a comment.

    Like Jinja's ``tojson`` (and Flask's ``htmlsafe_dumps``) but keeps
    non-ASCII letters as they are: Vietnamese names stay a third the size.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027"),
                       ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):  # fmt: skip
        text = text.replace(char, code)
    return text


class PointLayer(Layer):
    """Circle markers from arrays, with click popups built as text.

    Parameters
    ----------
    lat, lon : array-like
        Degrees (EPSG:4326).
    color : array-like of str
        Fill colour per point (a small palette; indexed in the page).
    fields : dict
        Column label shown in the popup -> values per point.
    name : str
        Name in the layer control.
    tooltip : array-like of str, or list of field labels, optional
        Text shown on hover; a list of labels of ``fields`` shows the first
        of those fields a point has (no second copy of the column).
    stroke : str, optional
        Outline colour for every point (default the fill colour).
    radius : float
        Marker radius in pixels.
    show : bool
        Visible when the page opens (folium's Layer adds it to the map then).
    lang : {"vi", "en"}
        How popups write numbers: ``1.234,56`` or ``1,234.56``.
    """

    _template = Template("""
{% macro html(this, kwargs) %}
<script type="application/json" id="{{ this.get_name() }}-data">{{ this.json }}</script>
{% endmacro %}
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = (function () {
    var d = JSON.parse(document.getElementById("{{ this.get_name() }}-data").textContent);
    var x0 = d.origin[0], y0 = d.origin[1], g = d.grid, alphabet = d.alphabet;
    function code(column, i) {
        if (column.chars !== undefined) {
            var c = column.chars.charAt(i);
            return c === "~" ? -1 : alphabet.indexOf(c);
        }
        return column.codes[i];
    }
    function cell(column, i) {
        if (column === null) { return null; }
        if (column.cats) { var k = code(column, i); return k < 0 ? null : column.cats[k]; }
        if (column.rest) { return column.rest[i] === null ? null : column.prefix + column.rest[i]; }
        return column[i];
    }
    var group = L.featureGroup();
    function build() {
        // The markers are made when the layer is first shown: a hidden layer costs no time.
        var x = 0;
        for (var i = 0; i < d.y.length; i++) {
            x += d.dx[i];  // sorted by longitude: small steps
            var fill = d.palette[code(d.color, i)];
            var marker = L.circleMarker([y0 + d.y[i] * g, x0 + x * g], {
                radius: d.radius, weight: d.weight,
                color: d.stroke || fill, fillColor: fill, fillOpacity: 0.9
            });
            marker.wzIndex = i;
            group.addLayer(marker);
        }
    }
    group.once("add", build);
    function number(value) {
        // Numbers as the page's language writes them (vi 1.234,56; en 1,234.56).
        var parts = String(Math.round(value * 100) / 100).split(".");
        parts[0] = parts[0].replace(/\\B(?=(\\d{3})+(?!\\d))/g, d.group);
        return parts.join(d.decimal);
    }
    function text(value) {
        if (value === true) { return "\\u2713"; }
        if (value === false) { return "\\u2717"; }
        if (typeof value === "number") { return number(value); }
        return String(value);
    }
    group.on("click", function (e) {
        var i = e.layer.wzIndex;
        var table = document.createElement("table");
        table.className = "wz-popup";
        for (var k = 0; k < d.labels.length; k++) {
            var value = cell(d.values[k], i);
            if (value === null || value === "") { continue; }
            var row = table.insertRow();
            var head = document.createElement("th");
            head.textContent = d.labels[k];
            head.style.textAlign = "left";
            head.style.paddingRight = "8px";
            row.appendChild(head);
            row.insertCell().textContent = text(value);
        }
        L.popup({maxWidth: 360}).setLatLng(e.latlng).setContent(table).openOn(group._map);
    });
    function tip(i) {
        // The first of the tooltip's fields that the point has (a field shown in the popup too).
        if (!d.tooltipFields) { return cell(d.tooltip, i); }
        for (var k = 0; k < d.tooltipFields.length; k++) {
            var value = cell(d.values[d.tooltipFields[k]], i);
            if (value !== null && value !== "") { return text(value); }
        }
        return "";
    }
    if (d.tooltip || d.tooltipFields) {
        group.on("mouseover", function (e) {
            var span = document.createElement("span");
            span.textContent = tip(e.layer.wzIndex);
            e.layer.bindTooltip(span, {sticky: true}).openTooltip(e.latlng);
        });
    }
    return group;
})();
{% endmacro %}
""")

    def __init__(self, lat, lon, color, fields: dict[str, pd.Series], *, name: str,
                 tooltip=None, stroke: str | None = None, radius: float = 4.0,
                 weight: float = 1.0, show: bool = True, lang: str = "en"):  # fmt: skip
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "PointLayer"
        color = np.asarray(color, dtype=object)
        x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        ok = np.isfinite(x) & np.isfinite(y)
        x0 = float(np.floor(x[ok].min() / GRID_DEG) * GRID_DEG) if ok.any() else 0.0
        y0 = float(np.floor(y[ok].min() / GRID_DEG) * GRID_DEG) if ok.any() else 0.0
        labels = list(fields)
        by_field = isinstance(tooltip, list | tuple) and all(isinstance(k, str) and k in fields for k in tooltip)
        qx = np.rint((x - x0) / GRID_DEG).astype(np.int64)
        order = np.argsort(qx, kind="stable")  # sorted by longitude: x as small steps

        def column(values):
            return _column(pd.Series(values).reset_index(drop=True).iloc[order].reset_index(drop=True))

        palette, index = np.unique(color.astype(str), return_inverse=True)
        qx = qx[order]
        data = {
            "origin": [round(x0, 5), round(y0, 5)],
            "grid": GRID_DEG,
            "dx": np.diff(qx, prepend=0).tolist(),
            "y": np.rint((y[order] - y0) / GRID_DEG).astype(np.int64).tolist(),
            "palette": palette.tolist(),
            "color": {"codes": index[order].astype(int).tolist()} if len(palette) > len(CODE_CHARS)
            else {"chars": _chars(index[order])},
            "alphabet": CODE_CHARS,
            "labels": labels,
            "values": [column(v) for v in fields.values()],
            "tooltip": None if tooltip is None or by_field else column(tooltip),
            "tooltipFields": [labels.index(k) for k in tooltip] if by_field else None,
            "stroke": stroke,
            "radius": radius,
            "weight": weight,
            "decimal": "," if lang == "vi" else ".",
            "group": "." if lang == "vi" else ",",
        }
        self.json = _safe_json(data)


