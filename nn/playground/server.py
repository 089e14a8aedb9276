"""The playground's local server: it trains, the page draws.

Like TensorBoard's, it only serves data: ``GET /`` is the live page
(`page.page_html`), and a small JSON API drives one training `Session`:

- ``GET /api/state``: ``{"session", "setup", "frame", "history"}``;
- ``POST /api/settings`` (a JSON object of settings, as ``Settings.to_json``
  or ``Settings.to_query`` gives them): a new run, answered like
  ``/api/state``; a bad value is a 400 ``{"error", "field"}`` and the run
  goes on;
- ``POST /api/step`` ``{"steps": n}`` (1..1000): up to `n` steps, stopping
  early after `STEP_BUDGET` seconds of training so that no request keeps the
  page waiting: ``{"session", "ran", "frame"}``;
- ``POST /api/reset`` ``{}``: the same settings from the start;
- ``GET /api/explain?point=i``: ``Session.explain_point(i)``.

``session`` numbers the runs, so the page can drop a frame from a run that
new settings replaced; ``history`` is ``[step, loss, accuracy]`` of every
frame served for the run (thinned past `MAX_HISTORY`), so a reloaded page
gets its curve back.

Safety: it listens on 127.0.0.1 only and answers only requests whose Host
is ``127.0.0.1:<port>`` or ``localhost:<port>`` (so a web page cannot reach
it through DNS rebinding); a POST must be JSON (a content type no other
site's form can send without the browser asking first) of at most
`MAX_BODY` bytes, from no other origin; every value is checked and every
request does bounded work; errors are JSON with a message, never a stack
trace; nothing received is ever evaluated.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
import traceback
import webbrowser
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from .page import page_html
from .session import Session
from .settings import Settings, SettingsError

HOST = "127.0.0.1"
#: The largest request body read, in bytes (a full set of settings is about 200).
MAX_BODY = 16 * 1024
#: Seconds of training one /api/step request may take before it answers with the steps done so far.
STEP_BUDGET = 0.04
MAX_STEPS = 1000
#: Frames kept in a run's history; past it every other one is dropped.
MAX_HISTORY = 4000
#: The live page's policy (the same as its <meta>, plus what only a header can say: no framing).
CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; "
    "connect-src 'self'; frame-ancestors 'none'"
)


class RequestError(Exception):
    """A request the server refuses: its HTTP status, a message for the page and the field at fault."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


class _Run:
    """One training run: its session, its number and the history of the frames it served."""

    def __init__(self, settings: Settings, number: int) -> None:
        self.settings = settings
        self.session = Session(settings)
        self.number = number
        self.setup = self.session.setup()
        self.history: list[list[Any]] = []
        self.frame()  # the run's start is the curve's first point

    def frame(self) -> dict:
        frame = self.session.frame()
        if not self.history or self.history[-1][0] != frame["step"]:
            self.history.append([frame["step"], frame["loss"], frame["accuracy"]])
            if len(self.history) > MAX_HISTORY:
                self.history = self.history[:-1:2] + self.history[-1:]
        return frame

    def state(self) -> dict:
        frame = self.frame()
        return {"session": self.number, "setup": self.setup, "frame": frame, "history": self.history}


class PlaygroundServer:
    """The server on 127.0.0.1:`port` (0: any free port), training `settings` (the defaults when
    None). ``start()`` serves from a thread (tests, notebooks), ``serve_forever()`` from the caller's;
    ``shutdown()`` stops either and closes the socket. Usable as a context manager (started)."""

    def __init__(self, settings: Settings | None = None, port: int = 0) -> None:
        self._lock = threading.Lock()  # one request at a time touches the run
        self._runs = 0
        self._run = self._new_run(settings if settings is not None else Settings())
        self._page = page_html("live").encode("utf-8")
        self._httpd = ThreadingHTTPServer((HOST, port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.playground = self  # type: ignore[attr-defined]  # the handler's way back here
        self.port: int = self._httpd.server_address[1]
        self.url = f"http://{HOST}:{self.port}/"
        self.hosts = {f"{HOST}:{self.port}", f"localhost:{self.port}"}
        self._thread: threading.Thread | None = None

    def _new_run(self, settings: Settings) -> _Run:
        self._runs += 1
        return _Run(settings, self._runs)

    def start(self) -> PlaygroundServer:
        """Serve from a daemon thread; return at once."""
        self._thread = threading.Thread(target=self.serve_forever, name="playground-server", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve until `shutdown` (from another thread) or KeyboardInterrupt."""
        self._httpd.serve_forever(poll_interval=0.1)  # how soon a shutdown is noticed

    def shutdown(self) -> None:
        """Stop serving (wait for the loop to end) and close the listening socket."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> PlaygroundServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    # -- the API: each returns the JSON answer or raises RequestError (SettingsError: a 400) ---------
    def state(self) -> dict:
        with self._lock:
            return self._run.state()

    def settings(self, body: Any) -> dict:
        if not isinstance(body, dict):
            raise RequestError(400, 'the settings must be a JSON object, e.g. {"lr": "0.1"}', "settings")
        # the page sends the form's text (Settings.to_query's shape); a program may send to_json's
        text = all(isinstance(value, str) for value in body.values())
        settings = Settings.from_query(body) if text else Settings.from_json(body)
        with self._lock:
            self._run = self._new_run(settings)
            return self._run.state()

    def step(self, body: Any) -> dict:
        steps = _only(body, "steps")
        if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
            raise RequestError(
                400, f"steps must be a whole number from 1 to {MAX_STEPS}, got {steps!r:.40}", "steps"
            )
        with self._lock:
            run = self._run
            deadline, ran = time.perf_counter() + STEP_BUDGET, 0
            while ran < steps:  # one at a time: the same steps as step(n), and a deadline checked often
                try:
                    run.session.step(1)
                except ValueError as error:  # the loss refused what the model computed: it diverged
                    raise RequestError(409, f"{error}. Lower the learning rate, then Reset", "lr") from error
                ran += 1
                if time.perf_counter() >= deadline:
                    break
            return {"session": run.number, "ran": ran, "frame": run.frame()}

    def reset(self, body: Any) -> dict:
        if body != {}:
            raise RequestError(400, "reset takes an empty JSON object, {}", "reset")
        with self._lock:
            self._run = self._new_run(self._run.settings)
            return self._run.state()

    def explain(self, query: dict[str, list[str]]) -> dict:
        raw = _only(query, "point")
        with self._lock:
            n = len(self._run.setup["points"])
            if len(raw) != 1 or not re.fullmatch(r"[0-9]{1,6}", raw[0]) or int(raw[0]) >= n:
                raise RequestError(
                    400, f"point must be a whole number from 0 to {n - 1}, got {raw[-1]!r:.40}", "point"
                )
            return self._run.session.explain_point(int(raw[0]))

    def page(self) -> bytes:
        return self._page


def _only(mapping: Any, key: str) -> Any:
    """``mapping[key]`` when `mapping` is a dict holding `key` and nothing else; else a 400."""
    if not isinstance(mapping, dict) or set(mapping) != {key}:
        got = sorted(mapping)[:5] if isinstance(mapping, dict) else type(mapping).__name__
        raise RequestError(400, f"expected exactly {{{key!r}: ...}}, got {got!r:.60}", key)
    return mapping[key]


def to_json(obj: Any) -> bytes:
    """`obj` as compact JSON bytes. JSON has no NaN: a Session sends a non-finite number as None,
    so one here is a bug, refused rather than sent as text the page cannot parse."""
    return json.dumps(obj, allow_nan=False, separators=(",", ":")).encode("utf-8")


class _Handler(BaseHTTPRequestHandler):
    """One connection's requests: checks, then routes to the PlaygroundServer."""

    server_version = "tinygrad_lite-playground"
    sys_version = ""
    protocol_version = "HTTP/1.1"  # keep-alive: the page's request loop reuses one connection
    # headers and body go out as two writes: with Nagle's algorithm the body would wait for the
    # client's delayed ACK of the headers, some 40 ms on every request
    disable_nagle_algorithm = True
    timeout = 30  # seconds an idle or slow connection may hold its thread

    ROUTES: ClassVar[dict[str, tuple[str, ...]]] = {
        "/": ("GET",),
        "/api/state": ("GET",),
        "/api/explain": ("GET",),
        "/api/settings": ("POST",),
        "/api/step": ("POST",),
        "/api/reset": ("POST",),
    }

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def _answer(self, method: str) -> None:
        playground: PlaygroundServer = self.server.playground  # type: ignore[attr-defined]
        self._body_read = False
        page = False
        try:
            status, answer = self._route(playground, method)
            page = isinstance(answer, bytes)
            body = answer if page else to_json(answer)
        except SettingsError as error:
            status, body = 400, to_json({"error": str(error), "field": error.field})
        except RequestError as error:
            status = error.status
            body = to_json({"error": error.message, **({"field": error.field} if error.field else {})})
        except Exception as error:  # a bug: the page gets a message, the terminal the traceback
            traceback.print_exc(file=sys.stderr)
            message = f"the server failed on this request ({type(error).__name__}); see its terminal"
            status, body = 500, to_json({"error": message})
        sent_body = self.headers.get("Content-Length", "0") != "0" or self.headers.get("Transfer-Encoding")
        if sent_body and not self._body_read:
            self.close_connection = True  # what is left unread cannot be taken for the next request
        if page:
            headers = {"Content-Security-Policy": CSP, "X-Frame-Options": "DENY"}
            self._send(status, body, "text/html; charset=utf-8", headers)
        else:
            self._send(status, body, "application/json")

    def _route(self, playground: PlaygroundServer, method: str) -> tuple[int, Any]:
        hosts = self.headers.get_all("Host") or []
        if len(hosts) != 1 or hosts[0].lower() not in playground.hosts:
            raise RequestError(
                403,
                f"this server answers only to Host {HOST}:{playground.port} or localhost:{playground.port}",
            )
        url = urlsplit(self.path)
        if url.path not in self.ROUTES:
            raise RequestError(404, f"no such page: {url.path!r:.80}")
        if method not in self.ROUTES[url.path]:
            raise RequestError(405, f"{url.path} takes {' or '.join(self.ROUTES[url.path])}, not {method}")
        if url.path == "/":
            return 200, playground.page()
        if url.path == "/api/explain":
            try:
                query = parse_qs(url.query, keep_blank_values=True, strict_parsing=True, max_num_fields=4)
            except ValueError as error:
                raise RequestError(400, f"a bad query: {url.query!r:.60}", "point") from error
            return 200, playground.explain(query)
        if url.query:
            raise RequestError(400, f"{url.path} takes no query, got {url.query!r:.60}")
        if method == "GET":
            return 200, playground.state()
        body = self._json_body(playground)
        handler = {
            "/api/settings": playground.settings,
            "/api/step": playground.step,
            "/api/reset": playground.reset,
        }
        return 200, handler[url.path](body)

    def _json_body(self, playground: PlaygroundServer) -> Any:
        """The request's body as JSON, after checking where it comes from, its type and its size."""
        origin = self.headers.get("Origin")
        if origin is not None and origin.lower().removeprefix("http://") not in playground.hosts:
            raise RequestError(403, f"requests from {origin!r:.60} are refused")
        kind = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if kind != "application/json":
            raise RequestError(
                415, f"the body must be JSON (Content-Type: application/json), got {kind!r:.40}"
            )
        if self.headers.get("Transfer-Encoding"):
            raise RequestError(411, "send the body with a Content-Length, not chunked")
        length = self.headers.get("Content-Length", "")
        if not re.fullmatch(r"[0-9]{1,9}", length):
            raise RequestError(411, "a POST needs a Content-Length")
        if int(length) > MAX_BODY:  # left unread (so the connection closes)
            raise RequestError(413, f"the body is {int(length)} bytes; at most {MAX_BODY} are read")
        data = self.rfile.read(int(length))
        self._body_read = True
        try:
            return json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
            raise RequestError(400, f"the body is not JSON: {error}"[:160]) from error

    def _send(self, status: int, body: bytes, kind: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (a malformed request, an unknown method) as JSON too."""
        self.close_connection = True
        try:
            text = message or HTTPStatus(code).phrase
        except ValueError:
            text = "error"
        self._send(code, to_json({"error": text}), "application/json")

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a playing page makes some twenty requests a second."""


def serve(
    settings: Settings | None = None,
    port: int = 0,
    open_browser: bool = True,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Serve the playground on 127.0.0.1:`port` (0: any free port) until Ctrl-C. `ready(url)` is
    called once it listens (by default the URL is printed); `open_browser` opens it in a browser."""
    server = PlaygroundServer(settings, port)
    (ready or (lambda url: print(url, flush=True)))(server.url)
    if open_browser:
        threading.Thread(target=webbrowser.open, args=(server.url,), daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.shutdown()
