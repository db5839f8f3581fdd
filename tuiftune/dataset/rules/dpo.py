"""Rules for preference (DPO) records."""

from __future__ import annotations

from typing import Any

from tuiftune.dataset.findings import Finding, err, warn
from tuiftune.dataset.formats import Format
from tuiftune.dataset.models import ModelInfo
from tuiftune.dataset.rules.base import Count, RecordResult, canonical_key, truncation
from tuiftune.dataset.rules.messages import scan_messages
from tuiftune.dataset.rules.tool_calls import check_tools


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


def lint_dpo(value: dict[str, Any], count: Count, model: ModelInfo) -> RecordResult:
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
        input_tokens += check_tools(inp, count, out)[0]
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
    trunc = truncation(
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
        canonical_key(value),
        canonical_key(prompt_msgs),
        canonical_key(value.get("preferred_output")),
    )
    return result
