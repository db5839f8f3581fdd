"""``jobs create`` on a hosted provider: its dataset rules (with the provider's own model limits
where it has them, Together's) checked before the upload, each finding naming the rule."""

from __future__ import annotations

import sys

from tuiftune.commands.jobs_common import Session, clean, error
from tuiftune.dataset.findings import Severity
from tuiftune.service.provider_lint import lint_for_provider
from tuiftune.service.providers.base import Provider

SHOWN = 10


async def provider_rules_pass(session: Session, provider: Provider) -> bool:
    """Print the provider's findings on stderr; False when its errors refuse the files (unless
    ``--force``). OpenAI's own rules are the lint's, so nothing is added there."""
    args = session.args
    errors = 0
    rules = None
    for path in (args.file, args.validation):
        if path is None:
            continue
        rules, found = await lint_for_provider(provider, path, args.model)
        if rules in (None, "openai"):
            return True
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
