"""The create form's lint line: counts, the first findings, and the tokens and cost for the
epochs the user typed, saying which tokenizer counted them."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text

from tuiftune.dataset import LintReport
from tuiftune.dataset.hf_tokens import PREFIX
from tuiftune.dataset.models import model_info


def tokens_line(report: LintReport, epochs: int | None = None, model: str = "") -> str:
    """``N billed tokens (2 epochs) · ≈ $x`` for an OpenAI model; an open model's count names
    its own tokenizer, and a model with neither says the count is a tiktoken estimate
    (``model``: the name the user chose, when the lint ran on its tokenizer's folder)."""
    stats = report.stats
    name = model or stats.model
    cost = stats.cost if epochs is None else replace(stats.cost, epochs=epochs)
    how = f"{cost.epochs} epochs" + ("" if epochs is not None else ", auto")
    price = "unknown price" if cost.cost is None else f"≈ ${cost.cost:,.2f}"
    if stats.encoding.startswith(PREFIX):
        return f"{cost.billing_tokens:,} tokens by {name}'s own tokenizer ({how}) · {price}"
    if model_info(stats.model).known:
        return f"{cost.billing_tokens:,} billed tokens ({how}) · {price}"
    return (
        f"≈ {cost.billing_tokens:,} tokens (tiktoken estimate: {name}'s tokenizer is not "
        f"on this machine) ({how}) · {price}"
    )


def lint_summary(report: LintReport, epochs: int | None = None, model: str = "") -> Text:
    """Counts, the first findings and the cost estimate (for ``epochs``, else ``auto``'s)."""
    out = Text()
    style = "bold red" if report.errors else "yellow" if report.warnings else "green"
    out.append(
        f"{report.records} examples · {report.errors} errors · {report.warnings} warnings", style
    )
    out.append("\n" + tokens_line(report, epochs, model))
    for f in report.findings[:4]:
        where = f"line {f.line}" if f.line else "file"
        out.append(f"\n{where} [{f.rule}] ", style="dim")
        out.append(f.message)
    return out
