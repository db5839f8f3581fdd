"""Settings: backend profiles (openai, azure, any base URL, sandbox), env vars, the config file.

The config file lives in the platform's config folder (``TUIFTUNE_CONFIG`` overrides it) and is
always written with mode 0600 because it may hold API keys. Keys are kept in pydantic ``SecretStr``
so that they never show up in a ``str``, ``repr``, log line or exception message.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

# Paths and the plain price table live where no pydantic is imported (the commands' start-up).
from tuiftune.config_paths import APP_NAME as APP_NAME
from tuiftune.config_paths import CONFIG_ENV as CONFIG_ENV
from tuiftune.config_paths import SANDBOX_DIR_ENV as SANDBOX_DIR_ENV
from tuiftune.config_paths import config_path as config_path
from tuiftune.config_paths import sandbox_dir as sandbox_dir

OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_PROVIDER = "openai"


class ConfigError(Exception):
    """A configuration problem the user can fix; the message never contains a secret."""


class BackendKind(StrEnum):
    """Which kind of service a profile talks to."""

    OPENAI = "openai"
    AZURE = "azure"
    COMPATIBLE = "compatible"
    SANDBOX = "sandbox"


class EndpointConfig(BaseModel):
    """A separate inference endpoint (e.g. vLLM or Ollama) used by the playground and eval."""

    model_config = ConfigDict(extra="forbid")

    base_url: str
    """Base URL of the OpenAI-compatible API, e.g. ``http://localhost:11434/v1``."""
    api_key: SecretStr | None = None
    """The key itself (prefer ``api_key_env``)."""
    api_key_env: str | None = None
    """Name of the environment variable that holds the key."""
    no_auth: bool = False
    """The endpoint needs no key (a local server)."""


class ProfileConfig(EndpointConfig):
    """One named backend profile as stored in the config file."""

    kind: BackendKind = BackendKind.OPENAI
    """openai, azure or compatible."""
    base_url: str = ""
    """Base URL (for azure: the resource endpoint); empty means the kind's default."""
    organization: str | None = None
    """OpenAI organization id (``OpenAI-Organization`` header)."""
    project: str | None = None
    """OpenAI project id (``OpenAI-Project`` header)."""
    api_version: str | None = None
    """Azure API version; else ``OPENAI_API_VERSION`` or ``AZURE_OPENAI_API_VERSION``."""
    inference: EndpointConfig | None = None
    """Optional separate endpoint for playground and eval."""
    provider: str | None = None
    """Registered provider name (``tuiftune.service.providers.registry``); default ``openai``,
    which serves the openai, azure, compatible and sandbox kinds."""
    options: dict[str, str] = Field(default_factory=dict)
    """Provider-specific settings, passed to the provider as they are."""


class ConfigFile(BaseModel):
    """The whole config file."""

    model_config = ConfigDict(extra="ignore")

    default_profile: str | None = None
    profiles: dict[str, ProfileConfig] = Field(default_factory=dict)
    prices: dict[str, float] = Field(default_factory=dict)
    """Model -> USD per 1M training tokens, overriding the built-in table."""


@dataclass(frozen=True)
class Endpoint:
    """A resolved base URL with its key."""

    base_url: str | None
    api_key: SecretStr | None

    def masked_key(self) -> str:
        """The key as ``sk-…abcd`` (or a placeholder when there is none)."""
        return mask_secret(self.api_key)


@dataclass(frozen=True)
class ResolvedProfile:
    """The backend the app will talk to, after CLI flags, config file and env were applied."""

    name: str
    kind: BackendKind
    base_url: str | None
    api_key: SecretStr | None
    source: str
    config_path: Path
    organization: str | None = None
    project: str | None = None
    api_version: str | None = None
    inference: Endpoint | None = None
    provider: str = DEFAULT_PROVIDER
    """The registry name of the provider that serves this profile."""
    options: Mapping[str, str] = field(default_factory=dict)
    """Provider-specific settings from the profile."""

    @property
    def is_sandbox(self) -> bool:
        """True when the in-process local server is used."""
        return self.kind is BackendKind.SANDBOX

    def masked(self) -> str:
        """The key as ``sk-…abcd``; safe to show."""
        return mask_secret(self.api_key)

    def inference_endpoint(self) -> Endpoint:
        """The endpoint for playground and eval: the separate one if set, else the main one."""
        return self.inference or Endpoint(self.base_url, self.api_key)


def mask_secret(secret: SecretStr | str | None) -> str:
    """Show at most a key's first 3 and last 4 characters, e.g. ``sk-…abcd``."""
    if secret is None:
        return "(none)"
    value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
    if len(value) < 12:
        return "…" if value else "(empty)"
    return f"{value[:3]}…{value[-4:]}"


def _describe_validation(err: ValidationError) -> str:
    # The default text quotes the offending input, which may be a key: build one without it.
    parts = []
    for item in err.errors(include_input=False, include_url=False):
        loc = ".".join(str(p) for p in item["loc"]) or "(top level)"
        parts.append(f"{loc}: {item['msg']}")
    return "; ".join(parts)


def load_config(path: Path | None = None) -> ConfigFile:
    """Read the config file; a missing file is an empty config."""
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return ConfigFile()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    try:
        return ConfigFile.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"config file {path}: {_describe_validation(exc)}") from None


def _plain(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    return value


def save_config(cfg: ConfigFile, path: Path | None = None) -> Path:
    """Write the config file atomically with mode 0600 and return its path."""
    path = path or config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = _plain(cfg.model_dump(exclude_defaults=True))
    payload = tomli_w.dumps(data).encode("utf-8")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    # Created 0600 from the first byte: the file may hold API keys.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # the umask can only clear bits, but be explicit
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def load_price_overrides(path: Path | None = None) -> dict[str, float]:
    """Model -> USD per 1M training tokens from the config file's ``[prices]`` table."""
    return dict(load_config(path).prices)


def _key_from(
    cfg: EndpointConfig, env: Mapping[str, str], what: str, fallback_env: str | None = None
) -> SecretStr | None:
    if cfg.api_key is not None:
        return cfg.api_key
    if cfg.api_key_env:
        value = env.get(cfg.api_key_env)
        if not value:
            raise ConfigError(f"{what}: environment variable {cfg.api_key_env} is not set")
        return SecretStr(value)
    if cfg.no_auth:
        return None
    if fallback_env and env.get(fallback_env):
        return SecretStr(env[fallback_env])
    hint = f" or {fallback_env}" if fallback_env else ""
    raise ConfigError(
        f"{what} has no API key: set api_key_env (the name of an environment variable){hint},"
        " or no_auth = true for a server that needs none"
    )


def _resolve_inference(prof: ProfileConfig, name: str, env: Mapping[str, str]) -> Endpoint | None:
    if prof.inference is None:
        return None
    # Another host: never reuse OPENAI_API_KEY, which belongs to api.openai.com.
    key = _key_from(prof.inference, env, f"profile {name!r} inference endpoint")
    return Endpoint(prof.inference.base_url, key)


def _resolve_named(
    name: str, prof: ProfileConfig, env: Mapping[str, str], path: Path, source: str
) -> ResolvedProfile:
    what = f"profile {name!r}"
    base_url: str | None = prof.base_url or None
    api_version = None
    provider = prof.provider or DEFAULT_PROVIDER
    if provider != DEFAULT_PROVIDER:
        # Another provider: its own key (never OPENAI_API_KEY) and its own default URL.
        key = _key_from(prof, env, what)
    elif prof.kind is BackendKind.AZURE:
        base_url = base_url or env.get("AZURE_OPENAI_ENDPOINT")
        if not base_url:
            raise ConfigError(f"{what} (azure) needs base_url or AZURE_OPENAI_ENDPOINT")
        api_version = (
            prof.api_version or env.get("OPENAI_API_VERSION") or env.get("AZURE_OPENAI_API_VERSION")
        )
        if not api_version:
            raise ConfigError(f"{what} (azure) needs api_version or OPENAI_API_VERSION")
        key = _key_from(prof, env, what, "AZURE_OPENAI_API_KEY")
    elif prof.kind is BackendKind.SANDBOX:
        return _sandbox(path, source, name)
    elif base_url is None:
        if prof.kind is BackendKind.COMPATIBLE:
            raise ConfigError(f"{what} (compatible) needs a base_url")
        key = _key_from(prof, env, what, "OPENAI_API_KEY")
    else:
        # A profile naming its own host uses its own key, never OPENAI_API_KEY.
        key = _key_from(prof, env, what)
    return ResolvedProfile(
        name=name,
        kind=prof.kind,
        base_url=base_url,
        api_key=key,
        source=source,
        config_path=path,
        organization=prof.organization,
        project=prof.project,
        api_version=api_version,
        inference=_resolve_inference(prof, name, env),
        provider=provider,
        options=dict(prof.options),
    )


def _sandbox(path: Path, source: str, name: str = "sandbox") -> ResolvedProfile:
    return ResolvedProfile(
        name=name,
        kind=BackendKind.SANDBOX,
        base_url=None,
        api_key=None,
        source=source,
        config_path=path,
    )


def _from_env(env: Mapping[str, str], path: Path) -> ResolvedProfile | None:
    # A variable that is set but empty is a mistake more often than a wish for the sandbox:
    # say so instead of switching backend. An empty key with OPENAI_BASE_URL is a compatible
    # server that needs no key (vLLM and Ollama take any), so the URL alone decides there.
    base_url = env.get("OPENAI_BASE_URL", "").strip()
    if "OPENAI_API_KEY" in env and not env["OPENAI_API_KEY"].strip():
        if not base_url:
            raise ConfigError(
                "OPENAI_API_KEY is set but empty: put your key in it, or unset it (or pass "
                "--sandbox) to use the local sandbox"
            )
        if base_url.rstrip("/") == OPENAI_DEFAULT_BASE_URL:
            raise ConfigError(f"OPENAI_API_KEY is empty, and {base_url} needs a key")
    azure_keyless = not env.get("AZURE_OPENAI_API_KEY", "").strip()
    openai_env = env.get("OPENAI_API_KEY") or base_url
    if env.get("AZURE_OPENAI_ENDPOINT", "").strip() and azure_keyless and not openai_env:
        raise ConfigError(
            "AZURE_OPENAI_ENDPOINT is set but AZURE_OPENAI_API_KEY is empty or unset: set "
            "the key, use a profile (Entra ID sign-in), or pass --sandbox"
        )
    if env.get("OPENAI_API_KEY") or base_url:
        key = env.get("OPENAI_API_KEY")
        return ResolvedProfile(
            name="env",
            kind=BackendKind.COMPATIBLE if base_url else BackendKind.OPENAI,
            base_url=base_url or None,
            api_key=SecretStr(key) if key and key.strip() else None,
            source=(
                "environment (OPENAI_BASE_URL; OPENAI_API_KEY is empty: no key is sent)"
                if key is not None and not key.strip()
                else "environment (OPENAI_API_KEY / OPENAI_BASE_URL)"
            ),
            config_path=path,
            organization=env.get("OPENAI_ORG_ID") or None,
            project=env.get("OPENAI_PROJECT_ID") or None,
        )
    if env.get("AZURE_OPENAI_ENDPOINT") and env.get("AZURE_OPENAI_API_KEY"):
        version = env.get("OPENAI_API_VERSION") or env.get("AZURE_OPENAI_API_VERSION")
        if not version:
            raise ConfigError("AZURE_OPENAI_ENDPOINT is set but OPENAI_API_VERSION is not")
        return ResolvedProfile(
            name="env-azure",
            kind=BackendKind.AZURE,
            base_url=env["AZURE_OPENAI_ENDPOINT"],
            api_key=SecretStr(env["AZURE_OPENAI_API_KEY"]),
            source="environment (AZURE_OPENAI_*)",
            config_path=path,
            api_version=version,
        )
    return None


def resolve_profile(
    profile: str | None = None,
    *,
    sandbox: bool = False,
    env: Mapping[str, str] | None = None,
    path: Path | None = None,
) -> ResolvedProfile:
    """Pick the backend: --sandbox, --profile, the default profile, env vars, else the sandbox."""
    env = os.environ if env is None else env
    path = path or config_path(env)
    if sandbox:
        return _sandbox(path, "--sandbox")
    cfg = load_config(path)
    if profile is not None:
        if profile == "sandbox" and profile not in cfg.profiles:
            return _sandbox(path, "--profile sandbox")
        if profile not in cfg.profiles:
            known = ", ".join(sorted(cfg.profiles)) or "none"
            raise ConfigError(f"no profile {profile!r} in {path} (known: {known})")
        return _resolve_named(profile, cfg.profiles[profile], env, path, "--profile")
    if cfg.default_profile:
        prof = cfg.profiles.get(cfg.default_profile)
        if prof is None:
            raise ConfigError(f"default_profile {cfg.default_profile!r} is not defined in {path}")
        return _resolve_named(cfg.default_profile, prof, env, path, "default_profile")
    return _from_env(env, path) or _sandbox(path, "no profile or API key found")


def set_profile(
    name: str,
    profile: ProfileConfig,
    *,
    make_default: bool = False,
    path: Path | None = None,
) -> Path:
    """Add or replace a profile in the config file (written 0600) and return the file's path."""
    path = path or config_path()
    cfg = load_config(path)
    cfg.profiles[name] = profile
    if make_default:
        cfg.default_profile = name
    return save_config(cfg, path)
