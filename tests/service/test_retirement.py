"""Retirement dates: the packaged table, config overrides, badges and the wind-down notice,
always on a frozen clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tuiftune.config import ConfigError
from tuiftune.service.retirement import (
    badge,
    base_model,
    calendar_for,
    creation_notice,
    load_retirements,
    packaged,
    retirement_text,
)


def _at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


JAN14 = int(_at("2027-01-14T00:00:00"))


@pytest.mark.parametrize(
    "model",
    [
        "gpt-4o",
        "gpt-4o-2024-08-06",
        "ft:gpt-4o-2024-08-06:acme:triage:abc123",
        "ft:gpt-4o-mini-2024-07-18:acme::abc:ckpt-step-10",
        "gpt-4.1-2025-04-14",
    ],
)
def test_openai_models_and_their_fine_tunes_retire_on_the_base_date(model: str) -> None:
    assert packaged().retires_at("openai", model) == JAN14


def test_other_calendars_and_unlisted_models_have_none() -> None:
    table = packaged()
    assert table.retires_at("openai", "gpt-3.5-turbo-0125") is None
    assert table.retires_at(None, "gpt-4o") is None
    assert table.retires_at("openai", "gpt-4.1-nano") == int(_at("2026-10-23T00:00:00"))


def test_azure_names_its_fine_tunes_after_the_base() -> None:
    assert base_model("gpt-4.1-mini-2025-04-14.ft-0a1b2c:ckpt-step-10") == "gpt-4.1-mini-2025-04-14"
    when = packaged().retires_at("azure", "gpt-4.1-mini-2025-04-14.ft-0a1b2c")
    assert when == int(_at("2027-10-01T00:00:00"))


def test_which_calendar_applies() -> None:
    assert calendar_for("openai", "OPENAI") == "openai"
    assert calendar_for("azure", "AZURE") == "azure"
    assert calendar_for("openai", "AZURE") == "azure"  # the data-plane-only Azure profile
    assert calendar_for("openai", "SANDBOX") is None
    assert calendar_for("together", "TOGETHER") is None


def test_badges_count_days_left_on_the_given_clock() -> None:
    assert badge(JAN14, _at("2026-12-01T12:00:00")) == "retires in 44 d"
    assert badge(JAN14, _at("2027-01-13T23:00:00")) == "retires in 1 d"
    assert badge(JAN14, _at("2027-01-14T00:00:00")) == "retired"
    assert badge(JAN14, _at("2026-06-01T00:00:00")) == ""  # far off: no badge
    assert badge(None, _at("2026-12-01T00:00:00")) == ""
    assert retirement_text(JAN14, _at("2026-12-01T12:00:00")) == "retires 2027-01-14 (in 44 d)"


def test_config_file_overrides_and_adds(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[retirements.openai]\n"gpt-4o" = "2027-03-01"\n'
        '[retirements.together]\n"meta-llama/Llama-3.2-3B-Instruct" = "2027-02-01"\n'
        '[retirements.creation_ends]\nopenai = "2027-02-28"\n'
    )
    table = load_retirements(config)
    assert table.retires_at("openai", "ft:gpt-4o-2024-08-06:a::b") == int(
        _at("2027-03-01T00:00:00")
    )
    assert table.retires_at("openai", "gpt-4o-mini") == JAN14  # the rest stays
    assert table.retires_at("together", "meta-llama/Llama-3.2-3B-Instruct") is not None
    assert creation_notice(table, "openai", _at("2027-01-10T00:00:00")) is not None
    assert "stops creating fine-tuning jobs on 2027-03-01" in str(
        creation_notice(table, "openai", _at("2027-01-10T00:00:00"))
    )


def test_a_bad_date_names_the_key(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[retirements.openai]\n"gpt-4o" = "soon"\n')
    with pytest.raises(ConfigError, match=r"retirements: openai.gpt-4o: expected a date"):
        load_retirements(config)


def test_no_config_file_is_the_packaged_table(tmp_path: Path) -> None:
    assert load_retirements(tmp_path / "missing.toml") == packaged()


def test_creating_on_openai_after_the_wind_down_names_the_alternatives() -> None:
    table = packaged()
    after = creation_notice(table, "openai", _at("2027-01-06T09:00:00"))
    assert after is not None
    assert after.startswith("OpenAI has not created new fine-tuning jobs since 2027-01-06")
    for where in ("azure", "together", "fireworks", "nebius", "tuiftune serve --trainer local"):
        assert where in after
    before = creation_notice(table, "openai", _at("2026-12-01T00:00:00"))
    assert before is not None and before.startswith(
        "OpenAI stops creating fine-tuning jobs on 2027-01-06 (in 36 d)"
    )
    assert creation_notice(table, "openai", _at("2026-06-01T00:00:00")) is None
    assert creation_notice(table, "azure", _at("2027-01-07T00:00:00")) is None
    assert creation_notice(table, None, _at("2027-01-07T00:00:00")) is None
