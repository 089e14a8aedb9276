"""`record`: run a playground session for a number of steps and keep its frames,
for a page that replays the run with no server (`Recording.save`) or inline
in Jupyter."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinygrad_lite.views.page import write

from .session import Session
from .settings import Settings

#: The most steps one recording takes.
MAX_STEPS = 5000


@dataclass
class Recording:
    """A recorded run: the session's `setup` and its `frames`, in step order
    (the JSON shapes of `Session.setup` and `Session.frame`)."""

    setup: dict
    frames: list[dict]

    def to_json(self) -> dict:
        """``{"setup": ..., "frames": [...]}``, ready for ``json.dumps``."""
        return {"setup": self.setup, "frames": self.frames}

    def page(self) -> str:
        """The self-contained page that replays this run."""
        from .page import page_html  # the page is only needed to show a recording

        return page_html("replay", self.to_json())

    def save(self, path: str | Path) -> Path:
        """Write the replay page as one self-contained HTML file (parent folders created);
        return its path."""
        return write(self.page(), path)

    def _repr_html_(self) -> str:
        """The replay page in an iframe, for Jupyter (its own document: its ids and scripts
        cannot clash with the notebook's)."""
        from .page import iframe_html

        return iframe_html(self.page())


def record(session_or_settings: Session | Settings, steps: int, every: int = 1) -> Recording:
    """Run `steps` optimisation steps (1..5000) of a session (or of a new ``Session(settings)``)
    and keep its frame before the first step, after every `every` steps and after the last.
    A session given here is advanced: its first frame is its state when `record` starts."""
    session = (
        Session(session_or_settings) if isinstance(session_or_settings, Settings) else session_or_settings
    )
    if not isinstance(session, Session):
        raise TypeError(f"record takes a Session or a Settings, got {type(session).__name__}")
    for name, value, hi in (("steps", steps, MAX_STEPS), ("every", every, None)):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, np.integer))
            or value < 1
            or (hi and value > hi)
        ):
            limit = f"from 1 to {hi}" if hi else ">= 1"
            raise ValueError(f"record: {name} must be a whole number {limit}, got {value!r:.40}")
    frames = [session.frame()]
    done = 0
    while done < steps:
        n = min(every, steps - done)
        session._advance(n)
        done += n
        frames.append(session.frame())
    return Recording(session.setup(), frames)
