"""Exact token counts, per-model limits, truncation, the estimate fallback, and costs."""

from __future__ import annotations

import tiktoken

from tests.dataset.helpers import chat, jsonl, lines_of, lint_bytes, many_chats
from tuiftune.dataset.costs import auto_epochs, estimate, price_for
from tuiftune.dataset.models import model_info
from tuiftune.dataset.tokens import TokenCounter


def cookbook_count(messages: list[dict[str, str]], encoding: str) -> int:
    enc = tiktoken.get_encoding(encoding)
    total = 3
    for m in messages:
        total += 3 + sum(len(enc.encode(v)) for v in m.values())
        total += 1 if "name" in m else 0
    return total


def test_chat_counts_match_the_cookbook_formula_exactly() -> None:
    example = chat("Wie spät ist es in Tōkyō? 🕰️", "Es ist 14 Uhr.", "Du bist hilfsbereit.")
    report = lint_bytes(jsonl(example, *[example] * 0, *many_chats(11)))
    expected = cookbook_count(example["messages"], "o200k_base")
    assert report.linter is not None
    assert report.linter.tokens_of(report.linter.doc.id_at(0)) == expected
    cl100k = lint_bytes(jsonl(example, *many_chats(11)), model="gpt-3.5-turbo-0125")
    assert cl100k.linter is not None
    assert cl100k.linter.tokens_of(0) == cookbook_count(example["messages"], "cl100k_base")


def test_models_map_to_encodings_and_limits() -> None:
    assert model_info("gpt-4o-mini-2024-07-18").encoding == "o200k_base"
    assert model_info("ft:gpt-4o-mini-2024-07-18:acme:bot:abc123").example_limit == 65_536
    assert model_info("gpt-3.5-turbo-0125").example_limit == 16_385
    assert model_info("gpt-3.5-turbo-0613").example_limit == 4_096
    assert model_info("babbage-002").encoding == "cl100k_base"
    assert not model_info("llama-3-8b").known


def test_truncation_that_cuts_the_target_is_an_error() -> None:
    long_answer = chat("q", "word " * 5000)
    long_prompt = {
        "messages": [
            {"role": "user", "content": "word " * 5000},
            {"role": "assistant", "content": "ok"},
            {"role": "user", "content": "and then? " * 100},
        ]
    }
    report = lint_bytes(
        jsonl(long_answer, long_prompt, *many_chats(10)), model="gpt-3.5-turbo-0613"
    )
    over = {f.line: f for f in report.findings if f.rule == "tokens.over_limit"}
    assert over[1].severity.value == "error"
    assert over[2].severity.value == "error"  # the assistant turn ends past 4,096 too
    assert report.stats.over_limit == 2


def test_truncation_of_trailing_messages_only_is_a_warning() -> None:
    tail = {
        "messages": [
            {"role": "user", "content": "q"},
            {"role": "assistant", "content": "a"},
            {"role": "user", "content": "more " * 5000},
        ]
    }
    report = lint_bytes(jsonl(tail, *many_chats(10)), model="gpt-3.5-turbo-0613")
    [finding] = [f for f in report.findings if f.rule == "tokens.over_limit"]
    assert finding.severity.value == "warning"


def test_missing_encoding_falls_back_to_estimates(monkeypatch: object) -> None:
    counter = TokenCounter("no_such_encoding")
    assert counter.count("four words right here") > 0
    assert counter.estimated
    assert counter.load_error


def test_estimated_counts_are_reported(monkeypatch: object) -> None:
    import tuiftune.dataset.linter as linter_mod

    monkeypatch.setattr(linter_mod, "counter_for", lambda name: TokenCounter("missing_enc"))  # type: ignore[attr-defined]
    report = lint_bytes(jsonl(*many_chats(12)))
    assert report.stats.tokens_estimated
    assert lines_of(report, "tokens.estimated") == [0]
    assert report.errors == 0


def test_auto_epochs() -> None:
    assert auto_epochs(10) == 10
    assert auto_epochs(20) == 5
    assert auto_epochs(100) == 3
    assert auto_epochs(10_000) == 2
    assert auto_epochs(30_000) == 1
    assert auto_epochs(3) == 25


def test_cost_uses_billing_tokens_capped_at_the_limit() -> None:
    est = estimate("gpt-4o-mini-2024-07-18", [100, 70_000], 65_536, epochs=2)
    assert est.billing_tokens == (100 + 65_536) * 2
    assert est.cost == est.billing_tokens * 3.00 / 1_000_000


def test_price_overrides_and_fine_tuned_names() -> None:
    assert price_for("ft:gpt-4o-mini-2024-07-18:org::x") == 3.00
    assert price_for("gpt-4o-mini-2024-07-18", {"gpt-4o-mini-2024-07-18": 1.5}) == 1.5
    assert price_for("my-local-model") is None


def test_report_stats_distribution() -> None:
    report = lint_bytes(jsonl(*many_chats(20)))
    tok = report.stats.tokens
    assert tok.min <= tok.median <= tok.p95 <= tok.max
    assert tok.total == sum(report.linter.token_values())  # type: ignore[union-attr]


def test_long_strings_are_counted_exactly_in_pieces() -> None:
    from tuiftune.dataset.tokens import split_long

    enc = tiktoken.get_encoding("o200k_base")
    words = " ".join(f"word{i % 97} Über{i % 13}, ünd 12345." for i in range(40_000))
    pieces = split_long(words)
    assert len(pieces) > 1
    assert "".join(pieces) == words
    counter = TokenCounter("o200k_base")
    assert counter.count(words) == len(enc.encode_ordinary(words))
    blob = "x" * 1_000_000  # no seams at all: still counted, quickly, close to exact
    assert abs(counter.count(blob) - 125_000) <= 20
