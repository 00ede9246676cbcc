"""The headline: the province figures a report quotes first, as the command line prints them.

:func:`headline` returns each figure with the summary column it quotes, so
what ``whitezone run`` prints can be checked against ``summary_province.csv``
figure by figure.  A run over several provinces gives their total (the
per-province figures are in ``summary_province.csv``), not one block each.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import Messages
from ..result import Result
from .tables import total_row

__all__ = ["HeadlineRow", "headline", "headline_text"]


@dataclass(frozen=True)
class HeadlineRow:
    """One line of the headline.

    Attributes
    ----------
    key : str
        What it is (``"none"``, ``"radius"``...).
    label : str
        In the run's language.
    text : str
        The figure as printed.
    values : dict
        Summary column -> the number printed from it.
    """

    key: str
    label: str
    text: str
    values: dict


def headline(result: Result, *, lang: str | None = None) -> list[HeadlineRow]:
    """The headline figures of a run, each with the summary columns it quotes.

    Parameters
    ----------
    result : Result
    lang : {"vi", "en"}, optional
        Default the project's.

    Returns
    -------
    list of HeadlineRow
    """
    t = Messages(lang or result.project.lang)
    p = total_row(result)
    rows: list[HeadlineRow] = []

    def add(key: str, text: str, **values) -> None:
        rows.append(HeadlineRow(key, t(f"headline.{key}"), text, values))

    def count_pct(column: str) -> str:
        return t("headline.count_pct", n=t.number(p[column]), pct=t.pct(p[f"pct_{column[9:]}"]))

    provinces = len(result.summaries.province)
    if provinces > 1:
        add("provinces", t("headline.provinces_value", n=t.number(provinces)))
    add("province" if provinces == 1 else "total",
        str(result.summaries.province["province"].iloc[0]) if provinces == 1 else result.project.name)
    add("counts", f"{t.number(p['communes'])} / {t.number(p['villages'])} / "
                  f"{t.number(p['population'])}", communes=p["communes"], villages=p["villages"],
        population=p["population"])  # fmt: skip
    for cls in ("none", "weak", "good"):
        add(cls, count_pct(f"villages_{cls}"), **{f"villages_{cls}": p[f"villages_{cls}"],
                                                  f"pct_{cls}": p[f"pct_{cls}"]})  # fmt: skip
    if p["villages_unclassified"]:
        add("unclassified", t.number(p["villages_unclassified"]),
            villages_unclassified=p["villages_unclassified"])  # fmt: skip
    if "centers_covered" in p:
        add("centres", t("headline.of", part=t.number(p["centers_covered"]),
                         whole=t.number(p["communes"])),
            centers_covered=p["centers_covered"], communes=p["communes"])  # fmt: skip
    if "post_points" in p:
        add("posts", t.number(p["post_points"]), post_points=p["post_points"])
        if "service_radius_km" in p:
            add("radius", f"{t.number(p['service_radius_km'], 3)} km",
                service_radius_km=p["service_radius_km"])  # fmt: skip
        add("ppp", t.number(p["people_per_post"]), people_per_post=p["people_per_post"])
        add("cpo", t("headline.of", part=t.number(p["communes_with_commune_post_office"]),
                     whole=t.number(p["communes"])),
            communes_with_commune_post_office=p["communes_with_commune_post_office"],
            communes=p["communes"])  # fmt: skip
    if "villages_no_broadband" in p:
        add("nobb", count_pct("villages_no_broadband"),
            villages_no_broadband=p["villages_no_broadband"], pct_no_broadband=p["pct_no_broadband"])  # fmt: skip
    return rows


def headline_text(rows: list[HeadlineRow]) -> str:
    """The headline as a two-column text table."""
    width = max(len(r.label) for r in rows)
    return "\n".join(f"  {r.label:<{width}}  {r.text}" for r in rows)
