"""Eval through the Batch API: same scores as live calls, and a killed run re-attaches."""

from __future__ import annotations

import asyncio
import contextlib
import json
from pathlib import Path

import pytest

from tuiftune.evaluation import load_test_set
from tuiftune.evaluation.examples import TestSet
from tuiftune.service.errors import NotFoundError
from tuiftune.service.evals import run_eval
from tuiftune.service.evals_batch import sidecar_path

from .test_evals_support import BASE, OTHER_BASE, SAMPLES, JumpSleep, make_env, write_jsonl


async def make_test_set(tmp_path: Path, n: int) -> TestSet:
    lines = (SAMPLES / "ticket-triage-test.jsonl").read_text().splitlines()[:n]
    return await load_test_set(write_jsonl(tmp_path / "t.jsonl", [json.loads(x) for x in lines]))


async def test_batch_results_score_like_live_ones(tmp_path: Path) -> None:
    env = make_env()
    tuned = await env.train(SAMPLES / "ticket-triage-chat.jsonl")
    test_set = await make_test_set(tmp_path, 12)
    sleep = JumpSleep(env.clock)
    notes: list[str] = []
    batch = await run_eval(
        env.client,
        test_set,
        [BASE, tuned],
        tmp_path / "batch.jsonl",
        batch=True,
        clock=env.clock,
        sleep=sleep,
        poll_interval=1.0,
        progress=lambda p: notes.append(p.note),
    )
    assert batch.complete and batch.new == 24 and len(batch.batches) == 2
    assert all(r.via == "batch" for r in batch.results)
    assert any("in_progress" in n for n in notes) and any("completed" in n for n in notes)
    live = await run_eval(env.client, test_set, [BASE, tuned], tmp_path / "live.jsonl")
    by_pair = {(r.index, r.model): r for r in live.results}
    for r in batch.results:
        twin = by_pair[(r.index, r.model)]
        assert (r.output, r.scores, r.label) == (twin.output, twin.scores, twin.label)
    assert not sidecar_path(tmp_path / "batch.jsonl").exists()
    page = await env.client.batches.list()
    assert {b.model for b in page.data} == {BASE, tuned}


async def test_a_killed_batch_run_reattaches_instead_of_paying_again(tmp_path: Path) -> None:
    env = make_env()
    test_set = await make_test_set(tmp_path, 8)
    out = tmp_path / "r.jsonl"

    async def die_while_waiting(seconds: float) -> None:
        raise asyncio.CancelledError

    with contextlib.suppress(asyncio.CancelledError):
        await run_eval(
            env.client, test_set, [BASE, OTHER_BASE], out, batch=True, sleep=die_while_waiting
        )
    known = json.loads(sidecar_path(out).read_text())
    assert set(known) == {BASE, OTHER_BASE}
    run = await run_eval(
        env.client,
        test_set,
        [BASE, OTHER_BASE],
        out,
        batch=True,
        resume=True,
        clock=env.clock,
        sleep=JumpSleep(env.clock),
    )
    assert run.complete and sorted(run.batches) == sorted(known.values())
    assert len((await env.client.batches.list()).data) == 2  # no second batch was created


async def test_a_cancelled_batch_leaves_the_rest_to_a_second_batch(tmp_path: Path) -> None:
    env = make_env()
    test_set = await make_test_set(tmp_path, 10)
    cancelled = False

    async def sleep(seconds: float) -> None:
        nonlocal cancelled
        env.clock.advance(2.35)  # validating (2 s), then 3 of 10 requests (0.1 s each)
        if not cancelled:
            cancelled = True
            page = await env.client.batches.list()
            await env.client.batches.cancel(page.data[0].id)
        env.clock.advance(seconds)

    run = await run_eval(
        env.client, test_set, [BASE], tmp_path / "r.jsonl", batch=True, clock=env.clock, sleep=sleep
    )
    assert run.complete and len(run.batches) == 2
    statuses = sorted(b.status for b in (await env.client.batches.list()).data)
    assert statuses == ["cancelled", "completed"]


async def test_batch_with_an_unknown_model_is_fatal(tmp_path: Path) -> None:
    env = make_env()
    test_set = await make_test_set(tmp_path, 3)
    with pytest.raises(NotFoundError):
        await run_eval(
            env.client,
            test_set,
            ["ft:gpt-4o-mini:nobody::x"],
            tmp_path / "r.jsonl",
            batch=True,
            clock=env.clock,
            sleep=JumpSleep(env.clock),
        )
