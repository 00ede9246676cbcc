"""The Processing algorithms: each builds a ``whitezone`` command line and runs it.

Every algorithm takes either a project file or layers of the open project
(communes, villages, sites, post offices) with their column mapping, runs
the command of the same name (:mod:`.runner`), shows its progress and lines
in the dialog, and loads the GeoPackages it wrote (styled by their
``layer_styles``) into the project.  Errors are the command's one-line
messages.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingOutputFolder,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
    QgsVectorFileWriter,
    QgsVectorLayer,
)

from .runner import CommandError, find_command, run_command, write_project

#: Layer roles an algorithm can take from the open project, with the columns it may map.
LAYERS = (
    ("communes", "Communes (polygons)", QgsProcessing.TypeVectorPolygon,
     ("commune_id", "commune", "district", "province")),
    ("villages", "Villages (points)", QgsProcessing.TypeVectorPoint,
     ("village_id", "village", "population", "commune_id")),
    ("sites", "Sites / cells (points)", QgsProcessing.TypeVectorPoint,
     ("site_id", "operator", "technology", "status", "height_m", "azimuth_deg")),
    ("post_offices", "Post offices (points)", QgsProcessing.TypeVectorPoint, ("post_id", "name", "kind")),
)  # fmt: skip

LANGS = ("vi", "en")
MODELS = ("", "radius", "pathloss", "terrain", "itm")

#: GeoPackages loaded into the project after a run, in drawing order (first drawn lowest).
LOADED = ("communes.gpkg", "hexagons.gpkg", "post_offices.gpkg", "sites.gpkg", "villages.gpkg",
          "priority_sites.gpkg")  # fmt: skip


def _field_key(role: str, column: str) -> str:
    return f"{role.upper()}_{column.upper()}"


class WhitezoneAlgorithm(QgsProcessingAlgorithm):
    """What every algorithm shares: inputs, running the command, loading its outputs."""

    COMMAND = "run"
    TITLE = "Run the analysis"
    HELP = ""
    WRITES = True  # has an output folder
    TAKES_LAYERS = True

    def name(self):
        return self.COMMAND

    def displayName(self):
        return self.TITLE

    def shortHelpString(self):
        return self.HELP + (
            "\n\nGive a whitezone project file, or pick the layers (communes, villages and sites at "
            "least) and, where the columns are not found by name, which column is which."
            if self.TAKES_LAYERS else ""
        )

    def createInstance(self):
        return type(self)()

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterFile("PROJECT", "Project file (TOML)", extension="toml",
                                                     optional=self.TAKES_LAYERS))  # fmt: skip
        if self.TAKES_LAYERS:
            for role, title, kind, columns in LAYERS:
                self.addParameter(QgsProcessingParameterVectorLayer(role.upper(), title, [kind], optional=True))
                for column in columns:
                    self.addParameter(QgsProcessingParameterField(
                        _field_key(role, column), f"{title.split(' (')[0]}: column for {column}",
                        parentLayerParameterName=role.upper(), optional=True))  # fmt: skip
        self.addParameter(QgsProcessingParameterEnum("LANG", "Language of the outputs",
                                                     options=["Tiếng Việt", "English"], defaultValue=0))  # fmt: skip
        self.add_options()
        if self.WRITES:
            self.addParameter(QgsProcessingParameterFolderDestination("OUTPUT", "Output folder"))
            self.addParameter(QgsProcessingParameterBoolean("LOAD", "Load the outputs into the project",
                                                            defaultValue=True))  # fmt: skip
            self.addOutput(QgsProcessingOutputFolder("OUTPUT_FOLDER", "Output folder"))
        self.addOutput(QgsProcessingOutputString("LOG", "What whitezone printed"))

    def add_options(self):
        """The command's own options (subclasses)."""

    def options(self, parameters, context) -> list[str]:
        """The command's own options as command-line arguments (subclasses)."""
        return []

    def project_file(self, parameters, context, scratch: Path) -> str:
        """The project file given, or one written for the layers picked (exported to GeoPackages)."""
        given = self.parameterAsFile(parameters, "PROJECT", context)
        if given:
            return given
        layers, columns = {}, {}
        for role, _, _, names in LAYERS:
            layer = self.parameterAsVectorLayer(parameters, role.upper(), context)
            if layer is None:
                continue
            path = scratch / f"{role}.gpkg"
            options = QgsVectorFileWriter.SaveVectorOptions()
            options.driverName = "GPKG"
            options.layerName = role
            options.fileEncoding = "UTF-8"
            error = QgsVectorFileWriter.writeAsVectorFormatV3(layer, str(path), context.transformContext(), options)
            if error[0] != QgsVectorFileWriter.NoError:
                raise QgsProcessingException(f"could not export layer {layer.name()!r}: {error[1]}")
            layers[role] = str(path)
            columns[role] = {name: self.parameterAsString(parameters, _field_key(role, name), context)
                             for name in names}  # fmt: skip
        missing = [role for role in ("communes", "villages", "sites") if role not in layers]
        if missing:
            raise QgsProcessingException("give a project file, or the layers " + ", ".join(missing))
        lang = LANGS[self.parameterAsEnum(parameters, "LANG", context)]
        return str(write_project(scratch, layers=layers, columns=columns, lang=lang))

    def processAlgorithm(self, parameters, context, feedback):
        with tempfile.TemporaryDirectory(prefix="whitezone-qgis-") as scratch:
            project = self.project_file(parameters, context, Path(scratch))
            try:
                argv = [*find_command(), self.COMMAND, project,
                        "--lang", LANGS[self.parameterAsEnum(parameters, "LANG", context)]]  # fmt: skip
                folder = None
                if self.WRITES:
                    folder = self.parameterAsString(parameters, "OUTPUT", context)
                    argv += ["-o", folder]
                argv += self.options(parameters, context)
                feedback.pushCommandInfo(" ".join(argv))
                log = run_command(argv, on_progress=feedback.setProgress, on_line=feedback.pushInfo,
                                  is_cancelled=feedback.isCanceled)  # fmt: skip
            except CommandError as exc:
                raise QgsProcessingException(str(exc)) from None
        out = {"LOG": log}
        if folder is not None:
            out["OUTPUT_FOLDER"] = folder
            if self.parameterAsBoolean(parameters, "LOAD", context):
                self.load_outputs(Path(folder), context, feedback)
        return out

    def load_outputs(self, folder: Path, context, feedback) -> None:
        """Every GeoPackage layer written, loaded with its default (stored) style."""
        for name in LOADED:
            path = folder / name
            if not path.exists():
                continue
            layer = QgsVectorLayer(str(path), path.stem, "ogr")
            if not layer.isValid():
                feedback.reportError(f"could not open {path}")
                continue
            context.temporaryLayerStore().addMapLayer(layer)
            context.addLayerToLoadOnCompletion(
                layer.id(), QgsProcessingContext.LayerDetails(path.stem, context.project(), path.stem))


class RunAlgorithm(WhitezoneAlgorithm):
    COMMAND = "run"
    TITLE = "Run the analysis"
    HELP = ("Classifies every village by mobile signal (none, weak, good), computes the indicators per "
            "commune, district and province, and writes the tables, report and map.")  # fmt: skip

    def add_options(self):
        self.addParameter(QgsProcessingParameterEnum("MODEL", "Coverage model (empty: the project's)",
                                                     options=list(MODELS), defaultValue=0))  # fmt: skip
        self.addParameter(QgsProcessingParameterBoolean("RASTERS", "Also best-server rasters (GeoTIFF)",
                                                        defaultValue=False))  # fmt: skip

    def options(self, parameters, context):
        out = []
        model = MODELS[self.parameterAsEnum(parameters, "MODEL", context)]
        if model:
            out += ["--model", model]
        if self.parameterAsBoolean(parameters, "RASTERS", context):
            out.append("--rasters")
        return out


class CheckAlgorithm(WhitezoneAlgorithm):
    COMMAND = "check"
    TITLE = "Check the inputs"
    HELP = "Reads and validates every layer and reports what was found and repaired; writes nothing."
    WRITES = False


class SitesAlgorithm(WhitezoneAlgorithm):
    COMMAND = "sites"
    TITLE = "Priority sites"
    HELP = "Chooses the new tower sites that bring signal to the most people without it."

    def add_options(self):
        self.addParameter(QgsProcessingParameterNumber("BUDGET", "Number of sites", minValue=0, defaultValue=20))
        self.addParameter(QgsProcessingParameterEnum("TARGET", "Villages to serve",
                                                     options=["no signal", "no or weak signal"],
                                                     defaultValue=0))  # fmt: skip
        self.addParameter(QgsProcessingParameterString("TECHNOLOGY", "Technology of the new sites",
                                                       optional=True))  # fmt: skip

    def options(self, parameters, context):
        out = ["--budget", str(self.parameterAsInt(parameters, "BUDGET", context)),
               "--target", ("none", "weak")[self.parameterAsEnum(parameters, "TARGET", context)]]  # fmt: skip
        technology = self.parameterAsString(parameters, "TECHNOLOGY", context)
        return out + (["--technology", technology] if technology else [])


class ScenarioAlgorithm(WhitezoneAlgorithm):
    COMMAND = "scenario"
    TITLE = "Scenario (what if)"
    HELP = ("Re-runs the analysis with changes to the sites (a technology switched off, planned sites "
            "on air, an operator leaving) and compares with today.")  # fmt: skip

    def add_options(self):
        self.addParameter(QgsProcessingParameterString("NAME", "Scenario of the project file", optional=True))
        self.addParameter(QgsProcessingParameterString("SWITCH_OFF", "Technologies switched off (e.g. 2G)",
                                                       optional=True))  # fmt: skip
        self.addParameter(QgsProcessingParameterBoolean("ACTIVATE_PLANNED", "Planned sites go on air",
                                                        defaultValue=False))  # fmt: skip
        self.addParameter(QgsProcessingParameterString("REMOVE_OPERATOR", "Operators leaving", optional=True))

    def options(self, parameters, context):
        out = []
        name = self.parameterAsString(parameters, "NAME", context)
        if name:
            out += ["--name", name]
        for key, flag in (("SWITCH_OFF", "--switch-off"), ("REMOVE_OPERATOR", "--remove-operator")):
            words = self.parameterAsString(parameters, key, context).replace(",", " ").split()
            if words:
                out += [flag, *words]
        if self.parameterAsBoolean(parameters, "ACTIVATE_PLANNED", context):
            out.append("--activate-planned")
        return out


class ValidateAlgorithm(WhitezoneAlgorithm):
    COMMAND = "validate"
    TITLE = "Validate against measurements"
    HELP = "Compares the model with the project's drive-test measurements ([layers] measurements)."
    TAKES_LAYERS = False


class CalibrateAlgorithm(WhitezoneAlgorithm):
    COMMAND = "calibrate"
    TITLE = "Calibrate to measurements"
    HELP = "Fits the model's offset and slope per technology to the project's measurements."
    TAKES_LAYERS = False


ALGORITHMS = (RunAlgorithm, CheckAlgorithm, SitesAlgorithm, ScenarioAlgorithm, ValidateAlgorithm,
              CalibrateAlgorithm)  # fmt: skip
