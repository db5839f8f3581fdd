"""``tuiftune serve`` refuses bad numbers and an unusable state folder with one line."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import pytest

from tuiftune.cli import main
from tuiftune.server import ServerOptions


class NoServer:
    """Stands in for ``uvicorn.Server``: the command must stop before it gets here."""

    def __init__(self, config: Any) -> None:
        raise AssertionError("the server started despite a bad flag")


BAD_FLAGS = [
    ("--port", "-1", "between 1 and 65535"),
    ("--port", "70000", "between 1 and 65535"),
    ("--port", "http", "expected an integer"),
    ("--rate-limit", "0", "at least 1"),
    ("--rate-limit", "-5", "at least 1"),
    ("--step-seconds", "nan", "finite"),
    ("--step-seconds", "inf", "finite"),
    ("--step-seconds", "-1", "negative"),
    ("--latency-ms", "-20", "negative"),
    ("--chunk-delay-ms", "-1", "negative"),
    ("--fail-rate", "nan", "between 0 and 1"),
    ("--max-upload-bytes", "0", "at least 1"),
    ("--max-upload-bytes", "12Q", "such as"),
]


@pytest.mark.parametrize(
    ("flag", "value", "words"), BAD_FLAGS, ids=[f"{f} {v}" for f, v, _ in BAD_FLAGS]
)
def test_bad_numbers_are_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    flag: str,
    value: str,
    words: str,
) -> None:
    monkeypatch.setattr("uvicorn.Server", NoServer)
    with pytest.raises(SystemExit) as stopped:
        main(["serve", f"{flag}={value}"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1 and flag in errors[0] and words in errors[0], err


def test_max_upload_bytes_reaches_the_server(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: dict[str, Any] = {}

    class FakeServer:
        def __init__(self, config: Any) -> None:
            seen["options"] = config.app.state.context.options

        def run(self, sockets: list[socket.socket]) -> None:
            seen["port"] = sockets[0].getsockname()[1]

    monkeypatch.setattr("uvicorn.Server", FakeServer)
    assert main(["serve", "--port", "0", "--max-upload-bytes", "3M", "--rate-limit", "1"]) == 0
    assert seen["options"].max_upload_bytes == 3 * 1024 * 1024
    assert seen["options"].rate_limit_rpm == 1


def _unusable_dirs(tmp_path: Path) -> list[tuple[str, Path]]:
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    cases = [("a file in the way", a_file), ("under a file", a_file / "state")]
    if os.geteuid() != 0:  # root writes through permissions
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        cases += [("read-only folder", locked), ("under a read-only folder", locked / "state")]
    return cases


def test_an_unusable_state_dir_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr("uvicorn.Server", NoServer)
    for _name, path in _unusable_dirs(tmp_path):
        assert main(["serve", "--port", "0", "--state-dir", str(path)]) == 1
        captured = capsys.readouterr()
        assert captured.out == ""
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and str(path) in lines[0] and "cannot keep state" in lines[0]


def test_a_file_given_as_the_state_dir_is_named_as_a_file(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """'File exists' (mkdir's errno) reads as if the folder were fine; say what is in the way."""
    monkeypatch.setattr("uvicorn.Server", NoServer)
    a_file = tmp_path / "state.jsonl"
    a_file.write_text("x")
    for path, culprit in ((a_file, a_file), (a_file / "sub", a_file)):
        assert main(["serve", "--port", "0", "--state-dir", str(path)]) == 1
        err = capsys.readouterr().err.strip()
        assert err.endswith(f"{culprit} is a file, not a folder"), err


@pytest.mark.parametrize(
    "fields",
    [
        {"rate_limit_rpm": 0},
        {"rate_limit_rpm": -5},
        {"step_seconds": float("nan")},
        {"step_seconds": float("inf")},
        {"step_seconds": -1.0},
        {"latency_ms": -1},
        {"chunk_delay_ms": -1},
        {"fail_rate": 1.5},
        {"hang_seconds": float("nan")},
        {"max_upload_bytes": 0},
    ],
)
def test_server_options_refuse_values_that_break_requests(fields: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=next(iter(fields))):
        ServerOptions(**fields)
