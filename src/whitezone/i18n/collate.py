"""Sorting names the way a Vietnamese list sorts them.

Python's default order puts "Đ" after "Z" and "Ẳng" after every plain
letter.  :func:`vi_sort_key` follows the Vietnamese alphabet
(a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y, with f j w z
in their Latin places) and compares tone marks only to break ties, in
dictionary order (ngang, huyền, hỏi, ngã, sắc, nặng).  Administrative
prefixes (Xã, Phường, Thị trấn, Huyện, Thị xã, Thành phố, Quận) are ignored
first, so "Thị trấn Nậm Xuân" sorts among the N's.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["vi_sort_key"]

_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK = {ch: i for i, ch in enumerate(_ALPHABET)}
_LETTER_MARKS = {"\u0306": "\u0306", "\u0302": "\u0302", "\u031b": "\u031b"}
_MODIFIED = {("a", "\u0306"): "ă", ("a", "\u0302"): "â", ("e", "\u0302"): "ê",
             ("o", "\u0302"): "ô", ("o", "\u031b"): "ơ", ("u", "\u031b"): "ư"}  # fmt: skip
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_PREFIX = re.compile(r"^(xã|phường|thị trấn|thị xã|thành phố|huyện|quận|tp\.?)\s+", re.IGNORECASE)


def _letters(text: str) -> tuple[list[tuple[int, int]], list[int]]:
    primary: list[tuple[int, int]] = []
    chars: list[str] = []
    tones: list[int] = []
    for ch in unicodedata.normalize("NFD", text.casefold()):
        if ch in _TONES and tones:
            tones[-1] = _TONES[ch]
        elif ch in _LETTER_MARKS and chars:
            chars[-1] = _MODIFIED.get((chars[-1], ch), chars[-1])
        elif unicodedata.combining(ch):
            continue
        else:
            chars.append(ch)
            tones.append(0)
    for ch in chars:
        primary.append((1, _RANK[ch]) if ch in _RANK else (0, ord(ch)))
    return primary, tones


def vi_sort_key(name) -> tuple:
    """A sort key for a Vietnamese place name (any text; None sorts last).

    Examples
    --------
    >>> sorted(["Xã Đồng", "Xã Dương", "Thị trấn Ẳng", "Xã An", "Xã Zơ"], key=vi_sort_key)
    ['Xã An', 'Thị trấn Ẳng', 'Xã Dương', 'Xã Đồng', 'Xã Zơ']
    """
    if name is None or not isinstance(name, str):
        return (1, (), (), "")
    bare = _PREFIX.sub("", name.strip())
    primary, tones = _letters(bare)
    return (0, tuple(primary), tuple(tones), name)
