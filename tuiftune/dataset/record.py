"""Lint one record on its own: parse, detect the format, dispatch to the format's rules."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from tuiftune.dataset.document import Document
from tuiftune.dataset.findings import Finding, Fix, Severity, err, warn
from tuiftune.dataset.formats import Format, detect
from tuiftune.dataset.models import ModelInfo
from tuiftune.dataset.rules.base import Count, RecordResult, canonical_key, type_name
from tuiftune.dataset.rules.chat import lint_chat
from tuiftune.dataset.rules.completion import lint_legacy
from tuiftune.dataset.rules.dpo import lint_dpo
from tuiftune.dataset.rules.other import lint_reinforcement, lint_sharegpt

__all__ = [
    "RecordResult",
    "guess_format",
    "lint_record",
    "over_bound",
    "parse",
    "result_for",
    "utf8_bound",
]


class _DuplicateKey(Exception):
    """Raised by the strict decoder at the first key that appears twice in one object."""


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _DuplicateKey
    return out


def _duplicates(pairs: list[tuple[str, Any]], found: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out and key not in found:
            found.append(key)
        out[key] = value
    return out


_STRICT = json.JSONDecoder(object_pairs_hook=_unique_pairs)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONG_NUMBER = re.compile(r"\d{4000,}")


def _surrogate_path(value: Any, path: str = "") -> str | None:
    """The field path of the first string (or key) holding a lone surrogate."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path or "(value)"
        return None
    items: Any = value.items() if isinstance(value, dict) else enumerate(value)
    if not isinstance(value, dict | list):
        return None
    for key, item in items:
        sub = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else str(key)
        if isinstance(key, str) and _surrogate_path(key) is not None:
            return sub
        found = _surrogate_path(item, sub)
        if found is not None:
            return found
    return None


def decode(raw: bytes) -> tuple[Any, Finding | None, str | None, list[str]]:
    """Like ``parse``, plus the keys that appear more than once in one object."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, invalid_utf8(exc, raw), None, []
    dups: list[str] = []
    try:
        value = _STRICT.decode(text)
    except _DuplicateKey:
        value = json.JSONDecoder(object_pairs_hook=lambda p: _duplicates(p, dups)).decode(text)
    except json.JSONDecodeError as exc:
        if b"\x00" in raw and looks_utf16(raw):
            return None, invalid_utf8(UnicodeDecodeError("utf-8", raw, 0, 1, "NUL"), raw), text, []
        return None, err_json(exc), text, []
    except RecursionError:
        return None, err("json.invalid", "JSON is nested too deeply to parse", None), text, []
    except ValueError as exc:  # an integer longer than Python converts (4300 digits)
        return None, err_number(text, exc), text, []
    if _SURROGATE_ESCAPE.search(text) is not None:
        where = _surrogate_path(value)
        if where is not None:
            return None, err_surrogate(where), text, []
    return value, None, text, dups


def parse(raw: bytes) -> tuple[Any, Finding | None, str | None]:
    """Decode and parse one line: (value, error finding, decoded text).

    Never raises: bytes that are not UTF-8, invalid JSON, numbers too long to convert and
    lone surrogates (legal JSON, but no text can hold them) all come back as a finding.
    """
    value, problem, text, _ = decode(raw)
    return value, problem, text


def err_number(text: str, exc: ValueError) -> Finding:
    """The finding for a number too long for Python to convert."""
    m = _LONG_NUMBER.search(text)
    where = f" at column {m.start() + 1}" if m else ""
    digits = f" ({len(m.group(0)):,} digits)" if m else ""
    return Finding(
        "json.number_too_long",
        Severity.ERROR,
        f"a number{where} is too long to read{digits}: at most 4300 digits",
        None,
        column=m.start() + 1 if m else None,
    )


def err_surrogate(field: str) -> Finding:
    """The finding for a ``\\ud800``-style escape that is half of a character."""
    return Finding(
        "encoding.lone_surrogate",
        Severity.ERROR,
        "a \\uD800-\\uDFFF escape without its pair is not a character; the line cannot be "
        "encoded as UTF-8 (remove it or give the full pair)",
        field,
    )


def invalid_utf8(exc: UnicodeDecodeError, raw: bytes = b"") -> Finding:
    """The finding for bytes that are not UTF-8 (UTF-16 is named as such)."""
    bad = exc.object[exc.start : exc.start + 4].hex(" ")
    if looks_utf16(raw):
        return Finding(
            "encoding.utf16",
            Severity.ERROR,
            "this line is UTF-16 text; training files must be UTF-8 "
            "(convert with: iconv -f UTF-16 -t UTF-8)",
            None,
            column=exc.start + 1,
        )
    return Finding(
        "encoding.invalid_utf8",
        Severity.ERROR,
        f"invalid UTF-8 at byte {exc.start} of the line (bytes {bad}); the line is kept as is",
        None,
        column=exc.start + 1,
    )


def looks_utf16(raw: bytes) -> bool:
    """A UTF-16 byte order mark, or ASCII text with a NUL byte beside every character."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True
    # The NULs on one side of each character only: a run of NUL bytes is not UTF-16.
    even, odd = raw[:200:2], raw[1:200:2]
    return bool(odd) and any(
        zeros.count(0) * 4 >= len(zeros) * 3 and text.count(0) * 4 < len(text)
        for zeros, text in ((odd, even), (even, odd))
    )


_CONTROL_NAMES = {0: "NUL", 9: "TAB", 10: "LF", 13: "CR", 27: "ESC", 127: "DEL"}


def _json_reason(exc: json.JSONDecodeError) -> str:
    """The decoder's message as a sentence: a raw control character is named, not shown."""
    msg = exc.msg.removesuffix(" at").removesuffix(
        " starting"
    )  # the decoder's "... at: line 1 column 5", cut short
    if msg.startswith("Invalid control character") and exc.pos < len(exc.doc):
        code = ord(exc.doc[exc.pos])
        name = _CONTROL_NAMES.get(code)
        named = f" ({name})" if name else ""
        return (
            f"a raw control character U+{code:04X}{named} inside a string; "
            f"JSON needs it escaped as \\u{code:04x}"
        )
    return msg


def err_json(exc: json.JSONDecodeError) -> Finding:
    """The finding for a line that is not valid JSON, with its column."""
    return Finding(
        "json.invalid",
        Severity.ERROR,
        f"invalid JSON at column {exc.colno}: {_json_reason(exc)}",
        None,
        column=exc.colno,
    )


def lint_record(raw: bytes, count: Count, model: ModelInfo) -> tuple[RecordResult, Any]:
    """Lint one line's bytes; returns the result and the parsed value (None if unparseable).

    Never raises: a rule that fails on some odd input becomes an error finding on that line,
    so one record cannot stop the lint of a whole file (or freeze the editor).
    """
    try:
        return _lint_record(raw, count, model)
    except (RecursionError, MemoryError):
        raise
    except Exception as exc:
        problem = err("lint.failed", f"this line could not be checked ({type(exc).__name__})", None)
        return RecordResult(Format.INVALID, (problem,)), None


def _lint_record(raw: bytes, count: Count, model: ModelInfo) -> tuple[RecordResult, Any]:
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
    value, problem, _, dups = decode(raw)
    if problem is not None:
        return RecordResult(Format.INVALID, (problem,)), None
    result, value = _lint_value(value, count, model)
    if dups:
        result.findings = result.findings + tuple(duplicate_key(k) for k in dups)
    return result, value


def duplicate_key(key: str) -> Finding:
    """The warning for a key given twice in one object (JSON readers keep only the last)."""
    return warn(
        "json.duplicate_key",
        f"key {key!r} appears more than once in one object; only the last one is read",
        None,
    )


def _lint_value(value: Any, count: Count, model: ModelInfo) -> tuple[RecordResult, Any]:
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


def utf8_bound(text: str) -> int:
    """An upper bound of any tiktoken count: each token stands for one byte or more."""
    return len(text.encode("utf-8", "surrogatepass"))


def over_bound(result: RecordResult) -> bool:
    """Whether a record linted with byte bounds needs its exact count: only the limit rules
    read token counts, and an exact count is never above the bound."""
    return any(f.rule.startswith("tokens.") for f in result.findings)


def guess_format(doc: Document, sample: int = 200) -> Format:
    """The majority format of the first parseable records (to choose a default model)."""
    seen: Counter[Format] = Counter()
    for pos in range(min(len(doc), sample)):
        value, problem, _ = parse(doc.raw_at(pos))
        if problem is None and value is not None:
            seen[detect(value)] += 1
    return seen.most_common(1)[0][0] if seen else Format.CHAT


def result_for(
    raw: bytes,
    count: Count,
    exact: Count,
    model: ModelInfo,
    bounded: bool,
) -> RecordResult:
    """One record's result: counted by its UTF-8 bound where that decides, else exactly."""
    result = lint_record(raw, count, model)[0]
    return lint_record(raw, exact, model)[0] if bounded and over_bound(result) else result
