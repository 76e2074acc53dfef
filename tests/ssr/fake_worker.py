"""A fault-injecting SSR worker speaking SSR-5, for the bridge tests (no React, no Node).

Run as `python fake_worker.py [options]`. By default it behaves: says ready, answers each
request in a thread of its own (as the real worker answers concurrently), and exits when
its stdin closes. A render answers `<p data-pid=PID data-file=NAME>PROPS</p>`, with the
props re-encoded with sorted keys, so a test can tell which request and which process a
reply belongs to. What the component file's name contains steers single renders:

    throw   an error reply            crash   the process exits at once (code 13)
    hang    never answered            block   the whole worker stops (a stuck JS loop)
    slow    answered after --slow seconds
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import threading
import time
from typing import Any

parser = argparse.ArgumentParser()
parser.add_argument("--never-ready", action="store_true", help="never write the ready line")
parser.add_argument("--exit-before-ready", action="store_true", help="exit with code 7 before ready")
parser.add_argument("--ready-after", type=float, default=0.0, help="seconds before the ready line")
parser.add_argument("--garbage", action="store_true", help="write non-JSON and non-object lines around replies")
parser.add_argument("--unknown-ids", action="store_true", help="answer ids nobody asked about before each reply")
parser.add_argument("--flood-stderr", type=int, default=0, help="bytes written to stderr before each reply")
parser.add_argument("--shuffle", action="store_true", help="answer after a random delay, hence out of order")
parser.add_argument("--exit-after", type=int, default=0, help="exit (code 0) after answering this many renders")
parser.add_argument("--slow", type=float, default=0.5, help="delay of a render whose file says 'slow'")
parser.add_argument("--ignore-term", action="store_true", help="ignore SIGTERM and stdin's end (must be killed)")
parser.add_argument("--pid-file", default="", help="append this process's pid to the file")
parser.add_argument("--close-stdin", action="store_true", help="close stdin before ready and keep running")
parser.add_argument("--malformed", action="store_true", help="answer renders with neither html nor error")
options = parser.parse_args()

out_lock = threading.Lock()
answered = 0
answered_lock = threading.Lock()


def write(message: Any) -> None:
    line = message if isinstance(message, str) else json.dumps(message, ensure_ascii=False)
    with out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def render(ident: int, params: dict[str, Any]) -> None:
    global answered
    name = os.path.basename(params["file"])
    if "hang" in name:
        return
    if "block" in name:
        with out_lock:  # nothing else is written again: the worker is stuck
            time.sleep(3600)
    if "crash" in name:
        os._exit(13)
    if "slow" in name:
        time.sleep(options.slow)
    if options.shuffle:
        time.sleep(random.random() / 100)
    if options.flood_stderr:
        chunk = ("e" * 4095 + "\n").encode()
        for _ in range(options.flood_stderr // len(chunk)):
            sys.stderr.buffer.write(chunk)
        sys.stderr.buffer.flush()
    if options.garbage:
        write("this is not JSON")
        write("[1, 2, 3]")
        write("x" * 1000)
        write("")
    if options.unknown_ids:
        write({"id": ident + 1_000_000, "html": "<p>nobody asked</p>"})
        write({"id": str(ident), "html": "<p>a string id</p>"})
        write({"id": None, "error": "no id"})
    if "throw" in name:
        write({"id": ident, "error": f"{name} threw: Error: boom"})
    elif options.malformed:
        write({"id": ident, "result": 1})
    else:
        props = json.dumps(params["props"], sort_keys=True, ensure_ascii=False)
        write({"id": ident, "html": f'<p data-pid="{os.getpid()}" data-file="{name}">{props}</p>'})
    with answered_lock:
        answered += 1
        done = options.exit_after and answered >= options.exit_after
    if done:
        os._exit(0)


def main() -> None:
    if options.pid_file:
        with open(options.pid_file, "a") as file:
            file.write(f"{os.getpid()}\n")
    if options.ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if options.exit_before_ready:
        sys.exit(7)
    if options.ready_after:
        time.sleep(options.ready_after)
    if options.close_stdin:
        os.close(0)
    if not options.never_ready:
        write({"id": 0, "ready": True})
    if options.close_stdin:
        time.sleep(3600)
    for line in sys.stdin.buffer:
        request = json.loads(line)
        if request["method"] == "ping":
            write({"id": request["id"], "pong": True})
            continue
        threading.Thread(target=render, args=(request["id"], request["params"]), daemon=True).start()
    if options.ignore_term:
        time.sleep(3600)


if __name__ == "__main__":
    main()
