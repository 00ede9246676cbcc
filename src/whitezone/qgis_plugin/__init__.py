"""whitezone's QGIS plugin: a Processing provider calling the ``whitezone`` command.

This folder is copied into a QGIS profile by ``whitezone qgis install``; it runs
inside QGIS's own Python, which usually lacks whitezone and its dependencies,
so nothing here imports whitezone: the algorithms run the command of the
Python environment whitezone is installed in (:mod:`.runner`) and load the
files it writes.  Only :mod:`.runner` can be imported without QGIS.
"""


def classFactory(iface):
    """QGIS's entry point: the plugin object."""
    # QGIS imports the package first and calls this only inside QGIS, where qgis.core exists;
    # importing it at the top would make the runner untestable outside QGIS.
    from .plugin_entry import WhitezonePlugin

    return WhitezonePlugin(iface)
