"""CSV import: delimiters, quoting, BOMs, embedded newlines, empty cells, big files."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from tests.dataset.helpers import lint_bytes
from tuiftune.dataset.convert import CsvOptions, import_csv, sniff_delimiter


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ",", bom: bool = False) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def records(path: Path) -> list[Any]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def turn(user: str, answer: str, system: str | None = None) -> dict[str, Any]:
    messages = [{"role": "system", "content": system}] if system else []
    messages += [{"role": "user", "content": user}, {"role": "assistant", "content": answer}]
    return {"messages": messages}


ROWS = [
    ["question", "answer"],
    ["What is 2+2?", "4"],
    ['He said "hi", then left', "ok, noted"],
    ["Line one\nline two", "multi\r\nline"],
]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
async def test_delimiter_is_sniffed_and_quoting_handled(tmp_path: Path, delimiter: str) -> None:
    source = write_csv(tmp_path / "data.csv", ROWS, delimiter, bom=True)
    out = tmp_path / "out.jsonl"
    result = await import_csv(source, out)
    assert result.delimiter == delimiter
    assert result.columns == {"prompt": "question", "completion": "answer"}
    assert records(out) == [
        turn("What is 2+2?", "4"),
        turn('He said "hi", then left', "ok, noted"),
        turn("Line one\nline two", "multi\nline"),
    ]
    assert out.read_bytes().count(b"\n") == 3  # one record a line: newlines are escaped


async def test_empty_cells_are_reported_with_their_row(tmp_path: Path) -> None:
    rows = [
        ["Prompt", "Completion", "System"],
        ["a", "b", "Be kind."],
        ["", "orphan answer", "x"],
        ["c", "  ", "x"],
        ["", "", ""],
        ["multi\nline", "d", ""],
        ["short row"],
        ["e", "f", "Be brief."],
    ]
    source = write_csv(tmp_path / "data.csv", rows)
    out = tmp_path / "out.jsonl"
    result = await import_csv(source, out, CsvOptions(system_col="system"))
    # Spreadsheet rows: the header is row 1, and a cell's line break does not add a row.
    assert [(s.line, s.reason) for s in result.skipped] == [
        (3, "empty 'Prompt' cell"),
        (4, "empty 'Completion' cell"),
        (5, "blank row"),
        (7, "empty 'Completion' cell"),
    ]
    assert [(n.line, n.reason) for n in result.notes] == [
        (6, "empty system cell: no system message written")
    ]
    assert records(out) == [
        turn("a", "b", "Be kind."),
        turn("multi\nline", "d"),
        turn("e", "f", "Be brief."),
    ]


async def test_columns_by_name_number_or_default(tmp_path: Path) -> None:
    rows = [["id", "Input", "Target", "notes"], ["1", "hello", "greeting", "-"]]
    source = write_csv(tmp_path / "data.csv", rows)
    out = tmp_path / "out.jsonl"
    result = await import_csv(source, out, CsvOptions(system="Label it."))
    assert result.columns == {"prompt": "Input", "completion": "Target"}
    assert records(out) == [turn("hello", "greeting", "Label it.")]
    result = await import_csv(
        source, out, CsvOptions(prompt_col="4", completion_col="ID", overwrite=True)
    )
    assert records(out) == [turn("-", "1")]
    source.write_text("first,second\r\nthird,fourth\r\n", encoding="utf-8")
    result = await import_csv(
        source, out, CsvOptions(prompt_col="2", completion_col="1", header=False, overwrite=True)
    )
    assert records(out) == [turn("second", "first"), turn("fourth", "third")]


async def test_legacy_output_has_separator_space_and_stop(tmp_path: Path) -> None:
    rows = [["prompt", "completion"]] + [
        [f"Ticket {i}", ["billing", "account"][i % 2]] for i in range(60)
    ]
    source = write_csv(tmp_path / "data.csv", rows)
    out = tmp_path / "out.jsonl"
    result = await import_csv(source, out, CsvOptions(fmt="legacy"))
    assert result.written == 60
    assert records(out)[0] == {"prompt": "Ticket 0\n\n###\n\n", "completion": " billing\n"}
    assert lint_bytes(out.read_bytes()).findings == []


async def test_chat_output_lints_clean(tmp_path: Path) -> None:
    rows = [["user", "assistant"]] + [[f"Question {i}?", f"Answer {i}."] for i in range(60)]
    out = tmp_path / "out.jsonl"
    await import_csv(write_csv(tmp_path / "d.csv", rows), out, CsvOptions(system="Be brief."))
    assert lint_bytes(out.read_bytes()).findings == []


@pytest.mark.parametrize(
    ("data", "options", "message"),
    [
        (b"a,b\n1,2\n", CsvOptions(prompt_col="nope"), "no column 'nope'"),
        (b"x,y\n1,2\n", CsvOptions(), "no prompt column"),
        (b"prompt,completion\n1,2\n", CsvOptions(prompt_col="1", completion_col="1"), "differ"),
        (b"prompt,answer\n1,2\n", CsvOptions(system="s", system_col="x"), "not both"),
        (b"prompt,answer\n1,2\n", CsvOptions(fmt="legacy", system="s"), "no system prompt"),
        (b"prompt,answer\n\xff\xfe,2\n", CsvOptions(), "not utf-8-sig text"),
        (b"", CsvOptions(), "is empty"),
        (b'prompt,answer\n"1,2\n' + b"x" * 10, CsvOptions(), "malformed CSV"),
    ],
)
async def test_bad_input_is_refused_and_nothing_written(
    tmp_path: Path, data: bytes, options: CsvOptions, message: str
) -> None:
    source = tmp_path / "data.csv"
    source.write_bytes(data)
    out = tmp_path / "out.jsonl"
    with pytest.raises(ValueError, match=message):
        await import_csv(source, out, options)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]


async def test_no_convertible_row_writes_nothing(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "data.csv", [["prompt", "completion"], ["", "x"], ["y", ""]])
    out = tmp_path / "out.jsonl"
    result = await import_csv(source, out)
    assert result.written == 0 and [s.line for s in result.skipped] == [2, 3]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]


async def test_existing_output_and_the_source_are_kept(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "data.csv", ROWS)
    with pytest.raises(ValueError, match="source"):
        await import_csv(source, source)
    (tmp_path / "out.jsonl").write_bytes(b"mine\n")
    with pytest.raises(FileExistsError):
        await import_csv(source, tmp_path / "out.jsonl")
    assert (tmp_path / "out.jsonl").read_bytes() == b"mine\n"


async def test_big_file_streams_with_long_cells(tmp_path: Path) -> None:
    long = "word " * 40_000  # over the csv module's default 128 KiB cell limit
    rows = [["prompt", "completion"]] + [[f"q{i}", f"a{i}"] for i in range(30_000)]
    rows.append([long, "end"])
    out = tmp_path / "out.jsonl"
    result = await import_csv(write_csv(tmp_path / "big.csv", rows), out)
    assert result.written == 30_001 and not result.skipped
    last = records(out)[-1]["messages"]
    assert last[0]["content"] == long.strip()


def test_sniffer_falls_back_to_comma() -> None:
    assert sniff_delimiter("just one column\nand another\n") == ","
    assert sniff_delimiter("a;b\nc;d\n") == ";"
