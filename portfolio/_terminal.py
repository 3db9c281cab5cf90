"""Terminal safety: no message prints a raw control code, and no output name holds one.

A path or a cell quoted in a message can hold an escape sequence (``\\x1b]0;…``, ``\\x1b[2J``) or a
carriage return that would rewrite what the terminal shows. :func:`escape` writes such characters
as visible ``\\x1b``, ``\\r``, ``\\u202e`` (line feeds and tabs stay); :func:`escaped_output` puts the
CLI's standard output and error behind it. :func:`control_character` finds the first one in a name,
so the CLI refuses an output name holding one before anything is written.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from typing import Any, TextIO

#: Control characters (C0 but line feed and tab, DEL, C1) and the invisible direction controls.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
#: What an output file name may not hold: every control character, line feeds and tabs included.
_NAME_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _shown(char: str) -> str:
    return {"\r": "\\r", "\n": "\\n", "\t": "\\t"}.get(char) or (
        f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"
    )


def escape(text: str) -> str:
    """``text`` with every control character but line feeds and tabs written visibly (``\\x1b``)."""
    return _CONTROL.sub(lambda m: _shown(m.group(0)), text)


def control_character(name: str) -> str | None:
    """The first control character of ``name`` as written visibly (``\\n``, ``\\x1b``), or ``None``."""
    found = _NAME_CONTROL.search(name)
    return _shown(found.group(0)) if found else None


def shown_name(name: str) -> str:
    """``name`` with each control character written visibly, line feeds and tabs too (for messages)."""
    return _NAME_CONTROL.sub(lambda m: _shown(m.group(0)), name)


class _Escaping:
    """A text stream that writes through :func:`escape`; everything else is the wrapped stream's."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(escape(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def escaped_output() -> Iterator[None]:
    """Within the block, ``sys.stdout`` and ``sys.stderr`` print no raw control code."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Escaping(out), _Escaping(err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
