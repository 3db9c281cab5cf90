"""Private file helpers: checked text reading and atomic writes."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from portfolio._errors import InputError, Problem

#: Largest register CSV or geodata file read, in bytes (50 MiB).
MAX_INPUT_BYTES = 50 * 1024 * 1024


def read_text(path: Path, *, max_bytes: int = MAX_INPUT_BYTES, kind: str = "file") -> str:
    """Read a UTF-8 text file, refusing what would be silently misread.

    Parameters
    ----------
    path : Path
        The file.
    max_bytes : int
        Size limit in bytes.
    kind : str
        What the file is, for messages ("register", "geodata").

    Raises
    ------
    InputError
        Missing, empty or too large file; a byte-order mark; bytes that are not UTF-8 (a file
        saved as Windows-1258 or Latin-1).
    """
    name = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError([Problem(name, "", "", "missing_file", f"{kind} file not found")]) from None
    if size == 0:
        raise InputError([Problem(name, "", "", "empty_file", f"{kind} file is empty")])
    if size > max_bytes:
        raise InputError(
            [Problem(name, "", "", "too_large",
                     f"{kind} file is {size:,} bytes; the limit is {max_bytes:,} bytes")]
        )
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        raise InputError(
            [Problem(name, "line 1", "", "bom",
                     "file starts with a UTF-8 byte-order mark (Excel's 'CSV UTF-8'); "
                     "save it as UTF-8 without BOM")]
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            [Problem(name, f"line {line}", "", "not_utf8",
                     f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not UTF-8; the file "
                     "looks saved as Windows-1258 or Latin-1: save it as UTF-8")]
        ) from None
    if not text.strip():
        raise InputError([Problem(name, "", "", "empty_file", f"{kind} file holds only whitespace")])
    return text


@contextlib.contextmanager
def atomic_path(target: Path, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` when the block succeeds.

    On any exception the temporary file is removed and ``target`` is left exactly as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=suffix if suffix is not None else target.suffix,
        dir=target.parent,
    )
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers such as GDAL refuse to overwrite; they create it themselves
    try:
        yield tmp
        if not tmp.exists():
            raise OSError(f"nothing was written to {tmp}")
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_atomic(target: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp_path)`` and move the result onto ``target`` atomically."""
    with atomic_path(target) as tmp:
        write(tmp)
