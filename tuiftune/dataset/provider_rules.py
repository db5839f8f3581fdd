"""Per-provider dataset rules: what a hosted provider accepts of a fine-tuning file (layout,
file size, context length per model, tools, images, per-message weights), from the packaged
``provider_limits.toml``; and the conversion into a layout it takes where it needs another.

Findings carry rule ids named for the provider (``fireworks.layout``, ``together.context``),
so a report says whose rule it is. Pure: no service, no network.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from tuiftune.dataset.findings import ReportedFinding, Severity
from tuiftune.dataset.tokens import counter_for

TOKENS_PER_MESSAGE = 4  # the chat template's own tokens around each message, roughly


@dataclass(frozen=True)
class ProviderLimits:
    """One provider's rules for a training file."""

    provider: str
    max_file_bytes: int | None
    layouts: tuple[str, ...]
    tools: bool
    images: bool
    weights: bool
    context: Mapping[str, int]

    def context_for(self, model: str | None) -> int | None:
        """The longest example for ``model`` (the longest matching prefix, else ``*``)."""
        name = model or ""
        best = max(
            (p for p in self.context if p != "*" and name.startswith(p)), key=len, default=None
        )
        return self.context[best] if best is not None else self.context.get("*")


@cache
def _table() -> dict[str, Any]:
    text = resources.files("tuiftune.dataset").joinpath("provider_limits.toml").read_text("utf-8")
    return tomllib.loads(text)


def providers() -> list[str]:
    """The providers with rules, in the table's order."""
    return list(_table())


def limits_for(provider: str, *, context: int | None = None) -> ProviderLimits:
    """A provider's rules; ``context`` (the provider's own answer for the model) overrides the
    table's. Raises KeyError naming the known providers for an unknown one."""
    table = _table()
    if provider not in table:
        raise KeyError(f"no dataset rules for provider {provider!r} (known: {', '.join(table)})")
    row = table[provider]
    limits = dict(row.get("context") or {})
    if context is not None:
        limits = {"*": context}
    return ProviderLimits(
        provider=provider,
        max_file_bytes=row.get("max_file_bytes"),
        layouts=tuple(row.get("layouts") or ()),
        tools=bool(row.get("tools")),
        images=bool(row.get("images")),
        weights=bool(row.get("weights")),
        context=limits,
    )


def layout_of(record: Mapping[str, Any]) -> str | None:
    """chat, dpo or legacy by the record's keys (None for anything else)."""
    if "preferred_output" in record or "non_preferred_output" in record:
        return "dpo"
    if "messages" in record:
        return "chat"
    if "prompt" in record and "completion" in record:
        return "legacy"
    return None


def _messages(record: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found: list[Any] = []
    if isinstance(record.get("messages"), list):
        found += record["messages"]
    dpo_input = record.get("input")
    if isinstance(dpo_input, Mapping) and isinstance(dpo_input.get("messages"), list):
        found += dpo_input["messages"]
    for key in ("preferred_output", "non_preferred_output"):
        if isinstance(record.get(key), list):
            found += record[key]
    return [m for m in found if isinstance(m, Mapping)]


def _has_tools(record: Mapping[str, Any], messages: list[Mapping[str, Any]]) -> bool:
    holder = record.get("input") if isinstance(record.get("input"), Mapping) else record
    return bool(
        record.get("tools")
        or (isinstance(holder, Mapping) and holder.get("tools"))
        or record.get("functions")
        or any(m.get("tool_calls") or m.get("role") == "tool" for m in messages)
    )


def _has_images(messages: list[Mapping[str, Any]]) -> bool:
    for m in messages:
        content = m.get("content")
        if isinstance(content, list) and any(
            isinstance(p, Mapping) and p.get("type") in ("image_url", "input_image")
            for p in content
        ):
            return True
    return False


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _tokens(record: Mapping[str, Any], messages: list[Mapping[str, Any]], count: Any) -> int:
    if not messages:
        return int(
            count(_text(record.get("prompt", ""))) + count(_text(record.get("completion", "")))
        )
    total = sum(count(_text(m.get("content") or "")) + TOKENS_PER_MESSAGE for m in messages)
    for key in ("tools", "functions"):
        if record.get(key):
            total += count(_text(record[key]))
    return int(total)


def _finding(
    line: int, rule: str, severity: Severity, message: str, field: str | None = None
) -> ReportedFinding:
    return ReportedFinding(line, rule, severity, message, field, False)


def check_records(
    lines: Iterator[str], limits: ProviderLimits, model: str | None, *, encoding: str = "o200k_base"
) -> list[ReportedFinding]:
    """The provider's rules over the file's lines (1-based line numbers; unparsable lines are
    the core linter's to report, so they are skipped here)."""
    p = limits.provider
    context = limits.context_for(model)
    count = counter_for(encoding).count
    out: list[ReportedFinding] = []
    converted = 0
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(record, dict):
            continue
        layout = layout_of(record)
        if layout is not None and layout not in limits.layouts:
            if convert_for(p, record) is None:
                out.append(
                    _finding(
                        number,
                        f"{p}.layout",
                        Severity.ERROR,
                        f"{p} does not take {layout} records (only {', '.join(limits.layouts)})",
                    )
                )
            else:
                converted += 1
        messages = _messages(record)
        if not limits.tools and _has_tools(record, messages):
            out.append(
                _finding(
                    number,
                    f"{p}.tools",
                    Severity.ERROR,
                    f"{p} does not train on tool definitions or tool calls",
                    "tools",
                )
            )
        if not limits.images and _has_images(messages):
            out.append(
                _finding(
                    number,
                    f"{p}.images",
                    Severity.ERROR,
                    f"{p} does not train on images",
                    "messages",
                )
            )
        if not limits.weights and any("weight" in m for m in messages):
            out.append(
                _finding(
                    number,
                    f"{p}.weights",
                    Severity.WARNING,
                    f"{p} ignores per-message weight: every assistant message is trained",
                    "weight",
                )
            )
        if context is not None:
            tokens = _tokens(record, messages, count)
            if tokens > context:
                out.append(
                    _finding(
                        number,
                        f"{p}.context",
                        Severity.ERROR,
                        f"about {tokens:,} tokens, over {p}'s {context:,} for {model or 'it'}",
                    )
                )
    if converted:
        out.append(
            _finding(
                0,
                f"{p}.layout",
                Severity.ERROR,
                f"{p} takes chat records only: convert the {converted} legacy records first "
                "(tuiftune convert FILE --to chat -o OUT)",
            )
        )
    return out


def check_file(
    path: str | Path,
    provider: str,
    model: str | None,
    *,
    context: int | None = None,
    limits: ProviderLimits | None = None,
) -> list[ReportedFinding]:
    """The provider's rules (``limits``, else the table's) over one JSONL file (blocking: run
    it in a thread from the app)."""
    limits = limits or limits_for(provider, context=context)
    path = Path(path)
    out: list[ReportedFinding] = []
    size = path.stat().st_size
    if limits.max_file_bytes is not None and size > limits.max_file_bytes:
        out.append(
            _finding(
                0,
                f"{provider}.file-size",
                Severity.ERROR,
                f"{size:,} bytes, over {provider}'s {limits.max_file_bytes:,} per file",
            )
        )
    with path.open(encoding="utf-8", errors="replace") as handle:
        out += check_records(iter(handle), limits, model)
    return out


def convert_for(provider: str, record: Mapping[str, Any]) -> dict[str, Any] | None:
    """The record in a layout ``provider`` takes (legacy prompt/completion as a user and an
    assistant message); the record itself when it already fits; None when it cannot be."""
    limits = limits_for(provider)
    layout = layout_of(record)
    if layout in limits.layouts:
        return dict(record)
    if layout == "legacy" and "chat" in limits.layouts:
        prompt, completion = record.get("prompt"), record.get("completion")
        if not isinstance(prompt, str) or not isinstance(completion, str):
            return None
        return {
            "messages": [
                {"role": "user", "content": prompt},
                {"role": "assistant", "content": completion.strip()},
            ]
        }
    return None
