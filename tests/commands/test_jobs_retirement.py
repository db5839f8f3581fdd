"""``jobs list`` shows when an OpenAI model retires and ``jobs create`` explains OpenAI's
wind-down, both on a frozen clock; other providers show neither."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.commands.jobs_cli_helpers import CLEAN, FAST, MODEL
from tests.ui.jobs_helpers import in_process
from tuiftune.cli import build_parser
from tuiftune.commands import jobs as jobs_cmd
from tuiftune.service.services import Services


def _clock(day: str) -> float:
    return datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp()


def _run(services: Services, *argv: str) -> int:
    code: int = jobs_cmd.run(build_parser().parse_args(["jobs", *argv]), services)
    return code


def _services(label: str, now: str) -> Services:
    sandbox = in_process()
    return Services(
        backend_label=label, jobs_client_factory=sandbox.factory, clock=lambda: _clock(now)
    )


def test_list_badges_and_create_notice_on_openai(capsys: pytest.CaptureFixture[str]) -> None:
    services = _services("OPENAI", "2026-12-01T12:00:00")
    assert _run(services, "create", str(CLEAN), "--model", MODEL, *FAST) == 0
    err = capsys.readouterr().err
    assert "note: OpenAI stops creating fine-tuning jobs on 2027-01-06 (in 36 d)" in err
    assert "tuiftune serve --trainer local" in err

    assert _run(services, "list") == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[1].endswith("[retires in 44 d]"), rows
    assert _run(services, "list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)["jobs"]
    assert listed[0]["retires_at"] == int(_clock("2027-01-14T00:00:00"))
    assert _run(services, "show", listed[0]["id"]) == 0
    assert "retires 2027-01-14 (in 44 d)" in capsys.readouterr().out


def test_after_the_wind_down_create_names_the_alternatives(
    capsys: pytest.CaptureFixture[str],
) -> None:
    services = _services("OPENAI", "2027-01-07T08:00:00")
    _run(services, "create", str(CLEAN), "--model", MODEL, *FAST)
    err = capsys.readouterr().err
    assert "note: OpenAI has not created new fine-tuning jobs since 2027-01-06" in err
    for where in ("Azure OpenAI", "Together AI", "Fireworks", "Nebius"):
        assert where in err


def test_the_sandbox_has_no_retirements(capsys: pytest.CaptureFixture[str]) -> None:
    services = _services("SANDBOX", "2027-01-13T00:00:00")
    assert _run(services, "create", str(CLEAN), "--model", MODEL, *FAST) == 0
    assert "fine-tuning jobs" not in capsys.readouterr().err
    assert _run(services, "list") == 0
    assert "retire" not in capsys.readouterr().out
