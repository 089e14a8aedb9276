"""The playground's server without a browser: a real `PlaygroundServer` on a free port of
127.0.0.1, spoken to over HTTP. It answers only to its own Host, checks every value, bounds
the work of each request, keeps its run when a request is refused, and its frames are the
frames of a `Session` run directly. Also the page it serves (`page_html`) and the demo's
command line."""

from __future__ import annotations

import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from nn.playground import Session, Settings, record
from nn.playground import settings as settings_module
from nn.playground.page import iframe_html, page_html
from nn.playground.server import MAX_BODY, STEP_BUDGET, PlaygroundServer

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = Settings(dataset="moons", points=60, hidden=(4,), optimizer="sgd", lr=0.3, batch_size=10, seed=3)


@pytest.fixture
def server():
    with PlaygroundServer(SETTINGS) as running:
        yield running


def call(server, method: str, path: str, body=None, headers: dict | None = None, raw: bytes | None = None):
    """(status, parsed JSON or the text of a page, response headers) of one request."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    sent = {"Content-Type": "application/json"} if body is not None or raw is not None else {}
    sent.update(headers or {})
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    connection.request(method, path, body=data, headers=sent)
    response = connection.getresponse()
    text = response.read().decode()
    connection.close()
    kind = response.getheader("Content-Type", "")
    return response.status, json.loads(text) if kind.startswith("application/json") else text, response


def same_json(obj):
    """`obj` as it comes back from JSON (what the server sends)."""
    return json.loads(json.dumps(obj))


def direct(settings: Settings, steps: int) -> Session:
    session = Session(settings)
    while steps:
        session.step(min(steps, 1000))
        steps -= min(steps, 1000)
    return session


# -- what it serves ----------------------------------------------------------------------------
def test_it_listens_on_127_0_0_1_only(server):
    assert server._httpd.server_address[0] == "127.0.0.1"
    assert server.url == f"http://127.0.0.1:{server.port}/"


def test_the_page_is_the_live_page_with_a_strict_policy(server):
    status, text, response = call(server, "GET", "/")
    assert status == 200 and response.getheader("Content-Type") == "text/html; charset=utf-8"
    assert 'data-mode="live"' in text and "{{" not in text
    policy = response.getheader("Content-Security-Policy")
    assert (
        "default-src 'none'" in policy
        and "connect-src 'self'" in policy
        and "frame-ancestors 'none'" in policy
    )
    assert response.getheader("X-Frame-Options") == "DENY"


def test_state_is_the_sessions_setup_and_first_frame(server):
    status, answer, response = call(server, "GET", "/api/state")
    assert status == 200 and response.getheader("Cache-Control") == "no-store"
    fresh = Session(SETTINGS)
    assert answer["session"] == 1
    assert answer["setup"] == same_json(fresh.setup())
    assert answer["frame"] == same_json(fresh.frame())
    assert answer["history"] == [[0, answer["frame"]["loss"], answer["frame"]["accuracy"]]]


# -- Host, method, path, body ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "host", ["evil.com", "127.0.0.1", "127.0.0.1:1", "localhost", "evil.com:{port}", "[::1]:{port}"]
)
def test_another_host_is_refused(server, host):
    status, answer, _ = call(server, "GET", "/api/state", headers={"Host": host.format(port=server.port)})
    assert status == 403
    assert f"127.0.0.1:{server.port}" in answer["error"]


def test_localhost_is_our_host_too(server):
    assert call(server, "GET", "/api/state", headers={"Host": f"localhost:{server.port}"})[0] == 200
    assert call(server, "GET", "/api/state", headers={"Host": f"LocalHost:{server.port}"})[0] == 200


def test_a_request_without_host_is_refused(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.putrequest("GET", "/api/state", skip_host=True)
    connection.endheaders()
    assert connection.getresponse().status == 403
    connection.close()


@pytest.mark.parametrize(
    "path", ["/nope", "/api", "/api/nope", "/index.html", "/../etc/passwd", "/favicon.ico"]
)
def test_an_unknown_path_is_404_in_json(server, path):
    status, answer, _ = call(server, "GET", path)
    assert status == 404 and "no such page" in answer["error"]


def test_the_wrong_method_is_refused_in_json(server):
    status, answer, _ = call(server, "POST", "/api/state", body={})
    assert status == 405 and "GET" in answer["error"]
    status, answer, _ = call(server, "GET", "/api/step")
    assert status == 405 and "POST" in answer["error"]
    status, answer, _ = call(server, "PUT", "/api/step", body={"steps": 1})
    assert status == 501 and answer["error"]


def test_a_query_where_none_is_taken_is_refused(server):
    status, answer, _ = call(server, "GET", "/api/state?x=1")
    assert status == 400 and "no query" in answer["error"]


def test_a_post_must_be_json(server):
    status, answer, _ = call(
        server, "POST", "/api/step", raw=b"steps=1", headers={"Content-Type": "text/plain"}
    )
    assert status == 415 and "application/json" in answer["error"]
    status, answer, _ = call(server, "POST", "/api/step", raw=b"{not json")
    assert status == 400 and "not JSON" in answer["error"]
    status, answer, _ = call(server, "POST", "/api/step", raw=b"[" * 5000 + b"]" * 5000)
    assert status == 400 and "not JSON" in answer["error"]
    assert call(server, "GET", "/api/state")[1]["frame"]["step"] == 0


def test_a_post_from_another_origin_is_refused(server):
    status, answer, _ = call(
        server, "POST", "/api/step", body={"steps": 1}, headers={"Origin": "http://evil.com"}
    )
    assert status == 403 and "evil.com" in answer["error"]
    own = {"Origin": f"http://127.0.0.1:{server.port}"}
    assert call(server, "POST", "/api/step", body={"steps": 1}, headers=own)[0] == 200


def test_a_body_over_the_limit_is_not_read(server):
    big = json.dumps({"dataset": "x" * MAX_BODY}).encode()
    status, answer, response = call(server, "POST", "/api/settings", raw=big)
    assert status == 413 and str(MAX_BODY) in answer["error"]
    assert response.getheader("Connection") == "close"
    assert call(server, "GET", "/api/state")[1]["session"] == 1  # the run is the same


def test_a_body_left_unread_closes_the_connection(server):
    """A refused request's body could hold another request: it is never read as one."""
    smuggled = f"GET /api/state HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n"
    request = (
        f"POST /nope HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(smuggled)}\r\n\r\n{smuggled}"
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        connection.sendall(request.encode())
        answer = b""
        while chunk := connection.recv(65536):  # until the server closes the connection
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 404") and answer.count(b"HTTP/1.1") == 1


def test_a_post_without_length_is_refused(server):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.putrequest("POST", "/api/step")
    connection.putheader("Content-Type", "application/json")
    connection.putheader("Transfer-Encoding", "chunked")
    connection.endheaders()
    connection.send(b'e\r\n{"steps": 100}\r\n0\r\n\r\n')
    response = connection.getresponse()
    assert response.status == 411 and "Content-Length" in json.loads(response.read())["error"]
    connection.close()


# -- settings ----------------------------------------------------------------------------------------
BAD_SETTINGS = [
    ({"lr": "abc"}, "lr"),
    ({"lr": "-1"}, "lr"),
    ({"lr": "11"}, "lr"),
    ({"lr": "nan"}, "lr"),
    ({"hidden": "8,99"}, "hidden"),
    ({"hidden": "1,1,1,1,1,1,1"}, "hidden"),
    ({"hidden": "__import__('os')"}, "hidden"),
    ({"dataset": "mnist"}, "dataset"),
    ({"points": "5"}, "points"),
    ({"points": "100000"}, "points"),
    ({"batch_size": "61", "points": "60"}, "batch_size"),
    ({"seed": "-1"}, "seed"),
    ({"noise": "0.9"}, "noise"),
    ({"activation": "gelu"}, "activation"),
    ({"optimizer": "rmsprop"}, "optimizer"),
    ({"loss": "hinge"}, "loss"),
    ({"evil": "1"}, "evil"),
    ({"lr": 0}, "lr"),
    ({"hidden": [8, "8"]}, "hidden"),
]


@pytest.mark.parametrize(("values", "field"), BAD_SETTINGS)
def test_a_bad_setting_is_refused_by_name_and_the_run_goes_on(server, values, field):
    call(server, "POST", "/api/step", body={"steps": 5})
    text = all(isinstance(value, str) for value in values.values())  # else all as JSON values
    status, answer, _ = call(
        server,
        "POST",
        "/api/settings",
        body={**(SETTINGS.to_query() if text else SETTINGS.to_json()), **values},
    )
    assert status == 400
    assert answer["field"] == field and field in answer["error"]
    assert "Traceback" not in answer["error"]
    state = call(server, "GET", "/api/state")[1]
    assert state["session"] == 1 and state["frame"]["step"] == 5
    assert state["setup"]["settings"] == SETTINGS.to_json()


@pytest.mark.parametrize("body", [[], "lr=1", 3, None])
def test_settings_must_be_an_object(server, body):
    status, answer, _ = call(server, "POST", "/api/settings", raw=json.dumps(body).encode())
    assert status == 400 and answer["field"] == "settings"


def test_new_settings_start_a_new_run_as_text_or_json(server):
    wanted = Settings(dataset="circle", points=80, hidden=(3, 3), activation="relu", lr=0.1, batch_size=8)
    status, answer, _ = call(server, "POST", "/api/settings", body=wanted.to_query())
    assert status == 200 and answer["session"] == 2
    assert answer["setup"] == same_json(Session(wanted).setup())
    assert answer["frame"]["step"] == 0 and answer["history"] == [
        [0, answer["frame"]["loss"], answer["frame"]["accuracy"]]
    ]
    status, answer, _ = call(server, "POST", "/api/settings", body=wanted.to_json())
    assert status == 200 and answer["session"] == 3 and answer["setup"]["settings"] == wanted.to_json()


# -- steps -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        {"steps": 0},
        {"steps": 1001},
        {"steps": -3},
        {"steps": "5"},
        {"steps": True},
        {"steps": 2.5},
        {"steps": None},
        {},
        {"steps": 1, "more": 2},
        [5],
    ],
)
def test_steps_out_of_bounds_are_refused(server, body):
    status, answer, _ = call(server, "POST", "/api/step", body=body)
    assert status == 400 and answer["field"] == "steps"
    assert call(server, "GET", "/api/state")[1]["frame"]["step"] == 0


def test_the_frame_after_n_steps_is_the_direct_runs(server):
    done = 0
    for n in (1, 7, 12):
        status, answer, _ = call(server, "POST", "/api/step", body={"steps": n})
        assert status == 200 and answer["ran"] == n and answer["session"] == 1
        done += n
        assert answer["frame"] == same_json(direct(SETTINGS, done).frame())
    history = call(server, "GET", "/api/state")[1]["history"]
    assert [point[0] for point in history] == [0, 1, 8, 20]
    assert history[-1] == [20, answer["frame"]["loss"], answer["frame"]["accuracy"]]


def test_a_run_that_diverges_is_a_message_and_the_run_is_kept(server, monkeypatch):
    call(server, "POST", "/api/step", body={"steps": 3})
    real = Session.step

    def diverge(session, n=1):  # what the loss says when the model's outputs became NaN
        raise ValueError("binary_cross_entropy: the predictions hold NaN: training diverged")

    monkeypatch.setattr(Session, "step", diverge)
    status, answer, _ = call(server, "POST", "/api/step", body={"steps": 5})
    assert status == 409 and answer["field"] == "lr"
    assert "training diverged" in answer["error"] and "Lower the learning rate, then Reset" in answer["error"]
    monkeypatch.setattr(Session, "step", real)
    status, answer, _ = call(server, "POST", "/api/step", body={"steps": 1})
    assert status == 200 and answer["frame"]["step"] == 4  # the run went on where it was


def test_a_long_request_stops_early_and_says_how_many_ran():
    bigger = Settings(dataset="spiral", points=1000, hidden=(32, 32, 32), batch_size=1000)
    with PlaygroundServer(bigger) as server:
        start = time.perf_counter()
        status, answer, _ = call(server, "POST", "/api/step", body={"steps": 1000})
        took = time.perf_counter() - start
        assert status == 200 and 1 <= answer["ran"] < 1000
        assert answer["frame"]["step"] == answer["ran"]
        assert took < STEP_BUDGET + 1.0  # the budget, one step past it and the frame


def test_requests_at_once_take_turns(server):
    ran = []

    def stepper():
        for _ in range(5):
            ran.append(call(server, "POST", "/api/step", body={"steps": 3})[1]["ran"])

    threads = [threading.Thread(target=stepper) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert call(server, "GET", "/api/state")[1]["frame"] == same_json(direct(SETTINGS, sum(ran)).frame())


def test_reset_starts_the_same_settings_again(server):
    call(server, "POST", "/api/step", body={"steps": 9})
    status, answer, _ = call(server, "POST", "/api/reset", body={})
    assert status == 200 and answer["session"] == 2
    assert answer["frame"] == same_json(Session(SETTINGS).frame())
    status, answer, _ = call(server, "POST", "/api/reset", body={"now": 1})
    assert status == 400


# -- explain -----------------------------------------------------------------------------------------
def test_explain_is_the_sessions_explanation(server):
    call(server, "POST", "/api/step", body={"steps": 4})
    status, answer, _ = call(server, "GET", "/api/explain?point=7")
    assert status == 200
    expected = direct(SETTINGS, 4).explain_point(7)
    assert 'id="explain-panel"' in answer.pop("html") and expected.pop("html")
    assert answer == same_json(expected)
    assert answer["loss_after"] is not None  # plain SGD: the update and the loss after it
    assert call(server, "GET", "/api/state")[1]["frame"]["step"] == 4  # explaining trains nothing


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?point=",
        "?point=-1",
        "?point=60",
        "?point=1e1",
        "?point=abc",
        "?point=1&point=2",
        "?point=1&x=2",
        "?pt=1",
        "?a",
        "?point=99999999999",
    ],
)
def test_explain_checks_its_point(server, query):
    status, answer, _ = call(server, "GET", f"/api/explain{query}")
    assert status == 400 and answer["field"] == "point"


# -- the page -----------------------------------------------------------------------------------------
def options(text: str, name: str) -> tuple[str, ...]:
    select = re.search(rf'<select id="f-{name}" name="{name}">(.*?)</select>', text, re.S).group(1)
    return tuple(re.findall(r'<option value="([^"]+)"', select))


def test_the_forms_choices_are_the_settings_choices():
    text = page_html("live")
    assert options(text, "dataset") == settings_module.DATASETS
    assert options(text, "activation") == settings_module.ACTIVATIONS
    assert options(text, "loss") == settings_module.LOSSES
    assert options(text, "optimizer") == settings_module.OPTIMIZERS
    for name in settings_module.FIELDS:
        assert f'name="{name}"' in text


def test_a_replay_page_embeds_the_recording_so_that_nothing_in_it_runs():
    recording = record(Settings(dataset="xor", hidden=(2,)), 3).to_json()
    recording["setup"]["settings"]["dataset"] = "</script><script>alert(1)</script><!-- \u2028 & >"
    text = page_html("replay", recording)
    assert "alert(1)</script>" not in text and "<!--" not in text.split('id="playground-data">')[1]
    data = re.search(
        r'<script type="application/json" id="playground-data">(.*?)</script>', text, re.S
    ).group(1)
    assert "\u2028" not in data and json.loads(data) == recording
    assert 'data-mode="replay"' in text


def test_page_html_checks_its_arguments():
    with pytest.raises(ValueError, match=r"live.*replay"):
        page_html("demo")
    with pytest.raises(ValueError, match="no payload"):
        page_html("live", {"setup": {}, "frames": []})
    with pytest.raises(ValueError, match="setup"):
        page_html("replay", {"frames": []})


def test_a_notebook_shows_the_page_in_a_frame():
    shown = iframe_html('<p class="x">"a" & b</p>', height=500)
    assert shown.startswith('<iframe srcdoc="&lt;p class=&quot;x&quot;&gt;&quot;a&quot; &amp; b')
    assert "height: 500px" in shown


# -- the demo's command -------------------------------------------------------------------------------
def test_the_demo_prints_the_url_first_serves_and_stops_on_ctrl_c():
    process = subprocess.Popen(
        [sys.executable, "-m", "demos.playground", "--no-browser", "--port", "0", "--dataset", "circle"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = process.stdout.readline().strip()
        match = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/", url)
        assert match, url
        connection = http.client.HTTPConnection("127.0.0.1", int(match.group(1)), timeout=10)
        connection.request("GET", "/api/state")
        assert json.loads(connection.getresponse().read())["setup"]["settings"]["dataset"] == "circle"
        connection.close()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "stopped" in out and "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [
        ["--lr", "0"],
        ["--hidden", "8,x"],
        ["--port", "abc"],
        ["--port", "70000"],
        ["--steps", "10"],
        ["--export", "x.html", "--steps", "0"],
        ["--dataset", "mnist"],
    ],
)
def test_the_demo_refuses_bad_flags_with_a_message(args):
    result = subprocess.run(
        [sys.executable, "-m", "demos.playground", "--no-browser", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "error:" in result.stderr and "Traceback" not in result.stderr
