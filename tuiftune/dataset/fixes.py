"""Safe fixes: mechanical changes that resolve a finding without losing information."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tuiftune.dataset.document import Document
from tuiftune.dataset.findings import Finding, Fix
from tuiftune.dataset.linter import Linter
from tuiftune.dataset.record import parse
from tuiftune.dataset.rules.base import SHAREGPT_ROLES

# Fixes that delete data or change the record's format run only when asked for by rule.
OPT_IN = frozenset({"delete_duplicate", "convert_sharegpt"})
_PATH_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class FixError(Exception):
    """A fix could not be applied to this record (it changed, or the value is not as expected)."""


def fix_id(finding: Finding) -> str | None:
    """The name used to choose a fix (``delete_duplicate`` for duplicates)."""
    if finding.fix is None:
        return None
    if finding.fix.kind == "delete_record" and finding.rule == "dataset.duplicate":
        return "delete_duplicate"
    return finding.fix.kind


def is_default(finding: Finding) -> bool:
    """Whether ``tuiftune fix`` applies this finding's fix without being asked by rule."""
    kind = fix_id(finding)
    return kind is not None and kind not in OPT_IN


def _path(field: str) -> list[str | int]:
    return [
        m.group(1) if m.group(1) is not None else int(m.group(2))
        for m in _PATH_TOKEN.finditer(field)
    ]


def _get(value: Any, path: list[str | int]) -> Any:
    for key in path:
        value = value[key]
    return value


def _set(value: Any, path: list[str | int], new: Any) -> None:
    _get(value, path[:-1])[path[-1]] = new


def as_tools(tools: Any) -> list[Any]:
    """``tools`` as OpenAI tool objects: decoded from a JSON string, bare functions wrapped.

    ShareGPT / LLaMA-Factory files list bare function schemas (``{"name": ...}``); OpenAI
    wants ``{"type": "function", "function": {...}}`` for each.
    """
    if isinstance(tools, str):
        tools = json.loads(tools)
    if not isinstance(tools, list):
        raise FixError("tools does not decode to a list")
    return [
        {"type": "function", "function": t}
        if isinstance(t, dict) and "type" not in t and "name" in t
        else t
        for t in tools
    ]


def _tool_call(text: Any, n: int) -> dict[str, Any]:
    """A ShareGPT ``function_call`` turn (``{"name", "arguments"}`` as JSON) as a tool call."""
    call = json.loads(text) if isinstance(text, str) else text
    if not isinstance(call, dict) or not isinstance(call.get("name"), str):
        raise FixError("a function_call turn is not JSON with a 'name'")
    args = call.get("arguments", {})
    encoded = args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)
    return {
        "id": f"call_{n}",
        "type": "function",
        "function": {"name": call["name"], "arguments": encoded},
    }


def _convert_sharegpt(value: dict[str, Any]) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    if isinstance(value.get("system"), str) and value["system"]:
        messages.append({"role": "system", "content": value["system"]})
    pending: list[str] = []  # ids of calls still waiting for their observation, in order
    calls = 0
    for turn in value["conversations"]:
        role = turn.get("role", turn.get("from"))
        text = turn.get("content", turn.get("value"))
        if role == "function_call":
            calls += 1
            call = _tool_call(text, calls)
            pending.append(call["id"])
            messages.append({"role": "assistant", "tool_calls": [call]})
        elif role == "observation":
            if not pending:
                raise FixError("an observation turn without a function_call before it")
            messages.append({"role": "tool", "tool_call_id": pending.pop(0), "content": text})
        else:
            messages.append({"role": SHAREGPT_ROLES.get(role, role), "content": text})
    out: dict[str, Any] = {"messages": messages}
    tools = value.get("tools")
    if tools:
        out["tools"] = as_tools(tools)
    return out


def transform(value: Any, finding: Finding) -> Any:
    """Apply one finding's fix to a parsed record and return the new value."""
    fix: Fix | None = finding.fix
    if fix is None:
        raise FixError("this finding has no fix")
    field = finding.field or ""
    try:
        if fix.kind in ("append_separator", "append_stop"):
            _set(value, [field], _get(value, [field]) + fix.arg)
        elif fix.kind == "add_leading_space":
            _set(value, [field], " " + _get(value, [field]))
        elif fix.kind == "strip_leading_space":
            path = _path(field)
            _set(value, path, _get(value, path).lstrip())
        elif fix.kind == "replace_suffix":
            old, new = fix.arg.split("\0")
            text = _get(value, [field])
            if not text.endswith(old):
                raise FixError(f"{field} no longer ends with {old!r}")
            _set(value, [field], text[: len(text) - len(old)] + new)
        elif fix.kind == "encode_arguments":
            path = _path(field)
            _set(value, path, json.dumps(_get(value, path), ensure_ascii=False))
        elif fix.kind == "decode_tools":
            value["tools"] = as_tools(value["tools"])
        elif fix.kind == "move_system_key":
            system = value.pop("system")
            if system:
                value["messages"].insert(0, {"role": "system", "content": system})
            value = {"messages": value.pop("messages"), **value}
        elif fix.kind == "convert_sharegpt":
            value = _convert_sharegpt(value)
        else:
            raise FixError(f"unknown fix {fix.kind!r}")
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as exc:
        raise FixError(f"cannot apply {fix.kind} to {field or 'the record'}: {exc}") from exc
    return value


@dataclass(frozen=True, slots=True)
class Applied:
    """One fix that was applied, for the CLI's change list."""

    line: int
    rule: str
    description: str


def apply_fixes(linter: Linter, choose: Iterable[tuple[int, Finding]]) -> list[Applied]:
    """Apply fixes to (position, finding) pairs as one undoable transaction.

    Several fixes to one record are applied to the same parsed value; deletions happen last,
    from the bottom up, so earlier positions stay valid.
    """
    doc = linter.doc
    by_pos: dict[int, list[Finding]] = {}
    for pos, finding in choose:
        by_pos.setdefault(pos, []).append(finding)
    applied: list[Applied] = []
    deletions: list[tuple[int, Finding]] = []
    with doc.transaction("fix"):
        for pos in sorted(by_pos):
            edits: list[Finding] = []
            for finding in by_pos[pos]:
                assert finding.fix is not None
                if finding.fix.kind == "delete_record":
                    deletions.append((pos, finding))
                elif finding.fix.kind == "strip_bom":
                    doc.set_bom(False)
                    applied.append(Applied(1, finding.rule, finding.fix.description))
                else:
                    edits.append(finding)
            if not edits:
                continue
            raw = doc.raw_at(pos)
            value, problem, _ = parse(raw)
            if problem is not None:
                continue
            done: list[Finding] = []
            for finding in edits:
                try:
                    value = transform(value, finding)
                except FixError:
                    continue
                done.append(finding)
            if done:
                doc.replace(pos, dumps_like(value, raw))
                applied += [
                    Applied(pos + 1, f.rule, f.fix.description if f.fix else "") for f in done
                ]
        for pos, finding in sorted(deletions, key=lambda pf: -pf[0]):
            doc.delete(pos)
            applied.append(Applied(pos + 1, finding.rule, "deleted the line"))
    applied.sort(key=lambda a: a.line)
    return applied


def fixable(linter: Linter, rules: set[str] | None = None) -> list[tuple[int, Finding]]:
    """Every (position, finding) with a fix; by default the safe ones, else those of ``rules``.

    A rule id also matches by fix name (``delete_duplicate``) or by prefix (``legacy.stop``).
    """
    out: list[tuple[int, Finding]] = []
    for pos in range(len(linter.doc)):
        seen_deletion = False
        for finding in linter.findings_at(pos):
            kind = fix_id(finding)
            if kind is None:
                continue
            if rules is None:
                wanted = is_default(finding)
            else:
                wanted = any(
                    finding.rule == r or kind == r or finding.rule.startswith(r + ".")
                    for r in rules
                )
            if wanted and finding.fix is not None and finding.fix.kind == "delete_record":
                if seen_deletion:
                    continue
                seen_deletion = True
            if wanted:
                out.append((pos, finding))
    return out


def reparse(doc: Document, pos: int) -> Any:
    """The parsed value of a record (None when it does not parse)."""
    value, problem, _ = parse(doc.raw_at(pos))
    return None if problem else value


def dumps_like(value: Any, original: bytes) -> bytes:
    """Serialize a value in the style of the line it replaces (spacing, ASCII escapes)."""
    # A line with no separators to copy (a new, empty record) gets json.dumps' usual spacing.
    spaced = (
        b'", "' in original
        or b'": ' in original
        or original.startswith(b"{ ")
        or b":" not in original
    )
    ascii_only = original.isascii() and b"\\u" in original
    sep = (", ", ": ") if spaced else (",", ":")
    return json.dumps(value, ensure_ascii=ascii_only, separators=sep).encode("utf-8")
