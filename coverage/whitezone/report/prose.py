"""The summary paragraph, written from the numbers as a provincial report words them.

Modelled on the reports in ``seeds/``: "vẫn còn 30 thôn, bản chưa có sóng
thông tin di động (chiếm 2,0%); 128 thôn, bản đã được phủ sóng nhưng sóng
yếu, chưa đảm bảo chất lượng dịch vụ (chiếm 8,9%)", "114/125 xã có điểm
BĐ-VHX; bán kính phục vụ bình quân 2,381 km/1 điểm, số dân phục vụ là 3.018
người/1 điểm", "340/465 trường". Every number is the province row of the
indicator tables (``summary_province.csv``), so the prose and the tables agree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .numbers import format_number, format_pct, is_missing
from .tables import total_row

if TYPE_CHECKING:  # pragma: no cover
    from ..pipeline import Result

__all__ = ["summary_sentences"]

_KINDS_VI = {"school": "trường học", "health station": "trạm y tế",
             "commune office": "trụ sở UBND xã", "kindergarten": "trường mầm non"}  # fmt: skip
_KINDS_EN = {"school": ("school", "schools"),
             "health station": ("health station", "health stations"),
             "commune office": ("commune office", "commune offices"),
             "kindergarten": ("kindergarten", "kindergartens")}  # fmt: skip


def _en(count, singular: str, plural: str | None = None) -> str:
    """``1 village`` / ``2 villages`` with the count formatted."""
    word = singular if count == 1 else (plural or singular + "s")
    return f"{format_number(count, 'en')} {word}"


def _has(count) -> str:
    return "has" if count == 1 else "have"


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
    lang = result.project.lang
    t = total_row(result)
    n = lambda key: format_number(t.get(key), lang)  # noqa: E731
    pct = lambda key: format_pct(t.get(key), lang)  # noqa: E731
    vi = lang == "vi"
    out = []
    unclassified = int(t["villages_unclassified"])
    if vi:
        text = (f"Toàn tỉnh có {n('villages_none')} thôn, bản chưa có sóng thông tin di động "
                f"(chiếm {pct('pct_none')}); {n('villages_weak')} thôn, bản đã có sóng nhưng sóng "
                f"yếu, chưa đảm bảo chất lượng dịch vụ (chiếm {pct('pct_weak')})")  # fmt: skip
        if unclassified:
            text += (f"; {n('villages_unclassified')} thôn, bản chưa xác định được sóng do thiếu "
                     f"vị trí (chiếm {pct('pct_unclassified')})")  # fmt: skip
        if _value(t, "centers_covered") is not None:
            text += (f"; {n('centers_covered')}/{n('communes')} trung tâm xã có sóng thông tin di "
                     f"động (đạt {pct('pct_centers_covered')})")  # fmt: skip
        text += (f". Tỷ lệ tính trên tổng số {n('villages')} thôn, bản của {n('communes')} xã, "
                 f"phường, thị trấn")  # fmt: skip
        if _value(t, "pct_area_covered") is not None:
            text += f"; diện tích có sóng chiếm {pct('pct_area_covered')} diện tích tự nhiên"
        out.append(text + ".")
    else:
        text = (f"Across the province, {_en(t['villages_none'], 'village')} "
                f"{_has(t['villages_none'])} no mobile signal ({pct('pct_none')}); "
                f"{_en(t['villages_weak'], 'village')} {_has(t['villages_weak'])} signal but it is "
                f"weak ({pct('pct_weak')})")  # fmt: skip
        if unclassified:
            text += (f"; {_en(unclassified, 'village')} could not be classified "
                     f"({pct('pct_unclassified')})")  # fmt: skip
        if _value(t, "centers_covered") is not None:
            text += (f"; {n('centers_covered')} of {_en(t['communes'], 'commune centre')} "
                     f"{_has(t['centers_covered'])} signal ({pct('pct_centers_covered')})")
        text += f". Percentages are of all {_en(t['villages'], 'village')} in " \
                f"{_en(t['communes'], 'commune')}"  # fmt: skip
        if _value(t, "pct_area_covered") is not None:
            text += f"; {pct('pct_area_covered')} of the area has signal"
        out.append(text + ".")
    if _value(t, "sites") is not None:
        techs = ", ".join(
            (f"{n(f'site_technologies_{x.lower()}')} trạm {x}" if vi else
             f"{n(f'site_technologies_{x.lower()}')} {x}")
            for x in result.technologies if f"site_technologies_{x.lower()}" in t)  # fmt: skip
        out.append(f"Trên địa bàn có {n('sites')} vị trí trạm BTS đang hoạt động với "
                   f"{n('site_technologies')} trạm BTS theo công nghệ ({techs})." if vi else
                   f"The province has {_en(t['sites'], 'active cell site')} carrying "
                   f"{_en(t['site_technologies'], 'site-technology', 'site-technologies')} "
                   f"({techs}).")  # fmt: skip
    if _value(t, "post_points"):
        r = format_number(t.get("service_radius_km"), lang, 3)
        ppp = format_number(t.get("people_per_post"), lang)
        beyond = _value(t, "villages_beyond_service_radius")
        if vi:
            text = (f"Tổng số điểm phục vụ bưu chính là {n('post_points')} điểm, trong đó có "
                    f"{n('communes_with_commune_post_office')}/{n('communes')} xã có điểm BĐ-VHX; "
                    f"bán kính phục vụ bình quân {r} km/1 điểm, số dân phục vụ bình quân {ppp} "
                    f"người/1 điểm")  # fmt: skip
            if beyond is not None:
                text += (f"; {n('villages_beyond_service_radius')} thôn, bản cách điểm phục vụ "
                         f"bưu chính gần nhất xa hơn bán kính này (chiếm "
                         f"{pct('pct_beyond_service_radius')})")  # fmt: skip
        else:
            text = (f"The province has {_en(t['post_points'], 'postal point')}; "
                    f"{n('communes_with_commune_post_office')} of {_en(t['communes'], 'commune')} "
                    f"{_has(t['communes_with_commune_post_office'])} a commune post office "
                    f"(BĐ-VHX); the average service radius is {r} km "
                    f"and a point serves {ppp} people on average")  # fmt: skip
            if beyond is not None:
                text += (f"; {_en(beyond, 'village')} {'is' if beyond == 1 else 'are'} farther "
                         f"than this radius from the nearest point "
                         f"({pct('pct_beyond_service_radius')})")  # fmt: skip
        out.append(text + ".")
    if _value(t, "villages_no_broadband") is not None:
        if vi:
            text = (f"Còn {n('villages_no_broadband')} thôn, bản chưa có dịch vụ truy nhập "
                    f"Internet băng rộng cố định mặt đất (chiếm {pct('pct_no_broadband')})")
            if _value(t, "communes_with_broadband") is not None:
                text += (f"; {n('communes_with_broadband')}/{n('communes')} xã có Internet băng "
                         f"rộng cố định tại trung tâm xã")  # fmt: skip
        else:
            nb = t["villages_no_broadband"]
            text = (f"Fixed broadband: {_en(nb, 'village')} {_has(nb)} none "
                    f"({pct('pct_no_broadband')})")  # fmt: skip
            if _value(t, "communes_with_broadband") is not None:
                text += (f"; {n('communes_with_broadband')} of {_en(t['communes'], 'commune')} "
                         f"{_has(t['communes_with_broadband'])} it at the commune centre")
        out.append(text + ".")
    pois = result.summaries.pois
    if pois is not None and (pois["level"] == "province").any():
        rows = pois[pois["level"] == "province"].groupby("kind", sort=True)[
            ["pois", "pois_covered", "pois_broadband"]].sum()  # fmt: skip
        parts = []
        for kind, r in rows.iterrows():
            total, cov, bb = (format_number(r[c], lang) for c in ("pois", "pois_covered",
                                                                  "pois_broadband"))  # fmt: skip
            share = format_pct(100.0 * r["pois_broadband"] / r["pois"] if r["pois"] else None, lang)
            if vi:
                name = _KINDS_VI.get(kind, f"điểm loại “{kind}”")
                parts.append(f"{cov}/{total} {name} có sóng thông tin di động, {bb}/{total} {name} "
                             f"có Internet băng rộng cố định ({share})")  # fmt: skip
            else:
                one, many = _KINDS_EN.get(kind, (f"“{kind}” point", f"“{kind}” points"))
                parts.append(f"{cov} of {_en(r['pois'], one, many)} {_has(r['pois_covered'])} "
                             f"mobile signal and {bb} ({share}) {_has(r['pois_broadband'])} fixed "
                             "broadband")  # fmt: skip
        text = "; ".join(parts)
        out.append(("Điểm công cộng: " if vi else "Points of interest: ") + text + ".")
    return out
