"""``tuiftune split``, ``convert`` and ``import-csv`` as a user runs them."""

from __future__ import annotations

import argparse
import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from tuiftune.commands import dataset_tools

FLAWED = SAMPLES / "ticket-triage-legacy-flawed.jsonl"
LEGACY = SAMPLES / "ticket-triage-legacy.jsonl"


def run(*argv: str) -> int:
    # cli.py wires add_parser in; here the commands get a parser of their own.
    parser = argparse.ArgumentParser(prog="tuiftune")
    dataset_tools.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    code: int = args.func(args)
    return code


@pytest.fixture
def flawed(tmp_path: Path) -> Path:
    return Path(shutil.copy(FLAWED, tmp_path / "triage.jsonl"))


def test_split_prints_sides_classes_and_skipped_lines(
    flawed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("split", str(flawed), "--validation", "0.2", "--seed", "4") == 0
    out = capsys.readouterr().out
    train, val = flawed.with_name("triage.train.jsonl"), flawed.with_name("triage.validation.jsonl")
    assert f"wrote 46 records to {train}" in out
    assert f"wrote 12 records to {val}" in out
    assert "line 13: skipped: invalid JSON at column 161" in out
    assert "line 17: skipped: blank line" in out
    assert "stratified by label (6 classes, train / validation):" in out
    assert "'technical\\nPriority: high'" in out
    assert len(train.read_bytes().splitlines()) == 46
    assert flawed.read_bytes() == FLAWED.read_bytes()
    # Same seed, same files; existing outputs need --force.
    before = val.read_bytes()
    assert run("split", str(flawed), "--validation", "0.2", "--seed", "4") == 2
    assert "already exists" in capsys.readouterr().err
    assert run("split", str(flawed), "--validation", "0.2", "--seed", "4", "--force") == 0
    assert val.read_bytes() == before


def test_split_with_a_count_and_named_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    train, val = tmp_path / "t.jsonl", tmp_path / "v.jsonl"
    code = run(
        "split",
        str(SAMPLES / "support-chat.jsonl"),
        "--validation-count",
        "5",
        "-o",
        str(train),
        "--validation-out",
        str(val),
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "stratified" not in out
    assert (len(train.read_bytes().splitlines()), len(val.read_bytes().splitlines())) == (35, 5)


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--validation", "1.5"], 2, "between 0 and 1"),
        (["--validation-count", "0"], 2, "at least 1"),
        (["--validation-count", "80"], 1, "nothing written"),
    ],
)
def test_split_refusals(
    flawed: Path, capsys: pytest.CaptureFixture[str], argv: list[str], code: int, message: str
) -> None:
    assert run("split", str(flawed), *argv) == code
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in flawed.parent.iterdir()) == ["triage.jsonl"]


def test_split_unreadable_file_and_exclusive_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("split", str(tmp_path / "missing.jsonl")) == 2
    assert "missing.jsonl" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        run("split", "x.jsonl", "--validation", "0.1", "--validation-count", "3")
    assert exc.value.code == 2


def test_convert_to_chat(flawed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_path = flawed.with_name("chat.jsonl")
    assert (
        run("convert", str(flawed), "--to", "chat", "--system", "Classify.", "-o", str(out_path))
        == 0
    )
    out = capsys.readouterr().out
    assert f"wrote 56 chat records to {out_path}" in out
    assert "separator stripped from prompts: '\\n\\n###\\n\\n'" in out
    for line in (13, 15, 17, 19):
        assert f"line {line}: skipped:" in out
    first = json.loads(out_path.read_bytes().splitlines()[0])
    assert first["messages"][0] == {"role": "system", "content": "Classify."}


def test_convert_keeps_unconverted_lines_when_asked(
    flawed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_path = flawed.with_name("chat.jsonl")
    argv = ["convert", str(flawed), "--to", "chat", "-o", str(out_path), "--keep-unconverted"]
    assert run(*argv) == 0
    out = capsys.readouterr().out
    assert "(3 copied unconverted)" in out and "line 13: note: kept unconverted" in out


def test_convert_nothing_to_convert_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_path = tmp_path / "out.jsonl"
    chat = str(SAMPLES / "ticket-triage-chat.jsonl")
    assert run("convert", chat, "--to", "chat", "-o", str(out_path)) == 1
    captured = capsys.readouterr()
    assert "line 1: skipped: not a prompt/completion record" in captured.out
    assert "nothing written" in captured.err and not out_path.exists()
    assert run("convert", str(tmp_path / "nope.jsonl"), "--to", "chat", "-o", str(out_path)) == 2


def test_convert_with_a_forced_stop_sequence(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "l.jsonl"
    source.write_text(
        "".join(
            json.dumps({"prompt": f"q{i} ->", "completion": f" a{i} END"}) + "\n" for i in range(12)
        )
    )
    out_path = tmp_path / "c.jsonl"
    argv = ["convert", str(source), "--to", "chat", "-o", str(out_path), "--stop", "\\n"]
    assert run(*argv) == 0
    assert "stop sequence stripped from completions: '\\n'" in capsys.readouterr().out
    assert json.loads(out_path.read_text().splitlines()[0])["messages"][1]["content"] == "a0 END"


def test_import_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "data.csv"
    source.write_bytes(
        '\ufeffticket\tlabel\r\n"Refund, please"\tbilling\r\n\tshipping\r\n'
        '"App crashes\r\non start"\ttechnical\r\n'.encode()
    )
    out_path = tmp_path / "out.jsonl"
    argv = ["import-csv", str(source), "--prompt-col", "ticket", "--system", "Classify."]
    assert run(*argv, "-o", str(out_path)) == 0
    out = capsys.readouterr().out
    assert "columns: prompt='ticket', completion='label'; delimiter: '\\t'" in out
    assert "row 3: skipped: empty 'ticket' cell" in out
    assert f"wrote 2 chat records to {out_path}" in out
    records = [json.loads(line) for line in out_path.read_bytes().splitlines()]
    assert records[1]["messages"][1]["content"] == "App crashes\non start"
    legacy = tmp_path / "legacy.jsonl"
    argv = ["import-csv", str(source), "--prompt-col", "1", "--format", "legacy", "-o", str(legacy)]
    assert run(*argv) == 0
    assert json.loads(legacy.read_bytes().splitlines()[0]) == {
        "prompt": "Refund, please\n\n###\n\n",
        "completion": " billing\n",
    }


def test_import_csv_failures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "data.csv"
    source.write_text("prompt,completion\n,x\n")
    out_path = tmp_path / "out.jsonl"
    assert run("import-csv", str(source), "-o", str(out_path)) == 1
    assert "row 2: skipped: empty 'prompt' cell" in capsys.readouterr().out
    assert run("import-csv", str(source), "--completion-col", "z", "-o", str(out_path)) == 2
    assert "no column 'z'" in capsys.readouterr().err
    assert run("import-csv", str(tmp_path / "none.csv"), "-o", str(out_path)) == 2
    assert run("import-csv", str(source), "--encoding", "klingon", "-o", str(out_path)) == 2
    assert "unknown encoding" in capsys.readouterr().err
    assert not out_path.exists()


def test_existing_outputs_need_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_path = tmp_path / "out.jsonl"
    out_path.write_bytes(b"mine\n")
    assert run("convert", str(LEGACY), "--to", "chat", "-o", str(out_path)) == 2
    assert f"{out_path} already exists (overwrite it with --force)" in capsys.readouterr().err
    assert out_path.read_bytes() == b"mine\n"
    assert run("convert", str(LEGACY), "--to", "chat", "-o", str(out_path), "--force") == 0
    assert len(out_path.read_bytes().splitlines()) == 60
    umask = os.umask(0)
    os.umask(umask)
    assert out_path.stat().st_mode & 0o777 == 0o666 & ~umask  # a new file's usual mode
