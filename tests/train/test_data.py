"""Tokenizing training files: loss masks from the chat template, weight 0, legacy, DPO, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.train.runs import dpo_records, sample_lines, write_jsonl
from tests.trainkit import build_tiny_model
from tuiftune.server.trainers.local_engine.config import RunError
from tuiftune.server.trainers.local_engine.data import IGNORE, Sequence, load_examples


@pytest.fixture(scope="module")
def tokenizers(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    """The tiny model's tokenizer, and one whose template has {% generation %} markers."""
    from transformers import AutoTokenizer

    marked = build_tiny_model(tmp_path_factory.mktemp("marked") / "m", generation_markers=True)
    return AutoTokenizer.from_pretrained(tiny_model_dir), AutoTokenizer.from_pretrained(marked)


def trained_text(tokenizer: Any, seq: Sequence) -> str:
    return str(
        tokenizer.decode(
            [t for t, label in zip(seq.input_ids, seq.labels, strict=True) if label != IGNORE]
        )
    )


def test_loss_only_on_assistant_turns_without_generation_markers(
    tmp_path: Path, tokenizers: tuple[Any, Any]
) -> None:
    plain, marked = tokenizers
    records = sample_lines("ticket-triage-chat.jsonl", 5)
    path = write_jsonl(tmp_path / "chat.jsonl", records)
    examples, stats = load_examples(path, "supervised", plain, 512)
    assert stats.examples == 5 and stats.mask_fallbacks == 0
    for example, record in zip(examples, records, strict=True):
        label = record["messages"][-1]["content"]
        assert trained_text(plain, example.chosen).strip() == f"{label}<|im_end|>"
    # The same masks come out of a template with markers (which transformers' own masks need).
    marked_examples, _ = load_examples(path, "supervised", marked, 512)
    for a, b in zip(examples, marked_examples, strict=True):
        assert trained_text(plain, a.chosen).strip() == trained_text(marked, b.chosen).strip()
    mask = marked.apply_chat_template(
        records[0]["messages"], tokenize=True, return_assistant_tokens_mask=True, return_dict=True
    )
    ours = [label != IGNORE for label in marked_examples[0].chosen.labels]
    assert ours == [bool(m) for m in mask["assistant_masks"]]


def test_weight_zero_turns_are_not_trained(tmp_path: Path, tokenizers: tuple[Any, Any]) -> None:
    plain, _ = tokenizers
    record = {
        "messages": [
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": "billing", "weight": 0},
            {"role": "user", "content": "second"},
            {"role": "assistant", "content": "shipping"},
        ]
    }
    only_zero = {
        "messages": [
            {"role": "user", "content": "x"},
            {"role": "assistant", "content": "y", "weight": 0},
        ]
    }
    path = write_jsonl(tmp_path / "w.jsonl", [record, only_zero])
    examples, stats = load_examples(path, "supervised", plain, 512)
    assert trained_text(plain, examples[0].chosen).strip() == "shipping<|im_end|>"
    assert stats.examples == 1 and stats.skipped == 1


def test_tools_go_through_the_template(tmp_path: Path, tokenizers: tuple[Any, Any]) -> None:
    plain, _ = tokenizers
    records = sample_lines("weather-tools-chat.jsonl", 1)
    path = write_jsonl(tmp_path / "tools.jsonl", records)
    examples, _ = load_examples(path, "supervised", plain, 4096)
    text = plain.decode(examples[0].chosen.input_ids)
    assert "Tools: " in text and "get_current_weather" in text
    trained = trained_text(plain, examples[0].chosen)
    assert '"name": "get_current_weather"' in trained  # the tool call is learned
    assert "Tools:" not in trained


def test_legacy_loss_on_completion_and_eos(tmp_path: Path, tokenizers: tuple[Any, Any]) -> None:
    plain, _ = tokenizers
    records = sample_lines("ticket-triage-legacy.jsonl", 3)
    examples, _ = load_examples(
        write_jsonl(tmp_path / "l.jsonl", records), "supervised", plain, 512
    )
    for example, record in zip(examples, records, strict=True):
        assert example.chosen.input_ids[-1] == plain.eos_token_id
        assert trained_text(plain, example.chosen) == record["completion"] + "<|im_end|>"


def test_dpo_pairs_train_on_the_answers(tmp_path: Path, tokenizers: tuple[Any, Any]) -> None:
    plain, _ = tokenizers
    records = dpo_records(3)
    examples, stats = load_examples(write_jsonl(tmp_path / "d.jsonl", records), "dpo", plain, 512)
    assert stats.examples == 3
    for example, record in zip(examples, records, strict=True):
        assert example.rejected is not None
        good = record["preferred_output"][0]["content"]
        bad = record["non_preferred_output"][0]["content"]
        assert trained_text(plain, example.chosen).strip() == f"{good}<|im_end|>"
        assert trained_text(plain, example.rejected).strip() == f"{bad}<|im_end|>"


def test_truncation_is_counted(tmp_path: Path, tokenizers: tuple[Any, Any]) -> None:
    plain, _ = tokenizers
    records = sample_lines("support-chat.jsonl", 6)
    examples, stats = load_examples(
        write_jsonl(tmp_path / "s.jsonl", records), "supervised", plain, 64
    )
    assert stats.truncated + stats.skipped >= 1
    assert all(len(e.chosen.input_ids) <= 64 for e in examples)
    assert stats.examples + stats.skipped == 6


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('{"messages": [{"role": "user", "content": "hi"}', "line 2: not valid JSON"),
        (
            '{"messages": [{"role": "robot", "content": "hi"}]}',
            "line 2: messages[0]: unknown role 'robot'",
        ),
        ('{"prompt": 3, "completion": "x"}', "line 2: field 'prompt' must be a string"),
        ('{"text": "x"}', "line 2: expected 'messages' (chat) or 'prompt' and 'completion'"),
        (
            '{"messages": [{"role": "user", "content": "a"}, '
            '{"role": "assistant", "content": "b", "weight": 2}]}',
            "line 2: messages[1].weight must be 0 or 1",
        ),
    ],
)
def test_a_bad_line_is_named(
    tmp_path: Path, tokenizers: tuple[Any, Any], line: str, expected: str
) -> None:
    plain, _ = tokenizers
    path = tmp_path / "bad.jsonl"
    good = '{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}'
    path.write_text(f"{good}\n{line}\n", encoding="utf-8")
    with pytest.raises(RunError) as info:
        load_examples(path, "supervised", plain, 512)
    message = str(info.value)
    assert message.startswith(str(path)) and expected in message and "\n" not in message


def test_templates_whose_prefixes_render_differently(tmp_path: Path, tiny_model_dir: Path) -> None:
    from transformers import AutoTokenizer

    records = sample_lines("ticket-triage-chat.jsonl", 3)
    multi = {"messages": [*records[0]["messages"], *records[1]["messages"][1:]]}
    path = write_jsonl(tmp_path / "chat.jsonl", [*records, multi])
    # The generation prompt ends "assistant\n" but a written turn has no newline there; and
    # earlier assistant turns are written with a marker only once a later turn exists.
    odd = (
        "{% for m in messages %}<|im_start|>{{ m['role'] }}"
        "{% if add_generation_prompt or m['role'] != 'assistant' %}\n{% endif %}"
        "{% if m['role'] == 'assistant' and not loop.last %}[old] {% endif %}"
        "{{ m['content'] }}<|im_end|>{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    )
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    tokenizer.chat_template = odd
    examples, stats = load_examples(path, "supervised", tokenizer, 512)
    assert stats.mask_fallbacks >= 4 and stats.examples == 4
    for example, record in zip(examples[:3], records, strict=True):
        label = record["messages"][-1]["content"]
        assert trained_text(tokenizer, example.chosen) == f"{label}<|im_end|>"
    first, second = records[0]["messages"][-1]["content"], records[1]["messages"][-1]["content"]
    # The earlier turn's label starts with the space BPE merged into its first word ("[old] x").
    both = trained_text(tokenizer, examples[3].chosen)
    assert both.strip() == f"{first}<|im_end|>{second}<|im_end|>"


def test_the_tokenized_message_counts_in_the_right_number() -> None:
    from tuiftune.server.trainers.local_engine.data import DataStats
    from tuiftune.server.trainers.local_engine.loop import _describe

    one = DataStats(examples=1, tokens=1, truncated=1, skipped=1, reasons={"no assistant turn": 1})
    assert _describe(one, 64, "training") == (
        "Tokenized 1 training example (1 token); 1 truncated to max_seq_len 64; "
        "1 skipped (1 no assistant turn)"
    )
    two = DataStats(examples=2, tokens=30)
    assert _describe(two, 64, "validation") == "Tokenized 2 validation examples (30 tokens)"
