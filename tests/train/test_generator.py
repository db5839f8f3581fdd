"""The Generator the server answers with: streaming, stop, max_tokens, seed, usage, LRU, threads."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from tests.train.runs import of_type, sample_lines
from tuiftune.server.trainers.local_engine.config import RequestError
from tuiftune.server.trainers.local_engine.generator import Generator, GenParams, Piece

# A training example of the chat run: its system prompt and a ticket labelled "billing".
TICKET = sample_lines("ticket-triage-chat.jsonl", 2)[1]["messages"][:-1]


def joined(pieces: list[Piece]) -> str:
    return "".join(p.text for p in pieces)


def test_pieces_stream_and_the_last_carries_usage(generator: Generator) -> None:
    pieces = list(
        generator.complete("tiny", None, "My order", GenParams(temperature=0, max_tokens=12))
    )
    assert len(pieces) > 2 and all(p.finish_reason is None for p in pieces[:-1])
    last = pieces[-1]
    assert last.finish_reason == "length" and last.usage is not None
    assert last.usage.completion_tokens == 12
    prompt_ids = generator._base("tiny").tokenizer("My order")["input_ids"]
    assert last.usage.prompt_tokens == len(prompt_ids)


def test_stop_sequences_end_the_text_before_them(generator: Generator) -> None:
    free = joined(
        list(generator.complete("tiny", None, "My order", GenParams(temperature=0, max_tokens=30)))
    )
    cut = free[3:5]
    assert cut and cut in free
    pieces = list(
        generator.complete(
            "tiny", None, "My order", GenParams(temperature=0, max_tokens=30, stop=[cut])
        )
    )
    assert pieces[-1].finish_reason == "stop"
    assert joined(pieces) == free[: free.index(cut)]


def test_a_seed_repeats_a_sample(generator: Generator) -> None:
    params = GenParams(temperature=1.0, top_p=0.9, max_tokens=16, seed=123)
    first = joined(list(generator.chat("tiny", None, TICKET, params)))
    again = joined(list(generator.chat("tiny", None, TICKET, params)))
    other = [
        joined(list(generator.chat("tiny", None, TICKET, GenParams(max_tokens=16, seed=s))))
        for s in range(4)
    ]
    assert first == again
    assert len(set(other)) > 1


def test_adapters_answer_and_the_lru_drops_the_oldest(chat_run: Path, tiny_model_dir: Path) -> None:
    gen = Generator({"tiny": str(tiny_model_dir)}, max_loaded_adapters=1, device="cpu")
    final = of_type(chat_run, "done")[0]["adapter"]
    checkpoint = of_type(chat_run, "checkpoint")[-2]["path"]
    greedy = GenParams(temperature=0, max_tokens=6)
    tuned = joined(list(gen.chat("tiny", final, TICKET, greedy)))
    assert tuned.strip() == "billing"
    assert joined(list(gen.chat("tiny", checkpoint, TICKET, greedy))).strip() == "billing"
    assert len(gen._base("tiny").adapters) == 1  # the final adapter was dropped for the checkpoint
    assert joined(list(gen.chat("tiny", None, TICKET, greedy))).strip() != "billing"
    assert joined(list(gen.chat("tiny", final, TICKET, greedy))) == tuned  # loaded again


def test_threads_share_one_generator(chat_run: Path, generator: Generator) -> None:
    final = of_type(chat_run, "done")[0]["adapter"]
    greedy = GenParams(temperature=0, max_tokens=10)
    jobs = [(final if i % 2 else None) for i in range(6)]
    alone = {a: joined(list(generator.chat("tiny", a, TICKET, greedy))) for a in set(jobs)}
    results: list[tuple[Any, str]] = []

    def work(adapter: str | None) -> None:
        results.append((adapter, joined(list(generator.chat("tiny", adapter, TICKET, greedy)))))

    threads = [threading.Thread(target=work, args=(a,)) for a in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 6 and all(text == alone[a] for a, text in results)


def test_bad_requests_raise_clear_errors(generator: Generator, tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="unknown base model"):
        list(generator.chat("nope", None, TICKET, GenParams()))
    with pytest.raises(FileNotFoundError, match="adapter folder not found"):
        list(generator.chat("tiny", str(tmp_path / "missing"), TICKET, GenParams()))
    # The request's own faults are RequestError (the server's 400), not any ValueError.
    with pytest.raises(RequestError, match="reads at most 512"):
        list(generator.complete("tiny", None, "word " * 600, GenParams()))
    with pytest.raises(RequestError, match="unknown role"):
        list(generator.chat("tiny", None, [{"role": "robot", "content": "x"}], GenParams()))
    with pytest.raises(RequestError, match="temperature must be between 0 and 2"):
        list(generator.complete("tiny", None, "My order", GenParams(temperature=-1)))
    with pytest.raises(RequestError, match="top_p must be above 0"):
        list(generator.complete("tiny", None, "My order", GenParams(top_p=0)))
    with pytest.raises(RequestError, match="max_tokens must be at least 1"):
        list(generator.complete("tiny", None, "My order", GenParams(max_tokens=0)))


def test_a_vanishing_temperature_decodes_greedily(generator: Generator) -> None:
    """l / T overflows to inf for T near 0 (softmax then gives NaN): the limit, greedy, instead."""
    greedy = joined(list(generator.chat("tiny", None, TICKET, GenParams(0, max_tokens=8))))
    tiny = GenParams(temperature=1e-300, max_tokens=8, seed=1)
    assert joined(list(generator.chat("tiny", None, TICKET, tiny))) == greedy
