"""What the self-contained pages share (the explorer here, `nn.playground`'s page).

A page is a template whose ``{{NAME}}`` placeholders are filled in one pass
(`fill`), with its style sheet and its scripts read from a folder of its
package and inlined (`inline_files`: the scripts joined in order into one
function, so they share its scope), and its data embedded as JSON that cannot
end its ``<script>`` element (`script_json`). `write` saves a page as one file;
`iframe` shows it in a notebook cell, as a document of its own.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any


def script_json(payload: Any, **dumps: Any) -> str:
    """`payload` as JSON that cannot end its ``<script>`` element nor open a comment in it:
    "<", ">" and "&" only occur inside JSON strings, where their \\u escapes are the same
    characters; U+2028 and U+2029 are escaped too (JavaScript before ES2019 ended a line
    at them). `dumps` are more arguments for ``json.dumps``."""
    text = json.dumps(payload, ensure_ascii=False, **dumps)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def fill(template: str, fills: dict[str, str]) -> str:
    """`template` with each ``{{NAME}}`` replaced by ``fills[NAME]``, in one pass: text
    filled in (labels, data) stays literal even when it looks like a placeholder."""
    return re.sub(r"\{\{(\w+)\}\}", lambda m: fills[m.group(1)], template)


def inline_files(
    package: str, folder: str, template: str, style: str, scripts: Sequence[str]
) -> tuple[str, str, str]:
    """The template, the style sheet and the scripts joined in order, read from `folder`
    of `package` (its package data)."""
    files = resources.files(package).joinpath(folder)
    read = lambda name: files.joinpath(name).read_text(encoding="utf-8")  # noqa: E731
    return read(template), read(style), "".join(read(name) for name in scripts)


def write(page: str, path: str | Path) -> Path:
    """Write `page` as one self-contained HTML file (parent folders created); return its path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def iframe(page: str, height: int, title: str) -> str:
    """`page` in an iframe as wide as a notebook's cell, `height` px high (a first guess: a
    page may set its frame's height itself); a document of its own, so its ids and scripts
    cannot clash with the notebook's."""
    return (
        f'<iframe srcdoc="{html.escape(page, quote=True)}" '
        f'style="box-sizing: border-box; width: 100%; height: {int(height)}px; '
        'border: 1px solid #dee2e6; border-radius: 8px" '
        f'title="{html.escape(title)}"></iframe>'
    )
