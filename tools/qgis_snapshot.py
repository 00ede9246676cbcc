"""Render a styled GeoPackage layer to a PNG headless with PyQGIS, as QGIS opens it.

Run with Debian's Python, which has ``qgis.core`` (``apt-get install qgis
python3-qgis``)::

    QT_QPA_PLATFORM=offscreen /usr/bin/python3 tools/qgis_snapshot.py out/villages.gpkg villages.png \\
        --under out/communes.gpkg

Each layer is loaded with its default style from the file's ``layer_styles``
(what :mod:`whitezone.styles` writes); the first file's layer is drawn on
top, the ``--under`` ones below it, all in the extent of them all.
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gpkg", help="the GeoPackage to draw")
    parser.add_argument("png", help="the picture to write")
    parser.add_argument("--layer", help="layer of the GeoPackage (default its first styled one)")
    parser.add_argument("--under", nargs="*", default=[], help="GeoPackages drawn below it (first layer each)")
    parser.add_argument("--size", type=int, nargs=2, default=(900, 700), metavar=("W", "H"))
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import (
        QgsApplication,
        QgsMapRendererParallelJob,
        QgsMapSettings,
        QgsProject,
        QgsVectorLayer,  # fmt: skip
    )
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    app = QgsApplication([], False)
    app.initQgis()
    layers = []
    for path, name in [(args.gpkg, args.layer), *[(p, None) for p in args.under]]:
        uri = f"{path}|layername={name}" if name else path
        layer = QgsVectorLayer(uri, os.path.basename(path), "ogr")
        if not layer.isValid():
            print(f"cannot open {uri}", file=sys.stderr)
            return 2
        print(f"{uri}: {layer.featureCount()} features, renderer {layer.renderer().type()}")
        QgsProject.instance().addMapLayer(layer)
        layers.append(layer)
    settings = QgsMapSettings()
    settings.setLayers(layers)   # first on top
    settings.setDestinationCrs(layers[0].crs())
    extent = layers[0].extent()
    for layer in layers[1:]:
        extent.combineExtentWith(layer.extent())
    extent.scale(1.1)
    settings.setExtent(extent)
    settings.setOutputSize(QSize(*args.size))
    settings.setBackgroundColor(QColor("white"))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    if not job.renderedImage().save(args.png, "PNG"):
        print(f"cannot write {args.png}", file=sys.stderr)
        return 2
    print(f"wrote {args.png}")
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())
