"""How values are written in problem messages."""

from __future__ import annotations


def compact_number(value: float) -> str:
    """``value`` as it is usually written (``105.8436``, ``593605.2``), or in 6 significant digits
    (``1e+300``, ``105.777``) when that is longer than 12 characters: messages stay one short line."""
    text = repr(float(value))
    return text if len(text) <= 12 else f"{value:.6g}"
