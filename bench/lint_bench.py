"""Lint speed and memory against the tokenization floor, measured side by side in one run.

Builds a deterministic 100k-example chat file (about 80 MB) in bench/_data/ and prints:

* floor: read the file, ``json.loads`` every line and count every message string with a plain
  ``encoding.encode_ordinary`` loop. The linter runs on one core (one worker thread), so the
  floor is divided by 1.
* lint: ``tuiftune.dataset.lint_file`` end to end (stream the file in, lint every record,
  build the report with stats and cost).
* memory: peak resident memory of a child process while it loads and lints the file, above
  its baseline after imports and the tokenizer are loaded, divided by the file size.

Targets (issue 2): lint <= 1.25x the floor, peak memory <= 1.5x the file size.
Run: ``TIKTOKEN_CACHE_DIR=../shared/tiktoken-cache python bench/lint_bench.py [--examples N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from datagen import write_chat_file

DATA = Path(__file__).resolve().parent / "_data"
CORES_USED = 1


def floor_once(path: Path) -> float:
    """Parse every line and count every string with a plain tiktoken loop."""
    import tiktoken

    enc = tiktoken.get_encoding("o200k_base")
    start = time.perf_counter()
    total = 0
    with path.open("rb") as fh:
        for line in fh:
            for message in json.loads(line)["messages"]:
                for value in message.values():
                    total += len(enc.encode_ordinary(value))
    elapsed = time.perf_counter() - start
    assert total > 0
    return elapsed


def lint_once(path: Path) -> tuple[float, int]:
    """Lint the file end to end; returns seconds and the error count (0 expected)."""
    from tuiftune.dataset import lint_file
    from tuiftune.dataset.tokens import counter_for

    # A cold per-string cache each run, as in a fresh process; the tokenizer stays loaded, as
    # the floor's does.
    counter_for("o200k_base").clear_cache()
    start = time.perf_counter()
    report = asyncio.run(lint_file(path))
    return time.perf_counter() - start, report.errors


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def memory_child(path: Path, warmup: Path) -> None:
    """Child process: print baseline and peak RSS (bytes) around one lint."""
    from tuiftune.dataset import lint_file

    # Lint a small file first: the tokenizer's load and its regex caches are a fixed cost in
    # the lint thread, not memory that grows with the file.
    asyncio.run(lint_file(warmup))
    # Reset the high-water mark so that the tokenizer's own load does not count.
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    baseline = _status("VmRSS")
    report = asyncio.run(lint_file(path))
    print(json.dumps({"baseline": baseline, "peak": _status("VmHWM"), "records": report.records}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, write_chat_file(DATA / "warmup-5000.jsonl", 5000, seed=3))
        return
    path = write_chat_file(DATA / f"chat-{args.examples}.jsonl", args.examples)
    size = path.stat().st_size
    print(f"file: {path.name}, {args.examples:,} examples, {size / 1e6:.1f} MB")
    floor_once(path)  # warm the page cache and load the encoding
    floors: list[float] = []
    lints: list[float] = []
    for _ in range(args.repeat):  # interleaved, so machine noise hits both alike
        floors.append(floor_once(path))
        seconds, errors = lint_once(path)
        lints.append(seconds)
        assert errors == 0, "the benchmark file should lint clean"
    floor, lint = min(floors) / CORES_USED, min(lints)
    print(f"tokenization floor (best of {args.repeat}, {CORES_USED} core): {floor:.2f} s")
    print(f"tuiftune lint       (best of {args.repeat}):          {lint:.2f} s")
    print(f"lint / floor: {lint / floor:.2f}x   (target <= 1.25x)")
    env = dict(os.environ)
    child = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(path)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    mem = json.loads(child.stdout)
    peak = mem["peak"] - mem["baseline"]
    print(f"peak memory above baseline: {peak / 1e6:.1f} MB for a {size / 1e6:.1f} MB file")
    print(f"peak memory / file size: {peak / size:.2f}x   (target <= 1.5x)")


if __name__ == "__main__":
    main()
