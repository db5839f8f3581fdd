"""``tuiftune jobs create``'s LoRA flags and ``--test-file`` against a local-trainer server (the
stand-in engine records what it is given): the settings reach the engine's hyperparameters and
are shown back; bad values and providers without LoRA are refused with one line, unsent."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from tests.commands.conftest import run_cli

from .conftest import LocalServer, StartServer
from .helpers import chat_rows, jsonl

pytestmark = pytest.mark.usefixtures("fake_pace")
KEY_ENV = "TUIFTUNE_TEST_LOCAL_KEY"


@pytest.fixture
def fake_pace(monkeypatch: pytest.MonkeyPatch) -> None:
    """Seconds per fake step (the engine inherits the server's environment)."""
    monkeypatch.setenv("FAKE_STEP_SECONDS", "0.01")


def _profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """A ``compatible`` profile on the server, and a ``kind = openai`` one on the same host."""
    config = tmp_path / "cfg" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        f'[profiles.local]\nkind = "compatible"\nbase_url = "{url}"\napi_key_env = "{KEY_ENV}"\n'
        f'[profiles.oai]\nkind = "openai"\nbase_url = "{url}"\napi_key_env = "{KEY_ENV}"\n'
    )
    monkeypatch.setenv("TUIFTUNE_CONFIG", str(config))
    monkeypatch.setenv(KEY_ENV, "sk-local-test-0000000000")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


async def _cli(*argv: str) -> int:
    # The command runs its own event loop: off this test's loop, in a thread.
    return await asyncio.to_thread(run_cli, list(argv))


def _engine_config(state: Path, job_id: str) -> dict[str, Any]:
    """The config.json the engine was started with for ``job_id``."""
    for path in state.rglob("config.json"):
        data = json.loads(path.read_text())
        if data.get("job_id") == job_id:
            return dict(data)
    raise AssertionError(f"no engine config for {job_id} under {state}")


async def _server(fake_server: StartServer, tmp_path: Path, mp: pytest.MonkeyPatch) -> LocalServer:
    server = fake_server()
    _profiles(tmp_path, mp, server.url)
    (tmp_path / "train.jsonl").write_bytes(jsonl(chat_rows(12)))
    (tmp_path / "test.jsonl").write_bytes(jsonl(chat_rows(3)))
    return server


async def test_lora_flags_reach_the_engine_and_are_shown(
    fake_server: StartServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = await _server(fake_server, tmp_path, monkeypatch)
    code = await _cli(
        "jobs", "create", str(tmp_path / "train.jsonl"), "--model", "tiny-base",
        "--profile", "local", "--epochs", "1", "--batch-size", "4",
        "--lora-r", "4", "--lora-alpha", "8", "--lora-dropout", "0.1",
        "--target-modules", "q_proj,v_proj", "--max-seq-len", "128",
        "--test-file", str(tmp_path / "test.jsonl"), "--json",
    )  # fmt: skip
    out = capsys.readouterr()
    assert code == 0, out.err
    job = json.loads(out.out)
    # The server resolved them at POST and echoes them; the JSON shape carries them.
    hp = job["hyperparameters"]
    assert (hp["lora_r"], hp["lora_alpha"], hp["lora_dropout"]) == (4, 8.0, 0.1)
    assert hp["target_modules"] == ["q_proj", "v_proj"] and hp["max_seq_len"] == 128
    assert job["metadata"] == {"tuiftune_test_file": str((tmp_path / "test.jsonl").resolve())}

    # What the engine process was handed: the same settings, in the job's hyperparameters.
    done = await server.client.fine_tuning.jobs.retrieve(job["id"])
    state = tmp_path / "state"
    sent = _engine_config(state, job["id"])["hyperparameters"]
    assert sent["lora_r"] == 4 and sent["lora_alpha"] == 8.0 and sent["lora_dropout"] == 0.1
    assert sent["target_modules"] == ["q_proj", "v_proj"] and sent["max_seq_len"] == 128
    assert done.id == job["id"]

    assert await _cli("jobs", "show", job["id"], "--profile", "local") == 0
    shown = capsys.readouterr().out
    assert "lora_r 4, lora_alpha 8, lora_dropout 0.1, target_modules q_proj,v_proj" in shown
    assert "max_seq_len 128" in shown


async def test_bad_values_and_providers_without_lora_are_refused_unsent(
    fake_server: StartServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = await _server(fake_server, tmp_path, monkeypatch)
    train = str(tmp_path / "train.jsonl")
    base = ("jobs", "create", train, "--model", "tiny-base")

    assert await _cli(*base, "--profile", "local", "--lora-dropout", "1.5") == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "tuiftune jobs: Invalid fine-tuning request: lora_dropout must be >= 0 and < 1 (got 1.5)"
    )

    assert await _cli(*base, "--profile", "local", "--max-seq-len", "4") == 2
    assert "max_seq_len must be an integer from 8" in capsys.readouterr().err

    with pytest.raises(SystemExit):
        await _cli(*base, "--profile", "local", "--target-modules", "q proj")
    assert "'q proj' is not a module name" in capsys.readouterr().err

    missing = str(tmp_path / "nope.jsonl")
    assert await _cli(*base, "--profile", "local", "--test-file", missing) == 2
    assert f"test file {missing}: no such file" in capsys.readouterr().err

    # A profile of kind openai (here on the same host) refuses before anything is uploaded.
    assert await _cli(*base, "--profile", "oai", "--lora-r", "4") == 3
    # (after OpenAI's wind-down note) one line naming the setting and its flag
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("tuiftune jobs: OpenAI does not take lora_r; leave --lora-r unset")
    files = await server.client.files.list()
    assert files.data == []
