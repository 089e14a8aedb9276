"""A one-line progress counter for the demos' long options (``--success-rate``,
``--sweep``): "label: 12 of 100 done, 14 s, about 1 min 40 s left", rewritten
in place on stderr when stderr is a terminal, silent otherwise (so piped
output stays clean)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60:02d} s"


class Counter:
    """``with Counter("tutorial", 100) as count: ... count.step()`` after each item."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label, self.total, self.done = label, total, 0
        self.stream = sys.stderr if stream is None else stream
        self.live = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = time.perf_counter()
        self._show()

    def __enter__(self) -> Counter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live:
            self.stream.write("\r\x1b[K")  # clear the line: the result is printed next
            self.stream.flush()

    def step(self) -> None:
        self.done += 1
        self._show()

    def text(self) -> str:
        elapsed = time.perf_counter() - self.start
        text = f"{self.label}: {self.done} of {self.total} done, {_duration(elapsed)}"
        if 0 < self.done < self.total:
            text += f", about {_duration(elapsed / self.done * (self.total - self.done))} left"
        return text

    def _show(self) -> None:
        if self.live:
            self.stream.write("\r\x1b[K" + self.text())
            self.stream.flush()
