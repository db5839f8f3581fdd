"""Lint one record on its own: parse, detect the format, check its structure, count tokens."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tuiftune.dataset.findings import Finding, Fix, Severity
from tuiftune.dataset.formats import CHAT_KEYS, Format, detect
from tuiftune.dataset.messages import (
    ROLES,
    SHAREGPT_ROLES,
    MessageScan,
    err,
    info,
    scan_messages,
    type_name,
    warn,
)
from tuiftune.dataset.models import ModelInfo

TAIL = 32  # characters of prompt/completion ends kept for separator/stop consensus
LABEL_MAX_CHARS = 40
LABEL_MAX_WORDS = 4


@dataclass(slots=True)
class RecordResult:
    """Everything the dataset-level rules need from one record, without its parsed value."""

    fmt: Format
    findings: tuple[Finding, ...]
    tokens: int = -1
    dup_key: int = 0
    prompt_key: int = 0
    target_key: int = 0
    label: str | None = None
    prompt_tail: str | None = None
    completion_tail: str | None = None


Count = Callable[[str], int]


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


def _key(value: Any) -> int:
    return hash(json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")))


def _message_parts(messages: list[Any]) -> list[Any]:
    """Hashable stand-ins for messages; plain text messages skip JSON serialisation."""
    parts: list[Any] = []
    for m in messages:
        if type(m) is dict and len(m) == 2 and type(m.get("content")) is str:
            parts.append((m.get("role"), m["content"]))
        else:
            parts.append(_key(m))
    return parts


def _messages_key(messages: list[Any]) -> int:
    """A key for a conversation (or a prefix of one)."""
    return hash(tuple(_message_parts(messages)))


def _label(text: str) -> str | None:
    if len(text) > 2 * LABEL_MAX_CHARS:
        return None
    stripped = text.strip()
    if stripped and len(stripped) <= LABEL_MAX_CHARS and len(stripped.split()) <= LABEL_MAX_WORDS:
        return stripped
    return None


def _truncation(total: int, target_end: int | None, model: ModelInfo, what: str) -> Finding | None:
    if total <= model.example_limit:
        return None
    cut = total - model.example_limit
    if target_end is not None and target_end > model.example_limit:
        return err(
            "tokens.over_limit",
            f"{total:,} tokens is over {model.name}'s "
            f"{model.example_limit:,}-token example limit: truncation would cut {cut:,} "
            f"tokens, including the {what}",
            None,
        )
    return warn(
        "tokens.over_limit",
        f"{total:,} tokens is over {model.name}'s "
        f"{model.example_limit:,}-token example limit: the last {cut:,} tokens would be "
        "cut (not the training target)",
        None,
    )


def _tools(value: dict[str, Any], count: Count, out: list[Finding]) -> tuple[int, int]:
    """Check ``tools``; return its token count and a key for duplicate detection."""
    tools = value.get("tools")
    if tools is None:
        return 0, 0
    if isinstance(tools, str):
        out.append(
            err(
                "chat.tools.type",
                "tools is a JSON-encoded string; it must be a list of tool objects",
                "tools",
                Fix("decode_tools", "decode the string into a list"),
            )
        )
        return count(tools), hash(tools)
    if not isinstance(tools, list):
        out.append(err("chat.tools.type", f"tools must be a list, not {type_name(tools)}", "tools"))
        return 0, 0
    for i, tool in enumerate(tools):
        fn = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
            out.append(
                err(
                    "chat.tools.item",
                    "each tool needs type 'function' and function.name",
                    f"tools[{i}]",
                )
            )
        elif tool.get("type", "function") != "function":
            out.append(
                err(
                    "chat.tools.item",
                    f"unsupported tool type {tool.get('type')!r}",
                    f"tools[{i}].type",
                )
            )
    # Tools are billed as part of the example; their exact rendering is not public, so the
    # compact JSON is a close estimate. The string repeats on every line and hits the cache.
    text = json.dumps(tools, separators=(",", ":"), ensure_ascii=False)
    return count(text), hash(text)


def _chat(value: dict[str, Any], count: Count, model: ModelInfo) -> RecordResult:
    out: list[Finding] = []
    if "system" in value:
        out.append(
            err(
                "chat.key.system",
                "top-level 'system' key (Bedrock/Anthropic style) is "
                "not OpenAI chat: the system prompt must be messages[0] with role 'system'",
                "system",
                Fix("move_system_key", "move it into messages[0]"),
            )
        )
    if not value.keys() <= CHAT_KEYS:
        for key in value:
            if key not in CHAT_KEYS and key != "system":
                out.append(warn("chat.key.unknown", f"unexpected top-level key {key!r}", key))
    ptc = value.get("parallel_tool_calls")
    if ptc is not None and not isinstance(ptc, bool):
        out.append(
            err(
                "chat.parallel_tool_calls.type",
                "parallel_tool_calls must be true or false",
                "parallel_tool_calls",
            )
        )
    tools_tokens, tools_key = _tools(value, count, out)
    messages = value["messages"]
    scan = scan_messages(messages, "messages", count, target=True)
    out.extend(scan.findings)
    if scan.images > 10:
        out.append(err("image.count", f"{scan.images} images; at most 10 per example", "messages"))
    total = tools_tokens + sum(scan.tokens) + 3
    result = RecordResult(Format.CHAT, (), total)
    parts = _message_parts(messages) if isinstance(messages, list) else [_key(messages)]
    if isinstance(messages, list) and scan.roles:
        last = _last_trainable(messages, scan)
        if last is not None:
            if total > model.example_limit:
                target_end = tools_tokens + sum(scan.tokens[: last + 1])
                trunc = _truncation(total, target_end, model, f"assistant target messages[{last}]")
                if trunc:
                    out.append(trunc)
            result.prompt_key = hash(tuple(parts[:last]))
            answer = messages[last]
            content = answer.get("content")
            result.target_key = (
                hash(content) if isinstance(content, str) else _key(answer.get("tool_calls"))
            )
            if isinstance(content, str):
                result.label = _label(content)
    result.findings = tuple(out)
    # Cheaper than serialising the record: the message key reuses the strings' cached hashes.
    body = hash(tuple(parts))
    rest = (
        ()
        if value.keys() <= _MESSAGES_AND_TOOLS
        else tuple(sorted((k, _key(v)) for k, v in value.items() if k not in _MESSAGES_AND_TOOLS))
    )
    result.dup_key = hash((body, tools_key, rest))
    return result


_MESSAGES_AND_TOOLS = frozenset({"messages", "tools"})


def _last_trainable(messages: list[Any], scan: MessageScan) -> int | None:
    i = len(scan.roles) - 1
    if scan.roles[i] == "assistant" and messages[i].get("weight") != 0:
        return i
    for i in range(len(scan.roles) - 1, -1, -1):
        msg = messages[i]
        if scan.roles[i] == "assistant" and isinstance(msg, dict) and msg.get("weight") != 0:
            return i
    return None


def _dpo_output(value: dict[str, Any], key: str, count: Count, out: list[Finding]) -> int:
    output = value.get(key)
    if output is None:
        out.append(err("dpo.output.missing", f"'{key}' is missing", key))
        return 0
    if not isinstance(output, list):
        out.append(err("dpo.output.type", f"{key} must be a list with one assistant message", key))
        return 0
    if len(output) != 1:
        out.append(
            err(
                "dpo.output.count",
                f"{key} has {len(output)} messages; it must have exactly one assistant message",
                key,
            )
        )
    scan = scan_messages(output, key, count, target=False)
    out.extend(scan.findings)
    for i, role in enumerate(scan.roles):
        if role and role != "assistant":
            out.append(
                err(
                    "dpo.output.role",
                    f"{key} messages must be assistant, not {role!r}",
                    f"{key}[{i}].role",
                )
            )
    return sum(scan.tokens)


def _dpo(value: dict[str, Any], count: Count, model: ModelInfo) -> RecordResult:
    out: list[Finding] = []
    if "preferred_completion" in value or "non_preferred_completion" in value:
        out.append(
            warn(
                "dpo.key.legacy",
                "preferred_completion / non_preferred_completion is an "
                "old spelling: use preferred_output / non_preferred_output",
                None,
            )
        )
        value = dict(value)
        value.setdefault("preferred_output", value.pop("preferred_completion", None))
        value.setdefault("non_preferred_output", value.pop("non_preferred_completion", None))
    inp = value.get("input")
    input_tokens = 3
    prompt_msgs: Any = None
    if not isinstance(inp, dict):
        out.append(err("dpo.input.type", "input must be an object with 'messages'", "input"))
    else:
        prompt_msgs = inp.get("messages")
        input_tokens += _tools(inp, count, out)[0]
        scan = scan_messages(prompt_msgs, "input.messages", count, target=False)
        out.extend(scan.findings)
        input_tokens += sum(scan.tokens)
        if scan.roles and scan.roles[-1] != "user":
            out.append(
                warn(
                    "dpo.input.last",
                    "input should end with a user message",
                    f"input.messages[{len(scan.roles) - 1}]",
                )
            )
    pref = _dpo_output(value, "preferred_output", count, out)
    nonpref = _dpo_output(value, "non_preferred_output", count, out)
    if value.get("preferred_output") == value.get("non_preferred_output"):
        out.append(
            warn(
                "dpo.output.identical",
                "preferred and non-preferred outputs are identical: the pair teaches nothing",
                "non_preferred_output",
            )
        )
    total = input_tokens + pref + nonpref
    trunc = _truncation(
        input_tokens + max(pref, nonpref),
        input_tokens + max(pref, nonpref),
        model,
        "preferred/non-preferred output",
    )
    if trunc:
        out.append(trunc)
    result = RecordResult(
        Format.DPO,
        tuple(out),
        total,
        _key(value),
        _key(prompt_msgs),
        _key(value.get("preferred_output")),
    )
    return result


def _legacy(value: dict[str, Any], count: Count, model: ModelInfo) -> RecordResult:
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
    trunc = _truncation(ptok + ctok, ptok + ctok, model, "completion")
    if trunc:
        out.append(trunc)
    result = RecordResult(Format.LEGACY, tuple(out), ptok + ctok, _key(value))
    if isinstance(prompt, str):
        result.prompt_key = hash(prompt)
        result.prompt_tail = prompt[-TAIL:]
    if isinstance(completion, str):
        result.target_key = hash(completion)
        result.completion_tail = completion[-TAIL:]
        result.label = _label(completion)
    return result


def _reinforcement(value: dict[str, Any], count: Count, model: ModelInfo) -> RecordResult:
    out: list[Finding] = []
    tools_tokens = _tools(value, count, out)[0]
    scan = scan_messages(value["messages"], "messages", count, target=False)
    out.extend(scan.findings)
    grader = sorted(set(value) - CHAT_KEYS)
    out.append(
        info(
            "rft.grader_keys",
            "reinforcement example: no assistant answer; keys "
            f"{', '.join(grader)} go to the grader (use method 'reinforcement')",
            None,
        )
    )
    if scan.roles and scan.roles[-1] != "user":
        out.append(
            warn(
                "rft.last.not_user",
                "a reinforcement prompt should end with a user message",
                f"messages[{len(scan.roles) - 1}]",
            )
        )
    total = tools_tokens + sum(scan.tokens) + 3
    trunc = _truncation(total, None, model, "")
    if trunc:
        out.append(trunc)
    return RecordResult(Format.REINFORCEMENT, tuple(out), total, _key(value))


def _sharegpt(value: dict[str, Any], count: Count) -> RecordResult:
    out: list[Finding] = []
    conv = value.get("conversations")
    roles: dict[str, int] = {}
    tokens = 3
    if isinstance(conv, list):
        for turn in conv:
            if isinstance(turn, dict):
                role = turn.get("role", turn.get("from"))
                text = turn.get("content", turn.get("value"))
                roles[str(role)] = roles.get(str(role), 0) + 1
                tokens += 3 + (count(text) if isinstance(text, str) else 0)
    foreign = {r: n for r, n in roles.items() if r not in ROLES}
    convertible = bool(roles) and all(r in SHAREGPT_ROLES or r == "assistant" for r in roles)
    how = (
        "rename 'conversations' to 'messages' and map roles human->user, gpt->assistant, "
        "function_call->assistant tool_calls, observation->tool"
    )
    out.append(
        err(
            "format.sharegpt",
            f"ShareGPT / LLaMA-Factory record ('conversations'), not OpenAI chat: {how}",
            "conversations",
            Fix("convert_sharegpt", "convert to OpenAI messages") if convertible else None,
        )
    )
    if foreign:
        listed = ", ".join(f"{r!r} x{n}" for r, n in sorted(foreign.items()))
        out.append(err("chat.role.unknown", f"non-OpenAI roles: {listed}", "conversations"))
    if "system" in value:
        out.append(
            err(
                "chat.key.system",
                "top-level 'system' key is not OpenAI chat: the system "
                "prompt must be the first message",
                "system",
            )
        )
    _tools(value, count, out)
    return RecordResult(Format.SHAREGPT, tuple(out), tokens, _key(value))


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
        return _chat(value, count, model), value
    if fmt is Format.LEGACY:
        return _legacy(value, count, model), value
    if fmt is Format.DPO:
        return _dpo(value, count, model), value
    if fmt is Format.REINFORCEMENT:
        return _reinforcement(value, count, model), value
    if fmt is Format.SHAREGPT:
        return _sharegpt(value, count), value
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
        _key(value),
    ), value
