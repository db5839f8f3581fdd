"""``tuiftune lint``: report every problem in one or more JSONL training files."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from tuiftune.commands.common import add_lint_options, price_overrides, tty_progress, unescape

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from tuiftune.dataset import LintReport, ReportedFinding
    from tuiftune.dataset.provider_rules import ProviderLimits
    from tuiftune.evaluation.leakage import PairReport
    from tuiftune.service.services import Services

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
SHOWN_PER_RULE = 5
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``tuiftune lint``."""
    p = subparsers.add_parser(
        "lint",
        help="check JSONL training files and report every problem",
        description="Check JSONL fine-tuning files (chat, legacy prompt/completion, DPO, "
        "reinforcement). Exit 0 without errors, 1 with errors (or warnings with --strict), 2 "
        "for usage errors or unreadable files.",
    )
    p.add_argument("files", nargs="+", metavar="FILE")
    add_lint_options(p)
    p.add_argument("--format", choices=("text", "json"), default="text", dest="output")
    p.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    p.add_argument(
        "--provider",
        metavar="P",
        help="also apply a hosted provider's rules (openai, azure, together, fireworks, nebius): "
        "its layouts, file size, context per --model, tools, images, weights",
    )
    from tuiftune.commands.lint_provider import ProfileAction

    p.add_argument(
        "--profile",
        metavar="NAME",
        action=ProfileAction,
        help="apply the rules of this profile's provider with its own limits for --model "
        "(Together's, fetched once)",
    )
    p.add_argument("--all", action="store_true", help="list every finding, not a few per rule")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, services: Services | None = None) -> int:
    """Lint each file and print the report (``services`` with ``--profile``)."""
    return asyncio.run(_run(args, services))


async def _run(args: argparse.Namespace, services: Services | None = None) -> int:
    from rich.console import Console

    from tuiftune.dataset import LintOptions, lint_file
    from tuiftune.dataset.atomic import describe
    from tuiftune.dataset.preview import json_safe, visible

    try:
        options = LintOptions(args.model, unescape(args.separator), unescape(args.stop))
    except ValueError as exc:  # a bad escape such as '\x'
        print(f"tuiftune lint: --separator/--stop: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.provider:
        from tuiftune.dataset.provider_rules import providers

        if args.provider not in providers():
            known = ", ".join(providers())
            print(
                f"tuiftune lint: --provider: no rules for {args.provider!r} ({known})",
                file=sys.stderr,
            )
            return EXIT_USAGE
    limits: ProviderLimits | None = None
    if services is not None:
        from tuiftune.commands.lint_provider import limits_or_exit

        got = await limits_or_exit(services, args.model)
        if isinstance(got, int):
            return got
        limits = got
    prices = price_overrides()
    console = Console(highlight=False, soft_wrap=True)
    reports: list[dict[str, Any]] = []
    code = EXIT_OK
    for path in args.files:
        progress = tty_progress(f"linting {path}") if args.output == "text" else None
        try:
            report = await lint_file(path, options, progress, prices=prices)
        except OSError as exc:
            exc.filename = exc.filename or path
            print(f"tuiftune lint: cannot read {visible(describe(exc))}", file=sys.stderr)
            code = max(code, EXIT_USAGE)
            continue
        if args.provider or limits is not None:
            from tuiftune.dataset.provider_rules import check_file

            name = limits.provider if limits is not None else args.provider
            extra = await asyncio.to_thread(check_file, path, name, args.model, limits=limits)
            report.findings.extend(extra)
        bad = report.errors or (args.strict and report.warnings)
        if bad:
            code = max(code, EXIT_FINDINGS)
        exact = _exact_tokens(path, report.stats.encoding)
        if args.output == "json":
            reports.append(report.to_dict() | ({"exact_tokens": exact} if exact else {}))
        else:
            print_text(console, report, show_all=args.all)
            if exact:
                from tuiftune.dataset.hf_tokens import describe_summary

                console.print(f"  {visible(describe_summary(exact))}", markup=False)
    overlaps = await _overlaps(args, console)
    if args.strict and any(r.overlaps for r in overlaps):
        code = max(code, EXIT_FINDINGS)
    if args.output == "json":
        out: dict[str, Any] = {"files": reports}
        if len(args.files) > 1:
            out["overlaps"] = [r.to_dict() for r in overlaps]
        # Escaped like the text output: bidi and C1 controls must not reach a terminal.
        sys.stdout.write(json_safe(json.dumps(out, ensure_ascii=False, indent=2)))
        sys.stdout.write("\n")
    return code


def _exact_tokens(path: str, encoding: str) -> dict[str, Any] | None:
    """For an open model (``--model`` a folder or cached id): each record counted whole."""
    if not encoding.startswith("hf:"):
        return None
    from tuiftune.dataset.hf_tokens import exact_summary

    return exact_summary(path, encoding[3:])


async def _overlaps(args: argparse.Namespace, console: Console) -> list[PairReport]:
    """Rows shared between the files given (training vs validation vs test), as warnings."""
    from tuiftune.commands import overlap

    if len(args.files) < 2:
        return []
    reports = await overlap.compare(args.files)
    if args.output == "text":
        overlap.print_reports(console, reports, show_all=args.all)
    return reports


def print_text(console: Console, report: LintReport, *, show_all: bool = False) -> None:
    """Print one report for a person: findings grouped by rule, then a summary."""
    from rich.text import Text

    from tuiftune.dataset.formats import FORMAT_LABELS, Format
    from tuiftune.dataset.preview import visible

    stats = report.stats
    head = Text()
    head.append(visible(report.path), style="bold")
    plural = "" if stats.examples == 1 else "s"
    # With no example the format is only the default guess: naming it would mislead.
    label = f"{FORMAT_LABELS[Format(report.format)]}, " if stats.examples else ""
    head.append(f"  {label}{stats.examples:,} example{plural}")
    console.print(head)
    for group in _groups(report, show_all):
        first = group.first
        sev = first.severity.value
        title = Text("  ")
        title.append(f"{sev:<7}", style=SEVERITY_STYLE[sev])
        title.append(f" {first.rule}", style="bold")
        title.append(f"  x{group.count:,}" if group.count > 1 else "")
        if group.fixable:
            title.append("  (fixable)", style="green")
        console.print(title)
        for f in group.shown:
            line = Text("    ")
            line.append("file" if f.line == 0 else f"line {f.line}", style="dim")
            # A field path is a record's own keys: escape it like the message (OSC 52, titles).
            if f.field:
                line.append(f"  {visible(f.field)}", style="magenta")
            line.append(f"  {visible(f.message)}")
            console.print(line)
        # Each line once: a rule that fires per message would otherwise list "1, 1, 1, 2".
        if group.hidden:
            rest = group.rest
            lines = ", ".join(str(n) for n in rest)
            more = f" and {group.distinct - len(rest):,} more" if group.distinct > len(rest) else ""
            word = "line" if group.distinct == 1 else "lines"
            console.print(
                Text(
                    f"    ... {group.hidden:,} more on {word} {lines}{more} (--all lists them)",
                    style="dim",
                )
            )
    console.print(summary(report))
    console.print()


SHOWN_LINES = 12


class _Group:
    """One rule's findings as the text report shows them: the first few, then counts.

    Streamed, not held: a million real rows gave 800k findings of one rule, and holding them
    to print five took more memory than the whole lint.
    """

    def __init__(self, first: ReportedFinding, shown: int | None) -> None:
        self.first = first
        self.limit = shown
        self.shown: list[ReportedFinding] = []
        self.count = 0
        self.fixable = False
        self.hidden = 0
        self.distinct = 0  # distinct lines among the hidden findings
        self.rest: list[int] = []  # the first of them, in order
        self._last = -1
        self.in_order = True  # lines never went back: counting changes counts distinct lines

    def add(self, f: ReportedFinding) -> None:
        self.count += 1
        self.fixable = self.fixable or f.fixable
        if self.limit is None or len(self.shown) < self.limit:
            self.shown.append(f)
            return
        self.hidden += 1
        if f.line > self._last:
            self.distinct += 1
            if len(self.rest) < SHOWN_LINES:
                self.rest.append(f.line)
            self._last = f.line
        elif f.line < self._last:
            self.in_order = False

    def recount(self, findings: Iterable[ReportedFinding]) -> None:
        """Distinct hidden lines counted exactly (findings added out of line order)."""
        hidden = [f.line for f in findings if f.rule == self.first.rule][len(self.shown) :]
        seen = list(dict.fromkeys(hidden))
        self.distinct, self.rest = len(seen), seen[:SHOWN_LINES]


def _groups(report: LintReport, show_all: bool) -> list[_Group]:
    """The report's findings by rule, errors first, then by first line."""
    groups: dict[str, _Group] = {}
    limit = None if show_all else SHOWN_PER_RULE
    for f in report.findings:
        group = groups.get(f.rule)
        if group is None:
            group = groups[f.rule] = _Group(f, limit)
        group.add(f)
    for group in groups.values():
        if not group.in_order:
            group.recount(report.findings)
    return sorted(groups.values(), key=lambda g: (-g.first.severity.rank, g.first.line))


def summary(report: LintReport) -> Text:
    """The one-paragraph summary under a report."""
    from rich.text import Text

    stats = report.stats
    formats = ", ".join(
        f"{k} {v:,}" for k, v in sorted(stats.formats.items(), key=lambda kv: -kv[1])
    )
    t = Text("  ")
    t.append(f"{stats.records:,} lines ({formats})  " if formats else f"{stats.records:,} lines  ")
    t.append(f"{report.errors:,} errors", style="bold red" if report.errors else "green")
    t.append(", ")
    t.append(f"{report.warnings:,} warnings", style="yellow" if report.warnings else "green")
    tok = stats.tokens
    approx = "estimated" if stats.tokens_estimated else "approx."
    t.append(
        f"\n  tokens ({stats.encoding}, {approx}): {tok.total:,} total, min {tok.min:,}, "
        f"median {tok.median:,.0f}, p95 {tok.p95:,}, max {tok.max:,}"
    )
    if stats.over_limit:
        t.append(f", {stats.over_limit:,} over the {stats.example_limit:,} limit", style="red")
    cost = stats.cost
    price = "no known price" if cost.cost is None else f"about {money(cost.cost)}"
    epochs = f"{cost.epochs} epoch{'s' if cost.epochs != 1 else ''}"
    t.append(
        f"\n  training {stats.model}: {cost.billing_tokens_per_epoch:,} billing tokens x "
        f"{epochs} (auto) = {cost.billing_tokens:,} tokens, {price}"
    )
    if stats.labels:
        shown = list(stats.labels.items())[:8]
        more = f", +{len(stats.labels) - 8} more" if len(stats.labels) > 8 else ""
        from tuiftune.dataset.preview import visible

        t.append("\n  labels: " + ", ".join(f"{visible(repr(k))} {v:,}" for k, v in shown) + more)
    return t


def money(usd: float) -> str:
    """Dollars with cents, or four decimals for sums under a dollar."""
    return f"${usd:,.2f}" if usd >= 1 else f"${usd:.4f}"
