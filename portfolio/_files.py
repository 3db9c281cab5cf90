"""Private file helpers: checked text reading and atomic writes.

Limits users can rely on (stated in the README): the register CSV and each geodata file may be up to
:data:`MAX_INPUT_BYTES` (256 MiB: a GeoJSON of 50,000 projects is about 116 MB), UTF-8 without a
byte-order mark, and a regular file (a fifo, a
device or a socket is refused before it is opened).

Every temporary file or folder the package makes is named :data:`TEMP_PREFIX` + the process id + ``-``
(:func:`temp_prefix`): an interrupted write removes its own (Ctrl-C, and SIGTERM through the CLI's
handler); what a ``kill -9`` leaves is found by that name and removed by the next write into the same
folder once its process is gone (:func:`remove_stale`, logged on the ``portfolio`` logger).
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import shutil
import signal
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from portfolio._errors import InputError, Problem

#: Largest register CSV or geodata file read, in bytes (256 MiB). Loading takes about 9 times the
#: GeoJSON's size in memory: 1.0 GB peak for 50,000 projects (a 116 MB GeoJSON, benchmarks/RESULTS.md).
MAX_INPUT_BYTES = 256 * 1024 * 1024
#: How the name of every temporary file or folder of the package starts.
TEMP_PREFIX = ".portfolio-tmp-"
_TEMP_RE = re.compile(rf"^{re.escape(TEMP_PREFIX)}(\d+)-")
_LOG = logging.getLogger("portfolio")

#: Leading bytes of binary formats people save by mistake under a text name: what they are.
BINARY_MAGIC: dict[bytes, str] = {
    b"PK\x03\x04": "a ZIP archive (an Excel .xlsx workbook?)",
    b"\xd0\xcf\x11\xe0": "an old Excel .xls / OLE2 file",
    b"SQLite format 3\x00": "an SQLite database (a GeoPackage?)",
    b"%PDF": "a PDF document",
}


#: Byte-order marks of the UTF-16 and UTF-32 encodings (UTF-32 first: its LE mark starts like UTF-16's).
WIDE_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16 (Excel's 'Unicode text')"),
    (b"\xfe\xff", "UTF-16"),
)
#: How many leading bytes :func:`wide_encoding` looks at.
_SNIFF_BYTES = 4096


def _problem(name: str, rule: str, message: str, where: str = "") -> InputError:
    return InputError([Problem(name, where, "", rule, message)])


def _refuse_special(name: str, kind: str, mode: int) -> None:
    """Refuse an input that is not a regular file (a fifo, a device, a socket)."""
    if not stat.S_ISREG(mode):
        what = next((label for test, label in _FILE_KINDS if test(mode)), "a special file")
        raise _problem(name, "unreadable", f"{kind} path is {what}, not a regular file")


def wide_encoding(data: bytes) -> str | None:
    """The UTF-16/UTF-32 encoding ``data`` looks written in without a byte-order mark, or ``None``.

    Text in those encodings is mostly ASCII or Vietnamese letters (below U+0250), so most code units
    have NUL high bytes: every second byte is NUL in UTF-16 (odd offsets in little-endian, even in
    big-endian), two or three of every four in UTF-32. UTF-8 text never holds NUL bytes.
    """
    sample = data[:_SNIFF_BYTES]
    sample = sample[: len(sample) - len(sample) % 4]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    quarters = len(sample) // 4
    nul = [sample[offset::4].count(0) / quarters for offset in range(4)]
    if nul[2] > 0.9 and nul[3] > 0.9 and nul[1] > 0.5:
        return "UTF-32 little-endian"
    if nul[0] > 0.9 and nul[1] > 0.9 and nul[2] > 0.5:
        return "UTF-32 big-endian"
    odd, even = (nul[1] + nul[3]) / 2, (nul[0] + nul[2]) / 2
    if odd > 0.5 and even < 0.1:
        return "UTF-16 little-endian"
    if even > 0.5 and odd < 0.1:
        return "UTF-16 big-endian"
    return None


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
        Missing, unreadable, empty or too large file; a binary file (a workbook, a database); a
        byte-order mark; UTF-16 or UTF-32 (with or without a byte-order mark); bytes that are not UTF-8
        (a file saved as Windows-1258 or Latin-1, or cut in the middle of a character).
    """
    name = str(path)
    path = Path(path)
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise _problem(name, "unreadable", f"{kind} path is a directory, not a file")
        _refuse_special(name, kind, mode)  # a fifo would block the open (and the reader) forever
        # O_NONBLOCK: if a fifo takes the file's place after the check, the open does not wait for a
        # writer, and the fstat below refuses it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            _refuse_special(name, kind, st.st_mode)
            if st.st_size > max_bytes:
                raise _problem(
                    name,
                    "too_large",
                    f"{kind} file is {st.st_size:,} bytes; the limit is {max_bytes:,} bytes",
                )
            data = fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise _problem(name, "missing_file", f"{kind} file not found") from None
    except OSError as exc:
        raise _problem(name, "unreadable", f"{kind} file cannot be read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:  # grew while being read
        raise _problem(name, "too_large", f"{kind} file is over the limit of {max_bytes:,} bytes")
    if not data:
        raise _problem(name, "empty_file", f"{kind} file is empty")
    for magic, what in BINARY_MAGIC.items():
        if data.startswith(magic):
            raise _problem(
                name, "not_text", f"{kind} file is {what}, not UTF-8 text: export it as CSV/GeoJSON (UTF-8)"
            )
    if data.startswith(b"\xef\xbb\xbf"):
        raise _problem(
            name,
            "bom",
            "file starts with a UTF-8 byte-order mark (Excel's 'CSV UTF-8'); save it as UTF-8 without BOM",
            where="line 1",
        )
    for bom, encoding in WIDE_BOMS:
        if data.startswith(bom):
            raise _problem(
                name, "not_utf8", f"file is {encoding}; save it as UTF-8 without BOM", where="line 1"
            )
    wide = wide_encoding(data)
    if wide is not None:
        raise _problem(
            name,
            "not_utf8",
            f"file looks {wide} without a byte-order mark (NUL bytes between the characters); "
            "save it as UTF-8 without BOM",
            where="line 1",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        if exc.end == len(data) and exc.reason == "unexpected end of data":
            raise _problem(
                name,
                "not_utf8",
                f"the file ends in the middle of a UTF-8 character (offset {exc.start}): it "
                "looks cut short; save it again",
                where=f"line {line}",
            ) from None
        raise _problem(
            name,
            "not_utf8",
            f"byte 0x{data[exc.start]:02x} at offset {exc.start} is not UTF-8; the file "
            "looks saved as Windows-1258 or Latin-1: save it as UTF-8",
            where=f"line {line}",
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise _problem(
            name, "not_text", f"{kind} file holds a NUL byte: it is not a text file", where=f"line {line}"
        )
    if not text.strip():
        raise _problem(name, "empty_file", f"{kind} file holds only whitespace")
    return text


def temp_prefix(what: str) -> str:
    """The start of a temporary name of this process: ``.portfolio-tmp-<pid>-<what>.``"""
    return f"{TEMP_PREFIX}{os.getpid()}-{what}."


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def remove_stale(folder: Path) -> list[Path]:
    """Remove the temporary files and folders in ``folder`` whose process is gone (a ``kill -9``
    in the middle of a write); log a warning naming each; return them."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        found = _TEMP_RE.match(entry.name)
        if found is None or _alive(int(found.group(1))):
            continue
        path = Path(entry.path)
        try:
            size = _size(path)
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:  # another process removed it first
            continue
        except OSError as exc:
            _LOG.warning(
                "could not remove %s left by interrupted process %s: %s",
                path,
                found.group(1),
                exc.strerror or exc,
            )
            continue
        removed.append(path)
        _LOG.warning(
            "removed %s (%s bytes), left by interrupted process %s", path, f"{size:,}", found.group(1)
        )
    return removed


def _size(path: Path) -> int:
    if path.is_dir() and not path.is_symlink():
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())
    return path.lstat().st_size


def _fsync(path: Path) -> None:
    """Flush a file's or directory's data to disk (best effort)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


_FILE_KINDS: tuple[tuple[Callable[[int], bool], str], ...] = (
    (stat.S_ISFIFO, "a named pipe (fifo)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def write_target(target: Path) -> Path:
    """Where a write to ``target`` must go: ``target`` with symbolic links resolved.

    Writing to a symbolic link writes its real target (the link stays a link); a dangling link
    writes the file it names.

    No folder is created: a write into a folder that does not exist is refused (a typing mistake
    in a path must not silently create a folder chain).

    Raises
    ------
    FileNotFoundError
        The folder that would hold the file does not exist.
    NotADirectoryError
        That folder is a file (``some.csv/x.geojson``).
    IsADirectoryError
        ``target`` is a directory.
    OSError
        ``target`` exists and is not a regular file (a fifo, a device, a socket): replacing it with a
        regular file would destroy it (``errno`` EINVAL, ``strerror`` naming it).
    """
    target = Path(target)
    real = Path(os.path.realpath(target))
    link = os.path.islink(target)
    shown = f"{target} (a link to {real})" if link else str(target)
    parent = real.parent if link else target.parent
    if not real.parent.is_dir():
        blocking = next((p for p in (parent, *parent.parents) if p.exists()), None)
        if blocking is not None and not blocking.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, f"{blocking} is not a folder", str(target))
        raise FileNotFoundError(errno.ENOENT, f"folder {parent} does not exist", str(target))
    try:
        mode = real.stat().st_mode
    except FileNotFoundError:
        return real
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, f"{shown} is a directory", str(target))
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _FILE_KINDS if test(mode)), "a special file")
        raise OSError(
            errno.EINVAL, f"{shown} is {kind}, not a regular file: refusing to replace it", str(target)
        )
    return real


@contextlib.contextmanager
def atomic_path(target: Path, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` when the block succeeds.

    The temporary file is a hidden sibling (``.portfolio-tmp-PID-NAME.XXXX.ext``) in the same directory,
    so the final
    :func:`os.replace` is atomic: readers see the old file or the new one, never half of one. On any
    exception (including ``KeyboardInterrupt``) the temporary file is removed and ``target`` is left
    byte-for-byte as it was. The path does not exist when yielded (writers such as GDAL refuse to
    overwrite); the block must create it.

    A symbolic link is followed (see :func:`write_target`): the temporary file is made beside the
    link's real target and renamed onto it, so the link stays and points at the new content. An
    existing target that is not a regular file (a fifo, a device, a socket, a directory) is refused
    before anything is written, and so is a target whose folder does not exist (none is created).
    """
    target = write_target(Path(target))
    remove_stale(target.parent)
    # Ctrl-C or SIGTERM between making the name and the ``try`` would leave the file: they wait.
    blocked = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=temp_prefix(target.name),
            suffix=suffix if suffix is not None else target.suffix,
            dir=target.parent,
        )
        os.close(fd)
        tmp = Path(tmp_name)
        tmp.unlink()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
    try:
        yield tmp
        if not tmp.exists():
            raise OSError(f"nothing was written to {tmp}")
        _fsync(tmp)
        os.replace(tmp, target)
        _fsync(target.parent)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_atomic(target: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp_path)`` and move the result onto ``target`` atomically.

    ``write`` receives a path that does not exist yet in ``target``'s directory and must create it.
    If it raises, ``target`` is untouched and no temporary file remains.
    """
    with atomic_path(target) as tmp:
        write(tmp)


def write_bytes_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically (see :func:`atomic_path`)."""

    def write(tmp: Path) -> None:
        tmp.write_bytes(data)

    write_atomic(target, write)


def write_text_atomic(target: Path, text: str) -> None:
    """Write ``text`` as UTF-8 (no BOM, ``\\n`` line ends kept) to ``target`` atomically."""
    write_bytes_atomic(target, text.encode("utf-8"))
