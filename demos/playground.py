"""Playground: watch a small network learn, every number from the engine.

Run ``python -m demos.playground``. It starts a local server on 127.0.0.1
(the URL is the first line it prints; Ctrl-C stops it) and opens its page:
choose a data set (xor, xor-cloud, gender, circle, moons, spiral), the hidden
layers, activation, loss, optimizer, learning rate, batch size and seed, then
Play, Pause, Step or Reset. While it trains the page shows the network (edge
width ~ |w|, colour by sign, or the last gradients), each neuron's output
over the input plane, the decision boundary with the points, and the loss
and accuracy. Pause, click a point, and "Explain this step" opens the
explorer on that step for that point: forward pass, loss, backward pass node
by node and (with plain SGD) the update and the loss after it.

The flags set the first run's settings (the page can change them):

  python -m demos.playground --dataset spiral --hidden 8,8,8 --lr 0.03

``--export PATH --steps N`` records N steps instead and writes one
self-contained page that replays them (no server, no network), e.g. for a
course site:

  python -m demos.playground --export out/playground.html --dataset xor --steps 300
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

from nn.playground import Settings, SettingsError, record, serve

#: The flags that are settings, and the setting each one sets.
#: An export keeps at most this many frames unless --every says otherwise (about 15 KB each for 2-8-8-1).
FRAMES = 100
SETTING_FLAGS = {
    "dataset": "data set: xor (the tutorials' 4 points), xor-cloud, gender, circle, moons, spiral",
    "points": "points in a generated data set, 10 to 1000",
    "noise": "noise of a generated data set, 0 to 0.5",
    "hidden": "hidden layer sizes, e.g. 8,8 (0 to 6 layers of 1 to 32; '' for none)",
    "activation": "tanh, relu or sigmoid",
    "loss": "bce (binary cross-entropy) or mse",
    "optimizer": "sgd, momentum (SGD with momentum 0.9) or adam",
    "lr": "learning rate, above 0 and at most 10",
    "batch_size": "rows per step, 1 to the number of points",
    "seed": "seed of the data, the initial weights and the batch order",
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m demos.playground",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    live = parser.add_argument_group("live (the default)")
    live.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: any free port)")
    live.add_argument("--no-browser", action="store_true", help="do not open a browser, only print the URL")
    export = parser.add_argument_group("export")
    export.add_argument("--export", type=Path, metavar="PATH", help="write a page replaying a recorded run")
    export.add_argument("--steps", type=int, help="steps to record, 1 to 5000 (default 300)")
    export.add_argument(
        "--every",
        type=int,
        help=f"keep a frame every K steps (default: at most {FRAMES} frames, a page of about 1.5 MB)",
    )
    settings = parser.add_argument_group("settings (defaults: Settings())")
    for name, text in SETTING_FLAGS.items():
        settings.add_argument(f"--{name.replace('_', '-')}", dest=name, metavar="VALUE", help=text)
    args = parser.parse_args(argv)

    given = {name: getattr(args, name) for name in SETTING_FLAGS if getattr(args, name) is not None}
    try:
        chosen = Settings.from_query(given)
    except SettingsError as error:
        parser.error(f"--{error.field.replace('_', '-')}: {error}")
    if args.export is None:
        if args.steps is not None or args.every is not None:
            parser.error("--steps and --every go with --export PATH")
        if not 0 <= args.port <= 65535:
            parser.error(f"--port must be from 0 to 65535, got {args.port}")
        run_live(chosen, args.port, not args.no_browser)
    else:
        steps = 300 if args.steps is None else args.steps
        every = max(1, math.ceil(steps / FRAMES)) if args.every is None else args.every
        if not 1 <= steps <= 5000 or every < 1:
            parser.error(f"--steps must be from 1 to 5000 and --every at least 1, got {steps} and {every}")
        start = time.perf_counter()
        path = record(chosen, steps, every=every).save(args.export)
        took = time.perf_counter() - start
        size = path.stat().st_size / 1e6
        print(f"wrote {path} ({steps} steps, a frame every {every}, {size:.1f} MB) in {took:.2f} s")
        print(f"Open it in a browser: {path.resolve().as_uri()}")


def run_live(settings: Settings, port: int, open_browser: bool) -> None:
    """Serve until Ctrl-C: the URL first, then how to stop."""

    def ready(url: str) -> None:
        print(url, flush=True)
        print("Serving the playground on 127.0.0.1 only; Ctrl-C stops it.", flush=True)

    try:
        serve(settings, port=port, open_browser=open_browser, ready=ready)
    except OSError as error:  # the port is taken, or not ours to use
        print(f"cannot listen on 127.0.0.1:{port}: {error.strerror or error}", file=sys.stderr)
        sys.exit(1)
    print("stopped")


if __name__ == "__main__":
    main()
