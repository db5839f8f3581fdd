"""Eval speed against its anchors, measured side by side in one run on real data.

Starts the sandbox (the app of ``tuiftune serve`` under uvicorn on 127.0.0.1, in its own process
so that server and client do not share a GIL) with ``--latency-ms 100``. The examples are real
rows drawn from ``../shared/datasets/`` (distinct lines of flaky-tests-chat-large.jsonl, a
True/False classification set), never synthetic repetition. Rows (issue 12's table):

* cold ``tuiftune eval`` of 10 examples (a fresh ``python -m tuiftune`` with every metric) vs a
  fresh plain SDK script making the same requests (``asyncio.gather``, the same concurrency)
  and scoring exact match: a ratio of wall times, goal <= 1.5x.
* the eval runner at 200 examples, concurrency 32, in a fresh process: the theoretical maximum
  (``ceil(N / c) * latency``) over the runner's own seconds, with every metric and with
  ``--metrics em``, beside the same fraction for an SDK ``gather`` of the same 200 requests
  (also in a fresh process). Goal >= 0.7 and about the anchor.
* ``--rates``: the older rows (sequential loop, paced ``--rpm`` and 429 runs).

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
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "datasets" / "flaky-tests-chat-large.jsonl"
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
    """N distinct real chat examples (the first N distinct lines of the real file)."""
    lines = list(dict.fromkeys(REAL.read_text(encoding="utf-8").splitlines()))
    if len(lines) < n:
        raise SystemExit(f"{REAL} has only {len(lines)} distinct rows, {n} asked")
    path.write_text("\n".join(lines[:n]) + "\n", encoding="utf-8")


# The anchor: what a user would write with the SDK alone (the same requests, exact match).
SDK_SCRIPT = """
import asyncio, json, sys, time
import openai

async def main(path, out, concurrency):
    rows = [json.loads(line) for line in open(path, encoding="utf-8")]
    gate = asyncio.Semaphore(concurrency)
    async with openai.AsyncOpenAI(max_retries=0) as client:
        async def one(row):
            async with gate:
                reply = await client.chat.completions.create(
                    model=MODEL, messages=row["messages"][:-1], temperature=0
                )
            text = reply.choices[0].message.content or ""
            return text, float(text.strip() == row["messages"][-1]["content"].strip())
        start = time.perf_counter()
        done = await asyncio.gather(*(one(row) for row in rows))
        elapsed = time.perf_counter() - start
    with open(out, "w", encoding="utf-8") as fh:
        for text, em in done:
            fh.write(json.dumps({"output": text, "em": em}) + "\\n")
    print(json.dumps({"em": sum(em for _, em in done) / len(done), "elapsed": elapsed}))

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""


def cold_sdk(base_url: str, path: Path, out: Path, concurrency: int) -> tuple[float, float]:
    """The SDK script in a fresh process: (wall seconds, seconds of its gather alone)."""
    env = {**os.environ, "OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": "sandbox"}
    code = f"MODEL = {MODEL!r}\n{SDK_SCRIPT}"
    cmd = [sys.executable, "-c", code, str(path), str(out), str(concurrency)]
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    return wall, float(json.loads(done.stdout)["elapsed"])


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


def cold_eval(
    base_url: str, path: Path, out: Path, concurrency: int, *extra: str
) -> tuple[float, float]:
    """``tuiftune eval`` in a fresh process (imports and scorer loading included): (wall
    seconds, the runner's own seconds)."""
    env = {**os.environ, "OPENAI_BASE_URL": base_url, "OPENAI_API_KEY": "sandbox"}
    cmd = [sys.executable, "-m", "tuiftune", "eval", str(path), "-m", MODEL, "--out", str(out)]
    cmd += ["--overwrite", "--json", "-c", str(concurrency), *extra]
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    return wall, float(json.loads(done.stdout)["run"]["elapsed_seconds"])


def window_bound(n: int, rpm: int, concurrency: int, latency: float) -> float:
    """Shortest time for n requests under a 60 s sliding-window limit of ``rpm``."""
    waves = math.ceil(n / rpm)
    last = n - rpm * (waves - 1)
    return 60.0 * (waves - 1) + math.ceil(last / concurrency) * latency


def issue_rows(opts: argparse.Namespace, work: Path) -> None:
    """Issue 12's eval rows: cold eval vs the SDK script, runner vs the SDK gather."""
    latency, c, n = opts.latency_ms / 1000, opts.concurrency, opts.examples
    small, big = work / "small.jsonl", work / "big.jsonl"
    write_test_set(small, opts.cold_examples)
    write_test_set(big, n)
    theory = math.ceil(n / c) * latency
    runs: dict[str, list[float]] = {}
    with server(opts.latency_ms, command=opts.serve_command) as url:
        for _ in range(opts.repeat):  # interleaved, so that load on the machine hits both
            wall, _ = cold_sdk(url, small, work / "sdk-small.jsonl", 4)
            runs.setdefault("sdk cold", []).append(wall)
            wall, _ = cold_eval(url, small, work / "tt-small.jsonl", 4)
            runs.setdefault("eval cold", []).append(wall)
            _, gather = cold_sdk(url, big, work / "sdk-big.jsonl", c)
            runs.setdefault("sdk gather", []).append(theory / gather)
            _, runner = cold_eval(url, big, work / "tt-big.jsonl", c)
            runs.setdefault("runner all", []).append(theory / runner)
            _, runner = cold_eval(url, big, work / "tt-em.jsonl", c, "--metrics", "em")
            runs.setdefault("runner em", []).append(theory / runner)
    med = {name: statistics.median(values) for name, values in runs.items()}
    load = os.getloadavg()
    print(
        f"real rows from {REAL.name}; server latency {opts.latency_ms} ms; median of {opts.repeat}"
        f"; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores"
    )
    print(f"{'row':<58} {'measured':>9} {'anchor':>9} {'ratio':>7}  goal")
    k = opts.cold_examples
    print(
        f"{f'tuiftune eval {k} examples cold (wall s) vs plain SDK script':<58} "
        f"{med['eval cold']:9.2f} {med['sdk cold']:9.2f} "
        f"{med['eval cold'] / med['sdk cold']:6.2f}x  <= 1.5x"
    )
    for key, label in (("runner all", "every metric"), ("runner em", "--metrics em")):
        print(
            f"{f'runner {n} ex, -c {c}, {label} (of max) vs SDK gather':<58} "
            f"{med[key]:9.2f} {med['sdk gather']:9.2f} {med[key] / med['sdk gather']:6.2f}x"
            "  >= 0.7 of max, = anchor"
        )


def rate_rows(opts: argparse.Namespace, work: Path) -> None:
    """The older rows: sequential loop, concurrency, paced and 429 runs (in-process, warm)."""
    cmd = opts.serve_command
    n, c, latency = opts.examples, opts.concurrency, opts.latency_ms / 1000
    test = work / "test.jsonl"
    write_test_set(test, n)
    rows: list[tuple[str, float, float, float, str]] = []  # name, wall, runner, theory, note

    def add(name: str, wall: float, doc: dict[str, Any] | None, theory: float, note: str) -> None:
        runner = float(doc["run"]["elapsed_seconds"]) if doc else wall
        assert doc is None or doc["run"]["new"] == n
        rows.append((name, wall, runner, theory, note))

    with server(opts.latency_ms, command=cmd) as url:
        # Start-up counts: a fresh process, before anything is warm (the issue's 3 s at 0/N).
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


def main() -> None:
    if sys.argv[1:2] == ["--serve"]:
        port, latency, limit = sys.argv[2:5]
        serve(int(port), int(latency), int(limit) if limit else None)
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--cold-examples", type=int, default=10)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each row (median)")
    parser.add_argument("--rates", action="store_true", help="the older rate-limit rows")
    parser.add_argument("--rate-limit", type=int, default=1200, help="RPM for the paced run")
    parser.add_argument("--burst-limit", type=int, default=150, help="RPM for the 429 run")
    parser.add_argument("--skip-429", action="store_true", help="skip the ~1 minute 429 run")
    parser.add_argument(
        "--serve-command", action="store_true", help="run `tuiftune serve` as is (see serve())"
    )
    opts = parser.parse_args()
    shared = REPO.parent / "shared" / "tiktoken-cache"
    if shared.is_dir():
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(shared))
    # No user config may redirect the CLI to another backend.
    os.environ["TUIFTUNE_CONFIG"] = str(Path(tempfile.mkdtemp()) / "none.toml")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from realdata import compiled_like_an_install

    print(compiled_like_an_install())
    work = Path(tempfile.mkdtemp(prefix="eval-bench-"))
    if opts.rates:
        rate_rows(opts, work)
    else:
        issue_rows(opts, work)
        from sandbox_rows import sandbox_rows

        sandbox_rows()


if __name__ == "__main__":
    main()
