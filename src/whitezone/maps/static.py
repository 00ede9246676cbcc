"""Static maps (PNG, matplotlib) for the printed report.

Two figures a provincial report carries: the villages with no or weak mobile
signal over the communes shaded by their share of villages without signal,
and the postal map — postal points, their average service radius and the
villages beyond it.  Drawn in the run's metric CRS so distances look right,
with a scale bar; rendered off-screen (Agg) into PNG bytes.
"""

from __future__ import annotations

import io

import geopandas as gpd
import numpy as np
from matplotlib.figure import Figure

from ..i18n import Messages
from ..result import Result
from . import CLASS_COLORS

__all__ = ["static_maps"]


def _figure():
    fig = Figure(figsize=(8.0, 8.0), dpi=110)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_axis_off()
    ax.set_aspect("equal")
    return fig, ax


def _scale_bar(ax, bounds, t: Messages) -> None:
    minx, miny, maxx, maxy = bounds
    width = maxx - minx
    length = 10 ** np.floor(np.log10(width / 4))
    length *= 5 if width / length > 20 else 2 if width / length > 8 else 1
    x0, y0 = minx + width * 0.05, miny + (maxy - miny) * 0.04
    ax.plot([x0, x0 + length], [y0, y0], color="black", linewidth=3)
    ax.text(x0 + length / 2, y0 + (maxy - miny) * 0.012, f"{t.short(length / 1000)} km",
            ha="center", va="bottom", fontsize=9)  # fmt: skip


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def static_maps(result: Result, *, lang: str | None = None) -> dict[str, bytes]:
    """The report's figures as PNG bytes.

    Parameters
    ----------
    result : Result
    lang : {"vi", "en"}, optional

    Returns
    -------
    dict
        ``"mobile"`` always, ``"postal"`` when there are postal points.
    """
    t = Messages(lang or result.project.lang)
    crs = result.layers.crs
    communes = result.communes.to_crs(crs)
    villages = result.villages.to_crs(crs)
    villages = villages[~(villages.geometry.isna() | villages.geometry.is_empty)]
    bounds = communes.total_bounds
    figures = {}

    fig, ax = _figure()
    communes.plot(ax=ax, column=communes["pct_none"].fillna(0.0), cmap="Reds", vmin=0,
                  edgecolor="#777777", linewidth=0.4, legend=True,
                  legend_kwds={"label": t("map.layer_pct_none"), "shrink": 0.6})  # fmt: skip
    good = villages[villages["class_any"] == "good"]
    ax.scatter(good.geometry.x, good.geometry.y, s=2, color="#bbbbbb", zorder=2)
    for cls in ("weak", "none"):
        part = villages[villages["class_any"] == cls]
        ax.scatter(part.geometry.x, part.geometry.y, s=16 if cls == "none" else 9, zorder=3,
                   color=CLASS_COLORS[cls], edgecolor="black", linewidth=0.3,
                   label=f"{t('map.' + cls)} ({len(part)})")  # fmt: skip
    ax.legend(loc="upper right", fontsize=9, frameon=True)
    ax.set_title(f"{t('map.static_mobile')} — {result.project.name}", fontsize=11)
    _scale_bar(ax, bounds, t)
    figures["mobile"] = _png(fig)

    posts = result.layers.post_offices
    if posts is not None and len(posts) and result.service_radius_km is not None:
        radius_m = float(result.service_radius_km) * 1000.0
        posts_m = posts.to_crs(crs)
        fig, ax = _figure()
        communes.plot(ax=ax, color="#f7f7f7", edgecolor="#999999", linewidth=0.4)
        gpd.GeoSeries([posts_m.geometry.buffer(radius_m).union_all()], crs=crs).plot(
            ax=ax, color="#1f4e79", alpha=0.12, zorder=2)
        far = villages["post_distance_km"] * 1000.0 > radius_m if "post_distance_km" in villages \
            else np.zeros(len(villages), dtype=bool)  # fmt: skip
        ax.scatter(villages.geometry.x[~far], villages.geometry.y[~far], s=2, color="#bbbbbb", zorder=3)
        ax.scatter(villages.geometry.x[far], villages.geometry.y[far], s=10, color="#d95f02",
                   zorder=4, label=f"{t('map.beyond_radius')} ({int(far.sum())})")  # fmt: skip
        ax.scatter(posts_m.geometry.x, posts_m.geometry.y, s=18, marker="s", color="#1f4e79",
                   zorder=5, label=f"{t('map.post_point')} ({len(posts_m)})")  # fmt: skip
        ax.legend(loc="upper right", fontsize=9, frameon=True)
        ax.set_title(f"{t('map.static_postal')} (R = {t.number(radius_m / 1000, 2)} km)", fontsize=11)
        _scale_bar(ax, bounds, t)
        figures["postal"] = _png(fig)
    return figures
