"""Run one function in a worker process under hard limits: wall time, CPU time and memory.

:mod:`portfolio.upload` parses every upload through :func:`run`, so that no file can hold a server
core or its memory: a GeoPackage whose layer runs a query of any cost, a GeoJSON of a million
points. The worker is forked from a small server process (``forkserver``, started once, with
:data:`PRELOAD` imported so a worker starts in milliseconds), sets ``RLIMIT_CPU`` and ``RLIMIT_AS``
on itself before it runs anything, and is killed (``SIGKILL``) at the wall-time limit. Whatever
limit is hit, the caller gets :class:`LimitExceeded` naming it; the server process never ran the
parser and holds only the (picklable) result.

A second entry point for the parts that read other uploads (change sets):
``bounded.run(my_module.parse, filename, data)`` with a module-level ``parse`` (it is pickled by
name) whose result is picklable. As with any ``multiprocessing`` start method but ``fork``, a script
run as ``__main__`` is imported again in the worker, so it needs the ``if __name__ == "__main__"``
guard (Streamlit's, pytest's and ``python -m portfolio`` are fine).
"""

from __future__ import annotations

import multiprocessing
import os
import re
import resource
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Limits:
    """Hard limits of one worker.

    ``wall_seconds`` is the time from start to result (the worker is killed then);
    ``cpu_seconds`` the CPU time it may use (``RLIMIT_CPU``: the kernel stops it);
    ``memory_bytes`` how much its address space may grow beyond what it starts with
    (``RLIMIT_AS``: an allocation past it fails, which the worker reports).
    """

    #: Generous beside the CPU limit, which is what bounds a core: on a busy server a legitimate file's
    #: 2 CPU-seconds can take many times that in wall time; a worker that sleeps or blocks is still stopped.
    wall_seconds: float = 60.0
    cpu_seconds: int = 15
    memory_bytes: int = 1 << 30


#: The limits uploads are read under: 60 s, 15 CPU-seconds, 1 GiB.
LIMITS = Limits()
#: Modules the fork server imports once, so each worker has them already.
PRELOAD = ["portfolio.upload"]
#: Most workers running at once (the others wait, within their wall time): one per core.
MAX_WORKERS = max(1, os.cpu_count() or 1)

_SLOTS = threading.BoundedSemaphore(MAX_WORKERS)
_LOCK = threading.Lock()
_CONTEXT: list[Any] = []
#: How an allocation failure reads in GDAL's, PROJ's and SQLite's messages.
_OUT_OF_MEMORY = re.compile(
    r"out of memory|cannot allocate|memory allocation|bad_alloc|MemoryError", re.IGNORECASE
)


class LimitExceeded(Exception):  # noqa: N818 - the name says what happened
    """The worker hit a limit: ``limit`` is ``"time"``, ``"cpu"``, ``"memory"``, ``"crashed"`` (it
    died of a signal, most often an allocation that failed in C code) or ``"busy"`` (no worker
    could start within the wall time)."""

    def __init__(self, limit: str, limits: Limits, detail: str = "") -> None:
        self.limit = limit
        self.limits = limits
        self.detail = detail
        super().__init__(describe(limit, limits, detail))


def describe(limit: str, limits: Limits = LIMITS, detail: str = "") -> str:
    """The English sentence for a limit hit (the app translates by :attr:`LimitExceeded.limit`)."""
    mib = limits.memory_bytes // (1024 * 1024)
    text = {
        "time": f"reading it took longer than the limit of {limits.wall_seconds:g} seconds and was stopped",
        "cpu": f"reading it used more than the limit of {limits.cpu_seconds} CPU-seconds and was stopped",
        "memory": f"reading it needed more than the limit of {mib:,} MiB of memory and was stopped",
        "crashed": f"the reader stopped unexpectedly ({detail}); most often it ran out of its "
        f"{mib:,} MiB of memory",
        "busy": f"the server is busy reading other files; no reader was free within "
        f"{limits.wall_seconds:g} seconds: try again",
    }[limit]
    return text if limit == "crashed" or not detail else f"{text} ({detail})"


def _context() -> Any:
    with _LOCK:
        if not _CONTEXT:
            # pyarrow's default allocator (mimalloc) reserves 1 GiB of address space at its first
            # allocation, which RLIMIT_AS counts: the fork server and its workers use the system's.
            os.environ["ARROW_DEFAULT_MEMORY_POOL"] = "system"
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(PRELOAD)
            _CONTEXT.append(ctx)
        return _CONTEXT[0]


def _address_space() -> int:
    """This process's current address-space size in bytes (``/proc/self/statm``)."""
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[0]) * resource.getpagesize()


def _limit_self(limits: Limits) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 2))
    cap = _address_space() + limits.memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a killed worker leaves no core file


def _out_of_memory(exc: BaseException) -> bool:
    return isinstance(exc, MemoryError) or bool(_OUT_OF_MEMORY.search(str(exc)))


def _worker(conn: Any, limits: Limits, func: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """The worker's body: limit itself, run ``func``, send back ``(kind, value)``."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        _limit_self(limits)
        outcome: tuple[str, Any] = ("ok", func(*args))
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the caller
        outcome = ("memory", "") if _out_of_memory(exc) else ("raise", exc)
    try:
        conn.send(outcome)
    except MemoryError:
        conn.send(("memory", ""))
    except Exception as exc:  # noqa: BLE001 - an unpicklable result or error
        conn.send(("raise", RuntimeError(f"{type(exc).__name__}: {exc}")))
    conn.close()


def run(func: Callable[..., T], *args: Any, limits: Limits = LIMITS) -> T:
    """``func(*args)`` run in a worker process within ``limits``; its result or its exception.

    ``func`` must be importable by name (a module-level function) and its arguments and result
    picklable.

    Raises
    ------
    LimitExceeded
        A limit was hit (the worker is gone), or no worker could start within the wall time.
    Exception
        Whatever ``func`` raised, re-raised here.
    """
    start = time.monotonic()
    if not _SLOTS.acquire(timeout=limits.wall_seconds):
        raise LimitExceeded("busy", limits)
    try:
        ctx = _context()
        receive, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(
            target=_worker, args=(send, limits, func, args), daemon=True, name="portfolio-bounded"
        )
        try:
            proc.start()
            send.close()
            left = max(0.0, limits.wall_seconds - (time.monotonic() - start))
            if not receive.poll(left):
                raise LimitExceeded("time", limits)
            try:
                kind, value = receive.recv()
            except (EOFError, OSError):  # died without a word: a signal
                proc.join(5)
                code = proc.exitcode
                if code in (-signal.SIGXCPU, -signal.SIGKILL):
                    raise LimitExceeded("cpu", limits) from None
                name = signal.Signals(-code).name if code is not None and code < 0 else f"exit {code}"
                raise LimitExceeded("crashed", limits, name) from None
        finally:
            if proc.is_alive():
                proc.kill()
            proc.join(5)
            receive.close()
    finally:
        _SLOTS.release()
    if kind == "ok":
        return value  # type: ignore[no-any-return]
    if kind == "memory":
        raise LimitExceeded("memory", limits)
    raise value
