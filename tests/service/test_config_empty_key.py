"""An environment variable that is set but empty never switches the backend silently:
``OPENAI_API_KEY=""`` alone (or with api.openai.com's URL) and an Azure endpoint without its key
are config errors that say what to do; with a compatible server's URL the empty key means "this
server needs none", and ``config show`` says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuiftune.config import BackendKind, ConfigError, resolve_profile
from tuiftune.service.client import NO_KEY, build_client


def test_empty_key_alone_is_an_error_not_the_sandbox(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "")
    with pytest.raises(ConfigError, match=r"OPENAI_API_KEY is set but empty.*--sandbox"):
        resolve_profile()
    monkeypatch.setenv("OPENAI_API_KEY", "   ")
    with pytest.raises(ConfigError, match="set but empty"):
        resolve_profile()
    # --sandbox still works, and so does an unset key (the documented fallback).
    assert resolve_profile(sandbox=True).is_sandbox
    monkeypatch.delenv("OPENAI_API_KEY")
    assert resolve_profile().is_sandbox


def test_empty_key_with_openai_url_is_an_error(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "")
    monkeypatch.setenv("OPENAI_BASE_URL", "https://api.openai.com/v1/")
    with pytest.raises(ConfigError, match="needs a key"):
        resolve_profile()


def test_empty_key_with_a_compatible_url_sends_no_key(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1")
    prof = resolve_profile()
    assert prof.kind is BackendKind.COMPATIBLE and prof.base_url == "http://127.0.0.1:8000/v1"
    assert prof.api_key is None and "no key is sent" in prof.source
    assert build_client(prof).api_key == NO_KEY


def test_empty_base_url_is_unset(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0000000000000000abcd")
    monkeypatch.setenv("OPENAI_BASE_URL", "")
    prof = resolve_profile()
    assert prof.kind is BackendKind.OPENAI and prof.base_url is None


def test_azure_endpoint_without_its_key_is_an_error(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com")
    monkeypatch.setenv("OPENAI_API_VERSION", "2025-04-01-preview")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "")
    with pytest.raises(ConfigError, match="AZURE_OPENAI_API_KEY is empty or unset"):
        resolve_profile()
    monkeypatch.delenv("AZURE_OPENAI_API_KEY")
    with pytest.raises(ConfigError, match="AZURE_OPENAI_API_KEY is empty or unset"):
        resolve_profile()
