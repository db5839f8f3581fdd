"""Config: resolution order, 0600 files, masked keys that never leak, no OPENAI_API_KEY fallback."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from tuiftune.config import (
    BackendKind,
    ConfigError,
    ConfigFile,
    EndpointConfig,
    ProfileConfig,
    config_path,
    load_config,
    load_price_overrides,
    mask_secret,
    resolve_profile,
    save_config,
    set_profile,
)
from tuiftune.service.client import build_client, build_inference_client

SECRET = "sk-proj-SUPERSECRETVALUE1234567890wxyz"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_config_path_override_and_default(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert config_path() == clean_env
    monkeypatch.delenv("TUIFTUNE_CONFIG")
    assert config_path().name == "config.toml"
    assert "tuiftune" in str(config_path())


def test_saved_file_is_0600_and_round_trips(clean_env: Path) -> None:
    prof = ProfileConfig(
        kind=BackendKind.COMPATIBLE,
        base_url="http://vllm.local/v1",
        api_key=SecretStr(SECRET),
        inference=EndpointConfig(base_url="http://ollama.local/v1", no_auth=True),
    )
    path = set_profile("local", prof, make_default=True)
    assert path == clean_env
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    cfg = load_config(path)
    assert cfg.default_profile == "local"
    assert cfg.profiles["local"].api_key is not None
    assert cfg.profiles["local"].api_key.get_secret_value() == SECRET
    # Rewriting an existing (too open) file leaves it 0600 as well.
    path.chmod(0o644)
    save_config(cfg, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not list(path.parent.glob(".*tmp"))


def test_masked_key() -> None:
    assert mask_secret(SecretStr("sk-abcdefghijklmnopabcd")) == "sk-…abcd"
    assert mask_secret(None) == "(none)"
    assert SECRET not in mask_secret(SECRET)
    assert mask_secret("short") == "…"


def test_key_never_leaks_in_str_repr_or_errors(clean_env: Path) -> None:
    write(
        clean_env,
        f'default_profile = "p"\n[profiles.p]\nkind = "compatible"\n'
        f'base_url = "http://h/v1"\napi_key = "{SECRET}"\n',
    )
    prof = resolve_profile()
    assert prof.api_key is not None and prof.api_key.get_secret_value() == SECRET
    for text in (str(prof), repr(prof), prof.masked(), str(load_config()), repr(load_config())):
        assert SECRET not in text
    # A validation error must not quote the offending value either.
    write(clean_env, f'[profiles.p]\nbase_url = "http://h/v1"\napi_key = "{SECRET}"\nbogus = 1\n')
    with pytest.raises(ConfigError) as info:
        load_config()
    assert SECRET not in str(info.value) and SECRET not in repr(info.value)
    assert "bogus" in str(info.value)
    write(clean_env, f'[profiles.p]\nbase_url = "http://h/v1"\napi_key = ["{SECRET}"]\n')
    with pytest.raises(ConfigError) as info:
        load_config()
    assert SECRET not in str(info.value)


def test_own_base_url_never_takes_openai_api_key(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    write(clean_env, '[profiles.vllm]\nkind = "compatible"\nbase_url = "http://vllm:8000/v1"\n')
    with pytest.raises(ConfigError) as info:
        resolve_profile("vllm")
    assert "api_key_env" in str(info.value) and SECRET not in str(info.value)
    # Same for kind = openai with a custom host.
    write(clean_env, '[profiles.proxy]\nkind = "openai"\nbase_url = "http://proxy/v1"\n')
    with pytest.raises(ConfigError):
        resolve_profile("proxy")


def test_own_base_url_uses_its_own_key_env(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("VLLM_KEY", "vk-local-key-000000001111")
    write(
        clean_env,
        '[profiles.vllm]\nkind = "compatible"\nbase_url = "http://vllm:8000/v1"\n'
        'api_key_env = "VLLM_KEY"\n',
    )
    prof = resolve_profile("vllm")
    assert prof.api_key is not None
    assert prof.api_key.get_secret_value() == "vk-local-key-000000001111"
    client = build_client(prof)
    assert client.api_key == "vk-local-key-000000001111"
    assert str(client.base_url).startswith("http://vllm:8000/v1")


def test_missing_key_env_is_named_not_valued(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(clean_env, '[profiles.x]\nbase_url = "http://h"\napi_key_env = "NOPE"\n')
    with pytest.raises(ConfigError, match="NOPE is not set"):
        resolve_profile("x")


def test_no_auth_profile_never_sends_env_key(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    write(clean_env, '[profiles.o]\nbase_url = "http://o/v1"\nno_auth = true\n')
    client = build_client(resolve_profile("o"))
    assert client.api_key != SECRET


def test_openai_profile_without_base_url_may_use_env_key(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    write(clean_env, '[profiles.main]\nkind = "openai"\norganization = "org-1"\n')
    prof = resolve_profile("main")
    assert prof.base_url is None and prof.organization == "org-1"
    assert prof.api_key is not None and prof.api_key.get_secret_value() == SECRET


def test_inference_endpoint_never_takes_openai_api_key(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    write(
        clean_env,
        '[profiles.m]\nkind = "openai"\n[profiles.m.inference]\nbase_url = "http://i/v1"\n',
    )
    with pytest.raises(ConfigError, match="inference"):
        resolve_profile("m")
    write(
        clean_env,
        '[profiles.m]\nkind = "openai"\n[profiles.m.inference]\nbase_url = "http://i/v1"\n'
        "no_auth = true\n",
    )
    prof = resolve_profile("m")
    assert prof.inference is not None and prof.inference.api_key is None
    inf = build_inference_client(prof)
    assert str(inf.base_url).startswith("http://i/v1") and inf.api_key != SECRET
    assert build_client(prof).api_key == SECRET


def test_resolution_order(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing anywhere: the sandbox.
    assert resolve_profile().kind is BackendKind.SANDBOX
    # Env pair.
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://gw/v1")
    env = resolve_profile()
    assert env.name == "env" and env.base_url == "http://gw/v1"
    # A default profile beats the environment.
    monkeypatch.setenv("K2", "k2-0000000000000000")
    write(
        clean_env,
        'default_profile = "b"\n[profiles.a]\nkind = "compatible"\nbase_url = "http://a"\n'
        'api_key_env = "K2"\n[profiles.b]\nkind = "compatible"\nbase_url = "http://b"\n'
        'api_key_env = "K2"\n',
    )
    assert resolve_profile().name == "b"
    assert resolve_profile("a").base_url == "http://a"
    assert resolve_profile("a", sandbox=True).is_sandbox
    with pytest.raises(ConfigError, match="known: a, b"):
        resolve_profile("zzz")


def test_azure_profile_from_env(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "0123456789abcdef0123456789abcdef")
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com")
    monkeypatch.setenv("OPENAI_API_VERSION", "2025-04-01-preview")
    prof = resolve_profile()
    assert prof.kind is BackendKind.AZURE
    client = build_client(prof)
    assert "res.openai.azure.com/openai" in str(client.base_url)
    assert "0123456789abcdef" not in repr(prof)


def test_azure_profile_needs_api_version(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "0123456789abcdef0123456789abcdef")
    write(clean_env, '[profiles.az]\nkind = "azure"\nbase_url = "https://r.openai.azure.com"\n')
    with pytest.raises(ConfigError, match="api_version"):
        resolve_profile("az")
    monkeypatch.setenv("AZURE_OPENAI_API_VERSION", "2025-04-01-preview")
    assert resolve_profile("az").api_version == "2025-04-01-preview"


def test_price_overrides(clean_env: Path) -> None:
    assert load_price_overrides() == {}
    write(clean_env, '[prices]\n"gpt-4o-mini-2024-07-18" = 3.0\n"davinci-002" = 6\n')
    assert load_price_overrides() == {"gpt-4o-mini-2024-07-18": 3.0, "davinci-002": 6.0}


def test_bad_toml_is_a_config_error(clean_env: Path) -> None:
    write(clean_env, "default_profile = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config()
    assert isinstance(load_config(clean_env.parent / "missing.toml"), ConfigFile)
