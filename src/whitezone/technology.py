"""Radio technologies: their canonical names and the names operators' lists use."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = [
    "TECHNOLOGIES",
    "normalise_technology",
    "split_technologies",
]

#: The technologies whitezone models, oldest first.
TECHNOLOGIES: tuple[str, ...] = ("2G", "3G", "4G", "5G")

# Names seen in operators' BTS lists and OpenCelliD's `radio` column.
_ALIASES = {
    "2g": "2G", "gsm": "2G", "gprs": "2G", "edge": "2G", "cdma": "2G",
    "3g": "3G", "umts": "3G", "wcdma": "3G", "hspa": "3G", "hspa+": "3G",
    "4g": "4G", "lte": "4G", "lte-a": "4G", "4g+": "4G", "4g lte": "4G",
    "5g": "5G", "nr": "5G", "5g nr": "5G",
}  # fmt: skip

_SPLIT = re.compile(r"\s*[,;/+&|]\s*|\s+(?:and|và)\s+", flags=re.IGNORECASE)


def normalise_technology(value: object) -> str | None:
    """Return the canonical technology ("2G" ... "5G") for a name, or None.

    Accepts the generation (``"4g"``, ``"4G"``) and the standard's name
    (``"LTE"``, ``"UMTS"``, ``"GSM"``, ``"NR"``), case-insensitively.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return _ALIASES.get(str(value).strip().lower())


def split_technologies(value: object) -> list[str]:
    """Split a cell such as ``"2G, 3G/4G"`` into its parts (not yet normalised)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return []
    return [part for part in _SPLIT.split(str(value).strip()) if part]

