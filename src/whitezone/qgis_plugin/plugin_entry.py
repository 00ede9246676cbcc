"""The plugin object QGIS holds: registers the Processing provider."""

from qgis.core import QgsApplication

from .provider import WhitezoneProvider


class WhitezonePlugin:
    """Adds the "whitezone" provider (also under ``qgis_process``, which calls initProcessing)."""

    def __init__(self, iface=None):
        self.iface = iface
        self.provider = None

    def initProcessing(self):
        self.provider = WhitezoneProvider()
        QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):
        self.initProcessing()

    def unload(self):
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
