"""QGIS styles of the GeoPackages: QML for QGIS, SLD 1.1 for other servers.

Every GeoPackage whitezone writes carries its style in the standard
``layer_styles`` table (written by :func:`whitezone.files.write_gpkg`), set
as the layer's default, so QGIS opens it drawn as ``map.html`` draws it:

* villages categorized by ``class_any`` in the map's class colours
  (:data:`whitezone.maps.CLASS_COLORS`), anything else in its grey;
* communes (and the hexagons' villages) graduated by the share of villages
  without signal, in the map's ramp (:data:`whitezone.maps.CHOROPLETHS`);
* sites categorized by operator in the map's operator colours, each legend
  entry naming the operator's technologies;
* postal points by kind, with a second layer of rings of the service radius;
* priority sites as stars graduated by rank, each labelled with its rank;
  their backhaul (``priority_sites.gpkg``'s ``backhaul`` layer) as lines
  categorized by kind in the map's colours (:data:`whitezone.maps.BACKHAUL_COLORS`).

Legend entries follow the project's language (:mod:`whitezone.i18n`).  The
XML is built with ElementTree, so a user's operator or kind name is escaped
wherever it lands (a category value, a label, an SLD literal).  The QML
writes symbol-layer properties both as ``<Option>`` maps (QGIS >= 3.26) and
``<prop>`` pairs (older QGIS 3), as QGIS 3.22-3.28 themselves do.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from .i18n import Messages
from .maps import (
    BACKHAUL_COLORS,
    CHOROPLETHS,
    CLASS_COLORS,
    OPERATOR_COLORS,
    OTHER_COLOR,
    PRIORITY_COLOR,
)

logger = logging.getLogger(__name__)

__all__ = [
    "LayerStyle",
    "backhaul_style",
    "commune_style",
    "hexagon_styles",
    "post_layers",
    "post_styles",
    "priority_style",
    "share_style",
    "site_style",
    "site_table",
    "village_style",
]

#: Postal points and their service radius, as ``map.html`` draws them.
POST_COLOR = "#1f4e79"
#: Upper bounds (%) of the classes of a share: 0 % alone, then up to each.
SHARE_BREAKS_PCT = (0.0, 10.0, 25.0, 50.0, 75.0, 100.0)
#: At most this many classes of priority ranks.
RANK_CLASSES = 5
#: Screen pixels per millimetre in the SLD (QGIS' own conversion at 96 dpi).
PX_PER_MM = 3.78
#: ``layerGeometryType`` of a QML.
GEOMETRY_TYPES = {"point": 0, "line": 1, "polygon": 2}
#: What the SLD draws each geometry with.
SYMBOLIZERS = {"point": "PointSymbolizer", "line": "LineSymbolizer", "polygon": "PolygonSymbolizer"}

SLD = "http://www.opengis.net/sld"
SE = "http://www.opengis.net/se"
OGC = "http://www.opengis.net/ogc"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
for _prefix, _uri in (("", SLD), ("se", SE), ("ogc", OGC), ("xlink", "http://www.w3.org/1999/xlink"),
                      ("xsi", XSI)):  # fmt: skip
    ET.register_namespace(_prefix, _uri)


@dataclass(frozen=True)
class LayerStyle:
    """One row of ``layer_styles``: a layer's style in QML and SLD.

    Attributes
    ----------
    name : str
        ``styleName`` (shown in QGIS' style manager).
    qml : str
        The QGIS style document.
    sld : str
        The same rules as an SLD 1.1 document.
    description : str
        What the style shows, in the project's language.
    renderer : str
        The QGIS renderer (``categorizedSymbol``, ``graduatedSymbol``,
        ``singleSymbol``).
    categories : int
        Categories, ranges or (single symbol) 1.
    """

    name: str
    qml: str
    sld: str
    description: str
    renderer: str
    categories: int


@dataclass(frozen=True)
class _Look:
    """How a feature is drawn (marker diameter and outline in mm; a line in ``fill``, ``stroke_mm`` wide)."""

    fill: str
    stroke: str = "#000000"
    size_mm: float = 2.4
    stroke_mm: float = 0.2
    shape: str = "circle"
    opacity: float = 1.0
    dash: bool = False


@dataclass(frozen=True)
class _Rule:
    """A category (``value``; None: every other value), a range (``lower``/``upper``) or the one symbol."""

    label: str
    look: _Look
    value: str | None = None
    lower: float | None = None
    upper: float | None = None


# -- colours ------------------------------------------------------------------------------


def _rgb(color: str) -> tuple[int, int, int]:
    text = color.lstrip("#")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def _hex(rgb) -> str:
    return "#" + "".join(f"{int(round(c)):02x}" for c in rgb)


def _qgis_color(color: str, opacity: float = 1.0) -> str:
    return ",".join(str(c) for c in (*_rgb(color), int(round(255 * opacity))))


def ramp_color(stops: Sequence[str], position: float) -> str:
    """The colour at ``position`` (0..1) of a ramp of evenly spaced stops, linear in RGB.

    The interpolation of :class:`branca.colormap.LinearColormap`, which
    ``map.html`` shades the communes with.

    Examples
    --------
    >>> ramp_color(["#000000", "#ffffff"], 0.5)
    '#808080'
    """
    position = min(max(float(position), 0.0), 1.0)
    colors = np.array([_rgb(c) for c in stops], dtype=float)
    where = position * (len(stops) - 1)
    i = min(int(where), len(stops) - 2)
    return _hex(colors[i] + (where - i) * (colors[i + 1] - colors[i]))


def _lighter(color: str, amount: float) -> str:
    rgb = np.array(_rgb(color), dtype=float)
    return _hex(rgb + amount * (255.0 - rgb))


# -- QML ----------------------------------------------------------------------------------


def _options(parent: ET.Element, props: Mapping[str, str]) -> None:
    """Symbol-layer properties both as an ``<Option>`` map and as ``<prop>`` pairs."""
    option = ET.SubElement(parent, "Option", type="Map")
    for key, value in props.items():
        ET.SubElement(option, "Option", name=key, type="QString", value=value)
    for key, value in props.items():
        ET.SubElement(parent, "prop", k=key, v=value)


def _qml_symbol(name: str, look: _Look, geometry: str) -> ET.Element:
    kind = {"point": "marker", "line": "line"}.get(geometry, "fill")
    symbol = ET.Element("symbol", name=name, type=kind, alpha="1", clip_to_extent="1", force_rhr="0")
    if geometry == "line":
        layer = ET.SubElement(symbol, "layer", {"class": "SimpleLine", "enabled": "1", "locked": "0",
                                                "pass": "0"})  # fmt: skip
        _options(layer, {"line_color": _qgis_color(look.fill, look.opacity),
                         "line_style": "dash" if look.dash else "solid",
                         "line_width": f"{look.stroke_mm:g}", "line_width_unit": "MM",
                         "capstyle": "round", "joinstyle": "round"})  # fmt: skip
    elif geometry == "point":
        layer = ET.SubElement(symbol, "layer", {"class": "SimpleMarker", "enabled": "1", "locked": "0",
                                                "pass": "0"})  # fmt: skip
        _options(layer, {"name": look.shape, "color": _qgis_color(look.fill, look.opacity),
                         "outline_color": _qgis_color(look.stroke), "outline_style": "solid",
                         "outline_width": f"{look.stroke_mm:g}", "outline_width_unit": "MM",
                         "size": f"{look.size_mm:g}", "size_unit": "MM", "angle": "0",
                         "scale_method": "diameter"})  # fmt: skip
    else:
        layer = ET.SubElement(symbol, "layer", {"class": "SimpleFill", "enabled": "1", "locked": "0",
                                                "pass": "0"})  # fmt: skip
        _options(layer, {"color": _qgis_color(look.fill, look.opacity), "style": "solid",
                         "outline_color": _qgis_color(look.stroke), "outline_style": "solid",
                         "outline_width": f"{look.stroke_mm:g}", "outline_width_unit": "MM",
                         "joinstyle": "bevel"})  # fmt: skip
    return symbol


def _qml_renderer(kind: str, column: str | None, rules: Sequence[_Rule], geometry: str,
                  ramp: Sequence[str] | None) -> ET.Element:  # fmt: skip
    renderer = ET.Element("renderer-v2", type=kind, symbollevels="0", enableorderby="0", forceraster="0")
    symbols = ET.Element("symbols")
    if kind == "singleSymbol":
        symbols.append(_qml_symbol("0", rules[0].look, geometry))
        renderer.append(symbols)
    else:
        renderer.set("attr", column)
        if kind == "categorizedSymbol":
            entries = ET.SubElement(renderer, "categories")
            for i, rule in enumerate(rules):
                ET.SubElement(entries, "category", value="" if rule.value is None else rule.value,
                              symbol=str(i), label=rule.label, render="true")  # fmt: skip
        else:
            renderer.set("graduatedMethod", "GraduatedColor")
            entries = ET.SubElement(renderer, "ranges")
            for i, rule in enumerate(rules):
                ET.SubElement(entries, "range", lower=f"{rule.lower:.15f}", upper=f"{rule.upper:.15f}",
                              symbol=str(i), label=rule.label, render="true")  # fmt: skip
        for i, rule in enumerate(rules):
            symbols.append(_qml_symbol(str(i), rule.look, geometry))
        renderer.append(symbols)
        if ramp is not None:
            colorramp = ET.SubElement(renderer, "colorramp", type="gradient", name="[source]")
            middle = [f"{k / (len(ramp) - 1):g};{_qgis_color(c)}" for k, c in enumerate(ramp)][1:-1]
            _options(colorramp, {"color1": _qgis_color(ramp[0]), "color2": _qgis_color(ramp[-1]),
                                 "discrete": "0", "rampType": "gradient", "stops": ":".join(middle)})  # fmt: skip
            method = ET.SubElement(renderer, "classificationMethod", id="Custom")
            ET.SubElement(method, "labelFormat", format="%1 - %2", labelprecision="1", trimtrailingzeroes="1")
    ET.SubElement(renderer, "rotation")
    ET.SubElement(renderer, "sizescale")
    return renderer


def _qml_labels(field: str) -> ET.Element:
    labeling = ET.Element("labeling", type="simple")
    settings = ET.SubElement(labeling, "settings", calloutType="simple")
    text = ET.SubElement(settings, "text-style", fieldName=field, isExpression="0", fontSize="9",
                         fontSizeUnit="Point", fontWeight="75", textColor="0,0,0,255",
                         textOpacity="1", fontFamily="Sans Serif")  # fmt: skip
    ET.SubElement(text, "text-buffer", bufferDraw="1", bufferSize="0.8", bufferSizeUnits="MM",
                  bufferColor="255,255,255,255", bufferOpacity="1")  # fmt: skip
    # Around the point (cartographic placement), a little off the star.
    ET.SubElement(settings, "placement", placement="6", dist="1", offsetUnits="MM")
    ET.SubElement(settings, "rendering", drawLabels="1", obstacleType="1", displayAll="1")
    return labeling


def _qml(renderer: ET.Element, geometry: str, label_field: str | None) -> str:
    root = ET.Element("qgis", version="3.22.0", styleCategories="Symbology|Labeling",
                      labelsEnabled="1" if label_field else "0")  # fmt: skip
    root.append(renderer)
    if label_field:
        root.append(_qml_labels(label_field))
    ET.SubElement(root, "layerGeometryType").text = str(GEOMETRY_TYPES[geometry])
    ET.indent(root, space=" ")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(root, encoding="unicode")


# -- SLD ----------------------------------------------------------------------------------


def _se(parent: ET.Element, tag: str, text: str | None = None, **attrs) -> ET.Element:
    node = ET.SubElement(parent, f"{{{SE}}}{tag}", attrs)
    if text is not None:
        node.text = text
    return node


def _svg(parent: ET.Element, name: str, value: str) -> None:
    _se(parent, "SvgParameter", value, name=name)


def _comparison(parent: ET.Element, operator: str, column: str, value) -> None:
    node = ET.SubElement(parent, f"{{{OGC}}}{operator}")
    ET.SubElement(node, f"{{{OGC}}}PropertyName").text = column
    ET.SubElement(node, f"{{{OGC}}}Literal").text = value if isinstance(value, str) else f"{value:g}"


def _sld_filter(rule_node: ET.Element, rule: _Rule, column: str, *, first: bool) -> None:
    if rule.lower is not None:
        both = ET.SubElement(ET.SubElement(rule_node, f"{{{OGC}}}Filter"), f"{{{OGC}}}And")
        # QGIS' ranges hold their upper bound, and the first one its lower bound too.
        _comparison(both, "PropertyIsGreaterThanOrEqualTo" if first else "PropertyIsGreaterThan",
                    column, rule.lower)  # fmt: skip
        _comparison(both, "PropertyIsLessThanOrEqualTo", column, rule.upper)
    elif rule.value is None:
        _se(rule_node, "ElseFilter")
    else:
        _comparison(ET.SubElement(rule_node, f"{{{OGC}}}Filter"), "PropertyIsEqualTo", column, rule.value)


def _sld_symbolizer(rule_node: ET.Element, look: _Look, geometry: str) -> None:
    symbolizer = _se(rule_node, SYMBOLIZERS[geometry])
    if geometry == "line":
        stroke = _se(symbolizer, "Stroke")
        _svg(stroke, "stroke", look.fill)
        _svg(stroke, "stroke-width", f"{look.stroke_mm * PX_PER_MM:.2g}")
        if look.dash:
            _svg(stroke, "stroke-dasharray", "6 4")
        return
    if geometry == "point":
        graphic = _se(symbolizer, "Graphic")
        mark = _se(graphic, "Mark")
        _se(mark, "WellKnownName", look.shape)
        parent = mark
    else:
        parent = symbolizer
    fill = _se(parent, "Fill")
    _svg(fill, "fill", look.fill)
    if look.opacity < 1:
        _svg(fill, "fill-opacity", f"{look.opacity:g}")
    stroke = _se(parent, "Stroke")
    _svg(stroke, "stroke", look.stroke)
    _svg(stroke, "stroke-width", f"{look.stroke_mm * PX_PER_MM:.2g}")
    if geometry == "point":
        _se(graphic, "Size", f"{look.size_mm * PX_PER_MM:.3g}")


def _sld_labels(style: ET.Element, field: str) -> None:
    text = _se(_se(style, "Rule"), "TextSymbolizer")
    ET.SubElement(_se(text, "Label"), f"{{{OGC}}}PropertyName").text = field
    font = _se(text, "Font")
    _svg(font, "font-size", "12")
    _svg(font, "font-weight", "bold")
    halo = _se(text, "Halo")
    _se(halo, "Radius", "2")
    _svg(_se(halo, "Fill"), "fill", "#ffffff")
    _svg(_se(text, "Fill"), "fill", "#000000")


def _sld(layer: str, title: str, column: str | None, rules: Sequence[_Rule], geometry: str,
         label_field: str | None) -> str:  # fmt: skip
    root = ET.Element(f"{{{SLD}}}StyledLayerDescriptor", {
        "version": "1.1.0",
        f"{{{XSI}}}schemaLocation": f"{SLD} http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd",
    })  # fmt: skip
    named = ET.SubElement(root, f"{{{SLD}}}NamedLayer")
    _se(named, "Name", layer)
    user = ET.SubElement(named, f"{{{SLD}}}UserStyle")
    _se(user, "Name", layer)
    _se(_se(user, "Description"), "Title", title)
    style = _se(user, "FeatureTypeStyle")
    for i, rule in enumerate(rules):
        node = _se(style, "Rule")
        _se(node, "Name", rule.label)
        _se(_se(node, "Description"), "Title", rule.label)
        if column is not None:
            _sld_filter(node, rule, column, first=i == 0)
        _sld_symbolizer(node, rule.look, geometry)
    if label_field:
        _sld_labels(style, label_field)
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _style(*, layer: str, title: str, kind: str, column: str | None, rules: Sequence[_Rule],
           geometry: str, label_field: str | None = None, ramp: Sequence[str] | None = None) -> LayerStyle:  # fmt: skip
    return LayerStyle(
        name=layer, description=title, renderer=kind, categories=len(rules),
        qml=_qml(_qml_renderer(kind, column, rules, geometry, ramp), geometry, label_field),
        sld=_sld(layer, title, column, rules, geometry, label_field),
    )  # fmt: skip


# -- the layers ---------------------------------------------------------------------------


def village_style(*, lang: str, column: str = "class_any", layer: str = "villages") -> LayerStyle:
    """Villages categorized by class in ``map.html``'s colours; other values grey.

    Parameters
    ----------
    lang : {"vi", "en"}
        Language of the legend.
    column : str
        The class column (``class_any`` or ``class_<tech>``).
    layer : str
        The layer's name in the GeoPackage.
    """
    t = Messages(lang)
    rules = [_Rule(t.value(name), _Look(CLASS_COLORS[name], stroke="#333333"), value=name)
             for name in CLASS_COLORS]  # fmt: skip
    rules.append(_Rule(t.value("unclassified"), _Look(OTHER_COLOR, stroke="#333333"), value=None))
    return _style(layer=layer, title=t("map.layer_villages"), kind="categorizedSymbol", column=column,
                  rules=rules, geometry="point")  # fmt: skip


def _share_rules(stops: Sequence[str], t: Messages, *, stroke: str = "#555555") -> list[_Rule]:
    """0 % alone, then each class up to the next break; coloured at its middle on the ramp."""
    rules = [_Rule(t("style.share_zero", value=t.number(0.0, 0)), _Look(ramp_color(stops, 0.0), stroke=stroke,
                                                                         stroke_mm=0.26),
                   lower=0.0, upper=0.0)]  # fmt: skip
    for low, high in zip(SHARE_BREAKS_PCT[:-1], SHARE_BREAKS_PCT[1:], strict=True):
        middle = (low + high) / 2 / SHARE_BREAKS_PCT[-1]
        rules.append(_Rule(t("style.share_range", lower=t.number(low, 0), upper=t.number(high, 0)),
                           _Look(ramp_color(stops, middle), stroke=stroke, stroke_mm=0.26),
                           lower=low, upper=high))  # fmt: skip
    return rules


def share_style(*, column: str, lang: str, layer: str, title: str | None = None,
                stops: Sequence[str] | None = None) -> LayerStyle:  # fmt: skip
    """Polygons graduated by a share in percent (0 %, 0-10, 10-25, 25-50, 50-75, 75-100 %).

    Parameters
    ----------
    column : str
        A ``pct_*`` column (0..100).
    lang : {"vi", "en"}
    layer : str
        The layer's name in the GeoPackage.
    title : str, optional
        The style's description (default the map's title of that column).
    stops : sequence of str, optional
        Colour stops of the ramp (default the map's ramp of ``column``, else
        of ``pct_none``).
    """
    t = Messages(lang)
    ramps = {name: (key, colors) for name, key, colors in CHOROPLETHS}
    key, default = ramps.get(column, ramps["pct_none"])
    stops = tuple(stops or default)
    return _style(layer=layer, title=title or t(key), kind="graduatedSymbol", column=column,
                  rules=_share_rules(stops, t), geometry="polygon", ramp=stops)  # fmt: skip


def commune_style(*, lang: str, layer: str = "communes") -> LayerStyle:
    """Communes graduated by the share of their villages without signal (``pct_none``)."""
    return share_style(column="pct_none", lang=lang, layer=layer)


def hexagon_styles(layers: Mapping[str, gpd.GeoDataFrame], *, lang: str) -> dict[str, LayerStyle]:
    """Styles of ``hexagons.gpkg``: its villages by share without signal, its coverage by area covered."""
    t = Messages(lang)
    out = {}
    if "villages" in layers:
        out["villages"] = share_style(column="pct_none", lang=lang, layer="villages")
    if "coverage" in layers:
        good = CLASS_COLORS["good"]
        out["coverage"] = share_style(column="pct_area_covered", lang=lang, layer="coverage",
                                      title=t("style.coverage_area"),
                                      stops=("#ffffff", _lighter(good, 0.5), good))  # fmt: skip
    return out


def site_table(sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The active sites, one row each: ``site_id``, ``operator``, ``technologies``, ``cells``, ``height_m``.

    A site's cells and technologies (rows of the sites layer) become one
    point, as ``map.html`` shows them; a missing operator is ``?`` (the
    map's word for it).

    Parameters
    ----------
    sites : GeoDataFrame
        The sites layer (:attr:`whitezone.layers.Layers.sites`): one row per
        site and technology, or per cell.
    """
    active = sites[(sites["status"] == "active").to_numpy()] if "status" in sites else sites
    active = active.assign(operator=active["operator"].astype(object).fillna("?").astype(str))
    if active.empty:
        return gpd.GeoDataFrame({"site_id": [], "operator": [], "technologies": [], "cells": [],
                                 "height_m": []}, geometry=[], crs=sites.crs)  # fmt: skip
    grouped = active.groupby("site_id", sort=False).agg(
        operator=("operator", "first"),
        technologies=("technology", lambda s: ", ".join(sorted(set(s.astype(str))))),
        cells=("technology", "size"), height_m=("height_m", "max"), geometry=("geometry", "first"),
    ).reset_index()  # fmt: skip
    return gpd.GeoDataFrame(grouped, geometry="geometry", crs=sites.crs)


def _operator_colors(operators) -> dict[str, str]:
    """Each operator's colour as ``map.html`` gives it: sorted, :data:`OPERATOR_COLORS` in turn."""
    names = sorted({str(o) for o in operators})
    return {name: OPERATOR_COLORS[i % len(OPERATOR_COLORS)] for i, name in enumerate(names)}


def site_style(table: gpd.GeoDataFrame, *, lang: str, operators: Sequence[str] | None = None,
               layer: str = "sites") -> LayerStyle:  # fmt: skip
    """Sites categorized by operator; each entry names the operator's technologies.

    Parameters
    ----------
    table : GeoDataFrame
        :func:`site_table`.
    lang : {"vi", "en"}
    operators : sequence of str, optional
        Every operator of the run (planned sites' too), which fixes the
        colours as ``map.html`` does; default those of ``table``.
    layer : str
    """
    t = Messages(lang)
    colors = _operator_colors(list(operators if operators is not None else table["operator"]) +
                              list(table["operator"]))  # fmt: skip
    rules = []
    for name, part in table.groupby("operator", sort=True):
        techs = sorted({x.strip() for joined in part["technologies"] for x in str(joined).split(",")})
        rules.append(_Rule(t("style.site", operator=str(name), technologies=", ".join(techs)),
                           _Look(colors[str(name)], size_mm=3.0, stroke_mm=0.4), value=str(name)))  # fmt: skip
    if not rules:  # no active site: still a categorized style, drawing nothing yet
        rules.append(_Rule("?", _Look(OPERATOR_COLORS[0], size_mm=3.0, stroke_mm=0.4), value="?"))
    return _style(layer=layer, title=t("style.layer_sites"), kind="categorizedSymbol",
                  column="operator", rules=rules, geometry="point")  # fmt: skip


#: Marker of each postal kind, in sorted order of the kinds.
POST_SHAPES = ("circle", "square", "diamond", "triangle", "pentagon", "hexagon")


def post_layers(posts: gpd.GeoDataFrame | None, *, radius_km: float | None,
                crs) -> dict[str, gpd.GeoDataFrame]:  # fmt: skip
    """The layers of ``post_offices.gpkg``: the points and, with a radius, their service rings.

    Parameters
    ----------
    posts : GeoDataFrame or None
        The postal points (lon/lat): ``post_id``, ``name``, ``kind``, ...
    radius_km : float or None
        The average service radius R; no rings without it.
    crs
        The project's metric CRS, in which the rings are drawn round.

    Returns
    -------
    dict
        ``post_offices`` (points) and ``service_area`` (polygons with
        ``post_id``, ``name``, ``kind``, ``radius_km``); empty without points.
    """
    if posts is None or posts.empty:
        return {}
    located = posts[~(posts.geometry.isna() | posts.geometry.is_empty).to_numpy()]
    out = {"post_offices": posts}
    if radius_km is not None and np.isfinite(radius_km) and radius_km > 0 and not located.empty:
        keep = [c for c in ("post_id", "name", "kind") if c in located]
        rings = gpd.GeoDataFrame(located[keep].reset_index(drop=True),
                                 geometry=located.to_crs(crs).geometry.buffer(radius_km * 1000.0,
                                                                              quad_segs=16).to_numpy(),
                                 crs=crs).to_crs(posts.crs)  # fmt: skip
        rings["radius_km"] = float(radius_km)
        out["service_area"] = rings
    return out


def post_styles(layers: Mapping[str, gpd.GeoDataFrame], *, lang: str,
                radius_km: float | None = None) -> dict[str, LayerStyle]:  # fmt: skip
    """Styles of ``post_offices.gpkg``: points categorized by kind, rings of the service radius."""
    t = Messages(lang)
    out = {}
    if "post_offices" in layers:
        kinds = sorted({str(k) for k in layers["post_offices"]["kind"].dropna()})
        rules = [_Rule(str(t.value(kind)), _Look("#ffffff", stroke=POST_COLOR, size_mm=2.6, stroke_mm=0.5,
                                                 shape=POST_SHAPES[i % len(POST_SHAPES)]), value=kind)
                 for i, kind in enumerate(kinds)]  # fmt: skip
        rules.append(_Rule(t.value("unclassified"), _Look("#ffffff", stroke=POST_COLOR, size_mm=2.0,
                                                          stroke_mm=0.5), value=None))  # fmt: skip
        out["post_offices"] = _style(layer="post_offices", title=t("map.layer_posts"),
                                     kind="categorizedSymbol", column="kind", rules=rules,
                                     geometry="point")  # fmt: skip
    if "service_area" in layers:
        title = t("map.layer_post_radius", r=t.number(radius_km, 2)) if radius_km is not None \
            else t("map.layer_posts")  # fmt: skip
        out["service_area"] = _style(layer="service_area", title=title, kind="singleSymbol", column=None,
                                     rules=[_Rule(title, _Look(POST_COLOR, stroke=POST_COLOR,
                                                               stroke_mm=0.3, opacity=0.08))],
                                     geometry="polygon")  # fmt: skip
    return out


def priority_style(table: pd.DataFrame, *, lang: str, layer: str = "priority_sites") -> LayerStyle:
    """Priority sites as stars graduated by rank (the first the boldest), labelled with their rank.

    Parameters
    ----------
    table : DataFrame
        The priority table (:func:`whitezone.siting.priority_table`): ``rank``.
    lang : {"vi", "en"}
    layer : str
    """
    t = Messages(lang)
    count = int(pd.to_numeric(table["rank"], errors="coerce").max()) if len(table) else 1
    groups = [g for g in np.array_split(np.arange(1, count + 1), min(RANK_CLASSES, count)) if len(g)]
    rules = []
    for i, ranks in enumerate(groups):
        first, last = int(ranks[0]), int(ranks[-1])
        label = t("style.rank", rank=first) if first == last else t("style.ranks", first=first, last=last)
        fade = i / max(len(groups) - 1, 1)
        rules.append(_Rule(label, _Look(_lighter(PRIORITY_COLOR, 0.6 * fade), size_mm=6.0 - 2.0 * fade,
                                        stroke_mm=0.3, shape="star"),
                           lower=first - 0.5 if i == 0 else float(first - 1), upper=float(last)))  # fmt: skip
    return _style(layer=layer, title=t("map.layer_priority"), kind="graduatedSymbol", column="rank",
                  rules=rules, geometry="point", label_field="rank")  # fmt: skip


def backhaul_style(links: pd.DataFrame, *, lang: str, layer: str = "backhaul") -> LayerStyle:
    """A plan's backhaul lines categorized by kind (fiber, microwave, relay dashed) in ``map_sites.html``'s colours.

    Parameters
    ----------
    links : DataFrame
        :attr:`whitezone.siting.PlanResult.links`: ``backhaul``.
    lang : {"vi", "en"}
    layer : str
    """
    t = Messages(lang)
    present = {str(k) for k in links["backhaul"].dropna()} if "backhaul" in links else set()
    kinds = [k for k in BACKHAUL_COLORS if k in present] or list(BACKHAUL_COLORS)
    rules = [_Rule(t(f"cost.kind.{kind}"), _Look(BACKHAUL_COLORS[kind], stroke_mm=0.8, dash=kind == "relay"),
                   value=kind) for kind in kinds]  # fmt: skip
    rules.append(_Rule(t.value("unclassified"), _Look(OTHER_COLOR, stroke_mm=0.6), value=None))
    return _style(layer=layer, title=t("map.layer_backhaul"), kind="categorizedSymbol", column="backhaul",
                  rules=rules, geometry="line")  # fmt: skip
