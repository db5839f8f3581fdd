"""Kill-and-resume: cancelling a run at random moments never duplicates or loses a result."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from pathlib import Path
from typing import Any

import pytest

from tuiftune.evaluation import load_test_set, parse_results
from tuiftune.evaluation.examples import TestSet
from tuiftune.service.evals import EvalOptions, ResultsFileError, run_eval

from .test_evals_support import BASE, OTHER_BASE, SAMPLES, make_env, write_jsonl

MODELS = [BASE, OTHER_BASE]


async def small_test_set(tmp_path: Path, n: int = 20) -> TestSet:
    lines = (SAMPLES / "ticket-triage-test.jsonl").read_text().splitlines()[:n]
    return await load_test_set(write_jsonl(tmp_path / "test.jsonl", [json.loads(x) for x in lines]))


def assert_one_result_per_pair(path: Path, test_set: TestSet, models: list[str]) -> None:
    parsed = parse_results(path.read_bytes())
    assert parsed.duplicates == 0 and not parsed.bad_lines
    assert parsed.intact_bytes == path.stat().st_size
    pairs = [(r.index, r.model) for r in parsed.results]
    assert len(pairs) == len(set(pairs))
    assert set(pairs) == {(ex.index, m) for ex in test_set.examples for m in models}


async def answered_or_done(answered: list[str], count: int, task: asyncio.Task[Any]) -> None:
    """Wait until the server has answered ``count`` requests or the run has ended (10 s)."""
    deadline = asyncio.get_running_loop().time() + 10
    while len(answered) < count and not task.done():
        assert asyncio.get_running_loop().time() < deadline, "no answer in 10 s"
        await asyncio.sleep(0.001)


async def test_killed_at_random_moments_and_resumed_many_times(tmp_path: Path) -> None:
    env = make_env(latency_ms=5)  # so that kills often land while requests are in flight
    test_set = await small_test_set(tmp_path, 30)
    out = tmp_path / "results.jsonl"
    rng = random.Random(20240607)
    options = EvalOptions(concurrency=4)
    kills = 0
    counts: list[int] = []
    for _ in range(200):
        task = asyncio.create_task(
            run_eval(env.client, test_set, MODELS, out, options=options, resume=True)
        )
        # A random moment: before the first request, or once the server has answered a few
        # more requests (with others in flight). Counted in answers, not seconds: on a slow
        # machine a run took over the longest wait (30 ms) to write its first result, and
        # every later kill landed before any progress.
        if rng.random() < 0.5:
            await asyncio.sleep(0)
        else:
            await answered_or_done(env.answered, len(env.answered) + rng.randint(1, 3), task)
            await asyncio.sleep(rng.uniform(0, 0.005))
        if task.done():
            break
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        kills += 1
        counts.append(len(parse_results(out.read_bytes()).results) if out.exists() else 0)
        if rng.random() < 0.3:
            # A process killed mid-write leaves half a line behind.
            with out.open("ab") as fh:
                fh.write(b'{"index": 3, "model": "gpt-4o-mi')
    run = await run_eval(env.client, test_set, MODELS, out, options=options, resume=True)
    assert kills >= 20 and run.complete and run.new + run.resumed == 60
    # The kills landed mid-run, with results accumulating across them.
    assert len(set(counts)) >= 5 and counts == sorted(counts), counts
    assert_one_result_per_pair(out, test_set, MODELS)
    # Never paid twice: beyond the 60 answers kept, only requests in flight at a kill were lost.
    assert len(env.answered) <= 60 + kills * options.concurrency


async def test_results_written_before_a_cancel_are_kept(tmp_path: Path) -> None:
    env = make_env()
    test_set = await small_test_set(tmp_path, 10)
    out = tmp_path / "results.jsonl"
    got: list[int] = []
    done = asyncio.Event()

    def progress(p: object) -> None:
        got.append(getattr(p, "new", 0))
        if getattr(p, "new", 0) >= 5:
            done.set()

    task = asyncio.create_task(
        run_eval(
            env.client, test_set, [BASE], out, options=EvalOptions(concurrency=2), progress=progress
        )
    )
    await done.wait()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    kept = parse_results(out.read_bytes()).results
    assert len(kept) >= 5
    run = await run_eval(env.client, test_set, [BASE], out, resume=True)
    assert run.resumed == len(kept) and run.new == 10 - len(kept)


async def test_an_existing_file_needs_resume_and_the_same_test_set(tmp_path: Path) -> None:
    env = make_env()
    test_set = await small_test_set(tmp_path, 6)
    out = tmp_path / "results.jsonl"
    await run_eval(env.client, test_set, [BASE], out)
    with pytest.raises(ResultsFileError, match="already holds results"):
        await run_eval(env.client, test_set, [BASE], out)
    # Another model on the same file is fine: results of other models are left alone.
    run = await run_eval(env.client, test_set, [OTHER_BASE], out, resume=True)
    assert run.resumed == 0 and run.new == 6
    other = await load_test_set(
        write_jsonl(
            tmp_path / "other.jsonl",
            [
                json.loads(x)
                for x in (SAMPLES / "ticket-triage-test.jsonl").read_text().splitlines()[10:16]
            ],
        )
    )
    with pytest.raises(ResultsFileError, match="different test set"):
        await run_eval(env.client, other, [BASE], out, resume=True)


async def test_a_whole_last_line_without_newline_is_kept(tmp_path: Path) -> None:
    env = make_env()
    test_set = await small_test_set(tmp_path, 4)
    out = tmp_path / "results.jsonl"
    await run_eval(env.client, test_set, [BASE], out)
    out.write_bytes(out.read_bytes().rstrip(b"\n"))
    run = await run_eval(env.client, test_set, [BASE, OTHER_BASE], out, resume=True)
    assert run.resumed == 4 and run.new == 4
    assert_one_result_per_pair(out, test_set, [BASE, OTHER_BASE])
