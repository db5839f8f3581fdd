"""``jobs create`` on a hosted provider: a legacy file converted to chat where the provider takes
chat only, then its dataset rules (with the provider's own model limits where it has them,
Together's) checked before the upload, each finding naming the rule."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from tuiftune.commands.jobs_common import Session, clean, error
from tuiftune.dataset.convert import convert_file
from tuiftune.dataset.findings import Severity
from tuiftune.dataset.provider_rules import layout_of, limits_for
from tuiftune.service.provider_lint import lint_for_provider, rules_name
from tuiftune.service.providers.base import Provider

SHOWN = 10


async def _converted(rules: str, path: Path) -> Path | None:
    """A chat copy of a legacy file for a provider that takes chat only (None: not needed)."""
    limits = limits_for(rules)
    if "legacy" in limits.layouts or "chat" not in limits.layouts:
        return None
    first = await asyncio.to_thread(_first_record, path)
    if first is None or layout_of(first) != "legacy":
        return None
    target = Path(tempfile.mkdtemp(prefix="tuiftune-")) / f"{path.stem}.chat.jsonl"
    result = await convert_file(path, target)
    if not result.written:
        return None
    note = f"note: {rules} takes chat records only: converted {result.written} legacy records"
    print(clean(f"{note} of {path} to {target}"), file=sys.stderr, flush=True)
    return target


def _first_record(path: Path) -> dict[str, Any] | None:
    with path.open(encoding="utf-8", errors="replace") as handle:
        for raw in handle:
            if raw.strip():
                try:
                    value = json.loads(raw)
                except ValueError:
                    return None
                return value if isinstance(value, dict) else None
    return None


async def provider_rules_pass(session: Session, provider: Provider) -> bool:
    """Print the provider's findings on stderr; False when its errors refuse the files (unless
    ``--force``). OpenAI's own rules are the lint's, so nothing is added there."""
    args = session.args
    errors = 0
    rules = None
    for name in ("file", "validation"):
        path = getattr(args, name)
        if path is None:
            continue
        rules = rules_name(provider)
        if rules in (None, "openai"):
            return True
        assert rules is not None
        converted = await _converted(rules, path)
        if converted is not None:
            setattr(args, name, converted)  # the chat copy is what is linted and uploaded
            path = converted
        rules, found = await lint_for_provider(provider, path, args.model)
        for finding in found[:SHOWN]:
            where = f"line {finding.line}" if finding.line else "file"
            text = f"{path}: {where}: {finding.severity} [{finding.rule}] {finding.message}"
            print(clean(text), file=sys.stderr, flush=True)
        if len(found) > SHOWN:
            print(f"{clean(path)}: ... {len(found) - SHOWN} more", file=sys.stderr, flush=True)
        errors += sum(1 for f in found if f.severity is Severity.ERROR)
    if errors and not args.force:
        error(f"refused: {errors} errors under {rules}'s rules (--force uploads anyway)")
        return False
    return True
