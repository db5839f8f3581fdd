"""Dataset editor responsiveness on real data, each row against its goal or anchor, in one run.

Files are real rows (``bench/realdata.py``) at 10k and 100k examples (``--sizes`` adds
1,000,000: about 470 MB, minutes to lint on a 2-core machine). Rows:

* in a real terminal (``bench/editor_pty.py``: ``tuiftune FILE`` under a pty): key sent to
  frame drawn for ``n`` / ``N`` (next / previous problem) and down, after the lint, as the
  first frame (the cursor moved) and the settled one (every pane redrawn); goal p95 <= 50 ms.
* idle CPU of that process on the Dataset area after visiting Jobs, Playground and Eval
  (goal <= 0.3%).
* editor lint vs headless lint: the pty's time from start to the finished status line vs
  ``tuiftune lint`` of the same file in a fresh process (goal <= 1.1x).
* one edit + re-lint (``EditorSession.replace_text`` on random records of a linted file),
  p95 (goal <= 50 ms), and first paint headless.

Run: ``TIKTOKEN_CACHE_DIR=../shared/tiktoken-cache python bench/editor_bench.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from editor_pty import KEYS, Terminal
from realdata import real_chat_file

REPO = Path(__file__).resolve().parents[1]


async def first_paint(path: Path) -> float:
    """Seconds from constructing the app to the first row drawn."""
    from tuiftune.ui.app import Services, TuiftuneApp
    from tuiftune.ui.dataset.record_list import RecordList

    start = time.perf_counter()
    app = TuiftuneApp(Services("BENCH"), path)
    async with app.run_test(size=(120, 40)) as pilot:
        while True:
            lists = app.screen.query(RecordList)
            if lists and lists.first().first_paint_at is not None:
                painted = lists.first().first_paint_at
                break
            await pilot.pause(0.002)
        assert painted is not None
        app.exit()
    return painted - start


def edit_times(path: Path, edits: int = 200) -> list[float]:
    """Seconds per edit + incremental re-lint on a fully linted file."""
    from tuiftune.dataset.session import EditorSession

    session = asyncio.run(EditorSession.open(path))
    session.lint()
    rng = random.Random(3)
    times: list[float] = []
    for i in range(edits):
        pos = rng.randrange(len(session.doc))
        record = json.loads(session.doc.raw_at(pos))
        record["messages"][-1]["content"] += f" (edit {i})"
        text = json.dumps(record, ensure_ascii=False)
        t = time.perf_counter()
        session.replace_text(pos, text)
        times.append(time.perf_counter() - t)
    return times


COLD = """
import time
from tuiftune.ui.app import Services, TuiftuneApp
from tuiftune.ui.dataset.record_list import RecordList

class Probe(TuiftuneApp):
    def on_mount(self) -> None:
        super().on_mount()
        self.call_after_refresh(self.exit)

Probe(Services("BENCH"), None).run(headless=True)
print("painted", flush=True)
"""


def cold_start() -> float:
    """Seconds from spawning a fresh interpreter to the app's first paint (and exit)."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True, check=True)
    assert "painted" in out.stdout
    return time.perf_counter() - start


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) > 1 else values[0]


def pty_rows(path: Path, n: int, presses: int) -> None:
    """Key latency, idle CPU and the editor's lint time, in a real terminal."""
    env = {**os.environ, "TERM": "xterm-256color"}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tuiftune", "lint", str(path)], capture_output=True, cwd=REPO
    )
    headless = time.perf_counter() - start
    term = Terminal(path, env)
    try:
        linted = term.wait_for(b"model gpt", 3600)
        for name, key in (("n", b"n"), ("N", b"N"), ("down", b"\x1b[B")):
            first: list[float] = []
            settled: list[float] = []
            for _ in range(presses):
                a, b = term.key_frames(key)
                first.append(a)
                settled.append(b)
            print(
                f"{f'key {name!r}, {n:,} rows, pty: first frame / settled p95 (ms)':<60} "
                f"{p95(first) * 1000:6.0f} / {p95(settled) * 1000:4.0f}   goal <= 50"
            )
        for mode in ("f3", "f4", "f5", "f2"):
            term.key(KEYS[mode])
            time.sleep(1.0)
        term.settle(1.0)
        idle = term.idle_cpu(10.0)
        print(
            f"{f'idle CPU on Dataset after the other areas, {n:,} rows':<60} "
            f"{idle * 100:6.2f}%  goal <= 0.3%"
        )
    finally:
        term.close()
    print(
        f"{f'editor lint (start to status) vs tuiftune lint, {n:,} rows (s)':<60} "
        f"{linted:6.2f} / {headless:4.2f} = {linted / headless:.2f}x  goal <= 1.1x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated example counts")
    parser.add_argument("--presses", type=int, default=20, help="key presses per key and size")
    args = parser.parse_args()
    shared = REPO.parent / "shared" / "tiktoken-cache"
    if shared.is_dir():
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(shared))
    os.environ.setdefault("TUIFTUNE_CONFIG", "/nonexistent/tuiftune-bench.toml")
    sizes = [int(n) for n in args.sizes.split(",")]
    for n in sizes:
        path = real_chat_file(n)
        print(f"{n:,} real examples: {path.stat().st_size / 1e6:.0f} MB")
        pty_rows(path, n, args.presses)
        seconds = min(asyncio.run(first_paint(path)) for _ in range(2))
        print(f"{f'first paint headless, {n:,} rows (ms)':<60} {seconds * 1000:6.0f}")
        times = edit_times(path)
        print(
            f"{f'edit + re-lint, {n:,} rows: median / p95 (ms)':<60} "
            f"{statistics.median(times) * 1000:6.2f} / {p95(times) * 1000:.2f}   goal <= 50"
        )
    cold = min(cold_start() for _ in range(3))
    print(f"{'cold start to first paint, no file (ms)':<60} {cold * 1000:6.0f}   goal < 500")


if __name__ == "__main__":
    main()
