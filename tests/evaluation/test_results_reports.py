"""Results lines, torn files, exports, the judge's parsing and the summary tables."""

from __future__ import annotations

import csv
import io
import json

from rich.console import Console

from tuiftune.evaluation import (
    EvalResult,
    Rubric,
    parse_judge_score,
    parse_results,
    summarize,
    to_csv,
    to_json,
    to_markdown,
)
from tuiftune.evaluation.examples import example_from_parts
from tuiftune.evaluation.judge import judge_messages, judge_record
from tuiftune.evaluation.reports import md_cell
from tuiftune.evaluation.tables import comparison_table, scores_table


def result(index: int, model: str, output: str, reference: str = "billing") -> EvalResult:
    em = float(output == reference)
    return EvalResult(index, model, output, reference, {"em": em, "em_norm": em, "f1": em})


def test_parse_results_tolerates_a_torn_last_line() -> None:
    lines = [result(0, "a", "x").to_json(), result(1, "a", "y").to_json()]
    whole = ("\n".join(lines) + "\n").encode()
    parsed = parse_results(whole + b'{"index": 2, "mod')
    assert [r.index for r in parsed.results] == [0, 1]
    assert parsed.intact_bytes == len(whole) and not parsed.bad_lines
    # A whole last line without its newline is kept.
    parsed = parse_results(whole.rstrip(b"\n"))
    assert len(parsed.results) == 2 and parsed.intact_bytes == len(whole) - 1


def test_parse_results_dedupes_and_reports_damage() -> None:
    data = "\n".join(
        [
            result(0, "a", "x").to_json(),
            "not json",
            json.dumps({"index": "zero", "model": "a"}),
            result(0, "a", "other").to_json(),
            result(0, "b", "x").to_json(),
            "",
        ]
    ).encode()
    parsed = parse_results(data)
    assert parsed.done() == {(0, "a"), (0, "b")}
    assert parsed.results[0].output == "x" and parsed.duplicates == 1
    assert [line for line, _ in parsed.bad_lines] == [2, 3]


def test_result_round_trip() -> None:
    r = EvalResult(
        3,
        "m",
        "out",
        "ref",
        {"em": 0.0, "judge": None},
        key="k",
        label="(other)",
        prompt_tokens=5,
        latency_ms=12,
        judge={"score": None},
    )
    again = parse_results((r.to_json() + "\n").encode()).results[0]
    assert again == r
    assert json.loads(r.to_json())["line"] == 4


def test_exports_keep_user_text_literal() -> None:
    nasty = "[bold]x[/bold] | `code` <b>*y*</b>\nnext"
    results = [
        result(0, "A", "billing"),
        result(0, "B", nasty),
        result(1, "A", "no"),
        result(1, "B", "billing"),
    ]
    summary = summarize(results, ["A", "B"], ("em", "f1"), test_set="t|est.jsonl")
    rows = list(csv.reader(io.StringIO(to_csv(results, summary.metrics))))
    assert rows[0][:7] == ["index", "line", "model", "reference", "output", "label", "error"]
    assert rows[2][4] == nasty  # CSV keeps the exact text, newline included
    doc = json.loads(to_json(summary, results))
    assert doc["summary"]["comparison"]["fixed"] == [1] and len(doc["results"]) == 4
    md = to_markdown(summary, results)
    assert "\\[bold\\]x\\[/bold\\] \\| \\`code\\` \\<b\\>\\*y\\*\\</b\\> next" in md
    assert "### Fixed by B (1, on em_norm)" in md and "### Broken by B (1, on em_norm)" in md
    assert md_cell("a" * 100, 10) == "a" * 9 + "…"


def test_rich_tables_show_markup_literally() -> None:
    results = [result(0, "[red]A", "billing"), result(0, "B", "x")]
    summary = summarize(results, ["[red]A", "B"], ("em",))
    console = Console(width=120, record=True, color_system=None)
    console.print(scores_table(summary))
    table = comparison_table(summary)
    assert table is not None
    console.print(table)
    text = console.export_text()
    assert "[red]A" in text and "mcnemar-exact" in text


def test_judge_parsing_and_prompt() -> None:
    rubric = Rubric("Is it right?", 1, 10)
    assert parse_judge_score("Score: 7\nGood.", rubric) == 7
    assert parse_judge_score("**Score:** 9/10", rubric) == 9
    assert parse_judge_score("I'd give it 8 out of 10.", rubric) == 8
    assert parse_judge_score("6", rubric) == 6
    assert parse_judge_score("Score: 11", rubric) is None
    assert parse_judge_score("between 1 and 10, maybe 4", rubric) is None
    assert parse_judge_score("no idea", rubric) is None
    score, record = judge_record(rubric, "judge", "Score: 10")
    assert score == 1.0 and record["score"] == 10
    ex = example_from_parts(0, "ref", messages=[{"role": "user", "content": "q?"}])
    messages = judge_messages(rubric, ex, "ans")
    assert (
        "Is it right?" in messages[1]["content"]
        and "<answer>\nans\n</answer>" in messages[1]["content"]
    )
