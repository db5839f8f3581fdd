"""The Playground's model picker: models on OpenAI carry their retirement date (the config
file's over the packaged one) and the label shows the days left on the given clock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.ui.jobs_helpers import in_process
from tuiftune.service.catalog import load_catalog
from tuiftune.service.providers.openai import from_clients

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC).timestamp()


@pytest.fixture(autouse=True)
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    monkeypatch.setenv("TUIFTUNE_CONFIG", str(path))
    return path


async def _labels(label: str) -> dict[str, str]:
    sandbox = in_process()
    provider = from_clients(sandbox.client(), label=label)
    try:
        catalog = await load_catalog(provider)
    finally:
        await provider.aclose()
    return {m.id: m.label(NOW) for m in catalog.models}


async def test_openai_models_show_days_left() -> None:
    labels = await _labels("OPENAI")
    assert labels["gpt-4o-mini-2024-07-18"] == "gpt-4o-mini-2024-07-18  (base, retires in 44 d)"
    assert "retires" not in labels.get("babbage-002", "")


async def test_the_config_file_moves_a_date(config: Path) -> None:
    config.write_text('[retirements.openai]\n"gpt-4o-mini" = "2026-12-11"\n')
    labels = await _labels("OPENAI")
    assert labels["gpt-4o-mini-2024-07-18"].endswith("(base, retires in 10 d)")


async def test_the_sandbox_shows_no_badge() -> None:
    labels = await _labels("SANDBOX")
    assert labels and not any("retire" in text for text in labels.values())
