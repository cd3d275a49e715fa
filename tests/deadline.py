"""A wall-clock deadline for tests that feed hostile input to a reader or the CLI.

It is no performance target: it turns a hang (a pattern or loop that grows faster than its input)
into a failure that names the case, instead of a CI job that never ends. One helper, so the
portal hostile-shape tests and the import fuzzer stop a runaway case the same way. SIGALRM is
Unix-only and main-thread-only, which is where pytest runs these tests.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from types import FrameType


class DeadlinePassed(Exception):
    """Raised inside the ``with`` block when its seconds are up."""


@contextlib.contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Raise :class:`DeadlinePassed` in the block if it runs longer than ``seconds``."""

    def _raise(signum: int, frame: FrameType | None) -> None:
        raise DeadlinePassed

    old = signal.signal(signal.SIGALRM, _raise)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
