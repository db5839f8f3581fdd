"""Lint speed, start-up and memory against their floors, measured side by side in one run.

Files are real rows (``bench/realdata.py``: real system, user and assistant turns of
``../shared/datasets/`` recombined, built once in /tmp) at 10k and 100k examples (and 1M with
``--sizes 10000,100000,1000000``: about 470 MB and minutes on a 2-core machine). Rows:

* start-up: ``tuiftune lint`` of an 80-line real file in a fresh process vs the floor, a fresh
  ``python`` that imports json and tiktoken, loads the encoding and runs a plain
  ``encode_ordinary`` loop over the same file (wall, median of ``--repeat``). Goal <= 1.3x.
* lint at each size: ``tuiftune.dataset.lint_file`` end to end vs the floor (read, ``json.loads``
  every line, count every message string with ``encode_ordinary``, one thread, tokenizer
  loaded), best of ``--repeat``. Goal <= 1.1x.
* memory at each size: peak resident memory of a child process while it lints the file, above
  its baseline after imports and the tokenizer, over the file size. Goal <= 1.3x.

Run: ``TIKTOKEN_CACHE_DIR=../shared/tiktoken-cache python bench/lint_bench.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from realdata import real_chat_file, real_head

REPO = Path(__file__).resolve().parents[1]
CORES_USED = 1
FLOOR_SCRIPT = """
import json, sys
import tiktoken
enc = tiktoken.get_encoding("o200k_base")
total = 0
with open(sys.argv[1], "rb") as fh:
    for line in fh:
        for message in json.loads(line)["messages"]:
            for value in message.values():
                total += len(enc.encode_ordinary(value))
print(total)
"""


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
    """Lint the file end to end; returns seconds and the error count."""
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


def cold(cmd: list[str]) -> float:
    """Wall seconds of a fresh process."""
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, cwd=REPO)
    return time.perf_counter() - start


def start_up_row(repeat: int) -> None:
    small = real_head(80)
    lint_cmd = [sys.executable, "-m", "tuiftune", "lint", str(small)]
    floor_cmd = [sys.executable, "-c", FLOOR_SCRIPT, str(small)]
    lints, floors = [], []
    for _ in range(repeat):  # interleaved, so machine noise hits both alike
        floors.append(cold(floor_cmd))
        lints.append(cold(lint_cmd))
    lint, floor = statistics.median(lints), statistics.median(floors)
    print(
        f"{'start-up: tuiftune lint, 80 real lines, fresh process':<52} {lint:8.2f} "
        f"{floor:8.2f} {lint / floor:6.2f}x  <= 1.3x"
    )


def size_rows(examples: int, repeat: int) -> None:
    path = real_chat_file(examples)
    size = path.stat().st_size
    floor_once(path)  # warm the page cache and load the encoding
    floors: list[float] = []
    lints: list[float] = []
    for _ in range(repeat):  # interleaved, so machine noise hits both alike
        floors.append(floor_once(path))
        lints.append(lint_once(path)[0])
    floor, lint = min(floors) / CORES_USED, min(lints)
    print(
        f"{f'lint {examples:,} real examples ({size / 1e6:.0f} MB) vs floor':<52} {lint:8.2f} "
        f"{floor:8.2f} {lint / floor:6.2f}x  <= 1.1x"
    )
    child = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(path)],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ),
    )
    mem = json.loads(child.stdout)
    peak = mem["peak"] - mem["baseline"]
    print(
        f"{f'lint peak memory, {examples:,} examples, vs file size (MB)':<52} "
        f"{peak / 1e6:8.1f} {size / 1e6:8.1f} {peak / size:6.2f}x  <= 1.3x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated example counts")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, real_chat_file(2000, seed=3))
        return
    shared = REPO.parent / "shared" / "tiktoken-cache"
    if shared.is_dir():
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(shared))
    print(f"{'row (seconds unless said)':<52} {'measured':>8} {'anchor':>8} {'ratio':>7}  goal")
    start_up_row(max(args.repeat, 5))
    for examples in (int(n) for n in args.sizes.split(",")):
        size_rows(examples, args.repeat)


if __name__ == "__main__":
    main()
