"""Vietnamese and English: the one message catalogue, and numbers as each language writes them.

Every text a reader sees — the report, the workbook, the maps, what the
command line prints — comes from :data:`~whitezone.i18n.catalogue.MESSAGES`
through :func:`message` (or a :class:`Messages` bound to a language).
Numbers follow the language too: Vietnamese writes ``1.234,5`` (a dot
between thousands, a comma before the decimals, as the provincial reports
do: "3.018 người/1 điểm", "chiếm 2,0%"), English ``1,234.5``.

Modules: :mod:`.catalogue` (the texts), :mod:`.formats` (numbers),
:mod:`.headers` (column labels and report headers), :mod:`.collate`
(Vietnamese alphabetical order).
"""

from __future__ import annotations

from .catalogue import MESSAGES
from .collate import vi_sort_key
from .formats import (
    DECIMALS,
    MISSING,
    column_kind,
    format_bool,
    format_cell,
    format_number,
    format_pct,
    format_short,
    is_missing,
)
from .headers import TECH_SUFFIX, column_label, column_labels, header
from .messages import LANGS, Messages, message, value_label

__all__ = [
    "DECIMALS",
    "LANGS",
    "MESSAGES",
    "MISSING",
    "TECH_SUFFIX",
    "Messages",
    "column_kind",
    "column_label",
    "column_labels",
    "format_bool",
    "format_cell",
    "format_number",
    "format_pct",
    "format_short",
    "header",
    "is_missing",
    "message",
    "value_label",
    "vi_sort_key",
]
