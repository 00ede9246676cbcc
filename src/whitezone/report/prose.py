"""The summary paragraph, written from the numbers as a provincial report words them.

Modelled on the reports in ``seeds/``: "vẫn còn 30 thôn, bản chưa có sóng
thông tin di động (chiếm 2,0%); 128 thôn, bản đã được phủ sóng nhưng sóng
yếu, chưa đảm bảo chất lượng dịch vụ (chiếm 8,9%)", "114/125 xã có điểm
BĐ-VHX; bán kính phục vụ bình quân 2,381 km/1 điểm, số dân phục vụ là 3.018
người/1 điểm", "340/465 trường". Every number is the province row of the
indicator tables (``summary_province.csv``), so the prose and the tables
agree.  The sentences are the catalogue's ``prose.*`` texts; only which of
them apply depends on the data.
"""

from __future__ import annotations

from ..i18n import Messages, is_missing
from ..result import Result
from .tables import total_row

__all__ = ["summary_sentences"]


def _value(row, key):
    value = row.get(key)
    return None if is_missing(value) else value


def summary_sentences(result: Result) -> list[str]:
    """The summary, one sentence per subject, as plain text (escape before HTML).

    Parameters
    ----------
    result : Result

    Returns
    -------
    list of str
        Mobile, sites, postal, broadband and points of interest, each only
        when its data were given.
    """
    t = Messages(result.project.lang)
    row = total_row(result)
    n = lambda key: t.number(row.get(key))  # noqa: E731
    pct = lambda key: t.pct(row.get(key))  # noqa: E731
    villages = lambda key: t.count(row[key], "noun.village")  # noqa: E731
    has = lambda key: t.verb(row[key], "verb.has")  # noqa: E731
    communes_all = t.count(row["communes"], "noun.commune")
    out = []

    text = t("prose.mobile", none_villages=villages("villages_none"), none_has=has("villages_none"),
             pct_none=pct("pct_none"), weak_villages=villages("villages_weak"),
             weak_has=has("villages_weak"), pct_weak=pct("pct_weak"))  # fmt: skip
    if int(row["villages_unclassified"]):
        text += t("prose.unclassified", unclassified_villages=villages("villages_unclassified"),
                  pct_unclassified=pct("pct_unclassified"))  # fmt: skip
    if _value(row, "centers_covered") is not None:
        text += t("prose.centres", centres=n("centers_covered"), communes=n("communes"),
                  communes_centres=t.count(row["communes"], "noun.commune_centre"),
                  centres_has=has("centers_covered"), pct_centres=pct("pct_centers_covered"))  # fmt: skip
    text += t("prose.of_all", villages_all=villages("villages"), communes=n("communes"),
              communes_all=communes_all)  # fmt: skip
    if _value(row, "pct_area_covered") is not None:
        text += t("prose.area", pct_area=pct("pct_area_covered"))
    out.append(text + ".")

    if _value(row, "sites") is not None:
        techs = ", ".join(t("prose.tech_sites", n=n(f"site_technologies_{x.lower()}"), tech=x)
                          for x in result.technologies if f"site_technologies_{x.lower()}" in row)  # fmt: skip
        out.append(t("prose.sites", sites=n("sites"), site_techs=n("site_technologies"),
                     sites_all=t.count(row["sites"], "noun.active_site"),
                     site_techs_all=t.count(row["site_technologies"], "noun.site_technology"),
                     techs=techs))  # fmt: skip

    if _value(row, "post_points"):
        text = t("prose.postal", posts=n("post_points"),
                 posts_all=t.count(row["post_points"], "noun.postal_point"),
                 cpo=n("communes_with_commune_post_office"), communes=n("communes"),
                 communes_all=communes_all, cpo_has=has("communes_with_commune_post_office"),
                 radius=t.number(row.get("service_radius_km"), 3), ppp=n("people_per_post"))  # fmt: skip
        if _value(row, "villages_beyond_service_radius") is not None:
            text += t("prose.beyond", beyond_villages=villages("villages_beyond_service_radius"),
                      beyond_is=t.verb(row["villages_beyond_service_radius"], "verb.is"),
                      pct_beyond=pct("pct_beyond_service_radius"))  # fmt: skip
        out.append(text + ".")

    if _value(row, "villages_no_broadband") is not None:
        text = t("prose.broadband", nobb_villages=villages("villages_no_broadband"),
                 nobb_has=has("villages_no_broadband"), pct_nobb=pct("pct_no_broadband"))  # fmt: skip
        if _value(row, "communes_with_broadband") is not None:
            text += t("prose.broadband_communes", bb_communes=n("communes_with_broadband"),
                      communes=n("communes"), communes_all=communes_all,
                      bb_has=has("communes_with_broadband"))  # fmt: skip
        out.append(text + ".")

    pois = result.summaries.pois
    if pois is not None and (pois["level"] == "province").any():
        rows = pois[pois["level"] == "province"].groupby("kind", sort=True)[
            ["pois", "pois_covered", "pois_broadband"]].sum()  # fmt: skip
        parts = []
        for kind, r in rows.iterrows():
            noun = f"noun.kind.{kind}" if t.has(f"noun.kind.{kind}") else "noun.kind_other"
            share = 100.0 * r["pois_broadband"] / r["pois"] if r["pois"] else None
            parts.append(t("prose.poi_kind", covered=t.number(r["pois_covered"]),
                           broadband=t.number(r["pois_broadband"]), total=t.number(r["pois"]),
                           kind=t.form(1, noun, kind=kind),
                           total_kind=t.count(r["pois"], noun, kind=kind),
                           covered_has=t.verb(r["pois_covered"], "verb.has"),
                           broadband_has=t.verb(r["pois_broadband"], "verb.has"),
                           share=t.pct(share)))  # fmt: skip
        out.append(t("prose.pois", parts="; ".join(parts)))
    return out
