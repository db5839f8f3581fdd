"""Dataset editor responsiveness, measured headless in one run.

Prints:
* first paint (app start to the first record row drawn) for files of 10k, 100k and 1M examples
  (goal: flat, under a second): the editor paints from the head of the file and reads the rest
  after;
* one edit and its re-lint in a 100k-example file (goal: <= 5 ms): ``EditorSession.replace_text``
  on random records of a fully linted file, including the incremental dataset rules;
* cold start to first paint of ``tuiftune`` with no file, in a fresh process (goal: < 0.5 s).

Run: ``TIKTOKEN_CACHE_DIR=../shared/tiktoken-cache python bench/editor_bench.py [--skip-1m]``.
The 1M-example file is about 0.8 GB and is generated once in bench/_data/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from datagen import write_chat_file

DATA = Path(__file__).resolve().parent / "_data"


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
    assert session.linter.findings_at(pos) == [], "edits keep the record clean"
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-1m", action="store_true", help="skip the 0.8 GB file")
    args = parser.parse_args()
    sizes = [10_000, 100_000] + ([] if args.skip_1m else [1_000_000])
    for n in sizes:
        path = write_chat_file(DATA / f"chat-{n}.jsonl", n)
        seconds = min(asyncio.run(first_paint(path)) for _ in range(3))
        print(
            f"first paint, {n:>9,} examples ({path.stat().st_size / 1e6:6.1f} MB): "
            f"{seconds * 1000:6.0f} ms   (goal: flat, < 1000 ms)"
        )
    times = edit_times(DATA / "chat-100000.jsonl")
    p50 = statistics.median(times) * 1000
    p95 = statistics.quantiles(times, n=20)[18] * 1000
    print(
        f"edit + re-lint, 100k examples: median {p50:.2f} ms, p95 {p95:.2f} ms, "
        f"max {max(times) * 1000:.2f} ms over {len(times)} edits   (goal: <= 5 ms)"
    )
    cold = min(cold_start() for _ in range(3))
    print(
        f"cold start to first paint (fresh process, no file): {cold * 1000:.0f} ms   "
        "(goal: < 500 ms)"
    )


if __name__ == "__main__":
    main()
