"""Text folding shared by the search and the register's derived search text, and how values are written
in problem messages.

The search folding (:func:`normalise`, :func:`search_forms`, :func:`haystack`) lives here, below
:mod:`portfolio.register` (which stores each row's haystacks as a derived column at load) and
:mod:`portfolio.query` (which matches queries against them); ``portfolio.query`` re-exports the names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Final


def compact_number(value: float) -> str:
    """``value`` as it is usually written (``105.8436``, ``593605.2``), or in 6 significant digits
    (``1e+300``, ``105.777``) when that is longer than 12 characters: messages stay one short line."""
    text = repr(float(value))
    return text if len(text) <= 12 else f"{value:.6g}"


#: Register columns the free-text search looks in.
SEARCH_COLUMNS: Final[tuple[str, ...]] = (
    "id",
    "name_vi",
    "name_en",
    "location_vi",
    "owner",
    "owner_current",
    "notes",
)

#: Abbreviations used in Vietnamese planning documents, in normalised form (lower case, no
#: diacritics): short -> long. Search text and queries are compared in both forms.
ABBREVIATIONS: Final[dict[str, str]] = {
    "dt": "duong tinh",
    "ql": "quoc lo",
    "dh": "duong huyen",
    "kcn": "khu cong nghiep",
    "ccn": "cum cong nghiep",
    "kdt": "khu do thi",
    "kdc": "khu dan cu",
    "tp": "thanh pho",
    "tx": "thi xa",
    "tt": "thi tran",
    "ubnd": "uy ban nhan dan",
    "hdnd": "hoi dong nhan dan",
    "gtvt": "giao thong van tai",
    "nsnn": "ngan sach nha nuoc",
    "bv": "benh vien",
    "dhqg": "dai hoc quoc gia",
    "bql": "ban quan ly",
    "nn ptnt": "nong nghiep va phat trien nong thon",
    "tnmt": "tai nguyen va moi truong",
}

#: Letters that Unicode decomposition leaves alone, folded to ASCII by hand (after lower-casing):
#: ``đ`` and its look-alikes ``ð`` (U+00F0, lower case of ``Ð`` U+00D0, which keyboards and PDF text
#: often give for ``Đ``) and ``ɖ`` (U+0256, lower case of ``Ɖ`` U+0189) → ``d``; and the Latin
#: letters of other languages with no decomposition (``ß`` → ``ss``, ``æ`` → ``ae``, ``œ`` → ``oe``,
#: ``ø`` → ``o``, ``ł`` → ``l``, dotless ``ı`` → ``i``).
_FOLD: Final[dict[int, str]] = str.maketrans(
    {
        "đ": "d",
        "ð": "d",
        "ɖ": "d",
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "ø": "o",
        "ł": "l",
        "ı": "i",
    }
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# letters then digits are split ("ĐT923" -> "dt 923"); digits then letters are not: QL91B is not QL91
_LETTER_DIGIT = re.compile(r"(?<=[a-z])(?=[0-9])")


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Lower-case ASCII words of ``text``: no diacritics, ``đ`` → ``d``, punctuation → space.

    ``Ð``/``ð`` (U+00D0/U+00F0, the usual look-alike of ``Đ``/``đ``) and ``Ɖ``/``ɖ`` fold to ``d``
    as well, and the few Latin letters Unicode does not decompose to ASCII (``ß``, ``æ``, ``œ``,
    ``ø``, ``ł``, ``ı``) are spelt out (:data:`_FOLD`). Any other character that is not a letter or a
    digit (dashes, quotes, symbols, other scripts) is a word break.

    Letters followed by digits are split (``"ĐT923"`` → ``"dt 923"``); digits followed by letters
    are kept together (``"QL91B"`` → ``"ql 91b"``: Quốc lộ 91B is another road than QL91).

    Parameters
    ----------
    text : str
        Any text, Vietnamese or English.

    Returns
    -------
    str
        Words separated by single spaces, e.g. ``normalise("Đường tỉnh 923") == "duong tinh 923"``.
    """
    decomposed = unicodedata.normalize("NFKD", text.lower())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    words = _NON_ALNUM.sub(" ", stripped.translate(_FOLD))
    return " ".join(_LETTER_DIGIT.sub(" ", words).split())


def _replace_phrases(text: str, table: Iterable[tuple[str, str]]) -> str:
    """Replace whole-word phrases of ``table`` in order; the pairs are given padded with spaces."""
    padded = f" {text} "
    for old, new in table:
        if old in padded:  # (a replace of an absent phrase is a no-op: skip it)
            padded = padded.replace(old, new)
            padded = padded.replace(old, new)  # overlapping neighbours
    return padded.strip()


def _padded(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((f" {old} ", f" {new} ") for old, new in sorted(pairs, key=lambda p: -len(p[0])))


_CONTRACT = _padded((long, short) for short, long in ABBREVIATIONS.items())
_EXPAND = _padded(ABBREVIATIONS.items())


@lru_cache(maxsize=65536)
def search_forms(text: str) -> tuple[str, str, str]:
    """The three normalised forms of ``text`` compared by the search: plain, contracted, expanded.

    >>> search_forms("Đường tỉnh 923")
    ('duong tinh 923', 'dt 923', 'duong tinh 923')
    """
    plain = normalise(text)
    return plain, _replace_phrases(plain, _CONTRACT), _replace_phrases(plain, _EXPAND)


def haystack(text: str) -> str:
    """The string :func:`matches_search` looks in for one cell: its distinct search forms joined by
    spaces, with a space at each end (``""`` → ``"  "``, which no query word matches)."""
    return " " + " ".join(dict.fromkeys(search_forms(text))) + " "
