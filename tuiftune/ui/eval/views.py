"""What the eval screen shows, built from results: marks, cells, the verdict, tables, diffs.

Every piece of model or user text goes into ``rich.text.Text`` (escaped by ``printable``) so it
is never read as markup and never reaches the terminal as an escape sequence.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from tuiftune.dataset.preview import printable
from tuiftune.evaluation import EvalResult, EvalSummary
from tuiftune.evaluation.answer_errors import AnswerErrors
from tuiftune.evaluation.reports import fmt_p, fmt_score
from tuiftune.evaluation.tables import comparison_table, scores_table
from tuiftune.evaluation.verdicts import Row, result_passed


def mark(result: EvalResult | None) -> Text:
    """✓, ✗ or · (no result yet)."""
    ok = result_passed(result)
    if ok is None:
        return Text("·", "dim")
    return Text("✓", "green") if ok else Text("✗", "red")


def cell(text: str, width: int) -> Text:
    """Model text on one line, shortened to ``width``."""
    flat = printable(" ".join(text.split()))
    return Text(flat if len(flat) <= width else flat[: width - 1] + "…")


def verdict(summary: EvalSummary) -> Text:
    """One line: B against A on the decisive metric with its p-value, or A's main scores."""
    c = summary.comparison
    if c is not None:
        m = c.metric(c.decisive or "") or (c.metrics[0] if c.metrics else None)
        if m is None:
            return Text("no examples with results from both models yet")
        better = "B better" if m.difference > 0 else "A better" if m.difference < 0 else "tie"
        significant = m.p_value < 0.05
        line = Text.assemble(
            (f"{better}{'' if significant else ' (not significant)'}: ", "bold"),
            f"{m.metric} B {fmt_score(m.metric, m.mean_b)} vs A {fmt_score(m.metric, m.mean_a)}"
            f" ({m.difference:+.3f}), W/L/T {m.wins}/{m.losses}/{m.ties}, ",
            (f"p={fmt_p(m.p_value)}", "bold green" if significant else "yellow"),
            f" ({m.test}); fixed {len(c.fixed)}, broke {len(c.broke)}",
        )
        return line
    if not summary.models:
        return Text("")
    s = summary.models[0]
    parts = [f"{k} {fmt_score(k, v)}" for k, v in list(s.means.items())[:3]]
    if s.classification is not None:
        parts.append(f"accuracy {s.classification.accuracy:.3f}")
    return Text(f"{printable(s.model)}: " + ", ".join(parts))


def errors_line(errors: AnswerErrors) -> Text:
    """The answers that are errors and the first of them: red when every one is (the run
    failed: its scores would all be zeros), yellow when some are."""
    style = "bold red" if errors.every else "yellow"
    return Text(printable(f"{errors.head}; the first: {errors.first}"), style)


def class_tables(summary: EvalSummary) -> list[Table]:
    """Per-class precision/recall/F1 and the confusion matrix of each model."""
    tables: list[Table] = []
    for s in summary.models:
        report = s.classification
        if report is None:
            continue
        table = Table(title=Text(f"{printable(s.model)}: per class"))
        for name in ("label", "P", "R", "F1", "n"):
            table.add_column(name, justify="left" if name == "label" else "right")
        for c in report.per_class:
            table.add_row(
                Text(printable(c.label)),
                Text(f"{c.precision:.2f}"),
                Text(f"{c.recall:.2f}"),
                Text(f"{c.f1:.2f}"),
                Text(str(c.support)),
            )
        tables.append(table)
        matrix = Table(title=Text(f"{printable(s.model)}: confusion (rows: reference)"))
        matrix.add_column("")
        for label in report.matrix_labels:
            matrix.add_column(Text(printable(label)[:8]), justify="right")
        for label, counts in zip(report.matrix_labels, report.confusion, strict=True):
            matrix.add_row(Text(printable(label)), *(Text(str(n)) for n in counts))
        tables.append(matrix)
    return tables


def summary_view(summary: EvalSummary) -> RenderableType:
    """Scores, the comparison and the classification tables, one under the other."""
    parts: list[RenderableType] = [scores_table(summary)]
    comparison = comparison_table(summary)
    if comparison is not None:
        parts.append(comparison)
    parts += class_tables(summary)
    return Group(*parts)


def word_diff(reference: str, output: str) -> Text:
    """A word-level diff (difflib): missing reference words struck in red, extra ones green."""
    a, b = printable(reference).split(), printable(output).split()
    out = Text()
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op in ("delete", "replace"):
            out.append("[-" + " ".join(a[i1:i2]) + "-] ", "red strike")
        if op in ("insert", "replace"):
            out.append("{+" + " ".join(b[j1:j2]) + "+} ", "green")
        if op == "equal":
            out.append(" ".join(a[i1:i2]) + " ")
    return out


def example_view(row: Row, models: Sequence[str]) -> Text:
    """Prompt, reference, and each model's output with its scores and a diff."""
    out = Text()
    out.append(f"Line {row.example.line}\n\n", "bold")
    out.append("Prompt\n", "bold underline")
    out.append(printable(row.example.prompt_text()) + "\n\n")
    out.append("Reference\n", "bold underline")
    out.append(printable(row.example.reference) + "\n")
    for letter, model, result in zip("AB", models, row.results, strict=False):
        out.append(f"\n{letter}: ", "bold underline")
        out.append(printable(model) + " ", "bold underline")
        out.append_text(mark(result))
        out.append("\n")
        if result is None:
            out.append("no result yet\n", "dim")
            continue
        if result.error:
            out.append(f"error: {printable(result.error)}\n", "red")
        out.append(printable(result.output) + "\n")
        scores = ", ".join(
            f"{k} {fmt_score(k, v)}" for k, v in result.scores.items() if v is not None
        )
        out.append(scores + "\n", "dim")
        out.append("diff against the reference\n", "italic")
        out.append_text(word_diff(result.reference, result.output))
        out.append("\n")
    return out
