"""Rules for one legacy prompt/completion record (the file-wide consensus is in legacy.py)."""

from __future__ import annotations

from typing import Any

from tuiftune.dataset.findings import Finding, Fix, err, warn
from tuiftune.dataset.formats import Format
from tuiftune.dataset.models import ModelInfo
from tuiftune.dataset.rules.base import (
    TAIL,
    Count,
    RecordResult,
    canonical_key,
    label_of,
    truncation,
    type_name,
)


def lint_legacy(value: dict[str, Any], count: Count, model: ModelInfo) -> RecordResult:
    out: list[Finding] = []
    prompt = value.get("prompt")
    completion = value.get("completion")
    for key in value:
        if key not in ("prompt", "completion"):
            hint = " (did you mean 'completion'?)" if key == "completions" else ""
            hint = " (did you mean 'prompt'?)" if key == "prompts" else hint
            out.append(
                warn("legacy.key.unknown", f"unexpected key {key!r}{hint}; it is ignored", key)
            )
    if "prompt" not in value:
        out.append(err("legacy.prompt.missing", "'prompt' is missing", "prompt"))
    elif not isinstance(prompt, str):
        out.append(
            err("legacy.prompt.type", f"prompt must be a string, not {type_name(prompt)}", "prompt")
        )
        prompt = None
    if "completion" not in value:
        hint = " (found 'completions')" if "completions" in value else ""
        out.append(err("legacy.completion.missing", f"'completion' is missing{hint}", "completion"))
    elif not isinstance(completion, str):
        out.append(
            err(
                "legacy.completion.type",
                f"completion must be a string, not {type_name(completion)}",
                "completion",
            )
        )
        completion = None
    elif not completion.strip():
        out.append(
            err(
                "legacy.completion.empty",
                "completion is empty: there is nothing to learn",
                "completion",
            )
        )
    elif not completion[0].isspace():
        out.append(
            warn(
                "legacy.completion.leading_space",
                "completion does not start with a whitespace (tokenization works better with one)",
                "completion",
                Fix("add_leading_space", "prepend a space"),
            )
        )
    ptok = count(prompt) if isinstance(prompt, str) else 0
    ctok = count(completion) if isinstance(completion, str) else 0
    trunc = truncation(ptok + ctok, ptok + ctok, model, "completion")
    if trunc:
        out.append(trunc)
    result = RecordResult(Format.LEGACY, tuple(out), ptok + ctok, canonical_key(value))
    if isinstance(prompt, str):
        result.prompt_key = hash(prompt)
        result.prompt_tail = prompt[-TAIL:]
    if isinstance(completion, str):
        result.target_key = hash(completion)
        result.completion_tail = completion[-TAIL:]
        result.label = label_of(completion)
    return result
