"""Rules for tools definitions and assistant tool calls."""

from __future__ import annotations

import json
from typing import Any

from tuiftune.dataset.findings import Finding, Fix, err
from tuiftune.dataset.rules.base import Count, MessageScan, type_name


def check_tool_calls(calls: Any, path: str, scan: MessageScan, seen_ids: set[str]) -> list[str]:
    """Check an assistant's tool_calls and return the strings that cost tokens."""
    strings: list[str] = []
    if not isinstance(calls, list) or not calls:
        scan.findings.append(
            err("chat.tool_calls.type", "tool_calls must be a non-empty list", path)
        )
        return strings
    for k, call in enumerate(calls):
        cpath = f"{path}[{k}]"
        if not isinstance(call, dict):
            scan.findings.append(
                err("chat.tool_calls.type", "a tool call must be an object", cpath)
            )
            continue
        call_id = call.get("id")
        if not isinstance(call_id, str) or not call_id:
            scan.findings.append(
                err("chat.tool_calls.id", "tool call needs a string 'id'", f"{cpath}.id")
            )
        else:
            seen_ids.add(call_id)
        fn = call.get("function")
        if not isinstance(fn, dict):
            scan.findings.append(
                err(
                    "chat.tool_calls.function",
                    "tool call needs a 'function' object with name and arguments",
                    f"{cpath}.function",
                )
            )
            continue
        name = fn.get("name")
        if not isinstance(name, str) or not name:
            scan.findings.append(
                err("chat.tool_calls.function", "function needs a 'name'", f"{cpath}.function.name")
            )
        else:
            strings.append(name)
        args = fn.get("arguments")
        apath = f"{cpath}.function.arguments"
        if isinstance(args, str):
            strings.append(args)
            try:
                json.loads(args)
            except ValueError:
                scan.findings.append(
                    err("chat.tool_calls.arguments", "arguments is not valid JSON", apath)
                )
        else:
            scan.findings.append(
                err(
                    "chat.tool_calls.arguments",
                    f"arguments must be a JSON-encoded string, not {type_name(args)}",
                    apath,
                    Fix("encode_arguments", "encode as a JSON string"),
                )
            )
    return strings


def check_tools(value: dict[str, Any], count: Count, out: list[Finding]) -> tuple[int, int]:
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
