"""``jobs create`` on Together checks the file against Together's rules with the model's own
limits from ``/fine-tunes/models/limits`` (16,384 tokens in the emulator, not the table's
131,072): an over-long example or an image refuses the upload, naming Together's rule."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.emulators.together import BASE_URL, TogetherEmulator
from tests.providers.cli_helpers import runner
from tuiftune.dataset.provider_rules import limits_for

MODEL = "meta-llama/Llama-3.2-3B-Instruct"


def _chat(content: Any) -> dict[str, Any]:
    return {
        "messages": [{"role": "user", "content": content}, {"role": "assistant", "content": "ok"}]
    }


def _file(tmp_path: Path, *records: dict[str, Any]) -> str:
    path = tmp_path / "train.jsonl"
    ok = [_chat(f"question {i}") for i in range(12)]
    path.write_text("".join(json.dumps(r) + "\n" for r in [*ok, *records]))
    return str(path)


def test_the_models_own_limit_refuses_an_over_long_example(
    profile_for: Callable[..., Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert limits_for("together").context_for(MODEL) == 131072  # the table alone would pass it
    emu = TogetherEmulator()
    run = runner(profile_for("together", BASE_URL), emu.app, BASE_URL)
    image = _chat([{"type": "image_url", "image_url": {"url": "data:,"}}])
    path = _file(tmp_path, _chat("word " * 20_000), image)
    assert run(["create", path, "--model", MODEL]) == 1
    err = capsys.readouterr().err
    assert "line 13: error [together.context] about 20,0" in err
    assert "over together's 16,384 for meta-llama/Llama-3.2-3B-Instruct" in err
    assert "line 14: error [together.images] together does not train on images" in err
    assert "refused: 2 errors under together's rules" in err
    assert emu.files == {} and emu.jobs == {}


def test_a_file_that_fits_is_created(
    profile_for: Callable[..., Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emu = TogetherEmulator()
    run = runner(profile_for("together", BASE_URL), emu.app, BASE_URL)
    assert run(["create", _file(tmp_path), "--model", MODEL, "--json"]) == 0
    assert "[together." not in capsys.readouterr().err
    assert len(emu.jobs) == 1


def test_a_legacy_file_is_converted_to_chat_for_fireworks(
    profile_for: Callable[..., Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import SAMPLES
    from tests.emulators.fireworks import ACCOUNT, FireworksEmulator
    from tests.emulators.fireworks import BASE_URL as FW_URL

    emu = FireworksEmulator()
    profile = profile_for("fireworks", FW_URL, options={"account_id": ACCOUNT})
    run = runner(profile, emu.app, FW_URL)
    legacy = SAMPLES / "ticket-triage-legacy.jsonl"
    model = "accounts/fireworks/models/llama-v3p1-8b-instruct"
    assert run(["create", str(legacy), "--model", model, "--json"]) == 0
    err = capsys.readouterr().err
    assert "note: fireworks takes chat records only: converted" in err
    assert "[fireworks.layout]" not in err
    (uploaded,) = emu.uploads.values()
    rows = [json.loads(line) for line in uploaded.decode().splitlines() if line.strip()]
    source = [json.loads(line) for line in legacy.read_text().splitlines() if line.strip()]
    assert len(rows) == len(source) and all(set(r) == {"messages"} for r in rows)
    assert rows[0]["messages"][-1]["role"] == "assistant"


def test_lint_profile_uses_togethers_own_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.providers.test_cli_hosted import _profile
    from tests.server.helpers import tcp_server
    from tuiftune.cli import main

    app: Any = TogetherEmulator().app  # tcp_server takes any ASGI app
    server = tcp_server(app)
    url = next(server).removesuffix("/v1")
    try:
        _profile(tmp_path, monkeypatch, "together", url)
        path = _file(tmp_path, _chat("word " * 20_000))
        assert main(["lint", path, "--model", MODEL, "--provider", "together"]) == 0  # the table
        capsys.readouterr()
        argv = ["lint", path, "--model", MODEL, "--profile", "together", "--format", "json"]
        assert main(argv) == 1
        findings = json.loads(capsys.readouterr().out)["files"][0]["findings"]
        (context,) = [f for f in findings if f["rule"] == "together.context"]
        assert context["line"] == 13 and "over together's 16,384" in context["message"]
    finally:
        next(server, None)
