"""Run workers in threads that switch as often as the interpreter allows, so
that a race shows up in a test instead of once a month in use."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable


def run_concurrently(worker: Callable[..., None], args: Iterable[tuple]) -> None:
    """One thread per tuple of `args`, all started, then all joined, with the
    thread switch interval at its minimum meanwhile (restored after)."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=worker, args=a) for a in args]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
