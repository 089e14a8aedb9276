"""The terminal step-through of backpropagation (`python -m demos.stepthrough`):
the printed steps and summary, the safe expression parser, and the key-driven
view in a pseudo-terminal."""

from __future__ import annotations

import builtins
import io
import os
import re
import select
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from demos import stepthrough
from demos.neuron import network_value
from tinygrad_lite import Value
from tinygrad_lite.views.steps import forward_order, node_names

ROOT = Path(__file__).resolve().parent.parent
PARAMETERS = [f"w{i}" for i in range(1, 7)] + [f"b{i}" for i in range(1, 4)]
STEP = re.compile(r"^step (\d+) of (\d+): (.+)$", re.MULTILINE)


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    stepthrough.main(list(argv))
    return capsys.readouterr().out


def alice() -> tuple[Value, dict[str, Value]]:
    """The hand derivation built here, independently of the demo, and differentiated by backward()."""
    x = [Value(-2.0), Value(-1.0)]
    w = [Value(1.0) for _ in range(6)]
    b = [Value(0.0) for _ in range(3)]
    _, _, ypred = network_value(x, w, b)
    loss = (1 - ypred) ** 2
    loss.backward()
    return loss, dict(zip(PARAMETERS, w + b))


def test_all_prints_the_hand_derivation_and_dL_dw1(capsys):
    out = run_main(capsys, "--all")
    loss, params = alice()
    w1 = params["w1"].grad
    assert repr(w1).startswith("0.021469535")
    assert f"dL/dw1 = 0.02147    (exact {w1!r})" in out
    assert "= 0.02147, which rounds to 0.0215" in out
    rounded = "(The tutorial's 0.0214 comes from rounded factors: (-0.9526) x 0.249 x (-0.0904) = 0.021443.)"
    assert rounded in out
    assert "a fresh L.backward(): agree exactly" in out
    for name, p in params.items():
        line = rf"^  dL/d{name} = {re.escape(stepthrough.fmt(p.grad))} +\(exact {p.grad!r}\)$"
        assert re.search(line, out, re.M)
    assert f"{stepthrough.fmt(loss.data)}" in out  # the forward values head the output
    assert "\x1b" not in out


def test_all_has_one_step_per_node_root_first_and_each_node_after_its_users(capsys):
    out = run_main(capsys, "--all")
    loss, _ = stepthrough.alice_loss()
    order = forward_order(loss)
    names = node_names(order)
    steps = STEP.findall(out)
    assert len(order) == 29
    graded = [node for node in order if node.requires_grad]  # all but the data x1, x2 and the 1 in 1 - ypred
    assert len(graded) == 26
    assert [int(k) for k, _, _ in steps] == list(range(1, len(graded) + 1))
    assert {int(n) for _, n, _ in steps} == {len(graded)}
    stepped = [name for _, _, name in steps]
    assert stepped[0] == "L"
    assert sorted(stepped) == sorted(names[id(node)] for node in graded)
    position = {name: i for i, name in enumerate(stepped)}
    for node in graded:
        for parent in filter(lambda p: p.requires_grad, node.parents):  # before the steps of its inputs
            assert position[names[id(node)]] < position[names[id(parent)]]
    assert set(stepped[-9:]) & set(PARAMETERS)  # leaves come late
    assert "step 1 of 26: L\n  at L (**2): dL/dL = 1.0\n" in out


def test_expression_steps_and_final_grads_match_backward(capsys):
    out = run_main(capsys, "--expr", "(a*b + b**2).sigmoid()", "--set", "a=2", "--set", "b=-3", "--all")
    a, b = Value(2.0), Value(-3.0)
    (a * b + b**2).sigmoid().backward()
    assert "d(a*b)/da = b = -3.0" in out
    assert f"a is a leaf: dL/da = {stepthrough.fmt(a.grad)}" in out
    assert f"b is a leaf: dL/db = {stepthrough.fmt(b.grad)}" in out
    assert re.search(rf"^  dL/da = -0\.1355 +\(exact {a.grad!r}\)$", out, re.M)
    assert re.search(rf"^  dL/db = -0\.1807 +\(exact {b.grad!r}\)$", out, re.M)
    assert len(STEP.findall(out)) == 6


@pytest.mark.parametrize(
    ("expr", "sets", "message"),
    [
        ("__import__('os').system('echo hi')", [], "the method .system() is not allowed"),
        ("__import__('os')", [], "calling __import__() is not allowed"),
        ("a.__class__", ["a=1"], "attribute access .__class__ is not allowed"),
        ("[1][0]", [], "subscripting ([1][0]) is not allowed"),
        ("lambda: 1", [], "lambda is not allowed"),
        ("'a'", [], "the string 'a' is not allowed"),
        ("a ^ 2", ["a=1"], "the operator ^ (use ** for powers) is not allowed"),
        ("a.exp(1)", ["a=1"], ".exp() takes no arguments"),
        ("a + c * d", ["a=1"], "not set: c, d; give each a value: --set c=NUMBER --set d=NUMBER"),
        ("2 * 3", [], "no named values to differentiate"),
        ("(a", ["a=1"], "invalid syntax"),
        ("a", ["a=x"], "--set 'a=x': 'x' is not a number"),
        ("a", ["1a=2"], "'1a' is not a valid name"),
        ("a", ["a"], "--set expects NAME=NUMBER"),
        ("a", ["a=1", "a=2"], "a is set twice"),
        ("a", ["a=nan"], "finite number"),
    ],
)
def test_the_parser_refuses_with_exit_code_2_and_a_message(capsys, expr, sets, message):
    argv = ["--expr", expr, "--all"] + [f"--set={s}" for s in sets]
    with pytest.raises(SystemExit) as exit_info:
        stepthrough.main(argv)
    captured = capsys.readouterr()
    assert exit_info.value.code == 2
    assert message in captured.err
    assert "error:" in captured.err
    assert captured.out == ""


def test_code_in_an_expression_never_runs():
    result = subprocess.run(
        [sys.executable, "-m", "demos.stepthrough", "--expr", "__import__('os').system('echo hi')", "--all"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "not allowed" in result.stderr
    assert "hi" not in result.stdout


def test_the_parser_accepts_numbers_unary_signs_and_both_call_forms(monkeypatch):
    def refuse(*args: object) -> None:
        raise AssertionError("eval/exec must not be used")

    monkeypatch.setattr(builtins, "eval", refuse)
    monkeypatch.setattr(builtins, "exec", refuse)
    expr = "-a + +2.5*sigmoid(a) - a**-1 / exp(b) + (-b).relu().tanh() + log(a) * 1e-1 - -3"
    root, leaves = stepthrough.build_expression(expr, {"a": 1.5, "b": -0.5})
    a, b = Value(1.5), Value(-0.5)
    expected = -a + 2.5 * a.sigmoid() - a**-1.0 / b.exp() + (-b).relu().tanh() + a.log() * 0.1 + 3.0
    root.backward()
    expected.backward()
    assert root.data == pytest.approx(expected.data, rel=1e-15)
    assert leaves["a"].grad == pytest.approx(a.grad, rel=1e-12)
    assert leaves["b"].grad == pytest.approx(b.grad, rel=1e-12)
    assert sorted(leaves) == ["a", "b"]
    x, _ = stepthrough.build_expression("x ** 2", {"x": -3.0})
    assert x.op == "**2"  # a number exponent stays a number, as in Value


def test_without_a_terminal_it_prints_everything_and_says_so():
    result = subprocess.run(
        [sys.executable, "-m", "demos.stepthrough"],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    first, rest = result.stdout.split("\n", 1)
    assert "not a terminal" in first
    assert "as with --all" in first
    assert len(STEP.findall(rest)) == 26
    assert "\x1b" not in result.stdout


def test_screens_fit_the_terminal():
    walk = stepthrough.Walkthrough.run(stepthrough.gender_problem())
    for size, k in [((120, 40), 0), ((80, 24), 3), ((100, 30), 14), ((80, 24), 26)]:
        lines = stepthrough.screen(walk, k, False, os.terminal_size(size)).split("\n")
        assert len(lines) <= size[1]
        assert max(len(line) for line in lines) <= size[0]
        if k < len(walk.steps):
            assert f"step {k + 1} of 26" in lines[-1]
            current = walk.steps[k]
            assert any(line.startswith(">") and f"  {current.name} " in line for line in lines)
        else:
            assert "summary after step 26 of 26" in lines[-1]
            assert any("dL/dw1 = 0.02147" in line for line in lines)
    full = stepthrough.screen(walk, 0, True, os.terminal_size((120, 40)))
    assert "more above" not in full
    assert stepthrough.REVERSE in full


def test_input_fallback_when_single_keys_are_not_available(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.StringIO("\nn\nb\nq\n"))  # no fileno: lines through input()
    walk = stepthrough.Walkthrough.run(stepthrough.gender_problem())
    stepthrough.interactive(walk, color=False)
    screens = capsys.readouterr().out.split(stepthrough.CLEAR)[1:]
    footers = [re.search(r"step (\d+) of 26", s).group(1) for s in screens]
    assert footers == ["1", "2", "3", "2"]


# -- the interactive view in a pseudo-terminal ----------------------------------
pty_only = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")


def read_until(fd: int, seen: bytearray, text: bytes, start: int, timeout: float = 20.0) -> int:
    """Read from `fd` into `seen` until `text` appears at or after `start`; return where it ends."""
    deadline = time.monotonic() + timeout
    while (at := seen.find(text, start)) < 0:
        left = deadline - time.monotonic()
        assert left > 0, f"timed out waiting for {text!r}; got {bytes(seen[-2000:])!r}"
        if select.select([fd], [], [], min(left, 0.2))[0]:
            try:
                seen += os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
    assert at >= 0, f"{text!r} never came; got {bytes(seen[-2000:])!r}"
    return at + len(text)


@pty_only
@pytest.mark.parametrize("no_color", [False, True])
def test_keys_step_forward_and_back_in_a_terminal(no_color):
    import fcntl
    import termios

    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES")}
    env["TERM"] = "xterm"
    if no_color:
        env["NO_COLOR"] = "1"
    child = subprocess.Popen(
        [sys.executable, "-m", "demos.stepthrough"],
        cwd=ROOT,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
    )
    seen = bytearray()
    try:
        at = read_until(master, seen, b"step 1 of 26", 0)
        os.write(master, b"n")
        at = read_until(master, seen, b"step 2 of 26", at)
        os.write(master, b"\x1b[C")  # right arrow
        at = read_until(master, seen, b"step 3 of 26", at)
        os.write(master, b"b")
        at = read_until(master, seen, b"step 2 of 26", at)
        os.write(master, b"q")
        assert child.wait(timeout=20) == 0
        attrs = termios.tcgetattr(slave)  # the terminal is back in line mode with echo
        assert attrs[3] & termios.ICANON
        assert attrs[3] & termios.ECHO
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
        os.close(master)
        os.close(slave)
    out = bytes(seen).decode(errors="replace")
    assert stepthrough.CLEAR in out
    assert "at 1 - ypred (-): dL/d(1 - ypred) = 0.9526" in out
    assert "Traceback" not in out
    assert (stepthrough.REVERSE in out) is not no_color
    assert re.search(r"^> +29  L ", out.replace("\r", "").replace(stepthrough.REVERSE, ""), re.M)


def test_data_is_shown_as_input_and_only_parameters_get_gradients(capsys):
    """Alice's measurements x1 and x2 are data: the table calls them inputs, the
    number 1 a constant, the weights and biases parameters; no step ever
    offers a gradient to an input."""
    out = run_main(capsys, "--all")
    table = out.split("Backward pass:")[0]
    cells = [re.split(r"\s{2,}", line.strip()) for line in table.splitlines() if re.match(r"\s+\d+\s", line)]
    rows = {cell[1]: cell[2] for cell in cells}
    assert rows["x1"] == rows["x2"] == "input" and rows["1"] == "const"
    assert {rows[f"w{i}"] for i in range(1, 7)} == {rows[f"b{i}"] for i in range(1, 4)} == {"param"}
    assert "param: a parameter, which training updates; input: data" in out
    stepped = {name for _, _, name in STEP.findall(out)}
    assert not stepped & {"x1", "x2", "1"}
    assert "dL/dx1" not in out and "x1 -=" not in out


def test_a_long_formula_gets_a_short_name_and_the_table_gives_its_key(capsys):
    out = run_main(
        capsys,
        "--all",
        "--expr",
        "tanh(a*b + b*c + c*a + a*a)",
        "--set",
        "a=0.1",
        "--set",
        "b=0.2",
        "--set",
        "c=0.3",
    )
    table = out.split("Backward pass:")[0]
    assert re.search(r"^\s+10\s+z1\s+\+", table, re.M)
    assert "  z1 = a*b + b*c + c*a + a*a" in table
    assert "step 2 of 11: z1" in out


# -- issue 19's rough edges ------------------------------------------------------
def test_footers_fit_80_columns_and_the_summary_footer_says_what_the_keys_do():
    walk = stepthrough.Walkthrough.run(stepthrough.gender_problem())
    last = len(walk.steps)
    for k in (0, 9, last - 1, last):
        footer = stepthrough.screen(walk, k, False, os.terminal_size((80, 24))).split("\n")[-1]
        assert "(> this node, + gets a share)" in footer or k == last  # never cut short
        assert "quit" in footer
    summary_footer = stepthrough.screen(walk, last, False, os.terminal_size((80, 24))).split("\n")[-1]
    assert "next" not in summary_footer  # on the summary, n and Enter quit, and the footer says so
    assert "n/Enter/q quit" in summary_footer
    wide = stepthrough.screen(walk, 9, False, os.terminal_size((200, 60))).split("\n")[-1]
    assert len(wide) < 80


def test_n_on_the_summary_quits_as_its_footer_says(monkeypatch, capsys):
    walk = stepthrough.Walkthrough.run(stepthrough.expression_problem("a*b", {"a": 2.0, "b": 3.0}))
    prompts: list[str] = []
    answers = iter(["", "", "", "n"])  # three steps, the summary, then n: quit
    monkeypatch.setattr(builtins, "input", lambda prompt: prompts.append(prompt) or next(answers))
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    stepthrough.interactive(walk, color=False)
    assert len(prompts) == 4
    assert "n/Enter/q quit" in prompts[-1] and "next" not in prompts[-1]


def test_the_forward_table_has_no_gradient_column_and_short_names_align(capsys):
    out = run_main(capsys, "--all", "--expr", "x*y", "--set", "x=2", "--set", "y=3")
    table = out.split("Backward pass:")[0].split("Forward pass:")[1].splitlines()[1:5]
    assert "dL/d(node)" not in "\n".join(table)
    header, *rows = table
    assert header.index("node") == rows[0].index("x")
    assert header.index("op") == rows[0].index("param")
    assert header.rstrip().endswith("data")
    for row in rows:
        assert len(row) == len(header)  # data right-aligned under its heading


def test_usage_names_the_module_command(capsys):
    with pytest.raises(SystemExit):
        stepthrough.main(["--help"])
    assert capsys.readouterr().out.startswith("usage: python -m demos.stepthrough ")


def test_a_nan_from_log_of_a_negative_number_is_pointed_out_in_its_step(capsys):
    out = run_main(capsys, "--all", "--expr", "log(x) + x", "--set", "x=-1")
    steps = re.split(r"^step \d+ of \d+: ", out, flags=re.M)[1:]
    warned = [s for s in steps if "log(-1) is not a number (nan): " in s]
    assert len(warned) == 1 and warned[0].startswith("log(x)")
    assert "not a number" not in run_main(capsys, "--all", "--expr", "log(x) + x", "--set", "x=2")
