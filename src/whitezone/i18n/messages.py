"""Looking texts up in the catalogue, alone or bound to a language."""

from __future__ import annotations

from .catalogue import MESSAGES
from .formats import format_number, format_pct, format_short, is_missing

__all__ = ["LANGS", "Messages", "message", "value_label"]

#: The languages whitezone writes.
LANGS: tuple[str, ...] = ("vi", "en")


def message(key: str, lang: str, **fields) -> str:
    """The text ``key`` of the catalogue in ``lang``, its ``{fields}`` filled.

    Parameters
    ----------
    key : str
        A catalogue key such as ``"report.title"``.
    lang : {"vi", "en"}
    **fields
        Values of the text's ``{name}`` fields (extra ones are ignored).

    Raises
    ------
    KeyError
        The key is not in the catalogue (a bug: every text has an entry).

    Examples
    --------
    >>> message("headline.of", "vi", part=127, whole=130)
    '127/130'
    >>> message("headline.of", "en", part=127, whole=130)
    '127 of 130'
    """
    vi, en = MESSAGES[key]
    text = vi if lang == "vi" else en
    return text.format(**fields) if fields else text


def value_label(value, lang: str):
    """The name of a coded value (class, kind, layer, repair, placeholder); others unchanged.

    Examples
    --------
    >>> value_label("none", "vi"), value_label("(no commune)", "en")
    ('Chưa có sóng', '(outside every commune)')
    """
    if isinstance(value, str) and f"value.{value}" in MESSAGES:
        return message(f"value.{value}", lang)
    return value


class Messages:
    """The catalogue and the number formats bound to one language.

    Examples
    --------
    >>> t = Messages("vi")
    >>> t("map.legend"), t.number(1234.5, 1), t.count(2, "noun.village")
    ('Sóng tại thôn, bản', '1.234,5', '2 thôn, bản')
    >>> Messages("en").count(1, "noun.village"), Messages("en").verb(2, "verb.has")
    ('1 village', 'have')
    """

    def __init__(self, lang: str):
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}; expected one of {LANGS}")
        self.lang = lang

    def __call__(self, key: str, **fields) -> str:
        return message(key, self.lang, **fields)

    def has(self, key: str) -> bool:
        """Whether the catalogue has ``key``."""
        return key in MESSAGES

    def value(self, value):
        """:func:`value_label` in this language."""
        return value_label(value, self.lang)

    def number(self, value, decimals: int = 0) -> str:
        """:func:`~whitezone.i18n.formats.format_number` in this language."""
        return format_number(value, self.lang, decimals)

    def pct(self, value) -> str:
        """:func:`~whitezone.i18n.formats.format_pct` in this language."""
        return format_pct(value, self.lang)

    def short(self, value) -> str:
        """:func:`~whitezone.i18n.formats.format_short` in this language."""
        return format_short(value, self.lang)

    def form(self, n, key: str, **fields) -> str:
        """The form of a ``"singular|plural"`` text that goes with the count ``n``."""
        forms = self(key, **fields).split("|")
        one = not is_missing(n) and float(n) == 1
        return forms[0] if one or len(forms) == 1 else forms[1]

    def count(self, n, key: str, **fields) -> str:
        """``n`` formatted, then the noun ``key`` in the form that goes with it: ``2 villages``."""
        return f"{self.number(n)} {self.form(n, key, **fields)}"

    def verb(self, n, key: str) -> str:
        """The verb ``key`` agreeing with ``n`` things (English ``has``/``have``)."""
        return self.form(n, key)
