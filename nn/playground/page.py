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

import html
import json
import re
from importlib import resources
from typing import Any

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
    template, style, script = _page_files()
    fills = {
        "MODE": mode,
        "TITLE": "tinygrad_lite playground" + (" (recorded run)" if mode == "replay" else ""),
        "DATA": _script_json(payload),
        "STYLE": style,
        "SCRIPT": script,
    }
    return re.sub(r"\{\{(\w+)\}\}", lambda m: fills[m.group(1)], template)  # one pass: data stays literal


def iframe_html(page: str, height: int = 900) -> str:
    """`page` in an iframe, for a notebook (``_repr_html_``): a document of its own, so its ids and
    scripts cannot clash with the notebook's."""
    return (
        f'<iframe srcdoc="{html.escape(page, quote=True)}" '
        f'style="box-sizing: border-box; width: 100%; height: {int(height)}px; '
        'border: 1px solid #dee2e6; border-radius: 8px" '
        'title="tinygrad_lite playground"></iframe>'
    )


def _script_json(payload: Any) -> str:
    """`payload` as JSON that cannot end its ``<script>`` element nor open a comment in it: "<", ">"
    and "&" only occur inside JSON strings, where their \\u escapes are the same characters; U+2028
    and U+2029 are escaped too (JavaScript source before ES2019 ended a line at them)."""
    text = json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _page_files() -> tuple[str, str, str]:
    """The template, the style sheet and the scripts joined in order (`web/`)."""
    folder = resources.files(__package__).joinpath("web")
    read = lambda name: folder.joinpath(name).read_text(encoding="utf-8")  # noqa: E731
    return read("playground.html"), read("playground.css"), "".join(read(name) for name in SCRIPTS)
