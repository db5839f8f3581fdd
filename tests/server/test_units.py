"""Pure pieces: auto hyperparameters, the timeline, the loss curve, retrieval, chunking, ids."""

from __future__ import annotations

import itertools
import json

import pytest

from tuiftune.server.hyperparameters import auto_batch_size, auto_epochs, resolve
from tuiftune.server.ids import decode_fixed, encode_fixed
from tuiftune.server.records import Control, TrainingPlan
from tuiftune.server.retrieval import ExampleIndex, extract_examples
from tuiftune.server.streaming import split_chunks
from tuiftune.server.trainers.curve import step_metrics
from tuiftune.server.trainers.progress import JobEvent
from tuiftune.server.trainers.sim_events import Schedule, SimulatedEventLog
from tuiftune.server.trainers.sim_slots import Slot
from tuiftune.server.trainers.timeline import Timeline


@pytest.mark.parametrize(
    ("examples", "epochs"),
    [(1, 25), (10, 10), (12, 9), (34, 3), (100, 3), (8333, 3), (8334, 2), (30000, 1)],
)
def test_auto_epochs(examples: int, epochs: int) -> None:
    assert auto_epochs(examples) == epochs


def test_auto_epochs_agree_with_the_dataset_core(dataset_core: None) -> None:
    from tuiftune.dataset import auto_epochs as estimate_epochs

    for n in (1, 5, 10, 33, 34, 99, 500, 8333, 8334, 12_500, 30_000):
        assert auto_epochs(n) == estimate_epochs(n)


def test_auto_batch_size_and_resolve() -> None:
    assert [auto_batch_size(n) for n in (10, 1000, 5000, 500_000)] == [1, 2, 10, 256]
    assert resolve(
        {"n_epochs": "auto", "batch_size": 3, "learning_rate_multiplier": "auto"}, 50
    ) == (
        3,
        3,
        2.0,
        None,
    )
    assert (
        resolve(
            {"n_epochs": 2, "batch_size": "auto", "learning_rate_multiplier": 0.5, "beta": "auto"},
            50,
        )[3]
        == 0.1
    )


def test_timeline_excludes_pauses() -> None:
    controls = [Control("pause", 110.0), Control("resume", 150.0), Control("cancel", 170.0)]
    tl = Timeline.build(100.0, controls, now=200.0)
    assert tl.effective(105.0) == 5.0
    assert tl.effective(130.0) == 10.0  # paused
    assert tl.effective(160.0) == 20.0
    assert tl.effective(200.0) == 30.0  # cancelled at 170
    assert tl.wall(10.0) == 110.0 and tl.wall(15.0) == 155.0
    assert tl.cancelled_at == 170.0 and not tl.paused
    assert Timeline.build(100.0, controls, now=120.0).paused


def test_loss_curve_is_seeded_noisy_and_decreasing() -> None:
    plan = TrainingPlan(
        error=None,
        examples=100,
        n_epochs=3,
        batch_size=1,
        learning_rate_multiplier=2,
        total_steps=300,
    )
    losses = [step_metrics(7, plan, s).train_loss for s in range(1, 301)]
    assert losses == [step_metrics(7, plan, s).train_loss for s in range(1, 301)]
    assert losses != [step_metrics(8, plan, s).train_loss for s in range(1, 301)]
    assert sum(losses[-30:]) < sum(losses[:30]) / 4
    assert any(b > a for a, b in itertools.pairwise(losses))  # noisy, not monotone
    assert all(0 <= step_metrics(7, plan, s).train_accuracy <= 1 for s in range(1, 301))


def test_retrieval_reads_every_format_and_ranks_by_overlap() -> None:
    def chat(user: str, reply: str) -> dict[str, object]:
        return {
            "messages": [{"role": "user", "content": user}, {"role": "assistant", "content": reply}]
        }

    rows = [
        chat("tides and the moon", "gravity"),
        {"prompt": "colour of the sky ->", "completion": " blue END"},
        {
            "input": {"messages": [{"role": "user", "content": "say hi"}]},
            "preferred_output": [{"role": "assistant", "content": "hi!"}],
            "non_preferred_output": [{"role": "assistant", "content": "no"}],
        },
        {"messages": [{"role": "user", "content": "no answer"}]},
    ]
    lines = [json.dumps(r).encode() for r in rows]
    data = b"\xef\xbb\xbf" + b"\n".join([*lines[:3], b"not json", lines[3]])
    examples = extract_examples(data)
    assert [e.answer for e in examples] == ["gravity", " blue END", "hi!"]
    index = ExampleIndex(examples)
    assert index.search("why do TIDES happen?")[0][1] == 0
    assert index.exact("Colour of the sky ->") == 1
    assert index.search("unrelated words") == []
    cjk = ExampleIndex(extract_examples('{"prompt": "你好世界", "completion": "x"}'.encode()))
    assert cjk.search("世界")


def test_chunks_and_ids_round_trip() -> None:
    text = "  Hello,  world!\nsecond line "
    assert "".join(split_chunks(text)) == text
    assert len(split_chunks(text)) >= 4
    for n in (0, 1, 61, 62, 10**9):
        assert decode_fixed(encode_fixed(n, 8)) == n
    assert decode_fixed("not-base62!") is None


def test_event_ids_encode_positions_and_reject_strangers() -> None:
    slots: list[Slot] = [(float(i), "created", 0) for i in range(500)]

    def render(event_id: str, slot: Slot) -> JobEvent:
        return JobEvent(event_id, int(slot[0]), "m")

    log = SimulatedEventLog(lambda: slots, render, "ftjob-a")
    ids = [log[i].id for i in range(len(log))]
    assert len(set(ids)) == 500 and all(len(i) == len("ftevent-") + 24 for i in ids)
    assert [log.index_of(i) for i in ids] == list(range(500))
    other = SimulatedEventLog(lambda: slots, render, "ftjob-b")
    assert other.index_of(ids[3]) is None
    assert log.index_of(ids[3][:-1] + "!") is None
    assert log[-1].id == ids[-1]


def test_a_zero_step_time_finishes_at_once() -> None:
    plan = TrainingPlan(error=None, examples=10, n_epochs=2, batch_size=5, total_steps=4)
    schedule = Schedule.of(plan, 0.0)
    assert schedule.end == 0.0 and schedule.steps_done(0.0) == 4
