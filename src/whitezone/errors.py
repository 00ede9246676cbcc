"""Exceptions and warnings raised by whitezone.

The family is small on purpose:

* :class:`WhitezoneError` — the base of everything whitezone raises on purpose.
* :class:`InputError` — the user's data or project file is wrong.  It carries
  every :class:`Problem` found in a layer so a user fixes them all in one go
  (the CLI prints them and exits with status 2).
* :class:`MissingExtraError` — an optional feature was asked for whose
  package is not installed; the message gives the ``pip install`` that fixes
  it (the CLI exits with status 2, as for bad input).
* :class:`RepairWarning` — a safe, documented repair was made to the input
  (an invalid ring fixed with ``make_valid``, swapped lon/lat, a village placed
  in its commune by a spatial join).  Repairs are also counted in the run's
  report, so nothing is changed silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "InputError",
    "MissingExtraError",
    "ModelValidityWarning",
    "Problem",
    "RepairWarning",
    "WhitezoneError",
    "WhitezoneWarning",
]

#: Problems shown in one message before the rest are summarised as "... and N more".
MAX_SHOWN = 25


class WhitezoneError(Exception):
    """Base class of the errors whitezone raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is and what was expected.

    Parameters
    ----------
    source : str
        The file (or project setting) the problem is in.
    message : str
        What was found and what was expected, e.g.
        ``"expected a latitude between -90 and 90, got '210.5'"``.
    row : str, optional
        Where in the file: ``"row 14"`` (CSV line or Excel row) or ``"feature 3"``.
    column : str, optional
        The column as the user named it in their file.
    """

    source: str
    message: str
    row: str | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = [self.source]
        if self.row:
            where.append(self.row)
        if self.column:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.message}"


class InputError(WhitezoneError, ValueError):
    """The input data or the project file is not what whitezone expects.

    Parameters
    ----------
    problems : str, Problem or iterable of Problem
        Everything wrong that was found; all of it is shown in the message.
    """

    def __init__(self, problems: str | Problem | Iterable[Problem]):
        if isinstance(problems, str):
            problems = [Problem(source="input", message=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__(self._format())

    def _format(self) -> str:
        lines = [str(p) for p in self.problems[:MAX_SHOWN]]
        hidden = len(self.problems) - MAX_SHOWN
        if hidden > 0:
            lines.append(f"... and {hidden} more problem(s) of the same kind")
        if len(lines) == 1:
            return lines[0]
        return f"{len(self.problems)} problems in the input:\n  " + "\n  ".join(lines)


class MissingExtraError(WhitezoneError, ImportError):
    """An optional feature needs a package that is not installed.

    The message is the ``pip install`` command that fixes it, e.g.
    ``pip install 'whitezone[dask]'``.
    """


class WhitezoneWarning(UserWarning):
    """Base class of whitezone's warnings."""


class RepairWarning(WhitezoneWarning):
    """A documented, safe repair was made to the input data."""


class ModelValidityWarning(WhitezoneWarning):
    """A model is used outside the range its authors validated it for.

    The value is still computed (by the same formula), never silently: the
    message names the model, the valid range and how many inputs fall out.
    """


def known_names(names, *, limit: int = 30) -> str:
    """Names a user may choose from, sorted, for a message: ``A, B, C ... (120 in all)``."""
    names = sorted({str(n) for n in names})
    if not names:
        return "none"
    shown = ", ".join(names[:limit])
    return shown + (f" ... ({len(names)} in all)" if len(names) > limit else "")


class Problems:
    """Collect the problems of one layer and raise them together.

    Validation never stops at the first bad row: a user fixing an Excel sheet
    wants every bad cell listed at once (like osmnx's ``_validate``).
    """

    def __init__(self, source: str):
        self.source = source
        self.items: list[Problem] = []

    def add(self, message: str, *, row: str | None = None, column: str | None = None) -> None:
        self.items.append(Problem(self.source, message, row=row, column=column))

    def add_rows(self, rows: Iterable[str], message: str, *, column: str | None = None) -> None:
        for row in rows:
            self.add(message, row=row, column=column)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise InputError(self.items)
