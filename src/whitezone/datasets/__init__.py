"""Data to try whitezone on: the embedded sample province and its generator.

:func:`sample_project` is Tỉnh Mẫu, the synthetic province shipped inside the
package (what ``whitezone run`` runs without a project file);
:func:`make_sample` writes a new one with any seed
(``whitezone sample FOLDER --seed N``).  Nothing here is surveyed data.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..project import Project, read_project
from .synthetic import make_sample

__all__ = ["make_sample", "sample_project"]


def sample_project() -> Project:
    """The embedded synthetic sample province, writing to ``./maps/sample``.

    Installed, the sample ships inside the package (``whitezone.sample_data``);
    from a source checkout (``PYTHONPATH=coverage``) it is read from ``data/sample``.
    """
    try:
        ref = resources.files("whitezone.sample_data") / "project.toml"
    except ModuleNotFoundError:
        ref = Path(__file__).resolve().parents[3] / "data" / "sample" / "project.toml"
    with resources.as_file(ref) as path:
        project = read_project(path)
    return project.with_output(Path("maps") / "sample")
