"""First run (no config file, no key in the environment): the header says SANDBOX at once,
and the config machinery (pydantic) is not loaded while the file lints."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tuiftune.config_paths import BACKEND_ENV, plainly_sandbox

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import asyncio, json, sys
from tuiftune.service.services import Services
from tuiftune.ui.app import TuiftuneApp

async def main() -> None:
    app = TuiftuneApp(Services(), None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.5)
        print(json.dumps([app.sub_title, "tuiftune.config" in sys.modules]))

asyncio.run(main())
"""


def probe(env: dict[str, str]) -> list[object]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, cwd=REPO
    )
    assert out.returncode == 0, out.stderr[-2000:]
    answer: list[object] = json.loads(out.stdout.splitlines()[-1])
    return answer


def clean_env(config: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in BACKEND_ENV}
    env["TUIFTUNE_CONFIG"] = str(config)
    return env


def test_first_run_is_the_sandbox_without_the_config_machinery(tmp_path: Path) -> None:
    assert probe(clean_env(tmp_path / "none.toml")) == ["SANDBOX", False]


def test_a_key_in_the_environment_is_resolved_in_full(tmp_path: Path) -> None:
    env = clean_env(tmp_path / "none.toml")
    env["OPENAI_API_KEY"] = "sk-test-1234"
    assert probe(env) == ["OPENAI", True]


@pytest.mark.parametrize("name", BACKEND_ENV)
def test_any_backend_variable_or_a_config_file_is_not_plain(tmp_path: Path, name: str) -> None:
    config = tmp_path / "config.toml"
    assert plainly_sandbox({"TUIFTUNE_CONFIG": str(config)})
    assert not plainly_sandbox({"TUIFTUNE_CONFIG": str(config), name: ""})
    config.write_text('default_profile = "x"\n', encoding="utf-8")
    assert not plainly_sandbox({"TUIFTUNE_CONFIG": str(config)})
