"""The Jobs form against a local-trainer server (the stand-in engine records what it is given):
the "Advanced (LoRA)" settings and the test set travel into the job and are shown in its
settings; the lint line counts with the served model's own tokenizer where its files are here,
says "tiktoken estimate" where they are not, and uses the epochs typed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openai
import pytest
from textual.widgets import Input

from tests.tiny_tokenizer import build_tiny_tokenizer
from tests.ui.jobs_helpers import FAST, open_jobs, wait_for
from tuiftune.service.services import Services
from tuiftune.ui.app import TuiftuneApp
from tuiftune.ui.jobs.create_form import CreateJobScreen
from tuiftune.ui.jobs.format import detail_text
from tuiftune.ui.jobs.lora_fields import LoraFields
from tuiftune.ui.jobs.screen import JobsScreen

from .conftest import LocalServer, StartServer
from .helpers import chat_rows, jsonl

pytestmark = pytest.mark.usefixtures("fake_pace")


@pytest.fixture
def fake_pace(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fast fake steps, the upload cache and an empty Hugging Face cache in the test's folder."""
    monkeypatch.setenv("FAKE_STEP_SECONDS", "0.01")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))


def _app(server: LocalServer) -> TuiftuneApp:
    def client() -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(api_key="test", base_url=server.url, max_retries=0)

    app = TuiftuneApp(Services(backend_label="LOCAL", jobs_client_factory=client))
    app.remove_mode("jobs")
    app.add_mode("jobs", lambda: JobsScreen(list_interval=0.05, policy=FAST, bell=False))
    return app


def _engine_config(state: Path, job_id: str) -> dict[str, Any]:
    for path in state.rglob("config.json"):
        data = json.loads(path.read_text())
        if data.get("job_id") == job_id:
            return dict(data)
    raise AssertionError(f"no engine config for {job_id}")


def _cached_tokenizer(tmp_path: Path) -> None:
    """The served model's tokenizer in the local Hugging Face cache, as ``org/tiny-base``."""
    build_tiny_tokenizer(tmp_path / "hub" / "models--org--tiny-base" / "snapshots" / "abc")


def _lint_text(form: CreateJobScreen) -> str:
    return str(form.query_one("#lint-result").render())


async def test_lora_settings_and_test_set_travel_from_the_form_to_the_engine(
    fake_server: StartServer, tmp_path: Path
) -> None:
    server = fake_server()
    _cached_tokenizer(tmp_path)
    train, test = tmp_path / "train.jsonl", tmp_path / "test.jsonl"
    train.write_bytes(jsonl(chat_rows(12)))
    test.write_bytes(jsonl(chat_rows(3)))
    app = _app(server)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_jobs(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, CreateJobScreen), "the form")
        form = app.screen
        assert isinstance(form, CreateJobScreen)
        lora = form.query_one(LoraFields)
        await wait_for(pilot, lambda: lora.display, "the LoRA section (the server takes it)")
        await wait_for(pilot, lambda: form.query_one("#model", Input).value == "tiny-base", "model")
        assert lora.collapsed
        form.query_one("#training", Input).value = str(train)
        form.query_one("#test_file", Input).value = str(test)
        form.query_one("#n_epochs", Input).value = "2"
        form.query_one("#batch_size", Input).value = "4"
        lora.collapsed = False
        for name, value in {
            "lora_r": "4",
            "lora_alpha": "8",
            "lora_dropout": "0.1",
            "target_modules": "q_proj,v_proj",
            "max_seq_len": "128",
        }.items():
            form.query_one(f"#{name}", Input).value = value
        await pilot.press("ctrl+s")  # lints and shows the cost first
        await wait_for(pilot, lambda: form.report is not None, "the lint")
        shown = _lint_text(form)
        assert "tokens by tiny-base's own tokenizer (2 epochs)" in shown, shown
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen.selected is not None, "the new job", limit=20)
        job_id = screen.selected
        assert job_id is not None
        await wait_for(
            pilot, lambda: screen.jobs[job_id].status == "succeeded", "success", limit=30
        )
        job = screen.jobs[job_id]
        settings = detail_text(job).plain
        assert "lora_r 4, lora_alpha 8, lora_dropout 0.1, target_modules q_proj,v_proj" in settings
        assert "max_seq_len 128" in settings
        assert job.metadata == {"tuiftune_test_file": str(test.resolve())}
    sent = _engine_config(tmp_path / "state", job_id)["hyperparameters"]
    assert (sent["lora_r"], sent["lora_alpha"], sent["lora_dropout"]) == (4, 8.0, 0.1)
    assert sent["target_modules"] == ["q_proj", "v_proj"] and sent["max_seq_len"] == 128
    assert sent["n_epochs"] == 2


async def test_without_its_tokenizer_the_count_is_called_an_estimate_for_the_typed_epochs(
    fake_server: StartServer, tmp_path: Path
) -> None:
    server = fake_server()
    train = tmp_path / "train.jsonl"
    train.write_bytes(jsonl(chat_rows(12)))
    app = _app(server)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_jobs(pilot)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, CreateJobScreen), "the form")
        form = app.screen
        assert isinstance(form, CreateJobScreen)
        await wait_for(pilot, lambda: form.query_one("#model", Input).value == "tiny-base", "model")
        form.query_one("#training", Input).value = str(train)
        form.query_one("#n_epochs", Input).value = "2"
        form.action_lint()
        await wait_for(pilot, lambda: form.report is not None, "the lint")
        shown = _lint_text(form)
        assert "tiktoken estimate: tiny-base's tokenizer is not on this machine" in shown
        assert "(2 epochs)" in shown and "3 epochs" not in shown
        form.query_one("#n_epochs", Input).value = "5"
        await wait_for(pilot, lambda: "(5 epochs)" in _lint_text(form), "the cost for 5 epochs")
        form.query_one("#n_epochs", Input).value = ""
        await wait_for(pilot, lambda: "epochs, auto)" in _lint_text(form), "auto's epochs")
        # A bad LoRA value is named, and nothing is sent.
        lora = form.query_one(LoraFields)
        lora.collapsed = False
        form.query_one("#lora_dropout", Input).value = "1.5"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "lora_dropout must be >= 0 and < 1 (got 1.5)" in _lint_text(form)
        assert isinstance(app.screen, CreateJobScreen)
    assert (await server.client.fine_tuning.jobs.list()).data == []
