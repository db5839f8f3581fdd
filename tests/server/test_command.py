"""``tuiftune serve``: flags become ServerOptions; the base URL and a hint are printed."""

from __future__ import annotations

import argparse
import socket
from pathlib import Path
from typing import Any

import pytest

from tuiftune.server import command


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    command.add_parser(parser.add_subparsers())
    return parser.parse_args(["serve", *argv])


class FakeServer:
    """Stands in for ``uvicorn.Server``: records what it would have served."""

    seen: dict[str, Any] = {}  # noqa: RUF012  (a test double's class-level record)

    def __init__(self, config: Any) -> None:
        FakeServer.seen["app"] = config.app

    def run(self, sockets: list[socket.socket]) -> None:
        FakeServer.seen["address"] = sockets[0].getsockname()


def test_flags_reach_the_server(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr("uvicorn.Server", FakeServer)
    args = _parse(
        "--port", "0", "--step-seconds", "0.1", "--latency-ms", "5", "--fail-rate", "0.2",
        "--rate-limit", "30", "--state-dir", str(tmp_path), "--seed", "4",
    )  # fmt: skip
    assert args.func is command.run
    assert command.run(args) == 0
    assert FakeServer.seen["address"][0] == "127.0.0.1"
    options = FakeServer.seen["app"].state.context.options
    assert (options.step_seconds, options.latency_ms, options.fail_rate) == (0.1, 5, 0.2)
    assert (options.rate_limit_rpm, options.state_dir, options.seed) == (30, tmp_path, 4)
    assert options.network_faults is True
    out = capsys.readouterr().out
    assert "http://127.0.0.1:0/v1" in out
    assert "OPENAI_BASE_URL=http://127.0.0.1:0/v1" in out


def test_a_busy_port_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert command.run(_parse("--port", str(port))) == 1
    captured = capsys.readouterr()
    assert f"cannot serve on 127.0.0.1:{port}" in captured.err
    assert captured.out == ""


def test_defaults_and_bad_values() -> None:
    args = _parse()
    assert (args.host, args.port, args.step_seconds, args.fail_rate) == (
        "127.0.0.1",
        8765,
        0.5,
        0.0,
    )
    assert args.rate_limit is None and args.state_dir is None
    with pytest.raises(SystemExit):
        _parse("--fail-rate", "1.5")
