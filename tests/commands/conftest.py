"""Fixtures for the headless command tests: an isolated environment, a shared sandbox on disk
driven by a manual clock, and a ``cli`` runner."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.helpers import AdvancingSleep  # re-exported to this folder's tests
from tuiftune.server.clock import ManualClock

ENV_VARS = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "OPENAI_API_VERSION",
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_ENDPOINT",
    "AZURE_OPENAI_API_VERSION",
    "TUIFTUNE_SANDBOX_STEP_SECONDS",
)


def build_parser() -> argparse.ArgumentParser:
    """The real ``tuiftune`` parser, with ``jobs`` added if cli.py does not register it yet."""
    from tuiftune import cli
    from tuiftune.commands import jobs

    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if "jobs" not in sub.choices:
        jobs.add_parser(sub)
    return parser


def run_cli(argv: list[str]) -> int:
    """Parse and run like ``tuiftune.cli.main`` (commands get the wiring's services)."""
    from tuiftune import cli

    return cli.dispatch(build_parser().parse_args(argv))


Cli = Callable[..., int]


def set_watch_sleep(monkeypatch: pytest.MonkeyPatch, sleep: Callable[[float], Any]) -> None:
    """The commands' watchers wait with ``sleep``: the wiring hands it to them in their
    ``Services``, as it hands them the provider."""
    from tuiftune import wiring

    real = wiring.services_for

    def services_for(args: argparse.Namespace, registry: Any = None) -> Any:
        services = real(args, registry)
        services.sleep = sleep
        return services

    monkeypatch.setattr(wiring, "services_for", services_for)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No OpenAI variables; config, caches and the sandbox folder inside ``tmp_path``."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TUIFTUNE_CONFIG", str(tmp_path / "cfg" / "config.toml"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("TUIFTUNE_SANDBOX_DIR", str(tmp_path / "sandbox"))
    return tmp_path


@pytest.fixture
def clock(env: Path, monkeypatch: pytest.MonkeyPatch) -> ManualClock:
    """The shared sandbox runs on this clock, and ``jobs watch`` sleeps by moving it."""
    from tuiftune import wiring

    manual = ManualClock()
    real = wiring.shared_sandbox_options

    def options(env: Any = None) -> Any:
        opts = real(env)
        opts.clock = manual
        opts.step_seconds = 1.0
        return opts

    monkeypatch.setattr(wiring, "shared_sandbox_options", options)
    set_watch_sleep(monkeypatch, AdvancingSleep(manual))
    return manual


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Iterator[Cli]:
    """``cli("jobs", "list", ...)`` returns the exit code; read output with capsys."""

    def call(*argv: str) -> int:
        return run_cli(list(argv))

    yield call


def ndjson(text: str) -> list[dict[str, Any]]:
    """Every line of ``text`` as a JSON object."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]
