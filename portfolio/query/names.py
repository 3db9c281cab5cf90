"""Owner and place names compared the way a person reads them: case, diacritics, administrative kind
(``Quận``, ``Phường``…), department prefixes (``Sở``, ``Các Sở:``) and a trailing note in brackets
ignored; a cell answers to each of its ``;``-separated entries and each piece between commas.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from portfolio import schema
from portfolio.query.search import normalise

#: Administrative kind words that may precede a commune or district name.
ADMIN_PREFIXES: Final[tuple[str, ...]] = (
    "thanh pho",
    "thi xa",
    "thi tran",
    "dac khu",
    "phuong",
    "quan",
    "huyen",
    "xa",
    "tp",
    "tx",
    "tt",
)


def _strip_admin_prefix(name: str) -> str:
    for prefix in ADMIN_PREFIXES:
        if name.startswith(prefix + " "):
            return name[len(prefix) + 1 :]
    return name


_TRAILING_NOTE = re.compile(r"\s*\([^()]*\)\s*$")


#: "Giao các Sở:", "Các Sở:", "Sở" before a department's name (normalised): an owner value and a
#: department listed in a group owner answer to the name without it.
_DEPARTMENT_PREFIX = re.compile(r"^(?:giao )?(?:cac )?so ")


def _key(norm: str, admin: bool) -> str:
    """The comparison key of normalised text: without the administrative prefix for places,
    without the department prefix for owners."""
    return _strip_admin_prefix(norm) if admin else _DEPARTMENT_PREFIX.sub("", norm)


@lru_cache(maxsize=65536)
def _keys_of(entry: str, admin: bool) -> frozenset[str]:
    """Keys one entry answers to: itself, and without a trailing ``(…)`` note, e.g.
    ``"Quận Bình Thuỷ (Cần Thơ)"`` → {"binh thuy can tho", "binh thuy"} (admin prefix dropped);
    an owner without "Các Sở:"/"Sở": ``"Sở Y tế"`` → {"y te"}."""
    keys: set[str] = set()
    for variant in (entry, _TRAILING_NOTE.sub("", entry)):
        norm = normalise(variant)
        if norm:
            keys.add(_key(norm, admin))
    return frozenset(keys)


def entry_keys(cell: str, admin: bool) -> set[str]:
    """Keys a cell answers to: the whole cell, each ``; ``-separated entry (an owner name may hold
    commas: *Sở Văn hóa, Thể thao và Du lịch*), each piece between commas or semicolons (one
    department of *Các Sở: Công Thương, Tài nguyên…*) and each two neighbouring pieces (a
    department whose name holds a comma, listed in a group), each by :func:`_keys_of`."""
    pieces = [p for p in re.split(r"[;,]", cell) if p.strip()]
    pairs = [f"{a},{b}" for a, b in zip(pieces, pieces[1:], strict=False)]
    keys: set[str] = set()
    for entry in dict.fromkeys([cell, *schema.split_list(cell), *pieces, *pairs]):
        keys |= _keys_of(entry, admin)
    return keys


def value_key(value: str, admin: bool) -> str:
    """The key a value typed by a user (an owner, a commune) is compared by: :func:`entry_keys` of the
    cells it may match hold it when it matches."""
    return _key(normalise(value), admin)
