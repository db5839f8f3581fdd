"""Lint speed, start-up and memory against their floors, measured side by side in one run.

Files are real rows (``bench/realdata.py``: real system, user and assistant turns of
``../shared/datasets/`` recombined, built once in /tmp) at 10k, 100k and 1M examples (5, 47 and
470 MB; the 1M rows take minutes and about 1 GB on a 2-core machine: ``--sizes 10000,100000``
leaves them out). Rows (issue 12's table):

* start-up: ``tuiftune lint`` of an 80-line real file in a fresh process vs the floor, a fresh
  ``python`` that imports json and tiktoken, loads the encoding and runs a plain
  ``encode_ordinary`` loop over the same file (wall, median of ``--repeat``). Goal <= 1.3x.
* lint at each size, cold: ``python -m tuiftune lint FILE`` in a fresh process vs the floor
  script in a fresh process (wall, best of ``--repeat``; one run at 1M). Goal <= 1.1x.
* lint at each size, warm: ``tuiftune.dataset.lint_file`` end to end vs the floor's loop in
  this process (read, ``json.loads`` every line, count every message string with
  ``encode_ordinary``, one thread, tokenizer loaded): ``--repeat`` interleaved pairs, the
  ratio of the two sides' best, and the median of the pairs' own ratios. Goal <= 1.1x.
* instructions at 10k (when valgrind is installed): the same two loops counted by callgrind in
  child processes, less a child that only does their shared set-up. This machine's speed
  drifts by a third from minute to minute; instruction counts repeat to about 0.1%.
* memory at each size: peak resident memory of a child process while it lints the file, above
  its baseline after imports and the tokenizer, over the file size; and the same for the cold
  command (its peak RSS above that of ``tuiftune lint`` on the 80-line file). Goal <= 1.3x.

``uptime``'s load is printed first: other work on the machine slows both sides of a ratio, but
not equally. Run: ``TIKTOKEN_CACHE_DIR=../shared/tiktoken-cache python bench/lint_bench.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from realdata import compiled_like_an_install, real_chat_file, real_head

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


def floor_once(path: Path) -> tuple[float, float]:
    """Parse every line and count every string with a plain tiktoken loop: (wall, CPU) s."""
    import tiktoken

    enc = tiktoken.get_encoding("o200k_base")
    start, cpu = time.perf_counter(), time.process_time()
    total = 0
    with path.open("rb") as fh:
        for line in fh:
            for message in json.loads(line)["messages"]:
                for value in message.values():
                    total += len(enc.encode_ordinary(value))
    elapsed = time.perf_counter() - start
    assert total > 0
    return elapsed, time.process_time() - cpu


def lint_once(path: Path) -> tuple[float, float]:
    """Lint the file end to end: (wall, CPU) seconds."""
    from tuiftune.dataset import lint_file
    from tuiftune.dataset.tokens import counter_for

    # A cold per-string cache each run, as in a fresh process; the tokenizer stays loaded, as
    # the floor's does.
    counter_for("o200k_base").clear_cache()
    start, cpu = time.perf_counter(), time.process_time()
    report = asyncio.run(lint_file(path))
    assert report.records > 0
    return time.perf_counter() - start, time.process_time() - cpu


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
    return cold_run(cmd)[0]


# A child's peak RSS counts the pages it shares with its parent between fork and exec: forked
# from this process (hundreds of MB once it has linted in-process) it read as that size. So
# each cold run is timed by a small launcher process that starts it and reports its figures.
LAUNCHER = """
import json, os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, status, usage = os.wait4(proc.pid, 0)
wall = time.perf_counter() - start
code = os.waitstatus_to_exitcode(status)
print(json.dumps({"wall": wall, "rss": usage.ru_maxrss * 1024, "code": code}))
"""


def cold_run(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak resident bytes of a fresh process (its exit status not checked
    beyond 0 or 1: ``tuiftune lint`` exits 1 on files with errors)."""
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *cmd], capture_output=True, text=True, check=True, cwd=REPO
    )
    got = json.loads(done.stdout)
    if got["code"] not in (0, 1):
        raise RuntimeError(f"{cmd} exited {got['code']}")
    return float(got["wall"]), int(got["rss"])


def start_up_row(repeat: int) -> int:
    """The 80-line row; returns the command's peak RSS there (the cold memory rows' baseline)."""
    small = real_head(80)
    lint_cmd = [sys.executable, "-m", "tuiftune", "lint", str(small)]
    floor_cmd = [sys.executable, "-c", FLOOR_SCRIPT, str(small)]
    lints, floors, peaks = [], [], []
    for _ in range(repeat):  # interleaved, so machine noise hits both alike
        floors.append(cold(floor_cmd))
        wall, peak = cold_run(lint_cmd)
        lints.append(wall)
        peaks.append(peak)
    lint, floor = statistics.median(lints), statistics.median(floors)
    row("start-up: tuiftune lint, 80 real lines, fresh process", lint, floor, "<= 1.3x")
    return min(peaks)


def row(label: str, measured: float, anchor: float, goal: str, unit: str = ".2f") -> None:
    ratio = measured / anchor if anchor else float("inf")
    print(f"{label:<58} {measured:9{unit}} {anchor:9{unit}} {ratio:6.2f}x  {goal}")


def pair_row(label: str, lints: list[float], floors: list[float]) -> None:
    """The two sides' best and their ratio, then the median of the interleaved pairs' ratios."""
    best = min(lints) / min(floors)
    paired = statistics.median(a / b for a, b in zip(lints, floors, strict=True))
    print(
        f"{label:<58} {min(lints):9.2f} {min(floors):9.2f} {best:6.2f}x  <= 1.1x "
        f"(median of {len(lints)} pairs: {paired:.2f}x)"
    )


def size_rows(examples: int, repeat: int, command_base: int) -> None:
    path = real_chat_file(examples)
    size = path.stat().st_size
    repeat = 1 if examples >= 1_000_000 else repeat
    name = f"{examples:,} real examples ({size / 1e6:.0f} MB)"
    # Cold: a fresh process each, interleaved so that machine noise hits both alike.
    lint_cmd = [sys.executable, "-m", "tuiftune", "lint", str(path)]
    floor_cmd = [sys.executable, "-c", FLOOR_SCRIPT, str(path)]
    cold(floor_cmd)  # the page cache
    floors, lints, peaks = [], [], []
    for _ in range(repeat):
        floors.append(cold(floor_cmd))
        wall, peak = cold_run(lint_cmd)
        lints.append(wall)
        peaks.append(peak)
    row(f"tuiftune lint {name}, cold, vs floor", min(lints), min(floors), "<= 1.1x")
    # Warm: in this process, the tokenizer loaded on both sides (and the page cache).
    floor_once(path)
    lint_once(real_head(80))
    warm_floors: list[tuple[float, float]] = []
    warm_lints: list[tuple[float, float]] = []
    for i in range(repeat):
        # Which side goes first alternates, so that neither always follows the other's garbage.
        if i % 2:
            warm_lints.append(lint_once(path))
            warm_floors.append(floor_once(path))
        else:
            warm_floors.append(floor_once(path))
            warm_lints.append(lint_once(path))
    # Both figures: this machine's speed drifts by a third within a minute, so the two sides'
    # minima may come from different phases, and a pair run back to back shares its phase but
    # not always (their spread is the noise to read the ratio with).
    floors = [w / CORES_USED for w, _ in warm_floors]
    pair_row(f"lint_file {name}, warm, vs floor", [w for w, _ in warm_lints], floors)
    # CPU seconds (every thread of this process): less shaken by other work on the machine.
    cpu_lints, cpu_floors = [c for _, c in warm_lints], [c for _, c in warm_floors]
    pair_row(f"lint_file {name}, warm, CPU s vs floor", cpu_lints, cpu_floors)
    child = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(path)],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ),
    )
    mem = json.loads(child.stdout)
    peak = mem["peak"] - mem["baseline"]
    row(
        f"lint_file peak memory, {examples:,}, vs file size (MB)",
        peak / 1e6,
        size / 1e6,
        "<= 1.3x",
        ".1f",
    )
    above = min(peaks) - command_base
    row(
        f"tuiftune lint peak memory, {examples:,}, cold, vs file (MB)",
        above / 1e6,
        size / 1e6,
        "<= 1.3x",
        ".1f",
    )


INSTRUCTION_EXAMPLES = 10_000
CALLGRIND = ("valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null")


def instructions_child(mode: str, path: Path) -> None:
    """Child process under callgrind: the same set-up for every mode, then one side's work."""
    floor_once(real_head(80))
    lint_once(real_head(80))
    if mode == "floor":
        floor_once(path)
    elif mode == "lint":
        lint_once(path)


def instructions(mode: str, path: Path) -> int:
    """Instructions callgrind counts in a child doing ``mode`` (deterministic to about 0.1%)."""
    done = subprocess.run(
        [*CALLGRIND, sys.executable, __file__, "--instructions-child", mode, str(path)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    for line in done.stderr.splitlines():
        if "Collected :" in line:
            return int(line.rsplit(":", 1)[1])
    raise RuntimeError(f"no instruction count from callgrind: {done.stderr[-300:]}")


def instruction_row() -> None:
    """Lint vs floor in instructions: the one figure this machine's drifting speed leaves alone."""
    if shutil.which("valgrind") is None:
        print("(instructions row skipped: valgrind is not installed)")
        return
    path = real_chat_file(INSTRUCTION_EXAMPLES)
    setup = instructions("setup", path)
    floor, lint = instructions("floor", path) - setup, instructions("lint", path) - setup
    row(
        f"lint_file {INSTRUCTION_EXAMPLES:,} real examples, M instructions vs floor",
        lint / 1e6,
        floor / 1e6,
        "<= 1.1x",
        ".0f",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="10000,100000,1000000", help="comma-separated example counts"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--no-instructions", action="store_true", help="leave out the callgrind row (~6 min)"
    )
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--instructions-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, real_chat_file(2000, seed=3))
        return
    if args.instructions_child:
        instructions_child(args.instructions_child[0], Path(args.instructions_child[1]))
        return
    shared = REPO.parent / "shared" / "tiktoken-cache"
    if shared.is_dir():
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(shared))
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    print(compiled_like_an_install())
    print(f"{'row (seconds unless said)':<58} {'measured':>9} {'anchor':>9} {'ratio':>7}  goal")
    base = start_up_row(max(args.repeat, 5))
    if not args.no_instructions:
        instruction_row()
    for examples in (int(n) for n in args.sizes.split(",")):
        size_rows(examples, args.repeat, base)


if __name__ == "__main__":
    main()
