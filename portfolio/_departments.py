"""Which department answers for a project: its ``owner_current`` (the agency after the 2025
reorganisation), else its ``owner``. Shared by the review queue and the editors' permissions, with the
owner filter's reading of names (case, diacritics and a leading "Sở"/"Các Sở:" ignored; one
department of a group owner answers for the row)."""

from __future__ import annotations

from collections.abc import Mapping

from portfolio.query.names import entry_keys, value_key

#: The department shown for a row with neither ``owner_current`` nor ``owner``.
NO_DEPARTMENT = ""


def responsible(row: Mapping[str, object]) -> str:
    """The cell that names the department answering for ``row``: ``owner_current``, else ``owner``."""
    current = str(row.get("owner_current") or "").strip()
    return current or str(row.get("owner") or "").strip()


def answers_to(row: Mapping[str, object], department: str) -> bool:
    """True when ``department`` (a name as an editor or a user writes it) answers for ``row``."""
    cell = responsible(row)
    if not cell or not department.strip():
        return False
    return value_key(department, admin=False) in entry_keys(cell, admin=False)
