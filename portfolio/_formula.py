"""The one rule for a cell a spreadsheet would run as a formula (CSV/XLSX injection).

Validation refuses such a cell in the register (:mod:`portfolio._rows`, rule ``formula``) and the CSV
export neutralises it (:func:`neutralise`), both with :func:`is_formula`. A value is a formula when:

- it starts with a tab or a carriage return; or
- after leading whitespace (spaces, no-break and other Unicode spaces, zero-width characters) it
  starts with ``=``, ``+``, ``-`` or ``@``, or their full-width forms ``＝ ＋ － ＠`` (an IME turns
  them into the ASCII ones), unless the whole value is a plain number (``-5``, ``+84``, ``1,5``);
- or, anywhere, a ``;`` or ``,`` is followed (after optional whitespace) by ``=`` or ``＝``: a
  spreadsheet whose list separator is ``;`` (Vietnamese Excel) or ``,`` splits the cell there and
  runs the rest.
"""

from __future__ import annotations

import re

#: Characters that start a formula (ASCII and full-width).
STARTS = "=+-@\uff1d\uff0b\uff0d\uff20"
#: Leading characters a spreadsheet skips before looking for :data:`STARTS`: whitespace (Python's
#: ``str.isspace``: the no-break space, the en/em spaces, U+3000…) and the zero-width ones.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_START_RE = re.compile(rf"^[\s{_INVISIBLE}]*[{re.escape(STARTS)}]")
_SPLIT_RE = re.compile(rf"[;,][\s{_INVISIBLE}]*[=\uff1d]")
_NUMBER_RE = re.compile(r"^[+-]?[0-9]+(?:[.,][0-9]+)?$")
#: A regular expression that matches in every cell holding a formula when the cells are joined by line
#: breaks (it may match more: a fast pre-check; :func:`is_formula` decides). Its whitespace never crosses
#: a line break, so each match starts in the cell it is about.
_SPACE_IN_LINE = rf"(?:[^\S\n]|[{_INVISIBLE}])*"
SUSPECT_RE = re.compile(rf"(?m)^[\t\r]|^{_SPACE_IN_LINE}[{re.escape(STARTS)}]|[;,]{_SPACE_IN_LINE}[=\uff1d]")


def is_formula(value: str) -> bool:
    """True when a spreadsheet would evaluate ``value`` as a formula (see the module's rule)."""
    if not value:
        return False
    if value[0] in "\t\r":
        return True
    if _SPLIT_RE.search(value):
        return True
    if not _START_RE.match(value):
        return False
    return not _NUMBER_RE.match(value.strip().strip(_INVISIBLE))


def first_character(value: str) -> str:
    """The character that makes ``value`` a formula (for messages): ``=``, ``＋``, ``;=``…"""
    if value[:1] in ("\t", "\r"):
        return value[0]
    start = _START_RE.match(value)
    if start is not None:
        return start.group(0)[-1]
    split = _SPLIT_RE.search(value)
    return re.sub(r"\s", "", split.group(0)) if split else ""


def neutralise(cell: str) -> str:
    """``cell`` made safe to open in a spreadsheet: a leading ``'`` when it starts a formula, and
    ``'`` before the ``=`` of each ``;=`` / ``,=`` (where a spreadsheet splitting on them would start a
    cell). Text that is not a formula comes back unchanged."""
    if not is_formula(cell):
        return cell
    cell = _SPLIT_RE.sub(lambda m: m.group(0)[:-1] + "'" + m.group(0)[-1], cell)
    return "'" + cell if (cell[:1] in ("\t", "\r") or _START_RE.match(cell)) else cell


def message(value: str, shown: str) -> str:
    """The validation message for a formula cell ``value`` (``shown``: the value as quoted)."""
    if value[:1] in ("\t", "\r") or _START_RE.match(value):
        return (
            f"starts with {first_character(value)!r} and a spreadsheet would run it as a formula "
            f"({shown}); remove the leading character"
        )
    return (
        f"holds {first_character(value)!r}: a spreadsheet that splits cells at ';' or ',' (Vietnamese "
        f"Excel splits at ';') would run the rest as a formula ({shown}); remove the '='"
    )
