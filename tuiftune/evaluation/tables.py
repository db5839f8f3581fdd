"""Rich tables of a summary, for the terminal (the CLI now, the eval screen later).

Model names, labels and paths are user data: every cell is a ``rich.text.Text``, so markup such
as ``[bold]`` shows literally.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from tuiftune.dataset.preview import printable
from tuiftune.evaluation.reports import fmt_p, fmt_score
from tuiftune.evaluation.summary import EvalSummary


def scores_table(summary: EvalSummary) -> Table:
    """One column per model, one row per metric (so long model names still fit 80 columns)."""
    table = Table(title=Text(f"{printable(summary.test_set)}: {summary.total_examples} examples"))
    table.add_column("metric")
    for m in summary.models:
        table.add_column(Text(printable(m.model)), justify="right", overflow="fold")
    rows: list[tuple[str, list[str]]] = [
        ("examples", [str(m.n) for m in summary.models]),
    ]
    if any(m.errors for m in summary.models):
        rows.append(("errors", [str(m.errors) for m in summary.models]))
    for key in summary.metrics:
        rows.append((key, [fmt_score(key, m.means.get(key)) for m in summary.models]))
    if any(m.corpus_bleu is not None for m in summary.models):
        rows.append(("corpus BLEU", [fmt_score("bleu", m.corpus_bleu) for m in summary.models]))
    if summary.labels:
        reports = [m.classification for m in summary.models]
        rows.append(("accuracy", [fmt_score("acc", r.accuracy if r else None) for r in reports]))
        rows.append(("macro F1", [fmt_score("f1", r.macro_f1 if r else None) for r in reports]))
    for name, values in rows:
        table.add_row(Text(name), *(Text(v) for v in values))
    return table


def comparison_table(summary: EvalSummary) -> Table | None:
    """B against A per metric: means, difference, wins/losses/ties, the test and its p-value."""
    c = summary.comparison
    if c is None:
        return None
    title = Text.assemble("B = ", printable(c.model_b), "  vs  A = ", printable(c.model_a))
    caption = None
    if c.decisive:
        caption = Text(f"fixed by B: {len(c.fixed)}, broken by B: {len(c.broke)} ({c.decisive})")
    table = Table(title=title, caption=caption)
    for name in ("metric", "A", "B", "B - A", "W/L/T", "test", "p-value"):
        table.add_column(name, justify="left" if name in ("metric", "test") else "right")
    for m in c.metrics:
        table.add_row(
            Text(m.metric),
            Text(fmt_score(m.metric, m.mean_a)),
            Text(fmt_score(m.metric, m.mean_b)),
            Text(f"{m.difference:+.3f}"),
            Text(f"{m.wins}/{m.losses}/{m.ties}"),
            Text(m.test),
            Text(fmt_p(m.p_value)),
        )
    return table
