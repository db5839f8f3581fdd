"""Eval throughput against the theoretical maximum, measured side by side in one run.

Starts the sandbox (the app of ``tuiftune serve`` under uvicorn on 127.0.0.1, in its own process
so that server and client do not share a GIL) with ``--latency-ms 100`` and evaluates the same N
examples:

* sequential: a plain loop, one ``chat.completions.create`` after another (the baseline).
* concurrent: ``tuiftune eval --concurrency 8`` (the command itself, run in-process).
* rate-limited: the server at ``--rate-limit R`` requests per minute and ``tuiftune eval
  --concurrency 8 --rpm R`` (the client budget paces requests so none is refused).
* 429s (unless ``--skip-429``): a server limit below N with no client budget: the runner meets
  429s and pauses every worker for the server's Retry-After.

The theoretical maximum throughput is ``min(concurrency / latency, rate limit)``; the time it
allows is N divided by it (paced: N - 1 gaps of 60/R seconds, then the last answer's latency).
For a limit enforced as a 60-second sliding window with no client budget, the bound is the
window arithmetic instead (a window admits R at once, then nothing until it slides).
Goal (issue): concurrent and rate-limited runs at >= 0.9 of the theoretical maximum.

Run: ``TIKTOKEN_CACHE_DIR=../shared/tiktoken-cache python bench/eval_bench.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data" / "ticket-triage-test.jsonl"
MODEL = "gpt-4o-mini-2024-07-18"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve(port: int, latency_ms: int, rate_limit: int | None) -> None:
    """What ``tuiftune serve`` does, with TCP_NODELAY on every connection.

    ``tuiftune serve`` binds ``socket.socket(AF_INET)`` (protocol 0), and asyncio only sets
    TCP_NODELAY on sockets whose protocol is IPPROTO_TCP: without it, uvicorn's two writes per
    response (head, then body) meet the client's delayed ACK and every keep-alive request
    stalls about 40 ms. Binding with IPPROTO_TCP avoids that; ``--serve-command`` measures the
    command as it is.
    """
    import uvicorn

    from tuiftune.server.app import create_app
    from tuiftune.server.options import ServerOptions

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    options = ServerOptions(latency_ms=latency_ms, rate_limit_rpm=rate_limit)
    uvicorn.Server(uvicorn.Config(create_app(options), log_level="warning")).run(sockets=[sock])


@contextlib.contextmanager
def server(latency_ms: int, rate_limit: int | None = None, command: bool = False) -> Iterator[str]:
    """The sandbox server in a child process; yields its base URL once it answers."""
    import httpx2

    port = free_port()
    if command:
        cmd = [sys.executable, "-m", "tuiftune", "serve", "--port", str(port)]
        cmd += ["--latency-ms", str(latency_ms), "--chunk-delay-ms", "0"]
        if rate_limit is not None:
            cmd += ["--rate-limit", str(rate_limit)]
    else:
        limit = "" if rate_limit is None else str(rate_limit)
        cmd = [sys.executable, __file__, "--serve", str(port), str(latency_ms), limit]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            # Waiting for a child to listen is the one place a short poll is unavoidable.
            with contextlib.suppress(httpx2.HTTPError):
                if httpx2.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start: {proc.stderr}")
            time.sleep(0.05)
        yield f"{url}/v1"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def write_test_set(path: Path, n: int) -> None:
    """N distinct chat examples of the triage task (the sample test set, numbered)."""
    rows = [json.loads(line) for line in SAMPLE.read_text().splitlines()]
    with path.open("w") as fh:
        for i in range(n):
            row = rows[i % len(rows)]
            messages = [dict(m) for m in row["messages"]]
            messages[1]["content"] += f" (ticket #{i})"
            fh.write(json.dumps({"messages": messages}) + "\n")


async def sequential(base_url: str, examples: list[Any]) -> float:
    """The baseline: a plain loop of requests, one at a time."""
    import openai

    async with openai.AsyncOpenAI(base_url=base_url, api_key="sandbox", max_retries=0) as client:
        start = time.perf_counter()
        for messages in examples:
            await client.chat.completions.create(model=MODEL, messages=messages, temperature=0)
        return time.perf_counter() - start


def tuiftune_eval(
    base_url: str, path: Path, out: Path, *extra: str
) -> tuple[float, dict[str, Any]]:
    """``tuiftune eval`` in-process against ``base_url``; (wall seconds, its --json output)."""
    import argparse as ap

    from tuiftune.cli import dispatch
    from tuiftune.commands import eval as eval_cmd

    os.environ["OPENAI_BASE_URL"] = base_url
    os.environ["OPENAI_API_KEY"] = "sandbox"
    parser = ap.ArgumentParser(prog="tuiftune")
    eval_cmd.add_parser(parser.add_subparsers())
    argv = ["eval", str(path), "-m", MODEL, "--out", str(out), "--overwrite", "--json", *extra]
    args = parser.parse_args(argv)
    buffer = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(buffer):
        code = dispatch(args)
    elapsed = time.perf_counter() - start
    if code != 0:
        raise RuntimeError(f"tuiftune eval exited {code}")
    return elapsed, json.loads(buffer.getvalue())


def cold_eval(base_url: str, path: Path, out: Path, concurrency: int) -> tuple[float, float]:
    """``tuiftune eval`` in a fresh process (imports and scorer loading included): (wall
    seconds, the runner's own seconds)."""
    env = {**os.environ, "OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": "sandbox"}
    cmd = [sys.executable, "-m", "tuiftune", "eval", str(path), "-m", MODEL, "--out", str(out)]
    cmd += ["--overwrite", "--json", "-c", str(concurrency)]
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    return wall, float(json.loads(done.stdout)["run"]["elapsed_seconds"])


def window_bound(n: int, rpm: int, concurrency: int, latency: float) -> float:
    """Shortest time for n requests under a 60 s sliding-window limit of ``rpm``."""
    waves = math.ceil(n / rpm)
    last = n - rpm * (waves - 1)
    return 60.0 * (waves - 1) + math.ceil(last / concurrency) * latency


def main() -> None:
    if sys.argv[1:2] == ["--serve"]:
        port, latency, limit = sys.argv[2:5]
        serve(int(port), int(latency), int(limit) if limit else None)
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rate-limit", type=int, default=1200, help="RPM for the paced run")
    parser.add_argument("--burst-limit", type=int, default=150, help="RPM for the 429 run")
    parser.add_argument("--skip-429", action="store_true", help="skip the ~1 minute 429 run")
    parser.add_argument(
        "--serve-command", action="store_true", help="run `tuiftune serve` as is (see serve())"
    )
    opts = parser.parse_args()
    cmd = opts.serve_command
    shared = REPO.parent / "shared" / "tiktoken-cache"
    if shared.is_dir():
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(shared))
    # No user config may redirect the CLI to another backend.
    os.environ["TUIFTUNE_CONFIG"] = str(Path(tempfile.mkdtemp()) / "none.toml")
    n, c, latency = opts.examples, opts.concurrency, opts.latency_ms / 1000
    work = Path(tempfile.mkdtemp(prefix="eval-bench-"))
    test = work / "test.jsonl"
    write_test_set(test, n)
    rows: list[tuple[str, float, float, float, str]] = []  # name, wall, runner, theory, note

    def add(name: str, wall: float, doc: dict[str, Any] | None, theory: float, note: str) -> None:
        runner = float(doc["run"]["elapsed_seconds"]) if doc else wall
        assert doc is None or doc["run"]["new"] == n
        rows.append((name, wall, runner, theory, note))

    with server(opts.latency_ms, command=cmd) as url:
        # Start-up counts: a fresh process, before anything is warm (the 3 s at 0/N).
        cold = work / "cold.jsonl"
        write_test_set(cold, 60)
        cold_wall, cold_runner = cold_eval(url, cold, work / "cold.results.jsonl", c)
        tuiftune_eval(url, test, work / "warm.jsonl")  # imports, tokenizers, connections
        prompts = [json.loads(line)["messages"][:-1] for line in test.read_text().splitlines()]
        seq = asyncio.run(sequential(url, prompts))
        add("sequential loop", seq, None, n * latency, "1 request at a time")
        par, doc = tuiftune_eval(url, test, work / "c.jsonl", "--concurrency", str(c))
        add(f"tuiftune eval -c {c}", par, doc, math.ceil(n / c) * latency, "no limit")
    rate = opts.rate_limit
    with server(opts.latency_ms, rate, cmd) as url:
        paced, doc = tuiftune_eval(url, test, work / "r.jsonl", "-c", str(c), "--rpm", str(rate))
        # Paced starts 60/R apart (the last answer one latency later), or waves of c.
        theory = max(math.ceil(n / c) * latency, (n - 1) * 60 / rate + latency)
        note = f"server {rate} rpm, --rpm {rate}, {doc['run']['rate_limited']} x 429"
        add(f"tuiftune eval -c {c} --rpm {rate}", paced, doc, theory, note)
    if not opts.skip_429 and opts.burst_limit < n:
        burst = opts.burst_limit
        with server(opts.latency_ms, burst, cmd) as url:
            hit, doc = tuiftune_eval(url, test, work / "b.jsonl", "-c", str(c))
            note = f"server {burst} rpm, no budget, {doc['run']['rate_limited']} x 429"
            add(f"tuiftune eval -c {c}", hit, doc, window_bound(n, burst, c, latency), note)
    print(f"{n} examples, server latency {opts.latency_ms} ms, concurrency {c}")
    print(
        "wall: the whole command (load + lint the test set, run, summarise); runner: the run "
        "alone.\nof max: theory / seconds, where theory is the time the theoretical maximum "
        "throughput allows."
    )
    header = (
        f"{'run':<30} {'wall s':>7} {'runner s':>8} {'theory':>7} {'of max':>13} {'speed-up':>8}"
    )
    print(header + "  notes")
    for name, wall, runner, theory, note in rows:
        fractions = f"{theory / wall:.2f} / {theory / runner:.2f}"
        print(
            f"{name:<30} {wall:7.2f} {runner:8.2f} {theory:7.2f} {fractions:>13} "
            f"{seq / wall:7.2f}x  {note}"
        )
    cold_theory = math.ceil(60 / c) * latency
    print(
        f"cold start, 60 examples, -c {c}, fresh process: {cold_wall:.2f} s wall, runner "
        f"{cold_runner:.2f} s (scorers loaded before the first request), requests alone "
        f"{cold_theory:.2f} s: {cold_theory / cold_wall:.2f} of max"
    )
    trip = seq / n
    print(
        f"measured round trip: {trip * 1000:.1f} ms per request ({(trip - latency) * 1000:.1f} ms "
        f"above the latency); with that floor instead of the bare latency, -c {c} runs at "
        f"{seq / c / rows[1][2]:.2f} of its maximum (runner)."
    )


if __name__ == "__main__":
    main()
