"""Exports: per-example CSV, a JSON document, and a Markdown report."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from typing import Any

from tuiftune.dataset.preview import printable
from tuiftune.evaluation.results import EvalResult, safe_json
from tuiftune.evaluation.summary import EvalSummary

LIST_LIMIT = 20
CELL_LIMIT = 80
# Enough to keep text literal inside a table cell: emphasis, code, links, HTML and pipes.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(text: str) -> str:
    """Model or user text made safe for a CSV cell: controls escaped, formulas defused."""
    safe = printable(text)
    return "'" + safe if safe.startswith(_FORMULA_START) else safe


def to_csv(results: Sequence[EvalResult], keys: Sequence[str]) -> str:
    """One row per (example, model) with the output, the reference and every score."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["index", "line", "model", "reference", "output", "label", "error", *keys])
    for r in sorted(results, key=lambda r: (r.index, r.model)):
        scores = [_csv_number(r.scores.get(k)) for k in keys]
        writer.writerow(
            [
                r.index,
                r.index + 1,
                csv_cell(r.model),
                csv_cell(r.reference),
                csv_cell(r.output),
                csv_cell(r.label or ""),
                csv_cell(r.error or ""),
                *scores,
            ]
        )
    return buffer.getvalue()


def _csv_number(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def to_json(summary: EvalSummary, results: Sequence[EvalResult] | None = None) -> str:
    """The summary (and optionally every result) as a JSON document."""
    doc: dict[str, Any] = {"summary": summary.to_dict()}
    if results is not None:
        doc["results"] = [
            json.loads(r.to_json()) for r in sorted(results, key=lambda r: (r.index, r.model))
        ]
    return json_text(doc) + "\n"


def json_text(doc: Any, indent: int | None = 2) -> str:
    """JSON that is safe to print or open: controls, bidi and lone surrogates as ``\\uXXXX``."""
    return safe_json(doc, indent)


def md_cell(text: str, limit: int = CELL_LIMIT) -> str:
    """Model or user text made safe for a Markdown table cell: one line, escaped, shortened."""
    flat = printable(" ".join(text.split()))
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    return _MD_SPECIAL.sub(r"\\\1", flat)


def fmt_score(key: str, value: float | None) -> str:
    """A score as shown in reports: BLEU on its 0-100 scale, others as 0-1 with 3 decimals."""
    if value is None:
        return "-"
    return f"{value:.2f}" if key == "bleu" else f"{value:.3f}"


def fmt_p(p: float) -> str:
    """A p-value, with small ones in scientific notation."""
    return f"{p:.1e}" if p < 0.001 else f"{p:.4f}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return out


def to_markdown(summary: EvalSummary, results: Sequence[EvalResult] = ()) -> str:
    """A human-readable report of the run."""
    lines = [f"# Evaluation: {md_cell(summary.test_set, 200)}", ""]
    status = "complete" if summary.complete else "incomplete"
    lines += [f"{summary.total_examples} examples, {len(summary.models)} model(s), {status}.", ""]
    keys = list(summary.metrics)
    header = ["model", "n", "errors", *keys]
    if any(m.corpus_bleu is not None for m in summary.models):
        header.append("corpus BLEU")
    rows = []
    for m in summary.models:
        row = [md_cell(m.model), str(m.n), str(m.errors)]
        row += [fmt_score(k, m.means.get(k)) for k in keys]
        if "corpus BLEU" in header:
            row.append(fmt_score("bleu", m.corpus_bleu))
        rows.append(row)
    lines += ["## Scores", "", *_table(header, rows), ""]
    for m in summary.models:
        report = m.classification
        if report is None:
            continue
        lines += [f"## Classification: {md_cell(m.model)}", ""]
        lines += [f"Accuracy {report.accuracy:.3f}, macro F1 {report.macro_f1:.3f}.", ""]
        per_class = [
            [md_cell(c.label), *(f"{v:.3f}" for v in (c.precision, c.recall, c.f1)), str(c.support)]
            for c in report.per_class
        ]
        lines += [*_table(["class", "precision", "recall", "F1", "support"], per_class), ""]
        cm_header = ["reference \\ predicted", *(md_cell(x) for x in report.matrix_labels)]
        cm_rows = [
            [md_cell(label), *(str(v) for v in row)]
            for label, row in zip(report.matrix_labels, report.confusion, strict=True)
        ]
        lines += [*_table(cm_header, cm_rows), ""]
    lines += _comparison(summary, results)
    return "\n".join(lines).rstrip() + "\n"


def _comparison(summary: EvalSummary, results: Sequence[EvalResult]) -> list[str]:
    c = summary.comparison
    if c is None:
        return []
    lines = [f"## {md_cell(c.model_b)} vs {md_cell(c.model_a)}", ""]
    rows = [
        [
            m.metric,
            fmt_score(m.metric, m.mean_a),
            fmt_score(m.metric, m.mean_b),
            f"{m.difference:+.3f}",
            f"{m.wins}/{m.losses}/{m.ties}",
            m.test,
            fmt_p(m.p_value),
        ]
        for m in c.metrics
    ]
    header = ["metric", "A", "B", "B - A", "wins/losses/ties (B)", "test", "p-value"]
    lines += [*_table(header, rows), ""]
    if c.decisive is None:
        return lines
    by_key = {(r.index, r.model): r for r in results}
    for title, indices in (("Fixed by B", c.fixed), ("Broken by B", c.broke)):
        lines += [f"### {title} ({len(indices)}, on {c.decisive})", ""]
        if not indices:
            lines += ["None.", ""]
            continue
        shown = []
        for i in indices[:LIST_LIMIT]:
            a, b = by_key.get((i, c.model_a)), by_key.get((i, c.model_b))
            shown.append(
                [
                    str(i + 1),
                    md_cell(a.reference if a else "", 40),
                    md_cell(a.output if a else "", 40),
                    md_cell(b.output if b else "", 40),
                ]
            )
        lines += _table(["line", "reference", "A said", "B said"], shown)
        if len(indices) > LIST_LIMIT:
            lines.append(f"\n… and {len(indices) - LIST_LIMIT} more.")
        lines.append("")
    return lines
