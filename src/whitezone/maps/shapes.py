"""Polygons for the page: simplified once, quantized, sent once, shared by every layer.

A national run has about 10,600 communes.  Folium's ``GeoJson`` writes every
polygon again for each choropleth (``% no signal``, ``% weak``, ``% people
with no signal``) with full float coordinates: three copies of the country.
Here the communes are simplified as a *coverage* (:func:`shapely.coverage_simplify`:
neighbours keep one shared edge, no gaps or slivers appear), snapped to a
grid (:func:`shapely.set_precision`, pointwise, so shared vertices stay shared)
and written once as integers, each ring as deltas from the point before —
TopoJSON's quantized, delta-encoded positions, without its arc table.  The
page decodes them once; every choropleth styles the same polygons from its own
array of values.

The encoding (``encode_polygons``) is JSON::

    {"origin": [x0, y0], "grid": g,
     "shapes": [feature, ...]}      # feature = [polygon, ...], [] when empty
                                    # polygon = [ring, ...], the shell first
                                    # ring = [x, y, dx, dy, dx, dy, ...]

``x, y`` being ``(lon - x0) / g`` and ``(lat - y0) / g`` of the ring's first
point, each following pair the step from the point before, the closing point
left out.  :func:`decode_polygons` reads it back (for tests and checks); the
page's reader is ``DECODE_JS``.
"""

from __future__ import annotations

import logging

import numpy as np
import shapely

__all__ = ["DECODE_JS", "decode_polygons", "encode_polygons", "simplify_coverage"]

logger = logging.getLogger(__name__)


def simplify_coverage(geoms, *, tolerance_deg: float, grid_deg: float) -> np.ndarray:
    """Simplify polygons as one coverage and snap them to a grid.

    Parameters
    ----------
    geoms : array-like of shapely geometries
        Polygons or multipolygons in degrees; None or empty allowed.
    tolerance_deg : float
        Douglas-Peucker-like tolerance of :func:`shapely.coverage_simplify`
        (of :func:`shapely.simplify` with the topology kept, when the input is
        not a valid coverage: overlapping communes are simplified one by one).
    grid_deg : float
        Grid the vertices are snapped to (pointwise: a vertex shared by two
        polygons lands on the same grid point in both).

    Returns
    -------
    numpy.ndarray of shapely geometries
        Same length and order; a polygon that the grid collapses stays as it
        was snapped (it may be degenerate, never dropped).
    """
    geoms = np.asarray(geoms, dtype=object)
    out = np.full(len(geoms), None, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    polys = geoms[present]
    if len(polys):
        try:
            valid = bool(shapely.coverage_is_valid(polys))
        except shapely.errors.GEOSException:  # invalid polygons: not a coverage either
            valid = False
        if valid:
            simple = shapely.coverage_simplify(polys, tolerance_deg, simplify_boundary=True)
        else:
            logger.info("communes overlap or leave slivers: simplified one by one")
            simple = shapely.simplify(polys, tolerance_deg, preserve_topology=True)
        out[present] = shapely.set_precision(simple, grid_deg, mode="pointwise")
    return out


def _rings(geom) -> list[list[np.ndarray]]:
    """The polygons of ``geom`` as lists of rings (coordinate arrays, closing point kept)."""
    if geom is None or shapely.is_empty(geom):
        return []
    parts = shapely.get_parts(geom) if shapely.get_type_id(geom) in (6, 7) else [geom]
    polygons = []
    for part in parts:
        if shapely.get_type_id(part) != 3 or shapely.is_empty(part):
            continue  # points or lines left over in a collection
        rings = [shapely.get_coordinates(part.exterior)]
        rings += [shapely.get_coordinates(r) for r in part.interiors]
        polygons.append(rings)
    return polygons


def encode_polygons(geoms, *, grid_deg: float, origin: tuple[float, float] | None = None) -> dict:
    """Quantized, delta-encoded polygons (the format in the module's docstring).

    Parameters
    ----------
    geoms : array-like of shapely geometries
        Polygons or multipolygons (degrees); None or empty give ``[]``.
    grid_deg : float
        Quantization step, degrees (1e-4 is about 11 m).
    origin : (float, float), optional
        Lower-left corner the integers count from; default the bounds' corner
        (snapped to the grid).

    Returns
    -------
    dict
        JSON-ready: ``origin``, ``grid`` and ``shapes`` (one entry per geometry).
    """
    geoms = list(geoms)
    if origin is None:
        present = [g for g in geoms if g is not None and not shapely.is_empty(g)]
        if present:
            x0, y0, _, _ = shapely.total_bounds(np.asarray(present, dtype=object))
        else:
            x0 = y0 = 0.0
        origin = (np.floor(x0 / grid_deg) * grid_deg, np.floor(y0 / grid_deg) * grid_deg)
    x0, y0 = float(origin[0]), float(origin[1])
    shapes = []
    for geom in geoms:
        feature = []
        for rings in _rings(geom):
            polygon = []
            for xy in rings:
                q = np.rint((xy - (x0, y0)) / grid_deg).astype(np.int64)
                if len(q) > 1 and (q[0] == q[-1]).all():
                    q = q[:-1]  # the page closes rings itself
                keep = np.ones(len(q), dtype=bool)  # no zero steps after snapping
                keep[1:] = (np.diff(q, axis=0) != 0).any(axis=1)
                q = q[keep]
                if len(q) < 3:  # collapsed by the grid: nothing to draw
                    if not polygon:
                        break  # the shell: the whole polygon goes
                    continue
                steps = np.vstack([q[:1], np.diff(q, axis=0)])
                polygon.append(steps.ravel().tolist())
            if polygon:
                feature.append(polygon)
        shapes.append(feature)
    return {"origin": [round(x0, 10), round(y0, 10)], "grid": grid_deg, "shapes": shapes}


def decode_polygons(data: dict) -> list:
    """Shapely geometries from :func:`encode_polygons`' output (None where empty)."""
    x0, y0 = data["origin"]
    grid = data["grid"]
    out = []
    for feature in data["shapes"]:
        polygons = []
        for polygon in feature:
            rings = []
            for ring in polygon:
                q = np.cumsum(np.asarray(ring, dtype=np.int64).reshape(-1, 2), axis=0)
                xy = q * grid + (x0, y0)
                rings.append(np.vstack([xy, xy[:1]]))
            polygons.append(shapely.Polygon(rings[0], rings[1:]))
        if not polygons:
            out.append(None)
        elif len(polygons) == 1:
            out.append(polygons[0])
        else:
            out.append(shapely.MultiPolygon(polygons))
    return out


#: The page's reader: ``wzDecodeShapes(data)`` -> per feature, Leaflet latlngs
#: (``[[ring, ...], ...]`` with ``ring = [[lat, lon], ...]``) and its bounds.
DECODE_JS = """
function wzDecodeShapes(data) {
    var x0 = data.origin[0], y0 = data.origin[1], g = data.grid, out = [];
    for (var f = 0; f < data.shapes.length; f++) {
        var feature = data.shapes[f], polygons = [];
        var s = Infinity, w = Infinity, n = -Infinity, e = -Infinity;
        for (var p = 0; p < feature.length; p++) {
            var rings = [];
            for (var r = 0; r < feature[p].length; r++) {
                var steps = feature[p][r], ring = new Array(steps.length / 2), x = 0, y = 0;
                for (var k = 0; k < steps.length; k += 2) {
                    x += steps[k]; y += steps[k + 1];
                    var lon = x0 + x * g, lat = y0 + y * g;
                    ring[k / 2] = [lat, lon];
                    if (lat < s) { s = lat; } if (lat > n) { n = lat; }
                    if (lon < w) { w = lon; } if (lon > e) { e = lon; }
                }
                rings.push(ring);
            }
            polygons.push(rings);
        }
        out.push({latlngs: polygons, bounds: polygons.length ? [[s, w], [n, e]] : null});
    }
    return out;
}
"""
