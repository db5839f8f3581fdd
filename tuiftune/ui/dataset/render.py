"""Rich renderables for records and statistics: user data as plain Text, never markup."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from tuiftune.dataset.preview import visible
from tuiftune.dataset.record import parse
from tuiftune.dataset.report import TokenStats
from tuiftune.dataset.session import EditorSession

ROLE_STYLE = {"system": "magenta", "user": "cyan", "assistant": "green", "tool": "yellow"}
MAX_SHOWN = 4000  # characters of a long value shown in the detail pane


def _value(text: Any) -> str:
    s = text if isinstance(text, str) else repr(text)
    if len(s) > MAX_SHOWN:
        s = s[:MAX_SHOWN] + f"… ({len(s) - MAX_SHOWN:,} more characters)"
    # Keep line breaks readable but never let control characters reach the terminal.
    return "\n".join(visible(part) for part in s.split("\n"))


def _messages(out: Text, messages: Any, indent: str = "") -> None:
    if not isinstance(messages, list):
        out.append(f"{indent}messages: {_value(messages)}\n")
        return
    for m in messages:
        if not isinstance(m, dict):
            out.append(f"{indent}{_value(m)}\n")
            continue
        role = str(m.get("role", "?"))
        out.append(f"{indent}{visible(role)}", style=f"bold {ROLE_STYLE.get(role, 'red')}")
        if m.get("weight") == 0:
            out.append(" (weight 0)", style="dim")
        out.append(": ")
        content = m.get("content")
        if isinstance(content, list):
            content = " ".join(
                p.get("text", "[image]") if isinstance(p, dict) else "?" for p in content
            )
        if content is not None:
            out.append(_value(content))
        for call in m.get("tool_calls") or []:
            fn = call.get("function", {}) if isinstance(call, dict) else {}
            out.append(
                f"\n{indent}  → {_value(fn.get('name'))}({_value(fn.get('arguments'))})",
                style="yellow",
            )
        out.append("\n")


def record_text(raw: bytes, line: int) -> Text:
    """A record laid out for reading: roles and contents, or the raw line when it is broken."""
    out = Text()
    value, problem, text = parse(raw)
    if problem is not None or not isinstance(value, dict):
        out.append(f"line {line} (raw)\n", style="dim")
        out.append(_value(text if text is not None else raw.decode("utf-8", "replace")))
        return out
    if "messages" in value:
        _messages(out, value["messages"])
    elif "prompt" in value or "completion" in value:
        out.append("prompt: ", style="bold cyan")
        out.append(_value(value.get("prompt")) + "\n")
        out.append("completion: ", style="bold green")
        out.append(_value(value.get("completion", value.get("completions"))) + "\n")
    elif "input" in value:
        inp = value.get("input")
        _messages(out, inp.get("messages") if isinstance(inp, dict) else inp)
        for key, style in (("preferred_output", "green"), ("non_preferred_output", "red")):
            out.append(f"{key}:\n", style=f"bold {style}")
            _messages(out, value.get(key), "  ")
    elif "conversations" in value:
        _messages(out, value["conversations"])
    others = [
        k
        for k in value
        if k
        not in (
            "messages",
            "prompt",
            "completion",
            "input",
            "preferred_output",
            "non_preferred_output",
        )
    ]
    for key in others:
        out.append(f"{visible(str(key))}: ", style="dim")
        out.append(_value(value[key])[:300] + "\n", style="dim")
    return out


def stats_text(session: EditorSession) -> Text:
    """Counts by format and severity, token distribution and cost for the chosen model."""
    from tuiftune.dataset.report import build_report

    report = build_report(session.linter)
    s = report.stats
    tok: TokenStats = s.tokens
    out = Text()
    out.append("Formats  ", style="bold")
    out.append(", ".join(f"{k} {v:,}" for k, v in s.formats.items()) + "\n")
    out.append("Findings ", style="bold")
    out.append(f"{s.severities['error']:,} errors", style="red")
    out.append(f", {s.severities['warning']:,} warnings", style="yellow")
    out.append(f", {s.severities['info']:,} info\n")
    out.append("Tokens   ", style="bold")
    out.append(
        f"{tok.total:,} total ({s.encoding}); min {tok.min:,}, median {tok.median:,.0f}, "
        f"p95 {tok.p95:,}, max {tok.max:,}\n"
    )
    out.append("Limit    ", style="bold")
    out.append(f"{s.over_limit:,} examples over {s.model}'s {s.example_limit:,}-token limit\n")
    cost = s.cost
    price = "no known price" if cost.cost is None else f"about ${cost.cost:,.2f}"
    out.append("Cost     ", style="bold")
    out.append(
        f"{cost.billing_tokens_per_epoch:,} billing tokens x {cost.epochs} epochs = "
        f"{cost.billing_tokens:,} tokens, {price}\n"
    )
    if session.model_note:
        out.append("Exact    ", style="bold")
        out.append(visible(session.model_note) + " (when chosen; M counts again)\n")
    if s.labels:
        out.append("Labels   ", style="bold")
        out.append(", ".join(f"{visible(k)} {v:,}" for k, v in list(s.labels.items())[:10]))
    for finding in session.linter.file_findings():
        style = {"error": "bold red", "warning": "yellow", "info": "cyan"}[finding.severity.value]
        out.append(f"\n{finding.severity.value:<8}", style=style)
        out.append(f"{finding.rule}: {visible(finding.message)}")
    return out
