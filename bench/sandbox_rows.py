"""The sandbox's job pages on a long job: ``retrieve`` and ``events?limit=20``, each through
the SDK on the in-process server, on a ~200k-step job against the same calls on a 100-step
job (the anchor: flat in job length means a ratio near 1) and against the 5 ms goal. A third
row reads the events page as bytes, without the SDK's models: the server's part and the
transport alone.

Part of ``bench/eval_bench.py``'s rows (issue 12); alone: ``python bench/sandbox_rows.py``.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path

import httpx2

from tuiftune.server.clock import ManualClock
from tuiftune.server.options import ServerOptions
from tuiftune.wiring import build_sandbox_client

REAL = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "flaky-tests-chat-large.jsonl"
GOAL_MS = 5.0
CALLS = 30


async def _timed(call: Awaitable[object]) -> float:
    start = time.perf_counter()
    await call
    return (time.perf_counter() - start) * 1000


async def job_pages(records: int, epochs: int) -> tuple[int, float, float, float]:
    """(steps, retrieve ms, events ms, events' raw reply ms): medians on a job halfway
    through its steps."""
    clock = ManualClock()
    work = Path(tempfile.mkdtemp(prefix="sandbox-rows-"))
    data = work / "train.jsonl"
    lines = REAL.read_text(encoding="utf-8").splitlines()[:records]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    options = ServerOptions(state_dir=work / "state", clock=clock, step_seconds=1.0, seed=1)
    async with build_sandbox_client(options) as client:
        file = await client.files.create(file=data, purpose="fine-tune")
        job = await client.fine_tuning.jobs.create(
            training_file=file.id,
            model="gpt-4o-mini-2024-07-18",
            hyperparameters={"n_epochs": epochs, "batch_size": 1},
        )
        for _ in range(1000):  # validated and queued: the steps start
            if (await client.fine_tuning.jobs.retrieve(job.id)).status == "running":
                break
            clock.advance(5)
        steps = records * epochs
        clock.advance(steps * options.step_seconds * 0.3)  # every page has a long history
        # The first call builds what it keeps; the job must still be training.
        halfway = await client.fine_tuning.jobs.retrieve(job.id)
        assert halfway.status == "running", halfway.status
        page = await client.fine_tuning.jobs.list_events(job.id, limit=20)
        assert any("Step " in e.message for e in page.data), [e.message for e in page.data]
        retrieve = [await _timed(client.fine_tuning.jobs.retrieve(job.id)) for _ in range(CALLS)]
        events = [
            await _timed(client.fine_tuning.jobs.list_events(job.id, limit=20))
            for _ in range(CALLS)
        ]
        # The same page as bytes: the server's part and the transport, without the SDK's
        # construction of 20 event models (what the goal's "computed from indexes" is about).
        path = f"/fine_tuning/jobs/{job.id}/events"
        raw = [
            await _timed(
                client.get(path, cast_to=httpx2.Response, options={"params": {"limit": 20}})
            )
            for _ in range(CALLS)
        ]
    return steps, statistics.median(retrieve), statistics.median(events), statistics.median(raw)


def sandbox_rows() -> None:
    """Print the rows: the long job's pages vs the short job's, and vs the goal."""
    # 10 examples x 10 epochs: 100 steps with three epochs done at 30%, so both pages carry
    # the three kept checkpoints (a 1-epoch anchor had none, and its page less to build).
    short = asyncio.run(job_pages(10, 10))
    long = asyncio.run(job_pages(4000, 50))
    for name, index in (("retrieve", 1), ("events?limit=20", 2), ("events?limit=20 raw", 3)):
        label = f"sandbox {name}, {long[0]:,}-step job vs {short[0]}-step (ms)"
        ratio = long[index] / short[index]
        print(
            f"{label:<62} {long[index]:9.2f} {short[index]:9.2f} {ratio:6.2f}x  "
            f"<= {GOAL_MS:.0f} ms, flat ({long[index] / GOAL_MS:.2f}x goal)"
        )


if __name__ == "__main__":
    sandbox_rows()
