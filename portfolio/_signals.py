"""SIGTERM takes the path of Ctrl-C: what ``timeout``, systemd and container stops send cleans up.

:func:`sigterm_as_interrupt` makes SIGTERM (and SIGHUP, a closed terminal) raise :class:`Terminated`, a
:class:`KeyboardInterrupt`, in the main thread, so every ``finally`` block runs as it does for Ctrl-C:
the temporary file of an atomic write and the Shapefile folder of an export are removed, and the
previous output is left as it was.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

#: The signals turned into :class:`Terminated`.
SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Terminated(KeyboardInterrupt):
    """The process was asked to stop by ``signum`` (SIGTERM or SIGHUP)."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


def _raise(signum: int, frame: FrameType | None) -> None:
    raise Terminated(signum)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise :class:`Terminated` (main thread only; elsewhere the
    block runs unchanged). The previous handlers come back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, _raise) for signum in SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def exit_status(interrupt: KeyboardInterrupt) -> int:
    """The shell's status for a process ended by ``interrupt``: 128 + the signal (130 for Ctrl-C)."""
    return 128 + (interrupt.signum if isinstance(interrupt, Terminated) else signal.SIGINT)
