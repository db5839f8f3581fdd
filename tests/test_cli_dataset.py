"""``tuiftune lint`` and ``tuiftune fix`` as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from tests.dataset.helpers import hostile_lines
from tuiftune.cli import main

FLAWED = SAMPLES / "ticket-triage-legacy-flawed.jsonl"
CLEAN = SAMPLES / "ticket-triage-chat.jsonl"


def test_lint_clean_file_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(CLEAN)]) == 0
    out = capsys.readouterr().out
    assert "0 errors" in out
    assert "80 examples" in out


def test_lint_flawed_file_exits_1_and_lists_each_flaw(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(FLAWED)]) == 1
    out = capsys.readouterr().out
    for needle in (
        "line 13",
        "json.invalid",
        "legacy.separator.missing",
        "line 3",
        "dataset.duplicate",
        "exact duplicate of line 2",
        "3 errors",
    ):
        assert needle in out


def test_lint_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--format", "json", str(FLAWED), str(CLEAN)]) == 1
    data = json.loads(capsys.readouterr().out)
    first, second = data["files"]
    assert first["path"] == str(FLAWED)
    assert first["format"] == "legacy"
    assert first["records"] == 59
    finding = next(f for f in first["findings"] if f["rule"] == "legacy.stop.missing")
    assert finding == {
        "line": 5,
        "rule": "legacy.stop.missing",
        "severity": "warning",
        "message": finding["message"],
        "field": "completion",
        "fixable": True,
    }
    assert {"tokens", "epochs", "estimated_cost_usd"} <= set(first["stats"])
    assert second["findings"] == []


def test_strict_fails_on_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    small = SAMPLES / "weather-tools-chat.jsonl"  # 16 examples: a "small dataset" warning
    assert main(["lint", str(small)]) == 0
    assert main(["lint", "--strict", str(small)]) == 1


def test_unreadable_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", str(tmp_path / "nope.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_separator_and_stop_options_unescape(capsys: pytest.CaptureFixture[str]) -> None:
    legacy = SAMPLES / "ticket-triage-legacy.jsonl"
    assert (
        main(
            [
                "lint",
                "--format",
                "json",
                "--stop",
                "\\n",
                "--separator",
                "\\n\\n###\\n\\n",
                str(legacy),
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["files"][0]["findings"] == []


def test_fix_in_place_keeps_backup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "flawed.jsonl"
    original = FLAWED.read_bytes()
    target.write_bytes(original)
    assert main(["fix", str(target)]) == 0
    out = capsys.readouterr().out
    assert "line 3: legacy.separator.missing" in out
    assert (tmp_path / "flawed.jsonl.bak").read_bytes() == original
    fixed = target.read_bytes().splitlines()
    assert fixed[12] == original.splitlines()[12]  # the broken JSON line is kept byte-for-byte
    assert main(["lint", "--format", "json", str(target)]) == 1
    rules = {f["rule"] for f in json.loads(capsys.readouterr().out)["files"][0]["findings"]}
    assert not rules & {
        "legacy.separator.missing",
        "legacy.stop.missing",
        "json.blank_line",
        "legacy.completion.leading_space",
    }
    assert "json.invalid" in rules


def test_fix_to_output_with_rule_and_dry_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.jsonl"
    assert (
        main(["fix", str(FLAWED), "--rule", "dataset.duplicate", "--dry-run", "-o", str(out)]) == 0
    )
    assert not out.exists()
    assert main(["fix", str(FLAWED), "--rule", "dataset.duplicate", "-o", str(out)]) == 0
    assert "line 9: dataset.duplicate" in capsys.readouterr().out
    assert len(out.read_bytes().splitlines()) == 59
    assert FLAWED.read_bytes().count(b"\n") == 60  # the source is untouched


def test_fix_keeps_an_existing_output_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As split, convert and import-csv do: -o over someone's file is a mistake until --force."""
    out = tmp_path / "notes.jsonl"
    out.write_bytes(b"mine\n")
    assert main(["fix", str(FLAWED), "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"tuiftune fix: {out} already exists (--force overwrites it); nothing changed"]
    assert out.read_bytes() == b"mine\n"
    assert main(["fix", str(FLAWED), "-o", str(out), "--force"]) == 0
    assert out.read_bytes() != b"mine\n"


def test_python_dash_m_entry_point() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tuiftune", "lint", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "--strict" in result.stdout


def test_hostile_data_is_shown_literally(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evil_role = "\x1b[31m[bold]evil[/bold][@click=quit]"
    evil = {
        "messages": [
            {"role": evil_role, "content": "[b]hi[/b]"},
            {"role": "assistant", "content": "ok"},
        ]
    }
    lines = [json.dumps(evil).encode(), *hostile_lines()]
    path = tmp_path / "hostile.jsonl"
    data = b"\n".join(lines) + b"\n"
    path.write_bytes(data)
    assert main(["lint", "--all", str(path)]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out  # the escape is shown as \x1b, never sent to the terminal
    assert "\\x1b[31m[bold]evil[/bold][@click=quit]" in out
    assert "invalid UTF-8 at byte 12" in out  # {"prompt": "\xff...
    assert main(["fix", str(path)]) == 0  # nothing safe to fix: the file stays as it was
    assert path.read_bytes() == data


def test_price_overrides_come_from_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[prices]\n"gpt-4o-mini-2024-07-18" = 1.5\n', encoding="utf-8")
    monkeypatch.setenv("TUIFTUNE_CONFIG", str(config))
    assert main(["lint", "--format", "json", str(CLEAN)]) == 0
    stats = json.loads(capsys.readouterr().out)["files"][0]["stats"]
    assert stats["price_per_million"] == 1.5
    assert stats["estimated_cost_usd"] == round(stats["billing_tokens"] * 1.5 / 1e6, 4)


def test_lint_lists_each_hidden_line_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    messages = [
        {"role": "user", "content": "q", "zz": 1},
        {"role": "assistant", "content": "a", "zz": 1},
    ]
    path = tmp_path / "repeat.jsonl"
    record = json.dumps({"messages": messages * 5})
    path.write_text(f"{record}\n{record}\n", encoding="utf-8")
    main(["lint", str(path)])
    out = capsys.readouterr().out
    assert "... 15 more on lines 1, 2 (--all lists them)" in out
