"""Per-provider dataset rules: layouts (and the conversion a provider needs), context per
model, tools, images, weights, file size; each finding names the provider's rule; and
``tuiftune lint --provider``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLES
from tuiftune.cli import main
from tuiftune.dataset.provider_rules import (
    check_file,
    check_records,
    convert_for,
    limits_for,
)

CHAT = {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}
LEGACY = {"prompt": "Ticket: hi\n\n###\n\n", "completion": " greeting\n"}
TOOLS = {
    "messages": [
        {"role": "user", "content": "weather?"},
        {
            "role": "assistant",
            "tool_calls": [
                {"id": "c", "type": "function", "function": {"name": "w", "arguments": "{}"}}
            ],
        },
    ],
    "tools": [{"type": "function", "function": {"name": "w", "parameters": {}}}],
}
IMAGE = {
    "messages": [
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:,"}}]},
        {"role": "assistant", "content": "a cat"},
    ]
}
WEIGHTED = {
    "messages": [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "no", "weight": 0},
        {"role": "user", "content": "again"},
        {"role": "assistant", "content": "yes", "weight": 1},
    ]
}


def _lines(*records: dict[str, Any]) -> list[str]:
    return [json.dumps(r) for r in records]


def _rules(
    provider: str, *records: dict[str, Any], model: str | None = None
) -> list[tuple[int, str]]:
    found = check_records(iter(_lines(*records)), limits_for(provider), model)
    return [(f.line, f.rule) for f in found]


def test_fireworks_takes_chat_only_and_legacy_is_converted() -> None:
    assert _rules("fireworks", CHAT) == []
    assert _rules("fireworks", CHAT, LEGACY, LEGACY) == [(0, "fireworks.layout")]
    found = check_records(iter(_lines(LEGACY, LEGACY)), limits_for("fireworks"), None)
    assert found[0].severity.value == "error"
    assert found[0].message == (
        "fireworks takes chat records only: convert the 2 legacy records first "
        "(tuiftune convert FILE --to chat -o OUT)"
    )
    assert convert_for("fireworks", LEGACY) == {
        "messages": [
            {"role": "user", "content": "Ticket: hi\n\n###\n\n"},
            {"role": "assistant", "content": "greeting"},
        ]
    }
    assert convert_for("together", LEGACY) == LEGACY  # Together takes prompt/completion as is


def test_dpo_where_a_provider_has_none_is_an_error_naming_it() -> None:
    dpo = {
        "input": CHAT,
        "preferred_output": [{"role": "assistant", "content": "a"}],
        "non_preferred_output": [{"role": "assistant", "content": "b"}],
    }
    found = check_records(iter(_lines(dpo)), limits_for("nebius"), None)
    assert [(f.line, f.rule, f.severity.value) for f in found] == [(1, "nebius.layout", "error")]
    assert "nebius does not take dpo records" in found[0].message
    assert convert_for("nebius", dpo) is None
    assert _rules("together", dpo) == []


def test_tools_images_weights_by_provider() -> None:
    assert _rules("together", TOOLS, IMAGE, WEIGHTED) == [(2, "together.images")]
    assert _rules("nebius", TOOLS, IMAGE, WEIGHTED) == [(2, "nebius.images"), (3, "nebius.weights")]
    assert _rules("openai", TOOLS, IMAGE, WEIGHTED) == []


def test_context_per_model_and_the_providers_own_limit() -> None:
    long = {
        "messages": [
            {"role": "user", "content": "word " * 12_000},
            {"role": "assistant", "content": "ok"},
        ]
    }
    assert _rules("together", long, model="meta-llama/Llama-3.2-3B-Instruct") == []
    assert _rules("together", long, model="mistralai/Mistral-7B-v0.1") == [(1, "together.context")]
    own = limits_for("together", context=100_000)  # /fine-tunes/models/limits said so
    assert check_records(iter(_lines(long)), own, "mistralai/Mistral-7B-v0.1") == []
    assert (
        limits_for("fireworks").context_for("accounts/fireworks/models/llama-v3p1-8b-instruct")
        == 131072
    )


def test_file_size_and_an_unknown_provider(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(_lines(CHAT)) + "\n")
    assert check_file(path, "fireworks", None) == []
    with pytest.raises(KeyError, match="known: openai, azure, together, fireworks, nebius"):
        limits_for("mistral")


def test_lint_provider_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    legacy = str(SAMPLES / "ticket-triage-legacy.jsonl")
    assert main(["lint", legacy, "--provider", "fireworks", "--format", "json"]) in (0, 1)
    report = json.loads(capsys.readouterr().out)["files"][0]
    rules = {f["rule"] for f in report["findings"]}
    assert "fireworks.layout" in rules
    tools = str(SAMPLES / "weather-tools-chat.jsonl")
    assert main(["lint", tools, "--provider", "nebius", "--format", "json"]) in (0, 1)
    rules = {f["rule"] for f in json.loads(capsys.readouterr().out)["files"][0]["findings"]}
    assert not any(r.startswith("nebius.") and r != "nebius.weights" for r in rules)
    assert main(["lint", tools, "--provider", "mistral"]) == 2
    assert "no rules for 'mistral'" in capsys.readouterr().err
