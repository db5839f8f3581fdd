"""Every dataset command over every hostile file: one clear line, a documented exit code.

No traceback, no escape or bidi control reaches the output, nothing blocks (FIFOs), and a
failed command leaves no output file and no hidden temp file behind.
"""

from __future__ import annotations

import contextlib
import io
import re
import threading
from pathlib import Path

import pytest

from tests.hostile_files import write_hostile
from tuiftune.cli import main

DEADLINE = 60.0  # seconds one command may take on the largest hostile file
UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f]")

# command -> (argv after the input path, the exit codes its help documents, outputs it writes)
COMMANDS: dict[str, tuple[list[str], set[int], list[str]]] = {
    "lint": (["lint", "{in}"], {0, 1, 2}, []),
    "lint-json": (["lint", "{in}", "--format", "json"], {0, 1, 2}, []),
    "fix": (["fix", "{in}", "-o", "{out}/fixed.jsonl"], {0, 2}, []),
    "fix-dry": (["fix", "{in}", "--dry-run"], {0, 2}, []),
    "split": (
        ["split", "{in}", "-o", "{out}/t.jsonl", "--validation-out", "{out}/v.jsonl"],
        {0, 1, 2},
        ["t.jsonl", "v.jsonl"],
    ),
    "convert": (["convert", "{in}", "--to", "chat", "-o", "{out}/c.jsonl"], {0, 1, 2}, ["c.jsonl"]),
    "import-csv": (["import-csv", "{in}", "-o", "{out}/i.jsonl"], {0, 1, 2}, ["i.jsonl"]),
}


def run_cli(argv: list[str]) -> tuple[int, str]:
    """Run the CLI in a daemon thread with a deadline; (exit code, stdout + stderr)."""
    out = io.StringIO()
    result: list[int | BaseException] = []

    def target() -> None:
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                result.append(main(argv))
        except BaseException as exc:  # reported by the test below
            result.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(DEADLINE)
    assert result, f"{argv} still running after {DEADLINE} s (blocked?)"
    if isinstance(result[0], BaseException):
        raise AssertionError(f"{argv} raised {result[0]!r}") from result[0]
    return result[0], out.getvalue()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_hostile(tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_survives_every_hostile_file(
    command: str, hostile: dict[str, Path], tmp_path: Path
) -> None:
    template, codes, outputs = COMMANDS[command]
    for name, path in hostile.items():
        out_dir = tmp_path / name
        out_dir.mkdir()
        argv = [a.replace("{in}", str(path)).replace("{out}", str(out_dir)) for a in template]
        code, text = run_cli(argv)
        assert code in codes, f"{command} {name}: exit {code}\n{text}"
        assert "Traceback" not in text, f"{command} {name}:\n{text}"
        assert not UNSAFE.search(text), f"{command} {name}: raw control characters in output"
        left = sorted(p.name for p in out_dir.iterdir())
        assert not [n for n in left if n.endswith(".tmp")], f"{command} {name}: {left}"
        if code not in (0, 1) or (command != "lint" and code == 1):
            assert not set(left) & set(outputs), f"{command} {name} failed but wrote {left}"
            if code == 2:
                # One clear line naming the command and the file.
                lines = [x for x in text.splitlines() if x.startswith("tuiftune ")]
                assert len(lines) == 1 and name in lines[0], f"{command} {name}: {text}"


def test_hostile_lines_are_named_in_lint_output(hostile: dict[str, Path]) -> None:
    expected = {
        "big_int.jsonl": "json.number_too_long",
        "lone_surrogate.jsonl": "encoding.lone_surrogate",
        "duplicate_keys.jsonl": "json.duplicate_key",
        "utf16le.jsonl": "encoding.utf16",
        "utf16be.jsonl": "encoding.utf16",
        "fifo.jsonl": "a FIFO",
        "a_folder.jsonl": "is a directory",
    }
    for name, needle in expected.items():
        code, text = run_cli(["lint", str(hostile[name])])
        assert needle in text, f"{name}: {text}"
        assert code in (1, 2)
    code, text = run_cli(["lint", str(hostile["lone_surrogate.jsonl"])])
    assert "line 1  messages[0].content" in text


def test_lint_escapes_a_key_holding_osc_sequences(hostile: dict[str, Path]) -> None:
    code, text = run_cli(["lint", str(hostile["escape_key.jsonl"])])
    assert code == 0  # an unknown key is a warning
    assert "\x1b" not in text and "\x07" not in text
    assert "\\x1b]52;c;" in text  # shown, escaped, in the field column too


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["lint", "{legacy}", "--separator", "\\x"], "--separator"),
        (["fix", "{legacy}", "--stop", "\\x"], "--separator/--stop"),
        (["convert", "{legacy}", "--to", "chat", "-o", "{out}/c.jsonl", "--stop", "\\x"], "--stop"),
        (["import-csv", "{csv}", "-o", "{out}/i.jsonl", "--delimiter", "ab"], "one character"),
        (["split", "{legacy}", "-o", "{out}/no/t.jsonl"], "no such folder"),
        (["split", "{legacy}", "-o", "{out}", "--force"], "is a directory"),
        (["convert", "{legacy}", "--to", "chat", "-o", "{out}/no/c.jsonl"], "no such folder"),
        (["convert", "{legacy}", "--to", "chat", "-o", "{out}", "--force"], "is a directory"),
    ],
)
def test_bad_options_and_unwritable_outputs_are_one_line(
    argv: list[str], needle: str, tmp_path: Path
) -> None:
    csv_file = tmp_path / "in.csv"
    csv_file.write_text("prompt,completion\nhi,there\n", encoding="utf-8")
    legacy = Path(__file__).parent.parent / "sample_data" / "ticket-triage-legacy.jsonl"
    out = tmp_path / "out"
    out.mkdir()
    args = [
        a.replace("{legacy}", str(legacy))
        .replace("{csv}", str(csv_file))
        .replace("{out}", str(out))
        for a in argv
    ]
    code, text = run_cli(args)
    assert code == 2, text
    lines = text.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("tuiftune ") and needle in lines[0], text
    assert list(out.iterdir()) == []
