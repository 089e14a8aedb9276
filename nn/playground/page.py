"""The playground's page: one HTML file with its style sheet and scripts inlined.

``page_html("live")`` is the page the local server (`server.py`) serves: it
fetches its data from ``/api/...``. ``page_html("replay", recording)`` is a
self-contained page (no server, no network) that replays a recorded run, the
recording (``Recording.to_json()``: ``{"setup", "frames"}``) embedded as JSON.
Both are the same page drawing the same JSON shapes; only where the frames come
from differs (``player.js``). The page only draws: Python computed every number.

The page's files live in ``web/``: ``playground.html`` (the template),
``playground.css`` and one script per view, inlined in the order of `SCRIPTS`
into one function (they share its scope, as the explorer's scripts do).
"""

from __future__ import annotations

from typing import Any

from tinygrad_lite.views.page import fill, iframe, inline_files, script_json

#: The page's scripts, in the order they are inlined: helpers, the state, the views, then the
#: player and `main.js`, which wires them together.
SCRIPTS = (
    "colors.js",
    "state.js",
    "network.js",
    "boundary.js",
    "curve.js",
    "controls.js",
    "explain.js",
    "player.js",
    "main.js",
)
MODES = ("live", "replay")


def page_html(mode: str, payload: dict[str, Any] | None = None) -> str:
    """The page for `mode`: "live" (no payload: the page asks the server) or "replay" (`payload`
    is a recording's JSON, ``{"setup": ..., "frames": [...]}``, embedded in the page)."""
    if mode not in MODES:
        raise ValueError(f"mode must be 'live' or 'replay', not {mode!r}")
    if mode == "live" and payload is not None:
        raise ValueError("a live page takes no payload: it fetches its data from the server")
    if mode == "replay" and not (isinstance(payload, dict) and {"setup", "frames"} <= payload.keys()):
        raise ValueError("a replay page needs a recording's JSON: a dict with 'setup' and 'frames'")
    template, style, script = inline_files(__package__, "web", "playground.html", "playground.css", SCRIPTS)
    fills = {
        "MODE": mode,
        "TITLE": "tinygrad_lite playground" + (" (recorded run)" if mode == "replay" else ""),
        "DATA": script_json(payload, allow_nan=False, separators=(",", ":")),
        "STYLE": style,
        "SCRIPT": script,
    }
    return fill(template, fills)


def iframe_html(page: str, height: int = 900) -> str:
    """`page` in an iframe, for a notebook (``_repr_html_``)."""
    return iframe(page, height, "tinygrad_lite playground")
