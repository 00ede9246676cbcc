"""The "whitezone" Processing provider."""

from qgis.core import QgsProcessingProvider

from .algorithms import ALGORITHMS


class WhitezoneProvider(QgsProcessingProvider):
    """Algorithms ``whitezone:run``, ``:check``, ``:sites``, ``:scenario``, ``:validate``, ``:calibrate``."""

    def id(self):
        return "whitezone"

    def name(self):
        return "whitezone"

    def longName(self):
        return "whitezone: mobile, postal and broadband white zones"

    def loadAlgorithms(self):
        for algorithm in ALGORITHMS:
            self.addAlgorithm(algorithm())
