"""Lint one record on its own: parse, detect the format, dispatch to the format's rules."""

from __future__ import annotations

import json
from typing import Any

from tuiftune.dataset.findings import Finding, Fix, Severity, err, warn
from tuiftune.dataset.formats import Format, detect
from tuiftune.dataset.models import ModelInfo
from tuiftune.dataset.rules.base import Count, RecordResult, canonical_key, type_name
from tuiftune.dataset.rules.chat import lint_chat
from tuiftune.dataset.rules.completion import lint_legacy
from tuiftune.dataset.rules.dpo import lint_dpo
from tuiftune.dataset.rules.other import lint_reinforcement, lint_sharegpt

__all__ = ["RecordResult", "lint_record", "parse"]


def parse(raw: bytes) -> tuple[Any, Finding | None, str | None]:
    """Decode and parse one line: (value, error finding, decoded text)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, invalid_utf8(exc), None
    try:
        return json.loads(text), None, text
    except json.JSONDecodeError as exc:
        return None, err_json(exc), text
    except RecursionError:
        return None, err("json.invalid", "JSON is nested too deeply to parse", None), text


def invalid_utf8(exc: UnicodeDecodeError) -> Finding:
    """The finding for bytes that are not UTF-8."""
    bad = exc.object[exc.start : exc.start + 4].hex(" ")
    return Finding(
        "encoding.invalid_utf8",
        Severity.ERROR,
        f"invalid UTF-8 at byte {exc.start} of the line (bytes {bad}); the line is kept as is",
        None,
        column=exc.start + 1,
    )


def err_json(exc: json.JSONDecodeError) -> Finding:
    """The finding for a line that is not valid JSON, with its column."""
    return Finding(
        "json.invalid",
        Severity.ERROR,
        f"invalid JSON at column {exc.colno}: {exc.msg}",
        None,
        column=exc.colno,
    )


def lint_record(raw: bytes, count: Count, model: ModelInfo) -> tuple[RecordResult, Any]:
    """Lint one line's bytes; returns the result and the parsed value (None if unparseable)."""
    if not raw.strip():
        return RecordResult(
            Format.BLANK,
            (
                warn(
                    "json.blank_line",
                    "blank line (OpenAI rejects it as invalid JSON)",
                    None,
                    Fix("delete_record", "delete the line"),
                ),
            ),
        ), None
    value, problem, _ = parse(raw)
    if problem is not None:
        return RecordResult(Format.INVALID, (problem,)), None
    fmt = detect(value)
    if fmt is Format.INVALID:
        return RecordResult(
            Format.INVALID,
            (
                err(
                    "json.not_object",
                    f"a record must be a JSON object, not {type_name(value)}",
                    None,
                ),
            ),
        ), value
    if fmt is Format.CHAT:
        return lint_chat(value, count, model), value
    if fmt is Format.LEGACY:
        return lint_legacy(value, count, model), value
    if fmt is Format.DPO:
        return lint_dpo(value, count, model), value
    if fmt is Format.REINFORCEMENT:
        return lint_reinforcement(value, count, model), value
    if fmt is Format.SHAREGPT:
        return lint_sharegpt(value, count), value
    keys = ", ".join(repr(k) for k in sorted(value)) or "none"
    return RecordResult(
        Format.UNKNOWN,
        (
            err(
                "format.unknown",
                "not a fine-tuning record: expected "
                "'messages', 'prompt'/'completion' or 'input'/'preferred_output' "
                f"(keys found: {keys})",
                None,
            ),
        ),
        -1,
        canonical_key(value),
    ), value
