"""Where tuiftune keeps its files, and the config file's price table, without pydantic.

Every command's start-up path may need these (``tuiftune lint`` reads the price overrides);
``tuiftune.config`` (profiles as pydantic models, 0.1-0.3 s of imports) loads only where a
profile is resolved or a file needs its full validation.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

import platformdirs

APP_NAME = "tuiftune"
CONFIG_ENV = "TUIFTUNE_CONFIG"
SANDBOX_DIR_ENV = "TUIFTUNE_SANDBOX_DIR"


def sandbox_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where the shared sandbox keeps its files and jobs: ``$TUIFTUNE_SANDBOX_DIR`` or the
    platform's data folder."""
    env = os.environ if env is None else env
    override = env.get(SANDBOX_DIR_ENV)
    if override:
        return Path(override).expanduser()
    return platformdirs.user_data_path(APP_NAME) / "sandbox"


def cache_folder(env_var: str, name: str, env: Mapping[str, str] | None = None) -> Path | None:
    """A cache folder: ``$env_var`` (``off`` disables the cache) or ``name`` in the user cache."""
    env = os.environ if env is None else env
    override = env.get(env_var)
    if override == "off":
        return None
    if override:
        return Path(override).expanduser()
    return platformdirs.user_cache_path(APP_NAME) / name


def config_path(env: Mapping[str, str] | None = None) -> Path:
    """Where the config file lives: ``$TUIFTUNE_CONFIG`` or the platform's config folder."""
    env = os.environ if env is None else env
    override = env.get(CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    return platformdirs.user_config_path(APP_NAME) / "config.toml"


def plain_prices(path: Path | None = None) -> dict[str, float] | None:
    """The ``[prices]`` table when no validation is needed to read it, else None.

    No file is no overrides; a readable TOML file whose prices are all plain numbers gives
    them as the full loader would. Anything else (unreadable, not TOML, a price that is a
    string or a bool) is None: ``tuiftune.config.load_price_overrides`` judges it and words
    the error.
    """
    path = path or config_path()
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    prices = data.get("prices", {})
    if not isinstance(prices, dict):
        return None
    out: dict[str, float] = {}
    for name, value in prices.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        out[name] = float(value)
    return out


# The variables that choose a backend when no profile does (``tuiftune.config._from_env``).
BACKEND_ENV = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY")


def plainly_sandbox(env: Mapping[str, str] | None = None) -> bool:
    """True when nothing chooses a backend (no config file, none of ``BACKEND_ENV`` set, even
    empty): the profile is the sandbox, known without the config machinery (pydantic)."""
    env = os.environ if env is None else env
    return not any(name in env for name in BACKEND_ENV) and not config_path(env).exists()
