"""Column labels and the report's two-row headers, from the message catalogue.

Every column the report shows or writes has a full label (the xlsx header,
and the HTML header when it stands alone).  In the HTML tables, a count and
its percentage share a two-row header: a group ("Chưa có sóng") over short
sub-headers ("Số thôn", "%").  Per-technology columns (``pct_none_4g``) take
their base column's label with the technology put before the unit.
"""

from __future__ import annotations

import re

from .catalogue import MESSAGES
from .messages import message

__all__ = ["TECH_SUFFIX", "column_label", "column_labels", "header"]


#: Suffix of the per-technology columns (``villages_none_4g``).
TECH_SUFFIX = re.compile(r"^(?P<base>.+)_(?P<tech>[2-5]g)$")

#: Column -> group key of the two-row HTML header (its tech suffix removed).
_GROUP_OF = {
    "villages_none": "none", "pct_none": "none", "pois_none": "none",
    "villages_weak": "weak", "pct_weak": "weak",
    "villages_good": "good", "pct_good": "good", "pois_good": "good", "pct_pois_good": "good",
    "villages_unclassified": "unclassified", "pct_unclassified": "unclassified",
    "population_none": "pop_none", "pct_population_none": "pop_none",
    "area_covered_km2": "area", "pct_area_covered": "area",
    "centers_covered": "centres", "pct_centers_covered": "centres",
    "site_technologies": "sitetech",
    "communes_with_commune_post_office": "cpo", "pct_communes_with_commune_post_office": "cpo",
    "villages_beyond_service_radius": "beyond", "pct_beyond_service_radius": "beyond",
    "villages_far_from_post": "far", "pct_far_from_post": "far",
    "villages_no_broadband": "no_bb", "pct_no_broadband": "no_bb",
    "communes_with_broadband": "bb_communes", "pct_communes_with_broadband": "bb_communes",
    "pois_covered": "covered", "pct_pois_covered": "covered",
    "pois_broadband": "poi_bb", "pct_pois_broadband": "poi_bb",
}  # fmt: skip

#: Sub-header kinds, by the start of the column name (``sub.<kind>`` in the catalogue).
_SUBS = ("villages", "population", "pois", "centers", "site_technologies")


def column_label(column: str, lang: str, *, far_km: str = "?") -> str:
    """The full label of a column (an xlsx header).

    Per-technology columns get the technology inserted before the unit:
    ``pct_none_4g`` -> "Tỷ lệ thôn, bản chưa có sóng 4G (%)".  Unknown
    columns keep their name.

    Parameters
    ----------
    column : str
    lang : {"vi", "en"}
    far_km : str
        The set postal distance, already formatted, for the labels naming it.
    """
    if f"column.{column}" in MESSAGES:
        return message(f"column.{column}", lang, far=far_km)
    match = TECH_SUFFIX.match(column)
    if match and f"column.{match['base']}" in MESSAGES:
        tech = match["tech"].upper()
        if match["base"] == "site_technologies":
            return message("column.site_technologies_tech", lang, tech=tech)
        base = message(f"column.{match['base']}", lang, far=far_km)
        head, unit = re.match(r"^(.*?)((?: \([^)]*\))?)$", base).groups()
        return f"{head} {tech}{unit}"
    return column


def column_labels(columns, lang: str, *, far_km: str = "?") -> dict[str, str]:
    """Column -> label for ``columns``, unique (a clash keeps the column's own name)."""
    out: dict[str, str] = {}
    for col in columns:
        label = column_label(col, lang, far_km=far_km)
        out[col] = label if label not in out.values() else f"{label} [{col}]"
    return out


def header(column: str, lang: str, *, far_km: str = "?") -> tuple[str | None, str]:
    """The two-row HTML header of a column: (group or None, sub-header).

    Examples
    --------
    >>> header("pct_none", "vi")
    ('Chưa có sóng', '%')
    >>> header("villages", "en")
    (None, 'Villages')
    """
    match = TECH_SUFFIX.match(column)
    if column.startswith("site_technologies_") and match:
        return message("group.sitetech", lang), match["tech"].upper()
    group = _GROUP_OF.get(column)
    if group is None:
        return None, column_label(column, lang, far_km=far_km)
    if column.startswith("pct"):
        sub = "%"
    elif column.startswith("area"):
        sub = "km²"
    else:
        kind = next((k for k in _SUBS if column.startswith(k)), "communes")
        sub = message(f"sub.{kind}", lang)
    return message(f"group.{group}", lang, far=far_km), sub
