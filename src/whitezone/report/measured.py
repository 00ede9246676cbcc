"""The validation of a model as a page: figures and tables, self-contained, vi/en.

:func:`validation_figures` draws, from a :class:`~whitezone.result.Validation`,
the predicted-against-measured density, the error against distance, the
error's histogram and a map of the errors (a map of class agreement for a
model without a signal); :func:`validation_html` and :func:`validation_tables`
(the summary, the confusion matrix) the HTML of
:func:`validation_section`, which ``validation.html``
(:func:`whitezone.report.html.validation_html`) and the report's section VII
show.
"""

from __future__ import annotations

import base64
import io
from html import escape

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from ..classes import CLASSES
from ..i18n import Messages, message
from ..result import Validation

__all__ = ["validation_figures", "validation_section", "validation_tables"]

#: Colour range of the error map (dB): beyond it the colour saturates.
ERROR_RANGE_DB = 20.0


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return buffer.getvalue()


def _axes(width: float = 6.0, height: float = 4.6):
    fig = Figure(figsize=(width, height), dpi=100)
    return fig, fig.add_subplot(1, 1, 1)


def _decimal(ax, t: Messages) -> None:
    """Tick labels with the language's decimal mark."""
    for axis in (ax.xaxis, ax.yaxis):
        if axis.get_scale() == "linear":
            axis.set_major_formatter(FuncFormatter(lambda v, _: t.short(v)))


def validation_figures(validation: Validation, lang: str, *,
                       communes: gpd.GeoDataFrame | None = None) -> dict[str, bytes]:  # fmt: skip
    """The figures of a validation as PNG bytes: ``scatter``, ``distance``, ``histogram``, ``map``.

    Without a signal (radius model) only ``map`` is drawn, by class agreement.
    """
    t = Messages(lang)
    p = validation.points
    figures: dict[str, bytes] = {}
    known = np.isfinite(p["error_db"].to_numpy(dtype=float))
    if validation.yields_dbm and known.any():
        q = p[known]
        fig, ax = _axes()
        lo = float(min(q["measured_dbm"].min(), q["predicted_dbm"].min()))
        hi = float(max(q["measured_dbm"].max(), q["predicted_dbm"].max()))
        art = ax.hexbin(q["measured_dbm"], q["predicted_dbm"], gridsize=45, mincnt=1, cmap="viridis",
                        norm=LogNorm(), extent=(lo, hi, lo, hi))  # fmt: skip
        ax.plot([lo, hi], [lo, hi], color="#d7191c", linewidth=1)
        fig.colorbar(art, ax=ax, label=t("validation.count"))
        ax.set_xlabel(t("validation.measured_dbm"))
        ax.set_ylabel(t("validation.predicted_dbm"))
        _decimal(ax, t)
        figures["scatter"] = _png(fig)

        fig, ax = _axes()
        d = np.maximum(q["distance_km"].to_numpy(dtype=float), 0.01)
        e = q["error_db"].to_numpy(dtype=float)
        ax.hexbin(d, e, gridsize=45, mincnt=1, cmap="viridis", norm=LogNorm(), xscale="log")
        bins = np.logspace(np.log10(d.min()), np.log10(d.max()) + 1e-9, 13)
        which = np.digitize(d, bins)
        centres = np.sqrt(bins[:-1] * bins[1:])
        medians = [np.median(e[which == i]) if (which == i).sum() >= 5 else np.nan
                   for i in range(1, len(bins))]  # fmt: skip
        ax.plot(centres, medians, color="#d7191c", marker="o", label=t("validation.median"))
        ax.axhline(0.0, color="black", linewidth=0.8)
        ax.set_xlabel(t("validation.distance_km"))
        ax.set_ylabel(t("validation.error_db"))
        ax.legend(loc="upper right")
        _decimal(ax, t)
        figures["distance"] = _png(fig)

        fig, ax = _axes()
        ax.hist(e, bins=50, density=True, color="#4575b4", alpha=0.8)
        mean, sd = float(e.mean()), float(e.std(ddof=1)) if len(e) > 1 else 1.0
        xs = np.linspace(e.min(), e.max(), 200)
        ax.plot(xs, np.exp(-0.5 * ((xs - mean) / sd) ** 2) / (sd * np.sqrt(2 * np.pi)),
                color="#d7191c", label=t("validation.normal"))  # fmt: skip
        ax.axvline(0.0, color="black", linewidth=0.8)
        ax.set_xlabel(t("validation.error_db"))
        ax.legend(loc="upper right")
        _decimal(ax, t)
        figures["histogram"] = _png(fig)

    fig, ax = _axes(6.5, 6.5)
    ax.set_axis_off()
    ax.set_aspect("equal")
    if communes is not None:
        communes.boundary.plot(ax=ax, color="#999999", linewidth=0.4)
    x, y = p.geometry.x.to_numpy(), p.geometry.y.to_numpy()
    if validation.yields_dbm and known.any():
        art = ax.scatter(x[known], y[known], c=p["error_db"].to_numpy()[known], s=4, cmap="RdBu_r",
                         vmin=-ERROR_RANGE_DB, vmax=ERROR_RANGE_DB)  # fmt: skip
        fig.colorbar(art, ax=ax, shrink=0.7, label=t("validation.error_db"))
    else:
        same = (p["measured_class"] == p["predicted_class"]).to_numpy()
        ax.scatter(x[same], y[same], s=4, color="#1a9641", label=t("validation.agree"))
        ax.scatter(x[~same], y[~same], s=6, color="#d7191c", label=t("validation.disagree"))
        ax.legend(loc="upper right")
    figures["map"] = _png(fig)
    return figures


def validation_tables(validation: Validation, lang: str) -> dict[str, pd.DataFrame]:
    """The summary (translated placeholders) and the confusion matrix (classes named)."""
    t = Messages(lang)
    summary = validation.summary.copy()
    for col in ("technology", "operator"):
        summary[col] = summary[col].map(lambda v: t.value("any") if v == "all" else v)
    if not validation.yields_dbm:
        summary = summary.drop(columns=[c for c in summary if c.endswith("_db") or c == "correlation"])
    confusion = validation.confusion.copy()
    confusion.index = [t.value(c) for c in CLASSES]
    confusion.columns = [t.value(c) for c in CLASSES]
    confusion = confusion.reset_index().rename(columns={"index": "measured"})
    return {"summary": summary, "confusion": confusion}


def _img(data: bytes, caption: str) -> str:
    uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    return (f"<figure class='map'><img src='{uri}' alt='{escape(caption, quote=True)}'>"
            f"<figcaption>{escape(caption)}</figcaption></figure>")  # fmt: skip


_FIGURE_TITLES = {"scatter": "f_scatter", "distance": "f_distance", "histogram": "f_histogram"}


def validation_section(validation: Validation, lang: str, *, figures: dict[str, bytes],
                       table_html, number=lambda kind: "") -> str:  # fmt: skip
    """The validation's tables and figures as HTML (``table_html(frame)`` renders a table)."""
    tables = validation_tables(validation, lang)
    parts = [f"<h3>{escape(number('table'))}{escape(message('report.t_validation', lang))}</h3>",
             table_html(tables["summary"]),
             "<p class='note'>" + escape(message("report.n_validation", lang)) + "</p>"]  # fmt: skip
    if not validation.yields_dbm:
        parts.append("<p class='note'>" + escape(message("report.n_validation_radius", lang)) + "</p>")
    parts += [f"<h3>{escape(number('table'))}{escape(message('report.t_confusion', lang))}</h3>",
              table_html(tables["confusion"])]  # fmt: skip
    for key, data in figures.items():
        title = _FIGURE_TITLES.get(key) or ("f_error_map" if validation.yields_dbm else "f_agreement_map")
        parts.append(_img(data, number("figure") + message(f"report.{title}", lang)))
    return "\n".join(parts)
