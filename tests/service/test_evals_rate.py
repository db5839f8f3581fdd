"""Rate limits and failures: 429 + Retry-After pauses every worker, budgets pace requests,
transient errors are retried, fatal ones stop the run, a refused example becomes an error."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tuiftune.evaluation import load_test_set, parse_results
from tuiftune.evaluation.examples import TestSet, example_from_parts
from tuiftune.service.errors import BadRequestError, NotFoundError
from tuiftune.service.evals import EvalOptions, run_eval
from tuiftune.service.evals_gate import Backoff, RateGate
from tuiftune.service.inference import SamplingParams

from .test_evals_support import BASE, SAMPLES, JumpSleep, VirtualTime, make_env, write_jsonl


async def make_test_set(tmp_path: Path, n: int) -> TestSet:
    lines = (SAMPLES / "ticket-triage-test.jsonl").read_text().splitlines()[:n]
    return await load_test_set(write_jsonl(tmp_path / "t.jsonl", [json.loads(x) for x in lines]))


async def gate_starts(gate: RateGate, vt: VirtualTime, n: int, tokens: int = 0) -> list[float]:
    starts: list[float] = []

    async def one() -> None:
        await gate.acquire(tokens)
        starts.append(vt())

    driver = asyncio.create_task(vt.drive())
    try:
        await asyncio.gather(*(one() for _ in range(n)))
    finally:
        driver.cancel()
    return sorted(starts)


async def test_rpm_budget_spaces_requests_evenly() -> None:
    vt = VirtualTime()
    gate = RateGate(rpm=120, clock=vt, sleep=vt.sleep)
    starts = await gate_starts(gate, vt, 10)
    assert starts == pytest.approx([0.5 * i for i in range(10)])


async def test_tpm_budget_and_settling() -> None:
    vt = VirtualTime()
    gate = RateGate(tpm=6000, clock=vt, sleep=vt.sleep)
    assert await gate_starts(gate, vt, 4, tokens=100) == pytest.approx([0, 1, 2, 3])
    gate.settle(100, 400)  # the last request used 300 tokens more than estimated: 3 s more
    assert await gate_starts(gate, vt, 1, tokens=100) == pytest.approx([7.0])


async def test_a_pause_holds_every_worker() -> None:
    vt = VirtualTime()
    gate = RateGate(clock=vt, sleep=vt.sleep)
    gate.pause(5)
    gate.pause(2)  # a shorter pause does not cut the longer one
    assert gate.paused_for() == 5 and gate.pauses == 1
    assert await gate_starts(gate, vt, 3) == [5.0, 5.0, 5.0]
    assert gate.paused_for() == 0


def test_backoff_grows_with_jitter_and_a_cap() -> None:
    backoff = Backoff(base=1.0, cap=8.0, seed=1)
    delays = [backoff.delay(i) for i in range(6)]
    assert 0.5 <= delays[0] <= 1 and 1 <= delays[1] <= 2 and 2 <= delays[2] <= 4
    assert all(4 <= d <= 8 for d in delays[3:])


async def test_server_rate_limit_429s_pause_all_workers_and_the_run_completes(
    tmp_path: Path,
) -> None:
    env = make_env(rate_limit_rpm=6)
    test_set = await make_test_set(tmp_path, 20)
    sleep = JumpSleep(env.clock)
    run = await run_eval(
        env.client,
        test_set,
        [BASE],
        tmp_path / "r.jsonl",
        options=EvalOptions(concurrency=4),
        clock=env.clock,
        sleep=sleep,
    )
    assert run.complete and run.new == 20 and not run.failures
    assert run.rate_limited >= 3  # one window of 6 per simulated minute: 20 needs 4 windows
    # A shared pause: after a 429 the others wait too, so 429s stay few per window.
    assert run.rate_limited <= 4 * 4
    assert len(env.answered) == 20


async def test_rpm_budget_avoids_429s_entirely(tmp_path: Path) -> None:
    env = make_env(rate_limit_rpm=30)
    test_set = await make_test_set(tmp_path, 12)
    vt = VirtualTime(env.clock())

    async def sleep(seconds: float) -> None:
        await vt.sleep(seconds)
        if vt() > env.clock():
            env.clock.set(vt())

    driver = asyncio.create_task(vt.drive())
    try:
        run = await run_eval(
            env.client,
            test_set,
            [BASE],
            tmp_path / "r.jsonl",
            options=EvalOptions(concurrency=4, rpm=30),
            clock=vt,
            sleep=sleep,
        )
    finally:
        driver.cancel()
    assert run.complete and run.rate_limited == 0
    assert run.elapsed == pytest.approx(11 * 2.0, abs=0.01)  # 12 requests, 2 s apart


async def test_transient_failures_are_retried(tmp_path: Path) -> None:
    env = make_env(fail_rate=0.35)
    test_set = await make_test_set(tmp_path, 15)
    run = await run_eval(
        env.client,
        test_set,
        [BASE],
        tmp_path / "r.jsonl",
        options=EvalOptions(concurrency=3, seed=1),
        clock=env.clock,
        sleep=JumpSleep(env.clock),
    )
    assert run.complete and run.retries > 0 and not run.failures
    assert not any(r.error for r in run.results)


async def test_giving_up_leaves_the_pair_for_a_resume(tmp_path: Path) -> None:
    env = make_env(fail_rate=1.0)
    test_set = await make_test_set(tmp_path, 3)
    out = tmp_path / "r.jsonl"
    run = await run_eval(
        env.client,
        test_set,
        [BASE],
        out,
        options=EvalOptions(max_attempts=2),
        clock=env.clock,
        sleep=JumpSleep(env.clock),
    )
    assert not run.complete and len(run.failures) == 3 and run.new == 0
    assert out.read_bytes() == b""


async def test_unknown_model_stops_the_run(tmp_path: Path) -> None:
    env = make_env()
    test_set = await make_test_set(tmp_path, 5)
    out = tmp_path / "r.jsonl"
    with pytest.raises(NotFoundError, match="does not exist"):
        await run_eval(env.client, test_set, [BASE, "ft:gpt-4o-mini:nobody::x"], out)
    # Whatever the base model answered before the stop is kept.
    assert all(r.model == BASE for r in parse_results(out.read_bytes()).results)


async def test_a_refused_example_becomes_an_error_result(tmp_path: Path) -> None:
    env = make_env()
    good = example_from_parts(0, "billing", messages=[{"role": "user", "content": "refund?"}])
    bad = example_from_parts(1, "billing", messages=[{"role": "robot", "content": "beep"}])
    test_set = TestSet("mem", (await make_test_set(tmp_path, 1)).format, (good, bad))
    run = await run_eval(env.client, test_set, [BASE], tmp_path / "r.jsonl")
    assert run.complete
    errors = {r.index: r.error for r in run.results}
    assert errors[0] is None and errors[1] is not None and "role" in errors[1]
    assert next(r for r in run.results if r.index == 1).scores["em"] == 0.0


async def test_a_bad_run_wide_parameter_is_fatal(tmp_path: Path) -> None:
    env = make_env()
    test_set = await make_test_set(tmp_path, 3)
    options = EvalOptions(sampling=SamplingParams(temperature=5.0))
    with pytest.raises(BadRequestError, match="temperature"):
        await run_eval(env.client, test_set, [BASE], tmp_path / "r.jsonl", options=options)
