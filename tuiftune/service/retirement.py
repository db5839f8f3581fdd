"""When a provider stops serving a model, and when it stops creating fine-tuning jobs.

The dates live in ``retirements.toml`` next to this module (OpenAI's and Azure's, as they have
stated them); a ``[retirements.<calendar>]`` table in the config file overrides or adds entries.
A fine-tuned model or checkpoint retires with its base model. Every function takes ``now``:
callers pass their clock (tests a frozen one), never the real date from here.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

from tuiftune.config import ConfigError
from tuiftune.service.types import classify_model

DAY = 86400
SOON_DAYS = 90
"""Within this many days a badge says how many are left; earlier it is not shown."""
ALTERNATIVES = (
    "Azure OpenAI (provider azure: the same API, deployments)",
    "Together AI (provider together)",
    "Fireworks (provider fireworks)",
    "Nebius (provider nebius)",
    "your own hardware (tuiftune serve --trainer local)",
)
NAMES = {"openai": "OpenAI", "azure": "Azure OpenAI"}


def _day(text: object, where: str) -> int:
    try:
        day = date.fromisoformat(str(text))
    except ValueError:
        raise ConfigError(f"{where}: expected a date like 2027-01-14, got {text!r}") from None
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


@dataclass(frozen=True)
class Retirements:
    """Retirement dates (Unix time, start of the UTC day) by calendar and model family."""

    models: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    creation_ends: Mapping[str, int] = field(default_factory=dict)
    """The last day each calendar's provider creates jobs."""

    def retires_at(self, calendar: str | None, model_id: str) -> int | None:
        """When ``model_id`` (a base model, a dated snapshot, a fine-tuned model or checkpoint
        of one) stops answering on ``calendar``; None where nothing is stated."""
        if calendar is None:
            return None
        base = base_model(model_id)
        for family, when in self.models.get(calendar, {}).items():
            if base == family or base.startswith(family + "-20"):
                return when
        return None


def base_model(model_id: str) -> str:
    """The base model a model id names: OpenAI's ``ft:BASE:...``, Azure's ``BASE.ft-<job>``
    (and its ``:ckpt-step-N``), or the id itself."""
    _, base = classify_model(model_id)
    if base is not None:
        return base
    head = model_id.split(":", 1)[0]
    return head.split(".ft-", 1)[0]


def _read(data: Mapping[str, object], where: str) -> Retirements:
    models: dict[str, dict[str, int]] = {}
    ends: dict[str, int] = {}
    for calendar, table in data.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: [{calendar}] must be a table of model = date")
        target = ends if calendar == "creation_ends" else models.setdefault(calendar, {})
        for key, value in table.items():
            target[str(key)] = _day(value, f"{where}: {calendar}.{key}")
    return Retirements(models, ends)


def packaged() -> Retirements:
    """The dates shipped with tuiftune."""
    text = resources.files("tuiftune.service").joinpath("retirements.toml").read_text("utf-8")
    return _read(tomllib.loads(text), "retirements.toml")


def load_retirements(config: Path | None = None) -> Retirements:
    """The shipped dates with the config file's ``[retirements]`` tables over them (blocking:
    call it in a thread from the app). A bad date raises ``ConfigError`` naming the key."""
    base = packaged()
    if config is None:
        from tuiftune.config import config_path

        config = config_path()
    try:
        data = tomllib.loads(config.read_text("utf-8"))
    except FileNotFoundError:
        return base
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"config file {config}: {exc}") from None
    table = data.get("retirements")
    if table is None:
        return base
    if not isinstance(table, dict):
        raise ConfigError(f"config file {config}: retirements must be a table")
    extra = _read(table, f"config file {config}: retirements")
    models = {k: dict(v) for k, v in base.models.items()}
    for calendar, entries in extra.models.items():
        models.setdefault(calendar, {}).update(entries)
    return Retirements(models, {**base.creation_ends, **extra.creation_ends})


def calendar_for(provider_name: str, label: str) -> str | None:
    """Whose stated dates apply to a provider: ``openai`` for api.openai.com, ``azure`` for
    Azure OpenAI; None for the others (open-weight hosts, compatible servers, the sandbox)."""
    if provider_name == "azure" or label == "AZURE":
        return "azure"
    if provider_name == "openai" and label == "OPENAI":
        return "openai"
    return None


def days_left(when: int, now: float) -> int:
    """Whole days until ``when`` (0 on the day, negative after)."""
    return math.ceil((when - now) / DAY)


def badge(when: int | None, now: float, *, soon: int = SOON_DAYS) -> str:
    """``retires in 44 d`` within ``soon`` days, ``retired`` after, else nothing."""
    if when is None:
        return ""
    left = days_left(when, now)
    if left <= 0:
        return "retired"
    if left > soon:
        return ""
    return f"retires in {left} d"


def retirement_text(when: int | None, now: float) -> str:
    """A badge with the date, for a detail line: ``retires 2027-01-14 (in 44 d)``."""
    if when is None:
        return ""
    day = datetime.fromtimestamp(when, UTC).date().isoformat()
    left = days_left(when, now)
    return f"retired {day}" if left <= 0 else f"retires {day} (in {left} d)"


def creation_notice(table: Retirements, calendar: str | None, now: float) -> str | None:
    """Why creating a job here will not work or soon will not, naming where to go instead;
    None when the provider has stated no end."""
    if calendar is None or calendar not in table.creation_ends:
        return None
    last = table.creation_ends[calendar]
    end = datetime.fromtimestamp(last + DAY, UTC).date().isoformat()
    where = "; ".join(ALTERNATIVES)
    left = days_left(last + DAY, now)
    who = NAMES.get(calendar, calendar)
    if left > SOON_DAYS:
        return None
    if left > 0:
        return (
            f"{who} stops creating fine-tuning jobs on {end} (in {left} d); its fine-tuned "
            f"models answer until their base models retire. tuiftune also fine-tunes on: {where}"
        )
    return (
        f"{who} has not created new fine-tuning jobs since {end} (its wind-down); fine-tuned "
        f"models answer until their base models retire (gpt-4o, gpt-4o-mini, gpt-4.1 around "
        f"2027-01-14). tuiftune also fine-tunes on: {where}"
    )
